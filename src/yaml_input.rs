//! YAML files as people save them: a byte-order mark some Windows editors put first, and the
//! tab a YAML parser refuses with a message that never says "tab".

/// `text` without a leading UTF-8 byte-order mark (which YAML would read as content: a lab
/// file's first key unreadable, a track file "more than one document").
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The parser's message for `err` in `yaml`, without its own " at line X column Y" (the
/// callers say where, in the file's numbering), and naming a tab when the line it stopped at
/// is indented with one.
pub fn error_text(yaml: &str, err: &serde_yaml::Error) -> String {
    let text = err.to_string();
    let mut text = match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    let line = err
        .location()
        .and_then(|l| yaml.lines().nth(l.line().saturating_sub(1)));
    let indent_has_tab = line.is_some_and(|l| {
        l.chars()
            .take_while(|c| c.is_whitespace())
            .any(|c| c == '\t')
    });
    if indent_has_tab {
        text.push_str(" (this line is indented with a tab: YAML indents with spaces only)");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_dropped_and_nothing_else() {
        assert_eq!(without_bom("\u{feff}track: T\n"), "track: T\n");
        assert_eq!(without_bom("track: T\n"), "track: T\n");
    }

    #[test]
    fn a_tab_in_the_indentation_is_named() {
        let yaml = "track: T\nlabs:\n\t- { lab: a, due: 2026-01-01 }\n";
        let err = serde_yaml::from_str::<serde_yaml::Value>(yaml).unwrap_err();
        let text = error_text(yaml, &err);
        assert!(text.contains("indented with a tab"), "{text}");
        assert!(!text.contains(" at line "), "{text}");
        let yaml = "track: [unclosed\n";
        let err = serde_yaml::from_str::<serde_yaml::Value>(yaml).unwrap_err();
        assert!(!error_text(yaml, &err).contains("tab"));
    }
}
