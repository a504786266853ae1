//! The copy of the learner's lab folders that `sflab report` hands the lead, under
//! `<out>/labs/<lab>/`, so the lead can grade them again.
//!
//! - The lab folder is walked as the checks walk it ([`crate::lab::walk`]): installed
//!   packages (`node_modules`, a virtualenv), caches, version control and sflab's own folders
//!   are left out, each listed as `name/`, as is a HAR sflab saved; every other file is the
//!   learner's.
//! - Only regular text files are copied. FIFOs, sockets and devices are left out (reading a
//!   FIFO waits for a writer that never comes), like symlinks, binary and large files; every
//!   one is listed.
//! - Every copied file goes through [`Redactor::file_text`]: a base64, hex or percent-encoded
//!   stretch that decodes to a secret masked whole (a token store written encoded), JSON by
//!   key, secret-named assignments (`SF_CLIENT_SECRET=…`, `client_secret: …`) by key, then
//!   secrets by shape and every value the redactor knows. A first pass over all files teaches the redactor each
//!   value found under a secret key, so a value assigned in `.env` is also masked where `run`
//!   repeats it without a key.
//! - The copy is written fresh: built in a temporary folder beside `labs/`, then swapped in,
//!   so a file deleted since the last report is gone from the copy, and a report that fails
//!   half-way leaves the previous copy whole. The temporary folder's name carries the process
//!   id (`.labs-<pid>-<uuid>`); one left by a killed report is removed by the next. What the
//!   user added to the earlier copy or edited there is kept ([`super::folder_kept`]).
//! - A report `sflab report` wrote inside a lab folder (`progress.json` beside `labs/`) is one
//!   of sflab's own folders, so reports never nest inside later ones.
//! - Each copied file keeps the learner's permission bits, so grading the copy judges
//!   `secrets.files_private` as the checks judged the learner's folder: a token file left
//!   readable by others is so in the copy too, never made private by the report. This makes
//!   nothing readable that was not: the copy's secrets are masked as above, and its folders
//!   are the lead's alone (0700).
//! - `newest` covers folders as well as files: deleting or renaming a file changes its
//!   folder's modification time, so "changed since the last pass" sees deletions too.

use super::folder_kept::{keep_users_files, manifest_text, KeptFile};
use super::report::{put, ReportError};
use crate::lab::walk::Walked;
use crate::redact::Redactor;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

const MAX_COPIED_BYTES: u64 = 1024 * 1024;

/// What one lab folder's copy held back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderCopy {
    pub copied: Vec<String>,
    /// Files written with secrets masked.
    pub masked: Vec<String>,
    /// Files left out (binary, symlink, too large, not a regular file) and folders left out
    /// (`name/`: installed packages, caches, version control, sflab's own).
    pub skipped: Vec<String>,
    /// When the folder, one of its subfolders or one of its files last changed.
    pub newest: Option<SystemTime>,
}

/// A text file found in a lab folder, read but not yet masked.
struct TextFile {
    rel: PathBuf,
    shown: String,
    text: String,
    /// The learner's permission bits (`0o644`), kept on the copy; None where there are none.
    mode: Option<u32>,
}

fn modified(meta: &std::fs::Metadata) -> Option<SystemTime> {
    meta.modified().ok()
}

fn permission_bits(meta: &std::fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(meta.permissions().mode() & 0o777)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// Reads the text files of the lab folder `root`, walked as the checks walk it
/// ([`crate::lab::walk`]), noting what is left out and when anything changed.
fn read_folder(root: &Path, files: &mut Vec<TextFile>, notes: &mut FolderCopy) {
    if let Ok(meta) = std::fs::metadata(root) {
        notes.newest = notes.newest.max(modified(&meta));
    }
    crate::lab::walk::walk(root, &mut |e| match e.walked {
        // Installed packages, caches, version control, sflab's own (an earlier report
        // written inside the lab folder, a HAR it saved): never copied into this one.
        Walked::Skipped(_) if e.meta.is_dir() => notes.skipped.push(format!("{}/", e.shown)),
        Walked::Skipped(_) => notes.skipped.push(e.shown.clone()),
        Walked::Folder => notes.newest = notes.newest.max(modified(&e.meta)),
        Walked::Other => {
            notes.newest = notes.newest.max(modified(&e.meta));
            // Symlinks, FIFOs, sockets and devices: never opened.
            if !e.meta.is_file() || e.meta.len() > MAX_COPIED_BYTES {
                notes.skipped.push(e.shown.clone());
                return;
            }
            match std::fs::read(&e.path).map(String::from_utf8) {
                Ok(Ok(text)) => files.push(TextFile {
                    rel: e.rel.clone(),
                    shown: e.shown.clone(),
                    text,
                    mode: permission_bits(&e.meta),
                }),
                _ => notes.skipped.push(e.shown.clone()),
            }
        }
    });
}

/// A temporary folder name beside `labs/` for the new copy: `.labs-<pid>-<uuid>`.
fn staging(out: &Path) -> PathBuf {
    out.join(format!(
        ".labs-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ))
}

/// Removes the staging folders in `out` that a killed `sflab report` left: those of a process
/// that is gone, and those of older sflab versions (`.labs-<uuid>`, no process id).
fn sweep_stale_staging(out: &Path) {
    let Ok(entries) = std::fs::read_dir(out) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(".labs-") else {
            continue;
        };
        let stale = match rest.split_once('-') {
            Some((pid, _)) => pid
                .parse::<i32>()
                .is_ok_and(|pid| !crate::fsutil::process_alive(pid)),
            None => rest.len() == 32 && rest.chars().all(|c| c.is_ascii_hexdigit()),
        };
        if stale && entry.path().is_dir() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn write_err(path: &Path) -> impl Fn(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Copies each `(lab, folder)` into `<out>/labs/<lab>/`, replacing any earlier copy.
pub fn copy_labs(
    redactor: &Redactor,
    folders: &[(String, PathBuf)],
    out: &Path,
) -> Result<BTreeMap<String, FolderCopy>, ReportError> {
    copy_labs_keeping(redactor, folders, out).map(|(copies, _)| copies)
}

/// [`copy_labs`], keeping what of the earlier copy the user added or edited
/// ([`super::folder_kept`]); also returns what it kept.
pub fn copy_labs_keeping(
    redactor: &Redactor,
    folders: &[(String, PathBuf)],
    out: &Path,
) -> Result<(BTreeMap<String, FolderCopy>, Vec<KeptFile>), ReportError> {
    let mut found = Vec::new();
    for (lab, dir) in folders {
        let mut notes = FolderCopy::default();
        let mut files = Vec::new();
        read_folder(dir, &mut files, &mut notes);
        found.push((lab.clone(), files, notes));
    }
    // First pass: learn every value found under a secret key, in any file of any lab.
    for (_, files, _) in &found {
        for f in files {
            redactor.file_text(&f.shown, &f.text);
        }
    }
    let labs = out.join("labs");
    sweep_stale_staging(out);
    let stage = staging(out);
    let written = write_copies(redactor, &mut found, &stage).and_then(|written| {
        let manifest = stage.join(super::folder_kept::MANIFEST);
        put(&manifest, manifest_text(&written).as_bytes())?;
        if !labs.is_dir() {
            return Ok(Vec::new());
        }
        keep_users_files(&labs, &stage)
            .map_err(|(path, source)| ReportError::Write { path, source })
    });
    let kept = match written {
        Ok(kept) => kept,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&stage);
            return Err(e);
        }
    };
    if labs.exists() {
        std::fs::remove_dir_all(&labs).map_err(write_err(&labs))?;
    }
    std::fs::rename(&stage, &labs).map_err(write_err(&labs))?;
    let copies = found
        .into_iter()
        .map(|(lab, _, notes)| (lab, notes))
        .collect();
    Ok((copies, kept))
}

/// Writes the copies into `stage`; returns what it wrote, by `<lab>/<file>`.
fn write_copies(
    redactor: &Redactor,
    found: &mut [(String, Vec<TextFile>, FolderCopy)],
    stage: &Path,
) -> Result<BTreeMap<String, Vec<u8>>, ReportError> {
    let mut written = BTreeMap::new();
    crate::fsutil::create_private_dir(stage).map_err(write_err(stage))?;
    for (lab, files, notes) in found.iter_mut() {
        let to = stage.join(lab.as_str());
        crate::fsutil::create_private_dir(&to).map_err(write_err(&to))?;
        for f in files.iter() {
            let clean = redactor.file_text(&f.shown, &f.text);
            // A secret used as a file name (`cache/$SF_ACCESS_TOKEN.json`) is masked there too.
            let shown = redactor.path(&f.shown);
            if clean != f.text || shown != f.shown {
                notes.masked.push(shown.clone());
            }
            let target = if shown == f.shown {
                to.join(&f.rel)
            } else {
                to.join(&shown)
            };
            put(&target, clean.as_bytes())?;
            #[cfg(unix)]
            if let Some(mode) = f.mode {
                use std::os::unix::fs::PermissionsExt as _;
                std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode))
                    .map_err(write_err(&target))?;
            }
            written.insert(format!("{lab}/{shown}"), clean.into_bytes());
            notes.copied.push(shown);
        }
    }
    Ok(written)
}

#[cfg(test)]
#[path = "folder_tests.rs"]
mod tests;
