//! Every run of an attempt starts signed in. A `session_expired` fault really expires the
//! caller's token in the org (the proxy tells the org through the [`SessionExpirer`]); when
//! that token is the one handed over as `SF_ACCESS_TOKEN`, the next run would start with a
//! dead token and meet a 401 no fault of its own explains. So the runner watches the expirer
//! ([`ExpiryWatch`]) and, before the next run, asks the org for a new token like the first
//! ([`super::OrgHandle::reissue_access_token`]) and hands that over instead.
//!
//! Pure apart from the shared flag: no IO, and the token itself is never kept here.

use crate::proxy::SessionExpirer;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Notes whether a fault expired a session since it was last asked.
#[derive(Debug, Clone, Default)]
pub struct ExpiryWatch(Arc<AtomicBool>);

impl ExpiryWatch {
    pub fn new() -> ExpiryWatch {
        ExpiryWatch::default()
    }

    /// The org's `expire`, which now also notes that it was called.
    pub fn watching(&self, expire: SessionExpirer) -> SessionExpirer {
        let seen = self.0.clone();
        Arc::new(move |token: &str| {
            expire(token);
            seen.store(true, Ordering::SeqCst);
        })
    }

    /// Whether a session was expired since the last call (and forgets it).
    pub fn take(&self) -> bool {
        self.0.swap(false, Ordering::SeqCst)
    }
}

/// Puts `token` in the environment as `SF_ACCESS_TOKEN`, in place of the one handed before.
pub fn hand_over(env: &mut [(String, String)], token: &str) {
    for (name, value) in env.iter_mut() {
        if name == "SF_ACCESS_TOKEN" {
            *value = token.to_string();
        }
    }
}

/// The run's note when it was handed a new token.
pub const REISSUED_NOTE: &str = "This run was handed a new SF_ACCESS_TOKEN: a session_expired \
     fault in an earlier run expired the first one in the org, and every run starts signed in.";

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn the_watch_notes_an_expiry_once_and_still_expires_the_token() {
        let expired = Arc::new(Mutex::new(Vec::new()));
        let log = expired.clone();
        let org: SessionExpirer = Arc::new(move |t: &str| log.lock().unwrap().push(t.to_string()));
        let watch = ExpiryWatch::new();
        let expire = watch.watching(org);
        assert!(!watch.take());
        expire("00Dx!AQtoken");
        assert_eq!(*expired.lock().unwrap(), ["00Dx!AQtoken"]);
        assert!(watch.take());
        assert!(!watch.take(), "taken once");
    }

    #[test]
    fn hand_over_replaces_only_the_access_token() {
        let mut env = vec![
            ("SF_ACCESS_TOKEN".to_string(), "old".to_string()),
            ("SF_REFRESH_TOKEN".to_string(), "refresh".to_string()),
        ];
        hand_over(&mut env, "new");
        assert_eq!(env[0].1, "new");
        assert_eq!(env[1].1, "refresh");
    }
}
