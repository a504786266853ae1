//! The outcome of one rule on one attempt: pass, fail or not applicable, explained for a learner.

use serde::{Deserialize, Serialize};

/// How the message of a limit check that held but was not paid begins (see
/// `runner::judge::after_no_work`): a failure only because the program did no work.
pub const NOT_AWARDED: &str = "Not awarded: ";

/// Whether a rule held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VerdictStatus {
    Pass,
    Fail,
    /// The rule cannot be judged here (e.g. it needs the mock org's internals on a sandbox).
    NotApplicable {
        reason: String,
    },
}

/// One rule's verdict, with the exchanges that prove it and a diff where states differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// The rule name, e.g. `state.idempotent`.
    pub rule: String,
    pub status: VerdictStatus,
    /// A sentence or two for the learner: what was expected and what happened.
    pub message: String,
    /// Sequence numbers of the exchanges that prove the verdict.
    pub evidence: Vec<u64>,
    /// A unified diff (expected → actual) when two states differ.
    pub diff: Option<String>,
    pub points_awarded: u32,
    pub points_possible: u32,
}

impl Verdict {
    pub fn pass(rule: &str, points: u32, message: impl Into<String>) -> Verdict {
        Verdict {
            rule: rule.to_string(),
            status: VerdictStatus::Pass,
            message: message.into(),
            evidence: Vec::new(),
            diff: None,
            points_awarded: points,
            points_possible: points,
        }
    }

    pub fn fail(rule: &str, points: u32, message: impl Into<String>) -> Verdict {
        Verdict {
            rule: rule.to_string(),
            status: VerdictStatus::Fail,
            message: message.into(),
            evidence: Vec::new(),
            diff: None,
            points_awarded: 0,
            points_possible: points,
        }
    }

    /// Not judged: no points awarded, none possible.
    pub fn not_applicable(rule: &str, reason: impl Into<String>) -> Verdict {
        let reason = reason.into();
        Verdict {
            rule: rule.to_string(),
            status: VerdictStatus::NotApplicable {
                reason: reason.clone(),
            },
            message: reason,
            evidence: Vec::new(),
            diff: None,
            points_awarded: 0,
            points_possible: 0,
        }
    }

    /// A limit check that held but was not paid, because the attempt did no work (see
    /// [`NOT_AWARDED`]): fixing the program's real failures fixes it too.
    pub fn held_back(&self) -> bool {
        self.failed() && self.message.starts_with(NOT_AWARDED)
    }

    /// This passing limit check, not awarded: it counts only when `condition` (e.g. "the
    /// program runs, but it did not run (…)"); its evidence and what it found are kept.
    pub fn not_awarded_unless(self, condition: &str) -> Verdict {
        let mut held = Verdict::fail(
            &self.rule,
            self.points_possible,
            format!(
                "{NOT_AWARDED}this check limits what the program does, and it counts only when {condition}. On its own it found: {}",
                self.message.trim_end()
            ),
        );
        held.evidence = self.evidence;
        held
    }

    pub fn with_evidence(mut self, seqs: impl IntoIterator<Item = u64>) -> Verdict {
        self.evidence.extend(seqs);
        self.evidence.sort_unstable();
        self.evidence.dedup();
        self
    }

    pub fn with_diff(mut self, diff: String) -> Verdict {
        self.diff = Some(diff);
        self
    }

    pub fn passed(&self) -> bool {
        self.status == VerdictStatus::Pass
    }

    pub fn failed(&self) -> bool {
        self.status == VerdictStatus::Fail
    }
}
