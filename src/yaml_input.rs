//! YAML files as people save them: a byte-order mark some Windows editors put first, the
//! tab a YAML parser refuses with a message that never says "tab", and a key given twice,
//! which the parser places at the start of the mapping holding it rather than at the second
//! one.

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
    if duplicate_key_place(yaml, err).is_some() {
        text.push_str(": a key is given once per mapping, so keep one of the two");
    }
    if text.starts_with("mapping values are not allowed") && !indent_has_tab {
        text.push_str(
            " (check this line's indentation against the lines above it, or quote a value that holds `: `, as in `text: \"Note: this\"`)",
        );
    }
    text
}

/// Where `err` is in `yaml`, 1-based (line, column): for a key given twice, the second one;
/// otherwise where the parser stopped.
pub fn error_place(yaml: &str, err: &serde_yaml::Error) -> Option<(usize, usize)> {
    duplicate_key_place(yaml, err).or_else(|| err.location().map(|l| (l.line(), l.column())))
}

/// The key `err` says is given twice (`duplicate field `level``, `duplicate entry with key
/// "level"`).
fn duplicated_key(err: &serde_yaml::Error) -> Option<String> {
    let text = err.to_string();
    let quoted = |lead: &str, close: char| {
        let rest = &text[text.find(lead)? + lead.len()..];
        Some(rest[..rest.find(close)?].to_string())
    };
    quoted("duplicate field `", '`').or_else(|| quoted("duplicate entry with key \"", '"'))
}

/// The place of the second `key` of the block mapping the parser's error points at (it gives
/// where that mapping starts): the keys are the lines indented exactly as its first key, up
/// to the first line indented less.
fn duplicate_key_place(yaml: &str, err: &serde_yaml::Error) -> Option<(usize, usize)> {
    let key = duplicated_key(err)?;
    let start = err.location()?;
    let indent = start.column().checked_sub(1)?;
    let key_of = |text: &str| -> Option<String> {
        let (name, rest) = match text.chars().next()? {
            q @ ('"' | '\'') => {
                let end = text[1..].find(q)? + 1;
                (&text[1..end], &text[end + 1..])
            }
            _ => {
                let colon = text
                    .find(": ")
                    .or_else(|| text.strip_suffix(':').map(str::len))?;
                (text[..colon].trim_end(), &text[colon..])
            }
        };
        rest.trim_start().starts_with(':').then(|| name.to_string())
    };
    let mut seen = 0;
    for (i, line) in yaml.lines().enumerate().skip(start.line().checked_sub(1)?) {
        let at_key = if i + 1 == start.line() {
            line.get(indent..)
        } else {
            let trimmed = line.trim_start_matches(' ');
            let own = line.len() - trimmed.len();
            if trimmed.is_empty() || trimmed.starts_with('#') || own > indent {
                continue;
            }
            if own < indent {
                break;
            }
            Some(trimmed)
        };
        if at_key.and_then(key_of).is_some_and(|k| k == key) {
            seen += 1;
            if seen == 2 {
                return Some((i + 1, indent + 1));
            }
        }
    }
    None
}

/// serde's "unknown field `tiems`, expected one of `times`, …" with the field it likely
/// means said first, as a check's parameters are: "unknown field `tiems` (did you mean
/// `times`?), expected one of …". Any other message is returned as it is.
pub fn with_likely_field(message: &str) -> String {
    let Some(at) = message.find("unknown field `") else {
        return message.to_string();
    };
    let start = at + "unknown field `".len();
    let Some(len) = message[start..].find('`') else {
        return message.to_string();
    };
    let typed = &message[start..start + len];
    let rest = &message[start + len + 1..];
    if rest.starts_with(" (did you mean") {
        return message.to_string();
    }
    let expected = rest
        .split_once("expected one of ")
        .or_else(|| rest.split_once("expected "))
        .map_or("", |(_, names)| names);
    let names = expected.split('`').skip(1).step_by(2);
    match crate::suggest::closest(typed, names).first() {
        Some(near) => format!(
            "{}`{typed}` (did you mean `{near}`?){rest}",
            &message[..start - 1]
        ),
        None => message.to_string(),
    }
}

/// A deserializer's message with Rust's type names said in words: `expected usize` reads
/// `expected a whole number`, `expected f64` reads `expected a number`.
pub fn plain_types(message: &str) -> String {
    let mut out = message.to_string();
    // A negative number where a count goes: say which numbers are.
    let whole = if message.contains(": integer `-") {
        "a whole number, 0 or more"
    } else {
        "a whole number"
    };
    for (rust, plain) in [
        ("usize", whole),
        ("u64", whole),
        ("u32", whole),
        ("u16", whole),
        ("u8", whole),
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

/// The 1-based line of the top-level `key:` of `yaml`.
pub fn key_line(yaml: &str, key: &str) -> Option<usize> {
    let prefix = format!("{key}:");
    yaml.lines()
        .position(|l| l.starts_with(&prefix))
        .map(|i| i + 1)
}

/// The 1-based lines where the list items of a top-level block `key:` start.
///
/// Only block lists (`- item` lines) are found; a flow list (`[a, b]`) yields nothing and the
/// caller falls back to the key's own line.
pub fn item_lines(yaml: &str, key: &str) -> Vec<usize> {
    let Some(start) = key_line(yaml, key) else {
        return Vec::new();
    };
    let mut indent = None;
    let mut out = Vec::new();
    for (i, line) in yaml.lines().enumerate().skip(start) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let this = line.len() - trimmed.len();
        if this == 0 && !trimmed.starts_with('-') {
            break;
        }
        if trimmed.starts_with("- ") || trimmed == "-" {
            match indent {
                None => {
                    indent = Some(this);
                    out.push(i + 1);
                }
                Some(n) if n == this => out.push(i + 1),
                _ => {}
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

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Lab {
        id: String,
        level: String,
        #[serde(default)]
        summary: String,
        #[serde(default)]
        quiz: Vec<Choice>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Choice {
        text: String,
        #[serde(default)]
        why: String,
    }

    /// Where the parse of `yaml` as a [`Lab`] and as a plain YAML value failed.
    fn places(yaml: &str) -> [Option<(usize, usize)>; 2] {
        let lab = serde_yaml::from_str::<Lab>(yaml).unwrap_err();
        let value = serde_yaml::from_str::<serde_yaml::Value>(yaml).unwrap_err();
        [error_place(yaml, &lab), error_place(yaml, &value)]
    }

    #[test]
    fn a_key_given_twice_is_placed_at_the_second_one() {
        let yaml = "id: a\nlevel: L1\nsummary: |\n  level: not a key\nlevel: L2\n";
        assert_eq!(places(yaml), [Some((5, 1)); 2]);
        let yaml = "id: a\nlevel: L1\nquiz:\n  - text: x\n    # text: a comment\n    why: y\n    text: z\n";
        assert_eq!(places(yaml), [Some((7, 5)); 2]);
        let yaml = "id: a\n\"summary\": s\nlevel: L1\nsummary: t\n";
        assert_eq!(places(yaml), [Some((4, 1)); 2]);
        let err = serde_yaml::from_str::<Lab>(yaml).unwrap_err();
        let text = error_text(yaml, &err);
        assert!(
            text.starts_with("duplicate field `summary`: a key is given once"),
            "{text}"
        );
    }

    #[test]
    fn a_negative_count_is_told_it_must_be_0_or_more() {
        let err = serde_yaml::from_value::<u32>((-1).into()).unwrap_err();
        assert_eq!(
            plain_types(&err.to_string()),
            "invalid value: integer `-1`, expected a whole number, 0 or more"
        );
        let err = serde_yaml::from_str::<u32>("-1").unwrap_err();
        assert!(plain_types(&err.to_string()).ends_with("a whole number, 0 or more"));
    }

    #[test]
    fn a_value_where_a_mapping_cannot_take_one_is_told_to_check_indentation_or_quote() {
        for yaml in [
            "id: a\nlevel: L1\nquiz:\n  - text: x\n      why: y\n",
            "id: a\nsummary: Note: this\n",
        ] {
            let err = serde_yaml::from_str::<serde_yaml::Value>(yaml).unwrap_err();
            let text = error_text(yaml, &err);
            assert!(text.starts_with("mapping values are not allowed"), "{text}");
            assert!(
                text.contains("indentation") && text.contains("quote"),
                "{text}"
            );
        }
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
