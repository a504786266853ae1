//! Laying out blocks at one width: wrapped paragraphs, indented lists, boxed call-outs and
//! code, quotes and rules. Every line it returns fits in the width it was given: a word too
//! long for any line (a URL) goes on over further lines, each marked `┆` ([`wrap_prose`]).

use super::blocks::{plain, Block, Inline};
use super::highlight::highlight;
use super::table::layout_table;
use super::wrap::{hard_break, prefix_lines, wrap_prose, CodeLine, RLine};
use crate::tui::theme::{CalloutKind, Theme};
use ratatui::style::Style;
use ratatui::text::Span;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

const BULLETS: [&str; 3] = ["•", "◦", "▪"];

/// Styled runs for a sequence of inlines, on top of `base`.
pub fn runs(inlines: &[Inline], base: Style, theme: &Theme) -> Vec<(String, Style)> {
    inlines
        .iter()
        .map(|i| {
            let mut style = base;
            if i.style.emphasis {
                style = style.patch(theme.emphasis());
            }
            if i.style.strong {
                style = style.patch(theme.strong());
            }
            if i.style.strike {
                style = style.patch(theme.strikethrough());
            }
            if i.style.code {
                style = style.patch(theme.code());
            }
            if i.style.link {
                style = style.patch(theme.link());
            }
            if i.style.url {
                style = style.patch(theme.url());
            }
            (i.text.clone(), style)
        })
        .collect()
}

fn wrapped(inlines: &[Inline], base: Style, width: usize, theme: &Theme) -> Vec<RLine> {
    wrap_prose(&runs(inlines, base, theme), width)
}

/// Lays out `blocks` in `width` cells. `tight` drops the blank line between blocks (list items).
pub fn layout_blocks(
    blocks: &[Block],
    width: usize,
    depth: usize,
    tight: bool,
    theme: &Theme,
) -> Vec<RLine> {
    let mut out = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        if i > 0 && !tight {
            out.push(RLine::blank());
        }
        out.extend(layout_block(block, width, depth, theme));
    }
    out
}

fn layout_block(block: &Block, width: usize, depth: usize, theme: &Theme) -> Vec<RLine> {
    match block {
        Block::Heading { level, text } => heading(*level, text, width, theme),
        Block::Paragraph(inlines) => wrapped(inlines, theme.text(), width, theme),
        Block::Code { lang, text } => code(lang, text, width, theme),
        Block::List {
            start,
            items,
            loose,
        } => list(*start, items, *loose, width, depth, theme),
        Block::Quote(blocks) => {
            let bar = [Span::styled("│ ", theme.quote())];
            let inner = layout_blocks(blocks, width.saturating_sub(2).max(1), depth, false, theme);
            prefix_lines(inner, &bar, &bar)
        }
        Block::Callout { kind, body } => callout(*kind, body, width, depth, theme),
        Block::Table {
            aligns,
            header,
            rows,
        } => layout_table(aligns, header, rows, width, theme),
        Block::Rule => vec![RLine::new(vec![Span::styled(
            "─".repeat(width),
            theme.rule(),
        )])],
    }
}

fn heading(level: u8, text: &[Inline], width: usize, theme: &Theme) -> Vec<RLine> {
    let style = theme.heading(level);
    let mut lines = wrapped(text, style, width, theme);
    if let Some(first) = lines.first_mut() {
        first.heading = Some(level);
    }
    if let Some(mark) = ["═", "─", "┄"].get(usize::from(level).saturating_sub(1)) {
        let w = lines
            .iter()
            .map(RLine::width)
            .max()
            .unwrap_or(0)
            .max(plain(text).width().min(width));
        lines.push(RLine::new(vec![Span::styled(mark.repeat(w), style)]));
    }
    lines
}

/// Cuts one line of styled code into pieces of at most `width` cells.
pub fn cut_code_line(runs: &[(String, Style)], width: usize) -> Vec<Vec<Span<'static>>> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut cur: Vec<Span<'static>> = Vec::new();
    let mut cur_w = 0;
    for (text, style) in runs {
        for piece in hard_break_keep(text, width, &mut cur_w) {
            match piece {
                Some(p) => cur.push(Span::styled(p.to_string(), *style)),
                None => out.push(std::mem::take(&mut cur)),
            }
        }
    }
    out.push(cur);
    out
}

/// Splits `text` so a running line width never passes `width`: `Some(piece)`s, with `None`
/// marking each line break. `used` is the width already on the current line.
fn hard_break_keep<'a>(text: &'a str, width: usize, used: &mut usize) -> Vec<Option<&'a str>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let cw = c.width().unwrap_or(0);
        if *used + cw > width && *used > 0 {
            if i > start {
                out.push(Some(&text[start..i]));
            }
            out.push(None);
            start = i;
            *used = 0;
        }
        *used += cw;
    }
    if start < text.len() {
        out.push(Some(&text[start..]));
    }
    out
}

fn code(lang: &str, text: &str, width: usize, theme: &Theme) -> Vec<RLine> {
    let border = theme.border();
    let label = if lang.is_empty() {
        vec![Span::styled("╭─", border)]
    } else {
        let label = hard_break(lang, width.saturating_sub(4).max(1))[0].to_string();
        vec![
            Span::styled("╭─ ", border),
            Span::styled(label, theme.code_label()),
        ]
    };
    let mut out = vec![RLine::new(label)];
    let text = text.replace('\t', "    ");
    let mut line: Vec<(String, Style)> = Vec::new();
    let mut source_lines = Vec::new();
    for (kind, token) in highlight(lang, &text) {
        let style = theme.code().patch(theme.token(kind));
        let mut parts = token.split('\n');
        if let Some(first) = parts.next() {
            if !first.is_empty() {
                line.push((first.to_string(), style));
            }
        }
        for part in parts {
            source_lines.push(std::mem::take(&mut line));
            if !part.is_empty() {
                line.push((part.to_string(), style));
            }
        }
    }
    source_lines.push(line);
    let inner = width.saturating_sub(2).max(1);
    for src in source_lines {
        let written: String = src.iter().map(|(t, _)| t.as_str()).collect();
        let mut written = Some(written);
        for (i, piece) in cut_code_line(&src, inner).into_iter().enumerate() {
            let gutter = if i == 0 { "│ " } else { "┆ " };
            let mut line = RLine::new(piece).prefixed(&[Span::styled(gutter, border)]);
            line.code = Some(match written.take() {
                Some(text) => CodeLine::Source(text),
                None => CodeLine::Continuation,
            });
            out.push(line);
        }
    }
    out.push(RLine::new(vec![Span::styled("╰─", border)]));
    out
}

fn list(
    start: Option<u64>,
    items: &[Vec<Block>],
    loose: bool,
    width: usize,
    depth: usize,
    theme: &Theme,
) -> Vec<RLine> {
    let markers: Vec<String> = match start {
        Some(n) => {
            let last = n + items.len().saturating_sub(1) as u64;
            let w = format!("{last}.").len();
            (0..items.len() as u64)
                .map(|i| format!("{:>w$}", format!("{}.", n + i)))
                .collect()
        }
        None => vec![BULLETS[depth % BULLETS.len()].to_string(); items.len()],
    };
    let marker_style = if start.is_some() {
        theme.strong()
    } else {
        theme.dim()
    };
    let mut out = Vec::new();
    for (i, (item, marker)) in items.iter().zip(markers).enumerate() {
        if loose && i > 0 {
            out.push(RLine::blank());
        }
        let lead = 1 + marker.width() + 1;
        let inner_w = width.saturating_sub(lead).max(1);
        let mut inner = layout_blocks(item, inner_w, depth + 1, !loose, theme);
        if inner.is_empty() {
            inner.push(RLine::blank());
        }
        let first = [
            Span::raw(" "),
            Span::styled(marker, marker_style),
            Span::raw(" "),
        ];
        let rest = [Span::raw(" ".repeat(lead))];
        out.extend(prefix_lines(inner, &first, &rest));
    }
    out
}

fn callout(
    kind: CalloutKind,
    body: &[Block],
    width: usize,
    depth: usize,
    theme: &Theme,
) -> Vec<RLine> {
    let style = theme.callout(kind);
    let (glyph, label) = kind.label();
    let title = format!(" {glyph} {label} ");
    let title_w = title.width();
    let inner_w = width.saturating_sub(4).max(1);
    let inner = layout_blocks(body, inner_w, depth, false, theme);
    let content_w = inner
        .iter()
        .map(RLine::width)
        .max()
        .unwrap_or(0)
        .max(title_w)
        .min(inner_w);
    let fill = (content_w + 1).saturating_sub(title_w);
    let mut out = vec![RLine::new(vec![
        Span::styled("╭─", style),
        Span::styled(title, style),
        Span::styled(format!("{}╮", "─".repeat(fill)), style),
    ])];
    for line in inner {
        let mut line = line
            .prefixed(&[Span::styled("│ ", style)])
            .padded(content_w + 2, Style::new());
        let mut spans = std::mem::take(&mut line.spans);
        spans.push(Span::styled(" │", style));
        out.push(RLine { spans, ..line });
    }
    out.push(RLine::new(vec![Span::styled(
        format!("╰{}╯", "─".repeat(content_w + 2)),
        style,
    )]));
    out
}
