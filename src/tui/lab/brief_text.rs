//! The Brief's text as last drawn, for `/`, `n` and `N`: each line's first screen row, its
//! text, and how it goes on from the line before where the brief wrapped a paragraph (the
//! goal, a long value in the environment, a hint). Search reads a wrapped paragraph as the
//! one line it is, as a lesson's search does (`reader::find_matches`): a phrase the wrap
//! broke is found, in pieces, and the count does not change with the width.

use crate::markdown::WrapJoin;
use crate::tui::reader::{find_matches, Match};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BriefText {
    /// The screen row each line starts on.
    pub rows: Vec<usize>,
    /// Each line's text as it reads (a no-break space is a space).
    pub plain: Vec<String>,
    /// How each line goes on from the line before, where the brief wrapped it.
    pub joins: Vec<Option<WrapJoin>>,
}

impl BriefText {
    /// Adds a line starting on screen row `row`.
    pub fn push(&mut self, row: usize, text: &str, join: Option<WrapJoin>) {
        self.rows.push(row);
        self.plain.push(text.replace('\u{a0}', " "));
        self.joins.push(join);
    }

    /// Every occurrence of `query` (any case), in reading order.
    pub fn matches(&self, query: &str) -> Vec<Match> {
        find_matches(&self.plain, &self.joins, query)
    }

    /// The row each occurrence of `query` starts on, in reading order.
    pub fn occurrences(&self, query: &str) -> Vec<usize> {
        self.matches(query)
            .iter()
            .filter_map(|m| self.rows.get(m.line).copied())
            .collect()
    }

    /// How many times `query` occurs.
    pub fn count(&self, query: &str) -> usize {
        self.matches(query).len()
    }

    /// The row of the first occurrence of `query` on row `from` or below, else of the first
    /// one; `None` when there is none.
    pub fn first_from(&self, query: &str, from: usize) -> Option<usize> {
        let rows = self.occurrences(query);
        rows.iter()
            .find(|row| **row >= from)
            .or(rows.first())
            .copied()
    }
}

/// How each of `rows` goes on from the row before, when they are `source` wrapped at words
/// (spaces collapsed) with each row's text from character `start` on after the first
/// (a hanging indent): at a space the wrap took, or inside a word it broke. The first row
/// starts anew.
pub fn wrapped_joins(source: &str, rows: &[String], start: usize) -> Vec<Option<WrapJoin>> {
    let text: Vec<char> = source
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect();
    let mut at = 0;
    let mut out = Vec::with_capacity(rows.len());
    let mut before_end = 0;
    for (i, row) in rows.iter().enumerate() {
        let len = row.chars().count();
        let from = if i == 0 { 0 } else { start.min(len) };
        if i == 0 {
            out.push(None);
        } else {
            let space = text.get(at) == Some(&' ');
            at += usize::from(space);
            out.push(Some(WrapJoin {
                space,
                before_end,
                start: from,
            }));
        }
        // The first row's text starts after its lead, as wide as the indent under it.
        let lead = if i == 0 { start.min(len) } else { from };
        at += len - lead;
        before_end = len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[(&str, Option<WrapJoin>)]) -> BriefText {
        let mut t = BriefText::default();
        for (i, (line, join)) in lines.iter().enumerate() {
            t.push(i * 2, line, *join);
        }
        t
    }

    #[test]
    fn a_phrase_the_wrap_broke_is_found_on_the_row_it_starts() {
        let source = "Send the update with PATCH to the record's URL";
        let rows: Vec<String> = [
            "1. Send the update with",
            "   PATCH to the record's",
            "   URL",
        ]
        .map(String::from)
        .to_vec();
        let joins = wrapped_joins(source, &rows, 3);
        let t = text(&[
            (rows[0].as_str(), joins[0]),
            (rows[1].as_str(), joins[1]),
            (rows[2].as_str(), joins[2]),
        ]);
        assert_eq!(t.occurrences("update with patch"), vec![0]);
        assert_eq!(t.occurrences("record's url"), vec![2]);
        assert_eq!(t.count("the"), 2);
        assert_eq!(t.first_from("url", 3), Some(4));
        assert_eq!(t.first_from("update", 3), Some(0), "round to the first");
    }

    #[test]
    fn a_word_broken_inside_reads_whole_and_lines_apart_stay_apart() {
        let source = "abcdefghij klm";
        let rows: Vec<String> = ["abcdef", "ghij klm"].map(String::from).to_vec();
        let joins = wrapped_joins(source, &rows, 0);
        assert_eq!(
            joins[1],
            Some(WrapJoin {
                space: false,
                before_end: 6,
                start: 0
            })
        );
        let t = text(&[(rows[0].as_str(), joins[0]), (rows[1].as_str(), joins[1])]);
        assert_eq!(t.count("defgh"), 1);
        // Two lines the brief did not wrap are not read as one.
        let apart = text(&[("What the checks", None), ("look for", None)]);
        assert_eq!(apart.count("checks look"), 0);
    }
}
