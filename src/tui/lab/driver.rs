//! The lab driver: carries out what the lab view asks ([`LabCommand`]) — starting a lab's
//! files, running the checks, watching, the editor, hints, solutions, resets, HAR files and
//! console requests — and reports back through the screen's event channel.
//!
//! Slow work (the runner, console requests, watching) runs on a background runtime or thread
//! and only *notifies*; the screen never waits for it. The one exception is the editor, which
//! takes the terminal over until it exits, by design. The one-shot actions (editor, hints,
//! solution, reset, HAR) live in `actions.rs`; the run's live org and the console's org in
//! `orgs.rs`.

use super::follow::ProgressWatch;
use super::orgs::{ConsoleOrg, LiveOrgProvider};
use super::saves::{LearnerSaves, RunsGoing, SaveAction, CHECKING_AGAIN, SAVED_DURING_RUN};
use super::{LabCommand, LabEvent, OrgSource, Outcome, RunUpdate};
use crate::curriculum::{Curriculum, Files};
use crate::lab::{start_lab, LabSpec};
use crate::progress::Store;
use crate::runner::watch::{LabWatcher, DEBOUNCE};
use crate::runner::{run_lab, Parts, RunEvent, RunOptions};
use crate::sandbox::{available_backends, switch_backend, BackendChoice};
use crate::tui::event::{CheckScore, Command, Event, LabStatus, Progress, UnfinishedCheck};
use crate::workspace::Workspace;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

pub struct LabDriver {
    pub(super) rt: tokio::runtime::Runtime,
    pub(super) ws: Workspace,
    pub(super) files: Box<dyn Files>,
    pub(super) curriculum: Arc<Curriculum>,
    pub(super) events: Sender<Event>,
    /// Set while another program (the editor) reads the terminal.
    pub(super) input_paused: Arc<crate::tui::input_pause::InputPause>,
    pub(super) consoles: HashMap<String, Arc<ConsoleOrg>>,
    /// The watched lab and the flag that stops its watcher.
    pub(super) watch: Option<(String, Arc<AtomicBool>)>,
    /// The runs between their start and the moment their own writes can no longer trigger
    /// their lab's watcher, by lab (runs of different labs may overlap).
    pub(super) running: RunsGoing,
    /// The labs whose checks are running now.
    pub(super) runs_in_progress: Arc<parking_lot::Mutex<HashSet<String>>>,
    /// Set to stop following the progress database (see [`LabDriver::follow_progress`]).
    pub(super) following: Option<Arc<AtomicBool>>,
    /// Where the checks run (switched with `b`).
    pub backend: BackendChoice,
    pub tls: bool,
}

/// What the progress store knows, as the screen shows it: lab statuses, the knowledge checks
/// of `curriculum`'s lessons and the lessons read to the end.
pub fn progress_of(ws: &Workspace, curriculum: &Curriculum) -> Progress {
    let Ok((store, _)) = Store::open_or_read(&ws.progress_db()) else {
        return Progress::new();
    };
    let labs = store
        .lab_statuses()
        .unwrap_or_default()
        .into_iter()
        .map(|(lab, s)| {
            let s = match s {
                crate::progress::LabStatus::Passed => LabStatus::Passed,
                crate::progress::LabStatus::FailedLast => LabStatus::Failed,
                crate::progress::LabStatus::InProgress => LabStatus::InProgress,
                crate::progress::LabStatus::NotStarted => LabStatus::NotStarted,
            };
            (lab, s)
        })
        .collect();
    let checks = curriculum
        .lessons
        .iter()
        .filter(|l| !l.quiz.is_empty())
        .filter_map(|l| {
            let answers = store.quiz_answers(&l.id).ok()?;
            let score = CheckScore::of(&answers, l.quiz.len());
            (score.answered > 0).then(|| (l.id.clone(), score))
        })
        .collect();
    let unfinished = curriculum
        .lessons
        .iter()
        .filter(|l| !l.quiz.is_empty())
        .filter_map(|l| {
            let answers = store.quiz_answers(&l.id).ok()?;
            let left = UnfinishedCheck::of(&answers, l.quiz.len())?;
            Some((l.id.clone(), left))
        })
        .collect();
    let read = store
        .lessons_read()
        .unwrap_or_default()
        .into_iter()
        .collect();
    let latest_attempts = store
        .latest_attempt_ids()
        .unwrap_or_default()
        .into_iter()
        .collect();
    Progress {
        labs,
        checks,
        unfinished,
        read,
        latest_attempts,
    }
}

/// The active track judged now, for the "Assigned" view; `None` without a track (or when
/// it can no longer be read, which the screen learns about when it starts).
pub fn assigned_board(
    ws: &Workspace,
    curriculum: &Curriculum,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<crate::tui::AssignedBoard> {
    let (track, rows) = crate::track::assigned_rows(ws, curriculum, now).ok()??;
    Some(crate::tui::AssignedBoard::new(&track, rows, now))
}

/// Sends the progress (and the track judged again) to the screen; false once the screen is
/// gone.
fn notify_progress(events: &Sender<Event>, ws: &Workspace, curriculum: &Curriculum) -> bool {
    if events
        .send(Event::Progress(progress_of(ws, curriculum)))
        .is_err()
    {
        return false;
    }
    if let Some(board) = assigned_board(ws, curriculum, chrono::Utc::now()) {
        let _ = events.send(Event::Assigned(board));
    }
    true
}

impl LabDriver {
    pub fn new(
        ws: Workspace,
        files: Box<dyn Files>,
        curriculum: Arc<Curriculum>,
        events: Sender<Event>,
        input_paused: Arc<crate::tui::input_pause::InputPause>,
    ) -> std::io::Result<LabDriver> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        Ok(LabDriver {
            rt,
            ws,
            files,
            curriculum,
            events,
            input_paused,
            consoles: HashMap::new(),
            watch: None,
            running: RunsGoing::default(),
            runs_in_progress: Arc::default(),
            following: None,
            backend: BackendChoice::Mock,
            tls: true,
        })
    }

    pub(super) fn send(&self, event: LabEvent) {
        let _ = self.events.send(Event::Lab(event));
    }

    pub(super) fn notice(&self, text: impl Into<String>) {
        self.send(LabEvent::Notice(text.into()));
    }

    pub(super) fn spec(&self, lab: &str) -> Option<LabSpec> {
        let meta = self.curriculum.lab(lab)?;
        crate::lab::spec::parse(&format!("{}/lab.yaml", meta.dir), &meta.yaml).ok()
    }

    pub(super) fn store(&self) -> Option<Store> {
        match Store::open(&self.ws.progress_db()) {
            Ok(s) => Some(s),
            Err(e) => {
                self.notice(format!("progress not saved: {e}"));
                None
            }
        }
    }

    pub(super) fn send_progress(&self) {
        notify_progress(&self.events, &self.ws, &self.curriculum);
    }

    /// Reads progress and the assigned track again whenever the progress database or the
    /// track file changes — `sflab check` or `sflab track assign` run in another terminal, or
    /// anything else writing to the workspace — looking every `every` (a few `stat`s, see
    /// [`super::follow`]) until the driver or the screen goes.
    pub fn follow_progress(&mut self, every: Duration) {
        if let Some(stop) = self.following.take() {
            stop.store(true, Ordering::Relaxed);
        }
        let stop = Arc::new(AtomicBool::new(false));
        self.following = Some(stop.clone());
        let (events, ws, curriculum) = (
            self.events.clone(),
            self.ws.clone(),
            self.curriculum.clone(),
        );
        std::thread::spawn(move || {
            let mut watch =
                ProgressWatch::new(ws.progress_db()).with_track(crate::track::active_path(&ws));
            while !stop.load(Ordering::Relaxed) {
                if watch.changed() {
                    if !notify_progress(&events, &ws, &curriculum) {
                        break;
                    }
                    watch.mark_seen();
                }
                std::thread::sleep(every);
            }
        });
    }

    /// Carries out one command from the screen.
    pub fn handle(&mut self, command: Command) {
        match command {
            Command::QuizAnswered {
                lesson,
                question,
                correct,
            } => {
                let q = u32::try_from(question).unwrap_or(u32::MAX);
                if let Some(mut store) = self.store() {
                    if let Err(e) = store.record_quiz_answer(&lesson, q, correct) {
                        self.notice(format!("the answer was not saved: {e}"));
                    }
                }
                self.send_progress();
            }
            Command::LessonRead { lesson } => {
                if let Some(mut store) = self.store() {
                    if let Err(e) = store.mark_read(&lesson) {
                        self.notice(format!("reading the lesson was not saved: {e}"));
                    }
                }
                self.send_progress();
            }
            Command::Lab(c) => self.lab(c),
            Command::Quit => {}
        }
    }

    fn lab(&mut self, command: LabCommand) {
        match command {
            LabCommand::Open { lab } => self.open(&lab),
            LabCommand::Run { lab } => self.run(&lab),
            LabCommand::Backend { lab } => self.switch(&lab, &available_backends()),
            LabCommand::Watch { lab, on } => self.set_watch(&lab, on),
            LabCommand::Edit { lab } => self.edit(&lab),
            LabCommand::Hint { lab, failing } => self.hint(&lab, failing),
            LabCommand::Solution { lab } => self.solution(&lab),
            LabCommand::Reset { lab } => self.reset(&lab),
            LabCommand::ShowLastAttempt { lab } => self.send_last_attempt(&lab),
            LabCommand::WriteHar { lab, exchanges } => self.write_har(&lab, &exchanges),
            LabCommand::Console {
                lab,
                method,
                path,
                body,
            } => self.console(&lab, method, path, body),
        }
    }

    pub(super) fn send_files(&self, lab: &str) {
        self.send(files_event(&self.ws, lab));
    }

    pub(super) fn send_hints(&self, lab: &str, spec: &LabSpec, revealed: bool) {
        let Some(store) = self.store() else { return };
        let hints = store
            .hints_revealed(lab)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|h| {
                let rule = (!h.rule.is_empty()).then_some(h.rule.as_str());
                spec.hints_for(rule)
                    .nth(h.tier as usize)
                    .map(|t| t.text.clone())
            })
            .collect();
        self.send(LabEvent::Hints {
            lab: lab.to_string(),
            hints,
            revealed,
        });
    }

    fn open(&mut self, lab: &str) {
        let (Some(meta), Some(spec)) = (self.curriculum.lab(lab), self.spec(lab)) else {
            return;
        };
        match start_lab(self.files.as_ref(), meta, &self.ws) {
            Ok(crate::lab::StartOutcome::Created { dir, .. }) => {
                if let Some(mut s) = self.store() {
                    let _ = s.mark_started(lab);
                }
                self.notice(format!("copied the starter files into {}", dir.display()));
            }
            Ok(crate::lab::StartOutcome::AlreadyStarted { .. }) => {}
            Err(e) => self.notice(e.to_string()),
        }
        // Opening a lab reads progress again, whoever wrote it last.
        self.send_progress();
        self.send_files(lab);
        self.send_hints(lab, &spec, false);
        self.send_last_attempt(lab);
        // The console's org is made once a session; its records are sent then. Later the lab
        // view keeps what its Org tab shows (a run's org, or the console's after a request),
        // so opening the lab again does not swap a run's records for the console's.
        if !self.consoles.contains_key(lab) {
            match ConsoleOrg::new(&spec) {
                Ok(c) => {
                    self.send(LabEvent::Org {
                        lab: lab.to_string(),
                        snapshot: c.snapshot(),
                        source: OrgSource::Console,
                    });
                    self.consoles.insert(lab.to_string(), Arc::new(c));
                }
                Err(e) => self.notice(format!("the console has no org: {e}")),
            }
        }
    }

    /// The stored last attempt, so Results and Traffic show it before any new run.
    fn send_last_attempt(&self, lab: &str) {
        let Some(store) = self.store() else { return };
        let Ok(Some(last)) = store.last_attempt(lab) else {
            return;
        };
        let (exchanges, runs) = store.transcript(last.id).ok().flatten().unwrap_or_default();
        let outcome = match last.error {
            Some(e) => Err(e),
            None => Ok(Outcome {
                verdicts: last.verdicts,
                passed: last.passed,
                points: last.points,
                max_points: last.max_points,
                duration_ms: last.duration_ms,
            }),
        };
        self.send(LabEvent::LastAttempt {
            lab: lab.to_string(),
            outcome,
            exchanges,
            runs,
        });
    }

    /// Moves the checks to the next backend `lab` may run on among `available`, or says why
    /// they stay where they are. Logins whose org said at login it is production are left
    /// out, and the learner is told so.
    pub fn switch(&mut self, lab: &str, available: &[BackendChoice]) {
        let Some(spec) = self.spec(lab) else { return };
        let production = production_logins(available);
        let next = super::backend::next_sandbox(
            &self.backend,
            available,
            &production,
            &spec.backends,
            lab,
        )
        .and_then(|(next, note)| {
            switch_backend(&next)
                .map(|_| (next, note))
                .map_err(|e| e.to_string())
        });
        match next {
            Ok((next, note)) => {
                let status = super::backend::status_of(&next);
                let mut said = format!("the checks now run on {}", status.name);
                if let Some(note) = note {
                    said = format!("{said} · {note}");
                }
                self.notice(said);
                self.backend = next;
                let _ = self.events.send(Event::Backend(status));
            }
            Err(why) => self.notice(why),
        }
    }

    fn run(&mut self, lab: &str) {
        let Some(spec) = self.spec(lab) else { return };
        // One run per lab at a time (the screen refuses a second too): the run in progress
        // goes on reporting to the lab's view.
        if !self.runs_in_progress.lock().insert(lab.to_string()) {
            return self.notice(format!("the checks of {lab} are already running"));
        }
        // The folder may have changed outside the classroom (an editor, `sflab reset`).
        self.send_files(lab);
        let (parts, notes) = match switch_backend(&self.backend) {
            Ok(p) => p,
            Err(e) => {
                self.runs_in_progress.lock().remove(lab);
                return self.send(LabEvent::Finished {
                    lab: lab.to_string(),
                    outcome: Err(format!(
                        "the {} backend cannot be used: {e}",
                        self.backend.label()
                    )),
                    exchanges: Vec::new(),
                    runs: Vec::new(),
                });
            }
        };
        let org = Arc::new(LiveOrgProvider {
            inner: parts.org.clone(),
            lab: lab.to_string(),
            events: self.events.clone(),
        });
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut options = RunOptions::new(self.ws.clone(), Parts { org, ..parts });
        options.tls = self.tls;
        options.events = Some(tx);
        let events = self.events.clone();
        let ws = self.ws.clone();
        let curriculum = self.curriculum.clone();
        let running = self.running.clone();
        running.start(lab);
        let in_progress = RunInProgress(self.runs_in_progress.clone(), lab.to_string());
        let id = lab.to_string();
        let choice = self.backend.clone();
        self.rt.spawn(async move {
            let fwd_events = events.clone();
            let fwd_lab = id.clone();
            let forward = tokio::spawn(async move {
                while let Some(e) = rx.recv().await {
                    let update = match e {
                        RunEvent::Prepared { proxy_url } => RunUpdate::Prepared { proxy_url },
                        RunEvent::RunStarted { index, of } => RunUpdate::RunStarted { index, of },
                        RunEvent::Exchange(x) => RunUpdate::Exchange(x),
                        RunEvent::RunFinished(r) => RunUpdate::RunFinished(r),
                        RunEvent::Verdicts(_) => continue,
                    };
                    let lab = fwd_lab.clone();
                    let _ = fwd_events.send(Event::Lab(LabEvent::Run { lab, update }));
                }
            });
            let result = run_lab(&spec, &options).await;
            drop(options);
            if let Some(why) = super::backend::production_refused(&choice, &result, &id) {
                let _ = events.send(Event::Lab(LabEvent::Notice(why)));
            }
            if let Some(reachable) = super::backend::reach_after_run(&choice, &result) {
                let backend = choice.label();
                let reach = LabEvent::Reach { backend, reachable };
                let _ = events.send(Event::Lab(reach));
            }
            // What the sandbox backend did (records cleaned up, leftovers) for the status bar.
            for note in notes.lock().drain(..) {
                let _ = events.send(Event::Lab(LabEvent::Notice(note)));
            }
            let _ = tokio::time::timeout(Duration::from_secs(2), forward).await;
            if let Some(why) = result.as_ref().ok().and_then(|r| r.not_saved.clone()) {
                let _ = events.send(Event::Lab(LabEvent::Notice(format!("Not saved: {why}"))));
            }
            let (outcome, exchanges, runs) = match result {
                Ok(r) => (
                    Ok(Outcome {
                        passed: r.passed,
                        points: r.points,
                        max_points: r.max_points,
                        duration_ms: u64::try_from(r.duration.as_millis()).unwrap_or(u64::MAX),
                        verdicts: r.verdicts,
                    }),
                    r.exchanges,
                    r.runs,
                ),
                Err(e) => (Err(super::run_error_text(&e)), Vec::new(), Vec::new()),
            };
            // What the run wrote (an export, a stored replay id) shows in the Brief.
            let _ = events.send(Event::Lab(files_event(&ws, &id)));
            drop(in_progress);
            let id_done = id.clone();
            let _ = events.send(Event::Lab(LabEvent::Finished {
                lab: id,
                outcome,
                exchanges,
                runs,
            }));
            notify_progress(&events, &ws, &curriculum);
            // Files the learner's code wrote during the run must not start another one.
            tokio::time::sleep(DEBOUNCE * 2).await;
            running.end(&id_done);
        });
    }

    pub(super) fn set_watch(&mut self, lab: &str, on: bool) {
        if let Some((_, stop)) = self.watch.take() {
            stop.store(true, Ordering::Relaxed);
        }
        if !on {
            self.notice("watch off");
            return;
        }
        let dir = self.ws.lab_dir(lab);
        let watcher = match LabWatcher::new(&dir) {
            Ok(w) => w,
            Err(e) => return self.notice(e.to_string()),
        };
        let stop = Arc::new(AtomicBool::new(false));
        self.watch = Some((lab.to_string(), stop.clone()));
        let mut saves = LearnerSaves::new(self.starter_paths(lab));
        let roots = [dir.canonicalize().unwrap_or_else(|_| dir.clone()), dir];
        let (events, running, id) = (self.events.clone(), self.running.clone(), lab.to_string());
        let say = |text: &str| Event::Lab(LabEvent::Notice(text.to_string()));
        std::thread::spawn(move || loop {
            // Wakes up when the run ends with a save held for after it.
            let ended = || saves.holding() && !running.of(&id);
            let change = watcher.next_change(DEBOUNCE, &|| stop.load(Ordering::Relaxed) || ended());
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let run_now = match change {
                Some(changed) => {
                    let rel: Vec<PathBuf> =
                        changed.iter().map(|p| relative_to(&roots, p)).collect();
                    match saves.saw(&rel, running.of(&id)) {
                        SaveAction::RunNow => true,
                        SaveAction::RunAfterThisOne => {
                            let _ = events.send(say(SAVED_DURING_RUN));
                            false
                        }
                        SaveAction::Nothing => false,
                    }
                }
                None if saves.holding() => {
                    saves.run_ended();
                    let _ = events.send(say(CHECKING_AGAIN));
                    true
                }
                // The watcher died.
                None => break,
            };
            let lab = id.clone();
            if run_now && events.send(Event::Lab(LabEvent::Changed { lab })).is_err() {
                break;
            }
        });
        self.notice("watch on: saving a file in the lab folder runs the checks");
    }

    /// The lab's starter files, relative to its folder: the files the learner edits.
    fn starter_paths(&self, lab: &str) -> Vec<PathBuf> {
        let Some(meta) = self.curriculum.lab(lab) else {
            return Vec::new();
        };
        let prefix = format!("{}/starter/", meta.dir);
        self.files
            .list(&prefix)
            .iter()
            .filter_map(|p| p.strip_prefix(&prefix).map(PathBuf::from))
            .collect()
    }

    fn console(&mut self, lab: &str, method: String, path: String, body: String) {
        let Some(org) = self.consoles.get(lab).cloned() else {
            return self.notice("the console has no org for this lab");
        };
        let events = self.events.clone();
        let id = lab.to_string();
        self.rt.spawn(async move {
            let reply = org.send(&method, &path, &body).await;
            let lab = id.clone();
            let _ = events.send(Event::Lab(LabEvent::Console { lab, reply }));
            let _ = events.send(Event::Lab(LabEvent::Org {
                lab: id,
                snapshot: org.snapshot(),
                source: OrgSource::Console,
            }));
        });
    }
}

impl Drop for LabDriver {
    fn drop(&mut self) {
        if let Some(stop) = &self.following {
            stop.store(true, Ordering::Relaxed);
        }
    }
}

/// The logins among `available` whose org said at login that it is production.
fn production_logins(available: &[BackendChoice]) -> Vec<BackendChoice> {
    let Ok(store) = crate::sandbox::LoginStore::from_env() else {
        return Vec::new();
    };
    available
        .iter()
        .filter(|c| match c {
            BackendChoice::Sandbox(Some(alias)) => store
                .facts(alias)
                .is_ok_and(|login| login.is_sandbox == Some(false)),
            _ => false,
        })
        .cloned()
        .collect()
}

/// A lab's place among the runs in progress, given up when the run ends (or its task panics).
struct RunInProgress(Arc<parking_lot::Mutex<HashSet<String>>>, String);

impl Drop for RunInProgress {
    fn drop(&mut self) {
        self.0.lock().remove(&self.1);
    }
}

/// `path` relative to the first of `roots` (the lab folder, as found and as given) it is under.
fn relative_to(roots: &[PathBuf], path: &Path) -> PathBuf {
    roots
        .iter()
        .find_map(|r| path.strip_prefix(r).ok())
        .unwrap_or(path)
        .to_path_buf()
}

/// The lab folder's files (hidden ones left out, at most about 200), for the Brief.
fn files_event(ws: &Workspace, lab: &str) -> LabEvent {
    let dir = ws.lab_dir(lab);
    let mut files = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with('.') || files.len() > 200 {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(&dir) {
                files.push(rel.to_string_lossy().to_string());
            }
        }
    }
    files.sort();
    LabEvent::Files {
        lab: lab.to_string(),
        dir,
        files,
    }
}
