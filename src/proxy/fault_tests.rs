//! Fault plan tests: triggers, kinds' defaults, validation and determinism.

use super::*;

fn plan(yaml: &str) -> FaultPlan {
    let specs: Vec<FaultSpec> = serde_yaml::from_str(yaml).expect("fault YAML");
    FaultPlan::new(specs, true).expect("valid faults")
}

fn fire(plan: &mut FaultPlan, method: &str, path: &str) -> Option<FaultAction> {
    let none = |_: &str| None;
    plan.decide(
        &RequestView {
            method,
            path,
            query: None,
            header: &none,
            body: "",
        },
        Duration::ZERO,
        0,
    )
}

const PATCH: &str = "/services/data/v62.0/sobjects/Account/ERP_Id__c/A-1";

#[test]
fn nth_fires_once_on_the_nth_match_only() {
    let mut p = plan("- { match: { method: PATCH, path: '/services/data/*/sobjects/Account/**' }, nth: 2, respond: { status: 503 } }");
    assert!(fire(&mut p, "GET", PATCH).is_none());
    assert!(fire(&mut p, "PATCH", PATCH).is_none());
    let a = fire(&mut p, "PATCH", PATCH).expect("second match fires");
    assert_eq!(a.respond.map(|r| r.status), Some(503));
    assert!(fire(&mut p, "PATCH", PATCH).is_none());
}

#[test]
fn every_nth_and_times_limit_firing() {
    let mut p = plan("- { kind: unavailable, every_nth: 2, times: 2 }");
    let fired: Vec<bool> = (0..8)
        .map(|_| fire(&mut p, "GET", "/x").is_some())
        .collect();
    assert_eq!(
        fired,
        [false, true, false, true, false, false, false, false]
    );
}

#[test]
fn after_fires_once_the_time_has_passed() {
    let mut p = plan("- { kind: rate_limited, after: 2s }");
    let none = |_: &str| None;
    let view = RequestView {
        method: "GET",
        path: "/x",
        query: None,
        header: &none,
        body: "",
    };
    assert!(p.decide(&view, Duration::from_millis(1999), 0).is_none());
    assert!(p.decide(&view, Duration::from_millis(2000), 0).is_some());
}

#[test]
fn after_in_a_run_counts_from_that_runs_first_request() {
    let mut p = plan("- { kind: unavailable, match: { path: /limits }, after: 3s, in_run: 2 }");
    let none = |_: &str| None;
    let view = RequestView {
        method: "GET",
        path: "/limits",
        query: None,
        header: &none,
        body: "",
    };
    // Run 2 starts long after the first request of run 1: its own clock decides.
    let attempt = Duration::from_secs(20);
    assert!(p.decide_in_run(&view, attempt, Duration::ZERO, 1).is_none());
    assert!(p
        .decide_in_run(&view, attempt, Duration::from_millis(2999), 1)
        .is_none());
    assert!(p
        .decide_in_run(&view, attempt, Duration::from_secs(3), 1)
        .is_some());
}

#[test]
fn a_bare_number_after_is_seconds_as_other_durations_of_a_lab() {
    for (yaml, after) in [
        ("- { kind: unavailable, after: 2 }", Duration::from_secs(2)),
        (
            "- { kind: unavailable, after: 1.5 }",
            Duration::from_millis(1500),
        ),
        (
            "- { kind: unavailable, after: '2' }",
            Duration::from_secs(2),
        ),
        (
            "- { kind: unavailable, after: 250ms }",
            Duration::from_millis(250),
        ),
        (
            "- { kind: unavailable, after: 1m }",
            Duration::from_secs(60),
        ),
    ] {
        let specs: Vec<FaultSpec> = serde_yaml::from_str(yaml).expect("fault YAML");
        assert_eq!(specs[0].after, Some(after), "{yaml}");
    }
    let e = serde_yaml::from_str::<Vec<FaultSpec>>("- { kind: drop, after: -1 }")
        .expect_err("negative");
    assert!(e.to_string().contains("a bare number is seconds"), "{e}");
}

#[test]
fn a_body_on_an_answer_that_carries_none_is_refused() {
    for yaml in [
        "- { respond: { status: 204, body: done } }",
        "- { respond: { status: 304, body: { a: 1 } } }",
    ] {
        let specs: Vec<FaultSpec> = serde_yaml::from_str(yaml).expect("fault YAML");
        let e = FaultPlan::new(specs, true).expect_err(yaml).to_string();
        assert!(e.contains("carries no body"), "{e}");
    }
}

#[test]
fn probability_is_deterministic_for_a_seed() {
    let yaml = "- { kind: unavailable, probability: 0.3, seed: 42 }";
    let run = || {
        let mut p = plan(yaml);
        (0..200)
            .map(|_| fire(&mut p, "GET", "/x").is_some())
            .collect::<Vec<_>>()
    };
    let a = run();
    assert_eq!(a, run());
    let n = a.iter().filter(|f| **f).count();
    assert!((30..=90).contains(&n), "{n} of 200 fired at p=0.3");
    let other: Vec<bool> = {
        let mut p = plan("- { kind: unavailable, probability: 0.3, seed: 7 }");
        (0..200)
            .map(|_| fire(&mut p, "GET", "/x").is_some())
            .collect()
    };
    assert_ne!(a, other);
}

#[test]
fn kinds_fill_in_their_usual_shape() {
    let mut p = plan(
        "- { kind: rate_limited, match: { path: /a } }\n\
         - { kind: lock_row, match: { path: /b } }\n\
         - { kind: latency, match: { path: /c } }\n\
         - { kind: drop, match: { path: /d } }\n\
         - { kind: session_expired, match: { path: /e } }\n\
         - { kind: unavailable, retry_after: 3, match: { path: /f } }",
    );
    let a = fire(&mut p, "GET", "/a")
        .and_then(|a| a.respond)
        .expect("429");
    assert_eq!(
        (a.status, a.headers.get("Retry-After").map(String::as_str)),
        (429, Some("1"))
    );
    let b = fire(&mut p, "GET", "/b")
        .and_then(|a| a.respond)
        .expect("400");
    assert_eq!(b.body.expect("body")[0]["errorCode"], "UNABLE_TO_LOCK_ROW");
    let c = fire(&mut p, "GET", "/c").expect("latency");
    assert_eq!((c.delay, c.respond), (Some(Duration::from_secs(1)), None));
    assert!(fire(&mut p, "GET", "/d").expect("drop").drop_connection);
    let e = fire(&mut p, "GET", "/e").expect("expiry");
    assert!(
        e.expire_session && e.respond.is_none(),
        "the org answers 401 itself"
    );
    let f = fire(&mut p, "GET", "/f")
        .and_then(|a| a.respond)
        .expect("503");
    assert_eq!(f.headers.get("Retry-After").map(String::as_str), Some("3"));
}

#[test]
fn latency_holds_the_answer_and_drop_loses_the_request_unless_at_says_otherwise() {
    let mut p = plan(
        "- { kind: latency, match: { path: /a } }\n\
         - { kind: drop, match: { path: /b } }\n\
         - { kind: latency, at: request, match: { path: /c } }\n\
         - { kind: drop, at: answer, match: { path: /d } }\n\
         - { delay_ms: 200, match: { path: /e } }\n\
         - { kind: rate_limited, delay_ms: 200, match: { path: /f } }",
    );
    let at = |p: &mut FaultPlan, path: &str| fire(p, "GET", path).expect(path).at;
    assert_eq!(at(&mut p, "/a"), FaultAt::Answer);
    assert_eq!(at(&mut p, "/b"), FaultAt::Request);
    assert_eq!(at(&mut p, "/c"), FaultAt::Request);
    assert_eq!(at(&mut p, "/d"), FaultAt::Answer);
    assert_eq!(at(&mut p, "/e"), FaultAt::Answer);
    assert_eq!(
        at(&mut p, "/f"),
        FaultAt::Request,
        "the proxy answers itself"
    );
    let held = |yaml: &str| {
        let mut p = plan(yaml);
        fire(&mut p, "GET", "/x").expect("fires").describe()
    };
    assert_eq!(
        held("- { kind: latency, delay_ms: 300 }"),
        "passed the request on and held the org's answer back 300 ms"
    );
    assert_eq!(
        held("- { kind: latency, delay_ms: 300, at: request }"),
        "held the request back 300 ms before passing it on"
    );
    assert!(held("- { kind: drop, at: answer }").contains("after the org had answered"));
}

#[test]
fn at_is_refused_where_it_changes_nothing() {
    let bad = |yaml: &str| {
        let specs: Vec<FaultSpec> = serde_yaml::from_str(yaml).expect("yaml");
        FaultPlan::new(specs, true).expect_err(yaml).to_string()
    };
    let e = bad("- { kind: rate_limited, at: answer }");
    assert!(e.contains("answers the request itself"), "{e}");
    let e = bad("- { kind: session_expired, at: request }");
    assert!(e.contains("give `delay_ms` or `drop_connection`"), "{e}");
    assert!(serde_yaml::from_str::<Vec<FaultSpec>>("- { kind: drop, at: later }").is_err());
}

#[test]
fn session_expired_without_an_org_answers_401_itself() {
    let specs: Vec<FaultSpec> = serde_yaml::from_str("- { kind: session_expired }").expect("yaml");
    let mut p = FaultPlan::new(specs, false).expect("valid");
    let a = fire(&mut p, "GET", "/x").expect("fires");
    assert_eq!(a.respond.map(|r| r.status), Some(401));
}

#[test]
fn invalid_faults_are_explained() {
    let bad = |yaml: &str| {
        let specs: Vec<FaultSpec> = serde_yaml::from_str(yaml).expect("yaml");
        FaultPlan::new(specs, true)
            .expect_err("invalid")
            .to_string()
    };
    assert!(bad("- { kind: drop, nth: 1, every_nth: 2 }").contains("at most one"));
    assert!(bad("- { kind: drop, nth: 0 }").contains("1 or more"));
    assert!(bad("- { kind: drop, probability: 1.5 }").contains("between 0 and 1"));
    assert!(bad("- { respond: { status: 42 } }").contains("not an HTTP status"));
    assert!(bad("- { match: { method: GET } }").contains("does nothing"));
    assert!(
        bad("- { respond: { status: 503, headers: { 'Bad Name': x } } }")
            .contains("not a valid HTTP header")
    );
    assert!(serde_yaml::from_str::<Vec<FaultSpec>>("- { kind: drop, after: soon }").is_err());
    assert!(serde_yaml::from_str::<Vec<FaultSpec>>("- { kind: explode }").is_err());
}

#[test]
fn the_first_firing_fault_wins_but_all_matches_count() {
    let mut p = plan("- { kind: drop, nth: 1 }\n- { kind: unavailable, nth: 1 }");
    assert_eq!(fire(&mut p, "GET", "/x").map(|a| a.index), Some(0));
    assert!(fire(&mut p, "GET", "/x").is_none());
}

#[test]
fn describe_says_what_happened() {
    let mut p = plan("- { kind: rate_limited, retry_after: 2 }");
    let a = fire(&mut p, "GET", "/x").expect("fires");
    assert_eq!(
        a.describe(),
        "answered 429 with Retry-After: 2, as an API gateway in front of the org would"
    );
}

#[test]
fn a_custom_429_is_described_without_naming_a_gateway() {
    let mut p = plan("- { respond: { status: 429, headers: { Retry-After: \"3\" } } }");
    let a = fire(&mut p, "GET", "/x").expect("fires");
    assert_eq!(a.describe(), "answered 429 with Retry-After: 3");
}

#[test]
fn validation_messages_number_faults_from_one() {
    let specs: Vec<FaultSpec> =
        serde_yaml::from_str("- { kind: drop }\n- { kind: drop, nth: 0 }").expect("yaml");
    let e = validate_faults(&specs).expect_err("second is invalid");
    assert!(e.to_string().starts_with("fault 2:"), "{e}");
}

#[test]
fn in_run_fires_only_in_that_run_and_counts_its_matches_there() {
    let specs: Vec<FaultSpec> = serde_yaml::from_str(
        "- { kind: forge_state, in_run: 3, nth: 1, match: { path: /services/oauth2/authorize } }",
    )
    .expect("fault YAML");
    let mut p = FaultPlan::new(specs, true).expect("valid");
    let none = |_: &str| None;
    let view = RequestView {
        method: "GET",
        path: "/services/oauth2/authorize",
        query: Some("state=abc"),
        header: &none,
        body: "",
    };
    assert!(p.decide(&view, Duration::ZERO, 0).is_none());
    assert!(p.decide(&view, Duration::ZERO, 1).is_none());
    let a = p
        .decide(&view, Duration::ZERO, 2)
        .expect("the third run's first match");
    assert!(
        a.rewrite == Some(Rewrite::ForgeState) && a.respond.is_none(),
        "{a:?}"
    );
    assert_eq!(a.kind, "forge_state");
    assert!(
        a.describe().contains("changed the `state`"),
        "{}",
        a.describe()
    );
    assert!(
        p.decide(&view, Duration::ZERO, 2).is_none(),
        "nth: 1 of run 3 only"
    );
}

#[test]
fn in_run_zero_is_refused() {
    let specs: Vec<FaultSpec> =
        serde_yaml::from_str("- { kind: forge_state, in_run: 0 }").expect("fault YAML");
    let e = FaultPlan::new(specs, true).expect_err("run 0 does not exist");
    assert!(e.to_string().contains("`in_run` must be 1 or more"), "{e}");
}

#[test]
fn forge_state_replaces_the_state_wherever_the_answer_carries_it() {
    assert_eq!(
        forge_state(
            "http://localhost:8080/callback?code=aPrx%3D&state=mine",
            "X"
        ),
        "http://localhost:8080/callback?code=aPrx%3D&state=X"
    );
    assert_eq!(
        forge_state(
            "https://app.example/cb#access_token=t&state=mine&token_type=Bearer",
            "X"
        ),
        "https://app.example/cb#access_token=t&state=X&token_type=Bearer"
    );
    // No state sent, none returned: the forged callback carries one all the same.
    assert_eq!(
        forge_state("http://localhost:8080/callback?code=c", "X"),
        "http://localhost:8080/callback?code=c&state=X"
    );
    assert_eq!(forge_state("http://h/cb", "X"), "http://h/cb?state=X");
}

#[test]
fn strip_state_takes_the_state_out_wherever_the_answer_carries_it() {
    assert_eq!(
        strip_state("http://localhost:8080/callback?code=aPrx%3D&state=mine"),
        "http://localhost:8080/callback?code=aPrx%3D"
    );
    assert_eq!(
        strip_state("http://localhost:8080/callback?state=mine&code=c&states=1"),
        "http://localhost:8080/callback?code=c&states=1"
    );
    assert_eq!(
        strip_state("https://app.example/cb#access_token=t&state=mine&token_type=Bearer"),
        "https://app.example/cb#access_token=t&token_type=Bearer"
    );
    assert_eq!(strip_state("http://h/cb?state=mine"), "http://h/cb");
    // No state to take out: the redirect stays as it is, so the fault counts as not applied.
    let plain = "http://localhost:8080/callback?code=c#";
    assert_eq!(strip_state(plain), plain);
}

#[test]
fn strip_state_fires_as_a_rewrite_of_the_orgs_redirect() {
    let mut p = plan(
        "- { kind: strip_state, in_run: 4, match: { method: GET, path: /services/oauth2/authorize } }",
    );
    let none = |_: &str| None;
    let view = RequestView {
        method: "GET",
        path: "/services/oauth2/authorize",
        query: Some("state=abc"),
        header: &none,
        body: "",
    };
    assert!(p.decide(&view, Duration::ZERO, 2).is_none());
    let a = p.decide(&view, Duration::ZERO, 3).expect("fires in run 4");
    assert_eq!(
        (a.rewrite, a.respond.as_ref(), a.kind.as_str()),
        (Some(Rewrite::StripState), None, "strip_state")
    );
    assert_eq!(
        a.describe(),
        "took the `state` out of the redirect's Location"
    );
    let e = refusal("- { kind: strip_state, respond: { status: 302 } }");
    assert!(e.contains("changes the org's answer"), "{e}");
}

#[test]
fn tamper_id_token_changes_a_claim_under_the_old_signature() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let claims = URL_SAFE_NO_PAD.encode(r#"{"sub":"u1","email":"kim@lab.example","nonce":"n"}"#);
    let location = format!(
        "http://localhost:8080/callback#access_token=tok&id_token=eyJhbGciOiJSUzI1NiJ9.{claims}.c2ln&state=s"
    );
    let changed = tamper_id_token(&location);
    assert!(changed.starts_with(
        "http://localhost:8080/callback#access_token=tok&id_token=eyJhbGciOiJSUzI1NiJ9."
    ));
    assert!(
        changed.ends_with(".c2ln&state=s"),
        "signature and the rest kept: {changed}"
    );
    let token = changed
        .split("id_token=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let got: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(got["email"], "mallory@attacker.example");
    assert_eq!(got["nonce"], "n", "other claims kept");
    assert_eq!(tamper_id_token("http://h/cb?code=c"), "http://h/cb?code=c");
}

#[test]
fn replay_id_token_puts_another_token_in_place_of_the_redirects_own() {
    let location = "http://localhost:8080/callback#access_token=tok&id_token=eyJ.new.sig&state=s";
    assert_eq!(id_token_of(location), Some("eyJ.new.sig"));
    assert_eq!(
        replace_id_token(location, "eyJ.old.sig"),
        "http://localhost:8080/callback#access_token=tok&id_token=eyJ.old.sig&state=s"
    );
    assert_eq!(id_token_of("http://h/cb?code=c"), None);
    assert_eq!(
        replace_id_token("http://h/cb?code=c", "x"),
        "http://h/cb?code=c"
    );
}

#[test]
fn misclaim_id_token_signs_one_wrong_claim_again_and_keeps_the_nonce() {
    use super::{misclaim_id_token, Misclaim, OTHER_AUDIENCE};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let claims =
        r#"{"aud":"3MVGkiosk","iss":"https://127.0.0.1:9","exp":2000,"iat":1000,"nonce":"n1"}"#;
    let token = format!(
        "eyJhbGciOiJSUzI1NiJ9.{}.sig",
        URL_SAFE_NO_PAD.encode(claims)
    );
    let location =
        format!("http://localhost:8080/callback#access_token=a&id_token={token}&state=s");
    // A stand-in for the org's key: the claims as the payload, "signed".
    let sign =
        |c: &serde_json::Value| format!("h.{}.signed", URL_SAFE_NO_PAD.encode(c.to_string()));
    let claims_of = |l: &str| -> serde_json::Value {
        let t = super::id_token_of(l).unwrap();
        assert!(t.ends_with(".signed"), "{t}");
        let payload = t.split('.').nth(1).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    };
    let aud = claims_of(&misclaim_id_token(
        &location,
        Misclaim::Audience,
        1500,
        &sign,
    ));
    assert_eq!(
        (aud["aud"].as_str(), aud["nonce"].as_str()),
        (Some(OTHER_AUDIENCE), Some("n1"))
    );
    let iss = claims_of(&misclaim_id_token(&location, Misclaim::Issuer, 1500, &sign));
    assert_eq!(iss["iss"], "https://login.salesforce.com");
    let expired = claims_of(&misclaim_id_token(
        &location,
        Misclaim::Expired,
        1500,
        &sign,
    ));
    assert!(expired["exp"].as_i64().unwrap() < 1500, "{expired}");
    assert_eq!(expired["aud"], "3MVGkiosk");
    let no_nonce = claims_of(&misclaim_id_token(
        &location,
        Misclaim::NoNonce,
        1500,
        &sign,
    ));
    assert!(no_nonce.get("nonce").is_none(), "{no_nonce}");
    assert_eq!(
        (no_nonce["aud"].as_str(), no_nonce["exp"].as_i64()),
        (Some("3MVGkiosk"), Some(2000))
    );
    let changed = misclaim_id_token(&location, Misclaim::Audience, 1500, &sign);
    assert!(changed.ends_with("&state=s"), "{changed}");
    // No id_token: nothing to change.
    let plain = "http://localhost:8080/callback#access_token=a";
    assert_eq!(
        misclaim_id_token(plain, Misclaim::Expired, 1500, &sign),
        plain
    );
}

#[test]
fn the_password_migrations_rotated_secret_refuses_every_grant_on_night_two() {
    // A secret rotated in the org fails wherever it is presented: a fallback to the password
    // grant with the same app secret is refused as the client credentials grant is.
    let lab: serde_yaml::Value =
        serde_yaml::from_str(include_str!("../../labs/oauth-password-migration/lab.yaml"))
            .expect("lab YAML");
    let specs: Vec<FaultSpec> =
        serde_yaml::from_value(lab["faults"].clone()).expect("the lab's faults");
    let mut p = FaultPlan::new(specs, true).expect("valid faults");
    let none = |_: &str| None;
    let token = |body: &'static str| RequestView {
        method: "POST",
        path: "/services/oauth2/token",
        query: None,
        header: &none,
        body,
    };
    let cc = "grant_type=client_credentials&client_id=k&client_secret=s";
    let password = "grant_type=password&client_id=k&client_secret=s&username=u&password=p";
    assert!(
        p.decide(&token(cc), Duration::ZERO, 0).is_none(),
        "night 1 works"
    );
    for body in [cc, password] {
        let refused = p.decide(&token(body), Duration::ZERO, 1);
        assert_eq!(
            refused.and_then(|a| a.respond).map(|r| r.status),
            Some(400),
            "night 2 refuses {body}"
        );
    }
}

#[test]
fn a_labs_token_endpoint_answer_carries_what_the_orgs_own_does() {
    let yaml = "- { match: { path: /services/oauth2/token }, respond: { status: 400, body: { error: invalid_client, error_description: invalid client credentials } } }";
    let basic = |n: &str| {
        n.eq_ignore_ascii_case("authorization")
            .then(|| "Basic azpz".to_string())
    };
    let none = |_: &str| None;
    fn token(header: &dyn Fn(&str) -> Option<String>) -> RequestView<'_> {
        RequestView {
            method: "POST",
            path: "/services/oauth2/token",
            query: None,
            header,
            body: "grant_type=client_credentials",
        }
    }
    // Client authenticated with the Authorization header: 401 and a challenge (RFC 6749 §5.2).
    let a = plan(yaml)
        .decide(&token(&basic), Duration::ZERO, 0)
        .and_then(|a| a.respond)
        .expect("answers");
    assert_eq!(a.status, 401);
    assert_eq!(a.headers["WWW-Authenticate"], "Basic realm=\"sflab\"");
    assert_eq!(a.headers["Cache-Control"], "no-store");
    assert_eq!(a.headers["Pragma"], "no-cache");
    // Secret in the form: 400 as written, still never to be cached.
    let a = plan(yaml)
        .decide(&token(&none), Duration::ZERO, 0)
        .and_then(|a| a.respond)
        .expect("answers");
    assert_eq!(a.status, 400);
    assert!(!a.headers.contains_key("WWW-Authenticate"), "{a:?}");
    assert_eq!(a.headers["Cache-Control"], "no-store");
    // Anywhere else the lab's answer is sent as written.
    let mut p = plan("- { respond: { status: 400, body: { error: invalid_client } } }");
    let a = fire(&mut p, "GET", "/services/data/v62.0/limits")
        .and_then(|a| a.respond)
        .expect("answers");
    assert!(a.headers.is_empty(), "{a:?}");
}

fn refusal(yaml: &str) -> String {
    let specs: Vec<FaultSpec> = serde_yaml::from_str(yaml).expect("yaml");
    FaultPlan::new(specs, true)
        .expect_err("refused")
        .to_string()
}

#[test]
fn a_kind_that_answers_itself_refuses_a_respond_with_another_status() {
    let e = refusal("- { kind: unavailable, respond: { status: 200 } }");
    assert!(
        e.contains("fault 1: `kind: unavailable` answers 503 itself, but `respond` answers 200"),
        "{e}"
    );
    assert!(refusal("- { kind: lock_row, respond: { status: 500 } }").contains("answers 400"));
    assert!(
        refusal("- { kind: session_expired, respond: { status: 200 } }").contains("answers 401")
    );
    let e = refusal("- { kind: forge_state, respond: { status: 302 } }");
    assert!(e.contains("changes the org's answer"), "{e}");
    // The same status with another body is fine.
    let mut p = plan("- { kind: rate_limited, respond: { status: 429, body: slow down } }");
    let a = fire(&mut p, "GET", "/x").expect("fires");
    assert_eq!(a.respond.map(|r| r.status), Some(429));
}

#[test]
fn retry_after_is_refused_where_no_429_or_503_carries_it() {
    for (yaml, says) in [
        (
            "- { kind: lock_row, retry_after: 5 }",
            "this fault answers 400",
        ),
        (
            "- { kind: latency, retry_after: 5 }",
            "passes the request on",
        ),
        ("- { kind: session_expired, retry_after: 5 }", "answers 401"),
        (
            "- { respond: { status: 500 }, retry_after: 5 }",
            "answers 500",
        ),
        (
            "- { respond: { status: 503, headers: { retry-after: '2' } }, retry_after: 5 }",
            "give it once",
        ),
    ] {
        let e = refusal(yaml);
        assert!(
            e.contains("fault 1: `retry_after`") && e.contains(says),
            "{yaml}: {e}"
        );
    }
}

#[test]
fn retry_after_sets_the_header_of_a_429_or_503_respond() {
    let mut p = plan("- { respond: { status: 503, body: down }, retry_after: 7 }");
    let a = fire(&mut p, "GET", "/x").expect("fires");
    let r = a.respond.expect("answers");
    assert_eq!(r.headers.get("Retry-After").map(String::as_str), Some("7"));
}

#[test]
fn a_match_method_that_is_no_http_method_is_refused() {
    let e = refusal("- { kind: rate_limited, match: { method: GTE } }");
    assert!(
        e.contains("fault 1: `match: { method: GTE }` is not an HTTP method"),
        "{e}"
    );
    plan("- { kind: rate_limited, match: { method: patch } }");
}
