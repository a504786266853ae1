//! One request through the proxy: read it, apply the fault plan, forward it, point the org's
//! address at the proxy where it is protocol (see [`super::origin_rewrite`]), record the
//! redacted exchange, answer the client. A fault that strikes the org's answer (`at: answer`)
//! hands the call to [`super::held`], which finishes it even when the client hangs up.

use super::fault::{FaultAction, FaultAt, FaultPlan, Rewrite};
use super::recorder::{RawExchange, RawResponse, Recorder};
use super::{ProxyConfig, ProxyError, SessionExpirer};
use crate::evidence::FaultFired;
use crate::matcher::RequestView;
use bytes::Bytes;
use chrono::Utc;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use parking_lot::Mutex;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// Headers that belong to one connection, not to the message.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
];

/// State shared by every connection of one proxy.
pub(crate) struct Shared {
    client: reqwest::Client,
    upstream: String,
    plan: Mutex<FaultPlan>,
    first_request: OnceLock<Instant>,
    /// When each learner run's first request arrived: the clock of `after` with `in_run`.
    run_first_request: Mutex<std::collections::BTreeMap<usize, Instant>>,
    recorder: Recorder,
    expire: Option<SessionExpirer>,
    sign_id_token: Option<super::IdTokenSigner>,
    /// Where answers carry the org's address as protocol, it becomes the proxy's.
    rewrites: super::origin_rewrite::OriginRewrite,
    max_body: usize,
    scheme: &'static str,
    /// `127.0.0.1:PORT`: the address of a request that names none.
    own_authority: String,
    call_cap: Option<u64>,
    forwarded: std::sync::atomic::AtomicU64,
    /// The first `id_token` a redirect carried, for the `replay_id_token` fault.
    first_id_token: Mutex<Option<String>>,
    /// Device codes a fault ended, answered the same on every later poll.
    ended_devices: super::device_end::EndedDeviceLogins<Answer>,
}

/// Returned to hyper to close the connection without a response.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DropConnection {}

impl Shared {
    pub(crate) fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    pub(crate) fn new(
        config: &ProxyConfig,
        base_url: &str,
        recorder: Recorder,
    ) -> Result<Shared, ProxyError> {
        let builder = reqwest::Client::builder()
            .use_rustls_tls()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.upstream_timeout);
        // The same proxies and roots as sflab's own calls to a real org (never a proxy for the
        // mock org on loopback); a setting that cannot be used is left out (sflab's own calls
        // report it).
        let (mut builder, _) = crate::sandbox::net::with_environment(builder);
        if let Some(pem) = &config.upstream_root_ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ProxyError::BadCa(e.to_string()))?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder
            .build()
            .map_err(|e| ProxyError::Client(e.to_string()))?;
        let upstream_origin = config.upstream.origin().ascii_serialization();
        let mut rewrites = vec![(upstream_origin.clone(), base_url.to_string())];
        if let Some(host) = config.upstream.host_str() {
            if host == "127.0.0.1" || host == "localhost" {
                let other = if host == "localhost" {
                    "127.0.0.1"
                } else {
                    "localhost"
                };
                rewrites.push((
                    upstream_origin.replacen(host, other, 1),
                    base_url.to_string(),
                ));
            }
        }
        for origin in &config.rewrite_origins {
            rewrites.push((
                origin.trim_end_matches('/').to_string(),
                base_url.to_string(),
            ));
        }
        Ok(Shared {
            client,
            upstream: config.upstream.as_str().trim_end_matches('/').to_string(),
            plan: Mutex::new(FaultPlan::new(
                config.faults.clone(),
                config.expire_session.is_some(),
            )?),
            first_request: OnceLock::new(),
            run_first_request: Mutex::new(Default::default()),
            recorder,
            expire: config.expire_session.clone(),
            sign_id_token: config.sign_id_token.clone(),
            rewrites: super::origin_rewrite::OriginRewrite::new(rewrites),
            max_body: config.max_body,
            own_authority: base_url
                .split_once("://")
                .map_or(base_url, |(_, a)| a)
                .to_string(),
            call_cap: config.call_cap,
            forwarded: std::sync::atomic::AtomicU64::new(0),
            first_id_token: Mutex::new(None),
            ended_devices: Default::default(),
            scheme: if config.tls.is_some() {
                "https"
            } else {
                "http"
            },
        })
    }
}

fn header_pairs(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn plain_answer(status: u16, text: String) -> Answer {
    let plain = vec![("Content-Type".to_string(), "text/plain".to_string())];
    (status, plain, Bytes::from(text))
}

fn respond(status: u16, headers: &[(String, String)], body: Bytes) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(status);
    for (n, v) in headers {
        builder = builder.header(n.as_str(), v.as_str());
    }
    builder
        .body(Full::new(body.clone()))
        .unwrap_or_else(|_| Response::new(Full::new(body)))
}

/// Records the exchange with `answer` as its response, and answers the client with it.
pub(super) fn finish(
    shared: &Shared,
    mut raw: RawExchange,
    answer: Answer,
) -> Response<Full<Bytes>> {
    let (status, headers, body) = answer;
    let response = respond(status, &headers, body.clone());
    raw.response = Some(RawResponse {
        status,
        headers,
        body,
    });
    shared.recorder.record(raw);
    response
}

/// Records a request held back before the org (`at: request`) whose client hung up (a
/// client-side timeout, or the program was stopped) before the delay ended: the server drops
/// the handler then, so the request is never forwarded, and without this it would be missing
/// from the transcript.
struct HangUp {
    shared: Arc<Shared>,
    raw: Option<RawExchange>,
}

impl HangUp {
    fn arm(shared: &Arc<Shared>, raw: &RawExchange) -> HangUp {
        HangUp {
            shared: Arc::clone(shared),
            raw: Some(raw.clone()),
        }
    }

    fn disarm(mut self) {
        self.raw = None;
    }
}

impl Drop for HangUp {
    fn drop(&mut self) {
        if let Some(mut raw) = self.raw.take() {
            raw.error = Some(
                "the client closed the connection during the injected delay, before the request was forwarded: it timed out, or it was stopped"
                    .into(),
            );
            self.shared.recorder.record(raw);
        }
    }
}

fn json_answer(status: u16, value: serde_json::Value) -> Answer {
    (
        status,
        vec![(
            "Content-Type".to_string(),
            "application/json;charset=UTF-8".to_string(),
        )],
        Bytes::from(value.to_string()),
    )
}

pub(crate) async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
    processes: Arc<[u32]>,
) -> Result<Response<Full<Bytes>>, DropConnection> {
    let started_at = Utc::now();
    let first = *shared.first_request.get_or_init(Instant::now);
    let seq = shared.recorder.next_seq();
    let (parts, incoming) = req.into_parts();
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().map(str::to_string);
    shared.recorder.announce(seq, started_at, &method, &path);
    let hosts: Vec<&[u8]> = parts
        .headers
        .get_all(http::header::HOST)
        .iter()
        .map(|v| v.as_bytes())
        .collect();
    let uri_authority = parts.uri.authority().map(|a| a.as_str());
    let addressed = super::host::addressed(uri_authority, &hosts, &shared.own_authority);
    let authority = match &addressed {
        super::host::Addressed::Here(a) | super::host::Addressed::Elsewhere(a) => a.clone(),
        super::host::Addressed::Invalid(_) => shared.own_authority.clone(),
    };
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    let mut raw = RawExchange {
        seq,
        run_index: shared.recorder.run_index(),
        started_at,
        method: method.clone(),
        url: format!("{}://{authority}{path_and_query}", shared.scheme),
        path: path.clone(),
        query: query.clone(),
        headers: header_pairs(&parts.headers),
        body: Bytes::new(),
        response: None,
        fault: None,
        error: None,
        client_processes: processes.to_vec(),
        http_version: format!("{:?}", parts.version),
        undelivered: None,
    };

    match addressed {
        super::host::Addressed::Here(_) => {}
        super::host::Addressed::Elsewhere(_) => {
            let text = format!(
                "This sflab proxy only answers requests addressed to 127.0.0.1 or localhost, not {authority}.\n"
            );
            return Ok(finish(&shared, raw, plain_answer(421, text)));
        }
        super::host::Addressed::Invalid(why) => {
            let text = format!(
                "This request was refused before the org: {why}. The Host header names the address called, e.g. Host: {}.\n",
                shared.own_authority
            );
            raw.error = Some(format!("refused: {why}"));
            return Ok(finish(&shared, raw, plain_answer(400, text)));
        }
    }

    let declared =
        header_text(&parts.headers, "content-length").and_then(|n| n.trim().parse().ok());
    let body = match super::request_body::read(incoming, shared.max_body, declared).await {
        Ok(body) => body,
        Err(cut) => {
            if let Some(stopped) = cut.describe() {
                // Nobody is left to answer: recorded with no response, as a dropped call is.
                raw.error = Some(stopped);
                shared.recorder.record(raw);
                return Err(DropConnection);
            }
            let message = format!(
                "The request body is larger than the {} bytes the sflab proxy accepts.",
                shared.max_body
            );
            raw.error = Some(message.clone());
            let answer = json_answer(
                413,
                serde_json::json!([{ "message": message, "errorCode": "REQUEST_TOO_LARGE" }]),
            );
            return Ok(finish(&shared, raw, answer));
        }
    };
    // The record (and fault matching) sees a compressed body as its text; the org gets the
    // bytes as sent.
    raw.body = super::coding::inflated(
        header_text(&parts.headers, "content-encoding").as_deref(),
        &body,
        shared.max_body,
    );

    if let Some(ending) = shared.ended_devices.answer_for(&path, &raw.body) {
        raw.fault = Some(ending.fault);
        return Ok(finish(&shared, raw, ending.answer));
    }

    let run_first = *shared
        .run_first_request
        .lock()
        .entry(raw.run_index)
        .or_insert_with(Instant::now);
    let action = {
        let lookup = |name: &str| header_text(&parts.headers, name);
        let body_text = String::from_utf8_lossy(&raw.body);
        let view = RequestView {
            method: &method,
            path: &path,
            query: query.as_deref(),
            header: &lookup,
            body: &body_text,
        };
        shared
            .plan
            .lock()
            .decide_in_run(&view, first.elapsed(), run_first.elapsed(), raw.run_index)
    };

    if let Some(action) = &action {
        raw.fault = Some(FaultFired {
            index: action.index,
            kind: action.kind.clone(),
            action: action.describe(),
        });
        let before_org = action.at == FaultAt::Request;
        if let Some(d) = action.delay.filter(|_| before_org) {
            let hang_up = HangUp::arm(&shared, &raw);
            tokio::time::sleep(d).await;
            hang_up.disarm();
        }
        if action.expire_session && !expire(&shared, &parts.headers, &raw.body) {
            if let Some(fired) = &mut raw.fault {
                fired.action = fired.action.replace(
                    "expired the session",
                    "found no session in the request to expire (no bearer token, X-SFDC-Session, SOAP SessionHeader or sid cookie)",
                );
            }
        }
        if action.drop_connection && before_org {
            raw.error =
                Some("the proxy closed the connection without answering (injected fault)".into());
            shared.recorder.record(raw);
            return Err(DropConnection);
        }
        if let Some(answer) = injected_response(action, &method, &path) {
            if let Some(fired) = &raw.fault {
                let ended = &shared.ended_devices;
                ended.note_fault(&path, &raw.body, &answer, &answer.2, fired, seq);
            }
            return Ok(finish(&shared, raw, answer));
        }
    }

    if let Some(answer) = over_cap(&shared, &mut raw) {
        return Ok(finish(&shared, raw, answer));
    }
    let call = OrgCall {
        method: parts.method,
        path_and_query,
        headers: parts.headers,
        body,
        fault: action.clone(),
    };
    if let Some(hold) = action.as_ref().and_then(super::held::Hold::of) {
        return super::held::answer_late(shared, raw, call, hold).await;
    }
    // The org may take a while to answer (a long poll): a client that hangs up
    // meanwhile drops this handler, and the exchange is recorded as abandoned.
    let abandoned = super::abandoned::Abandoned::arm(&shared, &raw);
    let answer = call.answer(&shared, &mut raw).await;
    abandoned.disarm();
    Ok(finish(&shared, raw, answer))
}

/// A request on its way to the org, with the fault that struck it (which may change the org's
/// redirect).
pub(super) struct OrgCall {
    method: http::Method,
    path_and_query: String,
    headers: http::HeaderMap,
    body: Bytes,
    fault: Option<FaultAction>,
}

impl OrgCall {
    /// Sends the request to the org and returns its answer as the client is to get it (URLs
    /// rewritten, the fault's change made); a failure to reach the org goes in `raw.error`.
    pub(super) async fn answer(self, shared: &Shared, raw: &mut RawExchange) -> Answer {
        let (answer, error) = forward(
            shared,
            &self.method,
            &self.path_and_query,
            &self.headers,
            self.body,
        )
        .await;
        raw.error = error;
        let answer = with_staged_fault_marked(answer, raw);
        let earlier = shared.first_id_token.lock().clone();
        remember_id_token(shared, &answer);
        let rewrite = self.fault.as_ref().and_then(|a| a.rewrite);
        let before = location_of(&answer).map(str::to_string);
        let answer = rewritten(shared, answer, rewrite, earlier);
        if let Some(action) = self.fault.as_ref().filter(|a| a.rewrite.is_some()) {
            if location_of(&answer) == before.as_deref() {
                redirect_fault_not_applied(shared, raw, action);
            }
        }
        answer
    }
}

/// A fault that changes the org's redirect found nothing to change (the answer is no sign-in
/// redirect, or has no `state` or `id_token`): the record says only what else the fault did —
/// or carries no fault — and the firing does not count against the fault's `times`.
fn redirect_fault_not_applied(shared: &Shared, raw: &mut RawExchange, action: &FaultAction) {
    let rest = FaultAction {
        rewrite: None,
        ..action.clone()
    };
    if rest.delay.is_some() || rest.expire_session || rest.drop_connection {
        if let Some(fired) = &mut raw.fault {
            fired.action = rest.describe();
        }
    } else {
        raw.fault = None;
        shared.plan.lock().not_applied(action.index);
    }
}

fn location_of((_, headers, _): &Answer) -> Option<&str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.as_str())
}

/// The org's answer with the change `rewrite` makes to its redirect; `earlier` is the first
/// `id_token` a redirect carried before this one.
fn rewritten(
    shared: &Shared,
    answer: Answer,
    rewrite: Option<Rewrite>,
    earlier: Option<String>,
) -> Answer {
    match rewrite {
        Some(Rewrite::ForgeState) => with_forged_state(answer),
        Some(Rewrite::StripState) => with_location(answer, super::fault::strip_state),
        Some(Rewrite::TamperIdToken) => with_location(answer, super::fault::tamper_id_token),
        Some(Rewrite::ReplayIdToken) => match earlier {
            Some(old) => with_location(answer, |l| super::fault::replace_id_token(l, &old)),
            None => answer,
        },
        Some(Rewrite::Misclaim(what)) => match &shared.sign_id_token {
            Some(sign) => {
                let now = chrono::Utc::now().timestamp();
                with_location(answer, |l| {
                    super::fault::misclaim_id_token(l, what, now, sign.as_ref())
                })
            }
            None => answer,
        },
        None => answer,
    }
}

/// The answer without the header a built-in service's planted failure carries (see
/// `org::external::faults::STAGED_HEADER`), the exchange marked with what it says.
fn with_staged_fault_marked((status, mut headers, body): Answer, raw: &mut RawExchange) -> Answer {
    let staged = crate::org::external::faults::STAGED_HEADER;
    if let Some(at) = headers
        .iter()
        .position(|(n, _)| n.eq_ignore_ascii_case(staged))
    {
        let (_, said) = headers.remove(at);
        if raw.fault.is_none() {
            raw.fault = Some(FaultFired {
                index: 0,
                kind: "staged_outage".into(),
                action: said,
            });
        }
    }
    (status, headers, body)
}

/// The answer with another `state` in its `Location`: a random one the client never sent.
fn with_forged_state(answer: Answer) -> Answer {
    let forged = format!("{:016x}", rand::random::<u64>());
    with_location(answer, |l| super::fault::forge_state(l, &forged))
}

/// Keeps the first `id_token` a redirect carried (before any fault changes it).
fn remember_id_token(shared: &Shared, (_, headers, _): &Answer) {
    let mut first = shared.first_id_token.lock();
    if first.is_some() {
        return;
    }
    *first = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("location"))
        .find_map(|(_, v)| super::fault::id_token_of(v).map(str::to_string));
}

/// The answer with its `Location` changed by `change`.
fn with_location((status, mut headers, body): Answer, change: impl Fn(&str) -> String) -> Answer {
    for (name, value) in &mut headers {
        if name.eq_ignore_ascii_case("location") {
            *value = change(value);
        }
    }
    (status, headers, body)
}

/// The proxy's own answer to a request past the call cap (and the mark on its record).
fn over_cap(shared: &Shared, raw: &mut RawExchange) -> Option<Answer> {
    let cap = shared.call_cap?;
    let n = shared
        .forwarded
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if n < cap {
        return None;
    }
    let message = format!(
        "sflab stopped this call before it reached the org: a lab run may make at most {cap} calls on this backend, to spare the org's daily API allocation. Look for a loop that calls the API more often than the lab needs."
    );
    raw.fault = Some(FaultFired {
        index: 0,
        kind: "call_cap".into(),
        action: format!(
            "answered 429 itself: call {} is over the cap of {cap}",
            n + 1
        ),
    });
    Some(json_answer(
        429,
        serde_json::json!([{ "message": message, "errorCode": "SFLAB_CALL_CAP" }]),
    ))
}

fn header_text(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(String::from)
}

/// Expires every session the request names, through the runner's callback: its bearer token
/// (`Authorization: Bearer` or `OAuth`), `X-SFDC-Session`, the SOAP `SessionHeader`'s
/// `sessionId`, and the `sid` cookie — the places the org reads a session from.
/// False when the request names no session, so nothing was expired.
fn expire(shared: &Shared, headers: &http::HeaderMap, body: &[u8]) -> bool {
    let Some(expire) = &shared.expire else {
        return true;
    };
    let sessions = super::session_ids::named_sessions(headers, body);
    for token in &sessions {
        expire(token);
    }
    !sessions.is_empty()
}

/// Status, headers and body of a response.
pub(super) type Answer = (u16, Vec<(String, String)>, Bytes);

/// The proxy's own answer for a fault that answers instead of the org. It carries no body
/// where HTTP allows none (an answer to HEAD, 1xx, 204, 304: a body there breaks HTTP/2), and
/// a `respond` without `body` gets the Salesforce error body for its status only when that is
/// an error (4xx, 5xx); a redirect or a success without `body` has none.
fn injected_response(action: &FaultAction, method: &str, path: &str) -> Option<Answer> {
    let r = action.respond.as_ref()?;
    let bodiless = method.eq_ignore_ascii_case("HEAD") || super::bodies::allows_no_body(r.status);
    let body = match &r.body {
        _ if bodiless => None,
        Some(given) => Some(given.clone()),
        None if r.status >= 400 => Some(super::default_body(r.status, path)),
        None => None,
    };
    let (text, ct) = match body {
        None => (String::new(), None),
        Some(serde_json::Value::String(s)) => {
            let ct = super::bodies::text_content_type(&s);
            (s, Some(ct))
        }
        Some(other) => (other.to_string(), Some("application/json;charset=UTF-8")),
    };
    let mut headers: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let has = |headers: &[(String, String)], name: &str| {
        headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
    };
    if let Some(ct) = ct.filter(|_| !has(&headers, "content-type")) {
        headers.push(("Content-Type".to_string(), ct.to_string()));
    }
    // An origin server with a clock sends Date (RFC 9110 §6.6.1); the org's own answers do.
    if !has(&headers, "date") {
        let now = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT");
        headers.push(("Date".to_string(), now.to_string()));
    }
    Some((r.status, headers, Bytes::from(text)))
}

async fn forward(
    shared: &Shared,
    method: &http::Method,
    path_and_query: &str,
    headers: &http::HeaderMap,
    body: Bytes,
) -> (Answer, Option<String>) {
    let url = format!("{}{}", shared.upstream, path_and_query);
    let mut out = http::HeaderMap::new();
    for (name, value) in headers {
        let n = name.as_str();
        if HOP_BY_HOP.contains(&n) || n == "host" {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    let sent = shared
        .client
        .request(method.clone(), &url)
        .headers(out)
        .body(body)
        .send()
        .await;
    let resp = match sent {
        Ok(r) => r,
        Err(e) => {
            // Without the URL: its query may hold a secret.
            let e = e.without_url();
            let status = if e.is_timeout() { 504 } else { 502 };
            let answer = match super::default_body(status, path_and_query) {
                serde_json::Value::String(xml) => {
                    let ct = super::bodies::text_content_type(&xml).to_string();
                    let headers = vec![("Content-Type".to_string(), ct)];
                    (status, headers, Bytes::from(xml))
                }
                json => json_answer(status, json),
            };
            return (answer, Some(format!("the org could not be reached: {e}")));
        }
    };
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let mut hdrs = Vec::new();
    for (name, value) in resp.headers() {
        // A HEAD answer's Content-Length is the size the GET would have: the answer to the
        // client has no body to work it out from again, so it is passed on as it came.
        let keep = name == http::header::CONTENT_LENGTH && *method == http::Method::HEAD;
        if HOP_BY_HOP.contains(&name.as_str()) && !keep {
            continue;
        }
        let mut v = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if super::origin_rewrite::OriginRewrite::is_address_header(name.as_str()) {
            v = shared.rewrites.text(&v);
        }
        hdrs.push((name.as_str().to_string(), v));
    }
    let body = match resp.bytes().await {
        Ok(b) => b,
        Err(e) => {
            let e = e.without_url();
            let cut = Some(format!("the org's answer was cut off: {e}"));
            return ((status, hdrs, Bytes::new()), cut);
        }
    };
    let content_encoding = hdrs
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-encoding"))
        .map(|(_, v)| v.clone());
    let path = path_and_query.split('?').next().unwrap_or(path_and_query);
    let body = shared.rewrites.body(
        path,
        content_type.as_deref(),
        content_encoding.as_deref(),
        body,
        shared.max_body,
    );
    ((status, hdrs, body), None)
}

#[cfg(test)]
mod staged_tests {
    use super::*;

    #[test]
    fn a_staged_outage_is_marked_on_the_record_and_its_header_kept_from_the_client() {
        let mut raw = RawExchange {
            seq: 1,
            run_index: 0,
            started_at: chrono::Utc::now(),
            method: "POST".into(),
            url: "http://127.0.0.1/ext/erp/orders".into(),
            path: "/ext/erp/orders".into(),
            query: None,
            headers: vec![],
            body: Bytes::new(),
            response: None,
            fault: None,
            error: None,
            client_processes: Vec::new(),
            http_version: "HTTP/1.1".into(),
            undelivered: None,
        };
        let said =
            "the lab's planned outage: answered 503 for every call during the planned outage";
        let answer = (
            503,
            vec![
                ("content-type".to_string(), "application/json".to_string()),
                ("X-Sflab-Staged-Fault".to_string(), said.to_string()),
            ],
            Bytes::new(),
        );
        let (_, headers, _) = with_staged_fault_marked(answer, &mut raw);
        assert_eq!(headers.len(), 1, "{headers:?}");
        let fault = raw.fault.expect("marked");
        assert_eq!(
            (fault.kind.as_str(), fault.action.as_str()),
            ("staged_outage", said)
        );
    }
}
