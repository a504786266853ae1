//! Following the progress database while the screen is open. `sflab check` in another
//! terminal writes `.sflab/progress.db` too; the driver stats the database and its
//! write-ahead log every second and reads progress again only when their [`DbStamp`] changed,
//! so a quiet second costs two `stat` calls.
//!
//! Implementation notes: in WAL mode a commit by another process grows `progress.db-wal`
//! and the main file changes only at a checkpoint, hence both files. The stamp is taken again
//! *after* progress is read, because opening the store may touch the files itself.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The length and modification time of the database and its write-ahead log, as a stat sees
/// them (`None` for a file that is not there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbStamp([Option<(u64, SystemTime)>; 2]);

impl DbStamp {
    pub fn of(db: &Path) -> DbStamp {
        let stat = |path: &Path| {
            let meta = std::fs::metadata(path).ok()?;
            Some((meta.len(), meta.modified().ok()?))
        };
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        DbStamp([stat(db), stat(Path::new(&wal))])
    }
}

/// The progress database's last stamp seen, to tell when another process wrote to it.
#[derive(Debug, Clone)]
pub struct ProgressWatch {
    db: PathBuf,
    seen: Option<DbStamp>,
}

impl ProgressWatch {
    /// A watch on `db` that reports a change at its first look (nothing is seen yet).
    pub fn new(db: PathBuf) -> ProgressWatch {
        ProgressWatch { db, seen: None }
    }

    /// Whether the database changed since [`ProgressWatch::mark_seen`] was last called.
    pub fn changed(&self) -> bool {
        self.seen.as_ref() != Some(&DbStamp::of(&self.db))
    }

    /// Takes the database as it is now as seen (call it after reading progress).
    pub fn mark_seen(&mut self) {
        self.seen = Some(DbStamp::of(&self.db));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Store;

    #[test]
    fn a_write_by_another_connection_is_a_change_and_reading_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("progress.db");
        let mut watch = ProgressWatch::new(db.clone());
        assert!(watch.changed(), "the first look always reads");
        drop(Store::open(&db).unwrap());
        watch.mark_seen();
        assert!(!watch.changed(), "nothing written since");
        // Another process (`sflab check`) records something, a moment later (file times
        // are coarse: a few milliseconds).
        std::thread::sleep(std::time::Duration::from_millis(30));
        let mut other = Store::open(&db).unwrap();
        other.mark_started("rest-first-call").unwrap();
        assert!(watch.changed(), "seen while the writer is still open");
        drop(other);
        assert!(watch.changed(), "and after it closed");
        watch.mark_seen();
        assert!(!watch.changed());
    }
}
