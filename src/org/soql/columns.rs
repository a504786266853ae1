//! Column metadata for `GET /query?q=…&columns=true`, the call `sf data query` makes to learn
//! the shape of the result: one entry per column, parents with their `joinColumns`, child
//! subqueries as aggregate columns, a TYPEOF as its relationship joining every field a branch
//! may return, aggregates named `expr0`… with `avg(Amount)` display names.

use super::date_functions::Key;
use super::plan::{Column, Plan};
use super::resolve::FieldRef;
use crate::org::schema::{FieldType, SystemField};
use crate::org::store::Store;
use serde_json::{json, Map, Value as Json};

fn apex_type(t: FieldType) -> &'static str {
    match t {
        FieldType::Id | FieldType::Reference => "Id",
        FieldType::Boolean => "Boolean",
        FieldType::Int => "Integer",
        FieldType::Double | FieldType::Currency | FieldType::Percent => "Double",
        FieldType::Date => "Date",
        FieldType::DateTime => "Datetime",
        _ => "String",
    }
}

/// One `columnMetadata` entry before it becomes JSON.
#[derive(Default)]
struct Entry<'a> {
    name: &'a str,
    display: &'a str,
    apex: Option<&'a str>,
    field_type: Option<FieldType>,
    custom: bool,
    insertable: bool,
    updatable: bool,
    aggregate: bool,
    foreign_key: Option<&'a str>,
    joins: Vec<Json>,
}

impl Entry<'_> {
    fn json(self) -> Json {
        let t = self.field_type;
        json!({
            "aggregate": self.aggregate,
            "apexType": self.apex,
            "booleanType": t == Some(FieldType::Boolean),
            "columnName": self.name,
            "custom": self.custom,
            "displayName": self.display,
            "foreignKeyName": self.foreign_key,
            "insertable": self.insertable,
            "joinColumns": self.joins,
            "numberType": t.is_some_and(FieldType::is_numeric),
            "textType": t.is_some_and(FieldType::is_text),
            "updatable": self.updatable,
        })
    }
}

fn field_entry(store: &Store, f: &FieldRef) -> Json {
    if f.reads != super::resolve::Reads::Stored {
        // A Name-entity field behind a polymorphic lookup: read-only, never custom.
        return Entry {
            name: &f.name,
            display: &f.name,
            apex: Some(apex_type(f.ftype)),
            field_type: Some(f.ftype),
            ..Entry::default()
        }
        .json();
    }
    let d = f.def(store);
    Entry {
        name: &d.name,
        display: &d.name,
        apex: Some(apex_type(d.field_type)),
        field_type: Some(d.field_type),
        custom: d.custom,
        insertable: d.createable,
        updatable: d.updateable,
        ..Entry::default()
    }
    .json()
}

/// Adds a (possibly parent) field to a column list, nesting parents under `joinColumns`.
fn add(store: &Store, cols: &mut Vec<Json>, f: &FieldRef, hop: usize) {
    if hop == f.hops.len() {
        cols.push(field_entry(store, f));
        return;
    }
    let h = &f.hops[hop];
    let pos = cols.iter().position(|c| {
        c["columnName"] == h.rel_name.as_str()
            && !c["joinColumns"].as_array().is_none_or(Vec::is_empty)
    });
    let i = match pos {
        Some(i) => i,
        None => {
            let custom = store.object(h.from_obj).fields[h.field].custom;
            cols.push(
                Entry {
                    name: &h.rel_name,
                    display: &h.rel_name,
                    custom,
                    foreign_key: Some(&h.field_name),
                    ..Entry::default()
                }
                .json(),
            );
            cols.len() - 1
        }
    };
    if let Some(Json::Array(joins)) = cols[i].get_mut("joinColumns") {
        add(store, joins, f, hop + 1);
    }
}

fn columns_of(store: &Store, plan: &Plan) -> Vec<Json> {
    let mut cols = Vec::new();
    if let Some(agg) = &plan.agg {
        for out in &agg.outputs {
            match &out.group {
                Some(Key::DateFn(d)) => {
                    // [U] A date function's column, like an aggregate's: named expr0… or by
                    // its alias, displayed as written.
                    let mut e = Entry {
                        name: &out.name,
                        display: &d.display,
                        aggregate: true,
                        ..Entry::default()
                    }
                    .json();
                    e["numberType"] = json!(d.func.result_type().is_numeric());
                    cols.push(e);
                }
                Some(Key::Field(f)) => {
                    add(store, &mut cols, f, 0);
                    if f.hops.is_empty() && out.name != f.name {
                        // An alias on a grouped field names its column.
                        if let Some(last) = cols.last_mut() {
                            last["columnName"] = json!(out.name);
                        }
                    }
                }
                None => {
                    let spec = &agg.aggs[out.slot - agg.keys.len()];
                    let numeric = !matches!(&spec.arg, Some(f) if !f.ftype.is_numeric() && matches!(spec.func, super::ast::AggFunc::Min | super::ast::AggFunc::Max));
                    let mut e = Entry {
                        name: &out.name,
                        display: &spec.display,
                        aggregate: true,
                        ..Entry::default()
                    }
                    .json();
                    e["numberType"] = json!(numeric);
                    cols.push(e);
                }
            }
        }
        return cols;
    }
    for c in &plan.columns {
        match c {
            Column::Field(f) => add(store, &mut cols, f, 0),
            Column::TypeOf(t) => {
                // One join column per field any branch (or the ELSE) may return.
                let mut joins = Vec::new();
                for f in t.all_fields() {
                    if !f.hops.is_empty()
                        || !joins
                            .iter()
                            .any(|j: &Json| j["columnName"] == f.name.as_str())
                    {
                        add(store, &mut joins, f, 0);
                    }
                }
                cols.push(
                    Entry {
                        name: &t.rel_name,
                        display: &t.rel_name,
                        custom: t.custom,
                        foreign_key: Some(&t.field_name),
                        joins,
                        ..Entry::default()
                    }
                    .json(),
                );
            }
            // [U] A compound address's column: read-only, of Apex type Address.
            Column::Address(a) => cols.push(
                Entry {
                    name: &a.name,
                    display: &a.name,
                    apex: Some("Address"),
                    ..Entry::default()
                }
                .json(),
            ),
            Column::Child(child) => {
                let joins = columns_of(store, &child.plan);
                cols.push(
                    Entry {
                        name: &child.rel_name,
                        display: &child.rel_name,
                        aggregate: true,
                        joins,
                        ..Entry::default()
                    }
                    .json(),
                );
            }
        }
    }
    cols
}

/// The whole `columns=true` body.
pub fn metadata(store: &Store, plan: &Plan) -> Json {
    let obj = store.object(plan.base);
    let id_selected = plan.columns.iter().any(|c| matches!(c, Column::Field(f) if f.hops.is_empty() && obj.fields[f.field].system == Some(SystemField::Id)));
    let mut m = Map::new();
    m.insert(
        "columnMetadata".into(),
        Json::Array(if plan.count_only {
            Vec::new()
        } else {
            columns_of(store, plan)
        }),
    );
    m.insert("entityName".into(), json!(obj.name));
    m.insert(
        "groupBy".into(),
        json!(plan.agg.as_ref().is_some_and(|a| !a.keys.is_empty())),
    );
    m.insert("idSelected".into(), json!(id_selected));
    m.insert("keyPrefix".into(), json!(obj.key_prefix));
    Json::Object(m)
}
