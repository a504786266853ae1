//! Text from a learner's program (its output, the bodies it sent) or from a lesson file made
//! safe to print on a terminal: control characters that would drive the terminal (ESC
//! sequences that clear the screen or retitle the window, bells, backspaces) are shown as
//! Unicode control pictures (`␛`, `␇`), so a grader reading someone else's transcript, or a
//! learner in the classroom, sees them instead of obeying them. Line breaks and tabs stay,
//! except in names ([`one_line`]); on the classroom screen tabs become spaces ([`on_screen`]).
//!
//! The invisible bidirectional controls (right-to-left override and its kin) are treated the
//! same way: printed, they reorder the text around them, so `file\u{202E}fdp.exe` reads as
//! `fileexe.pdf` and a transcript or lesson could show something other than what it holds.
//!
//! The CLI (`sflab transcript`, `sflab lesson`, the grader) and the TUI use these same
//! functions, so both show a program's `\e[2J` as `␛[2J`.

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

/// Lesson markdown with every control character other than line breaks (`\n`, and `\r\n`
/// taken as one) and tabs made visible, before it is parsed.
pub fn lesson_source(text: &str) -> Cow<'_, str> {
    if !text.contains('\r') {
        return visible(text);
    }
    Cow::Owned(visible(&text.replace("\r\n", "\n")).into_owned())
}

/// Columns between tab stops on the classroom screen.
const TAB_STOP: usize = 8;

/// `text` as the classroom screen draws it: control characters visible, line breaks kept and
/// tabs expanded to spaces up to the next tab stop (a terminal cell cannot hold a tab).
pub fn on_screen(text: &str) -> Cow<'_, str> {
    let shown = visible(text);
    if !shown.contains('\t') {
        return shown;
    }
    let mut out = String::with_capacity(shown.len() + 16);
    let mut column = 0;
    for c in shown.chars() {
        match c {
            '\t' => {
                let spaces = TAB_STOP - column % TAB_STOP;
                out.extend(std::iter::repeat_n(' ', spaces));
                column += spaces;
            }
            '\n' => {
                out.push(c);
                column = 0;
            }
            c => {
                out.push(c);
                column += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// Whether `c` is shown as its [`picture`] rather than printed: a control character, or a
/// bidirectional control (embeddings, overrides, isolates and the direction marks), which
/// reorders the text around it without being seen.
pub fn hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// The picture a control character is shown as (`␛` for ESC, `␍` for a carriage return,
/// `�` for the C1 controls and the bidirectional controls, which have none).
pub fn picture(c: char) -> char {
    match c {
        '\r' => '␍',
        c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('�'),
        '\u{7f}' => '␡',
        _ => '�',
    }
}

/// `text` with every control character that `keep` does not keep made visible.
fn shown(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| hidden_control(c) && !keep(c);
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if unsafe_char(c) { picture(c) } else { c })
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
    fn bidirectional_controls_are_shown_not_obeyed() {
        // A right-to-left override would print `file\u{202E}fdp.exe` as "fileexe.pdf".
        assert_eq!(visible("file\u{202E}fdp.exe"), "file�fdp.exe");
        assert_eq!(
            one_line("a\u{2066}b\u{2069}c\u{200F}d\u{202A}e\u{061C}"),
            "a�b�c�d�e�"
        );
        assert_eq!(lesson_source("x\u{202D}y\r\n"), "x�y\n");
        assert_eq!(on_screen("\u{2067}\tz"), "�       z");
        // Letters of right-to-left scripts are text, not controls.
        assert!(matches!(visible("שלום مرحبا"), Cow::Borrowed(_)));
        assert!(hidden_control('\u{202E}') && !hidden_control('\u{200B}'));
    }

    #[test]
    fn a_name_shows_its_line_breaks_tabs_and_escapes_on_one_line() {
        assert_eq!(one_line("eve\n\x1b[2Jmallory\tx"), "eve␊␛[2Jmallory␉x");
        assert!(matches!(one_line("alice"), Cow::Borrowed(_)));
    }

    #[test]
    fn on_screen_tabs_become_spaces_to_the_next_stop_and_escapes_show() {
        assert_eq!(on_screen("ab\tc\n\td\x1b[2J"), "ab      c\n        d␛[2J");
        assert!(matches!(on_screen("plain\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn lesson_source_keeps_crlf_line_breaks_and_shows_other_controls() {
        assert_eq!(
            lesson_source("# T\r\nabc\x00def\x1b]0;pwned\x07\r\n"),
            "# T\nabc␀def␛]0;pwned␇\n"
        );
        assert_eq!(lesson_source("a\rb"), "a␍b");
    }
}
