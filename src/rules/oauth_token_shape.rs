//! Why a token request's grant cannot be read as the learner meant it: the body was sent as
//! JSON (the token endpoint reads only a form body), or `grant_type` names no grant (a
//! misspelt `refresh`). Checks that look for a grant quote this instead of an empty grant
//! name or "no token request was made".
//!
//! Implementation notes: Salesforce's token endpoint takes `application/x-www-form-urlencoded`
//! bodies (RFC 6749 §4.1.3, §6); what it answers to a JSON body is modelled by the lab's org
//! (400 `invalid_request`) and quoted from the exchange, not assumed here.

use super::super::cx::show;
use super::token_param;
use crate::evidence::Exchange;
use serde_json::Value;

/// The grant types a token endpoint knows, as `grant_type` spells them.
const GRANTS: &[&str] = &[
    "refresh_token",
    "client_credentials",
    "authorization_code",
    "password",
    "device",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:saml2-bearer",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:token-exchange",
];

/// What is wrong with the shape of token request `e`, as a sentence naming it, when its grant
/// cannot be read: `#2 POST /services/oauth2/token was sent as JSON; …`.
pub(super) fn flaw(e: &Exchange) -> Option<String> {
    if !e.is_token_request() {
        return None;
    }
    if sent_as_json(e) {
        let meant = e
            .request_json()
            .and_then(|j| {
                j.get("grant_type")
                    .and_then(Value::as_str)
                    .map(String::from)
            })
            .map(|g| format!(" (grant_type {g})"))
            .unwrap_or_default();
        return Some(format!(
            "{}{meant} was sent as JSON; the token endpoint takes application/x-www-form-urlencoded (`curl -d grant_type=… -d …`, no JSON Content-Type){}",
            show(e),
            answered(e)
        ));
    }
    let grant = token_param(e, "grant_type")?;
    if GRANTS.contains(&grant.as_str()) {
        return None;
    }
    let fix = closest(&grant)
        .map(|g| format!("; use {g}"))
        .unwrap_or_default();
    Some(format!(
        "{} sent grant_type={grant}, which is not a grant type{fix}{}",
        show(e),
        answered(e)
    ))
}

/// A body that is JSON, by its Content-Type or by its text.
fn sent_as_json(e: &Exchange) -> bool {
    let ct = e
        .request_header("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    ct.contains("json")
        || (!ct.starts_with("application/x-www-form-urlencoded")
            && e.request_json().is_some_and(|j| j.is_object()))
}

/// ` (the org answered 400 invalid_request "…")` for a refused answer; empty otherwise.
fn answered(e: &Exchange) -> String {
    let Some(status) = e.status().filter(|s| *s >= 400) else {
        return String::new();
    };
    let body = e.response_json().unwrap_or(Value::Null);
    let said = match (
        body.get("error").and_then(Value::as_str),
        body.get("error_description").and_then(Value::as_str),
    ) {
        (Some(c), Some(d)) => format!(" {c} \"{d}\""),
        (Some(c), None) => format!(" {c}"),
        _ => String::new(),
    };
    format!(" (the org answered {status}{said})")
}

/// The known grant that `sent` most likely meant: the one sharing the longest start with it
/// (at least four letters, `_` and `-` alike), ignoring the URN prefix.
fn closest(sent: &str) -> Option<&'static str> {
    let norm = |s: &str| {
        s.rsplit(':')
            .next()
            .unwrap_or(s)
            .to_ascii_lowercase()
            .replace('-', "_")
    };
    let sent = norm(sent);
    GRANTS
        .iter()
        .map(|g| {
            let common = norm(g)
                .chars()
                .zip(sent.chars())
                .take_while(|(a, b)| a == b)
                .count();
            (common, *g)
        })
        .filter(|(common, _)| *common >= 4)
        .max_by_key(|(common, _)| *common)
        .map(|(_, g)| g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_grant_is_matched_to_the_grant_it_meant() {
        assert_eq!(closest("refresh"), Some("refresh_token"));
        assert_eq!(closest("refresh-token"), Some("refresh_token"));
        assert_eq!(closest("client_credential"), Some("client_credentials"));
        assert_eq!(closest("bogus"), None);
    }
}
