//! What the authorization server remembers between requests: authorization codes, refresh
//! token families, device authorizations, used JWT ids and user consents.
//!
//! Codes, refresh tokens and device codes are stored as SHA-256 digests, never as values, so
//! nothing in here can be replayed by someone who reads it.

use super::pkce::Challenge;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

pub type Digest32 = [u8; 32];

pub fn digest(secret: &str) -> Digest32 {
    Sha256::digest(secret.as_bytes()).into()
}

/// An authorization code waiting to be exchanged.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub challenge: Option<Challenge>,
    pub nonce: Option<String>,
    pub issued: DateTime<Utc>,
    /// Set on first presentation; a second presentation revokes `family`.
    pub used: bool,
    /// The token family the exchange created.
    pub family: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshStatus {
    Active,
    /// Replaced by rotation: presenting it again is reuse.
    Rotated,
    Revoked,
}

#[derive(Debug, Clone)]
pub struct RefreshRecord {
    pub family: String,
    pub client_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    /// When this refresh token was minted (introspection's `iat`).
    pub issued: DateTime<Utc>,
    pub expires: Option<DateTime<Utc>>,
    pub status: RefreshStatus,
    /// When the user signed in for this family (kept by every refresh).
    pub auth_time: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceStatus {
    Pending,
    Approved {
        user_id: String,
    },
    Denied,
    /// Tokens were issued; the device code is spent.
    Used,
}

#[derive(Debug, Clone)]
pub struct DeviceGrant {
    pub code: Digest32,
    pub user_code: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires: DateTime<Utc>,
    pub interval_secs: i64,
    pub last_poll: Option<DateTime<Utc>>,
    /// Polls still to be answered `slow_down` however well paced (see
    /// `AuthSettings::device_busy_polls`).
    pub busy_polls: u32,
    pub status: DeviceStatus,
}

#[derive(Debug, Default)]
pub struct GrantStore {
    pub codes: HashMap<Digest32, CodeGrant>,
    pub refresh: HashMap<Digest32, RefreshRecord>,
    pub revoked_families: HashSet<String>,
    pub devices: Vec<DeviceGrant>,
    /// (issuer, jti) → expiry (epoch seconds) of assertions already used.
    pub seen_jti: HashMap<(String, String), i64>,
    /// (user id, consumer key) pairs where the user approved the app.
    pub consents: HashSet<(String, String)>,
    /// Times of wrong user-code entries on the verification page (rate limit).
    pub user_code_failures: Vec<DateTime<Utc>>,
    /// Browser login sessions: digest of the `sid` cookie → (user id, expiry).
    pub browser_sessions: HashMap<Digest32, (String, DateTime<Utc>)>,
}

impl GrantStore {
    /// Revokes every refresh token of a family; returns how many were active.
    pub fn revoke_family(&mut self, family: &str) -> usize {
        self.revoked_families.insert(family.to_string());
        let mut n = 0;
        for r in self.refresh.values_mut().filter(|r| r.family == family) {
            if r.status == RefreshStatus::Active {
                n += 1;
            }
            r.status = RefreshStatus::Revoked;
        }
        n
    }

    /// Records a JWT id; false when it was already used. Forgets expired entries.
    pub fn remember_jti(&mut self, issuer: &str, jti: &str, expires: i64, now: i64) -> bool {
        self.seen_jti
            .retain(|_, exp| *exp + super::jwt::SKEW_SECS >= now);
        self.seen_jti
            .insert((issuer.to_string(), jti.to_string()), expires)
            .is_none()
    }

    pub fn device_by_code(&mut self, code: &str) -> Option<&mut DeviceGrant> {
        let d = digest(code);
        self.devices.iter_mut().find(|g| g.code == d)
    }

    pub fn device_by_user_code(&mut self, user_code: &str) -> Option<&mut DeviceGrant> {
        let wanted = normalise_user_code(user_code);
        self.devices.iter_mut().find(|g| g.user_code == wanted)
    }
}

/// User codes are compared without dashes, spaces or case.
pub fn normalise_user_code(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jti_is_accepted_once_until_it_expires() {
        let mut s = GrantStore::default();
        assert!(s.remember_jti("iss", "j1", 1000, 900));
        assert!(!s.remember_jti("iss", "j1", 1000, 950));
        assert!(
            s.remember_jti("other", "j1", 1000, 950),
            "ids are per issuer"
        );
        assert!(
            s.remember_jti("iss", "j1", 5000, 2000),
            "forgotten after expiry"
        );
    }

    #[test]
    fn revoking_a_family_revokes_all_its_refresh_tokens() {
        let mut s = GrantStore::default();
        for (tok, fam) in [("a", "f"), ("b", "f"), ("c", "g")] {
            s.refresh.insert(
                digest(tok),
                RefreshRecord {
                    family: fam.into(),
                    client_id: "k".into(),
                    user_id: "u".into(),
                    scopes: vec![],
                    issued: Utc::now(),
                    expires: None,
                    status: RefreshStatus::Active,
                    auth_time: Utc::now(),
                },
            );
        }
        assert_eq!(s.revoke_family("f"), 2);
        assert_eq!(s.refresh[&digest("c")].status, RefreshStatus::Active);
        assert_eq!(s.refresh[&digest("a")].status, RefreshStatus::Revoked);
    }

    #[test]
    fn user_codes_compare_loosely() {
        assert_eq!(normalise_user_code("abcd-efgh "), "ABCDEFGH");
    }
}
