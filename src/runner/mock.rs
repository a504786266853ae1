//! The mock-org backend and the recording proxy as runner parts: a fresh in-process org seeded
//! from the lab's `org:` section and served on 127.0.0.1 port 0 (plain HTTP: only the proxy
//! talks to it), and the proxy on another ephemeral port in front of it (HTTPS with the
//! workspace CA unless plain HTTP is asked for).

use super::env::{LabCredentials, API_VERSION};
use super::mock_events;
use super::org_actions::Performed;
use super::parts::{
    BoxFuture, EventMark, Gateway, GatewayProvider, GatewaySetup, JsonMap, OrgChange, OrgHandle,
    OrgProvider,
};
use super::report::RunEvent;
use crate::evidence::{
    AuthDecision, Backend, CalloutSeen, CalloutSetup, EventActivity, OrgSnapshot,
};
use crate::lab::actions::LabAction;
use crate::lab::scenario::EventPick;
use crate::lab::LabSpec;
use crate::org::auth::{RefreshIssue, TokenRequest};
use crate::org::rest::static_token::issue_static_token;
use crate::org::rest::InstanceUrl;
use crate::org::soql::QueryOptions;
use crate::org::tls::LocalCa;
use crate::org::tls::TlsConfig;
use crate::org::{Org, OrgSeed, SnapshotOptions};
use crate::proxy::{FaultSpec, IdTokenSigner, ProxyConfig, RunningProxy, SessionExpirer};
use crate::rules::SoqlEvaluator;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::oneshot;

/// Bytes of each body the proxy keeps for the evidence.
pub const RECORD_BODY_CAP: usize = 8 * 1024 * 1024;

/// The lab's `org:` section as an [`OrgSeed`].
pub fn seed_of(lab: &LabSpec) -> Result<OrgSeed, String> {
    if lab.org.is_null() {
        return Ok(OrgSeed::default());
    }
    let text = serde_yaml::to_string(&lab.org).map_err(|e| e.to_string())?;
    OrgSeed::from_yaml(&text).map_err(|e| format!("the lab's `org:` section: {e}"))
}

/// Builds and serves a fresh mock org per attempt.
#[derive(Debug, Default, Clone)]
pub struct MockOrgProvider;

struct MockOrg {
    org: Org,
    url: String,
    creds: LabCredentials,
    /// The session behind the access token handed over, kept to issue its like again when a
    /// fault of an earlier run expired it (see [`OrgHandle::reissue_access_token`]).
    handed_session: Option<crate::org::session::Session>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    /// The Pub/Sub server, once started: its stop signal and task.
    pubsub: parking_lot::Mutex<Option<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>>,
}

impl OrgProvider for MockOrgProvider {
    fn backend(&self) -> Backend {
        Backend::Mock
    }

    fn prepare<'a>(
        &'a self,
        lab: &'a LabSpec,
    ) -> BoxFuture<'a, Result<Box<dyn OrgHandle>, String>> {
        Box::pin(async move {
            let seed = seed_of(lab)?;
            let org = Org::new(&seed).map_err(|e| format!("the lab's `org:` seed: {e}"))?;
            number_from_a_place_of_its_own(&org);
            let login = issue_static_token(&org, Some("integration"))
                .or_else(|| issue_static_token(&org, None))
                .ok_or("the lab's org has no user to log in as; add one under `org: users:`")?;
            let listener = crate::org::serve::bind_loopback(0)
                .await
                .map_err(|e| format!("could not open a port on 127.0.0.1: {e}"))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            let (stop, stopped) = oneshot::channel::<()>();
            // Other integrations share the org's daily allocation: each attempt's org has
            // already spent some of it, so the figures differ from one attempt to the next.
            let state = crate::org::rest::RestState::new(org.clone());
            state
                .usage
                .preload(org.clock.now(), 200 + rand::random::<u64>() % 2_800);
            let router = crate::org::rest::router_with(state);
            let task = tokio::spawn(async move {
                let _ = crate::org::serve::serve_router(listener, router, None, async {
                    let _ = stopped.await;
                })
                .await;
            });
            let mut creds = LabCredentials {
                client_id: None,
                client_secret: None,
                username: Some(login.username.clone()),
                access_token: Some(login.token.clone()),
                refresh_token: None,
            };
            if let Some(app) = &lab.run.app {
                app_credentials(
                    &org,
                    app,
                    lab.run.refresh_token,
                    &mut creds,
                    &format!("http://{addr}"),
                )?;
            }
            let handed_session = creds.access_token.as_deref().and_then(|t| {
                let session = org.sessions.validate(t, org.clock.now()).ok()?;
                Some(session.as_ref().clone())
            });
            Ok(Box::new(MockOrg {
                org,
                url: format!("http://{addr}"),
                creds,
                handed_session,
                stop: Some(stop),
                task,
                pubsub: parking_lot::Mutex::new(None),
            }) as Box<dyn OrgHandle>)
        })
    }
}

/// Makes an attempt's org number what it hands out from a place of its own: new records, the
/// ids of published events and the ERP's order ids. An id printed by an earlier attempt and
/// typed into a program is then not one this org answered, as two real orgs never share one.
fn number_from_a_place_of_its_own(org: &Org) {
    org.store
        .write()
        .start_new_ids_after(1_000 + rand::random::<u64>() % 5_000_000);
    crate::org::events::rest::skip_event_numbers(1 + rand::random::<u64>() % 5_000_000);
    org.outbound.set_attempt_seed(rand::random());
    org.outbound
        .ext
        .number_erp_orders_after(1_000 + rand::random::<u64>() % 800_000);
}

/// The consumer key and secret of the seed's app `name`; with `refresh`, also an access and
/// refresh token issued to it for the integration user (or the org's first user).
fn app_credentials(
    org: &Org,
    name: &str,
    refresh: bool,
    creds: &mut LabCredentials,
    base_url: &str,
) -> Result<(), String> {
    let config = org.auth.config();
    let app = config.app_by_name(name).ok_or_else(|| {
        format!("the lab's `run.app` names {name:?}, but the `org:` seed has no app of that name under `apps:`")
    })?;
    creds.client_id = Some(app.consumer_key.clone());
    // A flow that never sends the secret (JWT, SAML bearer) is not handed one.
    creds.client_secret = app
        .consumer_secret
        .clone()
        .filter(|_| app.uses_client_secret());
    if !refresh {
        return Ok(());
    }
    let user = app
        .run_as
        .as_deref()
        .and_then(|u| config.users.find(u))
        .or_else(|| config.users.find("integration"))
        .or_else(|| config.users.all().first())
        .ok_or("the lab's org has no user to issue tokens to")?;
    let issued = org.auth.issue(TokenRequest {
        base_url,
        app,
        user,
        scopes: app.scopes.clone(),
        refresh: RefreshIssue::NewFamily,
        nonce: None,
        interactive: true,
    });
    let field = |k: &str| {
        issued
            .body
            .get(k)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    creds.access_token = field("access_token");
    creds.refresh_token = field("refresh_token");
    if creds.refresh_token.is_none() {
        return Err(format!(
            "the seed's app {name:?} issues no refresh token: give it the `refresh_token` flow and scope"
        ));
    }
    Ok(())
}

/// An ID token for `app`'s auto-approve user (or the org's first user), as an earlier login
/// would have received it: signed with the org's key, for the right audience, unexpired, but
/// bound to a nonce the learner's code never sent.
fn replayed_id_token(org: &Org, app: &str, base_url: &str) -> Option<String> {
    let config = org.auth.config();
    let app = config.app_by_name(app)?;
    let user = app
        .auto_approve_as
        .as_deref()
        .and_then(|u| config.users.find(u))
        .or_else(|| config.users.all().first())?;
    let mut scopes = app.scopes.clone();
    if !scopes.iter().any(|s| s == "openid") {
        scopes.push("openid".into());
    }
    let issued = org.auth.issue(TokenRequest {
        base_url,
        app,
        user,
        scopes,
        refresh: RefreshIssue::None,
        nonce: Some(format!("earlier-login-{}", uuid::Uuid::new_v4().simple())),
        interactive: true,
    });
    issued.body.get("id_token")?.as_str().map(str::to_string)
}

/// The auth server's decisions in the evidence's form.
fn auth_log_of(org: &Org) -> Vec<AuthDecision> {
    org.auth
        .decisions()
        .into_iter()
        .map(|d| AuthDecision {
            at: Some(d.at),
            grant: d.grant,
            client_id: d.client_id,
            username: d.username,
            pkce_method: d.pkce_method,
            verifier_matched: d.verifier_matched,
            outcome: match d.outcome {
                crate::org::auth::Outcome::Issued => "issued",
                crate::org::auth::Outcome::Refused => "denied",
                crate::org::auth::Outcome::Pending => "pending",
                crate::org::auth::Outcome::Revoked => "revoked",
                crate::org::auth::Outcome::Answered => "answered",
            }
            .to_string(),
            error: d.error.map(|e| format!("{e}: {}", d.reason)),
        })
        .collect()
}

/// A snapshot of the org converted to the evidence's form: records as JSON objects with `Id`.
fn snapshot_of(org: &Org, objects: &[String]) -> OrgSnapshot {
    let store = org.store.read();
    let mut out = OrgSnapshot::default();
    for name in objects {
        if name == crate::rules::ERP_ORDER_BOOK {
            // Not an sObject: the mock ERP's order book, for the `erp.*` rules.
            let orders = org.outbound.ext.erp_orders(org.clock.now());
            out.objects.insert(name.clone(), orders);
            continue;
        }
        // Objects the org does not have are left out rather than failing the attempt.
        let Ok(snap) = store.snapshot(&[name.as_str()], SnapshotOptions::default()) else {
            continue;
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
    }
    out
}

impl OrgHandle for MockOrg {
    fn upstream_url(&self) -> String {
        self.url.clone()
    }

    fn busy(&self) -> bool {
        use crate::org::bulk::job::JobState;
        self.org.bulk.ingest_jobs().iter().any(|j| {
            matches!(
                j.lock().header.state,
                JobState::UploadComplete | JobState::InProgress
            )
        })
    }

    fn credentials(&self) -> LabCredentials {
        self.creds.clone()
    }

    fn snapshot(&self, objects: &[String]) -> OrgSnapshot {
        snapshot_of(&self.org, objects)
    }

    fn live_snapshots(&self) -> Option<crate::runner::parts::LiveSnapshots> {
        let org = self.org.clone();
        Some(Arc::new(move |objects: &[String]| {
            snapshot_of(&org, objects)
        }))
    }

    fn auth_log(&self) -> Vec<AuthDecision> {
        auth_log_of(&self.org)
    }

    fn session_expirer(&self) -> Option<SessionExpirer> {
        let org = self.org.clone();
        Some(Arc::new(move |token: &str| {
            org.sessions.expire(token, org.clock.now());
        }))
    }

    fn reissue_access_token(&self, handed: &str) -> Option<String> {
        let now = self.org.clock.now();
        if self.org.sessions.validate(handed, now).is_ok() {
            return None;
        }
        let mut session = self.handed_session.clone()?;
        // The same user, app, scopes and refresh family, for as long as the first one lasted.
        session.expires_at = session.expires_at.map(|t| now + (t - session.issued_at));
        session.issued_at = now;
        let token = crate::org::rest::static_token::new_token(self.org.id.as_str());
        self.org.sessions.insert(&token, session);
        Some(token)
    }

    fn id_token_signer(&self) -> Option<IdTokenSigner> {
        let org = self.org.clone();
        Some(Arc::new(move |claims: &serde_json::Value| {
            crate::org::auth::jwt::sign(org.auth.keys(), claims)
        }))
    }

    fn soql(&self) -> Option<Arc<dyn SoqlEvaluator + Send + Sync>> {
        Some(Arc::new(LiveSoql(self.org.clone())))
    }

    fn replayed_id_token(&self, app: &str) -> Option<String> {
        let base = self.org.auth.base_url(&InstanceUrl(self.url.clone()));
        replayed_id_token(&self.org, app, &base)
    }

    fn set_public_url(&self, url: &str) {
        self.org.auth.set_public_url(url);
    }

    fn forward_service_port(&self, declared: u16, actual: u16) -> bool {
        self.org.outbound.forward_local_port(declared, actual);
        true
    }

    fn approve_pending_devices(&self, min_age: std::time::Duration) -> usize {
        let min_age =
            chrono::Duration::from_std(min_age).unwrap_or_else(|_| chrono::Duration::zero());
        let Some(username) = self.creds.username.clone() else {
            return 0;
        };
        self.org
            .auth
            .pending_device_codes(min_age)
            .iter()
            .filter(|code| self.org.auth.approve_device(code, &username).is_ok())
            .count()
    }

    fn perform_action<'a>(
        &'a self,
        action: &'a LabAction,
        lab_dir: &'a Path,
    ) -> BoxFuture<'a, Performed> {
        Box::pin(super::org_actions::perform(&self.org, action, lab_dir))
    }

    fn outbound(&self) -> (Vec<CalloutSeen>, CalloutSetup) {
        (
            super::org_actions::callouts_of(&self.org),
            super::org_actions::setup_of(&self.org),
        )
    }

    fn start_pubsub(
        &self,
        tls: Option<TlsConfig>,
    ) -> BoxFuture<'_, Result<Option<String>, String>> {
        Box::pin(async move {
            let listener = crate::org::serve::bind_loopback(0)
                .await
                .map_err(|e| format!("could not open a port on 127.0.0.1 for Pub/Sub: {e}"))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            let (stop, stopped) = oneshot::channel::<()>();
            let org = self.org.clone();
            let task = tokio::spawn(async move {
                let _ = crate::org::pubsub::serve(listener, org, tls, async {
                    let _ = stopped.await;
                })
                .await;
            });
            *self.pubsub.lock() = Some((stop, task));
            Ok(Some(format!("127.0.0.1:{}", addr.port())))
        })
    }

    fn org_id(&self) -> Option<String> {
        Some(self.org.id.as_str().to_string())
    }

    fn publish_event(&self, event: &str, fields: &JsonMap) -> Result<u64, String> {
        mock_events::publish(&self.org, event, fields)
    }

    fn change_record(&self, change: &OrgChange) -> Result<String, String> {
        mock_events::change(&self.org, change)
    }

    fn redeliver(&self, channel: &str, event: EventPick) -> Result<u64, String> {
        mock_events::redeliver(&self.org, channel, event)
    }

    fn event_mark(&self) -> EventMark {
        mock_events::mark(&self.org)
    }

    fn events_since(&self, mark: EventMark, channel: Option<&str>) -> EventMark {
        mock_events::since(&self.org, mark, channel)
    }

    fn channels_since(&self, mark: EventMark) -> Vec<String> {
        mock_events::channels_since(&self.org, mark)
    }

    fn end_subscribers_since(&self, mark: EventMark) {
        self.org
            .events
            .log
            .end_subscribers_after(mark.subscriptions);
    }

    fn event_activity(&self) -> EventActivity {
        mock_events::activity(&self.org)
    }

    fn shutdown(mut self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            if let Some(stop) = self.stop.take() {
                let _ = stop.send(());
            }
            let pubsub = self.pubsub.lock().take();
            if let Some((stop, task)) = pubsub {
                let _ = stop.send(());
                let _ = task.await;
            }
            let _ = self.task.await;
        })
    }
}

/// SOQL checks against the org itself.
///
/// Implementation notes: the rules hand over the final snapshot; the org is asked directly
/// instead, which is the same state — judging happens after the last run's snapshot, with no
/// learner code running and the proxy already stopped.
struct LiveSoql(Org);

impl SoqlEvaluator for LiveSoql {
    fn query(
        &self,
        _final_state: &OrgSnapshot,
        soql: &str,
    ) -> Result<Vec<serde_json::Value>, String> {
        let store = self.0.store.read();
        let opts = QueryOptions::new(self.0.clock.now(), API_VERSION);
        crate::org::soql::query(&store, soql, &opts)
            .map(|rows| rows.records)
            .map_err(|e| e.to_string())
    }
}

/// Starts the recording proxy from `crate::proxy`.
#[derive(Debug, Default, Clone)]
pub struct ProxyGatewayProvider;

struct ProxyGateway {
    proxy: RunningProxy,
    ca_bundle: Option<PathBuf>,
    forwarder: Option<tokio::task::JoinHandle<()>>,
}

/// The lab's `faults:` as the proxy's [`FaultSpec`]s.
pub fn faults_of(faults: &[serde_yaml::Value]) -> Result<Vec<FaultSpec>, String> {
    faults
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let spec: FaultSpec =
                serde_yaml::from_value(f.clone()).map_err(|e| format!("fault {}: {e}", i + 1))?;
            spec.validate(i + 1).map_err(|e| e.to_string())?;
            Ok(spec)
        })
        .collect()
}

impl GatewayProvider for ProxyGatewayProvider {
    fn start(&self, setup: GatewaySetup) -> BoxFuture<'_, Result<Box<dyn Gateway>, String>> {
        Box::pin(start_gateway(setup, None))
    }
}

/// Starts the recording proxy for `setup`; with `call_cap`, at most that many requests reach
/// the upstream (the sandbox backend's budget).
pub async fn start_gateway(
    setup: GatewaySetup,
    call_cap: Option<u64>,
) -> Result<Box<dyn Gateway>, String> {
    let upstream = url::Url::parse(&setup.upstream_url).map_err(|e| e.to_string())?;
    let mut config = ProxyConfig::new(upstream, setup.redactor.clone());
    config.call_cap = call_cap;
    config.faults = faults_of(&setup.faults)?;
    config.expire_session = setup.expire_session.clone();
    config.sign_id_token = setup.sign_id_token.clone();
    // Query pages of 2,000 records run to a few hundred KB; rules read their JSON
    // (nextRecordsUrl), which a cut body would hide.
    config.record_body_cap = RECORD_BODY_CAP;
    let mut ca_bundle = None;
    if setup.tls {
        let ca = LocalCa::load_or_create(&setup.workspace_root).map_err(|e| e.to_string())?;
        let tls = ca.server_config().map_err(|e| e.to_string())?;
        config.tls = Some(tls.server);
        ca_bundle = Some(tls.ca_bundle);
    }
    let proxy = crate::proxy::start(config)
        .await
        .map_err(|e| e.to_string())?;
    let forwarder = setup.events.map(|tx| {
        let mut rx = proxy.recorder().subscribe();
        tokio::spawn(async move {
            while let Ok(ex) = rx.recv().await {
                if tx.send(RunEvent::Exchange(Box::new(ex))).is_err() {
                    break;
                }
            }
        })
    });
    Ok(Box::new(ProxyGateway {
        proxy,
        ca_bundle,
        forwarder,
    }) as Box<dyn Gateway>)
}

impl Gateway for ProxyGateway {
    fn url(&self) -> String {
        self.proxy.base_url().to_string()
    }

    fn ca_bundle(&self) -> Option<PathBuf> {
        self.ca_bundle.clone()
    }

    fn begin_run(&self, index: usize) {
        self.proxy.recorder().set_run_index(index);
    }

    fn exchanges(&self) -> Vec<crate::evidence::Exchange> {
        self.proxy.recorder().exchanges()
    }

    fn handshakes(&self) -> crate::proxy::HandshakeLog {
        self.proxy.recorder().handshakes()
    }

    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            let this = *self;
            let _ = this.proxy.shutdown().await;
            if let Some(f) = this.forwarder {
                f.abort();
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    const SEED: &str = "users:\n  - { username: spa.user@lab.example, last_name: User, ref: spa }\n\
         apps:\n  - { name: spa, public: true, flows: [user_agent], scopes: [api, openid], \
         callback_urls: [\"http://localhost:8080/callback\"], auto_approve: true, auto_approve_as: spa }\n";

    fn claims(token: &str) -> serde_json::Value {
        let payload = token.split('.').nth(1).expect("a JWT");
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("json")
    }

    #[test]
    fn each_attempts_org_numbers_events_and_erp_orders_from_a_place_of_its_own() {
        // A fresh org hands out the first event and ERP order numbers; an attempt's does not,
        // and three attempts do not all start their ERP orders at the same number.
        let floors: Vec<u64> = (0..3)
            .map(|_| {
                let org = Org::new(&OrgSeed::from_yaml(SEED).expect("seed")).expect("org");
                assert_eq!(org.outbound.ext.erp_numbered_after(), 0);
                let before = crate::org::events::rest::next_event_number();
                number_from_a_place_of_its_own(&org);
                assert!(crate::org::events::rest::next_event_number() > before);
                org.outbound.ext.erp_numbered_after()
            })
            .collect();
        assert!(floors.iter().all(|f| *f >= 1_000), "{floors:?}");
        assert!(floors.windows(2).any(|w| w[0] != w[1]), "{floors:?}");
    }

    #[test]
    fn a_replayed_id_token_is_genuine_but_bound_to_another_nonce() {
        let org = Org::new(&OrgSeed::from_yaml(SEED).expect("seed")).expect("org");
        let key = org
            .auth
            .config()
            .app_by_name("spa")
            .expect("app")
            .consumer_key
            .clone();
        let token = replayed_id_token(&org, "spa", "https://127.0.0.1:9443").expect("a token");
        let c = claims(&token);
        assert_eq!(c["aud"], key.as_str());
        assert_eq!(c["iss"], "https://127.0.0.1:9443");
        assert_eq!(c["preferred_username"], "spa.user@lab.example");
        assert!(c["nonce"]
            .as_str()
            .unwrap_or("")
            .starts_with("earlier-login-"));
        assert!(replayed_id_token(&org, "nope", "https://127.0.0.1:9443").is_none());
    }

    #[test]
    fn apps_with_only_bearer_assertion_flows_are_handed_no_client_secret() {
        let ws = tempfile::tempdir().expect("workspace");
        let key = crate::org::auth::workspace_jwt_key(ws.path()).expect("key");
        let cert = format!("{:?}", key.certificate_pem);
        let seed = format!(
            "users:\n  - {{ username: int@lab.example, last_name: Int, ref: integration }}\n\
             apps:\n  - {{ name: jwt, flows: [jwt_bearer], certificate: {cert} }}\n\
             \x20 - {{ name: saml, flows: [saml_bearer], certificate: {cert} }}\n\
             \x20 - {{ name: cc, flows: [client_credentials], run_as: integration }}\n"
        );
        let org = Org::new(&OrgSeed::from_yaml(&seed).expect("seed")).expect("org");
        let handed = |app: &str| {
            let mut creds = LabCredentials {
                client_id: None,
                client_secret: None,
                username: None,
                access_token: None,
                refresh_token: None,
            };
            app_credentials(&org, app, false, &mut creds, "http://127.0.0.1:1").expect("app");
            (creds.client_id.is_some(), creds.client_secret.is_some())
        };
        assert_eq!(handed("jwt"), (true, false));
        assert_eq!(handed("saml"), (true, false));
        assert_eq!(handed("cc"), (true, true));
    }
}
