//! Tests of what the store says when it cannot save: another program's lock, a newer
//! database.

use super::*;

fn attempt(lab: &str) -> NewAttempt<'_> {
    NewAttempt {
        lab,
        started_at: Utc::now(),
        duration_ms: 1,
        passed: false,
        points: 0,
        max_points: 2,
        backend: "mock",
        org: None,
        error: None,
        verdicts: &[],
        exchanges: &[],
        runs: &[],
    }
}

#[test]
fn an_attempt_kept_out_by_another_programs_lock_says_to_close_it_not_to_free_disk_space() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.db");
    let mut store = Store::open(&path).unwrap();
    store.write_wait = std::time::Duration::from_millis(200);
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let e = store.record_attempt(&attempt("rest-crud")).unwrap_err();
    let said = e.to_string();
    assert!(said.contains("locked by another program"), "{said}");
    let advice = e.not_saved_advice().unwrap();
    assert!(
        advice.contains("Close that program") && !advice.contains("disk space"),
        "{advice}"
    );
    holder.execute_batch("COMMIT").unwrap();
    assert!(store.record_attempt(&attempt("rest-crud")).is_ok());
}

#[test]
fn a_database_from_a_newer_sflab_gets_no_disk_space_advice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.db");
    drop(Store::open(&path).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    let e = Store::open(&path).err().unwrap();
    assert!(matches!(e, ProgressError::TooNew { found: 99, .. }), "{e}");
    assert_eq!(e.not_saved_advice(), None);
}

#[test]
fn a_full_disk_or_read_only_folder_keeps_the_disk_space_advice() {
    let e = ProgressError::Open {
        path: "/ws/.sflab/progress.db".into(),
        source: "Read-only file system (os error 30)".into(),
    };
    assert!(e.not_saved_advice().unwrap().contains("disk space"));
}

fn verdict() -> Verdict {
    Verdict::pass("http.request", 2, "fine")
}

#[test]
fn an_attempt_whose_verdicts_cannot_be_decoded_is_left_out_with_a_note_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.db");
    let mut store = Store::open(&path).unwrap();
    let vs = [verdict()];
    let good = NewAttempt {
        verdicts: &vs,
        ..attempt("rest-crud")
    };
    let first = store.record_attempt(&good).unwrap();
    let broken = store.record_attempt(&good).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE verdicts SET verdict = '{broken' WHERE attempt_id = ?1",
            [broken],
        )
        .unwrap();
    let last = store.last_attempt("rest-crud").unwrap().unwrap();
    assert_eq!(last.id, first, "the newest readable attempt");
    let all = store.attempts("rest-crud").unwrap();
    assert_eq!(all.iter().map(|a| a.id).collect::<Vec<_>>(), [first]);
    let notes = store.take_skipped();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains(&format!("attempt {broken} at rest-crud"))
            && notes[0].contains("could not be decoded"),
        "{}",
        notes[0]
    );
    assert!(store.take_skipped().is_empty(), "each note is given once");
}

#[test]
fn a_transcript_that_cannot_be_decoded_names_its_lab_and_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.db");
    let mut store = Store::open(&path).unwrap();
    let id = store.record_attempt(&attempt("rest-crud")).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE transcripts SET exchanges = '[{' WHERE attempt_id = ?1",
            [id],
        )
        .unwrap();
    let e = store.transcript(id).unwrap_err().to_string();
    assert!(
        e.contains(&format!("attempt {id} at rest-crud")) && e.contains("sflab check rest-crud"),
        "{e}"
    );
}

#[test]
fn a_store_opens_and_reads_while_another_program_writes_and_an_attempt_waits_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.db");
    Store::open(&path)
        .unwrap()
        .record_attempt(&attempt("rest-crud"))
        .unwrap();
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let opened_at = std::time::Instant::now();
    let mut store = Store::open(&path).expect("opening writes nothing");
    assert!(opened_at.elapsed() < std::time::Duration::from_secs(2));
    assert!(store.last_attempt("rest-crud").unwrap().is_some());
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(500));
        holder.execute_batch("COMMIT").unwrap();
    });
    store
        .record_attempt(&attempt("rest-crud"))
        .expect("the attempt waits for the lock");
    release.join().unwrap();
    assert_eq!(store.attempts("rest-crud").unwrap().len(), 2);
}
