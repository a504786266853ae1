//! `review.findings`: a security review judged from the findings table in the learner's
//! markdown. The lab plants problems in what the learner audits and lists, for each, the words
//! that show a row is about it (any one is enough: `query string`, `?access_token=`…). A
//! planted problem counts as found when some row of the table mentions it and fills in every
//! column (what, where the evidence is, the fix) — a row that names the problem but leaves the
//! fix as `TODO` is not a finding yet.

use super::cx::Cx;
use super::design::{blank, norm, tables};
use super::Verdict;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Findings {
    /// Markdown file relative to the lab folder, e.g. `findings.md`.
    pub file: String,
    /// Columns the findings table must have; every one must be filled in a matching row.
    pub columns: Vec<String>,
    /// Planted problem (a label shown in verdicts) → words, any of which marks a row as about it.
    pub findings: BTreeMap<String, Vec<String>>,
}

pub(crate) fn findings(p: &Findings, cx: &Cx) -> Verdict {
    let path = p.file.trim_start_matches("./");
    let Some(file) = cx.ev.sources.iter().find(|f| f.path == path) else {
        return cx.fail(format!(
            "There is no `{path}` in the lab folder; write your findings there."
        ));
    };
    let wanted: Vec<String> = p.columns.iter().map(|c| norm(c)).collect();
    let all = tables(&file.text);
    let Some(table) = all.iter().find(|t| {
        let have: Vec<String> = t.header.iter().map(|h| norm(h)).collect();
        wanted.iter().all(|w| have.contains(w))
    }) else {
        return cx.fail(format!(
            "`{path}` has no table with the columns {} (found {} table(s)).",
            p.columns.join(" | "),
            all.len()
        ));
    };
    let cols: Vec<usize> = wanted
        .iter()
        .filter_map(|w| table.header.iter().position(|h| norm(h) == *w))
        .collect();
    let complete = |row: &Vec<String>| cols.iter().all(|i| row.get(*i).is_some_and(|c| !blank(c)));
    let mut missed = Vec::new();
    let mut unfinished = Vec::new();
    for (label, words) in &p.findings {
        let about = |row: &&Vec<String>| {
            let text = norm(&row.join(" "));
            words.iter().any(|w| text.contains(&norm(w)))
        };
        let rows: Vec<&Vec<String>> = table.rows.iter().filter(about).collect();
        if rows.is_empty() {
            missed.push(label.as_str());
        } else if !rows.iter().any(|r| complete(r)) {
            unfinished.push(label.as_str());
        }
    }
    if missed.is_empty() && unfinished.is_empty() {
        return cx.pass(format!(
            "`{path}`: all {} planted problems are reported with evidence and a fix.",
            p.findings.len()
        ));
    }
    let mut parts = Vec::new();
    if !missed.is_empty() {
        parts.push(format!("not reported: {}", missed.join(", ")));
    }
    if !unfinished.is_empty() {
        parts.push(format!(
            "reported but with an empty column: {}",
            unfinished.join(", ")
        ));
    }
    cx.fail(format!(
        "`{path}`: {} of {} planted problems are not fully reported ({}). Go through the config, \
         the transcript and the files once more.",
        missed.len() + unfinished.len(),
        p.findings.len(),
        parts.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use crate::evidence::SourceFile;

    fn with_doc(text: &str) -> crate::evidence::Evidence {
        let mut ev = evidence(vec![]);
        ev.sources.push(SourceFile {
            path: "findings.md".into(),
            text: text.into(),
        });
        ev
    }

    const RULE: &str = "{ rule: review.findings, file: findings.md, columns: [Finding, Evidence, Fix], findings: { token in URL: [query string, access_token=], TLS off: [verify, tls] } }";

    const GOOD: &str = "| Finding | Evidence | Fix |\n|---|---|---|\n| Token sent in the **query string** | transcript entry 3 | Authorization header |\n| Certificate checks disabled (`verify: false`) | config.yaml line 9 | turn TLS verification on |\n";

    #[test]
    fn every_planted_problem_reported_passes() {
        assert_passes(RULE, &with_doc(GOOD));
    }

    #[test]
    fn a_missed_problem_is_named() {
        let doc = GOOD.replace(
            "| Certificate checks disabled (`verify: false`) | config.yaml line 9 | turn TLS verification on |\n",
            "",
        );
        let v = assert_fails(RULE, &with_doc(&doc));
        assert!(v.message.contains("not reported: TLS off"), "{}", v.message);
    }

    #[test]
    fn a_finding_without_a_fix_does_not_count() {
        let doc = GOOD.replace("| Authorization header |", "| TODO |");
        let v = assert_fails(RULE, &with_doc(&doc));
        assert!(
            v.message.contains("empty column: token in URL"),
            "{}",
            v.message
        );
    }

    #[test]
    fn no_file_or_no_table_fails() {
        assert_fails(RULE, &evidence(vec![]));
        assert_fails(RULE, &with_doc("Token in the query string, TLS off.\n"));
    }
}
