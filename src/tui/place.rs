//! Where the classroom was left, kept in the workspace so the next start opens there: the
//! lesson, knowledge check, lab (on the tab it showed) or Assigned board on the right, which
//! pane had the focus, the tree's open levels and selected row, and what [`Resume`] keeps
//! that still means something in a new session — each lesson's reading position, each lab's
//! console request, the Assigned board's selection.
//!
//! Implementation notes: one small JSON file, `.sflab/place.json`, written when the classroom
//! closes through `fsutil::write_private_atomic` (a temporary file renamed over the old one,
//! mode 0600), so a crash mid-write leaves the old place whole. Everything is named by id,
//! never by position, so a curriculum that changed in between loses only what is gone. A file
//! that is missing, unreadable or not understood is ignored: the classroom opens at its
//! start, as on the first day. A console's reply is not kept (the org it came from is gone),
//! nor a knowledge check's answers in progress (the check reopens at its first question), nor
//! watch mode (it would run the checks unasked).
//!
//! [`Resume`]: super::resume::Resume

use super::app::{App, Focus, RightView};
use super::assigned::AssignedView;
use super::event::Command;
use super::lab::console::METHODS;
use super::lab::{ConsoleState, LabCommand, LabTab};
use super::resume::{ReadingSpot, SectionSpot};
use super::tree::{rows, Row};
use crate::curriculum::Level;
use crate::workspace::Workspace;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file's name in the workspace's `.sflab` folder.
pub const FILE_NAME: &str = "place.json";

/// What the right pane showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "view", rename_all = "snake_case")]
pub enum Opened {
    Lesson { lesson: String },
    Check { lesson: String },
    Lab { lab: String, tab: String },
    Assigned,
}

/// The tree's selected row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
pub enum TreeRow {
    Level { level: String },
    Lesson { lesson: String },
    Lab { lab: String },
    Check { lesson: String },
}

/// A lesson's reading position: its first line shown, of how many lines, and the section it
/// is in (absent from files written before sflab kept it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    pub line: usize,
    pub of: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<Section>,
}

/// The heading a reading position is under (its title, and which of the headings with that
/// title), and how far into its section of how many lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub heading: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub nth: usize,
    pub below: usize,
    pub length: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A console request being written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleDraft {
    pub method: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
}

/// Where the classroom was left, as kept in the workspace. The tree's state is required (a
/// file without it, such as `{}`, is not a place); the rest may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub open: Option<Opened>,
    /// The right pane had the focus (else the tree).
    #[serde(default)]
    pub focus_right: bool,
    /// The levels unfolded in the tree ("L0", "L1"…).
    pub open_levels: Vec<String>,
    pub selected: Option<TreeRow>,
    /// The tree's first row shown.
    #[serde(default)]
    pub tree_top: usize,
    /// Reading positions by lesson id.
    #[serde(default)]
    pub lessons: BTreeMap<String, Reading>,
    /// Console requests by lab id (only those changed from the default query).
    #[serde(default)]
    pub consoles: BTreeMap<String, ConsoleDraft>,
    /// The Assigned board's selected row.
    #[serde(default)]
    pub assigned_row: usize,
}

fn tab_of(label: &str) -> Option<LabTab> {
    LabTab::ALL.into_iter().find(|t| t.label() == label)
}

impl Place {
    /// Where `app` is now.
    pub fn of(app: &App) -> Place {
        let c = &app.curriculum;
        let lesson_id = |i: usize| c.lessons.get(i).map(|l| l.id.clone());
        // What the open view would note if another took its place.
        let mut resume = app.resume.clone();
        resume.keep(&app.right);
        let open = match &app.right {
            RightView::Lesson(r) => lesson_id(r.lesson).map(|lesson| Opened::Lesson { lesson }),
            RightView::Quiz(q) => lesson_id(q.lesson).map(|lesson| Opened::Check { lesson }),
            RightView::Lab(v) => Some(Opened::Lab {
                lab: v.lab.clone(),
                tab: v.tab.label().to_string(),
            }),
            RightView::Assigned(_) => Some(Opened::Assigned),
            RightView::Welcome => None,
        };
        let selected = match rows(c, &app.tree.folded).get(app.tree.selected) {
            Some(Row::Level(level)) => Some(TreeRow::Level {
                level: level.to_string(),
            }),
            Some(Row::Lesson(i)) => lesson_id(*i).map(|lesson| TreeRow::Lesson { lesson }),
            Some(Row::Lab { lab, .. }) => Some(TreeRow::Lab { lab: lab.clone() }),
            Some(Row::Quiz(i)) => lesson_id(*i).map(|lesson| TreeRow::Check { lesson }),
            None => None,
        };
        let default_console = ConsoleState::default();
        Place {
            open,
            focus_right: app.focus == Focus::Right,
            open_levels: Level::ALL
                .into_iter()
                .filter(|l| !app.tree.folded.contains(l))
                .map(|l| l.to_string())
                .collect(),
            selected,
            tree_top: app.tree.offset,
            lessons: resume
                .lessons
                .iter()
                .filter_map(|(i, spot)| {
                    let section = spot.section.as_ref().map(|s| Section {
                        heading: s.heading.clone(),
                        nth: s.nth,
                        below: s.below,
                        length: s.length,
                    });
                    let reading = Reading {
                        line: spot.line,
                        of: spot.of,
                        section,
                    };
                    Some((lesson_id(*i)?, reading))
                })
                .collect(),
            consoles: resume
                .consoles
                .iter()
                .filter(|(_, state)| {
                    (state.method(), &state.path, &state.body)
                        != (
                            default_console.method(),
                            &default_console.path,
                            &default_console.body,
                        )
                })
                .map(|(lab, state)| {
                    let draft = ConsoleDraft {
                        method: state.method().to_string(),
                        path: state.path.clone(),
                        body: state.body.clone(),
                    };
                    (lab.clone(), draft)
                })
                .collect(),
            assigned_row: resume.assigned.selected,
        }
    }

    /// Puts `app` back where this place says, as far as the curriculum still has what it
    /// names. A lab opens again only while its folder is in `ws` (one deleted since is not
    /// copied anew unasked); what cannot be reopened leaves the view `app` already shows.
    pub fn restore(&self, app: &mut App, ws: &Workspace) {
        let curriculum = app.curriculum.clone();
        let lesson_index = |id: &str| curriculum.lessons.iter().position(|l| l.id == id);
        for (id, reading) in &self.lessons {
            if let Some(i) = lesson_index(id) {
                let section = reading.section.as_ref().map(|s| SectionSpot {
                    heading: s.heading.clone(),
                    nth: s.nth,
                    below: s.below,
                    length: s.length,
                });
                let spot = ReadingSpot {
                    line: reading.line,
                    of: reading.of,
                    section,
                };
                app.resume.lessons.insert(i, spot);
            }
        }
        for (lab, draft) in &self.consoles {
            if curriculum.lab(lab).is_none() {
                continue;
            }
            let console = ConsoleState {
                method: METHODS.iter().position(|m| *m == draft.method).unwrap_or(0),
                path: draft.path.clone(),
                body: draft.body.clone(),
                ..ConsoleState::default()
            };
            app.resume.consoles.insert(lab.clone(), console);
        }
        app.resume.assigned = AssignedView {
            selected: self.assigned_row,
        };
        app.tree.folded = Level::ALL
            .into_iter()
            .filter(|l| !self.open_levels.contains(&l.to_string()))
            .collect();
        // The view shown before is dropped unnoted: it is where a new classroom starts, not
        // where the learner left off.
        let before = std::mem::replace(&mut app.right, RightView::Welcome);
        match &self.open {
            Some(Opened::Lesson { lesson }) => {
                if let Some(i) = lesson_index(lesson) {
                    app.open_lesson(i);
                }
            }
            Some(Opened::Check { lesson }) => {
                if let Some(i) = lesson_index(lesson) {
                    app.open_quiz(i);
                }
            }
            Some(Opened::Lab { lab, tab }) if ws.lab_dir(lab).is_dir() => {
                app.open_lab(lab);
                if let (Some(view), Some(tab)) = (app.lab_view_mut(), tab_of(tab)) {
                    view.tab = tab;
                }
            }
            Some(Opened::Assigned) => {
                app.open_assigned();
            }
            Some(Opened::Lab { .. }) | None => {}
        }
        if matches!(app.right, RightView::Welcome) {
            // What was kept cannot be reopened (its lab folder or lesson is gone): the view a
            // new classroom starts on — a lesson opened again, so its kept reading spot holds.
            match before {
                RightView::Lesson(reader) => app.open_lesson(reader.lesson),
                other => app.right = other,
            }
        }
        let all = rows(&curriculum, &app.tree.folded);
        let wanted = self.selected.as_ref().and_then(|row| match row {
            TreeRow::Level { level } => Level::parse(level).map(Row::Level),
            TreeRow::Lesson { lesson } => lesson_index(lesson).map(Row::Lesson),
            TreeRow::Lab { lab } => all
                .iter()
                .find(|r| matches!(r, Row::Lab { lab: l, .. } if l == lab))
                .cloned(),
            TreeRow::Check { lesson } => lesson_index(lesson).map(Row::Quiz),
        });
        app.tree.selected = wanted
            .and_then(|w| all.iter().position(|r| *r == w))
            .unwrap_or(0);
        app.tree.offset = self.tree_top;
        let height = app.geometry().tree_rows();
        app.tree.keep_visible(height);
        app.tree.fill(all.len(), height);
        let has_view = !matches!(app.right, RightView::Welcome);
        app.focus = if self.focus_right && has_view {
            Focus::Right
        } else {
            Focus::Tree
        };
    }
}

/// The place file of workspace `ws`.
pub fn path_in(ws: &Workspace) -> PathBuf {
    ws.state_dir().join(FILE_NAME)
}

/// The place kept at `path`; `None` when there is none or it cannot be understood.
pub fn load(path: &Path) -> Option<Place> {
    let text = std::fs::read(path).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Keeps `place` at `path`, replacing the old one whole or not at all.
pub fn save(path: &Path, place: &Place) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(place)?;
    crate::fsutil::write_private_atomic(path, &json)
}

/// Opens `app` where the classroom was left in `ws`, if it was left anywhere readable. With
/// `board_first` (a track just given, or assigned since the place was kept) the Assigned board
/// is shown instead of the view kept, when `app` has a track to show: the rest of the place
/// (the tree, reading positions, consoles) comes back as kept, but the view kept is not opened,
/// so nothing it says on opening ("picking up where you left off: question 2 of 3") is said
/// over the board.
pub fn reopen(app: &mut App, ws: &Workspace, board_first: bool) {
    let board_first = board_first && app.assigned.is_some();
    if let Some(mut place) = load(&path_in(ws)) {
        if board_first {
            place.open = Some(Opened::Assigned);
            place.focus_right = true;
        }
        place.restore(app, ws);
    }
    if board_first {
        app.open_assigned();
    }
}

/// Whether the workspace's track was assigned after the place was kept (or there is no place):
/// then the classroom opens on the new board rather than where it was left.
pub fn assigned_since_kept(ws: &Workspace) -> bool {
    let modified = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (
        modified(crate::track::active_path(ws)),
        modified(path_in(ws)),
    ) {
        (Some(track), Some(kept)) => track > kept,
        _ => false,
    }
}

/// What the lab driver must be told about the view `app` opens with: a lab shown from the
/// start is opened as ⏎ on its tree row would (its files, hints and last attempt).
pub fn driver_command(app: &App) -> Option<Command> {
    let lab = app.lab_view()?.lab.clone();
    Some(Command::Lab(LabCommand::Open { lab }))
}

/// Keeps where `app` is now in `ws`, for the next start.
pub fn keep(app: &App, ws: &Workspace) -> std::io::Result<()> {
    save(&path_in(ws), &Place::of(app))
}
