//! Two pass marks, said apart: a lab's own (`sflab check` PASS, ✓ in `sflab list`: every check
//! passed) and the track's (`pass_threshold`, the team lead's pass mark for the track, which
//! `sflab track show` and `sflab report` judge by). A lab at 11/13 on a track passing at 80%
//! fails the lab's own mark and counts as passed for the track; the commands that show the
//! lab's own mark say what the track makes of it, so the two never read as a contradiction.
//! Their JSON says it too: `sflab check --json` gives the track's verdict on the attempt
//! ([`CheckVerdict`]) and `sflab list --json` the track's mark ([`TrackMark`]) and each
//! assigned lab's standing on it ([`LabOnTrack`]), each under `track`, left out where no
//! track applies.
//!
//! Whatever the points, an attempt that leaked a secret (a failed `secrets.*` check) counts
//! for neither ([`super::view::counts_as_pass`]).
//!
//! Pure: the check's report and the learner's progress are given.

use super::spec::Track;
use super::view::{
    backend_name, counts_as_pass, leak_cause, leaked_a_secret, leaking_checks, AssignedRow,
    TrackStatus,
};
use crate::progress::{AttemptRow, LabStatus};
use crate::runner::Report;
use serde::Serialize;
use std::collections::BTreeMap;

/// The report as the attempt the progress store keeps of it.
fn as_attempt(r: &Report) -> AttemptRow {
    AttemptRow {
        id: 0,
        lab: r.lab.clone(),
        started_at: r.started_at.to_rfc3339(),
        duration_ms: 0,
        passed: r.passed,
        points: r.points,
        max_points: r.max_points,
        backend: r.backend.clone(),
        error: None,
        org: r.org.clone(),
        verdicts: r.verdicts.clone(),
    }
}

/// Why an attempt does not count as passed for a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotCounted {
    /// A failed `secrets.*` check: no pass mark forgives it.
    SecretLeaked,
    /// The attempt ran on a backend other than the track's.
    OtherBackend,
    /// The points are below the track's pass mark.
    BelowPassMark,
}

/// The track's verdict on one attempt, as `sflab check --json` gives it under `track`: the
/// track, its pass mark and backend, and whether the attempt counts as passed for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckVerdict {
    /// The track's name (`track:` in its file).
    pub name: String,
    pub backend: &'static str,
    /// Percent of the lab's points an attempt needs to count.
    pub pass_threshold: u32,
    pub counts_for_track: bool,
    /// Why the attempt does not count; left out when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why_not: Option<NotCounted>,
}

/// The track's verdict on the checked attempt `r`; `None` when `track` does not assign its
/// lab.
pub fn check_verdict(track: &Track, r: &Report) -> Option<CheckVerdict> {
    track.labs.iter().find(|a| a.lab == r.lab)?;
    let attempt = as_attempt(r);
    let why_not = if counts_as_pass(track, &attempt) {
        None
    } else if leaked_a_secret(&attempt) {
        Some(NotCounted::SecretLeaked)
    } else if r.backend != backend_name(track) {
        Some(NotCounted::OtherBackend)
    } else {
        Some(NotCounted::BelowPassMark)
    };
    Some(CheckVerdict {
        name: track.name.clone(),
        backend: backend_name(track),
        pass_threshold: track.pass_threshold,
        counts_for_track: why_not.is_none(),
        why_not,
    })
}

/// The line `sflab check` adds below its report when `track` assigns the lab: whether this
/// attempt counts as passed for the track, at its pass mark, and why not when it does not.
pub fn check_line(track: &Track, r: &Report) -> Option<String> {
    let judged = check_verdict(track, r)?;
    let lead = format!(
        "Track “{}” (a lab counts as passed at {}% of its points on the {} backend):",
        judged.name, judged.pass_threshold, judged.backend
    );
    let score = format!("{}/{}", r.points, r.max_points);
    let verdict = match judged.why_not {
        None if r.passed => "this attempt counts as passed.".to_string(),
        None => format!("this attempt counts as passed for the track ({score}), though the lab's own mark above asks for every check."),
        Some(NotCounted::SecretLeaked) => format!(
            "this attempt does not count: {}, which fails a lab whatever its points.",
            leak_cause(&leaking_checks(&r.verdicts))
        ),
        Some(NotCounted::OtherBackend) => format!(
            "this attempt does not count: it ran on the {} backend.",
            r.backend
        ),
        Some(NotCounted::BelowPassMark) => {
            format!("this attempt does not count: {score} is below the pass mark.")
        }
    };
    Some(format!("{lead} {verdict}"))
}

/// The track as `sflab list --json` gives it at the top, under `track`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackMark {
    /// The track's name (`track:` in its file).
    pub name: String,
    pub backend: &'static str,
    /// Percent of a lab's points an attempt needs to count.
    pub pass_threshold: u32,
}

impl TrackMark {
    pub fn of(track: &Track) -> TrackMark {
        TrackMark {
            name: track.name.clone(),
            backend: backend_name(track),
            pass_threshold: track.pass_threshold,
        }
    }
}

/// An assigned lab as `sflab list --json` gives it under the lab's `track`: the track's
/// verdict beside the lab's own `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabOnTrack {
    /// Whether an attempt counts as passed for the track.
    pub counts_for_track: bool,
    pub status: TrackStatus,
    /// The due date as the track file writes it.
    pub due: String,
    pub overdue: bool,
    /// Passed, but only after the due date (`sflab track show` says "passed (late)").
    pub passed_late: bool,
}

impl LabOnTrack {
    pub fn of(row: &AssignedRow) -> LabOnTrack {
        LabOnTrack {
            counts_for_track: row.status == TrackStatus::Passed,
            status: row.status,
            due: row.due.clone(),
            overdue: row.overdue,
            passed_late: row.passed_late,
        }
    }
}

/// The note `sflab list` adds below its tree when the workspace has a track whose verdict
/// differs from a lab's own ✓/✗: which labs count as passed for the track though not ✓ in the
/// list, and which are ✓ in the list but do not count for it.
pub fn list_note(
    track: &Track,
    rows: &[AssignedRow],
    own: &BTreeMap<String, LabStatus>,
) -> Option<String> {
    let own_pass = |lab: &str| own.get(lab) == Some(&LabStatus::Passed);
    let passed_only_on_track: Vec<&str> = rows
        .iter()
        .filter(|r| r.status == TrackStatus::Passed && !own_pass(&r.lab))
        .map(|r| r.lab.as_str())
        .collect();
    let passed_only_here: Vec<&str> = rows
        .iter()
        .filter(|r| r.status != TrackStatus::Passed && own_pass(&r.lab))
        .map(|r| r.lab.as_str())
        .collect();
    if passed_only_on_track.is_empty() && passed_only_here.is_empty() {
        return None;
    }
    let mut note = format!(
        "✓ above is a lab's own pass (every check). Your track “{}” counts a lab as passed at {}% of its points on the {} backend, with no secret leaked (`sflab track show`):",
        track.name,
        track.pass_threshold,
        backend_name(track)
    );
    if !passed_only_on_track.is_empty() {
        note.push_str(&format!(
            " passed for the track: {}.",
            passed_only_on_track.join(", ")
        ));
    }
    if !passed_only_here.is_empty() {
        note.push_str(&format!(
            " not passed for the track: {}.",
            passed_only_here.join(", ")
        ));
    }
    Some(note)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Verdict;

    fn track() -> Track {
        super::super::spec::parse(
            "t.yaml",
            "track: Threshold test\npass_threshold: 80\nlabs:\n  - { lab: rest-first-call, due: 2026-12-10 }\n",
            &crate::curriculum::Curriculum::embedded().unwrap(),
        )
        .unwrap()
    }

    fn report(lab: &str, points: u32, leaked: bool) -> Report {
        let mut verdicts = vec![Verdict::pass("http.request", points, "ok")];
        if leaked {
            verdicts.push(Verdict::fail(
                "secrets.not_in_output",
                0,
                "printed the token",
            ));
        }
        let mut r = Report::new(
            lab,
            "mock",
            verdicts,
            vec![],
            vec![],
            chrono::Utc::now(),
            std::time::Duration::ZERO,
        );
        r.points = points;
        r.max_points = 13;
        r.passed = points == 13 && !leaked;
        r
    }

    #[test]
    fn check_says_whether_an_attempt_counts_for_the_track_at_its_pass_mark() {
        let t = track();
        let below_full = check_line(&t, &report("rest-first-call", 11, false)).unwrap();
        assert!(
            below_full.contains("at 80% of its points")
                && below_full.contains("counts as passed for the track (11/13)")
                && below_full.contains("the lab's own mark above asks for every check"),
            "{below_full}"
        );
        let leaked = check_line(&t, &report("rest-first-call", 12, true)).unwrap();
        assert!(
            leaked.ends_with(
                "does not count: a secret printed by your program (secrets.not_in_output), which fails a lab whatever its points."
            ),
            "{leaked}"
        );
        let low = check_line(&t, &report("rest-first-call", 9, false)).unwrap();
        assert!(low.ends_with("9/13 is below the pass mark."), "{low}");
        assert_eq!(
            check_line(&t, &report("rest-crud", 13, false)),
            None,
            "not assigned"
        );
    }

    #[test]
    fn a_secrets_check_not_awarded_for_want_of_work_is_no_leak() {
        let t = track();
        let mut r = report("rest-first-call", 11, false);
        let held = Verdict::pass("secrets.not_in_output", 1, "No secret was printed.")
            .not_awarded_unless("a run did the lab's work, but no run ended normally");
        assert!(held.held_back());
        r.verdicts.push(held);
        let judged = check_verdict(&t, &r).unwrap();
        assert_eq!((judged.counts_for_track, judged.why_not), (true, None));
        let line = check_line(&t, &r).unwrap();
        assert!(
            line.contains("counts as passed for the track (11/13)") && !line.contains("secret"),
            "{line}"
        );
        r.points = 9;
        assert_eq!(
            check_verdict(&t, &r).unwrap().why_not,
            Some(NotCounted::BelowPassMark)
        );
    }

    #[test]
    fn list_names_labs_whose_track_verdict_differs_from_their_own_mark() {
        let t = track();
        let c = crate::curriculum::Curriculum::embedded().unwrap();
        let mut attempt = as_attempt(&report("rest-first-call", 11, false));
        attempt.started_at = "2026-12-01T10:00:00Z".into();
        let progress = BTreeMap::from([(
            "rest-first-call".to_string(),
            super::super::view::LabProgress {
                started: true,
                attempts: vec![attempt],
            },
        )]);
        let now = chrono::Utc::now();
        let rows = super::super::view::assigned_view_model(&t, &c, &progress, now);
        let own = BTreeMap::from([("rest-first-call".to_string(), LabStatus::FailedLast)]);
        let note = list_note(&t, &rows, &own).unwrap();
        assert!(
            note.contains("at 80% of its points")
                && note.ends_with("passed for the track: rest-first-call."),
            "{note}"
        );
        let same = BTreeMap::from([("rest-first-call".to_string(), LabStatus::Passed)]);
        assert_eq!(list_note(&t, &rows, &same), None);
    }

    #[test]
    fn check_json_gives_the_tracks_name_pass_mark_and_whether_the_attempt_counts() {
        let t = track();
        let json = |r: &Report| serde_json::to_value(check_verdict(&t, r)).unwrap();
        assert_eq!(
            json(&report("rest-first-call", 11, false)),
            serde_json::json!({
                "name": "Threshold test",
                "backend": "mock",
                "pass_threshold": 80,
                "counts_for_track": true,
            })
        );
        assert_eq!(
            json(&report("rest-first-call", 9, false)),
            serde_json::json!({
                "name": "Threshold test",
                "backend": "mock",
                "pass_threshold": 80,
                "counts_for_track": false,
                "why_not": "below_pass_mark",
            })
        );
        assert_eq!(
            json(&report("rest-first-call", 13, true))["why_not"],
            "secret_leaked"
        );
        let mut on_sandbox = report("rest-first-call", 13, false);
        on_sandbox.backend = "sandbox".into();
        assert_eq!(json(&on_sandbox)["why_not"], "other_backend");
        assert_eq!(check_verdict(&t, &report("rest-crud", 13, false)), None);
    }

    #[test]
    fn list_json_gives_the_tracks_mark_and_each_assigned_labs_standing() {
        let t = track();
        assert_eq!(
            serde_json::to_value(TrackMark::of(&t)).unwrap(),
            serde_json::json!({ "name": "Threshold test", "backend": "mock", "pass_threshold": 80 })
        );
        let c = crate::curriculum::Curriculum::embedded().unwrap();
        let mut attempt = as_attempt(&report("rest-first-call", 11, false));
        attempt.started_at = "2026-12-01T10:00:00Z".into();
        let progress = BTreeMap::from([(
            "rest-first-call".to_string(),
            super::super::view::LabProgress {
                started: true,
                attempts: vec![attempt],
            },
        )]);
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-02T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let rows = super::super::view::assigned_view_model(&t, &c, &progress, at);
        assert_eq!(
            serde_json::to_value(LabOnTrack::of(&rows[0])).unwrap(),
            serde_json::json!({
                "counts_for_track": true,
                "status": "passed",
                "due": "2026-12-10",
                "overdue": false,
                "passed_late": false,
            })
        );
    }

    #[test]
    fn list_json_says_a_lab_passed_after_its_due_date_passed_late() {
        let t = track();
        let c = crate::curriculum::Curriculum::embedded().unwrap();
        let mut attempt = as_attempt(&report("rest-first-call", 11, false));
        attempt.started_at = "2026-12-11T10:00:00Z".into();
        let progress = BTreeMap::from([(
            "rest-first-call".to_string(),
            super::super::view::LabProgress {
                started: true,
                attempts: vec![attempt],
            },
        )]);
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-12T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let rows = super::super::view::assigned_view_model(&t, &c, &progress, at);
        let json = serde_json::to_value(LabOnTrack::of(&rows[0])).unwrap();
        assert_eq!(json["status"], "passed");
        assert_eq!(json["overdue"], false);
        assert_eq!(json["passed_late"], true);
    }
}
