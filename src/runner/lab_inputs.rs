//! What sflab sets in the lab folder around the learner's runs, so that what a run prints
//! must come from what it read and was answered, not from an answer typed in or a run number
//! guessed from files:
//! - `run.shuffle_rows` ([`shuffle_rows`]): before each check the data rows of a CSV input are
//!   put in a new random order and its reference column numbered again in that order
//!   (`W-0001`, `W-0002`, …), so the references of the broken rows differ from check to check;
//! - `run.restore_between_runs` ([`FolderSnapshot`]): between the runs of one check the folder
//!   is put back as it was before the first run — files and folders a run made are removed,
//!   files it changed get their content, permissions and modification time back — so a run
//!   cannot tell from what an earlier run left which run it is.
//!
//! Implementation notes: a snapshot holds the folder in memory and refuses a folder over
//! [`SNAPSHOT_CAP`] bytes (say so rather than restore half of it). Installed packages
//! ([`PACKAGE_FOLDERS`]: `node_modules`, a virtualenv, `__pycache__`) can be large, so of their
//! files only the names are kept: what a run adds there is removed, what it changes stays. Access and change times
//! are not put back: the change time cannot be set, and reading a file moves its access time.
//! A run can still keep state outside the lab folder; this only closes the folder itself.

use rand::seq::SliceRandom;
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The most bytes of files a snapshot holds.
pub const SNAPSHOT_CAP: u64 = 64 * 1024 * 1024;

/// Folders of installed packages, whose files a snapshot lists without their content.
pub const PACKAGE_FOLDERS: &[&str] = &["node_modules", ".venv", "venv", "__pycache__"];

/// `text` (a CSV file with a header row) with its data rows in the order `order` gives and
/// the column `renumber` numbered again in that order, in the shape of its first value: the
/// text before the digits kept, the digits counted from 1 at the same width (`W-0001`). An
/// error names what is missing.
pub fn shuffle_rows(
    text: &str,
    renumber: &str,
    order: impl FnOnce(&mut Vec<csv::StringRecord>),
) -> Result<String, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| e.to_string())?.clone();
    let column = header
        .iter()
        .position(|h| h == renumber)
        .ok_or_else(|| format!("has no column `{renumber}` to number again"))?;
    let mut rows: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let first = rows
        .first()
        .and_then(|r| r.get(column))
        .unwrap_or("")
        .to_string();
    let digits = first.len() - first.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let prefix = &first[..first.len() - digits];
    order(&mut rows);
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    writer.write_record(&header).map_err(|e| e.to_string())?;
    for (n, row) in rows.iter().enumerate() {
        let reference = format!("{prefix}{:0width$}", n + 1, width = digits.max(1));
        let cells = row.iter().enumerate().map(|(i, cell)| {
            if i == column {
                reference.as_str()
            } else {
                cell
            }
        });
        writer.write_record(cells).map_err(|e| e.to_string())?;
    }
    String::from_utf8(writer.into_inner().map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}

/// Shuffles the rows of each `file → column` of `spec` in the lab folder `dir` (see
/// [`shuffle_rows`]); an error names the file.
pub fn shuffle_inputs(dir: &Path, spec: &BTreeMap<String, String>) -> Result<(), String> {
    for (file, column) in spec {
        let path = dir.join(file);
        let text = fs::read_to_string(&path).map_err(|e| {
            format!("could not read {file} to put its rows in a new order: {e}. Reset the lab to get it back")
        })?;
        let shuffled = shuffle_rows(&text, column, |rows| rows.shuffle(&mut rand::thread_rng()))
            .map_err(|e| format!("{file} {e}; reset the lab to get the original back"))?;
        fs::write(&path, shuffled)
            .map_err(|e| format!("could not write {file} with its rows in a new order: {e}"))?;
    }
    Ok(())
}

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

/// Before the first run, keeps the lab folder `dir` in `kept`; before each later run, puts
/// it back from there. An error says which of the two failed.
pub fn keep_or_restore(kept: &mut Option<FolderSnapshot>, dir: &Path) -> io::Result<()> {
    match kept {
        None => {
            let snapshot = FolderSnapshot::take(dir).map_err(|e| {
                io::Error::other(format!(
                    "could not keep {} as it is before the first run, to put it back between runs: {e}",
                    dir.display()
                ))
            })?;
            *kept = Some(snapshot);
            Ok(())
        }
        Some(snapshot) => snapshot.restore(dir).map_err(|e| {
            io::Error::other(format!(
                "could not put {} back as it was before the first run: {e}",
                dir.display()
            ))
        }),
    }
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

    const LEADS: &str = "Ref,LastName,Email\nW-0001,Haas,a@example.com\nW-0002,,b@example.com\nW-0003,Ortiz,not-an-email\n";

    #[test]
    fn shuffled_rows_are_numbered_again_in_their_new_order() {
        let out = shuffle_rows(LEADS, "Ref", |rows| rows.reverse()).expect("shuffled");
        assert_eq!(
            out,
            "Ref,LastName,Email\nW-0001,Ortiz,not-an-email\nW-0002,,b@example.com\nW-0003,Haas,a@example.com\n"
        );
        // Shuffled again, the broken rows keep their faults and get other references.
        let again = shuffle_rows(&out, "Ref", |rows| rows.rotate_left(1)).expect("shuffled");
        assert!(again.contains("W-0001,,b@example.com"), "{again}");
        assert!(again.contains("W-0003,Ortiz,not-an-email"), "{again}");
    }

    #[test]
    fn a_missing_reference_column_is_named() {
        let e = shuffle_rows(LEADS, "Id", |_| {}).expect_err("no Id column");
        assert!(e.contains("no column `Id`"), "{e}");
    }

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
}
