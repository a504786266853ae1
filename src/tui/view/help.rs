//! The `?` overlay: every key, in one place.

use super::super::app::App;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

/// Every key the classroom answers to, with what it does.
pub const KEYS: &[(&str, &str)] = &[
    (
        "↑ ↓  j k",
        "move in the tree · scroll the lesson · pick a result",
    ),
    ("PgUp PgDn space g G", "page up · page down · top · bottom"),
    ("⏎  l  →", "open · unfold · answer"),
    ("Esc  h  ←", "back to the tree · fold"),
    (
        "Tab  mouse wheel",
        "switch pane · scroll the pane under the pointer",
    ),
    (
        "/  n N",
        "search a lesson, a brief or the tree · next · prev",
    ),
    ("] [", "next · previous heading (lesson, lab brief)"),
    ("a–f", "choose an answer in a knowledge check (⏎ gives it)"),
    ("t", "assigned labs of your track, with due dates"),
    ("1–5", "lab tabs: brief · results · traffic · org · console"),
    ("r  w", "run the checks · watch: run on every save"),
    ("e", "open the lab's files in $EDITOR, come back after"),
    ("b", "backend for the checks: mock · each logged-in sandbox"),
    ("H  S  X", "next hint · solution (after a pass) · reset"),
    (
        "d  o  s  a",
        "results: diff, output · traffic: save HAR, all exchanges",
    ),
    (
        "⏎ ← → Ctrl-U  s",
        "console: edit a field · step the method · clear · send",
    ),
    (
        "?  q  Ctrl-C Ctrl-L",
        "help · quit (q first closes help or a detail) · redraw",
    ),
];

/// What the tree's glyphs and counts mean, as `tree.rs` decides them: a lab is ✓ once any
/// attempt passed (a later failure does not take it away), ✗ when it never passed and the
/// last attempt failed; a level's count is its lessons done, a lesson being done when all its
/// labs are ✓ — or, without labs, when its check is all right, or with no check, read through.
pub const LEGEND: &[&str] = &[
    "✓ passed, kept if a later run fails  ✗ failed, not yet passed  ○ not started",
    "● started or read  – not applicable  ◇ check: 2/3, best attempt (✓ at 3/3)",
    "L1 Basics 2/9: 2 of its 9 lessons done. Done: all of the lesson's labs ✓, or",
    "  with no labs, its check all right (with no check either: read to the end)",
];

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let key_w = KEYS
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    // Every row counts at 80×24: keys from the first row, then the glyphs.
    let mut lines = Vec::new();
    for (key, what) in KEYS {
        lines.push(Line::from(vec![
            Span::styled(format!(" {key:<key_w$}  "), t.strong()),
            Span::raw(*what),
        ]));
    }
    lines.push(Line::from(""));
    for row in LEGEND {
        lines.push(Line::from(Span::styled(format!(" {row}"), t.dim())));
    }
    let width = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 3;
    let height = lines.len() as u16 + 2;
    // A box that would leave less than two columns on each side takes the whole width (or
    // height): a sliver of one column shows only the frame behind, doubling the border.
    let fill = |wanted: u16, room: u16| {
        if room.saturating_sub(wanted) < 4 {
            room
        } else {
            wanted
        }
    };
    let w = fill(width, area.width);
    let h = fill(height, area.height);
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_style(t.focused_border())
        .title(" Keys ");
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
