//! `process.errors_reported`: every call the program gave up on — the last answer to it in a
//! run, after any retries, was a 4xx or 5xx — is reported in what that run printed (standard
//! output or standard error), so a failure does not vanish behind a helper that swallows it.
//!
//! A call is one request and its retries: the same method, path, query and body
//! ([`same_call`]), so a 401 followed by a refreshed retry that succeeded, or a 429 retried
//! into a 200, is no failure. A failure counts as reported when the run printed its status
//! code, or the error code (`errorCode`, OAuth's `error`) or the message (`message`,
//! `error_description`) its answer gives, each as a whole token (see [`mentions`]).
//!
//! Implementation notes: what was printed is not tied to when it was printed, so a retry
//! logged with its status ("429, waiting 4s") also names that status; the check catches the
//! program that says nothing, or says only "all good", not one whose wording is off.

use super::cx::{plural, same_call, show, Cx};
use super::http::WithPattern;
use super::mention::mentions;
use super::Verdict;
use crate::evidence::Exchange;
use crate::matcher::RequestPattern;
use serde::Deserialize;
use serde_json::Value;

/// `process.errors_reported`: the calls matching `pattern` that finally failed are reported.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorsReported {
    pub pattern: RequestPattern,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NothingElse {}

impl WithPattern for ErrorsReported {
    type Rest = NothingElse;
    fn assemble(pattern: RequestPattern, _: NothingElse) -> Self {
        ErrorsReported { pattern }
    }
}

/// The last attempt of each call matching `pattern`, in the order the calls were first made.
fn last_attempts<'e>(cx: &Cx<'e>, pattern: &RequestPattern) -> Vec<&'e Exchange> {
    let mut calls: Vec<&Exchange> = Vec::new();
    for e in cx
        .ev
        .exchanges
        .iter()
        .filter(|e| pattern.matches_exchange(e))
    {
        let earlier = calls
            .iter_mut()
            .find(|c| c.run_index == e.run_index && same_call(c, e));
        match earlier {
            Some(attempt) => *attempt = e,
            None => calls.push(e),
        }
    }
    calls
}

/// The error codes and messages an error answer's JSON body gives: a REST error list or
/// object, an OAuth error, or a gateway's `{"message": …}`.
fn said_in(body: &Value) -> Vec<String> {
    let errors: Vec<&Value> = match body {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let keys = ["errorCode", "error", "message", "error_description"];
    errors
        .iter()
        .flat_map(|e| keys.iter().filter_map(move |k| e.get(k)?.as_str()))
        .map(|s| s.trim().trim_end_matches('.').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `429 "API rate limit exceeded"`: the status and what the answer says, for a message.
fn described(e: &Exchange, said: &[String]) -> String {
    let status = e.status().map_or_else(String::new, |s| s.to_string());
    match said.first() {
        Some(first) => format!("{} ({status} {})", show(e), said_summary(first, said)),
        None => format!("{} ({status})", show(e)),
    }
}

fn said_summary(first: &str, said: &[String]) -> String {
    match said.get(1) {
        Some(second) => format!("{first} \"{second}\""),
        None => format!("\"{first}\""),
    }
}

pub(crate) fn errors_reported(p: &ErrorsReported, cx: &Cx) -> Verdict {
    if cx.ev.runs.is_empty() {
        return cx.fail("Your program did not run, so it reported nothing.");
    }
    let failed: Vec<&Exchange> = last_attempts(cx, &p.pattern)
        .into_iter()
        .filter(|e| e.status().is_some_and(|s| s >= 400))
        .collect();
    if failed.is_empty() {
        return cx.fail(format!(
            "No request {} was finally answered with an error, so there was nothing to report; the lab expects one to fail (was the request changed, or a throttled one tried more often than the brief allows?).",
            p.pattern.describe()
        ));
    }
    let printed = |run: usize| -> String {
        cx.ev
            .runs
            .iter()
            .filter(|r| r.index == run)
            .flat_map(|r| [r.stdout.judged_text(), r.stderr.judged_text()])
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut unreported = Vec::new();
    for e in &failed {
        let said = e.response_json().map(|b| said_in(&b)).unwrap_or_default();
        let status = e.status().map(|s| s.to_string());
        let text = printed(e.run_index);
        let named = status
            .iter()
            .chain(said.iter())
            .any(|word| mentions(&text, word));
        if !named {
            unreported.push((e, described(e, &said)));
        }
    }
    let evidence: Vec<u64> = failed.iter().map(|e| e.seq).collect();
    if unreported.is_empty() {
        return cx
            .pass(format!(
                "Your program reported each request that finally failed: {}.",
                failed
                    .iter()
                    .map(|e| described(e, &[]))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .with_evidence(evidence);
    }
    let mut runs: Vec<String> = unreported
        .iter()
        .map(|(e, _)| (e.run_index + 1).to_string())
        .collect();
    runs.dedup();
    cx.fail(format!(
        "Run {} printed nothing about {} that failed for good, neither the status nor the error code or message of {}: {}. Report each failure on stderr (the request, its status and the error its answer gives), then carry on: an error nobody hears of is work silently lost.",
        runs.join(" and "),
        plural(unreported.len(), "request"),
        if unreported.len() == 1 { "its answer" } else { "their answers" },
        unreported
            .iter()
            .map(|(_, d)| d.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .with_evidence(unreported.iter().map(|(e, _)| e.seq))
}

#[cfg(test)]
#[path = "errors_reported_tests.rs"]
mod tests;
