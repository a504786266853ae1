//! [`Store`]: opening the progress database and every read and write the CLI and TUI need.
//!
//! Recording an attempt waits up to [`WRITE_WAIT`] for a lock another program holds (what is
//! said when it still cannot be saved is in [`super::error`]).
//!
//! An attempt whose stored verdicts cannot be decoded (a row edited by hand, a damaged page)
//! does not block the rest: reads of attempts leave it out and keep a note naming the lab and
//! the attempt ([`Store::take_skipped`]), which the command shows.

use super::error::is_busy;
pub use super::error::ProgressError;
use super::schema;
use crate::evidence::{Exchange, LearnerRun};
use crate::rules::Verdict;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;
use std::path::Path;

/// How long recording an attempt waits for a lock another program holds on the database,
/// before the attempt is given up as not saved (reads wait [`READ_WAIT`]).
pub const WRITE_WAIT: std::time::Duration = std::time::Duration::from_secs(30);
const READ_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// How long opening keeps trying while the database answers "busy", however long each try
/// waited.
const OPEN_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Where a lab stands for the learner, as the tree and `sflab list` show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabStatus {
    /// Some attempt passed.
    Passed,
    /// Never passed, and the last attempt failed.
    FailedLast,
    /// Started (files copied) but never checked.
    InProgress,
    NotStarted,
}

impl LabStatus {
    /// The tree glyph: ✓ passed, ✗ failed last time, ● in progress, ○ not started.
    pub fn glyph(self) -> &'static str {
        match self {
            LabStatus::Passed => "✓",
            LabStatus::FailedLast => "✗",
            LabStatus::InProgress => "●",
            LabStatus::NotStarted => "○",
        }
    }
}

/// How many of a lab's latest attempts keep their transcript (redacted traffic and output);
/// older attempts keep their verdicts only.
pub const TRANSCRIPTS_KEPT: i64 = 10;

/// An attempt to store.
#[derive(Debug, Clone)]

pub struct NewAttempt<'a> {
    pub lab: &'a str,
    pub started_at: DateTime<Utc>,
    pub duration_ms: u64,
    pub passed: bool,
    pub points: u32,
    pub max_points: u32,
    pub backend: &'a str,
    /// The org a sandbox attempt ran on, as [`crate::runner::Report::org`] names it.
    pub org: Option<&'a str>,
    /// Why the attempt could not be judged, if it could not.
    pub error: Option<&'a str>,
    pub verdicts: &'a [Verdict],
    /// Redacted exchanges.
    pub exchanges: &'a [Exchange],
    /// Redacted runs.
    pub runs: &'a [LearnerRun],
}

/// A stored attempt, with its verdicts.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRow {
    pub id: i64,
    pub lab: String,
    pub started_at: String,
    pub duration_ms: u64,
    pub passed: bool,
    pub points: u32,
    pub max_points: u32,
    pub backend: String,
    pub error: Option<String>,
    /// The org a sandbox attempt ran on (none on the mock org).
    pub org: Option<String>,
    pub verdicts: Vec<Verdict>,
}

/// The redacted exchanges and learner runs of one attempt.
pub type Transcript = (Vec<Exchange>, Vec<LearnerRun>);

/// A hint the learner has seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HintReveal {
    /// Empty for a general hint.
    pub rule: String,
    pub tier: u32,
}

pub struct Store {
    conn: Connection,
    /// Attempts left out of reads because their verdicts cannot be decoded: id → note.
    skipped: std::cell::RefCell<BTreeMap<i64, String>>,
    /// How long a recorded attempt waits for a lock ([`WRITE_WAIT`]).
    write_wait: std::time::Duration,
}

fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map(drop)
}

fn now() -> String {
    Utc::now().to_rfc3339()
}

impl Store {
    /// Opens (creating if needed) the database at `path`, mode 0600, WAL. Another sflab
    /// opening or closing the same file at that moment (the classroom follows it while
    /// commands run beside it) can make SQLite answer "locked" at once, without waiting out
    /// the busy timeout: the open is tried again for up to about five seconds.
    pub fn open(path: &Path) -> Result<Store, ProgressError> {
        let deadline = std::time::Instant::now() + OPEN_WAIT;
        loop {
            match Store::open_once(path) {
                Err(ProgressError::Sql(e))
                    if is_busy(&e) && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                other => return other,
            }
        }
    }

    /// The store at `path` to read and write — or, when it exists but cannot be opened for
    /// writing (a read-only folder or file system), to read only: `true` then. Progress still
    /// shows; nothing can be saved.
    pub fn open_or_read(path: &Path) -> Result<(Store, bool), ProgressError> {
        match Store::open(path) {
            Ok(store) => Ok((store, false)),
            Err(e @ ProgressError::Open { .. }) if path.is_file() => Store::open_read_only(path)
                .map(|s| (s, true))
                .map_err(|_| e),
            Err(e) => Err(e),
        }
    }

    /// Opens an existing store for reading only, without touching the file or its folder
    /// (SQLite's `immutable`: no lock or journal files are made).
    fn open_read_only(path: &Path) -> Result<Store, ProgressError> {
        let escaped: String = path
            .to_string_lossy()
            .chars()
            .map(|c| match c {
                '%' => "%25".to_string(),
                '?' => "%3f".to_string(),
                '#' => "%23".to_string(),
                c => c.to_string(),
            })
            .collect();
        let flags =
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(format!("file:{escaped}?immutable=1"), flags)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > schema::VERSION {
            return Err(ProgressError::TooNew {
                path: path.to_path_buf(),
                found: version,
            });
        }
        Ok(Store {
            conn,
            skipped: Default::default(),
            write_wait: WRITE_WAIT,
        })
    }

    fn open_once(path: &Path) -> Result<Store, ProgressError> {
        let open_err = |source: Box<dyn std::error::Error + Send + Sync>| ProgressError::Open {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::fsutil::create_private_dir(dir).map_err(|e| open_err(e.into()))?;
        }
        create_private_file(path).map_err(|e| open_err(e.into()))?;
        let mut conn = Connection::open(path).map_err(|e| open_err(e.into()))?;
        let damaged = |source: rusqlite::Error| match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
                ProgressError::Damaged {
                    path: path.to_path_buf(),
                    source,
                }
            }
            _ => ProgressError::Sql(source),
        };
        conn.busy_timeout(READ_WAIT).map_err(damaged)?;
        // Switching the journal takes a lock: only done when it is not WAL yet.
        let journal: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .map_err(damaged)?;
        if !journal.eq_ignore_ascii_case("wal") {
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(damaged)?;
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(damaged)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(damaged)?;
        if let Err(found) = schema::migrate(&mut conn).map_err(damaged)? {
            return Err(ProgressError::TooNew {
                path: path.to_path_buf(),
                found,
            });
        }
        Ok(Store {
            conn,
            skipped: Default::default(),
            write_wait: WRITE_WAIT,
        })
    }

    /// Stores one attempt, its verdicts and its transcript in one transaction; returns its id.
    pub fn record_attempt(&mut self, a: &NewAttempt<'_>) -> Result<i64, ProgressError> {
        self.record_attempt_of_folder(a, None)
    }

    /// [`Store::record_attempt`], keeping with it the fingerprint of the lab folder as the
    /// attempt left it ([`super::fingerprint`]), so `sflab report` can tell by content
    /// whether the folder changed after a pass.
    pub fn record_attempt_of_folder(
        &mut self,
        a: &NewAttempt<'_>,
        fingerprint: Option<&str>,
    ) -> Result<i64, ProgressError> {
        let exchanges = serde_json::to_string(a.exchanges)?;
        let runs = serde_json::to_string(a.runs)?;
        let verdicts: Vec<String> = a
            .verdicts
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<_, _>>()?;
        // An attempt is worth waiting for: another program's lock (a database browser
        // mid-write) is waited out longer than a read would.
        self.conn.busy_timeout(self.write_wait)?;
        let recorded = self.insert_attempt(a, fingerprint, &exchanges, &runs, &verdicts);
        let _ = self.conn.busy_timeout(READ_WAIT);
        recorded
    }

    fn insert_attempt(
        &mut self,
        a: &NewAttempt<'_>,
        fingerprint: Option<&str>,
        exchanges: &str,
        runs: &str,
        verdicts: &[String],
    ) -> Result<i64, ProgressError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO attempts (lab, started_at, duration_ms, passed, points, max_points, backend, error, org)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                a.lab,
                a.started_at.to_rfc3339(),
                i64::try_from(a.duration_ms).unwrap_or(i64::MAX),
                a.passed,
                a.points,
                a.max_points,
                a.backend,
                a.error,
                a.org
            ],
        )?;
        let id = tx.last_insert_rowid();
        for (i, v) in verdicts.iter().enumerate() {
            tx.execute(
                "INSERT INTO verdicts (attempt_id, position, verdict) VALUES (?1, ?2, ?3)",
                params![id, i64::try_from(i).unwrap_or(i64::MAX), v],
            )?;
        }
        tx.execute(
            "INSERT INTO transcripts (attempt_id, exchanges, runs) VALUES (?1, ?2, ?3)",
            params![id, exchanges, runs],
        )?;
        // Traffic is kept only as long as it is useful: the lab's latest transcripts.
        tx.execute(
            "DELETE FROM transcripts WHERE attempt_id IN
               (SELECT id FROM attempts WHERE lab = ?1 ORDER BY id DESC LIMIT -1 OFFSET ?2)",
            params![a.lab, TRANSCRIPTS_KEPT],
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO labs_started (lab, started_at) VALUES (?1, ?2)",
            params![a.lab, now()],
        )?;
        if let Some(fingerprint) = fingerprint {
            tx.execute(
                "INSERT INTO folder_fingerprints (attempt_id, fingerprint) VALUES (?1, ?2)",
                params![id, fingerprint],
            )?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// The fingerprint of the lab folder as attempt `attempt` left it; `None` for attempts
    /// recorded before sflab kept fingerprints, or without a lab folder.
    pub fn folder_fingerprint(&self, attempt: i64) -> Result<Option<String>, ProgressError> {
        Ok(self
            .conn
            .query_row(
                "SELECT fingerprint FROM folder_fingerprints WHERE attempt_id = ?1",
                [attempt],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Notes that the learner started a lab (its files are in the workspace).
    pub fn mark_started(&mut self, lab: &str) -> Result<(), ProgressError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT OR IGNORE INTO labs_started (lab, started_at) VALUES (?1, ?2)",
            params![lab, now()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The verdicts of `attempt`; the inner error when one cannot be decoded.
    fn verdicts_of(
        &self,
        attempt: i64,
    ) -> Result<Result<Vec<Verdict>, serde_json::Error>, ProgressError> {
        let mut stmt = self
            .conn
            .prepare("SELECT verdict FROM verdicts WHERE attempt_id = ?1 ORDER BY position")?;
        let rows = stmt.query_map([attempt], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for text in rows {
            match serde_json::from_str(&text?) {
                Ok(v) => out.push(v),
                Err(e) => return Ok(Err(e)),
            }
        }
        Ok(Ok(out))
    }

    /// `row` with its verdicts, or `None` (and a note) when they cannot be decoded.
    fn with_verdicts(&self, mut row: AttemptRow) -> Result<Option<AttemptRow>, ProgressError> {
        match self.verdicts_of(row.id)? {
            Ok(verdicts) => {
                row.verdicts = verdicts;
                Ok(Some(row))
            }
            Err(e) => {
                self.skipped.borrow_mut().insert(
                    row.id,
                    format!(
                        "attempt {} at {} (started {}) is left out: one of its stored verdicts could not be decoded ({e}). The progress database was edited or damaged there; the lab's other attempts count as usual.",
                        row.id, row.lab, row.started_at
                    ),
                );
                Ok(None)
            }
        }
    }

    /// The notes on attempts left out of reads so far (see the module header), each once.
    pub fn take_skipped(&self) -> Vec<String> {
        std::mem::take(&mut *self.skipped.borrow_mut())
            .into_values()
            .collect()
    }

    fn attempt_rows(
        &self,
        lab: &str,
        newest_first: bool,
    ) -> Result<Vec<AttemptRow>, ProgressError> {
        let order = if newest_first { "DESC" } else { "ASC" };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT id, lab, started_at, duration_ms, passed, points, max_points, backend, error, org
             FROM attempts WHERE lab = ?1 ORDER BY id {order}"
        ))?;
        let rows = stmt.query_map([lab], |r| {
            Ok(AttemptRow {
                id: r.get(0)?,
                lab: r.get(1)?,
                started_at: r.get(2)?,
                duration_ms: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                passed: r.get(4)?,
                points: r.get(5)?,
                max_points: r.get(6)?,
                backend: r.get(7)?,
                error: r.get(8)?,
                org: r.get(9)?,
                verdicts: Vec::new(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The most recent attempt at `lab` whose verdicts can be read, with them.
    pub fn last_attempt(&self, lab: &str) -> Result<Option<AttemptRow>, ProgressError> {
        for row in self.attempt_rows(lab, true)? {
            if let Some(a) = self.with_verdicts(row)? {
                return Ok(Some(a));
            }
        }
        Ok(None)
    }

    /// Every attempt at `lab` whose verdicts can be read, oldest first, with them (for
    /// progress reports).
    pub fn attempts(&self, lab: &str) -> Result<Vec<AttemptRow>, ProgressError> {
        let mut out = Vec::new();
        for row in self.attempt_rows(lab, false)? {
            out.extend(self.with_verdicts(row)?);
        }
        Ok(out)
    }

    /// The redacted exchanges and runs of one attempt.
    pub fn transcript(&self, attempt: i64) -> Result<Option<Transcript>, ProgressError> {
        let row: Option<(String, String, String)> = self
            .conn
            .query_row(
                "SELECT t.exchanges, t.runs, a.lab FROM transcripts t JOIN attempts a ON a.id = t.attempt_id
                 WHERE t.attempt_id = ?1",
                [attempt],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((e, r, lab)) = row else {
            return Ok(None);
        };
        let decoded = serde_json::from_str(&e).and_then(|e| Ok((e, serde_json::from_str(&r)?)));
        decoded
            .map(Some)
            .map_err(|source| ProgressError::BadTranscript {
                lab,
                attempt,
                source,
            })
    }

    /// Whether any attempt at `lab` passed (the solution is unlocked).
    pub fn ever_passed(&self, lab: &str) -> Result<bool, ProgressError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM attempts WHERE lab = ?1 AND passed = 1)",
            [lab],
            |r| r.get(0),
        )?)
    }

    /// Each attempted lab's latest attempt id: a new id means a new attempt, whoever ran it.
    pub fn latest_attempt_ids(&self) -> Result<BTreeMap<String, i64>, ProgressError> {
        let mut stmt = self
            .conn
            .prepare("SELECT lab, MAX(id) FROM attempts GROUP BY lab")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The status of every lab that has any progress; labs absent from the map are not started.
    pub fn lab_statuses(&self) -> Result<BTreeMap<String, LabStatus>, ProgressError> {
        let mut out = BTreeMap::new();
        let mut stmt = self.conn.prepare("SELECT lab FROM labs_started")?;
        for lab in stmt.query_map([], |r| r.get::<_, String>(0))? {
            out.insert(lab?, LabStatus::InProgress);
        }
        let mut stmt = self.conn.prepare(
            "SELECT lab, MAX(passed), (SELECT passed FROM attempts b WHERE b.lab = a.lab ORDER BY id DESC LIMIT 1)
             FROM attempts a GROUP BY lab",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })?;
        for row in rows {
            let (lab, ever, last) = row?;
            let status = if ever || last {
                LabStatus::Passed
            } else {
                LabStatus::FailedLast
            };
            out.insert(lab, status);
        }
        Ok(out)
    }

    /// One lab's status.
    pub fn lab_status(&self, lab: &str) -> Result<LabStatus, ProgressError> {
        Ok(self
            .lab_statuses()?
            .remove(lab)
            .unwrap_or(LabStatus::NotStarted))
    }

    /// Records that hint `tier` (0-based) for `rule` (`""` for general hints) was shown.
    pub fn reveal_hint(&mut self, lab: &str, rule: &str, tier: u32) -> Result<(), ProgressError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT OR IGNORE INTO hints_revealed (lab, rule, tier, revealed_at) VALUES (?1, ?2, ?3, ?4)",
            params![lab, rule, tier, now()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Hints already shown for `lab`, in the order they were revealed.
    pub fn hints_revealed(&self, lab: &str) -> Result<Vec<HintReveal>, ProgressError> {
        let mut stmt = self.conn.prepare(
            "SELECT rule, tier FROM hints_revealed WHERE lab = ?1 ORDER BY revealed_at, rule, tier",
        )?;
        let rows = stmt.query_map([lab], |r| {
            Ok(HintReveal {
                rule: r.get(0)?,
                tier: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records one quiz answer.
    pub fn record_quiz_answer(
        &mut self,
        lesson: &str,
        question: u32,
        correct: bool,
    ) -> Result<(), ProgressError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO quiz_answers (lesson, question, correct, answered_at) VALUES (?1, ?2, ?3, ?4)",
            params![lesson, question, correct, now()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Notes that the learner read `lesson` to its end (the first time counts).
    pub fn mark_read(&mut self, lesson: &str) -> Result<(), ProgressError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT OR IGNORE INTO lessons_read (lesson, read_at) VALUES (?1, ?2)",
            params![lesson, now()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The lessons read to their end.
    pub fn lessons_read(&self) -> Result<Vec<String>, ProgressError> {
        let mut stmt = self
            .conn
            .prepare("SELECT lesson FROM lessons_read ORDER BY lesson")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every answer to `lesson`'s check as (question, right), in the order given: where the
    /// latest attempt starts and how far it got.
    pub fn quiz_answers(&self, lesson: &str) -> Result<Vec<(u32, bool)>, ProgressError> {
        let mut stmt = self
            .conn
            .prepare("SELECT question, correct FROM quiz_answers WHERE lesson = ?1 ORDER BY id")?;
        let rows = stmt.query_map([lesson], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// For each question of `lesson` answered at least once: whether it was ever answered
    /// right. What was earned stays earned: a retake abandoned or answered worse (every answer
    /// is kept) never takes a right answer back, as a lab's pass outlives a failing run.
    pub fn quiz_results(&self, lesson: &str) -> Result<BTreeMap<u32, bool>, ProgressError> {
        let mut stmt = self.conn.prepare(
            "SELECT question, MAX(correct) FROM quiz_answers WHERE lesson = ?1 GROUP BY question",
        )?;
        let rows = stmt.query_map([lesson], |r| {
            Ok((r.get::<_, u32>(0)?, r.get::<_, bool>(1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "store_robust_tests.rs"]
mod robust_tests;
