//! The lab runner.

pub mod process;
