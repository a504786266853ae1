//! Tests of the store's DML rules against the default org (errors, upsert, recycle bin,
//! all-or-none batches, change events, snapshots and save/restore).

use super::*;
use serde_json::{json, Map, Value as Json};
use std::sync::{Arc, Mutex};

fn body(v: Json) -> Map<String, Json> {
    v.as_object().cloned().unwrap_or_default()
}

fn setup() -> (Org, Actor) {
    let org = Org::default_org();
    let actor = org.actor(org.user("integration").unwrap().id);
    (org, actor)
}

#[test]
fn create_sets_id_audit_fields_and_owner() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let c = s
        .insert("account", &body(json!({"Name": "Acme"})), &actor)
        .unwrap();
    assert_eq!(c.key_prefix(), "001");
    let r = s.retrieve("Account", c.as_str(), None, "62.0").unwrap();
    assert_eq!(r["attributes"]["type"], "Account");
    assert_eq!(
        r["attributes"]["url"],
        format!("/services/data/v62.0/sobjects/Account/{}", c)
    );
    assert_eq!(r["OwnerId"], actor.user.to_string());
    assert_eq!(r["CreatedById"], actor.user.to_string());
    assert_eq!(r["IsDeleted"], false);
    assert!(r["CreatedDate"].as_str().unwrap().ends_with("+0000"));
    assert_eq!(r["Website"], Json::Null);
}

#[test]
fn missing_name_is_required_field_missing() {
    let (org, actor) = setup();
    let e = org
        .store
        .write()
        .insert("Account", &body(json!({"Phone": "1"})), &actor)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::REQUIRED_FIELD_MISSING);
    assert_eq!(e.message, "Required fields are missing: [Name]");
    assert_eq!(e.fields, vec!["Name"]);
    let e = org
        .store
        .write()
        .insert("Contact", &body(json!({"FirstName": "A"})), &actor)
        .unwrap_err();
    assert_eq!(e.fields, vec!["LastName"]);
}

#[test]
fn numbers_beyond_their_fields_size_are_number_outside_valid_range() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    // NumberOfEmployees is an int of 8 digits; AnnualRevenue a currency of 18 digits, none
    // after the point.
    for (field, value, shown) in [
        (
            "NumberOfEmployees",
            json!(99_999_999_999_999_i64),
            "99999999999999",
        ),
        ("NumberOfEmployees", json!(-100_000_000), "-100000000"),
        ("AnnualRevenue", json!(1e25), "10000000000000000000000000"),
    ] {
        let e = s
            .insert("Account", &body(json!({"Name": "A", field: value})), &actor)
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::NUMBER_OUTSIDE_VALID_RANGE, "{field}");
        assert!(
            e.message.ends_with(&format!(
                "value outside of valid range on numeric field: {shown}"
            )),
            "{}",
            e.message
        );
        assert_eq!(e.fields, vec![field]);
    }
    for (field, value) in [
        ("NumberOfEmployees", json!(99_999_999)),
        ("AnnualRevenue", json!(1e17)),
    ] {
        s.insert("Account", &body(json!({"Name": "A", field: value})), &actor)
            .unwrap_or_else(|e| panic!("{field}: {e:?}"));
    }
}

#[test]
fn a_whole_number_no_integer_holds_is_out_of_an_int_fields_range() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    // Past i64 (a JSON number read as an f64), and written as text: the range error, quoting
    // text as written.
    for (value, shown) in [
        (json!(1e20), "100000000000000000000"),
        (json!("99999999999999999999"), "99999999999999999999"),
        (json!(" 1e20"), " 1e20"),
    ] {
        let e = s
            .insert(
                "Account",
                &body(json!({"Name": "A", "NumberOfEmployees": value})),
                &actor,
            )
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::NUMBER_OUTSIDE_VALID_RANGE, "{value}");
        assert_eq!(
            e.message,
            format!("Employees: value outside of valid range on numeric field: {shown}")
        );
    }
    // A fraction is still a value of the wrong kind.
    let e = s
        .insert(
            "Account",
            &body(json!({"Name": "A", "NumberOfEmployees": 12.5})),
            &actor,
        )
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::JSON_PARSER_ERROR);
}

#[test]
fn a_decimal_written_as_text_is_quoted_as_written_when_out_of_range() {
    let (org, actor) = setup();
    let e = org
        .store
        .write()
        .insert(
            "Account",
            &body(json!({"Name": "A", "AnnualRevenue": "12345678901234567890.5"})),
            &actor,
        )
        .unwrap_err();
    assert_eq!(
        e.message,
        "Annual Revenue: value outside of valid range on numeric field: 12345678901234567890.5"
    );
}

#[test]
fn field_errors_use_salesforce_codes() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let long = "x".repeat(256);
    let e = s
        .insert("Account", &body(json!({"Name": long})), &actor)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::STRING_TOO_LONG);
    assert!(e
        .message
        .starts_with("Account Name: data value too large: xxx"));
    assert!(e.message.ends_with("(max length=255)"));
    let e = s
        .insert("Account", &body(json!({"Name": "A", "Naem": 1})), &actor)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_FIELD);
    assert_eq!(
        e.message,
        "No such column 'Naem' on sobject of type Account"
    );
    let e = s
        .insert(
            "Account",
            &body(json!({"Name": "A", "CreatedDate": "2020-01-01T00:00:00Z"})),
            &actor,
        )
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_FIELD_FOR_INSERT_UPDATE);
    assert_eq!(e.fields, vec!["CreatedDate"]);
    let e = s
        .insert(
            "Account",
            &body(json!({"Name": "A", "AnnualRevenue": "banana"})),
            &actor,
        )
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::JSON_PARSER_ERROR);
    let e = s
        .insert(
            "Contact",
            &body(json!({"LastName": "A", "AccountId": "nope"})),
            &actor,
        )
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::MALFORMED_ID);
    assert_eq!(e.message, "Account ID: id value of incorrect type: nope");
    let missing = ids::SfId::from_15(b"0015g0000099999");
    let e = s
        .insert(
            "Contact",
            &body(json!({"LastName": "A", "AccountId": missing.as_str()})),
            &actor,
        )
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_CROSS_REFERENCE_KEY);
    let e = s.insert("Nope__c", &body(json!({})), &actor).unwrap_err();
    assert_eq!(e.code, ErrorCode::NOT_FOUND);
}

#[test]
fn duplicate_external_id_names_the_existing_record() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let existing = s
        .find_by_external("Account", "ERP_Id__c", "A-1000")
        .unwrap()[0];
    let e = s
        .insert(
            "Account",
            &body(json!({"Name": "B", "ERP_Id__c": "a-1000"})),
            &actor,
        )
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::DUPLICATE_VALUE);
    assert_eq!(
        e.message,
        format!("duplicate value found: ERP_Id__c duplicates value on record with id: {existing}")
    );
}

#[test]
fn upsert_twice_keeps_one_record() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let before = s.count("Account");
    let b = body(json!({"Name": "Kestrel Ltd"}));
    let (c1, created1) = s
        .upsert(
            "Account",
            "ERP_Id__c",
            "A-2000",
            &b,
            UpsertMode::default(),
            &actor,
        )
        .unwrap();
    let (c2, created2) = s
        .upsert(
            "Account",
            "erp_id__c",
            "A-2000",
            &b,
            UpsertMode::default(),
            &actor,
        )
        .unwrap();
    assert!(created1 && !created2);
    assert_eq!(c1, c2);
    assert_eq!(s.count("Account"), before + 1);
    let e = s
        .upsert(
            "Account",
            "ERP_Id__c",
            "A-9",
            &b,
            UpsertMode { update_only: true },
            &actor,
        )
        .unwrap_err();
    assert!(matches!(
        e,
        UpsertError::Rejected(SfError {
            code: ErrorCode::NOT_FOUND,
            ..
        })
    ));
    let e = s
        .upsert("Account", "Phone", "x", &b, UpsertMode::default(), &actor)
        .unwrap_err();
    assert!(e
        .to_string()
        .contains("Provided external ID field does not exist or is not accessible: Phone"));
}

#[test]
fn upsert_by_an_id_lookup_field_updates_its_one_match_and_lists_several() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let b = body(json!({"Industry": "Energy"}));
    let (created, is_new) = s
        .upsert(
            "Account",
            "Name",
            "Kestrel Ltd",
            &b,
            UpsertMode::default(),
            &actor,
        )
        .unwrap();
    assert!(is_new);
    let (again, is_new) = s
        .upsert(
            "Account",
            "name",
            "KESTREL LTD",
            &b,
            UpsertMode::default(),
            &actor,
        )
        .unwrap();
    assert!(!is_new);
    assert_eq!(again, created);
    let twin = s
        .insert("Account", &body(json!({"Name": "Kestrel Ltd"})), &actor)
        .unwrap();
    match s.upsert(
        "Account",
        "Name",
        "Kestrel Ltd",
        &b,
        UpsertMode::default(),
        &actor,
    ) {
        Err(UpsertError::MultipleMatches { ids, .. }) => assert_eq!(ids, vec![created, twin]),
        other => panic!("expected several matches, got {other:?}"),
    }
}

#[test]
fn upsert_on_a_non_unique_external_id_reports_every_match() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    s.define_field("Contact", {
        let mut f = schema::FieldDef::new("Legacy_Id__c", "Legacy Id", schema::FieldType::String);
        f.external_id = true;
        f
    })
    .unwrap();
    let a = s
        .insert(
            "Contact",
            &body(json!({"LastName": "A", "Legacy_Id__c": "L1"})),
            &actor,
        )
        .unwrap();
    let b = s
        .insert(
            "Contact",
            &body(json!({"LastName": "B", "Legacy_Id__c": "L1"})),
            &actor,
        )
        .unwrap();
    match s.upsert(
        "Contact",
        "Legacy_Id__c",
        "L1",
        &body(json!({})),
        UpsertMode::default(),
        &actor,
    ) {
        Err(UpsertError::MultipleMatches { ids, .. }) => assert_eq!(ids, vec![a, b]),
        other => panic!("expected several matches, got {other:?}"),
    }
}

#[test]
fn delete_goes_to_the_recycle_bin_and_undelete_restores() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let c = s
        .insert(
            "Account",
            &body(json!({"Name": "Temp", "ERP_Id__c": "T-1"})),
            &actor,
        )
        .unwrap();
    let id = c.to_string();
    s.delete(Some("Account"), &id, &actor).unwrap();
    assert_eq!(
        s.retrieve("Account", &id, None, "62.0").unwrap_err().code,
        ErrorCode::NOT_FOUND
    );
    assert_eq!(
        s.delete(None, &id, &actor).unwrap_err().code,
        ErrorCode::ENTITY_IS_DELETED
    );
    assert_eq!(
        s.update("Account", &id, &body(json!({"Name": "x"})), &actor)
            .unwrap_err()
            .code,
        ErrorCode::ENTITY_IS_DELETED
    );
    // The external id is free while the record is in the bin.
    assert!(s
        .find_by_external("Account", "ERP_Id__c", "T-1")
        .unwrap()
        .is_empty());
    s.undelete(&id, &actor).unwrap();
    assert_eq!(
        s.find_by_external("Account", "ERP_Id__c", "T-1").unwrap(),
        vec![c]
    );
    s.hard_delete(&id, &actor).unwrap();
    assert_eq!(
        s.undelete(&id, &actor).unwrap_err().code,
        ErrorCode::INVALID_CROSS_REFERENCE_KEY
    );
}

#[test]
fn update_of_a_missing_id_is_invalid_cross_reference_key() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let e = s
        .update(
            "Account",
            "0015g0000099999",
            &body(json!({"Name": "x"})),
            &actor,
        )
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_CROSS_REFERENCE_KEY);
    assert_eq!(
        s.update("Account", "12", &body(json!({})), &actor)
            .unwrap_err()
            .code,
        ErrorCode::MALFORMED_ID
    );
}

#[test]
fn a_failed_batch_leaves_no_trace_and_emits_nothing() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let heard = Arc::new(Mutex::new(Vec::new()));
    let h = heard.clone();
    s.on_change(Box::new(move |c: &Change| h.lock().unwrap().push(c.kind)));
    let before = s
        .snapshot(&["Account"], SnapshotOptions::default())
        .unwrap();
    let falcon = s
        .find_by_external("Account", "ERP_Id__c", "A-1000")
        .unwrap()[0]
        .to_string();
    let r: Result<(), SfError> = s.all_or_none(|s| {
        s.insert("Account", &body(json!({"Name": "One"})), &actor)?;
        s.update(
            "Account",
            &falcon,
            &body(json!({"Name": "Renamed"})),
            &actor,
        )?;
        s.delete(Some("Account"), &falcon, &actor)?;
        s.insert("Account", &body(json!({})), &actor)?;
        Ok(())
    });
    assert!(r.is_err());
    let after = s
        .snapshot(&["Account"], SnapshotOptions::default())
        .unwrap();
    assert_eq!(before, after, "{}", before.diff(&after));
    assert!(heard.lock().unwrap().is_empty());
    s.all_or_none(|s| {
        s.insert("Account", &body(json!({"Name": "Two"})), &actor)
            .map(|_| ())
    })
    .unwrap();
    assert_eq!(*heard.lock().unwrap(), vec![ChangeKind::Create]);
}

#[test]
fn update_change_lists_changed_and_nulled_fields() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let heard = s.record_changes();
    let c = s
        .insert("Account", &body(json!({"Name": "A", "Phone": "1"})), &actor)
        .unwrap();
    s.update(
        "Account",
        c.as_str(),
        &body(json!({"Name": "B", "Phone": null, "Id": c.as_str()})),
        &actor,
    )
    .unwrap();
    let u = heard.lock().unwrap().last().cloned().unwrap();
    assert!(u.fields.changed().any(|f| f == "Name"));
    assert_eq!(u.fields.nulled().collect::<Vec<_>>(), vec!["Phone"]);
}

#[test]
fn derived_fields_follow_their_sources() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let c = s
        .insert(
            "Contact",
            &body(json!({"FirstName": "Ada", "LastName": "Lovelace"})),
            &actor,
        )
        .unwrap();
    let r = s
        .retrieve("Contact", c.as_str(), Some(&["Name"]), "62.0")
        .unwrap();
    assert_eq!(r["Name"], "Ada Lovelace");
    let k = s
        .insert("Case", &body(json!({"Subject": "x"})), &actor)
        .unwrap();
    let r = s
        .retrieve("Case", k.as_str(), Some(&["CaseNumber", "Status"]), "62.0")
        .unwrap();
    assert_eq!(r["Status"], "New");
    assert_eq!(r["CaseNumber"].as_str().unwrap().len(), 8);
}

#[test]
fn save_and_load_round_trip_the_whole_store() {
    let (org, actor) = setup();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.json");
    let s = org.store.read();
    s.save(&path).unwrap();
    let loaded = Store::load(&path).unwrap();
    let objs = ["Account", "Contact", "Order", "User", "Organization"];
    let opts = SnapshotOptions {
        include_audit: true,
        include_deleted: true,
    };
    assert_eq!(
        s.snapshot(&objs, opts).unwrap(),
        loaded.snapshot(&objs, opts).unwrap()
    );
    drop(s);
    let restored = Org::from_store(&org.seed, loaded).unwrap();
    assert_eq!(restored.id, org.id);
    let mut st = restored.store.write();
    let fresh = st
        .insert("Account", &body(json!({"Name": "After restore"})), &actor)
        .unwrap();
    assert!(
        org.store.read().record(&fresh).is_none(),
        "ids continue past the restored ones"
    );
}

#[test]
fn when_a_record_was_last_removed_for_good_outlives_a_save_and_load() {
    let (org, actor) = setup();
    let id = org
        .store
        .write()
        .insert("Account", &body(json!({"Name": "Purged Co"})), &actor)
        .unwrap()
        .to_string();
    assert!(org.store.write().hard_delete(&id, &actor).unwrap());
    let s = org.store.read();
    let t = s.object_index("Account").unwrap();
    let purged = s.table(t).last_purged_ms();
    assert!(purged.is_some());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.json");
    s.save(&path).unwrap();
    let loaded = Store::load(&path).unwrap();
    assert_eq!(loaded.table(t).last_purged_ms(), purged);
}

#[test]
fn default_org_has_users_org_record_and_lesson_data() {
    let org = Org::default_org();
    let s = org.store.read();
    assert_eq!(org.id.key_prefix(), "00D");
    assert!(org.user("admin@sflab.example").is_some());
    assert!(s.count("Account") >= 3 && s.count("Contact") >= 3 && s.count("Opportunity") >= 3);
    let o = s
        .retrieve(
            "Organization",
            org.id.as_str(),
            Some(&["IsSandbox", "Name"]),
            "62.0",
        )
        .unwrap();
    assert_eq!(o["IsSandbox"], false);
    assert_eq!(
        s.find_by_external("Order", "ERP_Order_Id__c", "SO-5001")
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn seed_errors_name_the_record_and_unknown_refs() {
    let seed =
        OrgSeed::from_yaml("records:\n  - Contact: { LastName: X, AccountId: { ref: ghost } }\n")
            .unwrap();
    let e = Org::new(&seed).unwrap_err().to_string();
    assert!(e.contains("records[0]") && e.contains("ghost"), "{e}");
    let seed = OrgSeed::from_yaml("records:\n  - Account: { Phone: '1' }\n").unwrap();
    let e = Org::new(&seed).unwrap_err().to_string();
    assert_eq!(
        e,
        "records[0] (Account): Required fields are missing: [Name]"
    );
    // A parent named by a field that cannot find one record is told so, not called missing.
    let seed = OrgSeed::from_yaml("records:\n  - Contact: { LastName: A, Account: { Name: B } }\n")
        .unwrap();
    let e = Org::new(&seed).unwrap_err().to_string();
    assert!(
        e.contains(
            "Name does not match an External ID, Salesforce Id, or indexed field for Account"
        ),
        "{e}"
    );
    let seed = OrgSeed::from_yaml("records:\n  - Contact: { LastName: A, Account: { Nmae: B } }\n")
        .unwrap();
    let e = Org::new(&seed).unwrap_err().to_string();
    assert!(
        e.contains("No such column 'Nmae' on sobject of type Account"),
        "{e}"
    );
    // Refused as the seed is read, before any org is built from it.
    let e = OrgSeed::from_yaml("objects:\n  Account:\n    fields:\n      Region: { type: text }\n")
        .unwrap_err();
    assert!(e.to_string().contains("Region__c"), "{e}");
}

#[test]
fn seeded_custom_objects_get_prefixes_lookups_and_child_relationships() {
    let seed = OrgSeed::from_yaml(
        "objects:\n  Shipment__c:\n    fields:\n      Account__c: { type: lookup, referenceTo: Account, childRelationshipName: Shipments__r }\n      Tracking__c: { type: text, externalId: true, length: 20 }\nrecords:\n  - Account: { ref: a, Name: A }\n  - Shipment__c: { Name: S1, Account__c: { ref: a }, Tracking__c: TRK-1 }\n",
    )
    .unwrap();
    let org = Org::new(&seed).unwrap();
    let s = org.store.read();
    let o = s.schema().object("shipment__c").unwrap();
    assert_eq!(o.key_prefix, "a00");
    assert_eq!(
        o.field("Account__c").unwrap().relationship_name.as_deref(),
        Some("Account__r")
    );
    let acc = s.schema().object("Account").unwrap();
    assert_eq!(
        acc.child_relationship("Shipments__r").unwrap().child_object,
        "Shipment__c"
    );
    assert_eq!(
        s.find_by_external("Shipment__c", "Tracking__c", "trk-1")
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn static_tokens_look_like_salesforce_tokens_and_validate() {
    let org = Org::default_org();
    let user = org.user("integration").unwrap().clone();
    let token = org.mint_static_token(&user, &["api"]);
    assert!(token.starts_with(&format!("{}!", org.id.short())));
    assert!(token[16..]
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_'));
    let s = org.sessions.validate(&token, org.clock.now()).unwrap();
    assert_eq!(s.username, "integration@sflab.example");
    assert_eq!(s.org_id, org.id.to_string());
}

#[test]
fn an_account_like_record_stays_under_one_kibibyte() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let before = s.approx_bytes();
    let n = 5000;
    for i in 0..n {
        let b = body(json!({
            "Name": format!("Customer {i:07}"), "ERP_Id__c": format!("M-{i:07}"), "Industry": "Energy",
            "Type": "Prospect", "BillingCity": "Rotterdam", "BillingCountry": "Netherlands",
            "Phone": "+31 10 000 0000", "Website": "https://example.com", "NumberOfEmployees": i,
            "AnnualRevenue": 1000.0,
        }));
        s.insert("Account", &b, &actor).unwrap();
    }
    let per = (s.approx_bytes() - before) / n;
    assert!(per <= 1024, "{per} bytes per record");
}

#[test]
fn a_parent_can_be_named_by_its_external_id() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let falcon = s
        .find_by_external("Account", "ERP_Id__c", "A-1000")
        .unwrap()[0];
    let c = s
        .insert(
            "Contact",
            &body(json!({"LastName": "Ng", "Account": {"ERP_Id__c": "a-1000"}})),
            &actor,
        )
        .unwrap();
    let r = s
        .retrieve("Contact", c.as_str(), Some(&["AccountId"]), "62.0")
        .unwrap();
    assert_eq!(r["AccountId"], falcon.to_string());
    let e = s
        .insert(
            "Contact",
            &body(json!({"LastName": "Ng", "Account": {"ERP_Id__c": "A-404"}})),
            &actor,
        )
        .unwrap_err();
    assert_eq!(
        e.message,
        "Foreign key external ID: A-404 not found for field ERP_Id__c in entity Account"
    );
}

#[test]
fn commit_together_marks_the_rows_that_stand_as_one_group() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    // (commit group, changes heard) per transaction end
    type Heard = Vec<(Option<u64>, usize)>;
    let heard: Arc<Mutex<Heard>> = Arc::new(Mutex::new(Vec::new()));
    let h = heard.clone();
    s.on_transaction(Box::new(move |store, end| {
        if let crate::org::store::TxEnd::Committed(changes) = end {
            h.lock()
                .unwrap()
                .push((store.commit_group(), changes.len()));
        }
    }));
    let before = s.count("Account");
    let results: Vec<bool> = s.commit_together(|s| {
        vec![
            s.insert("Account", &body(json!({"Name": "G1"})), &actor)
                .is_ok(),
            s.insert("Account", &body(json!({})), &actor).is_ok(),
            s.all_or_none(|s| {
                s.insert("Account", &body(json!({"Name": "G2"})), &actor)?;
                s.insert("Account", &body(json!({})), &actor)
            })
            .is_ok(),
            s.insert("Account", &body(json!({"Name": "G3"})), &actor)
                .is_ok(),
        ]
    });
    assert_eq!(results, vec![true, false, false, true]);
    assert_eq!(s.count("Account"), before + 2, "G2's batch was undone");
    let groups = heard.lock().unwrap().clone();
    assert_eq!(groups.len(), 1, "G1 and G3, heard together");
    assert!(groups[0].0.is_some());
    assert_eq!(groups[0].1, 2);
    assert_eq!(s.commit_group(), None);
    s.insert("Account", &body(json!({"Name": "After"})), &actor)
        .unwrap();
    assert_eq!(heard.lock().unwrap()[1], (None, 1));
}

#[test]
fn an_object_scoped_listener_hears_its_objects_changes_and_every_transaction_end() {
    let mut s = crate::org::store::Store::standard();
    let actor = Actor::new(
        crate::org::ids::SfId::from_15(b"005000000000001"),
        chrono::Utc::now(),
    );
    let heard: Arc<Mutex<Vec<Vec<String>>>> = Arc::new(Mutex::new(Vec::new()));
    let h = heard.clone();
    s.on_transaction_of(
        vec!["contact".into()],
        Box::new(move |_, end| {
            if let crate::org::store::TxEnd::Committed(changes) = end {
                h.lock()
                    .unwrap()
                    .push(changes.iter().map(|c| c.object.to_string()).collect());
            }
        }),
    );
    s.insert("Account", &body(json!({"Name": "Quiet"})), &actor)
        .unwrap();
    s.all_or_none(|s| {
        s.insert("Account", &body(json!({"Name": "Also quiet"})), &actor)?;
        s.insert("Contact", &body(json!({"LastName": "Heard"})), &actor)
    })
    .unwrap();
    s.commit_together(|s| {
        s.insert("Account", &body(json!({"Name": "Grouped"})), &actor)
            .unwrap();
    });
    let heard = heard.lock().unwrap().clone();
    assert_eq!(
        heard,
        vec![vec![], vec!["Contact".to_string()], vec![]],
        "three transaction ends; only the Contact change is handed over"
    );
}

#[test]
fn a_default_defined_between_two_creates_of_one_moment_reaches_the_second() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let first = s
        .insert("Account", &body(json!({"Name": "Before"})), &actor)
        .unwrap();
    let mut tier = schema::FieldDef::new("Tier__c", "Tier", schema::FieldType::String);
    tier.default_value = Some(json!("Bronze"));
    s.define_field("Account", tier).unwrap();
    let second = s
        .insert("Account", &body(json!({"Name": "After"})), &actor)
        .unwrap();
    let got = |id: SfId| s.retrieve("Account", id.as_str(), None, "62.0").unwrap();
    assert_eq!(got(first)["Tier__c"], Json::Null);
    assert_eq!(got(second)["Tier__c"], "Bronze");
    // Stamps and owner are the actor's, shared or not.
    for id in [first, second] {
        assert_eq!(got(id)["OwnerId"], actor.user.to_string());
        assert_eq!(got(id)["CreatedById"], actor.user.to_string());
    }
}

#[test]
fn creates_of_one_moment_that_give_the_owner_or_not_each_get_the_right_one() {
    let (org, actor) = setup();
    let other = org.user("admin").unwrap().id;
    assert_ne!(other, actor.user);
    let mut s = org.store.write();
    let mut made = Vec::new();
    for i in 0..6 {
        let b = if i % 2 == 0 {
            json!({"Name": format!("A{i}")})
        } else {
            json!({"Name": format!("A{i}"), "OwnerId": other.to_string()})
        };
        made.push((i, s.insert("Account", &body(b), &actor).unwrap()));
    }
    for (i, id) in made {
        let r = s.retrieve("Account", id.as_str(), None, "62.0").unwrap();
        let owner = if i % 2 == 0 { actor.user } else { other };
        assert_eq!(r["OwnerId"], owner.to_string(), "row {i}");
        assert_eq!(r["LastModifiedById"], actor.user.to_string());
    }
}
