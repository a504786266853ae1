//! Running the learner's entry point as a real process: its own process group, a timeout that
//! kills the whole group and what it started elsewhere, and stdout/stderr captured up to a cap,
//! each on its own and both together in the order written ([`super::interleave`]).
//!
//! Implementation notes:
//! - The child starts a new session (`setsid` before `exec`), and so a new process group, so a
//!   timeout's `killpg(SIGKILL)` also reaches everything it started (`curl` in a pipeline,
//!   `sleep` in a retry loop). After a normal exit the group is killed too, so a background job
//!   left behind cannot keep the pipes open or outlive the check.
//! - The new session has no controlling terminal: `./run` cannot reach the terminal sflab
//!   draws on (`> /dev/tty` fails, `stty … < /dev/tty` cannot change its modes), so the
//!   classroom's screen and keys stay sflab's. Its stdin is already `/dev/null`.
//! - A process that left the group (`setsid`, a daemon) is found by the run's marker in its
//!   environment and killed too ([`super::leftovers`]); run notes name what was ended, and
//!   what could not be ([`LearnerRun::leftovers`]).
//! - Output beyond the cap is never stored: a flood costs CPU, not memory, and the child never
//!   blocks on a full pipe. Up to [`super::capture::JUDGED_PAST_CAP`] bytes past the cap are
//!   held until the attempt is judged, so the checks on what a program printed read the whole
//!   stream ([`crate::evidence::CapturedOutput::whole`], [`super::capture`]); beyond that the
//!   rest is thrown away and those checks say what they could not read.
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

use super::capture::{held_open_note, Reader, READ_GRACE};
use super::interleave::SharedLines;
use super::leftovers::{end_marked, Marker, RUN_MARKER_VAR};
use super::shebang::{entry_command, EntryCommand};
use crate::evidence::{LearnerRun, OutputStream};
use crate::redact::Redactor;
use chrono::Utc;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
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
    /// Looks for the secrets it knows in what streams past the cap (see [`super::capture`]), so a
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
pub const WINDOWS_LINE_ENDINGS_NOTE: &str = "./run is saved with Windows line endings (CR LF): its lines end in a carriage return, which the shell reads as part of each command (`bash\\r: No such file or directory`, `pipefail\\r: invalid option`). Save it with LF line endings (`dos2unix run`, or `sed -i 's/\\r$//' run`).";

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
    // SAFETY: `own_session` and `keeper` make only async-signal-safe calls (see their notes).
    unsafe {
        cmd.pre_exec(|| {
            own_session()?;
            #[cfg(target_os = "linux")]
            keeper()?;
            Ok(())
        });
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
    let lines = SharedLines::default();
    let mut out = Reader::start(
        child.stdout.take(),
        cap,
        scan.clone(),
        Some((lines.clone(), OutputStream::Stdout)),
    );
    let mut err = Reader::start(
        child.stderr.take(),
        cap,
        scan,
        Some((lines.clone(), OutputStream::Stderr)),
    );

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
        notes.push(held_open_note(
            &held,
            &[out.holders(), err.holders()].concat(),
        ));
    }
    let stdout = out.output();
    let stderr = err.output();
    let output = lines.lock().unwrap_or_else(|e| e.into_inner()).finish();
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
        output,
        notes,
        stopped_by_lab: false,
        started_with,
        leftovers: sweep.survivors.iter().map(|p| p.to_string()).collect(),
    })
}

/// Runs in the forked child before `exec`: makes it the leader of a new session, and so of a
/// new process group whose id is its pid, with no controlling terminal (see the module notes).
#[cfg(unix)]
fn own_session() -> std::io::Result<()> {
    // SAFETY: `setsid` is async-signal-safe and changes only this (forked) process.
    if unsafe { libc::setsid() } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
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
#[path = "process_tests.rs"]
mod tests;
