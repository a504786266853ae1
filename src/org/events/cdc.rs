//! Change Data Capture: turning one committed transaction's record changes into change events
//! with the full ChangeEventHeader.
//!
//! Every DML path (REST, composite, collections, bulk) writes through the store, and the store
//! tells its transaction listeners once per commit; this module only reads the committed state.
//!
//! Implementation notes:
//! - CREATE and UNDELETE carry every non-null field; UPDATE carries the changed fields plus
//!   LastModifiedDate; DELETE carries the header only — as the reference describes.
//! - `changedFields` and `nulledFields` are filled for UPDATE only (Salesforce documents them
//!   as update lists). `diffFields` is always empty, and every field carries its full value:
//!   Salesforce sends a unified diff instead of the value only for large text area fields and
//!   only to Streaming API (CometD) subscribers — Pub/Sub API and Apex subscribers always get
//!   full values. Which sizes trigger a diff is not documented in the reference, so sflab sends
//!   full values everywhere (a CometD client that applies diffs never sees one).
//! - `changeOrigin` is the API call that made the change (`org::origin`:
//!   `com/salesforce/api/rest/62.0;client=<Sforce-Call-Options client>`), empty for changes
//!   made outside an API request.
//! - Values are read after the commit, so two updates of one record in one transaction both
//!   show the final values (a real org shows each step).

use super::bus::BusEvent;
use super::schema::EventType;
use crate::org::change::{Change, ChangeKind};
use crate::org::store::Store;
use crate::org::value::Value as Stored;
use serde_json::{json, Map, Value};

/// The stored JSON form of a record value (datetimes as ms, dates as days).
pub fn stored_json(v: &Stored, t: crate::org::schema::FieldType) -> Value {
    match v {
        Stored::DateTime(ms) => json!(ms),
        Stored::Date(d) => json!(d),
        other => other.to_json(t),
    }
}

/// Header values shared by every event of one transaction.
#[derive(Debug, Clone)]
pub struct Commit {
    pub transaction_key: String,
    pub commit_number: u64,
}

/// The change event for one change (`sequence` counts from 1 within the transaction).
pub fn change_event(
    store: &Store,
    ty: &EventType,
    change: &Change,
    commit: &Commit,
    sequence: usize,
) -> BusEvent {
    let kind = match change.kind {
        ChangeKind::Create => "CREATE",
        ChangeKind::Update => "UPDATE",
        ChangeKind::Delete => "DELETE",
        ChangeKind::Undelete => "UNDELETE",
    };
    let is_update = change.kind == ChangeKind::Update;
    let mut changed: Vec<String> = Vec::new();
    let mut nulled: Vec<String> = Vec::new();
    if is_update {
        changed = change.changed_fields.clone();
        if !changed.iter().any(|f| f == "LastModifiedDate") {
            changed.push("LastModifiedDate".into());
        }
        nulled = change.nulled_fields.clone();
    }
    let header = json!({
        "entityName": change.object,
        "recordIds": [change.id.as_str()],
        "changeType": kind,
        "changeOrigin": change.origin,
        "transactionKey": commit.transaction_key,
        "sequenceNumber": sequence,
        "commitTimestamp": change.at.timestamp_millis(),
        "commitNumber": commit.commit_number,
        "commitUser": change.user.as_str(),
        "nulledFields": nulled,
        "diffFields": [],
        "changedFields": changed,
    });
    let mut payload = Map::new();
    payload.insert("ChangeEventHeader".into(), header);
    if change.kind != ChangeKind::Delete {
        fill_fields(store, ty, change, is_update, &mut payload);
    }
    BusEvent {
        replay_id: 0,
        event_name: ty.name.clone(),
        channel: ty.channel.clone(),
        uuid: uuid::Uuid::new_v4().to_string(),
        payload,
        published_at: change.at,
    }
}

fn fill_fields(
    store: &Store,
    ty: &EventType,
    change: &Change,
    only_changed: bool,
    payload: &mut Map<String, Value>,
) {
    let Some((t, record)) = store.record(&change.id) else {
        return;
    };
    let object = store.object(t);
    for f in &ty.fields {
        let wanted = !only_changed
            || change.changed_fields.iter().any(|c| c == &f.name)
            || change.nulled_fields.iter().any(|c| c == &f.name)
            || f.name == "LastModifiedDate";
        if !wanted {
            continue;
        }
        let Some(index) = object.field_index(&f.name) else {
            continue;
        };
        let def = &object.fields[index];
        match record.get(index) {
            Some(v) => {
                payload.insert(f.name.clone(), stored_json(v, def.field_type));
            }
            None if only_changed => {
                payload.insert(f.name.clone(), Value::Null);
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Org;

    #[test]
    fn an_update_event_carries_changed_fields_and_the_header() {
        let org = Org::default_org();
        let user = org.users[0].id.clone();
        let actor = org.actor(user.clone());
        let mut store = org.store.write();
        let body: Map<String, Value> = serde_json::from_str(r#"{"Name":"Acme"}"#).unwrap();
        let created = store.insert("Account", &body, &actor).unwrap();
        let upd: Map<String, Value> =
            serde_json::from_str(r#"{"Name":"Acme 2","Phone":null}"#).unwrap();
        let change = store
            .update("Account", created.id.as_str(), &upd, &actor)
            .unwrap();
        let ty = EventType::change(store.schema().object("Account").unwrap());
        let commit = Commit {
            transaction_key: "tk".into(),
            commit_number: 7,
        };
        let e = change_event(&store, &ty, &change, &commit, 2);
        let h = &e.payload["ChangeEventHeader"];
        assert_eq!(h["changeType"], "UPDATE");
        assert_eq!(h["entityName"], "Account");
        assert_eq!(h["recordIds"][0], created.id.as_str());
        assert_eq!(h["sequenceNumber"], 2);
        assert_eq!(h["commitNumber"], 7);
        assert_eq!(h["commitUser"], user.as_str());
        assert!(h["changedFields"]
            .as_array()
            .unwrap()
            .contains(&json!("Name")));
        assert_eq!(e.payload["Name"], "Acme 2");
        assert!(e.payload.contains_key("LastModifiedDate"));
        assert!(!e.payload.contains_key("BillingCity"));
        assert_eq!(e.channel, "/data/AccountChangeEvent");
    }

    #[test]
    fn a_delete_event_carries_only_the_header() {
        let org = Org::default_org();
        let actor = org.actor(org.users[0].id.clone());
        let mut store = org.store.write();
        let body: Map<String, Value> = serde_json::from_str(r#"{"Name":"Gone"}"#).unwrap();
        let created = store.insert("Account", &body, &actor).unwrap();
        let del = store
            .delete(Some("Account"), created.id.as_str(), &actor)
            .unwrap();
        let ty = EventType::change(store.schema().object("Account").unwrap());
        let commit = Commit {
            transaction_key: "tk".into(),
            commit_number: 1,
        };
        let e = change_event(&store, &ty, &del, &commit, 1);
        assert_eq!(e.payload.len(), 1);
        assert_eq!(e.payload["ChangeEventHeader"]["changeType"], "DELETE");
    }
}
