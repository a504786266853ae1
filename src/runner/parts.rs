//! The three parts an attempt is assembled from, as the runner sees them: an org for the lab
//! ([`OrgProvider`]: the in-process mock org, or a sandbox), the recording proxy in front of it
//! ([`GatewayProvider`]), and the rule catalogue ([`Judge`]).
//!
//! The runner owns the order of things (prepare → proxy → runs → snapshots → evidence →
//! verdicts); these traits are where the org, proxy and rules modules plug in, and where tests
//! put small doubles to pin the runner's own behaviour.

use super::env::LabCredentials;
use super::org_actions::Performed;
use super::report::RunEvent;
use crate::evidence::{
    AuthDecision, Backend, CalloutSeen, CalloutSetup, EventActivity, Evidence, Exchange,
    OrgSnapshot,
};
use crate::lab::actions::LabAction;
use crate::lab::scenario::EventPick;
use crate::lab::{CheckSpec, LabSpec};
use crate::org::tls::TlsConfig;
use crate::proxy::{IdTokenSigner, SessionExpirer};
use crate::redact::Redactor;
use crate::rules::{SoqlEvaluator, Verdict};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Takes a snapshot of the named objects (see [`OrgHandle::live_snapshots`]).
pub type LiveSnapshots = Arc<dyn Fn(&[String]) -> OrgSnapshot + Send + Sync>;

/// A live org for one attempt.
///
/// A wrapper around another handle (the classroom's `tui::lab::orgs::LiveOrg`) must pass on
/// every method, those with a default too: a default answers "this org cannot", which turns
/// a lab's events, actions or callouts off.
pub trait OrgHandle: Send + Sync {
    /// Where the org listens; the proxy forwards here.
    fn upstream_url(&self) -> String;
    /// Which org this is, for the record of a sandbox attempt (see `Report::org`); None for
    /// the mock org, which every attempt makes afresh.
    fn org_label(&self) -> Option<String> {
        None
    }
    /// What the learner's code is given to connect.
    fn credentials(&self) -> LabCredentials;
    /// Secrets of the org's own login that the learner's code is not handed but may come to
    /// hold (a sandbox login's client secret and refresh token, which the learner made): the
    /// run's redactor learns them, so a program that prints or stores one has it masked.
    fn withheld_secrets(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// The records of the objects the lab names (`objects`), now.
    fn snapshot(&self, objects: &[String]) -> OrgSnapshot;
    /// A way to take [`OrgHandle::snapshot`]s from another thread while the code runs (the
    /// classroom's live Org tab); `None` where that would cost the learner (a sandbox's API
    /// calls), so the tab shows the org after the run.
    fn live_snapshots(&self) -> Option<LiveSnapshots> {
        None
    }
    /// The authorization server's decisions so far (empty where it is not visible).
    fn auth_log(&self) -> Vec<AuthDecision>;
    /// Expires a bearer token in the org (`None` where the org cannot be told).
    fn session_expirer(&self) -> Option<SessionExpirer>;
    /// A new access token in place of `handed`, the one [`OrgHandle::credentials`] gave, when
    /// it no longer holds (a `session_expired` fault of an earlier run expired it): the same
    /// user, app and scopes, valid from now. `None` while `handed` still holds, or where the
    /// org cannot issue one (a sandbox, whose proxy answers that fault itself and leaves the
    /// token good).
    fn reissue_access_token(&self, _handed: &str) -> Option<String> {
        None
    }
    /// Signs ID-token claims with the org's key, for the faults that re-claim an ID token
    /// (`None` where the org's key is out of reach).
    fn id_token_signer(&self) -> Option<IdTokenSigner> {
        None
    }
    /// Runs the lab's SOQL checks against the org's final state (`None` where it cannot).
    fn soql(&self) -> Option<Arc<dyn SoqlEvaluator + Send + Sync>>;
    /// Approves, as the lab's integration user, every device login pending for at least
    /// `min_age` (the lab's `run.approve_device_after`); how many were approved. Orgs that
    /// cannot be told do nothing.
    fn approve_pending_devices(&self, _min_age: std::time::Duration) -> usize {
        0
    }
    /// Performs one of the lab's org-side `actions:`, reading files from `lab_dir`. Orgs that
    /// cannot be told refuse with a message.
    fn perform_action<'a>(
        &'a self,
        action: &'a LabAction,
        _lab_dir: &'a Path,
    ) -> BoxFuture<'a, Performed> {
        Box::pin(async move {
            Performed::failed(format!(
                "the {} action cannot be performed on this backend: it needs the mock org",
                action.kind()
            ))
        })
    }
    /// The org's callout log and deployed callout setup (empty where they are not visible).
    fn outbound(&self) -> (Vec<CalloutSeen>, CalloutSetup) {
        Default::default()
    }
    /// An ID token the org signed for the seed's app `app` in an earlier login (its own
    /// nonce), for labs that teach refusing a replayed ID token (`run.replayed_id_token`).
    /// `None` where the org cannot mint one.
    fn replayed_id_token(&self, _app: &str) -> Option<String> {
        None
    }
    /// Asks the org to send its callouts for `127.0.0.1:declared` (the address a lab's
    /// Named Credential names) to `127.0.0.1:actual`, where this attempt's learner service
    /// listens; false where the org cannot be told (the lab then uses `declared` itself).
    fn forward_service_port(&self, _declared: u16, _actual: u16) -> bool {
        false
    }
    /// Tells the org the address the learner's code reaches it at (the proxy), so what it
    /// signs — an ID token's `iss`, its discovery `issuer` — names that address, not its own.
    fn set_public_url(&self, _url: &str) {}
    /// Serves the org's Pub/Sub API (gRPC) for the learner's code, with `tls` when given;
    /// its `host:port` (`SF_PUBSUB_ENDPOINT`). `None` where the org has no endpoint to offer.
    fn start_pubsub(
        &self,
        _tls: Option<TlsConfig>,
    ) -> BoxFuture<'_, Result<Option<String>, String>> {
        Box::pin(async { Ok(None) })
    }
    /// The org id (Pub/Sub's `tenantid`, `SF_ORG_ID`), where known.
    fn org_id(&self) -> Option<String> {
        None
    }
    /// Publishes a platform event as sflab itself (a `run.scenario` step); its replay id.
    fn publish_event(&self, event: &str, _fields: &JsonMap) -> Result<u64, String> {
        Err(format!("this org cannot be told to publish {event}"))
    }
    /// Makes a record change as the lab's integration user (a `run.scenario` step); the id.
    fn change_record(&self, _change: &OrgChange) -> Result<String, String> {
        Err("this org cannot be told to change records".into())
    }
    /// Hands an already published event of `channel` to its subscribers once more; its
    /// replay id.
    fn redeliver(&self, channel: &str, _event: EventPick) -> Result<u64, String> {
        Err(format!("this org cannot redeliver events of {channel}"))
    }
    /// How far the event log has got (a mark to count from).
    fn event_mark(&self) -> EventMark {
        EventMark::default()
    }
    /// Subscriptions and deliveries since `mark`, of `channel` (or of every channel).
    fn events_since(&self, _mark: EventMark, _channel: Option<&str>) -> EventMark {
        EventMark::default()
    }
    /// The program that subscribed after `mark` was stopped: the org hands its subscribers
    /// nothing more (its connections are gone, even if the org has not noticed yet). Orgs
    /// that cannot be told do nothing.
    fn end_subscribers_since(&self, _mark: EventMark) {}
    /// The channels subscribed to since `mark`, each once, in the order first subscribed (for
    /// a run's note when it subscribed elsewhere than the scenario waited for).
    fn channels_since(&self, _mark: EventMark) -> Vec<String> {
        Vec::new()
    }
    /// What the bus saw (published, subscriptions, deliveries), for the `events.*` rules.
    fn event_activity(&self) -> EventActivity {
        EventActivity::default()
    }
    /// Whether the org is still working on something the learner started — a Bulk API job
    /// closed for processing — which a real org finishes whether or not the client waits.
    fn busy(&self) -> bool {
        false
    }
    /// Stops serving; the attempt is over.
    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()>;
}

/// A JSON object of field values.
pub type JsonMap = serde_json::Map<String, serde_json::Value>;

/// A record change with its record resolved to an id.
#[derive(Debug, Clone, PartialEq)]
pub enum OrgChange {
    Insert {
        object: String,
        fields: JsonMap,
    },
    Update {
        id: String,
        fields: JsonMap,
    },
    /// Several ids are deleted in one transaction.
    Delete {
        ids: Vec<String>,
    },
}

/// Counts of the event log's subscriptions and deliveries (a position, or a difference).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventMark {
    pub subscriptions: usize,
    pub deliveries: usize,
}

/// Stands up an org for a lab: seeded fresh for every attempt.
pub trait OrgProvider: Send + Sync {
    fn backend(&self) -> Backend;
    fn prepare<'a>(&'a self, lab: &'a LabSpec)
        -> BoxFuture<'a, Result<Box<dyn OrgHandle>, String>>;
}

/// What the proxy needs to start.
pub struct GatewaySetup {
    pub upstream_url: String,
    /// The lab's `faults:` as written.
    pub faults: Vec<serde_yaml::Value>,
    pub redactor: Redactor,
    /// Serve HTTPS with the workspace CA (the default), or plain HTTP.
    pub tls: bool,
    /// The workspace root (its `.sflab/ca/` holds the CA).
    pub workspace_root: PathBuf,
    /// Expires a bearer token in the org, for `session_expired` faults.
    pub expire_session: Option<SessionExpirer>,
    /// Signs ID tokens with the org's key, for the `id_token_wrong_*` faults.
    pub sign_id_token: Option<IdTokenSigner>,
    /// Where each recorded exchange is announced as it completes.
    pub events: Option<UnboundedSender<RunEvent>>,
}

/// The running proxy for one attempt.
pub trait Gateway: Send + Sync {
    /// The URL the learner's code is given (`https://127.0.0.1:<port>`).
    fn url(&self) -> String;
    /// The CA bundle clients must trust, when serving HTTPS.
    fn ca_bundle(&self) -> Option<PathBuf>;
    /// Requests from now on belong to learner run `index`.
    fn begin_run(&self, index: usize);
    /// Every exchange recorded so far, in order, redacted.
    fn exchanges(&self) -> Vec<Exchange>;
    /// The TLS handshakes served: how many completed in each run, and those that failed.
    fn handshakes(&self) -> crate::proxy::HandshakeLog {
        crate::proxy::HandshakeLog::default()
    }
    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()>;
}

pub trait GatewayProvider: Send + Sync {
    fn start(&self, setup: GatewaySetup) -> BoxFuture<'_, Result<Box<dyn Gateway>, String>>;
}

/// The rule catalogue: validates a check and judges the evidence with it.
pub trait Judge: Send + Sync {
    /// Why the check cannot be used (unknown rule, bad parameters), if it cannot.
    fn validate(&self, check: &CheckSpec) -> Result<(), String>;
    /// The verdict of one check; points are the check's. `soql` answers `state.soql` queries.
    fn judge(
        &self,
        check: &CheckSpec,
        evidence: &Evidence,
        soql: Option<&dyn SoqlEvaluator>,
    ) -> Verdict;
    /// The objects whose records the rules compare between snapshots.
    fn snapshot_objects(&self, lab: &LabSpec) -> Vec<String>;
}

/// The three parts together, as `RunOptions` takes them.
#[derive(Clone)]
pub struct Parts {
    pub org: std::sync::Arc<dyn OrgProvider>,
    pub gateway: std::sync::Arc<dyn GatewayProvider>,
    pub judge: std::sync::Arc<dyn Judge>,
}
