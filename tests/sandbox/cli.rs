//! The sandbox backend as a user runs it: the `sflab` binary logs in (client credentials, and
//! the web flow with a scripted browser), lists, checks an L1 lab on the sandbox and logs out,
//! with the output and every stored file scanned for leaked tokens.

use super::{have, real_org, serve_client};
use sflab::sandbox::OrgLogin;
use std::path::Path;
use std::process::Command;

fn sflab(config: &Path, ws: &Path, args: &[&str], stdin_env: &[(&str, &str)]) -> (i32, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sflab"));
    c.args(args)
        .arg("--workspace")
        .arg(ws)
        .env("SFLAB_CONFIG_DIR", config)
        .env_remove("SF_CLIENT_SECRET");
    for (k, v) in stdin_env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// Every file under `dir`, as bytes.
fn all_files(dir: &Path, out: &mut Vec<(std::path::PathBuf, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            all_files(&p, out);
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((p, b));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_a_user_login_list_check_logout_without_leaking_a_token() {
    if !have("curl") || !have("jq") {
        eprintln!("skipping: curl or jq is not installed");
        return;
    }
    let r = real_org(true, 0).await;
    let config = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    let (id, secret) = serve_client(&r.org.auth.config()).unwrap();
    let mut transcript = String::new();
    let mut step = |args: &[&str], env: &[(&str, &str)]| {
        let (code, text) = sflab(config.path(), ws.path(), args, env);
        transcript.push_str(&text);
        (code, text)
    };
    let (code, text) = step(
        &[
            "org",
            "login",
            "--alias",
            "dev",
            "--instance-url",
            &r.base,
            "--client-id",
            &id,
            "--client-credentials",
        ],
        &[("SF_CLIENT_SECRET", &secret)],
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("(sandbox)"), "{text}");
    let login_file = config.path().join("orgs/dev.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&login_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let stored: OrgLogin = serde_json::from_slice(&std::fs::read(&login_file).unwrap()).unwrap();
    let (code, text) = step(&["org", "list"], &[]);
    assert!(
        code == 0 && text.contains("* dev") && text.contains("sandbox"),
        "{text}"
    );
    let (code, text) = step(&["org", "status"], &[]);
    assert!(code == 0 && text.contains("API calls"), "{text}");
    let (code, text) = step(&["lab", "start", "rest-first-call"], &[]);
    assert_eq!(code, 0, "{text}");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("solutions/rest-first-call/run"),
        ws.path().join("rest-first-call/run"),
    )
    .unwrap();
    let (code, text) = step(
        &["check", "rest-first-call", "--backend", "sandbox:dev"],
        &[],
    );
    assert_eq!(code, 0, "the L1 lab passes on the sandbox: {text}");
    assert!(text.contains("deleted the 3 record(s)"), "{text}");
    // The report names the org it ran on, as the org described itself.
    assert!(
        text.contains("\non ") && text.contains(") at 127.0.0.1:") && text.contains(", org 00D"),
        "{text}"
    );
    let (code, text) = step(&["transcript", "rest-first-call"], &[]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = step(&["org", "logout", "dev"], &[]);
    assert!(code == 0 && text.contains("revoked"), "{text}");
    assert!(!login_file.exists());

    let secrets = [stored.access_token.as_str(), secret.as_str()];
    for s in secrets {
        assert!(
            !transcript.contains(s),
            "a secret was printed:\n{transcript}"
        );
    }
    let mut files = Vec::new();
    all_files(ws.path(), &mut files);
    all_files(config.path(), &mut files);
    for (path, bytes) in files {
        let text = String::from_utf8_lossy(&bytes);
        for s in secrets {
            assert!(!text.contains(s), "{} holds a secret", path.display());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_login_from_the_command_line_opens_the_browser_and_stores_the_login() {
    if !have("curl") {
        eprintln!("skipping: curl is not installed");
        return;
    }
    let r = real_org(true, 0).await;
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
    let (client_id, secret) = (
        app.consumer_key.clone(),
        app.consumer_secret.clone().unwrap(),
    );
    r.org.auth.replace_config(config);
    // The scripted browser: it is given the authorize URL, the org approves at once (302), and
    // the browser follows the redirect to sflab's loopback callback.
    let browser = r.dir.path().join("browser");
    std::fs::write(
        &browser,
        "#!/bin/sh\nloc=$(curl -s -o /dev/null -w '%{redirect_url}' \"$1\")\ncurl -s \"$loc\" > /dev/null\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let config_dir = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    let browser = browser.display().to_string();
    let (code, text) = tokio::task::spawn_blocking({
        let (cfg, ws, base) = (
            config_dir.path().to_path_buf(),
            ws.path().to_path_buf(),
            r.base.clone(),
        );
        move || {
            sflab(
                &cfg,
                &ws,
                &[
                    "org",
                    "login",
                    "--alias",
                    "web",
                    "--instance-url",
                    &base,
                    "--client-id",
                    &client_id,
                    "--callback",
                    &callback,
                ],
                &[("SFLAB_BROWSER", &browser), ("SF_CLIENT_SECRET", &secret)],
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("Logged in to"), "{text}");
    let stored: OrgLogin =
        serde_json::from_slice(&std::fs::read(config_dir.path().join("orgs/web.json")).unwrap())
            .unwrap();
    assert_eq!(stored.grant, sflab::sandbox::Grant::WebServer);
    assert!(stored.refresh_token.is_some());
    assert!(!text.contains(&stored.access_token));
}

#[test]
fn logout_forgets_a_login_file_that_cannot_be_read() {
    let config = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    let orgs = config.path().join("orgs");
    std::fs::create_dir_all(&orgs).unwrap();
    std::fs::write(orgs.join("broken.json"), "{bad json").unwrap();
    let (code, text) = sflab(config.path(), ws.path(), &["org", "logout", "broken"], &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("Forgot the login broken") && text.contains("no token was revoked"),
        "{text}"
    );
    assert!(!orgs.join("broken.json").exists());
}
