//! Client authentication at the token endpoint: HTTP Basic or body parameters, never both,
//! never a secret in the URL (RFC 6749 §2.3).

use super::config::{AuthConfig, ExternalClientApp};
use super::error::OAuthError;
use super::form::Params;
use super::pkce::constant_time_eq;
use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// How strictly a grant authenticates its client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretRule {
    /// Confidential apps must prove their secret (authorization code, refresh, client
    /// credentials, password).
    Required,
    /// A secret is checked if sent, but not needed (device flow polling).
    IfPresent,
}

/// The credentials a request carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    pub client_id: Option<String>,
    pub secret: Option<String>,
    pub basic: bool,
}

/// Refuses an `Authorization` header of any scheme but Basic (Bearer, Digest, …): the client
/// meant to authenticate with it, and an endpoint that ignored it would judge the request as
/// if no header had been sent. RFC 6749 §5.2: 401 `invalid_client` with a Basic challenge.
/// (The exact `error_description` a real org sends here is not known; the mock's says what
/// went wrong.)
pub fn refuse_other_schemes(headers: &HeaderMap, endpoint: &str) -> Result<(), OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(());
    };
    let text = value.to_str().unwrap_or("");
    let scheme = text.split_whitespace().next().unwrap_or("");
    if scheme.eq_ignore_ascii_case("basic") {
        return Ok(());
    }
    let shown = if scheme.is_empty() {
        "an empty".to_string()
    } else {
        format!("a '{}'", scheme.chars().take(20).collect::<String>())
    };
    Err(OAuthError::new(
        "invalid_client",
        "only Basic client authentication is accepted in the Authorization header",
        format!(
            "{shown} Authorization header was sent to {endpoint}, which accepts only \
             'Authorization: Basic base64(client_id:client_secret)' (or client_id and \
             client_secret in the form body, without the header)"
        ),
    )
    .with_basic_challenge())
}

/// Reads client credentials from the `Authorization: Basic` header and the body.
pub fn presented(headers: &HeaderMap, params: &Params) -> Result<Presented, OAuthError> {
    let basic = match headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
    {
        // `Basic` with nothing after it is a failed Basic authentication too (401).
        Some(h)
            if h.len() >= 5
                && h[..5].eq_ignore_ascii_case("basic")
                && (h.len() == 5 || h.as_bytes()[5] == b' ') =>
        {
            let bad = || {
                OAuthError::invalid_client(
                    "the Basic authorization header is not base64 of id:secret",
                )
                .with_basic_challenge()
            };
            let encoded = h[5..].trim();
            if encoded.is_empty() {
                return Err(bad());
            }
            let raw = STANDARD.decode(encoded).map_err(|_| bad())?;
            let text = String::from_utf8(raw).map_err(|_| bad())?;
            let (id, secret) = text.split_once(':').ok_or_else(bad)?;
            let dec = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .to_string()
            };
            Some((dec(id), dec(secret)))
        }
        _ => None,
    };
    let body_id = params
        .get("client_id")
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let body_secret = params
        .get("client_secret")
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    match basic {
        Some((id, secret)) => {
            if body_secret.is_some() {
                return Err(OAuthError::invalid_request(
                    "use one client authentication method",
                    "the client sent its secret both in the Basic header and in the body; send it once",
                ));
            }
            if body_id.as_deref().is_some_and(|b| b != id) {
                return Err(OAuthError::invalid_request(
                    "client_id mismatch",
                    "the client_id in the body differs from the one in the Basic header",
                ));
            }
            Ok(Presented {
                client_id: Some(id),
                secret: Some(secret),
                basic: true,
            })
        }
        None => Ok(Presented {
            client_id: body_id,
            secret: body_secret,
            basic: false,
        }),
    }
}

/// Finds the app and checks its secret per `rule`.
pub fn authenticate(
    config: &AuthConfig,
    p: &Presented,
    rule: SecretRule,
) -> Result<ExternalClientApp, OAuthError> {
    let challenge = |e: OAuthError| if p.basic { e.with_basic_challenge() } else { e };
    let Some(id) = p.client_id.as_deref() else {
        return Err(OAuthError::invalid_client(
            "no client_id was sent (in the body or a Basic header)",
        ));
    };
    let Some(app) = config.app_by_key(id) else {
        return Err(if p.basic {
            OAuthError::invalid_client("no app has this consumer key").with_basic_challenge()
        } else {
            OAuthError::unknown_client(
                "no app has this consumer key; copy it from the app's settings",
            )
        });
    };
    match (&app.consumer_secret, p.secret.as_deref()) {
        (None, None) => Ok(app.clone()),
        (None, Some(_)) => Err(challenge(OAuthError::invalid_client(format!(
            "app '{}' is a public client and has no secret; do not send one",
            app.name
        )))),
        (Some(_), None) if rule == SecretRule::IfPresent => Ok(app.clone()),
        (Some(_), None) => Err(challenge(OAuthError::invalid_client(format!(
            "app '{}' is confidential: send its consumer secret (client_secret or a Basic header)",
            app.name
        )))),
        (Some(expected), Some(got)) => {
            if constant_time_eq(expected.as_bytes(), got.as_bytes()) {
                Ok(app.clone())
            } else {
                Err(challenge(OAuthError::invalid_client(format!(
                    "the consumer secret sent for app '{}' is wrong",
                    app.name
                ))))
            }
        }
    }
}
