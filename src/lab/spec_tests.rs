//! Tests of the lab file schema and its line-placed validation.

use super::*;

const GOOD: &str = "\
id: upsert
title: Upsert twice
level: L1
lesson: L1-basics/rest
goal: |
  Upsert one account **twice**.
tools: [curl, jq]
org:
  records: [ { Account: { Name: Falcon } } ]
faults:
  - { match: { method: PATCH }, nth: 1, kind: unavailable }
run: { times: 2, timeout: 20s, env: { LAB_MODE: strict } }
checks:
  - { rule: state.idempotent, points: 3 }
  - rule: http.calls_at_most
    max: 6
hints:
  - { rule: state.idempotent, text: Compare the two runs. }
  - { rule: state.idempotent, text: Use PATCH on the external id. }
";

#[test]
fn a_complete_lab_parses_with_defaults_filled_in() {
    let spec = parse("labs/upsert/lab.yaml", GOOD).unwrap();
    assert_eq!(spec.run.times, 2);
    assert_eq!(spec.run.timeout, Duration::from_secs(20));
    assert!(spec.run.access_token);
    assert_eq!(spec.backends, vec![Backend::Mock]);
    assert_eq!(spec.tools, vec![Tool::Curl, Tool::Jq]);
    assert_eq!(spec.checks[1].points, 1);
    assert_eq!(spec.checks[1].params["max"], serde_yaml::Value::from(6));
    assert_eq!(spec.max_points(), 4);
    assert_eq!(spec.hints_for(Some("state.idempotent")).count(), 2);
    assert_eq!(spec.faults.len(), 1);
}

#[test]
fn rule_yaml_carries_parameters_but_not_points() {
    let spec = parse("lab.yaml", GOOD).unwrap();
    let y = spec.checks[1].rule_yaml();
    assert_eq!(y["rule"], serde_yaml::Value::from("http.calls_at_most"));
    assert_eq!(y["max"], serde_yaml::Value::from(6));
    assert!(y.get("points").is_none());
}

#[test]
fn an_unknown_rule_is_placed_on_its_list_item_line() {
    let yaml = GOOD.replace("rule: http.calls_at_most", "rule: http.calls_at_mots");
    let p = validate(&yaml);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].line, Some(15));
    assert!(
        p[0].message.contains("`http.calls_at_mots`"),
        "{}",
        p[0].message
    );
}

#[test]
fn a_hint_for_an_unchecked_rule_is_refused() {
    let yaml = GOOD.replace(
        "  - { rule: state.idempotent, text: Compare the two runs. }",
        "  - { rule: state.idempotent, text: Compare. }\n  - { rule: retry.backoff, text: x }",
    );
    let p = validate(&yaml);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].line, Some(19));
    assert!(p[0].message.contains("retry.backoff"));
}

#[test]
fn when_words_need_a_rule_and_must_say_something() {
    let yaml = GOOD.replace(
        "  - { rule: state.idempotent, text: Compare the two runs. }",
        "  - { rule: state.idempotent, text: Compare., when: [twice] }\n  - { text: x, when: [y] }\n  - { rule: state.idempotent, text: z, when: [\" \"] }",
    );
    let p = validate(&yaml);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p[0].message.contains("hint 2 has `when` words but no rule"),
        "{p:?}"
    );
    assert!(
        p[1].message.contains("hint 3 has an empty `when` word"),
        "{p:?}"
    );
}

#[test]
fn a_misspelt_field_is_reported_with_its_line() {
    let yaml = GOOD.replace("tools:", "toools:");
    let p = validate(&yaml);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].line, Some(7));
    assert!(p[0].message.contains("toools"), "{}", p[0].message);
}

#[test]
fn a_setting_given_twice_inside_a_check_is_refused_at_its_line() {
    let yaml = GOOD.replace("    max: 6\n", "    max: 6\n    max: 9\n");
    let p = validate(&yaml);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].line, Some(17), "{p:?}");
    assert!(p[0].message.contains("max"), "{}", p[0].message);
    let flow = GOOD.replace(
        "{ rule: state.idempotent, points: 3 }",
        "{ rule: state.idempotent, points: 3, fields: [A], fields: [B] }",
    );
    let p = validate(&flow);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].line, Some(14), "{p:?}");
    assert!(p[0].message.contains("fields"), "{}", p[0].message);
}

#[test]
fn a_bad_timeout_explains_the_format() {
    let yaml = GOOD.replace("timeout: 20s", "timeout: soon");
    let p = validate(&yaml);
    assert_eq!(p.len(), 1);
    assert!(p[0].message.contains("`30s`"), "{}", p[0].message);
    assert_eq!(p[0].line, Some(12));
}

#[test]
fn values_of_the_wrong_type_are_all_found_in_one_pass_with_the_other_problems() {
    let yaml = GOOD
        .replace("timeout: 20s", "timeout: 20 seconds")
        .replace("points: 3", "points: three")
        .replace("max: 6", "maxx: 6")
        .replace("nth: 1, kind", "nth: 0, kind")
        .replace(
            "{ rule: state.idempotent, text: Use",
            "{ rule: state.idempotent, txt: x, text: Use",
        );
    let p = validate(&yaml);
    let found: Vec<(Option<usize>, &str)> =
        p.iter().map(|p| (p.line, p.message.as_str())).collect();
    assert_eq!(p.len(), 5, "{found:?}");
    let at = |line: usize, words: &str| {
        assert!(
            p.iter()
                .any(|p| p.line == Some(line) && p.message.contains(words)),
            "no problem at line {line} saying {words:?}: {found:?}"
        )
    };
    at(12, "run: `timeout`: a duration is written like `30s`");
    at(
        14,
        "check 1: `points`: invalid type: string \"three\", expected a whole number",
    );
    at(15, "maxx");
    at(11, "`nth` must be 1 or more");
    at(19, "hint 2: `txt`");
}

#[test]
fn checks_of_the_wrong_type_are_one_problem_not_one_per_hint() {
    let p = validate(&GOOD.replace(
        "checks:\n  - { rule: state.idempotent, points: 3 }\n  - rule: http.calls_at_most\n    max: 6\n",
        "checks: \"all of them\"\n",
    ));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].line, Some(13));
    assert!(
        p[0].message
            .contains("checks: invalid type: string \"all of them\""),
        "{}",
        p[0].message
    );
}

#[test]
fn a_bad_rule_parameter_is_reported_by_the_catalogue() {
    let p = validate(&GOOD.replace("max: 6", "maxx: 6"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].line, Some(15));
    assert!(p[0].message.contains("maxx"), "{}", p[0].message);
}

#[test]
fn a_fault_with_two_triggers_is_placed_on_its_line() {
    let p = validate(&GOOD.replace("nth: 1, kind", "nth: 1, every_nth: 2, kind"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].line, Some(11));
    assert!(p[0].message.contains("at most one of"), "{}", p[0].message);
}

#[test]
fn a_broken_org_seed_is_reported_on_its_own_line() {
    let p = validate(&GOOD.replace("records: [ { Account: { Name: Falcon } } ]", "records: 7"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].line, Some(9), "the records line, not the org line");
    assert!(p[0].message.contains("`org:` seed"), "{}", p[0].message);
    assert!(!p[0].message.contains("at line"), "{}", p[0].message);
    // A mistyped key deep in the seed is placed on its line too.
    let typo = GOOD.replace(
        "  records: [ { Account: { Name: Falcon } } ]\n",
        "  records: [ { Account: { Name: Falcon } } ]\n  bulk:\n    processing_delay: 5\n",
    );
    let p = validate(&typo);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].line, Some(11), "{p:?}");
    assert!(
        p[0].message.contains("processing_delay"),
        "{}",
        p[0].message
    );
    // A flow-style seed keeps the org line.
    let flow = GOOD.replace(
        "org:\n  records: [ { Account: { Name: Falcon } } ]",
        "org: { records: 7 }",
    );
    let p = validate(&flow);
    assert_eq!(p[0].line, Some(8), "{p:?}");
}

#[test]
fn run_times_out_of_range_is_refused() {
    let p = validate(&GOOD.replace("times: 2", "times: 0"));
    assert!(p[0].message.contains("run.times"));
}

#[test]
fn a_replayed_id_token_needs_the_app_it_is_for() {
    let p = validate(&GOOD.replace("times: 2,", "times: 2, replayed_id_token: true,"));
    assert!(p[0].message.contains("run.replayed_id_token"), "{p:?}");
    let ok = GOOD
        .replace("times: 2,", "times: 2, replayed_id_token: true, app: spa,")
        .replace(
            "org:\n",
            "org:\n  apps: [ { name: spa, flows: [authorization_code] } ]\n",
        );
    assert!(validate(&ok).is_empty(), "{:?}", validate(&ok));
}

#[test]
fn a_minimal_header_only_lab_is_valid() {
    let p = validate("id: a\ntitle: A\nlevel: L1\nlesson: L1-basics/rest\n");
    assert!(p.is_empty(), "{p:?}");
}

#[test]
fn durations_accept_the_usual_units() {
    assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
    assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
    assert_eq!(parse_duration("7"), Some(Duration::from_secs(7)));
    assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
    assert_eq!(parse_duration("fast"), None);
}

#[test]
fn a_duration_past_a_day_is_refused_at_its_line_not_a_crash() {
    assert_eq!(parse_duration("24h"), Some(LONGEST_DURATION));
    for huge in [
        "18446744073709551615s",
        "99999999999999999999s",
        "25h",
        "1e30",
    ] {
        assert_eq!(parse_duration(huge), None, "{huge}");
    }
    for timeout in ["99999999999999999999s", "1e30", "-1"] {
        let p = validate(&GOOD.replace("timeout: 20s", &format!("timeout: {timeout}")));
        assert_eq!(p.len(), 1, "{timeout}: {p:?}");
        assert_eq!(p[0].line, Some(12), "{timeout}: {p:?}");
        assert!(p[0].message.contains("at most 24h"), "{}", p[0].message);
    }
    let p = validate(&GOOD.replace("nth: 1, kind", "after: 1e30, kind"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].line, Some(11), "{p:?}");
    assert!(p[0].message.contains("`after: 1e30`"), "{}", p[0].message);
}

#[test]
fn hidden_parameters_are_kept_apart_from_the_rules_own_and_must_exist() {
    let lab = "id: a\ntitle: A\nlevel: L1\nlesson: L1-basics/rest\nchecks:\n  - { rule: state.soql, query: \"SELECT Id FROM Account\", count: 1, hidden: [count] }\n";
    let spec = parse("lab.yaml", lab).unwrap();
    assert_eq!(spec.checks[0].hidden, vec!["count".to_string()]);
    assert!(!spec.checks[0].params.contains_key("hidden"));
    let p = validate(&lab.replace("hidden: [count]", "hidden: [rows]"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].line, Some(6));
    assert!(p[0].message.contains("\"rows\""), "{}", p[0].message);
}

#[test]
fn scenario_problems_are_placed_on_the_steps_line() {
    let yaml = "\
id: s
title: S
level: L1
lesson: L1-basics/rest
run:
  timeout: 30s
  scenario:
    - wait: 1s
    - start
    - kill
";
    let e = parse("lab.yaml", yaml).unwrap_err();
    assert_eq!(e.problems.len(), 1, "{e}");
    assert_eq!(e.problems[0].line, Some(9));
    assert!(e.problems[0].message.contains("step 2"), "{e}");
}

#[test]
fn a_valid_scenario_is_kept_and_needs_times_one() {
    let yaml = "\
id: s
title: S
level: L1
lesson: L1-basics/rest
run:
  times: 2
  scenario: [ kill, start ]
";
    let e = parse("lab.yaml", yaml).unwrap_err();
    assert!(e.to_string().contains("`run.times` must be 1"), "{e}");
    let ok = parse("lab.yaml", &yaml.replace("times: 2", "times: 1")).unwrap();
    assert_eq!(ok.run.scenario.len(), 2);
}

#[test]
fn a_scenario_may_only_publish_events_the_seed_declares() {
    let yaml = "\
id: s
title: S
level: L1
lesson: L1-basics/rest
org:
  events:
    platform:
      Ping__e: { fields: { Note__c: text } }
run:
  scenario:
    - publish: { event: Ping__e }
    - publish: { event: Pong__e }
";
    let e = parse("lab.yaml", yaml).unwrap_err();
    assert_eq!(e.problems.len(), 1, "{e}");
    assert_eq!(e.problems[0].line, Some(12));
    assert!(e.problems[0].message.contains("Pong__e"), "{e}");
}

#[test]
fn fresh_paths_must_stay_inside_the_lab_folder() {
    let with = |fresh: &str| {
        GOOD.replace(
            "env: { LAB_MODE: strict } }",
            &format!("env: {{ LAB_MODE: strict }}, fresh: {fresh} }}"),
        )
    };
    let spec = parse("lab.yaml", &with("[state, .cache/replay.json]")).unwrap();
    assert_eq!(spec.run.fresh, vec!["state", ".cache/replay.json"]);
    for bad in ["[../elsewhere]", "[/tmp/x]", "[\"\"]", "[.]"] {
        let e = parse("lab.yaml", &with(bad)).unwrap_err().to_string();
        assert!(e.contains("`run.fresh` entry"), "{bad}: {e}");
    }
}

#[test]
fn shuffled_inputs_must_stay_inside_the_lab_folder() {
    let with = |rows: &str| {
        GOOD.replace(
            "env: { LAB_MODE: strict } }",
            &format!("env: {{ LAB_MODE: strict }}, shuffle_rows: {rows} }}"),
        )
    };
    let spec = parse("lab.yaml", &with("{ data/leads.csv: Ref }")).unwrap();
    assert_eq!(spec.run.shuffle_rows["data/leads.csv"], "Ref");
    for bad in [
        "{ ../leads.csv: Ref }",
        "{ /tmp/leads.csv: Ref }",
        "{ \"\": Ref }",
    ] {
        let e = parse("lab.yaml", &with(bad)).unwrap_err().to_string();
        assert!(e.contains("`run.shuffle_rows` names"), "{bad}: {e}");
    }
}

#[test]
fn every_lab_is_judged_on_printed_secrets_for_no_points_unless_it_declares_the_check() {
    let spec = parse("lab.yaml", GOOD).unwrap();
    assert_eq!(spec.checks.len(), 4);
    assert_eq!(spec.checks[2].rule, PRINTED_SECRETS);
    assert_eq!(spec.checks[2].points, 0);
    assert_eq!(spec.max_points(), 4, "the lab's points are unchanged");

    let declared = GOOD.replace(
        "    max: 6\n",
        "    max: 6\n  - { rule: secrets.not_in_output, points: 2 }\n",
    );
    let spec = parse("lab.yaml", &declared).unwrap();
    let gates: Vec<u32> = spec
        .checks
        .iter()
        .filter(|c| c.rule == PRINTED_SECRETS)
        .map(|c| c.points)
        .collect();
    assert_eq!(gates, [2], "the declared check is kept as it is, once");
    assert_eq!(spec.checks.last().unwrap().rule, SECRETS_IN_URL);

    let bare = parse(
        "lab.yaml",
        "id: a\ntitle: A\nlevel: L1\nlesson: L1-basics/rest\n",
    )
    .unwrap();
    assert!(
        bare.checks.is_empty(),
        "a lab without checks stays refusable"
    );
}

#[test]
fn every_lab_is_judged_on_secrets_in_urls_for_no_points_unless_it_declares_the_check() {
    // A client secret or a code verifier in an authorize URL fails any lab, as a printed
    // token does, without changing its points.
    let spec = parse("lab.yaml", GOOD).unwrap();
    let gate = spec.checks.iter().find(|c| c.rule == SECRETS_IN_URL);
    assert_eq!(gate.map(|c| c.points), Some(0));
    assert_eq!(spec.max_points(), 4, "the lab's points are unchanged");

    let declared = GOOD.replace(
        "    max: 6\n",
        "    max: 6\n  - { rule: secrets.not_in_url, points: 2 }\n",
    );
    let spec = parse("lab.yaml", &declared).unwrap();
    let gates: Vec<u32> = spec
        .checks
        .iter()
        .filter(|c| c.rule == SECRETS_IN_URL)
        .map(|c| c.points)
        .collect();
    assert_eq!(gates, [2], "the declared check is kept as it is, once");
}

#[test]
fn a_hint_tied_to_the_rule_a_misspelt_check_means_is_not_told_to_copy_the_misspelling() {
    let yaml = GOOD.replace("rule: http.calls_at_most", "rule: http.calls_at_mots")
        + "  - { rule: http.calls_at_most, text: Count the calls. }\n";
    let p = validate(&yaml);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].message.contains("unknown rule"), "{p:?}");
    // A hint tied to a real rule no check names is still refused, and never pointed at the
    // misspelt check's name.
    let yaml = yaml.replace(
        "rule: http.calls_at_most, text",
        "rule: http.calls_at_mosst, text",
    );
    let p = validate(&yaml);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p[1].message.contains("hint 3"), "{p:?}");
    assert!(
        !p[1].message.contains("did you mean \"http.calls_at_mots\""),
        "{p:?}"
    );
}

#[test]
fn an_unknown_level_is_found_at_its_line_with_the_other_problems() {
    let yaml = GOOD
        .replace("level: L1", "level: L7")
        .replace("rule: http.calls_at_most", "rule: http.calls_at_mots");
    let p = validate(&yaml);
    assert_eq!(p.len(), 2, "{p:?}");
    assert_eq!(p[0].line, Some(3), "{p:?}");
    assert!(p[0].message.contains("unknown level \"L7\""), "{p:?}");
    assert!(p[1].message.contains("unknown rule"), "{p:?}");
    let err = parse("lab.yaml", &GOOD.replace("level: L1", "level: L7")).unwrap_err();
    assert_eq!(err.problems.len(), 1, "{err}");
}

#[test]
fn every_problem_of_one_fault_is_found_in_one_pass() {
    let yaml = GOOD.replace(
        "nth: 1, kind: unavailable",
        "every_nth: 0, respond: { status: 99 }",
    );
    let p = validate(&yaml);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p.iter().all(|p| p.line == Some(11)), "{p:?}");
    assert!(
        p[0].message.contains("`every_nth` must be 1 or more"),
        "{p:?}"
    );
    assert!(p[1].message.contains("status 99"), "{p:?}");
    // A key that does not read is one problem; the others are still checked.
    let yaml = GOOD.replace("nth: 1, kind: unavailable", "every_nth: 0, status: 99");
    let p = validate(&yaml);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p[0].message.contains("`status`"), "{p:?}");
    assert!(
        p[1].message.contains("`every_nth` must be 1 or more"),
        "{p:?}"
    );
}

#[test]
fn a_lab_file_that_is_a_list_is_told_what_a_lab_yaml_is() {
    let p = validate("- id: a\n- title: b\n");
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].message.contains("a lab.yaml: a map of `id`"), "{p:?}");
    assert!(!p[0].message.contains("LabSpec"), "{p:?}");
}

#[test]
fn a_key_given_twice_inside_a_check_names_the_check_counting_from_1() {
    let yaml = GOOD.replace(
        "{ rule: state.idempotent, points: 3 }",
        "{ rule: state.idempotent, points: 3, points: 4 }",
    );
    let p = validate(&yaml);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].message.contains("check 1: duplicate entry"), "{p:?}");
    assert!(!p[0].message.contains("checks[0]"), "{p:?}");
    assert_eq!(numbered_items("hints[2].when: x"), "hint 3, when: x");
    assert_eq!(numbered_items("checks[x]: y"), "checks[x]: y");
}

#[test]
fn a_fault_whose_respond_contradicts_its_kind_and_whose_retry_after_lands_nowhere_is_told_both_at_their_lines(
) {
    let yaml = GOOD.replace(
        "  - { match: { method: PATCH }, nth: 1, kind: unavailable }\n",
        "  - match: { method: PATCH }\n    kind: unavailable\n    respond: { status: 200 }\n    retry_after: 5\n",
    );
    let p = validate(&yaml);
    assert_eq!(p.len(), 2, "{p:?}");
    assert_eq!(p[0].line, Some(13), "{p:?}");
    assert!(
        p[0].message
            .contains("`kind: unavailable` answers 503 itself, but `respond` answers 200"),
        "{p:?}"
    );
    assert_eq!(p[1].line, Some(14), "{p:?}");
    assert!(p[1].message.contains("`retry_after`"), "{p:?}");
    assert!(p[1].message.contains("this fault answers 200"), "{p:?}");
    // Written on one line, both are placed at the fault's line.
    let yaml = GOOD.replace(
        "nth: 1, kind: unavailable",
        "nth: 1, kind: unavailable, respond: { status: 200 }, retry_after: 5",
    );
    let p = validate(&yaml);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p.iter().all(|p| p.line == Some(11)), "{p:?}");
}

#[test]
fn an_unknown_rule_is_told_the_rules_of_its_family_not_every_rule() {
    let yaml = GOOD.replace("rule: http.calls_at_most", "rule: http.calls_at_mots");
    let p = validate(&yaml);
    assert_eq!(p.len(), 1, "{p:?}");
    let m = &p[0].message;
    assert!(m.contains("did you mean `http.calls_at_most`?"), "{m}");
    assert!(
        m.contains("the `http.` rules are http.request, http.order, http.calls_at_most"),
        "{m}"
    );
    assert!(!m.contains("oauth."), "{m}");
    assert!(m.len() < 300, "{m}");
    // A family no rule has: the families are listed instead.
    let yaml = GOOD.replace("rule: http.calls_at_most", "rule: htp.calls_at_most");
    let p = validate(&yaml);
    assert_eq!(p.len(), 1, "{p:?}");
    let m = &p[0].message;
    assert!(m.contains("did you mean `http.calls_at_most`?"), "{m}");
    assert!(m.contains("one of breaker., bulk., "), "{m}");
    assert!(m.contains(" http., "), "{m}");
    assert!(!m.contains("http.request"), "{m}");
    // A rule written in capitals still finds its family.
    let yaml = GOOD.replace("rule: http.calls_at_most", "rule: HTTP.calls");
    let p = validate(&yaml);
    assert!(p[0].message.contains("the `http.` rules are"), "{p:?}");
}

#[test]
fn a_rule_parameter_of_the_wrong_form_is_named_with_its_form_and_every_bad_parameter_is_said() {
    let yaml = GOOD.replace(
        "  - { rule: state.idempotent, points: 3 }\n",
        "  - { rule: http.request, path: /q, query: \"q=Heron\" }\n\
         \x20 - { rule: retry.honors_retry_after, tries: three, at_most_extra_msx: 5 }\n\
         \x20 - { rule: state.idempotent, points: 3 }\n",
    );
    let said: Vec<String> = validate(&yaml).iter().map(|p| p.to_string()).collect();
    assert_eq!(said.len(), 3, "{said:#?}");
    assert_eq!(
        said[0],
        "line 14: check 1: rule `http.request`: `query`: invalid type: string \"q=Heron\", expected a map: `query` is a map of each parameter to a text its value holds, as in `query: { q: Heron }`"
    );
    assert!(
        said[1].starts_with("line 15: check 2: rule `retry.honors_retry_after`: unknown field `at_most_extra_msx` (did you mean `at_most_extra_ms`?)"),
        "{said:#?}"
    );
    assert_eq!(
        said[2],
        "line 15: check 2: rule `retry.honors_retry_after`: `tries`: invalid type: string \"three\", expected a whole number"
    );
}

#[test]
fn a_check_missing_a_parameter_beside_a_wrong_one_is_told_both() {
    let yaml = GOOD.replace("    max: 6\n", "    path: 7\n");
    let said: Vec<String> = validate(&yaml).iter().map(|p| p.to_string()).collect();
    assert_eq!(said.len(), 2, "{said:#?}");
    assert!(
        said[0].contains("check 2: rule `http.calls_at_most`: `path`: invalid type"),
        "{said:#?}"
    );
    assert!(
        said[1].contains("check 2: rule `http.calls_at_most`: missing field `max`"),
        "{said:#?}"
    );
}

#[test]
fn a_fault_match_key_of_the_wrong_form_is_named_inside_match_with_its_form() {
    let yaml = GOOD.replace(
        "match: { method: PATCH }",
        "match: { method: PATCH, header: { If-Match: \"x\" } }",
    );
    let said: Vec<String> = validate(&yaml).iter().map(|p| p.to_string()).collect();
    assert_eq!(
        said,
        vec!["line 11: fault 1: `match.header`: invalid type: map, expected a string: `header` is one text, `Name` (the header is sent) or `Name: text` (its value holds the text), as in `header: \"If-Match: x\"`"]
    );
}

#[test]
fn a_fault_path_that_is_a_url_or_holds_a_query_string_is_refused_at_its_line() {
    let url = GOOD.replace(
        "{ match: { method: PATCH }, nth: 1, kind: unavailable }",
        "{ match: { method: GET, path: \"https://login.salesforce.com/services/data/v62.0/limits\" }, kind: unavailable }",
    );
    let p = validate(&url);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].line, Some(11), "{p:?}");
    assert!(
        p[0].message.starts_with("fault 1: `match: path: https://")
            && p[0]
                .message
                .contains("write `path: /services/data/v62.0/limits`"),
        "{}",
        p[0].message
    );
    let query = GOOD.replace(
        "{ match: { method: PATCH }, nth: 1, kind: unavailable }",
        "{ match: { path: \"/services/data/v62.0/query?q=SELECT\" }, kind: unavailable }",
    );
    let p = validate(&query);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].message.contains("holds a query string")
            && p[0].message.contains("`query: { q: \"SELECT\" }`"),
        "{}",
        p[0].message
    );
}

#[test]
fn every_seed_record_naming_a_ref_nothing_gives_is_refused_at_its_line_counting_from_1() {
    let yaml = GOOD.replace(
        "  records: [ { Account: { Name: Falcon } } ]\n",
        "  records:\n    - Account: { Name: Falcon, ref: falcon }\n    - Contact: { LastName: Roe, AccountId: { ref: falcon } }\n    - Contact: { LastName: Doe, AccountId: { ref: nosuch } }\n    - Contact: { LastName: Poe, AccountId: \"ref:other\" }\n",
    );
    let p = validate(&yaml);
    assert_eq!(p.len(), 2, "{p:?}");
    assert_eq!((p[0].line, p[1].line), (Some(12), Some(13)), "{p:?}");
    assert!(
        p[0].message
            .contains("record 3: no record or user was given `ref: nosuch`"),
        "{}",
        p[0].message
    );
    assert!(p[1].message.contains("record 4:"), "{}", p[1].message);
    assert!(parse(
        "lab.yaml",
        &yaml
            .replace("nosuch", "falcon")
            .replace("ref:other", "ref:falcon")
    )
    .is_ok());
}

#[test]
fn every_unknown_field_of_the_seed_is_said_at_once_at_its_line() {
    let yaml = GOOD.replace(
        "  records: [ { Account: { Name: Falcon } } ]\n",
        "  records:\n    - Account: { Name: Falcon, Indusrty: Energy }\n    - Contact:\n        LastName: Doe\n        Emial: doe@example.com\n",
    );
    let p = validate(&yaml);
    assert_eq!(p.len(), 2, "{p:?}");
    assert_eq!((p[0].line, p[1].line), (Some(10), Some(13)), "{p:?}");
    assert!(p[0].message.contains("Indusrty"), "{}", p[0].message);
    assert!(
        p[1].message.contains("record 2 (Contact): Emial"),
        "{}",
        p[1].message
    );
}

#[test]
fn a_misspelt_rule_key_is_one_problem_and_hints_still_match_the_checks() {
    let yaml = GOOD.replace(
        "  - rule: http.calls_at_most\n",
        "  - rul: http.calls_at_most\n",
    );
    let yaml = yaml.replace(
        "  - { rule: state.idempotent, text: Use PATCH on the external id. }\n",
        "  - { rule: state.idempotent, text: Use PATCH on the external id. }\n  - { rule: http.calls_at_most, text: Fewer calls. }\n",
    );
    let p = validate(&yaml);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].line, Some(15), "{p:?}");
    assert_eq!(
        p[0].message,
        "check 2: unknown field `rul` (did you mean `rule`?)"
    );
}

#[test]
fn unknown_keys_of_faults_run_and_the_file_are_told_the_key_they_likely_mean() {
    let yaml = GOOD
        .replace(
            "nth: 1, kind: unavailable }",
            "nth: 1, kind: unavailable, retry_afer: 2 }",
        )
        .replace("run: { times: 2,", "run: { tiems: 2,")
        .replace("tools: [curl, jq]\n", "tools: [curl, jq]\ntimeout: 30s\n");
    let p = validate(&yaml);
    let said = |text: &str| p.iter().any(|p| p.message.contains(text));
    assert!(
        said("unknown field `retry_afer` (did you mean `retry_after`?)"),
        "{p:#?}"
    );
    assert!(
        said("unknown field `tiems` (did you mean `times`?)"),
        "{p:#?}"
    );
    assert!(said("`timeout` is a setting of `run:`"), "{p:#?}");
}

#[test]
fn run_env_may_not_set_what_sflab_gives_the_run() {
    let yaml = GOOD.replace(
        "env: { LAB_MODE: strict }",
        "env: { LAB_MODE: strict, SF_INSTANCE_URL: \"https://example.com\", PATH: /tmp }",
    );
    let p = validate(&yaml);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p.iter().any(|p| p
            .message
            .starts_with("`run.env` sets SF_INSTANCE_URL, which sflab itself gives")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|p| p.message.starts_with("`run.env` sets PATH")),
        "{p:?}"
    );
    assert_eq!(p[0].line, Some(12), "{p:?}");
    // A lab's own settings may use any other name, `SF_` ones included.
    assert!(parse("lab.yaml", &GOOD.replace("LAB_MODE", "SF_LEGACY_CLIENT_ID")).is_ok());
}
