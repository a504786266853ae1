//! Processes a learner's run leaves behind outside its process group — `setsid sleep &`, a
//! daemon that double-forks, Node's `spawn(…, {detached: true})`, Python's
//! `Popen(start_new_session=True)` — found and ended after the run.
//!
//! Every run gets its own marker, [`RUN_MARKER_VAR`]`=<sflab's pid>-<random>`, in the
//! environment of `./run`; everything it starts inherits it, whatever session or process group
//! it moves to. After the run's process group is killed, [`end_marked`] looks for live
//! processes whose environment carries the marker and kills them, round after round until none
//! is left (a killed parent's children are found in the next round), and says which of them
//! are still running when it gives up.
//!
//! Implementation notes:
//! - Linux only: the environment is read from `/proc/<pid>/environ`, which works unprivileged
//!   for the grader's own processes and as root for all. Elsewhere nothing is found, and
//!   callers claim nothing about processes outside the group.
//! - A process that clears its environment (`env -i`) or unsets the marker escapes the search;
//!   such a process that also keeps stdout open is still cut off by the runner's read grace
//!   (see [`super::process`]), with a note naming it: [`pipe_holders`] finds it by the output
//!   pipe it holds (`/proc/<pid>/fd`). It is named, not ended: holding a pipe is not proof
//!   that a process is the run's.
//! - Zombies do not count: their environment reads empty and they hold no pipe.
//! - A run whose sflab was killed (`kill -9`) never had its leftovers ended: their marker
//!   names an sflab process that is gone. Every sweep also ends those orphans
//!   ([`Marker::OfGoneSflab`]) and says so; a marker naming a live sflab is never touched.
//! - A note lists a few processes and counts the rest, so a fork bomb's leftovers do not
//!   make a line of thousands of characters.

use std::time::{Duration, Instant};

/// The environment variable that marks every process a run starts.
pub const RUN_MARKER_VAR: &str = "SFLAB_RUN_ID";

/// How long [`end_marked`] keeps killing before it reports what is left.
const SWEEP_LIMIT: Duration = Duration::from_millis(800);

/// What marks one run's processes: a value of [`RUN_MARKER_VAR`], or (for the whole sflab
/// process) the start every run's value shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marker {
    Run(String),
    EveryRunOfThisProcess,
    /// Any run of an sflab process that no longer exists (killed before it could sweep).
    OfGoneSflab,
}

impl Marker {
    /// A fresh marker for one run.
    pub fn new_run() -> Marker {
        Marker::Run(format!(
            "{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ))
    }

    /// The value set for [`RUN_MARKER_VAR`] (empty for [`Marker::EveryRunOfThisProcess`]).
    pub fn value(&self) -> &str {
        match self {
            Marker::Run(v) => v,
            Marker::EveryRunOfThisProcess | Marker::OfGoneSflab => "",
        }
    }

    fn matches(&self, entry: &[u8]) -> bool {
        let Some(value) = entry
            .strip_prefix(RUN_MARKER_VAR.as_bytes())
            .and_then(|rest| rest.strip_prefix(b"="))
        else {
            return false;
        };
        match self {
            Marker::Run(v) => value == v.as_bytes(),
            Marker::EveryRunOfThisProcess => {
                value.starts_with(format!("{}-", std::process::id()).as_bytes())
            }
            Marker::OfGoneSflab => std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.split_once('-'))
                .and_then(|(pid, _)| pid.parse::<i32>().ok())
                .is_some_and(|pid| {
                    pid != std::process::id() as i32 && !crate::fsutil::process_alive(pid)
                }),
        }
    }
}

/// A process found with a run's marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    pub pid: u32,
    /// Its command line, shortened, as `ps` would show it.
    pub command: String,
}

impl std::fmt::Display for Leftover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pid {} `{}`", self.pid, self.command)
    }
}

/// What [`end_marked`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Processes it killed (they were still running after the group was killed).
    pub ended: Vec<Leftover>,
    /// Processes still running when it gave up: it could not end them.
    pub survivors: Vec<Leftover>,
    /// Processes of earlier runs whose sflab is gone (killed), ended by this sweep.
    pub orphans: Vec<Leftover>,
}

impl Sweep {
    /// What a stopped command says of the processes it could not end: empty when it ended
    /// them all, else `these processes could not be ended: pid 12 \`sleep 30\`, … (end them by
    /// hand)`, naming them as `what` (`processes`, `submission processes`).
    pub fn survivors_said(&self, what: &str) -> String {
        if self.survivors.is_empty() {
            return String::new();
        }
        let pids: Vec<String> = self.survivors.iter().map(|p| p.to_string()).collect();
        format!(
            "these {what} could not be ended: {} (end them by hand)",
            pids.join(", ")
        )
    }
}

/// How many processes a note names before it counts the rest.
const NAMED_IN_A_NOTE: usize = 5;

/// `pid 12 \`sleep 30\``, … for the first few, then "and N more".
fn listed(l: &[Leftover]) -> String {
    let mut text = l
        .iter()
        .take(NAMED_IN_A_NOTE)
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if l.len() > NAMED_IN_A_NOTE {
        text.push_str(&format!(" and {} more", l.len() - NAMED_IN_A_NOTE));
    }
    text
}

impl Sweep {
    /// The run notes that say what happened, if anything did.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        let list = listed;
        if !self.ended.is_empty() {
            notes.push(format!(
                "It left {} process(es) running outside its process group (a new session, `setsid` or a daemon): {}. sflab ended them; a program should stop what it starts before it exits.",
                self.ended.len(),
                list(self.ended.as_slice())
            ));
        }
        if !self.survivors.is_empty() {
            notes.push(format!(
                "These processes it started were still running after the run and sflab could not end them: {}. End them by hand (`kill -9 <pid>`).",
                list(self.survivors.as_slice())
            ));
        }
        if !self.orphans.is_empty() {
            notes.push(format!(
                "sflab also ended {} process(es) an earlier run left running when its sflab was killed: {}.",
                self.orphans.len(),
                list(self.orphans.as_slice())
            ));
        }
        notes
    }
}

/// Kills every live process whose environment carries `marker` outside the process group
/// `group` (already killed as a whole), until none is left or time runs out (blocking: at most
/// about a second when processes resist).
pub fn end_marked(marker: &Marker, group: Option<u32>) -> Sweep {
    let mut sweep = end_marked_once(marker, group);
    if *marker != Marker::OfGoneSflab {
        let orphans = end_marked_once(&Marker::OfGoneSflab, None);
        sweep.orphans = orphans.ended;
        sweep.survivors.extend(orphans.survivors);
    }
    sweep
}

fn end_marked_once(marker: &Marker, group: Option<u32>) -> Sweep {
    let mut sweep = Sweep::default();
    let started = Instant::now();
    let mut pause = Duration::from_millis(2);
    loop {
        let found = marked(marker, group);
        if found.is_empty() {
            return sweep;
        }
        if started.elapsed() > SWEEP_LIMIT {
            sweep.survivors = found;
            return sweep;
        }
        for p in found {
            kill(p.pid);
            if !sweep.ended.iter().any(|e| e.pid == p.pid) {
                sweep.ended.push(p);
            }
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

#[cfg(target_os = "linux")]
fn kill(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: kill only sends a signal; an exited process yields ESRCH, which is ignored.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn kill(_pid: u32) {}

/// Live processes (not zombies, not sflab itself, not in `group`) carrying `marker`, by pid.
#[cfg(target_os = "linux")]
fn marked(marker: &Marker, group: Option<u32>) -> Vec<Leftover> {
    crate::procfs::other_pids()
        .into_iter()
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|entry| marker.matches(entry)))
        })
        .filter(|pid| {
            stat_of(*pid)
                .is_some_and(|(state, pgrp)| !matches!(state, 'Z' | 'X') && Some(pgrp) != group)
        })
        .map(|pid| Leftover {
            pid,
            command: command_line(pid),
        })
        .collect()
}

#[cfg(not(target_os = "linux"))]
fn marked(_marker: &Marker, _group: Option<u32>) -> Vec<Leftover> {
    Vec::new()
}

/// The inode of the pipe behind the file descriptor `fd` of sflab itself.
#[cfg(target_os = "linux")]
pub fn pipe_inode(fd: i32) -> Option<u64> {
    let link = std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()?;
    link.to_str()?
        .strip_prefix("pipe:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

#[cfg(not(target_os = "linux"))]
pub fn pipe_inode(_fd: i32) -> Option<u64> {
    None
}

/// Live processes other than sflab holding the pipe `inode` open (a process that left the
/// run's marker behind and kept its output pipe), by pid.
#[cfg(target_os = "linux")]
pub fn pipe_holders(inode: u64) -> Vec<Leftover> {
    crate::procfs::holders_of(&format!("pipe:[{inode}]"))
        .into_iter()
        .filter(|pid| stat_of(*pid).is_some_and(|(state, _)| !matches!(state, 'Z' | 'X')))
        .map(|pid| Leftover {
            pid,
            command: command_line(pid),
        })
        .collect()
}

#[cfg(not(target_os = "linux"))]
pub fn pipe_holders(_inode: u64) -> Vec<Leftover> {
    Vec::new()
}

/// The leftovers as a note lists them: a few, then how many more.
pub fn listed_for_note(l: &[Leftover]) -> String {
    listed(l)
}

/// A process's state letter and process group, from `/proc/<pid>/stat` (after the command
/// name, which may hold spaces and parentheses: `pid (comm) state ppid pgrp …`).
#[cfg(target_os = "linux")]
fn stat_of(pid: u32) -> Option<(char, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let pgrp = fields.nth(1)?.parse().ok()?;
    Some((state, pgrp))
}

#[cfg(target_os = "linux")]
fn command_line(pid: u32) -> String {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let text = String::from_utf8_lossy(&raw)
        .split('\0')
        .filter(|a| !a.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let text = if text.is_empty() {
        std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .unwrap_or_default()
            .trim()
            .to_string()
    } else {
        text
    };
    let short: String = text.chars().filter(|c| !c.is_control()).take(80).collect();
    if short.chars().count() < text.chars().count() {
        format!("{short}…")
    } else {
        short
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn alive(pid: u32) -> bool {
        stat_of(pid).is_some_and(|(state, _)| !matches!(state, 'Z' | 'X'))
    }

    #[test]
    fn only_processes_carrying_the_runs_marker_are_ended() {
        let ours = Marker::new_run();
        let other = Marker::new_run();
        let spawn = |m: &Marker| {
            std::process::Command::new("sleep")
                .arg("30")
                .env(RUN_MARKER_VAR, m.value())
                .spawn()
                .unwrap()
        };
        let (mut a, mut b) = (spawn(&ours), spawn(&other));
        // Until `exec`, a child's environment is still its parent's.
        let deadline = Instant::now() + Duration::from_secs(5);
        while (marked(&ours, None).is_empty() || marked(&other, None).is_empty())
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        let sweep = end_marked(&ours, None);
        a.wait().unwrap();
        assert_eq!(sweep.ended.len(), 1, "{sweep:?}");
        assert!(sweep.ended[0].command.starts_with("sleep 30"), "{sweep:?}");
        assert!(sweep.survivors.is_empty());
        assert!(alive(b.id()), "another run's process is left alone");
        assert_eq!(end_marked(&other, None).ended.len(), 1);
        b.wait().unwrap();
        assert!(
            sweep.notes()[0].contains("sflab ended them"),
            "{:?}",
            sweep.notes()
        );
    }

    #[test]
    fn a_process_left_by_a_killed_sflab_is_ended_by_the_next_sweep() {
        // A marker naming a process that is gone, as a `kill -9`ed sflab leaves it.
        let gone = Marker::Run(format!("{}-feedface", i32::MAX - 1));
        let mut orphan = std::process::Command::new("sleep")
            .arg("30")
            .env(RUN_MARKER_VAR, gone.value())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while marked(&gone, None).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        let sweep = end_marked(&Marker::new_run(), None);
        orphan.wait().unwrap();
        assert!(
            sweep.orphans.iter().any(|p| p.pid == orphan.id()),
            "{sweep:?}"
        );
        assert!(
            sweep
                .notes()
                .iter()
                .any(|n| n.contains("its sflab was killed")),
            "{:?}",
            sweep.notes()
        );
        assert!(!Marker::OfGoneSflab
            .matches(format!("{RUN_MARKER_VAR}={}-abc", std::process::id()).as_bytes()));
    }

    #[test]
    fn the_process_holding_a_pipe_is_found_by_the_pipes_inode() {
        use std::os::fd::AsRawFd;
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let read_end = child.stdout.take().unwrap();
        let inode = pipe_inode(read_end.as_raw_fd()).expect("a pipe");
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut holders = pipe_holders(inode);
        while holders.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
            holders = pipe_holders(inode);
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(holders.len(), 1, "{holders:?}");
        assert_eq!(holders[0].pid, child.id());
        assert!(holders[0].command.starts_with("sleep 30"), "{holders:?}");
    }

    #[test]
    fn a_note_names_a_few_processes_and_counts_the_rest() {
        let many: Vec<Leftover> = (1..=136)
            .map(|pid| Leftover {
                pid,
                command: "sh -c :(){ :|:& };:".into(),
            })
            .collect();
        let sweep = Sweep {
            ended: many,
            ..Sweep::default()
        };
        let note = &sweep.notes()[0];
        assert!(
            note.contains("pid 5 ") && !note.contains("pid 6 "),
            "{note}"
        );
        assert!(note.contains("and 131 more"), "{note}");
        assert!(note.len() < 600, "{}", note.len());
    }

    #[test]
    fn a_marker_never_matches_a_longer_value_or_another_variable() {
        let m = Marker::Run("1-abc".into());
        assert!(m.matches(b"SFLAB_RUN_ID=1-abc"));
        assert!(!m.matches(b"SFLAB_RUN_ID=1-abcd"));
        assert!(!m.matches(b"XSFLAB_RUN_ID=1-abc"));
        assert!(!m.matches(b"SFLAB_RUN_IDX=1-abc"));
        let mine = format!("SFLAB_RUN_ID={}-abc", std::process::id());
        assert!(Marker::EveryRunOfThisProcess.matches(mine.as_bytes()));
        assert!(!Marker::EveryRunOfThisProcess.matches(b"SFLAB_RUN_ID=1-abc"));
    }
}
