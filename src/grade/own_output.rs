//! Recognising sflab's own grading output by what it holds, not only by the gradebook beside
//! it: a `feedback/` folder of the Markdown feedback sflab writes, and a `previous/` folder of
//! earlier gradebooks (`previous/<time>/`). Once a lead has moved the gradebook files away,
//! these two are still not learners, and `sflab grade` leaves them out and says so.
//!
//! A folder holding a `run` is a learner's, whatever its name and whatever else it holds.

use super::output_folder::{holds_gradebook, PREVIOUS};
use std::path::Path;

/// What the first line of a feedback file holds (`# <lab title> — feedback for <learner>`).
const FEEDBACK_HEADING: &str = " — feedback for ";

/// Whether `dir`, by its name and content, is a `feedback/` or `previous/` folder sflab wrote.
pub fn is_own_output_folder(dir: &Path) -> bool {
    if dir.join("run").exists() {
        return false;
    }
    match dir.file_name().and_then(|n| n.to_str()) {
        Some("feedback") => is_feedback_folder(dir),
        Some(PREVIOUS) => is_previous_folder(dir),
        _ => false,
    }
}

/// Every entry (hidden ones aside) a feedback file, or a shard's folder of them (`2-of-4/`).
fn is_feedback_folder(dir: &Path) -> bool {
    visible_entries(dir).is_some_and(|entries| {
        entries.iter().all(|p| {
            if p.is_dir() {
                is_shard_name(p) && !p.join("run").exists() && is_feedback_folder(p)
            } else {
                is_feedback_file(p)
            }
        })
    })
}

/// Every entry (hidden ones aside) an earlier gradebook folder: one holding gradebook files,
/// or only the feedback moved with them.
fn is_previous_folder(dir: &Path) -> bool {
    visible_entries(dir).is_some_and(|entries| {
        entries.iter().all(|p| {
            p.is_dir()
                && !p.join("run").exists()
                && (holds_gradebook(p)
                    || p.join("feedback").is_dir() && is_feedback_folder(&p.join("feedback")))
        })
    })
}

/// A `<name>.md` whose first line is the heading sflab gives its feedback.
fn is_feedback_file(p: &Path) -> bool {
    use std::io::{BufRead, Read};
    if p.extension().and_then(|e| e.to_str()) != Some("md") {
        return false;
    }
    let Ok(file) = std::fs::File::open(p) else {
        return false;
    };
    // A heading needs no more than a line's worth of the file.
    let mut first = String::new();
    std::io::BufReader::new(file.take(4096))
        .read_line(&mut first)
        .is_ok_and(|_| first.starts_with("# ") && first.contains(FEEDBACK_HEADING))
}

/// `2-of-4`: a shard's feedback folder.
fn is_shard_name(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.split_once("-of-"))
        .is_some_and(|(i, n)| i.parse::<usize>().is_ok() && n.parse::<usize>().is_ok())
}

/// The folder's entries, hidden ones (`.DS_Store`) aside; None when it cannot be read.
fn visible_entries(dir: &Path) -> Option<Vec<std::path::PathBuf>> {
    let rd = std::fs::read_dir(dir).ok()?;
    Some(
        rd.flatten()
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    const FEEDBACK: &str = "# Capstone — feedback for alice\n\n**Score: 1/33**\n";

    #[test]
    fn feedback_and_previous_folders_are_known_by_what_they_hold() {
        let t = tempfile::tempdir().unwrap();
        write(t.path(), "feedback/alice.md", FEEDBACK);
        write(t.path(), "feedback/2-of-4/bob.md", FEEDBACK);
        write(t.path(), "feedback/.DS_Store", "x");
        write(t.path(), "previous/2026-12-01T10-00-00Z/gradebook.csv", "x");
        write(
            t.path(),
            "previous/2026-12-01T11-00-00Z/feedback/carol.md",
            FEEDBACK,
        );
        assert!(is_own_output_folder(&t.path().join("feedback")));
        assert!(is_own_output_folder(&t.path().join("previous")));
    }

    #[test]
    fn a_learner_named_feedback_or_previous_is_not_taken_for_output() {
        let t = tempfile::tempdir().unwrap();
        write(t.path(), "a/feedback/run", "#!/bin/sh\n");
        write(t.path(), "b/feedback/notes.md", "# My notes\n");
        write(t.path(), "c/feedback/main.py", "print(1)\n");
        write(t.path(), "d/previous/attempt/main.py", "print(1)\n");
        write(t.path(), "e/previous/run", "#!/bin/sh\n");
        write(t.path(), "e/previous/old/gradebook.csv", "x");
        write(t.path(), "f/results/alice.md", FEEDBACK);
        for dir in [
            "a/feedback",
            "b/feedback",
            "c/feedback",
            "d/previous",
            "e/previous",
            "f/results",
        ] {
            assert!(!is_own_output_folder(&t.path().join(dir)), "{dir}");
        }
    }
}
