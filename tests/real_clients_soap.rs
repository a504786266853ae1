//! Real clients, unchanged, against the mock org's SOAP API over HTTPS on loopback: jsforce
//! (SOAP login, `conn.soap` calls, REST with the SOAP session) and simple-salesforce's SOAP
//! login (through the library's `session=` hook, because it hard-wires login.salesforce.com).
//!
//! The clients live in `.tools/` (`scripts/install-clients`). When one is missing the test fails
//! under `CI=true` and otherwise says why and returns.

use sflab::org::Org;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

const USERNAME: &str = "admin@sflab.example";
/// The default org's admin password (the username-password lesson's user).
const PASSWORD: &str = "Admin-sflab-1";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

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

/// Starts the default org over HTTPS on port 0, runs `program args` against it, stops it.
async fn run_against_org(program: &Path, args: &[&str], extra: &[(&str, String)]) -> String {
    let workspace = tempfile::tempdir().unwrap();
    let ca = sflab::org::tls::LocalCa::load_or_create(workspace.path()).unwrap();
    let tls = ca.server_config().unwrap();
    let listener = sflab::org::serve::bind_loopback(0).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(sflab::org::serve::serve(
        listener,
        Org::default_org(),
        Some(tls),
        async {
            let _ = stopped.await;
        },
    ));
    let ca_path = ca.cert_path.display().to_string();
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .env("SF_INSTANCE_URL", format!("https://localhost:{port}"))
        .env("SF_USERNAME", USERNAME)
        .env("SF_PASSWORD", PASSWORD)
        .env("REQUESTS_CA_BUNDLE", &ca_path)
        .env("NODE_EXTRA_CA_CERTS", &ca_path)
        .env("SSL_CERT_FILE", &ca_path);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(180), cmd.output())
        .await
        .expect("the client finished within 3 minutes")
        .expect("the client could be started");
    let _ = stop.send(());
    server.await.unwrap().unwrap();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsforce_logs_in_over_soap_and_uses_the_soap_api() {
    let node_modules = root().join(".tools/node/node_modules");
    if !client_present(&node_modules.join("jsforce"), "jsforce") {
        return;
    }
    let script = root().join("tests/clients/jsforce_soap.js");
    let out = run_against_org(
        Path::new("node"),
        &[script.to_str().unwrap()],
        &[("NODE_PATH", node_modules.display().to_string())],
    )
    .await;
    assert!(out.contains("all jsforce SOAP checks passed"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_salesforce_logs_in_over_soap() {
    let python = root().join(".tools/venv/bin/python");
    if !client_present(&python, "simple-salesforce (Python venv)") {
        return;
    }
    let script = root().join("tests/clients/simple_salesforce_soap.py");
    let out = run_against_org(&python, &[script.to_str().unwrap()], &[]).await;
    assert!(
        out.contains("all simple-salesforce SOAP checks passed"),
        "{out}"
    );
}
