//! `sflab org login | list | status | use | logout`: connecting real orgs for the sandbox
//! backend. Tokens are stored, never printed.

use super::Failure;
use crate::sandbox::backend::{clean_leftovers, describe_cleanup, lock_org};
use crate::sandbox::connect::{self, LoginTarget, Loopback, DEFAULT_LOGIN_URL};
use crate::sandbox::oauth::http_client;
use crate::sandbox::profile::ProfileError;
use crate::sandbox::{safety, Grant, LoginStore, OrgClient, OrgLogin};
use std::path::PathBuf;
use std::time::Duration;

/// The flags of `sflab org login`. Each flow takes only its own flags: a flag another flow
/// needs is refused by clap with both flags named (`conflicts_with`), never silently ignored.
#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    /// The name sflab gives this login (`--backend sandbox:<alias>`).
    #[arg(long, default_value = "sandbox")]
    pub alias: String,
    /// Where to log in: https://test.salesforce.com (sandboxes, the default),
    /// https://login.salesforce.com, or your org's My Domain URL (which the client credentials
    /// flow needs).
    #[arg(long, value_name = "URL", conflicts_with = "from_sf")]
    pub instance_url: Option<String>,
    /// The consumer key of your External Client App (connected app); a confidential app's
    /// secret is read from SF_CLIENT_SECRET, never from a flag.
    #[arg(long, conflicts_with = "from_sf")]
    pub client_id: Option<String>,
    /// JWT bearer flow: the private key whose certificate is in the app.
    #[arg(
        long,
        value_name = "FILE",
        requires_all = ["username", "client_id"],
        conflicts_with_all = ["client_credentials", "from_sf"]
    )]
    pub jwt_key_file: Option<PathBuf>,
    /// JWT bearer flow: the user to log in as.
    #[arg(long, conflicts_with_all = ["client_credentials", "from_sf"])]
    pub username: Option<String>,
    /// Client credentials flow, at your org's My Domain URL (--instance-url); the secret is
    /// read from SF_CLIENT_SECRET (never a flag).
    #[arg(long, requires = "client_id", conflicts_with = "from_sf")]
    pub client_credentials: bool,
    /// Reuse a login of the sf CLI (`sf org display --json --target-org <ALIAS>`).
    #[arg(long, value_name = "ALIAS")]
    pub from_sf: Option<String>,
    /// Web server flow: the callback URL registered in the app.
    #[arg(
        long,
        value_name = "URL",
        default_value = "http://localhost:1717/OauthRedirect",
        conflicts_with_all = ["client_credentials", "jwt_key_file", "from_sf"]
    )]
    pub callback: String,
    /// Web server flow: print the URL instead of opening a browser.
    #[arg(long, conflicts_with_all = ["client_credentials", "jwt_key_file", "from_sf"])]
    pub no_browser: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum ConnectCommand {
    /// Connect a real org (a sandbox) for `sflab check <lab> --backend sandbox`.
    #[command(after_help = LOGIN_EXAMPLES)]
    Login(LoginArgs),
    /// The orgs you are logged in to.
    List,
    /// The org in use (or ALIAS): who, where, and the API calls left today.
    Status {
        /// A login's alias, as `sflab org list` shows it (default: the org in use).
        alias: Option<String>,
    },
    /// Make ALIAS the org `--backend sandbox` uses.
    Use {
        /// A login's alias, as `sflab org list` shows it.
        alias: String,
    },
    /// Revoke the token and forget the login.
    Logout {
        /// A login's alias, as `sflab org list` shows it (default: the org in use).
        alias: Option<String>,
    },
}

const LOGIN_EXAMPLES: &str = "\
Examples:
  sflab org login --client-id 3MVG…                        web login in your browser (PKCE)
  sflab org login --instance-url https://acme--dev.sandbox.my.salesforce.com \\
      --client-id 3MVG… --client-credentials               secret from SF_CLIENT_SECRET
  sflab org login --jwt-key-file server.key --username me@acme.com.dev --client-id 3MVG…
  sflab org login --alias dev --from-sf acme-dev           reuse an sf CLI login
  sflab check rest-first-call --backend sandbox:dev";

fn store() -> Result<LoginStore, Failure> {
    Ok(LoginStore::from_env()?)
}

fn rt() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("could not start: {e}")))
}

pub fn run(cmd: &ConnectCommand) -> Result<u8, Failure> {
    let store = store()?;
    match cmd {
        ConnectCommand::Login(args) => rt()?.block_on(login(args, &store)),
        ConnectCommand::List => list(&store),
        ConnectCommand::Status { alias } => rt()?.block_on(status(&store, alias.as_deref())),
        ConnectCommand::Use { alias } => {
            store.select(alias)?;
            println!("Labs with --backend sandbox now run against {alias}.");
            Ok(0)
        }
        ConnectCommand::Logout { alias } => rt()?.block_on(logout(&store, alias.as_deref())),
    }
}

/// `--username` names the user of the JWT bearer flow only; clap refuses it beside
/// `--client-credentials` and `--from-sf`, and this refuses it in the web server flow, where
/// whoever signs in in the browser is the user.
fn refuse_username_outside_jwt(args: &LoginArgs) -> Result<(), Failure> {
    match (&args.username, &args.jwt_key_file) {
        (Some(user), None) => Err(Failure::usage(format!(
            "--username {user:?} is only for the JWT bearer flow, with --jwt-key-file <FILE>; the web server flow (--client-id alone) logs in as whoever signs in in the browser. Add --jwt-key-file, or leave out --username"
        ))),
        _ => Ok(()),
    }
}

/// The login URL of the client credentials flow: the org's My Domain URL, given with
/// `--instance-url`. The flow has no login page, so the token request must reach the org's
/// own domain; simple-salesforce refuses the shared `login`/`test` domains for it
/// (sf-wire-contract.md, the `client_credentials` row), and so does sflab, before sending the
/// secret anywhere. The exact error the shared domains answer is not in our references.
fn my_domain_url(instance_url: Option<&str>) -> Result<String, Failure> {
    const HOW: &str = "give your org's My Domain URL, e.g. --instance-url https://mycompany--dev.sandbox.my.salesforce.com (Setup → My Domain shows it)";
    let Some(given) = instance_url else {
        return Err(Failure::usage(format!(
            "the client credentials flow needs --instance-url: it works only at your org's own domain, not at the default {DEFAULT_LOGIN_URL}; {HOW}"
        )));
    };
    let url = connect::normalise_login_url(given)?;
    let host = url::Url::parse(&url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    if let Some(shared @ ("login.salesforce.com" | "test.salesforce.com")) = host.as_deref() {
        return Err(Failure::usage(format!(
            "--instance-url {given:?} is Salesforce's shared login page ({shared}), where the client credentials flow does not work; {HOW}"
        )));
    }
    Ok(url)
}

/// Opens `url` with `SFLAB_BROWSER`, `xdg-open` or `open`; false when none could start.
fn open_browser(url: &str) -> bool {
    let candidates: Vec<std::ffi::OsString> = match std::env::var_os("SFLAB_BROWSER") {
        Some(b) if !b.is_empty() => vec![b],
        _ => vec!["xdg-open".into(), "open".into()],
    };
    candidates.into_iter().any(|program| {
        std::process::Command::new(program)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .is_ok()
    })
}

async fn login(args: &LoginArgs, store: &LoginStore) -> Result<u8, Failure> {
    crate::sandbox::profile::valid_alias(&args.alias)?;
    refuse_username_outside_jwt(args)?;
    let login_url = if args.client_credentials {
        my_domain_url(args.instance_url.as_deref())?
    } else {
        connect::normalise_login_url(args.instance_url.as_deref().unwrap_or(DEFAULT_LOGIN_URL))?
    };
    let http = http_client();
    let target = LoginTarget {
        alias: args.alias.clone(),
        login_url,
    };
    let mut login: OrgLogin = if let Some(sf) = &args.from_sf {
        connect::from_sf(&args.alias, sf)?
    } else if let Some(key) = &args.jwt_key_file {
        let (Some(user), Some(id)) = (&args.username, &args.client_id) else {
            return Err(Failure::usage(
                "the JWT bearer flow needs --username and --client-id",
            ));
        };
        connect::jwt_bearer(&http, &target, key, user, id).await?
    } else if args.client_credentials {
        let secret = std::env::var("SF_CLIENT_SECRET").map_err(|_| {
            Failure::usage("the client credentials flow reads the app's secret from SF_CLIENT_SECRET; set it in the environment (not on the command line, where other users can see it)")
        })?;
        let id = args.client_id.as_deref().unwrap_or_default();
        connect::client_credentials(&http, &target, id, &secret).await?
    } else {
        let Some(id) = &args.client_id else {
            return Err(Failure::usage(
                "say how to log in: --client-id <consumer key> (web server flow in your browser), with --client-credentials, or --jwt-key-file/--username; or --from-sf <alias> to reuse an sf CLI login",
            ));
        };
        let loopback = Loopback::bind(&args.callback).await?;
        let secret = std::env::var("SF_CLIENT_SECRET").ok();
        let no_browser = args.no_browser;
        connect::web_server(
            &http,
            &target,
            id,
            secret.as_deref(),
            &loopback,
            |url| {
                if no_browser || !open_browser(url) {
                    eprintln!("Open this URL in your browser to log in:\n\n  {url}\n");
                } else {
                    eprintln!(
                        "Your browser is open at the org's login page (if not, open:\n  {url}\n)"
                    );
                }
                eprintln!(
                    "Waiting for the browser to come back to {} …",
                    args.callback
                );
            },
            Duration::from_secs(300),
        )
        .await?
    };
    let client = OrgClient::new(login.clone(), None);
    let (is_sandbox, name, org_id) = client.organization().await?;
    login = client.login();
    login.is_sandbox = Some(is_sandbox);
    if !org_id.is_empty() {
        login.org_id = Some(org_id);
    }
    let path = store.save(&login)?;
    println!(
        "Logged in to {name:?} ({}) as {}; instance {}.",
        if is_sandbox { "sandbox" } else { "PRODUCTION" },
        login.alias,
        login.instance_url
    );
    match store.secrets_kept_in(&login.alias) {
        Some(vault) => println!(
            "The login is stored in {} (readable only by you); its tokens are in {vault}.",
            path.display()
        ),
        None => println!(
            "The login is stored in {} (readable only by you).",
            path.display()
        ),
    }
    if !is_sandbox {
        println!("This is a production org: labs refuse it unless you pass --allow-production and type the confirmation.");
    }
    if store.current().as_deref() == Some(login.alias.as_str()) {
        println!("`sflab check <lab> --backend sandbox` uses it.");
    } else {
        println!(
            "`sflab check <lab> --backend sandbox:{0}` uses it (or `sflab org use {0}`).",
            login.alias
        );
    }
    Ok(0)
}

fn list(store: &LoginStore) -> Result<u8, Failure> {
    let aliases = store.aliases();
    if aliases.is_empty() {
        println!("No orgs are logged in. `sflab org login --help` shows the ways to connect one.");
        return Ok(0);
    }
    let current = store.current();
    for a in aliases {
        let mark = if current.as_deref() == Some(a.as_str()) {
            "*"
        } else {
            " "
        };
        match store.facts(&a) {
            Ok(l) => println!(
                "{mark} {a:<16} {:<10} {:<20} {}",
                match l.is_sandbox {
                    Some(true) => "sandbox",
                    Some(false) => "PRODUCTION",
                    None => "?",
                },
                l.grant.label(),
                l.instance_url
            ),
            Err(e) => println!("{mark} {a:<16} unreadable: {e}"),
        }
    }
    Ok(0)
}

async fn status(store: &LoginStore, alias: Option<&str>) -> Result<u8, Failure> {
    let login = store.resolve(alias)?;
    println!("alias     {}", login.alias);
    println!("instance  {}", login.instance_url);
    println!("login     {} ({})", login.login_url, login.grant.label());
    if let Some(u) = &login.username {
        println!("user      {u}");
    }
    match store.secrets_kept_in(&login.alias) {
        Some(vault) => println!("tokens    in {vault}"),
        None => println!("tokens    in the login file (readable only by you)"),
    }
    let journal = crate::sandbox::backend::journal_path(store, &login.alias);
    if let Ok(j) = crate::sandbox::journal::SeedJournal::open(&journal, &login.instance_url) {
        if !j.is_empty() {
            println!(
                "leftovers {} record(s) from an interrupted run; deleted before the next run (or at logout)",
                j.entries().len()
            );
        }
    }
    let client = OrgClient::new(login, Some(store.clone()));
    match client.organization().await {
        Ok((is_sandbox, name, _)) => {
            println!(
                "org       {name} ({})",
                if is_sandbox { "sandbox" } else { "PRODUCTION" }
            );
        }
        // Reached, but the login is over: not a network problem.
        Err(
            e @ (crate::sandbox::SandboxError::SessionDead(_)
            | crate::sandbox::SandboxError::SfLoginExpired { .. }),
        ) => {
            println!("org       reached, but {e}");
            return Ok(2);
        }
        Err(e) => {
            println!("org       not reachable: {e}");
            return Ok(2);
        }
    }
    match client.limits().await {
        Ok(l) => match safety::allocation_allows(&l) {
            Ok((remaining, max)) => println!("API calls {remaining} of {max} left today"),
            Err(why) => println!("API calls {why}"),
        },
        Err(e) => println!("API calls unknown: {e}"),
    }
    Ok(0)
}

async fn logout(store: &LoginStore, alias: Option<&str>) -> Result<u8, Failure> {
    let login = match store.resolve(alias) {
        Ok(login) => login,
        Err(ProfileError::Corrupt { path, reason }) => {
            // Nothing can be revoked without a readable token, but the entry can still go.
            let alias = match alias {
                Some(a) => a.to_string(),
                None => store.current().unwrap_or_default(),
            };
            store.remove(&alias)?;
            println!(
                "Forgot the login {alias}. Its file {} could not be read ({reason}), so no token was revoked; revoke it in Setup → Connected Apps OAuth Usage if it matters.",
                path.display()
            );
            return Ok(0);
        }
        Err(e) => return Err(e.into()),
    };
    let alias = login.alias.clone();
    let _lock = lock_org(store, &alias)?;
    let client = OrgClient::new(login, Some(store.clone()));
    match clean_leftovers(&client, store).await {
        Ok(c) => describe_cleanup(&c, &alias)
            .iter()
            .for_each(|n| eprintln!("sflab: {n}")),
        Err(e) => eprintln!("sflab: records of an interrupted run could not be cleaned up: {e}"),
    }
    if client.login().grant == Grant::SfCli {
        // The token belongs to the sf CLI's login; revoking it would log the learner out there.
        store.remove(&alias)?;
        println!("Forgot the login {alias}. Its token belongs to the sf CLI's login, which is left as it is (`sf org logout` ends that one).");
        return Ok(0);
    }
    let revoked = client.revoke().await;
    store.remove(&alias)?;
    match revoked {
        Ok(()) => println!("Logged out of {alias}: the token is revoked and the login forgotten."),
        Err(e) => {
            println!("Forgot the login {alias}, but the org did not confirm the revocation ({e}); revoke it in Setup → Connected Apps OAuth Usage if it matters.");
            return Ok(2);
        }
    }
    Ok(0)
}

/// `sflab check --backend … [--allow-production]` as given.
#[derive(Debug, Clone)]
pub struct CheckBackend {
    pub choice: String,
    pub allow_production: bool,
}

/// The parts a check runs with, and what to tell the learner around each attempt.
pub struct PreparedBackend {
    pub parts: crate::runner::Parts,
    notes: crate::sandbox::Notes,
    sandbox: Option<(LoginStore, Option<String>)>,
}

impl CheckBackend {
    /// Resolves the backend; for a production org with --allow-production, asks for the
    /// typed confirmation on the terminal.
    pub async fn prepare(&self) -> Result<PreparedBackend, Failure> {
        use crate::sandbox::{BackendChoice, SandboxSettings};
        let choice = BackendChoice::parse(&self.choice)?;
        let BackendChoice::Sandbox(alias) = &choice else {
            let (parts, notes) = crate::sandbox::parts_for(&choice, None);
            return Ok(PreparedBackend {
                parts,
                notes,
                sandbox: None,
            });
        };
        let store = store()?;
        let mut settings = SandboxSettings::new(store.clone(), alias.clone());
        if self.allow_production {
            let login = store.resolve(alias.as_deref())?;
            let (is_sandbox, name, _) = OrgClient::new(login, Some(store.clone()))
                .organization()
                .await?;
            if !is_sandbox {
                let phrase = safety::production_phrase(&name);
                eprintln!("{name:?} is a PRODUCTION org. sflab will create records there for the lab and delete them afterwards.\nTo go on, type exactly: {phrase}");
                let mut typed = String::new();
                let _ = std::io::stdin().read_line(&mut typed);
                settings.allow_production = true;
                settings.production_confirmation = Some(typed);
            }
        }
        let (parts, notes) = crate::sandbox::parts_for(&choice, Some(settings));
        Ok(PreparedBackend {
            parts,
            notes,
            sandbox: Some((store, alias.clone())),
        })
    }
}

impl PreparedBackend {
    fn flush_notes(&self) {
        for n in self.notes.lock().drain(..) {
            eprintln!("sflab: {n}");
        }
    }

    /// After an attempt: what the backend did, and whether the call cap stopped calls.
    pub fn after(&self, report: &Result<crate::runner::Report, crate::runner::RunError>) {
        self.flush_notes();
        if let Ok(r) = report {
            let capped = r
                .exchanges
                .iter()
                .filter(|x| x.fault.as_ref().is_some_and(|f| f.kind == "call_cap"))
                .count();
            if capped > 0 {
                eprintln!("sflab: this run hit the sandbox call cap: {capped} call(s) were answered by sflab with 429 SFLAB_CALL_CAP and never reached the org.");
            }
        }
    }

    /// After Ctrl-C: deletes what the interrupted attempt created (else the next run does).
    pub async fn interrupted(&self) {
        self.flush_notes();
        let Some((store, alias)) = &self.sandbox else {
            return;
        };
        let Ok(login) = store.resolve(alias.as_deref()) else {
            return;
        };
        let name = login.alias.clone();
        let Ok(_lock) = lock_org(store, &name) else {
            return;
        };
        let client = OrgClient::new(login, Some(store.clone()));
        match clean_leftovers(&client, store).await {
            Ok(c) => describe_cleanup(&c, &name)
                .iter()
                .for_each(|n| eprintln!("sflab: {n}")),
            Err(e) => eprintln!(
                "sflab: the records of the interrupted run are still in {name} ({e}); they are deleted before the next run there"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, clap::Parser)]
    struct Login {
        #[command(flatten)]
        args: LoginArgs,
    }

    fn parse(flags: &str) -> Result<LoginArgs, String> {
        let argv = std::iter::once("login").chain(flags.split_whitespace());
        Login::try_parse_from(argv)
            .map(|l| l.args)
            .map_err(|e| e.to_string())
    }

    fn refused(flags: &str) -> String {
        parse(flags).expect_err(flags)
    }

    #[test]
    fn client_credentials_with_jwt_flags_is_refused_naming_both() {
        let e = refused("--client-credentials --jwt-key-file k --username u --client-id x");
        assert!(
            e.contains("--client-credentials") && e.contains("--jwt-key-file"),
            "{e}"
        );
        assert!(e.contains("cannot be used with"), "{e}");
    }

    #[test]
    fn from_sf_with_another_flows_flag_is_refused_naming_both() {
        for other in [
            "--client-id X",
            "--instance-url https://acme.my.salesforce.com",
            "--username u",
            "--client-credentials",
            "--callback http://localhost:1/cb",
        ] {
            let e = refused(&format!("--from-sf A {other}"));
            let flag = other.split_whitespace().next().unwrap();
            assert!(e.contains("--from-sf") && e.contains(flag), "{other}: {e}");
        }
    }

    #[test]
    fn web_flow_flags_with_client_credentials_or_jwt_are_refused() {
        let e = refused("--client-credentials --client-id x --callback http://localhost:1/cb");
        assert!(
            e.contains("--client-credentials") && e.contains("--callback"),
            "{e}"
        );
        let e = refused("--client-credentials --client-id x --no-browser");
        assert!(e.contains("--no-browser"), "{e}");
        let e = refused("--jwt-key-file k --username u --client-id x --callback http://x/cb");
        assert!(
            e.contains("--jwt-key-file") && e.contains("--callback"),
            "{e}"
        );
    }

    #[test]
    fn each_flow_alone_is_accepted_with_its_defaults() {
        for flags in [
            "--client-id x",
            "--client-id x --no-browser --callback http://localhost:1717/cb",
            "--client-id x --client-credentials --instance-url https://acme.my.salesforce.com",
            "--jwt-key-file k --username u --client-id x",
            "--from-sf A --alias dev",
        ] {
            parse(flags).unwrap_or_else(|e| panic!("{flags}: {e}"));
        }
    }

    #[test]
    fn username_in_the_web_flow_is_refused_naming_jwt_key_file() {
        let args = parse("--client-id x --username u").unwrap();
        let e = refuse_username_outside_jwt(&args).unwrap_err().message;
        assert!(
            e.contains("--username") && e.contains("--jwt-key-file"),
            "{e}"
        );
        let jwt = parse("--jwt-key-file k --username u --client-id x").unwrap();
        assert!(refuse_username_outside_jwt(&jwt).is_ok());
    }

    #[test]
    fn client_credentials_needs_a_my_domain_instance_url() {
        let e = my_domain_url(None).unwrap_err().message;
        assert!(
            e.contains("--instance-url") && e.contains("My Domain"),
            "{e}"
        );
        for shared in [
            "https://test.salesforce.com",
            "https://LOGIN.salesforce.com/",
        ] {
            let e = my_domain_url(Some(shared)).unwrap_err().message;
            assert!(e.contains("shared login page") && e.contains(shared), "{e}");
        }
        assert_eq!(
            my_domain_url(Some("https://acme--dev.sandbox.my.salesforce.com/")).unwrap(),
            "https://acme--dev.sandbox.my.salesforce.com"
        );
        assert_eq!(
            my_domain_url(Some("http://127.0.0.1:7441")).unwrap(),
            "http://127.0.0.1:7441"
        );
    }
}
