//! Running the learner's entry point as a real process: its own process group, a timeout that
//! kills the whole group and what it started elsewhere, and stdout/stderr captured up to a cap.
//!
//! Implementation notes:
//! - The child gets a new process group (`process_group(0)`, like `setsid` for signals), so a
//!   timeout's `killpg(SIGKILL)` also reaches everything it started (`curl` in a pipeline,
//!   `sleep` in a retry loop). After a normal exit the group is killed too, so a background job
//!   left behind cannot keep the pipes open or outlive the check.
//! - A process that left the group (`setsid`, a daemon) is found by the run's marker in its
//!   environment and killed too ([`super::leftovers`]); run notes name what was ended, and
//!   what could not be ([`LearnerRun::leftovers`]).
//! - Output beyond the cap is never stored: a flood costs CPU, not memory, and the child never
//!   blocks on a full pipe. Up to [`JUDGED_PAST_CAP`] bytes past the cap are held until the
//!   attempt is judged, so the checks on what a program printed read the whole stream
//!   ([`CapturedOutput::whole`]); beyond that the rest is thrown away and those checks say
//!   what they could not read.
//! - Readers are given a short grace period ([`READ_GRACE`]) after the group is killed; a
//!   grandchild that moved itself to another session and kept the pipe open cannot hang the
//!   runner. What was read until then is kept and judged, and a run note says the pipe was
//!   held open.
//! - A `run` without the execute bit is started the way the kernel would start it, by the
//!   interpreter its `#!` line names (plus that line's one argument), or by `sh` when it has
//!   none; the run says so ([`LearnerRun::started_with`]).
//! - On Linux the learner's process is started under a keeper ([`keeper`]): a process of the
//!   same group that waits for it and exits the same way, ignoring SIGTERM, SIGHUP, SIGINT and
//!   SIGQUIT. The learner's `$PPID` is the keeper, not sflab, so `kill -TERM $PPID` in a
//!   submission cannot end `sflab grade` (or `sflab check`); the group kill still ends both.
//!   When sflab itself dies without cleaning up (`kill -9`), the keeper kills the group.

use super::leftovers::{end_marked, Marker, RUN_MARKER_VAR};
use super::shebang::{entry_command, EntryCommand};
use crate::evidence::{CapturedOutput, LearnerRun};
use crate::redact::Redactor;
use chrono::Utc;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

/// The default cap on each of stdout and stderr.
pub const DEFAULT_OUTPUT_CAP: usize = 256 * 1024;

/// What to start and under which limits.
#[derive(Debug, Clone)]
pub struct ProcessSpec {
    /// The lab folder; the entry point is `./run` inside it.
    pub dir: PathBuf,
    /// Environment variables set for the child (on top of the filtered inherited ones).
    pub env: Vec<(String, String)>,
    /// Inherited variables to remove (e.g. the learner's own `SF_*` or `HTTPS_PROXY`).
    pub remove_env: Vec<String>,
    pub timeout: Duration,
    /// Bytes kept of each of stdout and stderr.
    pub output_cap: usize,
    /// Looks for the secrets it knows in what streams past the cap (see [`capture`]), so a
    /// secret printed after a flood still counts as printed.
    pub scan_past_cap: Option<Redactor>,
    /// Start from an empty environment (grading): only `PATH`, a `HOME` and `TMPDIR` inside
    /// the lab folder's parent, `LANG`, and `env` are set; nothing of the caller's leaks in.
    pub clean_env: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("there is no `run` file in {0}: the lab's entry point is `./run` in the lab folder. `sflab reset <lab>` restores the starter files.")]
    NoEntryPoint(PathBuf),
    #[error("could not start `./run` in {dir}: {source}. Check that its first line names an interpreter that exists (for example `#!/usr/bin/env bash`).")]
    Spawn {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("could not start `./run` in {0}: its first line ends with a Windows line ending (CR LF), so the system looks for an interpreter whose name ends in a carriage return. Save the file with LF line endings (`dos2unix run`, or `sed -i 's/\\r$//' run`).")]
    WindowsLineEnding(PathBuf),
}

/// The run note of a failed `./run` saved with Windows line endings: the shell or `env` then
/// reads `bash\r`, `pipefail\r`… and fails with a message that does not say why.
const WINDOWS_LINE_ENDINGS_NOTE: &str = "./run is saved with Windows line endings (CR LF): its lines end in a carriage return, which the shell reads as part of each command (`bash\\r: No such file or directory`, `pipefail\\r: invalid option`). Save it with LF line endings (`dos2unix run`, or `sed -i 's/\\r$//' run`).";

/// The run note of a failed `./run` with no `#!` line: the system then runs it with `/bin/sh`,
/// which is not bash on many systems (`set -o pipefail`, `[[ … ]]` and arrays fail).
const NO_SHEBANG_NOTE: &str = "./run has no `#!` first line, so it ran under /bin/sh, which on this system may not be bash: bash features such as `set -o pipefail`, `[[ … ]]` and arrays fail there. Make its first line name the interpreter, for example `#!/usr/bin/env bash` (or `#!/usr/bin/env python3`, `#!/usr/bin/env node`).";

/// The first bytes of `entry` (as much as the kernel reads of a `#!` line).
fn head_of(entry: &Path) -> Vec<u8> {
    use std::io::Read;
    let mut head = [0u8; 256];
    let n = std::fs::File::open(entry)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    head[..n].to_vec()
}

/// Whether the first line of `entry` is a `#!` line ending in a carriage return (a file saved
/// with Windows line endings), which the kernel reads as part of the interpreter's name.
fn shebang_ends_in_cr(entry: &Path) -> bool {
    let head = head_of(entry);
    let line = head.split(|&b| b == b'\n').next().unwrap_or(&[]);
    head.starts_with(b"#!") && line.ends_with(b"\r")
}

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
const TAIL_BYTES: usize = 16 * 1024;

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
) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut past_cap = scan.map(PastCap::new);
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
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
struct Reader {
    task: Option<tokio::task::JoinHandle<()>>,
    kept: SharedKept,
}

impl Reader {
    fn start<R: AsyncRead + Unpin + Send + 'static>(
        stream: Option<R>,
        cap: usize,
        scan: Option<Redactor>,
    ) -> Reader {
        let kept = SharedKept::default();
        let task = stream.map(|s| tokio::spawn(capture(s, cap, kept.clone(), scan)));
        Reader { task, kept }
    }

    /// Waits until `deadline` for the stream to close; true when it did. Either way the
    /// reader stops and what it read so far is kept.
    async fn finish(&mut self, deadline: tokio::time::Instant) -> bool {
        let Some(task) = self.task.as_mut() else {
            return true;
        };
        let closed = tokio::time::timeout_at(deadline, &mut *task).await.is_ok();
        if !closed {
            task.abort();
        }
        closed
    }

    fn output(&self) -> CapturedOutput {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = to_output(&kept);
        out.secrets_after_cap = kept.secrets_after_cap.clone();
        out
    }
}

/// The run note for output pipes a leftover process still held when reading stopped.
fn held_open_note(streams: &[&str]) -> String {
    format!(
        "A process it started kept its {} open after `./run` ended; sflab stopped reading {} ms later and judged what was printed until then.",
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

#[cfg(unix)]
fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: killpg only sends a signal; a stale group id yields ESRCH, which is ignored.
        unsafe {
            libc::killpg(pid, libc::SIGKILL);
        }
    }
}

#[cfg(not(unix))]
fn kill_group(_pid: Option<u32>) {}

#[cfg(unix)]
const SIGNAL_TERM: i32 = libc::SIGTERM;
#[cfg(not(unix))]
const SIGNAL_TERM: i32 = 15;

#[cfg(unix)]
fn signal_group(pid: Option<u32>, signal: i32) {
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: killpg only sends a signal; a stale group id yields ESRCH, which is ignored.
        unsafe {
            libc::killpg(pid, signal);
        }
    }
}

#[cfg(not(unix))]
fn signal_group(_pid: Option<u32>, _signal: i32) {}

/// Kills the child's process group, and what it started outside the group, when dropped, so
/// an attempt abandoned half-way (Ctrl-C in `sflab check` or `sflab grade`, the TUI cancelling
/// a run) leaves nothing running.
struct GroupGuard {
    pid: Option<u32>,
    marker: Marker,
    /// Set once the run's leftovers were looked for: nothing is left to do on drop.
    swept: bool,
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        kill_group(self.pid);
        if !self.swept {
            end_marked(&self.marker, self.pid);
        }
    }
}

/// Runs `./run` once (when it is not executable, by the interpreter its `#!` line names, else
/// `sh`) and reports what happened.
pub async fn run_entry_point(spec: &ProcessSpec, index: usize) -> Result<LearnerRun, ProcessError> {
    run_entry_point_until(spec, index, std::future::pending::<Stop>()).await
}

/// How the runner ends a learner's process before it exits on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Ask the process group to end (SIGTERM, then SIGKILL after a short grace): how a
    /// learner's long-running service is ended once the org has called it.
    Term,
    /// Kill the whole process group at once (SIGKILL, like a crash): how a scenario tests that
    /// a consumer resumes where it left off.
    Kill,
}

/// Like [`run_entry_point`], but when `stop` completes first the process group is ended the
/// way it says. Such a run is not marked as timed out; a killed run reports its signal and no
/// exit code.
pub async fn run_entry_point_until(
    spec: &ProcessSpec,
    index: usize,
    stop: impl std::future::Future<Output = Stop>,
) -> Result<LearnerRun, ProcessError> {
    let entry = spec.dir.join("run");
    if !entry.is_file() {
        return Err(ProcessError::NoEntryPoint(spec.dir.clone()));
    }
    let EntryCommand {
        program,
        args,
        started_with,
    } = entry_command(&entry);
    let mut cmd = Command::new(program);
    cmd.args(args);
    cmd.current_dir(&spec.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if spec.clean_env {
        cmd.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        let home = spec.dir.parent().unwrap_or(&spec.dir);
        cmd.env("HOME", home)
            .env("TMPDIR", home)
            .env("LANG", "C.UTF-8");
    }
    for k in &spec.remove_env {
        cmd.env_remove(k);
    }
    for (k, v) in &spec.env {
        cmd.env(k, v);
    }
    let marker = Marker::new_run();
    cmd.env(RUN_MARKER_VAR, marker.value());
    #[cfg(unix)]
    cmd.process_group(0);
    #[cfg(target_os = "linux")]
    // SAFETY: `keeper` makes only async-signal-safe calls (see its notes).
    unsafe {
        cmd.pre_exec(keeper);
    }

    let started_at = Utc::now();
    let clock = Instant::now();
    let mut child = cmd.spawn().map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound && shebang_ends_in_cr(&entry) {
            ProcessError::WindowsLineEnding(spec.dir.clone())
        } else {
            ProcessError::Spawn {
                dir: spec.dir.clone(),
                source,
            }
        }
    })?;
    let pid = child.id();
    let mut group = GroupGuard {
        pid,
        marker: marker.clone(),
        swept: false,
    };
    let cap = spec.output_cap;
    let scan = spec.scan_past_cap.clone();
    let mut out = Reader::start(child.stdout.take(), cap, scan.clone());
    let mut err = Reader::start(child.stderr.take(), cap, scan);

    let (status, timed_out) = tokio::select! {
        status = child.wait() => (status.ok(), false),
        _ = tokio::time::sleep(spec.timeout) => {
            kill_group(pid);
            (child.wait().await.ok(), true)
        }
        how = stop => {
            if how == Stop::Term {
                signal_group(pid, SIGNAL_TERM);
            } else {
                kill_group(pid);
            }
            match tokio::time::timeout(Duration::from_secs(2), child.wait()).await {
                Ok(status) => (status.ok(), false),
                Err(_) => {
                    kill_group(pid);
                    (child.wait().await.ok(), false)
                }
            }
        }
    };
    let duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
    kill_group(pid);
    let sweep = tokio::task::spawn_blocking(move || end_marked(&marker, pid))
        .await
        .unwrap_or_default();
    group.swept = true;

    let deadline = tokio::time::Instant::now() + READ_GRACE;
    let (out_closed, err_closed) = tokio::join!(out.finish(deadline), err.finish(deadline));
    let held: Vec<&str> = [(out_closed, "stdout"), (err_closed, "stderr")]
        .into_iter()
        .filter(|(closed, _)| !closed)
        .map(|(_, name)| name)
        .collect();
    let mut notes = sweep.notes();
    if !held.is_empty() {
        notes.push(held_open_note(&held));
    }
    let stdout = out.output();
    let stderr = err.output();
    let failed = timed_out || status.is_none_or(|s| !s.success());
    if failed && shebang_ends_in_cr(&entry) {
        notes.push(WINDOWS_LINE_ENDINGS_NOTE.into());
    }
    let head = head_of(&entry);
    if failed && !head.is_empty() && !head.starts_with(b"#!") {
        notes.push(NO_SHEBANG_NOTE.into());
    }

    #[cfg(unix)]
    let signal = {
        use std::os::unix::process::ExitStatusExt;
        status.and_then(|s| s.signal())
    };
    #[cfg(not(unix))]
    let signal = None;

    Ok(LearnerRun {
        index,
        started_at: Some(started_at),
        duration_ms,
        exit_code: status.and_then(|s| s.code()),
        signal,
        timed_out,
        stdout,
        stderr,
        notes,
        stopped_by_lab: false,
        started_with,
        leftovers: sweep.survivors.iter().map(|p| p.to_string()).collect(),
    })
}

/// Runs in the forked child before `exec`: forks again; the new child goes on to become the
/// learner's process, while this one becomes its keeper (see the module notes) and never
/// returns.
///
/// Implementation notes: between fork and exec only async-signal-safe calls are allowed, so
/// the second fork is the raw `clone` system call (glibc's `fork` takes allocator locks a
/// thread of the parent may have held), and the keeper uses only system calls. It closes every
/// descriptor but stdio at once, so `spawn` sees the learner's `exec` (or its error) on its
/// close-on-exec pipe instead of waiting for the keeper. A learner's process killed by a
/// signal is mirrored by the keeper killing itself the same way, core dumps off. The keeper
/// polls (every 50 ms) rather than blocks, to notice sflab dying: it then kills its process
/// group, the learner's process and what it started (`getppid`, not `PR_SET_PDEATHSIG`, which
/// fires when the spawning *thread* ends, and tokio's threads come and go).
#[cfg(target_os = "linux")]
fn keeper() -> std::io::Result<()> {
    // SAFETY: raw system calls on values this function owns; see the notes above.
    unsafe {
        let sflab = libc::getppid();
        // The signals the keeper ignores are blocked across the clone: one the learner sends
        // its $PPID before the keeper ignores them stays pending, and is then discarded.
        let mut kept: libc::sigset_t = std::mem::zeroed();
        let mut before: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut kept);
        for sig in [libc::SIGTERM, libc::SIGHUP, libc::SIGINT, libc::SIGQUIT] {
            libc::sigaddset(&mut kept, sig);
        }
        libc::sigprocmask(libc::SIG_BLOCK, &kept, &mut before);
        let flags = libc::SIGCHLD as libc::c_long;
        let pid = libc::syscall(libc::SYS_clone, flags, 0 as libc::c_long, 0, 0, 0);
        if pid < 0 {
            libc::sigprocmask(libc::SIG_SETMASK, &before, std::ptr::null_mut());
            return Err(std::io::Error::last_os_error());
        }
        if pid == 0 {
            // The learner's process starts with the signal mask sflab gave it.
            libc::sigprocmask(libc::SIG_SETMASK, &before, std::ptr::null_mut());
            return Ok(());
        }
        let pid = pid as libc::pid_t;
        if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) != 0 {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
            let top = libc::c_int::try_from(limit.rlim_cur.min(65_536)).unwrap_or(65_536);
            for fd in 3..top {
                libc::close(fd);
            }
        }
        for sig in [libc::SIGTERM, libc::SIGHUP, libc::SIGINT, libc::SIGQUIT] {
            libc::signal(sig, libc::SIG_IGN);
        }
        libc::sigprocmask(libc::SIG_SETMASK, &before, std::ptr::null_mut());
        let mut status: libc::c_int = 0;
        let pause = libc::timespec {
            tv_sec: 0,
            tv_nsec: 50_000_000,
        };
        loop {
            let r = libc::waitpid(pid, &mut status, libc::WNOHANG);
            if r == pid {
                break;
            }
            if r < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                libc::_exit(127);
            }
            // sflab died without killing the group (SIGKILL, a crash): nobody enforces the
            // lab's time limit any more, so the run ends now, with everything it started.
            if libc::getppid() != sflab {
                libc::kill(0, libc::SIGKILL);
                libc::_exit(137);
            }
            libc::nanosleep(&pause, std::ptr::null_mut());
        }
        if libc::WIFSIGNALED(status) {
            let sig = libc::WTERMSIG(status);
            let no_core = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &no_core);
            libc::signal(sig, libc::SIG_DFL);
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, sig);
            libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
            libc::kill(libc::getpid(), sig);
            libc::_exit(128 + sig);
        }
        libc::_exit(if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            127
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(script: &str, executable: bool) -> (tempfile::TempDir, ProcessSpec) {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("run"), script).unwrap();
        #[cfg(unix)]
        if executable {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(t.path().join("run"), std::fs::Permissions::from_mode(0o755))
                .unwrap();
        }
        let spec = ProcessSpec {
            dir: t.path().to_path_buf(),
            env: vec![("LAB_GREETING".into(), "hello".into())],
            remove_env: vec![],
            timeout: Duration::from_secs(10),
            output_cap: 1024,
            scan_past_cap: None,
            clean_env: false,
        };
        (t, spec)
    }

    fn run(spec: &ProcessSpec) -> LearnerRun {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(run_entry_point(spec, 0)).unwrap()
    }

    #[test]
    fn a_service_is_asked_to_stop_and_is_not_marked_timed_out() {
        let (_t, spec) = lab(
            "#!/bin/sh\ntrap 'echo stopping; exit 0' TERM\necho up\nwhile true; do sleep 0.1; done\n",
            true,
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let started = Instant::now();
        let r = rt
            .block_on(async {
                let stop = async {
                    tokio::time::sleep(Duration::from_millis(400)).await;
                    Stop::Term
                };
                run_entry_point_until(&spec, 0, stop).await
            })
            .unwrap();
        assert!(!r.timed_out);
        assert!(r.stdout.text.contains("up"), "{r:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn an_executable_run_saved_with_windows_line_endings_is_named_as_such() {
        let (_t, spec) = lab("#!/bin/sh\r\necho hi\r\n", true);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let err = rt.block_on(run_entry_point(&spec, 0)).unwrap_err();
        assert!(matches!(err, ProcessError::WindowsLineEnding(_)), "{err}");
        assert!(
            err.to_string().contains("Windows line ending (CR LF)")
                && err.to_string().contains("dos2unix run"),
            "{err}"
        );
    }

    #[test]
    fn a_failed_run_saved_with_windows_line_endings_says_so_in_a_note() {
        let (_t, spec) = lab("#!/usr/bin/env sh\r\necho hi\r\n", true);
        let r = run(&spec);
        assert!(!r.succeeded(), "{r:?}");
        assert!(
            r.notes
                .iter()
                .any(|n| n.contains("Windows line endings (CR LF)")),
            "{:?}",
            r.notes
        );
    }

    #[test]
    fn a_failed_run_without_a_shebang_line_says_it_ran_under_sh() {
        let (_t, spec) = lab("echo hi\nexit 3\n", true);
        let r = run(&spec);
        assert_eq!(r.exit_code, Some(3), "{r:?}");
        assert!(
            r.notes.iter().any(|n| n.contains("no `#!` first line")),
            "{:?}",
            r.notes
        );
        // A run that succeeds needs no advice.
        let (_t, spec) = lab("echo hi\n", true);
        assert!(run(&spec).notes.is_empty());
    }

    #[test]
    fn exit_code_stdout_stderr_and_environment_are_captured() {
        let (_t, spec) = lab(
            "#!/bin/sh\necho \"$LAB_GREETING\"\necho oops >&2\nexit 3\n",
            true,
        );
        let r = run(&spec);
        assert_eq!(r.exit_code, Some(3));
        assert!(!r.succeeded());
        assert_eq!(r.stdout.text, "hello\n");
        assert_eq!(r.stderr.text, "oops\n");
        assert!(!r.timed_out);
    }

    #[test]
    fn a_clean_environment_holds_only_path_home_and_the_labs_variables() {
        let (_t, mut spec) = lab("#!/bin/sh\nenv | cut -d= -f1 | sort\n", true);
        spec.clean_env = true;
        std::env::set_var("SFLAB_PROCESS_TEST_LEAK", "1");
        let r = run(&spec);
        let names: Vec<&str> = r.stdout.text.lines().collect();
        assert!(names.contains(&"LAB_GREETING"), "{names:?}");
        assert!(
            names.contains(&"PATH") && names.contains(&"HOME"),
            "{names:?}"
        );
        assert!(!names.contains(&"SFLAB_PROCESS_TEST_LEAK"), "{names:?}");
        let (t2, mut spec2) = lab("#!/bin/sh\nprintf %s \"$HOME\"\n", true);
        spec2.clean_env = true;
        let r2 = run(&spec2);
        let parent = t2.path().parent().unwrap().display().to_string();
        assert_eq!(r2.stdout.text, parent, "HOME is the lab folder's parent");
    }

    #[test]
    fn a_run_file_without_the_executable_bit_or_a_shebang_is_started_with_sh() {
        let (_t, spec) = lab("echo via-sh\n", false);
        let r = run(&spec);
        assert!(r.succeeded());
        assert_eq!(r.stdout.text, "via-sh\n");
        assert_eq!(r.started_with.as_deref(), Some("sh"));
    }

    #[test]
    fn a_run_file_without_the_executable_bit_is_started_by_its_shebang_interpreter() {
        let (_t, spec) = lab(
            "#!/usr/bin/env bash\nset -o pipefail\necho \"${BASH_VERSION:+bash}\"\n",
            false,
        );
        let r = run(&spec);
        assert!(r.succeeded(), "{r:?}");
        assert_eq!(r.stdout.text, "bash\n");
        assert_eq!(r.started_with.as_deref(), Some("/usr/bin/env bash"));
        let (_t, spec) = lab("#!/bin/sh\necho direct\n", true);
        assert_eq!(run(&spec).started_with, None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_learners_parent_is_a_keeper_not_sflab() {
        let (_t, spec) = lab("#!/bin/sh\necho $PPID\n", true);
        let r = run(&spec);
        let parent: u32 = r.stdout.text.trim().parse().unwrap();
        assert_ne!(parent, std::process::id());
        // Signals to that parent are ignored by the keeper and never reach sflab.
        let (_t, spec) = lab(
            "#!/bin/sh\nkill -TERM $PPID; kill -HUP $PPID; kill -INT $PPID\nsleep 0.2\necho alive\n",
            true,
        );
        let r = run(&spec);
        assert!(r.succeeded(), "{r:?}");
        assert_eq!(r.stdout.text, "alive\n");
    }

    const ORPHAN_ENV: &str = "SFLAB_PROCESS_KILLED_PARENT_DIR";

    /// The learner's process, and what it started, end soon after sflab is killed with
    /// SIGKILL, though its time limit is far off (this test runs itself as that sflab).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_run_ends_when_sflab_is_killed_without_cleaning_up() {
        if let Ok(dir) = std::env::var(ORPHAN_ENV) {
            let spec = ProcessSpec {
                dir: PathBuf::from(dir),
                env: vec![],
                remove_env: vec![],
                timeout: Duration::from_secs(300),
                output_cap: 1024,
                scan_past_cap: None,
                clean_env: false,
            };
            run(&spec);
            return;
        }
        let (t, _) = lab(
            "#!/bin/sh
(sleep 300) &
echo $! > child.pid
echo $$ > run.pid
sleep 300
",
            true,
        );
        let mut sflab = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "runner::process::tests::a_run_ends_when_sflab_is_killed_without_cleaning_up",
                "--exact",
                "--test-threads=1",
            ])
            .env(ORPHAN_ENV, t.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid_of = |name: &str| -> Option<i32> {
            std::fs::read_to_string(t.path().join(name))
                .ok()?
                .trim()
                .parse()
                .ok()
        };
        let started = Instant::now();
        while (pid_of("run.pid").is_none() || pid_of("child.pid").is_none())
            && started.elapsed() < Duration::from_secs(20)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        let (run_pid, child_pid) = (pid_of("run.pid").unwrap(), pid_of("child.pid").unwrap());
        // SAFETY: signals to processes this test started.
        unsafe { libc::kill(sflab.id() as i32, libc::SIGKILL) };
        sflab.wait().unwrap();
        // Gone: no such process, or a zombie waiting for init to reap it.
        let alive = |pid: i32| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .map(|stat| !stat.contains(") Z "))
                .unwrap_or(false)
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while (alive(run_pid) || alive(child_pid)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(run_pid), "the learner's run outlived sflab");
        assert!(!alive(child_pid), "what the run started outlived sflab");
    }

    #[test]
    fn a_run_ended_by_a_signal_reports_that_signal() {
        let (_t, spec) = lab("#!/bin/sh\nkill -TERM $$\nsleep 5\n", true);
        let r = run(&spec);
        assert_eq!((r.exit_code, r.signal), (None, Some(libc::SIGTERM)));
    }

    #[test]
    fn a_hanging_script_and_its_children_are_killed_at_the_timeout() {
        let (t, mut spec) = lab(
            "#!/bin/sh\n(sleep 30; echo late > late.txt) &\nsleep 30\n",
            true,
        );
        spec.timeout = Duration::from_millis(400);
        let started = Instant::now();
        let r = run(&spec);
        assert!(r.timed_out);
        assert_eq!(r.exit_code, None);
        assert_eq!(r.signal, Some(libc::SIGKILL));
        assert!(started.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(200));
        assert!(!t.path().join("late.txt").exists());
    }

    #[test]
    fn a_stopped_run_is_killed_with_its_children_and_is_not_a_timeout() {
        let (t, spec) = lab(
            "#!/bin/sh\necho started\n(sleep 30; echo late > late.txt) &\nsleep 30\n",
            true,
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let started = Instant::now();
        let r = rt
            .block_on(run_entry_point_until(&spec, 2, async {
                tokio::time::sleep(Duration::from_millis(400)).await;
                Stop::Kill
            }))
            .unwrap();
        assert!(!r.timed_out);
        assert_eq!(r.index, 2);
        assert_eq!(r.signal, Some(libc::SIGKILL));
        assert_eq!(r.stdout.text, "started\n");
        assert!(started.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(200));
        assert!(!t.path().join("late.txt").exists());
    }

    #[test]
    fn a_secret_printed_after_a_flood_is_seen_as_it_streams_past_the_cap() {
        let token = "00D5g000004XyzA!AQ8AQHc2.aTokenPrintedLate_0001";
        let (_t, mut spec) = lab(
            &format!(
                "#!/bin/sh\nyes flood | head -n 3000\necho \"token={token}\"\nyes more | head -n 5000\necho \"split {}\"\n",
                &token[..20]
            ),
            true,
        );
        let redactor = Redactor::new(b"k");
        redactor.add_secret("access_token", token);
        spec.scan_past_cap = Some(redactor);
        let r = run(&spec);
        assert!(r.stdout.truncated);
        assert!(
            !r.stdout.text.contains("token="),
            "the line itself is not kept (neither in the first part nor in the last)"
        );
        assert_eq!(
            r.stdout.secrets_after_cap,
            vec![("access_token".to_string(), 3001)],
            "found once, on its line of the whole stream"
        );
        // Without a redactor nothing is scanned.
        let (_t, spec) = lab(
            &format!("#!/bin/sh\nyes flood | head -n 3000\necho \"token={token}\"\n"),
            true,
        );
        assert!(run(&spec).stdout.secrets_after_cap.is_empty());
    }

    #[test]
    fn a_flood_of_output_keeps_its_start_and_its_end_and_says_what_was_left_out() {
        let (_t, spec) = lab(
            "#!/bin/sh\nyes flood | head -n 800000\necho 'FATAL: the real error'\necho done >&2\n",
            true,
        );
        let r = run(&spec);
        assert!(r.succeeded());
        assert!(r.stdout.truncated);
        assert!(r.stdout.text.len() < 1024 + TAIL_BYTES + 200);
        assert!(r.stdout.text.starts_with("flood\nflood\n"));
        assert!(
            r.stdout
                .text
                .contains("bytes left out here: sflab keeps the first 1 KiB and the last 16 KiB"),
            "{}",
            &r.stdout.text[..1200]
        );
        assert!(r.stdout.text.ends_with("flood\nFATAL: the real error\n"));
        assert_eq!(r.stderr.text, "done\n");
    }

    #[test]
    fn a_long_stream_is_held_whole_for_judging_but_kept_cut() {
        let (_t, spec) = lab(
            "#!/bin/sh\nseq 1 60000\necho 'Kestrel Air'\nseq 1 5000\n",
            true,
        );
        let r = run(&spec);
        assert!(r.stdout.truncated);
        assert!(!r.stdout.text.contains("Kestrel Air"), "not kept");
        assert!(r.stdout.left_out > 0);
        let whole = r.stdout.whole.as_deref().expect("held for judging");
        assert!(whole.starts_with("1\n2\n") && whole.ends_with("4999\n5000\n"));
        assert!(whole.contains("\n60000\nKestrel Air\n1\n"));
        assert_eq!(r.stdout.unjudged_bytes(), 0);
        assert_eq!(r.stdout.judged_text(), whole);
    }

    #[test]
    fn a_stream_too_long_to_hold_is_judged_on_its_first_held_part_and_counts_the_rest() {
        // 300 KB of lines, the item, then more lines than sflab holds, then a last line.
        let (_t, spec) = lab(
            "#!/bin/sh\nseq 1 60000\necho 'Kestrel Air'\nseq 1 700000\necho end\n",
            true,
        );
        let r = run(&spec);
        assert!(r.stdout.truncated);
        assert!(!r.stdout.text.contains("Kestrel Air"), "not kept");
        let whole = r
            .stdout
            .whole
            .as_deref()
            .expect("its first part held for judging");
        assert!(
            whole.contains("\n60000\nKestrel Air\n1\n"),
            "the item counts"
        );
        assert!(whole.ends_with("699999\n700000\nend\n"), "so does the tail");
        let unread = r.stdout.unjudged_bytes();
        let printed = r.stdout.left_out + r.stdout.text.len() as u64;
        assert!(
            unread > 0 && unread < printed - JUDGED_PAST_CAP as u64,
            "{unread}"
        );
        // Whole lines only on each side of what was not read.
        assert!(whole
            .lines()
            .filter(|l| !["Kestrel Air", "end"].contains(l))
            .all(|l| l.parse::<u64>().is_ok()));
        assert_eq!(r.stdout.judged_text(), whole);
    }

    #[test]
    fn one_line_too_long_to_hold_leaves_its_held_part_unread() {
        let (_t, spec) = lab(
            &format!(
                "#!/bin/sh\nhead -c {} /dev/zero | tr '\\0' x\necho\necho end\n",
                JUDGED_PAST_CAP + 300 * 1024
            ),
            true,
        );
        let r = run(&spec);
        assert!(r.stdout.truncated);
        assert!(r.stdout.unjudged_bytes() > JUDGED_PAST_CAP as u64);
        assert!(r.stdout.judged_text().ends_with("\nend\n"));
    }

    #[test]
    fn a_background_job_left_behind_does_not_hold_the_run_open() {
        let (_t, spec) = lab("#!/bin/sh\nsleep 30 &\necho quick\n", true);
        let started = Instant::now();
        let r = run(&spec);
        assert!(r.succeeded());
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    /// Ends a process a test's script started and recorded in `file`.
    #[cfg(unix)]
    fn kill_recorded(dir: &std::path::Path, file: &str) {
        if let Some(pid) = std::fs::read_to_string(dir.join(file))
            .ok()
            .and_then(|p| p.trim().parse::<i32>().ok())
        {
            // SAFETY: a signal to a process this test started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }

    #[cfg(unix)]
    #[test]
    fn output_printed_before_exit_is_kept_when_a_detached_process_holds_the_pipe() {
        // `env -i` also clears the run's marker, so nothing ends the holder: only the read
        // grace does.
        let (t, spec) = lab(
            // The run waits (up to 5 s) until the holder sits in a session of its own: a
            // holder still in the run's group when it ends is killed with the group, and a
            // loaded machine may not have started it by then.
            "#!/bin/sh\necho Falcon Corp\necho warn >&2\nenv -i setsid sleep 30 &\nholder=$!\necho $holder > holder.pid\n\
             sid() { cut -d' ' -f6 /proc/$1/stat 2>/dev/null; }\n\
             i=0; while [ \"$(sid $holder)\" = \"$(sid $$)\" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done\n\
             echo done\n",
            true,
        );
        let started = Instant::now();
        let r = run(&spec);
        kill_recorded(t.path(), "holder.pid");
        assert!(r.succeeded(), "{r:?}");
        assert_eq!(r.stdout.text, "Falcon Corp\ndone\n");
        assert_eq!(r.stderr.text, "warn\n");
        assert!(
            r.notes
                .iter()
                .any(|n| n.contains("kept its stdout and stderr open")),
            "{:?}",
            r.notes
        );
        assert!(started.elapsed() < READ_GRACE + Duration::from_secs(2));
    }

    /// Whether the process a test's script recorded in `file` is still running (a zombie
    /// waiting for its parent to reap it is not).
    #[cfg(target_os = "linux")]
    fn recorded_alive(dir: &std::path::Path, file: &str) -> bool {
        let pid = std::fs::read_to_string(dir.join(file)).unwrap();
        std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).is_ok_and(|stat| {
            !stat
                .rsplit_once(')')
                .unwrap()
                .1
                .trim_start()
                .starts_with('Z')
        })
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn processes_that_left_the_group_are_ended_with_the_run_and_named() {
        let (t, spec) = lab(
            "#!/bin/bash\nsetsid sleep 313 >/dev/null 2>&1 </dev/null &\necho $! > daemon.pid\nsetsid bash -c 'exec -a jack-daemon sleep 4444' &\necho $! > named.pid\nsleep 0.2\necho done\n",
            true,
        );
        let started = Instant::now();
        let r = run(&spec);
        let (daemon, named) = (
            recorded_alive(t.path(), "daemon.pid"),
            recorded_alive(t.path(), "named.pid"),
        );
        kill_recorded(t.path(), "daemon.pid");
        kill_recorded(t.path(), "named.pid");
        assert!(!daemon && !named, "left running: {daemon} {named}");
        assert_eq!(r.stdout.text, "done\n");
        assert!(r.leftovers.is_empty(), "{r:?}");
        let note = r.notes.iter().find(|n| n.contains("sflab ended them"));
        assert!(
            note.is_some_and(|n| n.contains("jack-daemon") && n.contains("sleep 313")),
            "{:?}",
            r.notes
        );
        assert!(
            !r.notes.iter().any(|n| n.contains("kept its")),
            "the pipe closed once they were ended: {:?}",
            r.notes
        );
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_timed_out_run_also_ends_what_it_detached() {
        let (t, mut spec) = lab(
            "#!/bin/sh\nsetsid sleep 300 &\necho $! > daemon.pid\nsleep 30\n",
            true,
        );
        spec.timeout = Duration::from_millis(400);
        let r = run(&spec);
        let alive = recorded_alive(t.path(), "daemon.pid");
        kill_recorded(t.path(), "daemon.pid");
        assert!(r.timed_out);
        assert!(!alive, "the detached process outlived the timeout");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_plain_background_job_is_ended_with_the_group_without_a_note() {
        let (_t, spec) = lab("#!/bin/sh\nsleep 30 &\necho quick\n", true);
        let r = run(&spec);
        assert!(r.notes.is_empty(), "{:?}", r.notes);
    }

    #[test]
    fn a_missing_entry_point_says_how_to_restore_it() {
        let t = tempfile::tempdir().unwrap();
        let spec = ProcessSpec {
            dir: t.path().to_path_buf(),
            env: vec![],
            remove_env: vec![],
            timeout: Duration::from_secs(1),
            output_cap: 10,
            scan_past_cap: None,
            clean_env: false,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let e = rt.block_on(run_entry_point(&spec, 0)).unwrap_err();
        assert!(e.to_string().contains("sflab reset"), "{e}");
    }
}
