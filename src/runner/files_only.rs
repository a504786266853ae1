//! Judging a submission that cannot run (no `./run`, or one that cannot start): the checks
//! that read only the lab folder's files ([`FILE_RULES`]: design tables, secrets in the
//! sources) are judged as usual; every other check fails, saying the program did not run.
//! So a submission without a `run` file scores what its documents earn, like one whose
//! program crashes at once.

use super::attempt::{handed_secrets, redaction_key, with_points, RunError, RunOptions};
use super::judge::FILE_RULES;
use super::lab_files::read_lab_files;
use super::report::Report;
use crate::evidence::Evidence;
use crate::lab::LabSpec;
use crate::redact::Redactor;
use crate::rules::Verdict;

/// The report of an attempt whose program did not run because of `why` (said for the
/// instructor, e.g. "the submission has no `run` file").
pub async fn judge_files_only(
    lab: &LabSpec,
    options: &RunOptions,
    why: &str,
) -> Result<Report, RunError> {
    let started_at = chrono::Utc::now();
    let clock = std::time::Instant::now();
    let ws = &options.workspace;
    let dir = options
        .lab_dir
        .clone()
        .unwrap_or_else(|| ws.lab_dir(&lab.id));
    let redactor = Redactor::new(&redaction_key(ws)?);
    for (kind, value) in handed_secrets(lab) {
        redactor.add_secret(kind, &value);
    }
    // The mock org's own credentials are secrets a learner may have pasted into a file (a
    // sandbox is not contacted for a program that does not run).
    let mock = options.org.backend() == crate::evidence::Backend::Mock;
    let org = match mock {
        true => options.org.prepare(lab).await.ok(),
        false => None,
    };
    if let Some(org) = org {
        let _ = super::attempt::learn_credentials(&redactor, &org.credentials());
        org.shutdown().await;
    }
    let files = read_lab_files(&dir, &redactor);
    let evidence = Evidence {
        lab_id: lab.id.clone(),
        backend: options.org.backend(),
        sources: files.sources,
        secret_files: files.secret_files,
        too_large: files.too_large,
        unread: files.unread,
        secrets: redactor.known_secrets(),
        ..Evidence::default()
    };
    let verdicts = lab
        .checks
        .iter()
        .map(|c| {
            let v = if FILE_RULES.contains(&c.rule.as_str()) {
                options.judge.judge(c, &evidence, None)
            } else {
                Verdict::fail(
                    &c.rule,
                    c.points,
                    format!("Not judged: the program did not run ({why})."),
                )
            };
            with_points(v, c.points)
        })
        .collect();
    Ok(Report::new(
        &lab.id,
        evidence.backend.label(),
        verdicts,
        Vec::new(),
        Vec::new(),
        started_at,
        clock.elapsed(),
    ))
}
