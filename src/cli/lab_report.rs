//! Plain-text renderings for `sflab check` and `sflab transcript`: one line per rule with a
//! glyph (✓ pass, ✗ fail, – not applicable), the learner-facing message, the exchanges that
//! prove it and a diff; then the runs; then the exchange table and details of a transcript.
//!
//! Pure functions of a report, so the output is tested as text. No colour: meaning rests on
//! the glyphs and words.

use crate::evidence::{Body, Exchange, Header, LearnerRun};
use crate::lab::HintOffer;
use crate::rules::{Verdict, VerdictStatus};
use crate::runner::Report;
use std::fmt::Write;

/// Longest body shown in a transcript before it is cut.
const BODY_SHOWN: usize = 2000;

fn glyph(v: &Verdict) -> &'static str {
    match v.status {
        VerdictStatus::Pass => "✓",
        VerdictStatus::Fail => "✗",
        VerdictStatus::NotApplicable { .. } => "–",
    }
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

fn run_line(r: &LearnerRun) -> String {
    let how = if r.timed_out {
        "timed out and was stopped".to_string()
    } else if let Some(code) = r.exit_code {
        format!("exit {code}")
    } else if r.stopped_by_lab {
        "stopped by sflab once the lab's calls to it were done, as planned".to_string()
    } else if let Some(sig) = r.signal {
        format!("killed by signal {sig}")
    } else {
        "ended".to_string()
    };
    let started = r
        .started_with
        .as_deref()
        .map(|with| {
            format!(
                " ({}; `chmod +x run` starts it directly)",
                crate::runner::shebang::not_executable_note(with)
            )
        })
        .unwrap_or_default();
    format!(
        "run {}: {how} in {} ms{started}",
        r.index + 1,
        r.duration_ms
    )
}

/// The last `n` lines of a text.
/// The last `n` lines of `text`, after a line that says how many came before when some did
/// (`later` says where to read them).
fn tail(text: &str, n: usize, later: &str) -> String {
    let cut = text.lines().count().saturating_sub(n);
    let last = crate::wording::last_lines(text, n, 300);
    match cut {
        0 => last,
        1 => format!("… 1 earlier line ({later})\n{last}"),
        _ => format!("… {cut} earlier lines ({later})\n{last}"),
    }
}

/// The report of `sflab check`; `hint` says what `sflab hint` has for it (see
/// [`crate::lab::hint_offer`]).
pub fn render_report(report: &Report, title: &str, hint: &HintOffer) -> String {
    let mut out = String::new();
    let runs = report.runs.len();
    let _ = writeln!(
        out,
        "{} — {title}   ({}, {runs} run{}, {:.1} s)",
        report.lab,
        report.backend,
        if runs == 1 { "" } else { "s" },
        report.duration.as_secs_f64()
    );
    if let Some(org) = &report.org {
        let _ = writeln!(out, "on {org}");
    }
    out.push('\n');
    let width = report
        .verdicts
        .iter()
        .map(|v| v.rule.chars().count())
        .max()
        .unwrap_or(0);
    for v in &report.verdicts {
        let points = match v.status {
            VerdictStatus::NotApplicable { .. } => "–".to_string(),
            _ => format!("{}/{}", v.points_awarded, v.points_possible),
        };
        let _ = writeln!(
            out,
            "  {} {:<width$}  {:>4}  {}",
            glyph(v),
            v.rule,
            points,
            v.message.lines().next().unwrap_or("")
        );
        for more in v.message.lines().skip(1) {
            let _ = writeln!(out, "      {more}");
        }
        if !v.evidence.is_empty() && !v.passed() {
            // A long list (a client that polled thousands of times) shows its first few.
            const SHOWN: usize = 8;
            let mut list: Vec<String> = v
                .evidence
                .iter()
                .take(SHOWN)
                .map(|s| format!("#{s}"))
                .collect();
            if v.evidence.len() > SHOWN {
                list.push(format!("and {} more", v.evidence.len() - SHOWN));
            }
            let _ = writeln!(
                out,
                "      evidence: exchange{} {} (`sflab transcript {}`)",
                if v.evidence.len() == 1 { "" } else { "s" },
                list.join(", "),
                report.lab
            );
        }
        if let Some(diff) = v.diff.as_deref().filter(|_| !v.passed()) {
            out.push_str(&indent(diff.trim_end(), "      │ "));
        }
    }
    out.push('\n');
    for r in &report.runs {
        let _ = writeln!(out, "  {}", run_line(r));
        for note in &r.notes {
            let _ = writeln!(out, "    note: {note}");
        }
        if !r.succeeded() && !r.stopped_by_lab {
            let later = format!("sflab transcript {} shows them all", report.lab);
            let err = crate::runner::error_line::with_lead(
                &r.stderr.text,
                tail(&r.stderr.text, 6, &later),
            );
            if !err.trim().is_empty() {
                let _ = writeln!(out, "    its last error output:");
                out.push_str(&indent(&err, "    │ "));
            }
        }
    }
    let _ = writeln!(
        out,
        "  {} exchange{} recorded",
        report.exchanges.len(),
        if report.exchanges.len() == 1 { "" } else { "s" }
    );
    out.push('\n');
    if report.passed {
        let _ = writeln!(
            out,
            "PASS  {}/{} points. `sflab solution {}` shows the reference solution.",
            report.points, report.max_points, report.lab
        );
    } else {
        let next = match hint {
            HintOffer::Rule(rule) => {
                format!("`sflab hint {}` gives a hint for {rule}.", report.lab)
            }
            HintOffer::General => format!("`sflab hint {}` gives a hint.", report.lab),
            HintOffer::Nothing => {
                "Each failed check's message above says what it expected and what happened.".into()
            }
        };
        // Full points and still a fail: only checks worth no points failed (the printed-secret
        // gate every lab has); say which, or the score reads as a pass.
        let pointless: Vec<&str> = report
            .verdicts
            .iter()
            .filter(|v| v.failed() && v.points_possible == 0)
            .map(|v| v.rule.as_str())
            .collect();
        let why = match pointless.as_slice() {
            [] => String::new(),
            _ if report.points < report.max_points => String::new(),
            rules => format!(
                " Every point was earned, but {} failed: a check worth no points still fails the attempt.",
                rules.join(", ")
            ),
        };
        let _ = writeln!(
            out,
            "FAIL  {}/{} points.{why} {next}",
            report.points, report.max_points
        );
    }
    if let Some(why) = &report.not_saved {
        let _ = writeln!(out, "\nwarning: {why}");
    }
    // The learner's output and request bodies are shown, never obeyed by the terminal.
    crate::visible::visible(&out).into_owned()
}

fn short_path(e: &Exchange) -> String {
    let mut p = e.request.path.clone();
    if let Some(q) = &e.request.query {
        p.push('?');
        p.push_str(q);
    }
    if p.chars().count() > 60 {
        let cut: String = p.chars().take(59).collect();
        format!("{cut}…")
    } else {
        p
    }
}

/// The one-line-per-exchange table.
pub fn exchange_table(exchanges: &[Exchange]) -> String {
    let mut out = String::from(" #   run  +ms     method  path                                                          status   ms  fault\n");
    let t0 = exchanges.first().map(|e| e.started_at);
    for e in exchanges {
        let plus = t0.map_or(0, |t| (e.started_at - t).num_milliseconds());
        let status = e
            .status()
            .map_or_else(|| "—".to_string(), |s| s.to_string());
        let fault = e
            .fault
            .as_ref()
            .map_or(String::new(), |f| format!("⚡ {}", f.kind));
        let _ = writeln!(
            out,
            " {:<3} {:<4} {:<7} {:<7} {:<61} {:<6} {:>4}  {fault}",
            e.seq,
            e.run_index + 1,
            plus,
            e.request.method,
            short_path(e),
            status,
            e.elapsed_ms()
        );
    }
    out
}

fn headers_text(headers: &[Header]) -> String {
    headers
        .iter()
        .map(|h| format!("{}: {}\n", h.name, h.value))
        .collect()
}

fn body_text(body: &Body) -> String {
    if body.is_empty() {
        return String::new();
    }
    let pretty = body
        .json()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| body.text.clone());
    let mut shown: String = pretty.chars().take(BODY_SHOWN).collect();
    if body.truncated {
        shown.push_str(&format!(
            "\n… ({} bytes in all; only the first {} were recorded)",
            body.size,
            body.text.len()
        ));
    } else if pretty.chars().count() > BODY_SHOWN {
        shown.push_str(&format!(
            "\n… ({} bytes in all; `sflab transcript --har FILE` writes the full body)",
            body.size
        ));
    }
    shown.push('\n');
    shown
}

/// One exchange in full: request line, headers, body; response status, headers, body.
pub fn exchange_detail(e: &Exchange) -> String {
    let mut out = format!("── #{} ", e.seq);
    if let Some(f) = &e.fault {
        let _ = write!(out, "⚡ injected fault: {} ", f.action);
    }
    out.push('\n');
    let _ = writeln!(out, "{} {}", e.request.method, e.request.url);
    if let Some((sender, parents)) = e.client_processes.split_first() {
        // The process ids the retry verdicts cite, so a learner can confirm them here.
        let _ = write!(out, "  sent by process {sender}");
        if !parents.is_empty() {
            let list: Vec<String> = parents.iter().map(u32::to_string).collect();
            let _ = write!(out, " (its parents: {})", list.join(", "));
        }
        out.push('\n');
    }
    out.push_str(&indent(&headers_text(&e.request.headers), "  "));
    out.push_str(&indent(&body_text(&e.request.body), "  "));
    match &e.response {
        Some(r) => {
            let _ = writeln!(out, "→ {} ({} ms)", r.status, e.elapsed_ms());
            out.push_str(&indent(&headers_text(&r.headers), "  "));
            out.push_str(&indent(&body_text(&r.body), "  "));
        }
        None => {
            let _ = writeln!(
                out,
                "→ no response: {}",
                e.error.as_deref().unwrap_or("the connection ended")
            );
        }
    }
    out
}

/// A run's output line by line in the order written, when the in-order record holds all of it
/// (nothing left out between its first and last lines, and as many lines as the two streams
/// have); `None` for a longer output (the streams are then shown whole, one after the other)
/// and for an attempt recorded before the in-order record was kept.
fn whole_in_order(r: &LearnerRun) -> Option<Vec<&crate::evidence::OutputLine>> {
    let lines: Vec<_> = r.output.lines().collect();
    let streams = r.stdout.text.lines().count() + r.stderr.text.lines().count();
    (r.output.left_out == 0 && !lines.is_empty() && lines.len() == streams).then_some(lines)
}

/// `sflab transcript`: runs with their whole output, the table, then every exchange in full.
pub fn render_transcript(
    lab: &str,
    started_at: &str,
    exchanges: &[Exchange],
    runs: &[LearnerRun],
) -> String {
    let mut out = format!("{lab}: the last attempt, started {started_at} (secrets redacted)\n\n");
    for r in runs {
        let _ = writeln!(out, "{}", run_line(r));
        for note in &r.notes {
            let _ = writeln!(out, "  note: {note}");
        }
        if let Some(lines) = whole_in_order(r) {
            // Short output reads as the terminal showed it: an error among what came before.
            let _ = writeln!(
                out,
                "  output, in the order written (stderr lines marked ┃):"
            );
            for line in lines {
                let bar = match line.stream {
                    crate::evidence::OutputStream::Stdout => "│",
                    crate::evidence::OutputStream::Stderr => "┃",
                };
                let _ = writeln!(out, "  {bar} {}", line.text);
            }
            continue;
        }
        if !r.stdout.text.trim().is_empty() {
            let _ = writeln!(out, "  stdout:");
            // The whole stream: what sflab left out of a flood is marked inside it.
            out.push_str(&indent(&r.stdout.text, "  │ "));
        }
        if !r.stderr.text.trim().is_empty() {
            let _ = writeln!(out, "  stderr:");
            out.push_str(&indent(&r.stderr.text, "  │ "));
        }
    }
    out.push('\n');
    if exchanges.is_empty() {
        out.push_str(if runs.iter().any(|r| !r.notes.is_empty()) {
            "No exchange was recorded: no request got through (see the note above).\n"
        } else {
            "No exchange was recorded: the code never reached the org through SF_INSTANCE_URL.\n"
        });
        return crate::visible::visible(&out).into_owned();
    }
    out.push_str(&exchange_table(exchanges));
    for e in exchanges {
        out.push('\n');
        out.push_str(&exchange_detail(e));
    }
    // The learner's output and request bodies are shown, never obeyed by the terminal.
    crate::visible::visible(&out).into_owned()
}

#[cfg(test)]
#[path = "lab_report_tests.rs"]
mod tests;
