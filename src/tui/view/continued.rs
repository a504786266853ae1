//! Lines too long for a pane, cut into rows that read as one line going on: every row after
//! the first starts under the line's own indentation with a `┆` mark, as lesson code blocks
//! do. Used by the detail views (output, solution, exchange) and the Console's reply.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// The mark at the start of a row that continues the line above.
const CONTINUED: &str = "┆ ";

/// `lines` cut to `width` cells; every row after the first of a cut line starts with the
/// line's indentation and [`CONTINUED`] (in `mark`'s style). An indentation deeper than half
/// the width is kept at half, so the rows still hold text.
pub(super) fn cut_marked(
    lines: Vec<Line<'static>>,
    width: usize,
    mark: Style,
) -> Vec<Line<'static>> {
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        if line.width() <= width {
            out.push(line);
            continue;
        }
        let indent = indentation(&line).min(width / 2);
        let room = width
            .saturating_sub(indent + CONTINUED.chars().count())
            .max(1);
        let runs: Vec<(String, Style)> = line
            .spans
            .iter()
            .map(|s| (s.content.to_string(), line.style.patch(s.style)))
            .collect();
        for (i, piece) in crate::markdown::cut_runs(&runs, room)
            .into_iter()
            .enumerate()
        {
            let mut row = Vec::with_capacity(piece.len() + 2);
            if i > 0 {
                if indent > 0 {
                    row.push(Span::raw(" ".repeat(indent)));
                }
                row.push(Span::styled(CONTINUED, mark));
            }
            row.extend(piece);
            out.push(Line::from(row));
        }
    }
    out
}

/// How many spaces `line` starts with.
fn indentation(line: &Line) -> usize {
    let mut n = 0;
    for span in &line.spans {
        let spaces = span.content.chars().take_while(|c| *c == ' ').count();
        n += spaces;
        if spaces < span.content.chars().count() {
            break;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::{cut_marked, Line, Style};

    fn rows(lines: Vec<Line<'static>>, width: usize) -> Vec<String> {
        cut_marked(lines, width, Style::default())
            .iter()
            .map(|l| l.to_string())
            .collect()
    }

    #[test]
    fn a_line_too_long_for_the_pane_goes_on_under_a_continuation_mark() {
        let lines = vec![
            Line::from("curl -sS -G"),
            Line::from("$SF_INSTANCE_URL/services/data/v$SF_API_VERSION/query"),
        ];
        assert_eq!(
            rows(lines, 24),
            [
                "curl -sS -G",
                "$SF_INSTANCE_URL/servi",
                "┆ ces/data/v$SF_API_VERS",
                "┆ ION/query",
            ]
        );
    }

    #[test]
    fn an_indented_line_goes_on_under_its_indentation() {
        let lines = vec![Line::from(
            r#"    "url": "/services/data/v62.0/sobjects/Account/0015g0000000001AAA""#,
        )];
        let rows = rows(lines, 30);
        assert_eq!(
            rows,
            [
                r#"    "url": "/services/da"#,
                r#"    ┆ ta/v62.0/sobjects/Accoun"#,
                r#"    ┆ t/0015g0000000001AAA""#,
            ]
        );
        assert!(rows.iter().all(|r| r.chars().count() <= 30));
    }
}
