//! The mock external services over HTTP, request by request through the org router.

use super::faults::FaultSpec;
use super::Service;
use crate::org::rest::router;
use crate::org::Org;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use base64::Engine;
use serde_json::{json, Value};
use tower::ServiceExt;

async fn send(
    app: &Router,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (StatusCode, Value, axum::http::HeaderMap) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1:8443");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let h = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        h,
    )
}

async fn erp_token(app: &Router) -> String {
    let (s, v, _) = send(
        app,
        "POST",
        "/ext/erp/oauth/token",
        &[("content-type", "application/x-www-form-urlencoded")],
        "grant_type=client_credentials&client_id=sflab-erp&client_secret=erp-demo-secret",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn weather_needs_its_api_key() {
    let app = router(Org::default_org());
    let (s, v, _) = send(&app, "GET", "/ext/weather/current?city=Lyon", &[], "").await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("missing_api_key"))
    );
    let (s, _, _) = send(
        &app,
        "GET",
        "/ext/weather/current?city=Lyon",
        &[("x-api-key", "nope")],
        "",
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v, _) = send(
        &app,
        "GET",
        "/ext/weather/current?city=Lyon",
        &[("x-api-key", "wx-demo-key")],
        "",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["city"], "Lyon");
    assert!(v["temperatureC"].is_number());
}

#[tokio::test]
async fn erp_token_endpoint_refuses_a_wrong_secret_and_orders_need_a_token() {
    let app = router(Org::default_org());
    let (s, v, _) = send(
        &app,
        "POST",
        "/ext/erp/oauth/token",
        FORM,
        "grant_type=client_credentials&client_id=sflab-erp&client_secret=x",
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    assert_eq!(v["error_description"], "The client id or secret is wrong.");
    let wrong = base64::engine::general_purpose::STANDARD.encode("sflab-erp:nope");
    let (s, _, h) = send(
        &app,
        "POST",
        "/ext/erp/oauth/token",
        &[("authorization", &format!("Basic {wrong}")), FORM[0]],
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        h.contains_key("www-authenticate"),
        "a Basic client is challenged"
    );
    let (s, _, _) = send(&app, "GET", "/ext/erp/orders/ERP-000001", &[], "").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let basic = base64::engine::general_purpose::STANDARD.encode("sflab-erp:erp-demo-secret");
    let (s, _, _) = send(
        &app,
        "POST",
        "/ext/erp/oauth/token",
        &[("authorization", &format!("Basic {basic}")), FORM[0]],
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
}

const FORM: &[(&str, &str)] = &[("content-type", "application/x-www-form-urlencoded")];

#[tokio::test]
async fn erp_token_answers_are_never_cached() {
    let app = router(Org::default_org());
    let good = "grant_type=client_credentials&client_id=sflab-erp&client_secret=erp-demo-secret";
    let (s, v, h) = send(&app, "POST", "/ext/erp/oauth/token", FORM, good).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["pragma"], "no-cache");
    let (s, _, h) = send(
        &app,
        "POST",
        "/ext/erp/oauth/token",
        FORM,
        "grant_type=password",
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["pragma"], "no-cache");
}

/// A token request that breaks a rule: what is wrong, extra headers, body, expected words.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, &'a str);

#[tokio::test]
async fn erp_token_requests_that_break_the_oauth_rules_are_invalid_requests() {
    let app = router(Org::default_org());
    let json_body = json!({"grant_type": "client_credentials", "client_id": "sflab-erp",
        "client_secret": "erp-demo-secret"})
    .to_string();
    let basic = base64::engine::general_purpose::STANDARD.encode("sflab-erp:erp-demo-secret");
    let basic = format!("Basic {basic}");
    let cases: [Case<'_>; 4] = [
        (
            "a JSON body",
            vec![("content-type", "application/json")],
            &json_body,
            "unsupported content type",
        ),
        (
            "grant_type twice",
            FORM.to_vec(),
            "grant_type=client_credentials&grant_type=client_credentials&client_id=sflab-erp&client_secret=erp-demo-secret",
            "repeated parameter: grant_type",
        ),
        (
            "Basic and body credentials",
            vec![FORM[0], ("authorization", basic.as_str())],
            "grant_type=client_credentials&client_id=sflab-erp&client_secret=erp-demo-secret",
            "use one client authentication method",
        ),
        (
            "no grant_type",
            FORM.to_vec(),
            "client_id=sflab-erp&client_secret=erp-demo-secret",
            "missing required parameter: grant_type",
        ),
    ];
    for (case, headers, body, said) in cases {
        let (s, v, _) = send(&app, "POST", "/ext/erp/oauth/token", &headers, body).await;
        assert_eq!(
            (s, v["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_request")),
            "{case}: {v}"
        );
        let description = v["error_description"].as_str().unwrap_or_default();
        assert!(description.starts_with(said), "{case}: {v}");
    }
    let (s, v, _) = send(
        &app,
        "POST",
        "/ext/erp/oauth/token",
        FORM,
        "grant_type=password&client_id=sflab-erp&client_secret=erp-demo-secret",
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type")),
        "{v}"
    );
}

#[tokio::test]
async fn an_erp_401_carries_a_bearer_challenge() {
    let app = router(Org::default_org());
    let (s, _, h) = send(&app, "GET", "/ext/erp/orders/ERP-000001", &[], "").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(h["www-authenticate"], "Bearer realm=\"erp\"");
    let (s, _, h) = send(
        &app,
        "POST",
        "/ext/erp/orders",
        &[("authorization", "Bearer erp_not-issued")],
        "{}",
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let challenge = h["www-authenticate"].to_str().unwrap();
    assert!(
        challenge
            .starts_with("Bearer realm=\"erp\", error=\"invalid_token\", error_description=\""),
        "{challenge}"
    );
}

#[tokio::test]
async fn erp_orders_are_idempotent_per_key_and_tracked_by_the_courier() {
    let org = Org::default_org();
    let app = router(org.clone());
    let bearer = format!("Bearer {}", erp_token(&app).await);
    let body =
        json!({"customer": "Falcon Corp", "lines": [{"sku": "S-1", "quantity": 3}]}).to_string();
    let h = [
        ("authorization", bearer.as_str()),
        ("idempotency-key", "order-1"),
        ("content-type", "application/json"),
    ];
    let (s1, o1, _) = send(&app, "POST", "/ext/erp/orders", &h, &body).await;
    let (s2, o2, h2) = send(&app, "POST", "/ext/erp/orders", &h, &body).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(o1["id"], o2["id"]);
    assert_eq!(h2.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(org.outbound.ext.erp_order_count(), 1);
    let other = json!({"customer": "Harbor", "lines": [{"sku": "S-1", "quantity": 1}]}).to_string();
    let (s, v, _) = send(&app, "POST", "/ext/erp/orders", &h, &other).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("idempotency_key_reused")
        )
    );
    let id = o1["id"].as_str().unwrap();
    let (s, got, _) = send(&app, "GET", &format!("/ext/erp/orders/{id}"), &h[..1], "").await;
    assert_eq!(
        (s, got["shipmentStatus"].as_str()),
        (StatusCode::OK, Some("label_created"))
    );
    org.clock.advance(std::time::Duration::from_secs(7200));
    let basic = base64::engine::general_purpose::STANDARD.encode("courier:courier-demo-pass");
    let tracking = o1["trackingNumber"].as_str().unwrap();
    let (s, ship, _) = send(
        &app,
        "GET",
        &format!("/ext/courier/shipments/{tracking}"),
        &[("authorization", &format!("Basic {basic}"))],
        "",
    )
    .await;
    assert_eq!(
        (s, ship["status"].as_str()),
        (StatusCode::OK, Some("in_transit"))
    );
    let (s, _, h) = send(
        &app,
        "GET",
        &format!("/ext/courier/shipments/{tracking}"),
        &[],
        "",
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(h.get("www-authenticate").is_some());
}

#[tokio::test]
async fn search_answers_query_and_post_alike_and_refuses_get() {
    let app = router(Org::default_org());
    let bearer = format!("Bearer {}", erp_token(&app).await);
    let h = [("authorization", bearer.as_str())];
    for c in ["Falcon", "Harbor", "Falcon"] {
        let body = json!({"customer": c, "lines": [{"sku": "S-9", "quantity": 1}]}).to_string();
        send(&app, "POST", "/ext/erp/orders", &h, &body).await;
    }
    let filter = r#"{"customer": "falcon"}"#;
    let (sq, q, _) = send(&app, "QUERY", "/ext/erp/orders/search", &h, filter).await;
    let (sp, p, _) = send(&app, "POST", "/ext/erp/orders/search", &h, filter).await;
    assert_eq!((sq, sp), (StatusCode::OK, StatusCode::OK));
    assert_eq!(q["totalSize"], 2);
    assert_eq!(q, p);
    let (s, _, hd) = send(&app, "GET", "/ext/erp/orders/search", &h, "").await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(hd.get("allow").unwrap(), "QUERY, POST");
}

#[tokio::test]
async fn search_refuses_an_unknown_filter_key_instead_of_answering_every_order() {
    let app = router(Org::default_org());
    let bearer = format!("Bearer {}", erp_token(&app).await);
    let h = [("authorization", bearer.as_str())];
    let body = json!({"customer": "Falcon", "lines": [{"sku": "S-9", "quantity": 1}]}).to_string();
    send(&app, "POST", "/ext/erp/orders", &h, &body).await;
    for filter in [
        r#"{"salesforceId": "SO-999"}"#,
        r#"{"bogus": 1}"#,
        r#"{"status": 5}"#,
    ] {
        let (s, b, _) = send(&app, "POST", "/ext/erp/orders/search", &h, filter).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{filter}");
        assert_eq!(b["error"], "invalid_filter", "{filter}");
        let message = b["message"].as_str().unwrap();
        assert!(
            message.contains("customer, sku and status"),
            "{filter}: {message}"
        );
    }
    let (s, b, _) = send(
        &app,
        "POST",
        "/ext/erp/orders/search",
        &h,
        r#"{"bogus": 1}"#,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(b["message"].as_str().unwrap().contains("\"bogus\""));
    let (s, b, _) = send(&app, "POST", "/ext/erp/orders/search", &h, "{}").await;
    assert_eq!((s, b["totalSize"].as_u64()), (StatusCode::OK, Some(1)));
}

#[tokio::test]
async fn a_planted_fault_fails_n_calls_with_retry_after_then_recovers() {
    let org = Org::default_org();
    let app = router(org.clone());
    let spec = FaultSpec {
        status: 503,
        calls: Some(2),
        seconds: None,
        retry_after: Some(7),
        after_commit: false,
        after: 0,
    };
    org.outbound
        .ext
        .plant_fault(Service::Weather, &spec, org.clock.now());
    let h = [("x-api-key", "wx-demo-key")];
    for _ in 0..2 {
        let (s, v, hd) = send(&app, "GET", "/ext/weather/current?city=Oslo", &h, "").await;
        assert_eq!(
            (s, v["error"].as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, Some("service_unavailable"))
        );
        assert_eq!(hd.get("retry-after").unwrap(), "7");
    }
    let (s, _, _) = send(&app, "GET", "/ext/weather/current?city=Oslo", &h, "").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(org.outbound.ext.calls(Service::Weather), 3);
}

#[tokio::test]
async fn a_fault_window_from_the_seed_ends_with_org_time() {
    let seed = crate::org::OrgSeed::from_yaml(
        "mock_services:\n  faults:\n    erp: { status: 500, seconds: 600 }\n",
    )
    .unwrap();
    let org = Org::new(&seed).unwrap();
    let app = router(org.clone());
    let bearer = format!("Bearer {}", erp_token(&app).await);
    let h = [("authorization", bearer.as_str())];
    let (s, _, headers) = send(&app, "GET", "/ext/erp/orders/ERP-000001", &h, "").await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        headers[super::faults::STAGED_HEADER],
        "the lab's planned outage: answered 500 for every call during the planned outage",
        "the proxy marks the exchange with it"
    );
    org.clock.advance(std::time::Duration::from_secs(660));
    let bearer = format!("Bearer {}", erp_token(&app).await);
    let (s, _, _) = send(
        &app,
        "GET",
        "/ext/erp/orders/ERP-000001",
        &[("authorization", bearer.as_str())],
        "",
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn erp_accepts_org_signed_jwts_only_for_its_audience_and_lifetime() {
    let org = Org::default_org();
    let app = router(org.clone());
    let now = org.clock.now().timestamp();
    let sign = |aud: &str, exp: i64| {
        crate::org::auth::jwt::sign(
            org.auth.keys(),
            &json!({"aud": aud, "exp": exp, "sub": "x"}),
        )
    };
    let good = format!("Bearer {}", sign("erp", now + 60));
    let (s, _, _) = send(
        &app,
        "GET",
        "/ext/erp/orders/ERP-000009",
        &[("authorization", good.as_str())],
        "",
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "accepted; the order is unknown");
    for bad in [sign("courier", now + 60), sign("erp", now - 1)] {
        let h = format!("Bearer {bad}");
        let (s, v, _) = send(
            &app,
            "GET",
            "/ext/erp/orders/ERP-000009",
            &[("authorization", h.as_str())],
            "",
        )
        .await;
        assert_eq!(
            (s, v["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_token"))
        );
    }
}

#[tokio::test]
async fn a_lost_reply_fault_creates_the_order_so_only_a_key_prevents_a_duplicate() {
    let org = Org::default_org();
    let app = router(org.clone());
    let token = erp_token(&app).await;
    let auth = format!("Bearer {token}");
    let spec = FaultSpec {
        status: 504,
        calls: Some(2),
        seconds: None,
        retry_after: None,
        after_commit: true,
        after: 0,
    };
    org.outbound
        .ext
        .plant_fault(Service::Erp, &spec, org.clock.now());
    let body =
        r#"{"customer":"A-1000","lines":[{"sku":"S-1","quantity":1}],"salesforceId":"SO-1"}"#;
    let keyed = [
        ("authorization", auth.as_str()),
        ("idempotency-key", "SO-1"),
    ];
    let (s, _, _) = send(&app, "POST", "/ext/erp/orders", &keyed, body).await;
    assert_eq!(s, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(org.outbound.ext.erp_order_count(), 1, "the work was done");
    let unkeyed = [("authorization", auth.as_str())];
    let (s, _, _) = send(&app, "POST", "/ext/erp/orders", &unkeyed, body).await;
    assert_eq!(s, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(
        org.outbound.ext.erp_order_count(),
        2,
        "no key: a second order"
    );
    let (s, v, h) = send(&app, "POST", "/ext/erp/orders", &keyed, body).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        h.get("idempotent-replayed").map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    assert_eq!(v["id"], "ERP-000001");
    let book = org.outbound.ext.erp_orders(org.clock.now());
    assert_eq!(book.len(), 2);
    assert_eq!(book[0]["salesforceId"], "SO-1");
    // The order book the rules read keeps the key each order was created with; the ERP's
    // own answers do not show it.
    assert_eq!(book[0]["idempotencyKey"], "SO-1");
    assert!(book[1].get("idempotencyKey").is_none());
    assert!(v.get("idempotencyKey").is_none());
}

#[tokio::test]
async fn an_unknown_weather_path_answers_in_the_services_own_format_naming_current_city() {
    let app = router(Org::default_org());
    let (s, v, h) = send(
        &app,
        "GET",
        "/ext/weather/current.json?q=Pune",
        &[("x-api-key", "wx-demo-key")],
        "",
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        v["error"], "not_found",
        "an object, not Salesforce's array: {v}"
    );
    let message = v["message"].as_str().unwrap();
    assert!(
        message.contains("GET /ext/weather/current.json")
            && message.contains("GET /ext/weather/current?city=<name>")
            && message.contains("conditions"),
        "{message}"
    );
    assert!(
        !message.contains("Pune"),
        "the query is never echoed: {message}"
    );
    assert_eq!(h["content-type"], "application/json");
}

#[tokio::test]
async fn unknown_paths_of_every_service_and_of_no_service_answer_like_a_third_party_api() {
    let app = router(Org::default_org());
    for (path, names) in [
        (
            "/ext/courier/parcels/TRK-1",
            "GET /ext/courier/shipments/{tracking}",
        ),
        ("/ext/erp/invoices", "POST /ext/erp/orders"),
        ("/ext/erp/orders/ERP-1/lines", "GET /ext/erp/orders/{id}"),
        ("/ext/weather", "GET /ext/weather/current?city=<name>"),
        ("/ext/stock/items", "erp (POST /ext/erp/oauth/token"),
        ("/ext", "courier (GET /ext/courier/shipments/{tracking})"),
    ] {
        let (s, v, _) = send(&app, "GET", path, &[], "").await;
        assert_eq!(
            (s, v["error"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found")),
            "{path}: {v}"
        );
        let message = v["message"].as_str().unwrap();
        assert!(message.contains(names), "{path}: {message}");
    }
}

#[tokio::test]
async fn a_method_a_service_path_does_not_take_answers_405_in_the_services_format() {
    let app = router(Org::default_org());
    let (s, v, h) = send(&app, "POST", "/ext/weather/current?city=Oslo", &[], "{}").await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed")),
        "{v}"
    );
    assert_eq!(h["allow"], "GET");
    assert_eq!(
        v["message"],
        "The weather service does not take POST at /ext/weather/current; send GET."
    );
    let (s, v, h) = send(&app, "GET", "/ext/erp/orders", &[], "").await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed"))
    );
    assert_eq!(h["allow"], "POST");
}

#[tokio::test]
async fn every_endpoint_the_unserved_answers_name_is_routed() {
    let app = router(Org::default_org());
    for e in &super::unserved::ENDPOINTS {
        let path = e
            .path
            .replace("<name>", "Oslo")
            .replace("{id}", "ERP-1")
            .replace("{tracking}", "TRK-1");
        let (_, v, _) = send(&app, e.method, &path, &[], "").await;
        // Unauthenticated calls may be refused, and ERP-1 / TRK-1 may not exist, but each
        // endpoint must be found and take its method.
        let what = format!("{} {path}: {v}", e.method);
        assert_ne!(v["error"], "method_not_allowed", "{what}");
        let message = v["message"].as_str().unwrap_or_default();
        assert!(!message.contains("has no endpoint"), "{what}");
    }
}
