//! What the curriculum knows about a lab: its identity and where its files are.
//!
//! The full lab specification (org seed, faults, checks, hints) is parsed by the runner from
//! [`LabMeta::yaml`]; the curriculum only needs enough to list and link labs.

use super::Level;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize)]
pub struct LabMeta {
    pub id: String,
    pub title: String,
    pub level: Level,
    pub lesson: String,
    pub summary: String,
    /// The lab's folder relative to the curriculum root, e.g. `labs/rest-first-call`.
    pub dir: String,
    /// The whole `lab.yaml` text, for the runner to parse in full.
    #[serde(skip)]
    pub yaml: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct LabHeader {
    pub id: String,
    pub title: String,
    pub level: String,
    pub lesson: String,
    #[serde(default)]
    pub summary: String,
}
