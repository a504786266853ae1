//! The REST surface request by request, through `router(org)` with `oneshot`: one file per
//! area (`surface`: versions, auth, limits, errors of the gateway; `crud`: sObjects; `query`:
//! SOQL and locators; `robustness`: random requests). The helpers live here.

use crate::org::rest::static_token::issue_static_token;
use crate::org::rest::{router, router_with, ApiUsage, RestState};
use crate::org::{Org, OrgSeed};
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use tower::ServiceExt;

mod access;
mod body_limits;
mod crud;
mod dates;
mod field_reads;
mod query;
mod robustness;
mod search;
mod search_security;
mod surface;

struct Mock {
    org: Org,
    app: Router,
    token: String,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

fn mock_of(org: Org) -> Mock {
    let login = issue_static_token(&org, None).expect("the org has a user");
    Mock {
        app: router(org.clone()),
        org,
        token: login.token,
    }
}

fn mock() -> Mock {
    mock_of(Org::default_org())
}

impl Mock {
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Reply {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1:8443")
            .header("authorization", format!("Bearer {}", self.token));
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| json!(String::from_utf8_lossy(&bytes)))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, &[]).await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(&body.to_string()), &[])
            .await
    }

    async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(&body.to_string()), &[])
            .await
    }

    async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None, &[]).await
    }

    fn seed_accounts(&self, n: usize, prefix: &str) {
        let admin = self.org.users[0].id;
        let actor = self.org.actor(admin);
        let mut store = self.org.store.write();
        for i in 0..n {
            let mut m = Map::new();
            m.insert("Name".into(), json!(format!("{prefix} {i:05}")));
            store.insert("Account", &m, &actor).unwrap();
        }
    }
}

fn error_code(r: &Reply) -> &str {
    r.body[0]["errorCode"].as_str().unwrap_or("<none>")
}

const V: &str = "/services/data/v59.0";
