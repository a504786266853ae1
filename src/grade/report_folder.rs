//! Why a folder `sflab report` wrote has no folder of the lab being graded (`labs/<lab>/`),
//! as its `progress.json` tells it: the track does not assign the lab, the lab had not been
//! started, or — a lab started or passed — its folder was missing from the workspace when
//! the report was written. The last one is not the learner's "nothing done": the lead is told
//! to ask for the folder.
//!
//! The lab's `status` is enough to tell a missing folder from a lab not started, so reports
//! written before `folder_missing` was recorded are read alike.

use serde_json::Value;
use std::path::Path;

/// The reason for the gradebook, read from `<report>/progress.json`.
pub fn why_no_lab_folder(report: &Path, lab: &str) -> String {
    let progress = std::fs::read_to_string(report.join("progress.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok());
    why_from(progress.as_ref(), lab)
}

/// [`why_no_lab_folder`] from the parsed `progress.json`, if it could be read.
pub fn why_from(progress: Option<&Value>, lab: &str) -> String {
    let start = format!("this report folder has no labs/{lab}/");
    let Some(progress) = progress else {
        return format!(
            "{start}: the lab had no folder in the workspace when `sflab report` wrote it."
        );
    };
    let entry = progress["labs"]
        .as_array()
        .and_then(|labs| labs.iter().find(|l| l["lab"] == lab));
    let left_out = progress["left_out"]
        .as_array()
        .and_then(|labs| labs.iter().find(|l| l["lab"] == lab));
    if let Some(left_out) = left_out {
        let why = left_out["why"]
            .as_str()
            .unwrap_or("")
            .lines()
            .next()
            .unwrap_or("");
        return format!(
            "{start}: the track assigns {lab}, but the curriculum `sflab report` used left it out ({}), and the workspace had no {lab}/ folder to copy (not started, or moved). Ask the learner for the lab folder and grade it again.",
            why.trim_end_matches('.')
        );
    }
    let Some(entry) = entry else {
        return format!("{start}: the report's track does not assign {lab}.");
    };
    let status = match entry["status"].as_str() {
        Some("not_started") | None => {
            return format!("{start}: the lab had not been started when `sflab report` wrote it.")
        }
        Some("passed") => "passed",
        Some("started") => "started",
        Some(_) => "attempted",
    };
    format!(
        "{start}: the lab was {status}, but its folder was missing from the workspace when `sflab report` wrote it. Ask the learner for the lab folder and grade it again."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_passed_lab_without_its_folder_is_told_apart_from_one_not_started() {
        let progress = json!({ "labs": [
            { "lab": "rest-first-call", "status": "passed", "folder": null,
              "folder_missing": "the workspace had no rest-first-call/ folder: it was deleted or moved" },
            { "lab": "rest-crud", "status": "attempted", "folder": null },
            { "lab": "rest-upsert-twice", "status": "not_started", "folder": null },
        ]});
        let why = |lab| why_from(Some(&progress), lab);
        assert_eq!(
            why("rest-first-call"),
            "this report folder has no labs/rest-first-call/: the lab was passed, but its folder was missing from the workspace when `sflab report` wrote it. Ask the learner for the lab folder and grade it again."
        );
        assert!(
            why("rest-crud").contains("the lab was attempted, but its folder was missing"),
            "a report from before folder_missing: {}",
            why("rest-crud")
        );
        assert!(why("rest-upsert-twice")
            .ends_with("the lab had not been started when `sflab report` wrote it."));
        assert!(why("bulk-ingest").ends_with("the report's track does not assign bulk-ingest."));
        let left_out = json!({ "labs": [], "left_out": [
            { "lab": "rest-crud", "due": "2026-12-04", "folder": null,
              "why": "labs/rest-crud/lab.yaml:45: check 5: unknown rule process.exit_okk" },
        ]});
        let why = why_from(Some(&left_out), "rest-crud");
        assert!(
            why.contains("the track assigns rest-crud, but the curriculum `sflab report` used left it out (labs/rest-crud/lab.yaml:45: check 5: unknown rule process.exit_okk)"),
            "{why}"
        );
        assert!(!why.contains("does not assign"), "{why}");
        assert!(why_from(None, "x").contains("had no folder in the workspace"));
    }
}
