//! Apex REST resources from a fixture, request by request through the org router.

use crate::org::rest::router;
use crate::org::rest::static_token::issue_static_token;
use crate::org::{Org, OrgSeed};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use tower::ServiceExt;

const FIXTURE: &str = r#"
objects:
  Order_Line__c:
    fields:
      Order__c: { type: lookup, referenceTo: Order, relationshipName: Order__r, childRelationshipName: Order_Lines__r, required: true }
      Quantity__c: { type: number, required: true }
apex_rest:
  - class: OrderResource
    url: /orders/*
    methods: [GET, POST, PATCH, DELETE]
    object: Order
    key: ERP_Order_Id__c
    dto: { id: Id, erpOrderId: ERP_Order_Id__c, accountId: AccountId, effectiveDate: EffectiveDate, status: Status }
    required: [erpOrderId, accountId, effectiveDate]
    lines:
      property: lines
      object: Order_Line__c
      parent_field: Order__c
      dto: { sku: Name, quantity: Quantity__c }
      required: [sku, quantity]
"#;

struct Mock {
    org: Org,
    app: Router,
    token: String,
}

fn mock() -> Mock {
    mock_with(FIXTURE)
}

/// The default seed with `fixture`'s sections joined in.
fn seed_with(fixture: &str) -> OrgSeed {
    // The default seed already has `objects:`; merge by parsing both and joining sections.
    let mut base: serde_yaml::Mapping =
        serde_yaml::from_str(crate::org::default_org::DEFAULT_SEED).unwrap();
    let extra: serde_yaml::Mapping = serde_yaml::from_str(fixture).unwrap();
    for (k, v) in extra {
        match (base.get_mut(&k), v) {
            (Some(serde_yaml::Value::Mapping(b)), serde_yaml::Value::Mapping(e)) => b.extend(e),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
    OrgSeed::from_yaml(&serde_yaml::to_string(&base).unwrap()).unwrap()
}

fn mock_with(fixture: &str) -> Mock {
    let org = Org::new(&seed_with(fixture)).unwrap();
    let token = issue_static_token(&org, None).unwrap().token;
    Mock {
        app: router(org.clone()),
        org,
        token,
    }
}

impl Mock {
    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1:8443")
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", "application/json")
            .body(
                body.map(|b| Body::from(b.to_string()))
                    .unwrap_or_else(Body::empty),
            )
            .unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let v = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        (status, v)
    }

    fn falcon(&self) -> String {
        let store = self.org.store.read();
        store
            .find_by_external("Account", "ERP_Id__c", "A-1000")
            .unwrap()[0]
            .to_string()
    }
}

#[tokio::test]
async fn post_creates_an_order_with_lines_and_answers_201_with_the_dto() {
    let m = mock();
    let body = json!({"erpOrderId": "SO-9001", "accountId": m.falcon(), "effectiveDate": "2026-11-01",
        "lines": [{"sku": "SENSOR-1", "quantity": 4}, {"sku": "CABLE-2", "quantity": 10}]});
    let (status, dto) = m
        .send("POST", "/services/apexrest/orders", Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dto}");
    assert_eq!(dto["erpOrderId"], "SO-9001");
    assert_eq!(dto["status"], "Draft");
    assert!(dto["id"].as_str().unwrap().starts_with("801"));
    assert_eq!(dto["lines"].as_array().unwrap().len(), 2);
    assert_eq!(dto["lines"][1]["quantity"], json!(10.0));
    let (status, again) = m
        .send("GET", "/services/apexrest/orders/SO-9001", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, dto);
}

#[tokio::test]
async fn a_json_body_posted_as_a_form_reaches_the_class_blank_and_creates_nothing() {
    let m = mock();
    let before = m.org.store.read().count("Order");
    let body =
        json!({"erpOrderId": "SO-9010", "accountId": m.falcon(), "effectiveDate": "2026-11-01"});
    // curl --data with no Content-Type: the platform reads a form into RestRequest.params.
    for (content_type, named) in [
        (
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded, curl's default for --data",
        ),
        (
            "application/x-www-form-urlencoded; charset=UTF-8",
            "application/x-www-form-urlencoded, curl's default for --data",
        ),
        (
            "multipart/form-data; boundary=x",
            "multipart/form-data, what curl sends for -F",
        ),
    ] {
        let req = Request::builder()
            .method("POST")
            .uri("/services/apexrest/orders")
            .header("host", "127.0.0.1:8443")
            .header("authorization", format!("Bearer {}", m.token))
            .header("content-type", content_type)
            .body(Body::from(body.to_string()))
            .unwrap();
        let resp = m.app.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{content_type}");
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let e: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(e[0]["errorCode"], "JSON_PARSER_ERROR");
        let message = e[0]["message"].as_str().unwrap();
        assert!(message.contains("Content-Type: application/json"), "{e}");
        // The message names the form that was sent, not the other one.
        assert!(message.contains(named), "{content_type}: {e}");
    }
    assert_eq!(m.org.store.read().count("Order"), before);
    // The same JSON as application/json is created.
    let (status, dto) = m
        .send("POST", "/services/apexrest/orders", Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dto}");
}

#[tokio::test]
async fn bad_input_is_400_with_a_json_error_array_and_creates_nothing() {
    let m = mock();
    let before = m.org.store.read().count("Order");
    let (s, e) = m
        .send(
            "POST",
            "/services/apexrest/orders",
            Some(json!({"erpOrderId": "X"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e[0]["errorCode"], "INVALID_INPUT");
    assert!(e[0]["message"].as_str().unwrap().contains("accountId"));
    let (s, e) = m
        .send(
            "POST",
            "/services/apexrest/orders",
            Some(json!({"erpOrderId": "X", "colour": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e[0]["errorCode"], "JSON_PARSER_ERROR");
    let bad_line = json!({"erpOrderId": "SO-9002", "accountId": m.falcon(), "effectiveDate": "2026-11-01",
        "lines": [{"sku": "OK", "quantity": 1}, {"sku": "BAD", "quantity": "lots"}]});
    let (s, e) = m
        .send("POST", "/services/apexrest/orders", Some(bad_line))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(m.org.store.read().count("Order"), before);
    assert_eq!(m.org.store.read().count("Order_Line__c"), 0);
}

#[tokio::test]
async fn blank_required_values_are_400_invalid_input_and_store_no_order() {
    let m = mock();
    let before = m.org.store.read().count("Order");
    let falcon = m.falcon();
    let blanks = [
        json!({"erpOrderId": "", "accountId": falcon, "effectiveDate": "2026-03-01"}),
        json!({"erpOrderId": "   ", "accountId": falcon, "effectiveDate": "2026-03-01"}),
        json!({"erpOrderId": "SO-9003", "accountId": "", "effectiveDate": "2026-03-01"}),
    ];
    for body in blanks {
        let (s, e) = m
            .send("POST", "/services/apexrest/orders", Some(body.clone()))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body} → {e}");
        assert_eq!(e[0]["errorCode"], "INVALID_INPUT", "{body} → {e}");
        assert!(e[0]["message"].as_str().unwrap().contains("blank"), "{e}");
    }
    assert_eq!(m.org.store.read().count("Order"), before);
    // An update may not blank a required value either.
    let (s, e) = m
        .send(
            "PATCH",
            "/services/apexrest/orders/SO-5001",
            Some(json!({"accountId": " "})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e[0]["errorCode"], "INVALID_INPUT");
}

#[tokio::test]
async fn patch_updates_and_delete_answers_204_then_404() {
    let m = mock();
    let (s, dto) = m
        .send(
            "PATCH",
            "/services/apexrest/orders/SO-5001",
            Some(json!({"effectiveDate": "2026-12-24"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{dto}");
    assert_eq!(dto["effectiveDate"], "2026-12-24");
    let (s, body) = m
        .send("DELETE", "/services/apexrest/orders/SO-5001", None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(body, Value::Null);
    let (s, e) = m
        .send("GET", "/services/apexrest/orders/SO-5001", None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(e[0]["errorCode"], "NOT_FOUND");
}

#[tokio::test]
async fn the_key_is_the_last_path_segment_as_lastindexof_slash_reads_it() {
    let m = mock();
    let (s, dto) = m
        .send("GET", "/services/apexrest/orders/nope/SO-5001", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{dto}");
    assert_eq!(dto["erpOrderId"], "SO-5001");
    let (s, e) = m
        .send("GET", "/services/apexrest/orders/SO-5001/lines", None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    assert_eq!(
        e[0]["message"],
        "No Order found with ERP_Order_Id__c = lines"
    );
}

#[tokio::test]
async fn unmapped_paths_and_methods_are_refused_and_tokens_are_required() {
    let m = mock();
    let (s, e) = m.send("GET", "/services/apexrest/invoices/1", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(e[0]["message"].as_str().unwrap().contains("/invoices/1"));
    let (s, _) = m
        .send("PUT", "/services/apexrest/orders/SO-5001", Some(json!({})))
        .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    let req = Request::builder()
        .uri("/services/apexrest/orders/SO-5001")
        .header("host", "127.0.0.1:8443")
        .body(Body::empty())
        .unwrap();
    let resp = m.app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn get_without_a_key_lists_every_order() {
    let m = mock();
    let (s, list) = m.send("GET", "/services/apexrest/orders", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["erpOrderId"], "SO-5001");
}

/// A class that looks orders up by their auto-number, as `WHERE OrderNumber = :key` does.
const BY_ORDER_NUMBER: &str = r#"
apex_rest:
  - class: OrderRestService
    url: /orders/*
    methods: [GET, POST, PATCH]
    object: Order
    key: OrderNumber
    dto: { orderNumber: OrderNumber, status: Status, accountId: AccountId, effectiveDate: EffectiveDate }
    required: [accountId, effectiveDate]
"#;

#[tokio::test]
async fn a_key_that_is_no_external_id_finds_the_record_as_a_where_clause_would() {
    let m = mock_with(BY_ORDER_NUMBER);
    let body = json!({"accountId": m.falcon(), "effectiveDate": "2026-11-01"});
    let (status, created) = m
        .send("POST", "/services/apexrest/orders", Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let number = created["orderNumber"]
        .as_str()
        .expect("an order number")
        .to_string();
    let path = format!("/services/apexrest/orders/{number}");
    let (status, got) = m.send("GET", &path, None).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["orderNumber"], number.as_str());
    // (Not Activated: an order with no order products cannot be activated.)
    let (status, patched) = m
        .send("PATCH", &path, Some(json!({"effectiveDate": "2026-12-01"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["effectiveDate"], "2026-12-01");
    let (status, e) = m
        .send("GET", "/services/apexrest/orders/99999999", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        e[0]["message"],
        "No Order found with OrderNumber = 99999999"
    );
}

#[tokio::test]
async fn an_update_can_answer_204_with_no_body_as_a_void_patch_method_does() {
    let fixture = BY_ORDER_NUMBER.replace(
        "    required: [accountId, effectiveDate]\n",
        "    required: [accountId, effectiveDate]\n    update_answer: no_content\n",
    );
    let m = mock_with(&fixture);
    let body = json!({"accountId": m.falcon(), "effectiveDate": "2026-11-01"});
    let (_, created) = m
        .send("POST", "/services/apexrest/orders", Some(body))
        .await;
    let path = format!(
        "/services/apexrest/orders/{}",
        created["orderNumber"].as_str().unwrap()
    );
    let (status, answered) = m
        .send("PATCH", &path, Some(json!({"effectiveDate": "2026-12-01"})))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(answered, Value::Null);
    let (_, got) = m.send("GET", &path, None).await;
    assert_eq!(got["effectiveDate"], "2026-12-01", "the update was made");
}

/// The error an org built from the default seed with `fixture` joined in stops with.
fn refused(fixture: &str) -> crate::org::SeedError {
    match Org::new(&seed_with(fixture)) {
        Err(e) => e,
        Ok(_) => panic!("the org should not start"),
    }
}

#[test]
fn a_class_naming_a_field_or_object_the_org_lacks_stops_the_org_from_starting() {
    let bad_key = BY_ORDER_NUMBER.replace("key: OrderNumber", "key: Bogus__c");
    let e = refused(&bad_key);
    assert_eq!(
        e.to_string(),
        "apex_rest: class OrderRestService: key 'Bogus__c' is not a field of Order"
    );
    let bad_dto = BY_ORDER_NUMBER.replace("status: Status", "status: Stage__c");
    let e = refused(&bad_dto);
    assert!(
        e.to_string()
            .contains("dto field 'Stage__c' is not a field of Order"),
        "{e}"
    );
    let bad_object = BY_ORDER_NUMBER.replace("object: Order", "object: Ordr");
    let e = refused(&bad_object);
    assert!(
        e.to_string().contains("object 'Ordr' does not exist"),
        "{e}"
    );
}
