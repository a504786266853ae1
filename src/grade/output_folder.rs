//! The gradebook's output folder (`sflab grade --out DIR`): what each file is called, where an
//! earlier gradebook goes before a new one is written, and the check that the folder can be
//! written at all, made before anything is graded.
//!
//! Names: without `--shard`, `gradebook.csv`, `grades.json`, `junit.xml` and `feedback/`. With
//! `--shard K/N` every output names its shard — `gradebook.K-of-N.csv`, `grades.K-of-N.json`,
//! `junit.K-of-N.xml`, `feedback/K-of-N/` — so the shards of one batch can share a folder.
//!
//! Nothing is overwritten: before a gradebook is written, the earlier one it would replace
//! (the same shard's files; for an unsharded run, every gradebook file and `feedback/`) is
//! moved into `previous/<UTC time>/`, keeping its names, so no stale feedback file sits beside
//! a gradebook it does not match.
//!
//! A move cut short (the grader killed between two renames) is finished by the next run into
//! the same folder, so one earlier gradebook never ends up split across two: while moving,
//! the output folder holds `.sflab-moving-to-previous`, naming the folder being filled and
//! the entries bound for it.

use super::submission::Shard;
use super::write::WriteError;
use std::path::{Path, PathBuf};

/// The names of one run's outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Layout {
    pub shard: Option<Shard>,
}

/// The folder earlier gradebooks are moved into.
pub const PREVIOUS: &str = "previous";

impl Layout {
    fn suffix(&self) -> String {
        self.shard
            .map(|s| format!(".{}-of-{}", s.index, s.of))
            .unwrap_or_default()
    }

    pub fn csv(&self) -> String {
        format!("gradebook{}.csv", self.suffix())
    }

    pub fn json(&self) -> String {
        format!("grades{}.json", self.suffix())
    }

    pub fn junit(&self) -> String {
        format!("junit{}.xml", self.suffix())
    }

    /// The feedback folder, relative to the output folder.
    pub fn feedback(&self) -> PathBuf {
        match self.shard {
            Some(s) => Path::new("feedback").join(format!("{}-of-{}", s.index, s.of)),
            None => PathBuf::from("feedback"),
        }
    }

    /// The entries of `out` (relative paths) an earlier run left that this run replaces.
    fn replaced(&self, out: &Path) -> Vec<PathBuf> {
        let mut names: Vec<PathBuf> = [self.csv(), self.json(), self.junit()]
            .into_iter()
            .map(PathBuf::from)
            .chain([self.feedback()])
            .collect();
        if self.shard.is_none() {
            // The whole batch replaces the shards' gradebooks too.
            let shard_files = std::fs::read_dir(out)
                .map(|rd| {
                    rd.flatten()
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .filter(|n| is_shard_output(n))
                        .map(PathBuf::from)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            names.extend(shard_files);
        }
        names.sort();
        names.dedup();
        names
            .into_iter()
            .filter(|n| std::fs::symlink_metadata(out.join(n)).is_ok())
            .collect()
    }
}

/// Whether `dir` holds a gradebook sflab wrote (`gradebook.csv`, `grades.json`, or a shard's):
/// such a folder is an output folder, never a submission.
pub fn holds_gradebook(dir: &Path) -> bool {
    let whole = Layout::default();
    [whole.csv(), whole.json()]
        .iter()
        .any(|n| dir.join(n).is_file())
        || std::fs::read_dir(dir).is_ok_and(|rd| {
            rd.flatten()
                .any(|e| is_shard_output(&e.file_name().to_string_lossy()))
        })
}

/// Whether `name` is a gradebook file sflab writes: `gradebook.csv`, `grades.json`,
/// `junit.xml`, or a shard's.
pub fn is_gradebook_file(name: &str) -> bool {
    let whole = Layout::default();
    [whole.csv(), whole.json(), whole.junit()].contains(&name.to_string()) || is_shard_output(name)
}

/// `gradebook.2-of-4.csv`, `grades.2-of-4.json`, `junit.2-of-4.xml`.
fn is_shard_output(name: &str) -> bool {
    let Some((stem, rest)) = name.split_once('.') else {
        return false;
    };
    let Some((shard, ext)) = rest.rsplit_once('.') else {
        return false;
    };
    let known = matches!(
        (stem, ext),
        ("gradebook", "csv") | ("grades", "json") | ("junit", "xml")
    );
    known
        && shard
            .split_once("-of-")
            .is_some_and(|(i, n)| i.parse::<usize>().is_ok() && n.parse::<usize>().is_ok())
}

/// `path` as it will be once created: its longest existing part with links and `..` resolved,
/// the rest as given. Two spellings of one folder (`hy2/bob`, `./hy2/../hy2/bob/`) compare
/// equal, whether the folder exists yet or not.
pub fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut rest = Vec::new();
    let mut existing = absolute.as_path();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |p, c| p.join(c));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> WriteError + '_ {
    move |e| WriteError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// The file in the output folder naming a move into `previous/` under way: its first line
/// the folder being filled (relative to the output folder), then the entries bound for it.
const MOVING: &str = ".sflab-moving-to-previous";

/// Whether `rel` is a plain relative path (no `..`, not absolute), safe to join to `out`.
fn plain_relative(rel: &Path) -> bool {
    rel.components().count() > 0
        && rel
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// The move an earlier run left half done: the folder it was filling and the entries it was
/// moving there. Nothing when no move was cut short (or the note is not one sflab wrote).
fn interrupted_move(out: &Path) -> Option<(PathBuf, Vec<PathBuf>)> {
    let text = std::fs::read_to_string(out.join(MOVING)).ok()?;
    let mut lines = text.lines();
    let folder = PathBuf::from(lines.next()?);
    let in_previous = folder.parent() == Some(Path::new(PREVIOUS)) && plain_relative(&folder);
    if !in_previous {
        return None;
    }
    let entries = lines
        .map(PathBuf::from)
        .filter(|p| plain_relative(p))
        .collect();
    Some((folder, entries))
}

/// Moves the outputs of an earlier run that this run would replace into
/// `out/previous/<stamp>/`; the folder they went to, or `None` when there were none. A move an
/// earlier run left half done is finished into the folder it had begun to fill.
pub fn set_aside_previous(
    out: &Path,
    layout: &Layout,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<PathBuf>, WriteError> {
    let mut replaced = layout.replaced(out);
    let resumed = interrupted_move(out);
    if let Some((_, entries)) = &resumed {
        replaced.extend(
            entries
                .iter()
                .filter(|e| std::fs::symlink_metadata(out.join(e)).is_ok())
                .cloned(),
        );
        replaced.sort();
        replaced.dedup();
    }
    let note = out.join(MOVING);
    if replaced.is_empty() {
        let _ = std::fs::remove_file(&note);
        return Ok(resumed.map(|(folder, _)| out.join(folder)));
    }
    let dest = match resumed {
        Some((folder, _)) => out.join(folder),
        None => {
            let stamp = now.format("%Y-%m-%dT%H-%M-%SZ").to_string();
            let base = out.join(PREVIOUS);
            let mut dest = base.join(&stamp);
            let mut n = 1;
            while dest.exists() {
                n += 1;
                dest = base.join(format!("{stamp}-{n}"));
            }
            dest
        }
    };
    // Named before the first rename, so a kill between two renames is finished next time.
    let folder = dest.strip_prefix(out).unwrap_or(&dest);
    let text: String = std::iter::once(folder)
        .chain(replaced.iter().map(PathBuf::as_path))
        .map(|p| format!("{}\n", p.display()))
        .collect();
    crate::fsutil::write_private_atomic(&note, text.as_bytes()).map_err(io_err(&note))?;
    for rel in replaced {
        let to = dest.join(&rel);
        if let Some(parent) = to.parent() {
            crate::fsutil::create_private_dir(parent).map_err(io_err(parent))?;
        }
        let from = out.join(&rel);
        std::fs::rename(&from, &to).map_err(io_err(&from))?;
    }
    std::fs::remove_file(&note).map_err(io_err(&note))?;
    Ok(Some(dest))
}

/// Creates `dir` if needed and writes and removes a probe file in it; the folders it
/// created are listed in `created`, outermost first.
fn probe(dir: &Path, created: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
        .map(Path::to_path_buf)
        .collect();
    crate::fsutil::create_private_dir(dir)?;
    created.extend(missing.into_iter().rev());
    crate::fsutil::probe_writable(dir)
}

/// A folder the write needs at `path` (for `needed`) that is something else, if it is.
fn not_a_folder(path: &Path, needed: &'static str) -> Result<(), WriteError> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_dir() => Err(WriteError::NotAFolder {
            path: path.to_path_buf(),
            needed,
        }),
        _ => Ok(()),
    }
}

/// Checks, before any grading, everything writing the gradebook will need: the output folder,
/// the `previous/` folder an earlier gradebook is moved into (when there is one to move), and
/// (when asked for) the feedback folder, each created if needed and written to with a probe
/// file. A file standing where one of them must be is named. Folders made for the check are
/// removed again, so a refused or interrupted run leaves nothing behind.
pub fn check_writable(out: &Path, layout: &Layout, feedback: bool) -> Result<(), WriteError> {
    let replaced = layout.replaced(out);
    let mut dirs = vec![out.to_path_buf()];
    if !replaced.is_empty() {
        let previous = out.join(PREVIOUS);
        not_a_folder(
            &previous,
            "the earlier gradebook, which is moved there before the new one is written",
        )?;
        dirs.push(previous);
    }
    if feedback {
        let folder = layout.feedback();
        // An earlier feedback folder is moved aside first; the new one is made where it was.
        let fresh = replaced.contains(&folder);
        for part in folder.ancestors().filter(|a| !a.as_os_str().is_empty()) {
            if !(fresh && part == folder) {
                not_a_folder(&out.join(part), "the feedback files")?;
            }
        }
        dirs.push(match (fresh, folder.parent()) {
            (true, Some(parent)) => out.join(parent),
            _ => out.join(&folder),
        });
    }
    let mut created = Vec::new();
    let mut result = Ok(());
    for d in &dirs {
        if let Err(e) = probe(d, &mut created) {
            result = Err(WriteError::Unwritable {
                path: d.clone(),
                message: e.to_string(),
            });
            break;
        }
    }
    for d in created.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
    result
}

#[cfg(test)]
#[path = "output_folder_tests.rs"]
mod tests;
