//! A request written in a lab's Console, and the reply it got, are still there after a look
//! at another lab or a lesson.

use super::{fixture, key, open, screen};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sflab::tui::lab::{ConsoleReply, LabEvent, LabTab};
use sflab::tui::theme::Theme;
use sflab::tui::{update, App, Event};
use std::sync::Arc;

#[test]
fn a_console_request_survives_a_visit_to_another_lab() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('5')));
    update(&mut a, key(KeyCode::Enter));
    update(
        &mut a,
        Event::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    for c in "/services/data/v62.0/limits".chars() {
        update(&mut a, key(KeyCode::Char(c)));
    }
    update(&mut a, key(KeyCode::Esc));

    open(&mut a, "rest-first-call");
    let other = a.lab_view().expect("the other lab");
    assert!(
        other.console.path.contains("query"),
        "another lab's console starts from the default query"
    );
    a.open_lesson(0);
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('5')));
    let view = a.lab_view().expect("the first lab again");
    assert_eq!(view.tab, LabTab::Console);
    assert_eq!(view.console.path, "/services/data/v62.0/limits");
    assert!(
        screen(&a).contains("/services/data/v62.0/limits"),
        "{}",
        screen(&a)
    );
}

#[test]
fn a_console_reply_is_kept_and_a_request_still_on_its_way_can_be_sent_again() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('5')));
    update(&mut a, key(KeyCode::Char('s')));
    update(
        &mut a,
        Event::Lab(LabEvent::Console {
            lab: "rest-upsert-twice".into(),
            reply: ConsoleReply {
                method: "GET".into(),
                path: "/services/data/v62.0/query".into(),
                status: Some(200),
                headers: Vec::new(),
                body: "{}".into(),
                ms: 3,
            },
        }),
    );
    update(&mut a, key(KeyCode::Char('s')));
    assert!(a.lab_view().is_some_and(|v| v.console.waiting));
    open(&mut a, "rest-first-call");
    open(&mut a, "rest-upsert-twice");
    let console = &a.lab_view().expect("lab").console;
    assert!(console.reply.is_some(), "the last reply is kept");
    assert!(
        !console.waiting,
        "the answer to a request sent before leaving goes nowhere: it can be sent again"
    );
}

#[test]
fn a_wrapped_console_reply_line_goes_on_under_its_indentation() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('5')));
    update(&mut a, key(KeyCode::Char('s')));
    let url = "/services/data/v62.0/sobjects/Account/0015g0000000001AAA";
    let body = format!("{{\n  \"attributes\": {{\n        \"url\": \"{url}\"\n  }}\n}}");
    update(
        &mut a,
        Event::Lab(LabEvent::Console {
            lab: "rest-upsert-twice".into(),
            reply: ConsoleReply {
                method: "GET".into(),
                path: "/services/data/v62.0/sobjects/Account/0015g0000000001AAA".into(),
                status: Some(200),
                headers: Vec::new(),
                body,
                ms: 3,
            },
        }),
    );
    let s = screen(&a);
    let rows: Vec<&str> = s.lines().collect();
    let first = rows
        .iter()
        .position(|r| r.contains(r#""url": "/services"#))
        .unwrap_or_else(|| panic!("the url line:\n{s}"));
    let next = rows[first + 1];
    let indent = rows[first].find(r#""url""#).expect("url");
    assert_eq!(
        next.find('┆'),
        Some(indent),
        "the continuation starts under the line's text:\n{s}"
    );
    assert!(next.contains(r#"Account/0015g0000000001AAA""#), "{s}");
}

#[test]
fn a_query_typed_with_spaces_is_sent_percent_encoded_and_the_reply_shows_it_whole() {
    use sflab::tui::lab::LabCommand;
    use sflab::tui::Command;
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-first-call");
    update(&mut a, key(KeyCode::Char('5')));
    update(&mut a, key(KeyCode::Enter));
    update(
        &mut a,
        Event::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    for c in "/services/data/v62.0/query?q=SELECT Id, Name FROM Account LIMIT 1".chars() {
        update(&mut a, key(KeyCode::Char(c)));
    }
    let encoded = "/services/data/v62.0/query?q=SELECT%20Id,%20Name%20FROM%20Account%20LIMIT%201";
    assert_eq!(
        update(&mut a, key(KeyCode::Enter)),
        Some(Command::Lab(LabCommand::Console {
            lab: "rest-first-call".into(),
            method: "GET".into(),
            path: encoded.into(),
            body: String::new(),
        }))
    );
    update(
        &mut a,
        Event::Lab(LabEvent::Console {
            lab: "rest-first-call".into(),
            reply: ConsoleReply {
                method: "GET".into(),
                path: encoded.into(),
                status: Some(200),
                headers: vec![],
                body: "{}".into(),
                ms: 1,
            },
        }),
    );
    // The pane's rows, joined without their spaces: the path wraps but reads whole.
    let s = screen(&a);
    let pane: String = s
        .lines()
        .flat_map(|r| r.split('│').nth(3).unwrap_or("").chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(pane.contains(&format!("GET{encoded}→200")), "{s}");
}
