//! Queries real orgs reject (or accept) for reasons beyond syntax: polymorphic lookups and the
//! Name entity, semi-join and COUNT() rules, subquery and alias rules, long text fields,
//! string quotes, WITH filters, and valid SOQL the mock org does not implement. TYPEOF has its
//! own tests in typeof_tests.rs, date functions theirs in date_function_tests.rs.

use super::test_support::{id_of, run, with_tasks};
use super::*;
use crate::org::{ErrorCode, Org};
use serde_json::json;

fn malformed(org: &Org, soql: &str) -> String {
    let e = run(org, soql).expect_err(soql);
    assert_eq!(e.code, ErrorCode::MALFORMED_QUERY, "{soql}: {}", e.message);
    e.message
}

/// The default org plus a Task on Falcon Corp (who: Maya Rossi) and one on an Opportunity.
fn org_with_tasks() -> Org {
    let o = Org::default_org();
    let account = id_of(&o, "SELECT Id FROM Account WHERE Name = 'Falcon Corp'");
    let opp = id_of(&o, "SELECT Id FROM Opportunity WHERE Amount = 25000");
    let contact = id_of(&o, "SELECT Id FROM Contact WHERE LastName = 'Rossi'");
    with_tasks(
        o,
        &[
            json!({"Subject": "A call", "WhatId": account, "WhoId": contact}),
            json!({"Subject": "B demo", "WhatId": opp}),
        ],
    )
}

#[test]
fn what_type_is_the_sobject_type_of_the_related_record_under_the_name_entity() {
    let o = org_with_tasks();
    let r = run(
        &o,
        "SELECT Subject, What.Type, What.Name, Who.Type, Who.Name FROM Task ORDER BY Subject",
    )
    .unwrap();
    let call = &r.records[0];
    assert_eq!(
        call["What"]["Type"], "Account",
        "not Account's picklist Type"
    );
    assert_eq!(call["What"]["Name"], "Falcon Corp");
    assert_eq!(call["What"]["attributes"]["type"], "Name");
    assert!(call["What"]["attributes"]["url"]
        .as_str()
        .unwrap()
        .contains("/sobjects/Account/001"));
    assert_eq!(call["Who"]["Type"], "Contact");
    assert_eq!(r.records[1]["What"]["Type"], "Opportunity");
    assert_eq!(r.records[1]["Who"], Json::Null);
}

#[test]
fn what_type_can_be_filtered() {
    let o = org_with_tasks();
    let r = run(&o, "SELECT Subject FROM Task WHERE What.Type = 'Account'").unwrap();
    assert_eq!(r.total_size, 1);
    assert_eq!(r.records[0]["Subject"], "A call");
    let r = run(
        &o,
        "SELECT Subject FROM Task WHERE What.Type IN ('Opportunity', 'Case')",
    )
    .unwrap();
    assert_eq!(r.records[0]["Subject"], "B demo");
}

#[test]
fn only_name_entity_fields_follow_a_polymorphic_lookup() {
    let o = org_with_tasks();
    let e = run(&o, "SELECT What.Industry FROM Task").unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_FIELD);
    assert!(
        e.message.starts_with(
            "\nSELECT What.Industry FROM Task\n       ^\nERROR at Row:1:Column:8\nNo such column 'Industry' on entity 'Name'."
        ),
        "{}",
        e.message
    );
    // Who.Email is a Name field: the Contact's email, and null where there is no Who.
    let r = run(&o, "SELECT Who.Email FROM Task ORDER BY Subject").unwrap();
    assert_eq!(r.records[0]["Who"]["Email"], "maya.rossi@falcon.example");
}

#[test]
fn semi_joins_are_refused_under_or_nested_or_on_a_non_id_field() {
    let o = Org::default_org();
    let m = malformed(
        &o,
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact) OR Name = 'x'",
    );
    assert!(
        m.ends_with("Semi join sub-selects are not allowed with the 'OR' operator"),
        "{m}"
    );
    let m = malformed(
        &o,
        "SELECT Id FROM Account WHERE Name = 'x' OR (Id NOT IN (SELECT AccountId FROM Contact))",
    );
    assert!(m.ends_with("Anti join sub-selects are not allowed with the 'OR' operator"));
    let m = malformed(
        &o,
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Id IN (SELECT ContactId FROM Case))",
    );
    assert!(m.ends_with("Nesting of semi join sub-selects is not supported"));
    let m = malformed(
        &o,
        "SELECT Id FROM Account WHERE Name IN (SELECT AccountId FROM Contact)",
    );
    assert!(
        m.contains("must be an Id or reference field, not 'Name'"),
        "{m}"
    );
    // Under AND they stay valid.
    let r = run(
        &o,
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact) AND Name != 'x'",
    )
    .unwrap();
    assert_eq!(r.total_size, 3);
}

#[test]
fn semi_joins_are_refused_on_the_outer_object_with_offset_or_more_than_two() {
    let o = Org::default_org();
    let m = malformed(
        &o,
        "SELECT Id FROM Account WHERE ParentId IN (SELECT Id FROM Account)",
    );
    assert!(
        m.ends_with("The inner and outer selects should not be on the same object type"),
        "{m}"
    );
    assert!(
        m.contains("Row:1:Column:58"),
        "at the inner FROM's object: {m}"
    );
    let m = malformed(
        &o,
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact LIMIT 10 OFFSET 2)",
    );
    assert!(m.contains("OFFSET is not allowed"), "{m}");
    let m = malformed(
        &o,
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact) \
         AND Id IN (SELECT AccountId FROM Opportunity) AND Id NOT IN (SELECT AccountId FROM Case)",
    );
    assert!(m.contains("at most 2 semi join"), "{m}");
    // Two are fine, as is a child subquery's own semi-join on another object.
    run(
        &o,
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact) \
         AND Id NOT IN (SELECT AccountId FROM Case)",
    )
    .unwrap();
    run(
        &o,
        "SELECT Name, (SELECT LastName FROM Contacts WHERE AccountId IN (SELECT Id FROM Account)) FROM Account",
    )
    .unwrap();
}

#[test]
fn a_child_subquery_takes_offset_only_under_an_outer_limit_of_one() {
    let o = Org::default_org();
    let m = malformed(
        &o,
        "SELECT Name, (SELECT LastName FROM Contacts LIMIT 2 OFFSET 1) FROM Account LIMIT 2",
    );
    assert!(m.contains("only when the outer query has LIMIT 1"), "{m}");
    run(
        &o,
        "SELECT Name, (SELECT LastName FROM Contacts LIMIT 2 OFFSET 1) FROM Account LIMIT 1",
    )
    .unwrap();
}

#[test]
fn count_star_stands_alone_without_group_by_or_order_by() {
    let o = Org::default_org();
    let r = run(&o, "SELECT COUNT() FROM Account").unwrap();
    assert_eq!((r.total_size, r.records.len()), (4, 0));
    assert!(malformed(&o, "SELECT COUNT(), Name FROM Account")
        .ends_with("COUNT() must be the only element in the SELECT list"));
    assert!(
        malformed(&o, "SELECT COUNT() FROM Account GROUP BY Industry")
            .contains("COUNT() cannot be used with GROUP BY")
    );
    assert!(malformed(&o, "SELECT COUNT() FROM Account ORDER BY Name")
        .ends_with("ORDER BY cannot be used with COUNT()"));
}

#[test]
fn aggregates_are_refused_in_a_parent_to_child_subquery() {
    let o = Org::default_org();
    let m = malformed(
        &o,
        "SELECT Name, (SELECT COUNT(Id) FROM Contacts) FROM Account",
    );
    assert!(m.contains("Aggregate functions are not supported in a parent-to-child"));
}

#[test]
fn a_grouped_field_may_carry_an_alias_but_a_plain_field_may_not() {
    let o = Org::default_org();
    let r = run(
        &o,
        "SELECT Industry ind, COUNT(Id) FROM Account GROUP BY Industry ORDER BY Industry",
    )
    .unwrap();
    assert_eq!(r.records[0]["ind"], "Manufacturing");
    assert_eq!(r.records[0]["expr0"], 1);
    assert!(r.records[0].get("Industry").is_none());
    let cols = columns(
        &o.store.read(),
        "SELECT Industry ind, COUNT(Id) FROM Account GROUP BY Industry",
        o.clock.now(),
    )
    .unwrap();
    assert_eq!(cols["columnMetadata"][0]["columnName"], "ind");
    let m = malformed(&o, "SELECT Name n FROM Account");
    assert!(
        m.ends_with("Only aggregate expressions use field aliasing"),
        "{m}"
    );
    assert!(m.contains("ERROR at Row:1:Column:13"), "{m}");
}

#[test]
fn long_text_cannot_be_filtered_or_sorted_as_describe_says() {
    let o = Org::default_org();
    let store = o.store.read();
    let d =
        crate::org::describe::describe_sobject(store.schema().object("Account").unwrap(), "62.0");
    let field = |n: &str| {
        d["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(field("Description")["filterable"], false);
    assert_eq!(field("Description")["sortable"], false);
    assert_eq!(field("BillingStreet")["filterable"], true);
    drop(store);
    let e = run(&o, "SELECT Id FROM Account WHERE Description = 'x'").unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_FIELD);
    assert!(
        e.message.contains("ERROR at Row:1:Column:30"),
        "{}",
        e.message
    );
    assert!(e
        .message
        .ends_with("field 'Description' can not be filtered in a query call"));
    let e = run(&o, "SELECT Id FROM Account ORDER BY Description").unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_FIELD);
    assert!(e
        .message
        .ends_with("field 'Description' can not be sorted in a query call"));
    // A short text area (255) is filterable, as describe says.
    run(&o, "SELECT Id FROM Account WHERE BillingStreet = 'x'").unwrap();
    run(&o, "SELECT Id, Description FROM Account").unwrap();
}

#[test]
fn multi_select_picklists_cannot_be_sorted() {
    let o = Org::default_org();
    let mut f = crate::org::schema::FieldDef::new(
        "Regions__c",
        "Regions",
        crate::org::schema::FieldType::MultiPicklist,
    );
    f = f.picklist_of(&["EMEA", "APAC"]);
    o.store.write().define_field("Account", f).unwrap();
    run(
        &o,
        "SELECT Id FROM Account WHERE Regions__c INCLUDES ('EMEA')",
    )
    .unwrap();
    let e = run(&o, "SELECT Id FROM Account ORDER BY Regions__c").unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_FIELD);
    assert!(e
        .message
        .ends_with("field 'Regions__c' can not be sorted in a query call"));
}

#[test]
fn double_quoted_strings_are_malformed() {
    let o = Org::default_org();
    let m = malformed(&o, "SELECT Id FROM Account WHERE Name = \"Falcon Corp\"");
    assert!(m.contains("ERROR at Row:1:Column:37"), "{m}");
}

#[test]
fn with_takes_only_the_security_modes() {
    let o = Org::default_org();
    for mode in ["SECURITY_ENFORCED", "USER_MODE", "system_mode"] {
        run(&o, &format!("SELECT Id FROM Account WITH {mode}")).unwrap();
    }
    let m = malformed(&o, "SELECT Id FROM Account WITH ANYTHING");
    assert!(m.contains("unexpected token: ANYTHING"), "{m}");
}

#[test]
fn documented_features_the_mock_lacks_say_so() {
    let o = Org::default_org();
    for (soql, feature) in [
        (
            "SELECT Industry, COUNT(Id) FROM Account GROUP BY ROLLUP(Industry)",
            "GROUP BY ROLLUP",
        ),
        (
            "SELECT Industry, COUNT(Id) FROM Account GROUP BY CUBE(Industry)",
            "GROUP BY CUBE",
        ),
        ("SELECT FORMAT(AnnualRevenue) FROM Account", "FORMAT()"),
        (
            "SELECT Id FROM Account WHERE DISTANCE(Loc__c, GEOLOCATION(1, 2), 'km') < 5",
            "DISTANCE()",
        ),
        ("SELECT Id FROM Account USING SCOPE mine", "USING SCOPE"),
        (
            "SELECT Id FROM Account WITH DATA CATEGORY Geography__c AT usa__c",
            "WITH DATA CATEGORY",
        ),
    ] {
        let m = malformed(&o, soql);
        assert!(
            m.ends_with(&format!(
                "{feature} is valid SOQL but not supported by sflab's mock org"
            )),
            "{soql}: {m}"
        );
    }
}

#[test]
fn date_functions_run_in_where_and_group_by_now_that_the_mock_implements_them() {
    let o = Org::default_org();
    let now = o.clock.now();
    let year = chrono::Datelike::year(&now);
    let r = run(
        &o,
        "SELECT CALENDAR_YEAR(CreatedDate), COUNT(Id) FROM Account GROUP BY CALENDAR_YEAR(CreatedDate)",
    )
    .unwrap();
    assert_eq!(r.total_size, 1, "every Account was created this year");
    assert_eq!(r.records[0]["expr0"], year);
    assert_eq!(r.records[0]["expr1"], 4);
    let month = chrono::Datelike::month(&now);
    let r = run(
        &o,
        &format!("SELECT Id FROM Account WHERE CALENDAR_MONTH(CreatedDate) = {month}"),
    )
    .unwrap();
    assert_eq!(r.total_size, 4);
    let other = month % 12 + 1;
    let r = run(
        &o,
        &format!("SELECT Id FROM Account WHERE CALENDAR_MONTH(CreatedDate) = {other}"),
    )
    .unwrap();
    assert_eq!(r.total_size, 0);
}

#[test]
fn fiscal_date_literals_follow_the_default_fiscal_year() {
    let o = Org::default_org();
    let r = run(
        &o,
        "SELECT Id FROM Account WHERE CreatedDate = THIS_FISCAL_YEAR",
    )
    .unwrap();
    assert_eq!(r.total_size, 4);
    let r = run(
        &o,
        "SELECT Id FROM Account WHERE CreatedDate = LAST_N_FISCAL_YEARS:2",
    )
    .unwrap();
    assert_eq!(r.total_size, 0);
}

#[test]
fn child_subqueries_nest_from_api_58() {
    let o = org_with_tasks();
    let soql = "SELECT Name, (SELECT Name, (SELECT Subject FROM Tasks) FROM Opportunities) FROM Account WHERE Name = 'Juniper Health'";
    let r = run(&o, soql).unwrap();
    let opp = &r.records[0]["Opportunities"]["records"][0];
    assert_eq!(opp["Tasks"]["totalSize"], 1);
    assert_eq!(opp["Tasks"]["records"][0]["Subject"], "B demo");
    let old = query(
        &o.store.read(),
        soql,
        &QueryOptions::new(o.clock.now(), "57.0"),
    )
    .unwrap_err();
    assert_eq!(old.code, ErrorCode::MALFORMED_QUERY);
    assert!(old
        .message
        .ends_with("Nesting of subqueries is not supported"));
    let cols = columns(&o.store.read(), soql, o.clock.now()).unwrap();
    assert_eq!(
        cols["columnMetadata"][1]["joinColumns"][1]["columnName"],
        "Tasks"
    );
}

fn account_names(r: &QueryResult) -> Vec<&str> {
    r.records
        .iter()
        .map(|x| x["Name"].as_str().unwrap())
        .collect()
}

/// The default org with a multi-select picklist `Regions__c` on Account, Falcon Corp having
/// "EMEA;APAC" and Harbor Logistics "APAC".
fn org_with_regions() -> Org {
    let o = Org::default_org();
    {
        let mut s = o.store.write();
        let f = crate::org::schema::FieldDef::new(
            "Regions__c",
            "Regions",
            crate::org::schema::FieldType::MultiPicklist,
        )
        .picklist_of(&["EMEA", "APAC", "AMER"]);
        s.define_field("Account", f).unwrap();
    }
    for (name, regions) in [("Falcon Corp", "EMEA;APAC"), ("Harbor Logistics", "APAC")] {
        let id = id_of(&o, &format!("SELECT Id FROM Account WHERE Name = '{name}'"));
        let actor = o.actor(o.users[0].id);
        o.store
            .write()
            .update(
                "Account",
                &id,
                json!({ "Regions__c": regions }).as_object().unwrap(),
                &actor,
            )
            .unwrap();
    }
    o
}

#[test]
fn multi_select_equality_matches_the_set_of_values_in_any_order() {
    let o = org_with_regions();
    for value in ["EMEA;APAC", "APAC;EMEA", "apac;emea"] {
        let r = run(
            &o,
            &format!("SELECT Name FROM Account WHERE Regions__c = '{value}'"),
        )
        .unwrap();
        assert_eq!(account_names(&r), ["Falcon Corp"], "{value}");
    }
    let r = run(
        &o,
        "SELECT Name FROM Account WHERE Regions__c != 'APAC;EMEA' AND Regions__c != null",
    )
    .unwrap();
    assert_eq!(account_names(&r), ["Harbor Logistics"]);
    let r = run(&o, "SELECT Name FROM Account WHERE Regions__c = 'APAC'").unwrap();
    assert_eq!(
        account_names(&r),
        ["Harbor Logistics"],
        "exact match, not includes"
    );
}

#[test]
fn like_in_and_ordering_are_refused_on_a_multi_select_picklist() {
    let o = org_with_regions();
    for soql in [
        "SELECT Id FROM Account WHERE Regions__c LIKE 'EM%'",
        "SELECT Id FROM Account WHERE Regions__c IN ('EMEA', 'APAC')",
        "SELECT Id FROM Account WHERE Regions__c NOT IN ('EMEA')",
        "SELECT Id FROM Account WHERE Regions__c > 'EMEA'",
        "SELECT Id FROM Account WHERE Regions__c <= 'EMEA'",
    ] {
        let m = malformed(&o, soql);
        assert!(
            m.ends_with("invalid operator on multipicklist field"),
            "{soql}: {m}"
        );
        assert!(m.contains("ERROR at Row:1:Column:30"), "{soql}: {m}");
    }
    run(
        &o,
        "SELECT Id FROM Account WHERE Regions__c INCLUDES ('EMEA')",
    )
    .unwrap();
}

#[test]
fn an_aggregate_query_refuses_two_columns_of_one_name() {
    let o = crate::org::Org::default_org();
    for (soql, name) in [
        (
            "SELECT Industry x, COUNT(Id) x FROM Account GROUP BY Industry",
            "x",
        ),
        (
            "SELECT Industry, COUNT(Id) Industry FROM Account GROUP BY Industry",
            "Industry",
        ),
        (
            "SELECT COUNT(Id) expr0, SUM(NumberOfEmployees) FROM Account",
            "expr0",
        ),
        (
            "SELECT COUNT(Id) Yr, MAX(NumberOfEmployees) yr FROM Account",
            "yr",
        ),
    ] {
        let m = malformed(&o, soql);
        assert!(
            m.ends_with(&format!("duplicate alias: {name}")),
            "{soql}: {m}"
        );
    }
    run(
        &o,
        "SELECT Industry ind, COUNT(Id) n, SUM(NumberOfEmployees) FROM Account GROUP BY Industry",
    )
    .unwrap();
}

#[test]
fn a_for_update_query_cannot_be_sorted() {
    let o = Org::default_org();
    let m = malformed(
        &o,
        "SELECT Id FROM Account ORDER BY Name LIMIT 1 FOR UPDATE",
    );
    assert!(
        m.starts_with("\nSELECT Id FROM Account ORDER BY Name LIMIT 1 FOR UPDATE\n                                ^\nERROR at Row:1:Column:33\nORDER BY cannot be used in a query that locks records with FOR UPDATE"),
        "{m}"
    );
    run(&o, "SELECT Id FROM Account ORDER BY Name LIMIT 1 FOR VIEW").unwrap();
    run(&o, "SELECT Id FROM Account LIMIT 1 FOR UPDATE").unwrap();
}

#[test]
fn an_object_alias_and_a_parent_alias_after_from_are_understood() {
    let o = Org::default_org();
    let r = run(
        &o,
        "SELECT c.LastName, c.Account.Name FROM Contact c WHERE c.LastName = 'Rossi'",
    )
    .unwrap();
    assert_eq!(r.total_size, 1);
    assert_eq!(r.records[0]["LastName"], "Rossi");
    assert_eq!(r.records[0]["Account"]["Name"], "Falcon Corp");
    let count = |soql: &str| run(&o, soql).unwrap().total_size;
    assert_eq!(
        count("SELECT count() FROM Contact c, c.Account a WHERE a.Name = 'Falcon Corp'"),
        count("SELECT count() FROM Contact WHERE Account.Name = 'Falcon Corp'")
    );
    let e = run(&o, "SELECT c.Naem FROM Contact c").unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_FIELD);
    assert!(
        e.message
            .contains("No such column 'Naem' on entity 'Contact'"),
        "{}",
        e.message
    );
}
