//! The lab runner.

pub mod env;
pub mod process;
pub mod report;
pub mod tools;
