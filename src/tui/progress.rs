//! What the screen knows of the learner's progress: each lab's status, each knowledge check's
//! right answers and the attempt left part-way, and the lessons read to the end. The driver reads it from the progress
//! store (`lab::driver::progress_of`) and sends it whole in `Event::Progress`; plain data.

use super::event::LabStatus;
use std::collections::{HashMap, HashSet};

/// A knowledge check's score as the tree shows it: the right answers of the learner's best
/// single attempt (a worse or abandoned retake takes nothing back, and answers of different
/// attempts are never added up), and how many of its questions were ever answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckScore {
    /// Right answers in the best attempt.
    pub correct: usize,
    /// Questions answered at least once.
    pub answered: usize,
}

impl CheckScore {
    /// The score of a check with `questions` questions from every answer given to it, oldest
    /// first (`Store::quiz_answers`): an attempt starts with an answer to the first question,
    /// as [`UnfinishedCheck::of`] reads them. Answers to questions the check no longer has
    /// are left out.
    pub fn of(answers: &[(u32, bool)], questions: usize) -> CheckScore {
        let kept = || {
            answers
                .iter()
                .filter(|(q, _)| usize::try_from(*q).is_ok_and(|q| q < questions))
        };
        let answered = kept()
            .map(|(q, _)| *q)
            .collect::<std::collections::BTreeSet<u32>>()
            .len();
        let (mut best, mut this) = (0, 0);
        for (q, right) in kept() {
            if *q == 0 {
                this = 0;
            }
            this += usize::from(*right);
            best = best.max(this);
        }
        CheckScore {
            correct: best,
            answered,
        }
    }

    /// Every one of the check's `questions` answered right.
    pub fn all_correct(&self, questions: usize) -> bool {
        questions > 0 && self.correct >= questions
    }
}

/// A knowledge check's latest attempt, left before its last question: where it picks up.
/// The check's questions are asked in order, so an attempt starts with an answer to the
/// first question and is finished by an answer to the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnfinishedCheck {
    /// The question to ask next (0-based).
    pub next: usize,
    /// The attempt's right answers so far.
    pub correct: usize,
}

impl UnfinishedCheck {
    /// The latest attempt at a check of `questions` questions, from every answer given to
    /// it, oldest first (`Store::quiz_answers`); `None` when there is none or it was
    /// finished (opening the check again starts a retake).
    pub fn of(answers: &[(u32, bool)], questions: usize) -> Option<UnfinishedCheck> {
        let start = answers.iter().rposition(|(q, _)| *q == 0)?;
        let attempt = &answers[start..];
        let (last, _) = attempt.last()?;
        let next = usize::try_from(*last).ok()?.checked_add(1)?;
        if next >= questions {
            return None;
        }
        let correct = attempt.iter().filter(|(_, right)| *right).count();
        Some(UnfinishedCheck { next, correct })
    }
}

/// Progress as plain lookups. A lab missing from `labs` is not started.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    pub labs: HashMap<String, LabStatus>,
    /// Lesson id → its knowledge check's score, for checks answered at least once.
    pub checks: HashMap<String, CheckScore>,
    /// Lesson id → its knowledge check's latest attempt, when it was left part-way.
    pub unfinished: HashMap<String, UnfinishedCheck>,
    /// Ids of lessons read to their end.
    pub read: HashSet<String>,
    /// Lab id → its latest attempt's id: the open lab shows an attempt made elsewhere
    /// (`sflab check` in another terminal) when this changes.
    pub latest_attempts: HashMap<String, i64>,
}

impl Progress {
    pub fn new() -> Progress {
        Progress::default()
    }

    /// Lab `id`'s status, when it has any progress.
    pub fn get(&self, id: &str) -> Option<&LabStatus> {
        self.labs.get(id)
    }

    /// Lab `id`'s status (not started when the store knows nothing of it).
    pub fn lab(&self, id: &str) -> LabStatus {
        self.labs.get(id).copied().unwrap_or(LabStatus::NotStarted)
    }

    /// Lesson `id`'s knowledge-check score, once a question has been answered.
    pub fn check(&self, lesson: &str) -> Option<CheckScore> {
        self.checks.get(lesson).copied()
    }

    /// Lesson `id`'s knowledge-check attempt left part-way, if any.
    pub fn unfinished_check(&self, lesson: &str) -> Option<UnfinishedCheck> {
        self.unfinished.get(lesson).copied()
    }

    pub fn read_to_end(&self, lesson: &str) -> bool {
        self.read.contains(lesson)
    }
}

/// Lab statuses alone (tests and callers that know nothing of lessons).
impl FromIterator<(String, LabStatus)> for Progress {
    fn from_iter<I: IntoIterator<Item = (String, LabStatus)>>(iter: I) -> Progress {
        Progress {
            labs: iter.into_iter().collect(),
            ..Progress::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_scores_its_best_single_attempt_not_answers_added_across_attempts() {
        // First attempt 1 of 3 right (question 0), the retake 1 of 3 (question 1): two
        // questions were answered right at some time, but no attempt had more than one.
        let answers = [
            (0, true),
            (1, false),
            (2, false),
            (0, false),
            (1, true),
            (2, false),
        ];
        assert_eq!(
            CheckScore::of(&answers, 3),
            CheckScore {
                correct: 1,
                answered: 3
            }
        );
        let better_then_worse = [(0, true), (1, true), (2, false), (0, false), (1, false)];
        assert_eq!(CheckScore::of(&better_then_worse, 3).correct, 2);
        // Answers to a question the check no longer has are left out.
        let score = CheckScore::of(&[(0, true), (1, false), (2, true), (7, true)], 3);
        assert_eq!(
            score,
            CheckScore {
                correct: 2,
                answered: 3
            }
        );
        assert!(!score.all_correct(3));
        assert!(CheckScore::of(&[(0, true), (1, true)], 2).all_correct(2));
        assert!(
            !CheckScore::default().all_correct(0),
            "no questions, no pass"
        );
    }

    #[test]
    fn an_attempt_left_part_way_picks_up_after_its_last_answer() {
        let first_half = [(0, true), (1, false)];
        assert_eq!(
            UnfinishedCheck::of(&first_half, 3),
            Some(UnfinishedCheck {
                next: 2,
                correct: 1
            })
        );
        assert_eq!(UnfinishedCheck::of(&[], 3), None, "never started");
    }

    #[test]
    fn a_finished_attempt_leaves_nothing_to_pick_up_and_a_retake_is_its_own_attempt() {
        let passed = [(0, true), (1, true), (2, true)];
        assert_eq!(UnfinishedCheck::of(&passed, 3), None);
        // A retake answered to question 2, then left: it picks up at question 3 with its own
        // right answers, not the pass's.
        let retake = [(0, true), (1, true), (2, true), (0, false), (1, true)];
        assert_eq!(
            UnfinishedCheck::of(&retake, 3),
            Some(UnfinishedCheck {
                next: 2,
                correct: 1
            })
        );
        // A check that lost questions since: an attempt past its new end is finished.
        assert_eq!(UnfinishedCheck::of(&[(0, true), (1, true)], 2), None);
    }
}
