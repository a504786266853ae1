//! Table tests of the `events.*` rules over hand-built bus logs.

use super::super::fixture::*;
use crate::evidence::{Backend, Evidence, OrgSnapshot};
use serde_json::{json, Value};

fn at(s: u32) -> String {
    format!("2026-01-01T12:00:{s:02}Z")
}

fn publish(replay: u64, event: &str, via: &str, s: u32, payload: Value) -> Value {
    let channel = format!("/event/{event}");
    json!({ "replay_id": replay, "channel": channel, "event_name": event, "via": via, "at": at(s), "payload": payload })
}

fn sub(who: &str, from: i64, s: u32) -> Value {
    json!({ "subscriber": who, "channel": "/event/A__e", "from": from, "via": "pub_sub", "at": at(s) })
}

fn got(who: &str, replay: u64) -> Value {
    json!({ "replay_id": replay, "channel": "/event/A__e", "subscriber": who, "via": "pub_sub", "at": at(30) })
}

fn ev() -> Evidence {
    evidence(vec![])
}

fn stream(subs: Vec<Value>, delivered: Vec<Value>, published: &[(u64, u32)]) -> Evidence {
    let mut e = ev();
    e.events.subscriptions = subs;
    e.events.delivered = delivered;
    e.events.published = published
        .iter()
        .map(|(r, s)| publish(*r, "A__e", "runner", *s, json!({})))
        .collect();
    e
}

const PUBLISHED: &str =
    "{ rule: events.published, event: OrderShipped__e, fields: [Order_Number__c] }";

#[test]
fn published_passes_with_the_required_field_and_names_the_transport() {
    let mut e = ev();
    e.events.published = vec![publish(
        1,
        "OrderShipped__e",
        "rest",
        1,
        json!({"Order_Number__c": "SO-1"}),
    )];
    let v = assert_passes(PUBLISHED, &e);
    assert!(v.message.contains("via REST"), "{}", v.message);
}

#[test]
fn published_fails_for_the_wrong_event_a_missing_field_or_only_runner_events() {
    let cases: Vec<(Value, &str)> = vec![
        (
            publish(
                1,
                "OrderActivated__e",
                "rest",
                1,
                json!({"Order_Number__c": "1"}),
            ),
            "OrderActivated__e instead",
        ),
        (
            publish(
                1,
                "OrderShipped__e",
                "pub_sub",
                1,
                json!({"Order_Number__c": null}),
            ),
            "without Order_Number__c",
        ),
        (
            publish(
                1,
                "OrderShipped__e",
                "runner",
                1,
                json!({"Order_Number__c": "1"}),
            ),
            "No event published by your code",
        ),
    ];
    for (p, says) in cases {
        let mut e = ev();
        e.events.published = vec![p];
        let v = assert_fails(PUBLISHED, &e);
        assert!(v.message.contains(says), "{says}: {}", v.message);
    }
}

#[test]
fn a_publish_the_org_refused_is_named_as_why_no_event_reached_the_bus() {
    let refused = req("POST", "/services/data/v62.0/sobjects/OrderShipped__e", 400)
        .body(r#"{"Order_Number__c":"SO-1","Weight_Kg__c":"heavy"}"#)
        .response_body(
            r#"[{"message":"Weight_Kg__c: expected a number","errorCode":"JSON_PARSER_ERROR"}]"#,
        );
    let v = assert_fails(PUBLISHED, &evidence(vec![refused]));
    assert!(
        v.message.contains("The org refused your publish #1 POST")
            && v.message.contains("JSON_PARSER_ERROR")
            && !v.message.contains("rolled-back"),
        "{}",
        v.message
    );
}

const SHIPPED_ONCE: &str = "{ rule: events.published, event: OrderShipped__e, values: { Order_Number__c: SO-4411, Weight_Kg__c: 12 }, count: 1 }";

fn shipped(payloads: Vec<Value>) -> Evidence {
    let mut e = ev();
    e.events.published = payloads
        .into_iter()
        .enumerate()
        .map(|(i, p)| publish(i as u64 + 1, "OrderShipped__e", "rest", 1, p))
        .collect();
    e
}

#[test]
fn published_with_values_passes_only_when_each_value_matches() {
    let right = json!({"Order_Number__c": "SO-4411", "Weight_Kg__c": 12});
    let v = assert_passes(SHIPPED_ONCE, &shipped(vec![right]));
    assert!(
        v.message.contains("Order_Number__c = SO-4411") && v.message.contains("exactly once"),
        "{}",
        v.message
    );
    let as_text = json!({"Order_Number__c": "SO-4411", "Weight_Kg__c": "12"});
    assert_passes(SHIPPED_ONCE, &shipped(vec![as_text]));
    let wrong = json!({"Order_Number__c": "WRONG-1", "Weight_Kg__c": 12});
    let v = assert_fails(SHIPPED_ONCE, &shipped(vec![wrong]));
    assert!(
        v.message
            .contains(r#"Order_Number__c was "WRONG-1" where "SO-4411" was expected"#),
        "{}",
        v.message
    );
    let unset = json!({"Weight_Kg__c": 12});
    let v = assert_fails(SHIPPED_ONCE, &shipped(vec![unset]));
    assert!(
        v.message.contains("without Order_Number__c"),
        "{}",
        v.message
    );
}

#[test]
fn published_with_a_count_fails_when_the_event_goes_out_twice() {
    let right = json!({"Order_Number__c": "SO-4411", "Weight_Kg__c": 12});
    let v = assert_fails(SHIPPED_ONCE, &shipped(vec![right.clone(), right]));
    assert!(
        v.message
            .contains("published 2 OrderShipped__e events where the lab asks for 1"),
        "{}",
        v.message
    );
}

#[test]
fn event_rules_are_not_applicable_on_a_sandbox() {
    let mut e = ev();
    e.backend = Backend::Sandbox;
    assert_not_applicable(PUBLISHED, &e);
    assert_not_applicable("{ rule: events.replay_resumed, channel: /event/A__e }", &e);
}

#[test]
fn subscribed_fails_for_a_poller_and_points_at_its_queries() {
    let mut e = evidence(vec![get("/services/data/v62.0/query?q=SELECT", 200)]);
    let v = assert_fails("{ rule: events.subscribed, channel: /event/A__e }", &e);
    assert!(v.message.contains("polling"), "{}", v.message);
    assert_eq!(v.evidence, vec![1]);
    e.events.subscriptions = vec![sub("s1", -1, 0)];
    assert_passes("{ rule: events.subscribed, channel: /event/A__e }", &e);
}

#[test]
fn subscribed_names_the_channel_subscribed_instead_and_what_came_there() {
    let mut e = ev();
    e.events.subscriptions = vec![
        json!({ "subscriber": "c1", "channel": "/data/ChangeEvents", "from": -1, "via": "comet_d", "at": at(0) }),
    ];
    e.events.delivered = (1..=7)
        .map(|r| json!({ "replay_id": r, "channel": "/data/ChangeEvents", "subscriber": "c1", "via": "comet_d", "at": at(5) }))
        .collect();
    let v = assert_fails(
        "{ rule: events.subscribed, channel: /data/AccountChangeEvent }",
        &e,
    );
    assert!(
        v.message.contains(
            "It subscribed to /data/ChangeEvents (via CometD) instead and received 7 events there"
        ),
        "{}",
        v.message
    );
}

#[test]
fn subscribed_names_cometd_and_the_pub_sub_api_as_learners_know_them() {
    let rule = "{ rule: events.subscribed, channel: /event/A__e }";
    let mut e = ev();
    e.events.subscriptions = vec![sub("s1", -1, 0)];
    let v = assert_passes(rule, &e);
    assert!(v.message.contains("via Pub/Sub API (from"), "{}", v.message);
    e.events.subscriptions[0]["via"] = json!("comet_d");
    let v = assert_passes(rule, &e);
    assert!(v.message.contains("via CometD (from"), "{}", v.message);
    assert!(!v.message.contains("comet_d"), "{}", v.message);
}

#[test]
fn a_refused_subscription_is_named_with_the_orgs_answer() {
    let mut e = ev();
    e.events.refused = vec![json!({
        "channel": "/event/A__e", "from": 6, "via": "pub_sub", "at": at(1),
        "message": "replay id 6 was never issued on this org (the newest is 0)",
    })];
    let v = assert_fails("{ rule: events.subscribed, channel: /event/A__e }", &e);
    assert!(
        v.message
            .starts_with("No subscription of your code started on /event/A__e"),
        "{}",
        v.message
    );
    assert!(
        v.message.contains("replay id 6 was never issued"),
        "{}",
        v.message
    );
    assert!(
        v.message.contains("start again from EARLIEST"),
        "{}",
        v.message
    );
    let v = assert_fails(RESUMED, &e);
    assert!(
        v.message.contains("The org refused 1 subscription"),
        "{}",
        v.message
    );
    // A refusal on another channel is not this one's.
    e.events.refused[0]["channel"] = json!("/event/B__e");
    let v = assert_fails("{ rule: events.subscribed, channel: /event/A__e }", &e);
    assert!(
        v.message.starts_with("Your code never subscribed"),
        "{}",
        v.message
    );
}

const RESUMED: &str = "{ rule: events.replay_resumed, channel: /event/A__e }";

#[test]
fn replay_resumed_table() {
    // (subscriptions, deliveries, published (replay, second), passes, message part)
    type Case<'a> = (Vec<Value>, Vec<Value>, Vec<(u64, u32)>, bool, &'a str);
    let cases: Vec<Case> = vec![
        // resumes from the stored id 2: 3 and 4 (published while down) arrive
        (
            vec![sub("a", -1, 0), sub("b", 2, 20)],
            vec![got("a", 1), got("a", 2), got("b", 3), got("b", 4)],
            vec![(1, 1), (2, 2), (3, 10), (4, 21)],
            true,
            "resumed 1 time",
        ),
        // subscribed once only
        (
            vec![sub("a", -1, 0)],
            vec![got("a", 1)],
            vec![(1, 1)],
            false,
            "1 time",
        ),
        // EARLIEST after the restart
        (
            vec![sub("a", -1, 0), sub("b", -2, 20)],
            vec![got("a", 1), got("b", 1), got("b", 2)],
            vec![(1, 1), (2, 10)],
            false,
            "EARLIEST",
        ),
        // LATEST after the restart loses event 2 published while down
        (
            vec![sub("a", -1, 0), sub("b", -1, 20)],
            vec![got("a", 1), got("b", 3)],
            vec![(1, 1), (2, 10), (3, 21)],
            false,
            "resume from the replay id stored for the last event it applied (store one after each event, so a stop in the middle of a batch loses nothing; LATEST (-1) is only for the very first start, with none stored yet)",
        ),
        // an old stored id re-reads four events
        (
            vec![sub("a", -1, 0), sub("b", 0, 20)],
            vec![
                got("a", 1),
                got("a", 2),
                got("a", 3),
                got("a", 4),
                got("b", 1),
                got("b", 2),
                got("b", 3),
                got("b", 4),
            ],
            vec![(1, 1), (2, 2), (3, 3), (4, 4)],
            false,
            "again",
        ),
    ];
    for (i, (subs, delivered, published, passes, says)) in cases.into_iter().enumerate() {
        let e = stream(subs, delivered, &published);
        let v = if passes {
            assert_passes(RESUMED, &e)
        } else {
            assert_fails(RESUMED, &e)
        };
        assert!(v.message.contains(says), "case {i}: {}", v.message);
    }
}

#[test]
fn a_loss_after_a_refused_stored_id_names_the_refusal_not_latest() {
    let mut e = stream(
        vec![sub("a", -1, 0), sub("b", -1, 20)],
        vec![got("a", 1), got("b", 3)],
        &[(1, 1), (2, 10), (3, 21)],
    );
    e.events.refused = vec![json!({
        "channel": "/event/A__e", "from": 2, "via": "pub_sub", "at": at(19),
        "message": "The replay id is not one this org issued",
    })];
    let v = assert_fails(RESUMED, &e);
    assert!(
        v.message
            .contains("fell back to LATEST (-1) on /event/A__e because the org refused"),
        "{}",
        v.message
    );
    assert!(
        v.message
            .contains("The replay id is not one this org issued"),
        "{}",
        v.message
    );
    assert!(
        !v.message.contains("resume from the replay id stored"),
        "{}",
        v.message
    );
}

#[test]
fn a_runner_redelivery_is_not_counted_as_a_reread() {
    let mut e = stream(
        vec![sub("a", -1, 0), sub("b", 1, 20)],
        vec![got("a", 1), got("b", 1), got("b", 2)],
        &[(1, 1), (2, 21)],
    );
    e.events.scenario =
        vec![json!({"action": "redeliver", "channel": "/event/A__e", "replay_id": 1})];
    let v = spec("{ rule: events.replay_resumed, channel: /event/A__e, max_reread: 0 }").check(&e);
    assert!(v.passed(), "{}", v.message);
}

#[test]
fn max_reread_counts_what_each_restart_is_handed_again() {
    let one = "{ rule: events.replay_resumed, channel: /event/A__e, max_reread: 1 }";
    // Two restarts, each handed again only the event it was applying when stopped (2, then 4).
    let e = stream(
        vec![sub("a", -1, 0), sub("b", 1, 20), sub("c", 3, 40)],
        vec![
            got("a", 1),
            got("a", 2),
            got("b", 2),
            got("b", 3),
            got("b", 4),
            got("c", 4),
            got("c", 5),
        ],
        &[(1, 1), (2, 2), (3, 21), (4, 22), (5, 41)],
    );
    let v = assert_passes(one, &e);
    assert!(v.message.contains("resumed 2 times"), "{}", v.message);
    // The second restart resumed from an older id: it is handed 3 and 4 again.
    let e = stream(
        vec![sub("a", -1, 0), sub("b", 1, 20), sub("c", 2, 40)],
        vec![
            got("a", 1),
            got("a", 2),
            got("b", 2),
            got("b", 3),
            got("b", 4),
            got("c", 3),
            got("c", 4),
            got("c", 5),
        ],
        &[(1, 1), (2, 2), (3, 21), (4, 22), (5, 41)],
    );
    let v = assert_fails(one, &e);
    assert!(
        v.message.contains("received 2 events again") && v.message.contains("[3, 4]"),
        "{}",
        v.message
    );
}

fn with_records(mut e: Evidence, names: &[&str]) -> Evidence {
    let mut snap = OrgSnapshot::default();
    snap.objects.insert(
        "Shipment__c".into(),
        names
            .iter()
            .map(|n| json!({"Id": "a00", "Order_Number__c": n}))
            .collect(),
    );
    e.snapshots.after_runs.push(snap);
    e
}

#[test]
fn a_restart_that_resumes_past_an_event_whose_work_never_landed_fails() {
    let rule = "{ rule: events.replay_resumed, channel: /event/A__e, applied: { object: Shipment__c, field: Order_Number__c } }";
    // Stopped while applying event 2 (SO-2), with its id already stored: resumes after 2.
    let mut e = stream(
        vec![sub("a", -1, 0), sub("b", 2, 20)],
        vec![got("a", 1), got("a", 2), got("b", 3)],
        &[(1, 1), (2, 2), (3, 21)],
    );
    for (i, p) in e.events.published.iter_mut().enumerate() {
        p["payload"] = json!({"Order_Number__c": format!("SO-{}", i + 1)});
    }
    let lost = with_records(e.clone(), &["SO-1", "SO-3"]);
    let v = assert_fails(rule, &lost);
    assert!(
        v.message.contains("resumed after replay id 2 (Order_Number__c SO-2), but no Shipment__c with Order_Number__c SO-2 exists"),
        "{}",
        v.message
    );
    // The same restart when SO-2 did land passes; without `applied` it is not looked at.
    assert_passes(rule, &with_records(e.clone(), &["SO-1", "SO-2", "SO-3"]));
    assert_passes(RESUMED, &lost);
    // With `set`, a record that was there before proves nothing until the work fills it.
    let filled = "{ rule: events.replay_resumed, channel: /event/A__e, applied: { object: Shipment__c, field: Order_Number__c, set: Carrier__c } }";
    let mut seeded = with_records(e.clone(), &["SO-1", "SO-2", "SO-3"]);
    for r in seeded.snapshots.after_runs[0]
        .objects
        .get_mut("Shipment__c")
        .unwrap()
        .iter_mut()
    {
        let done = r["Order_Number__c"] != "SO-2";
        r["Carrier__c"] = if done {
            json!("Northwind")
        } else {
            json!(null)
        };
    }
    let v = assert_fails(filled, &seeded);
    assert!(
        v.message
            .contains("the Shipment__c with Order_Number__c SO-2 has no Carrier__c"),
        "{}",
        v.message
    );
}

const IDEMPOTENT: &str =
    "{ rule: events.consumer_idempotent, object: Shipment__c, field: Order_Number__c }";

#[test]
fn consumer_idempotent_table() {
    let redeliver = json!({"action": "redeliver", "channel": "/event/A__e", "replay_id": 2});
    let twice = vec![got("a", 1), got("a", 2), got("a", 2)];
    // (scenario, deliveries, records, passes, message part)
    type Case<'a> = (Vec<Value>, Vec<Value>, Vec<&'a str>, bool, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![redeliver.clone()],
            twice.clone(),
            vec!["SO-1", "SO-2"],
            true,
            "received them again",
        ),
        (
            vec![redeliver.clone()],
            twice.clone(),
            vec!["SO-1", "SO-2", "SO-2"],
            false,
            "records share an Order_Number__c (\"SO-2\" ×2)",
        ),
        (
            vec![redeliver.clone()],
            vec![got("a", 1), got("a", 2)],
            vec!["SO-1", "SO-2"],
            false,
            "received it only once",
        ),
        (
            vec![redeliver.clone()],
            vec![got("a", 1)],
            vec!["SO-1", "SO-2"],
            false,
            "did not receive it again",
        ),
        (vec![], twice, vec!["SO-1", "SO-2"], false, "lab's author"),
    ];
    for (i, (scenario, delivered, names, passes, says)) in cases.into_iter().enumerate() {
        // The consumer applied an event (without payloads in the log, any write counts).
        let mut e = evidence(vec![req(
            "PATCH",
            "/services/data/v62.0/sobjects/Shipment__c/Order_Number__c/SO-2",
            204,
        )]);
        e.events.scenario = scenario;
        e.events.delivered = delivered;
        let e = with_records(e, &names);
        let v = if passes {
            assert_passes(IDEMPOTENT, &e)
        } else {
            assert_fails(IDEMPOTENT, &e)
        };
        assert!(v.message.contains(says), "case {i}: {}", v.message);
    }
}

#[test]
fn a_program_that_never_subscribed_is_told_the_event_was_never_delivered_not_missed_again() {
    let mut e = evidence(vec![]);
    e.events.scenario =
        vec![json!({"action": "redeliver", "channel": "/event/A__e", "replay_id": 2})];
    let v = assert_fails(IDEMPOTENT, &with_records(e, &[]));
    assert!(
        v.message.contains(
            "event 2 was never delivered to your program: nothing subscribed to /event/A__e"
        ) && !v.message.contains("again:"),
        "{}",
        v.message
    );
}

#[test]
fn the_planned_kill_is_no_crash_and_a_killed_run_is_named_in_plain_words() {
    let redeliver =
        json!({"action": "redeliver", "channel": "/event/A__e", "replay_id": 2, "at": at(40)});
    let mut e = ev();
    e.events.scenario = vec![redeliver];
    e.events.subscriptions = vec![sub("a", -2, 1), sub("b", 1, 20)];
    e.events.delivered = vec![got("a", 1), got("b", 2)];
    let mut second = e.runs[0].clone();
    // Run 1 was stopped by the scenario's planned kill; run 2 was killed before the repeat.
    e.runs[0].exit_code = None;
    e.runs[0].signal = Some(9);
    e.runs[0].stopped_by_lab = true;
    e.runs[0].started_at = Some("2026-01-01T12:00:00Z".parse().unwrap());
    e.runs[0].duration_ms = 10_000;
    second.index = 1;
    second.exit_code = None;
    second.signal = Some(9);
    second.started_at = Some("2026-01-01T12:00:15Z".parse().unwrap());
    second.duration_ms = 20_000;
    e.runs.push(second);
    let v = assert_fails(IDEMPOTENT, &with_records(e, &["SO-1", "SO-2"]));
    assert!(
        v.message
            .contains("but run 2 had already been stopped by signal 9, so"),
        "{}",
        v.message
    );
}

#[test]
fn a_repeat_that_came_after_the_run_crashed_is_held_back_and_names_only_this_labs_checks() {
    let redeliver =
        json!({"action": "redeliver", "channel": "/event/A__e", "replay_id": 2, "at": at(40)});
    let mut e = ev();
    e.events.scenario = vec![redeliver];
    e.events.subscriptions = vec![sub("a", -2, 1)];
    e.events.delivered = vec![got("a", 1), got("a", 2)];
    e.runs[0].exit_code = Some(1);
    e.runs[0].started_at = Some("2026-01-01T12:00:00Z".parse().unwrap());
    e.runs[0].duration_ms = 35_000;
    let v = assert_fails(IDEMPOTENT, &with_records(e.clone(), &["SO-1", "SO-2"]));
    assert!(
        v.held_back() && v.message.contains("run 1 had already exited with status 1"),
        "{}",
        v.message
    );
    // Still running at the repeat: a real failure, and one subscription means no restart to
    // blame, nor a check the lab may not have.
    e.runs[0].exit_code = Some(0);
    let v = assert_fails(IDEMPOTENT, &with_records(e, &["SO-1", "SO-2"]));
    assert!(
        !v.held_back()
            && v.message
                .contains("no longer subscribed when the repeat came")
            && !v.message.contains("restart")
            && !v.message.contains("events.replay_resumed"),
        "{}",
        v.message
    );
}

#[test]
fn a_redelivery_never_received_names_the_refused_subscription() {
    let mut e = ev();
    e.events.scenario =
        vec![json!({"action": "redeliver", "channel": "/event/A__e", "replay_id": 2})];
    e.events.refused = vec![json!({
        "channel": "/event/A__e", "from": -2, "via": "cometd",
        "message": "400::Client c1 has established a session, but no BAYEUX_BROWSER cookie present",
    })];
    let v = assert_fails(IDEMPOTENT, &with_records(e, &[]));
    assert!(
        v.message.contains("was never delivered to your program"),
        "{}",
        v.message
    );
    assert!(
        v.message.contains("no BAYEUX_BROWSER cookie present"),
        "{}",
        v.message
    );
}

#[test]
fn creates_named_in_any_case_are_cited_as_evidence() {
    let mut e = evidence(vec![
        req("POST", "/services/data/v62.0/sobjects/shipment__c", 201),
        req("POST", "/services/data/v62.0/sobjects/SHIPMENT__C/", 201),
    ]);
    e.events.scenario =
        vec![json!({"action": "redeliver", "channel": "/event/A__e", "replay_id": 2})];
    e.events.delivered = vec![got("a", 1), got("a", 2), got("a", 2)];
    let v = assert_fails(IDEMPOTENT, &with_records(e, &["SO-2", "SO-2"]));
    assert_eq!(v.evidence, vec![1, 2], "{}", v.message);
}

#[test]
fn published_with_via_takes_only_that_way_and_says_which_way_was_used() {
    let rule = "{ rule: events.published, event: OrderShipped__e, via: rest }";
    let mut e = ev();
    e.events.published = vec![publish(1, "OrderShipped__e", "pub_sub", 1, json!({}))];
    let v = assert_fails(rule, &e);
    assert!(
        v.message
            .contains("reached the bus via Pub/Sub API, but this lab asks for another way. Publish with `POST …/sobjects/OrderShipped__e`"),
        "{}",
        v.message
    );
    e.events.published = vec![publish(1, "OrderShipped__e", "rest", 1, json!({}))];
    assert_passes(rule, &e);
    e.events.published.clear();
    let v = assert_fails(rule, &e);
    assert!(
        !v.message.contains("Pub/Sub"),
        "only the way the lab asks: {}",
        v.message
    );
    assert!(
        v.message.starts_with("Expected an OrderShipped__e event"),
        "{}",
        v.message
    );
}

const BRIDGE: &str = "{ rule: events.consumer_idempotent, object: Order, field: ERP_Order_Id__c }";

#[test]
fn a_redelivered_event_that_makes_a_second_erp_order_fails_though_one_order_per_key_remains() {
    let v = assert_fails(BRIDGE, &redelivered_order(Some(("ERP-5", "T5"))));
    assert!(
        v.message.contains("event 2 of /event/OrderActivated__e")
            && v.message.contains("#4 POST /ext/erp/orders created ERP-5"),
        "{}",
        v.message
    );
    // The write-back of the new order's tracking number over the first one is named too.
    assert!(v.message.contains("where #3 had written"), "{}", v.message);
    assert_eq!(v.evidence, vec![3, 4, 5], "{}", v.message);
}

#[test]
fn a_repeat_that_replays_the_first_order_and_writes_the_same_values_passes() {
    // The handling before the repeat reached the subscriber (a retry answered after the
    // runner queued the repeat) is the first handling, not a second side effect.
    let v = assert_passes(BRIDGE, &redelivered_order(None));
    assert!(v.message.contains("changed nothing"), "{}", v.message);
}

#[test]
fn falling_back_to_latest_when_the_org_refuses_a_stored_id_fails_even_with_nothing_lost() {
    // A stale id from an earlier attempt is refused at the very start, before anything was
    // published; the subscriber then chose LATEST, which the bus cannot show as a loss yet.
    let refused = json!({
        "channel": "/event/A__e", "from": 6, "via": "pub_sub", "at": at(0),
        "message": "The replay id is not one this org issued",
    });
    let mut e = stream(
        vec![sub("a", -1, 1), sub("b", 1, 20)],
        vec![got("a", 1), got("b", 2)],
        &[(1, 5), (2, 21)],
    );
    e.events.refused = vec![refused.clone()];
    let v = assert_fails(RESUMED, &e);
    assert!(
        v.message
            .contains("fell back to LATEST (-1) on /event/A__e because the org refused")
            && v.message.contains("start again from EARLIEST (-2)")
            && !v.message.contains("stored during this attempt"),
        "{}",
        v.message
    );
    // The same refusal answered with EARLIEST is the brief's fallback.
    let mut e = stream(
        vec![sub("a", -2, 1), sub("b", 1, 20)],
        vec![got("a", 1), got("b", 2)],
        &[(1, 5), (2, 21)],
    );
    e.events.refused = vec![refused];
    assert_passes(RESUMED, &e);
}

#[test]
fn earliest_after_a_refused_stored_id_says_the_org_refused_it_not_that_earliest_was_asked() {
    let mut e = stream(
        vec![sub("a", -1, 0), sub("b", -2, 20)],
        vec![got("a", 1), got("b", 1), got("b", 2)],
        &[(1, 1), (2, 10)],
    );
    e.events.refused = vec![json!({
        "channel": "/event/A__e", "from": 0, "via": "pub_sub", "at": at(19),
        "message": "The replay id is not one this org issued; store the replay id bytes of a received event unchanged.",
    })];
    let v = assert_fails(RESUMED, &e);
    assert!(
        v.message
            .contains("asked to resume from its stored replay id (CUSTOM), and the org refused it")
            && v.message.contains("not one this org issued")
            && v.message.contains("fell back to EARLIEST (-2)")
            && !v.message.contains("your subscriber asked for EARLIEST"),
        "{}",
        v.message
    );
}

#[test]
fn a_retry_of_the_first_handling_made_after_the_repeat_arrived_is_not_blamed_on_the_repeat() {
    // A client that queues what it receives got the repeat (at 300 ms) while the first
    // handling was still retrying: its retry at 500 ms created ERP-4 under a per-attempt key.
    // The repeat's own handling (#4, replayed as ERP-2, and #5) came after.
    let mut e = redelivered_order(None);
    e.exchanges[1] = e.exchanges[1]
        .clone()
        .response_body(r#"{"id": "ERP-4", "trackingNumber": "T4"}"#);
    e.exchanges[2] = e.exchanges[2]
        .clone()
        .body(r#"{"Tracking_Number__c": "T4"}"#);
    e.events.delivered[1]["at"] = json!("2026-01-01T12:00:00.300Z");
    let v = assert_fails(BRIDGE, &e);
    assert!(
        v.message
            .contains("#5 PATCH /services/data/v62.0/sobjects/Order/ERP_Order_Id__c/SO-2 wrote")
            && v.message.contains("where #3 had written")
            && !v.message.contains("#2 POST"),
        "{}",
        v.message
    );
    assert_eq!(v.evidence, vec![3, 5], "{}", v.message);
}

/// A bridge's evidence with the redelivery of SO-2 received twice and no write at all but
/// the streaming connection and the ERP token.
fn bridge_that_writes(writes: Vec<crate::evidence::Exchange>) -> Evidence {
    let mut all = vec![
        req("POST", "/cometd/62.0", 200).body(r#"[{"channel": "/meta/handshake"}]"#),
        req("POST", "/ext/erp/oauth/token", 200).body("grant_type=client_credentials"),
    ];
    all.extend(writes);
    let mut e = evidence(all);
    let base = redelivered_order(None);
    e.events = base.events;
    e.events.published.push(json!({"replay_id": 1, "channel": "/event/OrderActivated__e", "event_name": "OrderActivated__e", "via": "runner", "payload": {"ERP_Order_Id__c": "SO-1"}}));
    e.snapshots = base.snapshots;
    e
}

#[test]
fn a_consumer_that_handles_no_event_is_not_awarded_idempotency() {
    let v = assert_fails(BRIDGE, &bridge_that_writes(vec![]));
    assert!(
        v.held_back()
            && v.message
                .contains("no event was handled, so idempotency could not be judged")
            && v.message.contains("ERP_Order_Id__c (SO-2, SO-1)"),
        "{}",
        v.message
    );
    // A write for an event's key that the org refused applied nothing either.
    let refused = req(
        "PATCH",
        "/services/data/v62.0/sobjects/Order/ERP_Order_Id__c/SO-1",
        400,
    );
    let v = assert_fails(BRIDGE, &bridge_that_writes(vec![refused]));
    assert!(v.message.contains("no event was handled"), "{}", v.message);
}

#[test]
fn a_redelivered_event_never_handled_is_not_awarded_idempotency() {
    let other = req(
        "PATCH",
        "/services/data/v62.0/sobjects/Order/ERP_Order_Id__c/SO-1",
        204,
    );
    let v = assert_fails(BRIDGE, &bridge_that_writes(vec![other]));
    assert!(
        v.held_back()
            && v.message
                .contains("the redelivered event was never handled")
            && v.message
                .contains("event 2 of /event/OrderActivated__e (ERP_Order_Id__c SO-2)"),
        "{}",
        v.message
    );
    // Handled once, in a Bulk upload's CSV: the repeat changing nothing now counts.
    let csv = req("PUT", "/services/data/v62.0/jobs/ingest/750x/batches", 201)
        .header("Content-Type", "text/csv")
        .body("ERP_Order_Id__c,Tracking_Number__c\nSO-2,T2\n");
    assert_passes(BRIDGE, &bridge_that_writes(vec![csv]));
}

#[test]
fn a_subscriber_that_never_subscribed_is_told_so_not_that_it_never_came_back() {
    let v = assert_fails(RESUMED, &stream(vec![], vec![], &[(1, 1)]));
    assert!(
        v.message
            .starts_with("Your code never subscribed to /event/A__e (CometD `/meta/subscribe`")
            && v.message
                .contains("so resuming after a restart could not be judged")
            && !v.message.contains("0 times")
            && !v.message.contains("came back"),
        "{}",
        v.message
    );
}

#[test]
fn a_subscriber_that_stops_asking_is_told_it_sent_no_further_fetch_request() {
    let asked = |who: &str, from: i64, s: u32, n: u64| {
        let mut v = sub(who, from, s);
        v["requested"] = json!(n);
        v
    };
    // The restarted stream asked for 2 and was given 3 and 4; 5 was never asked for.
    let e = stream(
        vec![asked("a", -1, 0, 10), asked("b", 2, 20, 2)],
        vec![got("a", 1), got("a", 2), got("b", 3), got("b", 4)],
        &[(1, 1), (2, 2), (3, 10), (4, 11), (5, 12)],
    );
    let v = assert_fails(RESUMED, &e);
    assert!(v.message.contains("replay ids [5]"), "{}", v.message);
    assert!(
        v.message
            .contains("asked for 2 events in all (the FetchRequests' num_requested added up) and was given them, then sent no further FetchRequest"),
        "{}",
        v.message
    );
    // Still waiting on events it asked for, or over CometD: no word of flow control.
    for last in [asked("b", 2, 20, 10), sub("b", 2, 20)] {
        let e = stream(
            vec![asked("a", -1, 0, 10), last],
            vec![got("a", 1), got("a", 2), got("b", 3), got("b", 4)],
            &[(1, 1), (2, 2), (3, 10), (4, 11), (5, 12)],
        );
        let v = assert_fails(RESUMED, &e);
        assert!(!v.message.contains("FetchRequest"), "{}", v.message);
    }
}

#[test]
fn a_repeat_applied_again_by_the_restarted_subscriber_is_named_as_lost_memory() {
    // SO-1 was applied by `a` before the kill; its repeat reached the restarted `b`, which
    // POSTed it again (a dedupe kept in memory forgets across a restart).
    let mut e = evidence(vec![req(
        "PATCH",
        "/services/data/v62.0/sobjects/Shipment__c/Order_Number__c/SO-2",
        204,
    )]);
    e.events.published = vec![
        publish(1, "A__e", "runner", 1, json!({"Order_Number__c": "SO-1"})),
        publish(2, "A__e", "runner", 2, json!({"Order_Number__c": "SO-2"})),
    ];
    e.events.scenario =
        vec![json!({"action": "redeliver", "channel": "/event/A__e", "replay_id": 1})];
    e.events.delivered = vec![got("a", 1), got("b", 2), got("b", 1)];
    let v = assert_fails(
        IDEMPOTENT,
        &with_records(e.clone(), &["SO-1", "SO-1", "SO-2"]),
    );
    assert!(
        v.message.contains("(\"SO-1\" ×2)")
            && v.message
                .contains("Event 1 (Order_Number__c SO-1) came again to your restarted subscriber"),
        "{}",
        v.message
    );
    // A repeat to the same process that duplicates says nothing of a restart.
    e.events.delivered = vec![got("a", 1), got("a", 1), got("b", 2)];
    let v = assert_fails(IDEMPOTENT, &with_records(e, &["SO-1", "SO-1", "SO-2"]));
    assert!(!v.message.contains("restarted"), "{}", v.message);
}

#[test]
fn a_duplicate_of_an_event_a_restart_was_handed_again_names_the_stop_before_the_id_was_stored() {
    // `a` POSTed SO-2 and was killed before storing its replay id; `b` resumed after 1, was
    // handed 2 again (a newer id than the stored one) and POSTed it a second time. The
    // scenario's own repeat of 1 was skipped by comparing replay ids.
    let mut e = evidence(vec![req(
        "POST",
        "/services/data/v62.0/sobjects/Shipment__c",
        201,
    )]);
    e.events.published = vec![
        publish(1, "A__e", "runner", 1, json!({"Order_Number__c": "SO-1"})),
        publish(2, "A__e", "runner", 2, json!({"Order_Number__c": "SO-2"})),
    ];
    e.events.scenario =
        vec![json!({"action": "redeliver", "channel": "/event/A__e", "replay_id": 1})];
    e.events.delivered = vec![got("a", 1), got("a", 1), got("a", 2), got("b", 2)];
    let v = assert_fails(IDEMPOTENT, &with_records(e, &["SO-1", "SO-2", "SO-2"]));
    assert!(
        v.message.contains("(\"SO-2\" ×2)")
            && v.message
                .contains("Event 2 (Order_Number__c SO-2) was handed out again after a restart")
            && v.message.contains("before its replay id was stored")
            && !v.message.contains("restarted subscriber"),
        "{}",
        v.message
    );
}

#[test]
fn a_retry_with_custom_and_an_empty_id_is_named_not_called_a_fallback_to_latest() {
    // Run 1: the stale stored id is refused, the retry sends CUSTOM with no id (logged from
    // 0) and is refused too; run 2 starts with no stored id, from LATEST.
    let mut e = stream(
        vec![sub("b", -1, 20), sub("c", 3, 40)],
        vec![got("b", 3), got("c", 4)],
        &[(1, 0), (2, 10), (3, 21), (4, 41)],
    );
    e.events.refused = vec![
        json!({"channel": "/event/A__e", "from": 6, "via": "pub_sub", "at": at(1),
               "message": "The replay id is not one this org issued"}),
        json!({"channel": "/event/A__e", "from": 0, "via": "pub_sub", "at": at(2),
               "message": "The replay id is not one this org issued; store the replay id bytes of a received event unchanged."}),
    ];
    let v = assert_fails(RESUMED, &e);
    assert!(
        v.message.contains("its retry then subscribed with CUSTOM and an empty replay id, which the org refused too")
            && v.message.contains("subscribe with EARLIEST (-2) and no replay id")
            && !v.message.contains("fell back to LATEST (-1) on /event/A__e because"),
        "{}",
        v.message
    );
}

#[test]
fn the_stale_id_advice_is_left_out_when_the_subscriber_did_fall_back_to_earliest() {
    let refused = json!({"channel": "/event/A__e", "from": 6, "via": "pub_sub", "at": at(0),
                         "message": "The replay id is not one this org issued"});
    // It answered the refusal from EARLIEST, then lost event 3 for another reason.
    let mut e = stream(
        vec![sub("a", -2, 1), sub("b", 2, 20)],
        vec![got("a", 1), got("a", 2)],
        &[(1, 0), (2, 0), (3, 21)],
    );
    e.events.refused = vec![refused.clone()];
    let v = assert_fails(RESUMED, &e);
    assert!(
        v.message.contains("never reached your subscriber")
            && v.message.contains("The org refused 1 subscription")
            && !v.message.contains("start again from EARLIEST (-2)"),
        "{}",
        v.message
    );
    // With no fallback at all, the advice stays.
    let mut e = stream(vec![], vec![], &[(1, 0)]);
    e.events.refused = vec![refused];
    let v = assert_fails(RESUMED, &e);
    assert!(
        v.message.contains("start again from EARLIEST (-2)"),
        "{}",
        v.message
    );
}

#[test]
fn a_pub_sub_replay_id_that_is_not_8_bytes_is_named_so_not_as_an_empty_one() {
    let refused = |from: i64| {
        let mut e = ev();
        e.events.refused = vec![json!({
            "channel": "/event/A__e", "from": from, "via": "pub_sub", "at": at(1),
            "message": "The replay id is not one this org issued",
        })];
        assert_fails("{ rule: events.subscribed, channel: /event/A__e }", &e).message
    };
    let malformed = refused(crate::org::events::log::NOT_A_NUMBER);
    assert!(
        malformed.contains("a replay id that is not the 8 bytes the org handed out"),
        "{malformed}"
    );
    let empty = refused(crate::org::events::log::NO_REPLAY_ID);
    assert!(empty.contains("CUSTOM with an empty replay id"), "{empty}");
}

#[test]
fn a_program_that_ended_before_it_subscribed_is_told_so_not_to_stay_subscribed() {
    let mut e = evidence(vec![]);
    e.runs[0].exit_code = Some(1);
    e.runs[0].duration_ms = 400;
    e.events.scenario =
        vec![json!({"action": "redeliver", "channel": "/event/A__e", "replay_id": 2})];
    let v = assert_fails(IDEMPOTENT, &with_records(e, &[]));
    assert!(v.held_back(), "{}", v.message);
    assert!(
        v.message
            .contains("exited with status 1 after 0.4s, before it subscribed to /event/A__e")
            && v.message.contains("process.exit_ok")
            && !v.message.contains("keep it subscribed"),
        "{}",
        v.message
    );
}
