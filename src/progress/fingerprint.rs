//! A lab folder's fingerprint: one SHA-256 over what the folder holds — each file's path,
//! execute bit and content, each link's target — so "has the folder changed since the pass?"
//! is decided by content, not by modification times (`touch`, `cp -r` and a git checkout
//! change those and nothing else).
//!
//! What a run never reads is left out, as grading's copy leaves it out: sflab state, version
//! control, caches, installed packages and databases ([`crate::grade::submission::ignored`]),
//! and a report `sflab report` wrote inside the folder.
//!
//! Implementation notes: a file over [`HASHED_BYTES`] is fingerprinted by its size and
//! modification time only (a learner's lab files are small; reading a stray gigabyte at every
//! check is not worth it). Pipes, sockets and devices count by name only, never opened.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// Files larger than this are fingerprinted by size and modification time, not content.
pub const HASHED_BYTES: u64 = 16 * 1024 * 1024;

/// Whether `dir` is a folder `sflab report` wrote (`progress.json` beside `labs/`).
pub fn is_report_folder(dir: &Path) -> bool {
    dir.join("progress.json").is_file() && dir.join("labs").is_dir()
}

/// The fingerprint of the lab folder `dir`, as hex; `None` when there is no such folder.
pub fn of_folder(dir: &Path) -> Option<String> {
    if !dir.is_dir() {
        return None;
    }
    let mut hasher = Sha256::new();
    walk(dir, Path::new(""), &mut hasher);
    Some(hex::encode(hasher.finalize()))
}

fn walk(root: &Path, rel: &Path, hasher: &mut Sha256) {
    let Ok(rd) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let rel = rel.join(e.file_name());
        if crate::grade::submission::ignored(&rel) {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(e.path()) else {
            continue;
        };
        let name = rel.to_string_lossy().replace('\\', "/");
        if meta.is_dir() {
            if !is_report_folder(&e.path()) {
                walk(root, &rel, hasher);
            }
            continue;
        }
        hasher.update(name.as_bytes());
        hasher.update([0]);
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(e.path()).unwrap_or_default();
            hasher.update(b"link ");
            hasher.update(target.to_string_lossy().as_bytes());
        } else if !meta.is_file() {
            hasher.update(b"special");
        } else if meta.len() > HASHED_BYTES {
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            hasher.update(format!("large {} {mtime}", meta.len()).as_bytes());
        } else {
            hasher.update(if executable(&meta) { b"x " } else { b"f " });
            hash_file(&e.path(), hasher);
        }
        hasher.update([0]);
    }
}

fn hash_file(path: &Path, hasher: &mut Sha256) {
    let Ok(mut file) = std::fs::File::open(path) else {
        hasher.update(b"unreadable");
        return;
    };
    let mut content = Sha256::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => content.update(&buf[..n]),
            Err(_) => {
                hasher.update(b"unreadable");
                return;
            }
        }
    }
    hasher.update(content.finalize());
}

fn executable(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn the_fingerprint_follows_content_not_times_or_copies() {
        let t = tempfile::tempdir().unwrap();
        let lab = t.path().join("rest-first-call");
        write(&lab.join("run"), "#!/bin/sh\necho hi\n");
        write(&lab.join("lib/util.sh"), "x=1\n");
        let first = of_folder(&lab).unwrap();
        let file = std::fs::File::options()
            .write(true)
            .open(lab.join("run"))
            .unwrap();
        file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(3600))
            .unwrap();
        assert_eq!(of_folder(&lab).unwrap(), first, "touched, same content");
        let copy = t.path().join("copy/rest-first-call");
        write(&copy.join("run"), "#!/bin/sh\necho hi\n");
        write(&copy.join("lib/util.sh"), "x=1\n");
        assert_eq!(of_folder(&copy).unwrap(), first, "copied elsewhere");
        write(&lab.join(".git/HEAD"), "ref: main");
        write(&lab.join("report/progress.json"), "{}");
        std::fs::create_dir_all(lab.join("report/labs")).unwrap();
        assert_eq!(
            of_folder(&lab).unwrap(),
            first,
            "version control and a report"
        );
        write(&lab.join("lib/util.sh"), "x=2\n");
        assert_ne!(of_folder(&lab).unwrap(), first, "edited");
        write(&lab.join("lib/util.sh"), "x=1\n");
        std::fs::rename(lab.join("lib/util.sh"), lab.join("lib/other.sh")).unwrap();
        assert_ne!(of_folder(&lab).unwrap(), first, "renamed");
        assert_eq!(of_folder(&t.path().join("missing")), None);
    }

    #[cfg(unix)]
    #[test]
    fn making_run_executable_changes_the_fingerprint() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        write(&t.path().join("run"), "#!/bin/sh\n");
        let before = of_folder(t.path()).unwrap();
        std::fs::set_permissions(t.path().join("run"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        assert_ne!(of_folder(t.path()).unwrap(), before);
    }
}
