//! `design.table`: a design exercise judged from a GFM table in the learner's markdown file.
//!
//! The lab names the file, the table (by the columns it must have), and per row (found by the
//! text of its first cell, case- and space-insensitively) the allowed values of chosen columns.
//! A choice cell is compared as a reader would (see [`super::choice`]): `**Batch sync**`,
//! `Batch.` and `Batch sync (Bulk API 2.0)` all choose `batch sync`, and a choice buried in a
//! sentence is told to stand alone. A column with no expected value must still be filled in
//! (not empty, not `?`, not `TODO`; a dash is an answer, "does not apply"). A choice that is
//! not accepted is told the words the brief offers for it (`choices`), never the answers the
//! rows expect.
//!
//! `mentions` asks for free-text answers that name an idea: per row and column, the cell must
//! say at least one of the given words (`retry`, `backoff`) outright, or, for the item
//! `rising waits`, name growing waits in numbers (see [`super::design_waits`]) — not only under a
//! negation ("no retry", "nobody retries", "a retry is not needed": see
//! [`super::negation`]) — and must be more than those words strung together ("retry retried
//! rerun later" lists the words, it does not answer). `ruled_out` names, per row (or `"*"`
//! for every row the check lists) and column, words a cell must not say outright: the
//! answers the row rules out ("full" scope where the narrowest is asked for, "overkill" of
//! the modern replacement, a rerun that makes duplicates where a retry must be safe).
//! Ruled-out words match whole words (`full` is not in "fully") unless they end in `*`
//! (`duplicat*`), and give the learner the benefit of a doubtful denial (a negation reaches
//! across "and": "without View All and Modify All"). Either kind may be written `a … b`; a
//! ruled-out `a … b` must be said within one sentence (`retr* … duplicat*` is said by "a
//! retry would create duplicates", not by "a retry updates the rows; duplicates are
//! impossible"). A ruled-out `a + b` is said by its parts in any order, close together in one
//! clause (`key + new` by "the key is new" and by "a new key", not by "the key stays the same
//! on each new attempt"), and a ruled-out word also by its inflected forms (`pile up` by
//! "duplicates piled up", `never end` by "never ends"). A ruled-out item may end
//! `unless a | b`: a cell that also says `a` or `b` outright is not held to it (`-1 … continu* unless first start | none is stored` refuses
//! "resubscribe from -1 and continue", not "-1 on the first start, then continue from the
//! stored id"); its words may list the spellings of one mechanism the same way, excused
//! alike (`retr* | resen* | send* … again unless … fixed`). The ruled-out item `fixed waits` is said by one short pause repeated, in
//! numbers or words ("every half second", "1 s apart", "a constant delay"), where the cell
//! names no waits that grow (see [`super::design_waits`]). The learner is shown the words that
//! say a ruled-out item, not the whole cell.
//!
//! A reason column (`explained`) needs a few words that could not stand in any row ("because
//! it fits" could), and not one reason copied onto many rows (see [`super::reasons`]).
//!
//! An answer given twice is a problem, as a cell holding more than a choice is: a listed row
//! repeated with other answers, a column of the check repeated in the header, or a second
//! table with the check's columns saying otherwise (see [`repeated`]).

use super::choice::{judge, Choice};
use super::cx::Cx;
use super::design_waits::{FIXED_WAITS, RISING_WAITS};
pub(crate) use super::doc_table::{blank, norm, tables};
use super::doc_table::{document, table_with, Table};
use super::negation::{affirms, affirms_ruled_out};
use super::Verdict;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Row key → (column → words).
type Words = BTreeMap<String, BTreeMap<String, Vec<String>>>;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableCheck {
    /// Markdown file relative to the lab folder, e.g. `design.md`.
    pub file: String,
    /// Columns the table must have (matched like cells); the first names the row key.
    pub columns: Vec<String>,
    /// Row key → (column → allowed values). Every row listed must be present.
    #[serde(default)]
    pub rows: Words,
    /// Row key → (column → words, one of which the cell must say).
    #[serde(default)]
    pub mentions: Words,
    /// Row key, or `"*"` for every row listed in `rows` or `mentions` → (column → words none
    /// of which the cell may say outright).
    #[serde(default)]
    pub ruled_out: Words,
    /// Row key, or `"*"` for every row → (column → the words the brief offers to choose from
    /// there). A choice cell that is not accepted is told its row's list (else the `"*"` one);
    /// without one it is told to use the brief's names, never the answers the rows expect,
    /// which would give the key away.
    #[serde(default)]
    pub choices: Words,
    /// Rows whose key is listed must have every column filled in.
    #[serde(default = "yes")]
    pub filled: bool,
    /// Columns that hold a reason: in every listed row, at least [`EXPLAINED_WORDS`] words
    /// read as one phrase (an `x`, a dash or a list of keywords such as "fast, sync" is no
    /// reason), not all of them words that fit any row ("because yes"), and not one reason
    /// copied onto many rows (see [`super::reasons`]).
    #[serde(default)]
    pub explained: Vec<String>,
}

/// The fewest words a reason takes (see [`TableCheck::explained`]): two words that belong
/// together say why ("rep waits", "WSDL-only client").
const EXPLAINED_WORDS: usize = 2;

/// Why a reason cell is no reason (see [`no_reason`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NoReason {
    /// No word at all: an `x`-less dash, a lone symbol.
    NoWords,
    /// One word, or a list of keywords ("fast, sync").
    TooShort,
    /// Only words that fit any row ("because yes").
    FitsAnyRow,
}

/// Why a reason cell is no reason, or None when it reads as one: too few words, or words
/// split by punctuation into a list of keywords ("fast, sync"), or only words that fit any
/// row ("because yes").
fn no_reason(got: &str) -> Option<NoReason> {
    let words: Vec<&str> = got
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    if words.is_empty() {
        return Some(NoReason::NoWords);
    }
    if super::reasons::says_nothing(got) {
        return Some(NoReason::FitsAnyRow);
    }
    // A list of single keywords ("fast, sync") names no reason; a reason of a few words may
    // hold a comma ("batch, nightly copy").
    let listed = words.len() <= EXPLAINED_WORDS
        && words[..words.len() - 1]
            .iter()
            .any(|w| w.ends_with([',', ';', '/', '+', '&']));
    (words.len() < EXPLAINED_WORDS || listed).then_some(NoReason::TooShort)
}

/// A cell naming this many of a row's words, and almost nothing else, lists the words instead
/// of answering (see [`stuffed`]).
const LISTED_WORDS: usize = 3;

/// Short words that carry no answer of their own, left out when a cell is weighed as a list.
const FILLER: &[&str] = &[
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "is", "it",
];

fn yes() -> bool {
    true
}

impl TableCheck {
    /// An author's mistake caught when the lab loads: a column the table does not have (see
    /// [`super::design_params::unknown_column`]), or a `ruled_out` row no other part of the
    /// check names (a typo would rule nothing out).
    pub fn problem(&self) -> Option<String> {
        if let Some(unknown) = super::design_params::unknown_column(self) {
            return Some(unknown);
        }
        let listed =
            |k: &String| *k == "*" || self.rows.contains_key(k) || self.mentions.contains_key(k);
        if let Some(unknown) = self.ruled_out.keys().find(|k| !listed(k)) {
            return Some(format!(
                "`ruled_out:` names the row {unknown:?}, which is in neither `rows:` nor `mentions:` (\"*\" stands for every row they list)"
            ));
        }
        if let Some(unknown) = self
            .choices
            .keys()
            .find(|k| *k != "*" && !self.rows.contains_key(*k))
        {
            return Some(format!(
                "`choices:` names the row {unknown:?}, which is not in `rows:` (\"*\" stands for every row)"
            ));
        }
        // The words offered must hold each row's answer, or the list misleads.
        self.rows.iter().find_map(|(key, expect)| {
            expect.iter().find_map(|(column, allowed)| {
                let offered = self.offered(key, column)?;
                let answer = allowed.first()?;
                let stated = super::choice::stated(answer);
                (!offered.iter().any(|o| super::choice::stated(o) == stated)).then(|| {
                    format!(
                        "`choices:` for \"{key}\" → {column} does not offer its expected answer {answer:?}"
                    )
                })
            })
        })
    }

    /// The words the brief offers for `column` in the row `key` (see [`TableCheck::choices`]).
    fn offered(&self, key: &str, column: &str) -> Option<&Vec<String>> {
        let of = |row: &str| {
            let columns = self.choices.get(row)?;
            columns
                .iter()
                .find(|(c, _)| norm(c) == norm(column))
                .map(|(_, words)| words)
        };
        of(key).or_else(|| of("*"))
    }

    /// The column a reason goes in: the first `explained` one, else one named for a reason
    /// (`Why`, `Reason`).
    fn reason_column(&self) -> Option<&str> {
        self.explained
            .first()
            .or_else(|| {
                self.columns.iter().skip(1).find(|c| {
                    matches!(norm(c).as_str(), "why" | "reason" | "reasons" | "rationale")
                })
            })
            .map(String::as_str)
    }

    /// How to write a choice in `column` of the row `key`: one of the words offered, or the
    /// brief's own name for it.
    fn how_to_name(&self, key: &str, column: &str) -> String {
        match self.offered(key, column) {
            Some(words) => format!("write one of: {}", words.join(", ")),
            None => "write it as the brief names it".to_string(),
        }
    }
}

/// True when a (normalised) cell is the row's words strung together rather than an answer:
/// it names at least [`LISTED_WORDS`] of them and fewer than one other word for every four it
/// names. A dense answer ("prompt injection: a hidden instruction to exfiltrate contact email
/// addresses") still has words of its own.
fn stuffed(cell: &str, words: &[String]) -> bool {
    let terms: Vec<String> = words.iter().map(|w| norm(w)).collect();
    let (mut listed, mut other) = (0, 0);
    let tokens: Vec<&str> = cell
        .split(|c: char| !c.is_alphanumeric() && c != '/' && c != '\'')
        .filter(|t| !t.is_empty())
        .collect();
    let mut i = 0;
    while i < tokens.len() {
        // The longest term starting at this word (a term's last word may be a stem).
        let matched = terms
            .iter()
            .filter_map(|t| {
                let parts: Vec<&str> = t.split_whitespace().collect();
                let n = parts.len();
                let fits = n > 0
                    && i + n <= tokens.len()
                    && parts.iter().enumerate().all(|(k, p)| {
                        if k + 1 == n {
                            tokens[i + k].starts_with(p)
                        } else {
                            tokens[i + k] == *p
                        }
                    });
                fits.then_some(n)
            })
            .max();
        match matched {
            Some(n) => {
                listed += 1;
                i += n;
            }
            None => {
                if !FILLER.contains(&tokens[i]) {
                    other += 1;
                }
                i += 1;
            }
        }
    }
    listed >= LISTED_WORDS && other * 4 < listed
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
    let text = match document(cx, path, "your answers") {
        Ok(text) => text,
        Err(why) => return cx.fail(why),
    };
    let all = tables(text);
    let t = match table_with(&all, path, &p.columns) {
        Ok(t) => t,
        Err(why) => return cx.fail(why),
    };
    let col = |name: &str| t.header.iter().position(|h| norm(h) == norm(name));
    let key_col = col(&p.columns[0]).unwrap_or(0);
    let find_row = |key: &str| {
        t.rows
            .iter()
            .find(|r| r.get(key_col).is_some_and(|c| norm(c) == norm(key)))
    };
    let mut problems = Vec::new();
    for (key, expect) in &p.rows {
        let Some(row) = find_row(key) else {
            problems.push(format!("the row \"{key}\" is missing"));
            continue;
        };
        for c in &p.explained {
            let got = cell_of(t, row, c);
            let why_not = if blank(got) { None } else { no_reason(got) };
            let short = match why_not {
                Some(NoReason::NoWords) => "gives no reason",
                Some(NoReason::TooShort) => "is too short to be a reason",
                _ => "",
            };
            if !short.is_empty() {
                problems.push(format!(
                    "\"{key}\" → {c} {short} (\"{}\"): say why in a few words",
                    got.trim()
                ));
            } else if why_not == Some(NoReason::FitsAnyRow) {
                problems.push(format!(
                    "\"{key}\" → {c} gives no reason (\"{}\" would fit any row): say what in this row's need makes your choice fit",
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
            // Every value any row expects in this column, and every word the brief offers
            // for it: the options this table chooses among.
            let known: Vec<&String> = p
                .rows
                .values()
                .filter_map(|e| e.get(column))
                .flatten()
                .chain(p.offered(key, column).into_iter().flatten())
                .collect();
            match judge(got, allowed, &known) {
                Choice::Accepted => {}
                Choice::Wordy => problems.push(format!(
                    "\"{key}\" → {column}: \"{got}\" holds more than a choice; {}{}",
                    match p.offered(key, column) {
                        Some(_) => p.how_to_name(key, column),
                        None => "write only the choice, as the brief names it".to_string(),
                    },
                    p.reason_column()
                        .map(|c| format!(" (the reason goes in the {c} column)"))
                        .unwrap_or_default()
                )),
                // A name another row expects is a choice, and the wrong one; a name no row
                // expects may be the right choice spelt in a way this lab does not know.
                Choice::Other => {
                    let chosen = super::choice::stated(got);
                    let is_known = known.iter().any(|k| super::choice::stated(k) == chosen);
                    problems.push(if is_known {
                        format!("\"{key}\" → {column}: \"{got}\" is not the best fit")
                    } else {
                        format!(
                            "\"{key}\" → {column}: \"{got}\" is not the best fit (if it is the right choice under another name, {})",
                            p.how_to_name(key, column)
                        )
                    });
                }
            }
        }
    }
    problems.extend(copied_reasons(p, t, &find_row));
    for (key, wanted) in &p.mentions {
        let Some(row) = find_row(key) else {
            if !p.rows.contains_key(key) {
                problems.push(format!("the row \"{key}\" is missing"));
            }
            continue;
        };
        for (column, words) in wanted {
            let cell = cell_of(t, row, column);
            if blank(cell) {
                // One problem per empty cell: told once as unfilled where every column must be.
                let told = p.filled
                    && p.rows.contains_key(key)
                    && p.columns.iter().any(|c| norm(c) == norm(column));
                if !told {
                    problems.push(format!("\"{key}\" has no answer under \"{column}\""));
                }
                continue;
            }
            let got = norm(cell);
            let names = |w: &String| {
                affirms(&got, &norm(w))
                    || norm(w) == RISING_WAITS && super::design_waits::names_rising_waits(cell)
            };
            if !words.iter().any(names) {
                problems.push(format!(
                    "\"{key}\" → {column} does not name the idea this row asks for, or names it only to deny it (say the mechanism or the reason outright)"
                ));
            } else if stuffed(&got, words) {
                problems.push(format!(
                    "\"{key}\" → {column} strings key words together instead of answering (say in a sentence what happens and why)"
                ));
            }
        }
    }
    problems.extend(ruled_out(p, t, &find_row));
    problems.extend(repeated(p, &all, t, key_col));
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

/// A problem for each reason of an `explained` column copied onto many of the listed rows
/// (see [`super::reasons::copied`]).
fn copied_reasons<'t>(
    p: &TableCheck,
    t: &Table,
    find_row: &dyn Fn(&str) -> Option<&'t Vec<String>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for c in &p.explained {
        let rows: Vec<(&str, &str)> = p
            .rows
            .keys()
            .filter_map(|key| Some((key.as_str(), cell_of(t, find_row(key)?, c))))
            .collect();
        // A copied reason that says nothing is already told so on each row.
        let copied = super::reasons::copied(&rows)
            .into_iter()
            .filter(|(reason, _)| !super::reasons::says_nothing(reason));
        for (reason, keys) in copied {
            out.push(format!(
                "the same {c} (\"{}\") stands in {} rows ({}): give each row its own reason, about what that row needs",
                reason.trim(),
                keys.len(),
                keys.join(", ")
            ));
        }
    }
    out
}

/// A problem for each answer given twice, so that which one counts is unclear: a listed row
/// repeated with other answers (only the first would be read), a column of the check
/// repeated in the header, and a second table with the check's columns that says otherwise
/// than the first. Copies that say the same thing are no problem.
fn repeated(p: &TableCheck, all: &[Table], t: &Table, key_col: usize) -> Vec<String> {
    let normed = |row: &[String]| row.iter().map(|c| norm(c)).collect::<Vec<_>>();
    let mut out = Vec::new();
    let mut keys: Vec<&String> = p.rows.keys().chain(p.mentions.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let rows: Vec<Vec<String>> = t
            .rows
            .iter()
            .filter(|r| r.get(key_col).is_some_and(|c| norm(c) == norm(key)))
            .map(|r| normed(r))
            .collect();
        if rows.iter().any(|r| *r != rows[0]) {
            out.push(format!(
                "the row \"{key}\" is there {} times with different answers: keep one row for \
                 it, with the answer you mean",
                rows.len()
            ));
        }
    }
    for column in &p.columns {
        let times = t.header.iter().filter(|h| norm(h) == norm(column)).count();
        if times > 1 {
            out.push(format!(
                "the column \"{column}\" is in the header {times} times: keep one, so each row \
                 has one answer under it"
            ));
        }
    }
    let wanted: Vec<String> = p.columns.iter().map(|c| norm(c)).collect();
    let others = all.iter().filter(|o| {
        !std::ptr::eq(*o, t)
            && wanted
                .iter()
                .all(|w| o.header.iter().any(|h| norm(h) == *w))
            && (normed(&o.header) != normed(&t.header)
                || o.rows
                    .iter()
                    .map(|r| normed(r))
                    .ne(t.rows.iter().map(|r| normed(r))))
    });
    let others = others.count();
    if others > 0 {
        out.push(format!(
            "there are {} tables with the columns {}, saying different things: keep your \
             answers in one table",
            others + 1,
            p.columns.join(" | ")
        ));
    }
    out
}

/// A ruled-out word normalised as a cell is, each part of an `a … b` or `a + b` keeping the
/// `*` that makes it a stem (`retr* … duplicat*`, `duplicat* + rerun*`).
pub(crate) fn norm_ruled_out(word: &str) -> String {
    let norm_part = |p: &str| {
        let stem = if p.trim_end().ends_with('*') { "*" } else { "" };
        format!("{}{stem}", norm(p))
    };
    word.split('…')
        .flat_map(|p| p.split("..."))
        .map(|p| {
            p.split(" + ")
                .map(norm_part)
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect::<Vec<_>>()
        .join(" … ")
}

/// The sentences of a (normalised) cell: cut at `;`, `!`, `?` and a full stop that ends a
/// word (`v29.0` is one word).
pub(crate) fn sentences(cell: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    for (i, c) in cell.char_indices() {
        let ends = matches!(c, ';' | '!' | '?')
            || c == '.' && cell[i + 1..].chars().next().is_none_or(char::is_whitespace);
        if ends {
            out.push(&cell[from..i]);
            from = i + 1;
        }
    }
    out.push(&cell[from..]);
    out
}

/// A ruled-out item and the words that excuse it: `-1 … continu* unless first start | no
/// stored` does not count against a cell that also says "first start" or "no stored" (outright,
/// anywhere in the cell), which scope the ruled-out words to where they are right. The item
/// itself may list the spellings of one mechanism the same way (`retr* | resend* unless …`).
pub(crate) fn split_unless(item: &str) -> (&str, Vec<&str>) {
    match item.split_once(" unless ") {
        Some((words, unless)) => (
            words.trim(),
            unless
                .split('|')
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .collect(),
        ),
        None => (item.trim(), Vec::new()),
    }
}

/// The words of (normalised) `sentence` that say `phrase` (normalised by [`norm_ruled_out`]):
/// from where its first part starts to where its last part's word ends, so that the learner
/// is shown what is objected to rather than the whole cell. `None` when the parts are not
/// found as plain words (the sentence is shown then).
fn quoted<'s>(sentence: &'s str, phrase: &str) -> Option<&'s str> {
    let is_word = |c: char| c.is_alphanumeric() || c == '-' || c == '\'';
    let mut from = 0;
    let mut start = None;
    for part in phrase.split(" … ") {
        let (stem, whole) = match part.strip_suffix('*') {
            Some(stem) => (stem.trim_end(), false),
            None => (part, true),
        };
        let at = sentence[from..]
            .match_indices(stem)
            .map(|(i, _)| from + i)
            .find(|&i| {
                let before = sentence[..i].chars().next_back();
                let after = sentence[i + stem.len()..].chars().next();
                !before.is_some_and(is_word) && (!whole || !after.is_some_and(is_word))
            })?;
        start.get_or_insert(at);
        let rest = &sentence[at + stem.len()..];
        from = at + stem.len() + rest.find(|c: char| !is_word(c)).unwrap_or(rest.len());
    }
    Some(&sentence[start?..from])
}

/// A problem for each cell that says a word its row rules out (see [`TableCheck::ruled_out`]).
fn ruled_out<'t>(
    p: &TableCheck,
    t: &Table,
    find_row: &dyn Fn(&str) -> Option<&'t Vec<String>>,
) -> Vec<String> {
    let mut keys: Vec<&String> = p.rows.keys().chain(p.mentions.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for key in keys {
        let Some(row) = find_row(key) else { continue };
        let rules = [p.ruled_out.get("*"), p.ruled_out.get(key.as_str())];
        for (column, words) in rules.into_iter().flatten().flatten() {
            let got = norm(cell_of(t, row, column));
            // The words saying a ruled-out phrase, as the cell says them.
            let said = words.iter().find_map(|w| {
                let (w, unless) = split_unless(w);
                if unless.iter().any(|u| affirms(&got, &norm(u))) {
                    return None;
                }
                // One mechanism in its several spellings: `retr* | resen* | send* … again`.
                w.split(" | ").map(str::trim).find_map(|w| {
                    if norm(w) == FIXED_WAITS {
                        return super::design_waits::fixed_waits(&got).map(str::to_string);
                    }
                    let phrase = norm_ruled_out(w);
                    let sentences = sentences(&got);
                    let sentence = sentences.iter().find(|s| affirms_ruled_out(s, &phrase))?;
                    Some(
                        quoted(sentence, &phrase)
                            .unwrap_or(sentence.trim())
                            .to_string(),
                    )
                })
            });
            if let Some(what) = said {
                out.push(format!(
                    "\"{key}\" → {column} says \"{what}\", which goes against what this row asks for"
                ));
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "design_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "design_choices_tests.rs"]
mod choices_tests;

#[cfg(test)]
#[path = "design_repeats_tests.rs"]
mod repeats_tests;

#[cfg(test)]
#[path = "design_lab_answers_tests.rs"]
mod lab_answers_tests;

#[cfg(test)]
#[path = "design_audit_tests.rs"]
mod audit_tests;
