//! Which folders `sflab grade` grades when it is given one folder of submissions.
//!
//! One folder holding submission folders (and no `run` of its own) stands for its children,
//! except what is not a learner's: hidden folders, the `--out` folder, a folder holding a
//! gradebook sflab wrote, and — when the submissions folder is itself a gradebook folder or
//! the `--out` folder — its `feedback/`, `previous/` and gradebook files. Files beside the
//! submission folders are not submissions either: an archive (`bob.zip`) must be unzipped
//! first, but it is a learner's hand-in, so it is listed in the gradebook as not graded
//! ([`crate::grade::archive`]). Each one left out is named (hidden files such as `.DS_Store`
//! aside), so a lead sees why "Grading 5 of 5" counts fewer entries than there are.
//!
//! When `--out` is the submissions folder and a learner's folder is called `feedback` or
//! `previous`, grading would move it aside with the earlier gradebook: that is refused.
//! A folder `sflab report` wrote (`progress.json` and `labs/`) is one learner's submission.
//! A folder holding neither a `run`, nor submission folders, nor any file but archives is
//! refused too: there is nothing to grade.

use super::Failure;
use crate::grade::output_folder::{holds_gradebook, is_gradebook_file, PREVIOUS};
use std::path::{Path, PathBuf};

/// Folders sflab writes into a gradebook folder.
const OUTPUT_FOLDERS: &[&str] = &["feedback", PREVIOUS];

/// The submission folders to grade, and the entries left out with why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expanded {
    pub dirs: Vec<PathBuf>,
    /// `(name, why)` for each entry not graded, a folder's name ending in `/` (`.git/`), a
    /// file's not (`bob.zip`).
    pub skipped: Vec<(String, &'static str)>,
    /// The archives among them (`bob.zip`): hand-ins the gradebook lists as not graded.
    pub archives: Vec<PathBuf>,
}

impl Expanded {
    /// What to tell the lead about the folders left out (nothing when none was).
    pub fn notes(&self) -> Vec<String> {
        let group = |why: &str| -> Vec<String> {
            self.skipped
                .iter()
                .filter(|(_, w)| *w == why)
                .map(|(n, _)| crate::visible::one_line(n).into_owned())
                .collect()
        };
        let mut whys: Vec<&str> = self.skipped.iter().map(|(_, w)| *w).collect();
        whys.dedup();
        whys.sort();
        whys.dedup();
        whys.into_iter()
            .map(|why| {
                format!(
                    "not graded as submissions ({why}): {}",
                    group(why).join(", ")
                )
            })
            .collect()
    }
}

const HIDDEN: &str = "hidden folders";
const OUTPUT: &str = "sflab's own gradebook output";
const BROKEN_LINK: &str = "links that lead to no folder";
const ARCHIVE: &str = "archives: unzip archives first";
const FILE: &str = "files, not folders";

/// A folder `sflab report` wrote for one learner: graded as one submission, from `labs/<lab>/`.
fn is_report_folder(dir: &Path) -> bool {
    dir.join("progress.json").is_file() && dir.join("labs").is_dir()
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// See the module notes.
pub fn expand(dirs: &[PathBuf], out: &Path) -> Result<Expanded, Failure> {
    let out = canonical(out);
    let as_given = || {
        Ok(Expanded {
            dirs: dirs.to_vec(),
            ..Expanded::default()
        })
    };
    let [only] = dirs else {
        return as_given();
    };
    if !only.is_dir() || only.join("run").exists() || is_report_folder(only) {
        return as_given();
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(only)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    let name_of = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let hidden = |p: &Path| name_of(p).starts_with('.');
    let out_is_here = canonical(only) == out;
    let is_output_folder = out_is_here || holds_gradebook(only);
    let mut found = Expanded::default();
    // A link meant as a submission that leads nowhere (dangling, a loop, a file) is named.
    let broken_link = |p: &Path| {
        std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()) && !p.is_dir()
    };
    let is_archive = crate::grade::archive::is_archive;
    for p in entries.iter().filter(|p| p.is_dir()) {
        let name = name_of(p);
        let shown = format!("{name}/");
        if hidden(p) {
            found.skipped.push((shown, HIDDEN));
        } else if canonical(p) == out || holds_gradebook(p) {
            found.skipped.push((shown, OUTPUT));
        } else if is_output_folder && OUTPUT_FOLDERS.contains(&name.as_str()) {
            if out_is_here && p.join("run").exists() {
                return Err(Failure::usage(format!(
                    "--out {} is the submissions folder, and it holds a submission named {name:?}: grading would move that folder aside with the earlier gradebook. Write the gradebook elsewhere, e.g. --out {}",
                    only.display(),
                    only.with_file_name(format!("{}-grades", name_of(only))).display()
                )));
            }
            found.skipped.push((shown, OUTPUT));
        } else {
            found.dirs.push(p.clone());
        }
    }
    for p in entries.iter().filter(|p| !p.is_dir() && !hidden(p)) {
        let name = name_of(p);
        let why = if broken_link(p) {
            BROKEN_LINK
        } else if is_output_folder && is_gradebook_file(&name) {
            OUTPUT
        } else if is_archive(&name) {
            found.archives.push(p.clone());
            ARCHIVE
        } else {
            FILE
        };
        let shown = if why == BROKEN_LINK {
            format!("{name}/")
        } else {
            name
        };
        found.skipped.push((shown, why));
    }
    if !found.dirs.is_empty() {
        return Ok(found);
    }
    let files: Vec<String> = entries
        .iter()
        .filter(|p| !p.is_dir() && !hidden(p))
        .map(|p| name_of(p))
        .collect();
    if files.iter().all(|f| is_archive(f)) {
        let held = if files.is_empty() {
            " (the folder is empty)".to_string()
        } else {
            format!(" (it holds only {})", files.join(", "))
        };
        return Err(Failure::usage(format!(
            "no submissions found in {}: each submission is a folder holding a run file; unzip archives first{held}",
            only.display()
        )));
    }
    as_given()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn links_that_lead_to_no_folder_are_named_not_dropped() {
        let t = tempfile::tempdir().unwrap();
        folder(t.path(), "carol", &["run"]);
        std::fs::write(t.path().join("notes.txt"), "x").unwrap();
        std::os::unix::fs::symlink(t.path().join("gone"), t.path().join("dangling")).unwrap();
        std::os::unix::fs::symlink(t.path().join("loop"), t.path().join("loop")).unwrap();
        std::os::unix::fs::symlink(t.path().join("notes.txt"), t.path().join("to-a-file")).unwrap();
        let found = expand(&[t.path().to_path_buf()], &t.path().join("out")).unwrap();
        assert_eq!(graded(&found), ["carol"]);
        let mut links: Vec<&str> = found
            .skipped
            .iter()
            .filter(|(_, why)| *why == BROKEN_LINK)
            .map(|(n, _)| n.as_str())
            .collect();
        links.sort();
        assert_eq!(links, ["dangling/", "loop/", "to-a-file/"]);
        assert!(found.skipped.contains(&("notes.txt".to_string(), FILE)));
    }

    fn folder(root: &Path, rel: &str, files: &[&str]) {
        let dir = root.join(rel);
        std::fs::create_dir_all(&dir).unwrap();
        for f in files {
            std::fs::write(dir.join(f), "x").unwrap();
        }
    }

    fn graded(found: &Expanded) -> Vec<String> {
        found
            .dirs
            .iter()
            .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn grading_into_the_submissions_folder_again_skips_its_own_outputs_and_says_so() {
        let t = tempfile::tempdir().unwrap();
        let subs = t.path().join("same");
        folder(&subs, "ann", &["run"]);
        folder(&subs, "ben", &["run"]);
        folder(&subs, "feedback", &["ann.md"]);
        folder(&subs, "previous/2026-01-01T00-00-00Z", &["gradebook.csv"]);
        folder(&subs, ".git", &[]);
        std::fs::write(subs.join("gradebook.csv"), "x").unwrap();
        let found = expand(std::slice::from_ref(&subs), &subs).unwrap();
        assert_eq!(graded(&found), ["ann", "ben"]);
        let notes = found.notes().join("\n");
        assert!(
            notes.contains("gradebook output): feedback/, previous/, gradebook.csv"),
            "{notes}"
        );
        assert!(notes.contains("hidden folders): .git/"), "{notes}");
    }

    #[test]
    fn an_earlier_out_folder_inside_the_submissions_is_not_a_student() {
        let t = tempfile::tempdir().unwrap();
        let subs = t.path().join("in");
        folder(&subs, "dave", &["run"]);
        folder(&subs, "out", &["gradebook.csv"]);
        folder(&subs, "feedback", &["run"]);
        let found = expand(std::slice::from_ref(&subs), &t.path().join("elsewhere")).unwrap();
        assert_eq!(
            graded(&found),
            ["dave", "feedback"],
            "a student named feedback is graded when the folder is no gradebook folder"
        );
        assert_eq!(found.skipped, [("out/".to_string(), OUTPUT)]);
    }

    #[test]
    fn an_archive_or_other_file_beside_submission_folders_is_named_not_dropped() {
        let t = tempfile::tempdir().unwrap();
        let subs = t.path().join("hand-ins");
        folder(&subs, "ann", &["run"]);
        for file in ["bob.zip", "carol.TAR.GZ", "roster.txt", ".DS_Store"] {
            std::fs::write(subs.join(file), "x").unwrap();
        }
        let found = expand(std::slice::from_ref(&subs), &t.path().join("out")).unwrap();
        assert_eq!(graded(&found), ["ann"]);
        assert_eq!(
            found.notes(),
            [
                "not graded as submissions (archives: unzip archives first): bob.zip, carol.TAR.GZ",
                "not graded as submissions (files, not folders): roster.txt",
            ]
        );
    }

    #[test]
    fn a_student_folder_named_feedback_is_never_moved_aside() {
        let t = tempfile::tempdir().unwrap();
        let subs = t.path().join("same");
        folder(&subs, "ann", &["run"]);
        folder(&subs, "feedback", &["run"]);
        let e = expand(std::slice::from_ref(&subs), &subs).unwrap_err();
        assert!(e.message.contains("named \"feedback\""), "{}", e.message);
    }
}
