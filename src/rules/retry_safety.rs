//! `retry.safe_to_repeat`: every request the learner's code sent again after a failed answer
//! (5xx, 429 or no answer) was safe to repeat: a safe or idempotent method (`GET`, `HEAD`,
//! `OPTIONS`, `QUERY`, `PUT`, `DELETE`), or a `POST`/`PATCH` carrying an `Idempotency-Key`
//! header that was the same on every attempt. A repeated `POST` without one may have been
//! applied by the server before it failed, so repeating it can do the work twice.
//!
//! Requests are limited to those matching the rule's pattern (`method`, `path`, ...), if one
//! is given. Passing needs at least one retry among them; with none the rule cannot tell
//! anything and fails, saying so — labs that use it inject a failure to retry.

use super::cx::{same_request, show, Cx};
use super::http::WithPattern;
use super::Verdict;
use crate::evidence::Exchange;
use crate::matcher::RequestPattern;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq)]
pub struct SafeToRepeat {
    pub pattern: RequestPattern,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoMore {}

impl WithPattern for SafeToRepeat {
    type Rest = NoMore;
    fn assemble(pattern: RequestPattern, _rest: NoMore) -> SafeToRepeat {
        SafeToRepeat { pattern }
    }
}

/// Methods a client may repeat without asking whether the first attempt took effect.
pub fn repeatable_method(method: &str) -> bool {
    ["GET", "HEAD", "OPTIONS", "QUERY", "PUT", "DELETE"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method))
}

fn failed(e: &Exchange) -> bool {
    e.status().is_none_or(|s| s >= 500 || s == 429)
}

/// Why repeating `again` after `first` was not safe, if it was not.
fn unsafe_repeat(first: &Exchange, again: &Exchange) -> Option<String> {
    if repeatable_method(again.method()) {
        return None;
    }
    let key = |e: &Exchange| e.request_header("idempotency-key").map(str::to_string);
    match (key(first), key(again)) {
        (Some(a), Some(b)) if a == b => None,
        (Some(_), Some(_)) => Some(format!(
            "{} repeated {} with a different Idempotency-Key, so the server cannot tell it is the same request",
            show(again),
            show(first)
        )),
        _ => Some(format!(
            "{} repeated {} ({} is neither safe nor idempotent and carried no Idempotency-Key)",
            show(again),
            show(first),
            again.method()
        )),
    }
}

pub(crate) fn safe_to_repeat(p: &SafeToRepeat, cx: &Cx) -> Verdict {
    let matched: Vec<&Exchange> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| p.pattern.matches_exchange(e))
        .collect();
    let mut retries = Vec::new();
    let mut problems = Vec::new();
    let mut bad = Vec::new();
    for (i, first) in matched.iter().enumerate() {
        if !failed(first) {
            continue;
        }
        let again = matched[i + 1..]
            .iter()
            .find(|e| e.run_index == first.run_index && same_request(first, e));
        if let Some(again) = again {
            retries.push(again.seq);
            if let Some(why) = unsafe_repeat(first, again) {
                problems.push(why);
                bad.push(again.seq);
            }
        }
    }
    if !problems.is_empty() {
        return cx
            .fail(format!(
                "A retry could do the work twice: {}. Use a safe method for reads (QUERY or GET), \
                 or send the same Idempotency-Key on every attempt of a write.",
                problems.join("; ")
            ))
            .with_evidence(bad);
    }
    if retries.is_empty() {
        return cx.fail(
            "No request was retried after a failed answer, so there is nothing to judge: \
             retry the request that failed.",
        );
    }
    cx.pass(format!(
        "Every retry was safe to repeat ({}).",
        retries
            .iter()
            .map(|s| format!("#{s}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .with_evidence(retries)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use super::super::RuleSpec;

    fn rule(yaml: &str) -> RuleSpec {
        RuleSpec::from_value(serde_yaml::from_str(yaml).expect("yaml")).expect("rule")
    }

    const SEARCH: &str = "/ext/erp/orders/search";

    #[test]
    fn retries_are_judged_by_method_and_idempotency_key() {
        let cases = vec![
            (
                "QUERY retried",
                vec![req("QUERY", SEARCH, 503), req("QUERY", SEARCH, 200)],
                true,
                "safe to repeat",
            ),
            (
                "GET retried",
                vec![req("GET", SEARCH, 502), req("GET", SEARCH, 200)],
                true,
                "safe to repeat",
            ),
            (
                "POST retried bare",
                vec![req("POST", SEARCH, 503), req("POST", SEARCH, 200)],
                false,
                "carried no Idempotency-Key",
            ),
            (
                "POST with the same key",
                vec![
                    req("POST", SEARCH, 503).header("Idempotency-Key", "k1"),
                    req("POST", SEARCH, 201).header("Idempotency-Key", "k1"),
                ],
                true,
                "safe to repeat",
            ),
            (
                "POST with a new key",
                vec![
                    req("POST", SEARCH, 503).header("Idempotency-Key", "k1"),
                    req("POST", SEARCH, 201).header("Idempotency-Key", "k2"),
                ],
                false,
                "different Idempotency-Key",
            ),
            (
                "no retry at all",
                vec![req("QUERY", SEARCH, 200)],
                false,
                "nothing to judge",
            ),
            (
                "a 4xx is not a failure to retry",
                vec![req("POST", SEARCH, 400), req("POST", SEARCH, 200)],
                false,
                "nothing to judge",
            ),
        ];
        for (name, exchanges, pass, text) in cases {
            let v = rule("{ rule: retry.safe_to_repeat }").check(&evidence(exchanges));
            assert_eq!(v.passed(), pass, "{name}: {}", v.message);
            assert!(v.message.contains(text), "{name}: {}", v.message);
        }
    }

    #[test]
    fn the_pattern_limits_which_requests_count() {
        let ex = vec![
            req("POST", "/ext/erp/orders", 503),
            req("POST", "/ext/erp/orders", 201),
            req("QUERY", SEARCH, 503),
            req("QUERY", SEARCH, 200),
        ];
        let all = rule("{ rule: retry.safe_to_repeat }").check(&evidence(ex.clone()));
        assert!(all.failed(), "{}", all.message);
        assert_eq!(all.evidence, vec![2]);
        let search = rule("{ rule: retry.safe_to_repeat, path: /ext/erp/orders/search }")
            .check(&evidence(ex));
        assert!(search.passed(), "{}", search.message);
        assert_eq!(search.evidence, vec![4]);
    }
}
