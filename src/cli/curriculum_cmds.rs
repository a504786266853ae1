//! `sflab`, `sflab list` and `sflab lesson`: reading the curriculum.

use super::{Cli, Failure};
use crate::curriculum::{Curriculum, CurriculumError, Level, Problem};
use serde_json::json;
use std::io::IsTerminal;
use std::path::Path;

/// How much of a curriculum's problems a command puts up with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// Any problem is an error (authoring).
    Strict,
    /// A problem that leaves part of the curriculum out is an error; one that leaves it all in
    /// use (a lesson's broken link, a stray solutions folder) is printed (grading: every lab
    /// is graded as authored, and a lesson's typo stops no class).
    Whole,
    /// What can be used is loaded; the problems are printed on stderr and returned.
    Usable,
}

/// The curriculum of `dir` (the embedded one without it), as `strictness` allows.
pub fn load(
    dir: Option<&Path>,
    strictness: Strictness,
) -> Result<(Curriculum, Vec<Problem>), Failure> {
    let loaded = match dir {
        Some(d) if strictness == Strictness::Strict => {
            Curriculum::from_dir_for_authoring(d).map(|c| (c, Vec::new()))
        }
        Some(d) => Curriculum::from_dir_usable(d),
        None => Curriculum::embedded().map(|c| (c, Vec::new())),
    };
    let (curriculum, problems) = loaded.map_err(|e| Failure::usage(e.to_string()))?;
    let left_out: Vec<Problem> = problems.iter().filter(|p| !p.kept).cloned().collect();
    if strictness == Strictness::Whole && !left_out.is_empty() {
        return Err(Failure::usage(
            CurriculumError { problems: left_out }.to_string(),
        ));
    }
    eprint!("{}", crate::visible::visible(&problems_said(&problems)));
    Ok((curriculum, problems))
}

/// What stderr says of the problems of a curriculum used all the same, by what they did:
/// those that left out what they concern, then those that left it in use.
fn problems_said(problems: &[Problem]) -> String {
    let (kept, left_out): (Vec<Problem>, Vec<Problem>) =
        problems.iter().cloned().partition(|p| p.kept);
    let mut said = String::new();
    if !left_out.is_empty() {
        said.push_str(&format!(
            "sflab: left out what these problems concern; the rest of the curriculum is usable (`sflab dev check` checks it all):\n{}",
            CurriculumError { problems: left_out }
        ));
    }
    if !kept.is_empty() {
        said.push_str(&format!(
            "sflab: the curriculum is used as it is, but an author should fix these (`sflab dev check` checks it all):\n{}",
            CurriculumError { problems: kept }
        ));
    }
    said
}

/// The line the classroom shows at start when part of the curriculum was left out, or (when
/// nothing was) has problems all the same.
fn left_out_notice(problems: &[Problem]) -> Option<String> {
    let left_out: Vec<&Problem> = problems.iter().filter(|p| !p.kept).collect();
    let Some(first) = left_out.first() else {
        let first = problems.first()?;
        let line = first
            .line
            .map(|l| format!(" line {l}:"))
            .unwrap_or_default();
        return Some(format!(
            "the curriculum has {} problem{} that leave{} it usable — `sflab dev check` lists them ({}{line} {})",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            if problems.len() == 1 { "s" } else { "" },
            first.file,
            first.message
        ));
    };
    let more = match left_out.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    // The lab or lesson first, where a narrow status bar keeps it: a shortened path would
    // keep only `lab.yaml`.
    let what = first.file.strip_suffix("/lab.yaml").unwrap_or(&first.file);
    let line = first
        .line
        .map(|l| format!(" line {l}:"))
        .unwrap_or_default();
    Some(format!(
        "left out: {what}{more} — `sflab dev check` lists every problem ({}{line} {})",
        first.file, first.message
    ))
}

pub fn open_tui(cli: &Cli, curriculum: Curriculum, problems: &[Problem]) -> Result<u8, Failure> {
    // Said before the terminal is looked at, so it is said without one too.
    readable_progress(cli)?;
    let term = std::env::var("TERM").ok();
    if let Some(why) = no_screen(std::io::stdout().is_terminal(), term.as_deref()) {
        return Err(Failure::usage(format!(
            "{why}\n\
             Use `sflab list` to see the curriculum and `sflab lesson <id>` to read a lesson as text."
        )));
    }
    let ws = super::lab::workspace_of(cli)?;
    let (width, height) = crossterm::terminal::size().unwrap_or((80, 24));
    let theme = crate::tui::theme::Theme::from_env();
    let curriculum = std::sync::Arc::new(curriculum);
    let mut app = crate::tui::App::new(curriculum.clone(), theme, width, height);
    app.progress = crate::tui::lab::driver::progress_of(&ws, &curriculum);
    if let Some(notice) = left_out_notice(problems) {
        app.flash_long(notice);
    }
    // With a track (given now or kept from before) the first screen is its "Assigned" view.
    match crate::track::assigned_rows(&ws, &curriculum, chrono::Utc::now()) {
        Ok(Some((track, rows))) => app.show_assigned(crate::tui::AssignedBoard::new(
            &track,
            rows,
            chrono::Utc::now(),
        )),
        Ok(None) => {}
        Err(e) => app.track_unreadable(e),
    }
    // Then where the classroom was left last time; a track just given, or assigned since the
    // classroom was left (`sflab track assign` in another terminal), shows its board.
    let newly_assigned = crate::tui::place::assigned_since_kept(&ws);
    crate::tui::place::reopen(&mut app, &ws, cli.track.is_some() || newly_assigned);
    let events = crate::tui::Events::new();
    // SIGTERM and SIGHUP (a closed terminal) quit as `q` does.
    let stopped = std::sync::Arc::new(std::sync::OnceLock::new());
    let (stop_sender, why_stopped) = (events.sender(), stopped.clone());
    super::signals::on_stop(
        move |why| {
            let _ = why_stopped.set(why);
            let _ = stop_sender.send(crate::tui::Event::Stop);
        },
        || {
            crate::tui::put_terminal_back();
            end_leftovers();
        },
    )
    .map_err(|e| Failure::usage(format!("could not listen for signals: {e}")))?;
    // Lab runs, quiz answers and the rest go to the driver, which works in the background
    // and notifies the screen through the event channel.
    // Declared before the driver, so it is dropped after it, also when a closed terminal makes
    // drawing panic.
    let _leftovers = EndLeftovers;
    let place_ws = ws.clone();
    let mut driver = crate::tui::lab::driver::LabDriver::new(
        ws,
        super::lab::files_of(cli),
        curriculum,
        events.sender(),
        events.input_pause(),
    )
    .map_err(|e| Failure::usage(format!("could not start the lab runner: {e}")))?;
    // `sflab check` in another terminal shows here within a second or two.
    driver.follow_progress(std::time::Duration::from_secs(1));
    if let Some(open) = crate::tui::place::driver_command(&app) {
        driver.handle(open);
    }
    let ran = crate::tui::run_terminal(&mut app, events, |command| driver.handle(command));
    if let Err(e) = crate::tui::place::keep(&app, &place_ws) {
        eprintln!("sflab: could not note where you left the classroom ({e}), so the next start may open elsewhere.");
    }
    ran.map_err(|e| Failure::usage(format!("the terminal could not be used: {e}")))?;
    Ok(stopped
        .get()
        .map_or(0, |why: &super::signals::Stop| why.code()))
}

/// Ends what a run still in progress when the classroom closes started outside its process
/// group (`setsid`, a daemon), found by its run marker; the group itself goes with the lab
/// driver, dropped just before.
struct EndLeftovers;

impl Drop for EndLeftovers {
    fn drop(&mut self) {
        end_leftovers();
    }
}

/// Ends every process a run of this classroom started (they all carry its run marker).
fn end_leftovers() {
    let _ = crate::runner::leftovers::end_marked(
        &crate::runner::leftovers::Marker::EveryRunOfThisProcess,
        None,
    );
}

/// Why the full-screen classroom cannot be drawn, if it cannot: standard output is not a
/// terminal, or the terminal says it is `dumb` (an editor's shell buffer, some CI consoles),
/// with no cursor movement or alternate screen. An unset TERM is tried: most terminals cope.
fn no_screen(stdout_is_terminal: bool, term: Option<&str>) -> Option<&'static str> {
    if !stdout_is_terminal {
        return Some("standard output is not a terminal, so there is no screen to draw on.");
    }
    if term == Some("dumb") {
        return Some(
            "the terminal is a dumb one (TERM=dumb), which cannot draw the full-screen classroom.",
        );
    }
    None
}

/// Refuses progress that cannot be read in the workspace the classroom would open: a screen
/// of ○ would tell the learner their work is gone. A workspace not there yet is fine: the
/// classroom creates it wherever it was named from (--workspace, SFLAB_WORKSPACE or the
/// default ./sflab-workspace), as plain `sflab` does.
fn readable_progress(cli: &Cli) -> Result<(), Failure> {
    match crate::workspace::Workspace::resolve(cli.workspace.as_deref()) {
        Ok(ws) => super::lab::progress_in(&ws).map(drop),
        // `workspace_of` says what is wrong with it.
        Err(_) => Ok(()),
    }
}

/// What the classroom does with the workspace before the screen opens (the terminal check
/// in between left out).
#[cfg(test)]
fn classroom_workspace(cli: &Cli) -> Result<crate::workspace::Workspace, Failure> {
    readable_progress(cli)?;
    super::lab::workspace_of(cli)
}

/// `sflab list`; `workspace_track` is the workspace's track with where the learner stands on
/// it: the text says where it judges a lab otherwise than its ✓/✗ here
/// ([`crate::track::mark::list_note`]), the JSON gives its mark and each assigned lab's
/// standing under `track` (left out without a track, and on labs it does not assign). A track
/// that cannot be read is said on stderr, naming the file and line, and in the JSON as
/// `track: {"error": …}`.
pub fn list(
    curriculum: &Curriculum,
    json: bool,
    progress: &std::collections::BTreeMap<String, crate::progress::LabStatus>,
    workspace_track: Option<&super::track::WorkspaceTrack>,
) -> Result<u8, Failure> {
    if let Some(warning) = workspace_track.and_then(|t| t.warning("sflab list")) {
        eprintln!("{warning}");
    }
    let on_track = workspace_track.and_then(|t| t.read());
    let status = |id: &str| {
        progress
            .get(id)
            .copied()
            .unwrap_or(crate::progress::LabStatus::NotStarted)
    };
    if json {
        let lab_on_track = |id: &str| {
            let (_, rows) = on_track?;
            let row = rows.iter().find(|r| r.lab == id)?;
            serde_json::to_value(crate::track::mark::LabOnTrack::of(row)).ok()
        };
        let levels: Vec<_> = Level::ALL
            .iter()
            .map(|&level| {
                let lessons: Vec<_> = curriculum
                    .lessons_of(level)
                    .map(|l| {
                        json!({
                            "id": l.id,
                            "title": l.title,
                            "summary": l.summary,
                            "labs": curriculum.labs_of(l).map(|lab| json!({
                                "id": lab.id,
                                "title": lab.title,
                                "summary": lab.summary,
                                "status": status(&lab.id),
                                "backends": super::lab::spec_of(lab).map(|s| s.backends).unwrap_or_default(),
                            })).map(|mut doc| {
                                if let Some(standing) = lab_on_track(doc["id"].as_str().unwrap_or_default()) {
                                    doc["track"] = standing;
                                }
                                doc
                            }).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                json!({ "level": level.to_string(), "title": level.title(), "lessons": lessons })
            })
            .collect();
        let mut doc = json!({ "levels": levels });
        match workspace_track {
            Some(super::track::WorkspaceTrack::Read(track, _)) => {
                doc["track"] = json!(crate::track::mark::TrackMark::of(track));
            }
            Some(super::track::WorkspaceTrack::Unreadable(why)) => {
                doc["track"] = json!({ "error": why });
            }
            None => {}
        }
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(0);
    }
    // One column for ids, as wide as the longest, so every title starts in the same place.
    let lesson_w = curriculum
        .lessons
        .iter()
        .map(|l| l.id.chars().count())
        .max()
        .unwrap_or(0);
    let lab_w = curriculum
        .labs
        .iter()
        .map(|l| l.id.chars().count())
        .max()
        .unwrap_or(0);
    // Titles start at one column: "  <lesson id> " and "    ○ <lab id> " end there.
    let column = (lesson_w + 3).max(lab_w + 7);
    for level in Level::ALL {
        let lessons: Vec<_> = curriculum.lessons_of(level).collect();
        println!("{level} {}", level.title());
        if lessons.is_empty() {
            println!("  (no lessons)");
        }
        for l in lessons {
            println!("  {:<w$} {}", l.id, l.title, w = column - 3);
            for lab in curriculum.labs_of(l) {
                println!(
                    "    {} {:<w$} {}",
                    status(&lab.id).glyph(),
                    lab.id,
                    lab.title,
                    w = column - 7
                );
            }
        }
    }
    if let Some(note) =
        on_track.and_then(|(t, rows)| crate::track::mark::list_note(t, rows, progress))
    {
        println!("\n{note}");
    }
    Ok(0)
}

pub fn lesson(
    curriculum: &Curriculum,
    id: &str,
    raw: bool,
    width: Option<u16>,
) -> Result<u8, Failure> {
    let lesson = curriculum.lesson(id).ok_or_else(|| {
        Failure::usage(format!(
            "there is no lesson {id:?}. `sflab list` shows every lesson id.{}",
            crate::suggest::tip(
                "lesson",
                id,
                curriculum.lessons.iter().map(|l| l.id.as_str())
            )
        ))
    })?;
    if raw {
        print!("{}", lesson.body);
        return Ok(0);
    }
    let width = width.unwrap_or_else(output_width);
    // Code copied from a pipe must run: no gutter, no cut lines; a terminal keeps the boxes.
    let text = if std::io::stdout().is_terminal() {
        crate::markdown::render_plain(&lesson.body, width)
    } else {
        crate::markdown::render_for_pipe(&lesson.body, width)
    };
    print!("{text}");
    Ok(0)
}

/// The width text printed to standard output is wrapped at: the terminal's, or 80 columns
/// when the output goes to a pipe or a file.
pub fn output_width() -> u16 {
    let terminal = std::io::stdout()
        .is_terminal()
        .then(crossterm::terminal::size)
        .and_then(Result::ok);
    terminal.map(|(w, _)| w).unwrap_or(80)
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_left_out_notice_names_the_lab_before_the_advice_and_the_detail() {
        let problems = vec![
            Problem {
                file: "labs/rest-crud/lab.yaml".into(),
                line: Some(25),
                column: None,
                message: "unknown rule `rest.patch_for_updat`".into(),
                kept: false,
            },
            Problem {
                file: "lessons/L1-basics/01-rest.md".into(),
                line: None,
                column: None,
                message: "x".into(),
                kept: false,
            },
        ];
        assert_eq!(
            left_out_notice(&problems).unwrap(),
            "left out: labs/rest-crud (and 1 more) — `sflab dev check` lists every problem (labs/rest-crud/lab.yaml line 25: unknown rule `rest.patch_for_updat`)"
        );
    }

    /// A problem that leaves what it concerns in use (a stray solutions folder).
    fn stray() -> Problem {
        Problem {
            file: "solutions/ghost-lab/".into(),
            line: None,
            column: None,
            message: "is the solution of no lab".into(),
            kept: true,
        }
    }

    #[test]
    fn problems_that_leave_nothing_out_are_not_said_to_have() {
        let said = problems_said(&[stray()]);
        assert!(!said.contains("left out"), "{said}");
        assert!(
            said.starts_with(
                "sflab: the curriculum is used as it is, but an author should fix these"
            ),
            "{said}"
        );
        assert!(
            said.contains("solutions/ghost-lab/: is the solution of no lab"),
            "{said}"
        );
        assert_eq!(problems_said(&[]), "");
        let notice = left_out_notice(&[stray()]).unwrap();
        assert!(
            notice.starts_with("the curriculum has 1 problem that leaves it usable"),
            "{notice}"
        );
        // Beside one that did leave a lab out, each is said under its own heading.
        let mut broken = stray();
        broken.file = "labs/rest-crud/lab.yaml".into();
        broken.kept = false;
        let said = problems_said(&[stray(), broken.clone()]);
        let (left, kept) = said
            .split_once("sflab: the curriculum is used as it is")
            .unwrap();
        assert!(
            left.starts_with("sflab: left out what these problems concern"),
            "{said}"
        );
        assert!(
            left.contains("labs/rest-crud/lab.yaml") && !left.contains("ghost"),
            "{said}"
        );
        assert!(
            kept.contains("ghost") && !kept.contains("rest-crud"),
            "{said}"
        );
        assert!(left_out_notice(&[stray(), broken])
            .unwrap()
            .starts_with("left out: labs/rest-crud —"));
    }
    use super::*;
    use clap::Parser;

    fn cli_with_workspace(dir: &Path) -> Cli {
        Cli::parse_from(["sflab", "--workspace", &dir.display().to_string()])
    }

    #[test]
    fn the_classroom_creates_the_workspace_it_is_pointed_at() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let missing = tmp.path().join("new-ws");
        let ws = classroom_workspace(&cli_with_workspace(&missing)).expect("a missing folder");
        assert!(ws.state_dir().is_dir(), "created {}", ws.root.display());
        let empty = tmp.path().join("empty");
        std::fs::create_dir(&empty).expect("mkdir");
        let ws = classroom_workspace(&cli_with_workspace(&empty)).expect("an empty folder");
        assert!(ws.state_dir().is_dir(), "created {}", ws.root.display());
    }

    #[test]
    fn a_dumb_terminal_is_refused_like_no_terminal() {
        assert!(no_screen(false, Some("xterm-256color")).is_some());
        let why = no_screen(true, Some("dumb")).expect("refused");
        assert!(why.contains("TERM=dumb"), "{why}");
        assert_eq!(no_screen(true, Some("xterm-256color")), None);
        assert_eq!(no_screen(true, None), None, "an unset TERM is tried");
    }

    #[test]
    fn the_classroom_refuses_a_workspace_whose_progress_cannot_be_read() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let ws = classroom_workspace(&cli_with_workspace(tmp.path())).expect("created");
        std::fs::write(ws.progress_db(), b"not a database at all").expect("write");
        assert!(classroom_workspace(&cli_with_workspace(tmp.path())).is_err());
    }
}
