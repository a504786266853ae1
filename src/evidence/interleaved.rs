//! A run's stdout and stderr as one record, line by line in the order the lines arrived from
//! the two pipes, so a program's error shows where it happened among what it printed. A flood
//! keeps its first and last lines and counts those left out between them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which pipe a line of a run's output came on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputStream {
    Stdout,
    Stderr,
}

impl OutputStream {
    /// `stdout` or `stderr`.
    pub fn name(self) -> &'static str {
        match self {
            OutputStream::Stdout => "stdout",
            OutputStream::Stderr => "stderr",
        }
    }
}

/// One line a run printed (redacted, without its newline), the pipe it came on, and when its
/// end arrived (on the clock the proxy stamps requests with, so a line can be placed before or
/// after a request; absent in records made before sflab kept it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputLine {
    pub stream: OutputStream,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
}

/// The lines of both pipes in arrival order: the first ones (`head`), how many were left out
/// after them, and the last ones (`tail`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterleavedOutput {
    pub head: Vec<OutputLine>,
    #[serde(default)]
    pub left_out: u64,
    #[serde(default)]
    pub tail: Vec<OutputLine>,
}

impl InterleavedOutput {
    pub fn is_empty(&self) -> bool {
        self.head.is_empty() && self.tail.is_empty()
    }

    /// Every kept line, in the order written.
    pub fn lines(&self) -> impl Iterator<Item = &OutputLine> {
        self.head.iter().chain(&self.tail)
    }
}
