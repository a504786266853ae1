//! n and N on a lab's brief step through every match and go round at the ends, saying so,
//! as they do in a lesson (one keymap); `/` reads a paragraph the brief wrapped as one line.

use super::{key, open, screen};
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use sflab::tui::theme::Theme;
use sflab::tui::{update, view, App};
use std::sync::Arc;

fn status(a: &App) -> String {
    a.flash.as_ref().map(|f| f.0.clone()).unwrap_or_default()
}

#[test]
fn n_on_the_brief_counts_every_match_to_the_last_and_wraps_to_the_first() {
    let mut a = App::new(Arc::new(super::fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-first-call");
    let _ = screen(&a);
    for c in "/sf_".chars() {
        update(&mut a, key(KeyCode::Char(c)));
        let _ = screen(&a);
    }
    update(&mut a, key(KeyCode::Enter));
    let _ = screen(&a);
    let total = a
        .lab_view()
        .map(|v| v.limits.brief_lines.borrow().occurrences("sf_"))
        .map_or(0, |rows| rows.len());
    assert!(
        total >= 4,
        "the fixture's brief names several SF_ variables"
    );
    let mut said = Vec::new();
    for _ in 0..total {
        update(&mut a, key(KeyCode::Char('n')));
        let _ = screen(&a);
        said.push(status(&a));
    }
    // From the first match, n counts 2/N … N/N, then goes round to 1/N and says so.
    for (i, s) in said.iter().take(total - 1).enumerate() {
        assert_eq!(*s, format!("\"sf_\" {}/{total}", i + 2), "{said:#?}");
    }
    assert_eq!(
        said[total - 1],
        format!("\"sf_\" 1/{total} · wrapped to the first match")
    );
    update(&mut a, key(KeyCode::Char('N')));
    assert_eq!(
        status(&a),
        format!("\"sf_\" {total}/{total} · wrapped to the last match")
    );
}

const LONG_HINT: &str = "The run must end with exit status 0. `set -euo pipefail` at the top makes a failing curl stop the script, so a non-zero status points at the first command that failed; `curl -f` turns an HTTP error into a failing command.";

/// The fixture's first lab open on its Brief at `width` columns, with a long hint shown.
fn brief_at(width: u16) -> App {
    let mut a = App::new(Arc::new(super::fixture()), Theme::colored(), width, 50);
    open(&mut a, "rest-first-call");
    super::lab_event(
        &mut a,
        sflab::tui::lab::LabEvent::Hints {
            lab: "rest-first-call".into(),
            hints: vec![LONG_HINT.into()],
            revealed: false,
        },
    );
    let _ = screen(&a);
    a
}

fn search(a: &mut App, query: &str) -> String {
    for c in format!("/{query}").chars() {
        update(a, key(KeyCode::Char(c)));
        let _ = screen(a);
    }
    update(a, key(KeyCode::Enter));
    screen(a)
}

#[test]
fn slash_on_the_brief_finds_a_phrase_its_wrap_broke_and_counts_alike_at_every_width() {
    // At 120 columns the goal wraps after "a SOQL query and", the hint inside its sentences.
    let mut a = brief_at(120);
    let s = search(&mut a, "query and prints");
    assert!(s.contains("1 match for \"query and prints\""), "{s}");
    let hint_rows: Vec<&str> = s.lines().filter(|l| l.contains("curl")).collect();
    assert!(hint_rows.len() >= 2, "the hint wraps: {s}");
    for query in [
        "query and prints",
        "makes a failing curl stop the script",
        "points at the first command that failed",
        "curl -f turns an http error",
    ] {
        let counts: Vec<usize> = [80u16, 100, 120, 140]
            .into_iter()
            .map(|width| {
                let a = brief_at(width);
                let text = a
                    .lab_view()
                    .map(|v| v.limits.brief_lines.borrow().count(query));
                text.unwrap_or(0)
            })
            .collect();
        assert_eq!(
            counts,
            [1, 1, 1, 1],
            "\"{query}\" at 80, 100, 120, 140 columns"
        );
    }
    // The brief moves to the row the phrase starts on, and marks both of its pieces.
    let mut a = brief_at(80);
    let s = search(&mut a, "makes a failing curl stop the script");
    assert!(s.contains("1 match for \"makes a failing curl"), "{s}");
    insta::assert_snapshot!(s);
    let mut t = Terminal::new(TestBackend::new(80, 50)).expect("terminal");
    t.draw(|f| view::draw(&a, f)).expect("draw");
    let buf = t.backend().buffer().clone();
    let marked: String = buf
        .content()
        .iter()
        .filter(|c| c.bg == ratatui::style::Color::LightRed)
        .map(|c| c.symbol())
        .collect();
    assert_eq!(
        marked.replace(' ', ""),
        "makesafailingcurlstopthescript",
        "every piece of the match is marked as the current one"
    );
}

#[test]
fn slash_on_a_labs_traffic_says_it_finds_a_lesson_or_lab_in_the_tree() {
    let mut a = App::new(Arc::new(super::fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-first-call");
    let _ = screen(&a);
    update(&mut a, key(KeyCode::Char('3')));
    update(&mut a, key(KeyCode::Char('/')));
    update(&mut a, key(KeyCode::Char('q')));
    let s = screen(&a);
    let last = s.lines().last().unwrap_or_default();
    assert!(last.contains("find a lesson or lab: /q"), "{s}");
    // On the Brief, `/` finds text in the brief: no such prompt.
    update(&mut a, key(KeyCode::Esc));
    update(&mut a, key(KeyCode::Char('1')));
    update(&mut a, key(KeyCode::Char('/')));
    let s = screen(&a);
    assert!(!s.contains("find a lesson or lab"), "{s}");
}
