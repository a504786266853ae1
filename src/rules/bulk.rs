//! `bulk.*` rules over Bulk API 2.0 traffic: the failed rows of an ingest job were fetched, and
//! every `Sforce-Locator` a query job handed out was followed to the next page.
//!
//! Both read only recorded exchanges, so they judge a sandbox run the same way as a mock run.

use super::cx::{is_success, plural, show, Cx};
use super::Verdict;
use crate::evidence::Exchange;
use crate::matcher::path_matches;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

const INGEST_JOB: &str = "/services/data/*/jobs/ingest/*";
const INGEST_FAILED: &str = "/services/data/*/jobs/ingest/*/failedResults";
const QUERY_RESULTS: &str = "/services/data/*/jobs/query/*/results";

/// The job id segment of a `…/jobs/<kind>/<id>[/…]` path.
fn job_id(path: &str) -> Option<&str> {
    let mut segs = path.split('/').skip_while(|s| *s != "jobs").skip(2);
    segs.next().filter(|s| !s.is_empty())
}

/// The last job of `kind` (`ingest`, `query`) whose polled info said it ended `Failed` or
/// `Aborted`, as a sentence naming the job, its state, the poll that said so and the job's
/// `errorMessage`; with that poll's seq. A job that ended so holds no rows to fetch, so the
/// rules that look for them say why instead of asking for a poll that was made.
fn ended_without_rows(cx: &Cx, kind: &str) -> Option<(String, u64)> {
    let job_info = format!("/services/data/*/jobs/{kind}/*");
    cx.ev.exchanges.iter().rev().find_map(|e| {
        if !e.method().eq_ignore_ascii_case("GET") || !path_matches(&job_info, e.path()) {
            return None;
        }
        let info = e.response_json()?;
        let state = info.get("state")?.as_str()?;
        if state != "Failed" && state != "Aborted" {
            return None;
        }
        let id = job_id(e.path()).unwrap_or("?");
        let said = info
            .get("errorMessage")
            .and_then(|m| m.as_str())
            .filter(|m| !m.trim().is_empty())
            .map_or_else(
                || " with no errorMessage".to_string(),
                |m| format!(", saying \"{}\"", m.trim()),
            );
        // No second full stop after a quoted message that ends with one.
        let stop = if said.ends_with(".\"") { "" } else { "." };
        let why = if state == "Failed" {
            "A Failed job processed no row, so there are no results to fetch: fix what the message names (the job's settings or the uploaded data) and run a new job."
        } else {
            "An aborted job processed no row, so there are no results to fetch: let the job run to JobComplete before you read its results."
        };
        Some((
            format!(
                "{} job {id} ended {state} ({}){said}{stop} {why}",
                if kind == "ingest" { "Ingest" } else { "Query" },
                show(e)
            ),
            e.seq,
        ))
    })
}

const INGEST_RESULTS: [&str; 2] = [
    INGEST_FAILED,
    "/services/data/*/jobs/ingest/*/successfulResults",
];

/// The job's `state` in an answer about it (a poll, or the PATCH that closed it).
fn state_of(e: &Exchange) -> Option<String> {
    Some(e.response_json()?.get("state")?.as_str()?.to_string())
}

/// The data rows of a results CSV an exchange was answered with (its lines after the header).
fn rows_answered(e: &Exchange) -> usize {
    e.response
        .as_ref()
        .map_or(0, |r| r.body.text.lines().count().saturating_sub(1))
}

/// The first successful fetch of an ingest job's failed or successful results made while the
/// org's last answer about that job (a poll or the close, before the fetch) gave a state other
/// than JobComplete, with that answer.
fn fetched_unfinished<'a>(cx: &Cx<'a>) -> Option<(&'a Exchange, &'a Exchange)> {
    cx.ev.exchanges.iter().find_map(|fetch| {
        if !fetch.method().eq_ignore_ascii_case("GET")
            || !INGEST_RESULTS.iter().any(|p| path_matches(p, fetch.path()))
            || !is_success(fetch)
        {
            return None;
        }
        let id = job_id(fetch.path())?;
        let said = cx.ev.exchanges.iter().rev().find(|e| {
            e.seq < fetch.seq
                && path_matches(INGEST_JOB, e.path())
                && job_id(e.path()) == Some(id)
                && is_success(e)
                && state_of(e).is_some()
        })?;
        (state_of(said)?.as_str() != "JobComplete").then_some((fetch, said))
    })
}

/// Job states whose counts are not final: a job InProgress reports the rows processed (and
/// failed) so far, growing batch by batch.
const UNFINISHED: [&str; 3] = ["Open", "UploadComplete", "InProgress"];

/// `bulk.failed_results_fetched`: some ingest job reported failed records once it had finished,
/// and for each such job a successful `GET …/failedResults` was made after the report. Failed
/// records counted while the job was still running are no report: the results fetched then
/// hold only the rows failed so far.
pub(crate) fn failed_results_fetched(cx: &Cx) -> Verdict {
    let mut with_failures: Vec<(String, &Exchange)> = Vec::new();
    for e in &cx.ev.exchanges {
        if !e.method().eq_ignore_ascii_case("GET") || !path_matches(INGEST_JOB, e.path()) {
            continue;
        }
        if state_of(e).is_some_and(|s| UNFINISHED.contains(&s.as_str())) {
            continue;
        }
        let failed = e
            .response_json()
            .and_then(|j| j.get("numberRecordsFailed").and_then(|n| n.as_u64()))
            .unwrap_or(0);
        if let Some(id) = job_id(e.path()) {
            if failed > 0 && !with_failures.iter().any(|(j, _)| j == id) {
                with_failures.push((id.to_string(), e));
            }
        }
    }
    if with_failures.is_empty() {
        if let Some((why, seq)) = ended_without_rows(cx, "ingest") {
            return cx.fail(why).with_evidence([seq]);
        }
        if let Some((fetch, said)) = fetched_unfinished(cx) {
            let id = job_id(fetch.path()).unwrap_or("?");
            let state = state_of(said).unwrap_or_default();
            let rows = rows_answered(fetch);
            return cx
                .fail(format!(
                    "Job {id}'s results were fetched at {}, before the job had finished: the org's last word on the job before then ({}) was state {state}, not JobComplete, so that answer held only the rows processed so far ({}), and no poll afterwards saw the job finish and report its failed records. Poll GET …/jobs/ingest/{id} until its state is JobComplete, read numberRecordsFailed there, then fetch …/failedResults.",
                    show(fetch),
                    show(said),
                    plural(rows, "row")
                ))
                .with_evidence([said.seq, fetch.seq]);
        }
        return cx.fail(
            "No ingest job was seen reporting failed records. Poll GET …/jobs/ingest/<id> until the job is JobComplete and read numberRecordsFailed; this lab's data has bad rows.",
        );
    }
    let mut proof = Vec::new();
    for (id, report) in &with_failures {
        let fetched = cx.ev.exchanges.iter().find(|e| {
            e.seq > report.seq
                && e.method().eq_ignore_ascii_case("GET")
                && path_matches(INGEST_FAILED, e.path())
                && job_id(e.path()) == Some(id.as_str())
                && is_success(e)
        });
        match fetched {
            Some(f) => proof.extend([report.seq, f.seq]),
            None => {
                // Fetched only before the job said it had failures: too early to hold them.
                let early = cx.ev.exchanges.iter().rev().find(|e| {
                    e.seq < report.seq
                        && e.method().eq_ignore_ascii_case("GET")
                        && path_matches(INGEST_FAILED, e.path())
                        && job_id(e.path()) == Some(id.as_str())
                        && is_success(e)
                });
                if let Some(early) = early {
                    let rows = rows_answered(early);
                    return cx
                        .fail(format!(
                            "Job {id}'s failed rows were fetched at {}, before the job had finished, so that answer held {} — then it reported failed records ({}). Poll GET …/jobs/ingest/{id} until its state is JobComplete, then fetch …/failedResults.",
                            show(early),
                            plural(rows, "failed row"),
                            show(report)
                        ))
                        .with_evidence([early.seq, report.seq]);
                }
                return cx
                    .fail(format!(
                        "Job {id} reported failed records ({}), but its failed rows were never fetched. GET …/jobs/ingest/{id}/failedResults returns them as CSV with sf__Error per row.",
                        show(report)
                    ))
                    .with_evidence([report.seq]);
            }
        }
    }
    cx.pass(format!(
        "{} reported failed records and you fetched the failed results of each.",
        if with_failures.len() == 1 {
            "The job".to_string()
        } else {
            format!("{} jobs", with_failures.len())
        }
    ))
    .with_evidence(proof)
}

/// `bulk.locators_followed`: every page of query results that carried a `Sforce-Locator` other
/// than `null` was followed by a request for the page at that locator.
pub(crate) fn locators_followed(cx: &Cx) -> Verdict {
    let pages: Vec<&Exchange> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| e.method().eq_ignore_ascii_case("GET") && path_matches(QUERY_RESULTS, e.path()))
        .filter(|e| is_success(e))
        .collect();
    if pages.is_empty() {
        if let Some((why, seq)) = ended_without_rows(cx, "query") {
            return cx.fail(why).with_evidence([seq]);
        }
        return cx.fail(
            "No query results were downloaded. GET …/jobs/query/<id>/results once the job is JobComplete.",
        );
    }
    let mut followed = Vec::new();
    for page in &pages {
        let Some(locator) = page.response_header("Sforce-Locator") else {
            continue;
        };
        let locator = locator.trim();
        if locator.is_empty() || locator == "null" {
            continue;
        }
        let next = pages.iter().find(|p| {
            p.seq > page.seq
                && job_id(p.path()) == job_id(page.path())
                && p.query_param("locator").as_deref() == Some(locator)
        });
        match next {
            Some(n) => followed.push(n.seq),
            None => {
                return cx
                    .fail(format!(
                        "{} answered with Sforce-Locator {locator}, but that page was never requested (…/results?locator={locator}). Keep going until the locator is null.",
                        show(page)
                    ))
                    .with_evidence([page.seq])
            }
        }
    }
    let seqs: Vec<u64> = pages.iter().map(|p| p.seq).collect();
    cx.pass(format!(
        "All {} result pages were downloaded; every locator was followed until it was null.",
        followed.len() + 1
    ))
    .with_evidence(seqs)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    const FAILED: &str = "{ rule: bulk.failed_results_fetched }";
    const JOB: &str = "/services/data/v62.0/jobs/ingest/750A";

    fn job_info(failed: u32) -> crate::evidence::Exchange {
        get(JOB, 200).response_body(&format!(
            r#"{{"id":"750A","state":"JobComplete","numberRecordsFailed":{failed}}}"#
        ))
    }

    #[test]
    fn failures_then_failed_results_passes() {
        let ev = evidence(vec![job_info(3), get(&format!("{JOB}/failedResults"), 200)]);
        assert_passes(FAILED, &ev);
    }

    #[test]
    fn failures_without_fetching_them_fails() {
        let ev = evidence(vec![
            job_info(3),
            get(&format!("{JOB}/successfulResults"), 200),
        ]);
        let v = assert_fails(FAILED, &ev);
        assert!(v.message.contains("failedResults"), "{}", v.message);
    }

    #[test]
    fn fetching_before_the_report_or_without_any_report_fails() {
        let early = get(&format!("{JOB}/failedResults"), 200)
            .response_body("\"sf__Id\",\"sf__Error\",\"Name\"\n");
        let ev = evidence(vec![early, job_info(2)]);
        let v = assert_fails(FAILED, &ev);
        assert!(
            v.message.contains("fetched at #1 GET")
                && v.message
                    .contains("before the job had finished, so that answer held 0 failed rows"),
            "an early fetch is named as early, not as missing: {}",
            v.message
        );
        let ev = evidence(vec![job_info(0), get(&format!("{JOB}/failedResults"), 200)]);
        assert_fails(FAILED, &ev);
    }

    #[test]
    fn results_fetched_while_the_org_said_the_job_was_unfinished_are_named_as_early() {
        let closed =
            req("PATCH", JOB, 200).response_body(r#"{"id":"750A","state":"UploadComplete"}"#);
        let polled = get(JOB, 200)
            .response_body(r#"{"id":"750A","state":"UploadComplete","numberRecordsFailed":0}"#);
        let early = get(&format!("{JOB}/failedResults"), 200)
            .response_body("\"sf__Id\",\"sf__Error\",\"Name\"\n");
        let v = assert_fails(FAILED, &evidence(vec![closed, polled, early]));
        assert!(
            v.message.contains("before the job had finished")
                && v.message.contains("(#2 GET")
                && v.message.contains("state UploadComplete, not JobComplete")
                && v.message
                    .contains("held only the rows processed so far (0 rows)"),
            "{}",
            v.message
        );
        assert!(
            !v.message.contains("No ingest job was seen"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![2, 3]);
        // Fetched after a poll that said JobComplete: not early, just no failures seen.
        let done = get(JOB, 200)
            .response_body(r#"{"id":"750A","state":"JobComplete","numberRecordsFailed":0}"#);
        let v = assert_fails(
            FAILED,
            &evidence(vec![done, get(&format!("{JOB}/successfulResults"), 200)]),
        );
        assert!(
            v.message.contains("No ingest job was seen"),
            "{}",
            v.message
        );
    }

    #[test]
    fn failures_counted_while_the_job_runs_are_not_its_report() {
        // A poll loop that stops at the first failed row: the job is still InProgress, so the
        // failed results fetched then hold the rows failed so far, not all of them.
        let running = get(JOB, 200).response_body(
            r#"{"id":"750A","state":"InProgress","numberRecordsProcessed":4000,"numberRecordsFailed":6}"#,
        );
        let early = get(&format!("{JOB}/failedResults"), 200)
            .response_body("\"sf__Id\",\"sf__Error\",\"Name\"\n,oops,A\n,oops,B\n");
        let v = assert_fails(FAILED, &evidence(vec![running.clone(), early.clone()]));
        assert!(
            v.message.contains("before the job had finished")
                && v.message.contains("state InProgress, not JobComplete")
                && v.message.contains("(2 rows)"),
            "{}",
            v.message
        );
        // Polled on to JobComplete, then fetched: the report that counts is the finished one.
        let ev = evidence(vec![
            running.clone(),
            job_info(70),
            get(&format!("{JOB}/failedResults"), 200),
        ]);
        assert_passes(FAILED, &ev);
        // Fetched early and never again: named as early, beside the finished job's report.
        let v = assert_fails(FAILED, &evidence(vec![running, early, job_info(70)]));
        assert!(
            v.message
                .contains("before the job had finished, so that answer held 2 failed rows"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_job_that_ended_failed_is_named_with_its_error_message_not_asked_to_be_polled() {
        let failed = get(JOB, 200).response_body(
            r#"{"id":"750A","state":"Failed","numberRecordsFailed":0,"errorMessage":"ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is CRLF"}"#,
        );
        let v = assert_fails(FAILED, &evidence(vec![job_info(0), failed]));
        assert!(
            v.message.contains("Ingest job 750A ended Failed (#2 GET")
                && v.message
                    .contains("\"ClientInputError : LineEnding is invalid"),
            "{}",
            v.message
        );
        assert!(!v.message.contains("Poll"), "{}", v.message);
        assert_eq!(v.evidence, vec![2]);
        let aborted = get(JOB, 200).response_body(r#"{"id":"750A","state":"Aborted"}"#);
        let v = assert_fails(FAILED, &evidence(vec![aborted]));
        assert!(
            v.message.contains("ended Aborted") && v.message.contains("no errorMessage"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_query_job_that_ended_failed_is_named_instead_of_missing_results() {
        let failed = get("/services/data/v62.0/jobs/query/750Q", 200).response_body(
            r#"{"id":"750Q","state":"Failed","errorMessage":"INVALID_FIELD: No such column 'Nmae'"}"#,
        );
        let v = assert_fails(LOCATORS, &evidence(vec![failed]));
        assert!(
            v.message.contains("Query job 750Q ended Failed")
                && v.message.contains("No such column 'Nmae'"),
            "{}",
            v.message
        );
    }

    const LOCATORS: &str = "{ rule: bulk.locators_followed }";
    const RESULTS: &str = "/services/data/v62.0/jobs/query/750Q/results";

    #[test]
    fn every_locator_followed_to_null_passes() {
        let ev = evidence(vec![
            get(RESULTS, 200).response_header("Sforce-Locator", "MTAwMA"),
            get(&format!("{RESULTS}?locator=MTAwMA"), 200)
                .response_header("Sforce-Locator", "MjAwMA"),
            get(&format!("{RESULTS}?locator=MjAwMA"), 200)
                .response_header("Sforce-Locator", "null"),
        ]);
        assert_passes(LOCATORS, &ev);
    }

    #[test]
    fn stopping_after_the_first_page_fails_with_the_locator() {
        let ev = evidence(vec![
            get(RESULTS, 200).response_header("Sforce-Locator", "MTAwMA"),
            get(&format!("{RESULTS}?locator=MTAwMA"), 200)
                .response_header("Sforce-Locator", "MjAwMA"),
        ]);
        let v = assert_fails(LOCATORS, &ev);
        assert!(v.message.contains("MjAwMA"), "{}", v.message);
    }

    #[test]
    fn no_results_downloaded_fails() {
        assert_fails(
            LOCATORS,
            &evidence(vec![get("/services/data/v62.0/jobs/query/750Q", 200)]),
        );
    }
}
