//! What the learner's lab folder holds after the runs: the text of their files, redacted,
//! for the secret-scanning rules, and which files hold a secret, with their permission bits,
//! for `secrets.files_private`.
//!
//! Hidden files (`.env`, `.refresh-token`) are no sources (rules reading the learner's code do
//! not see them), but each one holding a secret is listed: `secrets.files_private` judges its
//! mode and `secrets.not_in_sources` counts it as a secret written into the folder.
//! The folder is walked as [`crate::lab::walk`] walks it for every reader (installed
//! packages, caches, version control and sflab's own folders skipped); files over 256 KiB
//! are not read. A file that is not UTF-8 or UTF-16 with a byte-order mark (a SQLite token
//! store, a pickle) is no source (the visible ones are named, with why and the first stray
//! byte, for a rule looking for them), but its raw bytes are still searched for secrets —
//! every learnt value in each form it may be written in, and secrets by shape — so a binary
//! file holding one is listed like a text one, by name and mode. A link to a file inside the
//! lab folder is read as that file; a link leading out of it is not followed.
//! After the runs ([`read_lab_files_after_runs`]) the files they wrote into a skipped folder
//! are searched for secrets as hidden files are; the files installed there before are not.

use crate::evidence::{SecretFile, SourceFile};
use crate::redact::{find_markers, is_leak_kind, Redactor};
pub use outside::{places_elsewhere, read_written_elsewhere, read_written_outside};
use std::path::Path;

#[path = "lab_files_outside.rs"]
mod outside;
#[path = "lab_files_reach.rs"]
mod reach;

const MAX_FILES: usize = 200;
const MAX_BYTES: u64 = 256 * 1024;
/// How many unread files are named at most (a folder of a million files names a few).
const MAX_UNREAD: usize = 1000;

/// The lab folder's files as the rules see them.
#[derive(Debug, Default)]
pub struct LabFiles {
    /// Visible text files, redacted, sorted by path.
    pub sources: Vec<SourceFile>,
    /// Every file, hidden or not, text or not, that holds a secret, sorted by path.
    pub secret_files: Vec<SecretFile>,
    /// Visible files left unread because they are larger than the rules read: path and size.
    pub too_large: Vec<(String, u64)>,
    /// Other visible files left unread, with why (not UTF-8; past the file count sflab reads).
    pub unread: Vec<(String, String)>,
    /// Every visible file: path, time of last change and size (to tell what a run wrote).
    pub stamps: Vec<(String, Option<std::time::SystemTime>, u64)>,
    /// When this read of the folder began.
    pub read_at: Option<std::time::SystemTime>,
}

impl LabFiles {
    /// The visible files that are as they were in `before` (a read of the folder before the
    /// runs): same time of last change and size. Sorted by path.
    pub fn left_as(&self, before: &LabFiles) -> Vec<String> {
        let mut same: Vec<String> = self
            .stamps
            .iter()
            .filter(|(path, at, len)| {
                at.is_some()
                    && before
                        .stamps
                        .iter()
                        .any(|(p, a, l)| p == path && a == at && l == len)
            })
            .map(|(path, _, _)| path.clone())
            .collect();
        same.sort();
        same
    }
}

/// Reads the lab folder `dir` (see the module header).
pub fn read_lab_files(dir: &Path, redactor: &Redactor) -> LabFiles {
    read_folder(dir, redactor, None)
}

/// Reads the lab folder `dir` after the runs, `before` being its read just before them: as
/// [`read_lab_files`], and each file the runs wrote into a skipped folder (installed packages,
/// caches, version control; see [`crate::lab::walk::changed_since`]) is searched for secrets
/// too, as a hidden file is. A secret cached in `node_modules/.cache/` is written into the
/// lab folder as much as one in `.env`; the packages installed before the runs are not read.
pub fn read_lab_files_after_runs(dir: &Path, redactor: &Redactor, before: &LabFiles) -> LabFiles {
    // A second of slack for file systems that keep coarse modification times.
    let since = before
        .read_at
        .map(|at| at - std::time::Duration::from_secs(1));
    read_folder(dir, redactor, since)
}

/// Entries looked at in the skipped folders of one read, at most: a huge `node_modules` is
/// passed over quickly rather than walked whole.
const SKIPPED_ENTRIES_LOOKED_AT: usize = 200_000;

fn read_folder(
    dir: &Path,
    redactor: &Redactor,
    written_since: Option<std::time::SystemTime>,
) -> LabFiles {
    let mut files = LabFiles {
        read_at: Some(std::time::SystemTime::now()),
        ..LabFiles::default()
    };
    // What the runs wrote into skipped folders: path shown, path on disk, metadata.
    let mut written_in_skipped = Vec::new();
    let mut budget = SKIPPED_ENTRIES_LOOKED_AT;
    // Hidden files have their own allowance: a tool's cache cannot crowd out the sources.
    // So have files that are not text, searched for secrets only.
    let (mut visible_read, mut hidden_read, mut binary_read) = (0usize, 0usize, 0usize);
    // A link to a file inside the lab folder is read as that file; one leading out is not.
    let root = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    crate::lab::walk::walk(dir, &mut |e| {
        use crate::lab::walk::{Skipped, Walked};
        if let (Walked::Skipped(why), Some(since)) = (e.walked, written_since) {
            if why != Skipped::Sflab {
                crate::lab::walk::changed_since(dir, &e.rel, since, &mut budget, &mut |w| {
                    if w.meta.is_file() {
                        written_in_skipped.push((w.shown.clone(), w.path.clone(), w.meta.clone()));
                    }
                });
            }
        }
        if e.walked != Walked::Other {
            return;
        }
        let path = &e.path;
        let mut meta = e.meta.clone();
        if meta.file_type().is_symlink() {
            let inside = path
                .canonicalize()
                .is_ok_and(|target| target.starts_with(&root));
            match std::fs::metadata(path) {
                Ok(target) if inside && target.is_file() => meta = target,
                _ => return,
            }
        }
        let rel = e.shown.clone();
        let hidden = rel.split('/').any(|part| part.starts_with('.'));
        if meta.is_file() && !hidden {
            files
                .stamps
                .push((rel.clone(), meta.modified().ok(), meta.len()));
        }
        let read = if hidden {
            &mut hidden_read
        } else {
            &mut visible_read
        };
        if meta.is_file() && meta.len() > MAX_BYTES && !hidden {
            files.too_large.push((rel, meta.len()));
            return;
        }
        if !meta.is_file() || meta.len() > MAX_BYTES {
            return;
        }
        if *read >= MAX_FILES {
            if !hidden && files.unread.len() < MAX_UNREAD {
                let why = format!("was not read: sflab reads the first {MAX_FILES} files of a lab folder, and this one has more");
                files.unread.push((rel, why));
            }
            return;
        }
        let Ok(bytes) = std::fs::read(path) else {
            return;
        };
        let text = match text_of(&bytes) {
            Ok(text) => text,
            Err(why) => {
                if binary_read < MAX_FILES {
                    binary_read += 1;
                    let redacted = redactor.raw_file(&bytes);
                    files
                        .secret_files
                        .extend(secret_file(&rel, &meta, &redacted));
                }
                if !hidden && files.unread.len() < MAX_UNREAD {
                    files.unread.push((rel, why));
                }
                return;
            }
        };
        *read += 1;
        // By name too: a literal assigned to `client_secret` is a secret written into
        // the file even when it is none of this attempt's own values.
        let redacted = redactor.file_text(&rel, &text);
        files
            .secret_files
            .extend(secret_file(&rel, &meta, &redacted));
        if !hidden {
            files.sources.push(SourceFile {
                path: rel,
                text: redacted,
            });
        }
    });
    // Read as hidden files are: searched for secrets, never sources, with an allowance of
    // their own so they crowd out nothing else.
    // Python's compiled modules are left out: an import writes them into a virtualenv's
    // `__pycache__/` during a run, and a literal in them is in the source they come from.
    let written = written_in_skipped.iter().filter(|(rel, _, _)| {
        let name = rel.to_ascii_lowercase();
        !name.ends_with(".pyc") && !name.ends_with(".pyo")
    });
    for (rel, path, meta) in written.take(MAX_FILES) {
        if meta.len() > MAX_BYTES {
            continue;
        }
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let redacted = match text_of(&bytes) {
            Ok(text) => redactor.file_text(rel, &text),
            Err(_) => redactor.raw_file(&bytes),
        };
        files.secret_files.extend(secret_file(rel, meta, &redacted));
    }
    files.sources.sort_by(|a, b| a.path.cmp(&b.path));
    files.secret_files.sort_by(|a, b| a.path.cmp(&b.path));
    for f in &mut files.secret_files {
        f.closed_by = f.mode.and_then(|mode| reach::closed_by(dir, &f.path, mode));
    }
    files
}

/// A file's text: UTF-8, or UTF-16 with its byte-order mark (what some Windows editors save as
/// "Unicode"). Anything else is refused with where it stops being UTF-8, so the learner can
/// find the stray byte (a Latin-1 `é` from another editor).
fn text_of(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |be: bool, body: &[u8]| {
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|c| {
                if be {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect();
        body.len()
            .is_multiple_of(2)
            .then(|| String::from_utf16(&units).ok())
            .flatten()
    };
    let bom = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => Some(false),
        Some([0xFE, 0xFF]) => Some(true),
        _ => None,
    };
    if let Some(be) = bom {
        if let Some(text) = utf16(be, &bytes[2..]) {
            return Ok(text);
        }
    }
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
        format!(
            "is not UTF-8 text (byte 0x{:02X} on line {line} is not UTF-8; save the file as UTF-8)",
            bytes[at]
        )
    })
}

/// Removes the lab's `run.fresh` paths from the lab folder `dir` (what the program remembers
/// between runs: each check starts a fresh org). A symbolic link is removed, never followed.
pub fn clear_fresh(dir: &Path, paths: &[String]) -> std::io::Result<()> {
    for rel in paths {
        let path = dir.join(rel);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(&path)?,
            Ok(_) => std::fs::remove_file(&path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The file at `rel` as a secret file, if its redacted text holds a secret.
fn secret_file(rel: &str, meta: &std::fs::Metadata, redacted: &str) -> Option<SecretFile> {
    let (kinds, markers) = secrets_held(redacted);
    (!kinds.is_empty()).then(|| SecretFile {
        path: rel.to_string(),
        mode: permission_bits(meta),
        kinds,
        markers,
        closed_by: None,
    })
}

/// The kinds of secret whose markers `redacted` holds and the markers, each once, in order
/// of appearance.
fn secrets_held(redacted: &str) -> (Vec<String>, Vec<String>) {
    let (mut kinds, mut markers): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for m in find_markers(redacted) {
        if !is_leak_kind(&m.kind) {
            continue;
        }
        let marker = format!("‹redacted:{}#{}›", m.kind, m.hash);
        if !markers.contains(&marker) {
            markers.push(marker);
        }
        if !kinds.contains(&m.kind) {
            kinds.push(m.kind);
        }
    }
    (kinds, markers)
}

#[cfg(unix)]
fn permission_bits(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn permission_bits(_meta: &std::fs::Metadata) -> Option<u32> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn fresh_paths_are_removed_and_links_are_not_followed() {
        let lab = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        write(lab.path(), "state/replay.json", "{}", 0o600);
        write(lab.path(), "seen.txt", "SO-101", 0o644);
        write(outside.path(), "keep.txt", "keep", 0o644);
        std::os::unix::fs::symlink(outside.path(), lab.path().join("cache")).unwrap();
        let fresh = ["state", "seen.txt", "cache", "never-made"].map(String::from);
        clear_fresh(lab.path(), &fresh).unwrap();
        for gone in ["state", "seen.txt", "cache"] {
            assert!(
                std::fs::symlink_metadata(lab.path().join(gone)).is_err(),
                "{gone}"
            );
        }
        assert!(
            outside.path().join("keep.txt").exists(),
            "the link's target is kept"
        );
    }

    fn write(dir: &Path, rel: &str, text: &str, mode: u32) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_file_too_large_to_read_is_named_with_its_size() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "run", "#!/bin/sh\n", 0o755);
        write(dir.path(), "failed.csv", &"x,y\n".repeat(80_000), 0o644);
        let files = read_lab_files(dir.path(), &Redactor::new(b"k"));
        assert_eq!(files.too_large, [("failed.csv".to_string(), 320_000)]);
        assert!(files.sources.iter().all(|s| s.path != "failed.csv"));
    }

    #[test]
    fn hidden_token_files_are_listed_with_their_mode_but_are_not_sources() {
        let dir = tempfile::tempdir().unwrap();
        let token = "5Aep861IKW6x1gBZq2ZpLmR8u7aTfXcVb9yHs0dE.QwErTy_uIoP";
        write(dir.path(), "run", "#!/bin/sh\necho hi\n", 0o755);
        write(
            dir.path(),
            ".refresh-token",
            &format!("abc\n{token}\n"),
            0o644,
        );
        write(dir.path(), "state/.token", &format!("{token}\n"), 0o600);
        write(dir.path(), "node_modules/x/t", &format!("{token}\n"), 0o644);
        let files = read_lab_files(dir.path(), &Redactor::new(b"k"));
        let paths: Vec<&str> = files.sources.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(paths, ["run"]);
        let secret: Vec<(&str, Option<u32>)> = files
            .secret_files
            .iter()
            .map(|f| (f.path.as_str(), f.mode))
            .collect();
        assert_eq!(
            secret,
            [
                (".refresh-token", Some(0o644)),
                ("state/.token", Some(0o600))
            ]
        );
        assert_eq!(files.secret_files[0].kinds, ["refresh_token"]);
        // Which token it keeps, by the marker traffic carries for it.
        let marker = Redactor::new(b"k").marker("refresh_token", token);
        assert_eq!(files.secret_files[0].markers, [marker]);
        assert!(!format!("{files:?}").contains("5Aep861IKW6x"));
    }

    #[test]
    fn a_secret_the_runs_wrote_into_node_modules_is_found_but_installed_files_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let token = "5Aep861IKW6x1gBZq2ZpLmR8u7aTfXcVb9yHs0dE.QwErTy_uIoP";
        write(dir.path(), "run", "#!/bin/sh\necho hi\n", 0o755);
        // Installed before the attempt: a package's own test fixture shaped like a token.
        write(
            dir.path(),
            "node_modules/pkg/fixture",
            &format!("{token}\n"),
            0o644,
        );
        let installed = dir.path().join("node_modules/pkg/fixture");
        let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&installed)
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();
        let redactor = Redactor::new(b"k");
        let mut before = read_lab_files(dir.path(), &redactor);
        before.read_at = Some(std::time::SystemTime::now() - std::time::Duration::from_secs(60));
        write(
            dir.path(),
            "node_modules/.cache/erp/credentials.json",
            &format!("{{\"token\": \"{token}\"}}"),
            0o644,
        );
        write(
            dir.path(),
            "__pycache__/creds.txt",
            &format!("{token}\n"),
            0o600,
        );
        let after = read_lab_files_after_runs(dir.path(), &redactor, &before);
        let secret: Vec<(&str, Option<u32>)> = after
            .secret_files
            .iter()
            .map(|f| (f.path.as_str(), f.mode))
            .collect();
        assert_eq!(
            secret,
            [
                ("__pycache__/creds.txt", Some(0o600)),
                ("node_modules/.cache/erp/credentials.json", Some(0o644)),
            ]
        );
        let sources: Vec<&str> = after.sources.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(sources, ["run"], "what a run caches is no source");
        // Read without the runs' start (sflab's first read, a files-only lab), they are skipped.
        assert!(read_lab_files(dir.path(), &redactor)
            .secret_files
            .is_empty());
    }

    #[test]
    fn a_hidden_cache_of_many_files_does_not_crowd_out_the_sources() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..(MAX_FILES + 50) {
            // Read before `run`: '.' sorts first.
            write(dir.path(), &format!(".cache-{i:04}"), "cached\n", 0o644);
        }
        write(dir.path(), "run", "#!/bin/sh\n", 0o755);
        let files = read_lab_files(dir.path(), &Redactor::new(b"k"));
        let paths: Vec<&str> = files.sources.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(paths, ["run"]);
    }

    #[test]
    fn a_literal_assigned_to_a_secret_name_is_a_secret_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "creds.env",
            "SF_CLIENT_ID=3MVG9public\nSF_CLIENT_SECRET=8F2A1C9D7E6B5A4F3E2D1C0B9A8F7E6D\n",
            0o644,
        );
        write(
            dir.path(),
            "config.py",
            "client_secret = \"Zq81kLm02PxV77Ta\"\nbody = \"&client_secret=\" + client_secret\n",
            0o644,
        );
        write(
            dir.path(),
            "run",
            "#!/bin/sh\nexec python3 config.py\n",
            0o755,
        );
        let files = read_lab_files(dir.path(), &Redactor::new(b"k"));
        let secret: Vec<(&str, &[String])> = files
            .secret_files
            .iter()
            .map(|f| (f.path.as_str(), f.kinds.as_slice()))
            .collect();
        assert_eq!(
            secret,
            [
                ("config.py", &["client_secret".to_string()][..]),
                ("creds.env", &["sf_client_secret".to_string()][..]),
            ]
        );
        let config = &files.sources[0];
        assert!(
            config
                .text
                .contains("body = \"&client_secret=\" + client_secret"),
            "code stays: {}",
            config.text
        );
    }

    #[test]
    fn a_visible_file_with_a_secret_is_both_a_source_and_a_secret_file() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "config.py",
            "TOKEN = '00D000000000001!AQ0123456789abcdef'\n",
            0o640,
        );
        let files = read_lab_files(dir.path(), &Redactor::new(b"k"));
        assert_eq!(files.sources.len(), 1);
        assert_eq!(files.secret_files.len(), 1);
        assert_eq!(files.secret_files[0].mode, Some(0o640));
        assert_eq!(files.secret_files[0].kinds, ["access_token"]);
        assert!(files.sources[0].text.contains("‹redacted:access_token#"));
    }

    #[test]
    fn a_file_the_runs_did_not_touch_is_told_from_one_they_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let redactor = Redactor::new(b"k");
        std::fs::write(dir.path().join("kept.csv"), "Id\n1\n").unwrap();
        std::fs::write(dir.path().join("rewritten.csv"), "Id\n1\n").unwrap();
        let before = read_lab_files(dir.path(), &redactor);
        std::thread::sleep(std::time::Duration::from_millis(20));
        // Rewritten with the same bytes: its time of last change still moves.
        std::fs::write(dir.path().join("rewritten.csv"), "Id\n1\n").unwrap();
        std::fs::write(dir.path().join("new.csv"), "Id\n").unwrap();
        let after = read_lab_files(dir.path(), &redactor);
        assert_eq!(after.left_as(&before), vec!["kept.csv".to_string()]);
    }

    #[test]
    fn a_link_to_a_file_inside_the_folder_is_read_and_one_leading_out_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        std::fs::write(dir.path().join("data/real.csv"), "Id\n1\n").unwrap();
        std::fs::write(outside.path().join("secret.txt"), "not yours\n").unwrap();
        std::os::unix::fs::symlink("data/real.csv", dir.path().join("export.csv")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.txt"),
            dir.path().join("away.txt"),
        )
        .unwrap();
        let files = read_lab_files(dir.path(), &Redactor::new(b"k"));
        let paths: Vec<&str> = files.sources.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, vec!["data/real.csv", "export.csv"]);
        assert_eq!(files.sources[1].text, "Id\n1\n");
    }

    #[test]
    fn a_utf16_file_with_its_byte_order_mark_is_read_as_text() {
        let dir = tempfile::tempdir().unwrap();
        let text = "| Need | API |\n| café | REST |\n";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        std::fs::write(dir.path().join("le.md"), le).unwrap();
        std::fs::write(dir.path().join("be.md"), be).unwrap();
        let files = read_lab_files(dir.path(), &Redactor::new(b"k"));
        assert!(files.unread.is_empty(), "{:?}", files.unread);
        let texts: Vec<&str> = files.sources.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(texts, [text, text]);
    }

    /// A SQLite token store as a rotation job keeps it: the token glued to the fingerprint
    /// of the token it came from, in a file that is not UTF-8.
    fn sqlite_store(path: &Path, token: &str, mode: u32) {
        let db = rusqlite::Connection::open(path).unwrap();
        db.execute_batch("create table rt(origin text primary key, token text)")
            .unwrap();
        let origin = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        db.execute("insert into rt values(?1, ?2)", [origin, token])
            .unwrap();
        drop(db);
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_binary_file_holding_a_secret_is_listed_by_name_and_mode() {
        let dir = tempfile::tempdir().unwrap();
        let token = "5Aep861IKW6x1gBZq2ZpLmR8u7aTfXcVb9yHs0dE.QwErTy_uIoP";
        sqlite_store(&dir.path().join("tokens.db"), token, 0o644);
        sqlite_store(&dir.path().join(".state.db"), token, 0o600);
        let mut pickle = b"\x80\x04\x95\xff\x00refresh\x94".to_vec();
        pickle.extend_from_slice(hex::encode(token).as_bytes());
        std::fs::write(dir.path().join("rt.pickle"), pickle).unwrap();
        assert!(
            std::str::from_utf8(&std::fs::read(dir.path().join("tokens.db")).unwrap()).is_err()
        );
        // Learnt from the answer that issued it, as in a check.
        let redactor = Redactor::new(b"k");
        redactor.add_secret("refresh_token", token);
        let files = read_lab_files(dir.path(), &redactor);
        let secret: Vec<(&str, Option<u32>)> = files
            .secret_files
            .iter()
            .map(|f| (f.path.as_str(), f.mode))
            .collect();
        assert_eq!(
            secret,
            [
                (".state.db", Some(0o600)),
                ("rt.pickle", Some(0o644)),
                ("tokens.db", Some(0o644))
            ]
        );
        let marker = redactor.marker("refresh_token", token);
        assert!(files
            .secret_files
            .iter()
            .all(|f| f.markers == [marker.clone()]));
        assert!(files.sources.is_empty());
        assert!(!format!("{files:?}").contains("5Aep861IKW6x"));
    }

    #[test]
    fn files_left_unread_are_named_with_why() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("0latin1.csv"), b"Name\nCaf\xe9\n").unwrap();
        for i in 0..MAX_FILES {
            std::fs::write(dir.path().join(format!("a{i:03}.txt")), "x").unwrap();
        }
        std::fs::write(dir.path().join("z-last.csv"), "Id\n").unwrap();
        let files = read_lab_files(dir.path(), &Redactor::new(b"k"));
        let why = |p: &str| {
            files
                .unread
                .iter()
                .find(|(path, _)| path == p)
                .map(|(_, w)| w.clone())
        };
        assert_eq!(
            why("0latin1.csv").as_deref(),
            Some("is not UTF-8 text (byte 0xE9 on line 2 is not UTF-8; save the file as UTF-8)")
        );
        assert!(
            why("z-last.csv").is_some_and(|w| w.contains("reads the first 200 files")),
            "{:?}",
            files.unread
        );
    }
}
