//! Telling token kinds apart: `oauth.nonce_sent` (every authorize request that asks for an ID
//! token carries a fresh `nonce`) and `oauth.id_token_not_bearer` (an ID token proves who logged
//! in to the client; it is never sent to an API as a bearer token — that is the access token's
//! job). `oauth.id_token_verified`: the client verifies an ID token before it trusts a claim —
//! on the runs where sflab's proxy changes a claim of the token in the redirect (the
//! `tamper_id_token` fault: the signature no longer holds) or hands back an earlier sign-in's
//! token (`replay_id_token`: validly signed, another nonce), or has the org sign it again with
//! one claim wrong (`id_token_wrong_aud`, `id_token_wrong_iss`, `id_token_expired`: signature
//! and nonce hold) or with no `nonce` at all (`id_token_without_nonce`: a check that compares
//! the nonce only when the token has one lets it through), the program must not print that it
//! accepted the token.

use super::cx::{faulted_by, is_oauth_endpoint, plural, redirect_location, show, Cx};
use super::Verdict;
use crate::evidence::Exchange;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// `oauth.id_token_verified`: what the program prints, at the start of a line, when it accepts
/// the sign-in's ID token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdTokenVerified {
    #[serde(default = "accepted_text")]
    pub accepted: String,
}

fn accepted_text() -> String {
    "ID token accepted".into()
}

/// The faults that put an ID token the client must refuse into a sign-in's redirect.
const ID_TOKEN_FAULTS: &[&str] = &[
    "tamper_id_token",
    "replay_id_token",
    "id_token_wrong_aud",
    "id_token_wrong_iss",
    "id_token_expired",
    "id_token_without_nonce",
];

/// What a re-signing fault got wrong, said after "signed the ID token again".
fn misclaim_advice(kind: &str) -> Option<&'static str> {
    match kind {
        "id_token_wrong_aud" => Some("for another app (its `aud` is another consumer key)"),
        "id_token_wrong_iss" => Some("naming another issuer (`iss`)"),
        "id_token_expired" => Some("expired (its `exp` is in the past)"),
        "id_token_without_nonce" => Some("without its `nonce` claim"),
        _ => None,
    }
}

/// The check that would have caught a re-signing fault.
fn misclaim_fix(kind: &str) -> &'static str {
    match kind {
        "id_token_wrong_aud" => "compare `aud` with your client id (SF_CLIENT_ID) — a token issued to another app is not a sign-in to yours",
        "id_token_wrong_iss" => "compare `iss` with the `issuer` of $SF_LOGIN_URL/.well-known/openid-configuration",
        "id_token_without_nonce" => "this sign-in sent a `nonce`, so its ID token must carry that very nonce back; refuse a token with none, as you refuse one with another",
        _ => "compare `exp` with the current time and refuse a token whose time is past",
    }
}

/// `oauth.id_token_verified`
/// The first later call of the same run that presents the access token the redirect `t`
/// carried in its fragment.
fn used_after_refusal<'a>(cx: &'a Cx, t: &Exchange) -> Option<&'a Exchange> {
    let location = redirect_location(t)?;
    let fragment = location.split_once('#')?.1;
    let token = form_urlencoded::parse(fragment.as_bytes())
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())?;
    cx.ev.exchanges.iter().find(|e| {
        e.seq > t.seq
            && e.run_index == t.run_index
            && e.request_header("authorization")
                .is_some_and(|a| a.trim().strip_prefix("Bearer ").map(str::trim) == Some(&token))
    })
}

pub(crate) fn id_token_verified(p: &IdTokenVerified, cx: &Cx) -> Verdict {
    let tampered = faulted_by(cx, ID_TOKEN_FAULTS);
    if tampered.is_empty() {
        let refused =
            authorize_requests(cx).find_map(|e| Some((e, super::oauth::authorize_refusal(e)?)));
        if let Some((e, error)) = refused {
            return cx
                .fail(format!(
                    "No sign-in came back with an ID token for sflab to change: the org refused {} (run {}) ({error}), so the verification was not seen. Fix the authorize request first: the redirect's `error_description` says what it lacks.",
                    show(e),
                    e.run_index + 1
                ))
                .with_evidence([e.seq]);
        }
        return cx.fail(
            "sflab changes a claim of one sign-in's ID token, but no such sign-in was made, so the verification was not seen. Make sure every run signs in at …/services/oauth2/authorize.",
        );
    }
    for t in &tampered {
        let run = t.run_index + 1;
        if let Some(error) = super::oauth::authorize_refusal(t) {
            return cx
                .fail(format!(
                    "{} (run {run}) was the sign-in whose ID token sflab changes, but the org refused it ({error}), so no ID token came back and the verification was not seen. Fix the authorize request first: the redirect's `error_description` says what it lacks.",
                    show(t)
                ))
                .with_evidence([t.seq]);
        }
        if !redirect_location(t).is_some_and(|l| l.contains("id_token=")) {
            return cx
                .fail(format!(
                    "{} (run {run}) was the sign-in whose ID token sflab changes, but its answer carried no id_token, so the verification was not seen. Ask for `response_type=token id_token` as the brief says.",
                    show(t)
                ))
                .with_evidence([t.seq]);
        }
        let printed = cx
            .ev
            .runs
            .iter()
            .find(|r| r.index == t.run_index)
            // A line that starts with it: "replayed ID token accepted" is about the other token.
            .is_some_and(|r| {
                r.stdout
                    .text
                    .lines()
                    .any(|l| l.trim_start().starts_with(&p.accepted))
            });
        let kind = t.fault.as_ref().map_or("", |f| f.kind.as_str());
        if let (true, Some(check)) = (printed, misclaim_advice(kind)) {
            let held = if kind == "id_token_without_nonce" {
                "A valid signature is not enough"
            } else {
                "A valid signature and nonce are not enough"
            };
            return cx
                .fail(format!(
                    "In run {run} sflab had the org sign the sign-in's ID token again {check}, and your program still printed \"{}\" ({} ⚡). {held}: {}.",
                    p.accepted,
                    show(t),
                    misclaim_fix(kind)
                ))
                .with_evidence([t.seq]);
        }
        let replayed = kind == "replay_id_token";
        if printed && replayed {
            return cx
                .fail(format!(
                    "In run {run} sflab put an earlier sign-in's ID token into the redirect ({} ⚡) — signed by the org, for your app, not expired, but carrying that sign-in's nonce — and your program still printed \"{}\". Compare the token's `nonce` with the one this sign-in sent.",
                    show(t),
                    p.accepted
                ))
                .with_evidence([t.seq]);
        }
        if printed {
            return cx
                .fail(format!(
                    "In run {run} sflab changed a claim of the ID token after the org signed it ({} ⚡), and your program still printed \"{}\". Check the RS256 signature with the org's key (the one whose `kid` the token names, from /id/keys) over the exact `header.payload` text before trusting any claim.",
                    show(t),
                    p.accepted
                ))
                .with_evidence([t.seq]);
        }
        // Refusing the ID token means refusing the sign-in: its access token is not used.
        if let Some(used) = used_after_refusal(cx, t) {
            return cx
                .fail(format!(
                    "In run {run} the sign-in's ID token could not be trusted ({} ⚡), yet {} called the org with the access token from that same redirect. A sign-in whose ID token fails verification gives you nothing to use: stop there.",
                    show(t),
                    show(used)
                ))
                .with_evidence([t.seq, used.seq]);
        }
    }
    let mut runs: Vec<usize> = tampered.iter().map(|t| t.run_index + 1).collect();
    runs.dedup();
    cx.pass(format!(
        "In {} the ID token in the redirect was not the one the org issued for that sign-in (changed after signing, an earlier sign-in's, or signed for another app, by another issuer, expired or without a nonce), and your program did not accept it.",
        crate::wording::runs(&runs).unwrap_or_default()
    ))
    .with_evidence(tampered.iter().map(|e| e.seq))
}

fn authorize_requests<'a>(cx: &'a Cx) -> impl Iterator<Item = &'a Exchange> + 'a {
    cx.ev.exchanges.iter().filter(|e| {
        e.path()
            .trim_end_matches('/')
            .ends_with("/services/oauth2/authorize")
    })
}

/// Whether the authorize request can return an ID token: `openid` scope or `id_token` asked.
fn asks_for_id_token(e: &Exchange) -> bool {
    let has = |name: &str, word: &str| {
        e.query_param(name)
            .or_else(|| e.form_param(name))
            .is_some_and(|v| v.split_whitespace().any(|w| w == word))
    };
    has("scope", "openid") || has("response_type", "id_token")
}

/// `oauth.nonce_sent`
pub(crate) fn nonce_sent(cx: &Cx) -> Verdict {
    let asking: Vec<&Exchange> = authorize_requests(cx)
        .filter(|e| asks_for_id_token(e))
        .collect();
    if asking.is_empty() {
        return cx.fail(
            "No authorize request asked for an ID token: add `openid` to the scope (and \
             `response_type=token id_token` in the user-agent flow).",
        );
    }
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut problems = Vec::new();
    for e in &asking {
        match e.query_param("nonce").or_else(|| e.form_param("nonce")) {
            None => problems.push(format!("{} sent no nonce", show(e))),
            Some(n) if n.trim().len() < 8 => problems.push(format!(
                "{} sent a nonce of {} characters: too short to be unguessable",
                show(e),
                n.trim().len()
            )),
            Some(n) => {
                if let Some(first) = seen.insert(n, e.seq) {
                    problems.push(format!("{} reused the nonce of #{first}", show(e)));
                }
            }
        }
    }
    if problems.is_empty() {
        return cx
            .pass(format!(
                "{} asked for an ID token, each with its own nonce.",
                plural(asking.len(), "authorize request")
            ))
            .with_evidence(asking.iter().map(|e| e.seq));
    }
    cx.fail(format!(
        "{}. Generate a random nonce (16+ bytes) per login, send it, and refuse an ID token whose \
         `nonce` claim differs: that is what stops a replayed token.",
        problems.join("; ")
    ))
    .with_evidence(asking.iter().map(|e| e.seq))
}

/// The bearer value of an API call when it is an ID token: a redaction marker of that kind, or
/// a JWT (the org's access tokens are opaque `00D…!…` strings, its ID tokens are JWTs).
fn id_token_as_bearer(e: &Exchange) -> bool {
    let Some(auth) = e.request_header("authorization") else {
        return false;
    };
    let value = auth.split_once(' ').map_or(auth, |(_, v)| v).trim();
    value.starts_with("‹redacted:id_token#")
        || (value.starts_with("eyJ") && value.matches('.').count() >= 1)
}

/// `oauth.id_token_not_bearer`
pub(crate) fn id_token_not_bearer(cx: &Cx) -> Verdict {
    let api: Vec<&Exchange> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| !is_oauth_endpoint(e))
        .collect();
    let misused: Vec<&&Exchange> = api.iter().filter(|e| id_token_as_bearer(e)).collect();
    if !misused.is_empty() {
        return cx
            .fail(format!(
                "{} sent the ID token as the bearer token: {}. The ID token tells your app who \
                 logged in; the APIs only accept the access token.",
                plural(misused.len(), "API call"),
                misused
                    .iter()
                    .map(|e| show(e))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .with_evidence(misused.iter().map(|e| e.seq));
    }
    let with_bearer = api
        .iter()
        .filter(|e| e.request_header("authorization").is_some())
        .count();
    if with_bearer == 0 {
        return cx.fail("No API call carried a bearer token, so the access token was never used.");
    }
    cx.pass(format!(
        "All {} used the access token, never the ID token.",
        plural(with_bearer, "authorised API call")
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    fn authorize(query: &str) -> crate::evidence::Exchange {
        get(&format!("/services/oauth2/authorize?{query}"), 302)
    }

    const NONCE: &str = "{ rule: oauth.nonce_sent }";
    const BEARER: &str = "{ rule: oauth.id_token_not_bearer }";

    #[test]
    fn an_openid_request_with_a_fresh_nonce_passes() {
        let ev = evidence(vec![authorize(
            "response_type=token+id_token&scope=api+openid&nonce=Zk3pQ9xw2LmA",
        )]);
        assert_passes(NONCE, &ev);
    }

    #[test]
    fn a_missing_short_or_reused_nonce_fails() {
        assert_fails(
            NONCE,
            &evidence(vec![authorize("response_type=token&scope=api+openid")]),
        );
        assert_fails(NONCE, &evidence(vec![authorize("scope=openid&nonce=1")]));
        let v = assert_fails(
            NONCE,
            &evidence(vec![
                authorize("scope=openid&nonce=Zk3pQ9xw2LmA"),
                authorize("scope=openid&nonce=Zk3pQ9xw2LmA"),
            ]),
        );
        assert!(
            v.message.contains("reused the nonce of #1"),
            "{}",
            v.message
        );
        assert_fails(
            NONCE,
            &evidence(vec![authorize("scope=api&nonce=Zk3pQ9xw2LmA")]),
        );
    }

    #[test]
    fn an_id_token_as_bearer_fails_whether_marked_or_a_jwt() {
        let marked = get("/services/data/v62.0/query", 401)
            .header("Authorization", "Bearer ‹redacted:id_token#9f9f›");
        let v = assert_fails(BEARER, &evidence(vec![marked]));
        assert!(v.message.contains("#1"), "{}", v.message);
        let jwt = get("/services/data/v62.0/query", 401).header(
            "Authorization",
            "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.‹redacted›",
        );
        assert_fails(BEARER, &evidence(vec![jwt]));
    }

    #[test]
    fn the_access_token_as_bearer_passes_and_no_bearer_fails() {
        let ok = get("/services/data/v62.0/query", 200).bearer("ab12");
        assert_passes(BEARER, &evidence(vec![ok]));
        assert_fails(
            BEARER,
            &evidence(vec![get("/services/data/v62.0/query", 401)]),
        );
    }

    fn tampered(run: usize) -> crate::evidence::Exchange {
        let mut e = authorize("response_type=token%20id_token")
            .response_header(
                "Location",
                "http://localhost:8080/callback#access_token=x&id_token=eyJ.eyJ.sig",
            )
            .run(run);
        e.fault = Some(crate::evidence::FaultFired {
            index: 0,
            kind: "tamper_id_token".into(),
            action: "changed a claim".into(),
        });
        e
    }

    const VERIFIED: &str = "{ rule: oauth.id_token_verified }";

    #[test]
    fn a_tampered_id_token_accepted_fails_and_one_not_accepted_passes() {
        let mut ev = evidence(vec![
            authorize("response_type=token%20id_token"),
            tampered(1),
        ]);
        ev.runs[0].stdout.text = "ID token accepted\nreplayed ID token rejected: nonce\n".into();
        ev.runs[1].stdout.text =
            "ID token rejected: bad signature\nreplayed ID token accepted\n".into();
        let v = assert_passes(VERIFIED, &ev);
        assert!(v.message.contains("In run 2"), "{}", v.message);
        ev.runs[1].stdout.text = "ID token accepted\n".into();
        let v = assert_fails(VERIFIED, &ev);
        assert!(
            v.message.contains("In run 2 sflab changed a claim of the ID token after the org signed it (#2 GET /services/oauth2/authorize ⚡), and your program still printed \"ID token accepted\""),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![2]);
    }

    #[test]
    fn using_the_access_token_of_a_refused_sign_in_fails() {
        let mut t = tampered(0);
        t.response
            .as_mut()
            .unwrap()
            .headers
            .retain(|h| !h.name.eq_ignore_ascii_case("location"));
        let t = t.response_header(
            "Location",
            "http://localhost:8080/callback#access_token=%E2%80%B9redacted%3Aaccess_token%23ab12%E2%80%BA&id_token=eyJ.eyJ.sig",
        );
        let call = get("/services/data/v62.0/query", 200).bearer("ab12");
        let mut ev = evidence(vec![t.clone(), call]);
        ev.runs[0].stdout.text = "ID token rejected: bad signature\n".into();
        let v = assert_fails(VERIFIED, &ev);
        assert!(
            v.message.contains("access token from that same redirect"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![1, 2]);
        let other = get("/services/data/v62.0/query", 200).bearer("zz99");
        let mut ev = evidence(vec![t, other]);
        ev.runs[0].stdout.text = "ID token rejected: bad signature\n".into();
        assert_passes(VERIFIED, &ev);
    }

    #[test]
    fn an_id_token_signed_again_with_a_wrong_aud_iss_or_exp_must_be_refused() {
        for (kind, says) in [
            ("id_token_wrong_aud", "compare `aud` with your client id"),
            ("id_token_wrong_iss", "compare `iss` with the `issuer`"),
            ("id_token_expired", "compare `exp` with the current time"),
        ] {
            let mut t = tampered(1);
            if let Some(f) = t.fault.as_mut() {
                f.kind = kind.into();
            }
            let mut ev = evidence(vec![authorize("response_type=token%20id_token"), t]);
            ev.runs[0].stdout.text = "ID token accepted\n".into();
            ev.runs[1].stdout.text = "ID token rejected: wrong claim\n".into();
            assert_passes(VERIFIED, &ev);
            // Signature and nonce hold; only the claim gives it away.
            ev.runs[1].stdout.text = "ID token accepted\n".into();
            let v = assert_fails(VERIFIED, &ev);
            assert!(
                v.message.contains("In run 2 sflab had the org sign") && v.message.contains(says),
                "{kind}: {}",
                v.message
            );
        }
    }

    #[test]
    fn an_id_token_signed_again_without_a_nonce_must_be_refused() {
        // A check that compares the nonce only when the token carries one accepts it.
        let mut t = tampered(1);
        if let Some(f) = t.fault.as_mut() {
            f.kind = "id_token_without_nonce".into();
        }
        let mut ev = evidence(vec![authorize("response_type=token%20id_token"), t]);
        ev.runs[0].stdout.text = "ID token accepted\n".into();
        ev.runs[1].stdout.text = "ID token rejected: no nonce\n".into();
        assert_passes(VERIFIED, &ev);
        ev.runs[1].stdout.text = "ID token accepted\n".into();
        let v = assert_fails(VERIFIED, &ev);
        assert!(
            v.message.contains("again without its `nonce` claim")
                && v.message.contains("A valid signature is not enough")
                && v.message.contains("refuse a token with none"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_refused_sign_in_is_named_with_the_orgs_error_not_as_a_missing_id_token() {
        let mut t = tampered(0);
        t.response
            .as_mut()
            .unwrap()
            .headers
            .retain(|h| !h.name.eq_ignore_ascii_case("location"));
        let t = t.response_header(
            "Location",
            "http://localhost:8080/callback#error=invalid_request&error_description=nonce+is+required",
        );
        let v = assert_fails(VERIFIED, &evidence(vec![t]));
        assert!(
            v.message.contains("but the org refused it (invalid_request: nonce is required), so no ID token came back")
                && !v.message.contains("Ask for `response_type=token id_token`"),
            "{}",
            v.message
        );
        let curriculum = crate::curriculum::Curriculum::embedded().expect("the curriculum loads");
        let meta = curriculum.lab("oauth-user-agent-tokens").expect("the lab");
        let lab = crate::lab::spec::parse(&meta.dir, &meta.yaml).expect("its lab.yaml");
        let failing = [v.rule.clone()];
        let hint = crate::lab::hints::next_hint_among(&lab, &failing, &[], &[v]);
        let crate::lab::hints::HintChoice::Next { text, .. } = hint else {
            panic!("no hint: {hint:?}");
        };
        assert!(text.contains("`nonce is required`"), "{text}");
    }

    #[test]
    fn sign_ins_refused_before_sflab_could_change_a_token_are_named() {
        let refused = authorize("response_type=token%20id_token&scope=full%20openid")
            .response_header(
                "Location",
                "http://localhost:8080/callback#error=invalid_scope&error_description=the+requested+scope+is+not+allowed",
            );
        let v = assert_fails(VERIFIED, &evidence(vec![refused]));
        assert!(
            v.message.contains("the org refused #1 GET /services/oauth2/authorize (run 1) (invalid_scope: the requested scope is not allowed)"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![1]);
    }

    #[test]
    fn no_tampered_sign_in_fails() {
        let ev = evidence(vec![authorize("response_type=token%20id_token")]);
        let v = assert_fails(VERIFIED, &ev);
        assert!(
            v.message.contains("no such sign-in was made"),
            "{}",
            v.message
        );
    }
}
