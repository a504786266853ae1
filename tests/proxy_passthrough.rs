//! What the recording proxy passes through as the org sent it — record data that holds the
//! org's address, compressed answers — and what it makes of requests that are broken on the
//! wire (a body cut short, a bad `Host`), against a small axum upstream on port 0.

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use sflab::proxy::{self, ProxyConfig, RunningProxy};
use sflab::redact::Redactor;
use std::io::{Read, Write};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn gzip(text: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text).unwrap();
    gz.finish().unwrap()
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// JSON, gzipped when the request asked for it, as the org's REST API answers.
fn json_answer(headers: &HeaderMap, value: Value) -> Response {
    let text = value.to_string();
    let wants_gzip = headers
        .get("accept-encoding")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    let ct = ("content-type", "application/json;charset=UTF-8");
    if wants_gzip {
        ([ct, ("content-encoding", "gzip")], gzip(text.as_bytes())).into_response()
    } else {
        ([ct], text).into_response()
    }
}

async fn start_upstream() -> url::Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let (o1, o2) = (origin.clone(), origin.clone());
    let app = Router::new()
        .route(
            "/services/oauth2/token",
            post(move |h: HeaderMap| async move {
                json_answer(
                    &h,
                    json!({"instance_url": o1, "id": format!("{o1}/id/00D/005")}),
                )
            }),
        )
        .route(
            "/services/data/v62.0/sobjects/Account/001",
            get(move |h: HeaderMap| async move {
                json_answer(&h, json!({"Id": "001", "Description": format!("{o2}/x")}))
            }),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url::Url::parse(&origin).unwrap()
}

async fn start_proxy() -> (RunningProxy, url::Url) {
    let upstream = start_upstream().await;
    let config = ProxyConfig::new(upstream.clone(), Redactor::new(b"test-workspace-key"));
    (proxy::start(config).await.unwrap(), upstream)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

#[tokio::test]
async fn record_data_holding_the_orgs_address_reads_back_as_saved_while_sign_in_urls_point_at_the_proxy(
) {
    let (p, upstream) = start_proxy().await;
    let org = upstream.as_str().trim_end_matches('/');
    let record: Value = client()
        .get(format!(
            "{}/services/data/v62.0/sobjects/Account/001",
            p.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        record["Description"],
        format!("{org}/x"),
        "record data unchanged"
    );
    let token: Value = client()
        .post(format!("{}/services/oauth2/token", p.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        token["instance_url"],
        p.base_url(),
        "the sign-in points at the proxy"
    );
    let recorded = p.recorder().exchanges();
    assert!(recorded[0]
        .response
        .as_ref()
        .unwrap()
        .body
        .text
        .contains(&format!("{org}/x")));
    p.shutdown().await;
}

#[tokio::test]
async fn a_client_that_asks_for_gzip_gets_the_orgs_compressed_answer_and_the_record_its_text() {
    let (p, upstream) = start_proxy().await;
    let org = upstream.as_str().trim_end_matches('/');
    let r = client()
        .get(format!(
            "{}/services/data/v62.0/sobjects/Account/001",
            p.base_url()
        ))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let text = gunzip(&r.bytes().await.unwrap());
    assert!(text.contains(&format!("{org}/x")), "{text}");
    // A compressed sign-in answer still points at the proxy, and stays compressed.
    let r = client()
        .post(format!("{}/services/oauth2/token", p.base_url()))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let token: Value = serde_json::from_str(&gunzip(&r.bytes().await.unwrap())).unwrap();
    assert_eq!(token["instance_url"], p.base_url());
    let recorded = p.recorder().exchanges();
    let body = &recorded[0].response.as_ref().unwrap().body;
    assert_eq!(
        body.json().unwrap()["Id"],
        "001",
        "the record holds the text"
    );
    assert_eq!(
        recorded[1].response_json().unwrap()["instance_url"],
        p.base_url()
    );
    p.shutdown().await;
}

/// Sends `request` as raw bytes, then reads until the proxy closes the connection.
async fn raw_call(p: &RunningProxy, request: &[u8], close_after_send: bool) -> String {
    let mut tcp = tokio::net::TcpStream::connect(p.addr()).await.unwrap();
    tcp.write_all(request).await.unwrap();
    if close_after_send {
        drop(tcp);
        return String::new();
    }
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

async fn recorded(p: &RunningProxy, n: usize) -> Vec<sflab::evidence::Exchange> {
    for _ in 0..100 {
        let all = p.recorder().exchanges();
        if all.len() >= n {
            return all;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    p.recorder().exchanges()
}

#[tokio::test]
async fn a_client_that_hangs_up_mid_body_is_recorded_with_no_response_not_a_413() {
    let (p, _) = start_proxy().await;
    let request = b"POST /services/data/v62.0/sobjects/Account HTTP/1.1\r\nHost: 127.0.0.1\r\n\
Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"Name\":\"Half";
    raw_call(&p, request, true).await;
    let all = recorded(&p, 1).await;
    assert_eq!(all.len(), 1);
    assert!(all[0].response.is_none(), "no answer was given");
    let error = all[0].error.as_deref().unwrap_or("");
    assert!(
        error.contains("the client closed the connection after 13 of 1000 body bytes"),
        "{error}"
    );
    p.shutdown().await;
}

#[tokio::test]
async fn a_bad_or_repeated_host_gets_400_and_a_local_name_in_capitals_is_served() {
    let (p, _) = start_proxy().await;
    let port = p.addr().port();
    let call = |host_lines: String| {
        format!("GET /services/data/v62.0/sobjects/Account/001 HTTP/1.1\r\n{host_lines}Connection: close\r\n\r\n")
    };
    let with_userinfo = raw_call(
        &p,
        call(format!("Host: 127.0.0.1:{port}@evil\r\n")).as_bytes(),
        false,
    )
    .await;
    assert!(with_userinfo.starts_with("HTTP/1.1 400"), "{with_userinfo}");
    let twice = call(format!("Host: 127.0.0.1:{port}\r\nHost: evil.example\r\n"));
    let twice = raw_call(&p, twice.as_bytes(), false).await;
    assert!(twice.starts_with("HTTP/1.1 400"), "{twice}");
    let capitals = raw_call(
        &p,
        call(format!("Host: LOCALHOST:{port}\r\n")).as_bytes(),
        false,
    )
    .await;
    assert!(capitals.starts_with("HTTP/1.1 200"), "{capitals}");
    let elsewhere = raw_call(&p, call("Host: evil.example\r\n".into()).as_bytes(), false).await;
    assert!(elsewhere.starts_with("HTTP/1.1 421"), "{elsewhere}");
    let all = recorded(&p, 4).await;
    let urls: Vec<&str> = all.iter().map(|e| e.request.url.as_str()).collect();
    assert!(
        urls.iter().all(|u| !u.contains("redacted")),
        "no port taken for a password: {urls:?}"
    );
    p.shutdown().await;
}

#[tokio::test]
async fn the_record_keeps_the_http_version_a_hostless_address_and_a_binary_bodys_bytes() {
    let (p, _) = start_proxy().await;
    let request = b"GET /services/data/v62.0/sobjects/Account/001 HTTP/1.0\r\n\r\n";
    let answer = raw_call(&p, request, false).await;
    assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
    let binary: &[u8] = &[0xff, 0xfe, 0x7b, 0x00];
    let r = client()
        .post(format!("{}/services/oauth2/token", p.base_url()))
        .header("content-type", "application/json")
        .body(binary.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let all = recorded(&p, 2).await;
    let hostless = &all[0].request;
    assert_eq!(hostless.http_version.as_deref(), Some("HTTP/1.0"));
    assert_eq!(
        hostless.url,
        format!("{}/services/data/v62.0/sobjects/Account/001", p.base_url())
    );
    assert_eq!(all[1].request.http_version.as_deref(), Some("HTTP/1.1"));
    let har = sflab::har::to_har(&all);
    let post = &har["log"]["entries"][1]["request"]["postData"];
    assert_eq!(
        post["_encoding"], "base64",
        "HAR 1.2 gives postData no encoding: a custom field"
    );
    assert_eq!(post["text"], "//57AA==");
    assert_eq!(
        all[1].request.body.text, "‹binary 4 bytes›",
        "the transcript's short form"
    );
    p.shutdown().await;
}
