//! `POST /services/oauth2/token`: reads the request strictly, authenticates the client,
//! dispatches on `grant_type` (or Salesforce's `response_type=device_code`), and logs the
//! decision.

use super::client_auth::refuse_other_schemes;
use super::config::{ExternalClientApp, Flow};
use super::decision::{Draft, Outcome};
use super::error::{json_response, OAuthError};
use super::form::{post_form, Params};
use super::server::AuthServer;
use super::sign_in::{login_host, Origin};
use super::users::User;
use super::{device, grant_assertion, grant_code, grant_direct};
use crate::org::rest::InstanceUrl;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::response::Response;
use serde_json::Value;
use std::net::{IpAddr, SocketAddr};

pub const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
pub const SAML_GRANT: &str = "urn:ietf:params:oauth:grant-type:saml2-bearer";
const MAX_BODY: usize = 256 * 1024;

/// One token request, read and ready for a grant handler.
pub struct TokenCtx {
    pub headers: HeaderMap,
    pub params: Params,
    pub base_url: String,
    pub peer: Option<IpAddr>,
}

impl TokenCtx {
    /// The address the client called from: the TCP peer `serve` saw, or `None` when the
    /// request came without one (a router driven directly, as in tests).
    ///
    /// A header the client wrote (`X-Forwarded-For`, `Forwarded`, …) is never believed:
    /// anyone can send one. Behind sflab's recording proxy the peer is the proxy, on
    /// 127.0.0.1; the proxy listens on 127.0.0.1 alone and adds no forwarding header, so
    /// every caller it forwards is on this machine too, and 127.0.0.1 is the right answer.
    pub fn client_ip(&self) -> Option<IpAddr> {
        self.peer.map(|ip| match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        })
    }
}

pub async fn token_endpoint(
    State(auth): State<AuthServer>,
    reached: InstanceUrl,
    request: Request<Body>,
) -> Response {
    let mut draft = Draft::new("(unknown)");
    let base_url = auth.base_url(&reached);
    let result = read_and_dispatch(&auth, base_url, request, &mut draft).await;
    match result {
        Ok(body) => {
            let reason = match (&draft.username, draft.grant.as_str()) {
                (_, "device_code") => {
                    "device code issued; waiting for the user to approve".to_string()
                }
                (Some(who), _) => format!("tokens issued to {who}"),
                (None, _) => "tokens issued".to_string(),
            };
            auth.record(draft, Outcome::Issued, None, reason);
            json_response(StatusCode::OK, &body)
        }
        Err(e) => {
            let outcome = match e.code {
                "authorization_pending" | "slow_down" => Outcome::Pending,
                _ => Outcome::Refused,
            };
            draft.sign_in_status = e.sign_in_status;
            auth.record(draft, outcome, Some(e.code), e.reason.clone());
            axum::response::IntoResponse::into_response(e)
        }
    }
}

async fn read_and_dispatch(
    auth: &AuthServer,
    base_url: String,
    request: Request<Body>,
    draft: &mut Draft,
) -> Result<Value, OAuthError> {
    let (parts, body) = request.into_parts();
    if parts.method != Method::POST {
        return Err(OAuthError::invalid_request(
            "must use HTTP POST",
            format!(
                "the token endpoint was called with {}; use POST with a form body",
                parts.method
            ),
        ));
    }
    let params = post_form(&parts, body, "the token endpoint", MAX_BODY).await?;
    let ctx = TokenCtx {
        base_url,
        peer: parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip()),
        headers: parts.headers,
        params,
    };
    draft.client_id = ctx.params.get("client_id").map(str::to_string);
    draft.origin = Origin {
        source_ip: ctx.client_ip().map(|ip| ip.to_string()),
        browser: user_agent(&ctx.headers),
        login_url: Some(login_host(&ctx.base_url)),
    };
    refuse_other_schemes(&ctx.headers, "the token endpoint")?;
    if ctx.params.get("response_type") == Some("device_code") {
        draft.grant = "device_code".into();
        return device::start(auth, &ctx, draft);
    }
    let grant = ctx.params.require("grant_type")?.to_string();
    draft.grant = match grant.as_str() {
        JWT_GRANT => "jwt_bearer".into(),
        SAML_GRANT => "saml_bearer".into(),
        other => other.to_string(),
    };
    match grant.as_str() {
        "authorization_code" => grant_code::authorization_code(auth, &ctx, draft),
        "refresh_token" => grant_code::refresh(auth, &ctx, draft),
        "client_credentials" => grant_direct::client_credentials(auth, &ctx, draft),
        "password" => grant_direct::password(auth, &ctx, draft),
        "device" | "urn:ietf:params:oauth:grant-type:device_code" => {
            device::poll(auth, &ctx, draft)
        }
        JWT_GRANT => grant_assertion::jwt_bearer(auth, &ctx, draft),
        SAML_GRANT => grant_assertion::saml_bearer(auth, &ctx, draft),
        other => Err(OAuthError::unsupported_grant(format!(
            "'{other}' is not a grant type this org knows"
        ))),
    }
}

/// The caller's `User-Agent`, as Login History's Browser shows it.
pub fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|h| h.to_str().ok())
        .map(|ua| ua.chars().take(64).collect())
}

/// Refuses a grant the app is not enabled for.
pub fn require_flow(app: &ExternalClientApp, flow: Flow) -> Result<(), OAuthError> {
    if app.allows(flow) {
        Ok(())
    } else {
        Err(OAuthError::unauthorized_client(format!(
            "app '{}' is not enabled for the {flow:?} flow; enable it in the app's OAuth settings",
            app.name
        )))
    }
}

/// Refuses users who may not log in, with the error orgs send.
pub fn require_active(user: &User) -> Result<(), OAuthError> {
    use super::users::UserStatus;
    let reason = match user.login_blocked() {
        None => return Ok(()),
        Some(r) => format!("{} ({r})", user.username),
    };
    Err(match user.status {
        UserStatus::Inactive => OAuthError::new("inactive_user", "user is inactive", reason),
        UserStatus::Locked => OAuthError::invalid_grant("user is locked", reason),
        // What a real org says for a frozen user is not verified; a failed login is the
        // likeliest answer.
        _ => OAuthError::invalid_grant("authentication failure", reason),
    })
}

/// Refuses calls from outside the app's IP ranges (when it has any), judged by the
/// connection's own address (see [`TokenCtx::client_ip`]). A call whose address is unknown
/// is refused too: a restriction that cannot be checked does not let the call through.
pub fn require_ip(app: &ExternalClientApp, ctx: &TokenCtx) -> Result<(), OAuthError> {
    if app.ip_ranges.is_empty() {
        return Ok(());
    }
    let ranges = app
        .ip_ranges
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    match ctx.client_ip() {
        Some(ip) if app.ip_ranges.iter().any(|r| r.contains(ip)) => Ok(()),
        Some(ip) => Err(OAuthError::invalid_grant(
            "ip restricted",
            format!(
                "app '{}' only accepts calls from its ip_ranges ({ranges}), and this call came from {ip}; \
                 sflab's org is called from this machine, so add {ip} to the app's ip_ranges to allow it",
                app.name
            ),
        )),
        None => Err(OAuthError::invalid_grant(
            "ip restricted",
            format!(
                "app '{}' only accepts calls from its ip_ranges ({ranges}), and the org could not \
                 tell which address this call came from, so it is refused",
                app.name
            ),
        )),
    }
}

/// The scope a requested scope name stands for: `offline_access` (the OpenID Connect name)
/// is Salesforce's `refresh_token`, at the authorize endpoint and on a refresh alike.
pub fn scope_name(requested: &str) -> &str {
    match requested {
        "offline_access" => "refresh_token",
        other => other,
    }
}

/// The scopes to grant: the requested ones (each must be among the app's), else the app's.
pub fn granted_scopes(
    app: &ExternalClientApp,
    requested: Option<&str>,
) -> Result<Vec<String>, OAuthError> {
    let Some(req) = requested.filter(|s| !s.trim().is_empty()) else {
        return Ok(app.scopes.clone());
    };
    let mut out: Vec<String> = Vec::new();
    for s in req.split_whitespace().map(scope_name) {
        if !app.has_scope(s) {
            return Err(OAuthError::new(
                "invalid_scope",
                "the requested scope is not allowed",
                format!(
                    "app '{}' does not have the '{s}' scope; it has: {}",
                    app.name,
                    app.scopes.join(" ")
                ),
            ));
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    Ok(out)
}

/// Scopes without `refresh_token` (grants that never give one).
pub fn without_refresh(scopes: Vec<String>) -> Vec<String> {
    scopes
        .into_iter()
        .filter(|s| s != "refresh_token" && s != "offline_access")
        .collect()
}
