//! Tracks as a lead and a learner use them: `sflab track show` with status and overdue
//! marks, and `sflab report` with progress and lab folders whose secrets are masked.

use super::schema::require;
use super::sflab;
use serde_json::Value;

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
            error: None,
            verdicts: &[],
            exchanges: &[],
            runs: &[],
        })
        .unwrap();
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
    let o = sflab(&[
        "--workspace",
        &wsarg,
        "--track",
        &track_file.display().to_string(),
        "report",
        "--out",
        &out.display().to_string(),
    ]);
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

    let bad = t.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "track: X\nlabs:\n  - { lab: nope, due: 2026-01-01 }\n",
    )
    .unwrap();
    let o = sflab(&[
        "--workspace",
        &wsarg,
        "track",
        "show",
        &bad.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("line 3: there is no lab \"nope\""),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
