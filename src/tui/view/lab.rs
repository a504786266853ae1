//! The lab card: what a lab is about and where its files live, until the lab view (with
//! Brief, Results, Traffic, Org and Console tabs) takes this place.

use super::super::app::{App, Focus};
use super::super::event::LabStatus;
use super::pane;
use super::tree::status_glyph;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(app: &App, id: &str, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let Some(lab) = app.curriculum.lab(id) else {
        return;
    };
    let block = pane(
        app,
        Focus::Right,
        Line::from(format!(" lab: {} ", lab.title)),
    );
    let status = app
        .progress
        .get(id)
        .copied()
        .unwrap_or(LabStatus::NotStarted);
    let word = match status {
        LabStatus::NotStarted => "not started",
        LabStatus::InProgress => "in progress",
        LabStatus::Passed => "passed",
        LabStatus::Failed => "failed last time",
    };
    let lesson = app
        .curriculum
        .lesson(&lab.lesson)
        .map(|l| l.title.clone())
        .unwrap_or_else(|| lab.lesson.clone());
    let lines = vec![
        Line::from(Span::styled(lab.title.clone(), t.heading(1))),
        Line::from(""),
        Line::from(lab.summary.clone()),
        Line::from(""),
        Line::from(vec![
            Span::styled("status   ", t.dim()),
            status_glyph(status, t),
            Span::raw(format!(" {word}")),
        ]),
        Line::from(vec![
            Span::styled("level    ", t.dim()),
            Span::raw(format!("{} {}", lab.level, lab.level.title())),
        ]),
        Line::from(vec![Span::styled("lesson   ", t.dim()), Span::raw(lesson)]),
        Line::from(vec![
            Span::styled("id       ", t.dim()),
            Span::styled(lab.id.clone(), t.code()),
        ]),
        Line::from(vec![
            Span::styled("files    ", t.dim()),
            Span::styled(format!("{}/", lab.dir), t.code()),
        ]),
    ];
    frame.render_widget(block, area);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        app.geometry().reading(),
    );
}
