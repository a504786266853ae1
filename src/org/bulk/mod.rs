//! Bulk API 2.0 in the mock org: ingest jobs (`/jobs/ingest…`) and query jobs (`/jobs/query…`).
//!
//! Every job belongs to the org ([`BulkJobs`] on `Org::bulk`, with the seed's `bulk:`
//! [`BulkSettings`]); `routes::router(org)` serves the HTTP resources.
//!
//! Layout: `format` (CSV dialects), `job` (lifecycle, shared job info), `ingest_job` and
//! `query_job` (the two kinds of job), `jobs` (the registry), `job_list` (listing them),
//! `settings` (lab knobs), `rows` (an upload's rows, as the worker and the result files read
//! them; `plain_rows` reads the rows of quote-free stretches fast), `text_row` (a row as the
//! worker holds it), `cell` (a cell's text as its field reads it), `process` (an ingest row
//! through the store's DML), `parent_column` (header columns naming a parent through a
//! relationship), `worker` (background ingest), `query_run` + `query_table` (running a query
//! job, flattening rows), `results` (result files), `routes` + `query_routes` (HTTP), `error`.

pub mod cell;
pub mod error;
pub mod format;
pub mod ingest_job;
pub mod job;
pub mod job_list;
pub mod jobs;
pub mod parent_column;
mod plain_rows;
pub mod process;
pub mod query_job;
mod query_routes;
pub mod query_run;
pub mod query_table;
pub mod results;
pub mod routes;
pub mod rows;
pub mod settings;
pub mod text_row;
pub mod worker;

pub use jobs::BulkJobs;
pub use settings::BulkSettings;

#[cfg(test)]
mod process_tests;
