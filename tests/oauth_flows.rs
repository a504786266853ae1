//! The OAuth flows as a learner walks through them: real `curl` (and `openssl` for signing a
//! JWT) against the default org served on a loopback port, then a REST call with the token.
//!
//! When curl or openssl is missing the walk-throughs are skipped with a note, except under
//! `CI=true`, where a missing tool fails the run.

use sflab::org::auth::{install_for_workspace, serve_client, JwtKeyPair};
use sflab::org::serve::{bind_loopback, serve};
use sflab::org::Org;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn tools_present() -> bool {
    let ok = |t: &str| {
        Command::new(t)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let present =
        ok("curl") && ok("bash") && Command::new("openssl").arg("version").output().is_ok();
    if !present && std::env::var("CI").as_deref() == Ok("true") {
        panic!("curl, bash and openssl are needed for the OAuth walk-throughs under CI=true");
    }
    if !present {
        eprintln!("skipping: curl, bash or openssl is not installed");
    }
    present
}

/// Runs a bash script with `BASE` and the extra variables set; returns stdout, panics with
/// stderr on failure.
fn sh(base: &str, vars: &[(&str, &str)], script: &str) -> String {
    let mut c = Command::new("bash");
    c.arg("-euo")
        .arg("pipefail")
        .arg("-c")
        .arg(script)
        .env("BASE", base);
    for (k, v) in vars {
        c.env(k, v);
    }
    let out = c.output().expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "script failed: {script}\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.trim().to_string()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

struct Running {
    org: Org,
    base: String,
    _stop: tokio::sync::oneshot::Sender<()>,
    ws: tempfile::TempDir,
    key: JwtKeyPair,
}

async fn start() -> Running {
    let org = Org::default_org();
    let ws = tempfile::tempdir().expect("temp workspace");
    let key = install_for_workspace(&org.auth, ws.path()).expect("default apps");
    let listener = bind_loopback(0).await.expect("bind");
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let served = org.clone();
    tokio::spawn(async move {
        let _ = serve(listener, served, None, async {
            let _ = rx.await;
        })
        .await;
    });
    Running {
        org,
        base,
        _stop: tx,
        ws,
        key,
    }
}

/// `status code` then body, for checking refusals.
const REST_CALL: &str = r#"curl -s -w '\n%{http_code}' "$BASE/services/data/v51.0/sobjects" -H "Authorization: Bearer $TOKEN""#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_then_rest_then_revoke_then_401() {
    if !tools_present() {
        return;
    }
    let r = start().await;
    let (id, secret) = serve_client(&r.org.auth.config()).expect("a client credentials app");
    let token = sh(
        &r.base,
        &[("SF_CLIENT_ID", &id), ("SF_CLIENT_SECRET", &secret)],
        r#"curl -s -u "$SF_CLIENT_ID:$SF_CLIENT_SECRET" -d grant_type=client_credentials "$BASE/services/oauth2/token""#,
    );
    let v = json(&token);
    let access = v["access_token"]
        .as_str()
        .expect("access_token")
        .to_string();
    assert_eq!(v["instance_url"], r.base.as_str());
    let ok = sh(&r.base, &[("TOKEN", &access)], REST_CALL);
    assert!(ok.ends_with("200"), "{ok}");
    sh(
        &r.base,
        &[("TOKEN", &access)],
        r#"curl -sf -d "token=$TOKEN" "$BASE/services/oauth2/revoke""#,
    );
    let refused = sh(&r.base, &[("TOKEN", &access)], REST_CALL);
    assert!(
        refused.ends_with("401") && refused.contains("INVALID_SESSION_ID"),
        "{refused}"
    );
    let log = r.org.auth.decisions();
    assert!(log.iter().any(|d| d.grant == "client_credentials"
        && d.username.as_deref() == Some("integration@sflab.example")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_code_with_pkce_then_refresh_then_expiry() {
    if !tools_present() {
        return;
    }
    let r = start().await;
    let app = r
        .org
        .auth
        .config()
        .app_by_name("sflab_web")
        .cloned()
        .expect("web app");
    let secret = app.consumer_secret.clone().unwrap();
    let script = r#"
VERIFIER=$(openssl rand -base64 48 | tr '+/' '-_' | tr -d '=\n' | cut -c1-64)
CHALLENGE=$(printf '%s' "$VERIFIER" | openssl dgst -sha256 -binary | openssl base64 -A | tr '+/' '-_' | tr -d '=')
LOCATION=$(curl -s -o /dev/null -w '%{redirect_url}' -G "$BASE/services/oauth2/authorize" \
  --data-urlencode response_type=code --data-urlencode "client_id=$CLIENT_ID" \
  --data-urlencode "redirect_uri=$SF_CALLBACK_URL" --data-urlencode state=abc123 \
  --data-urlencode "code_challenge=$CHALLENGE" --data-urlencode code_challenge_method=S256 \
  --data-urlencode "scope=api refresh_token openid")
case "$LOCATION" in *state=abc123*) ;; *) echo "state not echoed: $LOCATION" >&2; exit 1;; esac
CODE=$(printf '%s' "$LOCATION" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
curl -s "$BASE/services/oauth2/token" -d grant_type=authorization_code \
  --data-urlencode "code=$CODE" --data-urlencode "client_id=$CLIENT_ID" \
  --data-urlencode "client_secret=$CLIENT_SECRET" --data-urlencode "redirect_uri=$SF_CALLBACK_URL" \
  --data-urlencode "code_verifier=$VERIFIER"
"#;
    let out = sh(
        &r.base,
        &[
            ("CLIENT_ID", &app.consumer_key),
            ("CLIENT_SECRET", &secret),
            ("SF_CALLBACK_URL", "http://localhost:8080/callback"),
        ],
        script,
    );
    let v = json(&out);
    assert!(v["id_token"].is_string(), "{out}");
    let refresh = v["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_string();
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
    // Two hours later the access token is dead; the refresh token gets a new one.
    r.org.clock.advance(Duration::from_secs(2 * 3600 + 60));
    let dead = sh(
        &r.base,
        &[("TOKEN", v["access_token"].as_str().unwrap())],
        REST_CALL,
    );
    assert!(
        dead.ends_with("401") && dead.contains("INVALID_SESSION_ID"),
        "{dead}"
    );
    let again = sh(
        &r.base,
        &[
            ("CLIENT_ID", &app.consumer_key),
            ("CLIENT_SECRET", &secret),
            ("RT", &refresh),
        ],
        r#"curl -s "$BASE/services/oauth2/token" -d grant_type=refresh_token --data-urlencode "refresh_token=$RT" --data-urlencode "client_id=$CLIENT_ID" --data-urlencode "client_secret=$CLIENT_SECRET""#,
    );
    let fresh = json(&again);
    let ok = sh(
        &r.base,
        &[("TOKEN", fresh["access_token"].as_str().unwrap())],
        REST_CALL,
    );
    assert!(ok.ends_with("200"), "{ok}");
    // The default web-server app does not rotate (rotation is a setting an admin switches on):
    // the answer carries no new refresh token, and the first one renews again at the next
    // expiry, as a client that keeps it (jsforce's automatic refresh) expects.
    assert!(fresh.get("refresh_token").is_none(), "{fresh}");
    r.org.clock.advance(Duration::from_secs(2 * 3600 + 60));
    let second = sh(
        &r.base,
        &[
            ("CLIENT_ID", &app.consumer_key),
            ("CLIENT_SECRET", &secret),
            ("RT", &refresh),
        ],
        r#"curl -s "$BASE/services/oauth2/token" -d grant_type=refresh_token --data-urlencode "refresh_token=$RT" --data-urlencode "client_id=$CLIENT_ID" --data-urlencode "client_secret=$CLIENT_SECRET""#,
    );
    let second = json(&second);
    let ok = sh(
        &r.base,
        &[("TOKEN", second["access_token"].as_str().expect("renewed"))],
        REST_CALL,
    );
    assert!(ok.ends_with("200"), "{ok}");
}

fn jwt_script(key: &Path) -> (String, Vec<(String, String)>) {
    let script = r#"
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
NOW=$(date +%s)
HEADER=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
PAYLOAD=$(printf '{"iss":"%s","sub":"%s","aud":"%s","exp":%s}' "$CLIENT_ID" "$SF_USERNAME" "$BASE" $((NOW + 180)) | b64url)
SIG=$(printf '%s.%s' "$HEADER" "$PAYLOAD" | openssl dgst -sha256 -sign "$SF_JWT_KEY_FILE" -binary | b64url)
curl -s "$BASE/services/oauth2/token" -d grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer \
  --data-urlencode "assertion=$HEADER.$PAYLOAD.$SIG"
"#;
    (
        script.to_string(),
        vec![("SF_JWT_KEY_FILE".into(), key.display().to_string())],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_bearer_signed_with_openssl_and_the_workspace_key() {
    if !tools_present() {
        return;
    }
    let r = start().await;
    let key_file = r.ws.path().join(sflab::org::auth::defaults::JWT_KEY_FILE);
    assert_eq!(
        std::fs::read_to_string(&key_file).unwrap(),
        r.key.private_key_pem
    );
    let app = r
        .org
        .auth
        .config()
        .app_by_name("sflab_jwt")
        .cloned()
        .expect("jwt app");
    let (script, vars) = jwt_script(&key_file);
    let mut env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.push(("CLIENT_ID", &app.consumer_key));
    env.push(("SF_USERNAME", "integration@sflab.example"));
    let v = json(&sh(&r.base, &env, &script));
    let ok = sh(
        &r.base,
        &[("TOKEN", v["access_token"].as_str().expect("token"))],
        REST_CALL,
    );
    assert!(ok.ends_with("200"), "{ok}");
    // A user who is not pre-authorized is refused with the org's text.
    env.retain(|(k, _)| *k != "SF_USERNAME");
    env.push(("SF_USERNAME", "nobody@sflab.example"));
    let refused = json(&sh(&r.base, &env, &script));
    assert_eq!(refused["error"], "invalid_grant");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_flow_approved_on_the_verification_page() {
    if !tools_present() {
        return;
    }
    let r = start().await;
    let app = r
        .org
        .auth
        .config()
        .app_by_name("sflab_device")
        .cloned()
        .expect("device app");
    let started = json(&sh(
        &r.base,
        &[("CLIENT_ID", &app.consumer_key)],
        r#"curl -s "$BASE/services/oauth2/token" -d response_type=device_code --data-urlencode "client_id=$CLIENT_ID" --data-urlencode "scope=api refresh_token""#,
    ));
    let device_code = started["device_code"].as_str().unwrap().to_string();
    let user_code = started["user_code"].as_str().unwrap().to_string();
    let poll = r#"curl -s "$BASE/services/oauth2/token" -d grant_type=device --data-urlencode "client_id=$CLIENT_ID" --data-urlencode "code=$CODE""#;
    let vars = [
        ("CLIENT_ID", app.consumer_key.as_str()),
        ("CODE", device_code.as_str()),
    ];
    assert_eq!(
        json(&sh(&r.base, &vars, poll))["error"],
        "authorization_pending"
    );
    assert_eq!(json(&sh(&r.base, &vars, poll))["error"], "slow_down");
    let page = sh(
        &r.base,
        &[("USER_CODE", &user_code)],
        r#"curl -s "$BASE/setup/connect" --data-urlencode "user_code=$USER_CODE" -d username=admin@sflab.example -d password=Admin-sflab-1 -d action=allow"#,
    );
    assert!(page.contains("connected"), "{page}");
    r.org.clock.advance(Duration::from_secs(11));
    let v = json(&sh(&r.base, &vars, poll));
    assert!(v["refresh_token"].is_string(), "{v}");
    let ok = sh(
        &r.base,
        &[("TOKEN", v["access_token"].as_str().unwrap())],
        REST_CALL,
    );
    assert!(ok.ends_with("200"), "{ok}");
}

/// The project-local client installs (`scripts/install-clients`), or None (a failure under
/// `CI=true`).
fn tools_dir(probe: &str) -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("SFLAB_TOOLS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools"));
    if dir.join(probe).exists() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "{probe} is not installed under {}; run scripts/install-clients",
            dir.display()
        );
    }
    eprintln!(
        "skipping: {probe} is not installed under {} (scripts/install-clients)",
        dir.display()
    );
    None
}

/// The default org over HTTPS with the workspace's local CA.
async fn start_tls() -> (Running, std::path::PathBuf) {
    let org = Org::default_org();
    let ws = tempfile::tempdir().expect("temp workspace");
    let key = install_for_workspace(&org.auth, ws.path()).expect("default apps");
    let tls = sflab::org::tls::LocalCa::load_or_create(ws.path())
        .and_then(|ca| ca.server_config())
        .expect("local CA");
    let ca_bundle = tls.ca_bundle.clone();
    let listener = bind_loopback(0).await.expect("bind");
    let base = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let served = org.clone();
    tokio::spawn(async move {
        let _ = serve(listener, served, Some(tls), async {
            let _ = rx.await;
        })
        .await;
    });
    (
        Running {
            org,
            base,
            _stop: tx,
            ws,
            key,
        },
        ca_bundle,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_salesforce_jwt_and_client_credentials_logins() {
    let Some(tools) = tools_dir("venv/bin/python") else {
        return;
    };
    let (r, ca) = start_tls().await;
    let config = r.org.auth.config();
    let jwt = config.app_by_name("sflab_jwt").expect("jwt app");
    let (cc_id, cc_secret) = serve_client(&config).expect("client credentials app");
    let key_file = r.ws.path().join(sflab::org::auth::defaults::JWT_KEY_FILE);
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/simple_salesforce_oauth.py");
    let out = Command::new(tools.join("venv/bin/python"))
        .arg(script)
        .env("SF_INSTANCE_URL", &r.base)
        .env("REQUESTS_CA_BUNDLE", &ca)
        .env("JWT_CLIENT_ID", &jwt.consumer_key)
        .env("JWT_KEY_FILE", &key_file)
        .env("JWT_USERNAME", "integration@sflab.example")
        .env("CC_CLIENT_ID", &cc_id)
        .env("CC_CLIENT_SECRET", &cc_secret)
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("all simple-salesforce OAuth checks passed"),
        "{stdout}"
    );
    let log = r.org.auth.decisions();
    assert!(log
        .iter()
        .any(|d| d.grant == "jwt_bearer" && d.error.is_none()));
    assert!(log
        .iter()
        .any(|d| d.grant == "client_credentials" && d.error.is_none()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsforce_auth_code_with_pkce_then_refresh() {
    let Some(tools) = tools_dir("node/node_modules/jsforce") else {
        return;
    };
    let (r, ca) = start_tls().await;
    let app = r
        .org
        .auth
        .config()
        .app_by_name("sflab_web")
        .cloned()
        .expect("web app");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/jsforce_oauth.js");
    let out = Command::new("node")
        .arg(script)
        .env("NODE_PATH", tools.join("node/node_modules"))
        .env("NODE_EXTRA_CA_CERTS", &ca)
        .env("SF_LOGIN_URL", &r.base)
        .env("CLIENT_ID", &app.consumer_key)
        .env(
            "CLIENT_SECRET",
            app.consumer_secret.as_deref().unwrap_or(""),
        )
        .env("CALLBACK_URL", "http://localhost:8080/callback")
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("all jsforce OAuth checks passed"),
        "{stdout}"
    );
    let d = r
        .org
        .auth
        .decisions()
        .into_iter()
        .find(|d| d.grant == "authorization_code")
        .expect("logged");
    assert_eq!(
        (d.pkce_method.as_deref(), d.verifier_matched),
        (Some("S256"), Some(true))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sf_cli_jwt_login_with_a_fresh_certificate_and_web_login() {
    let Some(tools) = tools_dir("sf/package/bin/run.js") else {
        return;
    };
    let (r, ca) = start_tls().await;
    // The learner's key and certificate, made the way the lessons show.
    let dir = tempfile::tempdir().expect("key folder");
    let key = dir.path().join("server.key");
    let cert = dir.path().join("server.crt");
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=sflab-test",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let app_yaml = format!(
        "name: cli_jwt\nflows: [jwt_bearer]\nscopes: [api, web]\npermitted_users: admin_approved\npre_authorized: {{ profiles: [System Administrator] }}\ncertificate: {}\n",
        serde_json::to_string(&std::fs::read_to_string(&cert).unwrap()).unwrap()
    );
    let app: sflab::org::auth::ExternalClientApp =
        serde_yaml::from_str(&app_yaml).expect("app yaml");
    let config = r
        .org
        .auth
        .config()
        .with_apps(vec![app])
        .expect("app accepted");
    let key_id = config.app_by_name("cli_jwt").unwrap().consumer_key.clone();
    r.org.auth.replace_config(config);
    let home = tempfile::tempdir().expect("sandbox home");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/sf_cli_oauth.sh");
    let out = Command::new("bash")
        .arg(script)
        .env("SF_BIN", tools.join("sf/package/bin/run.js"))
        .env("SF_INSTANCE_URL", &r.base)
        .env("NODE_EXTRA_CA_CERTS", &ca)
        .env("SANDBOX_HOME", home.path())
        .env("JWT_KEY_FILE", &key)
        .env("JWT_CLIENT_ID", &key_id)
        .env("JWT_USERNAME", "admin@sflab.example")
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let decisions: Vec<String> = r
        .org
        .auth
        .decisions()
        .iter()
        .map(|d| format!("{d:?}"))
        .collect();
    assert!(
        out.status.success(),
        "{stdout}\n{}\ndecisions: {decisions:#?}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("all sf CLI OAuth checks passed"),
        "{stdout}"
    );
    let log = r.org.auth.decisions();
    let jwt = log
        .iter()
        .find(|d| d.grant == "jwt_bearer" && d.error.is_none())
        .expect("a JWT login");
    assert_eq!(jwt.username.as_deref(), Some("admin@sflab.example"));
    let web = log
        .iter()
        .find(|d| d.grant == "authorization_code" && d.client_id.as_deref() == Some("PlatformCLI"))
        .expect("a web login");
    assert_eq!(
        (web.pkce_method.as_deref(), web.verifier_matched),
        (Some("S256"), Some(true))
    );
}

/// `sflab org serve --app FLOW --env-file F` on a free port; the env file's text once written.
struct Served {
    child: std::process::Child,
    env_file: std::path::PathBuf,
    _ws: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `sflab org serve` over plain HTTP on free ports in workspace `ws`, with `--app app`.
fn org_serve(ws: &Path, app: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sflab"));
    c.arg("--workspace")
        .arg(ws)
        .args([
            "org",
            "serve",
            "--http",
            "--port",
            "0",
            "--pubsub-port",
            "0",
        ])
        .args(["--app", app]);
    c
}

fn serve_with_app(app: &str) -> Served {
    let ws = tempfile::tempdir().unwrap();
    let env_file = ws.path().join("sflab.env");
    let child = org_serve(ws.path(), app)
        .arg("--env-file")
        .arg(&env_file)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("sflab runs");
    for _ in 0..100 {
        if env_file.is_file() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(env_file.is_file(), "org serve wrote no env file");
    Served {
        child,
        env_file,
        _ws: ws,
    }
}

#[test]
fn org_serve_with_the_web_server_app_lets_the_lessons_pkce_walkthrough_run_as_written() {
    if !tools_present() {
        return;
    }
    let served = serve_with_app("web-server");
    let env = served.env_file.display().to_string();
    // The lesson's steps: verifier and challenge, the authorize URL (approved automatically
    // for the admin in the default org), the redirect's code, then the token.
    let token = sh(
        "",
        &[("ENV_FILE", env.as_str())],
        r#"source "$ENV_FILE"
VERIFIER=$(openssl rand -base64 48 | tr '+/' '-_' | tr -d '=\n' | cut -c1-64)
CHALLENGE=$(printf '%s' "$VERIFIER" | openssl dgst -sha256 -binary | openssl base64 | tr '+/' '-_' | tr -d '=\n')
STATE=$(openssl rand -hex 16)
REDIRECT=$(printf '%s' "$SF_CALLBACK_URL" | sed 's/:/%3A/g; s#/#%2F#g')
URL="$SF_LOGIN_URL/services/oauth2/authorize?response_type=code&client_id=$SF_CLIENT_ID&redirect_uri=$REDIRECT&scope=api%20refresh_token&state=$STATE&code_challenge=$CHALLENGE&code_challenge_method=S256"
LANDED=$(curl -s -o /dev/null -w '%{redirect_url}' "$URL")
CODE=$(printf '%s' "$LANDED" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
test -n "$CODE"
curl -sS "$SF_LOGIN_URL/services/oauth2/token" \
  --data-urlencode grant_type=authorization_code --data-urlencode "code=$CODE" \
  --data-urlencode "client_id=$SF_CLIENT_ID" --data-urlencode "client_secret=$SF_CLIENT_SECRET" \
  --data-urlencode "redirect_uri=$SF_CALLBACK_URL" --data-urlencode "code_verifier=$VERIFIER""#,
    );
    let body = json(&token);
    assert!(body["access_token"].as_str().is_some(), "{body}");
    assert!(body["refresh_token"].as_str().is_some(), "{body}");
}

#[test]
fn org_serve_refuses_an_app_it_does_not_have() {
    let ws = tempfile::tempdir().unwrap();
    let out = org_serve(ws.path(), "carrier-pigeon").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("web-server"));
}
