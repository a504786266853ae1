//! The sandbox backend against a second mock org standing in for a real one (IsSandbox true,
//! and false): the login flows, forwarding through the proxy, seeding and cleanup (also after
//! an interrupted run), each refusal, refresh on 401, revocation, and the whole thing as a user
//! runs it (the `sflab` binary) with output and stored files scanned for leaked tokens.

use sflab::org::auth::{install_for_workspace, serve_client, JwtKeyPair};
use sflab::org::rest::{router_with, ApiUsage, RestState};
use sflab::org::serve::{bind_loopback, serve_router};
use sflab::org::{Org, OrgSeed};
use sflab::sandbox::connect::{self, LoginTarget, Loopback};
use sflab::sandbox::journal::SeedJournal;
use sflab::sandbox::oauth::http_client;
use sflab::sandbox::seeding::{create_all, plan_creates};
use sflab::sandbox::{BackendChoice, LoginStore, OrgClient, OrgLogin, SandboxSettings};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

mod cli;

pub(crate) struct RealOrg {
    pub org: Org,
    pub base: String,
    _stop: tokio::sync::oneshot::Sender<()>,
    pub dir: tempfile::TempDir,
    pub key: JwtKeyPair,
}

/// A mock org on a loopback port, playing a real org; `used` calls of 15,000 already spent.
/// As a sandbox it reports an edition that has sandboxes (the default org is a Developer
/// Edition org, which has none).
pub(crate) async fn real_org(is_sandbox: bool, used: u64) -> RealOrg {
    let mut text = sflab::org::default_org::DEFAULT_SEED.to_string();
    if is_sandbox {
        let production = "is_sandbox: false\n";
        assert!(text.contains(production), "the default seed names its kind");
        text = text
            .replace(production, "is_sandbox: true\n")
            .replace("Developer Edition", "Enterprise Edition")
            .replace("instance_name: NA224", "instance_name: CS42");
    }
    let org = Org::new(&OrgSeed::from_yaml(&text).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = install_for_workspace(&org.auth, dir.path()).unwrap();
    let state = RestState::new(org.clone());
    let usage = ApiUsage::new(15_000);
    usage.preload(org.clock.now(), used);
    let state = RestState {
        usage: Arc::new(usage),
        ..state
    };
    let listener = bind_loopback(0).await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve_router(listener, router_with(state), None, async {
        let _ = rx.await;
    }));
    RealOrg {
        org,
        base,
        _stop: tx,
        dir,
        key,
    }
}

fn target(r: &RealOrg, alias: &str) -> LoginTarget {
    LoginTarget {
        alias: alias.into(),
        login_url: r.base.clone(),
    }
}

async fn cc_login(r: &RealOrg, alias: &str) -> OrgLogin {
    let (id, secret) = serve_client(&r.org.auth.config()).unwrap();
    connect::client_credentials(&http_client(), &target(r, alias), &id, &secret)
        .await
        .expect("client credentials login")
}

fn account_names(org: &Org) -> Vec<String> {
    let store = org.store.read();
    let opts = sflab::org::soql::QueryOptions::new(org.clock.now(), "62.0");
    sflab::org::soql::query(&store, "SELECT Name FROM Account", &opts)
        .unwrap()
        .records
        .iter()
        .map(|r| r["Name"].as_str().unwrap_or("").to_string())
        .collect()
}

fn lab(yaml_org: &str, checks: &str) -> sflab::lab::LabSpec {
    let yaml = format!(
        "id: sandbox-probe\ntitle: probe\nlevel: L1\nlesson: L1-basics/rest\nsummary: s\ngoal: g\nbackends: [mock, sandbox]\norg:\n{yaml_org}\nrun: {{ times: 1, timeout: 30s }}\nchecks:\n{checks}\nfiles: [run]\n"
    );
    sflab::lab::spec::parse("lab.yaml", &yaml).expect("lab spec")
}

const SEED: &str = "  records:\n    - Account: { ref: a, Name: Sandbox Probe One }\n    - Contact: { LastName: Probe, AccountId: { ref: a } }\n";

fn workspace_with_run(script: &str) -> (tempfile::TempDir, sflab::workspace::Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = sflab::workspace::Workspace::resolve(Some(dir.path())).unwrap();
    ws.ensure().unwrap();
    let lab_dir = ws.lab_dir("sandbox-probe");
    std::fs::create_dir_all(&lab_dir).unwrap();
    let run = lab_dir.join("run");
    std::fs::write(&run, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    ws.root = ws.root.canonicalize().unwrap();
    (dir, ws)
}

pub(crate) fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_bearer_login_signs_an_assertion_the_org_accepts() {
    let r = real_org(true, 0).await;
    let key_file = r.dir.path().join("key.pem");
    std::fs::write(&key_file, &r.key.private_key_pem).unwrap();
    let app = r
        .org
        .auth
        .config()
        .app_by_name("sflab_jwt")
        .cloned()
        .unwrap();
    let login = connect::jwt_bearer(
        &http_client(),
        &target(&r, "jwt"),
        &key_file,
        "integration@sflab.example",
        &app.consumer_key,
    )
    .await
    .expect("JWT login");
    let (is_sandbox, _, _) = OrgClient::new(login, None).organization().await.unwrap();
    assert!(is_sandbox);
    assert!(r
        .org
        .auth
        .decisions()
        .iter()
        .any(|d| d.grant == "jwt_bearer" && d.error.is_none()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_server_login_with_pkce_through_the_loopback_callback() {
    let r = real_org(true, 0).await;
    // The callback port is free now; register it in the app as a learner would.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let callback = format!("http://localhost:{port}/OauthRedirect");
    let mut config = r.org.auth.config();
    let app = config
        .apps
        .iter_mut()
        .find(|a| a.name == "sflab_web")
        .unwrap();
    app.callback_urls.push(callback.clone());
    let (client_id, secret) = (app.consumer_key.clone(), app.consumer_secret.clone());
    r.org.auth.replace_config(config);
    let loopback = Loopback::bind(&callback).await.unwrap();
    // The scripted browser: the org approves at once (302 to the callback), then follows it.
    let browser = |url: &str| {
        let url = url.to_string();
        tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let hop = client.get(&url).send().await.unwrap();
            let location = hop.headers()["location"].to_str().unwrap().to_string();
            assert!(location.starts_with("http://localhost:"), "{location}");
            let page = client.get(&location).send().await.unwrap();
            assert!(page
                .text()
                .await
                .unwrap()
                .contains("return to the terminal"));
        });
    };
    let login = connect::web_server(
        &http_client(),
        &target(&r, "web"),
        &client_id,
        secret.as_deref(),
        &loopback,
        browser,
        Duration::from_secs(20),
    )
    .await
    .expect("web login");
    assert!(login.refresh_token.is_some());
    let d = r
        .org
        .auth
        .decisions()
        .into_iter()
        .rev()
        .find(|d| d.grant == "authorization_code")
        .unwrap();
    assert_eq!(
        (d.pkce_method.as_deref(), d.verifier_matched),
        (Some("S256"), Some(true))
    );

    // Refreshed once on a 401: the access token dies, the stored login gets a new one.
    let store_dir = tempfile::tempdir().unwrap();
    let store = LoginStore::at(store_dir.path());
    store.save(&login).unwrap();
    sflab::sandbox::oauth::revoke(&http_client(), &r.base, &login.access_token)
        .await
        .unwrap();
    let client = OrgClient::new(login.clone(), Some(store.clone()));
    client.organization().await.expect("renewed after the 401");
    let stored = store.load("web").unwrap();
    assert_ne!(stored.access_token, login.access_token);

    // Logout revokes: the refresh token no longer works.
    client.revoke().await.unwrap();
    let dead = connect::renew(&http_client(), &stored).await;
    assert!(dead.is_err(), "a revoked refresh token must not renew");
}

async fn run_on_sandbox(
    store: &LoginStore,
    spec: &sflab::lab::LabSpec,
    ws: &sflab::workspace::Workspace,
    settings: impl FnOnce(&mut SandboxSettings),
) -> (
    Result<sflab::runner::Report, sflab::runner::RunError>,
    Vec<String>,
) {
    let mut s = SandboxSettings::new(store.clone(), None);
    settings(&mut s);
    let (parts, notes) = sflab::sandbox::parts_for(&BackendChoice::Sandbox(None), Some(s));
    let mut options = sflab::runner::RunOptions::new(ws.clone(), parts);
    options.tls = false;
    options.record = false;
    let report = sflab::runner::run_lab(spec, &options).await;
    let notes = notes.lock().clone();
    (report, notes)
}

const QUERY_RUN: &str = "#!/usr/bin/env bash\nset -euo pipefail\ncurl -sS -f -G \"$SF_INSTANCE_URL/services/data/v$SF_API_VERSION/query\" -H \"Authorization: Bearer $SF_ACCESS_TOKEN\" --data-urlencode \"q=SELECT Name FROM Account ORDER BY Name\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_run_is_forwarded_seeded_and_cleaned_up_exactly() {
    if !have("curl") {
        eprintln!("skipping: curl is not installed");
        return;
    }
    let r = real_org(true, 0).await;
    let store_dir = tempfile::tempdir().unwrap();
    let store = LoginStore::at(store_dir.path());
    store.save(&cc_login(&r, "dev").await).unwrap();
    let before = account_names(&r.org);
    let spec = lab(
        SEED,
        "  - { rule: http.request, method: GET, path: \"/services/data/*/query\", points: 1 }\n  - { rule: process.exit_ok, points: 1 }",
    );
    let (_dir, ws) = workspace_with_run(QUERY_RUN);
    let (report, notes) = run_on_sandbox(&store, &spec, &ws, |_| {}).await;
    let report = report.expect("the run completes");
    assert!(report.passed, "{:?}", report.verdicts);
    // Forwarded unchanged: the org's answer, with the seeded record, came back through the proxy.
    let query = report
        .exchanges
        .iter()
        .find(|x| x.request.path.ends_with("/query"))
        .expect("the query went through the proxy");
    assert_eq!(query.response.as_ref().map(|r| r.status), Some(200));
    assert!(report.runs[0].stdout.text.contains("Sandbox Probe One"));
    // Exactly the seeded records are gone again; the org's own data is untouched.
    assert_eq!(account_names(&r.org), before);
    assert!(
        notes.iter().any(|n| n.contains("deleted the 2 record(s)")),
        "{notes:?}"
    );
    assert!(!sflab::sandbox::backend::journal_path(&store, "dev").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_logins_client_secret_printed_by_a_run_is_masked_though_the_lab_never_handed_it() {
    let r = real_org(true, 0).await;
    let store_dir = tempfile::tempdir().unwrap();
    let store = LoginStore::at(store_dir.path());
    let login = cc_login(&r, "dev").await;
    let secret = login
        .client_secret
        .clone()
        .expect("a client-credentials login keeps its secret");
    store.save(&login).unwrap();
    // No `run.app`: the run is not handed the secret, but the learner, who made the app, has
    let spec = lab(SEED, "  - { rule: process.exit_ok, points: 1 }");
    // it where sflab reads nothing (outside the lab folder).
    let kept = tempfile::tempdir().unwrap();
    let kept_file = kept.path().join("app.txt");
    std::fs::write(&kept_file, &secret).unwrap();
    let (_dir, ws) = workspace_with_run(&format!(
        "#!/bin/sh\necho \"using secret $(cat {})\"\n",
        kept_file.display()
    ));
    let (report, _) = run_on_sandbox(&store, &spec, &ws, |_| {}).await;
    let report = report.expect("the run completes");
    let out = &report.runs[0].stdout.text;
    assert!(!out.contains(&secret), "{out}");
    assert!(
        out.contains("using secret ‹redacted:client_secret#"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_is_cleaned_up_from_the_journal_on_next_start() {
    let r = real_org(true, 0).await;
    let store_dir = tempfile::tempdir().unwrap();
    let store = LoginStore::at(store_dir.path());
    let login = cc_login(&r, "dev").await;
    store.save(&login).unwrap();
    let client = OrgClient::new(login.clone(), None);
    // Someone else's record, created outside sflab: it must survive everything below.
    let theirs = client
        .send(
            reqwest::Method::POST,
            &OrgClient::data_path("/sobjects/Account"),
            Some(&serde_json::json!({"Name": "Not Yours"})),
        )
        .await
        .unwrap();
    assert_eq!(theirs.status, 201);
    // A run seeds, then the process dies before cleanup: the journal is all that is left.
    let seed = OrgSeed::from_yaml(&SEED.replace("\n  ", "\n").trim_start().replacen(
        "  records",
        "records",
        1,
    ))
    .unwrap();
    let mut journal = SeedJournal::open(
        &sflab::sandbox::backend::journal_path(&store, "dev"),
        &login.instance_url,
    )
    .unwrap();
    create_all(&client, &mut journal, &plan_creates(&seed).unwrap())
        .await
        .unwrap();
    drop(journal);
    assert!(account_names(&r.org).contains(&"Sandbox Probe One".to_string()));

    let cleanup = sflab::sandbox::backend::clean_leftovers(&client, &store)
        .await
        .unwrap();
    assert_eq!(cleanup.deleted.len(), 2);
    let names = account_names(&r.org);
    assert!(!names.contains(&"Sandbox Probe One".to_string()));
    assert!(names.contains(&"Not Yours".to_string()));
    assert!(!sflab::sandbox::backend::journal_path(&store, "dev").exists());
}

async fn refusal(
    is_sandbox: bool,
    used: u64,
    settings: impl FnOnce(&mut SandboxSettings),
) -> String {
    let r = real_org(is_sandbox, used).await;
    let store_dir = tempfile::tempdir().unwrap();
    let store = LoginStore::at(store_dir.path());
    store.save(&cc_login(&r, "dev").await).unwrap();
    let before = account_names(&r.org);
    let spec = lab(SEED, "  - { rule: process.exit_ok, points: 1 }");
    let (_dir, ws) = workspace_with_run("#!/bin/sh\nexit 0\n");
    let (report, _) = run_on_sandbox(&store, &spec, &ws, settings).await;
    assert_eq!(
        account_names(&r.org),
        before,
        "a refused run creates nothing"
    );
    match report {
        Err(e) => e.to_string(),
        Ok(_) => String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_is_refused_without_the_flag_and_the_typed_phrase() {
    let e = refusal(false, 0, |_| {}).await;
    assert!(
        e.contains("production org") && e.contains("--allow-production"),
        "{e}"
    );
    let e = refusal(false, 0, |s| {
        s.allow_production = true;
        s.production_confirmation = Some("yes".into());
    })
    .await;
    assert!(e.contains("confirmation did not match"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nearly_spent_allocation_is_refused() {
    let e = refusal(true, 14_500, |_| {}).await;
    assert!(e.contains("daily API requests left"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_over_the_cap_are_answered_by_the_proxy_and_marked() {
    if !have("curl") {
        eprintln!("skipping: curl is not installed");
        return;
    }
    let r = real_org(true, 0).await;
    let store_dir = tempfile::tempdir().unwrap();
    let store = LoginStore::at(store_dir.path());
    store.save(&cc_login(&r, "dev").await).unwrap();
    let spec = lab(SEED, "  - { rule: process.exit_ok, points: 1 }");
    let script = format!(
        "{QUERY_RUN}{}",
        QUERY_RUN
            .replace("#!/usr/bin/env bash\nset -euo pipefail\n", "")
            .replace("-f ", "")
    );
    let (_dir, ws) = workspace_with_run(&script);
    let (report, _) = run_on_sandbox(&store, &spec, &ws, |s| s.call_cap = 1).await;
    let report = report.unwrap();
    let second = &report.exchanges[1];
    assert_eq!(second.response.as_ref().map(|r| r.status), Some(429));
    assert_eq!(
        second.fault.as_ref().map(|f| f.kind.as_str()),
        Some("call_cap")
    );
    assert!(report.runs[0].stdout.text.contains("SFLAB_CALL_CAP"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_the_org_refuses_undoes_the_records_made_before_it() {
    let r = real_org(true, 0).await;
    let store_dir = tempfile::tempdir().unwrap();
    let store = LoginStore::at(store_dir.path());
    store.save(&cc_login(&r, "dev").await).unwrap();
    let before = account_names(&r.org);
    // The Contact lacks its required LastName: the org refuses it after the Account exists.
    // The loader refuses such a seed, so the record loses its LastName after loading: the
    // sandbox is where a create can still be refused (a rule of that org's own).
    let mut spec = lab(SEED, "  - { rule: process.exit_ok, points: 1 }");
    let contact = &mut spec.org["records"][1]["Contact"];
    contact
        .as_mapping_mut()
        .expect("the seed's Contact")
        .remove("LastName");
    let (_dir, ws) = workspace_with_run("#!/bin/sh\nexit 0\n");
    let (report, notes) = run_on_sandbox(&store, &spec, &ws, |_| {}).await;
    let Err(e) = report else {
        panic!("the seed fails")
    };
    let e = e.to_string();
    assert!(e.contains("refused to create"), "{e}");
    assert_eq!(account_names(&r.org), before);
    assert!(
        notes.iter().any(|n| n.contains("deleted the 1 record(s)")),
        "{notes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lab_needing_a_field_the_org_lacks_is_refused_without_touching_metadata() {
    let r = real_org(true, 0).await;
    let store_dir = tempfile::tempdir().unwrap();
    let store = LoginStore::at(store_dir.path());
    store.save(&cc_login(&r, "dev").await).unwrap();
    let seed = "  objects: { Account: { fields: { Sflab_Probe__c: { type: text } } } }\n  records:\n    - Account: { Name: Sandbox Probe One }\n";
    let spec = lab(seed, "  - { rule: process.exit_ok, points: 1 }");
    let (_dir, ws) = workspace_with_run("#!/bin/sh\nexit 0\n");
    let (report, _) = run_on_sandbox(&store, &spec, &ws, |_| {}).await;
    let Err(e) = report else { panic!("refused") };
    let e = e.to_string();
    assert!(
        e.contains("Account.Sflab_Probe__c") && e.contains("Setup"),
        "{e}"
    );
    assert!(!account_names(&r.org).contains(&"Sandbox Probe One".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_are_deleted_when_the_learners_code_times_out() {
    let r = real_org(true, 0).await;
    let store_dir = tempfile::tempdir().unwrap();
    let store = LoginStore::at(store_dir.path());
    store.save(&cc_login(&r, "dev").await).unwrap();
    let before = account_names(&r.org);
    let spec = lab(SEED, "  - { rule: process.exit_ok, points: 1 }");
    let (_dir, ws) = workspace_with_run("#!/bin/sh\nsleep 30\n");
    let mut s = SandboxSettings::new(store.clone(), None);
    s.alias = Some("dev".into());
    let (parts, notes) = sflab::sandbox::parts_for(&BackendChoice::Sandbox(None), Some(s));
    let mut options = sflab::runner::RunOptions::new(ws.clone(), parts);
    options.tls = false;
    options.record = false;
    options.timeout = Some(Duration::from_secs(1));
    // Killed at the timeout (a report with a failed run, or an error): cleaned up either way.
    let _ = sflab::runner::run_lab(&spec, &options).await;
    assert_eq!(account_names(&r.org), before);
    assert!(notes
        .lock()
        .iter()
        .any(|n| n.contains("deleted the 2 record(s)")));
}
