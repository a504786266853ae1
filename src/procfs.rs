//! Which processes hold a given kernel object open, read from `/proc/<pid>/fd` (Linux).
//!
//! The proxy asks who holds the client end of a connection (`socket:[inode]`, see
//! `proxy::peer`); the runner asks who still holds a finished run's output pipe
//! (`pipe:[inode]`, see `runner::leftovers`). Both are one question: the processes, other
//! than sflab itself, with a descriptor linking to that name. Elsewhere than Linux, and for
//! processes whose descriptors cannot be read (another user's), the answer is empty. The list
//! of other processes ([`other_pids`]) also serves the runner's search for processes a run
//! left behind.

/// The pids other than this process's with a descriptor linking to `target` (such as
/// `socket:[1234]` or `pipe:[1234]`), ascending.
pub fn holders_of(target: &str) -> Vec<u32> {
    other_pids()
        .into_iter()
        .filter(|pid| holds(*pid, target))
        .collect()
}

/// The newest (highest) such pid: the scan stops at the first holder from the top, which is
/// quick when the holder was just started (a client that has just connected).
pub fn newest_holder_of(target: &str) -> Option<u32> {
    other_pids()
        .into_iter()
        .rev()
        .find(|pid| holds(*pid, target))
}

/// Every process's pid but this one's, ascending.
#[cfg(target_os = "linux")]
pub fn other_pids() -> Vec<u32> {
    let me = std::process::id();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids: Vec<u32> = procs
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != me)
        .collect();
    pids.sort_unstable();
    pids
}

#[cfg(not(target_os = "linux"))]
pub fn other_pids() -> Vec<u32> {
    Vec::new()
}

/// Whether `pid` has a descriptor linking to `target`.
fn holds(pid: u32, target: &str) -> bool {
    std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|fds| {
        fds.flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| l.as_os_str() == target))
    })
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;
    use std::process::{Command, Stdio};

    #[test]
    fn a_child_holding_our_pipe_is_found_and_we_are_not() {
        let mut child = Command::new("sleep")
            .arg("30")
            .stdout(Stdio::piped())
            .spawn()
            .expect("sleep to start");
        let pipe = child.stdout.as_ref().expect("a piped stdout");
        let inode = {
            use std::os::fd::AsRawFd;
            std::fs::metadata(format!("/proc/self/fd/{}", pipe.as_raw_fd()))
                .expect("our end of the pipe")
                .ino()
        };
        let holders = holders_of(&format!("pipe:[{inode}]"));
        let newest = newest_holder_of(&format!("pipe:[{inode}]"));
        child.kill().ok();
        child.wait().ok();
        assert_eq!(holders, vec![child.id()]);
        assert_eq!(newest, Some(child.id()));
    }

    #[test]
    fn a_name_nobody_holds_has_no_holders() {
        assert!(holders_of("pipe:[0]").is_empty());
        assert_eq!(newest_holder_of("pipe:[0]"), None);
    }
}
