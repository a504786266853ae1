//! SOQL: a lexer, a parser (syntax tree with positions), a planner that checks names against
//! the schema, and an evaluator over the store.
//!
//! ```text
//! let rows = soql::query(&store, "SELECT Name FROM Account", &QueryOptions::new(now, "62.0"))?;
//! rows.total_size; rows.records   // REST JSON rows with attributes, all at once
//! let cursor = soql::open_cursor(&store, soql, &opts)?;  // for paging: keep it under a locator
//! cursor.total_size; cursor.batch(&store, 2000, 2000)   // rows 2000..4000 as REST JSON
//! soql::columns(&store, soql, now)? // the `columns=true` column metadata
//! ```
//!
//! Errors are [`SfError`]s with Salesforce's codes and texts: MALFORMED_QUERY (syntax),
//! INVALID_TYPE (unknown object, e.g. `ScratchOrgInfo`), INVALID_FIELD (unknown column,
//! wrong filter value type), each laid out as `\n<line>\n<caret>\nERROR at Row:r:Column:c\n…`.

pub mod address;
mod aggregate;
pub mod ast;
pub mod cache;
mod columns;
pub mod date_functions;
pub mod dates;
mod error;
pub mod eval;
pub mod explain;
pub mod field_security;
pub mod lexer;
pub mod parser;
pub mod plan;
mod polymorphic;
pub mod reads;
pub mod resolve;
mod rules;
pub mod sosl;
mod type_of;
mod unsupported;

#[cfg(test)]
mod case_tests;
#[cfg(test)]
mod date_function_tests;
#[cfg(test)]
mod field_function_tests;
#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod query_tests;
#[cfg(test)]
mod rule_tests;
#[cfg(test)]
mod size_limit_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod typeof_tests;
#[cfg(test)]
mod validation_tests;

use crate::org::error::SfError;
use crate::org::store::Store;
use chrono::{DateTime, Utc};
use plan::{Plan, Planner};
use serde_json::Value as Json;
use std::sync::Arc;

pub use ast::Query;
pub use error::unreadable_type;

/// How to run a query.
#[derive(Debug, Clone)]
pub struct QueryOptions {
    /// `queryAll`: include records in the recycle bin.
    pub include_deleted: bool,
    /// The API version of the request (`"62.0"`), used in record URLs.
    pub api_version: String,
    /// The org's now, for date literals.
    pub now: DateTime<Utc>,
    /// The running user's `TimeZoneSidKey`, which `convertTimezone()` converts into.
    pub time_zone: String,
}

impl QueryOptions {
    pub fn new(now: DateTime<Utc>, api_version: &str) -> QueryOptions {
        QueryOptions {
            include_deleted: false,
            api_version: api_version.to_string(),
            now,
            time_zone: date_functions::DEFAULT_TIME_ZONE.to_string(),
        }
    }

    /// The same options for a query run by user `user_id`: `convertTimezone()` converts into
    /// that user's `TimeZoneSidKey` (the default zone when the user has none), whichever API
    /// the query came through.
    pub fn run_by(mut self, store: &Store, user_id: &str) -> QueryOptions {
        if let Some(zone) = store
            .retrieve("User", user_id, Some(&["TimeZoneSidKey"]), "62.0")
            .ok()
            .and_then(|u| u.get("TimeZoneSidKey")?.as_str().map(str::to_string))
        {
            self.time_zone = zone;
        }
        self
    }
}

/// What a query returns; the HTTP layer splits `records` into batches and locators.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    /// The object queried, as the schema spells it.
    pub entity: String,
    pub total_size: usize,
    pub records: Vec<Json>,
    /// GROUP BY / aggregate queries cannot be paged with queryMore in Salesforce.
    pub aggregate: bool,
}

/// The longest SOQL statement, in characters [D: SOQL and SOSL limits, "Maximum length of SOQL
/// statements: by default, 100,000 characters"].
pub const MAX_QUERY_CHARS: usize = 100_000;

/// Parses SOQL, with syntax errors as MALFORMED_QUERY in Salesforce's layout. A statement over
/// [`MAX_QUERY_CHARS`] is refused whole, in the words real orgs use [F: client issue threads
/// quote "MALFORMED_QUERY: SOQL statements can not be longer than 100000 characters", without a
/// row and column].
pub fn parse_query(src: &str) -> Result<Query, SfError> {
    if src.chars().count() > MAX_QUERY_CHARS {
        return Err(SfError::new(
            crate::org::error::ErrorCode::MALFORMED_QUERY,
            format!("SOQL statements can not be longer than {MAX_QUERY_CHARS} characters."),
        ));
    }
    parser::parse(src).map_err(|e| error::malformed(src, e.pos, &e.message))
}

/// The checked plan of `src` against the store's schema, on the day `now` falls on, for a user
/// in `time_zone` (kept in [`cache`] for the next call with the same text, schema, day and
/// zone).
fn plan_query(
    store: &Store,
    src: &str,
    now: DateTime<Utc>,
    time_zone: &str,
) -> Result<Arc<Plan>, SfError> {
    // Date literals count days where the running user is: TODAY starts at their midnight.
    let zone = date_functions::zone(time_zone);
    let today = now.with_timezone(&zone).date_naive();
    let key = cache::PlanKey {
        schema_key: store.schema_key(),
        today,
        time_zone: time_zone.to_string(),
        src: src.to_string(),
    };
    cache::planned(key, || {
        let q = cache::parsed(src, parse_query)?;
        rules::check(src, &q)?;
        let base = store
            .schema()
            .object_index(&q.from)
            .ok_or_else(|| error::unsupported_type(src, q.from_pos, &q.from))?;
        let planner = Planner {
            store,
            src,
            today,
            zone,
        };
        planner.plan(&q, base, 0)
    })
}

/// Child subqueries nested in child subqueries need API v58.0 or later, as in real orgs.
fn check_version(src: &str, plan: &Plan, api_version: &str) -> Result<(), SfError> {
    match plan.nested_at {
        Some(pos)
            if api_version
                .parse::<f64>()
                .is_ok_and(|v| v < plan::NESTED_SUBQUERY_VERSION) =>
        {
            Err(error::malformed(
                src,
                pos,
                "Nesting of subqueries is not supported",
            ))
        }
        _ => Ok(()),
    }
}

/// Runs one SOQL query against the store.
pub fn query(store: &Store, src: &str, opts: &QueryOptions) -> Result<QueryResult, SfError> {
    let plan = plan_query(store, src, opts.now, &opts.time_zone)?;
    check_version(src, &plan, &opts.api_version)?;
    let rows = eval::execute(store, &plan, opts.include_deleted, &opts.api_version);
    Ok(QueryResult {
        entity: store.object(plan.base).name.clone(),
        total_size: rows.total_size,
        records: rows.records,
        aggregate: plan.agg.is_some(),
    })
}

/// An open query whose rows are rendered one batch at a time (for `nextRecordsUrl` paging:
/// the HTTP layer keeps the cursor under a locator and asks for `batch(start, len)`).
///
/// The cursor fixes which records the query returns, in order, when it is opened; each batch
/// shows those records as they are when the batch is fetched (a record deleted for good in
/// between is skipped).
#[derive(Debug, Clone)]
pub struct QueryCursor {
    pub entity: String,
    pub total_size: usize,
    pub aggregate: bool,
    plan: Arc<Plan>,
    include_deleted: bool,
    api_version: String,
    ids: Vec<crate::org::ids::SfId>,
    /// Aggregate and COUNT() results are small and rendered up front.
    rendered: Vec<Json>,
}

/// Runs the selection part of a query and returns a cursor over its rows.
pub fn open_cursor(store: &Store, src: &str, opts: &QueryOptions) -> Result<QueryCursor, SfError> {
    let plan = plan_query(store, src, opts.now, &opts.time_zone)?;
    check_version(src, &plan, &opts.api_version)?;
    let entity = store.object(plan.base).name.clone();
    if plan.agg.is_some() || plan.count_only {
        let rows = eval::execute(store, &plan, opts.include_deleted, &opts.api_version);
        return Ok(QueryCursor {
            entity,
            total_size: rows.total_size,
            aggregate: plan.agg.is_some(),
            plan,
            include_deleted: opts.include_deleted,
            api_version: opts.api_version.clone(),
            ids: Vec::new(),
            rendered: rows.records,
        });
    }
    let rows = eval::select_rows(store, &plan, opts.include_deleted);
    let table = store.table(plan.base);
    let ids: Vec<_> = rows
        .iter()
        .filter_map(|r| table.row(*r).and_then(|rec| table.id_of(rec)))
        .collect();
    Ok(QueryCursor {
        entity,
        total_size: ids.len(),
        aggregate: false,
        plan,
        include_deleted: opts.include_deleted,
        api_version: opts.api_version.clone(),
        ids,
        rendered: Vec::new(),
    })
}

impl QueryCursor {
    /// True when the query has parent-to-child subqueries.
    pub fn has_children(&self) -> bool {
        self.plan
            .columns
            .iter()
            .any(|c| matches!(c, plan::Column::Child(_)))
    }

    /// A cursor over rows already rendered (the rest of one parent's child subquery rows), of
    /// object `entity`.
    pub fn of_rendered(&self, entity: &str, rows: Vec<Json>) -> QueryCursor {
        QueryCursor {
            entity: entity.to_string(),
            total_size: rows.len(),
            aggregate: false,
            plan: self.plan.clone(),
            include_deleted: self.include_deleted,
            api_version: self.api_version.clone(),
            ids: Vec::new(),
            rendered: rows,
        }
    }

    /// How many rows the cursor pages through (a COUNT() query has none; its count is
    /// `total_size`).
    pub fn row_count(&self) -> usize {
        if self.ids.is_empty() {
            self.rendered.len()
        } else {
            self.ids.len()
        }
    }

    /// Rows `start .. start + len` as REST JSON bytes, comma-separated, into `out`: the bytes
    /// of the trees [`QueryCursor::batch`] gives, written without building them when every
    /// column is a field of the queried object itself.
    pub fn write_batch(&self, store: &Store, start: usize, len: usize, out: &mut Vec<u8>) {
        use crate::org::rest::render;
        let flat: Option<Vec<_>> = self
            .plan
            .columns
            .iter()
            .map(|c| match c {
                plan::Column::Field(f) if f.hops.is_empty() && f.obj == self.plan.base => {
                    Some((f.name.as_str(), f.field, f.ftype))
                }
                _ => None,
            })
            .collect();
        let Some(columns) = flat.filter(|_| !self.ids.is_empty()) else {
            render::write_trees(out, &self.batch(store, start, len));
            return;
        };
        let table = store.table(self.plan.base);
        let object = &store.object(self.plan.base).name;
        let end = start.saturating_add(len).min(self.ids.len());
        let mut first = true;
        for id in self.ids.get(start.min(end)..end).unwrap_or_default() {
            let Some(rec) = table.row_of(id).and_then(|r| table.row(r)) else {
                continue;
            };
            if !first {
                out.push(b',');
            }
            first = false;
            render::write_flat_row(
                out,
                object,
                Some(id.as_str()),
                rec,
                &columns,
                &self.api_version,
            );
        }
    }

    /// Rows `start .. end` of the rows rendered up front (aggregates, COUNT(), and cursors
    /// made by [`QueryCursor::of_rendered`]).
    pub fn rendered(&self, start: usize, end: usize) -> Vec<Json> {
        self.rendered
            .get(start.min(end)..end.min(self.rendered.len()))
            .unwrap_or_default()
            .to_vec()
    }

    /// Rows `start .. start + len` as REST JSON.
    pub fn batch(&self, store: &Store, start: usize, len: usize) -> Vec<Json> {
        let end = start.saturating_add(len);
        if self.ids.is_empty() {
            return self.rendered(start, end);
        }
        let table = store.table(self.plan.base);
        let rows: Vec<u32> = self
            .ids
            .get(start.min(self.ids.len())..end.min(self.ids.len()))
            .unwrap_or_default()
            .iter()
            .filter_map(|id| table.row_of(id))
            .collect();
        eval::render_rows(
            store,
            &self.plan,
            &rows,
            self.include_deleted,
            &self.api_version,
        )
    }
}

/// The `columns=true` metadata of a query (what `sf data query` reads), without running it.
pub fn columns(store: &Store, src: &str, now: DateTime<Utc>) -> Result<Json, SfError> {
    let plan = plan_query(store, src, now, date_functions::DEFAULT_TIME_ZONE)?;
    Ok(columns::metadata(store, &plan))
}
