//! Where the runner meets the concrete org, proxy and rule catalogue for the CLI, the TUI,
//! `sflab dev check` and the tests.

use super::judge::CatalogueJudge;
use super::mock::{MockOrgProvider, ProxyGatewayProvider};
use super::parts::Parts;
use crate::evidence::Exchange;
use std::sync::Arc;

/// The parts of an attempt on the built-in mock org: a fresh org per attempt, the recording
/// proxy in front of it, and the rule catalogue.
pub fn mock_parts() -> Parts {
    Parts {
        org: Arc::new(MockOrgProvider),
        gateway: Arc::new(ProxyGatewayProvider),
        judge: Arc::new(CatalogueJudge),
    }
}

/// A HAR 1.2 document of recorded (already redacted) exchanges.
pub fn har_json(exchanges: &[Exchange]) -> String {
    crate::har::to_har_string(exchanges)
}
