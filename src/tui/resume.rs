//! What each right-hand view was left at — a lesson's reading position, a lab's console (the
//! request being written and the last reply), Org tab, brief scroll and Traffic selection,
//! the Assigned board's selection — so coming back to it resumes there instead of starting
//! afresh.
//!
//! Implementation notes: kept in memory while the classroom is open; [`super::place`] keeps
//! the parts that still mean something in a new session in the workspace (not a console's
//! reply: the org it came from is gone). A lesson's position is its first line shown, tied to
//! the text: the heading above it and how far into that heading's section it is. Read again at
//! another width (or after a resize), it resumes as far into the same section; a lesson
//! without that heading resumes as far through the whole lesson, clamped to its end.

use super::app::RightView;
use super::assigned::AssignedView;
use super::lab::{ConsoleState, OrgBrowser};
use crate::markdown::Layout;
use std::collections::HashMap;

/// Where a lesson was left: its first line shown, of how many lines it had then, and — tied
/// to the text — the section that line is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadingSpot {
    pub line: usize,
    pub of: usize,
    pub section: Option<SectionSpot>,
}

/// A place inside a lesson's section: the heading it is under (its title, and which of the
/// headings with that title), and how many of the section's lines lie above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionSpot {
    pub heading: String,
    pub nth: usize,
    pub below: usize,
    pub length: usize,
}

/// Heading `index` of `layout`: where its section starts, and where the next one does.
fn section_bounds(layout: &Layout, index: usize) -> Option<(usize, usize)> {
    let start = layout.headings.get(index)?.line;
    let end = layout
        .headings
        .get(index + 1)
        .map_or(layout.len(), |h| h.line);
    Some((start, end.max(start + 1)))
}

impl ReadingSpot {
    /// Line `line` of `layout` as a spot that survives a new width: the heading above it and
    /// how far into that heading's section it is.
    pub fn at(line: usize, layout: &Layout) -> ReadingSpot {
        let index = layout.headings.iter().rposition(|h| h.line <= line);
        let section = index.and_then(|i| {
            let (start, end) = section_bounds(layout, i)?;
            let heading = layout.headings[i].title.clone();
            let nth = layout.headings[..i]
                .iter()
                .filter(|h| h.title == heading)
                .count();
            Some(SectionSpot {
                heading,
                nth,
                below: line - start,
                length: end - start,
            })
        });
        ReadingSpot {
            line,
            of: layout.len(),
            section,
        }
    }

    /// The same spot in `layout` (the lesson at another width): as far into the same section,
    /// else as far through the lesson.
    pub fn in_layout(&self, layout: &Layout) -> usize {
        let found = self.section.as_ref().and_then(|s| {
            let index = layout
                .headings
                .iter()
                .enumerate()
                .filter(|(_, h)| h.title == s.heading)
                .nth(s.nth)?
                .0;
            let (start, end) = section_bounds(layout, index)?;
            let length = end - start;
            let below = if s.length == length {
                s.below
            } else {
                s.below * length / s.length.max(1)
            };
            Some(start + below.min(length - 1))
        });
        found.unwrap_or_else(|| self.in_lines(layout.len()))
    }

    /// The same spot in the lesson laid out in `lines` lines, as far through it.
    pub fn in_lines(&self, lines: usize) -> usize {
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
    /// Where each lab's brief and Traffic list were left, by lab id.
    pub(super) labs: HashMap<String, LabSpot>,
    pub(super) assigned: AssignedView,
}

/// Where a lab was left: the brief's first line shown and the exchange selected in Traffic
/// (the list the driver hands back on opening keeps it, clamped to its length).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LabSpot {
    pub brief_scroll: usize,
    pub traffic_sel: usize,
}

impl Resume {
    /// Notes where `view` was left, as another view takes its place.
    pub fn keep(&mut self, view: &RightView) {
        match view {
            RightView::Lesson(r) => {
                self.lessons
                    .insert(r.lesson, ReadingSpot::at(r.scroll, &r.layout));
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
                let spot = LabSpot {
                    brief_scroll: v.brief_scroll,
                    traffic_sel: v.traffic_sel,
                };
                self.labs.insert(v.lab.clone(), spot);
            }
            RightView::Assigned(a) => self.assigned = a.clone(),
            RightView::Quiz(_) | RightView::Welcome => {}
        }
    }

    /// The first line to show of lesson `lesson`, now laid out as `layout`, where it was last
    /// left (0 the first time).
    pub fn lesson_scroll(&self, lesson: usize, layout: &Layout) -> usize {
        self.lessons
            .get(&lesson)
            .map_or(0, |spot| spot.in_layout(layout))
    }

    /// Lab `lab`'s console as it was left (the default query the first time).
    pub fn console(&self, lab: &str) -> ConsoleState {
        self.consoles.get(lab).cloned().unwrap_or_default()
    }

    /// Where lab `lab`'s brief and Traffic list were left (their tops the first time).
    pub fn lab_spot(&self, lab: &str) -> LabSpot {
        self.labs.get(lab).copied().unwrap_or_default()
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
        let spot = ReadingSpot {
            line: 50,
            of: 200,
            section: None,
        };
        assert_eq!(spot.in_lines(200), 50, "the same width: the same line");
        assert_eq!(
            spot.in_lines(300),
            75,
            "a narrower pane: more lines, as far through"
        );
        let unknown = ReadingSpot {
            line: 7,
            of: 0,
            section: None,
        };
        assert_eq!(unknown.in_lines(40), 7);
    }

    #[test]
    fn a_reading_spot_keeps_its_heading_at_another_width() {
        use crate::markdown::{Document, Layout};
        use crate::tui::theme::Theme;
        // A long first section and a short second one: at another width they grow unevenly,
        // so a place kept as a fraction of the whole lesson would drift out of its section.
        let long = "word ".repeat(600);
        let text = format!("# Lesson\n\n{long}\n\n## Second\n\nShort.\n\n## Third\n\nEnd.\n");
        let doc = Document::parse(&text);
        let (wide, narrow) = (
            doc.layout(120, &Theme::monochrome()),
            doc.layout(50, &Theme::monochrome()),
        );
        let second = |l: &Layout| {
            l.headings
                .iter()
                .find(|h| h.title == "Second")
                .map(|h| h.line)
        };
        let at = second(&wide).expect("the heading");
        let spot = ReadingSpot::at(at, &wide);
        let there = second(&narrow).expect("there too");
        assert_ne!(
            spot.in_lines(narrow.len()),
            there,
            "as far through the whole lesson is elsewhere"
        );
        assert_eq!(spot.in_layout(&narrow), there);
        assert_eq!(spot.in_layout(&wide), at, "the same width: the same line");
    }
}
