//! The lab view's frame — tabs across the top with the run's state, the detail pane over
//! them — and the Brief tab: goal, what the checks look for, files, environment, hints.

use super::super::app::{App, Focus};
use super::super::lab::brief::{paragraphs, what_it_checks_in};
use super::super::lab::brief_text::{wrapped_joins, BriefText};
use super::super::lab::{LabTab, LabView, RunState};
use super::super::theme::Glyph;
use super::tree::fit;
use super::{lab_org, lab_results, lab_tabs, pane};
use crate::markdown::WrapJoin;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use unicode_width::UnicodeWidthChar;

pub fn draw(app: &App, view: &LabView, frame: &mut Frame, area: Rect) {
    let title = app
        .curriculum
        .lab(&view.lab)
        .map(|l| l.title.clone())
        .unwrap_or_else(|| view.lab.clone());
    let title = super::pane_title(&format!("lab: {title}"), area.width, 0);
    let block = pane(app, Focus::Right, title).title_bottom(run_state(app, view).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 3 || inner.width < 10 {
        return;
    }
    let bar = Rect::new(inner.x + 1, inner.y, inner.width.saturating_sub(2), 1);
    frame.render_widget(Paragraph::new(tab_bar(app, view)), bar);
    let body = Rect::new(
        inner.x + 1,
        inner.y + 2,
        inner.width.saturating_sub(2),
        inner.height.saturating_sub(2),
    );
    match view.tab {
        LabTab::Brief => brief(app, view, frame, body),
        LabTab::Results => lab_results::results(app, view, frame, body),
        LabTab::Traffic => lab_tabs::traffic(app, view, frame, body),
        LabTab::Org => lab_org::org(app, view, frame, body),
        LabTab::Console => lab_org::console(app, view, frame, body),
    }
    if view.detail.is_some() {
        lab_tabs::detail(app, view, frame, body);
    }
}

/// `1 Brief  2 Results …`, the open tab highlighted.
fn tab_bar(app: &App, view: &LabView) -> Line<'static> {
    let t = &app.theme;
    let spans: Vec<Span<'static>> = LabTab::ALL
        .iter()
        .enumerate()
        .map(|(i, tab)| {
            let style = if *tab == view.tab {
                t.selection().patch(t.strong())
            } else {
                t.dim()
            };
            Span::styled(format!(" {} {} ", i + 1, tab.label()), style)
        })
        .collect();
    Line::from(spans)
}

/// The run's state for the pane's bottom border: watch, running, passed or failed.
fn run_state(app: &App, view: &LabView) -> Line<'static> {
    let t = &app.theme;
    let mut spans: Vec<Span<'static>> = Vec::new();
    if view.watch {
        spans.push(Span::styled(" ◉ watch ", t.in_progress()));
    }
    let state = match (view.run, &view.outcome, &view.error) {
        (RunState::Preparing, _, _) => Span::styled(" ● preparing ", t.in_progress()),
        (RunState::Running { index, of }, _, _) => Span::styled(
            format!(
                " ● running {}/{of} · {} ",
                index + 1,
                crate::wording::plural(view.exchanges.len(), "call")
            ),
            t.in_progress(),
        ),
        (RunState::Idle, _, Some(_)) => Span::styled(" ✗ could not run ", t.fail()),
        (RunState::Idle, Some(o), None) => {
            let (glyph, word, style) = if o.passed {
                (Glyph::PASS, "passed", t.pass())
            } else {
                (Glyph::FAIL, "failed", t.fail())
            };
            // After a reset the earned result stays (as a restart shows it), marked as
            // being from before the files went back to the starter.
            let since = if view.files_reset {
                "(files reset since) "
            } else {
                ""
            };
            Span::styled(
                format!(" {glyph} {word} {}/{} {since}", o.points, o.max_points),
                style,
            )
        }
        (RunState::Idle, None, None) => Span::styled(" ○ not run yet ", t.dim()),
    };
    spans.push(state);
    Line::from(spans)
}

fn heading(app: &App, text: &str) -> Line<'static> {
    Line::from(Span::styled(text.to_string(), app.theme.heading(2)))
}

fn brief(app: &App, view: &LabView, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let width = area.width as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    // Where each section heading starts (`]` and `[` jump between them).
    let mut heads: Vec<usize> = Vec::new();
    // The lines that go on from the line before where the brief wrapped a paragraph, by
    // index, so that `/` reads the paragraph as one line.
    let mut joins: Vec<(usize, WrapJoin)> = Vec::new();
    let spec = match &view.spec {
        Ok(s) => s,
        Err(e) => {
            frame.render_widget(
                Paragraph::new(Span::styled(e.clone(), t.fail())).wrap(Wrap { trim: true }),
                area,
            );
            return;
        }
    };
    if let Some(goal) = &view.goal {
        let at = lines.len();
        joins.extend(
            goal.joins
                .iter()
                .enumerate()
                .filter_map(|(i, j)| Some((at + i, (*j)?))),
        );
        lines.extend(goal.lines.iter().cloned());
    } else if !spec.summary.is_empty() {
        lines.push(Line::from(spec.summary.clone()));
    }
    lines.push(Line::from(""));
    heads.push(lines.len());
    lines.push(heading(app, "What the checks look for"));
    for c in &spec.checks {
        let pts = if c.points == 1 { "point" } else { "points" };
        let what = what_it_checks_in(c, &spec.checks);
        // A no-break space keeps the figure beside its word when the line wraps.
        let points = format!("  {}\u{a0}{pts}", c.points);
        let line = Line::from(vec![
            Span::raw("• "),
            Span::raw(what.clone()),
            Span::styled(points.clone(), t.dim()),
        ]);
        if line.width() <= width {
            lines.push(line);
            continue;
        }
        // Too long for a row: it goes on under its text, as a lesson's bullets do.
        let runs = [(what.clone(), Style::new()), (points.clone(), t.dim())];
        let rows = hanging(Span::raw("• "), &runs, width);
        push_wrapped(&mut lines, &mut joins, rows, &format!("{what}{points}"), 2);
    }
    if spec.run.times > 1 {
        lines.push(Line::from(Span::styled(
            format!("./run is started {} times in a row.", spec.run.times),
            t.dim(),
        )));
    }
    lines.push(Line::from(""));
    heads.push(lines.len());
    lines.push(heading(app, "Your files"));
    match &view.dir {
        Some(dir) => {
            lines.push(Line::from(Span::styled(
                fit(&dir.display().to_string(), width),
                t.code(),
            )));
            for f in &view.files {
                lines.push(Line::from(vec![
                    Span::raw("  "),
                    Span::styled(f.clone(), t.code()),
                ]));
            }
            let edit = if spec.files.is_empty() || spec.files.iter().any(|f| f == "run") {
                "e opens them in $EDITOR; ./run is what the checks start (any language)."
                    .to_string()
            } else {
                format!(
                    "e opens them in $EDITOR; yours to edit: {}.",
                    spec.files.join(", ")
                )
            };
            lines.push(Line::from(Span::styled(edit, t.dim())));
        }
        None => lines.push(Line::from(Span::styled(
            "(looking for the lab's folder in your workspace…)",
            t.dim(),
        ))),
    }
    lines.push(Line::from(""));
    heads.push(lines.len());
    lines.push(heading(app, "What your code receives"));
    let env = view.environment();
    // As wide as the longest name (`SF_LEGACY_CLIENT_SECRET`), up to a third of the pane, and
    // two cells after it: a longer name is cut with `…` so every value starts in one column.
    let key_w = env
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        .min((width / 3).max(12));
    for (k, v) in env {
        let style = if v.starts_with('•') {
            t.secret()
        } else {
            t.code()
        };
        // A long value wraps under itself, so all of it can be read.
        let room = width.saturating_sub(key_w + 2);
        for (i, row) in lab_tabs::word_rows(&v, room).into_iter().enumerate() {
            let key = if i == 0 {
                fit(&k, key_w)
            } else {
                String::new()
            };
            if let Some(before) = lines.last().filter(|_| i > 0) {
                // Wrapped at a space, under the value's first row.
                let before_end = before.spans.iter().map(|s| s.content.chars().count()).sum();
                let start = key_w + 2;
                let join = WrapJoin {
                    space: true,
                    before_end,
                    start,
                };
                joins.push((lines.len(), join));
            }
            lines.push(Line::from(vec![
                Span::styled(format!("{key:<key_w$}  "), t.strong()),
                Span::styled(row, style),
            ]));
        }
    }
    lines.push(Line::from(""));
    heads.push(lines.len());
    lines.push(heading(app, "Hints"));
    if view.hints.is_empty() {
        lines.push(Line::from(Span::styled(
            "None shown yet. H shows the next one, tied to the rule that fails.",
            t.dim(),
        )));
    }
    for (i, h) in view.hints.iter().enumerate() {
        let number = format!("{}. ", i + 1);
        for (j, para) in paragraphs(h).into_iter().enumerate() {
            let lead = if j == 0 {
                number.clone()
            } else {
                " ".repeat(number.len())
            };
            let rows = hanging_hint(&lead, &para, (t.strong(), t.code()), width);
            let source: String = para.split('`').collect();
            push_wrapped(&mut lines, &mut joins, rows, &source, lead.chars().count());
        }
    }
    // The screen row each heading starts on, once the lines before it are wrapped.
    let rows: Vec<usize> = heads
        .iter()
        .map(|&i| {
            Paragraph::new(lines[..i].to_vec())
                .wrap(Wrap { trim: false })
                .line_count(area.width)
        })
        .collect();
    view.limits.brief_headings.replace(rows);
    let mut row = 0;
    let mut joined = joins.into_iter().peekable();
    let mut texts = BriefText::default();
    for (i, line) in lines.iter().enumerate() {
        let join = joined.next_if(|(at, _)| *at == i).map(|(_, j)| j);
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        texts.push(row, &text, join);
        row += Paragraph::new(line.clone())
            .wrap(Wrap { trim: false })
            .line_count(area.width);
    }
    view.limits.brief_lines.replace(texts);
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    frame.render_widget(
        super::scrolled(paragraph, area, view.brief_scroll, &view.limits.brief),
        area,
    );
    // The text being searched for (as typed, else the last search) is marked where it shows.
    let typed = app.search_input.as_deref().filter(|_| !app.search_in_tree);
    // A search moves the matching line to the top (or as near as the brief's end lets it):
    // the matches on that line are the current ones.
    if let Some(query) = typed.or(view.brief_query.as_deref()) {
        let styles = (t.search_current(), t.search_match());
        let scroll = view.brief_scroll.min(view.limits.brief.get());
        let current_row = match (typed, view.brief_match) {
            (None, Some(i)) => {
                let rows = view.limits.brief_lines.borrow().occurrences(query);
                rows.get(i).map_or(0, |row| row.saturating_sub(scroll))
            }
            _ => 0,
        };
        let current_y = area.top() + u16::try_from(current_row).unwrap_or(u16::MAX);
        mark_matches(frame.buffer_mut(), area, query, styles, current_y);
        let text = view.limits.brief_lines.borrow();
        let at = (scroll, current_y);
        mark_wrapped_pieces(frame.buffer_mut(), area, &text, query, styles, at);
    }
}

/// Restyles the pieces of each occurrence of `query` that the brief's wrap broke over two
/// rows (`mark_matches` sees only what stands whole on one row): those of an occurrence
/// starting on row `current_y` with the first style. `scroll` is the brief's first row shown.
fn mark_wrapped_pieces(
    buf: &mut ratatui::buffer::Buffer,
    area: Rect,
    text: &BriefText,
    query: &str,
    (current, other): (Style, Style),
    (scroll, current_y): (usize, u16),
) {
    let y_of = |line: usize| {
        let row = text.rows.get(line)?.checked_sub(scroll)?;
        let y = area.top().checked_add(u16::try_from(row).ok()?)?;
        (y < area.bottom()).then_some(y)
    };
    let cells = |chars: &mut dyn Iterator<Item = char>| -> usize {
        chars.map(|c| c.width().unwrap_or(0)).sum()
    };
    for m in text
        .matches(query)
        .iter()
        .filter(|m| !m.continued.is_empty())
    {
        let style = if y_of(m.line) == Some(current_y) {
            current
        } else {
            other
        };
        for (line, start, end) in m.pieces() {
            let (Some(y), Some(plain)) = (y_of(line), text.plain.get(line)) else {
                continue;
            };
            let from = cells(&mut plain.chars().take(start));
            let wide = cells(&mut plain.chars().skip(start).take(end - start));
            for x in (from..from + wide).take_while(|x| *x < usize::from(area.width)) {
                let x = area.left() + u16::try_from(x).unwrap_or(0);
                let cell = &mut buf[(x, y)];
                cell.set_style(cell.style().patch(style));
            }
        }
    }
}

/// Restyles every on-screen occurrence of `query` (any case) within one row of `area`: those
/// on row `current_y` with the first style, the others with the second.
fn mark_matches(
    buf: &mut ratatui::buffer::Buffer,
    area: Rect,
    query: &str,
    (current, other): (Style, Style),
    current_y: u16,
) {
    let query: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
    if query.is_empty() || query.len() > usize::from(area.width) {
        return;
    }
    for y in area.top()..area.bottom() {
        let row: Vec<char> = (area.left()..area.right())
            .map(|x| {
                buf[(x, y)]
                    .symbol()
                    .chars()
                    .next()
                    .and_then(|c| c.to_lowercase().next())
                    .filter(|c| *c != '\u{a0}')
                    .unwrap_or(' ')
            })
            .collect();
        let mut start = 0;
        while start + query.len() <= row.len() {
            if row[start..start + query.len()] == query[..] {
                let style = if y == current_y { current } else { other };
                for i in start..start + query.len() {
                    let x = area.left() + u16::try_from(i).unwrap_or(0);
                    let cell = &mut buf[(x, y)];
                    cell.set_style(cell.style().patch(style));
                }
                start += query.len();
            } else {
                start += 1;
            }
        }
    }
}

/// One paragraph of a hint after `lead` (its number, or spaces under it), wrapped at words
/// within `width` cells, every further row starting under the text as the Brief's own lists
/// do. `styles`: the number's and the code spans'.
fn hanging_hint(
    lead: &str,
    text: &str,
    (number, code): (Style, Style),
    width: usize,
) -> Vec<Line<'static>> {
    let runs: Vec<(String, Style)> = inline_code(text, code)
        .into_iter()
        .map(|s| (s.content.into_owned(), s.style))
        .collect();
    hanging(Span::styled(lead.to_string(), number), &runs, width)
}

/// `runs` after `lead` (a bullet, a number, a label), wrapped at words within `width` cells,
/// every further row starting under the text as a lesson's list items do.
pub(super) fn hanging(
    lead: Span<'static>,
    runs: &[(String, Style)],
    width: usize,
) -> Vec<Line<'static>> {
    let indent = lead.content.chars().count();
    let rows = crate::markdown::wrap_runs(runs, width.saturating_sub(indent).max(1));
    let mut lead = Some(lead);
    rows.into_iter()
        .map(|row| {
            let head = lead.take().unwrap_or_else(|| Span::raw(" ".repeat(indent)));
            Line::from(std::iter::once(head).chain(row).collect::<Vec<_>>())
        })
        .collect()
}

/// A hint's text with its `code` spans styled as code and their backticks dropped.
fn inline_code(text: &str, code: ratatui::style::Style) -> Vec<Span<'static>> {
    text.split('`')
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(i, part)| {
            if i % 2 == 1 {
                Span::styled(part.to_string(), code)
            } else {
                Span::raw(part.to_string())
            }
        })
        .collect()
}

/// Adds `rows`, the text `source` wrapped with its first row starting `start` characters in,
/// to `lines`, noting where each row goes on from the one before (so Brief search reads the
/// text whole).
fn push_wrapped(
    lines: &mut Vec<Line<'static>>,
    joins: &mut Vec<(usize, WrapJoin)>,
    rows: Vec<Line<'static>>,
    source: &str,
    start: usize,
) {
    let texts: Vec<String> = rows.iter().map(|l| l.to_string()).collect();
    let at = lines.len();
    joins.extend(
        wrapped_joins(source, &texts, start)
            .into_iter()
            .enumerate()
            .filter_map(|(i, j)| Some((at + i, j?))),
    );
    lines.extend(rows);
}

#[cfg(test)]
mod inline_code_tests {
    use super::*;

    #[test]
    fn backticked_words_become_code_spans_without_their_backticks() {
        let code = ratatui::style::Style::default().fg(ratatui::style::Color::Cyan);
        let spans = inline_code("POST to `$SF_INSTANCE_URL/x` then exit", code);
        let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "POST to $SF_INSTANCE_URL/x then exit");
        assert_eq!(spans[1].style, code);
    }

    #[test]
    fn a_long_check_goes_on_under_its_text_with_its_points_kept_together() {
        let what = "answered 200 to a request for the Contact records of every Account the integration user can see";
        let runs = [
            (what.to_string(), Style::default()),
            ("  1\u{a0}point".to_string(), Style::default()),
        ];
        let rows: Vec<String> = hanging(Span::raw("• "), &runs, 40)
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert!(rows.len() > 2, "{rows:?}");
        assert!(rows[0].starts_with("• answered"), "{rows:?}");
        for row in &rows[1..] {
            assert!(row.starts_with("  ") && !row.starts_with("   "), "{rows:?}");
        }
        assert!(rows.last().unwrap().ends_with("1\u{a0}point"), "{rows:?}");
        assert!(rows.iter().all(|r| r.chars().count() <= 40), "{rows:?}");
    }

    #[test]
    fn a_wrapped_hint_hangs_under_its_text() {
        let styles = (Style::default(), Style::default());
        let text = "The update must be a PATCH to the record's URL with only the changed field: `-X PATCH -d`";
        let rows: Vec<String> = hanging_hint("1. ", text, styles, 40)
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert!(rows.len() > 1, "{rows:?}");
        assert!(rows[0].starts_with("1. The update"), "{rows:?}");
        for row in &rows[1..] {
            assert!(
                row.starts_with("   ") && !row.starts_with("    "),
                "{rows:?}"
            );
        }
        assert!(rows.iter().all(|r| r.chars().count() <= 40), "{rows:?}");
        assert!(rows.concat().contains("-X PATCH -d"), "backticks dropped");
    }
}
