//! Managed subscriptions (Pub/Sub `ManagedSubscribe`): named subscriptions declared in the
//! seed whose committed replay id the org keeps, so a client resumes without storing it.
//!
//! Ids use the `18x` key prefix of ManagedEventSubscription records (sflab's choice of a
//! counter after it, with the usual checksum suffix).

use super::defs::{ManagedStart, ManagedSubscriptionDef};
use crate::org::ids::SfId;
use parking_lot::Mutex;

/// One managed subscription and its committed position.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedSubscription {
    pub id: String,
    pub developer_name: String,
    pub topic: String,
    pub start: ManagedStart,
    /// The replay id the client committed last (`None` before the first commit).
    pub committed: Option<u64>,
}

/// The org's managed subscriptions.
#[derive(Debug, Default)]
pub struct ManagedSubscriptions {
    subs: Mutex<Vec<ManagedSubscription>>,
}

impl ManagedSubscriptions {
    pub fn new(defs: &[ManagedSubscriptionDef]) -> ManagedSubscriptions {
        let subs = defs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let raw = format!("18x5g{:010}", i + 1);
                let mut id15 = [0u8; 15];
                id15.copy_from_slice(&raw.as_bytes()[..15]);
                ManagedSubscription {
                    id: SfId::from_15(&id15).as_str().to_string(),
                    developer_name: d.developer_name.clone(),
                    topic: d.topic.clone(),
                    start: d.replay,
                    committed: None,
                }
            })
            .collect();
        ManagedSubscriptions {
            subs: Mutex::new(subs),
        }
    }

    /// The subscription with this id (15 or 18 characters) or developer name.
    pub fn find(&self, id: &str, developer_name: &str) -> Option<ManagedSubscription> {
        self.subs
            .lock()
            .iter()
            .find(|s| {
                (!id.is_empty() && (s.id == id || s.id[..15] == *id))
                    || (!developer_name.is_empty() && s.developer_name == developer_name)
            })
            .cloned()
    }

    /// Stores a committed replay id.
    pub fn commit(&self, id: &str, replay_id: u64) -> bool {
        match self.subs.lock().iter_mut().find(|s| s.id == id) {
            Some(s) => {
                s.committed = Some(replay_id);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_is_kept_and_found_by_name_or_id() {
        let m = ManagedSubscriptions::new(&[ManagedSubscriptionDef {
            developer_name: "Sync".into(),
            topic: "/event/A__e".into(),
            replay: ManagedStart::Earliest,
        }]);
        let s = m.find("", "Sync").unwrap();
        assert!(s.id.starts_with("18x") && s.id.len() == 18);
        assert!(m.commit(&s.id, 42));
        assert_eq!(m.find(&s.id[..15], "").unwrap().committed, Some(42));
        assert!(m.find("", "Other").is_none());
    }
}
