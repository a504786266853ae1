//! Events through the org's HTTP surface: REST publish, composite rollback, CDC from DML.

use super::*;
use crate::org::rest::router;
use crate::org::rest::static_token::issue_static_token;
use crate::org::Org;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use tower::ServiceExt;

const V: &str = "/services/data/v62.0";

async fn send(org: &Org, method: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let token = issue_static_token(org, None).unwrap().token;
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1:8443")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let resp = router(org.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn all(org: &Org, channel: &str) -> Vec<std::sync::Arc<BusEvent>> {
    org.events
        .bus
        .read(channel, ReplayFrom::Earliest, 1000, org.clock.now())
        .unwrap()
}

#[tokio::test]
async fn rest_publish_of_a_text_longer_than_255_is_string_too_long() {
    let org = Org::default_org();
    let long = "x".repeat(256);
    let (status, body) = send(
        &org,
        "POST",
        &format!("{V}/sobjects/OrderShipped__e"),
        json!({"Order_Number__c": long}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body[0]["errorCode"], "STRING_TOO_LONG");
    assert_eq!(body[0]["fields"], json!(["Order_Number__c"]));
    assert!(body[0]["message"]
        .as_str()
        .unwrap()
        .ends_with("(max length=255)"));
    assert!(all(&org, "/event/OrderShipped__e").is_empty());
    // 255 characters (not bytes) fit.
    let (status, _) = send(
        &org,
        "POST",
        &format!("{V}/sobjects/OrderShipped__e"),
        json!({"Order_Number__c": "é".repeat(255)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn rest_publish_answers_201_with_the_uuid_enqueued() {
    let org = Org::default_org();
    let (status, body) = send(
        &org,
        "POST",
        &format!("{V}/sobjects/OrderShipped__e"),
        json!({"Order_Number__c": "SO-5001", "Shipped_At__c": "2026-11-01T10:00:00.000Z"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["errors"][0]["statusCode"], "OPERATION_ENQUEUED");
    assert!(body["id"].as_str().unwrap().starts_with("e01"));
    let events = all(&org, "/event/OrderShipped__e");
    assert_eq!(events.len(), 1);
    assert_eq!(body["errors"][0]["message"], events[0].uuid.to_string());
    assert_eq!(events[0].payload()["Order_Number__c"], "SO-5001");
    assert_eq!(org.events.log.published()[0].via, Transport::Rest);
}

#[tokio::test]
async fn a_collection_of_events_publishes_each_and_all_or_none_holds_them_all_back() {
    let org = Org::default_org();
    let ev = |n: &str| json!({"attributes": {"type": "OrderShipped__e"}, "Order_Number__c": n});
    let (status, body) = send(
        &org,
        "POST",
        &format!("{V}/composite/sobjects"),
        json!({"allOrNone": false, "records": [ev("SO-1"), {"attributes": {"type": "OrderShipped__e"}, "Nope__c": 1}, ev("SO-3")]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body[0]["success"], true);
    assert_eq!(body[0]["errors"][0]["statusCode"], "OPERATION_ENQUEUED");
    assert_eq!(body[1]["success"], false);
    assert_eq!(body[1]["errors"][0]["statusCode"], "INVALID_FIELD");
    assert_eq!(body[2]["success"], true);
    let events = all(&org, "/event/OrderShipped__e");
    let numbers: Vec<Value> = events
        .iter()
        .map(|e| e.payload()["Order_Number__c"].clone())
        .collect();
    assert_eq!(numbers, vec![json!("SO-1"), json!("SO-3")]);
    assert_eq!(body[2]["errors"][0]["message"], events[1].uuid.to_string());
    let (_, held) = send(
        &org,
        "POST",
        &format!("{V}/composite/sobjects"),
        json!({"allOrNone": true, "records": [ev("SO-4"), {"attributes": {"type": "OrderShipped__e"}, "Nope__c": 1}]}),
    )
    .await;
    assert_eq!(
        held[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(held[1]["errors"][0]["statusCode"], "INVALID_FIELD");
    assert_eq!(all(&org, "/event/OrderShipped__e").len(), 2);
}

#[tokio::test]
async fn a_collection_mixing_records_and_events_saves_the_records_and_publishes_the_events() {
    let org = Org::default_org();
    let ev = |n: &str| json!({"attributes": {"type": "OrderShipped__e"}, "Order_Number__c": n});
    let account = |n: &str| json!({"attributes": {"type": "Account"}, "Name": n});
    let (status, body) = send(
        &org,
        "POST",
        &format!("{V}/composite/sobjects"),
        json!({"allOrNone": false, "records": [account("Mixed One"), ev("SO-1"), account("Mixed Two")]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body[0]["success"], true, "{body}");
    assert!(body[0]["id"].as_str().unwrap().starts_with("001"));
    assert_eq!(body[1]["success"], true, "{body}");
    assert_eq!(body[1]["errors"][0]["statusCode"], "OPERATION_ENQUEUED");
    assert_eq!(body[2]["success"], true, "{body}");
    let events = all(&org, "/event/OrderShipped__e");
    assert_eq!(events.len(), 1);
    assert_eq!(body[1]["errors"][0]["message"], events[0].uuid.to_string());
    // All or none: an invalid record keeps the event off the bus, and the reverse.
    let (_, held) = send(
        &org,
        "POST",
        &format!("{V}/composite/sobjects"),
        json!({"allOrNone": true, "records": [ev("SO-2"), {"attributes": {"type": "Account"}}]}),
    )
    .await;
    assert_eq!(
        held[0]["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "{held}"
    );
    assert_eq!(held[1]["success"], false);
    let (_, held) = send(
        &org,
        "POST",
        &format!("{V}/composite/sobjects"),
        json!({"allOrNone": true, "records": [account("Held"), {"attributes": {"type": "OrderShipped__e"}, "Nope__c": 1}]}),
    )
    .await;
    assert_eq!(
        held[0]["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "{held}"
    );
    assert_eq!(held[1]["errors"][0]["statusCode"], "INVALID_FIELD");
    assert_eq!(all(&org, "/event/OrderShipped__e").len(), 1);
    let (_, found) = send(
        &org,
        "GET",
        &format!("{V}/query?q=SELECT+Id+FROM+Account+WHERE+Name+=+'Held'"),
        Value::Null,
    )
    .await;
    assert_eq!(found["totalSize"], 0, "{found}");
}

#[tokio::test]
async fn an_sobject_tree_of_a_platform_event_is_refused_as_not_insertable_not_unknown() {
    let org = Org::default_org();
    let (status, body) = send(
        &org,
        "POST",
        &format!("{V}/composite/tree/OrderShipped__e"),
        json!({"records": [{"attributes": {"type": "OrderShipped__e", "referenceId": "e1"}, "Order_Number__c": "SO-1"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body[0]["errorCode"], "INVALID_TYPE");
    assert!(
        body[0]["message"]
            .as_str()
            .unwrap()
            .contains("platform event"),
        "{body}"
    );
    assert!(all(&org, "/event/OrderShipped__e").is_empty());
}

#[tokio::test]
async fn rest_publish_with_an_unknown_field_is_invalid_field() {
    let org = Org::default_org();
    let (status, body) = send(
        &org,
        "POST",
        &format!("{V}/sobjects/OrderShipped__e"),
        json!({"Nope__c": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body[0]["errorCode"], "INVALID_FIELD");
    assert!(all(&org, "/event/OrderShipped__e").is_empty());
}

#[tokio::test]
async fn rest_publish_of_a_wrongly_typed_value_gets_the_sobject_parser_error() {
    let org = Org::default_org();
    let (status, body) = send(
        &org,
        "POST",
        &format!("{V}/sobjects/OrderShipped__e"),
        json!({"Order_Number__c": "SO-1", "Weight_Kg__c": "lots"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body[0]["errorCode"], "JSON_PARSER_ERROR");
    assert_eq!(
        body[0]["message"],
        "Cannot deserialize instance of double from VALUE_STRING value lots or request may be missing a required field at [line:1, column:2]"
    );
    assert_eq!(body[0]["fields"], json!([]));
    let (status, body) = send(
        &org,
        "POST",
        &format!("{V}/sobjects/OrderShipped__e"),
        json!({"Shipped_At__c": "soon"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Cannot deserialize instance of datetime from VALUE_STRING value soon"),
        "{body}"
    );
    assert!(all(&org, "/event/OrderShipped__e").is_empty());
    // Values of the right kind, as text where the sObject API takes text, still publish.
    let (status, _) = send(
        &org,
        "POST",
        &format!("{V}/sobjects/OrderShipped__e"),
        json!({"Weight_Kg__c": "12.5", "Shipped_At__c": "2026-05-01T09:30:00.000Z"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let shipped = all(&org, "/event/OrderShipped__e");
    assert_eq!(shipped[0].payload()["Weight_Kg__c"], 12.5);
}

#[tokio::test]
async fn rest_publish_with_a_field_the_org_sets_is_refused_as_describe_says_it_is_read_only() {
    let org = Org::default_org();
    let describe = send(
        &org,
        "GET",
        &format!("{V}/sobjects/OrderShipped__e/describe"),
        Value::Null,
    )
    .await
    .1;
    for field in ["ReplayId", "EventUuid", "CreatedById", "CreatedDate"] {
        let described = describe["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == field)
            .unwrap();
        assert_eq!(described["createable"], false, "{field}");
        let (status, body) = send(
            &org,
            "POST",
            &format!("{V}/sobjects/OrderShipped__e"),
            json!({ field: "5" }),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}");
        assert_eq!(body[0]["errorCode"], "INVALID_FIELD_FOR_INSERT_UPDATE");
        assert_eq!(body[0]["fields"], json!([field]));
        let message = body[0]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("Unable to create/update fields: {field}.")),
            "{message}"
        );
    }
    assert!(all(&org, "/event/OrderShipped__e").is_empty());
}

fn composite(fail: bool) -> Value {
    let account = if fail {
        json!({})
    } else {
        json!({"Name": "Kestrel"})
    };
    json!({"allOrNone": true, "compositeRequest": [
        {"method": "POST", "url": format!("{V}/sobjects/OrderShipped__e"), "referenceId": "ev",
         "body": {"Order_Number__c": "SO-9"}},
        {"method": "POST", "url": format!("{V}/sobjects/Account"), "referenceId": "acct",
         "body": account}
    ]})
}

#[tokio::test]
async fn a_rolled_back_composite_publishes_nothing_after_commit() {
    let org = Org::default_org();
    let (status, body) = send(&org, "POST", &format!("{V}/composite"), composite(true)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(all(&org, "/event/OrderShipped__e").is_empty(), "{body}");
    assert!(all(&org, "/data/AccountChangeEvent").is_empty());
    let (_, body) = send(&org, "POST", &format!("{V}/composite"), composite(false)).await;
    assert_eq!(all(&org, "/event/OrderShipped__e").len(), 1, "{body}");
    assert_eq!(all(&org, "/data/AccountChangeEvent").len(), 1);
}

#[tokio::test]
async fn publish_immediately_survives_a_rollback() {
    let seed = crate::org::OrgSeed::from_yaml(
        "events:\n  platform:\n    Audit__e: { publish: immediately, fields: { Note__c: text } }\n",
    )
    .unwrap();
    let org = Org::new(&seed).unwrap();
    let req = json!({"allOrNone": true, "compositeRequest": [
        {"method": "POST", "url": format!("{V}/sobjects/Audit__e"), "referenceId": "ev",
         "body": {"Note__c": "tried"}},
        {"method": "POST", "url": format!("{V}/sobjects/Account"), "referenceId": "a", "body": {}}
    ]});
    send(&org, "POST", &format!("{V}/composite"), req).await;
    assert_eq!(all(&org, "/event/Audit__e").len(), 1);
}

#[tokio::test]
async fn every_dml_path_raises_change_events_with_one_transaction_key_per_commit() {
    let org = Org::default_org();
    let (status, created) = send(
        &org,
        "POST",
        &format!("{V}/sobjects/Account"),
        json!({"Name": "Osprey"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].as_str().unwrap().to_string();
    send(
        &org,
        "PATCH",
        &format!("{V}/sobjects/Account/{id}"),
        json!({"Phone": "123"}),
    )
    .await;
    let (status, _) = send(
        &org,
        "POST",
        &format!("{V}/composite/sobjects"),
        json!({"allOrNone": true,
        "records": [{"attributes": {"type": "Contact"}, "LastName": "One"},
                    {"attributes": {"type": "Contact"}, "LastName": "Two"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let acct = all(&org, "/data/AccountChangeEvent");
    assert_eq!(acct.len(), 2);
    assert_eq!(
        acct[0].payload()["ChangeEventHeader"]["changeType"],
        "CREATE"
    );
    assert_eq!(
        acct[1].payload()["ChangeEventHeader"]["changeType"],
        "UPDATE"
    );
    assert_eq!(acct[1].payload()["Phone"], "123");
    let contacts = all(&org, "/data/ContactChangeEvent");
    assert_eq!(contacts.len(), 2);
    let (p0, p1) = (contacts[0].payload(), contacts[1].payload());
    let (h0, h1) = (&p0["ChangeEventHeader"], &p1["ChangeEventHeader"]);
    assert_eq!(h0["transactionKey"], h1["transactionKey"]);
    assert_eq!(h0["sequenceNumber"], 1);
    assert_eq!(h1["sequenceNumber"], 2);
    assert_ne!(
        h0["transactionKey"],
        acct[0].payload()["ChangeEventHeader"]["transactionKey"]
    );
    let everything = all(&org, ALL_CHANGE_EVENTS);
    assert_eq!(everything.len(), 4);
    assert!(everything
        .windows(2)
        .all(|w| w[0].replay_id < w[1].replay_id));
}

#[tokio::test]
async fn change_origin_names_the_api_version_and_the_callers_client_id() {
    let org = Org::default_org();
    let token = issue_static_token(&org, None).unwrap().token;
    let req = Request::builder()
        .method("POST")
        .uri(format!("{V}/sobjects/Account"))
        .header("host", "127.0.0.1:8443")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("sforce-call-options", "client=OrderSync")
        .body(Body::from(json!({"Name": "Kestrel"}).to_string()))
        .unwrap();
    let resp = router(org.clone()).oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    send(
        &org,
        "POST",
        &format!("{V}/composite/sobjects"),
        json!({"allOrNone": true,
        "records": [{"attributes": {"type": "Account"}, "Name": "Plover"}]}),
    )
    .await;
    let acct = all(&org, "/data/AccountChangeEvent");
    assert_eq!(
        acct[0].payload()["ChangeEventHeader"]["changeOrigin"],
        "com/salesforce/api/rest/62.0;client=OrderSync"
    );
    assert_eq!(
        acct[1].payload()["ChangeEventHeader"]["changeOrigin"],
        "com/salesforce/api/rest/62.0"
    );
    assert_eq!(
        acct[1].payload()["ChangeEventHeader"]["diffFields"],
        json!([])
    );
    // A change made outside any API call (a lab runner, seeding) has no origin.
    let actor = org.actor(org.users[0].id);
    let mut f = serde_json::Map::new();
    f.insert("Name".into(), "Runner".into());
    org.store.write().insert("Account", &f, &actor).unwrap();
    let acct = all(&org, "/data/AccountChangeEvent");
    assert_eq!(acct[2].payload()["ChangeEventHeader"]["changeOrigin"], "");
}

#[tokio::test]
async fn a_soap_call_options_client_is_named_in_the_change_origin() {
    let org = Org::default_org();
    let token = issue_static_token(&org, None).unwrap().token;
    let (_, created) = send(
        &org,
        "POST",
        &format!("{V}/sobjects/Account"),
        json!({"Name": "Kestrel"}),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let envelope = format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com" xmlns:urn1="urn:sobject.partner.soap.sforce.com">
<soapenv:Header><urn:SessionHeader><urn:sessionId>{token}</urn:sessionId></urn:SessionHeader><urn:CallOptions><urn:client>SoapApp</urn:client></urn:CallOptions></soapenv:Header>
<soapenv:Body><urn:update><urn:sObjects><urn1:type>Account</urn1:type><urn1:Id>{id}</urn1:Id><urn1:Rating>Warm</urn1:Rating></urn:sObjects></urn:update></soapenv:Body></soapenv:Envelope>"#
    );
    let req = Request::builder()
        .method("POST")
        .uri("/services/Soap/u/62.0")
        .header("host", "127.0.0.1:8443")
        .header("content-type", "text/xml; charset=utf-8")
        .header("soapaction", "\"\"")
        .body(Body::from(envelope))
        .unwrap();
    let resp = router(org.clone()).oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let acct = all(&org, "/data/AccountChangeEvent");
    let update = acct.last().unwrap().payload();
    assert_eq!(update["ChangeEventHeader"]["changeType"], "UPDATE");
    assert_eq!(
        update["ChangeEventHeader"]["changeOrigin"],
        "com/salesforce/api/soap/62.0;client=SoapApp"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_ingest_job_names_the_bulk_api_and_its_creators_client_in_the_change_origin() {
    let org = Org::default_org();
    let token = issue_static_token(&org, None).unwrap().token;
    let call = |method: &str, path: String, content_type: &str, body: String| {
        Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1:8443")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .header("sforce-call-options", "client=Loader")
            .body(Body::from(body))
            .unwrap()
    };
    let json_of = |resp: axum::response::Response| async move {
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        serde_json::from_slice::<Value>(&bytes).unwrap()
    };
    let app = router(org.clone());
    let created = app
        .clone()
        .oneshot(call(
            "POST",
            format!("{V}/jobs/ingest"),
            "application/json",
            json!({"object": "Contact", "operation": "insert"}).to_string(),
        ))
        .await
        .unwrap();
    let job = json_of(created).await["id"].as_str().unwrap().to_string();
    let put = app
        .clone()
        .oneshot(call(
            "PUT",
            format!("{V}/jobs/ingest/{job}/batches"),
            "text/csv",
            "LastName\nBulk One\nBulk Two\n".into(),
        ))
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::CREATED);
    app.clone()
        .oneshot(call(
            "PATCH",
            format!("{V}/jobs/ingest/{job}"),
            "application/json",
            json!({"state": "UploadComplete"}).to_string(),
        ))
        .await
        .unwrap();
    for _ in 0..200 {
        if all(&org, "/data/ContactChangeEvent").len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let events = all(&org, "/data/ContactChangeEvent");
    assert_eq!(events.len(), 2);
    for e in &events {
        assert_eq!(
            e.payload()["ChangeEventHeader"]["changeOrigin"],
            "com/salesforce/api/bulkapi/62.0;client=Loader"
        );
    }
}

#[test]
fn cdc_for_an_unknown_object_is_a_seed_error() {
    let seed =
        crate::org::OrgSeed::from_yaml("events:\n  change_data_capture: [Nope__c]\n").unwrap();
    let err = Org::new(&seed).unwrap_err();
    assert!(err.to_string().contains("Nope__c"), "{err}");
}

#[tokio::test]
async fn event_schemas_are_served_by_id_and_by_event_name() {
    let org = Org::default_org();
    let id = org
        .events
        .event_type("OrderShipped__e")
        .unwrap()
        .schema_id
        .clone();
    let (status, by_id) = send(
        &org,
        "GET",
        &format!("{V}/event/eventSchema/{id}"),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_id["name"], "OrderShipped__e");
    assert_eq!(by_id["uuid"], id.as_str());
    let (status, by_name) = send(
        &org,
        "GET",
        &format!("{V}/sobjects/AccountChangeEvent/eventSchema"),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_name["fields"][0]["name"], "ChangeEventHeader");
    let (status, _) = send(
        &org,
        "GET",
        &format!("{V}/event/eventSchema/nope"),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[test]
fn a_bulk_ingest_raises_one_change_event_per_row() {
    use crate::org::bulk::ingest_job::{CreateIngestJob, IngestJob};
    use crate::org::bulk::job::JobState;
    use crate::org::bulk::settings::BulkSettings;
    let org = Org::default_org();
    let spec = CreateIngestJob::parse(br#"{"object":"Contact","operation":"insert"}"#)
        .unwrap()
        .validate()
        .unwrap();
    let mut job = IngestJob::new(
        org.bulk.next_job_id(),
        spec,
        org.users[0].id.to_string(),
        org.clock.now(),
        "62.0".into(),
    );
    job.add_upload(bytes::Bytes::from_static(
        b"LastName\nBulk One\nBulk Two\nBulk Three\n",
    ))
    .unwrap();
    job.header.state = JobState::UploadComplete;
    let job = std::sync::Arc::new(parking_lot::Mutex::new(job));
    crate::org::bulk::worker::run_ingest(&org, &job, BulkSettings::default());
    assert_eq!(job.lock().header.state, JobState::JobComplete);
    let events = all(&org, "/data/ContactChangeEvent");
    let names: Vec<Value> = events
        .iter()
        .map(|e| e.payload()["Name"]["LastName"].clone())
        .collect();
    assert_eq!(names, vec!["Bulk One", "Bulk Two", "Bulk Three"]);
    assert!(events
        .iter()
        .all(|e| e.payload()["ChangeEventHeader"]["changeType"] == "CREATE"));
    // The three rows are one bulk commit group: one transaction, sequence numbers 1..3.
    let headers: Vec<Value> = events
        .iter()
        .map(|e| e.payload()["ChangeEventHeader"].clone())
        .collect();
    assert!(headers
        .iter()
        .all(|h| h["transactionKey"] == headers[0]["transactionKey"]
            && h["commitNumber"] == headers[0]["commitNumber"]));
    let seq: Vec<&Value> = headers.iter().map(|h| &h["sequenceNumber"]).collect();
    assert_eq!(seq, vec![1, 2, 3]);
    // Each event is stored once for both channels, compactly.
    assert_eq!(all(&org, ALL_CHANGE_EVENTS).len(), 3);
    let (count, bytes) = org.events.bus.approx_bytes();
    assert_eq!(count, 3);
    assert!(bytes / count < 600, "{bytes} bytes for {count} events");
}

#[tokio::test]
async fn a_partly_saved_collection_commits_its_good_records_as_one_transaction() {
    let org = Org::default_org();
    let acc = |n: &str| json!({"attributes": {"type": "Account"}, "Name": n});
    let (status, body) = send(
        &org,
        "POST",
        &format!("{V}/composite/sobjects"),
        json!({"allOrNone": false, "records": [acc("Tx One"), {"attributes": {"type": "Account"}}, acc("Tx Three")]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body[1]["success"], false);
    let events = all(&org, "/data/AccountChangeEvent");
    let headers: Vec<Value> = events
        .iter()
        .map(|e| e.payload()["ChangeEventHeader"].clone())
        .collect();
    assert_eq!(headers.len(), 2);
    assert_eq!(headers[0]["transactionKey"], headers[1]["transactionKey"]);
    assert_eq!(headers[0]["sequenceNumber"], 1);
    assert_eq!(headers[1]["sequenceNumber"], 2);
}

#[tokio::test]
async fn a_platform_event_is_described_and_listed_like_an_sobject() {
    let org = Org::default_org();
    let (status, d) = send(
        &org,
        "GET",
        &format!("{V}/sobjects/OrderShipped__e/describe"),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["name"], "OrderShipped__e");
    assert_eq!(d["createable"], true);
    assert_eq!(d["queryable"], false);
    let names: Vec<&str> = d["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"EventUuid") && names.contains(&"Carrier__c"),
        "{names:?}"
    );
    let (status, basic) = send(
        &org,
        "GET",
        &format!("{V}/sobjects/OrderShipped__e"),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(basic["objectDescribe"]["name"], "OrderShipped__e");
    let (_, global) = send(&org, "GET", &format!("{V}/sobjects"), Value::Null).await;
    assert!(global["sobjects"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["name"] == "OrderActivated__e"));
}

#[tokio::test]
async fn published_and_delivered_events_count_against_the_event_allocations() {
    let org = Org::default_org();
    let limit = |body: &Value, name: &str| body[name]["Remaining"].as_u64().unwrap();
    let (_, before) = send(&org, "GET", &format!("{V}/limits"), Value::Null).await;
    for n in ["SO-1", "SO-2"] {
        let (status, _) = send(
            &org,
            "POST",
            &format!("{V}/sobjects/OrderShipped__e"),
            json!({"Order_Number__c": n}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let replay_ids: Vec<u64> = all(&org, "/event/OrderShipped__e")
        .iter()
        .map(|e| e.replay_id)
        .collect();
    org.events.log.record_deliveries(
        "client-1",
        "/event/OrderShipped__e",
        replay_ids,
        Transport::CometD,
        org.clock.now(),
    );
    let (_, after) = send(&org, "GET", &format!("{V}/limits"), Value::Null).await;
    assert_eq!(
        limit(&before, "HourlyPublishedPlatformEvents")
            - limit(&after, "HourlyPublishedPlatformEvents"),
        2
    );
    assert_eq!(
        limit(&before, "DailyDeliveredPlatformEvents")
            - limit(&after, "DailyDeliveredPlatformEvents"),
        2
    );
    assert_eq!(
        limit(&before, "HourlyPublishedStandardVolumePlatformEvents"),
        limit(&after, "HourlyPublishedStandardVolumePlatformEvents"),
        "OrderShipped__e is a high-volume event"
    );
}

/// Three Accounts made in one call, then given one Industry in one call, then two of them
/// deleted in one call, in an org that merges change events or one that does not.
async fn create_update_delete_three(org: &Org) -> Vec<String> {
    let records: Vec<Value> = ["Ant", "Bee", "Cat"]
        .iter()
        .map(|n| json!({"attributes": {"type": "Account"}, "Name": n}))
        .collect();
    let (status, made) = send(
        org,
        "POST",
        &format!("{V}/composite/sobjects"),
        json!({"allOrNone": true, "records": records}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let ids: Vec<String> = made
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let updates: Vec<Value> = ids
        .iter()
        .map(|id| json!({"attributes": {"type": "Account"}, "id": id, "Industry": "Energy"}))
        .collect();
    let (status, _) = send(
        org,
        "PATCH",
        &format!("{V}/composite/sobjects"),
        json!({"allOrNone": true, "records": updates}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(
        org,
        "DELETE",
        &format!("{V}/composite/sobjects?ids={},{}", ids[0], ids[1]),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    ids
}

fn headers(org: &Org) -> Vec<(String, Vec<String>, u64)> {
    all(org, "/data/AccountChangeEvent")
        .iter()
        .map(|e| {
            let h = e.payload()["ChangeEventHeader"].clone();
            let ids = h["recordIds"].as_array().unwrap().iter();
            (
                h["changeType"].as_str().unwrap().to_string(),
                ids.map(|i| i.as_str().unwrap().to_string()).collect(),
                h["sequenceNumber"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_org_that_merges_change_events_lists_every_record_of_the_same_change_in_one_event() {
    let seed = crate::org::OrgSeed::from_yaml(
        "events:\n  change_data_capture: [Account]\n  merge_changes: true\n",
    )
    .unwrap();
    let org = Org::new(&seed).unwrap();
    let ids = create_update_delete_three(&org).await;
    let got = headers(&org);
    let one = |i: usize| vec![ids[i].clone()];
    assert_eq!(
        got,
        vec![
            ("CREATE".to_string(), one(0), 1),
            ("CREATE".to_string(), one(1), 2),
            ("CREATE".to_string(), one(2), 3),
            ("UPDATE".to_string(), ids.clone(), 1),
            ("DELETE".to_string(), ids[..2].to_vec(), 1),
        ],
        "creates with different names stay apart; the same update and the deletes merge"
    );
    let update = &all(&org, "/data/AccountChangeEvent")[3];
    assert_eq!(update.payload()["Industry"], "Energy");
    assert_eq!(
        all(&org, ALL_CHANGE_EVENTS).len(),
        5,
        "/data/ChangeEvents carries the merged events too"
    );
}

#[tokio::test]
async fn by_default_each_record_change_is_its_own_event() {
    let seed =
        crate::org::OrgSeed::from_yaml("events:\n  change_data_capture: [Account]\n").unwrap();
    let org = Org::new(&seed).unwrap();
    let ids = create_update_delete_three(&org).await;
    let got = headers(&org);
    assert_eq!(got.len(), 3 + 3 + 2);
    assert!(got.iter().all(|(_, r, _)| r.len() == 1), "{got:?}");
    assert_eq!(got[7], ("DELETE".to_string(), vec![ids[1].clone()], 2));
}

#[test]
fn a_change_channel_in_an_org_with_no_capture_says_no_objects_are_selected() {
    let seed = crate::org::OrgSeed::from_yaml("org: { name: Tiny }\n").unwrap();
    let org = Org::new(&seed).unwrap();
    let said = org
        .events
        .unknown_channel("/data/AccountChangeEvent", org.store.read().schema());
    assert!(said.contains("; no objects are selected (Setup"), "{said}");
    assert!(!said.contains("selected are"), "{said}");
}

#[test]
fn a_blank_topic_is_told_to_name_one_not_that_the_empty_channel_does_not_exist() {
    let org = Org::default_org();
    let said = org.events.unknown_channel(" ", org.store.read().schema());
    assert!(said.starts_with("No topic was named"), "{said}");
    assert!(!said.contains("The channel  does not exist"), "{said}");
}
