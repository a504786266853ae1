//! The recording / fault-injecting reverse proxy between the learner's code and an org.
//!
//! [`start`] binds 127.0.0.1 on an ephemeral port (HTTP, or HTTPS with a given rustls
//! config) and forwards every request to one upstream base URL (the mock org's listener or a
//! real org) with a reqwest client that trusts a given root CA and follows no redirects.
//! Each exchange is redacted and kept in a shared [`Recorder`] that callers read live
//! ([`Recorder::subscribe`]) or at the end ([`Recorder::exchanges`]). Faults from lab.yaml
//! ([`FaultSpec`]) are applied on the way.
//!
//! Implementation notes:
//! - Forwarded unchanged except: hop-by-hop headers are dropped and the `Host` header comes
//!   from the upstream URL. `Accept-Encoding` goes on as sent, so a client that asks for gzip
//!   gets the org's compressed answer; the record holds the inflated text (see `coding`).
//! - Where an answer carries the org's address as protocol (`Location`, a sign-in's
//!   `instance_url` and `id`, SOAP `serverUrl`, …) it is rewritten to the proxy's own origin,
//!   so clients that follow it stay on the proxy and keep being recorded; record data is never
//!   rewritten (see `origin_rewrite`). Origins beyond the upstream's own (a sandbox's My Domain
//!   host) can be added with [`ProxyConfig::rewrite_origins`].
//! - Bodies are buffered (up to [`ProxyConfig::max_body`]); the stored copy keeps at most
//!   [`ProxyConfig::record_body_cap`] bytes of each.
//! - Only loopback `Host` names are served (against DNS rebinding); others get 421, and a
//!   malformed or repeated `Host` gets 400 (see `host`).
//! - With [`ProxyConfig::call_cap`], requests past the cap never reach the upstream (a real
//!   org's daily allocation is shared with other people's work).
//! - A request the fault plan lets reach the upstream while holding back (or cutting) the
//!   answer is sent by a task of its own, so a client that hangs up does not stop it: the org
//!   does the work, as a real one does (see `held`).
//! - A request whose client hangs up while the org is answering (its own deadline on a long
//!   poll, a stopped program) is still recorded, with no response (see `abandoned`).

mod abandoned;
mod bodies;
mod coding;
mod device_end;
mod endpoint_shape;
mod fault;
mod forward;
mod handshake;
mod held;
mod host;
mod origin_rewrite;
mod peer;
mod recorder;
mod request_body;
mod session_ids;

pub use bodies::{default_body, lock_row_body};
pub use fault::{
    validate_faults, FaultAction, FaultAt, FaultKind, FaultPlan, FaultResponse, FaultSpec,
    FaultSpecError,
};
pub use handshake::{handshake_note, HandshakeEnding, HandshakeFailure, HandshakeLog};
pub use recorder::{PendingRequest, Recorder};

use crate::org::overlong::Overlong;
use crate::redact::Redactor;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Called with the raw bearer token of a request when a fault expires its session; the runner
/// passes a closure that expires the token in the mock org. The token is never stored.
pub type SessionExpirer = Arc<dyn Fn(&str) + Send + Sync>;

/// Signs ID-token claims with the org's key (an RS256 JWT naming the org's `kid`), for the
/// faults that hand back an ID token with one claim wrong but a valid signature.
pub type IdTokenSigner = Arc<dyn Fn(&serde_json::Value) -> String + Send + Sync>;

/// How to run one proxy.
#[derive(Clone)]
pub struct ProxyConfig {
    /// Where requests go, e.g. `https://127.0.0.1:8443`.
    pub upstream: url::Url,
    /// PEM root certificate(s) the upstream's TLS certificate chains to (the workspace CA).
    pub upstream_root_ca_pem: Option<Vec<u8>>,
    /// Serve HTTPS with this config; plain HTTP when `None`.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    pub faults: Vec<FaultSpec>,
    pub redactor: Redactor,
    pub expire_session: Option<SessionExpirer>,
    /// Signs re-claimed ID tokens (`id_token_wrong_aud`, …); without one they pass unchanged.
    pub sign_id_token: Option<IdTokenSigner>,
    /// Bytes of each body kept in the record.
    pub record_body_cap: usize,
    /// Largest request or response body forwarded.
    pub max_body: usize,
    /// More origins to rewrite to the proxy's origin in responses, besides the upstream's.
    pub rewrite_origins: Vec<String>,
    /// How long to wait for the upstream before answering 504.
    pub upstream_timeout: Duration,
    /// Most requests forwarded to the upstream; later ones are answered by the proxy itself
    /// (429, `errorCode: SFLAB_CALL_CAP`) and recorded with the `call_cap` fault kind.
    pub call_cap: Option<u64>,
}

impl ProxyConfig {
    pub fn new(upstream: url::Url, redactor: Redactor) -> ProxyConfig {
        ProxyConfig {
            upstream,
            upstream_root_ca_pem: None,
            tls: None,
            faults: Vec::new(),
            redactor,
            expire_session: None,
            sign_id_token: None,
            record_body_cap: 256 * 1024,
            max_body: 128 * 1024 * 1024,
            rewrite_origins: Vec::new(),
            upstream_timeout: Duration::from_secs(120),
            call_cap: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("could not open the proxy's port on 127.0.0.1: {0}")]
    Bind(#[source] std::io::Error),
    #[error("the lab's faults are invalid: {0}")]
    Faults(#[from] FaultSpecError),
    #[error("the org's CA certificate could not be read ({0}); recreate the workspace CA")]
    BadCa(String),
    #[error("could not build the HTTP client for the org: {0}")]
    Client(String),
}

/// A proxy that is serving. Dropping it without [`RunningProxy::shutdown`] leaves it running
/// until the runtime stops.
pub struct RunningProxy {
    addr: SocketAddr,
    base_url: String,
    recorder: Recorder,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningProxy {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://127.0.0.1:PORT` (or `http://…`): what the learner's code is told to call.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// Stops accepting, closes open connections, and returns the record.
    pub async fn shutdown(self) -> Recorder {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        self.recorder
    }
}

/// Binds 127.0.0.1 on an ephemeral port and starts serving.
pub async fn start(config: ProxyConfig) -> Result<RunningProxy, ProxyError> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(ProxyError::Bind)?;
    start_on(listener, config).await
}

/// Starts serving on a listener the caller bound.
pub async fn start_on(
    listener: TcpListener,
    config: ProxyConfig,
) -> Result<RunningProxy, ProxyError> {
    let addr = listener.local_addr().map_err(ProxyError::Bind)?;
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let base_url = format!("{scheme}://{addr}");
    let recorder = Recorder::new(config.redactor.clone(), config.record_body_cap);
    let shared = Arc::new(forward::Shared::new(&config, &base_url, recorder.clone())?);
    let acceptor = config.tls.clone().map(tokio_rustls::TlsAcceptor::from);
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                _ = stopped.changed() => break,
                accepted = listener.accept() => {
                    let Ok((tcp, peer)) = accepted else { continue };
                    let shared = shared.clone();
                    let acceptor = acceptor.clone();
                    connections.spawn(async move {
                        serve_connection(tcp, peer, acceptor, shared).await;
                    });
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        connections.shutdown().await;
    });
    Ok(RunningProxy {
        addr,
        base_url,
        recorder,
        stop,
        task,
    })
}

/// What a client that sends plain HTTP to the lab's HTTPS address is answered.
const PLAIN_HTTP_ANSWER: &str = "This address speaks HTTPS only: call the https:// URL the lab gives (SF_INSTANCE_URL), not http://.";

async fn serve_connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<forward::Shared>,
) {
    let _ = tcp.set_nodelay(true);
    let run_index = shared.recorder().run_index();
    // Which learner process is on the other end, found while it waits for the handshake.
    let processes: Arc<[u32]> = match tcp.local_addr() {
        Ok(local) => tokio::task::spawn_blocking(move || peer::process_chain(peer, local))
            .await
            .unwrap_or_default()
            .into(),
        Err(_) => Arc::from([]),
    };
    let recorder = shared.recorder().clone();
    // A dropped request closes its whole connection, as a cut TCP connection does: over
    // HTTP/1.1 hyper closes it on the handler's error, over HTTP/2 it would only reset the
    // stream, so the connection is stopped here (other requests on it are cut too).
    let cut = Arc::new(tokio::sync::Notify::new());
    let cut_by_handler = cut.clone();
    let service = hyper::service::service_fn(move |req| {
        let handled = forward::handle(shared.clone(), req, processes.clone());
        let cut = cut_by_handler.clone();
        async move {
            let answer = handled.await;
            if answer.is_err() {
                cut.notify_one();
            }
            answer
        }
    });
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    // HTTP/2's default header-list cap (16 KiB) would answer a long URI with a bare 431
    // before the org's own 414 URI_TOO_LONG, which says what to do instead; over HTTP/1.1 a
    // URI too long for hyper (over 64 KiB) gets the org's explained 414 too (`Overlong`).
    builder
        .http2()
        .max_header_list_size(crate::org::rest::H2_MAX_HEADER_LIST);
    match acceptor {
        Some(acceptor) => {
            // A failed handshake (e.g. a client that does not trust the CA) ends the
            // connection; the client reports it, and the recorder keeps how it ended, in the
            // run the connection was opened in, for the learner's note (see `handshake`).
            if crate::org::serve::opens_with_plain_http(&tcp).await {
                // `http://` typed for the lab's `https://` address: answered in words, and
                // noted for the learner (no CA is involved).
                crate::org::serve::answer_plain_http(tcp, PLAIN_HTTP_ANSWER).await;
                return recorder.handshake_failed(run_index, HandshakeEnding::PlainHttp);
            }
            match acceptor.accept(tcp).await {
                Ok(tls) => {
                    recorder.handshake_completed(run_index);
                    let served =
                        builder.serve_connection(TokioIo::new(Overlong::new(tls)), service);
                    tokio::select! {
                        _ = served => {}
                        _ = cut.notified() => {}
                    }
                }
                Err(e) => recorder.handshake_failed(run_index, HandshakeEnding::of(&e)),
            }
        }
        None => {
            let served = builder.serve_connection(TokioIo::new(Overlong::new(tcp)), service);
            tokio::select! {
                _ = served => {}
                _ = cut.notified() => {}
            }
        }
    }
}
