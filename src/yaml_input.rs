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
    let text = plain_types(&err.to_string());
    let mut text = match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    if yaml.trim().is_empty() {
        return format!("the file is empty ({text})");
    }
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

/// A deserializer's message with Rust's type names said in words: `expected usize` reads
/// `expected a whole number`, `expected f64` reads `expected a number`.
pub fn plain_types(message: &str) -> String {
    let mut out = message.to_string();
    for (rust, plain) in [
        ("usize", "a whole number"),
        ("u64", "a whole number"),
        ("u32", "a whole number"),
        ("u16", "a whole number"),
        ("u8", "a whole number"),
        ("isize", "a whole number"),
        ("i64", "a whole number"),
        ("i32", "a whole number"),
        ("f64", "a number"),
        ("f32", "a number"),
    ] {
        for lead in ["expected ", "expected a ", "expected an "] {
            let from = format!("{lead}{rust}");
            if let Some(at) = out.find(&from) {
                let end = at + from.len();
                let whole_word = !out[end..].starts_with(|c: char| c.is_alphanumeric() || c == '_');
                if whole_word {
                    out.replace_range(at..end, &format!("expected {plain}"));
                }
            }
        }
    }
    out
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
    fn rust_type_names_are_said_in_words_and_an_empty_file_is_called_empty() {
        assert_eq!(
            plain_types(r#"invalid type: string "four", expected usize"#),
            r#"invalid type: string "four", expected a whole number"#
        );
        assert_eq!(plain_types("expected f64"), "expected a number");
        assert_eq!(plain_types("expected a boolean"), "expected a boolean");
        let err = serde_yaml::from_str::<std::collections::BTreeMap<String, u32>>("").map(|_| ());
        if let Err(err) = err {
            assert!(error_text("", &err).starts_with("the file is empty"));
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Needs {
            id: String,
        }
        let err = serde_yaml::from_str::<Needs>("").unwrap_err();
        assert!(
            error_text("", &err).starts_with("the file is empty"),
            "{}",
            error_text("", &err)
        );
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
