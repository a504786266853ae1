//! Rules a query must keep beyond its syntax, checked on the tree before planning: where
//! COUNT() may appear, where semi- and anti-joins may appear and which clauses their
//! subqueries may have, what a parent-to-child subquery may select and that each child
//! relationship is followed once, where a field may carry an alias, that HAVING comes with
//! groups, and that a FOR UPDATE query is not sorted.
//!
//! Each broken rule is MALFORMED_QUERY at the offending item, as real orgs reject these
//! queries; the planner adds the rules that need the schema (a semi-join's left operand must
//! be an Id or reference field, long text cannot be filtered or sorted).
//!
//! Implementation notes: texts marked [U] are worded in Salesforce's style; the real texts
//! were not captured.

use super::ast::*;
use super::error as qerr;
use crate::org::error::SfError;

/// Checks `q`, a whole query.
pub fn check(src: &str, q: &Query) -> Result<(), SfError> {
    check_select(src, q, false)?;
    if let (Some(ForClause::Update), Some(o)) = (q.for_clause, q.order_by.first()) {
        // [U] The rule is documented ("You can't use the ORDER BY clause in any SOQL query
        // that uses locking"); the real text was not captured.
        return Err(qerr::malformed(
            src,
            o.key.pos(),
            "ORDER BY cannot be used in a query that locks records with FOR UPDATE: remove the ORDER BY, or sort the records after the query",
        ));
    }
    if let Some(w) = &q.where_ {
        check_joins(src, w, &q.from, false)?;
        let mut joins = Vec::new();
        all_joins(w, &mut joins);
        if let Some(third) = joins.get(MAX_JOINS) {
            // [U] The SOQL reference allows two; the real text was not captured.
            return Err(qerr::malformed(
                src,
                *third,
                "A WHERE clause may have at most 2 semi join or anti join sub-selects",
            ));
        }
    }
    Ok(())
}

/// Semi- and anti-joins one WHERE clause may hold (SOQL reference, semi-join considerations).
const MAX_JOINS: usize = 2;

/// The positions of the semi- and anti-joins in `c`, in order (none are nested: see
/// [`check_joins`]).
fn all_joins(c: &Cond, out: &mut Vec<Pos>) {
    match c {
        Cond::And(parts) | Cond::Or(parts) => parts.iter().for_each(|p| all_joins(p, out)),
        Cond::Not(inner) => all_joins(inner, out),
        Cond::Cmp {
            rhs: Rhs::Subquery(_),
            pos,
            ..
        } => out.push(*pos),
        Cond::Cmp { .. } => {}
    }
}

fn is_count_star(item: &SelectItem) -> Option<Pos> {
    match item {
        SelectItem::Aggregate {
            agg:
                Aggregate {
                    func: AggFunc::Count,
                    arg: None,
                    pos,
                },
            ..
        } => Some(*pos),
        _ => None,
    }
}

/// The SELECT list of a query (`child`: a parent-to-child subquery) and its subqueries.
fn check_select(src: &str, q: &Query, child: bool) -> Result<(), SfError> {
    let bad = |pos: Pos, text: &str| Err(qerr::malformed(src, pos, text));
    let aggregate = q.select.iter().find_map(|s| match s {
        SelectItem::Aggregate { agg, .. } => Some(agg.pos),
        _ => None,
    });
    if child {
        if let Some(pos) = aggregate {
            // [U]
            return bad(
                pos,
                "Aggregate functions are not supported in a parent-to-child relationship subquery",
            );
        }
        if let Some(g) = q.group_by.first() {
            // [U]
            return bad(
                g.pos(),
                "GROUP BY is not supported in a parent-to-child relationship subquery",
            );
        }
        let date_function = q.select.iter().find_map(|s| match s {
            SelectItem::DateFunction { func, .. } => Some(func.pos),
            _ => None,
        });
        if let Some(pos) = date_function {
            // [U] They need GROUP BY, which a child subquery cannot have.
            return bad(
                pos,
                "Date functions are not supported in the SELECT list of a parent-to-child relationship subquery",
            );
        }
    }
    if let Some(pos) = q.select.iter().find_map(is_count_star) {
        if q.select.len() > 1 {
            // [U]
            return bad(pos, "COUNT() must be the only element in the SELECT list");
        }
        if let Some(g) = q.group_by.first() {
            // [U] Since API v19.0 COUNT() and GROUP BY cannot be used together.
            return bad(
                g.pos(),
                "COUNT() cannot be used with GROUP BY: select COUNT(Id) to count the rows of each group",
            );
        }
        if let Some(o) = q.order_by.first() {
            // [U]
            return bad(o.key.pos(), "ORDER BY cannot be used with COUNT()");
        }
    }
    let grouped = aggregate.is_some() || !q.group_by.is_empty();
    if grouped {
        if let Some((pos, name)) = repeated_column_name(&q.select) {
            // [U] The text follows what orgs are reported to answer.
            return bad(pos, &format!("duplicate alias: {name}"));
        }
    }
    if let Some(sub) = repeated_child_relationship(&q.select) {
        // [U] The text real orgs are believed to answer; not verified against one.
        return bad(
            sub.from_pos,
            &format!(
                "Cannot follow the same aggregate relationship twice: {}",
                sub.from
            ),
        );
    }
    for item in &q.select {
        match item {
            SelectItem::AliasedField {
                path, alias_pos, ..
            } if !grouped && path.function.is_none() => {
                return bad(*alias_pos, "Only aggregate expressions use field aliasing");
            }
            SelectItem::Subquery(sub) => {
                check_select(src, sub, true)?;
                if sub.offset.is_some() && q.limit != Some(1) {
                    // [U] The SOQL reference: OFFSET in a parent-to-child subquery only when
                    // the outer query has LIMIT 1.
                    return bad(
                        sub.from_pos,
                        "OFFSET is allowed in a parent-to-child relationship subquery only when the outer query has LIMIT 1",
                    );
                }
                if let Some(w) = &sub.where_ {
                    check_joins(src, w, &sub.from, false)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The first parent-to-child subquery whose relationship an earlier one already follows
/// (names compare ignoring case, as relationship names do).
fn repeated_child_relationship(select: &[SelectItem]) -> Option<&Query> {
    let subs: Vec<&Query> = select
        .iter()
        .filter_map(|s| match s {
            SelectItem::Subquery(q) => Some(q.as_ref()),
            _ => None,
        })
        .collect();
    subs.iter().enumerate().find_map(|(i, sub)| {
        subs[..i]
            .iter()
            .any(|earlier| earlier.from.eq_ignore_ascii_case(&sub.from))
            .then_some(*sub)
    })
}

/// The first column of an aggregate query whose name another column already has (names
/// compare ignoring case): an alias, a grouped field's own name, or the `exprN` an unaliased
/// aggregate or date function is given. Each row is a JSON object, so a repeated name would
/// silently lose a column.
fn repeated_column_name(select: &[SelectItem]) -> Option<(Pos, String)> {
    // (name, whether it is an unaliased field's own name): two unaliased fields may share a
    // last name (`Account.Name, Owner.Name`) [U]; only an alias or an `exprN` clashes.
    let mut seen: Vec<(String, bool)> = Vec::new();
    let mut unnamed = 0;
    let mut expr = || {
        let name = format!("expr{unnamed}");
        unnamed += 1;
        name
    };
    for item in select {
        let plain = matches!(item, SelectItem::Field(_));
        let (name, pos) = match item {
            SelectItem::Field(p) => (p.parts.last().cloned().unwrap_or_default(), p.pos),
            SelectItem::AliasedField {
                alias, alias_pos, ..
            } => (alias.clone(), *alias_pos),
            SelectItem::Aggregate { agg, alias } => {
                (alias.clone().unwrap_or_else(&mut expr), agg.pos)
            }
            SelectItem::DateFunction { func, alias } => {
                (alias.clone().unwrap_or_else(&mut expr), func.pos)
            }
            _ => continue,
        };
        if seen
            .iter()
            .any(|(s, was_plain)| s.eq_ignore_ascii_case(&name) && !(plain && *was_plain))
        {
            return Some((pos, name));
        }
        seen.push((name, plain));
    }
    None
}

/// The first semi- or anti-join in `c`: its position and whether it is an anti-join.
fn first_join(c: &Cond) -> Option<(Pos, bool)> {
    match c {
        Cond::And(parts) | Cond::Or(parts) => parts.iter().find_map(first_join),
        Cond::Not(inner) => first_join(inner),
        Cond::Cmp {
            op,
            rhs: Rhs::Subquery(_),
            pos,
            ..
        } => Some((*pos, *op == CmpOp::NotIn)),
        Cond::Cmp { .. } => None,
    }
}

/// Semi-/anti-joins in a WHERE condition of a query on `outer`: none under OR, none inside
/// another one's WHERE (`nested`: `c` is the WHERE of a semi-join's subquery), none on the
/// outer query's own object, none with OFFSET.
fn check_joins(src: &str, c: &Cond, outer: &str, nested: bool) -> Result<(), SfError> {
    match c {
        Cond::Or(parts) => {
            if let Some((pos, anti)) = parts.iter().find_map(first_join) {
                let kind = if anti { "Anti" } else { "Semi" };
                return Err(qerr::malformed(
                    src,
                    pos,
                    &format!("{kind} join sub-selects are not allowed with the 'OR' operator"),
                ));
            }
            Ok(())
        }
        Cond::And(parts) => parts
            .iter()
            .try_for_each(|p| check_joins(src, p, outer, nested)),
        Cond::Not(inner) => check_joins(src, inner, outer, nested),
        Cond::Cmp {
            rhs: Rhs::Subquery(sub),
            pos,
            ..
        } => {
            if nested {
                // [U]
                return Err(qerr::malformed(
                    src,
                    *pos,
                    "Nesting of semi join sub-selects is not supported",
                ));
            }
            if sub.from.eq_ignore_ascii_case(outer) {
                // The text real orgs are widely reported to answer.
                return Err(qerr::malformed(
                    src,
                    sub.from_pos,
                    "The inner and outer selects should not be on the same object type",
                ));
            }
            if sub.offset.is_some() {
                // [U] The SOQL reference: OFFSET is not allowed in a semi-join's subquery.
                return Err(qerr::malformed(
                    src,
                    sub.from_pos,
                    "OFFSET is not allowed in a semi join or anti join sub-select",
                ));
            }
            check_join_clauses(src, sub)?;
            match &sub.where_ {
                Some(w) => check_joins(src, w, &sub.from, true),
                None => Ok(()),
            }
        }
        Cond::Cmp { .. } => Ok(()),
    }
}

/// The clauses a semi- or anti-join's subquery cannot have: the SOQL reference lists COUNT,
/// FOR UPDATE, ORDER BY and LIMIT; grouping (GROUP BY, HAVING, other aggregate functions)
/// cannot give the one column of ids the join compares with either.
fn check_join_clauses(src: &str, sub: &Query) -> Result<(), SfError> {
    // [U] Every text here is worded in Salesforce's style; the real texts were not captured.
    let refuse = |pos: Pos, what: &str, remedy: &str| {
        Err(qerr::malformed(
            src,
            pos,
            &format!("{what} is not supported in a semi join or anti join sub-select: {remedy}"),
        ))
    };
    let select_ids = "select only the Id or reference field to compare with";
    let aggregate = sub.select.iter().find_map(|s| match s {
        SelectItem::Aggregate { agg, .. } => Some(agg),
        _ => None,
    });
    if let Some(agg) = aggregate {
        let what = match agg.func {
            AggFunc::Count => "COUNT",
            _ => "An aggregate function",
        };
        return refuse(agg.pos, what, select_ids);
    }
    // A clause is pointed at where its keyword stands in the sub-select.
    let clause = |keyword: &str, what: &str, near: Pos| {
        let at = clause_pos(src, sub.from_pos, keyword).unwrap_or(near);
        refuse(
            at,
            what,
            &format!("remove the {what} clause from the sub-select"),
        )
    };
    if let Some(g) = sub.group_by.first() {
        return clause("GROUP", "GROUP BY", g.pos());
    }
    // A HAVING stands only after a GROUP BY (the parser sees to it), so GROUP BY answers first.
    if let Some(o) = sub.order_by.first() {
        return clause("ORDER", "ORDER BY", o.key.pos());
    }
    if sub.limit.is_some() {
        return clause("LIMIT", "LIMIT", sub.from_pos);
    }
    match sub.for_clause {
        Some(ForClause::Update) => clause("FOR", "FOR UPDATE", sub.from_pos),
        Some(ForClause::View) => clause("FOR", "FOR VIEW", sub.from_pos),
        Some(ForClause::Reference) => clause("FOR", "FOR REFERENCE", sub.from_pos),
        None => Ok(()),
    }
}

/// Where the sub-select whose object stands at `from` writes `keyword` at its own level (not
/// inside parentheses of its WHERE), before the parenthesis that closes it.
fn clause_pos(src: &str, from: Pos, keyword: &str) -> Option<Pos> {
    use super::lexer::{lex, Tok};
    let tokens = lex(src).ok()?;
    let mut depth = 0u32;
    for t in tokens
        .iter()
        .skip_while(|t| (t.pos.row, t.pos.col) <= (from.row, from.col))
    {
        match &t.tok {
            Tok::LParen => depth += 1,
            Tok::RParen if depth == 0 => return None,
            Tok::RParen => depth -= 1,
            Tok::Ident(w) if depth == 0 && w.eq_ignore_ascii_case(keyword) => return Some(t.pos),
            _ => {}
        }
    }
    None
}
