//! The default org's apps: an External Client App for every flow the lessons walk through (the
//! user-agent flow included), plus `PlatformCLI`, the public client real orgs carry for the
//! Salesforce CLI. Also the JWT key pair kept in the learner's workspace and the lines `sflab org
//! serve` adds to its env file. (The default org's users are in the data core's default seed; its
//! integration user has the built-in `sflab_Integration` permission set.)
//!
//! Implementation note: no default app rotates refresh tokens. On a real org rotation is a
//! setting an admin switches on for an app (the External Client App's "Enable Refresh Token
//! Rotation"; Salesforce recommends it, and its packaging guide asks it of partner apps), not
//! the default, and clients that keep their first refresh token — jsforce's automatic
//! refresh among them — break on the second expiry under it. The `oauth-refresh-rotation`
//! lab's own org switches it on.

use super::config::{
    AuthConfig, ConfigError, ExternalClientApp, Flow, PermittedUsers, PreAuthorized, RefreshPolicy,
};
use super::keys::{generate_rsa, self_signed, JwtKeyPair, KeyError};
use super::server::AuthServer;
use super::span::Span;
use rsa::pkcs8::DecodePrivateKey;
use std::path::{Path, PathBuf};

/// Where the JWT private key lives, relative to the workspace.
pub const JWT_KEY_FILE: &str = ".sflab/keys/jwt-private.pem";
pub const JWT_CERT_FILE: &str = ".sflab/keys/jwt-cert.pem";
/// The callback the lessons' auth-code examples listen on.
pub const LESSON_CALLBACK: &str = "http://localhost:8080/callback";
pub const CLI_CALLBACK: &str = "http://localhost:1717/OauthRedirect";

#[derive(Debug, thiserror::Error)]
pub enum DefaultsError {
    #[error("could not read or write the JWT key in {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the JWT key in {path} is not a PKCS#8 RSA private key; delete it to get a new one ({why})"
    )]
    BadKey { path: PathBuf, why: String },
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Loads the workspace's JWT key pair, creating it (mode 0600) on first use.
pub fn workspace_jwt_key(workspace: &Path) -> Result<JwtKeyPair, DefaultsError> {
    let key_path = workspace.join(JWT_KEY_FILE);
    let io = |source| DefaultsError::Io {
        path: key_path.clone(),
        source,
    };
    let read_key = || -> Result<rsa::RsaPrivateKey, DefaultsError> {
        let pem = std::fs::read_to_string(&key_path).map_err(io)?;
        rsa::RsaPrivateKey::from_pkcs8_pem(&pem).map_err(|e| DefaultsError::BadKey {
            path: key_path.clone(),
            why: e.to_string(),
        })
    };
    let private = if key_path.exists() {
        read_key()?
    } else {
        // Made once: of two first attempts at once (cases of `dev check`), one writes its key
        // and the other uses that one, so the org each sets up trusts the key its run reads.
        let fresh = generate_rsa()?;
        let pem = self_signed(&fresh, "sflab JWT bearer")?.private_key_pem;
        if let Some(dir) = key_path.parent() {
            crate::fsutil::create_private_dir(dir).map_err(io)?;
        }
        if crate::fsutil::create_private_once(&key_path, pem.as_bytes()).map_err(io)? {
            fresh
        } else {
            read_key()?
        }
    };
    let pair = self_signed(&private, "sflab JWT bearer")?;
    let cert_path = workspace.join(JWT_CERT_FILE);
    crate::fsutil::write_private_atomic(&cert_path, pair.certificate_pem.as_bytes()).map_err(
        |source| DefaultsError::Io {
            path: cert_path,
            source,
        },
    )?;
    Ok(pair)
}

fn app(name: &str, flows: &[Flow], scopes: &[&str]) -> ExternalClientApp {
    ExternalClientApp {
        name: name.into(),
        consumer_key: String::new(),
        consumer_secret: None,
        public: false,
        callback_urls: Vec::new(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        flows: flows.to_vec(),
        pkce_required: None,
        run_as: None,
        certificate: None,
        permitted_users: PermittedUsers::AllUsers,
        pre_authorized: PreAuthorized::default(),
        auto_approve: false,
        auto_approve_as: None,
        refresh: RefreshPolicy::default(),
        access_token_timeout: Span::secs(2 * 3600),
        ip_ranges: Vec::new(),
        jwt_audiences: Vec::new(),
        saml_issuer: None,
        legacy_connected_app: false,
    }
}

/// The default org's apps; the JWT and SAML bearer apps only when the workspace key's
/// certificate is given.
pub fn default_apps(jwt_certificate_pem: Option<&str>) -> Vec<ExternalClientApp> {
    let mut cc = app(
        "sflab_client_credentials",
        &[Flow::ClientCredentials],
        &["api"],
    );
    cc.run_as = Some("integration".into());

    let scopes = [
        "api",
        "refresh_token",
        "openid",
        "web",
        "id",
        "profile",
        "email",
    ];
    let mut web = app(
        "sflab_web",
        &[Flow::AuthorizationCode, Flow::RefreshToken],
        &scopes,
    );
    web.callback_urls = vec![LESSON_CALLBACK.into(), CLI_CALLBACK.into()];
    web.auto_approve = true;
    web.auto_approve_as = Some("admin".into());

    let mut apps = vec![cc, web];
    if let Some(cert) = jwt_certificate_pem {
        // The integration user (permission set) and admins (profile) are pre-authorized.
        let pre_authorized = PreAuthorized {
            profiles: vec!["System Administrator".into()],
            permission_sets: vec!["sflab_Integration".into()],
        };
        let mut jwt = app("sflab_jwt", &[Flow::JwtBearer], &["api"]);
        jwt.certificate = Some(cert.into());
        jwt.permitted_users = PermittedUsers::AdminApproved;
        jwt.pre_authorized = pre_authorized.clone();
        let mut saml = app("sflab_saml", &[Flow::SamlBearer], &["api"]);
        saml.certificate = Some(cert.into());
        saml.permitted_users = PermittedUsers::AdminApproved;
        saml.pre_authorized = pre_authorized;
        apps.extend([jwt, saml]);
    }

    let mut device = app(
        "sflab_device",
        &[Flow::Device, Flow::RefreshToken],
        &["api", "refresh_token"],
    );
    device.public = true;

    // The legacy user-agent flow, for the lesson on token kinds: tokens in the fragment.
    let mut user_agent = app(
        "sflab_user_agent",
        &[Flow::UserAgent],
        &["api", "openid", "id", "refresh_token"],
    );
    user_agent.public = true;
    user_agent.callback_urls = vec![LESSON_CALLBACK.into()];
    user_agent.auto_approve = true;
    user_agent.auto_approve_as = Some("admin".into());

    let cli_scopes = ["refresh_token", "api", "web", "openid", "id", "full"];
    let mut cli = app(
        "PlatformCLI",
        &[Flow::AuthorizationCode, Flow::RefreshToken, Flow::Device],
        &cli_scopes,
    );
    cli.consumer_key = "PlatformCLI".into();
    cli.public = true;
    cli.callback_urls = vec![CLI_CALLBACK.into()];
    cli.auto_approve = true;
    cli.auto_approve_as = Some("admin".into());
    apps.extend([device, user_agent, cli]);
    apps
}

impl AuthServer {
    /// Adds (or replaces) the default org's apps; see [`default_apps`].
    pub fn install_default_apps(
        &self,
        jwt_certificate_pem: Option<&str>,
    ) -> Result<(), ConfigError> {
        let apps = default_apps(jwt_certificate_pem);
        let mut config = self.config();
        let old: Vec<ExternalClientApp> = config.apps.clone();
        config
            .apps
            .retain(|a| !apps.iter().any(|d| d.name == a.name));
        // Keep secrets stable when the apps are installed again.
        let apps = apps
            .into_iter()
            .map(|mut a| {
                if let Some(prev) = old.iter().find(|o| o.name == a.name) {
                    a.consumer_secret = prev.consumer_secret.clone();
                }
                a
            })
            .collect();
        self.replace_config(config.with_apps(apps)?);
        Ok(())
    }
}

/// Prepares the default org for `sflab org serve`: the workspace JWT key (created on first
/// use) and every default app, JWT and SAML included.
pub fn install_for_workspace(
    auth: &AuthServer,
    workspace: &Path,
) -> Result<JwtKeyPair, DefaultsError> {
    let pair = workspace_jwt_key(workspace)?;
    auth.install_default_apps(Some(&pair.certificate_pem))?;
    Ok(pair)
}

/// The app `sflab org serve` hands out as `SF_CLIENT_ID` / `SF_CLIENT_SECRET`: the first
/// confidential one with the client credentials flow.
pub fn serve_client(config: &AuthConfig) -> Option<(String, String)> {
    config
        .apps
        .iter()
        .find(|a| a.allows(Flow::ClientCredentials))
        .and_then(|a| Some((a.consumer_key.clone(), a.consumer_secret.clone()?)))
}

/// Every app of a seeded org as environment variables: `SF_APP_<NAME>_CLIENT_ID`, `…_SECRET`
/// (confidential apps) and `…_CALLBACK_URL` (the first one), `<NAME>` the app's name in
/// capitals with `_` for anything else: `my-web-app` gives `SF_APP_MY_WEB_APP_CLIENT_ID`.
/// A seed's apps get new secrets on every start, so this is where to read them. Two names
/// that come out the same get `_2`, `_3`… in seed order.
pub fn seeded_apps_env(config: &AuthConfig) -> Vec<(String, String)> {
    let mut env = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    for app in &config.apps {
        let spelled: String = app
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        // Names that spell the same (`my-app`, `my_app`) are told apart by a number.
        let mut name = spelled.clone();
        let mut n = 1;
        while taken.contains(&name) {
            n += 1;
            name = format!("{spelled}_{n}");
        }
        taken.push(name.clone());
        env.push((format!("SF_APP_{name}_CLIENT_ID"), app.consumer_key.clone()));
        if let Some(secret) = &app.consumer_secret {
            env.push((format!("SF_APP_{name}_CLIENT_SECRET"), secret.clone()));
        }
        if let Some(url) = app.callback_urls.first() {
            env.push((format!("SF_APP_{name}_CALLBACK_URL"), url.clone()));
        }
    }
    env
}

/// Lines `sflab org serve` adds to its env file: the lessons' callback URL, the JWT key file
/// and the consumer key that goes with it (not a secret).
pub fn env_lines(workspace: &Path, config: &AuthConfig) -> Vec<(&'static str, String)> {
    let mut lines = vec![(
        "SF_JWT_KEY_FILE",
        workspace.join(JWT_KEY_FILE).display().to_string(),
    )];
    if let Some(app) = config.app_by_name("sflab_jwt") {
        lines.push(("SF_JWT_CLIENT_ID", app.consumer_key.clone()));
    }
    lines
}

/// The default org's apps by the flow they are for, as `sflab org serve --app` names them.
pub const FLOW_APPS: &[(&str, &str)] = &[
    ("client-credentials", "sflab_client_credentials"),
    ("web-server", "sflab_web"),
    ("jwt", "sflab_jwt"),
    ("saml", "sflab_saml"),
    ("device", "sflab_device"),
    ("user-agent", "sflab_user_agent"),
    ("cli", "PlatformCLI"),
];

/// `SF_CLIENT_ID`, `SF_CLIENT_SECRET` (confidential apps only) and `SF_CALLBACK_URL` (apps
/// with one) for the default org's app for `flow` (a [`FLOW_APPS`] name).
pub fn flow_app_env(
    config: &AuthConfig,
    flow: &str,
) -> Result<Vec<(&'static str, String)>, String> {
    let names: Vec<&str> = FLOW_APPS.iter().map(|(f, _)| *f).collect();
    let app_name = FLOW_APPS
        .iter()
        .find(|(f, _)| *f == flow)
        .map(|(_, a)| *a)
        .ok_or_else(|| {
            format!(
                "there is no app for {flow:?}; choose one of {}",
                names.join(", ")
            )
        })?;
    let app = config.app_by_name(app_name).ok_or_else(|| {
        format!("the org has no app {app_name}; --app picks among the default org's apps")
    })?;
    let mut out = vec![("SF_CLIENT_ID", app.consumer_key.clone())];
    if let Some(s) = &app.consumer_secret {
        out.push(("SF_CLIENT_SECRET", s.clone()));
    }
    if let Some(cb) = app.callback_urls.first() {
        out.push(("SF_CALLBACK_URL", cb.clone()));
    }
    Ok(out)
}

/// `SF_CLIENT_ID` / `SF_CLIENT_SECRET` for one app (the secret only for confidential apps).
pub fn app_env(config: &AuthConfig, app_name: &str) -> Vec<(String, String)> {
    let Some(app) = config.app_by_name(app_name) else {
        return Vec::new();
    };
    let mut out = vec![("SF_CLIENT_ID".to_string(), app.consumer_key.clone())];
    if let Some(s) = &app.consumer_secret {
        out.push(("SF_CLIENT_SECRET".into(), s.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seeded_app_has_its_credentials_under_its_own_name() {
        let seed = crate::org::OrgSeed::from_yaml(
            "users:\n  - { username: admin@seed.example, last_name: Admin, ref: admin }\napps:\n  - name: my-web-app\n    flows: [authorization_code, refresh_token]\n    callback_urls: [http://localhost:8080/callback]\n  - name: my cc app\n    flows: [client_credentials]\n    run_as: admin\n  - name: my_cc_app\n    flows: [client_credentials]\n    run_as: admin\n",
        )
        .unwrap();
        let org = crate::org::Org::new(&seed).unwrap();
        let c = org.auth.config();
        let env = seeded_apps_env(&c);
        let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "SF_APP_MY_WEB_APP_CLIENT_ID",
                "SF_APP_MY_WEB_APP_CLIENT_SECRET",
                "SF_APP_MY_WEB_APP_CALLBACK_URL",
                "SF_APP_MY_CC_APP_CLIENT_ID",
                "SF_APP_MY_CC_APP_CLIENT_SECRET",
                "SF_APP_MY_CC_APP_2_CLIENT_ID",
                "SF_APP_MY_CC_APP_2_CLIENT_SECRET",
            ]
        );
        let web = c.app_by_name("my-web-app").unwrap();
        assert_eq!(env[0].1, web.consumer_key);
        assert_eq!(Some(&env[1].1), web.consumer_secret.as_ref());
        assert_eq!(env[2].1, "http://localhost:8080/callback");
    }

    #[test]
    fn every_flow_name_gives_its_apps_credentials() {
        let org = crate::org::Org::default_org();
        let ws = tempfile::tempdir().unwrap();
        install_for_workspace(&org.auth, ws.path()).unwrap();
        let c = org.auth.config();
        for (flow, app) in FLOW_APPS {
            let env = flow_app_env(&c, flow).unwrap();
            let app = c.app_by_name(app).unwrap();
            assert_eq!(env[0], ("SF_CLIENT_ID", app.consumer_key.clone()), "{flow}");
            let has_secret = env.iter().any(|(k, _)| *k == "SF_CLIENT_SECRET");
            assert_eq!(has_secret, app.consumer_secret.is_some(), "{flow}");
        }
        let web = flow_app_env(&c, "web-server").unwrap();
        assert!(web.contains(&("SF_CALLBACK_URL", LESSON_CALLBACK.to_string())));
        assert!(flow_app_env(&c, "carrier-pigeon")
            .unwrap_err()
            .contains("web-server"));
    }

    #[test]
    fn the_default_org_has_an_app_for_every_flow_once_the_workspace_key_is_in() {
        let org = crate::org::Org::default_org();
        let ws = tempfile::tempdir().unwrap();
        install_for_workspace(&org.auth, ws.path()).unwrap();
        let c = org.auth.config();
        for flow in [
            Flow::ClientCredentials,
            Flow::AuthorizationCode,
            Flow::JwtBearer,
            Flow::SamlBearer,
            Flow::Device,
            Flow::RefreshToken,
            Flow::UserAgent,
        ] {
            assert!(c.apps.iter().any(|a| a.allows(flow)), "{flow:?}");
        }
        let jwt_key = &c.app_by_name("sflab_jwt").unwrap().consumer_key;
        let lines = env_lines(ws.path(), &c);
        assert!(lines
            .iter()
            .any(|(k, v)| *k == "SF_JWT_CLIENT_ID" && v == jwt_key));
        let cli = c.app_by_key("PlatformCLI").unwrap();
        assert!(cli.consumer_secret.is_none());
        assert!(cli.callback_urls.contains(&CLI_CALLBACK.to_string()));
        let cc = c.app_by_name("sflab_client_credentials").unwrap();
        let run_as = c.users.find(cc.run_as.as_deref().unwrap()).unwrap();
        assert_eq!(run_as.username, "integration@sflab.example");
        assert_eq!(serve_client(&c).unwrap().0, cc.consumer_key);
        let before = cc.consumer_secret.clone();
        install_for_workspace(&org.auth, ws.path()).unwrap();
        let after = org
            .auth
            .config()
            .app_by_name("sflab_client_credentials")
            .unwrap()
            .consumer_secret
            .clone();
        assert_eq!(after, before, "installing again keeps secrets");
    }

    #[test]
    fn no_default_app_rotates_refresh_tokens() {
        for app in default_apps(Some("certificate")) {
            assert_eq!(app.refresh, RefreshPolicy::default(), "{}", app.name);
        }
    }

    #[test]
    fn the_default_integration_user_may_use_every_object_and_field() {
        let org = crate::org::Org::default_org();
        let id = org.user("integration").unwrap().id.to_string();
        for op in [
            super::super::Op::Read,
            super::super::Op::Create,
            super::super::Op::Delete,
        ] {
            assert!(org.auth.can(&id, "Account", op).is_ok());
            assert!(org.auth.can(&id, "Shipment__c", op).is_ok());
        }
        assert!(org.auth.field_editable(&id, "Account", "ERP_Id__c"));
        assert!(org
            .auth
            .can("005000000000000AAA", "Account", super::super::Op::Read)
            .is_err());
    }

    #[test]
    fn first_attempts_at_once_all_get_the_one_key_the_workspace_keeps() {
        let ws = tempfile::tempdir().unwrap();
        let pairs: Vec<JwtKeyPair> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| s.spawn(|| workspace_jwt_key(ws.path()).unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let kept = std::fs::read_to_string(ws.path().join(JWT_KEY_FILE)).unwrap();
        for pair in &pairs {
            assert_eq!(
                pair.private_key_pem, kept,
                "each run signs with the key on disk"
            );
        }
    }

    #[test]
    fn the_workspace_key_is_created_private_and_then_reused() {
        let ws = tempfile::tempdir().unwrap();
        let first = workspace_jwt_key(ws.path()).unwrap();
        let second = workspace_jwt_key(ws.path()).unwrap();
        assert_eq!(first.private_key_pem, second.private_key_pem);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(ws.path().join(JWT_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let lines = env_lines(ws.path(), &AuthConfig::default());
        assert!(lines
            .iter()
            .any(|(k, v)| *k == "SF_JWT_KEY_FILE" && v.ends_with("jwt-private.pem")));
    }
}
