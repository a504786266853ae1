//! Faults a lab plants in a built-in mock service: fail the next N calls, or every call until
//! a moment on the org's clock, with a status and an optional `Retry-After`.

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
}

fn default_status() -> u16 {
    503
}

/// A fault in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveFault {
    pub status: u16,
    pub calls_left: Option<u32>,
    pub until: Option<DateTime<Utc>>,
    pub retry_after: Option<u32>,
}

impl ActiveFault {
    pub fn plant(spec: &FaultSpec, now: DateTime<Utc>) -> ActiveFault {
        ActiveFault {
            status: spec.status,
            calls_left: spec.calls,
            until: spec.seconds.map(|s| now + Duration::seconds(s)),
            retry_after: spec.retry_after,
        }
    }

    /// Whether this call fails; consumes one failing call. `false` once the fault is spent.
    pub fn strike(&mut self, now: DateTime<Utc>) -> bool {
        if self.until.is_some_and(|u| now >= u) {
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
