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
    Ok(())
}

/// `sflab track assign FILE`: assigns the track and says what was assigned.
pub fn assign(cli: &Cli, curriculum: &Curriculum, file: &Path) -> Result<u8, Failure> {
    let (t, ws) = assign_track(cli, curriculum, file)?;
    outln!("{}", assigned_line(&t, &ws));
    Ok(0)
}

/// The rows as a plain table, for `sflab track show`.
pub fn render_rows(t: &Track, rows: &[AssignedRow]) -> String {
    let mut out = format!("Track: {}\n", t.name);
    if !t.description.trim().is_empty() {
        out.push_str(&format!("{}\n", t.description.trim()));
    }
    out.push_str(&format!(
        "A lab counts as passed at {}% of its points on the {} backend.\n\n",
        t.pass_threshold,
        match t.backend {
            crate::lab::Backend::Mock => "mock",
            crate::lab::Backend::Sandbox => "sandbox",
        }
    ));
    let width = rows
        .iter()
        .map(|r| r.lab.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    out.push_str(&format!(
        "  {:<width$}  {:<20}  {:<16}  {:>8}  {:>6}  title\n",
        "lab", "due", "status", "attempts", "best"
    ));
    for r in rows {
        let mut status = r.status.label().to_string();
        if r.passed_late {
            status.push_str(" (late)");
        }
        out.push_str(&format!(
            "{} {:<width$}  {:<20}  {:<16}  {:>8}  {:>6}  {}{}\n",
            r.status.glyph(),
            r.lab,
            r.due,
            status,
            r.attempts,
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
    out.push_str(&format!("\n{passed} of {} passed", rows.len()));
    if overdue > 0 {
        out.push_str(&format!(", {overdue} overdue"));
    }
    out.push_str(".\n");
    out
}

pub fn show(cli: &Cli, curriculum: &Curriculum, file: Option<&Path>) -> Result<u8, Failure> {
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
    let progress = track::load_progress(&ws, &t)?;
    let now = Utc::now();
    let rows = track::assigned_view_model(&t, curriculum, &progress, now);
    let handed = track::handed_secrets(&t, curriculum);
    let summary = track::write_report(&ws, &t, &rows, &progress, &handed, out, now)?;
    outln!(
        "Wrote the progress report on “{}” to {}: {} of {} passed{}.",
        t.name,
        out.display(),
        summary.passed,
        summary.assigned,
        if summary.overdue > 0 {
            format!(", {} overdue", summary.overdue)
        } else {
            String::new()
        }
    );
    outln!("  progress.json, progress.md, labs/ (your lab folders, for re-grading)");
    if !summary.masked.is_empty() {
        outln!(
            "Secrets found in {} were masked in the copy; your own files are unchanged.",
            summary.masked.join(", ")
        );
    }
    if !summary.skipped.is_empty() {
        outln!(
            "Left out of the copy (binary, too large, links, pipes or sflab state): {}.",
            summary.skipped.join(", ")
        );
    }
    Ok(0)
}
