//! Fault injection: `faults:` entries of lab.yaml ([`FaultSpec`]) and the deterministic plan
//! that decides, request by request, which fault fires ([`FaultPlan`]).
//!
//! A fault matches requests by a [`RequestPattern`] and fires on the `nth` matching request,
//! on `every_nth`, on every match `after` some time since the proxy's first request (since the
//! first request of its run, with `in_run`), or with a seeded `probability` (or on every match
//! when none is given), at most `times` times. It
//! answers with a status, a Salesforce-shaped body and headers, delays, drops the connection,
//! or expires the caller's session. Ready-made `kind`s fill in the usual shapes. `in_run`
//! limits a fault to one learner run (its matches are counted in that run only).
//!
//! Where a delay or a dropped connection strikes a request that goes on to the org is its
//! `at` ([`FaultAt`]), as on a real network:
//! - `at: answer` — the default for a delay (`latency`, `delay_ms`): the request reaches the
//!   org at once and the org does the work; its answer is held back. A client that gives up
//!   (a timeout) or is stopped before the answer arrives never hears it, but the work stands,
//!   so a retry of a plain create makes a second record — the lost response of the
//!   resilience lesson. With a drop, the connection is cut instead of the answer delivered.
//!   The transcript keeps the org's answer and says the client never got it.
//! - `at: request` — the default for a drop (`drop`, `drop_connection`): the request is lost
//!   on its way, the org never sees it, and a retry is safe. With a delay, the request is held
//!   back before it reaches the org; a client stopped meanwhile loses it (the labs that stop a
//!   consumer mid-write use this).
//!
//! A fault that answers the request itself (`respond`, `rate_limited`, ...) never reaches the
//! org, so `at` does not apply to it; its delay comes before the proxy's answer.
//!
//! Two kinds change an answer instead of replacing it, as a forged callback would arrive:
//! `forge_state` forwards the request and puts a `state` the client never sent into the
//! redirect's `Location` (see [`forge_state`]) — a client that compares the state stops there;
//! `strip_state` forwards it and takes the `state` out of the redirect (see [`strip_state`]) —
//! a client that compares the state only when one comes back lets that callback through;
//! `tamper_id_token` changes a claim of the `id_token` in it, so its signature no longer holds
//! (see [`tamper_id_token`]) — a client that verifies the signature rejects it;
//! `replay_id_token` puts in the `id_token` of an earlier sign-in, validly signed but with that
//! sign-in's `nonce` — a client that compares the nonce rejects it;
//! `id_token_wrong_aud`, `id_token_wrong_iss` and `id_token_expired` put in the sign-in's own
//! `id_token` with one claim changed — another app's audience, another issuer, an `exp` in the
//! past — and signed again with the org's key (see [`misclaim_id_token`]), so signature and
//! nonce hold and only a client that checks `aud`, `iss` and `exp` rejects it;
//! `id_token_without_nonce` signs it again with no `nonce` claim at all, so only a client that
//! requires the nonce it sent, rather than comparing one when present, rejects it.
//!
//! Fields that would contradict the fault or do nothing are refused when the lab loads: a
//! `respond` with another status than the kind's own (`unavailable` answering 200), a
//! `respond` on a kind that changes the org's answer, `retry_after` where no 429 or 503 carries
//! it, and a `match.method` that is no HTTP method.
//!
//! Determinism: the probability draw is a hash of (seed, fault index, match count), not a
//! random generator's state, so the same spec and the same request order always give the
//! same faults.

use crate::matcher::{RequestPattern, RequestView};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Ready-made faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 429 with `Retry-After` (1 second unless the spec says otherwise), as an API gateway in
    /// front of the org throttles: the org itself sends no 429 (see
    /// [`super::bodies::gateway_throttle_body`]).
    RateLimited,
    /// 503 Service Unavailable.
    Unavailable,
    /// The caller's session is really expired in the org, so the call gets 401 INVALID_SESSION_ID.
    SessionExpired,
    /// 400 UNABLE_TO_LOCK_ROW, as when another transaction holds the record.
    LockRow,
    /// The org's answer is held back (1 second unless `delay_ms` says otherwise); with
    /// `at: request`, the request is held back before it reaches the org.
    Latency,
    /// The connection is closed without a response, before the request reaches the org; with
    /// `at: answer`, after the org has done the work and answered.
    Drop,
    /// The request is forwarded and the redirect that answers it comes back with another
    /// `state` in its `Location`.
    ForgeState,
    /// The request is forwarded and the redirect that answers it comes back with no `state`
    /// in its `Location`.
    StripState,
    /// The request is forwarded and the `id_token` in the redirect's `Location` comes back
    /// with a claim changed under its old signature.
    TamperIdToken,
    /// The request is forwarded and the redirect's `id_token` is replaced by one an earlier
    /// sign-in got.
    ReplayIdToken,
    /// The request is forwarded and the redirect's `id_token` comes back signed by the org
    /// for another app (another `aud`).
    IdTokenWrongAud,
    /// ... signed by the org but naming another issuer (`iss`).
    IdTokenWrongIss,
    /// ... signed by the org but expired (`exp` in the past).
    IdTokenExpired,
    /// ... signed by the org but without a `nonce` claim.
    IdTokenWithoutNonce,
}

impl FaultKind {
    pub fn label(self) -> &'static str {
        match self {
            FaultKind::RateLimited => "rate_limited",
            FaultKind::Unavailable => "unavailable",
            FaultKind::SessionExpired => "session_expired",
            FaultKind::LockRow => "lock_row",
            FaultKind::Latency => "latency",
            FaultKind::Drop => "drop",
            FaultKind::ForgeState => "forge_state",
            FaultKind::StripState => "strip_state",
            FaultKind::TamperIdToken => "tamper_id_token",
            FaultKind::ReplayIdToken => "replay_id_token",
            FaultKind::IdTokenWrongAud => "id_token_wrong_aud",
            FaultKind::IdTokenWrongIss => "id_token_wrong_iss",
            FaultKind::IdTokenExpired => "id_token_expired",
            FaultKind::IdTokenWithoutNonce => "id_token_without_nonce",
        }
    }
}

/// Where a delay or a dropped connection strikes an exchange the org takes part in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultAt {
    /// Before the request reaches the org: a delay holds it back, a drop loses it.
    Request,
    /// After the org has answered: a delay holds the answer back, a drop cuts the connection
    /// instead of delivering it. Either way the org did the work.
    Answer,
}

/// The response a fault answers with.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultResponse {
    pub status: u16,
    /// A JSON value or text (served as JSON when it parses as JSON); an error status (4xx,
    /// 5xx) without one gets the Salesforce error body for the status, any other none.
    #[serde(default)]
    pub body: Option<serde_json::Value>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// One `faults:` entry of lab.yaml.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    #[serde(default)]
    pub kind: Option<FaultKind>,
    #[serde(rename = "match", default)]
    pub matches: RequestPattern,
    /// Fire on the nth matching request (1 = the first).
    #[serde(default)]
    pub nth: Option<u64>,
    /// Fire on every nth matching request (2 = the 2nd, 4th, ...).
    #[serde(default)]
    pub every_nth: Option<u64>,
    /// Fire on matching requests once this long has passed since the proxy's first request (with
    /// `in_run`, since the first request of that run): seconds, or text such as `500ms`, `2s`.
    #[serde(default, with = "duration_text")]
    pub after: Option<Duration>,
    /// Fire with this probability (0–1), drawn deterministically from `seed`.
    #[serde(default)]
    pub probability: Option<f64>,
    #[serde(default)]
    pub seed: Option<u64>,
    /// Fire at most this many times.
    #[serde(default)]
    pub times: Option<u64>,
    /// Only in this learner run (1 = the first); matches in other runs are not counted.
    #[serde(default)]
    pub in_run: Option<u64>,
    #[serde(default)]
    pub respond: Option<FaultResponse>,
    /// Seconds for the `Retry-After` header of a 429 or 503 answer (rate_limited, unavailable
    /// or `respond` with one of those statuses); refused on any other fault.
    #[serde(default)]
    pub retry_after: Option<u64>,
    #[serde(default)]
    pub delay_ms: Option<u64>,
    #[serde(default)]
    pub drop_connection: bool,
    #[serde(default)]
    pub expire_session: bool,
    /// Where a delay or a drop strikes: `answer` (the default for a delay) or `request` (the
    /// default for a drop). See the module's header.
    #[serde(default)]
    pub at: Option<FaultAt>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultSpecError {
    #[error(
        "fault {index}: give at most one of nth, every_nth, after and probability (found {found})"
    )]
    ManyTriggers { index: usize, found: String },
    #[error("fault {index}: `{field}` must be 1 or more")]
    ZeroCount { index: usize, field: &'static str },
    #[error("fault {index}: probability must be between 0 and 1, not {value}")]
    BadProbability { index: usize, value: f64 },
    #[error("fault {index}: status {status} is not an HTTP status (100–599)")]
    BadStatus { index: usize, status: u16 },
    #[error("fault {index}: a {status} answer carries no body in HTTP (nor does any answer to HEAD), so `respond.body` would never reach the client: leave it out, or answer another status")]
    BodyNotAllowed { index: usize, status: u16 },
    #[error("fault {index}: `{name}: {value}` is not a valid HTTP header")]
    BadHeader {
        index: usize,
        name: String,
        value: String,
    },
    #[error("fault {index}: `at` says where a delay or a dropped connection strikes, {why}")]
    AtWithoutEffect { index: usize, why: &'static str },
    #[error("fault {index}: `match: {{ method: {method} }}` is not an HTTP method, so the fault would never fire: give one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, QUERY (any case)")]
    BadMethod { index: usize, method: String },
    #[error("fault {index}: `kind: {kind}` answers {own} itself, but `respond` answers {status}, and the transcript would label that {status} as {kind}: give `respond.status: {own}` to change only its body or headers, or leave `kind` out")]
    KindAnswersOtherwise {
        index: usize,
        kind: &'static str,
        own: u16,
        status: u16,
    },
    #[error("fault {index}: `kind: {kind}` changes the org's answer, but `respond` answers instead of the org, so nothing would be changed: leave `respond` or `kind` out")]
    KindNeedsTheOrg { index: usize, kind: &'static str },
    #[error(
        "fault {index}: `retry_after` sets the Retry-After header of a 429 or 503 answer, {why}"
    )]
    RetryAfterWithoutEffect { index: usize, why: String },
    #[error("fault {index} does nothing: give a `kind` (rate_limited, unavailable, session_expired, lock_row, latency, drop, forge_state, strip_state, tamper_id_token, replay_id_token, id_token_wrong_aud, id_token_wrong_iss, id_token_expired, id_token_without_nonce) or `respond`, `delay_ms`, `drop_connection` or `expire_session`")]
    DoesNothing { index: usize },
}

/// What the proxy must do for one request.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultAction {
    pub index: usize,
    pub kind: String,
    pub delay: Option<Duration>,
    pub expire_session: bool,
    pub drop_connection: bool,
    /// Where the delay and the drop strike: always [`FaultAt::Request`] when the fault answers
    /// itself (`respond`), as the org never sees that request.
    pub at: FaultAt,
    /// `None`: forward the request (after any delay or expiry).
    pub respond: Option<FaultResponse>,
    /// Forward the request, then change the redirect that answers it.
    pub rewrite: Option<Rewrite>,
}

/// How a forwarded redirect is changed on its way back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rewrite {
    /// Another `state` in its `Location`.
    ForgeState,
    /// No `state` in its `Location`.
    StripState,
    /// A claim of its `id_token` changed.
    TamperIdToken,
    /// Its `id_token` replaced by an earlier sign-in's.
    ReplayIdToken,
    /// Its `id_token` with one claim changed and signed again with the org's key.
    Misclaim(Misclaim),
}

/// The claim a re-signed `id_token` gets wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misclaim {
    /// `aud`: another app's consumer key.
    Audience,
    /// `iss`: another issuer than the org's.
    Issuer,
    /// `exp` (and `iat`) in the past.
    Expired,
    /// `nonce` left out.
    NoNonce,
}

/// The `aud` of an ID token [`Misclaim::Audience`] signs: another app's consumer key.
pub const OTHER_AUDIENCE: &str = "3MVG9AnotherAppOfThisOrgIssuedThisToken.sflab";
/// The `iss` of an ID token [`Misclaim::Issuer`] signs, or the second when the org's own
/// issuer is the first.
pub const OTHER_ISSUERS: [&str; 2] = [
    "https://login.salesforce.com",
    "https://test.salesforce.com",
];

impl FaultAction {
    /// What happened, for a learner.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let forwarded = self.respond.is_none();
        match (self.delay, self.at) {
            (Some(d), FaultAt::Answer) if forwarded => parts.push(format!(
                "passed the request on and held the org's answer back {} ms",
                d.as_millis()
            )),
            (Some(d), _) if forwarded => parts.push(format!(
                "held the request back {} ms before passing it on",
                d.as_millis()
            )),
            (Some(d), _) => parts.push(format!("delayed {} ms", d.as_millis())),
            (None, _) => {}
        }
        if self.expire_session {
            parts.push("expired the session".to_string());
        }
        if self.drop_connection {
            parts.push(
                match self.at {
                    FaultAt::Answer => {
                        "dropped the connection after the org had answered (the org did the work)"
                    }
                    FaultAt::Request => "dropped the connection before the request reached the org",
                }
                .to_string(),
            );
        }
        match self.rewrite {
            Some(Rewrite::ForgeState) => {
                parts.push("changed the `state` in the redirect's Location".to_string())
            }
            Some(Rewrite::StripState) => {
                parts.push("took the `state` out of the redirect's Location".to_string())
            }
            Some(Rewrite::TamperIdToken) => parts.push(
                "changed a claim of the id_token in the redirect's Location (its signature no longer matches)"
                    .to_string(),
            ),
            Some(Rewrite::ReplayIdToken) => parts.push(
                "put an earlier sign-in's id_token in the redirect's Location (validly signed, with that sign-in's nonce)"
                    .to_string(),
            ),
            Some(Rewrite::Misclaim(m)) => parts.push(format!(
                "signed the redirect's id_token again with the org's key, {}",
                match m {
                    Misclaim::Audience => "for another app (`aud` is another consumer key)",
                    Misclaim::Issuer => "naming another issuer (`iss`)",
                    Misclaim::Expired => "expired (`exp` in the past)",
                    Misclaim::NoNonce => "without its `nonce` claim",
                }
            )),
            None => {}
        }
        if let Some(r) = &self.respond {
            let mut s = format!("answered {}", r.status);
            if let Some(ra) = r.headers.get("Retry-After") {
                s.push_str(&format!(" with Retry-After: {ra}"));
            }
            // The org never answers 429 (see `bodies::gateway_throttle_body`): say who did.
            if self.kind == FaultKind::RateLimited.label() {
                s.push_str(", as an API gateway in front of the org would");
            }
            parts.push(s);
        }
        parts.join(", ")
    }
}

impl FaultSpec {
    /// Checks the fault; `number` (1-based, its place in `faults:`) is used in messages.
    pub fn validate(&self, number: usize) -> Result<(), FaultSpecError> {
        self.problems(number).into_iter().next().map_or(Ok(()), Err)
    }

    /// Every problem of the fault, so an author fixes them in one pass; `number` as in
    /// [`FaultSpec::validate`].
    pub fn problems(&self, number: usize) -> Vec<FaultSpecError> {
        let index = number;
        let mut out = Vec::new();
        let mut triggers = Vec::new();
        if self.nth.is_some() {
            triggers.push("nth");
        }
        if self.every_nth.is_some() {
            triggers.push("every_nth");
        }
        if self.after.is_some() {
            triggers.push("after");
        }
        if self.probability.is_some() {
            triggers.push("probability");
        }
        if triggers.len() > 1 {
            out.push(FaultSpecError::ManyTriggers {
                index,
                found: triggers.join(", "),
            });
        }
        for (field, v) in [
            ("nth", self.nth),
            ("every_nth", self.every_nth),
            ("times", self.times),
            ("in_run", self.in_run),
        ] {
            if v == Some(0) {
                out.push(FaultSpecError::ZeroCount { index, field });
            }
        }
        if let Some(p) = self.probability {
            if !(0.0..=1.0).contains(&p) {
                out.push(FaultSpecError::BadProbability { index, value: p });
            }
        }
        if let Some(r) = &self.respond {
            if !(100..=599).contains(&r.status) {
                out.push(FaultSpecError::BadStatus {
                    index,
                    status: r.status,
                });
            }
            if r.body.is_some() && super::bodies::allows_no_body(r.status) {
                out.push(FaultSpecError::BodyNotAllowed {
                    index,
                    status: r.status,
                });
            }
            for (name, value) in &r.headers {
                let ok = http::HeaderName::from_bytes(name.as_bytes()).is_ok()
                    && http::HeaderValue::from_str(value).is_ok();
                if !ok {
                    out.push(FaultSpecError::BadHeader {
                        index,
                        name: name.clone(),
                        value: value.clone(),
                    });
                }
            }
        }
        if let Some(method) = self.matches.unknown_method() {
            out.push(FaultSpecError::BadMethod {
                index,
                method: method.to_string(),
            });
        }
        let status_ok = self
            .respond
            .as_ref()
            .is_none_or(|r| (100..=599).contains(&r.status));
        // A status that is no HTTP status is the one problem of `respond`.
        if status_ok {
            out.extend(self.kind_and_respond_problems(index));
        }
        let acts = self.kind.is_some()
            || self.respond.is_some()
            || self.delay_ms.is_some()
            || self.drop_connection
            || self.expire_session;
        if !acts {
            out.push(FaultSpecError::DoesNothing { index });
        }
        if self.at.is_some() {
            let action = self.action(index, true);
            let why = if action.respond.is_some() {
                Some("but this fault answers the request itself, so the org never sees it: leave `at` out")
            } else if action.delay.is_none() && !action.drop_connection {
                Some("but this fault has neither: give `delay_ms` or `drop_connection`, or leave `at` out")
            } else {
                None
            };
            if let Some(why) = why {
                out.push(FaultSpecError::AtWithoutEffect { index, why });
            }
        }
        out
    }

    /// A kind that answers by itself or changes the org's answer must not be contradicted by
    /// `respond`; `retry_after` must land on a 429 or 503 answer.
    fn kind_and_respond_problems(&self, index: usize) -> Vec<FaultSpecError> {
        let mut out = Vec::new();
        if let (Some(kind), Some(r)) = (self.kind, &self.respond) {
            let own = match kind {
                FaultKind::RateLimited => Some(429),
                FaultKind::Unavailable => Some(503),
                FaultKind::LockRow => Some(400),
                FaultKind::SessionExpired => Some(401),
                _ => None,
            };
            match own {
                Some(own) if own != r.status => out.push(FaultSpecError::KindAnswersOtherwise {
                    index,
                    kind: kind.label(),
                    own,
                    status: r.status,
                }),
                None if self.kind_rewrites() => out.push(FaultSpecError::KindNeedsTheOrg {
                    index,
                    kind: kind.label(),
                }),
                _ => {}
            }
        }
        if self.retry_after.is_some() {
            let header_given = self.respond.as_ref().is_some_and(|r| {
                r.headers
                    .keys()
                    .any(|k| k.eq_ignore_ascii_case("retry-after"))
            });
            // Without a way to expire sessions the proxy answers session_expired itself.
            let status = self
                .action(index, true)
                .respond
                .or_else(|| self.action(index, false).respond)
                .map(|r| r.status);
            let why = match status {
                _ if header_given => Some(
                    "but `respond.headers` gives Retry-After too: give it once".to_string(),
                ),
                Some(429 | 503) => None,
                Some(s) => Some(format!(
                    "but this fault answers {s}: use `kind: rate_limited` or `kind: unavailable`, or `respond` with status 429 or 503, or leave `retry_after` out"
                )),
                None => Some(
                    "but this fault passes the request on to the org and answers nothing itself: use `kind: rate_limited` or `kind: unavailable`, or `respond` with status 429 or 503, or leave `retry_after` out"
                        .to_string(),
                ),
            };
            if let Some(why) = why {
                out.push(FaultSpecError::RetryAfterWithoutEffect { index, why });
            }
        }
        out
    }

    /// Whether the kind forwards the request and changes the org's answer.
    fn kind_rewrites(&self) -> bool {
        matches!(
            self.kind,
            Some(
                FaultKind::ForgeState
                    | FaultKind::StripState
                    | FaultKind::TamperIdToken
                    | FaultKind::ReplayIdToken
                    | FaultKind::IdTokenWrongAud
                    | FaultKind::IdTokenWrongIss
                    | FaultKind::IdTokenExpired
                    | FaultKind::IdTokenWithoutNonce
            )
        )
    }

    /// The action this fault takes when it fires, with the kind's defaults filled in.
    /// `can_expire` says whether the proxy was given a way to expire sessions in the org.
    fn action(&self, index: usize, can_expire: bool) -> FaultAction {
        let mut respond = self.respond.clone();
        let mut delay = self.delay_ms.map(Duration::from_millis);
        let mut expire = self.expire_session;
        let mut drop = self.drop_connection;
        let retry_after = |default: Option<u64>| self.retry_after.or(default);
        let status_only = |status: u16, ra: Option<u64>| {
            let mut headers = BTreeMap::new();
            if let Some(s) = ra {
                headers.insert("Retry-After".to_string(), s.to_string());
            }
            Some(FaultResponse {
                status,
                body: None,
                headers,
            })
        };
        match self.kind {
            Some(FaultKind::RateLimited) if respond.is_none() => {
                respond = status_only(429, retry_after(Some(1)))
            }
            Some(FaultKind::Unavailable) if respond.is_none() => {
                respond = status_only(503, retry_after(None))
            }
            Some(FaultKind::LockRow) if respond.is_none() => {
                respond = status_only(400, None).map(|mut r| {
                    r.body = Some(super::bodies::lock_row_body());
                    r
                })
            }
            Some(FaultKind::SessionExpired) => {
                expire = true;
                // With a way to expire the token the org answers 401 itself; without one
                // (e.g. a sandbox) the proxy answers as the org would.
                if !can_expire && respond.is_none() {
                    respond = status_only(401, None);
                }
            }
            Some(FaultKind::Latency) if delay.is_none() => delay = Some(Duration::from_secs(1)),
            Some(FaultKind::Drop) => drop = true,
            _ => {}
        }
        // `retry_after` also sets the header of a 429 or 503 that `respond` gives.
        if let (Some(seconds), Some(r)) = (self.retry_after, respond.as_mut()) {
            let given = r
                .headers
                .keys()
                .any(|k| k.eq_ignore_ascii_case("retry-after"));
            if !given {
                r.headers
                    .insert("Retry-After".to_string(), seconds.to_string());
            }
        }
        // A delay holds the org's answer back and a drop loses the request, unless `at` says
        // otherwise; the proxy's own answer comes after any delay.
        let at = match self.at {
            _ if respond.is_some() => FaultAt::Request,
            Some(at) => at,
            None if drop => FaultAt::Request,
            None => FaultAt::Answer,
        };
        let rewrite = match self.kind {
            _ if respond.is_some() => None,
            Some(FaultKind::ForgeState) => Some(Rewrite::ForgeState),
            Some(FaultKind::StripState) => Some(Rewrite::StripState),
            Some(FaultKind::TamperIdToken) => Some(Rewrite::TamperIdToken),
            Some(FaultKind::ReplayIdToken) => Some(Rewrite::ReplayIdToken),
            Some(FaultKind::IdTokenWrongAud) => Some(Rewrite::Misclaim(Misclaim::Audience)),
            Some(FaultKind::IdTokenWrongIss) => Some(Rewrite::Misclaim(Misclaim::Issuer)),
            Some(FaultKind::IdTokenExpired) => Some(Rewrite::Misclaim(Misclaim::Expired)),
            Some(FaultKind::IdTokenWithoutNonce) => Some(Rewrite::Misclaim(Misclaim::NoNonce)),
            _ => None,
        };
        FaultAction {
            index,
            kind: self
                .kind
                .map(FaultKind::label)
                .unwrap_or("custom")
                .to_string(),
            delay,
            expire_session: expire,
            drop_connection: drop,
            at,
            respond,
            rewrite,
        }
    }
}

/// Checks every fault of a lab (for validation when the curriculum loads).
pub fn validate_faults(specs: &[FaultSpec]) -> Result<(), FaultSpecError> {
    specs
        .iter()
        .enumerate()
        .try_for_each(|(i, s)| s.validate(i + 1))
}

#[derive(Debug, Default, Clone)]
struct Counter {
    matched: u64,
    fired: u64,
}

/// The faults of one proxy, with their counters.
#[derive(Debug, Clone, Default)]
pub struct FaultPlan {
    specs: Vec<FaultSpec>,
    counters: Vec<Counter>,
    can_expire: bool,
}

impl FaultPlan {
    /// Validates every fault; `can_expire` says whether sessions can really be expired.
    pub fn new(specs: Vec<FaultSpec>, can_expire: bool) -> Result<FaultPlan, FaultSpecError> {
        for (i, s) in specs.iter().enumerate() {
            s.validate(i + 1)?;
        }
        Ok(FaultPlan {
            counters: vec![Counter::default(); specs.len()],
            specs,
            can_expire,
        })
    }

    /// Decides for one request; `since_first` is the time since the proxy's first request,
    /// `run_index` the learner run it arrived in (0 = the first).
    pub fn decide(
        &mut self,
        req: &RequestView<'_>,
        since_first: Duration,
        run_index: usize,
    ) -> Option<FaultAction> {
        self.decide_in_run(req, since_first, since_first, run_index)
    }

    /// As [`FaultPlan::decide`], with `since_run_first`, the time since the first request of
    /// the run: the clock of an `after` in a fault limited to one run (`in_run`).
    pub fn decide_in_run(
        &mut self,
        req: &RequestView<'_>,
        since_first: Duration,
        since_run_first: Duration,
        run_index: usize,
    ) -> Option<FaultAction> {
        let mut chosen = None;
        for (i, spec) in self.specs.iter().enumerate() {
            let in_run = spec.in_run.is_none_or(|r| r == run_index as u64 + 1);
            if !in_run || !spec.matches.matches(req) {
                continue;
            }
            let c = &mut self.counters[i];
            c.matched += 1;
            if chosen.is_some() || spec.times.is_some_and(|t| c.fired >= t) {
                continue;
            }
            let fires = if let Some(n) = spec.nth {
                c.matched == n
            } else if let Some(n) = spec.every_nth {
                c.matched.is_multiple_of(n)
            } else if let Some(after) = spec.after {
                let clock = if spec.in_run.is_some() {
                    since_run_first
                } else {
                    since_first
                };
                clock >= after
            } else if let Some(p) = spec.probability {
                draw(spec.seed.unwrap_or(0), i as u64, c.matched) < p
            } else {
                true
            };
            if fires {
                c.fired += 1;
                let mut action = spec.action(i, self.can_expire);
                // The proxy's own answers are shaped like the endpoint's; a lab's are as written.
                if spec.respond.is_none() {
                    super::endpoint_shape::fit(&mut action, req);
                }
                super::endpoint_shape::fit_token_answer(&mut action, req);
                chosen = Some(action);
            }
        }
        chosen
    }

    /// The fault at `index` fired but found nothing to change (a redirect rewrite on an answer
    /// that is no sign-in redirect): its firing is not counted against its `times`.
    pub fn not_applied(&mut self, index: usize) {
        if let Some(c) = self.counters.get_mut(index) {
            c.fired = c.fired.saturating_sub(1);
        }
    }
}

/// A uniform number in [0, 1) from (seed, fault, count): SplitMix64 over their mix.
fn draw(seed: u64, fault: u64, count: u64) -> f64 {
    let mut z = seed
        .wrapping_add(fault.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(count.wrapping_mul(0xD1B5_4A32_D192_ED03));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// `after:` is a duration: a bare number is seconds, as `run.timeout` and the other durations
/// of lab.yaml read it; text takes a unit (`500ms`, `2s`, `1.5s`, `1m`).
mod duration_text {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Seconds(f64),
        Text(String),
    }

    pub fn parse(text: &str) -> Option<Duration> {
        crate::lab::spec::parse_duration(text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let bad = |t: &str| {
            serde::de::Error::custom(format!(
                "`after: {t}` is not a duration; write e.g. 500ms, 2s or 1m (a bare number is seconds), at most 24h"
            ))
        };
        match Option::<Raw>::deserialize(d)? {
            None => Ok(None),
            Some(Raw::Seconds(s)) => crate::lab::spec::duration_of_secs(s)
                .map(Some)
                .ok_or_else(|| bad(&format!("{s:?}"))),
            Some(Raw::Text(t)) => parse(&t).map(Some).ok_or_else(|| bad(&t)),
        }
    }

    pub fn serialize<S: Serializer>(v: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_str(&format!("{}ms", d.as_millis())),
            None => s.serialize_none(),
        }
    }
}

/// `location` with its `state` parameter (in the query, or in the fragment where the
/// user-agent flow puts its answer) replaced by `forged`, or given one when it has none.
pub fn forge_state(location: &str, forged: &str) -> String {
    let (base, fragment) = match location.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (location, None),
    };
    let replace = |params: &str| -> Option<String> {
        let mut found = false;
        let out: Vec<String> = params
            .split('&')
            .map(|p| {
                if p == "state" || p.starts_with("state=") {
                    found = true;
                    format!("state={forged}")
                } else {
                    p.to_string()
                }
            })
            .collect();
        found.then(|| out.join("&"))
    };
    if let Some(f) = fragment {
        if let Some(changed) = replace(f) {
            return format!("{base}#{changed}");
        }
    }
    if let Some((path, query)) = base.split_once('?') {
        let query = replace(query).unwrap_or_else(|| format!("{query}&state={forged}"));
        return match fragment {
            Some(f) => format!("{path}?{query}#{f}"),
            None => format!("{path}?{query}"),
        };
    }
    match fragment {
        Some(f) => format!("{base}#{f}&state={forged}"),
        None => format!("{base}?state={forged}"),
    }
}

/// `location` without its `state` parameter, in the query and in the fragment alike (unchanged
/// when it carries none): the callback a forger who never saw the sign-in would send.
pub fn strip_state(location: &str) -> String {
    let (base, fragment) = match location.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (location, None),
    };
    let is_state = |p: &&str| *p == "state" || p.starts_with("state=");
    let without = |params: &str| -> String {
        params
            .split('&')
            .filter(|p| !is_state(p))
            .collect::<Vec<_>>()
            .join("&")
    };
    let query = base.split_once('?').map(|(_, q)| q);
    if ![query, fragment]
        .into_iter()
        .flatten()
        .any(|params| params.split('&').any(|p| is_state(&p)))
    {
        return location.to_string();
    }
    let base = match base.split_once('?') {
        Some((path, query)) => match without(query) {
            q if q.is_empty() => path.to_string(),
            q => format!("{path}?{q}"),
        },
        None => base.to_string(),
    };
    match fragment.map(without) {
        Some(f) if !f.is_empty() => format!("{base}#{f}"),
        _ => base,
    }
}

/// The `id_token` a redirect's `location` carries, if any.
pub fn id_token_of(location: &str) -> Option<&str> {
    let start = location.find("id_token=")? + "id_token=".len();
    let end = location[start..]
        .find(['&', '#'])
        .map_or(location.len(), |e| start + e);
    Some(&location[start..end]).filter(|t| !t.is_empty())
}

/// `location` with its `id_token` replaced by `other` (unchanged when it carries none).
pub fn replace_id_token(location: &str, other: &str) -> String {
    match id_token_of(location) {
        Some(current) => location.replacen(current, other, 1),
        None => location.to_string(),
    }
}

/// `location` with the `id_token` of its fragment (or query) changed: its claims say
/// `email` and `preferred_username` of another user, under the old header and signature, so
/// only a client that checks the signature notices. Unchanged when it carries no JWT there.
pub fn tamper_id_token(location: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let Some(token) = id_token_of(location) else {
        return location.to_string();
    };
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        return location.to_string();
    };
    let claims = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
    let Some(serde_json::Value::Object(mut claims)) = claims else {
        return location.to_string();
    };
    claims.insert(
        "email".into(),
        serde_json::json!("mallory@attacker.example"),
    );
    claims.insert(
        "preferred_username".into(),
        serde_json::json!("mallory@attacker.example"),
    );
    let changed = URL_SAFE_NO_PAD.encode(serde_json::Value::Object(claims).to_string());
    replace_id_token(location, &format!("{header}.{changed}.{signature}"))
}

/// `location` with the `id_token` of its fragment (or query) given the wrong claim `what`
/// and signed again by `sign` (the org's key, so the signature holds); `now` is the Unix time.
/// Every other claim stays (the nonce too, unless it is the claim left out). Unchanged when it
/// carries no JWT there.
pub fn misclaim_id_token(
    location: &str,
    what: Misclaim,
    now: i64,
    sign: &dyn Fn(&serde_json::Value) -> String,
) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let Some(token) = id_token_of(location) else {
        return location.to_string();
    };
    let claims = token
        .split('.')
        .nth(1)
        .and_then(|payload| URL_SAFE_NO_PAD.decode(payload).ok())
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
    let Some(serde_json::Value::Object(mut claims)) = claims else {
        return location.to_string();
    };
    match what {
        Misclaim::Audience => {
            claims.insert("aud".into(), OTHER_AUDIENCE.into());
        }
        Misclaim::Issuer => {
            let own = claims.get("iss").and_then(|v| v.as_str()).unwrap_or("");
            let other = OTHER_ISSUERS.into_iter().find(|i| *i != own);
            claims.insert("iss".into(), other.unwrap_or(OTHER_ISSUERS[1]).into());
        }
        Misclaim::Expired => {
            // Issued 15 minutes ago, expired 5 minutes ago, by the wall clock the client reads.
            let issued = claims
                .get("iat")
                .and_then(|v| v.as_i64())
                .map_or(now, |iat| iat.min(now));
            claims.insert("iat".into(), (issued - 900).into());
            claims.insert("exp".into(), (issued - 300).into());
            if claims.contains_key("auth_time") {
                claims.insert("auth_time".into(), (issued - 900).into());
            }
        }
        Misclaim::NoNonce => {
            claims.remove("nonce");
        }
    }
    replace_id_token(location, &sign(&serde_json::Value::Object(claims)))
}

#[cfg(test)]
#[path = "fault_tests.rs"]
mod tests;
