//! Watch mode: re-run the checks when the learner saves a file in the lab folder.
//!
//! Changes are debounced (a burst of saves from an editor is one change) and filtered: hidden
//! files and folders (editor swap files, `.git`), `__pycache__`, `node_modules`, HAR files and
//! editor backups never trigger a run. Whatever the learner's own code writes while it runs is
//! dropped too, because events that arrive during a run are discarded when it ends — otherwise a
//! script that writes `out.json` would re-run itself forever.
//!
//! The watch follows the lab folder's path, not the folder first found there: `sflab reset`
//! moves the learner's folder aside (`<lab>.backup-<time>`) and swaps a fresh one in under the
//! same name, from the command line or the classroom alike. A watch that stayed on the folder
//! it first found would go deaf to the learner's saves and run the checks on edits to the backup.
//!
//! # Implementation notes
//! The kernel watches a folder, not a path, and a folder renamed away keeps reporting its
//! changes under the old path. So while it waits the watcher compares which folder the path
//! names now (device and inode) with the one it watches; when they differ it drops the old watch
//! and what it had queued, and watches the new folder. A path with no folder (moved aside, not
//! yet made anew) is watched again as soon as a folder appears there.

use notify::{RecursiveMode, Watcher};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// How long the folder must stay quiet before a burst of changes counts as one.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// Whether a change to `path` (inside the lab folder `root`) should trigger a run.
pub fn is_relevant(root: &Path, path: &Path) -> bool {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut parts = rel.components().peekable();
    if parts.peek().is_none() {
        return false;
    }
    for c in rel.components() {
        let name = c.as_os_str().to_string_lossy();
        if name.starts_with('.')
            || name == "__pycache__"
            || name == "node_modules"
            || name == "target"
        {
            return false;
        }
    }
    let name = rel
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    !(name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
        || name.ends_with(".har")
        || name.starts_with('#'))
}

#[derive(Debug, thiserror::Error)]
#[error("could not watch {dir} for changes: {source}. Run `sflab check` without --watch instead.")]
pub struct WatchError {
    pub dir: PathBuf,
    pub source: notify::Error,
}

type Change = notify::Result<notify::Event>;

/// Which folder a path names right now, so a folder moved aside and made anew under the same
/// name reads as another one; `None` when nothing is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FolderId(u64, u64);

impl FolderId {
    fn of(dir: &Path) -> Option<FolderId> {
        let meta = std::fs::metadata(dir).ok().filter(|m| m.is_dir())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(FolderId(meta.dev(), meta.ino()))
        }
        #[cfg(not(unix))]
        {
            let made = meta
                .created()
                .ok()?
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?;
            Some(FolderId(made.as_secs(), u64::from(made.subsec_nanos())))
        }
    }
}

/// The kernel's watch on one folder, and which folder that is.
struct Armed {
    folder: FolderId,
    _watcher: notify::RecommendedWatcher,
}

/// Watches the folder at `dir` (recursively), sending its changes to `tx`.
fn arm(dir: &Path, tx: Sender<Change>) -> notify::Result<Armed> {
    let folder = FolderId::of(dir)
        .ok_or_else(|| notify::Error::path_not_found().add_path(dir.to_path_buf()))?;
    let mut watcher = notify::recommended_watcher(move |ev| {
        let _ = tx.send(ev);
    })?;
    watcher.watch(dir, RecursiveMode::Recursive)?;
    Ok(Armed {
        folder,
        _watcher: watcher,
    })
}

/// A watcher on one lab folder, handing out debounced batches of relevant changes.
pub struct LabWatcher {
    root: PathBuf,
    given: PathBuf,
    tx: Sender<Change>,
    rx: Receiver<Change>,
    armed: RefCell<Option<Armed>>,
}

impl LabWatcher {
    pub fn new(dir: &Path) -> Result<LabWatcher, WatchError> {
        let (tx, rx) = channel();
        let armed = arm(dir, tx.clone()).map_err(|source| WatchError {
            dir: dir.to_path_buf(),
            source,
        })?;
        Ok(LabWatcher {
            root: dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()),
            given: dir.to_path_buf(),
            tx,
            rx,
            armed: RefCell::new(Some(armed)),
        })
    }

    /// Watches the folder now at the lab's path when it is not the one watched (see the
    /// module's notes); returns whether it did. What the old watch had queued is dropped: it
    /// is the old folder's, or the swap's own.
    fn follow_the_path(&self) -> bool {
        let now = FolderId::of(&self.given);
        let mut armed = self.armed.borrow_mut();
        if now.is_none() || armed.as_ref().map(|a| a.folder) == now {
            return false;
        }
        *armed = None;
        self.discard_pending();
        *armed = arm(&self.given, self.tx.clone()).ok();
        true
    }

    fn relevant_paths(&self, ev: notify::Result<notify::Event>) -> Vec<PathBuf> {
        let Ok(ev) = ev else { return Vec::new() };
        if ev.kind.is_access() {
            return Vec::new();
        }
        ev.paths
            .into_iter()
            .filter(|p| {
                let root = if p.starts_with(&self.root) {
                    &self.root
                } else {
                    &self.given
                };
                is_relevant(root, p)
            })
            .collect()
    }

    /// Drops every change seen so far (call after a run, so its own writes do not count).
    pub fn discard_pending(&self) {
        while self.rx.try_recv().is_ok() {}
    }

    /// Blocks until a relevant change is followed by `debounce` of quiet, and returns the
    /// changed files; `None` when `stop` says so (checked every 100 ms) or the watcher died.
    pub fn next_change(&self, debounce: Duration, stop: &dyn Fn() -> bool) -> Option<Vec<PathBuf>> {
        let mut changed: Vec<PathBuf> = Vec::new();
        let mut quiet_since = Instant::now();
        loop {
            if stop() {
                return None;
            }
            if self.follow_the_path() {
                changed.clear();
            }
            match self.rx.recv_timeout(Duration::from_millis(100)) {
                Ok(ev) => {
                    let paths = self.relevant_paths(ev);
                    if !paths.is_empty() {
                        for p in paths {
                            if !changed.contains(&p) {
                                changed.push(p);
                            }
                        }
                        quiet_since = Instant::now();
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return None,
            }
            if !changed.is_empty() && quiet_since.elapsed() >= debounce {
                return Some(changed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_and_tool_droppings_do_not_trigger_a_run() {
        let root = Path::new("/ws/lab");
        assert!(is_relevant(root, Path::new("/ws/lab/run")));
        assert!(is_relevant(root, Path::new("/ws/lab/src/main.py")));
        for p in [
            "/ws/lab/.run.swp",
            "/ws/lab/run~",
            "/ws/lab/.git/index",
            "/ws/lab/__pycache__/x.pyc",
            "/ws/lab/node_modules/a/b.js",
            "/ws/lab/last.har",
            "/ws/lab",
        ] {
            assert!(!is_relevant(root, Path::new(p)), "{p}");
        }
    }

    #[test]
    fn a_burst_of_saves_is_one_change_after_the_quiet_period() {
        let t = tempfile::tempdir().unwrap();
        let w = LabWatcher::new(t.path()).unwrap();
        let dir = t.path().to_path_buf();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            for i in 0..3 {
                std::fs::write(dir.join("run"), format!("echo {i}\n")).unwrap();
                std::fs::write(dir.join(".run.swp"), "x").unwrap();
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let start = Instant::now();
        let changed = w
            .next_change(DEBOUNCE, &|| start.elapsed() > Duration::from_secs(10))
            .expect("a change");
        writer.join().unwrap();
        assert!(changed.iter().all(|p| p.ends_with("run")), "{changed:?}");
        assert!(start.elapsed() >= Duration::from_millis(150) + DEBOUNCE);
        w.discard_pending();
        let quiet_start = Instant::now();
        let none = w.next_change(DEBOUNCE, &|| {
            quiet_start.elapsed() > Duration::from_millis(600)
        });
        assert!(none.is_none(), "no further change was reported");
    }

    #[test]
    fn a_folder_moved_aside_and_made_anew_is_watched_under_its_name() {
        let t = tempfile::tempdir().unwrap();
        let lab = t.path().join("rest-crud");
        std::fs::create_dir(&lab).unwrap();
        std::fs::write(lab.join("run"), "echo mine\n").unwrap();
        let w = LabWatcher::new(&lab).unwrap();
        // What `sflab reset` does: the learner's folder goes aside, a fresh one is swapped in.
        let backup = t.path().join("rest-crud.backup-20260101-000000");
        let staging = t.path().join(".rest-crud.reset");
        std::fs::create_dir(&staging).unwrap();
        std::fs::write(staging.join("run"), "echo starter\n").unwrap();
        std::fs::rename(&lab, &backup).unwrap();
        std::fs::rename(&staging, &lab).unwrap();

        let edit = |path: PathBuf| {
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                std::fs::write(path, "echo edited\n").unwrap();
            })
        };
        let writer = edit(backup.join("run"));
        let start = Instant::now();
        let heard = w.next_change(DEBOUNCE, &|| start.elapsed() > Duration::from_millis(1500));
        writer.join().unwrap();
        assert!(
            heard.is_none(),
            "an edit to the backup is not a save: {heard:?}"
        );

        let writer = edit(lab.join("run"));
        let start = Instant::now();
        let heard = w.next_change(DEBOUNCE, &|| start.elapsed() > Duration::from_secs(10));
        writer.join().unwrap();
        let heard = heard.expect("a save in the fresh folder is heard");
        assert!(
            heard.iter().all(|p| p.ends_with("rest-crud/run")),
            "{heard:?}"
        );
    }
}
