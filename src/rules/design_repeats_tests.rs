//! Tests of `design.table` on an answer given twice: a repeated row, a repeated column, a
//! second table with the same columns.

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

const RULE: &str = "{ rule: design.table, file: design.md, columns: [Request, Job, Provider], rows: { Partner login: { Job: [sign-on], Provider: [microsoft] }, Issue sync: { Job: [callouts], Provider: [github] } } }";

const HEADER: &str = "| Request | Job | Provider |\n|---|---|---|\n";

#[test]
fn a_second_row_contradicting_the_first_for_the_same_request_fails() {
    let doc = format!(
        "{HEADER}| Partner login | sign-on | microsoft |\n| Issue sync | callouts | github |\n| Partner login | callouts | google |\n"
    );
    let v = assert_fails(RULE, &with_doc(&doc));
    assert!(
        v.message
            .contains("the row \"Partner login\" is there 2 times with different answers"),
        "{}",
        v.message
    );
    // A copy that says the same is no contradiction.
    let doc = format!(
        "{HEADER}| Partner login | sign-on | microsoft |\n| Issue sync | callouts | github |\n| Partner login | **Sign-on** | Microsoft |\n"
    );
    assert_passes(RULE, &with_doc(&doc));
}

#[test]
fn a_column_repeated_in_the_header_fails() {
    let doc = "| Request | Job | Provider | Provider |\n|---|---|---|---|\n| Partner login | sign-on | microsoft | google |\n| Issue sync | callouts | github | github |\n";
    let v = assert_fails(RULE, &with_doc(doc));
    assert!(
        v.message
            .contains("the column \"Provider\" is in the header 2 times"),
        "{}",
        v.message
    );
}

#[test]
fn a_second_table_with_the_same_columns_saying_otherwise_fails() {
    let first = format!(
        "{HEADER}| Partner login | sign-on | microsoft |\n| Issue sync | callouts | github |\n"
    );
    let second = format!("{HEADER}| Partner login | callouts | google |\n");
    let v = assert_fails(RULE, &with_doc(&format!("{first}\nDraft:\n\n{second}")));
    assert!(
        v.message
            .contains("there are 2 tables with the columns Request | Job | Provider"),
        "{}",
        v.message
    );
    // The same table twice, or a table with other columns, is no second answer.
    assert_passes(RULE, &with_doc(&format!("{first}\n{first}")));
    let notes = "| Term | Meaning |\n|---|---|\n| SSO | sign-on |\n";
    assert_passes(RULE, &with_doc(&format!("{first}\n{notes}")));
}
