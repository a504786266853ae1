//! Running the mock org on a loopback listener the caller owns: plain HTTP or HTTPS, HTTP/1.1
//! and HTTP/2, a Host check against DNS rebinding, and a graceful stop.
//!
//! Only requests whose Host is the loopback name or address this listener serves
//! (`localhost:<port>`, `127.0.0.1:<port>`, `[::1]:<port>`) reach the org; anything else is a
//! page of some other site trying to talk to the learner's org, and is refused with 421.
//!
//! Each request carries the connection's peer address (axum's `ConnectInfo<SocketAddr>`), so
//! rules about where a call came from (an app's `ip_ranges`) judge the address the TCP
//! connection really came from, never a header the client wrote.

use super::overlong::Overlong;
use super::rest::{router, ApiError, InstanceUrl};
use super::tls::TlsConfig;
use super::Org;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::IntoResponse;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

/// How long open connections get to finish after the stop signal.
const DRAIN: Duration = Duration::from_secs(3);

/// True if `host` (a Host header or `:authority`) names this loopback listener.
pub fn host_allowed(host: &str, port: u16, default_port: u16) -> bool {
    let host = host.trim();
    let (name, p) = match host.rsplit_once(':') {
        Some((n, p)) if !n.is_empty() && !p.contains(']') => (n, p.parse::<u16>().ok()),
        _ => (host, Some(default_port)),
    };
    let name_ok = name.eq_ignore_ascii_case("localhost") || name == "127.0.0.1" || name == "[::1]";
    name_ok && p == Some(port)
}

fn refused_host(host: &str) -> axum::response::Response {
    ApiError::new(
        StatusCode::MISDIRECTED_REQUEST,
        "MISDIRECTED_REQUEST",
        format!(
            "This sflab mock org only answers requests addressed to localhost or 127.0.0.1 with its own port; the Host header was '{host}'. Use the instance URL that `sflab org serve` printed."
        ),
    )
    .into_response()
}

/// Serves `org` on `listener` until `shutdown` completes, then drains open connections.
pub async fn serve(
    listener: TcpListener,
    org: Org,
    tls: Option<TlsConfig>,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    serve_router(listener, router(org), tls, shutdown).await
}

/// Whether a connection to a TLS port opened with plain HTTP: a TLS hello starts with 0x16, an
/// HTTP request line with a letter (`http://` typed for `https://`). Waits at most 10 s for
/// the first byte; `false` when none came.
pub(crate) async fn opens_with_plain_http(stream: &tokio::net::TcpStream) -> bool {
    let mut first = [0u8; 1];
    let peeked = tokio::time::timeout(Duration::from_secs(10), stream.peek(&mut first)).await;
    matches!(peeked, Ok(Ok(1))) && first[0].is_ascii_alphabetic()
}

/// The answer to plain HTTP sent to an HTTPS port: a 400 in the REST API's error shape
/// (`HTTPS_REQUIRED`, with `message`) that says to use `https://`. The request head is read
/// first (a reply sent over unread bytes is lost to most clients), then the connection is
/// closed. [U] What a real org does with plain HTTP is not recorded in the reference; the
/// error code here is sflab's own.
pub(crate) async fn answer_plain_http(mut stream: tokio::net::TcpStream, message: &str) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while head.len() < 64 * 1024 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => head.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    let body =
        serde_json::json!([{ "message": message, "errorCode": "HTTPS_REQUIRED" }]).to_string();
    let reply = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Serves any router the same way (the Host check included): for a router built with
/// [`crate::org::rest::router_with`], or one with more surfaces mounted.
pub async fn serve_router(
    listener: TcpListener,
    app: axum::Router,
    tls: Option<TlsConfig>,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let local: SocketAddr = listener.local_addr()?;
    let port = local.port();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let default_port = if tls.is_some() { 443 } else { 80 };
    let acceptor = tls.map(|t| tokio_rustls::TlsAcceptor::from(t.server));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Too many open files and the like: wait a little rather than spin.
                Err(_) => { tokio::time::sleep(Duration::from_millis(50)).await; continue; }
            },
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let acceptor = acceptor.clone();
        let mut stop = stop_rx.clone();
        let stopping = async move {
            let _ = stop.wait_for(|s| *s).await.map(|_| ());
        };
        tasks.spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let app = app.clone();
                async move {
                    let mut req = req.map(Body::new);
                    let host = req
                        .headers()
                        .get(header::HOST)
                        .and_then(|h| h.to_str().ok())
                        .map(str::to_string)
                        .or_else(|| req.uri().authority().map(|a| a.to_string()))
                        .unwrap_or_default();
                    if !host_allowed(&host, port, default_port) {
                        return Ok::<_, std::convert::Infallible>(refused_host(&host));
                    }
                    req.extensions_mut()
                        .insert(InstanceUrl(format!("{scheme}://{host}")));
                    req.extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    app.oneshot(req).await
                }
            });
            let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            // HTTP/2's default header-list cap (16 KiB) would answer a long URI with a bare 431
            // before the org's own 414 URI_TOO_LONG, which says what to do instead.
            builder
                .http2()
                .max_header_list_size(crate::org::rest::H2_MAX_HEADER_LIST);
            macro_rules! drive {
                ($io:expr) => {{
                    let conn = builder.serve_connection_with_upgrades($io, service);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = stopping => {
                            conn.as_mut().graceful_shutdown();
                            let _ = conn.await;
                        }
                    }
                }};
            }
            match acceptor {
                Some(acc) => {
                    // Plain HTTP on this port is answered in words, not TLS bytes.
                    if opens_with_plain_http(&stream).await {
                        let message = format!("This port speaks HTTPS only: call https://127.0.0.1:{port}/… instead of http:// (and trust the workspace CA, SF_CA_BUNDLE). `sflab org serve --http` serves plain HTTP.");
                        answer_plain_http(stream, &message).await;
                        return;
                    }
                    if let Ok(Ok(tls)) =
                        tokio::time::timeout(Duration::from_secs(10), acc.accept(stream)).await
                    {
                        drive!(TokioIo::new(Overlong::new(tls)));
                    }
                }
                None => drive!(TokioIo::new(Overlong::new(stream))),
            }
        });
        // Reap finished connections so the set does not grow without bound.
        while tasks.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(DRAIN, async { while tasks.join_next().await.is_some() {} }).await;
    tasks.abort_all();
    Ok(())
}

/// Binds 127.0.0.1 on `port` (0: any free port).
pub async fn bind_loopback(port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_with_the_right_port_are_allowed() {
        for h in [
            "localhost:8443",
            "127.0.0.1:8443",
            "[::1]:8443",
            "LOCALHOST:8443",
        ] {
            assert!(host_allowed(h, 8443, 443), "{h}");
        }
        assert!(host_allowed("localhost", 443, 443));
    }

    #[test]
    fn other_hosts_and_ports_are_refused() {
        for h in [
            "evil.example:8443",
            "localhost:9999",
            "127.0.0.2:8443",
            "localhost.evil.example:8443",
            "",
            "[::1]",
        ] {
            assert!(!host_allowed(h, 8443, 443), "{h}");
        }
    }
}
