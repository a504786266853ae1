//! `POST /services/oauth2/introspect`: is this token alive, and whose is it (RFC 7662)?
//!
//! The client authenticates as at the token endpoint (a Basic header or `client_id` and
//! `client_secret` in the body, never in the URL) and sends `token`, with an optional
//! `token_type_hint` of `access_token` or `refresh_token`. A live token gets
//! `{active, scope, client_id, username, sub, token_type, exp, iat, nbf}`; an unknown, expired
//! or revoked one gets `{"active": false}` and nothing else, so a caller cannot tell which.
//!
//! Implementation notes:
//! - Salesforce lets an app introspect only its own tokens unless its settings allow it to
//!   introspect all of the org's tokens; the mock has no such setting, so it models the
//!   own-tokens rule: another app's token answers `{"active": false}` (RFC 7662 §2.2 lets a
//!   server hide a token from a client this way), and the decision log says why.
//! - `token_type` is `access_token` or `refresh_token`, as Salesforce's documented example
//!   shows; `sub` is the user's identity URL. A refresh token's `exp` is left out when the app
//!   keeps refresh tokens until revoked. What a real org puts in `exp` for such a token is not
//!   known.
//! - The hint only orders the lookup (RFC 7662 §2.1); an unknown hint is refused with
//!   `unsupported_token_type`, as the revoke endpoint does.

use super::client_auth::{authenticate, presented, refuse_other_schemes, SecretRule};
use super::decision::{Draft, Outcome};
use super::error::{json_response, OAuthError};
use super::form::post_form;
use super::grants::{digest, RefreshStatus};
use super::server::AuthServer;
use crate::org::rest::InstanceUrl;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

const MAX_BODY: usize = 64 * 1024;

pub async fn introspect(
    State(auth): State<AuthServer>,
    reached: InstanceUrl,
    request: Request<Body>,
) -> Response {
    let mut draft = Draft::new("introspect");
    let base_url = auth.base_url(&reached);
    match run(&auth, &base_url, request, &mut draft).await {
        Ok((body, why)) => {
            auth.record(draft, Outcome::Answered, None, why);
            json_response(StatusCode::OK, &body)
        }
        Err(e) => {
            auth.record(draft, Outcome::Refused, Some(e.code), e.reason.clone());
            e.into_response()
        }
    }
}

/// What a live token says about itself.
struct Live {
    token_type: &'static str,
    client_id: String,
    user_id: String,
    scopes: Vec<String>,
    issued: DateTime<Utc>,
    expires: Option<DateTime<Utc>>,
}

async fn run(
    auth: &AuthServer,
    base_url: &str,
    request: Request<Body>,
    draft: &mut Draft,
) -> Result<(Value, String), OAuthError> {
    let (parts, body) = request.into_parts();
    if parts.method != Method::POST {
        return Err(OAuthError::invalid_request(
            "must use HTTP POST",
            format!(
                "the introspection endpoint was called with {}; POST the token in a form body",
                parts.method
            ),
        ));
    }
    let params = post_form(&parts, body, "the introspection endpoint", MAX_BODY).await?;
    draft.client_id = params.get("client_id").map(str::to_string);
    refuse_other_schemes(&parts.headers, "the introspection endpoint")?;
    let p = presented(&parts.headers, &params)?;
    draft.client_id = p.client_id.clone();
    let app = auth.with_config(|c| authenticate(c, &p, SecretRule::Required))?;
    let token = params.require("token")?;
    let hint = params.get("token_type_hint");
    let refresh_first = match hint {
        None | Some("access_token") => false,
        Some("refresh_token") => true,
        Some(other) => {
            return Err(OAuthError::new(
                "unsupported_token_type",
                "this token type is not supported",
                format!("token_type_hint '{other}' is unknown; send access_token or refresh_token"),
            ))
        }
    };
    let live = if refresh_first {
        live_refresh(auth, token).or_else(|| live_access(auth, token))
    } else {
        live_access(auth, token).or_else(|| live_refresh(auth, token))
    };
    let inactive = |why: &str| (json!({"active": false}), why.to_string());
    let Some(live) = live else {
        return Ok(inactive(
            "token is not active: the org does not know it, or it expired or was revoked",
        ));
    };
    if live.client_id != app.consumer_key {
        return Ok(inactive(&format!(
            "token is not active for app '{}': it was issued to another app, and an app may \
             introspect only its own tokens",
            app.name
        )));
    }
    let Some(user) = auth.with_config(|c| c.users.by_id(&live.user_id).cloned()) else {
        return Ok(inactive("token is not active: its user no longer exists"));
    };
    draft.username = Some(user.username.clone());
    let mut body = json!({
        "active": true,
        "scope": live.scopes.join(" "),
        "client_id": live.client_id,
        "username": user.username,
        "sub": auth.identity_url(base_url, &user),
        "token_type": live.token_type,
        "iat": live.issued.timestamp(),
        "nbf": live.issued.timestamp(),
    });
    if let Some(exp) = live.expires {
        body["exp"] = json!(exp.timestamp());
    }
    let why = format!("{} is active", live.token_type.replace('_', " "));
    Ok((body, why))
}

fn live_access(auth: &AuthServer, token: &str) -> Option<Live> {
    let s = auth.sessions().validate(token, auth.clock().now()).ok()?;
    Some(Live {
        token_type: "access_token",
        // A static token (from a seed) belongs to no app, so no app may introspect it.
        client_id: s.client_id.clone()?,
        user_id: s.user_id.clone(),
        scopes: s.scopes.clone(),
        issued: s.issued_at,
        expires: s.expires_at,
    })
}

fn live_refresh(auth: &AuthServer, token: &str) -> Option<Live> {
    let now = auth.clock().now();
    let record = auth.grants().refresh.get(&digest(token)).cloned()?;
    let alive = record.status == RefreshStatus::Active && record.expires.is_none_or(|t| t > now);
    alive.then_some(Live {
        token_type: "refresh_token",
        client_id: record.client_id,
        user_id: record.user_id,
        scopes: record.scopes,
        issued: record.issued,
        expires: record.expires,
    })
}
