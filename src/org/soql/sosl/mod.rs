//! SOSL: text search across objects, as `GET /search?q=FIND {…}` answers it.
//!
//! ```text
//! let found = sosl::search(&store, "FIND {Acme*} RETURNING Account(Name)", &opts, &everything)?;
//! found.records   // [{"attributes":{"type":"Account","url":…},"Name":"Acme"}, …]
//! ```
//!
//! The statement is parsed ([`statement`]), each RETURNING spec is planned like a SOQL query
//! over its object (so WHERE, ORDER BY, LIMIT and OFFSET and their errors — INVALID_TYPE,
//! INVALID_FIELD — behave as in SOQL), and the search expression ([`term`]) picks the records
//! whose searched fields hold it.
//!
//! A search sees what its user sees ([`Access`]): objects they may not read are left out of a
//! search without RETURNING, and fields they may not read (field-level security) are not
//! searched, so a record is never found by a value its user could not have read.
//!
//! Order: real orgs rank by a relevance score that cannot be reproduced (it depends on their
//! search index, term frequencies and the user's activity). Here results come object by
//! object in RETURNING order (schema order without RETURNING); within an object an ORDER BY
//! decides, otherwise records whose name field holds the term come first, then records with
//! more matching fields, then oldest first (storage order).

pub mod statement;
pub mod term;

use super::eval;
use super::field_security::Readable;
use super::plan::{Column, Plan, Planner};
use super::resolve::FieldRef;
use super::QueryOptions;
use crate::org::error::SfError;
use crate::org::schema::{FieldType, ObjectDef};
use crate::org::store::Store;
use serde_json::{json, Value as Json};
use statement::{Scope, Statement};
use term::FieldText;

pub use statement::parse;

/// Most records one search returns (overall and per object).
pub const MAX_RECORDS: u64 = 2000;

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    /// `searchRecords`: REST JSON rows with `attributes`.
    pub records: Vec<Json>,
    /// With `WITH METADATA = 'LABELS'`: `{"entityMetadata":[…]}`.
    pub metadata: Option<Json>,
}

impl SearchResult {
    /// The REST response body.
    pub fn to_json(&self) -> Json {
        let mut body = json!({ "searchRecords": self.records });
        if let Some(m) = &self.metadata {
            body["metadata"] = m.clone();
        }
        body
    }
}

/// Whether search covers the object (describe's `searchable`): not the org's own record,
/// events, custom metadata, or price book entries and order products, which real orgs do not
/// index for search.
pub fn searchable(obj: &ObjectDef) -> bool {
    !obj.name.ends_with("__e")
        && !obj.name.ends_with("__mdt")
        && !matches!(
            obj.name.as_str(),
            "Organization" | "PricebookEntry" | "OrderItem"
        )
}

/// What the running user may see: which objects (by name) and which of their fields.
#[derive(Clone, Copy)]
pub struct Access<'a> {
    pub object: &'a dyn Fn(&str) -> bool,
    pub field: Readable<'a>,
}

/// An [`Access`] that sees every object and field (an org that does not enforce object
/// access).
pub fn everything() -> Access<'static> {
    Access {
        object: &|_| true,
        field: &|_, _| true,
    }
}

/// The fields of `obj` a scope searches, of those `readable` lets the user read.
fn searched_fields(obj: &ObjectDef, scope: Scope, readable: Readable<'_>) -> Vec<(usize, bool)> {
    obj.fields
        .iter()
        .enumerate()
        .filter(|(_, f)| readable(obj, f))
        .filter(|(_, f)| {
            let name_like = f.name_field
                || matches!(f.name.as_str(), "Name" | "FirstName" | "LastName" | "Title")
                    && f.field_type == FieldType::String;
            // Picklists are not in the search index of real orgs; ids never are.
            let text = matches!(
                f.field_type,
                FieldType::String
                    | FieldType::TextArea
                    | FieldType::Email
                    | FieldType::Phone
                    | FieldType::Url
            );
            match scope {
                Scope::All => text,
                Scope::Name => name_like,
                Scope::Email => f.field_type == FieldType::Email,
                Scope::Phone => f.field_type == FieldType::Phone,
                Scope::Sidebar => {
                    name_like || matches!(f.field_type, FieldType::Email | FieldType::Phone)
                }
            }
        })
        .map(|(i, f)| (i, f.name_field))
        .collect()
}

/// Plans one RETURNING spec as a SOQL query over its object (Id only when no fields). Its
/// OFFSET was bounded where the statement was parsed (`statement::check_offsets`).
fn plan_spec(
    store: &Store,
    src: &str,
    spec: &super::Query,
    opts: &QueryOptions,
) -> Result<Plan, SfError> {
    let base = store
        .schema()
        .object_index(&spec.from)
        .ok_or_else(|| super::error::unsupported_type(src, spec.from_pos, &spec.from))?;
    if !searchable(store.object(base)) {
        return Err(super::error::located(
            crate::org::error::ErrorCode::INVALID_TYPE,
            src,
            spec.from_pos,
            &format!(
                "entity type {} does not support search",
                store.object(base).name
            ),
        ));
    }
    let planner = Planner {
        store,
        src,
        today: opts.now.date_naive(),
        zone: super::date_functions::zone(&opts.time_zone),
    };
    let mut plan = planner.plan(spec, base, 0)?;
    if plan.columns.is_empty() {
        let obj = store.object(base);
        if let Some(id) = obj.system_index(crate::org::schema::SystemField::Id) {
            plan.columns.push(Column::Field(FieldRef {
                hops: Vec::new(),
                obj: base,
                field: id,
                name: obj.fields[id].name.clone(),
                ftype: obj.fields[id].field_type,
                reads: crate::org::soql::resolve::Reads::Stored,
            }));
        }
    }
    Ok(plan)
}

/// The rows of one object the search expression finds in the fields the user may read, in
/// result order.
fn found_rows(store: &Store, stmt: &Statement, plan: &Plan, readable: Readable<'_>) -> Vec<u32> {
    let mut unpaged = plan.clone();
    unpaged.limit = None;
    unpaged.offset = None;
    let obj = store.object(plan.base);
    let fields = searched_fields(obj, stmt.scope, readable);
    let table = store.table(plan.base);
    let mut scored: Vec<(u32, (bool, usize))> = eval::select_rows(store, &unpaged, false)
        .into_iter()
        .filter_map(|row| {
            let rec = table.row(row)?;
            let texts: Vec<(FieldText, bool)> = fields
                .iter()
                .filter_map(|&(i, is_name)| {
                    let v = rec.get(i)?;
                    let phone = obj.fields[i].field_type == FieldType::Phone;
                    Some((FieldText::new(&v.text(), phone), is_name))
                })
                .collect();
            let only: Vec<FieldText> = texts.iter().map(|(t, _)| t.clone()).collect();
            if !stmt.term.matches(&only) {
                return None;
            }
            let name_hit = texts.iter().any(|(t, n)| *n && stmt.term.hits(t));
            let hits = texts.iter().filter(|(t, _)| stmt.term.hits(t)).count();
            Some((row, (name_hit, hits)))
        })
        .collect();
    if plan.order.is_empty() {
        // Stable: equal scores keep storage order.
        scored.sort_by_key(|s| std::cmp::Reverse(s.1));
    }
    let offset = plan.offset.unwrap_or(0) as usize;
    let limit = plan.limit.unwrap_or(MAX_RECORDS).min(MAX_RECORDS) as usize;
    scored
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|(row, _)| row)
        .collect()
}

fn field_metadata(store: &Store, plan: &Plan) -> Json {
    let fields: Vec<Json> = plan
        .columns
        .iter()
        .filter_map(|c| match c {
            Column::Field(f) => Some(json!({ "label": f.def(store).label, "name": f.name })),
            Column::Child(_) | Column::TypeOf(_) | Column::Address(_) => None,
        })
        .collect();
    json!({ "entityName": store.object(plan.base).name, "fieldMetadata": fields })
}

/// Runs a SOSL statement for a user who sees what `access` lets them: objects they may not
/// read are left out of a search without RETURNING (the REST layer refuses an explicit
/// RETURNING of such an object, and a RETURNING field they may not read, before calling
/// this), and fields they may not read are not searched.
pub fn run(
    store: &Store,
    src: &str,
    stmt: &Statement,
    opts: &QueryOptions,
    access: Access<'_>,
) -> Result<SearchResult, SfError> {
    let specs: Vec<super::Query> = if stmt.returning.is_empty() {
        store
            .schema()
            .objects()
            .iter()
            .filter(|o| searchable(o) && (access.object)(&o.name))
            .filter_map(|o| super::parse_query(&format!("SELECT Id FROM {}", o.name)).ok())
            .collect()
    } else {
        stmt.returning.clone()
    };
    let plans = specs
        .iter()
        .map(|s| plan_spec(store, src, s, opts))
        .collect::<Result<Vec<_>, _>>()?;
    let mut left = stmt.limit.unwrap_or(MAX_RECORDS).min(MAX_RECORDS) as usize;
    let mut records = Vec::new();
    let mut entity_metadata = Vec::new();
    for plan in &plans {
        if stmt.metadata_labels {
            entity_metadata.push(field_metadata(store, plan));
        }
        if left == 0 {
            continue;
        }
        let mut rows = found_rows(store, stmt, plan, access.field);
        rows.truncate(left);
        left -= rows.len();
        records.extend(eval::render_rows(
            store,
            plan,
            &rows,
            false,
            &opts.api_version,
        ));
    }
    Ok(SearchResult {
        records,
        metadata: stmt
            .metadata_labels
            .then(|| json!({ "entityMetadata": entity_metadata })),
    })
}

/// Parses and runs a SOSL statement.
pub fn search(
    store: &Store,
    src: &str,
    opts: &QueryOptions,
    access: Access<'_>,
) -> Result<SearchResult, SfError> {
    let stmt = parse(src)?;
    run(store, src, &stmt, opts, access)
}

#[cfg(test)]
mod tests;
