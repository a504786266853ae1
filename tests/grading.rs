//! `sflab grade` as an instructor uses it: a folder of fixture submissions (correct, partly
//! correct, broken, hanging, flooding, tampering) graded in one command, each as expected; the
//! CSV, JSON and JUnit outputs checked against their schemas; determinism and sharding; hidden
//! expectations kept out of the feedback.

use serde_json::Value;
use sflab::grade::{grade_all, GradeOptions, Submission};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "grading/copies.rs"]
mod copies;
#[path = "grading/feedback.rs"]
mod feedback;
#[path = "grading/outputs.rs"]
mod outputs;
#[path = "grading/schema.rs"]
mod schema;
#[path = "grading/scoring.rs"]
mod scoring;
#[path = "grading/signals.rs"]
mod signals;
#[path = "grading/tracks.rs"]
mod tracks;

use schema::{assert_csv_schema, assert_json_schema, assert_junit_schema};

const LAB: &str = "rest-upsert-twice";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/submissions")
        .join(LAB)
}

fn sflab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sflab"))
        .args(args)
        .env("SFLAB_GRADE_TEST_LEAK", "must-not-reach-the-learner")
        .env_remove("SFLAB_CURRICULUM")
        .output()
        .unwrap()
}

fn grade(subs: &[PathBuf], out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args: Vec<String> = vec!["grade".into()];
    args.extend(subs.iter().map(|p| p.display().to_string()));
    args.extend(["--lab", LAB, "--out"].map(String::from));
    args.push(out.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = sflab(&refs);
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// CSV rows keyed by submission, each a map column → cell; checks the header and totals.
fn read_csv(path: &Path) -> (Vec<String>, BTreeMap<String, BTreeMap<String, String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let mut rows = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        assert_eq!(rec.len(), header.len(), "every row has every column");
        let row: BTreeMap<String, String> = header
            .iter()
            .cloned()
            .zip(rec.iter().map(String::from))
            .collect();
        rows.insert(row["submission"].clone(), row);
    }
    (header, rows)
}

fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.push((
                    e.path().display().to_string(),
                    std::fs::read(e.path()).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_folder_of_submissions_is_graded_as_expected_in_every_format() {
    let before = tree(&fixtures());
    let out = tempfile::tempdir().unwrap();
    let o = grade(
        &[fixtures()],
        out.path(),
        &["--jobs", "2", "--timeout", "2s"],
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("2 of 6 passed."), "{stdout}");

    let (header, rows) = read_csv(&out.path().join("gradebook.csv"));
    assert_csv_schema(&header, &rows);
    let names: Vec<&String> = rows.keys().collect();
    assert_eq!(
        names,
        [
            "broken",
            "correct",
            "floods",
            "hangs",
            "partly-correct",
            "tampers"
        ]
    );
    let r = |s: &str, c: &str| rows[s][c].clone();
    assert_eq!(
        (r("correct", "total"), r("correct", "passed")),
        ("10".into(), "true".into())
    );
    assert_eq!(r("partly-correct", "total"), "9");
    assert_eq!(r("partly-correct", "state.soql"), "0");
    assert_eq!(r("broken", "process.exit_ok"), "0");
    assert_eq!(r("broken", "state.idempotent"), "0");
    assert_eq!(
        r("hangs", "process.exit_ok"),
        "0",
        "a hanging run is stopped and fails"
    );
    for rule in ["state.idempotent", "state.no_duplicates", "state.soql"] {
        assert_eq!(
            r("hangs", rule),
            "0",
            "{rule}: a run that wrote nothing before it was stopped earns no state points"
        );
    }
    assert_eq!(
        r("hangs", "total"),
        "0",
        "a run stopped at its time limit did no work a call cap could measure"
    );
    // Stopped at its 2 s limit, give or take a busy machine's scheduling.
    let error = r("hangs", "error");
    let stopped_after: f64 = error
        .strip_prefix("timed out: run 1 stopped after ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|secs| secs.parse().ok())
        .unwrap_or_else(|| panic!("the error column says it did not finish: {error}"));
    assert!((2.0..10.0).contains(&stopped_after), "{error}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("hangs") && l.contains("✗ timed out: run 1 stopped after")),
        "{stdout}"
    );
    assert_eq!(
        r("broken", "error"),
        "",
        "a run that ended by itself did not time out"
    );
    assert_eq!(r("floods", "total"), "10", "a flood is capped, not a crash");
    assert_eq!(
        r("tampers", "total"),
        "2",
        "its own lab.yaml gives it nothing"
    );
    assert_eq!(r("tampers", "state.idempotent"), "0");

    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("grades.json")).unwrap())
            .unwrap();
    assert_json_schema(&doc);
    let subs = doc["submissions"].as_array().unwrap();
    let tampers = subs.iter().find(|s| s["submission"] == "tampers").unwrap();
    assert_eq!(
        tampers["stray_files"],
        serde_json::json!(["../home-file.txt", "../outside.txt"])
    );
    assert!(tampers["skipped_files"]
        .as_array()
        .unwrap()
        .contains(&"lab.yaml".into()));
    assert!(
        tampers["skipped_files"]
            .as_array()
            .unwrap()
            .contains(&".sflab".into()),
        "a planted progress database is left behind"
    );
    let printed = tampers["report"]["runs"][0]["stdout"]["text"]
        .as_str()
        .unwrap();
    assert!(printed.contains("SF_INSTANCE_URL"), "{printed}");
    assert!(
        !printed.contains("SFLAB_GRADE_TEST_LEAK"),
        "the environment is clean: {printed}"
    );
    let hangs = subs.iter().find(|s| s["submission"] == "hangs").unwrap();
    assert_eq!(hangs["report"]["runs"][0]["timed_out"], true);
    assert!(hangs["error"]["timed_out"]
        .as_str()
        .unwrap()
        .starts_with("timed out: run 1"));
    let floods = subs.iter().find(|s| s["submission"] == "floods").unwrap();
    assert_eq!(floods["report"]["runs"][0]["stdout"]["truncated"], true);
    assert!(
        floods["report"]["runs"][0]["stdout"]["text"]
            .as_str()
            .unwrap()
            .len()
            < 300_000
    );
    let correct = subs.iter().find(|s| s["submission"] == "correct").unwrap();
    let headers = correct["report"]["exchanges"][0]["request"]["headers"]
        .as_array()
        .unwrap();
    let auth = headers
        .iter()
        .find(|h| {
            h["name"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case("authorization")
        })
        .unwrap();
    assert!(
        auth["value"].as_str().unwrap().contains("‹redacted:"),
        "{auth}"
    );

    let junit = std::fs::read_to_string(out.path().join("junit.xml")).unwrap();
    let root = assert_junit_schema(&junit, 6);
    let partly = root
        .children
        .iter()
        .find(|s| s.attrs["name"] == "partly-correct")
        .unwrap();
    assert_eq!(partly.attrs["failures"], "1");
    // How a run went is in its suite's <system-out>, as in the feedback's notes.
    let suite_xml = |name: &str| {
        let start = junit.find(&format!("<testsuite name=\"{name}\"")).unwrap();
        let end = junit[start..].find("</testsuite>").unwrap() + start;
        junit[start..end].to_string()
    };
    let broken = suite_xml("broken");
    assert!(
        broken.contains("<system-out>") && broken.contains("ech0: command not found"),
        "{broken}"
    );
    assert!(!broken.contains("```"), "plain text, no Markdown: {broken}");
    assert!(suite_xml("hangs").contains("did not finish in time"));
    assert!(!suite_xml("correct").contains("<system-out>"));

    for n in names {
        assert!(
            out.path().join(format!("feedback/{n}.md")).is_file(),
            "{n}.md"
        );
    }
    let md = std::fs::read_to_string(out.path().join("feedback/tampers.md")).unwrap();
    assert!(md.contains("**Score: 2/10**"), "{md}");
    assert!(md.contains("`lab.yaml`; it was ignored"), "{md}");
    assert!(md.contains("wrote outside its lab folder"), "{md}");
    let hang_md = std::fs::read_to_string(out.path().join("feedback/hangs.md")).unwrap();
    assert!(hang_md.contains("did not finish in time"), "{hang_md}");

    assert_eq!(
        tree(&fixtures()),
        before,
        "submission folders are never written"
    );
    assert!(!fixtures().join("outside.txt").exists());
}

#[test]
fn the_same_input_gives_the_same_grades_and_shards_split_it_stably() {
    let subs: Vec<PathBuf> = ["tampers", "correct", "broken", "partly-correct"]
        .iter()
        .map(|n| fixtures().join(n))
        .collect();
    let whole = tempfile::tempdir().unwrap();
    grade(&subs, whole.path(), &["--format", "csv", "--jobs", "2"]);
    let (_, all) = read_csv(&whole.path().join("gradebook.csv"));
    let again = tempfile::tempdir().unwrap();
    grade(&subs, again.path(), &["--format", "csv", "--jobs", "1"]);
    assert_eq!(
        std::fs::read_to_string(whole.path().join("gradebook.csv")).unwrap(),
        std::fs::read_to_string(again.path().join("gradebook.csv")).unwrap(),
        "the same input gives the same gradebook, byte for byte, whatever --jobs"
    );
    let mut merged = BTreeMap::new();
    let shared = tempfile::tempdir().unwrap();
    for i in 1..=2 {
        let shard = format!("{i}/2");
        grade(
            &subs,
            shared.path(),
            &["--format", "csv,junit", "--shard", &shard],
        );
    }
    for i in 1..=2 {
        let shard = format!("{i}/2");
        let (_, rows) = read_csv(&shared.path().join(format!("gradebook.{i}-of-2.csv")));
        assert_eq!(rows.len(), 2, "shard {shard}");
        assert!(
            shared.path().join(format!("junit.{i}-of-2.xml")).is_file(),
            "shards into one folder keep each other's outputs"
        );
        merged.extend(rows);
    }
    assert!(
        !shared.path().join("grades.json").exists() && !shared.path().join("previous").exists(),
        "only the formats asked for, and nothing set aside between shards"
    );
    let strip = |m: &BTreeMap<String, BTreeMap<String, String>>| -> Vec<String> {
        m.values()
            .map(|r| {
                format!(
                    "{} {} {}",
                    r["submission"], r["total"], r["state.idempotent"]
                )
            })
            .collect()
    };
    assert_eq!(
        strip(&merged),
        strip(&all),
        "shards together are the whole, graded the same"
    );
    let one = tempfile::tempdir().unwrap();
    grade(
        &subs[..1],
        one.path(),
        &["--shard", "1/1", "--format", "csv"],
    );
    assert_eq!(
        read_csv(&one.path().join("gradebook.1-of-1.csv")).1["tampers"]["total"],
        all["tampers"]["total"]
    );
}

#[test]
fn a_submission_without_a_run_file_scores_zero_with_a_reason() {
    let t = tempfile::tempdir().unwrap();
    let empty = t.path().join("empty-hand-in");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join("notes.txt"), "I ran out of time").unwrap();
    let out = t.path().join("out");
    let o = grade(&[empty], &out, &["--format", "csv,md,junit"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("not runnable"));
    let (_, rows) = read_csv(&out.join("gradebook.csv"));
    assert_eq!(rows["empty-hand-in"]["total"], "0");
    assert!(rows["empty-hand-in"]["error"].contains("no `run` file"));
    let md = std::fs::read_to_string(out.join("feedback/empty-hand-in.md")).unwrap();
    assert!(md.contains("could not be run"), "{md}");
    let root = assert_junit_schema(&std::fs::read_to_string(out.join("junit.xml")).unwrap(), 1);
    // The lab's 6 checks and the gates on printed secrets and secrets in URLs every lab gets.
    assert_eq!(root.children[0].attrs["errors"], "8");
    // Said to the instructor: no sandbox path, no learner advice.
    let error = &rows["empty-hand-in"]["error"];
    assert!(
        !error.contains("sflab reset") && !error.contains("sflab-grade"),
        "{error}"
    );
}

/// A copy of the shipped curriculum's folders in `root`.
fn curriculum_copy(root: &Path) -> PathBuf {
    let dir = root.join("curriculum");
    let files = sflab::curriculum::embedded();
    for top in ["lessons/", "labs/", "solutions/"] {
        for path in sflab::curriculum::Files::list(&files, top) {
            let to = dir.join(&path);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::write(&to, sflab::curriculum::Files::read(&files, &path).unwrap()).unwrap();
        }
    }
    dir
}

#[test]
fn grading_puts_up_with_a_lessons_broken_link_but_not_with_a_lab_left_out() {
    let t = tempfile::tempdir().unwrap();
    let curriculum = curriculum_copy(t.path());
    let lesson = curriculum.join("lessons/L1-basics/01-rest.md");
    let mut text = std::fs::read_to_string(&lesson).unwrap();
    text.push_str("\nSee [the missing page](../L1-basics/99-missing.md).\n");
    std::fs::write(&lesson, text).unwrap();
    let dir = curriculum.display().to_string();
    let correct = fixtures().join("correct").display().to_string();
    let out = t.path().join("out");
    let args = [
        "--curriculum",
        &dir,
        "grade",
        &correct,
        "--lab",
        LAB,
        "--out",
    ];
    let mut with_out: Vec<&str> = args.to_vec();
    let out_s = out.display().to_string();
    with_out.push(&out_s);
    let o = sflab(&with_out);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("99-missing.md"),
        "the problem is still said: {err}"
    );
    assert!(out.join("gradebook.csv").exists());

    // Another lab that cannot be read leaves part of the curriculum out: nothing is graded.
    std::fs::write(curriculum.join("labs/rest-crud/lab.yaml"), "title: [").unwrap();
    let out2 = t.path().join("out2").display().to_string();
    with_out.pop();
    with_out.push(&out2);
    let o = sflab(&with_out);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("labs/rest-crud/lab.yaml"), "{err}");
    assert!(!t.path().join("out2/gradebook.csv").exists());
}

#[cfg(unix)]
#[test]
fn a_symlinked_run_is_named_as_the_reason_it_was_not_run() {
    let t = tempfile::tempdir().unwrap();
    let sub = t.path().join("linked");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(t.path().join("elsewhere.sh"), "#!/bin/sh\necho hi\n").unwrap();
    std::os::unix::fs::symlink(t.path().join("elsewhere.sh"), sub.join("run")).unwrap();
    let out = t.path().join("out");
    grade(&[sub], &out, &["--format", "csv"]);
    let (_, rows) = read_csv(&out.join("gradebook.csv"));
    assert_eq!(rows["linked"]["total"], "0");
    assert!(
        rows["linked"]["error"].contains("symbolic link"),
        "{:?}",
        rows["linked"]
    );
}

#[test]
fn bad_arguments_are_refused_with_a_reason() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("o").display().to_string();
    let sub = fixtures().join("correct").display().to_string();
    let a_file = t.path().join("grades.txt");
    std::fs::write(&a_file, "keep me").unwrap();
    let a_file = a_file.display().to_string();
    for (args, says) in [
        (
            vec!["grade", &sub, "--lab", LAB, "--out", &a_file],
            "is a file",
        ),
        (
            vec![
                "grade",
                &sub,
                "--lab",
                LAB,
                "--out",
                &out,
                "--timeout",
                "0s",
            ],
            "give 100ms to 24h",
        ),
        (
            vec![
                "grade",
                &sub,
                "--lab",
                LAB,
                "--out",
                &out,
                "--timeout",
                "18446744073709551615s",
            ],
            "--timeout \"18446744073709551615s\" is not a usable duration",
        ),
        (
            vec!["grade", &sub, "--lab", "no-such-lab", "--out", &out],
            "there is no lab",
        ),
        (
            vec!["grade", &sub, "--lab", LAB, "--out", &out, "--jobs", "0"],
            "--jobs 0 would grade no submission at a time",
        ),
        (
            vec!["grade", &sub, "--lab", LAB, "--out", &out, "--shard", "3/2"],
            "--shard",
        ),
        (
            vec![
                "grade", &sub, "--lab", LAB, "--out", &out, "--format", "pdf",
            ],
            "unknown format",
        ),
    ] {
        let o = sflab(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(says),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn grade_help_says_plainly_that_submissions_run_unsandboxed() {
    let o = sflab(&["grade", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    assert!(
        help.contains("submissions are NOT sandboxed")
            && help.contains("throwaway container or VM"),
        "{help}"
    );
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(readme.contains("**Submissions are not sandboxed.**"));
}

#[test]
fn hidden_expectations_stay_out_of_learner_feedback() {
    let lab = sflab::lab::spec::parse(
        "lab.yaml",
        "id: rest-upsert-twice\ntitle: Hidden rows\nlevel: L1\nlesson: L1-basics/rest\ntools: [curl]\n\
         org:\n  objects:\n    Account:\n      fields:\n        ERP_Id__c: { type: text, externalId: true, unique: true }\n\
         run: { times: 1, timeout: 10s }\n\
         checks:\n  - rule: state.soql\n    query: \"SELECT Name, Industry FROM Account WHERE ERP_Id__c = 'A-2001'\"\n    rows: [ { Name: Kestrel Air, Industry: Aerospace } ]\n    hidden: [rows]\n    points: 2\n",
    )
    .unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let options = GradeOptions {
        parts: sflab::runner::wiring::mock_parts(),
        jobs: 1,
        timeout: None,
        output_cap: 64 * 1024,
        tls: false,
        scratch: scratch.path().to_path_buf(),
        harness: vec![],
        redaction_key: [7; 32],
    };
    let subs = [Submission {
        name: "partly-correct".into(),
        dir: fixtures().join("partly-correct"),
    }];
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let book = rt.block_on(grade_all(&lab, &subs, &options, &|_, _| {}));
    let report = book.grades[0].result.as_ref().unwrap();
    assert!(report.verdicts[0].failed());
    assert!(
        report.verdicts[0]
            .diff
            .as_deref()
            .unwrap_or("")
            .contains("Aerospace"),
        "the instructor's JSON keeps it"
    );
    let md = sflab::grade::feedback::to_markdown(&book.grades[0], &book.rubric);
    assert!(!md.contains("Aerospace"), "{md}");
    let junit = sflab::grade::junit::to_junit(&book);
    assert!(!junit.contains("Aerospace"), "{junit}");
    assert!(
        std::fs::read_dir(scratch.path()).unwrap().next().is_none(),
        "sandboxes are removed"
    );
}

/// Copies the capstone's reference solution and one known-bad case into submission folders
/// (the fixtures are the curriculum's own solutions, so they cannot drift from the lab).
fn capstone_submissions(root: &Path) -> Vec<PathBuf> {
    let solutions = Path::new(env!("CARGO_MANIFEST_DIR")).join("solutions/capstone-order-sync");
    let cases = [
        ("reference", solutions.clone()),
        (
            "no-idempotency-key",
            solutions.join("wrong/no-idempotency-key"),
        ),
    ];
    let mut out = Vec::new();
    for (name, from) in cases {
        let to = root.join(name);
        std::fs::create_dir_all(&to).unwrap();
        for file in ["run", "middleware.py", "architecture.md"] {
            // A known-bad case holds only the files that differ from the reference.
            let source = Some(from.join(file))
                .filter(|p| p.exists())
                .unwrap_or_else(|| solutions.join(file));
            std::fs::copy(source, to.join(file)).unwrap();
        }
        out.push(to);
    }
    out
}

#[test]
fn capstone_submissions_get_points_per_rule_of_its_rubric() {
    let subs = tempfile::tempdir().unwrap();
    let folders = capstone_submissions(subs.path());
    let out = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = vec!["grade".into()];
    args.extend(folders.iter().map(|p| p.display().to_string()));
    args.extend(["--lab", "capstone-order-sync", "--out", "--jobs", "2"].map(String::from));
    args.insert(args.len() - 2, out.path().display().to_string());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = sflab(&refs);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let (header, rows) = read_csv(&out.path().join("gradebook.csv"));
    let design = header.iter().position(|h| h == "design.table").unwrap();
    assert_eq!(
        header[design..design + 3],
        ["design.table", "design.table#2", "design.table#3"],
        "a column per check, repeated rules numbered: {header:?}"
    );
    let r = |s: &str, c: &str| rows[s][c].clone();
    assert_eq!(
        (r("reference", "total"), r("reference", "max")),
        ("33".into(), "33".into()),
        "{:?}",
        rows["reference"]
    );
    assert_eq!(r("no-idempotency-key", "erp.no_duplicate_orders"), "0");
    assert_eq!(r("no-idempotency-key", "design.table#3"), "3");
    assert_eq!(r("no-idempotency-key", "passed"), "false");
    let md = std::fs::read_to_string(out.path().join("feedback/no-idempotency-key.md")).unwrap();
    assert!(md.contains("same order more than once"), "{md}");
}
