//! The mouse wheel over the lab pane scrolls what the open tab shows, as the tab's keys do
//! ("mouse wheel — scroll the pane under the pointer" in the help).

use super::{finished, fixture, key, open, screen, traffic};
use crossterm::event::KeyCode;
use sflab::rules::Verdict;
use sflab::tui::lab::LabTab;
use sflab::tui::theme::Theme;
use sflab::tui::{update, App, Event};
use std::sync::Arc;

/// A wheel notch (three rows, as a terminal's wheel turn) over the lab pane at 80×24.
fn wheel(a: &mut App, lines: i32) {
    update(
        a,
        Event::Wheel {
            column: 50,
            row: 10,
            lines,
        },
    );
    screen(a);
}

fn lab_at_80x24() -> App {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-upsert-twice");
    screen(&a);
    a
}

#[test]
fn the_wheel_scrolls_the_lab_brief_down_and_back_up() {
    let mut a = lab_at_80x24();
    let top = screen(&a);
    wheel(&mut a, 3);
    let view = a.lab_view().expect("the lab stays open");
    assert_eq!(view.brief_scroll, 3, "three rows down");
    assert_ne!(screen(&a), top, "the brief moved");
    update(&mut a, key(KeyCode::Char('G')));
    screen(&a);
    let bottom = a.lab_view().map(|v| v.limits.brief.get()).unwrap_or(0);
    wheel(&mut a, -3);
    assert_eq!(a.lab_view().map(|v| v.brief_scroll), Some(bottom - 3));
    wheel(&mut a, -300);
    assert_eq!(a.lab_view().map(|v| v.brief_scroll), Some(0));
    assert_eq!(screen(&a), top, "back at the top");
}

#[test]
fn the_wheel_pages_results_moves_traffic_and_scrolls_the_detail() {
    let mut a = lab_at_80x24();
    update(&mut a, key(KeyCode::Char('2')));
    let verdicts = (1..=30)
        .map(|i| Verdict::fail(&format!("http.rule_{i}"), 1, "missing"))
        .collect();
    update(&mut a, Event::Lab(finished(verdicts)));
    update(&mut a, key(KeyCode::Char('g')));
    let top = screen(&a);
    wheel(&mut a, 3);
    assert_eq!(a.lab_view().map(|v| v.limits.results_top.get()), Some(3));
    assert_ne!(screen(&a), top, "Results moved");
    wheel(&mut a, -3);
    assert_eq!(screen(&a), top, "and came back");

    update(&mut a, key(KeyCode::Char('3')));
    wheel(&mut a, 3);
    let view = a.lab_view().expect("lab");
    assert_eq!(view.tab, LabTab::Traffic);
    assert_eq!(view.traffic_sel, 1, "one exchange down per notch");
    update(&mut a, key(KeyCode::Enter));
    screen(&a);
    assert!(a.lab_view().is_some_and(|v| v.detail.is_some()));
    wheel(&mut a, 3);
    assert_eq!(a.lab_view().map(|v| v.detail_scroll), Some(3));
    assert!(traffic().len() > 1);
}
