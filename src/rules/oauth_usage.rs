//! `oauth.*` rules about how a client uses what it was given: rotated refresh tokens presented
//! once (and the newest one kept, in `oauth_kept`), device-flow polling at the server's pace,
//! only the scopes a job needs (an authorize request naming none asks for every scope the app
//! offers, and a token answer granting more than the job needs fails too), and the app
//! (client id) a token was issued to.

use super::cx::{is_success, plural, show, Cx};
use super::Verdict;
use crate::evidence::Exchange;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

#[path = "oauth_kept.rs"]
mod kept;
pub(crate) use kept::refresh_token_kept;
#[path = "oauth_device.rs"]
mod device;
pub(crate) use device::device_polling;

/// `oauth.refresh_not_reused`: each refresh token is presented at most once.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshNotReused {
    /// How many successful refreshes the lab expects at least (one per run, typically).
    #[serde(default = "one")]
    pub min_refreshes: usize,
}

/// `oauth.device_polling`: the device flow's token polls respect `interval` and `slow_down`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevicePolling {
    /// Slack for timers and process start-up, in milliseconds.
    #[serde(default = "tolerance")]
    pub tolerance_ms: i64,
    /// Runs (1 = the first) in which the lab ends the login with `access_denied` or
    /// `expired_token` (its faults); a run there without such an ending earns nothing.
    #[serde(default)]
    pub ended_in_runs: Vec<usize>,
}

/// `oauth.scopes_requested`: the `scope` a client asks for (authorize or token request).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopesRequested {
    /// Scopes that must be asked for.
    #[serde(default)]
    pub required: Vec<String>,
    /// Every scope asked for must be one of these.
    pub allowed: Vec<String>,
}

/// `oauth.client_used`: every token was issued to this consumer key, and at least one was.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientUsed {
    pub client_id: String,
}

fn one() -> usize {
    1
}
fn tolerance() -> i64 {
    250
}

fn param(e: &Exchange, name: &str) -> Option<String> {
    e.form_param(name).or_else(|| e.query_param(name))
}

fn is_refresh(e: &Exchange) -> bool {
    e.is_token_request() && param(e, "grant_type").as_deref() == Some("refresh_token")
}

pub(crate) fn refresh_not_reused(p: &RefreshNotReused, cx: &Cx) -> Verdict {
    let refreshes: Vec<&Exchange> = cx.ev.exchanges.iter().filter(|e| is_refresh(e)).collect();
    // The proxy redacts each token to a stable marker, so equal markers mean the same token.
    let mut first_use: BTreeMap<String, u64> = BTreeMap::new();
    // The refresh tokens this attempt's org gave out: the one handed to the program, and each
    // one a token request was answered with (a refresh, a code exchange).
    let answered = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| e.is_token_request() && is_success(e))
        .filter_map(|e| {
            e.response_json()?
                .get("refresh_token")?
                .as_str()
                .map(str::to_string)
        });
    let handed = cx
        .ev
        .handed
        .iter()
        .filter(|s| s.kind == "refresh_token")
        .map(|s| s.marker.clone());
    let issued: BTreeSet<String> = handed.chain(answered).collect();
    for e in &refreshes {
        let Some(value) = param(e, "refresh_token").filter(|v| !v.is_empty()) else {
            return cx
                .fail(format!(
                    "{} asked for a refresh without a `refresh_token` field.",
                    show(e)
                ))
                .with_evidence([e.seq]);
        };
        if !issued.is_empty()
            && !issued.contains(&value)
            && !first_use.contains_key(&value)
            && !is_success(e)
        {
            return cx
                .fail(format!(
                    "{} presented a refresh token this attempt's org never gave out, and was \
                     refused. A token saved by an earlier `sflab check` belongs to that \
                     attempt's login: start from SF_REFRESH_TOKEN when the saved token \
                     descends from another one (keep a fingerprint of SF_REFRESH_TOKEN beside it).",
                    show(e)
                ))
                .with_evidence([e.seq]);
        }
        if let Some(earlier) = first_use.get(&value) {
            return cx
                .fail(format!(
                    "{} presented the same refresh token as #{earlier}. With rotation every refresh \
                     answers a new refresh token; store it and never send the old one again \
                     (the org treats reuse as theft and revokes the whole token family).",
                    show(e)
                ))
                .with_evidence([*earlier, e.seq]);
        }
        first_use.insert(value, e.seq);
    }
    let ok = refreshes.iter().filter(|e| is_success(e)).count();
    if ok < p.min_refreshes {
        let wanted = if p.min_refreshes == 1 {
            "1 successful refresh".to_string()
        } else {
            format!("{} successful refreshes", p.min_refreshes)
        };
        return cx
            .fail(format!(
                "Expected at least {wanted} with the refresh token, but {ok} succeeded."
            ))
            .with_evidence(refreshes.iter().map(|e| e.seq));
    }
    cx.pass(format!(
        "{} each presented a different refresh token.",
        if refreshes.len() == 1 {
            "1 refresh".to_string()
        } else {
            format!("{} refreshes", refreshes.len())
        }
    ))
    .with_evidence(refreshes.iter().map(|e| e.seq))
}

fn asks_for_scope(e: &Exchange) -> bool {
    e.is_token_request()
        || e.path()
            .trim_end_matches('/')
            .ends_with("/oauth2/authorize")
}

/// A scope as the org understands it: `offline_access` is Salesforce's synonym for
/// `refresh_token` (the org answers with `refresh_token` in the granted scopes).
fn canonical_scope(scope: &str) -> String {
    match scope {
        "offline_access" => "refresh_token".to_string(),
        other => other.to_string(),
    }
}

fn is_authorize(e: &Exchange) -> bool {
    e.path()
        .trim_end_matches('/')
        .ends_with("/oauth2/authorize")
}

/// The scopes a successful token answer says it granted (its `scope` field), in its order.
fn granted(e: &Exchange) -> Option<Vec<String>> {
    if !e.is_token_request() || !is_success(e) {
        return None;
    }
    let scope = e.response_json()?.get("scope")?.as_str()?.to_string();
    Some(scope.split_whitespace().map(canonical_scope).collect())
}

fn quoted(scopes: &[&String]) -> String {
    scopes
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(" and ")
}

pub(crate) fn scopes_requested(p: &ScopesRequested, cx: &Cx) -> Verdict {
    let is_allowed = |s: &String| p.allowed.iter().any(|a| canonical_scope(a) == *s);
    // Token answers granting more than the job needs, whatever was asked: the token a run
    // actually holds is what a thief could use.
    let overgranted: Vec<(&Exchange, Vec<String>)> = cx
        .ev
        .exchanges
        .iter()
        .filter_map(|e| Some((e, granted(e)?)))
        .filter(|(_, scopes)| scopes.iter().any(|s| !is_allowed(s)))
        .collect();
    // An authorize request without a `scope` (or with an empty one) is granted every scope the
    // app offers: the mock org does so, as Salesforce does for an app's selected scopes.
    if let Some(e) = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| is_authorize(e))
        .find(|e| param(e, "scope").is_none_or(|s| s.trim().is_empty()))
    {
        let answer = overgranted.first().map_or(String::new(), |(t, scopes)| {
            format!(
                " (the token answer #{} was granted `{}`)",
                t.seq,
                scopes.join(" ")
            )
        });
        return cx
            .fail(format!(
                "{} named no `scope`, so the org grants every scope the app offers{answer}. \
                 Ask for exactly what the job needs: `scope={}`.",
                show(e),
                p.required.join(" ")
            ))
            .with_evidence(std::iter::once(e.seq).chain(overgranted.first().map(|(t, _)| t.seq)));
    }
    let asking: Vec<(&Exchange, BTreeSet<String>)> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| asks_for_scope(e))
        .filter_map(|e| {
            let s = param(e, "scope")?;
            Some((e, s.split_whitespace().map(canonical_scope).collect()))
        })
        .collect();
    if asking.is_empty() {
        return cx.fail(format!(
            "No request named a `scope`. Ask for exactly what the job needs: {}.",
            p.required.join(" ")
        ));
    }
    let wanted = format!("`scope={}`", p.required.join(" "));
    // RFC 6749 §3.3: the scope is a list delimited by spaces. A comma makes `api,refresh_token`
    // one scope the org does not know (the mock org refuses it with invalid_scope; a real org's
    // answer to it is not documented).
    if let Some((e, listed)) = asking
        .iter()
        .find_map(|(e, scopes)| Some((e, scopes.iter().find(|s| s.contains(','))?)))
    {
        return cx
            .fail(format!(
                "{} asked for the scope `{listed}`: scopes go in one `scope` parameter separated by spaces, not commas (RFC 6749 §3.3), so the org reads it as one scope it does not know. Send {wanted} (URL-encoded, `{}`).",
                show(e),
                p.required.join("%20")
            ))
            .with_evidence([e.seq]);
    }
    // RFC 6749 §3.3: scope strings are case-sensitive, and Salesforce's are lower case, so
    // `API` is a scope the org does not know, not too much access.
    let misspelt = |s: &&String| !is_allowed(s) && is_allowed(&canonical_scope(&s.to_lowercase()));
    if let Some((e, cased)) = asking.iter().find_map(|(e, scopes)| {
        let cased: Vec<&String> = scopes.iter().filter(misspelt).collect();
        (!cased.is_empty()).then_some((e, cased))
    }) {
        let lower: Vec<String> = cased.iter().map(|s| s.to_lowercase()).collect();
        return cx
            .fail(format!(
                "{} asked for {}: scope names are case-sensitive (RFC 6749 §3.3) and the org's are lower case, so it reads these as scopes it does not know. Send {} as {wanted}.",
                show(e),
                quoted(&cased),
                quoted(&lower.iter().collect::<Vec<_>>()),
            ))
            .with_evidence([e.seq]);
    }
    for (e, scopes) in &asking {
        let extra: Vec<&String> = scopes.iter().filter(|s| !is_allowed(s)).collect();
        if !extra.is_empty() {
            return cx
                .fail(format!(
                    "{} asked for {}, which this job does not need; keep to `scope={}`.",
                    show(e),
                    quoted(&extra),
                    p.allowed.join(" ")
                ))
                .with_evidence([e.seq]);
        }
        let missing: Vec<&String> = p
            .required
            .iter()
            .filter(|s| !scopes.contains(&canonical_scope(s)))
            .collect();
        if !missing.is_empty() {
            return cx
                .fail(format!(
                    "{} did not ask for {}, which the job needs: send {wanted}.",
                    show(e),
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(" and ")
                ))
                .with_evidence([e.seq]);
        }
    }
    if let Some((e, scopes)) = overgranted.first() {
        let extra: Vec<&String> = scopes.iter().filter(|s| !is_allowed(s)).collect();
        return cx
            .fail(format!(
                "{} was answered with a token granted {}, which this job does not need; the \
                 request that started the grant should ask for `scope={}` only.",
                show(e),
                quoted(&extra),
                p.allowed.join(" ")
            ))
            .with_evidence([e.seq]);
    }
    cx.pass(format!(
        "Every scope request kept to what the job needs ({}).",
        plural(asking.len(), "request")
    ))
    .with_evidence(asking.iter().map(|(e, _)| e.seq))
}

pub(crate) fn client_used(p: &ClientUsed, cx: &Cx) -> Verdict {
    if let Some(na) = cx.mock_only("the authorization server's decision log") {
        return na;
    }
    let issued: Vec<_> = cx.ev.auth_log.iter().filter(|d| d.issued()).collect();
    if issued.is_empty() {
        return cx.fail("No token was issued, so no app was used.");
    }
    if let Some(other) = issued
        .iter()
        .find(|d| d.client_id.as_deref() != Some(p.client_id.as_str()))
    {
        return cx.fail(format!(
            "A token was issued to the client id {} ({} grant); every call should go through {}.",
            other.client_id.as_deref().unwrap_or("(none)"),
            other.grant,
            p.client_id
        ));
    }
    cx.pass(format!(
        "{} issued, all to {}.",
        plural(issued.len(), "token"),
        p.client_id
    ))
}

#[cfg(test)]
#[path = "oauth_usage_tests.rs"]
mod tests;
