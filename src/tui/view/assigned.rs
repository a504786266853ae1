//! The "Assigned" view: the active track's labs with due dates, status against the pass
//! threshold and overdue marks. One line per lab when the pane is wide, two when it is not;
//! the selected lab's record underneath, wrapped at words.

use super::super::app::{App, Focus};
use super::super::assigned::{best, due_label, when, AssignedBoard, AssignedView, ShownZone};
use super::super::theme::{Glyph, Theme};
use super::pane;
use super::tree::fit;
use crate::track::{AssignedRow, TrackStatus};
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
        TrackStatus::Attempted | TrackStatus::SecretLeaked => Span::styled(Glyph::FAIL, t.fail()),
        TrackStatus::Started => Span::styled(Glyph::IN_PROGRESS, t.in_progress()),
        TrackStatus::NotStarted => Span::styled(Glyph::NOT_STARTED, t.dim()),
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

/// The widths of the due, relative-due and score columns of a wide row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    due: usize,
    when: usize,
    score: usize,
}

impl Columns {
    /// As wide as the widest entry of each column, so no score is cut ("10/10 (100%)",
    /// "100/100 (100%)").
    fn of(b: &AssignedBoard, zone: ShownZone) -> Columns {
        let widest = |f: &dyn Fn(&AssignedRow) -> String| {
            b.rows.iter().map(|r| f(r).width()).max().unwrap_or(0)
        };
        Columns {
            due: widest(&|r| due_label(r.due_at, b.now, zone)),
            when: widest(&|r| when(r, b.now)),
            score: widest(&best),
        }
    }

    /// Cells left for the title: the row is glyph and space, the title, then the due, when
    /// and score columns, each after a two-cell gap.
    fn title(&self, width: usize) -> usize {
        width.saturating_sub(2 + (2 + self.due) + (2 + self.when) + (2 + self.score))
    }
}

/// The lines of one lab: one (wide) or two.
fn row_lines(
    row: &AssignedRow,
    b: &AssignedBoard,
    cols: Columns,
    zone: ShownZone,
    width: usize,
    t: &Theme,
) -> Vec<Line<'static>> {
    let due = pad(due_label(row.due_at, b.now, zone), cols.due);
    let when_text = pad(when(row, b.now), cols.when);
    let score = best(row);
    if width >= WIDE {
        let title_w = cols.title(width);
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
        // The second row's score keeps its points and drops the percentage when it would
        // not fit whole ("11/11", not "11/11 (100%").
        let room = width.saturating_sub(2 + cols.due + 2 + cols.when + 2);
        let score = match row.best {
            Some((p, m)) if score.width() > room => format!("{p}/{m}"),
            _ => score,
        };
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
fn record(row: &AssignedRow, b: &AssignedBoard, zone: ShownZone) -> String {
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
    if row.status == TrackStatus::SecretLeaked {
        s.push_str(&format!(" · {}", row.status_text()));
    }
    if let Some(at) = row.passed_at {
        let at = zone.local(at).format("%a %d %b %H:%M");
        s.push_str(&format!(" · passed {at}"));
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
    let cols = Columns::of(b, app.zone);
    let per_row = if width >= WIDE { 1 } else { 2 };
    // The selected lab's record, wrapped at words (a narrow pane takes it on several rows).
    let record_rows: Vec<String> = b
        .rows
        .get(view.selected)
        .map(|row| crate::wording::word_rows(&record(row, b, app.zone), width))
        .unwrap_or_default();
    // Room for the header above and the record (a blank line, its rows and the keys) below.
    let below = 2 + record_rows.len().max(1);
    let room = (inner.height as usize).saturating_sub(lines.len() + below) / per_row;
    let offset = view.selected.saturating_sub(room.saturating_sub(1));
    for (i, row) in b.rows.iter().enumerate().skip(offset).take(room.max(1)) {
        for mut line in row_lines(row, b, cols, app.zone, width, t) {
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
    if !record_rows.is_empty() {
        lines.push(Line::from(""));
        for row in record_rows {
            lines.push(Line::from(Span::styled(fit(&row, width), t.dim())));
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selected_labs_record_says_when_a_leaked_secret_kept_it_from_passing() {
        let now = chrono::Utc::now();
        let row = AssignedRow {
            lab: "rest-first-call".into(),
            title: "Your first call".into(),
            due: "2026-12-04".into(),
            due_at: now,
            status: TrackStatus::SecretLeaked,
            overdue: false,
            passed_late: false,
            passed_at: None,
            attempts: 1,
            attempts_elsewhere: 0,
            best: Some((7, 8)),
            passed_on: None,
            leaked_by: vec!["secrets.files_private".into()],
        };
        let board = AssignedBoard {
            track: "T".into(),
            threshold: 80,
            backend: "mock".into(),
            now,
            rows: vec![row.clone()],
        };
        let zone = ShownZone::Fixed(chrono::FixedOffset::east_opt(0).unwrap());
        let said = record(&row, &board, zone);
        assert!(
            said.ends_with("passing needs 80% on mock · not passed: a file holding a secret readable by others (secrets.files_private)"),
            "{said}"
        );
    }
}
