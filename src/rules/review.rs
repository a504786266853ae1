//! `review.findings`: a security review judged from the findings table in the learner's
//! markdown. The lab plants problems in what the learner audits and lists, for each, the words
//! that show a row is about it (any one is enough: `query string`, `?access_token=`, or
//! `token … url` for both in that order). A planted problem counts as named when some row of
//! the table mentions it outright (not "the token is never put in the URL": see
//! [`super::negation::reports`]) and fills in every column (what, where the evidence is, the
//! fix) — a row that names the problem but leaves the fix as `TODO` is not a finding yet, and
//! one whose finding or evidence clears the item ("client secret is safely handled", "checked,
//! no issue", "all good") reports no problem at all. A clearance with a subject ("… is fine",
//! "… is met") clears only when its subject is the problem ("least privilege is met") or
//! stands for it ("it is fine"): "the job is fine with api alone" clears nothing.
//!
//! With `fix: <column>` the fix must also read like one: not a placeholder (`fix it`, `n/a`,
//! `none`), at least three words unless the lab lists the problem's `remedies` (then naming
//! one is enough: "Vault it", "Enable verification"), and not a verdict that the problem may stay — no
//! `fine`, `acceptable`, `as is`, `no change`, `not a problem` in it, and no `keep` or `leave`
//! followed, in the same sentence, by the problem's words and then `in` or `as` ("keep the
//! client_secret in the file") unless a safe place is named after them (a vault, a secret
//! store, the environment, a Named Credential); a pronoun right after the verb stands for the
//! problem ("keep it there", "leave it off until…", "leave everything unchanged"). "Keep TLS
//! verification on", "keep the client secret out of Git", "keep the client secret in a vault"
//! and a negated verb ("never leave it disabled", "don't keep it in Git") still count as fixes.
//! `ruled_out` adds, per planted problem (or `"*"`), words a fix for it may not say outright,
//! as they keep or spread it ("commit it to a second repo"); naming one only to reject it
//! ("base64 would not protect it", "a proxy that strips it is not a fix") is not saying it.
//! An item may list the spellings of one mechanism (`a | b`) and end `unless c | d`: a
//! sentence that also says `c` or `d` is not held to it (`full unless drop* … full`: the full
//! scope named only to be dropped). Each sentence of the fix is read on its own. `remedies`
//! lists, per planted problem, the changes that remove it ("header", "rotate", "turn … on"):
//! a fix for it must say one outright, so "look into it" or "accept the risk; the proxy strips
//! it" proposes no change however many words it has.
//!
//! With `cause: <column>` a row is about a planted problem only when that column names it: a
//! word of it in the evidence or the fix ("with the same token entry 2 had worked") does not
//! make the row's diagnosis right. A cause of fewer than three words ("stale", "old token")
//! names no cause yet: it must say what went wrong, not drop a keyword. `refuted` (which needs `cause:`) adds, per planted problem
//! (or `"*"`), the causes the evidence refutes — the red herrings a lab plants beside the real
//! one ("api limit", "revoked"): a row whose cause blames one outright does not count for the
//! problem, whatever else it names. "Not the API limit" and a sentence that calls it no cause
//! ("the API limit was close, but it is a red herring") blame nothing.
//!
//! Limits: this is word matching, not understanding. A row can name the problem and propose
//! a wrong fix in other words and still count, and an unusual phrasing of a good fix can be
//! refused; the verdict therefore says only that the problems are named with a fix filled in,
//! never that the fixes are right.

use super::cx::Cx;
use super::design::{norm_ruled_out, sentences as design_sentences, split_unless};
use super::doc_table::{blank, document, norm, table_with, tables};
use super::negation::{affirms, fix_affirms_ruled_out, is_negation, reports, reports_words};
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
    /// Planted problem (or `"*"` for every one) → words a fix for it may not say outright,
    /// as they keep or spread the problem ("commit it to a second repo"); see the module.
    #[serde(default)]
    pub ruled_out: BTreeMap<String, Vec<String>>,
    /// Planted problem → the changes that remove it (any one is enough, said outright): a fix
    /// for it that names none ("look into it", "accept the risk; the proxy strips it")
    /// proposes no change. Needs `fix:`; see the module.
    #[serde(default)]
    pub remedies: BTreeMap<String, Vec<String>>,
    /// The column holding the cause; when given, a planted problem's words count only there.
    #[serde(default)]
    pub cause: Option<String>,
    /// Planted problem (or `"*"` for every one) → causes the evidence refutes; a row whose
    /// cause blames one does not count for the problem (see the module). Needs `cause:`.
    #[serde(default)]
    pub refuted: BTreeMap<String, Vec<String>>,
}

impl Findings {
    /// An author's mistake caught when the lab loads: a `ruled_out` label that is no planted
    /// problem (a typo would rule nothing out).
    pub fn problem(&self) -> Option<String> {
        if !self.refuted.is_empty() && self.cause.is_none() {
            return Some(
                "`refuted:` needs `cause:`, the column whose words blame a cause".to_string(),
            );
        }
        if let Some(cause) = self
            .cause
            .as_ref()
            .filter(|c| !self.columns.iter().any(|col| norm(col) == norm(c)))
        {
            return Some(format!(
                "`cause:` names {cause:?}, which is not one of `columns:`"
            ));
        }
        if !self.remedies.is_empty() && self.fix.is_none() {
            return Some("`remedies:` needs `fix:`, the column holding the fix".to_string());
        }
        let (field, unknown) = [
            ("ruled_out", &self.ruled_out),
            ("refuted", &self.refuted),
            ("remedies", &self.remedies),
        ]
        .into_iter()
        .find_map(|(field, map)| {
            let k = map
                .keys()
                .find(|k| *k != "*" && !self.findings.contains_key(*k))?;
            Some((field, k))
        })?;
        Some(format!(
            "`{field}:` names {unknown:?}, which is not one of `findings:` (\"*\" stands for every one)"
        ))
    }
}

/// See [`Findings::evidence`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceCheck {
    pub column: String,
    pub places: BTreeMap<String, Vec<String>>,
}

/// The fewest words a fix must have when the lab lists no `remedies` for its problem: "fix
/// it" or "use vault" says no change a reader can check. (With remedies, naming one is enough.)
const MIN_FIX_WORDS: usize = 3;

/// The fewest words a cause must have: "stale" or "old token" drops a keyword, it does not
/// say what went wrong.
const MIN_CAUSE_WORDS: usize = 3;

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
    "continue with the current setup",
    "continue with the current configuration",
    "keep the current setup",
    "keep the current configuration",
    "stay with the current setup",
    "carry on as before",
    "continue as before",
    "continue as is",
];

/// What a finding (or its evidence) says when it clears the item instead of reporting a
/// problem: "client secret is safely handled", "TLS settings checked, no issue".
const CLEARANCES: &[&str] = &[
    "no issue",
    "no issues",
    "no problem",
    "no problems",
    "no risk",
    "no concern",
    "no concerns",
    "not an issue",
    "not a problem",
    "nothing wrong",
    "nothing found",
    "nothing to report",
    "already met",
    "already fine",
    "already safe",
    "already correct",
    "all good",
    "all fine",
    "looks fine",
    "looks good",
    "looks normal",
    "looks ok",
    "look fine",
    "look good",
    "look normal",
    "safely",
    "handled correctly",
    "handled properly",
    "handled well",
    "properly handled",
    "well handled",
];

/// Clearances that judge the words before them in their clause: they clear a row only when
/// that subject is the problem ("least privilege is met", "the scope list is fine") or
/// stands for it ("it is fine"), not when it is something else ("the job is fine with api
/// alone", "nobody can tell the proxy is ok").
const SUBJECT_CLEARANCES: &[&str] = &[
    "is fine", "are fine", "is ok", "are ok", "is okay", "is safe", "are safe", "is met", "are met",
];

/// A subject's last word that stands for the whole item: "it is fine", "everything is ok".
const WHOLE_SUBJECTS: &[&str] = &["it", "this", "that", "everything", "all", "these", "those"];

/// True when a (normalised) cell clears the problem marked by `words` (see [`CLEARANCES`]
/// and [`SUBJECT_CLEARANCES`]).
fn clears_problem(cell: &str, words: &[String]) -> bool {
    if CLEARANCES.iter().any(|c| reports_words(cell, c)) {
        return true;
    }
    let clauses = cell.split([',', ';', '.', ':', '(', ')', '|', '—', '–']);
    clauses.into_iter().any(|clause| {
        SUBJECT_CLEARANCES.iter().any(|c| {
            let Some(at) = clause
                .find(&format!(" {c}"))
                .map(|at| at + 1)
                .or_else(|| clause.trim_start().starts_with(c).then_some(0))
            else {
                return false;
            };
            if !reports_words(clause, c) {
                return false;
            }
            let subject = clause[..at].trim();
            let last = subject.split_whitespace().next_back().unwrap_or("");
            subject.is_empty()
                || WHOLE_SUBJECTS.contains(&last)
                || words.iter().any(|w| reports(subject, &norm(w)))
        })
    })
}

/// Words that stand for the problem a fix is about: "keep it there", "leave everything
/// unchanged".
const PRONOUNS: &[&str] = &[
    "it",
    "them",
    "this",
    "that",
    "these",
    "those",
    "everything",
    "all",
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
/// other place by its words, said outright (see [`super::negation::reports`]).
fn cites(cell: &str, place: &str) -> bool {
    let Some(n) = place
        .strip_prefix("line ")
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    else {
        // Named outright: "no secret seen" or "not found in either file" points at nothing.
        return reports(cell, place);
    };
    cell.match_indices(n).any(|(at, _)| {
        let before = cell[..at].chars().next_back();
        let after = cell[at + n.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

/// Words by which a sentence says that what it names did not cause the failure: "the API
/// limit was close, but it is a red herring".
const EXONERATIONS: &[&str] = &[
    "not the cause",
    "not a cause",
    "not the reason",
    "not why",
    "not what caused",
    "not to blame",
    "did not cause",
    "didn't cause",
    "does not explain",
    "doesn't explain",
    "red herring",
    "unrelated",
    "irrelevant",
    "not related",
    "not relevant",
    "ruled out",
    "a distraction",
    "played no part",
    "no part in",
    "no role",
];

/// The refuted cause (one of `refuted`) a normalised cause cell blames outright, if any: one
/// it names without denying it, in a sentence that does not call it no cause.
fn blames<'a>(cell: &str, refuted: &[&'a String]) -> Option<&'a String> {
    let sentences: Vec<&str> = cell.split(['.', ';', '!', '?']).collect();
    refuted.iter().copied().find(|r| {
        let r = norm(r);
        sentences
            .iter()
            .any(|s| reports(s, &r) && !EXONERATIONS.iter().any(|e| s.contains(e)))
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

/// True when the word after `sentence[verb]` (a keep or leave) is a pronoun.
fn pronoun_used(sentence: &[String], verb: usize) -> bool {
    sentence
        .get(verb + 1)
        .is_some_and(|w| PRONOUNS.contains(&w.as_str()))
}

/// Why `fix` (a cell of a row about a problem marked by `words`) is no fix, or `None`;
/// `ruled_out` holds the lab's words that keep or spread this problem.
fn not_a_fix(fix: &str, words: &[String], ruled_out: &[&String]) -> Option<&'static str> {
    let text = norm(fix);
    if PLACEHOLDERS.contains(&text.trim_end_matches('.')) {
        return Some("is a placeholder");
    }
    if ruled_out.iter().any(|r| keeps_problem(&text, r)) {
        return Some("keeps or spreads the problem");
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
            // "never leave it disabled", "don't keep it in Git", "make sure not to leave it
            // in the URL": a negation just before the verb turns it into the fix.
            let negated = sentence[i.saturating_sub(2)..i]
                .iter()
                .any(|w| is_negation(w));
            if negated {
                continue;
            }
            let rest = sentence[i + 1..].join(" ");
            // "keep it there": a pronoun right after the verb stands for the problem, and the
            // word after it says where it stays.
            let pronoun = sentence
                .get(i + 1)
                .filter(|w| PRONOUNS.contains(&w.as_str()))
                .map(|_| sentence.get(i + 2).cloned().unwrap_or_default());
            let after_problem = pronoun.or_else(|| {
                words.iter().map(|w| norm(w)).find_map(|w| {
                    let at = rest.find(&w)?;
                    Some(rest[at + w.len()..].to_string())
                })
            });
            if let Some(tail) = after_problem {
                // "keep the secret in the file", "leave TLS checks disabled until …"
                let kept_where = tail.split_whitespace().any(|t| {
                    matches!(
                        t.trim_matches(|c: char| !c.is_alphanumeric()),
                        "in" | "as" | "disabled" | "off" | "unchanged" | "until" | "open" | "there"
                    )
                });
                let rest_of_it = if pronoun_used(&sentence, i) {
                    rest.as_str()
                } else {
                    &tail
                };
                let safe = SAFE_PLACES.iter().any(|p| rest_of_it.contains(p));
                if kept_where && !safe {
                    return Some("says to keep the problem");
                }
            }
        }
    }
    None
}

/// True when one sentence of a (normalised) fix says the ruled-out `item` outright: any of
/// its spellings of one mechanism (`a | b`), unless that same sentence also says a word of its
/// `unless` list — the words that take the thing away or put it somewhere safe ("full unless
/// drop* … full" refuses "api and full are all the sync needs", not "drop full and web"; "into
/// … .yaml unless vault" refuses a secret moved into another file, not into a vault).
fn keeps_problem(fix: &str, item: &str) -> bool {
    let (words, unless) = split_unless(item);
    design_sentences(fix).into_iter().any(|sentence| {
        words.split(" | ").any(|w| {
            fix_affirms_ruled_out(sentence, &norm_ruled_out(w.trim()))
                && !unless.iter().any(|u| affirms(sentence, &norm(u)))
        })
    })
}

pub(crate) fn findings(p: &Findings, cx: &Cx) -> Verdict {
    let path = p.file.trim_start_matches("./");
    let text = match document(cx, path, "your findings") {
        Ok(text) => text,
        Err(why) => return cx.fail(why),
    };
    let wanted: Vec<String> = p.columns.iter().map(|c| norm(c)).collect();
    let all = tables(text);
    let table = match table_with(&all, path, &p.columns) {
        Ok(t) => t,
        Err(why) => return cx.fail(why),
    };
    let cols: Vec<usize> = wanted
        .iter()
        .filter_map(|w| table.header.iter().position(|h| norm(h) == *w))
        .collect();
    let complete = |row: &Vec<String>| cols.iter().all(|i| row.get(*i).is_some_and(|c| !blank(c)));
    let cause_col = p
        .cause
        .as_ref()
        .and_then(|c| table.header.iter().position(|h| norm(h) == norm(c)));
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
    let mut terse: Vec<&str> = Vec::new();
    let mut lumped = Vec::new();
    let mut cleared = Vec::new();
    let mut misblamed: Vec<String> = Vec::new();
    // A row whose finding or evidence clears the item ("safely handled", "no issue") reports
    // no problem, whatever it names; one that turns ("the secret is fine, but it is in Git")
    // may still report one.
    let clears = |row: &Vec<String>, words: &[String]| {
        row.iter().enumerate().any(|(i, cell)| {
            let cell = norm(cell);
            let turns = cell
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| matches!(w, "but" | "however" | "although" | "though" | "yet"));
            Some(i) != fix_col && !turns && clears_problem(&cell, words)
        })
    };
    // The words that say what a row blames: its cause column, when the lab names one.
    let cause_of = |row: &Vec<String>| -> Vec<String> {
        match cause_col {
            Some(i) => row.get(i).cloned().into_iter().collect(),
            None => row.clone(),
        }
    };
    for (label, words) in &p.findings {
        // Cells are joined with `|`, which ends a clause: a negation does not reach across.
        let mentions = |row: &Vec<String>, ws: &Vec<String>| {
            let text = norm(&cause_of(row).join(" | "));
            ws.iter().any(|w| reports(&text, &norm(w)))
        };
        let refuted: Vec<&String> = [p.refuted.get("*"), p.refuted.get(label)]
            .into_iter()
            .flatten()
            .flatten()
            .collect();
        let blamed = |row: &Vec<String>| blames(&norm(&cause_of(row).join(" | ")), &refuted);
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
        let named: Vec<&Vec<String>> = table
            .rows
            .iter()
            .filter(own_row)
            .filter(|r| blamed(r).is_none())
            .collect();
        if named.is_empty() {
            if let Some(cause) = table.rows.iter().find_map(blamed) {
                misblamed.push(format!("{label} (the cause given is \"{cause}\")"));
                continue;
            }
        }
        if named.is_empty() && table.rows.iter().any(|r| mentions(r, words)) {
            lumped.push(label.as_str());
            continue;
        }
        let rows: Vec<&Vec<String>> = named
            .iter()
            .copied()
            .filter(|r| !clears(r, words))
            .collect();
        if rows.is_empty() && !named.is_empty() {
            cleared.push(label.as_str());
            continue;
        }
        let ruled_out: Vec<&String> = [p.ruled_out.get("*"), p.ruled_out.get(label)]
            .into_iter()
            .flatten()
            .flatten()
            .collect();
        let filled: Vec<&&Vec<String>> = rows.iter().filter(|r| complete(r)).collect();
        let remedies = p.remedies.get(label);
        let why_not = |r: &&&Vec<String>| {
            let fix = fix_col.and_then(|i| r.get(i))?;
            not_a_fix(fix, words, &ruled_out).or_else(|| {
                let fix = norm(fix);
                // Where the lab lists the remedies, naming one is the test ("Vault it",
                // "Enable verification"); without them, a few words must say the change.
                let Some(remedies) = remedies else {
                    let words = sentences(&fix).concat().len();
                    return (words < MIN_FIX_WORDS)
                        .then_some("has fewer than three words: say what to change");
                };
                let remedied = remedies.iter().any(|m| affirms(&fix, &norm(m)));
                (!remedied).then_some("names no change that removes it")
            })
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
        // A cause that says what went wrong, not one or two words of it.
        let explained = |r: &&&Vec<String>| match cause_col {
            Some(i) => {
                sentences(&norm(r.get(i).map(String::as_str).unwrap_or("")))
                    .concat()
                    .len()
                    >= MIN_CAUSE_WORDS
            }
            None => true,
        };
        if rows.is_empty() {
            missed.push(label.as_str());
        } else if filled.is_empty() {
            unfinished.push(label.as_str());
        } else if !filled.iter().any(explained) {
            terse.push(label.as_str());
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
        && terse.is_empty()
        && lumped.is_empty()
        && cleared.is_empty()
        && misblamed.is_empty()
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
    if !misblamed.is_empty() {
        parts.push(format!(
            "blamed on a cause the evidence refutes (name the cause the evidence proves): {}",
            misblamed.join(", ")
        ));
    }
    if !unshown.is_empty() {
        parts.push(format!(
            "reported with evidence that does not point at it (name the file and line, the setting or the transcript entry where it shows): {}",
            unshown.join(", ")
        ));
    }
    if !terse.is_empty() {
        parts.push(format!(
            "reported with a cause of only a word or two (say in a sentence what went wrong and why): {}",
            terse.join(", ")
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
    if !cleared.is_empty() {
        parts.push(format!(
            "only in a row that calls it no problem (a finding says what is wrong; the planted problem is there): {}",
            cleared.join(", ")
        ));
    }
    if !lumped.is_empty() {
        parts.push(format!(
            "only in a row that lumps several problems together (give each its own row, with its own evidence and fix): {}",
            lumped.join(", ")
        ));
    }
    let row = match (cause_col.is_some(), fix_col.is_some()) {
        (true, true) => "a row whose cause names it, whose evidence points at where it shows and whose fix says what to change in the code or setting",
        (false, true) => "a row that names it, with the evidence and a fix that says what to change in the code or setting",
        (_, false) => "a row that names it, with every column filled",
    };
    cx.fail(format!(
        "`{path}`: {} of {} planted problems are not fully reported ({}). Go through the config, \
         the transcript and the files once more: each problem needs {row}.",
        missed.len()
            + terse.len()
            + unfinished.len()
            + unfixed.len()
            + unshown.len()
            + lumped.len()
            + cleared.len()
            + misblamed.len(),
        p.findings.len(),
        parts.join("; ")
    ))
}

#[cfg(test)]
#[path = "review_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "review_lab_tests.rs"]
mod lab_tests;
