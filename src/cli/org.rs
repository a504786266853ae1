//! `sflab org serve`: the mock org on its own, like an emulator (the real-org commands,
//! `sflab org login|list|status|use|logout`, are in `org_login`).
//!
//! It resolves the workspace, builds the org (from `--data`, else `--seed`, else the default
//! org), issues a static access token, starts HTTPS (or HTTP) on 127.0.0.1, writes the
//! `--env-file` once listening, prints the same human-readable, and on Ctrl-C, SIGTERM or
//! SIGHUP (a closed terminal) saves `--data` atomically before exiting (see [`data_file`]: it
//! is checked and locked at start, and the records are kept elsewhere if the save fails).
//!
//! `--data` may be a symbolic link: the file it points to is written. `--env-file` may not
//! (it holds the access token and the client secret, which a link could send elsewhere). An
//! existing `--env-file` is replaced only when sflab wrote it (its first line is sflab's
//! header), so a mistyped name never turns a learner's program into a file of secrets; one
//! the learner edited since (its last line, a digest of the lines above, no longer matches)
//! is kept as `<file>.<time>.bak` first, and the server's output says where.

mod data_file;

use super::Failure;
use crate::org::auth::log_text::log_safe;
use crate::org::auth::{AuthDecision, Outcome};
use crate::org::rest::static_token::issue_static_token;
use crate::org::serve::{bind_loopback, serve};
use crate::org::tls::LocalCa;
use crate::org::{Org, OrgSeed, Store};
use crate::redact::Redactor;
use crate::workspace::{Workspace, WorkspaceOrigin};
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Run the mock org on 127.0.0.1 until Ctrl-C.
    Serve(ServeArgs),
    #[command(flatten)]
    Connect(super::org_login::ConnectCommand),
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8443)]
    pub port: u16,
    /// Serve plain HTTP instead of HTTPS.
    #[arg(long)]
    pub http: bool,
    /// A seed file (YAML: objects, records, users) to build the org from.
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// Restore the org from this file at start (if it exists) and save it here on exit.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Write shell `export` lines for the connection here once the server is listening.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Deploy callout metadata (Named and External Credentials, permission sets, Remote Site
    /// Settings) from this sfdx source folder at start.
    #[arg(long, value_name = "DIR")]
    pub metadata: Option<PathBuf>,
    /// Port of the Pub/Sub API (gRPC) endpoint (0 picks a free one).
    #[arg(long, default_value_t = 7443)]
    pub pubsub_port: u16,
    /// The default org's app whose credentials go in SF_CLIENT_ID, SF_CLIENT_SECRET and
    /// SF_CALLBACK_URL: client-credentials, web-server, jwt, saml, device, user-agent or cli.
    #[arg(long, value_name = "FLOW", default_value = "client-credentials")]
    pub app: String,
}

/// The connection a client needs, as environment variables (name, value) in print order.
pub fn connection_env(
    instance_url: &str,
    token: &str,
    username: &str,
    client: Option<(&str, &str)>,
    ca_bundle: Option<&Path>,
) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("SF_INSTANCE_URL", instance_url.to_string()),
        ("SF_LOGIN_URL", instance_url.to_string()),
        // The version the lessons and labs speak, so examples behave as they did in a lab.
        (
            "SF_API_VERSION",
            crate::runner::env::API_VERSION.to_string(),
        ),
        ("SF_ACCESS_TOKEN", token.to_string()),
        ("SF_USERNAME", username.to_string()),
    ];
    if let Some((id, secret)) = client {
        env.push(("SF_CLIENT_ID", id.to_string()));
        env.push(("SF_CLIENT_SECRET", secret.to_string()));
    }
    if let Some(ca) = ca_bundle {
        let ca = ca.display().to_string();
        for name in crate::runner::env::CA_BUNDLE_VARIABLES {
            env.push((name, ca.clone()));
        }
    }
    env
}

/// Whether a variable of the printed environment holds a secret (a token, a client secret):
/// its value is never shown.
fn is_secret(name: &str) -> bool {
    name.ends_with("_TOKEN") || name.contains("SECRET") || name.contains("PASSWORD")
}

/// What the terminal shows for a variable: no character of a secret is shown (not even its
/// start), so none ends up in scrollback, screenshots or a log of the server's output; the
/// line says where the value is instead: the env file when there is one, else how to get one.
pub fn shown_value(name: &str, value: &str, env_file: Option<&Path>) -> String {
    match env_file {
        _ if !is_secret(name) => value.to_string(),
        Some(file) => format!("(hidden; in {})", file.display()),
        None => "(hidden; --env-file FILE writes it)".to_string(),
    }
}

/// The environment as `org serve` prints it once listening: one line a variable (secrets
/// hidden, see [`shown_value`]), then where the full values are, or how to have them written.
pub fn env_summary(env: &[(&str, String)], env_file: Option<&Path>) -> String {
    let mut out = String::new();
    for (k, v) in env {
        out.push_str(&format!("  {k:<20} {}\n", shown_value(k, v, env_file)));
    }
    match env_file {
        Some(path) => out.push_str(&format!(
            "  (written in full to {}; load it with `. {}`)\n",
            path.display(),
            path.display()
        )),
        None if env.iter().any(|(k, _)| is_secret(k)) => out.push_str(
            "  (secrets are not printed: restart with `--env-file sflab.env` added to this command \
             to have every value written to sflab.env, readable by you alone; load it with \
             `. sflab.env`)\n",
        ),
        None => {}
    }
    out
}

/// The console line for a refused OAuth request: the error the client was sent and the mock
/// org's own reason (which a real org keeps to itself), as a lab's feedback gives it; redacted,
/// and one line whatever the client sent (control characters written out, see `log_safe`).
pub fn refusal_line(d: &AuthDecision, redactor: &Redactor) -> Option<String> {
    if d.outcome != Outcome::Refused {
        return None;
    }
    let client = d
        .client_id
        .as_deref()
        .map(|id| format!(" from client {id}"))
        .unwrap_or_default();
    let user = d
        .username
        .as_deref()
        .map(|u| format!(" for {u}"))
        .unwrap_or_default();
    let error = d.error.as_deref().unwrap_or("refused");
    let reason = d.reason.trim().trim_end_matches('.');
    let line = format!(
        "sflab: refused a {} request{client}{user}: {error}. The mock org's log says why (a real org keeps this to itself): {reason}.",
        d.grant
    );
    Some(log_safe(&redactor.text(&line)).into_owned())
}

/// Prints a line on stderr for each OAuth request the org refuses, while it serves.
async fn explain_refusals(auth: crate::org::auth::AuthServer) {
    let redactor = Redactor::new(&Redactor::random_key());
    let mut seen = auth.decisions().len();
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
    loop {
        tick.tick().await;
        let new = auth.decisions_since(seen);
        seen += new.len();
        for line in new.iter().filter_map(|d| refusal_line(d, &redactor)) {
            eprintln!("{line}");
        }
    }
}

/// Quotes a value for a POSIX shell.
pub fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// The `--env-file` text: one `export NAME='value'` line each.
pub fn env_file_text(env: &[(&str, String)]) -> String {
    let mut out = format!("{ENV_FILE_HEADER}; source it: . ./this-file\n");
    if env.iter().any(|(k, _)| *k == "SF_API_VERSION") {
        // sfdx-core maps every config key to an SF_ variable: apiVersion to SF_API_VERSION.
        out.push_str(
            "# The sf CLI reads SF_API_VERSION as its API version setting, so its commands end\n\
             # with \"org-api-version configuration overridden\": expected, and harmless.\n",
        );
    }
    for (k, v) in env {
        out.push_str(&format!("export {k}={}\n", shell_quote(v)));
    }
    let sum = crate::fsutil::digest(out.as_bytes());
    out.push_str(&format!("{ENV_FILE_DIGEST}{sum}\n"));
    out
}

/// The last line of every env file `org serve` writes, before the digest of the lines above.
const ENV_FILE_DIGEST: &str = "# sflab digest (an edited file is kept aside when replaced): ";

/// Whether `bytes` is an env file as `org serve` wrote it: its last line is the digest of the
/// lines above it.
fn env_file_as_written(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    text.rfind(ENV_FILE_DIGEST).is_some_and(|at| {
        let (lines, last) = text.split_at(at);
        last == format!(
            "{ENV_FILE_DIGEST}{}\n",
            crate::fsutil::digest(lines.as_bytes())
        )
    })
}

/// Writes `text` to the env file `target` (named `given` on the command line), keeping a
/// copy of the file there first when the learner edited it; returns a line saying where.
fn write_env_file(given: &Path, target: &Path, text: &str) -> Result<Option<String>, Failure> {
    let kept = crate::fsutil::replace_keeping_edits(target, text.as_bytes(), env_file_as_written)
        .map_err(|e| Failure::usage(format!("could not write {}: {e}", given.display())))?;
    Ok(kept.map(|b| {
        format!(
            "  ({} had been edited since sflab wrote it; that version is kept in {})",
            given.display(),
            b.display()
        )
    }))
}

pub fn run(cmd: &OrgCommand, workspace: Option<&Path>) -> Result<u8, Failure> {
    match cmd {
        OrgCommand::Serve(args) => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(serve_command(args, workspace))
        }
        OrgCommand::Connect(cmd) => super::org_login::run(cmd),
    }
}

fn seed_of(args: &ServeArgs) -> Result<OrgSeed, Failure> {
    match &args.seed {
        Some(path) => OrgSeed::from_file(path).map_err(|e| {
            Failure::usage(format!("could not load the seed {}: {e}", path.display()))
        }),
        None => OrgSeed::from_yaml(crate::org::default_org::DEFAULT_SEED)
            .map_err(|e| Failure::usage(format!("the built-in default org is invalid: {e}"))),
    }
}

/// The first line of every env file `org serve` writes, by which it knows its own.
const ENV_FILE_HEADER: &str = "# Written by `sflab org serve`";

/// The file `--env-file` writes, once it is known not to be someone else's: an existing file
/// is replaced only when sflab wrote it. It holds the access token and the app's client
/// secret, so a symbolic link there (dangling or not) is refused, not followed.
fn env_file_target(path: &Path) -> Result<PathBuf, Failure> {
    if let Err(leads_to) = crate::fsutil::refuse_link(path) {
        return Err(Failure::usage(format!(
            "--env-file {} is a symbolic link (to {}); the env file holds the access token and the client secret, so sflab writes it only as a file of its own, never through a link. Name a plain file, or remove the link first.",
            path.display(),
            leads_to.display()
        )));
    }
    let target = path.to_path_buf();
    if crate::fsutil::replaceable(&target, |text| text.starts_with(ENV_FILE_HEADER.as_bytes())) {
        return Ok(target);
    }
    Err(Failure::usage(format!(
        "--env-file {} already exists and sflab did not write it (an env file sflab writes starts with \"{ENV_FILE_HEADER}\"), so it is left as it is. Name a new file, or move that one aside first if it may be replaced.",
        path.display()
    )))
}

/// The org from `data` (when the file exists), else from the seed.
fn build_org(args: &ServeArgs, data: Option<&Path>) -> Result<Org, Failure> {
    let seed = seed_of(args)?;
    if let Some(data) = data.filter(|p| p.exists()) {
        let (store, kept) = Store::load_with(data).map_err(|e| {
            Failure::usage(format!(
                "could not restore the org from {}: {e}",
                data.display()
            ))
        })?;
        let org = Org::from_store(&seed, store).map_err(|e| {
            Failure::usage(format!(
                "the data in {} does not fit the seed: {e}",
                data.display()
            ))
        })?;
        org.continue_from(&kept);
        return Ok(org);
    }
    Org::new(&seed).map_err(|e| Failure::usage(format!("could not build the org: {e}")))
}

/// Ctrl-C, SIGTERM or SIGHUP (a closed terminal): each stops the server the same way, saving
/// the org first when `--data` names a file. Listened for from the start, so a signal sent as
/// soon as the env file appears is not missed.
async fn shutdown_signal(signals: std::io::Result<super::signals::StopSignals>) {
    match signals {
        Ok(mut signals) => {
            signals.next().await;
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The REST API and the Pub/Sub API listen on ports of their own: the same one for both is
/// refused before anything starts (0 for both is fine: each picks a free port).
fn refuse_port_clash(args: &ServeArgs) -> Result<(), Failure> {
    if args.port != 0 && args.port == args.pubsub_port {
        return Err(Failure::usage(format!(
            "--port {0} and --pubsub-port {0} (7443 unless given) name the same port, but the org's REST API and its Pub/Sub API each listen on their own. Give one of them another port (0 picks a free one).",
            args.port
        )));
    }
    Ok(())
}

async fn serve_command(args: &ServeArgs, workspace: Option<&Path>) -> Result<u8, Failure> {
    refuse_port_clash(args)?;
    let ws = Workspace::resolve(workspace)?;
    let created = ws.ensure().map_err(|e| {
        Failure::usage(format!(
            "could not create the workspace {}: {e}",
            ws.root.display()
        ))
    })?;
    if created && ws.origin == WorkspaceOrigin::Default {
        eprintln!("sflab: created the workspace {}", ws.root.display());
    }
    let signals = super::signals::StopSignals::listen();
    let data = args
        .data
        .as_deref()
        .map(data_file::DataFile::open)
        .transpose()?;
    let env_file = args.env_file.as_deref().map(env_file_target).transpose()?;
    let org = build_org(args, data.as_ref().map(|d| d.target()))?;
    if let Some(dir) = &args.metadata {
        let summary = org.outbound.deploy_folder(dir).map_err(|e| {
            Failure::usage(format!(
                "could not deploy the callout metadata in {}: {e}",
                dir.display()
            ))
        })?;
        println!("Deployed {}", summary.deployed.join(", "));
    }
    let default_org = args.seed.is_none();
    if default_org {
        crate::org::auth::install_for_workspace(&org.auth, &ws.root)
            .map_err(|e| Failure::usage(format!("could not set up the default org's apps: {e}")))?;
    }
    let login = issue_static_token(&org, None).ok_or_else(|| {
        Failure::usage(
            "the org has no users to issue an access token for; add one under `users:` in the seed",
        )
    })?;
    let tls = if args.http {
        None
    } else {
        let ca = LocalCa::load_or_create(&ws.root)?;
        Some(ca.server_config()?)
    };
    let listener = bind_loopback(args.port).await.map_err(|e| {
        Failure::usage(format!(
            "could not listen on 127.0.0.1:{}: {e}. Pick another port with --port (0 picks a free one).",
            args.port
        ))
    })?;
    let port = listener.local_addr()?.port();
    if let Some(data) = &data {
        data.note_port(port);
    }
    let scheme = if tls.is_some() { "https" } else { "http" };
    let instance_url = format!("{scheme}://127.0.0.1:{port}");
    let pubsub_listener = bind_loopback(args.pubsub_port).await.map_err(|e| {
        Failure::usage(format!(
            "could not listen on 127.0.0.1:{} for the Pub/Sub API: {e}. Pick another port with --pubsub-port (0 picks a free one).",
            args.pubsub_port
        ))
    })?;
    let pubsub_endpoint = format!("127.0.0.1:{}", pubsub_listener.local_addr()?.port());
    // The default org has an app per flow (`--app`); a seed's own apps are used as seeded.
    let app_env = if default_org {
        crate::org::auth::flow_app_env(&org.auth.config(), &args.app)
            .map_err(|e| Failure::usage(format!("--app {}: {e}", args.app)))?
    } else if args.app != "client-credentials" {
        return Err(Failure::usage(
            "--app chooses among the default org's apps; with --seed, the seed's apps are used",
        ));
    } else {
        Vec::new()
    };
    let client = if default_org {
        None
    } else {
        crate::org::auth::serve_client(&org.auth.config())
    };
    let mut env = connection_env(
        &instance_url,
        &login.token,
        &login.username,
        client.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
        tls.as_ref().map(|t| t.ca_bundle.as_path()),
    );
    if default_org {
        env.extend(app_env);
        env.extend(crate::org::auth::env_lines(&ws.root, &org.auth.config()));
    }
    crate::cli::events::add_event_env(&mut env, &org, &pubsub_endpoint);
    // A seed's apps, each under its own name (their secrets are new on every start).
    let apps = if default_org {
        Vec::new()
    } else {
        crate::org::auth::seeded_apps_env(&org.auth.config())
    };
    let env: Vec<(&str, String)> = env
        .into_iter()
        .chain(apps.iter().map(|(k, v)| (k.as_str(), v.clone())))
        .collect();
    let kept_edits = match (&args.env_file, &env_file) {
        (Some(path), Some(target)) => write_env_file(path, target, &env_file_text(&env))?,
        _ => None,
    };
    println!("sflab mock org listening on {instance_url}  (Ctrl-C to stop)");
    print!("{}", env_summary(&env, args.env_file.as_deref()));
    if let Some(line) = kept_edits {
        println!("{line}");
    }
    if default_org {
        let flows: Vec<&str> = crate::org::auth::FLOW_APPS
            .iter()
            .map(|(f, _)| *f)
            .collect();
        println!(
            "  SF_CLIENT_ID is the {} app; --app picks another: {}",
            args.app,
            flows.join(", ")
        );
    }
    let refusals = tokio::spawn(explain_refusals(org.auth.clone()));
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let pubsub = tokio::spawn(crate::org::pubsub::serve(
        pubsub_listener,
        org.clone(),
        tls.clone(),
        async move {
            let _ = stop_rx.wait_for(|s| *s).await;
        },
    ));
    serve(listener, org.clone(), tls, async move {
        shutdown_signal(signals).await;
        let _ = stop_tx.send(true);
    })
    .await?;
    refusals.abort();
    let _ = pubsub.await;
    if let Some(data) = &data {
        data.save(&org, &ws.root)?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lines_are_exported_and_quoted() {
        let env = connection_env(
            "https://127.0.0.1:8443",
            "00D5g000004ABCD!AQ0.x",
            "o'neil@sflab.dev",
            Some(("cid", "secret")),
            Some(Path::new("/ws/.sflab/ca/ca.pem")),
        );
        let text = env_file_text(&env);
        assert!(text.contains("export SF_INSTANCE_URL='https://127.0.0.1:8443'\n"));
        assert!(text.contains("export SF_USERNAME='o'\\''neil@sflab.dev'\n"));
        assert!(text.contains("export NODE_EXTRA_CA_CERTS='/ws/.sflab/ca/ca.pem'\n"));
        assert!(text.contains("export SF_CLIENT_SECRET='secret'\n"));
        // Every line is a comment or an export: the file stays safe to source.
        assert!(text
            .lines()
            .all(|l| l.starts_with("# ") || l.starts_with("export ")));
        assert!(text.contains("org-api-version configuration overridden"));
    }

    #[test]
    fn secrets_are_masked_on_screen_when_the_env_file_has_them() {
        let file = Path::new("org.env");
        let token = "00D5g000004ABCD!AQ0secret";
        assert!(!shown_value("SF_ACCESS_TOKEN", token, Some(file)).contains("secret"));
        assert_eq!(shown_value("SF_USERNAME", "a@b", Some(file)), "a@b");
    }

    #[test]
    fn without_an_env_file_secrets_are_not_printed_and_the_flag_that_writes_them_is_named() {
        let mut env = connection_env(
            "https://127.0.0.1:8443",
            "00D5g000004ABCD!AQ0tokenvalue",
            "admin@sflab.dev",
            Some(("cid", "clientsecretvalue")),
            None,
        );
        env.push(("SF_APP_LAB_CLIENT_SECRET", "appsecretvalue".into()));
        let printed = env_summary(&env, None);
        for secret in [
            "AQ0tokenvalue",
            "00D5g000004ABCD",
            "clientsecretvalue",
            "appsecretvalue",
        ] {
            assert!(!printed.contains(secret), "{secret} printed:\n{printed}");
        }
        assert!(printed.contains("SF_ACCESS_TOKEN      (hidden; --env-file FILE writes it)"));
        assert!(
            printed.contains("restart with `--env-file sflab.env` added"),
            "{printed}"
        );
        assert!(printed.contains("SF_INSTANCE_URL      https://127.0.0.1:8443"));
        assert!(printed.contains("SF_CLIENT_ID         cid"));
        let written = env_summary(&env, Some(Path::new("org.env")));
        assert!(!written.contains("clientsecretvalue"), "{written}");
        assert!(written.contains("(written in full to org.env; load it with `. org.env`)"));
    }

    #[test]
    fn a_refused_token_request_is_explained_on_the_console_with_the_orgs_reason() {
        let redactor = Redactor::new(&Redactor::random_key());
        let mut refused = crate::org::auth::decision::Draft::new("jwt_bearer").finish(
            chrono::Utc::now(),
            Outcome::Refused,
            Some("invalid_grant"),
            "the assertion's exp is more than 5 minutes away".into(),
        );
        refused.client_id = Some("3MVGlab".into());
        let line = refusal_line(&refused, &redactor).unwrap();
        assert_eq!(
            line,
            "sflab: refused a jwt_bearer request from client 3MVGlab: invalid_grant. The mock org's log says why (a real org keeps this to itself): the assertion's exp is more than 5 minutes away."
        );
        refused.reason =
            "token 00D5g0000000001!AQk0RoRarK5fEqoDQ4JCqFnQqiE_5W1tyF.wmmlM6JrJubMzYYK is dead"
                .into();
        let line = refusal_line(&refused, &redactor).unwrap();
        assert!(!line.contains("AQk0RoRar"), "{line}");
        let mut issued = refused.clone();
        issued.outcome = Outcome::Issued;
        assert_eq!(refusal_line(&issued, &redactor), None);
    }

    #[test]
    fn client_values_in_a_refusal_cannot_forge_console_lines_or_reach_the_terminal() {
        let redactor = Redactor::new(&Redactor::random_key());
        let mut draft = crate::org::auth::decision::Draft::new("jwt_bearer");
        draft.client_id = Some("evil\r\nsflab: FAKE2\x1b]0;TITLE\x07".into());
        draft.username = Some("ghost@x.test\nsflab: FAKE-LINE\x1b[31mRED\x1b[0m".into());
        let mut refused = draft.finish(
            chrono::Utc::now(),
            Outcome::Refused,
            Some("invalid_grant"),
            "no user has the username 'ghost@x.test\nsflab: FAKE-LINE' in this org".into(),
        );
        let line = refusal_line(&refused, &redactor).unwrap();
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert!(line.contains("from client evil\\r\\nsflab: FAKE2\\u{1b}]0;TITLE\\u{7} for ghost@x.test\\nsflab: FAKE-LINE\\u{1b}[31mRED"), "{line}");
        // A field set after the decision was made is escaped on the console too.
        refused.username = Some("late\nsflab: FAKE3\x1b[2J".into());
        let line = refusal_line(&refused, &redactor).unwrap();
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert!(line.contains("for late\\nsflab: FAKE3\\u{1b}[2J"), "{line}");
    }

    #[test]
    fn no_character_of_a_hidden_secret_is_shown_only_where_it_is() {
        let file = Path::new("org.env");
        let secret = "tuiSecA1b2C3d4";
        let shown = shown_value("SF_APP_LAB_CLIENT_SECRET", secret, Some(file));
        assert_eq!(shown, "(hidden; in org.env)");
        let token = shown_value("SF_ACCESS_TOKEN", "00D5g0!AQk0", Some(file));
        assert_eq!(token, "(hidden; in org.env)");
    }

    fn build(args: &ServeArgs) -> Result<Org, Failure> {
        build_org(args, args.data.as_deref())
    }

    fn args(data: Option<PathBuf>, seed: Option<PathBuf>) -> ServeArgs {
        ServeArgs {
            port: 0,
            http: true,
            seed,
            data,
            env_file: None,
            metadata: None,
            pubsub_port: 0,
            app: "client-credentials".into(),
        }
    }

    #[test]
    fn data_saved_on_exit_is_restored_at_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("org.json");
        let org = build(&args(Some(data.clone()), None)).unwrap();
        let actor = org.actor(org.users[0].id);
        let mut body = serde_json::Map::new();
        body.insert("Name".into(), serde_json::json!("Kept Corp"));
        let id = org.store.write().insert("Account", &body, &actor).unwrap();
        org.store.read().save(&data).unwrap();
        let again = build(&args(Some(data), None)).unwrap();
        let rec = again
            .store
            .read()
            .retrieve("Account", id.as_str(), Some(&["Name"]), "62.0")
            .unwrap();
        assert_eq!(rec["Name"], "Kept Corp");
    }

    #[test]
    fn after_a_restart_replay_ids_carry_on_and_an_old_position_is_past_retention() {
        use crate::org::events::bus::{ReplayError, ReplayFrom};
        use crate::org::events::log::Transport;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("org.json");
        let org = build(&args(Some(data.clone()), None)).unwrap();
        let user = org.users[0].id.to_string();
        let publish = |org: &Org| {
            let mut fields = serde_json::Map::new();
            fields.insert("Order_Number__c".into(), serde_json::json!("SO-1"));
            let store = org.store.read();
            org.events
                .publish(&store, "OrderShipped__e", &fields, &user, Transport::Rest)
                .unwrap()
                .replay_id
                .unwrap()
        };
        let ids: Vec<u64> = (0..3).map(|_| publish(&org)).collect();
        org.save(&data).unwrap();
        let again = build(&args(Some(data), None)).unwrap();
        let channel = "/event/OrderShipped__e";
        let now = again.clock.now();
        let bus = &again.events.bus;
        assert!(
            bus.read(channel, ReplayFrom::After(ids[2]), 10, now)
                .unwrap()
                .is_empty(),
            "a subscriber that had read everything carries on"
        );
        assert!(
            matches!(
                bus.read(channel, ReplayFrom::After(ids[0]), 10, now),
                Err(ReplayError::OutOfRetention { .. })
            ),
            "the events it had not read are gone, and it is told so"
        );
        let next = publish(&again);
        assert_eq!(next, ids[2] + 1, "no replay id is given out twice");
        assert_eq!(
            bus.read(channel, ReplayFrom::After(ids[2]), 10, now)
                .unwrap()[0]
                .replay_id,
            next
        );
    }

    #[test]
    fn after_a_restart_bulk_job_ids_are_not_given_out_again() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("org.json");
        let org = build(&args(Some(data.clone()), None)).unwrap();
        let before: Vec<String> = (0..3).map(|_| org.bulk.next_job_id()).collect();
        org.save(&data).unwrap();
        let again = build(&args(Some(data), None)).unwrap();
        let next = again.bulk.next_job_id();
        assert!(
            !before.contains(&next),
            "{next} was given out before the restart"
        );
        assert!(next > before[2], "job ids keep their creation order");
    }

    #[test]
    fn a_data_file_from_a_newer_sflab_is_refused_not_downgraded() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("org.json");
        let org = build(&args(Some(data.clone()), None)).unwrap();
        org.store.read().save(&data).unwrap();
        let text = std::fs::read_to_string(&data).unwrap();
        let newer = text.replacen("\"format\":1", "\"format\":7", 1);
        assert_ne!(newer, text);
        std::fs::write(&data, &newer).unwrap();
        let err = build(&args(Some(data.clone()), None)).unwrap_err();
        assert!(
            err.message
                .contains("was written by a newer sflab (format 7"),
            "{}",
            err.message
        );
        assert_eq!(
            std::fs::read_to_string(&data).unwrap(),
            newer,
            "left as it was"
        );
        // So is one whose layout this sflab cannot read at all.
        std::fs::write(&data, r#"{"format":9,"tables":{}}"#).unwrap();
        let err = build(&args(Some(data), None)).unwrap_err();
        assert!(
            err.message.contains("newer sflab (format 9"),
            "{}",
            err.message
        );
    }

    #[test]
    fn an_env_file_sflab_did_not_write_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        std::fs::write(&run, "#!/bin/sh\npython3 main.py\n").unwrap();
        let err = env_file_target(&run).unwrap_err();
        assert!(
            err.message.contains("sflab did not write it") && err.message.contains("run"),
            "{}",
            err.message
        );
        let own = dir.path().join("org.env");
        let env = connection_env("http://127.0.0.1:1", "t", "u", None, None);
        std::fs::write(&own, env_file_text(&env)).unwrap();
        assert_eq!(
            env_file_target(&own).unwrap(),
            own,
            "its own file is replaced"
        );
        let new = dir.path().join("new.env");
        assert_eq!(env_file_target(&new).unwrap(), new);
    }

    #[test]
    fn the_same_port_for_rest_and_pubsub_is_refused_naming_both_flags() {
        let mut a = args(None, None);
        a.port = 7443;
        a.pubsub_port = 7443;
        let e = refuse_port_clash(&a).unwrap_err().message;
        assert!(
            e.contains("--port 7443") && e.contains("--pubsub-port 7443"),
            "{e}"
        );
        a.pubsub_port = 7444;
        assert!(refuse_port_clash(&a).is_ok());
        a.port = 0;
        a.pubsub_port = 0;
        assert!(
            refuse_port_clash(&a).is_ok(),
            "0 picks a free port for each"
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_env_file_that_is_a_link_is_refused_and_nothing_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("elsewhere/secrets.env");
        std::fs::create_dir(dir.path().join("elsewhere")).unwrap();
        let link = dir.path().join("link.env");
        std::os::unix::fs::symlink(&gone, &link).unwrap();
        let err = env_file_target(&link).unwrap_err().message;
        assert!(
            err.contains("link.env")
                && err.contains("symbolic link")
                && err.contains("secrets.env"),
            "{err}"
        );
        assert!(!gone.exists(), "the link's target is not created");
        // A link to an env file sflab wrote is refused too.
        let env = connection_env("http://127.0.0.1:1", "t", "u", None, None);
        std::fs::write(&gone, env_file_text(&env)).unwrap();
        assert!(env_file_target(&link).is_err());
    }

    #[test]
    fn a_missing_seed_file_is_reported_with_its_path() {
        let err = build(&args(None, Some(PathBuf::from("/no/such/seed.yaml")))).unwrap_err();
        assert!(
            err.message.contains("/no/such/seed.yaml"),
            "{}",
            err.message
        );
    }

    #[test]
    fn plain_http_exports_no_ca_variables() {
        let env = connection_env("http://127.0.0.1:1", "t", "u", None, None);
        assert!(env
            .iter()
            .all(|(k, _)| !k.contains("CA") && *k != "SSL_CERT_FILE"));
    }

    #[test]
    fn the_served_org_speaks_the_api_version_labs_give_their_programs() {
        let env = connection_env("http://127.0.0.1:1", "t", "u", None, None);
        let version = env.iter().find(|(k, _)| *k == "SF_API_VERSION").unwrap();
        assert_eq!(version.1, crate::runner::env::API_VERSION);
    }

    #[test]
    fn an_env_file_edited_since_sflab_wrote_it_is_kept_aside_when_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("org.env");
        let env = connection_env("http://127.0.0.1:1", "t", "u", None, None);
        let text = env_file_text(&env);
        assert!(env_file_as_written(text.as_bytes()));
        assert_eq!(write_env_file(&file, &file, &text).unwrap(), None);
        assert_eq!(
            write_env_file(&file, &file, &text).unwrap(),
            None,
            "its own text is replaced without a copy"
        );
        let edited = format!("{text}export MY_OWN_SETTING=1\n");
        std::fs::write(&file, &edited).unwrap();
        let line = write_env_file(&file, &file, &text)
            .unwrap()
            .expect("a notice");
        let backup: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with(".bak"))
            .collect();
        assert_eq!(backup.len(), 1, "{backup:?}");
        assert_eq!(std::fs::read_to_string(&backup[0]).unwrap(), edited);
        assert!(line.contains(&backup[0].display().to_string()), "{line}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    }
}
