//! Queries refused for what they ask rather than how they are spelled: filter values of the
//! wrong kind for their field, operators a field does not take, HAVING without groups, a
//! child relationship followed twice, and clauses a semi-join's subquery cannot have.

use super::test_support::run;
use crate::org::{ErrorCode, Org};

fn refused(org: &Org, soql: &str, code: ErrorCode) -> String {
    let e = run(org, soql).expect_err(soql);
    assert_eq!(e.code, code, "{soql}: {}", e.message);
    e.message
}

#[test]
fn a_number_or_boolean_for_an_id_field_must_be_enclosed_in_quotes() {
    let o = Org::default_org();
    for soql in [
        "SELECT Id FROM Contact WHERE AccountId = 5",
        "SELECT Id FROM Contact WHERE Id = true",
        "SELECT Id FROM Contact WHERE Id IN (5)",
    ] {
        let m = refused(&o, soql, ErrorCode::INVALID_FIELD);
        assert!(
            m.ends_with("must be of type id and should be enclosed in quotes"),
            "{soql}: {m}"
        );
    }
    let m = refused(
        &o,
        "SELECT Id FROM Account WHERE IsDeleted = TODAY",
        ErrorCode::INVALID_FIELD,
    );
    assert!(
        m.ends_with("must be of type boolean and should not be enclosed in quotes"),
        "{m}"
    );
}

#[test]
fn a_name_where_an_id_belongs_is_shown_with_the_query_and_caret() {
    let o = Org::default_org();
    let soql = "SELECT Id FROM Contact WHERE AccountId = 'Edge Communications'";
    let m = refused(&o, soql, ErrorCode::INVALID_QUERY_FILTER_OPERATOR);
    assert_eq!(
        m,
        format!(
            "\n{soql}\n{}^\nERROR at Row:1:Column:30\ninvalid ID field: Edge Communications",
            " ".repeat(29)
        )
    );
}

#[test]
fn like_on_an_id_or_lookup_field_is_an_invalid_operator() {
    let o = Org::default_org();
    for soql in [
        "SELECT Id FROM Account WHERE Id LIKE '001%'",
        "SELECT Id FROM Contact WHERE AccountId LIKE '001%'",
    ] {
        let m = refused(&o, soql, ErrorCode::INVALID_QUERY_FILTER_OPERATOR);
        assert!(
            m.ends_with("ERROR at Row:1:Column:30\ninvalid operator on id field"),
            "{soql}: {m}"
        );
    }
    assert!(run(&o, "SELECT Id FROM Account WHERE Name LIKE 'Fal%'").is_ok());
}

fn malformed(org: &Org, soql: &str) -> String {
    refused(org, soql, ErrorCode::MALFORMED_QUERY)
}

#[test]
fn having_without_group_by_is_refused_at_the_keyword() {
    let o = Org::default_org();
    let m = malformed(&o, "SELECT Name FROM Account HAVING COUNT(Id) > 100");
    assert!(
        m.contains("ERROR at Row:1:Column:26\nunexpected token: HAVING."),
        "{m}"
    );
    // An aggregate function alone makes no GROUP BY: HAVING is still out of place.
    for soql in [
        "SELECT COUNT(Id) FROM Account HAVING COUNT(Id) > 1",
        "SELECT COUNT() FROM Account HAVING COUNT(Id) > 0",
        "SELECT MAX(AnnualRevenue) top FROM Account WHERE Industry != null HAVING MAX(AnnualRevenue) > 0",
    ] {
        let m = malformed(&o, soql);
        assert!(m.contains("unexpected token: HAVING. HAVING filters the groups of a GROUP BY"), "{soql}: {m}");
    }
    let m = malformed(
        &o,
        "SELECT Name, (SELECT LastName FROM Contacts HAVING COUNT(Id) > 1) FROM Account",
    );
    assert!(
        m.contains("ERROR at Row:1:Column:45\nunexpected token: HAVING."),
        "{m}"
    );
    let grouped = run(
        &o,
        "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry HAVING COUNT(Id) > 100",
    )
    .unwrap();
    assert_eq!(grouped.total_size, 0);
}

#[test]
fn a_child_relationship_followed_twice_is_refused() {
    let o = Org::default_org();
    let soql =
        "SELECT Name, (SELECT LastName FROM Contacts), (SELECT FirstName FROM contacts) FROM Account";
    let m = malformed(&o, soql);
    assert!(
        m.ends_with("ERROR at Row:1:Column:70\nCannot follow the same aggregate relationship twice: contacts"),
        "{m}"
    );
    assert!(run(
        &o,
        "SELECT Name, (SELECT LastName FROM Contacts), (SELECT Name FROM Opportunities) FROM Account"
    )
    .is_ok());
}

#[test]
fn a_semi_join_subquery_refuses_sorting_limits_locking_and_grouping() {
    let o = Org::default_org();
    let semi = |inner: &str| {
        format!("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact {inner})")
    };
    // Each clause is pointed at where it stands (the sub-select's clauses start at column 67).
    for (inner, what) in [
        ("ORDER BY LastName", "ORDER BY"),
        ("LIMIT 5", "LIMIT"),
        ("FOR UPDATE", "FOR UPDATE"),
        ("GROUP BY AccountId", "GROUP BY"),
        ("WHERE (LastName != null) LIMIT 5", "LIMIT"),
    ] {
        let m = malformed(&o, &semi(inner));
        let column = 67 + inner.find(what.split(' ').next().unwrap()).unwrap();
        assert!(
            m.contains(&format!(
                "ERROR at Row:1:Column:{column}\n{what} is not supported in a semi join or anti join sub-select: remove the {what} clause"
            )),
            "{inner}: {m}"
        );
    }
    let m = malformed(
        &o,
        "SELECT Id FROM Account WHERE Id NOT IN (SELECT COUNT(AccountId) FROM Contact)",
    );
    assert!(m.contains("\nCOUNT is not supported in a semi join"), "{m}");
    assert!(run(&o, &semi("WHERE LastName != null")).is_ok());
}
