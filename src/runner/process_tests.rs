//! Tests of running a learner's `./run`: exit, environment, keeper, timeouts, leftovers, and
//! what is kept and judged of long output.

use super::*;
use crate::runner::capture::{JUDGED_PAST_CAP, TAIL_BYTES};

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
    let holder = std::fs::read_to_string(t.path().join("holder.pid")).unwrap_or_default();
    kill_recorded(t.path(), "holder.pid");
    assert!(r.succeeded(), "{r:?}");
    #[cfg(target_os = "linux")]
    assert!(
        r.notes.iter().any(|n| n.contains("still running")
            && n.contains(&format!("pid {} `sleep 30`", holder.trim()))),
        "the holder is named: {:?}",
        r.notes
    );
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

/// `./run` runs in a session of its own, without the terminal sflab draws on: `> /dev/tty`
/// fails instead of writing over the classroom's screen, and its process group is still the
/// one the runner kills.
#[cfg(target_os = "linux")]
#[test]
fn the_run_has_a_session_of_its_own_and_no_terminal() {
    let (_t, spec) = lab(
        "#!/bin/sh\nread -r pid comm state ppid pgrp session tty rest < /proc/$$/stat\necho \"$ppid $pgrp $session $tty\"\nif (echo hi > /dev/tty) 2>/dev/null; then echo tty; else echo no-tty; fi\n",
        true,
    );
    let r = run(&spec);
    let lines: Vec<&str> = r.stdout.text.lines().collect();
    let ids: Vec<i64> = lines[0].split(' ').map(|n| n.parse().unwrap()).collect();
    let (keeper, group, session, tty) = (ids[0], ids[1], ids[2], ids[3]);
    // SAFETY: getsid(0) only reads this process's session id.
    let ours = i64::from(unsafe { libc::getsid(0) });
    assert_ne!(session, ours, "the run shares sflab's session");
    assert_eq!(
        (group, session),
        (keeper, keeper),
        "the keeper leads the run's session and group"
    );
    assert_eq!(tty, 0, "the run has a controlling terminal");
    assert_eq!(lines[1], "no-tty");
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

#[test]
fn output_written_alternately_to_stdout_and_stderr_is_kept_in_the_order_written() {
    let (_t, spec) = lab(
        "#!/bin/sh\nfor i in 1 2 3; do echo \"out $i\"; sleep 0.05; echo \"err $i\" >&2; sleep 0.05; done\n",
        true,
    );
    let r = run(&spec);
    let lines: Vec<String> = r
        .output
        .lines()
        .map(|l| format!("{} {}", l.stream.name(), l.text))
        .collect();
    assert_eq!(
        lines,
        [
            "stdout out 1",
            "stderr err 1",
            "stdout out 2",
            "stderr err 2",
            "stdout out 3",
            "stderr err 3"
        ]
    );
    assert_eq!(r.stdout.text, "out 1\nout 2\nout 3\n");
}
