//! One lab run per org at a time: a lock file (`org-<org id>.lock`, or `<alias>.lock` for a
//! login that does not know its org's id; 0600, holding the process id)
//! taken before the journal is replayed, so one run's cleanup never deletes the records
//! another run is still using. A lock whose process is gone is stale and taken over.

use super::error::SandboxError;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Held while a run (or a cleanup) uses an org; released on drop.
#[derive(Debug)]
pub struct OrgRunLock {
    path: PathBuf,
}

fn process_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    #[cfg(unix)]
    {
        // Signal 0 checks existence only; EPERM means it exists but is someone else's.
        // SAFETY: kill with signal 0 sends nothing.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        true
    }
}

impl OrgRunLock {
    pub fn acquire(path: &Path, alias: &str) -> Result<OrgRunLock, SandboxError> {
        let err = |reason: String| SandboxError::Journal {
            path: path.into(),
            reason,
        };
        if let Some(dir) = path.parent() {
            crate::fsutil::create_private_dir(dir).map_err(|e| err(e.to_string()))?;
        }
        for _ in 0..2 {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(path) {
                Ok(mut f) => {
                    let _ = write!(f, "{}", std::process::id());
                    return Ok(OrgRunLock { path: path.into() });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(path)
                        .ok()
                        .and_then(|t| t.trim().parse::<i32>().ok())
                        .unwrap_or(0);
                    if process_alive(holder) {
                        return Err(SandboxError::Refused(format!(
                            "another sflab run (process {holder}) is using the org {alias}; wait for it to finish (its cleanup must not race this run's records)"
                        )));
                    }
                    let _ = std::fs::remove_file(path);
                }
                Err(e) => return Err(err(e.to_string())),
            }
        }
        Err(err("the lock file could not be taken over".into()))
    }
}

impl Drop for OrgRunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_run_on_the_same_org_is_refused_until_the_first_ends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dev.lock");
        let first = OrgRunLock::acquire(&path, "dev").unwrap();
        let e = OrgRunLock::acquire(&path, "dev").unwrap_err().to_string();
        assert!(e.contains("another sflab run"), "{e}");
        drop(first);
        assert!(OrgRunLock::acquire(&path, "dev").is_ok());
    }

    #[test]
    fn a_lock_left_by_a_dead_process_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dev.lock");
        std::fs::write(&path, "0").unwrap();
        assert!(OrgRunLock::acquire(&path, "dev").is_ok());
    }
}
