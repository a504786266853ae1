//! The gradebook as files instructors' tools read: CSV (a row per submission, a column per
//! rule plus totals, stable column order) and JSON (full verdicts, evidence already redacted).
//! JUnit XML is in [`super::junit`], Markdown feedback in [`super::feedback`].
//!
//! Pure: each function returns the text; the CLI writes it.

use super::grader::{GradeError, Gradebook, SubmissionGrade};
use serde_json::{json, Value};

/// The CSV header: `submission`, one column per rubric item (its points; `pass` or `fail` for
/// a check worth no points, such as the printed-secret gate, or `not_judged` when the program
/// did not run), `total`, `max`, `passed`,
/// `error` (only why it could not run, was not graded or timed out: empty for a submission
/// that ran), `notes` (what the graded copy left out and the notes on the hand-in: graded
/// from its one folder, files `sflab report` masked; as grades.json's `left_out` and
/// `hand_in_notes`), `feedback` (the submission's feedback file, relative to the output
/// folder).
pub fn csv_header(book: &Gradebook) -> Vec<String> {
    let mut h = vec!["submission".to_string()];
    h.extend(book.rubric.items.iter().map(|i| i.column.clone()));
    h.extend(["total", "max", "passed", "error", "notes", "feedback"].map(String::from));
    h
}

/// A text cell a spreadsheet will not run as a formula: one starting with `=`, `+`, `-`, `@`
/// or a control character gets a leading `'` (folder names come from learners).
pub fn safe_cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// The feedback file of each submission, in the gradebook's order, as a path relative to the
/// output folder (`feedback/alice.md`); `None` when no feedback was written.
pub type FeedbackFiles = [Option<String>];

/// How one rubric item of a submission ended: `pass`, `fail`, `not_applicable` (on this
/// backend), `not_judged` (the program did not run, and the check needs a run: see
/// [`SubmissionGrade::judged`]), or `error` (the submission could not be graded).
fn item_status(g: &SubmissionGrade, book: &Gradebook, i: usize) -> &'static str {
    let judged = book
        .rubric
        .items
        .get(i)
        .is_none_or(|item| g.judged(&item.rule));
    match (
        g.result.as_ref().ok().and_then(|r| r.verdicts.get(i)),
        &g.result,
    ) {
        (Some(v), _) if v.passed() => "pass",
        (Some(v), _) if v.failed() && !judged => "not_judged",
        (Some(v), _) if v.failed() => "fail",
        (Some(_), _) => "not_applicable",
        (None, Err(e)) if e.not_graded() => "error",
        (None, _) => "fail",
    }
}

/// The gradebook as CSV. A rule not applicable on the backend leaves its cell empty; a check
/// worth no points says `pass`, `fail` or `not_judged` (its points would read 0 either way).
pub fn to_csv(book: &Gradebook, feedback: &FeedbackFiles) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(csv_header(book))?;
    for (i, g) in book.grades.iter().enumerate() {
        let mut row = vec![safe_cell(&g.name)];
        row.extend(
            g.item_points(&book.rubric)
                .into_iter()
                .zip(&book.rubric.items)
                .enumerate()
                .map(|(at, (p, item))| match p {
                    None => String::new(),
                    Some(_) if item.points == 0 => item_status(g, book, at).to_string(),
                    Some(p) => p.to_string(),
                }),
        );
        row.push(g.points().to_string());
        row.push(g.max_points(&book.rubric).to_string());
        row.push(g.passed().to_string());
        let problem = match &g.result {
            Err(GradeError::Archive(m)) => Some(format!("not graded: {m}")),
            _ => g.problem().map(str::to_string),
        };
        let error = problem.or_else(|| g.timed_out()).unwrap_or_default();
        row.push(safe_cell(&crate::visible::visible(&error)));
        let notes: Vec<String> = super::left_out::for_the_lead(&g.left_out())
            .into_iter()
            .chain(g.hand_in_notes.iter().cloned())
            .collect();
        row.push(safe_cell(&crate::visible::visible(&notes.join("; "))));
        row.push(
            feedback
                .get(i)
                .cloned()
                .flatten()
                .map(|f| safe_cell(&f))
                .unwrap_or_default(),
        );
        w.write_record(&row)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn submission_json(g: &SubmissionGrade, book: &Gradebook, feedback: Option<&str>) -> Value {
    let (error, report) = match &g.result {
        Ok(r) => (
            match (&g.not_run, g.timed_out()) {
                (Some(why), _) => json!({ "submission": why }),
                (None, Some(stopped)) => json!({ "timed_out": stopped }),
                (None, None) => Value::Null,
            },
            serde_json::to_value(r).unwrap_or(Value::Null),
        ),
        Err(e) => (serde_json::to_value(e).unwrap_or(Value::Null), Value::Null),
    };
    let rules: Vec<Value> = book
        .rubric
        .items
        .iter()
        .zip(g.item_points(&book.rubric))
        .enumerate()
        .map(|(i, (item, pts))| {
            json!({
                "column": item.column,
                "rule": item.rule,
                "points_possible": item.points,
                "points_awarded": pts,
                "status": item_status(g, book, i),
            })
        })
        .collect();
    json!({
        "submission": g.name,
        "points": g.points(),
        "max_points": g.max_points(&book.rubric),
        "passed": g.passed(),
        "error": error,
        "feedback_file": feedback,
        "rules": rules,
        "copied_files": g.copy.copied,
        "skipped_files": g.copy.skipped_paths(),
        "left_out": g.left_out().iter().map(|s| json!({
            "file": s.path,
            "why": s.why.rule(),
        })).collect::<Vec<_>>(),
        "hand_in_notes": g.hand_in_notes,
        "stray_files": g.stray,
        // `report.exchanges` holds the ends of a long traffic (`grader::keep_ends_of_traffic`).
        "exchanges_left_out": g.exchanges_left_out,
        "wall_ms": u64::try_from(g.wall.as_millis()).unwrap_or(u64::MAX),
        "overhead_ms": u64::try_from(g.overhead.as_millis()).unwrap_or(u64::MAX),
        "report": report,
    })
}

/// The whole batch as JSON: the rubric and, per submission, points per rule and the full
/// report (verdicts, redacted exchanges and runs) and its feedback file.
pub fn to_json(book: &Gradebook, feedback: &FeedbackFiles) -> Value {
    json!({
        "lab": book.rubric.lab,
        "title": book.rubric.title,
        "max_points": book.rubric.max_points(),
        "rubric": book.rubric.items.iter().map(|i| json!({
            "column": i.column, "rule": i.rule, "points": i.points,
        })).collect::<Vec<_>>(),
        "submissions": book.grades.iter().enumerate().map(|(i, g)| {
            submission_json(g, book, feedback.get(i).and_then(|f| f.as_deref()))
        }).collect::<Vec<_>>(),
    })
}

/// The summary table printed at the end of `sflab grade`: one line per submission (and one
/// under it naming the files its graded copy left out, if any) and the pass rate of each rule.
pub fn summary_table(book: &Gradebook) -> String {
    let width = book
        .grades
        .iter()
        .map(|g| g.name.chars().count())
        .max()
        .unwrap_or(10)
        .clamp(10, 40);
    let mut out = format!("{:<width$}  {:>9}  result\n", "submission", "points");
    for g in &book.grades {
        let failed: Vec<&str> = match &g.result {
            Ok(r) => book
                .rubric
                .items
                .iter()
                .zip(&r.verdicts)
                .filter(|(_, v)| v.failed())
                .map(|(i, _)| i.column.as_str())
                .collect(),
            Err(_) => Vec::new(),
        };
        let result = match &g.result {
            Ok(_) if g.not_run.is_some() => {
                format!("✗ not runnable: {}", first_line(g.problem().unwrap_or("")))
            }
            Ok(r) if r.passed => "✓ passed".to_string(),
            Ok(_) => match g.timed_out() {
                Some(stopped) => format!("✗ {stopped}; failed: {}", failed.join(", ")),
                None => format!("✗ failed: {}", failed.join(", ")),
            },
            Err(GradeError::Submission(m)) => format!("✗ not runnable: {}", first_line(m)),
            Err(GradeError::Grader(m) | GradeError::Archive(m)) => {
                format!("! not graded: {}", first_line(m))
            }
        };
        let result = crate::visible::one_line(&result).into_owned();
        let points = format!("{}/{}", g.points(), g.max_points(&book.rubric));
        let name: String = g.name.chars().take(width).collect();
        out.push_str(&format!("{name:<width$}  {points:>9}  {result}\n"));
        if let Some(left_out) = super::left_out::for_the_lead(&g.left_out()) {
            out.push_str(&format!("{:width$}  {:>9}  {left_out}\n", "", ""));
        }
        for note in &g.hand_in_notes {
            let note = crate::visible::one_line(note);
            out.push_str(&format!("{:width$}  {:>9}  note: {note}\n", "", ""));
        }
    }
    let n = book.grades.len();
    let passed = book.grades.iter().filter(|g| g.passed()).count();
    out.push_str(&format!("\n{passed} of {n} passed.\n"));
    // Entries not graded (an archive, a grading error) have no verdicts to count, and a
    // check not judged (the program did not run) is not counted for its rule.
    let graded: Vec<&SubmissionGrade> = book
        .grades
        .iter()
        .filter(|g| !g.result.as_ref().is_err_and(GradeError::not_graded))
        .collect();
    if !graded.is_empty() {
        out.push_str("Per rule (passed / graded):\n");
        for (i, item) in book.rubric.items.iter().enumerate() {
            let judged: Vec<&&SubmissionGrade> =
                graded.iter().filter(|g| g.judged(&item.rule)).collect();
            let ok = judged
                .iter()
                .filter(|g| {
                    g.result
                        .as_ref()
                        .is_ok_and(|r| r.verdicts.get(i).is_some_and(|v| v.passed()))
                })
                .count();
            let of = judged.len();
            out.push_str(&format!("  {:<36} {ok:>4} / {of}\n", item.column));
        }
    }
    out
}

fn first_line(m: &str) -> &str {
    m.lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_a_spreadsheet_would_run_as_formulas_are_defused() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("alice"), "alice");
        assert_eq!(safe_cell(""), "");
    }

    fn graded(
        name: &str,
        verdicts: Vec<crate::rules::Verdict>,
        not_run: Option<&str>,
    ) -> SubmissionGrade {
        let report = crate::runner::Report::new(
            "a",
            "mock",
            verdicts,
            vec![],
            vec![],
            chrono::Utc::now(),
            std::time::Duration::ZERO,
        );
        SubmissionGrade {
            name: name.into(),
            dir: name.into(),
            result: Ok(report),
            output_cap: 1024,
            not_run: not_run.map(str::to_string),
            copy: Default::default(),
            hand_in_notes: vec![],
            stray: vec![],
            exchanges_left_out: 0,
            wall: std::time::Duration::ZERO,
            overhead: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn a_secret_gate_of_a_program_that_never_ran_reads_not_judged_rather_than_fail() {
        use crate::rules::Verdict;
        let lab = crate::lab::spec::parse(
            "lab.yaml",
            "id: a\ntitle: A\nlevel: L1\nlesson: L1-basics/rest\nchecks:\n\
             - { rule: process.exit_ok, points: 2 }\n\
             - { rule: secrets.not_in_url, points: 0 }\n\
             - { rule: secrets.not_in_sources, points: 0 }\n",
        )
        .unwrap();
        let not_judged = "Not judged: the program did not run (no labs/a/).";
        let book = Gradebook {
            rubric: crate::grade::Rubric::of(&lab),
            grades: vec![
                graded(
                    "alice",
                    vec![
                        Verdict::pass("process.exit_ok", 2, "exited 0"),
                        Verdict::pass("secrets.not_in_url", 0, "none"),
                        Verdict::pass("secrets.not_in_sources", 0, "none"),
                    ],
                    None,
                ),
                graded(
                    "bob",
                    vec![
                        Verdict::fail("process.exit_ok", 2, not_judged),
                        Verdict::fail("secrets.not_in_url", 0, not_judged),
                        Verdict::fail("secrets.not_in_sources", 0, "Your files contain secrets"),
                    ],
                    Some("this report folder has no labs/a/"),
                ),
            ],
        };
        let csv = to_csv(&book, &[None, None]).unwrap();
        let bob = csv.lines().find(|l| l.starts_with("bob,")).unwrap();
        assert!(bob.starts_with("bob,0,not_judged,fail,"), "{csv}");
        let json = to_json(&book, &[None, None]);
        let rules = &json["submissions"][1]["rules"];
        assert_eq!(rules[1]["status"], "not_judged", "{json}");
        assert_eq!(
            rules[2]["status"], "fail",
            "a secret in a file is still named: {json}"
        );
        let table = summary_table(&book);
        assert!(
            table
                .lines()
                .any(|l| l.contains("secrets.not_in_url") && l.ends_with("1 / 1")),
            "{table}"
        );
        assert!(
            table
                .lines()
                .any(|l| l.contains("secrets.not_in_sources") && l.ends_with("1 / 2")),
            "{table}"
        );
    }
}
