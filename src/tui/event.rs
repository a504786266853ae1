//! What the classroom reacts to ([`Event`]) and what it asks the outside world to do
//! ([`Command`]).
//!
//! Terminal input, timer ticks and background notifications all arrive as one `Event` type,
//! so `update` is a plain function of (state, event) and tests can feed any sequence.

pub use super::progress::{CheckScore, Progress, UnfinishedCheck};
use crossterm::event::{
    Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind,
};

/// Where a learner stands with a lab, or with a lesson (see `tree::lesson_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LabStatus {
    NotStarted,
    InProgress,
    Passed,
    /// Failed the last time the checks ran.
    Failed,
}

/// The org the labs talk to, as shown in the title bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendStatus {
    /// `mock` or a sandbox alias.
    pub name: String,
    /// Base URL, when one is up.
    pub url: Option<String>,
    pub reachable: bool,
}

impl BackendStatus {
    pub fn mock() -> BackendStatus {
        BackendStatus {
            name: "mock".into(),
            url: None,
            reachable: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Key(KeyEvent),
    /// The mouse wheel turned over the cell (column, row); positive `lines` scrolls down.
    Wheel {
        column: u16,
        row: u16,
        lines: i32,
    },
    Resize(u16, u16),
    /// A timer tick (a few per second), with the moment it fired (deadlines are judged at
    /// it).
    Tick(chrono::DateTime<chrono::Utc>),
    /// New progress from the store.
    Progress(Progress),
    /// The backend came up, moved or became unreachable.
    Backend(BackendStatus),
    /// The active track judged again (after progress changed).
    Assigned(crate::tui::assigned::AssignedBoard),
    /// News for the open lab from the lab driver (a run, the org, the console, a hint).
    Lab(crate::tui::lab::LabEvent),
    /// The screen was used by another program (the editor): draw everything again.
    Repaint,
    /// A signal (SIGTERM, SIGHUP, a sent SIGINT) asked sflab to stop: quit as `q` does, so
    /// the terminal is put back and the run in progress is ended.
    Stop,
}

/// Something `update` asks the caller to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Quit,
    /// A knowledge-check answer, for the progress store to record.
    QuizAnswered {
        lesson: String,
        question: usize,
        correct: bool,
    },
    /// The learner reached the end of a lesson, for the progress store to record.
    LessonRead {
        lesson: String,
    },
    /// Work for the lab driver (run the checks, open the editor, write a HAR file…).
    Lab(crate::tui::lab::LabCommand),
}

/// Ctrl-L: the learner asks for the whole screen to be drawn again.
pub fn is_redraw_key(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && matches!(key.code, KeyCode::Char('l' | 'L'))
}

/// Turns a terminal event into an [`Event`]; key releases and mouse moves give `None`.
pub fn from_terminal(event: TermEvent) -> Option<Event> {
    match event {
        TermEvent::Key(key) if key.kind != KeyEventKind::Release => Some(Event::Key(key)),
        TermEvent::Mouse(MouseEvent {
            kind, column, row, ..
        }) => match kind {
            MouseEventKind::ScrollDown => Some(Event::Wheel {
                column,
                row,
                lines: 3,
            }),
            MouseEventKind::ScrollUp => Some(Event::Wheel {
                column,
                row,
                lines: -3,
            }),
            _ => None,
        },
        TermEvent::Resize(w, h) => Some(Event::Resize(w, h)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyEventState, MouseButton};

    fn mouse(kind: MouseEventKind) -> TermEvent {
        TermEvent::Mouse(MouseEvent {
            kind,
            column: 7,
            row: 3,
            modifiers: KeyModifiers::NONE,
        })
    }

    #[test]
    fn wheel_turns_become_three_line_scrolls() {
        assert_eq!(
            from_terminal(mouse(MouseEventKind::ScrollDown)),
            Some(Event::Wheel {
                column: 7,
                row: 3,
                lines: 3
            })
        );
        assert_eq!(
            from_terminal(mouse(MouseEventKind::ScrollUp)),
            Some(Event::Wheel {
                column: 7,
                row: 3,
                lines: -3
            })
        );
        assert_eq!(
            from_terminal(mouse(MouseEventKind::Down(MouseButton::Left))),
            None
        );
    }

    #[test]
    fn key_releases_are_ignored() {
        let release = KeyEvent {
            code: KeyCode::Char('q'),
            modifiers: KeyModifiers::NONE,
            kind: KeyEventKind::Release,
            state: KeyEventState::NONE,
        };
        assert_eq!(from_terminal(TermEvent::Key(release)), None);
        let press = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(
            from_terminal(TermEvent::Key(press)),
            Some(Event::Key(press))
        );
        assert_eq!(
            from_terminal(TermEvent::Resize(90, 30)),
            Some(Event::Resize(90, 30))
        );
    }
}
