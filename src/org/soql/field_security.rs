//! Field-level security on a query: every field a query names — in its select list, WHERE,
//! GROUP BY, HAVING and ORDER BY, on parent paths, in child subqueries, TYPEOF branches and
//! semi-joins — checked against what the running user may read, and the columns `FIELDS()`
//! expands to narrowed to the fields they may read.
//!
//! ```text
//! let cursor = soql::open_cursor(&store, src, &opts)?;
//! let cursor = field_security::enforce(&store, src, cursor, &|object, field| …)?;
//! ```
//!
//! A field the user may not read does not exist for them in an API query: the query fails as
//! it fails for an unknown name, with the row and column of the name (INVALID_FIELD "No such
//! column 'Phone' on entity 'Account'…"; for a lookup they may not read, "Didn't understand
//! relationship…", as for a child relationship whose lookup they may not read). A query
//! `WITH SECURITY_ENFORCED` fails with INSUFFICIENT_ACCESS "Insufficient permissions: secure
//! query included inaccessible field" instead. `WITH USER_MODE` (and `SYSTEM_MODE`) fail as a
//! plain query does: an API query always runs as its user.
//!
//! Implementation notes: plans are kept for every user alike (see [`super::cache`]), so the
//! check runs on the syntax tree once the query is planned (names that do not resolve were
//! reported by planning), and a cursor's `FIELDS()` columns are narrowed on a copy of its plan.
//! Not verified against a real org [U]: the code and text of the SECURITY_ENFORCED refusal
//! over the API (they are those Apex's QueryException is reported to carry), SYSTEM_MODE over
//! the API, and that a relationship whose lookup field is hidden is not understood either way
//! (a parent path through it, a child subquery of it), as follows from the lookup not existing
//! for the user.

use super::ast::{Cond, FieldPath, Operand, Query, Rhs, SelectItem};
use super::error as qerr;
use super::plan::{ChildPlan, Column, Plan};
use super::resolve::{resolve_path, Reads};
use super::QueryCursor;
use crate::org::error::{ErrorCode, SfError};
use crate::org::schema::{FieldDef, ObjectDef};
use crate::org::store::Store;
use std::sync::Arc;

/// Whether the running user may read a field of an object.
pub type Readable<'r> = &'r dyn Fn(&ObjectDef, &FieldDef) -> bool;

/// The refusal of a `WITH SECURITY_ENFORCED` query that names a field the user may not read.
pub fn secure_query_refusal() -> SfError {
    SfError::new(
        ErrorCode::INSUFFICIENT_ACCESS,
        "Insufficient permissions: secure query included inaccessible field",
    )
}

/// Field-level security on `cursor`, opened over `src`: the refusal for the first field the
/// query names that the user may not read, else the cursor with `FIELDS()` narrowed to the
/// fields they may.
pub fn enforce(
    store: &Store,
    src: &str,
    cursor: QueryCursor,
    readable: Readable<'_>,
) -> Result<QueryCursor, SfError> {
    check(store, src, readable)?;
    Ok(narrow(store, cursor, readable))
}

/// The refusal for the first field `src` names that the user may not read, if any.
pub fn check(store: &Store, src: &str, readable: Readable<'_>) -> Result<(), SfError> {
    let q = super::cache::parsed(src, super::parse_query)?;
    check_parsed(store, src, &q, readable)
}

/// [`check`] for a query already parsed out of `src`: a SOSL statement's RETURNING specs,
/// whose positions are in the statement's text.
pub fn check_parsed(
    store: &Store,
    src: &str,
    q: &Query,
    readable: Readable<'_>,
) -> Result<(), SfError> {
    let Some(base) = store.schema().object_index(&q.from) else {
        return Ok(());
    };
    let check = Check {
        store,
        src,
        readable,
        secure: q
            .with
            .as_deref()
            .is_some_and(|w| w.eq_ignore_ascii_case("SECURITY_ENFORCED")),
    };
    check.query(q, base)
}

/// `cursor` with the columns `FIELDS()` expanded to narrowed to the fields the user may read
/// (fields named one by one were checked by [`check`]).
pub fn narrow(store: &Store, mut cursor: QueryCursor, readable: Readable<'_>) -> QueryCursor {
    if let Some(plan) = narrowed(store, &cursor.plan, readable) {
        cursor.plan = Arc::new(plan);
    }
    cursor
}

/// A copy of `plan` without the columns of the queried object's own fields the user may not
/// read, child subqueries' included; `None` when it has none.
fn narrowed(store: &Store, plan: &Plan, readable: Readable<'_>) -> Option<Plan> {
    let mut changed = false;
    let columns = plan
        .columns
        .iter()
        .filter_map(|c| match c {
            Column::Field(f) if f.hops.is_empty() && f.reads == Reads::Stored => {
                let object = store.object(f.obj);
                let shown = readable(object, &object.fields[f.field]);
                changed |= !shown;
                shown.then(|| c.clone())
            }
            Column::Child(child) => match narrowed(store, &child.plan, readable) {
                Some(plan) => {
                    changed = true;
                    Some(Column::Child(Box::new(ChildPlan {
                        rel_name: child.rel_name.clone(),
                        lookup_field: child.lookup_field,
                        plan,
                    })))
                }
                None => Some(c.clone()),
            },
            c => Some(c.clone()),
        })
        .collect();
    changed.then(|| Plan {
        columns,
        ..plan.clone()
    })
}

/// One query's check: the store, its text, and what the user may read.
struct Check<'a> {
    store: &'a Store,
    src: &'a str,
    readable: Readable<'a>,
    /// `WITH SECURITY_ENFORCED`: an unreadable field refuses the query as insufficient access.
    secure: bool,
}

impl Check<'_> {
    fn hidden(&self, obj: usize, field: usize) -> bool {
        let object = self.store.object(obj);
        object
            .fields
            .get(field)
            .is_some_and(|f| !(self.readable)(object, f))
    }

    /// `e`, or the SECURITY_ENFORCED refusal in a secure query.
    fn refuse(&self, e: SfError) -> Result<(), SfError> {
        Err(if self.secure {
            secure_query_refusal()
        } else {
            e
        })
    }

    /// The lookups `p` follows from `base` and the field it ends at.
    fn path(&self, base: usize, p: &FieldPath) -> Result<(), SfError> {
        let Ok(f) = resolve_path(self.store, self.src, base, p) else {
            return Ok(());
        };
        // The path as resolved: one part per lookup, then the field (a leading name of the
        // queried object itself is left out).
        let written = &p.parts[p.parts.len() - f.hops.len() - 1..];
        for (hop, rel) in f.hops.iter().zip(written) {
            if self.hidden(hop.from_obj, hop.field) {
                return self.refuse(qerr::bad_relationship(self.src, p.pos, rel));
            }
        }
        if f.reads == Reads::Stored && self.hidden(f.obj, f.field) {
            let column = written.last().map_or(f.name.as_str(), String::as_str);
            let entity = &self.store.object(f.obj).name;
            return self.refuse(qerr::no_such_column(self.src, p.pos, column, entity));
        }
        Ok(())
    }

    fn operand(&self, base: usize, o: &Operand) -> Result<(), SfError> {
        match o {
            Operand::Field(p) => self.path(base, p),
            Operand::Aggregate(a) => a.arg.as_ref().map_or(Ok(()), |p| self.path(base, p)),
            Operand::DateFunction(d) => self.path(base, &d.arg),
        }
    }

    fn cond(&self, base: usize, c: &Cond) -> Result<(), SfError> {
        match c {
            Cond::And(cs) | Cond::Or(cs) => cs.iter().try_for_each(|c| self.cond(base, c)),
            Cond::Not(c) => self.cond(base, c),
            Cond::Cmp { left, rhs, .. } => {
                self.operand(base, left)?;
                match rhs {
                    Rhs::Subquery(sub) => match self.store.schema().object_index(&sub.from) {
                        Some(object) => self.query(sub, object),
                        None => Ok(()),
                    },
                    _ => Ok(()),
                }
            }
        }
    }

    /// A child subquery of a query over `base`: its relationship's lookup, then its fields.
    fn child(&self, base: usize, sub: &Query) -> Result<(), SfError> {
        let Some(rel) = self.store.object(base).child_relationship(&sub.from) else {
            return Ok(());
        };
        let Some(child) = self.store.schema().object_index(&rel.child_object) else {
            return Ok(());
        };
        let lookup = self.store.object(child).field_index(&rel.field);
        if lookup.is_some_and(|f| self.hidden(child, f)) {
            return self.refuse(qerr::bad_child_relationship(
                self.src,
                sub.from_pos,
                &sub.from,
            ));
        }
        self.query(sub, child)
    }

    /// Query `q`, whose rows are records of `base`, in the order its clauses are written.
    fn query(&self, q: &Query, base: usize) -> Result<(), SfError> {
        for item in &q.select {
            match item {
                SelectItem::Field(p) | SelectItem::AliasedField { path: p, .. } => {
                    self.path(base, p)?
                }
                SelectItem::Aggregate { agg, .. } => {
                    if let Some(p) = &agg.arg {
                        self.path(base, p)?;
                    }
                }
                SelectItem::DateFunction { func, .. } => self.path(base, &func.arg)?,
                SelectItem::Subquery(sub) => self.child(base, sub)?,
                SelectItem::Fields { .. } => {}
                SelectItem::TypeOf(t) => {
                    let object = self.store.object(base);
                    if let Some(f) = object.field_by_relationship(&t.rel) {
                        if self.hidden(base, f) {
                            return self
                                .refuse(qerr::bad_relationship(self.src, t.rel_pos, &t.rel));
                        }
                    }
                    for w in &t.whens {
                        if let Some(target) = self.store.schema().object_index(&w.object) {
                            w.fields.iter().try_for_each(|p| self.path(target, p))?;
                        }
                    }
                }
            }
        }
        if let Some(w) = &q.where_ {
            self.cond(base, w)?;
        }
        for key in &q.group_by {
            self.operand(base, key)?;
        }
        if let Some(h) = &q.having {
            self.cond(base, h)?;
        }
        for o in &q.order_by {
            self.operand(base, &o.key)?;
        }
        Ok(())
    }
}
