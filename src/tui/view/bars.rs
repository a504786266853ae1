//! The title bar (where you are, the backend) and the status bar (key hints, position).

use super::super::app::{App, Focus, RightView};
use super::super::lab::{LabTab, LabView};
use super::super::theme::Glyph;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

/// `left` then `right` pushed to the far end of a `width`-cell bar (left is cut if needed).
fn spread<'a>(mut left: Vec<Span<'a>>, right: Vec<Span<'a>>, width: u16) -> Line<'a> {
    let rw: usize = right.iter().map(|s| s.content.width()).sum();
    let room = (width as usize).saturating_sub(rw + 1);
    let mut lw = 0;
    let mut kept = Vec::new();
    for s in left.drain(..) {
        let w = s.content.width();
        if lw + w > room {
            let cut: String = s
                .content
                .chars()
                .scan(lw, |acc, c| {
                    *acc += c.to_string().width();
                    (*acc < room).then_some(c)
                })
                .collect();
            lw += cut.width();
            kept.push(Span::styled(format!("{cut}…"), s.style));
            lw += 1;
            break;
        }
        lw += w;
        kept.push(s);
    }
    kept.push(Span::raw(
        " ".repeat((width as usize).saturating_sub(lw + rw)),
    ));
    kept.extend(right);
    Line::from(kept)
}

fn whereabouts(app: &App) -> String {
    let lesson = match &app.right {
        RightView::Lesson(r) => app.curriculum.lessons.get(r.lesson),
        RightView::Quiz(q) => app.curriculum.lessons.get(q.lesson),
        RightView::Lab(view) => {
            return app
                .curriculum
                .lab(&view.lab)
                .map(|l| format!("{} · lab: {}", l.level, l.title))
                .unwrap_or_default()
        }
        RightView::Assigned(_) => {
            return app
                .assigned
                .as_ref()
                .map(|b| format!("Assigned · {}", b.track))
                .unwrap_or_default()
        }
        RightView::Welcome => None,
    };
    match lesson {
        Some(l) => {
            let mut s = format!("{} · {}", l.level, l.title);
            if matches!(app.right, RightView::Quiz(_)) {
                s.push_str(" · knowledge check");
            }
            s
        }
        None => String::new(),
    }
}

pub fn title(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let bar = t.bar();
    let mut left = vec![Span::styled(" sflab ", t.key_hint())];
    let here = whereabouts(app);
    if !here.is_empty() {
        left.push(Span::styled(format!("─ {here}"), bar));
    }
    let b = &app.backend;
    let (dot, dot_style) = if b.reachable {
        (Glyph::IN_PROGRESS, bar.patch(t.pass()))
    } else {
        (Glyph::FAIL, bar.patch(t.fail()))
    };
    let mut right = vec![
        Span::styled(format!("{} ", b.name), bar),
        Span::styled(dot, dot_style),
    ];
    if !b.reachable {
        right.push(Span::styled(" unreachable", bar));
    }
    if let Some(url) = &b.url {
        right.push(Span::styled(format!(" {url}"), bar));
    }
    if let Some(headline) = app.assigned.as_ref().and_then(|a| a.headline()) {
        let style = if app.assigned.as_ref().is_some_and(|a| a.overdue() > 0) {
            bar.patch(t.fail())
        } else {
            bar
        };
        right.push(Span::styled(" ─ ", bar));
        right.push(Span::styled(headline, style));
    }
    right.push(Span::styled(" ", bar));
    frame.render_widget(
        Paragraph::new(spread(left, right, area.width)).style(bar),
        area,
    );
}

fn hints(app: &App) -> &'static [(&'static str, &'static str)] {
    match (app.focus, &app.right) {
        // Something over the lab's tab: q closes it, from the tree too.
        (Focus::Tree, RightView::Lab(v)) if v.detail.is_some() => &[
            ("↑↓", "move"),
            ("⏎", "open"),
            ("Tab", "pane"),
            ("q", "close detail"),
        ],
        (Focus::Tree, _) => &[
            ("↑↓", "move"),
            ("⏎", "open"),
            ("←→", "fold"),
            ("Tab", "pane"),
            ("/", "search"),
            ("q", "quit"),
        ],
        (Focus::Right, RightView::Lesson(_)) => &[
            ("↑↓", "scroll"),
            ("space", "page"),
            ("]/[", "heading"),
            ("/", "search"),
            ("n/N", "match"),
            ("Esc", "tree"),
            ("q", "quit"),
        ],
        // The keys the quiz's state takes: choosing, reading why, or the score.
        (Focus::Right, RightView::Quiz(q)) if q.finished => {
            &[("⏎", "start again"), ("Esc", "tree"), ("q", "quit")]
        }
        (Focus::Right, RightView::Quiz(q)) if q.answered.is_some() => {
            &[("⏎", "next"), ("Esc", "tree"), ("q", "quit")]
        }
        (Focus::Right, RightView::Quiz(q)) => {
            // Arrows or the letters this question has (a-b up to a-f) choose; ⏎ answers.
            const fn keys(choose: &'static str) -> [(&'static str, &'static str); 4] {
                [
                    (choose, "choose"),
                    ("⏎", "answer"),
                    ("Esc", "tree"),
                    ("q", "quit"),
                ]
            }
            const BY_CHOICES: [[(&str, &str); 4]; 5] = [
                keys("↑↓/a-b"),
                keys("↑↓/a-c"),
                keys("↑↓/a-d"),
                keys("↑↓/a-e"),
                keys("↑↓/a-f"),
            ];
            let choices = q.current().map_or(2, |c| c.choices.len());
            &BY_CHOICES[choices.clamp(2, 6) - 2]
        }
        (Focus::Right, RightView::Lab(v)) => lab_hints(v),
        (Focus::Right, RightView::Assigned(_)) => &[
            ("↑↓", "move"),
            ("⏎", "open lab"),
            ("Esc", "tree"),
            ("q", "quit"),
        ],
        (Focus::Right, _) => &[("Esc", "tree"), ("Tab", "pane"), ("q", "quit")],
    }
}

/// True while keys go into a Console field, where `?` is a character like any other.
fn typing(app: &App) -> bool {
    app.focus == Focus::Right && app.lab_view().is_some_and(|v| v.console.typing)
}

fn lab_hints(v: &LabView) -> &'static [(&'static str, &'static str)] {
    if v.console.typing {
        return &[("⏎", "send"), ("Esc", "stop typing"), ("↑↓", "field")];
    }
    if v.detail.is_some() {
        return &[("↑↓", "scroll"), ("Esc/q", "close")];
    }
    match v.tab {
        LabTab::Results => &[
            ("r", "run"),
            ("↑↓", "rule"),
            ("space", "page"),
            ("⏎", "evidence"),
            ("d", "diff"),
            ("o", "output"),
            ("H", "hint"),
            ("b", "backend"),
            ("1-5", "tab"),
            ("e", "edit"),
        ],
        LabTab::Traffic if v.traffic_filter.is_some() => &[
            ("⏎", "detail"),
            ("a", "every exchange"),
            ("Esc", "back to Results"),
            ("1-5", "tab"),
        ],
        LabTab::Traffic => &[
            ("r", "run"),
            ("⏎", "detail"),
            ("s", "save HAR"),
            ("1-5", "tab"),
            ("Esc", "back"),
        ],
        LabTab::Org if v.org.in_records => &[
            ("↑↓", "move"),
            ("⏎", "whole record"),
            ("Esc", "objects"),
            ("1-5", "tab"),
            ("r", "run"),
        ],
        LabTab::Org => &[
            ("↑↓", "move"),
            ("⏎", "records"),
            ("1-5", "tab"),
            ("r", "run"),
        ],
        LabTab::Console => &[
            ("↑↓", "field"),
            ("⏎", "edit/method"),
            ("s", "send"),
            ("1-5", "tab"),
        ],
        LabTab::Brief => &[
            ("r", "run"),
            ("e", "edit"),
            ("b", "backend"),
            ("H", "hint"),
            ("w", "watch"),
            ("1-5", "tab"),
            ("]/[", "section"),
            ("/", "find"),
            ("X", "reset"),
        ],
    }
}

/// The most rows a status-bar message takes (the bar and the rows just above it).
const MESSAGE_ROWS: usize = 3;

/// A message in `rows`, drawn over the status bar and the rows above it (the panes are drawn
/// shorter meanwhile, so their bottom edge stays in view: see [`message_rows`]).
fn message_over_rows(app: &App, frame: &mut Frame, bar: Rect, rows: Vec<String>) {
    let t = &app.theme;
    let n = u16::try_from(rows.len()).unwrap_or(u16::MAX).min(bar.y + 1);
    let area = Rect::new(bar.x, bar.y + 1 - n, bar.width, n);
    let lines: Vec<Line> = rows
        .into_iter()
        .map(|r| Line::from(Span::styled(format!(" {r}"), t.key_hint())))
        .collect();
    frame.render_widget(ratatui::widgets::Clear, area);
    frame.render_widget(Paragraph::new(lines).style(t.bar()), area);
}

/// What shows on the right of the status bar: the lesson's search and position, or where a
/// lab's checks run.
fn right_side(app: &App) -> Vec<Span<'static>> {
    let t = &app.theme;
    let bar = t.bar();
    let mut right = Vec::new();
    if let Some(r) = app.reader() {
        if let Some(s) = &r.search {
            let n = s.matches.len();
            let text = match s.current {
                Some(i) if n > 0 => format!("\"{}\" {}/{n}  ", s.query, i + 1),
                _ => format!("\"{}\" no match  ", s.query),
            };
            right.push(Span::styled(text, bar));
        }
        right.push(Span::styled(r.position(), bar));
        let total = app.curriculum.lessons.len();
        right.push(Span::styled(
            format!("  lesson {}/{total} ", r.lesson + 1),
            bar,
        ));
    }
    if app.lab_view().is_some() {
        // Where the next checks run, next to the keys that run them.
        right.push(Span::styled(
            format!("on {} ", app.backend.name),
            bar.patch(t.strong()),
        ));
    }
    right
}

/// How the status-bar message fits a bar `width` cells wide: `Ok` with its text on the bar's
/// line beside what is on the right, or `Err` with the rows it goes on over (what is on the
/// right giving way); `None` without a message.
///
/// Paths in it give way first, then what is on the right, so a question's keys are not cut
/// off; then it goes on over the rows above, so the whole instruction can be read.
fn message_fit(app: &App, width: u16) -> Option<Result<String, Vec<String>>> {
    let (None, Some((message, _))) = (&app.search_input, &app.flash) else {
        return None;
    };
    let right_w: usize = right_side(app).iter().map(|s| s.content.width()).sum();
    let room = (width as usize).saturating_sub(right_w + 2);
    let fitted = super::fit_message::fit_message(message, room);
    if fitted.width() <= room {
        return Some(Ok(fitted));
    }
    let rows =
        super::fit_message::message_rows(message, (width as usize).saturating_sub(2), MESSAGE_ROWS);
    Some(Err(rows))
}

/// The rows above the status bar its message takes now (0 when it fits the bar): the panes
/// are drawn that much shorter, so their bottom edge shows above the message.
pub fn message_rows(app: &App, width: u16) -> u16 {
    match message_fit(app, width) {
        Some(Err(rows)) => u16::try_from(rows.len().saturating_sub(1)).unwrap_or(0),
        _ => 0,
    }
}

pub fn status(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let bar = t.bar();
    let mut left = Vec::new();
    let mut right = right_side(app);
    if let Some(input) = &app.search_input {
        // A `/` from a lab's Results, Traffic, Org or Console searches the tree, not the tab:
        // the prompt says so, as the cursor it moves is the tree's.
        if app.search_in_tree {
            left.push(Span::styled(" find a lesson or lab:", bar));
        }
        left.push(Span::styled(format!(" /{input}█"), t.key_hint()));
        left.push(Span::styled("  ⏎ keep  Esc cancel", bar));
    }
    match message_fit(app, area.width) {
        Some(Ok(fitted)) => left.push(Span::styled(format!(" {fitted}"), t.key_hint())),
        Some(Err(rows)) if rows.len() > 1 => return message_over_rows(app, frame, area, rows),
        Some(Err(rows)) => {
            right.clear();
            left.extend(
                rows.into_iter()
                    .map(|r| Span::styled(format!(" {r}"), t.key_hint())),
            );
        }
        None => {}
    }
    if app.search_input.is_none() && app.flash.is_none() {
        // Whole hints only: drop the last ones rather than cut one in half; "? help" always
        // shows, since it leads to all the others, except while typing, when ? is typed.
        let help: &[(&str, &str)] = if typing(app) { &[] } else { &[("?", "help")] };
        let right_w: usize = right.iter().map(|s| s.content.width()).sum();
        let mut used = right_w + 1 + "?".width() + "help".width() + 3;
        for (key, what) in hints(app).iter().chain(help) {
            let w = key.width() + what.width() + 3;
            if *key != "?" {
                if used + w > area.width as usize {
                    continue;
                }
                used += w;
            }
            left.push(Span::styled(format!(" {key}"), t.key_hint()));
            left.push(Span::styled(format!(" {what} "), bar));
        }
    }
    frame.render_widget(
        Paragraph::new(spread(left, right, area.width)).style(bar),
        area,
    );
}
