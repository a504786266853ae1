//! The documented limits on `/composite/graph` nodes, checked before anything runs: which
//! resources a node may call, how deep a graph's reference chain may go, and how many
//! different kinds of node one payload may hold.
//!
//! Documented: a node may only call `sobjects/{T}` (POST), `sobjects/{T}/{id}` (GET, PATCH,
//! DELETE) or `sobjects/{T}/{field}/{value}` (GET, PATCH, DELETE, POST); a graph is at most 15
//! levels deep; a payload holds at most 15 different nodes, where nodes differ by API version,
//! HTTP method or object. Not verified: the error codes and texts a real org answers with for
//! each violation (the documentation lists the limits only), so the messages here name the
//! limit and what to do, under the codes the other composite limits use.

use super::error::CompositeError;
use super::reference::referenced_ids;
use super::request::{Graph, Subrequest};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Levels of nodes one graph's reference chain may hold.
pub const MAX_GRAPH_DEPTH: usize = 15;
/// Different nodes (API version, method, object) one payload may hold.
pub const MAX_DISTINCT_NODES: usize = 15;

/// The version and the path segments after `/services/data/`, without the query string.
fn version_and_segments(url: &str) -> (&str, Vec<&str>) {
    let path = url.split('?').next().unwrap_or("");
    let rest = path.strip_prefix("/services/data/").unwrap_or("");
    let mut parts = rest.split('/').filter(|s| !s.is_empty());
    let version = parts.next().unwrap_or("");
    (version, parts.collect())
}

/// Refuses a node whose resource or method a graph does not support; returns the node's
/// kind (version, method, object) for the distinct-node count.
fn node_kind(node: &Subrequest) -> Result<(String, String, String), CompositeError> {
    let (version, segments) = version_and_segments(&node.url);
    let allowed: &[&str] = match segments.as_slice() {
        ["sobjects", _] => &["POST"],
        ["sobjects", _, third] if !third.eq_ignore_ascii_case("describe") => {
            &["GET", "PATCH", "DELETE"]
        }
        ["sobjects", _, _, _] => &["GET", "PATCH", "DELETE", "POST"],
        _ => {
            return Err(CompositeError::InvalidInput(format!(
                "Graph node '{}' calls {}; a graph node may only use sobjects/{{Type}} (POST), sobjects/{{Type}}/{{id}} (GET, PATCH, DELETE) or sobjects/{{Type}}/{{ExternalIdField}}/{{value}} (GET, PATCH, DELETE, POST). Use /composite for other resources.",
                node.reference_id, node.url
            )))
        }
    };
    if !allowed.contains(&node.method.as_str()) {
        return Err(CompositeError::InvalidInput(format!(
            "Graph node '{}' sends {} to {}; in a graph that resource accepts only {}.",
            node.reference_id,
            node.method,
            node.url,
            allowed.join(", ")
        )));
    }
    Ok((
        version.to_string(),
        node.method.clone(),
        segments[1].to_ascii_lowercase(),
    ))
}

fn json_references(body: &Value, out: &mut Vec<String>) {
    match body {
        Value::String(s) => out.extend(referenced_ids(s)),
        Value::Array(items) => items.iter().for_each(|v| json_references(v, out)),
        Value::Object(map) => map.values().for_each(|v| json_references(v, out)),
        _ => {}
    }
}

/// The levels of a graph: a node that references no other node is level 1, a node that
/// references others is one level below the deepest of them. A reference cycle is refused.
pub fn graph_depth(graph: &Graph) -> Result<usize, CompositeError> {
    let nodes = &graph.composite_request;
    let index: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.reference_id.as_str(), i))
        .collect();
    let edges: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            let mut refs = referenced_ids(&n.url);
            if let Some(body) = &n.body {
                json_references(body, &mut refs);
            }
            refs.iter()
                .filter_map(|r| index.get(r.as_str()).copied())
                .collect()
        })
        .collect();
    // Iterative depth-first walk: 0 = unseen, 1 = on the path, 2 = done.
    let mut state = vec![0u8; nodes.len()];
    let mut depth = vec![1usize; nodes.len()];
    for root in 0..nodes.len() {
        if state[root] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&child) = edges[node].get(*next) {
                *next += 1;
                match state[child] {
                    0 => {
                        state[child] = 1;
                        stack.push((child, 0));
                    }
                    1 => {
                        return Err(CompositeError::InvalidInput(format!(
                            "Graph '{}' has a reference cycle through node '{}'; the nodes of a graph must form a chain or tree.",
                            graph.graph_id, nodes[child].reference_id
                        )))
                    }
                    _ => {}
                }
            } else {
                let d = 1 + edges[node].iter().map(|&c| depth[c]).max().unwrap_or(0);
                depth[node] = d;
                state[node] = 2;
                stack.pop();
            }
        }
    }
    Ok(depth.into_iter().max().unwrap_or(0))
}

/// Checks every graph's nodes, depth and the payload's count of different nodes.
pub fn check_graphs(graphs: &[Graph]) -> Result<(), CompositeError> {
    let mut kinds = HashSet::new();
    for graph in graphs {
        for node in &graph.composite_request {
            kinds.insert(node_kind(node)?);
        }
        let depth = graph_depth(graph)?;
        if depth > MAX_GRAPH_DEPTH {
            return Err(CompositeError::LimitExceeded(format!(
                "Graph '{}' is {depth} levels deep; a graph can be at most {MAX_GRAPH_DEPTH} levels deep. Split the chain of references into several graphs.",
                graph.graph_id
            )));
        }
    }
    if kinds.len() > MAX_DISTINCT_NODES {
        return Err(CompositeError::LimitExceeded(format!(
            "This graph request holds {} different nodes (API version, method and object); at most {MAX_DISTINCT_NODES} are allowed in one request.",
            kinds.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const V: &str = "/services/data/v62.0";

    fn node(method: &str, url: &str, reference_id: &str, body: Option<Value>) -> Subrequest {
        Subrequest {
            method: method.into(),
            url: url.into(),
            reference_id: reference_id.into(),
            body,
            http_headers: Default::default(),
        }
    }

    fn graph(nodes: Vec<Subrequest>) -> Graph {
        Graph {
            graph_id: "g1".into(),
            composite_request: nodes,
        }
    }

    /// A chain of `n` Contacts, each reporting to the one before.
    fn chain(n: usize) -> Graph {
        let mut nodes = vec![node(
            "POST",
            &format!("{V}/sobjects/Contact"),
            "c0",
            Some(json!({"LastName": "Root"})),
        )];
        for i in 1..n {
            nodes.push(node(
                "POST",
                &format!("{V}/sobjects/Contact"),
                &format!("c{i}"),
                Some(json!({"LastName": format!("L{i}"), "ReportsToId": format!("@{{c{}.id}}", i - 1)})),
            ));
        }
        graph(nodes)
    }

    #[test]
    fn a_chain_of_fifteen_is_accepted_and_sixteen_is_too_deep() {
        assert_eq!(graph_depth(&chain(15)).unwrap(), 15);
        assert!(check_graphs(&[chain(15)]).is_ok());
        let err = check_graphs(&[chain(16)]).unwrap_err();
        assert!(matches!(err, CompositeError::LimitExceeded(ref m) if m.contains("16 levels")));
    }

    #[test]
    fn depth_counts_references_in_urls_and_nested_bodies() {
        let g = graph(vec![
            node(
                "POST",
                &format!("{V}/sobjects/Account"),
                "a",
                Some(json!({"Name": "A"})),
            ),
            node(
                "PATCH",
                &format!("{V}/sobjects/Account/@{{a.id}}"),
                "b",
                Some(json!({"Name": "B"})),
            ),
            node(
                "POST",
                &format!("{V}/sobjects/Contact"),
                "c",
                Some(json!({"LastName": "C", "Notes": ["x", {"AccountId": "@{b.id}"}]})),
            ),
        ]);
        assert_eq!(graph_depth(&g).unwrap(), 3);
    }

    #[test]
    fn a_reference_cycle_is_refused() {
        let g = graph(vec![
            node(
                "POST",
                &format!("{V}/sobjects/Contact"),
                "a",
                Some(json!({"ReportsToId": "@{b.id}"})),
            ),
            node(
                "POST",
                &format!("{V}/sobjects/Contact"),
                "b",
                Some(json!({"ReportsToId": "@{a.id}"})),
            ),
        ]);
        let err = graph_depth(&g).unwrap_err();
        assert!(matches!(err, CompositeError::InvalidInput(ref m) if m.contains("cycle")));
    }

    #[test]
    fn collections_queries_and_describe_are_not_graph_nodes() {
        for (method, url) in [
            ("POST", format!("{V}/composite/sobjects")),
            ("PATCH", format!("{V}/composite/sobjects/Account/ERP_Id__c")),
            ("GET", format!("{V}/query?q=SELECT+Id+FROM+Account")),
            ("GET", format!("{V}/sobjects/Account/describe")),
            ("GET", format!("{V}/sobjects")),
        ] {
            let g = graph(vec![node(method, &url, "n", None)]);
            let err = check_graphs(&[g]).unwrap_err();
            assert!(
                matches!(err, CompositeError::InvalidInput(ref m) if m.contains("may only use")),
                "{method} {url}: {err:?}"
            );
        }
    }

    #[test]
    fn each_resource_accepts_only_its_documented_methods() {
        let ok = [
            ("POST", format!("{V}/sobjects/Account")),
            ("GET", format!("{V}/sobjects/Account/001000000000001AAA")),
            ("DELETE", format!("{V}/sobjects/Account/001000000000001AAA")),
            ("PATCH", format!("{V}/sobjects/Account/ERP_Id__c/A-1")),
            ("POST", format!("{V}/sobjects/Account/ERP_Id__c/A-1")),
        ];
        for (method, url) in ok {
            let g = graph(vec![node(method, &url, "n", Some(json!({})))]);
            assert!(check_graphs(&[g]).is_ok(), "{method} {url}");
        }
        let bad = [
            ("GET", format!("{V}/sobjects/Account")),
            ("POST", format!("{V}/sobjects/Account/001000000000001AAA")),
            ("PUT", format!("{V}/sobjects/Account/ERP_Id__c/A-1")),
        ];
        for (method, url) in bad {
            let g = graph(vec![node(method, &url, "n", Some(json!({})))]);
            let err = check_graphs(&[g]).unwrap_err();
            assert!(
                matches!(err, CompositeError::InvalidInput(ref m) if m.contains("accepts only")),
                "{method} {url}: {err:?}"
            );
        }
    }

    #[test]
    fn sixteen_different_nodes_in_one_payload_are_refused() {
        let objects = [
            "Account",
            "Contact",
            "Lead",
            "Case",
            "Task",
            "Opportunity",
            "Product2",
            "Order",
        ];
        let nodes = |methods: &[&str]| -> Vec<Subrequest> {
            let mut out = Vec::new();
            for o in objects {
                for m in methods {
                    let url = match *m {
                        "POST" => format!("{V}/sobjects/{o}"),
                        _ => format!("{V}/sobjects/{o}/001000000000001AAA"),
                    };
                    out.push(node(m, &url, &format!("n{}", out.len()), Some(json!({}))));
                }
            }
            out
        };
        // 8 objects × 2 methods = 16 different nodes.
        let err = check_graphs(&[graph(nodes(&["POST", "PATCH"]))]).unwrap_err();
        assert!(matches!(err, CompositeError::LimitExceeded(ref m) if m.contains("16 different")));
        // The same kind of node many times counts once.
        let same: Vec<Subrequest> = (0..40)
            .map(|i| {
                node(
                    "POST",
                    &format!("{V}/sobjects/Account"),
                    &format!("a{i}"),
                    Some(json!({})),
                )
            })
            .collect();
        assert!(check_graphs(&[graph(same)]).is_ok());
    }
}
