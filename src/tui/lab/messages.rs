//! The messages between the lab view and its driver: news for the screen ([`LabEvent`]) and
//! work for the driver ([`LabCommand`]).

use super::console::ConsoleReply;
use crate::evidence::{Exchange, LearnerRun, OrgSnapshot};
use crate::rules::Verdict;
use std::path::PathBuf;

/// How one attempt ended, as the Results tab shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub verdicts: Vec<Verdict>,
    pub passed: bool,
    pub points: u32,
    pub max_points: u32,
    pub duration_ms: u64,
}

/// Where the records the Org tab shows come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgSource {
    /// The lab's org while the learner's code runs.
    Live,
    /// The lab's org as the last run left it.
    AfterRun,
    /// The console's own copy of the lab's org (seeded, plus what the console changed).
    Console,
}

/// Progress of a running attempt, as the driver relays it from the runner.
#[derive(Debug, Clone, PartialEq)]
pub enum RunUpdate {
    Prepared { proxy_url: String },
    RunStarted { index: usize, of: usize },
    Exchange(Box<Exchange>),
    RunFinished(Box<LearnerRun>),
}

/// What the lab driver tells the screen. Each names its lab; news for a lab that is no
/// longer open is dropped.
#[derive(Debug, Clone, PartialEq)]
pub enum LabEvent {
    /// The lab's folder in the workspace and the files in it (after start, reset or edit).
    Files {
        lab: String,
        dir: PathBuf,
        files: Vec<String>,
    },
    /// Hints revealed so far (from the progress store), oldest first; `revealed` when the
    /// learner has just asked for the newest.
    Hints {
        lab: String,
        hints: Vec<String>,
        revealed: bool,
    },
    Run {
        lab: String,
        update: RunUpdate,
    },
    /// The attempt ended: judged, or stopped by an error the learner must fix.
    Finished {
        lab: String,
        outcome: Result<Outcome, String>,
        /// Every exchange of the attempt as the report holds them (the live stream may skip
        /// some when the screen falls behind).
        exchanges: Vec<Exchange>,
        /// The runs of `./run`, with their output.
        runs: Vec<LearnerRun>,
    },
    /// The lab's latest stored attempt (as the lab opens, or one `sflab check` made in
    /// another terminal): shown as a finished run is, except while a run of the screen's own
    /// is in progress — that run's result is the one coming.
    LastAttempt {
        lab: String,
        outcome: Result<Outcome, String>,
        exchanges: Vec<Exchange>,
        runs: Vec<LearnerRun>,
    },
    Org {
        lab: String,
        snapshot: OrgSnapshot,
        source: OrgSource,
    },
    Console {
        lab: String,
        reply: ConsoleReply,
    },
    /// A file in the lab folder changed (watch mode).
    Changed {
        lab: String,
    },
    /// The editor exited normally; `fallback` when it was `vi` because neither $VISUAL nor
    /// $EDITOR names one. The screen says what happens next (watch may be running the checks).
    BackFromEditor {
        lab: String,
        editor: String,
        fallback: bool,
    },
    /// A text to read in the detail pane (the solution).
    Text {
        lab: String,
        title: String,
        text: String,
    },
    /// A one-line message for the status bar.
    Notice(String),
    /// A run learnt whether `backend` (as the bars name it) can be reached: its connection
    /// failed or it never answered (`false`), or it answered (`true`).
    Reach {
        backend: String,
        reachable: bool,
    },
}

impl LabEvent {
    /// The lab the news is about (`None` for notices and reachability, which are always
    /// taken in).
    pub fn lab(&self) -> Option<&str> {
        match self {
            LabEvent::Files { lab, .. }
            | LabEvent::Hints { lab, .. }
            | LabEvent::Run { lab, .. }
            | LabEvent::Finished { lab, .. }
            | LabEvent::LastAttempt { lab, .. }
            | LabEvent::Org { lab, .. }
            | LabEvent::Console { lab, .. }
            | LabEvent::Changed { lab }
            | LabEvent::BackFromEditor { lab, .. }
            | LabEvent::Text { lab, .. } => Some(lab),
            LabEvent::Notice(_) | LabEvent::Reach { .. } => None,
        }
    }
}

/// Work the lab view hands to the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabCommand {
    /// Copy the starter files if they are not there yet; report files, hints and the org.
    Open {
        lab: String,
    },
    Run {
        lab: String,
    },
    /// Switch the checks to the next backend this lab may run on (`b`).
    Backend {
        lab: String,
    },
    Watch {
        lab: String,
        on: bool,
    },
    Edit {
        lab: String,
    },
    /// Reveal the next hint, tied to the first failing rule of the last attempt.
    Hint {
        lab: String,
        failing: Option<String>,
    },
    Solution {
        lab: String,
    },
    /// Show the lab's latest stored attempt (made by `sflab check` in another terminal).
    ShowLastAttempt {
        lab: String,
    },
    Reset {
        lab: String,
    },
    WriteHar {
        lab: String,
        exchanges: Vec<Exchange>,
    },
    Console {
        lab: String,
        method: String,
        path: String,
        body: String,
    },
}

/// Why an attempt could not run, as the Results tab says it, with the classroom's own way
/// forward: a missing `./run` is restored with `X` here, a lab folder gone is started again
/// from the tree.
pub fn run_error_text(error: &crate::runner::RunError) -> String {
    use crate::runner::process::ProcessError;
    use crate::runner::RunError;
    match error {
        RunError::Process(ProcessError::NoEntryPoint(dir)) => format!(
            "there is no `run` file in {}: the lab's entry point is `./run` in the lab folder. \
             X resets the lab to its starter files (yours move to a backup folder).",
            dir.display()
        ),
        // A file stands where the folder should be: it is the learner's to move.
        RunError::NotStarted { dir, .. } if dir.is_file() => format!(
            "{} is a file where sflab needs the lab's folder, so there is nothing to run. Move \
             or rename the file, then press Esc and ⏎ on the lab's row in the tree to copy the \
             starter files into a new folder.",
            dir.display()
        ),
        // The folder moved or deleted under the classroom: opening the lab's row copies the
        // starter files in again (the driver's `open` starts a lab with no folder).
        RunError::NotStarted { dir, .. } => format!(
            "the lab's folder {} is gone (moved or deleted?), so there is nothing to run. Move \
             your folder back, or press Esc and then ⏎ on the lab's row in the tree to copy \
             the starter files there again.",
            dir.display()
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::RunError;

    #[test]
    fn a_missing_lab_folder_says_how_to_get_it_back_in_the_classroom() {
        let said = run_error_text(&RunError::NotStarted {
            lab: "rest-basics".into(),
            dir: "/ws/rest-basics".into(),
        });
        assert!(said.contains("/ws/rest-basics is gone"), "{said}");
        assert!(said.contains("⏎ on the lab's row"), "{said}");
        assert!(!said.contains("sflab lab start"), "{said}");
    }

    #[test]
    fn a_file_where_the_lab_folder_should_be_is_named_as_a_file() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("rest-basics");
        std::fs::write(&dir, "x").unwrap();
        let said = run_error_text(&RunError::NotStarted {
            lab: "rest-basics".into(),
            dir: dir.clone(),
        });
        assert!(
            said.starts_with(&format!("{} is a file where sflab needs", dir.display())),
            "{said}"
        );
        assert!(!said.contains("is gone"), "{said}");
    }

    #[test]
    fn a_missing_run_file_points_to_the_reset_key_not_the_command() {
        let missing = crate::runner::process::ProcessError::NoEntryPoint("/ws/lab".into());
        let said = run_error_text(&RunError::Process(missing));
        assert!(said.contains("no `run` file in /ws/lab"), "{said}");
        assert!(said.contains("X resets the lab"), "{said}");
        assert!(!said.contains("sflab reset"), "{said}");
    }
}
