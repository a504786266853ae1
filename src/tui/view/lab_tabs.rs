//! The Traffic tab and the detail pane (an exchange's request and response, a verdict's diff,
//! the solution). The Results tab is in `lab_results.rs`.

use super::super::app::App;
use super::super::lab::console::pretty_body;
use super::super::lab::{Detail, LabView, RunState};
use super::super::theme::{Glyph, Theme};
use super::tree::fit;
use crate::evidence::{Exchange, Header};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

pub(super) fn selected(line: Line<'static>, on: bool, t: &Theme, width: usize) -> Line<'static> {
    if !on {
        return line;
    }
    let mut line = line;
    let pad = width.saturating_sub(line.width());
    line.spans.push(Span::raw(" ".repeat(pad)));
    line.patch_style(t.selection())
}

/// Rows `[offset, offset + rows)` keeping `sel` in view.
fn window(sel: usize, rows: usize) -> usize {
    sel.saturating_sub(rows.saturating_sub(1))
}

/// The path shown in a row, cut to `room` cells: the query string goes first (the resource, as
/// in `/services/data/v62.0/query?q=SELE…`, says what the call was), then the path's head (its
/// tail, `…/sobjects/Account/001…`, is the specific part).
fn short_path(full: &str, room: usize) -> String {
    let n = full.chars().count();
    if n <= room {
        return full.to_string();
    }
    let (path, query) = full.split_once('?').unwrap_or((full, ""));
    let path_n = path.chars().count();
    if !query.is_empty() && path_n + 2 <= room {
        let kept: String = query.chars().take(room - path_n - 2).collect();
        return format!("{path}?{kept}…");
    }
    let tail: String = path
        .chars()
        .skip((path_n + 1).saturating_sub(room.max(1)))
        .collect();
    format!("…{tail}")
}

/// The line over a rule's evidence in at most `width` cells: shorter wordings first, then the
/// rule's name cut with `…`, so the way back (Esc) always shows.
fn evidence_header(rule: &str, width: usize) -> String {
    let wordings = [
        format!("The evidence for {rule} · Esc lists every exchange"),
        format!("Evidence for {rule} · Esc lists every exchange"),
        format!("Evidence for {rule} · Esc lists all"),
        format!("Evidence for {rule} · Esc all"),
    ];
    if let Some(fits) = wordings.into_iter().find(|w| w.width() <= width) {
        return fits;
    }
    let back = " · Esc all";
    let room = width.saturating_sub(back.width());
    format!("{}{back}", fit(&format!("Evidence for {rule}"), room))
}

/// What the fault column says about `e`: the fault the lab injected, or that the request got
/// no response.
fn fault_label(e: &Exchange) -> Option<String> {
    match (&e.fault, &e.error) {
        (Some(f), _) => Some(format!("{} {}", Glyph::FAULT, f.kind)),
        (None, Some(_)) => Some("dropped".into()),
        (None, None) => None,
    }
}

/// Cells of the fault column: as wide as its widest entry among `listed` (and its header),
/// or none when no exchange listed has a fault, so the path gets the room.
fn fault_width(listed: &[&Exchange]) -> usize {
    listed
        .iter()
        .filter_map(|e| fault_label(e))
        .map(|label| label.width().max("fault".len()))
        .max()
        .unwrap_or(0)
}

/// Cells left for the path once #, +ms, method, status and ms (31 cells) and the fault column
/// (two more before it), if any, are placed.
fn path_width(width: usize, fault: usize) -> usize {
    let fixed = 31 + if fault > 0 { 2 + fault } else { 0 };
    width.saturating_sub(fixed).max(8)
}

pub fn traffic(app: &App, view: &LabView, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let width = area.width as usize;
    let listed = view.listed_exchanges();
    let mut lines: Vec<Line<'static>> = Vec::new();
    if let Some((rule, _)) = &view.traffic_filter {
        lines.push(Line::from(Span::styled(
            evidence_header(rule, width),
            t.key_hint(),
        )));
    }
    let fault_w = fault_width(&listed);
    let path_w = path_width(width, fault_w);
    let mut header = format!(
        "{:>3} {:>6} {:<6} {:<path_w$} {:>6} {:>5}",
        "#", "+ms", "method", "path", "status", "ms",
    );
    if fault_w > 0 {
        header.push_str("  fault");
    }
    lines.push(Line::from(Span::styled(
        fit(&header, width),
        t.table_header(),
    )));
    if listed.is_empty() {
        let text = match view.run {
            // A finished run that sent nothing through the proxy: say where to look.
            RunState::Idle if !view.runs.is_empty() => {
                "Your last run made no request to the org. Check that your code sends its calls to $SF_INSTANCE_URL."
            }
            RunState::Idle => "No traffic yet. Press r to run the checks; requests stream in here.",
            _ => "Waiting for the first request from your code…",
        };
        // Wrapped at words: the table's rows are cut at the pane's edge, a sentence is not.
        for row in word_rows(text, width) {
            lines.push(Line::from(Span::styled(row, t.dim())));
        }
    }
    let first = view.exchanges.first().map(|e| e.started_at);
    let rows = (area.height as usize).saturating_sub(lines.len()).max(1);
    let offset = window(view.traffic_sel, rows);
    for (i, e) in listed.iter().enumerate().skip(offset).take(rows) {
        let plus = first
            .map(|f| (e.started_at - f).num_milliseconds())
            .unwrap_or(0);
        let status = e
            .status()
            .map(|s| s.to_string())
            .unwrap_or_else(|| "—".into());
        let path = match &e.request.query {
            Some(q) if !q.is_empty() => format!("{}?{q}", e.path()),
            _ => e.path().to_string(),
        };
        let status_style = match e.status() {
            Some(s) if s < 400 => t.pass(),
            _ => t.fail(),
        };
        let mut spans = vec![
            Span::raw(format!("{:>3} {:>6} {:<6} ", e.seq, plus, e.method())),
            Span::raw(format!("{:<path_w$} ", short_path(&path, path_w))),
            Span::styled(format!("{status:>6}"), status_style),
            Span::raw(format!(" {:>5}", e.elapsed_ms())),
        ];
        if let Some(label) = fault_label(e) {
            let style = if e.fault.is_some() {
                t.fault()
            } else {
                t.fail()
            };
            // Cut with … when a narrow pane leaves it less than its width.
            let room = width.saturating_sub(33 + path_w);
            spans.push(Span::raw("  "));
            spans.push(Span::styled(fit(&label, room), style));
        }
        lines.push(selected(Line::from(spans), i == view.traffic_sel, t, width));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn header_lines(headers: &[Header], t: &Theme) -> Vec<Line<'static>> {
    headers
        .iter()
        .map(|h| {
            Line::from(vec![
                Span::styled(format!("{}: ", h.name), t.strong()),
                Span::raw(crate::visible::one_line(&h.value).into_owned()),
            ])
        })
        .collect()
}

fn body_lines(text: &str, truncated: bool, t: &Theme) -> Vec<Line<'static>> {
    let mut out: Vec<Line<'static>> = pretty_body(text)
        .lines()
        .map(|l| Line::from(Span::styled(l.to_string(), t.code())))
        .collect();
    if truncated {
        out.push(Line::from(Span::styled(
            "… (cut: the body was larger)",
            t.dim(),
        )));
    }
    out
}

fn exchange_lines(e: &Exchange, t: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "#{} {} {} → {} · {} ms · run {}",
            e.seq,
            e.method(),
            e.path(),
            e.status()
                .map(|s| s.to_string())
                .unwrap_or_else(|| "no response".into()),
            e.elapsed_ms(),
            e.run_index + 1
        ),
        t.strong(),
    ))];
    if let Some(f) = &e.fault {
        lines.push(Line::from(Span::styled(
            format!(
                "{} injected by the lab ({}): {}",
                Glyph::FAULT,
                f.kind,
                f.action
            ),
            t.fault(),
        )));
    }
    if let Some(err) = &e.error {
        lines.push(Line::from(Span::styled(err.clone(), t.fail())));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("── request", t.heading(3))));
    lines.push(Line::from(format!("{} {}", e.method(), e.request.url)));
    lines.extend(header_lines(&e.request.headers, t));
    if !e.request.body.is_empty() {
        lines.push(Line::from(""));
        lines.extend(body_lines(
            &e.request.body.text,
            e.request.body.truncated,
            t,
        ));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("── response", t.heading(3))));
    match &e.response {
        Some(r) => {
            lines.push(Line::from(format!("{}", r.status)));
            lines.extend(header_lines(&r.headers, t));
            if !r.body.is_empty() {
                lines.push(Line::from(""));
                lines.extend(body_lines(&r.body.text, r.body.truncated, t));
            }
        }
        None => lines.push(Line::from(Span::styled(
            "no response reached your code",
            t.dim(),
        ))),
    }
    lines
}

fn diff_lines(diff: &str, t: &Theme) -> Vec<Line<'static>> {
    diff.lines()
        .map(|l| {
            let style = if l.starts_with('+') && !l.starts_with("+++") {
                t.pass()
            } else if l.starts_with('-') && !l.starts_with("---") {
                t.fail()
            } else {
                t.text()
            };
            Line::from(Span::styled(l.to_string(), style))
        })
        .collect()
}

pub fn detail(app: &App, view: &LabView, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let (title, lines) = match &view.detail {
        Some(Detail::Exchange(seq)) => match view.exchange(*seq) {
            Some(e) => (format!(" exchange #{seq} "), exchange_lines(e, t)),
            None => (
                " exchange ".into(),
                vec![Line::from("This exchange is gone.")],
            ),
        },
        Some(Detail::Diff(i)) => {
            let v = view.outcome.as_ref().and_then(|o| o.verdicts.get(*i));
            let diff = v.and_then(|v| v.diff.clone()).unwrap_or_default();
            let rule = v.map(|v| v.rule.clone()).unwrap_or_default();
            let mut lines = vec![Line::from(Span::styled("- expected   + actual", t.dim()))];
            lines.extend(diff_lines(&diff, t));
            (format!(" diff: {rule} "), lines)
        }
        Some(Detail::Text { title, text }) => (
            format!(" {title} "),
            crate::visible::on_screen(text)
                .lines()
                .map(|l| Line::from(l.to_string()))
                .collect(),
        ),
        None => return,
    };
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .border_style(t.focused_border())
        .title(title)
        .title_bottom(Line::from(" ↑↓ scroll · Esc or q close "));
    let inner = block.inner(area);
    let lines = super::continued::cut_marked(lines, inner.width as usize, t.border());
    let paragraph = Paragraph::new(lines);
    let paragraph = super::scrolled(paragraph, inner, view.detail_scroll, &view.limits.detail);
    frame.render_widget(paragraph.block(block), area);
}

pub(super) use crate::wording::word_rows;

#[cfg(test)]
mod tests {
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn the_evidence_header_fits_and_keeps_the_way_back() {
        // The Traffic tab is 50 cells wide at 80 columns.
        let short = super::evidence_header("http.request", 50);
        assert_eq!(short, "Evidence for http.request · Esc lists all");
        let long = super::evidence_header("rest.upsert_by_external_id", 50);
        assert_eq!(long, "Evidence for rest.upsert_by_external_id · Esc all");
        let cut =
            super::evidence_header("a.rule_with_a_name_longer_than_any_pane_has_room_for", 50);
        assert!(cut.width() <= 50 && cut.ends_with("… · Esc all"), "{cut}");
        assert_eq!(
            super::evidence_header("http.request", 120),
            "The evidence for http.request · Esc lists every exchange"
        );
    }

    #[test]
    fn a_sentence_wraps_at_spaces_within_the_width() {
        let rows = super::word_rows(
            "Check that your code sends its calls to $SF_INSTANCE_URL.",
            24,
        );
        assert_eq!(
            rows,
            [
                "Check that your code",
                "sends its calls to",
                "$SF_INSTANCE_URL."
            ]
        );
        assert!(rows.iter().all(|r| r.chars().count() <= 24));
    }

    use super::short_path;

    #[test]
    fn a_long_query_string_is_cut_before_the_path_is() {
        let full = "/services/data/v62.0/query?q=SELECT+Name+FROM+Account+ORDER+BY+Name";
        assert_eq!(short_path(full, 80), full);
        assert_eq!(short_path(full, 34), "/services/data/v62.0/query?q=SELE…");
        assert_eq!(short_path(full, 34).chars().count(), 34);
        // Too narrow even for the path: its specific end is kept.
        assert_eq!(short_path(full, 12), "…v62.0/query");
        let record = "/services/data/v62.0/sobjects/Account/0015g00000ABCDEAAA";
        assert_eq!(short_path(record, 30), "…ts/Account/0015g00000ABCDEAAA");
    }
}
