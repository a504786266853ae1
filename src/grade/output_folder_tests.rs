//! The output folder: shard names, earlier gradebooks set aside whole.

use super::*;

fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn shard(index: usize, of: usize) -> Layout {
    Layout {
        shard: Some(Shard { index, of }),
    }
}

#[test]
fn each_shard_names_its_own_outputs() {
    let whole = Layout::default();
    assert_eq!(
        (whole.csv(), whole.json(), whole.junit(), whole.feedback()),
        (
            "gradebook.csv".into(),
            "grades.json".into(),
            "junit.xml".into(),
            PathBuf::from("feedback")
        )
    );
    let two = shard(2, 4);
    assert_eq!(
        (two.csv(), two.json(), two.junit(), two.feedback()),
        (
            "gradebook.2-of-4.csv".into(),
            "grades.2-of-4.json".into(),
            "junit.2-of-4.xml".into(),
            PathBuf::from("feedback/2-of-4")
        )
    );
}

#[test]
fn an_earlier_gradebook_and_its_feedback_move_to_previous_whole() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path();
    write(&out.join("gradebook.csv"), "old csv");
    write(&out.join("junit.xml"), "old junit");
    write(&out.join("feedback/alice.md"), "old alice");
    write(&out.join("gradebook.1-of-2.csv"), "old shard");
    write(&out.join("notes.txt"), "the instructor's own file");
    let moved = set_aside_previous(out, &Layout::default(), at("2026-03-01T09:30:00Z"))
        .unwrap()
        .unwrap();
    assert_eq!(moved, out.join("previous/2026-03-01T09-30-00Z"));
    for (name, text) in [
        ("gradebook.csv", "old csv"),
        ("junit.xml", "old junit"),
        ("feedback/alice.md", "old alice"),
        ("gradebook.1-of-2.csv", "old shard"),
    ] {
        assert_eq!(std::fs::read_to_string(moved.join(name)).unwrap(), text);
        assert!(!out.join(name).exists(), "{name}");
    }
    assert!(out.join("notes.txt").is_file(), "other files stay");
    write(&out.join("grades.json"), "second");
    let again = set_aside_previous(out, &Layout::default(), at("2026-03-01T09:30:00Z"))
        .unwrap()
        .unwrap();
    assert_eq!(again, out.join("previous/2026-03-01T09-30-00Z-2"));
    assert_eq!(
        set_aside_previous(out, &Layout::default(), at("2026-03-01T10:00:00Z")).unwrap(),
        None,
        "nothing to set aside"
    );
}

#[test]
fn a_shard_sets_aside_only_its_own_earlier_outputs() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path();
    write(&out.join("gradebook.1-of-2.csv"), "shard one");
    write(&out.join("feedback/1-of-2/al.md"), "al");
    write(&out.join("gradebook.2-of-2.csv"), "shard two");
    write(&out.join("feedback/2-of-2/bo.md"), "bo");
    let moved = set_aside_previous(out, &shard(1, 2), at("2026-03-01T09:30:00Z"))
        .unwrap()
        .unwrap();
    assert!(moved.join("gradebook.1-of-2.csv").is_file());
    assert!(moved.join("feedback/1-of-2/al.md").is_file());
    assert!(out.join("gradebook.2-of-2.csv").is_file());
    assert!(out.join("feedback/2-of-2/bo.md").is_file());
}
