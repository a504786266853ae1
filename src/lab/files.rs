//! The learner's copy of a lab: `sflab lab start` copies the starter files into the workspace,
//! `sflab reset` restores them after moving the learner's version aside as a backup.
//!
//! Starter files come from the curriculum ([`Files`]: embedded or `--curriculum DIR`), which
//! does not carry file modes, so `run` and any file starting with `#!` are made executable.

use crate::curriculum::{Files, LabMeta};
use crate::workspace::Workspace;
use chrono::Utc;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LabFilesError {
    #[error("lab {lab:?} has no starter files (expected {dir}/starter/ in {origin})")]
    NoStarter {
        lab: String,
        dir: String,
        origin: String,
    },
    #[error(
        "could not write the lab's files under {path}: {source}. {}",
        write_advice(path, source)
    )]
    Write { path: PathBuf, source: io::Error },
    /// A reset that could not write the fresh copy; nothing of the learner's was touched.
    #[error("could not reset {dir}: writing a fresh copy of the starter files failed ({source}). Your files there are as they were. Free some disk space or make the workspace writable, then reset again.")]
    ResetFailed { dir: PathBuf, source: io::Error },
}

/// What to do when `path` could not be written: a file standing where a folder must be is
/// named, as "File exists" or "Not a directory" alone does not say which.
fn write_advice(path: &Path, source: &io::Error) -> String {
    use io::ErrorKind::{AlreadyExists, NotADirectory};
    // The path itself when it is the folder to make; an ancestor when a folder on the way is.
    let in_the_way = matches!(source.kind(), AlreadyExists | NotADirectory)
        .then(|| path.ancestors().find(|a| a.is_file()))
        .flatten();
    match in_the_way {
        Some(file) => format!(
            "{} is a file where sflab needs a folder: move or rename it, then try again.",
            file.display()
        ),
        None => "Check that the workspace folder is writable.".to_string(),
    }
}

/// What `start_lab` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartOutcome {
    /// The starter files were copied into this folder.
    Created { dir: PathBuf, files: Vec<String> },
    /// The folder already held the learner's work; nothing was touched.
    AlreadyStarted { dir: PathBuf },
}

/// What `reset_lab` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetOutcome {
    pub dir: PathBuf,
    /// Where the learner's previous version now lives, if there was one.
    pub backup: Option<PathBuf>,
    pub files: Vec<String>,
}

fn starter_files(
    files: &dyn Files,
    lab: &LabMeta,
) -> Result<Vec<(String, Vec<u8>)>, LabFilesError> {
    let prefix = format!("{}/starter/", lab.dir);
    let out: Vec<_> = files
        .list(&prefix)
        .into_iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(&prefix)?.to_string();
            if rel.split('/').any(|c| c == ".." || c.is_empty()) {
                return None;
            }
            files.read(&p).map(|b| (rel, b))
        })
        .collect();
    if out.is_empty() {
        return Err(LabFilesError::NoStarter {
            lab: lab.id.clone(),
            dir: lab.dir.clone(),
            origin: files.origin(),
        });
    }
    Ok(out)
}

fn write_err(path: &Path) -> impl FnOnce(io::Error) -> LabFilesError + '_ {
    move |source| LabFilesError::Write {
        path: path.to_path_buf(),
        source,
    }
}

fn copy_starter(dir: &Path, starter: &[(String, Vec<u8>)]) -> Result<Vec<String>, LabFilesError> {
    let mut names = Vec::new();
    for (rel, bytes) in starter {
        let target = dir.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(write_err(parent))?;
        }
        std::fs::write(&target, bytes).map_err(write_err(&target))?;
        let executable = rel == "run" || rel.ends_with("/run") || bytes.starts_with(b"#!");
        #[cfg(unix)]
        if executable {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))
                .map_err(write_err(&target))?;
        }
        #[cfg(not(unix))]
        let _ = executable;
        names.push(rel.clone());
    }
    Ok(names)
}

/// Whether `dir` holds exactly the `files` (relative path, bytes) and nothing else.
fn holds_exactly(dir: &Path, files: &[(String, Vec<u8>)]) -> bool {
    fn walk(root: &Path, at: &Path, out: &mut Vec<String>) -> bool {
        let Ok(entries) = std::fs::read_dir(at) else {
            return false;
        };
        for e in entries.flatten() {
            let path = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => {
                    if !walk(root, &path, out) {
                        return false;
                    }
                }
                Ok(t) if t.is_file() => {
                    let rel = path.strip_prefix(root).unwrap_or(&path);
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
                _ => return false,
            }
        }
        true
    }
    let mut present = Vec::new();
    if !walk(dir, dir, &mut present) || present.len() != files.len() {
        return false;
    }
    files.iter().all(|(rel, bytes)| {
        present.contains(rel) && std::fs::read(dir.join(rel)).is_ok_and(|b| &b == bytes)
    })
}

fn has_content(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false)
}

/// Copies every curriculum file under `prefix` (e.g. `solutions/rest-crud/`) into `dest`,
/// leaving out paths under any of `skip` (relative to `prefix`, e.g. `wrong/`). Used by
/// `sflab dev check` to lay out reference and known-bad solutions as a learner's lab folder.
pub fn copy_from_curriculum(
    files: &dyn Files,
    prefix: &str,
    dest: &Path,
    skip: &[&str],
) -> Result<Vec<String>, LabFilesError> {
    let picked: Vec<(String, Vec<u8>)> = files
        .list(prefix)
        .into_iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(prefix)?.to_string();
            if skip.iter().any(|s| rel.starts_with(s))
                || rel.split('/').any(|c| c == ".." || c.is_empty())
            {
                return None;
            }
            files.read(&p).map(|b| (rel, b))
        })
        .collect();
    std::fs::create_dir_all(dest).map_err(write_err(dest))?;
    copy_starter(dest, &picked)
}

/// Copies a lab's starter files into `<ws>/<lab-id>/` unless the learner already started it.
pub fn start_lab(
    files: &dyn Files,
    lab: &LabMeta,
    ws: &Workspace,
) -> Result<StartOutcome, LabFilesError> {
    let dir = ws.lab_dir(&lab.id);
    if has_content(&dir) {
        return Ok(StartOutcome::AlreadyStarted { dir });
    }
    let starter = starter_files(files, lab)?;
    std::fs::create_dir_all(&dir).map_err(write_err(&dir))?;
    let files = copy_starter(&dir, &starter)?;
    Ok(StartOutcome::Created { dir, files })
}

/// Restores the starter files, moving the learner's version to `<ws>/<lab-id>.backup-<time>`.
///
/// The fresh copy is written beside the lab folder first and swapped in whole, so a reset
/// that fails half way (a full disk) leaves the learner's folder as it was.
pub fn reset_lab(
    files: &dyn Files,
    lab: &LabMeta,
    ws: &Workspace,
) -> Result<ResetOutcome, LabFilesError> {
    let starter = starter_files(files, lab)?;
    let dir = ws.lab_dir(&lab.id);
    let stamp = Utc::now().format("%Y%m%d-%H%M%S");
    let staging = ws.root.join(format!(".{}.reset-{stamp}", lab.id));
    let _ = std::fs::remove_dir_all(&staging);
    let copied = std::fs::create_dir_all(&staging)
        .map_err(write_err(&staging))
        .and_then(|_| copy_starter(&staging, &starter));
    let files = match copied {
        Ok(files) => files,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(match e {
                LabFilesError::Write { source, .. } => LabFilesError::ResetFailed {
                    dir: dir.clone(),
                    source,
                },
                other => other,
            });
        }
    };
    // A folder that still holds exactly the starter files has nothing worth keeping.
    let keep = has_content(&dir) && !holds_exactly(&dir, &starter);
    let backup = if keep {
        let mut backup = ws.root.join(format!("{}.backup-{stamp}", lab.id));
        let mut n = 2;
        while backup.exists() {
            backup = ws.root.join(format!("{}.backup-{stamp}-{n}", lab.id));
            n += 1;
        }
        if let Err(e) = std::fs::rename(&dir, &backup) {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(write_err(&backup)(e));
        }
        Some(backup)
    } else {
        let _ = std::fs::remove_dir_all(&dir);
        None
    };
    if let Err(e) = std::fs::rename(&staging, &dir) {
        // Put the learner's version back where it was.
        if let Some(b) = &backup {
            let _ = std::fs::rename(b, &dir);
        }
        let _ = std::fs::remove_dir_all(&staging);
        return Err(write_err(&dir)(e));
    }
    Ok(ResetOutcome { dir, backup, files })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curriculum::{DiskFiles, Level};

    fn curriculum(t: &Path) -> (DiskFiles, LabMeta) {
        let starter = t.join("cur/labs/demo/starter");
        std::fs::create_dir_all(starter.join("lib")).unwrap();
        std::fs::write(starter.join("run"), "#!/bin/sh\necho hi\n").unwrap();
        std::fs::write(starter.join("lib/helper.py"), "print(1)\n").unwrap();
        let meta = LabMeta {
            id: "demo".into(),
            title: "Demo".into(),
            level: Level::L1,
            lesson: "L1-basics/rest".into(),
            summary: String::new(),
            dir: "labs/demo".into(),
            yaml: String::new(),
        };
        (DiskFiles::new(&t.join("cur")), meta)
    }

    #[test]
    fn a_reset_that_cannot_write_its_fresh_copy_leaves_the_learners_files_as_they_were() {
        let t = tempfile::tempdir().unwrap();
        let (files, meta) = curriculum(t.path());
        let ws = Workspace::at(&t.path().join("ws")).unwrap();
        start_lab(&files, &meta, &ws).unwrap();
        let run = ws.lab_dir("demo").join("run");
        std::fs::write(&run, "#!/bin/sh\necho my work\n").unwrap();
        // A file where the fresh copy would be written (for this second and the next few):
        // writing it fails as a full disk would.
        let now = Utc::now();
        for s in 0..5 {
            let stamp = (now + chrono::Duration::seconds(s)).format("%Y%m%d-%H%M%S");
            std::fs::write(ws.root.join(format!(".demo.reset-{stamp}")), "x").unwrap();
        }
        let err = reset_lab(&files, &meta, &ws).unwrap_err();
        assert!(matches!(err, LabFilesError::ResetFailed { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("Your files there are as they were"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(&run).unwrap(),
            "#!/bin/sh\necho my work\n"
        );
        let backups = std::fs::read_dir(&ws.root)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains(".backup-"))
            .count();
        assert_eq!(backups, 0, "nothing was moved aside");
    }

    #[test]
    fn a_file_where_the_lab_folder_should_be_is_named() {
        let t = tempfile::tempdir().unwrap();
        let (files, meta) = curriculum(t.path());
        let ws = Workspace::at(&t.path().join("ws")).unwrap();
        std::fs::write(ws.lab_dir("demo"), "notes").unwrap();
        let err = start_lab(&files, &meta, &ws).unwrap_err().to_string();
        let named = format!(
            "{} is a file where sflab needs a folder",
            ws.lab_dir("demo").display()
        );
        assert!(err.contains(&named), "{err}");
        assert!(!err.contains("writable"), "{err}");
    }

    #[test]
    fn start_copies_starter_files_and_makes_run_executable() {
        let t = tempfile::tempdir().unwrap();
        let (files, meta) = curriculum(t.path());
        let ws = Workspace::at(&t.path().join("ws")).unwrap();
        let out = start_lab(&files, &meta, &ws).unwrap();
        let StartOutcome::Created { dir, files: names } = out else {
            panic!("expected a fresh copy")
        };
        assert_eq!(names, vec!["lib/helper.py".to_string(), "run".to_string()]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("run"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o111, 0o111);
        }
    }

    #[test]
    fn starting_twice_keeps_the_learners_edits() {
        let t = tempfile::tempdir().unwrap();
        let (files, meta) = curriculum(t.path());
        let ws = Workspace::at(&t.path().join("ws")).unwrap();
        start_lab(&files, &meta, &ws).unwrap();
        std::fs::write(ws.lab_dir("demo").join("run"), "mine").unwrap();
        assert!(matches!(
            start_lab(&files, &meta, &ws).unwrap(),
            StartOutcome::AlreadyStarted { .. }
        ));
        assert_eq!(
            std::fs::read_to_string(ws.lab_dir("demo").join("run")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn reset_restores_starter_and_backs_up_the_learners_version() {
        let t = tempfile::tempdir().unwrap();
        let (files, meta) = curriculum(t.path());
        let ws = Workspace::at(&t.path().join("ws")).unwrap();
        start_lab(&files, &meta, &ws).unwrap();
        std::fs::write(ws.lab_dir("demo").join("run"), "mine").unwrap();
        let out = reset_lab(&files, &meta, &ws).unwrap();
        let backup = out.backup.expect("a backup of the learner's version");
        assert_eq!(std::fs::read_to_string(backup.join("run")).unwrap(), "mine");
        assert!(std::fs::read_to_string(out.dir.join("run"))
            .unwrap()
            .contains("echo hi"));
        // Nothing changed since: nothing to keep.
        let untouched = reset_lab(&files, &meta, &ws).unwrap();
        assert_eq!(untouched.backup, None);
        // A file of the learner's own is worth a backup, and backups never overwrite.
        std::fs::write(ws.lab_dir("demo").join("notes.txt"), "mine too").unwrap();
        let second = reset_lab(&files, &meta, &ws).unwrap();
        assert_ne!(
            second.backup.expect("a backup of the added file"),
            backup,
            "backups never overwrite each other"
        );
    }

    #[test]
    fn a_lab_without_starter_files_says_where_they_were_expected() {
        let t = tempfile::tempdir().unwrap();
        let (files, mut meta) = curriculum(t.path());
        meta.dir = "labs/none".into();
        let ws = Workspace::at(&t.path().join("ws")).unwrap();
        let e = start_lab(&files, &meta, &ws).unwrap_err().to_string();
        assert!(e.contains("labs/none/starter/"), "{e}");
    }
}
