//! `sflab grade` and its output folder as an instructor meets it: grading again keeps the
//! earlier gradebook, an unwritable `--out` or a folder without submissions is refused before
//! anything is graded, odd folder names are shown safely, and a `run` that lost its execute bit
//! still runs the way its first line asks.

use super::{fixtures, grade, read_csv, sflab, LAB};
use std::path::{Path, PathBuf};

fn copy_submission(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn previous_runs(out: &Path) -> Vec<PathBuf> {
    let mut runs: Vec<PathBuf> = std::fs::read_dir(out.join("previous"))
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    runs.sort();
    runs
}

#[test]
fn grading_again_into_the_same_folder_moves_the_earlier_gradebook_aside() {
    let out = tempfile::tempdir().unwrap();
    let both = [fixtures().join("correct"), fixtures().join("broken")];
    grade(&both, out.path(), &["--format", "csv,json,md"]);
    let first = std::fs::read_to_string(out.path().join("gradebook.csv")).unwrap();
    let o = grade(&both[..1], out.path(), &["--format", "csv,md"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let runs = previous_runs(out.path());
    assert_eq!(runs.len(), 1, "{stderr}");
    assert!(
        stderr.contains("previous gradebook") && stderr.contains(&runs[0].display().to_string()),
        "one line says where: {stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(runs[0].join("gradebook.csv")).unwrap(),
        first
    );
    assert!(runs[0].join("grades.json").is_file());
    assert!(runs[0].join("feedback/broken.md").is_file());
    assert!(
        !out.path().join("feedback/broken.md").exists(),
        "no stale feedback beside the new gradebook"
    );
    assert!(
        !out.path().join("grades.json").exists(),
        "no stale JSON from the earlier run"
    );
    let (_, rows) = read_csv(&out.path().join("gradebook.csv"));
    assert_eq!(rows.keys().collect::<Vec<_>>(), ["correct"]);
}

#[test]
fn the_folders_grading_makes_are_private_like_its_files() {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("term/grades");
    grade(&[fixtures().join("correct")], &out, &["--format", "csv,md"]);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for dir in [t.path().join("term"), out.clone(), out.join("feedback")] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
    for file in [out.join("gradebook.csv"), out.join("feedback/correct.md")] {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

#[test]
fn an_unwritable_out_folder_is_refused_before_anything_is_graded() {
    let t = tempfile::tempdir().unwrap();
    let a_file = t.path().join("grades.txt");
    std::fs::write(&a_file, "keep me").unwrap();
    let out = a_file.join("march").display().to_string();
    let sub = fixtures().join("correct").display().to_string();
    let o = sflab(&["grade", &sub, "--lab", LAB, "--out", &out]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("Nothing was graded"), "{stderr}");
    assert!(
        !stderr.contains("Grading "),
        "refused before grading: {stderr}"
    );
    assert_eq!(std::fs::read_to_string(&a_file).unwrap(), "keep me");
}

#[test]
fn a_folder_without_submissions_is_refused_with_what_to_do() {
    let t = tempfile::tempdir().unwrap();
    let empty = t.path().join("hand-ins");
    std::fs::create_dir_all(&empty).unwrap();
    let out = t.path().join("out").display().to_string();
    for (files, says) in [
        (vec![], "the folder is empty"),
        (vec!["alice.zip", "bob.tar.gz"], "alice.zip, bob.tar.gz"),
    ] {
        for f in files {
            std::fs::write(empty.join(f), "PK").unwrap();
        }
        let o = sflab(&[
            "grade",
            &empty.display().to_string(),
            "--lab",
            LAB,
            "--out",
            &out,
        ]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("no submissions found in")
                && stderr.contains(
                    "each submission is a folder holding a run file; unzip archives first"
                )
                && stderr.contains(says),
            "{stderr}"
        );
        assert!(!t.path().join("out").exists(), "nothing written");
    }
}

#[cfg(unix)]
#[test]
fn names_with_line_breaks_and_escapes_are_shown_safely_and_alike_everywhere() {
    let t = tempfile::tempdir().unwrap();
    let raw = "eve\n\u{1b}[2Jx";
    let sub = t.path().join(raw);
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("run"), "#!/bin/sh\nexit 0\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(sub.join("run"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = t.path().join("out");
    let o = grade(&[sub], &out, &["--format", "csv,json,junit,md"]);
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!printed.contains('\u{1b}'), "{printed:?}");
    let shown = "eve␊␛[2Jx";
    assert!(printed.contains(shown), "{printed}");
    let (_, rows) = read_csv(&out.join("gradebook.csv"));
    assert_eq!(rows.keys().collect::<Vec<_>>(), [shown]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("grades.json")).unwrap()).unwrap();
    assert_eq!(json["submissions"][0]["submission"], shown);
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert!(
        junit.contains(&format!("<testsuite name=\"{shown}\"")),
        "{junit}"
    );
    let feedback: Vec<PathBuf> = std::fs::read_dir(out.join("feedback"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(feedback.len(), 1);
    let md = std::fs::read_to_string(&feedback[0]).unwrap();
    assert!(
        md.lines()
            .next()
            .unwrap()
            .ends_with(&format!("feedback for {shown}")),
        "{md}"
    );
}

#[cfg(unix)]
#[test]
fn a_run_without_its_execute_bit_runs_by_its_first_line_and_the_feedback_says_so() {
    let t = tempfile::tempdir().unwrap();
    let sub = t.path().join("unzipped");
    copy_submission(&fixtures().join("correct"), &sub);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(sub.join("run"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = t.path().join("out");
    grade(&[sub], &out, &["--format", "csv,md"]);
    let (_, rows) = read_csv(&out.join("gradebook.csv"));
    assert_eq!(
        (
            rows["unzipped"]["total"].as_str(),
            rows["unzipped"]["passed"].as_str()
        ),
        ("10", "true"),
        "the bash script's `set -o pipefail` works: {:?}",
        rows["unzipped"]
    );
    let md = std::fs::read_to_string(out.join("feedback/unzipped.md")).unwrap();
    assert!(
        md.contains("run is not executable; ran it with /usr/bin/env bash"),
        "{md}"
    );
}

#[cfg(unix)]
#[test]
fn a_safe_folder_name_keeps_its_feedback_file_and_the_gradebook_names_each_file() {
    let t = tempfile::tempdir().unwrap();
    let subs = t.path().join("in");
    use std::os::unix::fs::PermissionsExt;
    for name in ["dave smith", "dave_smith"] {
        let sub = subs.join(name);
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("run"), "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(sub.join("run"), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = t.path().join("out");
    grade(&[subs], &out, &["--format", "csv,json,md"]);
    let first_line = |file: &str| {
        std::fs::read_to_string(out.join("feedback").join(file))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    assert!(first_line("dave_smith.md").ends_with("feedback for dave_smith"));
    assert!(first_line("dave_smith-2.md").ends_with("feedback for dave smith"));
    let (_, rows) = read_csv(&out.join("gradebook.csv"));
    assert_eq!(rows["dave_smith"]["feedback"], "feedback/dave_smith.md");
    assert_eq!(rows["dave smith"]["feedback"], "feedback/dave_smith-2.md");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("grades.json")).unwrap()).unwrap();
    for s in json["submissions"].as_array().unwrap() {
        let file = s["feedback_file"].as_str().unwrap();
        assert!(
            first_line(file.trim_start_matches("feedback/")).ends_with(&format!(
                "feedback for {}",
                s["submission"].as_str().unwrap()
            ))
        );
    }
}

#[test]
fn a_teams_report_folders_are_graded_from_their_copied_lab_folders() {
    let t = tempfile::tempdir().unwrap();
    let collected = t.path().join("reports");
    for who in ["bob", "carol"] {
        let report = collected.join(who);
        copy_submission(&fixtures().join("correct"), &report.join("labs").join(LAB));
        std::fs::write(report.join("progress.json"), "{}").unwrap();
    }
    let out = t.path().join("grades");
    grade(&[collected], &out, &["--format", "csv"]);
    let (_, rows) = read_csv(&out.join("gradebook.csv"));
    assert_eq!(rows.keys().collect::<Vec<_>>(), ["bob", "carol"]);
    for row in rows.values() {
        assert_eq!(row["total"], row["max"], "{row:?}");
    }
    // One learner's report folder alone is one submission.
    let out = t.path().join("one");
    grade(&[t.path().join("reports/bob")], &out, &["--format", "csv"]);
    let (_, rows) = read_csv(&out.join("gradebook.csv"));
    assert_eq!(rows["bob"]["total"], rows["bob"]["max"]);
}

#[test]
fn grading_into_the_submissions_folder_again_grades_only_the_students() {
    let t = tempfile::tempdir().unwrap();
    let same = t.path().join("same");
    for who in ["ann", "ben"] {
        copy_submission(&fixtures().join("correct"), &same.join(who));
    }
    for _ in 0..3 {
        let o = grade(std::slice::from_ref(&same), &same, &["--format", "csv,md"]);
        let (_, rows) = read_csv(&same.join("gradebook.csv"));
        assert_eq!(rows.keys().collect::<Vec<_>>(), ["ann", "ben"]);
        assert!(String::from_utf8_lossy(&o.stderr).contains("Grading 2 of 2"));
    }
    let o = grade(std::slice::from_ref(&same), &same, &["--format", "csv,md"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(
            "not graded as submissions (sflab's own gradebook output): feedback/, previous/"
        ),
        "{stderr}"
    );
}
