//! `rest.*` and `query.*` rules: upsert by external id, PATCH (not PUT) for updates, explicit
//! field lists, query pagination followed to the end.

use super::cx::{is_success, plural, show, Cx};
use super::Verdict;
use crate::evidence::Exchange;
use crate::matcher::path_matches;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// `rest.upsert_by_external_id`: `object: Account, field: ERP_Id__c`; with `every_run: true`
/// each run of the program must upsert (a lab that runs a sync twice to see the update
/// branch: a run that skips the work, say on a marker the first run left, shows nothing).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upsert {
    pub object: String,
    pub field: String,
    #[serde(default)]
    pub every_run: bool,
}

/// `rest.patch_for_update`: optionally limited to one `object`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchForUpdate {
    #[serde(default)]
    pub object: Option<String>,
}

/// `query.pagination_followed`: `require_pages: false` passes when no query had a second page.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    #[serde(default = "yes")]
    pub require_pages: bool,
}

fn yes() -> bool {
    true
}

/// `/services/data/vNN.0/sobjects/{rest...}` → the segments after `sobjects`.
fn sobject_segments(e: &Exchange) -> Option<Vec<String>> {
    segments_after_sobjects(e.path())
}

/// The decoded segments of `path` after its `sobjects` segment.
fn segments_after_sobjects(path: &str) -> Option<Vec<String>> {
    let path = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let at = segs.iter().position(|s| *s == "sobjects")?;
    Some(segs[at + 1..].iter().map(|s| s.to_string()).collect())
}

/// The `/composite` and `/composite/batch` calls holding a subrequest that upserts `p.object`
/// by `p.field` (`PATCH …/sobjects/{Object}/{Field}/{value}`), each with whether such a
/// subrequest was answered 200 or 201 (its subresponse, in the same place of the answer).
fn composite_upserts(p: &Upsert, cx: &Cx) -> Vec<(u64, bool)> {
    use serde_json::Value;
    let mut out = Vec::new();
    for e in &cx.ev.exchanges {
        let path = e.path().trim_end_matches('/');
        let batch = path.ends_with("/composite/batch");
        if !e.method().eq_ignore_ascii_case("POST") || !(batch || path.ends_with("/composite")) {
            continue;
        }
        let Ok(body) = serde_json::from_str::<Value>(&e.request.body.text) else {
            continue;
        };
        // Where each kind of call keeps its subrequests, its subresponses and their status.
        let (requests, responses, status) = if batch {
            ("batchRequests", "results", "statusCode")
        } else {
            ("compositeRequest", "compositeResponse", "httpStatusCode")
        };
        let subs = body.get(requests).and_then(Value::as_array);
        let answer = e
            .response
            .as_ref()
            .and_then(|r| serde_json::from_str::<Value>(&r.body.text).ok());
        let statuses: Vec<Option<i64>> = answer
            .as_ref()
            .and_then(|a| a.get(responses))
            .and_then(Value::as_array)
            .map(|rs| {
                rs.iter()
                    .map(|r| r.get(status).and_then(Value::as_i64))
                    .collect()
            })
            .unwrap_or_default();
        let mut found = None;
        for (i, sub) in subs.into_iter().flatten().enumerate() {
            let method = sub.get("method").and_then(Value::as_str).unwrap_or("");
            let url = sub.get("url").and_then(Value::as_str).unwrap_or("");
            let Some(rest) = segments_after_sobjects(url.split('?').next().unwrap_or("")) else {
                continue;
            };
            let upsert = method.eq_ignore_ascii_case("PATCH")
                && rest.len() == 3
                && same_api_name(&rest[0], &p.object)
                && same_api_name(&rest[1], &p.field);
            if upsert {
                let done = matches!(statuses.get(i), Some(Some(200 | 201)));
                found = Some(found.unwrap_or(false) || done);
            }
        }
        if let Some(done) = found {
            out.push((e.seq, done));
        }
    }
    out
}

/// The verdict on the first run that made no successful upsert (`every_run`), naming the runs
/// that did. When that run tried and was refused, the verdict is about its refused upsert
/// (what the org answered, with that exchange as evidence); when it never tried, about the
/// upsert it skipped.
fn a_run_without(
    p: &Upsert,
    cx: &Cx,
    ok: &[u64],
    upserts: &[&Exchange],
    nested: &[(u64, bool)],
) -> Option<Verdict> {
    let run_of = |seq: u64| {
        cx.ev
            .exchanges
            .iter()
            .find(|e| e.seq == seq)
            .map(|e| e.run_index)
    };
    let done: Vec<usize> = ok.iter().filter_map(|s| run_of(*s)).collect();
    let run = cx.ev.runs.iter().find(|r| !done.contains(&r.index))?;
    let n = run.index + 1;
    let others: Vec<String> = cx
        .ev
        .runs
        .iter()
        .filter(|r| done.contains(&r.index))
        .map(|r| (r.index + 1).to_string())
        .collect();
    let others = others.join(" and ");
    let (object, field) = (&p.object, &p.field);
    let tried: Vec<&Exchange> = upserts
        .iter()
        .copied()
        .filter(|e| e.run_index == run.index)
        .collect();
    if let Some(e) = tried.last() {
        return Some(
            cx.fail(format!(
                "Run {n}'s upsert of {object} by {field} failed; run {others}'s went through. {}",
                upsert_not_done(e)
            ))
            .with_evidence(tried.iter().map(|e| e.seq)),
        );
    }
    let tried_nested: Vec<u64> = nested
        .iter()
        .map(|(seq, _)| *seq)
        .filter(|seq| run_of(*seq) == Some(run.index))
        .collect();
    if let Some(seq) = tried_nested.last() {
        return Some(
            cx.fail(format!(
                "Run {n}'s upsert of {object} by {field} failed; run {others}'s went through. The upsert sent as a subrequest of #{seq} was not answered 200 or 201; read its subresponse in the traffic view."
            ))
            .with_evidence(tried_nested),
        );
    }
    Some(
        cx.fail(format!(
            "Run {n} made no upsert of {object} by {field}; run {others} did. It sent no PATCH …/sobjects/{object}/{field}/… at all, so the update branch was never tried: the sync must upsert every time it runs, not skip the work because an earlier run left a marker."
        ))
        .with_evidence(ok.to_vec()),
    )
}

/// Salesforce API names (objects, fields) are case-insensitive: `account/erp_id__c` names the
/// same thing as `Account/ERP_Id__c`.
pub(crate) fn same_api_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// An sObject collections call (`/composite/sobjects/...`): its answer is a 200 with a result
/// per record.
fn is_collection(e: &Exchange) -> bool {
    e.path().contains("/composite/sobjects/")
}

/// A collections answer holds records, and every one succeeded (a 200 may still carry refused
/// records; an empty one wrote nothing).
fn every_record_succeeded(e: &Exchange) -> bool {
    let body = e
        .response
        .as_ref()
        .map(|r| r.body.text.as_str())
        .unwrap_or("");
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(serde_json::Value::Array(results)) => {
            !results.is_empty()
                && results
                    .iter()
                    .all(|r| r.get("success").and_then(|s| s.as_bool()) == Some(true))
        }
        _ => false,
    }
}

pub(crate) fn upsert_by_external_id(p: &Upsert, cx: &Cx) -> Verdict {
    // One record: PATCH /sobjects/{Object}/{Field}/{value}, alone or as a subrequest of
    // /composite or /composite/batch; up to 200 in one call: PATCH
    // /composite/sobjects/{Object}/{Field} with the records in the body.
    let upserts: Vec<&Exchange> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| e.effective_method().eq_ignore_ascii_case("PATCH"))
        .filter(|e| {
            sobject_segments(e).is_some_and(|s| {
                let shape = s.len() == 3 && !is_collection(e) || s.len() == 2 && is_collection(e);
                shape && same_api_name(&s[0], &p.object) && same_api_name(&s[1], &p.field)
            })
        })
        .collect();
    let mut ok: Vec<u64> = upserts
        .iter()
        .filter(|e| is_success(e) && (!is_collection(e) || every_record_succeeded(e)))
        .map(|e| e.seq)
        .collect();
    // The same PATCH as a subrequest of a /composite or /composite/batch call.
    let nested = composite_upserts(p, cx);
    ok.extend(nested.iter().filter(|(_, done)| *done).map(|(seq, _)| *seq));
    ok.sort_unstable();
    ok.dedup();
    if p.every_run && !ok.is_empty() {
        if let Some(v) = a_run_without(p, cx, &ok, &upserts, &nested) {
            return v;
        }
    }
    if !ok.is_empty() {
        return cx
            .pass(format!(
                "Upserted {} by {} with PATCH on its external id ({}).",
                p.object,
                p.field,
                plural(ok.len(), "call")
            ))
            .with_evidence(ok);
    }
    if let Some(e) = upserts.first() {
        return cx
            .fail(upsert_not_done(e))
            .with_evidence(upserts.iter().map(|e| e.seq));
    }
    if let Some((seq, _)) = nested.first() {
        return cx
            .fail(format!(
                "The upsert sent as a subrequest of #{seq} was not answered 200 or 201; read its subresponse in the traffic view."
            ))
            .with_evidence(nested.iter().map(|(seq, _)| *seq));
    }
    let creates: Vec<&Exchange> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| e.effective_method().eq_ignore_ascii_case("POST"))
        .filter(|e| {
            sobject_segments(e).is_some_and(|s| s.len() == 1 && same_api_name(&s[0], &p.object))
        })
        .collect();
    let by_id: Vec<&Exchange> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| e.effective_method().eq_ignore_ascii_case("PATCH"))
        .filter(|e| {
            sobject_segments(e).is_some_and(|s| {
                s.len() == 2 && same_api_name(&s[0], &p.object) && looks_like_id(&s[1])
            })
        })
        .collect();
    let instead = instead_of_upsert(p, &creates, &by_id);
    cx.fail(format!(
        "No upsert by external id was made: expected PATCH /services/data/vXX.X/sobjects/{}/{}/{{value}}, alone or as a composite subrequest (or, for many records, PATCH /services/data/vXX.X/composite/sobjects/{}/{}).{instead}",
        p.object, p.field, p.object, p.field
    ))
    .with_evidence(creates.iter().chain(&by_id).map(|e| e.seq))
}

/// Why an upsert did not count, in the org's words: the whole call refused (`415
/// UNSUPPORTED_MEDIA_TYPE "…"`), one record of a collections call refused, or an answer that
/// holds no result for its records.
fn upsert_not_done(e: &Exchange) -> String {
    let status = e
        .status()
        .map_or("got no answer".to_string(), |s| format!("was answered {s}"));
    match super::refusal::refusal(e) {
        Some(r) => match r.part {
            None => format!(
                "The upsert {} was answered {}{}: the org refused it and wrote nothing.",
                show(e),
                r.status,
                r.said.strip_prefix(':').unwrap_or(&r.said)
            ),
            Some(part) => format!(
                "The upsert {} {status}, but the org refused {part}{}{}.",
                show(e),
                r.said,
                if r.knocked_on {
                    ", and with allOrNone the other records were rolled back"
                } else {
                    ""
                }
            ),
        },
        None if is_collection(e) && is_success(e) => format!(
            "The upsert {} {status} with no result for a record: send the records in the body's `records` list.",
            show(e)
        ),
        None => format!(
            "The upsert {} {status}; read the answer in the traffic view.",
            show(e)
        ),
    }
}

/// What the code did instead of an upsert, from what happened: records written by their Id
/// after a look-up, creates the org refused as duplicates, or creates that made duplicates.
fn instead_of_upsert(p: &Upsert, creates: &[&Exchange], by_id: &[&Exchange]) -> String {
    let refused_duplicate = creates
        .iter()
        .find(|e| super::refusal::refusal(e).is_some_and(|r| r.said.contains("DUPLICATE_VALUE")));
    let created = creates.iter().filter(|e| is_success(e)).count();
    if let Some(e) = by_id.first() {
        let and_created = match creates.first() {
            Some(c) => format!(
                ", and created it with POST ({}) when the look-up found none",
                show(c)
            ),
            None => String::new(),
        };
        return format!(
            " Instead the code wrote {} by its record Id ({}){and_created}: a look-up first, then a write, where one upsert keyed by {} does both in one call, and a record another process creates between the two is doubled.",
            p.object,
            show(e),
            p.field
        );
    }
    match (refused_duplicate, created) {
        (Some(e), _) => format!(
            " Instead the code created {} records with POST, and the org refused {} with DUPLICATE_VALUE: {} already held that value, and a create cannot update the record that has it.",
            p.object,
            show(e),
            p.field
        ),
        (None, n) if n >= 2 => format!(
            " Instead the code created {} records with POST, which made {n} of them where one was wanted.",
            p.object
        ),
        (None, _) if !creates.is_empty() => format!(
            " Instead the code created {} records with POST, which makes a duplicate when it runs again.",
            p.object
        ),
        _ => String::new(),
    }
}

pub(crate) fn patch_for_update(p: &PatchForUpdate, cx: &Cx) -> Verdict {
    let on_record = |e: &&Exchange| {
        sobject_segments(e).is_some_and(|s| {
            s.len() >= 2
                && !s[1].eq_ignore_ascii_case("describe")
                && p.object.as_deref().is_none_or(|o| same_api_name(&s[0], o))
        })
    };
    let puts: Vec<u64> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| e.effective_method().eq_ignore_ascii_case("PUT"))
        .filter(on_record)
        .map(|e| e.seq)
        .collect();
    if !puts.is_empty() {
        return cx
            .fail(format!(
                "Updated a record with PUT ({}). The REST API updates records with PATCH, sending only the fields that change.",
                plural(puts.len(), "request")
            ))
            .with_evidence(puts);
    }
    let patches: Vec<u64> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| e.effective_method().eq_ignore_ascii_case("PATCH"))
        .filter(on_record)
        .map(|e| e.seq)
        .collect();
    if patches.is_empty() {
        return cx.fail("No record was updated: expected a PATCH to /sobjects/{Object}/{Id}.");
    }
    // This check is about the method; whether an update was accepted is said plainly.
    let accepted = cx.ev.exchanges.iter().any(|e| {
        patches.contains(&e.seq) && matches!(e.status(), Some(s) if (200..300).contains(&s))
    });
    let message = if accepted {
        "Records were updated with PATCH."
    } else {
        "Updates were sent as PATCH, the right method, but the org accepted none of them: see what it answered."
    };
    cx.pass(message).with_evidence(patches)
}

/// A 15- or 18-character record id (not `describe`, `updated`, `listviews`, ...).
fn looks_like_id(segment: &str) -> bool {
    matches!(segment.len(), 15 | 18)
        && segment.chars().all(|c| c.is_ascii_alphanumeric())
        && segment.chars().any(|c| c.is_ascii_digit())
}

fn selects_all_fields(soql: &str) -> bool {
    let upper = soql.to_ascii_uppercase().replace(' ', "");
    upper.contains("FIELDS(ALL)")
        || upper.contains("FIELDS(STANDARD)")
        || upper.contains("FIELDS(CUSTOM)")
}

pub(crate) fn fields_selected(cx: &Cx) -> Verdict {
    let mut reads = Vec::new();
    for e in cx
        .api_calls()
        .filter(|e| e.effective_method().eq_ignore_ascii_case("GET"))
    {
        if let Some(q) = e.query_param("q") {
            reads.push(e.seq);
            if selects_all_fields(&q) {
                return cx
                    .fail(format!(
                        "The query in {} uses FIELDS(...); name the fields you need, e.g. SELECT Id, Name FROM Account.",
                        show(e)
                    ))
                    .with_evidence([e.seq]);
            }
        } else if let Some(s) = sobject_segments(e) {
            let record_read = s.len() == 2 && looks_like_id(&s[1]);
            let by_ext_id = s.len() == 3;
            if record_read || by_ext_id {
                reads.push(e.seq);
                if e.query_param("fields").is_none() {
                    return cx
                        .fail(format!(
                            "{} fetched the whole record; add ?fields=Id,Name,... to read only what you use.",
                            show(e)
                        ))
                        .with_evidence([e.seq]);
                }
            }
        }
    }
    if reads.is_empty() {
        return cx.fail("No query or record read was made, so there were no fields to check.");
    }
    cx.pass("Every query and record read named its fields.")
        .with_evidence(reads)
}

pub(crate) fn pagination_followed(p: &Pagination, cx: &Cx) -> Verdict {
    let mut pages = Vec::new();
    for (i, e) in cx.ev.exchanges.iter().enumerate() {
        let Some(next) = e.response_json().and_then(|v| {
            v.get("nextRecordsUrl")
                .and_then(|u| u.as_str())
                .map(String::from)
        }) else {
            continue;
        };
        let fetched = cx.ev.exchanges[i + 1..].iter().find(|later| {
            later.method().eq_ignore_ascii_case("GET") && path_matches(&next, later.path())
        });
        match fetched {
            Some(f) => pages.push((e.seq, f.seq)),
            None => {
                // A GET that ends with the locator was meant for the next page, at a wrong URL.
                let locator = next.rsplit('/').next().unwrap_or_default();
                let misaddressed = cx.ev.exchanges[i + 1..].iter().find(|later| {
                    later.method().eq_ignore_ascii_case("GET")
                        && !locator.is_empty()
                        && later.path().trim_end_matches('/').ends_with(locator)
                });
                if let Some(m) = misaddressed {
                    return cx
                        .fail(format!(
                            "{} returned nextRecordsUrl {next}; {} asked for it at another address, answered {}. The URL is a path from the host: put only the instance URL in front of it.",
                            show(e),
                            show(m),
                            m.status().map_or("nothing".to_string(), |s| s.to_string())
                        ))
                        .with_evidence([e.seq, m.seq]);
                }
                return cx
                    .fail(format!(
                        "{} returned nextRecordsUrl {next}, but it was never fetched: records beyond the first page were missed.",
                        show(e)
                    ))
                    .with_evidence([e.seq]);
            }
        }
    }
    if pages.is_empty() {
        if p.require_pages {
            return cx.fail(
                "No query answer had a nextRecordsUrl, so pagination never happened; query all the lab's records in one query and follow every page.",
            );
        }
        return cx.pass("No query needed more than one page.");
    }
    cx.pass(format!(
        "Followed every nextRecordsUrl ({} after the first).",
        plural(pages.len(), "page")
    ))
    .with_evidence(pages.into_iter().flat_map(|(a, b)| [a, b]))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    const SOBJ: &str = "/services/data/v62.0/sobjects";

    #[test]
    fn upsert_needs_a_successful_patch_by_external_id() {
        let rule = "{ rule: rest.upsert_by_external_id, object: Account, field: ERP_Id__c }";
        assert_passes(
            rule,
            &evidence(vec![req(
                "PATCH",
                &format!("{SOBJ}/Account/ERP_Id__c/A-1000"),
                201,
            )]),
        );
        let v = assert_fails(
            rule,
            &evidence(vec![req("POST", &format!("{SOBJ}/Account"), 201)]),
        );
        assert!(v.message.contains("POST"), "{}", v.message);
        assert_fails(
            rule,
            &evidence(vec![req(
                "PATCH",
                &format!("{SOBJ}/Account/ERP_Id__c/A-1000"),
                400,
            )]),
        );
        assert_fails(
            rule,
            &evidence(vec![req(
                "PATCH",
                &format!("{SOBJ}/Account/001000000000001AAA"),
                204,
            )]),
        );
    }

    #[test]
    fn with_every_run_a_run_that_skips_the_upsert_fails_naming_it() {
        use crate::evidence::LearnerRun;
        let rule = "{ rule: rest.upsert_by_external_id, object: Account, field: ERP_Id__c, every_run: true }";
        let upsert = || req("PATCH", &format!("{SOBJ}/Account/ERP_Id__c/A-2001"), 201);
        // Run 1 upserted and left a marker; run 2 saw it and called nothing.
        let mut skipped = evidence(vec![upsert()]);
        skipped.runs.push(LearnerRun {
            index: 1,
            exit_code: Some(0),
            ..LearnerRun::default()
        });
        let v = assert_fails(rule, &skipped);
        assert!(
            v.message
                .contains("Run 2 made no upsert of Account by ERP_Id__c; run 1 did.")
                && v.message.contains("update branch was never tried"),
            "{}",
            v.message
        );
        assert_passes(
            "{ rule: rest.upsert_by_external_id, object: Account, field: ERP_Id__c }",
            &skipped,
        );
        assert_passes(rule, &evidence(vec![upsert(), upsert().run(1)]));
        let refused = evidence(vec![
            upsert(),
            req("PATCH", &format!("{SOBJ}/Account/ERP_Id__c/A-2001"), 400).run(1),
        ]);
        let v = assert_fails(rule, &refused);
        assert!(
            v.message
                .starts_with("Run 2's upsert of Account by ERP_Id__c failed; run 1's went through. The upsert #2 PATCH")
                && v.message.contains("answered 400")
                && !v.message.contains("made no upsert"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![2]);
    }

    #[test]
    fn instead_of_an_upsert_the_verdict_names_what_the_code_did() {
        let rule = "{ rule: rest.upsert_by_external_id, object: Account, field: ERP_Id__c }";
        // Run 1 found nothing and created; run 2 looked the record up and wrote it by Id.
        let by_id = evidence(vec![
            get("/services/data/v62.0/query?q=SELECT+Id+FROM+Account", 200),
            req("POST", &format!("{SOBJ}/Account"), 201),
            get("/services/data/v62.0/query?q=SELECT+Id+FROM+Account", 200).run(1),
            req("PATCH", &format!("{SOBJ}/Account/001000000000001AAA"), 204).run(1),
        ]);
        let v = assert_fails(rule, &by_id);
        assert!(
            v.message
                .contains("wrote Account by its record Id (#4 PATCH")
                && v.message.contains("created it with POST (#2 POST")
                && !v.message.contains("makes a duplicate"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![2, 4]);
        // The second create was refused: say so, not that it made a duplicate.
        let refused = evidence(vec![
            req("POST", &format!("{SOBJ}/Account"), 201),
            req("POST", &format!("{SOBJ}/Account"), 400)
                .run(1)
                .response_body(
                    r#"[{"message":"duplicate value found: ERP_Id__c duplicates value on record with id: 001000000000001AAA","errorCode":"DUPLICATE_VALUE","fields":[]}]"#,
                ),
        ]);
        let v = assert_fails(rule, &refused);
        assert!(
            v.message.contains("refused #2 POST")
                && v.message.contains("DUPLICATE_VALUE")
                && !v.message.contains("makes a duplicate"),
            "{}",
            v.message
        );
        // Both creates went through: two records where one was wanted.
        let doubled = evidence(vec![
            req("POST", &format!("{SOBJ}/Account"), 201),
            req("POST", &format!("{SOBJ}/Account"), 201).run(1),
        ]);
        let v = assert_fails(rule, &doubled);
        assert!(v.message.contains("made 2 of them"), "{}", v.message);
    }

    #[test]
    fn a_refused_upsert_is_told_with_the_orgs_error() {
        let rule = "{ rule: rest.upsert_by_external_id, object: Account, field: ERP_Id__c }";
        let url = format!("{SOBJ}/Account/ERP_Id__c/A-2001");
        let form = req("PATCH", &url, 415)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .response_body(r#"[{"message":"MediaType of 'application/x-www-form-urlencoded' is not supported by this resource","errorCode":"UNSUPPORTED_MEDIA_TYPE"}]"#);
        let v = assert_fails(rule, &evidence(vec![form]));
        assert!(
            v.message.ends_with("was answered 415 UNSUPPORTED_MEDIA_TYPE \"MediaType of 'application/x-www-form-urlencoded' is not supported by this resource\": the org refused it and wrote nothing."),
            "{}",
            v.message
        );
        assert!(!v.message.contains("or refused some"), "{}", v.message);
    }

    #[test]
    fn a_collections_upsert_by_external_id_counts_when_every_record_succeeded() {
        let rule = "{ rule: rest.upsert_by_external_id, object: Account, field: ERP_Id__c }";
        let url = "/services/data/v62.0/composite/sobjects/Account/ERP_Id__c";
        let all_ok = req("PATCH", url, 200).response_body(
            r#"[{"id":"001000000000001AAA","success":true,"errors":[],"created":true}]"#,
        );
        assert_passes(rule, &evidence(vec![all_ok]));
        let one_refused = req("PATCH", url, 200).response_body(
            r#"[{"success":false,"errors":[{"statusCode":"REQUIRED_FIELD_MISSING","message":"Required fields are missing: [Name]","fields":["Name"]}]}]"#,
        );
        let v = assert_fails(rule, &evidence(vec![one_refused]));
        assert!(
            v.message.contains("was answered 200, but the org refused record 1: REQUIRED_FIELD_MISSING \"Required fields are missing: [Name]\""),
            "{}",
            v.message
        );
        let nothing_sent = req("PATCH", url, 200).response_body("[]");
        assert_fails(rule, &evidence(vec![nothing_sent]));
    }

    #[test]
    fn an_upsert_sent_as_a_composite_subrequest_counts_when_it_was_answered_200_or_201() {
        let rule = "{ rule: rest.upsert_by_external_id, object: Account, field: ERP_Id__c }";
        let sub = r#"{"allOrNone":true,"compositeRequest":[{"method":"PATCH","url":"/services/data/v62.0/sobjects/Account/ERP_Id__c/A-2001","referenceId":"up","body":{"Name":"Kestrel Air"}}]}"#;
        let composite = req("POST", "/services/data/v62.0/composite", 200)
            .body(sub)
            .response_body(r#"{"compositeResponse":[{"body":{"id":"001000000000001AAA","success":true,"errors":[],"created":true},"httpHeaders":{},"httpStatusCode":201,"referenceId":"up"}]}"#);
        assert_passes(rule, &evidence(vec![composite]));
        let batch = req("POST", "/services/data/v62.0/composite/batch", 200)
            .body(r#"{"batchRequests":[{"method":"PATCH","url":"v62.0/sobjects/Account/ERP_Id__c/A-2001","richInput":{"Name":"Kestrel Air"}}]}"#)
            .response_body(r#"{"hasErrors":false,"results":[{"statusCode":200,"result":{"id":"001000000000001AAA","created":false}}]}"#);
        assert_passes(rule, &evidence(vec![batch]));
        let refused = req("POST", "/services/data/v62.0/composite", 200)
            .body(sub)
            .response_body(r#"{"compositeResponse":[{"body":[{"errorCode":"REQUIRED_FIELD_MISSING","message":"Required fields are missing: [Name]"}],"httpHeaders":{},"httpStatusCode":400,"referenceId":"up"}]}"#);
        let v = assert_fails(rule, &evidence(vec![refused]));
        assert!(v.message.contains("subrequest of #1"), "{}", v.message);
        // A create sent as a subrequest is no upsert.
        let create = req("POST", "/services/data/v62.0/composite", 200)
            .body(r#"{"compositeRequest":[{"method":"POST","url":"/services/data/v62.0/sobjects/Account","referenceId":"c","body":{"Name":"x"}}]}"#)
            .response_body(r#"{"compositeResponse":[{"httpStatusCode":201,"referenceId":"c","body":{}}]}"#);
        assert_fails(rule, &evidence(vec![create]));
    }

    #[test]
    fn a_post_overridden_to_patch_is_the_update_it_stands_for() {
        let rule = "{ rule: rest.patch_for_update, object: Account }";
        let overridden = req(
            "POST",
            &format!("{SOBJ}/Account/001000000000001AAA?_HttpMethod=PATCH"),
            204,
        );
        assert_passes(rule, &evidence(vec![overridden]));
        let plain_post = req("POST", &format!("{SOBJ}/Account/001000000000001AAA"), 405);
        assert_fails(rule, &evidence(vec![plain_post]));
    }

    #[test]
    fn api_names_in_the_url_match_whatever_their_case() {
        let rule = "{ rule: rest.upsert_by_external_id, object: Account, field: ERP_Id__c }";
        let v = assert_passes(
            rule,
            &evidence(vec![req(
                "PATCH",
                &format!("{SOBJ}/account/erp_id__c/A-2001"),
                201,
            )]),
        );
        assert_eq!(v.evidence, vec![1]);
        let v = assert_fails(
            rule,
            &evidence(vec![req(
                "PATCH",
                &format!("{SOBJ}/ACCOUNT/ERP_ID__C/A-2001"),
                400,
            )]),
        );
        assert!(v.message.contains("was answered 400"), "{}", v.message);
        assert_fails(
            "{ rule: rest.patch_for_update, object: Account }",
            &evidence(vec![req(
                "PUT",
                &format!("{SOBJ}/account/001000000000001AAA"),
                204,
            )]),
        );
    }

    #[test]
    fn patch_for_update_rejects_put() {
        let rule = "{ rule: rest.patch_for_update }";
        let rec = format!("{SOBJ}/Account/001000000000001AAA");
        assert_passes(rule, &evidence(vec![req("PATCH", &rec, 204)]));
        assert_fails(rule, &evidence(vec![req("PUT", &rec, 204)]));
        assert_fails(rule, &evidence(vec![get(&rec, 200)]));
        assert_passes(
            "{ rule: rest.patch_for_update, object: Account }",
            &evidence(vec![
                req("PATCH", &rec, 204),
                req("PUT", &format!("{SOBJ}/Contact/003x"), 204),
            ]),
        );
    }

    #[test]
    fn fields_selected_rejects_fields_all_and_whole_record_reads() {
        let rule = "{ rule: rest.fields_selected }";
        let q = "/services/data/v62.0/query";
        assert_passes(
            rule,
            &evidence(vec![
                get(&format!("{q}?q=SELECT+Id%2C+Name+FROM+Account"), 200),
                get(
                    &format!("{SOBJ}/Account/001000000000001AAA?fields=Name"),
                    200,
                ),
                get(&format!("{SOBJ}/Account/listviews"), 200),
                get(&format!("{SOBJ}/Account/describe"), 200),
            ]),
        );
        assert_fails(
            rule,
            &evidence(vec![get(
                &format!("{q}?q=SELECT+FIELDS(ALL)+FROM+Account+LIMIT+200"),
                200,
            )]),
        );
        assert_fails(
            rule,
            &evidence(vec![get(&format!("{SOBJ}/Account/001000000000001"), 200)]),
        );
        assert_fails(rule, &evidence(vec![]));
    }

    #[test]
    fn pagination_requires_every_next_records_url_fetched() {
        let rule = "{ rule: query.pagination_followed }";
        let q = "/services/data/v62.0/query?q=SELECT+Id+FROM+Account";
        let next = "/services/data/v62.0/query/01gxx-2000";
        let first = get(q, 200).response_body(&format!(
            r#"{{"totalSize":2500,"done":false,"nextRecordsUrl":"{next}","records":[]}}"#
        ));
        let second = get(next, 200).response_body(r#"{"totalSize":2500,"done":true,"records":[]}"#);
        let v = assert_passes(rule, &evidence(vec![first.clone(), second]));
        assert_eq!(v.evidence, vec![1, 2]);
        assert_fails(rule, &evidence(vec![first.clone()]));
        // Asked for at a wrong address: named as such, not as never fetched.
        let doubled = get(&format!("/services/data/v62.0{next}"), 404);
        let v = assert_fails(rule, &evidence(vec![first, doubled]));
        assert!(
            v.message
                .contains("asked for it at another address, answered 404"),
            "{}",
            v.message
        );
        let single = get(q, 200).response_body(r#"{"totalSize":1,"done":true,"records":[]}"#);
        assert_fails(rule, &evidence(vec![single.clone()]));
        assert_passes(
            "{ rule: query.pagination_followed, require_pages: false }",
            &evidence(vec![single]),
        );
    }
}
