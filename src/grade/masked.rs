//! Hand-ins whose secrets `sflab report` masked: a lead grading the copy of a learner's lab
//! folder from a report grades files where a hard-coded secret became `‹redacted:kind#hash›`,
//! so a run can fail for the mask (`erp token: HTTP 401`) rather than for the code. sflab does
//! not unmask (the report keeps no secret to put back); it says so, naming the files, in the
//! learner's feedback and in the gradebook's notes.
//!
//! A file is masked when it holds the mark the redactor writes. A hand-in that is a report
//! folder (its `.sflab-report` marker or `progress.json` beside `labs/`) also names the files
//! its `progress.json` lists as masked for the lab, should a mark have been edited away.
//!
//! Implementation notes: only the copied files of the graded copy are read, and the lab's
//! harness files (written over the copy from the curriculum) are not the learner's, so a mark
//! in one of them is not named.

use serde_json::Value;
use std::path::Path;

/// The start of every mark the redactor leaves where it masked a secret.
const MARK: &str = "‹redacted:";

/// The learner's files of the graded copy at `copy` (`copied`, relative paths) that hold a
/// mask, with those `report`'s progress.json lists for `lab` when the hand-in is a report
/// folder; sorted, each once. `harness` files are left out.
pub fn masked_files(
    copy: &Path,
    copied: &[String],
    harness: &[(String, Vec<u8>)],
    report: &Path,
    lab: &str,
) -> Vec<String> {
    let is_harness = |rel: &str| harness.iter().any(|(h, _)| h == rel);
    let mut found: Vec<String> = copied
        .iter()
        .filter(|rel| !is_harness(rel))
        .filter(|rel| {
            std::fs::read(copy.join(rel.as_str()))
                .is_ok_and(|bytes| String::from_utf8_lossy(&bytes).contains(MARK))
        })
        .cloned()
        .collect();
    let listed = listed_in_report(report, lab);
    found.extend(
        listed
            .into_iter()
            .filter(|f| copied.contains(f) && !is_harness(f)),
    );
    found.sort();
    found.dedup();
    found
}

/// The files `report/progress.json` lists as masked for `lab`, when `report` is a folder
/// `sflab report` wrote.
fn listed_in_report(report: &Path, lab: &str) -> Vec<String> {
    let is_report = report.join(crate::track::report::REPORT_MARKER).is_file()
        || crate::progress::fingerprint::is_report_folder(report);
    if !is_report {
        return Vec::new();
    }
    let Some(progress) = std::fs::read_to_string(report.join("progress.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
    else {
        return Vec::new();
    };
    progress["labs"]
        .as_array()
        .and_then(|labs| labs.iter().find(|l| l["lab"] == lab))
        .and_then(|l| l["masked_files"].as_array())
        .map(|files| {
            files
                .iter()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The note for the feedback and the gradebook, when any file was masked.
pub fn note(files: &[String]) -> Option<String> {
    if files.is_empty() {
        return None;
    }
    let named: Vec<String> = files.iter().map(|f| format!("`{f}`")).collect();
    let (these, hold) = if files.len() == 1 {
        ("this file", "holds")
    } else {
        ("these files", "hold")
    };
    Some(format!(
        "{} {hold} secrets masked by `sflab report` (‹redacted:…› marks where a secret written in {these} was hidden), and {these} {} graded as masked: a run that fails to log in or is refused (an HTTP 401) may fail because of the mask, not the code. Grade the learner's own lab folder to tell.",
        named.join(", "),
        if files.len() == 1 { "was" } else { "were" },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_holding_a_mask_are_named_and_the_harness_is_not() {
        let t = tempfile::tempdir().unwrap();
        let copy = t.path().join("copy");
        std::fs::create_dir_all(copy.join("lib")).unwrap();
        std::fs::write(
            copy.join("run"),
            "#!/bin/sh\nTOKEN='‹redacted:lab_secret#a1b2c3›'\n",
        )
        .unwrap();
        std::fs::write(copy.join("lib/erp.py"), "print('no secret')\n").unwrap();
        std::fs::write(copy.join("harness.sh"), "‹redacted:password#ff›\n").unwrap();
        let copied = ["harness.sh", "lib/erp.py", "run"].map(String::from);
        let harness = vec![("harness.sh".to_string(), Vec::new())];
        let files = masked_files(&copy, &copied, &harness, t.path(), "lab-a");
        assert_eq!(files, ["run"]);
        let said = note(&files).unwrap();
        assert!(
            said.starts_with("`run` holds secrets masked by `sflab report`")
                && said.contains("HTTP 401")
                && said.contains("may fail because of the mask"),
            "{said}"
        );
        assert_eq!(note(&[]), None);
    }

    #[test]
    fn a_report_folder_names_the_files_its_progress_json_lists_as_masked() {
        let t = tempfile::tempdir().unwrap();
        let report = t.path().join("alice");
        let copy = report.join("labs/lab-a");
        std::fs::create_dir_all(&copy).unwrap();
        std::fs::write(copy.join(".env"), "ERP_SECRET=edited away\n").unwrap();
        std::fs::write(copy.join("run"), "#!/bin/sh\n").unwrap();
        std::fs::write(
            report.join("progress.json"),
            r#"{"labs": [{"lab": "lab-a", "masked_files": [".env"]}, {"lab": "lab-b", "masked_files": ["run"]}]}"#,
        )
        .unwrap();
        let copied = [".env", "run"].map(String::from);
        assert_eq!(
            masked_files(&copy, &copied, &[], &report, "lab-a"),
            [".env"]
        );
    }
}
