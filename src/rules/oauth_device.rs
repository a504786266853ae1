//! `oauth.device_polling`: every device login of the attempt is polled at the pace the org
//! set — the `interval` its start answered, 5 s more for every `slow_down`, for good — and
//! polling ends when the answer says so: with a token, or at once on any error other than
//! `authorization_pending` and `slow_down` (RFC 8628 §3.5).
//!
//! A login is a start (`response_type=device_code`) with the polls after it in the same run,
//! up to the next start. Each is judged on its own, in order, and the first that goes wrong
//! fails the check. A login may end without a token only when the org (or the lab, playing
//! it) ended it: `access_denied` (the person said no) or `expired_token` (nobody approved in
//! time) — and then no poll may follow. Any other refusal (`invalid_grant` for a wrong code,
//! say) is the client's mistake and fails as a login that got no token.

use super::super::cx::{is_success, plural, show, Cx};
use super::super::Verdict;
use super::{param, DevicePolling};
use crate::evidence::Exchange;

/// The answers that end a login without a token, by the person's or the clock's doing.
const LOGIN_ENDED: &[&str] = &["access_denied", "expired_token"];

fn is_device_start(e: &Exchange) -> bool {
    e.is_token_request() && param(e, "response_type").as_deref() == Some("device_code")
}

fn is_device_poll(e: &Exchange) -> bool {
    e.is_token_request()
        && matches!(
            param(e, "grant_type").as_deref(),
            Some("device" | "urn:ietf:params:oauth:grant-type:device_code")
        )
}

fn oauth_error(e: &Exchange) -> Option<String> {
    e.response_json()?
        .get("error")?
        .as_str()
        .map(str::to_string)
}

/// A refused poll whose answer means "stop": anything but `authorization_pending` and
/// `slow_down`.
fn is_final_refusal(e: &Exchange) -> bool {
    !is_success(e)
        && !matches!(
            oauth_error(e).as_deref(),
            Some("authorization_pending" | "slow_down")
        )
}

/// One device login: its start and the polls that belong to it.
struct Login<'a> {
    start: &'a Exchange,
    polls: Vec<&'a Exchange>,
}

fn logins<'e>(cx: &Cx<'e>) -> Vec<Login<'e>> {
    let mut logins: Vec<Login> = Vec::new();
    for e in &cx.ev.exchanges {
        if is_device_start(e) {
            logins.push(Login {
                start: e,
                polls: Vec::new(),
            });
        } else if is_device_poll(e) {
            if let Some(login) = logins
                .last_mut()
                .filter(|l| l.start.run_index == e.run_index)
            {
                login.polls.push(e);
            }
        }
    }
    logins
}

pub(crate) fn device_polling(p: &DevicePolling, cx: &Cx) -> Verdict {
    let logins = logins(cx);
    if logins.is_empty() {
        return cx.fail(
            "No device login was started (POST to the token endpoint with response_type=device_code).",
        );
    }
    let several_runs = cx.ev.runs.len() > 1;
    let mut sentences = Vec::new();
    let mut evidence = Vec::new();
    for login in &logins {
        let prefix = if several_runs {
            format!("Run {}: ", login.start.run_index + 1)
        } else {
            String::new()
        };
        let staged = p.ended_in_runs.contains(&(login.start.run_index + 1));
        if let Some(token) = login.polls.last().filter(|l| staged && is_success(l)) {
            let mut seqs = vec![login.start.seq];
            seqs.extend(login.polls.iter().map(|e| e.seq));
            return cx
                .fail(format!(
                    "{prefix}{} got a token, but in this run the lab ends the device login \
                     ({}), so that scenario could not be staged and the run shows nothing of \
                     how the client stops. Poll the token endpoint with the device grant in \
                     the form body (`grant_type=device`, or RFC 8628's \
                     `urn:ietf:params:oauth:grant-type:device_code`).",
                    show(token),
                    LOGIN_ENDED.join(" or ")
                ))
                .with_evidence(seqs);
        }
        match judge_login(p, login) {
            Ok((sentence, seqs)) => {
                sentences.push(format!("{prefix}{sentence}"));
                evidence.extend(seqs);
            }
            Err((message, seqs)) => {
                return cx.fail(format!("{prefix}{message}")).with_evidence(seqs)
            }
        }
    }
    let unstaged: Vec<String> = p
        .ended_in_runs
        .iter()
        .filter(|run| !logins.iter().any(|l| l.start.run_index + 1 == **run))
        .map(|run| run.to_string())
        .collect();
    if !unstaged.is_empty() {
        return cx
            .fail(format!(
                "Run {} started no device login, so the lab could not stage its ending ({}) \
                 there and the run shows nothing of how the client stops. Start a new device \
                 login (response_type=device_code) in every run; a token kept from an earlier \
                 run skips it.",
                unstaged.join(" and "),
                LOGIN_ENDED.join(" or ")
            ))
            .with_evidence(evidence);
    }
    cx.pass(sentences.join(" ")).with_evidence(evidence)
}

type Judged = Result<(String, Vec<u64>), (String, Vec<u64>)>;

fn judge_login(p: &DevicePolling, login: &Login) -> Judged {
    let start = login.start;
    let mut interval_ms = start
        .response_json()
        .and_then(|v| v.get("interval").and_then(|i| i.as_i64()))
        .unwrap_or(5)
        * 1000;
    let mut seqs = vec![start.seq];
    let mut previous = start;
    // The last poll answered slow_down, while it is not the one just before.
    let mut slowed_earlier: Option<&Exchange> = None;
    for (i, poll) in login.polls.iter().enumerate() {
        if previous.seq != start.seq && is_final_refusal(previous) {
            return Err(kept_polling(previous, &login.polls[i..], seqs));
        }
        seqs.push(poll.seq);
        let gap = (poll.started_at - previous.finished_at).num_milliseconds();
        if gap + p.tolerance_ms < interval_ms {
            let advice = match slowed_earlier {
                Some(slow) => format!(
                    " The slow_down answer to {} raised it for every later poll, not only the \
                     next one (RFC 8628 §3.5): keep the longer wait until the login ends.",
                    show(slow)
                ),
                None => " Wait the interval the login's start answered (`interval`, not a \
                         fixed number of seconds) between polls, and add 5 s each time the \
                         answer is slow_down."
                    .to_string(),
            };
            return Err((
                format!(
                    "{} came {gap} ms after the previous answer; the interval was {} s.{advice}",
                    show(poll),
                    interval_ms / 1000
                ),
                seqs,
            ));
        }
        if oauth_error(previous).as_deref() == Some("slow_down") {
            slowed_earlier = Some(previous);
        }
        if oauth_error(poll).as_deref() == Some("slow_down") {
            interval_ms += 5000;
        }
        previous = poll;
    }
    let Some(last) = login.polls.last() else {
        if let Some(error) = super::super::oauth::token_refusal(start) {
            return Err((
                format!(
                    "The start of the device login ({}) was refused ({error}), so there was no device code to poll for. Fix the start request first.",
                    show(start)
                ),
                seqs,
            ));
        }
        return Err((
            "The device login was started but the token endpoint was never polled for it."
                .to_string(),
            seqs,
        ));
    };
    if is_success(last) {
        return Ok((
            format!(
                "Polled {} at the server's pace and got a token.",
                plural(login.polls.len(), "time")
            ),
            seqs,
        ));
    }
    let error = oauth_error(last);
    if let Some(ended) = error.as_deref().filter(|e| LOGIN_ENDED.contains(e)) {
        return Ok((
            format!(
                "Polled at the server's pace and stopped at once when {} was answered {ended}.",
                show(last)
            ),
            seqs,
        ));
    }
    Err((
        format!(
            "The last poll ({}) got no token ({}); keep polling while the answer is \
             authorization_pending or slow_down.",
            show(last),
            error.unwrap_or_else(|| format!("status {}", last.status().unwrap_or(0)))
        ),
        seqs,
    ))
}

/// The failure of a login polled again after an answer that ended it.
fn kept_polling(ended: &Exchange, later: &[&Exchange], mut seqs: Vec<u64>) -> (String, Vec<u64>) {
    seqs.extend(later.iter().map(|e| e.seq));
    let error =
        oauth_error(ended).unwrap_or_else(|| format!("status {}", ended.status().unwrap_or(0)));
    (
        format!(
            "{} was answered {error}, which ends the device login, but the client polled {} more (first: {}). Stop polling at once on any answer other than authorization_pending and slow_down, and report it: {error} will not turn into a token, however long you poll.",
            show(ended),
            plural(later.len(), "time"),
            show(later[0])
        ),
        seqs,
    )
}
