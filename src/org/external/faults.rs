//! Faults a lab plants in a built-in mock service: fail the next N calls, or every call until
//! a moment on the org's clock, with a status and an optional `Retry-After`; `after: N` lets
//! the first N calls through, so an outage can start mid-stream.
//!
//! With `after_commit: true` a failing call that would change something (an ERP order create)
//! still does its work and only then answers the failure, as when a gateway times out after the
//! backend committed: the caller sees an error although the order exists, so a retry without an
//! idempotency key makes a duplicate. Calls that change nothing just fail.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

/// A planted fault. `calls` and `seconds` may be combined: the fault ends when either runs out.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// HTTP status to answer (default 503).
    #[serde(default = "default_status")]
    pub status: u16,
    /// Fail this many calls, then recover.
    #[serde(default)]
    pub calls: Option<u32>,
    /// Fail every call for this many seconds of org time from when the fault is planted.
    #[serde(default)]
    pub seconds: Option<i64>,
    /// `Retry-After` seconds to send with each failure.
    #[serde(default)]
    pub retry_after: Option<u32>,
    /// Do the work, then answer the failure (the reply is "lost" after the commit).
    #[serde(default)]
    pub after_commit: bool,
    /// Let this many calls succeed before the fault starts.
    #[serde(default)]
    pub after: u32,
}

fn default_status() -> u16 {
    503
}

/// The header a built-in service's planted failure carries, saying what the lab staged. The
/// recording proxy takes it off the answer and marks the exchange with it, so a transcript
/// shows the outage as the lab's doing; no real service sends it.
pub const STAGED_HEADER: &str = "x-sflab-staged-fault";

/// A fault in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveFault {
    pub status: u16,
    pub calls_left: Option<u32>,
    pub until: Option<DateTime<Utc>>,
    pub retry_after: Option<u32>,
    pub after_commit: bool,
    /// Calls still let through before the fault starts.
    pub healthy_left: u32,
}

impl ActiveFault {
    pub fn plant(spec: &FaultSpec, now: DateTime<Utc>) -> ActiveFault {
        ActiveFault {
            status: spec.status,
            calls_left: spec.calls,
            until: spec.seconds.map(|s| now + Duration::seconds(s)),
            retry_after: spec.retry_after,
            after_commit: spec.after_commit,
            healthy_left: spec.after,
        }
    }

    /// What the lab staged, for [`STAGED_HEADER`]: "the lab's outage: 503 for every call until
    /// 5 s after it started".
    pub fn describe(&self) -> String {
        let span = match (self.calls_left, self.until) {
            (Some(_), _) => "for a planned number of calls".to_string(),
            (None, Some(_)) => "for every call during the planned outage".to_string(),
            (None, None) => "for every call".to_string(),
        };
        let lost = if self.after_commit {
            " (after doing the work: the reply is lost)"
        } else {
            ""
        };
        format!(
            "the lab's planned outage: answered {} {span}{lost}",
            self.status
        )
    }

    /// Whether this call fails; consumes one failing call. `false` once the fault is spent.
    pub fn strike(&mut self, now: DateTime<Utc>) -> bool {
        if self.until.is_some_and(|u| now >= u) {
            return false;
        }
        if self.healthy_left > 0 {
            self.healthy_left -= 1;
            return false;
        }
        match &mut self.calls_left {
            Some(0) => false,
            Some(n) => {
                *n -= 1;
                true
            }
            None => self.until.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(calls: Option<u32>, seconds: Option<i64>) -> FaultSpec {
        FaultSpec {
            status: 503,
            calls,
            seconds,
            retry_after: None,
            after_commit: false,
            after: 0,
        }
    }

    #[test]
    fn a_call_count_fault_fails_exactly_n_calls() {
        let now = Utc::now();
        let mut f = ActiveFault::plant(&spec(Some(2), None), now);
        assert!(f.strike(now));
        assert!(f.strike(now));
        assert!(!f.strike(now));
    }

    #[test]
    fn an_after_fault_lets_the_first_calls_through_then_fails_n() {
        let now = Utc::now();
        let mut f = ActiveFault::plant(
            &FaultSpec {
                after: 2,
                ..spec(Some(1), None)
            },
            now,
        );
        let seen: Vec<bool> = (0..4).map(|_| f.strike(now)).collect();
        assert_eq!(seen, vec![false, false, true, false]);
    }

    #[test]
    fn a_window_fault_ends_when_org_time_passes_it() {
        let now = Utc::now();
        let mut f = ActiveFault::plant(&spec(None, Some(60)), now);
        assert!(f.strike(now + Duration::seconds(59)));
        assert!(!f.strike(now + Duration::seconds(60)));
    }

    #[test]
    fn a_fault_with_neither_limit_never_fires() {
        let now = Utc::now();
        assert!(!ActiveFault::plant(&spec(None, None), now).strike(now));
    }
}
