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
    assert!(p.decide(&view, Duration::from_millis(1999)).is_none());
    assert!(p.decide(&view, Duration::from_millis(2000)).is_some());
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
    assert_eq!(a.describe(), "answered 429 with Retry-After: 2");
}

#[test]
fn validation_messages_number_faults_from_one() {
    let specs: Vec<FaultSpec> =
        serde_yaml::from_str("- { kind: drop }\n- { kind: drop, nth: 0 }").expect("yaml");
    let e = validate_faults(&specs).expect_err("second is invalid");
    assert!(e.to_string().starts_with("fault 2:"), "{e}");
}
