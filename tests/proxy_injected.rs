//! The proxy's own answers (`respond`, the ready-made kinds) as the client gets them over
//! HTTP/1.1 and HTTP/2, and as the record keeps them: no body where HTTP allows none, no
//! made-up body on a redirect, a text body that is JSON served as JSON, and a dropped request
//! that closes its whole connection.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use sflab::proxy::{self, FaultSpec, ProxyConfig, RunningProxy};
use sflab::redact::Redactor;
use std::time::Duration;

async fn start(fault_yaml: &str) -> RunningProxy {
    let app = Router::new().fallback(get(|| async { Json(json!({ "ok": true })) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind upstream");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let mut config = ProxyConfig::new(
        url::Url::parse(&origin).expect("url"),
        Redactor::new(b"test-workspace-key"),
    );
    config.faults = serde_yaml::from_str::<Vec<FaultSpec>>(fault_yaml).expect("fault YAML");
    proxy::start(config).await.expect("proxy starts")
}

fn http2_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn header<'a>(x: &'a sflab::evidence::Exchange, name: &str) -> Option<&'a str> {
    x.response.as_ref().and_then(|r| {
        r.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    })
}

#[tokio::test]
async fn an_injected_204_and_an_injected_answer_to_head_carry_no_body_over_http2() {
    let p = start(
        "- { respond: { status: 204 }, match: { path: /nocontent } }\n\
         - { kind: unavailable, match: { method: HEAD } }",
    )
    .await;
    let c = http2_client();
    let r = c
        .delete(format!("{}/nocontent", p.base_url()))
        .send()
        .await
        .expect("a 204 the client can read");
    assert_eq!(r.status(), 204);
    assert!(r.bytes().await.expect("no body").is_empty());
    let r = c
        .head(format!("{}/services/data/v62.0/limits", p.base_url()))
        .send()
        .await
        .expect("a HEAD answer the client can read");
    assert_eq!(r.status(), 503);
    for x in p.recorder().exchanges() {
        let response = x.response.as_ref().expect("answered");
        assert!(
            response.body.is_empty(),
            "recorded as sent: {:?}",
            response.body
        );
    }
}

#[tokio::test]
async fn a_redirect_without_a_body_gets_none_and_an_error_gets_the_salesforce_body() {
    let p = start(
        "- { respond: { status: 302, headers: { Location: /elsewhere } }, match: { path: /moved } }\n\
         - { respond: { status: 500 }, match: { path: /services/data/*/broken } }",
    )
    .await;
    let c = http2_client();
    let r = c
        .get(format!("{}/moved", p.base_url()))
        .send()
        .await
        .expect("call");
    assert_eq!(r.status(), 302);
    assert!(r.bytes().await.expect("body").is_empty());
    let r = c
        .get(format!("{}/services/data/v62.0/broken", p.base_url()))
        .send()
        .await
        .expect("call");
    assert_eq!(r.status(), 500);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body[0]["errorCode"], "UNKNOWN_EXCEPTION");
    let records = p.recorder().exchanges();
    let moved = &records[0];
    assert!(moved.response.as_ref().expect("answered").body.is_empty());
    assert_eq!(header(moved, "content-type"), None, "no body, no type");
}

#[tokio::test]
async fn a_respond_body_written_as_json_text_is_served_as_json() {
    let p = start(
        "- respond: { status: 400, body: '[{\"message\":\"bad\",\"errorCode\":\"INVALID_FIELD\"}]' }",
    )
    .await;
    let r = http2_client()
        .get(format!("{}/services/data/v62.0/query", p.base_url()))
        .send()
        .await
        .expect("call");
    let ct = r.headers()["content-type"]
        .to_str()
        .expect("text")
        .to_string();
    assert!(ct.starts_with("application/json"), "{ct}");
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body[0]["errorCode"], "INVALID_FIELD");
}

#[tokio::test]
async fn a_drop_over_http2_closes_the_whole_connection() {
    let p = start(
        "- { kind: latency, delay_ms: 1500, at: request, match: { path: /slow } }\n\
         - { kind: drop, match: { path: /drop } }",
    )
    .await;
    let c = http2_client();
    // One connection: the first call opens it, the next two share it.
    c.get(format!("{}/ok", p.base_url()))
        .send()
        .await
        .expect("first call");
    let slow = tokio::spawn({
        let c = c.clone();
        let url = format!("{}/slow", p.base_url());
        async move { c.get(url).send().await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let dropped = c.get(format!("{}/drop", p.base_url())).send().await;
    assert!(dropped.is_err(), "no answer to the dropped request");
    let slow = slow.await.expect("task");
    assert!(
        slow.is_err(),
        "the request sharing the connection was cut with it: {slow:?}"
    );
    // A new connection serves the next call.
    let again = c
        .get(format!("{}/ok", p.base_url()))
        .send()
        .await
        .expect("a new connection");
    assert_eq!(again.status(), 200);
}
