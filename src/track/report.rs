//! `sflab report --track FILE --out DIR`: the learner's progress on a track as JSON and
//! Markdown (attempts, verdicts, times), plus a copy of their lab folders so the lead can
//! re-grade them with `sflab grade` rather than trust the numbers.
//!
//! No secrets leave: transcripts are not copied (only verdicts, which the runner already
//! redacted), and the lab folders are copied with every secret masked ([`super::folder`]):
//! values under secret keys, secrets by shape, and the secret values sflab itself keeps or
//! hands each lab's run ([`super::secrets`]: the org logins' tokens and client secrets too),
//! even written bare. The report lists every file it masked or left out.
//!
//! A progress.json, progress.md or marker in the out folder that sflab did not write is never
//! replaced, and one edited since is kept aside ([`super::report_files`]).
//!
//! The out folder gets a marker (`.sflab-report`) before anything else, so a report that
//! stopped part-way (a full disk: `labs/` written, `progress.json` not) is known as sflab's own
//! and replaced by the retry, while a `labs/` folder sflab did not write is never replaced.
//!
//! Attempts and best count only the attempts made on the track's backend, the ones that can
//! count; attempts elsewhere are labelled (`0 (+1 on mock)`), and progress.json lists every
//! attempt with its backend. The summary line says what `sflab track show` says: passed, late
//! and overdue.
//!
//! A started or passed lab whose folder is gone from the workspace is said to be missing
//! (`folder_missing` in progress.json, a line under "Lab folders"), never silently left out.
//! "Changed after the last pass" compares the folder's [fingerprint] now with the one the
//! passing attempt recorded: content, not modification times.
//!
//! `--out` must be a folder outside the lab folders and the workspace's `.sflab`, and not the
//! workspace itself: a report inside a lab folder would be copied into the next report (and
//! the hand-in) of that lab, deeper every time.
//!
//! [fingerprint]: crate::progress::fingerprint

use super::folder::{copy_labs_keeping, FolderCopy};
use super::spec::Track;
use super::view::{AssignedRow, LabProgress};
use crate::redact::Redactor;
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(
        "could not write the report under {path}: {source}. Check that the folder is writable."
    )]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not read the workspace's redaction key: {0}")]
    Key(std::io::Error),
    #[error("{0} already holds a `labs` folder that no earlier `sflab report` wrote (there is no progress.json beside it); choose another --out folder so nothing in it is replaced")]
    NotAReport(PathBuf),
    #[error("{path} is not a file `sflab report` wrote ({how}), and the report would replace it, so nothing was written. Move that file out of {out} (or delete it if it is an old report you no longer need) and run `sflab report` again, or choose another --out folder.")]
    NotOurs {
        path: PathBuf,
        out: PathBuf,
        how: &'static str,
    },
    #[error("--out {0} is a file: `sflab report` writes a folder (progress.json, progress.md and labs/). Name a folder; it is created if missing.")]
    OutIsAFile(PathBuf),
    #[error("--out {out} is {place}: {why}. Write the report outside the workspace's lab folders, e.g. --out {suggested}")]
    OutInWorkspace {
        out: PathBuf,
        place: String,
        why: &'static str,
        suggested: PathBuf,
    },
}

/// Refuses an `--out` that is the workspace itself, inside its `.sflab`, or inside one of
/// the lab folders `labs` (ids) of the workspace.
pub fn check_out<'a>(
    ws: &Workspace,
    labs: impl IntoIterator<Item = &'a str>,
    out: &Path,
) -> Result<(), ReportError> {
    let resolved = crate::grade::output_folder::resolved;
    let at = resolved(out);
    let root = resolved(&ws.root);
    let lab_folder = labs
        .into_iter()
        .map(|lab| ws.lab_dir(lab))
        .find(|dir| at.starts_with(resolved(dir)));
    let (place, why) = if at == root {
        (
            "the workspace itself".to_string(),
            "the report's labs/ would sit beside your lab folders and its copies would mix with them",
        )
    } else if at.starts_with(resolved(&ws.state_dir())) {
        (
            format!("inside the workspace's {}", ws.state_dir().display()),
            "that folder holds sflab's own state",
        )
    } else if let Some(dir) = lab_folder {
        (
            format!("inside the lab folder {}", dir.display()),
            "the report would become part of that lab's hand-in and be copied into every later report, one level deeper each time",
        )
    } else {
        return Ok(());
    };
    let name = ws
        .root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sflab".into());
    Err(ReportError::OutInWorkspace {
        out: out.to_path_buf(),
        place,
        why,
        suggested: root.with_file_name(format!("{name}-report")),
    })
}

/// What `write_report` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSummary {
    pub files: Vec<PathBuf>,
    /// Files written with secrets masked, as `<lab>/<file>`.
    pub masked: Vec<String>,
    /// Files left out of the copy, as `<lab>/<file>`.
    pub skipped: Vec<String>,
    pub passed: usize,
    pub assigned: usize,
    pub overdue: usize,
    /// Labs passed, but after their due moment.
    pub late: usize,
    /// Labs started or passed whose folder is missing from the workspace.
    pub missing: Vec<String>,
    /// Each report file edited since sflab wrote it, and where that version was kept.
    pub kept: Vec<(String, PathBuf)>,
    /// Files of the earlier `labs/` copy the user added or edited, kept in the new one.
    pub kept_in_copy: Vec<super::folder_kept::KeptFile>,
}

pub(super) fn put(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let err = |source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(d) = path.parent() {
        crate::fsutil::create_private_dir(d).map_err(err)?;
    }
    crate::fsutil::write_private_atomic(path, bytes).map_err(err)
}

/// The last attempt that counts as a pass: its id and when it ended.
fn last_pass(track: &Track, p: Option<&LabProgress>) -> Option<(i64, DateTime<Utc>)> {
    p?.attempts
        .iter()
        .filter(|a| super::view::counts_as_pass(track, a))
        .filter_map(|a| {
            let start = DateTime::parse_from_rfc3339(&a.started_at).ok()?;
            let end =
                start.with_timezone(&Utc) + chrono::Duration::milliseconds(a.duration_ms as i64);
            Some((a.id, end))
        })
        .max_by_key(|(id, end)| (*end, *id))
}

/// The lab folder as the last pass left it and as it is now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fingerprints {
    /// Recorded with the passing attempt; `None` for a pass recorded before sflab kept them.
    pub at_pass: Option<String>,
    pub now: Option<String>,
}

/// When the last attempt that counts as a pass ended, if the folder was changed after it:
/// the copy is then not the code that passed (a `reset`, edits, files deleted or renamed).
/// Decided by the folder's fingerprint (content); a pass recorded before sflab kept
/// fingerprints falls back to modification times, which also flags a folder only touched or
/// copied (`newest` covers folders too, so deletions are seen).
fn changed_since_pass(
    track: &Track,
    p: Option<&LabProgress>,
    copy: Option<&FolderCopy>,
    folder: &Fingerprints,
) -> Option<DateTime<Utc>> {
    let (_, last_pass) = last_pass(track, p)?;
    if let Some(at_pass) = &folder.at_pass {
        return (folder.now.as_ref() != Some(at_pass)).then_some(last_pass);
    }
    let newest: DateTime<Utc> = copy?.newest?.into();
    // A little slack: files the run itself wrote were written before the attempt ended.
    (newest > last_pass + chrono::Duration::seconds(2)).then_some(last_pass)
}

/// The fingerprints of each lab's folder at its last pass (from the progress store) and now.
fn fingerprints(
    ws: &Workspace,
    track: &Track,
    progress: &BTreeMap<String, LabProgress>,
    folders: &[(String, PathBuf)],
) -> BTreeMap<String, Fingerprints> {
    let store = ws
        .progress_db()
        .is_file()
        .then(|| crate::progress::Store::open_or_read(&ws.progress_db()).ok())
        .flatten()
        .map(|(store, _)| store);
    folders
        .iter()
        .filter_map(|(lab, dir)| {
            let (id, _) = last_pass(track, progress.get(lab))?;
            let at_pass = store
                .as_ref()
                .and_then(|s| s.folder_fingerprint(id).ok().flatten());
            let now = crate::progress::fingerprint::of_folder(dir);
            Some((lab.clone(), Fingerprints { at_pass, now }))
        })
        .collect()
}

/// Why a started lab has no folder in the report, if it has none.
fn folder_missing(ws: &Workspace, row: &AssignedRow) -> Option<String> {
    (row.status != super::TrackStatus::NotStarted && !ws.lab_dir(&row.lab).is_dir()).then(|| {
        format!(
            "the workspace had no {}/ folder when this report was written: it was deleted or moved after the lab was {}",
            row.lab,
            if row.status == super::TrackStatus::Passed {
                "passed"
            } else {
                "started"
            }
        )
    })
}

/// Each attempt: `passed` is the lab's own mark (every check), `counts_for_track` the
/// track's (its pass mark, on its backend, no secret leaked).
fn attempts_json(track: &Track, p: Option<&LabProgress>) -> Vec<Value> {
    p.map(|p| {
        p.attempts
            .iter()
            .map(|a| {
                json!({
                    "started_at": a.started_at,
                    "duration_ms": a.duration_ms,
                    "backend": a.backend,
                    "org": a.org,
                    "points": a.points,
                    "max_points": a.max_points,
                    "passed": a.passed,
                    "counts_for_track": super::view::counts_as_pass(track, a),
                    "error": a.error,
                    "verdicts": a.verdicts.iter().map(|v| json!({
                        "rule": v.rule,
                        "status": match v.status {
                            crate::rules::VerdictStatus::Pass => "pass",
                            crate::rules::VerdictStatus::Fail => "fail",
                            crate::rules::VerdictStatus::NotApplicable { .. } => "not_applicable",
                        },
                        "points_awarded": v.points_awarded,
                        "points_possible": v.points_possible,
                        "message": v.message,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect()
    })
    .unwrap_or_default()
}

fn markdown(
    track: &Track,
    rows: &[AssignedRow],
    copies: &BTreeMap<String, FolderCopy>,
    changed: &BTreeMap<String, DateTime<Utc>>,
    missing: &BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> String {
    let mut md = format!(
        "# Progress on “{}”\n\nGenerated {} · backend {} · a lab counts as passed at {}% of its points, with no secret leaked (an attempt's `passed` in progress.json is the lab's own mark, every check; `counts_for_track` is this one).\n\n| | lab | due | status | attempts | best |\n|---|---|---|---|---|---|\n",
        track.name,
        now.format("%Y-%m-%d %H:%M UTC"),
        super::view::backend_name(track),
        track.pass_threshold
    );
    for r in rows {
        let mut status = r.status_text();
        if r.overdue {
            status.push_str(" · **overdue**");
        }
        if r.passed_late {
            status.push_str(" · late");
        }
        md.push_str(&format!(
            "| {} | `{}` {} | {} | {status} | {} | {} |\n",
            r.status.glyph(),
            r.lab,
            r.title.replace('|', "\\|"),
            r.due,
            super::view::attempts_cell(track, r),
            r.best
                .map(|(p, m)| format!("{p}/{m}"))
                .unwrap_or_else(|| "–".into())
        ));
    }
    let passed = rows
        .iter()
        .filter(|r| r.status == super::TrackStatus::Passed)
        .count();
    let late = rows.iter().filter(|r| r.passed_late).count();
    let overdue = rows.iter().filter(|r| r.overdue).count();
    md.push_str(&format!(
        "\n{passed} of {} assigned labs passed{}{}.\n",
        rows.len() + track.left_out.len(),
        if late > 0 {
            format!(" ({late} of them late)")
        } else {
            String::new()
        },
        if overdue > 0 {
            format!(", {overdue} overdue")
        } else {
            String::new()
        }
    ));
    let left_out = track.left_out_lines();
    if !left_out.is_empty() {
        md.push_str(&format!("\n{}\n\n", super::spec::LEFT_OUT_HEADING));
        for line in left_out {
            md.push_str(&format!("- {line}\n"));
        }
    }
    let on_orgs = super::view::passes_on_orgs(rows);
    if !on_orgs.is_empty() {
        md.push_str("\nWhere the passes were made (as each org described itself):\n\n");
        for (lab, org) in on_orgs {
            md.push_str(&format!("- `{lab}`: passed on {org}\n"));
        }
    }
    md.push_str(REGRADE_ADVICE);
    for (lab, c) in copies {
        md.push_str(&format!("\n- `{lab}`: {} file(s) copied", c.copied.len()));
        if !c.masked.is_empty() {
            md.push_str(&format!("; secrets masked in {}", c.masked.join(", ")));
        }
        if !c.skipped.is_empty() {
            md.push_str(&format!("; left out: {}", c.skipped.join(", ")));
        }
        if let Some(passed) = changed.get(lab) {
            md.push_str(&format!(
                "; **changed after the last pass** ({}): this copy is the current version, not the one that passed; run `sflab check {lab}` again",
                passed.format("%Y-%m-%d %H:%M UTC")
            ));
        }
    }
    for (lab, why) in missing {
        md.push_str(&format!(
            "\n- `{lab}`: **folder missing**: {why}. There is nothing of it to grade again; its status above is from the progress record."
        ));
    }
    md.push('\n');
    md
}

pub use super::report_files::REPORT_MARKER;
use super::report_files::REPORT_MARKER_TEXT;

/// Writes `progress.json`, `progress.md` and `labs/<lab>/` under `out`. `handed` holds the
/// secret values sflab knows (those it hands the track's labs' runs, the stored org logins'
/// tokens and client secrets, the workspace's keys: [`super::secrets::known`]), masked
/// wherever they appear in the copied folders.
pub fn write_report(
    ws: &Workspace,
    track: &Track,
    rows: &[AssignedRow],
    progress: &BTreeMap<String, LabProgress>,
    handed: &[(&str, String)],
    out: &Path,
    now: DateTime<Utc>,
) -> Result<ReportSummary, ReportError> {
    if out.exists() && !out.is_dir() {
        return Err(ReportError::OutIsAFile(out.to_path_buf()));
    }
    let marker = out.join(REPORT_MARKER);
    if out.join("labs").exists() && !out.join("progress.json").is_file() && !marker.is_file() {
        return Err(ReportError::NotAReport(out.to_path_buf()));
    }
    super::report_files::refuse_foreign(out)?;
    let redactor = Redactor::new(&crate::runner::redaction_key(ws).map_err(ReportError::Key)?);
    for (kind, value) in handed {
        redactor.add_secret(kind, value);
    }
    // The folders of assigned labs the curriculum left out are copied too: the report is the
    // hand-in, and the lead grades them again once the curriculum is fixed.
    let folders: Vec<(String, PathBuf)> = rows
        .iter()
        .map(|r| r.lab.as_str())
        .chain(track.left_out.iter().map(|l| l.lab.as_str()))
        .map(|lab| (lab.to_string(), ws.lab_dir(lab)))
        .filter(|(_, dir)| dir.is_dir())
        .collect();
    crate::fsutil::create_private_dir(out).map_err(|source| ReportError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    // Written before labs/: a report that stops part-way (a full disk) is still known as
    // sflab's own, so the retry replaces it.
    put(&marker, REPORT_MARKER_TEXT.as_bytes())?;
    let (copies, kept_in_copy) = copy_labs_keeping(&redactor, &folders, out)?;
    let fingerprints = fingerprints(ws, track, progress, &folders);
    let changed: BTreeMap<String, DateTime<Utc>> = rows
        .iter()
        .filter_map(|r| {
            let at = changed_since_pass(
                track,
                progress.get(&r.lab),
                copies.get(&r.lab),
                &fingerprints.get(&r.lab).cloned().unwrap_or_default(),
            )?;
            Some((r.lab.clone(), at))
        })
        .collect();
    let missing: BTreeMap<String, String> = rows
        .iter()
        .filter_map(|r| Some((r.lab.clone(), folder_missing(ws, r)?)))
        .collect();
    let labs: Vec<Value> = rows
        .iter()
        .map(|r| {
            let c = copies.get(&r.lab);
            json!({
                "lab": r.lab,
                "title": r.title,
                "due": r.due_at.to_rfc3339(),
                "status": r.status,
                "overdue": r.overdue,
                "passed_late": r.passed_late,
                "passed_at": r.passed_at.map(|t| t.to_rfc3339()),
                "passed_on": r.passed_on,
                "best_points": r.best.map(|b| b.0),
                "best_max_points": r.best.map(|b| b.1),
                "attempts_on_track_backend": r.attempts,
                "attempts_on_other_backend": r.attempts_elsewhere,
                "attempts": attempts_json(track, progress.get(&r.lab)),
                "folder": c.map(|_| format!("labs/{}", r.lab)),
                "folder_missing": missing.get(&r.lab),
                "masked_files": c.map(|c| c.masked.clone()).unwrap_or_default(),
                "skipped_files": c.map(|c| c.skipped.clone()).unwrap_or_default(),
                "changed_since_pass": changed.contains_key(&r.lab),
            })
        })
        .collect();
    let passed = rows
        .iter()
        .filter(|r| r.status == super::TrackStatus::Passed)
        .count();
    let overdue = rows.iter().filter(|r| r.overdue).count();
    let late = rows.iter().filter(|r| r.passed_late).count();
    // A lab left out is still assigned; it counts as not passed until its files are fixed.
    let assigned = rows.len() + track.left_out.len();
    let doc = json!({
        "track": track.name,
        "generated_at": now.to_rfc3339(),
        "backend": super::view::backend_name(track),
        "pass_threshold": track.pass_threshold,
        "summary": {
            "assigned": assigned,
            "passed": passed,
            "passed_late": late,
            "overdue": overdue,
            "left_out": track.left_out.len(),
        },
        "labs": labs,
        "left_out": track.left_out.iter().map(|l| json!({
            "lab": l.lab,
            "due": l.due_text,
            "why": l.why,
            "folder": copies.get(&l.lab).map(|_| format!("labs/{}", l.lab)),
        })).collect::<Vec<_>>(),
    });
    let written = |name: &str, text: String| {
        super::report_files::replace(out, name, &text).map(|kept| kept.map(|k| (name.into(), k)))
    };
    let kept: Vec<(String, PathBuf)> = [
        written("progress.json", super::report_files::json_text(doc))?,
        written(
            "progress.md",
            super::report_files::md_text(&markdown(track, rows, &copies, &changed, &missing, now)),
        )?,
    ]
    .into_iter()
    .flatten()
    .collect();
    let (json_path, md_path) = (out.join("progress.json"), out.join("progress.md"));
    let masked = copies
        .iter()
        .flat_map(|(lab, c)| c.masked.iter().map(move |f| format!("{lab}/{f}")))
        .collect();
    let skipped = copies
        .iter()
        .flat_map(|(lab, c)| c.skipped.iter().map(move |f| format!("{lab}/{f}")))
        .collect();
    Ok(ReportSummary {
        files: vec![json_path, md_path],
        masked,
        skipped,
        passed,
        assigned,
        overdue,
        late,
        missing: missing.into_keys().collect(),
        kept,
        kept_in_copy,
    })
}

/// How a lead re-grades the copied lab folders of one learner or of a whole team.
pub const REGRADE_ADVICE: &str = "\n## Lab folders\n\nEach started lab's folder is under `labs/<lab>/`. To grade them again, put each learner's report folder in one folder, named after the learner (`reports/alice/`, `reports/bob/`), and run `sflab grade reports --lab <lab> --out DIR`: each learner is graded from their `labs/<lab>/`. One learner alone: `sflab grade <report folder> --lab <lab> --out DIR`.\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(backend: &str, points: u32) -> crate::progress::AttemptRow {
        crate::progress::AttemptRow {
            id: 1,
            lab: "rest-first-call".into(),
            started_at: "2026-12-01T10:00:00Z".into(),
            duration_ms: 4_000,
            passed: points == 8,
            points,
            max_points: 8,
            backend: backend.into(),
            error: None,
            org: None,
            verdicts: vec![],
        }
    }

    /// progress.md of `yaml` with `attempts` on rest-first-call, judged on 2026-12-10.
    fn progress_md(yaml: &str, attempts: Vec<crate::progress::AttemptRow>) -> String {
        let c = crate::curriculum::Curriculum::embedded().unwrap();
        let track = super::super::spec::parse("t.yaml", yaml, &c).unwrap();
        let progress = BTreeMap::from([(
            "rest-first-call".to_string(),
            LabProgress {
                started: true,
                attempts,
            },
        )]);
        let now = DateTime::parse_from_rfc3339("2026-12-10T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let rows = super::super::view::assigned_view_model(&track, &c, &progress, now);
        markdown(
            &track,
            &rows,
            &BTreeMap::new(),
            &BTreeMap::new(),
            &BTreeMap::new(),
            now,
        )
    }

    #[test]
    fn the_markdown_summary_counts_overdue_labs_like_every_other_view() {
        let md = progress_md(
            "track: T\nlabs:\n  - { lab: rest-first-call, due: 2026-11-30 }\n  - { lab: rest-crud, due: 2026-12-05 }\n  - { lab: rest-upsert-twice, due: 2999-01-01 }\n",
            vec![attempt("mock", 8)],
        );
        assert!(
            md.contains("\n1 of 3 assigned labs passed (1 of them late), 1 overdue.\n"),
            "{md}"
        );
        let none_overdue = progress_md(
            "track: T\nlabs:\n  - { lab: rest-first-call, due: 2999-01-01 }\n",
            vec![],
        );
        assert!(
            none_overdue.contains("\n0 of 1 assigned labs passed.\n"),
            "{none_overdue}"
        );
    }

    #[test]
    fn a_pass_at_the_tracks_mark_shows_the_best_attempt_that_leaked_nothing() {
        let mut clean = attempt("mock", 7);
        clean.started_at = "2026-12-01T09:00:00Z".into();
        let mut leaking = attempt("mock", 8);
        leaking.passed = false;
        leaking.verdicts = vec![crate::rules::Verdict::fail(
            "secrets.not_in_output",
            0,
            "printed the access token",
        )];
        let md = progress_md(
            "track: T\npass_threshold: 80\nlabs:\n  - { lab: rest-first-call, due: 2999-01-01 }\n",
            vec![clean, leaking],
        );
        let row = md
            .lines()
            .find(|l| l.contains("`rest-first-call`"))
            .unwrap();
        assert!(row.ends_with("| passed | 2 | 7/8 |"), "{row}");
        assert!(md.contains("an attempt's `passed` in progress.json is the lab's own mark"));
    }

    #[test]
    fn on_a_sandbox_track_the_markdown_labels_mock_attempts_and_takes_no_best_from_them() {
        let md = progress_md(
            "track: SB\nbackend: sandbox\nlabs:\n  - { lab: rest-first-call, due: 2999-01-01 }\n",
            vec![attempt("mock", 8)],
        );
        let row = md
            .lines()
            .find(|l| l.contains("`rest-first-call`"))
            .unwrap();
        assert!(row.ends_with("| started | 0 (+1 on mock) | – |"), "{row}");
    }

    #[test]
    fn an_out_folder_in_the_workspace_lab_folders_or_its_state_is_refused_naming_it() {
        let t = tempfile::tempdir().unwrap();
        let ws = Workspace::at(&t.path().join("ws-k")).unwrap();
        std::fs::create_dir_all(ws.lab_dir("rest-first-call")).unwrap();
        let refused = |out: PathBuf| {
            check_out(&ws, ["rest-first-call", "rest-crud"], &out)
                .unwrap_err()
                .to_string()
        };
        let nested = refused(ws.lab_dir("rest-first-call").join("report"));
        assert!(
            nested.contains("is inside the lab folder")
                && nested.contains("rest-first-call")
                && nested.contains("e.g. --out")
                && nested.contains("ws-k-report"),
            "{nested}"
        );
        assert!(refused(ws.lab_dir("rest-crud").join("r")).contains("inside the lab folder"));
        assert!(refused(ws.root.clone()).contains("is the workspace itself"));
        assert!(refused(ws.state_dir()).contains(".sflab: that folder holds sflab's own state"));
        for fine in [t.path().join("report"), ws.root.join("reports/week1")] {
            check_out(&ws, ["rest-first-call"], &fine).unwrap();
        }
    }

    #[test]
    fn a_report_out_that_is_a_file_says_a_folder_is_needed() {
        let t = tempfile::tempdir().unwrap();
        let ws = Workspace::at(&t.path().join("ws")).unwrap();
        let track = super::super::spec::parse(
            "t.yaml",
            "track: T\nlabs:\n  - { lab: rest-crud, due: 2999-12-04 }\n",
            &crate::curriculum::Curriculum::embedded().unwrap(),
        )
        .unwrap();
        let file = t.path().join("afile");
        std::fs::write(&file, "keep").unwrap();
        let e = write_report(&ws, &track, &[], &BTreeMap::new(), &[], &file, Utc::now())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("afile is a file: `sflab report` writes a folder")
                && !e.contains("os error"),
            "{e}"
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep");
    }

    #[test]
    fn a_folder_is_changed_after_its_pass_by_content_not_by_its_times() {
        let c = crate::curriculum::Curriculum::embedded().unwrap();
        let track = super::super::spec::parse(
            "t.yaml",
            "track: T\nlabs:\n  - { lab: rest-crud, due: 2026-12-04 }\n",
            &c,
        )
        .unwrap();
        let mut pass = attempt("mock", 8);
        pass.lab = "rest-crud".into();
        let progress = LabProgress {
            started: true,
            attempts: vec![pass],
        };
        let touched_later = FolderCopy {
            newest: Some(std::time::SystemTime::now()),
            ..FolderCopy::default()
        };
        let folder = |at_pass: &str, now: &str| Fingerprints {
            at_pass: Some(at_pass.into()),
            now: Some(now.into()),
        };
        assert_eq!(
            changed_since_pass(
                &track,
                Some(&progress),
                Some(&touched_later),
                &folder("ab", "ab")
            ),
            None,
            "touched or copied, the same content"
        );
        let flagged = changed_since_pass(
            &track,
            Some(&progress),
            Some(&touched_later),
            &folder("ab", "cd"),
        )
        .unwrap();
        assert_eq!(flagged.to_rfc3339(), "2026-12-01T10:00:04+00:00");
        let gone = Fingerprints {
            at_pass: Some("ab".into()),
            now: None,
        };
        assert!(changed_since_pass(&track, Some(&progress), None, &gone).is_some());
    }

    #[test]
    fn a_pass_recorded_without_a_fingerprint_falls_back_to_modification_times() {
        let c = crate::curriculum::Curriculum::embedded().unwrap();
        let track = super::super::spec::parse(
            "t.yaml",
            "track: T\nlabs:\n  - { lab: rest-crud, due: 2026-12-04 }\n",
            &c,
        )
        .unwrap();
        let pass = crate::progress::AttemptRow {
            id: 1,
            lab: "rest-crud".into(),
            started_at: "2026-12-01T10:00:00Z".into(),
            duration_ms: 4_000,
            passed: true,
            points: 8,
            max_points: 8,
            backend: "mock".into(),
            error: None,
            org: None,
            verdicts: vec![],
        };
        let progress = LabProgress {
            started: true,
            attempts: vec![pass],
        };
        let copy_at = |at: &str| FolderCopy {
            newest: Some(
                DateTime::parse_from_rfc3339(at)
                    .unwrap()
                    .with_timezone(&Utc)
                    .into(),
            ),
            ..FolderCopy::default()
        };
        let old = Fingerprints::default();
        // Written by the run itself, before the attempt ended: the copy is what passed.
        let during = copy_at("2026-12-01T10:00:03Z");
        assert_eq!(
            changed_since_pass(&track, Some(&progress), Some(&during), &old),
            None
        );
        // Reset or edited an hour later: flagged with the time of the pass.
        let later = copy_at("2026-12-01T11:00:00Z");
        let flagged = changed_since_pass(&track, Some(&progress), Some(&later), &old).unwrap();
        assert_eq!(flagged.to_rfc3339(), "2026-12-01T10:00:04+00:00");
        // Never passed: nothing to compare with.
        let none = LabProgress {
            started: true,
            attempts: vec![],
        };
        assert_eq!(
            changed_since_pass(&track, Some(&none), Some(&later), &old),
            None
        );
    }

    #[test]
    fn an_assigned_lab_the_curriculum_left_out_keeps_its_folder_and_counts_as_assigned() {
        let t = tempfile::tempdir().unwrap();
        let ws = Workspace::at(&t.path().join("ws")).unwrap();
        let mut c = crate::curriculum::Curriculum::embedded().unwrap();
        c.labs.retain(|l| l.id != "rest-crud");
        c.left_out.push(crate::curriculum::Problem {
            file: "labs/rest-crud/lab.yaml".into(),
            line: Some(45),
            column: None,
            message: "check 5: unknown rule process.exit_okk".into(),
            kept: false,
        });
        let yaml = "track: T\nlabs:\n  - { lab: rest-first-call, due: 2999-12-04 }\n  - { lab: rest-crud, due: 2999-12-05 }\n";
        let track = super::super::spec::parse("t.yaml", yaml, &c).unwrap();
        std::fs::create_dir_all(ws.lab_dir("rest-crud")).unwrap();
        std::fs::write(
            ws.lab_dir("rest-crud").join("run"),
            "#!/bin/sh\necho mine\n",
        )
        .unwrap();
        let now = Utc::now();
        let rows = super::super::view::assigned_view_model(&track, &c, &BTreeMap::new(), now);
        let out = t.path().join("report");
        let summary = write_report(&ws, &track, &rows, &BTreeMap::new(), &[], &out, now).unwrap();
        assert_eq!((summary.passed, summary.assigned), (0, 2));
        assert_eq!(
            std::fs::read_to_string(out.join("labs/rest-crud/run")).unwrap(),
            "#!/bin/sh\necho mine\n",
            "the learner's work is handed in"
        );
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("progress.json")).unwrap())
                .unwrap();
        assert_eq!(doc["summary"]["assigned"], 2, "{doc}");
        assert_eq!(doc["left_out"][0]["folder"], "labs/rest-crud", "{doc}");
        let md = std::fs::read_to_string(out.join("progress.md")).unwrap();
        assert!(md.contains("0 of 2 assigned labs passed"), "{md}");
    }
}
