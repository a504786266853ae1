//! Runs one subrequest through the org's own REST router, as a tower service.
//!
//! Composite resources never re-implement a REST resource: each subrequest becomes an
//! in-process HTTP request to the same router that serves clients, carrying the caller's
//! credentials and a [`Subrequest`] marker extension. The marker tells the API usage counter
//! whether the subrequest counts as a call of its own: a `/composite` or `/composite/graph`
//! call counts once, while each subrequest of a `/composite/batch` counts.
//!
//! The REST gateway puts a target on each composite request (a request extension holding
//! the gateway itself), so no router keeps a reference to itself.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request};
use axum::Router;
use serde_json::{Map, Value};
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

/// Marks a request as a subrequest of a composite call (a request extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Subrequest {
    /// The subrequest spends one call of the daily allocation of its own (a batch's do); the
    /// others ride on the enclosing call's.
    pub counted: bool,
}

/// The query string of a `/query` subrequest too long for an HTTP URI (the `http` crate holds
/// at most 64 KiB, real orgs take SOQL of up to 100,000 characters), carried beside the path
/// as a request extension instead (see `rest::query`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongQueryString(pub String);

/// URIs longer than this carry a `/query` subrequest's query string in [`LongQueryString`].
const LONGEST_URI: usize = 60_000;

/// The router subrequests are sent to.
#[derive(Clone, Default)]
pub struct SubrequestTarget(Arc<OnceLock<Router>>);

impl std::fmt::Debug for SubrequestTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubrequestTarget")
    }
}

/// The answer to one subrequest.
#[derive(Debug, Clone, PartialEq)]
pub struct SubResponse {
    pub status: u16,
    /// Response headers worth reporting (`Location`, `ETag`, `Last-Modified`).
    pub headers: Map<String, Value>,
    /// The JSON body, or `null` for an empty body.
    pub body: Value,
}

impl SubResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn error(status: u16, error_code: &str, message: &str) -> SubResponse {
        SubResponse {
            status,
            headers: Map::new(),
            body: serde_json::json!([{"errorCode": error_code, "message": message}]),
        }
    }
}

/// Headers of the outer request that every subrequest inherits.
const INHERITED: [&str; 4] = [
    "authorization",
    "sforce-call-options",
    "x-prettyprint",
    "user-agent",
];

/// Headers of a subrequest response that are reported back.
const REPORTED: [&str; 3] = ["location", "etag", "last-modified"];

impl SubrequestTarget {
    pub fn new() -> SubrequestTarget {
        SubrequestTarget::default()
    }

    /// Installs the router (once; later calls are ignored).
    pub fn install(&self, router: Router) {
        let _ = self.0.set(router);
    }

    pub fn is_installed(&self) -> bool {
        self.0.get().is_some()
    }

    /// Sends one subrequest that rides on the enclosing call's count. `url` is an absolute
    /// API path with any query string.
    pub async fn send(
        &self,
        outer: &HeaderMap,
        method: &str,
        url: &str,
        body: Option<&Value>,
        headers: &std::collections::BTreeMap<String, String>,
    ) -> SubResponse {
        self.send_as(Subrequest::default(), outer, method, url, body, headers)
            .await
    }

    /// [`send`](Self::send), marked as `marker` says (whether it counts as a call of its own).
    pub async fn send_as(
        &self,
        marker: Subrequest,
        outer: &HeaderMap,
        method: &str,
        url: &str,
        body: Option<&Value>,
        headers: &std::collections::BTreeMap<String, String>,
    ) -> SubResponse {
        let Some(router) = self.0.get() else {
            return SubResponse::error(
                500,
                "UNKNOWN_EXCEPTION",
                "The composite resources are not connected to the REST router in this sflab build.",
            );
        };
        let Ok(method) = Method::from_bytes(method.as_bytes()) else {
            return SubResponse::error(400, "INVALID_INPUT", "The subrequest method is not valid.");
        };
        let bytes = match body {
            Some(v) => serde_json::to_vec(v).unwrap_or_default(),
            None => Vec::new(),
        };
        let (url, long_query) = match url.split_once('?') {
            Some((path, query))
                if url.len() > LONGEST_URI
                    && (path.ends_with("/query") || path.ends_with("/queryAll")) =>
            {
                (path, Some(LongQueryString(query.to_string())))
            }
            _ => (url, None),
        };
        let mut builder = Request::builder().method(method).uri(url);
        if let Some(h) = builder.headers_mut() {
            for name in INHERITED {
                if let Some(v) = outer.get(name) {
                    h.insert(name, v.clone());
                }
            }
            if let Some(host) = outer.get("host") {
                h.insert("host", host.clone());
            }
            for (k, v) in headers {
                if let (Ok(k), Ok(v)) = (
                    HeaderName::from_bytes(k.as_bytes()),
                    HeaderValue::from_str(v),
                ) {
                    h.insert(k, v);
                }
            }
            if body.is_some() {
                h.insert("content-type", HeaderValue::from_static("application/json"));
            }
        }
        let Ok(mut request) = builder.body(Body::from(bytes)) else {
            return SubResponse::error(
                400,
                "INVALID_INPUT",
                "The subrequest url is not a valid path; percent-encode spaces and special characters.",
            );
        };
        request.extensions_mut().insert(marker);
        if let Some(q) = long_query {
            request.extensions_mut().insert(q);
        }
        let response = match router.clone().oneshot(request).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let status = response.status().as_u16();
        let mut reported = Map::new();
        for name in REPORTED {
            if let Some(v) = response.headers().get(name).and_then(|v| v.to_str().ok()) {
                let display = match name {
                    "location" => "Location",
                    "etag" => "ETag",
                    _ => "Last-Modified",
                };
                reported.insert(display.to_string(), Value::String(v.to_string()));
            }
        }
        let body = axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024)
            .await
            .unwrap_or_default();
        let body = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()))
        };
        SubResponse {
            status,
            headers: reported,
            body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;

    #[tokio::test]
    async fn subrequest_reaches_the_installed_router_with_the_callers_token() {
        let target = SubrequestTarget::new();
        let router = Router::new().route(
            "/services/data/v62.0/echo",
            get(|req: Request<Body>| async move {
                let auth = req
                    .headers()
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let marked = req.extensions().get::<Subrequest>().is_some();
                axum::Json(serde_json::json!({"auth": auth, "marked": marked}))
            }),
        );
        target.install(router);
        let mut outer = HeaderMap::new();
        outer.insert("authorization", HeaderValue::from_static("Bearer t"));
        let r = target
            .send(
                &outer,
                "GET",
                "/services/data/v62.0/echo",
                None,
                &Default::default(),
            )
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(
            r.body,
            serde_json::json!({"auth": "Bearer t", "marked": true})
        );
    }

    #[tokio::test]
    async fn an_uninstalled_target_answers_an_error_not_a_panic() {
        let r = SubrequestTarget::new()
            .send(&HeaderMap::new(), "GET", "/x", None, &Default::default())
            .await;
        assert_eq!(r.status, 500);
    }
}
