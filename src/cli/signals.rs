//! The signals that end a command early: Ctrl-C (SIGINT) and, on Unix, SIGTERM (`timeout`, a
//! cancelled CI job, a service manager) and SIGHUP (a closed terminal). Each ends a check or a
//! grading run the same way — the learners' processes stopped, nothing half-written — with the
//! shell's conventional exit status for that signal. The classroom hears them through
//! [`on_stop`] and quits as on `q`.

/// Which signal asked the command to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Interrupt,
    Terminate,
    HangUp,
}

impl Stop {
    /// 128 + the signal's number, as shells report a process ended by it.
    pub fn code(self) -> u8 {
        match self {
            Stop::Interrupt => 130,
            Stop::Terminate => 143,
            Stop::HangUp => 129,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Stop::Interrupt => "Ctrl-C",
            Stop::Terminate => "SIGTERM",
            Stop::HangUp => "SIGHUP",
        }
    }
}

/// The stopping signals, listened for from creation on (create it inside the runtime, before
/// the work starts, so a signal that arrives early is not missed).
pub struct StopSignals {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
}

impl StopSignals {
    pub fn listen() -> std::io::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(StopSignals {
                int: signal(SignalKind::interrupt())?,
                term: signal(SignalKind::terminate())?,
                hup: signal(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    /// The next stopping signal.
    pub async fn next(&mut self) -> Stop {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.int.recv() => Stop::Interrupt,
                _ = self.term.recv() => Stop::Terminate,
                _ = self.hup.recv() => Stop::HangUp,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            Stop::Interrupt
        }
    }
}

/// How long after the first stopping signal others are taken as part of it (a closed terminal
/// sends SIGHUP twice: from the kernel and from the shell).
const OBEY_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

/// Calls `stop` from a background thread when the first stopping signal arrives (the
/// classroom quits as on `q`: terminal put back, the run in progress ended). A signal more
/// than [`OBEY_WITHIN`] later means the first was not obeyed: `again` runs, then the process
/// exits with that signal's status. Listening starts before this returns.
pub fn on_stop(
    stop: impl FnOnce(Stop) + Send + 'static,
    again: impl FnOnce() + Send + 'static,
) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut signals = {
        let _inside = rt.enter();
        StopSignals::listen()?
    };
    std::thread::spawn(move || {
        stop(rt.block_on(signals.next()));
        let first = std::time::Instant::now();
        loop {
            let why = rt.block_on(signals.next());
            if first.elapsed() > OBEY_WITHIN {
                again();
                std::process::exit(i32::from(why.code()));
            }
        }
    });
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_hangup_is_handed_to_the_classroom_instead_of_killing_it() {
        let (tx, rx) = std::sync::mpsc::channel();
        on_stop(move |why| tx.send(why).expect("the test waits"), || {}).expect("listening");
        // SAFETY: raise only sends a signal to this process, whose handler is installed above.
        unsafe {
            libc::raise(libc::SIGHUP);
        }
        let why = rx
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("the stop arrives");
        assert_eq!(why, Stop::HangUp);
        assert_eq!(why.code(), 129);
    }
}
