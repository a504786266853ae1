//! Which API call made a change: the `changeOrigin` of change events.
//!
//! The org's HTTP gateway ([`of_request`], [`with_call_origin`]) names the API family and version of
//! each request (`com/salesforce/api/rest/62.0`, `…/soap/62.0`) plus the client id from the
//! `Sforce-Call-Options: client=<id>` header, and keeps it for the request's task; the store
//! copies it into every [`super::change::Change`] made while the request runs ([`current`]).
//! The SOAP API names its client in the envelope's `CallOptions` header instead, which only
//! the SOAP handler reads: it runs the call under [`with_soap_client`].
//!
//! Implementation notes: Salesforce documents `changeOrigin` as filled for changes made
//! through the API (`com/salesforce/api/<api>/<version>;client=<client id>`, the client part
//! only when the caller set one) and empty otherwise. Changes made outside a request (seeding,
//! a lab runner's scenario) carry an empty origin. The Bulk API 2.0 worker runs after the
//! request returned: it runs each job under the origin the job's create call had, with the
//! API named `bulkapi` ([`bulk_ingest_origin`], [`with_origin`]) [U: the reference documents
//! no Bulk API origin string, nor whether a real org names the client of a Bulk job].
//!
//! An origin is an `Arc<str>`: every change of a Bulk job shares the job's, so a row costs a
//! reference count, not a copy of the string.

use axum::extract::Request;
use std::future::Future;
use std::sync::{Arc, LazyLock};

tokio::task_local! {
    static CALL_ORIGIN: Arc<str>;
}

/// The origin of the request the current task serves, if any.
pub fn current() -> Option<Arc<str>> {
    CALL_ORIGIN.try_with(Arc::clone).ok()
}

/// The origin of a change made outside any API call: empty, shared.
pub fn none() -> Arc<str> {
    static EMPTY: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from(""));
    Arc::clone(&EMPTY)
}

/// The origin the changes of a Bulk API 2.0 ingest job carry, from the origin of the call
/// that created it: `com/salesforce/api/rest/62.0;client=X` becomes
/// `com/salesforce/api/bulkapi/62.0;client=X` (see the module notes). Empty outside a
/// request.
pub fn bulk_ingest_origin() -> Arc<str> {
    match current() {
        Some(o) => match o.strip_prefix("com/salesforce/api/rest/") {
            Some(rest) => Arc::from(format!("com/salesforce/api/bulkapi/{rest}")),
            None => o,
        },
        None => none(),
    }
}

/// Runs `work` (not a request: a Bulk job's processing) with `origin` as the origin of the
/// changes it makes.
pub fn with_origin<R>(origin: Arc<str>, work: impl FnOnce() -> R) -> R {
    CALL_ORIGIN.sync_scope(origin, work)
}

/// The client id in a `Sforce-Call-Options` value (`client=Astro, defaultNamespace=x`).
pub fn client_of(call_options: &str) -> Option<&str> {
    call_options
        .split(',')
        .filter_map(|part| part.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("client"))
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// The API family and version a path belongs to (`rest`, `62.0`), if it is an API path.
pub fn api_of(path: &str) -> Option<(&'static str, &str)> {
    fn version(s: &str) -> Option<&str> {
        let s = s.trim_start_matches('v');
        (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.')).then_some(s)
    }
    let mut parts = path.trim_start_matches('/').split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("services"), Some("data"), Some(v), _) => version(v).map(|v| ("rest", v)),
        (Some("services"), Some("Soap"), Some(_), Some(v)) => version(v).map(|v| ("soap", v)),
        _ => None,
    }
}

/// The `changeOrigin` of a call to `path` with these `Sforce-Call-Options`.
pub fn origin_of(path: &str, call_options: Option<&str>) -> String {
    let Some((api, version)) = api_of(path) else {
        return String::new();
    };
    let client = call_options.and_then(client_of);
    let mut origin = String::with_capacity(40 + client.map_or(0, str::len));
    origin.push_str("com/salesforce/api/");
    origin.push_str(api);
    origin.push('/');
    origin.push_str(version);
    if let Some(client) = client {
        origin.push_str(";client=");
        origin.push_str(client);
    }
    origin
}

/// The origin of a request, from its path and `Sforce-Call-Options` header.
pub fn of_request(req: &Request) -> String {
    let options = req
        .headers()
        .get("sforce-call-options")
        .and_then(|v| v.to_str().ok());
    origin_of(req.uri().path(), options)
}

/// Runs `call` with the current request's origin naming `client`, the `CallOptions/client` of
/// a SOAP envelope (`com/salesforce/api/soap/62.0;client=SoapApp`). A client the envelope
/// names replaces one from a `Sforce-Call-Options` header [U: which a real org keeps when a
/// SOAP call sends both is not documented; the envelope is where SOAP clients set it]. No
/// client, or no request origin, leaves the origin as it is.
pub fn with_soap_client<R>(client: Option<&str>, call: impl FnOnce() -> R) -> R {
    let client = client.map(str::trim).filter(|c| !c.is_empty());
    let origin = current().filter(|o| !o.is_empty());
    let (Some(client), Some(origin)) = (client, origin) else {
        return call();
    };
    let api = origin.split(";client=").next().unwrap_or_default();
    let named = format!("{api};client={client}");
    CALL_ORIGIN.sync_scope(Arc::from(named), call)
}

/// Runs `serve` (the handling of a request) with the request's origin known to the store.
pub async fn with_call_origin<F: Future>(origin: String, serve: F) -> F::Output {
    CALL_ORIGIN.scope(Arc::from(origin), serve).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rest_call_with_a_client_id_names_api_version_and_client() {
        assert_eq!(
            origin_of(
                "/services/data/v62.0/sobjects/Account",
                Some("client=OrderSync, defaultNamespace=ns")
            ),
            "com/salesforce/api/rest/62.0;client=OrderSync"
        );
        assert_eq!(
            origin_of("/services/Soap/u/61.0", Some("client=Astro")),
            "com/salesforce/api/soap/61.0;client=Astro"
        );
    }

    #[test]
    fn without_a_client_only_the_api_is_named_and_non_api_paths_are_empty() {
        assert_eq!(
            origin_of("/services/data/v62.0/composite", None),
            "com/salesforce/api/rest/62.0"
        );
        assert_eq!(origin_of("/services/oauth2/token", Some("client=x")), "");
        assert_eq!(client_of("defaultNamespace=x"), None);
    }

    #[test]
    fn outside_a_request_there_is_no_origin() {
        assert_eq!(current(), None);
        assert_eq!(with_soap_client(Some("SoapApp"), current), None);
        assert_eq!(&*bulk_ingest_origin(), "");
    }

    #[test]
    fn a_bulk_job_created_over_rest_names_the_bulk_api_and_the_client() {
        let of = |created_by: &str| {
            with_origin(Arc::from(created_by), || bulk_ingest_origin().to_string())
        };
        assert_eq!(
            of("com/salesforce/api/rest/62.0;client=Loader"),
            "com/salesforce/api/bulkapi/62.0;client=Loader"
        );
        assert_eq!(
            of("com/salesforce/api/rest/62.0"),
            "com/salesforce/api/bulkapi/62.0"
        );
    }

    #[test]
    fn a_soap_call_options_client_is_added_to_the_soap_origin() {
        let named = CALL_ORIGIN.sync_scope(Arc::from("com/salesforce/api/soap/62.0"), || {
            with_soap_client(Some("SoapApp"), current)
        });
        assert_eq!(
            named.as_deref(),
            Some("com/salesforce/api/soap/62.0;client=SoapApp")
        );
        let replaced = CALL_ORIGIN
            .sync_scope(Arc::from("com/salesforce/api/soap/62.0;client=Hdr"), || {
                with_soap_client(Some("SoapApp"), current)
            });
        assert_eq!(
            replaced.as_deref(),
            Some("com/salesforce/api/soap/62.0;client=SoapApp")
        );
        let kept = CALL_ORIGIN.sync_scope(Arc::from("com/salesforce/api/soap/62.0"), || {
            with_soap_client(Some("  "), current)
        });
        assert_eq!(kept.as_deref(), Some("com/salesforce/api/soap/62.0"));
    }
}
