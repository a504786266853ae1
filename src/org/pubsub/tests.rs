//! Pub/Sub Publish checks on one event: field lengths and the 1 MB event size.

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
