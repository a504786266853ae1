//! The track file a team lead writes: a name, the labs assigned with their due dates, the
//! backend the labs must be passed on, and the share of a lab's points that counts as a pass.
//!
//! ```yaml
//! track: Integration onboarding, December
//! backend: mock            # or sandbox; default mock
//! pass_threshold: 80       # percent of a lab's points; default 100
//! labs:
//!   - { lab: rest-first-call, due: 2026-12-04 }            # the end of that day, UTC
//!   - { lab: rest-upsert-twice, due: "2026-12-11T17:00:00Z" }
//! ```
//!
//! Validation reports every problem at once, each on its line, like lab files: the file is
//! read part by part ([`super::spec_read`]), so a structural problem (an unknown key, a value
//! of the wrong type, an entry without `due:`) does not hide the others.

use super::spec_read::{problem, read_parts};
use crate::curriculum::Curriculum;
use crate::lab::spec::SpecProblem;
use crate::lab::Backend;
use crate::yaml_input::key_line;
use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// One assigned lab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub lab: String,
    /// The moment the lab is due (a bare date means the end of that day, UTC).
    pub due: DateTime<Utc>,
    /// The due date as the lead wrote it, for display.
    pub due_text: String,
}

/// An assigned lab the curriculum left out because its files have a problem (a broken
/// `lab.yaml` in a curriculum given with `--curriculum`). The track is read without it, so its
/// other labs are shown and reported; this one is named as left out, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOutAssignment {
    pub lab: String,
    /// The due date as the lead wrote it.
    pub due_text: String,
    /// The problem that left the lab out, at its file and line.
    pub why: String,
}

/// A validated track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Track {
    pub name: String,
    pub description: String,
    pub backend: Backend,
    /// Percent (1–100) of a lab's points an attempt needs to count as passed.
    pub pass_threshold: u32,
    pub labs: Vec<Assignment>,
    /// Assigned labs the curriculum left out, in the track's order: not in `labs`.
    pub left_out: Vec<LeftOutAssignment>,
}

/// A track file that cannot be used, with every problem found.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{file} has {}:\n{}", counted(problems.len()), problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
pub struct TrackError {
    pub file: String,
    pub problems: Vec<SpecProblem>,
}

/// "1 problem", "3 problems".
fn counted(n: usize) -> String {
    match n {
        1 => "1 problem".into(),
        n => format!("{n} problems"),
    }
}

/// Parses `2026-12-04` (end of that day, UTC) or an RFC 3339 time.
/// The due date forms a track accepts, said in every due date error.
pub const DUE_FORMS: &str = "Write a date, 2026-12-04 (the end of that day in UTC, 23:59:59Z), or a date and time with an offset, 2026-12-04T17:00:00Z or 2026-12-04T17:00:00-08:00 (seconds may be left out: 2026-12-04T17:00Z); a time without an offset is not accepted, since it would be read in the wrong time zone.";

pub fn parse_due(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    // A time to the minute with its offset (`2026-12-04T10:00Z`, `…T10:00-08:00`) is as
    // unambiguous as one to the second.
    let offset = match t.strip_suffix(['Z', 'z']) {
        Some(rest) => format!("{rest}+00:00"),
        None => t.to_string(),
    };
    if let Ok(d) = DateTime::parse_from_str(&offset, "%Y-%m-%dT%H:%M%:z") {
        return Some(d.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()?;
    Some(day.and_hms_opt(23, 59, 59)?.and_utc())
}

/// Why `text` (which [`parse_due`] refused) is no due date: a date in the right form that is
/// not on the calendar is named as such; anything else gets the forms that are accepted.
pub fn due_problem(text: &str) -> String {
    let t = text.trim();
    let day = t.get(..10).unwrap_or(t);
    let parts: Vec<&str> = day.split('-').collect();
    if let [y, m, d] = parts.as_slice() {
        let numbers = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>());
        if let (4, 2, 2, (Ok(year), Ok(month), Ok(date))) = (y.len(), m.len(), d.len(), numbers) {
            if NaiveDate::from_ymd_opt(year, month, date).is_none() {
                let first = NaiveDate::from_ymd_opt(year, month, 1);
                let last = first
                    .and_then(|f| f.checked_add_months(chrono::Months::new(1)))
                    .and_then(|n| n.pred_opt());
                return match (first, last) {
                    (Some(f), Some(l)) => format!(
                        "due {text:?} is no date on the calendar: {} has {} days.",
                        f.format("%B %Y"),
                        l.day()
                    ),
                    _ => format!(
                        "due {text:?} is no date on the calendar: there is no month {month}."
                    ),
                };
            }
        }
    }
    format!("due {text:?} is not a due date sflab reads. {DUE_FORMS}")
}

/// Parses and validates a track against the curriculum's labs; `file` names it in errors.
pub fn parse(file: &str, yaml: &str, curriculum: &Curriculum) -> Result<Track, TrackError> {
    let fail = |problems| TrackError {
        file: file.to_string(),
        problems,
    };
    let yaml = crate::yaml_input::without_bom(yaml);
    let (raw, mut problems) = read_parts(yaml);
    let Some(raw) = raw else {
        return Err(fail(problems));
    };
    let name = raw.track.clone().unwrap_or_default();
    if raw.track.is_some() && name.trim().is_empty() {
        problems.push(problem(
            key_line(yaml, "track"),
            "`track` (the track's name) is empty".into(),
        ));
    }
    if !(1..=100).contains(&raw.pass_threshold) {
        problems.push(problem(
            key_line(yaml, "pass_threshold"),
            format!(
                "`pass_threshold` is {}: give a percent from 1 to 100",
                raw.pass_threshold
            ),
        ));
    }
    if !raw.labs_said {
        problems.push(problem(
            key_line(yaml, "labs").or(Some(1)),
            "the track assigns no lab: list them under `labs:`".into(),
        ));
    }
    let mut labs = Vec::new();
    let mut left_out = Vec::new();
    for (i, (line, a)) in raw.labs.iter().enumerate() {
        let line = *line;
        let due_text = match &a.due {
            serde_yaml::Value::String(s) => s.clone(),
            other => serde_yaml::to_string(other)
                .unwrap_or_default()
                .trim()
                .to_string(),
        };
        let due = parse_due(&due_text);
        if due.is_none() {
            problems.push(problem(
                line,
                format!("lab {:?}: {}", a.lab, due_problem(&due_text)),
            ));
        }
        // A lab whose files have a problem is the curriculum's to fix, not the track's: the
        // track is read without it, and it is named as left out wherever the track is shown.
        let why_left_out = curriculum
            .lab(&a.lab)
            .is_none()
            .then(|| curriculum.why_left_out(&a.lab))
            .flatten();
        match curriculum.lab(&a.lab) {
            None if why_left_out.is_some() => {}
            None => problems.push(problem(line, {
                let near = crate::suggest::closest(
                    &a.lab,
                    curriculum.labs.iter().map(|l| l.id.as_str()),
                );
                let meant = match near.as_slice() {
                    [] => String::new(),
                    ids => format!(" (did you mean {}?)", ids.join(" or ")),
                };
                format!(
                    "there is no lab {:?} in the curriculum{meant}: `sflab list` shows every lab id",
                    a.lab
                )
            })),
            Some(meta) => {
                let runs_there = crate::lab::spec::parse("lab.yaml", &meta.yaml)
                    .map(|s| s.backends.contains(&raw.backend))
                    .unwrap_or(true);
                if !runs_there {
                    problems.push(problem(
                        line,
                        format!(
                            "lab {:?} does not run on the {:?} backend the track requires",
                            a.lab, raw.backend
                        )
                        .to_lowercase(),
                    ));
                }
            }
        }
        if raw.labs[..i].iter().any(|(_, b)| b.lab == a.lab) {
            problems.push(problem(
                line,
                format!("lab {:?} is assigned twice: keep one entry", a.lab),
            ));
        }
        if let Some(why) = why_left_out {
            left_out.push(LeftOutAssignment {
                lab: a.lab.clone(),
                due_text: due_text.clone(),
                why: why.to_string(),
            });
        } else if let Some(due) = due {
            labs.push(Assignment {
                lab: a.lab.clone(),
                due,
                due_text: due_text.clone(),
            });
        }
    }
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    Ok(Track {
        name: name.trim().to_string(),
        description: raw.description,
        backend: raw.backend,
        pass_threshold: raw.pass_threshold,
        labs,
        left_out,
    })
}

impl Track {
    /// The assigned labs the curriculum left out, one line each, for the track's views:
    /// "rest-crud (due 2026-12-04): labs/rest-crud/lab.yaml:2:8: malformed YAML: …". Empty
    /// when none was.
    pub fn left_out_lines(&self) -> Vec<String> {
        self.left_out
            .iter()
            .map(|l| format!("{} (due {}): {}", l.lab, l.due_text, l.why.trim_end()))
            .collect()
    }
}

/// Said above [`Track::left_out_lines`] where the track is shown.
pub const LEFT_OUT_HEADING: &str = "Left out of the classroom, as their files have a problem (the curriculum's author can fix them; they count as not passed until then):";

#[cfg(test)]
mod tests {
    use super::*;

    fn curriculum() -> Curriculum {
        Curriculum::embedded().unwrap()
    }

    const GOOD: &str = "track: Onboarding\npass_threshold: 80\nlabs:\n  - { lab: rest-first-call, due: 2026-12-04 }\n  - lab: rest-upsert-twice\n    due: \"2026-12-11T17:00:00Z\"\n";

    #[test]
    fn a_track_parses_with_dates_defaults_and_threshold() {
        let t = parse("t.yaml", GOOD, &curriculum()).unwrap();
        assert_eq!(t.name, "Onboarding");
        assert_eq!(t.backend, Backend::Mock);
        assert_eq!(t.pass_threshold, 80);
        assert_eq!(t.labs[0].due.to_rfc3339(), "2026-12-04T23:59:59+00:00");
        assert_eq!(t.labs[1].due.to_rfc3339(), "2026-12-11T17:00:00+00:00");
        assert_eq!(t.labs[0].due_text, "2026-12-04");
    }

    #[test]
    fn a_track_saved_with_a_byte_order_mark_parses_and_a_tab_indent_is_named() {
        let t = parse("t.yaml", &format!("\u{feff}{GOOD}"), &curriculum()).unwrap();
        assert_eq!(t.name, "Onboarding");
        let tabbed = "track: X\nlabs:\n\t- { lab: rest-crud, due: 2026-12-04 }\n";
        let e = parse("t.yaml", tabbed, &curriculum())
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") || e.contains(":3"), "{e}");
        assert!(e.contains("indented with a tab"), "{e}");
    }

    #[test]
    fn a_due_time_without_an_offset_is_refused_with_the_forms_that_are_accepted() {
        let yaml = "track: X\nlabs:\n  - { lab: rest-crud, due: \"2026-12-04T17:00:00\" }\n";
        let e = parse("t.yaml", yaml, &curriculum())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("23:59:59Z") && e.contains("2026-12-04T17:00:00-08:00"),
            "{e}"
        );
        assert!(e.contains("without an offset"), "{e}");
    }

    #[test]
    fn a_due_time_to_the_minute_with_an_offset_is_read() {
        let due = |t: &str| parse_due(t).map(|d| d.to_rfc3339());
        assert_eq!(
            due("2026-12-04T10:00Z").as_deref(),
            Some("2026-12-04T10:00:00+00:00")
        );
        assert_eq!(
            due("2026-12-04T10:00-08:00").as_deref(),
            Some("2026-12-04T18:00:00+00:00")
        );
        assert_eq!(due("2026-12-04T10:00"), None, "no offset, no time zone");
    }

    #[test]
    fn a_due_date_not_on_the_calendar_is_named_as_such_not_as_the_wrong_form() {
        let yaml = "track: X\nlabs:\n  - { lab: rest-crud, due: 2026-02-30 }\n";
        let e = parse("t.yaml", yaml, &curriculum())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("due \"2026-02-30\" is no date on the calendar: February 2026 has 28 days."),
            "{e}"
        );
        assert!(!e.contains("Write a date"), "{e}");
        assert!(due_problem("2026-13-01").contains("there is no month 13"));
    }

    #[test]
    fn a_misspelt_labs_key_is_one_problem_that_names_the_key_meant() {
        let yaml = "track: X\nlabz:\n  - { lab: rest-crud, due: 2026-12-04 }\n";
        let e = parse("t.yaml", yaml, &curriculum()).unwrap_err();
        assert_eq!(e.problems.len(), 1, "{e}");
        assert!(
            e.to_string().contains(
                "line 2: malformed track file: unknown field `labz` (did you mean `labs`?)"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_lab_the_curriculum_left_out_is_named_as_such_and_the_rest_of_the_track_reads() {
        let mut c = curriculum();
        c.labs.retain(|l| l.id != "rest-crud");
        c.left_out.push(crate::curriculum::Problem {
            file: "labs/rest-crud/lab.yaml".into(),
            line: Some(2),
            column: Some(8),
            message: "malformed YAML: did not find expected key".into(),
            kept: false,
        });
        let yaml = "track: Team\nlabs:\n  - { lab: rest-first-call, due: 2026-12-04 }\n  - { lab: rest-crud, due: 2026-12-05 }\n  - { lab: rest-upsert-twice, due: 2026-12-06 }\n";
        let t = parse("t.yaml", yaml, &c).expect("the other labs are usable");
        let labs: Vec<&str> = t.labs.iter().map(|a| a.lab.as_str()).collect();
        assert_eq!(labs, ["rest-first-call", "rest-upsert-twice"]);
        assert_eq!(
            t.left_out_lines(),
            ["rest-crud (due 2026-12-05): labs/rest-crud/lab.yaml:2:8: malformed YAML: did not find expected key"]
        );
        let unknown = yaml.replace("rest-first-call", "rest-frist-call");
        assert!(
            parse("t.yaml", &unknown, &c).is_err(),
            "a lab no curriculum has"
        );
    }

    #[test]
    fn every_problem_is_reported_on_its_line() {
        let bad = "track: Onboarding\npass_threshold: 0\nlabs:\n  - { lab: rest-first-call, due: 2026-12-04 }\n  - { lab: no-such-lab, due: 2026-12-05 }\n  - { lab: rest-crud, due: next friday }\n  - { lab: rest-first-call, due: 2026-12-06 }\n";
        let e = parse("t.yaml", bad, &curriculum()).unwrap_err();
        let lines: Vec<Option<usize>> = e.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(2), Some(5), Some(6), Some(7)], "{e}");
        assert!(
            e.to_string()
                .contains("line 5: there is no lab \"no-such-lab\""),
            "{e}"
        );
        assert!(e.to_string().contains("assigned twice"), "{e}");
    }

    #[test]
    fn a_mistyped_lab_id_names_the_lab_meant() {
        let typo = "track: T\nlabs:\n  - { lab: rest-frist-call, due: 2026-12-04 }\n";
        let e = parse("t.yaml", typo, &curriculum()).unwrap_err();
        assert!(
            e.to_string().contains(
                "no lab \"rest-frist-call\" in the curriculum (did you mean rest-first-call?)"
            ),
            "{e}"
        );
    }

    #[test]
    fn every_structural_problem_is_reported_in_one_pass_at_its_line() {
        let bad = "track: Onboarding\nowner: me\npass_threshold: lots\nbackend: prod\nlabs:\n  - { lab: rest-first-call, due: 2026-12-04 }\n  - { lab: rest-crud }\n  - { lab: read-limits, due: 2026-12-05, points: 3 }\n  - rest-upsert-twice\n  - { lab: no-such-lab, due: 2026-12-06 }\n";
        let e = parse("t.yaml", bad, &curriculum()).unwrap_err();
        let lines: Vec<Option<usize>> = e.problems.iter().map(|p| p.line).collect();
        assert_eq!(
            lines,
            [
                Some(2),
                Some(3),
                Some(4),
                Some(7),
                Some(8),
                Some(9),
                Some(10)
            ],
            "{e}"
        );
        let said = e.to_string();
        assert!(said.starts_with("t.yaml has 7 problems:\n"), "{said}");
        assert!(!said.contains("problem(s)"), "{said}");
        for part in [
            "line 2: malformed track file: unknown field `owner`",
            "line 3: malformed track file: `pass_threshold`: invalid type: string \"lots\", expected a whole number",
            "line 4: malformed track file: `backend`: unknown variant `prod`",
            "line 7: malformed track file: entry 2 of `labs`: missing field `due`",
            "line 8: malformed track file: entry 3 of `labs`: unknown field `points`",
            "line 9: malformed track file: entry 4 of `labs`: write it as `{ lab: <id>, due: <date> }`",
            "line 10: there is no lab \"no-such-lab\"",
        ] {
            assert!(said.contains(part), "{part}\n{said}");
        }
        let one = parse("t.yaml", "track: X\nlabs: 3\n", &curriculum()).unwrap_err();
        assert!(
            one.to_string().starts_with(
                "t.yaml has 1 problem:\n  line 2: malformed track file: `labs` is a list"
            ),
            "{one}"
        );
        let missing = parse(
            "t.yaml",
            "labs:\n  - { lab: rest-crud, due: 2026-12-04 }\n",
            &curriculum(),
        )
        .unwrap_err();
        assert!(
            missing.to_string().starts_with(
                "t.yaml has 1 problem:\n  line 1: malformed track file: missing field `track`"
            ),
            "{missing}"
        );
    }

    #[test]
    fn unknown_keys_and_a_lab_off_the_required_backend_are_refused() {
        let e = parse("t.yaml", "track: X\nowner: me\nlabs: []\n", &curriculum()).unwrap_err();
        assert!(e.to_string().contains("unknown field `owner`"), "{e}");
        assert_eq!(e.problems[0].line, Some(2));
        // The shipped labs run on the mock org only.
        let e = parse(
            "t.yaml",
            "track: X\nbackend: sandbox\nlabs:\n  - { lab: query-pagination, due: 2026-12-04 }\n",
            &curriculum(),
        )
        .unwrap_err();
        assert_eq!(e.problems[0].line, Some(4));
        assert!(e.to_string().contains("sandbox backend"), "{e}");
    }
}
