//! The requests a composite-family call carries inside its body: the subrequests of
//! `/composite` (`compositeRequest`), `/composite/batch` (`batchRequests`) and
//! `/composite/graph` (each graph's `compositeRequest`). The org serves each of them as it would
//! serve the same request sent alone, so a budget on requests of one kind (no SOQL query, at
//! most one read of a resource) must count them too: a query sent as a batch subrequest is
//! still a query.
//!
//! Implementation notes: `/composite` and graph subrequests name a full path
//! (`/services/data/v62.0/query?q=…`); batch subrequests name one relative to `/services/data/`
//! (`v62.0/query?q=…`), and both spellings are read either way. A subrequest's headers are its
//! own `httpHeaders`, then the outer call's (the org authorises every subrequest with the
//! outer call's session).

use crate::evidence::Exchange;
use crate::matcher::{RequestPattern, RequestView};
use serde_json::Value;

/// One subrequest as a request of its own.
struct Subrequest {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: String,
}

/// How many of `e`'s subrequests match `pattern` (0 for a call that is not a composite-family
/// POST, or whose body does not parse).
pub(super) fn matching(pattern: &RequestPattern, e: &Exchange) -> usize {
    subrequests(e)
        .iter()
        .filter(|sub| {
            let lookup = |name: &str| {
                sub.headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
                    .or_else(|| e.request_header(name).map(str::to_string))
            };
            pattern.matches(&RequestView {
                method: &sub.method,
                path: &sub.path,
                query: sub.query.as_deref(),
                header: &lookup,
                body: &sub.body,
            })
        })
        .count()
}

/// How many of `e`'s subrequests `counts` accepts, given each one's method and path
/// (`/services/data/v62.0/query`, whichever spelling the body used).
pub(super) fn counting(e: &Exchange, counts: impl Fn(&str, &str) -> bool) -> usize {
    subrequests(e)
        .iter()
        .filter(|sub| counts(&sub.method, &sub.path))
        .count()
}

fn subrequests(e: &Exchange) -> Vec<Subrequest> {
    if !e.method().eq_ignore_ascii_case("POST") {
        return Vec::new();
    }
    let path = e.path().trim_end_matches('/').to_ascii_lowercase();
    let graph = path.ends_with("/composite/graph");
    let key = if path.ends_with("/composite") {
        "compositeRequest"
    } else if path.ends_with("/composite/batch") {
        "batchRequests"
    } else if graph {
        "graphs"
    } else {
        return Vec::new();
    };
    let Ok(body) = serde_json::from_str::<Value>(&e.request.body.text) else {
        return Vec::new();
    };
    let lists: Vec<&Value> = if graph {
        body.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|g| g.get("compositeRequest"))
            .collect()
    } else {
        body.get(key).into_iter().collect()
    };
    lists
        .into_iter()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(subrequest)
        .collect()
}

fn subrequest(sub: &Value) -> Option<Subrequest> {
    let method = sub.get("method")?.as_str()?.to_string();
    let url = sub.get("url")?.as_str()?;
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p, Some(q.to_string())),
        None => (url, None),
    };
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/services/data/{path}")
    };
    let headers = sub
        .get("httpHeaders")
        .and_then(Value::as_object)
        .map(|h| {
            h.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let body = match sub.get("body").or_else(|| sub.get("richInput")) {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    };
    Some(Subrequest {
        method,
        path,
        query,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::super::super::fixture::*;
    use super::*;

    fn query_pattern() -> RequestPattern {
        serde_yaml::from_str("{ method: GET, path: \"/services/data/*/query*/**\" }").unwrap()
    }

    #[test]
    fn a_query_sent_as_a_composite_batch_or_graph_subrequest_is_a_query() {
        let composite = req("POST", "/services/data/v62.0/composite", 200).body(
            r#"{"compositeRequest":[{"method":"GET","url":"/services/data/v62.0/query?q=SELECT+Id+FROM+Account","referenceId":"q"},{"method":"GET","url":"/services/data/v62.0/sobjects/Account/001"}]}"#,
        );
        let batch = req("POST", "/services/data/v62.0/composite/batch", 200).body(
            r#"{"batchRequests":[{"method":"GET","url":"v62.0/query?q=SELECT+Id+FROM+Account"},{"method":"GET","url":"v62.0/queryAll?q=SELECT+Id+FROM+Account"}]}"#,
        );
        let graph = req("POST", "/services/data/v62.0/composite/graph", 200).body(
            r#"{"graphs":[{"graphId":"g","compositeRequest":[{"method":"GET","url":"/services/data/v62.0/query/?q=SELECT+Id+FROM+Account","referenceId":"q"}]}]}"#,
        );
        assert_eq!(matching(&query_pattern(), &composite), 1);
        assert_eq!(matching(&query_pattern(), &batch), 2);
        assert_eq!(matching(&query_pattern(), &graph), 1);
    }

    #[test]
    fn other_calls_and_other_subrequests_carry_no_query() {
        let create = req("POST", "/services/data/v62.0/composite", 200).body(
            r#"{"compositeRequest":[{"method":"POST","url":"/services/data/v62.0/sobjects/Account","referenceId":"a","body":{"Name":"query"}}]}"#,
        );
        let plain = req("POST", "/services/data/v62.0/sobjects/Account", 201)
            .body(r#"{"batchRequests":[{"method":"GET","url":"v62.0/query?q=x"}]}"#);
        let unreadable = req("POST", "/services/data/v62.0/composite/batch", 400).body("{");
        for e in [create, plain, unreadable] {
            assert_eq!(matching(&query_pattern(), &e), 0);
        }
    }
}
