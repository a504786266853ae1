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
use crate::evidence::{AuthDecision, Backend, OrgSnapshot};
use crate::lab::LabSpec;
use crate::org::rest::static_token::issue_static_token;
use crate::org::{Org, SnapshotOptions};
use crate::proxy::SessionExpirer;
use crate::rules::SoqlEvaluator;
use crate::runner::parts::BoxFuture;
use crate::runner::{LabCredentials, OrgHandle, OrgProvider};
use crate::tui::Event;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
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
    inner: Arc<Mutex<Option<Box<dyn OrgHandle>>>>,
    objects: Vec<String>,
    stop: Arc<AtomicBool>,
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
            let handle = self.inner.prepare(lab).await?;
            let objects = crate::runner::judge::snapshot_objects(lab);
            let inner = Arc::new(Mutex::new(Some(handle)));
            let stop = Arc::new(AtomicBool::new(false));
            let (slot, flag, events, id, names) = (
                inner.clone(),
                stop.clone(),
                self.events.clone(),
                self.lab.clone(),
                objects.clone(),
            );
            std::thread::spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    // Sent while holding the slot, so no live snapshot can follow the one
                    // taken when the run ends.
                    let slot = slot.lock();
                    match slot.as_ref() {
                        Some(h) => send_snapshot(&events, &id, h.snapshot(&names), OrgSource::Live),
                        None => break,
                    }
                    drop(slot);
                    std::thread::sleep(LIVE_EVERY);
                }
            });
            Ok(Box::new(LiveOrg {
                inner,
                objects,
                stop,
                lab: self.lab.clone(),
                events: self.events.clone(),
            }) as Box<dyn OrgHandle>)
        })
    }
}

impl LiveOrg {
    fn with<T>(&self, f: impl FnOnce(&dyn OrgHandle) -> T) -> Option<T> {
        self.inner.lock().as_deref().map(f)
    }
}

impl OrgHandle for LiveOrg {
    fn upstream_url(&self) -> String {
        self.with(|h| h.upstream_url()).unwrap_or_default()
    }
    fn credentials(&self) -> LabCredentials {
        self.with(|h| h.credentials()).unwrap_or_default()
    }
    fn snapshot(&self, objects: &[String]) -> OrgSnapshot {
        self.with(|h| h.snapshot(objects)).unwrap_or_default()
    }
    fn auth_log(&self) -> Vec<AuthDecision> {
        self.with(|h| h.auth_log()).unwrap_or_default()
    }
    fn session_expirer(&self) -> Option<SessionExpirer> {
        self.with(|h| h.session_expirer()).flatten()
    }
    fn soql(&self) -> Option<Arc<dyn SoqlEvaluator + Send + Sync>> {
        self.with(|h| h.soql()).flatten()
    }
    fn id_token_signer(&self) -> Option<crate::proxy::IdTokenSigner> {
        self.with(|h| h.id_token_signer()).flatten()
    }
    fn approve_pending_devices(&self, min_age: Duration) -> usize {
        self.with(|h| h.approve_pending_devices(min_age))
            .unwrap_or(0)
    }
    fn replayed_id_token(&self, app: &str) -> Option<String> {
        self.with(|h| h.replayed_id_token(app)).flatten()
    }
    fn busy(&self) -> bool {
        self.with(|h| h.busy()).unwrap_or(false)
    }
    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        self.stop.store(true, Ordering::Relaxed);
        let mut slot = self.inner.lock();
        let handle = slot.take();
        if let Some(h) = &handle {
            send_snapshot(
                &self.events,
                &self.lab,
                h.snapshot(&self.objects),
                OrgSource::AfterRun,
            );
        }
        drop(slot);
        Box::pin(async move {
            if let Some(h) = handle {
                h.shutdown().await;
            }
        })
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

    /// An org that approves two device logins and mints an ID token, and nothing more.
    struct DeviceOrg;

    impl OrgHandle for DeviceOrg {
        fn upstream_url(&self) -> String {
            String::new()
        }
        fn credentials(&self) -> LabCredentials {
            LabCredentials::default()
        }
        fn snapshot(&self, _objects: &[String]) -> OrgSnapshot {
            OrgSnapshot::default()
        }
        fn auth_log(&self) -> Vec<AuthDecision> {
            Vec::new()
        }
        fn session_expirer(&self) -> Option<SessionExpirer> {
            None
        }
        fn soql(&self) -> Option<Arc<dyn SoqlEvaluator + Send + Sync>> {
            None
        }
        fn approve_pending_devices(&self, _min_age: Duration) -> usize {
            2
        }
        fn replayed_id_token(&self, app: &str) -> Option<String> {
            Some(format!("id-token-for-{app}"))
        }
        fn id_token_signer(&self) -> Option<crate::proxy::IdTokenSigner> {
            Some(Arc::new(|_claims: &serde_json::Value| "signed".to_string()))
        }
        fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
            Box::pin(async {})
        }
    }

    #[test]
    fn the_watched_org_passes_on_what_the_oauth_labs_ask_of_the_run_org() {
        // The device-flow lab approves logins and the ID-token labs mint and sign tokens
        // through the org: watching it in the classroom must not turn those off.
        let (events, _keep) = std::sync::mpsc::channel();
        let live = LiveOrg {
            inner: Arc::new(Mutex::new(Some(Box::new(DeviceOrg) as Box<dyn OrgHandle>))),
            objects: Vec::new(),
            stop: Arc::new(AtomicBool::new(false)),
            lab: "oauth-device-flow".into(),
            events,
        };
        assert_eq!(live.approve_pending_devices(Duration::from_secs(3)), 2);
        assert_eq!(
            live.replayed_id_token("kiosk-spa").as_deref(),
            Some("id-token-for-kiosk-spa")
        );
        let sign = live.id_token_signer().expect("a signer");
        assert_eq!(sign(&serde_json::json!({})), "signed");
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
