//! Tests of the `process.output_contains` and `process.output_reports` rules.

use super::super::fixture::*;

const RULE: &str = "{ rule: process.output_contains, texts: [W-0007, REQUIRED_FIELD_MISSING] }";

#[test]
fn every_text_printed_passes() {
    let mut ev = evidence(vec![]);
    ev.runs[0].stdout.text = "W-0007 failed: REQUIRED_FIELD_MISSING LastName\n".into();
    let v = assert_passes(RULE, &ev);
    assert!(
        v.message.contains("mentions all 2 expected items"),
        "{}",
        v.message
    );
    let one = assert_passes("{ rule: process.output_contains, texts: [W-0007] }", &ev);
    assert!(
        one.message.contains("mentions the 1 expected item."),
        "{}",
        one.message
    );
}

#[test]
fn items_printed_where_the_kept_output_is_cut_are_found_in_the_whole_stream() {
    let mut ev = evidence(vec![]);
    let out = &mut ev.runs[0].stdout;
    out.text = "1\n2\n… 400000 bytes left out here: sflab keeps …\n59999\n60000\n".into();
    out.truncated = true;
    out.left_out = 400_000;
    out.whole = Some("1\n2\nW-0007 failed: REQUIRED_FIELD_MISSING\n59999\n60000\n".into());
    assert_passes(RULE, &ev);

    // Too long to hold: the failure says how much could not be read, and what to do.
    ev.runs[0].stdout.whole = None;
    let v = assert_fails(RULE, &ev);
    assert!(
        v.message.contains(
            "391 KiB in the middle of run 1's standard output was not kept, and what is missing may be there. Print less"
        ),
        "{}",
        v.message
    );
}

#[test]
fn a_missing_text_in_output_read_whole_says_nothing_of_cuts() {
    let mut ev = evidence(vec![]);
    ev.runs[0].stdout.text = "1 record failed\n".into();
    let v = assert_fails(RULE, &ev);
    assert!(!v.message.contains("not kept"), "{}", v.message);
}

#[test]
fn a_missing_text_fails_and_is_named() {
    let mut ev = evidence(vec![]);
    ev.runs[0].stdout.text = "1 record failed\n".into();
    let v = assert_fails(RULE, &ev);
    assert!(v.message.contains("W-0007"), "{}", v.message);
}

#[test]
fn stderr_counts_only_when_asked() {
    let mut ev = evidence(vec![]);
    ev.runs[0].stderr.text = "W-0007 REQUIRED_FIELD_MISSING\n".into();
    assert_fails(RULE, &ev);
    assert_passes(
        "{ rule: process.output_contains, texts: [W-0007], stderr: true }",
        &ev,
    );
}

#[test]
fn no_run_fails() {
    let mut ev = evidence(vec![]);
    ev.runs.clear();
    assert_fails(RULE, &ev);
}

#[test]
fn an_absent_item_printed_fails_so_a_report_of_every_row_does_not_pass() {
    let rule = "{ rule: process.output_contains, texts: [W-0007], absent: [W-0001, W-0002] }";
    let mut ev = evidence(vec![]);
    ev.runs[0].stdout.text = "W-0007 REQUIRED_FIELD_MISSING\n".into();
    let v = assert_passes(rule, &ev);
    assert!(
        v.message.contains("none of the 2 it should leave out"),
        "{}",
        v.message
    );
    ev.runs[0].stdout.text = "W-0001 ok\nW-0002 ok\nW-0007 REQUIRED_FIELD_MISSING\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message
            .contains("mentions 2 items, which it should not report: W-0001, W-0002"),
        "{}",
        v.message
    );
}

#[test]
fn a_count_is_found_with_its_thousands_grouped() {
    let rule = r#"{ rule: process.output_contains, texts: ["4500"] }"#;
    let mut ev = evidence(vec![]);
    ev.runs[0].stdout.text = "Contacts received: 4,500\n".into();
    assert_passes(rule, &ev);
    ev.runs[0].stdout.text = "Contacts received: 45,00\n".into();
    assert_fails(rule, &ev);
}

#[test]
fn one_per_line_refuses_a_json_answer_printed_whole_and_takes_any_list_layout() {
    let rule = r#"{ rule: process.output_contains, texts: [Falcon Corp, Harbor Logistics], one_per_line: true, because: "Pick the names out." }"#;
    let mut ev = evidence(vec![]);
    ev.runs[0].stdout.text =
        r#"{"records":[{"Name":"Falcon Corp"},{"Name":"Harbor Logistics"}]}"#.into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message
            .contains("shows Falcon Corp, Harbor Logistics only on lines that also show another"),
        "{}",
        v.message
    );
    assert!(v.message.ends_with("Pick the names out."), "{}", v.message);
    for good in [
        "Falcon Corp\nHarbor Logistics\n",
        "1. Falcon Corp\n2. Harbor Logistics\n",
        "Accounts: Falcon Corp, Harbor Logistics\nFalcon Corp\nHarbor Logistics\n",
    ] {
        ev.runs[0].stdout.text = good.into();
        assert_passes(rule, &ev);
    }
    // Without the option, names side by side on one line are fine.
    ev.runs[0].stdout.text = "Falcon Corp, Harbor Logistics\n".into();
    assert_passes(
        "{ rule: process.output_contains, texts: [Falcon Corp, Harbor Logistics] }",
        &ev,
    );
}

#[test]
fn a_total_must_stand_on_a_line_without_the_page_count() {
    let rule = r#"{ rule: process.output_contains, texts: ["4500"], not_beside: ["500"], because: "Print the sum." }"#;
    let mut ev = evidence(vec![]);
    ev.runs[0].stdout.text = "received 500 of 4500\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message.contains("only on lines that also show 500"),
        "{}",
        v.message
    );
    assert!(v.message.ends_with("Print the sum."), "{}", v.message);
    for good in [
        "page: +500 records, total 4500 so far\nContacts received: 4500\n",
        "Contacts received: 4 500\n",
        "Contacts received: 4'500\n",
    ] {
        ev.runs[0].stdout.text = good.into();
        assert_passes(rule, &ev);
    }
}

#[test]
fn a_labs_own_reason_explains_a_line_it_rules_out() {
    let rule = r#"{ rule: process.output_contains, texts: ["4500"], absent_lines: [["500", "4500"]], because: "Print the sum of every page." }"#;
    let mut ev = evidence(vec![]);
    ev.runs[0].stdout.text = "received 500 of 4500\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message.ends_with("Print the sum of every page."),
        "{}",
        v.message
    );
    ev.runs[0].stdout.text = "received 4500\n".into();
    assert_passes(rule, &ev);
}

#[test]
fn a_ruled_out_line_quotes_the_form_a_count_was_written_in() {
    let rule = r#"{ rule: process.output_contains, texts: [INVALID_TYPE], absent_lines: [[Opportunities, "0"]] }"#;
    let mut ev = evidence(vec![]);
    // Python's None printed where the count would go reads as "none": zero in words.
    ev.runs[0].stdout.text = "Opportunities: None (INVALID_TYPE)\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message.contains(
            "a line with Opportunities and 0 (written \"None\") together, which the brief rules out: \"Opportunities: None (INVALID_TYPE)\""
        ),
        "{}",
        v.message
    );
    ev.runs[0].stdout.text = "OPPORTUNITIES: 0.0 (INVALID_TYPE)\n".into();
    let v = assert_fails(rule, &ev);
    assert!(v.message.contains("0 (written \"0.0\")"), "{}", v.message);
    // A 0 written as 0 is quoted as it is, with nothing added.
    ev.runs[0].stdout.text = "Opportunities: 0 (INVALID_TYPE)\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message
            .contains("a line with Opportunities and 0 together"),
        "{}",
        v.message
    );
}

#[test]
fn a_made_up_count_under_a_camel_or_snake_case_label_is_ruled_out() {
    let rule = r#"{ rule: process.output_contains, texts: [INVALID_TYPE], absent_lines: [[Opportunity, "0"]] }"#;
    let mut ev = evidence(vec![]);
    for printed in [
        "{\"accounts\":[\"Falcon Corp\"],\"opportunityCount\":0,\"error\":\"INVALID_TYPE\"}\n",
        "OpportunityCount: 0 (INVALID_TYPE)\n",
        "opportunity_count: 0 (INVALID_TYPE)\n",
    ] {
        ev.runs[0].stdout.text = printed.into();
        let v = assert_fails(rule, &ev);
        assert!(
            v.message.contains("Opportunity (written \""),
            "{}",
            v.message
        );
    }
    ev.runs[0].stdout.text = "opportunityAccess: not permitted (INVALID_TYPE)\n".into();
    assert_passes(rule, &ev);
}

#[test]
fn a_line_group_passes_only_when_its_items_share_a_line() {
    let rule = "{ rule: process.output_contains, lines: [[A-1000, updated], [A-2001, created]] }";
    let mut ev = evidence(vec![]);
    ev.runs[0].stdout.text = "A-1000: updated\nA-2001: created\n".into();
    assert_passes(rule, &ev);
    ev.runs[0].stdout.text = "A-1000: created\nA-2001: updated\n".into();
    let v = assert_fails(rule, &ev);
    assert!(v.message.contains("A-1000 … updated"), "{}", v.message);
}

#[test]
fn a_made_up_count_is_named_in_the_same_verdict_as_a_missing_item() {
    let rule = r#"{ rule: process.output_contains, texts: [INVALID_TYPE], absent_lines: [[Opportunities, "0"]] }"#;
    let mut ev = evidence(vec![]);
    ev.runs[0].stdout.text = "Accounts: 2\nOpportunities: 0\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message.contains("does not mention 1 of the 1 expected item: INVALID_TYPE")
            && v.message.contains(
                "It also has a line with Opportunities and 0 together, which the brief rules out: \"Opportunities: 0\""
            ),
        "{}",
        v.message
    );
}

#[test]
fn results_printed_beside_the_wrong_items_are_told_how_results_pair_with_items() {
    let rule = "{ rule: process.output_contains, lines: [[W-0023, REQUIRED_FIELD_MISSING]], absent: [W-0001] }";
    let mut ev = evidence(vec![]);
    ev.runs[0].stdout.text = "W-0001 REQUIRED_FIELD_MISSING [LastName]\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message.contains(
            "it pairs results with the wrong items: it shows REQUIRED_FIELD_MISSING beside W-0001"
        ) && v
            .message
            .contains("The n-th result belongs to the n-th item sent")
            && !v.message.contains("Print each on one line"),
        "{}",
        v.message
    );
    // Both printed, on lines of their own: the one-line advice stands.
    ev.runs[0].stdout.text = "W-0023\n  REQUIRED_FIELD_MISSING\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message.contains("Print each on one line"),
        "{}",
        v.message
    );
}

#[test]
fn items_that_must_not_share_a_line_fail_together_but_not_apart() {
    let rule = r#"{ rule: process.output_contains, texts: [INVALID_TYPE], absent_lines: [[Opportunities, "0"], [Opportunity, "0"]] }"#;
    let mut ev = evidence(vec![]);
    ev.runs[0].stdout.text = "Accounts: 10\nOpportunities: not permitted (INVALID_TYPE)\n".into();
    assert_passes(rule, &ev);
    ev.runs[0].stdout.text = "Opportunity count: 0 (warning: INVALID_TYPE)\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message.contains("Opportunity and 0 together")
            && v.message
                .contains("\"Opportunity count: 0 (warning: INVALID_TYPE)\""),
        "{}",
        v.message
    );
}

#[test]
fn one_expected_item_is_spoken_of_in_the_singular() {
    let mut ev = evidence(vec![]);
    ev.runs[0].stdout.text = "W-0007\n".into();
    let v = assert_passes("{ rule: process.output_contains, texts: [W-0007] }", &ev);
    assert!(v.message.contains("1 expected item."), "{}", v.message);
}

#[test]
fn with_runs_only_what_those_runs_printed_counts() {
    let mut ev = evidence(vec![get("/x", 200).run(1)]);
    ev.runs[0].stdout.text = "PASS timeout\n".into();
    ev.runs[1].stdout.text = "PASS timeout\n".into();
    let rule = "{ rule: process.output_contains, texts: [FAIL timeout], runs: [2] }";
    let v = assert_fails(rule, &ev);
    assert!(v.message.contains("in run 2"), "{}", v.message);
    ev.runs[0].stdout.text = "FAIL timeout\n".into();
    assert_fails(rule, &ev);
    ev.runs[1].stdout.text = "FAIL timeout: expected Lisbon\n".into();
    assert_passes(rule, &ev);
    let v: serde_json::Value =
        serde_yaml::from_str("{ rule: process.output_contains, texts: [x], runs: [0] }").unwrap();
    assert!(crate::rules::RuleSpec::from_value(v).is_err());
}

#[test]
fn nothing_to_look_for_is_refused_when_the_lab_loads() {
    let v: serde_json::Value =
        serde_yaml::from_str("{ rule: process.output_contains, texts: [] }").unwrap();
    let err = crate::rules::RuleSpec::from_value(v)
        .unwrap_err()
        .to_string();
    assert!(err.contains("give `texts:`"), "{err}");
}

const LIMITS: &str = "{ rule: process.output_reports, method: GET, path: /services/data/*/limits, values: [/DailyApiRequests/Max, /DailyApiRequests/Remaining] }";

fn limits_answer() -> crate::evidence::Exchange {
    get("/services/data/v62.0/limits", 200)
        .response_body(r#"{"DailyApiRequests":{"Max":15000,"Remaining":14999}}"#)
}

#[test]
fn with_last_only_the_final_answer_of_a_poll_must_be_printed() {
    let job = |processed: u32, failed: u32| {
        get("/services/data/v62.0/jobs/ingest/750x", 200).response_body(&format!(
            r#"{{"state":"InProgress","numberRecordsProcessed":{processed},"numberRecordsFailed":{failed}}}"#
        ))
    };
    let ev = |out: &str| {
        let mut ev = evidence(vec![job(2000, 3), job(50000, 70)]);
        ev.runs[0].stdout.text = out.into();
        ev
    };
    let rule = "{ rule: process.output_reports, path: /services/data/*/jobs/ingest/*, values: [/numberRecordsProcessed, /numberRecordsFailed], labels: [processed, failed], last: true }";
    assert_passes(rule, &ev("processed 50,000, failed 70\n"));
    assert_fails(rule, &ev("processed 50000, failed 3\n"));
    let every = "{ rule: process.output_reports, path: /services/data/*/jobs/ingest/*, values: [/numberRecordsProcessed] }";
    assert_fails(every, &ev("processed 50000\n"));
}

#[test]
fn printing_the_values_the_org_answered_passes() {
    let mut ev = evidence(vec![limits_answer()]);
    ev.runs[0].stdout.text =
        "DailyApiRequests max: 15000\nDailyApiRequests remaining: 14999\n".into();
    let v = assert_passes(LIMITS, &ev);
    assert_eq!(v.evidence, vec![1]);
}

#[test]
fn made_up_values_fail_and_the_real_ones_are_named() {
    let mut ev = evidence(vec![limits_answer()]);
    ev.runs[0].stdout.text = "max: 5000\nremaining: 5000\n".into();
    let v = assert_fails(LIMITS, &ev);
    assert!(v.message.contains("15000, 14999"), "{}", v.message);
}

#[test]
fn a_limit_labelled_by_its_whole_name_is_not_found_in_a_dump_of_every_limit() {
    let rule = "{ rule: process.output_reports, path: /services/data/*/limits, values: [/DailyApiRequests/Max, /DailyApiRequests/Remaining], labels: [DailyApiRequests max, DailyApiRequests remaining] }";
    let answer = get("/services/data/v62.0/limits", 200).response_body(
        r#"{"DailyApiRequests":{"Max":15000,"Remaining":14999},"DailyBulkApiBatches":{"Max":15000,"Remaining":15000}}"#,
    );
    let mut ev = evidence(vec![answer]);
    ev.runs[0].stdout.text =
        "DailyApiRequests max: 15000\nDailyApiRequests Remaining: 14999\n".into();
    assert_passes(rule, &ev);
    // `jq .`: each figure stands beside a Max or Remaining, but under a name a line above.
    ev.runs[0].stdout.text = "{\n  \"DailyApiRequests\": {\n    \"Max\": 15000,\n    \"Remaining\": 14999\n  },\n  \"DailyBulkApiBatches\": {\n    \"Max\": 15000,\n    \"Remaining\": 15000\n  }\n}\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message
            .contains("never beside the label \"DailyApiRequests max\""),
        "{}",
        v.message
    );
    // The labels' last words alone do not say which limit the figures belong to.
    ev.runs[0].stdout.text = "max: 15000\nremaining: 14999\n".into();
    assert_fails(rule, &ev);
}

#[test]
fn a_label_of_several_words_may_be_split_by_any_spacing_a_dot_or_a_camel_case_hump() {
    let rule = "{ rule: process.output_reports, path: /services/data/*/limits, values: [/DailyApiRequests/Max, /DailyApiRequests/Remaining], labels: [DailyApiRequests max, DailyApiRequests remaining] }";
    let mut ev = evidence(vec![limits_answer()]);
    for shown in [
        "DailyApiRequests  max: 15000\nDailyApiRequests  remaining: 14999\n",
        "DailyApiRequests\tmax: 15000\nDailyApiRequests\tremaining: 14999\n",
        "DailyApiRequests.Max: 15000\nDailyApiRequests.Remaining: 14999\n",
        "DailyApiRequests_Max=15000 DailyApiRequests_Remaining=14999\n",
        "dailyApiRequestsMax: 15000\ndailyApiRequestsRemaining: 14999\n",
    ] {
        ev.runs[0].stdout.text = shown.into();
        assert_passes(rule, &ev);
    }
    // The words must still follow each other: another word between them is another label.
    ev.runs[0].stdout.text =
        "DailyApiRequests bulk max: 15000\nDailyApiRequests bulk remaining: 14999\n".into();
    assert_fails(rule, &ev);
}

#[test]
fn a_label_may_part_its_words_by_a_colon_a_comma_or_brackets_and_share_its_name() {
    let rule = "{ rule: process.output_reports, path: /services/data/*/limits, values: [/DailyApiRequests/Max, /DailyApiRequests/Remaining], labels: [DailyApiRequests max, DailyApiRequests remaining] }";
    let mut ev = evidence(vec![limits_answer()]);
    for shown in [
        "DailyApiRequests: max 15000\nDailyApiRequests: remaining 14999\n",
        "DailyApiRequests, max: 15000\nDailyApiRequests, remaining: 14999\n",
        "DailyApiRequests (max): 15000\nDailyApiRequests (remaining): 14999\n",
        "DailyApiRequests: max 15000, remaining 14999\n",
        "DailyApiRequests: max=15000 remaining=14999\n",
    ] {
        ev.runs[0].stdout.text = shown.into();
        assert_passes(rule, &ev);
    }
    // A shared name still pairs each figure with its own word.
    ev.runs[0].stdout.text = "DailyApiRequests: max 14999, remaining 15000\n".into();
    assert_fails(rule, &ev);
    // A dump on one line (`jq -c .`) parts the name from its keys by quotes and braces.
    ev.runs[0].stdout.text = "{\"DailyApiRequests\":{\"Max\":15000,\"Remaining\":14999}}\n".into();
    assert_fails(rule, &ev);
    // And each figure still pairs with its own label.
    ev.runs[0].stdout.text =
        "DailyApiRequests.Max: 14999\nDailyApiRequests.Remaining: 15000\n".into();
    assert_fails(rule, &ev);
}

#[test]
fn values_printed_on_standard_error_are_told_as_such_and_markers_by_what_they_stand_for() {
    let rule = "{ rule: process.output_reports, method: POST, path: /services/oauth2/token, values: [/user_code, /verification_uri] }";
    let start = req("POST", "/services/oauth2/token", 200).response_body(
        r#"{"user_code":"‹redacted:user_code#e8f71ebe›","verification_uri":"https://127.0.0.1:9/setup/connect"}"#,
    );
    let mut ev = evidence(vec![start]);
    ev.runs[0].stderr.text = "Go to https://127.0.0.1:9/setup/connect and enter the code ‹redacted:user_code#e8f71ebe›\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message
            .contains("printed on standard error, not on standard output"),
        "{}",
        v.message
    );
    assert!(
        v.message.contains("the user_code it answered"),
        "{}",
        v.message
    );
    assert!(!v.message.contains("‹redacted"), "{}", v.message);
    // Only one of them on standard error: said beside the usual reason.
    ev.runs[0].stderr.text = "code: ‹redacted:user_code#e8f71ebe›\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message.contains("(1 of them is on your standard error"),
        "{}",
        v.message
    );
    ev.runs[0].stdout.text = ev.runs[0].stderr.text.clone() + "https://127.0.0.1:9/setup/connect\n";
    assert_passes(rule, &ev);
}

#[test]
fn labelled_values_must_each_be_printed_beside_their_label() {
    let rule = "{ rule: process.output_reports, path: /services/data/*/limits, values: [/DailyApiRequests/Max, /DailyApiRequests/Remaining], labels: [max, remaining] }";
    let mut ev = evidence(vec![limits_answer()]);
    ev.runs[0].stdout.text =
        "DailyApiRequests Max: 15000\nDailyApiRequests remaining: 14999\n".into();
    assert_passes(rule, &ev);
    ev.runs[0].stdout.text =
        "DailyApiRequests max: 14999\nDailyApiRequests remaining: 15000\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message.contains(
            "shows 15000, the org's /DailyApiRequests/Max, but never beside the word \"max\""
        ),
        "{}",
        v.message
    );
    // A word that starts with the label counts; one that only holds it does not.
    ev.runs[0].stdout.text = "Maximum: 15000\nremaining: 14999\n".into();
    assert_passes(rule, &ev);
    ev.runs[0].stdout.text = "minimax 15000\nremaining: 14999\n".into();
    assert_fails(rule, &ev);
    // A camelCase name that ends in the label, as the org names its fields, counts.
    ev.runs[0].stdout.text = "dailyMax: 15000\ndailyRemaining: 14999\n".into();
    assert_passes(rule, &ev);
    ev.runs[0].stdout.text = "dailyMax: 14999\ndailyRemaining: 15000\n".into();
    assert_fails(rule, &ev);
    // Figures may be grouped by thousands.
    ev.runs[0].stdout.text = "max: 15,000\nremaining: 14 999\n".into();
    assert_passes(rule, &ev);
    ev.runs[0].stdout.text = "max: 15,001\nremaining: 14,999\n".into();
    assert_fails(rule, &ev);
    // A table: labels on one line, the figures under them on the next.
    ev.runs[0].stdout.text = "Max     Remaining\n15000   14999\n".into();
    assert_passes(rule, &ev);
    ev.runs[0].stdout.text = "  Max  Remaining\n15000      14999\n".into();
    assert_passes(rule, &ev);
    ev.runs[0].stdout.text = "Max     Remaining\n14999   15000\n".into();
    assert_fails(rule, &ev);
    // On one line, each figure must follow its own label.
    ev.runs[0].stdout.text = "DailyApiRequests max: 14999, remaining: 15000\n".into();
    assert_fails(rule, &ev);
    ev.runs[0].stdout.text = "DailyApiRequests max: 15000, remaining: 14999\n".into();
    assert_passes(rule, &ev);
    ev.runs[0].stdout.text = "remaining 14999 of max 15000\n".into();
    assert_passes(rule, &ev);
    ev.runs[0].stdout.text = "15000 max, 14999 remaining\n".into();
    assert_passes(rule, &ev);
    ev.runs[0].stdout.text = "14999 max, 15000 remaining\n".into();
    assert_fails(rule, &ev);
}

#[test]
fn labels_that_do_not_pair_with_the_values_are_refused_when_the_lab_loads() {
    let v: serde_json::Value = serde_yaml::from_str(
        "{ rule: process.output_reports, path: /x, values: [/a, /b], labels: [a] }",
    )
    .unwrap();
    let err = crate::rules::RuleSpec::from_value(v)
        .unwrap_err()
        .to_string();
    assert!(err.contains("one label for each of the 2 values"), "{err}");
}

#[test]
fn an_answer_with_fewer_values_than_the_org_holds_fails_even_when_printed() {
    let rule = "{ rule: process.output_reports, path: /services/data/*/query, values: [/records/*/Name], min_values: 3 }";
    let mut ev = evidence(vec![get("/services/data/v62.0/query", 200)
        .response_body(r#"{"records":[{"Name":"Falcon Corp"}]}"#)]);
    ev.runs[0].stdout.text = "Falcon Corp\nHarbor Logistics\nOsprey Foods\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message
            .contains("hold 1 of /records/*/Name, where the org has at least 3"),
        "{}",
        v.message
    );
}

#[test]
fn a_star_reads_every_item_of_every_matching_answer() {
    let rule =
        "{ rule: process.output_reports, path: /services/data/*/query, values: [/records/*/Name] }";
    let page = |names: &[&str]| {
        let records: Vec<String> = names
            .iter()
            .map(|n| format!(r#"{{"Name":"{n}"}}"#))
            .collect();
        get("/services/data/v62.0/query", 200)
            .response_body(&format!(r#"{{"records":[{}]}}"#, records.join(",")))
    };
    let mut ev = evidence(vec![page(&["Acme", "Globex"]), page(&["Initech"])]);
    ev.runs[0].stdout.text = "Acme\nGlobex\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message.contains("Initech") && !v.message.contains("Acme"),
        "{}",
        v.message
    );
    ev.runs[0].stdout.text = "Acme\nGlobex\nInitech\n".into();
    assert_passes(rule, &ev);
}

#[test]
fn a_count_is_not_found_inside_another_number() {
    let rule =
        "{ rule: process.output_reports, path: /services/data/*/query, values: [/totalSize] }";
    let count = get("/services/data/v62.0/query", 200).response_body(r#"{"totalSize":1}"#);
    let mut ev = evidence(vec![count]);
    ev.runs[0].stdout.text = "Contacts: 0\nAPI requests left: 14997\n".into();
    let v = assert_fails(rule, &ev);
    assert!(v.message.contains("does not show: 1."), "{}", v.message);
    ev.runs[0].stdout.text = "Contacts: 1\nAPI requests left: 14997\n".into();
    assert_passes(rule, &ev);
}

#[test]
fn no_successful_answer_fails() {
    let mut ev = evidence(vec![get("/services/data/v62.0/limits", 401)]);
    ev.runs[0].stdout.text = "15000\n".into();
    let v = assert_fails(LIMITS, &ev);
    assert!(
        v.message.contains("nothing of the org's to report"),
        "{}",
        v.message
    );
}

#[test]
fn pointers_follow_rfc_6901() {
    let json: serde_json::Value =
        serde_json::from_str(r#"{"a/b":{"m~n":[1,2]},"list":[{"x":1},{"x":2}]}"#).unwrap();
    assert_eq!(
        super::values_at(&json, "/a~1b/m~0n/1"),
        vec![&serde_json::json!(2)]
    );
    assert_eq!(super::values_at(&json, "/list/*/x").len(), 2);
    assert!(super::values_at(&json, "/missing/x").is_empty());
    assert_eq!(super::values_at(&json, ""), vec![&json]);
}

#[test]
fn a_value_that_is_not_a_pointer_is_refused_when_the_lab_loads() {
    let v: serde_json::Value =
        serde_yaml::from_str("{ rule: process.output_reports, path: /x, values: [totalSize] }")
            .unwrap();
    let err = crate::rules::RuleSpec::from_value(v)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a JSON pointer"), "{err}");
}

#[test]
fn a_ruled_out_line_is_found_in_any_case_and_with_the_number_in_any_decimal_form() {
    let rule = r#"{ rule: process.output_contains, texts: [INVALID_TYPE], absent_lines: [[Opportunities, "0"], [Opps, "0"]] }"#;
    let mut ev = evidence(vec![]);
    for line in [
        "OPPORTUNITIES: 0 (INVALID_TYPE)",
        "Opps: 0 (INVALID_TYPE)",
        "Opportunities: 0.0 (INVALID_TYPE)",
    ] {
        ev.runs[0].stdout.text = format!("Falcon Corp\n{line}\n");
        let v = assert_fails(rule, &ev);
        assert!(
            v.message.contains("which the brief rules out"),
            "{line}: {}",
            v.message
        );
    }
    ev.runs[0].stdout.text =
        "Falcon Corp\nOpportunities: not permitted, HTTP 400 (INVALID_TYPE)\n".into();
    assert_passes(rule, &ev);
}

#[test]
fn own_line_takes_a_count_only_as_a_value_of_its_own_not_inside_a_records_name() {
    let rule = r#"{ rule: process.output_contains, texts: ["4500"], own_line: true }"#;
    let mut ev = evidence(vec![]);
    // Every record's name printed, then a count one short: 4500 is only in "Reader 4500".
    ev.runs[0].stdout.text =
        "Reader 4499\nReader 4500\n{\n  \"LastName\": \"Reader 4500\"\n}\ncount 4493\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message
            .contains("shows 4500 only inside longer values, such as the line `Reader 4500`"),
        "{}",
        v.message
    );
    for bad in [
        "\"totalSize\": 4500,\n",
        "received 500 of 4500\n",
        "45000\n",
    ] {
        ev.runs[0].stdout.text = bad.into();
        assert_fails(rule, &ev);
    }
    for good in [
        "Reader 4500\n4500\n",
        "total: 4500\n",
        "count=4,500\n",
        "Contacts received: 4 500.\n",
        "4500 records\n",
    ] {
        ev.runs[0].stdout.text = good.into();
        assert_passes(rule, &ev);
    }
    // Without the option, a whole token inside a name is found, as before.
    ev.runs[0].stdout.text = "Reader 4500\ncount 4493\n".into();
    assert_passes(r#"{ rule: process.output_contains, texts: ["4500"] }"#, &ev);
}

#[test]
fn a_value_the_request_never_asked_for_fails_naming_it() {
    let rule = "{ rule: process.output_reports, method: GET, path: /services/data/*/query, values: [/records/*/Name, /records/*/Industry] }";
    let answer = |records: &str| {
        get("/services/data/v62.0/query", 200)
            .response_body(&format!(r#"{{"records":[{records}]}}"#))
    };
    let mut ev = evidence(vec![answer(
        r#"{"Name":"Falcon Corp"},{"Name":"Harbor Logistics"}"#,
    )]);
    ev.runs[0].stdout.text = "Falcon Corp\nHarbor Logistics\n".into();
    let v = assert_fails(rule, &ev);
    assert!(
        v.message
            .contains("hold no /records/*/Industry, so your standard output cannot report it")
            && v.message.contains("name `Industry` in the SELECT"),
        "{}",
        v.message
    );
    // A field asked for but empty on every record is in the answer all the same.
    let mut ev = evidence(vec![answer(r#"{"Name":"Falcon Corp","Industry":null}"#)]);
    ev.runs[0].stdout.text = "Falcon Corp\n".into();
    assert_passes(rule, &ev);
}

const GRANTED: &str = "{ rule: process.output_reports, method: POST, path: /services/oauth2/token, values: [/scope], lists: [/scope] }";

fn granted(out: &str) -> crate::evidence::Evidence {
    let answer = token("authorization_code", 200)
        .response_body(r#"{"access_token":"00Dx!tok","scope":"api refresh_token"}"#);
    let mut ev = evidence(vec![answer]);
    ev.runs[0].stdout.text = out.into();
    ev
}

#[test]
fn a_granted_scope_list_is_shown_by_its_items_in_any_layout() {
    for out in [
        "granted: api refresh_token\n",
        "scope: api\nscope: refresh_token\n",
        "The org granted these scopes: api, refresh_token\n",
        "granted: [\"api\", \"refresh_token\"]\n",
        "granted: api + refresh_token\n",
        "granted: refresh_token api\n",
    ] {
        assert_passes(GRANTED, &granted(out));
    }
    let v = assert_fails(GRANTED, &granted("granted: api\n"));
    assert!(
        v.message
            .contains("shows some of its items but not refresh_token")
            && !v.message.contains("typed in"),
        "{}",
        v.message
    );
    assert_fails(GRANTED, &granted("granted: full\n"));
    let unlisted = "{ rule: process.output_reports, method: POST, path: /services/oauth2/token, values: [/scope] }";
    assert_fails(unlisted, &granted("scope: api\nscope: refresh_token\n"));
}

#[test]
fn a_list_that_is_not_a_value_to_find_is_refused_when_the_lab_loads() {
    let v: serde_json::Value = serde_yaml::from_str(
        "{ rule: process.output_reports, path: /services/oauth2/token, values: [/access_token], lists: [/scope] }",
    )
    .unwrap();
    let err = crate::rules::RuleSpec::from_value(v)
        .unwrap_err()
        .to_string();
    assert!(err.contains("`lists:` names /scope"), "{err}");
}

#[test]
fn a_zero_the_line_denies_or_spends_on_another_count_is_no_made_up_count() {
    let rule = r#"{ rule: process.output_contains, texts: [INVALID_TYPE], stderr: true, absent_lines: [[Opportunities, "0"], [Opportunity, "0"]] }"#;
    let mut ev = evidence(vec![]);
    ev.runs[0].stdout.text =
        "Falcon Corp\nOpportunities: not counted (INVALID_TYPE); the count is unknown, not 0\n"
            .into();
    assert_passes(rule, &ev);
    ev.runs[0].stdout.text = "Falcon Corp\n".into();
    ev.runs[0].stderr.text =
        "[2026-12-02 03:00:00] Opportunity query refused: INVALID_TYPE, 0 retries\n".into();
    assert_passes(rule, &ev);
    ev.runs[0].stderr.text = String::new();
    for made_up in [
        "Opportunities: 0 (INVALID_TYPE)",
        "Opportunities: 0 records (INVALID_TYPE)",
        "Opportunity count: 0 (warning: INVALID_TYPE)",
        "OPPORTUNITIES: 0.0 (INVALID_TYPE)",
        "Opportunities: none (INVALID_TYPE)",
        "Opportunities: None INVALID_TYPE",
        "Opportunities: 0 INVALID_TYPE",
        "Opportunity count = 0 INVALID_TYPE",
        "Opportunities: 0 errorCode=INVALID_TYPE",
        "WARN Opportunities 0 INVALID_TYPE",
    ] {
        ev.runs[0].stdout.text = format!("Falcon Corp\n{made_up}\n");
        let v = assert_fails(rule, &ev);
        assert!(
            v.message.contains("which the brief rules out"),
            "{made_up}: {}",
            v.message
        );
    }
}
