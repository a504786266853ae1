//! The signals that end a command early: Ctrl-C (SIGINT) and, on Unix, SIGTERM (`timeout`, a
//! cancelled CI job, a service manager) and SIGHUP (a closed terminal). Each ends a check the
//! same way — the learner's processes stopped, nothing half-written — with the shell's
//! conventional exit status for that signal.

/// Which signal asked the command to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Interrupt,
    Terminate,
    HangUp,
}

impl Stop {
    /// 128 + the signal's number, as shells report a process ended by it.
    pub fn exit_code(self) -> u8 {
        match self {
            Stop::Interrupt => 130,
            Stop::Terminate => 143,
            Stop::HangUp => 129,
        }
    }
}

/// Resolves when one of the stopping signals arrives.
pub async fn stop_requested() -> Stop {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => Stop::Interrupt,
                _ = term.recv() => Stop::Terminate,
                _ = hup.recv() => Stop::HangUp,
            };
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    Stop::Interrupt
}
