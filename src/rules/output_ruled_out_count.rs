//! Which numbers on a printed line state a count that `absent_lines` rules out, and which say
//! something else: "the count is unknown, not 0" denies the zero, and "INVALID_TYPE, 0
//! retries" counts retries, not the records the line is about, and a timestamp ("03:00:00")
//! is no count at all. A number that states a count
//! ("Opportunities: 0", "0 (INVALID_TYPE)", "0 records", "count: 0.0") is left for the rule.
//!
//! An absence stated about the things counted is a zero too: "No opportunities found
//! (INVALID_TYPE)" tells the reader there are none as much as "Opportunities: 0" does
//! ([`absence_as_zero`]); "no access", "no Opportunity count" and "no permission" say what is
//! missing instead, and stay.
//!
//! Implementation notes: word matching, not understanding. A zero is excused only when the word
//! just before it denies it or the word just after it is one of the [`OTHER_COUNTS`]; anything
//! else, a word it does not know or the `errorCode` printed beside it included, leaves the
//! number standing, so a made-up count is not excused by an unusual phrasing (only the other
//! way round).

/// Words that, right before a number, deny it: "not 0", "never 0", "isn't 0".
const DENIALS: &[&str] = &["not", "never", "isn't", "wasn't", "aren't", "weren't"];

/// Words that, right after a number, name something else that was counted than what the
/// line is about: "0 retries", "0 further calls", "after 0 ms". Any other word after it, the
/// `errorCode` beside it ("0 INVALID_TYPE") or a word it does not know included, leaves the
/// number standing as the count the line states.
const OTHER_COUNTS: &[&str] = &[
    "retry",
    "retries",
    "retried",
    "attempt",
    "attempts",
    "try",
    "tries",
    "time",
    "times",
    "call",
    "calls",
    "request",
    "requests",
    "failure",
    "failures",
    "warning",
    "warnings",
    "more",
    "further",
    "extra",
    "additional",
    "other",
    "ms",
    "s",
    "sec",
    "secs",
    "second",
    "seconds",
    "min",
    "mins",
    "minute",
    "minutes",
];

/// Things a line may say there are none of, after "no": "no records", "no results". The
/// line's own counted words (`Opportunities`) are such things too.
const COUNTED_THINGS: &[&str] = &[
    "record",
    "records",
    "row",
    "rows",
    "result",
    "results",
    "item",
    "items",
    "match",
    "matches",
    "entry",
    "entries",
    "opportunity",
    "opportunities",
    "opp",
    "opps",
    "oppty",
    "opptys",
    "deal",
    "deals",
];

/// Words that, after "no <thing>", name what is missing about the things rather than the
/// things: "no Opportunity access", "no opportunity count", "no record data".
const ABOUT_THE_THINGS: &[&str] = &[
    "access",
    "permission",
    "permissions",
    "right",
    "rights",
    "count",
    "counts",
    "number",
    "total",
    "totals",
    "figure",
    "figures",
    "data",
    "value",
    "values",
    "info",
    "information",
    "object",
    "type",
    "field",
    "fields",
    "visibility",
    "query",
    "report",
];

/// `line` with each "no" that states there are none of the things counted written as the
/// zero it is (`No opportunities found` → `0 opportunities found`), so a rule looking for a
/// made-up count of 0 finds it however it is worded; `counted` are the line's own counted
/// words (`Opportunities`).
pub(super) fn absence_as_zero(line: &str, counted: &[String]) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    let core = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    let is_thing = |w: &str| {
        let w = core(w);
        COUNTED_THINGS.contains(&w.as_str()) || counted.iter().any(|c| c.to_lowercase() == w)
    };
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let Some(thing) = words.get(i + 1) else {
                return w.to_string();
            };
            // "no Opportunities access": the thing ends no clause and a word about it follows.
            let about = !thing.ends_with(|c: char| !c.is_alphanumeric())
                && words
                    .get(i + 2)
                    .is_some_and(|a| ABOUT_THE_THINGS.contains(&core(a).as_str()));
            // "no" glued to what follows it ("no," "no:") answers something; it is no zero.
            let glued = w.ends_with(|c: char| !c.is_alphanumeric());
            if core(w) != "no" || glued || !is_thing(thing) || about {
                return w.to_string();
            }
            let lead: String = w.chars().take_while(|c| !c.is_alphanumeric()).collect();
            format!("{lead}0")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

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
                && OTHER_COUNTS.contains(&next.as_str())
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
        assert!(excused(
            "Opportunities: refused (INVALID_TYPE) after 0 further calls"
        ));
        for stated in [
            "Opportunities: 0",
            "Opportunities: 0 (INVALID_TYPE)",
            "OPPORTUNITIES: 0.0 (INVALID_TYPE)",
            "Opportunity count: 0 (warning: INVALID_TYPE)",
            "Opportunities: 0 records",
            "0 Opportunities",
            "Opportunities: 0 INVALID_TYPE",
            "Opportunity count = 0 INVALID_TYPE",
            "Opportunities: 0 errorCode=INVALID_TYPE",
            "WARN Opportunities 0 INVALID_TYPE",
            "Opportunities: 0 unknown",
        ] {
            assert!(!excused(stated), "{stated}");
        }
    }

    fn as_zero(line: &str) -> String {
        absence_as_zero(line, &["Opportunities".into(), "Opportunity".into()])
    }

    #[test]
    fn no_things_found_states_a_zero() {
        for (line, zero) in [
            (
                "No opportunities found (INVALID_TYPE)",
                "0 opportunities found (INVALID_TYPE)",
            ),
            (
                "INVALID_TYPE: no Opportunities.",
                "INVALID_TYPE: 0 Opportunities.",
            ),
            ("Opportunities: (no records)", "Opportunities: (0 records)"),
            (
                "Found no opportunity records (INVALID_TYPE)",
                "Found 0 opportunity records (INVALID_TYPE)",
            ),
        ] {
            assert_eq!(as_zero(line), zero, "{line}");
        }
        for kept in [
            "Opportunities: no access (INVALID_TYPE)",
            "Opportunities: no permission for this integration (INVALID_TYPE)",
            "No Opportunity count: INVALID_TYPE",
            "no opportunity data (INVALID_TYPE)",
            "Opportunities counted? no, INVALID_TYPE",
            "Opportunities: not permitted for this integration (INVALID_TYPE)",
        ] {
            assert_eq!(as_zero(kept), kept, "{kept}");
        }
    }
}
