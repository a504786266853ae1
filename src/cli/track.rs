//! The track commands: `sflab --track FILE` (make it the workspace's active track, then open
//! the classroom), `sflab track assign FILE` (the same without the classroom), `sflab track
//! show [FILE]` and `sflab report [--track FILE] --out DIR`.

use super::lab::{existing_workspace, optional_workspace, outln, workspace_of};
use super::{Cli, Failure};
use crate::curriculum::Curriculum;
use crate::track::{self, AssignedRow, Track};
use crate::workspace::Workspace;
use chrono::Utc;
use std::path::Path;

/// Refuses a track file given twice over, as FILE and as a different `--track FILE`: which
/// one was meant is not for sflab to guess.
fn one_track_file(cli: &Cli, file: Option<&Path>) -> Result<(), Failure> {
    match (file, cli.track.as_deref()) {
        (Some(f), Some(t)) if f != t => Err(Failure::usage(format!(
            "two track files are given, {} and --track {}: give one of them",
            f.display(),
            t.display()
        ))),
        _ => Ok(()),
    }
}

/// The track to use: the file given, else the workspace's active track.
fn chosen(
    cli: &Cli,
    ws: Option<&Workspace>,
    file: Option<&Path>,
    curriculum: &Curriculum,
) -> Result<Track, Failure> {
    let no_track = || {
        Failure::usage("no track is set: give the track file (`sflab track show FILE`, `sflab report --track FILE --out DIR`) or make it the workspace's track with `sflab track assign FILE`")
    };
    one_track_file(cli, file)?;
    match (file.or(cli.track.as_deref()), ws) {
        (Some(f), _) => Ok(track::load(f, curriculum)?),
        (None, Some(ws)) => track::active(ws, curriculum)?.ok_or_else(no_track),
        (None, None) => Err(no_track()),
    }
}

/// What was assigned, as one line.
fn assigned_line(t: &Track, ws: &Workspace) -> String {
    format!(
        "Track “{}” is now assigned in {} ({} lab{}: {}).",
        t.name,
        ws.root.display(),
        t.labs.len(),
        if t.labs.len() == 1 { "" } else { "s" },
        t.labs
            .iter()
            .map(|a| format!("{} due {}", a.lab, a.due_text))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Validates `file` and keeps it as the workspace's active track (a bad file changes nothing).
fn assign_track(
    cli: &Cli,
    curriculum: &Curriculum,
    file: &Path,
) -> Result<(Track, Workspace), Failure> {
    let ws = workspace_of(cli)?;
    let t = track::set_active(&ws, file, curriculum)?;
    Ok((t, ws))
}

/// `sflab --track FILE`: assigns the track, then the classroom opens (the caller's part).
pub fn set_active(cli: &Cli, curriculum: &Curriculum, file: &Path) -> Result<(), Failure> {
    let (t, ws) = assign_track(cli, curriculum, file)?;
    eprintln!("sflab: {}", assigned_line(&t, &ws));
    if let Some(warning) = all_past_due(&t, Utc::now()) {
        eprintln!("sflab: warning: {warning}");
    }
    Ok(())
}

/// `sflab track assign FILE`: assigns the track and says what was assigned.
pub fn assign(cli: &Cli, curriculum: &Curriculum, file: &Path) -> Result<u8, Failure> {
    let (t, ws) = assign_track(cli, curriculum, file)?;
    outln!("{}", assigned_line(&t, &ws));
    if let Some(warning) = all_past_due(&t, Utc::now()) {
        eprintln!("sflab: warning: {warning}");
    }
    Ok(0)
}

/// A warning when every lab of `t` is already past due at `now` (a year typed wrong, an old
/// file): the track is assigned all the same, and every lab shows as overdue.
pub fn all_past_due(t: &Track, now: chrono::DateTime<Utc>) -> Option<String> {
    let latest = t.labs.iter().map(|a| a.due).max()?;
    (latest < now).then(|| {
        format!(
            "every due date of this track is already past (the latest is {}); every unpassed lab will show as OVERDUE. Check the dates in the track file and assign it again if they are wrong.",
            latest.format("%Y-%m-%d %H:%M UTC")
        )
    })
}

/// The rows as a plain table, for `sflab track show`.
pub fn render_rows(t: &Track, rows: &[AssignedRow]) -> String {
    let mut out = format!("Track: {}\n", t.name);
    if !t.description.trim().is_empty() {
        out.push_str(&format!("{}\n", t.description.trim()));
    }
    out.push_str(&format!(
        "A lab counts as passed at {}% of its points on the {} backend, with no secret leaked (`sflab check` PASS and ✓ in `sflab list` are the lab's own mark: every check).\n\n",
        t.pass_threshold,
        track::view::backend_name(t)
    ));
    let width = rows
        .iter()
        .map(|r| r.lab.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let due_width = rows
        .iter()
        .map(|r| r.due.chars().count())
        .max()
        .unwrap_or(3)
        .max(10);
    let status_width = rows
        .iter()
        .map(|r| r.status_text().chars().count() + if r.passed_late { 7 } else { 0 })
        .max()
        .unwrap_or(6)
        .max(6);
    let attempts: Vec<String> = rows.iter().map(|r| track::attempts_cell(t, r)).collect();
    let attempts_width = attempts
        .iter()
        .map(|a| a.chars().count())
        .max()
        .unwrap_or(8)
        .max(8);
    out.push_str(&format!(
        "  {:<width$}  {:<due_width$}  {:<status_width$}  {:>attempts_width$}  {:>6}  title\n",
        "lab", "due", "status", "attempts", "best"
    ));
    for (r, attempts) in rows.iter().zip(&attempts) {
        let mut status = r.status_text();
        if r.passed_late {
            status.push_str(" (late)");
        }
        out.push_str(&format!(
            "{} {:<width$}  {:<due_width$}  {:<status_width$}  {:>attempts_width$}  {:>6}  {}{}\n",
            r.status.glyph(),
            r.lab,
            r.due,
            status,
            attempts,
            r.best
                .map(|(p, m)| format!("{p}/{m}"))
                .unwrap_or_else(|| "–".into()),
            r.title,
            if r.overdue { "  ⚠ OVERDUE" } else { "" }
        ));
    }
    let passed = rows
        .iter()
        .filter(|r| r.status == track::TrackStatus::Passed)
        .count();
    let overdue = rows.iter().filter(|r| r.overdue).count();
    let late = rows.iter().filter(|r| r.passed_late).count();
    out.push_str(&format!("\n{passed} of {} passed", rows.len()));
    if late > 0 {
        out.push_str(&format!(" ({late} late)"));
    }
    if overdue > 0 {
        out.push_str(&format!(", {overdue} overdue"));
    }
    out.push_str(".\n");
    let left_out = t.left_out_lines();
    if !left_out.is_empty() {
        out.push_str(&format!("\n{}\n", track::spec::LEFT_OUT_HEADING));
        for line in left_out {
            out.push_str(&format!("  ✗ {line}\n"));
        }
    }
    let on_orgs = track::view::passes_on_orgs(rows);
    if !on_orgs.is_empty() {
        out.push_str("\nWhere the passes were made:\n");
        for (lab, org) in on_orgs {
            out.push_str(&format!("  {lab}: passed on {org}\n"));
        }
    }
    out
}

/// The workspace's track as `sflab list` and `sflab check` see it.
#[derive(Debug)]
pub enum WorkspaceTrack {
    /// The track, with where the learner stands on each lab.
    Read(Track, Vec<AssignedRow>),
    /// The track kept in the workspace cannot be read: why, naming the file and line as
    /// `sflab track show` does.
    Unreadable(String),
}

impl WorkspaceTrack {
    /// The track and its rows, when it was read.
    pub fn read(&self) -> Option<(&Track, &[AssignedRow])> {
        match self {
            WorkspaceTrack::Read(t, rows) => Some((t, rows)),
            WorkspaceTrack::Unreadable(_) => None,
        }
    }

    /// The warning `command` prints on stderr when the track cannot be read.
    pub fn warning(&self, command: &str) -> Option<String> {
        match self {
            WorkspaceTrack::Read(..) => None,
            WorkspaceTrack::Unreadable(why) => Some(unreadable_warning(command, why)),
        }
    }
}

/// Said on stderr by a command that goes on without the workspace's track, which cannot be
/// read (`why`).
pub fn unreadable_warning(command: &str, why: &str) -> String {
    format!(
        "sflab: warning: the workspace's track cannot be read, so `{command}` leaves it out: {}\nFix the file, or assign the track again with `sflab track assign FILE`.",
        why.trim_end()
    )
}

/// The workspace's track and where the learner stands on it, for `sflab list` (its note,
/// and `track` in its JSON); `None` without a workspace or a track.
pub fn list_track(cli: &Cli, curriculum: &Curriculum) -> Option<WorkspaceTrack> {
    let ws = optional_workspace(cli).ok()??;
    let read = || -> Result<Option<(Track, Vec<AssignedRow>)>, track::TrackFileError> {
        let Some(t) = track::active(&ws, curriculum)? else {
            return Ok(None);
        };
        let progress = track::load_progress(&ws, &t)?;
        let rows = track::assigned_view_model(&t, curriculum, &progress, Utc::now());
        Ok(Some((t, rows)))
    };
    match read() {
        Ok(read) => read.map(|(t, rows)| WorkspaceTrack::Read(t, rows)),
        Err(e) => Some(WorkspaceTrack::Unreadable(e.to_string())),
    }
}

pub fn show(cli: &Cli, curriculum: &Curriculum, file: Option<&Path>) -> Result<u8, Failure> {
    one_track_file(cli, file)?;
    let ws = optional_workspace(cli)?;
    let t = chosen(cli, ws.as_ref(), file, curriculum)?;
    let progress = match &ws {
        Some(ws) => track::load_progress(ws, &t)?,
        None => Default::default(),
    };
    let rows = track::assigned_view_model(&t, curriculum, &progress, Utc::now());
    outln!("{}", render_rows(&t, &rows).trim_end());
    Ok(0)
}

pub fn report(cli: &Cli, curriculum: &Curriculum, out: &Path) -> Result<u8, Failure> {
    let ws = existing_workspace(cli)?;
    let t = chosen(cli, Some(&ws), None, curriculum)?;
    let (progress, skipped) = track::load_progress_noting(&ws, &t)?;
    for note in skipped {
        eprintln!("sflab: note: {note}");
    }
    let now = Utc::now();
    let rows = track::assigned_view_model(&t, curriculum, &progress, now);
    let logins = crate::sandbox::LoginStore::from_env().ok();
    let known = track::secrets::known(&ws, &t, curriculum, logins.as_ref());
    for why in &known.unread {
        eprintln!("sflab: warning: {why}");
    }
    let labs = curriculum.labs.iter().map(|l| l.id.as_str());
    let assigned = t.labs.iter().map(|a| a.lab.as_str());
    let left_out = t.left_out.iter().map(|l| l.lab.as_str());
    track::report::check_out(&ws, labs.chain(assigned).chain(left_out), out)?;
    let summary = track::write_report(&ws, &t, &rows, &progress, &known.values, out, now)?;
    outln!(
        "Wrote the progress report on “{}” to {}: {} of {} passed{}{}.",
        t.name,
        out.display(),
        summary.passed,
        summary.assigned,
        if summary.late > 0 {
            format!(" ({} late)", summary.late)
        } else {
            String::new()
        },
        if summary.overdue > 0 {
            format!(", {} overdue", summary.overdue)
        } else {
            String::new()
        }
    );
    outln!("  progress.json, progress.md, labs/ (your lab folders, for re-grading)");
    for (name, kept) in &summary.kept {
        outln!(
            "{name} had been edited since sflab wrote it; that version is kept in {}.",
            kept.display()
        );
    }
    for kept in &summary.kept_in_copy {
        outln!("{}", crate::track::folder_kept::kept_line(kept));
    }
    if !summary.masked.is_empty() {
        outln!(
            "Secrets found in {} were masked in the copy; your own files are unchanged.",
            summary.masked.join(", ")
        );
    }
    if !summary.skipped.is_empty() {
        outln!(
            "Left out of the copy (binary, too large, links, pipes, sflab state or earlier reports): {}.",
            summary.skipped.join(", ")
        );
    }
    for lab in &summary.missing {
        eprintln!(
            "sflab: warning: the folder of {lab} is missing from the workspace ({}): the report says so, and your lead cannot grade it again. Put the folder back and run `sflab report` again.",
            ws.lab_dir(lab).display()
        );
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::track::{Assignment, TrackStatus};

    fn at(text: &str) -> chrono::DateTime<Utc> {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn track(dues: &[&str]) -> Track {
        Track {
            name: "T".into(),
            description: String::new(),
            backend: crate::lab::Backend::Mock,
            pass_threshold: 100,
            labs: dues
                .iter()
                .enumerate()
                .map(|(i, d)| Assignment {
                    lab: format!("lab-{i}"),
                    due: at(d),
                    due_text: d.to_string(),
                })
                .collect(),
            left_out: Vec::new(),
        }
    }

    fn row(lab: &str, due: &str, status: TrackStatus, late: bool) -> AssignedRow {
        AssignedRow {
            lab: lab.into(),
            title: "Title".into(),
            due: due.into(),
            due_at: at("2026-01-01T00:00:00Z"),
            status,
            overdue: false,
            passed_late: late,
            passed_at: None,
            attempts: 1,
            attempts_elsewhere: 0,
            best: None,
            passed_on: None,
            leaked_by: vec![],
        }
    }

    #[test]
    fn columns_stay_aligned_with_a_long_due_time_and_late_passes_are_counted() {
        let rows = [
            row("rest-first-call", "2026-12-04", TrackStatus::Passed, true),
            row(
                "rest-crud",
                "2020-01-01T09:00:00+05:00",
                TrackStatus::NotStarted,
                false,
            ),
        ];
        let text = render_rows(&track(&[]), &rows);
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("Title") || l.ends_with("title"))
            .collect();
        let column =
            |l: &str, word: &str| l.chars().count() - l[l.find(word).unwrap()..].chars().count();
        let title_at: Vec<usize> = lines
            .iter()
            .map(|l| {
                column(
                    l,
                    if l.ends_with("title") {
                        "title"
                    } else {
                        "Title"
                    },
                )
            })
            .collect();
        assert!(title_at.windows(2).all(|w| w[0] == w[1]), "{text}");
        assert!(text.contains("1 of 2 passed (1 late)"), "{text}");
        assert!(
            !text.contains("passed on"),
            "a mock pass names no org: {text}"
        );
    }

    #[test]
    fn on_a_sandbox_track_mock_attempts_are_labelled_and_columns_stay_aligned() {
        let mut t = track(&[]);
        t.backend = crate::lab::Backend::Sandbox;
        let mut mock_only = row("rest-first-call", "2026-12-04", TrackStatus::Started, false);
        (mock_only.attempts, mock_only.attempts_elsewhere) = (0, 1);
        let mut counted = row("rest-crud", "2026-12-04", TrackStatus::Attempted, false);
        counted.best = Some((5, 8));
        let text = render_rows(&t, &[mock_only, counted]);
        let line = |lab: &str| text.lines().find(|l| l.contains(lab)).unwrap().to_string();
        assert!(
            line("rest-first-call").contains(" started ")
                && line("rest-first-call").contains(" 0 (+1 on mock)       –  Title"),
            "{text}"
        );
        let title_at =
            |l: String| l.chars().count() - l[l.find("Title").unwrap()..].chars().count();
        assert_eq!(
            title_at(line("rest-first-call")),
            title_at(line("rest-crud")),
            "{text}"
        );
    }

    #[test]
    fn a_pass_on_a_sandbox_names_the_org_it_was_made_on() {
        let mut passed = row("rest-first-call", "2026-12-04", TrackStatus::Passed, false);
        passed.passed_on =
            Some("Acme (sandbox) at acme.my.salesforce.com, org 00D000000000001".into());
        let text = render_rows(&track(&[]), &[passed]);
        assert!(
            text.ends_with("Where the passes were made:\n  rest-first-call: passed on Acme (sandbox) at acme.my.salesforce.com, org 00D000000000001\n"),
            "{text}"
        );
    }

    #[test]
    fn assigning_a_track_whose_dates_are_all_past_warns() {
        let now = at("2026-11-29T21:45:00Z");
        let warning = all_past_due(
            &track(&["2025-12-04T23:59:59Z", "2025-12-11T17:00:00Z"]),
            now,
        );
        assert!(warning.is_some_and(|w| w.contains("2025-12-11 17:00 UTC")));
        assert!(all_past_due(
            &track(&["2025-12-04T23:59:59Z", "2026-12-11T17:00:00Z"]),
            now
        )
        .is_none());
    }
}
