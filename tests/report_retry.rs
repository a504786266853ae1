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

#[test]
fn a_report_never_replaces_a_progress_md_or_json_sflab_did_not_write() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(&t.path().join("ws")).unwrap();
    let now = chrono::Utc::now();
    for (name, theirs) in [
        ("progress.md", "my own notes\n"),
        ("progress.json", "{\"reviewer\": \"another tool\"}\n"),
    ] {
        let out = t.path().join(format!("mine-{name}"));
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(name), theirs).unwrap();
        let e = write_report(&ws, &track(), &[], &BTreeMap::new(), &[], &out, now)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&out.join(name).display().to_string())
                && e.contains("is not a file `sflab report` wrote")
                && e.contains("nothing was written"),
            "{e}"
        );
        assert_eq!(std::fs::read_to_string(out.join(name)).unwrap(), theirs);
        let left: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
        assert_eq!(left.len(), 1, "no marker, no labs/, no other file");
    }
    // sflab's own report is replaced by the next one, and an edit to it is kept aside.
    let out = t.path().join("report");
    write_report(&ws, &track(), &[], &BTreeMap::new(), &[], &out, now).unwrap();
    let again = write_report(&ws, &track(), &[], &BTreeMap::new(), &[], &out, now).unwrap();
    assert!(again.kept.is_empty());
    let md = std::fs::read_to_string(out.join("progress.md")).unwrap();
    std::fs::write(
        out.join("progress.md"),
        md.replacen("\n", "\nA note for my lead.\n", 1),
    )
    .unwrap();
    let edited = write_report(&ws, &track(), &[], &BTreeMap::new(), &[], &out, now).unwrap();
    assert_eq!(edited.kept.len(), 1);
    assert!(std::fs::read_to_string(&edited.kept[0].1)
        .unwrap()
        .contains("A note for my lead."));
}
