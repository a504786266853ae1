//! The lab view's state changes: news from the driver and keys.

use super::keys::{on_action, on_pane, on_typing, KeyOutcome};
use super::*;
use crate::evidence::{RecordedRequest, RecordedResponse};
use crate::rules::Verdict;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const YAML: &str = "id: demo\ntitle: Demo\nlevel: L1\nlesson: L1-basics/rest\n\
                    goal: Do it.\nchecks:\n  - { rule: process.exit_ok, points: 1 }\n\
                    hints:\n  - { rule: process.exit_ok, text: Exit 0. }\n";

fn view() -> LabView {
    let v = LabView::new("demo", "labs/demo", YAML);
    assert!(v.spec.is_ok(), "{:?}", v.spec);
    v
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn ch(c: char) -> KeyEvent {
    key(KeyCode::Char(c))
}

fn exchange(seq: u64, status: u16) -> Exchange {
    let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
    Exchange {
        seq,
        run_index: 0,
        started_at: at,
        finished_at: at,
        request: RecordedRequest {
            method: "GET".into(),
            url: "https://127.0.0.1:1/x".into(),
            path: "/x".into(),
            ..Default::default()
        },
        response: Some(RecordedResponse {
            status,
            ..Default::default()
        }),
        fault: None,
        error: None,
        client_processes: Vec::new(),
    }
}

fn finished(verdicts: Vec<Verdict>) -> LabEvent {
    LabEvent::Finished {
        lab: "demo".into(),
        outcome: Ok(Outcome {
            passed: !verdicts.iter().any(Verdict::failed),
            points: 0,
            max_points: 0,
            duration_ms: 5,
            verdicts,
        }),
        exchanges: vec![exchange(1, 200), exchange(2, 503), exchange(3, 201)],
        runs: Vec::new(),
    }
}

#[test]
fn a_finished_run_selects_the_first_failure_and_shows_results() {
    let mut v = view();
    v.run = RunState::Preparing;
    v.apply(finished(vec![
        Verdict::pass("a.ok", 1, "fine"),
        Verdict::fail("b.bad", 2, "no").with_evidence([2, 3]),
    ]));
    assert_eq!(v.run, RunState::Idle);
    assert_eq!(v.tab, LabTab::Results);
    assert_eq!(v.results_sel, 1);
    assert_eq!(v.failing_rule().as_deref(), Some("b.bad"));
    assert_eq!(v.exchanges.len(), 3);
}

#[test]
fn a_stored_attempt_shown_on_open_leaves_the_brief_in_front() {
    let mut v = view();
    v.apply(finished(vec![Verdict::fail("b.bad", 2, "no")]));
    assert_eq!(v.tab, LabTab::Brief);
    assert!(v.outcome.is_some());
}

#[test]
fn enter_on_a_verdict_lists_only_its_evidence_in_traffic() {
    let mut v = view();
    v.apply(finished(vec![
        Verdict::fail("b.bad", 2, "no").with_evidence([2, 3])
    ]));
    v.tab = LabTab::Results;
    assert_eq!(
        on_pane(&mut v, key(KeyCode::Enter), 10),
        KeyOutcome::Handled
    );
    assert_eq!(v.tab, LabTab::Traffic);
    let seqs: Vec<u64> = v.listed_exchanges().iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![2, 3]);
    on_pane(&mut v, key(KeyCode::Enter), 10);
    assert_eq!(v.detail, Some(Detail::Exchange(2)));
    on_pane(&mut v, key(KeyCode::Esc), 10);
    assert_eq!(v.detail, None);
    on_pane(&mut v, key(KeyCode::Esc), 10);
    assert_eq!(v.listed_exchanges().len(), 3, "Esc drops the filter");
}

#[test]
fn d_opens_the_diff_only_when_the_verdict_has_one() {
    let mut v = view();
    v.apply(finished(vec![Verdict::fail("state.idempotent", 3, "two")]));
    v.tab = LabTab::Results;
    assert!(matches!(on_pane(&mut v, ch('d'), 10), KeyOutcome::Say(_)));
    assert_eq!(v.detail, None);
    v.apply(finished(vec![
        Verdict::fail("state.idempotent", 3, "two").with_diff("-a\n+b".into())
    ]));
    on_pane(&mut v, ch('d'), 10);
    assert_eq!(v.detail, Some(Detail::Diff(0)));
}

#[test]
fn exchanges_stream_in_and_the_selection_follows_the_newest() {
    let mut v = view();
    let run = |u| LabEvent::Run {
        lab: "demo".into(),
        update: u,
    };
    v.apply(run(RunUpdate::Prepared {
        proxy_url: "https://127.0.0.1:9".into(),
    }));
    v.apply(run(RunUpdate::RunStarted { index: 0, of: 2 }));
    assert_eq!(v.run, RunState::Running { index: 0, of: 2 });
    for seq in 1..=3 {
        v.apply(run(RunUpdate::Exchange(Box::new(exchange(seq, 200)))));
    }
    assert_eq!(v.traffic_sel, 2);
    assert_eq!(
        v.environment()
            .iter()
            .find(|(k, _)| k == "SF_INSTANCE_URL")
            .map(|(_, u)| u.as_str()),
        Some("https://127.0.0.1:9")
    );
}

#[test]
fn the_environment_offers_the_proxy_port_only_while_its_run_goes_on() {
    let mut v = view();
    let instance_url = |v: &LabView| {
        v.environment()
            .into_iter()
            .find(|(k, _)| k == "SF_INSTANCE_URL")
            .map(|(_, u)| u)
    };
    v.apply(LabEvent::Run {
        lab: "demo".into(),
        update: RunUpdate::Prepared {
            proxy_url: "https://127.0.0.1:45223".into(),
        },
    });
    assert_eq!(instance_url(&v).as_deref(), Some("https://127.0.0.1:45223"));
    v.apply(finished(vec![Verdict::pass("process.exit_ok", 1, "fine")]));
    assert_eq!(
        instance_url(&v).as_deref(),
        Some("https://127.0.0.1:‹port chosen at each run›"),
        "the proxy closed with the run"
    );
}

#[test]
fn r_starts_one_run_and_not_a_second_while_it_runs() {
    let mut v = view();
    assert_eq!(
        on_action(&mut v, ch('r')),
        KeyOutcome::Command(LabCommand::Run { lab: "demo".into() })
    );
    assert!(matches!(on_action(&mut v, ch('r')), KeyOutcome::Say(_)));
}

#[test]
fn a_saved_file_in_watch_mode_starts_a_run_unless_one_is_running() {
    let mut v = view();
    let changed = || LabEvent::Changed { lab: "demo".into() };
    assert_eq!(v.apply(changed()), None, "watch is off");
    on_action(&mut v, ch('w'));
    assert!(v.watch);
    assert_eq!(
        v.apply(changed()),
        Some(LabCommand::Run { lab: "demo".into() })
    );
    assert_eq!(v.apply(changed()), None, "already running");
}

#[test]
fn reset_asks_first_and_any_other_key_cancels() {
    let mut v = view();
    assert!(matches!(on_action(&mut v, ch('X')), KeyOutcome::Say(_)));
    assert!(matches!(on_action(&mut v, ch('n')), KeyOutcome::Say(_)));
    assert!(!v.confirm_reset);
    on_action(&mut v, ch('X'));
    assert_eq!(
        on_action(&mut v, ch('y')),
        KeyOutcome::Command(LabCommand::Reset { lab: "demo".into() })
    );
}

#[test]
fn reset_is_refused_while_the_checks_run() {
    let mut v = view();
    on_action(&mut v, ch('r'));
    let KeyOutcome::Say(why) = on_action(&mut v, ch('X')) else {
        panic!("X while running must say why it does nothing");
    };
    assert!(why.contains("running"), "{why}");
    assert!(!v.confirm_reset, "no question asked");
    assert!(matches!(on_action(&mut v, ch('y')), KeyOutcome::Ignored));
}

#[test]
fn a_reset_confirmed_after_a_run_started_is_refused() {
    let mut v = view();
    on_action(&mut v, ch('w'));
    on_action(&mut v, ch('X'));
    assert!(v.confirm_reset);
    // Watch mode starts a run between the question and the answer.
    assert!(v.apply(LabEvent::Changed { lab: "demo".into() }).is_some());
    assert!(matches!(on_action(&mut v, ch('y')), KeyOutcome::Say(_)));
}

#[test]
fn the_hint_key_names_the_failing_rule() {
    let mut v = view();
    v.apply(finished(vec![Verdict::fail(
        "process.exit_ok",
        1,
        "exit 1",
    )]));
    assert_eq!(
        on_action(&mut v, ch('H')),
        KeyOutcome::Command(LabCommand::Hint {
            lab: "demo".into(),
            failing: Some("process.exit_ok".into())
        })
    );
}

#[test]
fn the_hint_key_asks_for_the_selected_failing_rule() {
    let mut v = view();
    v.apply(finished(vec![
        Verdict::fail("a.first", 1, "no"),
        Verdict::pass("b.ok", 1, "fine"),
        Verdict::fail("c.second", 2, "no"),
    ]));
    on_pane(&mut v, ch('2'), 10);
    on_pane(&mut v, ch('G'), 10);
    assert_eq!(v.results_sel, 2);
    assert_eq!(
        on_action(&mut v, ch('H')),
        KeyOutcome::Command(LabCommand::Hint {
            lab: "demo".into(),
            failing: Some("c.second".into())
        })
    );
    on_pane(&mut v, ch('k'), 10);
    assert_eq!(
        v.failing_rule().as_deref(),
        Some("a.first"),
        "a passed rule selected: the first failure"
    );
}

#[test]
fn console_left_steps_the_method_back_and_g_jumps_the_reply() {
    let mut v = view();
    on_pane(&mut v, ch('5'), 10);
    while v.console.field != ConsoleField::Method {
        on_pane(&mut v, key(KeyCode::Up), 10);
    }
    let first = v.console.method();
    assert_eq!(
        on_pane(&mut v, key(KeyCode::Right), 10),
        KeyOutcome::Handled
    );
    assert_ne!(v.console.method(), first);
    assert_eq!(on_pane(&mut v, key(KeyCode::Left), 10), KeyOutcome::Handled);
    assert_eq!(v.console.method(), first, "← undoes →");
    on_pane(&mut v, key(KeyCode::Left), 10);
    assert_ne!(v.console.method(), first, "and wraps round");
    v.limits.reply.set(40);
    assert_eq!(on_pane(&mut v, ch('G'), 10), KeyOutcome::Handled);
    assert_eq!(v.console.reply_scroll, 40);
    on_pane(&mut v, ch('g'), 10);
    assert_eq!(v.console.reply_scroll, 0);
    on_pane(&mut v, key(KeyCode::Down), 10);
    assert_eq!(
        on_pane(&mut v, key(KeyCode::Left), 10),
        KeyOutcome::Ignored,
        "off the method, ← leaves the pane"
    );
}

#[test]
fn console_typing_takes_every_key_and_enter_sends() {
    let mut v = view();
    on_pane(&mut v, ch('5'), 10);
    assert_eq!(v.tab, LabTab::Console);
    on_pane(&mut v, key(KeyCode::Up), 10);
    on_pane(&mut v, key(KeyCode::Enter), 10);
    assert_eq!(v.console.method(), "POST", "⏎ on the method cycles it");
    on_pane(&mut v, key(KeyCode::Down), 10);
    on_pane(&mut v, key(KeyCode::Enter), 10);
    assert!(v.console.typing);
    v.console.path.clear();
    for c in "/q?x".chars() {
        on_typing(&mut v, ch(c));
    }
    let sent = on_typing(&mut v, key(KeyCode::Enter));
    assert_eq!(
        sent,
        KeyOutcome::Command(LabCommand::Console {
            lab: "demo".into(),
            method: "POST".into(),
            path: "/q?x".into(),
            body: String::new(),
        })
    );
    assert!(v.console.waiting && !v.console.typing);
}

#[test]
fn traffic_s_asks_for_a_har_file_of_every_exchange() {
    let mut v = view();
    v.tab = LabTab::Traffic;
    assert!(matches!(on_pane(&mut v, ch('s'), 10), KeyOutcome::Say(_)));
    v.apply(finished(vec![Verdict::pass("a", 1, "ok")]));
    v.tab = LabTab::Traffic;
    match on_pane(&mut v, ch('s'), 10) {
        KeyOutcome::Command(LabCommand::WriteHar { exchanges, .. }) => {
            assert_eq!(exchanges.len(), 3)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn traffic_s_after_a_run_that_made_no_request_says_there_is_nothing_to_save() {
    let mut v = view();
    v.apply(LabEvent::Finished {
        lab: "demo".into(),
        outcome: Ok(Outcome {
            passed: true,
            points: 1,
            max_points: 1,
            duration_ms: 5,
            verdicts: vec![Verdict::pass("process.exit_ok", 1, "ok")],
        }),
        exchanges: vec![],
        runs: vec![LearnerRun::default()],
    });
    v.tab = LabTab::Traffic;
    assert!(v.ran_without_traffic());
    assert_eq!(
        on_pane(&mut v, ch('s'), 10),
        KeyOutcome::Say("nothing to save: this run made no request to the org".into())
    );
}

#[test]
fn a_lab_judged_from_its_files_needs_no_calls_and_one_judged_by_requests_does() {
    assert!(!view().checks_need_calls(), "process.exit_ok alone");
    let design = LabView::new(
        "d",
        "labs/d",
        "id: d\ntitle: D\nlevel: L0\nlesson: L0-x/y\ngoal: Choose.\nchecks:\n  - { rule: secrets.not_in_sources, points: 1 }\n",
    );
    assert!(design.spec.is_ok(), "{:?}", design.spec);
    assert!(!design.checks_need_calls());
    let calls = LabView::new(
        "c",
        "labs/c",
        "id: c\ntitle: C\nlevel: L1\nlesson: L1-x/y\ngoal: Call.\nchecks:\n  - { rule: http.request, method: GET, path: /x, points: 1 }\n",
    );
    assert!(calls.spec.is_ok(), "{:?}", calls.spec);
    assert!(calls.checks_need_calls());
}

#[test]
fn a_broken_lab_file_is_explained_and_cannot_run() {
    let mut v = LabView::new("x", "labs/x", "id: x\nchecks: 3\n");
    assert!(v.spec.is_err());
    assert!(matches!(on_action(&mut v, ch('r')), KeyOutcome::Say(_)));
}

#[test]
fn the_environment_masks_secrets() {
    let yaml = format!(
        "{YAML}org: {{ apps: [ {{ name: lab-client, flows: [client_credentials, refresh_token] }} ] }}\nrun: {{ app: lab-client, refresh_token: true }}\n"
    );
    let v = LabView::new("demo", "labs/demo", &yaml);
    let env = v.environment();
    for k in ["SF_CLIENT_SECRET", "SF_REFRESH_TOKEN", "SF_ACCESS_TOKEN"] {
        let value = env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(value, Some("••••••"), "{k}");
    }
}

#[test]
fn the_environment_lists_the_pub_sub_endpoint_and_org_id_every_run_receives() {
    let v = view();
    let env = v.environment();
    let value = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(
        value("SF_PUBSUB_ENDPOINT").as_deref(),
        Some("127.0.0.1:‹port chosen at each run›")
    );
    assert!(value("SF_ORG_ID").is_some(), "{env:?}");
}

#[test]
fn a_hint_just_asked_for_brings_the_brief_forward_at_its_end() {
    let mut v = view();
    v.tab = LabTab::Results;
    let hints = |revealed| LabEvent::Hints {
        lab: "demo".into(),
        hints: vec!["Look at the status.".into()],
        revealed,
    };
    v.apply(hints(false));
    assert_eq!(
        v.tab,
        LabTab::Results,
        "hints loaded on open leave the tab alone"
    );
    v.apply(hints(true));
    assert_eq!(v.tab, LabTab::Brief);
    // Drawn as the last screenful; one key up moves from there.
    v.limits.brief.set(12);
    on_pane(&mut v, ch('k'), 10);
    assert_eq!(v.brief_scroll, 11);
}

#[test]
fn scrolling_stops_at_the_limit_the_last_drawing_found_so_the_way_back_is_one_key() {
    let mut v = view();
    // Until drawn, the limit is unknown; a drawing of the brief then finds 12 rows to scroll.
    v.limits.brief.set(12);
    on_pane(&mut v, ch('G'), 10);
    assert_eq!(v.brief_scroll, 12);
    for _ in 0..30 {
        on_pane(&mut v, key(KeyCode::PageDown), 10);
    }
    assert_eq!(v.brief_scroll, 12, "no scrolling into blank space");
    on_pane(&mut v, ch('k'), 10);
    assert_eq!(v.brief_scroll, 11, "one key up moves the text");
    v.detail = Some(Detail::Text {
        title: "t".into(),
        text: "a\nb\nc".into(),
    });
    v.limits.detail.set(2);
    for _ in 0..5 {
        on_pane(&mut v, key(KeyCode::PageDown), 10);
    }
    assert_eq!(v.detail_scroll, 2);
    on_pane(&mut v, key(KeyCode::PageUp), 10);
    assert_eq!(v.detail_scroll, 0);
}

#[test]
fn scrolled_moves_within_zero_and_the_limit() {
    assert_eq!(scrolled(3, -10, 8), 0);
    assert_eq!(scrolled(3, 2, 8), 5);
    assert_eq!(scrolled(3, isize::MAX / 2, 8), 8);
    assert_eq!(scrolled(0, 1, usize::MAX), 1);
}

#[test]
fn following_shows_the_whole_span_moving_as_little_as_possible() {
    assert_eq!(follow(0, 2..5, 10), 0, "already in view");
    assert_eq!(follow(8, 2..5, 10), 2, "above: its start comes to the top");
    assert_eq!(
        follow(0, 12..15, 10),
        5,
        "below: its end comes to the bottom"
    );
    assert_eq!(follow(0, 12..30, 10), 12, "taller than the pane: its start");
}

#[test]
fn paging_the_results_leaves_the_selected_rule_and_moving_comes_back_to_it() {
    let mut v = LabView::new("demo", "labs/demo", YAML);
    v.outcome = Some(Outcome {
        verdicts: (0..3)
            .map(|i| Verdict::pass(&format!("r{i}"), 1, "ok"))
            .collect(),
        passed: true,
        points: 3,
        max_points: 3,
        duration_ms: 1,
    });
    v.tab = LabTab::Results;
    v.limits.results.set(20);
    on_pane(&mut v, key(KeyCode::PageDown), 8);
    assert_eq!((v.results_scroll, v.results_follow), (8, false));
    assert_eq!(v.results_sel, 0, "paging does not move the selection");
    v.limits.results_top.set(8);
    on_pane(&mut v, key(KeyCode::Char(' ')), 8);
    assert_eq!(v.results_scroll, 16, "space pages from where the pane is");
    v.limits.results_top.set(16);
    on_pane(&mut v, key(KeyCode::Char('j')), 8);
    assert_eq!((v.results_sel, v.results_follow), (1, true));
    assert_eq!(
        v.results_scroll, 16,
        "following starts from where the pane is"
    );
}

#[test]
fn results_page_by_the_rows_the_pane_showed_under_a_runs_line() {
    let mut v = view();
    v.tab = LabTab::Results;
    v.limits.results.set(40);
    // Drawn under the "checks running" line: 7 rows of verdicts where a page would be 8.
    v.limits.results_rows.set(7);
    on_pane(&mut v, key(KeyCode::PageDown), 8);
    assert_eq!(v.results_scroll, 7, "no row is skipped between pages");
    v.limits.results_top.set(7);
    on_pane(&mut v, key(KeyCode::PageUp), 8);
    assert_eq!(v.results_scroll, 0);
}

#[test]
fn a_stored_attempt_arriving_while_the_checks_run_does_not_end_the_run() {
    let mut v = view();
    assert!(matches!(on_action(&mut v, ch('r')), KeyOutcome::Command(_)));
    let LabEvent::Finished {
        lab,
        outcome,
        exchanges,
        runs,
    } = finished(vec![Verdict::fail("b.bad", 2, "old")])
    else {
        unreachable!()
    };
    v.apply(LabEvent::LastAttempt {
        lab,
        outcome,
        exchanges,
        runs,
    });
    assert!(v.running(), "still running: the run's own result is coming");
    assert!(v.outcome.is_none());
    assert!(
        matches!(on_action(&mut v, ch('r')), KeyOutcome::Say(s) if s.contains("already running"))
    );
}

#[test]
fn the_hint_key_skips_a_rule_not_awarded_only_because_nothing_ran() {
    use crate::rules::NOT_AWARDED;
    let mut v = view();
    v.apply(finished(vec![
        Verdict::fail(
            "http.calls_at_most",
            1,
            format!("{NOT_AWARDED}no request reached the org."),
        ),
        Verdict::fail(
            "rest.pagination_followed",
            3,
            "only the first page was read",
        ),
    ]));
    v.results_sel = 0;
    assert_eq!(
        on_action(&mut v, ch('H')),
        KeyOutcome::Command(LabCommand::Hint {
            lab: "demo".into(),
            failing: Some("rest.pagination_followed".into())
        }),
        "the cursor on the held-back rule: the hint goes to the one that really failed"
    );
    // As `sflab hint` orders them, with the rule asked about first when it is among them.
    let verdicts = &v.outcome.as_ref().unwrap().verdicts;
    assert_eq!(
        hint_order(Some("http.calls_at_most".into()), Some(verdicts)),
        crate::lab::hint_rules(verdicts)
    );
    assert_eq!(
        hint_order(Some("rest.pagination_followed".into()), Some(verdicts)),
        ["rest.pagination_followed"]
    );
    // With nothing but held-back rules, those are the ones hinted at.
    let only_held = [Verdict::fail(
        "secrets.not_in_output",
        1,
        format!("{NOT_AWARDED}no call was made."),
    )];
    assert_eq!(
        hint_order(None, Some(&only_held)),
        ["secrets.not_in_output"]
    );
}

#[test]
fn enter_and_d_on_results_that_never_ran_say_why_nothing_opens() {
    let mut v = view();
    v.tab = LabTab::Results;
    for k in [key(KeyCode::Enter), ch('d')] {
        let said = on_pane(&mut v, k, 10);
        assert!(
            matches!(&said, KeyOutcome::Say(s) if s.contains("r runs the checks")),
            "{said:?}"
        );
    }
    on_action(&mut v, ch('r'));
    assert!(matches!(on_pane(&mut v, ch('d'), 10), KeyOutcome::Say(s) if s.contains("running")));
}

#[test]
fn back_from_the_editor_the_status_says_what_runs_the_checks_now() {
    let mut v = view();
    assert_eq!(
        back_from_editor_notice(Some(&v), "nano", false),
        "back from the editor: r runs the checks"
    );
    on_action(&mut v, ch('w'));
    let watching = back_from_editor_notice(Some(&v), "nano", false);
    assert!(watching.contains("watch runs the checks"), "{watching}");
    assert!(!watching.contains("r runs"), "{watching}");
    assert!(v.apply(LabEvent::Changed { lab: "demo".into() }).is_some());
    let running = back_from_editor_notice(Some(&v), "nano", false);
    assert!(running.contains("watch is running the checks"), "{running}");
    // Without $VISUAL or $EDITOR the editor was vi: said, with how to choose another.
    let vi = back_from_editor_notice(None, "vi", true);
    assert!(vi.starts_with("back from vi"), "{vi}");
    assert!(
        vi.contains("$EDITOR is not set") && vi.contains("export EDITOR="),
        "{vi}"
    );
}

#[test]
fn a_save_in_the_watched_lab_runs_at_once_while_another_labs_run_goes() {
    use super::driver::LabDriver;
    use crate::tui::{Command, Event};
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = crate::workspace::Workspace::at(dir.path()).expect("workspace");
    let (tx, rx) = std::sync::mpsc::channel();
    let mut d = LabDriver::new(
        ws.clone(),
        Box::new(crate::curriculum::embedded()),
        std::sync::Arc::new(crate::curriculum::Curriculum::embedded().expect("curriculum")),
        tx,
        std::sync::Arc::new(crate::tui::input_pause::InputPause::default()),
    )
    .expect("driver");
    let lab = "rest-crud".to_string();
    d.handle(Command::Lab(LabCommand::Open { lab: lab.clone() }));
    d.handle(Command::Lab(LabCommand::Watch {
        lab: lab.clone(),
        on: true,
    }));
    // Another lab's checks are running (a slow run of retry-after).
    d.running.start("retry-after");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let run = ws.lab_dir(&lab).join("run");
    let mut text = std::fs::read_to_string(&run).expect("the starter run");
    text.push_str("\n# saved\n");
    std::fs::write(&run, text).expect("saved");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut seen = Vec::new();
    while std::time::Instant::now() < deadline {
        if let Ok(e) = rx.recv_timeout(std::time::Duration::from_millis(100)) {
            let done = matches!(&e, Event::Lab(LabEvent::Changed { lab: l }) if *l == lab);
            seen.push(e);
            if done {
                break;
            }
        }
    }
    assert!(
        seen.iter()
            .any(|e| matches!(e, Event::Lab(LabEvent::Changed { lab: l }) if *l == lab)),
        "the save runs the watched lab's checks now: {seen:#?}"
    );
    assert!(
        !seen.iter().any(
            |e| matches!(e, Event::Lab(LabEvent::Notice(n)) if n == super::saves::SAVED_DURING_RUN)
        ),
        "not held for another lab's run"
    );
    d.running.end("retry-after");
}
