//! Growing waits written as numbers, for `design.table`'s `mentions`: a lab that lists the
//! item [`RISING_WAITS`] among a cell's words accepts a cell that names a rising sequence of
//! durations ("waiting 0.25 s, 0.5 s and 1 s", "after 100 ms, 200 ms, 400 ms", "wait 1, 2,
//! 4, 8 seconds") or says each wait is twice as long as the one before.
//!
//! And their opposite, for `ruled_out`: the item [`FIXED_WAITS`] is said by a cell that names
//! one short pause repeated, however it puts it — a short period ("every half second", "each
//! second", "once a second", "every 100ms"), a spacing ("1 s apart", "500 ms between tries"),
//! the same duration again ("wait 1 s, 1 s, 1 s") or the pause called fixed ("a constant
//! delay", "the same short pause") — unless it also names waits that grow (a back-off,
//! doubling, rising durations): a period of a few seconds or less says the retries never
//! back off. A period of [`SHORT_MS`] or more (a sweeper that runs every minute) is not held to
//! it.
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

/// The item a lab lists in `ruled_out` to refuse one short pause repeated (see the module).
pub(crate) const FIXED_WAITS: &str = "fixed waits";

/// The shortest period that is not a short fixed pause: retrying every ten seconds or more is
/// a schedule (a sweeper), not a loop hammering a system that is down.
const SHORT_MS: f64 = 10_000.0;

/// Words that say the waits grow, which excuse a period named beside them.
const GROWING: &[&str] = &[
    "backoff",
    "back off",
    "back-off",
    "exponential",
    "doubl",
    "grow",
    "increas",
    "longer",
    "rising",
    "twice",
];

/// Words that make a pause the same each time: "a constant delay", "the same short pause".
const STEADY: &[&str] = &[
    "fixed", "constant", "same", "regular", "equal", "steady", "uniform", "flat",
];

/// What a [`STEADY`] word says is steady.
const PAUSES: &[&str] = &[
    "delay",
    "delays",
    "wait",
    "waits",
    "pause",
    "pauses",
    "interval",
    "intervals",
    "gap",
    "gaps",
    "sleep",
    "period",
];

/// Words that stand for how many of a unit a period or a spacing is.
fn quantity(word: &str) -> Option<f64> {
    match word {
        "a" | "an" | "one" => Some(1.0),
        "half" => Some(0.5),
        "few" | "couple" => Some(3.0),
        _ => word.parse::<f64>().ok(),
    }
}

/// Words that may stand between a quantity and its unit ("a couple of seconds", "one and a
/// half seconds" is read as one).
const QUANTITY_FILLER: &[&str] = &["of", "a", "other", "and"];

/// Words that may stand between a spacing's duration and "between" ("500 ms of pause
/// between tries").
const SPACING_FILLER: &[&str] = &["of", "pause", "wait", "delay", "gap", "sleep"];

/// The words of a (normalised) cell with where each starts and ends, a number written
/// against its unit (`100ms`) read as two words.
fn spans(cell: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    let is_word = |c: char| c.is_alphanumeric() || c == '.';
    for (i, c) in cell.char_indices().chain([(cell.len(), ' ')]) {
        match (is_word(c), start) {
            (true, None) => start = Some(i),
            (false, Some(from)) => {
                start = None;
                let raw = &cell[from..i];
                let lead = raw.len() - raw.trim_start_matches('.').len();
                let token = raw.trim_matches('.');
                if token.is_empty() {
                    continue;
                }
                let from = from + lead;
                let digits = token
                    .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .unwrap_or(token.len());
                if digits > 0 && digits < token.len() && unit_ms(&token[digits..]).is_some() {
                    out.push((from, from + digits, &token[..digits]));
                    out.push((from + digits, from + token.len(), &token[digits..]));
                } else {
                    out.push((from, from + token.len(), token));
                }
            }
            _ => {}
        }
    }
    out
}

/// The duration, in milliseconds, that words `at..` of `words` name, and the index after its
/// unit: an optional quantity (`half`, `2`, `a couple of`), then a unit.
fn duration_at(words: &[(usize, usize, &str)], at: usize) -> Option<(f64, usize)> {
    let mut n = None;
    let mut i = at;
    while let Some(&(_, _, w)) = words.get(i) {
        if let Some(ms) = unit_ms(w) {
            return Some((n.unwrap_or(1.0) * ms, i + 1));
        }
        // "A couple of", "a few": the word after "a" says how many.
        match quantity(w) {
            Some(q) if w == "half" => n = Some(n.unwrap_or(1.0) * q),
            Some(q) if n.is_none_or(|m| m == 1.0) => n = Some(q),
            _ if QUANTITY_FILLER.contains(&w) && i - at < 3 => {}
            _ => return None,
        }
        i += 1;
    }
    None
}

/// The words of a normalised `cell` that name one short pause repeated (see the module), as
/// the cell says them; `None` when it names none, names one only to deny it, or also names
/// waits that grow.
pub(crate) fn fixed_waits(cell: &str) -> Option<&str> {
    if GROWING.iter().any(|g| affirms(cell, g)) || names_rising_waits(cell) {
        return None;
    }
    let words = spans(cell);
    let said = |from: usize, to: usize| {
        let (start, end) = (words[from].0, words[to - 1].1);
        let quote = &cell[start..end];
        super::negation::affirms_ruled_out(cell, quote).then_some(quote)
    };
    for (i, &(_, _, w)) in words.iter().enumerate() {
        // A period: "every half second", "each second", "per second", "once a second".
        // ("Once per second" and "once every second" are read at their second word.)
        let period = match w {
            "every" | "each" | "per" => Some(i + 1),
            "once" if words.get(i + 1).is_some_and(|n| matches!(n.2, "a" | "an")) => Some(i + 1),
            _ => None,
        };
        if let Some((ms, end)) = period.and_then(|from| duration_at(&words, from)) {
            if ms < SHORT_MS {
                if let Some(quote) = said(i, end) {
                    return Some(quote);
                }
            }
        }
        // A spacing: "1 s apart", "500 ms between tries".
        if let Some((ms, end)) = quantity(w).and_then(|_| duration_at(&words, i)) {
            let mut next = end;
            while words
                .get(next)
                .is_some_and(|n| SPACING_FILLER.contains(&n.2))
            {
                next += 1;
            }
            let spaced = words
                .get(next)
                .is_some_and(|n| matches!(n.2, "apart" | "between"));
            if spaced && ms < SHORT_MS {
                if let Some(quote) = said(i, next + 1) {
                    return Some(quote);
                }
            }
        }
        // A pause called steady: "a constant delay", "the same short pause".
        if STEADY.contains(&w) {
            let noun = (i + 1..(i + 3).min(words.len())).find(|&k| PAUSES.contains(&words[k].2));
            if let Some(quote) = noun.and_then(|k| said(i, k + 1)) {
                return Some(quote);
            }
        }
    }
    // The same duration again: "wait 1 s, 1 s, 1 s".
    let repeated = sequences(cell)
        .iter()
        .any(|s| s.len() >= 2 && s.windows(2).all(|w| w[0] == w[1]) && s[0] < SHORT_MS);
    repeated.then_some(cell.trim())
}

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
    fn one_short_pause_repeated_is_a_fixed_wait_however_it_is_put() {
        for (cell, said) in [
            (
                "Hold the event and retry every half second until the ERP answers",
                "every half second",
            ),
            (
                "Retry the call one second later, and keep doing so each second until the ERP answers",
                "each second",
            ),
            ("Retry every 100ms until the ERP is back", "every 100ms"),
            ("Retry every 2 s", "every 2 s"),
            ("Retry once a second", "once a second"),
            ("Park it and retry every few seconds", "every few seconds"),
            ("Retry 3 times, 1 s apart", "1 s apart"),
            ("Wait 500 ms between tries", "500 ms between"),
            ("Retry after a constant delay", "constant delay"),
            ("Retry after the same short pause each time", "same short pause"),
        ] {
            let normed = crate::rules::doc_table::norm(cell);
            assert_eq!(fixed_waits(&normed), Some(said), "{cell}");
        }
        assert!(fixed_waits("wait 1 s, 1 s, 1 s").is_some());
    }

    #[test]
    fn a_growing_wait_a_long_schedule_or_a_denied_period_is_no_fixed_wait() {
        for cell in [
            "Retry with exponential backoff, at most 5 tries",
            "Retry after 1 s, 2 s, 4 s",
            "Wait 1 s, then 2 s; every next wait doubles",
            "Park the order; a sweeper retries parked orders every 5 minutes",
            "Park the order; a sweeper retries parked orders every 30 seconds",
            "Never retry every second: wait longer each time",
            "Stop, do not store the replay id, exit non-zero; the supervisor restarts us later",
            "Retry each order once, then park it",
            "Retry every failed call after a pause that doubles",
            "Not a fixed delay: a sweeper retries parked orders later",
        ] {
            let normed = crate::rules::doc_table::norm(cell);
            assert_eq!(fixed_waits(&normed), None, "{cell}");
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
