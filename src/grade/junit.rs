//! The gradebook as JUnit XML, the format CI systems read: a `<testsuite>` per submission, a
//! `<testcase>` per rubric item, a `<failure>` carrying the learner-facing message (hidden
//! values masked), `<skipped>` for rules not applicable on the backend, and `<error>` when the
//! submission could not be run at all or was not graded (an archive handed in, type
//! `archive`, with how to unpack it); a suite's `<system-out>` says how the run went (a failed
//! run's last stderr lines, a time-out), as the feedback's notes do.
//!
//! Pure. Attributes and text are escaped, and characters XML 1.0 forbids are dropped.

use super::grader::{GradeError, Gradebook};

/// Escapes text for an attribute or element, dropping characters XML 1.0 cannot hold.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A feedback note as plain text, the way CI viewers show `<system-out>`: without the
/// Markdown fences and indentation around quoted output.
fn plain_text(note: &str) -> String {
    note.lines()
        .filter(|l| !l.trim_start().starts_with("```"))
        .map(|l| l.strip_prefix("  ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

fn secs(ms: u64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

/// The batch as one `<testsuites>` document.
pub fn to_junit(book: &Gradebook) -> String {
    let lab = xml_escape(&book.rubric.lab);
    let n_items = book.rubric.items.len();
    let mut failures = 0usize;
    let mut errors = 0usize;
    let mut suites = String::new();
    for g in &book.grades {
        let class = format!("{lab}.{}", xml_escape(&g.name));
        let mut cases = String::new();
        let (mut f, mut e, mut s) = (0usize, 0usize, 0usize);
        for (i, item) in book.rubric.items.iter().enumerate() {
            let name = xml_escape(&item.column);
            match &g.result {
                Err(err) => {
                    e += 1;
                    let kind = match err {
                        GradeError::Submission(_) => "submission",
                        GradeError::Grader(_) => "grader",
                        GradeError::Archive(_) => "archive",
                    };
                    let message = match err {
                        GradeError::Archive(m) => format!("not graded: {m}"),
                        other => other.message().to_string(),
                    };
                    cases.push_str(&format!(
                        "    <testcase name=\"{name}\" classname=\"{class}\" time=\"0.000\">\n      <error type=\"{kind}\" message=\"{}\"/>\n    </testcase>\n",
                        xml_escape(&message)
                    ));
                }
                Ok(r)
                    if g.not_run.is_some()
                        && r.verdicts.get(i).is_some_and(|v| v.failed())
                        && !crate::runner::judge::FILE_RULES.contains(&item.rule.as_str()) =>
                {
                    // Not judged: the program did not run.
                    e += 1;
                    cases.push_str(&format!(
                        "    <testcase name=\"{name}\" classname=\"{class}\" time=\"0.000\">\n      <error type=\"submission\" message=\"{}\"/>\n    </testcase>\n",
                        xml_escape(g.not_run.as_deref().unwrap_or(""))
                    ));
                }
                Ok(r) => {
                    let Some(v) = r.verdicts.get(i) else { continue };
                    let seen = item.learner_view(v);
                    let body = if v.passed() {
                        String::new()
                    } else if v.failed() {
                        f += 1;
                        format!(
                            "\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    ",
                            xml_escape(&item.rule),
                            xml_escape(&seen.message),
                            xml_escape(&format!(
                                "{}\n0/{} points{}",
                                seen.message,
                                item.points,
                                seen.diff.map(|d| format!("\n{d}")).unwrap_or_default()
                            ))
                        )
                    } else {
                        s += 1;
                        format!(
                            "\n      <skipped message=\"{}\"/>\n    ",
                            xml_escape(&seen.message)
                        )
                    };
                    cases.push_str(&format!(
                        "    <testcase name=\"{name}\" classname=\"{class}\" time=\"0.000\">{body}</testcase>\n"
                    ));
                }
            }
        }
        failures += f;
        errors += e;
        // How it ran (a failed run's stderr tail, time-outs…), as the feedback's Notes say it.
        let notes = match &g.result {
            Ok(r) => super::feedback::run_notes(g, r, &book.rubric),
            Err(_) => Vec::new(),
        };
        let out = if notes.is_empty() {
            String::new()
        } else {
            let plain: Vec<String> = notes.iter().map(|n| plain_text(n)).collect();
            format!(
                "    <system-out>{}</system-out>\n",
                xml_escape(&plain.join("\n\n"))
            )
        };
        let ms = u64::try_from(g.wall.as_millis()).unwrap_or(u64::MAX);
        suites.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{n_items}\" failures=\"{f}\" errors=\"{e}\" skipped=\"{s}\" time=\"{}\">\n    <properties>\n      <property name=\"points\" value=\"{}\"/>\n      <property name=\"max_points\" value=\"{}\"/>\n    </properties>\n{cases}{out}  </testsuite>\n",
            xml_escape(&g.name),
            secs(ms),
            g.points(),
            g.max_points(&book.rubric),
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sflab grade {lab}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\">\n{suites}</testsuites>\n",
        n_items * book.grades.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_quotes_and_characters_xml_cannot_hold() {
        assert_eq!(
            xml_escape("a<b & \"c\" 'd'>\u{1b}[31m\tok\n"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;[31m\tok\n"
        );
    }
}
