//! How an MCP client finds where to sign in: the OAuth 2.0 Protected Resource Metadata
//! (RFC 9728) the MCP authorization spec (2025-06-18) has a server publish, and the
//! `WWW-Authenticate` challenge of every 401 and 403, which names that document's URL in
//! `resource_metadata`.
//!
//! The document is served at `/.well-known/oauth-protected-resource/services/mcp` (the
//! resource's path after the well-known prefix, RFC 9728 §3.1) and, for clients that look only
//! at the host's root, at `/.well-known/oauth-protected-resource`, which describes the org as a
//! whole (its `resource` is the org's own URL, as §3.3 wants of a document found there). Its
//! `authorization_servers` is the org itself: the issuer that `/.well-known/openid-configuration`
//! names, built the same way from the address the client reached, so a client that came
//! through the recording proxy is pointed back at the proxy.
//!
//! [U] Salesforce's hosted MCP servers publish such a document, but its exact members (and
//! whether the root path answers) are not known; sflab sends the members RFC 9728 defines.

use crate::org::rest::{InstanceUrl, RestState};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The well-known prefix of RFC 9728.
pub const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";
/// Where the MCP server answers.
pub const MCP_PATH: &str = "/services/mcp";

/// The scopes a client may ask for to use the MCP server.
const SCOPES: [&str; 3] = ["mcp_api", "api", "refresh_token"];

/// The URL of the MCP server's metadata, for an org reached at `base`.
pub fn metadata_url(base: &str) -> String {
    format!("{base}{METADATA_PATH}{MCP_PATH}")
}

/// `text` as an auth-param value (RFC 6750 §3: printable ASCII without `"` or `\`).
pub fn header_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            c if (' '..='~').contains(&c) => c,
            _ => ' ',
        })
        .collect()
}

/// A Bearer challenge naming the metadata URL, then `params` (`error`, `error_description`,
/// `scope`) in order.
pub fn challenge(base: &str, params: &[(&str, &str)]) -> String {
    let mut out = format!(
        "Bearer realm=\"sflab\", resource_metadata=\"{}\"",
        header_text(&metadata_url(base))
    );
    for (name, value) in params {
        out.push_str(&format!(", {name}=\"{}\"", header_text(value)));
    }
    out
}

/// `GET` either well-known path: the metadata JSON.
pub async fn metadata(State(state): State<RestState>, reached: InstanceUrl, uri: Uri) -> Response {
    let base = state.org.auth.base_url(&reached);
    let resource = if uri.path().ends_with(MCP_PATH) {
        format!("{base}{MCP_PATH}")
    } else {
        base.clone()
    };
    let body = json!({
        "resource": resource,
        "authorization_servers": [base],
        "scopes_supported": SCOPES,
        "bearer_methods_supported": ["header"],
        "resource_name": "sflab mock org MCP server",
    });
    let mut r = (StatusCode::OK, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
