//! `oauth.refresh_then_retry_once`: after a call is answered 401, the client refreshes its
//! token once and repeats the call once with the new token — and, when that retry is refused
//! too, stops there instead of refreshing again.
//!
//! Every run that met a 401 is judged on its own (the first 401 of the run). A retry that
//! succeeds ends the recovery. A retry the lab refused as well (its answer carries the
//! proxy's `session_expired` fault: the new session was expired under the client, as when an
//! admin revokes the login) must be the last attempt: any later refresh, or the same call sent
//! again, in that run is a loop that hides the real problem. Whether the program then reports
//! the failure is judged by the lab's `process.exit_refused` check for that run.
//!
//! Implementation notes: a retry refused with no fault behind it (the new token was sent
//! wrongly, or not at all) is the client's mistake and fails as before; only a refusal the
//! lab caused is a refusal the client may give up on.

use super::super::cx::{is_oauth_endpoint, is_success, same_request, show, Cx};
use super::super::Verdict;
use super::grant_of;
use crate::evidence::Exchange;

fn is_refresh(e: &Exchange) -> bool {
    e.is_token_request() && grant_of(e).as_deref() == Some("refresh_token")
}

/// The `error` (and `error_description`) of a refused token request's JSON answer.
fn oauth_error_of(e: &Exchange) -> Option<String> {
    let body = e.response_json()?;
    let error = body.get("error")?.as_str()?;
    Some(
        match body.get("error_description").and_then(|d| d.as_str()) {
            Some(d) => format!("{error}, {d}"),
            None => error.to_string(),
        },
    )
}

/// The first refresh of run `run` not prompted by a 401: the API call before it (if any) was
/// not answered 401. Where the proxy knows which start of the learner's client sent each
/// request, "before it" is that client's own last call, so clients run side by side (a test
/// that starts three at once) each answer their own 401; a client that refreshes from a start
/// of its own that has made no API call goes by the run's last call.
fn unprompted_refresh(ex: &[Exchange], run: usize) -> Option<&Exchange> {
    let mut last_api_status = None;
    let mut by_client: std::collections::HashMap<u32, Option<u16>> = Default::default();
    for e in ex.iter().filter(|e| e.run_index == run) {
        let client = crate::rules::retry::client_start(e);
        if is_refresh(e) {
            let before = client
                .and_then(|c| by_client.get(&c).copied())
                .unwrap_or(last_api_status);
            if before != Some(401) {
                return Some(e);
            }
        } else if !is_oauth_endpoint(e) {
            last_api_status = e.status();
            if let Some(c) = client {
                by_client.insert(c, e.status());
            }
        }
    }
    None
}

/// The starts of the learner's client in run `run` that made more than one call (a client
/// program, as opposed to a `curl` run once for each call): where several of them call at
/// once, each one's recovery is judged on its own calls.
fn client_groups(ex: &[Exchange], run: usize) -> Vec<u32> {
    let mut counts: std::collections::HashMap<u32, usize> = Default::default();
    for e in ex.iter().filter(|e| e.run_index == run) {
        if let Some(c) = crate::rules::retry::client_start(e) {
            *counts.entry(c).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(c, _)| c)
        .collect()
}

/// The position of each run's first API call answered 401, in run order.
fn first_401_per_run(ex: &[Exchange]) -> Vec<usize> {
    let mut seen_runs = Vec::new();
    let mut firsts = Vec::new();
    for (i, e) in ex.iter().enumerate() {
        if !is_oauth_endpoint(e) && e.status() == Some(401) && !seen_runs.contains(&e.run_index) {
            seen_runs.push(e.run_index);
            firsts.push(i);
        }
    }
    firsts
}

/// How one run's recovery went, when it went right.
struct Recovery {
    sentence: String,
    evidence: Vec<u64>,
}

pub(crate) fn refresh_then_retry_once(cx: &Cx) -> Verdict {
    let ex = &cx.ev.exchanges;
    let firsts = first_401_per_run(ex);
    if firsts.is_empty() {
        return cx.fail(
            "No API call was answered 401, so there was nothing to recover from. The lab expires \
             the session during the run: make sure your code makes its API calls with the token.",
        );
    }
    let several_runs = cx.ev.runs.len() > 1;
    let mut sentences = Vec::new();
    let mut evidence = Vec::new();
    for i in firsts {
        let prefix = if several_runs {
            format!("Run {}: ", ex[i].run_index + 1)
        } else {
            String::new()
        };
        match judge_recovery(cx, i) {
            Ok(r) => {
                sentences.push(format!("{prefix}{}", r.sentence));
                evidence.extend(r.evidence);
            }
            Err((message, seqs)) => {
                return cx.fail(format!("{prefix}{message}")).with_evidence(seqs);
            }
        }
    }
    cx.pass(sentences.join(" ")).with_evidence(evidence)
}

/// Judges the recovery from the 401 at `ex[i]`: `Err` holds the failure's message and evidence.
fn judge_recovery(cx: &Cx, i: usize) -> Result<Recovery, (String, Vec<u64>)> {
    let ex = &cx.ev.exchanges;
    let failed = &ex[i];
    // Where clients ran side by side, each recovers on its own: the calls of other clients
    // (each a start that made several calls) are left out of this one's recovery.
    let groups = client_groups(ex, failed.run_index);
    let group = |e: &Exchange| crate::rules::retry::client_start(e).filter(|c| groups.contains(c));
    let mine = group(failed);
    let after: Vec<&Exchange> = ex[i + 1..]
        .iter()
        .filter(|e| e.run_index == failed.run_index)
        .filter(|e| mine.is_none() || group(e).is_none() || group(e) == mine)
        .collect();
    let retry_at = after.iter().position(|e| same_request(e, failed));
    let window = &after[..retry_at.unwrap_or(after.len())];
    let refreshes: Vec<&&Exchange> = window.iter().filter(|e| is_refresh(e)).collect();
    let other_grants: Vec<&&Exchange> = window
        .iter()
        .filter(|e| e.is_token_request() && !is_refresh(e))
        .collect();
    let mut seqs: Vec<u64> = vec![failed.seq];
    seqs.extend(refreshes.iter().map(|e| e.seq));
    seqs.extend(other_grants.iter().map(|e| e.seq));
    // A token request whose grant could not be read (sent as JSON, a misspelt grant_type)
    // is named for what it is: it may well have been meant as the refresh.
    let flawed = other_grants
        .iter()
        .find_map(|g| super::token_shape::flaw(g));
    if let (true, Some(flaw)) = (refreshes.is_empty(), &flawed) {
        let msg = format!(
            "After the 401 on {}, the client's token request was not a refresh the org could read: {flaw}.",
            show(failed)
        );
        return Err((msg, seqs));
    }
    let Some(retry_at) = retry_at else {
        let msg = if refreshes.is_empty() {
            format!(
                "{} was answered 401 and the client neither refreshed the token nor retried.",
                show(failed)
            )
        } else if let Some(refused) = refreshes.iter().find(|e| !is_success(e)) {
            format!(
                "{} was answered 401; the client tried to refresh the token, but the token endpoint refused it ({} was answered {}{}), so there was no new token to retry with. Send the refresh request as the app needs it (its client_id, and its client_secret when it has one).",
                show(failed),
                show(refused),
                refused.status().map_or("nothing".to_string(), |s| s.to_string()),
                oauth_error_of(refused)
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            )
        } else {
            format!(
                "{} was answered 401; the client refreshed the token but never retried the call.",
                show(failed)
            )
        };
        return Err((msg, seqs));
    };
    let retry = after[retry_at];
    seqs.push(retry.seq);
    if refreshes.is_empty() {
        let msg = match other_grants.first() {
            Some(g) => format!(
                "After the 401 on {}, the client logged in again with the {} grant ({}) instead of \
                 using its refresh token.",
                show(failed),
                grant_of(g).unwrap_or_default(),
                show(g)
            ),
            None => format!(
                "After the 401 on {}, the client retried ({}) without refreshing the token first.",
                show(failed),
                show(retry)
            ),
        };
        return Err((msg, seqs));
    }
    if refreshes.len() > 1 {
        let msg = format!(
            "After the 401 on {}, the client refreshed {} times; once is enough.",
            show(failed),
            refreshes.len()
        );
        return Err((msg, seqs));
    }
    if !is_success(refreshes[0]) {
        let msg = format!(
            "The refresh ({}) was refused with status {}.",
            show(refreshes[0]),
            refreshes[0].status().unwrap_or(0)
        );
        return Err((msg, seqs));
    }
    let old = failed.request_header("authorization");
    if old.is_some() && old == retry.request_header("authorization") {
        let msg = format!(
            "The retry ({}) sent the same expired token again; use the new access token from the refresh.",
            show(retry)
        );
        return Err((msg, seqs));
    }
    let rest = &after[retry_at + 1..];
    if !is_success(retry) && refused_by_the_lab(retry) {
        return stopped_after_refused_retry(failed, refreshes[0], retry, rest, seqs);
    }
    let later_attempts: Vec<&&Exchange> = rest
        .iter()
        .take_while(|e| same_request(e, failed) || e.is_token_request())
        .filter(|e| same_request(e, failed))
        .collect();
    if !later_attempts.is_empty() && !is_success(retry) {
        seqs.extend(later_attempts.iter().map(|e| e.seq));
        let msg = format!(
            "The call was retried {} times in a row; retry once, then stop and report the error.",
            later_attempts.len() + 1
        );
        return Err((msg, seqs));
    }
    if !is_success(retry) {
        let msg = format!(
            "The retry ({}) was answered {}.",
            show(retry),
            retry.status().unwrap_or(0)
        );
        return Err((msg, seqs));
    }
    if let Some(early) = unprompted_refresh(ex, failed.run_index) {
        seqs.push(early.seq);
        let msg = format!(
            "The client refreshed the token at {} although no call had been answered 401: the token it had still worked. Refresh when a call is refused with 401, not before every call — each refresh costs a round trip and counts against the app's limits.",
            show(early)
        );
        return Err((msg, seqs));
    }
    Ok(Recovery {
        sentence: format!(
            "After the 401 on {}, the client refreshed once ({}) and retried once ({}), which succeeded.",
            show(failed),
            show(refreshes[0]),
            show(retry)
        ),
        evidence: seqs,
    })
}

/// A retry answered 401 by the lab's doing (a fault fired on it: the new session was expired
/// too), not for a token the client got wrong: the client had nothing left to try.
fn refused_by_the_lab(retry: &Exchange) -> bool {
    retry.status() == Some(401) && retry.fault.is_some()
}

/// After a retry the lab refused as well, nothing more of the same: no refresh, no further
/// attempt of the call in the run.
fn stopped_after_refused_retry(
    failed: &Exchange,
    refresh: &Exchange,
    retry: &Exchange,
    rest: &[&Exchange],
    mut seqs: Vec<u64>,
) -> Result<Recovery, (String, Vec<u64>)> {
    let more_refreshes: Vec<&&Exchange> = rest.iter().filter(|e| is_refresh(e)).collect();
    let more_attempts: Vec<&&Exchange> = rest.iter().filter(|e| same_request(e, failed)).collect();
    if more_refreshes.is_empty() && more_attempts.is_empty() {
        return Ok(Recovery {
            sentence: format!(
                "After the 401 on {}, the client refreshed once ({}) and retried once ({}); the retry was refused too, and the client stopped there.",
                show(failed),
                show(refresh),
                show(retry)
            ),
            evidence: seqs,
        });
    }
    seqs.extend(more_refreshes.iter().map(|e| e.seq));
    seqs.extend(more_attempts.iter().map(|e| e.seq));
    seqs.sort_unstable();
    let mut kept_going = Vec::new();
    if !more_refreshes.is_empty() {
        kept_going.push(again(more_refreshes.len(), "refreshed the token"));
    }
    if !more_attempts.is_empty() {
        kept_going.push(again(more_attempts.len(), "sent the call"));
    }
    let first_more = rest
        .iter()
        .find(|e| is_refresh(e) || same_request(e, failed))
        .map_or_else(String::new, |e| format!(" (first: {})", show(e)));
    Err((
        format!(
            "After the 401 on {}, the client refreshed ({}) and retried ({}), and the retry was refused too — but then it {}{first_more}. When the retry after a refresh fails as well, stop and report the error: refreshing in a loop hides the real problem (a revoked login, a missing permission) and burns the app's allowance.",
            show(failed),
            show(refresh),
            show(retry),
            kept_going.join(" and "),
        ),
        seqs,
    ))
}

/// "refreshed the token again", "refreshed the token 3 more times".
fn again(n: usize, what: &str) -> String {
    if n == 1 {
        format!("{what} again")
    } else {
        format!("{what} {n} more times")
    }
}
