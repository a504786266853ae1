//! The knowledge check: a lesson's questions asked one at a time; after each answer every
//! choice shows whether it was right and why.

use crate::curriculum::QuizQuestion;

#[derive(Debug, Clone, PartialEq)]
pub struct Quiz {
    /// Index into `Curriculum::lessons`.
    pub lesson: usize,
    pub questions: Vec<QuizQuestion>,
    pub index: usize,
    /// The highlighted choice.
    pub cursor: usize,
    /// The choice given for the current question, once answered.
    pub answered: Option<usize>,
    pub correct_count: usize,
    pub finished: bool,
}

/// The outcome of answering: which question, and whether the choice was the right one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    pub question: usize,
    pub correct: bool,
}

impl Quiz {
    pub fn new(lesson: usize, questions: Vec<QuizQuestion>) -> Quiz {
        Quiz {
            lesson,
            questions,
            index: 0,
            cursor: 0,
            answered: None,
            correct_count: 0,
            finished: false,
        }
    }

    pub fn current(&self) -> Option<&QuizQuestion> {
        self.questions.get(self.index)
    }

    pub fn move_cursor(&mut self, delta: isize) {
        if self.answered.is_some() || self.finished {
            return;
        }
        let n = self.current().map(|q| q.choices.len()).unwrap_or(0);
        if n > 0 {
            self.cursor = (self.cursor as isize + delta).clamp(0, n as isize - 1) as usize;
        }
    }

    /// Highlights `choice` without answering (a letter key); ⏎ then answers it. `false` when
    /// the question is already answered or has no such choice.
    pub fn select(&mut self, choice: usize) -> bool {
        let open = self.answered.is_none() && !self.finished;
        let exists = self.current().is_some_and(|q| choice < q.choices.len());
        if open && exists {
            self.cursor = choice;
        }
        open && exists
    }

    /// Answers the current question with `choice`; `None` if already answered or out of range.
    pub fn answer(&mut self, choice: usize) -> Option<Answer> {
        if self.answered.is_some() || self.finished {
            return None;
        }
        let q = self.current()?;
        let correct = q.choices.get(choice)?.correct;
        self.cursor = choice;
        self.answered = Some(choice);
        if correct {
            self.correct_count += 1;
        }
        Some(Answer {
            question: self.index,
            correct,
        })
    }

    /// After an answer: the next question, or the summary after the last one. From the
    /// summary: start again.
    pub fn advance(&mut self) {
        if self.finished {
            *self = Quiz::new(self.lesson, std::mem::take(&mut self.questions));
        } else if self.answered.is_some() {
            self.answered = None;
            self.cursor = 0;
            self.index += 1;
            self.finished = self.index >= self.questions.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curriculum::QuizChoice;

    fn question(correct: usize) -> QuizQuestion {
        QuizQuestion {
            question: "q".into(),
            choices: (0..3)
                .map(|i| QuizChoice {
                    text: format!("c{i}"),
                    correct: i == correct,
                    why: format!("w{i}"),
                })
                .collect(),
        }
    }

    #[test]
    fn answering_records_correctness_once() {
        let mut q = Quiz::new(0, vec![question(1), question(2)]);
        assert_eq!(
            q.answer(0),
            Some(Answer {
                question: 0,
                correct: false
            })
        );
        assert_eq!(q.answer(1), None, "a question is answered once");
        q.advance();
        assert_eq!(
            q.answer(2),
            Some(Answer {
                question: 1,
                correct: true
            })
        );
        q.advance();
        assert!(q.finished);
        assert_eq!(q.correct_count, 1);
        q.advance();
        assert!(!q.finished && q.index == 0 && q.correct_count == 0);
    }

    #[test]
    fn selecting_a_choice_highlights_it_without_answering() {
        let mut q = Quiz::new(0, vec![question(1)]);
        assert!(q.select(2));
        assert_eq!((q.cursor, q.answered, q.correct_count), (2, None, 0));
        assert!(!q.select(3), "there is no fourth choice");
        assert_eq!(q.cursor, 2);
        q.answer(q.cursor);
        assert!(!q.select(0), "an answered question keeps its choice");
        assert_eq!(q.cursor, 2);
    }

    #[test]
    fn advance_waits_for_an_answer() {
        let mut q = Quiz::new(0, vec![question(0)]);
        q.advance();
        assert_eq!(q.index, 0);
        assert_eq!(q.answer(7), None);
    }
}
