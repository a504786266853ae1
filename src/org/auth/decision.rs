//! The auth decision log: one entry per token request (and per authorize/device/revoke
//! decision), so rules judge facts — "was PKCE S256 used, did the verifier match" — instead
//! of guessing from traffic. Append-only; never holds a secret value.
//!
//! Every text a decision holds may carry what a client sent (a JWT's `sub`, an unknown grant
//! type, a `code_challenge_method` quoted in the reason), and the log is printed on the
//! `org serve` console and in a lab's feedback: [`Draft::finish`] passes each one through
//! [`log_safe`], so no client value can start a line or drive the terminal.

use super::log_text::log_safe;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Tokens (or a code, or a device code) were issued.
    Issued,
    /// The request was refused; `error` and `reason` say why.
    Refused,
    /// The device flow is waiting (`authorization_pending`, `slow_down`).
    Pending,
    /// A token was revoked.
    Revoked,
    /// A question about a token was answered (introspection: active or not).
    Answered,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthDecision {
    pub at: DateTime<Utc>,
    /// `authorization_code`, `client_credentials`, `jwt_bearer`, `refresh_token`, `device`,
    /// `device_code` (device start), `saml_bearer`, `password`, `authorize`, `revoke`,
    /// `introspect`, or the unknown grant type as sent.
    pub grant: String,
    /// The consumer key the client presented (public, not a secret).
    pub client_id: Option<String>,
    pub username: Option<String>,
    /// `S256` or `plain` when the code was issued with a challenge.
    pub pkce_method: Option<String>,
    /// Whether the code verifier matched the challenge (None: no PKCE involved).
    pub verifier_matched: Option<bool>,
    pub outcome: Outcome,
    /// The OAuth error code sent, when refused.
    pub error: Option<String>,
    /// What happened, in words a learner can act on.
    pub reason: String,
}

/// A decision being assembled while a request is handled.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub grant: String,
    pub client_id: Option<String>,
    pub username: Option<String>,
    pub pkce_method: Option<String>,
    pub verifier_matched: Option<bool>,
    /// Where the request came from (for Login History; not kept in the log).
    pub origin: super::sign_in::Origin,
    /// The Login History Status a refusal named (see [`super::error::OAuthError`]); not kept
    /// in the log.
    pub sign_in_status: Option<&'static str>,
}

impl Draft {
    pub fn new(grant: &str) -> Draft {
        Draft {
            grant: grant.to_string(),
            ..Draft::default()
        }
    }

    pub fn finish(
        self,
        at: DateTime<Utc>,
        outcome: Outcome,
        error: Option<&str>,
        reason: String,
    ) -> AuthDecision {
        let safe = |text: String| log_safe(&text).into_owned();
        AuthDecision {
            at,
            grant: safe(self.grant),
            client_id: self.client_id.map(safe),
            username: self.username.map(safe),
            pkce_method: self.pkce_method.map(safe),
            verifier_matched: self.verifier_matched,
            outcome,
            error: error.map(|e| log_safe(e).into_owned()),
            reason: safe(reason),
        }
    }
}
