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
