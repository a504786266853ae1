//! Small file-system helpers: private (0600) files written atomically, private folders
//! (0700, made so when they already exist open to others: [`create_secret_dir`]).
//!
//! Anything that may hold a token or a transcript is written through here: a temporary file
//! created with `create_new` and mode 0600 in the same folder, synced, then renamed over the
//! target — so a crash mid-write leaves the old file whole and no reader sees a half file.
//! The temporary file's name carries the writer's process id and a number of its own
//! (`.<name>.<pid>-<n>.tmp`, so two threads of one process writing the same file at once do
//! not share one); one whose process is gone (killed mid-write) is removed by the next write
//! to the same file. A file that must be made once and then only read (a key) is made with
//! [`create_private_once`]: of two writers at once, one makes it and the other reads it.
//!
//! Also here: following a symbolic link to the file a write should replace ([`write_target`]),
//! or refusing one where a secret would be written ([`refuse_link`]),
//! checking a folder can be written before work that ends in a write ([`probe_writable`]), and
//! telling whether a file sflab is about to replace is one it wrote itself ([`replaceable`]),
//! and keeping a copy of such a file the learner edited since ([`replace_keeping_edits`]; the
//! file carries a [`digest`] of what sflab wrote, by which an edit is told).

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};

/// Creates `dir` (and parents) with mode 0700 where it is new.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    b.mode(0o700);
    b.create(dir)
}

/// [`create_private_dir`] for a folder that holds secrets (logins, a workspace's state): one
/// that already exists open to others (0755, 0777) is made 0700 too, as a folder made by
/// hand or an old sflab may be.
pub fn create_secret_dir(dir: &Path) -> io::Result<()> {
    create_private_dir(dir)?;
    make_private(dir)
}

/// Takes from `dir` every permission of its group and others (0777 → 0700).
pub fn make_private(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir)?.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            fs::set_permissions(dir, fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    Ok(())
}

/// Writes `contents` to `path` atomically, leaving a file of mode 0600.
pub fn write_private_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    let tmp = write_temp(path, contents)?;
    let result = fs::rename(&tmp, path);
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Makes `path` with `contents` (mode 0600) unless it exists: true when this call made it.
/// The file appears whole or not at all, and of two writers at once exactly one makes it
/// (the other gets false and should read the file).
pub fn create_private_once(path: &Path, contents: &[u8]) -> io::Result<bool> {
    let tmp = write_temp(path, contents)?;
    // A link fails where the name is taken, where a rename would replace what is there.
    let made = match fs::hard_link(&tmp, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    };
    let _ = fs::remove_file(&tmp);
    made
}

/// Writes `contents` to a fresh temporary file beside `path` (mode 0600, synced), named
/// `.<name>.<pid>-<n>.tmp`, after removing those a killed writer left; returns its path.
fn write_temp(path: &Path, contents: &[u8]) -> io::Result<PathBuf> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?
        .to_string_lossy();
    sweep_stale_temps(dir, &name);
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Whether process `pid` exists (signal 0 checks existence only; EPERM means it is someone
/// else's). Off Unix every process is taken as alive, so nothing is removed.
pub fn process_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    #[cfg(unix)]
    {
        // SAFETY: kill with signal 0 sends nothing.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// Removes `.{name}.<pid>.tmp` files in `dir` whose writing process is gone.
pub fn sweep_stale_temps(dir: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let file = file.to_string_lossy();
        let pid = file
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
            // `<pid>-<n>`, or `<pid>` as writers before the number named theirs.
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<i32>().ok());
        if let Some(pid) = pid {
            if pid != std::process::id() as i32 && !process_alive(pid) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// The file a write to `path` should replace: where `path` leads when it is a symbolic link
/// (followed link by link, relative targets taken from the link's folder), else `path` itself.
/// Renaming over the link would turn it into a plain file and leave its target stale.
/// Only for files that hold no secret (`org serve --data`, the org's records, which a learner
/// may keep in another folder through a link); a file that will hold a token or a client
/// secret is checked with [`refuse_link`] instead.
pub fn write_target(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    // 40 links, as the kernel allows, before giving up on a loop.
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => match fs::read_link(&current) {
                Ok(next) => {
                    current = match current.parent() {
                        Some(parent) if next.is_relative() => parent.join(next),
                        _ => next,
                    }
                }
                Err(_) => return current,
            },
            _ => return current,
        }
    }
    current
}

/// For a file that will hold a token or a client secret: `Err` with where the link leads when
/// `path` is a symbolic link, dangling or not, so the secret is never written through a link
/// planted where the file is expected (oauth-strictness.md, Storage 1). The write then renames
/// a new 0600 file over `path`, which replaces a link made since rather than following it.
pub fn refuse_link(path: &Path) -> Result<(), PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(fs::read_link(path).unwrap_or_default()),
        _ => Ok(()),
    }
}

/// Writes and removes a probe file in `dir`, proving a file can be created there; the probe
/// is removed whether its write succeeded or not (a full disk can fail the write after the
/// file was created).
pub fn probe_writable(dir: &Path) -> io::Result<()> {
    probe_with(dir, |f| {
        f.write_all(b"probe")?;
        f.sync_all()
    })
}

/// [`probe_writable`] with the probe's write given (a test stands in a full disk).
fn probe_with(dir: &Path, write: impl FnOnce(&mut fs::File) -> io::Result<()>) -> io::Result<()> {
    let file = dir.join(format!(".sflab-probe-{}", uuid::Uuid::new_v4().simple()));
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file)
        .and_then(|mut f| write(&mut f));
    let removed = fs::remove_file(&file);
    match (written, removed) {
        (Err(e), _) => Err(e),
        (Ok(()), Err(e)) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Whether sflab may replace `path`: nothing is there, the file is empty, or `ours` recognises
/// its content as something sflab wrote. A folder, or a file sflab did not write (a learner's
/// program, notes), is not replaceable.
pub fn replaceable(path: &Path, ours: impl Fn(&[u8]) -> bool) -> bool {
    match fs::metadata(path) {
        Err(e) => e.kind() == io::ErrorKind::NotFound,
        Ok(m) if !m.is_file() => false,
        Ok(m) if m.len() == 0 => true,
        Ok(_) => fs::read(path).is_ok_and(|bytes| ours(&bytes)),
    }
}

/// The SHA-256 of `bytes` in hex: written into a file sflab may replace later, so that an
/// edit since can be told from sflab's own text.
pub fn digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Writes `contents` to `path` ([`write_private_atomic`]), first keeping the file there as
/// `<name>.<time>.bak` (0600) when it is not as sflab wrote it (`as_written` says no: the
/// learner edited it). Returns where the copy was kept, for a one-line notice.
pub fn replace_keeping_edits(
    path: &Path,
    contents: &[u8],
    as_written: impl Fn(&[u8]) -> bool,
) -> io::Result<Option<PathBuf>> {
    let kept = match fs::read(path) {
        Ok(old) if !old.is_empty() && !as_written(&old) && old != contents => {
            let backup = backup_path(path);
            write_private_atomic(&backup, &old)?;
            Some(backup)
        }
        _ => None,
    };
    write_private_atomic(path, contents)?;
    Ok(kept)
}

/// `<name>.<UTC time>.bak` beside `path`, one not taken yet.
pub(crate) fn backup_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut backup = path.with_file_name(format!("{name}.{stamp}.bak"));
    let mut n = 2;
    while backup.exists() {
        backup = path.with_file_name(format!("{name}.{stamp}-{n}.bak"));
        n += 1;
    }
    backup
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temp_file_left_by_a_killed_writer_is_removed_by_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("org.json");
        // No process has id i32::MAX - 1 on any real system.
        let stale = dir.path().join(format!(".org.json.{}-3.tmp", i32::MAX - 1));
        let older = dir.path().join(format!(".org.json.{}.tmp", i32::MAX - 1));
        let other = dir.path().join(".notes.json.1.tmp");
        fs::write(&stale, b"half").unwrap();
        fs::write(&older, b"half").unwrap();
        fs::write(&other, b"someone else's").unwrap();
        write_private_atomic(&p, b"whole").unwrap();
        assert!(!stale.exists(), "the dead writer's temp file is gone");
        assert!(
            !older.exists(),
            "so is one named before temp files were numbered"
        );
        assert!(other.exists(), "another file's temp file is left alone");
        assert_eq!(fs::read(&p).unwrap(), b"whole");
    }

    #[test]
    fn threads_writing_one_file_at_once_each_write_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        std::thread::scope(|s| {
            for t in 0..8u8 {
                let p = &p;
                s.spawn(move || {
                    for _ in 0..20 {
                        write_private_atomic(p, &[t; 64]).unwrap();
                    }
                });
            }
        });
        let last = fs::read(&p).unwrap();
        assert!(last.len() == 64 && last.iter().all(|b| *b == last[0]));
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(left.len(), 1, "no temporary file is left: {left:?}");
    }

    #[test]
    fn of_writers_making_one_file_at_once_exactly_one_makes_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("redaction.key");
        let made: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8u8)
                .map(|t| {
                    let p = &p;
                    s.spawn(move || create_private_once(p, &[t; 32]).unwrap())
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(made.iter().filter(|m| **m).count(), 1, "{made:?}");
        let winner = made.iter().position(|m| *m).unwrap() as u8;
        assert_eq!(fs::read(&p).unwrap(), vec![winner; 32]);
        assert!(!create_private_once(&p, b"later").unwrap());
        assert_eq!(
            fs::read(&p).unwrap(),
            vec![winner; 32],
            "a later call changes nothing"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_write_through_a_link_reaches_the_file_it_points_to() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real").join("org.json");
        fs::create_dir(real.parent().unwrap()).unwrap();
        fs::write(&real, b"old").unwrap();
        let link = dir.path().join("org.json");
        std::os::unix::fs::symlink("real/org.json", &link).unwrap();
        let hop = dir.path().join("hop.json");
        std::os::unix::fs::symlink(&link, &hop).unwrap();
        assert_eq!(write_target(&hop), real);
        write_private_atomic(&write_target(&hop), b"new").unwrap();
        assert!(fs::symlink_metadata(&hop).unwrap().file_type().is_symlink());
        assert_eq!(fs::read(&real).unwrap(), b"new");
        let plain = dir.path().join("plain.json");
        assert_eq!(write_target(&plain), plain);
    }

    #[test]
    fn a_probe_leaves_nothing_behind_and_fails_in_a_missing_folder() {
        let dir = tempfile::tempdir().unwrap();
        probe_writable(dir.path()).unwrap();
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        assert!(probe_writable(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn a_probe_whose_write_fails_on_a_full_disk_is_removed_too() {
        let dir = tempfile::tempdir().unwrap();
        let full = |_: &mut fs::File| Err(io::Error::from_raw_os_error(28));
        let e = probe_with(dir.path(), full).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(28));
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no probe left"
        );
    }

    #[test]
    fn only_absent_empty_or_recognised_files_are_replaceable() {
        let dir = tempfile::tempdir().unwrap();
        let ours = |b: &[u8]| b.starts_with(b"# sflab");
        let p = dir.path().join("f");
        assert!(replaceable(&p, ours), "absent");
        fs::write(&p, b"").unwrap();
        assert!(replaceable(&p, ours), "empty");
        fs::write(&p, b"# sflab wrote this").unwrap();
        assert!(replaceable(&p, ours), "recognised");
        fs::write(&p, b"#!/bin/sh\necho learner").unwrap();
        assert!(!replaceable(&p, ours), "a learner's file");
        assert!(!replaceable(dir.path(), ours), "a folder");
    }

    #[test]
    fn private_atomic_write_replaces_content_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("token.json");
        write_private_atomic(&p, b"one").unwrap();
        write_private_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn a_file_edited_since_sflab_wrote_it_is_kept_as_a_backup_when_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("org.env");
        let as_written = |b: &[u8]| b.starts_with(b"sflab");
        assert_eq!(
            replace_keeping_edits(&p, b"sflab one", as_written).unwrap(),
            None
        );
        assert_eq!(
            replace_keeping_edits(&p, b"sflab two", as_written).unwrap(),
            None
        );
        fs::write(&p, b"edited by the learner").unwrap();
        let kept = replace_keeping_edits(&p, b"sflab three", as_written)
            .unwrap()
            .expect("an edited file is kept");
        assert_eq!(fs::read(&kept).unwrap(), b"edited by the learner");
        assert!(kept.to_string_lossy().ends_with(".bak"), "{kept:?}");
        assert_eq!(fs::read(&p).unwrap(), b"sflab three");
        fs::write(&p, b"edited again").unwrap();
        let again = replace_keeping_edits(&p, b"sflab four", as_written)
            .unwrap()
            .unwrap();
        assert_ne!(again, kept, "an earlier copy is not overwritten");
        assert_eq!(fs::read(&kept).unwrap(), b"edited by the learner");
    }
}
