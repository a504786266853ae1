//! What of an earlier report's `labs/` copy survives the next `sflab report`: the files the
//! user added there or edited since sflab wrote them.
//!
//! - Each copy carries a manifest, `labs/.sflab-copied` (one `<digest> <lab>/<file>` line per
//!   file sflab wrote, the digest the SHA-256 of what it wrote), by which a file is told as
//!   sflab's own and untouched.
//! - When a new copy replaces the old one, every other file of the old copy is kept: a file
//!   sflab did not write and the new copy does not hold stays where it was; an edited copy
//!   (or an added file the new copy also holds) is kept beside the new one as
//!   `<file>.<time>.bak`. The report says which.
//! - A copy without a manifest (an older sflab) cannot be told apart: each of its files that
//!   differs from the new copy is kept so too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The manifest's name in `labs/`.
pub const MANIFEST: &str = ".sflab-copied";

/// A file of the old copy kept in the new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptFile {
    /// Where it was, relative to the report folder (`labs/rest-crud/notes.txt`).
    pub was: String,
    /// Where it is now.
    pub now: PathBuf,
    /// sflab wrote it and it was edited since (else: the user added it).
    pub edited: bool,
}

/// The manifest text for `written` (`<lab>/<file>` → what sflab wrote there).
pub fn manifest_text(written: &BTreeMap<String, Vec<u8>>) -> String {
    written
        .iter()
        .map(|(rel, bytes)| format!("{} {rel}\n", crate::fsutil::digest(bytes)))
        .collect()
}

/// Reads a manifest: `<lab>/<file>` → digest; `None` when there is none.
fn read_manifest(labs: &Path) -> Option<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(labs.join(MANIFEST)).ok()?;
    Some(
        text.lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(digest, rel)| (rel.to_string(), digest.to_string()))
            .collect(),
    )
}

/// Every regular file under `dir`, by its path relative to `root` with `/` between parts.
fn files_under(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            files_under(root, &path, out);
        } else if meta.is_file() {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, path));
        }
    }
}

/// Moves into the new copy `stage` every file of the old copy `labs` that sflab did not
/// write as it is: an added file to its own place where the new copy has none there, any
/// other as `<file>.<time>.bak`. Returns what it kept; an error names the file.
pub fn keep_users_files(
    labs: &Path,
    stage: &Path,
) -> Result<Vec<KeptFile>, (PathBuf, std::io::Error)> {
    let manifest = read_manifest(labs);
    let mut old = Vec::new();
    files_under(labs, labs, &mut old);
    let mut kept = Vec::new();
    for (rel, path) in old {
        if rel == MANIFEST {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let target = stage.join(&rel);
        let digest = crate::fsutil::digest(&bytes);
        let (ours, edited) = match &manifest {
            Some(m) => match m.get(&rel) {
                Some(d) => (*d == digest, true),
                None => (false, false),
            },
            // An older copy: what the new copy holds again as it was is sflab's.
            None => (std::fs::read(&target).is_ok_and(|b| b == bytes), true),
        };
        if ours {
            continue;
        }
        let now = if target.exists() || edited {
            crate::fsutil::backup_path(&target)
        } else {
            target
        };
        if let Some(parent) = now.parent() {
            crate::fsutil::create_private_dir(parent).map_err(|e| (parent.to_path_buf(), e))?;
        }
        std::fs::rename(&path, &now).map_err(|e| (path.clone(), e))?;
        // Where it is once the new copy takes the old one's place.
        let now = labs.join(now.strip_prefix(stage).unwrap_or(&now));
        kept.push(KeptFile {
            was: format!("labs/{rel}"),
            now,
            edited,
        });
    }
    Ok(kept)
}

/// The line `sflab report` prints for a kept file.
pub fn kept_line(k: &KeptFile) -> String {
    if k.edited {
        format!(
            "{} had been edited since sflab wrote it; that version is kept in {}.",
            k.was,
            k.now.display()
        )
    } else if k.now.ends_with(&k.was) {
        format!(
            "{} was not written by sflab; it is left where it is.",
            k.was
        )
    } else {
        format!(
            "{} was not written by sflab; it is kept as {} (the new copy has a file of that name).",
            k.was,
            k.now.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_file_is_said_where_it_is() {
        let left = KeptFile {
            was: "labs/a/review.md".into(),
            now: PathBuf::from("rep/labs/a/review.md"),
            edited: false,
        };
        assert_eq!(
            kept_line(&left),
            "labs/a/review.md was not written by sflab; it is left where it is."
        );
        let edited = KeptFile {
            was: "labs/a/run".into(),
            now: PathBuf::from("rep/labs/a/run.20261202T000000Z.bak"),
            edited: true,
        };
        assert!(kept_line(&edited).ends_with("kept in rep/labs/a/run.20261202T000000Z.bak."));
    }
}
