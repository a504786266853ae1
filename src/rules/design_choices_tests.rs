//! Tests of what `design.table` tells a learner whose choice is not accepted: the words the
//! brief offers (`choices`), never the answers the rows expect, and a reason column only
//! where the table has one.

use super::super::fixture::*;
use crate::evidence::SourceFile;

fn with_doc(text: &str) -> crate::evidence::Evidence {
    let mut ev = evidence(vec![]);
    ev.sources.push(SourceFile {
        path: "design.md".into(),
        text: text.into(),
    });
    ev
}

const PROVIDERS: &str = "{ rule: design.table, file: design.md, columns: [Request, Job, Provider], rows: { Drive: { Job: [callouts], Provider: [google] }, Partner login: { Job: [sign-on], Provider: [microsoft, openid connect] } }, choices: { '*': { Job: [callouts, sign-on], Provider: [google, github, microsoft, openid connect, salesforce, custom] } } }";

fn providers(drive: &str, partner: &str) -> crate::evidence::Evidence {
    with_doc(&format!(
        "| Request | Job | Provider |\n|---|---|---|\n| Drive | callouts | {drive} |\n| Partner login | sign-on | {partner} |\n"
    ))
}

#[test]
fn an_unknown_name_is_told_the_briefs_vocabulary_not_the_answer_key() {
    let v = assert_fails(PROVIDERS, &providers("google", "azure ad"));
    assert!(
        v.message.contains(
            "\"azure ad\" is not the best fit (if it is the right choice under another name, write one of: google, github, microsoft, openid connect, salesforce, custom)"
        ),
        "{}",
        v.message
    );
    // A word the brief offers that no row expects is a choice, and the wrong one.
    let v = assert_fails(PROVIDERS, &providers("salesforce", "microsoft"));
    assert!(
        v.message.contains("\"salesforce\" is not the best fit")
            && !v.message.contains("another name"),
        "{}",
        v.message
    );
}

#[test]
fn without_a_vocabulary_the_expected_answers_are_not_listed() {
    let rule = PROVIDERS.split(", choices:").next().unwrap().to_string() + " }";
    let v = assert_fails(&rule, &providers("google", "azure ad"));
    assert!(
        v.message
            .contains("under another name, write it as the brief names it")
            && !v.message.contains("google, microsoft"),
        "{}",
        v.message
    );
}

#[test]
fn a_wordy_choice_is_sent_to_a_reason_column_only_when_the_table_has_one() {
    let v = assert_fails(PROVIDERS, &providers("google", "Microsoft Entra"));
    assert!(
        v.message
            .contains("\"Microsoft Entra\" holds more than a choice; write one of: google,")
            && !v.message.contains("its own column")
            && !v.message.contains("reason"),
        "{}",
        v.message
    );
}

#[test]
fn a_vocabulary_per_row_is_told_for_that_row() {
    let rule = "{ rule: design.table, file: design.md, columns: [Question, Before, After], rows: { Password kept: { After: [principal] }, Remote site: { After: ['no'] } }, choices: { Password kept: { After: [metadata, principal] }, Remote site: { After: ['yes', 'no'] } } }";
    let doc = "| Question | Before | After |\n|---|---|---|\n| Password kept | metadata | vault |\n| Remote site | yes | no |\n";
    let v = assert_fails(rule, &with_doc(doc));
    assert!(
        v.message.contains("write one of: metadata, principal)") && !v.message.contains("yes, no"),
        "{}",
        v.message
    );
}

#[test]
fn a_vocabulary_without_a_rows_answer_is_an_authors_mistake() {
    let rule = "{ rule: design.table, file: design.md, columns: [Request, Provider], rows: { Drive: { Provider: [google] } }, choices: { '*': { Provider: [github, custom] } } }";
    let v: serde_json::Value = serde_yaml::from_str(rule).unwrap();
    let err = super::super::RuleSpec::from_value(v)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "`choices:` for \"Drive\" → Provider does not offer its expected answer \"google\""
        ),
        "{err}"
    );
}

#[test]
fn another_version_of_an_offered_api_is_not_the_best_fit_rather_than_more_than_a_choice() {
    let rule = "{ rule: design.table, file: design.md, columns: [Need, API, Why], rows: { Account lookup: { API: [REST API, REST] }, Invoice archive: { API: [Bulk API 2.0, Bulk API, Bulk, Bulk API v2] } }, choices: { '*': { API: [REST API, Bulk API 2.0, Pub/Sub API] } }, explained: [Why] }";
    for cell in ["Bulk API 1.0", "Bulk API v1"] {
        let doc = format!(
            "| Need | API | Why |\n|---|---|---|\n| Account lookup | REST API | one record on demand |\n| Invoice archive | {cell} | millions loaded only once |\n"
        );
        let v = assert_fails(rule, &with_doc(&doc));
        assert!(
            v.message.contains(&format!(
                "\"{cell}\" is not the best fit (if it is the right choice under another name, write one of: REST API, Bulk API 2.0, Pub/Sub API)"
            )) && !v.message.contains("holds more than a choice"),
            "{}",
            v.message
        );
    }
}
