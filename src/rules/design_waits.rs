//! Growing waits written as numbers, for `design.table`'s `mentions`: a lab that lists the
//! item [`RISING_WAITS`] among a cell's words accepts a cell that names a rising sequence of
//! durations ("waiting 0.25 s, 0.5 s and 1 s", "after 100 ms, 200 ms, 400 ms", "wait 1, 2,
//! 4, 8 seconds") or says each wait is twice as long as the one before.
//!
//! Implementation notes: a cell is read as words. A number with a unit (`250 ms`, `1s`,
//! `0.5 sec`) is a duration; bare numbers before a unit take it (`1, 2 and 4 seconds`). A
//! sequence is durations joined by commas and a few joining words (`and`, `then`, `after`,
//! `wait`…); any other word ends it, so `3 times, 1 s apart, time out after 10 s` names two
//! separate waits, not a rising pair. A sequence names growing waits when it has two
//! durations or more and each is longer than the one before.

use super::negation::affirms;

/// The item a lab lists in `mentions` to accept growing waits written as numbers.
pub(crate) const RISING_WAITS: &str = "rising waits";

/// Words that may stand between the durations of one sequence.
const JOINING: &[&str] = &[
    "and", "then", "after", "wait", "waits", "waiting", "finally", "next", "or",
];

/// Phrases saying each wait doubles the one before, read as `mentions` are (not under a
/// negation).
const TWICE: &[&str] = &[
    "twice as long",
    "two times as long",
    "twice the wait",
    "twice the previous",
    "twice the last",
    "twice the one before",
    "double the wait",
    "double the previous",
];

/// A word of a cell, as the sequence reader sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Word {
    Number(f64),
    /// A unit of time: how many milliseconds one of it is.
    Unit(f64),
    Joining,
    Other,
}

fn unit_ms(word: &str) -> Option<f64> {
    match word {
        "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" => Some(1.0),
        "s" | "sec" | "secs" | "second" | "seconds" => Some(1000.0),
        "min" | "mins" | "minute" | "minutes" => Some(60_000.0),
        _ => None,
    }
}

/// The words of `cell`, a number written against its unit (`250ms`) read as two words.
fn words(cell: &str) -> Vec<Word> {
    let lower = cell.to_lowercase();
    let mut out = Vec::new();
    for raw in lower.split(|c: char| !(c.is_alphanumeric() || c == '.')) {
        let token = raw.trim_matches('.');
        if token.is_empty() {
            continue;
        }
        let digits = token
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(token.len());
        let (number, rest) = token.split_at(digits);
        match number.parse::<f64>() {
            Ok(n) if !number.is_empty() => {
                out.push(Word::Number(n));
                if !rest.is_empty() {
                    out.push(unit_ms(rest).map_or(Word::Other, Word::Unit));
                }
            }
            _ if JOINING.contains(&token) => out.push(Word::Joining),
            _ => out.push(unit_ms(token).map_or(Word::Other, Word::Unit)),
        }
    }
    out
}

/// The sequences of durations of `cell`, in milliseconds (see the module).
fn sequences(cell: &str) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    let mut run: Vec<f64> = Vec::new();
    // Numbers waiting for the unit that follows them.
    let mut pending: Vec<f64> = Vec::new();
    let mut close = |run: &mut Vec<f64>, pending: &mut Vec<f64>| {
        pending.clear();
        if !run.is_empty() {
            out.push(std::mem::take(run));
        }
    };
    for word in words(cell) {
        match word {
            Word::Number(n) => pending.push(n),
            Word::Unit(ms) if !pending.is_empty() => {
                run.extend(pending.drain(..).map(|n| n * ms));
            }
            Word::Joining => {}
            Word::Unit(_) | Word::Other => close(&mut run, &mut pending),
        }
    }
    close(&mut run, &mut pending);
    out
}

/// Whether `cell` names waits that grow: a rising sequence of durations, or each wait twice
/// as long as the one before (see the module).
pub(crate) fn names_rising_waits(cell: &str) -> bool {
    let normed = super::doc_table::norm(cell);
    TWICE.iter().any(|p| affirms(&normed, p))
        || sequences(cell)
            .iter()
            .any(|s| s.len() >= 2 && s.windows(2).all(|w| w[1] > w[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rising_durations_in_any_spelling_name_growing_waits() {
        for cell in [
            "Retry up to three times, waiting 0.25 s, 0.5 s and 1 s",
            "Retry after 100 ms, 200 ms, 400 ms, 800 ms",
            "Retry up to 4 times, waiting 200 ms, 400 ms, 800 ms",
            "Wait 1, 2, 4, 8 seconds between attempts",
            "Retry after 1s, 2s, 4s",
            "Wait 500 ms, then 1 s, then 2 s between tries",
            "Retry with increasing waits (1 s, 2 s, 4 s)",
            "Retry, waiting twice as long after each failure",
        ] {
            assert!(names_rising_waits(cell), "{cell}");
        }
    }

    #[test]
    fn a_fixed_wait_a_count_or_unrelated_durations_name_no_growing_waits() {
        for cell in [
            "Retry every 100 ms until the ERP is back",
            "Retry up to 3 times",
            "Retry 3 times, 1 s apart, time out after 10 s",
            "Wait 1 s, 1 s, 1 s",
            "Retry after 4 s, 2 s, 1 s",
            "Retry, but never wait twice as long",
        ] {
            assert!(!names_rising_waits(cell), "{cell}");
        }
    }
}
