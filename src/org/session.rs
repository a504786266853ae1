//! Access tokens the org has issued and the sessions behind them.
//!
//! Every API surface (REST, Bulk, SOAP, Pub/Sub, CometD) asks [`SessionTable::validate`] who a
//! bearer token belongs to. The authorization server inserts sessions; revocation and expiry
//! (on the org's clock) remove them. Tokens are stored only as SHA-256 digests, so a dump of
//! the table never shows a usable token.

use chrono::{DateTime, Utc};
use parking_lot::RwLock;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

/// Who is calling, and with what rights.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// 18-character User id.
    pub user_id: String,
    /// 18-character Organization id.
    pub org_id: String,
    pub username: String,
    /// The consumer key of the app that obtained the token, if any.
    pub client_id: Option<String>,
    pub scopes: Vec<String>,
    pub issued_at: DateTime<Utc>,
    /// `None` never expires (static tokens from a seed or `org serve`).
    pub expires_at: Option<DateTime<Utc>>,
    /// The refresh-token family this access token belongs to, for family revocation.
    pub family: Option<String>,
    /// A person signed in for this token (authorization code, device, user-agent, or a
    /// refresh of one), rather than a server holding a credential (client credentials, JWT
    /// or SAML bearer, username-password) or a static token.
    pub interactive: bool,
}

impl Session {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope || s == "full")
    }

    /// Whether the token may use the data APIs — REST, Bulk, SOAP, Streaming, Pub/Sub:
    /// it carries `api` (or `full`). A token with only `openid`, `id`, `web` or
    /// `refresh_token` reaches the identity URL and userinfo, nothing else.
    pub fn allows_api(&self) -> bool {
        self.has_scope("api")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionError {
    /// No such token, or it was revoked.
    Unknown,
    /// The token was real but its time is up.
    Expired,
}

#[derive(Debug, Clone, Default)]
pub struct SessionTable {
    inner: Arc<RwLock<HashMap<[u8; 32], Arc<Session>>>>,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl SessionTable {
    pub fn new() -> SessionTable {
        SessionTable::default()
    }

    pub fn insert(&self, token: &str, session: Session) {
        self.inner.write().insert(digest(token), Arc::new(session));
    }

    /// The session behind `token` at time `now` (shared: sessions do not change once issued,
    /// except by [`SessionTable::expire`], which replaces the table's copy).
    pub fn validate(&self, token: &str, now: DateTime<Utc>) -> Result<Arc<Session>, SessionError> {
        let map = self.inner.read();
        let session = map.get(&digest(token)).ok_or(SessionError::Unknown)?;
        match session.expires_at {
            Some(t) if t <= now => Err(SessionError::Expired),
            _ => Ok(session.clone()),
        }
    }

    /// Removes one token; true if it existed.
    pub fn revoke(&self, token: &str) -> bool {
        self.inner.write().remove(&digest(token)).is_some()
    }

    /// Removes every access token of a refresh-token family.
    pub fn revoke_family(&self, family: &str) -> usize {
        let mut map = self.inner.write();
        let before = map.len();
        map.retain(|_, s| s.family.as_deref() != Some(family));
        before - map.len()
    }

    /// Removes every access token of a user (compared by the 15-character id), as a real org
    /// ends a user's sessions when the user is deactivated; returns how many there were.
    pub fn revoke_user(&self, user_id: &str) -> usize {
        let Some(id15) = user_id.get(..15) else {
            return 0;
        };
        let mut map = self.inner.write();
        let before = map.len();
        map.retain(|_, s| s.user_id.get(..15) != Some(id15));
        before - map.len()
    }

    /// Makes a token expire now (the proxy's "expired session" fault uses this).
    pub fn expire(&self, token: &str, now: DateTime<Utc>) -> bool {
        match self.inner.write().get_mut(&digest(token)) {
            Some(s) => {
                Arc::make_mut(s).expires_at = Some(now);
                true
            }
            None => false,
        }
    }

    pub fn len(&self) -> usize {
        self.inner.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn session(expires: Option<DateTime<Utc>>) -> Session {
        Session {
            user_id: "005000000000001AAA".into(),
            org_id: "00D000000000001AAA".into(),
            username: "integration@example.com".into(),
            client_id: None,
            scopes: vec!["api".into()],
            issued_at: Utc::now(),
            expires_at: expires,
            family: Some("f1".into()),
            interactive: false,
        }
    }

    #[test]
    fn a_known_token_validates_until_it_expires() {
        let t = SessionTable::new();
        let now = Utc::now();
        t.insert("00Dx!abc", session(Some(now + Duration::minutes(5))));
        assert!(t.validate("00Dx!abc", now).is_ok());
        assert_eq!(
            t.validate("00Dx!abc", now + Duration::minutes(6)),
            Err(SessionError::Expired)
        );
    }

    #[test]
    fn unknown_and_revoked_tokens_are_refused() {
        let t = SessionTable::new();
        t.insert("tok", session(None));
        assert_eq!(t.validate("other", Utc::now()), Err(SessionError::Unknown));
        assert!(t.revoke("tok"));
        assert_eq!(t.validate("tok", Utc::now()), Err(SessionError::Unknown));
    }

    #[test]
    fn revoking_a_family_removes_all_its_tokens() {
        let t = SessionTable::new();
        t.insert("a", session(None));
        t.insert("b", session(None));
        assert_eq!(t.revoke_family("f1"), 2);
        assert!(t.is_empty());
    }
}
