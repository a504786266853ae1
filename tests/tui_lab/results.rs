//! The Results tab scrolls: the pane follows the selected rule, and PgUp/PgDn/space page
//! through everything below it, the run's output included.

use super::{finished, fixture, key, lab_event, open, screen};
use crossterm::event::KeyCode;
use sflab::evidence::{CapturedOutput, InterleavedOutput, LearnerRun, OutputLine, OutputStream};
use sflab::rules::Verdict;
use sflab::tui::lab::{LabEvent, RunUpdate};
use sflab::tui::theme::Theme;
use sflab::tui::{update, App, Event};
use std::sync::Arc;

const LONG: &str = "run 2 created a second Account where the first run had made one: an upsert \
    by external ID must find the record the first run created and update it, so the org looks \
    the same after any number of runs. Look for the PATCH on ERP_Id__c in Traffic and check \
    that its key is the same on both runs — END OF THE MESSAGE";

/// Eight rules, the last one failing with a long message, and a run that printed to stdout.
fn long_attempt() -> LabEvent {
    let mut verdicts: Vec<Verdict> = (1..=7)
        .map(|i| Verdict::pass(&format!("http.rule_{i}"), 1, "fine"))
        .collect();
    verdicts.push(Verdict::fail("state.idempotent", 3, LONG));
    let mut event = finished(verdicts);
    if let LabEvent::Finished { runs, .. } = &mut event {
        runs.push(LearnerRun {
            index: 0,
            exit_code: Some(0),
            stdout: CapturedOutput {
                text: "created 001\nupdated 001\nTHE RUN'S LAST LINE\n".into(),
                truncated: false,
                ..CapturedOutput::default()
            },
            ..LearnerRun::default()
        });
    }
    event
}

fn results_at_80x24() -> App {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('2')));
    update(&mut a, Event::Lab(long_attempt()));
    a
}

#[test]
fn the_selected_rules_whole_message_is_in_view() {
    let mut a = results_at_80x24();
    let s = screen(&a);
    assert!(
        s.contains("END OF THE MESSAGE"),
        "the failing rule is selected: {s}"
    );
    update(&mut a, key(KeyCode::Char('g')));
    let s = screen(&a);
    assert!(
        s.contains("Failed · 7/10 points"),
        "g goes back to the top: {s}"
    );
    update(&mut a, key(KeyCode::Char('G')));
    let s = screen(&a);
    assert!(
        s.contains("END OF THE MESSAGE"),
        "G shows the last rule whole: {s}"
    );
    assert!(s.contains("✗ state.idempotent"), "{s}");
}

#[test]
fn paging_reaches_the_runs_output_and_comes_back() {
    let mut a = results_at_80x24();
    screen(&a);
    for _ in 0..4 {
        update(&mut a, key(KeyCode::Char(' ')));
        screen(&a);
    }
    let s = screen(&a);
    assert!(s.contains("stdout THE RUN'S LAST LINE"), "{s}");
    assert!(s.contains("space page"), "the status bar says how: {s}");
    insta::assert_snapshot!(s);
    for _ in 0..4 {
        update(&mut a, key(KeyCode::PageUp));
        screen(&a);
    }
    assert!(screen(&a).contains("Failed · 7/10 points"));
}

/// Cells that hold a control character: any such cell would drive the terminal.
fn control_cells(a: &App) -> usize {
    use ratatui::backend::TestBackend;
    let mut t = ratatui::Terminal::new(TestBackend::new(a.size.0, a.size.1)).expect("terminal");
    t.draw(|f| sflab::tui::view::draw(a, f)).expect("draw");
    let buffer = t.backend().buffer();
    buffer
        .content()
        .iter()
        .filter(|c| c.symbol().contains(char::is_control))
        .count()
}

#[test]
fn run_output_shows_escape_sequences_instead_of_obeying_them() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('2')));
    let mut event = finished(vec![Verdict::fail(
        "state.idempotent",
        3,
        "the run printed \x1b]0;retitled\x07 here",
    )]);
    if let LabEvent::Finished { runs, .. } = &mut event {
        runs.push(LearnerRun {
            index: 0,
            exit_code: Some(0),
            stdout: CapturedOutput {
                text: "before\x1b[2Jafter \x1b[31mred\tx\n".into(),
                truncated: false,
                ..CapturedOutput::default()
            },
            ..LearnerRun::default()
        });
    }
    update(&mut a, Event::Lab(event));
    update(&mut a, key(KeyCode::Char('G')));
    let s = screen(&a);
    assert!(
        s.contains("stdout before␛[2Jafter ␛[31mred        x"),
        "{s}"
    );
    assert!(s.contains("the run printed ␛]0;retitled␇ here"), "{s}");
    assert_eq!(
        control_cells(&a),
        0,
        "no control character reaches the terminal"
    );
}

#[test]
fn the_evidence_header_keeps_the_way_back_in_view_at_80_columns() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('2')));
    let failing = Verdict::fail("rest.upsert_by_external_id", 3, "a POST created it");
    update(
        &mut a,
        Event::Lab(finished(vec![failing.with_evidence([2, 3])])),
    );
    update(&mut a, key(KeyCode::Enter));
    let s = screen(&a);
    assert!(
        s.contains("Evidence for rest.upsert_by_external_id · Esc back"),
        "{s}"
    );
    let bar = s.lines().last().unwrap_or_default();
    assert!(bar.contains("a every exchange"), "{bar}");
}

/// The Results tab, scrolled to its end, after a run that printed 20 lines (with `left_out`
/// bytes of it dropped when that is not 0).
fn results_of_twenty_output_lines(left_out: u64) -> App {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('2')));
    let mut event = finished(vec![Verdict::pass("http.rule_1", 1, "fine")]);
    let text: String = (1..=20).map(|i| format!("out line {i}\n")).collect();
    if let LabEvent::Finished { runs, .. } = &mut event {
        runs.push(LearnerRun {
            index: 0,
            exit_code: Some(0),
            stdout: CapturedOutput {
                text,
                truncated: left_out > 0,
                left_out,
                ..CapturedOutput::default()
            },
            ..LearnerRun::default()
        });
    }
    update(&mut a, Event::Lab(event));
    update(&mut a, key(KeyCode::Char('G')));
    a
}

#[test]
fn results_say_how_many_output_lines_are_left_out_and_o_shows_them_all() {
    let mut a = results_of_twenty_output_lines(0);
    let s = screen(&a);
    assert!(s.contains("stdout … 14 earlier lines: o shows all"), "{s}");
    assert!(s.contains("stdout out line 20"), "{s}");
    update(&mut a, key(KeyCode::Char('o')));
    let s = screen(&a);
    assert!(s.contains("./run #1 output"), "{s}");
    assert!(
        s.contains("out line 1\n") || s.contains("out line 1 "),
        "{s}"
    );
}

#[test]
fn results_of_a_run_whose_output_was_shortened_say_o_shows_what_was_kept() {
    let a = results_of_twenty_output_lines(1_710_371);
    let s = screen(&a);
    assert!(
        s.contains("stdout … 14 earlier lines: o shows what sflab kept"),
        "{s}"
    );
    assert!(!s.contains("o shows all"), "{s}");
}

#[test]
fn traffic_of_a_lab_where_the_org_calls_the_learners_service_says_those_calls_are_not_listed() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 120, 36);
    open(&mut a, "rest-upsert-twice");
    if let Some(Ok(spec)) = a.lab_view_mut().map(|v| &mut v.spec) {
        spec.actions.service_port = Some(18741);
    }
    let mut event = finished(vec![Verdict::pass("org.action_ok", 1, "fine")]);
    if let LabEvent::Finished {
        runs, exchanges, ..
    } = &mut event
    {
        exchanges.clear();
        runs.push(LearnerRun::default());
    }
    update(&mut a, Event::Lab(event));
    update(&mut a, key(KeyCode::Char('3')));
    let s = screen(&a);
    assert!(s.contains("The org's calls to your service are not"), "{s}");
    assert!(
        s.contains("listed here: Results quotes what your service"),
        "{s}"
    );
    assert!(!s.contains("Check that your code sends its calls"), "{s}");
}

#[test]
fn points_line_up_under_the_longest_rule_name() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('2')));
    let event = finished(vec![
        Verdict::pass("process.failed_records_reported", 1, "fine"),
        Verdict::pass("process.exit_ok", 1, "fine"),
    ]);
    update(&mut a, Event::Lab(event));
    update(&mut a, key(KeyCode::Char('j')));
    let s = screen(&a);
    let column = |rule: &str| {
        let row = s.lines().find(|l| l.contains(rule)).unwrap_or_default();
        row.find(" 1/1").map(|at| row[..at].chars().count())
    };
    let long = column("process.failed_records_reported");
    assert!(long.is_some(), "{s}");
    assert_eq!(long, column("process.exit_ok "), "{s}");
}

#[test]
fn the_briefs_environment_values_start_in_one_column_after_the_longest_name() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 120, 60);
    open(&mut a, "rest-upsert-twice");
    if let Some(Ok(spec)) = a.lab_view_mut().map(|v| &mut v.spec) {
        spec.run
            .env
            .insert("SF_LEGACY_CLIENT_ID_VALUE".into(), "legacy-id".into());
    }
    let s = screen(&a);
    let column = |name: &str, value: &str| {
        let row = s.lines().find(|l| l.contains(name)).unwrap_or_default();
        let start = row.find(name)?;
        row.find(value).map(|at| row[start..at].chars().count())
    };
    let long = column("SF_LEGACY_CLIENT_ID_VALUE", "legacy-id");
    assert_eq!(long, Some("SF_LEGACY_CLIENT_ID_VALUE".len() + 2), "{s}");
    assert_eq!(long, column("SF_INSTANCE_URL", "https://"), "{s}");
}

#[test]
fn a_rules_keys_too_long_for_one_row_go_on_under_the_message_not_at_the_panes_edge() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('2')));
    let event =
        finished(vec![Verdict::fail("state.idempotent", 3, "Not the same.")
            .with_evidence((100..=148).step_by(2))]);
    update(&mut a, Event::Lab(event));
    let s = screen(&a);
    let col = |row: &str, what: &str| row.find(what).map(|at| row[..at].chars().count());
    let rows: Vec<&str> = s.lines().collect();
    let first = rows
        .iter()
        .position(|r| r.contains("⏎ evidence #100"))
        .unwrap_or_else(|| panic!("{s}"));
    let under = col(rows[first], "⏎");
    let next = rows[first + 1];
    assert!(next.contains("#1"), "the keys go on: {s}");
    assert_eq!(col(next, "#1"), under, "under the first key: {s}");
}

#[test]
fn results_show_a_runs_stdout_and_stderr_lines_in_the_order_written() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('2')));
    let mut event = finished(vec![Verdict::pass("http.rule_1", 1, "fine")]);
    let line = |stream, text: &str| OutputLine {
        stream,
        text: text.into(),
        at: None,
    };
    if let LabEvent::Finished { runs, .. } = &mut event {
        runs.push(LearnerRun {
            index: 0,
            exit_code: Some(1),
            stdout: CapturedOutput {
                text: "fetching accounts\nfetched 0\n".into(),
                ..CapturedOutput::default()
            },
            stderr: CapturedOutput {
                text: "warning: slow answer\nerror: no Account found\n".into(),
                ..CapturedOutput::default()
            },
            output: InterleavedOutput {
                head: vec![
                    line(OutputStream::Stdout, "fetching accounts"),
                    line(OutputStream::Stderr, "warning: slow answer"),
                    line(OutputStream::Stdout, "fetched 0"),
                    line(OutputStream::Stderr, "error: no Account found"),
                ],
                ..InterleavedOutput::default()
            },
            ..LearnerRun::default()
        });
    }
    update(&mut a, Event::Lab(event));
    update(&mut a, key(KeyCode::Char('G')));
    let s = screen(&a);
    let at = |text: &str| s.find(text).unwrap_or_else(|| panic!("{text} not in {s}"));
    assert!(at("stdout fetching accounts") < at("stderr warning: slow answer"));
    assert!(at("stderr warning: slow answer") < at("stdout fetched 0"));
    assert!(at("stdout fetched 0") < at("stderr error: no Account found"));
}

/// A lab that runs the program twice: the first run printed the token, the second its lines.
fn two_runs() -> LabEvent {
    let mut event = finished(vec![Verdict::pass("http.rule_1", 1, "fine")]);
    let run = |index: usize, text: &str| LearnerRun {
        index,
        exit_code: Some(0),
        stdout: CapturedOutput {
            text: text.into(),
            ..CapturedOutput::default()
        },
        ..LearnerRun::default()
    };
    if let LabEvent::Finished { runs, .. } = &mut event {
        runs.push(run(0, "token 9284\ncreated 0015g000000EF7VAAW\n"));
        runs.push(run(1, "token 20735\nline 1\nline 2\n"));
    }
    event
}

#[test]
fn results_show_the_end_of_every_run_and_o_shows_each_run_under_its_header() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('2')));
    update(&mut a, Event::Lab(two_runs()));
    update(&mut a, key(KeyCode::Char('G')));
    let s = screen(&a);
    assert!(s.contains("── ./run #1: exit 0"), "{s}");
    assert!(s.contains("stdout created 0015g000000EF7VAAW"), "{s}");
    assert!(s.contains("── ./run #2: exit 0"), "{s}");
    assert!(s.contains("stdout line 2"), "{s}");
    update(&mut a, key(KeyCode::Char('o')));
    let s = screen(&a);
    assert!(s.contains("./run #1–#2 output"), "{s}");
    let first = s.find("══ ./run #1: exit 0").expect(&s);
    let second = s.find("══ ./run #2: exit 0").expect(&s);
    let token = s.find("token 9284").expect(&s);
    assert!(
        first < token && token < second,
        "run 1's output under its header: {s}"
    );
    assert!(s.contains("token 20735"), "{s}");
}

#[test]
fn a_run_that_could_not_start_keeps_the_lines_of_its_message() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('2')));
    let message = sflab::tui::lab::run_error_text(&sflab::runner::RunError::Backend(
        "seed.yaml line 4: the record refers to `acme`, which no record names:\n  - give \
         one record `ref: acme` (or remove the reference)\nFix the seed and check again."
            .into(),
    ));
    update(
        &mut a,
        Event::Lab(LabEvent::Finished {
            lab: "rest-upsert-twice".into(),
            outcome: Err(message),
            exchanges: Vec::new(),
            runs: Vec::new(),
        }),
    );
    let s = screen(&a);
    assert!(!s.contains("reference)Fix"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn the_whole_output_open_shows_the_run_that_just_finished() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('2')));
    update(&mut a, Event::Lab(two_runs()));
    update(&mut a, key(KeyCode::Char('o')));
    assert!(screen(&a).contains("token 9284"));
    let mut again = finished(vec![Verdict::pass("http.rule_1", 1, "fine")]);
    if let LabEvent::Finished { runs, .. } = &mut again {
        runs.push(LearnerRun {
            index: 0,
            exit_code: Some(0),
            stdout: CapturedOutput {
                text: "token 555\nTHE NEW RUN\n".into(),
                ..CapturedOutput::default()
            },
            ..LearnerRun::default()
        });
    }
    update(&mut a, Event::Lab(again));
    let s = screen(&a);
    assert!(
        s.contains("THE NEW RUN") && !s.contains("token 9284"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn while_a_new_run_goes_the_last_verdict_is_labelled_as_the_previous_attempt() {
    let mut a = results_at_80x24();
    update(&mut a, key(KeyCode::Char('r')));
    let run = |update| {
        Event::Lab(LabEvent::Run {
            lab: "rest-upsert-twice".into(),
            update,
        })
    };
    update(
        &mut a,
        run(RunUpdate::Prepared {
            proxy_url: "https://127.0.0.1:41234".into(),
        }),
    );
    update(&mut a, run(RunUpdate::RunStarted { index: 0, of: 1 }));
    update(&mut a, key(KeyCode::Char('g')));
    let s = screen(&a);
    assert!(
        s.contains("● Checks running; below is the previous attempt.")
            && s.contains("Previous attempt: ✗ Failed · 7/10"),
        "the old verdict is labelled as the previous attempt:\n{s}"
    );
    insta::assert_snapshot!(s);
    assert_eq!(
        glyph_colours(&a),
        vec![ratatui::style::Color::DarkGray],
        "the previous attempt's rules are dimmed too:\n{s}"
    );
    let new_run = LearnerRun {
        index: 0,
        exit_code: Some(0),
        stdout: CapturedOutput {
            text: "THE NEW RUN'S LINE\n".into(),
            ..CapturedOutput::default()
        },
        ..LearnerRun::default()
    };
    update(&mut a, run(RunUpdate::RunFinished(Box::new(new_run))));
    for _ in 0..4 {
        screen(&a);
        update(&mut a, key(KeyCode::Char(' ')));
    }
    let s = screen(&a);
    assert!(
        s.contains("This attempt's runs so far:") && s.contains("THE NEW RUN'S LINE"),
        "the new run's output is said to be this attempt's:\n{s}"
    );
    assert!(
        s.contains("● Checks running; below is the previous attempt."),
        "the label stays however far the verdicts scroll:\n{s}"
    );
    update(&mut a, Event::Lab(long_attempt()));
    update(&mut a, key(KeyCode::Char('g')));
    let s = screen(&a);
    assert!(
        s.contains("✗ Failed · 7/10") && !s.contains("Previous attempt") && !s.contains("running"),
        "the new verdict stands unlabelled:\n{s}"
    );
    let colours = glyph_colours(&a);
    assert!(
        !colours.is_empty() && !colours.contains(&ratatui::style::Color::DarkGray),
        "the new verdict's rules are in their colours:\n{s}"
    );
}

/// The colours the rule rows' pass and fail glyphs (✓ ✗ at the start of a row) are drawn in.
fn glyph_colours(app: &App) -> Vec<ratatui::style::Color> {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(app.size.0, app.size.1))
        .expect("terminal");
    t.draw(|f| sflab::tui::view::draw(app, f)).expect("draw");
    let buffer = t.backend().buffer();
    let mut colours: Vec<ratatui::style::Color> = Vec::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width.saturating_sub(1) {
            let (cell, next) = (&buffer[(x, y)], &buffer[(x + 1, y)]);
            let row_start =
                x == 0 || buffer[(x - 1, y)].symbol() == " " || buffer[(x - 1, y)].symbol() == "│";
            if row_start && ["✓", "✗"].contains(&cell.symbol()) && next.symbol() == " " {
                // Only rule rows: a glyph followed by a rule name such as `http.order`.
                let rest: String = (x + 2..buffer.area.width.min(x + 8))
                    .map(|c| buffer[(c, y)].symbol().to_string())
                    .collect();
                if rest.contains('.') && !colours.contains(&cell.fg) {
                    colours.push(cell.fg);
                }
            }
        }
    }
    colours
}

#[test]
fn a_run_that_could_not_start_labels_the_traffic_left_as_the_previous_attempts() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 100, 30);
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('r')));
    lab_event(
        &mut a,
        finished(vec![Verdict::pass("http.rule_1", 1, "fine")]),
    );
    update(&mut a, key(KeyCode::Char('3')));
    assert!(!screen(&a).contains("Previous attempt"));

    // The folder went away: the next run ends before its org and proxy were ready.
    update(&mut a, key(KeyCode::Char('r')));
    lab_event(
        &mut a,
        LabEvent::Finished {
            lab: "rest-upsert-twice".into(),
            outcome: Err("the lab's folder /ws/rest-upsert-twice is gone".into()),
            exchanges: Vec::new(),
            runs: Vec::new(),
        },
    );
    update(&mut a, key(KeyCode::Char('3')));
    let s = screen(&a);
    assert!(
        s.contains("Previous attempt's exchanges: the last attempt could not start"),
        "{s}"
    );
    assert!(
        s.contains("PATCH"),
        "the earlier exchanges stay listed: {s}"
    );

    // A run that starts lists its own exchanges, unlabelled.
    update(&mut a, key(KeyCode::Char('r')));
    lab_event(
        &mut a,
        LabEvent::Run {
            lab: "rest-upsert-twice".into(),
            update: RunUpdate::Prepared {
                proxy_url: "https://127.0.0.1:41234".into(),
            },
        },
    );
    assert!(!screen(&a).contains("Previous attempt"), "{}", screen(&a));
}
