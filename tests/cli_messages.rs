//! What the command line says when it refuses: exit codes that agree with the help, errors
//! that name the thing in the way, help that describes every argument.

use std::path::Path;
use std::process::Command;

fn sflab(ws: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sflab"))
        .arg("--workspace")
        .arg(ws)
        .args(args)
        .env_remove("SFLAB_CURRICULUM")
        .env("XDG_CONFIG_HOME", ws.with_extension("config"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_solution_refused_before_a_pass_exits_2_like_every_refusal() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let (code, _, err) = sflab(&ws, &["lab", "start", "rest-first-call"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = sflab(&ws, &["solution", "rest-first-call"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--force"), "{err}");
}

#[test]
fn a_workspace_that_is_a_file_is_called_a_file() {
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("notes.txt");
    std::fs::write(&file, "x").unwrap();
    let (code, _, err) = sflab(&file, &["hint", "rest-first-call"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("it is a file, not a folder"), "{err}");
    assert!(!err.contains("does not exist"), "{err}");
}

#[test]
fn a_file_where_a_lab_folder_goes_is_named_on_start() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::write(ws.join("rest-first-call"), "x").unwrap();
    let (code, _, err) = sflab(&ws, &["lab", "start", "rest-first-call"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("is a file where sflab needs a folder"),
        "{err}"
    );
}

#[test]
fn a_file_where_a_lab_folder_goes_is_named_on_check_and_watch() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let (code, _, err) = sflab(&ws, &["lab", "start", "rest-first-call"]);
    assert_eq!(code, 0, "{err}");
    let lab = ws.join("rest-first-call");
    std::fs::remove_dir_all(&lab).unwrap();
    std::fs::write(&lab, "x").unwrap();
    for args in [
        &["check", "rest-first-call"][..],
        &["check", "rest-first-call", "--watch"][..],
    ] {
        let (code, _, err) = sflab(&ws, args);
        assert_eq!(code, 2, "{args:?}: {err}");
        let named = format!(
            "{} is a file where sflab needs the lab's folder",
            lab.display()
        );
        assert!(err.contains(&named), "{args:?}: {err}");
        assert!(!err.contains("is not started"), "{args:?}: {err}");
    }
}

#[test]
fn a_hint_for_a_lab_not_started_points_to_lab_start_and_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let (code, _, err) = sflab(&ws, &["lab", "start", "rest-first-call"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = sflab(&ws, &["hint", "rest-upsert-twice"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("is not started"), "{err}");
    assert!(err.contains("sflab lab start rest-upsert-twice"), "{err}");
    assert!(!out.contains("sflab check"), "{out}");
}

#[test]
fn org_commands_refuse_a_curriculum_folder_that_is_not_there() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let (code, _, err) = sflab(
        &ws,
        &["--curriculum", "/nonexistent-sflab-course", "org", "list"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("/nonexistent-sflab-course"), "{err}");
}

#[test]
fn help_describes_the_org_aliases_the_track_flag_and_the_lesson_width() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    for command in ["status", "use", "logout"] {
        let (_, out, _) = sflab(&ws, &["org", command, "--help"]);
        assert!(out.contains("A login's alias"), "org {command}: {out}");
    }
    let (_, out, _) = sflab(&ws, &["hint", "--help"]);
    assert!(out.contains("Other commands refuse it"), "{out}");
    let (_, out, _) = sflab(&ws, &["lesson", "--help"]);
    assert!(out.contains("below 24"), "{out}");
}

/// Runs `sflab --workspace ws args…` with `ws` mounted read-only, where this machine allows a
/// private mount (`unshare -m`, as root); `None` where it does not.
fn on_read_only(ws: &Path, args: &[&str]) -> Option<(i32, String, String)> {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let script = format!(
        "mount --bind '{ws}' '{ws}' && mount -o remount,bind,ro '{ws}' || exit 97; '{bin}' --workspace '{ws}' {args}",
        ws = ws.display(),
        bin = env!("CARGO_BIN_EXE_sflab"),
        args = quoted.join(" ")
    );
    let out = Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .env_remove("SFLAB_CURRICULUM")
        .output()
        .ok()?;
    let code = out.status.code().unwrap_or(-1);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    if code == 97 || err.contains("unshare:") {
        return None;
    }
    Some((code, String::from_utf8_lossy(&out.stdout).into_owned(), err))
}

#[test]
fn a_hint_shows_on_a_read_only_workspace_and_says_it_is_not_noted() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let (code, _, err) = sflab(&ws, &["lab", "start", "read-limits"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = sflab(&ws, &["check", "read-limits"]);
    assert_eq!(code, 1, "the starter fails: {out}");
    let Some((code, out, err)) = on_read_only(&ws, &["hint", "read-limits"]) else {
        eprintln!("skipped: no private read-only mount on this machine");
        return;
    };
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("Hint 1/2 for http.request"), "{out}");
    assert!(err.contains("not noted as seen"), "{err}");
}

#[test]
fn track_show_with_a_file_and_another_track_flag_refuses_rather_than_pick_one() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    for name in ["past.yaml", "track.yaml"] {
        std::fs::write(
            t.path().join(name),
            "track: T\nlabs:\n  - { lab: rest-first-call, due: 2026-12-04 }\n",
        )
        .unwrap();
    }
    let past = t.path().join("past.yaml");
    let track = t.path().join("track.yaml");
    let (code, out, err) = sflab(
        &ws,
        &[
            "--track",
            track.to_str().unwrap(),
            "track",
            "show",
            past.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("two track files are given"), "{err}");
}
