//! [`ProgressError`]: why the progress database could not be opened, read or written, said so
//! the learner can act on it.
//!
//! When an attempt cannot be saved, [`ProgressError::not_saved_advice`] says what to do about
//! that cause: another program holding the file locked is told apart from a full disk or a
//! read-only folder, and an error that already says what to do (damaged, newer) gets nothing
//! more.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    #[error("could not open the progress database {path}: {source}. Check that the workspace's .sflab folder is writable and its disk has space.")]
    Open {
        path: PathBuf,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("the progress database {path} is damaged ({source}). Your lab folders are untouched: move the file aside (mv {path} {path}.damaged) and sflab starts a new progress record; the moved file keeps the earlier attempts.", path = .path.display())]
    Damaged {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("the progress database {path} was written by a newer sflab (schema {found}); upgrade sflab to read it.")]
    TooNew { path: PathBuf, found: i64 },
    #[error("{}", sql_message(.0))]
    Sql(#[from] rusqlite::Error),
    #[error("a stored attempt could not be decoded: {0}")]
    Decode(#[from] serde_json::Error),
    #[error("the recorded traffic of attempt {attempt} at {lab} could not be decoded ({source}); the progress database was edited or damaged there. `sflab check {lab}` records a new attempt with its own.")]
    BadTranscript {
        lab: String,
        attempt: i64,
        source: serde_json::Error,
    },
}

/// What a failed read or write of the database tells the learner: for a damaged file (found
/// only when a damaged page is read), what to do about it.
fn sql_message(e: &rusqlite::Error) -> String {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => format!(
            "the progress database is damaged ({e}). Your lab folders are untouched: move the workspace's .sflab/progress.db aside (to progress.db.damaged) and sflab starts a new progress record; the moved file keeps the earlier attempts."
        ),
        _ if is_busy(e) => format!(
            "the progress database (.sflab/progress.db in the workspace) is locked by another program that has it open (an sqlite3 shell, a database browser, a backup or sync tool): {e}"
        ),
        _ => format!("the progress database (.sflab/progress.db in the workspace) could not be read or written: {e}"),
    }
}

impl ProgressError {
    /// What to do after this error kept an attempt from being saved, for the sentence after
    /// it; `None` when the error already says it (a damaged or newer database).
    pub fn not_saved_advice(&self) -> Option<&'static str> {
        match self {
            ProgressError::TooNew { .. } => None,
            ProgressError::Damaged { .. } => {
                Some("Once that is done, the next check records as usual.")
            }
            ProgressError::Sql(e) if is_busy(e) => Some(
                "Close that program (or let it finish), then check again; the next check records as usual.",
            ),
            ProgressError::Sql(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
                ) =>
            {
                Some("Once that is done, the next check records as usual.")
            }
            _ => Some(
                "Free some disk space or make the folder writable; the next check records as usual.",
            ),
        }
    }
}

/// SQLite's "the database is busy / locked" answers.
pub(super) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}
