//! After a reset the status bar says where the learner's version went, with the backup
//! folder's own name whole at 80 columns, for every lab of the curriculum.

use super::{fixture, open, screen};
use sflab::curriculum::Curriculum;
use sflab::tui::lab::{reset_notice, LabEvent};
use sflab::tui::theme::Theme;
use sflab::tui::{update, App, Event};
use std::path::Path;
use std::sync::Arc;

#[test]
fn after_a_reset_the_backup_folders_name_is_whole_at_80_columns() {
    let labs = Curriculum::embedded().expect("curriculum").labs;
    assert!(!labs.is_empty());
    for lab in labs {
        let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
        open(&mut a, "rest-first-call");
        let folder = format!("{}.backup-20261130-230409", lab.id);
        let backup = Path::new("/home/learner/projects/sflab-workspace").join(&folder);
        update(&mut a, Event::Lab(LabEvent::Notice(reset_notice(&backup))));
        let s = screen(&a);
        let status = s.lines().last().unwrap_or_default();
        assert!(status.contains(&format!("…/{folder}")), "{status}");
        assert!(status.contains("reset"), "{status}");
    }
}

#[test]
fn a_reset_keeps_the_earned_result_in_view_marked_as_from_before_the_reset() {
    use super::{finished, key};
    use crossterm::event::KeyCode;
    use sflab::rules::Verdict;
    use sflab::tui::lab::LabCommand;
    use sflab::tui::Command;
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-upsert-twice");
    update(
        &mut a,
        Event::Lab(finished(vec![Verdict::pass("oauth.grant_used", 1, "ok")])),
    );
    update(
        &mut a,
        Event::Lab(LabEvent::Hints {
            lab: "rest-upsert-twice".into(),
            hints: vec!["Read the brief.".into()],
            revealed: false,
        }),
    );
    update(&mut a, key(KeyCode::Char('X')));
    let asked = a.flash.as_ref().map(|f| f.0.clone()).unwrap_or_default();
    assert!(
        asked.contains("backup") && asked.contains("result, hints and progress stay"),
        "the question says what a reset does and does not touch: {asked}"
    );
    assert_eq!(
        update(&mut a, key(KeyCode::Char('y'))),
        Some(Command::Lab(LabCommand::Reset {
            lab: "rest-upsert-twice".into()
        }))
    );
    let s = screen(&a);
    // As a restart shows it (the progress store keeps the result and the hints shown).
    assert!(s.contains("✓ passed 1/1 (files reset since)"), "{s}");
    assert!(!s.contains("not run yet"), "{s}");
    let view = a.lab_view().expect("the lab");
    assert_eq!(view.hints.len(), 1, "the hints shown stay shown");
    // The next run is judged on the files as they are now, and says nothing of a reset.
    update(&mut a, key(KeyCode::Char('r')));
    update(
        &mut a,
        Event::Lab(LabEvent::Run {
            lab: "rest-upsert-twice".into(),
            update: sflab::tui::lab::RunUpdate::Prepared {
                proxy_url: "https://127.0.0.1:1".into(),
            },
        }),
    );
    assert!(!a.lab_view().is_some_and(|v| v.files_reset));
}
