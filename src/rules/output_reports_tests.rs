//! Tests of what `process.output_reports` tells a learner whose output leaves a value out:
//! the answers that hold it, and not the ones whose values are printed.

use super::super::fixture::*;

#[test]
fn a_value_not_shown_names_only_the_answers_that_hold_it() {
    let rule =
        "{ rule: process.output_reports, path: /services/data/*/query, values: [/totalSize] }";
    let contacts_of_one = get("/services/data/v62.0/query", 200)
        .response_body(r#"{"totalSize":0,"done":true,"records":[]}"#);
    let count = get("/services/data/v62.0/query", 200)
        .response_body(r#"{"totalSize":1,"done":true,"records":[]}"#);
    let mut ev = evidence(vec![contacts_of_one, count]);
    ev.runs[0].stdout.text = "Contacts: 1\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message
            .contains("The org answered #1 GET /services/data/v62.0/query with a value that"),
        "{}",
        v.message
    );
    assert!(!v.message.contains("#2"), "{}", v.message);
}
