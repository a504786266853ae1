//! `sflab report --out DIR` after a report that stopped part-way: the retry replaces sflab's
//! own partial output, and a kill -9's leftover staging folder is cleaned.

use sflab::track::report::write_report;
use sflab::workspace::Workspace;
use std::collections::BTreeMap;

fn track() -> sflab::track::spec::Track {
    sflab::track::spec::parse(
        "t.yaml",
        "track: T\nlabs:\n  - { lab: rest-crud, due: 2999-12-04 }\n",
        &sflab::curriculum::Curriculum::embedded().unwrap(),
    )
    .unwrap()
}

#[test]
fn a_report_that_stopped_part_way_is_replaced_by_the_retry() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(&t.path().join("ws")).unwrap();
    let out = t.path().join("report");
    // progress.json cannot be written (a folder stands in for a full disk): labs/ is in place.
    std::fs::create_dir_all(out.join("progress.json")).unwrap();
    let now = chrono::Utc::now();
    assert!(write_report(&ws, &track(), &[], &BTreeMap::new(), &[], &out, now).is_err());
    assert!(out.join("labs").is_dir());
    std::fs::remove_dir(out.join("progress.json")).unwrap();
    write_report(&ws, &track(), &[], &BTreeMap::new(), &[], &out, now)
        .expect("the retry replaces sflab's own partial report");
    assert!(out.join("progress.json").is_file());
}

#[test]
fn a_labs_folder_sflab_did_not_write_is_still_refused() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(&t.path().join("ws")).unwrap();
    let out = t.path().join("mine");
    std::fs::create_dir_all(out.join("labs").join("notes")).unwrap();
    let e = write_report(
        &ws,
        &track(),
        &[],
        &BTreeMap::new(),
        &[],
        &out,
        chrono::Utc::now(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("no earlier `sflab report` wrote"), "{e}");
    assert!(out.join("labs").join("notes").is_dir());
}

#[test]
fn a_staging_folder_left_by_a_killed_report_is_removed_by_the_next() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(&t.path().join("ws")).unwrap();
    let out = t.path().join("report");
    let old_style = out.join(".labs-0123456789abcdef0123456789abcdef");
    let dead = out.join(format!(".labs-{}-feedface", i32::MAX - 1));
    std::fs::create_dir_all(old_style.join("rest-crud")).unwrap();
    std::fs::create_dir_all(dead.join("rest-crud")).unwrap();
    write_report(
        &ws,
        &track(),
        &[],
        &BTreeMap::new(),
        &[],
        &out,
        chrono::Utc::now(),
    )
    .unwrap();
    assert!(!old_style.exists() && !dead.exists());
}
