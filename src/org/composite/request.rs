//! Request bodies of the composite family, parsed and checked against the documented limits.
//!
//! Each resource has its own shape (`compositeRequest`, `batchRequests`, `graphs`); parsing
//! them here, away from IO, keeps the handlers small and lets the limits be tested directly.
//!
//! Implementation notes: the limits (25 subrequests, 25 batch subrequests, 75 graphs and 500
//! nodes) are documented; the exact error texts for exceeding them are not, so the messages
//! below name the limit and what to do. Reference ids may only hold letters, digits and
//! underscores (documented); a real org's reaction to other characters varies by release.

use super::error::CompositeError;
use crate::org::rest::versions::ApiVersion;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

pub const MAX_COMPOSITE_SUBREQUESTS: usize = 25;
/// Of a composite request's subrequests, at most this many may be queries or collections.
pub const MAX_COMPOSITE_QUERY_OR_COLLECTION: usize = 5;
pub const MAX_BATCH_SUBREQUESTS: usize = 25;
pub const MAX_GRAPHS: usize = 75;
pub const MAX_GRAPH_NODES: usize = 500;

/// One subrequest of `/composite` or of a graph.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subrequest {
    pub method: String,
    pub url: String,
    pub reference_id: String,
    #[serde(default)]
    pub body: Option<Value>,
    #[serde(default)]
    pub http_headers: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompositeRequest {
    #[serde(default)]
    pub all_or_none: bool,
    #[serde(default)]
    pub collate_subrequests: bool,
    pub composite_request: Vec<Subrequest>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchSubrequest {
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub rich_input: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchRequest {
    #[serde(default)]
    pub halt_on_error: bool,
    pub batch_requests: Vec<BatchSubrequest>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Graph {
    pub graph_id: String,
    pub composite_request: Vec<Subrequest>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GraphRequest {
    pub graphs: Vec<Graph>,
}

const METHODS: [&str; 5] = ["GET", "POST", "PATCH", "PUT", "DELETE"];

fn parse_json<T: serde::de::DeserializeOwned>(
    body: &[u8],
    example: &str,
) -> Result<T, CompositeError> {
    super::error::require_object(body, example)?;
    serde_json::from_slice(body)
        .map_err(|e| CompositeError::Json(crate::org::rest::body::jackson_message(body, &e)))
}

/// A referenceId (of a composite subrequest or a tree record) as Salesforce documents it:
/// letters, digits and underscores, starting with a letter or digit.
pub(super) fn check_reference_id(id: &str) -> Result<(), CompositeError> {
    let starts_well = id.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
    if !starts_well || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(CompositeError::InvalidInput(format!(
            "The referenceId '{id}' is not valid: use only letters, digits and underscores, starting with a letter or digit."
        )));
    }
    Ok(())
}

fn check_method(method: &str) -> Result<(), CompositeError> {
    if !METHODS.contains(&method) {
        return Err(CompositeError::InvalidInput(format!(
            "The method '{method}' is not supported in a subrequest; use one of GET, POST, PATCH, PUT or DELETE (upper case)."
        )));
    }
    Ok(())
}

/// Subrequest urls must be absolute API paths: `/services/data/vXX.X/...`.
pub fn check_absolute_url(url: &str) -> Result<(), CompositeError> {
    let rest = url.strip_prefix("/services/data/v").ok_or_else(|| {
        CompositeError::InvalidInput(format!(
            "The url '{url}' must start with /services/data/vXX.X/, for example /services/data/v62.0/sobjects/Account."
        ))
    })?;
    let version_ok = rest.split('/').next().is_some_and(|v| {
        v.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        })
    });
    if !version_ok {
        return Err(CompositeError::InvalidInput(format!(
            "The url '{url}' does not name an API version like v62.0 after /services/data/."
        )));
    }
    Ok(())
}

/// The path after `/services/data/vXX.X/`.
fn resource_path(url: &str) -> &str {
    let path = url.split('?').next().unwrap_or("");
    path.strip_prefix("/services/data/")
        .and_then(|r| r.split_once('/'))
        .map(|(_, r)| r)
        .unwrap_or("")
}

/// Composite resources cannot nest, except sObject Collections (documented); refusing them
/// also keeps an all-or-none call from waiting on itself.
fn check_not_nested(url: &str) -> Result<(), CompositeError> {
    let rest = resource_path(url);
    let composite = rest == "composite" || rest.starts_with("composite/");
    let collections = rest == "composite/sobjects" || rest.starts_with("composite/sobjects/");
    if composite && !collections {
        return Err(CompositeError::InvalidInput(format!(
            "The subrequest url {url} is a composite resource; composite requests cannot be nested (sObject Collections are the exception)."
        )));
    }
    Ok(())
}

/// Headers a subrequest inherits from the top-level request and may not set itself
/// (documented: setting one fails the whole request with a 400).
const INHERITED_HEADERS: [&str; 3] = ["Accept", "Authorization", "Content-Type"];

fn check_headers(sub: &Subrequest) -> Result<(), CompositeError> {
    let set = sub.http_headers.keys().find_map(|k| {
        INHERITED_HEADERS
            .iter()
            .find(|h| h.eq_ignore_ascii_case(k.trim()))
    });
    match set {
        Some(header) => Err(CompositeError::InvalidInput(format!(
            "The subrequest '{}' sets {header} in httpHeaders; subrequests inherit Accept, Authorization and Content-Type from the top-level request and cannot set them.",
            sub.reference_id
        ))),
        None => Ok(()),
    }
}

fn check_subrequests(subs: &[Subrequest]) -> Result<(), CompositeError> {
    let mut seen = HashSet::new();
    for sub in subs {
        check_reference_id(&sub.reference_id)?;
        check_headers(sub)?;
        check_method(&sub.method)?;
        check_absolute_url(&sub.url)?;
        check_not_nested(&sub.url)?;
        if !seen.insert(sub.reference_id.as_str()) {
            return Err(CompositeError::InvalidInput(format!(
                "The referenceId '{}' is used twice; each subrequest needs its own.",
                sub.reference_id
            )));
        }
    }
    Ok(())
}

pub fn parse_composite(body: &[u8]) -> Result<CompositeRequest, CompositeError> {
    let req: CompositeRequest = parse_json(body, r#"{"compositeRequest": […]}"#)?;
    if req.composite_request.is_empty() {
        return Err(CompositeError::InvalidInput(
            "compositeRequest is empty: send between 1 and 25 subrequests.".into(),
        ));
    }
    if req.composite_request.len() > MAX_COMPOSITE_SUBREQUESTS {
        return Err(CompositeError::LimitExceeded(format!(
            "A composite request can hold at most {MAX_COMPOSITE_SUBREQUESTS} subrequests; this one has {}. Split it into several calls or use sObject Collections.",
            req.composite_request.len()
        )));
    }
    check_subrequests(&req.composite_request)?;
    let heavy = req
        .composite_request
        .iter()
        .filter(|s| is_query_or_collection(&s.url))
        .count();
    if heavy > MAX_COMPOSITE_QUERY_OR_COLLECTION {
        return Err(CompositeError::LimitExceeded(format!(
            "A composite request can hold at most {MAX_COMPOSITE_QUERY_OR_COLLECTION} query or sObject Collections subrequests; this one has {heavy}."
        )));
    }
    Ok(req)
}

/// Whether a subrequest url is a query (`/query`, `/queryAll`) or an sObject Collections call.
fn is_query_or_collection(url: &str) -> bool {
    let rest = resource_path(url);
    rest == "query"
        || rest.starts_with("query/")
        || rest == "queryAll"
        || rest.starts_with("queryAll/")
        || rest == "composite/sobjects"
        || rest.starts_with("composite/sobjects/")
}

/// Why `/composite` does not run the subrequest at `url`, if it does not: it runs sObject
/// resources (`/sobjects/…`, rows by external id included), query and queryAll, and sObject
/// Collections, the resources the Composite documentation lists; anything else (`/limits`,
/// `/search`, Bulk API 2.0's `/jobs/…`) is a subrequest error. [U] What a real org answers
/// for such a subrequest was not captured; sflab answers 404 NOT_FOUND, as for a resource
/// that does not exist, with a message naming the ones that do.
pub fn unsupported_in_composite(url: &str) -> Option<String> {
    let rest = resource_path(url);
    let first = rest.split('/').next().unwrap_or("");
    let supported = matches!(first, "sobjects" | "query" | "queryAll")
        || rest == "composite/sobjects"
        || rest.starts_with("composite/sobjects/");
    (!supported).then(|| {
        let path = url.split('?').next().unwrap_or(url);
        format!(
            "The requested resource does not exist in a composite request: {path} cannot run as a subrequest. /composite runs sObject resources (/sobjects/...), query and queryAll, and sObject Collections (/composite/sobjects); call this resource on its own."
        )
    })
}

pub fn parse_batch(body: &[u8]) -> Result<BatchRequest, CompositeError> {
    let req: BatchRequest = parse_json(body, r#"{"batchRequests": […]}"#)?;
    if req.batch_requests.is_empty() {
        return Err(CompositeError::InvalidInput(
            "batchRequests is empty: send between 1 and 25 subrequests.".into(),
        ));
    }
    if req.batch_requests.len() > MAX_BATCH_SUBREQUESTS {
        return Err(CompositeError::LimitExceeded(format!(
            "A batch request can hold at most {MAX_BATCH_SUBREQUESTS} subrequests; this one has {}.",
            req.batch_requests.len()
        )));
    }
    for sub in &req.batch_requests {
        check_method(&sub.method)?;
        check_not_nested(&batch_url(&sub.url)?)?;
    }
    Ok(req)
}

/// Batch sub-urls are relative to `/services/data/` (`v62.0/sobjects/Account`); absolute
/// forms are accepted too.
pub fn batch_url(url: &str) -> Result<String, CompositeError> {
    let absolute = if url.starts_with("/services/data/") {
        url.to_string()
    } else {
        format!("/services/data/{}", url.trim_start_matches('/'))
    };
    check_absolute_url(&absolute)?;
    Ok(absolute)
}

/// The oldest API version a batch subrequest may name (documented).
pub const OLDEST_BATCH_SUBREQUEST: u32 = 34;

/// Refuses a batch subrequest whose url names an API version outside 34.0 to the batch's
/// own (documented: each subrequest's version must be 34.0 or later and no later than the
/// batch's). `url` is absolute. [U] A real org's code and text for it are not documented:
/// INVALID_BATCH_REQUEST is assumed, and the text names the range.
pub fn check_batch_version(url: &str, batch: ApiVersion) -> Result<(), CompositeError> {
    let segment = url
        .strip_prefix("/services/data/v")
        .and_then(|r| r.split('/').next())
        .unwrap_or("");
    let major: Option<u32> = segment.split('.').next().and_then(|m| m.parse().ok());
    match major {
        Some(n) if (OLDEST_BATCH_SUBREQUEST..=batch.0).contains(&n) => Ok(()),
        _ => Err(CompositeError::InvalidBatch(format!(
            "A subrequest of a batch sent to v{batch} can only call API versions {OLDEST_BATCH_SUBREQUEST}.0 to {batch}; '{url}' calls v{segment}. Use the batch's version in the subrequest url, or send the batch to a newer version.",
            batch = batch.number()
        ))),
    }
}

pub fn parse_graph(body: &[u8]) -> Result<GraphRequest, CompositeError> {
    let req: GraphRequest = parse_json(body, r#"{"graphs": […]}"#)?;
    if req.graphs.is_empty() {
        return Err(CompositeError::InvalidInput(
            "graphs is empty: send at least one graph.".into(),
        ));
    }
    if req.graphs.len() > MAX_GRAPHS {
        return Err(CompositeError::LimitExceeded(format!(
            "A graph request can hold at most {MAX_GRAPHS} graphs; this one has {}.",
            req.graphs.len()
        )));
    }
    let nodes: usize = req.graphs.iter().map(|g| g.composite_request.len()).sum();
    if nodes > MAX_GRAPH_NODES {
        return Err(CompositeError::LimitExceeded(format!(
            "A graph request can hold at most {MAX_GRAPH_NODES} nodes in all; this one has {nodes}."
        )));
    }
    let mut ids = HashSet::new();
    for graph in &req.graphs {
        if !ids.insert(graph.graph_id.as_str()) {
            return Err(CompositeError::InvalidInput(format!(
                "The graphId '{}' is used twice; each graph needs its own.",
                graph.graph_id
            )));
        }
        if graph.composite_request.is_empty() {
            return Err(CompositeError::InvalidInput(format!(
                "Graph '{}' has no nodes.",
                graph.graph_id
            )));
        }
        check_subrequests(&graph.composite_request)?;
    }
    super::graph_limits::check_graphs(&req.graphs)?;
    Ok(req)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sub(i: usize) -> Value {
        json!({"method":"GET","url":"/services/data/v62.0/sobjects/Account/001000000000001AAA","referenceId":format!("r{i}")})
    }

    #[test]
    fn composite_with_26_subrequests_is_refused() {
        let body = json!({"compositeRequest": (0..26).map(sub).collect::<Vec<_>>()});
        let err = parse_composite(body.to_string().as_bytes()).unwrap_err();
        assert!(matches!(err, CompositeError::LimitExceeded(_)));
        let ok = json!({"compositeRequest": (0..25).map(sub).collect::<Vec<_>>()});
        assert_eq!(
            parse_composite(ok.to_string().as_bytes())
                .unwrap()
                .composite_request
                .len(),
            25
        );
    }

    #[test]
    fn at_most_five_queries_or_collections_per_composite() {
        let q = |i: usize| json!({"method":"GET","url":"/services/data/v62.0/query?q=SELECT+Id+FROM+Account","referenceId":format!("q{i}")});
        let five = json!({"compositeRequest": (0..5).map(q).chain([sub(9)]).collect::<Vec<_>>()});
        assert!(parse_composite(five.to_string().as_bytes()).is_ok());
        let six = json!({"compositeRequest": (0..6).map(q).collect::<Vec<_>>()});
        assert!(matches!(
            parse_composite(six.to_string().as_bytes()),
            Err(CompositeError::LimitExceeded(_))
        ));
        assert!(is_query_or_collection(
            "/services/data/v62.0/composite/sobjects/Account/ERP__c"
        ));
        assert!(!is_query_or_collection(
            "/services/data/v62.0/sobjects/Account"
        ));
    }

    #[test]
    fn composite_runs_only_sobject_query_and_collection_resources() {
        for ok in [
            "/services/data/v62.0/sobjects/Account",
            "/services/data/v62.0/sobjects/Account/ERP_Id__c/A-1?x=1",
            "/services/data/v62.0/sobjects/Account/describe",
            "/services/data/v62.0/query?q=SELECT+Id+FROM+Account",
            "/services/data/v62.0/queryAll/01gxx-2000",
            "/services/data/v62.0/composite/sobjects?ids=001",
            "/services/data/v62.0/composite/sobjects/Account/ERP_Id__c",
        ] {
            assert_eq!(unsupported_in_composite(ok), None, "{ok}");
        }
        for refused in [
            "/services/data/v62.0/jobs/ingest",
            "/services/data/v62.0/jobs/query/750xx",
            "/services/data/v62.0/limits",
            "/services/data/v62.0/search?q=FIND+{x}",
            "/services/data/v62.0/sobjectsX",
        ] {
            let said = unsupported_in_composite(refused).expect(refused);
            assert!(said.contains(refused.split('?').next().unwrap()), "{said}");
        }
    }

    #[test]
    fn composite_resources_cannot_be_nested_except_collections() {
        let nested = json!({"compositeRequest":[{"method":"POST","url":"/services/data/v62.0/composite","referenceId":"a","body":{}}]});
        assert!(parse_composite(nested.to_string().as_bytes()).is_err());
        let coll = json!({"compositeRequest":[{"method":"POST","url":"/services/data/v62.0/composite/sobjects","referenceId":"a","body":{"records":[]}}]});
        assert!(parse_composite(coll.to_string().as_bytes()).is_ok());
        let batch = json!({"batchRequests":[{"method":"POST","url":"v62.0/composite/graph"}]});
        assert!(parse_batch(batch.to_string().as_bytes()).is_err());
    }

    #[test]
    fn relative_sub_urls_are_refused_in_composite() {
        let body = json!({"compositeRequest":[{"method":"GET","url":"v62.0/sobjects/Account","referenceId":"a"}]});
        assert!(matches!(
            parse_composite(body.to_string().as_bytes()),
            Err(CompositeError::InvalidInput(_))
        ));
    }

    #[test]
    fn duplicate_or_bad_reference_ids_are_refused() {
        let dup = json!({"compositeRequest":[sub(1), sub(1)]});
        assert!(parse_composite(dup.to_string().as_bytes()).is_err());
        let bad = json!({"compositeRequest":[{"method":"GET","url":"/services/data/v62.0/limits","referenceId":"a-b"}]});
        assert!(parse_composite(bad.to_string().as_bytes()).is_err());
    }

    #[test]
    fn lower_case_method_is_refused() {
        let body = json!({"compositeRequest":[{"method":"get","url":"/services/data/v62.0/limits","referenceId":"a"}]});
        assert!(parse_composite(body.to_string().as_bytes()).is_err());
    }

    #[test]
    fn broken_json_is_a_json_error() {
        assert!(matches!(
            parse_composite(b"{"),
            Err(CompositeError::Json(_))
        ));
    }

    #[test]
    fn batch_urls_are_made_absolute() {
        assert_eq!(
            batch_url("v34.0/sobjects/account/001").unwrap(),
            "/services/data/v34.0/sobjects/account/001"
        );
        assert!(batch_url("sobjects/account").is_err());
    }

    #[test]
    fn a_batch_subrequest_must_name_a_version_from_34_to_the_batchs() {
        let v58 = ApiVersion(58);
        for ok in ["v34.0/limits", "v58.0/limits", "v45.0/sobjects/Account"] {
            assert_eq!(
                check_batch_version(&batch_url(ok).unwrap(), v58),
                Ok(()),
                "{ok}"
            );
        }
        for late_or_early in ["v62.0/limits", "v33.0/limits", "v59.0/sobjects/Account"] {
            let e = check_batch_version(&batch_url(late_or_early).unwrap(), v58).unwrap_err();
            assert_eq!(e.error_code(), "INVALID_BATCH_REQUEST");
            assert!(e.to_string().contains("34.0 to 58.0"), "{e}");
        }
    }

    #[test]
    fn graph_node_total_is_capped_at_500() {
        let graph = |id: usize, n: usize| json!({"graphId": format!("g{id}"), "compositeRequest": (0..n).map(|i| json!({"method":"POST","url":"/services/data/v62.0/sobjects/Account","referenceId":format!("n{i}"),"body":{"Name":"x"}})).collect::<Vec<_>>()});
        let ok = json!({"graphs":[graph(1, 250), graph(2, 250)]});
        assert!(parse_graph(ok.to_string().as_bytes()).is_ok());
        let too_many = json!({"graphs":[graph(1, 250), graph(2, 251)]});
        assert!(matches!(
            parse_graph(too_many.to_string().as_bytes()),
            Err(CompositeError::LimitExceeded(_))
        ));
    }

    #[test]
    fn graph_nodes_must_be_sobject_calls() {
        let body = json!({"graphs":[{"graphId":"g","compositeRequest":[{"method":"GET","url":"/services/data/v62.0/query?q=SELECT+Id+FROM+Account","referenceId":"q"}]}]});
        assert!(parse_graph(body.to_string().as_bytes()).is_err());
    }
}
