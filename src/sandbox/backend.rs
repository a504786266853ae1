//! The sandbox backend as runner parts: [`SandboxOrgProvider`] prepares a connected org for a
//! lab (leftovers of an interrupted run cleaned up first, a nearly spent API allocation and
//! production refused, the lab's records created and journaled) and cleans up exactly what it
//! created when the attempt ends; [`SandboxGatewayProvider`] is the recording proxy with the
//! run's call cap. The switch between backends is in `choice`.
//!
//! Implementation notes: the runner asks for snapshots synchronously; a snapshot here is a
//! REST query, so it runs on a short-lived thread with its own runtime and client. Snapshots
//! hold only records created since the attempt began (`CreatedDate >=` its start, less two
//! minutes for clock skew), so other people's data in the org stays out of the evidence;
//! records someone else creates in that window would show up too — real orgs offer no way to
//! tell them apart.

pub use super::choice::{
    available_backends, parts_for, switch_backend, BackendChoice, Notes, SandboxSettings,
};
use super::client::OrgClient;
use super::error::SandboxError;
use super::journal::{Cleanup, SeedJournal};
use super::profile::{LoginStore, OrgLogin};
use super::run_lock::OrgRunLock;
use super::safety;
use super::seeding::{check_fields_exist, create_all, plan_creates, PlannedCreate};
use crate::evidence::{AuthDecision, Backend, OrgSnapshot};
use crate::lab::LabSpec;
use crate::proxy::SessionExpirer;
use crate::rules::SoqlEvaluator;
use crate::runner::env::LabCredentials;
use crate::runner::parts::{
    BoxFuture, Gateway, GatewayProvider, GatewaySetup, OrgHandle, OrgProvider,
};
use std::path::PathBuf;
use std::sync::Arc;

/// Describes a cleanup for the learner.
pub fn describe_cleanup(c: &Cleanup, alias: &str) -> Vec<String> {
    let mut out = Vec::new();
    if !c.deleted.is_empty() || !c.already_gone.is_empty() {
        out.push(format!(
            "org {alias}: deleted the {} record(s) sflab created for the lab{}",
            c.deleted.len(),
            if c.already_gone.is_empty() {
                String::new()
            } else {
                format!(" ({} were already gone)", c.already_gone.len())
            }
        ));
    }
    for label in &c.unconfirmed {
        out.push(format!(
            "org {alias}: the create of {label} never got an answer; sflab cannot tell whether the org made it and will not guess. Check the org and delete it by hand if it is there."
        ));
    }
    for (id, reason) in &c.failed {
        out.push(format!(
            "org {alias}: could not delete record {id} ({reason}); sflab will try again before the next run on this org"
        ));
    }
    out
}

/// The journal file of `alias` in the login store.
pub fn journal_path(store: &LoginStore, alias: &str) -> PathBuf {
    store.dir().join(format!("{alias}.journal"))
}

/// Locks the org `alias` for one run or cleanup.
pub fn lock_org(store: &LoginStore, alias: &str) -> Result<OrgRunLock, SandboxError> {
    // By the org's id where the login knows it, so two aliases of one org share the lock.
    let file = match store.facts(alias).ok().and_then(|l| l.org_id) {
        Some(org) if org.chars().all(|c| c.is_ascii_alphanumeric()) => format!("org-{org}.lock"),
        _ => format!("{alias}.lock"),
    };
    OrgRunLock::acquire(&store.dir().join(file), alias)
}

/// Deletes what an earlier, interrupted run left behind in the org (the caller holds the
/// org's [`OrgRunLock`]).
pub async fn clean_leftovers(
    client: &OrgClient,
    store: &LoginStore,
) -> Result<Cleanup, SandboxError> {
    let login = client.login();
    let mut journal = SeedJournal::open(&journal_path(store, &login.alias), &login.instance_url)?;
    if journal.is_empty() {
        return Ok(Cleanup::default());
    }
    journal.replay(client).await
}

pub struct SandboxOrgProvider {
    settings: SandboxSettings,
    notes: Notes,
}

impl SandboxOrgProvider {
    pub fn new(settings: SandboxSettings, notes: Notes) -> SandboxOrgProvider {
        SandboxOrgProvider { settings, notes }
    }

    async fn prepare_org(&self, lab: &LabSpec) -> Result<SandboxOrg, SandboxError> {
        let s = &self.settings;
        let login = s.store.resolve(s.alias.as_deref())?;
        let alias = login.alias.clone();
        let lock = lock_org(&s.store, &alias)?;
        let client = OrgClient::new(login, Some(s.store.clone()));
        let leftovers = clean_leftovers(&client, &s.store).await?;
        self.notes
            .lock()
            .extend(describe_cleanup(&leftovers, &alias));
        if !leftovers.failed.is_empty() {
            return Err(SandboxError::Refused(format!(
                "records from an earlier run on {alias} could not be deleted; fix that first (see above)"
            )));
        }
        safety::allocation_allows(&client.limits().await?).map_err(SandboxError::Refused)?;
        let (is_sandbox, name, org_id) = client.organization().await?;
        safety::org_allowed(
            is_sandbox,
            &name,
            s.allow_production,
            s.production_confirmation.as_deref(),
        )
        .map_err(SandboxError::Refused)?;
        let seed = crate::runner::mock::seed_of(lab).map_err(SandboxError::Input)?;
        let plan = plan_creates(&seed)?;
        let creds = credentials_for(lab, &client.login())?;
        check_fields_exist(&client, &seed).await?;
        let since = chrono::Utc::now() - chrono::Duration::minutes(2);
        let login = client.login();
        let mut journal = SeedJournal::open(&journal_path(&s.store, &alias), &login.instance_url)?;
        if let Err(e) = create_all(&client, &mut journal, &plan).await {
            let undone = journal.replay(&client).await?;
            self.notes.lock().extend(describe_cleanup(&undone, &alias));
            return Err(e);
        }
        let label = org_label(&name, &login.instance_url, &org_id, is_sandbox);
        Ok(SandboxOrg {
            label,
            client: Arc::new(client),
            store: s.store.clone(),
            journal: Arc::new(tokio::sync::Mutex::new(journal)),
            plan,
            since,
            creds,
            notes: self.notes.clone(),
            _lock: lock,
        })
    }
}

/// What the learner's code gets on a sandbox: the stored session, and the app's id and secret
/// where the lab is about getting tokens itself.
fn credentials_for(lab: &LabSpec, login: &OrgLogin) -> Result<LabCredentials, SandboxError> {
    if lab.run.refresh_token {
        return Err(SandboxError::Refused(format!(
            "lab {:?} hands the learner a refresh token of its own app; sflab does not hand out a real org's refresh token, so this lab runs on the mock backend only",
            lab.id
        )));
    }
    let mut creds = LabCredentials {
        client_id: None,
        client_secret: None,
        username: login.username.clone(),
        access_token: Some(login.access_token.clone()),
        refresh_token: None,
    };
    if lab.run.app.is_some() {
        match (&login.client_id, &login.client_secret) {
            (Some(id), Some(secret)) => {
                creds.client_id = Some(id.clone());
                creds.client_secret = Some(secret.clone());
            }
            _ => {
                return Err(SandboxError::Refused(format!(
                    "lab {:?} needs an app's client id and secret; log in to the sandbox with `sflab org login --client-id … ` and SF_CLIENT_SECRET set (client credentials) so sflab can hand them to your code",
                    lab.id
                )))
            }
        }
    }
    Ok(creds)
}

impl OrgProvider for SandboxOrgProvider {
    fn backend(&self) -> Backend {
        Backend::Sandbox
    }

    fn prepare<'a>(
        &'a self,
        lab: &'a LabSpec,
    ) -> BoxFuture<'a, Result<Box<dyn OrgHandle>, String>> {
        Box::pin(async move {
            self.prepare_org(lab)
                .await
                .map(|o| Box::new(o) as Box<dyn OrgHandle>)
                .map_err(|e| e.to_string())
        })
    }
}

struct SandboxOrg {
    /// Which org this is, for the attempt's record (see [`org_label`]).
    label: String,
    client: Arc<OrgClient>,
    store: LoginStore,
    journal: Arc<tokio::sync::Mutex<SeedJournal>>,
    plan: Vec<PlannedCreate>,
    since: chrono::DateTime<chrono::Utc>,
    creds: LabCredentials,
    notes: Notes,
    /// Released when the attempt (and its cleanup) is over.
    _lock: OrgRunLock,
}

/// How an attempt's record names the org it ran on: `Acme (sandbox) at
/// acme--dev.sandbox.my.salesforce.com, org 00D…` — its name, kind, host and id as the org
/// itself reported them, so a lead can tell a real sandbox from a local stand-in.
pub fn org_label(name: &str, instance_url: &str, org_id: &str, is_sandbox: bool) -> String {
    let host = reqwest::Url::parse(instance_url)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_string();
            Some(match u.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_else(|| instance_url.to_string());
    let kind = if is_sandbox { "sandbox" } else { "production" };
    let id = org_id.get(..15).unwrap_or(org_id);
    format!("{name} ({kind}) at {host}, org {id}")
}

/// The fields a snapshot reads for `object`: Id and whatever the lab's records set.
fn snapshot_fields(plan: &[PlannedCreate], object: &str) -> Vec<String> {
    let mut fields = vec!["Id".to_string()];
    for p in plan.iter().filter(|p| p.object == object) {
        for f in p.fields.keys() {
            if !fields.contains(f) {
                fields.push(f.clone());
            }
        }
    }
    fields
}

fn snapshot_soql(object: &str, fields: &[String], since: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "SELECT {} FROM {object} WHERE CreatedDate >= {} ORDER BY Id LIMIT 2000",
        fields.join(", "),
        since.format("%Y-%m-%dT%H:%M:%SZ")
    )
}

impl OrgHandle for SandboxOrg {
    fn upstream_url(&self) -> String {
        self.client.login().instance_url
    }

    fn org_label(&self) -> Option<String> {
        Some(self.label.clone())
    }

    fn withheld_secrets(&self) -> Vec<(&'static str, String)> {
        self.client.login().secrets()
    }

    fn credentials(&self) -> LabCredentials {
        let mut c = self.creds.clone();
        c.access_token = Some(self.client.login().access_token);
        c
    }

    fn snapshot(&self, objects: &[String]) -> OrgSnapshot {
        let login = self.client.login();
        let store = self.store.clone();
        let queries: Vec<(String, String)> = objects
            .iter()
            .filter(|o| o.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .map(|o| {
                let fields = snapshot_fields(&self.plan, o);
                (o.clone(), snapshot_soql(o, &fields, self.since))
            })
            .collect();
        let taken = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async move {
                let client = OrgClient::new(login, Some(store));
                let mut snap = OrgSnapshot::default();
                for (object, soql) in queries {
                    // Objects the org cannot query are left out rather than failing the run.
                    let Ok(rows) = client.query(&soql).await else {
                        continue;
                    };
                    let rows = rows
                        .into_iter()
                        .map(|mut r| {
                            if let Some(m) = r.as_object_mut() {
                                m.remove("attributes");
                            }
                            r
                        })
                        .collect();
                    snap.objects.insert(object, rows);
                }
                Some(snap)
            })
        })
        .join();
        taken.ok().flatten().unwrap_or_default()
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

    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            let alias = self.client.login().alias;
            let mut journal = self.journal.lock().await;
            let result = journal.replay(&self.client).await;
            let mut notes = self.notes.lock();
            match result {
                Ok(c) => notes.extend(describe_cleanup(&c, &alias)),
                Err(e) => notes.push(format!(
                    "org {alias}: the cleanup could not finish ({e}); it runs again before the next lab on this org"
                )),
            }
        })
    }
}

/// The recording proxy with the run's call cap.
#[derive(Debug, Clone)]
pub struct SandboxGatewayProvider {
    pub call_cap: u64,
}

impl GatewayProvider for SandboxGatewayProvider {
    fn start(&self, setup: GatewaySetup) -> BoxFuture<'_, Result<Box<dyn Gateway>, String>> {
        Box::pin(crate::runner::mock::start_gateway(
            setup,
            Some(self.call_cap),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_org_is_named_by_what_it_reported_and_where_it_was_reached() {
        assert_eq!(
            org_label(
                "Acme",
                "https://acme--dev.sandbox.my.salesforce.com",
                "00D5g000004XyZaEAK",
                true
            ),
            "Acme (sandbox) at acme--dev.sandbox.my.salesforce.com, org 00D5g000004XyZa"
        );
        // A login pointed at a local org shows as one.
        assert_eq!(
            org_label(
                "Acme",
                "https://127.0.0.1:8443",
                "00D000000000001AAA",
                false
            ),
            "Acme (production) at 127.0.0.1:8443, org 00D000000000001"
        );
    }

    #[test]
    fn snapshot_reads_only_records_created_since_the_attempt_began() {
        let since = chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let soql = snapshot_soql("Account", &["Id".into(), "Name".into()], since);
        assert_eq!(
            soql,
            "SELECT Id, Name FROM Account WHERE CreatedDate >= 2026-11-28T10:00:00Z ORDER BY Id LIMIT 2000"
        );
    }

    fn spec(run: &str) -> LabSpec {
        let yaml = format!(
            "id: probe\ntitle: t\nlevel: L1\nlesson: L1-basics/rest\nsummary: s\ngoal: g\nbackends: [sandbox]\nrun: {run}\nchecks:\n  - {{ rule: process.exit_ok, points: 1 }}\nfiles: [run]\n"
        );
        crate::lab::spec::parse("lab.yaml", &yaml).unwrap()
    }

    #[test]
    fn learner_gets_the_session_and_only_a_client_credentials_login_hands_over_an_app() {
        let mut login = crate::sandbox::profile::tests::login("dev");
        let plain = credentials_for(&spec("{ times: 1 }"), &login).unwrap();
        assert_eq!(plain.access_token.as_deref(), Some("00Dxx!secret-access"));
        assert_eq!(
            plain.client_secret, None,
            "no secret unless the lab is about an app"
        );
        let app = credentials_for(&spec("{ times: 1, app: lab-client }"), &login).unwrap();
        assert_eq!(app.client_secret.as_deref(), Some("very-secret"));
        login.client_secret = None;
        let e = credentials_for(&spec("{ times: 1, app: lab-client }"), &login).unwrap_err();
        assert!(e.to_string().contains("client id and secret"), "{e}");
        let e = credentials_for(
            &spec("{ times: 1, refresh_token: true, app: lab-client }"),
            &login,
        )
        .unwrap_err();
        assert!(e.to_string().contains("mock backend only"), "{e}");
    }
}
