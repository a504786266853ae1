//! Making a callout as a user: resolve `callout:Name/path` (or check a raw URL against Remote
//! Site Settings), pick the principal the user's permission sets grant, inject credentials at
//! run time (OAuth client credentials token, org-signed JWT, Basic, custom headers with
//! `{!$Credential.…}` merge fields), send, and log what happened without any secret.
//!
//! Transport: URLs on the host [`MOCK_HOST`] go in-process to the org's own router (so
//! `https://mock.sflab.internal/ext/erp` reaches the built-in ERP with no network or TLS);
//! every other URL is sent with a real HTTP client (10 s timeout, as Apex's default).

use super::merge::{defined_in, explain, merge_fields, Unresolved};
use super::metadata::Protocol;
use super::{CalloutRecord, Outbound};
use crate::org::Org;
use axum::body::Body;
use base64::Engine;
use chrono::Duration;
use serde_json::{json, Value as Json};
use tower::ServiceExt;

/// The host that names the org itself (and its built-in mock services) in callout URLs.
pub const MOCK_HOST: &str = "mock.sflab.internal";
/// Apex's default callout timeout.
pub const TIMEOUT_SECONDS: u64 = 10;
/// Largest response body read (Apex's synchronous heap makes 6 MB the practical cap).
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

/// A callout to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalloutRequest {
    /// `callout:ERP/orders?x=1` or an absolute `https://…` URL.
    pub target: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// The user the callout runs as (username, `ref:` name or alias).
    pub run_as: String,
}

/// What the remote end answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalloutResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Why a callout could not be made; messages say what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalloutError {
    #[error("no user '{0}' in this org; run the callout as a username, ref: name or alias the org knows")]
    UnknownUser(String),
    #[error("no Named Credential '{0}' is deployed; deploy its .namedCredential-meta.xml first")]
    UnknownNamedCredential(String),
    #[error("user {user} may not use Named Credential {named}: no permission set assigned to them grants a principal of External Credential {external} (it has {principals}). Assign a permission set whose externalCredentialPrincipalAccesses enables {external}-<principal>.")]
    NoPrincipalAccess {
        user: String,
        named: String,
        external: String,
        principals: String,
    },
    #[error("principal {principal} of External Credential {external} has no '{parameter}' set; store it with POST /services/data/vXX.X/named-credentials/credential")]
    MissingSecret {
        external: String,
        principal: String,
        parameter: String,
    },
    /// A header's merge field names what the principal does not hold, while it holds other
    /// parameters (or names another External Credential); the text says which (see `merge`).
    #[error("{0}")]
    MergeFieldMismatch(String),
    #[error(
        "Unauthorized endpoint, please check Setup->Security->Remote site settings. endpoint = {0}"
    )]
    UnauthorizedEndpoint(String),
    #[error("'{0}' is not a callout target: use callout:<NamedCredential>/<path> or an absolute http(s) URL")]
    BadTarget(String),
    #[error("the token endpoint {url} refused the client credentials ({status}): {detail}")]
    TokenRefused {
        url: String,
        status: u16,
        detail: String,
    },
    #[error("the callout to {url} failed: {detail}")]
    Transport { url: String, detail: String },
}

/// A request on the wire, after credentials were injected.
struct Wire {
    method: String,
    url: url::Url,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

async fn send(org: &Org, wire: Wire) -> Result<CalloutResponse, CalloutError> {
    let fail = |detail: String| CalloutError::Transport {
        url: wire.url.to_string(),
        detail,
    };
    if wire.url.host_str() == Some(MOCK_HOST) {
        let path = match wire.url.query() {
            Some(q) => format!("{}?{q}", wire.url.path()),
            None => wire.url.path().to_string(),
        };
        let mut req = axum::http::Request::builder()
            .method(wire.method.as_str())
            .uri(path)
            .header("host", MOCK_HOST);
        for (k, v) in &wire.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let req = req
            .body(Body::from(wire.body.clone().unwrap_or_default()))
            .map_err(|e| fail(e.to_string()))?;
        let resp = crate::org::rest::router(org.clone())
            .oneshot(req)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let bytes = axum::body::to_bytes(resp.into_body(), MAX_RESPONSE_BYTES)
            .await
            .map_err(|e| fail(e.to_string()))?;
        return Ok(CalloutResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).to_string(),
        });
    }
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(TIMEOUT_SECONDS))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let method =
        reqwest::Method::from_bytes(wire.method.as_bytes()).map_err(|e| fail(e.to_string()))?;
    let mut rb = client.request(method, wire.url.clone());
    for (k, v) in &wire.headers {
        rb = rb.header(k.as_str(), v.as_str());
    }
    if let Some(b) = &wire.body {
        rb = rb.body(b.clone());
    }
    let resp = rb.send().await.map_err(|e| fail(transport_detail(&e)))?;
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let bytes = resp.bytes().await.map_err(|e| fail(transport_detail(&e)))?;
    let body = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_RESPONSE_BYTES)]).to_string();
    Ok(CalloutResponse {
        status,
        headers,
        body,
    })
}

/// Why a callout got no answer, in the words Apex's `CalloutException` uses for the common
/// cases, with what the org did.
fn transport_detail(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("Read timed out: the service did not answer within {TIMEOUT_SECONDS} s, the org's callout timeout (Apex's default; a callout can wait at most 120 s)")
    } else if e.is_connect() {
        "Connection refused: nothing answered at that address and port".to_string()
    } else {
        e.to_string()
    }
}

fn basic(user: &str, pass: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

impl Outbound {
    /// Makes one callout as a user and logs it; see the module header.
    pub async fn callout(
        &self,
        org: &Org,
        req: CalloutRequest,
    ) -> Result<CalloutResponse, CalloutError> {
        let mut record = CalloutRecord {
            at: org.clock.now(),
            run_as: req.run_as.clone(),
            target: req.target.clone(),
            method: req.method.clone(),
            url: String::new(),
            named_credential: None,
            principal: None,
            auth: "none",
            status: None,
            error: None,
        };
        let result = self.callout_inner(org, &req, &mut record).await;
        match &result {
            Ok(r) => record.status = Some(r.status),
            Err(e) => record.error = Some(e.to_string()),
        }
        self.log.lock().push(record);
        result
    }

    async fn callout_inner(
        &self,
        org: &Org,
        req: &CalloutRequest,
        record: &mut CalloutRecord,
    ) -> Result<CalloutResponse, CalloutError> {
        let config = org.auth.config();
        let user = config
            .users
            .find(&req.run_as)
            .cloned()
            .ok_or_else(|| CalloutError::UnknownUser(req.run_as.clone()))?;
        let mut headers = req.headers.clone();
        let url_text = if let Some(rest) = req.target.strip_prefix("callout:") {
            let (name, path) = match rest.find(['/', '?']) {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, ""),
            };
            record.named_credential = Some(name.to_string());
            let dep = self.deployment.read().clone();
            let nc = dep
                .named
                .get(name)
                .cloned()
                .ok_or_else(|| CalloutError::UnknownNamedCredential(name.to_string()))?;
            let url_text = format!("{}{path}", nc.url.trim_end_matches('/'));
            if let Some(legacy) = &nc.legacy {
                if legacy.protocol == "Password" && nc.generate_authorization_header {
                    record.auth = "legacy-basic";
                    headers.push((
                        "Authorization".into(),
                        basic(
                            legacy.username.as_deref().unwrap_or(""),
                            legacy.password.as_deref().unwrap_or(""),
                        ),
                    ));
                }
                url_text
            } else {
                let ext_name = nc.external_credential.clone().unwrap_or_default();
                let ext = dep
                    .external
                    .get(&ext_name)
                    .cloned()
                    .ok_or_else(|| CalloutError::UnknownNamedCredential(name.to_string()))?;
                let principal = if ext.protocol == Protocol::NoAuthentication {
                    None
                } else {
                    Some(
                        dep.principal_for(&ext, &user.id, &user.permission_sets)
                            .map(str::to_string)
                            .ok_or_else(|| CalloutError::NoPrincipalAccess {
                                user: user.username.clone(),
                                named: nc.name.clone(),
                                external: ext.name.clone(),
                                principals: ext
                                    .principals
                                    .iter()
                                    .map(|p| p.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", "),
                            })?,
                    )
                };
                record.principal = principal.clone();
                let pr = principal.unwrap_or_default();
                let secret = |param: &str| -> Result<String, CalloutError> {
                    dep.secret(&ext.name, &pr, param)
                        .map(str::to_string)
                        .ok_or_else(|| CalloutError::MissingSecret {
                            external: ext.name.clone(),
                            principal: pr.clone(),
                            parameter: param.to_string(),
                        })
                };
                // The Named Credential's own headers, then the External Credential's; "headers
                // from named credentials overwrite headers from external credentials if the
                // names duplicate", so an External Credential's header of a name the Named
                // Credential sets is not sent.
                let nc_file = defined_in("Named Credential", &nc.name);
                let ext_file = defined_in("External Credential", &ext.name);
                let overwritten =
                    |name: &str| nc.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
                let sources = nc.headers.iter().map(|h| (h, &nc_file)).chain(
                    ext.headers
                        .iter()
                        .filter(|(n, _)| !overwritten(n))
                        .map(|h| (h, &ext_file)),
                );
                for ((k, v), file) in sources {
                    let lookup = |e: &str, p: &str| {
                        if e == ext.name {
                            dep.secret(&ext.name, &pr, p).map(str::to_string)
                        } else {
                            None
                        }
                    };
                    let value = merge_fields(v, &lookup).map_err(|field| {
                        explain(&Unresolved {
                            field,
                            header: k,
                            defined_in: file,
                            external: &ext.name,
                            principal: &pr,
                            held: dep
                                .stored_values(&ext.name, &pr)
                                .into_iter()
                                .flat_map(|m| m.keys().map(String::as_str))
                                .collect(),
                        })
                    })?;
                    headers.push((k.clone(), value));
                }
                if !nc.headers.is_empty() || !ext.headers.is_empty() {
                    // Custom headers are injected whether or not an Authorization header is
                    // generated; a generated one below names the protocol instead.
                    record.auth = "custom-headers";
                }
                if nc.generate_authorization_header {
                    // The generated header replaces one the code set itself.
                    if ext.protocol != Protocol::Custom
                        && ext.protocol != Protocol::NoAuthentication
                    {
                        headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
                    }
                    match ext.protocol {
                        Protocol::Basic => {
                            record.auth = "basic";
                            headers.push((
                                "Authorization".into(),
                                basic(&secret("Username")?, &secret("Password")?),
                            ));
                        }
                        Protocol::Jwt => {
                            record.auth = "jwt";
                            let now = org.clock.now();
                            let mut claims = json!({"iat": now.timestamp(), "exp": (now + Duration::minutes(5)).timestamp(),
                                "jti": uuid::Uuid::new_v4().to_string(), "sub": user.username});
                            for (k, v) in &ext.jwt_claims {
                                claims[k] = Json::String(v.clone());
                            }
                            let token = crate::org::auth::jwt::sign(org.auth.keys(), &claims);
                            headers.push(("Authorization".into(), format!("Bearer {token}")));
                        }
                        Protocol::OauthClientCredentials => {
                            record.auth = "oauth-client-credentials";
                            let key = format!("{}-{pr}", ext.name);
                            let now = org.clock.now();
                            let cached = self.deployment.read().cached_token(&key, now);
                            let token = match cached {
                                Some(t) => t,
                                None => {
                                    let token_url = ext.token_url.clone().unwrap_or_default();
                                    let (t, ttl) = self
                                        .fetch_token(
                                            org,
                                            &token_url,
                                            &secret("clientId")?,
                                            &secret("clientSecret")?,
                                            ext.scope.as_deref(),
                                        )
                                        .await?;
                                    self.deployment.write().cache_token(
                                        &key,
                                        t.clone(),
                                        now + Duration::seconds(ttl),
                                    );
                                    t
                                }
                            };
                            headers.push(("Authorization".into(), format!("Bearer {token}")));
                        }
                        Protocol::Custom | Protocol::NoAuthentication => {}
                    }
                }
                url_text
            }
        } else {
            let url = url::Url::parse(&req.target)
                .map_err(|_| CalloutError::BadTarget(req.target.clone()))?;
            // Every endpoint named by URL needs a Remote Site Setting, the mock services' too.
            if !self.deployment.read().remote_site_allows(&url) {
                return Err(CalloutError::UnauthorizedEndpoint(req.target.clone()));
            }
            req.target.clone()
        };
        let url =
            url::Url::parse(&url_text).map_err(|_| CalloutError::BadTarget(url_text.clone()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(CalloutError::BadTarget(url_text));
        }
        record.url = url.to_string();
        let url = self.destination(&url);
        send(
            org,
            Wire {
                method: req.method.to_uppercase(),
                url,
                headers,
                body: req.body.clone(),
            },
        )
        .await
    }

    /// Sends a request from outside the org to a loopback `url`, with `headers` only: no
    /// Named Credential, no injected secret, nothing in the callout log. The port is forwarded
    /// as a callout's would be (see [`Outbound::forward_local_port`]).
    pub async fn probe(
        &self,
        org: &Org,
        method: &str,
        url: &str,
        headers: Vec<(String, String)>,
    ) -> Result<CalloutResponse, CalloutError> {
        let parsed = url::Url::parse(url).map_err(|_| CalloutError::BadTarget(url.to_string()))?;
        send(
            org,
            Wire {
                method: method.to_uppercase(),
                url: self.destination(&parsed),
                headers,
                body: None,
            },
        )
        .await
    }

    async fn fetch_token(
        &self,
        org: &Org,
        token_url: &str,
        id: &str,
        secret: &str,
        scope: Option<&str>,
    ) -> Result<(String, i64), CalloutError> {
        let url = url::Url::parse(token_url)
            .map_err(|_| CalloutError::BadTarget(token_url.to_string()))?;
        let form = {
            let mut f = form_urlencoded::Serializer::new(String::new());
            f.append_pair("grant_type", "client_credentials")
                .append_pair("client_id", id)
                .append_pair("client_secret", secret);
            if let Some(s) = scope {
                f.append_pair("scope", s);
            }
            f.finish()
        };
        let resp = send(
            org,
            Wire {
                method: "POST".into(),
                url,
                headers: vec![(
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                )],
                body: Some(form),
            },
        )
        .await?;
        let refused = |detail: String| CalloutError::TokenRefused {
            url: token_url.to_string(),
            status: resp.status,
            detail,
        };
        if resp.status != 200 {
            return Err(refused(resp.body.chars().take(300).collect()));
        }
        let v: Json = serde_json::from_str(&resp.body)
            .map_err(|_| refused("the answer is not JSON".into()))?;
        let token = v
            .get("access_token")
            .and_then(Json::as_str)
            .ok_or_else(|| refused("the answer has no access_token".into()))?;
        let ttl = v
            .get("expires_in")
            .and_then(Json::as_i64)
            .unwrap_or(3600)
            .max(1);
        Ok((token.to_string(), ttl))
    }
}
