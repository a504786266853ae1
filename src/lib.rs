//! sflab: a terminal classroom for Salesforce integration developers.
//!
//! The flow is one way: `curriculum` → `tui` / `runner` → `org` (mock) behind `proxy` →
//! evidence → `rules` → report → `progress`. See each module's header for what it owns.

pub mod cli;
pub mod curriculum;
pub mod fsutil;
pub mod org;
pub mod workspace;
