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
//! second thought ([`places_elsewhere`]): the temporary folders (`$TMPDIR`, `/tmp`,
//! `/var/tmp`, `/dev/shm`, `$XDG_RUNTIME_DIR`) [`TEMP_DEPTH`] folders down
//! (`/tmp/cc-token.json`, `/dev/shm/app/tok.json`), and the home folder [`HOME_DEPTH`] folders
//! down, where configuration and caching libraries keep their files (`~/.config/<app>/…`,
//! `~/.local/share/<app>/…`, `~/.cache/…`), with the XDG folders wherever they are set to be.
//! Other people's and programs' files live there too, so only a secret of this attempt alone
//! counts: a token seen in its traffic or a credential the org made for it, not a value the
//! lab fixes (a `consumer_secret` in its seed), which another attempt of the same lab may have
//! written. What was looked in is kept in the evidence ([`PlaceLooked`]), so the verdict says
//! exactly that.
//!
//! Each place is walked breadth first, nearest files first, at most [`ENTRIES_PER_PLACE`]
//! entries and [`READ_PER_PLACE`] changed files each, so a busy `/tmp` neither takes the home
//! folder's turn nor makes a check slow. Not entered there: installed packages, compiled
//! caches and version control (as in the lab folder), the stores of package managers and
//! toolchains (`.npm`, `.cargo`, `.rustup`…, [`TOOL_STORES`]), sflab's own configuration
//! folder (the saved sandbox logins) and the workspace and lab folder, judged on their own.

use super::{secret_file, text_of, LabFiles, MAX_BYTES};
use crate::evidence::{PlaceLooked, SecretFile};
use crate::lab::walk::{skipped, FolderSeen};
use crate::redact::Redactor;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Entries of the workspace looked at, at most, outside the lab folder.
const ENTRIES_LOOKED_AT: usize = 20_000;
/// Files changed during the attempt read, at most.
const MAX_READ: usize = 200;
/// How many folders down a temporary folder is looked into.
pub const TEMP_DEPTH: usize = 3;
/// How many folders down the home folder is looked into: `~/.local/share/<app>/<sub>/`.
pub const HOME_DEPTH: usize = 4;
/// Entries looked at, at most, in each place outside the workspace.
const ENTRIES_PER_PLACE: usize = 20_000;
/// Files changed during the attempt read, at most, in each place outside the workspace.
const READ_PER_PLACE: usize = 100;
/// Folders of package managers and toolchains, never entered outside the workspace: they hold
/// what was installed, not what a program saved.
const TOOL_STORES: &[&str] = &[
    ".npm",
    ".pnpm-store",
    ".yarn",
    ".nvm",
    ".cargo",
    ".rustup",
    ".m2",
    ".gradle",
    ".pyenv",
    ".conda",
    "site-packages",
    "_cacache",
];

/// A place outside the workspace to look in, and how many folders down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceElsewhere {
    pub path: PathBuf,
    pub depth: usize,
}

/// What [`read_written_elsewhere`] found, and where it looked.
#[derive(Debug, Default)]
pub struct WrittenElsewhere {
    pub files: Vec<SecretFile>,
    pub looked: Vec<PlaceLooked>,
}

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
        let rel = rel.to_string_lossy().replace('\\', "/");
        let shown = format!("{up}{rel}");
        found.extend(
            holding_known_secrets(redactor, &known, &shown, &path, &meta)
                .map(|file| behind_folders(file, &root, &rel, &up)),
        );
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// The home folder: `$HOME`, else the system's idea of it.
fn home_folder() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(dirs::home_dir)
}

/// The places outside the workspace [`read_written_elsewhere`] looks in (see the module
/// header): the temporary folders, the home folder, and the XDG folders set to lie elsewhere.
pub fn places_elsewhere() -> Vec<PlaceElsewhere> {
    let temp = |path: PathBuf| PlaceElsewhere {
        path,
        depth: TEMP_DEPTH,
    };
    let mut places = vec![temp(std::env::temp_dir())];
    if cfg!(unix) {
        places.extend(["/tmp", "/var/tmp", "/dev/shm"].map(|p| temp(PathBuf::from(p))));
    }
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    places.extend(var("XDG_RUNTIME_DIR").map(temp));
    if let Some(home) = home_folder() {
        places.push(PlaceElsewhere {
            path: home,
            depth: HOME_DEPTH,
        });
    }
    for name in [
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_STATE_HOME",
        "XDG_CACHE_HOME",
    ] {
        places.extend(var(name).map(temp));
    }
    places
}

/// The files in `places` (each as many folders down as it says), outside the folders judged
/// on their own (`judged`: the workspace, the lab folder), changed since the read `before` of
/// the lab folder and holding a secret `redactor` knew before this scan, other than the ones
/// whose fingerprints are in `fixed` (values the lab fixes, which another attempt may hold
/// too); and the places looked in. Paths are shown whole, or from `~/` under the home folder.
pub fn read_written_elsewhere(
    places: &[PlaceElsewhere],
    judged: &[&Path],
    redactor: &Redactor,
    before: &LabFiles,
    fixed: &[String],
) -> WrittenElsewhere {
    let Some(read_at) = before.read_at else {
        return WrittenElsewhere::default();
    };
    let since = read_at - std::time::Duration::from_secs(1);
    let known: Vec<String> = redactor
        .known_secrets()
        .into_iter()
        .map(|s| s.marker)
        .filter(|m| !fixed.iter().any(|f| m.ends_with(&format!("#{f}›"))))
        .collect();
    if known.is_empty() {
        return WrittenElsewhere::default();
    }
    let mut not_entered: Vec<PathBuf> = judged
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    not_entered.extend(crate::sandbox::profile::config_base().and_then(|c| c.canonicalize().ok()));
    let home = home_folder().and_then(|h| h.canonicalize().ok());
    let shown = |path: &Path| match home.as_deref().and_then(|h| path.strip_prefix(h).ok()) {
        Some(rel) if rel.as_os_str().is_empty() => "~".to_string(),
        Some(rel) => format!("~/{}", rel.to_string_lossy()),
        None => path.to_string_lossy().into_owned(),
    };
    let mut out = WrittenElsewhere::default();
    let mut changed: Vec<(PathBuf, std::fs::Metadata)> = Vec::new();
    let mut seen_places: Vec<PathBuf> = Vec::new();
    for place in places {
        let Ok(path) = place.path.canonicalize() else {
            continue;
        };
        // The workspace itself (a run's `$HOME` when sflab sets one) is judged on its own.
        let judged = not_entered.iter().any(|n| path.starts_with(n));
        if seen_places.contains(&path) || judged || !path.is_dir() {
            continue;
        }
        seen_places.push(path.clone());
        let whole = changes_in(&path, place.depth, &not_entered, since, &mut changed);
        out.looked.push(PlaceLooked {
            place: shown(&path),
            depth: place.depth,
            cut_short: !whole,
        });
    }
    // A place inside another (`$TMPDIR` under `/tmp`) may offer a file twice.
    changed.sort_by(|a, b| a.0.cmp(&b.0));
    changed.dedup_by(|a, b| a.0 == b.0);
    for (path, meta) in changed {
        // The folders below the nearest place the file lies in are the ones the program made
        // (`mktemp -d` under `$TMPDIR`), those above it are the system's.
        let place = seen_places
            .iter()
            .filter(|p| path.starts_with(p))
            .max_by_key(|p| p.components().count());
        let file = holding_known_secrets(redactor, &known, &shown(&path), &path, &meta);
        out.files.extend(file.map(|file| match place {
            Some(place) => {
                let rel = path.strip_prefix(place).unwrap_or(&path).to_string_lossy();
                let above = format!("{}/", shown(place).trim_end_matches('/'));
                behind_folders(file, place, &rel.replace('\\', "/"), &above)
            }
            None => file,
        }));
    }
    out
}

/// `file`, found at `rel` below `root` (shown with `shown_root` before it), with the folder on
/// the way that keeps everyone else out of it, when one does (see [`super::reach`]).
fn behind_folders(mut file: SecretFile, root: &Path, rel: &str, shown_root: &str) -> SecretFile {
    file.closed_by = file
        .mode
        .and_then(|mode| super::reach::closed_by(root, rel, mode))
        .map(|folder| format!("{shown_root}{folder}"));
    file
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

/// The files under `place`, at most `depth` folders down, changed at or after `since`, added
/// to `out` nearest first (breadth first, names in order); false when the walk stopped at
/// [`ENTRIES_PER_PLACE`] entries or [`READ_PER_PLACE`] files. The folders in `not_entered`,
/// `.sflab`, installed packages, caches, version control and [`TOOL_STORES`] are not
/// entered, nor links followed.
fn changes_in(
    place: &Path,
    depth: usize,
    not_entered: &[PathBuf],
    since: SystemTime,
    out: &mut Vec<(PathBuf, std::fs::Metadata)>,
) -> bool {
    let mut budget = ENTRIES_PER_PLACE;
    let mut found = 0;
    let mut folders = VecDeque::from([(place.to_path_buf(), 0usize)]);
    while let Some((dir, level)) = folders.pop_front() {
        if not_entered.iter().any(|n| dir.starts_with(n)) {
            continue;
        }
        let Ok(read) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = read.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            if budget == 0 || found == READ_PER_PLACE {
                return false;
            }
            budget -= 1;
            let path = entry.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let seen = FolderSeen {
                    name: &name,
                    holds_pyvenv_cfg: path.join("pyvenv.cfg").is_file(),
                    is_report: path.join("progress.json").is_file() && path.join("labs").is_dir(),
                };
                let tools = TOOL_STORES.iter().any(|t| t.eq_ignore_ascii_case(&name));
                if level < depth && !tools && skipped(&seen).is_none() {
                    folders.push_back((path, level + 1));
                }
            } else if meta.is_file()
                && meta.len() <= MAX_BYTES
                && meta.modified().is_ok_and(|at| at >= since)
            {
                out.push((path, meta));
                found += 1;
            }
        }
    }
    true
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

    fn place(path: &Path, depth: usize) -> PlaceElsewhere {
        PlaceElsewhere {
            path: path.to_path_buf(),
            depth,
        }
    }

    #[test]
    fn a_token_in_a_folder_only_its_owner_may_enter_is_kept_out_of_others_reach_anywhere() {
        let (t, lab, redactor, before) = workspace_with_lab();
        let holding = format!(r#"{{"access_token":"{TOKEN}"}}"#);
        // `d=$(mktemp -d)` under $TMPDIR, then the token written under umask 022.
        let tmp = tempfile::tempdir().unwrap();
        write(&tmp.path().join("tmp.q2V3NVJe/token"), &holding, 0o644);
        let set = |path: &Path, mode: u32| {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
        };
        set(&tmp.path().join("tmp.q2V3NVJe"), 0o700);
        write(&tmp.path().join("shared/token"), &holding, 0o644);
        set(&tmp.path().join("shared"), 0o755);
        let places = [place(tmp.path(), TEMP_DEPTH)];
        let found = read_written_elsewhere(&places, &[t.path(), &lab], &redactor, &before, &[]);
        let root = tmp.path().canonicalize().unwrap();
        let behind: Vec<(String, Option<String>)> = found
            .files
            .iter()
            .map(|f| (f.path.clone(), f.closed_by.clone()))
            .collect();
        assert_eq!(
            behind,
            [
                (root.join("shared/token").display().to_string(), None),
                (
                    root.join("tmp.q2V3NVJe/token").display().to_string(),
                    Some(format!("{}/tmp.q2V3NVJe (mode 0700)", root.display()))
                ),
            ]
        );
        // In the workspace beside the lab folder, the same.
        write(&t.path().join(".cache/app/token.json"), &holding, 0o644);
        set(&t.path().join(".cache"), 0o700);
        let found = read_written_outside(t.path(), &lab, &redactor, &before);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "../.cache/app/token.json");
        assert_eq!(found[0].closed_by.as_deref(), Some("../.cache (mode 0700)"));
    }

    #[test]
    fn a_token_written_to_a_temporary_folder_is_found_as_deep_as_the_place_is_looked_into() {
        let (t, lab, redactor, before) = workspace_with_lab();
        let tmp = tempfile::tempdir().unwrap();
        let holding = format!(r#"{{"access_token":"{TOKEN}"}}"#);
        write(&tmp.path().join("cc-token.json"), &holding, 0o644);
        write(&tmp.path().join("app/cache.json"), &holding, 0o600);
        write(&tmp.path().join("a/b/c/three-down.json"), &holding, 0o644);
        write(&tmp.path().join("a/b/c/d/four-down.json"), &holding, 0o644);
        write(&tmp.path().join("unrelated.txt"), "nothing here", 0o644);
        let places = [place(tmp.path(), TEMP_DEPTH), place(t.path(), TEMP_DEPTH)];
        let found = read_written_elsewhere(&places, &[t.path(), &lab], &redactor, &before, &[]);
        let root = tmp.path().canonicalize().unwrap();
        let shown: Vec<(String, Option<u32>)> = found
            .files
            .iter()
            .map(|f| (f.path.clone(), f.mode))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    root.join("a/b/c/three-down.json").display().to_string(),
                    Some(0o644)
                ),
                (
                    root.join("app/cache.json").display().to_string(),
                    Some(0o600)
                ),
                (
                    root.join("cc-token.json").display().to_string(),
                    Some(0o644)
                ),
            ],
            "the workspace is judged on its own, and four folders down is not looked at"
        );
        assert_eq!(found.files[2].kinds, ["access_token"]);
        // What was looked in is said; the workspace, judged on its own, is no place elsewhere.
        let looked: Vec<(String, usize, bool)> = found
            .looked
            .iter()
            .map(|l| (l.place.clone(), l.depth, l.cut_short))
            .collect();
        assert_eq!(looked, [(root.display().to_string(), TEMP_DEPTH, false)]);
    }

    #[test]
    fn a_token_kept_where_config_libraries_keep_files_is_found_but_installed_trees_are_not_entered()
    {
        let (t, lab, redactor, before) = workspace_with_lab();
        let home = tempfile::tempdir().unwrap();
        let holding = format!(r#"{{"access_token":"{TOKEN}"}}"#);
        for (rel, mode) in [
            (".config/pipeline-report/token.json", 0o644),
            (".local/share/pipeline-report/tokens/current.json", 0o644),
            (".cache/tok.json", 0o600),
            (".npm/_cacache/index/tok.json", 0o644),
            ("project/node_modules/pkg/tok.json", 0o644),
            (".config/a/b/c/d/too-deep.json", 0o644),
        ] {
            write(&home.path().join(rel), &holding, mode);
        }
        // A file of the home folder left as it was before the attempt is no finding of it.
        let old = home.path().join(".config/other/old-token.json");
        write(&old, &holding, 0o644);
        let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        let places = [place(home.path(), HOME_DEPTH)];
        let found = read_written_elsewhere(&places, &[t.path(), &lab], &redactor, &before, &[]);
        let root = home.path().canonicalize().unwrap();
        let shown: Vec<String> = found
            .files
            .iter()
            .map(|f| {
                let path = Path::new(&f.path);
                path.strip_prefix(&root)
                    .map_or(f.path.clone(), |p| p.display().to_string())
            })
            .collect();
        assert_eq!(
            shown,
            [
                ".cache/tok.json",
                ".config/pipeline-report/token.json",
                ".local/share/pipeline-report/tokens/current.json",
            ]
        );
    }

    #[test]
    fn a_place_with_more_entries_than_are_looked_at_says_it_was_cut_short() {
        let (t, lab, redactor, before) = workspace_with_lab();
        let tmp = tempfile::tempdir().unwrap();
        for n in 0..=READ_PER_PLACE {
            write(&tmp.path().join(format!("build-{n:03}.log")), "log", 0o644);
        }
        let places = [place(tmp.path(), TEMP_DEPTH)];
        let found = read_written_elsewhere(&places, &[t.path(), &lab], &redactor, &before, &[]);
        assert!(found.files.is_empty());
        assert!(found.looked[0].cut_short, "{:?}", found.looked);
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
        let places = [place(tmp.path(), TEMP_DEPTH)];
        let found = read_written_elsewhere(
            &places,
            &[t.path(), &lab],
            &redactor,
            &before,
            &fixed_prints,
        );
        assert!(found.files.is_empty(), "{found:?}");
    }
}
