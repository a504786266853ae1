//! `state.*` rules: org state after run 1 equals after run 2, SOQL expectations on the final
//! state, no duplicate values in a field.

use super::cx::{article, Cx};
use super::Verdict;
use crate::evidence::OrgSnapshot;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Fields that change on every write even when nothing else does.
const VOLATILE_FIELDS: &[&str] = &[
    "LastModifiedDate",
    "SystemModstamp",
    "LastModifiedById",
    "LastViewedDate",
    "LastReferencedDate",
];

/// `state.idempotent`: optionally `ignore_fields: [...]` beyond the audit fields.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Idempotent {
    #[serde(default)]
    pub ignore_fields: Vec<String>,
}

/// `state.soql`: `query: SELECT …` with `count: N` and/or `rows: [ {Field: value, …}, … ]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SoqlExpectation {
    pub query: String,
    #[serde(default)]
    pub count: Option<usize>,
    #[serde(default)]
    pub rows: Option<Vec<Value>>,
}

/// `state.no_duplicates`: no two `object` records share a value of `field`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoDuplicates {
    pub object: String,
    pub field: String,
}

fn diff(a: &str, b: &str, a_name: &str, b_name: &str) -> String {
    similar::TextDiff::from_lines(a, b)
        .unified_diff()
        .context_radius(3)
        .header(a_name, b_name)
        .to_string()
}

fn final_state<'a>(cx: &'a Cx) -> Result<&'a OrgSnapshot, Box<Verdict>> {
    if let Some(s) = cx.ev.snapshots.final_state() {
        return Ok(s);
    }
    Err(Box::new(cx.mock_only("snapshots of the org's records").unwrap_or_else(|| {
        cx.fail("No snapshot of the org was taken after your code ran, so the org's state cannot be checked (did the run start?).")
    })))
}

pub(crate) fn idempotent(p: &Idempotent, cx: &Cx) -> Verdict {
    let runs = &cx.ev.snapshots.after_runs;
    if runs.len() < 2 {
        if let Some(na) = cx.mock_only("snapshots of the org's records after each run") {
            return na;
        }
        return cx.fail(format!(
            "Idempotence needs the code to run twice, but the org was snapshotted after {} run(s).",
            runs.len()
        ));
    }
    let mut ignore: Vec<&str> = VOLATILE_FIELDS.to_vec();
    ignore.extend(p.ignore_fields.iter().map(String::as_str));
    let first = runs[0].render(&ignore);
    for (i, later) in runs.iter().enumerate().skip(1) {
        let text = later.render(&ignore);
        if text != first {
            let d = diff(
                &first,
                &text,
                "after run 1",
                &format!("after run {}", i + 1),
            );
            let seqs: Vec<u64> = cx
                .ev
                .exchanges_of_run(i)
                .filter(|e| !e.method().eq_ignore_ascii_case("GET"))
                .map(|e| e.seq)
                .collect();
            return cx
                .fail(format!(
                    "Running the code again changed the org (run {} left a different state than run 1); \
                     a safe integration can run twice with the same result. See the diff.",
                    i + 1
                ))
                .with_diff(d)
                .with_evidence(seqs);
        }
    }
    cx.pass(format!(
        "The org was the same after each of the {} runs.",
        runs.len()
    ))
}

fn project(row: &Value, keys: &[String]) -> String {
    let mut out = BTreeMap::new();
    for k in keys {
        out.insert(k.clone(), row.get(k).cloned().unwrap_or(Value::Null));
    }
    serde_json::to_string(&out).unwrap_or_default()
}

/// Writes of the learner's code the org refused (a 4xx other than an expired session's 401,
/// or a refused part of a composite-family call answered 200), for a check that finds records
/// missing: the refusal usually says why. Empty when none was refused.
fn refused_writes(cx: &Cx) -> String {
    let refused: Vec<(&crate::evidence::Exchange, super::refusal::Refusal)> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| e.is_data_write())
        .filter_map(|e| super::refusal::refusal(e).map(|r| (e, r)))
        .collect();
    let Some((first, r)) = refused.first() else {
        return String::new();
    };
    let status = first.status().unwrap_or_default();
    let answered = match &r.part {
        None => format!("was answered {status}{}", r.said),
        Some(part) if !first.succeeded() => {
            format!("was answered {status}: its {part} was refused{}", r.said)
        }
        Some(part) if r.status == status => {
            format!(
                "was answered {status}, but its {part} was refused{}",
                r.said
            )
        }
        Some(part) => format!(
            "was answered {status}, but its {part} got {}{}",
            r.status, r.said
        ),
    };
    let knock_on = if r.knocked_on {
        " (so the org undid or skipped the call's other parts)"
    } else {
        ""
    };
    format!(
        " The org refused {} your code sent; the first, {}, {answered}{knock_on}.",
        super::cx::plural(refused.len(), "write"),
        super::cx::show(first),
    )
}

pub(crate) fn soql(p: &SoqlExpectation, cx: &Cx) -> Verdict {
    let snapshot = match final_state(cx) {
        Ok(s) => s,
        Err(v) => return *v,
    };
    let Some(eval) = cx.soql else {
        return cx.not_applicable(
            "Not applicable on this backend: the check runs its query on the mock org's records, which a sandbox run does not have.",
        );
    };
    let rows = match eval.query(snapshot, &p.query) {
        Ok(rows) => rows,
        Err(e) => {
            return cx.fail(format!(
                "The lab's check query could not run ({}); tell the lab's author.",
                super::spec::one_line(&e)
            ))
        }
    };
    if let Some(want) = p.count {
        if rows.len() != want {
            return cx.fail(format!(
                "Expected {} from `{}`, found {}.{}",
                super::cx::plural(want, "row"),
                p.query,
                rows.len(),
                refused_writes(cx)
            ));
        }
    }
    if let Some(expected) = &p.rows {
        let mut keys: Vec<String> = expected
            .iter()
            .filter_map(Value::as_object)
            .flat_map(|m| m.keys().cloned())
            .collect();
        keys.sort();
        keys.dedup();
        let mut want: Vec<String> = expected.iter().map(|r| project(r, &keys)).collect();
        let mut got: Vec<String> = rows.iter().map(|r| project(r, &keys)).collect();
        want.sort();
        got.sort();
        if want != got {
            // An empty side reads "(no rows)", not a lone `+` or `-`.
            let side = |rows: &[String]| match rows.len() {
                0 => "(no rows)\n".to_string(),
                _ => rows.join("\n") + "\n",
            };
            let d = diff(&side(&want), &side(&got), "expected", "found");
            return cx
                .fail(format!(
                    "The rows from `{}` are not the expected ones; see the diff.{}",
                    p.query,
                    refused_writes(cx)
                ))
                .with_diff(d);
        }
    }
    cx.pass(format!(
        "`{}` returned what the lab expects ({}).",
        p.query,
        match rows.len() {
            0 => "no rows".to_string(),
            n => super::cx::plural(n, "row"),
        }
    ))
}

pub(crate) fn no_duplicates(p: &NoDuplicates, cx: &Cx) -> Verdict {
    let snapshot = match final_state(cx) {
        Ok(s) => s,
        Err(v) => return *v,
    };
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    for r in snapshot.records(&p.object) {
        match r.get(&p.field) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => *groups.entry(s.clone()).or_default() += 1,
            Some(other) => *groups.entry(other.to_string()).or_default() += 1,
        }
    }
    let dups: Vec<String> = groups
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(v, n)| format!("\"{v}\" ×{n}"))
        .collect();
    if dups.is_empty() {
        return cx.pass(format!(
            "No two {} records share {} {}.",
            p.object,
            article(&p.field),
            p.field
        ));
    }
    cx.fail(format!(
        "Some {} records share {} {}: {}. Match on a key before creating (an upsert does this for you).",
        p.object,
        article(&p.field),
        p.field,
        dups.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use super::super::SoqlEvaluator;
    use crate::evidence::{Backend, Evidence, OrgSnapshot};
    use serde_json::{json, Value};

    fn snap(records: Vec<Value>) -> OrgSnapshot {
        let mut s = OrgSnapshot::default();
        s.objects.insert("Account".into(), records);
        s
    }

    fn with_runs(runs: Vec<OrgSnapshot>) -> Evidence {
        let mut ev = evidence(vec![]);
        ev.snapshots.after_runs = runs;
        ev
    }

    #[test]
    fn idempotent_passes_on_same_state_ignoring_audit_fields() {
        let a = snap(vec![
            json!({"Id": "001A", "Name": "Falcon", "SystemModstamp": "1"}),
        ]);
        let b = snap(vec![
            json!({"Id": "001A", "Name": "Falcon", "SystemModstamp": "2"}),
        ]);
        assert_passes("{ rule: state.idempotent }", &with_runs(vec![a, b]));
    }

    #[test]
    fn idempotent_fails_with_a_diff_when_a_record_was_added() {
        let a = snap(vec![json!({"Id": "001A", "Name": "Falcon"})]);
        let b = snap(vec![
            json!({"Id": "001A", "Name": "Falcon"}),
            json!({"Id": "001B", "Name": "Falcon"}),
        ]);
        let v = assert_fails("{ rule: state.idempotent }", &with_runs(vec![a.clone(), b]));
        let diff = v.diff.expect("a diff");
        assert!(diff.contains("+    Id: 001B"), "{diff}");
        assert!(diff.contains("after run 2"));
        assert_fails("{ rule: state.idempotent }", &with_runs(vec![a.clone()]));
        let mut sandbox = with_runs(vec![a]);
        sandbox.backend = Backend::Sandbox;
        assert_not_applicable("{ rule: state.idempotent }", &sandbox);
    }

    /// Answers `SELECT … FROM Account` with every Account record (enough for these tests).
    struct AllAccounts;
    impl SoqlEvaluator for AllAccounts {
        fn query(&self, s: &OrgSnapshot, soql: &str) -> Result<Vec<Value>, String> {
            if soql.contains("FROM Account") {
                Ok(s.records("Account").to_vec())
            } else {
                Err(format!("cannot run {soql}"))
            }
        }
    }

    /// The verdict of a check that expects `count` Accounts on the final state.
    fn accounts_counted(ev: &Evidence, count: usize) -> super::super::Verdict {
        let rule =
            format!("{{ rule: state.soql, query: SELECT Name FROM Account, count: {count} }}");
        verdict_with(&rule, ev, Some(&AllAccounts as &dyn SoqlEvaluator))
    }

    #[test]
    fn a_missing_record_is_explained_by_the_write_the_org_refused() {
        let mut ev = evidence(vec![
            req("PATCH", "/services/data/v62.0/sobjects/Account/ERP_Id__c/A-2", 400)
                .body(r#"{"ERP_Id__c":"A-2"}"#)
                .response_body(
                    r#"[{"message":"The ERP_Id__c field should not be specified in the sobject data.","errorCode":"INVALID_FIELD"}]"#,
                ),
            req("PATCH", "/services/data/v62.0/sobjects/Account/001A", 401),
        ]);
        ev.snapshots.after_runs = vec![snap(vec![json!({"Id": "001A", "Name": "Falcon"})])];
        let v = accounts_counted(&ev, 2);
        assert!(
            v.message.contains("The org refused 1 write your code sent; the first, #1 PATCH")
                && v.message.contains(
                    "was answered 400: INVALID_FIELD \"The ERP_Id__c field should not be specified in the sobject data\"."
                ),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_missing_record_is_explained_by_the_composite_subrequest_the_org_refused() {
        let mut ev = evidence(vec![req("POST", "/services/data/v62.0/composite", 200)
            .body(r#"{"allOrNone":true,"compositeRequest":[]}"#)
            .response_body(
                r#"{"compositeResponse":[
                    {"httpStatusCode":400,"referenceId":"acct","body":[{"errorCode":"PROCESSING_HALTED","message":"rolled back"}]},
                    {"httpStatusCode":400,"referenceId":"con","body":[{"errorCode":"REQUIRED_FIELD_MISSING","message":"Required fields are missing: [LastName]"}]}
                ]}"#,
            )]);
        ev.snapshots.after_runs = vec![snap(vec![])];
        let v = accounts_counted(&ev, 1);
        assert!(
            v.message.contains("The org refused 1 write your code sent; the first, #1 POST")
                && v.message.contains(
                    "was answered 200, but its subrequest \"con\" got 400: REQUIRED_FIELD_MISSING \"Required fields are missing: [LastName]\" (so the org undid or skipped the call's other parts)."
                ),
            "{}",
            v.message
        );
    }

    #[test]
    fn soql_compares_counts_and_rows_on_the_final_state() {
        let ev = with_runs(vec![snap(vec![
            json!({"Id": "001A", "Name": "Falcon", "ERP_Id__c": "A-1"}),
            json!({"Id": "001B", "Name": "Heron", "ERP_Id__c": "A-2"}),
        ])]);
        let e = Some(&AllAccounts as &dyn SoqlEvaluator);
        let ok = verdict_with("{ rule: state.soql, query: SELECT Name FROM Account, count: 2, rows: [ { Name: Heron }, { Name: Falcon } ] }", &ev, e);
        assert!(ok.passed(), "{}", ok.message);
        assert!(ok.message.ends_with("(2 rows)."), "{}", ok.message);
        let bad = verdict_with(
            "{ rule: state.soql, query: SELECT Name FROM Account, count: 1 }",
            &ev,
            e,
        );
        assert!(bad.failed());
        assert!(
            bad.message.starts_with("Expected 1 row from"),
            "{}",
            bad.message
        );
        let rows = verdict_with("{ rule: state.soql, query: SELECT Name FROM Account, rows: [ { Name: Falcon }, { Name: Eagle } ] }", &ev, e);
        assert!(rows.failed() && rows.diff.as_deref().unwrap_or("").contains("Eagle"));
        let broken = verdict_with(
            "{ rule: state.soql, query: SELECT Id FROM Contact, count: 0 }",
            &ev,
            e,
        );
        assert!(broken.failed() && broken.message.contains("author"));
        assert_not_applicable(
            "{ rule: state.soql, query: SELECT Id FROM Account, count: 2 }",
            &ev,
        );
    }

    #[test]
    fn a_query_that_found_no_rows_is_diffed_against_no_rows_not_a_lone_plus() {
        let ev = with_runs(vec![snap(vec![])]);
        let e = Some(&AllAccounts as &dyn SoqlEvaluator);
        let v = verdict_with(
            "{ rule: state.soql, query: SELECT Name FROM Account, rows: [ { Name: Falcon } ] }",
            &ev,
            e,
        );
        let diff = v.diff.expect("a diff");
        assert!(diff.lines().any(|l| l == "+(no rows)"), "{diff}");
        assert!(!diff.lines().any(|l| l == "+"), "{diff}");
    }

    #[test]
    fn no_duplicates_flags_shared_values() {
        let rule = "{ rule: state.no_duplicates, object: Account, field: ERP_Id__c }";
        let ok = with_runs(vec![snap(vec![
            json!({"Id": "1", "ERP_Id__c": "A-1"}),
            json!({"Id": "2", "ERP_Id__c": "A-2"}),
            json!({"Id": "3", "ERP_Id__c": null}),
            json!({"Id": "4"}),
        ])]);
        assert_passes(rule, &ok);
        let dup = with_runs(vec![snap(vec![
            json!({"Id": "1", "ERP_Id__c": "A-1"}),
            json!({"Id": "2", "ERP_Id__c": "A-1"}),
        ])]);
        let v = assert_fails(rule, &dup);
        assert!(
            v.message.contains("share an ERP_Id__c: \"A-1\" ×2"),
            "{}",
            v.message
        );
    }
}
