//! The rubric of a lab as grading sees it: one column per check (its rule, its points, in the
//! lab's order) and what of each check learners may be told.
//!
//! Pure: built from a [`LabSpec`] that came from sflab's curriculum, never from a submission.
//!
//! Implementation notes: a check may list `hidden:` parameters. Their values are what the
//! learner must find out (the expected rows of a query, say), so learner-facing text — the
//! Markdown feedback and the JUnit failure messages — replaces every scalar value found under a
//! hidden parameter with `‹hidden›`, and leaves out the check's diff, which would show the
//! expected state. The instructor's JSON keeps the full verdict.

use crate::lab::{CheckSpec, LabSpec};
use crate::rules::Verdict;

/// What learners see in place of a hidden value.
pub const HIDDEN: &str = "‹hidden›";

/// Values shorter than this are not masked: a hidden `count: 1` would otherwise blank out
/// every `1` in a message, which hides nothing and garbles the text.
const MIN_MASKED_LEN: usize = 2;

/// One graded check: a column of the gradebook and a testcase of the JUnit report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RubricItem {
    /// The column name: the rule, with `#2`, `#3`… when the lab checks one rule more than once.
    pub column: String,
    pub rule: String,
    pub points: u32,
    /// What the check looks for, as the lab's brief says it (hidden values masked): tells
    /// `process.output_reports` from `process.output_reports#2`.
    pub what: String,
    /// The scalar values under hidden parameters, longest first.
    hidden_values: Vec<String>,
}

impl RubricItem {
    pub fn has_hidden(&self) -> bool {
        !self.hidden_values.is_empty()
    }

    /// `text` with every hidden value replaced by [`HIDDEN`].
    pub fn mask(&self, text: &str) -> String {
        let mut out = text.to_string();
        for v in &self.hidden_values {
            out = out.replace(v.as_str(), HIDDEN);
        }
        out
    }

    /// The verdict as a learner may see it: message masked, diff dropped if anything is hidden.
    pub fn learner_view(&self, v: &Verdict) -> Verdict {
        let mut out = v.clone();
        out.message = self.mask(&v.message);
        if self.has_hidden() {
            out.diff = None;
        } else {
            out.diff = v.diff.as_ref().map(|d| self.mask(d));
        }
        out
    }
}

/// The lab's checks in order, with their points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rubric {
    pub lab: String,
    pub title: String,
    pub items: Vec<RubricItem>,
}

fn scalars(v: &serde_yaml::Value, out: &mut Vec<String>) {
    match v {
        serde_yaml::Value::String(s) => out.push(s.clone()),
        serde_yaml::Value::Number(n) => out.push(n.to_string()),
        serde_yaml::Value::Bool(b) => out.push(b.to_string()),
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|i| scalars(i, out)),
        serde_yaml::Value::Mapping(m) => m.values().for_each(|i| scalars(i, out)),
        serde_yaml::Value::Tagged(t) => scalars(&t.value, out),
        serde_yaml::Value::Null => {}
    }
}

fn hidden_values(check: &CheckSpec) -> Vec<String> {
    let mut out = Vec::new();
    for name in &check.hidden {
        if let Some(v) = check.params.get(name) {
            scalars(v, &mut out);
        }
    }
    out.retain(|v| v.trim().chars().count() >= MIN_MASKED_LEN);
    out.sort_by_key(|v| std::cmp::Reverse(v.len()));
    out.dedup();
    out
}

impl Rubric {
    pub fn of(lab: &LabSpec) -> Rubric {
        let mut items: Vec<RubricItem> = Vec::new();
        for c in &lab.checks {
            let seen = items.iter().filter(|i| i.rule == c.rule).count();
            let column = if seen == 0 {
                c.rule.clone()
            } else {
                format!("{}#{}", c.rule, seen + 1)
            };
            let mut item = RubricItem {
                column,
                rule: c.rule.clone(),
                points: c.points,
                what: String::new(),
                hidden_values: hidden_values(c),
            };
            item.what = item.mask(&crate::tui::lab::brief::what_it_checks_in(c, &lab.checks));
            items.push(item);
        }
        Rubric {
            lab: lab.id.clone(),
            title: lab.title.clone(),
            items,
        }
    }

    pub fn max_points(&self) -> u32 {
        self.items.iter().map(|i| i.points).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab() -> LabSpec {
        crate::lab::spec::parse(
            "lab.yaml",
            "id: a\ntitle: A\nlevel: L1\nlesson: L1-basics/rest\nchecks:\n\
             - { rule: process.exit_ok, points: 1 }\n\
             - { rule: state.soql, query: \"SELECT Name FROM Account\", rows: [ { Name: Kestrel Air } ], hidden: [rows], points: 3 }\n\
             - { rule: process.exit_ok, points: 2 }\n",
        )
        .unwrap()
    }

    #[test]
    fn columns_follow_the_lab_order_and_repeated_rules_are_numbered() {
        let r = Rubric::of(&lab());
        let cols: Vec<&str> = r.items.iter().map(|i| i.column.as_str()).collect();
        // Last, the gates every lab gets on printed secrets and secrets in URLs, worth no
        // points.
        assert_eq!(
            cols,
            [
                "process.exit_ok",
                "state.soql",
                "process.exit_ok#2",
                "secrets.not_in_output",
                "secrets.not_in_url"
            ]
        );
        assert_eq!(r.max_points(), 6);
    }

    #[test]
    fn each_item_says_what_it_looks_for_with_hidden_values_masked() {
        let r = Rubric::of(&lab());
        assert_eq!(r.items[0].what, "./run exits with status 0");
        assert_eq!(
            r.items[1].what,
            "the Account records the org holds after your code ran"
        );
        assert!(!r.items.iter().any(|i| i.what.contains("Kestrel Air")));
    }

    #[test]
    fn hidden_values_are_masked_and_the_diff_is_withheld() {
        let r = Rubric::of(&lab());
        let item = &r.items[1];
        let v = Verdict::fail("state.soql", 3, "expected Name = Kestrel Air, found Falcon")
            .with_diff("- Kestrel Air\n+ Falcon\n".into());
        let seen = item.learner_view(&v);
        assert_eq!(seen.message, "expected Name = ‹hidden›, found Falcon");
        assert_eq!(seen.diff, None);
        let plain = r.items[0].learner_view(&v);
        assert_eq!(plain.message, v.message);
        assert!(plain.diff.is_some());
    }
}
