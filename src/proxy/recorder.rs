//! The shared, live record of a proxy's exchanges: redacted on the way in, readable at any time,
//! and streamed to subscribers (the TUI's traffic inspector) as each exchange completes.

use super::handshake::{HandshakeEnding, HandshakeFailure, HandshakeLog};
use crate::evidence::{Body, Exchange, FaultFired, RecordedRequest, RecordedResponse};
use crate::redact::Redactor;
use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::broadcast;

/// Bodies longer than this many times the cap are only redacted in their first part.
const FULL_REDACTION_FACTOR: usize = 4;

/// Characters of an undelivered answer's body quoted in the record's error.
const UNDELIVERED_QUOTED: usize = 600;

/// Most inflated bytes of a compressed answer counted for its recorded size.
const INFLATED_COUNT_LIMIT: u64 = 1 << 32;

fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// An exchange as the proxy saw it, before redaction. Never stored.
#[derive(Clone)]
pub(crate) struct RawExchange {
    pub seq: u64,
    pub run_index: usize,
    pub started_at: DateTime<Utc>,
    pub method: String,
    pub url: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: bytes::Bytes,
    pub response: Option<RawResponse>,
    pub fault: Option<FaultFired>,
    pub error: Option<String>,
    /// The sending process and its parents up to sflab's child (see `peer`).
    pub client_processes: Vec<u32>,
    /// `HTTP/1.1`, `HTTP/2.0`, `HTTP/1.0`: what the client spoke.
    pub http_version: String,
    /// The org's answer when it never reached the client (the client hung up while a fault
    /// held it back, or a fault cut the connection instead): the record has no response, and
    /// its error quotes this answer.
    pub undelivered: Option<RawResponse>,
}

#[derive(Clone)]
pub(crate) struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: bytes::Bytes,
}

/// A request that has arrived and is not answered yet (for a live "in flight" line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRequest {
    pub seq: u64,
    pub run_index: usize,
    pub started_at: DateTime<Utc>,
    pub method: String,
    /// Redacted.
    pub path: String,
}

struct Inner {
    exchanges: Mutex<Vec<Exchange>>,
    /// The TLS handshakes served, per learner run.
    handshakes: Mutex<HandshakeLog>,
    tx: broadcast::Sender<Exchange>,
    pending_tx: broadcast::Sender<PendingRequest>,
    next_seq: AtomicU64,
    run_index: AtomicUsize,
    redactor: Redactor,
    /// How many secrets the redactor had learnt when the record was last masked whole.
    masked_with: AtomicUsize,
    body_cap: usize,
}

/// Cheap to clone; clones share one record.
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("exchanges", &self.inner.exchanges.lock().len())
            .finish()
    }
}

impl Recorder {
    /// A recorder that redacts with `redactor` and keeps at most `body_cap` bytes of each body.
    pub fn new(redactor: Redactor, body_cap: usize) -> Recorder {
        let (tx, _) = broadcast::channel(1024);
        let (pending_tx, _) = broadcast::channel(1024);
        Recorder {
            inner: Arc::new(Inner {
                exchanges: Mutex::new(Vec::new()),
                handshakes: Mutex::new(HandshakeLog::default()),
                tx,
                pending_tx,
                next_seq: AtomicU64::new(1),
                run_index: AtomicUsize::new(0),
                redactor,
                masked_with: AtomicUsize::new(0),
                body_cap,
            }),
        }
    }

    /// Completed exchanges as they are recorded. A slow receiver may miss some
    /// (`RecvError::Lagged`); [`Recorder::exchanges`] always has them all.
    pub fn subscribe(&self) -> broadcast::Receiver<Exchange> {
        self.inner.tx.subscribe()
    }

    /// Requests as they arrive, before they are answered; each is followed later by its
    /// completed [`Exchange`] with the same `seq` on [`Recorder::subscribe`].
    pub fn subscribe_pending(&self) -> broadcast::Receiver<PendingRequest> {
        self.inner.pending_tx.subscribe()
    }

    pub(crate) fn announce(&self, seq: u64, started_at: DateTime<Utc>, method: &str, path: &str) {
        let _ = self.inner.pending_tx.send(PendingRequest {
            seq,
            run_index: self.run_index(),
            started_at,
            method: method.to_string(),
            path: self.inner.redactor.text(path),
        });
    }

    /// Connections that failed before any request as the proxy alone can judge them (see
    /// [`HandshakeLog::notes`]; it does not know when runs were stopped), as sentences for the
    /// learner.
    pub fn connection_errors(&self) -> Vec<String> {
        self.handshakes()
            .notes(|_| None)
            .into_iter()
            .map(|(_, m)| m)
            .collect()
    }

    /// The TLS handshakes served so far: how many completed in each run, and the failures.
    pub fn handshakes(&self) -> HandshakeLog {
        self.inner.handshakes.lock().clone()
    }

    pub(crate) fn handshake_failed(&self, run_index: usize, ending: HandshakeEnding) {
        self.inner.handshakes.lock().failed(HandshakeFailure {
            run_index,
            at: Utc::now(),
            ending,
        });
    }

    pub(crate) fn handshake_completed(&self, run_index: usize) {
        self.inner.handshakes.lock().completed(run_index);
    }

    /// Every exchange recorded so far, in `seq` order, masked with every secret learnt so far.
    pub fn exchanges(&self) -> Vec<Exchange> {
        let mut all = self.inner.exchanges.lock();
        self.mask_again_if_learnt(&mut all);
        all.clone()
    }

    /// Masks the whole record again when the redactor has learnt a secret since it last did
    /// (see [`crate::redact::Redactor::remask`]): a verifier sent in the authorize URL is
    /// learnt only from the token request after it.
    fn mask_again_if_learnt(&self, all: &mut [Exchange]) {
        let r = &self.inner.redactor;
        let learnt = r.learned_count();
        if self.inner.masked_with.swap(learnt, Ordering::SeqCst) == learnt {
            return;
        }
        for e in all.iter_mut() {
            masked_again(e, |text| r.remask(text), |b| r.remask_body(b));
        }
    }

    /// Exchanges from now on belong to learner run `index`.
    pub fn set_run_index(&self, index: usize) {
        self.inner.run_index.store(index, Ordering::SeqCst);
    }

    pub fn run_index(&self) -> usize {
        self.inner.run_index.load(Ordering::SeqCst)
    }

    pub fn redactor(&self) -> &Redactor {
        &self.inner.redactor
    }

    pub(crate) fn next_seq(&self) -> u64 {
        self.inner.next_seq.fetch_add(1, Ordering::SeqCst)
    }

    fn body(&self, content_type: Option<&str>, raw: &[u8]) -> Body {
        self.body_from(content_type, raw, raw.len())
    }

    /// How many bytes of a long body the record needs to read: the kept part and a margin.
    fn head_needed(&self) -> usize {
        let cap = self.inner.body_cap;
        cap.saturating_mul(FULL_REDACTION_FACTOR)
            .max(cap)
            .max(cap.saturating_add(4096))
            .saturating_add(1)
    }

    /// A response body as the record keeps it: its text, inflated when `Content-Encoding`
    /// says gzip or deflate (the client got the bytes as the org sent them).
    fn response_body(&self, headers: &[(String, String)], raw: &[u8]) -> Body {
        let ct = header_value(headers, "content-type");
        let coding = super::coding::Coding::of(header_value(headers, "content-encoding"));
        let inflated = coding.and_then(|c| {
            super::coding::Inflated::of(c, raw, self.head_needed(), INFLATED_COUNT_LIMIT)
        });
        match inflated {
            Some(i) => Body {
                encoded_size: Some(raw.len() as u64),
                ..self.body_from(ct, &i.head, i.size as usize)
            },
            None => self.body(ct, raw),
        }
    }

    /// A body of `size` bytes whose first bytes are `head` (all of it, or more than
    /// [`Recorder::head_needed`]).
    fn body_from(&self, content_type: Option<&str>, head: &[u8], size: usize) -> Body {
        let cap = self.inner.body_cap;
        let r = &self.inner.redactor;
        let limit = cap.saturating_mul(FULL_REDACTION_FACTOR).max(cap);
        let mut text = if size > limit {
            // Only the part that is kept matters; redact a margin beyond the cap as free text.
            let end = (cap + 4096).min(head.len());
            r.text(&String::from_utf8_lossy(&head[..end]))
        } else {
            r.body(content_type, head)
        };
        let truncated = text.len() > cap;
        if truncated {
            let mut cut = cap;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        let base64 = self.binary_copy(head, size);
        Body {
            text,
            size: size as u64,
            truncated,
            base64,
            encoded_size: None,
        }
    }

    /// The bytes of a whole body that is not UTF-8 text, base64-encoded for the HAR, when it
    /// fits the cap and nothing in it looks like a secret the redactor knows or recognises
    /// (binary cannot be redacted by key, so it is kept whole or not at all).
    fn binary_copy(&self, head: &[u8], size: usize) -> Option<String> {
        use base64::Engine;
        if head.len() != size || size > self.inner.body_cap || std::str::from_utf8(head).is_ok() {
            return None;
        }
        let lossy = String::from_utf8_lossy(head);
        (self.inner.redactor.text(&lossy) == lossy)
            .then(|| base64::engine::general_purpose::STANDARD.encode(head))
    }

    /// The org's answer that never reached the client, as a sentence: its status and its
    /// (redacted) body, cut after [`UNDELIVERED_QUOTED`] characters.
    fn undelivered_answer(&self, status: u16, headers: &[(String, String)], raw: &[u8]) -> String {
        let body = self.response_body(headers, raw);
        let mut text: String = body.text.chars().take(UNDELIVERED_QUOTED).collect();
        if text.len() < body.text.len() || body.truncated {
            text.push('…');
        }
        if text.trim().is_empty() {
            format!("The org's answer, which the client never got: {status} with no body")
        } else {
            format!("The org's answer, which the client never got: {status} {text}")
        }
    }

    /// Redacts and stores one exchange, then tells subscribers.
    pub(crate) fn record(&self, raw: RawExchange) -> Exchange {
        let r = &self.inner.redactor;
        let req_ct = header_value(&raw.headers, "content-type");
        let request = RecordedRequest {
            method: raw.method,
            url: r.text(&r.url(&raw.url)),
            path: r.text(&raw.path),
            query: raw.query.map(|q| r.query(&q)),
            headers: r.headers(raw.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
            body: self.body(req_ct, &raw.body),
            http_version: Some(raw.http_version),
        };
        let response = raw.response.map(|resp| RecordedResponse {
            status: resp.status,
            headers: r.headers(resp.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
            body: self.response_body(&resp.headers, &resp.body),
        });
        let mut error = raw.error.map(|e| r.text(&e));
        if let Some(answer) = raw.undelivered {
            let quoted = self.undelivered_answer(answer.status, &answer.headers, &answer.body);
            error = Some(match error {
                Some(e) => format!("{e}. {quoted}"),
                None => quoted,
            });
        }
        let exchange = Exchange {
            seq: raw.seq,
            run_index: raw.run_index,
            started_at: raw.started_at,
            finished_at: Utc::now(),
            request,
            response,
            fault: raw.fault,
            error,
            client_processes: raw.client_processes,
        };
        let mut exchange = exchange;
        // A quiet value (a `state`) that is a secret learnt before names it as one.
        masked_again(
            &mut exchange,
            |text| r.requalified(text),
            |b| b.text = r.requalified(&b.text),
        );
        let exchange = {
            let mut all = self.inner.exchanges.lock();
            let at = all.partition_point(|e| e.seq < exchange.seq);
            all.insert(at, exchange);
            self.mask_again_if_learnt(&mut all);
            all[at].clone()
        };
        let _ = self.inner.tx.send(exchange.clone());
        exchange
    }
}

/// `e` with `mask` applied to every text it records (URL, path, query, header values and
/// error) and `mask_body` to its bodies (which may look inside their base64, as
/// [`Redactor::remask_body`] does).
fn masked_again(e: &mut Exchange, mask: impl Fn(&str) -> String, mask_body: impl Fn(&mut Body)) {
    let req = &mut e.request;
    req.url = mask(&req.url);
    req.path = mask(&req.path);
    req.query = req.query.as_deref().map(&mask);
    let bodies = std::iter::once(&mut req.body);
    let mut headers: Vec<&mut crate::evidence::Header> = req.headers.iter_mut().collect();
    let mut bodies: Vec<&mut Body> = bodies.collect();
    if let Some(resp) = e.response.as_mut() {
        headers.extend(resp.headers.iter_mut());
        bodies.push(&mut resp.body);
    }
    for h in headers {
        h.value = mask(&h.value);
    }
    for b in bodies {
        mask_body(b);
    }
    e.error = e.error.as_deref().map(&mask);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(seq: u64, method: &str, path: &str, query: Option<&str>, body: &str) -> RawExchange {
        let url = match query {
            Some(q) => format!("https://127.0.0.1:9{path}?{q}"),
            None => format!("https://127.0.0.1:9{path}"),
        };
        RawExchange {
            seq,
            run_index: 0,
            started_at: Utc::now(),
            method: method.into(),
            url,
            path: path.into(),
            query: query.map(str::to_string),
            headers: vec![(
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            )],
            body: bytes::Bytes::from(body.to_string()),
            response: Some(RawResponse {
                status: 200,
                headers: Vec::new(),
                body: bytes::Bytes::new(),
            }),
            fault: None,
            error: None,
            client_processes: Vec::new(),
            http_version: "HTTP/1.1".into(),
            undelivered: None,
        }
    }

    #[test]
    fn a_verifier_in_an_earlier_url_is_masked_once_the_token_request_teaches_it() {
        let redactor = Redactor::new(b"k");
        let recorder = Recorder::new(redactor.clone(), 64 * 1024);
        let verifier = "2ahwgBogj4q8uqfQR0dtLuuF766ahTasNaH2_IqbQ3LvdnqSjeEobjhLya5BW6yf";
        let authorize = format!("response_type=code&client_id=abc&verifier={verifier}");
        recorder.record(raw(
            1,
            "GET",
            "/services/oauth2/authorize",
            Some(&authorize),
            "",
        ));
        let carried = format!("response_type=code&client_id=abc&state={verifier}");
        recorder.record(raw(
            2,
            "GET",
            "/services/oauth2/authorize",
            Some(&carried),
            "",
        ));
        assert!(recorder.exchanges()[0].request.url.contains(verifier));
        let token =
            format!("grant_type=authorization_code&code=aPrx1234abcd&code_verifier={verifier}");
        recorder.record(raw(3, "POST", "/services/oauth2/token", None, &token));
        let marker = redactor.marker("code_verifier", verifier);
        let all = recorder.exchanges();
        for e in &all[..2] {
            let query = e.request.query.as_deref().unwrap_or_default();
            assert!(!query.contains(verifier), "{query}");
            assert!(query.contains(&marker), "{query}");
            assert!(e.request.url.contains(&marker), "{}", e.request.url);
        }
        // Recorded after the verifier was learnt, a `state` carrying it is named as it too.
        recorder.record(raw(
            4,
            "GET",
            "/services/oauth2/authorize",
            Some(&carried),
            "",
        ));
        let query = recorder.exchanges()[3]
            .request
            .query
            .clone()
            .unwrap_or_default();
        assert!(query.contains(&format!("state={marker}")), "{query}");
    }

    /// Exchange `seq`: a POST of `body` (bytes) as `content_type`.
    fn raw_body(seq: u64, content_type: &str, body: Vec<u8>) -> RawExchange {
        let mut e = raw(seq, "POST", "/services/apexrest/notes", None, "");
        e.headers = vec![("Content-Type".into(), content_type.into())];
        e.body = bytes::Bytes::from(body);
        e
    }

    fn b64(bytes: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    fn unb64(text: &str) -> Vec<u8> {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap_or_else(|e| panic!("not base64 ({e}): {text}"))
    }

    #[test]
    fn a_secret_learnt_later_is_masked_inside_base64_bodies_recorded_before() {
        let redactor = Redactor::new(b"k");
        let recorder = Recorder::new(redactor.clone(), 64 * 1024);
        let verifier = "2ahwgBogj4q8uqfQR0dtLuuF766ahTasNaH2_IqbQ3LvdnqSjeEobjhLya5BW6yf";
        // A text body that is the base64 of a JSON document holding the verifier.
        let json = format!(r#"{{"note":"carried","verifier":"{verifier}"}}"#);
        recorder.record(raw_body(1, "text/plain", b64(json.as_bytes()).into_bytes()));
        // A body that is not UTF-8 (Latin-1 é), kept as a base64 copy of its bytes.
        let mut latin1 = br#"{"Name":"Caf"#.to_vec();
        latin1.push(0xE9);
        latin1.extend_from_slice(format!(r#"","Description":"{verifier}"}}"#).as_bytes());
        recorder.record(raw_body(2, "application/json", latin1.clone()));
        let before = recorder.exchanges();
        assert_eq!(
            before[1].request.body.base64.as_deref(),
            Some(b64(&latin1).as_str())
        );
        let token =
            format!("grant_type=authorization_code&code=aPrx1234abcd&code_verifier={verifier}");
        recorder.record(raw(3, "POST", "/services/oauth2/token", None, &token));
        let marker = redactor.marker("code_verifier", verifier);
        let all = recorder.exchanges();
        let text = &all[0].request.body.text;
        let decoded = String::from_utf8(unb64(text)).unwrap();
        assert!(!decoded.contains(verifier), "{decoded}");
        assert_eq!(
            decoded,
            format!(r#"{{"note":"carried","verifier":"{marker}"}}"#)
        );
        let copy = all[1].request.body.base64.as_deref().expect("still a copy");
        let bytes = unb64(copy);
        let shown = String::from_utf8_lossy(&bytes);
        assert!(!shown.contains(verifier), "{shown}");
        assert!(shown.contains(&marker), "{shown}");
        assert!(bytes.contains(&0xE9), "the bytes that are no UTF-8 stay");
        assert!(std::str::from_utf8(&bytes).is_err());
    }
}
