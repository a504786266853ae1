//! The `--data` file of `sflab org serve`: checked and locked before the server starts, saved
//! on exit, and never lost.
//!
//! - A link is followed: the file it points to is read, locked and replaced (atomically).
//! - Its folder must exist and take a new file (a probe is written and removed), so a
//!   read-only folder or file system is refused at start, not found at exit.
//! - One server per data file: a lock file beside it (`<file>.lock`, 0600) refuses a second
//!   server, which would otherwise overwrite the first one's records when it exits. The server
//!   holds an advisory lock (`flock`) on that file for its lifetime; the file's text (its
//!   process id and, once listening, its port) only words the second server's message.
//!
//! Implementation notes: the lock is the kernel's, not the process id in the file. The kernel
//! drops it the moment the holder dies (killed, even while still a zombie), and a process id
//! left in a file by a killed server may since belong to any other program, which must
//! neither block the data file nor be named as something to kill. The file is removed on a
//! clean exit; a server that locked a file since unlinked by such an exit checks the path
//! still names the file it locked, and locks the new one otherwise.
//! - When the save at exit fails anyway (a full disk), the org is written to the first place
//!   that takes it — beside the data file, in the workspace's `.sflab/unsaved-org/`, in the
//!   system's temporary folder — and the error says where, and how to use it.

use super::Failure;
use crate::org::Org;
use std::path::{Path, PathBuf};

/// A `--data` file this server holds.
#[derive(Debug)]
pub struct DataFile {
    /// As the learner named it.
    given: PathBuf,
    /// Where it is written: the link's target when `given` is a link.
    target: PathBuf,
    lock: PathBuf,
    /// The open lock file; the kernel's lock on it lasts as long as it is open.
    held: std::fs::File,
}

/// The lock file of a data file.
fn lock_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!("{name}.lock"))
}

/// What a lock file says: the server's process id and port (0 while not yet listening).
fn read_lock(path: &Path) -> Option<(i32, u16)> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut words = text.split_whitespace();
    let pid = words.next()?.parse().ok()?;
    let port = words.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    Some((pid, port))
}

impl DataFile {
    /// Checks `given` can be saved on exit and takes its lock.
    pub fn open(given: &Path) -> Result<DataFile, Failure> {
        let target = crate::fsutil::write_target(given);
        let shown = if target == given {
            given.display().to_string()
        } else {
            format!("{} (a link to {})", given.display(), target.display())
        };
        let folder = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !folder.is_dir() {
            return Err(Failure::usage(format!(
                "the folder of --data {shown} does not exist, so the org could not be saved there on exit; create it first (mkdir -p {}) or name another file",
                folder.display()
            )));
        }
        if target.is_dir() {
            return Err(Failure::usage(format!(
                "--data {shown} is a folder; name a file (for example {}/org.json)",
                target.display()
            )));
        }
        crate::fsutil::probe_writable(&folder).map_err(|e| {
            Failure::usage(format!(
                "--data {shown} could not be saved on exit: its folder {} does not take new files ({e}). Name a file in a folder you can write to, or make this one writable.",
                folder.display()
            ))
        })?;
        let lock = lock_path(&target);
        let held = take_lock(&lock, &shown)?;
        // A save cut short by a kill left its temporary file: the lock is ours, so it is gone.
        if let Some(name) = target.file_name() {
            crate::fsutil::sweep_stale_temps(&folder, &name.to_string_lossy());
        }
        Ok(DataFile {
            given: given.to_path_buf(),
            target,
            lock,
            held,
        })
    }

    /// Records the port the server listens on in the lock, for a second server's message.
    pub fn note_port(&self, port: u16) {
        let _ = write_holder(&self.held, port);
    }

    /// The file the org is read from and saved to.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Saves `org`; when the data file cannot be written, saves it elsewhere and fails with
    /// a message naming where.
    pub fn save(&self, org: &Org, workspace: &Path) -> Result<(), Failure> {
        self.save_with(|path| org.save(path).map_err(|e| e.to_string()), workspace)
    }

    fn save_with(
        &self,
        save: impl Fn(&Path) -> Result<(), String>,
        workspace: &Path,
    ) -> Result<(), Failure> {
        let Err(e) = save(&self.target) else {
            println!("sflab: saved the org to {}", self.given.display());
            return Ok(());
        };
        let failed = format!("could not save the org to {}: {e}", self.given.display());
        for place in self.fallbacks(workspace) {
            let made = place
                .parent()
                .map_or(Ok(()), crate::fsutil::create_private_dir);
            if made.is_ok() && save(&place).is_ok() {
                return Err(Failure::usage(format!(
                    "{failed}. The session's records are kept in {} instead; to start from them next time, move that file to {} (mv {} {}) once there is room, or pass it as --data.",
                    place.display(),
                    self.given.display(),
                    place.display(),
                    self.given.display()
                )));
            }
        }
        Err(Failure::usage(format!(
            "{failed}. No other place took the records either (beside it, the workspace, the temporary folder), so this session's changes to the org are lost; free some disk space before the next session."
        )))
    }

    /// Where the org goes when the data file cannot be written, in order.
    fn fallbacks(&self, workspace: &Path) -> Vec<PathBuf> {
        let stamp = chrono::Utc::now().format("%Y-%m-%dT%H-%M-%SZ");
        let name = self
            .target
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "org".into());
        let file = format!("{name}.unsaved-{stamp}.json");
        vec![
            self.target.with_file_name(&file),
            workspace
                .join(crate::workspace::STATE_DIR)
                .join("unsaved-org")
                .join(&file),
            std::env::temp_dir()
                .join(format!("sflab-{}", std::process::id()))
                .join(&file),
        ]
    }
}

impl Drop for DataFile {
    fn drop(&mut self) {
        // Removed while still held, so no other server is between its check and its lock.
        if same_file(&self.held, &self.lock) {
            let _ = std::fs::remove_file(&self.lock);
        }
    }
}

/// Writes this server's process id and `port` into the lock file it holds.
fn write_holder(mut held: &std::fs::File, port: u16) -> std::io::Result<()> {
    use std::io::{Seek as _, Write as _};
    held.set_len(0)?;
    held.seek(std::io::SeekFrom::Start(0))?;
    write!(held, "{} {port}", std::process::id())
}

/// Whether `path` still names the open file `held` (not removed or replaced since).
fn same_file(held: &std::fs::File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        match (held.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (held, path);
        true
    }
}

/// Takes the lock at `path`: refused while another server holds it, taken over when whoever
/// wrote it is gone (whatever process id it names).
fn take_lock(path: &Path, shown: &str) -> Result<std::fs::File, Failure> {
    for _ in 0..3 {
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(|e| {
            Failure::usage(format!(
                "could not lock --data {shown} ({}: {e}); make its folder writable or name another file",
                path.display()
            ))
        })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let (pid, port) = read_lock(path).unwrap_or((0, 0));
                let which = if pid > 0 {
                    let on = if port == 0 {
                        String::new()
                    } else {
                        format!(" on port {port}")
                    };
                    format!(" (process {pid}{on})")
                } else {
                    String::new()
                };
                let stop = if pid > 0 {
                    format!("Ctrl-C in its terminal, or kill {pid}")
                } else {
                    "Ctrl-C in its terminal".into()
                };
                return Err(Failure::usage(format!(
                    "another `sflab org serve`{which} is using --data {shown}; two servers on one file would overwrite each other's records when they exit. Stop that one first ({stop}), or name another --data file."
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Failure::usage(format!(
                    "could not lock --data {shown} ({}: {e}); name a file on a local disk, or another file",
                    path.display()
                )))
            }
        }
        // The server before us removed the file on exit after we opened it: lock the new one.
        if !same_file(&file, path) {
            continue;
        }
        write_holder(&file, 0).map_err(|e| {
            Failure::usage(format!(
                "could not write the lock {} of --data {shown} ({e}); make it writable or name another file",
                path.display()
            ))
        })?;
        return Ok(file);
    }
    Err(Failure::usage(format!(
        "could not lock --data {shown}: its lock {} kept being replaced while taking it; try again",
        path.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_server_on_the_same_data_file_is_refused_with_the_first_ones_pid_and_port() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("org.json");
        let first = DataFile::open(&data).unwrap();
        first.note_port(8443);
        let e = DataFile::open(&data).unwrap_err().message;
        assert!(
            e.contains(&format!("process {} on port 8443", std::process::id())),
            "{e}"
        );
        assert!(e.contains("another `sflab org serve`"), "{e}");
        drop(first);
        assert!(DataFile::open(&data).is_ok(), "free again once it stops");
    }

    #[test]
    fn a_lock_and_a_temporary_file_left_by_a_killed_server_are_taken_over_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("org.json");
        let dead = i32::MAX - 1;
        std::fs::write(lock_path(&data), format!("{dead} 8443")).unwrap();
        let half = dir.path().join(format!(".org.json.{dead}.tmp"));
        std::fs::write(&half, b"{\"format\":1,").unwrap();
        assert!(DataFile::open(&data).is_ok());
        assert!(!half.exists(), "the half-written save is removed at start");
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_naming_a_process_id_now_used_by_another_program_is_taken_over() {
        // A server killed long ago left its lock; its process id is now another program's.
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("org.json");
        let mut other = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        std::fs::write(lock_path(&data), format!("{} 19500", other.id())).unwrap();
        let opened = DataFile::open(&data);
        let _ = other.kill();
        let _ = other.wait();
        let file = opened.expect("a lock nobody holds does not block the data file");
        let (pid, port) = read_lock(&lock_path(&data)).unwrap();
        assert_eq!((pid, port), (std::process::id() as i32, 0));
        drop(file);
        assert!(!lock_path(&data).exists(), "removed when the server stops");
    }

    #[cfg(unix)]
    #[test]
    fn a_data_file_in_a_folder_that_takes_no_new_files_is_refused_at_start() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let locked = dir.path().join("ro");
        std::fs::create_dir(&locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
        let probe_denied = std::fs::write(locked.join("x"), b"").is_err();
        let result = DataFile::open(&locked.join("org.json"));
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
        if probe_denied {
            // (Running as root, every folder takes files; nothing to check then.)
            let e = result.unwrap_err().message;
            assert!(e.contains("does not take new files"), "{e}");
        }
        // A file system that takes no files whoever asks (as a read-only mount).
        #[cfg(target_os = "linux")]
        {
            let e = DataFile::open(Path::new("/proc/org.json"))
                .unwrap_err()
                .message;
            assert!(e.contains("does not take new files"), "{e}");
        }
    }

    #[test]
    fn a_data_file_in_a_missing_folder_is_refused_before_serving() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("no-such-folder").join("org.json");
        let e = DataFile::open(&data).unwrap_err().message;
        assert!(
            e.contains("no-such-folder") && e.contains("does not exist"),
            "{e}"
        );
    }

    #[test]
    fn a_failed_save_keeps_the_records_elsewhere_and_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("org.json");
        let file = DataFile::open(&data).unwrap();
        // The data file itself cannot be written (a full disk); the place beside it can.
        let failure = file
            .save_with(
                |p| {
                    if p == data {
                        Err("No space left on device (os error 28)".into())
                    } else {
                        std::fs::write(p, b"{}").map_err(|e| e.to_string())
                    }
                },
                dir.path(),
            )
            .unwrap_err();
        let kept: Vec<PathBuf> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains(".unsaved-"))
            .collect();
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert!(
            failure.message.contains(&kept[0].display().to_string())
                && failure.message.contains("No space left"),
            "{}",
            failure.message
        );
        // When nothing beside it takes the records, the workspace does.
        let ws = tempfile::tempdir().unwrap();
        let failure = file
            .save_with(
                |p| {
                    if p.starts_with(dir.path()) {
                        Err("Read-only file system (os error 30)".into())
                    } else {
                        std::fs::write(p, b"{}").map_err(|e| e.to_string())
                    }
                },
                ws.path(),
            )
            .unwrap_err();
        assert!(
            failure.message.contains(".sflab/unsaved-org/org.unsaved-"),
            "{}",
            failure.message
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_data_file_is_locked_and_saved_at_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        let link = dir.path().join("org.json");
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        let file = DataFile::open(&link).unwrap();
        assert_eq!(file.target(), real);
        assert!(lock_path(&real).exists());
        file.save_with(
            |p| std::fs::write(p, b"{}").map_err(|e| e.to_string()),
            dir.path(),
        )
        .unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"{}");
    }
}
