//! Where curriculum files come from: the copy embedded in the binary, or a folder on disk.

use include_dir::{include_dir, Dir};
use std::path::{Path, PathBuf};

static LESSONS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/lessons");
static LABS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/labs");
static SOLUTIONS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/solutions");

/// A read-only tree of curriculum files addressed by `/`-separated relative paths.
pub trait Files: Send + Sync {
    /// Every file path under `prefix` (e.g. `lessons/`), sorted.
    fn list(&self, prefix: &str) -> Vec<String>;
    /// The bytes of one file.
    fn read(&self, path: &str) -> Option<Vec<u8>>;
    /// The bytes of one file, or why they cannot be had: `NotFound` when there is no such
    /// file, the system's own error when there is one that cannot be read (a folder, no
    /// permission).
    fn read_or_why(&self, path: &str) -> std::io::Result<Vec<u8>> {
        self.read(path)
            .ok_or_else(|| std::io::ErrorKind::NotFound.into())
    }
    /// Where the files live, for messages (`embedded` or a folder).
    fn origin(&self) -> String;
    /// Symbolic links in the tree, which are neither followed nor listed (a link can loop, or
    /// pull a whole other tree into a learner's workspace); the loader reports each.
    fn links(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The curriculum compiled into the binary.
pub struct EmbeddedFiles;

pub fn embedded() -> EmbeddedFiles {
    EmbeddedFiles
}

fn root_of(path: &str) -> Option<(&'static Dir<'static>, &str)> {
    let (top, rest) = path.split_once('/').unwrap_or((path, ""));
    let dir = match top {
        "lessons" => &LESSONS,
        "labs" => &LABS,
        "solutions" => &SOLUTIONS,
        _ => return None,
    };
    Some((dir, rest))
}

fn walk(dir: &Dir<'static>, top: &str, out: &mut Vec<String>) {
    for f in dir.files() {
        out.push(format!("{top}/{}", f.path().to_string_lossy()));
    }
    for d in dir.dirs() {
        walk(d, top, out);
    }
}

impl Files for EmbeddedFiles {
    fn list(&self, prefix: &str) -> Vec<String> {
        let mut out = Vec::new();
        for top in ["lessons", "labs", "solutions"] {
            if let Some((dir, _)) = root_of(top) {
                walk(dir, top, &mut out);
            }
        }
        out.retain(|p| p.starts_with(prefix));
        out.sort();
        out
    }

    fn read(&self, path: &str) -> Option<Vec<u8>> {
        let (dir, rest) = root_of(path)?;
        dir.get_file(rest).map(|f| f.contents().to_vec())
    }

    fn origin(&self) -> String {
        "the embedded curriculum".into()
    }
}

/// A curriculum folder on disk (`--curriculum DIR`), for authors.
pub struct DiskFiles {
    root: PathBuf,
}

impl DiskFiles {
    pub fn new(root: &Path) -> DiskFiles {
        DiskFiles {
            root: root.to_path_buf(),
        }
    }

    /// Whether `folder` (relative, `/`-separated) is a folder under the root reached without
    /// a symbolic link or a `..`.
    fn real_folder(&self, folder: &str) -> bool {
        let mut at = self.root.clone();
        for part in folder.split('/').filter(|p| !p.is_empty()) {
            at.push(part);
            let is_dir = std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_dir());
            if part == ".." || !is_dir {
                return false;
            }
        }
        true
    }
}

/// Collects the regular files under `dir` into `files` and the symbolic links into `links`
/// (not followed), as paths relative to `root`.
fn walk_disk(root: &Path, dir: &Path, files: &mut Vec<String>, links: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(kind) = e.file_type() else { continue };
        let rel = || {
            p.strip_prefix(root)
                .ok()
                .map(|r| r.to_string_lossy().replace('\\', "/"))
        };
        if kind.is_symlink() {
            links.extend(rel());
        } else if kind.is_dir() {
            walk_disk(root, &p, files, links);
        } else {
            files.extend(rel());
        }
    }
}

/// The folder of `prefix` (`labs/rest-crud/` → `labs/rest-crud`), which holds everything
/// under it: only that folder is walked, not a whole checkout holding a build's output.
fn folder_of(prefix: &str) -> &str {
    prefix.rsplit_once('/').map_or("", |(folder, _)| folder)
}

impl Files for DiskFiles {
    fn list(&self, prefix: &str) -> Vec<String> {
        let (mut out, mut links) = (Vec::new(), Vec::new());
        let folder = folder_of(prefix);
        if !self.real_folder(folder) {
            return out;
        }
        walk_disk(&self.root, &self.root.join(folder), &mut out, &mut links);
        out.retain(|p| p.starts_with(prefix));
        out.sort();
        out
    }

    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.read_or_why(path).ok()
    }

    fn read_or_why(&self, path: &str) -> std::io::Result<Vec<u8>> {
        use std::io::{Error, ErrorKind};
        if path.split('/').any(|c| c == "..") {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "a path leaving the curriculum folder",
            ));
        }
        let full = self.root.join(path);
        // Only what `list` lists is read: a link is refused here too.
        if std::fs::symlink_metadata(&full)?.file_type().is_symlink() {
            return Err(Error::new(ErrorKind::InvalidInput, "a symbolic link"));
        }
        std::fs::read(full)
    }

    fn origin(&self) -> String {
        self.root.display().to_string()
    }

    fn links(&self) -> Vec<String> {
        let (mut files, mut out) = (Vec::new(), Vec::new());
        for top in ["lessons", "labs", "solutions"] {
            if self.real_folder(top) {
                walk_disk(&self.root, &self.root.join(top), &mut files, &mut out);
            } else if self.root.join(top).is_symlink() {
                out.push(top.to_string());
            }
        }
        out.sort();
        out
    }
}
