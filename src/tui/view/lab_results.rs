//! The Results tab: how the last attempt went, one row per rule with the selected rule opened
//! up (its whole message, wrapped, and the keys that lead on), then the end of each run's
//! output (the last run's longest). The pane scrolls: it follows the selected rule, and PgUp/PgDn/space page
//! through everything, run output included. While a new run goes, the last attempt stays in
//! view under a fixed "checks running" line, its verdict line and rules dimmed and labelled as
//! the previous attempt's, with the new run's output under it; a page is what the pane shows
//! under that line.

use super::super::app::App;
use super::super::lab::output::run_header;
use super::super::lab::{follow, LabView};
use super::super::theme::{Glyph, Theme};
use super::lab_tabs::selected;
use super::tree::fit;
use crate::evidence::LearnerRun;
use crate::rules::{Verdict, VerdictStatus};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use std::ops::Range;
use unicode_width::UnicodeWidthStr;

/// Cells the selected rule's message is indented by (under the rule's name).
const INDENT: usize = 2;

pub fn results(app: &App, view: &LabView, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    // A new run going over a finished attempt: that attempt stays, labelled as the one before,
    // under a line that stays put however the verdicts scroll.
    let previous = view.running();
    let mut area = area;
    if previous && (view.error.is_some() || view.outcome.is_some()) {
        let banner = Paragraph::new(Line::from(Span::styled(
            format!(
                "{} Checks running; below is the previous attempt.",
                Glyph::IN_PROGRESS
            ),
            t.in_progress(),
        )))
        .wrap(Wrap { trim: false });
        let rows = u16::try_from(banner.line_count(area.width))
            .unwrap_or(u16::MAX)
            .min(area.height);
        frame.render_widget(
            banner,
            Rect {
                height: rows,
                ..area
            },
        );
        area.y += rows;
        area.height -= rows;
    }
    let width = area.width as usize;
    let (lines, focus) = match (&view.error, &view.outcome) {
        (Some(e), _) => (
            // The message's own lines (a list of missing tools) stay lines.
            std::iter::once(Line::from(if previous {
                Span::styled(
                    format!(
                        "Previous attempt: {} the checks could not run.",
                        Glyph::FAIL
                    ),
                    t.dim(),
                )
            } else {
                Span::styled(
                    format!("{} The checks could not run.", Glyph::FAIL),
                    t.fail(),
                )
            }))
            .chain(e.lines().map(|l| Line::from(l.to_string())))
            .collect(),
            0..0,
        ),
        (None, Some(o)) => verdict_lines(view, o, t, width),
        (None, None) => {
            let text = if view.running() {
                "The checks are running; the verdicts appear here when they finish."
            } else {
                "Not run yet. Press r to run your ./run against the lab's org and judge it."
            };
            (vec![Line::from(Span::styled(text, t.dim()))], 0..0)
        }
    };
    let mut lines = lines;
    if view.error.is_none() && view.outcome.is_some() {
        if previous && !view.runs.is_empty() {
            // The runs are the new attempt's (a new run clears the old ones).
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                "This attempt's runs so far:",
                t.in_progress(),
            )));
        }
        // Every run's end (a lab may run the program twice); the last one's longest.
        for (i, run) in view.runs.iter().enumerate() {
            let tail = if i + 1 == view.runs.len() { 6 } else { 3 };
            lines.push(Line::from(""));
            lines.extend(run_output(run, t, tail, width));
        }
    }
    // Rows each line takes once wrapped, to know where the selected rule sits.
    let rows: Vec<usize> = lines
        .iter()
        .map(|l| {
            Paragraph::new(l.clone())
                .wrap(Wrap { trim: false })
                .line_count(area.width)
                .max(1)
        })
        .collect();
    let row_of = |line: usize| rows[..line.min(rows.len())].iter().sum::<usize>();
    let total = row_of(rows.len());
    let height = area.height as usize;
    let max = total.saturating_sub(height);
    let wanted = if view.results_follow {
        follow(
            view.results_scroll,
            row_of(focus.start)..row_of(focus.end),
            height,
        )
    } else {
        view.results_scroll
    };
    let top = wanted.min(max);
    view.limits.results.set(max);
    view.limits.results_top.set(top);
    view.limits.results_rows.set(height);
    let paragraph = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((u16::try_from(top).unwrap_or(u16::MAX), 0));
    frame.render_widget(paragraph, area);
}

/// The outcome's lines, and which of them belong to the selected rule.
fn verdict_lines(
    view: &LabView,
    o: &super::super::lab::Outcome,
    t: &Theme,
    width: usize,
) -> (Vec<Line<'static>>, Range<usize>) {
    let (glyph, word, style) = if o.passed {
        (Glyph::PASS, "Passed", t.pass())
    } else {
        (Glyph::FAIL, "Failed", t.fail())
    };
    let score = format!(
        " · {}/{}\u{a0}points · {}\u{a0}ms",
        o.points, o.max_points, o.duration_ms
    );
    // While a new run goes, the verdict is the previous attempt's: said so, and dimmed.
    let header = if view.running() {
        Line::from(Span::styled(
            format!("Previous attempt: {glyph} {word}{score}"),
            t.dim(),
        ))
    } else {
        Line::from(vec![
            Span::styled(format!("{glyph} {word}"), style.patch(t.strong())),
            Span::raw(score),
        ])
    };
    let mut lines = vec![header, Line::from("")];
    if view.files_reset {
        lines.insert(
            1,
            Line::from(Span::styled(
                "Your files were reset to the starter since; r checks them as they are now.",
                t.dim(),
            )),
        );
    }
    // The rules `H` gives hints for (as `sflab hint` picks them).
    let hinted = crate::lab::hint_rules(&o.verdicts);
    let rule_w = o
        .verdicts
        .iter()
        .map(|v| v.rule.width())
        .max()
        .unwrap_or(0)
        .min(RULE_COLUMN_MAX);
    let mut focus = 0..0;
    for (i, v) in o.verdicts.iter().enumerate() {
        let on = i == view.results_sel;
        let start = lines.len();
        lines.push(selected(rule_row(v, rule_w, on, t, width), on, t, width));
        if on {
            lines.extend(opened(v, &hinted, t, width));
            focus = start..lines.len();
        }
    }
    if view.running() {
        // The previous attempt's rules are dimmed with its verdict line: this run has not
        // judged anything yet.
        for line in &mut lines[1..] {
            for span in &mut line.spans {
                span.style = span.style.patch(t.dim());
            }
        }
    }
    (lines, focus)
}

/// The widest the rule column grows: every rule of the catalogue fits (the longest,
/// `process.failed_records_reported`, is 31 cells); a longer one is cut with `…`.
const RULE_COLUMN_MAX: usize = 34;

/// One rule's row: glyph, rule, the message's first line (left out when the rule is open,
/// since its whole message follows), points.
fn rule_row(v: &Verdict, rule_w: usize, open: bool, t: &Theme, width: usize) -> Line<'static> {
    let (g, s) = match v.status {
        VerdictStatus::Pass => (Glyph::PASS, t.pass()),
        VerdictStatus::Fail => (Glyph::FAIL, t.fail()),
        VerdictStatus::NotApplicable { .. } => (Glyph::NOT_APPLICABLE, t.na()),
    };
    let pts = match v.status {
        VerdictStatus::NotApplicable { .. } => "  –".to_string(),
        _ => format!(
            "{:>3}",
            format!("{}/{}", v.points_awarded, v.points_possible)
        ),
    };
    let room = width.saturating_sub(rule_w + 4 + pts.len() + 2);
    let first = if open {
        ""
    } else {
        v.message.lines().next().unwrap_or("")
    };
    Line::from(vec![
        Span::styled(format!("{g} "), s),
        Span::styled(format!("{:<rule_w$}  ", fit(&v.rule, rule_w)), t.strong()),
        Span::raw(format!("{:<room$}", fit(first, room))),
        Span::styled(format!(" {pts}"), t.dim()),
    ])
}

/// The selected rule opened up: its whole message (each of its lines wrapped under the
/// rule's name), why it does not apply, and the keys that lead on from it. `hinted`: the
/// rules hints are given for; a failed rule not among them (not awarded only because nothing
/// ran) names the rule `H` gives a hint for instead.
fn opened(v: &Verdict, hinted: &[String], t: &Theme, width: usize) -> Vec<Line<'static>> {
    let room = width.saturating_sub(INDENT).max(1);
    let indent = || Span::raw(" ".repeat(INDENT));
    let mut out = Vec::new();
    let mut text = |message: &str, style| {
        for line in message.lines() {
            for spans in crate::markdown::wrap_runs(&[(line.to_string(), style)], room) {
                let mut row = vec![indent()];
                row.extend(spans);
                out.push(Line::from(row));
            }
        }
    };
    text(&v.message, t.text());
    if let VerdictStatus::NotApplicable { reason } = &v.status {
        text(reason, t.na());
    }
    let mut keys = Vec::new();
    if !v.evidence.is_empty() {
        keys.push(format!("⏎ evidence {}", exchange_ranges(&v.evidence)));
    }
    if v.diff.is_some() {
        keys.push("d diff".into());
    }
    if v.failed() {
        match hinted.first() {
            Some(other) if !hinted.contains(&v.rule) => keys.push(format!("H hint for {other}")),
            _ => keys.push("H hint".into()),
        }
    }
    if !keys.is_empty() {
        // Laid out here, under the message, rather than wrapped by the pane at its left edge.
        for row in key_rows(&keys, room) {
            out.push(Line::from(vec![indent(), Span::styled(row, t.key_hint())]));
        }
    }
    out
}

/// Runs of consecutive exchanges in a piece of evidence, as they are named under an opened
/// rule: `#1–#5000` for five thousand calls in a row, `#2 #4–#6` for a gap. Past
/// [`RANGES_SHOWN`] runs the rest is counted (the evidence view lists every exchange).
fn exchange_ranges(seqs: &[u64]) -> String {
    let mut sorted = seqs.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for s in sorted {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == s => *end = s,
            _ => runs.push((s, s)),
        }
    }
    let mut named: Vec<String> = runs
        .iter()
        .take(RANGES_SHOWN)
        .map(|&(a, b)| match b - a {
            0 => format!("#{a}"),
            1 => format!("#{a} #{b}"),
            _ => format!("#{a}–#{b}"),
        })
        .collect();
    if runs.len() > RANGES_SHOWN {
        let more: u64 = runs[RANGES_SHOWN..].iter().map(|(a, b)| b - a + 1).sum();
        named.push(format!("and {more} more"));
    }
    named.join(" ")
}

/// How many runs of exchanges an opened rule names before counting the rest.
const RANGES_SHOWN: usize = 8;

/// The keys under an opened rule as rows of at most `room` cells: each key three cells after
/// the one before while it fits whole, else on the next row (a key wider than a row is
/// wrapped at its words).
fn key_rows(keys: &[String], room: usize) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    for key in keys {
        match rows.last_mut() {
            Some(row) if row.width() + 3 + key.width() <= room => {
                row.push_str("   ");
                row.push_str(key);
            }
            _ => rows.extend(crate::wording::word_rows(key, room)),
        }
    }
    rows
}

/// The end of one run's output: how it ended, then the last `tail` lines it printed, stdout
/// and stderr in the order written (the first place to look when `./run` fails), after a line
/// saying how many earlier lines are left out and that `o` shows them all.
/// A run's header, notes and last `tail` output lines in `width` cells: a line too long goes
/// on under its text, each further piece marked `┆` as a code block's are.
fn run_output(run: &LearnerRun, t: &Theme, tail: usize, width: usize) -> Vec<Line<'static>> {
    let style = if run.succeeded() || run.stopped_by_lab {
        t.dim()
    } else {
        t.fail()
    };
    let mut out = vec![Line::from(Span::styled(
        format!("── {}", run_header(run)),
        style,
    ))];
    // Why the run may not have gone as written: started without its execute bit, a client
    // that refused the workspace's CA.
    let started = run.started_with.as_deref().map(|with| {
        format!(
            "{}; `chmod +x run` starts it directly",
            crate::runner::shebang::not_executable_note(with)
        )
    });
    for note in started.iter().chain(&run.notes) {
        let lead = Span::styled("note ", t.dim());
        let runs = [(note.clone(), t.in_progress())];
        out.extend(super::lab::hanging(lead, &runs, width));
    }
    // Both pipes in the order written, as the run kept them; a run stored before sflab kept
    // that shows stderr, then stdout. Each group: its label, its lines, lines it left out.
    type Group<'a> = (&'a str, Vec<(&'a str, String)>, u64);
    let groups: Vec<Group> = if run.output.is_empty() {
        [("stderr", &run.stderr.text), ("stdout", &run.stdout.text)]
            .into_iter()
            .map(|(name, text)| {
                let lines = crate::visible::on_screen(text)
                    .lines()
                    .map(|l| (name, l.to_string()))
                    .collect();
                (name, lines, 0)
            })
            .collect()
    } else {
        let lines = run
            .output
            .lines()
            .map(|l| {
                (
                    l.stream.name(),
                    crate::visible::on_screen(&l.text).into_owned(),
                )
            })
            .collect();
        vec![("output", lines, run.output.left_out)]
    };
    // The `o` view holds what sflab kept of each stream: all of it, unless the run wrote more.
    let in_o = if run.stdout.truncated || run.stderr.truncated {
        "o shows what sflab kept"
    } else {
        "o shows all"
    };
    for (label, lines, dropped) in groups {
        let lines: Vec<&(&str, String)> =
            lines.iter().filter(|(_, l)| !l.trim().is_empty()).collect();
        let shown_from = lines.len().saturating_sub(tail);
        let left_out = shown_from as u64 + dropped;
        if left_out > 0 {
            // Say what is not shown, and where it is.
            let what = if left_out == 1 { "line" } else { "lines" };
            out.push(Line::from(vec![
                Span::styled(format!("{label} "), t.dim()),
                Span::styled(format!("… {left_out} earlier {what}: {in_o}"), t.key_hint()),
            ]));
        }
        for (name, text) in &lines[shown_from..] {
            let label = format!("{name} ");
            out.extend(cut_under_label(&label, text, width, t));
        }
    }
    out
}

/// One output line after its stream's `label`, cut to `width` cells as written (output is not
/// reflowed): each further piece starts under the text, after a `┆`.
fn cut_under_label(label: &str, text: &str, width: usize, t: &Theme) -> Vec<Line<'static>> {
    let indent = label.chars().count();
    let room = width.saturating_sub(indent).max(1);
    let runs = [(text.to_string(), t.code())];
    crate::markdown::cut_runs(&runs, room)
        .into_iter()
        .enumerate()
        .map(|(i, piece)| {
            let head = if i == 0 {
                Span::styled(label.to_string(), t.dim())
            } else {
                let gutter = format!("{}┆ ", " ".repeat(indent.saturating_sub(2)));
                Span::styled(gutter, t.border())
            };
            Line::from(std::iter::once(head).chain(piece).collect::<Vec<_>>())
        })
        .collect()
}

#[cfg(test)]
mod output_tests {
    use super::*;

    #[test]
    fn a_long_output_line_goes_on_under_its_text_marked_as_cut() {
        let t = Theme::monochrome();
        let text = format!("curl: (60) {}", "x".repeat(50));
        let rows: Vec<String> = cut_under_label("stderr ", &text, 30, &t)
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert!(rows.len() > 1, "{rows:?}");
        assert!(rows[0].starts_with("stderr curl: (60)"), "{rows:?}");
        for row in &rows[1..] {
            assert!(row.starts_with("     ┆ "), "{rows:?}");
        }
        assert!(rows.iter().all(|r| r.chars().count() <= 30), "{rows:?}");
        let whole: String = rows
            .iter()
            .map(|r| r.chars().skip(7).collect::<String>())
            .collect();
        assert_eq!(whole, text);
    }
}

#[cfg(test)]
mod evidence_tests {
    use super::exchange_ranges;

    #[test]
    fn consecutive_evidence_exchanges_are_named_as_one_range() {
        let all: Vec<u64> = (1..=5000).collect();
        assert_eq!(exchange_ranges(&all), "#1–#5000");
        assert_eq!(exchange_ranges(&[2, 3]), "#2 #3");
        assert_eq!(exchange_ranges(&[7, 2, 4, 5, 6]), "#2 #4–#7");
        assert_eq!(exchange_ranges(&[1]), "#1");
        let every_other: Vec<u64> = (1..=40).map(|n| n * 2).collect();
        assert_eq!(
            exchange_ranges(&every_other),
            "#2 #4 #6 #8 #10 #12 #14 #16 and 32 more"
        );
    }
}
