//! `design.table`: a design exercise judged from a GFM table in the learner's markdown file.
//!
//! The lab names the file, the table (by its first column's header or by any header it must
//! have), the columns it must have, and per row (found by the text of its first cell, case- and
//! space-insensitively) the allowed values of chosen columns. Cells are compared after
//! lower-casing, trimming and dropping markdown emphasis, so `**Batch sync**` equals
//! `batch sync`. A column with no expected value must still be filled in (not empty, not `?`,
//! not `TODO`; a dash is an answer, "does not apply"). `mentions` asks for free-text answers
//! that name an idea: per row and column, the cell must contain at least one of the given
//! words (`retry`, `backoff`), so a failure design that says "we will be careful" under
//! "Response" does not pass — and not only under a negation ("no retry", "without a backoff",
//! "instead of replay", "not polling or a replay id", "a retry is not needed": see
//! [`affirms`]).

use super::cx::Cx;
use super::Verdict;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableCheck {
    /// Markdown file relative to the lab folder, e.g. `design.md`.
    pub file: String,
    /// Columns the table must have (matched like cells); the first names the row key.
    pub columns: Vec<String>,
    /// Row key → (column → allowed values). Every row listed must be present.
    #[serde(default)]
    pub rows: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Row key → (column → words, one of which the cell must contain).
    #[serde(default)]
    pub mentions: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Rows whose key is listed must have every column filled in.
    #[serde(default = "yes")]
    pub filled: bool,
    /// Columns that hold a reason: in every listed row, at least [`EXPLAINED_WORDS`] words
    /// (an `x` or a dash is no reason).
    #[serde(default)]
    pub explained: Vec<String>,
}

/// The fewest words a reason takes (see [`TableCheck::explained`]).
const EXPLAINED_WORDS: usize = 3;

fn yes() -> bool {
    true
}

/// A table as header + rows of cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Lower-cased, trimmed, emphasis and code marks dropped, inner whitespace collapsed; a `_`,
/// `-` or `–` between two letters or digits reads as a space, so `client_credentials` and
/// `client-credentials` say what `client credentials` says (a `_` elsewhere is emphasis).
pub(crate) fn norm(cell: &str) -> String {
    let chars: Vec<char> = cell.chars().collect();
    let joins = |i: usize| {
        i > 0
            && chars[i - 1].is_alphanumeric()
            && chars.get(i + 1).is_some_and(|c| c.is_alphanumeric())
    };
    let stripped: String = chars
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            '_' | '-' | '–' if joins(i) => Some(' '),
            '*' | '_' | '`' => None,
            c => Some(*c),
        })
        .collect();
    stripped
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn split_row(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    cells.push(cur.trim().to_string());
    cells
}

fn is_delimiter(line: &str) -> bool {
    let cells = split_row(line);
    !cells.is_empty()
        && cells.iter().all(|c| {
            let c = c.trim();
            !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')) && c.contains('-')
        })
}

/// Every GFM table in `text` (a header line, a delimiter line, then `|` lines), outside code
/// fences.
pub(crate) fn tables(text: &str) -> Vec<Table> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut in_fence = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_start();
        if line.starts_with("```") || line.starts_with("~~~") {
            in_fence = !in_fence;
            i += 1;
            continue;
        }
        if !in_fence && line.contains('|') && i + 1 < lines.len() && is_delimiter(lines[i + 1]) {
            let header = split_row(line);
            let mut rows = Vec::new();
            let mut j = i + 2;
            while j < lines.len() && lines[j].contains('|') && !lines[j].trim().is_empty() {
                rows.push(split_row(lines[j]));
                j += 1;
            }
            out.push(Table { header, rows });
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

pub(crate) fn blank(cell: &str) -> bool {
    matches!(norm(cell).as_str(), "" | "?" | "todo" | "tbd" | "…" | "...")
}

/// Words that deny what follows them in the same clause: "no retry", "not client credentials",
/// "without a backoff", "instead of a replay id".
const NEGATIONS: &[&str] = &[
    "no",
    "not",
    "never",
    "without",
    "nor",
    "avoid",
    "avoids",
    "avoiding",
    "instead",
    "rather",
    "don't",
    "dont",
    "doesn't",
    "won't",
    "can't",
    "cannot",
    "isn't",
    "aren't",
    "skip",
    "skips",
    "disable",
    "disables",
    "disabled",
    "neither",
    "ignore",
    "ignores",
    "ignoring",
    "discard",
    "discards",
    "discarding",
];

/// Words joining the items of a list a negation reaches across: "no retry or backoff",
/// "not client credentials nor JWT". ("And" is left out: "no retry and a dead-letter queue"
/// usually keeps the queue.)
const LIST_JOINERS: &[&str] = &["or", "nor"];

/// What may follow a word to deny it in the same clause: "a retry is not needed", "JWT isn't
/// used", "polling: unnecessary".
const DENIED_AFTER: &[&str] = &[
    "is not needed",
    "is not used",
    "is not required",
    "is not necessary",
    "is not an option",
    "is not applicable",
    "is never used",
    "is unnecessary",
    "isn't needed",
    "isn't used",
    "isn't required",
    "are not needed",
    "are not used",
    "are not required",
    "are not necessary",
    "are unnecessary",
    "aren't needed",
    "aren't used",
    "not needed",
    "not required",
    "not used",
    "unnecessary",
    "will not be used",
    "won't be used",
];

/// Where the clause holding `at` starts and ends in `text`.
fn clause_around(text: &str, at: usize, len: usize) -> (usize, usize) {
    const MARKS: [char; 9] = [',', ';', '.', ':', '(', ')', '|', '—', '–'];
    let start = text[..at]
        .char_indices()
        .rev()
        .find(|(_, c)| MARKS.contains(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = text[at + len..]
        .find(MARKS)
        .map_or(text.len(), |i| at + len + i);
    (start, end)
}

fn bare(w: &str) -> &str {
    w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
}

/// True when a negation in `before` (the clause's words before an occurrence) reaches it:
/// one of the three words just before it, or three words before an "or" that joins it to
/// negated items ("not client credentials or JWT"); "but" ends the reach.
fn negated_before(before: &str) -> bool {
    let mut reach = 3;
    for (i, w) in before.split_whitespace().rev().map(bare).enumerate() {
        if reach == 0 || w == "but" {
            return false;
        }
        // `non-` (read as "non") denies only the word it is joined to: "non-idempotent", not
        // the rest of "a non-interactive client credentials flow".
        if w == "non" {
            if i == 0 {
                return true;
            }
            reach -= 1;
            continue;
        }
        if NEGATIONS.contains(&w) {
            return true;
        }
        reach = if LIST_JOINERS.contains(&w) {
            3
        } else {
            reach - 1
        };
    }
    false
}

/// True when the clause's words after an occurrence deny it ("… is not needed").
fn denied_after(after: &str) -> bool {
    let words: Vec<&str> = after.split_whitespace().map(bare).take(5).collect();
    let said = words.join(" ");
    DENIED_AFTER
        .iter()
        .any(|d| said == *d || said.starts_with(&format!("{d} ")))
}

/// True when normalised `text` says `word` (normalised) outright somewhere: an occurrence
/// counts unless its clause denies it — a negation just before it (or before a list it is
/// part of), or a denial just after it ("a retry is not needed"). Word matching all the
/// same, but the common ways of saying the opposite do not count.
pub(crate) fn affirms(text: &str, word: &str) -> bool {
    if word.is_empty() {
        return true;
    }
    // A spaced hyphen separates clauses as a dash does: "no password - JWT bearer".
    let spaced;
    let text = if text.contains(" - ") {
        spaced = text.replace(" - ", " — ");
        spaced.as_str()
    } else {
        text
    };
    // A word starts a word of the text ("api" is not in "rapid", "eca" not in "because"); it
    // may end inside one, so a stem ("idempot", "reconcil") names its forms.
    let starts_word = word.starts_with(|c: char| c.is_alphanumeric());
    text.match_indices(word).any(|(at, _)| {
        if starts_word
            && text[..at]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
        {
            return false;
        }
        let (start, end) = clause_around(text, at, word.len());
        !negated_before(&text[start..at]) && !denied_after(&text[at + word.len()..end])
    })
}

/// The cell of `row` under `column` (matched as headers are), empty when there is none.
fn cell_of<'r>(t: &Table, row: &'r [String], column: &str) -> &'r str {
    t.header
        .iter()
        .position(|h| norm(h) == norm(column))
        .and_then(|i| row.get(i))
        .map_or("", String::as_str)
}

pub(crate) fn table(p: &TableCheck, cx: &Cx) -> Verdict {
    let path = p.file.trim_start_matches("./");
    let Some(file) = cx.ev.sources.iter().find(|f| f.path == path) else {
        if let Some(why) = cx.unread_why(path) {
            return cx.fail(why);
        }
        return cx.fail(format!(
            "There is no `{path}` in the lab folder; write your answers there."
        ));
    };
    let wanted: Vec<String> = p.columns.iter().map(|c| norm(c)).collect();
    let all = tables(&file.text);
    let Some(t) = all.iter().find(|t| {
        let have: Vec<String> = t.header.iter().map(|h| norm(h)).collect();
        wanted.iter().all(|w| have.contains(w))
    }) else {
        return cx.fail(format!(
            "`{path}` has no table with the columns {}. Keep the header row as given (found {} table(s)).",
            p.columns.join(" | "),
            all.len()
        ));
    };
    let col = |name: &str| t.header.iter().position(|h| norm(h) == norm(name));
    let key_col = col(&p.columns[0]).unwrap_or(0);
    let find_row = |key: &str| {
        t.rows
            .iter()
            .find(|r| r.get(key_col).is_some_and(|c| norm(c) == norm(key)))
    };
    // Every value any row expects, by column: the options this table chooses among.
    let expect_all: Vec<(&String, &Vec<String>)> =
        p.rows.values().flat_map(|expect| expect.iter()).collect();
    let mut problems = Vec::new();
    for (key, expect) in &p.rows {
        let Some(row) = find_row(key) else {
            problems.push(format!("the row \"{key}\" is missing"));
            continue;
        };
        for c in &p.explained {
            let got = cell_of(t, row, c);
            let words = got
                .split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .count();
            if !blank(got) && words < EXPLAINED_WORDS {
                problems.push(format!(
                    "\"{key}\" → {c} gives no reason (\"{}\"): say why in a few words",
                    got.trim()
                ));
            }
        }
        if p.filled {
            for c in &p.columns {
                let filled = col(c).and_then(|i| row.get(i)).is_some_and(|v| !blank(v));
                if !filled {
                    problems.push(format!("\"{key}\" has no answer under \"{c}\""));
                }
            }
        }
        for (column, allowed) in expect {
            let got = cell_of(t, row, column);
            if blank(got) {
                continue; // already reported as unfilled, or the column is optional
            }
            if !allowed.iter().any(|a| norm(a) == norm(got)) {
                // A name another row expects is a choice, and the wrong one; a name no row
                // expects may be the right choice spelt in a way this lab does not know.
                let known = expect_all
                    .iter()
                    .any(|(c, values)| *c == column && values.iter().any(|a| norm(a) == norm(got)));
                problems.push(if known {
                    format!("\"{key}\" → {column}: \"{got}\" is not the best fit")
                } else {
                    format!(
                        "\"{key}\" → {column}: \"{got}\" is not the best fit (if it is the right choice under another name, write the name the lesson uses)"
                    )
                });
            }
        }
    }
    for (key, wanted) in &p.mentions {
        let Some(row) = find_row(key) else {
            if !p.rows.contains_key(key) {
                problems.push(format!("the row \"{key}\" is missing"));
            }
            continue;
        };
        for (column, words) in wanted {
            let got = norm(cell_of(t, row, column));
            if !words.iter().any(|w| affirms(&got, &norm(w))) {
                problems.push(format!(
                    "\"{key}\" → {column} does not name the idea this row asks for, or names it only to deny it (say the mechanism or the reason outright)"
                ));
            }
        }
    }
    if problems.is_empty() {
        let rows = p.rows.len().max(p.mentions.len());
        return cx.pass(format!(
            "`{path}`: all {rows} rows are answered as expected."
        ));
    }
    problems.dedup();
    cx.fail(format!(
        "`{path}`: {} problem(s): {}.",
        problems.len(),
        problems.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use super::*;
    use crate::evidence::SourceFile;

    fn with_doc(text: &str) -> crate::evidence::Evidence {
        let mut ev = evidence(vec![]);
        ev.sources.push(SourceFile {
            path: "design.md".into(),
            text: text.into(),
        });
        ev
    }

    const RULE: &str = "{ rule: design.table, file: design.md, columns: [Requirement, Pattern, Why], rows: { Nightly price list: { Pattern: [batch sync, batch] }, Card check: { Pattern: [request-reply] } } }";

    const GOOD: &str = "# Patterns\n\n| Requirement | Pattern | Why |\n|---|:--:|---|\n| Nightly price list | **Batch sync** | volume, not urgent |\n| Card check | Request-Reply | the user waits |\n";

    #[test]
    fn tables_are_found_outside_code_fences_only() {
        let doc =
            "```\n| a | b |\n|---|---|\n| 1 | 2 |\n```\n\n| x | y \\| z |\n| - | - |\n| 1 | 2 |\n";
        let t = tables(doc);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].header, vec!["x", "y | z"]);
        assert_eq!(t[0].rows, vec![vec!["1".to_string(), "2".to_string()]]);
    }

    #[test]
    fn expected_values_match_ignoring_case_and_emphasis() {
        assert_passes(RULE, &with_doc(GOOD));
    }

    #[test]
    fn a_grant_written_as_its_wire_name_or_hyphenated_names_the_same_idea() {
        assert_eq!(
            norm("OAuth `client_credentials`"),
            "oauth client credentials"
        );
        assert_eq!(norm("client-credentials flow"), "client credentials flow");
        assert_eq!(norm("Request–Reply"), "request reply");
        assert_eq!(norm("_plain_ - dash -- **bold**"), "plain - dash -- bold");
        let rule = "{ rule: design.table, file: design.md, columns: [Requirement, Pattern, Why], rows: { Card check: {} }, mentions: { Card check: { Pattern: [client credentials] } } }";
        for written in ["client_credentials grant", "Client-Credentials flow"] {
            let doc = format!("| Requirement | Pattern | Why |\n|---|---|---|\n| Card check | {written} | no user |\n");
            assert_passes(rule, &with_doc(&doc));
        }
    }

    #[test]
    fn another_rows_choice_is_not_the_best_fit_and_an_unknown_name_is_told_apart() {
        let v = assert_fails(RULE, &with_doc(&GOOD.replace("Request-Reply", "batch")));
        assert!(
            v.message.contains("\"batch\" is not the best fit"),
            "{}",
            v.message
        );
        let v = assert_fails(
            RULE,
            &with_doc(&GOOD.replace("Request-Reply", "synchronous call")),
        );
        assert!(
            v.message
                .contains("\"synchronous call\" is not the best fit (if it is the right choice under another name"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_wrong_value_is_named_with_its_row() {
        let v = assert_fails(
            RULE,
            &with_doc(&GOOD.replace("**Batch sync**", "fire-and-forget")),
        );
        assert!(
            v.message.contains("Nightly price list") && v.message.contains("fire-and-forget"),
            "{}",
            v.message
        );
    }

    #[test]
    fn an_unfilled_cell_or_missing_row_fails() {
        let v = assert_fails(RULE, &with_doc(&GOOD.replace("the user waits", "TODO")));
        assert!(v.message.contains("under \"Why\""), "{}", v.message);
        let v = assert_fails(
            RULE,
            &with_doc(&GOOD.replace("| Card check | Request-Reply | the user waits |\n", "")),
        );
        assert!(
            v.message.contains("\"Card check\" is missing"),
            "{}",
            v.message
        );
    }

    const FAILURES: &str = "{ rule: design.table, file: design.md, columns: [Failure, Response], mentions: { ERP down: { Response: [retry, backoff, breaker] } } }";

    #[test]
    fn a_mentions_cell_must_name_one_of_the_words() {
        let doc = "| Failure | Response |\n|---|---|\n| ERP down | Retry with **exponential backoff** |\n";
        assert_passes(FAILURES, &with_doc(doc));
        let v = assert_fails(
            FAILURES,
            &with_doc(&doc.replace("Retry with **exponential backoff**", "we will be careful")),
        );
        assert!(
            v.message.contains("\"ERP down\" → Response"),
            "{}",
            v.message
        );
        let v = assert_fails(FAILURES, &with_doc("| Failure | Response |\n|---|---|\n"));
        assert!(
            v.message.contains("\"ERP down\" is missing"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_word_under_a_negation_does_not_count() {
        assert!(affirms("retry with backoff", "retry"));
        assert!(!affirms("a retry is not needed", "retry"));
        assert!(!affirms("jwt isn't used here", "jwt"));
        assert!(
            affirms("retry not more than three times", "retry"),
            "a bare not after the word is no denial"
        );
        assert!(
            affirms("retry if not 2xx, with backoff", "retry"),
            "a condition is no denial"
        );
        assert!(!affirms("no retry", "retry"));
        assert!(
            !affirms(&norm("a non-idempotent POST, sent again"), "idempot"),
            "non- denies what follows it"
        );
        assert!(
            affirms(
                &norm("a non-interactive client credentials flow"),
                "client credentials"
            ),
            "and only that"
        );
        assert!(!affirms("not client credentials", "client credentials"));
        assert!(!affirms(
            "resubscribe without the stored replay id",
            "replay id"
        ));
        assert!(!affirms(
            "a new key each time instead of an idempotency key",
            "idempotency key"
        ));
        assert!(
            affirms("no polling; resume from the stored replay id", "replay id"),
            "another clause"
        );
        assert!(
            affirms("not polling but the replay id, stored", "replay id"),
            "but ends a negation's reach"
        );
        assert!(!affirms("not client credentials or jwt", "jwt"));
        for dashed in [
            "no password — jwt bearer",
            "no password – jwt bearer",
            "no password - jwt bearer",
        ] {
            assert!(affirms(dashed, "jwt"), "a dash ends the negation: {dashed}");
        }
        assert!(!affirms("neither polling nor a replay id", "replay id"));
        assert!(
            affirms("no polling and a stored replay id", "replay id"),
            "and keeps what follows"
        );
        assert!(
            affirms(
                "no polling at all or anything like it but a replay id",
                "replay id"
            ),
            "but after an or still ends the reach"
        );
    }

    #[test]
    fn a_word_counts_only_where_a_word_of_the_text_starts() {
        assert!(!affirms("because it is rapid", "eca"));
        assert!(!affirms("rapid and capital", "api"));
        assert!(affirms("the rest api", "api"));
        assert!(
            affirms("idempotent upsert", "idempot"),
            "a stem names its forms"
        );
        assert!(affirms("use -2 (earliest)", "-2"));
    }

    #[test]
    fn an_explained_column_needs_a_reason_of_a_few_words() {
        let rule = "{ rule: design.table, file: design.md, columns: [Requirement, Pattern, Why], rows: { Card check: { Pattern: [request-reply] } }, explained: [Why] }";
        let doc = |why: &str| {
            with_doc(&format!(
                "| Requirement | Pattern | Why |\n|---|---|---|\n| Card check | Request-Reply | {why} |\n"
            ))
        };
        assert_passes(rule, &doc("the user waits for it"));
        for why in ["x", "-", "because", "fast, sync"] {
            let v = assert_fails(rule, &doc(why));
            assert!(
                v.message.contains("gives no reason"),
                "{why}: {}",
                v.message
            );
        }
    }

    #[test]
    fn ignoring_something_is_a_negation() {
        assert!(
            !affirms("ignore the stored replay id", "replay"),
            "ignoring is a negation"
        );
    }

    #[test]
    fn a_table_without_the_columns_or_no_file_fails() {
        assert_fails(
            RULE,
            &with_doc("| Requirement | Answer |\n|---|---|\n| a | b |\n"),
        );
        assert_fails(RULE, &evidence(vec![]));
    }

    #[test]
    fn a_document_left_unread_is_named_with_why_not_called_missing() {
        let mut ev = evidence(vec![]);
        ev.unread = vec![(
            "design.md".into(),
            "is not UTF-8 text (byte 0xE9 on line 9 is not UTF-8; save the file as UTF-8)".into(),
        )];
        let v = assert_fails(RULE, &ev);
        assert!(
            v.message
                .starts_with("`design.md` is not UTF-8 text (byte 0xE9 on line 9"),
            "{}",
            v.message
        );
        assert!(!v.message.contains("There is no"), "{}", v.message);
    }
}
