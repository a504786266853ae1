//! What each right-hand view was left at — a lesson's reading position, a lab's console (the
//! request being written and the last reply) and Org tab, the Assigned board's selection — so
//! coming back to it resumes there instead of starting afresh.
//!
//! Implementation notes: kept in memory while the classroom is open; [`super::place`] keeps
//! the parts that still mean something in a new session in the workspace (not a console's
//! reply: the org it came from is gone). A lesson's position is its first line shown and the
//! lesson's length in lines at the width it was read at: read again at another width, it
//! resumes as far through the lesson (as a resize does), clamped to the lesson's end.

use super::app::RightView;
use super::assigned::AssignedView;
use super::lab::{ConsoleState, OrgBrowser};
use std::collections::HashMap;

/// Where a lesson was left: its first line shown, of how many lines it had then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadingSpot {
    pub line: usize,
    pub of: usize,
}

impl ReadingSpot {
    /// The same spot in the lesson laid out in `lines` lines.
    pub fn in_lines(self, lines: usize) -> usize {
        if self.of == lines || self.of == 0 {
            self.line
        } else {
            self.line * lines / self.of
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Resume {
    /// Where each lesson was left, by lesson index.
    pub(super) lessons: HashMap<usize, ReadingSpot>,
    /// The console as it was left, by lab id.
    pub(super) consoles: HashMap<String, ConsoleState>,
    /// The Org tab as it was left, by lab id: a run's records stay there (the driver sends
    /// the console's org only the first time a lab opens in a session).
    pub(super) orgs: HashMap<String, OrgBrowser>,
    pub(super) assigned: AssignedView,
}

impl Resume {
    /// Notes where `view` was left, as another view takes its place.
    pub fn keep(&mut self, view: &RightView) {
        match view {
            RightView::Lesson(r) => {
                let spot = ReadingSpot {
                    line: r.scroll,
                    of: r.layout.len(),
                };
                self.lessons.insert(r.lesson, spot);
            }
            RightView::Lab(v) => {
                let mut console = v.console.clone();
                // Only the open lab hears from the driver, so a reply still on its way is not
                // coming: the request can be sent again. Typing resumes with ⏎ on the field.
                console.waiting = false;
                console.typing = false;
                self.consoles.insert(v.lab.clone(), console);
                let org = OrgBrowser {
                    in_records: false,
                    ..v.org.clone()
                };
                self.orgs.insert(v.lab.clone(), org);
            }
            RightView::Assigned(a) => self.assigned = a.clone(),
            RightView::Quiz(_) | RightView::Welcome => {}
        }
    }

    /// The first line to show of lesson `lesson`, now laid out in `lines` lines, where it was
    /// last left (0 the first time).
    pub fn lesson_scroll(&self, lesson: usize, lines: usize) -> usize {
        self.lessons
            .get(&lesson)
            .map_or(0, |spot| spot.in_lines(lines))
    }

    /// Lab `lab`'s console as it was left (the default query the first time).
    pub fn console(&self, lab: &str) -> ConsoleState {
        self.consoles.get(lab).cloned().unwrap_or_default()
    }

    /// Lab `lab`'s Org tab as it was left (empty the first time: the driver fills it).
    pub fn org(&self, lab: &str) -> OrgBrowser {
        self.orgs.get(lab).cloned().unwrap_or_default()
    }

    /// Lab `lab`'s Org tab as it will show when the lab opens again.
    pub fn org_mut(&mut self, lab: &str) -> &mut OrgBrowser {
        self.orgs.entry(lab.to_string()).or_default()
    }

    /// The Assigned board's selection as it was left, within its `rows`.
    pub fn assigned(&self, rows: usize) -> AssignedView {
        let mut view = self.assigned.clone();
        view.selected = view.selected.min(rows.saturating_sub(1));
        view
    }
}

#[cfg(test)]
mod tests {
    use super::ReadingSpot;

    #[test]
    fn a_reading_spot_read_at_another_width_is_as_far_through_the_lesson() {
        let spot = ReadingSpot { line: 50, of: 200 };
        assert_eq!(spot.in_lines(200), 50, "the same width: the same line");
        assert_eq!(
            spot.in_lines(300),
            75,
            "a narrower pane: more lines, as far through"
        );
        assert_eq!(ReadingSpot { line: 7, of: 0 }.in_lines(40), 7);
    }
}
