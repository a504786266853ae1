//! `breaker.opens`: the learner's client behaves like a circuit breaker towards a failing
//! dependency — after `failures` consecutive failed calls to the paths matched, it makes no
//! call there for `cooldown`.
//!
//! A failed call is a 5xx or 429 answer, or no answer at all (connection error, timeout). A
//! client that gives up before reaching the threshold also passes: it never hammered the
//! dependency. Whether some call was made at all is left to `http.request`.

use super::cx::{show, Cx};
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
        let cooldown = parse_duration(&rest.cooldown)
            .ok_or_else(|| format!("`cooldown: {}` is not a duration like `5s`", rest.cooldown))?;
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
    let mut opened: Option<&Exchange> = None;
    let mut times_opened = 0;
    for e in &calls {
        if let Some(open) = opened {
            let gap = (e.started_at - open.finished_at).num_milliseconds();
            if gap < p.cooldown_ms && e.run_index == open.run_index {
                return cx
                    .fail(format!(
                        "After {} failed calls in a row (the last was {}), {} went out only {gap} ms later. An open breaker sends nothing for {} ms, then lets one trial call through.",
                        p.failures,
                        show(open),
                        show(e),
                        p.cooldown_ms
                    ))
                    .with_evidence([open.seq, e.seq]);
            }
            opened = None;
            streak = 0;
        }
        if failed(e) {
            streak += 1;
            if streak >= p.failures {
                opened = Some(e);
                times_opened += 1;
            }
        } else {
            streak = 0;
        }
    }
    let seqs: Vec<u64> = calls.iter().map(|e| e.seq).collect();
    if times_opened == 0 {
        return cx
            .pass(format!(
                "Your client never made {} failing calls in a row to {}.",
                p.failures,
                p.pattern.describe()
            ))
            .with_evidence(seqs);
    }
    cx.pass(format!(
        "The breaker opened {times_opened} time(s) after {} consecutive failures and stayed quiet for the cool-down each time.",
        p.failures
    ))
    .with_evidence(seqs)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    const RULE: &str = "{ rule: breaker.opens, path: /ext/erp/**, failures: 3, cooldown: 2s }";

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
    fn a_success_resets_the_streak() {
        let ev = evidence(vec![
            call(503, 0),
            call(503, 10),
            call(200, 20),
            call(503, 30),
            call(503, 40),
        ]);
        assert_passes(RULE, &ev);
    }

    #[test]
    fn other_paths_do_not_count() {
        let other = get("/services/data/v62.0/limits", 503);
        let ev = evidence(vec![
            call(503, 0),
            call(503, 10),
            other.clone().at(20, 1),
            other.at(30, 1),
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
