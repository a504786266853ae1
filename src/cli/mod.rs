//! The command line: `sflab` (the TUI) and its subcommands.
//!
//! Each subcommand lives in its own file and returns an exit code: 0 success (a lab passed),
//! 1 a check failed, 2 an error the user must fix (its message says how).

mod curriculum_cmds;
pub mod events;
pub mod org;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

const EXAMPLES: &str = "\
Examples:
  sflab                                  open the classroom (TUI)
  sflab list                             levels, lessons and labs with your progress
  sflab list --json                      the same, for scripts
  sflab lesson L0-start-here/overview    a lesson as text, for pipes and screen readers
  sflab --curriculum ./my-course list    load lessons and labs from a folder (for authors)";

#[derive(Debug, Parser)]
#[command(
    name = "sflab",
    version,
    about = "A terminal classroom for Salesforce integration developers",
    after_help = EXAMPLES
)]
pub struct Cli {
    /// Load lessons and labs from this folder instead of the embedded curriculum.
    #[arg(long, global = true, value_name = "DIR", env = "SFLAB_CURRICULUM")]
    pub curriculum: Option<PathBuf>,

    /// The learner's workspace (default: SFLAB_WORKSPACE, the nearest folder holding
    /// `.sflab/`, else ./sflab-workspace).
    #[arg(long, global = true, value_name = "DIR")]
    pub workspace: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List levels, lessons and labs.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print one lesson as text.
    Lesson {
        /// The lesson id, e.g. L0-start-here/overview.
        id: String,
        /// Print the markdown source instead of the rendered text.
        #[arg(long)]
        raw: bool,
        /// Wrap at this many columns (default: the terminal's width, else 80).
        #[arg(long)]
        width: Option<u16>,
    },
    /// The built-in mock org (`sflab org serve`).
    Org {
        #[command(subcommand)]
        command: org::OrgCommand,
    },
}

/// An error to show the user, with the exit code it deserves.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 2,
        }
    }
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure::usage(e.to_string())
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("sflab: {}", f.message.trim_end());
            ExitCode::from(f.code)
        }
    }
}

fn run(cli: Cli) -> Result<u8, Failure> {
    // The mock org needs no curriculum.
    if let Some(Command::Org { command }) = &cli.command {
        return org::run(command, cli.workspace.as_deref());
    }
    let curriculum = curriculum_cmds::load(cli.curriculum.as_deref())?;
    match cli.command {
        None => curriculum_cmds::open_tui(&cli, curriculum),
        Some(Command::List { json }) => curriculum_cmds::list(&curriculum, json),
        Some(Command::Lesson { ref id, raw, width }) => {
            curriculum_cmds::lesson(&curriculum, id, raw, width)
        }
        Some(Command::Org { .. }) => Ok(0), // answered above
    }
}
