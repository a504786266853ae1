//! SOQL date literals (`TODAY`, `LAST_N_DAYS:30`, `THIS_QUARTER`…) as day ranges on the org's
//! clock.
//!
//! Each literal names a half-open range `[start, end)` of days. `field = LITERAL` matches inside
//! the range, `<` before its start, `>` at or after its end, `<=` before its end, `>=` from
//! its start. Implementation notes: days are the running user's days (on a dateTime field the
//! range runs from midnight to midnight in their `TimeZoneSidKey`, as in a real org), weeks
//! start on Sunday (the en_US locale), quarters are calendar quarters and fiscal literals
//! (`THIS_FISCAL_YEAR`, `LAST_N_FISCAL_QUARTERS:2`) calendar periods (the default fiscal year,
//! starting in January).

use chrono::{Datelike, Duration, NaiveDate};

/// The month the org's fiscal year starts in: the default fiscal year, January (fiscal
/// literals and the FISCAL_ date functions follow it).
pub const FISCAL_YEAR_START_MONTH: u32 = 1;

const PLAIN: &[&str] = &[
    "YESTERDAY",
    "TODAY",
    "TOMORROW",
    "LAST_WEEK",
    "THIS_WEEK",
    "NEXT_WEEK",
    "LAST_MONTH",
    "THIS_MONTH",
    "NEXT_MONTH",
    "LAST_90_DAYS",
    "NEXT_90_DAYS",
    "THIS_QUARTER",
    "LAST_QUARTER",
    "NEXT_QUARTER",
    "THIS_YEAR",
    "LAST_YEAR",
    "NEXT_YEAR",
    "THIS_FISCAL_QUARTER",
    "LAST_FISCAL_QUARTER",
    "NEXT_FISCAL_QUARTER",
    "THIS_FISCAL_YEAR",
    "LAST_FISCAL_YEAR",
    "NEXT_FISCAL_YEAR",
];

const WITH_N: &[&str] = &[
    "LAST_N_DAYS",
    "NEXT_N_DAYS",
    "N_DAYS_AGO",
    "LAST_N_WEEKS",
    "NEXT_N_WEEKS",
    "N_WEEKS_AGO",
    "LAST_N_MONTHS",
    "NEXT_N_MONTHS",
    "N_MONTHS_AGO",
    "LAST_N_QUARTERS",
    "NEXT_N_QUARTERS",
    "N_QUARTERS_AGO",
    "LAST_N_YEARS",
    "NEXT_N_YEARS",
    "N_YEARS_AGO",
    "LAST_N_FISCAL_QUARTERS",
    "NEXT_N_FISCAL_QUARTERS",
    "N_FISCAL_QUARTERS_AGO",
    "LAST_N_FISCAL_YEARS",
    "NEXT_N_FISCAL_YEARS",
    "N_FISCAL_YEARS_AGO",
];

/// True for an (upper-case) date literal name.
pub fn is_date_literal(upper: &str) -> bool {
    PLAIN.contains(&upper) || WITH_N.contains(&upper)
}

/// True when the literal takes `:n`.
pub fn takes_n(upper: &str) -> bool {
    WITH_N.contains(&upper)
}

fn month_start(y: i32, m: i32) -> NaiveDate {
    let total = y * 12 + (m - 1);
    let (y, m) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    NaiveDate::from_ymd_opt(y, m as u32, 1).unwrap_or_default()
}

fn year_start(y: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default()
}

/// The `[start, end)` days of a literal for `today`; an error sentence for a bad literal.
pub fn range(
    name: &str,
    n: Option<i64>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), String> {
    let upper = name.to_ascii_uppercase();
    // The mock org keeps the default fiscal year (January to December), so fiscal periods
    // are calendar ones: THIS_FISCAL_YEAR is THIS_YEAR.
    let calendar = upper.replace("_FISCAL_", "_");
    if takes_n(&upper) != n.is_some() {
        return Err(if takes_n(&upper) {
            format!("{upper} needs a number, e.g. {upper}:30")
        } else {
            format!("{upper} does not take a number")
        });
    }
    let n = n.unwrap_or(0);
    if !(0..=100_000).contains(&n) {
        return Err(format!("{upper}:{n} is out of range"));
    }
    let ni = n as i32;
    let d = |k: i64| today + Duration::days(k);
    let week = today - Duration::days(today.weekday().num_days_from_sunday() as i64);
    let (y, m) = (today.year(), today.month() as i32);
    let q = (m - 1) / 3; // 0..=3
    let quarter = |k: i32| month_start(y, q * 3 + 1 + k * 3);
    Ok(match calendar.as_str() {
        "YESTERDAY" => (d(-1), today),
        "TODAY" => (today, d(1)),
        "TOMORROW" => (d(1), d(2)),
        "LAST_WEEK" => (week - Duration::days(7), week),
        "THIS_WEEK" => (week, week + Duration::days(7)),
        "NEXT_WEEK" => (week + Duration::days(7), week + Duration::days(14)),
        "LAST_MONTH" => (month_start(y, m - 1), month_start(y, m)),
        "THIS_MONTH" => (month_start(y, m), month_start(y, m + 1)),
        "NEXT_MONTH" => (month_start(y, m + 1), month_start(y, m + 2)),
        "LAST_90_DAYS" => (d(-90), d(1)),
        "NEXT_90_DAYS" => (d(1), d(91)),
        "THIS_QUARTER" => (quarter(0), quarter(1)),
        "LAST_QUARTER" => (quarter(-1), quarter(0)),
        "NEXT_QUARTER" => (quarter(1), quarter(2)),
        "THIS_YEAR" => (year_start(y), year_start(y + 1)),
        "LAST_YEAR" => (year_start(y - 1), year_start(y)),
        "NEXT_YEAR" => (year_start(y + 1), year_start(y + 2)),
        "LAST_N_DAYS" => (d(-n), d(1)),
        "NEXT_N_DAYS" => (d(1), d(1 + n)),
        "N_DAYS_AGO" => (d(-n), d(-n + 1)),
        "LAST_N_WEEKS" => (week - Duration::days(7 * n), week),
        "NEXT_N_WEEKS" => (week + Duration::days(7), week + Duration::days(7 * (n + 1))),
        "N_WEEKS_AGO" => (
            week - Duration::days(7 * n),
            week - Duration::days(7 * (n - 1)),
        ),
        "LAST_N_MONTHS" => (month_start(y, m - ni), month_start(y, m)),
        "NEXT_N_MONTHS" => (month_start(y, m + 1), month_start(y, m + 1 + ni)),
        "N_MONTHS_AGO" => (month_start(y, m - ni), month_start(y, m - ni + 1)),
        "LAST_N_QUARTERS" => (quarter(-ni), quarter(0)),
        "NEXT_N_QUARTERS" => (quarter(1), quarter(1 + ni)),
        "N_QUARTERS_AGO" => (quarter(-ni), quarter(-ni + 1)),
        "LAST_N_YEARS" => (year_start(y - ni), year_start(y)),
        "NEXT_N_YEARS" => (year_start(y + 1), year_start(y + 1 + ni)),
        "N_YEARS_AGO" => (year_start(y - ni), year_start(y - ni + 1)),
        _ => return Err(format!("{upper} is not a date literal")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn days_weeks_months_quarters_years() {
        let today = day("2026-11-28"); // a Saturday
        assert_eq!(
            range("TODAY", None, today).unwrap(),
            (today, day("2026-11-29"))
        );
        assert_eq!(
            range("THIS_WEEK", None, today).unwrap(),
            (day("2026-11-22"), day("2026-11-29"))
        );
        assert_eq!(
            range("LAST_MONTH", None, today).unwrap(),
            (day("2026-10-01"), day("2026-11-01"))
        );
        assert_eq!(
            range("NEXT_MONTH", None, today).unwrap(),
            (day("2026-12-01"), day("2027-01-01"))
        );
        assert_eq!(
            range("THIS_QUARTER", None, today).unwrap(),
            (day("2026-10-01"), day("2027-01-01"))
        );
        assert_eq!(
            range("LAST_N_DAYS", Some(7), today).unwrap(),
            (day("2026-11-21"), day("2026-11-29"))
        );
        assert_eq!(
            range("NEXT_N_DAYS", Some(2), today).unwrap(),
            (day("2026-11-29"), day("2026-12-01"))
        );
        assert_eq!(
            range("LAST_N_MONTHS", Some(12), today).unwrap(),
            (day("2025-11-01"), day("2026-11-01"))
        );
        assert_eq!(
            range("LAST_YEAR", None, today).unwrap(),
            (day("2025-01-01"), day("2026-01-01"))
        );
    }

    #[test]
    fn fiscal_literals_are_calendar_periods_in_the_default_fiscal_year() {
        let today = day("2026-11-28");
        assert_eq!(
            range("THIS_FISCAL_YEAR", None, today).unwrap(),
            range("THIS_YEAR", None, today).unwrap()
        );
        assert_eq!(
            range("LAST_N_FISCAL_QUARTERS", Some(2), today).unwrap(),
            (day("2026-04-01"), day("2026-10-01"))
        );
        assert!(is_date_literal("NEXT_FISCAL_QUARTER") && takes_n("N_FISCAL_YEARS_AGO"));
    }

    #[test]
    fn a_missing_or_extra_number_is_explained() {
        assert!(range("LAST_N_DAYS", None, day("2026-01-01"))
            .unwrap_err()
            .contains("LAST_N_DAYS:30"));
        assert!(range("TODAY", Some(3), day("2026-01-01")).is_err());
    }
}
