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
#[serde(
    expecting = "a lab.yaml: a map of `id`, `title`, `level`, `lesson` and the lab's other keys (`goal`, `org`, `checks`, `hints`, …), each at the start of its line"
)]
pub(super) struct LabHeader {
    pub id: String,
    pub title: String,
    pub level: String,
    pub lesson: String,
    #[serde(default)]
    pub summary: String,
}

#[cfg(test)]
mod tests {
    use super::LabHeader;

    #[test]
    fn a_lab_file_that_is_a_list_is_told_what_a_lab_yaml_is() {
        let err = serde_yaml::from_str::<LabHeader>("- id: a\n- title: b\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("expected a lab.yaml: a map of `id`, `title`"),
            "{text}"
        );
        assert!(!text.contains("LabHeader"), "{text}");
    }
}
