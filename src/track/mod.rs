//! Tracks: a team lead's list of assigned labs with due dates ([`spec`]), where a learner
//! stands on it ([`view`], including the TUI's "Assigned" rows), and the progress report a
//! learner hands back ([`report`]), its lab folders copied with every secret sflab knows
//! masked ([`secrets`]).
//!
//! The active track (`sflab track assign FILE`, or `sflab --track FILE`) is kept as a copy at
//! `<ws>/.sflab/track.yaml`, so the TUI shows it without the original file.

pub mod folder;
pub mod folder_kept;
pub mod mark;
pub mod report;
pub mod report_files;
pub mod secrets;
pub mod spec;
mod spec_read;
pub mod view;

pub use folder::FolderCopy;
pub use report::{write_report, ReportError, ReportSummary};
pub use spec::{parse, parse_due, Assignment, Track, TrackError};
pub use view::{
    assigned_view_model, attempts_cell, counts_as_pass, next_due, AssignedRow, LabProgress,
    TrackStatus,
};

use crate::curriculum::Curriculum;
use crate::progress::{LabStatus, ProgressError, Store};
use crate::workspace::Workspace;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Errors reading or storing a track.
#[derive(Debug, thiserror::Error)]
pub enum TrackFileError {
    #[error("could not read the track file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not keep the active track in the workspace: {0}")]
    Store(std::io::Error),
    #[error(transparent)]
    Invalid(#[from] TrackError),
    #[error(transparent)]
    Progress(#[from] ProgressError),
}

/// Where the active track is kept.
pub fn active_path(ws: &Workspace) -> PathBuf {
    ws.state_dir().join("track.yaml")
}

/// Reads and validates a track file.
pub fn load(path: &Path, curriculum: &Curriculum) -> Result<Track, TrackFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| TrackFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(parse(&path.display().to_string(), &text, curriculum)?)
}

/// Validates `path` and makes it the workspace's active track.
pub fn set_active(
    ws: &Workspace,
    path: &Path,
    curriculum: &Curriculum,
) -> Result<Track, TrackFileError> {
    let track = load(path, curriculum)?;
    let text = std::fs::read(path).map_err(|source| TrackFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    crate::fsutil::write_private_atomic(&active_path(ws), &text).map_err(TrackFileError::Store)?;
    Ok(track)
}

/// The workspace's active track, if one was set.
pub fn active(ws: &Workspace, curriculum: &Curriculum) -> Result<Option<Track>, TrackFileError> {
    let path = active_path(ws);
    if !path.is_file() {
        return Ok(None);
    }
    load(&path, curriculum).map(Some)
}

/// The learner's progress on every lab of `track`, from the workspace's store.
pub fn load_progress(
    ws: &Workspace,
    track: &Track,
) -> Result<BTreeMap<String, LabProgress>, TrackFileError> {
    load_progress_noting(ws, track).map(|(progress, _)| progress)
}

/// [`load_progress`], with a note for each attempt left out because what was stored for it
/// cannot be decoded (see [`Store::take_skipped`]).
pub fn load_progress_noting(
    ws: &Workspace,
    track: &Track,
) -> Result<(BTreeMap<String, LabProgress>, Vec<String>), TrackFileError> {
    let mut out = BTreeMap::new();
    if !ws.progress_db().is_file() {
        return Ok((out, Vec::new()));
    }
    // Read only: a report from a read-only workspace still works.
    let (store, _) = Store::open_or_read(&ws.progress_db())?;
    let statuses = store.lab_statuses()?;
    for a in &track.labs {
        out.insert(
            a.lab.clone(),
            LabProgress {
                started: statuses
                    .get(&a.lab)
                    .is_some_and(|s| *s != LabStatus::NotStarted),
                attempts: store.attempts(&a.lab)?,
            },
        );
    }
    Ok((out, store.take_skipped()))
}

/// The "Assigned" rows of the workspace's active track (`None` when no track is set): the one
/// call the TUI needs.
pub fn assigned_rows(
    ws: &Workspace,
    curriculum: &Curriculum,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<(Track, Vec<AssignedRow>)>, TrackFileError> {
    let Some(track) = active(ws, curriculum)? else {
        return Ok(None);
    };
    let progress = load_progress(ws, &track)?;
    let rows = assigned_view_model(&track, curriculum, &progress, now);
    Ok(Some((track, rows)))
}

/// The secret values sflab hands the runs of the track's labs (see
/// [`crate::runner::handed_secrets`]), for masking them in a report's copy of the folders.
pub fn handed_secrets(track: &Track, curriculum: &Curriculum) -> Vec<(&'static str, String)> {
    track
        .labs
        .iter()
        .filter_map(|a| curriculum.lab(&a.lab))
        .filter_map(|meta| crate::lab::spec::parse(&meta.dir, &meta.yaml).ok())
        .flat_map(|spec| crate::runner::handed_secrets(&spec))
        .collect()
}
