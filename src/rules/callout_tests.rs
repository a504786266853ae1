//! Table tests for the outbound rules: `org.action_ok`, `callout.made`, `callout.setup`.

use super::super::fixture::evidence;
use super::super::RuleSpec;
use crate::evidence::{ExternalSeen, GrantSeen, NamedSeen};

fn rule(yaml: &str) -> RuleSpec {
    RuleSpec::from_value(serde_yaml::from_str(yaml).expect("yaml")).expect("rule")
}

fn action(label: &str, ok: bool, status: Option<u16>, detail: &str) -> ActionOutcome {
    ActionOutcome {
        label: label.into(),
        kind: "callout".into(),
        ok,
        status,
        detail: detail.into(),
        ..Default::default()
    }
}
use super::*;

#[test]
fn an_answer_without_a_body_is_named_empty_instead_of_a_dangling_colon() {
    let mut ev = evidence(vec![]);
    ev.outbound.actions = vec![ActionOutcome {
        phase: "while_running".into(),
        ..action("slice-1", false, Some(501), "")
    }];
    let v = rule("{ rule: org.action_ok, action: slice-1, status: 200 }").check(&ev);
    assert!(
        v.message
            .ends_with("Expected status 200. slice-1 during run 1 (501, empty body)."),
        "{}",
        v.message
    );
    ev.outbound.actions[0].detail = "{\"error\":\"not_implemented\"}".into();
    let v = rule("{ rule: org.action_ok, action: slice-1, status: 200 }").check(&ev);
    assert!(
        v.message
            .ends_with("slice-1 during run 1 (501): {\"error\":\"not_implemented\"}"),
        "{}",
        v.message
    );
}

#[test]
fn action_ok_judges_the_last_outcome_of_the_label() {
    let cases: &[(&str, Vec<ActionOutcome>, bool, &str)] = &[
        (
            "{ rule: org.action_ok, action: order }",
            vec![action("order", true, Some(200), "{\"id\":1}")],
            true,
            "went through",
        ),
        (
            "{ rule: org.action_ok, action: order }",
            vec![
                action("order", true, Some(200), ""),
                action("order", false, None, "may not use Named Credential ERP"),
            ],
            false,
            "may not use",
        ),
        (
            "{ rule: org.action_ok, action: order }",
            vec![],
            false,
            "never performed",
        ),
        (
            "{ rule: org.action_ok, action: order, status: 201 }",
            vec![action("order", true, Some(200), "")],
            false,
            "Expected status 201",
        ),
        (
            "{ rule: org.action_ok, action: order, status: 404 }",
            vec![action("order", false, Some(404), "")],
            true,
            "The org's callout was answered 404",
        ),
        (
            "{ rule: org.action_ok, action: no-key, status: 401 }",
            vec![ActionOutcome {
                kind: "probe".into(),
                ..action("no-key", false, Some(200), "{\"available\": 12}")
            }],
            false,
            "Expected status 401",
        ),
        (
            "{ rule: org.action_ok, action: no-key, status: 401 }",
            vec![ActionOutcome {
                kind: "probe".into(),
                ..action("no-key", false, Some(401), "")
            }],
            true,
            "sflab's probe was answered 401",
        ),
        (
            "{ rule: org.action_ok, action: order, contains: Oslo }",
            vec![action("order", true, Some(200), "Bergen")],
            false,
            "does not mention",
        ),
        (
            "{ rule: org.action_ok, action: no-city, refused: true, contains: input.city is required }",
            vec![action("no-city", false, None, "input.city is required")],
            true,
            "was refused, as it should be",
        ),
        (
            "{ rule: org.action_ok, action: no-city, refused: true }",
            vec![action("no-city", true, Some(200), "{\"city\":null}")],
            false,
            "should have been refused",
        ),
        (
            "{ rule: org.action_ok, action: no-city, refused: true, contains: input.city is required }",
            vec![action("no-city", false, None, "no Named Credential 'Weather' is deployed")],
            false,
            "not for \"input.city is required\"",
        ),
        (
            "{ rule: org.action_ok, action: no-city, refused: true, contains: input.city is required }",
            vec![action("no-city", false, Some(400), "{\"error\":\"missing_city\"}")],
            false,
            "it called out, and the service answered 400",
        ),
        (
            "{ rule: org.action_ok, action: sum, json: { /records: 9, /stock/PUMP-7: 12 } }",
            vec![action(
                "sum",
                true,
                Some(200),
                "{\"records\":9.0,\"stock\":{\"PUMP-7\":12}}",
            )],
            true,
            "went through",
        ),
        (
            "{ rule: org.action_ok, action: sum, json: { /records: 9 } }",
            vec![action("sum", true, Some(200), "{\"records\": 15}")],
            false,
            "/records is 15, expected 9",
        ),
        (
            "{ rule: org.action_ok, action: sum, json: { /stock/PUMP-7: 12 } }",
            vec![action("sum", true, Some(200), "{\"records\": 9}")],
            false,
            "/stock/PUMP-7 is missing",
        ),
        (
            "{ rule: org.action_ok, action: sum, json: { /records: 9 } }",
            vec![action("sum", true, Some(200), "records=9")],
            false,
            "not a JSON document",
        ),
        (
            "{ rule: org.action_ok, action: weather, holds: [/city, /temperatureC] }",
            vec![action("weather", true, Some(200), "{\"city\":\"Oslo\"}")],
            false,
            "holds no /temperatureC",
        ),
        (
            "{ rule: org.action_ok, action: weather, holds: [/city, /temperatureC] }",
            vec![action(
                "weather",
                true,
                Some(200),
                "{\"city\":\"Oslo\",\"temperatureC\":-3.5}",
            )],
            true,
            "went through",
        ),
        (
            "{ rule: org.action_ok, action: unknown-sku, status: 404, json_answer: true }",
            vec![action("unknown-sku", false, Some(404), "nope")],
            false,
            "not a JSON document",
        ),
        (
            "{ rule: org.action_ok, action: unknown-sku, status: 404, json_answer: true }",
            vec![action(
                "unknown-sku",
                false,
                Some(404),
                "{\"error\": \"not_found\", \"message\": \"no SKU 'NOPE-404'\"}",
            )],
            true,
            "was answered 404",
        ),
        (
            "{ rule: org.action_ok, action: unknown-sku, status: 404, json_answer: true }",
            vec![action("unknown-sku", false, Some(404), "\"not found\"")],
            false,
            "not a JSON document",
        ),
    ];
    for (yaml, actions, pass, text) in cases {
        let mut ev = evidence(vec![]);
        ev.outbound.actions = actions.clone();
        let v = rule(yaml).check(&ev);
        assert_eq!(v.passed(), *pass, "{yaml}: {}", v.message);
        assert!(v.message.contains(text), "{yaml}: {}", v.message);
    }
}

fn call(
    nc: &str,
    run_as: &str,
    auth: &str,
    status: Option<u16>,
    error: Option<&str>,
) -> CalloutSeen {
    CalloutSeen {
        run_as: run_as.into(),
        target: format!("callout:{nc}/x"),
        method: "GET".into(),
        named_credential: Some(nc.into()),
        auth: auth.into(),
        status,
        error: error.map(str::to_string),
        ..Default::default()
    }
}

#[test]
fn callout_made_matches_credential_user_auth_and_status() {
    let log = vec![
        call(
            "ERP",
            "clerk",
            "none",
            None,
            Some("user clerk may not use Named Credential ERP"),
        ),
        call(
            "ERP",
            "integration",
            "oauth-client-credentials",
            Some(200),
            None,
        ),
    ];
    let cases = [
        ("{ rule: callout.made, named_credential: ERP }", true),
        ("{ rule: callout.made, named_credential: ERP, run_as: integration, auth: oauth-client-credentials }", true),
        ("{ rule: callout.made, named_credential: ERP, run_as: clerk }", false),
        ("{ rule: callout.made, named_credential: ERP, auth: basic }", false),
        ("{ rule: callout.made, named_credential: ERP, status: 201 }", false),
        ("{ rule: callout.made, named_credential: Weather }", false),
    ];
    for (yaml, pass) in cases {
        let mut ev = evidence(vec![]);
        ev.outbound.callouts = log.clone();
        let v = rule(yaml).check(&ev);
        assert_eq!(v.passed(), pass, "{yaml}: {}", v.message);
    }
    let mut ev = evidence(vec![]);
    ev.outbound.callouts = log[..1].to_vec();
    let v = rule("{ rule: callout.made, named_credential: ERP }").check(&ev);
    assert!(
        v.message.contains("may not use Named Credential ERP"),
        "{}",
        v.message
    );
}

#[test]
fn callout_setup_after_a_failed_deploy_names_the_deploy_not_a_file_to_add() {
    let mut ev = evidence(vec![]);
    ev.outbound.actions = vec![
        ActionOutcome {
            kind: "deploy".into(),
            phase: "before_run".into(),
            ..action(
                "deploy",
                false,
                None,
                "the deploy failed: ERP.namedCredential-meta.xml: Element labl invalid at this location in type NamedCredential",
            )
        },
        ActionOutcome {
            kind: "assign".into(),
            phase: "after_run".into(),
            ..action(
                "assign",
                false,
                None,
                "permission set ERP_Callers is not deployed: add permissionsets/ERP_Callers.permissionset-meta.xml to your metadata",
            )
        },
    ];
    let v = rule("{ rule: callout.setup, split: [ERP] }").check(&ev);
    assert!(!v.passed());
    assert!(
        v.message.contains(
            "the deploy before run 1 failed: ERP.namedCredential-meta.xml: Element labl invalid"
        ),
        "{}",
        v.message
    );
    assert!(!v.message.contains("add permissionsets/"), "{}", v.message);
    assert!(!v.message.contains("is not deployed"), "{}", v.message);
    // A deploy that went through leaves the missing permission set to be named.
    ev.outbound.actions[0].ok = true;
    let v = rule("{ rule: callout.setup, split: [ERP] }").check(&ev);
    assert!(v.message.contains("add permissionsets/"), "{}", v.message);
}

#[test]
fn callout_made_after_a_failed_deploy_names_the_deploy_not_the_named_credential_file() {
    let refused =
        "no Named Credential 'ERP' is deployed; deploy its .namedCredential-meta.xml first";
    let mut ev = evidence(vec![]);
    ev.outbound.callouts = vec![call("ERP", "ops", "none", None, Some(refused))];
    ev.outbound.actions = vec![ActionOutcome {
        kind: "deploy".into(),
        phase: "before_run".into(),
        ..action(
            "deploy",
            false,
            None,
            "the deploy failed: ERP_OAuth.externalCredential-meta.xml: Element principalTyp invalid",
        )
    }];
    let yaml = "{ rule: callout.made, named_credential: ERP, run_as: ops, status: 201 }";
    let v = rule(yaml).check(&ev);
    assert!(!v.passed());
    assert!(
        v.message.contains(
            "the deploy before run 1 failed: ERP_OAuth.externalCredential-meta.xml: Element"
        ),
        "{}",
        v.message
    );
    assert!(!v.message.contains("deploy its"), "{}", v.message);
    // A deploy that went through leaves the org's own refusal quoted.
    ev.outbound.actions[0].ok = true;
    let v = rule(yaml).check(&ev);
    assert!(
        v.message
            .contains("deploy its .namedCredential-meta.xml first"),
        "{}",
        v.message
    );
}

#[test]
fn callout_made_quotes_the_services_answer_to_a_callout_it_answered_otherwise() {
    let not_found =
        r#"{"error":"not_found","message":"No shipment with tracking number TRK41000001."}"#;
    let mut ev = evidence(vec![]);
    ev.outbound.callouts = vec![call("Courier", "dispatch", "basic", Some(404), None)];
    ev.outbound.actions = vec![
        ActionOutcome {
            kind: "assign".into(),
            ..action("assign", true, None, "assigned")
        },
        action("track-parcel", false, Some(404), not_found),
    ];
    let v = rule("{ rule: callout.made, named_credential: Courier, status: 200 }").check(&ev);
    assert!(!v.passed());
    assert!(
        v.message
            .contains(&format!("answered 404. The service answered: {not_found}")),
        "{}",
        v.message
    );
    // A callout the org refused before sending it is quoted from the refusal alone.
    ev.outbound.callouts = vec![call(
        "Courier",
        "dispatch",
        "basic",
        None,
        Some("user dispatch may not use Named Credential Courier"),
    )];
    let v = rule("{ rule: callout.made, named_credential: Courier }").check(&ev);
    assert!(!v.message.contains("The service answered"), "{}", v.message);
}

#[test]
fn callout_made_names_the_field_a_refused_credential_write_objected_to() {
    let mut refused = super::super::fixture::req(
        "POST",
        "/services/data/v62.0/named-credentials/credential",
        400,
    );
    let message = r#"credentials.clientSecret is a secret and must be sent with "encrypted": true; the org keeps it encrypted and never shows it back."#;
    refused.response.as_mut().unwrap().body = crate::evidence::Body::text(
        serde_json::json!([{"errorCode": "INVALID_INPUT", "message": message}]).to_string(),
    );
    let mut ev = evidence(vec![refused]);
    ev.outbound.callouts = vec![call(
        "ERP",
        "ops",
        "none",
        None,
        Some("principal Warehouse of External Credential ERP_Auth has no 'clientId' set; store it with POST /services/data/vXX.X/named-credentials/credential"),
    )];
    let v = rule("{ rule: callout.made, named_credential: ERP }").check(&ev);
    assert!(!v.passed());
    assert!(
        v.message.contains(
            "Your POST to …/named-credentials/credential was refused (400): credentials.clientSecret is a secret"
        ),
        "{}",
        v.message
    );
    // A write the org took leaves the callout's own refusal to speak.
    let mut ev2 = evidence(vec![super::super::fixture::req(
        "POST",
        "/services/data/v62.0/named-credentials/credential",
        201,
    )]);
    ev2.outbound.callouts = ev.outbound.callouts.clone();
    let v = rule("{ rule: callout.made, named_credential: ERP }").check(&ev2);
    assert!(!v.message.contains("was refused ("), "{}", v.message);
}

fn setup_of(named: Vec<NamedSeen>, granted: bool, sites: &[&str]) -> CalloutSetup {
    CalloutSetup {
        named,
        external: vec![ExternalSeen {
            name: "ERP_Auth".into(),
            protocol: "oauth-client-credentials".into(),
            principals: vec!["Main".into()],
            ..Default::default()
        }],
        grants: vec![GrantSeen {
            permission_set: "ERP_Callers".into(),
            principals: if granted {
                vec!["ERP_Auth-Main".into()]
            } else {
                vec![]
            },
        }],
        remote_sites: sites.iter().map(|s| s.to_string()).collect(),
        inactive_remote_sites: vec![],
    }
}

fn nc(name: &str, split: bool, creds: bool) -> NamedSeen {
    NamedSeen {
        name: name.into(),
        split,
        external_credential: split.then(|| "ERP_Auth".into()),
        carries_credentials: creds,
    }
}

#[test]
fn setup_problems_name_each_departure_from_the_split_model() {
    let p = Setup {
        split: vec!["ERP".into()],
        legacy_allowed: false,
        remote_sites_allowed: false,
    };
    let cases: Vec<(CalloutSetup, Option<&str>)> = vec![
        (setup_of(vec![nc("ERP", true, false)], true, &[]), None),
        (setup_of(vec![], true, &[]), Some("not deployed")),
        (
            setup_of(vec![nc("ERP", false, false)], true, &[]),
            Some("legacy all-in-one"),
        ),
        (
            setup_of(vec![nc("ERP", true, false)], false, &[]),
            Some("no permission set grants"),
        ),
        (
            setup_of(vec![nc("ERP", true, true)], true, &[]),
            Some("carries credentials"),
        ),
        (
            setup_of(
                vec![nc("ERP", true, false), nc("Old", false, false)],
                true,
                &[],
            ),
            Some("legacy Named Credential Old"),
        ),
        (
            setup_of(vec![nc("ERP", true, false)], true, &["ErpSite"]),
            Some("Remote Site Settings remain (ErpSite)"),
        ),
        (
            CalloutSetup {
                inactive_remote_sites: vec!["Courier_API".into()],
                ..setup_of(vec![nc("ERP", true, false)], true, &[])
            },
            Some("Remote Site Settings remain, though inactive (Courier_API): deactivating one shows nothing needs it; now delete its .remoteSite-meta.xml"),
        ),
    ];
    for (s, want) in cases {
        let got = setup_problems(&p, &s).join("; ");
        match want {
            None => assert!(got.is_empty(), "{got}"),
            Some(w) => assert!(got.contains(w), "want {w}: {got}"),
        }
    }
    let lenient = Setup {
        split: vec!["ERP".into()],
        legacy_allowed: true,
        remote_sites_allowed: true,
    };
    let s = CalloutSetup {
        inactive_remote_sites: vec!["OldSite".into()],
        ..setup_of(
            vec![nc("ERP", true, false), nc("Old", false, false)],
            true,
            &["ErpSite"],
        )
    };
    assert!(setup_problems(&lenient, &s).is_empty());
}

#[test]
fn outbound_rules_are_not_applicable_on_a_sandbox() {
    let mut ev = evidence(vec![]);
    ev.backend = crate::evidence::Backend::Sandbox;
    for yaml in [
        "{ rule: org.action_ok, action: x }",
        "{ rule: callout.made, named_credential: X }",
        "{ rule: callout.setup, split: [X] }",
    ] {
        let v = rule(yaml).check(&ev);
        assert!(!v.passed() && !v.failed(), "{yaml}: {v:?}");
    }
}

#[test]
fn a_permission_set_the_lab_assigns_but_never_deployed_fails_the_setup_and_explains_the_refusal() {
    // The file was named Courier_Caller: it deploys and grants the principal, but the lab
    // assigns Courier_Callers, so Dan holds no permission set and the org refuses the callout.
    let mut ev = evidence(vec![]);
    ev.outbound.setup = CalloutSetup {
        named: vec![NamedSeen {
            name: "Courier".into(),
            split: true,
            external_credential: Some("Courier_Auth".into()),
            carries_credentials: false,
        }],
        external: vec![ExternalSeen {
            name: "Courier_Auth".into(),
            protocol: "basic".into(),
            principals: vec!["Dispatch".into()],
            ..Default::default()
        }],
        grants: vec![GrantSeen {
            permission_set: "Courier_Caller".into(),
            principals: vec!["Courier_Auth-Dispatch".into()],
        }],
        remote_sites: vec![],
        inactive_remote_sites: vec![],
    };
    ev.outbound.actions = vec![ActionOutcome {
        kind: "assign".into(),
        label: "assign".into(),
        phase: "after_run".into(),
        ok: false,
        detail: "permission set Courier_Callers is not deployed: add permissionsets/Courier_Callers.permissionset-meta.xml to your metadata".into(),
        ..Default::default()
    }];
    ev.outbound.callouts = vec![call(
        "Courier",
        "dispatch",
        "none",
        None,
        Some("user dan@courier-lab.example may not use Named Credential Courier: no permission set assigned to them grants a principal of External Credential Courier_Auth"),
    )];
    let v = rule("{ rule: callout.setup, split: [Courier] }").check(&ev);
    assert!(
        !v.passed()
            && v.message
                .contains("permission set Courier_Callers is not deployed")
            && v.message.contains("the one deployed is Courier_Caller"),
        "{}",
        v.message
    );
    let v =
        rule("{ rule: callout.made, named_credential: Courier, run_as: dispatch, auth: basic }")
            .check(&ev);
    assert!(
        v.message.contains("No permission set granting dispatch a principal was assigned: the lab's assignment after the run failed: permission set Courier_Callers is not deployed")
            && v.message.contains("the one deployed is Courier_Caller"),
        "{}",
        v.message
    );
    // Assigned as the lab says, nothing is added.
    ev.outbound.actions[0].ok = true;
    let v = rule("{ rule: callout.setup, split: [Courier] }").check(&ev);
    assert!(v.passed(), "{}", v.message);
}

#[test]
fn totals_are_judged_against_what_the_varied_callouts_sent() {
    let rule_text = "{ rule: org.action_ok, action: finish, totals: { at: /stock, of: [slice-1, slice-2], items: /moves, key: sku, sum: qty } }";
    let sent = |label: &str, moves: serde_json::Value| ActionOutcome {
        sent: Some(serde_json::json!({ "moves": moves })),
        ..action(label, true, Some(200), "{}")
    };
    let with_answer = |answer: &str| {
        let mut ev = evidence(vec![]);
        ev.outbound.actions = vec![
            sent(
                "slice-1",
                serde_json::json!([{"sku": "PUMP-7", "qty": 4}, {"sku": "HOSE-1", "qty": -2}]),
            ),
            sent("slice-2", serde_json::json!([{"sku": "PUMP-7", "qty": 3}])),
            action("finish", true, Some(200), answer),
        ];
        ev
    };
    let v = rule(rule_text).check(&with_answer(r#"{"stock": {"PUMP-7": 7, "HOSE-1": -2}}"#));
    assert!(v.passed(), "{}", v.message);
    // A service that answers totals typed in from an earlier check.
    let v = rule(rule_text).check(&with_answer(r#"{"stock": {"PUMP-7": 12, "HOSE-1": -2}}"#));
    assert!(!v.passed());
    assert!(
        v.message.contains("does not add up what the callouts slice-1, slice-2 sent this check (HOSE-1: -2, PUMP-7: 7): /stock/PUMP-7 is 12, expected 7"),
        "{}",
        v.message
    );
    let v = rule(rule_text).check(&with_answer(
        r#"{"stock": {"PUMP-7": 7, "HOSE-1": -2, "VALVE-2": 4}}"#,
    ));
    assert!(
        !v.passed()
            && v.message
                .contains("/stock/VALVE-2 is there, but no callout sent VALVE-2"),
        "{}",
        v.message
    );
}

#[test]
fn a_callout_whose_principal_keeps_its_key_in_clear_fails_callout_made() {
    let mut ev = evidence(vec![]);
    ev.outbound.callouts = vec![CalloutSeen {
        run_as: "admin@stock-lab.example".into(),
        target: "callout:Inventory/stock/PUMP-7".into(),
        method: "GET".into(),
        named_credential: Some("Inventory".into()),
        principal: Some("StockChecker".into()),
        auth: "custom-headers".into(),
        status: Some(200),
        ..Default::default()
    }];
    ev.outbound.setup = CalloutSetup {
        named: vec![NamedSeen {
            name: "Inventory".into(),
            split: true,
            external_credential: Some("Inventory_Auth".into()),
            carries_credentials: false,
        }],
        external: vec![ExternalSeen {
            name: "Inventory_Auth".into(),
            protocol: "custom".into(),
            principals: vec!["StockChecker".into()],
            in_clear: vec!["StockChecker.ApiKey".into()],
        }],
        ..Default::default()
    };
    let made =
        "{ rule: callout.made, named_credential: Inventory, auth: custom-headers, status: 200 }";
    let v = rule(made).check(&ev);
    assert!(v.failed(), "{}", v.message);
    assert!(
        v.message
            .contains("ApiKey is stored with \"encrypted\": false"),
        "{}",
        v.message
    );
    ev.outbound.setup.external[0].in_clear.clear();
    assert!(!rule(made).check(&ev).failed());
}
