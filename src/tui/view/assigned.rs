//! The "Assigned" view: the active track's labs with due dates, status against the pass
//! threshold and overdue marks. One line per lab when the pane is wide, two when it is not;
//! the selected lab's record underneath.

use super::super::app::{App, Focus};
use super::super::assigned::{best, when, AssignedBoard, AssignedView};
use super::super::theme::{Glyph, Theme};
use super::pane;
use super::tree::fit;
use crate::track::{AssignedRow, TrackStatus};
use chrono::Timelike;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

/// A pane at least this wide (inside its borders) gets one line per lab.
const WIDE: usize = 80;

fn glyph(status: TrackStatus, t: &Theme) -> Span<'static> {
    match status {
        TrackStatus::Passed => Span::styled(Glyph::PASS, t.pass()),
        TrackStatus::Attempted => Span::styled(Glyph::FAIL, t.fail()),
        TrackStatus::Started => Span::styled(Glyph::IN_PROGRESS, t.in_progress()),
        TrackStatus::NotStarted => Span::styled(Glyph::NOT_STARTED, t.dim()),
    }
}

/// The due moment in the learner's words: "Fri 04 Dec" for a whole day (a bare date in the
/// track means its last second, UTC), with the time when the lead gave one.
fn due_label(row: &AssignedRow) -> String {
    let d = row.due_at;
    if d.hour() == 23 && d.minute() == 59 {
        d.format("%a %d %b").to_string()
    } else {
        d.format("%a %d %b %H:%M").to_string()
    }
}

fn when_style(row: &AssignedRow, t: &Theme) -> Style {
    match (row.status, row.overdue) {
        (TrackStatus::Passed, _) => t.pass(),
        (_, true) => t.fail(),
        _ => t.text(),
    }
}

fn pad(text: String, width: usize) -> String {
    let w = text.width();
    format!("{text}{}", " ".repeat(width.saturating_sub(w)))
}

/// The lines of one lab: one (wide) or two.
fn row_lines(
    row: &AssignedRow,
    b: &AssignedBoard,
    cols: (usize, usize),
    width: usize,
    t: &Theme,
) -> Vec<Line<'static>> {
    let (due_w, when_w) = cols;
    let due = pad(due_label(row), due_w);
    let when_text = pad(when(row, b.now), when_w);
    let score = best(row);
    if width >= WIDE {
        let title_w = width.saturating_sub(2 + due_w + 2 + when_w + 2 + 12);
        vec![Line::from(vec![
            glyph(row.status, t),
            Span::raw(" "),
            Span::raw(pad(fit(&row.title, title_w), title_w)),
            Span::raw("  "),
            Span::raw(due),
            Span::raw("  "),
            Span::styled(when_text, when_style(row, t)),
            Span::raw("  "),
            Span::styled(score, t.dim()),
        ])]
    } else {
        vec![
            Line::from(vec![
                glyph(row.status, t),
                Span::raw(" "),
                Span::raw(fit(&row.title, width.saturating_sub(2))),
            ]),
            Line::from(vec![
                Span::raw("  "),
                Span::raw(due),
                Span::raw("  "),
                Span::styled(when_text, when_style(row, t)),
                Span::raw("  "),
                Span::styled(score, t.dim()),
            ]),
        ]
    }
}

/// What the selected lab's record says, in a sentence or two.
fn record(row: &AssignedRow, b: &AssignedBoard) -> String {
    let attempts = match row.attempts {
        0 => "no attempt yet".to_string(),
        1 => "1 attempt".to_string(),
        n => format!("{n} attempts"),
    };
    let mut s = format!("{} · {attempts}", row.lab);
    if let Some((p, m)) = row.best {
        s.push_str(&format!(", best {p}/{m}"));
    }
    s.push_str(&format!(
        " · passing needs {}% on {}",
        b.threshold, b.backend
    ));
    if let Some(at) = row.passed_at {
        s.push_str(&format!(" · passed {}", at.format("%a %d %b %H:%M")));
    }
    s
}

pub fn draw(app: &App, view: &AssignedView, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let Some(b) = &app.assigned else { return };
    let title = format!(" Assigned: {} ", b.track);
    let block = pane(
        app,
        Focus::Right,
        Line::from(fit(&title, area.width.saturating_sub(4) as usize)),
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let inner = Rect::new(
        inner.x + 1,
        inner.y,
        inner.width.saturating_sub(2),
        inner.height,
    );
    let width = inner.width as usize;
    let overdue = match b.overdue() {
        0 => String::new(),
        n => format!(" · {n} overdue"),
    };
    let passed = b
        .rows
        .iter()
        .filter(|r| r.status == TrackStatus::Passed)
        .count();
    let mut lines = vec![
        Line::from(Span::styled(
            fit(
                &format!("{passed} of {} passed{overdue}", b.rows.len()),
                width,
            ),
            t.strong(),
        )),
        Line::from(Span::styled(
            fit(
                &format!(
                    "Passed means {}% of a lab's points, on {}.",
                    b.threshold, b.backend
                ),
                width,
            ),
            t.dim(),
        )),
        Line::from(""),
    ];
    let due_w = b
        .rows
        .iter()
        .map(|r| due_label(r).width())
        .max()
        .unwrap_or(0);
    let when_w = b
        .rows
        .iter()
        .map(|r| when(r, b.now).width())
        .max()
        .unwrap_or(0);
    let per_row = if width >= WIDE { 1 } else { 2 };
    // Room for the header above and the record (a blank line and two lines) below.
    let room = (inner.height as usize).saturating_sub(lines.len() + 3) / per_row;
    let offset = view.selected.saturating_sub(room.saturating_sub(1));
    for (i, row) in b.rows.iter().enumerate().skip(offset).take(room.max(1)) {
        for mut line in row_lines(row, b, (due_w, when_w), width, t) {
            if i == view.selected {
                let style = if app.focus == Focus::Right {
                    t.selection()
                } else {
                    t.dim().patch(t.selection())
                };
                let fill = width.saturating_sub(line.width());
                line.spans.push(Span::raw(" ".repeat(fill)));
                line = line.patch_style(style);
            }
            lines.push(line);
        }
    }
    if let Some(row) = b.rows.get(view.selected) {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            fit(&record(row, b), width),
            t.dim(),
        )));
        lines.push(Line::from(vec![
            Span::styled("⏎", t.key_hint()),
            Span::styled(" opens the lab   ", t.dim()),
            Span::styled("t", t.key_hint()),
            Span::styled(" comes back here", t.dim()),
        ]));
    } else {
        lines.push(Line::from("This track assigns no lab."));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
