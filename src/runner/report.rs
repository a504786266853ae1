//! What one attempt at a lab produced ([`Report`]) and the progress events sent while it runs
//! ([`RunEvent`]), so the TUI can show exchanges and runs live.

use crate::evidence::{Exchange, LearnerRun};
use crate::rules::Verdict;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::time::Duration;

/// The outcome of one attempt: every verdict, the points, and the redacted traffic and runs.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub lab: String,
    /// `mock` or `sandbox`.
    pub backend: String,
    /// The org a sandbox attempt ran on: its instance's host and org id
    /// (`acme--dev.sandbox.my.salesforce.com · org 00D…`), so a lead can tell a real sandbox
    /// from anything else a login pointed at. None on the mock org.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    pub verdicts: Vec<Verdict>,
    pub points: u32,
    pub max_points: u32,
    pub passed: bool,
    pub exchanges: Vec<Exchange>,
    pub runs: Vec<LearnerRun>,
    pub started_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_ms")]
    pub duration: Duration,
    /// Why the attempt could not be stored in the progress database (a full disk, a folder
    /// that cannot be written), if it could not: the verdicts are still shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_saved: Option<String>,
    /// What changed in the lab folder while an earlier run ran, which the later runs of a
    /// `run.restore_between_runs` lab did not see and sflab gave back after the last.
    #[serde(skip)]
    pub kept_changes: Vec<super::lab_inputs::KeptChange>,
}

fn ser_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Report {
    /// Totals the verdicts: a lab passes when no rule failed and at least one rule passed
    /// (rules not applicable on this backend neither help nor hurt).
    pub fn new(
        lab: &str,
        backend: &str,
        verdicts: Vec<Verdict>,
        exchanges: Vec<Exchange>,
        runs: Vec<LearnerRun>,
        started_at: DateTime<Utc>,
        duration: Duration,
    ) -> Report {
        let points = verdicts.iter().map(|v| v.points_awarded).sum();
        let max_points = verdicts.iter().map(|v| v.points_possible).sum();
        let passed = verdicts.iter().any(Verdict::passed) && !verdicts.iter().any(Verdict::failed);
        Report {
            lab: lab.to_string(),
            backend: backend.to_string(),
            org: None,
            verdicts,
            points,
            max_points,
            passed,
            exchanges,
            runs,
            started_at,
            duration,
            not_saved: None,
            kept_changes: Vec::new(),
        }
    }

    /// The first rule that failed, which hints are tied to.
    pub fn first_failure(&self) -> Option<&Verdict> {
        self.verdicts.iter().find(|v| v.failed())
    }
}

/// Progress of a running attempt, in order.
#[derive(Debug, Clone)]
pub enum RunEvent {
    /// The org is seeded and the proxy listens; `proxy_url` is what the code talks to.
    Prepared {
        proxy_url: String,
    },
    RunStarted {
        index: usize,
        of: usize,
    },
    /// The proxy recorded one exchange (already redacted).
    Exchange(Box<Exchange>),
    RunFinished(Box<LearnerRun>),
    Verdicts(Vec<Verdict>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(verdicts: Vec<Verdict>) -> Report {
        Report::new(
            "lab",
            "mock",
            verdicts,
            vec![],
            vec![],
            Utc::now(),
            Duration::ZERO,
        )
    }

    #[test]
    fn a_lab_passes_only_when_nothing_failed_and_something_passed() {
        let r = report(vec![
            Verdict::pass("a", 2, "ok"),
            Verdict::not_applicable("b", "not on a sandbox"),
        ]);
        assert!(r.passed);
        assert_eq!((r.points, r.max_points), (2, 2));
        let r = report(vec![
            Verdict::pass("a", 2, "ok"),
            Verdict::fail("c", 3, "no"),
        ]);
        assert!(!r.passed);
        assert_eq!((r.points, r.max_points), (2, 5));
        assert_eq!(r.first_failure().map(|v| v.rule.as_str()), Some("c"));
        assert!(!report(vec![Verdict::not_applicable("b", "x")]).passed);
    }
}
