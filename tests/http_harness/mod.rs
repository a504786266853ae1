//! The test harness shared by the composite and Bulk API 2.0 endpoint tests: one org, its
//! whole HTTP surface (`rest::router`) and a session token; requests go through `oneshot`.
#![allow(dead_code)]

pub mod bulk;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use serde_json::Value;
use sflab::org::rest::router;
use sflab::org::rest::static_token::issue_static_token;
use sflab::org::{Org, OrgSeed};
use tower::ServiceExt;

pub const V: &str = "/services/data/v62.0";

pub struct Mock {
    pub org: Org,
    pub app: Router,
    pub token: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

pub fn mock_of(org: Org) -> Mock {
    let login = issue_static_token(&org, None).expect("the org has a user");
    Mock {
        app: router(org.clone()),
        org,
        token: login.token,
    }
}

pub fn mock() -> Mock {
    mock_of(Org::default_org())
}

pub fn mock_with_seed(yaml: &str) -> Mock {
    let seed = OrgSeed::from_yaml(yaml).unwrap();
    mock_of(Org::new(&seed).unwrap())
}

impl Mock {
    pub async fn send(&self, method: Method, path: &str, body: Option<(&str, String)>) -> Reply {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1:8443")
            .header("authorization", format!("Bearer {}", self.token));
        let req = match body {
            Some((ct, b)) => req.header("content-type", ct).body(Body::from(b)),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    pub async fn json(&self, method: Method, path: &str, body: Value) -> Reply {
        self.send(method, path, Some(("application/json", body.to_string())))
            .await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.json(Method::POST, path, body).await
    }

    pub async fn count(&self, object: &str) -> usize {
        self.org.store.read().count(object)
    }

    pub fn usage(reply: &Reply) -> u64 {
        let h = reply.headers["sforce-limit-info"].to_str().unwrap();
        h.trim_start_matches("api-usage=")
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }
}
