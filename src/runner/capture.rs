//! What a learner's run printed, read as it streams: each of stdout and stderr kept up to a
//! cap, with its last bytes beside it, and what went past the cap held for judging (up to
//! [`JUDGED_PAST_CAP`]) and scanned for the secrets sflab handed out — never stored.
//!
//! A [`Reader`] reads one pipe on its own task; [`Reader::output`] turns what it kept into the
//! run's [`CapturedOutput`]. Reading never blocks the child: past the cap, bytes are counted
//! and dropped, so a flood costs CPU, not memory.

use super::interleave::SharedLines;
use super::leftovers::Leftover;
use crate::evidence::{CapturedOutput, OutputStream};
use crate::redact::Redactor;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};

/// How long the output pipes are still read after the run's process ended and its group was
/// killed: a process that left the group and kept stdout or stderr open is not waited for
/// longer.
pub const READ_GRACE: Duration = Duration::from_millis(1000);

/// What a reader kept of one stream so far: its first bytes, whether more came, the last
/// bytes of what came after (a program's final error is usually there), how many bytes in
/// all were left out, and the secrets seen past the cap.
#[derive(Debug, Default)]
struct Kept {
    bytes: Vec<u8>,
    truncated: bool,
    tail: std::collections::VecDeque<u8>,
    left_out: usize,
    secrets_after_cap: Vec<(String, usize)>,
    /// The first [`JUDGED_PAST_CAP`] bytes past the cap.
    past: Vec<u8>,
    /// The stream went past [`JUDGED_PAST_CAP`] beyond the cap: `past` holds its first part.
    past_too_long: bool,
}

/// Bytes past the cap held (not stored) for the checks on what a program printed, so an item
/// printed in the part of a long stream that is not kept still counts.
pub const JUDGED_PAST_CAP: usize = 4 * 1024 * 1024;

/// The last bytes of a stream kept beside its first `cap` bytes, once it passed the cap.
pub(super) const TAIL_BYTES: usize = 16 * 1024;

/// What is kept of a stream that printed more than `cap` bytes, as notes word it: `the first
/// 256 KiB and the last 16 KiB` (what came between is scanned for secrets, and up to
/// [`JUDGED_PAST_CAP`] of it is held for the checks on output, but it is not kept).
pub fn kept_of_a_long_stream(cap: usize) -> String {
    format!(
        "the first {} KiB and the last {} KiB",
        cap / 1024,
        TAIL_BYTES / 1024
    )
}

impl Kept {
    /// Holds `past` (bytes beyond the cap) for judging up to [`JUDGED_PAST_CAP`] in all.
    fn hold_for_judging(&mut self, past: &[u8]) {
        let room = JUDGED_PAST_CAP - self.past.len();
        if past.len() > room {
            self.past_too_long = true;
        }
        self.past.extend_from_slice(&past[..past.len().min(room)]);
    }

    /// What the checks on output read of a stream that went past the cap, and how many bytes
    /// of it they cannot read: the kept head, the held part past it and the kept tail; when
    /// more was printed than those hold, the held part ends at its last whole line and the
    /// tail starts at its first, and what came between is counted as unread.
    fn judged(&self) -> (Vec<u8>, u64) {
        let tail: Vec<u8> = self.tail.iter().copied().collect();
        let printed_past = self.left_out + tail.len();
        let mut held: &[u8] = &self.past;
        let mut unread = printed_past.saturating_sub(held.len() + tail.len());
        // The tail goes on from the held part (when they overlap, from where it ends).
        let mut tail_from = (held.len() + tail.len()).saturating_sub(printed_past);
        if unread > 0 {
            let whole_lines = held.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            unread += held.len() - whole_lines;
            held = &held[..whole_lines];
            let first_line = tail
                .iter()
                .position(|&b| b == b'\n')
                .map_or(tail.len(), |i| i + 1);
            unread += first_line;
            tail_from = first_line;
        }
        let mut bytes = [&self.bytes[..], held].concat();
        if unread > 0 && !bytes.ends_with(b"\n") {
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(&tail[tail_from..]);
        (bytes, u64::try_from(unread).unwrap_or(u64::MAX))
    }

    /// Keeps `past` (bytes beyond the cap) in the rolling tail.
    fn keep_tail(&mut self, past: &[u8]) {
        let skip = past.len().saturating_sub(TAIL_BYTES);
        let past = &past[skip..];
        // At most the whole tail, since `past` is no longer than it may be.
        let overflow = (self.tail.len() + past.len()).saturating_sub(TAIL_BYTES);
        self.tail.drain(..overflow);
        self.left_out += skip + overflow;
        self.tail.extend(past);
    }
}

/// Bytes of the previous piece scanned again with the next, so a secret split between two
/// reads is still whole in one scan (the longest secrets sflab learns — JWTs — are shorter).
const SCAN_OVERLAP: usize = 8 * 1024;

/// At most this many secrets are noted past the cap (the rule shows a few anyway).
const SECRETS_NOTED: usize = 20;

/// Scans what streams past the cap for the secrets the redactor knows (in the forms a
/// program prints them), piece by piece, with one automaton rebuilt when it learns more.
struct PastCap {
    redactor: Redactor,
    /// The end of the previous piece, scanned again.
    carry: Vec<u8>,
    /// Lines of the stream before `carry` begins.
    line: usize,
    /// The automaton, the kind of each of its patterns, and the secret count it was built for.
    search: Option<(aho_corasick::AhoCorasick, Vec<String>, usize)>,
}

impl PastCap {
    fn new(redactor: Redactor) -> PastCap {
        PastCap {
            redactor,
            carry: Vec::new(),
            line: 0,
            search: None,
        }
    }

    /// The automaton for what the redactor knows now (None when it knows no leak).
    fn automaton(&mut self) -> Option<&(aho_corasick::AhoCorasick, Vec<String>, usize)> {
        let count = self.redactor.learned_count();
        if self.search.as_ref().is_none_or(|s| s.2 != count) {
            let (kinds, forms): (Vec<String>, Vec<String>) = self
                .redactor
                .printed_forms()
                .into_iter()
                .filter(|(kind, _)| crate::redact::is_leak_kind(kind))
                .unzip();
            self.search = aho_corasick::AhoCorasick::new(&forms)
                .ok()
                .map(|ac| (ac, kinds, count));
        }
        self.search.as_ref().filter(|s| !s.1.is_empty())
    }

    fn scan(&mut self, piece: &[u8], kept: &SharedKept) {
        let mut window = std::mem::take(&mut self.carry);
        window.extend_from_slice(piece);
        let line = self.line;
        let found: Vec<(String, usize)> = match self.automaton() {
            Some((ac, kinds, _)) => ac
                .find_iter(&window)
                .map(|m| {
                    let before = window[..m.start()].iter().filter(|&&b| b == b'\n').count();
                    (kinds[m.pattern().as_usize()].clone(), line + before + 1)
                })
                .collect(),
            None => Vec::new(),
        };
        if !found.is_empty() {
            let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
            for f in found {
                if kept.secrets_after_cap.len() < SECRETS_NOTED
                    && !kept.secrets_after_cap.contains(&f)
                {
                    kept.secrets_after_cap.push(f);
                }
            }
        }
        let keep_from = window.len().saturating_sub(SCAN_OVERLAP);
        self.line += window[..keep_from].iter().filter(|&&b| b == b'\n').count();
        self.carry = window[keep_from..].to_vec();
    }
}

type SharedKept = Arc<Mutex<Kept>>;

/// Keeps the first `cap` bytes of a stream in `kept` as they arrive; the rest is dropped, but
/// with a redactor it is scanned for secrets first. What was read stays in `kept` when the
/// reader is abandoned.
async fn capture<R: AsyncRead + Unpin>(
    mut reader: R,
    cap: usize,
    kept: SharedKept,
    scan: Option<Redactor>,
    lines: Option<(SharedLines, OutputStream)>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut past_cap = scan.map(PastCap::new);
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if let Some((lines, stream)) = &lines {
                    let mut lines = lines.lock().unwrap_or_else(|e| e.into_inner());
                    lines.push(*stream, &buf[..n]);
                }
                let mut k = kept.lock().unwrap_or_else(|e| e.into_inner());
                let room = cap.saturating_sub(k.bytes.len());
                k.bytes.extend_from_slice(&buf[..n.min(room)]);
                if n <= room {
                    continue;
                }
                k.truncated = true;
                k.keep_tail(&buf[n.min(room)..n]);
                k.hold_for_judging(&buf[n.min(room)..n]);
                if let Some(p) = past_cap.as_mut() {
                    if p.carry.is_empty() && p.line == 0 {
                        // The scan starts with the kept part's last lines, so a secret that
                        // straddles the cap is seen whole; its lines are counted from there.
                        let from = k.bytes.len().saturating_sub(SCAN_OVERLAP);
                        p.line = k.bytes[..from].iter().filter(|&&b| b == b'\n').count();
                        p.carry = k.bytes[from..].to_vec();
                    }
                    drop(k);
                    p.scan(&buf[n.min(room)..n], &kept);
                }
            }
        }
    }
}

/// A stream's reader and what it has kept.
pub(super) struct Reader {
    task: Option<tokio::task::JoinHandle<()>>,
    kept: SharedKept,
    /// The inode of the pipe read, to find who still holds it open.
    pipe: Option<u64>,
    /// The processes that still held the pipe open when reading stopped.
    holders: Vec<Leftover>,
}

/// A stream whose pipe can be named (its inode), for the held-open note.
pub(super) trait PipeSource {
    fn pipe_inode(&self) -> Option<u64>;
}

#[cfg(unix)]
impl<T: std::os::fd::AsRawFd> PipeSource for T {
    fn pipe_inode(&self) -> Option<u64> {
        super::leftovers::pipe_inode(self.as_raw_fd())
    }
}

#[cfg(not(unix))]
impl<T> PipeSource for T {
    fn pipe_inode(&self) -> Option<u64> {
        None
    }
}

impl Reader {
    /// Reads `stream` on a task of its own; with `lines`, it also hands what it reads to the
    /// run's interleaved record as that pipe ([`super::interleave`]).
    pub(super) fn start<R: AsyncRead + Unpin + Send + PipeSource + 'static>(
        stream: Option<R>,
        cap: usize,
        scan: Option<Redactor>,
        lines: Option<(SharedLines, OutputStream)>,
    ) -> Reader {
        let kept = SharedKept::default();
        let pipe = stream.as_ref().and_then(PipeSource::pipe_inode);
        let task = stream.map(|s| tokio::spawn(capture(s, cap, kept.clone(), scan, lines)));
        Reader {
            task,
            kept,
            pipe,
            holders: Vec::new(),
        }
    }

    /// Waits until `deadline` for the stream to close; true when it did. Either way the
    /// reader stops and what it read so far is kept; when it did not close, the processes
    /// still holding it open are noted first ([`Reader::holders`]).
    pub(super) async fn finish(&mut self, deadline: tokio::time::Instant) -> bool {
        let Some(task) = self.task.as_mut() else {
            return true;
        };
        let closed = tokio::time::timeout_at(deadline, &mut *task).await.is_ok();
        if !closed {
            if let Some(inode) = self.pipe {
                self.holders =
                    tokio::task::spawn_blocking(move || super::leftovers::pipe_holders(inode))
                        .await
                        .unwrap_or_default();
            }
            task.abort();
        }
        closed
    }

    /// The processes that still held the stream open when reading stopped.
    pub(super) fn holders(&self) -> &[Leftover] {
        &self.holders
    }

    pub(super) fn output(&self) -> CapturedOutput {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = to_output(&kept);
        out.secrets_after_cap = kept.secrets_after_cap.clone();
        out
    }
}

/// The run note for output pipes a leftover process still held when reading stopped; it
/// names the processes found holding them (`holders`), which are still running: they left the
/// run's marker behind, so the sweep could not find them.
pub(super) fn held_open_note(streams: &[&str], holders: &[Leftover]) -> String {
    let mut holders = holders.to_vec();
    holders.sort_by_key(|p| p.pid);
    holders.dedup();
    let who = if holders.is_empty() {
        String::new()
    } else {
        let pids: Vec<String> = holders.iter().map(|p| p.pid.to_string()).collect();
        format!(
            " It is still running, outside sflab's reach (it dropped {}): {}. End it with `kill {}`.",
            super::leftovers::RUN_MARKER_VAR,
            super::leftovers::listed_for_note(&holders),
            pids.join(" ")
        )
    };
    format!(
        "A process it started kept its {} open after `./run` ended; sflab stopped reading {} ms later and judged what was printed until then.{who}",
        streams.join(" and "),
        READ_GRACE.as_millis()
    )
}

/// The text of what a stream kept: its first part and, when it went past the cap, a line
/// saying how much was left out, then its last part from the first whole line on.
fn to_output(kept: &Kept) -> CapturedOutput {
    let mut text = String::from_utf8_lossy(&kept.bytes).into_owned();
    if kept.truncated {
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let tail: Vec<u8> = kept.tail.iter().copied().collect();
        // A cut line's rest is left out with what came before it.
        let from = match tail.iter().position(|&b| b == b'\n') {
            Some(i) if kept.left_out > 0 || !kept.bytes.ends_with(b"\n") => i + 1,
            _ => 0,
        };
        let left_out = kept.left_out + from;
        if left_out > 0 {
            text.push_str(&format!(
                "… {left_out} bytes left out here: sflab keeps {} of what a run prints.\n",
                kept_of_a_long_stream(kept.bytes.len())
            ));
        }
        text.push_str(&String::from_utf8_lossy(&tail[from..]));
        let (whole, unread) = kept.judged();
        return CapturedOutput {
            text,
            truncated: true,
            left_out: u64::try_from(left_out).unwrap_or(u64::MAX),
            whole: Some(String::from_utf8_lossy(&whole).into_owned()),
            unread,
            ..CapturedOutput::default()
        };
    }
    CapturedOutput {
        text,
        truncated: kept.truncated,
        ..CapturedOutput::default()
    }
}
