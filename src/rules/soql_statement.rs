//! What a SOQL statement reads, for the rules that hold a query a program sent to the one a
//! lab names: `rest.json_body`'s `soql:` (a Bulk API 2.0 query job) and `mcp.tools_called`'s
//! `arguments:` (the query an agent hands a tool). Two statements are read alike when they
//! parse to the same object, fields, filter and the rest of the statement (grouping, order,
//! limits); for the rows they read, their order does not count (`ORDER BY Name` reads the
//! Retail Accounts as well as no ORDER BY does).
//!
//! A statement may also read no more than another: the same rows cut short by a LIMIT (or an
//! OFFSET) are fewer, never more, and so are they read `WITH USER_MODE` or
//! `WITH SECURITY_ENFORCED`, which hold the query to what the running user may read (an API
//! query already runs as its user; the secure one may only be refused). That is what an
//! agent's tool call is held to (see [`Statement::reads_no_more_than`]). `WITH SYSTEM_MODE`
//! asks to read past the user's access, so it reads no fewer than any statement.
//!
//! Implementation notes: each part is the parsed statement printed back and lower-cased, as
//! SOQL reads keywords, names and string values without case; spacing and layout do not take
//! part, and `<>` is `!=`, since the parser reads both as one operator. The selected fields
//! may come in any order, and so may the conditions an AND or an OR joins; a list of one value
//! is that value (`Industry IN ('Retail')` is `Industry = 'Retail'`). A field named through
//! the queried object (`Account.Name` in `FROM Account`) is the field itself; a LIKE pattern
//! without a wildcard (`%`, `_`) is an equality, as both compare text without case; and an
//! AND-ed `Id != null` or `Name != null` holds for every row (each record has an Id, and a
//! Name the org requires), so it leaves the filter as it was.

use crate::org::soql::ast::{
    CmpOp, Cond, FieldPath, Literal, Operand, OrderItem, Query, Rhs, SelectItem,
};

/// The parts of a SOQL statement that decide what it reads, each as canonical text in lower
/// case (see the module's notes).
#[derive(Debug, PartialEq)]
pub(crate) struct Statement {
    /// Each selected item, sorted.
    pub fields: Vec<String>,
    pub from: String,
    pub filter: Option<String>,
    /// The statement without its fields, its WITH, ORDER BY, LIMIT and OFFSET: filter,
    /// grouping.
    pub rest: String,
    /// The access mode of its `WITH` (`security_enforced`, `user_mode`, `system_mode`), None
    /// without one.
    pub mode: Option<String>,
    /// The ORDER BY clause, empty without one.
    pub order: String,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

impl Statement {
    /// The statement `text` says, or None when it is not SOQL the org reads.
    pub(crate) fn parse(text: &str) -> Option<Statement> {
        let q = unqualified(crate::org::soql::parse_query(text).ok()?);
        let q = Query {
            where_: q.where_.map(canonical).and_then(without_always_true),
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
            with: None,
            order_by: Vec::new(),
            limit: None,
            offset: None,
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
            mode: q.with.as_ref().map(|m| m.to_lowercase()),
            order,
            limit: q.limit,
            offset: q.offset,
        })
    }

    /// Whether `other` reads the same rows and fields as this statement, in whatever order
    /// (what the tests tell a LIMIT's cut apart from the whole by).
    #[cfg(test)]
    pub(crate) fn reads_the_same_rows(&self, other: &Statement) -> bool {
        self.fields == other.fields
            && self.from == other.from
            && self.filter == other.filter
            && self.rest == other.rest
            && self.mode == other.mode
            && self.limit == other.limit
            && self.offset == other.offset
    }

    /// Whether this statement reads the fields `listed` reads, and no row it does not: the
    /// same statement in any order, cut short by a LIMIT or an OFFSET within the rows `listed`
    /// reads (`LIMIT 200` asks for no more Retail Accounts than all of them), or held to the
    /// user's access by its WITH (see [`holds_to_the_user`]).
    pub(crate) fn reads_no_more_than(&self, listed: &Statement) -> bool {
        if self.fields != listed.fields
            || self.from != listed.from
            || self.filter != listed.filter
            || self.rest != listed.rest
            || !(self.mode == listed.mode || self.mode.as_deref().is_some_and(holds_to_the_user))
        {
            return false;
        }
        let start = |s: &Statement| s.offset.unwrap_or(0);
        let end = |s: &Statement| s.limit.map(|n| start(s).saturating_add(n));
        start(self) >= start(listed)
            && match (end(self), end(listed)) {
                (_, None) => true,
                (Some(mine), Some(theirs)) => mine <= theirs,
                (None, Some(_)) => false,
            }
    }
}

/// True for a WITH mode that holds a query to what the running user may read: `user_mode`
/// (their object and field access, their sharing) and `security_enforced` (refused when it
/// names a field they may not read). A query so held reads nothing the same query in another
/// mode, or in none, would not.
fn holds_to_the_user(mode: &str) -> bool {
    matches!(mode, "user_mode" | "security_enforced")
}

/// `q` with every field named through the queried object named alone: `Account.Name` in
/// `FROM Account` is `Name`.
fn unqualified(q: Query) -> Query {
    let from = q.from.clone();
    let path = |mut p: FieldPath| {
        if p.parts.len() > 1 && p.parts[0].eq_ignore_ascii_case(&from) {
            p.parts.remove(0);
        }
        p
    };
    let operand = |o: Operand| match o {
        Operand::Field(p) => Operand::Field(path(p)),
        other => other,
    };
    fn in_cond(c: Cond, operand: &dyn Fn(Operand) -> Operand) -> Cond {
        match c {
            Cond::And(parts) => Cond::And(parts.into_iter().map(|c| in_cond(c, operand)).collect()),
            Cond::Or(parts) => Cond::Or(parts.into_iter().map(|c| in_cond(c, operand)).collect()),
            Cond::Not(inner) => Cond::Not(Box::new(in_cond(*inner, operand))),
            Cond::Cmp { left, op, rhs, pos } => Cond::Cmp {
                left: operand(left),
                op,
                rhs,
                pos,
            },
        }
    }
    Query {
        select: q
            .select
            .into_iter()
            .map(|item| match item {
                SelectItem::Field(p) => SelectItem::Field(path(p)),
                SelectItem::AliasedField {
                    path: p,
                    alias,
                    alias_pos,
                } => SelectItem::AliasedField {
                    path: path(p),
                    alias,
                    alias_pos,
                },
                other => other,
            })
            .collect(),
        where_: q.where_.map(|c| in_cond(c, &operand)),
        group_by: q.group_by.into_iter().map(operand).collect(),
        order_by: q
            .order_by
            .into_iter()
            .map(|o| OrderItem {
                key: operand(o.key),
                ..o
            })
            .collect(),
        ..q
    }
}

/// True for a condition every record meets: `Id != null`, `Name != null`.
fn always_true(c: &Cond) -> bool {
    matches!(c, Cond::Cmp {
        left: Operand::Field(p),
        op: CmpOp::Ne,
        rhs: Rhs::One(Literal::Null),
        ..
    } if p.function.is_none()
        && p.parts.len() == 1
        && ["Id", "Name"].iter().any(|f| p.parts[0].eq_ignore_ascii_case(f)))
}

/// A filter without the AND-ed conditions every record meets; None when nothing else is left.
fn without_always_true(c: Cond) -> Option<Cond> {
    match c {
        Cond::And(parts) => {
            let mut kept: Vec<Cond> = parts.into_iter().filter(|p| !always_true(p)).collect();
            match kept.len() {
                0 => None,
                1 => kept.pop(),
                _ => Some(Cond::And(kept)),
            }
        }
        c if always_true(&c) => None,
        c => Some(c),
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
        Cond::Cmp {
            left,
            op: CmpOp::Like,
            rhs: Rhs::One(Literal::Str(text)),
            pos,
        } if !text.contains(['%', '_']) => Cond::Cmp {
            left,
            op: CmpOp::Eq,
            rhs: Rhs::One(Literal::Str(text)),
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
    fn a_qualified_name_a_plain_like_and_a_condition_every_row_meets_read_the_same() {
        for same in [
            "SELECT Account.Name FROM Account WHERE Account.Industry = 'Retail'",
            "SELECT Name FROM Account WHERE Industry LIKE 'Retail'",
            "SELECT Name FROM Account WHERE Industry = 'Retail' AND Name != null",
            "SELECT Name FROM Account WHERE Id != null AND Industry = 'Retail'",
            "SELECT Name FROM Account a WHERE a.Industry = 'Retail'",
        ] {
            assert_eq!(read(same), read(RETAIL), "{same}");
        }
        for other in [
            "SELECT Name FROM Account WHERE Industry LIKE 'Ret%'",
            "SELECT Name FROM Account WHERE Industry = 'Retail' OR Name != null",
            "SELECT Name FROM Account WHERE Industry = 'Retail' AND Phone != null",
            "SELECT Account.Name FROM Contact WHERE Account.Industry = 'Retail'",
        ] {
            assert_ne!(read(other), read(RETAIL), "{other}");
        }
    }

    #[test]
    fn a_limit_or_offset_reads_no_more_than_the_rows_without_it() {
        let retail = read(RETAIL);
        for fewer in [
            "SELECT Name FROM Account WHERE Industry = 'Retail' LIMIT 200",
            "SELECT Name FROM Account WHERE Industry = 'Retail' ORDER BY Name LIMIT 1 OFFSET 3",
        ] {
            assert!(read(fewer).reads_no_more_than(&retail), "{fewer}");
            assert!(!read(fewer).reads_the_same_rows(&retail), "{fewer}");
        }
        let ten = read("SELECT Name FROM Account WHERE Industry = 'Retail' LIMIT 10");
        assert!(!retail.reads_no_more_than(&ten));
        assert!(
            !read("SELECT Name FROM Account WHERE Industry = 'Retail' LIMIT 10 OFFSET 5")
                .reads_no_more_than(&ten)
        );
        assert!(!read("SELECT Name FROM Account LIMIT 10").reads_no_more_than(&retail));
    }

    #[test]
    fn a_query_held_to_the_users_access_reads_no_more_than_the_one_without() {
        let retail = read(RETAIL);
        for held in [
            "SELECT Name FROM Account WHERE Industry = 'Retail' WITH USER_MODE",
            "SELECT Name FROM Account WHERE Industry = 'Retail' WITH SECURITY_ENFORCED",
            "select name from account where industry = 'retail' with user_mode limit 200",
        ] {
            assert!(read(held).reads_no_more_than(&retail), "{held}");
            assert!(!read(held).reads_the_same_rows(&retail), "{held}");
        }
        let user_mode = read("SELECT Name FROM Account WHERE Industry = 'Retail' WITH USER_MODE");
        assert!(
            read("SELECT Name FROM Account WHERE Industry = 'Retail' WITH SECURITY_ENFORCED")
                .reads_no_more_than(&user_mode)
        );
        assert!(
            !retail.reads_no_more_than(&user_mode),
            "the listed mode left out"
        );
        for more in [
            "SELECT Name FROM Account WHERE Industry = 'Retail' WITH SYSTEM_MODE",
            "SELECT Name FROM Account WITH USER_MODE",
            "SELECT Name, Phone FROM Account WHERE Industry = 'Retail' WITH SECURITY_ENFORCED",
        ] {
            assert!(!read(more).reads_no_more_than(&retail), "{more}");
        }
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
