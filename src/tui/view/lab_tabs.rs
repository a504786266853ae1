//! The Traffic tab and the detail pane (an exchange's request and response, a verdict's diff,
//! the solution). The Results tab is in `lab_results.rs`.

use super::super::app::App;
use super::super::lab::console::pretty_body;
use super::super::lab::output::whole_output;
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

/// The path shown in a row, cut to `room` cells with `…` wherever something is left out.
/// What tells requests apart goes last: first the API's version prefix
/// (`/services/data/v62.0`, which every REST call shares) goes, then the query string's middle
/// (`…/query?q=SE…+FROM+Account`), then whole segments from the path's head
/// (`…/Account/001…AAA`); a query cut away entirely still shows as `?…`.
fn short_path(full: &str, room: usize) -> String {
    let count = |s: &str| s.chars().count();
    if count(full) <= room {
        return full.to_string();
    }
    let (path, query) = full.split_once('?').unwrap_or((full, ""));
    let (mark, rest) = match api_prefix_len(path) {
        Some(n) => ("…", &path[n..]),
        None => ("", path),
    };
    let whole = format!("{mark}{rest}{}", if query.is_empty() { "" } else { "?" });
    if count(&whole) + count(query) <= room {
        return format!("{whole}{query}");
    }
    if !query.is_empty() {
        // The whole path, else its last segment, with as much of the query as fits.
        let last = rest.rfind('/').map_or(rest, |at| &rest[at..]);
        let shorter = format!("…{last}?");
        for head in [whole.as_str(), shorter.as_str()] {
            // The query's start (which parameter) and its end (a SOQL query's object and
            // filter, what differs between calls), with `…` between them.
            let left = room.saturating_sub(count(head));
            if left >= 6 {
                let front = (left / 4).max(2);
                let back = left - front - 1;
                let start: String = query.chars().take(front).collect();
                let end: String = query.chars().skip(count(query) - back).collect();
                return format!("{head}{start}…{end}");
            }
        }
    }
    let end = if query.is_empty() { "" } else { "?…" };
    let room = room.saturating_sub(1 + count(end)).max(1);
    // Whole segments from the end while they fit, else the end's last characters.
    let mut tail = String::new();
    for segment in rest.rsplit('/').filter(|s| !s.is_empty()) {
        let longer = format!("/{segment}{tail}");
        if count(&longer) > room {
            break;
        }
        tail = longer;
    }
    if tail.is_empty() {
        tail = rest
            .chars()
            .skip(count(rest).saturating_sub(room))
            .collect();
    }
    format!("…{tail}{end}")
}

/// The length of `path`'s REST prefix `/services/data/vNN.N`, when it has one and goes on
/// after it.
fn api_prefix_len(path: &str) -> Option<usize> {
    let version = path.strip_prefix("/services/data/v")?;
    let end = version.find('/')?;
    let digits = &version[..end];
    let is_version = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '.');
    is_version.then(|| "/services/data/v".len() + end)
}

/// The line over a rule's evidence in at most `width` cells: shorter wordings first, then the
/// rule's name cut with `…`, so the way back (Esc, to Results) always shows, and `a` (every
/// exchange) as long as the rule's name is whole.
fn evidence_header(rule: &str, width: usize) -> String {
    let wordings = [
        format!("The evidence for {rule} · a lists every exchange · Esc back"),
        format!("Evidence for {rule} · a lists every exchange · Esc back"),
        format!("Evidence for {rule} · a lists all · Esc back"),
        format!("Evidence for {rule} · a all · Esc back"),
        // (The status bar names `a` too.)
        format!("Evidence for {rule} · Esc back"),
    ];
    if let Some(fits) = wordings.into_iter().find(|w| w.width() <= width) {
        return fits;
    }
    let back = " · Esc back";
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

/// The fewest cells the path keeps before the Traffic table gives up a column for it.
const PATH_ROOM: usize = 24;

/// The process that sent `e` (the innermost of its recorded chain), as the pid column shows
/// it; `None` when the proxy could not tell.
fn sender(e: &Exchange) -> Option<String> {
    e.client_processes.first().map(u32::to_string)
}

/// Cells of the pid column: as wide as its widest entry among `listed` (and its header), or
/// none when no exchange listed names its sender.
fn pid_width(listed: &[&Exchange]) -> usize {
    listed
        .iter()
        .filter_map(|e| sender(e))
        .map(|pid| pid.len().max("pid".len()))
        .max()
        .unwrap_or(0)
}

/// The Traffic table's columns in a pane: every one when the path keeps [`PATH_ROOM`] cells;
/// in a narrower pane the sending process's pid goes first, then +ms, then ms (all three are
/// in the exchange's detail), so that the path and the fault stay readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    /// Cells of the `#` column: the widest sequence number listed, 3 at least.
    seq: usize,
    plus_ms: bool,
    /// Cells of the pid column (0: not shown).
    pid: usize,
    ms: bool,
    path: usize,
}

impl Columns {
    /// The columns for a pane `width` cells wide whose fault column takes `fault`, whose
    /// pid column `pid` (0: none) and whose `#` column `seq` (3 at least: from exchange #1000
    /// on it widens, so the rows keep their columns). Method and status take 15 cells with
    /// their spaces, # its width and a space, +ms 7 and ms 6; the pid its width and a space.
    fn fit(width: usize, fault: usize, pid: usize, seq: usize) -> Columns {
        let seq = seq.max(3);
        let fault_cells = if fault > 0 { 2 + fault } else { 0 };
        let with = |plus_ms: bool, pid: usize, ms: bool| {
            let pid_cells = if pid > 0 { pid + 1 } else { 0 };
            let fixed =
                15 + seq + 7 * usize::from(plus_ms) + pid_cells + 6 * usize::from(ms) + fault_cells;
            Columns {
                seq,
                plus_ms,
                pid,
                ms,
                path: width.saturating_sub(fixed).max(8),
            }
        };
        [
            with(true, pid, true),
            with(true, 0, true),
            with(false, 0, true),
        ]
        .into_iter()
        .find(|c| c.path >= PATH_ROOM)
        .unwrap_or_else(|| with(false, 0, false))
    }

    /// One row: `#`, `+ms`, pid, method, path, then status and ms (the fault goes after).
    fn row(&self, cells: [&str; 7]) -> (String, String, String) {
        let [seq, plus, pid, method, path, status, ms] = cells;
        let seq_w = self.seq;
        let mut head = format!("{seq:>seq_w$} ");
        if self.plus_ms {
            head.push_str(&format!("{plus:>6} "));
        }
        if self.pid > 0 {
            let w = self.pid;
            head.push_str(&format!("{pid:>w$} "));
        }
        head.push_str(&format!("{method:<6} "));
        let path_w = self.path;
        let path = format!("{path:<path_w$} ");
        let mut end = String::new();
        if self.ms {
            end = format!(" {ms:>5}");
        }
        (head, path, format!("{status:>6}{end}"))
    }
}

pub fn traffic(app: &App, view: &LabView, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let width = area.width as usize;
    let listed = view.listed_exchanges();
    let mut lines: Vec<Line<'static>> = Vec::new();
    if view.traffic_earlier && !listed.is_empty() {
        let text = "Previous attempt's exchanges: the last attempt could not start (see Results).";
        for row in word_rows(text, width) {
            lines.push(Line::from(Span::styled(row, t.dim())));
        }
    }
    if let Some((rule, _)) = &view.traffic_filter {
        lines.push(Line::from(Span::styled(
            evidence_header(rule, width),
            t.key_hint(),
        )));
    }
    let fault_w = fault_width(&listed);
    let seq_w = listed
        .iter()
        .map(|e| e.seq.to_string().len())
        .max()
        .unwrap_or(0);
    let columns = Columns::fit(width, fault_w, pid_width(&listed), seq_w);
    let (head, path, end) = columns.row(["#", "+ms", "pid", "method", "path", "status", "ms"]);
    let mut header = format!("{head}{path}{end}");
    if fault_w > 0 {
        header.push_str("  fault");
    }
    lines.push(Line::from(Span::styled(
        fit(&header, width),
        t.table_header(),
    )));
    if listed.is_empty() {
        let text = match view.run {
            RunState::Idle if view.traffic_earlier => {
                "No traffic: the last attempt could not start (see Results)."
            }
            // The org's calls to the learner's service are judged from the org's callout
            // log; they never pass the proxy this tab lists.
            RunState::Idle if !view.runs.is_empty() && view.org_calls_the_service() => {
                "Your code made no request to the org. The org's calls to your service are not listed here: Results quotes what your service answered to each."
            }
            // A finished run that sent nothing through the proxy: where to look, when the
            // lab's checks look at calls; a lab judged from its files needs none.
            RunState::Idle if !view.runs.is_empty() && view.checks_need_calls() => {
                "Your last run made no request to the org. Check that your code sends its calls to $SF_INSTANCE_URL."
            }
            RunState::Idle if !view.runs.is_empty() => "This run made no request to the org.",
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
        let (seq, plus, ms) = (
            e.seq.to_string(),
            plus.to_string(),
            e.elapsed_ms().to_string(),
        );
        let short = short_path(&path, columns.path);
        let pid = sender(e).unwrap_or_default();
        let (head, path, _) = columns.row([&seq, &plus, &pid, e.method(), &short, "", ""]);
        let mut spans = vec![
            Span::raw(head),
            Span::raw(path),
            Span::styled(format!("{status:>6}"), status_style),
        ];
        if columns.ms {
            spans.push(Span::raw(format!(" {ms:>5}")));
        }
        if let Some(label) = fault_label(e) {
            let style = if e.fault.is_some() {
                t.fault()
            } else {
                t.fail()
            };
            // Cut with … when a narrow pane leaves it less than its width.
            let used: usize = spans.iter().map(|s| s.content.width()).sum();
            let room = width.saturating_sub(used + 2);
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
            let mut spans = vec![
                Span::styled(format!("{}: ", h.name), t.strong()),
                Span::raw(crate::visible::one_line(&h.value).into_owned()),
            ];
            if sends_no_credential(h) {
                spans.push(Span::styled(" (empty: no credential after it)", t.dim()));
            }
            Line::from(spans)
        })
        .collect()
}

/// An `Authorization` header sent with a scheme and nothing after it, or with nothing at all:
/// the redactor keeps it as sent, and the detail says so, as a trailing space does not show.
fn sends_no_credential(h: &Header) -> bool {
    let is_auth = h.name.eq_ignore_ascii_case("authorization")
        || h.name.eq_ignore_ascii_case("proxy-authorization");
    is_auth && !h.value.trim().contains(' ') && !h.value.contains('‹')
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
    if let Some(line) = sent_by(e) {
        lines.push(Line::from(Span::styled(line, t.dim())));
    }
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

/// Which process sent `e` and its parents up to the program sflab started, worded as
/// `sflab transcript` words it (the process ids a retry verdict cites); `None` when the proxy
/// could not tell.
fn sent_by(e: &Exchange) -> Option<String> {
    let (sender, parents) = e.client_processes.split_first()?;
    let mut line = format!("sent by process {sender}");
    if !parents.is_empty() {
        let list: Vec<String> = parents.iter().map(u32::to_string).collect();
        line.push_str(&format!(" (its parents: {})", list.join(", ")));
    }
    Some(line)
}

/// A diff as coloured lines under a legend naming its two sides as the diff's own
/// `--- expected` / `+++ found` header does (the header itself is then left out).
fn diff_lines(diff: &str, t: &Theme) -> Vec<Line<'static>> {
    let mut body = diff.lines().peekable();
    let mut side = |mark: &str| body.next_if(|l| l.starts_with(mark)).map(|l| l[4..].trim());
    let old = side("--- ").unwrap_or("expected").to_string();
    let new = side("+++ ").unwrap_or("found").to_string();
    let legend = format!("- {old}   + {new}");
    std::iter::once(Line::from(Span::styled(legend, t.dim())))
        .chain(body.map(|l| {
            let style = if l.starts_with('+') && !l.starts_with("+++") {
                t.pass()
            } else if l.starts_with('-') && !l.starts_with("---") {
                t.fail()
            } else {
                t.text()
            };
            Line::from(Span::styled(l.to_string(), style))
        }))
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
            (format!(" diff: {rule} "), diff_lines(&diff, t))
        }
        Some(Detail::Text { title, text }) => (
            format!(" {title} "),
            crate::visible::on_screen(text)
                .lines()
                .map(|l| Line::from(l.to_string()))
                .collect(),
        ),
        Some(Detail::Output) => match whole_output(&view.runs) {
            Some(out) => (
                format!(" {} ", out.title),
                crate::visible::on_screen(&out.text)
                    .lines()
                    .map(|l| Line::from(l.to_string()))
                    .collect(),
            ),
            None => (
                " ./run output ".into(),
                vec![Line::from(Span::styled(
                    "No output yet: a run's output shows here once it ends.",
                    t.dim(),
                ))],
            ),
        },
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
    fn the_evidence_header_fits_and_names_the_keys_out() {
        // The Traffic tab is 50 cells wide at 80 columns.
        let short = super::evidence_header("http.request", 50);
        assert_eq!(short, "Evidence for http.request · a lists all · Esc back");
        let long = super::evidence_header("rest.upsert_by_external_id", 50);
        assert_eq!(long, "Evidence for rest.upsert_by_external_id · Esc back");
        let cut =
            super::evidence_header("a.rule_with_a_name_longer_than_any_pane_has_room_for", 50);
        assert!(cut.width() <= 50 && cut.ends_with("… · Esc back"), "{cut}");
        assert_eq!(
            super::evidence_header("http.request", 120),
            "The evidence for http.request · a lists every exchange · Esc back"
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

    #[test]
    fn an_authorization_header_with_no_credential_is_called_empty() {
        use crate::evidence::Header;
        let empty = |v: &str| super::sends_no_credential(&Header::new("Authorization", v));
        assert!(empty("Bearer "));
        assert!(empty(""));
        assert!(!empty("Bearer ‹redacted:access_token#009da60f›"));
        assert!(!empty("‹redacted:authorization#009da60f›"));
        assert!(!super::sends_no_credential(&Header::new("Accept", "")));
    }

    use super::short_path;

    #[test]
    fn a_path_drops_the_api_prefix_then_the_querys_end_then_its_head() {
        let full = "/services/data/v62.0/query?q=SELECT+Name+FROM+Account+ORDER+BY+Name";
        assert_eq!(short_path(full, 80), full);
        assert_eq!(
            short_path(full, 50),
            "…/query?q=SELECT+Name+FROM+Account+ORDER+BY+Name"
        );
        assert_eq!(short_path(full, 21), "…/query?q=S…R+BY+Name");
        assert_eq!(short_path(full, 21).chars().count(), 21);
        // Too narrow for any of the query: that there is one still shows.
        assert_eq!(short_path(full, 10), "…/query?…");
        let record = "/services/data/v62.0/sobjects/Account/0015g00000ABCDEAAA";
        assert_eq!(short_path(record, 30), "…/Account/0015g00000ABCDEAAA");
        assert_eq!(short_path(record, 21), "…/0015g00000ABCDEAAA");
        assert_eq!(short_path(record, 12), "…000ABCDEAAA");
        assert_eq!(short_path("/services/data/v62.0/limits", 16), "…/limits");
        // Other paths keep their head until it must go.
        assert_eq!(
            short_path("/services/apexrest/orders/v2/ORD-1", 20),
            "…/orders/v2/ORD-1"
        );
    }

    #[test]
    fn a_narrow_traffic_tab_gives_up_the_timing_columns_before_the_path_or_fault() {
        // The Traffic tab is 50 cells wide at 80 columns.
        let wide = super::Columns::fit(120, 14, 0, 1);
        assert!(wide.plus_ms && wide.ms && wide.path >= super::PATH_ROOM);
        let plain = super::Columns::fit(50, 0, 0, 1);
        assert!(!plain.plus_ms && plain.ms, "{plain:?}");
        assert_eq!(plain.path, 26);
        // "⚡ unavailable" is 14 cells: it stays whole, and the path keeps 16.
        let faulted = super::Columns::fit(50, 14, 0, 1);
        assert!(!faulted.plus_ms && !faulted.ms, "{faulted:?}");
        assert_eq!(faulted.path, 16);
    }

    #[test]
    fn the_sender_pid_column_is_the_first_to_give_way() {
        // 120 columns: an 85-cell pane keeps the pid beside a fault.
        let wide = super::Columns::fit(85, 14, 5, 1);
        assert!(wide.plus_ms && wide.ms && wide.pid == 5, "{wide:?}");
        assert!(wide.path >= super::PATH_ROOM, "{wide:?}");
        // 80 columns: the pid goes (the detail names the sender), as it did before.
        assert_eq!(
            super::Columns::fit(50, 0, 5, 1),
            super::Columns::fit(50, 0, 0, 1)
        );
    }
}
