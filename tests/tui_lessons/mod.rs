//! Every embedded lesson's first screen at 80×24 (the lesson pane), one snapshot per lesson
//! (named by its id),
//! so a table that stops fitting or a markdown artefact shows up in review. Colour is not in
//! the text snapshots, so a separate check reads the cells: every fenced block in a known
//! language carries token colours beyond the plain code colour.

use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use ratatui::Terminal;
use sflab::curriculum::Curriculum;
use sflab::markdown::Family;
use sflab::tui::theme::Theme;
use sflab::tui::{view, App, Focus};
use std::sync::Arc;

/// The classroom at 80×24 with lesson `index` open in the reader, as the learner sees it
/// after choosing the lesson in the tree.
fn first_screen(curriculum: &Arc<Curriculum>, index: usize, theme: Theme) -> Buffer {
    let mut app = App::new(curriculum.clone(), theme, 80, 24);
    app.open_lesson(index);
    app.tree.select_lesson(curriculum, index);
    app.tree.keep_visible(app.geometry().tree_rows());
    app.focus = Focus::Right;
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    t.draw(|f| view::draw(&app, f)).expect("draw");
    t.backend().buffer().clone()
}

/// The reading area's text on row `y` (inside the right pane's border and padding).
fn reading_row(buf: &Buffer, app_x: u16, y: u16) -> (String, Vec<(String, Option<Color>)>) {
    let mut text = String::new();
    let mut cells = Vec::new();
    for x in app_x..buf.area.width.saturating_sub(2) {
        let c = &buf[(x, y)];
        text.push_str(c.symbol());
        cells.push((c.symbol().to_string(), Some(c.fg)));
    }
    (text, cells)
}

/// Problems with a first screen: raw markdown left in the text, code blocks in a known
/// language drawn without token colours.
fn problems(buf: &Buffer, reading_x: u16) -> Vec<String> {
    let mut out = Vec::new();
    let mut code: Option<(String, Vec<Color>, bool)> = None;
    for y in 1..buf.area.height.saturating_sub(1) {
        let (text, cells) = reading_row(buf, reading_x, y);
        let trimmed = text.trim_start();
        if let Some(rest) = trimmed.strip_prefix("╭─") {
            code = Some((rest.trim().to_string(), Vec::new(), false));
            continue;
        }
        if let Some((lang, colours, any)) = code.as_mut() {
            if trimmed.starts_with("╰─") {
                check_code(lang, colours, *any, &mut out);
                code = None;
                continue;
            }
            // Skip the gutter ("│ " or "┆ ") and collect the colours of the code itself.
            let start = cells
                .iter()
                .position(|(s, _)| s == "│" || s == "┆")
                .map_or(0, |i| i + 2);
            for (s, fg) in cells.iter().skip(start) {
                if !s.trim().is_empty() {
                    *any = true;
                    if let Some(c) = fg {
                        colours.push(*c);
                    }
                }
            }
            continue;
        }
        for artefact in ["```", "|---", "---|", "**", "](", "<br"] {
            if text.contains(artefact) {
                out.push(format!("row {y}: raw markdown {artefact:?} in {text:?}"));
            }
        }
    }
    if let Some((lang, colours, any)) = code {
        check_code(&lang, &colours, any, &mut out);
    }
    out
}

fn check_code(lang: &str, colours: &[Color], any: bool, out: &mut Vec<String>) {
    if !any || Family::of(lang) == Family::Plain {
        return;
    }
    let plain = Theme::colored().code().fg.unwrap_or(Color::Reset);
    if !colours.iter().any(|c| *c != plain && *c != Color::Reset) {
        out.push(format!("a {lang} block is drawn without token colours"));
    }
}

#[test]
fn every_lesson_first_screen_at_80x24() {
    let curriculum = Arc::new(Curriculum::embedded().expect("the embedded curriculum loads"));
    assert!(!curriculum.lessons.is_empty());
    let geometry = App::new(curriculum.clone(), Theme::colored(), 80, 24).geometry();
    let (reading_x, right) = (geometry.reading().x, geometry.right);
    let mut failures = Vec::new();
    for (i, lesson) in curriculum.lessons.iter().enumerate() {
        let buf = first_screen(&curriculum, i, Theme::colored());
        for p in problems(&buf, reading_x) {
            failures.push(format!("{}: {p}", lesson.id));
        }
        // The lesson pane only: the tree and the status bar count the whole curriculum and
        // change whenever a lesson is added elsewhere.
        let text: String = (right.y..right.y + right.height)
            .map(|y| {
                let row: String = (right.x..right.x + right.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect();
                format!("{row}\n")
            })
            .collect();
        let name = lesson.id.replace('/', "__");
        insta::with_settings!({
            snapshot_path => "snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("{} — first screen at 80x24", lesson.id),
        }, {
            insta::assert_snapshot!(name, text);
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_colour_check_catches_code_drawn_without_colours() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/curriculum");
    let curriculum = Arc::new(Curriculum::from_dir(&dir).expect("fixture curriculum"));
    let index = curriculum
        .lessons
        .iter()
        .position(|l| l.id == "L1-basics/rest")
        .expect("the fixture lesson with xml and apex blocks");
    let x = App::new(curriculum.clone(), Theme::colored(), 80, 24)
        .geometry()
        .reading()
        .x;
    let coloured = problems(&first_screen(&curriculum, index, Theme::colored()), x);
    assert!(coloured.is_empty(), "{coloured:?}");
    let plain = problems(&first_screen(&curriculum, index, Theme::monochrome()), x);
    assert!(
        plain.iter().any(|p| p.contains("without token colours")),
        "{plain:?}"
    );
}
