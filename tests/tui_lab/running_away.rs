//! A lab left while its checks run: the run goes on, its view hears how it goes, and opening
//! the lab again shows it running (one run at a time) — then, once it is over, its results
//! and the records it left.

use super::{app, driver_on_the_embedded_curriculum, finished, key, lab_event, screen};
use crossterm::event::KeyCode;
use sflab::evidence::OrgSnapshot;
use sflab::rules::Verdict;
use sflab::tui::lab::{LabCommand, LabEvent, OrgSource, RunUpdate};
use sflab::tui::tree::{rows, Row};
use sflab::tui::{update, App, Command, Event, Focus};

/// Selects lab `lab`'s row in the tree and presses ⏎ there, as the tester did (Esc, j/k, ⏎).
fn enter_lab_from_the_tree(a: &mut App, lab: &str) -> Option<Command> {
    update(a, key(KeyCode::Esc));
    assert_eq!(a.focus, Focus::Tree);
    let all = rows(&a.curriculum, &a.tree.folded);
    a.tree.selected = all
        .iter()
        .position(|r| matches!(r, Row::Lab { lab: l, .. } if l == lab))
        .expect("the lab is in the tree");
    update(a, key(KeyCode::Enter))
}

fn run_update(lab: &str, update: RunUpdate) -> LabEvent {
    LabEvent::Run {
        lab: lab.into(),
        update,
    }
}

fn records(n: usize) -> OrgSnapshot {
    let mut snapshot = OrgSnapshot::default();
    let rows = (0..n)
        .map(|i| serde_json::json!({ "Id": format!("001{i:015}"), "Name": format!("Acct {i}") }))
        .collect();
    snapshot.objects.insert("Account".into(), rows);
    snapshot
}

/// rest-crud's run ending with its one check passed.
fn crud_passed() -> LabEvent {
    let mut done = finished(vec![Verdict::pass("http.order", 3, "four calls")]);
    if let LabEvent::Finished { lab, .. } = &mut done {
        *lab = "rest-crud".into();
    }
    done
}

#[test]
fn reopening_a_lab_while_its_checks_run_shows_them_running_and_refuses_a_second_run() {
    let mut a = app();
    a.tree.folded.clear();
    assert!(enter_lab_from_the_tree(&mut a, "rest-crud").is_some());
    assert_eq!(
        update(&mut a, key(KeyCode::Char('r'))),
        Some(Command::Lab(LabCommand::Run {
            lab: "rest-crud".into()
        }))
    );
    lab_event(
        &mut a,
        run_update("rest-crud", RunUpdate::RunStarted { index: 0, of: 1 }),
    );
    assert!(screen(&a).contains("● running 1/1"));
    // Another lab, while rest-crud's checks go on.
    let other = enter_lab_from_the_tree(&mut a, "rest-first-call");
    assert!(matches!(other, Some(Command::Lab(LabCommand::Open { .. }))));
    // What rest-crud's run does meanwhile reaches its view, not the one on screen.
    let call = super::exchange(1, 0, "POST", "/services/data/v62.0/sobjects/Account", 201);
    lab_event(
        &mut a,
        run_update("rest-crud", RunUpdate::Exchange(Box::new(call))),
    );
    assert!(a.lab_view().is_some_and(|v| v.exchanges.is_empty()));
    // Back: running, with the call made while away, and no second run.
    let back = enter_lab_from_the_tree(&mut a, "rest-crud");
    assert_eq!(
        back, None,
        "the lab's view hears from its run: nothing to start"
    );
    let s = screen(&a);
    assert!(
        s.contains("● running 1/1 · 1 call "),
        "one call, not one calls: {s}"
    );
    assert!(!s.contains("failed"), "{s}");
    assert_eq!(update(&mut a, key(KeyCode::Char('r'))), None);
    let said = a.flash.as_ref().map(|f| f.0.clone()).unwrap_or_default();
    assert_eq!(said, "the checks are already running");
    // ⏎ on its tree row again does not disturb the run either.
    assert_eq!(enter_lab_from_the_tree(&mut a, "rest-crud"), None);
    // The run ends on screen as any run does.
    lab_event(&mut a, crud_passed());
    assert!(screen(&a).contains("✓ passed 3/3"));
}

#[test]
fn a_run_that_ends_while_its_lab_is_away_shows_its_records_when_the_lab_opens_again() {
    let mut a = app();
    a.tree.folded.clear();
    enter_lab_from_the_tree(&mut a, "rest-crud");
    update(&mut a, key(KeyCode::Char('r')));
    lab_event(
        &mut a,
        run_update("rest-crud", RunUpdate::RunStarted { index: 0, of: 1 }),
    );
    enter_lab_from_the_tree(&mut a, "rest-first-call");
    lab_event(
        &mut a,
        LabEvent::Org {
            lab: "rest-crud".into(),
            snapshot: records(2),
            source: OrgSource::AfterRun,
        },
    );
    lab_event(&mut a, crud_passed());
    assert!(
        a.running_away.is_empty(),
        "the run is over: nothing left running away"
    );
    // Opening it again asks for its stored attempt, and its Org tab keeps the run's records.
    let back = enter_lab_from_the_tree(&mut a, "rest-crud");
    assert!(
        matches!(back, Some(Command::Lab(LabCommand::Open { .. }))),
        "{back:?}"
    );
    update(&mut a, key(KeyCode::Char('4')));
    let s = screen(&a);
    assert!(s.contains("Records as your last run left them"), "{s}");
    assert!(s.contains("Account (2)"), "{s}");
}

#[test]
fn after_a_restart_the_org_tab_says_the_last_runs_records_are_not_kept() {
    let mut a = app();
    super::open(&mut a, "rest-crud");
    let mut stored = finished(vec![Verdict::fail("http.order", 3, "only two calls")]);
    if let LabEvent::Finished { lab, .. } = &mut stored {
        *lab = "rest-crud".into();
    }
    let LabEvent::Finished {
        lab,
        outcome,
        exchanges,
        runs,
    } = stored
    else {
        unreachable!()
    };
    lab_event(
        &mut a,
        LabEvent::LastAttempt {
            lab,
            outcome,
            exchanges,
            runs,
        },
    );
    lab_event(
        &mut a,
        LabEvent::Org {
            lab: "rest-crud".into(),
            snapshot: records(1),
            source: OrgSource::Console,
        },
    );
    update(&mut a, key(KeyCode::Char('4')));
    let s = screen(&a);
    assert!(s.contains("in the console's copy of the lab's org"), "{s}");
    assert!(s.contains("not kept across restarts"), "{s}");
    // Once a run's org has been shown, the console's copy is just that.
    lab_event(
        &mut a,
        LabEvent::Org {
            lab: "rest-crud".into(),
            snapshot: records(3),
            source: OrgSource::AfterRun,
        },
    );
    lab_event(
        &mut a,
        LabEvent::Org {
            lab: "rest-crud".into(),
            snapshot: records(4),
            source: OrgSource::Console,
        },
    );
    assert!(!screen(&a).contains("not kept"));
}

#[test]
fn the_driver_starts_one_run_of_a_lab_at_a_time() {
    let (_dir, ws, mut driver, rx) = driver_on_the_embedded_curriculum();
    let lab = "rest-crud".to_string();
    driver.handle(Command::Lab(LabCommand::Open { lab: lab.clone() }));
    super::collect(&rx, |e| matches!(e, Event::Lab(LabEvent::Org { .. })));
    std::fs::write(
        ws.lab_dir(&lab).join("run"),
        "#!/bin/sh\necho waiting; sleep 3\n",
    )
    .expect("write run");
    driver.handle(Command::Lab(LabCommand::Run { lab: lab.clone() }));
    super::collect(&rx, |e| {
        matches!(
            e,
            Event::Lab(LabEvent::Run {
                update: RunUpdate::RunStarted { .. },
                ..
            })
        )
    });
    driver.handle(Command::Lab(LabCommand::Run { lab: lab.clone() }));
    // Opening it again while it runs sends no records of the console's over the run's.
    driver.handle(Command::Lab(LabCommand::Open { lab: lab.clone() }));
    let rest = super::collect(&rx, |e| matches!(e, Event::Lab(LabEvent::Finished { .. })));
    let refused = rest.iter().any(|e| {
        matches!(e, Event::Lab(LabEvent::Notice(n)) if n.contains("rest-crud are already running"))
    });
    assert!(refused, "{rest:#?}");
    let started = rest
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::Lab(LabEvent::Run {
                    update: RunUpdate::Prepared { .. },
                    ..
                })
            )
        })
        .count();
    assert_eq!(started, 0, "no second run was prepared: {rest:#?}");
    let console_org = rest.iter().any(|e| {
        matches!(
            e,
            Event::Lab(LabEvent::Org {
                source: OrgSource::Console,
                ..
            })
        )
    });
    assert!(!console_org, "{rest:#?}");
    let finished = rest
        .iter()
        .filter(|e| matches!(e, Event::Lab(LabEvent::Finished { .. })))
        .count();
    assert_eq!(finished, 1, "{rest:#?}");
}

#[test]
fn records_that_arrive_after_their_lab_was_left_show_when_it_opens_again() {
    let mut a = app();
    a.tree.folded.clear();
    enter_lab_from_the_tree(&mut a, "rest-crud");
    // Left before the driver's answer to the opening came (keys typed ahead).
    enter_lab_from_the_tree(&mut a, "rest-first-call");
    lab_event(
        &mut a,
        LabEvent::Org {
            lab: "rest-crud".into(),
            snapshot: records(2),
            source: OrgSource::Console,
        },
    );
    enter_lab_from_the_tree(&mut a, "rest-crud");
    update(&mut a, key(KeyCode::Char('4')));
    let s = screen(&a);
    assert!(s.contains("Account (2)"), "{s}");
}

/// A stored attempt of rest-crud, as the driver sends it when the lab opens.
fn last_attempt() -> LabEvent {
    match crud_passed() {
        LabEvent::Finished {
            outcome,
            exchanges,
            runs,
            ..
        } => LabEvent::LastAttempt {
            lab: "rest-crud".into(),
            outcome,
            exchanges,
            runs,
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_save_the_watch_saw_while_its_lab_was_away_runs_the_checks_when_it_opens_again() {
    let mut a = app();
    a.tree.folded.clear();
    enter_lab_from_the_tree(&mut a, "rest-crud");
    assert_eq!(
        update(&mut a, key(KeyCode::Char('w'))),
        Some(Command::Lab(LabCommand::Watch {
            lab: "rest-crud".into(),
            on: true
        }))
    );
    enter_lab_from_the_tree(&mut a, "rest-first-call");
    // The learner saves rest-crud's run from another window: the watch asks for a run.
    let saved = LabEvent::Changed {
        lab: "rest-crud".into(),
    };
    assert_eq!(
        lab_event(&mut a, saved),
        None,
        "not on screen: owed, not run"
    );
    let back = enter_lab_from_the_tree(&mut a, "rest-crud");
    assert!(matches!(back, Some(Command::Lab(LabCommand::Open { .. }))));
    // Once the lab has shown its stored attempt, the owed run starts, once.
    assert_eq!(
        lab_event(&mut a, last_attempt()),
        Some(Command::Lab(LabCommand::Run {
            lab: "rest-crud".into()
        }))
    );
    assert!(a.lab_view().is_some_and(|v| v.running()));
    assert!(a.saved_away.is_empty());
}

#[test]
fn a_save_held_through_a_run_left_behind_runs_again_when_the_lab_is_back() {
    let mut a = app();
    a.tree.folded.clear();
    enter_lab_from_the_tree(&mut a, "rest-crud");
    update(&mut a, key(KeyCode::Char('w')));
    update(&mut a, key(KeyCode::Char('r')));
    lab_event(
        &mut a,
        run_update("rest-crud", RunUpdate::RunStarted { index: 0, of: 1 }),
    );
    enter_lab_from_the_tree(&mut a, "rest-first-call");
    // The save made during the run is released when it ends: the watch asks again.
    lab_event(&mut a, crud_passed());
    lab_event(
        &mut a,
        LabEvent::Changed {
            lab: "rest-crud".into(),
        },
    );
    enter_lab_from_the_tree(&mut a, "rest-crud");
    assert_eq!(
        lab_event(&mut a, last_attempt()),
        Some(Command::Lab(LabCommand::Run {
            lab: "rest-crud".into()
        }))
    );
}

#[test]
fn a_save_reported_while_the_open_lab_still_shows_a_run_runs_once_that_run_is_over() {
    let mut a = app();
    a.tree.folded.clear();
    enter_lab_from_the_tree(&mut a, "rest-crud");
    update(&mut a, key(KeyCode::Char('w')));
    update(&mut a, key(KeyCode::Char('r')));
    let saved = LabEvent::Changed {
        lab: "rest-crud".into(),
    };
    assert_eq!(lab_event(&mut a, saved), None, "one run at a time");
    assert_eq!(
        lab_event(&mut a, crud_passed()),
        Some(Command::Lab(LabCommand::Run {
            lab: "rest-crud".into()
        })),
        "the save is not lost: it runs once the run it came during is over"
    );
}
