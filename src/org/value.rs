//! Field values as the store keeps them, and their conversions from and to REST JSON.
//!
//! A [`Value`] is small (24 bytes): text is a [`CompactString`] (up to 24 bytes kept inline,
//! so most field values need no allocation of their own), ids are inline 18-byte [`SfId`]s,
//! dates are days and date-times milliseconds since the Unix epoch. A missing value is `None`
//! in the record, never a variant here.
//!
//! Conversions follow the field's [`FieldType`]: numbers arrive as JSON numbers or numeric
//! strings, dates as `YYYY-MM-DD`, date-times as ISO 8601 with `Z` or an offset. A value of the
//! wrong kind gives the parser-style message Salesforce sends with `JSON_PARSER_ERROR`.
//!
//! Decimals (currency, number, percent) are `f64`s, rounded to their field's scale when
//! written ([`round_to_scale`], called by the store's checks); a whole one from 10^16 is
//! written to JSON as an integer, so no API shows it in exponent form. A non-zero value below
//! 10^-5 (only a field of scale 6 or more holds one) still is: `serde_json` prints an `f64`
//! that small only that way.

use super::ids::SfId;
use super::schema::FieldType;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// One stored field value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Double(f64),
    Text(CompactString),
    /// Days since 1970-01-01.
    Date(i32),
    /// Milliseconds since the Unix epoch, UTC.
    DateTime(i64),
    Id(SfId),
}

/// Why a JSON value does not fit a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Cannot deserialize instance of {type_name} from {token} value {shown} or request may be missing a required field")]
pub struct ValueError {
    pub type_name: &'static str,
    pub token: &'static str,
    pub shown: String,
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

pub fn date_to_days(d: NaiveDate) -> i32 {
    (d - epoch()).num_days() as i32
}

/// The date `days` after 1970-01-01 (clamped to chrono's range for values from a bad file).
pub fn days_to_date(days: i32) -> NaiveDate {
    epoch()
        .checked_add_signed(chrono::Duration::days(days as i64))
        .unwrap_or(if days < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        })
}

pub fn millis_to_datetime(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// `2024-05-01T09:30:00.000+0000`, the form Salesforce returns.
pub fn format_datetime(ms: i64) -> String {
    millis_to_datetime(ms)
        .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
        .to_string()
}

/// Parses the date-time forms Salesforce accepts: `Z`, `+hh:mm`, `+hhmm`, optional fraction.
/// The year has four digits and the seconds run 00–59 (the documented `yyyy` and `ss`), so
/// `+10000-01-01T…` and a leap second `…T10:00:60Z` are no date-time at all.
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    if !has_four_digit_year(s) {
        return None;
    }
    let parsed = DateTime::parse_from_rfc3339(s)
        .ok()
        .or_else(|| {
            ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"]
                .iter()
                .find_map(|fmt| DateTime::parse_from_str(s, fmt).ok())
        })
        .map(|d| d.with_timezone(&Utc))
        // No zone: treated as UTC (real Salesforce does the same for the REST API) [U].
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|n| n.and_utc())
        })?;
    // chrono keeps a leap second (`:60`) as a nanosecond count past one second.
    (parsed.timestamp_subsec_nanos() < 1_000_000_000).then_some(parsed)
}

/// Parses `YYYY-MM-DD` with a four-digit year.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    if !has_four_digit_year(s) {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn has_four_digit_year(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// The earliest date a field holds: 1700-01-01 (for a date-time, its midnight GMT).
pub const EARLIEST_DATE: (i32, u32, u32) = (1700, 1, 1);
/// The latest date a field holds: 4000-12-31 (for a date-time, its midnight GMT, as the SOQL
/// reference words it: "The latest valid date is 4000-12-31T00:00:00Z GMT").
pub const LATEST_DATE: (i32, u32, u32) = (4000, 12, 31);

fn days_of((y, m, d): (i32, u32, u32)) -> i32 {
    NaiveDate::from_ymd_opt(y, m, d).map_or(0, date_to_days)
}

/// Whether a stored value is a date or date-time a field can hold: from 1700-01-01 to
/// 4000-12-31, and for a date-time from 1700-01-01T00:00:00Z to 4000-12-31T00:00:00Z [D: SOQL
/// and SOSL reference, "Minimum and Maximum Dates"]. Other values are not dates: true.
pub fn within_date_range(v: &Value) -> bool {
    const DAY_MS: i64 = 86_400_000;
    let (first, last) = (days_of(EARLIEST_DATE), days_of(LATEST_DATE));
    match v {
        Value::Date(d) => (first..=last).contains(d),
        Value::DateTime(ms) => (first as i64 * DAY_MS..=last as i64 * DAY_MS).contains(ms),
        _ => true,
    }
}

/// The JSON number of a whole `f` from 10^16 up, written as an integer. A JSON number from
/// an `f64` is printed in its shortest form, which from 10^16 is exponent form
/// (`1.2345678901234568e17`); written as an integer it keeps every digit the value holds
/// (`123456789012345680`), as a client, a CSV cell and a SOAP element show it. `None` below
/// 10^16 (where the shortest form has no exponent) and past the 64-bit integers.
fn whole_in_digits(f: f64) -> Option<serde_json::Number> {
    if f.abs() < 1e16 || f.fract() != 0.0 {
        return None;
    }
    if f >= -(i64::MIN as f64) {
        (f < u64::MAX as f64).then(|| serde_json::Number::from(f as u64))
    } else if f >= i64::MIN as f64 {
        Some(serde_json::Number::from(f as i64))
    } else {
        None
    }
}

/// `x` rounded to `scale` places after the point, half away from zero, as a field of that
/// scale keeps it on write (`1.23999` at scale 2 is `1.24`, `1.005` is `1.01`). The digits
/// rounded are those of `x`'s shortest decimal form, the number as a client wrote it, not of
/// the binary fraction an `f64` holds (`1.005` is a little under it).
///
/// Implementation notes: real orgs keep currency, number and percent fields as decimals of
/// the field's precision and scale and round on write; sflab keeps them as `f64`, so a value
/// past 15 or 16 significant digits (an 18-digit currency, `1234567890123456.78`) is rounded
/// to the nearest `f64` before it is rounded to its scale, and reads back with the digits an
/// `f64` holds (`1234567890123456.8`). Exact 18-digit values would need a decimal [`Value`]
/// kind through the store, SOQL, aggregates and every API's rendering; not done.
/// [U] The rounding mode (half up, away from zero) is what the Salesforce help says of
/// currency and number fields; not checked against an org for the REST and SOAP APIs.
pub fn round_to_scale(x: f64, scale: u8) -> f64 {
    // A whole number (most amounts a load writes) has nothing to round: no text is made.
    if !x.is_finite() || x.fract() == 0.0 {
        return x;
    }
    // Display of an f64 is its shortest round-trip decimal, never in exponent form.
    let written = x.abs().to_string();
    let (whole, fraction) = written.split_once('.').unwrap_or((&written, ""));
    let scale = usize::from(scale);
    if fraction.len() <= scale {
        return x;
    }
    let mut digits: Vec<u8> = whole.bytes().chain(fraction.bytes().take(scale)).collect();
    if fraction.as_bytes()[scale] >= b'5' {
        let mut at = digits.len();
        loop {
            if at == 0 {
                digits.insert(0, b'1');
                break;
            }
            at -= 1;
            if digits[at] == b'9' {
                digits[at] = b'0';
            } else {
                digits[at] += 1;
                break;
            }
        }
    }
    let point = digits.len() - scale;
    let mut text = String::from_utf8_lossy(&digits[..point]).into_owned();
    text.push('.');
    text.push_str(&String::from_utf8_lossy(&digits[point..]));
    let rounded: f64 = text.parse().unwrap_or(x.abs());
    if rounded == 0.0 {
        0.0
    } else {
        rounded.copysign(x)
    }
}

/// Types whose JSON form is never coerced from a number or boolean into text.
fn is_non_text(t: FieldType) -> bool {
    matches!(
        t,
        FieldType::Boolean
            | FieldType::Int
            | FieldType::Double
            | FieldType::Currency
            | FieldType::Percent
            | FieldType::Date
            | FieldType::DateTime
            | FieldType::Id
            | FieldType::Reference
    )
}

fn token_of(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::String(_) => "VALUE_STRING",
        serde_json::Value::Number(n) if n.is_f64() => "VALUE_NUMBER_FLOAT",
        serde_json::Value::Number(_) => "VALUE_NUMBER_INT",
        serde_json::Value::Bool(true) => "VALUE_TRUE",
        serde_json::Value::Bool(false) => "VALUE_FALSE",
        serde_json::Value::Array(_) => "START_ARRAY",
        serde_json::Value::Object(_) => "START_OBJECT",
        serde_json::Value::Null => "VALUE_NULL",
    }
}

fn shown(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Value {
    /// Converts a JSON value for a field of type `t`; `Ok(None)` for JSON null.
    pub fn from_json(t: FieldType, v: &serde_json::Value) -> Result<Option<Value>, ValueError> {
        use serde_json::Value as J;
        let fail = || ValueError {
            type_name: t.describe_name(),
            token: token_of(v),
            shown: shown(v),
        };
        let value = match v {
            J::Null => return Ok(None),
            J::String(s) => return Value::from_text(t, s),
            J::Bool(b) => match t {
                FieldType::Boolean => Value::Bool(*b),
                // Jackson coerces scalars into text fields.
                _ if !is_non_text(t) => Value::Text(b.to_string().into()),
                _ => return Err(fail()),
            },
            J::Number(n) => match t {
                FieldType::Int => match n.as_i64() {
                    Some(i) => Value::Int(i),
                    None => match n.as_f64() {
                        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => Value::Int(f as i64),
                        _ => return Err(fail()),
                    },
                },
                FieldType::Double | FieldType::Currency | FieldType::Percent => {
                    Value::Double(n.as_f64().ok_or_else(fail)?)
                }
                _ if !is_non_text(t) => Value::Text(n.to_string().into()),
                _ => return Err(fail()),
            },
            J::Array(_) | J::Object(_) => return Err(fail()),
        };
        Ok(Some(value))
    }

    /// Converts a text value (a JSON string, a CSV cell) for a field of type `t`, exactly as
    /// [`Value::from_json`] converts a JSON string; an empty text is null for text and ids.
    pub fn from_text(t: FieldType, s: &str) -> Result<Option<Value>, ValueError> {
        let fail = || ValueError {
            type_name: t.describe_name(),
            token: "VALUE_STRING",
            shown: s.to_string(),
        };
        let value = match t {
            FieldType::Boolean if s.eq_ignore_ascii_case("true") => Value::Bool(true),
            FieldType::Boolean if s.eq_ignore_ascii_case("false") => Value::Bool(false),
            FieldType::Boolean => return Err(fail()),
            FieldType::Int => Value::Int(s.trim().parse().map_err(|_| fail())?),
            FieldType::Double | FieldType::Currency | FieldType::Percent => {
                let f: f64 = s.trim().parse().map_err(|_| fail())?;
                if !f.is_finite() {
                    return Err(fail());
                }
                Value::Double(f)
            }
            FieldType::Date => {
                let d = parse_date(s)
                    .or_else(|| parse_datetime(s).map(|d| d.date_naive()))
                    .ok_or_else(fail)?;
                Value::Date(date_to_days(d))
            }
            FieldType::DateTime => {
                let d = parse_datetime(s)
                    .or_else(|| {
                        parse_date(s).map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
                    })
                    .ok_or_else(fail)?;
                Value::DateTime(d.timestamp_millis())
            }
            // Ids and references: the shape is checked by the store, which knows the label.
            _ if s.is_empty() => return Ok(None),
            _ => Value::Text(s.into()),
        };
        Ok(Some(value))
    }

    /// The REST JSON form of this value for a field of type `t`.
    pub fn to_json(&self, t: FieldType) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Double(f) => {
                if t == FieldType::Int && f.fract() == 0.0 {
                    J::from(*f as i64)
                } else {
                    whole_in_digits(*f)
                        .or_else(|| serde_json::Number::from_f64(*f))
                        .map(J::Number)
                        .unwrap_or(J::Null)
                }
            }
            Value::Text(s) => J::String(s.to_string()),
            Value::Date(d) => J::String(days_to_date(*d).format("%Y-%m-%d").to_string()),
            Value::DateTime(ms) => J::String(format_datetime(*ms)),
            Value::Id(id) => J::String(id.as_str().to_string()),
        }
    }

    /// A stable text form (index keys, snapshots, GROUP BY keys).
    pub fn text(&self) -> String {
        match self {
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Double(f) => f.to_string(),
            Value::Text(s) => s.to_string(),
            Value::Date(d) => days_to_date(*d).format("%Y-%m-%d").to_string(),
            Value::DateTime(ms) => format_datetime(*ms),
            Value::Id(id) => id.as_str().to_string(),
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Double(f) => Some(*f),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            Value::Id(id) => Some(id.as_str()),
            _ => None,
        }
    }

    /// Orders two values of comparable kinds (text case-insensitively, as SOQL does);
    /// `None` when the kinds cannot be compared.
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
            (Value::DateTime(a), Value::DateTime(b)) => Some(a.cmp(b)),
            (Value::Date(a), Value::DateTime(b)) => Some((*a as i64 * 86_400_000).cmp(b)),
            (Value::DateTime(a), Value::Date(b)) => Some(a.cmp(&(*b as i64 * 86_400_000))),
            (Value::Id(a), Value::Id(b)) => Some(a.cmp(b)),
            (a, b) if a.as_f64().is_some() && b.as_f64().is_some() => {
                a.as_f64()?.partial_cmp(&b.as_f64()?)
            }
            (a, b) => {
                let (x, y) = (a.as_str()?, b.as_str()?);
                Some(cmp_ignore_case(x, y))
            }
        }
    }

    /// Approximate heap bytes owned by this value (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        match self {
            Value::Text(s) if s.is_heap_allocated() => s.capacity(),
            _ => 0,
        }
    }
}

/// Orders two strings ignoring case as SOQL's ORDER BY and range comparisons do: "For English
/// locales, SOQL uses the UTF-8 values of the uppercase character to create a sort order", so
/// the bytes of their upper-cased forms are compared (`SKU9` < `SKUA` < `SKU_9`, as `_` comes
/// after `Z` but before `a`; `ÄB-1` equals `äb-1`). ASCII text is folded in place without
/// allocating.
pub fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        let ai = a.bytes().map(|c| c.to_ascii_uppercase());
        let bi = b.bytes().map(|c| c.to_ascii_uppercase());
        return ai.cmp(bi);
    }
    a.to_uppercase().cmp(&b.to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_orders_by_its_upper_case_bytes_so_underscores_follow_letters() {
        let mut names = ["SKU_9", "skua", "SKU9", "_under", "alpha", "Äpfel", "zulu"];
        names.sort_by(|a, b| cmp_ignore_case(a, b));
        assert_eq!(
            names,
            ["alpha", "SKU9", "skua", "SKU_9", "zulu", "_under", "Äpfel"]
        );
        assert_eq!(cmp_ignore_case("SKU_9", "SKUZ"), Ordering::Greater);
        assert_eq!(cmp_ignore_case("äb-1", "ÄB-1"), Ordering::Equal);
    }

    #[test]
    fn short_texts_are_kept_inline_and_long_ones_counted_on_the_heap() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
        let short = Value::Text("Acme Manufacturing Ltd".into());
        assert_eq!(short.heap_bytes(), 0);
        let long = Value::Text("A name longer than twenty-four bytes".into());
        assert!(long.heap_bytes() >= 36);
        assert_eq!(long.as_str(), Some("A name longer than twenty-four bytes"));
        assert_eq!(
            serde_json::to_string(&short).unwrap(),
            r#"{"Text":"Acme Manufacturing Ltd"}"#,
            "stored files keep the same form"
        );
    }

    #[test]
    fn text_converts_exactly_as_a_json_string_does() {
        let types = [
            FieldType::Boolean,
            FieldType::Int,
            FieldType::Double,
            FieldType::Currency,
            FieldType::Date,
            FieldType::DateTime,
            FieldType::Reference,
            FieldType::String,
            FieldType::Email,
        ];
        let texts = [
            "",
            "true",
            "FALSE",
            " 42 ",
            "4.5",
            "1e400",
            "NaN",
            "2024-05-01",
            "2024-05-01T09:30:00Z",
            "2024-05-01T09:30:00.000+0200",
            "001000000000001AAA",
            "hello",
        ];
        for t in types {
            for s in texts {
                let json = Value::from_json(t, &json!(s));
                assert_eq!(Value::from_text(t, s), json, "{t:?} {s:?}");
            }
        }
    }

    #[test]
    fn value_stays_small() {
        assert!(std::mem::size_of::<Value>() <= 24);
        assert!(std::mem::size_of::<Option<Value>>() <= 24);
    }

    #[test]
    fn currency_from_a_word_is_a_parser_error_with_salesforce_wording() {
        let e = Value::from_json(FieldType::Currency, &json!("banana")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Cannot deserialize instance of currency from VALUE_STRING value banana or request may be missing a required field"
        );
    }

    #[test]
    fn numbers_accept_numeric_strings_and_dates_round_trip() {
        assert_eq!(
            Value::from_json(FieldType::Int, &json!("42")).unwrap(),
            Some(Value::Int(42))
        );
        let d = Value::from_json(FieldType::Date, &json!("2024-02-29"))
            .unwrap()
            .unwrap();
        assert_eq!(d.to_json(FieldType::Date), json!("2024-02-29"));
        let t = Value::from_json(FieldType::DateTime, &json!("2024-02-29T10:00:00+02:00"))
            .unwrap()
            .unwrap();
        assert_eq!(
            t.to_json(FieldType::DateTime),
            json!("2024-02-29T08:00:00.000+0000")
        );
    }

    #[test]
    fn null_and_empty_text_clear_a_field() {
        assert_eq!(
            Value::from_json(FieldType::String, &json!(null)).unwrap(),
            None
        );
        assert_eq!(
            Value::from_json(FieldType::String, &json!("")).unwrap(),
            None
        );
    }

    #[test]
    fn booleans_refuse_numbers() {
        assert!(Value::from_json(FieldType::Boolean, &json!(1)).is_err());
        assert_eq!(
            Value::from_json(FieldType::Boolean, &json!("TRUE")).unwrap(),
            Some(Value::Bool(true))
        );
    }

    #[test]
    fn a_datetime_needs_a_four_digit_year_and_seconds_below_60() {
        for bad in [
            "+10000-01-01T13:59:59.000+0000",
            "10000-01-01T00:00:00Z",
            "2026-12-01T10:00:60Z",
            "2026-12-01T10:00:60.000+0000",
            "2026-12-01T23:59:60",
            "-0001-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
            assert!(Value::from_text(FieldType::DateTime, bad).is_err(), "{bad}");
        }
        assert!(parse_datetime("2026-12-01T10:00:59.999Z").is_some());
        assert!(parse_datetime("2026-12-01T10:00:59-1400").is_some());
        for bad in ["10000-01-01", "+2026-01-01", "226-01-01"] {
            assert_eq!(parse_date(bad), None, "{bad}");
            assert!(Value::from_text(FieldType::Date, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_run_from_1700_to_4000() {
        let date = |s: &str| Value::from_text(FieldType::Date, s).unwrap().unwrap();
        let datetime = |s: &str| Value::from_text(FieldType::DateTime, s).unwrap().unwrap();
        for inside in [date("1700-01-01"), date("4000-12-31")] {
            assert!(within_date_range(&inside), "{inside:?}");
        }
        for outside in [date("0000-01-01"), date("1699-12-31"), date("4001-01-01")] {
            assert!(!within_date_range(&outside), "{outside:?}");
        }
        for inside in ["1700-01-01T00:00:00Z", "4000-12-31T00:00:00Z"] {
            assert!(within_date_range(&datetime(inside)), "{inside}");
        }
        for outside in [
            "0000-01-01T00:00:00Z",
            "1699-12-31T23:59:59Z",
            "1700-01-01T00:00:00+01:00",
            "4000-12-31T00:00:01Z",
            "9999-12-31T23:59:59-14:00",
        ] {
            assert!(!within_date_range(&datetime(outside)), "{outside}");
        }
        assert!(within_date_range(&Value::Int(0)));
    }

    #[test]
    // Literals with more digits than an f64 holds, as a client writes them.
    #[allow(clippy::excessive_precision)]
    fn decimals_round_half_away_from_zero_to_their_scale() {
        for (x, scale, rounded) in [
            (1.23999, 2, 1.24),
            (1.005, 2, 1.01),
            (-1.235, 2, -1.24),
            (2.5, 0, 3.0),
            (9.995, 2, 10.0),
            (-0.001, 2, 0.0),
            (123.4, 2, 123.4),
            (1234567890123456.78, 2, 1234567890123456.75),
            (0.000_000_15, 7, 0.000_000_2),
        ] {
            let got = round_to_scale(x, scale);
            assert_eq!(got, rounded, "{x} to {scale}");
            assert!(got.is_sign_positive() || got != 0.0, "no negative zero");
        }
        assert_eq!(round_to_scale(1e300, 2), 1e300);
    }

    #[test]
    // Literals with more digits than an f64 holds, as a client writes them.
    #[allow(clippy::excessive_precision)]
    fn a_decimal_past_1e16_is_written_with_its_digits_not_in_exponent_form() {
        let big = Value::Double(123456789012345678.0).to_json(FieldType::Currency);
        assert_eq!(big.to_string(), "123456789012345680");
        let negative = Value::Double(-1e17).to_json(FieldType::Double);
        assert_eq!(negative.to_string(), "-100000000000000000");
        let cents = Value::Double(1234567890123456.75).to_json(FieldType::Currency);
        assert_eq!(cents.to_string(), "1234567890123456.8");
        assert_eq!(
            Value::Double(500000.0)
                .to_json(FieldType::Currency)
                .to_string(),
            "500000.0",
            "below 10^16 a decimal keeps its decimal form"
        );
    }

    #[test]
    fn text_compares_ignoring_case() {
        let a = Value::Text("apple".into());
        let b = Value::Text("Banana".into());
        assert_eq!(a.compare(&b), Some(Ordering::Less));
        assert_eq!(
            Value::Int(2).compare(&Value::Double(1.5)),
            Some(Ordering::Greater)
        );
    }
}
