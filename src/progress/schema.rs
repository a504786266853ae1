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

/// The tables and indexes [`SCHEMA`] creates, by name.
fn schema_names() -> impl Iterator<Item = &'static str> {
    SCHEMA
        .split("IF NOT EXISTS ")
        .skip(1)
        .filter_map(|rest| rest.split_whitespace().next())
}

/// Whether the database already has this version and everything [`SCHEMA`] creates: then
/// opening it writes nothing, so it opens (and reads) while another program holds its write
/// lock.
fn up_to_date(conn: &Connection, version: i64) -> rusqlite::Result<bool> {
    if version != VERSION {
        return Ok(false);
    }
    let mut present = conn.prepare("SELECT 1 FROM sqlite_master WHERE name = ?1")?;
    for name in schema_names() {
        if !present.exists([name])? {
            return Ok(false);
        }
    }
    conn.prepare("SELECT 1 FROM pragma_table_info('attempts') WHERE name = 'org'")?
        .exists([])
}

/// Creates the tables if needed; refuses a database written by a newer sflab.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<Result<(), i64>> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > VERSION {
        return Ok(Err(version));
    }
    if up_to_date(conn, version)? {
        return Ok(Ok(()));
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
