//! sflab: a terminal classroom for Salesforce integration developers.
//!
//! The flow is one way: `curriculum` → `tui` / `runner` → `org` (mock) behind `proxy` →
//! evidence → `rules` → report → `progress`. See each module's header for what it owns.

pub mod cli;
pub mod curriculum;
pub mod evidence;
pub mod fsutil;
pub mod grade;
pub mod har;
pub mod json_canonical;
pub mod lab;
pub mod markdown;
pub mod matcher;
pub mod org;
pub mod procfs;
pub mod progress;
pub mod proxy;
pub mod redact;
pub mod rules;
pub mod runner;
pub mod sandbox;
pub mod suggest;
pub mod track;
pub mod tui;
pub mod visible;
pub mod wording;
pub mod workspace;
pub mod yaml_input;
