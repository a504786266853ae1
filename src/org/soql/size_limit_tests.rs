//! How big a query may be. Parentheses, NOTs and subqueries nested past
//! [`parser::MAX_NESTING`] are refused as MALFORMED_QUERY instead of overflowing the stack, and
//! the deepest accepted query plans and runs on a request thread's 2 MiB stack; a statement
//! over [`MAX_QUERY_CHARS`] characters is refused as real orgs refuse it.

use super::parser::MAX_NESTING;
use super::test_support::run;
use super::*;
use crate::org::{ErrorCode, Org};

/// `levels` parentheses around one comparison.
fn parenthesized(levels: usize) -> String {
    format!(
        "SELECT Id FROM Account WHERE {}Name = 'x'{}",
        "(".repeat(levels),
        ")".repeat(levels)
    )
}

/// `levels` NOTs before one comparison.
fn negated(levels: usize) -> String {
    format!(
        "SELECT Id FROM Account WHERE {}Name = 'x'",
        "NOT ".repeat(levels)
    )
}

/// `levels` parenthesized conditions, each joining a comparison to the next one by AND or OR
/// in turn, so the syntax tree is as deep as the nesting.
fn alternating(levels: usize) -> String {
    let mut cond = "Name = 'x'".to_string();
    for level in 0..levels {
        let word = if level % 2 == 0 { "AND" } else { "OR" };
        cond = format!("(Name != 'y{level}' {word} {cond})");
    }
    format!("SELECT Id FROM Account WHERE {cond}")
}

/// `levels` child subqueries, one inside the other.
fn nested_subqueries(levels: usize) -> String {
    let mut inner = "SELECT Id FROM Contacts".to_string();
    for _ in 1..levels {
        inner = format!("SELECT Id, ({inner}) FROM Contacts");
    }
    format!("SELECT Id, ({inner}) FROM Account")
}

fn assert_nested_too_deeply(soql: &str) {
    let e = parse_query(soql).unwrap_err();
    assert_eq!(e.code, ErrorCode::MALFORMED_QUERY);
    assert!(e.message.contains("nested too deeply"), "{}", e.message);
    assert!(
        e.message.contains(&MAX_NESTING.to_string()),
        "{}",
        e.message
    );
}

#[test]
fn thousands_of_parentheses_are_refused_as_nested_too_deeply() {
    assert_nested_too_deeply(&parenthesized(3000));
    assert_nested_too_deeply(&parenthesized(MAX_NESTING + 1));
    assert!(parse_query(&parenthesized(MAX_NESTING)).is_ok());
}

#[test]
fn thousands_of_nots_are_refused_as_nested_too_deeply() {
    assert_nested_too_deeply(&negated(3000));
    assert_nested_too_deeply(&negated(MAX_NESTING + 1));
    assert!(parse_query(&negated(MAX_NESTING)).is_ok());
}

#[test]
fn deeply_nested_subqueries_are_refused_as_nested_too_deeply() {
    assert_nested_too_deeply(&nested_subqueries(1500));
    let semi_joins = format!(
        "SELECT Id FROM Account WHERE {}Id = null{}",
        "Id IN (SELECT AccountId FROM Contact WHERE ".repeat(1500),
        ")".repeat(1500)
    );
    assert_nested_too_deeply(&semi_joins);
}

#[test]
fn the_error_points_at_the_first_token_too_deep() {
    let e = parse_query(&negated(MAX_NESTING + 5)).unwrap_err();
    let col = "SELECT Id FROM Account WHERE ".len() + 4 * MAX_NESTING + 1;
    assert!(
        e.message.contains(&format!("ERROR at Row:1:Column:{col}")),
        "{}",
        e.message
    );
}

#[test]
fn the_deepest_accepted_queries_run_on_a_request_threads_stack() {
    // A tokio worker thread has 2 MiB of stack; the request's own frames take some of it, so
    // the deepest accepted query must leave most of it unused.
    let ran = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            let org = Org::default_org();
            for soql in [
                negated(MAX_NESTING),
                alternating(MAX_NESTING),
                parenthesized(MAX_NESTING),
                format!(
                    "SELECT Id FROM Account WHERE {}Name = 'x'{}",
                    "NOT (".repeat(MAX_NESTING / 2),
                    ")".repeat(MAX_NESTING / 2)
                ),
            ] {
                let result = run(&org, &soql);
                assert!(result.is_ok(), "{soql}: {result:?}");
                let _ = columns(&org.store.read(), &soql, org.clock.now());
                let _ = explain::explain(&org.store.read(), &soql, org.clock.now());
            }
        })
        .unwrap()
        .join();
    assert!(ran.is_ok());
}

#[test]
fn a_statement_over_100000_characters_is_refused_as_too_long() {
    // Whitespace counts as real orgs count it: every character of the statement.
    let padded = |chars: usize| {
        let words = "SELECT Id FROM Account WHERE Name = 'é'";
        format!("{words}{}", " ".repeat(chars - words.chars().count()))
    };
    assert_eq!(padded(MAX_QUERY_CHARS).chars().count(), MAX_QUERY_CHARS);
    assert!(parse_query(&padded(MAX_QUERY_CHARS)).is_ok());
    let e = parse_query(&padded(MAX_QUERY_CHARS + 1)).unwrap_err();
    assert_eq!(e.code, ErrorCode::MALFORMED_QUERY);
    assert_eq!(
        e.message,
        "SOQL statements can not be longer than 100000 characters."
    );
    let org = Org::default_org();
    assert!(run(&org, &padded(MAX_QUERY_CHARS + 1)).is_err());
}
