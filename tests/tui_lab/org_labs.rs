//! Labs that ask things of the org while they run — deploying callout metadata, changing
//! records and publishing change events on a scenario's cue — pass in the classroom as they
//! do on the command line: the classroom's watch on the org passes every request on.

use super::{collect, driver_on_the_embedded_curriculum};
use sflab::tui::lab::{LabCommand, LabEvent};
use sflab::tui::{Command, Event};
use std::path::Path;

/// Copies the lab's reference solution (not its known-bad cases) into the lab folder.
fn copy_reference(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("solution folder").flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name == "wrong" {
                continue;
            }
            std::fs::create_dir_all(to.join(&name)).expect("mkdir");
            copy_reference(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).expect("copy");
        }
    }
}

fn reference_passes_in_the_classroom(lab: &str) {
    let missing = ["curl", "jq"].iter().any(|t| {
        std::process::Command::new(t)
            .arg("--version")
            .output()
            .is_err()
    });
    if missing {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "curl and jq are needed to run the reference solution"
        );
        eprintln!("skipped: curl and jq are needed to run the reference solution");
        return;
    }
    let (_dir, ws, mut driver, rx) = driver_on_the_embedded_curriculum();
    driver.tls = false;
    driver.handle(Command::Lab(LabCommand::Open { lab: lab.into() }));
    collect(&rx, |e| matches!(e, Event::Lab(LabEvent::Org { .. })));
    let solution = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("solutions")
        .join(lab);
    copy_reference(&solution, &ws.lab_dir(lab));
    driver.handle(Command::Lab(LabCommand::Run { lab: lab.into() }));
    let events = collect(&rx, |e| matches!(e, Event::Lab(LabEvent::Finished { .. })));
    let outcome = events.iter().find_map(|e| match e {
        Event::Lab(LabEvent::Finished { outcome, .. }) => Some(outcome),
        _ => None,
    });
    match outcome {
        Some(Ok(o)) => assert!(
            o.passed,
            "{lab}: {:#?}",
            o.verdicts
                .iter()
                .filter(|v| !v.passed())
                .collect::<Vec<_>>()
        ),
        other => panic!("{lab}: the run did not finish: {other:?}"),
    }
}

#[test]
fn a_lab_that_deploys_callout_metadata_passes_in_the_classroom() {
    reference_passes_in_the_classroom("nc-split-model");
}

#[test]
fn a_lab_whose_scenario_changes_records_for_change_events_passes_in_the_classroom() {
    reference_passes_in_the_classroom("cdc-sync-accounts");
}
