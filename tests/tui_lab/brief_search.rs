//! n and N on a lab's brief step through every match and go round at the ends, saying so,
//! as they do in a lesson (one keymap).

use super::{key, open, screen};
use crossterm::event::KeyCode;
use sflab::tui::theme::Theme;
use sflab::tui::{update, App};
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
        .map(|v| sflab::tui::lab::keys::brief_occurrences(&v.limits.brief_lines.borrow(), "sf_"))
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
