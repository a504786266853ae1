//! Checking that the tools a lab lists (curl, jq, python3, node) are installed before running,
//! so a missing one is named clearly instead of as `command not found` deep in a transcript.
//!
//! A missing tool does not stop the check: the brief says "Edit ./run (any language)", and a
//! learner who rewrote `run` in Node needs no curl or jq. The first run carries a note naming
//! the missing tools ([`missing_tools_note`]); a run that then failed because one of them was
//! not found (`jq: command not found`, `spawn curl ENOENT`) carries a note saying so and how to
//! install it ([`lacked_tools_note`]), which `process.exit_ok` quotes in its verdict.

use crate::lab::Tool;
use std::path::{Path, PathBuf};

/// The tools from `needed` that are not on `path` (a `PATH`-style list).
pub fn missing_tools(needed: &[Tool], path: Option<&std::ffi::OsStr>) -> Vec<Tool> {
    let dirs: Vec<PathBuf> = path
        .map(|p| std::env::split_paths(p).collect())
        .unwrap_or_default();
    needed
        .iter()
        .copied()
        .filter(|t| !dirs.iter().any(|d| is_program(&d.join(t.program()))))
        .collect()
}

fn is_program(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p)
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// Where a run's note on a tool it lacked begins; `process.exit_ok` quotes such a note.
pub const LACKED_TOOL_NOTE: &str = "It stopped for a missing tool:";

/// `curl`, `curl and jq`, `curl, jq and node`.
fn listed(tools: &[Tool]) -> String {
    let names: Vec<&str> = tools.iter().map(|t| t.program()).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// The note on the first run of a lab whose listed tools are missing: which, and that `./run`
/// ran anyway.
pub fn missing_tools_note(missing: &[Tool]) -> String {
    let (are, it, calls) = if missing.len() == 1 {
        ("is", "it", "it")
    } else {
        ("are", "them", "one")
    };
    format!(
        "{}, which the lab lists for its code, {are} not installed here. sflab ran ./run \
         anyway (a program that does without {it} needs none); if yours calls {calls}, \
         install {it}.",
        listed(missing)
    )
}

/// The missing tools a run's `stderr` says it could not find: a line naming the tool that
/// says so as a shell (`jq: command not found`, `./run: 3: jq: not found`), Node (`spawn curl
/// ENOENT`), Python (`No such file or directory: 'curl'`) or `env` does.
pub fn tools_the_run_lacked(missing: &[Tool], stderr: &str) -> Vec<Tool> {
    const NOT_FOUND: &[&str] = &[
        "not found",
        "enoent",
        "no such file or directory",
        "is not recognized",
    ];
    let lines: Vec<String> = stderr
        .lines()
        .map(str::to_ascii_lowercase)
        .filter(|l| NOT_FOUND.iter().any(|n| l.contains(n)))
        .collect();
    missing
        .iter()
        .copied()
        .filter(|t| lines.iter().any(|l| names_word(l, t.program())))
        .collect()
}

/// Whether `line` holds `word` on its own, or as the end of a path (`/usr/bin/jq`): not
/// inside a longer name (`node_modules`, `python3.12`, `jq-1.7`).
fn names_word(line: &str, word: &str) -> bool {
    let in_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-');
    line.match_indices(word).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let mut after = line[at + word.len()..].chars();
        let starts_free = before.is_none_or(|c| !in_name(c) && c != '.');
        let ends_free = match after.next() {
            None => true,
            Some('.' | '/') => after.next().is_none_or(|c| !in_name(c)),
            Some(c) => !in_name(c),
        };
        starts_free && ends_free
    })
}

/// The note on a run that failed for `lacked` tools: which, and how to install each.
pub fn lacked_tools_note(lacked: &[Tool]) -> String {
    let how: Vec<String> = lacked
        .iter()
        .map(|t| format!("{}: {}", t.program(), t.install_hint()))
        .collect();
    format!(
        "{LACKED_TOOL_NOTE} {} {} not installed ({}). Install {}, open a new terminal so PATH \
         is refreshed (the classroom too: quit it and start it there), and check again, or do \
         without {} in ./run.",
        listed(lacked),
        if lacked.len() == 1 { "is" } else { "are" },
        how.join("; "),
        if lacked.len() == 1 { "it" } else { "them" },
        if lacked.len() == 1 { "it" } else { "them" },
    )
}

/// The notes `missing` tools leave on a run: on the first, that they are missing; on one that
/// failed for them, which it lacked.
pub fn missing_tool_notes(missing: &[Tool], run: &crate::evidence::LearnerRun) -> Vec<String> {
    if missing.is_empty() {
        return Vec::new();
    }
    let mut notes = Vec::new();
    if run.index == 0 {
        notes.push(missing_tools_note(missing));
    }
    if let Some((_, lacked)) = first_run_lacking(missing, std::slice::from_ref(run)) {
        notes.push(lacked_tools_note(&lacked));
    }
    notes
}

/// A failed verdict of an attempt whose run `at` (0-based) stopped for the `lacked` tools,
/// with a sentence saying so: the check failed because the program never got that far, which
/// its own message cannot know. `process.exit_ok`, which quotes the run's note, is kept as is.
pub fn after_lacked_tools(
    mut verdict: crate::rules::Verdict,
    lacked: Option<&(usize, Vec<Tool>)>,
) -> crate::rules::Verdict {
    let Some((at, tools)) = lacked else {
        return verdict;
    };
    if verdict.status != crate::rules::VerdictStatus::Fail || verdict.rule == "process.exit_ok" {
        return verdict;
    }
    let (are, it) = if tools.len() == 1 {
        ("is", "it")
    } else {
        ("are", "them")
    };
    verdict.message = format!(
        "{} Run {} stopped early: {} {are} not installed (see the run's note); install {it} or \
         do without {it} in ./run.",
        verdict.message.trim_end(),
        at + 1,
        listed(tools)
    );
    verdict
}

/// The first run (0-based) that stopped for `missing` tools, and which it lacked.
pub fn first_run_lacking(
    missing: &[Tool],
    runs: &[crate::evidence::LearnerRun],
) -> Option<(usize, Vec<Tool>)> {
    runs.iter().find_map(|run| {
        let failed = run.exit_code.is_some_and(|c| c != 0);
        let lacked = tools_the_run_lacked(missing, &run.stderr.text);
        (failed && !lacked.is_empty()).then_some((run.index, lacked))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_is_found_only_when_an_executable_of_its_name_is_on_path() {
        let t = tempfile::tempdir().unwrap();
        let jq = t.path().join("jq");
        std::fs::write(&jq, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&jq, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::write(t.path().join("curl"), "not executable").unwrap();
        let missing = missing_tools(&[Tool::Curl, Tool::Jq], Some(t.path().as_os_str()));
        assert_eq!(missing, vec![Tool::Curl]);
    }

    fn run(index: usize, exit_code: i32, stderr: &str) -> crate::evidence::LearnerRun {
        let mut run = crate::evidence::LearnerRun {
            index,
            exit_code: Some(exit_code),
            ..Default::default()
        };
        run.stderr.text = stderr.to_string();
        run
    }

    #[test]
    fn a_node_program_runs_without_the_curl_and_jq_the_lab_lists_and_is_told_so_once() {
        let missing = [Tool::Curl, Tool::Jq];
        let first = missing_tool_notes(&missing, &run(0, 0, ""));
        assert_eq!(first.len(), 1, "{first:?}");
        assert!(
            first[0].starts_with("curl and jq, which the lab lists for its code, are not installed here. sflab ran ./run anyway"),
            "{}",
            first[0]
        );
        assert!(missing_tool_notes(&missing, &run(1, 0, "")).is_empty());
        assert!(missing_tool_notes(&[], &run(0, 127, "jq: command not found")).is_empty());
    }

    #[test]
    fn a_run_that_failed_for_a_missing_tool_is_told_which_and_how_to_install_it() {
        let missing = [Tool::Curl, Tool::Jq];
        let notes = missing_tool_notes(
            &missing,
            &run(1, 127, "./run: line 4: jq: command not found\n"),
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with(LACKED_TOOL_NOTE)
                && notes[0].contains("jq is not installed (jq: install jq (Debian/Ubuntu")
                && !notes[0].contains("curl"),
            "{}",
            notes[0]
        );
        let passed = run(0, 0, "jq: command not found\n");
        assert_eq!(
            missing_tool_notes(&missing, &passed).len(),
            1,
            "ran to the end"
        );
    }

    #[test]
    fn a_check_failed_after_a_run_stopped_for_a_missing_tool_says_so() {
        use crate::rules::Verdict;
        let runs = [run(0, 127, "./run: line 12: curl: command not found\n")];
        let lacked = first_run_lacking(&[Tool::Curl, Tool::Jq], &runs);
        assert_eq!(lacked, Some((0, vec![Tool::Curl])));
        let failed = Verdict::fail(
            "callout.made",
            2,
            "No callout through Courier answered 200.",
        );
        let said = after_lacked_tools(failed, lacked.as_ref());
        assert_eq!(
            said.message,
            "No callout through Courier answered 200. Run 1 stopped early: curl is not installed \
             (see the run's note); install it or do without it in ./run."
        );
        let passed = Verdict::pass("design.table", 2, "All rows answered.");
        assert_eq!(
            after_lacked_tools(passed, lacked.as_ref()).message,
            "All rows answered."
        );
        let exit = Verdict::fail(
            "process.exit_ok",
            1,
            "run 1 exited with status 127: it stopped…",
        );
        assert!(!after_lacked_tools(exit, lacked.as_ref())
            .message
            .contains("stopped early"));
        assert_eq!(
            first_run_lacking(&[Tool::Jq], &runs),
            None,
            "curl is installed"
        );
    }

    #[test]
    fn each_runtime_saying_a_program_was_not_found_names_the_tool() {
        let missing = [Tool::Curl, Tool::Jq, Tool::Python3, Tool::Node];
        for (stderr, lacked) in [
            ("./run: 3: jq: not found", vec![Tool::Jq]),
            (
                "Error: spawn curl ENOENT\n    at ChildProcess._handle",
                vec![Tool::Curl],
            ),
            (
                "FileNotFoundError: [Errno 2] No such file or directory: 'curl'",
                vec![Tool::Curl],
            ),
            (
                "/usr/bin/env: 'python3': No such file or directory",
                vec![Tool::Python3],
            ),
            ("sh: 1: /usr/bin/jq: not found", vec![Tool::Jq]),
            (
                "Error: Cannot find module 'x'\nrequire stack: node_modules/a.js (not found)",
                vec![],
            ),
            ("ModuleNotFoundError: No module named 'requests'", vec![]),
            ("curl: (6) Could not resolve host", vec![]),
            ("python3.12: not found", vec![]),
        ] {
            assert_eq!(tools_the_run_lacked(&missing, stderr), lacked, "{stderr}");
        }
    }
}
