//! Lab keys and lesson search around the labs: a lab key pressed in a lesson says how a lab
//! is opened in the words the tree shows, a lesson search finds a word a code line's wrap
//! split, and the help's legend says what ✓ and a level's count mean.

use super::key;
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;
use sflab::curriculum::Curriculum;
use sflab::tui::theme::Theme;
use sflab::tui::{update, view, App, Focus, LabStatus};
use std::sync::Arc;

fn press(app: &mut App, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        update(app, key(code));
    }
}

fn terminal(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).expect("test terminal");
    t.draw(|f| view::draw(app, f)).expect("draw");
    t
}

/// The classroom on the embedded curriculum at `width`×`height`, on the lesson titled `title`.
fn embedded_lesson(title: &str, width: u16, height: u16) -> App {
    let curriculum = Arc::new(Curriculum::embedded().expect("the embedded curriculum loads"));
    let index = curriculum
        .lessons
        .iter()
        .position(|l| l.title == title)
        .unwrap_or_else(|| panic!("a lesson titled {title}"));
    let mut a = App::new(curriculum, Theme::colored(), width, height);
    a.open_lesson(index);
    a.focus = Focus::Right;
    a
}

#[test]
fn lesson_search_finds_a_word_split_where_a_code_line_wraps() {
    let found = |width, height| {
        let mut a = embedded_lesson("REST API basics", width, height);
        press(&mut a, "/PATCH\n");
        let s = a.reader().and_then(|r| r.search.clone()).expect("a search");
        (
            s.matches.len(),
            s.matches.iter().any(|m| !m.continued.is_empty()),
        )
    };
    let (narrow, split) = found(80, 24);
    let (wide, _) = found(120, 40);
    assert!(wide > 1, "the lesson speaks of PATCH: {wide}");
    assert_eq!(narrow, wide, "as many matches at 80 columns as at 120");
    assert!(
        split,
        "at 80 columns one of them is split by a code line's wrap"
    );
    // Stepping to it marks both of its pieces.
    let mut a = embedded_lesson("REST API basics", 80, 24);
    press(&mut a, "/PATCH\n");
    let split_at = a
        .reader()
        .and_then(|r| r.search.as_ref())
        .and_then(|s| s.matches.iter().position(|m| !m.continued.is_empty()))
        .expect("a split match");
    while a.reader().and_then(|r| r.search.as_ref()?.current) != Some(split_at) {
        press(&mut a, "n");
    }
    let t = terminal(&a);
    let current = t
        .backend()
        .buffer()
        .content()
        .iter()
        .filter(|c| c.bg == Color::LightRed)
        .count();
    assert_eq!(
        current,
        "PATCH".len(),
        "both pieces marked as the current match"
    );
}

#[test]
fn lab_keys_in_a_lesson_say_how_a_lab_is_opened_in_the_words_the_tree_shows() {
    let mut a = App::new(Arc::new(super::fixture()), Theme::colored(), 80, 24);
    for key in ["r", "H", "e", "1", "5"] {
        press(&mut a, key);
        let said = a.flash.as_ref().map(|f| f.0.clone()).unwrap_or_default();
        assert!(said.contains("\"lab:\" row in the tree"), "{key}: {said}");
        assert!(
            !said.contains('▸'),
            "{key}: the tree shows no ▸ on lab rows: {said}"
        );
    }
    let said = a.flash.as_ref().map(|f| f.0.clone()).unwrap_or_default();
    assert!(said.starts_with("5 picks a lab's tab"), "{said}");
}

#[test]
fn the_legend_says_a_check_mark_stays_after_a_later_failure_and_what_level_counts_count() {
    let mut a = App::new(Arc::new(super::fixture()), Theme::colored(), 80, 24);
    press(&mut a, "?");
    let s = super::screen(&a);
    for row in view::LEGEND {
        assert!(
            s.contains(row),
            "the whole legend row shows at 80×24: {row}\n{s}"
        );
    }
    let legend = view::LEGEND.join(" ");
    assert!(
        legend.contains("✓ passed, kept if a later run fails"),
        "{legend}"
    );
    assert!(legend.contains("2/9: 2 of its 9 lessons done"), "{legend}");
    // What it says of counts is what the tree counts: the lessons whose labs are all ✓.
    let curriculum = a.curriculum.clone();
    let lesson = curriculum
        .lessons
        .iter()
        .find(|l| curriculum.labs_of(l).count() > 0)
        .expect("a lesson with labs");
    let mut progress = sflab::tui::Progress::new();
    for lab in curriculum.labs_of(lesson) {
        progress.labs.insert(lab.id.clone(), LabStatus::Passed);
    }
    let (done, total) = sflab::tui::tree::level_count(&curriculum, lesson.level, &progress);
    assert_eq!(
        (done, total > 0),
        (1, true),
        "one lesson done: its labs are all ✓"
    );
}
