//! The facts one lab attempt produces, already redacted: what the rules judge and what is stored.
//!
//! An [`Evidence`] bundles the learner's process runs ([`LearnerRun`]), every HTTP exchange the
//! proxy recorded ([`Exchange`]), org snapshots after setup and after each run
//! ([`OrgSnapshot`]), the authorization server's decisions ([`AuthDecision`]), events published
//! and delivered, and the learner's source files ([`SourceFile`]). Nothing here holds a secret:
//! values are replaced by markers such as `‹redacted:access_token#a1b2c3d4›` before they reach
//! these types (see `crate::redact`), and the secrets known to the run are listed only by their
//! markers ([`KnownSecret`]).
//!
//! Everything is plain data with serde, so the progress store can keep it and `--json` can print
//! it.

mod exchange;
mod interleaved;
mod outbound;
mod snapshot;

pub use exchange::{Body, Exchange, FaultFired, Header, RecordedRequest, RecordedResponse};
pub use interleaved::{InterleavedOutput, OutputLine, OutputStream};
pub use outbound::{
    ActionOutcome, CalloutSeen, CalloutSetup, ExternalSeen, GrantSeen, NamedSeen, OutboundEvidence,
};
pub use snapshot::{OrgSnapshot, Snapshots};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which kind of org the learner's code talked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// The built-in mock org: its internals (auth log, snapshots, events) are visible.
    #[default]
    Mock,
    /// A real Salesforce sandbox: only the traffic and the learner's process are visible.
    Sandbox,
}

impl Backend {
    pub fn label(self) -> &'static str {
        match self {
            Backend::Mock => "mock",
            Backend::Sandbox => "sandbox",
        }
    }
}

/// Text a learner's process wrote, kept up to a cap.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedOutput {
    /// Redacted text (lossy UTF-8).
    pub text: String,
    /// True when the process wrote more than the cap and the rest was dropped.
    pub truncated: bool,
    /// Secrets found in what was dropped, scanned as it streamed past: `(kind, line)`,
    /// the kind as a redaction marker names it and the line counted in the whole stream.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets_after_cap: Vec<(String, usize)>,
    /// Bytes of the stream `text` leaves out (between its first part and its last).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub left_out: u64,
    /// What the checks read of a stream that went past the cap (redacted): the whole stream
    /// when it was not longer than sflab holds for judging, else its kept head, the first part
    /// past it that sflab holds and its kept tail; held while the attempt is judged, never
    /// stored or shown. See [`Self::judged_text`].
    #[serde(skip)]
    pub whole: Option<String>,
    /// Bytes of the stream `whole` leaves out (between the part held and the tail).
    #[serde(skip)]
    pub unread: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl CapturedOutput {
    /// What the checks on a program's output read: the whole stream when it was held, else
    /// the kept text.
    pub fn judged_text(&self) -> &str {
        self.whole.as_deref().unwrap_or(&self.text)
    }

    /// Bytes printed that the checks could not read: those `whole` leaves out when it was
    /// held, else those `text` leaves out.
    pub fn unjudged_bytes(&self) -> u64 {
        match self.whole {
            Some(_) => self.unread,
            None => self.left_out,
        }
    }
}

/// One execution of the learner's entry point (`./run`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LearnerRun {
    /// 0 for the first run of an attempt, 1 for the second (labs with `run.times: 2`), ...
    pub index: usize,
    pub started_at: Option<DateTime<Utc>>,
    pub duration_ms: u64,
    /// The exit code; `None` when the process was killed by a signal or never started.
    pub exit_code: Option<i32>,
    /// The signal that ended the process, on Unix.
    pub signal: Option<i32>,
    /// True when the run hit the lab's timeout and its process group was killed.
    pub timed_out: bool,
    pub stdout: CapturedOutput,
    pub stderr: CapturedOutput,
    /// Both, line by line in the order written (see [`InterleavedOutput`]).
    #[serde(default, skip_serializing_if = "InterleavedOutput::is_empty")]
    pub output: InterleavedOutput,
    /// What sflab noticed about the run beyond its output, e.g. HTTPS connections that failed
    /// before any request because the client did not trust the workspace CA.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// True when sflab ended the run on purpose (a service lab stops `./run` once the org's
    /// calls to it are done), so a signal is no crash.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stopped_by_lab: bool,
    /// When `./run` was not executable: what it was run with instead, from its `#!` line
    /// (`/usr/bin/env bash`), else `sh`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_with: Option<String>,
    /// Processes the run started that were still running after it and that sflab could not
    /// end (`pid 123 \`sleep 300\``); empty when everything it started was ended.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leftovers: Vec<String>,
}

impl LearnerRun {
    /// Exited by itself with code 0.
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out
    }
}

/// One decision of the mock org's authorization server (from its audit log).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthDecision {
    pub at: Option<DateTime<Utc>>,
    /// `grant_type` as sent, or the flow name (`authorization_code`, `client_credentials`,
    /// `refresh_token`, `urn:ietf:params:oauth:grant-type:jwt-bearer`, `password`, ...).
    pub grant: String,
    pub client_id: Option<String>,
    pub username: Option<String>,
    /// `S256`, `plain`, or `None` when no PKCE challenge was part of the flow.
    pub pkce_method: Option<String>,
    /// Whether the `code_verifier` matched the challenge; `None` when there was none to check.
    pub verifier_matched: Option<bool>,
    /// `issued` when tokens were handed out, otherwise `denied`.
    pub outcome: String,
    /// The OAuth `error` (and description) when denied.
    pub error: Option<String>,
}

impl AuthDecision {
    pub fn issued(&self) -> bool {
        self.outcome == "issued"
    }
}

/// One of the learner's files, redacted, for secret scanning.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// Relative to the lab folder.
    pub path: String,
    pub text: String,
}

/// A file in the lab folder, hidden or not, text or not, that holds a secret after the runs (a
/// saved token, a `.env`, a SQLite token store): where it is and who may read it. The secret
/// itself is not kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretFile {
    /// Relative to the lab folder.
    pub path: String,
    /// The file's permission bits (`0o600`); `None` where the system has none.
    pub mode: Option<u32>,
    /// The kinds of secret it holds (`refresh_token`, `client_secret`…), each once.
    pub kinds: Vec<String>,
    /// The markers of the secrets it holds, each once: which token a file keeps (the newest
    /// refresh token, or an old one), for `oauth.refresh_token_kept`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub markers: Vec<String>,
    /// The folder on the file's path that keeps everyone else out although the file's own
    /// mode would let them read it (`.cache (mode 0700)`): no one but the owner can open it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<String>,
}

/// A place outside the workspace that was looked in for files the runs wrote holding a
/// secret (`secrets.files_private`): what a verdict may say it checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceLooked {
    /// Shown as a learner knows it: `/tmp`, `~`, `~/.cache`.
    pub place: String,
    /// How many folders down it was looked into (0: its own files only).
    pub depth: usize,
    /// The look stopped before the end, at the number of entries or files it takes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cut_short: bool,
}

/// A secret the run knows about, held only by its marker (kind + keyed hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownSecret {
    /// What it is, e.g. `client_secret`, `access_token`, `private_key`.
    pub kind: String,
    /// The marker that replaces it everywhere, e.g. `‹redacted:client_secret#a1b2c3d4›`.
    pub marker: String,
}

/// Platform events / change events seen by the mock org, as JSON objects: `published`
/// (`replay_id`, `channel`, `event_name`, `uuid`, `via`, `at`), `subscriptions` (`subscriber`,
/// `channel`, `from`: -1 latest, -2 earliest or the stored replay id, `via`, `at`,
/// `requested`: the events a Pub/Sub stream asked for in all, null over CometD), `delivered`
/// (`replay_id`, `channel`, `subscriber`, `via`, `at`), `refused` (subscriptions the org
/// would not start: `channel`, `from`, `message`, `via`, `at`) and `scenario` (what the
/// runner did: `step`, `action`, `at` and the action's details, e.g. the redelivered
/// `replay_id`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Events {
    pub published: Vec<serde_json::Value>,
    pub delivered: Vec<serde_json::Value>,
    #[serde(default)]
    pub subscriptions: Vec<serde_json::Value>,
    #[serde(default)]
    pub refused: Vec<serde_json::Value>,
    #[serde(default)]
    pub scenario: Vec<serde_json::Value>,
}

/// The bus activity an org reports (the evidence's [`Events`]).
pub type EventActivity = Events;

/// Everything one attempt at a lab produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub lab_id: String,
    pub backend: Backend,
    pub runs: Vec<LearnerRun>,
    /// In the order the proxy received them (by `seq`).
    pub exchanges: Vec<Exchange>,
    pub snapshots: Snapshots,
    /// Empty on the sandbox backend.
    pub auth_log: Vec<AuthDecision>,
    pub sources: Vec<SourceFile>,
    /// The lab folder's files that hold a secret after the runs, hidden ones included.
    #[serde(default)]
    pub secret_files: Vec<SecretFile>,
    /// Files the runs wrote elsewhere in the workspace, outside the lab folder, holding one of
    /// the attempt's secrets; paths relative to the lab folder (`../token-cache.json`).
    #[serde(default)]
    pub written_outside: Vec<SecretFile>,
    /// The places outside the workspace looked in for such files (the temporary folders, the
    /// home folder), in the order looked; empty when none was (the program did not run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub looked_elsewhere: Vec<PlaceLooked>,
    /// Files of the lab folder left unread for their size (over 256 KiB): path and bytes.
    #[serde(default)]
    pub too_large: Vec<(String, u64)>,
    /// Visible files of the lab folder the runs left as they were (there before, same time of
    /// last change and size): what the program did not write this time.
    #[serde(default)]
    pub left_as_before: Vec<String>,
    /// Other visible files of the lab folder left unread, with why (not UTF-8 text; past the
    /// number of files sflab reads).
    #[serde(default)]
    pub unread: Vec<(String, String)>,
    pub events: Events,
    /// Every secret the redactor knew by the end (given, seen in traffic or in files).
    pub secrets: Vec<KnownSecret>,
    /// The credentials the runner handed the program (client secret, access and refresh
    /// token), by marker: what the org gave out before the program did anything.
    #[serde(default)]
    pub handed: Vec<KnownSecret>,
    /// The names of the variables the lab's `run.env` sets (`INVENTORY_API_KEY`…), values
    /// left out: what a program should read its secrets from.
    #[serde(default)]
    pub lab_env: Vec<String>,
    /// What the org did outbound (lab actions, callouts, callout setup); mock backend only.
    #[serde(default)]
    pub outbound: OutboundEvidence,
    /// The `nonce` claim of the ID token handed in `SF_REPLAYED_ID_TOKEN`
    /// (`run.replayed_id_token`): an earlier sign-in's, new for every attempt, which only a
    /// program that decoded the token can name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replayed_id_token_nonce: Option<String>,
}

impl Evidence {
    /// The exchange with sequence number `seq`.
    pub fn exchange(&self, seq: u64) -> Option<&Exchange> {
        self.exchanges.iter().find(|e| e.seq == seq)
    }

    /// The exchanges of one learner run.
    pub fn exchanges_of_run(&self, run_index: usize) -> impl Iterator<Item = &Exchange> {
        self.exchanges
            .iter()
            .filter(move |e| e.run_index == run_index)
    }
}
