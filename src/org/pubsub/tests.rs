//! Pub/Sub checks without a socket: Publish's per-event checks (field lengths, the 1 MB event
//! size) and the `error-code` trailer every refusal carries.

use super::proto;
use super::PubSub;
use crate::org::events::avro;
use crate::org::Org;
use serde_json::json;

fn publish(org: &Org, fields: serde_json::Value, padding: usize) -> proto::PublishResult {
    let ty = org.events.event_type("OrderShipped__e").unwrap().clone();
    let mut payload = Vec::new();
    let mut record = json!({"CreatedDate": 0, "CreatedById": org.users[0].id.as_str()});
    record
        .as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    avro::encode(&ty.avro, &record, &mut payload).unwrap();
    payload.extend(std::iter::repeat_n(0u8, padding));
    let token = org.mint_static_token(&org.users[0], &["api"]);
    let session = org.sessions.validate(&token, org.clock.now()).unwrap();
    let req = proto::PublishRequest {
        topic_name: "/event/OrderShipped__e".into(),
        events: vec![proto::ProducerEvent {
            id: "e1".into(),
            schema_id: ty.schema_id.clone(),
            payload,
            headers: vec![],
        }],
        auth_refresh: String::new(),
    };
    let mut resp = PubSub::new(org.clone()).publish(&session, &req).unwrap();
    resp.results.remove(0)
}

#[test]
fn a_text_over_its_length_is_an_error_result_naming_the_field() {
    let org = Org::default_org();
    let r = publish(&org, json!({"Order_Number__c": "x".repeat(1000)}), 0);
    let msg = r.error.expect("an error result").msg;
    assert!(msg.contains("Order Number: data value too large"), "{msg}");
    assert!(msg.contains("max length=255"), "{msg}");
    assert!(org.events.log.published().is_empty());
    let ok = publish(&org, json!({"Order_Number__c": "x".repeat(255)}), 0);
    assert!(ok.error.is_none(), "{:?}", ok.error);
}

#[test]
fn an_event_over_1_mb_is_an_error_result() {
    let org = Org::default_org();
    let r = publish(&org, json!({"Order_Number__c": "SO-1"}), 1024 * 1024);
    let msg = r.error.expect("an error result").msg;
    assert!(msg.contains("at most 1 MB"), "{msg}");
    assert_eq!(r.correlation_key, "e1");
    assert!(org.events.log.published().is_empty());
}

/// A session of the org's first user (its administrator).
fn admin(org: &Org) -> crate::org::Session {
    let token = org.mint_static_token(&org.users[0], &["api"]);
    crate::org::Session::clone(&org.sessions.validate(&token, org.clock.now()).unwrap())
}

fn error_code(status: &tonic::Status) -> String {
    status
        .metadata()
        .get("error-code")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn publishing_to_a_change_event_topic_is_denied_with_an_error_code() {
    let seed =
        crate::org::OrgSeed::from_yaml("events:\n  change_data_capture: [Account]\n").unwrap();
    let org = Org::new(&seed).unwrap();
    let token = org.mint_static_token(&org.users[0], &["api"]);
    let session = org.sessions.validate(&token, org.clock.now()).unwrap();
    let req = proto::PublishRequest {
        topic_name: "/data/AccountChangeEvent".into(),
        events: vec![],
        auth_refresh: String::new(),
    };
    let err = PubSub::new(org).publish(&session, &req).unwrap_err();
    assert_eq!(err.code(), tonic::Code::PermissionDenied);
    assert_eq!(error_code(&err), super::service::TOPIC_NOT_PUBLISHABLE);
}

#[test]
fn an_unknown_managed_subscription_is_not_found_with_an_error_code() {
    let org = Org::default_org();
    let first = proto::ManagedFetchRequest {
        developer_name: "Nope_Sync".into(),
        num_requested: 1,
        ..Default::default()
    };
    let err = PubSub::new(org).managed_start(&first).unwrap_err();
    assert_eq!(err.code(), tonic::Code::NotFound);
    assert_eq!(error_code(&err), super::managed::MANAGED_NOT_FOUND);
}

#[tokio::test]
async fn a_fetch_request_for_another_topic_ends_the_stream_with_an_error_code() {
    let org = Org::default_org();
    let p = PubSub::new(org);
    let first = proto::FetchRequest {
        topic_name: "/event/OrderShipped__e".into(),
        num_requested: 1,
        ..Default::default()
    };
    let position = p.start_position(&admin(&p.org), &first).unwrap();
    let (req_tx, req_rx) = tokio::sync::mpsc::channel(4);
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(p.run_subscription(String::new(), "t".into(), first, position, req_rx, tx));
    req_tx
        .send(Ok(proto::FetchRequest {
            topic_name: "/data/ChangeEvents".into(),
            num_requested: 1,
            ..Default::default()
        }))
        .await
        .unwrap();
    let err = loop {
        match rx.recv().await.expect("the stream ends with an error") {
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert_eq!(error_code(&err), super::service::TOPIC_CHANGED);
}

#[tokio::test]
async fn a_replay_id_never_issued_is_refused_in_pub_sub_words() {
    let org = Org::default_org();
    let p = PubSub::new(org);
    let first = proto::FetchRequest {
        topic_name: "/event/OrderShipped__e".into(),
        num_requested: 1,
        replay_preset: proto::ReplayPreset::Custom as i32,
        replay_id: 999_999u64.to_be_bytes().to_vec(),
        ..Default::default()
    };
    let err = p.start_position(&admin(&p.org), &first).unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    let message = err.message();
    assert!(message.contains("never issued"), "{message}");
    // Pub/Sub starts from a preset, not CometD's -1/-2.
    assert!(
        message.contains("replay_preset LATEST") && message.contains("replay_preset EARLIEST"),
        "{message}"
    );
    assert!(
        !message.contains("-2") && !message.contains("-1 "),
        "{message}"
    );
}

#[tokio::test]
async fn the_log_adds_up_the_events_a_stream_asked_for() {
    let org = Org::default_org();
    let p = PubSub::new(org.clone());
    let first = proto::FetchRequest {
        topic_name: "/event/OrderShipped__e".into(),
        num_requested: 3,
        ..Default::default()
    };
    let position = p.start_position(&admin(&p.org), &first).unwrap();
    let (req_tx, req_rx) = tokio::sync::mpsc::channel(4);
    let (tx, _rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(p.run_subscription(String::new(), "s1".into(), first, position, req_rx, tx));
    for n in [2, -5] {
        req_tx
            .send(Ok(proto::FetchRequest {
                num_requested: n,
                ..Default::default()
            }))
            .await
            .unwrap();
    }
    let mut requested = None;
    for _ in 0..200 {
        requested = org
            .events
            .log
            .subscriptions()
            .first()
            .and_then(|s| s.requested);
        if requested == Some(5) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(requested, Some(5), "3 + 2, a negative count adds nothing");
}

#[tokio::test]
async fn a_refused_custom_start_is_logged_as_no_id_or_as_bytes_that_are_no_replay_id() {
    use crate::org::events::log::{NOT_A_NUMBER, NO_REPLAY_ID};
    let org = Org::default_org();
    let p = PubSub::new(org.clone());
    for bytes in [Vec::new(), b"000000000000000d".to_vec()] {
        let first = proto::FetchRequest {
            topic_name: "/event/OrderShipped__e".into(),
            num_requested: 1,
            replay_preset: proto::ReplayPreset::Custom as i32,
            replay_id: bytes,
            ..Default::default()
        };
        assert!(p.start_position(&admin(&p.org), &first).is_err());
    }
    let from: Vec<i64> = org.events.log.refusals().iter().map(|r| r.from).collect();
    assert_eq!(from, [NO_REPLAY_ID, NOT_A_NUMBER]);
}

#[test]
fn a_checkbox_set_to_false_decodes_as_false_from_the_avro_payload() {
    use crate::org::events::ReplayFrom;
    let org = Org::default_org();
    let actor = org.actor(org.users[0].id);
    let body = |json: &str| serde_json::from_str::<serde_json::Map<_, _>>(json).unwrap();
    {
        let mut store = org.store.write();
        let id = store
            .insert("Contact", &body(r#"{"LastName":"Quiet"}"#), &actor)
            .unwrap();
        let on = body(r#"{"HasOptedOutOfEmail":true}"#);
        store.update("Contact", id.as_str(), &on, &actor).unwrap();
        let off = body(r#"{"HasOptedOutOfEmail":false}"#);
        store.update("Contact", id.as_str(), &off, &actor).unwrap();
    }
    let events = org
        .events
        .bus
        .read(
            "/data/ContactChangeEvent",
            ReplayFrom::Earliest,
            10,
            org.clock.now(),
        )
        .unwrap();
    let ty = org.events.event_type("ContactChangeEvent").unwrap().clone();
    let consumer = PubSub::new(org.clone()).consumer_events(&events);
    assert_eq!(consumer.len(), 3);
    let decoded: Vec<serde_json::Value> = consumer
        .iter()
        .map(|e| {
            let mut input = e.event.as_ref().unwrap().payload.as_slice();
            avro::decode(&ty.avro, &mut input).unwrap()
        })
        .collect();
    let opted: Vec<&serde_json::Value> = decoded.iter().map(|d| &d["HasOptedOutOfEmail"]).collect();
    // The create carries the default (false); the updates carry the value set, never null.
    assert_eq!(opted, [&json!(false), &json!(true), &json!(false)]);
    let changed = &decoded[2]["ChangeEventHeader"]["changedFields"];
    let bit = ty.bitmap(&["HasOptedOutOfEmail".to_string()]);
    assert_eq!(bit.len(), 1);
    let bits = |hex: &str| u128::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap();
    let field = bits(&bit[0]);
    assert_eq!(
        bits(changed[0].as_str().unwrap()) & field,
        field,
        "{changed}"
    );
}

#[test]
fn a_first_fetch_request_for_no_events_or_an_unknown_preset_is_invalid_argument() {
    let org = Org::default_org();
    let p = PubSub::new(org.clone());
    let fetch = |num_requested: i32, replay_preset: i32| proto::FetchRequest {
        topic_name: "/event/OrderShipped__e".into(),
        num_requested,
        replay_preset,
        ..Default::default()
    };
    for n in [0, -3] {
        let err = p.start_position(&admin(&p.org), &fetch(n, 0)).unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument, "{n}");
        assert_eq!(error_code(&err), super::service::NUM_REQUESTED_INVALID);
        let message = err.message();
        assert!(
            message.contains("num_requested must be between 1 and 100")
                && message.contains(&format!("asked for {n}")),
            "{message}"
        );
    }
    let err = p.start_position(&admin(&p.org), &fetch(5, 7)).unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert_eq!(error_code(&err), super::service::REPLAY_PRESET_INVALID);
    assert!(
        err.message().contains("replay_preset 7"),
        "{}",
        err.message()
    );
    // Each refusal is noted, so the rules can say why nothing arrived.
    assert_eq!(org.events.log.refusals().len(), 3);
    assert!(p.start_position(&admin(&p.org), &fetch(1, 0)).is_ok());
}

#[test]
fn where_object_access_is_enforced_topics_say_and_calls_refuse_what_the_user_may_not_do() {
    use crate::org::events::access::tests::least_privilege_org;
    let org = least_privilege_org(true);
    let session_of = |name: &str| {
        let user = org
            .users
            .iter()
            .find(|u| u.username == name)
            .unwrap()
            .clone();
        let token = org.mint_static_token(&user, &["api"]);
        crate::org::Session::clone(&org.sessions.validate(&token, org.clock.now()).unwrap())
    };
    let p = PubSub::new(org.clone());
    let digest = session_of("digest@lab.example");
    let watcher = session_of("watcher@lab.example");
    let topic = |s: &crate::org::Session, name: &str| {
        p.get_topic(
            s,
            &proto::TopicRequest {
                topic_name: name.into(),
            },
        )
        .unwrap()
    };
    let t = topic(&digest, "/event/OrderShipped__e");
    assert!(!t.can_publish && !t.can_subscribe, "{t:?}");
    let t = topic(&digest, "/data/AccountChangeEvent");
    assert!(!t.can_subscribe, "{t:?}");
    assert!(topic(&digest, "/data/ChangeEvents").can_subscribe);
    let t = topic(&watcher, "/event/OrderShipped__e");
    assert!(t.can_publish && t.can_subscribe, "{t:?}");
    assert!(topic(&watcher, "/data/AccountChangeEvent").can_subscribe);

    let fetch = |name: &str| proto::FetchRequest {
        topic_name: name.into(),
        num_requested: 1,
        ..Default::default()
    };
    for name in [
        "/event/OrderShipped__e",
        "/data/AccountChangeEvent",
        "/data/ContactChangeEvent",
    ] {
        let err = p.start_position(&digest, &fetch(name)).unwrap_err();
        assert_eq!(err.code(), tonic::Code::PermissionDenied, "{name}");
        assert_eq!(error_code(&err), super::service::TOPIC_PERMISSION_DENIED);
    }
    assert!(p
        .start_position(&digest, &fetch("/data/ChangeEvents"))
        .is_ok());
    assert!(p
        .start_position(&watcher, &fetch("/data/AccountChangeEvent"))
        .is_ok());

    let ty = org.events.event_type("OrderShipped__e").unwrap().clone();
    let mut payload = Vec::new();
    let record = json!({"CreatedDate": 0, "CreatedById": digest.user_id.as_str(), "Order_Number__c": "SO-1"});
    avro::encode(&ty.avro, &record, &mut payload).unwrap();
    let req = proto::PublishRequest {
        topic_name: "/event/OrderShipped__e".into(),
        events: vec![proto::ProducerEvent {
            id: "e1".into(),
            schema_id: ty.schema_id.clone(),
            payload,
            headers: vec![],
        }],
        auth_refresh: String::new(),
    };
    let err = p.publish(&digest, &req).unwrap_err();
    assert_eq!(err.code(), tonic::Code::PermissionDenied);
    assert!(org.events.log.published().is_empty());
    let ok = p.publish(&watcher, &req).unwrap();
    assert!(ok.results[0].error.is_none(), "{:?}", ok.results[0].error);
}
