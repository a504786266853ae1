//! The classroom's state, and the pure screen geometry both `update` and `draw` rely on.
//!
//! The right pane is a [`RightView`]: one variant per view (lesson reader, knowledge check,
//! lab card), so a new view (the lab view with its tabs) is one more variant, its own state
//! file and its own draw function.

use super::assigned::{AssignedBoard, AssignedView, ShownZone};
use super::event::{BackendStatus, Progress};
use super::lab::{LabCommand, LabEvent, LabView};
use super::quiz::Quiz;
use super::reader::Reader;
use super::resume::Resume;
use super::theme::Theme;
use super::tree::TreeState;
use crate::curriculum::Curriculum;
use crate::markdown::LayoutCache;
use ratatui::layout::Rect;
use std::sync::Arc;

/// The smallest terminal the classroom draws in.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Tree,
    Right,
}

/// What the right pane shows.
#[derive(Debug, Clone)]
pub enum RightView {
    /// Nothing opened yet (an empty curriculum).
    Welcome,
    Lesson(Reader),
    Quiz(Quiz),
    /// A lab: its brief, results, traffic, org and console.
    Lab(Box<LabView>),
    /// The active track's labs with due dates and status.
    Assigned(AssignedView),
}

/// Where each part of the screen goes at a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    pub title: Rect,
    pub tree: Rect,
    pub right: Rect,
    pub status: Rect,
}

/// Columns the right pane keeps before the tree grows past its usual width.
const RIGHT_PANE_ROOM: u16 = 100;

impl Geometry {
    /// The layout with the tree at its usual width: 28% of the terminal, 26 to 36 columns.
    pub fn of(width: u16, height: u16) -> Geometry {
        Geometry::fitting(width, height, 0)
    }

    /// The layout with a tree whose widest row is `tree_wants` cells (borders left out): on
    /// a wide terminal the tree grows past its usual width until that row fits, up to 2/5 of
    /// the width, leaving the right pane at least [`RIGHT_PANE_ROOM`] columns; at 80 or 120
    /// columns it keeps its usual width.
    pub fn fitting(width: u16, height: u16, tree_wants: u16) -> Geometry {
        let body_h = height.saturating_sub(2);
        let usual = ((width as u32 * 28 / 100) as u16).clamp(26.min(width), 36.min(width));
        let most = ((width as u32 * 2 / 5) as u16)
            .min(width.saturating_sub(RIGHT_PANE_ROOM))
            .max(usual);
        let tree_w = tree_wants.saturating_add(2).clamp(usual, most);
        Geometry {
            title: Rect::new(0, 0, width, 1.min(height)),
            tree: Rect::new(0, 1, tree_w, body_h),
            right: Rect::new(tree_w, 1, width - tree_w, body_h),
            status: Rect::new(0, height.saturating_sub(1), width, 1.min(height)),
        }
    }

    /// The lesson text area inside the right pane (borders and one column of padding off).
    pub fn reading(&self) -> Rect {
        let r = self.right;
        Rect::new(
            r.x + 2,
            r.y + 1,
            r.width.saturating_sub(4),
            r.height.saturating_sub(2),
        )
    }

    /// Tree rows that fit inside the tree pane's borders.
    pub fn tree_rows(&self) -> usize {
        self.tree.height.saturating_sub(2) as usize
    }
}

pub struct App {
    pub curriculum: Arc<Curriculum>,
    pub theme: Theme,
    pub progress: Progress,
    pub backend: BackendStatus,
    /// The active track (`sflab --track FILE`), when one is set.
    pub assigned: Option<AssignedBoard>,
    /// Why the workspace's assigned track cannot be shown (a damaged track file), as
    /// `sflab track show` says it; `t` says this instead of "no track is assigned".
    pub track_problem: Option<String>,
    /// Lab views left while their checks run, by lab id: the run's news goes on arriving
    /// here, and opening the lab again shows it as it is — running, so `r` is refused — not
    /// as a fresh view. A view leaves once its run is over (its org and console are kept in
    /// [`App::resume`] as any lab view's are).
    pub running_away: std::collections::HashMap<String, Box<LabView>>,
    /// Watched labs whose files the learner saved while they were off screen and not running:
    /// their checks run when they are opened again.
    pub saved_away: std::collections::HashSet<String>,
    /// The lab watch mode is on for (`w`): a lab view opened again for it, from the tree or
    /// the Assigned board, shows and keeps the watch.
    pub watched: Option<String>,
    /// The zone due times are shown in: the machine's, unless a test fixes one.
    pub zone: ShownZone,
    pub size: (u16, u16),
    pub focus: Focus,
    pub tree: TreeState,
    pub right: RightView,
    /// Where each right-hand view was left, so coming back to it resumes there.
    pub resume: Resume,
    pub help: bool,
    /// The search being typed after `/`, if any.
    pub search_input: Option<String>,
    /// The scroll position (or tree row) when `/` was pressed (an Esc goes back there).
    pub search_origin: usize,
    /// The search being typed looks for a lesson or lab in the tree, not in the lesson text.
    pub search_in_tree: bool,
    /// The last tree search, for n and N.
    pub tree_query: Option<String>,
    /// The tree as it was when `/` was pressed (an Esc puts it back).
    pub tree_before_search: Option<TreeState>,
    /// A short message for the status bar and the ticks left before it goes.
    pub flash: Option<(String, u8)>,
    pub layouts: LayoutCache,
    /// The cells the tree's widest row takes ([`super::tree::widest_row`]): a wide terminal
    /// gives the tree that much room.
    pub tree_wants: u16,
}

impl App {
    /// A classroom on `curriculum` in a `width`×`height` terminal, showing the first lesson.
    pub fn new(curriculum: Arc<Curriculum>, theme: Theme, width: u16, height: u16) -> App {
        let tree = TreeState::new(&curriculum);
        let tree_wants = u16::try_from(super::tree::widest_row(&curriculum)).unwrap_or(u16::MAX);
        let mut app = App {
            curriculum,
            theme,
            progress: Progress::new(),
            backend: BackendStatus::mock(),
            assigned: None,
            track_problem: None,
            running_away: std::collections::HashMap::new(),
            saved_away: std::collections::HashSet::new(),
            watched: None,
            zone: ShownZone::Local,
            size: (width, height),
            focus: Focus::Tree,
            tree,
            right: RightView::Welcome,
            resume: Resume::default(),
            help: false,
            search_input: None,
            search_origin: 0,
            search_in_tree: false,
            tree_query: None,
            tree_before_search: None,
            flash: None,
            layouts: LayoutCache::new(theme),
            tree_wants,
        };
        if !app.curriculum.lessons.is_empty() {
            app.open_lesson(0);
            app.tree.select_lesson(&app.curriculum.clone(), 0);
        }
        app
    }

    pub fn geometry(&self) -> Geometry {
        Geometry::fitting(self.size.0, self.size.1, self.tree_wants)
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    /// Lines of lesson text visible at once.
    pub fn page_height(&self) -> usize {
        (self.geometry().reading().height as usize).max(1)
    }

    fn reading_width(&self) -> u16 {
        self.geometry().reading().width
    }

    /// Shows `view` on the right, noting where the view it replaces was left.
    fn show(&mut self, view: RightView) {
        let left = std::mem::replace(&mut self.right, view);
        self.resume.keep(&left);
        if let RightView::Lab(v) = left {
            if v.running() {
                self.running_away.insert(v.lab.clone(), v);
            }
        }
    }

    /// Opens lesson `index` in the reader, where it was left this session (else at the top).
    pub fn open_lesson(&mut self, index: usize) {
        let Some(lesson) = self.curriculum.lessons.get(index) else {
            return;
        };
        let layout = self
            .layouts
            .layout(&lesson.id, &lesson.body, self.reading_width());
        let mut reader = Reader::new(index, layout);
        let page = self.page_height();
        reader.scroll = self
            .resume
            .lesson_scroll(index, &reader.layout)
            .min(reader.max_scroll(page));
        self.show(RightView::Lesson(reader));
    }

    /// Opens lesson `index`'s knowledge check where the learner left it: at the question
    /// after the last one answered in an attempt left part-way, else (never started, or the
    /// last attempt finished: a retake) at the first. The score kept so far stays as it is
    /// until answers change it.
    pub fn open_quiz(&mut self, index: usize) {
        let Some(lesson) = self.curriculum.lessons.get(index) else {
            return;
        };
        let mut quiz = Quiz::new(index, lesson.quiz.clone());
        let n = quiz.questions.len();
        if let Some(left) = self.progress.unfinished_check(&lesson.id) {
            if left.next < n {
                quiz.index = left.next;
                quiz.correct_count = left.correct;
                self.flash(format!(
                    "picking up where you left off: question {} of {n}",
                    left.next + 1
                ));
            }
        }
        self.show(RightView::Quiz(quiz));
    }

    /// Shows the active track and opens the "Assigned" view on it (the first screen when
    /// sflab starts with a track).
    pub fn show_assigned(&mut self, board: AssignedBoard) {
        self.assigned = Some(board);
        self.open_assigned();
    }

    /// The workspace has an assigned track that cannot be read (`problem`, as `sflab track
    /// show` says it): said now, and again on `t`.
    pub fn track_unreadable(&mut self, problem: impl std::fmt::Display) {
        let problem = format!("the assigned track cannot be shown: {}", one_line(&problem));
        self.flash(problem.clone());
        self.track_problem = Some(problem);
    }

    /// Opens the "Assigned" view; false when no track is set.
    pub fn open_assigned(&mut self) -> bool {
        if self.assigned.is_none() {
            return false;
        }
        if !matches!(self.right, RightView::Assigned(_)) {
            let rows = self.assigned.as_ref().map_or(0, |b| b.rows.len());
            self.show(RightView::Assigned(self.resume.assigned(rows)));
        }
        self.focus = Focus::Right;
        true
    }

    /// Opens lab `id` in the lab view (kept as it is when it is already open), its console
    /// and Org tab as they were left this session; a lab whose checks are still running is
    /// shown as it is. Returns what the lab driver must be told: [`LabCommand::Open`] (files,
    /// hints, the last attempt), except for a lab whose run is in progress, whose view hears
    /// from that run.
    pub fn open_lab(&mut self, id: &str) -> Option<LabCommand> {
        let open = || {
            Some(LabCommand::Open {
                lab: id.to_string(),
            })
        };
        if let Some(v) = self.lab_view().filter(|v| v.lab == id) {
            return if v.running() { None } else { open() };
        }
        if let Some(mut view) = self.running_away.remove(id) {
            view.watch = self.watched.as_deref() == Some(id);
            self.show(RightView::Lab(view));
            self.relayout_goal();
            return None;
        }
        let meta = self.curriculum.lab(id)?;
        let mut view = LabView::new(&meta.id, &meta.dir, &meta.yaml);
        view.watch = self.watched.as_deref() == Some(id);
        view.saved_while_away = self.saved_away.remove(id);
        view.console = self.resume.console(id);
        view.org = self.resume.org(id);
        let spot = self.resume.lab_spot(id);
        view.brief_scroll = spot.brief_scroll;
        view.traffic_sel = spot.traffic_sel;
        self.show(RightView::Lab(Box::new(view)));
        self.relayout_goal();
        open()
    }

    /// Takes in the driver's news about lab `lab`, which is not on screen: a view left while
    /// its checks run hears how they go, and leaves once they are over; another lab's records
    /// wait for it in [`App::resume`]; a save the watch saw is owed a run on its return.
    pub fn news_from_away(&mut self, lab: &str, event: LabEvent) {
        if matches!(event, LabEvent::Changed { .. }) {
            // A save the watch saw (or held through a run) while the lab was away: owed, and
            // run when the lab is on screen again.
            match self.running_away.get_mut(lab) {
                Some(view) => view.saved_while_away = true,
                None => {
                    self.saved_away.insert(lab.to_string());
                }
            }
            return;
        }
        let Some(view) = self.running_away.get_mut(lab) else {
            // Records sent for a lab left before they came (the console's org is sent once,
            // as the lab first opens) are what its Org tab shows when it opens again.
            if let LabEvent::Org {
                snapshot, source, ..
            } = event
            {
                self.resume.org_mut(lab).show(snapshot, source);
            }
            return;
        };
        let _ = view.apply(event);
        if !view.running() {
            if let Some(view) = self.running_away.remove(lab) {
                if view.saved_while_away {
                    self.saved_away.insert(lab.to_string());
                }
                self.resume.keep(&RightView::Lab(view));
            }
        }
    }

    pub fn lab_view(&self) -> Option<&LabView> {
        match &self.right {
            RightView::Lab(v) => Some(v),
            _ => None,
        }
    }

    pub fn lab_view_mut(&mut self) -> Option<&mut LabView> {
        match &mut self.right {
            RightView::Lab(v) => Some(v),
            _ => None,
        }
    }

    /// Lays the open lab's goal out at the pane's width.
    fn relayout_goal(&mut self) {
        let width = self.reading_width();
        let Some(view) = self.lab_view() else { return };
        let Ok(spec) = &view.spec else { return };
        let (key, goal) = (format!("lab-goal:{}", spec.id), spec.goal.clone());
        let layout = self.layouts.layout(&key, &goal, width);
        if let Some(v) = self.lab_view_mut() {
            v.goal = Some(layout);
        }
    }

    /// Lays the open lesson out again for the current size (after a resize).
    pub fn relayout(&mut self) {
        self.relayout_goal();
        let width = self.reading_width();
        let height = self.page_height();
        if let RightView::Lesson(reader) = &mut self.right {
            if let Some(lesson) = self.curriculum.lessons.get(reader.lesson) {
                let layout = self.layouts.layout(&lesson.id, &lesson.body, width);
                reader.relayout(layout, height);
            }
        }
        let rows = self.geometry().tree_rows();
        self.tree.keep_visible(rows);
        let total = crate::tui::tree::rows(&self.curriculum, &self.tree.folded).len();
        self.tree.fill(total, rows);
    }

    pub fn reader(&self) -> Option<&Reader> {
        match &self.right {
            RightView::Lesson(r) => Some(r),
            _ => None,
        }
    }

    pub fn reader_mut(&mut self) -> Option<&mut Reader> {
        match &mut self.right {
            RightView::Lesson(r) => Some(r),
            _ => None,
        }
    }

    /// Shows `message` in the status bar for a few seconds: three, or longer for a long
    /// message (about 16 characters a second), up to the fifteen of [`App::flash_long`].
    pub fn flash(&mut self, message: impl Into<String>) {
        let message = message.into();
        let ticks = (message.chars().count() / 4).clamp(12, 60);
        self.flash = Some((message, u8::try_from(ticks).unwrap_or(60)));
    }

    /// A status-bar message that stays five times as long (said once, at start).
    pub fn flash_long(&mut self, message: impl Into<String>) {
        self.flash = Some((message.into(), 60));
    }
}

/// `text` said on one line, for the status bar: a problem a line (as `sflab track show` lists
/// them) is parted from the next by "; ", and a line ending in a colon goes on after a space.
fn one_line(text: &impl std::fmt::Display) -> String {
    let mut said = String::new();
    for line in text
        .to_string()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if !said.is_empty() {
            said.push_str(if said.ends_with(':') { " " } else { "; " });
        }
        said.push_str(line);
    }
    said
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_track_s_problems_are_parted_on_the_status_bar() {
        let said =
            one_line(&"t.yaml has 2 problems:\n  line 3: no lab \"a\"\n  line 4: no lab \"b\"");
        assert_eq!(
            said,
            "t.yaml has 2 problems: line 3: no lab \"a\"; line 4: no lab \"b\""
        );
        assert_eq!(one_line(&"one problem"), "one problem");
    }

    #[test]
    fn panes_share_the_width_without_gaps() {
        for (w, h) in [(80, 24), (120, 40), (300, 90)] {
            let g = Geometry::of(w, h);
            assert_eq!(g.tree.width + g.right.width, w);
            assert_eq!(g.tree.height, h - 2);
            assert!(g.reading().width >= 48, "{w}: room to read");
        }
    }

    #[test]
    fn extreme_sizes_do_not_panic() {
        for (w, h) in [(0, 0), (1, 1), (10, 3), (u16::MAX, u16::MAX)] {
            for wants in [0, 60, u16::MAX] {
                let g = Geometry::fitting(w, h, wants);
                assert!(g.right.x + g.right.width <= w);
            }
        }
    }

    #[test]
    fn a_wide_terminal_gives_the_tree_room_for_its_longest_title() {
        // A lab row of 72 cells: cut at 80 and 120 columns as before, whole at 200.
        assert_eq!(Geometry::fitting(80, 24, 72).tree.width, 26);
        assert_eq!(Geometry::fitting(120, 40, 72).tree.width, 33);
        assert_eq!(Geometry::fitting(200, 50, 72).tree.width, 74);
        assert_eq!(
            Geometry::fitting(200, 50, 20).tree.width,
            36,
            "never below usual"
        );
        let g = Geometry::fitting(200, 50, 150);
        assert_eq!(g.tree.width, 80, "at most 2/5");
        assert!(g.right.width >= RIGHT_PANE_ROOM);
    }
}
