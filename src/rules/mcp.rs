//! `mcp.tools_called`: which tools the learner's code invoked on an MCP server, read from the
//! JSON-RPC `tools/call` requests it posted (single messages and batches). A tool review is
//! only worth something if the code then calls the approved tools and never a rejected one,
//! and asks them only what the job needs: with `arguments:`, a call of a listed tool must send
//! one of the argument sets given there (see [`super::mcp_arguments`]), so an approved
//! `soql_query` run with the `SELECT Email FROM Contact` a poisoned description asked for
//! fails.

use super::cx::{plural, show, Cx};
use super::mcp_arguments::{self, ToolArguments};
use super::Verdict;
use crate::evidence::Exchange;
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolsCalled {
    /// Every tool called must be one of these.
    pub allowed: Vec<String>,
    /// Each of these must have been called at least once, and answered without an error.
    #[serde(default)]
    pub required: Vec<String>,
    /// The MCP endpoint's path (default: the org's `/services/mcp`).
    #[serde(default = "default_path")]
    pub path: String,
    /// Tool → the argument sets a call of it may send (see [`super::mcp_arguments`]); a tool
    /// not listed here may be called with any arguments.
    #[serde(default)]
    pub arguments: ToolArguments,
}

impl ToolsCalled {
    /// An author's mistake caught when the lab loads: arguments for a tool that may not be
    /// called, or a tool listed with no argument set (no call of it could pass).
    pub fn problem(&self) -> Option<String> {
        self.arguments.iter().find_map(|(tool, sets)| {
            if !self.allowed.contains(tool) {
                Some(format!(
                    "`arguments:` names the tool {tool:?}, which is not in `allowed:`"
                ))
            } else if sets.is_empty() {
                Some(format!(
                    "`arguments:` gives no argument set for {tool:?}: list at least one"
                ))
            } else {
                None
            }
        })
    }
}

fn default_path() -> String {
    "/services/mcp".into()
}

/// The tools a request body asks to call (`tools/call`, in a batch or alone), each with the
/// `arguments` object it sends, if any.
pub(crate) fn called_tools(body: &Value) -> Vec<(String, Option<Map<String, Value>>)> {
    let one = |m: &Value| -> Option<(String, Option<Map<String, Value>>)> {
        if m.get("method")?.as_str()? != "tools/call" {
            return None;
        }
        let params = m.get("params")?;
        let name = params.get("name")?.as_str()?.to_string();
        let arguments = params.get("arguments").and_then(Value::as_object).cloned();
        Some((name, arguments))
    };
    match body {
        Value::Array(items) => items.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
}

/// Whether the answer to a call of `tool` in `e` reports success: HTTP 2xx, no JSON-RPC
/// `error`, and no `result.isError`. A batch is answered by an array: the answer that counts
/// is the element whose `id` is that of a `tools/call` of `tool` in the batch sent.
fn answered_ok(e: &Exchange, tool: &str) -> bool {
    if !matches!(e.status(), Some(s) if (200..300).contains(&s)) {
        return false;
    }
    let Some(body) = e.response.as_ref().and_then(|r| r.body.json()) else {
        return false;
    };
    let ok = |answer: &Value| {
        answer.get("error").is_none()
            && !answer
                .get("result")
                .and_then(|r| r.get("isError"))
                .and_then(Value::as_bool)
                .unwrap_or(false)
    };
    let Value::Array(answers) = &body else {
        return ok(&body);
    };
    let sent = e.request.body.json().unwrap_or(Value::Null);
    let ids: Vec<&Value> = sent
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| {
            m.get("method").and_then(Value::as_str) == Some("tools/call")
                && m.pointer("/params/name").and_then(Value::as_str) == Some(tool)
        })
        .filter_map(|m| m.get("id"))
        .collect();
    answers
        .iter()
        .filter(|a| a.get("id").is_some_and(|id| ids.contains(&id)))
        .any(ok)
}

pub(crate) fn tools_called(p: &ToolsCalled, cx: &Cx) -> Verdict {
    let mut calls: Vec<(&Exchange, String)> = Vec::new();
    let mut refused_arguments = Vec::new();
    for e in cx.ev.exchanges.iter().filter(|e| {
        e.method().eq_ignore_ascii_case("POST") && e.path().trim_end_matches('/') == p.path
    }) {
        let Some(body) = e.request.body.json() else {
            continue;
        };
        for (tool, arguments) in called_tools(&body) {
            let sets = p.arguments.get(&tool);
            if sets.is_some_and(|sets| !mcp_arguments::allowed(arguments.as_ref(), sets)) {
                refused_arguments.push(format!(
                    "{} `{tool}` with {}",
                    show(e),
                    mcp_arguments::shown(arguments.as_ref())
                ));
            }
            calls.push((e, tool));
        }
    }
    let forbidden: Vec<String> = calls
        .iter()
        .filter(|(_, t)| !p.allowed.contains(t))
        .map(|(e, t)| format!("{} `{t}`", show(e)))
        .collect();
    if !forbidden.is_empty() {
        return cx.fail(format!(
            "The code called a tool that is not on the approved list ({}): {}. A tool whose \
             description tries to steer the caller must never be invoked.",
            p.allowed.join(", "),
            forbidden.join(", ")
        ));
    }
    if !refused_arguments.is_empty() {
        let needed: Vec<String> = p
            .arguments
            .iter()
            .flat_map(|(tool, sets)| {
                sets.iter()
                    .map(move |set| format!("`{tool}` with {}", mcp_arguments::listed(set)))
            })
            .collect();
        return cx.fail(format!(
            "The code asked an approved tool for more than the job needs: {}. The job's calls \
             are {}; anything else (another object, every record, a query a tool's \
             description asked for) is the agent doing someone else's bidding.",
            refused_arguments.join(", "),
            needed.join(" or ")
        ));
    }
    let missing: Vec<&str> = p
        .required
        .iter()
        .filter(|r| !calls.iter().any(|(e, t)| t == *r && answered_ok(e, t)))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return cx.fail(format!(
            "No successful tools/call of {} was made (calls seen: {}). Send \
             {{\"method\":\"tools/call\",\"params\":{{\"name\":…,\"arguments\":{{…}}}}}} with the \
             Mcp-Session-Id from initialize.",
            missing.join(", "),
            if calls.is_empty() {
                "none".to_string()
            } else {
                calls
                    .iter()
                    .map(|(e, t)| format!("{} `{t}`", show(e)))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ));
    }
    cx.pass(format!(
        "{}, all of approved tools ({}){}.",
        plural(calls.len(), "tool call"),
        p.allowed.join(", "),
        if p.arguments.is_empty() {
            ""
        } else {
            ", each asking only what the job needs"
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use crate::evidence::Exchange;

    fn call(tool: &str, result: &str) -> Exchange {
        req("POST", "/services/mcp", 200)
            .body(&format!(
                r#"{{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{{"name":"{tool}","arguments":{{}}}}}}"#
            ))
            .response_body(&format!(r#"{{"jsonrpc":"2.0","id":2,"result":{result}}}"#))
    }

    const OK: &str = r#"{"content":[{"type":"text","text":"[]"}],"isError":false}"#;
    const RULE: &str = "{ rule: mcp.tools_called, allowed: [soql_query], required: [soql_query] }";

    #[test]
    fn only_the_approved_tool_called_successfully_passes() {
        let list = req("POST", "/services/mcp", 200)
            .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#);
        assert_passes(RULE, &evidence(vec![list, call("soql_query", OK)]));
    }

    #[test]
    fn calling_a_rejected_tool_fails_and_names_it() {
        let ev = evidence(vec![call("soql_query", OK), call("shipping_quote", OK)]);
        let v = assert_fails(RULE, &ev);
        assert!(
            v.message.contains("shipping_quote") && v.message.contains("#2"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_tool_call_in_a_batch_counts() {
        let batch = req("POST", "/services/mcp", 200).body(
            r#"[{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"shipping_quote"}}]"#,
        );
        assert_fails(RULE, &evidence(vec![call("soql_query", OK), batch]));
    }

    #[test]
    fn a_batched_call_answered_is_error_is_no_successful_call() {
        let batched = |result: &str| {
            req("POST", "/services/mcp", 200)
                .body(
                    r#"[{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"soql_query","arguments":{"query":"SELECT Nme FROM Account"}}}]"#,
                )
                .response_body(&format!(r#"[{{"jsonrpc":"2.0","id":3,"result":{result}}}]"#))
        };
        let failed = r#"{"content":[{"type":"text","text":"INVALID_FIELD"}],"isError":true}"#;
        let v = assert_fails(RULE, &evidence(vec![batched(failed)]));
        assert!(
            v.message
                .starts_with("No successful tools/call of soql_query"),
            "{}",
            v.message
        );
        assert_passes(RULE, &evidence(vec![batched(OK)]));
        // Another message's answer in the same batch says nothing of this call.
        let mixed = req("POST", "/services/mcp", 200)
            .body(
                r#"[{"jsonrpc":"2.0","id":2,"method":"tools/list"},{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"soql_query"}}]"#,
            )
            .response_body(&format!(
                r#"[{{"jsonrpc":"2.0","id":2,"result":{{"tools":[]}}}},{{"jsonrpc":"2.0","id":3,"result":{failed}}}]"#
            ));
        assert_fails(RULE, &evidence(vec![mixed]));
    }

    fn query_call(query: &str) -> Exchange {
        req("POST", "/services/mcp", 200)
            .body(
                &serde_json::json!({
                    "jsonrpc": "2.0", "id": 3, "method": "tools/call",
                    "params": { "name": "soql_query", "arguments": { "query": query } }
                })
                .to_string(),
            )
            .response_body(&format!(r#"{{"jsonrpc":"2.0","id":3,"result":{OK}}}"#))
    }

    const RETAIL_ONLY: &str = "{ rule: mcp.tools_called, allowed: [soql_query], required: [soql_query], arguments: { soql_query: [ { query: \"SELECT Name FROM Account WHERE Industry = 'Retail'\" } ] } }";

    #[test]
    fn the_job_s_own_query_passes_however_it_is_spaced() {
        let ev = evidence(vec![query_call(
            "select Name from Account where Industry='Retail'",
        )]);
        let v = assert_passes(RETAIL_ONLY, &ev);
        assert!(
            v.message.contains("only what the job needs"),
            "{}",
            v.message
        );
    }

    #[test]
    fn an_approved_tool_asked_what_a_poisoned_description_wants_fails() {
        let ev = evidence(vec![
            query_call("SELECT Email FROM Contact"),
            query_call("SELECT Name FROM Account WHERE Industry = 'Retail'"),
        ]);
        let v = assert_fails(RETAIL_ONLY, &ev);
        assert!(
            v.message.contains("#1") && v.message.contains("SELECT Email FROM Contact"),
            "{}",
            v.message
        );
    }

    #[test]
    fn reading_every_account_instead_of_the_retail_ones_fails() {
        let ev = evidence(vec![query_call("SELECT Name FROM Account")]);
        let v = assert_fails(RETAIL_ONLY, &ev);
        assert!(
            v.message.contains("SELECT Name FROM Account"),
            "{}",
            v.message
        );
    }

    #[test]
    fn arguments_for_a_tool_that_may_not_be_called_are_refused_when_the_lab_loads() {
        let bad = "{ rule: mcp.tools_called, allowed: [soql_query], arguments: { shipment_eta: [ { order: A } ] } }";
        let v: serde_json::Value = serde_yaml::from_str(bad).expect("yaml");
        let e = crate::rules::RuleSpec::from_value(v).expect_err("refused");
        assert!(e.to_string().contains("shipment_eta"), "{e}");
    }

    #[test]
    fn the_required_tool_must_succeed() {
        let failed = r#"{"content":[{"type":"text","text":"no"}],"isError":true}"#;
        assert_fails(RULE, &evidence(vec![call("soql_query", failed)]));
        assert_fails(RULE, &evidence(vec![]));
    }
}
