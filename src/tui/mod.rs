//! The classroom screen: a curriculum tree, a lesson reader, knowledge checks, help.
//!
//! Built the ratatui way with a core that needs no terminal: [`App`] is the state,
//! [`update`] the only place it changes (a pure function of an [`Event`], returning an
//! optional [`Command`]), and [`view::draw`] paints it without changing anything. [`run`]
//! drives any ratatui `Backend` from a stream of events, which is how the tests use it;
//! [`run_terminal`] adds the real terminal, input thread and ticks around it.

pub mod app;
pub mod assigned;
pub mod event;
pub mod input_pause;
pub mod lab;
pub mod place;
pub mod progress;
pub mod quiz;
pub mod reader;
pub mod resume;
pub mod terminal_modes;
pub mod text_keys;
pub mod theme;
pub mod tree;
pub mod update;
pub mod view;

pub use app::{App, Focus, Geometry, RightView};
pub use assigned::{AssignedBoard, AssignedView, ShownZone};
pub use event::{from_terminal, BackendStatus, Command, Event, LabStatus};
pub use progress::{CheckScore, Progress, UnfinishedCheck};
pub use update::update;

use ratatui::backend::Backend;
use ratatui::Terminal;
use std::io;
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// How often a [`Event::Tick`] arrives.
pub const TICK: Duration = Duration::from_millis(250);

/// Draws, then feeds events to `update` until one asks to quit or the events run out. Every
/// other command goes to `on_command` (the progress store records quiz answers there).
pub fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    events: impl IntoIterator<Item = Event>,
    mut on_command: impl FnMut(Command),
) -> io::Result<()> {
    terminal.draw(|f| view::draw(app, f))?;
    for event in events {
        if redraws_everything(&event) {
            terminal.clear()?;
        }
        match update(app, event) {
            Some(Command::Quit) => break,
            Some(other) => on_command(other),
            None => {}
        }
        terminal.draw(|f| view::draw(app, f))?;
    }
    Ok(())
}

/// Whether the whole screen is drawn again after `event`, not only what changed: after
/// another program used the terminal ([`Event::Repaint`]), when the learner asks with Ctrl-L,
/// and when an attempt has finished (whatever its programs did to the terminal is painted
/// over).
pub fn redraws_everything(event: &Event) -> bool {
    match event {
        Event::Repaint | Event::Lab(lab::LabEvent::Finished { .. }) => true,
        Event::Key(key) => event::is_redraw_key(key),
        _ => false,
    }
}

/// The one event channel: terminal input (from a reader thread), ticks, and whatever
/// background work sends through a [`Events::sender`] (progress, backend status).
pub struct Events {
    tx: mpsc::Sender<Event>,
    rx: mpsc::Receiver<Event>,
    paused: Arc<input_pause::InputPause>,
}

impl Default for Events {
    fn default() -> Events {
        Events::new()
    }
}

impl Events {
    pub fn new() -> Events {
        let (tx, rx) = mpsc::channel();
        Events {
            tx,
            rx,
            paused: Arc::new(input_pause::InputPause::default()),
        }
    }

    /// While paused the terminal is not read, so another program (the editor) gets every key.
    pub fn input_pause(&self) -> Arc<input_pause::InputPause> {
        self.paused.clone()
    }

    /// A handle for background work to notify the screen (e.g. `Event::Progress`).
    pub fn sender(&self) -> mpsc::Sender<Event> {
        self.tx.clone()
    }

    /// Starts reading the terminal; returns a blocking iterator that yields a
    /// [`Event::Tick`] whenever nothing else arrives for [`TICK`].
    fn start(self) -> impl Iterator<Item = Event> {
        let tx = self.tx;
        let paused = self.paused;
        std::thread::spawn(move || loop {
            if paused.hold() {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            // Short polls, so a pause is noticed within a few milliseconds.
            match crossterm::event::poll(Duration::from_millis(10)) {
                Ok(false) => continue,
                Ok(true) => {}
                Err(_) => break,
            }
            let Ok(e) = crossterm::event::read() else {
                break;
            };
            if paused.asked() {
                // Typed for the program about to take the terminal: not the TUI's.
                continue;
            }
            if let Some(ev) = from_terminal(e) {
                if tx.send(ev).is_err() {
                    break;
                }
            }
        });
        let rx = self.rx;
        std::iter::from_fn(move || match rx.recv_timeout(TICK) {
            Ok(ev) => Some(ev),
            Err(mpsc::RecvTimeoutError::Timeout) => Some(Event::Tick(chrono::Utc::now())),
            Err(mpsc::RecvTimeoutError::Disconnected) => None,
        })
    }
}

/// Takes over the terminal (alternate screen, raw mode, mouse), runs the classroom on
/// `events`, and puts the terminal back, also when something panics.
pub fn run_terminal(
    app: &mut App,
    events: Events,
    on_command: impl FnMut(Command),
) -> io::Result<()> {
    // Our hook replaces ratatui's: it also turns mouse reporting off, and it prints nothing
    // when the terminal is gone (ratatui's does, and a panic inside the hook aborts, skipping
    // the cleanup of a run in progress).
    let previous = std::panic::take_hook();
    let mut terminal = ratatui::try_init()?;
    std::panic::set_hook(Box::new(move |info| {
        put_terminal_back();
        previous(info);
    }));
    let result =
        crossterm::execute!(io::stdout(), crossterm::event::EnableMouseCapture).and_then(|_| {
            let size = terminal.size()?;
            update(app, Event::Resize(size.width, size.height));
            // The modes the classroom runs in, put back wherever it draws everything again.
            let modes = terminal_modes::TerminalModes::save();
            let events = events.start().inspect(move |event| {
                if let (true, Some(modes)) = (redraws_everything(event), &modes) {
                    modes.restore();
                }
            });
            run(&mut terminal, app, events, on_command)
        });
    put_terminal_back();
    if terminal.show_cursor().is_err() {
        // A hung-up terminal: dropping it would print that the cursor cannot be shown, and
        // printing there panics.
        std::mem::forget(terminal);
    }
    result
}

/// Turns mouse reporting and raw mode off, leaves the alternate screen and shows the cursor;
/// errors are ignored, and nothing is printed about them (a closed terminal cannot be put
/// back, and printing to it would fail too).
pub fn put_terminal_back() {
    let _ = crossterm::execute!(io::stdout(), crossterm::event::DisableMouseCapture);
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = crossterm::execute!(
        io::stdout(),
        crossterm::terminal::LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Hands the terminal to `f` (another full-screen program such as the editor): leaves the
/// alternate screen and raw mode, runs `f`, then takes the terminal back. The caller sends
/// [`Event::Repaint`] afterwards so the whole screen is drawn again.
pub fn suspended<T>(f: impl FnOnce() -> T) -> io::Result<T> {
    use crossterm::terminal::{
        disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
    };
    crossterm::execute!(
        io::stdout(),
        crossterm::event::DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    )?;
    disable_raw_mode()?;
    let out = f();
    enable_raw_mode()?;
    crossterm::execute!(
        io::stdout(),
        EnterAlternateScreen,
        crossterm::event::EnableMouseCapture,
        crossterm::cursor::Hide
    )?;
    Ok(out)
}
