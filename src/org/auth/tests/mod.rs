//! Checklist tests for the authorization server, driven through the router with `oneshot`:
//! one test (or more) per item of the OAuth strictness checklist, positive and negative.

mod assertions;
mod code_flow;
mod device_flow;
mod identity;
mod introspection;
mod lockout;
mod log_injection;
mod refresh;
mod robustness;
mod token_basics;
mod user_agent_flow;

use super::keys::tests::test_key;
use super::keys::{self_signed, OrgKeys};
use super::{router, AuthConfig, AuthDecision, AuthServer};
use crate::org::{OrgClock, SessionTable};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use serde_json::Value;
use std::sync::OnceLock;
use tower::ServiceExt;

pub const ORG_ID: &str = "00D5g000004SfLbEAK";
pub const HOST: &str = "127.0.0.1:8080";
/// Without `serve`, the org assumes HTTPS on the Host it was called at.
pub const BASE: &str = "https://127.0.0.1:8080";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// The certificate of the test key (what a learner uploads to the app).
pub fn client_cert() -> &'static str {
    static CERT: OnceLock<String> = OnceLock::new();
    CERT.get_or_init(|| {
        self_signed(test_key(), "client")
            .expect("certificate")
            .certificate_pem
    })
}

/// Signs like the learner's client does (same key as the uploaded certificate).
pub fn client_keys() -> OrgKeys {
    OrgKeys::from_private(test_key().clone())
}

const SEED: &str = r#"
apps:
  - { name: cc, consumer_key: cc-key, consumer_secret: cc-secret, flows: [client_credentials], scopes: [api, refresh_token], run_as: integration }
  - { name: cc_norunas, consumer_key: norunas-key, consumer_secret: s2, flows: [client_credentials] }
  - { name: cc_ip, consumer_key: ip-key, consumer_secret: s3, flows: [client_credentials], run_as: integration, ip_ranges: [10.0.0.0/8] }
  - name: web
    consumer_key: web-key
    consumer_secret: web-secret
    flows: [authorization_code, refresh_token]
    scopes: [api, refresh_token, openid, web]
    callback_urls: [http://localhost:8080/callback, https://app.example.com/cb]
    auto_approve: true
    auto_approve_as: learner
    refresh: { rotate: true, expire_after: 1d }
    access_token_timeout: 15m
  - name: legacy_web
    consumer_key: legacy-key
    consumer_secret: legacy-secret
    legacy_connected_app: true
    flows: [authorization_code, refresh_token]
    scopes: [api, refresh_token]
    callback_urls: [http://localhost:8080/callback]
    auto_approve: true
  - name: browser
    consumer_key: browser-key
    public: true
    flows: [authorization_code]
    callback_urls: [http://localhost:8080/callback]
  - name: admin_only
    consumer_key: adminonly-key
    public: true
    flows: [authorization_code]
    callback_urls: [http://localhost:8080/callback]
    permitted_users: admin_approved
    pre_authorized: { profiles: [System Administrator] }
    auto_approve: true
    auto_approve_as: learner
  - name: jwt
    consumer_key: jwt-key
    flows: [jwt_bearer]
    certificate: CERT
    permitted_users: admin_approved
    pre_authorized: { permission_sets: [Sync] }
    jwt_audiences: [https://sflab.my.salesforce.com]
  - { name: saml, consumer_key: saml-key, flows: [saml_bearer], certificate: CERT, permitted_users: admin_approved, pre_authorized: { permission_sets: [Sync] } }
  - { name: device, consumer_key: device-key, public: true, flows: [device, refresh_token], scopes: [api, refresh_token] }
  - { name: device2, consumer_key: device2-key, public: true, flows: [device] }
  - { name: pw, consumer_key: pw-key, consumer_secret: pw-secret, legacy_connected_app: true, flows: [password] }
  - { name: pw_eca, consumer_key: pweca-key, consumer_secret: pweca-secret, flows: [password] }
  - { name: spa, consumer_key: spa-key, public: true, flows: [user_agent], scopes: [api, openid, refresh_token], callback_urls: [http://localhost:8080/callback], auto_approve: true, auto_approve_as: learner }
users:
  - { username: integration@sflab.dev, alias: integration, profile: 'Minimum Access - API Only Integrations', permission_sets: [Sync], license: salesforce_integration, password: Integ-1 }
  - { username: learner@sflab.dev, alias: learner, password: Learner-1 }
  - { username: admin@sflab.dev, alias: admin, profile: System Administrator, password: Admin-1 }
  - { username: frozen@sflab.dev, permission_sets: [Sync], status: frozen, password: Frozen-1 }
permission_sets:
  - { name: Sync, objects: { Account: [read, create, edit] } }
"#;

pub fn seed(allow_password: bool) -> AuthConfig {
    let cert = serde_json::to_string(client_cert()).expect("json string");
    let mut text = SEED.replace("CERT", &cert);
    if allow_password {
        text.push_str("auth: { allow_password_flow: true }\n");
    }
    AuthConfig::from_yaml_str(&text).expect("test seed is valid")
}

pub struct H {
    pub auth: AuthServer,
    app: Router,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }

    pub fn error(&self) -> String {
        self.json()["error"].as_str().unwrap_or("").to_string()
    }

    pub fn location(&self) -> Option<String> {
        self.headers
            .get("location")
            .map(|l| l.to_str().unwrap().to_string())
    }

    /// A query parameter of the `Location` header.
    pub fn redirect_param(&self, name: &str) -> Option<String> {
        let loc = url::Url::parse(&self.location()?).ok()?;
        let found = loc
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.to_string());
        found
    }
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

impl H {
    pub fn new() -> H {
        H::with(seed(false))
    }

    pub fn with(config: AuthConfig) -> H {
        let auth = AuthServer::new(
            config,
            ORG_ID,
            OrgClock::new(),
            SessionTable::new(),
            client_keys(),
        );
        H {
            app: router(auth.clone()),
            auth,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self
            .app
            .clone()
            .oneshot(req)
            .await
            .expect("router is infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body");
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).to_string(),
        }
    }

    pub async fn post_with(&self, path: &str, body: &str, headers: &[(&str, &str)]) -> Reply {
        self.send(Self::post_request(path, body, headers)).await
    }

    /// A POST as `serve` hands it on: from a connection whose peer address is `peer`.
    pub async fn post_from(
        &self,
        peer: &str,
        path: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = Self::post_request(path, body, headers);
        let addr = std::net::SocketAddr::new(peer.parse().expect("an IP address"), 50_000);
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        self.send(req).await
    }

    fn post_request(path: &str, body: &str, headers: &[(&str, &str)]) -> Request<Body> {
        let mut b = Request::post(path).header("host", HOST);
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            b = b.header("content-type", "application/x-www-form-urlencoded");
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::from(body.to_string())).unwrap()
    }

    pub async fn post(&self, path: &str, pairs: &[(&str, &str)]) -> Reply {
        self.post_with(path, &form(pairs), &[]).await
    }

    pub async fn token(&self, pairs: &[(&str, &str)]) -> Reply {
        self.post("/services/oauth2/token", pairs).await
    }

    pub async fn get(&self, path_and_query: &str) -> Reply {
        self.get_with(path_and_query, &[]).await
    }

    pub async fn get_with(&self, path_and_query: &str, headers: &[(&str, &str)]) -> Reply {
        let mut b = Request::get(path_and_query).header("host", HOST);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    pub fn last(&self) -> AuthDecision {
        self.auth
            .decisions()
            .last()
            .cloned()
            .expect("a decision was logged")
    }

    /// Is this access token accepted by the org right now?
    pub fn alive(&self, token: &str) -> bool {
        self.auth
            .sessions()
            .validate(token, self.auth.clock().now())
            .is_ok()
    }

    /// Runs `/authorize` for app `client` with PKCE S256 (method omitted) and returns the code.
    pub async fn code(&self, client: &str, extra: &str) -> String {
        let r = self
            .get(&format!(
                "/services/oauth2/authorize?response_type=code&client_id={client}&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcallback&state=st8&code_challenge={CHALLENGE}{extra}"
            ))
            .await;
        assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
        assert_eq!(r.redirect_param("state").as_deref(), Some("st8"));
        r.redirect_param("code").expect("a code in the redirect")
    }

    pub async fn exchange(&self, client: &str, secret: &str, code: &str) -> Reply {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", client),
            ("client_secret", secret),
            ("redirect_uri", "http://localhost:8080/callback"),
            ("code_verifier", VERIFIER),
        ])
        .await
    }
}
