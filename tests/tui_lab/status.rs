//! Status-bar messages at 80 columns: one too long for the bar goes on over the rows just
//! above it, so the whole instruction reads (the command to run, where a file went), and
//! stays up long enough to be read.

use super::{fixture, open, screen};
use sflab::lab::Backend;
use sflab::sandbox::BackendChoice;
use sflab::tui::lab::backend::next_backend;
use sflab::tui::lab::{har_notice, LabEvent};
use sflab::tui::theme::Theme;
use sflab::tui::{update, App, Event};
use std::sync::Arc;

fn lab_at_80x24() -> App {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-first-call");
    a
}

/// The text of the screen's last `rows` rows, one after the other.
fn bottom(screen: &str, rows: usize) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    lines[lines.len().saturating_sub(rows)..]
        .iter()
        .map(|l| l.trim_matches('"').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_backend_message_at_80_columns_shows_the_command_it_names() {
    let mut a = lab_at_80x24();
    let why = next_backend(
        &BackendChoice::Mock,
        &[BackendChoice::Mock],
        &[Backend::Mock, Backend::Sandbox],
    )
    .expect_err("no sandbox to switch to");
    update(&mut a, Event::Lab(LabEvent::Notice(why.clone())));
    let s = screen(&a);
    assert!(bottom(&s, 1).contains(&why), "{s}");
    assert!(bottom(&s, 1).contains("`sflab org login`"), "{s}");
}

#[test]
fn a_saved_har_message_too_long_for_the_bar_goes_on_over_the_row_above() {
    let mut a = lab_at_80x24();
    let path = std::path::Path::new(
        "/home/learner/projects/sflab-workspace/rest-first-call/traffic-20261130-014524.har",
    );
    update(&mut a, Event::Lab(LabEvent::Notice(har_notice(1, path))));
    let s = screen(&a);
    let message = bottom(&s, 2);
    assert!(message.starts_with("wrote 1 exchange to /home/"), "{s}");
    assert!(
        message.ends_with(
            "/traffic-20261130-014524.har (HAR 1.2, opens in a browser's network panel)"
        ),
        "the file and what opens it: {s}"
    );
    insta::assert_snapshot!(s);
    // A key takes it away, and the panes take back the rows it took.
    update(&mut a, super::key(crossterm::event::KeyCode::Char('1')));
    let s = screen(&a);
    assert!(bottom(&s, 2).starts_with("└"), "{s}");
}

#[test]
fn a_long_message_stays_up_long_enough_to_be_read() {
    let mut a = lab_at_80x24();
    let tick = Event::Tick(chrono::Utc::now());
    a.flash("watch on");
    for _ in 0..12 {
        update(&mut a, tick.clone());
    }
    assert!(a.flash.is_none(), "a short message goes after 3 s");
    let long = har_notice(
        1,
        std::path::Path::new("/home/learner/ws/rest-first-call/t.har"),
    );
    a.flash(long);
    for _ in 0..20 {
        update(&mut a, tick.clone());
    }
    assert!(a.flash.is_some(), "still there after 5 s");
    for _ in 0..60 {
        update(&mut a, tick.clone());
    }
    assert!(a.flash.is_none(), "and gone in the end");
}

#[test]
fn a_two_row_message_keeps_the_panes_bottom_edge_above_it() {
    let mut a = lab_at_80x24();
    update(&mut a, super::key(crossterm::event::KeyCode::Char('3')));
    let path = std::path::Path::new(
        "/home/learner/projects/sflab-workspace/rest-first-call/traffic-20261130-014524.har",
    );
    update(&mut a, Event::Lab(LabEvent::Notice(har_notice(1, path))));
    let s = screen(&a);
    let rows: Vec<&str> = s.lines().map(|r| r.trim_matches('"')).collect();
    assert_eq!(rows.len(), 24);
    let edge = rows[21];
    assert!(
        edge.starts_with('└') && edge.ends_with('┘'),
        "the panes end with their edge above the two-row message:\n{s}"
    );
    assert!(bottom(&s, 2).starts_with("wrote 1 exchange"), "{s}");
}
