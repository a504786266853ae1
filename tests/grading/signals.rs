//! `sflab grade` stopped by SIGTERM or SIGHUP ends the way Ctrl-C does: every learner process
//! killed, the scratch folder (which holds a CA key and the redaction key) removed, nothing
//! written, exit 128 + the signal. A submission signalling its parent stops nothing.

#![cfg(unix)]

use super::{read_csv, LAB};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

fn submission(root: &Path, name: &str, script: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("run"), script).unwrap();
    std::fs::set_permissions(dir.join("run"), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn start_grading(sub: &Path, out: &Path, tmp: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sflab"))
        .args(["grade", &sub.display().to_string(), "--lab", LAB, "--out"])
        .arg(out)
        .args(["--timeout", "60s", "--format", "csv"])
        .env("TMPDIR", tmp)
        .env_remove("SFLAB_CURRICULUM")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Alive and not a zombie waiting for a parent that no longer reaps it.
fn running(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            let state = s.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z') && !state.starts_with('X')
        })
        .unwrap_or(false)
}

#[test]
fn sigterm_and_sighup_stop_grading_like_ctrl_c() {
    for (signal, code) in [(libc::SIGTERM, 143), (libc::SIGHUP, 129)] {
        let t = tempfile::tempdir().unwrap();
        let tmp = t.path().join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let pid_file = t.path().join("sleeper.pid");
        let sub = submission(
            t.path(),
            "sleeper",
            &format!(
                "#!/bin/sh\nsleep 100000 &\necho $! > {}\nwait\n",
                pid_file.display()
            ),
        );
        let out = t.path().join("out");
        let mut grader = start_grading(&sub, &out, &tmp);
        wait_for("the submission to start", Duration::from_secs(60), || {
            std::fs::read_to_string(&pid_file).is_ok_and(|s| s.ends_with('\n'))
        });
        let sleeper: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // SAFETY: sends a signal to the child this test started.
        unsafe { libc::kill(grader.id() as i32, signal) };
        let status = grader.wait().unwrap();
        assert_eq!(status.code(), Some(code), "signal {signal}");
        wait_for(
            "the learner's process to be killed",
            Duration::from_secs(5),
            || !running(sleeper),
        );
        let scratch: Vec<_> = std::fs::read_dir(&tmp)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .filter(|n| n.to_string_lossy().starts_with("sflab-grade-"))
            .collect();
        assert!(scratch.is_empty(), "scratch folders left: {scratch:?}");
        assert!(!out.join("gradebook.csv").exists(), "nothing written");
    }
}

#[test]
fn a_submission_that_signals_its_parent_does_not_stop_the_grader() {
    let t = tempfile::tempdir().unwrap();
    let sub = submission(
        t.path(),
        "rude",
        "#!/bin/sh\nkill -TERM $PPID\nkill -HUP $PPID\nkill -INT $PPID\nsleep 0.5\nexit 0\n",
    );
    let out = t.path().join("out");
    let tmp = t.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let status = start_grading(&sub, &out, &tmp).wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let (_, rows) = read_csv(&out.join("gradebook.csv"));
    assert!(rows.contains_key("rude"));
}
