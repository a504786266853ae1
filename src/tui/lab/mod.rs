//! The lab view's state: one open lab with its tabs (Brief, Results, Traffic, Org, Console),
//! what the lab driver reported about it ([`LabEvent`]) and what the view asks the driver to
//! do ([`LabCommand`]).
//!
//! Pure: nothing here touches the disk, the network or the terminal. The driver
//! ([`driver`]) does the work on background threads and only notifies the screen through
//! the event channel; [`keys`] turns keys into state changes and commands.

mod actions;
pub mod backend;
pub mod brief;
pub mod brief_text;
pub mod console;
pub mod driver;
pub mod follow;
pub mod keys;
mod messages;
mod orgs;
pub mod output;
pub mod pretty_xml;
pub mod saves;

use crate::evidence::{Exchange, LearnerRun, OrgSnapshot};
use crate::lab::LabSpec;
use crate::markdown::Layout;
pub use actions::{back_from_editor_notice, har_notice, hint_order, reset_notice};
pub use console::{ConsoleField, ConsoleReply, ConsoleState};
pub use messages::{run_error_text, LabCommand, LabEvent, OrgSource, Outcome, RunUpdate};
use std::path::PathBuf;
use std::sync::Arc;

/// The tabs across the lab view, in the order the digit keys 1–5 pick them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabTab {
    Brief,
    Results,
    Traffic,
    Org,
    Console,
}

impl LabTab {
    pub const ALL: [LabTab; 5] = [
        LabTab::Brief,
        LabTab::Results,
        LabTab::Traffic,
        LabTab::Org,
        LabTab::Console,
    ];

    pub fn label(self) -> &'static str {
        match self {
            LabTab::Brief => "Brief",
            LabTab::Results => "Results",
            LabTab::Traffic => "Traffic",
            LabTab::Org => "Org",
            LabTab::Console => "Console",
        }
    }
}

/// What the detail pane over a tab shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// Request and response of the exchange with this sequence number.
    Exchange(u64),
    /// The diff of the verdict at this index of the outcome.
    Diff(usize),
    Text {
        title: String,
        text: String,
    },
    /// Every run's whole stdout and stderr (`o`), as the runs are now: a run finishing while
    /// it is open shows in it.
    Output,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    Idle,
    Preparing,
    Running { index: usize, of: usize },
}

/// How far each scrolling area of the lab view can scroll, as its last drawing found (the
/// key handlers stop there, so scrolling never runs past the end). `usize::MAX` until drawn.
#[derive(Debug, Clone)]
pub struct ScrollLimits {
    pub brief: std::cell::Cell<usize>,
    /// The rows the Brief's section headings start on, as last drawn.
    pub brief_headings: std::cell::RefCell<Vec<usize>>,
    /// The Brief's lines as last drawn (`/` finds text there).
    pub brief_lines: std::cell::RefCell<brief_text::BriefText>,
    pub detail: std::cell::Cell<usize>,
    pub reply: std::cell::Cell<usize>,
    pub results: std::cell::Cell<usize>,
    /// The Results tab's top row as last drawn (paging starts from there).
    pub results_top: std::cell::Cell<usize>,
    /// The rows the Results tab's verdicts showed as last drawn (fewer while a run goes, under
    /// its fixed line): a page there; 0 before it is drawn.
    pub results_rows: std::cell::Cell<usize>,
}

impl Default for ScrollLimits {
    fn default() -> ScrollLimits {
        ScrollLimits {
            brief: std::cell::Cell::new(usize::MAX),
            brief_headings: std::cell::RefCell::new(Vec::new()),
            brief_lines: std::cell::RefCell::new(brief_text::BriefText::default()),
            detail: std::cell::Cell::new(usize::MAX),
            reply: std::cell::Cell::new(usize::MAX),
            results: std::cell::Cell::new(usize::MAX),
            results_top: std::cell::Cell::new(0),
            results_rows: std::cell::Cell::new(0),
        }
    }
}

/// `scroll` moved by `delta` rows, between 0 and `limit` (a `scroll` past the end, such as
/// [`TO_THE_END`], counts as the end).
pub fn scrolled(scroll: usize, delta: isize, limit: usize) -> usize {
    let from = scroll.min(limit).min(isize::MAX as usize) as isize;
    let moved = from.saturating_add(delta).max(0) as usize;
    moved.min(limit)
}

/// A scroll position past any text: drawn (and moved from) as the last screenful.
pub const TO_THE_END: usize = usize::MAX;

/// The top row that shows the rows `span` — all of them when they fit in `height`, else
/// their start — moving as little as possible from `top`.
pub fn follow(top: usize, span: std::ops::Range<usize>, height: usize) -> usize {
    let height = height.max(1);
    if span.start < top {
        span.start
    } else if span.end > top + height {
        (span.end - height).min(span.start)
    } else {
        top
    }
}

/// One open lab.
#[derive(Debug, Clone)]
pub struct LabView {
    pub lab: String,
    pub spec: Result<LabSpec, String>,
    pub tab: LabTab,
    /// The goal laid out at the pane's width (set by the app on open and on resize).
    pub goal: Option<Arc<Layout>>,
    pub brief_scroll: usize,
    /// The last text searched for in the Brief (`n` and `N` find it again).
    pub brief_query: Option<String>,
    /// Which occurrence of `brief_query` n and N are on (0 = the first in the brief).
    pub brief_match: Option<usize>,
    pub dir: Option<PathBuf>,
    pub files: Vec<String>,
    pub hints: Vec<String>,
    pub run: RunState,
    pub proxy_url: Option<String>,
    pub watch: bool,
    /// Watch saw the learner save while this lab was not on screen: the checks run once it is
    /// shown and idle ([`LabView::rerun_saved_away`]), so the save is not lost.
    pub saved_while_away: bool,
    /// What the lab key that opened this lab from the tree asks (`r` runs it, `e` edits
    /// it…), carried out once the driver has opened it ([`LabView::owed_command`]).
    pub after_open: Option<LabCommand>,
    /// The last finished attempt in this session.
    pub outcome: Option<Outcome>,
    /// Why the last attempt could not be judged.
    pub error: Option<String>,
    /// Exchanges of the running (or last) attempt, in order.
    pub exchanges: Vec<Exchange>,
    /// The exchanges and runs kept are the attempt's before the last one, which could not
    /// start (Traffic says so).
    pub traffic_earlier: bool,
    pub runs: Vec<LearnerRun>,
    pub results_sel: usize,
    /// The Results tab's top row: where paging left it, or where following the selected
    /// rule starts from.
    pub results_scroll: usize,
    /// The Results tab keeps the selected rule in view (off after paging, on after moving).
    pub results_follow: bool,
    pub traffic_sel: usize,
    /// Only these exchanges are listed (the evidence of one verdict), with the rule's name.
    pub traffic_filter: Option<(String, Vec<u64>)>,
    pub detail: Option<Detail>,
    pub detail_scroll: usize,
    pub org: OrgBrowser,
    pub console: ConsoleState,
    /// `X` was pressed once; `y` confirms.
    pub confirm_reset: bool,
    /// The lab's files were reset to the starter since the attempt shown (its result stays:
    /// the progress store keeps it, and a restart shows it too).
    pub files_reset: bool,
    pub limits: ScrollLimits,
}

/// The Org tab: objects on the left, the selected object's records on the right.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgBrowser {
    pub snapshot: OrgSnapshot,
    pub source: Option<OrgSource>,
    pub object_sel: usize,
    pub record_sel: usize,
    /// Moving in the records (true) or the objects (false).
    pub in_records: bool,
    /// A run's org (live or as a run left it) has been shown in this session: without one, a
    /// last attempt from an earlier session has no records to show (they are not stored).
    pub run_seen: bool,
}

impl OrgBrowser {
    /// Shows `snapshot`, the records of the org `source` names, keeping the selection where
    /// it still points at something.
    pub fn show(&mut self, snapshot: OrgSnapshot, source: OrgSource) {
        self.snapshot = snapshot;
        self.source = Some(source);
        self.run_seen |= matches!(source, OrgSource::Live | OrgSource::AfterRun);
        let n = self.snapshot.objects.len();
        self.object_sel = self.object_sel.min(n.saturating_sub(1));
        let r = self.selected_records().len();
        self.record_sel = self.record_sel.min(r.saturating_sub(1));
    }

    /// Object names with their record counts, in name order.
    pub fn objects(&self) -> Vec<(&str, usize)> {
        self.snapshot
            .objects
            .iter()
            .map(|(k, v)| (k.as_str(), v.len()))
            .collect()
    }

    /// The selected record whole, one field a line with values uncut (nulls left out, as
    /// the tab leaves them out), for the detail pane: its title and its text; `None` when no
    /// record is selected.
    pub fn record_whole(&self) -> Option<(String, String)> {
        let (object, records) = self.snapshot.objects.iter().nth(self.object_sel)?;
        let record = records.get(self.record_sel)?.as_object()?;
        let key_w = record.keys().map(|k| k.chars().count()).max().unwrap_or(0);
        let mut text = String::new();
        for (k, v) in record.iter().filter(|(_, v)| !v.is_null()) {
            text.push_str(&format!("{k:<key_w$}  {}\n", field_value(v)));
        }
        let id = record.get("Id").map(field_value).unwrap_or_default();
        Some((format!("{object} {id}").trim_end().to_string(), text))
    }

    pub fn selected_records(&self) -> &[serde_json::Value] {
        self.snapshot
            .objects
            .values()
            .nth(self.object_sel)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// A record's field value as the Org tab shows it: text as it is, anything else as JSON.
pub fn field_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "null".into(),
        other => other.to_string(),
    }
}

impl LabView {
    /// A view of lab `lab` whose `lab.yaml` text is `yaml`.
    pub fn new(lab: &str, dir: &str, yaml: &str) -> LabView {
        let spec = crate::lab::spec::parse(&format!("{dir}/lab.yaml"), yaml).map_err(|e| {
            format!(
                "This lab's definition cannot be used: {e}. Report it to the curriculum's author."
            )
        });
        LabView {
            lab: lab.to_string(),
            spec,
            tab: LabTab::Brief,
            goal: None,
            brief_scroll: 0,
            brief_query: None,
            brief_match: None,
            dir: None,
            files: Vec::new(),
            hints: Vec::new(),
            run: RunState::Idle,
            proxy_url: None,
            watch: false,
            saved_while_away: false,
            after_open: None,
            outcome: None,
            error: None,
            exchanges: Vec::new(),
            runs: Vec::new(),
            results_sel: 0,
            results_scroll: 0,
            results_follow: true,
            traffic_sel: 0,
            traffic_filter: None,
            traffic_earlier: false,
            detail: None,
            detail_scroll: 0,
            limits: ScrollLimits::default(),
            org: OrgBrowser::default(),
            console: ConsoleState::default(),
            confirm_reset: false,
            files_reset: false,
        }
    }

    pub fn running(&self) -> bool {
        self.run != RunState::Idle
    }

    /// The exchanges the Traffic tab lists (all, or one verdict's evidence).
    pub fn listed_exchanges(&self) -> Vec<&Exchange> {
        match &self.traffic_filter {
            Some((_, seqs)) => self
                .exchanges
                .iter()
                .filter(|e| seqs.contains(&e.seq))
                .collect(),
            None => self.exchanges.iter().collect(),
        }
    }

    /// A finished run that sent no request through the proxy is on screen (and not an
    /// earlier attempt's traffic kept because the last could not start).
    pub fn ran_without_traffic(&self) -> bool {
        self.run == RunState::Idle
            && !self.runs.is_empty()
            && !self.traffic_earlier
            && self.exchanges.is_empty()
    }

    /// Whether the lab's checks look at the requests a run makes: not for a lab judged from
    /// its files and its program's exit alone (a design table, a review), whose run is not
    /// meant to call the org. The `secrets.*` checks every lab gets look for leaks, not calls.
    pub fn checks_need_calls(&self) -> bool {
        const WITHOUT_CALLS: &[&str] = &["process.exit_ok", "process.exit_refused"];
        self.spec.as_ref().is_ok_and(|s| {
            s.checks.iter().any(|c| {
                let rule = c.rule.as_str();
                !crate::runner::judge::FILE_RULES.contains(&rule)
                    && !WITHOUT_CALLS.contains(&rule)
                    && !rule.starts_with("secrets.")
            })
        })
    }

    /// Whether the org calls a service the learner's `./run` serves (`actions.service_port`):
    /// those calls go from the org to the service, not through the proxy the Traffic tab lists.
    pub fn org_calls_the_service(&self) -> bool {
        self.spec
            .as_ref()
            .is_ok_and(|s| s.actions.service_port.is_some())
    }

    pub fn exchange(&self, seq: u64) -> Option<&Exchange> {
        self.exchanges.iter().find(|e| e.seq == seq)
    }

    /// The rule the next hint is tied to: the selected rule when its hints are the ones to
    /// give (its row offers `H hint`), else the first of them — as `sflab hint` chooses
    /// ([`crate::lab::hint_rules`]): a rule not awarded only because nothing ran or no
    /// request was made is skipped while another rule really failed.
    pub fn failing_rule(&self) -> Option<String> {
        let o = self.outcome.as_ref()?;
        let rules = crate::lab::hint_rules(&o.verdicts);
        o.verdicts
            .get(self.results_sel)
            .filter(|v| v.failed() && rules.contains(&v.rule))
            .map(|v| v.rule.clone())
            .or_else(|| rules.into_iter().next())
    }

    /// The environment the learner's code receives, secrets masked. Values only known once a
    /// run starts (the proxy's port, the credentials the org issues) are described instead;
    /// the proxy's address is given while a run goes on, and only then.
    pub fn environment(&self) -> Vec<(String, String)> {
        let Ok(spec) = &self.spec else {
            return Vec::new();
        };
        let url = self
            .proxy_url
            .clone()
            .unwrap_or_else(|| "https://127.0.0.1:‹port chosen at each run›".into());
        let given = |s: &str| Some(s.to_string());
        let creds = crate::runner::LabCredentials {
            client_id: spec
                .run
                .app
                .as_ref()
                .map(|a| format!("‹consumer key of app {a}›")),
            client_secret: spec.run.app.as_ref().and(given("secret")),
            username: given("‹the integration user›"),
            access_token: spec.run.access_token.then(|| "token".to_string()),
            refresh_token: spec.run.refresh_token.then(|| "token".to_string()),
        };
        // What the runner adds to the lab's own variables (`runner::attempt`), as
        // placeholders: the mock org serves Pub/Sub beside REST at every run, on a port of
        // its own.
        let mut extra = spec.run.env.clone();
        if spec.run.jwt_key {
            extra.insert(
                "SF_JWT_KEY_FILE".into(),
                "‹the workspace's private key, a PEM file›".into(),
            );
        }
        if spec.actions.service_port.is_some() {
            extra.insert(
                "SERVICE_PORT".into(),
                "‹a free port chosen at each run›".into(),
            );
        }
        if spec.run.replayed_id_token {
            extra
                .entry("SF_REPLAYED_ID_TOKEN".into())
                .or_insert_with(|| "‹an ID token the org signed›".into());
        }
        crate::runner::env::add_org_services(
            &mut extra,
            Some("127.0.0.1:‹port chosen at each run›".into()),
            Some("‹the org's id, 00D…›".into()),
        );
        let env =
            crate::runner::env::lab_environment(&url, None, &creds, spec.run.access_token, &extra);
        let mut env = crate::runner::env::masked(&env);
        env.retain(|(k, _)| k != "no_proxy");
        env.push((
            "SF_CA_BUNDLE …".into(),
            "the workspace CA (also in CURL_CA_BUNDLE, REQUESTS_CA_BUNDLE, SSL_CERT_FILE, NODE_EXTRA_CA_CERTS)"
                .into(),
        ));
        env
    }

    /// Takes in news from the driver. Returns a command when the news calls for one (a
    /// change in watch mode starts a run).
    /// The run owed to saves made while this lab was away, once it is on screen, watched and
    /// idle (called after each piece of news the view takes in on screen).
    /// What the view owes the driver after a piece of news: the command of the lab key that
    /// opened it, else the run owed to saves made while it was away.
    pub fn owed_command(&mut self) -> Option<LabCommand> {
        self.after_open.take().or_else(|| self.rerun_saved_away())
    }

    pub fn rerun_saved_away(&mut self) -> Option<LabCommand> {
        if !(self.saved_while_away && self.watch) || self.running() {
            return None;
        }
        self.saved_while_away = false;
        self.run = RunState::Preparing;
        Some(LabCommand::Run {
            lab: self.lab.clone(),
        })
    }

    pub fn apply(&mut self, event: LabEvent) -> Option<LabCommand> {
        match event {
            LabEvent::Files { dir, files, .. } => {
                self.dir = Some(dir);
                self.files = files;
            }
            LabEvent::Hints {
                hints, revealed, ..
            } => {
                self.hints = hints;
                // A hint just asked for is shown: the brief, at its end, where hints are.
                if revealed {
                    self.tab = LabTab::Brief;
                    self.brief_scroll = TO_THE_END;
                }
            }
            LabEvent::Run { update, .. } => self.apply_run(update),
            LabEvent::Finished {
                outcome,
                exchanges,
                runs,
                ..
            } => self.show_attempt(outcome, exchanges, runs),
            // The run in progress brings its own result; the stored one is older.
            LabEvent::LastAttempt { .. } if self.running() => {}
            LabEvent::LastAttempt {
                outcome,
                exchanges,
                runs,
                ..
            } => self.show_attempt(outcome, exchanges, runs),
            LabEvent::Org {
                snapshot, source, ..
            } => self.org.show(snapshot, source),
            LabEvent::Console { reply, .. } => {
                self.console.reply = Some(reply);
                self.console.reply_scroll = 0;
                self.console.waiting = false;
            }
            LabEvent::Changed { lab } => {
                if self.watch && !self.running() {
                    self.run = RunState::Preparing;
                    return Some(LabCommand::Run { lab });
                }
                // A save the watch reports while this view still shows a run going (its end
                // not yet taken in) is owed a run once that one is over, not dropped.
                self.saved_while_away |= self.watch;
            }
            LabEvent::Text { title, text, .. } => {
                self.detail = Some(Detail::Text { title, text });
                self.detail_scroll = 0;
            }
            LabEvent::BackFromEditor { .. } | LabEvent::Notice(_) | LabEvent::Reach { .. } => {}
        }
        None
    }

    /// Shows an attempt's outcome, traffic and output. A stored attempt shown on open leaves
    /// the brief in front; a run just finished brings its results forward.
    fn show_attempt(
        &mut self,
        outcome: Result<Outcome, String>,
        exchanges: Vec<Exchange>,
        runs: Vec<LearnerRun>,
    ) {
        let was_running = self.running();
        // A run that failed before its org and proxy were ready (no `Prepared`) leaves the
        // attempt before's exchanges listed.
        let never_started = matches!(self.run, RunState::Preparing);
        self.run = RunState::Idle;
        // The recording proxy lives only while a run goes on: once it is over, the Brief
        // describes the next run's port again instead of offering one that is now closed.
        self.proxy_url = None;
        self.files_reset = false;
        self.traffic_earlier = if !exchanges.is_empty() {
            false
        } else {
            let earlier = !self.exchanges.is_empty() || !self.runs.is_empty();
            outcome.is_err() && never_started && earlier
        };
        if !exchanges.is_empty() {
            self.exchanges = exchanges;
            self.traffic_sel = self.traffic_sel.min(self.exchanges.len() - 1);
        }
        if !runs.is_empty() {
            self.runs = runs;
        }
        match outcome {
            Ok(o) => {
                self.error = None;
                self.results_sel = o.verdicts.iter().position(|v| v.failed()).unwrap_or(0);
                self.results_scroll = 0;
                self.results_follow = true;
                self.outcome = Some(o);
            }
            Err(e) => self.error = Some(e),
        }
        if was_running && matches!(self.tab, LabTab::Brief) {
            self.tab = LabTab::Results;
        }
    }

    fn apply_run(&mut self, update: RunUpdate) {
        match update {
            RunUpdate::Prepared { proxy_url } => {
                self.files_reset = false;
                self.proxy_url = Some(proxy_url);
                self.exchanges.clear();
                self.traffic_earlier = false;
                self.runs.clear();
                self.traffic_filter = None;
                self.traffic_sel = 0;
            }
            RunUpdate::RunStarted { index, of } => self.run = RunState::Running { index, of },
            RunUpdate::Exchange(ex) => {
                let follow = self.traffic_sel + 1 >= self.exchanges.len();
                self.exchanges.push(*ex);
                if follow && self.traffic_filter.is_none() && self.detail.is_none() {
                    self.traffic_sel = self.exchanges.len() - 1;
                }
            }
            RunUpdate::RunFinished(run) => self.runs.push(*run),
        }
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
