//! Text comparisons ignore case the same way everywhere a query looks at text: `=`, `!=`,
//! `IN`, ordering and grouping fold case as LIKE and the unique index do, for any letter.

use super::test_support::run;
use super::{query, QueryOptions};
use crate::org::Org;
use serde_json::json;

/// The default org with Accounts whose names and external ids hold non-ASCII letters.
fn org_with_accented_accounts() -> Org {
    let o = Org::default_org();
    {
        let mut s = o.store.write();
        let actor = o.actor(o.users[0].id);
        for body in [
            json!({"Name": "Müller GmbH", "ERP_Id__c": "ÄB-1"}),
            json!({"Name": "Ord éclair"}),
            json!({"Name": "MÜLLER GMBH"}),
        ] {
            s.insert("Account", body.as_object().unwrap(), &actor)
                .unwrap();
        }
    }
    o
}

fn names(o: &Org, soql: &str) -> Vec<String> {
    run(o, soql)
        .unwrap()
        .records
        .iter()
        .map(|r| r["Name"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn equality_ignores_the_case_of_accented_letters_as_like_does() {
    let o = org_with_accented_accounts();
    let by_eq = names(
        &o,
        "SELECT Name FROM Account WHERE Name = 'müller gmbh' ORDER BY CreatedDate",
    );
    let by_like = names(
        &o,
        "SELECT Name FROM Account WHERE Name LIKE 'MÜLLER G%' ORDER BY CreatedDate",
    );
    assert_eq!(by_eq, vec!["Müller GmbH", "MÜLLER GMBH"]);
    assert_eq!(by_eq, by_like);
    assert_eq!(
        names(
            &o,
            "SELECT Name FROM Account WHERE Name IN ('ORD ÉCLAIR', 'x')"
        ),
        vec!["Ord éclair"]
    );
    let others = names(&o, "SELECT Name FROM Account WHERE Name != 'ORD ÉCLAIR'");
    assert!(!others.contains(&"Ord éclair".to_string()), "{others:?}");
}

#[test]
fn an_external_id_matches_in_any_case_by_index_and_by_scan_alike() {
    let o = org_with_accented_accounts();
    let indexed = names(&o, "SELECT Name FROM Account WHERE ERP_Id__c = 'äb-1'");
    assert_eq!(indexed, vec!["Müller GmbH"]);
    // queryAll scans rather than using the index (the bin is not indexed).
    let scanned = crate::org::soql::query(
        &o.store.read(),
        "SELECT Name FROM Account WHERE ERP_Id__c IN ('äb-1')",
        &super::QueryOptions {
            include_deleted: true,
            ..super::QueryOptions::new(o.clock.now(), "62.0")
        },
    )
    .unwrap();
    assert_eq!(scanned.records.len(), 1);
    assert_eq!(scanned.records[0]["Name"], "Müller GmbH");
}

#[test]
fn texts_equal_but_for_case_group_together_and_sort_side_by_side() {
    let o = org_with_accented_accounts();
    let r = run(
        &o,
        "SELECT Name, COUNT(Id) n FROM Account WHERE Name LIKE 'M%' GROUP BY Name",
    )
    .unwrap();
    assert_eq!(r.records.len(), 1, "{:?}", r.records);
    assert_eq!(r.records[0]["n"], 2);
    // ORDER BY places case-variants together: nothing sorts between them.
    let sorted = names(&o, "SELECT Name FROM Account ORDER BY Name");
    let at = |n: &str| sorted.iter().position(|x| x == n).unwrap();
    assert_eq!(
        at("Müller GmbH").abs_diff(at("MÜLLER GMBH")),
        1,
        "{sorted:?}"
    );
}

#[test]
fn a_unique_case_sensitive_field_is_compared_case_and_all_by_index_and_by_scan_alike() {
    let seed = crate::org::OrgSeed::from_yaml(
        "objects:\n  Account: { fields: { Sku__c: { type: text, externalId: true, unique: true, caseSensitive: true } } }\nrecords:\n  - Account: { Name: Upper, Sku__c: AB-1 }\n  - Account: { Name: Lower, Sku__c: ab-1 }\n",
    )
    .unwrap();
    let o = Org::new(&seed).unwrap();
    for (soql, want) in [
        (
            "SELECT Name FROM Account WHERE Sku__c = 'ab-1'",
            vec!["Lower"],
        ),
        (
            "SELECT Name FROM Account WHERE Sku__c = 'AB-1'",
            vec!["Upper"],
        ),
        ("SELECT Name FROM Account WHERE Sku__c = 'Ab-1'", vec![]),
        (
            "SELECT Name FROM Account WHERE Sku__c IN ('ab-1', 'x')",
            vec!["Lower"],
        ),
        (
            "SELECT Name FROM Account WHERE Sku__c != 'ab-1' AND Sku__c != null",
            vec!["Upper"],
        ),
        (
            "SELECT Name FROM Account WHERE Sku__c NOT IN ('AB-1') AND Sku__c != null",
            vec!["Lower"],
        ),
    ] {
        assert_eq!(names(&o, soql), want, "{soql}");
        // queryAll scans (the index leaves out the recycle bin): the same answer.
        let all = query(
            &o.store.read(),
            soql,
            &QueryOptions {
                include_deleted: true,
                ..QueryOptions::new(o.clock.now(), "62.0")
            },
        )
        .unwrap();
        let scanned: Vec<&str> = all
            .records
            .iter()
            .map(|r| r["Name"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(scanned, want, "queryAll {soql}");
    }
    // Other text fields still ignore case.
    assert_eq!(
        names(&o, "SELECT Name FROM Account WHERE Name = 'UPPER'"),
        vec!["Upper"]
    );
}

#[test]
fn like_reads_an_escaped_backslash_as_one_backslash_and_escaped_wildcards_as_literal() {
    let o = Org::default_org();
    {
        let mut s = o.store.write();
        let actor = o.actor(o.users[0].id);
        for name in [r"C:\Temp\Co", r"C:Temp", "50% off_sale", "500 offXsale"] {
            let body = json!({ "Name": name });
            s.insert("Account", body.as_object().unwrap(), &actor)
                .unwrap();
        }
    }
    let temp = vec![r"C:\Temp\Co".to_string()];
    assert_eq!(
        names(&o, r"SELECT Name FROM Account WHERE Name = 'C:\\Temp\\Co'"),
        temp
    );
    assert_eq!(
        names(
            &o,
            r"SELECT Name FROM Account WHERE Name LIKE 'C:\\Temp\\Co'"
        ),
        temp
    );
    assert_eq!(
        names(&o, r"SELECT Name FROM Account WHERE Name LIKE 'C:\\%'"),
        temp
    );
    assert_eq!(
        names(
            &o,
            r"SELECT Name FROM Account WHERE Name LIKE '50\% off\_sale'"
        ),
        vec!["50% off_sale"]
    );
    let q = super::parse_query(r"SELECT Name FROM Account WHERE Name LIKE 'C:\\%' OR Name = 'a\%'")
        .unwrap();
    assert_eq!(super::parse_query(&q.to_string()).unwrap(), q, "{q}");
}
