//! The curriculum tree: levels that fold, their lessons, and under each lesson its labs and
//! knowledge check. Rows are derived from the curriculum on demand; the state is only which
//! levels are folded, the selected row and the scroll offset.

use super::event::{LabStatus, Progress};
use crate::curriculum::{Curriculum, Lesson, Level};
use std::collections::HashSet;
use unicode_width::UnicodeWidthStr;

/// One visible row of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Level(Level),
    /// Index into `Curriculum::lessons`.
    Lesson(usize),
    Lab {
        lesson: usize,
        lab: String,
    },
    Quiz(usize),
}

#[derive(Debug, Clone, Default)]
pub struct TreeState {
    pub folded: HashSet<Level>,
    pub selected: usize,
    pub offset: usize,
}

/// The rows shown with the given levels folded.
pub fn rows(curriculum: &Curriculum, folded: &HashSet<Level>) -> Vec<Row> {
    let mut out = Vec::new();
    for level in Level::ALL {
        out.push(Row::Level(level));
        if folded.contains(&level) {
            continue;
        }
        for (i, lesson) in curriculum.lessons.iter().enumerate() {
            if lesson.level != level {
                continue;
            }
            out.push(Row::Lesson(i));
            for lab in curriculum.labs_of(lesson) {
                out.push(Row::Lab {
                    lesson: i,
                    lab: lab.id.clone(),
                });
            }
            if !lesson.quiz.is_empty() {
                out.push(Row::Quiz(i));
            }
        }
    }
    out
}

/// Cells before a lesson's title in its row: indent, status glyph, space.
pub const LESSON_LEAD: usize = 4;
/// Cells before a lab's title in its row: indent, status glyph, ` lab: `.
pub const LAB_LEAD: usize = 11;
/// Cells before a check's score in its row: indent and glyph.
pub const CHECK_LEAD: usize = 5;

/// The cells the widest row of the whole tree (every level unfolded) takes, borders left out,
/// so the pane can grow until its titles fit when the terminal has room. Measured as the tree
/// pane lays rows out; an overdue lab's due date is left out (it comes and goes).
pub fn widest_row(curriculum: &Curriculum) -> usize {
    let none = HashSet::new();
    let progress = Progress::new();
    rows(curriculum, &none)
        .iter()
        .map(|row| match row {
            Row::Level(level) => {
                let (_, total) = level_count(curriculum, *level, &progress);
                // "▾ L1 Basics", a space, and the count at its widest ("12/12").
                let label = format!("▾ {level} {}", level.title()).width();
                label + 1 + (2 * total.to_string().len() + 1)
            }
            Row::Lesson(i) => LESSON_LEAD + curriculum.lessons[*i].title.width(),
            Row::Lab { lab, .. } => {
                LAB_LEAD + curriculum.lab(lab).map_or(lab.width(), |l| l.title.width())
            }
            Row::Quiz(i) => {
                let n = curriculum.lessons[*i].quiz.len();
                CHECK_LEAD + format!(" check: {n} questions").width()
            }
        })
        .max()
        .unwrap_or(0)
}

/// A lesson's status. With labs: all passed → passed; any failed → failed; any started, or
/// the lesson read to the end or its check answered → in progress (the reading shows before
/// the labs are begun). Without labs it is done when its knowledge check is answered all
/// right, or — with no check — when it has been read to the end; a check answered in part (or
/// a lesson read whose check is still open) is in progress.
pub fn lesson_status(curriculum: &Curriculum, lesson: &Lesson, progress: &Progress) -> LabStatus {
    let labs: Vec<LabStatus> = curriculum
        .labs_of(lesson)
        .map(|l| progress.lab(&l.id))
        .collect();
    if labs.is_empty() {
        return reading_status(lesson, progress);
    }
    if labs.iter().all(|s| *s == LabStatus::Passed) {
        LabStatus::Passed
    } else if labs.contains(&LabStatus::Failed) {
        LabStatus::Failed
    } else if labs.iter().any(|s| *s != LabStatus::NotStarted) || begun(lesson, progress) {
        LabStatus::InProgress
    } else {
        LabStatus::NotStarted
    }
}

/// The lesson has been read to its end, or a question of its check answered.
fn begun(lesson: &Lesson, progress: &Progress) -> bool {
    progress.read_to_end(&lesson.id) || progress.check(&lesson.id).is_some_and(|s| s.answered > 0)
}

/// The status of a lesson without labs, from its knowledge check and reading.
fn reading_status(lesson: &Lesson, progress: &Progress) -> LabStatus {
    let read = progress.read_to_end(&lesson.id);
    let questions = lesson.quiz.len();
    if questions == 0 {
        return if read {
            LabStatus::Passed
        } else {
            LabStatus::NotStarted
        };
    }
    match progress.check(&lesson.id) {
        Some(score) if score.all_correct(questions) => LabStatus::Passed,
        Some(score) if score.answered > 0 => LabStatus::InProgress,
        _ if read => LabStatus::InProgress,
        _ => LabStatus::NotStarted,
    }
}

/// (lessons done, lessons) in a level: done is what [`lesson_status`] calls passed.
pub fn level_count(curriculum: &Curriculum, level: Level, progress: &Progress) -> (usize, usize) {
    let lessons: Vec<&Lesson> = curriculum.lessons_of(level).collect();
    let done = lessons
        .iter()
        .filter(|l| lesson_status(curriculum, l, progress) == LabStatus::Passed)
        .count();
    (done, lessons.len())
}

impl TreeState {
    /// Levels after the first one holding lessons start folded.
    pub fn new(curriculum: &Curriculum) -> TreeState {
        let first = curriculum.lessons.first().map(|l| l.level);
        TreeState {
            folded: Level::ALL
                .into_iter()
                .filter(|l| Some(*l) != first)
                .collect(),
            selected: 0,
            offset: 0,
        }
    }

    pub fn move_by(&mut self, delta: isize, row_count: usize) {
        let last = row_count.saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
    }

    /// Scrolls so the selected row is inside a window of `height` rows.
    pub fn keep_visible(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }

    /// Scrolls back up when rows below the last one would show empty: after the window grew
    /// or levels folded, the `total` rows fill the `height` from the top as far as they can.
    pub fn fill(&mut self, total: usize, height: usize) {
        self.offset = self.offset.min(total.saturating_sub(height.max(1)));
    }

    /// Folds or unfolds `level`, keeping the selection on the level's row.
    pub fn set_folded(&mut self, curriculum: &Curriculum, level: Level, folded: bool) {
        if folded {
            self.folded.insert(level);
        } else {
            self.folded.remove(&level);
        }
        let rows = rows(curriculum, &self.folded);
        if let Some(i) = rows.iter().position(|r| *r == Row::Level(level)) {
            self.selected = i;
        }
    }

    /// Selects the row of lab `id`, unfolding its level.
    pub fn select_lab(&mut self, curriculum: &Curriculum, id: &str) {
        let Some(level) = curriculum
            .lessons
            .iter()
            .find(|l| curriculum.labs_of(l).any(|lab| lab.id == id))
            .map(|l| l.level)
        else {
            return;
        };
        self.folded.remove(&level);
        let rows = rows(curriculum, &self.folded);
        if let Some(i) = rows
            .iter()
            .position(|r| matches!(r, Row::Lab { lab, .. } if lab == id))
        {
            self.selected = i;
        }
    }

    /// Selects the first lesson or lab whose title or id contains `query` (any case),
    /// searching forward from the row after `from` (or from `from` itself when `inclusive`)
    /// and wrapping, or backward when `!forward`; unfolds its level. False when none matches.
    pub fn select_match(
        &mut self,
        curriculum: &Curriculum,
        query: &str,
        from: usize,
        forward: bool,
        inclusive: bool,
    ) -> bool {
        let q = query.to_lowercase();
        if q.is_empty() {
            return false;
        }
        let everything = rows(curriculum, &HashSet::new());
        let matches = |r: &Row| match r {
            Row::Lesson(i) => curriculum.lessons.get(*i).is_some_and(|l| {
                l.title.to_lowercase().contains(&q) || l.id.to_lowercase().contains(&q)
            }),
            Row::Lab { lab, .. } => curriculum.lab(lab).is_some_and(|m| {
                m.title.to_lowercase().contains(&q) || m.id.to_lowercase().contains(&q)
            }),
            _ => false,
        };
        // Where the current selection sits among all rows (folded levels hide some).
        let current = rows(curriculum, &self.folded).get(from).cloned();
        let start = current
            .and_then(|c| everything.iter().position(|r| *r == c))
            .unwrap_or(0);
        let n = everything.len();
        let order: Vec<usize> = (0..n)
            .map(|k| {
                let step = if inclusive { k } else { k + 1 };
                if forward {
                    (start + step) % n
                } else {
                    (start + n * 2 - step) % n
                }
            })
            .collect();
        let Some(found) = order.into_iter().find(|&i| matches(&everything[i])) else {
            return false;
        };
        match &everything[found] {
            Row::Lesson(i) => self.select_lesson(curriculum, *i),
            Row::Lab { lab, .. } => self.select_lab(curriculum, lab),
            _ => {}
        }
        true
    }

    /// Selects the row of lesson `index`, unfolding its level.
    pub fn select_lesson(&mut self, curriculum: &Curriculum, index: usize) {
        if let Some(lesson) = curriculum.lessons.get(index) {
            self.folded.remove(&lesson.level);
            let rows = rows(curriculum, &self.folded);
            if let Some(i) = rows.iter().position(|r| *r == Row::Lesson(index)) {
                self.selected = i;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curriculum::{LabMeta, QuizChoice, QuizQuestion};
    use crate::tui::CheckScore;

    fn lesson(id: &str, level: Level, labs: &[&str], questions: usize) -> Lesson {
        let question = QuizQuestion {
            question: "Which?".into(),
            choices: vec![QuizChoice {
                text: "This".into(),
                correct: true,
                why: "Because.".into(),
            }],
        };
        Lesson {
            id: id.into(),
            title: id.into(),
            level,
            order: 1,
            summary: String::new(),
            labs: labs.iter().map(|l| l.to_string()).collect(),
            sources: Vec::new(),
            quiz: vec![question; questions],
            covers: Vec::new(),
            path: format!("{id}.md"),
            body: String::new(),
            body_line: 1,
        }
    }

    /// L3: a lesson with a lab, one with a three-question check, one with neither.
    fn curriculum() -> Curriculum {
        Curriculum {
            lessons: vec![
                lesson("L3/with-lab", Level::L3, &["a-lab"], 3),
                lesson("L3/with-check", Level::L3, &[], 3),
                lesson("L3/reading", Level::L3, &[], 0),
            ],
            labs: vec![LabMeta {
                id: "a-lab".into(),
                title: "A lab".into(),
                level: Level::L3,
                lesson: "L3/with-lab".into(),
                summary: String::new(),
                dir: "labs/a-lab".into(),
                yaml: String::new(),
            }],
            left_out: Vec::new(),
        }
    }

    fn score(correct: usize, answered: usize) -> CheckScore {
        CheckScore { correct, answered }
    }

    #[test]
    fn a_lesson_without_labs_is_done_when_its_check_is_answered_all_right() {
        let c = curriculum();
        let l = &c.lessons[1];
        let mut p = Progress::new();
        assert_eq!(lesson_status(&c, l, &p), LabStatus::NotStarted);
        p.checks.insert(l.id.clone(), score(2, 3));
        assert_eq!(lesson_status(&c, l, &p), LabStatus::InProgress);
        p.read.insert(l.id.clone());
        assert_eq!(
            lesson_status(&c, l, &p),
            LabStatus::InProgress,
            "reading is not enough while the check is open"
        );
        p.checks.insert(l.id.clone(), score(3, 3));
        assert_eq!(lesson_status(&c, l, &p), LabStatus::Passed);
    }

    #[test]
    fn a_lesson_without_labs_or_check_is_done_once_read_to_the_end() {
        let c = curriculum();
        let l = &c.lessons[2];
        let mut p = Progress::new();
        assert_eq!(lesson_status(&c, l, &p), LabStatus::NotStarted);
        p.read.insert(l.id.clone());
        assert_eq!(lesson_status(&c, l, &p), LabStatus::Passed);
    }

    #[test]
    fn a_lesson_with_labs_is_done_when_its_labs_pass_not_its_check() {
        let c = curriculum();
        let l = &c.lessons[0];
        let mut p = Progress::new();
        p.checks.insert(l.id.clone(), score(3, 3));
        p.read.insert(l.id.clone());
        assert_eq!(lesson_status(&c, l, &p), LabStatus::InProgress);
        p.labs.insert("a-lab".into(), LabStatus::Failed);
        assert_eq!(lesson_status(&c, l, &p), LabStatus::Failed);
        p.labs.insert("a-lab".into(), LabStatus::Passed);
        assert_eq!(lesson_status(&c, l, &p), LabStatus::Passed);
    }

    #[test]
    fn a_lesson_with_labs_read_to_the_end_is_in_progress_before_its_labs_are_begun() {
        let c = curriculum();
        let l = &c.lessons[0];
        let mut p = Progress::new();
        assert_eq!(lesson_status(&c, l, &p), LabStatus::NotStarted);
        p.read.insert(l.id.clone());
        assert_eq!(lesson_status(&c, l, &p), LabStatus::InProgress);
        let mut answered = Progress::new();
        answered.checks.insert(l.id.clone(), score(0, 1));
        assert_eq!(lesson_status(&c, l, &answered), LabStatus::InProgress);
        assert_eq!(level_count(&c, Level::L3, &p), (0, 3), "not done, though");
    }

    #[test]
    fn a_level_of_lessons_without_labs_can_be_complete() {
        let c = curriculum();
        let mut p = Progress::new();
        assert_eq!(level_count(&c, Level::L3, &p), (0, 3));
        p.labs.insert("a-lab".into(), LabStatus::Passed);
        p.checks.insert("L3/with-check".into(), score(3, 3));
        p.read.insert("L3/reading".into());
        assert_eq!(level_count(&c, Level::L3, &p), (3, 3));
    }
}
