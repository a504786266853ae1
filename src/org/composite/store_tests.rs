//! Tests of sObject Collections and the tree resource against a real store.

use super::collections::{self, CollectionOp};
use super::tree;
use crate::org::{Actor, Org, Store};
use serde_json::{json, Map, Value};

fn org() -> (Org, Actor) {
    let org = Org::default_org();
    let actor = org.actor(org.users[0].id);
    (org, actor)
}

fn records(v: Value) -> Vec<Map<String, Value>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_object().unwrap().clone())
        .collect()
}

fn count(store: &Store, object: &str) -> usize {
    store.count(object)
}

#[test]
fn create_reports_each_record_in_order_and_keeps_the_good_ones() {
    let (org, actor) = org();
    let mut store = org.store.write();
    let before = count(&store, "Account");
    let recs = records(json!([
        {"attributes":{"type":"Account"},"Name":"One"},
        {"attributes":{"type":"Account"}},
        {"attributes":{"type":"Contact"},"LastName":"Three"}
    ]));
    let out = collections::save(&mut store, &actor, &CollectionOp::Create, &recs, false);
    assert!(out[0].success());
    assert_eq!(out[1].errors[0].status_code, "REQUIRED_FIELD_MISSING");
    assert!(out[2].success());
    assert_eq!(count(&store, "Account"), before + 1);
    let j = out[1].to_json();
    assert_eq!(j["success"], false);
    assert!(j.get("id").is_none());
    assert_eq!(j["errors"][0]["fields"], json!(["Name"]));
}

#[test]
fn all_or_none_rolls_back_and_marks_the_others() {
    let (org, actor) = org();
    let mut store = org.store.write();
    let before = count(&store, "Account");
    let recs = records(json!([
        {"attributes":{"type":"Account"},"Name":"One"},
        {"attributes":{"type":"Account"}}
    ]));
    let out = collections::save(&mut store, &actor, &CollectionOp::Create, &recs, true);
    assert_eq!(
        out[0].errors[0].status_code,
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(out[1].errors[0].status_code, "REQUIRED_FIELD_MISSING");
    assert_eq!(count(&store, "Account"), before);
}

#[test]
fn upsert_by_external_id_creates_then_updates() {
    let (org, actor) = org();
    let mut store = org.store.write();
    let op = CollectionOp::Upsert {
        object: "Account".into(),
        field: "ERP_Id__c".into(),
    };
    let recs = records(json!([
        {"attributes":{"type":"Account"},"Name":"New","ERP_Id__c":"Z-1"},
        {"attributes":{"type":"Account"},"Name":"Falcon Renamed","ERP_Id__c":"A-1000"}
    ]));
    let out = collections::save(&mut store, &actor, &op, &recs, false);
    assert_eq!(out[0].created, Some(true));
    assert_eq!(out[1].created, Some(false));
    let again = collections::save(&mut store, &actor, &op, &recs[..1], false);
    assert_eq!(again[0].created, Some(false));
    assert_eq!(again[0].id, out[0].id);
}

#[test]
fn a_refused_upsert_row_still_says_whether_it_was_to_be_created() {
    let (org, actor) = org();
    let mut store = org.store.write();
    let op = CollectionOp::Upsert {
        object: "Account".into(),
        field: "ERP_Id__c".into(),
    };
    let recs = records(json!([
        {"attributes":{"type":"Account"},"Name":"New","ERP_Id__c":"Z-5"},
        {"attributes":{"type":"Account"},"Name":"Bad","ERP_Id__c":"Z-6","OwnerId":"nope"},
        {"attributes":{"type":"Account"},"Name":"Bad too","ERP_Id__c":"A-1000","OwnerId":"nope"}
    ]));
    let out = collections::save(&mut store, &actor, &op, &recs, true);
    assert_eq!(
        out[0].errors[0].status_code,
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(out[0].to_json()["created"], true);
    assert_eq!(out[1].errors[0].status_code, "MALFORMED_ID");
    assert_eq!(out[1].to_json()["created"], true);
    assert_eq!(out[2].to_json()["created"], false);
}

#[test]
fn update_without_id_fails_that_record_only() {
    let (org, actor) = org();
    let mut store = org.store.write();
    let id = store
        .find_by_external("Account", "ERP_Id__c", "A-1000")
        .unwrap()[0]
        .to_string();
    let recs = records(json!([
        {"attributes":{"type":"Account"},"id": id, "Phone":"123"},
        {"attributes":{"type":"Account"},"Phone":"456"}
    ]));
    let out = collections::save(&mut store, &actor, &CollectionOp::Update, &recs, false);
    assert!(out[0].success());
    assert!(!out[1].success());
}

#[test]
fn update_with_an_id_of_another_object_is_malformed_id_on_the_id_field() {
    let (org, actor) = org();
    let mut store = org.store.write();
    let account = store
        .find_by_external("Account", "ERP_Id__c", "A-1000")
        .unwrap()[0]
        .to_string();
    let recs = records(json!([
        {"attributes":{"type":"Contact"},"id": account, "Title":"x"}
    ]));
    let out = collections::save(&mut store, &actor, &CollectionOp::Update, &recs, false);
    let j = out[0].to_json();
    assert_eq!(j["success"], false);
    assert!(j.get("id").is_none(), "{j}");
    assert_eq!(
        j["errors"][0],
        json!({"statusCode": "MALFORMED_ID",
            "message": format!("Contact ID: id value of incorrect type: {account}"),
            "fields": ["Id"]})
    );
}

#[test]
fn delete_and_retrieve_by_ids() {
    let (org, actor) = org();
    let mut store = org.store.write();
    let id = store
        .find_by_external("Account", "ERP_Id__c", "A-1002")
        .unwrap()[0]
        .to_string();
    let got = collections::retrieve(
        &store,
        "Account",
        &[id.clone(), "001000000000000AAA".into()],
        &["Name".into()],
        "62.0",
    )
    .unwrap();
    assert_eq!(got[0]["Name"], "Juniper Health");
    assert_eq!(got[1], Value::Null);
    let out = collections::delete(&mut store, &actor, &[id.clone(), id.clone()], false);
    assert!(out[0].success());
    assert_eq!(out[1].errors[0].status_code, "ENTITY_IS_DELETED");
}

#[test]
fn over_200_records_is_refused() {
    let body = json!({"records": (0..201).map(|i| json!({"attributes":{"type":"Account"},"Name": i.to_string()})).collect::<Vec<_>>()});
    assert!(collections::parse_request(body.to_string().as_bytes()).is_err());
}

#[test]
fn tree_creates_parents_and_children_with_reference_ids() {
    let (org, actor) = org();
    let mut store = org.store.write();
    let body = json!({"records":[{
        "attributes":{"type":"Account","referenceId":"acc1"},
        "Name":"Tree Co",
        "Contacts":{"records":[
            {"attributes":{"type":"Contact","referenceId":"c1"},"LastName":"Leaf"},
            {"attributes":{"type":"Contact","referenceId":"c2"},"LastName":"Twig"}
        ]}
    }]});
    let nodes = tree::flatten(&store, "Account", body.to_string().as_bytes()).unwrap();
    let (status, out) = tree::create(&mut store, &actor, &nodes);
    assert_eq!(status, 201);
    assert_eq!(out["hasErrors"], false);
    assert_eq!(out["results"][0]["referenceId"], "acc1");
    let acc = out["results"][0]["id"].as_str().unwrap().to_string();
    let c1 = out["results"][1]["id"].as_str().unwrap();
    let contact = store
        .retrieve("Contact", c1, Some(&["AccountId"]), "62.0")
        .unwrap();
    assert_eq!(contact["AccountId"], json!(acc));
}

#[test]
fn tree_failure_creates_nothing_and_names_the_bad_record() {
    let (org, actor) = org();
    let mut store = org.store.write();
    let (accounts, contacts) = (count(&store, "Account"), count(&store, "Contact"));
    let body = json!({"records":[{
        "attributes":{"type":"Account","referenceId":"acc1"},
        "Name":"Tree Co",
        "Contacts":{"records":[{"attributes":{"type":"Contact","referenceId":"bad"},"Email":"x@y.example"}]}
    }]});
    let nodes = tree::flatten(&store, "Account", body.to_string().as_bytes()).unwrap();
    let (status, out) = tree::create(&mut store, &actor, &nodes);
    assert_eq!(status, 400);
    assert_eq!(out["hasErrors"], true);
    assert_eq!(out["results"][0]["referenceId"], "bad");
    assert_eq!(
        out["results"][0]["errors"][0]["statusCode"],
        "REQUIRED_FIELD_MISSING"
    );
    assert_eq!(count(&store, "Account"), accounts);
    assert_eq!(count(&store, "Contact"), contacts);
}

#[test]
fn tree_needs_reference_ids_and_a_known_object() {
    let (org, _) = org();
    let store = org.store.read();
    let no_ref = json!({"records":[{"attributes":{"type":"Account"},"Name":"x"}]});
    assert!(tree::flatten(&store, "Account", no_ref.to_string().as_bytes()).is_err());
    assert!(tree::flatten(&store, "Nope__c", b"{\"records\":[]}").is_err());
}

#[test]
fn a_rolled_back_unit_leaves_the_store_as_it_was() {
    let (org, actor) = org();
    let before = count(&org.store.read(), "Account");
    org.store.write().begin_unit();
    let mut m = Map::new();
    m.insert("Name".into(), json!("Temp"));
    org.store.write().insert("Account", &m, &actor).unwrap();
    org.store.write().rollback_unit();
    assert_eq!(count(&org.store.read(), "Account"), before);
    org.store.write().begin_unit();
    org.store.write().insert("Account", &m, &actor).unwrap();
    org.store.write().commit_unit();
    assert_eq!(count(&org.store.read(), "Account"), before + 1);
}

#[test]
fn a_failed_all_or_none_collection_inside_a_unit_undoes_only_its_own_writes() {
    let (org, actor) = org();
    let before = count(&org.store.read(), "Account");
    org.store.write().begin_unit();
    let mut m = Map::new();
    m.insert("Name".into(), json!("Outer"));
    org.store.write().insert("Account", &m, &actor).unwrap();
    let recs = records(json!([
        {"attributes":{"type":"Account"},"Name":"Inner"},
        {"attributes":{"type":"Account"}}
    ]));
    let out = collections::save(
        &mut org.store.write(),
        &actor,
        &CollectionOp::Create,
        &recs,
        true,
    );
    assert!(!out[0].success());
    assert_eq!(
        count(&org.store.read(), "Account"),
        before + 1,
        "only the outer insert remains"
    );
    org.store.write().commit_unit();
    assert_eq!(count(&org.store.read(), "Account"), before + 1);
}

#[test]
fn create_or_update_of_more_than_ten_chunks_saves_nothing() {
    let (org, actor) = org();
    let mut store = org.store.write();
    let before = (count(&store, "Account"), count(&store, "Contact"));
    // Account, Contact, Account, … : eleven records, eleven chunks.
    let eleven: Vec<Value> = (0..11)
        .map(|i| match i % 2 {
            0 => json!({"attributes":{"type":"Account"},"Name":format!("A{i}")}),
            _ => json!({"attributes":{"type":"Contact"},"LastName":format!("C{i}")}),
        })
        .collect();
    let recs = records(Value::Array(eleven.clone()));
    assert_eq!(collections::chunk_count(&recs), 11);
    let out = collections::save(&mut store, &actor, &CollectionOp::Create, &recs, false);
    assert_eq!(out.len(), 11);
    for r in &out {
        assert_eq!(r.errors[0].status_code, "INVALID_BATCH_REQUEST");
        assert!(r.errors[0].message.contains("more than 10 chunks"));
    }
    assert_eq!((count(&store, "Account"), count(&store, "Contact")), before);
    // The same records grouped by type are two chunks and save.
    let mut grouped = recs.clone();
    grouped.sort_by_key(|r| r["attributes"]["type"].as_str().unwrap().to_string());
    let out = collections::save(&mut store, &actor, &CollectionOp::Create, &grouped, false);
    assert!(out.iter().all(|r| r.success()));
    // Ten chunks are still within the limit.
    let out = collections::save(
        &mut store,
        &actor,
        &CollectionOp::Create,
        &recs[..10],
        false,
    );
    assert!(out.iter().all(|r| r.success()));
}

#[test]
fn tree_results_list_every_root_before_the_level_below_as_documented() {
    let (org, actor) = org();
    let mut store = org.store.write();
    // The documented example: ref1 (Account, Contacts ref2 and ref3), then ref4 (Account).
    let body = json!({"records":[
        {"attributes":{"type":"Account","referenceId":"ref1"},"Name":"SampleAccount1",
         "Contacts":{"records":[
            {"attributes":{"type":"Contact","referenceId":"ref2"},"LastName":"Smith"},
            {"attributes":{"type":"Contact","referenceId":"ref3"},"LastName":"Evans"}]}},
        {"attributes":{"type":"Account","referenceId":"ref4"},"Name":"SampleAccount2"}
    ]});
    let nodes = tree::flatten(&store, "Account", body.to_string().as_bytes()).unwrap();
    let (status, out) = tree::create(&mut store, &actor, &nodes);
    assert_eq!(status, 201, "{out}");
    let order: Vec<&str> = out["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["referenceId"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["ref1", "ref4", "ref2", "ref3"]);
    // Each Contact still hangs under ref1, not ref4.
    let ref1 = out["results"][0]["id"].as_str().unwrap().to_string();
    for i in [2, 3] {
        let c = out["results"][i]["id"].as_str().unwrap();
        let contact = store
            .retrieve("Contact", c, Some(&["AccountId"]), "62.0")
            .unwrap();
        assert_eq!(contact["AccountId"], json!(ref1));
    }
}

#[test]
fn a_tree_of_more_than_five_object_types_is_refused() {
    let (org, _) = org();
    let store = org.store.read();
    let child = |rel: &str, t: &str, r: &str| json!({rel: {"records": [{"attributes": {"type": t, "referenceId": r}}]}});
    let mut root = json!({"attributes":{"type":"Account","referenceId":"a"},"Name":"Six"});
    for (rel, t, r) in [
        ("Contacts", "Contact", "c"),
        ("Opportunities", "Opportunity", "o"),
        ("Cases", "Case", "cs"),
        ("Tasks", "Task", "t"),
        ("Orders", "Order", "or"),
    ] {
        let extra = child(rel, t, r);
        root.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
    }
    let body = json!({ "records": [root] });
    let e = tree::flatten(&store, "Account", body.to_string().as_bytes()).unwrap_err();
    assert!(e.to_string().contains("at most 5 object types"), "{e}");
    // Five of them are fine.
    root.as_object_mut().unwrap().remove("Orders");
    let body = json!({ "records": [root] });
    assert!(tree::flatten(&store, "Account", body.to_string().as_bytes()).is_ok());
}

#[test]
fn a_repeated_reference_id_fails_the_tree_with_one_result_per_use() {
    let (org, actor) = org();
    let mut store = org.store.write();
    let before = count(&store, "Account");
    let body = json!({"records":[
        {"attributes":{"type":"Account","referenceId":"d"},"Name":"D1"},
        {"attributes":{"type":"Account","referenceId":"ok"},"Name":"Fine"},
        {"attributes":{"type":"Account","referenceId":"d"},"Name":"D2"}
    ]});
    let nodes = tree::flatten(&store, "Account", body.to_string().as_bytes()).unwrap();
    let (status, out) = tree::create(&mut store, &actor, &nodes);
    assert_eq!(status, 400);
    assert_eq!(
        out,
        json!({"hasErrors": true, "results": [
            {"referenceId": "d", "errors": [{"statusCode": "INVALID_INPUT",
                "message": "Duplicate ReferenceId provided in the request.", "fields": []}]},
            {"referenceId": "d", "errors": [{"statusCode": "INVALID_INPUT",
                "message": "Duplicate ReferenceId provided in the request.", "fields": []}]}
        ]})
    );
    assert_eq!(count(&store, "Account"), before);
}
