//! `process.failed_records_reported`: a partial-success call's failed records are reported as
//! the org answered them. The n-th result of an sObject Collections answer (a JSON list of
//! `{success, id, errors: [{statusCode, message}]}`) belongs to the n-th record the request
//! sent (`records` in its body); each failed one must be named on a line of what the run
//! printed by its `key` field (`Web_Ref__c`, the row's reference) beside a `statusCode` the org
//! gave it, and no record the org accepted may be named. The expected lines come from the
//! recorded request and answer, never from the lab, so lines typed in for another input fail.
//! The report is read from standard output only, as `process.output_reports` reads it; a
//! report printed to standard error is named as such, not taken for a pairing mistake.
//!
//! Implementation notes: "named" is a whole-token match ([`mentions`]), so `W-0023` is not
//! found in `W-00231`. Only successful (2xx) answers with a JSON list are read; an
//! all-or-none request that failed whole answers that way too, each record with its error.

use super::cx::{plural, show, Cx};
use super::http::WithPattern;
use super::mention::mentions;
use super::output::values_at;
use super::Verdict;
use crate::matcher::RequestPattern;
use serde::Deserialize;
use serde_json::Value;

/// `process.failed_records_reported`: see the module.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedRecordsReported {
    pub pattern: RequestPattern,
    /// The field of each record sent that names it in the report.
    pub key: String,
    /// Where the request body lists its records (a JSON pointer).
    pub records: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeyAndRecords {
    key: String,
    #[serde(default = "records_pointer")]
    records: String,
}

fn records_pointer() -> String {
    "/records".into()
}

impl WithPattern for FailedRecordsReported {
    type Rest = KeyAndRecords;
    fn assemble(pattern: RequestPattern, rest: KeyAndRecords) -> Self {
        FailedRecordsReported {
            pattern,
            key: rest.key,
            records: rest.records,
        }
    }
}

/// One record the org refused: its key and the status codes of its errors.
#[derive(Debug, PartialEq)]
struct Refused {
    key: String,
    codes: Vec<String>,
    run: usize,
}

pub(crate) fn failed_records_reported(p: &FailedRecordsReported, cx: &Cx) -> Verdict {
    if cx.ev.runs.is_empty() {
        return cx.fail("Your program did not run, so it reported nothing.");
    }
    let answered: Vec<_> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| p.pattern.matches_exchange(e))
        .filter(|e| e.status().is_some_and(|s| (200..300).contains(&s)))
        .filter_map(|e| Some((e, e.request_json()?, e.response_json()?)))
        .filter(|(_, _, answer)| answer.is_array())
        .collect();
    if answered.is_empty() {
        return cx.fail(format!(
            "No request {} was answered with a list of results, so there were no failed records to report.",
            p.pattern.describe()
        ));
    }
    let evidence: Vec<u64> = answered.iter().map(|(e, _, _)| e.seq).collect();
    let (mut refused, mut accepted, mut unnamed) = (Vec::new(), Vec::new(), 0);
    for (e, sent, answer) in &answered {
        let records = values_at(sent, &format!("{}/*", p.records.trim_end_matches('/')));
        let results = answer.as_array().into_iter().flatten();
        for (record, result) in records.iter().zip(results) {
            let Some(key) = record.get(&p.key).and_then(Value::as_str) else {
                unnamed += 1;
                continue;
            };
            if result.get("success").and_then(Value::as_bool) == Some(true) {
                accepted.push((key.to_string(), e.run_index));
                continue;
            }
            let codes = values_at(result, "/errors/*/statusCode")
                .into_iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            refused.push(Refused {
                key: key.to_string(),
                codes,
                run: e.run_index,
            });
        }
    }
    let from = answered
        .iter()
        .map(|(e, _, _)| show(e))
        .take(3)
        .collect::<Vec<_>>()
        .join(", ");
    if refused.is_empty() && unnamed > 0 {
        return cx
            .fail(format!(
                "{} sent by {from} carry no {}, so a failed one cannot be named: send each record's {} with it.",
                plural(unnamed, "record"),
                p.key,
                p.key
            ))
            .with_evidence(evidence);
    }
    if refused.is_empty() {
        return cx
            .fail(format!(
                "The org accepted every record of {from}, so nothing failed to report. The input has broken rows: send them as they are (with allOrNone false) and report what the org says about each."
            ))
            .with_evidence(evidence);
    }
    let stream_lines = |run: usize, stderr: bool| -> Vec<String> {
        cx.ev
            .runs
            .iter()
            .filter(|r| r.index == run)
            .flat_map(|r| {
                let out = if stderr { &r.stderr } else { &r.stdout };
                out.judged_text()
                    .lines()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let lines_of = |run: usize| stream_lines(run, false);
    // A record is reported on a line of its own: its key beside one of its codes, and no
    // other refused record's key (a summary line listing every key and every code pairs none).
    let reported_on = |r: &Refused, l: &str| {
        mentions(l, &r.key)
            && r.codes.iter().any(|c| mentions(l, c))
            && !refused
                .iter()
                .any(|o| o.run == r.run && o.key != r.key && mentions(l, &o.key))
    };
    let unreported_records: Vec<&Refused> = refused
        .iter()
        .filter(|r| !lines_of(r.run).iter().any(|l| reported_on(r, l)))
        .collect();
    let unreported: Vec<String> = unreported_records
        .iter()
        .map(|r| format!("{} {}", r.key, r.codes.join("/")))
        .collect();
    let on_stderr: Vec<String> = unreported_records
        .iter()
        .filter(|r| stream_lines(r.run, true).iter().any(|l| reported_on(r, l)))
        .map(|r| r.key.clone())
        .collect();
    let stdout_empty = cx
        .ev
        .runs
        .iter()
        .all(|r| r.stdout.judged_text().trim().is_empty());
    let named_accepted: Vec<String> = accepted
        .iter()
        .filter(|(key, run)| lines_of(*run).iter().any(|l| mentions(l, key)))
        .map(|(key, _)| key.clone())
        .collect();
    if unreported.is_empty() && named_accepted.is_empty() {
        return cx
            .pass(format!(
                "Your standard output names each of the {} the org refused beside its status code, one to a line ({}), and none it accepted.",
                plural(refused.len(), "record"),
                brief(&refused.iter().map(|r| r.key.clone()).collect::<Vec<_>>())
            ))
            .with_evidence(evidence);
    }
    let mut parts = Vec::new();
    if !on_stderr.is_empty() {
        parts.push(format!(
            "the org refused {} that your standard output does not name beside its status code: {}. Your program printed {} on standard error, and only standard output is read as the report: print each failed record's line to standard output",
            plural(unreported.len(), "record"),
            brief(&unreported),
            if on_stderr.len() == unreported.len() {
                "those lines".to_string()
            } else {
                format!("the lines of {}", brief(&on_stderr))
            }
        ));
    } else if stdout_empty {
        parts.push(format!(
            "the org refused {} ({}), and your program printed nothing on standard output, where the report is read. Print a line for each failed record there: its {} and its errors' statusCode from the answer",
            plural(unreported.len(), "record"),
            brief(&unreported),
            p.key
        ));
    } else if !unreported.is_empty() {
        parts.push(format!(
            "the org refused {} that your standard output does not name beside its status code on a line of its own: {}. The n-th result belongs to the n-th record you sent; print each failed record's {} and its errors' statusCode from the answer, not lines worked out or typed in",
            plural(unreported.len(), "record"),
            brief(&unreported),
            p.key
        ));
    }
    if !named_accepted.is_empty() {
        parts.push(format!(
            "your standard output names {} the org accepted ({}); print only the records that failed",
            plural(named_accepted.len(), "record"),
            brief(&named_accepted)
        ));
    }
    let mut message = format!("In answer to {from}, {}.", parts.join("; and "));
    if let Some(first) = message.get(..1) {
        message = first.to_uppercase() + &message[1..];
    }
    cx.fail(message).with_evidence(evidence)
}

/// Up to five items, then how many more.
fn brief(items: &[String]) -> String {
    let mut out = items.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > 5 {
        out.push_str(&format!(" and {} more", items.len() - 5));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    const RULE: &str = "{ rule: process.failed_records_reported, method: POST, path: \"/services/data/*/composite/sobjects\", key: Web_Ref__c }";

    fn collections_call(refs: &[&str], failed: &[(&str, &str)]) -> crate::evidence::Evidence {
        let records: Vec<_> = refs
            .iter()
            .map(|r| serde_json::json!({"attributes": {"type": "Lead"}, "Web_Ref__c": r}))
            .collect();
        let results: Vec<_> = refs
            .iter()
            .map(|r| match failed.iter().find(|(f, _)| f == r) {
                Some((_, code)) => serde_json::json!({"success": false, "errors": [{"statusCode": code, "message": "bad"}]}),
                None => serde_json::json!({"success": true, "id": "00Q5g000001", "errors": []}),
            })
            .collect();
        let body = serde_json::json!({"allOrNone": false, "records": records});
        evidence(vec![req(
            "POST",
            "/services/data/v62.0/composite/sobjects",
            200,
        )
        .body(&body.to_string())
        .response_body(&serde_json::Value::Array(results).to_string())])
    }

    #[test]
    fn failed_records_printed_with_their_codes_pass() {
        let mut ev = collections_call(
            &["W-0001", "W-0002", "W-0003"],
            &[("W-0002", "INVALID_EMAIL_ADDRESS")],
        );
        ev.runs[0].stdout.text = "W-0002 INVALID_EMAIL_ADDRESS\n".into();
        let v = assert_passes(RULE, &ev);
        assert!(
            v.message.contains("1 record the org refused"),
            "{}",
            v.message
        );
    }

    #[test]
    fn lines_typed_in_for_another_input_fail() {
        // The org refused other rows than the ones printed: the answer was never read.
        let mut ev = collections_call(
            &["W-0001", "W-0002", "W-0003"],
            &[("W-0003", "REQUIRED_FIELD_MISSING")],
        );
        ev.runs[0].stdout.text = "W-0002 REQUIRED_FIELD_MISSING\n".into();
        let v = assert_fails(RULE, &ev);
        assert!(
            v.message.contains("W-0003 REQUIRED_FIELD_MISSING")
                && v.message
                    .contains("names 1 record the org accepted (W-0002)"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_ref_and_its_code_on_different_lines_do_not_count() {
        let mut ev = collections_call(
            &["W-0001", "W-0002"],
            &[("W-0002", "INVALID_EMAIL_ADDRESS")],
        );
        ev.runs[0].stdout.text = "failed: W-0002\nINVALID_EMAIL_ADDRESS\n".into();
        assert_fails(RULE, &ev);
    }

    #[test]
    fn one_summary_line_of_every_failed_ref_and_every_code_does_not_count() {
        let failed = [
            ("W-0081", "REQUIRED_FIELD_MISSING"),
            ("W-0110", "INVALID_EMAIL_ADDRESS"),
        ];
        let mut ev = collections_call(&["W-0001", "W-0081", "W-0110"], &failed);
        ev.runs[0].stdout.text =
            "failed: W-0081 W-0110 codes: REQUIRED_FIELD_MISSING INVALID_EMAIL_ADDRESS\n".into();
        let v = assert_fails(RULE, &ev);
        assert!(v.message.contains("on a line of its own"), "{}", v.message);
        ev.runs[0].stdout.text =
            "W-0081 REQUIRED_FIELD_MISSING\nW-0110 INVALID_EMAIL_ADDRESS\n".into();
        assert_passes(RULE, &ev);
    }

    #[test]
    fn failures_printed_to_standard_error_are_named_so_not_as_a_pairing_mistake() {
        let failed = [
            ("W-0002", "INVALID_EMAIL_ADDRESS"),
            ("W-0003", "REQUIRED_FIELD_MISSING"),
        ];
        let mut ev = collections_call(&["W-0001", "W-0002", "W-0003"], &failed);
        ev.runs[0].stderr.text =
            "W-0002\tINVALID_EMAIL_ADDRESS\tbad\nW-0003\tREQUIRED_FIELD_MISSING\tbad\n".into();
        let v = assert_fails(RULE, &ev);
        assert!(
            v.message.contains("printed those lines on standard error")
                && v.message.contains("only standard output is read"),
            "{}",
            v.message
        );
        assert!(!v.message.contains("n-th result"), "{}", v.message);
        // One on standard error, one nowhere: the one on standard error is named.
        ev.runs[0].stdout.text = "1 created\n".into();
        ev.runs[0].stderr.text = "W-0003 REQUIRED_FIELD_MISSING\n".into();
        let v = assert_fails(RULE, &ev);
        assert!(
            v.message
                .contains("printed the lines of W-0003 on standard error"),
            "{}",
            v.message
        );
    }

    #[test]
    fn nothing_on_standard_output_is_said_so_not_blamed_on_pairing() {
        let mut ev = collections_call(
            &["W-0001", "W-0002"],
            &[("W-0002", "INVALID_EMAIL_ADDRESS")],
        );
        ev.runs[0].stderr.text = "1 created\n".into();
        let v = assert_fails(RULE, &ev);
        assert!(
            v.message
                .contains("printed nothing on standard output, where the report is read"),
            "{}",
            v.message
        );
        assert!(!v.message.contains("n-th result"), "{}", v.message);
        // Lines on standard output that pair wrongly still hear about pairing.
        ev.runs[0].stdout.text = "W-0001 INVALID_EMAIL_ADDRESS\n".into();
        let v = assert_fails(RULE, &ev);
        assert!(v.message.contains("n-th result"), "{}", v.message);
    }

    #[test]
    fn an_answer_with_no_failure_or_records_without_the_key_fail_with_the_reason() {
        let mut ev = collections_call(&["W-0001"], &[]);
        ev.runs[0].stdout.text = "done\n".into();
        let v = assert_fails(RULE, &ev);
        assert!(v.message.contains("accepted every record"), "{}", v.message);
        let body =
            serde_json::json!({"records": [{"attributes": {"type": "Lead"}, "LastName": "X"}]});
        let ev = evidence(vec![req(
            "POST",
            "/services/data/v62.0/composite/sobjects",
            200,
        )
        .body(&body.to_string())
        .response_body(r#"[{"success": false, "errors": [{"statusCode": "X"}]}]"#)]);
        let v = assert_fails(RULE, &ev);
        assert!(v.message.contains("carry no Web_Ref__c"), "{}", v.message);
    }
}
