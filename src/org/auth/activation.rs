//! Activating and deactivating users: the authorization server's side of `User.IsActive`.
//!
//! The User record's `IsActive` is the one fact of whether a user is active; the org tells the
//! directory of every change to it (see `crate::org::user_activity`). A deactivated user cannot
//! get a token by any grant (`inactive_user`, see [`super::token::require_active`]), and what
//! the user already held ends with the deactivation: access tokens, refresh tokens and the
//! browser's login session, as a real org ends a deactivated user's sessions.
//!
//! Implementation notes: Salesforce documents that a deactivated user can no longer log in and
//! that their sessions end; that their refresh tokens are revoked (rather than only refused
//! while the user is inactive) is the stricter reading and is not verified [U]. A refresh with
//! one answers `inactive_user` while the user is inactive (the refresh grant checks the user
//! before the token's state), so the learner reads why. Locked and frozen users keep
//! `IsActive = true`, as on a real org (those states live on UserLogin, not User).

use super::server::AuthServer;
use super::users::UserStatus;

/// What deactivating a user ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ended {
    pub access_tokens: usize,
    pub refresh_families: usize,
    pub browser_sessions: usize,
}

impl AuthServer {
    /// Makes the directory agree with the User record's `IsActive`. Deactivating ends the
    /// user's tokens and login sessions ([`Ended`]); activating lifts only the inactive state
    /// (a locked or frozen user stays so). `None` when the directory has no such user or the
    /// state did not change.
    pub fn set_user_active(&self, user_id: &str, active: bool) -> Option<Ended> {
        let changed = self.with_config_mut(|c| {
            let user = c.users.by_id_mut(user_id)?;
            match (active, user.status) {
                (false, UserStatus::Inactive) | (true, UserStatus::Active) => None,
                (true, UserStatus::Inactive) => {
                    user.status = UserStatus::Active;
                    Some(user.id.clone())
                }
                (true, _) => None,
                (false, _) => {
                    user.status = UserStatus::Inactive;
                    Some(user.id.clone())
                }
            }
        })?;
        if active {
            return Some(Ended::default());
        }
        Some(self.end_sessions_of(&changed))
    }

    /// Ends every token and browser session `user_id` holds.
    fn end_sessions_of(&self, user_id: &str) -> Ended {
        let id15 = &user_id[..15.min(user_id.len())];
        let same_user = |id: &str| id.get(..15) == Some(id15);
        let mut grants = self.grants();
        let families: Vec<String> = grants
            .refresh
            .values()
            .filter(|r| same_user(&r.user_id))
            .map(|r| r.family.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for f in &families {
            grants.revoke_family(f);
        }
        let before = grants.browser_sessions.len();
        grants
            .browser_sessions
            .retain(|_, (owner, _)| !same_user(owner));
        let browser_sessions = before - grants.browser_sessions.len();
        drop(grants);
        Ended {
            access_tokens: self.sessions().revoke_user(user_id),
            refresh_families: families.len(),
            browser_sessions,
        }
    }
}
