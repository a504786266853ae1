//! Built-in mock external services that callouts and learners' code talk to, served by the
//! org's own listener under `/ext/…` (one port to trust, one CA):
//!
//! | service | auth | endpoints |
//! |---|---|---|
//! | weather | `X-Api-Key` header | `GET /ext/weather/current?city=` |
//! | erp | OAuth 2.0 client credentials at `POST /ext/erp/oauth/token` (form or Basic), or a JWT signed by the org's key (`aud: erp`) | `POST /ext/erp/orders` (`Idempotency-Key`), `GET /ext/erp/orders/{id}`, `POST` or `QUERY /ext/erp/orders/search` |
//! | courier | HTTP Basic | `GET /ext/courier/shipments/{tracking}` |
//!
//! Credentials come from the seed's `mock_services:` section, with documented defaults
//! ([`ServiceConfig::default`]): weather key `wx-demo-key`, ERP client `sflab-erp` /
//! `erp-demo-secret`, courier `courier` / `courier-demo-pass`. Faults (`faults:` per service,
//! see [`faults::FaultSpec`]) make a service fail N calls or for a window of org time; labs and
//! the runner plant them with [`ExtServices::plant_fault`].
//!
//! The search endpoint accepts the HTTP `QUERY` method (safe, idempotent, with a body) next to
//! `POST`; both answer the same. Its body is a JSON object filtering by `customer`, `sku` and
//! `status`; any other key (`salesforceId`) or a value that is not a string answers `400
//! invalid_filter` naming the keys it knows, rather than every order. Errors are `{"error": code, "message": text}`, except the
//! ERP's token endpoint, which answers as an OAuth 2.0 server does: `{error, error_description}`
//! (see [`erp_auth`] for how strictly it reads a token request).
//! A path or method a service does not serve answers in that format too, naming the endpoints
//! it does serve (see [`unserved`]): a third-party API never answers like Salesforce.

pub mod erp;
mod erp_auth;
pub mod faults;
mod unserved;

#[cfg(test)]
mod tests;

use crate::org::Org;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use base64::Engine;
use chrono::{DateTime, Utc};
use erp::{ErpError, OrderBook, Placed};
use erp_auth::{erp_authorised, erp_token};
use faults::{ActiveFault, FaultSpec};
use parking_lot::Mutex;
use serde::Deserialize;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// How long an ERP access token lives.
pub const ERP_TOKEN_SECONDS: i64 = 3600;

/// The three services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Weather,
    Erp,
    Courier,
}

impl Service {
    pub fn parse(s: &str) -> Option<Service> {
        match s {
            "weather" => Some(Service::Weather),
            "erp" => Some(Service::Erp),
            "courier" => Some(Service::Courier),
            _ => None,
        }
    }
}

/// The credentials and planted faults of the services (`mock_services:` in a seed).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceConfig {
    pub weather_api_key: String,
    pub erp_client_id: String,
    pub erp_client_secret: String,
    pub courier_username: String,
    pub courier_password: String,
    pub faults: BTreeMap<Service, FaultSpec>,
}

impl Default for ServiceConfig {
    fn default() -> ServiceConfig {
        ServiceConfig {
            weather_api_key: "wx-demo-key".into(),
            erp_client_id: "sflab-erp".into(),
            erp_client_secret: "erp-demo-secret".into(),
            courier_username: "courier".into(),
            courier_password: "courier-demo-pass".into(),
            faults: BTreeMap::new(),
        }
    }
}

/// Why `mock_services:` cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("mock_services: {0}")]
pub struct ServiceConfigError(#[from] serde_yaml::Error);

impl ServiceConfig {
    pub fn from_section(
        v: Option<&serde_yaml::Value>,
    ) -> Result<ServiceConfig, ServiceConfigError> {
        match v {
            None | Some(serde_yaml::Value::Null) => Ok(ServiceConfig::default()),
            Some(v) => Ok(serde_yaml::from_value(v.clone())?),
        }
    }
}

#[derive(Debug, Default)]
struct ExtState {
    config: Option<ServiceConfig>,
    book: OrderBook,
    tokens: HashMap<[u8; 32], DateTime<Utc>>,
    faults: HashMap<Service, ActiveFault>,
    calls: HashMap<Service, u64>,
}

/// The services' state (orders, tokens, faults), shared by the router and in-process callouts.
#[derive(Debug, Clone, Default)]
pub struct ExtServices {
    inner: Arc<Mutex<ExtState>>,
}

fn err(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let mut r = (
        status,
        json!({"error": code, "message": message.into()}).to_string(),
    )
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn ok_json(status: StatusCode, v: &Json) -> Response {
    let mut r = (status, v.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

impl ExtServices {
    /// Plants a fault in `service`, starting now on the org clock (replaces any earlier one).
    pub fn plant_fault(&self, service: Service, spec: &FaultSpec, now: DateTime<Utc>) {
        self.inner
            .lock()
            .faults
            .insert(service, ActiveFault::plant(spec, now));
    }

    /// Removes any fault from `service`.
    pub fn clear_fault(&self, service: Service) {
        self.inner.lock().faults.remove(&service);
    }

    /// Calls `service` has received (failed ones included).
    pub fn calls(&self, service: Service) -> u64 {
        self.inner.lock().calls.get(&service).copied().unwrap_or(0)
    }

    /// Numbers the ERP's orders placed from now on after `floor` (see
    /// [`OrderBook::number_orders_after`]).
    pub fn number_erp_orders_after(&self, floor: u64) {
        self.inner.lock().book.number_orders_after(floor);
    }

    /// The number the ERP's next order id is made after (its floor plus the orders placed).
    #[cfg(test)]
    pub(crate) fn erp_numbered_after(&self) -> u64 {
        self.inner.lock().book.numbered_after()
    }

    /// Orders the ERP holds.
    pub fn erp_order_count(&self) -> usize {
        self.inner.lock().book.len()
    }

    /// The configuration, read from the seed on first use; faults in it are planted then.
    fn config(&self, org: &Org) -> Result<ServiceConfig, Response> {
        let mut s = self.inner.lock();
        if let Some(c) = &s.config {
            return Ok(c.clone());
        }
        let c = ServiceConfig::from_section(org.seed.other.get("mock_services")).map_err(|e| {
            err(
                StatusCode::INTERNAL_SERVER_ERROR,
                "misconfigured",
                e.to_string(),
            )
        })?;
        let now = org.clock.now();
        for (svc, spec) in &c.faults {
            s.faults
                .entry(*svc)
                .or_insert_with(|| ActiveFault::plant(spec, now));
        }
        s.config = Some(c.clone());
        Ok(c)
    }

    /// Counts the call and answers the planted fault, if one fires.
    fn gate(&self, org: &Org, service: Service) -> Result<ServiceConfig, Response> {
        match self.gate_work(org, service)? {
            (config, None) => Ok(config),
            (_, Some(lost_reply)) => Err(lost_reply),
        }
    }

    /// Like [`gate`](Self::gate), but a fault planted with `after_commit` lets the call through
    /// and hands back the failure to answer once the work is done.
    fn gate_work(
        &self,
        org: &Org,
        service: Service,
    ) -> Result<(ServiceConfig, Option<Response>), Response> {
        let config = self.config(org)?;
        let now = org.clock.now();
        let mut s = self.inner.lock();
        *s.calls.entry(service).or_default() += 1;
        if let Some(f) = s.faults.get_mut(&service) {
            if f.strike(now) {
                let status =
                    StatusCode::from_u16(f.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let mut r = err(
                    status,
                    "service_unavailable",
                    "The service is temporarily unavailable; try again later.",
                );
                if let Some(ra) = f.retry_after {
                    r.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(ra));
                }
                if let Ok(v) = HeaderValue::from_str(&f.describe()) {
                    r.headers_mut().insert(faults::STAGED_HEADER, v);
                }
                if f.after_commit {
                    return Ok((config, Some(r)));
                }
                return Err(r);
            }
        }
        Ok((config, None))
    }

    /// The ERP's order book as JSON objects (as `GET /ext/erp/orders/{id}` answers each),
    /// oldest first, for lab rules that judge what the ERP holds.
    pub fn erp_orders(&self, now: DateTime<Utc>) -> Vec<Json> {
        self.inner
            .lock()
            .book
            .all()
            .map(|o| {
                let mut v = erp::order_json(o, now);
                if let Some(k) = &o.idempotency_key {
                    v["idempotencyKey"] = Json::String(k.clone());
                }
                v
            })
            .collect()
    }
}

/// State the `/ext` routes run with.
#[derive(Clone)]
pub struct ExtContext {
    pub org: Org,
    pub services: ExtServices,
}

/// The `/ext` routes, to merge into the org router.
pub fn router(org: Org, services: ExtServices) -> Router {
    Router::new()
        .route(
            "/ext/weather/current",
            get(weather).fallback(unserved::unserved_method),
        )
        .route(
            "/ext/erp/oauth/token",
            post(erp_token).fallback(unserved::unserved_method),
        )
        .route(
            "/ext/erp/orders",
            post(erp_create).fallback(unserved::unserved_method),
        )
        .route("/ext/erp/orders/search", any(erp_search))
        .route(
            "/ext/erp/orders/{id}",
            get(erp_get).fallback(unserved::unserved_method),
        )
        .route(
            "/ext/courier/shipments/{tracking}",
            get(courier).fallback(unserved::unserved_method),
        )
        .route("/ext", any(unserved::unknown_path))
        .route("/ext/{*rest}", any(unserved::unknown_path))
        .with_state(ExtContext { org, services })
}

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn basic_credentials(h: &HeaderMap) -> Option<(String, String)> {
    let v = header_str(h, "authorization")?;
    let (scheme, b64) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (u, p) = text.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Deterministic weather for a city and day, so labs can assert on it.
pub fn weather_for(city: &str, day: chrono::NaiveDate) -> Json {
    let h = Sha256::digest(format!("{}|{day}", city.to_lowercase()).as_bytes());
    let temp = (h[0] as f64 / 255.0) * 35.0 - 5.0;
    let conditions = ["clear", "cloudy", "rain", "wind", "snow"][h[1] as usize % 5];
    json!({"city": city, "date": day.to_string(), "temperatureC": (temp * 10.0).round() / 10.0,
           "conditions": conditions, "humidity": 30 + h[2] as u32 % 60})
}

async fn weather(
    State(cx): State<ExtContext>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let config = match cx.services.gate(&cx.org, Service::Weather) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match header_str(&headers, "x-api-key") {
        Some(k) if same(k, &config.weather_api_key) => {}
        Some(_) => {
            return err(
                StatusCode::UNAUTHORIZED,
                "invalid_api_key",
                "The X-Api-Key header holds a key this service does not know.",
            )
        }
        None => {
            return err(
                StatusCode::UNAUTHORIZED,
                "missing_api_key",
                "Send the API key in the X-Api-Key header.",
            )
        }
    }
    let Some(city) = q.get("city").filter(|c| !c.trim().is_empty()) else {
        return err(
            StatusCode::BAD_REQUEST,
            "missing_city",
            "Add ?city=<name> to the URL.",
        );
    };
    ok_json(
        StatusCode::OK,
        &weather_for(city, cx.org.clock.now().date_naive()),
    )
}

fn erp_error(e: ErpError) -> Response {
    match e {
        ErpError::Invalid(m) => err(StatusCode::BAD_REQUEST, "invalid_order", m),
        ErpError::KeyReused => err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            e.to_string(),
        ),
        ErpError::NotFound(_) => err(StatusCode::NOT_FOUND, "not_found", e.to_string()),
    }
}

fn erp_gate(cx: &ExtContext, headers: &HeaderMap) -> Result<(), Response> {
    cx.services.gate(&cx.org, Service::Erp)?;
    erp_authorised(cx, headers)
}

async fn erp_create(State(cx): State<ExtContext>, headers: HeaderMap, body: Bytes) -> Response {
    let lost_reply = match cx.services.gate_work(&cx.org, Service::Erp) {
        Ok((_, lost)) => lost,
        Err(r) => return r,
    };
    if let Err(r) = erp_authorised(&cx, &headers) {
        return r;
    }
    let Ok(json) = serde_json::from_slice::<Json>(&body) else {
        return err(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "The body must be a JSON object.",
        );
    };
    let key = header_str(&headers, "idempotency-key");
    let now = cx.org.clock.now();
    let placed = cx.services.inner.lock().book.place(key, &json, now);
    if let (Some(failure), Ok(_)) = (lost_reply, &placed) {
        return failure; // the order exists, but the caller is told the call failed
    }
    match placed {
        Ok(Placed::Created(o)) => ok_json(StatusCode::CREATED, &erp::order_json(&o, now)),
        Ok(Placed::Replayed(o)) => {
            let mut r = ok_json(StatusCode::CREATED, &erp::order_json(&o, now));
            r.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            r
        }
        Err(e) => erp_error(e),
    }
}

async fn erp_get(
    State(cx): State<ExtContext>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = erp_gate(&cx, &headers) {
        return r;
    }
    let now = cx.org.clock.now();
    let s = cx.services.inner.lock();
    match s.book.get(&id) {
        Ok(o) => ok_json(StatusCode::OK, &erp::order_json(o, now)),
        Err(e) => erp_error(e),
    }
}

async fn erp_search(
    State(cx): State<ExtContext>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method != Method::POST && method.as_str() != "QUERY" {
        let mut r = err(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Search with QUERY (or POST) and a JSON filter body.",
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("QUERY, POST"));
        return r;
    }
    if let Err(r) = erp_gate(&cx, &headers) {
        return r;
    }
    let filter: Json = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(Json::Object(filter)) => match erp::filter_problem(&filter) {
                Some(why) => return err(StatusCode::BAD_REQUEST, "invalid_filter", why),
                None => Json::Object(filter),
            },
            _ => {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalid_filter",
                    "The body must be a JSON object such as {\"status\": \"in_transit\"}.",
                )
            }
        }
    };
    let now = cx.org.clock.now();
    let s = cx.services.inner.lock();
    let orders: Vec<Json> = s
        .book
        .search(&filter, now)
        .into_iter()
        .map(|o| erp::order_json(o, now))
        .collect();
    let mut r = ok_json(
        StatusCode::OK,
        &json!({"totalSize": orders.len(), "orders": orders}),
    );
    // QUERY is safe and idempotent, so its answers may be cached per body.
    r.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Content-Type, Content-Length"),
    );
    r
}

async fn courier(
    State(cx): State<ExtContext>,
    headers: HeaderMap,
    Path(tracking): Path<String>,
) -> Response {
    let config = match cx.services.gate(&cx.org, Service::Courier) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match basic_credentials(&headers) {
        Some((u, p))
            if same(&u, &config.courier_username) && same(&p, &config.courier_password) => {}
        _ => {
            let mut r = err(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Send HTTP Basic credentials for the courier account.",
            );
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"courier\""),
            );
            return r;
        }
    }
    let now = cx.org.clock.now();
    let s = cx.services.inner.lock();
    match s.book.by_tracking(&tracking) {
        Some(o) => ok_json(
            StatusCode::OK,
            &json!({"trackingNumber": tracking, "orderId": o.id, "status": erp::shipment_status(o, now)}),
        ),
        None => err(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("No shipment with tracking number {tracking}."),
        ),
    }
}
