//! Progress reaching an open screen: checks run from the CLI in another process, knowledge
//! check answers and lessons read, all through the driver's `Event::Progress`.

use super::{collect, driver_on_the_embedded_curriculum};
use sflab::progress::{NewAttempt, Store};
use sflab::tui::{CheckScore, Command, Event, LabStatus};
use std::time::Duration;

fn progress(e: &Event) -> Option<&sflab::tui::Progress> {
    match e {
        Event::Progress(p) => Some(p),
        _ => None,
    }
}

#[test]
fn a_check_run_from_another_process_reaches_the_open_screen() {
    let (_dir, ws, mut driver, rx) = driver_on_the_embedded_curriculum();
    driver.follow_progress(Duration::from_millis(50));
    let first = collect(&rx, |e| progress(e).is_some());
    assert!(first.iter().any(|e| progress(e).is_some()), "read at start");

    // What `sflab check rest-first-call` in another terminal writes.
    std::thread::sleep(Duration::from_millis(30));
    let mut cli = Store::open(&ws.progress_db()).expect("store");
    cli.record_attempt(&NewAttempt {
        lab: "rest-first-call",
        started_at: chrono::Utc::now(),
        duration_ms: 120,
        passed: true,
        points: 2,
        max_points: 2,
        backend: "mock",
        org: None,
        error: None,
        verdicts: &[],
        exchanges: &[],
        runs: &[],
    })
    .expect("attempt recorded");
    drop(cli);

    let passed =
        |e: &Event| progress(e).is_some_and(|p| p.lab("rest-first-call") == LabStatus::Passed);
    let events = collect(&rx, passed);
    assert!(events.iter().any(passed), "{events:#?}");
}

#[test]
fn answers_and_reading_come_back_as_progress() {
    let (_dir, _ws, mut driver, rx) = driver_on_the_embedded_curriculum();
    let lesson = "L3-client-apps/external-client-apps".to_string();
    for question in 0..3 {
        driver.handle(Command::QuizAnswered {
            lesson: lesson.clone(),
            question,
            correct: question != 1,
        });
    }
    let last = rx
        .try_iter()
        .filter_map(|e| progress(&e).cloned())
        .last()
        .expect("progress after each answer");
    assert_eq!(
        last.check(&lesson),
        Some(CheckScore {
            correct: 2,
            answered: 3
        })
    );
    driver.handle(Command::LessonRead {
        lesson: lesson.clone(),
    });
    let last = rx
        .try_iter()
        .filter_map(|e| progress(&e).cloned())
        .last()
        .expect("progress after reading");
    assert!(last.read_to_end(&lesson));
}

#[test]
fn a_passed_knowledge_check_keeps_its_pass_through_an_abandoned_retake() {
    let (_dir, _ws, mut driver, rx) = driver_on_the_embedded_curriculum();
    let lesson = "L3-client-apps/external-client-apps".to_string();
    let answer = |driver: &mut sflab::tui::lab::driver::LabDriver, question, correct| {
        driver.handle(Command::QuizAnswered {
            lesson: lesson.clone(),
            question,
            correct,
        })
    };
    for question in 0..3 {
        answer(&mut driver, question, true);
    }
    // ⏎ starts the check again, one wrong answer, Esc.
    answer(&mut driver, 0, false);
    let last = rx
        .try_iter()
        .filter_map(|e| progress(&e).cloned())
        .last()
        .expect("progress after each answer");
    assert_eq!(
        last.check(&lesson),
        Some(CheckScore {
            correct: 3,
            answered: 3
        }),
        "the pass earned first is kept"
    );
}

#[test]
fn an_attempt_checked_in_another_terminal_shows_in_the_open_labs_results() {
    use sflab::rules::Verdict;
    use sflab::tui::theme::Theme;
    use sflab::tui::{update, App};
    let (_dir, ws, mut driver, rx) = driver_on_the_embedded_curriculum();
    let lab = "rest-first-call";
    let curriculum = std::sync::Arc::new(sflab::curriculum::Curriculum::embedded().unwrap());
    let mut app = App::new(curriculum, Theme::colored(), 120, 40);
    app.open_lab(lab);
    driver.follow_progress(Duration::from_millis(50));
    // Whatever the app asks of the driver is carried out, as the screen's loop does.
    let mut pump = |app: &mut App, until: &dyn Fn(&App) -> bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !until(app) && std::time::Instant::now() < deadline {
            if let Ok(e) = rx.recv_timeout(Duration::from_millis(100)) {
                if let Some(command) = update(app, e) {
                    driver.handle(command);
                }
            }
        }
    };
    pump(&mut app, &|a| {
        !a.progress.labs.is_empty() || a.lab_view().is_some()
    });
    assert!(app.lab_view().is_some_and(|v| v.outcome.is_none()));

    std::thread::sleep(Duration::from_millis(30));
    let mut cli = Store::open(&ws.progress_db()).expect("store");
    cli.record_attempt(&NewAttempt {
        lab,
        started_at: chrono::Utc::now(),
        duration_ms: 80,
        passed: false,
        points: 0,
        max_points: 2,
        backend: "mock",
        org: None,
        error: None,
        verdicts: &[Verdict::fail("http.status_2xx", 2, "the call answered 401")],
        exchanges: &[],
        runs: &[],
    })
    .expect("attempt recorded");
    drop(cli);

    let shows = |a: &App| {
        a.lab_view()
            .and_then(|v| v.outcome.as_ref())
            .is_some_and(|o| o.verdicts.iter().any(|v| v.rule == "http.status_2xx"))
    };
    pump(&mut app, &shows);
    assert!(shows(&app), "the open lab shows the attempt made elsewhere");
}

/// The knowledge check of `lesson` opened on `app` with the latest progress from `rx`: the
/// question it opens at and the right answers it counts so far.
fn reopened(
    app: &mut sflab::tui::App,
    rx: &std::sync::mpsc::Receiver<Event>,
    lesson: &str,
) -> (usize, usize) {
    if let Some(p) = rx.try_iter().filter_map(|e| progress(&e).cloned()).last() {
        sflab::tui::update(app, Event::Progress(p));
    }
    let index = app
        .curriculum
        .lessons
        .iter()
        .position(|l| l.id == lesson)
        .expect("the lesson is in the curriculum");
    app.open_quiz(index);
    match &app.right {
        sflab::tui::RightView::Quiz(q) => (q.index, q.correct_count),
        _ => panic!("the check is open"),
    }
}

#[test]
fn a_finished_check_opens_for_a_retake_at_question_1_and_a_retake_left_part_way_picks_up() {
    use sflab::tui::theme::Theme;
    let (_dir, _ws, mut driver, rx) = driver_on_the_embedded_curriculum();
    let lesson = "L3-client-apps/external-client-apps".to_string();
    let curriculum = std::sync::Arc::new(sflab::curriculum::Curriculum::embedded().unwrap());
    let mut app = sflab::tui::App::new(curriculum, Theme::colored(), 120, 40);
    let mut answer = |question, correct| {
        driver.handle(Command::QuizAnswered {
            lesson: lesson.clone(),
            question,
            correct,
        })
    };
    // A first attempt left after question 1: it picks up at question 2.
    answer(0, true);
    assert_eq!(reopened(&mut app, &rx, &lesson), (1, 1));
    // Finished: opening it again is a retake from question 1, the score kept as it was.
    answer(1, true);
    answer(2, true);
    assert_eq!(reopened(&mut app, &rx, &lesson), (0, 0));
    let passed = CheckScore {
        correct: 3,
        answered: 3,
    };
    assert_eq!(app.progress.check(&lesson), Some(passed));
    // The retake left after question 2: it picks up at question 3 with the retake's own
    // right answers, while the score earned before stays.
    answer(0, false);
    answer(1, true);
    assert_eq!(reopened(&mut app, &rx, &lesson), (2, 1));
    assert_eq!(app.progress.check(&lesson), Some(passed));
    let flash = app.flash.as_ref().map(|f| f.0.clone()).unwrap_or_default();
    assert_eq!(flash, "picking up where you left off: question 3 of 3");
}
