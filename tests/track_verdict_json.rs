//! `sflab check --json` and `sflab list --json` carry the workspace track's verdict (its name,
//! pass mark and backend, and whether the attempt or lab counts as passed for it) under
//! `track`, and leave `track` out when no track applies.

use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

fn sflab(ws: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sflab"))
        .arg("--workspace")
        .arg(ws)
        .args(args)
        .env_remove("SFLAB_CURRICULUM")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn listed_lab<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["levels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["lessons"].as_array().unwrap())
        .flat_map(|l| l["labs"].as_array().unwrap())
        .find(|l| l["id"] == id)
        .expect(id)
}

#[test]
fn check_and_list_json_carry_the_tracks_verdict_only_when_a_track_applies() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let (code, out, err) = sflab(&ws, &["lab", "start", "read-limits"]);
    assert_eq!(code, 0, "{out}{err}");
    let files = sflab::curriculum::embedded();
    let solution = sflab::curriculum::Files::read(&files, "solutions/read-limits/run").unwrap();
    std::fs::write(ws.join("read-limits/run"), solution).unwrap();

    // No track: no `track` anywhere.
    let (code, out, err) = sflab(&ws, &["check", "read-limits", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let checked: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(checked["passed"], true);
    assert!(checked.get("track").is_none(), "{out}");
    let (_, out, _) = sflab(&ws, &["list", "--json"]);
    let listed: Value = serde_json::from_str(&out).expect("JSON");
    assert!(listed.get("track").is_none());
    assert!(listed_lab(&listed, "read-limits").get("track").is_none());

    let track = t.path().join("team.yaml");
    std::fs::write(
        &track,
        "track: Team onboarding\npass_threshold: 80\nlabs:\n  - { lab: read-limits, due: 2999-01-01 }\n",
    )
    .unwrap();
    let (code, out, err) = sflab(&ws, &["track", "assign", track.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");

    let (code, out, err) = sflab(&ws, &["check", "read-limits", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let checked: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(
        checked["track"],
        json!({
            "name": "Team onboarding",
            "backend": "mock",
            "pass_threshold": 80,
            "counts_for_track": true,
        })
    );

    let (code, out, _) = sflab(&ws, &["list", "--json"]);
    assert_eq!(code, 0);
    let listed: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(
        listed["track"],
        json!({ "name": "Team onboarding", "backend": "mock", "pass_threshold": 80 })
    );
    assert_eq!(
        listed_lab(&listed, "read-limits")["track"],
        json!({
            "counts_for_track": true,
            "status": "passed",
            "due": "2999-01-01",
            "overdue": false,
            "passed_late": false,
        })
    );
    // A lab the track does not assign has no track standing.
    assert!(listed_lab(&listed, "rest-crud").get("track").is_none());
}

#[test]
fn a_damaged_workspace_track_is_said_on_stderr_and_as_the_tracks_error_by_list_and_check() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let (code, out, err) = sflab(&ws, &["lab", "start", "read-limits"]);
    assert_eq!(code, 0, "{out}{err}");
    let files = sflab::curriculum::embedded();
    let solution = sflab::curriculum::Files::read(&files, "solutions/read-limits/run").unwrap();
    std::fs::write(ws.join("read-limits/run"), solution).unwrap();
    std::fs::write(
        ws.join(".sflab/track.yaml"),
        "track: Team onboarding\nlabs:\n  - { lab: read-limits, due: 2999-01-01\n",
    )
    .unwrap();
    let said = |err: &str| {
        assert!(
            err.contains("warning: the workspace's track cannot be read")
                && err.contains(".sflab/track.yaml has 1 problem:")
                && err.contains("line 4: malformed track file"),
            "{err}"
        );
    };
    let is_the_error = |track: &Value| {
        let error = track["error"].as_str().unwrap_or_default();
        assert!(
            error.contains(".sflab/track.yaml has 1 problem:") && error.contains("line 4"),
            "{track}"
        );
    };

    let (code, out, err) = sflab(&ws, &["list"]);
    assert_eq!(code, 0, "{out}{err}");
    said(&err);
    let (code, out, err) = sflab(&ws, &["list", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    said(&err);
    is_the_error(&serde_json::from_str::<Value>(&out).expect("JSON")["track"]);

    let (code, out, err) = sflab(&ws, &["check", "read-limits"]);
    assert_eq!(code, 0, "{out}{err}");
    said(&err);
    let (code, out, err) = sflab(&ws, &["check", "read-limits", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    said(&err);
    let checked: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(checked["passed"], true);
    is_the_error(&checked["track"]);
}

#[test]
fn check_json_refusing_a_track_option_prints_the_refusal_as_json() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let track = t.path().join("team.yaml");
    std::fs::write(
        &track,
        "track: T\nlabs:\n  - { lab: read-limits, due: 2999-01-01 }\n",
    )
    .unwrap();
    let args = ["--track", track.to_str().unwrap(), "check", "read-limits"];
    let (code, out, _) = sflab(&ws, &[&args[..], &["--json"]].concat());
    assert_eq!(code, 2, "{out}");
    let refused: Value = serde_json::from_str(&out).expect("JSON on stdout");
    assert_eq!(refused["lab"], "read-limits");
    assert!(
        refused["error"].as_str().unwrap().starts_with("--track ")
            && refused["error"].as_str().unwrap().contains("Leave it out"),
        "{refused}"
    );
    // Without --json the refusal stays on stderr.
    let (code, out, err) = sflab(&ws, &args);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("--track "), "{err}");
}
