//! What `sflab grade` copies of a submission and how every output speaks of its files: a file
//! left out of the graded copy (a link, a file over 2 MB) is named with why, the sandbox's
//! temporary paths read as the submission's own, and an archive beside the submission
//! folders is listed as not graded rather than skipped in silence.

use super::{
    assert_csv_schema, assert_json_schema, assert_junit_schema, fixtures, grade, read_csv, sflab,
    LAB,
};
use std::path::Path;

fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[cfg(unix)]
#[test]
fn files_left_out_of_the_graded_copy_are_named_with_why_for_the_learner_and_the_lead() {
    let t = tempfile::tempdir().unwrap();
    // The program lives in a linked file, as in a workspace sharing a helper across labs.
    std::fs::copy(
        fixtures().join("correct/run"),
        t.path().join("shared-helper.sh"),
    )
    .unwrap();
    let sub = t.path().join("symhelper");
    std::fs::create_dir_all(&sub).unwrap();
    executable(
        &sub.join("run"),
        "#!/bin/sh\ncd \"$(dirname \"$0\")\"\nexec bash ./helper.sh\n",
    );
    std::os::unix::fs::symlink(t.path().join("shared-helper.sh"), sub.join("helper.sh")).unwrap();
    std::fs::write(sub.join("data.bin"), vec![b'x'; 2 * 1024 * 1024 + 1]).unwrap();
    let out = t.path().join("out");
    let o = grade(&[sub], &out, &["--format", "csv,json,junit,md"]);

    let said = "helper.sh (grading does not follow symbolic links); data.bin (grading copies no file over 2 MB)";
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(&format!("left out of the graded copy: {said}")),
        "the console summary names them: {stdout}"
    );
    let md = std::fs::read_to_string(out.join("feedback/symhelper.md")).unwrap();
    assert!(
        md.contains("left out of the copy your submission was graded in")
            && md.contains("`helper.sh` (grading does not follow symbolic links); `data.bin` (grading copies no file over 2 MB)"),
        "{md}"
    );
    let (_, rows) = read_csv(&out.join("gradebook.csv"));
    assert!(
        rows["symhelper"]["notes"].contains(said) && rows["symhelper"]["error"].is_empty(),
        "{:?}",
        rows["symhelper"]
    );
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert!(
        junit.contains("`helper.sh` (grading does not follow symbolic links)"),
        "{junit}"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("grades.json")).unwrap()).unwrap();
    assert_eq!(
        doc["submissions"][0]["left_out"],
        serde_json::json!([
            { "file": "data.bin", "why": "grading copies no file over 2 MB" },
            { "file": "helper.sh", "why": "grading does not follow symbolic links" },
        ])
    );
}

#[test]
fn grading_the_same_folder_twice_gives_the_same_feedback_naming_its_own_files() {
    let t = tempfile::tempdir().unwrap();
    let sub = t.path().join("crashes");
    std::fs::create_dir_all(&sub).unwrap();
    executable(
        &sub.join("run"),
        "#!/bin/sh\ncat \"$PWD/state.json\"\necho \"no cache in $HOME/cache\" >&2\nexit 3\n",
    );
    let feedback = |out: &str| {
        let out = t.path().join(out);
        grade(std::slice::from_ref(&sub), &out, &["--format", "md"]);
        std::fs::read_to_string(out.join("feedback/crashes.md")).unwrap()
    };
    let first = feedback("first");
    assert!(
        first.contains("cat: ./state.json: No such file or directory"),
        "the submission's own path: {first}"
    );
    assert!(first.contains("no cache in ../cache"), "{first}");
    assert!(!first.contains("sflab-grade"), "no sandbox path: {first}");
    assert_eq!(feedback("second"), first, "byte for byte");
}

#[test]
fn an_archive_beside_the_submission_folders_is_listed_as_not_graded_in_every_output() {
    let t = tempfile::tempdir().unwrap();
    let subs = t.path().join("hand-ins");
    std::fs::create_dir_all(subs.join("ann")).unwrap();
    executable(&subs.join("ann/run"), "#!/bin/sh\nexit 0\n");
    std::fs::write(subs.join("bob.zip"), "PK\u{3}\u{4}").unwrap();
    std::fs::write(subs.join("cy.tar.gz"), "\u{1f}\u{8b}").unwrap();
    let out = t.path().join("out");
    let o = sflab(&[
        "grade",
        &subs.display().to_string(),
        "--lab",
        LAB,
        "--out",
        &out.display().to_string(),
        "--format",
        "csv,json,junit,md",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "not graded as submissions (archives: unzip archives first): bob.zip, cy.tar.gz"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("Grading 3 of 3 submissions")
            && stderr.contains("2 of them are archives, listed as not graded"),
        "the banner counts the archives: {stderr}"
    );
    let bob_why = "bob.zip is an archive, which sflab does not open: unpack it into a folder of its own beside the other submissions (`unzip bob.zip -d bob`)";
    assert!(
        stdout.contains(&format!("! not graded: {bob_why}")),
        "{stdout}"
    );

    let (header, rows) = read_csv(&out.join("gradebook.csv"));
    assert_csv_schema(&header, &rows);
    assert_eq!(
        rows.keys().collect::<Vec<_>>(),
        ["ann", "bob.zip", "cy.tar.gz"]
    );
    assert!(
        rows["bob.zip"]["error"].starts_with(&format!("not graded: {bob_why}")),
        "{:?}",
        rows["bob.zip"]
    );
    assert!(
        rows["cy.tar.gz"]["error"].contains("`mkdir cy && tar -xzf cy.tar.gz -C cy`"),
        "{:?}",
        rows["cy.tar.gz"]
    );
    assert_eq!(rows["bob.zip"]["passed"], "false");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("grades.json")).unwrap()).unwrap();
    assert_json_schema(&json);
    let bob = &json["submissions"][1];
    assert_eq!(bob["submission"], "bob.zip");
    assert!(
        bob["error"]["archive"]
            .as_str()
            .is_some_and(|m| m.starts_with(bob_why)),
        "{bob}"
    );
    assert!(bob["rules"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] == "error"));

    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    let root = assert_junit_schema(&junit, 3);
    let suite = root
        .children
        .iter()
        .find(|s| s.attrs["name"] == "bob.zip")
        .expect("a suite for the archive");
    assert_eq!(suite.attrs["errors"], suite.attrs["tests"]);
    for case in suite.children.iter().filter(|c| c.name == "testcase") {
        let error = &case.children[0];
        assert_eq!(error.name, "error");
        assert_eq!(error.attrs["type"], "archive");
        assert!(
            error.attrs["message"].starts_with("not graded: bob.zip is an archive"),
            "{:?}",
            error.attrs
        );
    }
    let md = std::fs::read_to_string(out.join("feedback/bob.zip.md")).unwrap();
    assert!(
        md.contains("**Not graded.** Your work was handed in as an archive"),
        "{md}"
    );
}

#[test]
fn a_file_written_outside_the_lab_folder_under_a_secret_name_is_masked_in_every_output() {
    let t = tempfile::tempdir().unwrap();
    let sub = t.path().join("caches");
    std::fs::create_dir_all(&sub).unwrap();
    let seen = t.path().join("token-seen");
    let correct = std::fs::read_to_string(fixtures().join("correct/run")).unwrap();
    executable(
        &sub.join("run"),
        &correct.replacen(
            "set -euo pipefail\n",
            &format!(
                "set -euo pipefail\nprintf %s \"$SF_ACCESS_TOKEN\" > '{}'\ntouch \"../cache-$SF_ACCESS_TOKEN\"\n",
                seen.display()
            ),
            1,
        ),
    );
    let out = t.path().join("out");
    grade(&[sub], &out, &["--format", "csv,json,junit,md"]);
    let token = std::fs::read_to_string(&seen).unwrap();
    assert!(token.len() > 20, "the run saw its token: {token:?}");
    for file in [
        "gradebook.csv",
        "grades.json",
        "junit.xml",
        "feedback/caches.md",
    ] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        assert!(!text.contains(&token), "{file} names the token: {text}");
    }
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("grades.json")).unwrap()).unwrap();
    let stray = doc["submissions"][0]["stray_files"][0].as_str().unwrap();
    assert!(stray.starts_with("../‹redacted:access_token#"), "{stray}");
    let md = std::fs::read_to_string(out.join("feedback/caches.md")).unwrap();
    assert!(
        md.contains("wrote outside its lab folder (../‹redacted:access_token#"),
        "{md}"
    );
}
