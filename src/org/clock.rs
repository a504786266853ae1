//! The org's clock: wall time plus an offset that the runner and tests can advance.
//!
//! Everything time-dependent in the mock org (token expiry, query locators, event retention,
//! CreatedDate) reads this clock, so a lab can "wait two hours" in a millisecond.

use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct OrgClock {
    offset_ms: Arc<AtomicI64>,
}

impl OrgClock {
    pub fn new() -> OrgClock {
        OrgClock::default()
    }

    /// The org's idea of now.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the org's clock forward (never backward).
    pub fn advance(&self, by: std::time::Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 2);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_forward_by_that_much() {
        let clock = OrgClock::new();
        let before = clock.now();
        clock.advance(std::time::Duration::from_secs(7200));
        let after = clock.now();
        assert!(after - before >= Duration::seconds(7200));
        assert!(after - before < Duration::seconds(7260));
    }

    #[test]
    fn clones_share_one_clock() {
        let a = OrgClock::new();
        let b = a.clone();
        a.advance(std::time::Duration::from_secs(60));
        assert!(b.now() - Utc::now() >= Duration::seconds(59));
    }
}
