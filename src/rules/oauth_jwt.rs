//! `oauth.jwt_claims`: the claims of a JWT bearer assertion, judged as the org reads them —
//! `iss` the consumer key, the subject from `prn` when present else `sub`, `aud` a login
//! server (or the login URL the assertion is posted to), `exp` in seconds and within the
//! lifetime the lab allows.

use super::cx::{canonical_grant, plural, show, Cx};
use super::oauth::{token_param, token_requests_with};
use super::Verdict;
use crate::evidence::Exchange;
use base64::Engine;
use serde::Deserialize;

/// One value or a list of accepted values.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Accepted {
    One(String),
    Many(Vec<String>),
}

impl Accepted {
    fn accepts(&self, v: &str) -> bool {
        match self {
            Accepted::One(s) => s == v,
            Accepted::Many(list) => list.iter().any(|s| s == v),
        }
    }
    /// Usernames match in any case, as Salesforce signs users in.
    fn accepts_username(&self, v: &str) -> bool {
        match self {
            Accepted::One(s) => s.eq_ignore_ascii_case(v),
            Accepted::Many(list) => list.iter().any(|s| s.eq_ignore_ascii_case(v)),
        }
    }
    fn accepts_audience(&self, v: &str) -> bool {
        match self {
            Accepted::One(s) => same_audience(s, v),
            Accepted::Many(list) => list.iter().any(|s| same_audience(s, v)),
        }
    }
    fn show(&self) -> String {
        match self {
            Accepted::One(s) => format!("\"{s}\""),
            Accepted::Many(list) => format!("one of {list:?}"),
        }
    }
}

/// An audience is a URL: a trailing `/` and the case of the host do not change it
/// (`https://login.salesforce.com/` names the same server as `https://login.salesforce.com`).
fn same_audience(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// The same server, counting `localhost` and `127.0.0.1` as one host (as the mock org does).
fn names_same_server(origin: &str, aud: &str) -> bool {
    let swapped = if origin.contains("://127.0.0.1") {
        origin.replacen("://127.0.0.1", "://localhost", 1)
    } else {
        origin.replacen("://localhost", "://127.0.0.1", 1)
    };
    same_audience(origin, aud) || same_audience(&swapped, aud)
}

/// `scheme://host[:port]` of a URL (None when it has no scheme).
fn origin(url: &str) -> Option<&str> {
    let after_scheme = url.find("://")? + 3;
    let end = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    Some(&url[..end])
}

/// `oauth.jwt_claims`: constraints on the JWT bearer assertion's claims.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtClaims {
    #[serde(default)]
    pub iss: Option<Accepted>,
    #[serde(default)]
    pub sub: Option<Accepted>,
    #[serde(default)]
    pub aud: Option<Accepted>,
    /// The longest lifetime accepted: `exp` at most this many seconds after the request.
    /// Salesforce asks for `exp` within 3 minutes, hence the default of 180.
    #[serde(default = "three_minutes")]
    pub max_lifetime_seconds: i64,
}

fn three_minutes() -> i64 {
    180
}

/// Clients compute `exp` as whole seconds, often rounded (`round(now + 180)`), while the
/// request time is known to the millisecond: allow this much for the rounding.
const EXP_ROUNDING_MS: i64 = 1000;

/// Above this an `exp` is milliseconds (see `org::auth::jwt`).
const EXP_MS_THRESHOLD: i64 = 100_000_000_000;

/// `exp` as sent: a JSON number, or a string of digits as simple-salesforce sends it
/// (Salesforce accepts both).
fn exp_raw(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite())
                .map(|f| f.round() as i64)
        }),
        serde_json::Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>().ok().or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(|f| f.round() as i64)
            })
        }
        _ => None,
    }
}

/// `exp` as seconds since 1970, read as the org reads it: above 10^11 the value is
/// milliseconds (the sf CLI sends `Date.now() + …`), see `org::auth::jwt`.
fn exp_seconds(v: &serde_json::Value) -> Option<i64> {
    let raw = exp_raw(v)?;
    Some(if raw > EXP_MS_THRESHOLD {
        raw / 1000
    } else {
        raw
    })
}

/// Why the user the org signs in is not the one wanted, if it is not. Salesforce reads the
/// legacy `prn` claim when it is present and `sub` only otherwise (`prn` wins when both are
/// sent), so that is the claim judged, and the message says which one was read.
fn subject_mismatch(claims: &serde_json::Value, want: &Accepted) -> Option<String> {
    let claim = |k: &str| claims.get(k).filter(|v| !v.is_null());
    let (name, value) = match (claim("prn"), claim("sub")) {
        (Some(prn), _) => ("prn", prn),
        (None, Some(sub)) => ("sub", sub),
        (None, None) => {
            return Some(format!(
                "The JWT names no user: it has no `sub` claim (nor the legacy `prn`). Set `sub` to the username the job acts for, {}.",
                want.show()
            ))
        }
    };
    let overrides = if name == "prn" && claim("sub").is_some() {
        " — the org reads the legacy `prn` claim over `sub` when both are sent, so drop `prn` or make it the same user"
    } else {
        ""
    };
    match value.as_str() {
        Some(v) if want.accepts_username(v) => None,
        Some(v) => Some(format!(
            "The JWT's subject, read from `{name}`, is \"{v}\"{overrides}; the job must act for the username {}.",
            want.show()
        )),
        None => Some(format!(
            "The JWT's subject, read from `{name}`, is {value}, not a username; set it to the text {}.",
            want.show()
        )),
    }
}

/// The claims of a JWT whose signature may have been redacted.
pub(crate) fn jwt_payload(jwt: &str) -> Option<serde_json::Value> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Why the claims of `e`'s assertion could not be read: none was sent, or what was sent is
/// no signed JWT. The recorded value cannot tell which kind of non-JWT it was (only a signed
/// JWT keeps its header and claims through redaction; an unsigned `alg: none` token, whose
/// last part is empty, becomes a marker as a whole), so the mock org's log, when it says why
/// it refused the assertion before its claims, is quoted.
fn unreadable_assertion(cx: &Cx, e: &Exchange, grant: &str) -> String {
    if token_param(e, "assertion").is_none_or(|a| a.trim().is_empty()) {
        return format!(
            "{} sent no `assertion`: send the signed JWT as the assertion form field.",
            show(e)
        );
    }
    let refused_unread = cx
        .ev
        .auth_log
        .iter()
        .filter(|d| !d.issued() && canonical_grant(&d.grant) == grant)
        .filter_map(|d| d.error.as_deref())
        .find(|err| err.contains("is signed with") || err.contains("is not a JWT"))
        .map(|err| err.split_once(": ").map_or(err, |(_, why)| why).trim());
    let org_says = refused_unread
        .map(|why| format!(" (the mock org's log says: {why})"))
        .unwrap_or_default();
    format!(
        "{} sent an `assertion`, but not a signed JWT{org_says}: the assertion is three base64url parts, `header.claims.signature`, the last an RS256 signature of `header.claims` made with the app's private key. An unsigned (`alg: none`) token has an empty last part and is refused.",
        show(e)
    )
}

pub(crate) fn jwt_claims(p: &JwtClaims, cx: &Cx) -> Verdict {
    let grant = canonical_grant("jwt_bearer");
    let requests: Vec<&Exchange> = token_requests_with(cx, &grant).collect();
    if requests.is_empty() {
        return cx.fail("No JWT bearer token request was made (grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer).");
    }
    for e in &requests {
        let Some(claims) = token_param(e, "assertion").as_deref().and_then(jwt_payload) else {
            return cx
                .fail(unreadable_assertion(cx, e, &grant))
                .with_evidence([e.seq]);
        };
        let text = |k: &str| claims.get(k).and_then(|v| v.as_str()).map(String::from);
        if let Some(want) = &p.iss {
            match text("iss") {
                Some(v) if want.accepts(&v) => {}
                Some(v) => {
                    return cx
                        .fail(format!(
                            "The JWT's `iss` is \"{v}\"; expected the consumer key {}.",
                            want.show()
                        ))
                        .with_evidence([e.seq])
                }
                None => {
                    return cx
                        .fail(format!(
                        "The JWT has no `iss` claim; it must name the app by its consumer key, {}.",
                        want.show()
                    ))
                        .with_evidence([e.seq])
                }
            }
        }
        if let Some(want) = &p.sub {
            if let Some(wrong) = subject_mismatch(&claims, want) {
                return cx.fail(wrong).with_evidence([e.seq]);
            }
        }
        if let Some(want) = &p.aud {
            let auds: Vec<String> = match claims.get("aud") {
                Some(serde_json::Value::String(s)) => vec![s.clone()],
                Some(serde_json::Value::Array(a)) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect(),
                _ => vec![],
            };
            // The server the assertion is posted to is its audience too: a My Domain login
            // URL, which External Client Apps on current releases may insist on.
            let posted_to = origin(&e.request.url);
            let names_server = |a: &String| {
                want.accepts_audience(a) || posted_to.is_some_and(|o| names_same_server(o, a))
            };
            if !auds.iter().any(names_server) {
                return cx
                    .fail(format!(
                        "The JWT's `aud` is {auds:?}; expected {} or the login URL the token request is posted to ({}): `aud` names the server that issues the token, not the instance you call afterwards.",
                        want.show(),
                        posted_to.unwrap_or("$SF_LOGIN_URL")
                    ))
                    .with_evidence([e.seq]);
            }
        }
        if let Some(ms) = claims
            .get("exp")
            .and_then(exp_raw)
            .filter(|raw| *raw > EXP_MS_THRESHOLD)
        {
            return cx
                .fail(format!(
                    "The JWT's `exp` ({ms}) is in milliseconds; it must be seconds since 1970 (a JWT NumericDate). The mock org let it through, as it does for the sf CLI, which sends such values, but read as seconds it lies some 50,000 years ahead: to most servers an assertion that never expires."
                ))
                .with_evidence([e.seq]);
        }
        let Some(exp) = claims.get("exp").and_then(exp_seconds) else {
            return cx
                .fail("The JWT has no `exp` claim in seconds since 1970 (a number, or a string of digits); Salesforce requires one.")
                .with_evidence([e.seq]);
        };
        let lifetime_ms = exp.saturating_mul(1000) - e.started_at.timestamp_millis();
        if lifetime_ms <= 0 {
            return cx
                .fail(format!(
                    "The JWT had already expired when it was sent (exp is {}s in the past).",
                    (-lifetime_ms + 999) / 1000
                ))
                .with_evidence([e.seq]);
        }
        if lifetime_ms > p.max_lifetime_seconds * 1000 + EXP_ROUNDING_MS {
            return cx
                .fail(format!(
                    "The JWT's `exp` is {}s after it was sent; keep it within {}s.",
                    (lifetime_ms + 500) / 1000,
                    p.max_lifetime_seconds
                ))
                .with_evidence([e.seq]);
        }
    }
    cx.pass(format!(
        "The JWT assertion's claims are as expected ({}).",
        plural(requests.len(), "assertion")
    ))
    .with_evidence(requests.iter().map(|e| e.seq))
}
