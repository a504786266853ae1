//! `dev check` of many cases at once: every lab's cases (reference, starter, known-bad) are
//! shared out among a few worker threads, each with a runtime of its own, and the results
//! come back lab by lab in curriculum order.
//!
//! A case mostly waits — on the learner's processes, on events, on a fault's delay, on a
//! device-flow approval — so a curriculum checked one case at a time leaves the machine idle
//! most of the time. Each case already runs in its own folder against a fresh mock org on
//! ports of its own; what the cases share is the scratch workspace's CA, made here once
//! before any case starts (made by two cases at once, each could trust another key than the
//! one it signs with).

use super::parts::Parts;
use super::selfcheck::{plan_lab, run_case, scratch_workspace, CaseResult, LabPlan};
use crate::curriculum::{Curriculum, Files};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// How many cases a check runs at once by default: they mostly wait, and more at once on a
/// small machine slows the ones that time things.
pub const DEFAULT_JOBS: u16 = 3;

/// Checks each of `labs` (ids of `curriculum`) as [`super::selfcheck::dev_check`] does,
/// running `jobs` cases at a time (of one lab or of several), and calls `done` with each
/// lab's id and results in the order `labs` gives, each lab as soon as it and every lab
/// before it are finished.
pub fn dev_check_labs(
    files: &dyn Files,
    curriculum: &Curriculum,
    parts: &Parts,
    scratch: &Path,
    labs: &[&str],
    jobs: u16,
    mut done: impl FnMut(&str, Vec<CaseResult>),
) {
    let ws = match scratch_workspace(scratch) {
        Ok(ws) => ws,
        Err(problem) => return done("-", vec![problem]),
    };
    // The CA every case's proxy signs with and every learner's client trusts (a failure is
    // left for the first case to report, in its own words).
    let _ = crate::org::tls::LocalCa::load_or_create(&ws.root);
    // Each lab's cases, or the results that end its check before anything runs.
    let plans: Vec<LabPlan> = labs
        .iter()
        .map(|id| match curriculum.labs.iter().find(|l| l.id == *id) {
            Some(meta) => plan_lab(files, meta),
            None => Err(vec![CaseResult {
                lab: id.to_string(),
                case: "-".into(),
                problem: Some("no such lab in the curriculum".into()),
                warnings: Vec::new(),
            }]),
        })
        .collect();
    // Every case of every lab, as (lab, case) in report order.
    let work: Vec<(usize, usize)> = plans
        .iter()
        .enumerate()
        .flat_map(|(l, plan)| {
            let n = plan.as_ref().map_or(0, |(_, cases)| cases.len());
            (0..n).map(move |c| (l, c))
        })
        .collect();
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, CaseResult)>();
    std::thread::scope(|scope| {
        for _ in 0..usize::from(jobs).clamp(1, work.len().max(1)) {
            let (tx, next, work, plans, ws) = (tx.clone(), &next, &work, &plans, &ws);
            scope.spawn(move || {
                let rt = worker_runtime();
                take_each(next, work.len(), |i| {
                    let (l, c) = work[i];
                    let Ok((spec, cases)) = &plans[l] else {
                        return;
                    };
                    let result = match &rt {
                        Ok(rt) => rt.block_on(run_case(files, spec, ws, parts, &cases[c])),
                        Err(e) => CaseResult {
                            lab: spec.id.clone(),
                            case: cases[c].label(),
                            problem: Some(format!("could not start a runner for it: {e}")),
                            warnings: Vec::new(),
                        },
                    };
                    let _ = tx.send((i, result));
                });
            });
        }
        drop(tx);
        // Cases come back in any order; each lab is passed on once its cases and every
        // earlier lab's are in.
        let mut lab = 0;
        let mut results: Vec<CaseResult> = Vec::new();
        let mut pass_on_finished = |results: &mut Vec<CaseResult>, upto: usize| {
            while lab < upto {
                let mine = match &plans[lab] {
                    Err(problems) => problems.clone(),
                    Ok((_, cases)) => results.drain(..cases.len()).collect(),
                };
                done(labs[lab], mine);
                lab += 1;
            }
        };
        in_order(rx, |i, result| {
            results.push(result);
            // The lab of the next case not yet in: every lab before it is complete.
            let upto = work.get(i + 1).map_or(plans.len(), |&(l, _)| l);
            pass_on_finished(&mut results, upto);
        });
        pass_on_finished(&mut results, plans.len());
    });
}

/// Set when the command is stopping (Ctrl-C): no worker takes another case.
static STOPPING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes every worker stop taking cases; the ones running finish or are ended by the caller.
pub fn stop_taking_cases() {
    STOPPING.store(true, Ordering::SeqCst);
}

/// Calls `work` with each index below `count` that no other worker has taken yet, until the
/// command stops ([`stop_taking_cases`]).
fn take_each(next: &AtomicUsize, count: usize, mut work: impl FnMut(usize)) {
    loop {
        if STOPPING.load(Ordering::SeqCst) {
            return;
        }
        let i = next.fetch_add(1, Ordering::SeqCst);
        if i >= count {
            return;
        }
        work(i);
    }
}

/// Passes on what arrives as `(index, item)` in index order, holding back an item until every
/// index before it has come.
fn in_order<T>(rx: mpsc::Receiver<(usize, T)>, mut each: impl FnMut(usize, T)) {
    let mut waiting: BTreeMap<usize, T> = BTreeMap::new();
    let mut due = 0;
    for (i, item) in rx {
        waiting.insert(i, item);
        while let Some(item) = waiting.remove(&due) {
            each(due, item);
            due += 1;
        }
    }
}

fn worker_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_arriving_out_of_order_are_passed_on_in_index_order() {
        let (tx, rx) = mpsc::channel();
        for i in [2, 0, 3, 1] {
            tx.send((i, format!("lab {i}"))).unwrap();
        }
        drop(tx);
        let mut seen = Vec::new();
        in_order(rx, |i, item| seen.push((i, item)));
        let want: Vec<(usize, String)> = (0..4).map(|i| (i, format!("lab {i}"))).collect();
        assert_eq!(seen, want);
    }

    #[test]
    fn workers_take_each_index_once_between_them() {
        let next = AtomicUsize::new(0);
        let taken = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| take_each(&next, 50, |i| taken.lock().unwrap().push(i)));
            }
        });
        let mut taken = taken.into_inner().unwrap();
        taken.sort_unstable();
        assert_eq!(taken, (0..50).collect::<Vec<_>>());
    }
}
