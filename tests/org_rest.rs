//! The mock org over a real loopback listener: HTTPS with the workspace's generated CA, the
//! Host check, and the identity URL built from the address the client used. (Request-level
//! tests of every endpoint are unit tests in `src/org/rest/tests/`.)

use serde_json::Value;
use sflab::org::rest::static_token::issue_static_token;
use sflab::org::Org;

/// The default org served over plain HTTP on a free loopback port, with a token for its admin.
struct Served {
    port: u16,
    login: sflab::org::rest::static_token::StaticLogin,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Served {
    async fn start() -> Served {
        let org = Org::default_org();
        let login = issue_static_token(&org, None).unwrap();
        let listener = sflab::org::serve::bind_loopback(0).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(sflab::org::serve::serve(listener, org, None, async {
            let _ = stopped.await;
        }));
        Served {
            port,
            login,
            stop,
            server,
        }
    }

    async fn stop(self) {
        self.stop.send(()).unwrap();
        self.server.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn a_real_https_listener_serves_with_the_generated_ca_and_checks_host() {
    let ws = tempfile::tempdir().unwrap();
    let ca = sflab::org::tls::LocalCa::load_or_create(ws.path()).unwrap();
    let tls = ca.server_config().unwrap();
    let org = Org::default_org();
    let login = issue_static_token(&org, None).unwrap();
    let listener = sflab::org::serve::bind_loopback(0).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(sflab::org::serve::serve(listener, org, Some(tls), async {
        let _ = stopped.await;
    }));
    let pem = std::fs::read(&ca.cert_path).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    let base = format!("https://localhost:{port}");
    let r = client
        .get(format!(
            "{base}/services/data/v59.0/query?q=SELECT+Name+FROM+Account"
        ))
        .bearer_auth(&login.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["sforce-limit-info"]
        .to_str()
        .unwrap()
        .starts_with("api-usage="));
    let body: Value = r.json().await.unwrap();
    assert!(body["totalSize"].as_u64().unwrap() >= 4);
    let ids = client
        .get(format!("https://127.0.0.1:{port}/services/data/v59.0"))
        .bearer_auth(&login.token)
        .send()
        .await
        .unwrap();
    let map: Value = ids.json().await.unwrap();
    assert!(map["identity"]
        .as_str()
        .unwrap()
        .starts_with(&format!("https://127.0.0.1:{port}/id/")));
    let rebound = client
        .get(format!("{base}/services/data"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 421);
    // Plain HTTP to the HTTPS port is answered in words, and the port keeps serving.
    let plain = reqwest::Client::new()
        .post(format!(
            "http://127.0.0.1:{port}/services/data/v59.0/sobjects/Account"
        ))
        .header("content-type", "application/json")
        .body(r#"{"Name":"Plain"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 400);
    let said: Value = plain.json().await.unwrap();
    assert!(
        said[0]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("https://127.0.0.1:{port}/")),
        "{said}"
    );
    let still = client
        .get(format!("{base}/services/data"))
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), 200);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn search_parameterized_search_and_explain_answer_over_a_loopback_listener() {
    let served = Served::start().await;
    let (port, login) = (served.port, &served.login);
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}/services/data/v62.0");
    let get = |path: String| {
        client
            .get(format!("{base}{path}"))
            .bearer_auth(&login.token)
            .send()
    };

    let sosl = "FIND {\"Juniper Health\"} RETURNING Account(Name), Opportunity(Name ORDER BY Name)";
    let r = get(format!(
        "/search?q={}",
        percent_encoding::utf8_percent_encode(sosl, percent_encoding::NON_ALPHANUMERIC)
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let found: Vec<(&str, &str)> = body["searchRecords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["attributes"]["type"].as_str().unwrap(),
                x["Name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("Account", "Juniper Health"),
            ("Opportunity", "Juniper Health - Pilot")
        ]
    );

    let r = client
        .post(format!("{base}/parameterizedSearch"))
        .bearer_auth(&login.token)
        .json(&serde_json::json!({"q": "juniper", "in": "EMAIL",
                                  "sobjects": [{"name": "Contact", "fields": ["LastName"]}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["searchRecords"][0]["LastName"], "Okafor");

    let r = get("/search?q=FIND+%7Bx%7D".into()).await.unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body[0]["errorCode"], "INVALID_SEARCH");

    let r = get("/query?explain=SELECT+Id+FROM+Account+WHERE+ERP_Id__c+=+'A-1001'".into())
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["plans"][0]["leadingOperationType"], "Index");
    assert_eq!(body["plans"][0]["cardinality"], 1);
    served.stop().await;
}

#[tokio::test]
async fn oauth_error_pages_and_identity_errors_keep_their_own_bodies_through_the_gateway() {
    let served = Served::start().await;
    let port = served.port;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    // An unknown client is never redirected: the browser sees the HTML error page naming it.
    let page = client
        .get(format!(
            "{base}/services/oauth2/authorize?response_type=code&client_id=nobody&redirect_uri=http%3A%2F%2Flocalhost%3A1717%2Fcb"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("error=invalid_client_id"), "{html}");
    // The identity URL answers a missing token in plain text, not the REST API's JSON.
    let id = client
        .get(format!("{base}/id/00D000000000001AAA/005000000000001AAA"))
        .send()
        .await
        .unwrap();
    assert_eq!(id.status(), 403);
    assert_eq!(id.text().await.unwrap(), "Missing_OAuth_Token");
    // axum's own plain-text answers on the data API are still reshaped as Salesforce JSON.
    let wrong = client
        .delete(format!("{base}/services/data"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 405);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body[0]["errorCode"], "METHOD_NOT_ALLOWED");
    served.stop().await;
}

#[tokio::test]
async fn a_refusal_before_the_body_matters_still_reads_it_and_the_connection_serves_the_next_call()
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let served = Served::start().await;
    let (port, login) = (served.port, &served.login);
    let mut sock = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    // One keep-alive connection: a 200 KB upload refused for its token, then a good call.
    let big = "x".repeat(200 * 1024);
    let refused = format!(
        "PUT /services/data/v62.0/jobs/ingest/7505g000000000001AAA/batches HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer 00Dnot!valid\r\nContent-Type: text/csv\r\nContent-Length: {}\r\n\r\n{big}",
        big.len()
    );
    sock.write_all(refused.as_bytes()).await.unwrap();
    let next = format!(
        "GET /services/data/v62.0/limits HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {}\r\n\r\n",
        login.token
    );
    sock.write_all(next.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buf = vec![0u8; 65536];
    while !String::from_utf8_lossy(&got).contains("DailyApiRequests") {
        let n = tokio::time::timeout(std::time::Duration::from_secs(5), sock.read(&mut buf))
            .await
            .expect("the second answer arrives")
            .unwrap();
        assert!(
            n > 0,
            "the connection was closed: {}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 401"), "{text}");
    assert!(text.contains("HTTP/1.1 200"), "{text}");
    assert!(
        !text.to_ascii_lowercase().contains("connection: close"),
        "{text}"
    );
    served.stop().await;
}

#[tokio::test]
async fn gzipped_requests_are_read_and_answers_are_gzipped_when_asked() {
    use std::io::{Read, Write};
    let served = Served::start().await;
    let (port, login) = (served.port, &served.login);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(br#"{"Name":"Compressed Co"}"#).unwrap();
    let body = gz.finish().unwrap();
    let r = reqwest::Client::new()
        .post(format!(
            "http://127.0.0.1:{port}/services/data/v62.0/sobjects/Account"
        ))
        .bearer_auth(&login.token)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .header("accept-encoding", "gzip")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let zipped = r.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&zipped[..])
        .read_to_string(&mut text)
        .unwrap();
    let saved: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(saved["success"], true);
    // Without Accept-Encoding the answer is plain.
    let plain = reqwest::Client::new()
        .get(format!(
            "http://127.0.0.1:{port}/services/data/v62.0/limits"
        ))
        .bearer_auth(&login.token)
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    served.stop().await;
}

/// A CSV body well over the largest body the org reads (150 MiB and a little): more is left
/// to send after the cap than the connection's buffers hold.
const OVERSIZED_UPLOAD: usize = 200 * 1024 * 1024;

async fn open_ingest_job(port: u16, token: &str) -> String {
    let job: Value = reqwest::Client::new()
        .post(format!(
            "http://127.0.0.1:{port}/services/data/v62.0/jobs/ingest"
        ))
        .bearer_auth(token)
        .json(&serde_json::json!({"object":"Account","operation":"insert"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    job["id"].as_str().unwrap().to_string()
}

fn assert_upload_cap_refusal(body: &Value) {
    assert_eq!(body[0]["errorCode"], "EXCEEDED_QUOTA", "{body}");
    let message = body[0]["message"].as_str().unwrap();
    assert!(message.contains("to 266.7 MB of base64"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzipped_upload_inflating_past_the_cap_gets_the_jobs_own_refusal() {
    use std::io::Write;
    let served = Served::start().await;
    let (port, login) = (served.port, &served.login);
    let job = open_ingest_job(port, &login.token).await;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"Name\n").unwrap();
    let row = b"Inflated Account\n".repeat(64 * 1024);
    for _ in 0..(OVERSIZED_UPLOAD / row.len()) {
        gz.write_all(&row).unwrap();
    }
    let body = gz.finish().unwrap();
    let r = reqwest::Client::new()
        .put(format!(
            "http://127.0.0.1:{port}/services/data/v62.0/jobs/ingest/{job}/batches"
        ))
        .bearer_auth(&login.token)
        .header("content-type", "text/csv")
        .header("content-encoding", "gzip")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body[0]["errorCode"], "EXCEEDED_QUOTA", "{body}");
    let message = body[0]["message"].as_str().unwrap();
    assert!(
        message.contains("inflates to more than 150 MB"),
        "{message}"
    );
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_over_every_limit_sent_without_expect_still_gets_its_413_over_http1() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let served = Served::start().await;
    let (port, login) = (served.port, &served.login);
    let id = open_ingest_job(port, &login.token).await;
    let sock = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let (mut rx, mut tx) = sock.into_split();
    let head = format!(
        "PUT /services/data/v62.0/jobs/ingest/{id}/batches HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {}\r\nContent-Type: text/csv\r\nContent-Length: {OVERSIZED_UPLOAD}\r\n\r\n",
        login.token
    );
    // The whole body is sent, as a client without `Expect: 100-continue` sends it, while the
    // answer is read.
    let sender = tokio::spawn(async move {
        tx.write_all(head.as_bytes()).await?;
        let block = vec![b'x'; 1024 * 1024];
        let mut left = OVERSIZED_UPLOAD;
        while left > 0 {
            let n = left.min(block.len());
            tx.write_all(&block[..n]).await?;
            left -= n;
        }
        Ok::<_, std::io::Error>(tx)
    });
    let mut got = Vec::new();
    let mut buf = vec![0u8; 65536];
    let answer = loop {
        let n = tokio::time::timeout(std::time::Duration::from_secs(60), rx.read(&mut buf))
            .await
            .expect("an answer arrives")
            .expect("the connection is not reset");
        assert!(
            n > 0,
            "closed before answering: {}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap();
            if body.len() >= length {
                break (head.to_string(), body[..length].to_string());
            }
        }
    };
    sender.await.unwrap().expect("the whole body was taken");
    assert!(answer.0.starts_with("HTTP/1.1 413"), "{}", answer.0);
    assert_upload_cap_refusal(&serde_json::from_str(&answer.1).unwrap());
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_over_every_limit_still_gets_its_413_over_http2() {
    let served = Served::start().await;
    let (port, login) = (served.port, &served.login);
    let id = open_ingest_job(port, &login.token).await;
    let block = bytes::Bytes::from(vec![b'x'; 1024 * 1024]);
    let blocks = (0..OVERSIZED_UPLOAD.div_ceil(block.len())).map(move |i| {
        let n = (OVERSIZED_UPLOAD - i * block.len()).min(block.len());
        Ok::<_, std::io::Error>(block.slice(..n))
    });
    let r = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap()
        .put(format!(
            "http://127.0.0.1:{port}/services/data/v62.0/jobs/ingest/{id}/batches"
        ))
        .bearer_auth(&login.token)
        .header("content-type", "text/csv")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(blocks)))
        .send()
        .await
        .expect("the answer arrives on the stream");
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    assert_eq!(r.status(), 413);
    assert_upload_cap_refusal(&r.json().await.unwrap());
    served.stop().await;
}

/// The status line and JSON body of one raw HTTP/1.1 GET of `path_and_query`, on a
/// connection of its own (closed after the answer).
async fn raw_get(port: u16, path_and_query: &str) -> (String, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let request = format!(
        "GET {path_and_query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    );
    // The server may answer and close before reading it all.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.lines().next().unwrap_or("").to_string();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_uri_too_long_for_the_http_library_still_gets_the_explained_414_over_http1() {
    let served = Served::start().await;
    for length in [20_000, 70_000, 600_000] {
        let name = "a".repeat(length);
        let (status, body) = raw_get(
            served.port,
            &format!("/services/data/v62.0/query?q=SELECT+Id+FROM+Account+WHERE+Name='{name}'"),
        )
        .await;
        assert!(status.starts_with("HTTP/1.1 414 "), "{length}: {status}");
        assert_eq!(body[0]["errorCode"], "URI_TOO_LONG", "{length}");
        assert!(body[0]["message"]
            .as_str()
            .unwrap()
            .contains("Composite request"));
    }
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_uri_over_http2_gets_the_explained_414_not_a_bare_431() {
    let served = Served::start().await;
    let (port, login) = (served.port, &served.login);
    let name = "a".repeat(17_000);
    let r = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap()
        .get(format!(
            "http://127.0.0.1:{port}/services/data/v62.0/query?q=SELECT+Id+FROM+Account+WHERE+Name='{name}'"
        ))
        .bearer_auth(&login.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    assert_eq!(r.status(), 414);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body[0]["errorCode"], "URI_TOO_LONG");
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_soql_refused_in_the_uri_runs_as_a_composite_subrequest_as_the_414_advises() {
    let served = Served::start().await;
    let (port, login) = (served.port, &served.login);
    let client = reqwest::Client::new();
    // A query URL naming `n` external ids.
    let query_url = |n: usize| {
        let values: Vec<String> = (0..n).map(|i| format!("'E-{i:05}'")).collect();
        let soql = format!(
            "SELECT Id FROM Account WHERE ERP_Id__c IN ({})",
            values.join(",")
        );
        format!("/services/data/v62.0/query?q={}", soql.replace(' ', "+"))
    };
    // The one subrequest's answer of a composite call that GETs `url`.
    let in_composite = |url: String| {
        let request = client
            .post(format!(
                "http://127.0.0.1:{port}/services/data/v62.0/composite"
            ))
            .bearer_auth(&login.token)
            .json(&serde_json::json!({
                "compositeRequest": [{"method": "GET", "url": url, "referenceId": "q"}]
            }));
        async move {
            let composite = request.send().await.unwrap();
            assert_eq!(composite.status(), 200);
            let body: Value = composite.json().await.unwrap();
            body["compositeResponse"][0].clone()
        }
    };
    let url = query_url(2_000);
    assert!(url.len() > 16_384);
    let direct = client
        .get(format!("http://127.0.0.1:{port}{url}"))
        .bearer_auth(&login.token)
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), 414);
    let sub = in_composite(url).await;
    assert_eq!(sub["httpStatusCode"], 200, "{sub}");
    assert_eq!(sub["body"]["done"], true, "{sub}");
    // Longer than an HTTP URI can be (64 KiB), as SOQL of up to 100,000 characters may be.
    let url = query_url(7_000);
    assert!(url.len() > 70_000);
    let sub = in_composite(url).await;
    let shown = sub.to_string();
    assert_eq!(
        sub["httpStatusCode"],
        200,
        "{}",
        &shown[..300.min(shown.len())]
    );
    served.stop().await;
}
