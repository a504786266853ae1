//! `sflab dev check`: the author's proof that every lab works (see `runner::selfcheck`).

use super::lab::files_of;
use super::lab::outln;
use super::{Cli, Failure};
use crate::curriculum::Curriculum;
use crate::runner::selfcheck::dev_check;

pub fn check(cli: &Cli, curriculum: &Curriculum, only: Option<&str>) -> Result<u8, Failure> {
    if let Some(id) = only {
        super::lab::find_lab(curriculum, id)?;
    }
    let parts = crate::runner::wiring::mock_parts();
    let scratch = std::env::temp_dir().join(format!("sflab-dev-check-{}", std::process::id()));
    crate::fsutil::create_private_dir(&scratch)
        .map_err(|e| Failure::usage(format!("could not create a scratch folder: {e}")))?;
    let files = files_of(cli);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("could not start the runner: {e}")))?;
    let count = if only.is_some() {
        1
    } else {
        curriculum.labs.len()
    };
    outln!(
        "Checking {count} lab{} from {}",
        if count == 1 { "" } else { "s" },
        files.origin()
    );
    // Lab by lab, each lab's cases printed as soon as they are known (a whole run takes
    // minutes).
    let mut results = Vec::new();
    let mut bad = 0;
    let labs = curriculum
        .labs
        .iter()
        .filter(|l| only.is_none_or(|o| o == l.id));
    for lab in labs {
        let done = rt.block_on(dev_check(
            files.as_ref(),
            curriculum,
            &parts,
            &scratch,
            Some(&lab.id),
        ));
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
        if let Ok(spec) = crate::lab::spec::parse(&format!("{}/lab.yaml", lab.dir), &lab.yaml) {
            for warning in crate::runner::selfcheck::lab_warnings(&spec) {
                outln!("  ! warning: {warning}");
            }
        }
        results.extend(done);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if bad == 0 {
        outln!("All {} cases behave as the curriculum says.", results.len());
        Ok(0)
    } else {
        outln!("{bad} of {} cases do not.", results.len());
        Ok(1)
    }
}
