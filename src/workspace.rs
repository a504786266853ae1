//! Finding the learner's workspace: the folder that holds `.sflab/` (the local CA, progress,
//! saved org data) and the labs' files.
//!
//! Order: `--workspace DIR`, else `SFLAB_WORKSPACE`, else the nearest ancestor of the current
//! folder that holds `.sflab/`, else `./sflab-workspace`, created on first use.

use std::path::{Path, PathBuf};

/// The folder every workspace keeps its private state in.
pub const STATE_DIR: &str = ".sflab";

/// Where the workspace is and how it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub root: PathBuf,
    pub origin: WorkspaceOrigin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkspaceOrigin {
    /// `--workspace DIR`
    Flag,
    /// `SFLAB_WORKSPACE`
    Environment,
    /// An ancestor of the current folder holding `.sflab/`.
    Found,
    /// `./sflab-workspace`, the fallback.
    Default,
}

/// Chooses the workspace without touching the disk beyond looking for `.sflab/` folders.
pub fn locate(flag: Option<&Path>, env: Option<&Path>, cwd: &Path) -> Workspace {
    let absolute = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        }
    };
    if let Some(p) = flag.filter(|p| !p.as_os_str().is_empty()) {
        return Workspace {
            root: absolute(p),
            origin: WorkspaceOrigin::Flag,
        };
    }
    if let Some(p) = env.filter(|p| !p.as_os_str().is_empty()) {
        return Workspace {
            root: absolute(p),
            origin: WorkspaceOrigin::Environment,
        };
    }
    if let Some(found) = cwd.ancestors().find(|a| a.join(STATE_DIR).is_dir()) {
        return Workspace {
            root: found.to_path_buf(),
            origin: WorkspaceOrigin::Found,
        };
    }
    Workspace {
        root: cwd.join("sflab-workspace"),
        origin: WorkspaceOrigin::Default,
    }
}

impl Workspace {
    /// The process's workspace: `flag`, the environment, the current folder.
    pub fn resolve(flag: Option<&Path>) -> std::io::Result<Workspace> {
        let cwd = std::env::current_dir()?;
        let env = std::env::var_os("SFLAB_WORKSPACE").map(PathBuf::from);
        Ok(locate(flag, env.as_deref(), &cwd))
    }

    /// `<root>/.sflab`
    pub fn state_dir(&self) -> PathBuf {
        self.root.join(STATE_DIR)
    }

    /// Creates the workspace and its private state folder; true if the root was new. An
    /// error names the folder that could not be made, and what to do when a file is in the way.
    pub fn ensure(&self) -> std::io::Result<bool> {
        let new = !self.root.exists();
        std::fs::create_dir_all(&self.root).map_err(|e| not_a_folder(&self.root, e))?;
        let state = self.state_dir();
        // It holds the progress database and the redaction key: private even if made open.
        crate::fsutil::create_secret_dir(&state).map_err(|e| not_a_folder(&state, e))?;
        Ok(new)
    }

    /// The workspace at `root`, created if needed (tests, `sflab dev check`).
    pub fn at(root: &Path) -> std::io::Result<Workspace> {
        let ws = Workspace {
            root: root.to_path_buf(),
            origin: WorkspaceOrigin::Flag,
        };
        ws.ensure()?;
        Ok(ws)
    }

    /// `<root>/<lab-id>`: the learner's copy of a lab.
    pub fn lab_dir(&self, lab_id: &str) -> PathBuf {
        self.root.join(lab_id)
    }

    /// `<root>/.sflab/progress.db`: attempts, verdicts, transcripts, hints.
    pub fn progress_db(&self) -> PathBuf {
        self.state_dir().join("progress.db")
    }

    /// The workspace only if it already exists (for read-only commands such as `sflab list`).
    pub fn existing(flag: Option<&Path>) -> Option<Workspace> {
        Workspace::resolve(flag)
            .ok()
            .filter(|ws| ws.state_dir().is_dir())
    }
}

/// `e` (from creating the folder `dir`) as a sentence naming `dir`; when a file stands where
/// the folder should be, it says so and how to get past it.
fn not_a_folder(dir: &Path, e: std::io::Error) -> std::io::Error {
    let file_in_the_way = dir
        .ancestors()
        .find(|a| a.symlink_metadata().is_ok_and(|m| !m.is_dir()) && !a.is_dir());
    let message = match file_in_the_way {
        Some(file) if file == dir => format!(
            "{} is a file where sflab needs a folder; rename or remove that file and try again ({e})",
            dir.display()
        ),
        Some(file) => format!(
            "{} is a file, so the folder {} cannot be made under it; rename or remove that file and try again ({e})",
            file.display(),
            dir.display()
        ),
        None => format!("{} could not be created ({e})", dir.display()),
    };
    std::io::Error::new(e.kind(), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_state_folder_left_open_to_others_is_made_private() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let state = tmp.path().join(STATE_DIR);
        std::fs::create_dir_all(&state).unwrap();
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o777)).unwrap();
        Workspace::at(tmp.path()).unwrap();
        let mode = std::fs::metadata(&state).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn the_flag_wins_over_the_environment() {
        let ws = locate(
            Some(Path::new("a")),
            Some(Path::new("/b")),
            Path::new("/cwd"),
        );
        assert_eq!(ws.root, PathBuf::from("/cwd/a"));
        assert_eq!(ws.origin, WorkspaceOrigin::Flag);
        let ws = locate(None, Some(Path::new("/b")), Path::new("/cwd"));
        assert_eq!(ws.root, PathBuf::from("/b"));
        assert_eq!(ws.origin, WorkspaceOrigin::Environment);
    }

    #[test]
    fn the_nearest_ancestor_with_state_is_found() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join(".sflab")).unwrap();
        let deep = tmp.path().join("labs/one");
        std::fs::create_dir_all(&deep).unwrap();
        let ws = locate(None, None, &deep);
        assert_eq!(ws.root, tmp.path());
        assert_eq!(ws.origin, WorkspaceOrigin::Found);
    }

    #[test]
    fn without_any_hint_the_default_folder_is_created() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = locate(None, None, tmp.path());
        assert_eq!(ws.origin, WorkspaceOrigin::Default);
        assert_eq!(ws.root, tmp.path().join("sflab-workspace"));
        assert!(ws.ensure().unwrap());
        assert!(ws.state_dir().is_dir());
        assert!(!ws.ensure().unwrap());
    }

    #[test]
    fn a_state_file_in_the_way_is_named_with_what_to_do() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(".sflab"), "{}").unwrap();
        let ws = locate(Some(tmp.path()), None, Path::new("/"));
        let e = ws.ensure().unwrap_err().to_string();
        let state = tmp.path().join(".sflab");
        assert!(e.contains(&format!("{} is a file", state.display())), "{e}");
        assert!(e.contains("rename or remove that file"), "{e}");
    }

    #[test]
    fn a_workspace_under_a_file_names_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("notes.txt");
        std::fs::write(&file, "x").unwrap();
        let ws = locate(Some(&file.join("ws")), None, Path::new("/"));
        let e = ws.ensure().unwrap_err().to_string();
        assert!(e.contains(&format!("{} is a file", file.display())), "{e}");
    }
}
