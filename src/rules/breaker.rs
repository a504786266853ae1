//! `breaker.opens`: the learner's client behaves like a circuit breaker towards a failing
//! dependency — after `failures` consecutive failed calls to the paths matched, it makes no
//! call there for `cooldown`. The first call after the cool-down is the half-open trial: if it
//! fails too, the breaker opens again at once, so no call may follow it within `cooldown`
//! either (a client that counts the failed trial as the first of a new streak fails). A
//! breaker that opens early — two or more failures in a row, fewer than `failures`, then about
//! a cool-down of silence — fails too: the threshold is read from the traffic, not assumed.
//!
//! A failed call is a 5xx or 429 answer, or no answer at all (connection error, timeout). The
//! breaker must be seen to open at least once: the lab plants an outage for it to meet, and a
//! client that never reached the threshold (it waited the outage out before its first call, or
//! gave up early) shows no breaker, so it fails. A client that pauses a whole cool-down after *every* failure, so that its
//! streak of failures is as slow as an open breaker, fails: that is a fixed delay, not a
//! breaker (a closed breaker keeps sending). Nor does a back-off that grows with each
//! failure: a retry that waits longer after every failed call (0.5 s, 1 s, 2 s, 4 s…) can meet
//! the threshold and the cool-down by chance, but its waits give it away — before the breaker
//! would open they already grow to half a cool-down or more, and after a failed trial the
//! silence is half as long again as the one before it, where a breaker opens again for the
//! same cool-down. Whether some call was made at all is left to `http.request`.

use super::cx::{plural, show, Cx};
use super::Verdict;
use crate::evidence::Exchange;
use crate::lab::spec::parse_duration;
use crate::matcher::RequestPattern;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq)]
pub struct Opens {
    pub pattern: RequestPattern,
    pub failures: usize,
    pub cooldown_ms: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Threshold {
    failures: usize,
    cooldown: String,
}

impl Opens {
    pub(crate) fn assemble(pattern: RequestPattern, rest: Threshold) -> Result<Opens, String> {
        let cooldown = parse_duration(&rest.cooldown).ok_or_else(|| {
            format!(
                "`cooldown: {}` is not a duration like `5s` (at most 24h)",
                rest.cooldown
            )
        })?;
        if rest.failures == 0 {
            return Err("`failures` must be 1 or more".into());
        }
        Ok(Opens {
            pattern,
            failures: rest.failures,
            cooldown_ms: i64::try_from(cooldown.as_millis()).unwrap_or(i64::MAX),
        })
    }
}

/// How much shorter than the cool-down a silence may be and still count as one: a timer that
/// wakes a millisecond early, or a cool-down counted from when the failing call was sent
/// rather than from its answer, is no breaker that opened too briefly. The same slack as the
/// other timing rules' (`retry`'s timer tolerance).
const TIMER_SLACK_MS: i64 = 20;

fn failed(e: &Exchange) -> bool {
    match e.status() {
        Some(s) => s >= 500 || s == 429,
        None => true,
    }
}

pub(crate) fn opens(p: &Opens, cx: &Cx) -> Verdict {
    let calls: Vec<&Exchange> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| p.pattern.matches_exchange(e))
        .collect();
    let mut streak = 0;
    // The failed calls of the current streak from a closed breaker.
    let mut streak_calls: Vec<&Exchange> = Vec::new();
    // The call that opened the breaker, and whether it was a failed half-open trial.
    let mut opened: Option<(&Exchange, bool)> = None;
    let mut trial = false;
    // Openings after a streak of failures, and after a failed half-open trial.
    let (mut by_streak, mut by_trial) = (0, 0);
    // The silence that came before the current half-open trial, in this run.
    let mut silence_before_trial: Option<i64> = None;
    for e in &calls {
        if let Some(v) = opened_early(p, cx, &streak_calls, e) {
            return v;
        }
        // A new process starts with a closed breaker and no failures counted.
        if streak_calls
            .last()
            .is_some_and(|last| last.run_index != e.run_index)
        {
            if let Some(v) = paused_after_every_failure(p, cx, &streak_calls) {
                return v;
            }
            streak = 0;
            streak_calls.clear();
        }
        if let Some((open, by_trial)) = opened {
            let gap = (e.started_at - open.finished_at).num_milliseconds();
            let same_run = e.run_index == open.run_index;
            if gap + TIMER_SLACK_MS < p.cooldown_ms && same_run {
                let why = if by_trial {
                    format!(
                        "The trial call after the cool-down, {}, failed, yet {} went out only {gap} ms later. A failed trial opens the breaker again: send nothing for another {} ms.",
                        show(open),
                        show(e),
                        p.cooldown_ms
                    )
                } else {
                    format!(
                        "After {} failed calls in a row (the last was {}), {} went out only {gap} ms later. An open breaker sends nothing for {} ms, then lets one trial call through.",
                        p.failures,
                        show(open),
                        show(e),
                        p.cooldown_ms
                    )
                };
                return cx.fail(why).with_evidence([open.seq, e.seq]);
            }
            if let Some(v) = silence_grew(p, cx, by_trial, silence_before_trial, gap, open, e) {
                return v;
            }
            silence_before_trial = same_run.then_some(gap);
            opened = None;
            // This call is the half-open trial; a new process starts with a closed breaker.
            trial = same_run;
            streak = if same_run { p.failures - 1 } else { 0 };
            streak_calls.clear();
        }
        if failed(e) {
            streak += 1;
            if !trial {
                streak_calls.push(e);
            }
            if streak >= p.failures {
                if let Some(v) = paused_after_every_failure(p, cx, &streak_calls) {
                    return v;
                }
                if let Some(v) = waits_grew(p, cx, &streak_calls) {
                    return v;
                }
                opened = Some((e, trial));
                if trial {
                    by_trial += 1;
                } else {
                    by_streak += 1;
                }
                streak_calls.clear();
            }
        } else {
            // A streak that ended before the threshold may still have been a pause after
            // every failure (so slow that it never reached the threshold).
            if let Some(v) = paused_after_every_failure(p, cx, &streak_calls) {
                return v;
            }
            streak = 0;
            streak_calls.clear();
        }
        trial = false;
    }
    if let Some(v) = paused_after_every_failure(p, cx, &streak_calls) {
        return v;
    }
    let seqs: Vec<u64> = calls.iter().map(|e| e.seq).collect();
    if calls.is_empty() {
        return cx.fail(format!(
            "Your client made no call to {}, so there is no breaker to judge.",
            p.pattern.describe()
        ));
    }
    if by_streak + by_trial == 0 {
        let failures = calls.iter().filter(|e| failed(e)).count();
        return cx
            .fail(format!(
                "Your client never made {} failing calls in a row to {} ({} of its {} failed), so its breaker was never seen to open. The lab plants an outage for the breaker to meet: a client that waits it out before calling, or gives up early, shows no breaker. Call at once, count the failures in a row, and after {} of them send nothing for {} ms, then try once.",
                p.failures,
                p.pattern.describe(),
                failures,
                plural(calls.len(), "call"),
                p.failures,
                p.cooldown_ms
            ))
            .with_evidence(seqs);
    }
    let mut how = vec![format!(
        "{} after {} failures in a row",
        times(by_streak),
        p.failures
    )];
    if by_trial > 0 {
        how.push(format!("{} after a failed trial call", times(by_trial)));
    }
    cx.pass(format!(
        "The breaker opened {} ({}) and sent nothing during the cool-down each time.",
        plural(by_streak + by_trial, "time"),
        how.join(", ")
    ))
    .with_evidence(seqs)
}

fn times(n: usize) -> String {
    match n {
        1 => "once".to_string(),
        2 => "twice".to_string(),
        n => format!("{n} times"),
    }
}

/// A failure for a breaker that opened before the threshold: a closed breaker sent two or more
/// failed calls in a row (the last just before `next`), fewer than `failures`, then stopped
/// calling for about a cool-down. A streak that paused that long after every failure is left
/// to [`paused_after_every_failure`], which tells a fixed delay from a breaker.
fn opened_early(p: &Opens, cx: &Cx, streak: &[&Exchange], next: &Exchange) -> Option<Verdict> {
    let last = streak.last()?;
    if streak.len() < 2 || streak.len() >= p.failures || next.run_index != last.run_index {
        return None;
    }
    // A tenth of the cool-down's slack for timers that wake a little early.
    let long = |gap: i64| gap >= p.cooldown_ms * 9 / 10;
    let pause = (next.started_at - last.finished_at).num_milliseconds();
    let sent_on = streak
        .windows(2)
        .any(|w| !long((w[1].started_at - w[0].finished_at).num_milliseconds()));
    if !long(pause) || !sent_on {
        return None;
    }
    let shown: Vec<String> = streak.iter().map(|e| format!("#{}", e.seq)).collect();
    let v = cx
        .fail(format!(
            "Your breaker opened after {} failures in a row ({}): nothing went out for {pause} ms, until {}. The lab's breaker opens after {} failures in a row; until then a closed breaker keeps sending, and a success resets the count.",
            streak.len(),
            shown.join(", "),
            show(next),
            p.failures
        ))
        .with_evidence(streak.iter().map(|e| e.seq).chain([next.seq]));
    Some(v)
}

/// A failure for a streak whose calls (two or more, from a closed breaker, in one run) each
/// came a whole cool-down after the one before: the client waited after every failure
/// instead of sending on until the breaker opened.
fn paused_after_every_failure(p: &Opens, cx: &Cx, streak: &[&Exchange]) -> Option<Verdict> {
    if streak.len() < 2 || streak.iter().any(|e| e.run_index != streak[0].run_index) {
        return None;
    }
    let gaps = waits(streak);
    // A tenth of the cool-down's slack for timers that wake a little early.
    if gaps.iter().any(|&g| g < p.cooldown_ms * 9 / 10) {
        return None;
    }
    Some(streak_verdict(
        cx,
        streak,
        format!(
            "Your client paused after every failed call ({} came {} apart), so it never sent on while the breaker was closed: that is a fixed delay after each failure, not a breaker. A closed breaker keeps sending and counts failures; only after {} in a row does it stop calling for {} ms, then try once.",
            shown_calls(streak),
            show_waits(&gaps),
            p.failures,
            p.cooldown_ms
        ),
    ))
}

/// The calls of a streak as the transcript numbers them: `#3, #4, #5`.
fn shown_calls(streak: &[&Exchange]) -> String {
    let shown: Vec<String> = streak.iter().map(|e| format!("#{}", e.seq)).collect();
    shown.join(", ")
}

/// A failure about how a closed-breaker streak waited, with the streak's calls as evidence.
fn streak_verdict(cx: &Cx, streak: &[&Exchange], message: String) -> Verdict {
    cx.fail(message).with_evidence(streak.iter().map(|e| e.seq))
}

/// The waits between consecutive calls, in milliseconds.
fn waits(calls: &[&Exchange]) -> Vec<i64> {
    calls
        .windows(2)
        .map(|w| (w[1].started_at - w[0].finished_at).num_milliseconds())
        .collect()
}

/// A failure for a closed-breaker streak (two or more waits, in one run) whose waits grew by
/// half again or more each time, the last to half a cool-down or more: a back-off that delays
/// each retry longer than the one before, where a closed breaker sends on and counts.
fn waits_grew(p: &Opens, cx: &Cx, streak: &[&Exchange]) -> Option<Verdict> {
    if streak.iter().any(|e| e.run_index != streak[0].run_index) {
        return None;
    }
    let gaps = waits(streak);
    let grew = gaps.len() >= 2 && gaps.windows(2).all(|g| g[1] * 2 >= g[0] * 3);
    if !grew || gaps.last().is_none_or(|&g| g < p.cooldown_ms / 2) {
        return None;
    }
    Some(streak_verdict(
        cx,
        streak,
        format!(
            "Your client waited longer after each failed call ({} came {} apart): that is a back-off that grows with every retry, not a breaker, even if a pause later matches the cool-down. A closed breaker sends on without waiting and counts failures; after {} in a row it stops calling for {} ms, then tries once.",
            shown_calls(streak),
            show_waits(&gaps),
            p.failures,
            p.cooldown_ms
        ),
    ))
}

/// A failure for a silence after a failed trial that is half as long again as the silence
/// before that trial: the client backs off further with each failure, where a failed trial
/// opens the breaker again for the same cool-down.
fn silence_grew(
    p: &Opens,
    cx: &Cx,
    by_trial: bool,
    before: Option<i64>,
    silence: i64,
    trial: &Exchange,
    next: &Exchange,
) -> Option<Verdict> {
    let before = before.filter(|_| by_trial && trial.run_index == next.run_index)?;
    if silence * 2 < before * 3 {
        return None;
    }
    let v = cx
        .fail(format!(
            "After the failed trial call {} your client waited {silence} ms before {}, where it had waited {before} ms before that trial: a pause that grows with each failure is a back-off, not a breaker. A failed trial opens the breaker again for the same {} ms, then lets one trial call through.",
            show(trial),
            show(next),
            p.cooldown_ms
        ))
        .with_evidence([trial.seq, next.seq]);
    Some(v)
}

fn show_waits(gaps: &[i64]) -> String {
    gaps.iter()
        .map(|g| format!("{g} ms"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    const RULE: &str = "{ rule: breaker.opens, path: /ext/erp/**, failures: 3, cooldown: 2s }";

    #[test]
    fn a_client_that_made_no_call_earns_nothing() {
        let v = assert_fails(RULE, &evidence(vec![]));
        assert!(v.message.contains("made no call"), "{}", v.message);
    }

    fn call(status: u16, at_ms: i64) -> crate::evidence::Exchange {
        get("/ext/erp/orders/1", status).at(at_ms, 5)
    }

    #[test]
    fn quiet_cool_down_after_three_failures_passes() {
        let ev = evidence(vec![
            call(503, 0),
            call(503, 100),
            call(503, 200),
            call(200, 2500),
        ]);
        assert_passes(RULE, &ev);
    }

    #[test]
    fn a_fixed_pause_after_every_failure_is_not_a_breaker() {
        let ev = evidence(vec![
            call(503, 0),
            call(503, 2060),
            call(503, 4120),
            call(201, 6180),
        ]);
        let v = assert_fails(RULE, &ev);
        assert!(v.message.contains("fixed delay"), "{}", v.message);
        assert_eq!(v.evidence, vec![1, 2, 3]);
        // Pausing longer still, so the threshold is never reached, is no breaker either.
        let ev = evidence(vec![call(503, 0), call(503, 3010), call(201, 6020)]);
        let v = assert_fails(RULE, &ev);
        assert!(v.message.contains("fixed delay"), "{}", v.message);
        // A short back-off between closed-state calls is still a breaker.
        let ev = evidence(vec![
            call(503, 0),
            call(503, 300),
            call(503, 600),
            call(201, 2700),
        ]);
        assert_passes(RULE, &ev);
    }

    #[test]
    fn an_exponential_back_off_is_not_a_breaker() {
        // 0.5 s, 1 s, 2 s, 4 s between tries: the third failure is followed by a cool-down's
        // worth of silence by chance, but the waits grew from the start.
        let ev = evidence(vec![
            call(503, 0),
            call(503, 505),
            call(503, 1510),
            call(503, 3515),
            call(201, 7520),
        ]);
        let v = assert_fails(RULE, &ev);
        assert!(v.message.contains("back-off"), "{}", v.message);
        assert!(v.message.contains("500 ms, 1000 ms"), "{}", v.message);
        assert_eq!(v.evidence, vec![1, 2, 3]);
        // Short growing waits before the threshold, then a silence that doubles after the
        // failed trial: still a back-off.
        let ev = evidence(vec![
            call(503, 0),
            call(503, 85),
            call(503, 490),
            call(503, 2495),
            call(201, 12500),
        ]);
        let v = assert_fails(RULE, &ev);
        assert!(
            v.message.contains("waited 10000 ms") && v.message.contains("waited 2000 ms"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![4, 5]);
    }

    #[test]
    fn a_breaker_opens_again_for_the_same_cool_down() {
        // A steady cool-down after each failed trial, a little long from a slow process.
        let ev = evidence(vec![
            call(503, 0),
            call(503, 40),
            call(503, 90),
            call(503, 2150),
            call(503, 4300),
            call(503, 6380),
            call(201, 8500),
        ]);
        assert_passes(RULE, &ev);
        // A steady short pause between closed-state calls does not grow.
        let ev = evidence(vec![
            call(503, 0),
            call(503, 700),
            call(503, 1400),
            call(201, 3500),
        ]);
        assert_passes(RULE, &ev);
    }

    #[test]
    fn a_cool_down_short_by_timer_noise_is_a_cool_down() {
        // 1998 ms of silence after the third failure and after the failed trial: a timer that
        // woke early, or a cool-down counted from the call's start.
        let ev = evidence(vec![
            call(503, 0),
            call(503, 100),
            call(503, 200),
            call(503, 2203),
            call(200, 4206),
        ]);
        assert_passes(RULE, &ev);
        // Short by more than timer noise: the breaker reopened too soon.
        let ev = evidence(vec![
            call(503, 0),
            call(503, 100),
            call(503, 200),
            call(200, 2150),
        ]);
        let v = assert_fails(RULE, &ev);
        assert!(v.message.contains("only 1945 ms later"), "{}", v.message);
    }

    #[test]
    fn a_fourth_call_inside_the_cool_down_fails() {
        let ev = evidence(vec![
            call(503, 0),
            call(503, 100),
            call(503, 200),
            call(503, 300),
        ]);
        let v = assert_fails(RULE, &ev);
        assert_eq!(v.evidence, vec![3, 4]);
    }

    #[test]
    fn a_failed_trial_call_reopens_the_breaker_at_once() {
        // Three failures, a quiet cool-down, a failed trial, then a call only 300 ms later.
        let ev = evidence(vec![
            call(503, 0),
            call(503, 100),
            call(503, 200),
            call(503, 2300),
            call(503, 2600),
        ]);
        let v = assert_fails(RULE, &ev);
        assert_eq!(v.evidence, vec![4, 5]);
        assert!(
            v.message.contains("A failed trial opens the breaker again"),
            "{}",
            v.message
        );
    }

    #[test]
    fn each_reopening_is_counted_with_the_right_word() {
        let ev = evidence(vec![
            call(503, 0),
            call(503, 100),
            call(503, 200),
            call(503, 2300),
            call(503, 4400),
            call(200, 6500),
        ]);
        let v = assert_passes(RULE, &ev);
        assert!(
            v.message.contains(
                "opened 3 times (once after 3 failures in a row, twice after a failed trial call)"
            ),
            "{}",
            v.message
        );
        let once = evidence(vec![
            call(503, 0),
            call(503, 100),
            call(503, 200),
            call(200, 2500),
        ]);
        let v = assert_passes(RULE, &once);
        assert!(
            v.message
                .contains("opened 1 time (once after 3 failures in a row)"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_breaker_that_opens_before_the_threshold_fails() {
        // Two failures in a row, then a whole cool-down of silence: it opened after 2, not 3.
        let ev = evidence(vec![
            call(503, 0),
            call(503, 100),
            call(503, 2200),
            call(200, 4300),
        ]);
        let v = assert_fails(RULE, &ev);
        assert!(
            v.message
                .contains("opened after 2 failures in a row (#1, #2)")
                && v.message.contains("opens after 3 failures"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![1, 2, 3]);
        // A short back-off after two failures is no opening.
        let ev = evidence(vec![
            call(503, 0),
            call(503, 100),
            call(503, 600),
            call(200, 2700),
        ]);
        assert_passes(RULE, &ev);
    }

    #[test]
    fn a_new_run_starts_with_a_closed_breaker() {
        let ev = evidence(vec![
            call(503, 0),
            call(503, 100),
            call(503, 200),
            call(503, 300).run(1),
            call(503, 400).run(1),
        ]);
        assert_passes(RULE, &ev);
        // Two failures in each run are no streak of three: the breaker never opened.
        let ev = evidence(vec![
            call(503, 0),
            call(503, 100),
            call(503, 300).run(1),
            call(503, 400).run(1),
        ]);
        let v = assert_fails(RULE, &ev);
        assert!(v.message.contains("never seen to open"), "{}", v.message);
    }

    #[test]
    fn a_success_resets_the_streak() {
        let ev = evidence(vec![
            call(503, 0),
            call(503, 10),
            call(200, 20),
            call(503, 30),
            call(503, 40),
            call(503, 50),
            call(200, 2100),
        ]);
        let v = assert_passes(RULE, &ev);
        assert!(v.message.contains("opened 1 time"), "{}", v.message);
        // Without the success, the fourth call would have come inside the cool-down.
        let ev = evidence(vec![
            call(503, 0),
            call(503, 10),
            call(503, 20),
            call(503, 30),
        ]);
        assert_fails(RULE, &ev);
    }

    #[test]
    fn a_client_that_waited_the_outage_out_never_showed_a_breaker() {
        // Every call came after the outage: the breaker had nothing to open on.
        let ev = evidence(vec![call(201, 8000), call(201, 8100), call(201, 8200)]);
        let v = assert_fails(RULE, &ev);
        assert!(
            v.message.contains("never seen to open") && v.message.contains("0 of its 3 calls"),
            "{}",
            v.message
        );
        // Giving up before the threshold shows no breaker either.
        let ev = evidence(vec![call(503, 0), call(503, 100)]);
        let v = assert_fails(RULE, &ev);
        assert!(v.message.contains("2 of its 2 calls"), "{}", v.message);
    }

    #[test]
    fn other_paths_do_not_count() {
        let other = get("/services/data/v62.0/limits", 503);
        let ev = evidence(vec![
            call(503, 0),
            call(503, 10),
            other.clone().at(20, 1),
            other.at(30, 1),
            call(503, 40),
            call(201, 2100),
        ]);
        assert_passes(RULE, &ev);
    }

    #[test]
    fn bad_cooldown_is_rejected() {
        let v: serde_json::Value =
            serde_yaml::from_str("{ rule: breaker.opens, failures: 3, cooldown: soon }")
                .expect("yaml");
        assert!(super::super::RuleSpec::from_value(v).is_err());
    }
}
