//! What the org did outbound during an attempt: the outcome of each lab action (deploys,
//! assignments, callouts, External Service registrations and invocations), every callout the
//! org made, and the callout setup deployed at the end. Holds no secret: principal secrets
//! are never read into it and URLs are reduced to whether they carry credentials.

use serde::{Deserialize, Serialize};

/// The outcome of one lab action after one learner run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionOutcome {
    pub run_index: usize,
    /// `before_run`, `after_run` or `while_running`.
    pub phase: String,
    pub label: String,
    /// `deploy`, `assign`, `callout`, `register_service`, `invoke`.
    pub kind: String,
    pub ok: bool,
    /// The remote end's HTTP status (callouts and invocations that were sent).
    pub status: Option<u16>,
    /// What happened: the error a learner can act on, or the start of the response body.
    pub detail: String,
    /// The JSON body a callout sent, when the lab varies it per check (`vary:`), so a rule can
    /// judge the answer against what was really sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<serde_json::Value>,
}

/// One callout the org made, as its callout log has it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalloutSeen {
    pub run_as: String,
    pub target: String,
    pub method: String,
    pub url: String,
    pub named_credential: Option<String>,
    pub principal: Option<String>,
    /// How the org injected credentials (`none`, `basic`, `jwt`, `oauth-client-credentials`,
    /// `custom-headers`, `legacy-basic`).
    pub auth: String,
    pub status: Option<u16>,
    pub error: Option<String>,
}

/// A deployed Named Credential.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedSeen {
    pub name: String,
    /// The split model (endpoint + External Credential) rather than a legacy all-in-one one.
    pub split: bool,
    pub external_credential: Option<String>,
    /// The URL (or a legacy credential) holds user info, a password or a secret-looking
    /// query parameter.
    pub carries_credentials: bool,
}

/// A deployed External Credential.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalSeen {
    pub name: String,
    pub protocol: String,
    pub principals: Vec<String>,
    /// The parameters of a Custom credential's principals stored with `"encrypted": false`,
    /// as `Principal.Parameter` (names only, never values): the org keeps them in clear and
    /// shows them back to whoever reads the credential. Other protocols refuse a secret sent
    /// so, and take their other parameters (`clientId`, `Username`) in clear.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_clear: Vec<String>,
}

/// A deployed permission set's principal grants (`ExternalCredential-Principal`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantSeen {
    pub permission_set: String,
    pub principals: Vec<String>,
}

/// The callout setup deployed in the org when the attempt ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalloutSetup {
    pub named: Vec<NamedSeen>,
    pub external: Vec<ExternalSeen>,
    pub grants: Vec<GrantSeen>,
    /// Active Remote Site Settings, by name.
    pub remote_sites: Vec<String>,
    /// Remote Site Settings deployed with `<isActive>false</isActive>`, by name: they allow no
    /// callout, but are still in the org.
    #[serde(default)]
    pub inactive_remote_sites: Vec<String>,
}

/// Everything outbound, for the `org.*` and `callout.*` rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundEvidence {
    pub actions: Vec<ActionOutcome>,
    pub callouts: Vec<CalloutSeen>,
    pub setup: CalloutSetup,
}
