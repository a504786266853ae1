//! What every request to the mock org passes through before and after routing: URI and
//! header size limits, path normalisation (`//` and trailing slashes), the version check,
//! authentication, the daily API allocation, the `Sforce-Limit-Info` header, the call origin
//! that change events carry, Salesforce-shaped bodies for the router's own 404/405, and a
//! last-resort catch of panics.
//!
//! It is a tower `Service` around the inner router, because path rewriting must happen before
//! routing. Extension routers (Composite, Bulk, Apex REST…) mounted on the inner router get
//! all of this for free.

use super::body::{read_capped, CappedBody};
use super::error::ApiError;
use super::limits::{limit_info_header, Spend};
use super::versions::ApiVersion;
use super::RestState;
use crate::org::Session;
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::FutureExt;
use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::{Service, ServiceExt};

/// Salesforce's limit for the URI, and for the URI and headers together.
pub const MAX_URI_AND_HEADER_BYTES: usize = 16_384;

/// The 414 URI_TOO_LONG message (also sent for URIs too long for the HTTP library to read,
/// see `org::overlong`).
pub const URI_TOO_LONG_MESSAGE: &str = "The request URI is longer than 16,384 bytes. Send long SOQL in the body of a Composite request instead.";

/// The 431 REQUEST_HEADER_FIELDS_TOO_LARGE message.
pub const HEADERS_TOO_LARGE_MESSAGE: &str =
    "The request URI and headers together are longer than 16,384 bytes.";

/// The session of the authenticated caller, put on every authenticated request (shared, so
/// each extractor that reads it does not copy it).
#[derive(Debug, Clone)]
pub struct Caller(pub Arc<Session>);

/// The API version named in the path (`/services/data/vXX.X/...`).
#[derive(Debug, Clone, Copy)]
pub struct RequestVersion(pub ApiVersion);

/// The base URL the org is reached at (`https://127.0.0.1:8443`), set by `serve`.
#[derive(Debug, Clone)]
pub struct InstanceUrl(pub String);

/// Marks an error response whose non-JSON body is what a real org sends there (the OAuth
/// error page, the identity URL's plain `Bad_OAuth_Token`): the gateway leaves it as it is.
#[derive(Debug, Clone, Copy)]
pub struct OwnErrorBody;

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Caller, ApiError> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(ApiError::invalid_session)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestVersion {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<RequestVersion, ApiError> {
        parts
            .extensions
            .get::<RequestVersion>()
            .copied()
            .ok_or_else(ApiError::not_found)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for InstanceUrl {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<InstanceUrl, Infallible> {
        if let Some(u) = parts.extensions.get::<InstanceUrl>() {
            return Ok(u.clone());
        }
        // Without `serve` (in-process tests, the proxy): trust the Host header, assume HTTPS.
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_string)
            .or_else(|| parts.uri.authority().map(|a| a.to_string()))
            .unwrap_or_else(|| "localhost".to_string());
        Ok(InstanceUrl(format!("https://{host}")))
    }
}

/// The token in `Authorization: Bearer <t>` (or `OAuth <t>`, as CometD clients send it).
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    ((scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
        && !token.is_empty())
    .then_some(token)
}

/// Authenticates a request against the org's sessions, on the org's clock.
pub fn authenticate(state: &RestState, headers: &HeaderMap) -> Result<Arc<Session>, ApiError> {
    authenticate_at(state, headers, state.org.clock.now())
}

fn authenticate_at(
    state: &RestState,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Arc<Session>, ApiError> {
    let token = bearer_token(headers).ok_or_else(ApiError::invalid_session)?;
    state
        .org
        .sessions
        .validate(token, now)
        .map_err(|_| ApiError::invalid_session())
}

/// [`authenticate`] for the data APIs (`/services/data`, Apex REST): the token must also carry
/// the `api` or `full` scope. Real orgs answer a token without them (e.g. `openid id` only)
/// 401 with the message below; `userinfo` and the identity URL accept such tokens.
fn authenticate_for_api(
    state: &RestState,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Arc<Session>, ApiError> {
    let session = authenticate_at(state, headers, now)?;
    if !session.allows_api() {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "This session is not valid for use with the REST API",
        )
        .without_fields());
    }
    Ok(session)
}

/// Collapses repeated slashes and drops a trailing slash; `None` if the path is already clean.
pub fn normalize_path(path: &str) -> Option<String> {
    let needs = path.contains("//") || (path.len() > 1 && path.ends_with('/'));
    if !needs {
        return None;
    }
    let mut out = String::with_capacity(path.len());
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(seg);
    }
    if out.is_empty() {
        out.push('/');
    }
    Some(out)
}

fn rewrite_path(uri: &Uri, path: &str) -> Option<Uri> {
    let pq = match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = pq.parse().ok();
    Uri::from_parts(parts).ok()
}

/// Where a path sits in the API, for the gate.
#[derive(Debug, PartialEq, Eq)]
enum Area {
    /// `/services/data`: the version list, no authentication.
    VersionList,
    /// `/services/data/<segment>/…`: `Some(version)` if served.
    Versioned(Option<ApiVersion>),
    /// `/services/apexrest/…`: authenticated and counted, no version.
    ApexRest,
    /// Everything else (OAuth, identity, SOAP…): left to its own router.
    Other,
}

fn area(path: &str) -> Area {
    if path == "/services/data" {
        return Area::VersionList;
    }
    if let Some(rest) = path.strip_prefix("/services/data/") {
        let seg = rest.split('/').next().unwrap_or("");
        let version = if seg == "latest" {
            Some(ApiVersion(super::versions::NEWEST))
        } else {
            ApiVersion::from_segment(seg)
        };
        return Area::Versioned(version);
    }
    if path == "/services/apexrest" || path.starts_with("/services/apexrest/") {
        return Area::ApexRest;
    }
    Area::Other
}

/// The answer for a version this org does not serve: 410 Gone for one Salesforce retired
/// (Help article 000354473: "REST API returns 410: GONE"), 404 otherwise. [U] The body's
/// `GONE` code follows what clients report seeing; its message is sflab's own.
fn unserved_version(path: &str) -> ApiError {
    let segment = path
        .strip_prefix("/services/data/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("");
    match ApiVersion::retired(segment) {
        Some(n) => ApiError::new(
            StatusCode::GONE,
            "GONE",
            format!(
                "API version {n}.0 is retired and no longer available. Call a current version (31.0 to {}.0); /services/data lists them.",
                super::versions::NEWEST
            ),
        )
        .without_fields(),
        None => ApiError::not_found(),
    }
}

/// The body format a data API request asks for.
#[derive(Debug, PartialEq, Eq)]
enum BodyFormat {
    Json,
    /// JSON asked for with a `.json` suffix on the last segment: the path without it.
    JsonSuffix(String),
    /// XML, by a `.xml` suffix or an `Accept` header that takes XML and not JSON.
    Xml,
}

/// Real orgs answer XML or JSON, chosen by an `.xml` / `.json` suffix on the URI or by
/// `Accept` (REST API Developer Guide, "Using cURL in the REST Examples").
fn body_format(path: &str, headers: &HeaderMap) -> BodyFormat {
    let last = path.rsplit('/').next().unwrap_or("");
    if let Some(bare) = last.strip_suffix(".json") {
        return BodyFormat::JsonSuffix(format!("{}{bare}", &path[..path.len() - last.len()]));
    }
    if last.ends_with(".xml") {
        return BodyFormat::Xml;
    }
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",")
        .to_ascii_lowercase();
    let takes_json = accept.is_empty()
        || accept.contains("json")
        || accept.contains("*/*")
        || accept.contains("application/*");
    if !takes_json && accept.contains("xml") {
        BodyFormat::Xml
    } else {
        BodyFormat::Json
    }
}

/// The answer to a request for XML, which the mock does not render. [U] A real org would
/// answer in XML; sflab says plainly that it speaks JSON only rather than send JSON under a
/// request for XML, which an XML parser would choke on.
fn xml_not_served() -> ApiError {
    ApiError::new(
        StatusCode::NOT_ACCEPTABLE,
        "NOT_ACCEPTABLE",
        "sflab's mock org answers the REST API in JSON only. Ask for application/json (or drop the .xml suffix); a real org can also answer XML.",
    )
    .without_fields()
}

/// The refusal of a data API request whose body is in a media type the resource does not
/// read: JSON everywhere, CSV for a Bulk API 2.0 upload (`…/batches`). A real org answers 415
/// `UNSUPPORTED_MEDIA_TYPE` "MediaType of '…' is not supported by this resource" (seen for
/// `multipart/related`; curl's `-d` without a header sends form encoding and meets it too).
/// [U] A body sent with no Content-Type at all is read as JSON: what a real org does with it
/// is not recorded. XML and multipart bodies, which a real org also reads, are refused with a
/// sentence saying the mock does not (and, for multipart, that it serves no file objects for
/// such a body to fill).
fn unreadable_body(req: &Request<Body>) -> Option<ApiError> {
    use axum::body::HttpBody as _;
    if !matches!(*req.method(), Method::POST | Method::PATCH | Method::PUT)
        || req.body().size_hint().exact() == Some(0)
    {
        return None;
    }
    let given = req
        .headers()
        .get(header::CONTENT_TYPE)?
        .to_str()
        .unwrap_or("");
    let media = given
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let csv_upload = req.uri().path().ends_with("/batches");
    let wanted = if csv_upload {
        "text/csv"
    } else {
        "application/json"
    };
    if media == wanted || media.is_empty() {
        return None;
    }
    let message = if !csv_upload && media.contains("xml") {
        "sflab's mock org reads request bodies in JSON only (a real org also reads XML): send the body as JSON with Content-Type: application/json.".to_string()
    } else if !csv_upload && media.starts_with("multipart/") {
        "sflab's mock org does not read multipart bodies, which a real org takes for files: the mock org serves no file or blob objects (ContentVersion, Attachment, Document), so a file cannot be stored here in any form. Send other records as JSON with Content-Type: application/json.".to_string()
    } else {
        format!("MediaType of '{media}' is not supported by this resource")
    };
    Some(
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            message,
        )
        .without_fields(),
    )
}

/// The service `router()` hands to axum as its only route.
#[derive(Clone)]
pub struct Gateway {
    pub inner: Router,
    pub state: RestState,
}

impl Service<Request<Body>> for Gateway {
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let inner = self.inner.clone();
        let state = self.state.clone();
        Box::pin(async move {
            let origin = crate::org::origin::of_request(&req);
            // Composite subrequests carry bodies already in memory.
            let is_subrequest = req
                .extensions()
                .get::<crate::org::composite::Subrequest>()
                .is_some();
            let gzip = !is_subrequest && super::compression::accepts_gzip(req.headers());
            let req = if is_subrequest {
                req
            } else {
                match read_whole(req).await {
                    Ok(req) => req,
                    Err(refused) => return Ok(refused),
                }
            };
            let serve = AssertUnwindSafe(handle(inner, state, req)).catch_unwind();
            let handled = crate::org::origin::with_call_origin(origin, serve).await;
            let resp = handled.unwrap_or_else(|_| ApiError::unknown_exception().into_response());
            Ok(if gzip {
                super::compression::encode_response(resp).await
            } else {
                resp
            })
        })
    }
}

/// The largest body any resource accepts: a Bulk API 2.0 upload.
const MAX_ACCEPTED_BODY: usize = crate::org::bulk::ingest_job::MAX_UPLOAD_BASE64_BYTES + 1024;

/// How much of a body over [`MAX_ACCEPTED_BODY`] is read (and dropped) so the client gets the
/// refusal; past it the connection is closed instead.
const MAX_DRAINED_BODY: u64 = 1024 * 1024 * 1024;

/// The request with its body read whole before anything answers. A reply sent while the
/// client is still sending (a 401 before an upload is read, a 405 for a wrong verb) leaves
/// bytes on the connection: an HTTP/1 keep-alive client's next call then fails ("socket hang
/// up"), and over HTTP/2 curl reports a stream error. Resources still apply their own, lower
/// limits. A body over every limit is read to its end and dropped before the 413 is sent (see
/// [`read_capped`]) — for an ingest job's `batches`, the Bulk API's own upload-cap refusal;
/// one declared or found over [`MAX_DRAINED_BODY`] is refused without waiting for the rest,
/// and the connection closed.
async fn read_whole(req: Request<Body>) -> Result<Request<Body>, Response> {
    let (mut parts, body) = req.into_parts();
    let read = read_capped(body, MAX_ACCEPTED_BODY, MAX_DRAINED_BODY).await;
    match read {
        Ok(CappedBody::Whole(bytes)) => {
            let path = parts.uri.path().to_string();
            let bytes =
                super::compression::decode_request(&mut parts.headers, bytes, MAX_ACCEPTED_BODY)
                    .map_err(|e| match e.status {
                        StatusCode::PAYLOAD_TOO_LARGE => {
                            crate::org::bulk::routes::oversized_inflated_upload(
                                &path,
                                MAX_ACCEPTED_BODY,
                            )
                            .unwrap_or_else(|| e.into_response())
                        }
                        _ => e.into_response(),
                    })?;
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        Ok(CappedBody::Oversize {
            seen,
            drained: true,
        }) => Err(
            crate::org::bulk::routes::oversized_upload(parts.uri.path(), seen)
                .unwrap_or_else(|| body_too_large(parts.uri.path(), MAX_ACCEPTED_BODY)),
        ),
        Ok(CappedBody::Oversize { drained: false, .. }) | Err(_) => {
            let mut resp = body_too_large(parts.uri.path(), MAX_ACCEPTED_BODY);
            if parts.version < axum::http::Version::HTTP_2 {
                resp.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            Err(resp)
        }
    }
}

fn too_large(status: StatusCode, code: &str, message: &str) -> Response {
    ApiError::new(status, code, message).into_response()
}

/// The length of the URI as written (`Uri`'s `Display`), without writing it.
fn uri_len(uri: &Uri) -> usize {
    uri.scheme_str().map_or(0, |s| s.len() + 3)
        + uri.authority().map_or(0, |a| a.as_str().len())
        + uri.path().len()
        + uri.query().map_or(0, |q| q.len() + 1)
}

async fn handle(inner: Router, state: RestState, mut req: Request<Body>) -> Response {
    // A composite subrequest's url travels in the body, not in an HTTP request line: long SOQL
    // sent that way is the documented way round the 16 KiB limit, so the limit is not applied
    // to it.
    let uri_len = if req
        .extensions()
        .get::<crate::org::composite::Subrequest>()
        .is_some()
    {
        0
    } else {
        uri_len(req.uri())
    };
    if uri_len > MAX_URI_AND_HEADER_BYTES {
        return too_large(
            StatusCode::URI_TOO_LONG,
            "URI_TOO_LONG",
            URI_TOO_LONG_MESSAGE,
        );
    }
    let header_len: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if uri_len + header_len > MAX_URI_AND_HEADER_BYTES {
        return too_large(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "REQUEST_HEADER_FIELDS_TOO_LARGE",
            HEADERS_TOO_LARGE_MESSAGE,
        );
    }
    if let Some(clean) = normalize_path(req.uri().path()) {
        if let Some(uri) = rewrite_path(req.uri(), &clean) {
            *req.uri_mut() = uri;
        }
    }
    if matches!(
        area(req.uri().path()),
        Area::Versioned(_) | Area::VersionList
    ) {
        match body_format(req.uri().path(), req.headers()) {
            BodyFormat::Json => {}
            BodyFormat::JsonSuffix(bare) => {
                if let Some(uri) = rewrite_path(req.uri(), &bare) {
                    *req.uri_mut() = uri;
                }
            }
            BodyFormat::Xml => return xml_not_served().into_response(),
        }
    }
    let now = state.org.clock.now();
    let mut limit_header = None;
    match area(req.uri().path()) {
        Area::VersionList => {
            limit_header = Some(limit_info_header(state.usage.used(now), state.usage.max()));
        }
        Area::Versioned(None) => return unserved_version(req.uri().path()).into_response(),
        Area::Versioned(Some(_)) | Area::ApexRest => {
            let session = match authenticate_for_api(&state, req.headers(), now) {
                Ok(s) => s,
                Err(e) => return e.into_response(),
            };
            // A composite call counts once: its subrequests (marked by the composite
            // dispatcher) are authenticated but not counted again, except a batch's, which
            // each count.
            let marker = req
                .extensions()
                .get::<crate::org::composite::Subrequest>()
                .copied();
            let subrequest = marker.is_some();
            let spend = if marker.is_some_and(|m| !m.counted) {
                Spend::Counted {
                    used: state.usage.used(now),
                    max: state.usage.max(),
                }
            } else {
                state.usage.spend(now)
            };
            match spend {
                Spend::Counted { used, max } => limit_header = Some(limit_info_header(used, max)),
                Spend::Exhausted { used, max } => {
                    let mut resp = ApiError::request_limit_exceeded().into_response();
                    set_limit_header(&mut resp, &limit_info_header(used, max));
                    return resp;
                }
            }
            if let Area::Versioned(Some(v)) = area(req.uri().path()) {
                if !subrequest {
                    if let Some(refused) = unreadable_body(&req) {
                        return refused.into_response();
                    }
                }
                req.extensions_mut().insert(RequestVersion(v));
            }
            req.extensions_mut().insert(Caller(session));
        }
        Area::Other => {}
    }
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    // Only the data API's own JSON is re-rendered: an Apex REST body is whatever the class
    // wrote, and real orgs are not known to reformat it.
    let pretty = limit_header.is_some()
        && req.uri().path().starts_with("/services/data")
        && super::pretty::wants_pretty(req.headers());
    if req.uri().path().contains("/composite") {
        // Composite subrequests come back through this gateway (see composite::dispatch); the
        // target lives only as long as this request, so the router holds no cycle.
        let target = crate::org::composite::SubrequestTarget::new();
        target.install(Router::new().fallback_service(Gateway {
            inner: inner.clone(),
            state: state.clone(),
        }));
        req.extensions_mut().insert(target);
    }
    let mut resp = match inner.oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    shape_plain_errors(&mut resp, method.as_str(), &path);
    if limit_header.is_some() && path.ends_with("/composite/batch") {
        // Its subrequests counted while it ran: the header shows the use after them.
        limit_header = Some(limit_info_header(state.usage.used(now), state.usage.max()));
    }
    if let Some(h) = limit_header {
        set_limit_header(&mut resp, &h);
    }
    if pretty {
        resp = prettify_response(resp).await;
    }
    resp
}

/// A JSON response re-rendered for `X-PrettyPrint: 1`; other responses unchanged.
async fn prettify_response(resp: Response) -> Response {
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return ApiError::unknown_exception().into_response();
    };
    let body = match super::pretty::prettify(&bytes) {
        Some(pretty) => Body::from(pretty),
        None => Body::from(bytes),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, body)
}

fn set_limit_header(resp: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert("sforce-limit-info", v);
    }
}

/// What to tell a learner whose client called an API a real org serves but this mock does
/// not (a bare "does not exist" would send them hunting for a typo).
fn unserved_api(path: &str) -> Option<&'static str> {
    let after_version = path
        .strip_prefix("/services/data/")
        .and_then(|rest| rest.split_once('/'))
        .map_or("", |(_, r)| r);
    let first = after_version.split('/').next().unwrap_or("");
    // An object's parts below the ones its handlers name (`listviews/{id}/results`,
    // `describe/layouts/{recordTypeId}`, `quickActions/{name}/describe`).
    let object_part = {
        let parts: Vec<&str> = after_version.split('/').collect();
        parts.len() >= 4
            && parts[0] == "sobjects"
            && matches!(
                parts[2],
                "listviews" | "quickActions" | "layouts" | "compactLayouts" | "describe"
            )
    };
    let search_part = first == "search" && after_version.len() > "search/".len();
    if path.trim_end_matches('/') == "/services/oauth2/singleaccess" {
        Some("sflab's mock org does not serve /services/oauth2/singleaccess (the single-access frontdoor URL `sf org open` asks for); a real org does. The mock org has no Salesforce UI to open: call its APIs instead.")
    } else if search_part {
        Some("sflab's mock org does not serve this search resource (search suggestions, scope order, search layouts); a real org does. The mock serves SOSL (/search?q=FIND …) and /parameterizedSearch.")
    } else if object_part {
        Some("sflab's mock org does not serve this part of an sObject (list views, quick actions, layouts); a real org does. The mock serves an object's describe, its records by id and by external id, and /updated and /deleted.")
    } else if path.starts_with("/services/async/") {
        Some("sflab's mock org does not serve Bulk API 1.0 (/services/async). Use Bulk API 2.0: /services/data/vXX.X/jobs/ingest and /jobs/query (simple-salesforce: sf.bulk2; jsforce: conn.bulk2).")
    } else if path.starts_with("/services/Soap/m/") {
        Some("sflab's mock org does not serve the Metadata API; describe objects with /services/data/vXX.X/sobjects/{Type}/describe instead.")
    } else if path.starts_with("/services/Soap/T/") || first == "tooling" {
        Some("sflab's mock org does not serve the Tooling API; a real org does.")
    } else if matches!(
        first,
        "metadata"
            | "folders"
            | "tabs"
            | "theme"
            | "appMenu"
            | "quickActions"
            | "actions"
            | "analytics"
            | "chatter"
            | "connect"
            | "ui-api"
            | "wave"
            | "consent"
            | "support"
            | "graphql"
            | "process"
            | "licensing"
            | "event"
    ) {
        Some("sflab's mock org does not serve this REST resource; a real org does. The mock serves sObjects, query, search, limits, composite, Bulk API 2.0, events and Apex REST.")
    } else {
        None
    }
}

/// The refusal of a body over `limit_bytes`: on the SOAP endpoints their own size fault (HTTP
/// 500, as every fault; a SOAP client reads nothing else), elsewhere Salesforce's JSON error on
/// 413.
fn body_too_large(path: &str, limit_bytes: usize) -> Response {
    if path.starts_with("/services/Soap/") {
        crate::org::soap::SoapFault::body_too_large().into_response()
    } else {
        ApiError::body_too_large(limit_bytes).into_response()
    }
}

/// Replaces axum's own plain-text error answers (unmatched method, undecodable path,
/// wrong content type) with Salesforce's JSON array.
fn shape_plain_errors(resp: &mut Response, method: &str, path: &str) {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error())
        || resp.extensions().get::<OwnErrorBody>().is_some()
    {
        return;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/xml"));
    // JSON bodies are already Salesforce-shaped; XML bodies are SOAP faults.
    if is_json {
        return;
    }
    if status == StatusCode::NOT_FOUND && path.starts_with("/services/Soap/") {
        // A SOAP client (zeep, the Metadata API's users) reads only a SOAP fault.
        let what = unserved_api(path).unwrap_or(
            "sflab's mock org does not serve this SOAP endpoint; it serves the Partner API at /services/Soap/u/{version}.",
        );
        *resp = crate::org::soap::envelope::SoapFault::new("API_DISABLED_FOR_ORG", what)
            .into_response();
        return;
    }
    let err = match status {
        StatusCode::NOT_FOUND => match unserved_api(path) {
            Some(what) => ApiError::new(status, "NOT_FOUND", what).without_fields(),
            None => ApiError::not_found(),
        },
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = resp
                .headers()
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            // A record URL routes POST only for `?_HttpMethod=PATCH`: not a method to offer.
            let list: Vec<&str> = allowed
                .split(',')
                .map(str::trim)
                .filter(|m| !(*m == "POST" && is_record_path(path)))
                .collect();
            ApiError::method_not_allowed(method, &list)
        }
        // A body extractor's limit: every surface's is the REST API's (see `rest::surfaces`).
        StatusCode::PAYLOAD_TOO_LARGE => {
            *resp = body_too_large(path, super::body::MAX_BODY_BYTES);
            return;
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            status,
            "UNSUPPORTED_MEDIA_TYPE",
            "Content type not supported. Send JSON with Content-Type: application/json.",
        ),
        s if s.is_server_error() => ApiError::unknown_exception(),
        s => ApiError::new(
            s,
            "MALFORMED_REQUEST",
            "The request could not be understood: check the URL's encoding and the body.",
        ),
    };
    *resp = err.into_response();
}

/// `/services/data/vXX.X/sobjects/{T}/{id}`: one record (not `…/{T}/Id`, whose POST creates).
fn is_record_path(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    matches!(
        parts.as_slice(),
        ["", "services", "data", _, "sobjects", _, id] if !id.eq_ignore_ascii_case("Id")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apis_a_real_org_serves_but_the_mock_does_not_are_named_in_the_404() {
        let bulk1 = unserved_api("/services/async/62.0/job").unwrap();
        assert!(bulk1.contains("Bulk API 1.0") && bulk1.contains("bulk2"));
        assert!(unserved_api("/services/data/v62.0/tooling/query")
            .unwrap()
            .contains("Tooling API"));
        assert!(unserved_api("/services/Soap/m/62.0").is_some());
        assert!(unserved_api("/services/data/v62.0/tabs").is_some());
        for deeper in [
            "sobjects/Account/describe/layouts/012000000000000AAA",
            "sobjects/Account/listviews/00B5g00000XXXXX/results",
            "sobjects/Account/describe/compactLayouts/primary",
        ] {
            let path = format!("/services/data/v62.0/{deeper}");
            assert!(unserved_api(&path).is_some(), "{path}");
        }
        assert_eq!(
            unserved_api("/services/data/v62.0/sobjects/Account/001000000000001AAA/Contacts/x"),
            None
        );
        for listed in ["graphql", "process/rules", "licensing", "event"] {
            let path = format!("/services/data/v62.0/{listed}");
            assert!(unserved_api(&path).is_some(), "{path}");
        }
        // A typo in a served resource keeps the plain "does not exist".
        assert_eq!(unserved_api("/services/data/v62.0/sobjectz"), None);
        assert_eq!(unserved_api("/nothing/here"), None);
    }

    #[test]
    fn a_json_suffix_is_dropped_and_xml_is_asked_for_by_suffix_or_accept() {
        let mut h = HeaderMap::new();
        let p = "/services/data/v62.0/sobjects/Account/001000000000001AAA";
        assert_eq!(body_format(p, &h), BodyFormat::Json);
        assert_eq!(
            body_format(&format!("{p}.json"), &h),
            BodyFormat::JsonSuffix(p.to_string())
        );
        assert_eq!(body_format(&format!("{p}.xml"), &h), BodyFormat::Xml);
        h.insert(header::ACCEPT, HeaderValue::from_static("application/xml"));
        assert_eq!(body_format(p, &h), BodyFormat::Xml);
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/xml, application/json;q=0.5"),
        );
        assert_eq!(body_format(p, &h), BodyFormat::Json);
        h.insert(header::ACCEPT, HeaderValue::from_static("text/csv"));
        assert_eq!(body_format(p, &h), BodyFormat::Json, "bulk results");
    }

    #[test]
    fn repeated_and_trailing_slashes_are_normalised() {
        assert_eq!(
            normalize_path("//services/data/v59.0//query/").as_deref(),
            Some("/services/data/v59.0/query")
        );
        assert_eq!(normalize_path("/services/data/v59.0/query"), None);
        assert_eq!(normalize_path("/"), None);
        assert_eq!(normalize_path("//").as_deref(), Some("/"));
    }

    #[test]
    fn areas_recognise_versions_and_unserved_versions() {
        assert_eq!(area("/services/data"), Area::VersionList);
        assert_eq!(
            area("/services/data/v51.0/sobjects/User/005"),
            Area::Versioned(Some(ApiVersion(51)))
        );
        assert_eq!(area("/services/data/v20.0"), Area::Versioned(None));
        assert_eq!(
            unserved_version("/services/data/v29.0/sobjects").status,
            StatusCode::GONE
        );
        assert_eq!(
            unserved_version("/services/data/v7.0").status,
            StatusCode::GONE
        );
        for not_retired in [
            "/services/data/v6.0",
            "/services/data/v67.0",
            "/services/data/x",
        ] {
            assert_eq!(
                unserved_version(not_retired).status,
                StatusCode::NOT_FOUND,
                "{not_retired}"
            );
        }
        assert_eq!(
            area("/services/data/latest/limits"),
            Area::Versioned(Some(ApiVersion(super::super::versions::NEWEST)))
        );
        assert_eq!(area("/services/apexrest/orders"), Area::ApexRest);
        assert_eq!(area("/services/oauth2/token"), Area::Other);
    }

    #[test]
    fn uri_length_is_that_of_the_written_uri() {
        for u in [
            "/services/data/v62.0/query?q=SELECT+Id+FROM+Account",
            "/",
            "http://127.0.0.1:8443/services/data?x=1",
            "https://localhost/a/b",
        ] {
            let uri: Uri = u.parse().unwrap();
            assert_eq!(uri_len(&uri), uri.to_string().len(), "{u}");
        }
    }

    #[test]
    fn bearer_and_oauth_schemes_are_read() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Bearer 00Dabc!x".parse().unwrap());
        assert_eq!(bearer_token(&h), Some("00Dabc!x"));
        h.insert(header::AUTHORIZATION, "OAuth tok".parse().unwrap());
        assert_eq!(bearer_token(&h), Some("tok"));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer_token(&h), None);
    }
}
