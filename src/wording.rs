//! Small pieces of English shared by messages across sflab.

/// Learner runs by number (1 = the first): "run 3", "runs 1 and 2", "runs 1, 2 and 4";
/// `None` for no run.
pub fn runs(numbers: &[usize]) -> Option<String> {
    let shown: Vec<String> = numbers.iter().map(usize::to_string).collect();
    match shown.as_slice() {
        [] => None,
        [one] => Some(format!("run {one}")),
        [init @ .., last] => Some(format!("runs {} and {last}", init.join(", "))),
    }
}

/// Alternatives as a sentence says them: "400", "400 or 404", "400, 404 or 409".
pub fn either(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// "1 request" / "3 requests", "2 queries", "2 refreshes".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        return format!("1 {word}");
    }
    let consonant_y = word.strip_suffix('y').is_some_and(|stem| {
        stem.chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphabetic() && !"aeiouAEIOU".contains(c))
    });
    if consonant_y {
        format!("{n} {}ies", &word[..word.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|e| word.ends_with(e))
    {
        format!("{n} {word}es")
    } else {
        format!("{n} {word}s")
    }
}

/// A file size as people read it: "900 bytes", "340 KiB", "3.1 MiB".
pub fn bytes(n: u64) -> String {
    const KIB: f64 = 1024.0;
    let n_f = n as f64;
    if n < 1024 {
        format!("{n} bytes")
    } else if n_f < KIB * KIB {
        format!("{:.0} KiB", n_f / KIB)
    } else {
        format!("{:.1} MiB", n_f / (KIB * KIB))
    }
}

/// The last `n` lines of a program's output for a message, each cut to `width` characters
/// with a note of how many more it had (a program may print a line of megabytes).
pub fn last_lines(text: &str, n: usize, width: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(n)..]
        .iter()
        .map(|line| match line.char_indices().nth(width) {
            Some((cut, _)) => {
                let more = line[cut..].chars().count();
                format!("{}… ({more} more characters)", &line[..cut])
            }
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` broken into rows of at most `width` characters at spaces (a longer word stands on a
/// row of its own).
pub fn word_rows(text: &str, width: usize) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    let mut row = String::new();
    for word in text.split_whitespace() {
        let needed = row.chars().count() + usize::from(!row.is_empty()) + word.chars().count();
        if !row.is_empty() && needed > width.max(1) {
            rows.push(std::mem::take(&mut row));
        }
        if !row.is_empty() {
            row.push(' ');
        }
        row.push_str(word);
    }
    if !row.is_empty() {
        rows.push(row);
    }
    rows
}

/// A message of several lines wrapped at words within `width` columns, line by line: each
/// line keeps its indent, and its further rows start under its first word.
pub fn wrap_lines(text: &str, width: usize) -> String {
    text.lines()
        .map(|line| {
            let body = line.trim_start();
            let indent = &line[..line.len() - body.len()];
            if body.is_empty() {
                return String::new();
            }
            word_rows(body, width.saturating_sub(indent.chars().count()).max(1))
                .iter()
                .map(|row| format!("{indent}{row}"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn plurals_follow_english_spelling() {
        use super::plural;
        assert_eq!(plural(1, "query"), "1 query");
        assert_eq!(plural(2, "query"), "2 queries");
        assert_eq!(plural(3, "refresh"), "3 refreshes");
        assert_eq!(plural(0, "match"), "0 matches");
        assert_eq!(plural(2, "day"), "2 days");
        assert_eq!(plural(2, "request"), "2 requests");
        assert_eq!(plural(2, "SOAP API write"), "2 SOAP API writes");
    }

    #[test]
    fn alternatives_are_joined_with_or() {
        let words = |w: &[&str]| super::either(w.iter().map(|s| s.to_string()));
        assert_eq!(words(&[]), "");
        assert_eq!(words(&["400"]), "400");
        assert_eq!(words(&["400", "404"]), "400 or 404");
        assert_eq!(words(&["400", "404", "409"]), "400, 404 or 409");
    }

    #[test]
    fn wrap_lines_wraps_each_line_under_its_own_indent() {
        let text = "one two three four\n  five six seven\n\nend";
        assert_eq!(
            super::wrap_lines(text, 10),
            "one two\nthree four\n  five six\n  seven\n\nend"
        );
    }

    #[test]
    fn last_lines_cuts_a_huge_line_and_says_how_much_is_left_out() {
        let text = format!("first\nsecond\n{}\n", "x".repeat(1000));
        let shown = super::last_lines(&text, 2, 10);
        assert_eq!(shown, "second\nxxxxxxxxxx… (990 more characters)");
    }

    #[test]
    fn sizes_are_worded_in_the_unit_that_reads_best() {
        assert_eq!(super::bytes(900), "900 bytes");
        assert_eq!(super::bytes(340 * 1024), "340 KiB");
        assert_eq!(super::bytes(3_240_677), "3.1 MiB");
    }
}
