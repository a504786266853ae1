//! The Streaming API (CometD/Bayeux over long polling) at `/cometd/{version}`: subscribers of
//! `/event/…` and `/data/…` channels with the replay extension, as jsforce and other CometD
//! clients use it. The protocol is in `bayeux`; this module is the HTTP side.
//!
//! Every request carries `Authorization: OAuth <token>` (or Bearer); the token is checked on
//! each request against the org's sessions. Bodies are one Bayeux message or an array of them;
//! the answer is always an array. Bodies over 32,768 bytes get 413, as on a real org.
//! A successful handshake sets the `BAYEUX_BROWSER` cookie the later messages must carry
//! (`browser`).

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

async fn no_version(body: Bytes) -> Response {
    let msgs = messages(&body).unwrap_or_default();
    let replies: Vec<Value> = msgs
        .iter()
        .map(|m| {
            json!({"channel": m.get("channel").cloned().unwrap_or(json!("/meta/handshake")),
                   "id": m.get("id").cloned().unwrap_or(Value::Null),
                   "successful": false,
                   "error": "400::API version in the URI is mandatory. URI format: '/cometd/62.0'"})
        })
        .collect();
    json_reply(StatusCode::BAD_REQUEST, &Value::Array(replies))
}

async fn bayeux_post_typed(
    State(s): State<Arc<Streaming>>,
    Path((version, _)): Path<(String, String)>,
    instance: InstanceUrl,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    bayeux_post(State(s), Path(version), instance, headers, body).await
}

async fn bayeux_post(
    State(s): State<Arc<Streaming>>,
    Path(version): Path<String>,
    InstanceUrl(instance): InstanceUrl,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if body.len() > MAX_BODY {
        return json_reply(
            StatusCode::PAYLOAD_TOO_LARGE,
            &json!([{"successful": false, "error": format!("413::Request body is larger than {MAX_BODY} bytes")}]),
        );
    }
    let version_ok = version
        .split_once('.')
        .is_some_and(|(a, b)| a.parse::<u32>().is_ok_and(|v| v >= 36) && b == "0");
    if !version.starts_with(|c: char| c.is_ascii_digit()) {
        // `/cometd/handshake`: the client left the version out of the URI.
        return no_version(body).await;
    }
    if !version_ok {
        return json_reply(
            StatusCode::BAD_REQUEST,
            &json!([{"successful": false, "error": format!("400::API version {version} is not served on /cometd; use a version such as /cometd/62.0 (36.0 or later)")}]),
        );
    }
    let Some(msgs) = messages(&body) else {
        return json_reply(
            StatusCode::BAD_REQUEST,
            &json!([{"successful": false, "error": "400::The body must be a Bayeux message or a JSON array of them"}]),
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
