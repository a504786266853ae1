//! Grading a batch: each submission in its own sandbox folder (a fresh workspace with the
//! learner's copied files), against its own mock org, through the one runner entry point
//! [`run_lab`], with a clean environment, the lab's timeout, an output cap and process-group
//! kill that also ends what a run detached from its group (all enforced by the runner). Up to `jobs` submissions run at once; results come back
//! in the sorted order whatever finishes first, so the same input gives the same gradebook.
//!
//! Implementation notes:
//! - Every sandbox gets the same redaction key, so one secret has one marker across the batch.
//! - What comes back (the runs' output and notes, verdicts, why a program could not run)
//!   names the submission's files as its own (`./middleware.py`), never by the sandbox's
//!   random path ([`SandboxPaths`]): grading the same folder twice says the same thing.
//! - A learner's process runs as the grader's user; there is no OS-level sandbox. What keeps
//!   submissions apart is that each works in its own temporary copy (the original folder is
//!   never written) with `HOME` and `TMPDIR` inside that copy's sandbox. Files a submission
//!   writes beside its lab folder are listed as `stray` so an instructor sees the attempt.
//!   Sandbox names end in a random part and the CLI makes the scratch folder unlistable
//!   (mode 0300), so a submission running at the same time as another cannot find its files
//!   by listing its parent folder. A process that chmods the folder back could; grading code
//!   from people who would do that needs an OS sandbox (a separate user or a container).

use super::left_out::{LeftOut, Skipped};
use super::rubric::Rubric;
use super::sandbox_paths::SandboxPaths;
use super::submission::{file_stem, prepare_copy, CopyNotes, Submission};
use crate::lab::LabSpec;
use crate::runner::files_only::judge_files_only;
use crate::runner::{run_lab, Parts, Report, RunError, RunOptions};
use crate::workspace::Workspace;
use futures::StreamExt;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How a batch is graded.
#[derive(Clone)]
pub struct GradeOptions {
    pub parts: Parts,
    /// Submissions graded at the same time (at least 1).
    pub jobs: usize,
    /// Overrides the lab's `run.timeout` for every run.
    pub timeout: Option<Duration>,
    pub output_cap: usize,
    /// HTTPS with a per-sandbox CA (default) or plain HTTP.
    pub tls: bool,
    /// Where sandboxes are made; each is removed after its submission is graded.
    pub scratch: PathBuf,
    /// The lab's harness files (starter files not listed under `files:` nor in a folder the
    /// lab deploys), from the curriculum.
    pub harness: Vec<(String, Vec<u8>)>,
    /// The redaction key every sandbox uses.
    pub redaction_key: [u8; 32],
}

/// Why a submission has no report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GradeError {
    /// The submission itself cannot be run (no `./run`, a bad interpreter line): zero points.
    Submission(String),
    /// sflab could not grade it (tools missing, the org or proxy failed): grade again.
    Grader(String),
    /// It was handed in as an archive, which sflab does not open: not graded until it is
    /// unpacked into a folder (see [`super::archive`]).
    Archive(String),
}

impl GradeError {
    pub fn message(&self) -> &str {
        match self {
            GradeError::Submission(m) | GradeError::Grader(m) | GradeError::Archive(m) => m,
        }
    }

    /// Whether the submission still needs grading (sflab could not, or it was an archive),
    /// as opposed to one graded with zero points.
    pub fn not_graded(&self) -> bool {
        !matches!(self, GradeError::Submission(_))
    }
}

/// One graded submission.
#[derive(Debug, Clone)]
pub struct SubmissionGrade {
    pub name: String,
    pub dir: PathBuf,
    pub result: Result<Report, GradeError>,
    /// Bytes kept of the start of each run's stdout and of its stderr (the runs' output cap).
    pub output_cap: usize,
    /// Why the program could not run, when it could not: its report then holds only the
    /// checks judged from its files (see [`crate::runner::files_only`]).
    pub not_run: Option<String>,
    pub copy: CopyNotes,
    /// What the lead and the learner are told about the hand-in itself: graded from the one
    /// folder it holds, files whose secrets `sflab report` masked ([`super::masked`]).
    pub hand_in_notes: Vec<String>,
    /// Files the submission wrote in its sandbox outside its own lab folder.
    pub stray: Vec<String>,
    /// Exchanges of its traffic the gradebook does not keep ([`keep_ends_of_traffic`]), after
    /// the checks judged all of them.
    pub exchanges_left_out: usize,
    /// Wall time of the whole grading of this submission.
    pub wall: Duration,
    /// Wall time minus the time the learner's own processes ran: what grading costs.
    pub overhead: Duration,
}

impl SubmissionGrade {
    /// Points per rubric item, in rubric order (zero everywhere when it could not be graded).
    pub fn item_points(&self, rubric: &Rubric) -> Vec<Option<u32>> {
        match &self.result {
            Ok(r) => rubric
                .items
                .iter()
                .enumerate()
                .map(|(i, _)| {
                    r.verdicts.get(i).and_then(|v| {
                        (!matches!(v.status, crate::rules::VerdictStatus::NotApplicable { .. }))
                            .then_some(v.points_awarded)
                    })
                })
                .collect(),
            Err(_) => rubric.items.iter().map(|_| Some(0)).collect(),
        }
    }

    pub fn points(&self) -> u32 {
        self.result.as_ref().map_or(0, |r| r.points)
    }

    pub fn max_points(&self, rubric: &Rubric) -> u32 {
        self.result
            .as_ref()
            .map_or(rubric.max_points(), |r| r.max_points)
    }

    pub fn passed(&self) -> bool {
        self.not_run.is_none() && self.result.as_ref().is_ok_and(|r| r.passed)
    }

    /// Whether the check of `rule` was judged: every check is, but those of a submission whose
    /// program did not run, except the ones that read only its files
    /// ([`crate::runner::judge::FILE_RULES`]). A check not judged failed only for want of a run:
    /// the gradebook does not show it as a failure (a secret gate as a leak).
    pub fn judged(&self, rule: &str) -> bool {
        self.not_run.is_none() || crate::runner::judge::FILE_RULES.contains(&rule)
    }

    /// Why the submission has no full grade: its program did not run, or sflab could not
    /// grade it.
    pub fn problem(&self) -> Option<&str> {
        self.not_run
            .as_deref()
            .or_else(|| self.result.as_ref().err().map(GradeError::message))
    }

    /// The files the graded copy left out that the learner and the lead are told about (see
    /// [`super::left_out`]). A `run` left out is not among them: [`Self::problem`] already
    /// says why the program could not run.
    pub fn left_out(&self) -> Vec<&Skipped> {
        self.copy
            .skipped
            .iter()
            .filter(|s| s.why.is_named())
            .filter(|s| !(s.path == "run" && self.not_run.is_some()))
            .collect()
    }

    /// Which runs of the program did not finish in time and were stopped:
    /// `run 1 stopped after 3.0 s`.
    pub fn timed_out(&self) -> Option<String> {
        let runs = &self.result.as_ref().ok()?.runs;
        let stopped: Vec<String> = runs
            .iter()
            .filter(|r| r.timed_out)
            .map(|r| {
                format!(
                    "run {} stopped after {:.1} s",
                    r.index + 1,
                    r.duration_ms as f64 / 1000.0
                )
            })
            .collect();
        (!stopped.is_empty()).then(|| format!("timed out: {}", stopped.join(", ")))
    }
}

/// Every submission of a batch, in sorted order, with the rubric they were graded by.
#[derive(Debug, Clone)]
pub struct Gradebook {
    pub rubric: Rubric,
    pub grades: Vec<SubmissionGrade>,
}

/// Exchanges kept in full at the start of a submission's traffic in the gradebook.
pub const EXCHANGES_KEPT_FIRST: usize = 200;
/// Exchanges kept in full at its end (a program's last calls are where it usually failed).
pub const EXCHANGES_KEPT_LAST: usize = 50;
/// Of the exchanges a verdict names as its evidence, how many more are kept (its first ones).
pub const EVIDENCE_KEPT_PER_VERDICT: usize = 10;

/// What the gradebook keeps of a long traffic, as its notes word it.
pub fn kept_of_a_long_traffic() -> String {
    format!(
        "the first {EXCHANGES_KEPT_FIRST} and the last {EXCHANGES_KEPT_LAST} exchanges, and the first {EVIDENCE_KEPT_PER_VERDICT} each check names as its evidence"
    )
}

/// Bounds the traffic a graded report keeps, once its checks judged all of it, as a run's
/// output is bounded: the first [`EXCHANGES_KEPT_FIRST`] and last [`EXCHANGES_KEPT_LAST`]
/// exchanges, and the first [`EVIDENCE_KEPT_PER_VERDICT`] each verdict names. A hand-in that
/// floods the org (thousands of calls in a loop) would otherwise make a gradebook of tens of
/// megabytes, held in memory until the batch is written. Returns how many were left out.
pub fn keep_ends_of_traffic(report: &mut Report) -> usize {
    let total = report.exchanges.len();
    if total <= EXCHANGES_KEPT_FIRST + EXCHANGES_KEPT_LAST {
        return 0;
    }
    let named: BTreeSet<u64> = report
        .verdicts
        .iter()
        .flat_map(|v| v.evidence.iter().take(EVIDENCE_KEPT_PER_VERDICT).copied())
        .collect();
    let last_from = total - EXCHANGES_KEPT_LAST;
    let mut i = 0;
    report.exchanges.retain(|e| {
        let keep = i < EXCHANGES_KEPT_FIRST || i >= last_from || named.contains(&e.seq);
        i += 1;
        keep
    });
    report.exchanges.shrink_to_fit();
    total - report.exchanges.len()
}

/// The note for a hand-in graded from the one folder it holds ([`Submission::wrapped_in`]).
fn wrapped_note(folder: &str) -> String {
    format!(
        "Graded from `{folder}/`, the one folder the hand-in holds: its `run` is there rather than at the top (as an archive of the lab folder unpacked into a folder of its own leaves it)."
    )
}

fn classify(e: RunError, copy: &CopyNotes, run_is_folder: bool) -> GradeError {
    match e {
        // Said for the instructor, about the submission: not the sandbox's temporary path,
        // not the learner's `sflab reset` advice.
        RunError::Process(crate::runner::process::ProcessError::NoEntryPoint(_))
            if run_is_folder =>
        {
            GradeError::Submission(
                "the submission's `run` is a folder, not a file: the lab's entry point is a `./run` file (a script or program) at the top of the submitted lab folder; move the files of `run/` up and make `run` the script itself.".into(),
            )
        }
        RunError::Process(crate::runner::process::ProcessError::NoEntryPoint(_)) => {
            // A `run` that is there but was not copied is named for what it is, not as missing.
            let left_out = copy.skipped.iter().find(|f| f.path == "run").map(|f| f.why);
            GradeError::Submission(match left_out {
                Some(LeftOut::Link) => "the submission's `run` is a symbolic link, which grading does not follow: hand in the file itself.".into(),
                Some(LeftOut::NotRegular) => "the submission's `run` is not a regular file (a pipe, socket or device), which grading does not copy: hand in the script or program itself.".into(),
                Some(other) => format!(
                    "the submission's `run` was left out of the graded copy ({}): hand in a `run` file the copy keeps.",
                    other.rule()
                ),
                None => format!(
                    "the submission has no `run` file: the lab's entry point is `./run` at the top of the submitted lab folder{}.",
                    found_instead(copy)
                ),
            })
        }
        RunError::Process(p) => GradeError::Submission(p.to_string()),
        RunError::NotStarted { .. } => GradeError::Submission(
            "the submission folder could not be found when it was graded".into(),
        ),
        other => GradeError::Grader(other.to_string()),
    }
}

/// What a hand-in without `./run` holds instead, as the rest of the reason: a `run` deeper
/// down (the shallowest one), else an archive sflab does not open. Empty when neither.
fn found_instead(copy: &CopyNotes) -> String {
    let all = || {
        copy.copied
            .iter()
            .map(String::as_str)
            .chain(copy.skipped.iter().map(|s| s.path.as_str()))
    };
    let deeper = all()
        .filter(|p| p.rsplit('/').next() == Some("run") && p.contains('/'))
        .min_by_key(|p| (p.matches('/').count(), p.to_string()));
    if let Some(run) = deeper {
        return format!(
            "; found `{run}`: hand-ins must have ./run at their top, so move the files of `{}/` up to the submission folder",
            run.trim_end_matches("/run")
        );
    }
    let file_name = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    match all().find(|p| super::archive::is_archive(&file_name(p))) {
        Some(archive) => format!(
            "; found the archive `{archive}`, which sflab does not open: unpack it and move its files so that its `run` is at the top of the submission folder"
        ),
        None => String::new(),
    }
}

fn entries(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Grades one submission in its own sandbox under `options.scratch`.
pub async fn grade_one(
    lab: &LabSpec,
    sub: &Submission,
    position: usize,
    options: &GradeOptions,
) -> SubmissionGrade {
    let clock = Instant::now();
    let root = options.scratch.join(format!(
        "{position:04}-{}-{}",
        file_stem(&sub.name),
        uuid::Uuid::new_v4().simple()
    ));
    let _ = std::fs::remove_dir_all(&root);
    let lab_dir = root.join(&lab.id);
    let mut grade = SubmissionGrade {
        name: sub.name.clone(),
        dir: sub.dir.clone(),
        result: Err(GradeError::Grader("not graded".into())),
        output_cap: options.output_cap,
        not_run: None,
        copy: CopyNotes::default(),
        hand_in_notes: Vec::new(),
        stray: Vec::new(),
        exchanges_left_out: 0,
        wall: Duration::ZERO,
        overhead: Duration::ZERO,
    };
    if let Some(folder) = sub.wrapped_in(&lab.id) {
        grade.hand_in_notes.push(wrapped_note(&folder));
    }
    let handed_in = sub.lab_folder(&lab.id);
    // A report folder (`sflab report`) holds only the labs the learner had started.
    let not_in_report = !handed_in.exists()
        && handed_in
            .parent()
            .is_some_and(|p| p.file_name().is_some_and(|n| n == "labs"));
    let prepared = Workspace::at(&root)
        .map_err(|e| {
            GradeError::Grader(format!(
                "could not make a sandbox in {}: {e}",
                root.display()
            ))
        })
        .and_then(|ws| {
            crate::fsutil::write_private_atomic(
                &ws.state_dir().join("redaction.key"),
                &options.redaction_key,
            )
            .map_err(|e| GradeError::Grader(format!("could not write the sandbox's key: {e}")))?;
            let notes = prepare_copy(&handed_in, &lab_dir, &options.harness)
                .map_err(|e| GradeError::Grader(e.to_string()))?;
            Ok((ws, notes))
        });
    match prepared {
        Err(e) => grade.result = Err(e),
        Ok((ws, notes)) => {
            grade
                .hand_in_notes
                .extend(super::masked::note(&super::masked::masked_files(
                    &lab_dir,
                    &notes.copied,
                    &options.harness,
                    &sub.dir,
                    &lab.id,
                )));
            let run_is_folder = lab_dir.join("run").is_dir();
            grade.copy = notes;
            let paths = SandboxPaths::new(&root, &lab_dir);
            let before = entries(&root);
            let mut run = RunOptions::new(ws, options.parts.clone());
            run.lab_dir = Some(lab_dir.clone());
            run.record = false;
            run.clean_env = true;
            run.tls = options.tls;
            run.timeout = options.timeout;
            run.output_cap = options.output_cap;
            grade.result = run_lab(lab, &run).await.map_err(|e| {
                match classify(e, &grade.copy, run_is_folder) {
                    GradeError::Submission(_) if not_in_report => GradeError::Submission(
                        super::report_folder::why_no_lab_folder(&sub.dir, &lab.id),
                    ),
                    other => other,
                }
            });
            // The gradebook lists the copied files: a secret used as a file name is masked.
            let names = crate::redact::Redactor::new(&options.redaction_key);
            grade.copy.copied = grade.copy.copied.iter().map(|p| names.path(p)).collect();
            if let Err(GradeError::Submission(why)) = &grade.result {
                let why = paths.shown(why);
                let by_files = judge_files_only(lab, &run, why.trim_end_matches('.')).await;
                grade.result = by_files.map_err(|e| GradeError::Grader(e.to_string()));
                grade.not_run = Some(why);
            }
            match &mut grade.result {
                Ok(report) => {
                    paths.apply(report);
                    grade.exchanges_left_out = keep_ends_of_traffic(report);
                }
                Err(GradeError::Grader(m) | GradeError::Submission(m) | GradeError::Archive(m)) => {
                    *m = paths.shown(m)
                }
            }
            // Named in every output as the copied files are: a secret as a name is masked.
            grade.stray = entries(&root)
                .difference(&before)
                .map(|n| names.path(&format!("../{n}")))
                .collect();
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    grade.wall = clock.elapsed();
    let learner: u64 = grade
        .result
        .as_ref()
        .map(|r| r.runs.iter().map(|x| x.duration_ms).sum())
        .unwrap_or(0);
    grade.overhead = grade.wall.saturating_sub(Duration::from_millis(learner));
    grade
}

/// Grades `subs` (already sorted and sharded), `options.jobs` at a time; `on_done` is told
/// about each one as it finishes (for a progress bar). Results are in the order of `subs`.
pub async fn grade_all(
    lab: &LabSpec,
    subs: &[Submission],
    options: &GradeOptions,
    on_done: &(dyn Fn(usize, &SubmissionGrade) + Sync),
) -> Gradebook {
    let jobs = options.jobs.max(1);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let grades: Vec<SubmissionGrade> = futures::stream::iter(subs.iter().enumerate())
        .map(|(i, s)| {
            let done = &done;
            async move {
                let g = grade_one(lab, s, i, options).await;
                let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                on_done(n, &g);
                g
            }
        })
        .buffered(jobs)
        .collect()
        .await;
    Gradebook {
        rubric: Rubric::of(lab),
        grades,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::process::ProcessError;

    fn no_run(copied: &[&str]) -> String {
        no_run_file(copied, false)
    }

    fn no_run_file(copied: &[&str], run_is_folder: bool) -> String {
        let copy = CopyNotes {
            copied: copied.iter().map(|p| p.to_string()).collect(),
            skipped: Vec::new(),
        };
        let e = classify(
            RunError::Process(ProcessError::NoEntryPoint(PathBuf::from("/tmp/x"))),
            &copy,
            run_is_folder,
        );
        e.message().to_string()
    }

    #[test]
    fn a_flooding_hand_ins_gradebook_keeps_the_ends_of_its_traffic_and_what_the_checks_name() {
        let exchanges: Vec<_> = (1..=5000)
            .map(|n| {
                let mut e = crate::rules::fixture::req("GET", "/services/data/v62.0/query", 200);
                e.seq = n;
                e
            })
            .collect();
        let budget = crate::rules::Verdict::fail("http.calls_at_most", 1, "Made 5000 requests.")
            .with_evidence(1..=5000);
        let upsert = crate::rules::Verdict::fail("rest.upsert", 1, "x").with_evidence([2500]);
        let mut report = Report::new(
            "lab",
            "mock",
            vec![budget, upsert],
            exchanges,
            Vec::new(),
            chrono::Utc::now(),
            Duration::ZERO,
        );
        let left_out = keep_ends_of_traffic(&mut report);
        let kept: Vec<u64> = report.exchanges.iter().map(|e| e.seq).collect();
        assert_eq!(kept.len(), 251, "{kept:?}");
        assert_eq!(left_out, 5000 - 251);
        assert_eq!(kept[..3], [1, 2, 3]);
        assert!(kept.contains(&200) && !kept.contains(&201), "the first 200");
        assert!(kept.contains(&2500), "the exchange a check names");
        assert!(kept.contains(&4951) && !kept.contains(&4950), "the last 50");
        // The verdicts, judged on the whole traffic, are untouched.
        assert_eq!(report.verdicts[0].evidence.len(), 5000);
        // A short traffic is kept whole.
        let mut short = Report::new(
            "lab",
            "mock",
            Vec::new(),
            report.exchanges[..20].to_vec(),
            Vec::new(),
            chrono::Utc::now(),
            Duration::ZERO,
        );
        assert_eq!(keep_ends_of_traffic(&mut short), 0);
        assert_eq!(short.exchanges.len(), 20);
    }

    #[test]
    fn a_run_that_is_a_symbolic_link_is_named_as_a_link_to_replace_not_a_missing_file() {
        let copy = CopyNotes {
            copied: Vec::new(),
            skipped: vec![Skipped {
                path: "run".into(),
                why: LeftOut::Link,
            }],
        };
        let e = classify(
            RunError::Process(ProcessError::NoEntryPoint(PathBuf::from("/tmp/x"))),
            &copy,
            false,
        );
        assert_eq!(
            e.message(),
            "the submission's `run` is a symbolic link, which grading does not follow: hand in the file itself."
        );
    }

    #[test]
    fn a_run_that_is_a_folder_is_named_as_a_folder_not_a_missing_file() {
        let said = no_run_file(&["run/main.py", "run/run.sh"], true);
        assert!(
            said.starts_with("the submission's `run` is a folder, not a file")
                && !said.contains("has no `run` file"),
            "{said}"
        );
    }

    #[test]
    fn a_hand_in_without_run_at_its_top_names_the_run_found_deeper_or_the_archive() {
        let nested = no_run(&[
            "My Project/src/middleware.py",
            "My Project/src/run",
            "My Project/tests/deep/run",
        ]);
        assert!(
            nested.contains("found `My Project/src/run`: hand-ins must have ./run at their top")
                && nested.contains("move the files of `My Project/src/` up"),
            "{nested}"
        );
        let archived = no_run(&["frank.tar.gz"]);
        assert!(
            archived.contains("found the archive `frank.tar.gz`, which sflab does not open: unpack it and move its files so that its `run` is at the top"),
            "{archived}"
        );
        assert_eq!(
            no_run(&["notes.txt"]),
            "the submission has no `run` file: the lab's entry point is `./run` at the top of the submitted lab folder."
        );
    }
}
