//! What shows over a lab's tab (an exchange, the solution, the whole output) closes with q,
//! as the help does; q quits only once nothing is over the tab.

use super::{app, finished, key, lab_event, open, screen};
use crossterm::event::KeyCode;
use sflab::rules::Verdict;
use sflab::tui::lab::{LabEvent, LabTab};
use sflab::tui::{update, Command, Focus};

#[test]
fn q_closes_an_exchange_opened_on_traffic_and_then_quits() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    lab_event(&mut a, finished(vec![Verdict::pass("a", 1, "ok")]));
    update(&mut a, key(KeyCode::Char('3')));
    update(&mut a, key(KeyCode::Enter));
    assert!(a.lab_view().is_some_and(|v| v.detail.is_some()));
    let bar = screen(&a).lines().last().unwrap_or_default().to_string();
    assert!(
        bar.contains("Esc/q close"),
        "the hint says q closes it: {bar}"
    );
    assert_eq!(update(&mut a, key(KeyCode::Char('q'))), None, "not a quit");
    assert!(a.lab_view().is_some_and(|v| v.detail.is_none()));
    assert_eq!(update(&mut a, key(KeyCode::Char('q'))), Some(Command::Quit));
}

#[test]
fn q_closes_the_solution_shown_while_the_tree_has_the_focus() {
    let mut a = app();
    open(&mut a, "rest-first-call");
    a.focus = Focus::Tree;
    lab_event(
        &mut a,
        LabEvent::Text {
            lab: "rest-first-call".into(),
            title: "solution".into(),
            text: "curl …".into(),
        },
    );
    let bar = screen(&a).lines().last().unwrap_or_default().to_string();
    assert!(bar.contains("q close detail"), "{bar}");
    assert_eq!(update(&mut a, key(KeyCode::Char('q'))), None);
    assert!(a.lab_view().is_some_and(|v| v.detail.is_none()));
    let bar = screen(&a).lines().last().unwrap_or_default().to_string();
    assert!(bar.contains("q quit"), "{bar}");
}

#[test]
fn q_on_a_rules_evidence_goes_back_to_results_and_then_quits() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    lab_event(
        &mut a,
        finished(vec![
            Verdict::fail("state.idempotent", 3, "created twice").with_evidence([2])
        ]),
    );
    update(&mut a, key(KeyCode::Char('2')));
    update(&mut a, key(KeyCode::Enter));
    assert!(screen(&a).contains("The evidence for state.idempotent"));
    assert_eq!(update(&mut a, key(KeyCode::Char('q'))), None, "not a quit");
    assert!(a.lab_view().is_some_and(|v| v.tab == LabTab::Results));
    assert!(!screen(&a).contains("The evidence for state.idempotent"));
    assert_eq!(update(&mut a, key(KeyCode::Char('q'))), Some(Command::Quit));
}

#[test]
fn esc_on_a_rules_evidence_goes_back_to_results_and_a_lists_every_exchange() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    lab_event(
        &mut a,
        finished(vec![
            Verdict::fail("state.idempotent", 3, "created twice").with_evidence([2])
        ]),
    );
    update(&mut a, key(KeyCode::Char('2')));
    update(&mut a, key(KeyCode::Enter));
    let s = screen(&a);
    assert!(s.contains("a lists every exchange · Esc back"), "{s}");
    assert!(s.contains("Esc back to Results"), "{s}");
    update(&mut a, key(KeyCode::Esc));
    let v = a.lab_view().expect("the lab stays open");
    assert_eq!(v.tab, LabTab::Results, "back where the evidence was opened");
    assert!(v.traffic_filter.is_none());
    assert_eq!(a.focus, Focus::Right, "not back to the tree");

    // `a` lists every exchange, staying on Traffic; Esc then leaves the tab as before.
    update(&mut a, key(KeyCode::Enter));
    update(&mut a, key(KeyCode::Char('a')));
    let v = a.lab_view().expect("the lab stays open");
    assert_eq!(v.tab, LabTab::Traffic);
    assert!(v.traffic_filter.is_none());
}
