//! The learner's workspace: the folder holding one sub-folder per started lab and `.sflab/`
//! (progress database, CA, backups of reset labs).
//!
//! Resolution order: `--workspace DIR`, then `SFLAB_WORKSPACE`, then the nearest ancestor of the
//! current folder that holds `.sflab/`, else `./sflab-workspace` (created, and announced by the
//! caller because [`Resolved::created`] is true).

use crate::fsutil::create_private_dir;
use std::io;
use std::path::{Path, PathBuf};

/// The marker folder that makes a folder a workspace.
pub const STATE_DIR: &str = ".sflab";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    root: PathBuf,
}

/// A workspace found or created, and whether it had to be created.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub workspace: Workspace,
    pub created: bool,
}

impl Workspace {
    /// Opens `root` as a workspace, creating it and its `.sflab/` (mode 0700) if needed.
    pub fn open(root: &Path) -> io::Result<Workspace> {
        create_private_dir(&root.join(STATE_DIR))?;
        let root = root.canonicalize()?;
        Ok(Workspace { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<ws>/.sflab`: private state (progress database, CA, …).
    pub fn state_dir(&self) -> PathBuf {
        self.root.join(STATE_DIR)
    }

    /// `<ws>/<lab-id>`: the learner's copy of a lab.
    pub fn lab_dir(&self, lab_id: &str) -> PathBuf {
        self.root.join(lab_id)
    }

    /// `<ws>/.sflab/progress.db`.
    pub fn progress_db(&self) -> PathBuf {
        self.state_dir().join("progress.db")
    }
}

/// Finds the workspace the way the command line documents it.
pub fn resolve(flag: Option<&Path>, env: Option<&Path>, cwd: &Path) -> io::Result<Resolved> {
    if let Some(dir) = flag.or(env) {
        let created = !dir.join(STATE_DIR).is_dir();
        return Ok(Resolved {
            workspace: Workspace::open(dir)?,
            created,
        });
    }
    for dir in cwd.ancestors() {
        if dir.join(STATE_DIR).is_dir() && dir != home_dir().as_deref().unwrap_or(Path::new("")) {
            return Ok(Resolved {
                workspace: Workspace::open(dir)?,
                created: false,
            });
        }
    }
    let dir = cwd.join("sflab-workspace");
    let created = !dir.join(STATE_DIR).is_dir();
    Ok(Resolved {
        workspace: Workspace::open(&dir)?,
        created,
    })
}

/// The home folder is never taken as a workspace by the ancestor search: a stray `~/.sflab`
/// (where other tools might keep settings) must not capture every folder below it.
fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

/// Resolves from the process's own flag value, environment and current folder.
pub fn resolve_current(flag: Option<&Path>) -> io::Result<Resolved> {
    let env = std::env::var_os("SFLAB_WORKSPACE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let cwd = std::env::current_dir()?;
    resolve(flag, env.as_deref(), &cwd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_over_the_environment() {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("a");
        let b = t.path().join("b");
        let r = resolve(Some(&a), Some(&b), t.path()).unwrap();
        assert!(r.created);
        assert_eq!(r.workspace.root(), a.canonicalize().unwrap());
        assert!(!b.exists());
    }

    #[test]
    fn the_nearest_ancestor_with_state_is_found() {
        let t = tempfile::tempdir().unwrap();
        let ws = t.path().join("ws");
        std::fs::create_dir_all(ws.join(".sflab")).unwrap();
        let deep = ws.join("rest-crud/sub");
        std::fs::create_dir_all(&deep).unwrap();
        let r = resolve(None, None, &deep).unwrap();
        assert!(!r.created);
        assert_eq!(r.workspace.root(), ws.canonicalize().unwrap());
    }

    #[test]
    fn without_any_hint_a_workspace_is_created_here() {
        let t = tempfile::tempdir().unwrap();
        let r = resolve(None, None, t.path()).unwrap();
        assert!(r.created);
        assert!(t.path().join("sflab-workspace/.sflab").is_dir());
        let again = resolve(None, None, t.path()).unwrap();
        assert!(!again.created);
    }
}
