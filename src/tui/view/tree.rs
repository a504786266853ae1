//! The curriculum tree pane.

use super::super::app::{App, Focus, RightView};
use super::super::event::LabStatus;
use super::super::theme::{Glyph, Theme};
use super::super::tree::{
    lesson_status, level_count, rows, Row, CHECK_LEAD, LAB_LEAD, LESSON_LEAD,
};
use super::pane;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

pub fn status_glyph(status: LabStatus, t: &Theme) -> Span<'static> {
    match status {
        LabStatus::Passed => Span::styled(Glyph::PASS, t.pass()),
        LabStatus::Failed => Span::styled(Glyph::FAIL, t.fail()),
        LabStatus::InProgress => Span::styled(Glyph::IN_PROGRESS, t.in_progress()),
        LabStatus::NotStarted => Span::styled(Glyph::NOT_STARTED, t.dim()),
    }
}

/// Cuts `text` to `width` cells, ending in `…` when cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if out.width() + c.to_string().width() + 1 > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

fn row_line(app: &App, row: &Row, width: usize) -> Line<'static> {
    let t = &app.theme;
    let c = &app.curriculum;
    match row {
        Row::Level(level) => {
            let fold = if app.tree.folded.contains(level) {
                Glyph::FOLDED
            } else {
                Glyph::UNFOLDED
            };
            let (done, total) = level_count(c, *level, &app.progress);
            let count = if total == 0 {
                "–".to_string()
            } else {
                format!("{done}/{total}")
            };
            let room = width.saturating_sub(count.width() + 1);
            let label = fit(&format!("{fold} {level} {}", level.title()), room);
            let gap = width.saturating_sub(label.width() + count.width());
            Line::from(vec![
                Span::styled(label, t.strong()),
                Span::raw(" ".repeat(gap)),
                Span::styled(count, t.dim()),
            ])
        }
        Row::Lesson(i) => {
            let Some(lesson) = c.lessons.get(*i) else {
                return Line::default();
            };
            let status = lesson_status(c, lesson, &app.progress);
            Line::from(vec![
                Span::raw("  "),
                status_glyph(status, t),
                Span::raw(" "),
                Span::raw(fit(&lesson.title, width.saturating_sub(LESSON_LEAD))),
            ])
        }
        Row::Lab { lab, .. } => {
            let title = c.lab(lab).map(|l| l.title.as_str()).unwrap_or(lab);
            let status = app.progress.lab(lab);
            // A lab the track marks overdue shows its due date (UX: the tree tells too).
            let overdue = app
                .assigned
                .as_ref()
                .and_then(|b| b.rows.iter().find(|r| r.lab == *lab && r.overdue))
                .map(|r| format!(" !{}", app.zone.local(r.due_at).format("%d %b")));
            let room = width.saturating_sub(LAB_LEAD + overdue.as_ref().map_or(0, |o| o.width()));
            let mut spans = vec![
                Span::raw("    "),
                status_glyph(status, t),
                Span::styled(" lab: ", t.dim()),
                Span::raw(fit(title, room)),
            ];
            if let Some(o) = overdue {
                spans.push(Span::styled(o, t.fail()));
            }
            Line::from(spans)
        }
        Row::Quiz(i) => {
            let Some(lesson) = c.lessons.get(*i) else {
                return Line::default();
            };
            let n = lesson.quiz.len();
            let (glyph, text, style) = match app.progress.check(&lesson.id) {
                Some(s) if s.all_correct(n) => (Glyph::PASS, format!(" check: {n}/{n}"), t.pass()),
                Some(s) => (
                    Glyph::CHECK,
                    format!(" check: {}/{n}", s.correct),
                    t.in_progress(),
                ),
                None => (
                    Glyph::CHECK,
                    format!(" check: {n} question{}", if n == 1 { "" } else { "s" }),
                    t.dim(),
                ),
            };
            Line::from(vec![
                Span::raw("    "),
                Span::styled(glyph, style),
                Span::styled(fit(&text, width.saturating_sub(CHECK_LEAD)), style),
            ])
        }
    }
}

/// Whether `row` is what the right pane shows.
fn is_open(app: &App, row: &Row) -> bool {
    match (&app.right, row) {
        (RightView::Lesson(r), Row::Lesson(i)) => r.lesson == *i,
        (RightView::Quiz(q), Row::Quiz(i)) => q.lesson == *i,
        (RightView::Lab(v), Row::Lab { lab, .. }) => v.lab == *lab,
        _ => false,
    }
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let block = pane(app, Focus::Tree, Line::from(" Curriculum "));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let all = rows(&app.curriculum, &app.tree.folded);
    let width = inner.width as usize;
    let lines: Vec<Line> = all
        .iter()
        .enumerate()
        .skip(app.tree.offset)
        .take(inner.height as usize)
        .map(|(i, row)| {
            let mut line = row_line(app, row, width);
            if is_open(app, row) {
                line = line.patch_style(app.theme.strong());
            }
            if i == app.tree.selected {
                let style = if app.focus == Focus::Tree {
                    app.theme.selection()
                } else {
                    app.theme.dim().patch(app.theme.selection())
                };
                let pad = width.saturating_sub(line.width());
                line.spans.push(Span::raw(" ".repeat(pad)));
                line = line.patch_style(style);
            }
            line
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
