//! What the runs of `./run` left behind, as the lab view shows it: how each run ended, and
//! the whole stdout and stderr of every run for the `o` view (a lab that runs the program
//! twice has two runs, and the first one's output matters as much as the last one's). Pure.

use crate::evidence::LearnerRun;

/// How `run` ended, in a few words: `exit 0`, `killed by signal 9`, …
pub fn how_it_ended(run: &LearnerRun) -> String {
    if run.timed_out {
        return "stopped at the lab's time limit".into();
    }
    match (run.exit_code, run.signal) {
        (Some(c), _) => format!("exit {c}"),
        (None, Some(_)) if run.stopped_by_lab => "stopped by sflab once done, as planned".into(),
        (None, Some(s)) => format!("killed by signal {s}"),
        (None, None) => "did not start".into(),
    }
}

/// The header naming one run: `./run #1: exit 0 · 12 ms`.
pub fn run_header(run: &LearnerRun) -> String {
    format!(
        "./run #{}: {} · {} ms",
        run.index + 1,
        how_it_ended(run),
        run.duration_ms
    )
}

/// The text of the `o` view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WholeOutput {
    pub title: String,
    pub text: String,
}

/// Every run's whole stdout and stderr, each run under its [`run_header`] when there is more
/// than one; `None` when no run wrote anything.
pub fn whole_output(runs: &[LearnerRun]) -> Option<WholeOutput> {
    if runs.iter().all(|r| streams(r).is_empty()) {
        return None;
    }
    if let [run] = runs {
        return Some(WholeOutput {
            title: format!("./run #{} output", run.index + 1),
            text: streams(run),
        });
    }
    let mut text = String::new();
    for run in runs {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&format!("══ {}\n", run_header(run)));
        match streams(run) {
            s if s.is_empty() => text.push_str("(wrote nothing to stdout or stderr)\n"),
            s => text.push_str(&s),
        }
    }
    let (first, last) = (runs[0].index + 1, runs[runs.len() - 1].index + 1);
    Some(WholeOutput {
        title: format!("./run #{first}–#{last} output"),
        text,
    })
}

/// `run`'s stdout and stderr, each after a `── stdout` line; empty when it wrote nothing.
fn streams(run: &LearnerRun) -> String {
    let mut text = String::new();
    for (name, out) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        if out.text.trim().is_empty() {
            continue;
        }
        text.push_str(&format!("── {name}\n{}\n", out.text.trim_end()));
        if out.truncated && out.left_out > 0 {
            text.push_str(&format!(
                "(the run wrote more than sflab keeps: {} bytes in the middle were left out, \
                 where \"… bytes left out here\" stands; the start and the end are kept)\n",
                out.left_out
            ));
        } else if out.truncated {
            text.push_str("(the run wrote more than sflab keeps: the rest was not recorded)\n");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::CapturedOutput;

    fn run(index: usize, stdout: &str) -> LearnerRun {
        LearnerRun {
            index,
            exit_code: Some(0),
            duration_ms: 12,
            stdout: CapturedOutput {
                text: stdout.into(),
                ..CapturedOutput::default()
            },
            ..LearnerRun::default()
        }
    }

    #[test]
    fn the_whole_output_holds_every_run_under_a_header_naming_it() {
        let out = whole_output(&[run(0, "token 9284\n"), run(1, "token 20735\n")]).expect("output");
        assert_eq!(out.title, "./run #1–#2 output");
        assert_eq!(
            out.text,
            "══ ./run #1: exit 0 · 12 ms\n── stdout\ntoken 9284\n\n\
             ══ ./run #2: exit 0 · 12 ms\n── stdout\ntoken 20735\n"
        );
    }

    #[test]
    fn a_run_that_wrote_nothing_says_so_beside_one_that_did() {
        let out = whole_output(&[run(0, ""), run(1, "done\n")]).expect("output");
        assert!(
            out.text
                .starts_with("══ ./run #1: exit 0 · 12 ms\n(wrote nothing"),
            "{}",
            out.text
        );
        assert!(whole_output(&[run(0, ""), run(1, " \n")]).is_none());
    }

    #[test]
    fn a_flood_cut_in_the_middle_says_the_middle_was_left_out_not_the_rest() {
        let mut flood = run(
            0,
            "1\n2\n… 400000 bytes left out here: sflab keeps 256 KiB.\n60000\nTHE-END\n",
        );
        flood.stdout.truncated = true;
        flood.stdout.left_out = 400_000;
        let out = whole_output(&[flood]).expect("output");
        assert!(out.text.contains("THE-END\n(the run wrote more than sflab keeps: 400000 bytes in the middle were left out, where \"… bytes left out here\" stands; the start and the end are kept)"), "{}", out.text);
        assert!(!out.text.contains("the rest was not recorded"));
    }

    #[test]
    fn one_runs_output_is_named_in_the_title() {
        let out = whole_output(&[run(0, "hi\n")]).expect("output");
        assert_eq!(out.title, "./run #1 output");
        assert_eq!(out.text, "── stdout\nhi\n");
    }
}
