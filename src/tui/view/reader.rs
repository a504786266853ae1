//! The lesson reader pane: the visible window of the layout, with search matches marked.

use super::super::app::{App, Focus};
use super::super::reader::Reader;
use super::pane;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Restyles the character range `[start, end)` of `line` (search matches) with `style`.
pub fn mark(line: &Line<'static>, start: usize, end: usize, style: Style) -> Line<'static> {
    let mut out = Vec::with_capacity(line.spans.len() + 2);
    let mut pos = 0;
    for span in &line.spans {
        let n = span.content.chars().count();
        let (a, b) = (start.max(pos), end.min(pos + n));
        if a >= b {
            out.push(span.clone());
        } else {
            let chars: Vec<char> = span.content.chars().collect();
            let piece =
                |from: usize, to: usize| chars[from - pos..to - pos].iter().collect::<String>();
            if a > pos {
                out.push(Span::styled(piece(pos, a), span.style));
            }
            out.push(Span::styled(piece(a, b), span.style.patch(style)));
            if b < pos + n {
                out.push(Span::styled(piece(b, pos + n), span.style));
            }
        }
        pos += n;
    }
    Line::from(out)
}

pub fn draw(app: &App, reader: &Reader, frame: &mut Frame, area: Rect) {
    let title = app
        .curriculum
        .lessons
        .get(reader.lesson)
        .map(|l| l.title.clone())
        .unwrap_or_default();
    let text_area = super::reading_area(area);
    let height = text_area.height as usize;
    // How far through, by the page the keys move (a message may cover the last row a while).
    let percent = format!(" {}% ", reader.percent(app.page_height()));
    let title = super::pane_title(&title, area.width, percent.len() + 1);
    let block = pane(app, Focus::Right, title).title_top(Line::from(percent).right_aligned());
    frame.render_widget(block, area);
    let mut lines: Vec<Line<'static>> = reader.layout.window(reader.scroll, height).lines;
    if let Some(search) = &reader.search {
        let current = search.current.and_then(|i| search.matches.get(i));
        for m in &search.matches {
            let style = if Some(m) == current {
                app.theme.search_current()
            } else {
                app.theme.search_match()
            };
            for (line, start, end) in m.pieces() {
                if line >= reader.scroll && line < reader.scroll + height {
                    let i = line - reader.scroll;
                    lines[i] = mark(&lines[i], start, end, style);
                }
            }
        }
    }
    frame.render_widget(Paragraph::new(lines), text_area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Modifier;

    #[test]
    fn marking_splits_spans_at_the_match() {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let line = Line::from(vec![Span::raw("get a "), Span::styled("token now", bold)]);
        let hl = Style::new().add_modifier(Modifier::REVERSED);
        let marked = mark(&line, 4, 11, hl);
        let texts: Vec<&str> = marked.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(texts, vec!["get ", "a ", "token", " now"]);
        assert!(marked.spans[2]
            .style
            .add_modifier
            .contains(Modifier::BOLD | Modifier::REVERSED));
        assert!(!marked.spans[3]
            .style
            .add_modifier
            .contains(Modifier::REVERSED));
    }
}
