//! Org state captured between runs, rendered to stable text so two states can be diffed.
//!
//! Implementation notes: an [`OrgSnapshot`] is a plain map of object name → records (JSON
//! objects). Rendering sorts objects by name, the fields of each record by name, and records
//! by their `Id` (then by their rendered text), so the same state always renders the same text
//! whatever order the org returned it in. Fields that change on every write
//! (`LastModifiedDate`, `SystemModstamp`, ...) can be left out of a rendering.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The records of the objects a lab names, at one moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgSnapshot {
    pub objects: BTreeMap<String, Vec<Value>>,
}

/// Snapshots taken during one attempt.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshots {
    /// After the org was seeded, before the learner's code ran.
    pub after_setup: Option<OrgSnapshot>,
    /// After each learner run, by run index.
    pub after_runs: Vec<OrgSnapshot>,
}

impl Snapshots {
    /// The state after the last run (the "final" state), if any run was snapshotted.
    pub fn final_state(&self) -> Option<&OrgSnapshot> {
        self.after_runs.last()
    }
}

impl OrgSnapshot {
    pub fn records(&self, object: &str) -> &[Value] {
        self.objects.get(object).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Stable text of the whole snapshot, leaving out the fields named in `ignore`.
    pub fn render(&self, ignore: &[&str]) -> String {
        let mut out = String::new();
        for (object, records) in &self.objects {
            let mut rendered: Vec<(String, String)> = records
                .iter()
                .map(|r| {
                    let id = r
                        .get("Id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    (id, render_record(r, ignore))
                })
                .collect();
            rendered.sort();
            out.push_str(&format!("{object} ({} records)\n", records.len()));
            for (_, text) in rendered {
                out.push_str(&text);
            }
        }
        out
    }
}

/// One record as `  - Field: value` lines, fields sorted, `attributes` left out.
fn render_record(record: &Value, ignore: &[&str]) -> String {
    let Value::Object(map) = record else {
        return format!("  - {}\n", compact(record));
    };
    let sorted: BTreeMap<&String, &Value> = map
        .iter()
        .filter(|(k, _)| k.as_str() != "attributes" && !ignore.contains(&k.as_str()))
        .collect();
    let mut out = String::from("  -\n");
    for (k, v) in sorted {
        out.push_str(&format!("    {k}: {}\n", compact(v)));
    }
    out
}

fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.replace(['\r', '\n'], " "),
        Value::Object(m) => {
            let sorted: BTreeMap<&String, &Value> = m.iter().collect();
            serde_json::to_string(&sorted).unwrap_or_default()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn snap(records: Vec<Value>) -> OrgSnapshot {
        let mut objects = BTreeMap::new();
        objects.insert("Account".to_string(), records);
        OrgSnapshot { objects }
    }

    #[test]
    fn rendering_ignores_record_and_field_order() {
        let a = snap(vec![
            json!({"Id": "001A", "Name": "Falcon", "Industry": "Air"}),
            json!({"Id": "001B", "Name": "Heron"}),
        ]);
        let b = snap(vec![
            json!({"Name": "Heron", "Id": "001B"}),
            json!({"Industry": "Air", "Name": "Falcon", "Id": "001A"}),
        ]);
        assert_eq!(a.render(&[]), b.render(&[]));
    }

    #[test]
    fn rendering_leaves_out_ignored_fields_only() {
        let a = snap(vec![json!({"Id": "001A", "SystemModstamp": "1"})]);
        let b = snap(vec![json!({"Id": "001A", "SystemModstamp": "2"})]);
        assert_ne!(a.render(&[]), b.render(&[]));
        assert_eq!(a.render(&["SystemModstamp"]), b.render(&["SystemModstamp"]));
    }
}
