//! Whether the reasons in a design table's `explained` columns say anything: a reason made
//! only of words that would fit any row ("because it fits", "best option here", "see
//! above") gives none, and one reason copied onto many rows is not a reason for each.
//!
//! Implementation notes: a reason passes as soon as it holds one word outside [`EMPTY_WORDS`],
//! so honest short reasons ("nightly copy", "rep waits") are never refused for their length;
//! this catches the filler, not a wrong reason. A reason repeated on two rows can be honest
//! (two batch loads, both "millions of rows"), so only a reason given for [`REPEATS`] rows or
//! more, or for every row, is refused.

use super::doc_table::norm;

/// Words that fit any row's reason, so a reason made only of them says nothing.
const EMPTY_WORDS: &[&str] = &[
    "a",
    "above",
    "all",
    "an",
    "and",
    "answer",
    "appropriate",
    "are",
    "as",
    "be",
    "because",
    "below",
    "best",
    "better",
    "case",
    "choice",
    "chosen",
    "clearly",
    "correct",
    "ditto",
    "etc",
    "fine",
    "fit",
    "fits",
    "fitting",
    "for",
    "go",
    "good",
    "here",
    "i",
    "ibid",
    "ideal",
    "in",
    "is",
    "it",
    "its",
    "just",
    "make",
    "makes",
    "most",
    "n",
    "na",
    "obvious",
    "obviously",
    "of",
    "ok",
    "okay",
    "on",
    "one",
    "option",
    "perfect",
    "pick",
    "picked",
    "reason",
    "right",
    "s",
    "same",
    "see",
    "sense",
    "simply",
    "since",
    "so",
    "suitable",
    "suits",
    "sure",
    "that",
    "the",
    "this",
    "to",
    "use",
    "very",
    "way",
    "we",
    "why",
    "with",
    "works",
    "yeah",
    "yep",
    "yes",
];

/// A reason given for this many rows or more is one reason copied, not a reason for each.
pub(crate) const REPEATS: usize = 3;

/// The words of a reason, lowercased, without punctuation.
fn words(reason: &str) -> Vec<String> {
    norm(reason)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// True when every word of `reason` is one that fits any row (see [`EMPTY_WORDS`]).
pub(crate) fn says_nothing(reason: &str) -> bool {
    words(reason)
        .iter()
        .all(|w| EMPTY_WORDS.contains(&w.as_str()))
}

/// The reasons of `rows` (row key, reason) given for [`REPEATS`] rows or more, or for every
/// row (when there are two or more): each reason as first written, with the rows it stands
/// in. Blank reasons are left out (they are told as unfilled).
pub(crate) fn copied<'r>(rows: &[(&'r str, &'r str)]) -> Vec<(&'r str, Vec<&'r str>)> {
    let mut groups: Vec<(Vec<String>, &str, Vec<&str>)> = Vec::new();
    for (key, reason) in rows {
        let said = words(reason);
        if said.is_empty() {
            continue;
        }
        match groups.iter_mut().find(|(s, _, _)| *s == said) {
            Some((_, _, keys)) => keys.push(key),
            None => groups.push((said, reason, vec![key])),
        }
    }
    groups
        .into_iter()
        .filter(|(_, _, keys)| {
            keys.len() >= REPEATS || (rows.len() >= 2 && keys.len() == rows.len())
        })
        .map(|(_, reason, keys)| (reason, keys))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filler_alone_says_nothing_and_one_word_of_the_need_says_something() {
        for empty in [
            "because it fits",
            "Best option here.",
            "see above",
            "It is the right choice",
            "makes sense",
        ] {
            assert!(says_nothing(empty), "{empty}");
        }
        for honest in [
            "rep waits",
            "nightly copy of 250,000 rows",
            "because it fits the volume",
            "one GET",
        ] {
            assert!(!says_nothing(honest), "{honest}");
        }
    }

    #[test]
    fn one_reason_on_three_rows_or_on_every_row_is_copied_but_on_two_is_not() {
        let rows = [
            ("Credit check", "because it fits"),
            ("Order hand-off", "Because it fits."),
            ("Price list", "large volume"),
            ("Case history", "large volume"),
            ("Contact changes", "because it fits"),
        ];
        let found = copied(&rows);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "because it fits");
        assert_eq!(
            found[0].1,
            ["Credit check", "Order hand-off", "Contact changes"]
        );
        let two = [("A", "same words"), ("B", "same words")];
        assert_eq!(copied(&two).len(), 1, "every row of two");
        let three = [
            ("A", "same words"),
            ("B", "same words"),
            ("C", "other words"),
        ];
        assert!(copied(&three).is_empty());
    }
}
