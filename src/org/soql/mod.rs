//! SOQL: a lexer, a parser (syntax tree with positions), a planner that checks names against
//! the schema, and an evaluator over the store.
//!
//! ```text
//! let rows = soql::query(&store, "SELECT Name FROM Account", &QueryOptions::new(now, "62.0"))?;
//! rows.total_size; rows.records   // REST JSON rows with attributes; the HTTP layer pages them
//! soql::columns(&store, soql, now)? // the `columns=true` column metadata
//! ```
//!
//! Errors are [`SfError`]s with Salesforce's codes and texts: MALFORMED_QUERY (syntax),
//! INVALID_TYPE (unknown object, e.g. `ScratchOrgInfo`), INVALID_FIELD (unknown column,
//! wrong filter value type), each laid out as `\n<line>\n<caret>\nERROR at Row:r:Column:c\n…`.

mod aggregate;
pub mod ast;
mod columns;
pub mod dates;
mod error;
pub mod eval;
pub mod lexer;
pub mod parser;
pub mod plan;
pub mod resolve;

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod query_tests;

use crate::org::error::SfError;
use crate::org::store::Store;
use chrono::{DateTime, Utc};
use plan::{Plan, Planner};
use serde_json::Value as Json;

pub use ast::Query;

/// How to run a query.
#[derive(Debug, Clone)]
pub struct QueryOptions {
    /// `queryAll`: include records in the recycle bin.
    pub include_deleted: bool,
    /// The API version of the request (`"62.0"`), used in record URLs.
    pub api_version: String,
    /// The org's now, for date literals.
    pub now: DateTime<Utc>,
}

impl QueryOptions {
    pub fn new(now: DateTime<Utc>, api_version: &str) -> QueryOptions {
        QueryOptions {
            include_deleted: false,
            api_version: api_version.to_string(),
            now,
        }
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

/// Parses SOQL, with syntax errors as MALFORMED_QUERY in Salesforce's layout.
pub fn parse_query(src: &str) -> Result<Query, SfError> {
    parser::parse(src).map_err(|e| error::malformed(src, e.pos, &e.message))
}

fn plan_query(store: &Store, src: &str, now: DateTime<Utc>) -> Result<(Query, Plan), SfError> {
    let q = parse_query(src)?;
    let base = store
        .schema()
        .object_index(&q.from)
        .ok_or_else(|| error::unsupported_type(src, q.from_pos, &q.from))?;
    let planner = Planner {
        store,
        src,
        today: now.date_naive(),
    };
    let plan = planner.plan(&q, base, false)?;
    Ok((q, plan))
}

/// Runs one SOQL query against the store.
pub fn query(store: &Store, src: &str, opts: &QueryOptions) -> Result<QueryResult, SfError> {
    let (_, plan) = plan_query(store, src, opts.now)?;
    let rows = eval::execute(store, &plan, opts.include_deleted, &opts.api_version);
    Ok(QueryResult {
        entity: store.object(plan.base).name.clone(),
        total_size: rows.total_size,
        records: rows.records,
        aggregate: plan.agg.is_some(),
    })
}

/// The `columns=true` metadata of a query (what `sf data query` reads), without running it.
pub fn columns(store: &Store, src: &str, now: DateTime<Utc>) -> Result<Json, SfError> {
    let (_, plan) = plan_query(store, src, now)?;
    Ok(columns::metadata(store, &plan))
}
