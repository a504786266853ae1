//! How the learner's `./run` is started. Executable: directly, so the kernel reads its `#!`
//! line. Not executable (a hand-in unzipped without its modes, a file saved by an editor that
//! dropped the bit): the way the kernel would have started it — the interpreter its `#!` line
//! names, with that line's one optional argument, then the script's path — falling back to
//! `sh` only when there is no `#!` line. The run then says how it was started.
//!
//! Implementation notes: like Linux, everything after the interpreter is one argument
//! (`#!/usr/bin/env -S bash -e` passes `-S bash -e`); unlike the kernel, a trailing `\r` from a
//! file saved with Windows line endings is dropped rather than taken as part of the name.

use std::path::Path;

/// The program and arguments that start the entry point, from the lab folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryCommand {
    pub program: String,
    pub args: Vec<String>,
    /// When `run` is not executable, what it was run with (`/usr/bin/env bash`, `sh`).
    pub started_with: Option<String>,
}

/// The interpreter and its optional argument named by a script's first line.
pub fn parse(first_line: &str) -> Option<(String, Option<String>)> {
    let rest = first_line.strip_prefix("#!")?;
    let rest = rest.trim_end_matches(['\r', '\n']).trim();
    if rest.is_empty() {
        return None;
    }
    let (interpreter, arg) = match rest.split_once([' ', '\t']) {
        Some((i, a)) => (i, Some(a.trim()).filter(|a| !a.is_empty())),
        None => (rest, None),
    };
    Some((interpreter.to_string(), arg.map(str::to_string)))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        path.exists()
    }
}

/// The first line of a file (at most 256 bytes, as much as the kernel reads).
fn first_line(path: &Path) -> String {
    use std::io::Read;
    let mut head = [0u8; 256];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = &head[..n];
    let end = head.iter().position(|b| *b == b'\n').unwrap_or(head.len());
    String::from_utf8_lossy(&head[..end]).into_owned()
}

/// How to start the entry point `entry` (a `run` file in the lab folder).
pub fn entry_command(entry: &Path) -> EntryCommand {
    if is_executable(entry) {
        return EntryCommand {
            program: "./run".into(),
            args: Vec::new(),
            started_with: None,
        };
    }
    let (program, mut args) = match parse(&first_line(entry)) {
        Some((interpreter, arg)) => (interpreter, arg.into_iter().collect::<Vec<_>>()),
        None => ("sh".to_string(), Vec::new()),
    };
    let started_with = std::iter::once(program.as_str())
        .chain(args.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    args.push("./run".into());
    EntryCommand {
        program,
        args,
        started_with: Some(started_with),
    }
}

/// What a report says about a run started this way.
pub fn not_executable_note(started_with: &str) -> String {
    format!("run is not executable; ran it with {started_with}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_names_an_interpreter_and_at_most_one_argument() {
        assert_eq!(
            parse("#!/usr/bin/env bash"),
            Some(("/usr/bin/env".into(), Some("bash".into())))
        );
        assert_eq!(parse("#! /bin/bash\r"), Some(("/bin/bash".into(), None)));
        assert_eq!(
            parse("#!/usr/bin/env -S bash -e"),
            Some(("/usr/bin/env".into(), Some("-S bash -e".into())))
        );
        assert_eq!(parse("#!"), None);
        assert_eq!(parse("echo hi"), None);
        assert_eq!(parse(""), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_run_without_the_execute_bit_is_started_by_its_interpreter_else_sh() {
        let t = tempfile::tempdir().unwrap();
        let run = t.path().join("run");
        std::fs::write(&run, "#!/usr/bin/env bash\nset -o pipefail\n").unwrap();
        assert_eq!(
            entry_command(&run),
            EntryCommand {
                program: "/usr/bin/env".into(),
                args: vec!["bash".into(), "./run".into()],
                started_with: Some("/usr/bin/env bash".into()),
            }
        );
        std::fs::write(&run, "echo plain\n").unwrap();
        assert_eq!(entry_command(&run).started_with.as_deref(), Some("sh"));
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
        let direct = entry_command(&run);
        assert_eq!(
            (direct.program.as_str(), direct.started_with),
            ("./run", None)
        );
    }
}
