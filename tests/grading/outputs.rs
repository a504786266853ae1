//! `sflab grade` and its output folder as an instructor meets it: a `run` that lost its
//! execute bit still runs the way its first line asks.

use super::{fixtures, grade, read_csv};
use std::path::Path;

fn copy_submission(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
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
