//! Real Salesforce clients' Bulk API 2.0 helpers, unchanged, against the mock org over HTTPS
//! on loopback: simple-salesforce `bulk2`, jsforce `bulk2` and its many-record CRUD (sObject
//! Collections) with a composite call, and the sf CLI's bulk commands.
//!
//! `scripts/install-clients` puts the clients in `.tools/`. When one is missing the test
//! fails under `CI=true` and otherwise says why and returns. Each test starts its own default
//! org on port 0 with a CA generated into a temporary workspace and runs a script from
//! `tests/clients/` that checks every answer.

use sflab::org::rest::static_token::issue_static_token;
use sflab::org::Org;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

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
    work: tempfile::TempDir,
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
            work: tempfile::tempdir().unwrap(),
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
            ("WORK_DIR", self.work.path().display().to_string()),
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
async fn simple_salesforce_bulk2_inserts_upserts_reads_failures_and_queries_by_locator() {
    let python = root().join(".tools/venv/bin/python");
    if !client_present(&python, "simple-salesforce (Python venv)") {
        return;
    }
    let org = RunningOrg::start().await;
    let script = root().join("tests/clients/simple_salesforce_bulk2_check.py");
    let out = org.run(&python, &[script.to_str().unwrap()], &[]).await;
    assert!(
        out.contains("all simple-salesforce bulk2 checks passed"),
        "{out}"
    );
    org.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsforce_bulk2_loads_csv_and_queries() {
    let node_modules = root().join(".tools/node/node_modules");
    if !client_present(&node_modules.join("jsforce"), "jsforce") {
        return;
    }
    let org = RunningOrg::start().await;
    let script = root().join("tests/clients/jsforce_bulk2_check.js");
    let out = org
        .run(
            Path::new("node"),
            &[script.to_str().unwrap()],
            &[("NODE_PATH", node_modules.display().to_string())],
        )
        .await;
    assert!(out.contains("all jsforce bulk2 checks passed"), "{out}");
    org.stop().await;
}

/// jsforce 3.10's `bulk2.query()` reads only the first result page into its records (later
/// pages are piped into a parser that has already ended), so a result of more than 50,000
/// rows reaches `toArray()` whole only because the org's default page is a real org's
/// (about 250,000 rows), not 50,000.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsforce_bulk2_query_to_array_reads_more_than_fifty_thousand_rows() {
    let node_modules = root().join(".tools/node/node_modules");
    if !client_present(&node_modules.join("jsforce"), "jsforce") {
        return;
    }
    let org = RunningOrg::start().await;
    let script = root().join("tests/clients/jsforce_bulk2_large_query_check.js");
    let out = org
        .run(
            Path::new("node"),
            &[script.to_str().unwrap()],
            &[("NODE_PATH", node_modules.display().to_string())],
        )
        .await;
    assert!(
        out.contains("all jsforce bulk2 large query checks passed"),
        "{out}"
    );
    org.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsforce_many_record_crud_goes_through_collections_and_composite() {
    let node_modules = root().join(".tools/node/node_modules");
    if !client_present(&node_modules.join("jsforce"), "jsforce") {
        return;
    }
    let org = RunningOrg::start().await;
    let script = root().join("tests/clients/jsforce_collections_check.js");
    let out = org
        .run(
            Path::new("node"),
            &[script.to_str().unwrap()],
            &[("NODE_PATH", node_modules.display().to_string())],
        )
        .await;
    assert!(
        out.contains("all jsforce collections checks passed"),
        "{out}"
    );
    org.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sf_cli_upserts_and_exports_with_bulk_commands() {
    let sf = root().join(".tools/sf/package/bin/run.js");
    if !client_present(&sf, "the sf CLI (@salesforce/cli)") {
        return;
    }
    let org = RunningOrg::start().await;
    let home = tempfile::tempdir().unwrap();
    let script = root().join("tests/clients/sf_cli_bulk_check.sh");
    let out = org
        .run(
            Path::new("bash"),
            &[script.to_str().unwrap()],
            &[
                ("SF_BIN", sf.display().to_string()),
                ("SANDBOX_HOME", home.path().display().to_string()),
            ],
        )
        .await;
    assert!(out.contains("all sf CLI bulk checks passed"), "{out}");
    org.stop().await;
}
