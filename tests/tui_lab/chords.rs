//! Letters typed with Ctrl or Alt are not the letter: Ctrl-R does not run the checks, Ctrl-Q
//! does not quit. Ctrl-L draws the whole screen again; in the `/` prompt Ctrl-U clears and
//! Ctrl-W deletes a word.

use super::{app, key, open};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::{Backend, TestBackend};
use ratatui::buffer::Cell;
use ratatui::Terminal;
use sflab::tui::{run, update, Command, Event, Focus};

fn chord(c: char, modifiers: KeyModifiers) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), modifiers))
}

#[test]
fn letters_with_ctrl_or_alt_do_not_act_as_the_letter() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    for modifiers in [KeyModifiers::CONTROL, KeyModifiers::ALT] {
        for c in ['r', 'e', 'w', 'q', 'X', 'b', 'H', 'S'] {
            assert_eq!(
                update(&mut a, chord(c, modifiers)),
                None,
                "{modifiers:?}-{c}"
            );
        }
    }
    let view = a.lab_view().expect("the lab");
    assert!(!view.running() && !view.watch && !view.confirm_reset);
    assert!(matches!(
        update(&mut a, key(KeyCode::Char('r'))),
        Some(Command::Lab(_))
    ));
    assert_eq!(
        update(&mut a, chord('c', KeyModifiers::CONTROL)),
        Some(Command::Quit)
    );
}

#[test]
fn the_search_prompt_clears_with_ctrl_u_and_deletes_a_word_with_ctrl_w() {
    let mut a = app();
    a.open_lesson(0);
    a.focus = Focus::Right;
    update(&mut a, key(KeyCode::Char('/')));
    for c in "rest api".chars() {
        update(&mut a, key(KeyCode::Char(c)));
    }
    update(&mut a, chord('w', KeyModifiers::CONTROL));
    assert_eq!(a.search_input.as_deref(), Some("rest "));
    update(&mut a, chord('a', KeyModifiers::CONTROL));
    update(&mut a, chord('h', KeyModifiers::CONTROL));
    assert_eq!(a.search_input.as_deref(), Some("rest"), "^H is Backspace");
    update(&mut a, chord('u', KeyModifiers::CONTROL));
    assert_eq!(a.search_input.as_deref(), Some(""));
}

#[test]
fn ctrl_l_draws_the_whole_screen_again() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    let mut t = Terminal::new(TestBackend::new(a.size.0, a.size.1)).expect("terminal");
    run(&mut t, &mut a, [], |_| {}).expect("drawn");
    let drawn = t.backend().buffer().clone();
    // Something else wrote over the screen (a program that reached the terminal).
    let mut stray = Cell::default();
    stray.set_symbol("#");
    let over: Vec<(u16, u16, &Cell)> = (0..20).map(|x| (x, 0, &stray)).collect();
    t.backend_mut()
        .draw(over.into_iter())
        .expect("written over");
    assert_ne!(t.backend().buffer(), &drawn);
    run(&mut t, &mut a, [chord('l', KeyModifiers::CONTROL)], |_| {}).expect("drawn again");
    assert_eq!(t.backend().buffer(), &drawn, "the title bar is back");
}
