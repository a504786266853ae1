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
