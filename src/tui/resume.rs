//! What each right-hand view was left at in this session — a lesson's reading position, a
//! lab's console (the request being written and the last reply), the Assigned board's
//! selection — so coming back to it resumes there instead of starting afresh.
//!
//! Implementation notes: kept in memory only; a new session opens every view at its start.
//! A lesson's position is its first line shown at the width it was read at, clamped to the
//! lesson's end when the window has changed size since.

use super::app::RightView;
use super::assigned::AssignedView;
use super::lab::ConsoleState;
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct Resume {
    /// The first line shown, by lesson index.
    lessons: HashMap<usize, usize>,
    /// The console as it was left, by lab id.
    consoles: HashMap<String, ConsoleState>,
    assigned: AssignedView,
}

impl Resume {
    /// Notes where `view` was left, as another view takes its place.
    pub fn keep(&mut self, view: &RightView) {
        match view {
            RightView::Lesson(r) => {
                self.lessons.insert(r.lesson, r.scroll);
            }
            RightView::Lab(v) => {
                let mut console = v.console.clone();
                // Only the open lab hears from the driver, so a reply still on its way is not
                // coming: the request can be sent again. Typing resumes with ⏎ on the field.
                console.waiting = false;
                console.typing = false;
                self.consoles.insert(v.lab.clone(), console);
            }
            RightView::Assigned(a) => self.assigned = a.clone(),
            RightView::Quiz(_) | RightView::Welcome => {}
        }
    }

    /// The first line shown when lesson `lesson` was last left (0 the first time).
    pub fn lesson_scroll(&self, lesson: usize) -> usize {
        self.lessons.get(&lesson).copied().unwrap_or(0)
    }

    /// Lab `lab`'s console as it was left (the default query the first time).
    pub fn console(&self, lab: &str) -> ConsoleState {
        self.consoles.get(lab).cloned().unwrap_or_default()
    }

    /// The Assigned board's selection as it was left, within its `rows`.
    pub fn assigned(&self, rows: usize) -> AssignedView {
        let mut view = self.assigned.clone();
        view.selected = view.selected.min(rows.saturating_sub(1));
        view
    }
}
