//! Scoring that stays consistent between broken submissions: checks of files alone are judged
//! even when the program cannot run, limits pay nothing for a program that did no work, and
//! the feedback for a crash shows its last error output.

use super::{grade, read_csv, sflab};
use std::path::Path;

fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn the_printed_secret_gate_reads_pass_or_fail_in_the_gradebook_not_a_zero_either_way() {
    let t = tempfile::tempdir().unwrap();
    let correct = super::fixtures().join("correct");
    let leaky = t.path().join("in/leaky");
    std::fs::create_dir_all(&leaky).unwrap();
    let run = std::fs::read_to_string(correct.join("run")).unwrap();
    executable(
        &leaky.join("run"),
        &format!("{run}echo \"debug: $SF_ACCESS_TOKEN\"\n"),
    );
    let out = t.path().join("out");
    grade(&[correct, leaky], &out, &["--format", "csv"]);
    let (_, rows) = read_csv(&out.join("gradebook.csv"));
    assert_eq!(rows["correct"]["secrets.not_in_output"], "pass", "{rows:?}");
    assert_eq!(rows["correct"]["passed"], "true");
    assert_eq!(rows["leaky"]["secrets.not_in_output"], "fail", "{rows:?}");
    assert_eq!(rows["leaky"]["passed"], "false");
    // Worth no points, it changes no total.
    assert_eq!(rows["leaky"]["total"], rows["correct"]["total"]);
}

#[test]
fn a_submission_without_a_run_file_earns_its_design_tables_and_no_limit_points() {
    let t = tempfile::tempdir().unwrap();
    let solution = Path::new(env!("CARGO_MANIFEST_DIR")).join("solutions/capstone-order-sync");
    let norun = t.path().join("in/fay-norun");
    std::fs::create_dir_all(&norun).unwrap();
    std::fs::copy(
        solution.join("architecture.md"),
        norun.join("architecture.md"),
    )
    .unwrap();
    let out = t.path().join("out");
    let o = sflab(&[
        "grade",
        &t.path().join("in").display().to_string(),
        "--lab",
        "capstone-order-sync",
        "--out",
        &out.display().to_string(),
        "--format",
        "csv,md",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("not runnable"));
    let (_, rows) = read_csv(&out.join("gradebook.csv"));
    let row = &rows["fay-norun"];
    let design: u32 = ["design.table", "design.table#2", "design.table#3"]
        .iter()
        .map(|c| row[*c].parse::<u32>().unwrap())
        .sum();
    assert_eq!(design, 7, "the design tables need no run: {row:?}");
    // Keeping no secret pays only a program that runs, in its files as in its output.
    for rule in [
        "http.calls_at_most",
        "secrets.not_in_output",
        "secrets.not_in_sources",
    ] {
        assert_eq!(row[rule], "0", "{rule} needs a run: {row:?}");
    }
    assert_eq!(row["total"], "7", "{row:?}");
    assert_eq!(
        row["passed"], "false",
        "a program that cannot run never passes"
    );
    assert!(row["error"].contains("no `run` file"), "{row:?}");
    let md = std::fs::read_to_string(out.join("feedback/fay-norun.md")).unwrap();
    assert!(
        md.contains("could not be run") && md.contains("were judged"),
        "{md}"
    );
}

#[test]
fn a_program_that_crashes_at_start_earns_no_budget_points_and_its_error_is_shown() {
    let t = tempfile::tempdir().unwrap();
    let crash = t.path().join("ed-crash");
    std::fs::create_dir_all(&crash).unwrap();
    executable(
        &crash.join("run"),
        "#!/bin/sh\necho 'Traceback (most recent call last):' >&2\necho 'RuntimeError: boom: cannot connect' >&2\nexit 1\n",
    );
    let out = t.path().join("out");
    grade(&[crash], &out, &["--format", "csv,json,md"]);
    let (_, rows) = read_csv(&out.join("gradebook.csv"));
    let row = &rows["ed-crash"];
    for rule in ["http.calls_at_most", "state.no_duplicates"] {
        assert_eq!(row[rule], "0", "{rule}: {row:?}");
    }
    assert_eq!(row["total"], "0", "{row:?}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("grades.json")).unwrap()).unwrap();
    let verdicts = json["submissions"][0]["report"]["verdicts"]
        .as_array()
        .unwrap();
    let budget = verdicts
        .iter()
        .find(|v| v["rule"] == "http.calls_at_most")
        .unwrap();
    let message = budget["message"].as_str().unwrap();
    assert!(
        message.contains("counts only when a run did the lab's work")
            && message.contains("no request reached the org"),
        "{message}"
    );
    let md = std::fs::read_to_string(out.join("feedback/ed-crash.md")).unwrap();
    assert!(md.contains("Run 1 ended with exit status 1"), "{md}");
    assert!(md.contains("RuntimeError: boom: cannot connect"), "{md}");
}
