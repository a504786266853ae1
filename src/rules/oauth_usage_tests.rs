//! Table tests for the `oauth.*` usage rules: refresh rotation, device polling, scopes, client.

use super::super::fixture::*;
use crate::evidence::{AuthDecision, Backend, Exchange};

fn refresh(marker: &str, status: u16) -> Exchange {
    req("POST", "/services/oauth2/token", status)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(&format!(
            "grant_type=refresh_token&refresh_token=%E2%80%B9redacted%3Arefresh_token%23{marker}%E2%80%BA"
        ))
}

#[test]
fn refresh_not_reused_passes_when_each_run_sends_the_rotated_token() {
    let ev = evidence(vec![refresh("aa", 200), refresh("bb", 200).run(1)]);
    assert_passes("{ rule: oauth.refresh_not_reused, min_refreshes: 2 }", &ev);
}

#[test]
fn refresh_not_reused_fails_when_the_first_token_is_sent_again() {
    let ev = evidence(vec![refresh("aa", 200), refresh("aa", 400).run(1)]);
    let v = assert_fails("{ rule: oauth.refresh_not_reused }", &ev);
    assert!(
        v.message.contains("same refresh token as #1"),
        "{}",
        v.message
    );
    assert_eq!(v.evidence, vec![1, 2]);
}

#[test]
fn a_refused_refresh_token_the_org_never_gave_out_is_named_as_stale_not_reused() {
    let handed = crate::evidence::KnownSecret {
        kind: "refresh_token".into(),
        marker: "‹redacted:refresh_token#given›".into(),
    };
    // Run 1 presents a token saved by an earlier attempt and is refused; run 2 the same.
    let mut ev = evidence(vec![refresh("old1", 400), refresh("old1", 400).run(1)]);
    ev.handed = vec![handed.clone()];
    let v = assert_fails("{ rule: oauth.refresh_not_reused }", &ev);
    assert!(v.message.contains("never gave out"), "{}", v.message);
    assert_eq!(v.evidence, vec![1]);
    // Starting from the handed token, then its answer's token, passes.
    let mut ev = evidence(vec![
        refresh("given", 200).response_body(r#"{"refresh_token":"‹redacted:refresh_token#next›"}"#),
        refresh("next", 200).run(1),
    ]);
    ev.handed = vec![handed];
    assert_passes("{ rule: oauth.refresh_not_reused, min_refreshes: 2 }", &ev);
}

#[test]
fn refresh_not_reused_fails_without_enough_successful_refreshes() {
    let ev = evidence(vec![refresh("aa", 200)]);
    let v = assert_fails("{ rule: oauth.refresh_not_reused, min_refreshes: 2 }", &ev);
    assert!(
        v.message.contains(
            "Expected at least 2 successful refreshes with the refresh token, but 1 succeeded."
        ),
        "{}",
        v.message
    );
    assert_fails("{ rule: oauth.refresh_not_reused }", &evidence(vec![]));
}

fn device_start() -> Exchange {
    req("POST", "/services/oauth2/token", 200)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("response_type=device_code&client_id=k")
        .response_body(r#"{"device_code":"d","user_code":"ABCD","interval":5}"#)
}

fn poll(at_ms: i64, status: u16, error: Option<&str>) -> Exchange {
    let e = token("device", status).at(at_ms, 5);
    match error {
        Some(err) => e.response_body(&format!(r#"{{"error":"{err}"}}"#)),
        None => e.response_body(r#"{"access_token":"x"}"#),
    }
}

#[test]
fn device_polling_passes_at_the_interval_and_after_slow_down() {
    let ev = evidence(vec![
        device_start().at(0, 5),
        poll(5_100, 400, Some("authorization_pending")),
        poll(10_200, 400, Some("slow_down")),
        poll(20_300, 200, None),
    ]);
    assert_passes("{ rule: oauth.device_polling }", &ev);
}

#[test]
fn device_polling_fails_when_polling_faster_than_the_interval() {
    let ev = evidence(vec![
        device_start().at(0, 5),
        poll(1_000, 400, Some("authorization_pending")),
        poll(6_100, 200, None),
    ]);
    let v = assert_fails("{ rule: oauth.device_polling }", &ev);
    assert!(v.message.contains("interval was 5 s"), "{}", v.message);
}

#[test]
fn device_polling_fails_when_slow_down_is_ignored() {
    let ev = evidence(vec![
        device_start().at(0, 5),
        poll(5_100, 400, Some("slow_down")),
        poll(10_200, 200, None),
    ]);
    let v = assert_fails("{ rule: oauth.device_polling }", &ev);
    assert!(v.message.contains("interval was 10 s"), "{}", v.message);
}

#[test]
fn device_polling_fails_when_the_slow_down_increase_is_kept_for_one_poll_only() {
    // slow_down at #2 makes the interval 10 s for good: #3 waits it, #4 goes back to 5 s.
    let ev = evidence(vec![
        device_start().at(0, 5),
        poll(5_100, 400, Some("slow_down")),
        poll(15_200, 400, Some("authorization_pending")),
        poll(20_300, 200, None),
    ]);
    let v = assert_fails("{ rule: oauth.device_polling }", &ev);
    assert!(
        v.message.contains("#4 POST")
            && v.message.contains("interval was 10 s")
            && v.message.contains("slow_down answer to #2")
            && v.message.contains("every later poll"),
        "{}",
        v.message
    );
    // Keeping the longer wait passes.
    let ev = evidence(vec![
        device_start().at(0, 5),
        poll(5_100, 400, Some("slow_down")),
        poll(15_200, 400, Some("authorization_pending")),
        poll(25_300, 200, None),
    ]);
    assert_passes("{ rule: oauth.device_polling }", &ev);
}

#[test]
fn device_polling_fails_without_a_token_or_a_start() {
    let no_token = evidence(vec![
        device_start().at(0, 5),
        poll(5_100, 400, Some("authorization_pending")),
    ]);
    assert_fails("{ rule: oauth.device_polling }", &no_token);
    assert_fails("{ rule: oauth.device_polling }", &evidence(vec![]));
}

/// One device login in run `run`: start, a pending poll, then `last`.
fn device_login(run: usize, last: Exchange) -> Vec<Exchange> {
    let t = run as i64 * 60_000;
    vec![
        device_start().at(t, 5).run(run),
        poll(t + 5_100, 400, Some("authorization_pending")).run(run),
        last.at(t + 10_200, 5).run(run),
    ]
}

#[test]
fn device_polling_fails_a_run_whose_staged_ending_never_came() {
    let rule = "{ rule: oauth.device_polling, ended_in_runs: [2, 3] }";
    let staged = |run2: Exchange, run3: Exchange| {
        let mut all = device_login(0, poll(0, 200, None));
        all.extend(device_login(1, run2));
        all.extend(device_login(2, run3));
        evidence(all)
    };
    let met = staged(
        poll(0, 400, Some("access_denied")),
        poll(0, 400, Some("expired_token")),
    );
    assert_passes(rule, &met);
    // Run 2's polls slipped past the lab's denial and got a token.
    let v = assert_fails(
        rule,
        &staged(poll(0, 200, None), poll(0, 400, Some("expired_token"))),
    );
    assert!(
        v.message
            .starts_with("Run 2: #6 POST /services/oauth2/token got a token")
            && v.message.contains("could not be staged"),
        "{}",
        v.message
    );
    assert_eq!(v.evidence, vec![4, 5, 6]);
    // Run 3 started no login (it reused a token, say).
    let mut all = device_login(0, poll(0, 200, None));
    all.extend(device_login(1, poll(0, 400, Some("access_denied"))));
    all.push(get("/services/data/v62.0/query?q=SELECT+Name+FROM+Account", 200).run(2));
    let v = assert_fails(rule, &evidence(all));
    assert!(
        v.message.starts_with("Run 3 started no device login"),
        "{}",
        v.message
    );
}

#[test]
fn an_rfc_8628_poll_counts_as_a_device_poll() {
    let rfc = |status, last: &str| {
        req("POST", "/services/oauth2/token", status)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&client_id=k&device_code=d")
            .response_body(last)
    };
    let ev = evidence(vec![
        device_start().at(0, 5),
        rfc(400, r#"{"error":"authorization_pending"}"#).at(5_100, 5),
        rfc(400, r#"{"error":"access_denied"}"#).at(10_200, 5),
    ]);
    assert_passes("{ rule: oauth.device_polling, ended_in_runs: [1] }", &ev);
}

#[test]
fn scopes_requested_accepts_only_needed_scopes() {
    let rule = "{ rule: oauth.scopes_requested, required: [api], allowed: [api, refresh_token] }";
    let ok = evidence(vec![get(
        "/services/oauth2/authorize?response_type=code&scope=api%20refresh_token",
        302,
    )]);
    assert_passes(rule, &ok);
    let too_much = evidence(vec![get(
        "/services/oauth2/authorize?response_type=code&scope=api%20full",
        302,
    )]);
    let v = assert_fails(rule, &too_much);
    assert!(v.message.contains("full"), "{}", v.message);
    let too_little = evidence(vec![get(
        "/services/oauth2/authorize?response_type=code&scope=refresh_token",
        302,
    )]);
    let v = assert_fails(rule, &too_little);
    assert!(v.message.contains("did not ask for api"), "{}", v.message);
    assert_fails(
        rule,
        &evidence(vec![get("/services/oauth2/authorize", 302)]),
    );
}

#[test]
fn comma_separated_scopes_are_told_to_be_separated_by_spaces() {
    let rule = "{ rule: oauth.scopes_requested, required: [api, refresh_token], allowed: [api, refresh_token] }";
    let commas = evidence(vec![get(
        "/services/oauth2/authorize?response_type=code&scope=api%2Crefresh_token",
        400,
    )]);
    let v = assert_fails(rule, &commas);
    assert!(
        v.message
            .contains("asked for the scope `api,refresh_token`")
            && v.message
                .contains("separated by spaces, not commas (RFC 6749 §3.3)")
            && v.message.contains("Send `scope=api refresh_token`")
            && !v.message.contains("which this job does not need"),
        "{}",
        v.message
    );
    // Advice on extra scopes lists what to send the way it is sent.
    let extra = evidence(vec![get(
        "/services/oauth2/authorize?response_type=code&scope=api%20refresh_token%20full",
        302,
    )]);
    let v = assert_fails(rule, &extra);
    assert!(
        v.message.contains("keep to `scope=api refresh_token`"),
        "{}",
        v.message
    );
}

#[test]
fn scopes_in_capitals_are_told_scope_names_are_case_sensitive() {
    let rule = "{ rule: oauth.scopes_requested, required: [api, refresh_token], allowed: [api, refresh_token] }";
    let capitals = evidence(vec![get(
        "/services/oauth2/authorize?response_type=code&scope=API%20REFRESH_TOKEN",
        400,
    )]);
    let v = assert_fails(rule, &capitals);
    assert_eq!(
        v.message,
        "#1 GET /services/oauth2/authorize asked for `API` and `REFRESH_TOKEN`: scope names are case-sensitive (RFC 6749 §3.3) and the org's are lower case, so it reads these as scopes it does not know. Send `api` and `refresh_token` as `scope=api refresh_token`."
    );
}

#[test]
fn offline_access_counts_as_the_refresh_token_scope_it_stands_for() {
    let rule = "{ rule: oauth.scopes_requested, required: [api, refresh_token], allowed: [api, refresh_token] }";
    let synonym = evidence(vec![get(
        "/services/oauth2/authorize?response_type=code&scope=api%20offline_access",
        302,
    )]);
    assert_passes(rule, &synonym);
}

fn issued_to(client: &str) -> AuthDecision {
    AuthDecision {
        grant: "client_credentials".into(),
        client_id: Some(client.into()),
        outcome: "issued".into(),
        ..AuthDecision::default()
    }
}

#[test]
fn client_used_needs_every_token_from_the_named_app() {
    let rule = "{ rule: oauth.client_used, client_id: NEW }";
    let mut ev = evidence(vec![token("client_credentials", 200)]);
    ev.auth_log.push(issued_to("NEW"));
    assert_passes(rule, &ev);
    ev.auth_log.push(issued_to("OLD"));
    let v = assert_fails(rule, &ev);
    assert!(v.message.contains("OLD"), "{}", v.message);
    assert_fails(rule, &evidence(vec![]));
    let mut sandbox = evidence(vec![]);
    sandbox.backend = Backend::Sandbox;
    assert_not_applicable(rule, &sandbox);
}

fn kept_in(path: &str, mode: u32, markers: &[&str]) -> crate::evidence::SecretFile {
    crate::evidence::SecretFile {
        path: path.into(),
        mode: Some(mode),
        kinds: vec!["refresh_token".into()],
        markers: markers
            .iter()
            .map(|m| format!("‹redacted:refresh_token#{m}›"))
            .collect(),
        closed_by: None,
    }
}

/// Two runs: each refresh answered with the next rotated token (`r1`, then `r2`).
fn rotated_twice() -> crate::evidence::Evidence {
    evidence(vec![
        refresh("given", 200).response_body(r#"{"refresh_token":"‹redacted:refresh_token#r1›"}"#),
        refresh("r1", 200)
            .run(1)
            .response_body(r#"{"refresh_token":"‹redacted:refresh_token#r2›"}"#),
    ])
}

#[test]
fn refresh_token_kept_passes_when_a_lab_folder_file_holds_the_newest_token() {
    let mut ev = rotated_twice();
    ev.secret_files = vec![kept_in(".refresh-token", 0o600, &["r2"])];
    let v = assert_passes("{ rule: oauth.refresh_token_kept }", &ev);
    assert!(
        v.message.contains(".refresh-token keeps the newest"),
        "{}",
        v.message
    );
    assert_eq!(v.evidence, vec![2]);
}

#[test]
fn refresh_token_kept_fails_a_token_kept_outside_the_lab_folder() {
    // A program that writes the token to /tmp or $HOME leaves no secret in the lab folder,
    // which `secrets.files_private` passes as "no file holds a secret".
    let v = assert_fails("{ rule: oauth.refresh_token_kept }", &rotated_twice());
    assert!(
        v.message
            .contains("No file in the lab folder holds the newest refresh token")
            && v.message.contains("#2 POST /services/oauth2/token")
            && v.message.contains("not in /tmp"),
        "{}",
        v.message
    );
}

#[test]
fn refresh_token_kept_names_a_file_holding_only_a_retired_token() {
    let mut ev = rotated_twice();
    ev.secret_files = vec![kept_in("state/rt", 0o600, &["r1"])];
    let v = assert_fails("{ rule: oauth.refresh_token_kept }", &ev);
    assert!(
        v.message
            .contains("state/rt holds a refresh token, but not the newest one"),
        "{}",
        v.message
    );
    // No refresh answered with a token: nothing to keep.
    let v = assert_fails(
        "{ rule: oauth.refresh_token_kept }",
        &evidence(vec![refresh("given", 400)]),
    );
    assert!(v.message.contains("no newest one"), "{}", v.message);
}

#[test]
fn device_polling_stops_at_once_when_the_login_is_denied_or_expired() {
    for ended in ["access_denied", "expired_token"] {
        let ev = evidence(vec![
            device_start().at(0, 5),
            poll(5_100, 400, Some("authorization_pending")),
            poll(10_200, 400, Some(ended)),
        ]);
        let v = assert_passes("{ rule: oauth.device_polling }", &ev);
        assert!(v.message.contains("stopped at once"), "{}", v.message);
    }
}

#[test]
fn device_polling_fails_a_client_that_polls_on_after_the_login_ended() {
    let ev = evidence(vec![
        device_start().at(0, 5),
        poll(5_100, 400, Some("access_denied")),
        poll(10_200, 400, Some("access_denied")),
        poll(15_300, 400, Some("access_denied")),
    ]);
    let v = assert_fails("{ rule: oauth.device_polling }", &ev);
    assert!(
        v.message
            .contains("#2 POST /services/oauth2/token was answered access_denied")
            && v.message.contains("polled 2 times more (first: #3")
            && v.message.contains("Stop polling at once"),
        "{}",
        v.message
    );
    assert_eq!(v.evidence, vec![1, 2, 3, 4]);
    // A refusal of the poll itself (a wrong code) is no ending the client may settle for.
    let ev = evidence(vec![
        device_start().at(0, 5),
        poll(5_100, 400, Some("invalid_grant")),
    ]);
    assert_fails("{ rule: oauth.device_polling }", &ev);
}

#[test]
fn device_polling_judges_each_run_against_the_interval_its_start_answered() {
    let start7 =
        || device_start().response_body(r#"{"device_code":"d","user_code":"ABCD","interval":7}"#);
    // Run 1 waits 7 s and gets a token; run 2 waits a fixed 5 s.
    let ev = evidence(vec![
        start7().at(0, 5),
        poll(7_100, 200, None),
        start7().run(1).at(20_000, 5),
        poll(25_100, 400, Some("authorization_pending")).run(1),
    ]);
    let v = assert_fails("{ rule: oauth.device_polling }", &ev);
    assert!(
        v.message.starts_with("Run 2: #4 POST")
            && v.message.contains("the interval was 7 s")
            && v.message.contains("not a fixed number of seconds"),
        "{}",
        v.message
    );
    let ev = evidence(vec![
        start7().at(0, 5),
        poll(7_100, 200, None),
        start7().run(1).at(20_000, 5),
        poll(27_100, 400, Some("access_denied")).run(1),
    ]);
    let v = assert_passes("{ rule: oauth.device_polling }", &ev);
    assert!(
        v.message.contains("Run 1: Polled 1 time") && v.message.contains("Run 2: Polled at"),
        "{}",
        v.message
    );
}

#[test]
fn an_authorize_request_without_a_scope_asks_for_every_scope_the_app_offers() {
    let rule = "{ rule: oauth.scopes_requested, required: [api, refresh_token], allowed: [api, refresh_token] }";
    // A decoy request with the right scope, then the one whose code is redeemed names none.
    let ev = evidence(vec![
        get(
            "/services/oauth2/authorize?response_type=code&scope=api%20refresh_token",
            302,
        ),
        get("/services/oauth2/authorize?response_type=code", 302),
        token("authorization_code", 200)
            .response_body(r#"{"scope":"api refresh_token web full openid id"}"#),
    ]);
    let v = assert_fails(rule, &ev);
    assert!(
        v.message
            .contains("#2 GET /services/oauth2/authorize named no `scope`")
            && v.message.contains("every scope the app offers")
            && v.message
                .contains("#3 was granted `api refresh_token web full openid id`"),
        "{}",
        v.message
    );
    assert_eq!(v.evidence, vec![2, 3]);
    // An empty scope is no scope either.
    let empty = evidence(vec![get(
        "/services/oauth2/authorize?response_type=code&scope=",
        302,
    )]);
    assert_fails(rule, &empty);
}

#[test]
fn a_token_granted_more_than_the_job_needs_fails_even_when_every_request_named_a_scope() {
    let rule = "{ rule: oauth.scopes_requested, required: [api], allowed: [api] }";
    // A client-credentials request naming a narrow scope but granted the app's wide one.
    let wide = evidence(vec![token("client_credentials", 200)
        .body("grant_type=client_credentials&scope=api")
        .response_body(r#"{"scope":"api full web"}"#)]);
    let v = assert_fails(rule, &wide);
    assert!(
        v.message.contains("granted `full` and `web`") && v.message.contains("`scope=api` only"),
        "{}",
        v.message
    );
    let narrow = evidence(vec![token("client_credentials", 200)
        .body("grant_type=client_credentials&scope=api")
        .response_body(r#"{"scope":"api"}"#)]);
    assert_passes(rule, &narrow);
}

#[test]
fn the_rotation_labs_first_hint_matches_which_refresh_token_was_wrong() {
    let curriculum = crate::curriculum::Curriculum::embedded().expect("the curriculum loads");
    let meta = curriculum
        .lab("oauth-refresh-rotation")
        .expect("the rotation lab");
    let lab = crate::lab::spec::parse(&meta.dir, &meta.yaml).expect("its lab.yaml");
    let first_hint = |v: crate::rules::Verdict| {
        let failing = [v.rule.clone()];
        match crate::lab::hints::next_hint_among(&lab, &failing, &[], &[v]) {
            crate::lab::hints::HintChoice::Next { text, .. } => text,
            other => panic!("no hint: {other:?}"),
        }
    };
    let handed = crate::evidence::KnownSecret {
        kind: "refresh_token".into(),
        marker: "‹redacted:refresh_token#given›".into(),
    };
    // A token saved by an earlier check, sent instead of SF_REFRESH_TOKEN.
    let mut ev = evidence(vec![refresh("stale", 400)]);
    ev.handed = vec![handed.clone()];
    let v = assert_fails("{ rule: oauth.refresh_not_reused }", &ev);
    let hint = first_hint(v);
    assert!(
        hint.contains("ignore the file and refresh with `SF_REFRESH_TOKEN`")
            && !hint.contains("must not send"),
        "{hint}"
    );
    // SF_REFRESH_TOKEN sent again in the second run.
    let mut ev = evidence(vec![
        refresh("given", 200).response_body(r#"{"refresh_token":"‹redacted:refresh_token#next›"}"#),
        refresh("given", 400).run(1),
    ]);
    ev.handed = vec![handed];
    let v = assert_fails("{ rule: oauth.refresh_not_reused }", &ev);
    assert!(first_hint(v).contains("must not send `SF_REFRESH_TOKEN` again"));
}
