//! Tests of the `design.table` rule.

use super::super::fixture::*;
use super::*;
use crate::evidence::SourceFile;

fn with_doc(text: &str) -> crate::evidence::Evidence {
    let mut ev = evidence(vec![]);
    ev.sources.push(SourceFile {
        path: "design.md".into(),
        text: text.into(),
    });
    ev
}

const RULE: &str = "{ rule: design.table, file: design.md, columns: [Requirement, Pattern, Why], rows: { Nightly price list: { Pattern: [batch sync, batch] }, Card check: { Pattern: [request-reply] } } }";

const GOOD: &str = "# Patterns\n\n| Requirement | Pattern | Why |\n|---|:--:|---|\n| Nightly price list | **Batch sync** | volume, not urgent |\n| Card check | Request-Reply | the user waits |\n";

#[test]
fn expected_values_match_ignoring_case_and_emphasis() {
    assert_passes(RULE, &with_doc(GOOD));
}

#[test]
fn a_grant_written_as_its_wire_name_or_hyphenated_names_the_same_idea() {
    assert_eq!(
        norm("OAuth `client_credentials`"),
        "oauth client credentials"
    );
    assert_eq!(norm("client-credentials flow"), "client credentials flow");
    assert_eq!(norm("Request–Reply"), "request reply");
    assert_eq!(norm("_plain_ - dash -- **bold**"), "plain - dash -- bold");
    let rule = "{ rule: design.table, file: design.md, columns: [Requirement, Pattern, Why], rows: { Card check: {} }, mentions: { Card check: { Pattern: [client credentials] } } }";
    for written in ["client_credentials grant", "Client-Credentials flow"] {
        let doc = format!("| Requirement | Pattern | Why |\n|---|---|---|\n| Card check | {written} | no user |\n");
        assert_passes(rule, &with_doc(&doc));
    }
}

#[test]
fn another_rows_choice_is_not_the_best_fit_and_an_unknown_name_is_told_apart() {
    let v = assert_fails(RULE, &with_doc(&GOOD.replace("Request-Reply", "batch")));
    assert!(
        v.message.contains("\"batch\" is not the best fit"),
        "{}",
        v.message
    );
    let v = assert_fails(
        RULE,
        &with_doc(&GOOD.replace("Request-Reply", "synchronous call")),
    );
    assert!(
        v.message
            .contains("\"synchronous call\" is not the best fit (if it is the right choice under another name"),
        "{}",
        v.message
    );
}

#[test]
fn a_wrong_value_is_named_with_its_row() {
    let v = assert_fails(
        RULE,
        &with_doc(&GOOD.replace("**Batch sync**", "fire-and-forget")),
    );
    assert!(
        v.message.contains("Nightly price list") && v.message.contains("fire-and-forget"),
        "{}",
        v.message
    );
}

#[test]
fn an_unfilled_cell_or_missing_row_fails() {
    let v = assert_fails(RULE, &with_doc(&GOOD.replace("the user waits", "TODO")));
    assert!(v.message.contains("under \"Why\""), "{}", v.message);
    let v = assert_fails(
        RULE,
        &with_doc(&GOOD.replace("| Card check | Request-Reply | the user waits |\n", "")),
    );
    assert!(
        v.message.contains("\"Card check\" is missing"),
        "{}",
        v.message
    );
}

#[test]
fn an_empty_cell_the_row_asks_an_idea_of_is_one_problem() {
    let filled = "{ rule: design.table, file: design.md, columns: [Failure, Response], mentions: { ERP down: { Response: [retry, backoff] } } }";
    let doc = "| Failure | Response |\n|---|---|\n| ERP down |  |\n";
    let v = assert_fails(filled, &with_doc(doc));
    assert!(v.message.contains("1 problem(s)"), "{}", v.message);
    assert!(
        v.message
            .contains("\"ERP down\" has no answer under \"Response\""),
        "{}",
        v.message
    );
    // A row every column of which must be filled: told once as unfilled, not also as
    // naming no idea.
    let rows = filled.replace("mentions:", "rows: { ERP down: {} }, mentions:");
    let v = assert_fails(&rows, &with_doc(doc));
    assert!(v.message.contains("1 problem(s)"), "{}", v.message);
    // Where cells may stay empty, an empty cell the row asks an idea of is still told once.
    let optional = filled.replace("columns:", "filled: false, columns:");
    let v = assert_fails(&optional, &with_doc(doc));
    assert!(v.message.contains("1 problem(s)"), "{}", v.message);
    assert!(v.message.contains("has no answer under"), "{}", v.message);
}

const FAILURES: &str = "{ rule: design.table, file: design.md, columns: [Failure, Response], mentions: { ERP down: { Response: [retry, backoff, breaker] } } }";

#[test]
fn a_mentions_cell_must_name_one_of_the_words() {
    let doc =
        "| Failure | Response |\n|---|---|\n| ERP down | Retry with **exponential backoff** |\n";
    assert_passes(FAILURES, &with_doc(doc));
    let v = assert_fails(
        FAILURES,
        &with_doc(&doc.replace("Retry with **exponential backoff**", "we will be careful")),
    );
    assert!(
        v.message.contains("\"ERP down\" → Response"),
        "{}",
        v.message
    );
    let v = assert_fails(FAILURES, &with_doc("| Failure | Response |\n|---|---|\n"));
    assert!(
        v.message.contains("\"ERP down\" is missing"),
        "{}",
        v.message
    );
}

#[test]
fn an_explained_column_needs_a_reason_of_a_few_words() {
    let rule = "{ rule: design.table, file: design.md, columns: [Requirement, Pattern, Why], rows: { Card check: { Pattern: [request-reply] } }, explained: [Why] }";
    let doc = |why: &str| {
        with_doc(&format!(
            "| Requirement | Pattern | Why |\n|---|---|---|\n| Card check | Request-Reply | {why} |\n"
        ))
    };
    assert_passes(rule, &doc("the user waits for it"));
    for why in ["-", "because", "because yes"] {
        let v = assert_fails(rule, &doc(why));
        assert!(
            v.message.contains("gives no reason"),
            "{why}: {}",
            v.message
        );
    }
    for why in ["x", "waits", "fast, sync"] {
        let v = assert_fails(rule, &doc(why));
        assert!(
            v.message.contains("is too short to be a reason"),
            "{why}: {}",
            v.message
        );
    }
}

#[test]
fn two_words_that_belong_together_are_a_reason() {
    let rule = "{ rule: design.table, file: design.md, columns: [Requirement, Pattern, Why], rows: { Card check: { Pattern: [request-reply] } }, explained: [Why] }";
    for why in ["rep waits", "WSDL-only client"] {
        assert_passes(
            rule,
            &with_doc(&format!(
                "| Requirement | Pattern | Why |\n|---|---|---|\n| Card check | Request-Reply | {why} |\n"
            )),
        );
    }
}

#[test]
fn a_reason_that_would_fit_any_row_or_is_copied_onto_every_row_is_no_reason() {
    let rule = "{ rule: design.table, file: design.md, columns: [Requirement, Pattern, Why], rows: { Credit check: { Pattern: [request-reply] }, Price list: { Pattern: [batch sync] }, Case history: { Pattern: [batch sync] } }, explained: [Why] }";
    let doc = |a: &str, b: &str, c: &str| {
        with_doc(&format!(
            "| Requirement | Pattern | Why |\n|---|---|---|\n| Credit check | request-reply | {a} |\n| Price list | batch sync | {b} |\n| Case history | batch sync | {c} |\n"
        ))
    };
    let v = assert_fails(
        rule,
        &doc("because it fits", "because it fits", "because it fits"),
    );
    assert!(
        v.message.contains(
            "\"Credit check\" → Why gives no reason (\"because it fits\" would fit any row)"
        ),
        "{}",
        v.message
    );
    let v = assert_fails(
        rule,
        &doc(
            "fits this business case",
            "fits this business case",
            "fits this business case",
        ),
    );
    assert!(
        v.message
            .contains("the same Why (\"fits this business case\") stands in 3 rows"),
        "{}",
        v.message
    );
    // Short honest reasons pass, and two batch loads may share one.
    assert_passes(
        rule,
        &doc("the rep waits", "millions of rows", "millions of rows"),
    );
}

#[test]
fn a_table_without_the_columns_or_no_file_fails() {
    assert_fails(
        RULE,
        &with_doc("| Requirement | Answer |\n|---|---|\n| a | b |\n"),
    );
    assert_fails(RULE, &evidence(vec![]));
}

#[test]
fn a_document_left_unread_is_named_with_why_not_called_missing() {
    let mut ev = evidence(vec![]);
    ev.unread = vec![(
        "design.md".into(),
        "is not UTF-8 text (byte 0xE9 on line 9 is not UTF-8; save the file as UTF-8)".into(),
    )];
    let v = assert_fails(RULE, &ev);
    assert!(
        v.message
            .starts_with("`design.md` is not UTF-8 text (byte 0xE9 on line 9"),
        "{}",
        v.message
    );
    assert!(!v.message.contains("There is no"), "{}", v.message);
}

const FIVE: &str = "{ rule: design.table, file: design.md, columns: [Question, Answer, Why], mentions: { Failure: { Answer: [retry, retries, rerun, later, tries again, repeat], Why: [external id, upsert, idempot, overwrite] } }, ruled_out: { Failure: { Answer: [is lost, gives up, unsafe, pointless], Why: [\"retr* … duplicat*\", \"rerun* … duplicat*\", \"retr* … unsafe\", \"rerun* … unsafe\", is lost, would have helped, blindly] } } }";

fn failure_row(answer: &str, why: &str) -> crate::evidence::Evidence {
    with_doc(&format!(
        "| Question | Answer | Why |\n|---|---|---|\n| Failure | {answer} | {why} |\n"
    ))
}

#[test]
fn a_failure_answer_that_denies_the_retry_or_its_safety_does_not_pass() {
    assert_passes(
        FIVE,
        &failure_row(
            "Retry the job after the window",
            "rows are upserted by external id, so a rerun updates instead of duplicating",
        ),
    );
    for (answer, why) in [
        (
            "Nobody retries; the night's data is lost",
            "each insert makes duplicates since there is no duplicate check",
        ),
        (
            "Retrying is unsafe, so the job gives up",
            "a rerun would overwrite good figures with duplicates",
        ),
    ] {
        assert_fails(FIVE, &failure_row(answer, why));
    }
    let v = assert_fails(
        FIVE,
        &failure_row(
            "Retry after the window",
            "a rerun would overwrite good figures with duplicates",
        ),
    );
    assert!(
        v.message.contains(
            "\"Failure\" → Why says \"rerun would overwrite good figures with duplicates\", which goes against what this row asks for"
        ),
        "{}",
        v.message
    );
}

#[test]
fn a_cell_that_only_strings_the_key_words_together_does_not_pass() {
    let v = assert_fails(
        FIVE,
        &failure_row(
            "retry retries rerun later",
            "external id upsert idempotent overwrite",
        ),
    );
    assert!(
        v.message
            .contains("\"Failure\" → Answer strings key words together")
            && v.message
                .contains("\"Failure\" → Why strings key words together"),
        "{}",
        v.message
    );
    assert_passes(
        FIVE,
        &failure_row("Retry later", "the upsert by external id makes it harmless"),
    );
    assert_passes(
        FIVE,
        &failure_row(
            "Retry later: the job reruns",
            "Upsert by external id: idempotent, overwrites",
        ),
    );
}

#[test]
fn a_retry_said_in_other_common_words_passes() {
    for answer in [
        "The job tries again at 04:00",
        "It repeats the load after the window",
    ] {
        assert_passes(
            FIVE,
            &failure_row(answer, "an upsert by external id updates the same rows"),
        );
    }
}

const SCOPES: &str = "{ rule: design.table, file: design.md, columns: [Scenario, Scopes and policies], filled: false, mentions: { Store kiosk: { Scopes and policies: [api, refresh] } }, ruled_out: { \"*\": { Scopes and policies: [full, every user] } } }";

#[test]
fn a_ruled_out_word_fails_the_row_when_said_outright_only() {
    let doc = |cell: &str| {
        with_doc(&format!(
            "| Scenario | Scopes and policies |\n|---|---|\n| Store kiosk | {cell} |\n"
        ))
    };
    assert_passes(
        SCOPES,
        &doc("`api` and `refresh_token`, never full; fully pre-approved users"),
    );
    let v = assert_fails(SCOPES, &doc("full scope and api, refresh token on"));
    assert!(v.message.contains("says \"full\""), "{}", v.message);
    let v = assert_fails(SCOPES, &doc("the refresh token left out"));
    assert!(
        v.message.contains("does not name the idea"),
        "{}",
        v.message
    );
}

#[test]
fn a_choice_with_a_full_stop_a_note_or_the_word_flow_passes() {
    for cell in [
        "Batch.",
        "Batch sync (Bulk API 2.0)",
        "batch sync flow",
        "<span>batch</span>"
            .replace("<span>", "")
            .replace("</span>", "")
            .as_str(),
    ] {
        assert_passes(RULE, &with_doc(&GOOD.replace("**Batch sync**", cell)));
    }
    assert_passes(
        RULE,
        &with_doc(&GOOD.replace("Request-Reply", "Request-reply.")),
    );
}

#[test]
fn a_choice_among_other_words_is_told_to_stand_alone() {
    let v = assert_fails(
        RULE,
        &with_doc(&GOOD.replace("**Batch sync**", "Batch, since it runs nightly")),
    );
    assert!(
        v.message.contains(
            "\"Batch, since it runs nightly\" holds more than a choice; write only the choice, as the brief names it (the reason goes in the Why column)"
        ),
        "{}",
        v.message
    );
    let v = assert_fails(
        RULE,
        &with_doc(&GOOD.replace("Request-Reply", "Request-reply (or batch)")),
    );
    assert!(
        v.message.contains("holds more than a choice"),
        "{}",
        v.message
    );
}

#[test]
fn a_draft_table_in_an_html_comment_is_not_judged() {
    let draft = "<!-- draft: | Requirement | Pattern | Why |\n|---|---|---|\n| Nightly price list | request-reply | old |\n-->\n";
    assert_passes(RULE, &with_doc(&format!("{draft}{GOOD}")));
}

#[test]
fn a_misspelt_header_or_a_file_in_another_case_is_named() {
    let v = assert_fails(RULE, &with_doc(&GOOD.replace("| Pattern |", "| Patern |")));
    assert!(
        v.message.contains("with no column \"Pattern\""),
        "{}",
        v.message
    );
    let mut ev = evidence(vec![]);
    ev.sources.push(SourceFile {
        path: "Design.md".into(),
        text: GOOD.into(),
    });
    let v = assert_fails(RULE, &ev);
    assert!(
        v.message
            .contains("but there is `Design.md`: rename it to `design.md`"),
        "{}",
        v.message
    );
}

#[test]
fn a_row_key_with_a_non_breaking_hyphen_is_found() {
    let rule = "{ rule: design.table, file: design.md, columns: [Requirement, Pattern, Why], rows: { Order hand-off: { Pattern: [fire-and-forget] } } }";
    let doc = "| Requirement | Pattern | Why |\n|---|---|---|\n| Order hand\u{2011}off | Fire\u{2011}and\u{2011}forget | nobody waits for it |\n";
    assert_passes(rule, &with_doc(doc));
}

#[test]
fn any_lone_dash_answers_does_not_apply() {
    let rule = "{ rule: design.table, file: design.md, columns: [Request, Principal], rows: { Partner login: { Principal: [none, \"-\"] }, Issue sync: { Principal: [named] } } }";
    for dash in ["—", "–", "-"] {
        let doc = format!("| Request | Principal |\n|---|---|\n| Partner login | {dash} |\n| Issue sync | named |\n");
        assert_passes(rule, &with_doc(&doc));
    }
}

#[test]
fn a_dense_answer_with_words_of_its_own_is_no_list() {
    let rule = "{ rule: design.table, file: design.md, columns: [Tool, Reason], mentions: { shipment_eta: { Reason: [injection, hidden, instruct, exfiltrat, contact email, email address] } } }";
    let doc = "| Tool | Reason |\n|---|---|\n| shipment_eta | Prompt injection: hidden instruction to exfiltrate contact email addresses |\n";
    assert_passes(rule, &with_doc(doc));
}

#[test]
fn a_ruled_out_row_no_other_part_names_is_refused_when_the_lab_loads() {
    let typo = "{ rule: design.table, file: design.md, columns: [Scenario, Scopes], mentions: { Store kiosk: { Scopes: [api] } }, ruled_out: { Store kisok: { Scopes: [full] } } }";
    let value: serde_json::Value = serde_yaml::from_str(typo).expect("yaml");
    let e = crate::rules::RuleSpec::from_value(value).expect_err("a row no part names");
    assert!(e.to_string().contains("\"Store kisok\""), "{e}");
    let every = typo.replace("Store kisok", "\"*\"");
    let value: serde_json::Value = serde_yaml::from_str(&every).expect("yaml");
    assert!(crate::rules::RuleSpec::from_value(value).is_ok());
}

#[test]
fn a_why_that_keeps_duplicates_or_unsafety_away_from_the_retry_passes() {
    for why in [
        "upsert by external id prevents duplicates",
        "the upsert by external id stops duplicates",
        "an upsert by external id guards against duplicate records",
        "rows are upserted by external id, so duplicates can't happen",
        "upsert by external id: duplicates are impossible",
        "thanks to the upsert by external id a rerun is duplicate-free",
        "a plain insert would be unsafe; upsert by external id is idempotent",
        "a rerun is safe because the upsert by external id prevents duplicates",
        "retrying just upserts by external id again: duplicate rows cannot appear",
        "rows lost in the window are upserted by external id on the rerun",
    ] {
        assert_passes(FIVE, &failure_row("Retry the job after the window", why));
    }
}

#[test]
fn a_failure_row_that_gives_up_or_wishes_for_an_upsert_does_not_pass() {
    let v = assert_fails(
        FIVE,
        &failure_row(
            "Retrying is pointless, the night's figures are gone",
            "an upsert would have helped, but we insert blindly",
        ),
    );
    assert!(
        v.message.contains("\"Failure\" → Answer")
            && v.message.contains("Why says \"would have helped\""),
        "{}",
        v.message
    );
    for why in [
        "a retry would create duplicates",
        "rerunning the job is unsafe with plain inserts",
    ] {
        let v = assert_fails(FIVE, &failure_row("Retry after the window", why));
        assert!(v.message.contains("goes against"), "{why}: {}", v.message);
    }
}

const LEAST_PRIVILEGE: &str = "{ rule: design.table, file: design.md, columns: [Scenario, Scopes and policies], filled: false, mentions: { Deploy pipeline: { Scopes and policies: [api, pre-authoriz, admin approved, permission set] } }, ruled_out: { \"*\": { Scopes and policies: [full, modify all, view all, all users, to everyone, everyone can, self-authorize, self authorize] } } }";

#[test]
fn a_ruled_out_word_denied_contrasted_or_quoted_as_replaced_passes() {
    let doc = |cell: &str| {
        with_doc(&format!(
            "| Scenario | Scopes and policies |\n|---|---|\n| Deploy pipeline | {cell} |\n"
        ))
    };
    for cell in [
        "admin-approved users are pre-authorized, not all users may self-authorize",
        "the permission set replaces 'All users may self-authorize' with admin-approved pre-authorization",
        "`api` only, full is too broad; a permission set",
        "`api` only; full would be too broad; a permission set",
        "`api`; run-as user without View All and Modify All, with a permission set",
        "`api`; the run-as user has no View All and Modify All, only a permission set",
        "one vendor account that everyone shares; a permission set grants principal access only to the rates users",
    ] {
        assert_passes(LEAST_PRIVILEGE, &doc(cell));
    }
    for (cell, word) in [
        ("`api`; all users may self-authorize", "all users"),
        ("`api` and full; a permission set", "full"),
        ("a permission set grants access to everyone", "to everyone"),
    ] {
        let v = assert_fails(LEAST_PRIVILEGE, &doc(cell));
        assert!(
            v.message.contains(&format!("says \"{word}\"")),
            "{cell}: {}",
            v.message
        );
    }
}

/// Every `design.table` check of a lab, as JSON (which YAML reads), and the reference answer
/// `file` of its solution.
pub(super) fn lab_tables(lab: &str, file: &str) -> (Vec<String>, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    let yaml = std::fs::read_to_string(format!("{root}/labs/{lab}/lab.yaml")).expect("lab.yaml");
    let lab_value: serde_json::Value = serde_yaml::from_str(&yaml).expect("lab YAML");
    let checks = lab_value["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["rule"] == "design.table")
        .map(|c| {
            let mut c = c.clone();
            c.as_object_mut().expect("a check").remove("points");
            c.to_string()
        })
        .collect();
    let answer =
        std::fs::read_to_string(format!("{root}/solutions/{lab}/{file}")).expect("solution");
    (checks, answer)
}

/// `doc` with the cell of the row starting `| row |` under `column` replaced by `text`.
pub(super) fn with_cell(doc: &str, row: &str, column: &str, text: &str) -> String {
    let header: Vec<String> = doc
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .find(|cells: &Vec<String>| cells.iter().any(|c| c == column))
        .expect("a header with the column");
    let at = header.iter().position(|c| c == column).expect("column");
    assert!(
        doc.lines().any(|l| l.starts_with(&format!("| {row} |"))),
        "no row {row}"
    );
    doc.lines()
        .map(|l| {
            if !l.starts_with(&format!("| {row} |")) {
                return l.to_string();
            }
            let mut cells: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect();
            cells[at] = text.to_string();
            format!("| {} |", cells.join(" | "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) fn assert_lab_passes(lab: &str, file: &str, row: &str, column: &str, text: &str) {
    let (checks, answer) = lab_tables(lab, file);
    let doc = with_cell(&answer, row, column, text);
    let mut ev = evidence(vec![]);
    ev.sources.push(SourceFile {
        path: file.into(),
        text: doc,
    });
    for check in checks {
        assert_passes(&check, &ev);
    }
}

#[test]
fn modernisation_audit_accepts_a_reason_without_the_password_and_other_words_for_retired() {
    for (row, why) in [
        (
            "Nightly login",
            "the job runs without a stored human password",
        ),
        (
            "Nightly login",
            "the job no longer needs a password that never changes",
        ),
        ("API version", "v29.0 is not supported anymore"),
        ("API version", "v29.0 is no longer available"),
        ("API version", "v29.0 is deprecated and will stop working"),
        (
            "API version",
            "versions 21 to 30 were switched off in Summer '25",
        ),
    ] {
        assert_lab_passes("modernisation-audit", "audit.md", row, "Why", why);
    }
}

#[test]
fn capstone_failure_design_accepts_common_ways_of_saying_each_response() {
    for (row, response) in [
        (
            "ERP refuses the order",
            "Don't retry; raise a Case for the order team",
        ),
        (
            "ERP refuses the order",
            "Never retry a refusal; mark the Order as rejected and alert ops",
        ),
        (
            "ERP refuses the order",
            "Do not retry; log it for the reconciliation",
        ),
        (
            "Event delivered twice",
            "Deduplicate on the order key already stored",
        ),
        (
            "Event delivered twice",
            "Ignore the second copy: that order key is already processed",
        ),
        (
            "ERP down",
            "Wait and try again later with exponential delays",
        ),
        (
            "ERP down",
            "Hold the order and resend it once the ERP answers again",
        ),
    ] {
        assert_lab_passes(
            "capstone-order-sync",
            "architecture.md",
            row,
            "Response",
            response,
        );
    }
}

#[test]
fn design_labs_accept_the_natural_answers_testers_wrote() {
    for why in [
        "upsert by external id prevents duplicates",
        "the upsert by external id stops duplicates",
        "an upsert by external id guards against duplicate records",
        "rows are upserted by external id, so duplicates can't happen",
        "rows are upserted by external id: duplicates are impossible",
        "rows are upserted by external id, so a rerun is duplicate-free",
        "a plain insert would be unsafe; upsert by external id is idempotent",
    ] {
        assert_lab_passes("design-five-questions", "design.md", "Failure", "Why", why);
    }
    for (row, cell) in [
        ("Deploy pipeline", "`api`; a certificate; admin-approved users are pre-authorized, not all users may self-authorize"),
        ("Deploy pipeline", "`api`; a certificate; the permission set replaces 'All users may self-authorize' with admin-approved pre-authorization"),
        ("Nightly order sync", "`api` only, full is too broad; a run-as user with a permission set"),
        ("Nightly order sync", "`api` only; full would be too broad; a run-as user with a permission set"),
        ("Nightly order sync", "`api` only; a run-as user without View All and Modify All"),
        ("Nightly order sync", "`api` only; the run-as user has no View All and Modify All"),
        ("Vendor rates callout", "one vendor account that everyone shares; a permission set grants principal access only to the rates users"),
    ] {
        assert_lab_passes("auth-building-blocks", "design.md", row, "Scopes and policies", cell);
    }
    for flow in ["Web server flow (with PKCE)", "Web server (PKCE)"] {
        assert_lab_passes(
            "auth-building-blocks",
            "design.md",
            "Customer portal SPA",
            "Flow",
            flow,
        );
    }
    for (row, column, cell) in [
        ("Drive attachments", "Principal", "Per-user principal"),
        ("Partner login", "Principal", "— (none)"),
        ("Partner login", "Principal", "No principal"),
        ("Vendor API", "Provider", "Custom Auth Provider"),
    ] {
        assert_lab_passes("auth-provider-design", "design.md", row, column, cell);
    }
    assert_lab_passes(
        "design-pick-the-pattern",
        "design.md",
        "Credit check",
        "Pattern",
        "Remote Process Invocation – Request and Reply",
    );
    for (row, cell) in [
        ("Order with lines", "Composite (one REST call, allOrNone)"),
        ("Invoice archive", "Bulk API 2.0 (REST-based, async)"),
        (
            "Tax service",
            "External Services (wraps the vendor's REST API)",
        ),
        ("Custom endpoint", "Apex REST (a custom REST endpoint)"),
    ] {
        assert_lab_passes("design-api-choice", "design.md", row, "API", cell);
    }
}
