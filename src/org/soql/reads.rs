//! Every object a query reads: its FROM object, the parents its relationship paths reach
//! (`Account.Owner.Email` reads User), the children its subqueries select
//! (`(SELECT Email FROM Contacts)` reads Contact), the types a TYPEOF names (`WHEN Account`
//! reads Account), and the objects of semi-joins. A caller
//! that grants access object by object checks each of them, not only the FROM object.

use super::ast::{Cond, Operand, Query, Rhs, SelectItem};
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
}
