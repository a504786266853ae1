//! What a key means where text is typed (the `/` search, the console's path and body), and
//! which keys with Ctrl or Alt are no command anywhere.
//!
//! Outside text, a letter with Ctrl or Alt is not the letter: Ctrl-R does not run the checks
//! and Ctrl-Q does not quit. Only Ctrl-C (quit) and Ctrl-L (draw the screen again) mean
//! something. In text, Ctrl-U clears, Ctrl-W deletes the word before the cursor, Ctrl-H is
//! Backspace (what some terminals send for it), Ctrl-A and Ctrl-E go to the start and the
//! end; other chords type nothing.
//!
//! Implementation notes: Ctrl and Alt together type the character (AltGr arrives so from some
//! terminals: AltGr-q is `@` on a German keyboard).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key where text is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKey {
    Insert(char),
    Backspace,
    /// Delete the word before the cursor (and the spaces after it).
    DeleteWord,
    Clear,
    Home,
    End,
    /// A chord that means nothing in text: type nothing, do nothing.
    Nothing,
    /// Not a typing key (Enter, Esc, the arrows…): the prompt's own.
    Other,
}

/// Whether `key` is a character typed with Ctrl or Alt (and not both, as AltGr is).
pub fn is_chord(key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    matches!(key.code, KeyCode::Char(_)) && ctrl != alt
}

/// What `key` does where text is typed.
pub fn text_key(key: &KeyEvent) -> TextKey {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Backspace => TextKey::Backspace,
        KeyCode::Char(c) if is_chord(key) && ctrl => match c.to_ascii_lowercase() {
            'u' => TextKey::Clear,
            'w' => TextKey::DeleteWord,
            'h' => TextKey::Backspace,
            'a' => TextKey::Home,
            'e' => TextKey::End,
            _ => TextKey::Nothing,
        },
        KeyCode::Char(_) if is_chord(key) => TextKey::Nothing,
        KeyCode::Char(c) => TextKey::Insert(c),
        _ => TextKey::Other,
    }
}

/// Where the word before `at` starts (a byte index of `text`): back over spaces, then over
/// what is not a space, as a shell's Ctrl-W does.
pub fn word_start(text: &str, at: usize) -> usize {
    let before = &text[..at];
    let trimmed = before.trim_end_matches(char::is_whitespace);
    trimmed
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// Where each character as the screen shows it starts, as indexes into `chars`, then
/// `chars.len()`: an accent with its letter, a flag's two regional indicators, an emoji with
/// its skin tone or the emoji joined to it (ZWJ) count as one, so the cursor never stops
/// inside one and Backspace never cuts one in half.
///
/// Implementation notes: the common cases of Unicode's grapheme clusters (UAX #29), by hand:
/// a zero-width character (a combining mark, a variation selector, ZWJ) joins the one before,
/// so does anything after a ZWJ and a skin-tone modifier, and regional indicators pair up.
pub fn cluster_starts(chars: &[char]) -> Vec<usize> {
    use unicode_width::UnicodeWidthChar;
    let regional = |c: char| ('\u{1F1E6}'..='\u{1F1FF}').contains(&c);
    let mut starts = Vec::with_capacity(chars.len() + 1);
    // Regional indicators in a row so far: the second of each pair joins the first.
    let mut indicators = 0usize;
    for (i, &c) in chars.iter().enumerate() {
        let joins = i > 0 && {
            let before = chars[i - 1];
            (c.width() == Some(0) && !c.is_control())
                || before == '\u{200D}'
                || ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
                || (regional(c) && indicators % 2 == 1)
        };
        indicators = if regional(c) { indicators + 1 } else { 0 };
        if !joins {
            starts.push(i);
        }
    }
    starts.push(chars.len());
    starts
}

/// Applies `key` to a prompt typed at its end (the `/` search); `false` when the key is not
/// a typing key.
pub fn edit_at_end(text: &mut String, key: &KeyEvent) -> bool {
    match text_key(key) {
        TextKey::Insert(c) => text.push(c),
        TextKey::Backspace => {
            text.pop();
        }
        TextKey::DeleteWord => text.truncate(word_start(text, text.len())),
        TextKey::Clear => text.clear(),
        TextKey::Home | TextKey::End | TextKey::Nothing => {}
        TextKey::Other => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn ctrl_u_clears_ctrl_w_deletes_a_word_and_ctrl_h_is_backspace() {
        let ctrl = |c| with(KeyCode::Char(c), KeyModifiers::CONTROL);
        let mut text = String::from("rest api  ");
        assert!(edit_at_end(&mut text, &ctrl('w')));
        assert_eq!(text, "rest ");
        edit_at_end(&mut text, &ctrl('h'));
        assert_eq!(text, "rest");
        edit_at_end(&mut text, &ctrl('a'));
        edit_at_end(&mut text, &with(KeyCode::Char('r'), KeyModifiers::ALT));
        assert_eq!(text, "rest", "Ctrl-A and Alt-R type nothing");
        edit_at_end(&mut text, &ctrl('u'));
        assert_eq!(text, "");
    }

    #[test]
    fn a_flag_an_accent_and_a_joined_emoji_are_each_one_character() {
        let chars: Vec<char> = "a🇯🇵e\u{301}👩\u{200D}💻👍🏽🇫🇷🇩".chars().collect();
        // a | JP flag | e + accent | woman ZWJ laptop | thumbs up + tone | FR flag | lone D
        assert_eq!(cluster_starts(&chars), vec![0, 1, 3, 5, 8, 10, 12, 13]);
    }

    #[test]
    fn altgr_characters_are_typed() {
        let mut text = String::new();
        let altgr = KeyModifiers::CONTROL | KeyModifiers::ALT;
        edit_at_end(&mut text, &with(KeyCode::Char('@'), altgr));
        edit_at_end(&mut text, &with(KeyCode::Char('A'), KeyModifiers::SHIFT));
        assert_eq!(text, "@A");
    }

    #[test]
    fn only_letters_with_ctrl_or_alt_are_chords() {
        assert!(is_chord(&with(KeyCode::Char('r'), KeyModifiers::CONTROL)));
        assert!(is_chord(&with(KeyCode::Char('r'), KeyModifiers::ALT)));
        assert!(!is_chord(&with(KeyCode::Char('R'), KeyModifiers::SHIFT)));
        assert!(!is_chord(&with(KeyCode::Enter, KeyModifiers::CONTROL)));
    }
}
