//! The Org tab (objects → records of the lab's org, live while the code runs) and the
//! Console tab (method, path, body → the org's reply).

use super::super::app::App;
use super::super::lab::{field_value as value_text, ConsoleField, LabView, OrgSource, RunState};
use super::tree::fit;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

/// A record's most telling value for its row: Name, else the first text field.
fn label(record: &serde_json::Value) -> String {
    let Some(m) = record.as_object() else {
        return String::new();
    };
    for key in ["Name", "LastName", "Subject", "CaseNumber"] {
        if let Some(v) = m.get(key).and_then(|v| v.as_str()) {
            return v.to_string();
        }
    }
    m.iter()
        .find(|(k, v)| *k != "Id" && v.is_string())
        .and_then(|(_, v)| v.as_str())
        .unwrap_or("")
        .to_string()
}

pub fn org(app: &App, view: &LabView, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let o = &view.org;
    let source = match (o.source, view.run) {
        (Some(OrgSource::Live), RunState::Running { index, of }) => {
            format!("● live · run {} of {of}", index + 1)
        }
        (Some(OrgSource::Live), _) => "● live".into(),
        (Some(OrgSource::AfterRun), _) => "as your last run left them".into(),
        (Some(OrgSource::Console), _) if app.backend.name != "mock" => format!(
            "in the console's mock copy of the lab's org, not {}",
            app.backend.name
        ),
        (Some(OrgSource::Console), _) => "in the console's copy of the lab's org".into(),
        (None, _) => "no org yet".into(),
    };
    let mut head = vec![Line::from(vec![
        Span::styled("Records ", t.strong()),
        Span::styled(source, t.dim()),
    ])];
    // A last attempt from an earlier session shows in Results and Traffic, but the records
    // its run left are not stored: say so rather than show the console's as if they were.
    let attempt_shown = view.outcome.is_some() || view.error.is_some();
    if o.source == Some(OrgSource::Console) && !o.run_seen && attempt_shown {
        head.push(Line::from(Span::styled(
            "The records your last run left are not kept across restarts: r runs it again.",
            t.dim(),
        )));
    }
    let head = Paragraph::new(head).wrap(Wrap { trim: true });
    let head_rows = (head.line_count(area.width) as u16).min(area.height);
    frame.render_widget(head, Rect::new(area.x, area.y, area.width, head_rows));
    // The body starts a row below the heading, as it does under one row.
    let below = head_rows.saturating_sub(1);
    let area = Rect::new(
        area.x,
        area.y + below,
        area.width,
        area.height.saturating_sub(below),
    );
    let body_h = area.height.saturating_sub(2);
    let left_w = (area.width / 3).clamp(14, 28).min(area.width);
    let left = Rect::new(area.x, area.y + 2, left_w, body_h);
    let right = Rect::new(
        area.x + left_w + 1,
        area.y + 2,
        area.width.saturating_sub(left_w + 1),
        body_h,
    );
    let objects = o.objects();
    if objects.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(
                "This org holds no records of the lab's objects yet.",
                t.dim(),
            ))
            .wrap(Wrap { trim: true }),
            Rect::new(area.x, area.y + 2, area.width, body_h),
        );
        return;
    }
    let lines: Vec<Line> = objects
        .iter()
        .enumerate()
        .map(|(i, (name, n))| {
            let text = fit(&format!("{name} ({n})"), left_w as usize);
            let style = if i == o.object_sel && !o.in_records {
                t.selection()
            } else if i == o.object_sel {
                t.strong()
            } else {
                t.text()
            };
            Line::from(Span::styled(text, style))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), left);
    let records = o.selected_records();
    let w = right.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    let list_rows = (body_h as usize / 2).max(3);
    let offset = o.record_sel.saturating_sub(list_rows.saturating_sub(1));
    for (i, r) in records.iter().enumerate().skip(offset).take(list_rows) {
        let id = r.get("Id").map(value_text).unwrap_or_default();
        let text = fit(&format!("{id}  {}", label(r)), w);
        let style = if o.in_records && i == o.record_sel {
            t.selection()
        } else {
            t.text()
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    if let Some(rec) = records.get(o.record_sel).and_then(|r| r.as_object()) {
        lines.push(Line::from(""));
        let key_w = rec.keys().map(|k| k.len()).max().unwrap_or(0).min(24);
        for (k, v) in rec {
            if v.is_null() {
                continue;
            }
            lines.push(Line::from(vec![
                Span::styled(format!("{k:<key_w$} "), t.dim()),
                Span::raw(fit(&value_text(v), w.saturating_sub(key_w + 1))),
            ]));
        }
    }
    frame.render_widget(Paragraph::new(lines), right);
}

/// At most `width` characters of `text` that keep character `at` in view: the head when it
/// fits there, else the stretch that ends a little after it, with `…` where text is cut.
fn around(text: &str, at: usize, width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= width || width < 3 {
        return fit(text, width);
    }
    if at + 2 <= width {
        return fit(text, width);
    }
    // Room for `…` on the left, and on the right when more text follows.
    let end = (at + 1 + width / 4).min(chars.len());
    let right_cut = end < chars.len();
    let take = width - 1 - usize::from(right_cut);
    let start = end.saturating_sub(take);
    let mut out = String::from("…");
    out.extend(&chars[start..end]);
    if right_cut {
        out.push('…');
    }
    out
}

/// Which org the console's requests reach. The console always talks to its own mock copy of
/// the lab's org, never to a sandbox (requests typed by hand are not guarded and cleaned up as
/// a run's are), so with a sandbox chosen it says so plainly.
fn console_org_note(backend: &str) -> String {
    if backend == "mock" {
        "Requests go to the console's copy of the lab's org, as the integration user.".into()
    } else {
        format!(
            "Requests go to a mock copy of the lab's org, as the integration user: the console \
             does not talk to {backend} (the checks' runs do)."
        )
    }
}

pub fn console(app: &App, view: &LabView, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let c = &view.console;
    let w = area.width as usize;
    let field = |f: ConsoleField, name: &str, value: String| {
        let on = c.field == f;
        let style = if on { t.selection() } else { t.code() };
        let room = w.saturating_sub(7);
        let shown = if on && c.typing {
            // The cursor sits where typing goes: `cursor_back` characters before the end; a
            // value wider than the pane shows the stretch around it.
            let chars: Vec<char> = value.chars().collect();
            let at = chars.len().saturating_sub(c.cursor_back);
            let (before, after): (String, String) =
                (chars[..at].iter().collect(), chars[at..].iter().collect());
            around(&format!("{before}█{after}"), at, room)
        } else {
            fit(&value, room)
        };
        Line::from(vec![
            Span::styled(format!("{name:<7}"), t.strong()),
            Span::styled(shown, style),
        ])
    };
    let body = if c.body.is_empty() && !(c.typing && c.field == ConsoleField::Body) {
        "(none)".to_string()
    } else {
        c.body.clone()
    };
    let mut lines = vec![
        field(ConsoleField::Method, "method", format!("‹{}›", c.method())),
        field(ConsoleField::Path, "path", c.path.clone()),
        field(ConsoleField::Body, "body", body),
        Line::from(Span::styled(console_org_note(&app.backend.name), t.dim())),
        Line::from(""),
    ];
    if c.waiting {
        lines.push(Line::from(Span::styled(
            "● waiting for the org…",
            t.in_progress(),
        )));
    }
    if let Some(r) = &c.reply {
        let (status, style) = match r.status {
            Some(s) if s < 400 => (s.to_string(), t.pass()),
            Some(s) => (s.to_string(), t.fail()),
            None => ("not sent".to_string(), t.fail()),
        };
        // The path whole, as it was sent (what a URL cannot carry percent-encoded), wrapped.
        lines.push(Line::from(vec![
            Span::styled(format!("{} {} → ", r.method, r.path), t.strong()),
            Span::styled(status, style.patch(t.strong())),
            Span::styled(format!(" · {} ms", r.ms), t.dim()),
        ]));
        for (k, v) in r.headers.iter().filter(|(k, _)| k != "date") {
            lines.push(Line::from(vec![
                Span::styled(format!("{k}: "), t.dim()),
                Span::styled(v.clone(), t.dim()),
            ]));
        }
        lines.push(Line::from(""));
        // The fixed part on top; the body below it, wrapped so a long error reads whole, and
        // scrolled so its last row stops at the bottom.
        let fixed = Paragraph::new(lines).wrap(Wrap { trim: false });
        let fixed_rows = (fixed.line_count(area.width) as u16).min(area.height);
        frame.render_widget(fixed, Rect::new(area.x, area.y, area.width, fixed_rows));
        let body_area = Rect::new(
            area.x,
            area.y + fixed_rows,
            area.width,
            area.height - fixed_rows,
        );
        let body_lines: Vec<Line> = r
            .body
            .lines()
            .map(|l| Line::from(Span::styled(l.to_string(), t.code())))
            .collect();
        // Cut like the detail views: a wrapped JSON line goes on under its indentation.
        let body_lines = super::continued::cut_marked(body_lines, area.width as usize, t.border());
        let body = Paragraph::new(body_lines);
        frame.render_widget(
            super::scrolled(body, body_area, c.reply_scroll, &view.limits.reply),
            body_area,
        );
        return;
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

#[cfg(test)]
mod tests {
    use super::around;

    #[test]
    fn a_long_value_being_typed_shows_the_stretch_around_the_cursor() {
        let path = "/services/data/v62.0/query?q=SELECT+Id,Name+FROM+Account█";
        let at = path.chars().count() - 1;
        let shown = around(path, at, 20);
        assert_eq!(shown, "…,Name+FROM+Account█");
        assert_eq!(shown.chars().count(), 20, "the pane's width, no more");
        // A cursor in the middle keeps text on both sides, cut on both.
        let mid = around("abcdefghijKLMNOPQRST", 10, 8);
        assert_eq!(mid, "…hijKLM…");
        // Near the start, the head shows as before.
        assert_eq!(around("ab█cdefghijklmnop", 2, 8), "ab█cdef…");
    }
}
