//! Unit tests of what counts as a second side effect of a redelivered event.

use super::super::fixture::*;
use super::*;

#[test]
fn a_write_names_the_key_in_its_decoded_path_or_anywhere_in_its_json_body() {
    let by_path = req(
        "PATCH",
        "/services/data/v62.0/sobjects/Order/Key__c/SO%2F7",
        204,
    );
    assert!(writes_for(&by_path, "SO/7"));
    assert!(!writes_for(&by_path, "SO"));
    let nested = req("POST", "/ext/erp/orders", 201).body(r#"{"lines": [{"ref": "SO-7"}]}"#);
    assert!(writes_for(&nested, "SO-7"));
    // Reads, the streaming connection and token requests are no side effects.
    assert!(!writes_for(&get("/ext/erp/orders/SO-7", 200), "SO-7"));
    let connect = req("POST", "/cometd/62.0", 200).body(r#"[{"data": "SO-7"}]"#);
    assert!(!writes_for(&connect, "SO-7"));
}

#[test]
fn a_replayed_create_or_an_id_answered_before_is_not_new() {
    let ev = evidence(vec![
        req("POST", "/ext/erp/orders", 201).response_body(r#"{"id": "ERP-1"}"#),
        req("POST", "/ext/erp/orders", 201).response_body(r#"{"id": "ERP-1"}"#),
        req("POST", "/ext/erp/orders", 201)
            .response_header("Idempotent-Replayed", "true")
            .response_body(r#"{"id": "ERP-9"}"#),
        req("POST", "/ext/erp/orders", 504).response_body(r#"{"id": "ERP-8"}"#),
    ]);
    let cx = Cx {
        ev: &ev,
        soql: None,
        name: "events.consumer_idempotent",
        points: 1,
    };
    let ids: Vec<Option<String>> = ev.exchanges.iter().map(|e| new_id(&cx, e)).collect();
    assert_eq!(ids, vec![Some("ERP-1".to_string()), None, None, None]);
}

#[test]
fn the_repeat_counts_from_its_delivery_not_from_when_the_runner_queued_it() {
    let ev = redelivered_order(None);
    let cx = Cx {
        ev: &ev,
        soql: None,
        name: "events.consumer_idempotent",
        points: 1,
    };
    let found = redeliveries(&cx);
    assert_eq!(found.len(), 1);
    let r = &found[0];
    assert_eq!(r.key("ERP_Order_Id__c").as_deref(), Some("SO-2"));
    assert!(r.carries("SO-2") && !r.carries("SO-3"));
    // The retry at 500 ms came after the queuing (100 ms) but before the delivery (1 s).
    assert!(!r.precedes(&ev.exchanges[1]) && r.precedes(&ev.exchanges[3]));
    assert!(second_effects(&cx, r, "SO-2").is_empty());
}
