//! `draw`: reads the [`App`] and paints a frame; it never changes state.

mod assigned;
mod bars;
mod continued;
mod fit_message;
mod help;
mod lab;
mod lab_org;
mod lab_results;
mod lab_tabs;
mod quiz;
mod reader;
mod tree;

use super::app::{App, Focus, MIN_HEIGHT, MIN_WIDTH};
use super::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

pub use help::{KEYS, LEGEND};

/// `paragraph` (wrapped) scrolled by `wanted` rows, but no further than its last row reaching
/// the bottom of `inner`, the rows it is drawn in; the limit goes to `limit` so the keys stop
/// there too (see `ScrollLimits`).
pub(super) fn scrolled<'a>(
    paragraph: Paragraph<'a>,
    inner: Rect,
    wanted: usize,
    limit: &std::cell::Cell<usize>,
) -> Paragraph<'a> {
    let max = paragraph
        .line_count(inner.width)
        .saturating_sub(inner.height as usize);
    limit.set(max);
    let rows = u16::try_from(wanted.min(max)).unwrap_or(u16::MAX);
    paragraph.scroll((rows, 0))
}

pub fn draw(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(app, frame, area);
        return;
    }
    let mut g = app.geometry();
    // A message over the rows above the status bar: the panes end above it, edge and all.
    let message = bars::message_rows(app, g.status.width).min(g.tree.height.saturating_sub(3));
    g.tree.height -= message;
    g.right.height -= message;
    bars::title(app, frame, g.title);
    tree::draw(app, frame, g.tree);
    match &app.right {
        super::app::RightView::Welcome => welcome(app, frame, g.right),
        super::app::RightView::Lesson(r) => reader::draw(app, r, frame, g.right),
        super::app::RightView::Quiz(q) => quiz::draw(app, q, frame, g.right),
        super::app::RightView::Lab(v) => lab::draw(app, v, frame, g.right),
        super::app::RightView::Assigned(v) => assigned::draw(app, v, frame, g.right),
    }
    bars::status(app, frame, g.status);
    if app.help {
        help::draw(app, frame, area);
    }
    show_control_characters(frame.buffer_mut());
}

/// Every control character left in a cell (from text no pane made visible itself: a record's
/// field, a rule's message quoting output) replaced by its picture, so nothing drawn can
/// clear the screen, retitle the window or move the cursor.
fn show_control_characters(buffer: &mut Buffer) {
    for cell in buffer.content.iter_mut() {
        if cell.symbol().contains(crate::visible::hidden_control) {
            let shown: String = cell
                .symbol()
                .chars()
                .map(|c| {
                    if crate::visible::hidden_control(c) {
                        crate::visible::picture(c)
                    } else {
                        c
                    }
                })
                .collect();
            cell.set_symbol(&shown);
        }
    }
}

/// The text area inside a right-hand pane drawn in `area` (borders and one column of padding
/// off), as [`super::Geometry::reading`] finds it for the whole pane.
pub(super) fn reading_area(area: Rect) -> Rect {
    Rect::new(
        area.x + 2,
        area.y + 1,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    )
}

/// A pane's title, ` text `, cut with `…` to fit a pane `width` cells wide with `beside`
/// cells of other titles on the same border.
pub(super) fn pane_title(text: &str, width: u16, beside: usize) -> Line<'static> {
    let room = (width as usize).saturating_sub(4 + beside);
    Line::from(format!(" {} ", tree::fit(text, room)))
}

/// A bordered pane whose border says whether it has the focus.
pub(super) fn pane<'a>(app: &App, focus: Focus, title: Line<'a>) -> Block<'a> {
    let focused = app.focus == focus;
    let border = if focused {
        app.theme.focused_border()
    } else {
        app.theme.border()
    };
    Block::bordered().border_style(border).title(title)
}

fn welcome(app: &App, frame: &mut Frame, area: Rect) {
    let block = pane(app, Focus::Right, Line::from(" sflab "));
    let text = "This curriculum has no lessons yet. Authors: add lessons under lessons/ and \
                load them with `sflab --curriculum DIR`.";
    frame.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: true }).block(block),
        area,
    );
}

fn too_small(app: &App, frame: &mut Frame, area: Rect) {
    let t: &Theme = &app.theme;
    let lines = vec![
        Line::from(Span::styled(
            "The window is too small for sflab.",
            t.strong(),
        )),
        Line::from(format!(
            "It needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this one is {}×{}.",
            area.width, area.height
        )),
        Line::from("Enlarge the window or make the font smaller."),
        Line::from(""),
        Line::from("q quits."),
    ];
    let height = (lines.len() as u16).min(area.height);
    let y = area.y + area.height.saturating_sub(height) / 2;
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        Rect::new(area.x, y, area.width, area.height - (y - area.y)),
    );
}

#[cfg(test)]
mod tests {
    use super::pane_title;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn a_right_to_left_override_left_in_a_cell_is_shown_not_obeyed() {
        let mut buffer = ratatui::buffer::Buffer::empty(ratatui::layout::Rect::new(0, 0, 3, 1));
        // A zero-width control rides in the cell of the character before it.
        buffer[(0, 0)].set_symbol("a\u{202E}");
        super::show_control_characters(&mut buffer);
        let drawn: String = buffer.content.iter().map(|c| c.symbol()).collect();
        assert!(!drawn.contains('\u{202E}'), "{drawn:?}");
        assert!(drawn.contains('�'), "{drawn:?}");
    }

    #[test]
    fn a_pane_title_too_long_for_its_border_ends_in_an_ellipsis() {
        let long = "lab: Design — pick the pattern for five requirements";
        let title = pane_title(long, 50, 0).to_string();
        assert!(title.ends_with("… "), "{title:?}");
        assert!(title.width() <= 48, "fits between the corners: {title:?}");
        assert_eq!(pane_title("lab: short", 50, 0).to_string(), " lab: short ");
        let beside = pane_title(long, 50, 6).to_string();
        assert!(
            beside.width() <= 42,
            "leaves room for the other title: {beside:?}"
        );
    }
}
