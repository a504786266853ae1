//! The login flows of `sflab org login`, each ending in an [`OrgLogin`] ready to store: client
//! credentials, JWT bearer, web server + PKCE through the loopback callback, and reuse of an
//! `sf` CLI login; and [`renew`], which gets a fresh access token the same way after a 401.

use super::callback::wait_for_code;
use super::error::SandboxError;
use super::oauth::{self, TokenGrant};
use super::profile::{Grant, OrgLogin};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::net::TcpListener;

/// Where to log in: `https://test.salesforce.com` (sandboxes), `https://login.salesforce.com`,
/// or the org's My Domain URL.
#[derive(Debug, Clone)]
pub struct LoginTarget {
    pub alias: String,
    pub login_url: String,
}

pub const DEFAULT_LOGIN_URL: &str = "https://test.salesforce.com";

/// Checks a login URL: https (plain http only for a loopback stand-in org), no path.
pub fn normalise_login_url(url: &str) -> Result<String, SandboxError> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| {
        SandboxError::Input(format!(
            "--instance-url {url:?} is not a URL ({e}); give e.g. https://mycompany--dev.sandbox.my.salesforce.com"
        ))
    })?;
    let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost"));
    if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
        return Err(SandboxError::Input(format!(
            "--instance-url {url:?} must start with https://"
        )));
    }
    Ok(parsed.origin().ascii_serialization())
}

fn login_of(target: &LoginTarget, grant: Grant, token: TokenGrant) -> OrgLogin {
    OrgLogin {
        alias: target.alias.clone(),
        org_id: token.org_id(),
        instance_url: token.instance_url.trim_end_matches('/').to_string(),
        login_url: target.login_url.clone(),
        grant,
        access_token: token.access_token,
        refresh_token: token.refresh_token,
        client_id: None,
        client_secret: None,
        jwt_key_file: None,
        sf_alias: None,
        username: None,
        is_sandbox: None,
    }
}

pub async fn client_credentials(
    http: &reqwest::Client,
    target: &LoginTarget,
    client_id: &str,
    client_secret: &str,
) -> Result<OrgLogin, SandboxError> {
    let token = oauth::token_request(
        http,
        &target.login_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", client_secret),
        ],
    )
    .await?;
    let mut login = login_of(target, Grant::ClientCredentials, token);
    login.client_id = Some(client_id.into());
    login.client_secret = Some(client_secret.into());
    Ok(login)
}

async fn jwt_token(
    http: &reqwest::Client,
    login_url: &str,
    key_file: &Path,
    username: &str,
    client_id: &str,
) -> Result<TokenGrant, SandboxError> {
    let pem = std::fs::read_to_string(key_file).map_err(|e| {
        SandboxError::Input(format!(
            "could not read the JWT key file {}: {e}",
            key_file.display()
        ))
    })?;
    let audience = oauth::origin(login_url)?;
    let assertion = oauth::jwt_assertion(
        &pem,
        client_id,
        username,
        &audience,
        chrono::Utc::now().timestamp(),
    )?;
    oauth::token_request(
        http,
        login_url,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", &assertion),
        ],
    )
    .await
}

pub async fn jwt_bearer(
    http: &reqwest::Client,
    target: &LoginTarget,
    key_file: &Path,
    username: &str,
    client_id: &str,
) -> Result<OrgLogin, SandboxError> {
    let token = jwt_token(http, &target.login_url, key_file, username, client_id).await?;
    let mut login = login_of(target, Grant::JwtBearer, token);
    login.client_id = Some(client_id.into());
    login.username = Some(username.into());
    login.jwt_key_file = Some(key_file.canonicalize().unwrap_or_else(|_| key_file.into()));
    Ok(login)
}

/// The web server flow's loopback side: a listener already bound (so the port is known) and
/// the redirect URI registered in the app, e.g. `http://localhost:1717/OauthRedirect`.
pub struct Loopback {
    pub listener: TcpListener,
    pub redirect_uri: String,
}

impl Loopback {
    /// Binds 127.0.0.1 on the redirect URI's port (loopback only; browsers that resolve
    /// `localhost` to ::1 first fall back to 127.0.0.1 when nothing answers there).
    pub async fn bind(redirect_uri: &str) -> Result<Loopback, SandboxError> {
        let parsed = url::Url::parse(redirect_uri)
            .map_err(|e| SandboxError::Input(format!("--callback {redirect_uri:?}: {e}")))?;
        if !matches!(parsed.host_str(), Some("localhost" | "127.0.0.1"))
            || parsed.scheme() != "http"
        {
            return Err(SandboxError::Input(format!(
                "--callback {redirect_uri:?} must be http://localhost:<port>/<path>: sflab listens for the browser on this computer"
            )));
        }
        let port = parsed.port().unwrap_or(80);
        let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
            SandboxError::Input(format!(
                "could not listen on 127.0.0.1:{port} for the login callback ({e}); close what uses the port or pass another --callback registered in the app"
            ))
        })?;
        Ok(Loopback {
            listener,
            redirect_uri: redirect_uri.to_string(),
        })
    }

    fn path(&self) -> String {
        url::Url::parse(&self.redirect_uri)
            .map(|u| u.path().to_string())
            .unwrap_or_else(|_| "/".into())
    }
}

/// The web server flow with PKCE: `show` is given the authorize URL (to open in a browser or
/// print), then the code from the redirect is exchanged with the verifier.
pub async fn web_server(
    http: &reqwest::Client,
    target: &LoginTarget,
    client_id: &str,
    client_secret: Option<&str>,
    loopback: &Loopback,
    show: impl FnOnce(&str),
    timeout: Duration,
) -> Result<OrgLogin, SandboxError> {
    let pkce = oauth::pkce_pair();
    let state = oauth::pkce_pair().verifier[..24].to_string();
    show(&oauth::authorize_url(
        &target.login_url,
        client_id,
        &loopback.redirect_uri,
        &pkce.challenge,
        &state,
    ));
    let code = wait_for_code(&loopback.listener, &loopback.path(), &state, timeout).await?;
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("client_id", client_id),
        ("redirect_uri", loopback.redirect_uri.as_str()),
        ("code_verifier", pkce.verifier.as_str()),
    ];
    if let Some(s) = client_secret {
        form.push(("client_secret", s));
    }
    let token = oauth::token_request(http, &target.login_url, &form).await?;
    let mut login = login_of(target, Grant::WebServer, token);
    login.client_id = Some(client_id.into());
    login.client_secret = client_secret.map(str::to_string);
    Ok(login)
}

/// Whether `token` can be an access token: recent sf CLIs print a sentence in its place
/// (`[REDACTED] Use 'sf org auth show-access-token' to view`), which must never be stored.
fn is_token(token: &str) -> bool {
    !token.is_empty() && !token.contains(char::is_whitespace) && !token.starts_with('[')
}

/// Reads `sf org display --json` output into a login. Its access token is empty when sf hid
/// it (see [`from_sf`]).
pub fn parse_sf_display(alias: &str, sf_alias: &str, json: &str) -> Result<OrgLogin, SandboxError> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|_| {
        SandboxError::Input(
            "`sf org display --json` did not print JSON; is the sf CLI installed and up to date?"
                .into(),
        )
    })?;
    if v["status"].as_i64().unwrap_or(0) != 0 {
        return Err(SandboxError::Input(format!(
            "the sf CLI has no usable login {sf_alias:?}: {}. Log in with `sf org login web --alias {sf_alias}` first.",
            v["message"].as_str().unwrap_or("it reported an error")
        )));
    }
    let r = &v["result"];
    let text = |k: &str| r[k].as_str().map(str::to_string);
    let (Some(access_token), Some(instance_url)) = (text("accessToken"), text("instanceUrl"))
    else {
        return Err(SandboxError::Input(format!(
            "`sf org display` gave no access token for {sf_alias:?}; the login may have expired: run `sf org login web --alias {sf_alias}` again"
        )));
    };
    let instance_url = instance_url.trim_end_matches('/').to_string();
    let access_token = if is_token(&access_token) {
        access_token
    } else {
        String::new()
    };
    Ok(OrgLogin {
        alias: alias.into(),
        login_url: instance_url.clone(),
        instance_url,
        grant: Grant::SfCli,
        access_token,
        refresh_token: None,
        client_id: text("clientId"),
        client_secret: None,
        jwt_key_file: None,
        sf_alias: Some(sf_alias.into()),
        username: text("username"),
        org_id: text("id"),
        is_sandbox: None,
    })
}

/// The access token in `sf org auth show-access-token --json` output.
pub fn parse_sf_token(sf_alias: &str, json: &str) -> Result<String, SandboxError> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    match v["result"]["accessToken"].as_str() {
        Some(t) if is_token(t) => Ok(t.to_string()),
        _ => Err(SandboxError::Input(format!(
            "the sf CLI hides the access token of {sf_alias:?} in `sf org display`, and `sf org auth show-access-token` gave none ({}). Update the sf CLI, or log in to sflab with another flow.",
            v["message"].as_str().unwrap_or("no token in its answer")
        ))),
    }
}

/// Runs the sf CLI (the program is `SFLAB_SF_BIN` or `sf`) with `args`; its standard output.
fn run_sf(args: &[&str]) -> Result<String, SandboxError> {
    let program = std::env::var_os("SFLAB_SF_BIN").unwrap_or_else(|| "sf".into());
    let out = std::process::Command::new(&program)
        .args(args)
        .output()
        .map_err(|e| {
            SandboxError::Input(format!(
                "could not run the sf CLI ({e}); install it (npm install -g @salesforce/cli) or use another login flow"
            ))
        })?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A login from the sf CLI's `sf_alias`: `sf org display --json` for the org, and, where that
/// hides the token (sf CLI 2.1xx and later), `sf org auth show-access-token --json`.
pub fn from_sf(alias: &str, sf_alias: &str) -> Result<OrgLogin, SandboxError> {
    let shown = run_sf(&["org", "display", "--json", "--target-org", sf_alias])?;
    let mut login = parse_sf_display(alias, sf_alias, &shown)?;
    if login.access_token.is_empty() {
        let json = run_sf(&[
            "org",
            "auth",
            "show-access-token",
            "--json",
            "--no-prompt",
            "--target-org",
            sf_alias,
        ])?;
        login.access_token = parse_sf_token(sf_alias, &json)?;
    }
    Ok(login)
}

/// A fresh access token for `login`, the way it was first obtained (a refresh token first).
pub async fn renew(http: &reqwest::Client, login: &OrgLogin) -> Result<OrgLogin, SandboxError> {
    let target = LoginTarget {
        alias: login.alias.clone(),
        login_url: login.login_url.clone(),
    };
    let keep = |mut fresh: OrgLogin| {
        fresh.username = fresh.username.or_else(|| login.username.clone());
        fresh.is_sandbox = login.is_sandbox;
        fresh.org_id = fresh.org_id.or_else(|| login.org_id.clone());
        fresh
    };
    if let (Some(refresh), Some(client_id)) = (&login.refresh_token, &login.client_id) {
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
            ("client_id", client_id.as_str()),
        ];
        if let Some(s) = &login.client_secret {
            form.push(("client_secret", s.as_str()));
        }
        let token = oauth::token_request(http, &login.login_url, &form).await?;
        let mut fresh = login.clone();
        fresh.access_token = token.access_token;
        fresh.instance_url = token.instance_url.trim_end_matches('/').to_string();
        if token.refresh_token.is_some() {
            fresh.refresh_token = token.refresh_token;
        }
        return Ok(fresh);
    }
    match login.grant {
        Grant::ClientCredentials => match (&login.client_id, &login.client_secret) {
            (Some(id), Some(secret)) => client_credentials(http, &target, id, secret)
                .await
                .map(keep),
            _ => Err(SandboxError::SessionDead(
                "no client secret is stored".into(),
            )),
        },
        Grant::JwtBearer => match (&login.jwt_key_file, &login.username, &login.client_id) {
            (Some(key), Some(user), Some(id)) => {
                let key: PathBuf = key.clone();
                jwt_bearer(http, &target, &key, user, id).await.map(keep)
            }
            _ => Err(SandboxError::SessionDead(
                "the JWT settings are incomplete".into(),
            )),
        },
        Grant::SfCli => match &login.sf_alias {
            // The sf CLI hands back the token it holds; the same dead one means its own login
            // is over too.
            Some(sf) => match from_sf(&login.alias, sf) {
                Ok(fresh) if fresh.access_token == login.access_token => {
                    Err(SandboxError::SfLoginExpired {
                        sf: sf.clone(),
                        alias: login.alias.clone(),
                    })
                }
                other => other.map(keep),
            },
            None => Err(SandboxError::SessionDead(
                "no sf CLI alias is stored".into(),
            )),
        },
        Grant::WebServer => Err(SandboxError::SessionDead(
            "the web login gave no refresh token".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[tokio::test]
    async fn an_expired_sf_cli_login_is_one_sentence_telling_to_log_in_to_sf_again() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let sf = dir.path().join("sf");
        std::fs::write(
            &sf,
            "#!/bin/sh\necho '{\"status\":0,\"result\":{\"accessToken\":\"00Dxx!dead\",\"instanceUrl\":\"https://falcon.my.salesforce.com\"}}'\n",
        )
        .unwrap();
        std::fs::set_permissions(&sf, std::fs::Permissions::from_mode(0o755)).unwrap();
        // Only the sf CLI tests read this variable.
        std::env::set_var("SFLAB_SF_BIN", &sf);
        let login = OrgLogin {
            alias: "dev".into(),
            login_url: "https://falcon.my.salesforce.com".into(),
            instance_url: "https://falcon.my.salesforce.com".into(),
            grant: Grant::SfCli,
            access_token: "00Dxx!dead".into(),
            refresh_token: None,
            client_id: None,
            client_secret: None,
            jwt_key_file: None,
            sf_alias: Some("falcon".into()),
            username: None,
            org_id: None,
            is_sandbox: None,
        };
        let e = super::super::client::OrgClient::new(login, None)
            .renew()
            .await
            .unwrap_err();
        let said = e.to_string();
        assert!(matches!(e, SandboxError::SfLoginExpired { .. }), "{said}");
        assert_eq!(
            said,
            "the sf CLI's login \"falcon\" has expired: log in again with `sf org login web --alias falcon`, then run `sflab org login --alias dev --from-sf falcon`."
        );
    }

    #[test]
    fn my_domain_urls_are_accepted_and_plain_http_only_on_loopback() {
        assert_eq!(
            normalise_login_url("https://falcon--dev.sandbox.my.salesforce.com/").unwrap(),
            "https://falcon--dev.sandbox.my.salesforce.com"
        );
        assert!(normalise_login_url("http://falcon.my.salesforce.com").is_err());
        assert_eq!(
            normalise_login_url("http://127.0.0.1:9000").unwrap(),
            "http://127.0.0.1:9000"
        );
        assert!(normalise_login_url("falcon").is_err());
    }

    #[test]
    fn sf_display_output_becomes_a_login_and_errors_say_what_to_do() {
        let json = r#"{"status":0,"result":{"id":"00Dxx","accessToken":"00Dxx!tok","instanceUrl":"https://falcon--dev.sandbox.my.salesforce.com","username":"me@falcon.example","clientId":"PlatformCLI"}}"#;
        let login = parse_sf_display("dev", "falcon-dev", json).unwrap();
        assert_eq!(login.grant, Grant::SfCli);
        assert_eq!(login.username.as_deref(), Some("me@falcon.example"));
        assert_eq!(login.sf_alias.as_deref(), Some("falcon-dev"));
        let err = parse_sf_display(
            "dev",
            "nope",
            r#"{"status":1,"name":"NoOrgFound","message":"No authorization information found for nope."}"#,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("sf org login web --alias nope"),
            "{err}"
        );
    }

    #[test]
    fn a_token_the_sf_cli_hides_is_never_taken_for_one() {
        let json = r#"{"status":0,"result":{"id":"00Dxx","accessToken":"[REDACTED] Use 'sf org auth show-access-token' to view","instanceUrl":"https://falcon--dev.sandbox.my.salesforce.com"}}"#;
        let login = parse_sf_display("dev", "falcon-dev", json).unwrap();
        assert_eq!(login.access_token, "", "left for show-access-token");
        let shown = r#"{"status":0,"result":{"accessToken":"00Dxx!tok"}}"#;
        assert_eq!(parse_sf_token("falcon-dev", shown).unwrap(), "00Dxx!tok");
        let refused = r#"{"status":1,"message":"Command org auth show-access-token not found."}"#;
        let err = parse_sf_token("falcon-dev", refused)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not found") && err.contains("Update the sf CLI"),
            "{err}"
        );
    }
}
