//! TYPEOF against the default org with Tasks related to an Account, an Opportunity, a Case
//! and nothing: each WHEN branch, the ELSE, an empty lookup, column metadata and the errors.

use super::test_support::{id_of, run, with_tasks};
use super::*;
use crate::org::{ErrorCode, Org};
use serde_json::json;

fn failure(org: &Org, soql: &str, code: ErrorCode) -> String {
    let e = run(org, soql).expect_err(soql);
    assert_eq!(e.code, code, "{soql}: {}", e.message);
    e.message
}

/// The default org plus Tasks A (on Falcon Corp), B (on the 25,000 Opportunity), C (on a
/// Case) and D (related to nothing).
fn org_with_tasks() -> Org {
    let o = Org::default_org();
    let account = id_of(&o, "SELECT Id FROM Account WHERE Name = 'Falcon Corp'");
    let opp = id_of(&o, "SELECT Id FROM Opportunity WHERE Amount = 25000");
    let case = id_of(&o, "SELECT Id FROM Case LIMIT 1");
    with_tasks(
        o,
        &[
            json!({"Subject": "A call", "WhatId": account}),
            json!({"Subject": "B demo", "WhatId": opp}),
            json!({"Subject": "C case", "WhatId": case}),
            json!({"Subject": "D chore"}),
        ],
    )
}

const BRANCHES: &str = "SELECT Subject, TYPEOF What WHEN Account THEN Phone, NumberOfEmployees \
     WHEN Opportunity THEN Amount, CloseDate ELSE Name, Type END FROM Task ORDER BY Subject";

#[test]
fn typeof_selects_the_fields_of_the_branch_for_the_records_real_type() {
    let o = org_with_tasks();
    let r = run(&o, BRANCHES).unwrap();
    let account = &r.records[0]["What"];
    assert_eq!(account["attributes"]["type"], "Account");
    assert!(account["attributes"]["url"]
        .as_str()
        .unwrap()
        .starts_with("/services/data/v62.0/sobjects/Account/001"));
    assert_eq!(account["Phone"], "+33 4 72 00 00 00");
    assert_eq!(account["NumberOfEmployees"], 420);
    let keys: Vec<&String> = account.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["attributes", "Phone", "NumberOfEmployees"]);
    let opp = &r.records[1]["What"];
    assert_eq!(opp["attributes"]["type"], "Opportunity");
    assert_eq!(opp["Amount"], 25000.0);
    assert_eq!(opp["CloseDate"], "2027-03-31");
    assert!(opp.get("Phone").is_none());
}

#[test]
fn typeof_else_reads_name_entity_fields_of_any_other_type() {
    let o = org_with_tasks();
    let r = run(&o, BRANCHES).unwrap();
    let case = &r.records[2]["What"];
    assert_eq!(case["attributes"]["type"], "Case");
    assert_eq!(case["Type"], "Case");
    // A Case has no Name: the Name entity reads its CaseNumber.
    assert!(
        case["Name"].as_str().is_some_and(|n| !n.is_empty()),
        "{case}"
    );
    assert!(case.get("Amount").is_none());
}

#[test]
fn typeof_on_an_empty_lookup_is_null() {
    let o = org_with_tasks();
    let r = run(&o, BRANCHES).unwrap();
    assert_eq!(r.records[3]["Subject"], "D chore");
    assert_eq!(r.records[3]["What"], Json::Null);
}

#[test]
fn typeof_without_else_gives_an_unmatched_record_its_attributes_only() {
    let o = org_with_tasks();
    let r = run(
        &o,
        "SELECT TYPEOF What WHEN Account THEN Name END FROM Task WHERE Subject = 'C case'",
    )
    .unwrap();
    let what = r.records[0]["What"].as_object().unwrap();
    assert_eq!(what.len(), 1, "{what:?}");
    assert_eq!(what["attributes"]["type"], "Case");
}

#[test]
fn typeof_branches_follow_parent_paths_of_their_object() {
    let o = org_with_tasks();
    let r = run(
        &o,
        "SELECT TYPEOF What WHEN Opportunity THEN Account.Name END FROM Task WHERE Subject = 'B demo'",
    )
    .unwrap();
    assert_eq!(r.records[0]["What"]["Account"]["Name"], "Juniper Health");
}

#[test]
fn typeof_prints_back_as_soql_that_parses_to_the_same_tree() {
    let q = parse_query(BRANCHES).unwrap();
    let printed = q.to_string();
    assert!(printed.contains("TYPEOF What WHEN Account THEN Phone, NumberOfEmployees WHEN Opportunity THEN Amount, CloseDate ELSE Name, Type END"), "{printed}");
    assert_eq!(parse_query(&printed).unwrap(), q);
}

#[test]
fn typeof_column_metadata_joins_every_field_a_branch_may_return() {
    let o = org_with_tasks();
    let m = columns(&o.store.read(), BRANCHES, o.clock.now()).unwrap();
    let what = &m["columnMetadata"][1];
    assert_eq!(what["columnName"], "What");
    assert_eq!(what["foreignKeyName"], "WhatId");
    let joined: Vec<&str> = what["joinColumns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["columnName"].as_str().unwrap())
        .collect();
    assert_eq!(
        joined,
        [
            "Phone",
            "NumberOfEmployees",
            "Amount",
            "CloseDate",
            "Name",
            "Type"
        ]
    );
}

#[test]
fn typeof_on_a_lookup_with_one_target_is_refused() {
    let o = org_with_tasks();
    let m = failure(
        &o,
        "SELECT TYPEOF Account WHEN Account THEN Name END FROM Contact",
        ErrorCode::MALFORMED_QUERY,
    );
    assert!(m.contains("ERROR at Row:1:Column:15"), "{m}");
    assert!(
        m.contains("TYPEOF can only be used on a polymorphic relationship"),
        "{m}"
    );
}

#[test]
fn typeof_on_a_case_owner_does_not_claim_the_owner_is_always_a_user() {
    let o = org_with_tasks();
    let m = failure(
        &o,
        "SELECT TYPEOF Owner WHEN User THEN Username WHEN Group THEN Name END FROM Case",
        ErrorCode::MALFORMED_QUERY,
    );
    assert!(!m.contains("always points at"), "{m}");
    assert!(
        m.contains("this org models Owner on Case as pointing at User only"),
        "{m}"
    );
    assert!(m.contains("may also be a queue"), "{m}");
}

#[test]
fn typeof_when_a_type_the_lookup_cannot_point_at_is_refused() {
    let o = org_with_tasks();
    let m = failure(
        &o,
        "SELECT TYPEOF What WHEN Contact THEN Email END FROM Task",
        ErrorCode::MALFORMED_QUERY,
    );
    assert!(m.contains("ERROR at Row:1:Column:25"), "{m}");
    assert!(m.ends_with("What cannot point at a Contact: WHEN takes one of Account, Opportunity, Case, Order, Product2"), "{m}");
}

#[test]
fn typeof_field_not_on_the_when_object_is_invalid_field_with_a_caret() {
    let o = org_with_tasks();
    let m = failure(
        &o,
        "SELECT TYPEOF What WHEN Account THEN Amount END FROM Task",
        ErrorCode::INVALID_FIELD,
    );
    assert!(
        m.starts_with("\nSELECT TYPEOF What WHEN Account THEN Amount END FROM Task\n                                     ^\nERROR at Row:1:Column:38\nNo such column 'Amount' on entity 'Account'."),
        "{m}"
    );
    let m = failure(
        &o,
        "SELECT TYPEOF What WHEN Account THEN Name ELSE Industry END FROM Task",
        ErrorCode::INVALID_FIELD,
    );
    assert!(
        m.contains("No such column 'Industry' on entity 'Name'."),
        "{m}"
    );
}

#[test]
fn typeof_outside_the_select_list_is_refused() {
    let o = org_with_tasks();
    for soql in [
        "SELECT Subject FROM Task WHERE TYPEOF What WHEN Account THEN Name END = 'x'",
        "SELECT Subject FROM Task ORDER BY TYPEOF What WHEN Account THEN Name END",
        "SELECT COUNT(Id) FROM Task GROUP BY TYPEOF What WHEN Account THEN Name END",
    ] {
        let m = failure(&o, soql, ErrorCode::MALFORMED_QUERY);
        assert!(
            m.ends_with("TYPEOF can only be used in the SELECT list of a query"),
            "{m}"
        );
    }
}

#[test]
fn typeof_in_a_subquery_or_an_aggregate_query_is_refused() {
    let o = org_with_tasks();
    let m = failure(
        &o,
        "SELECT Name, (SELECT TYPEOF What WHEN Account THEN Name END FROM Tasks) FROM Account",
        ErrorCode::MALFORMED_QUERY,
    );
    assert!(m.ends_with("TYPEOF cannot be used in a subquery"), "{m}");
    let m = failure(
        &o,
        "SELECT Id FROM Account WHERE Id IN (SELECT TYPEOF What WHEN Account THEN Name END FROM Task)",
        ErrorCode::MALFORMED_QUERY,
    );
    assert!(m.ends_with("TYPEOF cannot be used in a subquery"), "{m}");
    let m = failure(
        &o,
        "SELECT COUNT(Id), TYPEOF What WHEN Account THEN Name END FROM Task",
        ErrorCode::MALFORMED_QUERY,
    );
    assert!(
        m.ends_with("TYPEOF cannot be used in an aggregate query"),
        "{m}"
    );
}

#[test]
fn typeof_rows_paged_through_a_cursor_match_the_query() {
    let o = org_with_tasks();
    let store = o.store.read();
    let opts = QueryOptions::new(o.clock.now(), "62.0");
    let all = query(&store, BRANCHES, &opts).unwrap().records;
    let cursor = open_cursor(&store, BRANCHES, &opts).unwrap();
    let mut bytes = Vec::new();
    cursor.write_batch(&store, 0, 10, &mut bytes);
    let paged: Json = serde_json::from_slice(&[b"[", &bytes[..], b"]"].concat()).unwrap();
    assert_eq!(paged, Json::Array(all));
}

#[test]
fn typeof_and_a_path_through_the_same_relationship_are_refused_together() {
    let o = org_with_tasks();
    for (soql, col) in [
        (
            "SELECT Subject, What.Name, TYPEOF What WHEN Account THEN Industry END FROM Task",
            17,
        ),
        (
            "SELECT TYPEOF What WHEN Account THEN Industry END, what.Type FROM Task",
            52,
        ),
    ] {
        let m = failure(&o, soql, ErrorCode::MALFORMED_QUERY);
        assert!(
            m.contains(&format!("ERROR at Row:1:Column:{col}\n")),
            "{soql}: {m}"
        );
        assert!(
            m.contains("which TYPEOF What also selects: a TYPEOF cannot reference a relationship field that is also referenced in the SELECT list"),
            "{m}"
        );
    }
    // The lookup's id and other relationships stay selectable beside it.
    run(
        &o,
        "SELECT WhatId, Who.Name, TYPEOF What WHEN Account THEN Industry END FROM Task",
    )
    .unwrap();
}
