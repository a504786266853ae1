//! The OAuth error answer: `{"error","error_description"}` with the codes and texts orgs use.
//!
//! Every refusal carries two explanations: `description`, the text a real org sends (often
//! terse, sometimes deliberately vague), and `reason`, the precise cause written for the
//! learner, which goes only into the auth decision log. Neither ever holds a secret value.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A refused OAuth request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {description} ({reason})")]
pub struct OAuthError {
    pub status: StatusCode,
    /// The OAuth `error` code, e.g. `invalid_grant`.
    pub code: &'static str,
    /// The `error_description` a real org sends.
    pub description: String,
    /// What actually went wrong, for the decision log and the learner.
    pub reason: String,
    /// Answer 401 with `WWW-Authenticate: Basic` (client authenticated by header and failed).
    pub basic_challenge: bool,
    /// The Login History Status this refusal shows as, when the refusing check knows it
    /// (otherwise [`super::sign_in::failure_status`] works it out).
    pub sign_in_status: Option<&'static str>,
}

impl OAuthError {
    pub fn new(code: &'static str, description: &str, reason: impl Into<String>) -> OAuthError {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            code,
            description: description.to_string(),
            reason: reason.into(),
            basic_challenge: false,
            sign_in_status: None,
        }
    }

    pub fn invalid_request(description: &str, reason: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_request", description, reason)
    }

    pub fn invalid_grant(description: &str, reason: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_grant", description, reason)
    }

    pub fn invalid_client(reason: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_client", "invalid client credentials", reason)
    }

    pub fn unknown_client(reason: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_client_id", "client identifier invalid", reason)
    }

    pub fn unauthorized_client(reason: impl Into<String>) -> OAuthError {
        OAuthError::new(
            "unauthorized_client",
            "this client is not allowed to use this grant type",
            reason,
        )
    }

    pub fn unsupported_grant(reason: impl Into<String>) -> OAuthError {
        OAuthError::new("unsupported_grant_type", "grant type not supported", reason)
    }

    /// The vague answer orgs give for any dead, foreign or reused refresh token.
    pub fn bad_refresh(reason: impl Into<String>) -> OAuthError {
        OAuthError::invalid_grant("expired access/refresh token", reason)
    }

    /// The user may not use the app: neither approved by the user nor pre-authorized by an
    /// admin. Login History shows it as "Failed: Not approved for access".
    pub fn not_approved(description: &str, reason: impl Into<String>) -> OAuthError {
        OAuthError {
            sign_in_status: Some(super::sign_in::NOT_APPROVED),
            ..OAuthError::invalid_grant(description, reason)
        }
    }

    /// Turns this error into a 401 with `WWW-Authenticate: Basic` (RFC 6749 §5.2).
    pub fn with_basic_challenge(mut self) -> OAuthError {
        self.status = StatusCode::UNAUTHORIZED;
        self.basic_challenge = true;
        self
    }
}

/// Headers every token-endpoint answer carries (RFC 6749 §5.1).
pub fn no_store(response: &mut Response) {
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// A JSON body with Salesforce's content type.
pub fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    no_store(&mut r);
    r
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": self.code, "error_description": self.description});
        let mut r = json_response(self.status, &body);
        if self.basic_challenge {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"sflab\""),
            );
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_code_and_description_but_not_the_reason() {
        let e = OAuthError::invalid_grant("invalid authorization code", "code used twice");
        let r = e.into_response();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(r.headers()[header::PRAGMA], "no-cache");
    }

    #[test]
    fn basic_challenge_answers_401_with_www_authenticate() {
        let r = OAuthError::invalid_client("bad secret")
            .with_basic_challenge()
            .into_response();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.headers().contains_key(header::WWW_AUTHENTICATE));
    }
}
