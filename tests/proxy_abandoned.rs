//! A request whose client hangs up while the org is still answering (a client-side deadline on
//! a long poll, a program that was stopped) stays in the proxy's record and in the HAR, with no
//! response, so the numbers the verdicts cite have no gap.

use axum::routing::post;
use axum::Router;
use sflab::proxy::{self, ProxyConfig, RunningProxy};
use sflab::redact::Redactor;
use std::time::{Duration, Instant};

/// An upstream whose `/cometd/62.0` answers after `slow_ms` when the body asks for a connect,
/// at once otherwise.
async fn start_upstream(slow_ms: u64) -> url::Url {
    let app = Router::new().route(
        "/cometd/62.0",
        post(move |body: String| async move {
            if body.contains("/meta/connect") {
                tokio::time::sleep(Duration::from_millis(slow_ms)).await;
            }
            axum::Json(serde_json::json!([{"successful": true}]))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind upstream");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url::Url::parse(&format!("http://{addr}")).expect("url")
}

async fn call(p: &RunningProxy, channel: &str, timeout_ms: u64) -> reqwest::Result<String> {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(timeout_ms))
        .build()
        .expect("client")
        .post(format!("{}/cometd/62.0", p.base_url()))
        .header("Content-Type", "application/json")
        .body(format!(r#"[{{"channel": "{channel}"}}]"#))
        .send()
        .await?
        .text()
        .await
}

#[tokio::test]
async fn a_long_poll_the_client_abandons_is_recorded_and_numbered_in_the_transcript_and_the_har() {
    let url = start_upstream(3000).await;
    let p = proxy::start(ProxyConfig::new(url, Redactor::new(b"test-workspace-key")))
        .await
        .expect("proxy starts");
    call(&p, "/meta/handshake", 2000).await.expect("handshake");
    let t = Instant::now();
    assert!(
        call(&p, "/meta/connect", 300).await.is_err(),
        "the client's deadline comes first"
    );
    call(&p, "/meta/disconnect", 2000)
        .await
        .expect("disconnect");
    let deadline = Instant::now() + Duration::from_secs(2);
    while p.recorder().exchanges().len() < 3 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let records = p.recorder().exchanges();
    let seqs: Vec<u64> = records.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3], "no gap where the client left");
    let left = &records[1];
    assert!(
        left.request.body.text.contains("/meta/connect"),
        "{:?}",
        left.request.body
    );
    assert!(left.response.is_none(), "the client got no answer");
    assert!(
        left.error
            .as_deref()
            .unwrap_or("")
            .contains("closed the connection before the org's answer came"),
        "{:?}",
        left.error
    );
    assert!(
        t.elapsed() < Duration::from_millis(2500),
        "recorded when the client left, not when the org answered"
    );
    let har = sflab::har::to_har(&records);
    let entries = har["log"]["entries"].as_array().expect("entries");
    let numbered: Vec<(usize, u64)> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (i + 1, e["_seq"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(numbered, vec![(1, 1), (2, 2), (3, 3)], "entry n is #n");
    assert_eq!(entries[1]["response"]["status"], 0);
}
