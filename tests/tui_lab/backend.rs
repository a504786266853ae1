//! The backend switch (`b`) in the lab view: the driver moves the checks to a logged-in
//! sandbox, says why when it cannot (no login, a mock-only lab), and the bars show where the
//! checks run.

use super::{fixture, key, open, screen};
use crossterm::event::KeyCode;
use sflab::sandbox::{BackendChoice, LoginStore, OrgLogin};
use sflab::tui::lab::driver::LabDriver;
use sflab::tui::lab::{LabCommand, LabEvent};
use sflab::tui::theme::Theme;
use sflab::tui::{update, App, Command, Event};
use std::sync::mpsc::Receiver;
use std::sync::Arc;

fn driver(dir: &std::path::Path) -> (LabDriver, Receiver<Event>) {
    let ws = sflab::workspace::Workspace::at(dir).expect("workspace");
    let (tx, rx) = std::sync::mpsc::channel();
    let d = LabDriver::new(
        ws,
        Box::new(sflab::curriculum::embedded()),
        Arc::new(fixture()),
        tx,
        Arc::new(sflab::tui::input_pause::InputPause::default()),
    )
    .expect("driver");
    (d, rx)
}

/// Held by the tests that point `SFLAB_CONFIG_DIR` (where logins are kept) at their own
/// folder: the variable is the whole process's.
static CONFIG_DIR: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn login(alias: &str, url: &str) -> OrgLogin {
    serde_json::from_value(serde_json::json!({
        "alias": alias,
        "instance_url": url,
        "login_url": "https://test.salesforce.com",
        "grant": "client_credentials",
        "access_token": "00Dxx!not-a-real-token"
    }))
    .expect("a login")
}

fn flash(a: &App) -> String {
    a.flash.as_ref().map(|f| f.0.clone()).unwrap_or_default()
}

fn notices(rx: &Receiver<Event>) -> Vec<String> {
    rx.try_iter()
        .filter_map(|e| match e {
            Event::Lab(LabEvent::Notice(n)) => Some(n),
            _ => None,
        })
        .collect()
}

#[test]
fn b_in_a_lab_asks_the_driver_to_switch_and_elsewhere_says_where_it_works() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    update(&mut a, key(KeyCode::Char('b')));
    let flash = a.flash.as_ref().map(|f| f.0.clone()).unwrap_or_default();
    assert!(flash.contains("open one first"), "{flash}");
    open(&mut a, "rest-first-call");
    assert_eq!(
        update(&mut a, key(KeyCode::Char('b'))),
        Some(Command::Lab(LabCommand::Backend {
            lab: "rest-first-call".into()
        }))
    );
}

#[test]
fn without_a_sandbox_login_the_checks_stay_on_the_mock_and_the_learner_is_told() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut d, rx) = driver(dir.path());
    d.switch("rest-first-call", &[BackendChoice::Mock]);
    assert_eq!(d.backend, BackendChoice::Mock);
    let said = notices(&rx).join("\n");
    assert!(said.contains("no sandbox is logged in"), "{said}");
}

#[test]
fn a_mock_only_lab_says_why_it_cannot_run_on_a_sandbox() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut d, rx) = driver(dir.path());
    let available = [
        BackendChoice::Mock,
        BackendChoice::Sandbox(Some("dev".into())),
    ];
    d.switch("rest-upsert-twice", &available);
    assert_eq!(d.backend, BackendChoice::Mock);
    let said = notices(&rx).join("\n");
    assert!(said.contains("mock org only"), "{said}");
}

#[test]
fn a_stored_login_becomes_the_backend_and_the_bars_show_it() {
    let _env = CONFIG_DIR.lock().unwrap_or_else(|e| e.into_inner());
    let config = tempfile::tempdir().expect("tempdir");
    let login = login("dev", "https://dev.sandbox.example.com");
    LoginStore::at(config.path()).save(&login).expect("saved");
    // The switch reads the logins where `sflab org login` keeps them.
    std::env::set_var("SFLAB_CONFIG_DIR", config.path());
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut d, rx) = driver(dir.path());
    let available = sflab::sandbox::available_backends();
    assert_eq!(
        available,
        vec![
            BackendChoice::Mock,
            BackendChoice::Sandbox(Some("dev".into()))
        ]
    );
    d.switch("rest-first-call", &available);
    assert_eq!(d.backend, BackendChoice::Sandbox(Some("dev".into())));
    let events: Vec<Event> = rx.try_iter().collect();
    let status = events
        .iter()
        .find_map(|e| match e {
            Event::Backend(s) => Some(s.clone()),
            _ => None,
        })
        .expect("the screen hears of the new backend");
    assert_eq!(status.name, "sandbox:dev");

    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-first-call");
    for e in events {
        update(&mut a, e);
    }
    a.flash = None;
    let s = screen(&a);
    assert!(!s.contains("not-a-real-token"), "{s}");
    assert!(
        s.lines()
            .last()
            .is_some_and(|l| l.contains("on sandbox:dev")),
        "{s}"
    );
    insta::assert_snapshot!(s);
    // And back to the mock org on the next press.
    d.switch("rest-first-call", &available);
    assert_eq!(d.backend, BackendChoice::Mock);
    std::env::remove_var("SFLAB_CONFIG_DIR");
}

#[test]
fn with_a_sandbox_chosen_the_console_says_it_talks_to_the_mock_copy_not_the_sandbox() {
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-first-call");
    update(
        &mut a,
        Event::Backend(sflab::tui::lab::backend::status_of(
            &BackendChoice::Sandbox(Some("dev".into())),
        )),
    );
    update(&mut a, key(KeyCode::Char('5')));
    let s = screen(&a);
    assert!(s.contains("mock copy of the lab's org"), "{s}");
    assert!(s.contains("does not talk to"), "{s}");
    assert!(s.contains("sandbox:dev (the checks' runs do)"), "{s}");
    update(
        &mut a,
        Event::Lab(LabEvent::Org {
            lab: "rest-first-call".into(),
            snapshot: Default::default(),
            source: sflab::tui::lab::OrgSource::Console,
        }),
    );
    update(&mut a, key(KeyCode::Char('4')));
    let s = screen(&a);
    assert!(
        s.contains("console's mock copy") && s.contains("org, not sandbox:dev"),
        "the Org tab names the console's copy as the mock: {s}"
    );
}

#[test]
fn a_run_that_cannot_reach_the_sandbox_turns_the_title_dot_into_unreachable() {
    let missing = ["curl", "jq"].iter().any(|t| {
        std::process::Command::new(t)
            .arg("--version")
            .output()
            .is_err()
    });
    if missing {
        eprintln!("skipped: rest-first-call needs curl and jq before it goes to the org");
        return;
    }
    let _env = CONFIG_DIR.lock().unwrap_or_else(|e| e.into_inner());
    let config = tempfile::tempdir().expect("tempdir");
    // Nothing listens on port 9 of this machine: the connection is refused.
    let gone = login("gone", "https://127.0.0.1:9");
    LoginStore::at(config.path()).save(&gone).expect("saved");
    std::env::set_var("SFLAB_CONFIG_DIR", config.path());
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut d, rx) = driver(dir.path());
    let lab = "rest-first-call".to_string();
    d.switch(&lab, &sflab::sandbox::available_backends());
    d.handle(Command::Lab(LabCommand::Open { lab: lab.clone() }));
    d.handle(Command::Lab(LabCommand::Run { lab: lab.clone() }));
    let finished = |e: &Event| matches!(e, Event::Lab(LabEvent::Finished { .. }));
    let events = super::collect(&rx, finished);
    std::env::remove_var("SFLAB_CONFIG_DIR");
    let outcome = events.iter().find_map(|e| match e {
        Event::Lab(LabEvent::Finished { outcome, .. }) => Some(outcome.clone()),
        _ => None,
    });
    let said = format!("{outcome:?}");
    assert!(said.contains("could not reach"), "{said}");
    assert!(events.iter().any(finished), "{events:#?}");

    let mut a = App::new(Arc::new(fixture()), Theme::monochrome(), 80, 24);
    open(&mut a, &lab);
    for e in events {
        update(&mut a, e);
    }
    assert!(!a.backend.reachable, "{:?}", a.backend);
    let title = screen(&a).lines().next().unwrap_or_default().to_string();
    assert!(title.contains("sandbox:gone ✗ unreachable"), "{title}");
    // A run that reaches the org turns it back.
    update(
        &mut a,
        Event::Lab(LabEvent::Reach {
            backend: "sandbox:gone".into(),
            reachable: true,
        }),
    );
    let title = screen(&a).lines().next().unwrap_or_default().to_string();
    assert!(title.contains("sandbox:gone ●"), "{title}");
    // News of another backend than the one in use changes nothing.
    update(
        &mut a,
        Event::Lab(LabEvent::Reach {
            backend: "sandbox:other".into(),
            reachable: false,
        }),
    );
    assert!(a.backend.reachable);
}

#[test]
fn b_leaves_out_a_production_login_and_says_how_to_use_it_from_a_terminal() {
    let _env = CONFIG_DIR.lock().unwrap_or_else(|e| e.into_inner());
    let config = tempfile::tempdir().expect("tempdir");
    let store = LoginStore::at(config.path());
    let mut prod = login("prod", "https://acme.my.salesforce.com");
    prod.is_sandbox = Some(false);
    store.save(&prod).expect("saved");
    std::env::set_var("SFLAB_CONFIG_DIR", config.path());
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut d, rx) = driver(dir.path());
    let lab = "rest-first-call";
    d.switch(lab, &sflab::sandbox::available_backends());
    assert_eq!(
        d.backend,
        BackendChoice::Mock,
        "production is not switched to"
    );
    let mut a = App::new(Arc::new(fixture()), Theme::colored(), 80, 24);
    open(&mut a, lab);
    for e in rx.try_iter() {
        update(&mut a, e);
    }
    let said = flash(&a);
    assert!(
        said.contains("sandbox:prod is production, left out"),
        "{said}"
    );
    assert!(
        said.contains("sflab check rest-first-call --backend sandbox:prod --allow-production"),
        "{said}"
    );
    assert!(
        screen(&a).contains("--allow-production"),
        "the advice is read whole at 80 columns"
    );

    let mut dev = login("dev", "https://dev.sandbox.example.com");
    dev.is_sandbox = Some(true);
    store.save(&dev).expect("saved");
    d.switch(lab, &sflab::sandbox::available_backends());
    std::env::remove_var("SFLAB_CONFIG_DIR");
    assert_eq!(d.backend, BackendChoice::Sandbox(Some("dev".into())));
    for e in rx.try_iter() {
        update(&mut a, e);
    }
    let said = flash(&a);
    assert!(
        said.starts_with("the checks now run on sandbox:dev"),
        "{said}"
    );
    assert!(
        said.contains("sandbox:prod is production, left out"),
        "{said}"
    );
    let s = screen(&a);
    assert!(
        s.contains("typed confirmation"),
        "read whole at 80 columns: {s}"
    );
}
