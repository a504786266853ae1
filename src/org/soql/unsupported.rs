//! Valid SOQL the mock org does not implement: GROUP BY ROLLUP/CUBE, date and formatting
//! functions, USING SCOPE, WITH DATA CATEGORY.
//!
//! Each is refused as MALFORMED_QUERY saying so (`GROUP BY ROLLUP is valid SOQL but not
//! supported by sflab's mock org`) rather than with a syntax error, so a learner does not
//! conclude their query is wrong. These texts are sflab's own; no real org says them.

/// The message for a feature sflab's mock org does not implement.
pub fn message(feature: &str) -> String {
    format!("{feature} is valid SOQL but not supported by sflab's mock org")
}

/// Functions SOQL documents that take a field (or another function) as argument.
const FUNCTIONS: &[&str] = &[
    "CALENDAR_MONTH",
    "CALENDAR_QUARTER",
    "CALENDAR_YEAR",
    "DAY_IN_MONTH",
    "DAY_IN_WEEK",
    "DAY_IN_YEAR",
    "DAY_ONLY",
    "FISCAL_MONTH",
    "FISCAL_QUARTER",
    "FISCAL_YEAR",
    "HOUR_IN_DAY",
    "WEEK_IN_MONTH",
    "WEEK_IN_YEAR",
    "CONVERTTIMEZONE",
    "FORMAT",
    "GROUPING",
    "DISTANCE",
    "GEOLOCATION",
];

/// `CALENDAR_YEAR()` and the like, when `word` names a documented SOQL function.
pub fn function(word: &str) -> Option<String> {
    FUNCTIONS
        .iter()
        .find(|f| f.eq_ignore_ascii_case(word))
        .map(|f| message(&format!("{f}()")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_functions_are_named_in_the_message_whatever_their_case() {
        assert_eq!(
            function("calendar_year").unwrap(),
            "CALENDAR_YEAR() is valid SOQL but not supported by sflab's mock org"
        );
        assert!(function("Name").is_none());
    }
}
