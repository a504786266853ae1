//! `review.findings`: a security review judged from the findings table in the learner's
//! markdown. The lab plants problems in what the learner audits and lists, for each, the words
//! that show a row is about it (any one is enough: `query string`, `?access_token=`…). A
//! planted problem counts as named when some row of the table mentions it and fills in every
//! column (what, where the evidence is, the fix) — a row that names the problem but leaves the
//! fix as `TODO` is not a finding yet.
//!
//! With `fix: <column>` the fix must also read like one: at least three words, not a
//! placeholder (`fix it`, `n/a`, `none`), and not a verdict that the problem may stay — no
//! `fine`, `acceptable`, `as is`, `no change`, `not a problem` in it, and no `keep` or `leave`
//! followed, in the same sentence, by the problem's words and then `in` or `as` ("keep the
//! client_secret in the file") unless a safe place is named after them (a vault, a secret
//! store, the environment, a Named Credential). "Keep TLS verification on", "keep the client
//! secret out of Git" and "keep the client secret in a vault" still count as fixes.
//!
//! Limits: this is word matching, not understanding. A row can name the problem and propose
//! a wrong fix in other words and still count, and an unusual phrasing of a good fix can be
//! refused; the verdict therefore says only that the problems are named with a fix filled in,
//! never that the fixes are right.

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
    /// The column holding the fix; when given, the fix must read like one (see the module).
    #[serde(default)]
    pub fix: Option<String>,
    /// The column holding the evidence, with per planted problem the words that show where
    /// it was seen (its line, setting or transcript entry; any one is enough): a row whose
    /// evidence names none of them ("n/a", another line) has not shown the problem yet.
    #[serde(default)]
    pub evidence: Option<EvidenceCheck>,
}

/// See [`Findings::evidence`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceCheck {
    pub column: String,
    pub places: BTreeMap<String, Vec<String>>,
}

/// Fixes that are placeholders, however the cell is written.
const PLACEHOLDERS: &[&str] = &[
    "fix it", "fix", "n/a", "na", "none", "-", "—", "tbd", "todo",
];

/// Words and phrases that say the problem may stay.
const DISMISSALS: &[&str] = &[
    "accept the risk",
    "accept this risk",
    "risk accepted",
    "accepted risk",
    "fine",
    "acceptable",
    "as is",
    "as-is",
    "no change",
    "no changes",
    "no code change",
    "no code changes",
    "nothing to fix",
    "no fix needed",
    "no fix is needed",
    "nothing needs changing",
    "nothing to change",
    "not a problem",
    "not an issue",
    "no action",
    "nothing to do",
];

/// Places a secret may be kept: "keep the client secret in a vault" is a fix.
const SAFE_PLACES: &[&str] = &[
    "vault",
    "secret store",
    "secrets store",
    "secret manager",
    "secrets manager",
    "environment",
    "env var",
    "keychain",
    "named credential",
    "external credential",
    "kms",
];

/// True when an evidence cell (normalised) names `place`: a `line N` place is named by the
/// number however the line is cited (`line 10`, `file.yaml:10`, `L10`, `lines 9-10`); any
/// other place by its words.
fn cites(cell: &str, place: &str) -> bool {
    let Some(n) = place
        .strip_prefix("line ")
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    else {
        return cell.contains(place);
    };
    cell.match_indices(n).any(|(at, _)| {
        let before = cell[..at].chars().next_back();
        let after = cell[at + n.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

/// Fixes that only run the job again, which leaves the cause in place.
const RERUNS: &[&str] = &[
    "rerun",
    "re-run",
    "run it again",
    "run again",
    "try again",
    "retry later",
    "wait for",
    "wait until",
];

/// The clauses of a normalised cell: its sentences, cut again at "but".
fn clauses(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for sentence in sentences(text) {
        let mut clause = Vec::new();
        for w in sentence {
            if w == "but" {
                out.push(std::mem::take(&mut clause));
            } else {
                clause.push(w);
            }
        }
        out.push(clause);
    }
    out.retain(|c| !c.is_empty());
    out
}

/// The sentences of a normalised cell, as word lists with their punctuation trimmed.
fn sentences(text: &str) -> Vec<Vec<String>> {
    text.split(['.', ';', '!', '?'])
        .map(|s| {
            s.split_whitespace()
                .map(|w| {
                    w.trim_matches(|c: char| matches!(c, ',' | ':' | '(' | ')' | '"' | '\''))
                        .to_string()
                })
                .filter(|w| !w.is_empty())
                .collect()
        })
        .collect()
}

/// Why `fix` (a cell of a row about a problem marked by `words`) is no fix, or `None`.
fn not_a_fix(fix: &str, words: &[String]) -> Option<&'static str> {
    let text = norm(fix);
    if PLACEHOLDERS.contains(&text.trim_end_matches('.')) {
        return Some("a placeholder");
    }
    let all: Vec<String> = sentences(&text).concat();
    if all.len() < 3 {
        return Some("fewer than three words");
    }
    // A fix needs one clause that neither lets the problem stay nor only runs the job again:
    // "the refresh call is fine; make it assign the new token" is a fix, "rerun it in the
    // morning; no code change needed" is not.
    let has = |clause: &[String], phrases: &[&str]| {
        let joined = format!(" {} ", clause.join(" "));
        phrases
            .iter()
            .any(|d| joined.contains(&format!(" {} ", norm(d))))
    };
    let clauses = clauses(&text);
    if clauses.iter().all(|c| has(c, DISMISSALS) || has(c, RERUNS)) {
        return Some(if clauses.iter().any(|c| has(c, DISMISSALS)) {
            "says the problem may stay"
        } else {
            "only runs the job again"
        });
    }
    for sentence in sentences(&text) {
        for (i, w) in sentence.iter().enumerate() {
            if !matches!(w.as_str(), "keep" | "keeping" | "leave" | "leaving") {
                continue;
            }
            let rest = sentence[i + 1..].join(" ");
            let after_problem = words.iter().map(|w| norm(w)).find_map(|w| {
                let at = rest.find(&w)?;
                Some(rest[at + w.len()..].to_string())
            });
            if let Some(tail) = after_problem {
                // "keep the secret in the file", "leave TLS checks disabled until …"
                let kept_where = tail.split_whitespace().any(|t| {
                    matches!(
                        t.trim_matches(|c: char| !c.is_alphanumeric()),
                        "in" | "as" | "disabled" | "off" | "unchanged" | "until" | "open"
                    )
                });
                let safe = SAFE_PLACES.iter().any(|p| tail.contains(p));
                if kept_where && !safe {
                    return Some("says to keep the problem");
                }
            }
        }
    }
    None
}

pub(crate) fn findings(p: &Findings, cx: &Cx) -> Verdict {
    let path = p.file.trim_start_matches("./");
    let Some(file) = cx.ev.sources.iter().find(|f| f.path == path) else {
        if let Some(why) = cx.unread_why(path) {
            return cx.fail(why);
        }
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
    let fix_col = p
        .fix
        .as_ref()
        .and_then(|f| table.header.iter().position(|h| norm(h) == norm(f)));
    let evidence_col = p.evidence.as_ref().and_then(|e| {
        let i = table
            .header
            .iter()
            .position(|h| norm(h) == norm(&e.column))?;
        Some((i, &e.places))
    });
    let mut missed = Vec::new();
    let mut unfinished = Vec::new();
    let mut unfixed: Vec<String> = Vec::new();
    let mut unshown: Vec<&str> = Vec::new();
    let mut lumped = Vec::new();
    for (label, words) in &p.findings {
        let mentions = |row: &Vec<String>, ws: &Vec<String>| {
            let text = norm(&row.join(" "));
            ws.iter().any(|w| text.contains(&norm(w)))
        };
        // A row whose finding (its first cell) names more than two planted problems lumps
        // them together: it counts for none. Its evidence or fix may refer to others.
        let own_row = |row: &&Vec<String>| {
            let finding = row.iter().take(1).cloned().collect::<Vec<_>>();
            mentions(row, words)
                && p.findings
                    .values()
                    .filter(|ws| mentions(&finding, ws))
                    .count()
                    <= 2
        };
        let rows: Vec<&Vec<String>> = table.rows.iter().filter(own_row).collect();
        if rows.is_empty() && table.rows.iter().any(|r| mentions(r, words)) {
            lumped.push(label.as_str());
            continue;
        }
        let filled: Vec<&&Vec<String>> = rows.iter().filter(|r| complete(r)).collect();
        let why_not = |r: &&&Vec<String>| {
            let fix = fix_col.and_then(|i| r.get(i))?;
            not_a_fix(fix, words)
        };
        // The evidence names where the problem is, when the lab says where that is.
        let shown = |r: &&&Vec<String>| match evidence_col {
            Some((i, places)) => match places.get(label) {
                Some(words) => {
                    let cell = norm(r.get(i).map(String::as_str).unwrap_or(""));
                    words.iter().any(|w| cites(&cell, &norm(w)))
                }
                None => true,
            },
            None => true,
        };
        if rows.is_empty() {
            missed.push(label.as_str());
        } else if filled.is_empty() {
            unfinished.push(label.as_str());
        } else if filled.iter().all(|r| why_not(r).is_some()) {
            let why = why_not(&filled[0]).unwrap_or_default();
            unfixed.push(format!("{label} (the fix {why})"));
        } else if !filled.iter().any(shown) {
            unshown.push(label.as_str());
        }
    }
    if missed.is_empty()
        && unfinished.is_empty()
        && unfixed.is_empty()
        && unshown.is_empty()
        && lumped.is_empty()
    {
        let fixes = if fix_col.is_some() {
            " and a fix that proposes a change"
        } else {
            ""
        };
        let named = match p.findings.len() {
            1 => "the planted problem, in a row".to_string(),
            n => format!("all {n} planted problems, each in a row"),
        };
        return cx.pass(format!(
            "`{path}` names {named} with every column filled{fixes}."
        ));
    }
    let mut parts = Vec::new();
    if !missed.is_empty() {
        parts.push(format!("not reported: {}", missed.join(", ")));
    }
    if !unshown.is_empty() {
        parts.push(format!(
            "reported with evidence that does not point at it (name the file and line, the setting or the transcript entry where it shows): {}",
            unshown.join(", ")
        ));
    }
    if !unfinished.is_empty() {
        parts.push(format!(
            "reported but with an empty column: {}",
            unfinished.join(", ")
        ));
    }
    if !unfixed.is_empty() {
        parts.push(format!(
            "reported without a fix that changes anything: {}",
            unfixed.join(", ")
        ));
    }
    if !lumped.is_empty() {
        parts.push(format!(
            "only in a row that lumps several problems together (give each its own row, with its own evidence and fix): {}",
            lumped.join(", ")
        ));
    }
    cx.fail(format!(
        "`{path}`: {} of {} planted problems are not fully reported ({}). Go through the config, \
         the transcript and the files once more; each fix says what to change.",
        missed.len() + unfinished.len() + unfixed.len() + unshown.len() + lumped.len(),
        p.findings.len(),
        parts.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use super::{cites, not_a_fix};
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
    fn evidence_that_points_nowhere_does_not_count() {
        let rule = "{ rule: review.findings, file: findings.md, columns: [Finding, Evidence, Fix], findings: { token in URL: [query string, access_token=], TLS off: [verify, tls] }, evidence: { column: Evidence, places: { token in URL: [transcript, entry 3], TLS off: [line 9, verify] } } }";
        assert_passes(rule, &with_doc(GOOD));
        let doc = GOOD.replace("config.yaml line 9", "n/a, see above");
        let v = assert_fails(rule, &with_doc(&doc));
        assert!(
            v.message.contains("evidence that does not point at it")
                && v.message.contains("TLS off"),
            "{}",
            v.message
        );
        assert!(!v.message.contains("token in URL"), "{}", v.message);
        let typo = "{ rule: review.findings, file: findings.md, columns: [Finding, Evidence, Fix], findings: { TLS off: [tls] }, evidence: { column: Evidence, places: { TLS of: [line 9] } } }";
        let typo: serde_json::Value = serde_yaml::from_str(typo).expect("yaml");
        let e = crate::rules::RuleSpec::from_value(typo).expect_err("a label no finding has");
        assert!(e.to_string().contains("\"TLS of\""), "{e}");
    }

    #[test]
    fn a_line_is_cited_however_it_is_written() {
        for cell in [
            "config.yaml line 9",
            "config.yaml:9",
            "l9",
            "lines 8-9",
            "line 9 and 10",
        ] {
            assert!(cites(cell, "line 9"), "{cell}");
        }
        for cell in ["config.yaml line 19", "line 90", "n/a", "config.yaml:3"] {
            assert!(!cites(cell, "line 9"), "{cell}");
        }
        assert!(cites("transcript entry 2", "entry 2"));
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

    const WITH_FIX: &str = "{ rule: review.findings, file: findings.md, columns: [Finding, Evidence, Fix], fix: Fix, findings: { secret in the config: [client_secret, client secret], TLS off: [verify, tls] } }";

    const FIXED: &str = "| Finding | Evidence | Fix |\n|---|---|---|\n| The client_secret is in the config | config.yaml line 4 | Rotate it and load it from the environment |\n| Certificate checks disabled (`verify: false`) | config.yaml line 9 | Keep TLS verification on |\n";

    #[test]
    fn fixes_that_propose_a_change_pass_and_the_verdict_says_only_that() {
        let v = assert_passes(WITH_FIX, &with_doc(FIXED));
        assert!(
            v.message
                .contains("names all 2 planted problems, each in a row with every column filled and a fix that proposes a change"),
            "{}",
            v.message
        );
        for fix in [
            "Keep the client secret out of Git",
            "Keep the client secret in a vault",
        ] {
            let doc = FIXED.replace("Rotate it and load it from the environment", fix);
            assert_passes(WITH_FIX, &with_doc(&doc));
        }
    }

    #[test]
    fn a_fix_that_keeps_the_problem_or_is_a_placeholder_does_not_count() {
        for (fix, why) in [
            (
                "keep the client_secret in the file",
                "says to keep the problem",
            ),
            (
                "The secret is fine where it is",
                "says the problem may stay",
            ),
            ("fix it", "a placeholder"),
            ("n/a", "a placeholder"),
            ("use vault", "fewer than three words"),
        ] {
            let doc = FIXED.replace("Rotate it and load it from the environment", fix);
            let v = assert_fails(WITH_FIX, &with_doc(&doc));
            assert!(
                v.message
                    .contains(&format!("secret in the config (the fix {why})")),
                "{fix}: {}",
                v.message
            );
        }
    }

    #[test]
    fn without_a_fix_column_named_any_filled_fix_counts() {
        let doc = FIXED.replace("Rotate it and load it from the environment", "fine");
        assert_passes(
            RULE.replace(
                "token in URL: [query string, access_token=], ",
                "secret in the config: [client_secret], ",
            )
            .as_str(),
            &with_doc(&doc),
        );
    }

    #[test]
    fn one_row_lumping_the_problems_together_counts_for_none() {
        let rule = "{ rule: review.findings, file: findings.md, columns: [Finding, Evidence, Fix], findings: { token in URL: [query string], TLS off: [tls], secret in git: [git], admin profile: [admin] } }";
        let lumped = "| Finding | Evidence | Fix |\n|---|---|---|\n| query string token, tls off, secret in git, admin profile | everywhere | fix all four properly |\n";
        let v = assert_fails(rule, &with_doc(lumped));
        assert!(
            v.message.contains("lumps several problems together"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_row_whose_fix_refers_to_other_problems_still_counts_for_its_own() {
        let rule = "{ rule: review.findings, file: findings.md, columns: [Finding, Evidence, Fix], findings: { token in URL: [query string], TLS off: [tls], secret in git: [git] } }";
        let doc = "| Finding | Evidence | Fix |\n|---|---|---|\n| Token in the query string | transcript #3 | move it to a header; with tls off and the secret in git fixed too, nothing leaks |\n| TLS checks off | config line 9 | turn verification on |\n| Secret committed to git | .env in history | rotate it and purge the history |\n";
        assert_passes(rule, &with_doc(doc));
    }

    #[test]
    fn a_fix_that_leaves_the_problem_for_now_or_accepts_it_does_not_count() {
        assert_eq!(
            not_a_fix(
                "Leave certificate checks disabled until the new proxy is in place.",
                &["certificate".to_string()]
            ),
            Some("says to keep the problem")
        );
        assert_eq!(
            not_a_fix("We accept the risk for this release.", &["tls".to_string()]),
            Some("says the problem may stay")
        );
        let stale = ["stale".to_string()];
        assert_eq!(
            not_a_fix(
                "Rerun the job in the morning; no code change needed.",
                &stale
            ),
            Some("says the problem may stay")
        );
        assert_eq!(
            not_a_fix("Just rerun it tomorrow", &stale),
            Some("only runs the job again")
        );
        assert_eq!(
            not_a_fix("re-run the job in the morning", &stale),
            Some("only runs the job again")
        );
        assert_eq!(
            not_a_fix(
                "Nothing needs changing; the 401s were a transient outage, rerun later",
                &stale
            ),
            Some("says the problem may stay")
        );
        // Another clause saying something else is fine, or stays, does not undo a fix.
        for fix in [
            "The refresh call is fine; make refresh_session assign the new token to token",
            "Assign the refreshed token to token; no change to the refresh request is needed",
            "Keep refresh_session as is, but write its token into token, the variable clear_flag sends",
            "Turn verification back on; the proxy is fine once its CA bundle is trusted",
        ] {
            assert_eq!(not_a_fix(fix, &["tls".to_string()]), None, "{fix}");
        }
        assert_eq!(
            not_a_fix("Keep TLS verification on everywhere.", &["tls".to_string()]),
            None
        );
    }

    #[test]
    fn no_file_or_no_table_fails() {
        assert_fails(RULE, &evidence(vec![]));
        assert_fails(RULE, &with_doc("Token in the query string, TLS off.\n"));
    }
}
