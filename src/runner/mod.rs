//! The lab runner: one attempt at a lab, end to end, through one entry point [`run_lab`].
//!
//! `attempt` orders the work (org → proxy → learner runs → snapshots → evidence → verdicts →
//! report → progress); `process` runs the learner's `./run` under a timeout, and `capture`
//! keeps what it prints up to a cap, and `interleave` both pipes' lines in the order written;
//! `leftovers` ends what a run left running outside its process group; `files_only` judges
//! a program that cannot run by its files alone; `env` builds its environment; `tools` checks the lab's tools are installed; `parts` is where the org, the
//! proxy and the rule catalogue plug in; `watch` re-runs on save; `scenario`
//! carries out a lab's `run.scenario` (publish, DML, kill, restart, redeliver) while it runs.

pub mod attempt;
pub mod capture;
pub mod env;
pub mod error_line;
pub mod files_only;
pub mod fresh_secrets;
pub mod interleave;
pub mod judge;
pub mod lab_actions;
pub mod lab_files;
pub mod lab_inputs;
pub mod leftovers;
pub mod mock;
pub mod mock_events;
pub mod org_actions;
pub mod parts;
pub mod process;
pub mod report;
pub mod run_token;
pub mod scenario;
pub mod selfcheck;
pub mod selfcheck_jobs;
pub mod shebang;
pub mod shuffled_rows;
pub mod tools;
pub mod watch;
pub mod wiring;

pub use attempt::{handed_secrets, record, redaction_key, run_lab, RunError, RunOptions};
pub use env::LabCredentials;
pub use parts::{Gateway, GatewayProvider, GatewaySetup, Judge, OrgHandle, OrgProvider, Parts};
pub use report::{Report, RunEvent};
