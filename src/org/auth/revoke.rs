//! `POST /services/oauth2/revoke` (and `GET …/revoke?token=…`).
//!
//! Mode chosen: Salesforce's, not RFC 7009's. A token the org knows is revoked with 200; an
//! unknown or already dead token answers 400 `invalid_token` (RFC 7009 §2.2 would say 200), and
//! an unknown `token_type_hint` answers 400 `unsupported_token_type`. Revoking a refresh token
//! revokes its whole family, access tokens included; revoking an access token revokes only it.
//! Client authentication is optional, as in Salesforce; when credentials are sent they must be
//! right and the token must belong to that client. A POST refuses parameters in its URL as the
//! token endpoint does (a secret there ends up in logs, and credentials the endpoint ignored
//! would let a wrong secret through). `GET ?token=…` works too, as Salesforce
//! documents it; the token then sits in a URL that proxies and server logs keep, which the
//! `secrets.not_in_url` rule judges — the lessons teach POST.

use super::client_auth::{authenticate, presented, SecretRule};
use super::decision::{Draft, Outcome};
use super::error::{json_response, OAuthError};
use super::form::{post_form, Params, SECRET_PARAMS};
use super::grants::{digest, RefreshStatus};
use super::server::AuthServer;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};

pub async fn revoke(State(auth): State<AuthServer>, request: Request<Body>) -> Response {
    let mut draft = Draft::new("revoke");
    match run(&auth, request, &mut draft).await {
        Ok(what) => {
            auth.record(draft, Outcome::Revoked, None, what);
            let mut r = json_response(StatusCode::OK, &serde_json::json!({}));
            *r.body_mut() = Body::empty();
            r.headers_mut().remove(header::CONTENT_TYPE);
            r
        }
        Err(e) => {
            auth.record(draft, Outcome::Refused, Some(e.code), e.reason.clone());
            e.into_response()
        }
    }
}

async fn run(
    auth: &AuthServer,
    request: Request<Body>,
    draft: &mut Draft,
) -> Result<String, OAuthError> {
    let (parts, body) = request.into_parts();
    let params = if parts.method == Method::GET {
        let params = Params::from_urlencoded(parts.uri.query().unwrap_or("").as_bytes())?;
        // `token` may sit in a GET's URL (Salesforce documents it); credentials may not.
        if let Some(name) = params
            .names()
            .find(|n| *n != "token" && SECRET_PARAMS.contains(n))
        {
            return Err(OAuthError::invalid_request(
                "credentials must not be sent in the URL",
                format!(
                    "'{name}' was sent in the query string, where logs and proxies keep it; \
                     POST it in the form body"
                ),
            ));
        }
        params
    } else if parts.method == Method::POST {
        post_form(&parts, body, "the revoke endpoint", 64 * 1024).await?
    } else {
        return Err(OAuthError::invalid_request(
            "must use HTTP POST or GET",
            "send the token in a POST form body",
        ));
    };
    let token = params.require("token")?;
    let hint = params.get("token_type_hint");
    if !matches!(hint, None | Some("access_token") | Some("refresh_token")) {
        return Err(OAuthError::new(
            "unsupported_token_type",
            "this token type is not supported",
            "token_type_hint must be access_token or refresh_token",
        ));
    }
    let p = presented(&parts.headers, &params)?;
    draft.client_id = p.client_id.clone();
    let client = match p.client_id {
        Some(_) => Some(
            auth.with_config(|c| authenticate(c, &p, SecretRule::IfPresent))?
                .consumer_key,
        ),
        None => None,
    };
    let foreign = || {
        OAuthError::new(
            "unauthorized_client",
            "token was not issued to this client",
            "the token belongs to another app",
        )
    };
    let mut grants = auth.grants();
    if let Some(record) = grants.refresh.get(&digest(token)).cloned() {
        if client.as_ref().is_some_and(|c| c != &record.client_id) {
            return Err(foreign());
        }
        if record.status == RefreshStatus::Revoked {
            return Err(OAuthError::new(
                "invalid_token",
                "invalid token",
                "this refresh token is already revoked",
            ));
        }
        grants.revoke_family(&record.family);
        drop(grants);
        let n = auth.sessions().revoke_family(&record.family);
        return Ok(format!(
            "refresh token revoked with its family ({n} access token(s))"
        ));
    }
    drop(grants);
    match auth.sessions().validate(token, auth.clock().now()) {
        Ok(s) => {
            if client.is_some() && s.client_id != client {
                return Err(foreign());
            }
            draft.username = Some(s.username.clone());
            auth.sessions().revoke(token);
            Ok("access token revoked".into())
        }
        Err(_) => Err(OAuthError::new(
            "invalid_token",
            "invalid token",
            "the org does not know this token, or it is already revoked or expired",
        )),
    }
}
