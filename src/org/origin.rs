//! Which API call made a change: the `changeOrigin` of change events.
//!
//! The org's HTTP gateway ([`of_request`], [`with_call_origin`]) names the API family and version of
//! each request (`com/salesforce/api/rest/62.0`, `…/soap/62.0`) plus the client id from the
//! `Sforce-Call-Options: client=<id>` header (or the SOAP `CallOptions` client, not read here),
//! and keeps it for the request's task; the store copies it into every [`super::change::Change`]
//! made while the request runs ([`current`]).
//!
//! Implementation notes: Salesforce documents `changeOrigin` as filled for changes made
//! through the API (`com/salesforce/api/<api>/<version>;client=<client id>`, the client part
//! only when the caller set one) and empty otherwise. Changes made outside a request (seeding,
//! a lab runner's scenario, the Bulk API worker, which runs after the request returned) carry
//! an empty origin: the real Bulk API origin string is not documented in the reference.

use axum::extract::Request;
use std::future::Future;

tokio::task_local! {
    static CALL_ORIGIN: String;
}

/// The origin of the request the current task serves, if any.
pub fn current() -> Option<String> {
    CALL_ORIGIN.try_with(Clone::clone).ok()
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

/// Runs `serve` (the handling of a request) with the request's origin known to the store.
pub async fn with_call_origin<F: Future>(origin: String, serve: F) -> F::Output {
    CALL_ORIGIN.scope(origin, serve).await
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
    }
}
