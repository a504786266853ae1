//! `mcp.tools_called`: which tools the learner's code invoked on an MCP server, read from the
//! JSON-RPC `tools/call` requests it posted (single messages and batches). A tool review is
//! only worth something if the code then calls the approved tools and never a rejected one.

use super::cx::{plural, show, Cx};
use super::Verdict;
use crate::evidence::Exchange;
use serde::Deserialize;
use serde_json::Value;

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
}

fn default_path() -> String {
    "/services/mcp".into()
}

/// The names of the tools a request body asks to call (`tools/call`, in a batch or alone).
pub(crate) fn called_tools(body: &Value) -> Vec<String> {
    let one = |m: &Value| -> Option<String> {
        (m.get("method")?.as_str()? == "tools/call")
            .then(|| m.get("params")?.get("name")?.as_str().map(str::to_string))
            .flatten()
    };
    match body {
        Value::Array(items) => items.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
}

/// Whether the answer to a call reports success: HTTP 2xx, no JSON-RPC `error`, and no
/// `result.isError`.
fn answered_ok(e: &Exchange) -> bool {
    if !matches!(e.status(), Some(s) if (200..300).contains(&s)) {
        return false;
    }
    let Some(body) = e.response.as_ref().and_then(|r| r.body.json()) else {
        return false;
    };
    body.get("error").is_none()
        && !body
            .get("result")
            .and_then(|r| r.get("isError"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
}

pub(crate) fn tools_called(p: &ToolsCalled, cx: &Cx) -> Verdict {
    let mut calls: Vec<(&Exchange, String)> = Vec::new();
    for e in cx.ev.exchanges.iter().filter(|e| {
        e.method().eq_ignore_ascii_case("POST") && e.path().trim_end_matches('/') == p.path
    }) {
        let Some(body) = e.request.body.json() else {
            continue;
        };
        calls.extend(called_tools(&body).into_iter().map(|t| (e, t)));
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
    let missing: Vec<&str> = p
        .required
        .iter()
        .filter(|r| !calls.iter().any(|(e, t)| t == *r && answered_ok(e)))
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
        "{}, all of approved tools ({}).",
        plural(calls.len(), "tool call"),
        p.allowed.join(", ")
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
    fn the_required_tool_must_succeed() {
        let failed = r#"{"content":[{"type":"text","text":"no"}],"isError":true}"#;
        assert_fails(RULE, &evidence(vec![call("soql_query", failed)]));
        assert_fails(RULE, &evidence(vec![]));
    }
}
