//! The Traffic tab names the process that sent each request, read from the recorded
//! exchange as `sflab transcript` and the HAR export read it: a pid column in the list when
//! the pane has room, and the sender with its parents in the exchange's detail.

use super::{app, key, lab_event, open, screen, traffic};
use crossterm::event::KeyCode;
use sflab::evidence::Exchange;
use sflab::rules::Verdict;
use sflab::tui::lab::{LabEvent, Outcome};
use sflab::tui::update;

/// The fixture's three calls, the 503 from one start of the client and its retry from
/// another (a test that ran the failed client again), the token call from the first.
fn sent() -> Vec<Exchange> {
    let mut calls = traffic();
    let chains: [&[u32]; 3] = [&[4242, 4240], &[4242, 4240], &[4318, 4240]];
    for (e, chain) in calls.iter_mut().zip(chains) {
        e.client_processes = chain.to_vec();
    }
    calls
}

fn finished_with(exchanges: Vec<Exchange>) -> LabEvent {
    LabEvent::Finished {
        lab: "rest-upsert-twice".into(),
        outcome: Ok(Outcome {
            verdicts: vec![Verdict::pass("a", 1, "ok")],
            passed: true,
            points: 1,
            max_points: 1,
            duration_ms: 40,
        }),
        exchanges,
        runs: Vec::new(),
    }
}

#[test]
fn traffic_lists_the_process_that_sent_each_request_and_the_detail_names_its_parents() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    lab_event(&mut a, finished_with(sent()));
    update(&mut a, key(KeyCode::Char('3')));
    let s = screen(&a);
    let row = |n: &str| {
        s.lines()
            .find(|l| l.contains(&format!("││   {n} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(s.contains(" pid method "), "{s}");
    assert!(row("2").contains(" 4242 PATCH "), "{s}");
    assert!(row("3").contains(" 4318 PATCH "), "{s}");
    insta::assert_snapshot!(s);

    // The retry, the last call.
    update(&mut a, key(KeyCode::End));
    update(&mut a, key(KeyCode::Enter));
    let s = screen(&a);
    assert!(
        s.contains("sent by process 4318 (its parents: 4240)"),
        "the retry's sender, as sflab transcript words it: {s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn traffic_without_a_known_sender_keeps_its_columns_and_says_nothing_of_one() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    lab_event(&mut a, finished_with(traffic()));
    update(&mut a, key(KeyCode::Char('3')));
    let s = screen(&a);
    assert!(!s.contains(" pid "), "{s}");
    update(&mut a, key(KeyCode::Enter));
    assert!(!screen(&a).contains("sent by process"));
}
