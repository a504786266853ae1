//! The knowledge check: a lesson's questions asked one at a time; after each answer every
//! choice shows whether it was right and why.
//!
//! The choices are not shown in the order the lesson lists them (authors tend to write the
//! right one first, and the cursor starts on a): each question's choices are put in an order
//! of their own, worked out from the question's text, so it is the same at every sitting and
//! on every machine, and differs from question to question.

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
    pub fn new(lesson: usize, mut questions: Vec<QuizQuestion>) -> Quiz {
        for q in &mut questions {
            shuffle_choices(q);
        }
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
            // The questions keep the order they were shown in (shuffling again would not
            // change it, being worked out from each question).
            *self = Quiz {
                questions: std::mem::take(&mut self.questions),
                ..Quiz::new(self.lesson, Vec::new())
            };
        } else if self.answered.is_some() {
            self.answered = None;
            self.cursor = 0;
            self.index += 1;
            self.finished = self.index >= self.questions.len();
        }
    }
}

/// Puts `q`'s choices in the order of a Fisher–Yates shuffle driven by a hash of the
/// question's text (FNV-1a, then a xorshift generator): the same order every time.
fn shuffle_choices(q: &mut QuizQuestion) {
    let mut state = q.question.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    }) | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in (1..q.choices.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        q.choices.swap(i, j);
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

    /// Where the current question's right choice is shown, and one of its wrong ones.
    fn right_and_wrong(q: &Quiz) -> (usize, usize) {
        let choices = &q.current().expect("a question").choices;
        let right = choices.iter().position(|c| c.correct).expect("a right one");
        (right, (right + 1) % choices.len())
    }

    #[test]
    fn answering_records_correctness_once() {
        let mut q = Quiz::new(0, vec![question(1), question(2)]);
        let (_, wrong) = right_and_wrong(&q);
        assert_eq!(
            q.answer(wrong),
            Some(Answer {
                question: 0,
                correct: false
            })
        );
        assert_eq!(q.answer(wrong), None, "a question is answered once");
        q.advance();
        let (right, _) = right_and_wrong(&q);
        assert_eq!(
            q.answer(right),
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
    fn choices_are_shown_in_an_order_of_their_own_the_same_at_every_sitting() {
        let lessons = crate::curriculum::Curriculum::embedded()
            .expect("curriculum")
            .lessons;
        let questions: Vec<QuizQuestion> = lessons.iter().flat_map(|l| l.quiz.clone()).collect();
        assert!(questions.len() > 50);
        let shown = Quiz::new(0, questions.clone());
        assert_eq!(
            shown,
            Quiz::new(0, questions.clone()),
            "the same order every time"
        );
        let first_is_right = shown
            .questions
            .iter()
            .filter(|q| q.choices.first().is_some_and(|c| c.correct))
            .count();
        // Written, nearly every right answer comes first; shown, about half of them (two
        // choices) or fewer.
        assert!(
            first_is_right * 10 < shown.questions.len() * 7,
            "{first_is_right} of {} questions show the right answer first",
            shown.questions.len()
        );
        for (written, shown) in questions.iter().zip(&shown.questions) {
            let mut a: Vec<&str> = written.choices.iter().map(|c| c.text.as_str()).collect();
            let mut b: Vec<&str> = shown.choices.iter().map(|c| c.text.as_str()).collect();
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "every choice is shown once");
        }
        // A retake keeps the order.
        let mut retake = shown.clone();
        retake.finished = true;
        retake.advance();
        assert_eq!(retake.questions, shown.questions);
    }

    #[test]
    fn advance_waits_for_an_answer() {
        let mut q = Quiz::new(0, vec![question(0)]);
        q.advance();
        assert_eq!(q.index, 0);
        assert_eq!(q.answer(7), None);
    }
}
