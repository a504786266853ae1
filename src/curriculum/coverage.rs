//! The coverage map in `lessons/README.md`: every section of the source integration guide →
//! the lessons that teach it → the labs that practise it.
//!
//! The map is a markdown table under a `## Sections` heading with three columns
//! (`Guide section | Lesson | Labs`). Lessons name the sections they teach in their `covers:`
//! front matter; [`check_coverage`] holds the two in step and checks the map against the
//! list of guide sections in [`GUIDE_SECTIONS`].
//!
//! Implementation notes: a labs cell holds `;`-separated groups; a group starting with
//! `planned:` names labs that do not exist yet (one id or idea per comma), any other group
//! names lab ids that must exist in the curriculum. Every section needs at least one lab that
//! exists; a planned id that has since been written is reported, so the map cannot go stale.

use super::{Curriculum, Problem};
use std::collections::BTreeSet;

/// Where the map lives, relative to the curriculum root.
pub const COVERAGE_MAP_PATH: &str = "lessons/README.md";

/// The top-level sections of the source integration guide, spelled as the guide spells them.
pub const GUIDE_SECTIONS: &[&str] = &[
    "Integration Overview",
    "Integration Types",
    "Authentication Methods",
    "REST API Basics",
    "The New HTTP QUERY Method",
    "Making Callouts",
    "REST Best Practices",
    "SOAP API Basics",
    "WSDL Files",
    "SOAP API Examples",
    "Platform Events Basics",
    "Publish-Subscribe Pattern",
    "Event-Driven Applications",
    "External Services Basics",
    "Named Credentials",
    "OpenAPI Integration",
    "Plan & Design: Integration Architecture First",
    "OAuth 2.0 Flows: The Complete Set",
    "External Client Apps (Connected Apps' Successor)",
    "Auth Providers: Salesforce as the OAuth Client",
    "Apex REST: Your Own Custom Endpoints",
    "Composite REST: Many Operations, One Call",
    "Streaming API & Pub/Sub API",
    "Bulk API 2.0: Millions of Records",
    "Testing Integrations",
    "Debugging Integrations",
    "Performance & API Limits",
    "What's New in Integration",
    "JSON in Apex: Parsing & Serialization",
    "Async Callout Patterns: Queueable & Batch",
    "Resilience: Retries, Circuit Breakers & Idempotency",
    "Middleware: Point-to-Point vs iPaaS vs ESB",
    "MCP & Headless 360: Integration in the Agent Era",
    "Integration Security Review",
    "Capstone: A Full Integration Architecture",
];

/// A lab named in the map: one that exists, or one still planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabRef {
    Linked(String),
    Planned(String),
}

/// One row of the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageRow {
    /// 1-based line of the row in the map file.
    pub line: usize,
    pub section: String,
    pub lessons: Vec<String>,
    pub labs: Vec<LabRef>,
}

fn cells(line: &str) -> Option<Vec<String>> {
    let inner = line.trim().strip_prefix('|')?.strip_suffix('|')?;
    Some(inner.split('|').map(|c| c.trim().to_string()).collect())
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().trim_matches('`').to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

fn parse_labs(cell: &str) -> Vec<LabRef> {
    let mut labs = Vec::new();
    for group in cell.split(';').map(str::trim).filter(|g| !g.is_empty()) {
        match group.strip_prefix("planned:") {
            Some(rest) => labs.extend(split_list(rest).into_iter().map(LabRef::Planned)),
            None => labs.extend(split_list(group).into_iter().map(LabRef::Linked)),
        }
    }
    labs
}

/// Reads the rows of the table under `## Sections`; other tables and text are ignored.
pub fn parse_coverage_map(markdown: &str) -> Vec<CoverageRow> {
    let mut rows = Vec::new();
    let mut in_section = false;
    let mut seen_table = false;
    for (i, line) in markdown.lines().enumerate() {
        if let Some(heading) = line.strip_prefix("## ") {
            in_section = heading.trim() == "Sections";
            seen_table = false;
            continue;
        }
        if !in_section {
            continue;
        }
        let Some(c) = cells(line) else {
            if seen_table {
                in_section = false;
            }
            continue;
        };
        seen_table = true;
        let is_rule = c.iter().all(|x| x.chars().all(|ch| ch == '-' || ch == ':'));
        if is_rule || c.len() != 3 || c[0] == "Guide section" {
            continue;
        }
        rows.push(CoverageRow {
            line: i + 1,
            section: c[0].clone(),
            lessons: split_list(&c[1]),
            labs: parse_labs(&c[2]),
        });
    }
    rows
}

fn problem(line: Option<usize>, message: String) -> Problem {
    Problem {
        file: COVERAGE_MAP_PATH.to_string(),
        line,
        column: None,
        message,
        kept: true,
    }
}

/// Every way the map and the curriculum disagree, as problems an author can act on.
pub fn check_coverage(
    rows: &[CoverageRow],
    curriculum: &Curriculum,
    sections: &[&str],
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for &section in sections {
        if !rows.iter().any(|r| r.section == section) {
            problems.push(problem(
                None,
                format!("guide section {section:?} has no row: add `| {section} | <lesson id> | <labs> |`"),
            ));
        }
    }
    for row in rows {
        let at = Some(row.line);
        if !sections.contains(&row.section.as_str()) {
            problems.push(problem(
                at,
                format!(
                    "{:?} is not a section of the guide: spell it exactly as the guide does",
                    row.section
                ),
            ));
        }
        if row.lessons.is_empty() {
            problems.push(problem(
                at,
                format!("section {:?} names no lesson", row.section),
            ));
        }
        for id in &row.lessons {
            match curriculum.lesson(id) {
                None => problems.push(problem(
                    at,
                    format!("lesson {id:?} does not exist: use a lesson's `id`"),
                )),
                Some(l) if !l.covers.contains(&row.section) => problems.push(problem(
                    at,
                    format!(
                        "lesson {id:?} does not list {:?} in its `covers:`",
                        row.section
                    ),
                )),
                Some(_) => {}
            }
        }
        let claimed: BTreeSet<&str> = curriculum
            .lessons
            .iter()
            .filter(|l| l.covers.contains(&row.section))
            .map(|l| l.id.as_str())
            .collect();
        for id in claimed {
            if !row.lessons.iter().any(|l| l == id) {
                problems.push(problem(
                    at,
                    format!(
                        "lesson {id:?} covers {:?} but the row does not list it",
                        row.section
                    ),
                ));
            }
        }
        if !row.labs.iter().any(|l| matches!(l, LabRef::Linked(_))) {
            problems.push(problem(
                at,
                format!(
                    "section {:?} has no lab that exists: every section is practised in at \
                     least one lab; name it here (`planned:` ideas do not count)",
                    row.section
                ),
            ));
        }
        let exists = |id: &str| curriculum.labs.iter().any(|l| l.id == id);
        for lab in &row.labs {
            match lab {
                LabRef::Linked(id) if !exists(id) => problems.push(problem(
                    at,
                    format!("lab {id:?} does not exist: use a lab id, or mark it `planned: {id}`"),
                )),
                LabRef::Planned(id) if exists(id) => problems.push(problem(
                    at,
                    format!("lab {id:?} exists now: drop the `planned:` in front of it"),
                )),
                _ => {}
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curriculum::{embedded, Files};

    const SAMPLE: &str = "# Map\n\n## Sections\n\n| Guide section | Lesson | Labs |\n|---|---|---|\n\
        | REST API Basics | L1-basics/rest | rest-crud; planned: rest-bulkify, rest-x |\n\
        | Integration Overview | L0-start-here/overview, L0-start-here/plan-design | |\n\n\
        ## Subsections\n\n| Guide subsection | Lesson |\n|---|---|\n| Key Concepts | L1-basics/rest |\n";

    #[test]
    fn parse_reads_only_the_sections_table() {
        let rows = parse_coverage_map(SAMPLE);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].section, "REST API Basics");
        assert_eq!(rows[0].line, 7);
        assert_eq!(
            rows[0].labs,
            vec![
                LabRef::Linked("rest-crud".into()),
                LabRef::Planned("rest-bulkify".into()),
                LabRef::Planned("rest-x".into())
            ]
        );
        assert_eq!(rows[1].lessons.len(), 2);
        assert!(rows[1].labs.is_empty());
    }

    fn shipped() -> (Vec<CoverageRow>, Curriculum) {
        let text = embedded()
            .read(COVERAGE_MAP_PATH)
            .expect("lessons/README.md is embedded");
        let rows = parse_coverage_map(&String::from_utf8_lossy(&text));
        (
            rows,
            Curriculum::embedded().expect("the embedded curriculum loads"),
        )
    }

    #[test]
    fn every_guide_section_has_a_lesson_and_a_lab_in_the_shipped_map() {
        let (rows, curriculum) = shipped();
        let problems = check_coverage(&rows, &curriculum, GUIDE_SECTIONS);
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(
            text.is_empty(),
            "coverage map problems:\n{}",
            text.join("\n")
        );
        assert_eq!(rows.len(), GUIDE_SECTIONS.len());
    }

    #[test]
    fn a_missing_section_and_an_unknown_lesson_are_reported() {
        let (mut rows, curriculum) = shipped();
        rows.retain(|r| r.section != "WSDL Files");
        rows[0].lessons.push("L9-nowhere/ghost".into());
        rows[1].labs = vec![LabRef::Linked("no-such-lab".into())];
        rows[2].labs = vec![
            LabRef::Planned("an idea".into()),
            LabRef::Planned(curriculum.labs[0].id.clone()),
        ];
        let problems = check_coverage(&rows, &curriculum, GUIDE_SECTIONS);
        let text: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
        assert!(
            text.iter().any(|m| m.contains("\"WSDL Files\" has no row")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|m| m.contains("\"L9-nowhere/ghost\" does not exist")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|m| m.contains("lab \"no-such-lab\" does not exist")),
            "{text:?}"
        );
        let only_planned = format!("{:?} has no lab that exists", rows[2].section);
        assert!(text.iter().any(|m| m.contains(&only_planned)), "{text:?}");
        let written = format!("lab {:?} exists now", curriculum.labs[0].id);
        assert!(text.iter().any(|m| m.contains(&written)), "{text:?}");
    }

    #[test]
    fn every_lesson_covers_at_least_one_guide_heading() {
        let curriculum = Curriculum::embedded().expect("the embedded curriculum loads");
        let bare: Vec<&str> = curriculum
            .lessons
            .iter()
            .filter(|l| l.covers.is_empty())
            .map(|l| l.id.as_str())
            .collect();
        assert!(
            bare.is_empty(),
            "lessons with an empty `covers:` list: {bare:?}"
        );
    }
}
