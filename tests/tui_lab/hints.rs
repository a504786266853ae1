//! `H` through the driver, before the checks have ever run.

use super::driver_on_the_embedded_curriculum;
use sflab::tui::lab::{LabCommand, LabEvent};
use sflab::tui::{Command, Event};

#[test]
fn a_hint_asked_for_before_the_first_run_says_to_run_the_checks_first() {
    let (_dir, _ws, mut driver, rx) = driver_on_the_embedded_curriculum();
    // Every hint of this lab follows a rule; none is general.
    driver.handle(Command::Lab(LabCommand::Hint {
        lab: "design-api-choice".into(),
        failing: None,
    }));
    let notices: Vec<String> = rx
        .try_iter()
        .filter_map(|e| match e {
            Event::Lab(LabEvent::Notice(text)) => Some(text),
            _ => None,
        })
        .collect();
    assert!(
        notices.iter().any(|n| n.contains("r runs the checks")),
        "{notices:?}"
    );
    assert!(
        !notices.iter().any(|n| n.contains("no hint for")),
        "{notices:?}"
    );
}

#[test]
fn a_revealed_hint_that_wraps_hangs_under_its_text_in_the_brief() {
    use super::{fixture, key, open, screen};
    use crossterm::event::KeyCode;
    use sflab::tui::theme::Theme;
    use sflab::tui::{update, App};
    let mut a = App::new(std::sync::Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-first-call");
    update(
        &mut a,
        Event::Lab(LabEvent::Hints {
            lab: "rest-first-call".into(),
            hints: vec![
                "The update must be a PATCH to the record's URL with only the changed field: `-X PATCH -d`".into(),
            ],
            revealed: true,
        }),
    );
    update(&mut a, key(KeyCode::Char('1')));
    update(&mut a, key(KeyCode::Char('G')));
    let s = screen(&a);
    // The right pane's text on each row (the tree's column differs from row to row).
    let pane: Vec<String> = s
        .lines()
        .map(|r| r.split('│').nth(3).unwrap_or("").to_string())
        .collect();
    let first = pane
        .iter()
        .position(|r| r.contains("1. The update must be"))
        .unwrap_or_else(|| panic!("the hint:\n{s}"));
    let number_at = pane[first].find("1. The").expect("number");
    let next = &pane[first + 1];
    assert_eq!(
        next.find(|c| c != ' '),
        Some(number_at + 3),
        "the second row starts under the text, not the number:\n{s}"
    );
}
