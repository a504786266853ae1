//! `oauth.*` rules: which grants were used, PKCE, refresh-then-retry, token reuse (JWT claims
//! are judged in `oauth_jwt`).

use super::cx::{canonical_grant, is_success, plural, show, Cx};
use super::Verdict;
use crate::evidence::Exchange;
use serde::Deserialize;
use std::collections::BTreeSet;

#[path = "oauth_refresh.rs"]
mod refresh;
pub(crate) use refresh::refresh_then_retry_once;
#[path = "oauth_token_shape.rs"]
mod token_shape;

/// Rules without parameters.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// `oauth.grant_used` / `oauth.grant_not_used`: `grant: client_credentials` (also
/// `jwt_bearer`, `refresh_token`, `authorization_code`, `password`, `device`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub grant: String,
}

/// `oauth.token_reused`: at most `max_per_run` tokens fetched (and used) per learner run.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenReused {
    #[serde(default = "one")]
    pub max_per_run: usize,
}

fn one() -> usize {
    1
}

/// A token request parameter, from the form body or (as some clients send it) the query.
pub(super) fn token_param(e: &Exchange, name: &str) -> Option<String> {
    e.form_param(name).or_else(|| e.query_param(name))
}

fn grant_of(e: &Exchange) -> Option<String> {
    token_param(e, "grant_type")
}

pub(super) fn token_requests_with<'a>(
    cx: &'a Cx,
    grant: &'a str,
) -> impl Iterator<Item = &'a Exchange> {
    cx.token_requests()
        .filter(move |e| grant_of(e).as_deref() == Some(grant))
}

pub(crate) fn grant_used(p: &Grant, cx: &Cx) -> Verdict {
    let grant = canonical_grant(&p.grant);
    let all: Vec<&Exchange> = token_requests_with(cx, &grant).collect();
    let issued: Vec<u64> = all
        .iter()
        .filter(|e| is_success(e))
        .map(|e| e.seq)
        .collect();
    // The device flow's start (`device_code` in the log) issues a device code, not a token.
    let logged = cx
        .ev
        .auth_log
        .iter()
        .any(|d| d.grant != "device_code" && canonical_grant(&d.grant) == grant && d.issued());
    if !issued.is_empty() || logged {
        return cx
            .pass(format!("Obtained a token with the {} grant.", p.grant))
            .with_evidence(issued);
    }
    if let Some(e) = all.first() {
        let why = e
            .response_json()
            .and_then(|v| {
                v.get("error_description")
                    .and_then(|d| d.as_str())
                    .map(String::from)
            })
            .unwrap_or_else(|| format!("status {}", e.status().unwrap_or(0)));
        let refused_sign_in = (grant == "authorization_code")
            .then(|| refused_authorize(cx, e.seq))
            .flatten();
        if let Some((authorize, error)) = refused_sign_in {
            return cx
                .fail(format!(
                    "The authorize request ({}) was refused ({error}), so there was no code to redeem; the token request after it ({}) failed in turn: {why}.",
                    show(authorize),
                    show(e)
                ))
                .with_evidence([authorize.seq, e.seq]);
        }
        return cx
            .fail(format!(
                "Tried the {} grant ({}) but the token endpoint refused it: {why}.{}",
                p.grant,
                show(e),
                logged_reason(cx, &grant, &why)
            ))
            .with_evidence(all.iter().map(|e| e.seq));
    }
    if let Some(v) = refused_before_any_token_request(cx, &grant) {
        return v;
    }
    let used: BTreeSet<String> = cx.token_requests().filter_map(grant_of).collect();
    let flawed = cx.token_requests().find_map(token_shape::flaw);
    let seen = if let Some(flaw) = flawed {
        flaw
    } else if cx.token_requests().next().is_none() {
        "no token request was made".to_string()
    } else if used.is_empty() {
        "no token request named a grant_type".to_string()
    } else {
        format!(
            "the token requests used {}",
            used.into_iter().collect::<Vec<_>>().join(", ")
        )
    };
    cx.fail(format!(
        "Expected a token obtained with the {} grant, but {seen}.",
        p.grant
    ))
    .with_evidence(cx.token_requests().map(|e| e.seq))
}

/// For the flows that start at the authorize endpoint, when no token request of the flow was
/// made: the refused authorize request and its error, which is why there was no token (the
/// user-agent flow has no token request at all; the web server flow never got a code).
fn refused_before_any_token_request(cx: &Cx, grant: &str) -> Option<Verdict> {
    if grant == "device" {
        return refused_device_start(cx);
    }
    let (then, logged_as) = match grant {
        "user_agent" => ("so no token came back in its redirect", "user_agent"),
        "authorization_code" => ("so there was no code to redeem", "authorize"),
        _ => return None,
    };
    let (authorize, error) = refused_authorize(cx, u64::MAX)?;
    // A later authorize request was not refused (this is the last refusal): it is not why.
    let tried_again = cx
        .ev
        .exchanges
        .iter()
        .any(|e| e.seq > authorize.seq && e.path().contains("/services/oauth2/authorize"));
    if tried_again {
        return None;
    }
    Some(
        cx.fail(format!(
            "The authorize request ({}) was refused ({error}), {then}.{}",
            show(authorize),
            logged_reason(cx, logged_as, &error)
        ))
        .with_evidence([authorize.seq]),
    )
}

/// When no device poll was made: the last start of a device login (a token request with
/// `response_type=device_code`), refused, which is why there was no device code to poll with.
fn refused_device_start(cx: &Cx) -> Option<Verdict> {
    let start = cx
        .token_requests()
        .filter(|e| token_param(e, "response_type").as_deref() == Some("device_code"))
        .last()?;
    let error = token_refusal(start)?;
    Some(
        cx.fail(format!(
            "The start of the device login ({}) was refused ({error}), so there was no device code to poll the token endpoint with. Fix the start request and run again.",
            show(start)
        ))
        .with_evidence([start.seq]),
    )
}

/// The last authorize request before exchange `before` that was refused — its redirect
/// carries `error=` (and maybe `error_description=`), or it answered with an error page —
/// with the error as the redirect or page gives it.
fn refused_authorize<'a>(cx: &'a Cx, before: u64) -> Option<(&'a Exchange, String)> {
    cx.ev
        .exchanges
        .iter()
        .filter(|e| e.seq < before && e.path().contains("/services/oauth2/authorize"))
        .filter_map(|e| Some((e, authorize_refusal(e)?)))
        .next_back()
}

/// Why the org refused authorize request `e`, as its redirect (query or fragment: `error`,
/// `error_description`) or its error page's status gives it; None when it was not refused.
pub(super) fn authorize_refusal(e: &Exchange) -> Option<String> {
    if let Some(location) = super::cx::redirect_location(e) {
        let url = url::Url::parse(location).ok()?;
        let param = |k: &str| {
            url.query_pairs()
                .chain(
                    url.fragment()
                        .map(|f| url::form_urlencoded::parse(f.as_bytes()))
                        .into_iter()
                        .flatten(),
                )
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.into_owned())
        };
        let error = param("error")?;
        return Some(match param("error_description") {
            Some(d) => format!("{error}: {d}"),
            None => error,
        });
    }
    let status = e.status()?;
    (status >= 400).then(|| format!("status {status}"))
}

/// Why the token endpoint refused request `e`, as its answer says it (`error:
/// error_description`, or the status when the body names no error); None when it succeeded.
pub(super) fn token_refusal(e: &Exchange) -> Option<String> {
    if is_success(e) {
        return None;
    }
    let body = e.response_json();
    let field = |k: &str| {
        body.as_ref()
            .and_then(|v| v.get(k)?.as_str().map(str::to_string))
    };
    Some(match (field("error"), field("error_description")) {
        (Some(error), Some(d)) => format!("{error}: {d}"),
        (Some(error), None) => error,
        _ => e
            .status()
            .map_or_else(|| "no answer".to_string(), |s| format!("status {s}")),
    })
}

/// What the mock org's log says of the first refusal of `grant`, when it says more than the
/// answer did: a real org answers a bad assertion with a bare "invalid assertion", and so does
/// the mock, but its log knows which part was wrong (the recipient, the time window, the
/// signature). Empty on a sandbox, which keeps no such log.
fn logged_reason(cx: &Cx, grant: &str, answered: &str) -> String {
    let reason = cx
        .ev
        .auth_log
        .iter()
        .filter(|d| !d.issued() && d.grant != "device_code" && canonical_grant(&d.grant) == grant)
        .find_map(|d| d.error.as_deref())
        .map(|e| e.split_once(": ").map_or(e, |(_, reason)| reason).trim());
    match reason {
        Some(r) if !r.is_empty() && !r.eq_ignore_ascii_case(answered.trim()) => format!(
            " The mock org's log says why (a real org keeps this to itself): {}.",
            r.trim_end_matches('.')
        ),
        _ => String::new(),
    }
}

pub(crate) fn grant_not_used(p: &Grant, cx: &Cx) -> Verdict {
    let grant = canonical_grant(&p.grant);
    let seqs: Vec<u64> = token_requests_with(cx, &grant).map(|e| e.seq).collect();
    let logged = cx
        .ev
        .auth_log
        .iter()
        .any(|d| canonical_grant(&d.grant) == grant);
    let (soap_logins, leftovers) = if grant == "password" {
        (password_logins(cx), password_grant_fields(cx))
    } else {
        (Vec::new(), Vec::new())
    };
    if seqs.is_empty() && !logged && soap_logins.is_empty() && leftovers.is_empty() {
        return cx.pass(format!("The {} grant was not used.", p.grant));
    }
    if seqs.is_empty() && !logged {
        let mut said = Vec::new();
        if let Some((e, fields)) = leftovers.first() {
            let other = grant_of(e).unwrap_or_else(|| "another".to_string());
            said.push(format!(
                "A token request ({}) asked for the {other} grant but still sent the password grant's {}: the org ignores them, yet {} went over the wire all the same{}. Remove the username and password fields; the {other} grant needs neither.",
                show(e),
                fields.join(" and "),
                if fields.contains(&"password") { "the stored password" } else { "they" },
                match leftovers.len() {
                    1 => String::new(),
                    n => format!(" (and in {} more)", plural(n - 1, "token request")),
                }
            ));
        }
        if !soap_logins.is_empty() {
            let shown: Vec<String> = soap_logins
                .iter()
                .map(|(e, said)| format!("{} {said}", show(e)))
                .collect();
            said.push(format!(
                "A password was sent in a SOAP login() call ({}): a login with a stored username and password, with every risk of the password grant; this lab asks that no password be sent at all. Remove the login() call; the OAuth token is all the code needs.",
                shown.join(", ")
            ));
        }
        return cx.fail(said.join(" ")).with_evidence(
            leftovers
                .iter()
                .map(|(e, _)| e.seq)
                .chain(soap_logins.iter().map(|(e, _)| e.seq)),
        );
    }
    let also = if soap_logins.is_empty() {
        String::new()
    } else {
        format!(
            " A password was also sent in a SOAP login() call ({}).",
            soap_logins
                .iter()
                .map(|(e, _)| show(e))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    cx.fail(format!(
        "The {} grant was used ({}); this lab asks you to avoid it.{also}",
        p.grant,
        plural(seqs.len().max(1), "request")
    ))
    .with_evidence(
        seqs.into_iter()
            .chain(soap_logins.iter().map(|(e, _)| e.seq)),
    )
}

/// The token requests of another grant that still carry the password grant's `username` or
/// `password` (in the body or the query), with the fields found: the smallest edit of a
/// password login changes only `grant_type` and keeps sending the password, which the org
/// ignores without a word.
fn password_grant_fields<'a>(cx: &'a Cx) -> Vec<(&'a Exchange, Vec<&'static str>)> {
    cx.token_requests()
        .filter(|e| grant_of(e).as_deref() != Some("password"))
        .filter_map(|e| {
            let fields: Vec<&'static str> = ["password", "username"]
                .into_iter()
                .filter(|f| token_param(e, f).is_some())
                .collect();
            (!fields.is_empty()).then_some((e, fields))
        })
        .collect()
}

/// The partner API `login()` calls in the traffic — each sends a username and password, the
/// password grant in a SOAP envelope — with what the org answered ("(refused: INVALID_LOGIN)"
/// or "(accepted)"). The org takes a password in two other places, the login page and the
/// device flow's verification page (`/services/oauth2/authorize`, `/setup/connect`); both are a
/// person signing in through a browser, not the integration, so they do not count here.
fn password_logins<'a>(cx: &'a Cx) -> Vec<(&'a Exchange, String)> {
    super::soap::soap_calls(cx)
        .into_iter()
        .filter(|c| c.operation == "login")
        .map(|c| {
            let said = match (c.fault_code(), c.exchange.status()) {
                (Some(code), _) => format!("(refused: {code})"),
                (None, Some(s)) if s < 400 => "(accepted)".to_string(),
                (None, Some(s)) => format!("(status {s})"),
                (None, None) => "(no answer)".to_string(),
            };
            (c.exchange, said)
        })
        .collect()
}

pub(crate) fn pkce_s256(cx: &Cx) -> Verdict {
    if let Some(na) = cx.mock_only("the authorization server's log of PKCE checks") {
        return na;
    }
    let code_requests: Vec<u64> = token_requests_with(cx, "authorization_code")
        .map(|e| e.seq)
        .collect();
    // Faults of the authorization request are shown on it, not on the token request.
    let authorize_requests: Vec<u64> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| {
            e.path()
                .trim_end_matches('/')
                .ends_with("/services/oauth2/authorize")
        })
        .map(|e| e.seq)
        .collect();
    // Salesforce reads a challenge sent without a method as S256 (the sf CLI relies on it);
    // RFC 7636 §4.3 reads it as `plain`, so such a client fails on other servers.
    let methodless: Vec<u64> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| authorize_requests.contains(&e.seq))
        .filter(|e| token_param(e, "code_challenge").is_some_and(|c| !c.is_empty()))
        .filter(|e| token_param(e, "code_challenge_method").is_none_or(|m| m.is_empty()))
        .map(|e| e.seq)
        .collect();
    let on_authorize = if authorize_requests.is_empty() {
        code_requests.clone()
    } else {
        authorize_requests
    };
    let verifier_sent = token_requests_with(cx, "authorization_code")
        .any(|e| token_param(e, "code_verifier").is_some_and(|v| !v.is_empty()));
    let decisions: Vec<_> = cx
        .ev
        .auth_log
        .iter()
        .filter(|d| d.grant == "authorization_code")
        .collect();
    if decisions.is_empty() {
        if let Some(v) = pkce_unchecked_after_refused_authorize(cx, None) {
            return v;
        }
        return cx
            .fail("No authorization code was exchanged for a token, so PKCE was never used.")
            .with_evidence(code_requests);
    }
    let mut redeemed = false;
    let mut refusals: Vec<&str> = Vec::new();
    for d in &decisions {
        if d.verifier_matched.is_none() && !d.issued() {
            // Refused before the verifier was looked at: a reused, expired or unknown code, or
            // a redirect_uri that differs. Only a reuse is this rule's business.
            let error = d.error.as_deref().unwrap_or("refused");
            if error.contains("already exchanged") {
                return cx
                    .fail(
                        "The same authorization code was redeemed twice. A code works once: \
                         presenting it again made the org refuse it and revoke the tokens the \
                         first exchange gave. Redeem each code once and keep the tokens.",
                    )
                    .with_evidence(code_requests);
            }
            if !refusals.contains(&error) {
                refusals.push(error);
            }
            continue;
        }
        let problem = match (d.pkce_method.as_deref(), d.verifier_matched) {
            (None, _) => Some((
                "the authorization request carried no code_challenge".to_string(),
                &on_authorize,
            )),
            (Some(m), _) if !m.eq_ignore_ascii_case("S256") => Some((
                format!("the code_challenge_method was {m}; use S256 (the SHA-256 of the verifier, base64url)"),
                &on_authorize,
            )),
            (_, Some(false)) if !verifier_sent => Some((
                "the token request carried no code_verifier; send the verifier the challenge was made from"
                    .to_string(),
                &code_requests,
            )),
            (_, Some(false))
                if d
                    .error
                    .as_deref()
                    .is_some_and(|e| e.contains("code_verifier must be")) =>
            {
                Some((
                    "the code_verifier itself is malformed: the org takes 43 to 256 characters \
                     of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1 says 43 to 128; a 32-byte random value, \
                     base64url-encoded, makes 43); the challenge may well be right"
                        .to_string(),
                    &code_requests,
                ))
            }
            (_, Some(false)) | (_, None) => Some((
                match super::pkce_shape::hex_challenge_line(&cx.ev.sources) {
                    Some(why) => format!(
                        "the code_verifier sent to the token endpoint did not match the code_challenge: {why}"
                    ),
                    None => "the code_verifier sent to the token endpoint did not match the code_challenge"
                        .to_string(),
                },
                &code_requests,
            )),
            _ => None,
        };
        if let Some((p, evidence)) = problem {
            return cx
                .fail(format!("PKCE check failed: {p}."))
                .with_evidence(evidence.clone());
        }
        redeemed |= d.issued();
    }
    if !redeemed {
        let first = token_requests_with(cx, "authorization_code").next();
        if let Some(v) = pkce_unchecked_after_refused_authorize(cx, first) {
            return v;
        }
        // A code refused for its redirect_uri is refused before the verifier is looked at:
        // nothing about PKCE is known, and the message says so rather than blame PKCE.
        if !refusals.is_empty() && refusals.iter().all(|r| r.contains("redirect_uri")) {
            return cx
                .fail(format!(
                    "PKCE could not be judged: the token endpoint refused the code for its redirect_uri ({}) before it checked the code_verifier.",
                    refusals.join("; ")
                ))
                .with_evidence(code_requests);
        }
        return cx
            .fail(format!(
                "No authorization code was redeemed: the token endpoint refused it ({}).",
                refusals.join("; ")
            ))
            .with_evidence(code_requests);
    }
    if !methodless.is_empty() {
        return cx
            .fail(
                "PKCE check failed: the authorization request sent a code_challenge but no \
                 code_challenge_method. Salesforce then assumes S256, but RFC 7636 §4.3 reads a \
                 missing method as plain, so other servers compare the verifier itself with the \
                 challenge and refuse; send code_challenge_method=S256.",
            )
            .with_evidence(methodless);
    }
    cx.pass("PKCE with S256 was used and the verifier matched the challenge.")
        .with_evidence(code_requests)
}

/// When the authorize request before `token` (before the end, without one) was refused,
/// there was no code to redeem and so no PKCE to check: the verdict points at that refusal
/// (as `oauth.grant_used` does) instead of at the token endpoint's answer to whatever was sent.
fn pkce_unchecked_after_refused_authorize(cx: &Cx, token: Option<&Exchange>) -> Option<Verdict> {
    let (authorize, error) = refused_authorize(cx, token.map_or(u64::MAX, |t| t.seq))?;
    let then = token.map_or_else(
        || " and no token request followed".to_string(),
        |t| format!("; the token request after it ({}) failed in turn", show(t)),
    );
    let lower = error.to_ascii_lowercase();
    let fix = if lower.contains("scope") {
        "ask only for scopes the app allows"
    } else if lower.contains("challenge") {
        "send as code_challenge the base64url of the verifier's SHA-256: `-_` for `+/` and no `=` padding"
    } else {
        "the error the redirect carries says what to change"
    };
    Some(
        cx.fail(format!(
            "The authorize request ({}) was refused ({error}), so no code was issued{then}, and PKCE never got as far as the token endpoint. Fix the authorize request first: {fix}.",
            show(authorize)
        ))
        .with_evidence(std::iter::once(authorize.seq).chain(token.map(|t| t.seq))),
    )
}

pub(crate) fn token_reused(p: &TokenReused, cx: &Cx) -> Verdict {
    let authed: Vec<&Exchange> = cx
        .api_calls()
        .filter(|e| e.request_header("authorization").is_some())
        .collect();
    if authed.len() < 2 {
        return cx.fail(format!(
            "Made {} with a token, so there was no token to reuse; the lab expects several calls.",
            plural(authed.len(), "API call")
        ));
    }
    let runs = cx.ev.runs.len().max(1);
    for run in 0..runs {
        let fetched: Vec<&Exchange> = cx
            .token_requests()
            .filter(|e| e.run_index == run && is_success(e))
            .collect();
        let tokens: BTreeSet<&str> = authed
            .iter()
            .filter(|e| e.run_index == run)
            .filter_map(|e| e.request_header("authorization"))
            .collect();
        // Said as it happened: tokens used by the calls, or tokens fetched and left unused.
        if tokens.len() > p.max_per_run {
            return cx
                .fail(format!(
                    "Run {} used {} for its API calls; fetch one and reuse it until it expires.",
                    run + 1,
                    plural(tokens.len(), "different access token")
                ))
                .with_evidence(fetched.iter().map(|e| e.seq));
        }
        if fetched.len() > p.max_per_run {
            return cx
                .fail(format!(
                    "Run {} fetched {} but its API calls used {}; every extra login is one more call and one more token alive. Fetch one and reuse it until it expires.",
                    run + 1,
                    plural(fetched.len(), "access token"),
                    plural(tokens.len(), "token")
                ))
                .with_evidence(fetched.iter().map(|e| e.seq));
        }
    }
    cx.pass(format!(
        "One access token was reused across {}.",
        plural(authed.len(), "API call")
    ))
    .with_evidence(authed.iter().map(|e| e.seq))
}

#[cfg(test)]
#[path = "oauth_tests.rs"]
mod tests;
