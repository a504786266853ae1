//! TYPEOF on a polymorphic lookup: planning the branches against the schema and rendering the
//! record the lookup points at with the fields of its type's branch.
//!
//! ```text
//! SELECT Subject, TYPEOF What WHEN Account THEN Phone ELSE Name END FROM Task
//! → {"Subject": "A call", "What": {"attributes": {"type": "Account", "url": …}, "Phone": …}}
//! ```
//!
//! Unlike `What.Name`, whose record is of the `Name` entity, a TYPEOF record carries its real
//! type in `attributes`. The ELSE fields are Name-entity fields ([`super::polymorphic`]); the
//! WHEN fields are the object's own, parent paths through it included (`Owner.Name`).
//!
//! Implementation notes: a record whose type has no WHEN and the query no ELSE comes back as
//! its `attributes` alone [U: real orgs' output for this case was not captured]. An empty
//! lookup is null, as for any parent. Error texts marked [U] are worded in Salesforce's style.

use super::ast::{FieldPath, Pos, TypeOf};
use super::error as qerr;
use super::eval::{attributes, put_field};
use super::polymorphic;
use super::resolve::{resolve_path, FieldRef, Reads};
use crate::org::error::SfError;
use crate::org::record::Record;
use crate::org::store::Store;
use crate::org::value::Value;
use serde_json::{Map, Value as Json};

/// [U] TYPEOF in a parent-to-child or semi-join subquery.
pub const IN_SUBQUERY: &str = "TYPEOF cannot be used in a subquery";
/// [U] TYPEOF in a query with aggregates or GROUP BY.
pub const IN_AGGREGATE: &str = "TYPEOF cannot be used in an aggregate query";

/// One WHEN branch: the object it names and the fields selected for its records.
#[derive(Debug, Clone)]
pub struct TypeOfBranch {
    pub obj: usize,
    pub fields: Vec<FieldRef>,
}

/// A checked TYPEOF column.
#[derive(Debug, Clone)]
pub struct TypeOfPlan {
    /// The relationship name as the schema spells it (`What`).
    pub rel_name: String,
    /// The lookup field on the queried object (`WhatId`), by index and name.
    pub field: usize,
    pub field_name: String,
    pub custom: bool,
    pub branches: Vec<TypeOfBranch>,
    /// Name-entity fields for records of a type no WHEN names.
    pub else_: Option<Vec<FieldRef>>,
}

impl TypeOfPlan {
    /// Every field the column may return, branch by branch, ELSE last.
    pub fn all_fields(&self) -> impl Iterator<Item = &FieldRef> {
        self.branches
            .iter()
            .flat_map(|b| &b.fields)
            .chain(self.else_.iter().flatten())
    }
}

/// Checks `t`, a TYPEOF selected from object `base`.
pub fn plan(store: &Store, src: &str, base: usize, t: &TypeOf) -> Result<TypeOfPlan, SfError> {
    let obj = store.object(base);
    let field = obj
        .field_by_relationship(&t.rel)
        .ok_or_else(|| qerr::bad_relationship(src, t.rel_pos, &t.rel))?;
    let def = &obj.fields[field];
    let rel_name = def.relationship_name.clone().unwrap_or(t.rel.clone());
    if def.reference_to.len() < 2 {
        let queue_owned = def.name == "OwnerId"
            && crate::org::standard_objects::OWNER_MAY_BE_A_QUEUE.contains(&obj.name.as_str());
        let points_at = if queue_owned {
            // A real org's owner here may also be a queue; this org has no queues to model it.
            format!(
                "this org models {rel_name} on {} as pointing at {} only (in a real org it may also be a queue)",
                obj.name,
                def.reference_to.join(", ")
            )
        } else {
            format!(
                "{rel_name} always points at {}",
                def.reference_to.join(", ")
            )
        };
        // [U]
        return Err(qerr::malformed(
            src,
            t.rel_pos,
            &format!(
                "TYPEOF can only be used on a polymorphic relationship: {points_at}; select {rel_name}.Name and the like instead"
            ),
        ));
    }
    let mut branches: Vec<TypeOfBranch> = Vec::new();
    for w in &t.whens {
        let target = def
            .reference_to
            .iter()
            .find(|o| o.eq_ignore_ascii_case(&w.object))
            .and_then(|o| store.schema().object_index(o));
        let Some(target) = target else {
            // [U]
            return Err(qerr::malformed(
                src,
                w.object_pos,
                &format!(
                    "{rel_name} cannot point at a {}: WHEN takes one of {}",
                    w.object,
                    def.reference_to.join(", ")
                ),
            ));
        };
        if branches.iter().any(|b| b.obj == target) {
            // [U]
            return Err(qerr::malformed(
                src,
                w.object_pos,
                &format!("duplicate WHEN {} in TYPEOF {rel_name}", w.object),
            ));
        }
        let fields = unique(src, &w.fields, |p| resolve_path(store, src, target, p))?;
        branches.push(TypeOfBranch {
            obj: target,
            fields,
        });
    }
    let first = store
        .schema()
        .object_index(&def.reference_to[0])
        .unwrap_or(base);
    let else_ = match &t.else_ {
        Some(paths) => Some(unique(src, paths, |p| {
            name_entity_field(store, src, first, p)
        })?),
        None => None,
    };
    Ok(TypeOfPlan {
        rel_name,
        field,
        field_name: def.name.clone(),
        custom: def.custom,
        branches,
        else_,
    })
}

/// The lookups a SELECT list goes through, by TYPEOF and by field paths, so that one
/// referenced both ways is refused: SOQL's TYPEOF cannot reference a relationship field also
/// referenced elsewhere in the SELECT list (both would answer under one key, `What`).
#[derive(Debug, Default)]
pub struct Through {
    /// Each TYPEOF's lookup field (on the queried object) and its relationship name.
    type_ofs: Vec<(usize, String)>,
    /// Each selected path's first lookup field, with the path as written and where.
    paths: Vec<(usize, String, Pos)>,
}

impl Through {
    /// Notes a selected field path (`What.Name`) that resolved to `f`.
    pub fn field(&mut self, f: &FieldRef, p: &FieldPath) {
        if let Some(hop) = f.hops.first() {
            self.paths.push((hop.field, p.dotted(), p.pos));
        }
    }

    /// Notes a planned TYPEOF.
    pub fn type_of(&mut self, plan: &TypeOfPlan) {
        self.type_ofs.push((plan.field, plan.rel_name.clone()));
    }

    /// MALFORMED_QUERY at the first path that goes through a lookup a TYPEOF selects.
    pub fn check(&self, src: &str) -> Result<(), SfError> {
        for (field, dotted, pos) in &self.paths {
            if let Some((_, rel)) = self.type_ofs.iter().find(|(f, _)| f == field) {
                // [U] The rule is documented; the real text was not captured.
                return Err(qerr::malformed(
                    src,
                    *pos,
                    &format!(
                        "{dotted} goes through {rel}, which TYPEOF {rel} also selects: a TYPEOF cannot reference a relationship field that is also referenced in the SELECT list. Select the field inside the TYPEOF (WHEN … THEN or ELSE) instead"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Resolves each path, refusing one selected twice.
fn unique(
    src: &str,
    paths: &[FieldPath],
    resolve: impl Fn(&FieldPath) -> Result<FieldRef, SfError>,
) -> Result<Vec<FieldRef>, SfError> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for p in paths {
        let key = p.dotted().to_ascii_lowercase();
        if seen.contains(&key) {
            return Err(duplicate(src, p.pos, &p.dotted()));
        }
        seen.push(key);
        out.push(resolve(p)?);
    }
    Ok(out)
}

fn duplicate(src: &str, pos: Pos, name: &str) -> SfError {
    qerr::malformed(src, pos, &format!("duplicate field selected: {name}"))
}

/// An ELSE field: a field of the Name entity, read from whatever record the lookup reaches
/// (`first` is the lookup's first target, where a stored field of that name is looked up).
fn name_entity_field(
    store: &Store,
    src: &str,
    first: usize,
    p: &FieldPath,
) -> Result<FieldRef, SfError> {
    if p.parts.len() > 1 {
        // The Name entity has no relationships sflab models.
        return Err(qerr::bad_relationship(src, p.pos, &p.parts[0]));
    }
    let Some((name, ftype)) = polymorphic::name_field(&p.parts[0]) else {
        return Err(qerr::no_such_column(
            src,
            p.pos,
            &p.parts[0],
            polymorphic::ENTITY,
        ));
    };
    Ok(FieldRef {
        hops: Vec::new(),
        obj: first,
        field: store.object(first).field_index(name).unwrap_or(0),
        name: name.to_string(),
        ftype,
        reads: if name == "Type" {
            Reads::sobject_type(store)
        } else {
            Reads::NameField
        },
    })
}

/// Puts the TYPEOF column of `rec` (a record of `base`) into `row`: null for an empty lookup,
/// else the record reached with its real type and the fields of its branch (or the ELSE).
pub fn render(
    store: &Store,
    row: &mut Map<String, Json>,
    base: usize,
    rec: &Record,
    t: &TypeOfPlan,
    version: &str,
) {
    let idx = store
        .object(base)
        .field_index(&t.field_name)
        .unwrap_or(t.field);
    let reached = match rec.get(idx) {
        Some(Value::Id(id)) => store.record(id).map(|(pt, pr)| (pt, pr, *id)),
        _ => None,
    };
    let Some((pt, prec, id)) = reached else {
        row.insert(t.rel_name.clone(), Json::Null);
        return;
    };
    let fields = match t.branches.iter().find(|b| b.obj == pt) {
        Some(b) => b.fields.as_slice(),
        None => t.else_.as_deref().unwrap_or_default(),
    };
    let mut m = Map::new();
    m.insert(
        "attributes".into(),
        attributes(&store.object(pt).name, Some(id), version),
    );
    for f in fields {
        put_field(store, &mut m, pt, prec, f, 0, version);
    }
    row.insert(t.rel_name.clone(), Json::Object(m));
}
