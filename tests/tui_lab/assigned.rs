//! The "Assigned" view on a fixed clock and a fixture track: one lab passed, one overdue after
//! a failed attempt, one due soon; opening a row opens the lab; a track assigned in another
//! terminal replaces the open board.

use super::{fixture, key, screen};
use chrono::{DateTime, FixedOffset, Utc};
use crossterm::event::KeyCode;
use sflab::progress::AttemptRow;
use sflab::track::{assigned_view_model, LabProgress};
use sflab::tui::lab::LabCommand;
use sflab::tui::theme::Theme;
use sflab::tui::{update, App, AssignedBoard, Command, Event, RightView, ShownZone};
use std::collections::BTreeMap;
use std::sync::Arc;

const TRACK: &str = "track: REST onboarding
pass_threshold: 80
labs:
  - { lab: rest-first-call, due: 2026-12-04 }
  - { lab: rest-crud, due: 2026-12-02 }
  - { lab: rest-upsert-twice, due: \"2026-12-06T17:00:00Z\" }
";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("a fixed time")
        .with_timezone(&Utc)
}

fn attempt(lab: &str, points: u32, max: u32, when: &str) -> AttemptRow {
    AttemptRow {
        id: 1,
        lab: lab.into(),
        started_at: when.into(),
        duration_ms: 900,
        passed: points == max,
        points,
        max_points: max,
        backend: "mock".into(),
        org: None,
        error: None,
        verdicts: vec![],
    }
}

/// The board at 2026-12-05 12:00 UTC.
fn board() -> AssignedBoard {
    let curriculum = fixture();
    let track = sflab::track::parse("team.yaml", TRACK, &curriculum).expect("the track parses");
    let mut progress = BTreeMap::new();
    progress.insert(
        "rest-first-call".to_string(),
        LabProgress {
            started: true,
            attempts: vec![
                attempt("rest-first-call", 3, 6, "2026-12-03T09:00:00Z"),
                attempt("rest-first-call", 5, 6, "2026-12-03T10:00:00Z"),
            ],
        },
    );
    progress.insert(
        "rest-crud".to_string(),
        LabProgress {
            started: true,
            attempts: vec![attempt("rest-crud", 2, 8, "2026-12-01T15:00:00Z")],
        },
    );
    let now = at("2026-12-05T12:00:00Z");
    let rows = assigned_view_model(&track, &curriculum, &progress, now);
    AssignedBoard::new(&track, rows, now)
}

/// Due times shown in UTC, whatever the machine's zone.
fn utc() -> ShownZone {
    ShownZone::Fixed(FixedOffset::east_opt(0).expect("UTC"))
}

fn assigned_app(width: u16, height: u16) -> App {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), width, height);
    a.zone = utc();
    a.show_assigned(board());
    a
}

#[test]
fn due_times_read_in_the_learners_zone_everywhere() {
    let mut a = assigned_app(120, 40);
    a.zone = ShownZone::Fixed(FixedOffset::west_opt(8 * 3600).expect("UTC-8"));
    a.tree.folded.clear();
    let s = screen(&a);
    let upsert = s
        .lines()
        .find(|l| l.contains("Upsert by external ID") && l.contains("due in"))
        .expect("the upsert lab's row");
    assert!(
        upsert.contains("Sun 06 Dec 09:00"),
        "17:00 UTC is 09:00 here: {upsert}"
    );
    assert!(
        upsert.contains("due in 29 h"),
        "relative texts stay: {upsert}"
    );
    let first = s
        .lines()
        .find(|l| l.contains("Your first call") && l.contains("passed"))
        .expect("the first lab's row");
    assert!(first.contains("Fri 04 Dec 15:59"), "{first}");
    let crud = s
        .lines()
        .find(|l| l.contains("lab: CRUD"))
        .expect("the CRUD lab in the tree");
    assert!(crud.contains("!02 Dec"), "{crud}");
}

#[test]
fn the_score_column_fits_ten_and_hundred_point_labs() {
    for width in [120, 140] {
        let mut a = App::new(Arc::new(fixture()), Theme::colored(), width, 40);
        a.zone = utc();
        let mut b = board();
        b.rows[0].best = Some((10, 10));
        b.rows[2].best = Some((100, 100));
        a.show_assigned(b);
        let s = screen(&a);
        assert!(s.contains(" 10/10 (100%)"), "{width}: {s}");
        assert!(s.contains(" 100/100 (100%)"), "{width}: {s}");
    }
}

#[test]
fn a_score_too_wide_for_an_80_column_row_keeps_its_points_and_drops_the_percentage() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    a.zone = utc();
    let mut b = board();
    for row in &mut b.rows {
        row.best = Some((11, 11));
    }
    a.show_assigned(b);
    let s = screen(&a);
    assert!(s.contains("11/11"), "{s}");
    for line in s.lines().filter(|l| l.contains("11/11")) {
        let score = &line[line.find("11/11").unwrap_or_default()..];
        assert!(
            !score.contains('(') || score.contains("(100%)"),
            "a percentage is whole or left out: {line}"
        );
    }
}

#[test]
fn assigned_view_at_80x24_marks_passed_overdue_and_due_soon() {
    let a = assigned_app(80, 24);
    let s = screen(&a);
    assert!(s.contains("Assigned: REST onboarding"), "{s}");
    assert!(s.contains("overdue by 2 days"), "{s}");
    assert!(s.contains("due in 29 h"), "{s}");
    assert!(s.contains("passed"), "{s}");
    assert!(s.contains("track: 1 overdue"), "the title bar tells: {s}");
    // The selected lab's record wraps instead of being cut at the pane's edge.
    assert!(!s.contains("passing …"), "{s}");
    assert!(
        s.contains("needs 80% on mock · passed Thu 03 Dec 10:00"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn a_deadline_that_passes_while_the_classroom_is_open_turns_overdue() {
    let mut a = assigned_app(120, 40);
    let before = screen(&a);
    assert!(before.contains("track: 1 overdue"), "{before}");
    update(&mut a, Event::Tick(at("2026-12-06T16:59:00Z")));
    assert!(screen(&a).contains("due in 1 min"));
    update(&mut a, Event::Tick(at("2026-12-06T17:30:00Z")));
    let s = screen(&a);
    let upsert = s
        .lines()
        .find(|l| l.contains("Upsert by external ID"))
        .expect("the upsert lab's row");
    assert!(upsert.contains("overdue by 30 min"), "{upsert}");
    assert!(s.contains("track: 2 overdue"), "the title bar follows: {s}");
}

#[test]
fn assigned_view_at_120x40_is_one_line_per_lab() {
    let mut a = assigned_app(120, 40);
    update(&mut a, key(KeyCode::Down));
    let s = screen(&a);
    let crud = s
        .lines()
        .find(|l| l.contains("CRUD in four calls"))
        .expect("the CRUD lab is listed");
    assert!(
        crud.contains("overdue by 2 days") && crud.contains("2/8 (25%)"),
        "{crud}"
    );
    assert!(
        s.contains("rest-crud · 1 attempt, best 2/8 · passing needs 80% on mock"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn enter_on_an_assigned_row_opens_its_lab_and_t_comes_back() {
    let mut a = assigned_app(80, 24);
    update(&mut a, key(KeyCode::Char('G')));
    let asked = update(&mut a, key(KeyCode::Enter));
    assert_eq!(
        asked,
        Some(Command::Lab(LabCommand::Open {
            lab: "rest-upsert-twice".into()
        }))
    );
    assert_eq!(
        a.lab_view().map(|v| v.lab.as_str()),
        Some("rest-upsert-twice")
    );
    let rows = sflab::tui::tree::rows(&a.curriculum, &a.tree.folded);
    assert!(
        matches!(&rows[a.tree.selected], sflab::tui::tree::Row::Lab { lab, .. } if lab == "rest-upsert-twice"),
        "the tree follows to the lab"
    );
    update(&mut a, key(KeyCode::Char('t')));
    assert!(
        matches!(a.right, RightView::Assigned(_)),
        "t shows the track again"
    );
}

#[test]
fn a_lab_key_on_the_board_acts_on_the_selected_row_as_in_the_tree() {
    let mut a = assigned_app(80, 24);
    update(&mut a, key(KeyCode::Char('G')));
    // r opens the row's lab, as ⏎ does, and runs it once the driver has opened it.
    let asked = update(&mut a, key(KeyCode::Char('r')));
    assert_eq!(
        asked,
        Some(Command::Lab(LabCommand::Open {
            lab: "rest-upsert-twice".into()
        }))
    );
    assert_eq!(
        a.lab_view().map(|v| v.lab.as_str()),
        Some("rest-upsert-twice")
    );
    let files = sflab::tui::lab::LabEvent::Files {
        lab: "rest-upsert-twice".into(),
        dir: "/ws/rest-upsert-twice".into(),
        files: vec!["run".into()],
    };
    assert_eq!(
        update(&mut a, Event::Lab(files)),
        Some(Command::Lab(LabCommand::Run {
            lab: "rest-upsert-twice".into()
        }))
    );
    let rows = sflab::tui::tree::rows(&a.curriculum, &a.tree.folded);
    assert!(
        matches!(&rows[a.tree.selected], sflab::tui::tree::Row::Lab { lab, .. } if lab == "rest-upsert-twice"),
        "the tree follows to the lab"
    );
    // Back on the board, e on the first row opens that lab instead of pointing at the tree.
    update(&mut a, key(KeyCode::Char('t')));
    update(&mut a, key(KeyCode::Char('g')));
    update(&mut a, key(KeyCode::Char('e')));
    assert_eq!(
        a.lab_view().map(|v| v.lab.as_str()),
        Some("rest-first-call")
    );
    let flash = a.flash.as_ref().map(|f| f.0.clone()).unwrap_or_default();
    assert!(!flash.contains("open one first"), "{flash}");
}

#[test]
fn t_comes_back_to_the_assigned_row_that_was_selected() {
    let mut a = assigned_app(80, 24);
    update(&mut a, key(KeyCode::Char('G')));
    update(&mut a, key(KeyCode::Enter));
    assert!(a.lab_view().is_some(), "the last row's lab is open");
    update(&mut a, key(KeyCode::Char('t')));
    let RightView::Assigned(view) = &a.right else {
        panic!("t shows the track again");
    };
    assert_eq!(view.selected, 2, "on the row left, the last one");
}

#[test]
fn the_tree_marks_overdue_labs_with_their_due_date() {
    let mut a = assigned_app(80, 24);
    a.tree.folded.clear();
    let s = screen(&a);
    let crud = s
        .lines()
        .find(|l| l.contains("lab: CRUD"))
        .expect("the CRUD lab in the tree");
    assert!(crud.contains("!02 Dec"), "{crud}");
    let first = s
        .lines()
        .find(|l| l.contains("lab: Your first"))
        .expect("the first-call lab in the tree");
    assert!(!first.contains('!'), "a passed lab is not overdue: {first}");
}

#[test]
fn without_a_track_t_says_how_to_set_one() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    update(&mut a, key(KeyCode::Char('t')));
    assert!(!matches!(a.right, RightView::Assigned(_)));
    let flash = a.flash.as_ref().map(|f| f.0.clone()).unwrap_or_default();
    assert!(flash.contains("--track FILE"), "{flash}");
}

#[test]
fn a_new_board_after_progress_changes_the_status() {
    let mut a = assigned_app(80, 24);
    let mut b = board();
    b.rows[1].status = sflab::track::TrackStatus::Passed;
    b.rows[1].overdue = false;
    update(&mut a, Event::Assigned(b));
    let s = screen(&a);
    assert!(!s.contains("overdue by"), "{s}");
    assert!(s.contains("track: next due in 29 h"), "{s}");
}

#[test]
fn t_over_a_damaged_track_file_names_the_file_and_the_problem() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 120, 36);
    let problem = sflab::track::parse("ws/.sflab/track.yaml", "track: T\nlabs: 42\n", &fixture())
        .expect_err("labs must be a list");
    a.track_unreadable(problem);
    a.flash = None;
    update(&mut a, key(KeyCode::Char('t')));
    let s = screen(&a);
    assert!(s.contains("track.yaml"), "{s}");
    assert!(s.contains("line 2"), "{s}");
    assert!(!s.contains("no track is assigned"), "{s}");
}

#[test]
fn watch_stays_on_when_the_lab_is_opened_again_from_the_assigned_board() {
    let mut a = assigned_app(120, 40);
    update(&mut a, key(KeyCode::Enter));
    let lab = a.lab_view().expect("a lab is open").lab.clone();
    let asked = update(&mut a, key(KeyCode::Char('w')));
    assert_eq!(
        asked,
        Some(Command::Lab(LabCommand::Watch {
            lab: lab.clone(),
            on: true
        }))
    );
    update(&mut a, key(KeyCode::Char('t')));
    assert!(matches!(a.right, RightView::Assigned(_)));
    update(&mut a, key(KeyCode::Enter));
    let view = a.lab_view().expect("the lab again");
    assert_eq!(view.lab, lab);
    assert!(view.watch, "watch is still on");
    assert!(screen(&a).contains("◉ watch"), "and the border says so");
    let changed = update(
        &mut a,
        Event::Lab(sflab::tui::lab::LabEvent::Changed { lab: lab.clone() }),
    );
    assert_eq!(
        changed,
        Some(Command::Lab(LabCommand::Run { lab })),
        "a saved file runs the checks"
    );
}

#[test]
fn a_track_assigned_in_another_terminal_replaces_the_open_board() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = sflab::workspace::Workspace::at(&dir.path().join("ws")).expect("workspace");
    let fixture_dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tui-curriculum");
    let curriculum = Arc::new(fixture());
    let assign = |name: &str, text: &str| {
        let file = dir.path().join(name);
        std::fs::write(&file, text).expect("track file");
        sflab::track::set_active(&ws, &file, &curriculum).expect("the track is assigned");
    };
    assign("live.yaml", TRACK);
    let mut a = App::new(curriculum.clone(), Theme::colored(), 80, 24);
    a.zone = utc();
    let (tx, rx) = std::sync::mpsc::channel();
    let mut driver = sflab::tui::lab::driver::LabDriver::new(
        ws.clone(),
        Box::new(sflab::curriculum::DiskFiles::new(&fixture_dir)),
        curriculum.clone(),
        tx,
        Arc::new(sflab::tui::input_pause::InputPause::default()),
    )
    .expect("driver");
    driver.follow_progress(std::time::Duration::from_millis(50));
    let mut pump = |a: &mut App, until: &dyn Fn(&App) -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !until(a) && std::time::Instant::now() < deadline {
            if let Ok(e) = rx.recv_timeout(std::time::Duration::from_millis(100)) {
                if let Some(command) = update(a, e) {
                    driver.handle(command);
                }
            }
        }
    };
    let on =
        |name: &'static str| move |a: &App| a.assigned.as_ref().is_some_and(|b| b.track == name);
    // The driver's first look brings the track assigned when the classroom opened; then
    // it goes quiet (nothing else writes to the workspace).
    pump(&mut a, &on("REST onboarding"));
    assert!(a.open_assigned(), "the first track arrived");
    while let Ok(e) = rx.recv_timeout(std::time::Duration::from_millis(500)) {
        update(&mut a, e);
    }

    // What `sflab track assign future.yaml` in another terminal writes.
    std::thread::sleep(std::time::Duration::from_millis(30));
    assign(
        "future.yaml",
        "track: Next sprint\nlabs:\n  - { lab: rest-crud, due: 2026-12-20 }\n  - { lab: rest-first-call, due: \"2027-01-15T09:00:00Z\" }\n",
    );
    pump(&mut a, &on("Next sprint"));
    // Judged at the fixed moment the snapshot is taken at.
    update(&mut a, Event::Tick(at("2026-12-05T12:00:00Z")));
    assert!(
        matches!(a.right, RightView::Assigned(_)),
        "the Assigned view stays open"
    );
    let s = screen(&a);
    assert!(s.contains("Assigned: Next sprint"), "{s}");
    assert!(!s.contains("REST onboarding"), "{s}");
    assert!(s.contains("0 of 2 passed"), "{s}");
    insta::assert_snapshot!(s);
}
