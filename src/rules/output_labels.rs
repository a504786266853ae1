//! Where a printed figure stands beside its label, for `process.output_reports` with
//! `labels:`: the forms a number may be written in, label words found in a line, and a figure
//! beside its label on one line or under it in a table.

use super::super::mention::mentions;

/// The ways a program may write `value`: as the org gave it, and a whole number of four
/// digits or more also with its thousands grouped (`14,655`, `14 655`, `14.655`, `14'655`).
pub(super) fn written_forms(value: &str) -> Vec<String> {
    let mut forms = vec![value.to_string()];
    let digits = value.strip_prefix('-').unwrap_or(value);
    if digits.len() >= 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let sign = &value[..value.len() - digits.len()];
        for sep in [",", " ", ".", "'", "\u{202f}", "\u{a0}"] {
            let mut grouped = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    grouped.push_str(sep);
                }
                grouped.push(c);
            }
            forms.push(format!("{sign}{grouped}"));
        }
    }
    forms
}

/// Where words starting with `label` begin in `line`, as byte offsets into the line
/// lowercased (see [`label_spans`]).
fn label_starts(line: &str, label: &str) -> Vec<usize> {
    label_spans(line, label)
        .into_iter()
        .map(|(at, _)| at)
        .collect()
}

/// Where `label` stands in `line`, as byte ranges into the line lowercased. Each word of the
/// label is the start of a word of the line: `max` is found in `max:` and `Maximum`, not in
/// `minimax`; a word inside a camelCase name counts (`processed` in `numberRecordsProcessed`,
/// the name the org gives). The words of a label of several may stand apart by any run of
/// spaces, tabs and the marks people put between a name and its part ([`between_words`]), or
/// meet at a camelCase hump: `DailyApiRequests max`, `DailyApiRequests<TAB>max`,
/// `DailyApiRequests.Max`, `DailyApiRequests: max`, `DailyApiRequests (max)` and
/// `dailyApiRequestsMax` all hold the label `DailyApiRequests max`.
fn label_spans(line: &str, label: &str) -> Vec<(usize, usize)> {
    let lower = line.to_lowercase();
    // A camelCase hump can be read off the line itself only when lowercasing kept its bytes.
    let same_bytes = lower.len() == line.len();
    let hump_at = |at: usize| {
        same_bytes
            && line[at..].starts_with(|c: char| c.is_uppercase())
            && line[..at]
                .chars()
                .next_back()
                .is_some_and(char::is_lowercase)
    };
    let words: Vec<String> = label.split_whitespace().map(str::to_lowercase).collect();
    let Some((first, rest)) = words.split_first() else {
        return Vec::new();
    };
    lower
        .match_indices(first.as_str())
        .filter(|(at, _)| {
            let text = if same_bytes { line } else { &lower };
            let before = text[..*at].chars().next_back();
            !before.is_some_and(char::is_alphanumeric) || hump_at(*at)
        })
        .filter_map(|(at, _)| {
            let mut end = at + first.len();
            for word in rest {
                let gap = lower[end..]
                    .find(|c: char| !between_words(c))
                    .unwrap_or(lower.len() - end);
                let next = end + gap;
                if (gap == 0 && !hump_at(next)) || !lower[next..].starts_with(word.as_str()) {
                    return None;
                }
                end = next + word.len();
            }
            Some((at, end))
        })
        .collect()
}

/// A mark that may part the words of a label: whitespace, `.`, `_`, `-`, `/` (a path or a
/// key), `:` and `,` (a name, then its part), `(` and `)` (a part in brackets). Quotes and
/// braces are not: in a JSON dump a name and the keys of its object stand apart by them, and
/// the dump is not a labelled line.
fn between_words(c: char) -> bool {
    c.is_whitespace() || matches!(c, '.' | '_' | '-' | '/' | ':' | ',' | '(' | ')')
}

/// Where `label` stands in `line` when it shares its leading words with other `labels` and the
/// line names them once for all (`DailyApiRequests: max 15000, remaining 14999`): the span of
/// its last word, found after the shared words with only the other labels' last words,
/// figures and the marks of [`between_words`] (or `=`) between. Empty when the label is
/// written out whole in the line, has one word, or shares its leading words with no other.
fn shared_name_spans(line: &str, label: &str, labels: &[String]) -> Vec<(usize, usize)> {
    let words: Vec<String> = label.split_whitespace().map(str::to_lowercase).collect();
    let Some((last, leading)) = words.split_last() else {
        return Vec::new();
    };
    if leading.is_empty() || !label_spans(line, label).is_empty() {
        return Vec::new();
    }
    let others: Vec<String> = labels
        .iter()
        .filter(|l| !l.eq_ignore_ascii_case(label))
        .filter_map(|l| {
            let w: Vec<String> = l.split_whitespace().map(str::to_lowercase).collect();
            let (other_last, other_leading) = w.split_last()?;
            (other_leading == leading).then(|| other_last.clone())
        })
        .collect();
    if others.is_empty() {
        return Vec::new();
    }
    let lower = line.to_lowercase();
    let word_at = |at: usize, word: &str| {
        lower[at..].starts_with(word)
            && !lower[at + word.len()..].starts_with(char::is_alphanumeric)
    };
    label_spans(line, &leading.join(" "))
        .into_iter()
        .filter_map(|(_, mut at)| loop {
            let gap = lower[at..]
                .find(|c: char| !(between_words(c) || c == '=' || c.is_ascii_digit()))?;
            at += gap;
            if word_at(at, last) {
                return Some((at, at + last.len()));
            }
            let other = others.iter().find(|o| word_at(at, o))?;
            at += other.len();
        })
        .collect()
}

/// Where `label` stands in `line`: written out whole ([`label_spans`]), or after the leading
/// words it shares with the other `labels` ([`shared_name_spans`]).
fn spans_in(line: &str, label: &str, labels: &[String]) -> Vec<(usize, usize)> {
    let whole = label_spans(line, label);
    if whole.is_empty() {
        shared_name_spans(line, label, labels)
    } else {
        whole
    }
}

/// Whether a table prints `value` under `label`: `header` holds every label and no figure,
/// `row` (the next line) the figures and no label, and the figure starts within the label's
/// column, from the label to the next label of the header.
pub(super) fn under_its_label(
    line: &str,
    row: &str,
    value: &str,
    label: &str,
    labels: &[String],
) -> bool {
    let header = line.to_lowercase();
    let row_lower = row.to_lowercase();
    let is_header = !header.chars().any(|c| c.is_ascii_digit())
        && labels.iter().all(|l| !label_starts(line, l).is_empty())
        && labels.iter().all(|l| label_starts(row, l).is_empty());
    if !is_header {
        return false;
    }
    let column = |byte: usize, text: &str| text[..byte].chars().count();
    let mut all: Vec<usize> = labels
        .iter()
        .flat_map(|l| label_starts(line, l))
        .map(|at| column(at, &header))
        .collect();
    all.sort_unstable();
    let value = value.to_lowercase();
    let figures: Vec<usize> = row_lower
        .match_indices(&value)
        .filter(|(at, _)| {
            mentions(&row_lower[*at..], &value) && {
                let before = row_lower[..*at].chars().next_back();
                !before.is_some_and(char::is_alphanumeric)
            }
        })
        .map(|(at, _)| column(at, &row_lower))
        .collect();
    label_starts(line, label).into_iter().any(|at| {
        let start = column(at, &header);
        let end = all
            .iter()
            .copied()
            .find(|&c| c > start)
            .unwrap_or(usize::MAX);
        let begin = all
            .iter()
            .copied()
            .filter(|&c| c < start)
            .max()
            .map_or(0, |c| c + 1);
        // A right-aligned figure may start left of its label, never in the column before.
        figures
            .iter()
            .any(|&f| f >= begin.max(start.saturating_sub(4)) && f < end)
    })
}

/// Whether `line` prints `value` beside `label`: after it and before the next of the other
/// `labels`, or before it and after the previous one. `max: 15000, remaining: 14999` and
/// `15000 max, 14999 remaining` pair each figure with its own name; `max: 14999, remaining:
/// 15000` does not. A label is a word, or the start of one (`Maximum` for `max`), in any case;
/// a label of several words is found as [`spans_in`] says.
pub(super) fn follows_its_label(line: &str, value: &str, label: &str, labels: &[String]) -> bool {
    let lower = line.to_lowercase();
    let others: Vec<(usize, usize)> = labels
        .iter()
        .filter(|l| !l.eq_ignore_ascii_case(label))
        .flat_map(|l| spans_in(line, l, labels))
        .collect();
    let value = value.to_lowercase();
    spans_in(line, label, labels).into_iter().any(|(at, from)| {
        let until = others
            .iter()
            .map(|&(o, _)| o)
            .filter(|&o| o > at)
            .min()
            .unwrap_or(lower.len());
        let since = others
            .iter()
            .filter(|&&(o, _)| o < at)
            .map(|&(_, end)| end)
            .max()
            .unwrap_or(0)
            .min(at);
        (from <= until && mentions(&lower[from..until], &value))
            || mentions(&lower[since..at], &value)
    })
}
