//! [`AuthServer`]: the authorization server's state (configuration, keys, grants, the
//! decision log) and the one place where tokens are minted.

use super::config::{AuthConfig, ExternalClientApp};
use super::decision::{AuthDecision, Draft, Outcome};
use super::grants::{digest, GrantStore, RefreshRecord, RefreshStatus};
use super::jwt;
use super::keys::OrgKeys;
use super::lockout::{FailedLogins, PasswordCount};
use super::sign_in::{self, SignIn, SignInSink};
use super::users::User;
use super::users::UserStatus;
use crate::org::rest::InstanceUrl;
use crate::org::{OrgClock, Session, SessionTable};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use parking_lot::{Mutex, RwLock};
use serde_json::{json, Map, Value};
use sha2::Sha256;
use std::sync::Arc;

/// The mock org's OAuth 2.0 authorization server. Cheap to clone (a handle).
#[derive(Clone)]
pub struct AuthServer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for AuthServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthServer")
            .field("org_id", &self.inner.org_id)
            .finish_non_exhaustive()
    }
}

struct Inner {
    org_id: String,
    clock: OrgClock,
    sessions: SessionTable,
    keys: OrgKeys,
    hmac_key: [u8; 32],
    config: RwLock<AuthConfig>,
    pub(super) grants: Mutex<GrantStore>,
    log: Mutex<Vec<AuthDecision>>,
    sign_ins: RwLock<Option<SignInSink>>,
    public_url: RwLock<Option<String>>,
    failed_logins: Mutex<FailedLogins>,
}

/// How a token response treats refresh tokens.
#[derive(Debug, Clone)]
pub enum RefreshIssue {
    /// No refresh token (client credentials, JWT, SAML, password).
    None,
    /// A new family with its first refresh token.
    NewFamily,
    /// A refresh in an existing family: rotate (new token) or not. `auth_time` is when the
    /// user signed in for the family (an ID token keeps it, OpenID Connect Core §12.2).
    Existing {
        family: String,
        rotate: bool,
        auth_time: DateTime<Utc>,
    },
}

/// Who a token is for and what it may do.
pub struct TokenRequest<'a> {
    pub base_url: &'a str,
    pub app: &'a ExternalClientApp,
    pub user: &'a User,
    pub scopes: Vec<String>,
    pub refresh: RefreshIssue,
    pub nonce: Option<String>,
    /// A person signed in (see [`crate::org::Session::interactive`]).
    pub interactive: bool,
}

/// What [`AuthServer::issue`] produced.
pub struct Issued {
    pub body: Value,
    pub family: String,
}

impl AuthServer {
    pub fn new(
        config: AuthConfig,
        org_id: &str,
        clock: OrgClock,
        sessions: SessionTable,
        keys: OrgKeys,
    ) -> AuthServer {
        use rand::RngCore;
        let mut hmac_key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut hmac_key);
        AuthServer {
            inner: Arc::new(Inner {
                org_id: org_id.to_string(),
                clock,
                sessions,
                keys,
                hmac_key,
                config: RwLock::new(config),
                grants: Mutex::new(GrantStore::default()),
                log: Mutex::new(Vec::new()),
                sign_ins: RwLock::new(None),
                public_url: RwLock::new(None),
                failed_logins: Mutex::new(FailedLogins::default()),
            }),
        }
    }

    pub fn org_id(&self) -> &str {
        &self.inner.org_id
    }

    pub fn clock(&self) -> &OrgClock {
        &self.inner.clock
    }

    pub fn sessions(&self) -> &SessionTable {
        &self.inner.sessions
    }

    pub fn keys(&self) -> &OrgKeys {
        &self.inner.keys
    }

    /// A snapshot of the configuration.
    pub fn config(&self) -> AuthConfig {
        self.inner.config.read().clone()
    }

    pub(super) fn with_config<T>(&self, f: impl FnOnce(&AuthConfig) -> T) -> T {
        f(&self.inner.config.read())
    }

    pub(super) fn with_config_mut<T>(&self, f: impl FnOnce(&mut AuthConfig) -> T) -> T {
        f(&mut self.inner.config.write())
    }

    /// Sets a user's password (the User password resource); `false` when there is no such user.
    pub fn set_password(&self, user_id: &str, password: &str) -> bool {
        let mut config = self.inner.config.write();
        match config.users.by_id_mut(user_id) {
            Some(u) => {
                u.password = Some(password.to_string());
                true
            }
            None => false,
        }
    }

    /// Counts a password check of `user_id` towards lockout (see [`super::lockout`]): a wrong
    /// password that reaches the limit locks the user out in the directory. True when this
    /// attempt locked the user out.
    pub fn count_password(&self, user_id: &str, correct: bool) -> bool {
        let count = self.inner.failed_logins.lock().record(user_id, correct);
        if count != PasswordCount::LockedOut {
            return false;
        }
        let mut config = self.inner.config.write();
        match config.users.by_id_mut(user_id) {
            Some(u) if u.status == UserStatus::Active => {
                u.status = UserStatus::Locked;
                true
            }
            _ => false,
        }
    }

    /// Replaces the configuration (a lab reseeds the org). Grants already issued stay valid.
    pub fn replace_config(&self, config: AuthConfig) {
        *self.inner.config.write() = config;
        *self.inner.failed_logins.lock() = FailedLogins::default();
    }

    pub(super) fn grants(&self) -> parking_lot::MutexGuard<'_, GrantStore> {
        self.inner.grants.lock()
    }

    /// The name of the app with this consumer key when it is a legacy connected app rather
    /// than an External Client App (`None` for an External Client App or a key no app has).
    pub fn legacy_connected_app(&self, consumer_key: &str) -> Option<String> {
        self.inner
            .config
            .read()
            .app_by_key(consumer_key)
            .filter(|a| a.legacy_connected_app)
            .map(|a| a.name.clone())
    }

    /// May the user perform `op` on records of `object`? The refusal carries the REST
    /// API's `errorCode` and message.
    pub fn can(
        &self,
        user_id: &str,
        object: &str,
        op: super::access::Op,
    ) -> Result<(), super::access::Refusal> {
        self.inner.config.read().access().can(user_id, object, op)
    }

    /// Can the user see `field` of `object` (field-level security)?
    pub fn field_visible(&self, user_id: &str, object: &str, field: &str) -> bool {
        self.inner
            .config
            .read()
            .access()
            .field_visible(user_id, object, field)
    }

    /// Can the user write `field` of `object`?
    pub fn field_editable(&self, user_id: &str, object: &str, field: &str) -> bool {
        self.inner
            .config
            .read()
            .access()
            .field_editable(user_id, object, field)
    }

    /// Every decision so far, oldest first.
    pub fn decisions(&self) -> Vec<AuthDecision> {
        self.inner.log.lock().clone()
    }

    /// Decisions from index `from` on (for a runner that reads incrementally).
    pub fn decisions_since(&self, from: usize) -> Vec<AuthDecision> {
        self.inner
            .log
            .lock()
            .get(from..)
            .map(<[_]>::to_vec)
            .unwrap_or_default()
    }

    pub(super) fn record(
        &self,
        draft: Draft,
        outcome: Outcome,
        error: Option<&str>,
        reason: impl Into<String>,
    ) {
        let origin = draft.origin.clone();
        let known_status = draft.sign_in_status;
        let d = draft.finish(self.inner.clock.now(), outcome, error, reason.into());
        let sign_in = self.with_config(|c| {
            let user = d.username.as_deref().and_then(|u| c.users.by_username(u));
            let app = d.client_id.as_deref().and_then(|k| c.app_by_key(k));
            let app_name = app.map(|a| a.name.as_str());
            sign_in::from_decision(&d, user, app_name, &origin, known_status)
        });
        self.inner.log.lock().push(d);
        if let Some(s) = sign_in {
            self.signed_in(&s);
        }
    }

    /// Sends every sign-in attempt by a user of the org to `sink` from now on (the org
    /// writes them as LoginHistory records).
    pub fn on_sign_in(&self, sink: SignInSink) {
        *self.inner.sign_ins.write() = Some(sink);
    }

    /// Reports a sign-in attempt made outside the OAuth endpoints (a SOAP `login`).
    pub fn signed_in(&self, attempt: &SignIn) {
        let sink = self.inner.sign_ins.read().clone();
        if let Some(sink) = sink {
            sink(attempt);
        }
    }

    /// Fixes the URL the org is reached at (e.g. `https://127.0.0.1:8443`); otherwise it is
    /// read from each request's `Host` header.
    pub fn set_public_url(&self, url: &str) {
        *self.inner.public_url.write() = Some(url.trim_end_matches('/').to_string());
    }

    /// The org's base URL as the client reached it: the fixed public URL if one was set,
    /// else what `serve` recorded (or the Host header, see [`InstanceUrl`]).
    pub fn base_url(&self, reached: &InstanceUrl) -> String {
        match self.inner.public_url.read().clone() {
            Some(u) => u,
            None => reached.0.trim_end_matches('/').to_string(),
        }
    }

    /// The `aud` values assertions may name: the login hosts, this org's URL (both loopback
    /// spellings), and the app's extra audiences.
    pub fn audiences(&self, base_url: &str, app: &ExternalClientApp) -> Vec<String> {
        let mut out = vec![
            "https://login.salesforce.com".to_string(),
            "https://test.salesforce.com".to_string(),
            base_url.to_string(),
        ];
        if base_url.contains("://127.0.0.1") {
            out.push(base_url.replacen("://127.0.0.1", "://localhost", 1));
        } else if base_url.contains("://localhost") {
            out.push(base_url.replacen("://localhost", "://127.0.0.1", 1));
        }
        out.extend(app.jwt_audiences.iter().cloned());
        out
    }

    pub fn identity_url(&self, base_url: &str, user: &User) -> String {
        format!("{base_url}/id/{}/{}", self.inner.org_id, user.id)
    }

    fn signature(&self, app: &ExternalClientApp, id: &str, issued_at: &str) -> String {
        let key: &[u8] = match &app.consumer_secret {
            Some(s) => s.as_bytes(),
            None => &self.inner.hmac_key,
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
        mac.update(id.as_bytes());
        mac.update(issued_at.as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    }

    /// Mints an access token (and refresh / ID tokens where due) and builds the response body.
    pub fn issue(&self, req: TokenRequest<'_>) -> Issued {
        let now = self.inner.clock.now();
        let org15 = &self.inner.org_id[..15.min(self.inner.org_id.len())];
        let access = format!("{org15}!AQ{}.{}", random_token(24), random_token(72));
        let (family, new_refresh, auth_time) = match &req.refresh {
            RefreshIssue::None => (uuid::Uuid::new_v4().to_string(), false, now),
            RefreshIssue::NewFamily => (uuid::Uuid::new_v4().to_string(), true, now),
            RefreshIssue::Existing {
                family,
                rotate,
                auth_time,
            } => (family.clone(), *rotate, *auth_time),
        };
        self.inner.sessions.insert(
            &access,
            Session {
                user_id: req.user.id.clone(),
                org_id: self.inner.org_id.clone(),
                username: req.user.username.clone(),
                client_id: Some(req.app.consumer_key.clone()),
                scopes: req.scopes.clone(),
                issued_at: now,
                expires_at: Some(now + req.app.access_token_timeout.chrono()),
                family: Some(family.clone()),
                interactive: req.interactive,
            },
        );
        let refresh = new_refresh.then(|| {
            let token = format!("5Aep861{}", random_token(80));
            self.grants().refresh.insert(
                digest(&token),
                RefreshRecord {
                    family: family.clone(),
                    client_id: req.app.consumer_key.clone(),
                    user_id: req.user.id.clone(),
                    scopes: req.scopes.clone(),
                    issued: now,
                    expires: req.app.refresh.expire_after.map(|s| now + s.chrono()),
                    status: RefreshStatus::Active,
                    auth_time,
                },
            );
            token
        });
        let id_url = self.identity_url(req.base_url, req.user);
        let issued_at = now.timestamp_millis().to_string();
        let mut body = Map::new();
        body.insert("access_token".into(), json!(access));
        if let Some(r) = &refresh {
            body.insert("refresh_token".into(), json!(r));
        }
        body.insert(
            "signature".into(),
            json!(self.signature(req.app, &id_url, &issued_at)),
        );
        body.insert("scope".into(), json!(req.scopes.join(" ")));
        if req.scopes.iter().any(|s| s == "openid") {
            let token = self.id_token(&req, &access, &id_url, now, auth_time);
            body.insert("id_token".into(), json!(token));
        }
        body.insert("instance_url".into(), json!(req.base_url));
        body.insert("id".into(), json!(id_url));
        body.insert("token_type".into(), json!("Bearer"));
        body.insert("issued_at".into(), json!(issued_at));
        Issued {
            body: Value::Object(body),
            family,
        }
    }

    fn id_token(
        &self,
        req: &TokenRequest<'_>,
        access: &str,
        id_url: &str,
        now: DateTime<Utc>,
        auth_time: DateTime<Utc>,
    ) -> String {
        let u = req.user;
        let mut claims = json!({
            "at_hash": jwt::at_hash(access),
            "sub": id_url,
            "aud": req.app.consumer_key,
            "iss": req.base_url,
            "exp": now.timestamp() + 300,
            "iat": now.timestamp(),
            "auth_time": auth_time.timestamp(),
            "user_id": u.id,
            "organization_id": self.inner.org_id,
            "preferred_username": u.username,
            "name": u.display_name(),
            "email": u.email(),
        });
        if let Some(n) = &req.nonce {
            claims["nonce"] = json!(n);
        }
        jwt::sign(&self.inner.keys, &claims)
    }

    /// An access token for `username` through app `app_name`, without any OAuth exchange (for
    /// labs that are not about authentication). Logged like any other issue.
    pub fn mint_access_token(
        &self,
        base_url: &str,
        app_name: &str,
        username: &str,
    ) -> Option<String> {
        let (app, user) = self.with_config(|c| {
            Some((
                c.app_by_name(app_name)?.clone(),
                c.users.find(username)?.clone(),
            ))
        })?;
        let scopes = app.scopes.clone();
        let issued = self.issue(TokenRequest {
            base_url,
            app: &app,
            user: &user,
            scopes,
            refresh: RefreshIssue::None,
            nonce: None,
            // Stands for a sign-in the learner made before the lab.
            interactive: true,
        });
        let mut d = Draft::new("minted");
        d.client_id = Some(app.consumer_key.clone());
        d.username = Some(user.username.clone());
        self.record(
            d,
            Outcome::Issued,
            None,
            "a token minted by sflab for a lab that is not about auth",
        );
        issued.body["access_token"].as_str().map(str::to_string)
    }
}

/// `n` random characters of `[A-Za-z0-9]`.
pub fn random_token(n: usize) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rngs::OsRng;
    (0..n)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}
