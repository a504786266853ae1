//! The recording proxy against a small axum upstream on port 0: forwarding, URL rewriting,
//! every fault kind, HTTPS with a workspace-style CA, live streaming, and a scan of everything
//! stored (records and HAR) for the secrets that went through.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use sflab::proxy::{self, FaultSpec, ProxyConfig, RunningProxy, SessionExpirer};
use sflab::redact::Redactor;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLIENT_SECRET: &str = "F00dFaceCl1entSecretValue42";
const ACCESS_TOKEN: &str = "00D5g000004XyzA!AQ8AQHc2.freshAccessTokenValue_0001";
const REFRESH_TOKEN: &str = "5Aep861TSESvWeug_refreshTokenValue";

#[derive(Clone, Default)]
struct Upstream {
    origin: Arc<Mutex<String>>,
    expired: Arc<Mutex<Vec<String>>>,
    seen_bodies: Arc<Mutex<Vec<String>>>,
}

async fn token(State(u): State<Upstream>, headers: HeaderMap, body: String) -> Response {
    u.seen_bodies.lock().map(|mut b| b.push(body)).ok();
    let origin = u.origin.lock().map(|o| o.clone()).unwrap_or_default();
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_string();
    (
        [("x-seen-host", host)],
        Json(json!({
            "access_token": ACCESS_TOKEN,
            "refresh_token": REFRESH_TOKEN,
            "instance_url": origin,
            "id": format!("{origin}/id/00D5g000004XyzA/0055g00000AbCdE"),
            "token_type": "Bearer",
        })),
    )
        .into_response()
}

async fn query(State(u): State<Upstream>, headers: HeaderMap) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let token = auth.strip_prefix("Bearer ").unwrap_or("");
    let expired = u
        .expired
        .lock()
        .map(|e| e.iter().any(|t| t == token))
        .unwrap_or(false);
    if token != ACCESS_TOKEN || expired {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])),
        )
            .into_response();
    }
    Json(json!({"totalSize": 1, "done": true, "records": [{"Name": "Falcon"}]})).into_response()
}

/// A SOAP call: the session its `SessionHeader` names, or the org's fault (HTTP 500) when that
/// session has expired.
async fn soap_call(State(u): State<Upstream>, body: String) -> Response {
    let expired = u.expired.lock().map(|e| e.clone()).unwrap_or_default();
    let named = |t: &String| body.contains(&format!("<sessionId>{t}</sessionId>"));
    if !body.contains(&format!("<sessionId>{ACCESS_TOKEN}</sessionId>"))
        || expired.iter().any(named)
    {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            [("content-type", "text/xml;charset=UTF-8")],
            "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_SESSION_ID</faultcode></soapenv:Fault></soapenv:Body></soapenv:Envelope>",
        )
            .into_response();
    }
    (
        [("content-type", "text/xml;charset=UTF-8")],
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><queryResponse/></soapenv:Body></soapenv:Envelope>",
    )
        .into_response()
}

async fn upsert(Path(value): Path<String>) -> Response {
    (
        StatusCode::CREATED,
        Json(json!({"id": format!("001{value}"), "success": true, "errors": [], "created": true})),
    )
        .into_response()
}

async fn moved(State(u): State<Upstream>) -> Response {
    let origin = u.origin.lock().map(|o| o.clone()).unwrap_or_default();
    (
        StatusCode::FOUND,
        [("location", format!("{origin}/services/data"))],
    )
        .into_response()
}

/// The authorize endpoint of an app that approves at once: 302 to the callback with a code
/// and the state it was sent.
async fn authorize(axum::extract::RawQuery(query): axum::extract::RawQuery) -> Response {
    let state = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    (
        StatusCode::FOUND,
        [(
            "location",
            format!("http://localhost:8080/callback?code=aPrxCode%3D%3D&state={state}"),
        )],
    )
        .into_response()
}

async fn start_upstream() -> (Upstream, url::Url) {
    let state = Upstream::default();
    let app = Router::new()
        .route("/services/oauth2/token", post(token))
        .route("/services/data/v62.0/query", get(query))
        .route(
            "/services/data/v62.0/sobjects/Account/ERP_Id__c/{value}",
            patch(upsert),
        )
        .route("/moved", get(moved))
        .route("/services/Soap/u/{version}", post(soap_call))
        .route("/services/oauth2/authorize", get(authorize))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind upstream");
    let addr = listener.local_addr().expect("addr");
    let origin = format!("http://{addr}");
    *state.origin.lock().expect("lock") = origin.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (state, url::Url::parse(&origin).expect("url"))
}

fn faults(yaml: &str) -> Vec<FaultSpec> {
    serde_yaml::from_str(yaml).expect("fault YAML")
}

async fn start_proxy(upstream: &Upstream, url: &url::Url, fault_yaml: &str) -> RunningProxy {
    let redactor = Redactor::new(b"test-workspace-key");
    redactor.add_secret("client_secret", CLIENT_SECRET);
    let mut config = ProxyConfig::new(url.clone(), redactor);
    config.faults = faults(fault_yaml);
    let expired = upstream.expired.clone();
    let expire: SessionExpirer = Arc::new(move |token: &str| {
        if let Ok(mut e) = expired.lock() {
            e.push(token.to_string());
        }
    });
    config.expire_session = Some(expire);
    proxy::start(config).await.expect("proxy starts")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn get_token(p: &RunningProxy) -> reqwest::Response {
    client()
        .post(format!("{}/services/oauth2/token", p.base_url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&client_id=3MVG9lab&client_secret={CLIENT_SECRET}"
        ))
        .send()
        .await
        .expect("token call")
}

async fn query_with_token(p: &RunningProxy) -> reqwest::Result<reqwest::Response> {
    client()
        .get(format!(
            "{}/services/data/v62.0/query?q=SELECT+Name+FROM+Account",
            p.base_url()
        ))
        .bearer_auth(ACCESS_TOKEN)
        .send()
        .await
}

/// Fails if any secret value appears in anything stored: the records or the HAR.
fn assert_no_secrets(p: &RunningProxy) {
    let records = serde_json::to_string(&p.recorder().exchanges()).expect("serialise");
    let har = sflab::har::to_har_string(&p.recorder().exchanges());
    for stored in [&records, &har] {
        for secret in [CLIENT_SECRET, ACCESS_TOKEN, REFRESH_TOKEN, "AQ8AQHc2"] {
            assert!(!stored.contains(secret), "{secret} leaked into {stored}");
        }
    }
}

#[tokio::test]
async fn forwards_unchanged_rewrites_urls_and_stores_only_redacted_copies() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(&upstream, &url, "[]").await;
    let resp = get_token(&p).await;
    assert_eq!(resp.status(), 200);
    let seen_host = resp
        .headers()
        .get("x-seen-host")
        .and_then(|h| h.to_str().ok())
        .map(String::from);
    assert_eq!(
        seen_host.as_deref(),
        url.host_str()
            .map(|h| format!("{h}:{}", url.port().unwrap_or(80)))
            .as_deref()
    );
    let body: Value = resp.json().await.expect("json");
    assert_eq!(
        body["access_token"], ACCESS_TOKEN,
        "the client gets the real token"
    );
    assert_eq!(
        body["instance_url"],
        p.base_url(),
        "URLs point back at the proxy"
    );
    assert!(body["id"].as_str().unwrap_or("").starts_with(p.base_url()));
    let forwarded = upstream.seen_bodies.lock().expect("lock").clone();
    assert!(
        forwarded[0].contains(&format!("client_secret={CLIENT_SECRET}")),
        "forwarded unchanged"
    );

    assert_eq!(query_with_token(&p).await.expect("query").status(), 200);
    let records = p.recorder().exchanges();
    assert_eq!(records.len(), 2);
    let token_x = &records[0];
    assert!(token_x
        .request
        .body
        .text
        .contains("client_secret=‹redacted:client_secret#"));
    let issued = token_x.response_json().expect("json")["access_token"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let used = records[1].request_header("authorization").unwrap_or("");
    assert_eq!(used, format!("Bearer {issued}"), "same token, same marker");
    assert_no_secrets(&p);
    p.shutdown().await;
}

#[tokio::test]
async fn redirects_are_passed_back_not_followed() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(&upstream, &url, "[]").await;
    let resp = client()
        .get(format!("{}/moved", p.base_url()))
        .send()
        .await
        .expect("call");
    assert_eq!(resp.status(), 302);
    let loc = resp.headers().get("location").and_then(|h| h.to_str().ok());
    assert_eq!(
        loc,
        Some(format!("{}/services/data", p.base_url()).as_str())
    );
}

#[tokio::test]
async fn a_head_answer_keeps_the_content_length_the_get_would_have() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(&upstream, &url, "[]").await;
    let got = query_with_token(&p).await.expect("get");
    let get_len = got.bytes().await.expect("body").len();
    let head = client()
        .head(format!(
            "{}/services/data/v62.0/query?q=SELECT+Name+FROM+Account",
            p.base_url()
        ))
        .bearer_auth(ACCESS_TOKEN)
        .send()
        .await
        .expect("head");
    assert_eq!(head.status(), 200);
    let len = head
        .headers()
        .get("content-length")
        .and_then(|h| h.to_str().ok())
        .map(String::from);
    assert_eq!(len, Some(get_len.to_string()));
}

#[tokio::test]
async fn rate_limited_answers_429_with_retry_after_and_records_the_fault() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(
        &upstream,
        &url,
        "- { kind: rate_limited, retry_after: 2, match: { path: /services/data/*/query }, nth: 1 }",
    )
    .await;
    let first = query_with_token(&p).await.expect("call");
    assert_eq!(first.status(), 429);
    assert_eq!(
        first
            .headers()
            .get("retry-after")
            .and_then(|h| h.to_str().ok()),
        Some("2")
    );
    let date = first.headers().get("date").and_then(|h| h.to_str().ok());
    assert!(
        date.is_some_and(|d| d.ends_with(" GMT")),
        "an injected answer carries Date as the org's own do: {date:?}"
    );
    let body: Value = first.json().await.expect("json");
    assert_eq!(
        body["message"], "API rate limit exceeded",
        "a gateway's throttle, not the org's REQUEST_LIMIT_EXCEEDED (which says stop, not wait)"
    );
    assert_eq!(
        query_with_token(&p).await.expect("call").status(),
        200,
        "nth: 1 fires once"
    );
    let records = p.recorder().exchanges();
    let fault = records[0].fault.as_ref().expect("fault recorded");
    assert_eq!(fault.kind, "rate_limited");
    assert!(fault.action.contains("429"));
    assert!(records[1].fault.is_none());
}

#[tokio::test]
async fn a_device_login_a_fault_denied_stays_denied_on_every_later_poll() {
    // The org behind the proxy would hand out a token on every poll (as once approved).
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(
        &upstream,
        &url,
        r#"- { match: { method: POST, path: /services/oauth2/token, body: "grant_type=device" }, nth: 1,
      respond: { status: 400, body: { error: access_denied, error_description: end-user denied authorization } } }"#,
    )
    .await;
    let poll = |code: &'static str| {
        let base = p.base_url();
        async move {
            let r = client()
                .post(format!("{base}/services/oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(format!("grant_type=device&client_id=3MVG9lab&code={code}"))
                .send()
                .await
                .expect("poll");
            (r.status().as_u16(), r.json::<Value>().await.expect("json"))
        }
    };
    for _ in 0..3 {
        let (status, body) = poll("DEVICECODE1").await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("access_denied"))
        );
    }
    let (status, body) = poll("DEVICECODE2").await;
    assert_eq!(status, 200, "another device login goes on: {body}");
    let records = p.recorder().exchanges();
    assert!(records[..3].iter().all(|e| e.fault.is_some()));
    let again = &records[1].fault.as_ref().expect("marked").action;
    assert!(again.contains("RFC 8628"), "{again}");
    assert_eq!(
        upstream.seen_bodies.lock().unwrap().len(),
        1,
        "only the other login"
    );
}

#[tokio::test]
async fn unavailable_and_lock_row_answer_salesforce_shaped_errors() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(
        &upstream,
        &url,
        "- { kind: unavailable, match: { method: GET } }\n- { kind: lock_row, match: { method: PATCH } }",
    )
    .await;
    let r = query_with_token(&p).await.expect("call");
    assert_eq!(r.status(), 503);
    let r = client()
        .patch(format!(
            "{}/services/data/v62.0/sobjects/Account/ERP_Id__c/A-1",
            p.base_url()
        ))
        .bearer_auth(ACCESS_TOKEN)
        .json(&json!({"Name": "Falcon"}))
        .send()
        .await
        .expect("call");
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body[0]["errorCode"], "UNABLE_TO_LOCK_ROW");
}

#[tokio::test]
async fn session_expired_really_expires_the_token_in_the_org() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(
        &upstream,
        &url,
        "- { kind: session_expired, match: { path: /services/data/*/query }, nth: 2 }",
    )
    .await;
    assert_eq!(query_with_token(&p).await.expect("call").status(), 200);
    let r = query_with_token(&p).await.expect("call");
    assert_eq!(r.status(), 401, "the org itself answers 401");
    let body: Value = r.json().await.expect("json");
    assert_eq!(body[0]["errorCode"], "INVALID_SESSION_ID");
    assert_eq!(
        upstream.expired.lock().expect("lock").as_slice(),
        [ACCESS_TOKEN]
    );
    assert_eq!(
        query_with_token(&p).await.expect("call").status(),
        401,
        "still expired"
    );
    assert_no_secrets(&p);
}

fn soap_query_envelope() -> String {
    format!(
        "<?xml version=\"1.0\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:urn=\"urn:partner.soap.sforce.com\"><soapenv:Header><urn:SessionHeader><sessionId>{ACCESS_TOKEN}</sessionId></urn:SessionHeader></soapenv:Header><soapenv:Body><urn:query><urn:queryString>SELECT Id FROM Account</urn:queryString></urn:query></soapenv:Body></soapenv:Envelope>"
    )
}

#[tokio::test]
async fn session_expired_on_a_soap_call_expires_the_session_its_header_names() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(
        &upstream,
        &url,
        "- { kind: session_expired, match: { method: POST, path: \"/services/Soap/u/*\" } }",
    )
    .await;
    let r = client()
        .post(format!("{}/services/Soap/u/62.0", p.base_url()))
        .header("Content-Type", "text/xml; charset=UTF-8")
        .header("SOAPAction", "\"\"")
        .body(soap_query_envelope())
        .send()
        .await
        .expect("soap call");
    assert_eq!(
        r.status(),
        500,
        "the org's own fault for the expired session"
    );
    let text = r.text().await.expect("body");
    assert!(text.contains("sf:INVALID_SESSION_ID"), "{text}");
    assert_eq!(
        upstream.expired.lock().expect("lock").as_slice(),
        [ACCESS_TOKEN]
    );
    assert_eq!(
        query_with_token(&p).await.expect("call").status(),
        401,
        "the same session, used as a bearer token, has ended too"
    );
    assert_no_secrets(&p);
}

#[tokio::test]
async fn session_expired_finds_the_session_of_a_sid_cookie() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(&upstream, &url, "- { kind: session_expired, nth: 1 }").await;
    client()
        .get(format!("{}/moved", p.base_url()))
        .header("Cookie", format!("sid={ACCESS_TOKEN}"))
        .send()
        .await
        .expect("call");
    assert_eq!(
        upstream.expired.lock().expect("lock").as_slice(),
        [ACCESS_TOKEN]
    );
}

#[tokio::test]
async fn latency_delays_then_forwards() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(&upstream, &url, "- { kind: latency, delay_ms: 300 }").await;
    let t = Instant::now();
    assert_eq!(query_with_token(&p).await.expect("call").status(), 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    let x = &p.recorder().exchanges()[0];
    assert!(x.elapsed_ms() >= 300);
    assert_eq!(x.fault.as_ref().map(|f| f.kind.as_str()), Some("latency"));
}

#[tokio::test]
async fn a_client_that_times_out_during_a_delay_is_still_recorded() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(
        &upstream,
        &url,
        "- { kind: latency, delay_ms: 3000, nth: 1, at: request }",
    )
    .await;
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let gave_up = impatient
        .get(format!(
            "{}/services/data/v62.0/query?q=SELECT+Name+FROM+Account",
            p.base_url()
        ))
        .bearer_auth(ACCESS_TOKEN)
        .send()
        .await;
    assert!(gave_up.is_err(), "the client times out first");
    let deadline = Instant::now() + Duration::from_secs(2);
    while p.recorder().exchanges().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let records = p.recorder().exchanges();
    assert_eq!(
        records.len(),
        1,
        "the abandoned request is in the transcript"
    );
    assert!(records[0].response.is_none());
    assert_eq!(
        records[0].fault.as_ref().map(|f| f.kind.as_str()),
        Some("latency")
    );
    assert!(records[0]
        .error
        .as_deref()
        .unwrap_or("")
        .contains("timed out"));
    assert_no_secrets(&p);
}

/// A token request from a client that gives up after 300 ms.
async fn impatient_token_call(p: &RunningProxy) -> reqwest::Result<reqwest::Response> {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client")
        .post(format!("{}/services/oauth2/token", p.base_url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&client_id=3MVG9lab&client_secret={CLIENT_SECRET}"
        ))
        .send()
        .await
}

/// The records of `p` once there are `n`, waiting up to 3 seconds.
async fn records_once(p: &RunningProxy, n: usize) -> Vec<sflab::evidence::Exchange> {
    let deadline = Instant::now() + Duration::from_secs(3);
    while p.recorder().exchanges().len() < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    p.recorder().exchanges()
}

#[tokio::test]
async fn latency_holds_back_the_answer_so_a_client_that_gives_up_still_had_its_call_done() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(
        &upstream,
        &url,
        "- { kind: latency, delay_ms: 3000, match: { path: /services/oauth2/token }, nth: 1 }",
    )
    .await;
    let t = Instant::now();
    assert!(
        impatient_token_call(&p).await.is_err(),
        "the client gives up"
    );
    let records = records_once(&p, 1).await;
    assert!(
        t.elapsed() < Duration::from_millis(2500),
        "recorded when the client hung up, not when the hold ended"
    );
    assert_eq!(
        upstream.seen_bodies.lock().expect("lock").len(),
        1,
        "the org got the request although the client gave up"
    );
    assert_eq!(records.len(), 1);
    let x = &records[0];
    assert!(x.response.is_none(), "the client got no answer");
    let error = x.error.as_deref().unwrap_or("");
    assert!(error.contains("never got the answer"), "{error}");
    assert!(error.contains("what it did stands"), "{error}");
    assert!(
        error.contains("The org's answer, which the client never got: 200 ")
            && error.contains("‹redacted:access_token#"),
        "the org's answer is quoted, redacted: {error}"
    );
    let action = x.fault.as_ref().map(|f| f.action.as_str()).unwrap_or("");
    assert!(
        action.contains("held the org's answer back 3000 ms"),
        "{action}"
    );
    assert_no_secrets(&p);
}

#[tokio::test]
async fn latency_at_request_keeps_an_abandoned_request_from_the_org() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(
        &upstream,
        &url,
        "- { kind: latency, delay_ms: 3000, at: request, nth: 1 }",
    )
    .await;
    assert!(
        impatient_token_call(&p).await.is_err(),
        "the client gives up"
    );
    let records = records_once(&p, 1).await;
    assert_eq!(records.len(), 1, "the abandoned request is recorded");
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert!(
        upstream.seen_bodies.lock().expect("lock").is_empty(),
        "the org never got it"
    );
}

#[tokio::test]
async fn drop_at_answer_cuts_the_connection_after_the_org_did_the_work() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(&upstream, &url, "- { kind: drop, at: answer, nth: 1 }").await;
    let cut = client()
        .post(format!("{}/services/oauth2/token", p.base_url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&client_id=3MVG9lab")
        .send()
        .await;
    assert!(cut.is_err(), "no response reaches the client");
    assert_eq!(upstream.seen_bodies.lock().expect("lock").len(), 1);
    let records = records_once(&p, 1).await;
    assert!(records[0].response.is_none());
    let error = records[0].error.as_deref().unwrap_or("");
    assert!(
        error.contains("closed the connection instead of delivering the org's answer")
            && error.contains("never got: 200 "),
        "{error}"
    );
    assert_no_secrets(&p);
}

#[tokio::test]
async fn drop_by_default_loses_the_request_before_the_org() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(&upstream, &url, "- { kind: drop, nth: 1 }").await;
    assert!(impatient_token_call(&p).await.is_err());
    assert!(upstream.seen_bodies.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn drop_closes_the_connection_and_records_the_error() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(&upstream, &url, "- { kind: drop, nth: 1 }").await;
    assert!(
        query_with_token(&p).await.is_err(),
        "no response reaches the client"
    );
    assert_eq!(
        query_with_token(&p).await.expect("second call").status(),
        200
    );
    let records = p.recorder().exchanges();
    assert!(records[0].response.is_none());
    assert!(records[0]
        .error
        .as_deref()
        .unwrap_or("")
        .contains("closed the connection"));
    let har = sflab::har::to_har(&records);
    assert_eq!(har["log"]["entries"][0]["response"]["status"], 0);
}

#[tokio::test]
async fn exchanges_stream_live_to_subscribers_with_their_run() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(&upstream, &url, "[]").await;
    let mut rx = p.recorder().subscribe();
    let mut pending = p.recorder().subscribe_pending();
    p.recorder().set_run_index(1);
    get_token(&p).await;
    let started = pending.try_recv().expect("announced on arrival");
    assert_eq!((started.seq, started.method.as_str()), (1, "POST"));
    let x = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("in time")
        .expect("an exchange");
    assert_eq!((x.seq, x.run_index, x.status()), (1, 1, Some(200)));
}

#[tokio::test]
async fn requests_for_other_hosts_are_refused() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(&upstream, &url, "[]").await;
    let r = client()
        .get(format!("{}/services/data/v62.0/query", p.base_url()))
        .header("Host", "evil.example:80")
        .send()
        .await
        .expect("call");
    assert_eq!(r.status(), 421);
}

struct TestCa {
    ca_pem: String,
    server: Arc<rustls::ServerConfig>,
}

fn test_ca() -> TestCa {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("ca");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .expect("params")
        .signed_by(&leaf_key, &ca, &ca_key)
        .expect("leaf");
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let mut server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone()], key)
    .expect("server config");
    server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    TestCa {
        ca_pem: ca.pem(),
        server: Arc::new(server),
    }
}

#[tokio::test]
async fn https_proxy_chains_to_an_https_upstream_trusting_a_custom_ca() {
    let (upstream, url) = start_upstream().await;
    let ca = test_ca();
    // An HTTPS proxy in front of the plain upstream plays the org's HTTPS listener...
    let mut inner_config = ProxyConfig::new(url, Redactor::new(b"k"));
    inner_config.tls = Some(ca.server.clone());
    let inner = proxy::start(inner_config).await.expect("inner");
    // ...and the proxy under test reaches it, trusting only the workspace CA.
    let mut config = ProxyConfig::new(
        url::Url::parse(inner.base_url()).expect("url"),
        Redactor::new(b"k"),
    );
    config.tls = Some(ca.server.clone());
    config.upstream_root_ca_pem = Some(ca.ca_pem.clone().into_bytes());
    let outer = proxy::start(config).await.expect("outer");
    assert!(outer.base_url().starts_with("https://127.0.0.1:"));
    let trusting = reqwest::Client::builder()
        .no_proxy()
        .add_root_certificate(reqwest::Certificate::from_pem(ca.ca_pem.as_bytes()).expect("pem"))
        .build()
        .expect("client");
    let r = trusting
        .post(format!("{}/services/oauth2/token", outer.base_url()))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("https call");
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("json");
    assert_eq!(
        body["instance_url"],
        outer.base_url(),
        "rewritten through both proxies"
    );
    assert_eq!(upstream.seen_bodies.lock().expect("lock").len(), 1);
    let untrusting = client()
        .get(format!("{}/services/data/v62.0/query", outer.base_url()))
        .send()
        .await;
    assert!(untrusting.is_err(), "a client without the CA is refused");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let notes = outer.recorder().connection_errors();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("may not trust the sflab CA")),
        "{notes:?}"
    );
}

/// Overhead of the proxy per request (run with `--ignored --nocapture`; prints figures).
#[tokio::test]
#[ignore]
async fn proxy_overhead_per_request() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(&upstream, &url, "[]").await;
    let c = client();
    let n = 500;
    let time = |base: String| {
        let c = c.clone();
        async move {
            let t = Instant::now();
            for _ in 0..n {
                let r = c
                    .get(format!(
                        "{base}/services/data/v62.0/query?q=SELECT+Name+FROM+Account"
                    ))
                    .bearer_auth(ACCESS_TOKEN)
                    .send()
                    .await
                    .expect("call");
                assert_eq!(r.status(), 200);
                r.bytes().await.expect("body");
            }
            t.elapsed() / n
        }
    };
    let direct = time(url.as_str().trim_end_matches('/').to_string()).await;
    let proxied = time(p.base_url().to_string()).await;
    println!("per request: direct {direct:?}, through the proxy {proxied:?} ({n} requests, recorded and redacted)");
    assert_eq!(p.recorder().exchanges().len(), n as usize);
}

/// Recorded traffic judged by a rule: the gap the proxy measures is what Retry-After governs.
#[tokio::test]
async fn recorded_timing_is_judged_by_the_retry_after_rule() {
    let rule: sflab::rules::RuleSpec =
        serde_yaml::from_str("{ rule: retry.honors_retry_after, points: 2 }").expect("rule");
    for (wait_ms, should_pass) in [(1000u64, true), (50, false)] {
        let (upstream, url) = start_upstream().await;
        let p = start_proxy(
            &upstream,
            &url,
            "- { kind: rate_limited, retry_after: 1, nth: 1 }",
        )
        .await;
        let first = query_with_token(&p).await.expect("call");
        assert_eq!(first.status(), 429);
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        assert_eq!(query_with_token(&p).await.expect("retry").status(), 200);
        let evidence = sflab::evidence::Evidence {
            exchanges: p.recorder().exchanges(),
            ..Default::default()
        };
        let verdict = rule.check(&evidence);
        assert_eq!(verdict.passed(), should_pass, "{}", verdict.message);
        assert_eq!(verdict.evidence, vec![1, 2]);
    }
}

#[tokio::test]
async fn an_unreachable_org_gives_502_and_an_error_without_secrets() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url =
        url::Url::parse(&format!("http://{}", closed.local_addr().expect("addr"))).expect("url");
    drop(closed);
    let p = proxy::start(ProxyConfig::new(url, Redactor::new(b"k")))
        .await
        .expect("proxy");
    let r = client()
        .get(format!(
            "{}/services/oauth2/authorize?code=SecretCodeValue1234",
            p.base_url()
        ))
        .send()
        .await
        .expect("call");
    assert_eq!(r.status(), 502);
    let records = p.recorder().exchanges();
    assert!(records[0]
        .error
        .as_deref()
        .unwrap_or("")
        .contains("could not be reached"));
    let stored = serde_json::to_string(&records).expect("json");
    assert!(!stored.contains("SecretCodeValue1234"), "{stored}");
}

#[tokio::test]
async fn forge_state_changes_the_state_of_the_redirect_in_its_run_only() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(
        &upstream,
        &url,
        "- { kind: forge_state, in_run: 2, match: { method: GET, path: /services/oauth2/authorize } }",
    )
    .await;
    let location = |r: &reqwest::Response| {
        r.headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let sign_in = || {
        client()
            .get(format!(
                "{}/services/oauth2/authorize?response_type=code&state=mine123",
                p.base_url()
            ))
            .send()
    };
    let r = sign_in().await.expect("call");
    assert_eq!(r.status(), 302);
    assert!(
        location(&r).ends_with("&state=mine123"),
        "run 1 is untouched: {}",
        location(&r)
    );
    p.recorder().set_run_index(1);
    let r = sign_in().await.expect("call");
    assert_eq!(r.status(), 302);
    let forged = location(&r);
    assert!(
        forged.starts_with("http://localhost:8080/callback?code=aPrxCode%3D%3D&state="),
        "the code is left as the org issued it: {forged}"
    );
    assert!(
        !forged.ends_with("state=mine123"),
        "run 2's state is forged: {forged}"
    );
    let records = p.recorder().exchanges();
    assert!(records[0].fault.is_none());
    let fault = records[1].fault.as_ref().expect("marked as a fault");
    assert_eq!(fault.kind, "forge_state");
    assert!(
        fault.action.contains("changed the `state`"),
        "{}",
        fault.action
    );
}

#[tokio::test]
async fn a_sign_in_fault_on_an_answer_with_no_redirect_is_not_reported_and_not_spent() {
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(
        &upstream,
        &url,
        "- { kind: forge_state, times: 1, match: { path: \"/services/**\" } }\n\
         - { kind: tamper_id_token, match: { method: PATCH } }",
    )
    .await;
    assert_eq!(query_with_token(&p).await.expect("query").status(), 200);
    let upsert = client()
        .patch(format!(
            "{}/services/data/v62.0/sobjects/Account/ERP_Id__c/E1",
            p.base_url()
        ))
        .json(&json!({"Name": "Acme"}))
        .send()
        .await
        .expect("upsert");
    assert_eq!(upsert.status(), 201);
    let r = client()
        .get(format!(
            "{}/services/oauth2/authorize?response_type=code&state=mine123",
            p.base_url()
        ))
        .send()
        .await
        .expect("sign in");
    let location = r.headers()["location"].to_str().unwrap_or_default();
    assert!(
        !location.ends_with("state=mine123"),
        "times: 1 was kept for the redirect"
    );
    let records = p.recorder().exchanges();
    assert!(records[0].fault.is_none(), "{:?}", records[0].fault);
    assert!(records[1].fault.is_none(), "{:?}", records[1].fault);
    assert_eq!(
        records[2].fault.as_ref().map(|f| f.kind.as_str()),
        Some("forge_state")
    );
}

#[tokio::test]
async fn a_uri_too_long_for_the_http_library_gets_the_explained_414_through_the_proxy() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (upstream, url) = start_upstream().await;
    let p = start_proxy(&upstream, &url, "[]").await;
    let name = "a".repeat(70_000);
    let mut stream = tokio::net::TcpStream::connect(p.addr()).await.unwrap();
    let request = format!(
        "GET /services/data/v62.0/query?q=SELECT+Id+FROM+Account+WHERE+Name='{name}' HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        p.addr()
    );
    // The proxy may answer and close before reading it all.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    assert!(head.starts_with("HTTP/1.1 414 "), "{head}");
    let body: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    assert_eq!(body[0]["errorCode"], "URI_TOO_LONG", "{text}");
}
