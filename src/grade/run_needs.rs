//! Whether a lab folder's `./run` uses a folder that grading leaves out of a submission's copy
//! (a virtualenv, `node_modules`: installed packages, see [`super::left_out::LeftOut::of_folder`]),
//! so `sflab check` can say before the run that `sflab grade` will run the program without it.
//! The verdicts then disagree for a reason the learner can see coming: ship a `requirements.txt`
//! or a `package.json` and install in `./run`, or use only what the lab's tools provide.

use super::left_out::LeftOut;
use std::path::Path;

/// The folders of `names` that `run` (the entry point's text) names as a word of a path
/// (`.venv/bin/activate`, `./venv/bin/python`, `node_modules/.bin/tsx`).
fn named_in(run: &str, names: &[String]) -> Vec<String> {
    names
        .iter()
        .filter(|name| {
            run.match_indices(name.as_str()).any(|(at, _)| {
                let before = run[..at].chars().next_back();
                let after = run[at + name.len()..].chars().next();
                !before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
                    && !after.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '-'))
            })
        })
        .cloned()
        .collect()
}

/// A warning when `./run` in `lab_dir` names a folder of the lab folder that grading leaves
/// out as installed packages; None when it names none, or there is no `./run` to read.
pub fn left_out_folders_warning(lab_dir: &Path) -> Option<String> {
    let run = std::fs::read_to_string(lab_dir.join("run")).ok()?;
    let mut folders: Vec<String> = std::fs::read_dir(lab_dir)
        .ok()?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| LeftOut::of_folder(&e.path()) == Some(LeftOut::PackagesOrDatabase))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let used = named_in(&run, &folders);
    if used.is_empty() {
        return None;
    }
    Some(format!(
        "Note: ./run uses {}, which `sflab grade` leaves out of the graded copy (installed packages are not handed in), so a grade may fail where this check passes. Install what the program needs in ./run (from a requirements.txt or package.json), or use only the lab's tools.",
        used.iter().map(|f| format!("{f}/")).collect::<Vec<_>>().join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_that_activates_a_virtualenv_grading_leaves_out_is_warned_about() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join(".venv/bin")).expect("mkdir");
        std::fs::write(dir.path().join(".venv/pyvenv.cfg"), "home = /usr/bin\n").expect("write");
        std::fs::create_dir_all(dir.path().join("data")).expect("mkdir");
        std::fs::write(
            dir.path().join("run"),
            "#!/usr/bin/env bash\n. .venv/bin/activate\nexec python main.py data/x.csv\n",
        )
        .expect("write");
        let warning = left_out_folders_warning(dir.path()).expect("a warning");
        assert!(warning.contains("./run uses .venv/"), "{warning}");
        std::fs::write(dir.path().join("run"), "#!/bin/sh\nexec python3 main.py\n").expect("write");
        assert_eq!(left_out_folders_warning(dir.path()), None);
    }

    #[test]
    fn a_folder_is_named_only_as_a_whole_word_of_a_path() {
        let names = vec![".venv".to_string(), "venv".to_string()];
        assert_eq!(named_in("./venv/bin/python x", &names), ["venv"]);
        assert_eq!(named_in(". .venv/bin/activate", &names), [".venv"]);
        assert!(named_in("python -m virtualenvs", &names).is_empty());
    }
}
