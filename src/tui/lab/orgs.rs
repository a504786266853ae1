//! The lab's orgs as the lab view sees them: the run's org watched live (a wrapper around the
//! runner's org provider that snapshots the lab's objects while the code runs and once more
//! when the run ends), and the console's own org, seeded from the same `org:` section, that
//! the learner explores by hand.
//!
//! Implementation notes: the runner owns the run's org and shuts it down when judging is over,
//! so the live view goes through [`LiveOrgProvider`], which hands the runner a handle that
//! also lets a poller thread take snapshots. The console cannot use that org (it is gone after
//! the run), so it gets its own, kept for as long as the lab is open.

use super::console::{pretty_body, ConsoleReply};
use super::{LabEvent, OrgSource};
use crate::evidence::{
    AuthDecision, Backend, CalloutSeen, CalloutSetup, EventActivity, OrgSnapshot,
};
use crate::lab::scenario::EventPick;
use crate::lab::LabSpec;
use crate::org::rest::static_token::issue_static_token;
use crate::org::{Org, SnapshotOptions};
use crate::proxy::SessionExpirer;
use crate::rules::SoqlEvaluator;
use crate::runner::parts::BoxFuture;
use crate::runner::parts::{EventMark, JsonMap, OrgChange};
use crate::runner::{LabCredentials, OrgHandle, OrgProvider};
use crate::tui::Event;
use parking_lot::Mutex;
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the Org tab is refreshed while the learner's code runs.
const LIVE_EVERY: Duration = Duration::from_millis(300);

/// Wraps an org provider so the lab view sees the org while the code runs.
pub struct LiveOrgProvider {
    pub inner: Arc<dyn OrgProvider>,
    pub lab: String,
    pub events: Sender<Event>,
}

struct LiveOrg {
    inner: Box<dyn OrgHandle>,
    objects: Vec<String>,
    /// Set when the run has ended; held while a live snapshot is taken and sent, so none can
    /// follow the one taken when the run ends.
    ended: Arc<Mutex<bool>>,
    lab: String,
    events: Sender<Event>,
}

fn send_snapshot(events: &Sender<Event>, lab: &str, snapshot: OrgSnapshot, source: OrgSource) {
    let _ = events.send(Event::Lab(LabEvent::Org {
        lab: lab.to_string(),
        snapshot,
        source,
    }));
}

impl OrgProvider for LiveOrgProvider {
    fn backend(&self) -> Backend {
        self.inner.backend()
    }

    fn prepare<'a>(
        &'a self,
        lab: &'a LabSpec,
    ) -> BoxFuture<'a, Result<Box<dyn OrgHandle>, String>> {
        Box::pin(async move {
            let inner = self.inner.prepare(lab).await?;
            let objects = crate::runner::judge::snapshot_objects(lab);
            let ended = Arc::new(Mutex::new(false));
            if let Some(take) = inner.live_snapshots() {
                let (ended, events, id, names) = (
                    ended.clone(),
                    self.events.clone(),
                    self.lab.clone(),
                    objects.clone(),
                );
                std::thread::spawn(move || loop {
                    let ended = ended.lock();
                    if *ended {
                        break;
                    }
                    send_snapshot(&events, &id, take(&names), OrgSource::Live);
                    drop(ended);
                    std::thread::sleep(LIVE_EVERY);
                });
            }
            Ok(Box::new(LiveOrg {
                inner,
                objects,
                ended,
                lab: self.lab.clone(),
                events: self.events.clone(),
            }) as Box<dyn OrgHandle>)
        })
    }
}

/// The run's org, passed on method by method (every one: see [`OrgHandle`]); when the run
/// ends, the Org tab gets the org as the run left it.
impl OrgHandle for LiveOrg {
    fn upstream_url(&self) -> String {
        self.inner.upstream_url()
    }
    fn org_label(&self) -> Option<String> {
        self.inner.org_label()
    }
    fn credentials(&self) -> LabCredentials {
        self.inner.credentials()
    }
    fn withheld_secrets(&self) -> Vec<(&'static str, String)> {
        self.inner.withheld_secrets()
    }
    fn snapshot(&self, objects: &[String]) -> OrgSnapshot {
        self.inner.snapshot(objects)
    }
    fn live_snapshots(&self) -> Option<crate::runner::parts::LiveSnapshots> {
        self.inner.live_snapshots()
    }
    fn auth_log(&self) -> Vec<AuthDecision> {
        self.inner.auth_log()
    }
    fn session_expirer(&self) -> Option<SessionExpirer> {
        self.inner.session_expirer()
    }
    fn reissue_access_token(&self, handed: &str) -> Option<String> {
        self.inner.reissue_access_token(handed)
    }
    fn id_token_signer(&self) -> Option<crate::proxy::IdTokenSigner> {
        self.inner.id_token_signer()
    }
    fn soql(&self) -> Option<Arc<dyn SoqlEvaluator + Send + Sync>> {
        self.inner.soql()
    }
    fn approve_pending_devices(&self, min_age: Duration) -> usize {
        self.inner.approve_pending_devices(min_age)
    }
    fn perform_action<'a>(
        &'a self,
        action: &'a crate::lab::actions::LabAction,
        lab_dir: &'a std::path::Path,
    ) -> BoxFuture<'a, crate::runner::org_actions::Performed> {
        self.inner.perform_action(action, lab_dir)
    }
    fn outbound(&self) -> (Vec<CalloutSeen>, CalloutSetup) {
        self.inner.outbound()
    }
    fn replayed_id_token(&self, app: &str) -> Option<String> {
        self.inner.replayed_id_token(app)
    }
    fn forward_service_port(&self, declared: u16, actual: u16) -> bool {
        self.inner.forward_service_port(declared, actual)
    }
    fn set_public_url(&self, url: &str) {
        self.inner.set_public_url(url)
    }
    fn start_pubsub(
        &self,
        tls: Option<crate::org::tls::TlsConfig>,
    ) -> BoxFuture<'_, Result<Option<String>, String>> {
        self.inner.start_pubsub(tls)
    }
    fn org_id(&self) -> Option<String> {
        self.inner.org_id()
    }
    fn publish_event(&self, event: &str, fields: &JsonMap) -> Result<u64, String> {
        self.inner.publish_event(event, fields)
    }
    fn change_record(&self, change: &OrgChange) -> Result<String, String> {
        self.inner.change_record(change)
    }
    fn redeliver(&self, channel: &str, event: EventPick) -> Result<u64, String> {
        self.inner.redeliver(channel, event)
    }
    fn event_mark(&self) -> EventMark {
        self.inner.event_mark()
    }
    fn events_since(&self, mark: EventMark, channel: Option<&str>) -> EventMark {
        self.inner.events_since(mark, channel)
    }
    fn end_subscribers_since(&self, mark: EventMark) {
        self.inner.end_subscribers_since(mark)
    }
    fn channels_since(&self, mark: EventMark) -> Vec<String> {
        self.inner.channels_since(mark)
    }
    fn event_activity(&self) -> EventActivity {
        self.inner.event_activity()
    }
    fn busy(&self) -> bool {
        self.inner.busy()
    }
    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        let mut ended = self.ended.lock();
        *ended = true;
        send_snapshot(
            &self.events,
            &self.lab,
            self.inner.snapshot(&self.objects),
            OrgSource::AfterRun,
        );
        drop(ended);
        self.inner.shutdown()
    }
}

/// The console's org for one lab: seeded from the lab's `org:` section, with a session for
/// the integration user that every console request carries.
pub struct ConsoleOrg {
    org: Org,
    token: String,
    /// One HTTP surface for every request, so its API usage counts up as a real org's does.
    router: axum::Router,
}

impl ConsoleOrg {
    pub fn new(spec: &LabSpec) -> Result<ConsoleOrg, String> {
        let seed = crate::runner::mock::seed_of(spec)?;
        let org = Org::new(&seed).map_err(|e| format!("the lab's `org:` seed: {e}"))?;
        let login = issue_static_token(&org, Some("integration"))
            .or_else(|| issue_static_token(&org, None))
            .ok_or("the lab's org has no user to log in as")?;
        Ok(ConsoleOrg {
            router: crate::org::rest::router(org.clone()),
            org,
            token: login.token,
        })
    }

    /// Every object holding records, with its records (the Org tab's view of this org).
    pub fn snapshot(&self) -> OrgSnapshot {
        let store = self.org.store.read();
        let names: Vec<String> = store
            .schema()
            .objects()
            .iter()
            .map(|o| o.name.clone())
            .filter(|n| store.count(n) > 0)
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut out = OrgSnapshot::default();
        let Ok(snap) = store.snapshot(&refs, SnapshotOptions::default()) else {
            return out;
        };
        for (object, records) in snap.objects {
            let rows = records
                .into_iter()
                .map(|r| {
                    let mut m = serde_json::Map::new();
                    m.insert("Id".into(), r.id.into());
                    for (k, v) in r.fields {
                        let value =
                            serde_json::from_str(&v).unwrap_or(serde_json::Value::String(v));
                        m.insert(k, value);
                    }
                    serde_json::Value::Object(m)
                })
                .collect();
            out.objects.insert(object, rows);
        }
        out
    }

    /// Sends one request to the org (in process, as the integration user).
    pub async fn send(&self, method: &str, path: &str, body: &str) -> ConsoleReply {
        use tower::ServiceExt;
        let started = Instant::now();
        let mut reply = ConsoleReply {
            method: method.to_string(),
            path: path.to_string(),
            status: None,
            headers: Vec::new(),
            body: String::new(),
            ms: 0,
        };
        let mut builder = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1")
            .header("authorization", format!("Bearer {}", self.token));
        if !body.trim().is_empty() {
            builder = builder.header("content-type", "application/json");
        }
        let request = match builder.body(axum::body::Body::from(body.to_string())) {
            Ok(r) => r,
            Err(e) => {
                reply.body = format!(
                    "This request cannot be sent: {e}. Write the path as it follows the org's \
                     address, starting with /services/ (spaces and other characters a URL \
                     cannot carry are encoded for you), then send it again."
                );
                return reply;
            }
        };
        let response = match self.router.clone().oneshot(request).await {
            Ok(r) => r,
            Err(e) => {
                reply.body = format!("The org did not answer: {e}");
                return reply;
            }
        };
        reply.status = Some(response.status().as_u16());
        reply.headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("‹binary›").to_string()))
            .collect();
        let bytes = axum::body::to_bytes(response.into_body(), 4 * 1024 * 1024)
            .await
            .unwrap_or_default();
        reply.body = pretty_body(&String::from_utf8_lossy(&bytes));
        reply.ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        reply
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An org that notes every method called on it and answers so a caller can tell it did.
    #[derive(Default)]
    struct Noting(Arc<Mutex<Vec<&'static str>>>);

    impl Noting {
        fn note(&self, name: &'static str) {
            self.0.lock().push(name);
        }
    }

    impl OrgHandle for Noting {
        fn upstream_url(&self) -> String {
            self.note("upstream_url");
            "https://inner".into()
        }
        fn org_label(&self) -> Option<String> {
            self.note("org_label");
            Some("inner".into())
        }
        fn credentials(&self) -> LabCredentials {
            self.note("credentials");
            LabCredentials::default()
        }
        fn withheld_secrets(&self) -> Vec<(&'static str, String)> {
            self.note("withheld_secrets");
            Vec::new()
        }
        fn snapshot(&self, _objects: &[String]) -> OrgSnapshot {
            self.note("snapshot");
            OrgSnapshot::default()
        }
        fn live_snapshots(&self) -> Option<crate::runner::parts::LiveSnapshots> {
            self.note("live_snapshots");
            None
        }
        fn auth_log(&self) -> Vec<AuthDecision> {
            self.note("auth_log");
            Vec::new()
        }
        fn session_expirer(&self) -> Option<SessionExpirer> {
            self.note("session_expirer");
            None
        }
        fn id_token_signer(&self) -> Option<crate::proxy::IdTokenSigner> {
            self.note("id_token_signer");
            Some(Arc::new(|_claims: &serde_json::Value| "signed".to_string()))
        }
        fn soql(&self) -> Option<Arc<dyn SoqlEvaluator + Send + Sync>> {
            self.note("soql");
            None
        }
        fn approve_pending_devices(&self, _min_age: Duration) -> usize {
            self.note("approve_pending_devices");
            2
        }
        fn perform_action<'a>(
            &'a self,
            _action: &'a crate::lab::actions::LabAction,
            _lab_dir: &'a std::path::Path,
        ) -> BoxFuture<'a, crate::runner::org_actions::Performed> {
            self.note("perform_action");
            Box::pin(async { crate::runner::org_actions::Performed::failed("noted") })
        }
        fn outbound(&self) -> (Vec<CalloutSeen>, CalloutSetup) {
            self.note("outbound");
            Default::default()
        }
        fn replayed_id_token(&self, app: &str) -> Option<String> {
            self.note("replayed_id_token");
            Some(format!("id-token-for-{app}"))
        }
        fn forward_service_port(&self, _declared: u16, _actual: u16) -> bool {
            self.note("forward_service_port");
            true
        }
        fn set_public_url(&self, _url: &str) {
            self.note("set_public_url");
        }
        fn start_pubsub(
            &self,
            _tls: Option<crate::org::tls::TlsConfig>,
        ) -> BoxFuture<'_, Result<Option<String>, String>> {
            self.note("start_pubsub");
            Box::pin(async { Ok(Some("127.0.0.1:7443".into())) })
        }
        fn org_id(&self) -> Option<String> {
            self.note("org_id");
            Some("00D".into())
        }
        fn publish_event(&self, _event: &str, _fields: &JsonMap) -> Result<u64, String> {
            self.note("publish_event");
            Ok(7)
        }
        fn change_record(&self, _change: &OrgChange) -> Result<String, String> {
            self.note("change_record");
            Ok("001".into())
        }
        fn redeliver(&self, _channel: &str, _event: EventPick) -> Result<u64, String> {
            self.note("redeliver");
            Ok(8)
        }
        fn event_mark(&self) -> EventMark {
            self.note("event_mark");
            EventMark::default()
        }
        fn events_since(&self, mark: EventMark, _channel: Option<&str>) -> EventMark {
            self.note("events_since");
            mark
        }
        fn end_subscribers_since(&self, _mark: EventMark) {
            self.note("end_subscribers_since");
        }
        fn event_activity(&self) -> EventActivity {
            self.note("event_activity");
            EventActivity::default()
        }
        fn busy(&self) -> bool {
            self.note("busy");
            true
        }
        fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
            self.note("shutdown");
            Box::pin(async {})
        }
    }

    #[tokio::test]
    async fn the_watched_org_passes_every_call_on_to_the_run_org() {
        // Watching the run's org in the classroom must not turn off anything a lab asks of
        // it: publishing events, Pub/Sub, actions, callouts, device approvals, ID tokens.
        let (events, seen) = std::sync::mpsc::channel();
        let noted = Noting::default();
        let calls = noted.0.clone();
        let live = Box::new(LiveOrg {
            inner: Box::new(noted),
            objects: vec!["Account".into()],
            ended: Arc::new(Mutex::new(false)),
            lab: "events-publish-order-shipped".into(),
            events,
        });
        let action = crate::lab::actions::LabAction::Deploy("force-app".into());
        let change = OrgChange::Delete { ids: vec![] };
        assert_eq!(live.upstream_url(), "https://inner");
        assert_eq!(live.org_label().as_deref(), Some("inner"));
        live.credentials();
        live.withheld_secrets();
        live.snapshot(&[]);
        assert!(live.live_snapshots().is_none());
        live.auth_log();
        live.session_expirer();
        assert!(live.id_token_signer().is_some());
        live.soql();
        assert_eq!(live.approve_pending_devices(Duration::from_secs(3)), 2);
        assert!(
            !live
                .perform_action(&action, std::path::Path::new("."))
                .await
                .ok
        );
        live.outbound();
        assert_eq!(
            live.replayed_id_token("kiosk-spa").as_deref(),
            Some("id-token-for-kiosk-spa")
        );
        assert!(live.forward_service_port(9000, 9001));
        live.set_public_url("https://127.0.0.1:1");
        assert_eq!(
            live.start_pubsub(None).await.unwrap().as_deref(),
            Some("127.0.0.1:7443")
        );
        assert_eq!(live.org_id().as_deref(), Some("00D"));
        assert_eq!(
            live.publish_event("Order_Shipped__e", &JsonMap::new()),
            Ok(7)
        );
        assert_eq!(live.change_record(&change).as_deref(), Ok("001"));
        assert_eq!(live.redeliver("/event/X", EventPick::Last), Ok(8));
        let mark = live.event_mark();
        live.events_since(mark, None);
        live.end_subscribers_since(mark);
        live.event_activity();
        assert!(live.busy());
        live.shutdown().await;
        let calls = calls.lock().clone();
        let expected = [
            "upstream_url",
            "org_label",
            "credentials",
            "withheld_secrets",
            "snapshot",
            "live_snapshots",
            "auth_log",
            "session_expirer",
            "id_token_signer",
            "soql",
            "approve_pending_devices",
            "perform_action",
            "outbound",
            "replayed_id_token",
            "forward_service_port",
            "set_public_url",
            "start_pubsub",
            "org_id",
            "publish_event",
            "change_record",
            "redeliver",
            "event_mark",
            "events_since",
            "end_subscribers_since",
            "event_activity",
            "busy",
            "snapshot",
            "shutdown",
        ];
        assert_eq!(calls, expected);
        // The org as the run left it reaches the Org tab.
        assert!(matches!(
            seen.try_recv(),
            Ok(Event::Lab(LabEvent::Org {
                source: OrgSource::AfterRun,
                ..
            }))
        ));
    }

    #[tokio::test]
    async fn console_calls_count_against_one_daily_allocation() {
        let yaml = "id: console-lab\ntitle: Console\nlevel: L1\nlesson: L1-basics/rest\nsummary: s\ngoal: g\n\
                    checks:\n  - { rule: process.exit_ok, points: 1 }\n";
        let spec = crate::lab::spec::parse("lab.yaml", yaml).unwrap();
        let console = ConsoleOrg::new(&spec).unwrap();
        let usage = |reply: &ConsoleReply| {
            reply
                .headers
                .iter()
                .find(|(k, _)| k == "sforce-limit-info")
                .map(|(_, v)| v.clone())
        };
        let path = "/services/data/v62.0/limits";
        let first = console.send("GET", path, "").await;
        let second = console.send("GET", path, "").await;
        assert_eq!(first.status, Some(200), "{}", first.body);
        let used =
            |v: Option<String>| v.and_then(|v| v.split(['=', '/']).nth(1)?.parse::<u64>().ok());
        assert_eq!(used(usage(&second)), used(usage(&first)).map(|n| n + 1));
    }

    #[tokio::test]
    async fn a_query_typed_with_spaces_is_sent_encoded_and_answered() {
        let yaml = "id: console-lab\ntitle: Console\nlevel: L1\nlesson: L1-basics/rest\nsummary: s\ngoal: g\n\
                    checks:\n  - { rule: process.exit_ok, points: 1 }\n";
        let spec = crate::lab::spec::parse("lab.yaml", yaml).unwrap();
        let console = ConsoleOrg::new(&spec).unwrap();
        let typed = super::super::ConsoleState {
            path: "/services/data/v62.0/query?q=SELECT Id, Name FROM User LIMIT 1".into(),
            ..Default::default()
        };
        let reply = console.send("GET", &typed.request_path(), "").await;
        assert_eq!(reply.status, Some(200), "{}", reply.body);
        assert!(reply.path.contains("SELECT%20Id,%20Name"), "{}", reply.path);
        // Whatever is typed now reaches the org, which answers for itself.
        for odd in ["//services/data", "/a b/%zz/é", "/q?q=\"x\"#1 {}|^`"] {
            let reply = console
                .send("GET", &super::super::console::url_safe(odd), "")
                .await;
            assert!(reply.status.is_some(), "{odd}: {}", reply.body);
        }
    }
}
