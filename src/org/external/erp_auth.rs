//! The mock ERP's OAuth 2.0 side: its token endpoint (`POST /ext/erp/oauth/token`, client
//! credentials only) and the bearer check on its order endpoints.
//!
//! The ERP is a third-party authorization server, held to the same RFCs as the org's own token
//! endpoint and read by the same helpers ([`crate::org::auth::form`],
//! [`crate::org::auth::client_auth`]):
//!
//! - The body is a form (`application/x-www-form-urlencoded`, or multipart): a JSON body is
//!   `invalid_request` (unsupported content type), not a grant the ERP does not know; a
//!   parameter sent twice is `invalid_request` too (RFC 6749 §3.1), as is a missing
//!   `grant_type`. Any grant but `client_credentials` is `unsupported_grant_type`.
//! - The client authenticates by HTTP Basic or by `client_id`/`client_secret` in the body,
//!   never both at once (RFC 6749 §2.3): `invalid_request`. Wrong credentials are a 401
//!   `invalid_client`, with a Basic challenge when the client used the header (§5.2).
//! - Every answer, token or error, carries `Cache-Control: no-store` and `Pragma: no-cache`
//!   (§5.1).
//! - A 401 from an order endpoint carries `WWW-Authenticate: Bearer realm="erp"`, with
//!   `error="invalid_token"` and a description when a token was sent (RFC 6750 §3, §3.1).
//!
//! Implementation notes: the ERP has no decision log, so its `error_description` is the
//! org's short text followed by the precise reason the org keeps for its log.

use super::{header_str, same, ExtContext, ERP_TOKEN_SECONDS};
use crate::org::auth::client_auth;
use crate::org::auth::error::{no_store, OAuthError};
use crate::org::auth::form::Params;
use crate::org::mcp::discovery::header_text;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};

/// What the ERP keeps of a token it issued: its digest, never the token.
pub(super) fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The ERP's answer to a refused token request.
fn refusal(e: OAuthError) -> Response {
    let description = if e.reason.is_empty() {
        e.description
    } else {
        format!("{} ({})", e.description, e.reason)
    };
    let body = json!({"error": e.code, "error_description": description});
    let mut r = json_answer(e.status, &body);
    if e.basic_challenge {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"erp\""),
        );
    }
    r
}

/// A token-endpoint answer: JSON, never cached.
fn json_answer(status: StatusCode, body: &Json) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    no_store(&mut r);
    r
}

/// Checks a token request against the ERP's one client (`id`, `secret`).
fn check_token_request(
    headers: &HeaderMap,
    body: &[u8],
    id: &str,
    secret: &str,
) -> Result<(), OAuthError> {
    let params = Params::from_body(header_str(headers, "content-type"), body)?;
    let grant = params.require("grant_type")?;
    if grant != "client_credentials" {
        return Err(OAuthError::new(
            "unsupported_grant_type",
            "This token endpoint supports grant_type=client_credentials only.",
            "",
        ));
    }
    let presented = client_auth::presented(headers, &params)?;
    let right = presented.client_id.as_deref().is_some_and(|i| same(i, id))
        && presented.secret.as_deref().is_some_and(|s| same(s, secret));
    if right {
        return Ok(());
    }
    let wrong = OAuthError::new("invalid_client", "The client id or secret is wrong.", "");
    Err(OAuthError {
        status: StatusCode::UNAUTHORIZED,
        basic_challenge: presented.basic,
        ..wrong
    })
}

/// `POST /ext/erp/oauth/token`: a client credentials token.
pub(super) async fn erp_token(
    State(cx): State<ExtContext>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let config = match cx.services.config(&cx.org) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let checked = check_token_request(
        &headers,
        &body,
        &config.erp_client_id,
        &config.erp_client_secret,
    );
    if let Err(e) = checked {
        return refusal(e);
    }
    let token = format!("erp_{}", crate::org::auth::config::random_hex(24));
    let exp = cx.org.clock.now() + Duration::seconds(ERP_TOKEN_SECONDS);
    cx.services.inner.lock().tokens.insert(digest(&token), exp);
    json_answer(
        StatusCode::OK,
        &json!({"access_token": token, "token_type": "Bearer", "expires_in": ERP_TOKEN_SECONDS}),
    )
}

/// A 401 from an order endpoint: `{error, message}` as the ERP's other errors, and the Bearer
/// challenge of RFC 6750 §3 (with `error` only when a token was sent, §3.1).
fn unauthorised(token_sent: bool, message: &str) -> Response {
    let mut r = super::err(StatusCode::UNAUTHORIZED, "invalid_token", message);
    let challenge = if token_sent {
        format!(
            "Bearer realm=\"erp\", error=\"invalid_token\", error_description=\"{}\"",
            header_text(message)
        )
    } else {
        "Bearer realm=\"erp\"".to_string()
    };
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

/// Checks an ERP bearer token: one the ERP issued, or a JWT the org signed for `aud: erp`.
pub(super) fn erp_authorised(cx: &ExtContext, headers: &HeaderMap) -> Result<(), Response> {
    let token = header_str(headers, "authorization")
        .and_then(|v| v.split_once(' '))
        .filter(|(s, _)| s.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .ok_or_else(|| {
            unauthorised(
                false,
                "Send Authorization: Bearer <token> from POST /ext/erp/oauth/token.",
            )
        })?;
    let refused = |m: &str| unauthorised(true, m);
    let now = cx.org.clock.now();
    if token.starts_with("erp_") {
        return match cx.services.inner.lock().tokens.get(&digest(token)) {
            Some(exp) if *exp > now => Ok(()),
            Some(_) => Err(refused(
                "The access token has expired; get a new one from the token endpoint.",
            )),
            None => Err(refused("The access token is not one this ERP issued.")),
        };
    }
    let jwt = crate::org::auth::jwt::decode(token)
        .map_err(|_| refused("The bearer token is neither an ERP token nor a JWT."))?;
    jwt.verify(&cx.org.auth.keys().public())
        .map_err(|_| refused("The JWT's signature does not verify with the org's key."))?;
    let claims = &jwt.claims;
    let aud_ok = match claims.get("aud") {
        Some(Json::String(a)) => a == "erp",
        Some(Json::Array(a)) => a.iter().any(|x| x == "erp"),
        _ => false,
    };
    let exp_ok = claims
        .get("exp")
        .and_then(Json::as_i64)
        .is_some_and(|e| e > now.timestamp());
    if !aud_ok || !exp_ok {
        return Err(refused(
            "The JWT must name aud \"erp\" and must not have expired.",
        ));
    }
    Ok(())
}
