//! Callouts from the mock org: Named Credentials and External Credentials deployed from sfdx
//! source-format metadata, legacy named credentials and Remote Site Settings, and the action
//! "call out to `callout:Name/path` as user X" with credentials injected at run time.

use crate::org::external::ExtServices;

/// The org's outbound state: built-in mock services, deployed credentials, registered
/// External Services. One per org, shared by every router and by labs.
#[derive(Debug, Clone, Default)]
pub struct Outbound {
    pub ext: ExtServices,
}
