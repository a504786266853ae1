//! The checks' scan of a lab folder (secrets, sources) and `sflab report`'s copy of it walk
//! the same folder the same way: installed packages, caches, version control and sflab's own
//! folders are skipped by both, as is a HAR sflab saved; every other file, the learner's, is
//! reached by both.

use sflab::redact::Redactor;
use std::path::Path;

/// A refresh token by its shape: each file below holds one, so the scan names every file it
/// reaches.
const TOKEN: &str = "5Aep861IKW6x1gBZq2ZpLmR8u7aTfXcVb9yHs0dE.QwErTy_uIoP";

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn the_secret_scan_and_the_report_walk_a_lab_folder_the_same() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("lab");
    let text = format!("token\n{TOKEN}\n");
    let mut db = b"SQLite format 3\0\x10\x00\x01\x01\xff\xfe".to_vec();
    db.extend_from_slice(TOKEN.as_bytes());
    // The learner's: visible and hidden, text and not, lab.yaml included.
    let learners = [
        ".cache/tok.json",
        ".env",
        "lab.yaml",
        "run",
        "state/notes.txt",
        "tokens.db",
    ];
    for rel in learners {
        let bytes = if rel == "tokens.db" {
            db.clone()
        } else {
            text.clone().into_bytes()
        };
        write(&dir, rel, &bytes);
    }
    // Never the learner's work.
    for rel in [
        ".git/config",
        ".sflab/track.yaml",
        ".venv/lib/site.py",
        "__pycache__/run.cpython-312.pyc",
        "env/lib/site.py",
        "node_modules/pkg/index.js",
        "report/labs/lab-a/run",
    ] {
        write(&dir, rel, text.as_bytes());
    }
    // A link to one of them: the scan reads it as that file, the report lists it unread.
    #[cfg(unix)]
    std::os::unix::fs::symlink("run", dir.join("run-link")).unwrap();
    write(&dir, "env/pyvenv.cfg", b"home = /usr/bin\n");
    // The traffic sflab saved (the Traffic tab's `s`): its masks are no secret written.
    write(
        &dir,
        "traffic-20261201-101010.har",
        r##"{"log":{"version":"1.2","creator":{"name":"sflab","version":"0"},"entries":[{"request":{"headers":[{"name":"Authorization","value":"Bearer ‹redacted:access_token#a1b2c3d4›"}]}}]}}"##
            .as_bytes(),
    );
    write(&dir, "report/progress.json", b"{}");

    let mut reached: Vec<&str> = learners.to_vec();
    #[cfg(unix)]
    reached.push("run-link");
    reached.sort();

    let scan = sflab::runner::lab_files::read_lab_files(&dir, &Redactor::new(b"k"));
    let scanned: Vec<&str> = scan.secret_files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(scanned, reached);

    let out = t.path().join("out");
    let copies = sflab::track::folder::copy_labs(
        &Redactor::new(b"k"),
        &[("lab-a".to_string(), dir.clone())],
        &out,
    )
    .unwrap();
    let copy = &copies["lab-a"];
    let (folders, files): (Vec<&String>, Vec<&String>) =
        copy.skipped.iter().partition(|s| s.ends_with('/'));
    // Left out by the walk, and listed: the HAR sflab saved.
    let (ours, files): (Vec<&String>, Vec<&String>) =
        files.into_iter().partition(|f| f.ends_with(".har"));
    assert_eq!(ours, ["traffic-20261201-101010.har"]);
    let mut reported: Vec<&str> = copy
        .copied
        .iter()
        .chain(files)
        .map(String::as_str)
        .collect();
    reported.sort();
    assert_eq!(reported, reached);
    assert_eq!(
        folders,
        [
            ".git/",
            ".sflab/",
            ".venv/",
            "__pycache__/",
            "env/",
            "node_modules/",
            "report/"
        ]
    );
}
