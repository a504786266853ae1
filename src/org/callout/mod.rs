//! Callouts from the mock org: Named Credentials and External Credentials deployed from sfdx
//! source-format metadata (`metadata`, `registry`), legacy all-in-one named credentials and
//! Remote Site Settings for comparison, and the action "call out to `callout:Name/path` as
//! user X" with credentials injected at run time (`invoke`, with `merge` filling the
//! `{!$Credential.…}` merge fields of custom headers). `http` exposes it all over sflab-only
//! REST endpoints.
//!
//! ```text
//! org.outbound.deploy_folder(&org, Path::new("force-app/main/default"))?;
//! org.outbound.deployment.write().set_secret("ERP_Auth", "Main", "clientSecret", "…");
//! let resp = org.outbound.callout(&org, CalloutRequest { target: "callout:ERP/orders".into(), run_as: "integration".into(), .. }).await?;
//! org.outbound.callout_log()   // what was called, as whom, with which auth — no secrets
//! ```

pub mod credential;
pub mod http;
pub mod invoke;
pub mod merge;
pub mod metadata;
pub mod registry;

#[cfg(test)]
mod credential_tests;
#[cfg(test)]
mod header_tests;
#[cfg(test)]
mod tests;

use crate::org::external::ExtServices;
use chrono::{DateTime, Utc};
pub use invoke::{CalloutError, CalloutRequest, CalloutResponse, MOCK_HOST};
use parking_lot::{Mutex, RwLock};
pub use registry::{DeployError, DeploySummary, Deployment};
use std::path::Path;
use std::sync::Arc;

/// One callout made, for the rules and the TUI. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalloutRecord {
    pub at: DateTime<Utc>,
    pub run_as: String,
    pub target: String,
    pub method: String,
    /// The URL actually called (empty when the callout failed before sending).
    pub url: String,
    pub named_credential: Option<String>,
    pub principal: Option<String>,
    /// How credentials were injected: `none`, `basic`, `jwt`, `oauth-client-credentials`,
    /// `custom-headers`, `legacy-basic`.
    pub auth: &'static str,
    pub status: Option<u16>,
    pub error: Option<String>,
}

/// The org's outbound state: built-in mock services, deployed credentials, registered
/// External Services and the callout log. One per org, shared by every router and by labs.
#[derive(Debug, Clone, Default)]
pub struct Outbound {
    pub ext: ExtServices,
    pub deployment: Arc<RwLock<Deployment>>,
    pub external_services: Arc<RwLock<crate::org::extservices::Registry>>,
    /// MCP sessions and tool-call log.
    pub mcp: crate::org::mcp::McpState,
    log: Arc<Mutex<Vec<CalloutRecord>>>,
    /// Local ports forwarded elsewhere: see [`Outbound::forward_local_port`].
    forwarded: Arc<RwLock<std::collections::BTreeMap<u16, u16>>>,
    /// Drawn for each lab attempt: the numbers a lab's callouts vary (`vary:`) come from it.
    attempt_seed: Arc<std::sync::atomic::AtomicU64>,
}

impl Outbound {
    /// The attempt's seed for the numbers lab callouts vary (0 until one is drawn).
    pub fn attempt_seed(&self) -> u64 {
        self.attempt_seed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sets the attempt's seed (see [`Outbound::attempt_seed`]).
    pub fn set_attempt_seed(&self, seed: u64) {
        self.attempt_seed
            .store(seed, std::sync::atomic::Ordering::Relaxed);
    }

    /// Deploys every callout metadata file under `folder`, all or nothing.
    pub fn deploy_folder(&self, folder: &Path) -> Result<DeploySummary, DeployError> {
        let found = registry::read_folder(folder)?;
        let mut summary = self.deployment.write().deploy(&found.files)?;
        summary.not_deployed = found.not_deployed;
        Ok(summary)
    }

    /// Sends callouts to this machine's port `from` (`127.0.0.1` or `localhost`) to port
    /// `to` instead: a lab's Named Credential names a fixed address for the learner's
    /// service, which listens wherever its attempt was given a free port (so attempts run
    /// side by side). The log keeps the address as the credential names it.
    pub fn forward_local_port(&self, from: u16, to: u16) {
        self.forwarded.write().insert(from, to);
    }

    /// Where a callout to `url` is sent (see [`Outbound::forward_local_port`]).
    fn destination(&self, url: &url::Url) -> url::Url {
        let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost"));
        let to = url
            .port()
            .filter(|_| local)
            .and_then(|p| self.forwarded.read().get(&p).copied());
        let mut out = url.clone();
        if let Some(port) = to {
            let _ = out.set_port(Some(port));
        }
        out
    }

    /// Every callout so far, oldest first.
    pub fn callout_log(&self) -> Vec<CalloutRecord> {
        self.log.lock().clone()
    }
}

/// Why one of the outbound sections of a seed (`soap_services:`, `apex_rest:`,
/// `mock_services:`, `mcp:`) cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("{0}")]
    Soap(#[from] crate::org::soap::custom::SoapServiceError),
    #[error("{0}")]
    Apex(#[from] crate::org::apexrest::resource::ApexFixtureError),
    #[error("{0}")]
    Services(#[from] crate::org::external::ServiceConfigError),
    #[error("{0}")]
    Mcp(String),
}

/// Checks every outbound section of a seed, so a lab loader can refuse a broken fixture
/// up front instead of the first request failing.
pub fn check_fixtures(seed: &crate::org::OrgSeed) -> Result<(), FixtureError> {
    let get = |k: &str| seed.other.get(k);
    crate::org::soap::custom::services(get("soap_services"))?;
    crate::org::apexrest::resource::resources(get("apex_rest"))?;
    crate::org::external::ServiceConfig::from_section(get("mock_services"))?;
    crate::org::mcp::tools::McpFixture::from_section(get("mcp")).map_err(FixtureError::Mcp)?;
    Ok(())
}
