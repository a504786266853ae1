//! GFM tables drawn with box-drawing borders, fitted to the width: columns shrink to their
//! longest word first, then cells wrap; a table never draws wider than the width it is given.
//!
//! Implementation notes: each column gets its natural width when everything fits; otherwise
//! every column gets its longest word and the spare cells go to the columns that want the most
//! more. When even the longest words do not fit, the columns with the longest words are capped
//! at the widest width that fits and only their words break between characters. Below one cell per column the table is drawn as records
//! ("header: value" lines) instead.

use super::blocks::{Align, Inline};
use super::layout::runs;
use super::wrap::{word_and_line_width, wrap, RLine};
use crate::tui::theme::Theme;
use ratatui::style::Style;
use ratatui::text::Span;

type Cell = Vec<(String, Style)>;

/// Column widths (content only, without borders and padding) that sum to at most `avail`.
pub fn fit_columns(min: &[usize], natural: &[usize], avail: usize) -> Vec<usize> {
    let n = min.len();
    let natural: Vec<usize> = natural.iter().map(|&w| w.max(1)).collect();
    let min: Vec<usize> = min
        .iter()
        .zip(&natural)
        .map(|(&m, &nat)| m.clamp(1, nat))
        .collect();
    if natural.iter().sum::<usize>() <= avail {
        return natural;
    }
    let min_sum: usize = min.iter().sum();
    if min_sum <= avail {
        return share_spare(&min, &natural, avail);
    }
    // Even the longest words do not all fit: cap the widest columns at the largest width
    // that fits, so only the columns with the longest words break between characters and
    // the narrow ones stay whole.
    let capped = |cap: usize| min.iter().map(|&m| m.min(cap)).sum::<usize>();
    let mut cap = min.iter().copied().max().unwrap_or(1);
    while cap > 1 && capped(cap) > avail {
        cap -= 1;
    }
    let mut widths: Vec<usize> = min.iter().map(|&m| m.min(cap)).collect();
    let mut spare = avail.saturating_sub(widths.iter().sum());
    for i in 0..n {
        if spare == 0 {
            break;
        }
        if min[i] > widths[i] {
            widths[i] += 1;
            spare -= 1;
        }
    }
    widths
}

/// Narrow columns that fit in a fair share keep their natural width; the rest start at
/// their longest word and share what is left in proportion to how much more they want.
fn share_spare(min: &[usize], natural: &[usize], avail: usize) -> Vec<usize> {
    let n = min.len();
    let mut widths = vec![0; n];
    let mut open: Vec<usize> = (0..n).collect();
    let mut left = avail;
    loop {
        let fair = left / open.len().max(1);
        let min_open: usize = open.iter().map(|&i| min[i]).sum();
        let small: Vec<usize> = open
            .iter()
            .copied()
            .filter(|&i| natural[i] <= fair)
            .collect();
        let take: usize = small.iter().map(|&i| natural[i] - min[i]).sum();
        if small.is_empty() || small.len() == open.len() || min_open + take > left {
            break;
        }
        for &i in &small {
            widths[i] = natural[i];
            left -= natural[i];
        }
        open.retain(|i| !small.contains(i));
    }
    for &i in &open {
        widths[i] = min[i];
    }
    let mut spare = left.saturating_sub(open.iter().map(|&i| min[i]).sum());
    let total_want: usize = open.iter().map(|&i| natural[i] - min[i]).sum();
    let budget = spare;
    for &i in &open {
        let share = ((natural[i] - min[i]) * budget)
            .checked_div(total_want)
            .unwrap_or(0);
        widths[i] += share;
        spare -= share;
    }
    while spare > 0 {
        let Some(&i) = open
            .iter()
            .filter(|&&i| widths[i] < natural[i])
            .max_by_key(|&&i| natural[i] - widths[i])
        else {
            break;
        };
        widths[i] += 1;
        spare -= 1;
    }
    widths
}

fn border(widths: &[usize], left: &str, mid: &str, right: &str, theme: &Theme) -> RLine {
    let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
    RLine::new(vec![Span::styled(
        format!("{left}{}{right}", parts.join(mid)),
        theme.table_border(),
    )])
}

fn aligned(line: Vec<Span<'static>>, width: usize, align: Align) -> Vec<Span<'static>> {
    let used = RLine::new(line.clone()).width();
    let gap = width.saturating_sub(used);
    let (before, after) = match align {
        Align::Left => (0, gap),
        Align::Right => (gap, 0),
        Align::Center => (gap / 2, gap - gap / 2),
    };
    let mut out = Vec::new();
    if before > 0 {
        out.push(Span::raw(" ".repeat(before)));
    }
    out.extend(line);
    if after > 0 {
        out.push(Span::raw(" ".repeat(after)));
    }
    out
}

fn row_lines(cells: &[Cell], widths: &[usize], aligns: &[Align], theme: &Theme) -> Vec<RLine> {
    let wrapped: Vec<Vec<Vec<Span<'static>>>> = widths
        .iter()
        .enumerate()
        .map(|(i, &w)| cells.get(i).map(|c| wrap(c, w)).unwrap_or_default())
        .collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let bar = theme.table_border();
    (0..height)
        .map(|row| {
            let mut spans = vec![Span::styled("│ ", bar)];
            for (i, &w) in widths.iter().enumerate() {
                if i > 0 {
                    spans.push(Span::styled(" │ ", bar));
                }
                let line = wrapped[i].get(row).cloned().unwrap_or_default();
                let align = aligns.get(i).copied().unwrap_or(Align::Left);
                spans.extend(aligned(line, w, align));
            }
            spans.push(Span::styled(" │", bar));
            RLine::new(spans)
        })
        .collect()
}

/// Records instead of a grid, for widths too narrow to hold one cell per column.
fn records(header: &[Cell], rows: &[Vec<Cell>], width: usize, theme: &Theme) -> Vec<RLine> {
    let mut out = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        if r > 0 {
            out.push(RLine::new(vec![Span::styled(
                "─".repeat(width),
                theme.table_border(),
            )]));
        }
        for (i, cell) in row.iter().enumerate() {
            let mut runs: Cell = header.get(i).cloned().unwrap_or_default();
            runs.push((": ".into(), theme.table_header()));
            runs.extend(cell.iter().cloned());
            out.extend(wrap(&runs, width).into_iter().map(RLine::new));
        }
    }
    out
}

pub fn layout_table(
    aligns: &[Align],
    header: &[Vec<Inline>],
    rows: &[Vec<Vec<Inline>>],
    width: usize,
    theme: &Theme,
) -> Vec<RLine> {
    let header: Vec<Cell> = header
        .iter()
        .map(|c| runs(c, theme.table_header(), theme))
        .collect();
    let rows: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| r.iter().map(|c| runs(c, theme.text(), theme)).collect())
        .collect();
    let n = rows
        .iter()
        .map(Vec::len)
        .chain([header.len()])
        .max()
        .unwrap_or(0);
    if n == 0 {
        return Vec::new();
    }
    let chrome = 3 * n + 1;
    if width < chrome + n {
        return records(&header, &rows, width, theme);
    }
    let mut min = vec![0; n];
    let mut natural = vec![0; n];
    for row in std::iter::once(&header).chain(&rows) {
        for (i, cell) in row.iter().enumerate() {
            let (word, line) = word_and_line_width(cell);
            min[i] = min[i].max(word);
            natural[i] = natural[i].max(line);
        }
    }
    let widths = fit_columns(&min, &natural, width - chrome);
    let body: Vec<Vec<RLine>> = rows
        .iter()
        .map(|r| row_lines(r, &widths, aligns, theme))
        .collect();
    let separate_rows = body.iter().any(|lines| lines.len() > 1);
    let mut out = vec![border(&widths, "┌", "┬", "┐", theme)];
    if !header.is_empty() {
        out.extend(row_lines(&header, &widths, aligns, theme));
        out.push(border(&widths, "├", "┼", "┤", theme));
    }
    for (i, lines) in body.into_iter().enumerate() {
        if i > 0 && separate_rows {
            out.push(border(&widths, "├", "┼", "┤", theme));
        }
        out.extend(lines);
    }
    out.push(border(&widths, "└", "┴", "┘", theme));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_widths_are_kept_when_they_fit() {
        assert_eq!(fit_columns(&[3, 4], &[5, 9], 20), vec![5, 9]);
    }

    #[test]
    fn spare_width_goes_to_the_columns_that_want_more() {
        let w = fit_columns(&[4, 4], &[10, 40], 30);
        assert_eq!(w.iter().sum::<usize>(), 30);
        assert!(w[1] > w[0], "{w:?}");
        assert!(w[0] >= 4);
    }

    #[test]
    fn short_columns_keep_their_natural_width_beside_a_long_one() {
        let w = fit_columns(&[4, 11, 7], &[8, 80, 11], 60);
        assert_eq!(w[0], 8);
        assert_eq!(w[2], 11);
        assert_eq!(w.iter().sum::<usize>(), 60);
    }

    #[test]
    fn when_words_do_not_fit_only_the_longest_words_break() {
        // "Who waits?" and "Salesforce" stay whole; the column with a long code token breaks.
        let w = fit_columns(&[6, 10, 24], &[10, 20, 40], 36);
        assert_eq!(w, vec![6, 10, 20]);
        let w = fit_columns(&[9, 15, 22], &[9, 15, 30], 38);
        assert_eq!(w, vec![9, 15, 14], "the table still uses the whole width");
    }

    #[test]
    fn widths_never_exceed_the_space_even_for_long_words() {
        let w = fit_columns(&[30, 30, 30], &[30, 30, 30], 12);
        assert!(w.iter().sum::<usize>() <= 12, "{w:?}");
        assert!(w.iter().all(|&x| x >= 1));
    }
}
