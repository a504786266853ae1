//! [`run_lab`]: one attempt at a lab, end to end. The TUI, `sflab check`, `sflab dev check`,
//! the tests and grading all call this one function.
//!
//! Order: tools looked up (a missing one is noted on the runs, not refused) → org prepared and
//! seeded → proxy started in front of it → snapshot after setup → `run.times` runs of `./run`
//! (snapshot after each) → evidence (redacted) → verdicts → [`Report`] → progress store (when
//! asked).

use super::env::{lab_environment, REMOVED};
use super::lab_actions::{run_once, with_workspace_key};
use super::lab_files::{read_lab_files, read_lab_files_after_runs};
use super::parts::{GatewayProvider, GatewaySetup, Judge, OrgProvider, Parts};
use super::process::{ProcessError, ProcessSpec, DEFAULT_OUTPUT_CAP};
use super::report::{Report, RunEvent};
use super::scenario::run_scenario;
use super::tools::{missing_tool_notes, missing_tools};
use crate::evidence::{Evidence, KnownSecret, LearnerRun, OutboundEvidence, Snapshots};
use crate::lab::LabSpec;
use crate::progress::{NewAttempt, ProgressError, Store};
use crate::redact::Redactor;
use crate::rules::{Verdict, VerdictStatus};
use crate::workspace::Workspace;
use chrono::Utc;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{}", not_started(lab, dir))]
    NotStarted { lab: String, dir: PathBuf },
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error("the org for this lab could not be prepared: {0}")]
    Backend(String),
    /// The lab does not run on the chosen backend.
    #[error("{0}")]
    NotOnBackend(String),
    #[error("the recording proxy could not start: {0}")]
    Proxy(String),
    #[error("the lab's check {index} ({rule}) cannot be used: {reason}")]
    BadCheck {
        index: usize,
        rule: String,
        reason: String,
    },
    #[error("the workspace could not be used: {0}")]
    Workspace(#[from] std::io::Error),
    #[error(transparent)]
    Progress(#[from] ProgressError),
}

/// Why lab `lab` cannot be checked when its folder `dir` is not a folder, and what to do: a
/// file standing where the folder should be is named as one, as `sflab lab start` names it.
pub fn not_started(lab: &str, dir: &Path) -> String {
    if dir.is_file() {
        format!(
            "lab {lab:?} cannot be checked: {} is a file where sflab needs the lab's folder. \
             Move or rename it, then run `sflab lab start {lab}`.",
            dir.display()
        )
    } else {
        format!(
            "lab {lab:?} is not started in this workspace ({} does not exist). Run `sflab lab \
             start {lab}` first.",
            dir.display()
        )
    }
}

/// How to run an attempt, and with which parts.
#[derive(Clone)]
pub struct RunOptions {
    pub workspace: Workspace,
    /// The folder holding `./run`; default `<ws>/<lab-id>`.
    pub lab_dir: Option<PathBuf>,
    pub org: Arc<dyn OrgProvider>,
    pub gateway: Arc<dyn GatewayProvider>,
    pub judge: Arc<dyn Judge>,
    /// HTTPS with the workspace CA (default) or plain HTTP.
    pub tls: bool,
    /// Overrides the lab's `run.timeout`.
    pub timeout: Option<Duration>,
    pub output_cap: usize,
    /// Run the learner's code with an empty environment plus the lab's variables (grading).
    pub clean_env: bool,
    /// Store the attempt in the workspace's progress database.
    pub record: bool,
    pub events: Option<UnboundedSender<RunEvent>>,
}

impl RunOptions {
    pub fn new(workspace: Workspace, parts: Parts) -> RunOptions {
        RunOptions {
            workspace,
            lab_dir: None,
            org: parts.org,
            gateway: parts.gateway,
            judge: parts.judge,
            tls: true,
            timeout: None,
            output_cap: DEFAULT_OUTPUT_CAP,
            clean_env: false,
            record: true,
            events: None,
        }
    }
}

fn emit(events: &Option<UnboundedSender<RunEvent>>, event: RunEvent) {
    if let Some(tx) = events {
        let _ = tx.send(event);
    }
}

/// The workspace's redaction key (created on first use, mode 0600), so one token gives the
/// same marker in every attempt of this workspace and nowhere else.
pub fn redaction_key(ws: &Workspace) -> std::io::Result<Vec<u8>> {
    let path = ws.state_dir().join("redaction.key");
    match std::fs::read(&path) {
        Ok(k) if k.len() >= 32 => Ok(k),
        // A key too short to use is replaced.
        Ok(_) => {
            let key: [u8; 32] = rand::random();
            crate::fsutil::write_private_atomic(&path, &key)?;
            Ok(key.to_vec())
        }
        // The first attempt makes it; of two first attempts at once (cases of `dev check`,
        // hand-ins graded together), one makes it and the other uses that one.
        Err(_) => {
            let key: [u8; 32] = rand::random();
            if crate::fsutil::create_private_once(&path, &key)? {
                Ok(key.to_vec())
            } else {
                std::fs::read(&path)
            }
        }
    }
}

/// The secrets sflab hands a lab's run by value, as (kind, value): its `run.env` variables
/// named like secrets (`ERP_CLIENT_SECRET`, `WEATHER_API_KEY`…) and the consumer secrets its
/// `org:` seed fixes for its apps (handed over as `SF_CLIENT_SECRET`). `sflab check` redacts
/// them wherever they appear; `sflab report` masks them in the lab folders it copies.
pub fn handed_secrets(lab: &LabSpec) -> Vec<(&'static str, String)> {
    let from_env = lab
        .run
        .env
        .iter()
        .filter(|(name, value)| crate::redact::names_a_secret(name) && !value.is_empty())
        .map(|(_, value)| ("lab_secret", value.clone()));
    let apps = lab
        .org
        .get("apps")
        .and_then(|a| a.as_sequence())
        .into_iter()
        .flatten();
    let from_seed = apps
        .filter_map(|app| app.get("consumer_secret")?.as_str())
        .filter(|s| !s.is_empty())
        .map(|s| ("client_secret", s.to_string()));
    from_env.chain(from_seed).collect()
}

/// Tells the redactor the org's own credentials, which a learner may print or paste; returns
/// them by marker (the evidence's [`Evidence::handed`]).
pub(crate) fn learn_credentials(
    redactor: &Redactor,
    creds: &super::LabCredentials,
) -> Vec<KnownSecret> {
    let mut handed = Vec::new();
    for (kind, value) in [
        ("client_secret", &creds.client_secret),
        ("access_token", &creds.access_token),
        ("refresh_token", &creds.refresh_token),
    ] {
        if let Some(v) = value {
            redactor.add_secret(kind, v);
            handed.push(KnownSecret {
                kind: kind.to_string(),
                marker: redactor.marker(kind, v.trim()),
            });
        }
    }
    handed
}

/// The lab's snapshot objects and those the calls so far wrote to (see
/// [`super::judge::written_objects`]).
fn with_written(objects: &[String], gateway: &dyn super::Gateway) -> Vec<String> {
    let mut all = objects.to_vec();
    for o in super::judge::written_objects(&gateway.exchanges()) {
        if !all.iter().any(|x| x.eq_ignore_ascii_case(&o)) {
            all.push(o);
        }
    }
    all
}

/// The longest wait for the org to finish what a run left it doing (see [`settle`]).
const SETTLE_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Waits until the org has finished the work a run left it (a Bulk API job still processing
/// when `./run` ended), at most [`SETTLE_LIMIT`]: a real org finishes it all the same, so the
/// org is judged as it will be, and a client that did not wait is judged on its polling, not on
/// records that were still coming.
async fn settle(org: &dyn super::parts::OrgHandle) {
    let start = std::time::Instant::now();
    while org.busy() && start.elapsed() < SETTLE_LIMIT {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn redact_run(mut run: LearnerRun, redactor: &Redactor) -> LearnerRun {
    for out in [&mut run.stdout, &mut run.stderr] {
        out.text = redactor.text(&out.text);
        out.whole = out.whole.as_deref().map(|w| redactor.text(w));
    }
    run.output = super::interleave::redacted(std::mem::take(&mut run.output), redactor);
    run.notes = run.notes.iter().map(|n| redactor.text(n)).collect();
    run.leftovers = run.leftovers.iter().map(|n| redactor.text(n)).collect();
    run
}

/// When sflab began stopping `run`: at its time limit when it timed out, else when its
/// program ended (its process group is killed then); `None` when it never started.
fn stop_moment(run: &LearnerRun, timeout: Duration) -> Option<chrono::DateTime<Utc>> {
    let ran = if run.timed_out {
        timeout
    } else {
        Duration::from_millis(run.duration_ms)
    };
    Some(run.started_at? + chrono::Duration::from_std(ran).ok()?)
}

/// A run as it is shown and stored: without the whole of a long stream, which is held only
/// for judging ([`crate::evidence::CapturedOutput::whole`]).
fn shown(run: &LearnerRun) -> LearnerRun {
    let mut run = run.clone();
    run.stdout.whole = None;
    run.stderr.whole = None;
    run
}

/// A verdict carries the check's points: all when it passed, none when it failed.
pub(crate) fn with_points(mut v: Verdict, points: u32) -> Verdict {
    match v.status {
        VerdictStatus::Pass => {
            v.points_awarded = points;
            v.points_possible = points;
        }
        VerdictStatus::Fail => {
            v.points_awarded = 0;
            v.points_possible = points;
        }
        VerdictStatus::NotApplicable { .. } => {
            v.points_awarded = 0;
            v.points_possible = 0;
        }
    }
    v
}

/// Runs one attempt at `lab` and judges it.
pub async fn run_lab(lab: &LabSpec, options: &RunOptions) -> Result<Report, RunError> {
    let started_at = Utc::now();
    let clock = Instant::now();
    // A missing tool is said on the runs, not refused: `./run` may be written without it
    // (see `super::tools`).
    let missing = missing_tools(&lab.tools, std::env::var_os("PATH").as_deref());
    let backend = options.org.backend();
    let allowed = lab.backends.iter().any(|b| {
        matches!(
            (b, backend),
            (crate::lab::Backend::Mock, crate::evidence::Backend::Mock)
                | (
                    crate::lab::Backend::Sandbox,
                    crate::evidence::Backend::Sandbox
                )
        )
    });
    if !allowed {
        return Err(RunError::NotOnBackend(format!(
            "lab {:?} runs on {} only, not on the {} backend (`sflab lab show {}` says where each lab runs)",
            lab.id,
            crate::lab::spec::where_it_runs(&lab.backends),
            backend.label(),
            lab.id
        )));
    }
    for (i, check) in lab.checks.iter().enumerate() {
        options
            .judge
            .validate(check)
            .map_err(|reason| RunError::BadCheck {
                index: i + 1,
                rule: check.rule.clone(),
                reason,
            })?;
    }
    let ws = &options.workspace;
    let dir = options
        .lab_dir
        .clone()
        .unwrap_or_else(|| ws.lab_dir(&lab.id));
    if !dir.is_dir() {
        return Err(RunError::NotStarted {
            lab: lab.id.clone(),
            dir,
        });
    }
    // Read before the runs, which may fill the folder: what the program brings with it.
    let left_out_note = crate::grade::run_needs::left_out_folders_note(&dir);
    let redactor = Redactor::new(&redaction_key(ws)?);
    super::lab_files::clear_fresh(&dir, &lab.run.fresh).map_err(|e| {
        RunError::Workspace(std::io::Error::new(
            e.kind(),
            format!(
                "could not empty {} before the check (each check starts afresh): {e}",
                lab.run.fresh.join(", ")
            ),
        ))
    })?;
    let renumbering =
        super::shuffled_rows::shuffle_inputs(&dir, &lab.run.shuffle_rows).map_err(|e| {
            RunError::Workspace(std::io::Error::other(format!("before the check: {e}")))
        })?;
    // A record the org is seeded with for a row keeps naming it after the renumbering.
    let renumbered;
    let lab = match super::shuffled_rows::renumber_seed(&lab.org, &renumbering) {
        Some(org) => {
            renumbered = LabSpec { org, ..lab.clone() };
            &renumbered
        }
        None => lab,
    };

    // Each attempt hands out secrets of its own (see `super::fresh_secrets`); the lab's own
    // values stay known secrets, so one typed into a file is still named.
    let refreshed;
    let lab = match options.org.backend() {
        crate::evidence::Backend::Mock => {
            for (kind, value) in handed_secrets(lab) {
                redactor.add_secret(kind, &value);
            }
            match super::fresh_secrets::with_fresh_secrets(lab, || {
                crate::org::auth::config::random_hex(12).to_ascii_lowercase()
            }) {
                Some(fresh) => {
                    refreshed = fresh;
                    &refreshed
                }
                None => lab,
            }
        }
        _ => lab,
    };
    let mut extra_env = lab.run.env.clone();
    // Where sflab's development setup keeps extra client tools (a Python venv with grpcio and
    // avro for the Pub/Sub labs); passed on so a lab's `./run` can prefer them.
    if let Some(tools) = std::env::var_os("SFLAB_TOOLS").filter(|t| !t.is_empty()) {
        extra_env
            .entry("SFLAB_TOOLS".into())
            .or_insert_with(|| tools.to_string_lossy().into_owned());
    }
    let keyed;
    let lab = if lab.run.jwt_key {
        let (with_key, key_file) = with_workspace_key(lab, &ws.root).map_err(RunError::Backend)?;
        extra_env.insert("SF_JWT_KEY_FILE".into(), key_file.display().to_string());
        keyed = with_key;
        &keyed
    } else {
        lab
    };
    for (kind, value) in handed_secrets(lab) {
        redactor.add_secret(kind, &value);
    }
    let org = options.org.prepare(lab).await.map_err(RunError::Backend)?;
    for (kind, value) in org
        .withheld_secrets()
        .into_iter()
        .filter(|_| std::env::var("X_NOW").is_err())
    {
        redactor.add_secret(kind, &value);
    }
    // The learner's service gets a free port of its own, and the org forwards the address
    // the lab's Named Credential names to it: attempts of the lab can run side by side.
    let served;
    let lab = match lab.actions.service_port.zip(free_local_port()) {
        Some((declared, actual)) if org.forward_service_port(declared, actual) => {
            let mut with_port = lab.clone();
            with_port.actions.service_port = Some(actual);
            served = with_port;
            &served
        }
        _ => lab,
    };
    if let Some(port) = lab.actions.service_port {
        extra_env.insert("SERVICE_PORT".into(), port.to_string());
    }
    let mut creds = org.credentials();
    let mut handed = learn_credentials(&redactor, &creds);
    let expiries = super::run_token::ExpiryWatch::new();
    // The learner's files may hold secrets of their own (a password written into a script):
    // learnt before the runs, so a run that prints one has it masked in its stored output
    // too. The folder is read again after the runs, for the rules.
    let before_runs = read_lab_files(&dir, &redactor);
    let setup = GatewaySetup {
        upstream_url: org.upstream_url(),
        faults: lab.faults.clone(),
        redactor: redactor.clone(),
        tls: options.tls,
        workspace_root: ws.root.clone(),
        expire_session: org.session_expirer().map(|e| expiries.watching(e)),
        sign_id_token: org.id_token_signer(),
        events: options.events.clone(),
    };
    let gateway = match options.gateway.start(setup).await {
        Ok(g) => g,
        Err(e) => {
            org.shutdown().await;
            return Err(RunError::Proxy(e));
        }
    };
    org.set_public_url(&gateway.url());
    // The handed token's nonce, for `oauth.replayed_id_token_refused`.
    let mut replayed_id_token_nonce = None;
    if let (true, Some(app)) = (lab.run.replayed_id_token, lab.run.app.as_deref()) {
        let Some(token) = org.replayed_id_token(app) else {
            gateway.shutdown().await;
            org.shutdown().await;
            return Err(RunError::Backend(format!(
                "lab {:?} asks for `run.replayed_id_token`, but this org cannot mint an ID token \
                 for app {app:?}",
                lab.id
            )));
        };
        redactor.add_secret("id_token", &token);
        replayed_id_token_nonce = crate::org::auth::jwt::decode(&token)
            .ok()
            .and_then(|t| Some(t.claims.get("nonce")?.as_str()?.to_string()));
        extra_env.insert("SF_REPLAYED_ID_TOKEN".into(), token);
    }
    emit(
        &options.events,
        RunEvent::Prepared {
            proxy_url: gateway.url(),
        },
    );
    match start_pubsub(org.as_ref(), options.tls, &ws.root).await {
        Ok(endpoint) => {
            super::env::add_org_services(&mut extra_env, endpoint, org.org_id());
        }
        Err(e) => {
            gateway.shutdown().await;
            org.shutdown().await;
            return Err(RunError::Backend(e));
        }
    }
    let objects = options.judge.snapshot_objects(lab);
    let mut snapshots = Snapshots {
        after_setup: Some(org.snapshot(&objects)),
        after_runs: Vec::new(),
    };
    let env = lab_environment(
        &gateway.url(),
        gateway.ca_bundle().as_deref(),
        &creds,
        lab.run.access_token,
        &extra_env,
    );
    let mut spec = ProcessSpec {
        dir: dir.clone(),
        env,
        remove_env: REMOVED.iter().map(|s| s.to_string()).collect(),
        timeout: options.timeout.unwrap_or(lab.run.timeout),
        output_cap: options.output_cap,
        clean_env: options.clean_env,
        scan_past_cap: Some(redactor.clone()),
    };
    let times = usize::try_from(lab.run.times.max(1)).unwrap_or(1);
    let mut runs = Vec::new();
    let mut actions = Vec::new();
    let mut failure = None;
    let mut scenario_actions = Vec::new();
    let steps = if lab.run.scenario.is_empty() {
        Vec::new()
    } else {
        crate::lab::scenario::plan(&lab.run.scenario).map_err(|problems| {
            RunError::Backend(format!(
                "the lab's run.scenario cannot be used: {}",
                problems
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        })?
    };
    if !steps.is_empty() {
        let of = 1 + steps
            .iter()
            .filter(|s| matches!(s, crate::lab::scenario::Step::Start))
            .count();
        let on_start = |index: usize| {
            gateway.begin_run(index);
            emit(&options.events, RunEvent::RunStarted { index, of });
        };
        match run_scenario(&steps, &spec, org.as_ref(), &on_start).await {
            Ok(outcome) => {
                for run in outcome.runs {
                    let run = redact_run(run, &redactor);
                    emit(
                        &options.events,
                        RunEvent::RunFinished(Box::new(shown(&run))),
                    );
                    runs.push(run);
                    settle(org.as_ref()).await;
                    snapshots
                        .after_runs
                        .push(org.snapshot(&with_written(&objects, gateway.as_ref())));
                }
                scenario_actions = outcome.actions;
            }
            Err(e) => failure = Some(e),
        }
    }
    // Given back (the learner's edits during the check) when dropped, on every way out.
    let mut between_runs = super::lab_inputs::FolderBetweenRuns::new(&dir);
    for index in (0..times).filter(|_| steps.is_empty()) {
        // Each run finds the folder as the first did, so it cannot tell which run it is.
        if lab.run.restore_between_runs && times > 1 {
            if let Err(e) = between_runs.before_run() {
                gateway.shutdown().await;
                org.shutdown().await;
                return Err(RunError::Workspace(e));
            }
        }
        // A fault of the run before expired the token handed over: this run gets a new one.
        let reissued = (expiries.take() && lab.run.access_token)
            .then(|| org.reissue_access_token(creds.access_token.as_deref()?))
            .flatten();
        let renewed = reissued.is_some();
        if let Some(token) = reissued {
            let fresh = super::LabCredentials {
                access_token: Some(token.clone()),
                ..Default::default()
            };
            handed.extend(learn_credentials(&redactor, &fresh));
            super::run_token::hand_over(&mut spec.env, &token);
            creds.access_token = Some(token);
        }
        gateway.begin_run(index);
        emit(&options.events, RunEvent::RunStarted { index, of: times });
        match run_once(&spec, index, org.as_ref(), lab).await {
            Ok((mut run, outcomes)) => {
                if renewed {
                    run.notes.push(super::run_token::REISSUED_NOTE.to_string());
                }
                actions.extend(outcomes.into_iter().map(|mut o| {
                    o.detail = redactor.text(&o.detail);
                    o
                }));
                let run = redact_run(run, &redactor);
                emit(
                    &options.events,
                    RunEvent::RunFinished(Box::new(shown(&run))),
                );
                runs.push(run);
                settle(org.as_ref()).await;
                snapshots
                    .after_runs
                    .push(org.snapshot(&with_written(&objects, gateway.as_ref())));
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    for run in &mut runs {
        let notes = missing_tool_notes(&missing, run);
        run.notes.splice(0..0, notes);
    }
    // Said on the first run, where the CLI and the classroom both show it: a check that
    // passes with a folder grading leaves out says so before a grade disagrees.
    if let (Some(note), Some(first)) = (left_out_note, runs.first_mut()) {
        first.notes.push(note);
    }
    let exchanges = gateway.exchanges();
    // A handshake cut when sflab stopped the run (its time limit, or the group killed after
    // the program exited) is not the client's doing: it earns no CA advice.
    let stopped_at = |index: usize| {
        let run = runs.iter().find(|r| r.index == index)?;
        stop_moment(run, spec.timeout)
    };
    let handshake_notes = gateway.handshakes().notes(stopped_at);
    for (index, message) in handshake_notes {
        if let Some(run) = runs.iter_mut().find(|r| r.index == index) {
            if !run.notes.contains(&message) {
                run.notes.push(redactor.text(&message));
            }
        }
    }
    let auth_log = org.auth_log();
    let (callouts, setup) = org.outbound();
    let outbound = OutboundEvidence {
        actions,
        callouts: callouts
            .into_iter()
            .map(|mut c| {
                c.error = c.error.map(|e| redactor.text(&e));
                c
            })
            .collect(),
        setup,
    };
    let mut events = org.event_activity();
    events.scenario = scenario_actions;
    gateway.shutdown().await;
    if let Some(e) = failure {
        org.shutdown().await;
        return Err(e.into());
    }

    let lab_files = read_lab_files_after_runs(&dir, &redactor, &before_runs);
    let left_as_before = lab_files.left_as(&before_runs);
    let mut written_outside =
        super::lab_files::read_written_outside(&ws.root, &dir, &redactor, &before_runs);
    // The temporary and home folders too, for this attempt's own secrets (not the lab's fixed
    // ones, which an attempt beside this one holds as well).
    let fixed: Vec<String> = handed_secrets(lab)
        .iter()
        .map(|(_, value)| redactor.fingerprint(value))
        .collect();
    let elsewhere = super::lab_files::read_written_elsewhere(
        &super::lab_files::places_elsewhere(),
        &[ws.root.as_path(), dir.as_path()],
        &redactor,
        &before_runs,
        &fixed,
    );
    written_outside.extend(elsewhere.files);
    // Judged on what the runs ran; what the later runs did not see is given back now.
    let kept_changes = match between_runs.give_back() {
        Ok(kept) => kept,
        Err(e) => {
            org.shutdown().await;
            return Err(RunError::Workspace(std::io::Error::other(e)));
        }
    };
    if let (Some(note), Some(last)) = (
        super::lab_inputs::kept_changes_note(&kept_changes),
        runs.last_mut(),
    ) {
        last.notes.push(note);
    }
    let evidence = Evidence {
        lab_id: lab.id.clone(),
        backend: options.org.backend(),
        runs,
        exchanges,
        snapshots,
        auth_log,
        sources: lab_files.sources,
        secret_files: lab_files.secret_files,
        written_outside,
        looked_elsewhere: elsewhere.looked,
        too_large: lab_files.too_large,
        unread: lab_files.unread,
        left_as_before,
        events,
        secrets: redactor.known_secrets(),
        handed,
        lab_env: lab.run.env.keys().cloned().collect(),
        outbound,
        replayed_id_token_nonce,
    };
    // Judged while the org still holds the final state, for the SOQL checks.
    let soql = org.soql();
    let meant_to_fail = super::judge::runs_meant_to_fail(&lab.checks);
    let lacked = super::tools::first_run_lacking(&missing, &evidence.runs);
    let verdicts: Vec<Verdict> = lab
        .checks
        .iter()
        .map(|c| {
            let v = options
                .judge
                .judge(c, &evidence, soql.as_deref().map(|s| s as _));
            let v = super::judge::after_timeouts(v, &evidence.runs);
            let v = super::tools::after_lacked_tools(v, lacked.as_ref());
            with_points(
                super::judge::after_no_work(v, &evidence, c, &meant_to_fail),
                c.points,
            )
        })
        .collect();
    drop(soql);
    let org_label = org.org_label();
    org.shutdown().await;
    emit(&options.events, RunEvent::Verdicts(verdicts.clone()));
    let mut report = Report::new(
        &lab.id,
        evidence.backend.label(),
        verdicts,
        evidence.exchanges,
        evidence.runs.iter().map(shown).collect(),
        started_at,
        clock.elapsed(),
    );
    report.org = org_label;
    report.kept_changes = kept_changes;
    if options.record {
        // The program has run (on a sandbox, with real effects): its verdicts are shown even
        // when they cannot be kept.
        if let Err(e) = record(ws, &report) {
            let said = e.to_string();
            let said = said.trim_end_matches('.');
            // Advice that fits the cause: a lock, space or permissions, or none when said.
            let advice = e.not_saved_advice().map(|a| format!(" {a}"));
            report.not_saved = Some(format!(
                "this attempt could not be saved to {}: {said}.{}",
                ws.progress_db().display(),
                advice.unwrap_or_default()
            ));
        }
    }
    Ok(report)
}

/// Starts the org's Pub/Sub API for the learner (TLS with the workspace CA unless the attempt
/// is plain HTTP); its `host:port`, or `None` where the org offers none.
async fn start_pubsub(
    org: &dyn super::parts::OrgHandle,
    tls: bool,
    root: &Path,
) -> Result<Option<String>, String> {
    let config = if tls {
        let ca = crate::org::tls::LocalCa::load_or_create(root).map_err(|e| e.to_string())?;
        Some(ca.server_config().map_err(|e| e.to_string())?)
    } else {
        None
    };
    org.start_pubsub(config)
        .await
        .map_err(|e| format!("the Pub/Sub API could not start: {e}"))
}

/// Stores a report as an attempt in the workspace's progress database.
pub fn record(ws: &Workspace, report: &Report) -> Result<i64, ProgressError> {
    let mut store = Store::open(&ws.progress_db())?;
    let attempt = NewAttempt {
        lab: &report.lab,
        started_at: report.started_at,
        duration_ms: u64::try_from(report.duration.as_millis()).unwrap_or(u64::MAX),
        passed: report.passed,
        points: report.points,
        max_points: report.max_points,
        backend: &report.backend,
        org: report.org.as_deref(),
        error: None,
        verdicts: &report.verdicts,
        exchanges: &report.exchanges,
        runs: &report.runs,
    };
    // The lab folder as this attempt left it: `sflab report` compares it with the folder now.
    let folder = crate::progress::fingerprint::of_folder(&ws.lab_dir(&report.lab));
    store.record_attempt_of_folder(&attempt, folder.as_deref())
}

/// A port of 127.0.0.1 nothing listens on just now.
fn free_local_port() -> Option<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).ok()?;
    listener.local_addr().ok().map(|a| a.port())
}

#[cfg(test)]
mod tests {
    use super::{handed_secrets, stop_moment};
    use crate::evidence::LearnerRun;
    use std::time::Duration;

    #[test]
    fn a_timed_out_run_was_stopped_at_its_time_limit_and_another_when_it_ended() {
        let started = chrono::Utc::now();
        let mut run = LearnerRun {
            started_at: Some(started),
            duration_ms: 30_007,
            timed_out: true,
            ..LearnerRun::default()
        };
        let limit = Duration::from_secs(30);
        assert_eq!(
            stop_moment(&run, limit),
            Some(started + chrono::Duration::seconds(30))
        );
        run.timed_out = false;
        run.duration_ms = 1_500;
        assert_eq!(
            stop_moment(&run, limit),
            Some(started + chrono::Duration::milliseconds(1_500))
        );
        run.started_at = None;
        assert_eq!(stop_moment(&run, limit), None);
    }

    #[test]
    fn lab_variables_named_like_secrets_and_fixed_app_secrets_are_handed_secrets() {
        let lab = crate::lab::spec::parse(
            "lab.yaml",
            "id: x\ntitle: X\nlevel: L1\nlesson: L1-basics/rest\n\
             org:\n  apps:\n    - { name: legacy, consumer_secret: legacy-secret-2f8c, flows: [client_credentials] }\n    - { name: eca, flows: [client_credentials] }\n\
             run:\n  env: { ERP_CLIENT_SECRET: erp-demo-secret, WEATHER_API_KEY: wx-demo-key, courier_password: pw-courier, VENDOR_TOKEN: vt-123, ERP_CLIENT_ID: sflab-erp, COURIER_USERNAME: courier, SERVICE_PORT: \"8080\", KEYBOARD_LAYOUT: us }\n",
        )
        .unwrap();
        let mut handed = handed_secrets(&lab);
        handed.sort();
        assert_eq!(
            handed,
            [
                ("client_secret", "legacy-secret-2f8c".to_string()),
                ("lab_secret", "erp-demo-secret".to_string()),
                ("lab_secret", "pw-courier".to_string()),
                ("lab_secret", "vt-123".to_string()),
                ("lab_secret", "wx-demo-key".to_string()),
            ]
        );
    }
}
