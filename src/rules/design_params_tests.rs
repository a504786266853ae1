//! Tests of what a lab author is told when a `design.table` check's parameters name a column
//! the table does not have, or hold a value of the wrong shape.

use super::super::fixture::*;
use crate::evidence::SourceFile;
use crate::rules::{RuleSpec, RuleSpecError};

/// The tester's table: one REST row, one Bulk row, a reason for each.
const API: &str = "{ rule: design.table, file: design.md, columns: [Need, API, Why], rows: { One record now: { API: [REST API, REST] }, A million rows nightly: { API: [Bulk API 2.0, Bulk API, Bulk] } }, choices: { '*': { API: [REST API, Bulk API 2.0, SOAP API] } }, explained: [Why] }";

fn parse(yaml: &str) -> Result<RuleSpec, RuleSpecError> {
    let value: serde_json::Value = serde_yaml::from_str(yaml).expect("yaml");
    RuleSpec::from_value(value)
}

fn refusal(yaml: &str) -> String {
    parse(yaml).expect_err(yaml).to_string()
}

fn with_doc(text: &str) -> crate::evidence::Evidence {
    let mut ev = evidence(vec![]);
    ev.sources.push(SourceFile {
        path: "design.md".into(),
        text: text.into(),
    });
    ev
}

#[test]
fn a_row_naming_a_column_the_table_lacks_is_refused_when_the_lab_loads() {
    let typo = API.replace("One record now: { API:", "One record now: { Apx:");
    let text = refusal(&typo);
    assert!(
        text.contains(
            "`rows:` \"One record now\" names the column \"Apx\" (did you mean \"API\"?), which is not one of `columns:` \"Need\", \"API\", \"Why\""
        ),
        "{text}"
    );
    // The same column in another case is that column, and its answers are judged.
    let cased = API.replace("One record now: { API:", "One record now: { Api:");
    assert!(parse(&cased).is_ok());
    let doc = "| Need | API | Why |\n|---|---|---|\n| One record now | SOAP API | it answers at once |\n| A million rows nightly | Bulk API 2.0 | millions of rows overnight |\n";
    let v = assert_fails(&cased, &with_doc(doc));
    assert!(
        v.message.contains("\"SOAP API\" is not the best fit"),
        "{}",
        v.message
    );
}

#[test]
fn mentions_and_ruled_out_naming_a_column_the_table_lacks_are_refused() {
    let mention = "{ rule: design.table, file: design.md, columns: [Failure, Response], mentions: { ERP down: { Reponse: [retry] } } }";
    let text = refusal(mention);
    assert!(
        text.contains(
            "`mentions:` \"ERP down\" names the column \"Reponse\" (did you mean \"Response\"?)"
        ),
        "{text}"
    );
    let ruled = "{ rule: design.table, file: design.md, columns: [Failure, Response], mentions: { ERP down: { Response: [retry] } }, ruled_out: { '*': { Answer: [give up] } } }";
    let text = refusal(ruled);
    assert!(
        text.contains("`ruled_out:` \"*\" names the column \"Answer\", which is not one of `columns:` \"Failure\", \"Response\""),
        "{text}"
    );
}

#[test]
fn an_explained_column_the_table_lacks_is_refused_when_the_lab_loads() {
    let text = refusal(&API.replace("explained: [Why]", "explained: [Whyy]"));
    assert!(
        text.contains("`explained:` names the column \"Whyy\" (did you mean \"Why\"?), which is not one of `columns:` \"Need\", \"API\", \"Why\"; no reason would be asked for"),
        "{text}"
    );
    assert!(parse(&API.replace("explained: [Why]", "explained: [why]")).is_ok());
}

#[test]
fn choices_naming_a_column_the_table_lacks_are_refused_when_the_lab_loads() {
    let text = refusal(&API.replace("'*': { API:", "'*': { APi2:"));
    assert!(
        text.contains("`choices:` \"*\" names the column \"APi2\" (did you mean \"API\"?)"),
        "{text}"
    );
}

#[test]
fn choices_for_a_column_in_another_case_are_offered_to_the_learner() {
    let cased = API.replace("'*': { API:", "'*': { api:");
    let doc = "| Need | API | Why |\n|---|---|---|\n| One record now | GraphQL | it answers at once |\n| A million rows nightly | Bulk API 2.0 | millions of rows overnight |\n";
    let v = assert_fails(&cased, &with_doc(doc));
    assert!(
        v.message
            .contains("write one of: REST API, Bulk API 2.0, SOAP API"),
        "{}",
        v.message
    );
}

#[test]
fn a_value_of_the_wrong_shape_is_told_by_its_field() {
    for (from, to, says) in [
        (
            "explained: [Why]",
            "explained: Why",
            "rule `design.table`: `explained`: expected a list of column names, like `[Why]`, got the string \"Why\"",
        ),
        (
            "'*': { API: [REST API, Bulk API 2.0, SOAP API] }",
            "'*': [REST API]",
            "rule `design.table`: `choices` → \"*\": expected a map of column → words the brief offers, like `{ API: [...] }`, got a list",
        ),
        (
            "choices: { '*': { API: [REST API, Bulk API 2.0, SOAP API] } }",
            "choices: [REST API]",
            "`choices`: expected a map of row → (column → words the brief offers), like `{ \"*\": { API: [...] } }`, got a list",
        ),
        (
            "One record now: { API: [REST API, REST] }",
            "One record now: { API: REST API }",
            "`rows` → \"One record now\" → API: expected a list of accepted answers, like `[...]`, got the string \"REST API\"",
        ),
        (
            "One record now: { API: [REST API, REST] }",
            "One record now: { API: [REST API, 2] }",
            "`rows` → \"One record now\" → API: item 2 of the list is the number 2, where a list of accepted answers holds text (quote it, \"2\", to have it read as text)",
        ),
        (
            "columns: [Need, API, Why]",
            "columns: Need",
            "`columns`: expected a list of column names, like `[Need, API, Why]`, got the string \"Need\"",
        ),
        (
            "file: design.md",
            "file: design.md, filled: sometimes",
            "`filled`: expected true or false, got the string \"sometimes\"",
        ),
    ] {
        let bad = API.replace(from, to);
        assert_ne!(bad, API, "{from}");
        let text = refusal(&bad);
        assert!(text.contains(says), "{to}: {text}");
        assert!(!text.contains("invalid type"), "{to}: {text}");
    }
}

#[test]
fn a_misshapen_design_table_is_placed_on_its_check_and_names_the_field() {
    let lab = format!(
        "id: api-pick\ntitle: Pick the API\nlevel: L1\nlesson: L1-basics/rest\ngoal: Pick.\nchecks:\n  - {{ rule: process.exit_ok }}\n  - {}\n",
        API.replace("explained: [Why]", "explained: Why")
    );
    let problems = crate::lab::spec::validate(&lab);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line, Some(8));
    assert!(
        problems[0]
            .message
            .contains("check 2: rule `design.table`: `explained`: expected a list of column names"),
        "{}",
        problems[0].message
    );
}
