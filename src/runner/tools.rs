//! Checking that the tools a lab needs (curl, jq, python3, node) are installed before running,
//! so a missing one gives a clear message instead of `command not found` deep in a transcript.

use crate::lab::Tool;
use std::path::{Path, PathBuf};

/// The tools from `needed` that are not on `path` (a `PATH`-style list).
pub fn missing_tools(needed: &[Tool], path: Option<&std::ffi::OsStr>) -> Vec<Tool> {
    let dirs: Vec<PathBuf> = path
        .map(|p| std::env::split_paths(p).collect())
        .unwrap_or_default();
    needed
        .iter()
        .copied()
        .filter(|t| !dirs.iter().any(|d| is_program(&d.join(t.program()))))
        .collect()
}

fn is_program(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p)
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// The message shown when tools are missing: each one, and how to install it.
pub fn missing_tools_message(lab: &str, missing: &[Tool]) -> String {
    let mut out = format!(
        "lab {lab:?} needs {} that {} not installed:",
        if missing.len() == 1 {
            "a tool"
        } else {
            "tools"
        },
        if missing.len() == 1 { "is" } else { "are" }
    );
    for t in missing {
        out.push_str(&format!("\n  - {}: {}", t.program(), t.install_hint()));
    }
    out.push_str("\nInstall them, open a new terminal so PATH is refreshed, and check again.");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_is_found_only_when_an_executable_of_its_name_is_on_path() {
        let t = tempfile::tempdir().unwrap();
        let jq = t.path().join("jq");
        std::fs::write(&jq, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&jq, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::write(t.path().join("curl"), "not executable").unwrap();
        let missing = missing_tools(&[Tool::Curl, Tool::Jq], Some(t.path().as_os_str()));
        assert_eq!(missing, vec![Tool::Curl]);
    }

    #[test]
    fn the_message_names_each_tool_and_how_to_install_it() {
        let m = missing_tools_message("rest-crud", &[Tool::Jq, Tool::Python3]);
        assert!(m.contains("needs tools that are not installed"));
        assert!(m.contains("jq: install jq"));
        assert!(m.contains("python3: install Python 3"));
    }
}
