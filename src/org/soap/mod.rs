//! The SOAP API subset of the mock org (partner API) and fixture-defined `webservice` classes.
//!
//! - `POST /services/Soap/u/{version}[/{orgId}]`: `login`, and with a `SessionHeader` (an
//!   OAuth access token or a SOAP session id) `query`, `queryAll`, `queryMore`, `create`,
//!   `update`, `upsert`, `delete` (with `AllOrNoneHeader`) and `getUserInfo`. Responses carry
//!   the `LimitInfoHeader`; faults are HTTP 500 with `sf:` exception codes.
//! - `POST /services/Soap/class/{Name}`: custom SOAP endpoints from the seed's `soap_services:`
//!   section (see [`custom`]).
//! - `GET /soap/wsdl.jsp?type=*` and `GET /services/wsdl/partner`: the trimmed partner WSDL
//!   (see [`wsdl`]), for a valid session in the `sid` cookie or `Authorization: Bearer`
//!   (401 without one). `/soap/wsdl.jsp` with no `type` is the enterprise WSDL on a real org;
//!   sflab does not serve it and answers 404 saying so.
//! - `GET /services/wsdl/class/{Name}`: the WSDL of a `soap_services:` class (see
//!   [`class_wsdl`]), with the same session; 404 saying so for a class the seed does not define.
//!
//! Every POST must carry a `SOAPAction` header (its value is not read: `""`, `login` and
//! `Login` all do); without one the org answers HTTP 500 `soapenv:Client` "No SOAPAction
//! header!" before reading the envelope, as Salesforce does.
//!
//! Layout: `xml` (reading requests), `envelope` (responses and faults), `records` (sObjects
//! both ways), `field_types` (their values by XSD type), `login`, `calls`, `custom`, `wsdl`,
//! `class_wsdl`. Every call spends one request of the org's daily API allocation, except
//! `login`.

pub mod calls;
pub mod class_wsdl;
pub mod custom;
pub mod envelope;
pub mod field_types;
pub mod login;
pub mod records;
pub mod results;
pub mod wsdl;
pub mod xml;

#[cfg(test)]
mod address_write_tests;
#[cfg(test)]
mod field_case_tests;
#[cfg(test)]
mod login_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod wire_shape_tests;

use crate::org::rest::limits::Spend;
use crate::org::rest::versions::{NEWEST, OLDEST};
use crate::org::rest::{InstanceUrl, RestState};
use crate::org::Session;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
pub use envelope::{FaultKind, SoapFault};
use xml::Element;

/// The SOAP routes, to merge into the org router.
pub fn router(state: RestState) -> Router {
    Router::new()
        .route("/services/Soap/u/{version}", post(partner))
        .route("/services/Soap/u/{version}/{org}", post(partner_for_org))
        .route("/services/Soap/class/{name}", post(custom_class))
        .route("/soap/wsdl.jsp", get(partner_wsdl))
        .route("/services/wsdl/partner", get(partner_wsdl))
        .route("/services/wsdl/class/{name}", get(class_wsdl))
        // The body limit is `read_envelope`'s, answered as a fault; the gateway has already
        // capped what it reads.
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// A parsed request: the header element (if any) and the call element.
pub struct SoapRequest {
    pub header: Option<Element>,
    pub call: Element,
}

/// Reads the envelope: `Envelope/Header?` and the first element of `Envelope/Body`, which
/// must be in `service_ns` (the partner API's or a class's namespace). An envelope outside the
/// SOAP 1.1 namespace is `soapenv:VersionMismatch`; a call outside `service_ns` has no operation.
pub fn read_envelope(body: &[u8], service_ns: &str) -> Result<SoapRequest, SoapFault> {
    if body.len() > xml::MAX_SOAP_BYTES {
        return Err(SoapFault::body_too_large());
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| SoapFault::client("The request body is not UTF-8 text."))?;
    let root = xml::parse(text).map_err(|e| SoapFault::client(e.to_string()))?;
    if root.name != "Envelope" {
        return Err(SoapFault::client(format!(
            "Expected a SOAP Envelope element but found <{}>.",
            root.name
        )));
    }
    if root.ns != envelope::ENV_NS {
        return Err(SoapFault::version_mismatch(&root.ns));
    }
    let header = root.child_in(envelope::ENV_NS, "Header").cloned();
    let call = root
        .child_in(envelope::ENV_NS, "Body")
        .and_then(|b| b.children.first())
        .cloned()
        .ok_or_else(|| SoapFault::client("The SOAP Body holds no call element."))?;
    if call.ns != service_ns {
        return Err(SoapFault::no_operation(&call.ns, &call.name));
    }
    Ok(SoapRequest { header, call })
}

/// Parses `62.0` into a served major version, or UNSUPPORTED_API_VERSION.
pub fn parse_version(raw: &str) -> Result<u32, SoapFault> {
    let unsupported = || {
        SoapFault::new(
            "UNSUPPORTED_API_VERSION",
            format!("Invalid API version: {raw}. Use a version from {OLDEST}.0 to {NEWEST}.0."),
        )
    };
    let (major, minor) = raw.split_once('.').ok_or_else(unsupported)?;
    let n: u32 = major.parse().map_err(|_| unsupported())?;
    if minor != "0" || !(OLDEST..=NEWEST).contains(&n) {
        return Err(unsupported());
    }
    Ok(n)
}

/// The trimmed text of `block/field` in the envelope's `header`, both elements in
/// `service_ns`: a header block in another namespace is not the service's, so it is not seen.
/// The org and the `soap.*` rules both read headers through this, so a rule credits exactly
/// the headers the org honours.
pub fn header_value<'a>(
    header: Option<&'a Element>,
    service_ns: &str,
    block: &str,
    field: &str,
) -> Option<&'a str> {
    header?
        .child_in(service_ns, block)?
        .child_in(service_ns, field)
        .map(|f| f.text.trim())
}

/// The `SessionHeader/sessionId` text (see [`header_value`]); real orgs answer a call without
/// one, or with one in another namespace, INVALID_SESSION_ID.
pub fn session_id<'a>(header: Option<&'a Element>, service_ns: &str) -> Option<&'a str> {
    header_value(header, service_ns, "SessionHeader", "sessionId").filter(|t| !t.is_empty())
}

/// Whether a partner write call runs all-or-none: `AllOrNoneHeader/allOrNone` in the partner
/// namespace (see [`header_value`]) reads `true` in any case, or `1`.
pub fn all_or_none(header: Option<&Element>) -> bool {
    header_value(header, envelope::PARTNER_NS, "AllOrNoneHeader", "allOrNone")
        .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// The session named by `SessionHeader/sessionId` (in `service_ns`), on the org's clock.
pub fn session_of(
    state: &RestState,
    header: Option<&Element>,
    service_ns: &str,
) -> Result<Session, SoapFault> {
    let token = session_id(header, service_ns).ok_or_else(SoapFault::invalid_session)?;
    let session = state
        .org
        .sessions
        .validate(token, state.org.clock.now())
        .map_err(|_| SoapFault::invalid_session())?;
    // [U] The text for a token without the `api` scope follows the REST API's.
    if !session.allows_api() {
        return Err(SoapFault::new(
            "INVALID_SESSION_ID",
            "This session is not valid for use with the API: its token lacks the api scope",
        ));
    }
    Ok(Session::clone(&session))
}

/// Spends one API request; `(used, max)` for the `LimitInfoHeader`.
pub fn spend(state: &RestState) -> Result<(u64, u64), SoapFault> {
    match state.usage.spend(state.org.clock.now()) {
        Spend::Counted { used, max } => Ok((used, max)),
        Spend::Exhausted { .. } => Err(SoapFault::new(
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        )),
    }
}

/// Refuses a SOAP POST without a `SOAPAction` header (see [`SoapFault::no_soap_action`]).
fn require_soap_action(headers: &HeaderMap) -> Result<(), SoapFault> {
    if headers.contains_key("soapaction") {
        Ok(())
    } else {
        Err(SoapFault::no_soap_action())
    }
}

fn respond(result: Result<(String, Option<(u64, u64)>), SoapFault>) -> Response {
    match result {
        Ok((body, limit)) => {
            envelope::xml_response(StatusCode::OK, envelope::response_envelope(&body, limit))
        }
        Err(f) => f.into_response(),
    }
}

fn run_partner(
    state: &RestState,
    version: &str,
    base_url: &str,
    body: &[u8],
) -> Result<(String, Option<(u64, u64)>), SoapFault> {
    let major = parse_version(version)?;
    let req = read_envelope(body, envelope::PARTNER_NS)?;
    if req.call.name == "login" {
        return Ok((login::login(&state.org, &req.call, major, base_url)?, None));
    }
    let session = session_of(state, req.header.as_ref(), envelope::PARTNER_NS)?;
    let limit = spend(state)?;
    // The `CallOptions/client` of the envelope names the client in the changes' origin.
    let client = call_options_client(req.header.as_ref(), envelope::PARTNER_NS);
    crate::org::origin::with_soap_client(client, || {
        partner_call(state, &req, &session, major).map(|out| (out, Some(limit)))
    })
}

/// The `CallOptions/client` text of a SOAP header (both elements in `service_ns`).
fn call_options_client<'a>(header: Option<&'a Element>, service_ns: &str) -> Option<&'a str> {
    header?
        .child_in(service_ns, "CallOptions")?
        .child_in(service_ns, "client")
        .map(|c| c.text.trim())
        .filter(|t| !t.is_empty())
}

/// One partner call other than `login`, by an authenticated session.
fn partner_call(
    state: &RestState,
    req: &SoapRequest,
    session: &Session,
    major: u32,
) -> Result<String, SoapFault> {
    let ctx = calls::CallContext {
        state,
        session,
        version: format!("{major}.0"),
        header: req.header.as_ref(),
    };
    match req.call.name.as_str() {
        "query" => calls::query(&ctx, &req.call, false),
        "queryAll" => calls::query(&ctx, &req.call, true),
        "queryMore" => calls::query_more(&ctx, &req.call),
        "create" => calls::create(&ctx, &req.call),
        "update" => calls::update(&ctx, &req.call),
        "upsert" => calls::upsert(&ctx, &req.call),
        "delete" => calls::delete(&ctx, &req.call),
        "undelete" => calls::undelete(&ctx, &req.call),
        "getUserInfo" => calls::get_user_info(&ctx),
        "logout" => {
            // The session in the header ends now; later calls with it are INVALID_SESSION_ID.
            let token = session_id(req.header.as_ref(), envelope::PARTNER_NS).unwrap_or_default();
            state.org.sessions.revoke(token);
            Ok("<logoutResponse/>".to_string())
        }
        other => Err(SoapFault::new(
            "INVALID_OPERATION",
            format!(
                "The call '{other}' is not part of sflab's SOAP API subset. Supported: login, logout, query, queryAll, queryMore, create, update, upsert, delete, undelete, getUserInfo."
            ),
        )),
    }
}

async fn partner(
    State(state): State<RestState>,
    reached: InstanceUrl,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(f) = require_soap_action(&headers) {
        return f.into_response();
    }
    let base = state.org.auth.base_url(&reached);
    respond(run_partner(&state, &version, &base, &body))
}

async fn partner_for_org(
    State(state): State<RestState>,
    reached: InstanceUrl,
    Path((version, _org)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(f) = require_soap_action(&headers) {
        return f.into_response();
    }
    let base = state.org.auth.base_url(&reached);
    respond(run_partner(&state, &version, &base, &body))
}

async fn custom_class(
    State(state): State<RestState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| {
        require_soap_action(&headers)?;
        let service_ns = custom::class_ns(&name);
        let req = read_envelope(&body, &service_ns)?;
        let session = session_of(&state, req.header.as_ref(), &service_ns)?;
        spend(&state)?;
        custom::invoke(&state, &session, &name, &req.call)
    })();
    match result {
        Ok(body) => envelope::xml_response(StatusCode::OK, body),
        Err(f) => f.into_response(),
    }
}

/// The session of a WSDL download: the `sid` cookie (as a browser, or `curl --cookie`, sends
/// it) or `Authorization: Bearer`.
fn wsdl_session(state: &RestState, headers: &HeaderMap) -> Option<Session> {
    let cookie = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == "sid" && !v.is_empty()).then_some(v)
        });
    let token = cookie.or_else(|| crate::org::rest::gateway::bearer_token(headers))?;
    let session = state
        .org
        .sessions
        .validate(token, state.org.clock.now())
        .ok()?;
    Some(Session::clone(&session))
}

/// A plain-text answer the gateway leaves as it is (not reshaped into a JSON error).
fn text_answer(status: StatusCode, text: String) -> Response {
    let mut r = (status, text).into_response();
    r.extensions_mut()
        .insert(crate::org::rest::gateway::OwnErrorBody);
    r
}

/// The 401 of a WSDL download without a valid session.
fn wsdl_needs_session() -> Response {
    // A real org sends a request without a valid session to its login page (302). sflab's org
    // has no login page to send it to, so it answers 401 and says what to send instead.
    text_answer(
        StatusCode::UNAUTHORIZED,
        "The WSDL needs a logged-in session: send the access token as the sid cookie \
         (curl --cookie \"sid=$SF_ACCESS_TOKEN\") or as Authorization: Bearer. A real org \
         redirects a request without one to its login page.\n"
            .to_string(),
    )
}

fn wsdl_answer(text: String) -> Response {
    let mut r = (StatusCode::OK, text).into_response();
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/xml;charset=UTF-8"),
    );
    r
}

async fn class_wsdl(
    State(state): State<RestState>,
    reached: InstanceUrl,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    if wsdl_session(&state, &headers).is_none() {
        return wsdl_needs_session();
    }
    let services = match custom::services(state.org.seed.other.get("soap_services")) {
        Ok(list) => list,
        Err(e) => return text_answer(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")),
    };
    let Some(service) = services
        .iter()
        .find(|s| s.class.eq_ignore_ascii_case(&name))
    else {
        let known: Vec<&str> = services.iter().map(|s| s.class.as_str()).collect();
        let offer = if known.is_empty() {
            "this org defines none".to_string()
        } else {
            format!("this org defines {}", known.join(", "))
        };
        return text_answer(
            StatusCode::NOT_FOUND,
            format!(
                "No Apex class named {name} is exposed as a web service in this org. sflab's org serves the WSDL of the webservice classes its seed defines under soap_services: ({offer}).\n"
            ),
        );
    };
    let base = state.org.auth.base_url(&reached);
    let location = format!("{base}/services/Soap/class/{}", service.class);
    let text = {
        let store = state.org.store.read();
        class_wsdl::class_wsdl(&store, service, &location, state.org.clock.now())
    };
    wsdl_answer(text)
}

async fn partner_wsdl(
    State(state): State<RestState>,
    reached: InstanceUrl,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    if wsdl_session(&state, &headers).is_none() {
        return wsdl_needs_session();
    }
    let wsdl_type = uri
        .query()
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("type="));
    if uri.path() == "/soap/wsdl.jsp" && !matches!(wsdl_type, Some("*" | "%2A" | "%2a")) {
        // A real org answers the enterprise WSDL here; sflab serves only the partner one.
        return text_answer(
            StatusCode::NOT_FOUND,
            format!(
                "sflab's org serves only the partner WSDL, at /soap/wsdl.jsp?type=* (this request asked for {}, which a real org answers with the enterprise WSDL when type is absent).\n",
                wsdl_type.map_or("no type".to_string(), |t| format!("type={t}"))
            ),
        );
    }
    let base = state.org.auth.base_url(&reached);
    // The newest version where `login()` still works, so WSDL-generated clients can log in.
    let version = login::LOGIN_RETIRED_FROM - 1;
    let location = format!("{base}/services/Soap/u/{version}.0");
    wsdl_answer(wsdl::partner_wsdl(&location))
}
