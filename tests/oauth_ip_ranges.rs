//! An app's `ip_ranges` over real loopback connections, straight to the mock org and through
//! the recording proxy: the org judges the address the connection came from, so a client
//! on this machine (127.0.0.1) is refused by an app locked to 10.0.0.0/8 whatever
//! `X-Forwarded-For` it sends, and accepted by an app that lists 127.0.0.1.

use serde_json::Value;
use sflab::org::{Org, OrgSeed};
use sflab::proxy::{self, ProxyConfig};
use sflab::redact::Redactor;

const SEED: &str = r#"
org: { name: IP Ranges Org }
users:
  - { username: integ@ip.test, last_name: Integ, ref: integ, profile: System Administrator }
apps:
  - { name: office_only, consumer_key: office-key, consumer_secret: office-secret, flows: [client_credentials], run_as: integ, ip_ranges: [10.0.0.0/8] }
  - { name: this_machine, consumer_key: local-key, consumer_secret: local-secret, flows: [client_credentials], run_as: integ, ip_ranges: [127.0.0.1] }
"#;

/// The org on a free loopback port (plain HTTP); its base URL and the stop signal.
async fn serve_org() -> (String, tokio::sync::oneshot::Sender<()>) {
    let org = Org::new(&OrgSeed::from_yaml(SEED).expect("seed")).expect("org");
    let listener = sflab::org::serve::bind_loopback(0).await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(sflab::org::serve::serve(listener, org, None, async {
        let _ = stopped.await;
    }));
    (format!("http://127.0.0.1:{port}"), stop)
}

/// A client_credentials call for `app` (`office` or `local`), with `X-Forwarded-For` when
/// given; the status and the error description (empty on success).
async fn client_credentials(base: &str, app: &str, forwarded: Option<&str>) -> (u16, String) {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let mut req = client
        .post(format!("{base}/services/oauth2/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&client_id={app}-key&client_secret={app}-secret"
        ));
    if let Some(f) = forwarded {
        req = req.header("X-Forwarded-For", f);
    }
    let r = req.send().await.expect("token call");
    let status = r.status().as_u16();
    let body: Value = r.json().await.expect("JSON");
    let description = body["error_description"].as_str().unwrap_or("").to_string();
    (status, description)
}

async fn assert_ranges_hold(base: &str) {
    for forwarded in [None, Some("10.1.1.1"), Some("garbage"), Some("8.8.8.8")] {
        let (status, description) = client_credentials(base, "office", forwarded).await;
        assert_eq!(status, 400, "{base} X-Forwarded-For {forwarded:?}");
        assert_eq!(description, "ip restricted", "{base} {forwarded:?}");
    }
    let (status, description) = client_credentials(base, "local", Some("10.1.1.1")).await;
    assert_eq!(status, 200, "{base}: {description}");
}

#[tokio::test]
async fn a_direct_call_from_this_machine_is_judged_by_its_own_address() {
    let (base, stop) = serve_org().await;
    assert_ranges_hold(&base).await;
    let _ = stop.send(());
}

#[tokio::test]
async fn a_call_through_the_recording_proxy_is_judged_by_its_own_address() {
    let (base, stop) = serve_org().await;
    let config = ProxyConfig::new(
        url::Url::parse(&base).expect("url"),
        Redactor::new(b"test-workspace-key"),
    );
    let running = proxy::start(config).await.expect("proxy starts");
    assert_ranges_hold(running.base_url()).await;
    running.shutdown().await;
    let _ = stop.send(());
}
