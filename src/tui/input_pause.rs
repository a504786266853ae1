//! Handing the terminal to another program (the editor) and back: the TUI's input thread stops
//! reading keys while a pause is asked for, and says when it has stopped, so the program
//! started next gets every key typed after that.
//!
//! A key the thread reads after the pause was asked for, but before it noticed, cannot be
//! handed on (Linux no longer lets a program push keys back into a terminal); it is dropped
//! rather than acted on by the TUI behind the editor's back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The pause, shared by the input thread and whoever starts the other program.
#[derive(Debug, Default)]
pub struct InputPause {
    requested: AtomicBool,
    parked: AtomicBool,
}

impl InputPause {
    /// Asks the input thread to stop reading, and waits until it has (at most `wait`).
    pub fn pause(&self, wait: Duration) {
        self.requested.store(true, Ordering::SeqCst);
        let until = Instant::now() + wait;
        while !self.parked.load(Ordering::SeqCst) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Lets the input thread read again.
    pub fn resume(&self) {
        self.requested.store(false, Ordering::SeqCst);
    }

    /// For the input thread: whether to stay away from the terminal now (it says so by
    /// parking; reading again un-parks it).
    pub fn hold(&self) -> bool {
        let held = self.requested.load(Ordering::SeqCst);
        self.parked.store(held, Ordering::SeqCst);
        held
    }

    /// For the input thread: whether a key it just read arrived once a pause was asked for
    /// (and so is not the TUI's to act on).
    pub fn asked(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_pause_returns_once_the_reader_has_stopped_and_resume_lets_it_read_again() {
        let pause = Arc::new(InputPause::default());
        let reader = pause.clone();
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = reads.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::SeqCst) {
                if reader.hold() {
                    std::thread::sleep(Duration::from_millis(1));
                    continue;
                }
                counted.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        let started = Instant::now();
        pause.pause(Duration::from_secs(5));
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "it waited for the reader"
        );
        let seen = reads.load(Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(30));
        assert!(
            reads.load(Ordering::SeqCst) <= seen + 1,
            "no reading while paused"
        );
        assert!(pause.asked());
        pause.resume();
        std::thread::sleep(Duration::from_millis(30));
        assert!(reads.load(Ordering::SeqCst) > seen + 1, "reading again");
        stop.store(true, Ordering::SeqCst);
        thread.join().unwrap();
    }

    #[test]
    fn a_pause_nobody_answers_gives_up_after_its_wait() {
        let pause = InputPause::default();
        let started = Instant::now();
        pause.pause(Duration::from_millis(40));
        assert!(started.elapsed() >= Duration::from_millis(40));
    }
}
