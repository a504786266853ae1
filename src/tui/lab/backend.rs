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
    // The lab first: on a mock-only lab a login would change nothing, so asking for one
    // would send the learner the wrong way.
    if !lab.contains(&Backend::Sandbox) {
        return Err(
            "this lab runs on the mock org only: its checks read the mock's own state (or seed data a real org cannot take), so its lab.yaml does not name `sandbox` among its `backends:`"
                .into(),
        );
    }
    let sandboxes = available
        .iter()
        .any(|c| matches!(c, BackendChoice::Sandbox(_)));
    if !sandboxes {
        return Err(
            "no sandbox is logged in: the checks stay on mock (`sflab org login` adds one)".into(),
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

/// What `b` does with `production` among `available` (logins whose org said at login it is
/// production, which the classroom never runs on: it cannot take the typed confirmation the
/// CLI asks for): they are left out of the cycle, and the sentence returned with the choice
/// (or the refusal) says so and how to use one anyway.
pub fn next_sandbox(
    current: &BackendChoice,
    available: &[BackendChoice],
    production: &[BackendChoice],
    lab: &[Backend],
    lab_id: &str,
) -> Result<(BackendChoice, Option<String>), String> {
    if !lab.contains(&Backend::Sandbox) {
        return next_backend(current, available, lab).map(|next| (next, None));
    }
    let usable: Vec<BackendChoice> = available
        .iter()
        .filter(|c| !production.contains(c))
        .cloned()
        .collect();
    let skipped = (!production.is_empty()).then(|| production_note(production, lab_id));
    match next_backend(current, &usable, lab) {
        Ok(next) => Ok((next, skipped)),
        Err(_) if skipped.is_some() && !usable.iter().any(|c| *c != BackendChoice::Mock) => {
            Err(format!(
                "{}; `sflab org login` to a sandbox lets the checks run on one here",
                skipped.unwrap_or_default()
            ))
        }
        Err(why) => Err(why),
    }
}

/// Why `production` logins are not offered, and how to use one all the same.
fn production_note(production: &[BackendChoice], lab_id: &str) -> String {
    let names: Vec<String> = production.iter().map(BackendChoice::label).collect();
    let (first, verb) = (&names[0], if names.len() == 1 { "is" } else { "are" });
    format!(
        "{} {verb} production, left out: only sandboxes run labs here. In a terminal, \
         sflab check {lab_id} --backend {first} --allow-production runs on it after a typed \
         confirmation",
        names.join(", ")
    )
}

/// The sentence for the status bar when a run on `choice` was refused because its org turned
/// out to be production (a login made before sflab noted the org's kind), in the classroom's
/// terms; `None` for any other outcome.
pub fn production_refused<T>(
    choice: &BackendChoice,
    result: &Result<T, RunError>,
    lab_id: &str,
) -> Option<String> {
    let Err(RunError::Backend(why)) = result else {
        return None;
    };
    let said = crate::sandbox::safety::org_allowed(false, BLANK, false, None).err()?;
    says(why, &said).then(|| production_note(std::slice::from_ref(choice), lab_id))
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
    let blank = || BLANK.to_string();
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
    unreachable.iter().any(|e| says(message, &e.to_string()))
}

/// What an error's blanks are filled with, to find its fixed wording.
const BLANK: &str = "SFLAB-BLANK";

/// `message` holds the longest fixed stretch of `template` (an error with [`BLANK`] where
/// its particulars go): it is that error, whatever the particulars.
fn says(message: &str, template: &str) -> bool {
    let wording = template.split(BLANK).max_by_key(|part| part.len());
    wording.is_some_and(|w| w.trim().len() > 8 && message.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_logins_are_left_out_of_the_switch_with_a_way_that_works() {
        let all = vec![BackendChoice::Mock, sandbox("prod"), sandbox("dev")];
        let prod = [sandbox("prod")];
        let (next, note) =
            next_sandbox(&BackendChoice::Mock, &all, &prod, BOTH, "rest-crud").unwrap();
        assert_eq!(next, sandbox("dev"), "the production login is skipped");
        let note = note.expect("the skip is said");
        assert!(
            note.contains("sandbox:prod is production, left out"),
            "{note}"
        );
        assert!(
            note.contains("sflab check rest-crud --backend sandbox:prod --allow-production"),
            "{note}"
        );
        let only = vec![BackendChoice::Mock, sandbox("prod")];
        let e = next_sandbox(&BackendChoice::Mock, &only, &prod, BOTH, "rest-crud").unwrap_err();
        assert!(e.contains("sandbox:prod is production, left out"), "{e}");
        assert!(e.contains("sflab org login"), "{e}");
        let e =
            next_sandbox(&BackendChoice::Mock, &only, &prod, &[Backend::Mock], "x").unwrap_err();
        assert!(
            e.contains("mock org only"),
            "a mock-only lab says only that: {e}"
        );
    }

    #[test]
    fn a_run_refused_for_a_production_org_gets_advice_that_works_here() {
        let prod = sandbox("prod");
        let refusal = crate::sandbox::safety::org_allowed(false, "Acme", false, None).unwrap_err();
        let failed = Err::<(), _>(RunError::Backend(refusal));
        let said = production_refused(&prod, &failed, "rest-crud").expect("advice");
        assert!(
            said.contains("--backend sandbox:prod --allow-production"),
            "{said}"
        );
        let other = Err::<(), _>(RunError::Backend("the org answered 500".into()));
        assert_eq!(production_refused(&prod, &other, "rest-crud"), None);
    }

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
        let not_started = Err::<(), _>(RunError::NotStarted {
            lab: "rest-basics".into(),
            dir: "/ws/rest-basics".into(),
        });
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
        // Most labs leave `backends:` out (mock only): the sentence claims no list it has not.
        assert!(!e.contains("backends: [mock]"), "{e}");
        assert!(e.contains("does not name `sandbox`"), "{e}");
    }

    #[test]
    fn a_mock_only_lab_with_no_sandbox_logged_in_says_it_runs_on_the_mock_only() {
        let e = next_backend(
            &BackendChoice::Mock,
            &[BackendChoice::Mock],
            &[Backend::Mock],
        )
        .unwrap_err();
        assert!(e.contains("mock org only"), "{e}");
        assert!(
            !e.contains("sflab org login"),
            "a login would change nothing: {e}"
        );
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
