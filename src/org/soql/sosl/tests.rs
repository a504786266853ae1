//! SOSL against the default org: scopes, RETURNING specs, limits, order and errors.

use super::*;
use crate::org::{ErrorCode, Org};

fn find(org: &Org, sosl: &str) -> Result<SearchResult, SfError> {
    search(
        &org.store.read(),
        sosl,
        &QueryOptions::new(org.clock.now(), "62.0"),
        everything(),
    )
}

fn types_and(r: &SearchResult, field: &str) -> Vec<(String, String)> {
    r.records
        .iter()
        .map(|x| {
            (
                x["attributes"]["type"].as_str().unwrap_or("").to_string(),
                x[field].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn finds_accounts_by_a_word_of_their_name() {
    let o = Org::default_org();
    let r = find(&o, "FIND {falcon} IN NAME FIELDS RETURNING Account(Name)").unwrap();
    assert_eq!(
        types_and(&r, "Name"),
        vec![("Account".into(), "Falcon Corp".into())]
    );
    let rec = &r.records[0];
    assert!(rec["attributes"]["url"]
        .as_str()
        .unwrap()
        .starts_with("/services/data/v62.0/sobjects/Account/001"));
    let keys: Vec<&String> = rec.as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["attributes", "Name"]);
}

#[test]
fn returning_without_fields_gives_the_id() {
    let o = Org::default_org();
    let r = find(&o, "FIND {Harbor} RETURNING Account").unwrap();
    assert_eq!(r.records.len(), 1);
    let keys: Vec<&String> = r.records[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["attributes", "Id"]);
    assert!(r.records[0]["Id"].as_str().unwrap().starts_with("001"));
}

#[test]
fn results_come_object_by_object_in_returning_order() {
    let o = Org::default_org();
    let r = find(
        &o,
        "FIND {falcon*} RETURNING Contact(LastName ORDER BY LastName), Account(Name)",
    )
    .unwrap();
    let types: Vec<String> = types_and(&r, "Id").into_iter().map(|t| t.0).collect();
    assert_eq!(types, vec!["Contact", "Contact", "Account"]);
    assert_eq!(r.records[0]["LastName"], "Berg");
    assert_eq!(r.records[1]["LastName"], "Rossi");
}

#[test]
fn email_scope_searches_only_email_fields() {
    let o = Org::default_org();
    let by_email = find(
        &o,
        "FIND {juniper} IN EMAIL FIELDS RETURNING Contact(LastName), Account(Name)",
    )
    .unwrap();
    assert_eq!(
        types_and(&by_email, "LastName"),
        vec![("Contact".into(), "Okafor".into())]
    );
    let by_name = find(
        &o,
        "FIND {juniper} IN NAME FIELDS RETURNING Contact(LastName), Account(Name)",
    )
    .unwrap();
    assert_eq!(
        types_and(&by_name, "Name"),
        vec![("Account".into(), "Juniper Health".into())]
    );
}

#[test]
fn phone_scope_matches_digits_whatever_the_formatting() {
    let o = Org::default_org();
    let r = find(
        &o,
        "FIND {472000000} IN PHONE FIELDS RETURNING Account(Name)",
    )
    .unwrap();
    assert_eq!(
        types_and(&r, "Name"),
        vec![("Account".into(), "Falcon Corp".into())]
    );
}

#[test]
fn where_order_and_limit_inside_returning_apply() {
    let o = Org::default_org();
    let r = find(
        &o,
        "FIND {falcon OR harbor OR juniper} RETURNING Account(Name WHERE Industry != 'Other' ORDER BY Name DESC LIMIT 1)",
    )
    .unwrap();
    assert_eq!(
        types_and(&r, "Name"),
        vec![("Account".into(), "Harbor Logistics".into())]
    );
}

#[test]
fn the_overall_limit_cuts_across_objects() {
    let o = Org::default_org();
    let r = find(
        &o,
        "FIND {falcon*} RETURNING Contact(LastName), Account(Name) LIMIT 2",
    )
    .unwrap();
    assert_eq!(r.records.len(), 2);
    assert!(r
        .records
        .iter()
        .all(|x| x["attributes"]["type"] == "Contact"));
}

#[test]
fn and_not_excludes_records() {
    let o = Org::default_org();
    let r = find(
        &o,
        "FIND {falcon AND NOT retrofit} RETURNING Account(Name), Opportunity(Name)",
    )
    .unwrap();
    assert_eq!(
        types_and(&r, "Name"),
        vec![("Account".into(), "Falcon Corp".into())]
    );
}

#[test]
fn a_quoted_phrase_must_appear_in_order() {
    let o = Org::default_org();
    let hit = find(&o, "FIND {\"fleet sensors\"} RETURNING Opportunity(Name)").unwrap();
    assert_eq!(hit.records.len(), 1);
    let miss = find(&o, "FIND {\"sensors fleet\"} RETURNING Opportunity(Name)").unwrap();
    assert!(miss.records.is_empty());
}

#[test]
fn without_returning_every_searchable_object_answers_with_ids() {
    let o = Org::default_org();
    let r = find(&o, "FIND {harbor}").unwrap();
    let mut types: Vec<String> = types_and(&r, "Id").into_iter().map(|t| t.0).collect();
    types.sort();
    types.dedup();
    assert!(types.contains(&"Account".to_string()), "{types:?}");
    assert!(types.contains(&"Contact".to_string()), "{types:?}");
    assert!(types.contains(&"Opportunity".to_string()), "{types:?}");
    assert!(r.records.iter().all(|x| x.as_object().unwrap().len() == 2));
}

#[test]
fn objects_the_caller_cannot_read_are_left_out_of_an_open_search() {
    let o = Org::default_org();
    let r = search(
        &o.store.read(),
        "FIND {harbor}",
        &QueryOptions::new(o.clock.now(), "62.0"),
        Access {
            object: &|name| name != "Contact",
            field: &|_, _| true,
        },
    )
    .unwrap();
    assert!(r
        .records
        .iter()
        .all(|x| x["attributes"]["type"] != "Contact"));
    assert!(!r.records.is_empty());
}

#[test]
fn fields_the_caller_cannot_read_are_not_searched() {
    let o = Org::default_org();
    let store = o.store.read();
    let opts = QueryOptions::new(o.clock.now(), "62.0");
    let phone = "FIND {472000000} IN PHONE FIELDS RETURNING Account(Name)";
    let everyone = search(&store, phone, &opts, everything()).unwrap();
    assert_eq!(
        everyone.records.len(),
        1,
        "the phone is found where it may be read"
    );
    let no_phone = Access {
        object: &|_| true,
        field: &|_, f| f.name != "Phone",
    };
    let hidden = search(&store, phone, &opts, no_phone).unwrap();
    assert!(hidden.records.is_empty(), "{:?}", hidden.records);
    let by_name = search(
        &store,
        "FIND {falcon} RETURNING Account(Name)",
        &opts,
        no_phone,
    )
    .unwrap();
    assert_eq!(
        types_and(&by_name, "Name"),
        vec![("Account".into(), "Falcon Corp".into())],
        "readable fields are still searched"
    );
}

#[test]
fn unknown_object_is_invalid_type_at_its_column() {
    let o = Org::default_org();
    let e = find(&o, "FIND {acme} RETURNING Acount(Name)").unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_TYPE);
    assert!(
        e.message
            .starts_with("\nFIND {acme} RETURNING Acount(Name)\n                      ^\nERROR at Row:1:Column:23\nsObject type 'Acount' is not supported."),
        "{}",
        e.message
    );
}

#[test]
fn unknown_field_is_invalid_field() {
    let o = Org::default_org();
    let e = find(&o, "FIND {acme} RETURNING Account(Naem)").unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_FIELD);
    assert!(
        e.message
            .contains("No such column 'Naem' on entity 'Account'"),
        "{}",
        e.message
    );
}

#[test]
fn a_broken_returning_list_is_malformed_search() {
    let o = Org::default_org();
    let e = find(&o, "FIND {acme} RETURNING Account(Name").unwrap_err();
    assert_eq!(e.code, ErrorCode::MALFORMED_SEARCH);
}

#[test]
fn metadata_labels_describes_the_returned_fields() {
    let o = Org::default_org();
    let r = find(
        &o,
        "FIND {falcon} RETURNING Account(Name) WITH METADATA = 'LABELS'",
    )
    .unwrap();
    let body = r.to_json();
    assert_eq!(
        body["metadata"]["entityMetadata"][0]["entityName"],
        "Account"
    );
    assert_eq!(
        body["metadata"]["entityMetadata"][0]["fieldMetadata"][0],
        serde_json::json!({"label": "Account Name", "name": "Name"})
    );
    assert_eq!(body["searchRecords"].as_array().unwrap().len(), 1);
}

#[test]
fn no_statement_panics_the_search() {
    let o = Org::default_org();
    let store = o.store.read();
    let opts = QueryOptions::new(o.clock.now(), "62.0");
    proptest::proptest!(proptest::prelude::ProptestConfig::with_cases(200), |(
        term in "[a-zA-Z0-9*?\"()\\\\{} -]{0,16}",
        scope in "(ALL|NAME|EMAIL|PHONE|SIDEBAR|BOGUS)",
        tail in "( RETURNING Account\\(Name\\)| RETURNING Contact, Lead\\(Email LIMIT 1\\)| LIMIT 3| WITH| RETURNING|)",
        junk in "[\\PC]{0,30}",
    )| {
        let sosl = format!("FIND {{{term}}} IN {scope} FIELDS{tail}");
        let _ = search(&store, &sosl, &opts, everything());
        let _ = search(&store, &junk, &opts, everything());
    });
}

#[test]
fn an_object_search_does_not_cover_is_invalid_type() {
    let o = Org::default_org();
    let e = find(&o, "FIND {acme} RETURNING Organization").unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_TYPE);
    assert!(
        e.message
            .ends_with("entity type Organization does not support search"),
        "{}",
        e.message
    );
    let schema = o.store.read();
    let account = schema.schema().object("Account").unwrap();
    assert!(searchable(account));
}

#[test]
fn without_order_by_name_matches_rank_first() {
    let o = Org::default_org();
    let actor = o.actor(o.users[0].id);
    {
        let mut store = o.store.write();
        for (name, city) in [("Paper Co", "Quill"), ("Quill Supplies", "Leeds")] {
            let mut m = serde_json::Map::new();
            m.insert("Name".into(), serde_json::json!(name));
            m.insert("BillingCity".into(), serde_json::json!(city));
            store.insert("Account", &m, &actor).unwrap();
        }
    }
    let r = find(&o, "FIND {quill} RETURNING Account(Name)").unwrap();
    assert_eq!(
        types_and(&r, "Name"),
        vec![
            ("Account".into(), "Quill Supplies".into()),
            ("Account".into(), "Paper Co".into())
        ]
    );
    let ordered = find(&o, "FIND {quill} RETURNING Account(Name ORDER BY Name)").unwrap();
    assert_eq!(ordered.records[0]["Name"], "Paper Co");
}

#[test]
fn an_offset_over_2000_is_refused_in_sosls_own_words() {
    let o = Org::default_org();
    let e = find(&o, "FIND {falcon} RETURNING Account(Name OFFSET 2001)").unwrap_err();
    assert_eq!(e.code, ErrorCode::MALFORMED_SEARCH);
    assert_eq!(e.message, "SOSL offset should be between 0 to 2000");
    assert!(find(&o, "FIND {falcon} RETURNING Account(Name OFFSET 2000)").is_ok());
}
