//! Following the progress database and the assigned track while the screen is open.
//! `sflab check` in another terminal writes `.sflab/progress.db` too, and `sflab track assign`
//! replaces `.sflab/track.yaml`; the driver stats the database, its write-ahead log and the
//! track file every second and reads progress and the track again only when their stamps
//! changed, so a quiet second costs three `stat` calls.
//!
//! Implementation notes: in WAL mode a commit by another process grows `progress.db-wal`
//! and the main file changes only at a checkpoint, hence both files. The track file is
//! written to a temporary file and renamed over the old one, so on Unix its inode changes
//! even when a new track has the old one's length and modification time. The stamp is taken
//! again *after* progress is read, because opening the store may touch the files itself.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// One file as a stat sees it: its length, modification time and (on Unix) inode; `None`
/// for a file that is not there.
pub type FileStamp = Option<(u64, SystemTime, u64)>;

fn stat(path: &Path) -> FileStamp {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some((meta.len(), meta.modified().ok()?, inode))
}

/// The stamps of the database and its write-ahead log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbStamp([FileStamp; 2]);

impl DbStamp {
    pub fn of(db: &Path) -> DbStamp {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        DbStamp([stat(db), stat(Path::new(&wal))])
    }
}

/// The last stamps seen of the progress database and the assigned track file, to tell when
/// another process wrote to either.
#[derive(Debug, Clone)]
pub struct ProgressWatch {
    db: PathBuf,
    track: Option<PathBuf>,
    seen: Option<(DbStamp, FileStamp)>,
}

impl ProgressWatch {
    /// A watch on `db` that reports a change at its first look (nothing is seen yet).
    pub fn new(db: PathBuf) -> ProgressWatch {
        ProgressWatch {
            db,
            track: None,
            seen: None,
        }
    }

    /// The same watch, also on the workspace's assigned track file (which may not exist yet).
    pub fn with_track(mut self, track: PathBuf) -> ProgressWatch {
        self.track = Some(track);
        self.seen = None;
        self
    }

    fn stamps(&self) -> (DbStamp, FileStamp) {
        (DbStamp::of(&self.db), self.track.as_deref().and_then(stat))
    }

    /// Whether the database or the track changed since [`ProgressWatch::mark_seen`] was last
    /// called.
    pub fn changed(&self) -> bool {
        self.seen.as_ref() != Some(&self.stamps())
    }

    /// Takes the database and the track as they are now as seen (call it after reading them).
    pub fn mark_seen(&mut self) {
        self.seen = Some(self.stamps());
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

    #[test]
    fn a_track_assigned_by_another_process_is_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("progress.db");
        let track = dir.path().join("track.yaml");
        drop(Store::open(&db).unwrap());
        let mut watch = ProgressWatch::new(db).with_track(track.clone());
        watch.mark_seen();
        assert!(!watch.changed());
        // `sflab track assign` writes a new file and renames it over the old one: even a
        // track of the same length, at once, is a change.
        crate::fsutil::write_private_atomic(&track, b"track: A").unwrap();
        assert!(watch.changed(), "a first track");
        watch.mark_seen();
        crate::fsutil::write_private_atomic(&track, b"track: B").unwrap();
        assert!(watch.changed(), "another track");
        watch.mark_seen();
        assert!(!watch.changed());
    }
}
