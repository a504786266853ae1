//! `sflab dev check`: the author's proof that every lab works (see `runner::selfcheck`).

use super::lab::files_of;
use super::lab::outln;
use super::{Cli, Failure};
use crate::curriculum::{Curriculum, LabMeta};
use crate::runner::selfcheck_jobs::dev_check_labs;

pub fn check(
    cli: &Cli,
    curriculum: &Curriculum,
    only: Option<&str>,
    jobs: u16,
) -> Result<u8, Failure> {
    if let Some(id) = only {
        super::lab::find_lab(curriculum, id)?;
    }
    let parts = crate::runner::wiring::mock_parts();
    let scratch = std::env::temp_dir().join(format!("sflab-dev-check-{}", std::process::id()));
    crate::fsutil::create_private_dir(&scratch)
        .map_err(|e| Failure::usage(format!("could not create a scratch folder: {e}")))?;
    // A stopping signal ends the learners' processes and removes the scratch folder (it
    // holds a CA key) before the command exits with the signal's status.
    let on_stop = {
        let scratch = scratch.clone();
        move |why: super::signals::Stop| {
            crate::runner::selfcheck_jobs::stop_taking_cases();
            // A case still going may start its next run or write a file as its run ends: its
            // processes are ended and the folder removed until it stays gone (a few seconds
            // at most).
            let until = std::time::Instant::now() + std::time::Duration::from_secs(3);
            let said = loop {
                let sweep = crate::runner::leftovers::end_marked(
                    &crate::runner::leftovers::Marker::EveryRunOfThisProcess,
                    None,
                );
                let _ = std::fs::remove_dir_all(&scratch);
                if !scratch.exists() || std::time::Instant::now() > until {
                    break sweep.survivors_said("processes");
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            };
            let left = match said {
                said if said.is_empty() => said,
                said => format!("; {said}"),
            };
            eprintln!("\nsflab: dev check stopped by {}{left}.", why.name());
            std::process::exit(i32::from(why.code()));
        }
    };
    if let Err(e) = super::signals::on_stop(on_stop, || {}) {
        eprintln!("sflab: Ctrl-C will not clean up after dev check ({e})");
    }
    let files = files_of(cli);
    let labs: Vec<&LabMeta> = curriculum
        .labs
        .iter()
        .filter(|l| only.is_none_or(|o| o == l.id))
        .collect();
    let ids: Vec<&str> = labs.iter().map(|l| l.id.as_str()).collect();
    let count = labs.len();
    outln!(
        "Checking {count} lab{} from {}{}",
        if count == 1 { "" } else { "s" },
        files.origin(),
        if count > 1 && jobs > 1 {
            format!(", {jobs} at a time")
        } else {
            String::new()
        }
    );
    // Each lab's cases are printed as soon as it and the labs before it are done (a whole
    // run takes minutes).
    let mut results = Vec::new();
    let mut bad = 0;
    dev_check_labs(
        files.as_ref(),
        curriculum,
        &parts,
        &scratch,
        &ids,
        jobs,
        |id, done| {
            for r in &done {
                match &r.problem {
                    None => outln!("  ✓ {:<28} {}", r.lab, r.case),
                    Some(p) => {
                        bad += 1;
                        outln!("  ✗ {:<28} {}", r.lab, r.case);
                        for line in p.lines() {
                            outln!("      {line}");
                        }
                    }
                }
            }
            // What goes against the README without breaking the lab: said, not counted.
            let lab = labs.iter().find(|l| l.id == id);
            let warned = lab.and_then(|lab| {
                let spec = crate::lab::spec::parse(&format!("{}/lab.yaml", lab.dir), &lab.yaml);
                spec.ok()
                    .map(|spec| crate::runner::selfcheck::lab_warnings(&spec, &lab.yaml))
            });
            let seen = done.iter().flat_map(|r| r.warnings.iter().cloned());
            for warning in warned.into_iter().flatten().chain(seen) {
                outln!("  ! warning: {warning}");
            }
            results.extend(done);
        },
    );
    let _ = std::fs::remove_dir_all(&scratch);
    outln!(
        "{}",
        crate::runner::selfcheck::outcome_line(bad, results.len())
    );
    Ok(if bad == 0 { 0 } else { 1 })
}
