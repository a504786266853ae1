//! The terminal's modes (termios) as the classroom set them, kept so they can be put back.
//!
//! A learner's `./run` has no controlling terminal (see [`crate::runner::process`]), so it
//! cannot reach the screen sflab draws on. As a second line, the classroom saves the modes
//! once it has taken the terminal and restores them after each attempt and on Ctrl-L: a
//! program that changed them anyway (`stty echo icanon < /dev/pts/…`) cannot leave the
//! classroom echoing keys or waiting for a line.
//!
//! Implementation notes: the modes are those of standard input, the terminal crossterm
//! reads keys from; when standard input is not a terminal nothing is saved or restored.

/// The terminal's modes at the moment [`TerminalModes::save`] ran.
pub struct TerminalModes {
    #[cfg(unix)]
    saved: libc::termios,
}

impl TerminalModes {
    /// The modes of the terminal on standard input now; `None` when it is not a terminal.
    #[cfg(unix)]
    pub fn save() -> Option<TerminalModes> {
        // SAFETY: tcgetattr fills the zeroed struct it is given, and reads nothing else.
        unsafe {
            let mut saved: libc::termios = std::mem::zeroed();
            (libc::tcgetattr(libc::STDIN_FILENO, &mut saved) == 0)
                .then_some(TerminalModes { saved })
        }
    }

    #[cfg(not(unix))]
    pub fn save() -> Option<TerminalModes> {
        None
    }

    /// Puts the saved modes back (an error, such as a terminal gone, is ignored).
    pub fn restore(&self) {
        #[cfg(unix)]
        // SAFETY: tcsetattr reads the struct saved by tcgetattr.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &self.saved);
        }
    }
}
