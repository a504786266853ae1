//! The output folder: shard names, earlier gradebooks set aside whole, the writability probe.

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

#[test]
fn a_writable_folder_passes_the_probe_and_keeps_no_trace_of_it() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("grades/march");
    check_writable(&out, &Layout::default(), true).unwrap();
    assert!(
        !t.path().join("grades").exists(),
        "folders made for the probe are removed"
    );
    std::fs::create_dir_all(&out).unwrap();
    check_writable(&out, &shard(1, 2), true).unwrap();
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
}

#[test]
fn a_folder_that_cannot_be_created_is_refused_before_grading() {
    let t = tempfile::tempdir().unwrap();
    let a_file = t.path().join("grades.txt");
    std::fs::write(&a_file, "keep me").unwrap();
    let e = check_writable(&a_file.join("out"), &Layout::default(), true).unwrap_err();
    assert!(e.to_string().contains("Nothing was graded"), "{e}");
    assert_eq!(std::fs::read_to_string(&a_file).unwrap(), "keep me");
}

#[test]
fn a_file_named_previous_is_refused_before_grading_when_an_earlier_gradebook_must_move() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("g17");
    write(&out.join("previous"), "notes");
    check_writable(&out, &Layout::default(), true)
        .expect("with no earlier gradebook, nothing moves into previous/");
    write(&out.join("gradebook.csv"), "old csv");
    let e = check_writable(&out, &Layout::default(), true).unwrap_err();
    let said = e.to_string();
    assert!(
        said.contains(
            "g17/previous is a file, but sflab needs a folder there for the earlier gradebook"
        ) && said.contains("Nothing was graded"),
        "{said}"
    );
}

#[test]
fn a_file_where_the_feedback_folder_goes_is_named_unless_it_is_moved_aside() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path();
    write(&out.join("feedback"), "a file");
    check_writable(out, &Layout::default(), true)
        .expect("a whole batch moves an earlier `feedback` aside first");
    let e = check_writable(out, &shard(1, 2), true).unwrap_err();
    assert!(
        e.to_string()
            .contains("feedback is a file, but sflab needs a folder there for the feedback files"),
        "{e}"
    );
    check_writable(out, &shard(1, 2), false).expect("no feedback asked for");
}

#[test]
fn a_move_into_previous_cut_short_is_finished_into_the_same_folder() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path();
    for name in [
        "gradebook.csv",
        "grades.json",
        "junit.xml",
        "feedback/alice.md",
    ] {
        write(&out.join(name), "old");
    }
    // A grader killed after moving the feedback and the CSV, before the JSON and JUnit.
    let first = out.join("previous/2026-03-01T09-30-00Z");
    write(
        &out.join(".sflab-moving-to-previous"),
        "previous/2026-03-01T09-30-00Z\nfeedback\ngradebook.csv\ngrades.json\njunit.xml\n",
    );
    std::fs::create_dir_all(&first).unwrap();
    std::fs::rename(out.join("feedback"), first.join("feedback")).unwrap();
    std::fs::rename(out.join("gradebook.csv"), first.join("gradebook.csv")).unwrap();

    let moved = set_aside_previous(out, &Layout::default(), at("2026-03-01T10:00:00Z"))
        .unwrap()
        .unwrap();
    assert_eq!(moved, first, "the same folder, not a second one");
    for name in [
        "gradebook.csv",
        "grades.json",
        "junit.xml",
        "feedback/alice.md",
    ] {
        assert!(first.join(name).is_file(), "{name}");
        assert!(!out.join(name).exists(), "{name}");
    }
    assert_eq!(
        std::fs::read_dir(out.join("previous")).unwrap().count(),
        1,
        "one earlier gradebook, one folder"
    );
    assert!(!out.join(".sflab-moving-to-previous").exists());
}

#[test]
fn a_move_into_previous_leaves_no_note_behind() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path();
    write(&out.join("gradebook.csv"), "old");
    set_aside_previous(out, &Layout::default(), at("2026-03-01T09:30:00Z"))
        .unwrap()
        .unwrap();
    assert!(!out.join(".sflab-moving-to-previous").exists());
    // A note naming a place outside previous/ is not followed.
    write(&out.join("gradebook.csv"), "old");
    write(
        &out.join(".sflab-moving-to-previous"),
        "../elsewhere\ngradebook.csv\n",
    );
    let moved = set_aside_previous(out, &Layout::default(), at("2026-03-01T10:00:00Z"))
        .unwrap()
        .unwrap();
    assert_eq!(moved, out.join("previous/2026-03-01T10-00-00Z"));
}
