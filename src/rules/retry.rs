//! `retry.*` rules: Retry-After honoured, back-off that grows, no retry of a request the
//! server rejected as wrong (4xx).
//!
//! Gaps are measured at the proxy: from the moment the refusal was sent to the moment the
//! retry arrived. The client sees the refusal a little later than the proxy sent it, so the
//! measured gap is never shorter than the wait the client actually made.
//!
//! With `same_client_start`, and when the proxy knows which of the learner's processes sent
//! each request (see `proxy::peer`), a retry of a throttled call must come from the same start
//! of the client as the call: a test script that runs a failed client again would otherwise
//! hide a client that gives up.

use super::cx::{plural, same_call, same_request, show, Cx};
use super::retry_deliveries::caused_by_delivery;
use super::Verdict;
use crate::evidence::Exchange;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

/// Timer granularity allowed when comparing a wait with Retry-After.
const TOLERANCE_MS: i64 = 20;

/// What a retry may take on top of its wait before it reaches the proxy (starting a process,
/// opening a connection), when judging `at_most_extra_ms`.
const LATE_TOLERANCE_MS: i64 = 150;

/// `retry.honors_retry_after`: which statuses carry the Retry-After to honour.
///
/// Every throttled answer must be retried, after the wait it asked for. With `tries`, the
/// client's budget of attempts per request: more attempts in a row fail (a loop that never
/// gives up), and a throttled answer to the last allowed try may stay unretried. With
/// `at_most_extra_ms`, a retry may come at most that much later than asked: a lab whose
/// answers ask for different waits tells a fixed sleep from reading the header. With
/// `same_client_start`, for a lab whose `./run` is a test script that starts a client program
/// per case, the retry must come from the same start of that client (the process right below
/// `./run`) as the throttled call: a test that runs a failed client again would otherwise hide
/// a client that gives up. Off by default: where `./run` is the client itself, each try may
/// well be a new `curl`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HonorsRetryAfter {
    #[serde(default = "throttle_statuses")]
    pub statuses: Vec<u16>,
    #[serde(default)]
    pub tries: Option<usize>,
    #[serde(default)]
    pub at_most_extra_ms: Option<i64>,
    #[serde(default)]
    pub same_client_start: bool,
}

impl HonorsRetryAfter {
    /// Why the parameters make no sense, for the lab's load.
    pub(crate) fn problem(&self) -> Option<String> {
        if self.tries == Some(0) {
            return Some(
                "`tries: 0` allows no call at all: give how many tries the client may make in all (1 or more), or leave `tries` out".into(),
            );
        }
        if let Some(ms) = self.at_most_extra_ms.filter(|ms| *ms < 0) {
            return Some(format!(
                "`at_most_extra_ms: {ms}` would ask for a retry before the wait is over: give 0 or more milliseconds"
            ));
        }
        if self.statuses.is_empty() {
            return Some("`statuses: []` names no status to judge: list the throttled statuses (e.g. [429, 503]) or leave `statuses` out".into());
        }
        None
    }
}

fn throttle_statuses() -> Vec<u16> {
    vec![429, 503]
}

/// `retry.backoff`: the waits between attempts of one failing request grow, each at least
/// `min_growth` times the one before (and longer), until they stop growing at a cap: once a
/// wait has grown, later waits may stay at the longest so far (a back-off capped at, say, 30 s
/// keeps waiting 30 s) but never fall back below it. A wait grows only by more than timer
/// noise ([`TOLERANCE_MS`]): retries sent with no pause or a fixed one do not pass by chance.
/// With `cap_ms`, no wait may be longer than that (plus timer tolerance): a lab that asks for
/// a capped back-off fails an uncapped one.
/// Attempts of a request count while each is answered 429, 5xx, a transient 4xx
/// ([`TRANSIENT_CODES`]) or nothing. A wait chosen at random each time (full jitter) cannot be
/// told from no back-off in a few attempts and is not judged kindly; jitter added on top of a
/// growing wait is fine while each wait still grows. When no request needed more than one
/// retry (a client that parks a failed order and retries it later from a sweeper), there are
/// no waits to compare: each single retry must then have worked and have waited at least
/// [`LEAST_PAUSE_MS`]. A longer chain is judged by its growth, not by its first step (a 0.2 s
/// base, or the first wait of a back-off with jitter, may well be shorter than 0.25 s), but its
/// waits together must still give the failing system that pause: waits of 35 ms then 62 ms
/// grow, and hammer all the same.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backoff {
    #[serde(default = "one")]
    pub min_growth: f64,
    #[serde(default)]
    pub cap_ms: Option<i64>,
}

impl Backoff {
    /// Why the parameters make no sense, for the lab's load.
    pub(crate) fn problem(&self) -> Option<String> {
        if self.min_growth.is_nan() || self.min_growth < 1.0 {
            return Some(format!(
                "`min_growth: {}` is below 1, so it would let the waits shrink: give 1 (each wait at least as long as the one before) or more, e.g. 2 for doubling",
                self.min_growth
            ));
        }
        if let Some(ms) = self.cap_ms.filter(|ms| *ms <= 0) {
            return Some(format!(
                "`cap_ms: {ms}` leaves no room for a wait: give the longest wait in milliseconds (more than 0), or leave `cap_ms` out"
            ));
        }
        None
    }
}

fn one() -> f64 {
    1.0
}

/// `retry.no_retry_on_4xx`: statuses that must not be retried.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoRetryOn4xx {
    #[serde(default = "client_errors")]
    pub statuses: Vec<u16>,
}

impl NoRetryOn4xx {
    /// Why the parameters make no sense, for the lab's load.
    pub(crate) fn problem(&self) -> Option<String> {
        let other: Vec<String> = self
            .statuses
            .iter()
            .filter(|s| !(400..=499).contains(*s))
            .map(u16::to_string)
            .collect();
        if !other.is_empty() {
            return Some(format!(
                "`statuses:` lists {}, which {}: this check judges client errors (400–499), which sending again cannot fix; list only those",
                other.join(", "),
                if other.len() == 1 {
                    "is not a 4xx status"
                } else {
                    "are not 4xx statuses"
                }
            ));
        }
        if self.statuses.is_empty() {
            return Some("`statuses: []` names no status to judge: list the 4xx statuses that must not be retried (e.g. [400, 404]) or leave `statuses` out".into());
        }
        None
    }
}

fn client_errors() -> Vec<u16> {
    vec![400, 404]
}

/// Retry-After as seconds or an HTTP date, as a wait from `sent`.
pub(crate) fn retry_after(value: &str, sent: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u32>() {
        return Some(Duration::seconds(i64::from(secs)));
    }
    let date = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some((date - sent).max(Duration::zero()))
}

/// The index of the next attempt of the call at `i` (see [`same_call`]), in the same run.
fn next_attempt(ex: &[Exchange], i: usize) -> Option<usize> {
    let first = &ex[i];
    ex[i + 1..]
        .iter()
        .position(|e| e.run_index == first.run_index && same_call(e, first))
        .map(|rel| i + 1 + rel)
}

/// Like [`next_attempt`], passing over the calls an event delivery caused (see
/// [`super::retry_deliveries`]) that the server took: those were made because the event came
/// again, not because the call at `i` failed. One that failed as well stays in the chain of
/// attempts: the request is still failing, and a client that retries while the event comes
/// again (its next try is the first request after the delivery) keeps one chain of waits.
fn next_retry(ex: &[Exchange], i: usize, by_delivery: &[bool]) -> Option<usize> {
    let first = &ex[i];
    (i + 1..ex.len()).find(|&j| {
        ex[j].run_index == first.run_index
            && same_call(&ex[j], first)
            && (!by_delivery[j] || retryable(&ex[j]))
    })
}

/// The start of the learner's client that sent `e`: of the processes from the sender up to the
/// program sflab started, the one just below that program (the program itself when it sent
/// the request); `None` when the proxy could not tell.
pub(crate) fn client_start(e: &Exchange) -> Option<u32> {
    let chain = &e.client_processes;
    match chain.len() {
        0 => None,
        1 => chain.first().copied(),
        n => chain.get(n - 2).copied(),
    }
}

/// Whether `retry` came from another start of the client than `answered` — a test that runs a
/// failed client again — when the proxy knows both senders.
fn started_again(answered: &Exchange, retry: &Exchange) -> Option<(u32, u32)> {
    let (a, b) = (client_start(answered)?, client_start(retry)?);
    (a != b).then_some((a, b))
}

fn gap(before: &Exchange, after: &Exchange) -> Duration {
    after.started_at - before.finished_at
}

/// One throttled answer and the retry that honoured its wait.
struct Waited {
    asked: Duration,
    waited: Duration,
    /// Indexes of the answer and of its retry.
    answer: usize,
    retry: usize,
}

/// Offsets from what was asked that agree this closely read as one margin added to each
/// Retry-After.
const SAME_MARGIN_MS: i64 = 400;

/// Why the retries in `waits` came too late — more than `extra` after what was asked — if
/// any did. When every retry came the same margin too late across different asks, the
/// client read the header and added to it, and is told so; otherwise it slept a fixed time.
fn too_late(waits: &[Waited], extra: Duration, ex: &[Exchange]) -> Option<String> {
    let allowed = extra + Duration::milliseconds(LATE_TOLERANCE_MS);
    let late = waits.iter().find(|w| w.waited > w.asked + allowed)?;
    let offsets: Vec<Duration> = waits.iter().map(|w| w.waited - w.asked).collect();
    let (low, high) = (offsets.iter().min()?, offsets.iter().max()?);
    let asks_differ = waits.iter().any(|w| w.asked != waits[0].asked);
    let same_margin = *high - *low <= Duration::milliseconds(SAME_MARGIN_MS);
    let (shortest, longest) = (
        waits.iter().map(|w| w.waited).min()?,
        waits.iter().map(|w| w.waited).max()?,
    );
    let same_sleep = longest - shortest <= Duration::milliseconds(SAME_MARGIN_MS);
    if asks_differ && same_margin && *low > allowed {
        let shown: Vec<String> = waits
            .iter()
            .map(|w| {
                format!(
                    "#{} asked {}, the retry came {} later",
                    ex[w.answer].seq,
                    secs(w.asked),
                    secs(w.waited)
                )
            })
            .collect();
        return Some(format!(
            "Your retries follow each Retry-After, but every one came about {} after the time asked ({}). This lab allows at most {} past it: keep any safety margin under that.",
            secs(*low),
            shown.join("; "),
            secs(extra)
        ));
    }
    let (answer, retry) = (&ex[late.answer], &ex[late.retry]);
    let advice = if same_sleep {
        "Wait what each answer asks for, not a fixed time: read its Retry-After."
    } else {
        "Wait what each answer asks for; any jitter or margin you add must stay under that."
    };
    Some(format!(
        "{} was answered {} with Retry-After {}, but the retry ({}) came {} later: {} past the wait asked, and this lab allows at most {}. {advice}",
        show(answer),
        answer.status().unwrap_or(0),
        secs(late.asked),
        show(retry),
        secs(late.waited),
        secs_exact(late.waited - late.asked),
        secs(extra)
    ))
}

/// A duration to the millisecond when it is under a minute (`1.004s`), so a small excess
/// over a limit does not print as the limit itself.
fn secs_exact(d: Duration) -> String {
    format!("{:.3}s", d.num_milliseconds() as f64 / 1000.0)
}

/// A duration as a learner would write it, without rounding: `0.25s`, `1s`, `1.5s`.
fn secs_plain(d: Duration) -> String {
    let shown = format!("{:.3}", d.num_milliseconds() as f64 / 1000.0);
    format!("{}s", shown.trim_end_matches('0').trim_end_matches('.'))
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.num_milliseconds() as f64 / 1000.0)
}

/// For each exchange, the first exchange of its run of attempts: an answer with one of
/// `statuses` makes the next same request a retry of it.
fn attempt_chains(ex: &[Exchange], statuses: &[u16]) -> Vec<usize> {
    let mut first: Vec<usize> = (0..ex.len()).collect();
    for i in 0..ex.len() {
        if ex[i].status().is_some_and(|s| statuses.contains(&s)) {
            if let Some(j) = next_attempt(ex, i) {
                first[j] = first[i];
            }
        }
    }
    first
}

pub(crate) fn honors_retry_after(p: &HonorsRetryAfter, cx: &Cx) -> Verdict {
    let ex = &cx.ev.exchanges;
    let first = attempt_chains(ex, &p.statuses);
    // The attempts of the chain `i` belongs to, up to and including `i`.
    let chain_to = |i: usize| -> Vec<usize> { (0..=i).filter(|&k| first[k] == first[i]).collect() };
    let mut asked = Vec::new();
    let mut judged = Vec::new();
    let mut gave_up = Vec::new();
    let mut waits = Vec::new();
    for (i, e) in ex.iter().enumerate() {
        let Some(status) = e.status().filter(|s| p.statuses.contains(s)) else {
            continue;
        };
        let Some(wait) = e
            .response_header("retry-after")
            .and_then(|v| retry_after(v, e.finished_at))
        else {
            continue;
        };
        asked.push(e.seq);
        let tries_so_far = chain_to(i).len();
        let Some(j) = next_attempt(ex, i) else {
            if p.tries.is_some_and(|t| tries_so_far >= t) {
                gave_up.push(e.seq);
                continue;
            }
            let budget = p
                .tries
                .map(|t| format!(" (up to {t} tries in all)"))
                .unwrap_or_default();
            return cx
                .fail(format!(
                    "{} was answered {status} with Retry-After {}, but never retried: a throttled call is not a failure yet; wait that long and send it again{budget}.",
                    show(e),
                    secs(wait)
                ))
                .with_evidence([e.seq]);
        };
        let next = &ex[j];
        if let Some((first_pid, again_pid)) = started_again(e, next).filter(|_| p.same_client_start)
        {
            return cx
                .fail(format!(
                    "{} was answered {status} with Retry-After {}, and the next try ({}) came from another start of your client (process {first_pid} got the {status}, process {again_pid} sent the retry): the client that was told to wait did not try again itself. Make the client wait what Retry-After asks and send the call again; a test that runs a failed client once more hides that it does not.",
                    show(e),
                    secs(wait),
                    show(next)
                ))
                .with_evidence([e.seq, next.seq]);
        }
        let chain = chain_to(j);
        if let Some(t) = p.tries.filter(|&t| chain.len() > t) {
            let seqs: Vec<String> = chain.iter().map(|&k| format!("#{}", ex[k].seq)).collect();
            return cx
                .fail(format!(
                    "{} was tried {} times in a row ({}); stop after {t} tries and report the failure, or a long outage keeps your program looping.",
                    show(&ex[chain[0]]),
                    chain.len(),
                    seqs.join(", ")
                ))
                .with_evidence(chain.iter().map(|&k| ex[k].seq));
        }
        let waited = gap(e, next);
        if waited + Duration::milliseconds(TOLERANCE_MS) < wait {
            return cx
                .fail(format!(
                    "{} was answered {status} with Retry-After {}, but the retry ({}) came after only {}.",
                    show(e),
                    secs(wait),
                    show(next),
                    secs(waited)
                ))
                .with_evidence([e.seq, next.seq]);
        }
        waits.push(Waited {
            asked: wait,
            waited,
            answer: i,
            retry: j,
        });
        judged.push(e.seq);
        judged.push(next.seq);
    }
    if asked.is_empty() {
        return cx.fail(
            "No response asked the client to wait (no 429/503 with Retry-After), so there was nothing to honour; make sure your code made its calls.",
        );
    }
    if let Some(extra) = p.at_most_extra_ms.map(Duration::milliseconds) {
        if let Some(message) = too_late(&waits, extra, ex) {
            let seqs = waits
                .iter()
                .flat_map(|w| [ex[w.answer].seq, ex[w.retry].seq]);
            return cx.fail(message).with_evidence(seqs);
        }
    }
    let given_up = match (p.tries, gave_up.as_slice()) {
        (Some(t), [_, ..]) => {
            let seqs: Vec<String> = gave_up.iter().map(|s| format!("#{s}")).collect();
            format!(
                " After {t} tries the client gave up ({}), as it should.",
                seqs.join(", ")
            )
        }
        _ => String::new(),
    };
    judged.extend(gave_up);
    judged.sort_unstable();
    judged.dedup();
    cx.pass(format!(
        "Every throttled call was retried, each after waiting at least as long as Retry-After asked.{given_up}"
    ))
    .with_evidence(judged)
}

/// An answer the same request may be sent again after: throttled, a server error, a
/// transient 4xx (a locked row), or none at all.
fn retryable(e: &Exchange) -> bool {
    match e.status() {
        None => true,
        Some(s) => s == 429 || s >= 500 || ((400..500).contains(&s) && transient(e)),
    }
}

pub(crate) fn backoff(p: &Backoff, cx: &Cx) -> Verdict {
    let ex = &cx.ev.exchanges;
    let mut used = vec![false; ex.len()];
    let mut judged_any = false;
    let mut evidence = Vec::new();
    let mut longest_chain = 1;
    let mut failed_any = false;
    // Requests retried once only: (the failed attempt, its retry).
    let mut single_retries = Vec::new();
    // A call made again because its event was delivered again is no retry of the one before.
    let by_delivery = caused_by_delivery(cx.ev, same_call);
    for start in 0..ex.len() {
        if used[start] || !retryable(&ex[start]) {
            continue;
        }
        // Follow the chain of attempts of the same request while each one failed.
        let mut chain = vec![start];
        let mut at = start;
        while retryable(&ex[at]) {
            let Some(next) = next_retry(ex, at, &by_delivery) else {
                break;
            };
            at = next;
            chain.push(at);
        }
        chain.iter().for_each(|&i| used[i] = true);
        longest_chain = longest_chain.max(chain.len());
        failed_any = true;
        if chain.len() == 2 {
            single_retries.push((chain[0], chain[1]));
        }
        if chain.len() < 3 {
            continue;
        }
        judged_any = true;
        let gaps: Vec<Duration> = chain
            .windows(2)
            .map(|w| gap(&ex[w[0]], &ex[w[1]]))
            .collect();
        // To the millisecond: waits a tenth of a second apart or less would otherwise read
        // alike (0.23 s and 0.25 s both as 0.2s) in a verdict about their growth.
        let shown = || {
            let each: Vec<String> = gaps.iter().map(|g| secs_plain(*g)).collect();
            each.join(", ")
        };
        if let Some(k) = not_backing_off(&gaps, p.min_growth) {
            return cx
                .fail(format!(
                    "Retries of {} did not back off: the waits were {} (retry {} waited no longer than retry {}). Wait longer after each failure, e.g. doubling, up to a cap.",
                    show(&ex[start]),
                    shown(),
                    k + 2,
                    k + 1
                ))
                .with_evidence(chain.iter().map(|&i| ex[i].seq));
        }
        // Growing from a few milliseconds is still hammering: the waits, taken together, must
        // give the failing system the pause a single retry must.
        let paused: Duration = gaps.iter().copied().sum();
        if paused.num_milliseconds() + TOLERANCE_MS < LEAST_PAUSE_MS {
            return cx
                .fail(format!(
                    "Retries of {} hardly paused: the waits were {}, {} in all before the last try, which hammers a system that is already failing. Give it at least {} in all, waiting longer before each new try (e.g. 0.25 s, 0.5 s, 1 s).",
                    show(&ex[start]),
                    gaps.iter().map(|g| secs_plain(*g)).collect::<Vec<_>>().join(", "),
                    secs_plain(paused),
                    secs_plain(Duration::milliseconds(LEAST_PAUSE_MS))
                ))
                .with_evidence(chain.iter().map(|&i| ex[i].seq));
        }
        if let Some(cap) = p.cap_ms {
            if let Some(k) = gaps
                .iter()
                .position(|g| g.num_milliseconds() > cap + TOLERANCE_MS)
            {
                return cx
                    .fail(format!(
                        "Retries of {} backed off without a cap: the waits were {}, and retry {} waited longer than the {} this lab allows. Stop doubling at a ceiling, so a long outage does not leave the client asleep for minutes.",
                        show(&ex[start]),
                        shown(),
                        k + 1,
                        secs(Duration::milliseconds(cap))
                    ))
                    .with_evidence(chain.iter().map(|&i| ex[i].seq));
            }
        }
        evidence.extend(chain.iter().map(|&i| ex[i].seq));
    }
    if ex.is_empty() {
        return cx.fail(
            "No request reached the org, so there was no retry to judge: back-off needs at least two retries of one failed request.",
        );
    }
    if !judged_any {
        if !single_retries.is_empty() {
            return single_retries_waited(cx, &single_retries);
        }
        if failed_any {
            return cx.fail(
                "No failed request was sent again, so there was no back-off to judge: retry a request answered 429, 5xx or nothing after a pause, and wait longer before each new try.",
            );
        }
        return cx.fail(format!(
            "Back-off needs at least two retries of one request to compare; the longest run of attempts was {}.",
            longest_chain
        ));
    }
    cx.pass("Each retry waited longer than the one before.")
        .with_evidence(evidence)
}

/// The least pause [`backoff`] accepts before the last try of a failing request, all its
/// waits together: the first step of the usual back-off (0.25 s, 0.5 s, 1 s, …). A single
/// retry sent sooner, or a chain whose waits grow from a few milliseconds and add up to less,
/// hammers a system that is already failing. A chain's first wait alone is not held to it:
/// a 0.2 s base, or jitter drawn below the first step, still backs off.
const LEAST_PAUSE_MS: i64 = 250;

/// `retry.backoff` when every failed request was retried once only (a client that parks a
/// failed order and a sweeper that retries it later, once the ERP is back): with no second
/// wait there is nothing to compare, so each retry is judged by its own wait instead. A
/// retry that failed too and was never tried again gave up; one sent sooner than
/// [`LEAST_PAUSE_MS`] hammered.
fn single_retries_waited(cx: &Cx, retries: &[(usize, usize)]) -> Verdict {
    let ex = &cx.ev.exchanges;
    let seqs = |pairs: &[&(usize, usize)]| -> Vec<u64> {
        pairs
            .iter()
            .flat_map(|(a, b)| [ex[*a].seq, ex[*b].seq])
            .collect()
    };
    let gave_up: Vec<&(usize, usize)> =
        retries.iter().filter(|(_, r)| retryable(&ex[*r])).collect();
    if let Some((first, _)) = gave_up.first() {
        return cx
            .fail(format!(
                "{} failed, was retried once, failed again and was not tried again: keep retrying a failing request, waiting longer before each new try (0.25 s, 0.5 s, 1 s, …), up to a cap.",
                show(&ex[*first])
            ))
            .with_evidence(seqs(&gave_up));
    }
    let all: Vec<&(usize, usize)> = retries.iter().collect();
    let (quickest, wait) = retries
        .iter()
        .map(|(a, b)| ((a, b), gap(&ex[*a], &ex[*b])))
        .min_by_key(|(_, g)| *g)
        .expect("at least one retry");
    if wait.num_milliseconds() + TOLERANCE_MS < LEAST_PAUSE_MS {
        return cx
            .fail(format!(
                "{} was retried {} after it failed: every failed request was retried once only, so there are no waits to compare, but a retry that soon hammers a system that is already failing. Wait at least {} before the first retry, and longer before each next one.",
                show(&ex[*quickest.0]),
                secs(wait),
                secs_plain(Duration::milliseconds(LEAST_PAUSE_MS))
            ))
            .with_evidence(seqs(&all));
    }
    cx.pass(format!(
        "Every failed request was retried once, and it worked; the quickest retry waited {}, so nothing was hammered (with no second retry there were no waits to compare).",
        secs(wait)
    ))
    .with_evidence(seqs(&all))
}

/// The index `k` of the first wait pair where back-off failed (wait `k + 1` did not grow from
/// wait `k`), if any. A wait grows when it is longer than the one before and at least
/// `min_growth` times it. Once a wait has grown, a later wait may instead stay at the longest
/// so far (within timer tolerance): the back-off reached its cap.
///
/// Before the first growth, a wait as long as the one before (within timer tolerance) is a
/// tie, and a tie is a back-off only if a later wait grows past every wait
/// before it. A growing back-off with equal jitter (half the step plus a random draw up to
/// the other half) draws each wait from its own range, `[d/2, d]` then `[d, 2d]`, so now and
/// then two waits meet at `d`; the wait after them is drawn from `[2d, 4d]` and grows past
/// both. A fixed pause never does, however many tries it makes.
///
/// Implementation notes: two waits alone cannot tell that tie from a fixed pause (0.25 s then
/// 0.25 s is both), so a chain of two waits must grow, and labs that judge back-off lose three
/// replies in a row, giving three waits to compare.
fn not_backing_off(gaps: &[Duration], min_growth: f64) -> Option<usize> {
    let grows_from = |a: f64, b: f64| b > a + TOLERANCE_MS as f64 && b >= a * min_growth;
    let mut grown = false;
    let mut longest = 0.0f64;
    // The first tie not yet outgrown.
    let mut tie = None;
    for (k, pair) in gaps.windows(2).enumerate() {
        let (a, b) = (
            pair[0].num_milliseconds() as f64,
            pair[1].num_milliseconds() as f64,
        );
        longest = longest.max(a);
        // Growth within timer noise is no back-off: retries sent without a pause (or after a
        // fixed one) differ by a few milliseconds either way. After a tie, a wait grows only
        // past the longest so far, as the tie's second wait may be a little the shorter.
        let grows = grows_from(if tie.is_some() { longest } else { a }, b);
        let capped = grown && b + TOLERANCE_MS as f64 >= longest;
        if grows {
            grown = true;
            tie = None;
        } else if !grown && (b - a).abs() <= TOLERANCE_MS as f64 {
            tie.get_or_insert(k);
        } else if !capped {
            return Some(k);
        }
    }
    tie
}

/// A call that changed something on the server: a write answered 2xx (a token request
/// changes nothing a refused call was about).
fn wrote(e: &Exchange) -> bool {
    e.is_write() && e.succeeded()
}

/// Error codes a 4xx answer may carry that say *not now* rather than *never like this*: a
/// record lock held by another transaction is released in moments, so the same write may
/// succeed when retried after a pause (Salesforce's own advice for `UNABLE_TO_LOCK_ROW`).
const TRANSIENT_CODES: &[&str] = &["UNABLE_TO_LOCK_ROW"];

/// Whether `e`'s error answer carries a [`TRANSIENT_CODES`] code.
fn transient(e: &Exchange) -> bool {
    let Some(body) = e.response_json() else {
        return false;
    };
    let errors = match &body {
        serde_json::Value::Array(items) => items.iter().collect::<Vec<_>>(),
        other => vec![other],
    };
    errors.iter().any(|x| {
        x.get("errorCode")
            .and_then(|c| c.as_str())
            .is_some_and(|c| TRANSIENT_CODES.contains(&c))
    })
}

/// The same body: the same text, or the same JSON however it is spaced or its keys ordered
/// (a retry path that builds the payload again is still a retry).
fn same_body(a: &Exchange, b: &Exchange) -> bool {
    let (x, y) = (&a.request.body.text, &b.request.body.text);
    x == y
        || matches!(
            (serde_json::from_str::<serde_json::Value>(x), serde_json::from_str::<serde_json::Value>(y)),
            (Ok(p), Ok(q)) if p == q
        )
}

pub(crate) fn no_retry_on_4xx(p: &NoRetryOn4xx, cx: &Cx) -> Verdict {
    let ex = &cx.ev.exchanges;
    let mut seen = Vec::new();
    let mut set_aside = Vec::new();
    for (i, e) in ex.iter().enumerate() {
        let Some(status) = e.status().filter(|s| p.statuses.contains(s)) else {
            continue;
        };
        if transient(e) {
            set_aside.push(e.seq);
            continue;
        }
        seen.push(e.seq);
        // The same request again is a retry, unless a write in between made the difference: a
        // GET answered 404, a POST that creates the record, then the same GET reading it back
        // is not a retry of the first; nor is a GET after a DELETE of that very record,
        // confirming it is gone. A repeat after other writes that is refused the same way
        // again (a "second pass" over everything that failed) still is one.
        let repeats = |later: &Exchange| same_request(later, e) && same_body(later, e);
        let mut wrote_since = false;
        let mut again = None;
        for later in ex[i + 1..].iter().filter(|l| l.run_index == e.run_index) {
            if repeats(later) && (!wrote_since || later.status() == Some(status)) {
                again = Some(later);
                break;
            }
            if wrote(later) && later.path() == e.path() {
                break;
            }
            wrote_since |= wrote(later);
        }
        if let Some(again) = again {
            return cx
                .fail(format!(
                    "{} was answered {status}, and the same request was sent again ({}). A {status} means the request itself is wrong: retrying cannot fix it; log the error and move on.",
                    show(e),
                    show(again)
                ))
                .with_evidence([e.seq, again.seq]);
        }
    }
    if seen.is_empty() {
        let statuses = crate::wording::either(p.statuses.iter().map(u16::to_string));
        let aside = match set_aside.as_slice() {
            [] => String::new(),
            seqs => format!(
                " (the {} answered {} that carried UNABLE_TO_LOCK_ROW were set aside: a locked row may be retried after a pause)",
                plural(seqs.len(), "request"),
                statuses
            ),
        };
        return cx
            .fail(format!(
                "No request was answered {statuses} as wrong{aside}, so there was nothing to judge; make sure your code made all its calls."
            ))
            .with_evidence(set_aside);
    }
    cx.pass("Requests rejected as wrong were not retried.")
        .with_evidence(seen)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use super::*;

    const P: &str = "/services/data/v62.0/sobjects/Account/ERP_Id__c/A-1";

    fn throttled(status: u16, start: i64, retry_after: &str) -> Exchange {
        req("PATCH", P, status)
            .at(start, 5)
            .response_header("Retry-After", retry_after)
    }

    #[test]
    fn retry_after_is_honoured_only_by_waiting_long_enough() {
        let rule = "{ rule: retry.honors_retry_after }";
        let patient = evidence(vec![
            throttled(429, 0, "2"),
            req("PATCH", P, 200).at(2010, 5),
        ]);
        let v = assert_passes(rule, &patient);
        assert_eq!(v.evidence, vec![1, 2]);
        let eager = evidence(vec![
            throttled(503, 0, "2"),
            req("PATCH", P, 200).at(300, 5),
        ]);
        let v = assert_fails(rule, &eager);
        assert!(v.message.contains("only 0.3s"), "{}", v.message);
        assert_fails(rule, &evidence(vec![throttled(429, 0, "2")]));
        assert_fails(rule, &evidence(vec![req("PATCH", P, 200)]));
    }

    fn sent_by(mut e: Exchange, processes: &[u32]) -> Exchange {
        e.client_processes = processes.to_vec();
        e
    }

    #[test]
    fn a_retry_after_the_wait_from_a_client_started_again_fails() {
        let rule = "{ rule: retry.honors_retry_after, same_client_start: true }";
        // ./run (10) started the client twice (20, then 21): the first gave up on the 503.
        let rerun = evidence(vec![
            sent_by(throttled(503, 0, "2"), &[20, 10]),
            sent_by(req("PATCH", P, 200).at(2600, 5), &[21, 10]),
        ]);
        let v = assert_fails(rule, &rerun);
        assert!(
            v.message.contains("another start of your client")
                && v.message.contains("process 20")
                && v.message.contains("process 21"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![1, 2]);
        // One client (20) whose tries run curl (30, 31) retried itself.
        let own_retry = evidence(vec![
            sent_by(throttled(503, 0, "2"), &[30, 20, 10]),
            sent_by(req("PATCH", P, 200).at(2010, 5), &[31, 20, 10]),
        ]);
        assert_passes(rule, &own_retry);
        // Unknown senders (not Linux, a client run by hand): judged by the gap alone.
        let unknown = evidence(vec![
            sent_by(throttled(503, 0, "2"), &[20, 10]),
            req("PATCH", P, 200).at(2600, 5),
        ]);
        assert_passes(rule, &unknown);
        // Without the setting, ./run is the client: a new curl (20, then 21) per try is fine.
        assert_passes("{ rule: retry.honors_retry_after }", &rerun);
    }

    const Q: &str = "/services/data/v62.0/query?q=SELECT+Name+FROM+Account";

    #[test]
    fn a_throttled_call_never_retried_fails_even_when_another_was_retried() {
        let rule = "{ rule: retry.honors_retry_after }";
        let ev = evidence(vec![
            throttled(503, 0, "1"),
            req("PATCH", P, 200).at(1010, 5),
            get(Q, 429).at(1100, 5).response_header("Retry-After", "1"),
            req("POST", "/services/data/v62.0/sobjects/Account", 400).at(1200, 5),
        ]);
        let v = assert_fails(rule, &ev);
        assert!(
            v.message.contains("#3 GET") && v.message.contains("never retried"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![3]);
    }

    #[test]
    fn with_a_budget_of_tries_giving_up_passes_and_looping_on_fails() {
        let rule = "{ rule: retry.honors_retry_after, tries: 3 }";
        let throttled_query =
            |start: i64| get(Q, 429).at(start, 5).response_header("Retry-After", "3");
        let bounded = evidence(vec![
            throttled_query(0),
            throttled_query(3010),
            throttled_query(6020),
        ]);
        let v = assert_passes(rule, &bounded);
        assert!(v.message.contains("gave up (#3)"), "{}", v.message);
        assert_eq!(v.evidence, vec![1, 2, 3]);
        // Two tries are not the budget: the second 429 still needs its retry.
        let v = assert_fails(
            rule,
            &evidence(vec![throttled_query(0), throttled_query(3010)]),
        );
        assert!(v.message.contains("up to 3 tries"), "{}", v.message);
        let endless = evidence(vec![
            throttled_query(0),
            throttled_query(3010),
            throttled_query(6020),
            get(Q, 200).at(9030, 5),
        ]);
        let v = assert_fails(rule, &endless);
        assert!(
            v.message
                .contains("tried 4 times in a row (#1, #2, #3, #4)"),
            "{}",
            v.message
        );
        // Without a budget, a throttled last try must still be retried.
        assert_fails("{ rule: retry.honors_retry_after }", &bounded);
    }

    #[test]
    fn with_a_limit_on_extra_waiting_a_fixed_sleep_longer_than_asked_fails() {
        let rule = "{ rule: retry.honors_retry_after, at_most_extra_ms: 1000 }";
        let asked = |start: i64, secs: &str| {
            req("PATCH", P, 503)
                .at(start, 5)
                .response_header("Retry-After", secs)
        };
        let reads_the_header = evidence(vec![
            asked(0, "2"),
            asked(2100, "3"),
            req("PATCH", P, 200).at(5200, 5),
        ]);
        assert_passes(rule, &reads_the_header);
        let sleeps_five = evidence(vec![
            asked(0, "2"),
            asked(5010, "3"),
            req("PATCH", P, 200).at(10020, 5),
        ]);
        let v = assert_fails(rule, &sleeps_five);
        assert!(
            v.message.contains("Retry-After 2.0s") && v.message.contains("came 5.0s later"),
            "{}",
            v.message
        );
        assert_passes("{ rule: retry.honors_retry_after }", &sleeps_five);
        // Reading each header but adding a second and a third to it: told apart from a sleep.
        let adds_a_margin = evidence(vec![
            asked(0, "2"),
            asked(3305, "3"),
            req("PATCH", P, 200).at(7610, 5),
        ]);
        let v = assert_fails(rule, &adds_a_margin);
        assert!(
            v.message.contains("follow each Retry-After") && v.message.contains("1.3s after"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![1, 2, 3]);
        // Exactly a second more, plus the time a request takes to leave: within the allowance.
        let one_second_more = evidence(vec![
            asked(0, "2"),
            asked(3045, "3"),
            req("PATCH", P, 200).at(7090, 5),
        ]);
        assert_passes(rule, &one_second_more);
        // Jitter that sometimes goes too far is not called a fixed sleep.
        let jitter = evidence(vec![
            asked(0, "2"),
            asked(2305, "3"),
            req("PATCH", P, 200).at(7010, 5),
        ]);
        let v = assert_fails(rule, &jitter);
        assert!(v.message.contains("any jitter or margin"), "{}", v.message);
    }

    #[test]
    fn a_post_of_another_body_to_the_same_url_is_a_new_call_not_a_retry() {
        const NEW: &str = "/services/data/v62.0/sobjects/Account";
        let create = |name: &str, status: u16, start: i64| {
            req("POST", NEW, status)
                .body(&format!(r#"{{"Name":"{name}"}}"#))
                .at(start, 5)
                .response_header("Retry-After", "1")
        };
        // Three throttled tries of Alpha, given up; then Beta goes through.
        let bounded = evidence(vec![
            create("Alpha", 429, 0),
            create("Alpha", 429, 1010),
            create("Alpha", 429, 2020),
            create("Beta", 201, 3030),
        ]);
        let rule = "{ rule: retry.honors_retry_after, tries: 3 }";
        assert_passes(rule, &bounded);
        // Never retried: each throttled record is dropped for the next one.
        let drops = evidence(vec![
            create("Alpha", 429, 0),
            create("Beta", 429, 1010),
            create("Gamma", 429, 2020),
        ]);
        let v = assert_fails(rule, &drops);
        assert!(v.message.contains("never retried"), "{}", v.message);
        // The same JSON with its keys in another order is a retry; another body is not, even
        // under the same Idempotency-Key.
        let reordered = evidence(vec![
            req("POST", NEW, 429)
                .body(r#"{"Name":"A","Industry":"Energy"}"#)
                .response_header("Retry-After", "1"),
            req("POST", NEW, 201)
                .body(r#"{ "Industry": "Energy", "Name": "A" }"#)
                .at(1100, 5),
        ]);
        assert_passes("{ rule: retry.honors_retry_after }", &reordered);
        let keyed = evidence(vec![
            req("POST", NEW, 429)
                .header("Idempotency-Key", "k-1")
                .body(r#"{"n":1}"#)
                .response_header("Retry-After", "1"),
            req("POST", NEW, 201)
                .header("Idempotency-Key", "k-1")
                .body(r#"{"n":1,"attempt":2}"#)
                .at(1100, 5),
        ]);
        assert_fails("{ rule: retry.honors_retry_after }", &keyed);
    }

    #[test]
    fn backoff_follows_one_record_not_the_next_one_sent_to_the_same_url() {
        const NEW: &str = "/services/data/v62.0/sobjects/Account";
        let create = |name: &str, status: u16, start: i64| {
            req("POST", NEW, status)
                .body(&format!(r#"{{"Name":"{name}"}}"#))
                .at(start, 5)
        };
        let parks_alpha = evidence(vec![
            create("Alpha", 503, 0),
            create("Alpha", 503, 505),
            create("Alpha", 503, 1510),
            create("Beta", 201, 1520),
        ]);
        assert_passes("{ rule: retry.backoff }", &parks_alpha);
    }

    #[test]
    fn retry_after_accepts_an_http_date() {
        let sent = base_time();
        let date = (sent + Duration::seconds(3)).to_rfc2822();
        assert_eq!(retry_after(&date, sent), Some(Duration::seconds(3)));
        assert_eq!(retry_after("7", sent), Some(Duration::seconds(7)));
        assert_eq!(retry_after("soon", sent), None);
    }

    #[test]
    fn backoff_on_a_run_that_made_no_request_says_none_was_made() {
        let v = assert_fails("{ rule: retry.backoff }", &evidence(vec![]));
        assert!(
            v.message.starts_with("No request reached the org"),
            "{}",
            v.message
        );
        assert!(!v.message.contains("longest run"), "{}", v.message);
    }

    #[test]
    fn backoff_needs_growing_gaps() {
        let rule = "{ rule: retry.backoff }";
        let growing = evidence(vec![
            req("PATCH", P, 503).at(0, 5),
            req("PATCH", P, 503).at(505, 5),
            req("PATCH", P, 503).at(1510, 5),
            req("PATCH", P, 200).at(3515, 5),
        ]);
        assert_passes(rule, &growing);
        assert_fails("{ rule: retry.backoff, min_growth: 2.5 }", &growing);
        let flat = evidence(vec![
            req("PATCH", P, 503).at(0, 5),
            req("PATCH", P, 503).at(505, 5),
            req("PATCH", P, 200).at(1010, 5),
        ]);
        let v = assert_fails(rule, &flat);
        assert!(v.message.contains("0.5s, 0.5s"), "{}", v.message);
        let v = assert_fails(
            rule,
            &evidence(vec![
                req("PATCH", P, 503).at(0, 5),
                req("PATCH", P, 200).at(15, 5),
            ]),
        );
        assert!(v.message.contains("hammers"), "{}", v.message);
    }

    #[test]
    fn backoff_judges_a_parked_request_retried_once_by_its_wait() {
        let rule = "{ rule: retry.backoff }";
        // Park and sweep: two orders fail, the next one goes through, then a sweeper retries
        // each failed one once, after a pause.
        let q = "/ext/erp/orders";
        let order = |n: u32, status: u16| {
            req("POST", q, status).body(&format!("{{\"salesforceId\":\"SO-10{n}\"}}"))
        };
        let swept = evidence(vec![
            order(4, 504).at(0, 5),
            order(5, 504).at(10, 5),
            order(6, 201).at(20, 5),
            order(4, 201).at(600, 5),
            order(5, 201).at(1210, 5),
        ]);
        let v = assert_passes(rule, &swept);
        assert!(v.message.contains("retried once"), "{}", v.message);
        assert!(!v.message.contains("longest run"), "{}", v.message);
        let hammered = evidence(vec![order(4, 504).at(0, 5), order(4, 201).at(10, 5)]);
        let v = assert_fails(rule, &hammered);
        assert!(v.message.contains("hammers"), "{}", v.message);
        let gave_up = evidence(vec![order(4, 504).at(0, 5), order(4, 504).at(600, 5)]);
        let v = assert_fails(rule, &gave_up);
        assert!(v.message.contains("was not tried again"), "{}", v.message);
        let never = evidence(vec![order(4, 504).at(0, 5), order(5, 201).at(10, 5)]);
        let v = assert_fails(rule, &never);
        assert!(
            v.message.starts_with("No failed request was sent again"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_growing_chain_of_retries_must_still_pause_in_all() {
        let rule = "{ rule: retry.backoff }";
        // 35 ms, then 62 ms: longer each time, but no pause to speak of.
        let v = assert_fails(
            rule,
            &evidence(vec![
                req("POST", P, 504).at(0, 5),
                req("POST", P, 504).at(40, 5),
                req("POST", P, 201).at(107, 5),
            ]),
        );
        assert!(
            v.message.contains("hardly paused") && v.message.contains("at least 0.25"),
            "{}",
            v.message
        );
        // A first wait a timer wakes a little early from is the first step all the same.
        assert_passes(
            rule,
            &evidence(vec![
                req("POST", P, 504).at(0, 5),
                req("POST", P, 504).at(240, 5),
                req("POST", P, 201).at(745, 5),
            ]),
        );
    }

    #[test]
    fn a_back_off_is_judged_by_its_growth_not_by_its_first_step() {
        let rule = "{ rule: retry.backoff }";
        let chain = chain_of_waits;
        // Doubling from a 0.2 s base.
        assert_passes(rule, &chain(&[200, 400]));
        assert_passes(rule, &chain(&[100, 200, 400]));
        // d/2 + uniform(0, d/2) from a 0.25 s base: the first wait falls anywhere in
        // 0.125–0.25 s, the second in 0.25–0.5 s.
        for waits in [[133, 398], [126, 260], [249, 300], [180, 499]] {
            assert_passes(rule, &chain(&waits));
        }
        // A fixed pause, or none, still fails, whatever its length.
        assert_fails(rule, &chain(&[200, 200]));
        assert_fails(rule, &chain(&[400, 400, 400]));
        assert_fails(rule, &chain(&[2, 3]));
    }

    /// Attempts of one POST failing with 504 until the last, after these waits (ms), each
    /// exchange taking 5 ms.
    fn chain_of_waits(waits: &[i64]) -> crate::evidence::Evidence {
        let mut at = 0;
        let mut ex = vec![req("POST", P, 504).at(at, 5)];
        for (k, w) in waits.iter().enumerate() {
            at += 5 + w;
            let status = if k + 1 == waits.len() { 201 } else { 504 };
            ex.push(req("POST", P, status).at(at, 5));
        }
        evidence(ex)
    }

    #[test]
    fn every_equal_jitter_back_off_of_three_waits_passes() {
        let rule = spec("{ rule: retry.backoff }");
        // Wait k is d/2 + a draw in [0, d/2] with d = base * 2^k, give or take timer noise:
        // every draw on a grid of 1/20 of each range, from both ends of each range.
        let steps = 20;
        for base in [200i64, 250, 500] {
            let wait = |k: u32, i: i64, noise: i64| {
                let d = base << k;
                d / 2 + d / 2 * i / steps + noise
            };
            for (i0, i1, i2) in (0..=steps)
                .flat_map(|a| (0..=steps).flat_map(move |b| (0..=steps).map(move |c| (a, b, c))))
            {
                for noise in [-4, 4] {
                    let waits = [wait(0, i0, noise), wait(1, i1, -noise), wait(2, i2, noise)];
                    let v = rule.check(&chain_of_waits(&waits));
                    assert!(v.passed(), "{waits:?}: {}", v.message);
                }
            }
        }
    }

    #[test]
    fn two_waits_alike_pass_only_when_a_later_wait_grows_past_them() {
        let rule = "{ rule: retry.backoff }";
        // Equal jitter drawing the top of 0.125–0.25 s, then the bottom of 0.25–0.5 s.
        assert_passes(rule, &chain_of_waits(&[250, 250, 700]));
        assert_passes(rule, &chain_of_waits(&[249, 236, 520]));
        // A fixed pause, however many tries, and one that grows only by noise after it.
        for waits in [
            &[250, 250][..],
            &[400, 400, 400],
            &[400, 400, 400, 400],
            &[250, 236, 262],
            &[300, 310, 250],
        ] {
            let v = assert_fails(rule, &chain_of_waits(waits));
            assert!(
                v.message.contains("did not back off"),
                "{waits:?}: {}",
                v.message
            );
        }
        // A wait that grows, but by less than min_growth, is no tie to be outgrown.
        assert_fails(
            "{ rule: retry.backoff, min_growth: 2 }",
            &chain_of_waits(&[250, 400, 800]),
        );
        // Waits alike from a few milliseconds still hammer.
        assert_fails(rule, &chain_of_waits(&[30, 30, 80]));
    }

    #[test]
    fn backoff_refuses_retries_without_a_pause_whose_gaps_differ_by_noise() {
        // Gaps of 2 ms then 3 ms: "longer" only by timer noise.
        let no_pause = evidence(vec![
            req("POST", P, 504).at(0, 5),
            req("POST", P, 504).at(7, 5),
            req("POST", P, 201).at(15, 5),
        ]);
        let v = assert_fails("{ rule: retry.backoff }", &no_pause);
        assert!(v.message.contains("did not back off"), "{}", v.message);
        let fixed_pause = evidence(vec![
            req("POST", P, 504).at(0, 5),
            req("POST", P, 504).at(305, 5),
            req("POST", P, 201).at(618, 5),
        ]);
        let v = assert_fails("{ rule: retry.backoff }", &fixed_pause);
        // The waits are shown as measured, not rounded to a tenth of a second.
        assert!(
            v.message.contains("waits were 0.3s, 0.308s"),
            "{}",
            v.message
        );
    }

    #[test]
    fn no_retry_on_4xx_flags_the_same_request_sent_again() {
        let rule = "{ rule: retry.no_retry_on_4xx }";
        let bad = req("POST", "/services/data/v62.0/sobjects/Account", 400).body(r#"{"Nme":"x"}"#);
        let fixed =
            req("POST", "/services/data/v62.0/sobjects/Account", 201).body(r#"{"Name":"x"}"#);
        assert_passes(rule, &evidence(vec![bad.clone(), fixed]));
        assert_fails(rule, &evidence(vec![bad.clone(), bad.clone()]));
        assert_fails(rule, &evidence(vec![get("/x", 200)]));
        assert_passes(
            "{ rule: retry.no_retry_on_4xx, statuses: [404] }",
            &evidence(vec![get("/x", 404), get("/y", 200)]),
        );
    }

    #[test]
    fn a_back_off_may_stop_growing_at_its_cap_but_a_fixed_wait_is_none() {
        let rule = "{ rule: retry.backoff }";
        // Waits 0.25, 0.5, 0.8, then capped at 1.0 twice.
        let at = [0, 255, 760, 1565, 2570, 3575];
        let mut capped: Vec<Exchange> = at.iter().map(|&t| req("PATCH", P, 503).at(t, 5)).collect();
        capped.push(req("PATCH", P, 200).at(4580, 5));
        assert_passes(rule, &evidence(capped.clone()));
        let v = assert_fails("{ rule: retry.backoff, cap_ms: 800 }", &evidence(capped));
        assert!(
            v.message.contains("without a cap") && v.message.contains("retry 4"),
            "{}",
            v.message
        );
        // Falling back below the longest wait is no cap.
        let shrinking = evidence(vec![
            req("PATCH", P, 503).at(0, 5),
            req("PATCH", P, 503).at(205, 5),
            req("PATCH", P, 503).at(610, 5),
            req("PATCH", P, 200).at(815, 5),
        ]);
        let v = assert_fails(rule, &shrinking);
        assert!(
            v.message.contains("retry 3 waited no longer than retry 2"),
            "{}",
            v.message
        );
        // Uncapped doubling passes without cap_ms, fails with one.
        let doubling = evidence(vec![
            req("PATCH", P, 503).at(0, 5),
            req("PATCH", P, 503).at(505, 5),
            req("PATCH", P, 503).at(1510, 5),
            req("PATCH", P, 503).at(3515, 5),
            req("PATCH", P, 200).at(7520, 5),
        ]);
        assert_passes(rule, &doubling);
        assert_fails("{ rule: retry.backoff, cap_ms: 2500 }", &doubling);
    }

    #[test]
    fn a_locked_row_counts_as_an_attempt_of_a_back_off() {
        let locked = |t: i64| {
            req("PATCH", P, 400)
                .body(r#"{"Name":"x"}"#)
                .response_body(r#"[{"message":"unable to obtain exclusive access to this record","errorCode":"UNABLE_TO_LOCK_ROW"}]"#)
                .at(t, 5)
        };
        let ev = evidence(vec![
            locked(0),
            locked(305),
            req("PATCH", P, 204).body(r#"{"Name":"x"}"#).at(910, 5),
        ]);
        assert_passes("{ rule: retry.backoff }", &ev);
        // Only locked rows among the 400s: nothing to judge, and the message says why.
        let v = assert_fails("{ rule: retry.no_retry_on_4xx }", &ev);
        assert!(
            v.message
                .contains("No request was answered 400 or 404 as wrong")
                && v.message.contains("UNABLE_TO_LOCK_ROW were set aside"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_locked_row_may_be_retried_though_it_is_a_400() {
        let rule = "{ rule: retry.no_retry_on_4xx }";
        let locked = req("PATCH", P, 400)
            .body(r#"{"Name":"x"}"#)
            .response_body(r#"[{"message":"unable to obtain exclusive access to this record","errorCode":"UNABLE_TO_LOCK_ROW"}]"#);
        let done = req("PATCH", P, 204).body(r#"{"Name":"x"}"#);
        let bad = req("POST", "/services/data/v62.0/sobjects/Account", 400).body(r#"{"Nme":"x"}"#);
        let fixed =
            req("POST", "/services/data/v62.0/sobjects/Account", 201).body(r#"{"Name":"x"}"#);
        assert_passes(rule, &evidence(vec![locked.clone(), done, bad, fixed]));
        let other = req("PATCH", P, 400)
            .body(r#"{"Name":"x"}"#)
            .response_body(r#"[{"message":"bad","errorCode":"INVALID_FIELD"}]"#);
        assert_fails(rule, &evidence(vec![other.clone(), other]));
    }

    #[test]
    fn looking_before_creating_then_reading_back_is_not_a_retry() {
        let rule = "{ rule: retry.no_retry_on_4xx, statuses: [404] }";
        let order = "/services/apexrest/orders/SO-1";
        let create = req("POST", "/services/apexrest/orders", 201).body(r#"{"id":"SO-1"}"#);
        assert_passes(
            rule,
            &evidence(vec![get(order, 404), create.clone(), get(order, 200)]),
        );
        // A write that failed, or a new token, changes nothing the 404 was about.
        let refused = req("POST", "/services/apexrest/orders", 400).body("{}");
        let v = assert_fails(
            rule,
            &evidence(vec![
                get(order, 404),
                refused,
                token("refresh_token", 200),
                get(order, 404),
            ]),
        );
        assert!(v.message.contains("sent again"), "{}", v.message);
    }

    #[test]
    fn a_refused_write_sent_again_after_an_unrelated_write_is_still_a_retry() {
        let rule = "{ rule: retry.no_retry_on_4xx }";
        let refused = req("POST", "/services/apexrest/orders", 400).body(r#"{"id":"SO-2"}"#);
        let unrelated = req("DELETE", "/services/apexrest/orders/SO-9", 204);
        let v = assert_fails(
            rule,
            &evidence(vec![refused.clone(), unrelated.clone(), refused.clone()]),
        );
        assert!(v.message.contains("sent again"), "{}", v.message);
        // A write that cleared the way (the duplicate deleted) and a repeat that then succeeds
        // is a fix, not a retry.
        let accepted = req("POST", "/services/apexrest/orders", 201).body(r#"{"id":"SO-2"}"#);
        assert_passes(rule, &evidence(vec![refused, unrelated, accepted]));
    }

    #[test]
    fn reading_a_record_again_after_deleting_it_confirms_it_is_gone_and_is_no_retry() {
        let rule = "{ rule: retry.no_retry_on_4xx, statuses: [404] }";
        let order = "/services/apexrest/orders/SO-1";
        let create = req("POST", "/services/apexrest/orders", 201).body(r#"{"id":"SO-1"}"#);
        let delete = req("DELETE", order, 204);
        assert_passes(
            rule,
            &evidence(vec![get(order, 404), create, delete, get(order, 404)]),
        );
    }

    #[test]
    fn the_same_json_spaced_or_ordered_differently_is_the_same_request() {
        let rule = "{ rule: retry.no_retry_on_4xx }";
        let url = "/services/apexrest/orders";
        let first = req("POST", url, 400).body(r#"{"id": "SO-2", "qty": 1}"#);
        let compact = req("POST", url, 400).body(r#"{"qty":1,"id":"SO-2"}"#);
        assert_fails(rule, &evidence(vec![first.clone(), compact]));
        let changed = req("POST", url, 400).body(r#"{"qty":2,"id":"SO-2"}"#);
        assert_passes(rule, &evidence(vec![first, changed]));
    }

    #[test]
    fn the_same_query_encoded_differently_is_the_same_request() {
        let rule = "{ rule: retry.honors_retry_after }";
        let plus = "/services/data/v62.0/query?q=SELECT+Name+FROM+Account";
        let percent = "/services/data/v62.0/query?q=SELECT%20Name%20FROM%20Account";
        let ev = evidence(vec![
            req("GET", plus, 429)
                .at(0, 5)
                .response_header("Retry-After", "1"),
            req("GET", percent, 200).at(1010, 5),
        ]);
        assert_passes(rule, &ev);
        let other = "/services/data/v62.0/query?q=SELECT%20Id%20FROM%20Account";
        let ev = evidence(vec![
            req("GET", plus, 429)
                .at(0, 5)
                .response_header("Retry-After", "1"),
            req("GET", other, 200).at(1010, 5),
        ]);
        assert_fails(rule, &ev);
    }

    #[test]
    fn a_refused_query_sent_again_to_query_all_is_a_retry() {
        let rule = "{ rule: retry.no_retry_on_4xx }";
        let q = "?q=SELECT+COUNT()+FROM+Opportunity";
        let refused = get(&format!("/services/data/v62.0/query{q}"), 400);
        for again in [
            "/services/data/v62.0/queryAll",
            "/services/data/v62.0/query/",
        ] {
            let again = get(&format!("{again}{q}"), 400);
            assert_fails(rule, &evidence(vec![refused.clone(), again]));
        }
        let other = get(
            "/services/data/v62.0/queryAll?q=SELECT+Id+FROM+Account",
            200,
        );
        assert_passes(rule, &evidence(vec![refused, other]));
    }
}
