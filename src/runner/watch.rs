//! Watch mode: re-run the checks when the learner saves a file in the lab folder.
//!
//! Changes are debounced (a burst of saves from an editor is one change) and filtered: hidden
//! files and folders (editor swap files, `.git`), `__pycache__`, `node_modules`, HAR files and
//! editor backups never trigger a run. Whatever the learner's own code writes while it runs is
//! dropped too, because events that arrive during a run are discarded when it ends — otherwise a
//! script that writes `out.json` would re-run itself forever.

use notify::{RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
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

/// A watcher on one lab folder, handing out debounced batches of relevant changes.
pub struct LabWatcher {
    root: PathBuf,
    given: PathBuf,
    rx: Receiver<notify::Result<notify::Event>>,
    _watcher: notify::RecommendedWatcher,
}

impl LabWatcher {
    pub fn new(dir: &Path) -> Result<LabWatcher, WatchError> {
        let (tx, rx) = channel();
        let err = |source| WatchError {
            dir: dir.to_path_buf(),
            source,
        };
        let mut watcher = notify::recommended_watcher(move |ev| {
            let _ = tx.send(ev);
        })
        .map_err(err)?;
        watcher.watch(dir, RecursiveMode::Recursive).map_err(err)?;
        Ok(LabWatcher {
            root: dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()),
            given: dir.to_path_buf(),
            rx,
            _watcher: watcher,
        })
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
}
