//! The auth decision log: one entry per token request (and per authorize/device/revoke
//! decision), so rules judge facts — "was PKCE S256 used, did the verifier match" — instead
//! of guessing from traffic. Append-only; never holds a secret value.

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
        AuthDecision {
            at,
            grant: self.grant,
            client_id: self.client_id,
            username: self.username,
            pkce_method: self.pkce_method,
            verifier_matched: self.verifier_matched,
            outcome,
            error: error.map(str::to_string),
            reason: reason.replace(['\r', '\n'], " "),
        }
    }
}
