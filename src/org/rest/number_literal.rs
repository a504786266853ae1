//! Numbers as the client wrote them in a JSON body. Parsing reads a number into an `f64`,
//! which rounds (`12345678901234567890.5` reads as `12345678901234567000`) or cannot hold it
//! at all (`1e400`); an error about such a number quotes the client's own text, found again in
//! the body's bytes.
//!
//! Implementation notes:
//! - A literal is found two ways: by the parser's error position (the parser stops inside or
//!   just after a number it cannot hold), or by the key of a top-level entry (a value a field
//!   refused). Only the error paths look; a body that is accepted is never scanned twice.
//! - A very long literal is not quoted whole: like Jackson, which describes a number over
//!   1,000 characters instead of printing it, the quote says how long it is.

use serde::de::{DeserializeOwned, IgnoredAny};
use std::borrow::Cow;

/// The longest literal quoted whole.
const MAX_QUOTED: usize = 1000;

/// Bytes a JSON number literal is written with.
fn is_number_byte(b: u8) -> bool {
    matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
}

/// A number literal as an error message quotes it: whole, or described when very long.
pub fn quoted(literal: &str) -> Cow<'_, str> {
    if literal.len() <= MAX_QUOTED {
        Cow::Borrowed(literal)
    } else {
        Cow::Owned(format!("[number with {} characters]", literal.len()))
    }
}

/// The number literal around the parser's error position (`line` and `column` as
/// `serde_json` counts them: from 1, in bytes), with the column it starts at.
pub fn at_position(bytes: &[u8], line: usize, column: usize) -> Option<(&str, usize)> {
    let line_start = if line <= 1 {
        0
    } else {
        bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(line - 2)?
            .0
            + 1
    };
    let last = line_start + column.checked_sub(1)?;
    if !is_number_byte(*bytes.get(last)?) {
        return None;
    }
    let start = (line_start..=last)
        .rev()
        .take_while(|&i| is_number_byte(bytes[i]))
        .last()?;
    let end = (last..bytes.len())
        .take_while(|&i| is_number_byte(bytes[i]))
        .last()?
        + 1;
    let literal = std::str::from_utf8(&bytes[start..end]).ok()?;
    Some((literal, start - line_start + 1))
}

/// The number literal a top-level entry of a JSON object body gives `key` (matched as field
/// names are, ignoring case; the last entry wins, as it does when the body is read). `None`
/// when the entry is missing or its value is not a number.
pub fn of_key<'b>(bytes: &'b [u8], key: &str) -> Option<&'b str> {
    let mut found = None;
    let mut i = skip_space(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    loop {
        let (name, after) = next_value::<String>(bytes, skip_space(bytes, i))?;
        i = skip_space(bytes, after);
        if bytes.get(i) != Some(&b':') {
            return found;
        }
        let start = skip_space(bytes, i + 1);
        let (_, end) = next_value::<IgnoredAny>(bytes, start)?;
        if name.eq_ignore_ascii_case(key) {
            let value = &bytes[start..end];
            found = value
                .first()
                .is_some_and(|b| *b == b'-' || b.is_ascii_digit())
                .then(|| std::str::from_utf8(value).ok())
                .flatten();
        }
        i = skip_space(bytes, end);
        if bytes.get(i) != Some(&b',') {
            return found;
        }
        i += 1;
    }
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The JSON value starting at `at`, and where it ends.
fn next_value<T: DeserializeOwned>(bytes: &[u8], at: usize) -> Option<(T, usize)> {
    let mut values = serde_json::Deserializer::from_slice(bytes.get(at..)?).into_iter::<T>();
    let value = values.next()?.ok()?;
    Some((value, at + values.byte_offset()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keys_number_is_found_as_written() {
        let body = br#"{"Name":"x", "annualrevenue" : 12345678901234567890.5 ,"Rating":"Hot"}"#;
        assert_eq!(
            of_key(body, "AnnualRevenue"),
            Some("12345678901234567890.5")
        );
        assert_eq!(of_key(body, "Name"), None, "a string is not a number");
        assert_eq!(of_key(body, "Phone"), None);
    }

    #[test]
    fn a_key_given_twice_is_found_at_its_last_entry() {
        let body = br#"{"N":1,"Nested":{"N":[2,{"N":3}]},"N":-40}"#;
        assert_eq!(of_key(body, "N"), Some("-40"));
    }

    #[test]
    fn the_literal_at_an_error_is_found_with_its_start() {
        let body = b"{\n  \"Name\": \"x\",\n  \"AnnualRevenue\": 1e400\n}";
        let at_last_digit = at_position(body, 3, 24);
        assert_eq!(at_last_digit, Some(("1e400", 20)));
        assert_eq!(at_position(body, 3, 21), Some(("1e400", 20)));
        assert_eq!(at_position(body, 2, 3), None, "not at a number");
    }

    #[test]
    fn a_very_long_literal_is_described_not_quoted() {
        let long = "9".repeat(1500);
        assert_eq!(quoted(&long), "[number with 1500 characters]");
        assert_eq!(quoted("1e400"), "1e400");
    }
}
