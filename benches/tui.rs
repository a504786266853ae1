//! Benchmarks for the classroom screen: the first frame from a cold start, and redrawing the
//! longest lesson once its layout is cached. Targets: first frame < 50 ms, cached redraw < 2 ms.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use sflab::curriculum::Curriculum;
use sflab::markdown::Document;
use sflab::tui::theme::Theme;
use sflab::tui::{view, App};
use std::sync::Arc;

/// Embedded curriculum load + tree + lesson layout + one draw at 120×40.
fn first_frame(c: &mut Criterion) {
    c.bench_function("first frame, cold start, 120x40", |b| {
        b.iter(|| {
            let curriculum = Curriculum::embedded().expect("the embedded curriculum loads");
            let app = App::new(Arc::new(curriculum), Theme::colored(), 120, 40);
            let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
            terminal.draw(|f| view::draw(&app, f)).expect("draw");
            black_box(terminal.backend().buffer().area);
        })
    });
}

fn longest_lesson(curriculum: &Curriculum) -> usize {
    (0..curriculum.lessons.len())
        .max_by_key(|&i| curriculum.lessons[i].body.len())
        .unwrap_or(0)
}

/// Redraws the longest lesson at 120 columns, layout already cached, scrolled midway.
fn cached_redraw(c: &mut Criterion) {
    redraw(
        c,
        Curriculum::embedded().expect("the embedded curriculum loads"),
    );
    // A long lesson regardless of what the embedded curriculum holds today: the test
    // fixture's lesson (tables, code, call-outs, lists) twenty times over.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/curriculum");
    let mut long = Curriculum::from_dir(&dir).expect("the fixture curriculum loads");
    let body = long.lessons[0].body.repeat(20);
    long.lessons[0].body = body;
    redraw(c, long);
}

fn redraw(c: &mut Criterion, curriculum: Curriculum) {
    let longest = longest_lesson(&curriculum);
    let body = curriculum.lessons[longest].body.clone();
    let mut app = App::new(Arc::new(curriculum), Theme::colored(), 120, 40);
    app.open_lesson(longest);
    let h = app.page_height();
    if let Some(r) = app.reader_mut() {
        let mid = r.max_scroll(h) / 2;
        r.scroll_to(mid, h);
    }
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    c.bench_function(
        &format!(
            "redraw longest lesson ({} bytes), cached, 120x40",
            body.len()
        ),
        |b| b.iter(|| terminal.draw(|f| view::draw(&app, f)).expect("draw").area),
    );
    // The uncached cost, for scale: parse + layout of the same lesson at 120 columns.
    c.bench_function(
        &format!("parse + layout ({} bytes) at 120 columns", body.len()),
        |b| {
            b.iter(|| {
                Document::parse(black_box(&body))
                    .layout(83, &Theme::colored())
                    .len()
            })
        },
    );
}

criterion_group!(benches, first_frame, cached_redraw);
criterion_main!(benches);
