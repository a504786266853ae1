//! `files.*` rules over the files the learner's program wrote into the lab folder (read after
//! the last run, redacted, up to the runner's size limit per file).
//!
//! `files.csv_rows`: a CSV the program produced has a header and exactly the expected number of
//! data rows — a fixed number, or as many as a SOQL query returns on the org's final state. A
//! header repeated inside the file (the usual slip when pages are glued together) is reported.

use super::cx::Cx;
use super::Verdict;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvRows {
    /// Path relative to the lab folder, e.g. `export.csv`.
    pub file: String,
    /// The exact number of data rows expected.
    #[serde(default)]
    pub rows: Option<usize>,
    /// A SOQL query whose row count on the final org state is the expected number.
    #[serde(default)]
    pub query: Option<String>,
}

/// Data rows of `text` and how many of them repeat the header, or a parse error.
fn count_rows(text: &str) -> Result<(usize, usize), String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
    if header.iter().all(|h| h.is_empty()) {
        return Err("it has no header line".into());
    }
    let (mut rows, mut repeated) = (0, 0);
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        if record.iter().eq(header.iter().map(String::as_str)) {
            repeated += 1;
        } else {
            rows += 1;
        }
    }
    Ok((rows, repeated))
}

pub(crate) fn csv_rows(p: &CsvRows, cx: &Cx) -> Verdict {
    let want_path = p.file.trim_start_matches("./");
    let Some(file) = cx.ev.sources.iter().find(|f| f.path == want_path) else {
        return cx.fail(format!(
            "Your program did not leave a file `{want_path}` in the lab folder (files larger than 256 KiB are not read)."
        ));
    };
    let (rows, repeated) = match count_rows(&file.text) {
        Ok(c) => c,
        Err(e) => return cx.fail(format!("`{want_path}` is not a readable CSV file: {e}.")),
    };
    let expected = match (&p.query, p.rows) {
        (Some(q), _) => {
            let Some(snapshot) = cx.ev.snapshots.after_runs.last() else {
                return cx
                    .fail("Your program did not run, so there is no org state to compare with.");
            };
            let Some(eval) = cx.soql else {
                return cx.not_applicable(
                    "This check needs the org's SOQL engine, which this checker was not given.",
                );
            };
            match eval.query(snapshot, q) {
                Ok(r) => r.len(),
                Err(e) => {
                    return cx.fail(format!(
                        "The lab's check query could not run ({e}); tell the lab's author."
                    ))
                }
            }
        }
        (None, Some(n)) => n,
        (None, None) => {
            return cx.fail("This check names no expected row count; tell the lab's author.")
        }
    };
    if repeated > 0 {
        return cx.fail(format!(
            "`{want_path}` repeats its header line {repeated} more time(s); each page of results starts with a header, so keep only the first when you join pages."
        ));
    }
    if rows != expected {
        return cx.fail(format!(
            "`{want_path}` has {rows} data row(s), but the org has {expected}. Every page of results must end up in the file, once."
        ));
    }
    cx.pass(format!(
        "`{want_path}` holds all {rows} rows, under one header."
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use crate::evidence::SourceFile;

    fn with_file(text: &str) -> crate::evidence::Evidence {
        let mut ev = evidence(vec![]);
        ev.sources.push(SourceFile {
            path: "export.csv".into(),
            text: text.into(),
        });
        ev
    }

    const RULE: &str = "{ rule: files.csv_rows, file: export.csv, rows: 3 }";

    #[test]
    fn exact_row_count_under_one_header_passes() {
        assert_passes(RULE, &with_file("Id,Name\n1,a\n2,\"b, c\"\n3,d\n"));
    }

    #[test]
    fn missing_rows_fail_with_both_counts() {
        let v = assert_fails(RULE, &with_file("Id,Name\n1,a\n2,b\n"));
        assert!(
            v.message.contains("2 data row") && v.message.contains("has 3"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_repeated_header_from_glued_pages_fails() {
        let v = assert_fails(RULE, &with_file("Id,Name\n1,a\nId,Name\n2,b\n3,c\n"));
        assert!(v.message.contains("repeats its header"), "{}", v.message);
    }

    struct FourRows;
    impl crate::rules::SoqlEvaluator for FourRows {
        fn query(
            &self,
            _: &crate::evidence::OrgSnapshot,
            _: &str,
        ) -> Result<Vec<serde_json::Value>, String> {
            Ok(vec![serde_json::json!({}); 4])
        }
    }

    #[test]
    fn expected_count_can_come_from_the_org() {
        let rule = "{ rule: files.csv_rows, file: export.csv, query: SELECT Id FROM Account }";
        let mut ev = with_file("Id\n1\n2\n3\n4\n");
        ev.snapshots
            .after_runs
            .push(crate::evidence::OrgSnapshot::default());
        let org = Some(&FourRows as &dyn crate::rules::SoqlEvaluator);
        assert!(verdict_with(rule, &ev, org).passed());
        let mut short = with_file("Id\n1\n2\n");
        short.snapshots = ev.snapshots.clone();
        let v = verdict_with(rule, &short, org);
        assert!(
            v.failed() && v.message.contains("the org has 4"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_missing_file_fails() {
        assert_fails(RULE, &evidence(vec![]));
    }
}
