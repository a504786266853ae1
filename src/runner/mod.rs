//! The lab runner.
