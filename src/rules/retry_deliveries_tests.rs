//! `retry.backoff` tells the handling of a redelivered event from a retry.

use super::super::fixture::*;
use chrono::Duration;
use serde_json::json;

const CHANNEL: &str = "/event/OrderActivated__e";

fn order(n: u32, status: u16) -> crate::evidence::Exchange {
    req("POST", "/ext/erp/orders", status).body(&format!(
        "{{\"customer\":\"A-1000\",\"salesforceId\":\"SO-20{n}\"}}"
    ))
}

/// Events SO-201 and SO-202 published (both for account A-1000), and deliveries of
/// `(replay id, at ms)`.
fn with_deliveries(
    mut ev: crate::evidence::Evidence,
    delivered: &[(i64, i64)],
) -> crate::evidence::Evidence {
    let at = |ms: i64| (base_time() + Duration::milliseconds(ms)).to_rfc3339();
    ev.events.published = (1..=2)
        .map(|n| json!({"replay_id": n, "channel": CHANNEL, "at": at(-20), "payload": {"ERP_Order_Id__c": format!("SO-20{n}"), "Account_Number__c": "A-1000"}}))
        .collect();
    ev.events.delivered = delivered
        .iter()
        .map(|(id, ms)| json!({"replay_id": id, "channel": CHANNEL, "subscriber": "s", "at": at(*ms)}))
        .collect();
    ev
}

#[test]
fn the_handling_of_a_redelivered_event_is_no_retry_of_the_call_before_it() {
    // Park and sweep: SO-202's call loses its reply (504); sflab redelivers event 2 and the
    // bridge handles it at once (65 ms after the failure); the sweeper retries 1.1 s later.
    let ev = with_deliveries(
        evidence(vec![
            order(2, 504).at(0, 5),
            order(2, 201).at(70, 5),
            order(2, 201).at(1105, 5),
        ]),
        &[(2, -10), (2, 60)],
    );
    let v = assert_passes("{ rule: retry.backoff }", &ev);
    assert!(v.message.contains("1.1s"), "{}", v.message);
}

#[test]
fn a_call_sent_again_soon_after_another_event_came_is_still_a_retry() {
    // The delivery of event 1 does not explain sending SO-202 again 65 ms after it failed.
    let ev = with_deliveries(
        evidence(vec![order(2, 504).at(0, 5), order(2, 201).at(70, 5)]),
        &[(2, -10), (1, 60)],
    );
    let v = assert_fails("{ rule: retry.backoff }", &ev);
    assert!(v.message.contains("hammers"), "{}", v.message);
}

#[test]
fn the_first_wait_a_single_retry_needs_is_told_unrounded() {
    let v = assert_fails(
        "{ rule: retry.backoff }",
        &evidence(vec![order(2, 504).at(0, 5), order(2, 201).at(15, 5)]),
    );
    assert!(v.message.contains("Wait at least 0.25s"), "{}", v.message);
}

#[test]
fn retries_with_a_fixed_pause_stay_one_chain_when_the_event_comes_again_between_them() {
    // SO-202 fails (504); its event is redelivered while the client waits its fixed 0.4 s;
    // the next try (the first request after the delivery) fails too, and the one after works.
    let ev = with_deliveries(
        evidence(vec![
            order(2, 504).at(0, 1),
            order(2, 504).at(401, 1),
            order(2, 201).at(803, 1),
        ]),
        &[(2, -10), (2, 100)],
    );
    let v = assert_fails("{ rule: retry.backoff }", &ev);
    assert!(v.message.contains("did not back off"), "{}", v.message);
    let growing = with_deliveries(
        evidence(vec![
            order(2, 504).at(0, 1),
            order(2, 504).at(251, 1),
            order(2, 201).at(753, 1),
        ]),
        &[(2, -10), (2, 100)],
    );
    assert_passes("{ rule: retry.backoff }", &growing);
}
