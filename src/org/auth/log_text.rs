//! Client-supplied text made safe to log: what a client sends (a JWT's `sub` or `iss`, a
//! `code_challenge_method`, an unknown grant type) reaches the decision log, the `org serve`
//! console and a lab's feedback, and must never start a line of its own there or drive the
//! learner's terminal (OWASP: log injection; oauth-strictness.md §3 "How to redact" 4).
//!
//! [`log_safe`] is the one helper: CR, LF and tab become `\r`, `\n` and `\t`; every other
//! control character (C0, DEL, C1: ESC, BEL, the OSC introducer, …), the Unicode line and
//! paragraph separators and the bidirectional controls (text that reads differently from
//! how it is stored) become `\u{…}`. Everything else is kept, backslashes included, so
//! escaping twice changes nothing.

use std::borrow::Cow;

/// `text` with every character that could forge a log line or reach the terminal as a
/// command written out as an escape.
pub fn log_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' // line and paragraph separators
                | '\u{061c}' | '\u{200e}' | '\u{200f}' // bidi marks
                | '\u{202a}'..='\u{202e}' // bidi embeddings and overrides
                | '\u{2066}'..='\u{2069}' // bidi isolates
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forged_console_line_stays_on_one_line() {
        let sub = "ghost@x.test\nsflab: FAKE-LINE token issued to admin\r\n";
        assert_eq!(
            log_safe(sub),
            "ghost@x.test\\nsflab: FAKE-LINE token issued to admin\\r\\n"
        );
    }

    #[test]
    fn terminal_escapes_are_written_out() {
        assert_eq!(log_safe("\x1b[31mRED\x1b[0m"), "\\u{1b}[31mRED\\u{1b}[0m");
        assert_eq!(log_safe("\x1b]0;TITLE\x07"), "\\u{1b}]0;TITLE\\u{7}");
        assert_eq!(log_safe("a\u{9b}b\u{7f}\tc"), "a\\u{9b}b\\u{7f}\\tc");
        assert_eq!(log_safe("admin\u{202e}txt.exe"), "admin\\u{202e}txt.exe");
        assert_eq!(log_safe("one\u{2028}two"), "one\\u{2028}two");
    }

    #[test]
    fn ordinary_text_is_kept_and_escaping_twice_changes_nothing() {
        let plain = r"integ@oauth.test from C:\path, ünïcode ✓";
        assert!(matches!(log_safe(plain), Cow::Borrowed(_)));
        let once = log_safe("evil\r\nsflab: FAKE2\x1b]0;T\x07").into_owned();
        assert_eq!(log_safe(&once), once);
    }
}
