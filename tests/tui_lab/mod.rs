//! The lab view on a `TestBackend` (Brief, Results passing and failing with evidence, live
//! Traffic with an injected fault, the detail pane), and the lab driver over a real
//! workspace: start, run, live org, console, progress.
//!
//! The screens use the small fixture curriculum in `tests/fixtures/tui-curriculum` (three
//! REST labs), so new lessons and labs do not change them; the driver test runs a real lab of
//! the embedded curriculum. Temp paths and ports are filtered out of the snapshots.

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use sflab::curriculum::Curriculum;
use sflab::evidence::{
    Body, Exchange, FaultFired, Header, LearnerRun, RecordedRequest, RecordedResponse,
};
use sflab::rules::Verdict;
use sflab::tui::lab::driver::LabDriver;
use sflab::tui::lab::{LabCommand, LabEvent, OrgSource, Outcome, RunUpdate};
use sflab::tui::theme::Theme;
use sflab::tui::{update, view, App, Command, Event, LabStatus};
use std::sync::Arc;

mod around_labs;
mod assigned;
mod backend;
mod brief_search;
mod chords;
mod console_draft;
mod hints;
mod org_labs;
mod org_records;
mod overlays;
mod place;
mod progress;
mod reset;
mod results;
mod running_away;
mod senders;
mod status;
mod wheel;
mod xml_bodies;

pub fn fixture() -> Curriculum {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tui-curriculum");
    Curriculum::from_dir(&dir).expect("the lab view's fixture curriculum loads")
}

fn app() -> App {
    let c = fixture();
    App::new(Arc::new(c), Theme::colored(), 120, 36)
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).expect("terminal");
    t.draw(|f| view::draw(app, f)).expect("draw");
    // A no-break space (which keeps a figure beside its unit) looks like any other.
    t.backend().to_string().replace('\u{a0}', " ")
}

/// Snapshots with temp folders and ports replaced by placeholders.
macro_rules! snap {
    ($value:expr) => {
        insta::with_settings!({filters => vec![
            (r"/tmp/[A-Za-z0-9_./-]*", "[TMP]"),
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        ]}, {
            insta::assert_snapshot!($value);
        });
    };
}

fn lab_event(app: &mut App, e: LabEvent) -> Option<Command> {
    update(app, Event::Lab(e))
}

fn open(app: &mut App, lab: &str) {
    app.open_lab(lab);
    app.focus = sflab::tui::Focus::Right;
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default() + Duration::milliseconds(ms)
}

fn exchange(seq: u64, start: i64, method: &str, path: &str, status: u16) -> Exchange {
    Exchange {
        seq,
        run_index: 0,
        started_at: at(start),
        finished_at: at(start + 2),
        request: RecordedRequest {
            method: method.into(),
            url: format!("https://127.0.0.1:41234{path}"),
            path: path.into(),
            query: None,
            headers: vec![
                Header::new("authorization", "Bearer ‹redacted:access_token#1a2b3c4d›"),
                Header::new("content-type", "application/json"),
            ],
            body: Body::text(if method == "PATCH" {
                r#"{"Name":"Falcon Corp"}"#
            } else {
                ""
            }),
            http_version: None,
        },
        response: Some(RecordedResponse {
            status,
            headers: vec![Header::new("content-type", "application/json")],
            body: Body::text(match status {
                503 => r#"[{"errorCode":"SERVER_UNAVAILABLE","message":"Try again later."}]"#,
                201 => r#"{"id":"001000000000001AAA","success":true,"errors":[],"created":true}"#,
                _ => r#"{"totalSize":0,"done":true,"records":[]}"#,
            }),
        }),
        fault: None,
        error: None,
        client_processes: Vec::new(),
    }
}

fn traffic() -> Vec<Exchange> {
    let path = "/services/data/v62.0/sobjects/Account/ERP_Id__c/A-1042";
    let mut faulted = exchange(2, 12, "PATCH", path, 503);
    faulted.fault = Some(FaultFired {
        index: 0,
        kind: "unavailable".into(),
        action: "answered 503 with Retry-After: 1".into(),
    });
    if let Some(r) = faulted.response.as_mut() {
        r.headers.push(Header::new("retry-after", "1"));
    }
    vec![
        exchange(1, 0, "POST", "/services/oauth2/token", 200),
        faulted,
        exchange(3, 1012, "PATCH", path, 201),
    ]
}

fn finished(verdicts: Vec<Verdict>) -> LabEvent {
    let passed = !verdicts.iter().any(Verdict::failed);
    let points = verdicts.iter().map(|v| v.points_awarded).sum();
    let max_points = verdicts.iter().map(|v| v.points_possible).sum();
    LabEvent::Finished {
        lab: "rest-upsert-twice".into(),
        outcome: Ok(Outcome {
            verdicts,
            passed,
            points,
            max_points,
            duration_ms: 840,
        }),
        exchanges: traffic(),
        runs: Vec::new(),
    }
}

#[test]
fn the_reset_question_shows_its_keys_at_80_columns() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-first-call");
    update(&mut a, key(KeyCode::Char('X')));
    let s = screen(&a);
    // The question goes on over the row above the bar; its keys come first, on that row.
    let rows: Vec<&str> = s.lines().collect();
    let first = rows[rows.len() - 2];
    assert!(
        first.contains("y: yes") && first.contains("other keys: no"),
        "{s}"
    );
}

#[test]
fn brief_search_finds_a_points_figure_as_it_reads() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-first-call");
    let _ = screen(&a);
    for c in "/1 point".chars() {
        update(&mut a, key(KeyCode::Char(c)));
        let _ = screen(&a);
    }
    update(&mut a, key(KeyCode::Enter));
    let s = screen(&a);
    assert!(s.contains("for \"1 point\""), "{s}");
    assert!(!s.contains("no match"), "{s}");
}

#[test]
fn a_checks_points_stay_beside_their_figure_at_every_width() {
    for width in 80..=140 {
        let mut a = app();
        update(&mut a, Event::Resize(width, 60));
        open(&mut a, "rest-first-call");
        let s = screen(&a);
        for row in s.lines() {
            let pane = row.rsplit('│').nth(1).unwrap_or("").trim_start();
            assert!(
                !pane.starts_with("points") && !pane.starts_with("point "),
                "at {width} columns a row starts with the unit: {row}\n{s}"
            );
        }
    }
}

#[test]
fn brief_shows_goal_checks_files_environment_and_hints() {
    let mut a = app();
    update(&mut a, Event::Resize(120, 50));
    open(&mut a, "rest-first-call");
    let dir = tempfile::tempdir().expect("tempdir");
    lab_event(
        &mut a,
        LabEvent::Files {
            lab: "rest-first-call".into(),
            dir: dir.path().join("rest-first-call"),
            files: vec!["run".into()],
        },
    );
    lab_event(
        &mut a,
        LabEvent::Hints {
            lab: "rest-first-call".into(),
            hints: vec!["The SOQL goes in the `q`\nquery parameter.".into()],
            revealed: false,
        },
    );
    lab_event(
        &mut a,
        LabEvent::Run {
            lab: "rest-first-call".into(),
            update: RunUpdate::Prepared {
                proxy_url: "https://127.0.0.1:40123".into(),
            },
        },
    );
    let s = screen(&a);
    assert!(s.contains("What the checks look for"), "{s}");
    let token = s
        .lines()
        .find(|l| l.contains("SF_ACCESS_TOKEN "))
        .unwrap_or_default();
    assert!(token.contains("••••••"), "{s}");
    assert!(s.contains("SF_PUBSUB_ENDPOINT"), "{s}");
    assert!(
        s.contains("1. The SOQL goes in the q query parameter."),
        "{s}"
    );
    snap!(s);
}

#[test]
fn results_of_a_passing_attempt() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('2')));
    lab_event(
        &mut a,
        finished(vec![
            Verdict::pass(
                "oauth.grant_used",
                1,
                "A token was issued with client credentials.",
            )
            .with_evidence([1]),
            Verdict::pass(
                "state.idempotent",
                3,
                "The second run left the org as the first did.",
            ),
            Verdict::not_applicable("rest.fields_selected", "not applicable on a sandbox"),
        ]),
    );
    let s = screen(&a);
    assert!(s.contains("✓ Passed · 4/4 points"), "{s}");
    let bar = s.lines().last().unwrap_or_default();
    assert!(
        bar.contains("o output"),
        "the whole output's key is offered: {bar}"
    );
    snap!(s);
}

#[test]
fn a_message_over_several_lines_keeps_its_line_breaks_on_the_results_tab() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('2')));
    lab_event(
        &mut a,
        finished(vec![Verdict::fail(
            "process.exit_ok",
            1,
            "run 1 exited with status 1. Last lines of its stderr:\nnot written yet: read the limits",
        )]),
    );
    let s = screen(&a);
    assert!(!s.contains("stderr:not written"), "{s}");
    assert!(
        s.lines()
            .any(|l| l.contains("not written yet: read the limits")),
        "{s}"
    );
}

#[test]
fn the_results_tab_shows_why_a_run_may_not_have_gone_as_written() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('2')));
    let mut event = finished(vec![Verdict::fail(
        "process.exit_ok",
        1,
        "run 1 exited with status 60.",
    )]);
    if let LabEvent::Finished { runs, .. } = &mut event {
        runs.push(LearnerRun {
            index: 0,
            exit_code: Some(60),
            duration_ms: 31,
            started_with: Some("bash".into()),
            notes: vec!["Your client refused the workspace's certificate authority.".into()],
            ..LearnerRun::default()
        });
    }
    lab_event(&mut a, event);
    let s = screen(&a);
    assert!(s.contains("./run #1: exit 60"), "{s}");
    assert!(s.contains("chmod +x run"), "{s}");
    assert!(
        s.contains("note Your client refused the workspace's"),
        "{s}"
    );
}

#[test]
fn a_run_sflab_stopped_on_purpose_is_not_shown_as_killed() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('2')));
    let mut event = finished(vec![]);
    if let LabEvent::Finished { runs, .. } = &mut event {
        runs.push(LearnerRun {
            index: 0,
            signal: Some(15),
            stopped_by_lab: true,
            ..LearnerRun::default()
        });
    }
    lab_event(&mut a, event);
    let s = screen(&a);
    assert!(s.contains("stopped by sflab once done"), "{s}");
    assert!(!s.contains("killed by signal"), "{s}");
}

#[test]
fn results_of_a_failing_attempt_lead_to_the_evidence_and_the_diff() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('r')));
    let diff = "--- after run 1\n+++ after run 2\n Account Falcon Corp A-1042\n+Account Falcon Corp A-1042\n";
    lab_event(
        &mut a,
        finished(vec![
            Verdict::pass(
                "oauth.grant_used",
                1,
                "A token was issued with client credentials.",
            ),
            Verdict::fail(
                "state.idempotent",
                3,
                "The second run created a record: run it twice and the org must look the same.",
            )
            .with_evidence([2, 3])
            .with_diff(diff.into()),
        ]),
    );
    let s = screen(&a);
    assert!(s.contains("✗ Failed · 1/4 points"), "{s}");
    assert!(s.contains("⏎ evidence #2 #3"), "{s}");
    snap!(s);

    update(&mut a, key(KeyCode::Char('d')));
    let d = screen(&a);
    assert!(d.contains("+Account Falcon Corp A-1042"), "{d}");
    // The legend names the sides as the diff's header does, once.
    assert!(d.contains("- after run 1   + after run 2"), "{d}");
    assert!(!d.contains("+ actual") && !d.contains("+++"), "{d}");
    update(&mut a, key(KeyCode::Esc));

    update(&mut a, key(KeyCode::Enter));
    let t = screen(&a);
    assert!(t.contains("The evidence for state.idempotent"), "{t}");
    assert!(
        !t.contains("/services/oauth2/token"),
        "only the evidence is listed: {t}"
    );
}

#[test]
fn traffic_streams_live_and_marks_the_injected_fault() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('r')));
    update(&mut a, key(KeyCode::Char('3')));
    let run = |u| LabEvent::Run {
        lab: "rest-upsert-twice".into(),
        update: u,
    };
    lab_event(
        &mut a,
        run(RunUpdate::Prepared {
            proxy_url: "https://127.0.0.1:41234".into(),
        }),
    );
    lab_event(&mut a, run(RunUpdate::RunStarted { index: 0, of: 2 }));
    assert!(screen(&a).contains("Waiting for the first request"));
    for e in traffic() {
        lab_event(&mut a, run(RunUpdate::Exchange(Box::new(e))));
    }
    let s = screen(&a);
    assert!(s.contains("● running 1/2 · 3 calls"), "{s}");
    assert!(s.contains("⚡ unavailable"), "{s}");
    snap!(s);
}

#[test]
fn at_80_columns_the_traffic_path_takes_the_width_the_other_columns_leave() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-first-call");
    let mut query = exchange(1, 0, "GET", "/services/data/v62.0/query", 200);
    query.request.query = Some("q=SELECT+Id,Name+FROM+Account".into());
    let record = exchange(
        2,
        5,
        "GET",
        "/services/data/v62.0/sobjects/Account/001000000000001AAA",
        200,
    );
    lab_event(
        &mut a,
        LabEvent::Finished {
            lab: "rest-first-call".into(),
            outcome: Ok(Outcome {
                verdicts: vec![Verdict::pass("http.request", 1, "ok")],
                passed: true,
                points: 1,
                max_points: 1,
                duration_ms: 40,
            }),
            exchanges: vec![query, record],
            runs: Vec::new(),
        },
    );
    update(&mut a, key(KeyCode::Char('3')));
    let s = screen(&a);
    let row = |s: &str, n: &str| {
        s.lines()
            .find(|l| l.contains(&format!("││   {n} ")))
            .unwrap_or_default()
            .to_string()
    };
    // No fault in this run: no fault column; +ms gives way, and the path, its API prefix
    // left out, keeps the query's head and reaches the ms column's edge.
    assert!(!s.contains("fault"), "{s}");
    assert!(
        row(&s, "1").contains("GET    …/query?q=SE…+FROM+Account    200"),
        "{s}"
    );
    assert!(row(&s, "2").contains("…/001000000000001AAA"), "{s}");
    for n in ["1", "2"] {
        let line = row(&s, n);
        let pane = line.rsplit('│').nth(1).unwrap_or_default();
        assert!(
            pane.ends_with("   200     2 "),
            "the row ends at the pane's edge, not a dozen cells before it: {pane:?}"
        );
    }
    snap!(s);

    // With an injected fault, the fault shows whole and the path still tells calls apart.
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-upsert-twice");
    lab_event(&mut a, finished(vec![Verdict::pass("a", 1, "ok")]));
    update(&mut a, key(KeyCode::Char('3')));
    let s = screen(&a);
    assert!(row(&s, "1").contains("POST   …/oauth2/token"), "{s}");
    assert!(
        row(&s, "2").contains("PATCH  …/A-1042            503  ⚡ unavailable"),
        "{s}"
    );
}

#[test]
fn from_exchange_1000_the_traffic_number_column_widens_and_every_row_keeps_its_columns() {
    let mut a = app();
    open(&mut a, "rest-first-call");
    let exchanges: Vec<Exchange> = (1..=1002)
        .map(|n| exchange(n, n as i64 * 3, "GET", "/services/data/v62.0/limits", 200))
        .collect();
    lab_event(
        &mut a,
        LabEvent::Finished {
            lab: "rest-first-call".into(),
            outcome: Ok(Outcome {
                verdicts: vec![Verdict::pass("http.request", 1, "ok")],
                passed: true,
                points: 1,
                max_points: 1,
                duration_ms: 40,
            }),
            exchanges,
            runs: Vec::new(),
        },
    );
    update(&mut a, key(KeyCode::Char('3')));
    update(&mut a, key(KeyCode::End));
    let s = screen(&a);
    let rows: Vec<&str> = s.lines().filter(|l| l.contains("/limits ")).collect();
    assert!(rows.iter().any(|l| l.contains(" 1002 ")), "{s}");
    assert!(rows.iter().any(|l| l.contains("  999 ")), "{s}");
    // Every row's status and ms stand in the same cells, before and after #1000.
    let ends: std::collections::BTreeSet<usize> = rows
        .iter()
        .map(|l| {
            let pane = l.rsplit("││").next().unwrap_or_default();
            pane.find("200     2 ").unwrap_or(0)
        })
        .collect();
    assert_eq!(ends.len(), 1, "{s}");
    assert!(!ends.contains(&0), "each row shows its ms: {s}");
    snap!(s);
}

#[test]
fn the_detail_pane_shows_headers_pretty_bodies_and_the_fault() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    lab_event(&mut a, finished(vec![Verdict::pass("a", 1, "ok")]));
    update(&mut a, key(KeyCode::Char('3')));
    update(&mut a, key(KeyCode::Home));
    update(&mut a, key(KeyCode::Down));
    update(&mut a, key(KeyCode::Enter));
    let s = screen(&a);
    assert!(
        s.contains("⚡ injected by the lab (unavailable): answered 503"),
        "{s}"
    );
    assert!(s.contains("\"errorCode\": \"SERVER_UNAVAILABLE\""), "{s}");
    snap!(s);
}

#[test]
fn news_for_a_lab_that_is_not_open_is_dropped() {
    let mut a = app();
    open(&mut a, "rest-first-call");
    lab_event(&mut a, finished(vec![Verdict::pass("a", 1, "ok")]));
    assert!(a.lab_view().is_some_and(|v| v.outcome.is_none()));
}

#[test]
fn opening_a_lab_from_the_tree_asks_the_driver_to_start_it() {
    let mut a = app();
    a.tree.folded.clear();
    let rows = sflab::tui::tree::rows(&a.curriculum, &a.tree.folded);
    a.tree.selected = rows
        .iter()
        .position(|r| matches!(r, sflab::tui::tree::Row::Lab { lab, .. } if lab == "rest-crud"))
        .expect("the lab is in the tree");
    let asked = update(&mut a, key(KeyCode::Enter));
    assert!(
        matches!(asked, Some(Command::Lab(LabCommand::Open { .. }))),
        "{asked:?}"
    );
    assert!(a.lab_view().is_some());
}

#[test]
fn brackets_on_the_brief_jump_between_its_sections() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-first-call");
    let _ = screen(&a);
    update(&mut a, key(KeyCode::Char(']')));
    let first = a.lab_view().map(|v| v.brief_scroll).unwrap_or(0);
    assert!(first > 0, "the first heading is below the goal");
    let s = screen(&a);
    assert!(
        s.lines()
            .take(5)
            .any(|l| l.contains("What the checks look for")),
        "the heading starts the pane: {s}"
    );
    update(&mut a, key(KeyCode::Char(']')));
    let _ = screen(&a);
    let second = a.lab_view().map(|v| v.brief_scroll).unwrap_or(0);
    assert!(second > first, "{second} after {first}");
    update(&mut a, key(KeyCode::Char('[')));
    assert_eq!(a.lab_view().map(|v| v.brief_scroll), Some(first));
    update(&mut a, key(KeyCode::Char('[')));
    assert_eq!(
        a.lab_view().map(|v| v.brief_scroll),
        Some(0),
        "back to the goal"
    );
}

#[test]
fn slash_on_the_brief_finds_text_in_the_brief_and_n_steps_on() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-first-call");
    let _ = screen(&a);
    for c in "/what your".chars() {
        update(&mut a, key(KeyCode::Char(c)));
        let _ = screen(&a);
    }
    update(&mut a, key(KeyCode::Enter));
    let s = screen(&a);
    let scroll = a.lab_view().map(|v| v.brief_scroll).unwrap_or(0);
    assert!(scroll > 0, "the brief moved to the match: {s}");
    assert!(
        s.contains("What your code receives"),
        "the matching line is in view: {s}"
    );
    assert_eq!(
        a.focus,
        sflab::tui::app::Focus::Right,
        "the focus stays on the brief"
    );
    assert!(s.contains("n next, N previous"), "{s}");
    let count = s.lines().find(|l| l.contains("n next")).unwrap_or("");
    assert!(
        count.contains("match for \"what your\"") || count.contains("matches for \"what your\""),
        "the status says how many matches there are: {count}"
    );
    // The match is marked on screen as the current one (the line it is on is at the top), the
    // rest of its line is not.
    let marked = |a: &App| {
        let mut t = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
        t.draw(|f| view::draw(a, f)).expect("draw");
        let buf = t.backend().buffer().clone();
        let mut found = Vec::new();
        for y in 0..24u16 {
            let row: String = (0..80u16)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect();
            if let Some(i) = row.find("What your code receives") {
                let x = u16::try_from(row[..i].chars().count()).unwrap_or(0);
                let bg = |dx: u16| buf[(x + dx, y)].bg;
                found.push((bg(0), bg(8), bg(10)));
            }
        }
        found
    };
    use ratatui::style::Color;
    assert_eq!(
        marked(&a),
        vec![(Color::LightRed, Color::LightRed, Color::Reset)],
        "\"What your\" is marked, \"code\" is not"
    );
    // One match: N goes round to it, and says so, as in a lesson.
    update(&mut a, key(KeyCode::Char('N')));
    let s = screen(&a);
    assert!(
        s.contains("\"what your\" 1/1 · wrapped to the last match"),
        "{s}"
    );
    update(&mut a, key(KeyCode::Char('g')));
    update(&mut a, key(KeyCode::Char('n')));
    assert_eq!(
        a.lab_view().map(|v| v.brief_scroll),
        Some(scroll),
        "n finds it again"
    );
    let s = screen(&a);
    assert!(
        s.contains("\"what your\" 1/1 · wrapped to the first match"),
        "n says which match it is on: {s}"
    );
    // Esc while typing puts the brief back where the search started.
    update(&mut a, key(KeyCode::Char('g')));
    for c in "/hints".chars() {
        update(&mut a, key(KeyCode::Char(c)));
        let _ = screen(&a);
    }
    assert!(a.lab_view().map_or(0, |v| v.brief_scroll) > 0);
    update(&mut a, key(KeyCode::Esc));
    assert_eq!(a.lab_view().map(|v| v.brief_scroll), Some(0));
    for c in "/zzqx".chars() {
        update(&mut a, key(KeyCode::Char(c)));
    }
    update(&mut a, key(KeyCode::Enter));
    assert!(screen(&a).contains("no match for \"zzqx\" in the brief"));
    update(&mut a, key(KeyCode::Char('n')));
    assert!(
        screen(&a).contains("no match for \"zzqx\" in the brief"),
        "n after no match does not speak of more"
    );
}

#[test]
fn a_lab_key_in_the_tree_acts_on_the_lab_selected_there() {
    let mut a = app();
    a.tree.folded.clear();
    open(&mut a, "rest-first-call");
    a.focus = sflab::tui::Focus::Tree;
    let rows = sflab::tui::tree::rows(&a.curriculum, &a.tree.folded);
    a.tree.selected = rows
        .iter()
        .position(|r| matches!(r, sflab::tui::tree::Row::Lab { lab, .. } if lab == "rest-crud"))
        .expect("the lab is in the tree");
    // r opens the selected lab (and says so) instead of running the open one, and runs it
    // once the driver has opened it (its files copied).
    let asked = update(&mut a, key(KeyCode::Char('r')));
    assert_eq!(
        asked,
        Some(Command::Lab(LabCommand::Open {
            lab: "rest-crud".into()
        }))
    );
    assert_eq!(a.lab_view().map(|v| v.lab.as_str()), Some("rest-crud"));
    let flash = a.flash.as_ref().map(|f| f.0.clone()).unwrap_or_default();
    assert!(flash.contains("opened rest-crud"), "{flash}");
    assert!(screen(&a).contains("● preparing"), "the run is on its way");
    let files = LabEvent::Files {
        lab: "rest-crud".into(),
        dir: "/ws/rest-crud".into(),
        files: vec!["run".into()],
    };
    assert_eq!(
        lab_event(&mut a, files.clone()),
        Some(Command::Lab(LabCommand::Run {
            lab: "rest-crud".into()
        }))
    );
    assert_eq!(lab_event(&mut a, files), None, "once");
    assert_eq!(
        update(&mut a, key(KeyCode::Char('r'))),
        None,
        "a second r while it runs starts nothing"
    );
    // On a row that is no lab, the keys act on the open lab and say which.
    a.tree.selected = rows
        .iter()
        .position(|r| matches!(r, sflab::tui::tree::Row::Lesson(_)))
        .expect("a lesson in the tree");
    update(&mut a, key(KeyCode::Char('w')));
    let flash = a.flash.as_ref().map(|f| f.0.clone()).unwrap_or_default();
    assert!(flash.contains("act on rest-crud"), "{flash}");
}

/// A lab driver on the embedded curriculum in a fresh workspace (kept while the folder lives),
/// and the receiver of what it reports.
fn driver_on_the_embedded_curriculum() -> (
    tempfile::TempDir,
    sflab::workspace::Workspace,
    LabDriver,
    std::sync::mpsc::Receiver<Event>,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = sflab::workspace::Workspace::at(dir.path()).expect("workspace");
    let curriculum = Arc::new(Curriculum::embedded().expect("curriculum"));
    let (tx, rx) = std::sync::mpsc::channel();
    let driver = LabDriver::new(
        ws.clone(),
        Box::new(sflab::curriculum::embedded()),
        curriculum,
        tx,
        Arc::new(sflab::tui::input_pause::InputPause::default()),
    )
    .expect("driver");
    (dir, ws, driver, rx)
}

/// Events from the driver until `done` says stop (or 60 s pass).
fn collect(rx: &std::sync::mpsc::Receiver<Event>, done: impl Fn(&Event) -> bool) -> Vec<Event> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut out = Vec::new();
    while std::time::Instant::now() < deadline {
        if let Ok(e) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
            let stop = done(&e);
            out.push(e);
            if stop {
                break;
            }
        }
    }
    out
}

#[test]
fn the_driver_starts_runs_and_records_a_lab_and_answers_the_console() {
    let missing = ["curl", "jq"].iter().any(|t| {
        std::process::Command::new(t)
            .arg("--version")
            .output()
            .is_err()
    });
    if missing {
        eprintln!("skipped: curl and jq are needed to run the reference solution");
        return;
    }
    let (_dir, ws, mut driver, rx) = driver_on_the_embedded_curriculum();
    driver.tls = false;
    let lab = "rest-first-call".to_string();
    driver.handle(Command::Lab(LabCommand::Open { lab: lab.clone() }));
    let opened = collect(&rx, |e| matches!(e, Event::Lab(LabEvent::Org { .. })));
    assert!(opened.iter().any(
        |e| matches!(e, Event::Lab(LabEvent::Files { files, .. }) if files.contains(&"run".to_string()))
    ));
    assert!(ws.lab_dir(&lab).join("run").is_file(), "starter copied");

    let solution = sflab::curriculum::Files::read(
        &sflab::curriculum::embedded(),
        "solutions/rest-first-call/run",
    )
    .expect("reference solution");
    std::fs::write(ws.lab_dir(&lab).join("run"), solution).expect("write run");
    // A file made outside the classroom shows in the Brief once the checks run.
    std::fs::write(ws.lab_dir(&lab).join("notes.txt"), "mine").expect("write notes");
    driver.handle(Command::Lab(LabCommand::Run { lab: lab.clone() }));
    let events = collect(&rx, |e| matches!(e, Event::Progress(_)));
    assert!(events.iter().any(
        |e| matches!(e, Event::Lab(LabEvent::Files { files, .. }) if files.contains(&"notes.txt".to_string()))
    ));
    let passed = events
        .iter()
        .any(|e| matches!(e, Event::Lab(LabEvent::Finished { outcome: Ok(o), .. }) if o.passed));
    assert!(passed, "{events:#?}");
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Lab(LabEvent::Run {
            update: RunUpdate::Exchange(_),
            ..
        })
    )));
    let after = events.iter().find_map(|e| match e {
        Event::Lab(LabEvent::Org {
            snapshot,
            source: OrgSource::AfterRun,
            ..
        }) => Some(snapshot.records("Account").len()),
        _ => None,
    });
    assert_eq!(after, Some(3), "the org as the run left it");
    let progress = events.iter().rev().find_map(|e| match e {
        Event::Progress(p) => p.get(&lab).copied(),
        _ => None,
    });
    assert_eq!(progress, Some(LabStatus::Passed));

    driver.handle(Command::Lab(LabCommand::Console {
        lab: lab.clone(),
        method: "POST".into(),
        path: "/services/data/v62.0/sobjects/Account".into(),
        body: r#"{"Name":"Kestrel Air"}"#.into(),
    }));
    let console_org = |e: &Event| {
        matches!(
            e,
            Event::Lab(LabEvent::Org {
                source: OrgSource::Console,
                ..
            })
        )
    };
    let replies = collect(&rx, console_org);
    let status = replies.iter().find_map(|e| match e {
        Event::Lab(LabEvent::Console { reply, .. }) => reply.status,
        _ => None,
    });
    assert_eq!(status, Some(201), "{replies:#?}");
    let accounts = replies.iter().find_map(|e| match e {
        Event::Lab(LabEvent::Org {
            snapshot,
            source: OrgSource::Console,
            ..
        }) => Some(snapshot.records("Account").len()),
        _ => None,
    });
    assert_eq!(accounts, Some(4), "the console's org holds the new Account");
}

#[test]
fn typing_in_the_console_keeps_q_and_question_marks_in_the_path() {
    let mut a = app();
    open(&mut a, "rest-first-call");
    update(&mut a, key(KeyCode::Char('5')));
    update(&mut a, key(KeyCode::Enter));
    update(
        &mut a,
        Event::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    let mut sent = None;
    for c in "/services/data?q".chars() {
        assert_eq!(update(&mut a, key(KeyCode::Char(c))), None, "{c} is typed");
    }
    if let Some(c) = update(&mut a, key(KeyCode::Enter)) {
        sent = Some(c);
    }
    assert_eq!(
        sent,
        Some(Command::Lab(LabCommand::Console {
            lab: "rest-first-call".into(),
            method: "GET".into(),
            path: "/services/data?q".into(),
            body: String::new(),
        }))
    );
    assert!(!a.help, "? was typed, not the help");
}

#[test]
fn while_typing_in_the_console_the_status_bar_offers_no_help_key() {
    let mut a = app();
    open(&mut a, "rest-first-call");
    update(&mut a, key(KeyCode::Char('5')));
    let status = |a: &App| screen(a).lines().last().unwrap_or_default().to_string();
    assert!(status(&a).contains("? help"), "{}", status(&a));
    update(&mut a, key(KeyCode::Enter));
    let s = status(&a);
    assert!(s.contains("Esc stop typing"), "{s}");
    assert!(!s.contains("? help"), "? types a character here: {s}");
}

#[test]
fn a_status_message_naming_a_file_keeps_the_file_name_in_view() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-first-call");
    a.flash(
        "wrote 1 exchange(s) to /home/learner/projects/sflab-workspace/rest-first-call/traffic-20261130-014524.har (HAR 1.2)",
    );
    let s = screen(&a);
    let status = s.lines().last().unwrap_or_default();
    assert!(
        status.contains("…/traffic-20261130-014524.har (HAR 1.2)"),
        "{status}"
    );
    assert!(status.contains("on mock"), "{status}");
}

#[test]
fn lab_keys_work_from_the_tree_too() {
    let mut a = app();
    open(&mut a, "rest-first-call");
    a.focus = sflab::tui::Focus::Tree;
    assert_eq!(
        update(&mut a, key(KeyCode::Char('r'))),
        Some(Command::Lab(LabCommand::Run {
            lab: "rest-first-call".into()
        }))
    );
    assert!(screen(&a).contains("● preparing"));
}

#[test]
fn tab_keys_and_tab_actions_work_from_the_tree_too() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    a.focus = sflab::tui::Focus::Tree;
    update(&mut a, key(KeyCode::Char('3')));
    let view = a.lab_view().expect("the lab");
    assert_eq!(view.tab, sflab::tui::lab::LabTab::Traffic);
    assert_eq!(
        a.focus,
        sflab::tui::Focus::Right,
        "the tab is shown, focused"
    );
    lab_event(
        &mut a,
        finished(vec![Verdict::pass("oauth.grant_used", 1, "ok")]),
    );
    a.focus = sflab::tui::Focus::Tree;
    let asked = update(&mut a, key(KeyCode::Char('s')));
    assert!(
        matches!(asked, Some(Command::Lab(LabCommand::WriteHar { .. }))),
        "s saves the traffic from the tree too: {asked:?}"
    );
}

#[test]
fn after_a_reset_the_watch_follows_the_new_lab_folder_not_the_backup() {
    let (_dir, ws, mut driver, rx) = driver_on_the_embedded_curriculum();
    let lab = "read-limits".to_string();
    driver.handle(Command::Lab(LabCommand::Open { lab: lab.clone() }));
    collect(&rx, |e| matches!(e, Event::Lab(LabEvent::Org { .. })));
    std::fs::write(ws.lab_dir(&lab).join("notes.txt"), "mine").unwrap();
    driver.handle(Command::Lab(LabCommand::Watch {
        lab: lab.clone(),
        on: true,
    }));
    driver.handle(Command::Lab(LabCommand::Reset { lab: lab.clone() }));
    // Drain what the reset said, then save a file in the new folder: the watch must see it.
    let _ = collect(&rx, |e| matches!(e, Event::Lab(LabEvent::Files { .. })));
    std::thread::sleep(std::time::Duration::from_millis(300));
    std::fs::write(ws.lab_dir(&lab).join("run"), "#!/bin/sh\necho changed\n").unwrap();
    let seen = collect(&rx, |e| matches!(e, Event::Lab(LabEvent::Changed { .. })));
    assert!(
        seen.iter()
            .any(|e| matches!(e, Event::Lab(LabEvent::Changed { .. }))),
        "{seen:#?}"
    );
    driver.handle(Command::Lab(LabCommand::Watch { lab, on: false }));
}

#[test]
fn slash_in_the_tree_finds_a_lesson_or_lab_by_title_and_n_moves_to_the_next() {
    let curriculum = Arc::new(Curriculum::embedded().expect("curriculum"));
    let mut a = App::new(curriculum.clone(), Theme::colored(), 120, 36);
    let selected_title = |a: &App| {
        let rows = sflab::tui::tree::rows(&a.curriculum, &a.tree.folded);
        match &rows[a.tree.selected] {
            sflab::tui::tree::Row::Lesson(i) => a.curriculum.lessons[*i].title.clone(),
            sflab::tui::tree::Row::Lab { lab, .. } => a.curriculum.lab(lab).unwrap().title.clone(),
            other => format!("{other:?}"),
        }
    };
    update(&mut a, key(KeyCode::Char('/')));
    for c in "jwt".chars() {
        update(&mut a, key(KeyCode::Char(c)));
    }
    update(&mut a, key(KeyCode::Enter));
    let first = selected_title(&a);
    assert!(first.to_lowercase().contains("jwt"), "{first}");
    update(&mut a, key(KeyCode::Char('n')));
    let second = selected_title(&a);
    assert!(second.to_lowercase().contains("jwt"), "{second}");
    assert_ne!(first, second, "n moves on to the next match");
    update(&mut a, key(KeyCode::Char('N')));
    assert_eq!(selected_title(&a), first);
    // Esc puts the tree back as it was.
    let before = a.tree.selected;
    update(&mut a, key(KeyCode::Char('/')));
    update(&mut a, key(KeyCode::Char('z')));
    update(&mut a, key(KeyCode::Char('q')));
    update(&mut a, key(KeyCode::Esc));
    assert_eq!(a.tree.selected, before);
    assert!(a.search_input.is_none());
}

#[test]
fn a_long_error_in_the_console_reply_wraps_and_reads_to_its_end() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    update(&mut a, key(KeyCode::Char('5')));
    let long = format!(
        "[ {{ \"message\": \"{} THE-END\", \"errorCode\": \"MALFORMED_QUERY\" }} ]",
        "unexpected token near the filter ".repeat(8)
    );
    lab_event(
        &mut a,
        LabEvent::Console {
            lab: "rest-upsert-twice".into(),
            reply: sflab::tui::lab::ConsoleReply {
                method: "GET".into(),
                path: "/services/data/v62.0/query".into(),
                status: Some(400),
                headers: vec![],
                body: long,
                ms: 3,
            },
        },
    );
    let s = screen(&a);
    assert!(s.contains("THE-END"), "{s}");
}

#[test]
fn a_lab_opened_again_keeps_its_brief_scroll_and_traffic_selection() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    lab_event(
        &mut a,
        finished(vec![Verdict::pass("http.rule_1", 1, "fine")]),
    );
    update(&mut a, key(KeyCode::Char('1')));
    for _ in 0..5 {
        update(&mut a, key(KeyCode::Char('j')));
    }
    screen(&a);
    update(&mut a, key(KeyCode::Char('3')));
    update(&mut a, key(KeyCode::Char('g')));
    update(&mut a, key(KeyCode::Char('j')));
    let left = a.lab_view().map(|v| (v.brief_scroll, v.traffic_sel));
    assert!(
        left.is_some_and(|(brief, sel)| brief > 0 && sel == 1),
        "{left:?}"
    );

    open(&mut a, "rest-first-call");
    open(&mut a, "rest-upsert-twice");
    // The driver hands the last attempt back on opening; the selection stays within it.
    lab_event(
        &mut a,
        finished(vec![Verdict::pass("http.rule_1", 1, "fine")]),
    );
    let back = a.lab_view().map(|v| (v.brief_scroll, v.traffic_sel));
    assert_eq!(back, left);
}
