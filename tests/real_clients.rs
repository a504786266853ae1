//! Real Salesforce clients, unchanged, against the mock org over HTTPS on loopback:
//! simple-salesforce (Python), jsforce (Node) and the sf CLI.
//!
//! `scripts/install-clients` puts them in `.tools/`. When one is missing the test fails under
//! `CI=true` and otherwise says why and returns. Each test starts its own org on port 0 with
//! a CA generated into a temporary workspace, seeds 2,500 extra Accounts (so paging past
//! 2,000 rows is exercised), and runs a script from `tests/clients/` that checks every answer.

use serde_json::{json, Map};
use sflab::org::rest::static_token::issue_static_token;
use sflab::org::Org;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

const SEEDED_ROWS: usize = 2500;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// True if the test should go on; false (after saying why) if the client is missing here.
fn client_present(path: &Path, what: &str) -> bool {
    if path.exists() {
        return true;
    }
    let why = format!(
        "{what} is not installed at {}; run scripts/install-clients",
        path.display()
    );
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{why}");
    }
    eprintln!("skipping: {why}");
    false
}

struct RunningOrg {
    url: String,
    token: String,
    ca: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _workspace: tempfile::TempDir,
}

impl RunningOrg {
    async fn start() -> RunningOrg {
        let workspace = tempfile::tempdir().unwrap();
        let ca = sflab::org::tls::LocalCa::load_or_create(workspace.path()).unwrap();
        let tls = ca.server_config().unwrap();
        let org = Org::default_org();
        let login = issue_static_token(&org, None).unwrap();
        {
            let actor = org.actor(org.users[0].id);
            let mut store = org.store.write();
            for i in 0..SEEDED_ROWS {
                let mut m = Map::new();
                m.insert("Name".into(), json!(format!("Bulk Seed {i:05}")));
                store.insert("Account", &m, &actor).unwrap();
            }
        }
        let listener = sflab::org::serve::bind_loopback(0).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(sflab::org::serve::serve(listener, org, Some(tls), async {
            let _ = stopped.await;
        }));
        RunningOrg {
            url: format!("https://localhost:{port}"),
            token: login.token,
            ca: ca.cert_path.clone(),
            stop: Some(stop),
            server: Some(server),
            _workspace: workspace,
        }
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        let ca = self.ca.display().to_string();
        vec![
            ("SF_INSTANCE_URL", self.url.clone()),
            ("SF_ACCESS_TOKEN", self.token.clone()),
            ("SEEDED_ROWS", SEEDED_ROWS.to_string()),
            ("REQUESTS_CA_BUNDLE", ca.clone()),
            ("NODE_EXTRA_CA_CERTS", ca.clone()),
            ("SSL_CERT_FILE", ca),
        ]
    }

    /// Runs `program args` with the org's environment; panics with its output on failure.
    async fn run(&self, program: &Path, args: &[&str], extra: &[(&str, String)]) -> String {
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(args)
            .current_dir(root())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in self.env().iter().chain(extra.iter()) {
            cmd.env(k, v);
        }
        let out = tokio::time::timeout(Duration::from_secs(300), cmd.output())
            .await
            .expect("the client finished within 5 minutes")
            .expect("the client could be started");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{} failed ({}).\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
            program.display(),
            out.status
        );
        stdout
    }

    async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(h) = self.server.take() {
            h.await.unwrap().unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_salesforce_queries_pages_crud_upserts_describes_and_reads_limits() {
    let python = root().join(".tools/venv/bin/python");
    if !client_present(&python, "simple-salesforce (Python venv)") {
        return;
    }
    let org = RunningOrg::start().await;
    let script = root().join("tests/clients/simple_salesforce_check.py");
    let out = org.run(&python, &[script.to_str().unwrap()], &[]).await;
    assert!(out.contains("all simple-salesforce checks passed"), "{out}");
    org.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsforce_autofetches_past_2000_rows_and_does_crud_upsert_describe_and_retrieve() {
    let node_modules = root().join(".tools/node/node_modules");
    if !client_present(&node_modules.join("jsforce"), "jsforce") {
        return;
    }
    let org = RunningOrg::start().await;
    let script = root().join("tests/clients/jsforce_check.js");
    let out = org
        .run(
            Path::new("node"),
            &[script.to_str().unwrap()],
            &[("NODE_PATH", node_modules.display().to_string())],
        )
        .await;
    assert!(out.contains("all jsforce checks passed"), "{out}");
    org.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sf_cli_logs_in_with_an_access_token_displays_queries_creates_and_calls_rest() {
    let sf = root().join(".tools/sf/package/bin/run.js");
    if !client_present(&sf, "the sf CLI (@salesforce/cli)") {
        return;
    }
    let org = RunningOrg::start().await;
    let home = tempfile::tempdir().unwrap();
    let script = root().join("tests/clients/sf_cli_check.sh");
    let out = org
        .run(
            Path::new("bash"),
            &[script.to_str().unwrap()],
            &[
                ("SF_BIN", sf.display().to_string()),
                ("SANDBOX_HOME", home.path().display().to_string()),
                ("SFLAB_BIN", env!("CARGO_BIN_EXE_sflab").to_string()),
            ],
        )
        .await;
    assert!(out.contains("all sf CLI checks passed"), "{out}");
    org.stop().await;
}
