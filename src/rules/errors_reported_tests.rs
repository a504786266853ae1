//! Tests of `process.errors_reported`: a call that finally failed must be reported in what
//! its run printed.

use super::super::fixture::*;
use crate::evidence::Exchange;

const RULE: &str = "{ rule: process.errors_reported, path: /services/data/** }";

const INVALID_FIELD: &str = r#"[{"message":"No such column 'Industy' on sobject of type Account","errorCode":"INVALID_FIELD","fields":[]}]"#;
const THROTTLED: &str = r#"{"message":"API rate limit exceeded","detail":"The API gateway in front of the org is throttling this client."}"#;

fn query(status: u16) -> Exchange {
    get(
        "/services/data/v62.0/query?q=SELECT+Name+FROM+Account",
        status,
    )
    .response_body(if status == 429 {
        THROTTLED
    } else {
        r#"{"totalSize":0,"done":true,"records":[]}"#
    })
}

fn create(status: u16) -> Exchange {
    req("POST", "/services/data/v62.0/sobjects/Account", status)
        .body(r#"{"Name":"Kestrel Air","Industy":"Aerospace"}"#)
        .response_body(INVALID_FIELD)
}

fn printed(
    mut ev: crate::evidence::Evidence,
    stdout: &str,
    stderr: &str,
) -> crate::evidence::Evidence {
    ev.runs[0].stdout.text = stdout.into();
    ev.runs[0].stderr.text = stderr.into();
    ev
}

fn throttled_then_refused() -> crate::evidence::Evidence {
    evidence(vec![query(429), query(429), query(429), create(400)])
}

#[test]
fn a_helper_that_swallows_every_error_fails_naming_each_failure() {
    let ev = printed(throttled_then_refused(), "all good\n", "");
    let v = assert_fails(RULE, &ev);
    assert!(
        v.message.contains("#3 GET") && v.message.contains("429 \"API rate limit exceeded\""),
        "{}",
        v.message
    );
    assert!(
        v.message.contains("#4 POST") && v.message.contains("400 INVALID_FIELD"),
        "{}",
        v.message
    );
    // The earlier throttled attempts were retried: only the last one counts as the failure.
    assert!(!v.message.contains("#1 GET"), "{}", v.message);
}

#[test]
fn failures_reported_by_status_code_or_message_pass() {
    let ev = printed(
        throttled_then_refused(),
        "",
        "GET query failed with 429: API rate limit exceeded\nPOST Account failed: No such column 'Industy' on sobject of type Account\n",
    );
    assert_passes(RULE, &ev);
    let by_code = printed(
        throttled_then_refused(),
        "query: HTTP 429\naccount: INVALID_FIELD\n",
        "",
    );
    assert_passes(RULE, &by_code);
}

#[test]
fn one_failure_left_unreported_fails_naming_only_it() {
    let ev = printed(throttled_then_refused(), "query failed with 429\n", "");
    let v = assert_fails(RULE, &ev);
    assert!(
        v.message.contains("#4 POST") && !v.message.contains("#3 GET"),
        "{}",
        v.message
    );
}

#[test]
fn a_call_retried_into_success_is_no_failure() {
    let ev = printed(
        evidence(vec![query(429), query(200), create(400)]),
        "account failed: 400\n",
        "",
    );
    assert_passes(RULE, &ev);
}

#[test]
fn with_nothing_refused_there_is_nothing_to_report() {
    let ev = printed(evidence(vec![query(200)]), "done\n", "");
    let v = assert_fails(RULE, &ev);
    assert!(v.message.contains("nothing to report"), "{}", v.message);
}
