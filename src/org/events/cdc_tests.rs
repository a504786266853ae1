//! Tests of compact change events: the header, the carried fields, shared contexts.

use super::*;
use crate::org::Org;

fn commit(key: &str, number: u64) -> Commit {
    Commit {
        transaction_key: key.into(),
        commit_number: number,
    }
}

/// The change the store reported last.
fn last(heard: &std::sync::Mutex<Vec<crate::org::Change>>) -> crate::org::Change {
    heard.lock().unwrap().last().cloned().unwrap()
}

fn account_type(store: &Store) -> Arc<EventType> {
    Arc::new(EventType::change(store.schema().object("Account").unwrap()))
}

#[test]
fn an_update_event_carries_changed_fields_and_the_header() {
    let org = Org::default_org();
    let user = org.users[0].id;
    let actor = org.actor(user);
    let mut store = org.store.write();
    let heard = store.record_changes();
    let body: Map<String, Value> = serde_json::from_str(r#"{"Name":"Acme"}"#).unwrap();
    let created = store.insert("Account", &body, &actor).unwrap();
    let upd: Map<String, Value> =
        serde_json::from_str(r#"{"Name":"Acme 2","Phone":null}"#).unwrap();
    store
        .update("Account", created.as_str(), &upd, &actor)
        .unwrap();
    let change = last(&heard);
    let ty = account_type(&store);
    let e = ChangeBatch::new(commit("tk", 7)).event(&store, &ty, &change, 2);
    let payload = e.payload();
    let h = &payload["ChangeEventHeader"];
    assert_eq!(h["changeType"], "UPDATE");
    assert_eq!(h["entityName"], "Account");
    assert_eq!(h["recordIds"][0], created.as_str());
    assert_eq!(h["sequenceNumber"], 2);
    assert_eq!(h["commitNumber"], 7);
    assert_eq!(h["transactionKey"], "tk");
    assert_eq!(h["commitUser"], user.as_str());
    assert_eq!(h["diffFields"], json!([]));
    let changed = h["changedFields"].as_array().unwrap();
    assert!(changed.contains(&json!("Name")));
    assert_eq!(changed.last(), Some(&json!("LastModifiedDate")));
    // Every named field is carried: SystemModstamp changes too, but no change event holds it.
    assert!(!changed.contains(&json!("SystemModstamp")), "{changed:?}");
    for name in changed {
        assert!(
            payload.contains_key(name.as_str().unwrap()),
            "{name} not carried"
        );
    }
    assert_eq!(payload["Name"], "Acme 2");
    assert!(payload["LastModifiedDate"].is_i64());
    assert!(!payload.contains_key("BillingCity"));
}

#[test]
fn a_nulled_field_is_carried_as_null_on_update() {
    let org = Org::default_org();
    let actor = org.actor(org.users[0].id);
    let mut store = org.store.write();
    let heard = store.record_changes();
    let body: Map<String, Value> =
        serde_json::from_str(r#"{"Name":"Acme","Phone":"555"}"#).unwrap();
    let created = store.insert("Account", &body, &actor).unwrap();
    let upd: Map<String, Value> = serde_json::from_str(r#"{"Phone":null}"#).unwrap();
    store
        .update("Account", created.as_str(), &upd, &actor)
        .unwrap();
    let change = last(&heard);
    let ty = account_type(&store);
    let payload = ChangeBatch::new(commit("tk", 1))
        .event(&store, &ty, &change, 1)
        .payload();
    assert_eq!(
        payload["ChangeEventHeader"]["nulledFields"],
        json!(["Phone"])
    );
    // Set to null is a change: the field is named among the changed ones too.
    assert_eq!(
        payload["ChangeEventHeader"]["changedFields"],
        json!(["Phone", "LastModifiedDate"])
    );
    assert_eq!(payload["Phone"], Value::Null);
    assert!(!payload.contains_key("Name"));
}

#[test]
fn a_create_event_carries_every_set_field_in_type_order_with_stored_forms() {
    let org = Org::default_org();
    let actor = org.actor(org.users[0].id);
    let mut store = org.store.write();
    let heard = store.record_changes();
    let body: Map<String, Value> = serde_json::from_str(
        r#"{"Name":"Acme","NumberOfEmployees":12,"AnnualRevenue":1500000,"Industry":"Energy"}"#,
    )
    .unwrap();
    store.insert("Account", &body, &actor).unwrap();
    let created = last(&heard);
    let ty = account_type(&store);
    let payload = ChangeBatch::new(commit("tk", 1))
        .event(&store, &ty, &created, 1)
        .payload();
    assert_eq!(payload["Name"], "Acme");
    assert_eq!(payload["NumberOfEmployees"], 12);
    assert_eq!(payload["AnnualRevenue"], 1500000.0);
    assert_eq!(payload["Industry"], "Energy");
    assert_eq!(payload["OwnerId"], actor.user.as_str());
    assert!(payload["CreatedDate"].is_i64());
    assert!(!payload.contains_key("Phone"), "unset fields are left out");
    // Fields follow the event type's order, as the old full-map builder inserted them.
    let order: Vec<&str> = ty
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .filter(|n| payload.contains_key(*n))
        .collect();
    let keys: Vec<&str> = payload.keys().skip(1).map(String::as_str).collect();
    assert_eq!(keys, order);
}

#[test]
fn a_delete_event_carries_only_the_header() {
    let org = Org::default_org();
    let actor = org.actor(org.users[0].id);
    let mut store = org.store.write();
    let heard = store.record_changes();
    let body: Map<String, Value> = serde_json::from_str(r#"{"Name":"Gone"}"#).unwrap();
    let created = store.insert("Account", &body, &actor).unwrap();
    store
        .delete(Some("Account"), created.as_str(), &actor)
        .unwrap();
    let del = last(&heard);
    let ty = account_type(&store);
    let e = ChangeBatch::new(commit("tk", 1)).event(&store, &ty, &del, 1);
    let payload = e.payload();
    assert_eq!(payload.len(), 1);
    assert_eq!(payload["ChangeEventHeader"]["changeType"], "DELETE");
}

#[test]
fn events_with_the_same_header_lists_share_one_context() {
    let org = Org::default_org();
    let actor = org.actor(org.users[0].id);
    let mut store = org.store.write();
    let heard = store.record_changes();
    let a: Map<String, Value> = serde_json::from_str(r#"{"Name":"A"}"#).unwrap();
    let b: Map<String, Value> = serde_json::from_str(r#"{"Name":"B"}"#).unwrap();
    let a_id = store.insert("Account", &a, &actor).unwrap();
    let ca = last(&heard);
    store.insert("Account", &b, &actor).unwrap();
    let cb = last(&heard);
    let upd: Map<String, Value> = serde_json::from_str(r#"{"Phone":"1"}"#).unwrap();
    store
        .update("Account", a_id.as_str(), &upd, &actor)
        .unwrap();
    let ua = last(&heard);
    let ty = account_type(&store);
    let mut batch = ChangeBatch::new(commit("tk", 3));
    let e1 = batch.event(&store, &ty, &ca, 1);
    let e2 = batch.event(&store, &ty, &cb, 2);
    let e3 = batch.event(&store, &ty, &ua, 3);
    assert!(Arc::ptr_eq(&e1.context, &e2.context));
    assert!(!Arc::ptr_eq(&e2.context, &e3.context));
    assert_eq!(e2.payload()["Name"], "B");
    assert_eq!(e2.payload()["ChangeEventHeader"]["sequenceNumber"], 2);
    assert_eq!(e3.payload()["ChangeEventHeader"]["commitNumber"], 3);
    assert!(e1.own_bytes() < 400, "{} bytes", e1.own_bytes());
}

#[test]
fn a_renewed_batch_resolves_fields_again_after_the_object_changes() {
    let org = Org::default_org();
    let actor = org.actor(org.users[0].id);
    let mut store = org.store.write();
    let heard = store.record_changes();
    let ty = account_type(&store);
    let a: Map<String, Value> = serde_json::from_str(r#"{"Name":"Before"}"#).unwrap();
    store.insert("Account", &a, &actor).unwrap();
    let first = last(&heard);
    let mut batch = ChangeBatch::new(commit("t1", 1));
    assert_eq!(
        batch.event(&store, &ty, &first, 1).payload()["Name"],
        "Before"
    );
    store
        .define_field(
            "Account",
            crate::org::schema::FieldDef::new("Aaa_First__c", "First", FieldType::String),
        )
        .unwrap();
    let b: Map<String, Value> = serde_json::from_str(r#"{"Name":"After"}"#).unwrap();
    store.insert("Account", &b, &actor).unwrap();
    let second = last(&heard);
    let mut batch = batch.renew(commit("t2", 2));
    let payload = batch.event(&store, &ty, &second, 1).payload();
    assert_eq!(payload["Name"], "After");
    assert_eq!(payload["ChangeEventHeader"]["transactionKey"], "t2");
    assert!(payload["CreatedDate"].is_i64());
}

fn contact_type(store: &Store) -> Arc<EventType> {
    Arc::new(EventType::change(store.schema().object("Contact").unwrap()))
}

#[test]
fn a_checkbox_cleared_on_update_travels_as_false_not_null() {
    let org = Org::default_org();
    let actor = org.actor(org.users[0].id);
    let mut store = org.store.write();
    let heard = store.record_changes();
    let body: Map<String, Value> =
        serde_json::from_str(r#"{"LastName":"Opt","HasOptedOutOfEmail":true}"#).unwrap();
    let id = store.insert("Contact", &body, &actor).unwrap();
    let upd: Map<String, Value> = serde_json::from_str(r#"{"HasOptedOutOfEmail":false}"#).unwrap();
    store.update("Contact", id.as_str(), &upd, &actor).unwrap();
    let change = last(&heard);
    let ty = contact_type(&store);
    let payload = ChangeBatch::new(commit("tk", 1))
        .event(&store, &ty, &change, 1)
        .payload();
    let h = &payload["ChangeEventHeader"];
    assert_eq!(
        h["changedFields"],
        json!(["HasOptedOutOfEmail", "LastModifiedDate"])
    );
    assert_eq!(h["nulledFields"], json!([]));
    assert_eq!(payload["HasOptedOutOfEmail"], json!(false));
}

#[test]
fn a_create_carries_every_checkbox_false_ones_included_in_type_order() {
    let org = Org::default_org();
    let actor = org.actor(org.users[0].id);
    let mut store = org.store.write();
    let heard = store.record_changes();
    let ty = contact_type(&store);
    // The checkbox given false, and left to its default (false).
    for body in [
        r#"{"LastName":"Opt","HasOptedOutOfEmail":false}"#,
        r#"{"LastName":"Opt"}"#,
    ] {
        let body: Map<String, Value> = serde_json::from_str(body).unwrap();
        store.insert("Contact", &body, &actor).unwrap();
        let created = last(&heard);
        let payload = ChangeBatch::new(commit("tk", 1))
            .event(&store, &ty, &created, 1)
            .payload();
        assert_eq!(payload["HasOptedOutOfEmail"], json!(false), "{body:?}");
        assert!(!payload.contains_key("Phone"), "unset fields are left out");
        let order: Vec<&str> = ty
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .filter(|n| payload.contains_key(*n))
            .collect();
        let keys: Vec<&str> = payload.keys().skip(1).map(String::as_str).collect();
        assert_eq!(keys, order);
    }
    // Derived checkboxes too: an open opportunity is neither closed nor won.
    let body: Map<String, Value> = serde_json::from_str(
        r#"{"Name":"Deal","StageName":"Prospecting","CloseDate":"2026-01-01"}"#,
    )
    .unwrap();
    store.insert("Opportunity", &body, &actor).unwrap();
    let created = last(&heard);
    let ty = Arc::new(EventType::change(
        store.schema().object("Opportunity").unwrap(),
    ));
    let payload = ChangeBatch::new(commit("tk", 2))
        .event(&store, &ty, &created, 1)
        .payload();
    assert_eq!(payload["IsClosed"], json!(false));
    assert_eq!(payload["IsWon"], json!(false));
}

#[test]
fn a_derived_checkbox_that_turns_false_travels_as_false() {
    let org = Org::default_org();
    let actor = org.actor(org.users[0].id);
    let mut store = org.store.write();
    let heard = store.record_changes();
    let body: Map<String, Value> = serde_json::from_str(
        r#"{"Name":"Deal","StageName":"Closed Won","CloseDate":"2026-01-01"}"#,
    )
    .unwrap();
    let id = store.insert("Opportunity", &body, &actor).unwrap();
    let upd: Map<String, Value> = serde_json::from_str(r#"{"StageName":"Prospecting"}"#).unwrap();
    store
        .update("Opportunity", id.as_str(), &upd, &actor)
        .unwrap();
    let change = last(&heard);
    let ty = Arc::new(EventType::change(
        store.schema().object("Opportunity").unwrap(),
    ));
    let payload = ChangeBatch::new(commit("tk", 1))
        .event(&store, &ty, &change, 1)
        .payload();
    let changed = payload["ChangeEventHeader"]["changedFields"].clone();
    assert!(
        changed.as_array().unwrap().contains(&json!("IsWon")),
        "{changed}"
    );
    assert_eq!(payload["IsClosed"], json!(false));
    assert_eq!(payload["IsWon"], json!(false));
}
