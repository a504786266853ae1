//! The files a lab's runs wrote elsewhere in the workspace, outside the lab folder, that hold a
//! secret of the attempt: for `secrets.files_private`, which judges who may read them. A
//! program that caches its token in `../token-cache.json` has written a secret to disk as much
//! as one that keeps it in `.token`, and a workspace is no more private than the lab folder.
//! They are no sources and no files of the lab folder: the other rules do not see them.
//!
//! Implementation notes: so that no one else's file can fail a check, only the files changed
//! during the attempt are read, and a file counts only when it holds a secret this attempt
//! knew before the scan (the credentials handed over, the tokens seen in its traffic), never a
//! secret recognised by its shape alone — that could be another lab's, run beside this one in
//! the same workspace (`sflab dev check` runs its cases side by side). sflab's own `.sflab`,
//! the lab folder itself (read as the lab folder), installed packages and version control are
//! not entered, nor links followed; at most [`ENTRIES_LOOKED_AT`] entries are looked at and
//! [`MAX_READ`] files read.
//!
//! Outside the workspace, [`read_written_elsewhere`] looks where programs drop files without a
//! second thought: the temporary folder and the home folder, each one's own files and those one
//! folder down (`/tmp/cc-token.json`, `~/.cache/token.json`), no deeper. Other people's and
//! programs' files live there too, so only a secret of this attempt alone counts: a token
//! seen in its traffic or a credential the org made for it, not a value the lab fixes (a
//! `consumer_secret` in its seed), which another attempt of the same lab may have written.

use super::{secret_file, text_of, LabFiles, MAX_BYTES};
use crate::evidence::SecretFile;
use crate::lab::walk::{skipped, FolderSeen};
use crate::redact::Redactor;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Entries of the workspace looked at, at most, outside the lab folder.
const ENTRIES_LOOKED_AT: usize = 20_000;
/// Files changed during the attempt read, at most.
const MAX_READ: usize = 200;

/// The files under `workspace`, outside `lab_dir`, changed since the read `before` of the lab
/// folder (less a second, for coarse modification times) and holding a secret `redactor` knew
/// before this scan; each path relative to the lab folder (`../token-cache.json`). Empty when
/// the lab folder is not inside the workspace (nothing around it is the learner's to judge).
pub fn read_written_outside(
    workspace: &Path,
    lab_dir: &Path,
    redactor: &Redactor,
    before: &LabFiles,
) -> Vec<SecretFile> {
    let (Ok(root), Ok(lab)) = (workspace.canonicalize(), lab_dir.canonicalize()) else {
        return Vec::new();
    };
    let (Some(read_at), Ok(inside)) = (before.read_at, lab.strip_prefix(&root)) else {
        return Vec::new();
    };
    if inside.as_os_str().is_empty() {
        return Vec::new();
    }
    let since = read_at - std::time::Duration::from_secs(1);
    let known: Vec<String> = redactor
        .known_secrets()
        .into_iter()
        .map(|s| s.marker)
        .collect();
    let mut changed = Vec::new();
    let mut budget = ENTRIES_LOOKED_AT;
    changed_files(&root, &lab, Path::new(""), since, &mut budget, &mut changed);
    let up = "../".repeat(inside.components().count());
    let mut found = Vec::new();
    for (rel, path, meta) in changed.into_iter().take(MAX_READ) {
        let shown = format!("{up}{}", rel.to_string_lossy().replace('\\', "/"));
        found.extend(holding_known_secrets(
            redactor, &known, &shown, &path, &meta,
        ));
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// The places outside the workspace [`read_written_elsewhere`] looks in: the temporary folder
/// and the home folder.
pub fn places_elsewhere() -> Vec<PathBuf> {
    let mut places = vec![std::env::temp_dir()];
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        places.push(PathBuf::from(home));
    }
    places
}

/// The files in `places` (and one folder down), outside the folders judged on their own
/// (`judged`: the workspace, the lab folder), changed since the read
/// `before` of the lab folder and holding a secret `redactor` knew before this scan, other
/// than the ones whose fingerprints are in `fixed` (values the lab fixes, which another
/// attempt may hold too). Paths are shown whole, or from `~/` under the home folder.
pub fn read_written_elsewhere(
    places: &[PathBuf],
    judged: &[&Path],
    redactor: &Redactor,
    before: &LabFiles,
    fixed: &[String],
) -> Vec<SecretFile> {
    let Some(read_at) = before.read_at else {
        return Vec::new();
    };
    let since = read_at - std::time::Duration::from_secs(1);
    let known: Vec<String> = redactor
        .known_secrets()
        .into_iter()
        .map(|s| s.marker)
        .filter(|m| !fixed.iter().any(|f| m.ends_with(&format!("#{f}›"))))
        .collect();
    if known.is_empty() {
        return Vec::new();
    }
    let judged: Vec<PathBuf> = judged
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    let home = std::env::var_os("HOME").and_then(|h| PathBuf::from(h).canonicalize().ok());
    let mut changed: Vec<(PathBuf, std::fs::Metadata)> = Vec::new();
    let mut seen_places: Vec<PathBuf> = Vec::new();
    let mut budget = ENTRIES_LOOKED_AT;
    for place in places {
        let Ok(place) = place.canonicalize() else {
            continue;
        };
        if seen_places.contains(&place) {
            continue;
        }
        seen_places.push(place.clone());
        shallow_changes(&place, &judged, since, 1, &mut budget, &mut changed);
    }
    changed.sort_by(|a, b| a.0.cmp(&b.0));
    changed.dedup_by(|a, b| a.0 == b.0);
    let mut found = Vec::new();
    for (path, meta) in changed.into_iter().take(MAX_READ) {
        let shown = match home.as_deref().and_then(|h| path.strip_prefix(h).ok()) {
            Some(rel) => format!("~/{}", rel.to_string_lossy()),
            None => path.to_string_lossy().into_owned(),
        };
        found.extend(holding_known_secrets(
            redactor, &known, &shown, &path, &meta,
        ));
    }
    found
}

/// The file at `path`, shown as `shown`, when it holds one of the `known` secrets: only those
/// are named in it (a secret the run did not make is no finding of this run).
fn holding_known_secrets(
    redactor: &Redactor,
    known: &[String],
    shown: &str,
    path: &Path,
    meta: &std::fs::Metadata,
) -> Option<SecretFile> {
    let bytes = std::fs::read(path).ok()?;
    let redacted = match text_of(&bytes) {
        Ok(text) => redactor.file_text(shown, &text),
        Err(_) => redactor.raw_file(&bytes),
    };
    let mut file = secret_file(shown, meta, &redacted)?;
    file.markers.retain(|m| known.contains(m));
    if file.markers.is_empty() {
        return None;
    }
    file.kinds.retain(|k| {
        file.markers
            .iter()
            .any(|m| m.starts_with(&format!("‹redacted:{k}#")))
    });
    Some(file)
}

/// The files of `dir` changed at or after `since`, and those `depth` folders further down;
/// the folders judged on their own and `.sflab` are not entered, nor links followed.
fn shallow_changes(
    dir: &Path,
    judged: &[PathBuf],
    since: SystemTime,
    depth: usize,
    budget: &mut usize,
    out: &mut Vec<(PathBuf, std::fs::Metadata)>,
) {
    if judged.iter().any(|j| dir.starts_with(j)) {
        return;
    }
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in read.flatten() {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if depth > 0 && entry.file_name() != ".sflab" {
                shallow_changes(&path, judged, since, depth - 1, budget, out);
            }
        } else if meta.is_file()
            && meta.len() <= MAX_BYTES
            && meta.modified().is_ok_and(|at| at >= since)
        {
            out.push((path, meta));
        }
    }
}

/// Each file under `root`/`rel` changed at or after `since`, at most `MAX_BYTES` long, in name
/// order: its path relative to `root`, its path on disk and its metadata. The lab folder
/// `lab`, `.sflab` and the folders the lab folder's walk skips are not entered.
fn changed_files(
    root: &Path,
    lab: &Path,
    rel: &Path,
    since: SystemTime,
    budget: &mut usize,
    out: &mut Vec<(PathBuf, PathBuf, std::fs::Metadata)>,
) {
    let Ok(read) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    let mut entries: Vec<_> = read.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = rel.join(&name);
        let path = root.join(&rel);
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            let seen = FolderSeen {
                name: &name,
                holds_pyvenv_cfg: path.join("pyvenv.cfg").is_file(),
                is_report: path.join("progress.json").is_file() && path.join("labs").is_dir(),
            };
            if path == lab || name == ".sflab" || skipped(&seen).is_some() {
                continue;
            }
            changed_files(root, lab, &rel, since, budget, out);
        } else if meta.is_file()
            && meta.len() <= MAX_BYTES
            && meta.modified().is_ok_and(|at| at >= since)
        {
            out.push((rel, path, meta));
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const TOKEN: &str = "00Dxx0000001gEH!AQ4AQFakeAccessTokenForTheCacheTest1234567890";

    fn workspace_with_lab() -> (tempfile::TempDir, PathBuf, Redactor, LabFiles) {
        let t = tempfile::tempdir().unwrap();
        let lab = t.path().join("oauth-client-credentials");
        std::fs::create_dir_all(&lab).unwrap();
        std::fs::create_dir_all(t.path().join(".sflab")).unwrap();
        let redactor = Redactor::new(&[7u8; 32]);
        redactor.add_secret("access_token", TOKEN);
        let before = super::super::read_lab_files(&lab, &redactor);
        (t, lab, redactor, before)
    }

    fn write(path: &Path, text: &str, mode: u32) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_token_cached_in_the_workspace_root_is_found_with_its_mode() {
        let (t, lab, redactor, before) = workspace_with_lab();
        write(
            &t.path().join("token-cache.json"),
            &format!(r#"{{"access_token":"{TOKEN}"}}"#),
            0o644,
        );
        let found = read_written_outside(t.path(), &lab, &redactor, &before);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "../token-cache.json");
        assert_eq!(found[0].mode, Some(0o644));
        assert_eq!(found[0].kinds, ["access_token"]);
    }

    #[test]
    fn sflabs_own_folder_the_lab_folder_and_unknown_secrets_are_left_out() {
        let (t, lab, redactor, before) = workspace_with_lab();
        let holding = format!("access_token={TOKEN}\n");
        write(&t.path().join(".sflab/attempt.json"), &holding, 0o644);
        write(&lab.join(".token"), &holding, 0o644);
        write(
            &t.path().join("other-lab/node_modules/.cache/t"),
            &holding,
            0o644,
        );
        // Another lab's token, known to this attempt by nothing but its shape.
        write(
            &t.path().join("other-lab/token.json"),
            r#"{"access_token":"00Dxx0000001gEH!AQ4AQSomeoneElsesTokenOfAnotherOrg987654321"}"#,
            0o644,
        );
        let found = read_written_outside(t.path(), &lab, &redactor, &before);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_lab_folder_outside_the_workspace_looks_at_nothing_around_it() {
        let (t, _lab, redactor, before) = workspace_with_lab();
        let elsewhere = tempfile::tempdir().unwrap();
        let lab = elsewhere.path().join("lab");
        std::fs::create_dir_all(&lab).unwrap();
        write(
            &elsewhere.path().join("token-cache.json"),
            &format!("{TOKEN}\n"),
            0o644,
        );
        assert!(read_written_outside(t.path(), &lab, &redactor, &before).is_empty());
    }

    #[test]
    fn a_token_written_to_a_temporary_or_home_folder_is_found_one_folder_down_at_most() {
        let (t, lab, redactor, before) = workspace_with_lab();
        let tmp = tempfile::tempdir().unwrap();
        let holding = format!(r#"{{"access_token":"{TOKEN}"}}"#);
        write(&tmp.path().join("cc-token.json"), &holding, 0o644);
        write(&tmp.path().join("app/cache.json"), &holding, 0o600);
        write(&tmp.path().join("a/b/deep.json"), &holding, 0o644);
        write(&tmp.path().join("unrelated.txt"), "nothing here", 0o644);
        let places = [tmp.path().to_path_buf(), t.path().to_path_buf()];
        let found = read_written_elsewhere(&places, &[t.path(), &lab], &redactor, &before, &[]);
        let root = tmp.path().canonicalize().unwrap();
        let shown: Vec<(String, Option<u32>)> =
            found.iter().map(|f| (f.path.clone(), f.mode)).collect();
        assert_eq!(
            shown,
            [
                (
                    root.join("app/cache.json").display().to_string(),
                    Some(0o600)
                ),
                (
                    root.join("cc-token.json").display().to_string(),
                    Some(0o644)
                ),
            ],
            "the workspace is judged on its own and two folders down is not looked at"
        );
        assert_eq!(found[1].kinds, ["access_token"]);
    }

    #[test]
    fn elsewhere_only_secrets_of_this_attempt_alone_count() {
        let (t, lab, redactor, before) = workspace_with_lab();
        let fixed = "FixedLabConsumerSecretSharedByEveryAttempt0123456789";
        redactor.add_secret("client_secret", fixed);
        let tmp = tempfile::tempdir().unwrap();
        write(
            &tmp.path().join("other-attempt.env"),
            &format!("SECRET={fixed}\n"),
            0o644,
        );
        write(
            &tmp.path().join("someone-elses.json"),
            r#"{"access_token":"00Dxx0000001gEH!AQ4AQSomeoneElsesTokenOfAnotherOrg987654321"}"#,
            0o644,
        );
        let fixed_prints = [redactor.fingerprint(fixed)];
        let places = [tmp.path().to_path_buf()];
        let found = read_written_elsewhere(
            &places,
            &[t.path(), &lab],
            &redactor,
            &before,
            &fixed_prints,
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
