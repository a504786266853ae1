//! The knowledge-check pane: one question, its choices, and after answering, why.

use super::super::app::{App, Focus};
use super::super::quiz::Quiz;
use super::super::theme::Glyph;
use super::lab_tabs::word_rows;
use super::pane;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

/// `a`, `b`, `c`… for the choices (`?` past `z`, which no quiz needs).
fn choice_letter(i: usize) -> char {
    u8::try_from(i)
        .ok()
        .filter(|&i| i < 26)
        .map(|i| (b'a' + i) as char)
        .unwrap_or('?')
}

/// `text` after `lead` (a mark and a letter), wrapped at words within `width` cells, each
/// further row starting under the text's first character, as the lesson reader hangs list
/// items: choices stay apart however long they are.
fn hanging(lead: Vec<Span<'static>>, text: &str, style: Style, width: usize) -> Vec<Line<'static>> {
    let indent: usize = lead.iter().map(|s| s.content.width()).sum();
    let rows = word_rows(text, width.saturating_sub(indent).max(1));
    if rows.is_empty() {
        return vec![Line::from(lead)];
    }
    let mut lead = Some(lead);
    rows.into_iter()
        .map(|row| {
            let mut spans = lead
                .take()
                .unwrap_or_else(|| vec![Span::raw(" ".repeat(indent))]);
            spans.push(Span::styled(row, style));
            Line::from(spans)
        })
        .collect()
}

pub fn draw(app: &App, quiz: &Quiz, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let lesson = app.curriculum.lessons.get(quiz.lesson);
    let title = format!(
        "Knowledge check · {}",
        lesson.map(|l| l.title.as_str()).unwrap_or("")
    );
    let block = pane(app, Focus::Right, super::pane_title(&title, area.width, 0));
    let width = usize::from(super::reading_area(area).width);
    let mut lines: Vec<Line> = Vec::new();
    let total = quiz.questions.len();
    if quiz.finished {
        let all = quiz.correct_count == total;
        let glyph = if all { Glyph::PASS } else { Glyph::IN_PROGRESS };
        let style = if all { t.pass() } else { t.in_progress() };
        lines.push(Line::from(vec![
            Span::styled(format!("{glyph} "), style),
            Span::styled(
                format!("You answered {} of {total} correctly.", quiz.correct_count),
                t.strong(),
            ),
        ]));
        // The tree shows the best single attempt: said here when this one did worse.
        let best = lesson
            .and_then(|l| app.progress.check(&l.id))
            .map_or(0, |s| s.correct);
        if best > quiz.correct_count {
            lines.push(Line::from(Span::styled(
                format!("Your best attempt: {best} of {total}, the score the tree shows."),
                t.dim(),
            )));
        }
        lines.push(Line::from(""));
        lines.push(Line::from("⏎ to start again, Esc to go back to the tree."));
    } else if let Some(q) = quiz.current() {
        lines.push(Line::from(Span::styled(
            format!("Question {} of {total}", quiz.index + 1),
            t.dim(),
        )));
        lines.push(Line::from(Span::styled(q.question.clone(), t.strong())));
        lines.push(Line::from(""));
        for (i, choice) in q.choices.iter().enumerate() {
            let letter = choice_letter(i);
            let (mark, style) = match quiz.answered {
                Some(_) if choice.correct => (Glyph::PASS, t.pass()),
                Some(given) if given == i => (Glyph::FAIL, t.fail()),
                Some(_) => (" ", t.dim()),
                None if quiz.cursor == i => ("›", t.strong()),
                None => (" ", t.text()),
            };
            let mut text_style = style;
            if quiz.answered.is_none() && quiz.cursor == i {
                text_style = t.selection();
            }
            let lead = vec![
                Span::styled(format!("{mark} "), style),
                Span::styled(format!("{letter}) "), text_style),
            ];
            lines.extend(hanging(lead, &choice.text, text_style, width));
        }
        if let Some(given) = quiz.answered {
            lines.push(Line::from(""));
            let right = q.choices.get(given).is_some_and(|c| c.correct);
            lines.push(if right {
                Line::from(Span::styled(format!("{} Right.", Glyph::PASS), t.pass()))
            } else {
                Line::from(Span::styled(
                    format!("{} Not quite.", Glyph::FAIL),
                    t.fail(),
                ))
            });
            for (i, choice) in q.choices.iter().enumerate() {
                if i == given || choice.correct {
                    let letter = choice_letter(i);
                    let lead = vec![Span::styled(format!("{letter}) "), t.strong())];
                    lines.extend(hanging(lead, &choice.why, t.text(), width));
                }
            }
            lines.push(Line::from(""));
            let next = if quiz.index + 1 < total {
                "⏎ next question"
            } else {
                "⏎ see your score"
            };
            lines.push(Line::from(Span::styled(next, t.dim())));
        }
    }
    let inner = super::reading_area(area);
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

#[cfg(test)]
mod tests {
    use super::hanging;
    use ratatui::style::Style;
    use ratatui::text::{Line, Span};

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn a_wrapped_choice_hangs_under_its_text() {
        let lead = vec![Span::raw("✓ "), Span::raw("b) ")];
        let text_of_choice = "Events: publish a platform event the warehouse subscribes to";
        let lines = hanging(lead, text_of_choice, Style::default(), 40);
        let rows: Vec<String> = lines.iter().map(text).collect();
        assert_eq!(
            rows,
            [
                "✓ b) Events: publish a platform event",
                "     the warehouse subscribes to",
            ]
        );
    }
}
