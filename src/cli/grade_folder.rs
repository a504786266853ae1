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
//! A `feedback/` or `previous/` is known as sflab's by what it holds too
//! ([`crate::grade::own_output`]), once the gradebook beside it was moved away.
//!
//! When `--out` is the submissions folder and a learner's folder is called `feedback` or
//! `previous`, grading would move it aside with the earlier gradebook: that is refused.
//! A folder `sflab report` wrote (`progress.json` and `labs/`) is one learner's submission.
//! A folder holding neither a `run`, nor submission folders, nor any file but archives is
//! refused too: there is nothing to grade.
//!
//! An `--out` that is, or is inside, a folder this run would grade (a learner's hand-in, or
//! the one submission folder given) is refused before anything is graded: the gradebook would
//! land in that learner's hand-in and the learner would go ungraded. A folder of the
//! submissions that holds nothing but sflab's own output on the way to `--out` (an earlier
//! `--out hand-ins/grades`) is output, not a learner.
//!
//! An archive beside a folder of the name its unpack command gives (`gina.zip` beside `gina/`)
//! was unpacked as sflab asked: it is named among those left out, not listed as a learner of
//! its own.

use super::Failure;
use crate::grade::output_folder::{holds_gradebook, is_gradebook_file, resolved, PREVIOUS};
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
const UNPACKED: &str = "archives already unpacked into the folder of their name";
const FILE: &str = "files, not folders";

/// A folder `sflab report` wrote for one learner: graded as one submission, from `labs/<lab>/`.
fn is_report_folder(dir: &Path) -> bool {
    dir.join("progress.json").is_file() && dir.join("labs").is_dir()
}

fn canonical(p: &Path) -> PathBuf {
    resolved(p)
}

/// Whether `dir` holds nothing but sflab's gradebook output (its files, `feedback/`,
/// `previous/`, earlier gradebook folders), hidden entries, and the folder on the way to `out`
/// (which is inside `dir` or `dir` itself).
fn holds_only_output(dir: &Path, out: &Path) -> bool {
    let toward_out = out
        .strip_prefix(dir)
        .ok()
        .and_then(|rest| rest.components().next())
        .map(|c| c.as_os_str().to_os_string());
    std::fs::read_dir(dir).is_ok_and(|rd| {
        rd.flatten().all(|e| {
            let name = e.file_name();
            let text = name.to_string_lossy();
            Some(&name) == toward_out.as_ref()
                || text.starts_with('.')
                || is_gradebook_file(&text)
                || OUTPUT_FOLDERS.contains(&text.as_ref())
                || holds_gradebook(&e.path())
        })
    })
}

/// The refusal of an `--out` that is `dir`, a folder this run grades, or inside it.
fn out_in_submission(out_given: &Path, dir: &Path, beside: &Path) -> Failure {
    let name = beside
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "submissions".into());
    let place = if resolved(out_given) == resolved(dir) {
        "is"
    } else {
        "is inside"
    };
    Failure::usage(format!(
        "--out {} {place} the submission folder {}, which this run grades: the gradebook would be written into that learner's hand-in, and the learner would not be graded. Nothing was graded; write the gradebook outside the submissions, e.g. --out {}",
        out_given.display(),
        dir.display(),
        beside.with_file_name(format!("{name}-grades")).display()
    ))
}

/// Whether the archive `name` was unpacked into one of the submission folders `dirs`, the
/// one its unpack command names (`gina.zip` into `gina/`).
fn unpacked_beside(name: &str, dirs: &[PathBuf]) -> bool {
    let folder = crate::grade::archive::unpacked_name(name);
    dirs.iter()
        .any(|d| d.file_name().is_some_and(|n| n.to_string_lossy() == folder))
}

/// See the module notes.
pub fn expand(dirs: &[PathBuf], out: &Path) -> Result<Expanded, Failure> {
    let found = expand_folders(dirs, out)?;
    let out_at = resolved(out);
    if let Some(dir) = found.dirs.iter().find(|d| out_at.starts_with(canonical(d))) {
        let beside = dirs.first().map_or(dir.as_path(), |d| d.as_path());
        return Err(out_in_submission(out, dir, beside));
    }
    Ok(found)
}

fn expand_folders(dirs: &[PathBuf], out_given: &Path) -> Result<Expanded, Failure> {
    let out = canonical(out_given);
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
        } else if out.starts_with(canonical(p)) {
            if !holds_only_output(&canonical(p), &out) {
                return Err(out_in_submission(out_given, p, only));
            }
            found.skipped.push((shown, OUTPUT));
        } else if holds_gradebook(p) && !p.join("run").exists() {
            // A folder with its own `./run` is a learner's, whatever else it holds.
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
        } else if crate::grade::own_output::is_own_output_folder(p) {
            // Its gradebook moved away, a `feedback/` or `previous/` is still sflab's.
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
        } else if is_archive(&name) && unpacked_beside(&name, &found.dirs) {
            UNPACKED
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
    fn feedback_and_previous_left_without_their_gradebook_are_still_not_graded() {
        let t = tempfile::tempdir().unwrap();
        let subs = t.path().join("hand-ins");
        folder(&subs, "ann", &["run"]);
        std::fs::create_dir_all(subs.join("feedback")).unwrap();
        std::fs::write(
            subs.join("feedback/ann.md"),
            "# Capstone — feedback for ann\n\n**Score: 1/33**\n",
        )
        .unwrap();
        folder(&subs, "previous/2026-01-01T00-00-00Z", &["gradebook.csv"]);
        let found = expand(std::slice::from_ref(&subs), &t.path().join("grades")).unwrap();
        assert_eq!(graded(&found), ["ann"]);
        assert!(
            found.notes().iter().any(|n| {
                n
                == "not graded as submissions (sflab's own gradebook output): feedback/, previous/"
            }),
            "{:?}",
            found.notes()
        );
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
    fn an_out_folder_that_is_or_is_inside_a_learners_hand_in_is_refused_naming_it() {
        let t = tempfile::tempdir().unwrap();
        let subs = t.path().join("hy2");
        folder(&subs, "alice", &["run"]);
        folder(&subs, "bob", &["run"]);
        for out in [subs.join("bob"), subs.join("bob/grades")] {
            let e = expand(std::slice::from_ref(&subs), &out).unwrap_err();
            assert!(
                e.message.contains("the submission folder")
                    && e.message.contains("bob")
                    && e.message.contains("hy2-grades"),
                "{}",
                e.message
            );
        }
        let alone = subs.join("alice");
        let e = expand(std::slice::from_ref(&alone), &alone.join("out")).unwrap_err();
        assert!(
            e.message.contains("is inside the submission folder") && e.message.contains("alice"),
            "{}",
            e.message
        );
        let e = expand(&[subs.join("alice"), subs.join("bob")], &subs.join("bob")).unwrap_err();
        assert!(
            e.message.contains("is the submission folder"),
            "{}",
            e.message
        );
    }

    #[test]
    fn an_out_folder_inside_the_submissions_holding_only_gradebooks_is_not_a_learner() {
        let t = tempfile::tempdir().unwrap();
        let subs = t.path().join("hand-ins");
        folder(&subs, "ann", &["run"]);
        folder(&subs, "grades/week1", &["gradebook.csv"]);
        folder(&subs, "grades/feedback", &["ann.md"]);
        let found = expand(std::slice::from_ref(&subs), &subs.join("grades/week2")).unwrap();
        assert_eq!(graded(&found), ["ann"]);
        assert_eq!(found.skipped, [("grades/".to_string(), OUTPUT)]);
    }

    #[test]
    fn a_learner_folder_with_its_own_run_is_graded_even_holding_a_gradebook() {
        let t = tempfile::tempdir().unwrap();
        let subs = t.path().join("hy2");
        folder(&subs, "alice", &["run"]);
        folder(&subs, "bob", &["run", "gradebook.csv", "grades.json"]);
        let found = expand(std::slice::from_ref(&subs), &t.path().join("out")).unwrap();
        assert_eq!(graded(&found), ["alice", "bob"]);
    }

    #[test]
    fn an_archive_beside_the_folder_it_was_unpacked_into_is_not_a_learner_of_its_own() {
        let t = tempfile::tempdir().unwrap();
        let subs = t.path().join("hand-ins");
        folder(&subs, "gina-zip", &["run"]);
        folder(&subs, "hank", &["run"]);
        for file in ["gina-zip.zip", "ivy.tar.gz"] {
            std::fs::write(subs.join(file), "x").unwrap();
        }
        let found = expand(std::slice::from_ref(&subs), &t.path().join("out")).unwrap();
        assert_eq!(graded(&found), ["gina-zip", "hank"]);
        assert_eq!(found.archives, [subs.join("ivy.tar.gz")]);
        assert_eq!(
            found.notes(),
            [
                "not graded as submissions (archives already unpacked into the folder of their name): gina-zip.zip",
                "not graded as submissions (archives: unzip archives first): ivy.tar.gz",
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
