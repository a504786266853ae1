//! `oauth.fresh_per_login`: every authorization request of the code flow makes up its own
//! PKCE challenge and `state`. A value sent twice — across runs, or twice in one — was
//! hard-coded or cached: a fixed verifier can be learnt once and used to redeem any stolen
//! code, and a fixed `state` no longer ties a callback to the request that caused it.
//!
//! The values are compared as recorded, i.e. as redaction markers: the same value gives the
//! same marker within a workspace, so equal markers mean equal values.

use super::cx::{show, Cx};
use super::Verdict;
use crate::evidence::Exchange;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Rules without parameters.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// The request parameters that must be new for every sign-in, and why.
const FRESH: &[(&str, &str)] = &[
    (
        "code_challenge",
        "derive it from a verifier made up at random for each sign-in; a fixed verifier, once seen, redeems any code stolen later",
    ),
    (
        "state",
        "make up a random one for each sign-in and compare it on the callback; a fixed value ties nothing to your own request",
    ),
];

fn is_authorize(e: &Exchange) -> bool {
    e.path()
        .trim_end_matches('/')
        .ends_with("/services/oauth2/authorize")
}

pub(crate) fn fresh_per_login(cx: &Cx) -> Verdict {
    let logins: Vec<&Exchange> = cx.ev.exchanges.iter().filter(|e| is_authorize(e)).collect();
    if logins.is_empty() {
        return cx.fail(
            "No authorization request was made (GET …/services/oauth2/authorize), so there was no sign-in to judge.",
        );
    }
    for (param, advice) in FRESH {
        let mut first_seen: BTreeMap<String, &Exchange> = BTreeMap::new();
        for e in &logins {
            let Some(value) = e.query_param(param).filter(|v| !v.is_empty()) else {
                continue;
            };
            if let Some(earlier) = first_seen.get(&value) {
                return cx
                    .fail(format!(
                        "{} (run {}) sent the same `{param}` as {} (run {}): {advice}.",
                        show(e),
                        e.run_index + 1,
                        show(earlier),
                        earlier.run_index + 1
                    ))
                    .with_evidence([earlier.seq, e.seq]);
            }
            first_seen.insert(value, e);
        }
    }
    let n = logins.len();
    let what = if n == 1 {
        "The one sign-in made up its own code_challenge and state".to_string()
    } else {
        format!("Each of the {n} sign-ins made up its own code_challenge and state")
    };
    cx.pass(format!("{what}."))
        .with_evidence(logins.iter().map(|e| e.seq))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    const RULE: &str = "{ rule: oauth.fresh_per_login }";

    fn authorize(challenge: &str, state: &str, run: usize) -> crate::evidence::Exchange {
        get(
            &format!(
                "/services/oauth2/authorize?response_type=code&code_challenge=%E2%80%B9redacted%3Acode_challenge%23{challenge}%E2%80%BA&state=%E2%80%B9redacted%3Astate%23{state}%E2%80%BA"
            ),
            302,
        )
        .run(run)
    }

    #[test]
    fn new_values_in_every_run_pass() {
        let v = assert_passes(
            RULE,
            &evidence(vec![
                authorize("aaaa", "1111", 0),
                authorize("bbbb", "2222", 1),
            ]),
        );
        assert!(
            v.message.contains("Each of the 2 sign-ins"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_verifier_or_state_used_again_in_the_next_run_fails_naming_both_requests() {
        let v = assert_fails(
            RULE,
            &evidence(vec![
                authorize("aaaa", "1111", 0),
                authorize("aaaa", "2222", 1),
            ]),
        );
        assert!(
            v.message.contains(
                "#2 GET /services/oauth2/authorize (run 2) sent the same `code_challenge` as #1"
            ),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![1, 2]);
        let v = assert_fails(
            RULE,
            &evidence(vec![
                authorize("aaaa", "1111", 0),
                authorize("bbbb", "1111", 1),
            ]),
        );
        assert!(v.message.contains("same `state`"), "{}", v.message);
    }

    #[test]
    fn no_sign_in_fails() {
        assert_fails(
            RULE,
            &evidence(vec![get("/services/data/v62.0/limits", 200)]),
        );
    }
}
