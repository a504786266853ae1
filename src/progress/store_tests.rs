//! Tests of the progress store, including a writer killed in the middle of a transaction.

use super::*;
use crate::evidence::{Body, RecordedRequest};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn verdict(rule: &str, pass: bool) -> Verdict {
    if pass {
        Verdict::pass(rule, 2, "fine")
    } else {
        Verdict::fail(rule, 2, "not yet").with_evidence([1])
    }
}

fn exchange() -> Exchange {
    Exchange {
        seq: 1,
        run_index: 0,
        started_at: Utc::now(),
        finished_at: Utc::now(),
        request: RecordedRequest {
            method: "GET".into(),
            url: "https://127.0.0.1:1/services/data/v62.0/limits".into(),
            path: "/services/data/v62.0/limits".into(),
            query: None,
            headers: vec![],
            body: Body::default(),
            http_version: None,
        },
        response: None,
        fault: None,
        error: None,
        client_processes: Vec::new(),
    }
}

fn attempt<'a>(lab: &'a str, verdicts: &'a [Verdict], exchanges: &'a [Exchange]) -> NewAttempt<'a> {
    let passed = verdicts.iter().all(|v| v.passed());
    NewAttempt {
        lab,
        started_at: Utc::now(),
        duration_ms: 120,
        passed,
        points: verdicts.iter().map(|v| v.points_awarded).sum(),
        max_points: verdicts.iter().map(|v| v.points_possible).sum(),
        backend: "mock",
        org: None,
        error: None,
        verdicts,
        exchanges,
        runs: &[],
    }
}

#[test]
fn an_attempt_round_trips_with_verdicts_and_transcript() {
    let t = tempfile::tempdir().unwrap();
    let mut s = Store::open(&t.path().join(".sflab/progress.db")).unwrap();
    let vs = [
        verdict("http.request", true),
        verdict("state.idempotent", false),
    ];
    let ex = [exchange()];
    let id = s.record_attempt(&attempt("rest-crud", &vs, &ex)).unwrap();
    let last = s.last_attempt("rest-crud").unwrap().unwrap();
    assert_eq!(last.id, id);
    assert!(!last.passed);
    assert_eq!(last.points, 2);
    assert_eq!(last.max_points, 4);
    assert_eq!(last.verdicts, vs.to_vec());
    let (exchanges, runs) = s.transcript(id).unwrap().unwrap();
    assert_eq!(exchanges, ex.to_vec());
    assert!(runs.is_empty());
}

#[test]
fn statuses_follow_started_failed_and_passed_attempts() {
    let t = tempfile::tempdir().unwrap();
    let mut s = Store::open(&t.path().join("progress.db")).unwrap();
    assert_eq!(s.lab_status("a").unwrap(), LabStatus::NotStarted);
    s.mark_started("a").unwrap();
    assert_eq!(s.lab_status("a").unwrap(), LabStatus::InProgress);
    let fail = [verdict("r", false)];
    s.record_attempt(&attempt("a", &fail, &[])).unwrap();
    assert_eq!(s.lab_status("a").unwrap(), LabStatus::FailedLast);
    assert!(!s.ever_passed("a").unwrap());
    let pass = [verdict("r", true)];
    s.record_attempt(&attempt("a", &pass, &[])).unwrap();
    s.record_attempt(&attempt("a", &fail, &[])).unwrap();
    assert_eq!(
        s.lab_status("a").unwrap(),
        LabStatus::Passed,
        "a lab once passed stays passed"
    );
    assert!(s.ever_passed("a").unwrap());
    assert_eq!(s.lab_statuses().unwrap().len(), 1);
}

#[test]
fn hints_and_quiz_answers_are_kept() {
    let t = tempfile::tempdir().unwrap();
    let mut s = Store::open(&t.path().join("progress.db")).unwrap();
    s.reveal_hint("a", "state.idempotent", 0).unwrap();
    s.reveal_hint("a", "state.idempotent", 0).unwrap();
    s.reveal_hint("a", "state.idempotent", 1).unwrap();
    let h = s.hints_revealed("a").unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[1].tier, 1);
    s.record_quiz_answer("L1-basics/rest", 0, false).unwrap();
    s.record_quiz_answer("L1-basics/rest", 0, true).unwrap();
    assert!(s.quiz_results("L1-basics/rest").unwrap()[&0]);
}

#[test]
fn a_worse_or_abandoned_retake_keeps_the_knowledge_checks_right_answers() {
    let t = tempfile::tempdir().unwrap();
    let mut s = Store::open(&t.path().join("progress.db")).unwrap();
    for q in 0..3 {
        s.record_quiz_answer("l", q, true).unwrap();
    }
    // Started again: the first answer wrong, then left.
    s.record_quiz_answer("l", 0, false).unwrap();
    s.record_quiz_answer("l", 1, false).unwrap();
    let results = s.quiz_results("l").unwrap();
    assert_eq!(results, [(0, true), (1, true), (2, true)].into());
    // A question never answered right stays wrong, whatever else was answered.
    s.record_quiz_answer("m", 0, false).unwrap();
    s.record_quiz_answer("m", 0, false).unwrap();
    assert_eq!(s.quiz_results("m").unwrap(), [(0, false)].into());
}

#[cfg(unix)]
#[test]
fn the_database_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("progress.db");
    let mut s = Store::open(&p).unwrap();
    s.mark_started("a").unwrap();
    for f in ["progress.db", "progress.db-wal"] {
        let mode = std::fs::metadata(t.path().join(f))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{f}");
    }
}

const CHILD_ENV: &str = "SFLAB_PROGRESS_KILL_CHILD_DB";

/// In the child: commit one attempt, start a second transaction, say so, and wait to be killed.
fn killed_writer_child(db: &str) {
    let mut s = Store::open(Path::new(db)).unwrap();
    let pass = [verdict("r", true)];
    s.record_attempt(&attempt("committed", &pass, &[])).unwrap();
    let tx = s.conn.transaction().unwrap();
    tx.execute(
        "INSERT INTO attempts (lab, started_at, duration_ms, passed, points, max_points, backend)
         VALUES ('in-flight', 'x', 1, 1, 1, 1, 'mock')",
        [],
    )
    .unwrap();
    for i in 0..2000 {
        tx.execute(
            "INSERT INTO quiz_answers (lesson, question, correct, answered_at) VALUES ('l', ?1, 1, 'x')",
            [i],
        )
        .unwrap();
    }
    println!("in-transaction");
    std::thread::sleep(std::time::Duration::from_secs(60));
}

#[test]
fn a_writer_killed_mid_transaction_loses_nothing_committed() {
    if let Ok(db) = std::env::var(CHILD_ENV) {
        killed_writer_child(&db);
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let db = t.path().join("progress.db");
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args([
            "progress::store::tests::a_writer_killed_mid_transaction_loses_nothing_committed",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(
        lines.any(|l| l.map(|l| l.contains("in-transaction")).unwrap_or(false)),
        "the child reached the open transaction"
    );
    unsafe {
        libc::kill(child.id() as i32, libc::SIGKILL);
    }
    child.wait().unwrap();

    let s = Store::open(&db).unwrap();
    let ok: String = s
        .conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    assert!(
        s.ever_passed("committed").unwrap(),
        "the committed attempt survived"
    );
    assert!(s.last_attempt("in-flight").unwrap().is_none());
    assert!(s.quiz_results("l").unwrap().is_empty());
}

#[test]
fn attempts_lists_every_attempt_of_one_lab_oldest_first() {
    let t = tempfile::tempdir().unwrap();
    let mut s = Store::open(&t.path().join(".sflab/progress.db")).unwrap();
    let fail = [verdict("state.idempotent", false)];
    let pass = [verdict("state.idempotent", true)];
    s.record_attempt(&attempt("rest-crud", &fail, &[])).unwrap();
    s.record_attempt(&attempt("other", &pass, &[])).unwrap();
    s.record_attempt(&attempt("rest-crud", &pass, &[])).unwrap();
    let all = s.attempts("rest-crud").unwrap();
    assert_eq!(all.len(), 2);
    assert!(!all[0].passed && all[1].passed);
    assert_eq!(all[1].verdicts, pass.to_vec());
    assert!(s.attempts("never").unwrap().is_empty());
}

#[test]
fn only_the_latest_transcripts_of_a_lab_are_kept_and_verdicts_stay() {
    let t = tempfile::tempdir().unwrap();
    let mut s = Store::open(&t.path().join("progress.db")).unwrap();
    let vs = [verdict("http.request", true)];
    let ex = [exchange()];
    let kept = TRANSCRIPTS_KEPT as usize;
    let ids: Vec<i64> = (0..kept + 3)
        .map(|_| s.record_attempt(&attempt("rest-crud", &vs, &ex)).unwrap())
        .collect();
    let other = s
        .record_attempt(&attempt("rest-upsert-twice", &vs, &ex))
        .unwrap();
    for (i, id) in ids.iter().enumerate() {
        let has = s.transcript(*id).unwrap().is_some();
        assert_eq!(has, i >= 3, "attempt {i}");
    }
    assert!(s.transcript(other).unwrap().is_some());
    assert_eq!(
        s.last_attempt("rest-crud").unwrap().unwrap().verdicts,
        vs.to_vec()
    );
}

#[test]
fn a_lesson_read_to_its_end_is_kept_once() {
    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("progress.db");
    let mut s = Store::open(&path).unwrap();
    assert!(s.lessons_read().unwrap().is_empty());
    s.mark_read("L3-client-apps/external-client-apps").unwrap();
    s.mark_read("L3-client-apps/external-client-apps").unwrap();
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(
        s.lessons_read().unwrap(),
        ["L3-client-apps/external-client-apps"]
    );
}

#[test]
fn opening_while_another_connection_holds_the_database_waits_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.db");
    drop(Store::open(&path).unwrap());
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let opener = std::thread::spawn(move || {
        tx.send(()).unwrap();
        Store::open(&path).map(|_| ())
    });
    rx.recv().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    holder.execute_batch("COMMIT").unwrap();
    assert!(opener.join().unwrap().is_ok());
}

#[test]
fn a_database_from_before_orgs_were_recorded_gains_the_column_and_keeps_its_attempts() {
    let t = tempfile::tempdir().unwrap();
    let db = t.path().join("progress.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE attempts (id INTEGER PRIMARY KEY, lab TEXT NOT NULL, started_at TEXT NOT NULL,
                duration_ms INTEGER NOT NULL, passed INTEGER NOT NULL, points INTEGER NOT NULL,
                max_points INTEGER NOT NULL, backend TEXT NOT NULL, error TEXT);
             INSERT INTO attempts (lab, started_at, duration_ms, passed, points, max_points, backend)
                VALUES ('old-lab', '2026-01-01T00:00:00+00:00', 5, 1, 2, 2, 'sandbox');
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let mut s = Store::open(&db).unwrap();
    let old = s.attempts("old-lab").unwrap();
    assert_eq!(old.len(), 1);
    assert_eq!(old[0].org, None);
    let pass = [verdict("r", true)];
    let mut a = attempt("new-lab", &pass, &[]);
    a.backend = "sandbox";
    a.org = Some("Acme (sandbox) at acme.my.salesforce.com, org 00D000000000001");
    s.record_attempt(&a).unwrap();
    let new = s.last_attempt("new-lab").unwrap().unwrap();
    assert_eq!(new.org.as_deref(), a.org);
    drop(s);
    // Opening again does not add the column twice.
    assert!(Store::open(&db).is_ok());
}

#[test]
fn a_store_opened_to_read_only_shows_progress_and_leaves_the_folder_as_it_was() {
    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("odd?name#1%.db");
    {
        let mut s = Store::open(&path).unwrap();
        s.record_attempt(&attempt("a", &[verdict("r", true)], &[]))
            .unwrap();
    }
    let listing = |dir: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = listing(t.path());
    let s = Store::open_read_only(&path).unwrap();
    assert_eq!(s.lab_status("a").unwrap(), LabStatus::Passed);
    drop(s);
    assert_eq!(
        listing(t.path()),
        before,
        "no lock or journal file was made"
    );
}

#[test]
fn an_attempt_keeps_the_fingerprint_of_its_lab_folder_and_older_ones_have_none() {
    let t = tempfile::tempdir().unwrap();
    let mut s = Store::open(&t.path().join(".sflab/progress.db")).unwrap();
    let vs = [verdict("http.request", true)];
    let old = s.record_attempt(&attempt("lab-a", &vs, &[])).unwrap();
    let new = s
        .record_attempt_of_folder(&attempt("lab-a", &vs, &[]), Some("ab12"))
        .unwrap();
    assert_eq!(s.folder_fingerprint(old).unwrap(), None);
    assert_eq!(s.folder_fingerprint(new).unwrap().as_deref(), Some("ab12"));
}
