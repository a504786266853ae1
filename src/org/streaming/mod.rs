//! The Streaming API (CometD/Bayeux over long polling) at `/cometd/{version}`: subscribers of
//! `/event/…` and `/data/…` channels with the replay extension, as jsforce and other CometD
//! clients use it. The protocol is in `bayeux`; this module is the HTTP side.
//!
//! Every request carries `Authorization: OAuth <token>` (or Bearer); the token is checked on
//! each request against the org's sessions. Bodies are one Bayeux message or an array of them;
//! the answer is always an array. Bodies over 32,768 bytes get 413, as on a real org.
//! A successful handshake sets the `BAYEUX_BROWSER` cookie the later messages must carry
//! (`browser`).
//!
//! Implementation notes:
//! - A request refused before its messages are handled (no version in the URI, a version
//!   written with the REST API's `v`, a version not served, a body over 32,768 bytes, a body
//!   that is no Bayeux message) is answered with one
//!   failed reply per message the body holds, each with that message's `channel` and `id`,
//!   so a CometD client (Faye, under jsforce) matches it to its request instead of waiting
//!   for an answer that never comes. A version refusal also advises `reconnect: "none"`:
//!   the same URL can never succeed, and Faye stops handshaking again on that advice. When
//!   the body cannot be read, the one reply names no channel or id (there are none to name).
//! - `/cometd/replay/36.0` is the endpoint of the durable generic streaming of API version
//!   36.0 (the reference lists it); it is served as `/cometd/36.0`. Which other versions a
//!   real org takes after `/cometd/replay/` is not known; sflab refuses them, naming the one
//!   it serves and the usual `/cometd/{version}` endpoint.
//! - Served versions run from 36.0 to the newest the REST API serves; a newer one (`99.0`)
//!   is refused as REST answers it 404. The wording of that refusal and of the one for
//!   `/cometd/v62.0` is sflab's [U: a real server's text for them is not in the reference];
//!   both say what to send instead.

pub mod bayeux;
pub mod browser;

use crate::org::rest::gateway::{bearer_token, InstanceUrl};
use crate::org::rest::JSON_UTF8;
use crate::org::Org;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use parking_lot::Mutex;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Largest request body a real org accepts on `/cometd`.
pub const MAX_BODY: usize = 32_768;

/// The Streaming API of one org: its handshaken clients.
#[derive(Debug)]
pub struct Streaming {
    pub org: Org,
    pub clients: Mutex<HashMap<String, bayeux::Client>>,
    /// How long a connect waits for events before answering empty.
    pub hold: Duration,
    /// How long a client may stay away between one connect's answer and its next message
    /// before the server forgets it (then `403::Unknown client`: handshake and subscribe
    /// again). 110 s, the server's reconnect deadline in the Streaming API guide.
    pub client_deadline: Duration,
}

impl Streaming {
    pub fn new(org: Org) -> Streaming {
        Streaming {
            org,
            clients: Mutex::new(HashMap::new()),
            hold: Duration::from_secs(25),
            client_deadline: Duration::from_secs(110),
        }
    }
}

/// The `/cometd` routes of an org.
pub fn router(org: Org) -> Router {
    router_with(Arc::new(Streaming::new(org)))
}

pub fn router_with(streaming: Arc<Streaming>) -> Router {
    Router::new()
        .route("/cometd", post(no_version))
        .route("/cometd/{version}", post(bayeux_post))
        .route("/cometd/{version}/{*message_type}", post(bayeux_post_typed))
        .with_state(streaming)
}

fn json_reply(status: StatusCode, v: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, JSON_UTF8)], v.to_string()).into_response()
}

fn messages(body: &[u8]) -> Option<Vec<Map<String, Value>>> {
    match serde_json::from_slice::<Value>(body).ok()? {
        Value::Array(a) => a
            .into_iter()
            .map(|m| match m {
                Value::Object(o) => Some(o),
                _ => None,
            })
            .collect(),
        Value::Object(o) => Some(vec![o]),
        _ => None,
    }
}

/// The messages of a body as far as they can be read: the body's objects, one or an array's.
fn readable_messages(body: &[u8]) -> Vec<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => vec![o],
        Ok(Value::Array(a)) => a
            .into_iter()
            .filter_map(|m| match m {
                Value::Object(o) => Some(o),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether a refusal tells the client to stop reconnecting (see the module notes).
#[derive(Clone, Copy, PartialEq)]
enum Retry {
    Never,
    Unsaid,
}

/// A refusal of the whole request: one failed reply per readable message, with its channel
/// and id; a single reply naming neither when none can be read.
fn refusal(status: StatusCode, body: &[u8], error: &str, retry: Retry) -> Response {
    let failed = |m: Option<&Map<String, Value>>| {
        let mut r = Map::new();
        for key in ["channel", "id", "clientId"] {
            if let Some(v) = m.and_then(|m| m.get(key)) {
                r.insert(key.into(), v.clone());
            }
        }
        r.insert("successful".into(), json!(false));
        r.insert("error".into(), json!(error));
        if retry == Retry::Never {
            r.insert("advice".into(), json!({"reconnect": "none", "interval": 0}));
        }
        Value::Object(r)
    };
    let msgs = readable_messages(body);
    let replies: Vec<Value> = if msgs.is_empty() {
        vec![failed(None)]
    } else {
        msgs.iter().map(|m| failed(Some(m))).collect()
    };
    json_reply(status, &Value::Array(replies))
}

async fn no_version(body: Bytes) -> Response {
    refusal(
        StatusCode::BAD_REQUEST,
        &body,
        "400::API version in the URI is mandatory. URI format: '/cometd/62.0'",
        Retry::Never,
    )
}

/// The oldest API version `/cometd/{version}` serves (durable streaming with replay).
const OLDEST_STREAMING_VERSION: u32 = 36;

/// Whether `/cometd/{version}` serves `version`: `NN.0` from 36.0 up to the newest version
/// the org's REST API serves (a newer one is as unknown here as it is there).
fn served_version(version: &str) -> bool {
    version.split_once('.').is_some_and(|(major, minor)| {
        minor == "0"
            && major.parse::<u32>().is_ok_and(|v| {
                (OLDEST_STREAMING_VERSION..=crate::org::rest::versions::NEWEST).contains(&v)
            })
    })
}

/// The version `/cometd/replay/` serves (see the module notes).
const REPLAY_ENDPOINT_VERSION: &str = "36.0";

async fn bayeux_post_typed(
    State(s): State<Arc<Streaming>>,
    Path((version, rest)): Path<(String, String)>,
    instance: InstanceUrl,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if version != "replay" {
        return bayeux_post(State(s), Path(version), instance, headers, body).await;
    }
    // `/cometd/replay/{version}[/{message type}]`.
    let version = rest.split('/').next().unwrap_or_default();
    if version == REPLAY_ENDPOINT_VERSION {
        return bayeux_post(State(s), Path(version.to_string()), instance, headers, body).await;
    }
    let error = if version.is_empty() {
        "400::API version in the URI is mandatory. URI format: '/cometd/62.0'".to_string()
    } else {
        format!(
            "400::/cometd/replay/ serves API version {REPLAY_ENDPOINT_VERSION} only, not {version}; use /cometd/{version} (or /cometd/replay/{REPLAY_ENDPOINT_VERSION})"
        )
    };
    refusal(StatusCode::BAD_REQUEST, &body, &error, Retry::Never)
}

async fn bayeux_post(
    State(s): State<Arc<Streaming>>,
    Path(version): Path<String>,
    InstanceUrl(instance): InstanceUrl,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if body.len() > MAX_BODY {
        let error = format!(
            "413::Request body is {} bytes, larger than the {MAX_BODY} bytes /cometd accepts",
            body.len()
        );
        return refusal(StatusCode::PAYLOAD_TOO_LARGE, &body, &error, Retry::Unsaid);
    }
    if let Some(number) = version
        .strip_prefix(['v', 'V'])
        .filter(|n| n.starts_with(|c: char| c.is_ascii_digit()))
    {
        // `/cometd/v62.0`: the REST API's form of the version, which /cometd does not take.
        let error = format!("400::API version in the URI is given without a 'v': use /cometd/{number}, not /cometd/{version}");
        return refusal(StatusCode::BAD_REQUEST, &body, &error, Retry::Never);
    }
    if !version.starts_with(|c: char| c.is_ascii_digit()) {
        // `/cometd/handshake`: the client left the version out of the URI.
        return no_version(body).await;
    }
    if !served_version(&version) {
        let newest = crate::org::rest::versions::NEWEST;
        let error = format!("400::API version {version} is not served on /cometd; use a version from {OLDEST_STREAMING_VERSION}.0 to {newest}.0, such as /cometd/62.0");
        return refusal(StatusCode::BAD_REQUEST, &body, &error, Retry::Never);
    }
    let Some(msgs) = messages(&body) else {
        return refusal(
            StatusCode::BAD_REQUEST,
            &body,
            "400::The body must be a Bayeux message or a JSON array of them",
            Retry::Unsaid,
        );
    };
    // A token without the `api` scope is no session for Streaming, as for the other data APIs.
    let session = bearer_token(&headers)
        .and_then(|t| s.org.sessions.validate(t, s.org.clock.now()).ok())
        .filter(|session| session.allows_api());
    let session = session.as_deref();
    let browser = browser::Browser::of(&headers);
    // Subscriptions in a batch take effect before its connect is answered (Faye batches a
    // subscribe with a connect); replies keep the batch's order, events come first.
    let is_connect = |m: &Map<String, Value>| m.get("channel") == Some(&json!("/meta/connect"));
    let mut replies: Vec<Option<Vec<Value>>> = vec![None; msgs.len()];
    for (i, m) in msgs.iter().enumerate().filter(|(_, m)| !is_connect(m)) {
        replies[i] = Some(s.handle(m, session, &browser).await);
    }
    for (i, m) in msgs.iter().enumerate().filter(|(_, m)| is_connect(m)) {
        replies[i] = Some(s.handle(m, session, &browser).await);
    }
    let (mut out, meta): (Vec<Value>, Vec<Value>) = replies
        .into_iter()
        .flatten()
        .flatten()
        .partition(|v| v.get("data").is_some());
    out.extend(meta);
    let shook_hands = out.iter().any(|m| {
        m.get("channel") == Some(&json!("/meta/handshake"))
            && m.get("successful") == Some(&json!(true))
    });
    let mut response = json_reply(StatusCode::OK, &Value::Array(out));
    if shook_hands && !browser.carried {
        let cookie = browser::set_cookie(&browser.id, instance.starts_with("https://"));
        if let Ok(value) = header::HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

#[cfg(test)]
mod tests;
