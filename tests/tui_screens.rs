//! The classroom screen, driven with keys on a `TestBackend`, and `sflab lesson` as text.
//!
//! Lessons come from `tests/fixtures/curriculum`, so these snapshots do not change when the
//! real lessons do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;
use sflab::curriculum::Curriculum;
use sflab::tui::theme::Theme;
use sflab::tui::{run, update, view, App, Command, Event, Focus, LabStatus, RightView};
use std::path::PathBuf;
use std::sync::Arc;

#[path = "tui_lab/mod.rs"]
mod lab;
#[path = "tui_lessons/mod.rs"]
mod lessons;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/curriculum")
}

fn app(width: u16, height: u16) -> App {
    let curriculum = Curriculum::from_dir(&fixture_dir()).expect("the fixture curriculum loads");
    App::new(Arc::new(curriculum), Theme::colored(), width, height)
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn press(app: &mut App, keys: &str) -> Vec<Command> {
    keys.chars()
        .filter_map(|c| {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\x1b' => KeyCode::Esc,
                '\t' => KeyCode::Tab,
                c => KeyCode::Char(c),
            };
            update(app, key(code))
        })
        .collect()
}

fn terminal(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).expect("test terminal");
    t.draw(|f| view::draw(app, f)).expect("draw");
    t
}

fn screen(app: &App) -> String {
    // A no-break space (which keeps a figure beside its unit) looks like any other.
    terminal(app).backend().to_string().replace('\u{a0}', " ")
}

#[test]
fn tree_and_lesson_with_a_table_at_80x24() {
    let mut a = app(80, 24);
    press(&mut a, "\n]");
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn tree_and_lesson_with_a_table_at_120x40() {
    let a = app(120, 40);
    insta::assert_snapshot!(screen(&a));
}

/// The fixture curriculum with titles as long as the real course's longest.
fn app_with_long_titles(width: u16, height: u16) -> App {
    let mut c = Curriculum::from_dir(&fixture_dir()).expect("the fixture curriculum loads");
    c.lessons[1].title = "Integration patterns — request and reply, fire and forget".into();
    let lab = c.labs.first_mut().expect("the fixture has a lab");
    lab.title = "Bulk API 2.0 — upsert 50,000 accounts and keep the rejects".into();
    App::new(Arc::new(c), Theme::colored(), width, height)
}

#[test]
fn a_wide_terminal_gives_the_tree_room_for_its_long_titles() {
    let a = app_with_long_titles(200, 50);
    let s = screen(&a);
    assert!(
        s.contains("lab: Bulk API 2.0 — upsert 50,000 accounts and keep the rejects")
            && s.contains("Integration patterns — request and reply, fire and forget"),
        "the titles stand whole at 200 columns:\n{s}"
    );
    insta::assert_snapshot!(s);
    let narrow = screen(&app_with_long_titles(80, 24));
    let tree_width = |s: &str| s.lines().nth(1).map_or(0, |l| l.find("┐").unwrap_or(0));
    assert_eq!(
        tree_width(&narrow),
        tree_width(&screen(&app(80, 24))),
        "at 80 columns the tree keeps its width and cuts the titles:\n{narrow}"
    );
}

#[test]
fn help_overlay_lists_every_key() {
    let mut a = app(80, 24);
    press(&mut a, "?");
    let s = screen(&a);
    for (keys, _) in view::KEYS {
        assert!(s.contains(keys), "help shows {keys}");
    }
    assert!(s.contains("◇ check"), "and every glyph: {s}");
    insta::assert_snapshot!(s);
    press(&mut a, "?");
    assert!(!a.help, "? closes the help again");
}

#[test]
fn help_names_the_keys_the_traffic_and_evidence_footers_offer() {
    let mut a = app(80, 24);
    press(&mut a, "?");
    let s = screen(&a);
    // The evidence footer's `a every exchange` and the Traffic footer's `s` save HAR.
    assert!(s.contains(" s  a ") && s.contains("all exchanges"), "{s}");
    assert!(s.contains("save HAR"), "{s}");
    assert!(
        s.contains("with no labs, its check all right"),
        "the last row still fits at 80×24: {s}"
    );
}

#[test]
fn the_help_box_at_80_columns_leaves_no_sliver_of_the_screen_behind() {
    for width in [80u16, 81, 82] {
        let mut a = app(width, 24);
        press(&mut a, "?");
        let t = terminal(&a);
        let buf = t.backend().buffer();
        let at = |x: u16, y: u16| buf[(x, y)].symbol().to_string();
        let last = width - 1;
        assert_eq!(
            (at(0, 0), at(last, 0)),
            ("┌".into(), "┐".into()),
            "{width} columns: the box's top corners"
        );
        assert_eq!(at(last, 23), "┘");
        for y in 1..23 {
            assert_eq!(
                at(last, y),
                "│",
                "{width}: row {y} ends with the box's border"
            );
            assert_ne!(at(last - 1, y), "│", "{width}: row {y}: no second border");
        }
    }
}

#[test]
fn search_highlights_matches_and_steps_with_n() {
    let mut a = app(120, 40);
    press(&mut a, "\n/token\n");
    let t = terminal(&a);
    let buf = t.backend().buffer();
    let highlighted = buf
        .content()
        .iter()
        .filter(|c| c.bg == Color::Yellow || c.bg == Color::LightRed)
        .count();
    let r = a.reader().expect("reader");
    let visible = r
        .search
        .as_ref()
        .map(|s| {
            s.matches
                .iter()
                .filter(|m| m.line >= r.scroll && m.line < r.scroll + a.page_height())
                .count()
        })
        .unwrap_or(0);
    assert!(visible >= 2, "the fixture shows several matches at once");
    assert_eq!(
        highlighted,
        visible * "token".len(),
        "every visible match is marked"
    );
    let current = buf
        .content()
        .iter()
        .filter(|c| c.bg == Color::LightRed)
        .count();
    assert_eq!(current, "token".len(), "one match is the current one");
    insta::assert_snapshot!(t.backend().to_string());
    press(&mut a, "n");
    let s = a
        .reader()
        .and_then(|r| r.search.clone())
        .expect("search kept");
    assert_eq!(s.current, Some(1));
}

#[test]
fn escape_cancels_a_search_and_returns_to_where_it_started() {
    let mut a = app(80, 24);
    press(&mut a, "\n");
    press(&mut a, "/idempotent");
    assert!(
        a.reader().is_some_and(|r| r.scroll > 0),
        "the search scrolled to the match"
    );
    press(&mut a, "\x1b");
    let r = a.reader().expect("reader");
    assert_eq!((r.scroll, r.search.is_none()), (0, true));
}

#[test]
fn resize_lays_the_lesson_out_again_at_the_new_width() {
    let mut a = app(120, 40);
    press(&mut a, "\nGg");
    let wide = a.reader().map(|r| r.layout.width).expect("reader");
    update(&mut a, Event::Resize(90, 28));
    let narrow = a.reader().map(|r| r.layout.width).expect("reader");
    assert!(narrow < wide);
    let s = screen(&a);
    insta::assert_snapshot!(s);
}

#[test]
fn after_the_window_grows_the_tree_fills_it_from_the_top() {
    let curriculum = Curriculum::embedded().expect("the embedded curriculum loads");
    let mut a = App::new(Arc::new(curriculum), Theme::colored(), 80, 24);
    a.tree.folded.clear();
    a.focus = sflab::tui::Focus::Tree;
    press(&mut a, "G");
    assert!(a.tree.offset > 0, "the last row scrolled the tree");
    update(&mut a, Event::Resize(250, 300));
    assert_eq!(a.tree.offset, 0, "every row fits: none is hidden above");
    let s = screen(&a);
    assert!(s.contains("L0"), "the first level shows again");
}

#[test]
fn too_small_a_window_says_what_it_needs() {
    let mut a = app(120, 40);
    update(&mut a, Event::Resize(70, 20));
    let s = screen(&a);
    assert!(s.contains("80×24"));
    insta::assert_snapshot!(s);
    assert_eq!(press(&mut a, "q"), vec![Command::Quit]);
}

/// The letter of a right (or a wrong) choice of the open check's current question: choices are
/// shown in an order of their own, not the lesson's.
fn letter_for(a: &App, right: bool) -> char {
    let RightView::Quiz(q) = &a.right else {
        panic!("a knowledge check is open")
    };
    let choices = &q.current().expect("a question").choices;
    let i = choices
        .iter()
        .position(|c| c.correct == right)
        .expect("such a choice");
    char::from(b'a' + i as u8)
}

#[test]
fn knowledge_check_explains_the_answer_and_reports_it() {
    let mut a = app(80, 24);
    press(&mut a, "j\n");
    assert!(matches!(a.right, RightView::Quiz(_)));
    let wrong = letter_for(&a, false);
    let commands = press(&mut a, &format!("{wrong}\n"));
    assert_eq!(
        commands,
        vec![Command::QuizAnswered {
            lesson: "L0-start-here/apis".into(),
            question: 0,
            correct: false,
        }]
    );
    let s = screen(&a);
    assert!(s.contains("Not quite"));
    insta::assert_snapshot!(s);
    press(&mut a, "\n");
    let right = letter_for(&a, true);
    let commands = press(&mut a, &format!("{right}\n"));
    assert_eq!(
        commands,
        vec![Command::QuizAnswered {
            lesson: "L0-start-here/apis".into(),
            question: 1,
            correct: true,
        }]
    );
    press(&mut a, "\n");
    let s = screen(&a);
    assert!(s.contains("You answered 1 of 2 correctly."));
    assert!(
        s.contains("start again") && !s.contains("pick"),
        "the footer offers the score screen's keys only:\n{s}"
    );
}

#[test]
fn a_knowledge_check_left_half_way_opens_at_the_next_question() {
    let mut a = app(80, 24);
    // Question 1 answered (right) before quitting: the attempt was left part-way.
    let mut progress = sflab::tui::Progress::new();
    progress.checks.insert(
        "L0-start-here/apis".into(),
        sflab::tui::CheckScore {
            correct: 1,
            answered: 1,
        },
    );
    progress.unfinished.insert(
        "L0-start-here/apis".into(),
        sflab::tui::UnfinishedCheck {
            next: 1,
            correct: 1,
        },
    );
    update(&mut a, Event::Progress(progress));
    press(&mut a, "j\n");
    let RightView::Quiz(quiz) = &a.right else {
        panic!("the check is open");
    };
    assert_eq!(quiz.index, 1, "at question 2");
    let s = screen(&a);
    assert!(s.contains("question 2 of 2"), "{s}");
    insta::assert_snapshot!(s);
    let right = letter_for(&a, true);
    let commands = press(&mut a, &format!("{right}\n"));
    assert_eq!(
        commands,
        vec![Command::QuizAnswered {
            lesson: "L0-start-here/apis".into(),
            question: 1,
            correct: true,
        }]
    );
    press(&mut a, "\n");
    assert!(screen(&a).contains("You answered 2 of 2 correctly."));
}

#[test]
fn a_finished_knowledge_check_opens_at_question_1_for_a_retake_and_keeps_its_score() {
    let mut a = app(80, 24);
    // Both questions answered right: no attempt is left part-way.
    let mut progress = sflab::tui::Progress::new();
    progress.checks.insert(
        "L0-start-here/apis".into(),
        sflab::tui::CheckScore {
            correct: 2,
            answered: 2,
        },
    );
    update(&mut a, Event::Progress(progress));
    press(&mut a, "j\n");
    let RightView::Quiz(quiz) = &a.right else {
        panic!("the check is open");
    };
    assert_eq!((quiz.index, quiz.correct_count), (0, 0), "a fresh attempt");
    let s = screen(&a);
    assert!(s.contains("Question 1 of 2"), "{s}");
    assert!(s.contains("✓ check: 2/2"), "the score earned stays: {s}");
    assert!(!s.contains("picking up"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn a_letter_past_the_last_choice_says_which_letters_there_are() {
    let mut a = app(80, 24);
    press(&mut a, "j\n");
    assert!(
        screen(&a).contains("↑↓/a-c choose"),
        "the footer offers the letters there are"
    );
    assert!(press(&mut a, "e").is_empty(), "no answer is given");
    let RightView::Quiz(q) = &a.right else {
        panic!("the quiz stays open")
    };
    assert_eq!(q.answered, None);
    assert!(
        screen(&a).contains("this question has choices a–c"),
        "{}",
        screen(&a)
    );
}

#[test]
fn a_letter_in_a_knowledge_check_highlights_its_choice_and_enter_answers_it() {
    let mut a = app(80, 24);
    press(&mut a, "j\n");
    assert!(press(&mut a, "c").is_empty(), "a letter gives no answer");
    let RightView::Quiz(q) = &a.right else {
        panic!("the quiz stays open")
    };
    assert_eq!((q.cursor, q.answered), (2, None), "c) is highlighted");
    let s = screen(&a);
    assert!(
        s.contains("↑↓/a-c choose") && s.contains("⏎ answer"),
        "the footer says letters choose and ⏎ answers:\n{s}"
    );
    assert!(!s.contains("Not quite") && !s.contains("Right."), "{s}");
    insta::assert_snapshot!(s);
    let right = letter_for(&a, true);
    assert_eq!(
        press(&mut a, &format!("{right}\n")),
        vec![Command::QuizAnswered {
            lesson: "L0-start-here/apis".into(),
            question: 0,
            correct: true,
        }],
        "⏎ answers with the choice last picked"
    );
}

#[test]
fn a_lab_key_with_no_lab_open_says_what_it_needs() {
    let mut a = app(80, 24);
    press(&mut a, "\n");
    assert!(press(&mut a, "r").is_empty());
    assert!(
        screen(&a).contains("r acts on a lab: open one first"),
        "{}",
        screen(&a)
    );
}

#[test]
fn q_quits_a_too_small_window_even_with_a_search_prompt_open() {
    let mut a = app(80, 24);
    press(&mut a, "/");
    update(&mut a, Event::Resize(70, 20));
    assert_eq!(press(&mut a, "q"), vec![Command::Quit]);
}

#[test]
fn one_q_quits_a_too_small_window_with_the_help_open() {
    let mut a = app(80, 24);
    press(&mut a, "?");
    update(&mut a, Event::Resize(40, 15));
    assert!(screen(&a).contains("q quits."), "{}", screen(&a));
    assert_eq!(press(&mut a, "q"), vec![Command::Quit]);
}

#[test]
fn a_lesson_opened_again_resumes_where_it_was_left() {
    let mut a = app(80, 24);
    press(&mut a, "\n  ");
    let left_at = a.reader().map(|r| r.scroll).expect("a lesson is open");
    assert!(left_at > 0, "the pages moved");
    press(&mut a, "\tj\n");
    assert!(a.reader().is_none(), "something else is open");
    press(&mut a, "\tk\n");
    assert_eq!(a.reader().map(|r| r.scroll), Some(left_at));
}

#[test]
fn heading_keys_jump_between_headings() {
    let mut a = app(120, 40);
    press(&mut a, "\n]]");
    let r = a.reader().expect("reader");
    assert_eq!(r.current_heading(), Some("A first call"));
    press(&mut a, "[");
    assert_eq!(
        a.reader().and_then(|r| r.current_heading()),
        Some("The family at a glance")
    );
}

#[test]
fn heading_keys_reach_the_open_lesson_from_the_tree_as_n_does() {
    let mut a = app(120, 40);
    press(&mut a, "\n");
    update(&mut a, key(KeyCode::Tab));
    press(&mut a, "]]");
    assert_eq!(
        a.reader().and_then(|r| r.current_heading()),
        Some("A first call")
    );
    press(&mut a, "[");
    assert_eq!(
        a.reader().and_then(|r| r.current_heading()),
        Some("The family at a glance")
    );
}

#[test]
fn a_key_a_knowledge_check_ignores_says_which_keys_work() {
    let mut a = app(80, 24);
    press(&mut a, "j\n");
    assert!(matches!(a.right, RightView::Quiz(_)));
    for k in ["r", "]", "X"] {
        assert!(press(&mut a, k).is_empty());
        let s = screen(&a);
        assert!(
            s.contains(&format!("{k} does nothing in a knowledge check: ↑↓ or a–")),
            "{s}"
        );
    }
    insta::assert_snapshot!(screen(&a));
    // Letters that are choices still choose.
    press(&mut a, "b");
    let RightView::Quiz(q) = &a.right else {
        panic!("the knowledge check is still open");
    };
    assert_eq!(q.cursor, 1);
}

#[test]
fn mouse_wheel_scrolls_the_pane_under_the_pointer() {
    let mut a = app(120, 40);
    update(
        &mut a,
        Event::Wheel {
            column: 80,
            row: 10,
            lines: 3,
        },
    );
    assert_eq!(a.reader().map(|r| r.scroll), Some(3));
    let before = a.tree.selected;
    update(
        &mut a,
        Event::Wheel {
            column: 5,
            row: 10,
            lines: 3,
        },
    );
    assert_eq!(a.tree.selected, before + 1);
}

#[test]
fn tab_and_escape_move_the_focus() {
    let mut a = app(80, 24);
    press(&mut a, "\t");
    assert_eq!(a.focus, Focus::Right);
    press(&mut a, "\x1b");
    assert_eq!(a.focus, Focus::Tree);
}

#[test]
fn levels_fold_and_unfold() {
    let mut a = app(80, 24);
    press(&mut a, "gh");
    assert!(
        !screen(&a).contains("○ Choosing an API"),
        "L0 folded hides its lessons"
    );
    press(&mut a, "l");
    assert!(screen(&a).contains("○ Choosing an API"));
}

#[test]
fn progress_notifications_change_glyphs_and_counts() {
    let mut a = app(80, 24);
    let progress = [("rest-first-call".to_string(), LabStatus::Passed)]
        .into_iter()
        .collect();
    update(&mut a, Event::Progress(progress));
    let s = screen(&a);
    assert!(s.contains("✓ lab: First call"), "{s}");
    assert!(s.contains("✓ Integration patterns"));
    assert!(s.contains("1/2"), "L0 counts one of two lessons done");
}

#[test]
fn a_lesson_scrolled_to_its_end_is_reported_read_once() {
    let mut a = app(80, 24);
    let curriculum = a.curriculum.clone();
    let rest = curriculum
        .lessons
        .iter()
        .position(|l| l.id == "L1-basics/rest")
        .expect("fixture lesson");
    a.tree.select_lesson(&curriculum, rest);
    let opened = press(&mut a, "\n");
    let read = Command::LessonRead {
        lesson: "L1-basics/rest".into(),
    };
    let scrolled = press(&mut a, "G");
    let reported: Vec<&Command> = opened.iter().chain(&scrolled).collect();
    assert_eq!(reported, vec![&read], "reaching the end says so once");
    assert!(press(&mut a, "gG").is_empty(), "and only once per opening");
}

#[test]
fn a_lesson_with_labs_read_to_the_end_shows_in_progress_in_the_tree() {
    let mut a = app(80, 24);
    assert!(screen(&a).contains("○ Integration patterns"));
    let mut progress = sflab::tui::Progress::new();
    progress.read.insert("L0-start-here/patterns".into());
    update(&mut a, Event::Progress(progress));
    let s = screen(&a);
    assert!(
        s.contains("● Integration patterns"),
        "the reading shows: {s}"
    );
    assert!(
        s.contains("○ lab: First call"),
        "its lab is still to do: {s}"
    );
    assert!(s.contains("0/2"), "so the lesson is not done yet: {s}");
}

#[test]
fn lessons_without_labs_count_once_read_or_their_check_is_right() {
    let mut a = app(80, 24);
    press(&mut a, "gjjjjj\n"); // unfold L1
    let mut progress = sflab::tui::Progress::new();
    progress.read.insert("L1-basics/rest".into());
    progress.checks.insert(
        "L0-start-here/apis".into(),
        sflab::tui::CheckScore {
            correct: 1,
            answered: 2,
        },
    );
    update(&mut a, Event::Progress(progress.clone()));
    let s = screen(&a);
    assert!(s.contains("◇ check: 1/2"), "{s}");
    assert!(s.contains("● Choosing an API"), "{s}");
    assert!(s.contains("✓ REST basics"), "{s}");
    progress.checks.insert(
        "L0-start-here/apis".into(),
        sflab::tui::CheckScore {
            correct: 2,
            answered: 2,
        },
    );
    update(&mut a, Event::Progress(progress));
    let s = screen(&a);
    assert!(s.contains("✓ check: 2/2"), "{s}");
    assert!(s.contains("✓ Choosing an API"), "{s}");
    assert!(s.contains("1/2"), "L0: the answered lesson of two: {s}");
    assert!(s.contains("1/1"), "L1: its one lesson, read: {s}");
    insta::assert_snapshot!(s);
}

#[test]
fn unreachable_backend_shows_in_the_title_bar() {
    let mut a = app(80, 24);
    let status = sflab::tui::BackendStatus {
        name: "mock".into(),
        url: Some("https://127.0.0.1:8443".into()),
        reachable: false,
    };
    update(&mut a, Event::Backend(status));
    let first_line = screen(&a).lines().next().unwrap_or_default().to_string();
    assert!(first_line.contains("mock ✗ unreachable"), "{first_line}");
}

#[test]
fn no_color_draws_without_any_colour() {
    let curriculum = Curriculum::from_dir(&fixture_dir()).expect("fixture");
    let mut a = App::new(Arc::new(curriculum), Theme::monochrome(), 120, 40);
    press(&mut a, "\n/token\n");
    let t = terminal(&a);
    for cell in t.backend().buffer().content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{cell:?}");
    }
}

#[test]
fn run_stops_at_q_and_passes_other_commands_on() {
    let mut a = app(80, 24);
    let right = {
        let mut probe = app(80, 24);
        press(&mut probe, "j\n");
        letter_for(&probe, true)
    };
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    let mut seen = Vec::new();
    let events = vec![
        key(KeyCode::Char('j')),
        key(KeyCode::Enter),
        key(KeyCode::Char(right)),
        key(KeyCode::Enter),
        key(KeyCode::Char('q')),
        key(KeyCode::Char('j')),
    ];
    run(&mut t, &mut a, events, |c| seen.push(c)).expect("run");
    assert_eq!(seen.len(), 1);
    assert!(matches!(
        &seen[0],
        Command::QuizAnswered { correct: true, .. }
    ));
    let ctrl_c = Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(update(&mut a, ctrl_c), Some(Command::Quit));
}

fn sflab(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sflab"))
        .arg("--curriculum")
        .arg(fixture_dir())
        .args(args)
        .output()
        .expect("sflab runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn lesson_command_prints_the_rendered_lesson_at_the_given_width() {
    let text = sflab(&["lesson", "L0-start-here/apis", "--width", "60"]);
    // Into a pipe, code lines print as written (never cut, no gutter) so copied commands run;
    // everything else fits the width.
    let long_command = "curl -s \"$SF_INSTANCE_URL/services/data/\" -H \"Authorization: Bearer $SF_ACCESS_TOKEN\" | jq '.[-1]'";
    assert!(text.lines().any(|l| l == long_command), "{text}");
    assert!(!text.contains('┆'), "{text}");
    let mut in_code = false;
    for line in text.lines() {
        if in_code {
            in_code = line != "╰─";
            continue;
        }
        in_code = line.starts_with("╭─") && !line.ends_with('╮');
        assert!(
            unicode_width::UnicodeWidthStr::width(line) <= 60,
            "{line:?}"
        );
    }
    assert!(text.contains("┌") && text.contains("╭─ ⚠ Common mistake"));
    assert!(
        !text.contains("**"),
        "markdown marks are rendered, not printed"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn lesson_command_raw_prints_the_markdown() {
    let text = sflab(&["lesson", "L0-start-here/patterns", "--raw"]);
    assert!(text.starts_with("# Integration patterns"));
    assert!(text.contains("**Request and reply**"));
}

#[test]
fn list_piped_into_a_reader_that_stops_early_ends_without_a_panic() {
    use std::io::Read;
    let ws = tempfile::tempdir().unwrap();
    sflab::workspace::Workspace::at(ws.path()).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sflab"))
        .args(["--workspace", &ws.path().display().to_string()])
        .arg("list")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("sflab runs");
    // Read one byte, then hang up, as `head -c1` would.
    let mut first = [0u8; 1];
    let mut out = child.stdout.take().unwrap();
    out.read_exact(&mut first).unwrap();
    drop(out);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(status.code(), Some(101), "{err}");
}

#[test]
fn a_curriculum_folder_that_does_not_exist_is_an_error_not_an_empty_course() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sflab"))
        .args(["--curriculum", "/nonexistent/sflab-course", "list"])
        .output()
        .expect("sflab runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/sflab-course"), "{err}");
    assert!(err.contains("no folder"), "{err}");
    let empty = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sflab"))
        .arg("--curriculum")
        .arg(empty.path())
        .arg("list")
        .output()
        .expect("sflab runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither lessons/ nor labs/"));
}

#[test]
fn a_broken_lesson_leaves_the_rest_listed_and_is_named_but_dev_check_refuses_it() {
    let course = tempfile::tempdir().unwrap();
    let copy = |from: &std::path::Path, to: &std::path::Path| {
        for entry in walk(from) {
            let rel = entry.strip_prefix(from).unwrap();
            let target = to.join(rel);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&entry, &target).unwrap();
        }
    };
    copy(&fixture_dir(), course.path());
    let lesson = walk(&course.path().join("lessons"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("README.md"))
        .expect("a lesson");
    let text = std::fs::read_to_string(&lesson).unwrap();
    std::fs::write(
        &lesson,
        text.replacen("title:", "title: \"unclosed\n  broken:", 1),
    )
    .unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sflab"))
            .arg("--curriculum")
            .arg(course.path())
            .args(args)
            .output()
            .expect("sflab runs")
    };
    let out = run(&["list"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let rel = lesson
        .strip_prefix(course.path())
        .unwrap()
        .display()
        .to_string();
    assert!(err.contains(&rel) && err.contains("left out"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).is_empty());
    let out = run(&["dev", "check", "--lab", "nothing-here"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "authoring needs the whole curriculum sound"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(&rel));
}

#[test]
fn a_command_naming_a_lab_left_out_for_a_broken_file_says_why() {
    let course = tempfile::tempdir().unwrap();
    for entry in walk(&fixture_dir()) {
        let rel = entry.strip_prefix(fixture_dir()).unwrap();
        let target = course.path().join(rel);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &target).unwrap();
    }
    let yaml = course.path().join("labs/rest-first-call/lab.yaml");
    std::fs::write(&yaml, "id: rest-first-call\nchecks: [ {\n").unwrap();
    let ws = tempfile::tempdir().unwrap();
    for args in [
        vec!["check", "rest-first-call"],
        vec!["lab", "start", "rest-first-call"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sflab"))
            .arg("--curriculum")
            .arg(course.path())
            .arg("--workspace")
            .arg(ws.path())
            .args(&args)
            .output()
            .expect("sflab runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        assert!(
            err.contains("lab \"rest-first-call\" was left out of the curriculum because its files have a problem: labs/rest-first-call/lab.yaml"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_mistyped_lab_or_lesson_id_gets_a_tip_naming_the_closest_ids() {
    let ws = tempfile::tempdir().unwrap();
    let mistyped: [&[&str]; 5] = [
        &["check", "rest-frist-call"],
        &["hint", "rest-first-cal"],
        &["lab", "show", "rest-frist-call"],
        &["solution", "rest-first-calll"],
        &["lab", "start", "rest-first-clal"],
    ];
    for args in mistyped {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sflab"))
            .arg("--curriculum")
            .arg(fixture_dir())
            .arg("--workspace")
            .arg(ws.path())
            .args(args)
            .output()
            .expect("sflab runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("`sflab list` shows every lab id."),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("tip: a similar lab exists: 'rest-first-call'"),
            "{args:?}: {err}"
        );
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sflab"))
        .arg("--curriculum")
        .arg(fixture_dir())
        .args(["lesson", "L0-start-here/patetrns"])
        .output()
        .expect("sflab runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("tip: a similar lesson exists: 'L0-start-here/patterns'"),
        "{err}"
    );
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A workspace whose progress database holds a few passed labs.
fn workspace_with_progress() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    let workspace = sflab::workspace::Workspace::at(ws.path()).unwrap();
    let mut store = sflab::progress::Store::open(&workspace.progress_db()).unwrap();
    let verdicts = [sflab::rules::Verdict::pass("process.exit_ok", 1, "fine")];
    for lab in ["rest-first-call", "rest-crud", "read-limits"] {
        for _ in 0..20 {
            store
                .record_attempt(&sflab::progress::NewAttempt {
                    lab,
                    started_at: chrono::Utc::now(),
                    duration_ms: 5,
                    passed: true,
                    points: 1,
                    max_points: 1,
                    backend: "mock",
                    org: None,
                    error: None,
                    verdicts: &verdicts,
                    exchanges: &[],
                    runs: &[],
                })
                .unwrap();
        }
    }
    ws
}

#[test]
fn list_over_a_damaged_progress_database_says_so_instead_of_showing_no_progress() {
    let list = |ws: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sflab"))
            .arg("--workspace")
            .arg(ws)
            .arg("list")
            .output()
            .expect("sflab runs")
    };
    let ws = workspace_with_progress();
    let out = list(ws.path());
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains('✓'));

    let db = ws.path().join(".sflab/progress.db");
    let len = std::fs::metadata(&db).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
    file.set_len(len / 2).unwrap();
    drop(file);
    let out = list(ws.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is damaged") && err.contains("aside"), "{err}");
    assert!(err.contains("Your lab folders are untouched"), "{err}");

    // The TUI refuses too, rather than draw a tree of ○ (checked before the terminal is).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sflab"))
        .arg("--workspace")
        .arg(ws.path())
        .output()
        .expect("sflab runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is damaged"), "{err}");

    std::fs::write(&db, "garbage, not a database\n").unwrap();
    let out = list(ws.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is damaged") && err.contains("aside"), "{err}");
}

#[test]
fn a_stop_signal_quits_from_any_screen_as_q_does() {
    let mut a = app(80, 24);
    assert_eq!(update(&mut a, Event::Stop), Some(Command::Quit));
    press(&mut a, "/tok");
    assert_eq!(
        update(&mut a, Event::Stop),
        Some(Command::Quit),
        "while typing a search"
    );
    press(&mut a, "\x1b?");
    assert!(a.help);
    assert_eq!(
        update(&mut a, Event::Stop),
        Some(Command::Quit),
        "over the help"
    );
}

#[test]
fn n_in_a_lesson_counts_each_match_and_says_when_it_wraps() {
    let mut a = app(120, 40);
    press(&mut a, "\n/token\n");
    let total = a
        .reader()
        .and_then(|r| r.search.as_ref())
        .map_or(0, |s| s.matches.len());
    assert!(total >= 2, "the fixture has several matches");
    let flash = |a: &App| a.flash.as_ref().map(|f| f.0.clone()).unwrap_or_default();
    press(&mut a, "n");
    assert_eq!(flash(&a), format!("\"token\" 2/{total}"));
    for _ in 2..total {
        press(&mut a, "n");
    }
    press(&mut a, "n");
    assert_eq!(
        flash(&a),
        format!("\"token\" 1/{total} · wrapped to the first match")
    );
}

const UPSERT_DOCS: &str =
    "https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm";

/// A curriculum of one lesson ending in its sources, as real lessons do.
fn lesson_with_sources() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let lessons = dir.path().join("lessons/L1-basics");
    std::fs::create_dir_all(&lessons).expect("lessons folder");
    std::fs::write(
        lessons.join("sources.md"),
        format!(
            "---\nid: L1-basics/sources\ntitle: Upserts\nlevel: L1\norder: 1\nsummary: Upsert.\n---\n\
             # Upserts\n\nAn upsert finds the record by its external ID.\n\n## Sources\n\n\
             - Upsert a Record Using an External ID — {UPSERT_DOCS}\n"
        ),
    )
    .expect("lesson");
    dir
}

#[test]
fn a_long_source_url_goes_on_over_a_marked_line_and_prints_whole_to_a_pipe() {
    let dir = lesson_with_sources();
    let curriculum = Curriculum::from_dir(dir.path()).expect("the curriculum loads");
    let mut a = App::new(Arc::new(curriculum), Theme::colored(), 120, 24);
    a.open_lesson(0);
    a.focus = Focus::Right;
    press(&mut a, "G");
    let s = screen(&a);
    assert!(
        s.contains("https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/"),
        "{s}"
    );
    // The rest of the URL is on the next line, marked as cut, not lost at the pane's edge.
    assert!(s.contains("┆ dome_upsert.htm"), "{s}");
    insta::assert_snapshot!(s);

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sflab"))
        .arg("--curriculum")
        .arg(dir.path())
        .args(["lesson", "L1-basics/sources", "--width", "60"])
        .output()
        .expect("sflab runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.lines().any(|l| l.trim() == UPSERT_DOCS),
        "the URL is one line, to copy or click: {text}"
    );
}
