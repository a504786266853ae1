//! Valid SOQL the mock org does not implement: GROUP BY ROLLUP/CUBE, FORMAT(), GROUPING(),
//! the location functions, USING SCOPE, WITH DATA CATEGORY. (Date functions and
//! convertTimezone() are implemented: see date_functions.rs.)
//!
//! Each is refused as MALFORMED_QUERY saying so (`GROUP BY ROLLUP is valid SOQL but not
//! supported by sflab's mock org`) rather than with a syntax error, so a learner does not
//! conclude their query is wrong. These texts are sflab's own; no real org says them.

/// The message for a feature sflab's mock org does not implement.
pub fn message(feature: &str) -> String {
    format!("{feature} is valid SOQL but not supported by sflab's mock org")
}

/// Functions SOQL documents that take a field (or another function) as argument.
const FUNCTIONS: &[&str] = &["FORMAT", "GROUPING", "DISTANCE", "GEOLOCATION"];

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
            function("format").unwrap(),
            "FORMAT() is valid SOQL but not supported by sflab's mock org"
        );
        assert!(function("Name").is_none());
        assert!(
            function("CALENDAR_YEAR").is_none(),
            "date functions are implemented"
        );
    }
}
