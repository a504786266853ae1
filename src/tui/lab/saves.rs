//! Watch mode's memory of the learner's saves: which changes in the lab folder are the
//! learner's (and start a run), and whether one came in while a run was going, so that one
//! more run follows it instead of the save being lost.
//!
//! Pure: the watcher thread in the driver feeds it the changed files (relative to the lab
//! folder) and whether a run is going, and does what it answers.
//!
//! Implementation notes: while a run goes, the learner's code writes files too (an export, a
//! stored replay id), and a change cannot say who made it. A change during a run counts as a
//! save when the file is a starter file or one the learner saved while no run was going; any
//! other file is the code's own output. So that code writing to such a file cannot start runs
//! forever, the files that bought one more run do not buy another during that run: a chain of
//! runs needs a starter file, or the learner saving with no run going.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// What the watcher does with one debounced batch of changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveAction {
    /// No run is going: run the checks now.
    RunNow,
    /// The first save during this run: run again when it ends (and say so).
    RunAfterThisOne,
    /// Nothing new: the code's own output, or a run after this one is already due.
    Nothing,
}

/// The learner's files in one lab folder and the saves held for after the current run.
#[derive(Debug, Default)]
pub struct LearnerSaves {
    starter: HashSet<PathBuf>,
    saved: HashSet<PathBuf>,
    held: HashSet<PathBuf>,
    /// The files whose save during the previous run started the current one.
    rerun_of: HashSet<PathBuf>,
}

impl LearnerSaves {
    /// `starter`: the lab's starter files, relative to the lab folder.
    pub fn new(starter: impl IntoIterator<Item = PathBuf>) -> LearnerSaves {
        LearnerSaves {
            starter: starter.into_iter().collect(),
            ..LearnerSaves::default()
        }
    }

    /// `changed` (relative paths) was saved; `running` says whether a run is going.
    pub fn saw(&mut self, changed: &[PathBuf], running: bool) -> SaveAction {
        if !running {
            self.saved.extend(changed.iter().cloned());
            self.rerun_of.clear();
            return SaveAction::RunNow;
        }
        let first = self.held.is_empty();
        let learners: Vec<PathBuf> = changed
            .iter()
            .filter(|p| self.is_learners(p))
            .cloned()
            .collect();
        if learners.is_empty() {
            return SaveAction::Nothing;
        }
        self.held.extend(learners);
        if first {
            SaveAction::RunAfterThisOne
        } else {
            SaveAction::Nothing
        }
    }

    /// Whether a save waits for the current run to end.
    pub fn holding(&self) -> bool {
        !self.held.is_empty()
    }

    /// The run ended: true when one more run must follow (one, however many saves came in).
    pub fn run_ended(&mut self) -> bool {
        self.rerun_of = std::mem::take(&mut self.held);
        !self.rerun_of.is_empty()
    }

    fn is_learners(&self, path: &Path) -> bool {
        self.starter.contains(path) || (self.saved.contains(path) && !self.rerun_of.contains(path))
    }
}

/// The runs going in the classroom, by lab: each from its start until its own writes can no
/// longer reach its watcher. A lab's watcher holds a save only while a run of that same lab
/// goes; another lab's run is no reason to hold it (or to say "saved during the run").
#[derive(Debug, Clone, Default)]
pub struct RunsGoing(std::sync::Arc<parking_lot::Mutex<std::collections::HashMap<String, usize>>>);

impl RunsGoing {
    pub fn start(&self, lab: &str) {
        *self.0.lock().entry(lab.to_string()).or_default() += 1;
    }

    pub fn end(&self, lab: &str) {
        let mut going = self.0.lock();
        if let Some(n) = going.get_mut(lab) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                going.remove(lab);
            }
        }
    }

    /// Whether a run of `lab` is going.
    pub fn of(&self, lab: &str) -> bool {
        self.0.lock().contains_key(lab)
    }
}

/// The status line when a run follows saves made during the last one.
pub const CHECKING_AGAIN: &str = "files changed during the run: checking again";

/// The status line when the first save during a run is held for after it.
pub const SAVED_DURING_RUN: &str = "saved during the run: the checks run again when this one ends";

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(names: &[&str]) -> Vec<PathBuf> {
        names.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn a_save_during_a_run_queues_one_more_run_when_it_ends() {
        let mut saves = LearnerSaves::new(paths(&["run"]));
        assert_eq!(saves.saw(&paths(&["run"]), false), SaveAction::RunNow);
        assert_eq!(
            saves.saw(&paths(&["run"]), true),
            SaveAction::RunAfterThisOne
        );
        assert_eq!(
            saves.saw(&paths(&["run"]), true),
            SaveAction::Nothing,
            "a second save during the same run adds no second run"
        );
        assert!(saves.holding());
        assert!(saves.run_ended(), "one more run");
        assert!(!saves.holding());
        assert!(!saves.run_ended(), "and only one");
    }

    #[test]
    fn only_a_run_of_the_same_lab_counts_as_going_for_its_watch() {
        let going = RunsGoing::default();
        going.start("retry-after");
        assert!(going.of("retry-after"));
        assert!(!going.of("rest-crud"), "another lab's run holds no save");
        going.start("retry-after");
        going.end("retry-after");
        assert!(going.of("retry-after"), "two runs overlapping: one left");
        going.end("retry-after");
        assert!(!going.of("retry-after"));
    }

    #[test]
    fn files_the_code_writes_during_a_run_start_no_run() {
        let mut saves = LearnerSaves::new(paths(&["run"]));
        assert_eq!(saves.saw(&paths(&["out.json"]), true), SaveAction::Nothing);
        assert!(!saves.run_ended());
    }

    #[test]
    fn a_file_saved_between_runs_counts_as_the_learners() {
        let mut saves = LearnerSaves::new(paths(&["run"]));
        saves.saw(&paths(&["main.py"]), false);
        assert_eq!(
            saves.saw(&paths(&["main.py"]), true),
            SaveAction::RunAfterThisOne
        );
    }

    #[test]
    fn code_writing_a_saved_file_each_run_does_not_loop() {
        let mut saves = LearnerSaves::new(paths(&["run"]));
        // Written once outside a run (the learner tried ./run in a terminal).
        saves.saw(&paths(&["state.txt"]), false);
        saves.saw(&paths(&["state.txt"]), true);
        assert!(saves.run_ended());
        // The run that followed writes it again: no third run.
        assert_eq!(saves.saw(&paths(&["state.txt"]), true), SaveAction::Nothing);
        assert!(!saves.run_ended());
    }

    #[test]
    fn a_starter_file_saved_during_each_run_keeps_the_runs_coming() {
        let mut saves = LearnerSaves::new(paths(&["run"]));
        saves.saw(&paths(&["run"]), true);
        assert!(saves.run_ended());
        assert_eq!(
            saves.saw(&paths(&["run"]), true),
            SaveAction::RunAfterThisOne
        );
    }
}
