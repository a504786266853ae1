//! A run's stdout and stderr gathered into one [`InterleavedOutput`] as they stream: each
//! pipe's reader hands its bytes to a shared [`LineCollector`], which cuts them into lines and
//! records each whole line when its newline arrives, so lines from the two pipes stand in the
//! order they were written.
//!
//! Implementation notes:
//! - Flood protection: the first [`HEAD_LINES`] lines and the last [`TAIL_LINES`] are kept,
//!   those between only counted; a line is kept up to [`LINE_KEPT`] bytes (the rest dropped),
//!   so memory stays bounded whatever a program prints.
//! - Lines are kept raw and redacted with the run ([`redacted`]), which then cuts each to
//!   [`LINE_SHOWN`] characters: a secret is redacted whole before any cut, since the kept part
//!   of a line is longer than any secret sflab hands out.
//! - The order is the order the reader tasks saw the lines; two lines written to the two pipes
//!   within the same instant may swap, as in any terminal.

use crate::evidence::{InterleavedOutput, OutputLine, OutputStream};
use crate::redact::Redactor;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// The first lines of a run's output kept in order.
pub const HEAD_LINES: usize = 100;

/// The last lines of a run's output kept in order, once it printed more than [`HEAD_LINES`].
pub const TAIL_LINES: usize = 100;

/// Bytes of one line kept before redaction.
const LINE_KEPT: usize = 12 * 1024;

/// Characters of one line shown, after redaction.
pub const LINE_SHOWN: usize = 2000;

/// The collector both readers of a run share.
pub(super) type SharedLines = Arc<Mutex<LineCollector>>;

/// Lines of both pipes in arrival order, with each pipe's line in progress.
#[derive(Debug, Default)]
pub(super) struct LineCollector {
    /// The unfinished line of stdout, then of stderr.
    partial: [Vec<u8>; 2],
    head: Vec<OutputLine>,
    tail: VecDeque<OutputLine>,
    left_out: u64,
}

fn slot(stream: OutputStream) -> usize {
    match stream {
        OutputStream::Stdout => 0,
        OutputStream::Stderr => 1,
    }
}

impl LineCollector {
    /// Takes the next bytes read from `stream`'s pipe.
    pub(super) fn push(&mut self, stream: OutputStream, mut bytes: &[u8]) {
        while let Some(newline) = bytes.iter().position(|&b| b == b'\n') {
            self.extend(stream, &bytes[..newline]);
            let line = std::mem::take(&mut self.partial[slot(stream)]);
            self.record(stream, &line);
            bytes = &bytes[newline + 1..];
        }
        self.extend(stream, bytes);
    }

    fn extend(&mut self, stream: OutputStream, bytes: &[u8]) {
        let partial = &mut self.partial[slot(stream)];
        let room = LINE_KEPT.saturating_sub(partial.len());
        partial.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    fn record(&mut self, stream: OutputStream, line: &[u8]) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = OutputLine {
            stream,
            text: String::from_utf8_lossy(line).into_owned(),
            at: Some(chrono::Utc::now()),
        };
        if self.head.len() < HEAD_LINES {
            self.head.push(line);
            return;
        }
        if self.tail.len() == TAIL_LINES {
            self.tail.pop_front();
            self.left_out += 1;
        }
        self.tail.push_back(line);
    }

    /// The record once the pipes are read: a last line without its newline counts too.
    pub(super) fn finish(&mut self) -> InterleavedOutput {
        for stream in [OutputStream::Stdout, OutputStream::Stderr] {
            let line = std::mem::take(&mut self.partial[slot(stream)]);
            if !line.is_empty() {
                self.record(stream, &line);
            }
        }
        InterleavedOutput {
            head: std::mem::take(&mut self.head),
            left_out: std::mem::take(&mut self.left_out),
            tail: std::mem::take(&mut self.tail).into(),
        }
    }
}

/// `output` with each line redacted, then cut to [`LINE_SHOWN`] characters.
pub fn redacted(output: InterleavedOutput, redactor: &Redactor) -> InterleavedOutput {
    let line = |l: OutputLine| {
        let text = redactor.text(&l.text);
        let text = match text.char_indices().nth(LINE_SHOWN) {
            Some((at, _)) => format!("{}…", &text[..at]),
            None => text,
        };
        OutputLine {
            stream: l.stream,
            text,
            at: l.at,
        }
    };
    InterleavedOutput {
        head: output.head.into_iter().map(line).collect(),
        left_out: output.left_out,
        tail: output.tail.into_iter().map(line).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OutputStream::{Stderr, Stdout};

    fn texts(o: &InterleavedOutput) -> Vec<(OutputStream, &str)> {
        o.lines().map(|l| (l.stream, l.text.as_str())).collect()
    }

    #[test]
    fn lines_from_the_two_pipes_stand_in_the_order_their_newlines_arrived() {
        let mut c = LineCollector::default();
        c.push(Stdout, b"out 1\nout ");
        c.push(Stderr, b"err 1\n");
        c.push(Stdout, b"2\n");
        c.push(Stderr, b"err 2 without newline");
        let o = c.finish();
        assert_eq!(
            texts(&o),
            [
                (Stdout, "out 1"),
                (Stderr, "err 1"),
                (Stdout, "out 2"),
                (Stderr, "err 2 without newline")
            ]
        );
    }

    #[test]
    fn a_flood_keeps_its_first_and_last_lines_and_counts_the_rest() {
        let mut c = LineCollector::default();
        let total = HEAD_LINES + TAIL_LINES + 1000;
        for i in 0..total {
            c.push(Stdout, format!("line {i}\n").as_bytes());
        }
        c.push(Stderr, &vec![b'x'; 3 * LINE_KEPT]);
        c.push(Stderr, b"\n");
        let o = c.finish();
        assert_eq!(o.head.len(), HEAD_LINES);
        assert_eq!(o.tail.len(), TAIL_LINES);
        assert_eq!(o.left_out, 1001);
        assert_eq!(o.head[0].text, "line 0");
        assert_eq!(o.tail[TAIL_LINES - 2].text, format!("line {}", total - 1));
        assert_eq!(o.tail[TAIL_LINES - 1].text.len(), LINE_KEPT);
    }

    #[test]
    fn lines_are_redacted_before_they_are_cut() {
        let redactor = Redactor::new(b"k");
        let secret = "00D5g000004ABCD!AQ0secretsecretsecret";
        redactor.add_secret("access_token", secret);
        let long = format!("{} {secret}", "word".repeat(LINE_SHOWN / 4 - 1));
        let o = InterleavedOutput {
            head: vec![OutputLine {
                stream: Stderr,
                text: long,
                at: None,
            }],
            ..InterleavedOutput::default()
        };
        let shown = redacted(o, &redactor);
        let text = &shown.head[0].text;
        assert!(!text.contains("00D5g"), "{text}");
        assert!(text.ends_with('…'), "{text}");
        assert_eq!(text.chars().count(), LINE_SHOWN + 1);
    }
}
