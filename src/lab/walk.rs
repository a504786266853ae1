//! The learner's lab folder, walked: one walk and one skip list for every reader of the
//! folder — the checks' scan for secrets and sources ([`crate::runner::lab_files`]) and the
//! copy `sflab report` hands the lead ([`crate::track::folder`]) — so a secret the checks never
//! saw is never in a report, and a report never carries what the checks skip.
//!
//! Folders never entered, anywhere in the lab folder ([`skipped`]):
//! - installed packages: `node_modules`, `.venv`, `venv`, and any folder holding `pyvenv.cfg`
//!   (a virtualenv under another name, `env/` or even `.env/`);
//! - compiled caches: `__pycache__`;
//! - version control: `.git`, `.hg`, `.svn`;
//! - sflab's own: `.sflab` (a workspace's state) and a report `sflab report` wrote
//!   (`progress.json` beside `labs/`).
//!
//! Files left out: a HAR sflab wrote (the Traffic tab's `s`, `sflab transcript --har`; its
//! `log.creator.name` is "sflab"). It is sflab's record of the traffic, secrets already
//! masked, and no work of the learner's: its masks are not secrets written into the folder.
//!
//! A reader that must see what a run wrote into a skipped folder walks it with
//! [`changed_since`]: only the files changed during the attempt, never the installed ones.
//!
//! Everything else is the learner's and is walked: hidden files (`.env`, `.cache/tok.json`),
//! files that are not text (a SQLite token store), `lab.yaml` and databases included. What to
//! read of each is its reader's choice (text only, size limits).
//!
//! Implementation notes: a `.har` file is opened to read its creator only when it is at most
//! [`HAR_READ_BYTES`]; a larger one is the learner's. A program could write a file that says
//! sflab made it to hide something from the checks; a learner's `run` has easier ways, and
//! grading replaces nothing the learner's program reads. Links are never followed by the walk — each is handed to the reader
//! as the link it is, and a link to a folder is never entered. Names are compared without
//! regard to ASCII case (`Node_Modules` on a case-insensitive disk). Entries come in name
//! order, a folder's contents right after it, so the same folder is always walked the same.

use std::path::{Path, PathBuf};

/// The largest `.har` file opened to tell whether sflab wrote it.
pub const HAR_READ_BYTES: u64 = 16 * 1024 * 1024;

/// Why a folder of the lab folder is not walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// Installed packages: `node_modules`, a virtualenv.
    Packages,
    /// Compiled caches: `__pycache__`.
    Cache,
    /// Version control: `.git`, `.hg`, `.svn`.
    VersionControl,
    /// sflab's own: `.sflab`, a report `sflab report` wrote, a HAR sflab wrote.
    Sflab,
}

/// What the walk knows of a folder before entering it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderSeen<'a> {
    pub name: &'a str,
    /// It holds `pyvenv.cfg`: a Python virtualenv.
    pub holds_pyvenv_cfg: bool,
    /// It holds `progress.json` beside `labs/`: a report `sflab report` wrote.
    pub is_report: bool,
}

/// Why the folder `seen` is not walked, if it is not (see the module header).
pub fn skipped(seen: &FolderSeen) -> Option<Skipped> {
    let name = seen.name.to_ascii_lowercase();
    match name.as_str() {
        "node_modules" | ".venv" | "venv" => Some(Skipped::Packages),
        "__pycache__" => Some(Skipped::Cache),
        ".git" | ".hg" | ".svn" => Some(Skipped::VersionControl),
        ".sflab" => Some(Skipped::Sflab),
        _ if seen.holds_pyvenv_cfg => Some(Skipped::Packages),
        _ if seen.is_report => Some(Skipped::Sflab),
        _ => None,
    }
}

/// Why the folder at `path` is not walked, if it is not: [`skipped`] of its name and what it
/// holds. Grading's copy of a submission leaves out the same folders
/// ([`crate::grade::left_out::LeftOut::of_folder`]).
pub fn skipped_folder(path: &Path) -> Option<Skipped> {
    let name = path.file_name()?.to_string_lossy();
    skipped(&FolderSeen {
        name: &name,
        holds_pyvenv_cfg: path.join("pyvenv.cfg").is_file(),
        is_report: crate::progress::fingerprint::is_report_folder(path),
    })
}

/// Whether the file `name`, holding `bytes`, is a HAR sflab wrote: a `.har` whose
/// `log.creator.name` is "sflab" ([`crate::har::to_har`]).
pub fn sflab_wrote_har(name: &str, bytes: &[u8]) -> bool {
    name.to_ascii_lowercase().ends_with(".har")
        && serde_json::from_slice::<serde_json::Value>(bytes)
            .is_ok_and(|har| har["log"]["creator"]["name"] == "sflab")
}

/// What an entry of the lab folder is to the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walked {
    /// A folder, entered: its entries follow.
    Folder,
    /// Left out, with why: a folder not entered, or a file sflab wrote.
    Skipped(Skipped),
    /// Anything else: a file, a link (never followed), a pipe, a socket or a device.
    Other,
}

/// One entry of the lab folder as the walk hands it to its reader.
#[derive(Debug)]
pub struct Entry {
    /// The path inside the lab folder.
    pub rel: PathBuf,
    /// `rel` with `/` between its parts, as messages and reports name it.
    pub shown: String,
    /// The entry on disk.
    pub path: PathBuf,
    /// Its own metadata: a link's, not its target's.
    pub meta: std::fs::Metadata,
    pub walked: Walked,
}

/// Walks the lab folder `root`, handing each entry to `visit` (see the module header). A
/// folder that cannot be read is passed over.
pub fn walk(root: &Path, visit: &mut dyn FnMut(&Entry)) {
    walk_in(root, Path::new(""), visit);
}

fn walk_in(root: &Path, rel: &Path, visit: &mut dyn FnMut(&Entry)) {
    let Ok(read) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    let mut names: Vec<_> = read.flatten().map(|e| e.file_name()).collect();
    names.sort();
    for name in names {
        let rel = rel.join(&name);
        let path = root.join(&rel);
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let walked = if meta.is_dir() {
            skipped_folder(&path).map_or(Walked::Folder, Walked::Skipped)
        } else if sflab_har_file(&name.to_string_lossy(), &path, &meta) {
            Walked::Skipped(Skipped::Sflab)
        } else {
            Walked::Other
        };
        let entry = Entry {
            shown: rel.to_string_lossy().replace('\\', "/"),
            rel,
            path,
            meta,
            walked,
        };
        visit(&entry);
        if walked == Walked::Folder {
            walk_in(root, &entry.rel, visit);
        }
    }
}

/// Hands `visit` each file under the skipped folder `rel` of the lab folder `root` changed
/// at or after `since`: what a run wrote there (a secret cached in `node_modules/.cache/`),
/// though the folder's installed files are no work of the learner's. Only metadata is read;
/// at most `budget` entries are looked at (counted down), so a huge tree stays quick. Links
/// are handed over as links, never followed, and folders in it are always entered.
pub fn changed_since(
    root: &Path,
    rel: &Path,
    since: std::time::SystemTime,
    budget: &mut usize,
    visit: &mut dyn FnMut(&Entry),
) {
    let Ok(read) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    for dir_entry in read.flatten() {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let rel = rel.join(dir_entry.file_name());
        let path = root.join(&rel);
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            changed_since(root, &rel, since, budget, visit);
        } else if meta.modified().is_ok_and(|at| at >= since) {
            let entry = Entry {
                shown: rel.to_string_lossy().replace('\\', "/"),
                rel,
                path,
                meta,
                walked: Walked::Other,
            };
            visit(&entry);
        }
    }
}

/// [`sflab_wrote_har`] of the file at `path`, opened only when its name and size say it
/// may be one.
fn sflab_har_file(name: &str, path: &Path, meta: &std::fs::Metadata) -> bool {
    meta.is_file()
        && meta.len() <= HAR_READ_BYTES
        && name.to_ascii_lowercase().ends_with(".har")
        && std::fs::read(path).is_ok_and(|bytes| sflab_wrote_har(name, &bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> FolderSeen<'_> {
        FolderSeen {
            name,
            holds_pyvenv_cfg: false,
            is_report: false,
        }
    }

    #[test]
    fn packages_caches_version_control_and_sflabs_own_folders_are_skipped() {
        for name in ["node_modules", ".venv", "venv", "Node_Modules"] {
            assert_eq!(skipped(&folder(name)), Some(Skipped::Packages), "{name}");
        }
        assert_eq!(skipped(&folder("__pycache__")), Some(Skipped::Cache));
        for name in [".git", ".hg", ".svn"] {
            assert_eq!(
                skipped(&folder(name)),
                Some(Skipped::VersionControl),
                "{name}"
            );
        }
        assert_eq!(skipped(&folder(".sflab")), Some(Skipped::Sflab));
    }

    #[test]
    fn a_virtualenv_under_any_name_and_an_earlier_report_are_skipped_by_what_they_hold() {
        let venv = FolderSeen {
            holds_pyvenv_cfg: true,
            ..folder("env")
        };
        assert_eq!(skipped(&venv), Some(Skipped::Packages));
        let report = FolderSeen {
            is_report: true,
            ..folder("handed-in")
        };
        assert_eq!(skipped(&report), Some(Skipped::Sflab));
    }

    #[test]
    fn the_learners_folders_hidden_ones_included_are_walked() {
        for name in [".cache", "state", "src", "env", ".env", "data", "labs"] {
            assert_eq!(skipped(&folder(name)), None, "{name}");
        }
    }

    #[test]
    fn in_a_skipped_folder_only_files_changed_since_a_time_are_handed_over() {
        let dir = tempfile::tempdir().unwrap();
        let installed = dir.path().join("node_modules/jsforce/index.js");
        std::fs::create_dir_all(installed.parent().unwrap()).unwrap();
        std::fs::write(&installed, "x").unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&installed)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let since = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        let cached = dir.path().join("node_modules/.cache/erp/credentials.json");
        std::fs::create_dir_all(cached.parent().unwrap()).unwrap();
        std::fs::write(&cached, "{}").unwrap();
        let mut seen = Vec::new();
        let mut budget = 100;
        changed_since(
            dir.path(),
            Path::new("node_modules"),
            since,
            &mut budget,
            &mut |e| seen.push(e.shown.clone()),
        );
        assert_eq!(seen, ["node_modules/.cache/erp/credentials.json"]);
        let mut spent = 1;
        seen.clear();
        changed_since(
            dir.path(),
            Path::new("node_modules"),
            since,
            &mut spent,
            &mut |e| seen.push(e.shown.clone()),
        );
        assert!(seen.len() <= 1 && spent == 0, "the budget bounds the walk");
    }

    #[test]
    fn a_har_sflab_wrote_is_sflabs_own_and_any_other_har_is_the_learners() {
        let ours = crate::har::to_har_string(&[]);
        assert!(sflab_wrote_har(
            "traffic-20261201-101010.har",
            ours.as_bytes()
        ));
        assert!(sflab_wrote_har("LAST.HAR", ours.as_bytes()));
        let browsers = r#"{"log":{"version":"1.2","creator":{"name":"Firefox"}}}"#;
        assert!(!sflab_wrote_har("firefox.har", browsers.as_bytes()));
        assert!(!sflab_wrote_har("notes.json", ours.as_bytes()));
        assert!(!sflab_wrote_har("broken.har", b"{ not json"));
    }

    #[test]
    fn the_walk_hands_over_entries_in_name_order_and_never_enters_a_skipped_folder() {
        let dir = tempfile::tempdir().unwrap();
        for rel in [
            "run",
            "b/inner.txt",
            "a.txt",
            ".git/config",
            "env/pyvenv.cfg",
        ] {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let har = crate::har::to_har_string(&[]);
        std::fs::write(dir.path().join("traffic.har"), har).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("b", dir.path().join("to-b")).unwrap();
        let mut seen = Vec::new();
        walk(dir.path(), &mut |e| seen.push((e.shown.clone(), e.walked)));
        let mut expected = vec![
            (".git".to_string(), Walked::Skipped(Skipped::VersionControl)),
            ("a.txt".to_string(), Walked::Other),
            ("b".to_string(), Walked::Folder),
            ("b/inner.txt".to_string(), Walked::Other),
            ("env".to_string(), Walked::Skipped(Skipped::Packages)),
            ("run".to_string(), Walked::Other),
        ];
        #[cfg(unix)]
        expected.push(("to-b".to_string(), Walked::Other));
        expected.push(("traffic.har".to_string(), Walked::Skipped(Skipped::Sflab)));
        assert_eq!(seen, expected);
    }
}
