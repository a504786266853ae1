//! A run's stdout and stderr as one record, line by line in the order the lines arrived from
//! the two pipes, so a program's error shows where it happened among what it printed. A flood
//! keeps its first and last lines and counts those left out between them.

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

/// One line a run printed (redacted, without its newline), and the pipe it came on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputLine {
    pub stream: OutputStream,
    pub text: String,
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
