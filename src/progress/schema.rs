//! The progress database's tables, created on first open and versioned with `user_version`.

use rusqlite::Connection;

/// The schema version this build writes. Tables added with `IF NOT EXISTS` (such as
/// `lessons_read` and `folder_fingerprints`) keep the version: every open creates them, and older builds ignore them.
pub const VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS attempts (
    id           INTEGER PRIMARY KEY,
    lab          TEXT    NOT NULL,
    started_at   TEXT    NOT NULL,
    duration_ms  INTEGER NOT NULL,
    passed       INTEGER NOT NULL,
    points       INTEGER NOT NULL,
    max_points   INTEGER NOT NULL,
    backend      TEXT    NOT NULL,
    error        TEXT,
    org          TEXT
);
CREATE INDEX IF NOT EXISTS attempts_by_lab ON attempts (lab, id);
CREATE TABLE IF NOT EXISTS verdicts (
    attempt_id   INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    verdict      TEXT    NOT NULL,
    PRIMARY KEY (attempt_id, position)
);
CREATE TABLE IF NOT EXISTS transcripts (
    attempt_id   INTEGER PRIMARY KEY REFERENCES attempts (id) ON DELETE CASCADE,
    exchanges    TEXT    NOT NULL,
    runs         TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS labs_started (
    lab          TEXT PRIMARY KEY,
    started_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS hints_revealed (
    lab          TEXT    NOT NULL,
    rule         TEXT    NOT NULL,
    tier         INTEGER NOT NULL,
    revealed_at  TEXT    NOT NULL,
    PRIMARY KEY (lab, rule, tier)
);
CREATE TABLE IF NOT EXISTS quiz_answers (
    id           INTEGER PRIMARY KEY,
    lesson       TEXT    NOT NULL,
    question     INTEGER NOT NULL,
    correct      INTEGER NOT NULL,
    answered_at  TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS folder_fingerprints (
    attempt_id   INTEGER PRIMARY KEY REFERENCES attempts (id) ON DELETE CASCADE,
    fingerprint  TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS lessons_read (
    lesson       TEXT PRIMARY KEY,
    read_at      TEXT NOT NULL
);
";

/// Creates the tables if needed; refuses a database written by a newer sflab.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<Result<(), i64>> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > VERSION {
        return Ok(Err(version));
    }
    let tx = conn.transaction()?;
    tx.execute_batch(SCHEMA)?;
    // Added after the first release: the org a sandbox attempt ran on. Older builds name
    // their columns when they write, so they go on working with it.
    let has_org = tx
        .prepare("SELECT 1 FROM pragma_table_info('attempts') WHERE name = 'org'")?
        .exists([])?;
    if !has_org {
        tx.execute_batch("ALTER TABLE attempts ADD COLUMN org TEXT")?;
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(Ok(()))
}
