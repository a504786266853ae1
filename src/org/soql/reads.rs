//! Every object a query reads: its FROM object, the parents its relationship paths reach
//! (`Account.Owner.Email` reads User), the children its subqueries select
//! (`(SELECT Email FROM Contacts)` reads Contact), the types a TYPEOF names (`WHEN Account`
//! reads Account), and the objects of semi-joins. A caller
//! that grants access object by object checks each of them, not only the FROM object, and
//! refuses one the user may not read with [`unreadable`].

use super::ast::{Cond, Operand, Pos, Query, Rhs, SelectItem};
use crate::org::error::SfError;
use crate::org::schema::Schema;

/// The objects `q` reads, by the schema's spelling, FROM object first, each once. Paths the
/// schema does not know are left out (running the query reports them).
pub fn objects_read(schema: &Schema, q: &Query) -> Vec<String> {
    let mut out = Vec::new();
    walk(schema, q, &q.from, &mut out);
    out
}

fn add(out: &mut Vec<String>, name: &str) {
    if !out.iter().any(|o| o.eq_ignore_ascii_case(name)) {
        out.push(name.to_string());
    }
}

/// The objects a dotted path passes through from `base` (all parts but the last are
/// relationships).
fn path(schema: &Schema, base: &str, parts: &[String], out: &mut Vec<String>) {
    let mut object = base.to_string();
    for rel in parts.iter().take(parts.len().saturating_sub(1)) {
        let Some(o) = schema.object(&object) else {
            return;
        };
        // A path may start with the object's own name (`Account.Name` FROM Account).
        if rel.eq_ignore_ascii_case(&o.name) && object == base {
            continue;
        }
        let Some(fi) = o.field_by_relationship(rel) else {
            return;
        };
        let Some(parent) = o.fields[fi].reference_to.first() else {
            return;
        };
        object = parent.clone();
        add(out, &object);
    }
}

fn cond(schema: &Schema, base: &str, c: &Cond, out: &mut Vec<String>) {
    match c {
        Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| cond(schema, base, c, out)),
        Cond::Not(c) => cond(schema, base, c, out),
        Cond::Cmp { left, rhs, .. } => {
            match left {
                Operand::Field(f) => path(schema, base, &f.parts, out),
                Operand::DateFunction(d) => path(schema, base, &d.arg.parts, out),
                Operand::Aggregate(_) => {}
            }
            if let Rhs::Subquery(sub) = rhs {
                walk(schema, sub, &sub.from, out);
            }
        }
    }
}

/// The refusal of query `src` because it reads `object`, which the running user may not read:
/// to them the object does not exist, so the query fails as it would for a name that does not.
/// Reached only through a child subquery (`(SELECT Name FROM Opportunities)`), that is
/// INVALID_TYPE "Didn't understand relationship 'Opportunities' in FROM part of query call…"
/// at the relationship's name, as for a misspelt relationship; otherwise INVALID_TYPE
/// "sObject type '…' is not supported…" at its name ([`super::unreadable_type`]), or, where
/// only a parent path reaches it (`Owner.Name` reads User), at that path, so the refusal
/// keeps the query line, caret and "ERROR at Row:1:Column:N" of every other query error.
/// Not verified against a real org [U]: the refusal of a parent path to an object the user
/// may not read (the code and text are the FROM object's).
pub fn unreadable(schema: &Schema, src: &str, object: &str) -> SfError {
    let Ok(q) = super::parse_query(src) else {
        return super::unreadable_type(src, object);
    };
    let Some(base) = schema.object(&q.from).map(|o| o.name.clone()) else {
        return super::unreadable_type(src, object);
    };
    if queried_by_name(schema, &q, object) {
        return super::unreadable_type(src, object);
    }
    if let Some((rel, pos)) = child_relationship_to(schema, &q, &base, object) {
        return super::error::bad_child_relationship(src, pos, &rel);
    }
    match parent_path_to(schema, &q, &base, object) {
        Some(pos) => {
            // The refusal's text alone: no query given to place it in.
            let text = super::unreadable_type("", object).message;
            super::error::located(crate::org::error::ErrorCode::INVALID_TYPE, src, pos, &text)
        }
        None => super::unreadable_type(src, object),
    }
}

/// Where the first field path of `q` (rows of `base`) that passes through `object` starts, in
/// its select list, WHERE, GROUP BY and ORDER BY.
fn parent_path_to(schema: &Schema, q: &Query, base: &str, object: &str) -> Option<Pos> {
    let reaches = |parts: &[String]| {
        let mut out = Vec::new();
        path(schema, base, parts, &mut out);
        out.iter().any(|o| o.eq_ignore_ascii_case(object))
    };
    let mut paths: Vec<&super::ast::FieldPath> = Vec::new();
    for item in &q.select {
        match item {
            SelectItem::Field(f) | SelectItem::AliasedField { path: f, .. } => paths.push(f),
            SelectItem::Aggregate { agg, .. } => paths.extend(agg.arg.as_ref()),
            SelectItem::DateFunction { func, .. } => paths.push(&func.arg),
            _ => {}
        }
    }
    if let Some(w) = &q.where_ {
        cond_paths(w, &mut paths);
    }
    for key in q.group_by.iter().chain(q.order_by.iter().map(|o| &o.key)) {
        operand_path(key, &mut paths);
    }
    paths.into_iter().find(|p| reaches(&p.parts)).map(|p| p.pos)
}

fn operand_path<'q>(o: &'q Operand, out: &mut Vec<&'q super::ast::FieldPath>) {
    match o {
        Operand::Field(f) => out.push(f),
        Operand::DateFunction(d) => out.push(&d.arg),
        Operand::Aggregate(a) => out.extend(a.arg.as_ref()),
    }
}

fn cond_paths<'q>(c: &'q Cond, out: &mut Vec<&'q super::ast::FieldPath>) {
    match c {
        Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| cond_paths(c, out)),
        Cond::Not(c) => cond_paths(c, out),
        Cond::Cmp { left, .. } => operand_path(left, out),
    }
}

/// Refuses query `src` when it names after FROM (its own, or a semi-join's) an entity the org
/// has but SOQL cannot query: a platform event or a change event, which describe lists with
/// `queryable: false`. `entity` gives such a name's own spelling (`OrderShipped__e`), or
/// `None` for any other name; names the schema knows are not asked about. The answer is
/// INVALID_TYPE "entity type OrderShipped__e does not support query" at the name [U: the text
/// as reported from real orgs; the row/column layout follows SOSL's "does not support search"].
/// A query that does not parse passes here (running it reports why).
pub fn refuse_unqueryable(
    schema: &Schema,
    src: &str,
    entity: impl Fn(&str) -> Option<String>,
) -> Result<(), SfError> {
    let Ok(q) = super::parse_query(src) else {
        return Ok(());
    };
    let mut froms = vec![&q];
    let mut at = 0;
    while let Some(query) = froms.get(at).copied() {
        if let Some(w) = &query.where_ {
            semi_joins(w, &mut froms);
        }
        at += 1;
    }
    for query in froms {
        if schema.object(&query.from).is_some() {
            continue;
        }
        if let Some(name) = entity(&query.from) {
            return Err(super::error::located(
                crate::org::error::ErrorCode::INVALID_TYPE,
                src,
                query.from_pos,
                &format!("entity type {name} does not support query"),
            ));
        }
    }
    Ok(())
}

/// The semi-join subqueries of condition `c`, into `out`.
fn semi_joins<'q>(c: &'q Cond, out: &mut Vec<&'q Query>) {
    match c {
        Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| semi_joins(c, out)),
        Cond::Not(c) => semi_joins(c, out),
        Cond::Cmp {
            rhs: Rhs::Subquery(sub),
            ..
        } => out.push(sub),
        Cond::Cmp { .. } => {}
    }
}

/// True when `q` or one of its semi-joins names `object` after FROM.
fn queried_by_name(schema: &Schema, q: &Query, object: &str) -> bool {
    let named = |from: &str| {
        schema
            .object(from)
            .is_some_and(|o| o.name.eq_ignore_ascii_case(object))
    };
    let mut subs = Vec::new();
    if let Some(w) = &q.where_ {
        semi_joins(w, &mut subs);
    }
    named(&q.from) || subs.iter().any(|s| queried_by_name(schema, s, object))
}

/// The first child subquery of `q` (rows of `base`), at any depth, whose relationship reaches
/// `object`: the relationship as written and where.
fn child_relationship_to(
    schema: &Schema,
    q: &Query,
    base: &str,
    object: &str,
) -> Option<(String, Pos)> {
    q.select.iter().find_map(|item| {
        let SelectItem::Subquery(sub) = item else {
            return None;
        };
        let child = schema
            .object(base)?
            .child_relationship(&sub.from)?
            .child_object
            .clone();
        if child.eq_ignore_ascii_case(object) {
            Some((sub.from.clone(), sub.from_pos))
        } else {
            child_relationship_to(schema, sub, &child, object)
        }
    })
}

/// Walks `q`, whose rows are records of `object`.
fn walk(schema: &Schema, q: &Query, object: &str, out: &mut Vec<String>) {
    let object = schema
        .object(object)
        .map_or(object.to_string(), |o| o.name.clone());
    add(out, &object);
    for item in &q.select {
        match item {
            SelectItem::Field(f) | SelectItem::AliasedField { path: f, .. } => {
                path(schema, &object, &f.parts, out)
            }
            SelectItem::Aggregate { agg, .. } => {
                if let Some(f) = &agg.arg {
                    path(schema, &object, &f.parts, out);
                }
            }
            SelectItem::DateFunction { func, .. } => path(schema, &object, &func.arg.parts, out),
            SelectItem::Subquery(sub) => {
                let child = schema
                    .object(&object)
                    .and_then(|o| o.child_relationship(&sub.from))
                    .map(|c| c.child_object.clone());
                if let Some(child) = child {
                    walk(schema, sub, &child, out);
                }
            }
            SelectItem::Fields { .. } => {}
            SelectItem::TypeOf(t) => {
                for w in &t.whens {
                    if let Some(o) = schema.object(&w.object) {
                        let target = o.name.clone();
                        add(out, &target);
                        for f in &w.fields {
                            path(schema, &target, &f.parts, out);
                        }
                    }
                }
            }
        }
    }
    if let Some(w) = &q.where_ {
        cond(schema, &object, w, out);
    }
    for key in q.group_by.iter().chain(q.order_by.iter().map(|o| &o.key)) {
        match key {
            Operand::Field(f) => path(schema, &object, &f.parts, out),
            Operand::DateFunction(d) => path(schema, &object, &d.arg.parts, out),
            Operand::Aggregate(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Org;

    fn read(soql: &str) -> Vec<String> {
        let org = Org::default_org();
        let store = org.store.read();
        let q = crate::org::soql::parse_query(soql).unwrap();
        objects_read(store.schema(), &q)
    }

    #[test]
    fn parents_children_and_semi_joins_are_all_read() {
        assert_eq!(read("SELECT Name FROM Account"), ["Account"]);
        assert_eq!(
            read("SELECT Name, (SELECT Email FROM Contacts) FROM Account"),
            ["Account", "Contact"]
        );
        assert_eq!(
            read("SELECT LastName, Account.Owner.Email FROM Contact"),
            ["Contact", "Account", "User"]
        );
        assert_eq!(
            read("SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity)"),
            ["Account", "Opportunity"]
        );
        assert_eq!(read("SELECT Account.Name FROM Account"), ["Account"]);
    }

    #[test]
    fn an_unreadable_child_reads_as_a_relationship_that_does_not_exist() {
        use crate::org::ErrorCode;
        let org = Org::default_org();
        let store = org.store.read();
        let src = "SELECT Name, (SELECT Name FROM Opportunities) FROM Account";
        let e = unreadable(store.schema(), src, "Opportunity");
        assert_eq!(e.code, ErrorCode::INVALID_TYPE);
        assert!(
            e.message.starts_with(&format!(
                "\n{src}\n{}^\nERROR at Row:1:Column:32\nDidn't understand relationship 'Opportunities' in FROM part of query call."
            , " ".repeat(31))),
            "{}",
            e.message
        );
        let src = "SELECT COUNT() FROM Opportunity";
        let e = unreadable(store.schema(), src, "Opportunity");
        assert_eq!(e.code, ErrorCode::INVALID_TYPE);
        assert!(
            e.message
                .contains("Column:21\nsObject type 'Opportunity' is not supported."),
            "{}",
            e.message
        );
        // Named after a semi-join's FROM too: the object itself is refused there.
        let src = "SELECT Name, (SELECT Name FROM Opportunities) FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity)";
        let e = unreadable(store.schema(), src, "Opportunity");
        assert!(
            e.message
                .contains("sObject type 'Opportunity' is not supported."),
            "{}",
            e.message
        );
    }

    #[test]
    fn an_unreadable_parent_is_refused_at_the_path_that_reaches_it() {
        use crate::org::ErrorCode;
        let org = Org::default_org();
        let store = org.store.read();
        let src = "SELECT Id, Name, Owner.Name FROM Account";
        let e = unreadable(store.schema(), src, "User");
        assert_eq!(e.code, ErrorCode::INVALID_TYPE);
        assert!(
            e.message.starts_with(&format!(
                "\n{src}\n{}^\nERROR at Row:1:Column:18\nsObject type 'User' is not supported.",
                " ".repeat(17)
            )),
            "{}",
            e.message
        );
        let src = "SELECT LastName FROM Contact WHERE Account.Industry = 'Energy'";
        let e = unreadable(store.schema(), src, "Account");
        assert!(
            e.message
                .contains("ERROR at Row:1:Column:36\nsObject type 'Account'"),
            "{}",
            e.message
        );
    }

    #[test]
    fn an_event_named_after_from_does_not_support_query() {
        use crate::org::ErrorCode;
        let org = Org::default_org();
        let store = org.store.read();
        let events = |name: &str| {
            ["OrderShipped__e", "AccountChangeEvent"]
                .into_iter()
                .find(|e| e.eq_ignore_ascii_case(name))
                .map(str::to_string)
        };
        let e = refuse_unqueryable(store.schema(), "SELECT Id FROM ordershipped__e", events)
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::INVALID_TYPE);
        assert!(
            e.message.ends_with(
                "ERROR at Row:1:Column:16\nentity type OrderShipped__e does not support query"
            ),
            "{}",
            e.message
        );
        let src = "SELECT Id FROM Account WHERE Id IN (SELECT Id FROM AccountChangeEvent)";
        let e = refuse_unqueryable(store.schema(), src, events).unwrap_err();
        assert!(
            e.message
                .ends_with("entity type AccountChangeEvent does not support query"),
            "{}",
            e.message
        );
        for fine in ["SELECT Id FROM Account", "SELECT Id FROM Nope__c", "SELECT"] {
            refuse_unqueryable(store.schema(), fine, events).unwrap();
        }
    }
}
