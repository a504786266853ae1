//! Bulk API 2.0 in the mock org: ingest jobs (`/jobs/ingest…`) and query jobs (`/jobs/query…`).
//!
//! Layout: `format` (CSV dialects), `job` (lifecycle and job info), `results` (per-row
//! outcomes and result files).

pub mod error;
pub mod format;
pub mod ingest_job;
pub mod job;
pub mod jobs;
pub mod process;
pub mod query_job;
pub mod query_table;
pub mod results;
pub mod routes;
pub mod settings;
pub mod worker;

pub use jobs::BulkJobs;
pub use settings::BulkSettings;

#[cfg(test)]
mod process_tests;
