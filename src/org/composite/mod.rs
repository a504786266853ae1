//! The composite family in the mock org: `/composite`, `/composite/batch`,
//! `/composite/tree/{T}`, sObject Collections and `/composite/graph`.
//!
//! Layout: `request` (bodies and limits), `reference` (`@{ref.field}`), `dispatch` (a
//! subrequest through the REST router), `run` (composite and graph execution), `error`.

pub mod atomic;
pub mod collections;
pub mod dispatch;
pub mod error;
pub mod reference;
pub mod request;
pub mod routes;
pub mod run;
pub mod tree;

pub use atomic::CompositeUnits;
pub use dispatch::{SubResponse, Subrequest, SubrequestTarget};
pub use error::CompositeError;
pub use routes::router;
pub use run::Atomicity;

#[cfg(test)]
mod store_tests;
