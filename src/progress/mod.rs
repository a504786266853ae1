//! The learner's progress: attempts, verdicts, redacted transcripts, hints revealed and quiz
//! answers and the lessons read to their end, kept in SQLite at `<ws>/.sflab/progress.db`;
//! with each attempt, the [`fingerprint`] of its lab folder as the attempt left it.
//!
//! The file is created with mode 0600, runs in WAL mode with `synchronous=FULL`, and every
//! write is one transaction: a crash (or a kill) mid-write loses only the write in flight,
//! never one already committed, and the next open finds a consistent database.
//!
//! Only redacted data comes in: the runner redacts transcripts and output before they reach
//! [`Store::record_attempt`].

mod error;
pub mod fingerprint;
mod schema;
mod store;

pub use store::{AttemptRow, HintReveal, LabStatus, NewAttempt, ProgressError, Store, Transcript};
