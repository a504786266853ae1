//! `sflab grade` on hand-ins that are not a plain lab folder: an archive unpacked into a
//! folder of its own (`frank/frank/run`), the copy of a lab folder `sflab report` made (its
//! secrets masked), and a `run` that is a folder. Each is graded as it can be and the
//! gradebook and the feedback say what was found.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const LAB: &str = "rest-upsert-twice";

fn correct_run() -> String {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/submissions")
        .join(LAB)
        .join("correct/run");
    std::fs::read_to_string(fixture).unwrap()
}

fn put_run(dir: &Path, text: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("run"), text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.join("run"), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// Grades `subs` into `out` (CSV and Markdown); the gradebook's rows by submission.
fn grade(subs: &Path, out: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let o = Command::new(env!("CARGO_BIN_EXE_sflab"))
        .args(["grade", &subs.display().to_string(), "--lab", LAB, "--out"])
        .arg(out)
        .args(["--format", "csv,md"])
        .env_remove("SFLAB_CURRICULUM")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut r = csv::Reader::from_path(out.join("gradebook.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let row: BTreeMap<String, String> = header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect();
            (row["submission"].clone(), row)
        })
        .collect()
}

fn feedback(out: &Path, who: &str) -> String {
    std::fs::read_to_string(out.join("feedback").join(format!("{who}.md"))).unwrap()
}

#[test]
fn an_archive_unpacked_into_a_folder_of_its_own_is_graded_from_its_one_folder() {
    let t = tempfile::tempdir().unwrap();
    let subs = t.path().join("hand-ins");
    // `unzip frank.zip -d frank` of an archive holding frank/run.
    put_run(&subs.join("frank/frank"), &correct_run());
    std::fs::create_dir_all(subs.join("frank/__MACOSX")).unwrap();
    put_run(&subs.join("gina"), &correct_run());
    let out = t.path().join("grades");
    let rows = grade(&subs, &out);
    assert_eq!(
        rows["frank"]["total"], rows["frank"]["max"],
        "{:?}",
        rows["frank"]
    );
    assert_eq!(rows["frank"]["passed"], "true");
    assert!(
        rows["frank"]["notes"].contains("Graded from `frank/`, the one folder the hand-in holds")
            && rows["frank"]["error"].is_empty(),
        "{:?}",
        rows["frank"]
    );
    assert_eq!(rows["gina"]["notes"], "", "a plain hand-in has no note");
    assert!(feedback(&out, "frank").contains("Graded from `frank/`"));
}

#[test]
fn a_report_copy_whose_secrets_were_masked_says_so_in_the_gradebook_and_the_feedback() {
    let t = tempfile::tempdir().unwrap();
    let subs = t.path().join("reports");
    let report = subs.join("hal");
    // The learner hard-coded the token; `sflab report` masked it in the copy.
    let masked = correct_run().replace("$SF_ACCESS_TOKEN", "‹redacted:access_token#5e1f0c2a›");
    put_run(&report.join("labs").join(LAB), &masked);
    std::fs::write(
        report.join(".sflab-report"),
        "This folder is written by `sflab report`\n",
    )
    .unwrap();
    std::fs::write(
        report.join("progress.json"),
        format!(r#"{{"labs": [{{"lab": "{LAB}", "masked_files": ["run"]}}]}}"#),
    )
    .unwrap();
    let out = t.path().join("grades");
    let rows = grade(&subs, &out);
    let row = &rows["hal"];
    assert_eq!(row["passed"], "false", "the mask is no token: {row:?}");
    assert!(
        row["notes"].contains("`run` holds secrets masked by `sflab report`")
            && row["notes"].contains("may fail because of the mask"),
        "{row:?}"
    );
    let md = feedback(&out, "hal");
    assert!(
        md.contains("## Notes") && md.contains("`run` holds secrets masked by `sflab report`"),
        "{md}"
    );
}

#[test]
fn a_run_that_is_a_folder_is_said_to_be_a_folder_not_a_missing_file() {
    let t = tempfile::tempdir().unwrap();
    let subs = t.path().join("hand-ins");
    put_run(&subs.join("ivy/run"), &correct_run());
    put_run(&subs.join("jo"), &correct_run());
    let out = t.path().join("grades");
    let rows = grade(&subs, &out);
    let error = &rows["ivy"]["error"];
    assert!(
        error.contains("`run` is a folder, not a file") && !error.contains("has no `run` file"),
        "{error}"
    );
}

#[test]
fn version_control_caches_and_packages_left_out_are_listed_as_notes_not_errors() {
    let t = tempfile::tempdir().unwrap();
    let subs = t.path().join("hand-ins");
    let kate = subs.join("kate");
    put_run(&kate, &correct_run());
    for (file, text) in [
        (".git/HEAD", "ref: refs/heads/main\n"),
        ("__pycache__/client.cpython-312.pyc", "bytes"),
        ("node_modules/x/index.js", "module.exports = 1;\n"),
    ] {
        let path = kate.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let out = t.path().join("grades");
    let rows = grade(&subs, &out);
    let row = &rows["kate"];
    assert_eq!(row["passed"], "true", "{row:?}");
    assert_eq!(
        row["error"], "",
        "a submission that ran has no error: {row:?}"
    );
    assert_eq!(
        row["notes"],
        "left out of the graded copy: node_modules (grading copies no installed packages or databases); .git, __pycache__ (sflab state, version control and caches are not copied)"
    );
    let md = feedback(&out, "kate");
    assert!(
        md.contains("so your program ran without it: `node_modules`")
            && md.contains("Also left out, as never part of a program: `.git`, `__pycache__`"),
        "{md}"
    );
}
