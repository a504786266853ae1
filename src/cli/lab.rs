//! The lab commands: `sflab lab start`, `sflab reset`, `sflab check [--json] [--watch]`,
//! `sflab hint`, `sflab solution`, `sflab transcript [--har FILE]`.
//!
//! Exit codes: 0 the lab passed (or the command did its job), 1 a check failed, 2 an error the
//! learner must fix first (the message says how).

mod har_file;

use super::curriculum_cmds::output_width;
use super::lab_report::{render_report, render_transcript};
use super::{Cli, Failure};
use crate::curriculum::{Curriculum, DiskFiles, Files, LabMeta};
use crate::lab::{next_hint_among, reset_lab, start_lab, HintChoice, LabSpec, StartOutcome};
use crate::progress::Store;
use crate::runner::watch::{LabWatcher, DEBOUNCE};
use crate::runner::{run_lab, Report, RunError, RunOptions};
use crate::workspace::Workspace;
use std::path::Path;

/// Prints to stdout, ignoring a closed pipe (`sflab transcript x | head` must not panic).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// `out!` with a newline.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}
pub(crate) use outln;

/// The curriculum's files: the folder given with `--curriculum`, else the embedded copy.
pub fn files_of(cli: &Cli) -> Box<dyn Files> {
    match &cli.curriculum {
        Some(dir) => Box::new(DiskFiles::new(dir)),
        None => Box::new(crate::curriculum::embedded()),
    }
}

pub fn find_lab<'a>(curriculum: &'a Curriculum, id: &str) -> Result<&'a LabMeta, Failure> {
    curriculum.lab(id).ok_or_else(|| match curriculum.why_left_out(id) {
        Some(problem) => Failure::usage(format!(
            "lab {id:?} was left out of the curriculum because its files have a problem: {problem}. `sflab dev check --lab {id}` lists them all."
        )),
        None => Failure::usage(format!(
            "there is no lab {id:?}. `sflab list` shows every lab id.{}",
            crate::suggest::tip("lab", id, curriculum.labs.iter().map(|l| l.id.as_str()))
        )),
    })
}

pub fn spec_of(meta: &LabMeta) -> Result<LabSpec, Failure> {
    crate::lab::spec::parse(&format!("{}/lab.yaml", meta.dir), &meta.yaml)
        .map_err(|e| Failure::usage(e.to_string()))
}

/// Finds (or creates, and says so on stderr) the workspace.
pub fn workspace_of(cli: &Cli) -> Result<Workspace, Failure> {
    let fail = |e: std::io::Error| {
        Failure::usage(format!(
            "could not open the workspace: {e}. Pass --workspace DIR with a folder you can write to."
        ))
    };
    let mut ws = Workspace::resolve(cli.workspace.as_deref()).map_err(fail)?;
    let had_state = ws.state_dir().is_dir();
    ws.ensure().map_err(fail)?;
    if let Ok(clean) = ws.root.canonicalize() {
        ws.root = clean;
    }
    if !had_state {
        eprintln!(
            "sflab: created the workspace {} (your labs and progress live here)",
            ws.root.display()
        );
    }
    Ok(ws)
}

/// Why there is no workspace to read at `ws.root`, said so the user can fix the path; `lab`
/// names the lab the command was about.
fn no_workspace(ws: &Workspace, lab: Option<&str>) -> Failure {
    use crate::workspace::WorkspaceOrigin;
    let why = if ws.root.is_dir() {
        "the folder holds no .sflab/ folder, so it is not an sflab workspace"
    } else if ws.root.exists() {
        "it is a file, not a folder"
    } else {
        "the folder does not exist"
    };
    let chosen = match ws.origin {
        WorkspaceOrigin::Flag => "given with --workspace",
        WorkspaceOrigin::Environment => "named by SFLAB_WORKSPACE",
        WorkspaceOrigin::Found | WorkspaceOrigin::Default => {
            "the default, as no .sflab/ folder was found here or above"
        }
    };
    let next = match lab {
        Some(id) => {
            format!("Check the path, or run `sflab lab start {id}` to start the lab there.")
        }
        None => "Check the path; `sflab lab start <lab>` creates a workspace.".to_string(),
    };
    Failure::usage(format!(
        "there is no sflab workspace at {} ({chosen}): {why}. {next}",
        ws.root.display()
    ))
}

/// The workspace for a command that only reads it: it must exist already (a mistyped
/// `--workspace` is an error, not a new empty workspace).
pub fn existing_workspace(cli: &Cli) -> Result<Workspace, Failure> {
    existing_workspace_for(cli, None)
}

/// [`existing_workspace`] for a command about one lab, whose error says how to start it.
pub fn existing_workspace_for(cli: &Cli, lab: Option<&str>) -> Result<Workspace, Failure> {
    let mut ws = Workspace::resolve(cli.workspace.as_deref())
        .map_err(|e| Failure::usage(format!("could not find the workspace: {e}")))?;
    if !ws.state_dir().is_dir() {
        return Err(no_workspace(&ws, lab));
    }
    // Its state holds the progress and the redaction key; a read-only workspace stays as it is.
    let _ = crate::fsutil::make_private(&ws.state_dir());
    if let Ok(clean) = ws.root.canonicalize() {
        ws.root = clean;
    }
    Ok(ws)
}

/// The workspace for a command that works without one (`sflab list`, `sflab track show
/// FILE`): `None` when there is none by default, an error when the one named with
/// `--workspace` or `SFLAB_WORKSPACE` does not exist.
pub fn optional_workspace(cli: &Cli) -> Result<Option<Workspace>, Failure> {
    use crate::workspace::WorkspaceOrigin;
    match existing_workspace(cli) {
        Ok(ws) => Ok(Some(ws)),
        Err(e) => {
            let ws = Workspace::resolve(cli.workspace.as_deref())
                .map_err(|e| Failure::usage(format!("could not find the workspace: {e}")))?;
            match ws.origin {
                WorkspaceOrigin::Flag | WorkspaceOrigin::Environment => Err(e),
                WorkspaceOrigin::Found | WorkspaceOrigin::Default => Ok(None),
            }
        }
    }
}

/// Every lab's status in the workspace, if there is one (nothing is created for a listing).
pub fn progress_of(
    cli: &Cli,
) -> Result<std::collections::BTreeMap<String, crate::progress::LabStatus>, Failure> {
    match optional_workspace(cli)? {
        Some(ws) => progress_in(&ws),
        None => Ok(Default::default()),
    }
}

/// Every lab's status in `ws` (none yet when it has no progress database).
pub fn progress_in(
    ws: &Workspace,
) -> Result<std::collections::BTreeMap<String, crate::progress::LabStatus>, Failure> {
    if !ws.progress_db().exists() {
        return Ok(Default::default());
    }
    // Progress that cannot be read is said so: all ○ would tell the learner their work is gone.
    // Progress that can only be read (a read-only workspace) still shows, with a word.
    let (store, read_only) =
        Store::open_or_read(&ws.progress_db()).map_err(|e| Failure::usage(e.to_string()))?;
    if read_only {
        eprintln!(
            "sflab: {} can only be read here (a read-only folder?): your progress shows, but new attempts and answers are not saved.",
            ws.progress_db().display()
        );
    }
    store
        .lab_statuses()
        .map_err(|e| Failure::usage(e.to_string()))
}

fn store_of(ws: &Workspace) -> Result<Store, Failure> {
    Store::open(&ws.progress_db()).map_err(|e| Failure::usage(e.to_string()))
}

/// Says which attempts `store` left out of its reads so far, and why.
fn say_skipped(store: &Store) {
    for note in store.take_skipped() {
        eprintln!("sflab: note: {note}");
    }
}

/// The store for a command that only reads it (`transcript`, `solution`): opened to read
/// only when it cannot be written (a read-only workspace), as `sflab list` does.
fn reader_of(ws: &Workspace) -> Result<Store, Failure> {
    Store::open_or_read(&ws.progress_db())
        .map(|(store, _)| store)
        .map_err(|e| Failure::usage(e.to_string()))
}

/// A lab's Markdown (its goal, a hint) as the plain text `sflab lesson` prints: emphasis and
/// code marks gone, lists and code blocks laid out, wrapped at the output's width.
fn plain(markdown: &str) -> String {
    crate::markdown::render_plain(markdown, output_width())
}

/// `text` after `lead`, wrapped at words within `width` columns, further rows starting under
/// the text's first character (a check's text under its points).
fn hanging(lead: &str, text: &str, width: usize) -> String {
    let indent = lead.chars().count();
    let rows = crate::wording::word_rows(text, width.saturating_sub(indent).max(1));
    let mut out = String::from(lead);
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(row);
        out.push('\n');
    }
    out
}

/// A lab's brief as plain text: the goal, then what each check looks for and its points.
fn brief_text(spec: &LabSpec) -> String {
    use crate::tui::lab::brief::what_it_checks_in;
    let goal = plain(&spec.goal);
    let mut out = format!("Goal\n{}\n", goal.trim_end());
    let total: u32 = spec.checks.iter().map(|c| c.points).sum();
    out.push_str(&format!("\nWhat the checks look for ({total} points)\n"));
    let width = output_width().into();
    for c in &spec.checks {
        let points = format!("  {:>2}  ", c.points);
        out.push_str(&hanging(
            &points,
            &what_it_checks_in(c, &spec.checks),
            width,
        ));
    }
    let tools: Vec<&str> = spec.tools.iter().map(|t| t.program()).collect();
    if !tools.is_empty() {
        out.push_str(&format!("\nTools: {}\n", tools.join(", ")));
    }
    out.push_str(&format!(
        "Runs on: {}\n",
        crate::lab::spec::where_it_runs(&spec.backends)
    ));
    out
}

/// `sflab lab show`: the brief, without starting the lab.
pub fn show_brief(curriculum: &Curriculum, id: &str) -> Result<u8, Failure> {
    let meta = find_lab(curriculum, id)?;
    let spec = spec_of(meta)?;
    outln!("{id}: {}\n", spec.title);
    if !spec.summary.trim().is_empty() {
        outln!("{}\n", plain(&spec.summary).trim_end());
    }
    outln!("{}", brief_text(&spec));
    let next = format!("`sflab lab start {id}` copies its starter files into your workspace.");
    out!("{}", hanging("", &next, output_width().into()));
    Ok(0)
}

pub fn start(cli: &Cli, curriculum: &Curriculum, id: &str) -> Result<u8, Failure> {
    let meta = find_lab(curriculum, id)?;
    let spec = spec_of(meta)?;
    let ws = workspace_of(cli)?;
    let files = files_of(cli);
    match start_lab(files.as_ref(), meta, &ws)? {
        StartOutcome::Created { dir, files } => {
            store_of(&ws)?.mark_started(id)?;
            outln!("Started {id}: {}", spec.title);
            outln!("Your files are in {}:", dir.display());
            for f in &files {
                outln!("  {f}");
            }
            outln!("\n{}", brief_text(&spec));
            let entry = edit_what(&spec.files, &files);
            let next = format!(
                "{entry}, then `sflab check {id}`. `sflab lab show {id}` prints this brief again."
            );
            out!("{}", hanging("", &next, output_width().into()));
        }
        StartOutcome::AlreadyStarted { dir } => {
            outln!(
                "{id} is already started in {}; your files were left as they are. `sflab reset {id}` restores the starter files.",
                dir.display()
            );
        }
    }
    Ok(0)
}

/// What the learner is told to edit: ./run when the lab's own files include it, otherwise the
/// files the lab names (a design lab's document), or the copied files when it names none.
fn edit_what(lab_files: &[String], copied: &[String]) -> String {
    if lab_files.iter().any(|f| f == "run") {
        return "Edit ./run (any language)".into();
    }
    if lab_files.is_empty() {
        return if copied.iter().any(|f| f == "run") {
            "Edit ./run (any language)".into()
        } else {
            "Edit the files above".into()
        };
    }
    format!("Edit {}", lab_files.join(", "))
}

pub fn reset(cli: &Cli, curriculum: &Curriculum, id: &str) -> Result<u8, Failure> {
    let meta = find_lab(curriculum, id)?;
    let ws = workspace_of(cli)?;
    let files = files_of(cli);
    let out = reset_lab(files.as_ref(), meta, &ws)?;
    store_of(&ws)?.mark_started(id)?;
    match out.backup {
        Some(b) => outln!(
            "Restored the starter files of {id} in {}.\nYour previous version is in {}.",
            out.dir.display(),
            b.display()
        ),
        None => outln!(
            "Restored the starter files of {id} in {}.",
            out.dir.display()
        ),
    }
    Ok(0)
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("could not start the runner: {e}")))
}

/// One attempt; `Err(stop)` when a signal (Ctrl-C, SIGTERM, SIGHUP) ended it first.
fn attempt(
    rt: &tokio::runtime::Runtime,
    spec: &LabSpec,
    options: &RunOptions,
) -> Result<Result<Report, RunError>, super::signals::Stop> {
    rt.block_on(async {
        let Ok(mut stop) = super::signals::StopSignals::listen() else {
            return Ok(run_lab(spec, options).await);
        };
        tokio::select! {
            r = run_lab(spec, options) => Ok(r),
            why = stop.next() => Err(why),
        }
    })
}

/// The workspace's active track for `sflab check`: none, the track, or why it cannot be read.
type CheckTrack = Result<Option<crate::track::Track>, String>;

/// Prints a check's report; `track` is the workspace's active track, whose pass mark is said
/// below the lab's own when it assigns the lab ([`crate::track::mark::check_line`]); one that
/// cannot be read is the JSON's `track: {"error": …}`.
fn show(
    report: &Result<Report, RunError>,
    spec: &LabSpec,
    ws: &Workspace,
    json: bool,
    checked_track: &CheckTrack,
) -> u8 {
    let track = checked_track.as_ref().ok().and_then(Option::as_ref);
    match report {
        Ok(r) => {
            if json {
                outln!("{}", report_json(r, checked_track));
            } else {
                // The footer names the rule `sflab hint` will speak of, hints seen included.
                let revealed: Vec<(String, u32)> = reader_of(ws)
                    .and_then(|s| Ok(s.hints_revealed(&spec.id)?))
                    .map(|h| h.into_iter().map(|h| (h.rule, h.tier)).collect())
                    .unwrap_or_default();
                let hint = crate::lab::hint_offer(spec, &r.verdicts, &revealed);
                out!("{}", render_report(r, &spec.title, &hint));
                if let Some(line) = track.and_then(|t| crate::track::mark::check_line(t, r)) {
                    outln!("{line}");
                }
            }
            if r.passed {
                0
            } else {
                1
            }
        }
        Err(e) => {
            if json {
                outln!(
                    "{}",
                    serde_json::json!({ "lab": spec.id, "error": e.to_string() })
                );
            } else {
                eprintln!("sflab: {e}");
            }
            2
        }
    }
}

/// `sflab check --json`'s document: the report, with the track's verdict on it under
/// `track` when `track` assigns the lab ([`crate::track::mark::CheckVerdict`]), or
/// `{"error": …}` when the workspace's track cannot be read; left out otherwise.
fn report_json(r: &Report, track: &CheckTrack) -> String {
    let mut doc = serde_json::to_value(r).unwrap_or_else(|_| serde_json::json!({}));
    let on_track = match track {
        Ok(track) => track
            .as_ref()
            .and_then(|t| crate::track::mark::check_verdict(t, r))
            .map(|verdict| serde_json::to_value(verdict).unwrap_or_default()),
        Err(why) => Some(serde_json::json!({ "error": why })),
    };
    if let (Some(doc), Some(on_track)) = (doc.as_object_mut(), on_track) {
        doc.insert("track".into(), on_track);
    }
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into())
}

pub fn check(
    cli: &Cli,
    curriculum: &Curriculum,
    id: &str,
    json: bool,
    watch: bool,
    http: bool,
    on: &super::org_login::CheckBackend,
) -> Result<u8, Failure> {
    let checked = (|| -> Result<u8, Failure> {
        let meta = find_lab(curriculum, id)?;
        let spec = spec_of(meta)?;
        let ws = existing_workspace_for(cli, Some(id))?;
        let dir = ws.lab_dir(id);
        if !dir.is_dir() {
            return Err(Failure::usage(crate::runner::attempt::not_started(
                id, &dir,
            )));
        }
        // A track that cannot be read leaves the check as it is, said on stderr (and in the
        // JSON as the track's error).
        let track = crate::track::active(&ws, curriculum).map_err(|e| e.to_string());
        if let Err(why) = &track {
            eprintln!("{}", super::track::unreadable_warning("sflab check", why));
        }
        let rt = runtime()?;
        let backend = rt.block_on(on.prepare())?;
        let mut options = RunOptions::new(ws, backend.parts.clone());
        options.tls = !http;
        if !watch {
            let report = match attempt(&rt, &spec, &options) {
                Ok(report) => report,
                Err(stop) => {
                    rt.block_on(backend.interrupted());
                    return Ok(say_stopped(id, stop, json));
                }
            };
            backend.after(&report);
            return Ok(show(&report, &spec, &options.workspace, json, &track));
        }
        let watcher = LabWatcher::new(&dir).map_err(|e| Failure::usage(e.to_string()))?;
        // Between checks nothing else hears a stopping signal: a listener for the whole watch
        // ends the wait with the signal's status (a check in progress ends on its own).
        let stopped = std::sync::Arc::new(std::sync::atomic::AtomicU8::new(0));
        {
            let _inside = rt.enter();
            let signals = super::signals::StopSignals::listen()
                .map_err(|e| Failure::usage(format!("could not listen for signals: {e}")))?;
            let stopped = stopped.clone();
            rt.spawn(async move {
                let mut signals = signals;
                let why = signals.next().await;
                stopped.store(why.code(), std::sync::atomic::Ordering::Relaxed);
            });
        }
        let stop_code = || stopped.load(std::sync::atomic::Ordering::Relaxed);
        loop {
            let report = match attempt(&rt, &spec, &options) {
                Ok(report) => report,
                Err(stop) => {
                    rt.block_on(backend.interrupted());
                    return Ok(say_stopped(id, stop, json));
                }
            };
            backend.after(&report);
            show(&report, &spec, &options.workspace, json, &track);
            watcher.discard_pending();
            // A file the learner saved during the check, which its later runs did not see,
            // is checked now rather than waiting for another save.
            if report
                .as_ref()
                .is_ok_and(|r| r.kept_changes.iter().any(|k| k.edited))
            {
                eprintln!("\nA file changed during the check; checking again…\n");
                continue;
            }
            eprintln!(
                "\nWatching {} — save a file to check again (Ctrl-C stops).",
                dir.display()
            );
            // The last check has ended (and tidied up after itself): only the wait stops.
            if watcher
                .next_change(DEBOUNCE, &|| stop_code() != 0)
                .is_none()
            {
                return Ok(match stop_code() {
                    0 => 2,
                    code => code,
                });
            }
            eprintln!("\nA file changed; checking again…\n");
        }
    })();
    match checked {
        // With --json, a script reads every outcome from stdout, refusals included.
        Err(f) if json => Ok(refused_as_json(id, &f)),
        other => other,
    }
}

/// What `sflab check` says when a signal (Ctrl-C, SIGTERM, SIGHUP) ended a check before it
/// finished: that it was stopped and, as it never finished, not recorded.
fn stopped_text(stop: super::signals::Stop) -> String {
    format!(
        "check stopped by {}: the program's processes were ended, and the attempt was not recorded.",
        stop.name()
    )
}

/// Says [`stopped_text`]: on stderr, or with `--json` as `{"lab": …, "error": …}` on stdout, as
/// every outcome of a check with `--json` is; returns the signal's exit code.
fn say_stopped(id: &str, stop: super::signals::Stop, json: bool) -> u8 {
    let said = stopped_text(stop);
    if json {
        outln!("{}", serde_json::json!({ "lab": id, "error": said }));
    } else {
        eprintln!("\nsflab: {said}");
    }
    stop.code()
}

/// `sflab check <id> --json` refused before it checked anything (a lab not started, an
/// option it does not take): `{"lab": …, "error": …}` on stdout, as every outcome of a check
/// with `--json` is; returns the exit code.
pub fn refused_as_json(id: &str, f: &Failure) -> u8 {
    outln!(
        "{}",
        serde_json::json!({ "lab": id, "error": f.message.trim_end() })
    );
    f.code
}

/// Whether every starter file of lab `id` is still in the learner's folder as it was given: an
/// untouched starter stops at its placeholder, which is what the hints are about.
fn starter_unchanged(cli: &Cli, ws: &crate::workspace::Workspace, id: &str) -> bool {
    let files = files_of(cli);
    let prefix = format!("labs/{id}/starter/");
    let starter = files.list(&prefix);
    !starter.is_empty()
        && starter.iter().all(|p| {
            let mine = std::fs::read(ws.lab_dir(id).join(&p[prefix.len()..])).ok();
            files.read(p).is_some_and(|given| Some(given) == mine)
        })
}

pub fn hint(cli: &Cli, curriculum: &Curriculum, id: &str) -> Result<u8, Failure> {
    let meta = find_lab(curriculum, id)?;
    let spec = spec_of(meta)?;
    let ws = existing_workspace_for(cli, Some(id))?;
    // A workspace that cannot be written (read-only) still shows hints; that one was seen
    // cannot be noted, and the hint says so.
    let (mut store, read_only) =
        Store::open_or_read(&ws.progress_db()).map_err(|e| Failure::usage(e.to_string()))?;
    let last = store.last_attempt(id)?;
    // Hints follow a check, and a lab never started has neither: it is refused as `sflab
    // check` refuses it, pointing to `sflab lab start`.
    let dir = ws.lab_dir(id);
    if last.is_none() && !dir.is_dir() {
        return Err(Failure::usage(crate::runner::attempt::not_started(
            id, &dir,
        )));
    }
    say_skipped(&store);
    let failing_rules = last
        .as_ref()
        .map(|a| crate::lab::hint_rules(&a.verdicts))
        .unwrap_or_default();
    if last.as_ref().is_some_and(|a| a.passed) {
        let said = format!("Your last attempt passed, so there is nothing to hint at. `sflab solution {id}` shows the reference solution.");
        outln!(
            "{}",
            crate::wording::wrap_lines(&said, output_width().into())
        );
        return Ok(0);
    }
    let revealed: Vec<(String, u32)> = store
        .hints_revealed(id)?
        .into_iter()
        .map(|h| (h.rule, h.tier))
        .collect();
    if let Some(a) = last.as_ref().filter(|_| !starter_unchanged(cli, &ws, id)) {
        if let Some((exchanges, runs)) = store.transcript(a.id)? {
            if let Some(note) = crate::lab::hints::stopped_early_note(&runs, exchanges.len()) {
                outln!(
                    "{}\n",
                    crate::wording::wrap_lines(&note, output_width().into())
                );
            }
        }
    }
    let verdicts = last
        .as_ref()
        .map(|a| a.verdicts.as_slice())
        .unwrap_or_default();
    let choice = next_hint_among(&spec, &failing_rules, &revealed, verdicts);
    let failing = match &choice {
        HintChoice::Next { rule, .. } => rule.clone(),
        _ => failing_rules.first().cloned(),
    };
    match choice {
        HintChoice::Next {
            rule,
            tier,
            nth,
            of,
            text,
        } => {
            if read_only {
                eprintln!(
                    "sflab: note: {} cannot be written, so this hint is not noted as seen: `sflab hint {id}` shows it again.",
                    ws.progress_db().display()
                );
            } else {
                store.reveal_hint(id, rule.as_deref().unwrap_or(""), tier)?;
            }
            match &rule {
                Some(r) => outln!("Hint {nth}/{of} for {r}:\n"),
                None => outln!("Hint {nth}/{of}:\n"),
            }
            outln!("{}", plain(&text).trim_end());
        }
        HintChoice::Exhausted { rule } => {
            let said = format!(
                "You have seen every hint{}. Read the evidence with `sflab transcript {id}`; after a pass, `sflab solution {id}` shows the reference solution.",
                rule.map(|r| format!(" for {r}")).unwrap_or_default()
            );
            outln!(
                "{}",
                crate::wording::wrap_lines(&said, output_width().into())
            );
            for h in spec.hints_for(failing.as_deref()) {
                let text = crate::markdown::render_plain(&h.text, output_width().saturating_sub(2));
                outln!("\n- {}", text.trim().replace('\n', "\n  "));
            }
        }
        HintChoice::NoneAvailable { rule } => {
            let said = match (rule, last) {
                (_, None) => format!("Run `sflab check {id}` first: hints follow the rule that fails."),
                (Some(r), _) => format!("This lab has no hint for {r}; its message in `sflab check {id}` says what is missing."),
                (None, Some(_)) => "Nothing failed in your last attempt, so there is nothing to hint at.".to_string(),
            };
            outln!(
                "{}",
                crate::wording::wrap_lines(&said, output_width().into())
            );
        }
    }
    Ok(0)
}

pub fn solution(cli: &Cli, curriculum: &Curriculum, id: &str, force: bool) -> Result<u8, Failure> {
    find_lab(curriculum, id)?;
    if !force {
        let ws = existing_workspace_for(cli, Some(id))?;
        if !reader_of(&ws)?.ever_passed(id)? {
            return Err(Failure {
                message: format!(
                    "the solution of {id} opens after you pass the lab (`sflab check {id}`). Use --force to see it now."
                ),
                // Refused, as every command refuses what the user must change first.
                code: 2,
            });
        }
    }
    let files = files_of(cli);
    let prefix = format!("solutions/{id}/");
    let shown: Vec<String> = files
        .list(&prefix)
        .into_iter()
        .filter(|p| !p[prefix.len()..].starts_with("wrong/"))
        .collect();
    if shown.is_empty() {
        return Err(Failure::usage(format!(
            "lab {id} has no reference solution in {}",
            files.origin()
        )));
    }
    for p in shown {
        let text = files.read(&p).unwrap_or_default();
        outln!(
            "── {}\n{}",
            &p[prefix.len()..],
            String::from_utf8_lossy(&text)
        );
    }
    Ok(0)
}

pub fn transcript(
    cli: &Cli,
    curriculum: &Curriculum,
    id: &str,
    har: Option<&Path>,
) -> Result<u8, Failure> {
    find_lab(curriculum, id)?;
    let ws = existing_workspace_for(cli, Some(id))?;
    let store = reader_of(&ws)?;
    let last = store.last_attempt(id)?;
    say_skipped(&store);
    let Some(last) = last else {
        return Err(Failure::usage(format!(
            "there is no attempt at {id} yet. Run `sflab check {id}` first."
        )));
    };
    let (exchanges, runs) = store.transcript(last.id)?.unwrap_or_default();
    if har.is_some_and(|p| p == Path::new("-")) {
        // `-` is standard output, as for other commands that write a file.
        outln!("{}", har_file::har_text(&exchanges));
        return Ok(0);
    }
    if let Some(path) = har {
        let target = har_file::har_target(path)?;
        let kept_edits = har_file::write_har(path, &target, &exchanges)?;
        if let Some(line) = kept_edits {
            outln!("{line}");
        }
        outln!(
            "Wrote {} exchange{} to {} (HAR 1.2; open it in a browser's network panel).",
            exchanges.len(),
            if exchanges.len() == 1 { "" } else { "s" },
            path.display()
        );
        return Ok(0);
    }
    out!(
        "{}",
        render_transcript(id, &last.started_at, &exchanges, &runs)
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::{edit_what, hanging, stopped_text};

    #[test]
    fn a_check_stopped_by_a_signal_says_so_and_that_nothing_was_recorded() {
        use crate::cli::signals::Stop;
        assert_eq!(
            stopped_text(Stop::Interrupt),
            "check stopped by Ctrl-C: the program's processes were ended, and the attempt was not recorded."
        );
        assert!(stopped_text(Stop::Terminate).starts_with("check stopped by SIGTERM:"));
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_long_check_line_wraps_under_its_text_and_a_short_one_stays() {
        let text = "a GET request to /services/data/*/query with `q` containing \"FROM Account\"";
        assert_eq!(
            hanging("   2  ", text, 40),
            "   2  a GET request to\n      /services/data/*/query with `q`\n      containing \"FROM Account\"\n"
        );
        assert_eq!(hanging("   1  ", "./run exits", 40), "   1  ./run exits\n");
    }

    #[test]
    fn the_start_footer_names_the_files_the_lab_asks_to_edit() {
        let copied = names(&["design.md", "run"]);
        assert_eq!(edit_what(&names(&["design.md"]), &copied), "Edit design.md");
        assert_eq!(
            edit_what(&names(&["run", "service.py"]), &copied),
            "Edit ./run (any language)"
        );
        assert_eq!(edit_what(&[], &copied), "Edit ./run (any language)");
        assert_eq!(
            edit_what(&[], &names(&["notes.md"])),
            "Edit the files above"
        );
    }
}
