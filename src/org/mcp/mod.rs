//! The org's MCP server at `/services/mcp`: the Model Context Protocol's streamable HTTP
//! transport (JSON-RPC 2.0 over POST, answered as `application/json`), with `initialize`,
//! `notifications/initialized`, `ping`, `tools/list` and `tools/call` (tools in [`tools`], their
//! arguments checked against each tool's `inputSchema` by [`arguments`]).
//!
//! Access: only an access token issued to an External Client App (not to a legacy connected
//! app, not a static token, not a SOAP session) for a person's sign-in, carrying the `mcp_api`
//! or `api` scope. A missing or unknown token is 401 with `WWW-Authenticate: Bearer` naming
//! the server's protected resource metadata (see [`discovery`]), and so is a connected app's
//! token (`invalid_token`, saying why); a token without the scope or from no app is 403
//! (`insufficient_scope`). Salesforce documents its hosted MCP servers as per-user
//! only — the authorization code flow, no service accounts, no machine-to-machine flows — so a
//! token from client credentials, a JWT or SAML bearer assertion or a username-password login
//! is refused. What a real server answers then is not documented: sflab answers 401
//! `insufficient_user_authentication`, RFC 9470's error for a sign-in that does not meet a
//! resource's needs. Requests with an `Origin` that is not loopback are refused (the
//! transport's DNS-rebinding rule), and so is a POST without `Accept: application/json,
//! text/event-stream` (406) or a body not sent as `application/json` (415), see
//! [`transport`]. After `initialize`, requests must carry the
//! `Mcp-Session-Id` the server returned; `DELETE` ends the session. A session that agreed on
//! 2025-03-26 or 2024-11-05 may send a JSON-RPC batch (an array), answered with an array;
//! 2025-06-18 removed batching, so there an array is refused. `GET` is 405: the server
//! offers no server-initiated stream.
//!
//! Every `tools/call` is logged ([`McpCall`]) for the rules: who, through which app, which
//! tool, whether it failed.

pub mod arguments;
pub mod discovery;
pub mod tools;
mod transport;

#[cfg(test)]
mod tests;

use crate::org::rest::{bearer_token, InstanceUrl, RestState};
use crate::org::{Org, Session};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use serde_json::{json, Value as Json};
use std::collections::HashMap;
use std::sync::Arc;

/// Protocol versions the server speaks, newest first.
pub const PROTOCOL_VERSIONS: [&str; 3] = ["2025-06-18", "2025-03-26", "2024-11-05"];
const SESSION_HEADER: &str = "mcp-session-id";
const VERSION_HEADER: &str = "mcp-protocol-version";

/// What is wrong with a request's `params`, as an Invalid params message: JSON-RPC wants an
/// object or an array when present; `initialize` and `tools/call` need the members the MCP
/// schema requires.
fn params_problem(method: &str, params: Option<&Json>) -> Option<String> {
    if params.is_some_and(|p| !(p.is_object() || p.is_array())) {
        return Some("Invalid params: params must be an object".into());
    }
    let has = |key: &str| params.and_then(|p| p.get(key)).is_some();
    let needed: &[&str] = match method {
        "initialize" => &["protocolVersion", "capabilities", "clientInfo"],
        "tools/call" => &["name"],
        _ => &[],
    };
    let missing: Vec<String> = needed
        .iter()
        .filter(|k| !has(k))
        .map(|k| format!("params.{k}"))
        .collect();
    if missing.is_empty() {
        return (method == "tools/call"
            && !params
                .and_then(|p| p.get("name"))
                .is_some_and(Json::is_string))
        .then(|| "Invalid params: params.name must be the tool's name, a string".into());
    }
    Some(format!(
        "Invalid params: {method} needs {}",
        missing.join(", ")
    ))
}

/// How a JSON value's kind reads in a message.
fn describe_kind(v: &Json) -> &'static str {
    match v {
        Json::String(_) => "text",
        Json::Number(_) => "a number",
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

/// What kind of value a request's `id` is, when it is one no request may carry. JSON-RPC 2.0
/// (§4) allows a string, a number or null; MCP (2025-06-18, "Requests") narrows that to a
/// string or an integer, never null. An absent id makes a notification, which is fine.
fn misfit_id(id: Option<&Json>) -> Option<&'static str> {
    match id? {
        Json::String(_) => None,
        Json::Number(n) if n.is_i64() || n.is_u64() => None,
        Json::Number(_) => Some("a number with a fraction"),
        Json::Null => Some("null"),
        Json::Bool(_) => Some("a boolean"),
        Json::Array(_) => Some("an array"),
        Json::Object(_) => Some("an object"),
    }
}

/// One `tools/call`, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpCall {
    pub at: DateTime<Utc>,
    pub username: String,
    pub client_id: Option<String>,
    pub tool: String,
    pub is_error: bool,
}

/// MCP sessions and the call log of one org.
#[derive(Debug, Clone, Default)]
pub struct McpState {
    /// Session id → (user id, negotiated protocol version).
    sessions: Arc<Mutex<HashMap<String, (String, String)>>>,
    log: Arc<Mutex<Vec<McpCall>>>,
}

impl McpState {
    /// Every tool call so far, oldest first.
    pub fn calls(&self) -> Vec<McpCall> {
        self.log.lock().clone()
    }
}

/// The MCP route, to merge into the org router.
pub fn router(state: RestState) -> Router {
    Router::new()
        .route(
            discovery::MCP_PATH,
            post(handle_post).get(no_stream).delete(end_session),
        )
        .route(discovery::METADATA_PATH, get(discovery::metadata))
        .route(
            &format!("{}{}", discovery::METADATA_PATH, discovery::MCP_PATH),
            get(discovery::metadata),
        )
        .with_state(state)
}

fn http_error(status: StatusCode, code: &str, description: &str, www: Option<String>) -> Response {
    let mut r = (
        status,
        json!({"error": code, "error_description": description}).to_string(),
    )
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(w) = www.and_then(|w| HeaderValue::from_str(&w).ok()) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, w);
    }
    r
}

fn origin_allowed(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    url::Url::parse(origin)
        .is_ok_and(|u| matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]")))
}

/// Checks the token: an External Client App's, with `mcp_api` or `api`. `base` is the org's
/// address as the client reached it, for the challenge's `resource_metadata`.
pub fn authorise(org: &Org, headers: &HeaderMap, base: &str) -> Result<Session, Response> {
    let Some(token) = bearer_token(headers) else {
        // No error code: the request carried no credentials (RFC 6750 §3.1).
        return Err(http_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Send an External Client App access token as Authorization: Bearer <token>.",
            Some(discovery::challenge(base, &[])),
        ));
    };
    let session = org.sessions.validate(token, org.clock.now()).map_err(|_| {
        http_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "The access token is unknown, revoked or expired.",
            Some(discovery::challenge(base, &[("error", "invalid_token")])),
        )
    })?;
    let scope_challenge = || {
        Some(discovery::challenge(
            base,
            &[("error", "insufficient_scope"), ("scope", "mcp_api")],
        ))
    };
    if session.client_id.is_none() {
        return Err(http_error(StatusCode::FORBIDDEN, "insufficient_scope", "The MCP server accepts only tokens issued to an External Client App; this token came from no app (a static token or a SOAP session).", scope_challenge()));
    }
    // Salesforce's hosted MCP servers take External Client Apps only ("connected apps aren't
    // supported"), so a token a connected app got — by any flow, a refresh included — is not
    // one this resource accepts: 401 invalid_token (RFC 6750 §3.1), which the MCP
    // authorization spec has a client answer by authorizing again. [U] A real server's status
    // and wording here are not documented.
    if let Some(app) = session
        .client_id
        .as_deref()
        .and_then(|k| org.auth.legacy_connected_app(k))
    {
        let text = format!("The MCP server accepts only tokens issued to an External Client App; this token was issued to the connected app {app}, and connected apps are not supported. Create an External Client App with the mcp_api scope and get a token through it.");
        let www = discovery::challenge(
            base,
            &[
                ("error", "invalid_token"),
                ("error_description", text.as_str()),
            ],
        );
        return Err(http_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            &text,
            Some(www),
        ));
    }
    if !session.interactive {
        return Err(http_error(StatusCode::UNAUTHORIZED, "insufficient_user_authentication", "The MCP server acts for a person: get the token with the authorization code flow (with PKCE), signed in as the user the agent works for. Tokens from client credentials, JWT or SAML bearer assertions or a username-password login are refused.", Some(discovery::challenge(base, &[("error", "insufficient_user_authentication")]))));
    }
    if !(session.has_scope("mcp_api") || session.has_scope("api")) {
        return Err(http_error(StatusCode::FORBIDDEN, "insufficient_scope", "The token lacks the mcp_api (or api) scope; add it to the External Client App and get a new token.", scope_challenge()));
    }
    Ok(Session::clone(&session))
}

fn rpc_result(id: &Json, result: Json) -> Json {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

fn rpc_error(id: &Json, code: i64, message: &str) -> Json {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

fn json_reply(status: StatusCode, v: &Json, session_id: Option<&str>) -> Response {
    let mut r = (status, v.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(s) = session_id.and_then(|s| HeaderValue::from_str(s).ok()) {
        r.headers_mut().insert(SESSION_HEADER, s);
    }
    r
}

async fn handle_post(
    State(state): State<RestState>,
    reached: InstanceUrl,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !origin_allowed(&headers) {
        return http_error(
            StatusCode::FORBIDDEN,
            "invalid_origin",
            "Requests from this Origin are refused.",
            None,
        );
    }
    let org = &state.org;
    let session = match authorise(org, &headers, &org.auth.base_url(&reached)) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Some(refused) = transport::header_refusal(&headers) {
        return refused;
    }
    let msg: Json = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => {
            return json_reply(
                StatusCode::BAD_REQUEST,
                &rpc_error(&Json::Null, -32700, "Parse error: the body is not JSON"),
                None,
            )
        }
    };
    let answer = match &msg {
        Json::Array(items) => batch(org, &session, &headers, items),
        one_msg => one(org, &session, &headers, one_msg, false),
    };
    match answer {
        Answer::Reply(status, v, sid) => json_reply(status, &v, sid.as_deref()),
        Answer::Accepted => StatusCode::ACCEPTED.into_response(),
    }
}

/// What a message gets: an HTTP status and a JSON-RPC reply (with the id of a session
/// `initialize` opened), or nothing to answer (202 Accepted).
enum Answer {
    Reply(StatusCode, Json, Option<String>),
    Accepted,
}

fn answer(status: StatusCode, v: &Json, session_id: Option<&str>) -> Answer {
    Answer::Reply(status, v.clone(), session_id.map(String::from))
}

/// The protocol version the request's `Mcp-Session-Id` agreed on, for the token's user.
fn agreed_version(org: &Org, session: &Session, headers: &HeaderMap) -> Option<String> {
    let sid = headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    org.outbound
        .mcp
        .sessions
        .lock()
        .get(sid)
        .filter(|(user, _)| *user == session.user_id)
        .map(|(_, version)| version.clone())
}

/// A JSON-RPC batch: MCP 2025-03-26 (and 2024-11-05) has servers take one, answering each
/// request in an array and no notification; 2025-06-18 removed batching, so a session that
/// agreed on it (or a batch sent with no session) gets the Invalid Request any body that is
/// not one JSON-RPC object gets.
fn batch(org: &Org, session: &Session, headers: &HeaderMap, items: &[Json]) -> Answer {
    let refused = || {
        answer(
            StatusCode::BAD_REQUEST,
            &rpc_error(
                &Json::Null,
                -32600,
                "Invalid Request: send one JSON-RPC 2.0 object with a method",
            ),
            None,
        )
    };
    let batches_allowed =
        agreed_version(org, session, headers).is_some_and(|v| v.as_str() < "2025-06-18");
    if !batches_allowed {
        return refused();
    }
    if items.is_empty() {
        // JSON-RPC 2.0 §6: an empty array is one Invalid Request.
        let reply = rpc_error(
            &Json::Null,
            -32600,
            "Invalid Request: the batch is empty; send at least one request or notification.",
        );
        return answer(StatusCode::BAD_REQUEST, &reply, None);
    }
    let replies: Vec<Json> = items
        .iter()
        .filter_map(|item| match one(org, session, headers, item, true) {
            Answer::Reply(_, v, _) => Some(v),
            Answer::Accepted => None,
        })
        .collect();
    if replies.is_empty() {
        Answer::Accepted
    } else {
        Answer::Reply(StatusCode::OK, Json::Array(replies), None)
    }
}

/// One JSON-RPC message, alone or in a batch (`batched`).
fn one(org: &Org, session: &Session, headers: &HeaderMap, msg: &Json, batched: bool) -> Answer {
    if msg.get("jsonrpc").and_then(Json::as_str) != Some("2.0")
        || msg.get("method").and_then(Json::as_str).is_none()
    {
        let is_response = msg.get("result").is_some() || msg.get("error").is_some();
        if is_response {
            return Answer::Accepted;
        }
        return answer(
            StatusCode::BAD_REQUEST,
            &rpc_error(
                msg.get("id").unwrap_or(&Json::Null),
                -32600,
                "Invalid Request: send one JSON-RPC 2.0 object with a method",
            ),
            None,
        );
    }
    if let Some(kind) = misfit_id(msg.get("id")) {
        // JSON-RPC answers a request whose id it cannot use with a null id.
        let text = format!(
            "Invalid Request: the id must be a string or an integer, not {kind}; leave the id out only for a notification, which gets no answer. Nothing was run."
        );
        return answer(
            StatusCode::BAD_REQUEST,
            &rpc_error(&Json::Null, -32600, &text),
            None,
        );
    }
    let method = msg["method"].as_str().unwrap_or("");
    let id = msg.get("id").cloned();
    if let Some(problem) = params_problem(method, msg.get("params")) {
        let reply = rpc_error(id.as_ref().unwrap_or(&Json::Null), -32602, &problem);
        return answer(StatusCode::OK, &reply, None);
    }
    let mcp = &org.outbound.mcp;
    if method == "initialize" && batched {
        // MCP 2025-03-26 (Lifecycle): the initialize request must not be part of a batch.
        let reply = rpc_error(
            id.as_ref().unwrap_or(&Json::Null),
            -32600,
            "Invalid Request: initialize must be sent on its own, not in a batch.",
        );
        return answer(StatusCode::BAD_REQUEST, &reply, None);
    }
    if method == "initialize" {
        let asked = msg
            .pointer("/params/protocolVersion")
            .and_then(Json::as_str)
            .unwrap_or("");
        let version = PROTOCOL_VERSIONS
            .iter()
            .find(|v| **v == asked)
            .copied()
            .unwrap_or(PROTOCOL_VERSIONS[0]);
        let sid = uuid::Uuid::new_v4().to_string();
        mcp.sessions
            .lock()
            .insert(sid.clone(), (session.user_id.clone(), version.to_string()));
        let result = json!({
            "protocolVersion": version,
            "capabilities": {"tools": {"listChanged": false}},
            "serverInfo": {"name": "sflab-mock-org", "version": env!("CARGO_PKG_VERSION")},
            "instructions": "Tools act on the sflab mock org as the signed-in user, with that user's permissions."
        });
        return answer(
            StatusCode::OK,
            &rpc_result(&id.unwrap_or(Json::Null), result),
            Some(&sid),
        );
    }
    // After initialize a client sends the version it agreed on; one the server does not
    // speak is refused (without the header, the spec has the server assume 2025-03-26).
    let version = headers
        .get(VERSION_HEADER)
        .map(|v| v.to_str().unwrap_or("").trim());
    if let Some(v) = version.filter(|v| !PROTOCOL_VERSIONS.contains(v)) {
        let text = format!(
            "Unsupported MCP-Protocol-Version {v:?}: send the version initialize agreed on ({}).",
            PROTOCOL_VERSIONS.join(", ")
        );
        let reply = rpc_error(id.as_ref().unwrap_or(&Json::Null), -32600, &text);
        return answer(StatusCode::BAD_REQUEST, &reply, None);
    }
    let sid = headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let known = agreed_version(org, session, headers).is_some();
    if !known {
        let (status, text) = if sid.is_empty() {
            (
                StatusCode::BAD_REQUEST,
                "Send the Mcp-Session-Id header that initialize returned.",
            )
        } else {
            (
                StatusCode::NOT_FOUND,
                "The MCP session is unknown or has ended; initialize again.",
            )
        };
        return answer(
            status,
            &rpc_error(id.as_ref().unwrap_or(&Json::Null), -32000, text),
            None,
        );
    }
    let Some(id) = id else {
        // A notification (e.g. notifications/initialized): accepted, nothing to answer.
        return Answer::Accepted;
    };
    let fixture = match tools::McpFixture::from_org(org) {
        Ok(f) => f,
        Err(e) => return answer(StatusCode::OK, &rpc_error(&id, -32603, &e), None),
    };
    let reply = match method {
        "ping" => rpc_result(&id, json!({})),
        "tools/list" => rpc_result(&id, json!({"tools": tools::list(&fixture)})),
        "tools/call" => {
            let name = msg
                .pointer("/params/name")
                .and_then(Json::as_str)
                .unwrap_or("");
            let empty = serde_json::Map::new();
            let args = match msg.pointer("/params/arguments") {
                None => &empty,
                Some(Json::Object(args)) => args,
                Some(other) => {
                    let text = format!(
                        "Invalid params: params.arguments must be an object of the tool's arguments by name, not {}",
                        describe_kind(other)
                    );
                    return answer(StatusCode::OK, &rpc_error(&id, -32602, &text), None);
                }
            };
            // Arguments that do not fit the tool's inputSchema are a protocol error; an
            // unknown tool is answered below.
            if let Some(problem) = tools::input_schema(&fixture, name)
                .and_then(|schema| arguments::problem(name, &schema, args))
            {
                return answer(StatusCode::OK, &rpc_error(&id, -32602, &problem), None);
            }
            match tools::call(org, session, &fixture, name, args) {
                Err(tools::UnknownTool(n)) => rpc_error(&id, -32602, &format!("Unknown tool: {n}")),
                Ok(outcome) => {
                    let is_error = outcome.is_err();
                    mcp.log.lock().push(McpCall {
                        at: org.clock.now(),
                        username: session.username.clone(),
                        client_id: session.client_id.clone(),
                        tool: name.to_string(),
                        is_error,
                    });
                    let result = match outcome {
                        Ok(Json::String(text)) => {
                            json!({"content": [{"type": "text", "text": text}], "isError": false})
                        }
                        Ok(v) => {
                            json!({"content": [{"type": "text", "text": v.to_string()}], "structuredContent": v, "isError": false})
                        }
                        Err(e) => {
                            json!({"content": [{"type": "text", "text": e.0}], "isError": true})
                        }
                    };
                    rpc_result(&id, result)
                }
            }
        }
        other => rpc_error(&id, -32601, &format!("Method not found: {other}")),
    };
    answer(StatusCode::OK, &reply, None)
}

async fn no_stream() -> Response {
    let mut r = StatusCode::METHOD_NOT_ALLOWED.into_response();
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST, DELETE"));
    r
}

async fn end_session(
    State(state): State<RestState>,
    reached: InstanceUrl,
    headers: HeaderMap,
) -> Response {
    let base = state.org.auth.base_url(&reached);
    let session = match authorise(&state.org, &headers, &base) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let sid = headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut sessions = state.org.outbound.mcp.sessions.lock();
    match sessions.get(sid) {
        Some((user, _)) if *user == session.user_id => {
            sessions.remove(sid);
            StatusCode::NO_CONTENT.into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
