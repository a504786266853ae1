//! `oauth.fresh_per_login`: every authorization request of the code flow makes up its own
//! PKCE challenge and `state`, and every bearer token request (JWT or SAML) presents an
//! assertion of its own. A value sent twice — across runs, or twice in one — was hard-coded or
//! cached: a fixed verifier can be learnt once and used to redeem any stolen code, a fixed
//! `state` no longer ties a callback to the request that caused it, and a signed assertion is
//! good for one token request — the org remembers its ID (`jti`) and refuses it again, so a
//! cached one fails the next login, and one that was copied can be used by whoever got it
//! first. The verdict quotes the mock org's log for the refusal (a real org answers only
//! `invalid assertion`).
//!
//! The values are compared as recorded, i.e. as redaction markers: the same value gives the
//! same marker within a workspace, so equal markers mean equal values. An assertion signed
//! again with new times around an ID already used differs byte for byte; the org's log, which
//! refused it for its ID, is what tells (a sandbox keeps no such log, so there only a replay
//! of the same bytes is seen).
//!
//! `oauth.state_checked`: the client compares the `state` that comes back with the one it
//! sent. The lab has sflab's proxy change the `state` of one sign-in's redirect (the
//! `forge_state` fault), as a forged callback would carry it, and may take it out of another's
//! (`strip_state`), as a forger who never saw the sign-in would send it; the client must stop
//! there and not redeem the code, or anyone could slip their own code into its callback (login
//! CSRF). A check that compares the state only when one comes back passes the first and lets
//! the second through.

use super::cx::{canonical_grant, faulted_by, is_success, redirect_location, show, Cx};
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

/// The grants that present a signed assertion, each good for one token request.
const BEARER_GRANTS: &[&str] = &[
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:saml2-bearer",
];

fn presents_assertion(e: &Exchange) -> bool {
    e.is_token_request()
        && e.form_param("grant_type")
            .or_else(|| e.query_param("grant_type"))
            .is_some_and(|g| BEARER_GRANTS.contains(&canonical_grant(&g).as_str()))
}

/// What the mock org's log says about an assertion presented again, said as a sentence; empty
/// when it says nothing of the kind.
fn replay_logged(cx: &Cx) -> String {
    cx.ev
        .auth_log
        .iter()
        .filter(|d| !d.issued())
        .find_map(|d| d.error.as_deref().filter(|e| e.contains("already used")))
        .map(|e| e.split_once(": ").map_or(e, |(_, reason)| reason).trim())
        .map(|r| {
            format!(
                " The mock org's log says why it refused it (a real org answers only `invalid assertion`): {}.",
                r.trim_end_matches('.')
            )
        })
        .unwrap_or_default()
}

/// The bearer token request the org refused because its assertion's ID (`ID`, `jti`) had been
/// presented before, found by the org's log: the recording holds the assertion redacted, so an
/// assertion signed again with new times but the same ID looks new byte for byte. The request
/// is the refused one the log entry was written during (the first refused one without a time).
fn id_reused(cx: &Cx) -> Option<Verdict> {
    let decision = cx.ev.auth_log.iter().find(|d| {
        !d.issued()
            && BEARER_GRANTS.contains(&canonical_grant(&d.grant).as_str())
            && d.error
                .as_deref()
                .is_some_and(|e| e.contains("already used"))
    })?;
    let refused: Vec<&Exchange> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| presents_assertion(e) && !is_success(e))
        .collect();
    let during = |e: &&&Exchange| {
        decision
            .at
            .is_some_and(|at| e.started_at <= at && at <= e.finished_at)
    };
    let e = refused
        .iter()
        .find(during)
        .or_else(|| refused.first())
        .copied()?;
    let status = e.status().map_or("no answer".into(), |s| s.to_string());
    Some(
        cx.fail(format!(
            "{} (run {}) presented an assertion whose ID an earlier token request had already presented, and was refused ({status}). New times and a new signature do not make a new assertion: give every login an ID of its own (`ID` in SAML, `jti` in a JWT), made up at random.{}",
            show(e),
            e.run_index + 1,
            replay_logged(cx)
        ))
        .with_evidence([e.seq]),
    )
}

/// The first bearer token request that presents an assertion an earlier one presented.
fn assertion_reused(cx: &Cx) -> Option<Verdict> {
    let mut first_seen: BTreeMap<String, &Exchange> = BTreeMap::new();
    for e in cx.ev.exchanges.iter().filter(|e| presents_assertion(e)) {
        let Some(value) = e.form_param("assertion").filter(|v| !v.is_empty()) else {
            continue;
        };
        if let Some(earlier) = first_seen.get(&value) {
            let answer = if is_success(e) {
                "and got a token all the same".to_string()
            } else {
                format!(
                    "and was refused ({})",
                    e.status().map_or("no answer".into(), |s| s.to_string())
                )
            };
            return Some(
                cx.fail(format!(
                    "{} (run {}) presented the same signed assertion as {} (run {}), {answer}. An assertion is good for one token request: sign a fresh one — a new ID and new times — for every login.{}",
                    show(e),
                    e.run_index + 1,
                    show(earlier),
                    earlier.run_index + 1,
                    replay_logged(cx)
                ))
                .with_evidence([earlier.seq, e.seq]),
            );
        }
        first_seen.insert(value, e);
    }
    id_reused(cx)
}

pub(crate) fn fresh_per_login(cx: &Cx) -> Verdict {
    let logins: Vec<&Exchange> = cx.ev.exchanges.iter().filter(|e| is_authorize(e)).collect();
    let bearer: Vec<&Exchange> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| presents_assertion(e))
        .collect();
    if logins.is_empty() && bearer.is_empty() {
        return cx.fail(
            "No authorization request was made (GET …/services/oauth2/authorize), nor a token request with an assertion, so there was no sign-in to judge.",
        );
    }
    if let Some(reused) = assertion_reused(cx) {
        return reused;
    }
    if logins.is_empty() {
        let n = bearer.len();
        let what = if n == 1 {
            "The one bearer token request presented its own assertion".to_string()
        } else {
            format!("Each of the {n} bearer token requests presented an assertion of its own")
        };
        return cx
            .pass(format!("{what}."))
            .with_evidence(bearer.iter().map(|e| e.seq));
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

fn redeems_code(e: &Exchange) -> bool {
    e.is_token_request()
        && e.form_param("grant_type")
            .or_else(|| e.query_param("grant_type"))
            .as_deref()
            == Some("authorization_code")
}

/// Whether the fault took the callback's `state` out (`strip_state`) rather than changing it.
fn state_taken_out(e: &Exchange) -> bool {
    e.fault.as_ref().is_some_and(|f| f.kind == "strip_state")
}

/// What came back in place of the `state` sent, said after "came back with".
fn callback_state(e: &Exchange) -> &'static str {
    if state_taken_out(e) {
        "no `state` at all"
    } else {
        "a `state` your program never sent"
    }
}

pub(crate) fn state_checked(cx: &Cx) -> Verdict {
    let forged = faulted_by(cx, &["forge_state", "strip_state"]);
    if forged.is_empty() {
        return cx.fail(
            "sflab answers one sign-in with a `state` your program did not send, but no such sign-in was made, so the comparison was not seen. Make sure every run reaches GET …/services/oauth2/authorize.",
        );
    }
    for f in &forged {
        let run = f.run_index + 1;
        if redirect_location(f).is_none() {
            let answer = f
                .status()
                .map_or_else(|| "no answer".to_string(), |s| format!("status {s}"));
            return cx
                .fail(format!(
                    "{} (run {run}) was the sign-in sflab answers with a forged `state`, but it got {answer}, not a redirect, so the comparison was not seen. Send the authorize request the brief describes.",
                    show(f)
                ))
                .with_evidence([f.seq]);
        }
        let redeemed = cx
            .ev
            .exchanges
            .iter()
            .find(|e| e.run_index == f.run_index && e.seq > f.seq && redeems_code(e));
        if let Some(r) = redeemed {
            let (how, fix) = if state_taken_out(f) {
                ("sflab took it out", "A callback without the `state` you sent is no answer to your sign-in: treat a missing `state` as a mismatch and stop before the token request")
            } else {
                ("sflab changed it", "Compare the `state` in the callback with the one you sent and stop before the token request when they differ")
            };
            return cx
                .fail(format!(
                    "{} (run {run}) came back with {} ({how} ⚡), and {} still redeemed the code. {fix}: otherwise anyone can slip their own code into your callback and sign your user in as themselves.",
                    show(f),
                    callback_state(f),
                    show(r)
                ))
                .with_evidence([f.seq, r.seq]);
        }
    }
    let callbacks: Vec<String> = forged
        .iter()
        .map(|f| {
            format!(
                "{} (run {}) came back with {}",
                show(f),
                f.run_index + 1,
                callback_state(f)
            )
        })
        .collect();
    let stopped = if forged.len() == 1 {
        "it stopped without redeeming the code"
    } else {
        "each time it stopped without redeeming the code"
    };
    cx.pass(format!("{}, and {stopped}.", callbacks.join("; ")))
        .with_evidence(forged.iter().map(|e| e.seq))
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

    const SAML: &str = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Asaml2-bearer";

    /// A SAML bearer token request presenting the assertion `marker`.
    fn saml(marker: &str, status: u16) -> crate::evidence::Exchange {
        req("POST", "/services/oauth2/token", status)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(&format!(
                "grant_type={SAML}&assertion=%E2%80%B9redacted%3Aassertion%23{marker}%E2%80%BA"
            ))
    }

    #[test]
    fn a_signed_assertion_presented_twice_fails_with_the_org_logs_reason() {
        let mut ev = evidence(vec![saml("a1", 200), saml("a1", 400)]);
        ev.auth_log.push(crate::evidence::AuthDecision {
            grant: "saml_bearer".into(),
            outcome: "denied".into(),
            error: Some(
                "invalid_grant: the assertion ID '_a1' was already used; sign a fresh assertion for every token request".into(),
            ),
            ..Default::default()
        });
        let v = assert_fails(RULE, &ev);
        assert!(
            v.message.contains(
                "#2 POST /services/oauth2/token (run 1) presented the same signed assertion as #1"
            ) && v.message.contains("was refused (400)")
                && v.message.contains("The mock org's log says why")
                && v.message.contains("'_a1' was already used"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![1, 2]);
    }

    #[test]
    fn an_assertion_id_used_again_with_new_times_fails_with_the_org_logs_reason() {
        let mut ev = evidence(vec![
            saml("a1", 200).at(0, 20),
            saml("a2", 400).run(1).at(1500, 20),
        ]);
        ev.auth_log.push(crate::evidence::AuthDecision {
            at: Some(super::super::fixture::base_time() + chrono::Duration::milliseconds(1510)),
            grant: "urn:ietf:params:oauth:grant-type:saml2-bearer".into(),
            outcome: "denied".into(),
            error: Some(
                "invalid_grant: the assertion ID '_fixedid1' was already used; sign a fresh assertion for every token request".into(),
            ),
            ..Default::default()
        });
        let v = assert_fails(RULE, &ev);
        assert!(
            v.message.contains("#2 POST /services/oauth2/token (run 2) presented an assertion whose ID an earlier token request had already presented, and was refused (400)")
                && v.message.contains("'_fixedid1' was already used"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![2]);
    }

    #[test]
    fn a_fresh_assertion_for_every_token_request_passes() {
        let v = assert_passes(
            RULE,
            &evidence(vec![saml("a1", 200), saml("a2", 200).run(1)]),
        );
        assert!(
            v.message.contains("Each of the 2 bearer token requests"),
            "{}",
            v.message
        );
    }

    fn forged(run: usize) -> crate::evidence::Exchange {
        let mut e = get("/services/oauth2/authorize?response_type=code&state=x", 302)
            .response_header("Location", "http://localhost:8080/callback?code=c&state=f")
            .run(run);
        e.fault = Some(crate::evidence::FaultFired {
            index: 0,
            kind: "forge_state".into(),
            action: "changed the `state` in the redirect's Location".into(),
        });
        e
    }

    fn stripped(run: usize) -> crate::evidence::Exchange {
        let mut e = get("/services/oauth2/authorize?response_type=code&state=x", 302)
            .response_header("Location", "http://localhost:8080/callback?code=c")
            .run(run);
        e.fault = Some(crate::evidence::FaultFired {
            index: 1,
            kind: "strip_state".into(),
            action: "took the `state` out of the redirect's Location".into(),
        });
        e
    }

    const STATE: &str = "{ rule: oauth.state_checked }";

    #[test]
    fn stopping_after_a_forged_state_passes() {
        let v = assert_passes(
            STATE,
            &evidence(vec![
                authorize("aaaa", "1111", 0),
                token("authorization_code", 200).run(0),
                forged(1),
            ]),
        );
        assert!(
            v.message
                .contains("#3 GET /services/oauth2/authorize (run 2)"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![3]);
    }

    #[test]
    fn redeeming_the_code_of_a_forged_callback_fails_naming_both_requests() {
        let v = assert_fails(
            STATE,
            &evidence(vec![forged(0), token("authorization_code", 200).run(0)]),
        );
        assert!(
            v.message
                .contains("#2 POST /services/oauth2/token still redeemed"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![1, 2]);
    }

    #[test]
    fn redeeming_the_code_of_a_callback_without_state_fails() {
        // The check that compares a state only when one comes back: the forged one is refused,
        // the stateless one redeemed.
        let v = assert_fails(
            STATE,
            &evidence(vec![
                forged(0),
                stripped(1),
                token("authorization_code", 200).run(1),
            ]),
        );
        assert!(
            v.message
                .contains("(run 2) came back with no `state` at all")
                && v.message
                    .contains("#3 POST /services/oauth2/token still redeemed")
                && v.message.contains("treat a missing `state` as a mismatch"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![2, 3]);
    }

    #[test]
    fn stopping_after_a_forged_and_a_missing_state_passes_naming_both() {
        let v = assert_passes(STATE, &evidence(vec![forged(0), stripped(1)]));
        assert!(
            v.message
                .contains("(run 1) came back with a `state` your program never sent")
                && v.message
                    .contains("(run 2) came back with no `state` at all")
                && v.message.contains("each time it stopped"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![1, 2]);
    }

    #[test]
    fn a_redemption_in_another_run_or_of_another_grant_does_not_count() {
        assert_passes(
            STATE,
            &evidence(vec![
                forged(0),
                token("refresh_token", 200).run(0),
                token("authorization_code", 200).run(1),
            ]),
        );
    }

    #[test]
    fn no_forged_sign_in_or_one_refused_fails() {
        let v = assert_fails(STATE, &evidence(vec![authorize("aaaa", "1111", 0)]));
        assert!(
            v.message.contains("no such sign-in was made"),
            "{}",
            v.message
        );
        let mut refused = forged(0);
        if let Some(r) = refused.response.as_mut() {
            r.status = 400;
        }
        let v = assert_fails(STATE, &evidence(vec![refused]));
        assert!(
            v.message.contains("status 400, not a redirect"),
            "{}",
            v.message
        );
    }
}
