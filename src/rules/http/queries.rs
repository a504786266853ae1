//! What a budget of queries counts (`http.calls_at_most` with `queries: true`): every way the
//! mock org answers "which records are there now", so polling for changes cannot slip past the
//! budget by changing API.
//!
//! - REST `query` and `queryAll` (and their next-page locators), sent alone or as a subrequest
//!   of a `/composite`, `/composite/batch` or `/composite/graph` call;
//! - REST search: `/search` (SOSL) and `/parameterizedSearch`, alone or as subrequests;
//! - the SOAP API's `query`, `queryAll`, `queryMore` and `search` (partner or enterprise);
//! - Bulk API 2.0 query jobs: one for each job created (`POST …/jobs/query`); reading the job's
//!   state and results is part of that one query.

use crate::evidence::Exchange;
use crate::rules::soap::SoapCall;

/// The SOAP calls that read records.
const SOAP_QUERIES: &[&str] = &["query", "queryAll", "queryMore", "search"];

/// The REST resources (first segment after `/services/data/vXX.X/`) that read records by query.
const REST_QUERIES: &[&str] = &["query", "queryAll", "search", "parameterizedSearch"];

/// How many queries `e` made: 1 for a query call, the number of query subrequests for a
/// composite-family call, 0 otherwise.
pub(super) fn count(e: &Exchange) -> usize {
    if is_query(e) {
        1
    } else {
        super::subrequests::counting(e, rest_query)
    }
}

/// True when `e` itself is a query (not a composite call carrying queries).
pub(super) fn is_query(e: &Exchange) -> bool {
    rest_query(e.method(), e.path()) || bulk_query_job(e) || soap_query(e)
}

/// A REST request of `method` to `path` that reads records by query or search.
fn rest_query(method: &str, path: &str) -> bool {
    let mut segments = path
        .strip_prefix("/services/data/")
        .unwrap_or("")
        .split('/')
        .skip(1);
    let Some(resource) = segments.next() else {
        return false;
    };
    let reads = method.eq_ignore_ascii_case("GET")
        || (method.eq_ignore_ascii_case("POST")
            && resource.eq_ignore_ascii_case("parameterizedSearch"));
    reads
        && REST_QUERIES
            .iter()
            .any(|r| r.eq_ignore_ascii_case(resource))
}

/// The creation of a Bulk API 2.0 query job.
fn bulk_query_job(e: &Exchange) -> bool {
    e.method().eq_ignore_ascii_case("POST")
        && e.path().starts_with("/services/data/")
        && e.path()
            .trim_end_matches('/')
            .to_ascii_lowercase()
            .ends_with("/jobs/query")
}

/// A SOAP envelope whose call reads records.
fn soap_query(e: &Exchange) -> bool {
    SoapCall::of(e).is_some_and(|call| SOAP_QUERIES.contains(&call.operation.as_str()))
}

#[cfg(test)]
mod tests {
    use super::super::super::fixture::*;
    use super::*;

    fn soap(call: &str) -> Exchange {
        req("POST", "/services/Soap/u/62.0", 200).body(&format!(
            r#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Header><urn:SessionHeader><urn:sessionId>x</urn:sessionId></urn:SessionHeader></soapenv:Header><soapenv:Body><urn:{call}><urn:queryString>SELECT Id, Name FROM Account</urn:queryString></urn:{call}></soapenv:Body></soapenv:Envelope>"#
        ))
    }

    #[test]
    fn soap_query_calls_count_as_queries_and_writes_do_not() {
        for call in ["query", "queryAll", "queryMore", "search"] {
            assert_eq!(count(&soap(call)), 1, "{call}");
        }
        assert_eq!(count(&soap("upsert")), 0);
    }

    #[test]
    fn rest_search_and_bulk_query_jobs_count_as_queries() {
        for e in [
            get("/services/data/v62.0/query", 200),
            get("/services/data/v62.0/queryAll", 200),
            get("/services/data/v62.0/query/01gxx0000000001-2000", 200),
            get("/services/data/v62.0/search", 200),
            req("POST", "/services/data/v62.0/parameterizedSearch", 200),
            req("POST", "/services/data/v62.0/jobs/query", 200),
        ] {
            assert_eq!(count(&e), 1, "{}", e.path());
        }
        for e in [
            get(
                "/services/data/v62.0/jobs/query/750xx0000000001/results",
                200,
            ),
            get("/services/data/v62.0/sobjects/Account/001xx0000000001", 200),
            req("POST", "/services/data/v62.0/jobs/ingest", 200),
        ] {
            assert_eq!(count(&e), 0, "{}", e.path());
        }
    }

    #[test]
    fn a_composite_call_counts_its_query_subrequests() {
        let batch = req("POST", "/services/data/v62.0/composite/batch", 200).body(
            r#"{"batchRequests":[{"method":"GET","url":"v62.0/query?q=SELECT+Id+FROM+Account"},{"method":"GET","url":"v62.0/search?q=FIND+%7Bx%7D"},{"method":"GET","url":"v62.0/sobjects/Account/001"}]}"#,
        );
        assert_eq!(count(&batch), 2);
    }
}
