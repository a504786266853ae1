//! The command line: `sflab` (the TUI) and its subcommands.
//!
//! Each subcommand lives in its own file and returns an exit code: 0 success (a lab passed),
//! 1 a check failed, 2 an error the user must fix (its message says how).

mod curriculum_cmds;
mod dev;
pub mod events;
mod grade;
mod grade_folder;
pub mod lab;
mod lab_report;
pub mod org;
mod org_login;
mod signals;
mod track;

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

const EXAMPLES: &str = "\
Examples:
  sflab                                  open the classroom (TUI)
  sflab list                             levels, lessons and labs with your progress
  sflab list --json                      the same, for scripts
  sflab lesson L0-start-here/overview    a lesson as text, for pipes and screen readers
  sflab --curriculum ./my-course list    load lessons and labs from a folder (for authors)
  sflab --track team.yaml                assign a track, then open the classroom
  sflab track assign team.yaml           assign a track without opening the classroom
  sflab grade hand-ins/ --lab rest-crud --out grades   grade a folder of submissions";

/// The track file format, in `sflab track --help` and its subcommands' help.
pub const TRACK_FORMAT: &str = "\
The track file (YAML):

  track: Integration onboarding, December   # the track's name (required)
  description: First month on the team       # optional
  backend: mock                              # mock (default) or sandbox: where labs must pass
  pass_threshold: 80                         # percent of a lab's points that passes (1-100, default 100)
  labs:                                      # each assigned lab, once
    - { lab: rest-first-call, due: 2026-12-04 }
    - { lab: rest-crud, due: \"2026-12-11T17:00:00-08:00\" }

Due dates: a bare date (2026-12-04) means the end of that day in UTC, 23:59:59Z, which is
15:59 the same day in US Pacific time. For a deadline in your time zone, give a date and
time with its offset: 2026-12-04T17:00:00-08:00, or 2026-12-05T01:00:00Z in UTC. A date and
time without an offset is refused, since it would be read in the wrong zone. A lab passed
after its due moment shows as passed (late).";

const GRADE_NOTES: &str = "\
Outputs: gradebook.csv, grades.json, junit.xml and feedback/<submission>.md in --out. With
--shard K/N each is named for its shard (gradebook.K-of-N.csv, grades.K-of-N.json,
junit.K-of-N.xml, feedback/K-of-N/), so the shards of one batch can share one --out folder.
Nothing is overwritten: an earlier gradebook there (for a shard, that shard's) is moved with
its feedback into --out/previous/<time>/ first. --out is checked for writing before anything
is graded.

Safety: submissions are NOT sandboxed. Each ./run runs as you, with your permissions: it can
read other submissions and any file you can read, write outside its folder, and start
programs. Grade hand-ins you do not trust inside a throwaway container or VM.";

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

    /// A team lead's track file: with no command, make it the workspace's assigned track and
    /// open the classroom (with no terminal, only assign it); with `report`, the track to
    /// report on; with `track`, the track to show. Other commands refuse it.
    #[arg(long, global = true, value_name = "FILE")]
    pub track: Option<PathBuf>,

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
    /// Print one lesson as text (into a pipe, code as plain lines; `--raw` for the markdown)
    #[command(
        long_about = "Print one lesson as text. On a terminal code blocks are boxed; into a pipe or a file each code line prints as written, with no gutter and never cut, so a copied command runs. `--raw` prints the lesson's markdown source."
    )]
    Lesson {
        /// The lesson id, e.g. L0-start-here/overview.
        id: String,
        /// Print the markdown source instead of the rendered text (for editors and tools that
        /// read markdown).
        #[arg(long)]
        raw: bool,
        /// Wrap at this many columns (default: the terminal's width, else 80); below 24,
        /// 24 is used.
        #[arg(long)]
        width: Option<u16>,
    },
    /// The built-in mock org (`sflab org serve`) and real orgs (`sflab org login`).
    Org {
        #[command(subcommand)]
        command: org::OrgCommand,
    },
    /// Work with a lab's files in your workspace.
    Lab {
        #[command(subcommand)]
        action: LabAction,
    },
    /// Restore a lab's starter files (your version is kept as a backup folder).
    Reset {
        /// The lab id, e.g. rest-first-call.
        lab: String,
    },
    /// Run your ./run against the mock org (or a sandbox) and judge it (exit 0 pass, 1 fail, 2 error).
    Check {
        /// The lab id.
        lab: String,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Check again every time you save a file in the lab folder.
        #[arg(long)]
        watch: bool,
        /// Serve plain HTTP instead of HTTPS with the workspace CA.
        #[arg(long)]
        http: bool,
        /// Where the lab runs: mock, sandbox (the org in use) or sandbox:<alias>.
        #[arg(long, default_value = "mock", value_name = "BACKEND")]
        backend: String,
        /// Let a lab run against a production org (you will be asked to type a confirmation).
        #[arg(long)]
        allow_production: bool,
    },
    /// Show the next hint, tied to the rule your last attempt failed.
    Hint {
        /// The lab id.
        lab: String,
    },
    /// Show the reference solution (after you passed the lab, or with --force).
    Solution {
        /// The lab id.
        lab: String,
        /// Show it even though you have not passed yet.
        #[arg(long)]
        force: bool,
    },
    /// Show the traffic and output of your last attempt, secrets redacted.
    Transcript {
        /// The lab id.
        lab: String,
        /// Write a HAR 1.2 file instead (opens in a browser's network panel); `-` prints it.
        #[arg(long, value_name = "FILE")]
        har: Option<PathBuf>,
    },
    /// Grade a folder of submissions into a gradebook (CSV, JSON, JUnit XML) and feedback.
    /// Submissions run unsandboxed, as you: grade untrusted hand-ins in a throwaway container.
    #[command(after_help = GRADE_NOTES)]
    Grade {
        /// Submission folders (each holds a learner's lab folder: ./run …), or one folder
        /// holding them.
        #[arg(required = true, value_name = "SUBMISSION")]
        submissions: Vec<PathBuf>,
        /// The lab they are graded against (its rules come from sflab, not the submission).
        #[arg(long)]
        lab: String,
        /// Where the gradebook and feedback files go.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Comma-separated: csv, json, junit, md.
        #[arg(long, default_value = "csv,json,junit,md")]
        format: String,
        /// Submissions graded at the same time.
        #[arg(long, default_value_t = 1)]
        jobs: usize,
        /// Grade only the i-th of n stable parts of the sorted submissions, e.g. 2/4; its
        /// outputs are named for the shard (gradebook.2-of-4.csv, …).
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Overrides the lab's time limit per run, e.g. 10s.
        #[arg(long)]
        timeout: Option<String>,
        /// Serve plain HTTP instead of HTTPS.
        #[arg(long)]
        http: bool,
    },
    /// Tracks a team lead assigns: labs with due dates.
    #[command(after_long_help = TRACK_FORMAT)]
    Track {
        #[command(subcommand)]
        action: TrackAction,
    },
    /// Write your progress on a track (JSON, Markdown and a copy of your lab folders) for your
    /// lead; uses --track FILE or the workspace's assigned track.
    Report {
        /// Where the report goes.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Tools for curriculum authors.
    Dev {
        #[command(subcommand)]
        action: DevAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum LabAction {
    /// Copy a lab's starter files into your workspace.
    Start {
        /// The lab id, e.g. rest-first-call.
        id: String,
    },
    /// Print a lab's brief: its goal, what the checks look for and their points, the tools.
    Show {
        /// The lab id, e.g. rest-first-call.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TrackAction {
    /// Make a track file the workspace's assigned track (validated first; a bad file changes
    /// nothing), without opening the classroom.
    #[command(after_long_help = TRACK_FORMAT)]
    Assign {
        /// The team lead's track file.
        file: PathBuf,
    },
    /// The track's labs, due dates and your status (overdue labs are marked).
    #[command(after_long_help = TRACK_FORMAT)]
    Show {
        /// The track file (default: --track, else the workspace's assigned track).
        file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DevAction {
    /// Validate the curriculum and run every reference and known-bad solution.
    Check {
        /// Only this lab.
        #[arg(long)]
        lab: Option<String>,
        /// Labs checked at the same time (their cases mostly wait on the learner's processes,
        /// events and faults); 1 checks one lab after another.
        #[arg(long, default_value_t = crate::runner::selfcheck_jobs::DEFAULT_JOBS, value_parser = clap::value_parser!(u16).range(1..=16))]
        jobs: u16,
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

/// For commands that only print: `sflab list | head` ends sflab the way it ends other Unix
/// tools, by SIGPIPE, instead of a panic on the broken pipe. (Commands that serve sockets
/// keep Rust's default, where a closed connection is an error to handle, not a signal.)
fn end_quietly_when_the_reader_goes() {
    // SAFETY: sets one signal's disposition back to the default; no handler runs Rust code.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn run(cli: Cli) -> Result<u8, Failure> {
    if let (Some(file), Some(command)) = (&cli.track, &cli.command) {
        if !matches!(command, Command::Track { .. } | Command::Report { .. }) {
            let refused = Failure::usage(format!(
                "--track {} is read only by the classroom (`sflab --track FILE`), `sflab track` and `sflab report`; this command would ignore it. Leave it out{}.",
                file.display(),
                if matches!(command, Command::Grade { .. }) {
                    " — `sflab grade` passes a submission when every check passed, whatever a track's pass_threshold says"
                } else {
                    ""
                }
            ));
            if let Command::Check {
                lab, json: true, ..
            } = command
            {
                return Ok(lab::refused_as_json(lab, &refused));
            }
            return Err(refused);
        }
    }
    // The mock org needs no curriculum, but one named that is not there is still a mistake.
    if let Some(Command::Org { command }) = &cli.command {
        if let Some(dir) = cli.curriculum.as_deref().filter(|d| !d.is_dir()) {
            return Err(Failure::usage(format!(
                "the curriculum folder {} (--curriculum or SFLAB_CURRICULUM) is not a folder; `sflab org` reads no curriculum, so leave it out or name a folder that exists",
                dir.display()
            )));
        }
        return org::run(command, cli.workspace.as_deref());
    }
    if matches!(
        cli.command,
        Some(
            Command::List { .. }
                | Command::Lesson { .. }
                | Command::Transcript { .. }
                | Command::Hint { .. }
                | Command::Solution { .. }
                | Command::Track { .. }
                | Command::Lab {
                    action: LabAction::Show { .. }
                }
        )
    ) {
        end_quietly_when_the_reader_goes();
    }
    // Authoring needs the whole curriculum sound and grading every part of it in use;
    // everything else uses what of it loads, and is told what was left out.
    let strictness = match cli.command {
        Some(Command::Dev { .. }) => curriculum_cmds::Strictness::Strict,
        Some(Command::Grade { .. }) => curriculum_cmds::Strictness::Whole,
        _ => curriculum_cmds::Strictness::Usable,
    };
    let (curriculum, problems) = curriculum_cmds::load(cli.curriculum.as_deref(), strictness)?;
    match cli.command {
        None => {
            if let Some(file) = &cli.track {
                if !std::io::stdout().is_terminal() {
                    track::assign(&cli, &curriculum, file)?;
                    lab::outln!("assigned; run `sflab` in a terminal to open the classroom.");
                    return Ok(0);
                }
                track::set_active(&cli, &curriculum, file)?;
            }
            curriculum_cmds::open_tui(&cli, curriculum, &problems)
        }
        Some(Command::Track {
            action: TrackAction::Show { ref file },
        }) => track::show(&cli, &curriculum, file.as_deref()),
        Some(Command::Track {
            action: TrackAction::Assign { ref file },
        }) => track::assign(&cli, &curriculum, file),
        Some(Command::Report { ref out }) => track::report(&cli, &curriculum, out),
        Some(Command::List { json }) => {
            let progress = lab::progress_of(&cli)?;
            let on_track = track::list_track(&cli, &curriculum);
            curriculum_cmds::list(&curriculum, json, &progress, on_track.as_ref())
        }
        Some(Command::Lesson { ref id, raw, width }) => {
            curriculum_cmds::lesson(&curriculum, id, raw, width)
        }
        Some(Command::Lab {
            action: LabAction::Start { ref id },
        }) => lab::start(&cli, &curriculum, id),
        Some(Command::Lab {
            action: LabAction::Show { ref id },
        }) => lab::show_brief(&curriculum, id),
        Some(Command::Reset { ref lab }) => lab::reset(&cli, &curriculum, lab),
        Some(Command::Check {
            ref lab,
            json,
            watch,
            http,
            ref backend,
            allow_production,
        }) => {
            let on = org_login::CheckBackend {
                choice: backend.clone(),
                allow_production,
            };
            lab::check(&cli, &curriculum, lab, json, watch, http, &on)
        }
        Some(Command::Hint { ref lab }) => lab::hint(&cli, &curriculum, lab),
        Some(Command::Solution { ref lab, force }) => lab::solution(&cli, &curriculum, lab, force),
        Some(Command::Transcript { ref lab, ref har }) => {
            lab::transcript(&cli, &curriculum, lab, har.as_deref())
        }
        Some(Command::Dev {
            action: DevAction::Check { ref lab, jobs },
        }) => dev::check(&cli, &curriculum, lab.as_deref(), jobs),
        Some(Command::Grade {
            ref submissions,
            ref lab,
            ref out,
            ref format,
            jobs,
            ref shard,
            ref timeout,
            http,
        }) => grade::grade(
            &cli,
            &curriculum,
            &grade::GradeArgs {
                submissions: submissions.clone(),
                lab: lab.clone(),
                out: out.clone(),
                format: format.clone(),
                jobs,
                shard: shard.clone(),
                timeout: timeout.clone(),
                http,
            },
        ),
        Some(Command::Org { .. }) => Ok(0), // answered above
    }
}
