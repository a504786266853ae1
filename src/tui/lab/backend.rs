//! The lab view's backend switch (`b`): which org the checks run on next — the mock org or a
//! logged-in sandbox — chosen among the backends available and the ones the lab's `backends:`
//! list allows. Pure: the driver supplies the logins (`sandbox::available_backends`) and
//! carries the choice out with `sandbox::switch_backend`. Whether the chosen sandbox can be
//! reached is learnt from what a run already does ([`reach_after_run`]), never by polling it.

use crate::lab::Backend;
use crate::runner::RunError;
use crate::sandbox::{BackendChoice, SandboxError};
use crate::tui::event::BackendStatus;

fn allowed(choice: &BackendChoice, lab: &[Backend]) -> bool {
    match choice {
        BackendChoice::Mock => lab.contains(&Backend::Mock),
        BackendChoice::Sandbox(_) => lab.contains(&Backend::Sandbox),
    }
}

/// The backend after `current`: the next of `available` (in order, wrapping) that the lab
/// may run on. `Err` holds a sentence for the status bar saying why nothing else can be
/// chosen.
pub fn next_backend(
    current: &BackendChoice,
    available: &[BackendChoice],
    lab: &[Backend],
) -> Result<BackendChoice, String> {
    let sandboxes = available
        .iter()
        .any(|c| matches!(c, BackendChoice::Sandbox(_)));
    if !sandboxes {
        return Err(
            "no sandbox is logged in: the checks stay on mock (`sflab org login` adds one)".into(),
        );
    }
    if !lab.contains(&Backend::Sandbox) {
        return Err(
            "this lab runs on the mock org only: its checks read the mock's own state (or seed data a real org cannot take), and its lab.yaml lists `backends: [mock]`"
                .into(),
        );
    }
    let candidates: Vec<&BackendChoice> = available.iter().filter(|c| allowed(c, lab)).collect();
    let at = candidates.iter().position(|c| *c == current);
    let next = match at {
        Some(i) => candidates[(i + 1) % candidates.len()],
        None => candidates[0],
    };
    if next == current {
        return Err(format!(
            "{} is the only backend this lab can run on",
            current.label()
        ));
    }
    Ok(next.clone())
}

/// How the title and status bars show `choice`.
pub fn status_of(choice: &BackendChoice) -> BackendStatus {
    BackendStatus {
        name: choice.label(),
        url: None,
        reachable: true,
    }
}

/// What a run on `choice` tells of its org's reachability: a run that got as far as its
/// org (judged, whatever the verdict) reached it; a run whose org could not be prepared
/// because the connection failed, or the org never answered, did not. `None` when the run
/// says nothing of it (the mock org, or a run stopped before it went to the org).
pub fn reach_after_run<T>(choice: &BackendChoice, result: &Result<T, RunError>) -> Option<bool> {
    if *choice == BackendChoice::Mock {
        return None;
    }
    match result {
        Ok(_) => Some(true),
        Err(RunError::Backend(why)) if says_unreachable(why) => Some(false),
        Err(_) => None,
    }
}

/// `message` is the sandbox backend's "could not reach …" or "… sent no answer in time"
/// (matched on the fixed wording of those errors, taken from the errors themselves).
fn says_unreachable(message: &str) -> bool {
    let blank = || "\u{0}".to_string();
    let unreachable = [
        SandboxError::Unreachable {
            url: blank(),
            reason: blank(),
        },
        SandboxError::NoAnswer {
            url: blank(),
            reason: blank(),
        },
    ];
    unreachable.iter().any(|e| {
        let said = e.to_string();
        let wording = said.split('\u{0}').max_by_key(|part| part.len());
        wording.is_some_and(|w| !w.trim().is_empty() && message.contains(w))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_tells_whether_its_sandbox_could_be_reached() {
        let dev = sandbox("dev");
        let refused = SandboxError::Unreachable {
            url: "https://127.0.0.1:9".into(),
            reason: "connection refused".into(),
        };
        let silent = SandboxError::NoAnswer {
            url: "https://dev.example.com".into(),
            reason: "timed out".into(),
        };
        let failed = |e: SandboxError| Err::<(), _>(RunError::Backend(e.to_string()));
        assert_eq!(reach_after_run(&dev, &failed(refused)), Some(false));
        assert_eq!(reach_after_run(&dev, &failed(silent)), Some(false));
        assert_eq!(reach_after_run(&dev, &Ok::<(), RunError>(())), Some(true));
        let refused_login = SandboxError::LoginRefused {
            error: "invalid_grant".into(),
            description: "expired".into(),
        };
        assert_eq!(
            reach_after_run(&dev, &failed(refused_login)),
            None,
            "an org that answers was reached; its refusal is said in Results"
        );
        let not_started = Err::<(), _>(RunError::MissingTools("jq".into()));
        assert_eq!(reach_after_run(&dev, &not_started), None);
        assert_eq!(
            reach_after_run(&BackendChoice::Mock, &Ok::<(), RunError>(())),
            None
        );
    }

    fn sandbox(a: &str) -> BackendChoice {
        BackendChoice::Sandbox(Some(a.into()))
    }

    const BOTH: &[Backend] = &[Backend::Mock, Backend::Sandbox];

    #[test]
    fn the_switch_cycles_mock_then_each_login_and_wraps() {
        let all = vec![BackendChoice::Mock, sandbox("dev"), sandbox("qa")];
        let step = |c: &BackendChoice| next_backend(c, &all, BOTH).unwrap();
        assert_eq!(step(&BackendChoice::Mock), sandbox("dev"));
        assert_eq!(step(&sandbox("dev")), sandbox("qa"));
        assert_eq!(step(&sandbox("qa")), BackendChoice::Mock);
        assert_eq!(
            step(&sandbox("gone")),
            BackendChoice::Mock,
            "a login that disappeared starts over"
        );
    }

    #[test]
    fn without_a_sandbox_login_the_switch_says_how_to_get_one() {
        let e = next_backend(&BackendChoice::Mock, &[BackendChoice::Mock], BOTH).unwrap_err();
        assert!(e.contains("no sandbox is logged in"), "{e}");
        assert!(e.contains("sflab org login"), "{e}");
    }

    #[test]
    fn a_mock_only_lab_says_why_it_cannot_run_on_a_sandbox() {
        let all = vec![BackendChoice::Mock, sandbox("dev")];
        let e = next_backend(&BackendChoice::Mock, &all, &[Backend::Mock]).unwrap_err();
        assert!(e.contains("mock org only"), "{e}");
        assert!(e.contains("backends: [mock]"), "{e}");
    }

    #[test]
    fn a_sandbox_only_lab_skips_the_mock() {
        let all = vec![BackendChoice::Mock, sandbox("dev"), sandbox("qa")];
        let only = &[Backend::Sandbox];
        assert_eq!(
            next_backend(&BackendChoice::Mock, &all, only).unwrap(),
            sandbox("dev")
        );
        assert_eq!(
            next_backend(&sandbox("qa"), &all, only).unwrap(),
            sandbox("dev")
        );
        let one = vec![BackendChoice::Mock, sandbox("dev")];
        let e = next_backend(&sandbox("dev"), &one, only).unwrap_err();
        assert!(e.contains("only backend"), "{e}");
    }

    #[test]
    fn the_bars_show_the_choice_label() {
        assert_eq!(status_of(&sandbox("dev")).name, "sandbox:dev");
        assert_eq!(status_of(&BackendChoice::Mock).name, "mock");
    }
}
