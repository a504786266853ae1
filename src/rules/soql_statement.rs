//! What a SOQL statement reads, for the rules that hold a query a program sent to the one a
//! lab names: `rest.json_body`'s `soql:` (a Bulk API 2.0 query job) and `mcp.tools_called`'s
//! `arguments:` (the query an agent hands a tool). Two statements are read alike when they
//! parse to the same object, fields, filter and the rest of the statement (grouping, order,
//! limits); for the rows they read, their order does not count (`ORDER BY Name` reads the
//! Retail Accounts as well as no ORDER BY does).
//!
//! Implementation notes: each part is the parsed statement printed back and lower-cased, as
//! SOQL reads keywords, names and string values without case; spacing and layout do not take
//! part, and `<>` is `!=`, since the parser reads both as one operator. The selected fields
//! may come in any order, and so may the conditions an AND or an OR joins; a list of one value
//! is that value (`Industry IN ('Retail')` is `Industry = 'Retail'`).

use crate::org::soql::ast::{CmpOp, Cond, Query, Rhs};

/// The parts of a SOQL statement that decide what it reads, each as canonical text in lower
/// case (see the module's notes).
#[derive(Debug, PartialEq)]
pub(crate) struct Statement {
    /// Each selected item, sorted.
    pub fields: Vec<String>,
    pub from: String,
    pub filter: Option<String>,
    /// The statement without its fields and its ORDER BY: filter, grouping, limits.
    pub rest: String,
    /// The ORDER BY clause, empty without one.
    pub order: String,
}

impl Statement {
    /// The statement `text` says, or None when it is not SOQL the org reads.
    pub(crate) fn parse(text: &str) -> Option<Statement> {
        let q = crate::org::soql::parse_query(text).ok()?;
        let q = Query {
            where_: q.where_.map(canonical),
            ..q
        };
        let only_from = Query::of(q.from.clone(), q.from_pos);
        let mut fields: Vec<String> = q
            .select
            .iter()
            .map(|item| {
                let one = Query {
                    select: vec![item.clone()],
                    ..only_from.clone()
                };
                one.to_string().to_lowercase()
            })
            .collect();
        fields.sort();
        let unordered = Query {
            select: Vec::new(),
            order_by: Vec::new(),
            ..q.clone()
        };
        let order = Query {
            order_by: q.order_by.clone(),
            ..only_from.clone()
        };
        let order = order
            .to_string()
            .strip_prefix(&only_from.to_string())
            .unwrap_or_default()
            .trim()
            .to_lowercase();
        Some(Statement {
            fields,
            from: q.from.to_lowercase(),
            filter: q.where_.as_ref().map(|w| w.to_string().to_lowercase()),
            rest: unordered.to_string().to_lowercase(),
            order,
        })
    }

    /// Whether `other` reads the same rows and fields as this statement, in whatever order.
    pub(crate) fn reads_the_same_rows(&self, other: &Statement) -> bool {
        self.fields == other.fields
            && self.from == other.from
            && self.filter == other.filter
            && self.rest == other.rest
    }
}

/// A condition written one way for each meaning it has here: the parts of an AND or an OR in
/// the order of their text, a list of one value as that value.
fn canonical(cond: Cond) -> Cond {
    let sorted = |parts: Vec<Cond>| {
        let mut parts: Vec<Cond> = parts.into_iter().map(canonical).collect();
        parts.sort_by_cached_key(|c| c.to_string().to_lowercase());
        parts
    };
    match cond {
        Cond::And(parts) => Cond::And(sorted(parts)),
        Cond::Or(parts) => Cond::Or(sorted(parts)),
        Cond::Not(inner) => Cond::Not(Box::new(canonical(*inner))),
        Cond::Cmp {
            left,
            op,
            rhs: Rhs::List(mut items),
            pos,
        } if items.len() == 1 && matches!(op, CmpOp::In | CmpOp::NotIn) => Cond::Cmp {
            left,
            op: if op == CmpOp::In {
                CmpOp::Eq
            } else {
                CmpOp::Ne
            },
            rhs: Rhs::One(items.remove(0)),
            pos,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RETAIL: &str = "SELECT Name FROM Account WHERE Industry = 'Retail'";

    fn read(text: &str) -> Statement {
        Statement::parse(text).expect("SOQL")
    }

    #[test]
    fn layout_case_and_field_order_do_not_change_the_statement() {
        assert_eq!(
            read("select name, id\n from account where industry='retail'"),
            read("SELECT Id, Name FROM Account WHERE Industry = 'Retail'")
        );
        assert_eq!(
            read("SELECT Name FROM Account WHERE Industry <> null"),
            read("SELECT Name FROM Account WHERE Industry != null")
        );
    }

    #[test]
    fn a_list_of_one_value_and_conditions_in_another_order_read_the_same() {
        assert_eq!(
            read("SELECT Name FROM Account WHERE Industry IN ('Retail')"),
            read(RETAIL)
        );
        assert_eq!(
            read("SELECT Name FROM Account WHERE Industry NOT IN ('Retail')"),
            read("SELECT Name FROM Account WHERE Industry != 'Retail'")
        );
        assert_eq!(
            read("SELECT Name FROM Account WHERE Name != null AND Industry = 'Retail'"),
            read("SELECT Name FROM Account WHERE Industry = 'Retail' AND Name != null")
        );
        assert_ne!(
            read("SELECT Name FROM Account WHERE Industry IN ('Retail', 'Banking')"),
            read(RETAIL)
        );
    }

    #[test]
    fn an_order_by_reads_the_same_rows_but_is_another_statement() {
        let sorted = read("SELECT Name FROM Account WHERE Industry = 'Retail' ORDER BY Name");
        assert!(sorted.reads_the_same_rows(&read(RETAIL)));
        assert_ne!(sorted, read(RETAIL));
        assert_eq!(sorted.order, "order by name asc");
    }

    #[test]
    fn another_filter_object_field_or_limit_reads_other_rows() {
        let retail = read(RETAIL);
        for other in [
            "SELECT Name FROM Account",
            "SELECT Email FROM Contact WHERE Industry = 'Retail'",
            "SELECT Name, Phone FROM Account WHERE Industry = 'Retail'",
            "SELECT Name FROM Account WHERE Industry = 'Retail' OR Industry != null",
            "SELECT Name FROM Account WHERE Industry = 'Retail' LIMIT 1",
            "SELECT Name FROM Account WHERE Industry = 'Ret ail'",
        ] {
            assert!(!read(other).reads_the_same_rows(&retail), "{other}");
        }
    }
}
