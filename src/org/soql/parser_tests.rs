//! Parser tests: clause order, AND/OR mixing, error positions, printing round trips.

use super::*;

#[test]
fn parses_the_clauses_in_order() {
    let q = parse(
        "select Id, Account.Name, (SELECT LastName FROM Contacts), COUNT(Id) n FROM Opportunity \
         WHERE (Amount > -5 AND Name LIKE 'A%') OR CloseDate = LAST_N_DAYS:30 WITH SECURITY_ENFORCED \
         GROUP BY Name HAVING COUNT(Id) > 1 ORDER BY Name DESC NULLS LAST LIMIT 10 OFFSET 5 FOR UPDATE",
    )
    .unwrap();
    assert_eq!(q.from, "Opportunity");
    assert_eq!(q.select.len(), 4);
    assert!(matches!(q.where_, Some(Cond::Or(_))));
    assert_eq!(q.limit, Some(10));
    assert_eq!(q.offset, Some(5));
    assert_eq!(q.for_clause, Some(ForClause::Update));
    assert_eq!(q.order_by[0].nulls_first, Some(false));
}

#[test]
fn mixing_and_with_or_needs_parentheses() {
    let e = parse("SELECT Id FROM Account WHERE A = 1 AND B = 2 OR C = 3").unwrap_err();
    assert_eq!(e.message, "unexpected token: OR");
    assert_eq!(e.pos.col, 46);
}

#[test]
fn a_missing_field_list_points_at_from() {
    let e = parse("SELECT FROM Account").unwrap_err();
    assert_eq!(e.message, "unexpected token: FROM");
    assert_eq!((e.pos.row, e.pos.col), (1, 8));
    let e = parse("SELECT Id FROM Account WHERE").unwrap_err();
    assert_eq!(e.message, "unexpected token: <EOF>");
}

#[test]
fn printing_parses_back_to_the_same_tree() {
    let src = "SELECT Id, (SELECT Id FROM Contacts WHERE Email != null) FROM Account WHERE NOT (Name IN ('a', 'b\\'c')) AND Id IN (SELECT AccountId FROM Contact) ORDER BY Name LIMIT 5";
    let q = parse(src).unwrap();
    let printed = q.to_string();
    assert_eq!(parse(&printed).unwrap(), q, "{printed}");
}

#[test]
fn from_aliases_read_as_the_paths_they_stand_for() {
    let aliased = parse(
        "SELECT count() FROM Contact c, c.Account a WHERE a.Name = 'X' AND c.LastName LIKE 'R%'",
    )
    .unwrap();
    let plain =
        parse("SELECT count() FROM Contact WHERE Account.Name = 'X' AND LastName LIKE 'R%'")
            .unwrap();
    assert_eq!(aliased, plain);
    let aliased = parse(
        "SELECT c.Id, (SELECT x.Subject FROM Tasks x ORDER BY x.Subject) FROM Contact c ORDER BY c.LastName",
    )
    .unwrap();
    let plain = parse(
        "SELECT Id, (SELECT Subject FROM Tasks ORDER BY Subject) FROM Contact ORDER BY LastName",
    )
    .unwrap();
    assert_eq!(aliased, plain);
    // A reserved word after the object is a clause, not an alias.
    let e = parse("SELECT Id FROM Contact c d").unwrap_err();
    assert_eq!(e.message, "unexpected token: d");
    let e = parse("SELECT Id FROM Contact c, c.Account").unwrap_err();
    assert_eq!(e.message, "unexpected token: <EOF>");
}

#[test]
fn a_bind_or_another_field_where_a_value_belongs_is_an_apex_only_bind() {
    for (q, column) in [
        ("SELECT Id FROM Account WHERE Name = :acctName", 37),
        (
            "SELECT Id FROM Opportunity WHERE CloseDate > CreatedDate",
            46,
        ),
        ("SELECT Id FROM Account WHERE Id IN :ids", 36),
        ("SELECT Id FROM Account WHERE Name IN ('A', :b)", 44),
        ("SELECT Id FROM Account LIMIT :pageSize", 30),
        ("SELECT Id FROM Account LIMIT 10 OFFSET :skip", 40),
    ] {
        let e = parse(q).unwrap_err();
        assert_eq!(e.message, "Bind variables only allowed in Apex code", "{q}");
        assert_eq!(e.pos.col, column, "{q}");
    }
}
