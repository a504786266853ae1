//! Whether the program of a lab folder uses a folder that grading leaves out of a submission's
//! copy (a virtualenv, `node_modules`: installed packages, see
//! [`super::left_out::LeftOut::of_folder`]), so a check can say before the run that
//! `sflab grade` will run the program without it. The verdicts then disagree for a reason the
//! learner can see coming: ship a `requirements.txt` or a `package.json` and install in
//! `./run`, or use only what the lab's tools provide.
//!
//! Implementation notes: a folder is used when `./run` names it as a word of a path
//! (`.venv/bin/activate`, `node_modules/.bin/tsx`), and `node_modules` also when the program
//! runs on Node at all (`./run` starts `node`, `npx`, `tsx`…, or the folder holds a JS or
//! TS source): Node looks for packages in `./node_modules` without being told, which is the
//! most common layout. A folder `./run` fills itself (`npm ci`, `python3 -m venv .venv`) is
//! filled again in the graded copy, and is no concern.

use super::left_out::LeftOut;
use std::path::Path;

/// Programs that run JavaScript or TypeScript with Node's package lookup.
const NODE_LAUNCHERS: &[&str] = &["node", "nodejs", "npx", "npm", "tsx", "ts-node"];

/// Extensions of sources Node runs.
const NODE_SOURCES: &[&str] = &["js", "mjs", "cjs", "ts", "mts", "cts"];

/// Commands with which `./run` installs packages itself, by the folder they fill.
fn installers(folder: &str) -> &'static [&'static str] {
    match folder {
        "node_modules" => &[
            "npm ci",
            "npm install",
            "npm i",
            "yarn",
            "pnpm install",
            "pnpm i",
        ],
        _ => &["-m venv", "virtualenv", "uv venv"],
    }
}

/// The words of `names` that `run` (the entry point's text) holds as a word of a path or
/// command (`.venv/bin/activate`, `./venv/bin/python`, `npm ci`), not inside a longer name.
fn named_in<'n>(run: &str, names: &[&'n str]) -> Vec<&'n str> {
    names
        .iter()
        .copied()
        .filter(|name| {
            run.match_indices(name).any(|(at, _)| {
                let before = run[..at].chars().next_back();
                let after = run[at + name.len()..].chars().next();
                !before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
                    && !after.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '-'))
            })
        })
        .collect()
}

/// Whether the lab folder holds a source Node runs, at its top.
fn holds_node_sources(lab_dir: &Path) -> bool {
    std::fs::read_dir(lab_dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.file_type().is_ok_and(|t| t.is_file())
                && e.path()
                    .extension()
                    .and_then(|x| x.to_str())
                    .is_some_and(|x| NODE_SOURCES.contains(&x.to_ascii_lowercase().as_str()))
        })
    })
}

/// How the program uses a left-out folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    /// `./run` names it.
    Named,
    /// Node finds it without being told.
    FoundByNode,
}

/// A note when the program in `lab_dir` uses a folder of the lab folder that grading leaves
/// out as installed packages, and `./run` does not fill it itself; None when it uses none, or
/// there is no `./run` to read.
pub fn left_out_folders_note(lab_dir: &Path) -> Option<String> {
    let run = std::fs::read_to_string(lab_dir.join("run")).ok()?;
    let mut folders: Vec<String> = std::fs::read_dir(lab_dir)
        .ok()?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| LeftOut::of_folder(&e.path()) == Some(LeftOut::PackagesOrDatabase))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let runs_node = || !named_in(&run, NODE_LAUNCHERS).is_empty() || holds_node_sources(lab_dir);
    let used: Vec<(&str, Use)> = folders
        .iter()
        .map(String::as_str)
        .filter(|f| named_in(&run, installers(f)).is_empty())
        .filter_map(|f| {
            if !named_in(&run, &[f]).is_empty() {
                Some((f, Use::Named))
            } else if f == "node_modules" && runs_node() {
                Some((f, Use::FoundByNode))
            } else {
                None
            }
        })
        .collect();
    if used.is_empty() {
        return None;
    }
    let subject = if used.iter().all(|(_, u)| *u == Use::Named) {
        "./run uses"
    } else {
        "The program uses"
    };
    let how = if used.iter().any(|(_, u)| *u == Use::FoundByNode) {
        " (Node finds node_modules/ in the lab folder without ./run naming it)"
    } else {
        ""
    };
    Some(format!(
        "{subject} {}{how}, which `sflab grade` leaves out of the graded copy (installed packages are not handed in), so a grade may fail where this check passes. Install what the program needs in ./run (from a requirements.txt or package.json), or use only the lab's tools.",
        used.iter().map(|(f, _)| format!("{f}/")).collect::<Vec<_>>().join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    #[test]
    fn a_run_that_activates_a_virtualenv_grading_leaves_out_is_warned_about() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), ".venv/pyvenv.cfg", "home = /usr/bin\n");
        std::fs::create_dir_all(dir.path().join("data")).expect("mkdir");
        write(
            dir.path(),
            "run",
            "#!/usr/bin/env bash\n. .venv/bin/activate\nexec python main.py data/x.csv\n",
        );
        let note = left_out_folders_note(dir.path()).expect("a note");
        assert!(note.starts_with("./run uses .venv/,"), "{note}");
        write(dir.path(), "run", "#!/bin/sh\nexec python3 main.py\n");
        assert_eq!(left_out_folders_note(dir.path()), None);
    }

    #[test]
    fn node_modules_node_finds_without_run_naming_it_is_warned_about() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            dir.path(),
            "node_modules/jsforce/index.js",
            "module.exports = {};\n",
        );
        write(
            dir.path(),
            "main.js",
            "const jsforce = require('jsforce');\n",
        );
        write(
            dir.path(),
            "run",
            "#!/usr/bin/env bash\nexec node main.js\n",
        );
        let note = left_out_folders_note(dir.path()).expect("a note");
        assert!(
            note.starts_with("The program uses node_modules/ (Node finds node_modules/ in the lab folder without ./run naming it), which `sflab grade` leaves out"),
            "{note}"
        );
        // A script Node runs through its `#!` line: the source is in the folder.
        write(dir.path(), "run", "#!/bin/sh\nexec ./main.js\n");
        assert!(left_out_folders_note(dir.path()).is_some());
        // A Python program beside a stray node_modules does not use it.
        std::fs::remove_file(dir.path().join("main.js")).expect("rm");
        write(dir.path(), "run", "#!/bin/sh\nexec python3 main.py\n");
        assert_eq!(left_out_folders_note(dir.path()), None);
    }

    #[test]
    fn a_folder_run_fills_itself_is_filled_again_when_graded() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            dir.path(),
            "node_modules/jsforce/index.js",
            "module.exports = {};\n",
        );
        write(
            dir.path(),
            "main.js",
            "const jsforce = require('jsforce');\n",
        );
        write(
            dir.path(),
            "run",
            "#!/bin/sh\nnpm ci --silent\nexec node main.js\n",
        );
        assert_eq!(left_out_folders_note(dir.path()), None);
        write(dir.path(), ".venv/pyvenv.cfg", "home = /usr/bin\n");
        write(
            dir.path(),
            "run",
            "#!/bin/sh\npython3 -m venv .venv\n.venv/bin/pip install -r requirements.txt\nexec .venv/bin/python main.py\n",
        );
        let note = left_out_folders_note(dir.path()).expect("node_modules still");
        assert!(
            note.contains("node_modules/") && !note.contains(".venv/"),
            "{note}"
        );
    }

    #[test]
    fn a_folder_is_named_only_as_a_whole_word_of_a_path() {
        let names = [".venv", "venv"];
        assert_eq!(named_in("./venv/bin/python x", &names), ["venv"]);
        assert_eq!(named_in(". .venv/bin/activate", &names), [".venv"]);
        assert!(named_in("python -m virtualenvs", &names).is_empty());
        assert!(named_in("exec node_modules/.bin/tsx x.ts", &["node"]).is_empty());
        assert_eq!(named_in("exec /usr/bin/node main.js", &["node"]), ["node"]);
    }
}
