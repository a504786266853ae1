//! The composite family in the mock org: `/composite`, `/composite/batch`,
//! `/composite/tree/{T}`, sObject Collections and `/composite/graph`.
//!
//! `/composite`, `/composite/batch` and `/composite/graph` send each subrequest back through
//! the REST router (`dispatch`), so subrequests behave exactly like direct calls. A
//! `/composite` or graph call counts once against the API allocation; a batch counts once
//! per subrequest. Collections and tree write through
//! the store's DML in one batch.
//!
//! Layout: `request` (bodies and limits), `graph_limits` (graph nodes, depth, node kinds), `reference` (`@{ref.field}`), `dispatch` (a
//! subrequest through the REST router), `run` (composite and graph execution), `atomic`
//! (all-or-none units and savepoints on the store), `collections`, `tree`, `routes`, `error`.

pub mod atomic;
pub mod collections;
pub mod dispatch;
pub mod error;
pub mod graph_limits;
pub mod reference;
pub mod request;
pub mod routes;
pub mod run;
pub mod tree;

pub use atomic::CompositeUnits;
pub use dispatch::{LongQueryString, SubResponse, Subrequest, SubrequestTarget};
pub use error::CompositeError;
pub use routes::router;
pub use run::Atomicity;

#[cfg(test)]
mod store_tests;
