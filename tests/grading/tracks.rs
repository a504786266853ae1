//! Tracks as a lead and a learner use them: `sflab track show` with status and overdue
//! marks, and `sflab report` with progress and lab folders whose secrets are masked.

use super::schema::require;
use super::sflab;
use serde_json::Value;
use std::path::Path;

const TRACK: &str = "track: Onboarding\npass_threshold: 80\nlabs:\n  - { lab: rest-first-call, due: 2026-01-05 }\n  - { lab: rest-crud, due: 2999-12-31 }\n  - { lab: rest-upsert-twice, due: 2026-01-01 }\n";

fn record(ws: &sflab::workspace::Workspace, lab: &str, points: u32, max: u32) {
    let mut store = sflab::progress::Store::open(&ws.progress_db()).unwrap();
    store
        .record_attempt(&sflab::progress::NewAttempt {
            lab,
            started_at: chrono::Utc::now(),
            duration_ms: 900,
            passed: points == max,
            points,
            max_points: max,
            backend: "mock",
            org: None,
            error: None,
            verdicts: &[],
            exchanges: &[],
            runs: &[],
        })
        .unwrap();
}

#[test]
fn a_sandbox_track_report_names_the_org_each_pass_was_made_on() {
    let t = tempfile::tempdir().unwrap();
    let ws = sflab::workspace::Workspace::at(&t.path().join("ws")).unwrap();
    let wsarg = t.path().join("ws").display().to_string();
    let track_file = t.path().join("track.yaml");
    std::fs::write(
        &track_file,
        "track: Sandbox week\nbackend: sandbox\nlabs:\n  - { lab: rest-first-call, due: 2999-01-05 }\n",
    )
    .unwrap();
    let org = "Acme (sandbox) at acme--dev.sandbox.my.salesforce.com, org 00D5g000004XyZa";
    let mut store = sflab::progress::Store::open(&ws.progress_db()).unwrap();
    // A pass on the mock org first (it does not count on this track), then one on a sandbox.
    for (minutes_ago, backend, on) in [(20, "mock", None), (10, "sandbox", Some(org))] {
        store
            .record_attempt(&sflab::progress::NewAttempt {
                lab: "rest-first-call",
                started_at: chrono::Utc::now() - chrono::Duration::minutes(minutes_ago),
                duration_ms: 900,
                passed: true,
                points: 5,
                max_points: 5,
                backend,
                org: on,
                error: None,
                verdicts: &[],
                exchanges: &[],
                runs: &[],
            })
            .unwrap();
    }
    drop(store);
    let out = t.path().join("report");
    let o = report(&wsarg, &track_file, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("progress.json")).unwrap()).unwrap();
    let lab = &doc["labs"][0];
    assert_eq!(lab["status"], "passed");
    assert_eq!(lab["passed_on"], org);
    assert!(lab["attempts"][0]["org"].is_null(), "{lab}");
    assert_eq!(lab["attempts"][1]["org"], org);
    let md = std::fs::read_to_string(out.join("progress.md")).unwrap();
    assert!(
        md.contains(&format!("- `rest-first-call`: passed on {org}")),
        "{md}"
    );
}

/// A track file naming a lab that does not exist (line 3).
fn bad_track(dir: &std::path::Path) -> std::path::PathBuf {
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        "track: X\nlabs:\n  - { lab: nope, due: 2026-01-01 }\n",
    )
    .unwrap();
    bad
}

/// `sflab --workspace WS --track FILE report --out OUT`.
fn report(ws: &str, track_file: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    sflab(&[
        "--workspace",
        ws,
        "--track",
        &track_file.display().to_string(),
        "report",
        "--out",
        &out.display().to_string(),
    ])
}

/// `sflab --workspace WS track VERB FILE`.
fn track(ws: &str, verb: &str, file: &std::path::Path) -> std::process::Output {
    sflab(&[
        "--workspace",
        ws,
        "track",
        verb,
        &file.display().to_string(),
    ])
}

#[test]
fn a_track_shows_status_and_overdue_marks_and_reports_progress_without_secrets() {
    let t = tempfile::tempdir().unwrap();
    let ws = sflab::workspace::Workspace::at(&t.path().join("ws")).unwrap();
    let track_file = t.path().join("team.yaml");
    std::fs::write(&track_file, TRACK).unwrap();
    record(&ws, "rest-first-call", 5, 6);
    record(&ws, "rest-crud", 3, 8);
    std::fs::create_dir_all(ws.lab_dir("rest-crud")).unwrap();
    std::fs::write(ws.lab_dir("rest-crud").join("run"), "#!/bin/sh\necho hi\n").unwrap();
    std::fs::write(
        ws.lab_dir("rest-crud").join("app.json"),
        r#"{"client_id":"3MVG9x","client_secret":"a-real-secret-value-42"}"#,
    )
    .unwrap();
    let wsarg = ws.root.display().to_string();

    let curriculum = sflab::curriculum::Curriculum::embedded().unwrap();
    sflab::track::set_active(&ws, &track_file, &curriculum).unwrap();
    let o = sflab(&["--workspace", &wsarg, "track", "show"]);
    let shown = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{shown}");
    let line = |lab: &str| shown.lines().find(|l| l.contains(lab)).unwrap().to_string();
    assert!(
        line("rest-first-call").starts_with("✓") && line("rest-first-call").contains("(late)"),
        "{shown}"
    );
    assert!(
        line("rest-crud").starts_with("✗") && !line("rest-crud").contains("OVERDUE"),
        "{shown}"
    );
    assert!(
        line("rest-upsert-twice").starts_with("○") && line("rest-upsert-twice").contains("OVERDUE"),
        "{shown}"
    );

    let out = t.path().join("report");
    let o = report(&wsarg, &track_file, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("progress.json")).unwrap()).unwrap();
    require(
        &doc,
        "$",
        &[
            ("track", &["string"]),
            ("summary", &["object"]),
            ("labs", &["array"]),
        ],
    );
    assert_eq!(doc["summary"]["passed"], 1);
    assert_eq!(doc["summary"]["overdue"], 1);
    let crud = &doc["labs"][1];
    assert_eq!(crud["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(crud["folder"], "labs/rest-crud");
    assert_eq!(crud["masked_files"], serde_json::json!(["app.json"]));
    let copied = std::fs::read_to_string(out.join("labs/rest-crud/app.json")).unwrap();
    assert!(!copied.contains("a-real-secret-value-42"), "{copied}");
    assert!(
        std::fs::read_to_string(ws.lab_dir("rest-crud").join("app.json"))
            .unwrap()
            .contains("a-real-secret-value-42"),
        "the learner's file is untouched"
    );
    let md = std::fs::read_to_string(out.join("progress.md")).unwrap();
    assert!(md.contains("**overdue**"), "{md}");
    // A report holds a team's work: folders 0700 and its own files 0600, whatever the umask;
    // a copied lab file keeps the learner's permissions, so secrets.files_private judges the
    // copy as it judged the learner's folder.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for dir in [out.clone(), out.join("labs"), out.join("labs/rest-crud")] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
    assert_eq!(mode(&out.join("progress.md")), 0o600);
    assert_eq!(
        mode(&out.join("labs/rest-crud/app.json")),
        mode(&ws.lab_dir("rest-crud").join("app.json"))
    );

    // Graded as a hand-in, the report names the lab it lacks.
    let subs = t.path().join("subs");
    std::fs::create_dir_all(&subs).unwrap();
    std::fs::rename(&out, subs.join("bob")).unwrap();
    let graded = t.path().join("graded");
    let o = sflab(&[
        "--workspace",
        &wsarg,
        "grade",
        &subs.display().to_string(),
        "--lab",
        "rest-upsert-twice",
        "--out",
        &graded.display().to_string(),
    ]);
    let printed = String::from_utf8_lossy(&o.stdout);
    assert!(
        printed.contains(
            "this report folder has no labs/rest-upsert-twice/: the lab had not been started"
        ),
        "{printed}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::rename(subs.join("bob"), &out).unwrap();

    let bad = bad_track(t.path());
    let o = track(&wsarg, "show", &bad);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("line 3: there is no lab \"nope\""),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn track_assign_keeps_the_track_and_a_bad_file_changes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let ws = sflab::workspace::Workspace::at(&t.path().join("ws")).unwrap();
    let wsarg = ws.root.display().to_string();
    let track_file = t.path().join("team.yaml");
    std::fs::write(&track_file, TRACK).unwrap();
    let o = track(&wsarg, "assign", &track_file);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout.contains("“Onboarding” is now assigned")
            && stdout.contains("rest-crud due 2999-12-31"),
        "{stdout}"
    );
    let active = sflab::track::active_path(&ws);
    let kept = std::fs::read(&active).unwrap();
    assert_eq!(kept, TRACK.as_bytes());

    let bad = bad_track(t.path());
    let o = track(&wsarg, "assign", &bad);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("there is no lab \"nope\""),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        std::fs::read(&active).unwrap(),
        kept,
        "the active track is unchanged"
    );

    // `sflab --track FILE` with no terminal to draw on: assigned, and it says so.
    let other = t.path().join("other.yaml");
    std::fs::write(
        &other,
        "track: Second\nlabs:\n  - { lab: rest-crud, due: 2999-01-01 }\n",
    )
    .unwrap();
    let o = sflab(&[
        "--workspace",
        &wsarg,
        "--track",
        &other.display().to_string(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains("assigned; run `sflab` in a terminal to open the classroom"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&std::fs::read(&active).unwrap()).contains("Second"));
}

#[test]
fn commands_that_read_a_workspace_refuse_one_that_does_not_exist() {
    let t = tempfile::tempdir().unwrap();
    let ws = sflab::workspace::Workspace::at(&t.path().join("ws")).unwrap();
    let track_file = t.path().join("team.yaml");
    std::fs::write(&track_file, TRACK).unwrap();
    let track = track_file.display().to_string();
    let out = t.path().join("report").display().to_string();
    let plain = t.path().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    for (typo, says) in [
        (t.path().join("wss"), "the folder does not exist"),
        (plain.clone(), "holds no .sflab/ folder"),
    ] {
        let typo_arg = typo.display().to_string();
        for args in [
            vec!["report", "--track", &track, "--out", &out],
            vec!["list"],
            vec!["transcript", "rest-crud"],
            vec!["hint", "rest-crud"],
            vec!["track", "show", &track],
            vec!["check", "rest-crud"],
        ] {
            let mut all = vec!["--workspace", &typo_arg];
            all.extend(args.iter().copied());
            let o = sflab(&all);
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(
                stderr.contains(&format!("there is no sflab workspace at {typo_arg}"))
                    && stderr.contains(says),
                "{args:?}: {stderr}"
            );
            assert!(
                !typo.join(".sflab").exists(),
                "{args:?} created a workspace"
            );
        }
    }
    assert!(!t.path().join("report").exists());
    // With no workspace named and none around, a lead can still read a track file.
    let lead = t.path().join("lead");
    std::fs::create_dir_all(&lead).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_sflab"))
        .args(["track", "show", &track])
        .current_dir(&lead)
        .env_remove("SFLAB_WORKSPACE")
        .env_remove("SFLAB_CURRICULUM")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Track: Onboarding"));
    assert!(!lead.join("sflab-workspace").exists(), "nothing created");
    // The real workspace still reads, and `lab start` may create a new one.
    let wsarg = ws.root.display().to_string();
    assert!(sflab(&["--workspace", &wsarg, "list"]).status.success());
    let fresh = t.path().join("fresh").display().to_string();
    let o = sflab(&["--workspace", &fresh, "lab", "start", "rest-crud"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Sets a file's, folder's or FIFO's modification time (opened without waiting for a writer).
#[cfg(unix)]
fn set_mtime(path: &std::path::Path, at: std::time::SystemTime) {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .unwrap()
        .set_modified(at)
        .unwrap();
}

/// Every file under `dir`, as text.
fn all_text(dir: &std::path::Path) -> String {
    let mut text = String::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            text.push_str(&all_text(&e.path()));
        } else {
            text.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
        }
    }
    text
}

#[cfg(unix)]
#[test]
fn a_report_masks_every_secret_leaves_pipes_out_and_sees_deletions_since_the_pass() {
    use std::time::{Duration, SystemTime};
    const LAB: &str = "eca-migrate-connected-app";
    let t = tempfile::tempdir().unwrap();
    let ws = sflab::workspace::Workspace::at(&t.path().join("ws")).unwrap();
    let wsarg = ws.root.display().to_string();
    let track_file = t.path().join("team.yaml");
    std::fs::write(
        &track_file,
        format!("track: Auth\nlabs:\n  - {{ lab: {LAB}, due: 2999-01-01 }}\n"),
    )
    .unwrap();
    let dir = ws.lab_dir(LAB);
    std::fs::create_dir_all(&dir).unwrap();
    let files = [
        (
            ".env",
            "SF_CLIENT_ID=3MVG9lab.order.status.eca\nSF_CLIENT_SECRET=F00DBABE1234CAFE\nSF_REFRESH_TOKEN=refresh-value-991\nSF_PASSWORD=hunter2-pass\n",
        ),
        ("creds.yaml", "client_id: 3MVG9lab\nclient_secret: yaml-secret-5150\n"),
        (
            "run",
            "#!/usr/bin/env bash\ncurl -u \"3MVG9lab.order.status.legacy:legacy-secret-2f8c41d09b7e\" \"$SF_INSTANCE_URL\"\n",
        ),
        ("notes.txt", "to do\n"),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let fifo = std::ffi::CString::new(dir.join("pipe").to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid, NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    // Everything was last touched two hours ago; the lab passed an hour ago.
    let two_hours_ago = SystemTime::now() - Duration::from_secs(2 * 3600);
    for name in [".env", "creds.yaml", "run", "notes.txt", "pipe", ""] {
        set_mtime(&dir.join(name), two_hours_ago);
    }
    let mut store = sflab::progress::Store::open(&ws.progress_db()).unwrap();
    store
        .record_attempt(&sflab::progress::NewAttempt {
            lab: LAB,
            started_at: chrono::Utc::now() - chrono::Duration::hours(1),
            duration_ms: 900,
            passed: true,
            points: 7,
            max_points: 7,
            backend: "mock",
            org: None,
            error: None,
            verdicts: &[],
            exchanges: &[],
            runs: &[],
        })
        .unwrap();
    let out = t.path().join("report");
    let report_again = || {
        let o = report(&wsarg, &track_file, &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("progress.json")).unwrap())
                .unwrap();
        (String::from_utf8_lossy(&o.stdout).into_owned(), doc)
    };
    let (stdout, doc) = report_again();
    let lab = &doc["labs"][0];
    assert_eq!(
        lab["masked_files"],
        serde_json::json!([".env", "creds.yaml", "run"])
    );
    assert_eq!(lab["skipped_files"], serde_json::json!(["pipe"]));
    assert_eq!(lab["changed_since_pass"], false);
    for name in [".env", "creds.yaml", "run"] {
        assert!(stdout.contains(&format!("{LAB}/{name}")), "{stdout}");
    }
    let copy = all_text(&out.join("labs").join(LAB));
    for secret in [
        "F00DBABE1234CAFE",
        "refresh-value-991",
        "hunter2-pass",
        "yaml-secret-5150",
        "legacy-secret-2f8c41d09b7e",
    ] {
        assert!(!copy.contains(secret), "{secret} leaked: {copy}");
    }
    assert!(copy.contains("SF_CLIENT_ID=3MVG9lab.order.status.eca\nSF_CLIENT_SECRET=‹redacted:"));

    std::fs::remove_file(dir.join("notes.txt")).unwrap();
    let (_, doc) = report_again();
    assert_eq!(
        doc["labs"][0]["changed_since_pass"], true,
        "a file deleted after the pass changes the folder"
    );
    assert!(
        !out.join("labs").join(LAB).join("notes.txt").exists(),
        "the copy is fresh"
    );

    // A `labs` folder no report wrote is never replaced.
    let theirs = t.path().join("theirs");
    std::fs::create_dir_all(theirs.join("labs")).unwrap();
    std::fs::write(theirs.join("labs/keep.txt"), "mine").unwrap();
    let o = report(&wsarg, &track_file, &theirs);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no earlier `sflab report` wrote"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(theirs.join("labs/keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn a_passed_lab_is_changed_by_its_content_and_a_missing_folder_is_said_by_the_report_and_grade() {
    const LAB: &str = "rest-first-call";
    let t = tempfile::tempdir().unwrap();
    let ws = sflab::workspace::Workspace::at(&t.path().join("ws")).unwrap();
    let wsarg = ws.root.display().to_string();
    let track_file = t.path().join("team.yaml");
    std::fs::write(
        &track_file,
        format!("track: T\nlabs:\n  - {{ lab: {LAB}, due: 2999-01-01 }}\n"),
    )
    .unwrap();
    let started = sflab(&["--workspace", &wsarg, "lab", "start", LAB]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let solution = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("solutions")
        .join(LAB)
        .join("run");
    let run = ws.lab_dir(LAB).join("run");
    std::fs::copy(&solution, &run).unwrap();
    let check = sflab(&["--workspace", &wsarg, "check", LAB]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let out = t.path().join("report");
    let lab_entry = || {
        let o = report(&wsarg, &track_file, &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("progress.json")).unwrap())
                .unwrap();
        (
            doc["labs"][0].clone(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    // Touched an hour later, same content: the copy is what passed.
    set_mtime(
        &run,
        std::time::SystemTime::now() + std::time::Duration::from_secs(3600),
    );
    let (lab, _) = lab_entry();
    assert_eq!(lab["changed_since_pass"], false, "{lab}");
    std::fs::write(
        &run,
        std::fs::read_to_string(&solution).unwrap() + "# edited\n",
    )
    .unwrap();
    assert_eq!(lab_entry().0["changed_since_pass"], true);

    std::fs::remove_dir_all(ws.lab_dir(LAB)).unwrap();
    let (lab, warned) = lab_entry();
    assert!(lab["folder"].is_null());
    assert!(
        lab["folder_missing"]
            .as_str()
            .is_some_and(|w| w.contains("deleted or moved after the lab was passed")),
        "{lab}"
    );
    assert!(
        warned.contains("the folder of rest-first-call is missing"),
        "{warned}"
    );
    let md = std::fs::read_to_string(out.join("progress.md")).unwrap();
    assert!(
        md.contains("- `rest-first-call`: **folder missing**"),
        "{md}"
    );
    let grades = t.path().join("grades");
    let graded = sflab(&[
        "grade",
        &out.display().to_string(),
        "--lab",
        LAB,
        "--out",
        &grades.display().to_string(),
    ]);
    let said = String::from_utf8_lossy(&graded.stdout);
    assert!(
        said.contains("the lab was passed, but its folder was missing from the workspace")
            && !said.contains("had not been started"),
        "{said}"
    );
}
