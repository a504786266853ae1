//! Which numbers on a printed line state a count that `absent_lines` rules out, and which say
//! something else: "the count is unknown, not 0" denies the zero, and "INVALID_TYPE, 0
//! retries" counts retries, not the records the line is about, and a timestamp ("03:00:00")
//! is no count at all. A number that states a count
//! ("Opportunities: 0", "0 (INVALID_TYPE)", "0 records", "count: 0.0") is left for the rule.
//!
//! Implementation notes: word matching, not understanding. A zero is excused only when the word
//! just before it denies it or the word just after it names another thing counted; anything
//! else, a word it does not know included, leaves the number standing, so a made-up count is
//! not excused by an unusual phrasing (only the other way round).

/// Words that, right before a number, deny it: "not 0", "never 0", "isn't 0".
const DENIALS: &[&str] = &["not", "never", "isn't", "wasn't", "aren't", "weren't"];

/// Words that, right after a number, say it counts what the line is about: "0 records",
/// "0 found", "0 in total". Any other word after it names something else that was counted.
const COUNTED_ITEMS: &[&str] = &[
    "record",
    "records",
    "row",
    "rows",
    "result",
    "results",
    "item",
    "items",
    "found",
    "returned",
    "total",
    "in",
    "of",
    "counted",
    "matching",
    "opportunity",
    "opportunities",
    "opp",
    "opps",
    "oppty",
    "opptys",
];

/// `line` with every number that says something else than a count (see the module) blanked,
/// so a rule looking for a made-up count does not find it there.
pub(super) fn without_excused_numbers(line: &str, counted: &[String]) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    let core = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '.')
            .trim_end_matches('.')
            .to_lowercase()
    };
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let number = core(w);
            // A date or a time of day ("[2026-12-02 03:00:00]") is when, not how many.
            let when = number.contains([':', '-', '/'])
                && number.chars().any(|c| c.is_ascii_digit())
                && number
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, ':' | '-' | '/' | '.'));
            if when {
                return "…".to_string();
            }
            if number.parse::<f64>().is_err() {
                return w.to_string();
            }
            let denied = i > 0 && DENIALS.contains(&core(words[i - 1]).as_str());
            // A number ending its clause ("0,", "0)", "0;") counts nothing after it.
            let ends_clause = w.ends_with(|c: char| !c.is_alphanumeric());
            // The word after it, unless punctuation opens it ("0 (INVALID_TYPE)").
            let next = words
                .get(i + 1)
                .filter(|n| n.starts_with(char::is_alphabetic))
                .map(|n| core(n))
                .unwrap_or_default();
            let counts_else = !ends_clause
                && !next.is_empty()
                && !COUNTED_ITEMS.contains(&next.as_str())
                && !counted.iter().any(|c| c.to_lowercase() == next);
            if denied || counts_else {
                "…".to_string()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excused(line: &str) -> bool {
        without_excused_numbers(line, &["Opportunities".into()]) != line
    }

    #[test]
    fn a_denied_zero_or_a_zero_counting_something_else_is_excused() {
        assert!(excused(
            "Opportunities: not counted (INVALID_TYPE); the count is unknown, not 0"
        ));
        assert!(excused(
            "[2026-12-02 03:00:00] Opportunity query refused: INVALID_TYPE, 0 retries"
        ));
        for stated in [
            "Opportunities: 0",
            "Opportunities: 0 (INVALID_TYPE)",
            "OPPORTUNITIES: 0.0 (INVALID_TYPE)",
            "Opportunity count: 0 (warning: INVALID_TYPE)",
            "Opportunities: 0 records",
            "0 Opportunities",
        ] {
            assert!(!excused(stated), "{stated}");
        }
    }
}
