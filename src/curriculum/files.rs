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
    /// Where the files live, for messages (`embedded` or a folder).
    fn origin(&self) -> String;
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
}

fn walk_disk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk_disk(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

impl Files for DiskFiles {
    fn list(&self, prefix: &str) -> Vec<String> {
        let mut out = Vec::new();
        walk_disk(&self.root, &self.root, &mut out);
        out.retain(|p| p.starts_with(prefix));
        out.sort();
        out
    }

    fn read(&self, path: &str) -> Option<Vec<u8>> {
        if path.split('/').any(|c| c == "..") {
            return None;
        }
        std::fs::read(self.root.join(path)).ok()
    }

    fn origin(&self) -> String {
        self.root.display().to_string()
    }
}
