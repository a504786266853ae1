//! Where the runner meets the concrete org, proxy and rule catalogue for the CLI and the TUI.
//!
//! Implementation notes: the mock org (`crate::org`), the recording proxy (`crate::proxy`) and
//! the rule catalogue (`crate::rules`) are built alongside the runner; until all three are in
//! this build, [`mock_parts`] says so instead of running half an attempt.

use super::attempt::RunError;
use super::parts::Parts;
use crate::evidence::Exchange;

/// The parts of an attempt on the built-in mock org.
pub fn mock_parts() -> Result<Parts, RunError> {
    Err(RunError::Backend(
        "this build of sflab does not include the mock org and recording proxy yet".into(),
    ))
}

/// A HAR 1.2 document of recorded exchanges.
pub fn har_json(_exchanges: &[Exchange]) -> Result<String, RunError> {
    Err(RunError::Proxy(
        "this build of sflab cannot write HAR files yet".into(),
    ))
}
