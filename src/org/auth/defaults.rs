//! The default org's auth setup: its users, a permission set for the integration user, and an
//! External Client App for every flow the lessons walk through — plus `PlatformCLI`, the public
//! client real orgs carry for the Salesforce CLI. Also the JWT key pair kept in the learner's
//! workspace and the lines `sflab org serve` adds to its env file.

use super::access::{FieldRight, Op, PermissionSet};
use super::config::{
    AuthConfig, AuthSettings, ConfigError, ExternalClientApp, Flow, PermittedUsers, PreAuthorized,
    RefreshPolicy,
};
use super::keys::{generate_rsa, self_signed, JwtKeyPair, KeyError};
use super::span::Span;
use super::users::{License, User, UserStatus};
use rsa::pkcs8::DecodePrivateKey;
use std::collections::BTreeMap;
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
    let private = if key_path.exists() {
        let pem = std::fs::read_to_string(&key_path).map_err(io)?;
        rsa::RsaPrivateKey::from_pkcs8_pem(&pem).map_err(|e| DefaultsError::BadKey {
            path: key_path.clone(),
            why: e.to_string(),
        })?
    } else {
        generate_rsa()?
    };
    let pair = self_signed(&private, "sflab JWT bearer")?;
    if let Some(dir) = key_path.parent() {
        crate::fsutil::create_private_dir(dir).map_err(io)?;
    }
    if !key_path.exists() {
        crate::fsutil::write_private_atomic(&key_path, pair.private_key_pem.as_bytes())
            .map_err(io)?;
    }
    let cert_path = workspace.join(JWT_CERT_FILE);
    crate::fsutil::write_private_atomic(&cert_path, pair.certificate_pem.as_bytes()).map_err(
        |source| DefaultsError::Io {
            path: cert_path,
            source,
        },
    )?;
    Ok(pair)
}

fn user(
    username: &str,
    alias: &str,
    first: &str,
    last: &str,
    password: Option<&str>,
    profile: &str,
) -> User {
    User {
        id: String::new(),
        username: username.into(),
        alias: Some(alias.into()),
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        email: Some(username.into()),
        password: password.map(str::to_string),
        profile: profile.into(),
        permission_sets: Vec::new(),
        license: License::Salesforce,
        status: UserStatus::Active,
    }
}

pub fn default_users() -> Vec<User> {
    let mut integration = user(
        "integration@sflab.dev",
        "integration",
        "Integration",
        "User",
        None,
        "Minimum Access - API Only Integrations",
    );
    integration.license = License::SalesforceIntegration;
    integration.permission_sets = vec!["sflab_Integration".into()];
    vec![
        user(
            "admin@sflab.dev",
            "admin",
            "Ada",
            "Admin",
            Some("Admin-sflab-1"),
            "System Administrator",
        ),
        user(
            "learner@sflab.dev",
            "learner",
            "Lee",
            "Learner",
            Some("Learner-sflab-1"),
            "Standard User",
        ),
        integration,
    ]
}

pub fn default_permission_sets() -> Vec<PermissionSet> {
    let crud = vec![Op::Read, Op::Create, Op::Edit, Op::Delete];
    let objects: BTreeMap<String, Vec<Op>> = ["Account", "Contact", "Lead", "Opportunity", "Case"]
        .iter()
        .map(|o| (o.to_string(), crud.clone()))
        .collect();
    // Integration users see and edit every field of these objects (`Object.*`).
    let fields = objects
        .keys()
        .map(|o| (format!("{o}.*"), vec![FieldRight::Edit]))
        .collect();
    vec![PermissionSet {
        name: "sflab_Integration".into(),
        label: Some("sflab integration access".into()),
        objects,
        fields,
        view_all_data: false,
        modify_all_data: false,
    }]
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

/// The default org's apps; `jwt_certificate_pem` is the workspace key's certificate.
pub fn default_apps(jwt_certificate_pem: &str) -> Vec<ExternalClientApp> {
    let mut cc = app(
        "sflab_client_credentials",
        &[Flow::ClientCredentials],
        &["api"],
    );
    cc.run_as = Some("integration".into());

    let mut web = app(
        "sflab_web",
        &[Flow::AuthorizationCode, Flow::RefreshToken],
        &[
            "api",
            "refresh_token",
            "openid",
            "web",
            "id",
            "profile",
            "email",
        ],
    );
    web.callback_urls = vec![LESSON_CALLBACK.into(), CLI_CALLBACK.into()];
    web.auto_approve = true;
    web.auto_approve_as = Some("learner".into());
    web.refresh = RefreshPolicy {
        expire_after: None,
        rotate: true,
    };

    let pre_authorized = PreAuthorized {
        profiles: vec!["System Administrator".into()],
        permission_sets: vec!["sflab_Integration".into()],
    };
    let mut jwt = app("sflab_jwt", &[Flow::JwtBearer], &["api"]);
    jwt.certificate = Some(jwt_certificate_pem.into());
    jwt.permitted_users = PermittedUsers::AdminApproved;
    jwt.pre_authorized = pre_authorized.clone();

    let mut saml = app("sflab_saml", &[Flow::SamlBearer], &["api"]);
    saml.certificate = Some(jwt_certificate_pem.into());
    saml.permitted_users = PermittedUsers::AdminApproved;
    saml.pre_authorized = pre_authorized;

    let mut device = app(
        "sflab_device",
        &[Flow::Device, Flow::RefreshToken],
        &["api", "refresh_token"],
    );
    device.public = true;

    let mut cli = app(
        "PlatformCLI",
        &[Flow::AuthorizationCode, Flow::RefreshToken, Flow::Device],
        &["refresh_token", "api", "web", "openid", "id", "full"],
    );
    cli.consumer_key = "PlatformCLI".into();
    cli.public = true;
    cli.callback_urls = vec![CLI_CALLBACK.into()];
    cli.auto_approve = true;
    cli.auto_approve_as = Some("admin".into());
    vec![cc, web, jwt, saml, device, cli]
}

/// The whole auth configuration of the default org.
pub fn default_config(jwt_certificate_pem: &str) -> Result<AuthConfig, ConfigError> {
    AuthConfig::build(
        default_apps(jwt_certificate_pem),
        default_users(),
        default_permission_sets(),
        AuthSettings::default(),
    )
}

/// Lines `sflab org serve` adds to its env file.
pub fn env_lines(workspace: &Path) -> Vec<(String, String)> {
    vec![
        ("SF_CALLBACK_URL".into(), LESSON_CALLBACK.into()),
        (
            "SF_JWT_KEY_FILE".into(),
            workspace.join(JWT_KEY_FILE).display().to_string(),
        ),
    ]
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
    fn the_default_config_is_valid_and_has_every_flow() {
        let pair = self_signed(crate::org::auth::keys::tests::test_key(), "t").unwrap();
        let c = default_config(&pair.certificate_pem).unwrap();
        for flow in [
            Flow::ClientCredentials,
            Flow::AuthorizationCode,
            Flow::JwtBearer,
            Flow::SamlBearer,
            Flow::Device,
            Flow::RefreshToken,
        ] {
            assert!(c.apps.iter().any(|a| a.allows(flow)), "{flow:?}");
        }
        let cli = c.app_by_key("PlatformCLI").unwrap();
        assert!(cli.consumer_secret.is_none());
        assert!(cli.callback_urls.contains(&CLI_CALLBACK.to_string()));
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
        let lines = env_lines(ws.path());
        assert!(lines
            .iter()
            .any(|(k, v)| k == "SF_JWT_KEY_FILE" && v.ends_with("jwt-private.pem")));
    }
}
