//! `sflab grade <submissions…> --lab <id> --out DIR`: an instructor grades a folder of
//! submissions in one command and gets a gradebook, JUnit XML and feedback files.
//!
//! An archive handed in beside the submission folders (`grace.zip`) is not opened; it is
//! counted in the banner and listed in every output as not graded, with how to unpack it.
//!
//! Exit codes: 0 every submission folder was graded (whatever its score), 2 something could
//! not be graded by sflab (the summary says which; grade those again) or the command was misused;
//! 130, 143 or 129 when Ctrl-C, SIGTERM or SIGHUP stopped it (every learner process killed,
//! the scratch folder removed, nothing written).
//!
//! Before grading anything it checks that the output folder is no learner's hand-in and that
//! everything the write needs can be written (the folder, its `previous/`, the feedback
//! folder); after grading, an earlier gradebook in it is moved to `previous/<time>/` rather
//! than overwritten.

use super::grade_folder::expand;
use super::lab::{files_of, find_lab, outln, spec_of};
use super::signals::StopSignals;
use super::{Cli, Failure};
use crate::curriculum::Curriculum;
use crate::grade::{self, Format, GradeOptions, Layout, Shard, SubmissionGrade};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What `sflab grade` was asked to do.
#[derive(Debug, Clone)]
pub struct GradeArgs {
    pub submissions: Vec<PathBuf>,
    pub lab: String,
    pub out: PathBuf,
    pub format: String,
    pub jobs: usize,
    pub shard: Option<String>,
    pub timeout: Option<String>,
    pub http: bool,
}

/// Names as the terminal and the gradebook show them: one line, control characters visible.
fn displayable(mut subs: Vec<grade::Submission>) -> Vec<grade::Submission> {
    for s in &mut subs {
        s.name = crate::visible::one_line(&s.name).into_owned();
    }
    subs
}

fn progress_bar(done: usize, total: usize, g: &SubmissionGrade) {
    const WIDTH: usize = 30;
    let filled = done * WIDTH / total.max(1);
    let name: String = g.name.chars().take(30).collect();
    eprint!(
        "\r[{}{}] {done}/{total} {name:<30}",
        "#".repeat(filled),
        " ".repeat(WIDTH - filled)
    );
    if done == total {
        eprintln!();
    }
}

fn scratch_dir() -> Result<PathBuf, Failure> {
    let dir = std::env::temp_dir().join(format!(
        "sflab-grade-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    crate::fsutil::create_private_dir(&dir).map_err(|e| {
        Failure::usage(format!(
            "could not create a scratch folder {}: {e}",
            dir.display()
        ))
    })?;
    set_mode(&dir, 0o300);
    Ok(dir)
}

/// Write and search but no listing: sandboxes cannot discover each other's random names.
fn set_mode(dir: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode));
    }
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

pub fn grade(cli: &Cli, curriculum: &Curriculum, args: &GradeArgs) -> Result<u8, Failure> {
    let meta = find_lab(curriculum, &args.lab)?;
    let spec = spec_of(meta)?;
    let formats = Format::parse_list(&args.format)?;
    if args.jobs == 0 {
        return Err(Failure::usage(
            "--jobs 0 would grade no submission at a time: give how many to grade at the same time, 1 or more (1 is the default)",
        ));
    }
    let timeout = match &args.timeout {
        Some(t) => Some(
            crate::lab::spec::parse_duration(t)
                .filter(|d| *d >= Duration::from_millis(100))
                .ok_or_else(|| {
                    Failure::usage(format!(
                        "--timeout {t:?} is not a usable duration: give 100ms to 24h, written like 30s, 500ms or 2m"
                    ))
                })?,
        ),
        None => None,
    };
    if args.out.exists() && !args.out.is_dir() {
        return Err(Failure::usage(format!(
            "--out {} is a file; name a folder for the gradebook (it is created if missing)",
            shown(&args.out)
        )));
    }
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    let layout = Layout { shard };
    let found = expand(&args.submissions, &args.out)?;
    for note in found.notes() {
        eprintln!("sflab: {note}");
    }
    let all = displayable(grade::discover(&found.dirs)?);
    let archived = displayable(
        found
            .archives
            .iter()
            .map(|p| grade::Submission {
                name: p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                dir: p.clone(),
            })
            .collect(),
    );
    // Archives take their turn in the shards like folders, so each one is listed (not
    // graded) in exactly one shard's gradebook.
    let mut everyone: Vec<(grade::Submission, bool)> = all
        .iter()
        .map(|s| (s.clone(), false))
        .chain(archived.iter().map(|s| (s.clone(), true)))
        .collect();
    everyone.sort_by(|a, b| a.0.name.cmp(&b.0.name).then(a.0.dir.cmp(&b.0.dir)));
    let mine = match shard {
        Some(s) => s.take(everyone),
        None => everyone,
    };
    let (archives, subs): (Vec<_>, Vec<_>) = mine.into_iter().partition(|(_, archive)| *archive);
    let archives: Vec<grade::Submission> = archives.into_iter().map(|(s, _)| s).collect();
    let subs: Vec<grade::Submission> = subs.into_iter().map(|(s, _)| s).collect();
    grade::check_writable(&args.out, &layout, formats.contains(&Format::Md))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("could not start the grader: {e}")))?;
    let mut stop = {
        let _inside = rt.enter();
        StopSignals::listen()
            .map_err(|e| Failure::usage(format!("could not listen for Ctrl-C: {e}")))?
    };
    let files = files_of(cli);
    let scratch = scratch_dir()?;
    let options = GradeOptions {
        parts: crate::runner::wiring::mock_parts(),
        jobs: args.jobs,
        timeout,
        output_cap: crate::runner::process::DEFAULT_OUTPUT_CAP,
        tls: !args.http,
        scratch: scratch.clone(),
        harness: grade::harness_files(files.as_ref(), meta, &spec),
        redaction_key: rand::random(),
    };
    let total_handed_in = all.len() + archived.len();
    let archives_note = match archives.len() {
        0 => String::new(),
        1 => "; 1 of them is an archive, listed as not graded (unzip archives first)".into(),
        n => format!("; {n} of them are archives, listed as not graded (unzip archives first)"),
    };
    eprintln!(
        "Grading {} of {} submission{} for {} ({}, {} point{}) with {} job{}{archives_note}…",
        subs.len() + archives.len(),
        total_handed_in,
        if total_handed_in == 1 { "" } else { "s" },
        spec.id,
        spec.title,
        spec.max_points(),
        if spec.max_points() == 1 { "" } else { "s" },
        options.jobs,
        if options.jobs == 1 { "" } else { "s" },
    );
    let total = subs.len();
    let tty = std::io::stderr().is_terminal();
    let on_done = move |n: usize, g: &SubmissionGrade| {
        if tty {
            progress_bar(n, total, g);
        }
    };
    let book = rt.block_on(async {
        tokio::select! {
            b = grade::grade_all(&spec, &subs, &options, &on_done) => Ok(b),
            why = stop.next() => Err(why),
        }
    });
    set_mode(&scratch, 0o700);
    let _ = std::fs::remove_dir_all(&scratch);
    let mut book = match book {
        Ok(b) => b,
        Err(why) => {
            // Runs still going in spawned tasks, and whatever they detached, carry this
            // process's run markers.
            let sweep = crate::runner::leftovers::end_marked(
                &crate::runner::leftovers::Marker::EveryRunOfThisProcess,
                None,
            );
            let ended = match sweep.survivors_said("submission processes") {
                said if said.is_empty() => "every submission's processes were ended".to_string(),
                said => said,
            };
            eprintln!(
                "\nsflab: grading stopped by {}; {ended}, and nothing was written.",
                why.name()
            );
            return Ok(why.code());
        }
    };
    book.add_archives(
        archives
            .iter()
            .map(|a| grade::archive::not_graded(&a.name, &a.dir)),
    );
    if let Some(moved) = grade::set_aside_previous(&args.out, &layout, chrono::Utc::now())? {
        eprintln!(
            "sflab: the previous gradebook in {} was moved to {} (nothing is overwritten).",
            shown(&args.out),
            shown(&moved)
        );
    }
    let written = grade::write_outputs(&book, &args.out, &layout, &formats)?;
    outln!("{}", grade::export::summary_table(&book).trim_end());
    let feedback = written
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .count();
    outln!("\nWrote to {}:", shown(&args.out));
    for p in written
        .iter()
        .filter(|p| p.extension().is_none_or(|e| e != "md"))
    {
        outln!("  {}", shown(p.strip_prefix(&args.out).unwrap_or(p)));
    }
    if feedback > 0 {
        outln!(
            "  {}/ ({feedback} Markdown file{})",
            shown(&layout.feedback()),
            if feedback == 1 { "" } else { "s" }
        );
    }
    let ungraded = book
        .grades
        .iter()
        .filter(|g| matches!(g.result, Err(grade::GradeError::Grader(_))))
        .count();
    if ungraded > 0 {
        eprintln!("sflab: {ungraded} submission(s) could not be graded by sflab (marked `! not graded`); fix the cause shown and grade them again.");
        return Ok(2);
    }
    Ok(0)
}
