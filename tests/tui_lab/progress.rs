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
