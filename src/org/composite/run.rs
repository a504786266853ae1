//! Executing `/composite` and `/composite/graph`: references, all-or-none and rollback.
//!
//! Subrequests run in order through [`SubrequestTarget`]; each successful body is kept under
//! its referenceId for later `@{…}` references. A subrequest whose resource Composite does
//! not run (see [`unsupported_in_composite`]) fails as a subrequest, sent nowhere. With
//! `allOrNone` (always, for a graph) the first failure rolls the org back to the savepoint
//! taken before the call, and every other subrequest reports 400 `PROCESSING_HALTED`.
//! Without it, a subrequest that references a failed or unknown one is not executed and
//! reports why.
//!
//! Implementation notes: the PROCESSING_HALTED text for rolled-back subrequests follows
//! published captures; the text for a dependent subrequest of a failed one (allOrNone false)
//! is not documented, so it names the failed referenceId.

use super::dispatch::{SubResponse, SubrequestTarget};
use super::reference::{referenced_ids, resolve_json, resolve_text};
use super::request::{unsupported_in_composite, Graph, Subrequest};
use axum::http::HeaderMap;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

/// An all-or-none unit of work on the org, opened and closed around several subrequests.
pub trait Atomicity: Send + Sync {
    /// Starts recording writes so they can be undone.
    fn begin(&self);
    /// Keeps every write since `begin` (and lets change listeners hear of them).
    fn commit(&self);
    /// Undoes every write since `begin`.
    fn rollback(&self);
}

/// Graphs after this many failed ones are not executed (documented limit).
pub const MAX_FAILED_GRAPHS: usize = 14;

const ROLLED_BACK: &str =
    "The transaction was rolled back since another operation in the same transaction failed.";

fn halted(message: &str) -> SubResponse {
    SubResponse::error(400, "PROCESSING_HALTED", message)
}

/// Whether `url` is an sObject Collections resource (`/composite/sobjects…`).
fn is_collection(url: &str) -> bool {
    url.split('?')
        .next()
        .unwrap_or(url)
        .contains("/composite/sobjects")
}

/// An all-or-none call's `allOrNone` overrides a collections subrequest's own: its records
/// are saved all or none too (the body's flag, or `allOrNone=true` on a DELETE's query).
fn all_or_none_collection(
    method: &str,
    url: String,
    body: Option<Value>,
) -> (String, Option<Value>) {
    if method.eq_ignore_ascii_case("DELETE") {
        let url = if url.contains("allOrNone=") {
            url.replace("allOrNone=false", "allOrNone=true")
        } else {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}allOrNone=true")
        };
        return (url, body);
    }
    let body = body.map(|mut b| {
        if let Some(m) = b.as_object_mut() {
            if m.contains_key("records") {
                m.insert("allOrNone".into(), Value::Bool(true));
            }
        }
        b
    });
    (url, body)
}

/// Whether a subrequest failed: an error status, or (a collections answer) a record that
/// was not saved, which fails an all-or-none call as a whole.
fn failed(resp: &SubResponse) -> bool {
    !resp.is_success()
        || resp.body.as_array().is_some_and(|rows| {
            rows.iter()
                .any(|r| r.get("success") == Some(&Value::Bool(false)))
        })
}

fn entry(sub: &Subrequest, resp: &SubResponse) -> Value {
    json!({
        "body": resp.body,
        "httpHeaders": resp.headers,
        "httpStatusCode": resp.status,
        "referenceId": sub.reference_id,
    })
}

/// Runs subrequests in order; returns the responses and whether all succeeded.
async fn run_subrequests(
    target: &SubrequestTarget,
    outer: &HeaderMap,
    subs: &[Subrequest],
    stop_at_failure: bool,
) -> (Vec<Option<SubResponse>>, bool) {
    let mut bodies: HashMap<String, Value> = HashMap::new();
    let mut failed_refs: HashSet<String> = HashSet::new();
    let mut out: Vec<Option<SubResponse>> = Vec::with_capacity(subs.len());
    let mut all_ok = true;
    for sub in subs {
        if stop_at_failure && !all_ok {
            out.push(None);
            continue;
        }
        let mut deps = referenced_ids(&sub.url);
        if let Some(body) = &sub.body {
            deps.extend(collect_refs(body));
        }
        if let Some(bad) = deps.iter().find(|d| failed_refs.contains(*d)) {
            let resp = halted(&format!(
                "This subrequest was not executed because it references '{bad}', which failed."
            ));
            failed_refs.insert(sub.reference_id.clone());
            all_ok = false;
            out.push(Some(resp));
            continue;
        }
        let resolved = resolve_text(&sub.url, &bodies).and_then(|url| {
            let body = sub
                .body
                .as_ref()
                .map(|b| resolve_json(b, &bodies))
                .transpose()?;
            Ok((url, body))
        });
        let resp = match resolved {
            Ok((url, body)) => match unsupported_in_composite(&url) {
                Some(said) => SubResponse::error(404, "NOT_FOUND", &said),
                None => {
                    let (url, body) = if stop_at_failure && is_collection(&url) {
                        all_or_none_collection(&sub.method, url, body)
                    } else {
                        (url, body)
                    };
                    target
                        .send(outer, &sub.method, &url, body.as_ref(), &sub.http_headers)
                        .await
                }
            },
            Err(e) => SubResponse::error(400, e.error_code(), &e.to_string()),
        };
        let ok = if stop_at_failure {
            !failed(&resp)
        } else {
            resp.is_success()
        };
        if ok {
            bodies.insert(sub.reference_id.clone(), resp.body.clone());
        } else {
            failed_refs.insert(sub.reference_id.clone());
            all_ok = false;
        }
        out.push(Some(resp));
    }
    (out, all_ok)
}

fn collect_refs(body: &Value) -> Vec<String> {
    match body {
        Value::String(s) => referenced_ids(s),
        Value::Array(a) => a.iter().flat_map(collect_refs).collect(),
        Value::Object(m) => m.values().flat_map(collect_refs).collect(),
        _ => Vec::new(),
    }
}

/// Turns the raw run into final results for an all-or-none unit.
fn settle_all_or_none(
    subs: &[Subrequest],
    run: Vec<Option<SubResponse>>,
    all_ok: bool,
) -> Vec<Value> {
    subs.iter()
        .zip(run)
        .map(|(sub, resp)| match resp {
            Some(r) if all_ok || failed(&r) => entry(sub, &r),
            _ => entry(sub, &halted(ROLLED_BACK)),
        })
        .collect()
}

/// `/composite`: the `compositeResponse` array.
pub async fn run_composite(
    target: &SubrequestTarget,
    atomicity: &dyn Atomicity,
    outer: &HeaderMap,
    subs: &[Subrequest],
    all_or_none: bool,
) -> Value {
    if all_or_none {
        atomicity.begin();
    }
    let (run, all_ok) = run_subrequests(target, outer, subs, all_or_none).await;
    let results = if all_or_none {
        if all_ok {
            atomicity.commit();
        } else {
            atomicity.rollback();
        }
        settle_all_or_none(subs, run, all_ok)
    } else {
        subs.iter()
            .zip(run)
            .map(|(sub, r)| entry(sub, &r.unwrap_or_else(|| halted(ROLLED_BACK))))
            .collect()
    };
    json!({ "compositeResponse": results })
}

/// `/composite/graph`: each graph atomic on its own.
pub async fn run_graphs(
    target: &SubrequestTarget,
    atomicity: &dyn Atomicity,
    outer: &HeaderMap,
    graphs: &[Graph],
) -> Value {
    let mut failed = 0usize;
    let mut out = Vec::with_capacity(graphs.len());
    for graph in graphs {
        let (results, ok) = if failed >= MAX_FAILED_GRAPHS {
            let halted_all = graph
                .composite_request
                .iter()
                .map(|sub| {
                    entry(
                        sub,
                        &halted(
                            "This graph was not executed because too many graphs before it failed.",
                        ),
                    )
                })
                .collect();
            (halted_all, false)
        } else {
            atomicity.begin();
            let (run, ok) = run_subrequests(target, outer, &graph.composite_request, true).await;
            if ok {
                atomicity.commit();
            } else {
                atomicity.rollback();
            }
            (settle_all_or_none(&graph.composite_request, run, ok), ok)
        };
        if !ok {
            failed += 1;
        }
        out.push(json!({
            "graphId": graph.graph_id,
            "graphResponse": {"compositeResponse": results},
            "isSuccessful": ok,
        }));
    }
    json!({ "graphs": out })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::composite::request::parse_composite;
    use axum::extract::Path;
    use axum::routing::{get, post};
    use axum::{Json, Router};
    use parking_lot::Mutex;
    use std::sync::Arc;

    /// A tiny stand-in org: a list of names; POST adds (Name "bad" fails), GET reads.
    #[derive(Clone, Default)]
    struct FakeOrg {
        names: Arc<Mutex<Vec<String>>>,
        mark: Arc<Mutex<usize>>,
    }

    impl Atomicity for FakeOrg {
        fn begin(&self) {
            *self.mark.lock() = self.names.lock().len();
        }
        fn commit(&self) {}
        fn rollback(&self) {
            let mark = *self.mark.lock();
            self.names.lock().truncate(mark);
        }
    }

    fn target(org: &FakeOrg) -> SubrequestTarget {
        let o1 = org.clone();
        let o2 = org.clone();
        let router = Router::new()
            .route(
                "/services/data/v62.0/sobjects/Account",
                post(move |Json(body): Json<Value>| {
                    let org = o1.clone();
                    async move {
                        let name = body["Name"].as_str().unwrap_or("").to_string();
                        if name == "bad" {
                            return (
                                axum::http::StatusCode::BAD_REQUEST,
                                Json(json!([{"message":"bad name","errorCode":"FIELD_CUSTOM_VALIDATION_EXCEPTION","fields":["Name"]}])),
                            );
                        }
                        let mut names = org.names.lock();
                        names.push(name);
                        let id = format!("001{:015}", names.len());
                        (axum::http::StatusCode::CREATED, Json(json!({"id": id, "success": true, "errors": []})))
                    }
                }),
            )
            .route(
                "/services/data/v62.0/sobjects/Account/{id}",
                get(move |Path(id): Path<String>| {
                    let org = o2.clone();
                    async move {
                        let n: usize = id[3..].parse().unwrap_or(0);
                        let name = org.names.lock().get(n.wrapping_sub(1)).cloned();
                        Json(json!({"Id": id, "Name": name}))
                    }
                }),
            );
        let t = SubrequestTarget::new();
        t.install(router);
        t
    }

    fn request(all_or_none: bool, second_name: &str) -> Vec<Subrequest> {
        let body = json!({"allOrNone": all_or_none, "compositeRequest": [
            {"method":"POST","url":"/services/data/v62.0/sobjects/Account","referenceId":"acc","body":{"Name":"Falcon"}},
            {"method":"GET","url":"/services/data/v62.0/sobjects/Account/@{acc.id}","referenceId":"read"},
            {"method":"POST","url":"/services/data/v62.0/sobjects/Account","referenceId":"second","body":{"Name": second_name, "Description":"@{read.Name}"}},
            {"method":"GET","url":"/services/data/v62.0/sobjects/Account/@{second.id}","referenceId":"readSecond"}
        ]});
        parse_composite(body.to_string().as_bytes())
            .unwrap()
            .composite_request
    }

    #[tokio::test]
    async fn references_flow_from_one_subrequest_to_the_next() {
        let org = FakeOrg::default();
        let out = run_composite(
            &target(&org),
            &org,
            &HeaderMap::new(),
            &request(true, "Kite"),
            true,
        )
        .await;
        let r = &out["compositeResponse"];
        assert_eq!(r[0]["httpStatusCode"], 201);
        assert_eq!(r[1]["body"]["Name"], "Falcon");
        assert_eq!(r[3]["body"]["Name"], "Kite");
        assert_eq!(org.names.lock().len(), 2);
    }

    #[tokio::test]
    async fn all_or_none_failure_rolls_back_and_halts_the_others() {
        let org = FakeOrg::default();
        let out = run_composite(
            &target(&org),
            &org,
            &HeaderMap::new(),
            &request(true, "bad"),
            true,
        )
        .await;
        let r = out["compositeResponse"].as_array().unwrap();
        assert_eq!(r.len(), 4);
        assert_eq!(r[2]["httpStatusCode"], 400);
        assert_eq!(
            r[2]["body"][0]["errorCode"],
            "FIELD_CUSTOM_VALIDATION_EXCEPTION"
        );
        for i in [0, 1, 3] {
            assert_eq!(r[i]["httpStatusCode"], 400);
            assert_eq!(r[i]["body"][0]["errorCode"], "PROCESSING_HALTED");
        }
        assert!(
            org.names.lock().is_empty(),
            "the first insert must be rolled back"
        );
    }

    #[tokio::test]
    async fn without_all_or_none_successes_stay_and_dependents_are_skipped() {
        let org = FakeOrg::default();
        let out = run_composite(
            &target(&org),
            &org,
            &HeaderMap::new(),
            &request(false, "bad"),
            false,
        )
        .await;
        let r = out["compositeResponse"].as_array().unwrap();
        assert_eq!(r[0]["httpStatusCode"], 201);
        assert_eq!(r[2]["httpStatusCode"], 400);
        assert_eq!(r[3]["body"][0]["errorCode"], "PROCESSING_HALTED");
        assert!(r[3]["body"][0]["message"]
            .as_str()
            .unwrap()
            .contains("second"));
        assert_eq!(org.names.lock().as_slice(), ["Falcon".to_string()]);
    }

    #[tokio::test]
    async fn each_graph_is_atomic_on_its_own() {
        let org = FakeOrg::default();
        let body = json!({"graphs":[
            {"graphId":"good","compositeRequest":[{"method":"POST","url":"/services/data/v62.0/sobjects/Account","referenceId":"a","body":{"Name":"A"}}]},
            {"graphId":"bad","compositeRequest":[
                {"method":"POST","url":"/services/data/v62.0/sobjects/Account","referenceId":"b","body":{"Name":"B"}},
                {"method":"POST","url":"/services/data/v62.0/sobjects/Account","referenceId":"c","body":{"Name":"bad"}}]}
        ]});
        let graphs = crate::org::composite::request::parse_graph(body.to_string().as_bytes())
            .unwrap()
            .graphs;
        let out = run_graphs(&target(&org), &org, &HeaderMap::new(), &graphs).await;
        assert_eq!(out["graphs"][0]["isSuccessful"], true);
        assert_eq!(out["graphs"][1]["isSuccessful"], false);
        assert_eq!(
            out["graphs"][1]["graphResponse"]["compositeResponse"][0]["body"][0]["errorCode"],
            "PROCESSING_HALTED"
        );
        assert_eq!(org.names.lock().as_slice(), ["A".to_string()]);
    }
}
