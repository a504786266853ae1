//! Text from a learner's program (its output, the bodies it sent) made safe to print on a
//! terminal: control characters that would drive the terminal (ESC sequences that clear the
//! screen or retitle the window, bells, backspaces) are shown as Unicode control pictures
//! (`␛`, `␇`), so a grader reading someone else's transcript sees them instead of obeying
//! them. Line breaks and tabs stay, except in names ([`one_line`]).

use std::borrow::Cow;

/// `text` with every terminal control character other than `\n` and `\t` made visible.
pub fn visible(text: &str) -> Cow<'_, str> {
    shown(text, |c| c == '\n' || c == '\t')
}

/// A name (a submission folder's, say) as one line: every control character made visible,
/// line breaks and tabs included (`␊`, `␉`).
pub fn one_line(text: &str) -> Cow<'_, str> {
    shown(text, |_| false)
}

/// `text` with every control character that `keep` does not keep made visible.
fn shown(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && !keep(c);
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                c if !unsafe_char(c) => c,
                '\r' => '␍',
                c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('�'),
                '\u{7f}' => '␡',
                _ => '�',
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_bells_are_shown_not_obeyed() {
        assert_eq!(
            visible("ok\x1b[2J\x1b]0;PWNED\x07 done\n\tnext"),
            "ok␛[2J␛]0;PWNED␇ done\n\tnext"
        );
        assert_eq!(visible("\u{9b}31m"), "�31m");
        assert!(matches!(visible("plain text\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_name_shows_its_line_breaks_tabs_and_escapes_on_one_line() {
        assert_eq!(one_line("eve\n\x1b[2Jmallory\tx"), "eve␊␛[2Jmallory␉x");
        assert!(matches!(one_line("alice"), Cow::Borrowed(_)));
    }
}
