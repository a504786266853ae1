//! What the org refused in one write: the call's own error, or — for the composite family,
//! which answers 200 around per-part results — the first part refused for a reason of its
//! own (not a `PROCESSING_HALTED` or `ALL_OR_NONE_OPERATION_ROLLED_BACK` knock-on of another
//! part's failure). A check that finds records missing quotes it.

use crate::evidence::Exchange;
use serde_json::Value;

/// Codes a part gets only because another part of the call failed.
const KNOCK_ON: &[&str] = &[
    "PROCESSING_HALTED",
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "BATCH_PROCESSING_HALTED",
];

/// One refusal: where in the call, the status it got, and what the org said.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// The refused part (`subrequest "con"`, `record 2`), None when the whole call was.
    pub part: Option<String>,
    pub status: u16,
    /// `: CODE "message"`, or empty when the answer named no error.
    pub said: String,
    /// True when other parts were undone or skipped because of it.
    pub knocked_on: bool,
}

/// The first thing the org refused in `e`, if it refused anything: a 4xx answer (other than
/// an expired session's 401), or a refused part inside a 2xx composite-family answer.
pub fn refusal(e: &Exchange) -> Option<Refusal> {
    let status = e.status()?;
    if (400..500).contains(&status) && status != 401 {
        let body = e.response_json().unwrap_or(Value::Null);
        // A tree's refusal names the record (its referenceId) in `results`.
        if let Some((part, said)) = tree_part(&body) {
            return Some(Refusal {
                part: Some(part),
                status,
                said,
                knocked_on: false,
            });
        }
        return Some(Refusal {
            part: None,
            status,
            said: said_of(&body),
            knocked_on: false,
        });
    }
    if !(200..300).contains(&status) {
        return None;
    }
    let body = e.response_json()?;
    let parts = parts_of(&body);
    let knocked_on = parts.iter().any(|p| is_knock_on(&p.2));
    let (part, status, error) = parts.into_iter().find(|p| !is_knock_on(&p.2))?;
    Some(Refusal {
        part: Some(part),
        status,
        said: said_of(&error),
        knocked_on,
    })
}

/// The refused parts of a 2xx composite-family answer, in order: (part, status, error body).
fn parts_of(body: &Value) -> Vec<(String, u16, Value)> {
    let status_of = |v: &Value| v.as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(0);
    let mut out = Vec::new();
    let mut composite = |items: &Value, graph: Option<&str>| {
        for (i, item) in items.as_array().into_iter().flatten().enumerate() {
            let status = status_of(&item["httpStatusCode"]);
            if status < 400 {
                continue;
            }
            let name = item["referenceId"].as_str().map_or_else(
                || format!("subrequest {}", i + 1),
                |r| format!("subrequest \"{r}\""),
            );
            let name = match graph {
                Some(g) => format!("graph \"{g}\" {name}"),
                None => name,
            };
            out.push((name, status, item["body"].clone()));
        }
    };
    if body.get("compositeResponse").is_some() {
        composite(&body["compositeResponse"], None);
    } else if let Some(graphs) = body.get("graphs").and_then(Value::as_array) {
        for g in graphs {
            let id = g["graphId"].as_str().unwrap_or("?");
            composite(&g["graphResponse"]["compositeResponse"], Some(id));
        }
    } else if let Some(results) = body.get("results").and_then(Value::as_array) {
        // A batch: each result has its own statusCode.
        for (i, r) in results.iter().enumerate() {
            let status = status_of(&r["statusCode"]);
            if status >= 400 {
                out.push((format!("subrequest {}", i + 1), status, r["result"].clone()));
            }
        }
    } else if let Some(rows) = body.as_array() {
        // sObject collections: a result per record, `success: false` with `errors`.
        for (i, row) in rows.iter().enumerate() {
            if row["success"] == Value::Bool(false) {
                out.push((format!("record {}", i + 1), 200, row["errors"].clone()));
            }
        }
    }
    out
}

/// A refused tree's first record with errors: (`record "ref"`, what it got).
fn tree_part(body: &Value) -> Option<(String, String)> {
    body.get("hasErrors")?;
    let first = body["results"]
        .as_array()?
        .iter()
        .find(|r| r["errors"].as_array().is_some_and(|e| !e.is_empty()))?;
    let name = first["referenceId"]
        .as_str()
        .map_or_else(|| "a record".to_string(), |r| format!("record \"{r}\""));
    Some((name, said_of(&first["errors"])))
}

/// The first error of an error body (a list or one object; `errorCode` or `statusCode`).
fn first_error(v: &Value) -> &Value {
    v.as_array().and_then(|a| a.first()).unwrap_or(v)
}

fn code_of(v: &Value) -> Option<&str> {
    let e = first_error(v);
    e.get("errorCode")
        .or_else(|| e.get("statusCode"))
        .and_then(Value::as_str)
}

fn is_knock_on(error: &Value) -> bool {
    code_of(error).is_some_and(|c| KNOCK_ON.contains(&c))
}

/// `: CODE "message"` for an error body, empty when it names no error code.
fn said_of(error: &Value) -> String {
    let Some(code) = code_of(error) else {
        return String::new();
    };
    let message = first_error(error)
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim_end_matches('.');
    format!(": {code} \"{message}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::{req, ExchangeBuild};

    fn answered(status: u16, body: &str) -> Exchange {
        req("POST", "/services/data/v62.0/composite", status).response_body(body)
    }

    #[test]
    fn a_refused_call_is_its_own_refusal() {
        let r = refusal(&answered(
            400,
            r#"[{"errorCode":"INVALID_FIELD","message":"No such column 'X' on sobject of type Account."}]"#,
        ))
        .expect("refused");
        assert_eq!(r.part, None);
        assert_eq!(r.status, 400);
        assert_eq!(
            r.said,
            ": INVALID_FIELD \"No such column 'X' on sobject of type Account\""
        );
        assert_eq!(
            refusal(&answered(401, "[]")),
            None,
            "an expired session is not a refusal"
        );
        assert_eq!(refusal(&answered(201, r#"{"id":"001"}"#)), None);
    }

    #[test]
    fn a_composite_answer_names_the_subrequest_that_failed_not_the_ones_halted_by_it() {
        let body = r#"{"compositeResponse":[
            {"httpStatusCode":400,"referenceId":"acct","body":[{"errorCode":"PROCESSING_HALTED","message":"The transaction was rolled back since another operation in the same transaction failed."}]},
            {"httpStatusCode":400,"referenceId":"con","body":[{"errorCode":"REQUIRED_FIELD_MISSING","message":"Required fields are missing: [LastName]","fields":["LastName"]}]},
            {"httpStatusCode":400,"referenceId":"opp","body":[{"errorCode":"PROCESSING_HALTED","message":"x"}]}
        ]}"#;
        let r = refusal(&answered(200, body)).expect("refused");
        assert_eq!(r.part.as_deref(), Some("subrequest \"con\""));
        assert_eq!(r.status, 400);
        assert!(
            r.said
                .starts_with(": REQUIRED_FIELD_MISSING \"Required fields"),
            "{}",
            r.said
        );
        assert!(r.knocked_on);
        let fine = r#"{"compositeResponse":[{"httpStatusCode":201,"referenceId":"a","body":{"id":"001"}}]}"#;
        assert_eq!(refusal(&answered(200, fine)), None);
    }

    #[test]
    fn collections_batch_graph_and_tree_answers_name_their_refused_part() {
        let rows = r#"[{"id":"00Q1","success":true,"errors":[]},{"success":false,"errors":[{"statusCode":"DUPLICATE_VALUE","message":"duplicate value found"}]}]"#;
        let r = refusal(&answered(200, rows)).expect("a row refused");
        assert_eq!((r.part.as_deref(), r.knocked_on), (Some("record 2"), false));
        assert_eq!(r.said, ": DUPLICATE_VALUE \"duplicate value found\"");

        let batch = r#"{"hasErrors":true,"results":[{"statusCode":204,"result":null},{"statusCode":404,"result":[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]}]}"#;
        let r = refusal(&answered(200, batch)).expect("a subrequest refused");
        assert_eq!((r.part.as_deref(), r.status), (Some("subrequest 2"), 404));

        let graph = r#"{"graphs":[{"graphId":"g1","isSuccessful":false,"graphResponse":{"compositeResponse":[{"httpStatusCode":400,"referenceId":"n1","body":[{"errorCode":"INVALID_FIELD","message":"bad"}]}]}}]}"#;
        let r = refusal(&answered(200, graph)).expect("a node refused");
        assert_eq!(r.part.as_deref(), Some("graph \"g1\" subrequest \"n1\""));

        let tree = r#"{"hasErrors":true,"results":[{"referenceId":"ref1","errors":[{"statusCode":"REQUIRED_FIELD_MISSING","message":"Required fields are missing: [Name]","fields":["Name"]}]}]}"#;
        let r = refusal(&answered(400, tree)).expect("a tree refused");
        assert_eq!(r.part.as_deref(), Some("record \"ref1\""));
        assert!(r.said.starts_with(": REQUIRED_FIELD_MISSING"));
    }
}
