//! Where a learner stands on a track: each assigned lab's status judged by the track's rules
//! (the required backend, the pass threshold) and whether it is overdue. Pure: it takes the
//! progress already read from the store and the current time.
//!
//! [`assigned_view_model`] is what the TUI's "Assigned" view draws and `sflab track show`
//! prints.

use super::spec::Track;
use crate::curriculum::Curriculum;
use crate::progress::AttemptRow;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// A learner's record on one lab, as read from the progress store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabProgress {
    /// The lab's files were copied into the workspace.
    pub started: bool,
    /// Every attempt, oldest first.
    pub attempts: Vec<AttemptRow>,
}

/// An assigned lab's status under the track's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackStatus {
    /// An attempt on the required backend reached the pass threshold.
    Passed,
    /// Attempted on the required backend, but no attempt counts as a pass yet.
    Attempted,
    /// An attempt reached the pass threshold, but leaked a secret (see [`counts_as_pass`]).
    SecretLeaked,
    /// Started (files copied), never checked on the required backend (checks on another
    /// backend may have been made: [`AssignedRow::attempts_elsewhere`]).
    Started,
    NotStarted,
}

impl TrackStatus {
    /// The same glyphs as the lesson tree: ✓ passed, ✗ attempted, ● started, ○ not started.
    pub fn glyph(self) -> &'static str {
        match self {
            TrackStatus::Passed => "✓",
            TrackStatus::Attempted | TrackStatus::SecretLeaked => "✗",
            TrackStatus::Started => "●",
            TrackStatus::NotStarted => "○",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TrackStatus::Passed => "passed",
            TrackStatus::Attempted => "not passed yet",
            TrackStatus::SecretLeaked => "not passed: a secret leaked",
            TrackStatus::Started => "started",
            TrackStatus::NotStarted => "not started",
        }
    }
}

/// One row of the "Assigned" view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssignedRow {
    pub lab: String,
    pub title: String,
    /// The due date as the lead wrote it.
    pub due: String,
    pub due_at: DateTime<Utc>,
    pub status: TrackStatus,
    /// Not passed and the due moment is past.
    pub overdue: bool,
    /// Passed, but only after the due moment.
    pub passed_late: bool,
    /// When the first counting attempt started.
    pub passed_at: Option<DateTime<Utc>>,
    /// Attempts on the required backend: the ones that can count.
    pub attempts: usize,
    /// Attempts on another backend (a mock check on a sandbox track), which cannot count.
    pub attempts_elsewhere: usize,
    /// The best (points, max points) of any attempt on the required backend that leaked no
    /// secret.
    pub best: Option<(u32, u32)>,
    /// The org the first counting attempt ran on, when it names one (a sandbox pass).
    pub passed_on: Option<String>,
    /// For [`TrackStatus::SecretLeaked`]: the `secrets.*` checks the latest such attempt
    /// failed, which [`AssignedRow::status_text`] names as the cause.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub leaked_by: Vec<String>,
}

impl AssignedRow {
    /// The status as the track's views write it: its label, with what leaked named for a
    /// lab that a leaked secret kept from passing.
    pub fn status_text(&self) -> String {
        match self.status {
            TrackStatus::SecretLeaked if !self.leaked_by.is_empty() => {
                format!("not passed: {}", leak_cause(&self.leaked_by))
            }
            status => status.label().to_string(),
        }
    }
}

/// Whether `v` is a `secrets.*` check that found a secret. One held back for an attempt that
/// did no work ([`crate::rules::Verdict::held_back`]: "Not awarded … No secret was printed")
/// failed for want of work, not for a leak, and is judged by the pass mark like any other.
fn found_a_secret(v: &crate::rules::Verdict) -> bool {
    v.rule.starts_with("secrets.") && v.failed() && !v.held_back()
}

/// The `secrets.*` checks that found a secret in an attempt, in its report's order.
pub fn leaking_checks(verdicts: &[crate::rules::Verdict]) -> Vec<String> {
    verdicts
        .iter()
        .filter(|v| found_a_secret(v))
        .map(|v| v.rule.clone())
        .collect()
}

/// What leaked, named by the `secrets.*` checks that failed: `a secret printed by your
/// program (secrets.not_in_output)`, `a file holding a secret readable by others
/// (secrets.files_private)`… A file left readable is not a printed token, and the learner fixes
/// each in a different place.
pub fn leak_cause(checks: &[String]) -> String {
    let causes: Vec<String> = checks
        .iter()
        .map(|rule| {
            let what = match rule.as_str() {
                "secrets.not_in_output" => "a secret printed by your program",
                "secrets.not_in_sources" => "a secret written into your files",
                "secrets.files_private" => "a file holding a secret readable by others",
                "secrets.not_in_url" => "a secret sent in a URL",
                _ => "a secret leaked",
            };
            format!("{what} ({rule})")
        })
        .collect();
    match causes.as_slice() {
        [] => "a secret leaked".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The track's backend by name (`mock`, `sandbox`), as attempts record theirs.
pub fn backend_name(track: &Track) -> &'static str {
    match track.backend {
        crate::lab::Backend::Mock => "mock",
        crate::lab::Backend::Sandbox => "sandbox",
    }
}

/// The backend other than the track's, by name: where attempts that cannot count were made.
pub fn other_backend_name(track: &Track) -> &'static str {
    match track.backend {
        crate::lab::Backend::Mock => "sandbox",
        crate::lab::Backend::Sandbox => "mock",
    }
}

/// Whether an attempt was made on the track's backend, so that it can count.
pub fn on_track_backend(track: &Track, a: &AttemptRow) -> bool {
    a.backend == backend_name(track)
}

/// The attempts cell of a table (`sflab track show`, progress.md): the attempts that can
/// count, and those on another backend labelled as such: `2`, `0 (+1 on mock)`.
pub fn attempts_cell(track: &Track, row: &AssignedRow) -> String {
    match row.attempts_elsewhere {
        0 => row.attempts.to_string(),
        n => format!("{} (+{n} on {})", row.attempts, other_backend_name(track)),
    }
}

/// Whether an attempt counts as a pass on this track.
/// An attempt passes a track's lab when it ran on the track's backend and reached the pass
/// threshold — and leaked no secret: a threshold below 100% forgives a missed point, never a
/// printed token (a failed `secrets.*` check).
pub fn counts_as_pass(track: &Track, a: &AttemptRow) -> bool {
    a.error.is_none()
        && on_track_backend(track, a)
        && a.max_points > 0
        && u64::from(a.points) * 100 >= u64::from(track.pass_threshold) * u64::from(a.max_points)
        && !leaked_a_secret(a)
}

/// A `secrets.*` check that found a token, secret or key in output, files or stored traffic.
pub fn leaked_a_secret(a: &AttemptRow) -> bool {
    a.verdicts.iter().any(found_a_secret)
}

fn time_of(a: &AttemptRow) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(&a.started_at)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The rows of the "Assigned" view, in the track's order.
pub fn assigned_view_model(
    track: &Track,
    curriculum: &Curriculum,
    progress: &BTreeMap<String, LabProgress>,
    now: DateTime<Utc>,
) -> Vec<AssignedRow> {
    let empty = LabProgress::default();
    track
        .labs
        .iter()
        .map(|a| {
            let p = progress.get(&a.lab).unwrap_or(&empty);
            let first_pass = p
                .attempts
                .iter()
                .filter(|x| counts_as_pass(track, x))
                .filter_map(|x| Some((time_of(x)?, x)))
                .min_by_key(|(t, _)| *t);
            let passed_at = first_pass.map(|(t, _)| t);
            let passed_on = first_pass.and_then(|(_, x)| x.org.clone());
            // Only attempts on the track's backend can count: they alone fill the attempts
            // and best columns, so "best 8/8" never sits beside "not passed yet".
            let can_count: Vec<&AttemptRow> = p
                .attempts
                .iter()
                .filter(|x| on_track_backend(track, x))
                .collect();
            let counted = can_count.iter().any(|x| counts_as_pass(track, x));
            let leaking: Vec<&&AttemptRow> = can_count
                .iter()
                .filter(|x| {
                    leaked_a_secret(x)
                        && counts_as_pass(
                            track,
                            &AttemptRow {
                                verdicts: vec![],
                                ..(**x).clone()
                            },
                        )
                })
                .collect();
            let leaked_only = !leaking.is_empty();
            let status = if counted {
                TrackStatus::Passed
            } else if leaked_only {
                TrackStatus::SecretLeaked
            } else if !can_count.is_empty() {
                TrackStatus::Attempted
            } else if p.started || !p.attempts.is_empty() {
                TrackStatus::Started
            } else {
                TrackStatus::NotStarted
            };
            // An attempt that leaked a secret is no pass whatever its points, nor the best.
            let best = can_count
                .iter()
                .filter(|x| x.error.is_none() && x.max_points > 0 && !leaked_a_secret(x))
                .map(|x| (x.points, x.max_points))
                .max_by(|l, r| {
                    (u64::from(l.0) * u64::from(r.1)).cmp(&(u64::from(r.0) * u64::from(l.1)))
                });
            AssignedRow {
                lab: a.lab.clone(),
                title: curriculum
                    .lab(&a.lab)
                    .map(|m| m.title.clone())
                    .unwrap_or_default(),
                due: a.due_text.clone(),
                due_at: a.due,
                status,
                overdue: status != TrackStatus::Passed && now > a.due,
                passed_late: passed_at.is_some_and(|t| t > a.due),
                passed_at,
                attempts: can_count.len(),
                attempts_elsewhere: p.attempts.len() - can_count.len(),
                best,
                passed_on,
                leaked_by: match status {
                    TrackStatus::SecretLeaked => leaking
                        .last()
                        .map(|x| leaking_checks(&x.verdicts))
                        .unwrap_or_default(),
                    _ => vec![],
                },
            }
        })
        .collect()
}

/// Each passed lab whose pass names the org it was made on (a sandbox pass), with that org,
/// in the track's order.
pub fn passes_on_orgs(rows: &[AssignedRow]) -> Vec<(&str, &str)> {
    rows.iter()
        .filter_map(|r| Some((r.lab.as_str(), r.passed_on.as_deref()?)))
        .collect()
}

/// The row the title bar shows: the unpassed lab due soonest (overdue ones first).
pub fn next_due(rows: &[AssignedRow]) -> Option<&AssignedRow> {
    rows.iter()
        .filter(|r| r.status != TrackStatus::Passed)
        .min_by_key(|r| r.due_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(points: u32, max: u32, at: &str, backend: &str) -> AttemptRow {
        AttemptRow {
            id: 1,
            lab: "rest-first-call".into(),
            started_at: at.into(),
            duration_ms: 10,
            passed: points == max,
            points,
            max_points: max,
            backend: backend.into(),
            error: None,
            org: None,
            verdicts: vec![],
        }
    }

    fn track(threshold: u32) -> Track {
        let yaml = format!("track: T\npass_threshold: {threshold}\nlabs:\n  - {{ lab: rest-first-call, due: 2026-12-04 }}\n  - {{ lab: rest-crud, due: 2026-12-01 }}\n  - {{ lab: rest-upsert-twice, due: 2026-12-20 }}\n");
        super::super::spec::parse("t.yaml", &yaml, &Curriculum::embedded().unwrap()).unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn status_follows_the_threshold_and_overdue_marks_only_unpassed_labs_past_due() {
        let mut progress = BTreeMap::new();
        progress.insert(
            "rest-first-call".to_string(),
            LabProgress {
                started: true,
                attempts: vec![
                    attempt(3, 6, "2026-12-01T10:00:00Z", "mock"),
                    attempt(5, 6, "2026-12-02T10:00:00Z", "mock"),
                ],
            },
        );
        progress.insert(
            "rest-crud".to_string(),
            LabProgress {
                started: true,
                attempts: vec![],
            },
        );
        let c = Curriculum::embedded().unwrap();
        let now = at("2026-12-05T00:00:00Z");
        let rows = assigned_view_model(&track(80), &c, &progress, now);
        assert_eq!(rows[0].status, TrackStatus::Passed, "5/6 ≥ 80%");
        assert_eq!(rows[0].passed_at, Some(at("2026-12-02T10:00:00Z")));
        assert_eq!(rows[0].best, Some((5, 6)));
        assert_eq!(rows[0].attempts, 2);
        assert!(!rows[0].overdue && !rows[0].passed_late);
        assert_eq!(
            (rows[1].status, rows[1].overdue),
            (TrackStatus::Started, true)
        );
        assert_eq!(
            (rows[2].status, rows[2].overdue),
            (TrackStatus::NotStarted, false)
        );
        assert!(!rows[2].title.is_empty());

        assert_eq!(next_due(&rows).map(|r| r.lab.as_str()), Some("rest-crud"));
        let strict = assigned_view_model(&track(100), &c, &progress, now);
        assert_eq!(strict[0].status, TrackStatus::Attempted);
        // 7/8 reaches 80%, but not with the missed point a printed token.
        let mut leaked = attempt(7, 8, "2026-12-03T10:00:00Z", "mock");
        leaked.verdicts = vec![crate::rules::Verdict::fail(
            "secrets.not_in_output",
            1,
            "printed the access token",
        )];
        assert!(!counts_as_pass(&track(80), &leaked));
        progress.get_mut("rest-first-call").unwrap().attempts = vec![leaked.clone()];
        let rows = assigned_view_model(&track(80), &c, &progress, now);
        assert_eq!(rows[0].status, TrackStatus::SecretLeaked);
        assert_eq!(
            rows[0].status_text(),
            "not passed: a secret printed by your program (secrets.not_in_output)"
        );
        leaked.verdicts[0].rule = "process.exit_ok".into();
        assert!(counts_as_pass(&track(80), &leaked));
        assert_eq!(strict[0].status, TrackStatus::Attempted);
        assert!(strict[0].overdue);
    }

    #[test]
    fn a_secret_file_readable_by_others_is_named_apart_from_a_printed_secret() {
        let mut readable = attempt(10, 11, "2026-12-01T10:00:00Z", "mock");
        readable.verdicts = vec![
            crate::rules::Verdict::pass("secrets.not_in_output", 1, "nothing printed"),
            crate::rules::Verdict::fail("secrets.files_private", 1, "token.cache is 0644"),
        ];
        let progress = BTreeMap::from([(
            "rest-first-call".to_string(),
            LabProgress {
                started: true,
                attempts: vec![readable],
            },
        )]);
        let c = Curriculum::embedded().unwrap();
        let rows = assigned_view_model(&track(80), &c, &progress, at("2026-12-02T00:00:00Z"));
        assert_eq!(rows[0].status, TrackStatus::SecretLeaked);
        assert_eq!(rows[0].leaked_by, ["secrets.files_private"]);
        assert_eq!(
            rows[0].status_text(),
            "not passed: a file holding a secret readable by others (secrets.files_private)"
        );
        assert_eq!(
            leak_cause(&["secrets.not_in_output".into(), "secrets.not_in_url".into()]),
            "a secret printed by your program (secrets.not_in_output) and a secret sent in a URL (secrets.not_in_url)"
        );
    }

    #[test]
    fn an_attempt_that_leaked_a_secret_is_neither_the_pass_nor_the_best() {
        let clean = attempt(11, 13, "2026-12-01T10:00:00Z", "mock");
        let mut leaking = attempt(12, 13, "2026-12-01T11:00:00Z", "mock");
        leaking.verdicts = vec![crate::rules::Verdict::fail(
            "secrets.not_in_output",
            0,
            "printed the access token",
        )];
        let progress = BTreeMap::from([(
            "rest-first-call".to_string(),
            LabProgress {
                started: true,
                attempts: vec![clean, leaking.clone()],
            },
        )]);
        let c = Curriculum::embedded().unwrap();
        let now = at("2026-12-02T00:00:00Z");
        let row = &assigned_view_model(&track(80), &c, &progress, now)[0];
        assert_eq!(row.status, TrackStatus::Passed, "11/13 reaches 80%");
        assert_eq!(row.best, Some((11, 13)), "not the leaking 12/13");
        assert_eq!(row.passed_at, Some(at("2026-12-01T10:00:00Z")));
        let only_leaking = BTreeMap::from([(
            "rest-first-call".to_string(),
            LabProgress {
                started: true,
                attempts: vec![leaking],
            },
        )]);
        let row = &assigned_view_model(&track(80), &c, &only_leaking, now)[0];
        assert_eq!((row.status, row.best), (TrackStatus::SecretLeaked, None));
    }

    #[test]
    fn a_secrets_check_not_awarded_for_want_of_work_neither_leaks_nor_bars_the_pass() {
        let mut crashed = attempt(5, 8, "2026-12-01T10:00:00Z", "mock");
        crashed.verdicts =
            vec![
                crate::rules::Verdict::pass("secrets.not_in_output", 1, "No secret was printed.")
                    .not_awarded_unless("a run did the lab's work, but no run ended normally"),
            ];
        assert!(!leaked_a_secret(&crashed));
        assert!(leaking_checks(&crashed.verdicts).is_empty());
        let progress = BTreeMap::from([(
            "rest-first-call".to_string(),
            LabProgress {
                started: true,
                attempts: vec![crashed],
            },
        )]);
        let c = Curriculum::embedded().unwrap();
        let row = &assigned_view_model(&track(60), &c, &progress, at("2026-12-02T00:00:00Z"))[0];
        assert_eq!((row.status, row.best), (TrackStatus::Passed, Some((5, 8))));
        let row = &assigned_view_model(&track(80), &c, &progress, at("2026-12-02T00:00:00Z"))[0];
        assert_eq!(
            row.status,
            TrackStatus::Attempted,
            "5/8 is below 80%, no leak"
        );
    }

    #[test]
    fn attempts_on_another_backend_or_passed_after_the_due_date_are_told_apart() {
        let mut progress = BTreeMap::new();
        progress.insert(
            "rest-first-call".to_string(),
            LabProgress {
                started: true,
                attempts: vec![
                    attempt(6, 6, "2026-12-01T10:00:00Z", "sandbox"),
                    attempt(6, 6, "2026-12-09T10:00:00Z", "mock"),
                ],
            },
        );
        let rows = assigned_view_model(
            &track(100),
            &Curriculum::embedded().unwrap(),
            &progress,
            at("2026-12-10T00:00:00Z"),
        );
        assert_eq!(rows[0].status, TrackStatus::Passed);
        assert_eq!(
            rows[0].passed_at,
            Some(at("2026-12-09T10:00:00Z")),
            "the sandbox pass does not count"
        );
        assert!(rows[0].passed_late && !rows[0].overdue);
        assert_eq!((rows[0].attempts, rows[0].attempts_elsewhere), (1, 1));
    }

    #[test]
    fn on_a_sandbox_track_mock_attempts_fill_neither_attempts_nor_best() {
        let c = Curriculum::embedded().unwrap();
        let sandbox = super::super::spec::parse(
            "sb.yaml",
            "track: SB\nbackend: sandbox\nlabs:\n  - { lab: rest-first-call, due: 2026-12-04 }\n",
            &c,
        )
        .unwrap();
        let mut progress = BTreeMap::new();
        progress.insert(
            "rest-first-call".to_string(),
            LabProgress {
                started: true,
                attempts: vec![attempt(8, 8, "2026-12-01T10:00:00Z", "mock")],
            },
        );
        let now = at("2026-12-02T00:00:00Z");
        let row = &assigned_view_model(&sandbox, &c, &progress, now)[0];
        assert_eq!(row.status, TrackStatus::Started, "no sandbox check yet");
        assert_eq!((row.attempts, row.attempts_elsewhere), (0, 1));
        assert_eq!(row.best, None, "8/8 on mock is no best on a sandbox track");
        assert_eq!(attempts_cell(&sandbox, row), "0 (+1 on mock)");

        progress
            .get_mut("rest-first-call")
            .unwrap()
            .attempts
            .push(attempt(5, 8, "2026-12-01T11:00:00Z", "sandbox"));
        let row = &assigned_view_model(&sandbox, &c, &progress, now)[0];
        assert_eq!(row.status, TrackStatus::Attempted);
        assert_eq!(
            row.best,
            Some((5, 8)),
            "the sandbox attempt's, not the mock's"
        );
        assert_eq!(attempts_cell(&sandbox, row), "1 (+1 on mock)");
    }
}
