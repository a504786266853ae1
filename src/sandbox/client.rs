//! [`OrgClient`]: sflab's own REST calls to a connected org (safety checks, seeding, snapshots,
//! cleanup), renewing the session once on a 401 and storing the renewed token.

use super::connect::renew;
use super::error::SandboxError;
use super::oauth::http_client;
use super::profile::{LoginStore, OrgLogin};
use crate::runner::env::API_VERSION;
use parking_lot::Mutex;
use serde_json::Value;

/// A REST answer: status and JSON body (`Null` when empty or not JSON).
#[derive(Debug, Clone)]
pub struct RestAnswer {
    pub status: u16,
    pub body: Value,
}

impl RestAnswer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The first Salesforce error message of the body, or the status.
    pub fn error_text(&self) -> String {
        self.body
            .get(0)
            .and_then(|e| {
                Some(format!(
                    "{}: {}",
                    e.get("errorCode")?.as_str()?,
                    e.get("message")?.as_str()?
                ))
            })
            .unwrap_or_else(|| format!("HTTP {}", self.status))
    }
}

pub struct OrgClient {
    http: reqwest::Client,
    login: Mutex<OrgLogin>,
    store: Option<LoginStore>,
}

impl OrgClient {
    /// A client for `login`; renewed tokens are saved to `store` when given.
    pub fn new(login: OrgLogin, store: Option<LoginStore>) -> OrgClient {
        OrgClient {
            http: http_client(),
            login: Mutex::new(login),
            store,
        }
    }

    pub fn login(&self) -> OrgLogin {
        self.login.lock().clone()
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `/services/data/vXX.X` + `path`.
    pub fn data_path(path: &str) -> String {
        format!("/services/data/v{API_VERSION}{path}")
    }

    async fn send_once(
        &self,
        method: &reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<RestAnswer, SandboxError> {
        let (base, token) = {
            let l = self.login.lock();
            (l.instance_url.clone(), l.access_token.clone())
        };
        let mut req = self
            .http
            .request(method.clone(), format!("{base}{path}"))
            .bearer_auth(token)
            .header("Accept", "application/json");
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| SandboxError::unreachable(&base, e))?;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        Ok(RestAnswer {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        })
    }

    /// Sends a request; on a 401 renews the session once and sends it again.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<RestAnswer, SandboxError> {
        let first = self.send_once(&method, path, body).await?;
        if first.status != 401 {
            return Ok(first);
        }
        self.renew().await?;
        self.send_once(&method, path, body).await
    }

    /// Gets a fresh access token and stores it.
    pub async fn renew(&self) -> Result<(), SandboxError> {
        let current = self.login();
        let fresh = renew(&self.http, &current).await.map_err(|e| match e {
            // Already a sentence on the login being over: not wrapped in another.
            SandboxError::SessionDead(_) | SandboxError::SfLoginExpired { .. } => e,
            other => SandboxError::SessionDead(other.to_string()),
        })?;
        if let Some(store) = &self.store {
            store.save(&fresh)?;
        }
        *self.login.lock() = fresh;
        Ok(())
    }

    /// Runs a SOQL query and returns its records (first page).
    pub async fn query(&self, soql: &str) -> Result<Vec<Value>, SandboxError> {
        let q: String = form_urlencoded::byte_serialize(soql.as_bytes()).collect();
        let a = self
            .send(
                reqwest::Method::GET,
                &Self::data_path(&format!("/query?q={q}")),
                None,
            )
            .await?;
        if !a.ok() {
            return Err(SandboxError::Unexpected {
                what: format!("the query {soql:?}"),
                status: a.status,
                detail: a.error_text(),
            });
        }
        Ok(a.body["records"].as_array().cloned().unwrap_or_default())
    }

    /// The org's Organization record: `(IsSandbox, Name, Id)`.
    pub async fn organization(&self) -> Result<(bool, String, String), SandboxError> {
        let rows = self
            .query("SELECT Id, Name, IsSandbox FROM Organization")
            .await?;
        let row = rows.first().ok_or_else(|| SandboxError::Unexpected {
            what: "the Organization query".into(),
            status: 200,
            detail: "no Organization record was returned".into(),
        })?;
        Ok((
            row["IsSandbox"].as_bool().unwrap_or(false),
            row["Name"].as_str().unwrap_or("").to_string(),
            row["Id"].as_str().unwrap_or("").to_string(),
        ))
    }

    /// `GET /limits`.
    pub async fn limits(&self) -> Result<Value, SandboxError> {
        let a = self
            .send(reqwest::Method::GET, &Self::data_path("/limits"), None)
            .await?;
        if !a.ok() {
            return Err(SandboxError::Unexpected {
                what: "GET /limits".into(),
                status: a.status,
                detail: a.error_text(),
            });
        }
        Ok(a.body)
    }

    /// Revokes the stored refresh token (which ends its access tokens) and the access token.
    pub async fn revoke(&self) -> Result<(), SandboxError> {
        let l = self.login();
        if let Some(r) = &l.refresh_token {
            super::oauth::revoke(&self.http, &l.login_url, r).await?;
        }
        super::oauth::revoke(&self.http, &l.login_url, &l.access_token).await
    }
}
