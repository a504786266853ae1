//! Markdown feedback for one submission, written for the learner: the score, a table of every
//! rule, and for each failure what the rule expected and what happened, with the recorded
//! requests that show it.
//!
//! What it never prints: values under a check's `hidden:` parameters (masked, and the diff left
//! out), the lab's hints, or anything of the reference solution. The rule messages themselves
//! describe what was observed, not how to solve the lab. Nor does it pass on what the
//! learner's program printed as it was: control characters show as pictures (`␛[2J`), a
//! line of binary output is described, and a message of several lines continues below the
//! table rather than breaking its row.

use super::grader::{GradeError, SubmissionGrade};
use super::rubric::Rubric;
use crate::evidence::Exchange;
use crate::rules::VerdictStatus;

/// Lines of a failed run's stderr the feedback shows, from its end.
const STDERR_LINES: usize = 8;

/// The last `n` non-empty lines of `text`.
fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Characters of one stderr line the notes show; the rest of a longer line is cut.
const LINE_CHARS: usize = 300;

/// A line of the learner's output as the notes quote it: a binary one described (see
/// [`readable_line`]), a text one cut to [`LINE_CHARS`] characters, saying so.
fn cut(line: &str) -> String {
    if let Some(note) = binary_note(line) {
        return note;
    }
    match line.char_indices().nth(LINE_CHARS) {
        Some((at, _)) => format!(
            "{} … ({} more characters)",
            &line[..at],
            line[at..].chars().count()
        ),
        None => line.to_string(),
    }
}

/// A rule's message in its table row: a Markdown table cell holds one line, so a message of
/// several lines shows its first there and says the rest follows below the table (in *What
/// to look at* for a failed rule, in *More about the other rules* otherwise). `|` is escaped.
fn cell(message: &str) -> String {
    let first = message.trim().lines().next().unwrap_or("").trim_end();
    let more = if is_multiline(message) {
        " (continued below the table)"
    } else {
        ""
    };
    format!("{first}{more}").replace('|', "\\|")
}

/// A rule's whole message below the table: its first line as written, and the lines after
/// it — what the learner's program printed, such as the last lines of its stderr — quoted as
/// text in a fence, so nothing a program prints turns into a heading, a link or an open code
/// block of the feedback.
fn detail(message: &str) -> String {
    let message = message.trim();
    let (first, rest) = message.split_once('\n').unwrap_or((message, ""));
    if rest.trim().is_empty() {
        return first.trim_end().to_string();
    }
    let quoted: Vec<String> = rest
        .trim_end()
        .lines()
        .map(|l| cut(l).replace("```", "` ` `"))
        .collect();
    format!(
        "{}\n\n```text\n{}\n```",
        first.trim_end(),
        quoted.join("\n")
    )
}

/// Whether a message needs more than its table cell (see [`cell`]).
fn is_multiline(message: &str) -> bool {
    message.trim().lines().skip(1).any(|l| !l.trim().is_empty())
}

fn exchange_line(x: &Exchange) -> String {
    let status = x
        .status()
        .map(|s| s.to_string())
        .unwrap_or_else(|| "no response".into());
    let fault = x
        .fault
        .as_ref()
        .map(|f| format!(" (fault injected by the lab: {})", f.kind))
        .unwrap_or_default();
    format!(
        "- #{} run {}: `{} {}` → {status}{fault}",
        x.seq,
        x.run_index + 1,
        x.method(),
        x.path()
    )
}

/// The feedback file for one graded submission. Whatever of the learner's output it quotes,
/// control characters are shown as pictures (`␛[2J`), never left for a terminal that `cat`s
/// the file to obey; line breaks and tabs stay.
pub fn to_markdown(g: &SubmissionGrade, rubric: &Rubric) -> String {
    let md: String = markdown(g, rubric)
        .split_inclusive('\n')
        .map(readable_line)
        .collect();
    crate::visible::visible(&md).into_owned()
}

/// A line of quoted output that is mostly bytes no text holds (invalid UTF-8, read as `�`,
/// and control characters), as a program dumping binary prints: said in a few words rather
/// than shown, its indentation and line break kept.
fn readable_line(line: &str) -> std::borrow::Cow<'_, str> {
    let body = line.trim_end_matches('\n');
    match binary_note(body) {
        Some(note) => {
            let indent = &body[..body.len() - body.trim_start().len()];
            format!("{indent}{note}{}", &line[body.len()..]).into()
        }
        None => line.into(),
    }
}

/// What a line that is mostly binary (see [`readable_line`]) is shown as, if it is one.
fn binary_note(line: &str) -> Option<String> {
    let total = line.trim().chars().count();
    let odd = line
        .chars()
        .filter(|c| *c == '\u{FFFD}' || (c.is_control() && *c != '\t'))
        .count();
    (total >= 8 && odd * 4 >= total)
        .then(|| format!("‹{total} characters of binary output, not shown›"))
}

fn markdown(g: &SubmissionGrade, rubric: &Rubric) -> String {
    let mut md = format!("# {} — feedback for {}\n\n", rubric.title.trim(), g.name);
    let report = match &g.result {
        Err(GradeError::Submission(m)) => {
            md.push_str(&format!(
                "**Score: 0/{}.** Your submission could not be run:\n\n> {}\n\nThe lab's entry point is `./run` in your lab folder; make sure it is there and that its first line names an interpreter that exists.\n",
                rubric.max_points(),
                m.replace('\n', "\n> ")
            ));
            return md;
        }
        Err(GradeError::Archive(_)) => {
            md.push_str("**Not graded.** Your work was handed in as an archive, which sflab does not open; your instructor will unpack it and grade it then. Next time, hand in your lab folder itself, with its `run` at the top.\n");
            return md;
        }
        Err(GradeError::Grader(m)) => {
            md.push_str(&format!(
                "**Not graded.** sflab could not grade this submission, through no fault of yours; your instructor will grade it again.\n\n> {}\n",
                m.replace('\n', "\n> ")
            ));
            return md;
        }
        Ok(r) => r,
    };
    if let Some(why) = &g.not_run {
        md.push_str(&format!(
            "**Score: {}/{}.** Your submission could not be run:\n\n> {}\n\nThe lab's entry point is `./run` in your lab folder; make sure it is there and that its first line names an interpreter that exists. The checks that read only your files were judged; the others need a run.\n\n| | rule | points | result |\n|---|---|---|---|\n",
            report.points,
            report.max_points,
            why.replace('\n', "\n> ")
        ));
    } else {
        md.push_str(&format!(
            "**Score: {}/{}** — {}\n\n| | rule | points | result |\n|---|---|---|---|\n",
            report.points,
            report.max_points,
            if report.passed {
                "every rule passed."
            } else {
                "some rules did not pass; see below."
            }
        ));
    }
    for (item, v) in rubric.items.iter().zip(&report.verdicts) {
        let seen = item.learner_view(v);
        let (glyph, pts) = match &v.status {
            VerdictStatus::Pass => ("✓", format!("{}/{}", v.points_awarded, item.points)),
            VerdictStatus::Fail => ("✗", format!("0/{}", item.points)),
            VerdictStatus::NotApplicable { .. } => ("–", "n/a".to_string()),
        };
        md.push_str(&format!(
            "| {glyph} | `{}` | {pts} | {} |\n",
            item.column,
            cell(&seen.message)
        ));
    }
    let failed: Vec<_> = rubric
        .items
        .iter()
        .zip(&report.verdicts)
        .filter(|(_, v)| v.failed())
        .collect();
    if !failed.is_empty() {
        md.push_str("\n## What to look at\n");
        for (item, v) in failed {
            let seen = item.learner_view(v);
            md.push_str(&format!(
                "\n### ✗ `{}` (0/{} points)\n\nWhat it looks for: {}.\n\n{}\n",
                item.column,
                item.points,
                crate::visible::one_line(&item.what),
                detail(&seen.message)
            ));
            let shown: Vec<String> = v
                .evidence
                .iter()
                .filter_map(|seq| report.exchanges.iter().find(|x| x.seq == *seq))
                .map(|x| item.mask(&exchange_line(x)))
                .collect();
            if !shown.is_empty() {
                md.push_str("\nThe requests that show it:\n\n");
                md.push_str(&shown.join("\n"));
                md.push('\n');
            }
            if let Some(d) = seen.diff {
                md.push_str(&format!("\n```diff\n{}\n```\n", d.trim_end()));
            }
        }
    }
    let more: Vec<_> = rubric
        .items
        .iter()
        .zip(&report.verdicts)
        .filter(|(item, v)| !v.failed() && is_multiline(&item.learner_view(v).message))
        .collect();
    if !more.is_empty() {
        md.push_str("\n## More about the other rules\n");
        for (item, v) in more {
            let glyph = if v.passed() { "✓" } else { "–" };
            md.push_str(&format!(
                "\n### {glyph} `{}`\n\n{}\n",
                item.column,
                detail(&item.learner_view(v).message)
            ));
        }
    }
    let notes = run_notes(g, report, rubric);
    if !notes.is_empty() {
        md.push_str("\n## Notes\n\n");
        for n in notes {
            md.push_str(&format!("- {n}\n"));
        }
    }
    md
}

/// What the feedback's Notes section says about the hand-in (graded from the one folder it
/// holds, files `sflab report` masked) and how the submission ran: a failed run's exit
/// and the last lines of its stderr, time-outs, truncated output, files written outside the
/// folder, an ignored `lab.yaml`, files the graded copy left out. Hidden values are masked.
/// (The JUnit report carries the same lines as each suite's `<system-out>`.)
pub fn run_notes(
    g: &SubmissionGrade,
    report: &crate::runner::Report,
    rubric: &Rubric,
) -> Vec<String> {
    let mut notes = g.hand_in_notes.clone();
    if g.exchanges_left_out > 0 {
        let total = report.exchanges.len() + g.exchanges_left_out;
        notes.push(format!(
            "Your program made {total} requests: the checks judged every one, and the gradebook keeps {} ({} left out).",
            super::grader::kept_of_a_long_traffic(),
            g.exchanges_left_out
        ));
    }
    if let Some(with) = report.runs.iter().find_map(|r| r.started_with.as_deref()) {
        notes.push(format!(
            "{}. Keep its execute bit (`chmod +x run`) when you hand it in.",
            crate::runner::shebang::not_executable_note(with)
        ));
    }
    let hide = |text: &str| {
        rubric
            .items
            .iter()
            .fold(text.to_string(), |t, i| i.mask(&t))
    };
    for run in &report.runs {
        let n = run.index + 1;
        if run.timed_out {
            notes.push(if run.leftovers.is_empty() {
                format!(
                    "Run {n} was stopped after {} ms: it did not finish in time, so it and everything it started were killed.",
                    run.duration_ms
                )
            } else {
                format!(
                    "Run {n} was stopped after {} ms: it did not finish in time, so it was killed; some processes it started could not be (listed below).",
                    run.duration_ms
                )
            });
        } else if run.stopped_by_lab {
            // A scenario's planned kill says so in the run's own notes.
            if run.notes.is_empty() {
                notes.push(format!(
                    "Run {n} was stopped by the lab on purpose, as every submission's is."
                ));
            }
        } else if !run.succeeded() {
            let how = match (run.exit_code, run.signal) {
                (Some(c), _) => format!("exit status {c}"),
                (None, Some(s)) => format!("signal {s}"),
                _ => "an unknown status".into(),
            };
            // Led by the line naming the error when a stack trace pushed it out of the tail.
            let err = crate::runner::error_line::with_lead(
                &run.stderr.text,
                last_lines(&run.stderr.text, STDERR_LINES),
            );
            notes.push(if err.is_empty() {
                format!("Run {n} ended with {how}; it printed nothing to stderr.")
            } else {
                format!(
                    "Run {n} ended with {how}. The last lines it printed to stderr:\n\n  ```text\n{}\n  ```",
                    hide(&err)
                        .lines()
                        .map(|l| format!("  {}", cut(l).replace("```", "` ` `")))
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            });
        }
        let long: Vec<&str> = [("stdout", &run.stdout), ("stderr", &run.stderr)]
            .into_iter()
            .filter(|(_, out)| out.truncated)
            .map(|(name, _)| name)
            .collect();
        if !long.is_empty() {
            notes.push(format!(
                "Run {n} printed more to {} than sflab keeps: {} of {} were kept; what came between was left out of the copy (a line in the output marks where), searched for secrets, and up to {} of it judged by the checks on output.",
                long.join(" and "),
                crate::runner::capture::kept_of_a_long_stream(g.output_cap),
                if long.len() == 1 { "it" } else { "each" },
                crate::wording::bytes(crate::runner::capture::JUDGED_PAST_CAP as u64),
            ));
        }
        for note in &run.notes {
            notes.push(format!("Run {n}: {}", hide(note)));
        }
    }
    if g.copy
        .skipped
        .iter()
        .any(|s| s.path.eq_ignore_ascii_case("lab.yaml"))
    {
        notes.push("Your folder holds a `lab.yaml`; it was ignored: every submission is graded by the lab as sflab ships it.".into());
    }
    if let Some(note) = super::left_out::for_the_learner(&g.left_out()) {
        notes.push(note);
    }
    if !g.stray.is_empty() {
        notes.push(format!(
            "Your code wrote outside its lab folder ({}). Keep every file it writes inside the lab folder.",
            g.stray.join(", ")
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_says_what_it_looks_for_so_repeated_rules_read_apart() {
        let lab = crate::lab::spec::parse(
            "lab.yaml",
            "id: a\ntitle: A\nlevel: L1\nlesson: L1-basics/rest\nchecks:\n\
             - { rule: process.output_reports, method: GET, path: /q, values: [/records/*/Name], points: 1 }\n\
             - { rule: process.output_reports, method: GET, path: /q, values: [/totalSize], points: 1 }\n",
        )
        .unwrap();
        let rubric = Rubric::of(&lab);
        let verdicts = vec![
            crate::rules::Verdict::pass("process.output_reports", 1, "printed"),
            crate::rules::Verdict::fail("process.output_reports", 1, "not printed"),
            crate::rules::Verdict::pass("secrets.not_in_output", 0, "none"),
        ];
        let report = crate::runner::Report::new(
            "a",
            "mock",
            verdicts,
            vec![],
            vec![],
            chrono::Utc::now(),
            std::time::Duration::ZERO,
        );
        let g = SubmissionGrade {
            name: "ann".into(),
            dir: "ann".into(),
            result: Ok(report),
            output_cap: 1024,
            not_run: None,
            copy: Default::default(),
            hand_in_notes: vec![],
            stray: vec![],
            exchanges_left_out: 0,
            wall: std::time::Duration::ZERO,
            overhead: std::time::Duration::ZERO,
        };
        let md = markdown(&g, &rubric);
        assert!(
            md.contains("### ✗ `process.output_reports#2` (0/1 points)\n\nWhat it looks for: what your program prints: the values at /totalSize the org answered to GET /q.\n"),
            "{md}"
        );
    }

    #[test]
    fn a_message_of_several_lines_keeps_its_table_row_whole() {
        let message =
            "run 1 exited with status 3. Last lines of its stderr:\nTraceback | x\n  boom\n";
        let shown = cell(message);
        assert_eq!(
            shown,
            "run 1 exited with status 3. Last lines of its stderr: (continued below the table)"
        );
        assert!(!shown.contains('\n'));
        assert_eq!(
            cell("a | b\n"),
            "a \\| b",
            "one line: no pointer, pipes escaped"
        );
    }

    #[test]
    fn what_a_program_printed_is_quoted_as_text_below_the_table() {
        let message = "run 1 exited with status 1. Last lines of its stderr:\n## ✓ All rules passed\n```\n[click](https://evil.example/x)\n";
        let shown = detail(message);
        assert_eq!(
            shown,
            "run 1 exited with status 1. Last lines of its stderr:\n\n```text\n## ✓ All rules passed\n` ` `\n[click](https://evil.example/x)\n```"
        );
        assert_eq!(detail("one line only\n"), "one line only");
    }

    #[test]
    fn binary_output_is_described_and_long_lines_are_cut() {
        let binary = "\u{FFFD}\u{1}k\u{FFFD}\u{FFFD}x\u{1b}\u{FFFD}q\u{FFFD}";
        assert_eq!(
            readable_line(&format!("  {binary}\n")),
            "  ‹10 characters of binary output, not shown›\n"
        );
        let colour = "err \u{1b}[31mRED\u{1b}[0m and more text\n";
        assert_eq!(readable_line(colour), colour, "escapes in text stay text");
        let long = "x".repeat(LINE_CHARS + 5);
        assert_eq!(
            cut(&long),
            format!("{} … (5 more characters)", "x".repeat(LINE_CHARS))
        );
    }
}
