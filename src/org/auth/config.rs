//! The org's OAuth configuration: External Client Apps (and legacy connected apps), users,
//! permission sets and org-wide auth settings, as read from a seed's or lab's YAML.
//!
//! ```yaml
//! apps:
//!   - name: lab-client                 # required; the consumer key is derived from it
//!     flows: [client_credentials]      # authorization_code, client_credentials, jwt_bearer,
//!                                      # refresh_token, device, saml_bearer, password
//!     scopes: [api]                    # default [api]
//!     run_as: integration              # client credentials: username, ref or alias
//!     # consumer_key / consumer_secret: fixed values (else derived / random)
//!     # public: true                   # no secret (PKCE instead), like PlatformCLI
//!     # callback_urls: [http://localhost:8080/callback]
//!     # pkce_required: true            # default: true for External Client Apps
//!     # certificate: "-----BEGIN CERTIFICATE-----…"   # JWT / SAML bearer
//!     # permitted_users: admin_approved               # default all_users
//!     # pre_authorized: { profiles: [System Administrator], permission_sets: [Sync] }
//!     # auto_approve: true, auto_approve_as: admin    # /authorize answers 302 at once
//!     # refresh: { expire_after: 1d, rotate: true }   # default: valid until revoked
//!     # access_token_timeout: 2h
//!     # ip_ranges: [10.0.0.0/8]        # by the connection's address; this machine is 127.0.0.1
//!     # jwt_audiences: [https://falcon.my.salesforce.com]
//!     # saml_issuer: https://idp.example.com
//!     # legacy_connected_app: true     # a connected app (password flow possible)
//! users:                               # beside the data core's user fields:
//!   - { username: integration@sflab.dev, last_name: Integration, ref: integration,
//!       permission_sets: [Sync], license: salesforce_integration, status: active }
//! permission_sets:
//!   - { name: Sync, objects: { Account: [read, create, edit] }, fields: { Account.Industry: [read] } }
//!   - { name: Purge, bulk_api_hard_delete: true }  # Bulk API hardDelete jobs; no built-in
//!                                      # profile or permission set grants it (admins neither)
//! auth: { allow_password_flow: false, code_lifetime: 10m, default_user: admin }
//! ```

use super::access::PermissionSet;
use super::span::{IpRange, Span};
use super::users::{Directory, User};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// An OAuth flow an app may be allowed to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    #[serde(alias = "web_server", alias = "code")]
    AuthorizationCode,
    ClientCredentials,
    #[serde(alias = "jwt")]
    JwtBearer,
    RefreshToken,
    #[serde(alias = "device_code")]
    Device,
    #[serde(alias = "saml")]
    SamlBearer,
    #[serde(alias = "username_password")]
    Password,
    /// `response_type=token`: tokens handed to the browser in the redirect's fragment.
    #[serde(alias = "implicit")]
    UserAgent,
}

/// Who may use the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermittedUsers {
    /// Any user may approve the app for themselves (on the consent page).
    #[default]
    AllUsers,
    /// Only users whose profile or permission set is pre-authorized.
    AdminApproved,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreAuthorized {
    #[serde(default)]
    pub profiles: Vec<String>,
    #[serde(default)]
    pub permission_sets: Vec<String>,
}

/// How long refresh tokens live and whether each use replaces the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshPolicy {
    /// `None`: valid until revoked.
    #[serde(default)]
    pub expire_after: Option<Span>,
    /// Issue a new refresh token on every use and invalidate the old one; presenting an old
    /// one again revokes the whole family.
    #[serde(default)]
    pub rotate: bool,
}

/// An External Client App (or, with `legacy_connected_app`, a connected app).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalClientApp {
    pub name: String,
    /// Generated from the name when absent (`3MVG9…`).
    #[serde(default)]
    pub consumer_key: String,
    /// Generated when absent, unless the app is public.
    #[serde(default)]
    pub consumer_secret: Option<String>,
    /// A public client (like the sf CLI's `PlatformCLI`): no secret, PKCE instead.
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub callback_urls: Vec<String>,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    pub flows: Vec<Flow>,
    /// Defaults to true for External Client Apps, false for legacy connected apps.
    #[serde(default)]
    pub pkce_required: Option<bool>,
    /// The user client-credentials tokens act as (username or alias).
    #[serde(default)]
    pub run_as: Option<String>,
    /// PEM certificate (or public key) for JWT and SAML bearer assertions.
    #[serde(default)]
    pub certificate: Option<String>,
    #[serde(default)]
    pub permitted_users: PermittedUsers,
    #[serde(default)]
    pub pre_authorized: PreAuthorized,
    /// Skip the login and consent page: `/authorize` answers 302 at once (scripted runs).
    #[serde(default)]
    pub auto_approve: bool,
    /// The user auto-approval logs in as when no `login_hint` names one.
    #[serde(default)]
    pub auto_approve_as: Option<String>,
    #[serde(default)]
    pub refresh: RefreshPolicy,
    #[serde(default = "default_timeout")]
    pub access_token_timeout: Span,
    #[serde(default)]
    pub ip_ranges: Vec<IpRange>,
    /// Extra `aud` values accepted in JWT and SAML assertions, beside the login hosts and the
    /// org's own URL.
    #[serde(default)]
    pub jwt_audiences: Vec<String>,
    /// The SAML `Issuer` this app accepts (default: the consumer key).
    #[serde(default)]
    pub saml_issuer: Option<String>,
    #[serde(default)]
    pub legacy_connected_app: bool,
}

fn default_scopes() -> Vec<String> {
    vec!["api".into()]
}

fn default_timeout() -> Span {
    Span::secs(2 * 3600)
}

/// Salesforce's standard OAuth scope names (the "OAuth Tokens and Scopes" help page), which
/// an app offering `full` grants.
const STANDARD_SCOPES: &[&str] = &[
    "address",
    "api",
    "cdp_api",
    "cdp_calculated_insight_api",
    "cdp_identityresolution_api",
    "cdp_ingest_api",
    "cdp_profile_api",
    "cdp_query_api",
    "cdp_segment_api",
    "chatbot_api",
    "chatter_api",
    "content",
    "custom_permissions",
    "eclair_api",
    "einstein_gpt_api",
    "email",
    "forgot_password",
    "full",
    "id",
    "interaction_api",
    "lightning",
    "mcp_api",
    "offline_access",
    "openid",
    "pardot_api",
    "phone",
    "profile",
    "pwdless_login_api",
    "refresh_token",
    "sfap_api",
    "user_registration_api",
    "visualforce",
    "wave_api",
    "web",
];

impl ExternalClientApp {
    pub fn allows(&self, flow: Flow) -> bool {
        self.flows.contains(&flow)
    }

    /// Does any of the app's flows authenticate the client with its consumer secret? The
    /// JWT and SAML bearer flows prove the client by a signature and the user-agent flow
    /// has no client authentication, so an app with only those has no use for its secret
    /// (sflab does not hand it over, as a real org's admin would not).
    pub fn uses_client_secret(&self) -> bool {
        self.flows
            .iter()
            .any(|f| !matches!(f, Flow::JwtBearer | Flow::SamlBearer | Flow::UserAgent))
    }

    pub fn requires_pkce(&self) -> bool {
        self.pkce_required.unwrap_or(!self.legacy_connected_app)
    }

    /// Whether the app offers `scope`: named, or a standard scope that `full` covers (an
    /// unknown name is no scope at all, whatever the app offers).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes
            .iter()
            .any(|s| s == scope || (s == "full" && STANDARD_SCOPES.contains(&scope)))
    }

    /// Is `user` pre-authorized by profile or permission set?
    pub fn pre_authorizes(&self, user: &User) -> bool {
        self.pre_authorized
            .profiles
            .iter()
            .any(|p| p.eq_ignore_ascii_case(&user.profile))
            || self
                .pre_authorized
                .permission_sets
                .iter()
                .any(|p| user.permission_sets.contains(p))
    }
}

/// Org-wide auth settings (`auth:` in a seed).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// "Allow OAuth Username-Password Flows" (off in new orgs; legacy connected apps only).
    #[serde(default)]
    pub allow_password_flow: bool,
    /// Refuse queries on objects the caller's profile and permission sets do not let them
    /// read, as real orgs always do. Off by default because most seeds give their users no
    /// profile (the mock then treats them as Standard Users, who cannot see custom objects);
    /// least-privilege labs turn it on.
    #[serde(default)]
    pub enforce_object_access: bool,
    #[serde(default = "default_code_lifetime")]
    pub code_lifetime: Span,
    /// The user auto-approved logins act as when neither the app nor `login_hint` says.
    #[serde(default)]
    pub default_user: Option<String>,
    /// Device logins: how many polls that keep to the interval are answered `slow_down` all
    /// the same, as a busy server may at any time (RFC 8628 §3.5). 0 by default; the
    /// device-flow lab sets 1, so a client that ignores `slow_down` is seen.
    #[serde(default)]
    pub device_busy_polls: u32,
    /// Device logins: the `interval` the org names when a login starts (5 s by default, as
    /// Salesforce answers; whole seconds, at least 1). A lab sets another so a client that
    /// waits a fixed 5 s instead of the interval it was given is seen.
    #[serde(default = "default_device_interval")]
    pub device_interval: Span,
}

fn default_device_interval() -> Span {
    Span::secs(super::device::INTERVAL_SECS as u64)
}

fn default_code_lifetime() -> Span {
    // RFC 6749 §4.1.2 recommends at most 10 minutes; Salesforce documents 15. The stricter
    // value breaks no client, which exchange codes within seconds.
    Span::secs(600)
}

impl Default for AuthSettings {
    fn default() -> AuthSettings {
        AuthSettings {
            allow_password_flow: false,
            enforce_object_access: false,
            code_lifetime: default_code_lifetime(),
            default_user: None,
            device_busy_polls: 0,
            device_interval: default_device_interval(),
        }
    }
}

/// The whole auth configuration of one org.
#[derive(Debug, Clone, Default)]
pub struct AuthConfig {
    pub apps: Vec<ExternalClientApp>,
    pub users: Directory,
    pub permission_sets: Vec<PermissionSet>,
    pub settings: AuthSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the '{section}' section is not valid: {source}")]
    Section {
        section: &'static str,
        source: serde_yaml::Error,
    },
    #[error("app '{app}': {problem}")]
    App { app: String, problem: String },
    #[error("user '{user}': {problem}")]
    User { user: String, problem: String },
}

pub(super) fn section<T: serde::de::DeserializeOwned + Default>(
    name: &'static str,
    value: Option<&serde_yaml::Value>,
) -> Result<T, ConfigError> {
    match value {
        None | Some(serde_yaml::Value::Null) => Ok(T::default()),
        Some(v) => serde_yaml::from_value(v.clone()).map_err(|source| ConfigError::Section {
            section: name,
            source,
        }),
    }
}

impl AuthConfig {
    /// Reads the `apps:`, `users:`, `permission_sets:` and `auth:` sections of a seed.
    pub fn from_sections(
        apps: Option<&serde_yaml::Value>,
        users: Option<&serde_yaml::Value>,
        permission_sets: Option<&serde_yaml::Value>,
        auth: Option<&serde_yaml::Value>,
    ) -> Result<AuthConfig, ConfigError> {
        let apps: Vec<ExternalClientApp> = section("apps", apps)?;
        let users: Vec<User> = section("users", users)?;
        let permission_sets: Vec<PermissionSet> = section("permission_sets", permission_sets)?;
        let settings = match auth {
            None | Some(serde_yaml::Value::Null) => AuthSettings::default(),
            Some(v) => {
                serde_yaml::from_value(v.clone()).map_err(|source| ConfigError::Section {
                    section: "auth",
                    source,
                })?
            }
        };
        AuthConfig::build(apps, users, permission_sets, settings)
    }

    /// Reads a whole YAML document (seed or lab `org:` block); other sections are ignored.
    pub fn from_yaml_str(text: &str) -> Result<AuthConfig, ConfigError> {
        let doc: serde_yaml::Value =
            serde_yaml::from_str(text).map_err(|source| ConfigError::Section {
                section: "document",
                source,
            })?;
        AuthConfig::from_sections(
            doc.get("apps"),
            doc.get("users"),
            doc.get("permission_sets"),
            doc.get("auth"),
        )
    }

    /// Checks references between sections and fills generated keys and secrets.
    pub fn build(
        mut apps: Vec<ExternalClientApp>,
        users: Vec<User>,
        permission_sets: Vec<PermissionSet>,
        settings: AuthSettings,
    ) -> Result<AuthConfig, ConfigError> {
        let mut permission_sets = permission_sets;
        for b in super::access::builtin_permission_sets() {
            if !permission_sets.iter().any(|s| s.name == b.name) {
                permission_sets.push(b);
            }
        }
        let users = Directory::new(users);
        for u in users.all() {
            let bad = |problem: String| ConfigError::User {
                user: u.username.clone(),
                problem,
            };
            if u.id.len() != 18 || !u.id.starts_with("005") {
                return Err(bad(format!(
                    "id '{}' is not an 18-character User id (005…)",
                    u.id
                )));
            }
            for p in &u.permission_sets {
                if !permission_sets.iter().any(|s| &s.name == p) {
                    return Err(bad(format!(
                        "permission set '{p}' is not defined under permission_sets"
                    )));
                }
            }
        }
        for app in apps.iter_mut() {
            let bad = |problem: String| ConfigError::App {
                app: app.name.clone(),
                problem,
            };
            if app.consumer_key.is_empty() {
                app.consumer_key = consumer_key_for(&app.name);
            }
            if app.public && app.consumer_secret.is_some() {
                return Err(bad(
                    "a public app has no consumer_secret; remove one of them".into(),
                ));
            }
            if !app.public && app.consumer_secret.is_none() {
                app.consumer_secret = Some(random_hex(32));
            }
            if app.allows(Flow::ClientCredentials) {
                if app.public {
                    return Err(bad(
                        "client_credentials needs a confidential app (public: false)".into(),
                    ));
                }
                if let Some(r) = &app.run_as {
                    if users.find(r).is_none() {
                        return Err(bad(format!("run_as user '{r}' is not defined under users")));
                    }
                }
            }
            if (app.allows(Flow::JwtBearer) || app.allows(Flow::SamlBearer))
                && app.certificate.is_none()
            {
                return Err(bad("JWT and SAML bearer flows need a certificate".into()));
            }
            for url in &app.callback_urls {
                if url::Url::parse(url).is_err() {
                    return Err(bad(format!("callback URL '{url}' is not an absolute URL")));
                }
            }
            for p in &app.pre_authorized.permission_sets {
                if !permission_sets.iter().any(|s| &s.name == p) {
                    return Err(bad(format!(
                        "pre-authorized permission set '{p}' is not defined"
                    )));
                }
            }
        }
        for (i, a) in apps.iter().enumerate() {
            if apps[..i]
                .iter()
                .any(|b| b.consumer_key == a.consumer_key || b.name == a.name)
            {
                return Err(ConfigError::App {
                    app: a.name.clone(),
                    problem: "two apps share this name or consumer key".into(),
                });
            }
        }
        Ok(AuthConfig {
            apps,
            users,
            permission_sets,
            settings,
        })
    }

    /// Adds apps (the default org's), checked like seeded ones.
    pub fn with_apps(self, apps: Vec<ExternalClientApp>) -> Result<AuthConfig, ConfigError> {
        let mut all = self.apps;
        all.extend(apps);
        AuthConfig::build(
            all,
            self.users.all().to_vec(),
            self.permission_sets,
            self.settings,
        )
    }

    pub fn app_by_key(&self, consumer_key: &str) -> Option<&ExternalClientApp> {
        self.apps.iter().find(|a| a.consumer_key == consumer_key)
    }

    pub fn app_by_name(&self, name: &str) -> Option<&ExternalClientApp> {
        self.apps.iter().find(|a| a.name == name)
    }

    /// The access query over this configuration.
    pub fn access(&self) -> super::access::Access<'_> {
        super::access::Access::new(&self.users, &self.permission_sets)
    }
}

/// A stable consumer key for an app name, shaped like real ones (`3MVG9` + 80 characters).
pub fn consumer_key_for(name: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
    let mut out = String::from("3MVG9");
    let mut block = Sha256::digest(format!("sflab consumer key:{name}").as_bytes());
    while out.len() < 85 {
        for b in block.iter() {
            if out.len() == 85 {
                break;
            }
            out.push(ALPHABET[(*b as usize) % ALPHABET.len()] as char);
        }
        block = Sha256::digest(block);
    }
    out
}

/// `bytes` random bytes as upper-case hex (the shape of consumer secrets).
pub fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode_upper(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r#"
apps:
  - name: lab-client
    flows: [client_credentials]
    scopes: [api]
    run_as: integration
  - name: web
    public: true
    flows: [authorization_code, refresh_token]
    callback_urls: [http://localhost:8080/callback]
    refresh: { expire_after: 1h, rotate: true }
    access_token_timeout: 15m
users:
  - { username: integration@sflab.dev, alias: integration, permission_sets: [Sync], license: salesforce_integration }
permission_sets:
  - { name: Sync, objects: { Account: [read] } }
auth: { allow_password_flow: true }
"#;

    #[test]
    fn full_covers_the_standard_scopes_but_no_made_up_one() {
        let c = AuthConfig::from_yaml_str(
            "apps:\n  - { name: wide, flows: [client_credentials], scopes: [full], run_as: integration }\nusers:\n  - { username: integration@sflab.dev, alias: integration }\n",
        )
        .unwrap();
        let wide = c.app_by_name("wide").unwrap();
        assert!(wide.has_scope("api") && wide.has_scope("mcp_api"));
        assert!(!wide.has_scope("bogus"));
        assert!(crate::org::auth::token::granted_scopes(wide, Some("api bogus")).is_err());
    }

    #[test]
    fn a_seed_yields_apps_with_keys_and_secrets() {
        let c = AuthConfig::from_yaml_str(SEED).unwrap();
        let cc = c.app_by_name("lab-client").unwrap();
        assert!(cc.consumer_key.starts_with("3MVG9") && cc.consumer_key.len() == 85);
        assert_eq!(cc.consumer_secret.as_ref().map(String::len), Some(64));
        let web = c.app_by_name("web").unwrap();
        assert!(web.consumer_secret.is_none());
        assert!(web.refresh.rotate);
        assert_eq!(web.refresh.expire_after, Some(Span::secs(3600)));
        assert_eq!(web.access_token_timeout, Span::secs(900));
        assert!(
            web.requires_pkce(),
            "External Client Apps require PKCE by default"
        );
        assert!(c.settings.allow_password_flow);
        assert_eq!(
            consumer_key_for("lab-client"),
            cc.consumer_key,
            "keys are stable"
        );
    }

    #[test]
    fn a_run_as_user_that_does_not_exist_is_reported() {
        let bad = SEED.replace("run_as: integration", "run_as: ghost");
        let e = AuthConfig::from_yaml_str(&bad).unwrap_err().to_string();
        assert!(e.contains("ghost"), "{e}");
    }

    #[test]
    fn unknown_app_fields_are_reported() {
        let bad = SEED.replace("scopes: [api]\n", "scopes: [api]\n    colour: blue\n");
        let e = AuthConfig::from_yaml_str(&bad).unwrap_err().to_string();
        assert!(e.contains("colour"), "{e}");
    }

    #[test]
    fn client_credentials_needs_a_confidential_app() {
        let bad = SEED.replace(
            "flows: [client_credentials]\n",
            "flows: [client_credentials]\n    public: true\n",
        );
        let e = AuthConfig::from_yaml_str(&bad).unwrap_err().to_string();
        assert!(e.contains("confidential"), "{e}");
    }

    #[test]
    fn jwt_apps_need_a_certificate() {
        let bad = SEED.replace("flows: [client_credentials]", "flows: [jwt_bearer]");
        assert!(AuthConfig::from_yaml_str(&bad)
            .unwrap_err()
            .to_string()
            .contains("certificate"));
    }
}
