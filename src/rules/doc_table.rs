//! Reading a learner's markdown answers: the GFM tables of a document (outside code fences and
//! HTML comments), the cell normalisation every design and review rule compares by, and the
//! messages for a document or table that is not where the lab expects it (a file named in
//! another case, a header column misspelt).

use super::cx::Cx;

/// A table as header + rows of cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Hyphens that join two words: `-`, `–`, and the Unicode hyphen and non-breaking hyphen
/// some editors put in ("hand‑off").
const JOINING_HYPHENS: [char; 4] = ['-', '–', '\u{2010}', '\u{2011}'];

/// Lower-cased, trimmed, emphasis and code marks dropped, a typographic apostrophe read as
/// `'` ("don’t" as "don't"), inner whitespace collapsed; a `_`
/// or a hyphen between two letters or digits reads as a space, so `client_credentials`,
/// `client-credentials` and `hand‑off` (a non-breaking hyphen) say what `client credentials`
/// and `hand off` say (a `_` elsewhere is emphasis).
pub(crate) fn norm(cell: &str) -> String {
    let chars: Vec<char> = cell.chars().collect();
    let joins = |i: usize| {
        i > 0
            && chars[i - 1].is_alphanumeric()
            && chars.get(i + 1).is_some_and(|c| c.is_alphanumeric())
    };
    let stripped: String = chars
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            c if (*c == '_' || JOINING_HYPHENS.contains(c)) && joins(i) => Some(' '),
            '*' | '_' | '`' => None,
            '’' => Some('\''),
            c => Some(*c),
        })
        .collect();
    stripped
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// True when a cell holds no answer: empty, `?`, `TODO`, `TBD` or an ellipsis.
pub(crate) fn blank(cell: &str) -> bool {
    matches!(norm(cell).as_str(), "" | "?" | "todo" | "tbd" | "…" | "...")
}

fn split_row(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    cells.push(cur.trim().to_string());
    cells
}

fn is_delimiter(line: &str) -> bool {
    let cells = split_row(line);
    !cells.is_empty()
        && cells.iter().all(|c| {
            let c = c.trim();
            !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')) && c.contains('-')
        })
}

fn is_fence(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("```") || line.starts_with("~~~")
}

/// The lines a reader sees: HTML comments (`<!-- … -->`, on one line or several) are taken
/// out, and a line that held nothing but a comment is dropped. Code fences and code spans
/// are kept as they are (a comment shown in a fence or between backticks is text).
fn visible_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut in_fence, mut in_comment) = (false, false);
    for line in text.lines() {
        if !in_comment && is_fence(line) {
            in_fence = !in_fence;
            out.push(line.to_string());
            continue;
        }
        if in_fence {
            out.push(line.to_string());
            continue;
        }
        let mut kept = String::new();
        let mut had_comment = in_comment;
        // A `<!--` inside a code span is text (`` `<!--` ``), as CommonMark reads it.
        let spans = code_spans(line);
        let in_code = |i: usize| spans.iter().any(|(s, e)| (*s..*e).contains(&i));
        let mut pos = 0;
        loop {
            if in_comment {
                match line[pos..].find("-->") {
                    Some(end) => {
                        pos += end + 3;
                        in_comment = false;
                    }
                    None => break,
                }
            } else {
                let start = line[pos..]
                    .match_indices("<!--")
                    .map(|(i, _)| pos + i)
                    .find(|i| !in_code(*i));
                match start {
                    Some(start) => {
                        kept.push_str(&line[pos..start]);
                        pos = start + 4;
                        in_comment = true;
                        had_comment = true;
                    }
                    None => {
                        kept.push_str(&line[pos..]);
                        break;
                    }
                }
            }
        }
        if !(had_comment && kept.trim().is_empty()) {
            out.push(kept);
        }
    }
    out
}

/// The byte ranges of a line's code spans: a run of backticks up to the next run of the same
/// length (a run that no such run closes is text).
fn code_spans(line: &str) -> Vec<(usize, usize)> {
    let bytes = line.as_bytes();
    let run_at = |i: usize| bytes[i..].iter().take_while(|b| **b == b'`').count();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let n = run_at(i);
        let mut j = i + n;
        let mut close = None;
        while j < bytes.len() {
            if bytes[j] == b'`' {
                let m = run_at(j);
                if m == n {
                    close = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => {
                spans.push((i, end));
                i = end;
            }
            None => i += n,
        }
    }
    spans
}

/// Every GFM table in `text` (a header line, a delimiter line, then `|` lines), outside code
/// fences and HTML comments.
pub(crate) fn tables(text: &str) -> Vec<Table> {
    let lines = visible_lines(text);
    let mut out = Vec::new();
    let mut in_fence = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_start();
        if is_fence(line) {
            in_fence = !in_fence;
            i += 1;
            continue;
        }
        if !in_fence && line.contains('|') && i + 1 < lines.len() && is_delimiter(&lines[i + 1]) {
            let header = split_row(line);
            let mut rows = Vec::new();
            let mut j = i + 2;
            while j < lines.len() && lines[j].contains('|') && !lines[j].trim().is_empty() {
                rows.push(split_row(&lines[j]));
                j += 1;
            }
            out.push(Table { header, rows });
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

/// The text of the lab folder's `path`, or a sentence for the learner saying why there is none:
/// it was left unread, it is there under another case (`Design.md`), or it is missing
/// (`write` says what to write there: "your answers").
pub(crate) fn document<'e>(cx: &Cx<'e>, path: &str, write: &str) -> Result<&'e str, String> {
    if let Some(file) = cx.ev.sources.iter().find(|f| f.path == path) {
        return Ok(&file.text);
    }
    if let Some(why) = cx.unread_why(path) {
        return Err(why);
    }
    if let Some(other) = cx
        .ev
        .sources
        .iter()
        .find(|f| f.path.eq_ignore_ascii_case(path))
    {
        return Err(format!(
            "There is no `{path}` in the lab folder, but there is `{}`: rename it to `{path}` (file names are case-sensitive).",
            other.path
        ));
    }
    Err(format!(
        "There is no `{path}` in the lab folder; write {write} there."
    ))
}

/// The first table of `text` whose header has every one of `columns` (compared normalised),
/// or a sentence for the learner saying what is missing: no table at all, or the closest
/// table's header and the columns it lacks.
pub(crate) fn table_with<'t>(
    all: &'t [Table],
    path: &str,
    columns: &[String],
) -> Result<&'t Table, String> {
    let wanted: Vec<String> = columns.iter().map(|c| norm(c)).collect();
    let lacks = |t: &Table| -> Vec<usize> {
        let have: Vec<String> = t.header.iter().map(|h| norm(h)).collect();
        (0..wanted.len())
            .filter(|i| !have.contains(&wanted[*i]))
            .collect()
    };
    if let Some(t) = all.iter().find(|t| lacks(t).is_empty()) {
        return Ok(t);
    }
    let given = columns.join(" | ");
    let Some(closest) = all
        .iter()
        .filter(|t| lacks(t).len() < wanted.len())
        .min_by_key(|t| lacks(t).len())
    else {
        return Err(format!(
            "`{path}` has no table with the columns {given} (found {} table(s)). Keep the header row as given.",
            all.len()
        ));
    };
    let missing: Vec<String> = lacks(closest)
        .into_iter()
        .map(|i| format!("\"{}\"", columns[i]))
        .collect();
    Err(format!(
        "`{path}` has no table with the columns {given}: the closest one's header is \"{}\", with no column {}. Keep the header row as given.",
        closest.header.join(" | "),
        missing.join(" or ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_found_outside_code_fences_only() {
        let doc =
            "```\n| a | b |\n|---|---|\n| 1 | 2 |\n```\n\n| x | y \\| z |\n| - | - |\n| 1 | 2 |\n";
        let t = tables(doc);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].header, vec!["x", "y | z"]);
        assert_eq!(t[0].rows, vec![vec!["1".to_string(), "2".to_string()]]);
    }

    #[test]
    fn a_table_inside_an_html_comment_is_not_read() {
        let doc = "<!-- draft:\n| Requirement | Pattern | Why |\n|---|---|---|\n| Price list | request-reply | old |\n-->\n\n| Requirement | Pattern | Why |\n|---|---|---|\n| Price list | batch | nightly volume |\n";
        let t = tables(doc);
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(t[0].rows[0][1], "batch");
        let one_line = "<!-- draft: | Requirement | Pattern | Why | -->\n| Requirement | Pattern | Why |\n|---|---|---|\n| Price list | batch <!-- was: REST --> | nightly |\n";
        let t = tables(one_line);
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(t[0].header, vec!["Requirement", "Pattern", "Why"]);
        assert_eq!(t[0].rows[0][1], "batch");
        let fenced = "```\n<!--\n```\n| a | b |\n|---|---|\n| 1 | 2 |\n";
        assert_eq!(
            tables(fenced).len(),
            1,
            "a comment shown in a fence is text"
        );
    }

    #[test]
    fn a_non_breaking_hyphen_joins_words_as_a_hyphen_does() {
        assert_eq!(norm("Order hand\u{2011}off"), norm("Order hand-off"));
        assert_eq!(norm("hand\u{2010}off"), "hand off");
    }

    #[test]
    fn a_misspelt_header_is_named_with_the_column_it_lacks() {
        let all = tables("| Requirement | Patern | Why |\n|---|---|---|\n| a | b | c |\n");
        let columns = ["Requirement", "Pattern", "Why"].map(String::from);
        let e = table_with(&all, "design.md", &columns).expect_err("no Pattern column");
        assert!(
            e.contains("\"Requirement | Patern | Why\", with no column \"Pattern\""),
            "{e}"
        );
        let e = table_with(&[], "design.md", &columns).expect_err("no table");
        assert!(e.contains("found 0 table(s)"), "{e}");
    }
    #[test]
    fn a_comment_opener_in_a_code_span_is_text() {
        let doc = "| Finding | Fix |\n|---|---|\n| HTML in the page: `<!--` opens a comment | escape `<!--` and `-->` |\n| Token in the URL | use a header |\n";
        let t = tables(doc);
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(t[0].rows.len(), 2, "{t:?}");
        assert_eq!(t[0].rows[1][0], "Token in the URL");
        assert_eq!(code_spans("a ``x ` y`` b `c"), vec![(2, 11)]);
        let hidden = "| a | b |\n|---|---|\n| 1 | 2 <!-- note --> |\n";
        assert_eq!(tables(hidden)[0].rows[0][1], "2");
    }
}
