//! What sflab sets in the lab folder around the learner's runs, so that what a run prints
//! must come from what it read and was answered, not from an answer typed in or a run number
//! guessed from files:
//! - `run.shuffle_rows` (in [`super::shuffled_rows`]): before each check the data rows of a
//!   CSV input are put in a new random order and its reference column numbered again;
//! - `run.restore_between_runs` ([`FolderSnapshot`]): between the runs of one check the folder
//!   is put back as it was before the first run — files and folders a run made are removed,
//!   files it changed get their content, permissions and modification time back — so a run
//!   cannot tell from what an earlier run left which run it is. What changed while an
//!   earlier run ran — a file the learner saved during the check — is given back after the
//!   last run ([`FolderBetweenRuns`]), so the learner's edits are never lost.
//!
//! Implementation notes: a snapshot holds the folder in memory and refuses a folder over
//! [`SNAPSHOT_CAP`] bytes (say so rather than restore half of it). Installed packages
//! ([`PACKAGE_FOLDERS`]: `node_modules`, a virtualenv, `__pycache__`) can be large, so of their
//! files only the names are kept: what a run adds there is removed, what it changes stays. Access and change times
//! are not put back: the change time cannot be set, and reading a file moves its access time.
//! A run can still keep state outside the lab folder; this only closes the folder itself.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The most bytes of files a snapshot holds.
pub const SNAPSHOT_CAP: u64 = 64 * 1024 * 1024;

/// Folders of installed packages, whose files a snapshot lists without their content.
pub const PACKAGE_FOLDERS: &[&str] = &["node_modules", ".venv", "venv", "__pycache__"];

#[derive(Debug, Clone, PartialEq)]
enum Entry {
    Dir,
    File {
        bytes: Vec<u8>,
        mode: u32,
        modified: Option<SystemTime>,
    },
    Link(PathBuf),
    /// A file under a package folder: only its name is kept.
    Listed,
}

/// The lab folder as it was before the first run: every entry by its path in the folder.
#[derive(Debug, Default)]
pub struct FolderSnapshot {
    entries: BTreeMap<PathBuf, Entry>,
}

impl FolderSnapshot {
    /// Reads `dir` whole; refuses one over [`SNAPSHOT_CAP`] bytes.
    pub fn take(dir: &Path) -> io::Result<FolderSnapshot> {
        let mut snapshot = FolderSnapshot::default();
        let mut total = 0u64;
        snapshot.read(dir, Path::new(""), &mut total, false)?;
        Ok(snapshot)
    }

    fn read(
        &mut self,
        root: &Path,
        rel: &Path,
        total: &mut u64,
        in_packages: bool,
    ) -> io::Result<()> {
        for item in fs::read_dir(root.join(rel))? {
            let item = item?;
            let rel = rel.join(item.file_name());
            let path = root.join(&rel);
            let meta = fs::symlink_metadata(&path)?;
            let entry = if meta.file_type().is_symlink() {
                Entry::Link(fs::read_link(&path)?)
            } else if meta.is_dir() {
                self.entries.insert(rel.clone(), Entry::Dir);
                let packages = in_packages
                    || PACKAGE_FOLDERS
                        .iter()
                        .any(|p| item.file_name() == std::ffi::OsStr::new(p));
                self.read(root, &rel, total, packages)?;
                continue;
            } else if in_packages {
                Entry::Listed
            } else {
                *total += meta.len();
                if *total > SNAPSHOT_CAP {
                    return Err(io::Error::other(format!(
                        "the lab folder holds more than {} MB, too much to put back between runs; move what the runs do not need (such as {}) out of it",
                        SNAPSHOT_CAP / (1024 * 1024),
                        rel.display()
                    )));
                }
                Entry::File {
                    bytes: fs::read(&path)?,
                    mode: mode_of(&meta),
                    modified: meta.modified().ok(),
                }
            };
            self.entries.insert(rel, entry);
        }
        Ok(())
    }

    /// Puts `dir` back as the snapshot holds it: entries it lacks (or of another kind) are
    /// removed, missing or changed ones written again.
    pub fn restore(&self, dir: &Path) -> io::Result<()> {
        self.remove_extra(dir, Path::new(""))?;
        for (rel, entry) in &self.entries {
            let path = dir.join(rel);
            match entry {
                Entry::Dir => fs::create_dir_all(&path)?,
                Entry::Link(target) => {
                    if fs::symlink_metadata(&path).is_err() {
                        std::os::unix::fs::symlink(target, &path)?;
                    }
                }
                // What a run changed or removed among installed packages stays as it left it.
                Entry::Listed => {}
                Entry::File {
                    bytes,
                    mode,
                    modified,
                } => {
                    let now = fs::symlink_metadata(&path).ok();
                    let same = now.as_ref().is_some_and(|m| {
                        mode_of(m) == *mode
                            && m.modified().ok() == *modified
                            && fs::read(&path).is_ok_and(|b| b == *bytes)
                    });
                    if same {
                        continue;
                    }
                    fs::write(&path, bytes)?;
                    set_mode(&path, *mode)?;
                    if let Some(t) = modified {
                        fs::File::options()
                            .write(true)
                            .open(&path)?
                            .set_modified(*t)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Removes what is under `dir/rel` and not in the snapshot as the same kind of entry.
    fn remove_extra(&self, root: &Path, rel: &Path) -> io::Result<()> {
        for item in fs::read_dir(root.join(rel))? {
            let item = item?;
            let rel = rel.join(item.file_name());
            let path = root.join(&rel);
            let meta = fs::symlink_metadata(&path)?;
            let kept = match self.entries.get(&rel) {
                Some(Entry::Dir) => meta.is_dir() && !meta.file_type().is_symlink(),
                Some(Entry::Link(target)) => {
                    meta.file_type().is_symlink() && fs::read_link(&path)? == *target
                }
                Some(Entry::File { .. } | Entry::Listed) => meta.is_file(),
                None => false,
            };
            if !kept {
                if meta.is_dir() && !meta.file_type().is_symlink() {
                    fs::remove_dir_all(&path)?;
                } else {
                    fs::remove_file(&path)?;
                }
            } else if meta.is_dir() && !meta.file_type().is_symlink() {
                self.remove_extra(root, &rel)?;
            }
        }
        Ok(())
    }
}

impl FolderSnapshot {
    /// What differs in `dir` from the snapshot: each changed or added entry as it is now,
    /// each removed one as `None`. Files under package folders are left out, as
    /// [`FolderSnapshot::restore`] leaves them.
    fn changes_in(&self, dir: &Path) -> io::Result<BTreeMap<PathBuf, Option<Entry>>> {
        let now = FolderSnapshot::take(dir)?;
        let mut changes = BTreeMap::new();
        for (rel, entry) in &now.entries {
            if !in_packages(rel) && self.entries.get(rel) != Some(entry) {
                changes.insert(rel.clone(), Some(entry.clone()));
            }
        }
        for rel in self.entries.keys() {
            if !in_packages(rel) && !now.entries.contains_key(rel) {
                changes.insert(rel.clone(), None);
            }
        }
        Ok(changes)
    }
}

/// Whether `rel` lies under a package folder ([`PACKAGE_FOLDERS`]).
fn in_packages(rel: &Path) -> bool {
    let mut parents = rel.components().rev().skip(1);
    parents.any(|c| PACKAGE_FOLDERS.iter().any(|p| c.as_os_str() == *p))
}

/// The entry at `path` as a snapshot would hold it, `None` when there is none.
fn entry_at(path: &Path) -> io::Result<Option<Entry>> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(if meta.file_type().is_symlink() {
        Entry::Link(fs::read_link(path)?)
    } else if meta.is_dir() {
        Entry::Dir
    } else {
        Entry::File {
            bytes: fs::read(path)?,
            mode: mode_of(&meta),
            modified: meta.modified().ok(),
        }
    }))
}

/// Makes `path` hold `entry` (`None`: nothing).
fn put(path: &Path, entry: Option<&Entry>) -> io::Result<()> {
    if let Ok(meta) = fs::symlink_metadata(path) {
        if meta.is_dir() && !meta.file_type().is_symlink() {
            if entry == Some(&Entry::Dir) {
                return Ok(());
            }
            fs::remove_dir_all(path)?;
        } else {
            fs::remove_file(path)?;
        }
    }
    if let (Some(parent), Some(_)) = (path.parent(), entry) {
        fs::create_dir_all(parent)?;
    }
    match entry {
        None | Some(Entry::Listed) => {}
        Some(Entry::Dir) => fs::create_dir_all(path)?,
        Some(Entry::Link(target)) => std::os::unix::fs::symlink(target, path)?,
        Some(Entry::File {
            bytes,
            mode,
            modified,
        }) => {
            fs::write(path, bytes)?;
            set_mode(path, *mode)?;
            if let Some(t) = modified {
                fs::File::options()
                    .write(true)
                    .open(path)?
                    .set_modified(*t)?;
            }
        }
    }
    Ok(())
}

/// A change made in the lab folder while an earlier run of a check ran, which sflab took
/// out for the later runs and gave back after the last one.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptChange {
    /// The path in the lab folder.
    pub path: PathBuf,
    /// The learner's edit of a file that was there before the check (not a file added or
    /// removed): `check --watch` checks again for it.
    pub edited: bool,
}

/// `run.restore_between_runs` over one check of the lab folder `dir`: kept as it is before
/// the first run, put back so before each later run — and what changed in it while an
/// earlier run ran (the learner saving a file during the check, or what that run wrote) is
/// given back after the last run, unless the last run changed the same path again. The
/// learner's edits are never lost: they are given back when the check ends early too (an
/// error, a signal), by [`Drop`].
///
/// Implementation notes: sflab cannot tell a file the learner saved from one the run wrote,
/// as both happen while the run runs. A run that writes the same files each time (as each
/// finds the folder alike) changes them again in the last run, which keeps its own; what
/// only an earlier run saw changed is given back.
#[derive(Debug)]
pub struct FolderBetweenRuns {
    dir: PathBuf,
    before: Option<FolderSnapshot>,
    changed: BTreeMap<PathBuf, Option<Entry>>,
    given_back: bool,
}

impl FolderBetweenRuns {
    pub fn new(dir: &Path) -> FolderBetweenRuns {
        FolderBetweenRuns {
            dir: dir.to_path_buf(),
            before: None,
            changed: BTreeMap::new(),
            given_back: false,
        }
    }

    /// Before the first run, keeps the folder; before each later run, notes what changed
    /// since and puts the folder back. An error says which of the two failed.
    pub fn before_run(&mut self) -> io::Result<()> {
        let dir = &self.dir;
        match &self.before {
            None => {
                let snapshot = FolderSnapshot::take(dir).map_err(|e| {
                    io::Error::other(format!(
                        "could not keep {} as it is before the first run, to put it back between runs: {e}",
                        dir.display()
                    ))
                })?;
                self.before = Some(snapshot);
                Ok(())
            }
            Some(snapshot) => {
                let changes = snapshot.changes_in(dir).map_err(|e| {
                    io::Error::other(format!(
                        "could not see what changed in {} during the run, to keep it: {e}",
                        dir.display()
                    ))
                })?;
                self.changed.extend(changes);
                snapshot.restore(dir).map_err(|e| {
                    io::Error::other(format!(
                        "could not put {} back as it was before the first run: {e}",
                        dir.display()
                    ))
                })
            }
        }
    }

    /// After the last run: gives back what changed while an earlier run ran and the last
    /// run left as before the first; returns what it gave back. Paths it cannot give back
    /// are named in the error (the others are given back all the same).
    pub fn give_back(&mut self) -> Result<Vec<KeptChange>, String> {
        self.given_back = true;
        let Some(before) = &self.before else {
            return Ok(Vec::new());
        };
        let mut kept = Vec::new();
        let mut failed = Vec::new();
        for (rel, change) in std::mem::take(&mut self.changed) {
            let path = self.dir.join(&rel);
            let was = before.entries.get(&rel);
            let left_as_before = match entry_at(&path) {
                Ok(now) => now.as_ref() == was,
                Err(_) => false,
            };
            if !left_as_before {
                continue;
            }
            if let Err(e) = put(&path, change.as_ref()) {
                failed.push(format!("{}: {e}", rel.display()));
                continue;
            }
            if change != Some(Entry::Dir) {
                let edited = matches!(
                    (was, &change),
                    (Some(Entry::File { .. }), Some(Entry::File { .. }))
                );
                kept.push(KeptChange { path: rel, edited });
            }
        }
        if failed.is_empty() {
            Ok(kept)
        } else {
            Err(format!(
                "could not give back what changed in {} during the check: {}",
                self.dir.display(),
                failed.join("; ")
            ))
        }
    }
}

impl Drop for FolderBetweenRuns {
    fn drop(&mut self) {
        if !self.given_back {
            let _ = self.give_back();
        }
    }
}

/// The note for a check whose later runs did not see `kept` (changed while an earlier run
/// ran, given back after the last); `None` when nothing was.
pub fn kept_changes_note(kept: &[KeptChange]) -> Option<String> {
    if kept.is_empty() {
        return None;
    }
    const SHOWN: usize = 5;
    let mut names: Vec<String> = kept
        .iter()
        .take(SHOWN)
        .map(|k| k.path.display().to_string())
        .collect();
    if kept.len() > SHOWN {
        names.push(format!("{} more", kept.len() - SHOWN));
    }
    Some(format!(
        "{} changed in the lab folder while an earlier run of this check ran. This lab puts the folder back as it was before the first run between runs, so the later runs did not see the change; sflab gave it back after the last run and nothing was lost. Check again to judge it.",
        names.join(", ")
    ))
}

fn mode_of(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode()
}

fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restored_folder_holds_what_it_held_before_the_first_run() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        fs::write(d.join("run"), "#!/bin/sh\n").unwrap();
        set_mode(&d.join("run"), 0o755).unwrap();
        fs::create_dir(d.join("state")).unwrap();
        fs::write(d.join("state/kept"), "a").unwrap();
        let before = FolderSnapshot::take(d).expect("snapshot");
        // What a run leaves: a marker file, a new folder, a changed file and a removed one.
        fs::write(d.join(".ran"), "1").unwrap();
        fs::create_dir_all(d.join("cache/deep")).unwrap();
        fs::write(d.join("cache/deep/x"), "1").unwrap();
        fs::write(d.join("run"), "#!/bin/sh\necho ran\n").unwrap();
        set_mode(&d.join("run"), 0o644).unwrap();
        fs::remove_file(d.join("state/kept")).unwrap();
        before.restore(d).expect("restored");
        let after = FolderSnapshot::take(d).expect("snapshot");
        assert_eq!(after.entries, before.entries);
        assert!(!d.join(".ran").exists() && !d.join("cache").exists());
    }

    #[test]
    fn installed_packages_are_listed_and_what_a_run_adds_there_is_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        fs::create_dir_all(d.join("node_modules/jsforce")).unwrap();
        fs::write(d.join("node_modules/jsforce/index.js"), "x").unwrap();
        let before = FolderSnapshot::take(d).expect("snapshot");
        assert_eq!(
            before
                .entries
                .get(Path::new("node_modules/jsforce/index.js")),
            Some(&Entry::Listed)
        );
        fs::create_dir_all(d.join("node_modules/.cache")).unwrap();
        fs::write(d.join("node_modules/.cache/ran"), "1").unwrap();
        before.restore(d).expect("restored");
        assert!(!d.join("node_modules/.cache").exists());
        assert!(d.join("node_modules/jsforce/index.js").exists());
    }
    #[test]
    fn an_edit_saved_while_an_earlier_run_ran_is_given_back_after_the_last_run() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        fs::write(d.join("client"), "#!/bin/sh\ncurl \"$URL\"\n").unwrap();
        let mut folder = FolderBetweenRuns::new(d);
        folder.before_run().expect("kept");
        // Run 1 leaves a marker; meanwhile the learner edits the client and adds notes.
        fs::write(d.join(".ran"), "1").unwrap();
        fs::write(d.join("client"), "#!/bin/sh\ncurl \"$URL\"\n# retry\n").unwrap();
        fs::write(d.join("notes.txt"), "todo").unwrap();
        folder.before_run().expect("put back");
        // Run 2 finds the folder as run 1 did.
        assert_eq!(
            fs::read_to_string(d.join("client")).unwrap(),
            "#!/bin/sh\ncurl \"$URL\"\n"
        );
        assert!(!d.join("notes.txt").exists() && !d.join(".ran").exists());
        fs::write(d.join(".ran"), "2").unwrap();
        let kept = folder.give_back().expect("given back");
        assert_eq!(
            fs::read_to_string(d.join("client")).unwrap(),
            "#!/bin/sh\ncurl \"$URL\"\n# retry\n"
        );
        assert_eq!(fs::read_to_string(d.join("notes.txt")).unwrap(), "todo");
        // What the last run wrote again is its own.
        assert_eq!(fs::read_to_string(d.join(".ran")).unwrap(), "2");
        assert_eq!(
            kept,
            vec![
                KeptChange {
                    path: PathBuf::from("client"),
                    edited: true
                },
                KeptChange {
                    path: PathBuf::from("notes.txt"),
                    edited: false
                },
            ]
        );
        let note = kept_changes_note(&kept).expect("a note");
        assert!(
            note.contains("client, notes.txt") && note.contains("Check again"),
            "{note}"
        );
    }

    #[test]
    fn a_file_removed_during_an_earlier_run_stays_removed_and_nothing_changed_gives_no_note() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        fs::write(d.join("old.py"), "x").unwrap();
        let mut folder = FolderBetweenRuns::new(d);
        folder.before_run().expect("kept");
        folder.before_run().expect("nothing to put back");
        assert_eq!(folder.give_back().expect("given back"), vec![]);
        assert_eq!(kept_changes_note(&[]), None);

        let mut folder = FolderBetweenRuns::new(d);
        folder.before_run().expect("kept");
        fs::remove_file(d.join("old.py")).unwrap();
        folder.before_run().expect("put back");
        assert!(
            d.join("old.py").exists(),
            "run 2 finds the folder as run 1 did"
        );
        folder.give_back().expect("given back");
        assert!(!d.join("old.py").exists());
    }

    #[test]
    fn a_check_that_ends_early_still_gives_back_the_learners_edits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        fs::write(d.join("client"), "v1").unwrap();
        {
            let mut folder = FolderBetweenRuns::new(d);
            folder.before_run().expect("kept");
            fs::write(d.join("client"), "v2").unwrap();
            folder.before_run().expect("put back");
            assert_eq!(fs::read_to_string(d.join("client")).unwrap(), "v1");
            // An error or a signal ends the check here.
        }
        assert_eq!(fs::read_to_string(d.join("client")).unwrap(), "v2");
    }
}
