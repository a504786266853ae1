//! What the curriculum knows about a lab: its identity and where its files are.
//!
//! The full lab specification (org seed, faults, checks, hints) is parsed by the runner from
//! [`LabMeta::yaml`]; the curriculum only needs enough to list and link labs.

use super::{Level, Problem};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize)]
pub struct LabMeta {
    pub id: String,
    pub title: String,
    pub level: Level,
    pub lesson: String,
    pub summary: String,
    /// The lab's folder relative to the curriculum root, e.g. `labs/rest-first-call`.
    pub dir: String,
    /// The whole `lab.yaml` text, for the runner to parse in full.
    #[serde(skip)]
    pub yaml: String,
}

impl LabMeta {
    /// The problem of a lab whose `lesson:` names no lesson of `lesson_ids`: at that line, with
    /// the nearest lesson id when one is near.
    pub(super) fn unknown_lesson<'a>(
        &self,
        lesson_ids: impl IntoIterator<Item = &'a str>,
    ) -> Problem {
        let tip = match crate::suggest::closest(&self.lesson, lesson_ids).first() {
            Some(close) => format!(" (did you mean {close:?}?)"),
            None => String::new(),
        };
        Problem {
            file: format!("{}/lab.yaml", self.dir),
            line: crate::yaml_input::key_line(&self.yaml, "lesson"),
            column: None,
            message: format!(
                "names lesson {:?}{tip}, which does not exist: use the `id` of a lesson",
                self.lesson
            ),
            kept: false,
        }
    }

    /// A warning for a lab whose `level:` is not its lesson's (`lesson_level`): the classroom
    /// shows it under that lesson, so a learner meets it at the lesson's level whatever the
    /// lab says. The lab stays in use.
    pub(super) fn level_apart_from_lesson(&self, lesson_level: Level) -> Option<Problem> {
        (self.level != lesson_level).then(|| Problem {
            file: format!("{}/lab.yaml", self.dir),
            line: crate::yaml_input::key_line(&self.yaml, "level"),
            column: None,
            message: format!(
                "is level {}, but its lesson {:?} is level {lesson_level}: a learner meets the lab with its lesson, so give it the lesson's level or move it to a lesson of level {}",
                self.level, self.lesson, self.level
            ),
            kept: true,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(
    expecting = "a lab.yaml: a map of `id`, `title`, `level`, `lesson` and the lab's other keys (`goal`, `org`, `checks`, `hints`, …), each at the start of its line"
)]
pub(super) struct LabHeader {
    pub id: String,
    pub title: String,
    pub level: String,
    pub lesson: String,
    #[serde(default)]
    pub summary: String,
}

#[cfg(test)]
mod tests {
    use super::{LabHeader, LabMeta, Level};

    #[test]
    fn a_misspelt_lesson_is_placed_at_its_line_with_the_lesson_meant() {
        let lab = LabMeta {
            id: "energy-tally".into(),
            title: "T".into(),
            level: Level::L1,
            lesson: "L1-basics/energy-taly".into(),
            summary: String::new(),
            dir: "labs/energy-tally".into(),
            yaml: "id: energy-tally\ntitle: T\nlevel: L1\nlesson: L1-basics/energy-taly\n".into(),
        };
        let p = lab.unknown_lesson(["L1-basics/energy-tally", "L1-basics/rest"]);
        assert_eq!(p.file, "labs/energy-tally/lab.yaml");
        assert_eq!(p.line, Some(4));
        assert!(
            p.message
                .contains("(did you mean \"L1-basics/energy-tally\"?)"),
            "{}",
            p.message
        );
    }

    #[test]
    fn a_lab_of_another_level_than_its_lesson_is_warned_of_and_kept() {
        let lab = LabMeta {
            id: "callout".into(),
            title: "T".into(),
            level: Level::L4,
            lesson: "L1-basics/callouts".into(),
            summary: String::new(),
            dir: "labs/callout".into(),
            yaml: "id: callout\ntitle: T\nlevel: L4\nlesson: L1-basics/callouts\n".into(),
        };
        let p = lab.level_apart_from_lesson(Level::L1).expect("a warning");
        assert!(p.kept);
        assert_eq!(p.line, Some(3));
        assert!(
            p.message
                .starts_with("is level L4, but its lesson \"L1-basics/callouts\" is level L1"),
            "{}",
            p.message
        );
        assert!(lab.level_apart_from_lesson(Level::L4).is_none());
    }

    #[test]
    fn a_lab_file_that_is_a_list_is_told_what_a_lab_yaml_is() {
        let err = serde_yaml::from_str::<LabHeader>("- id: a\n- title: b\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("expected a lab.yaml: a map of `id`, `title`"),
            "{text}"
        );
        assert!(!text.contains("LabHeader"), "{text}");
    }
}
