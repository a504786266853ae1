//! Salesforce-shaped error bodies for injected responses.
//!
//! REST errors are a JSON array of `{message, errorCode}` (clients such as simple-salesforce
//! index `[0]['errorCode']`); the OAuth endpoints answer `{error, error_description}`.
//! `INVALID_SESSION_ID` / "Session expired or invalid" and `REQUEST_LIMIT_EXCEEDED` follow the
//! reference contract. The texts for 503, 500 and `UNABLE_TO_LOCK_ROW` are not verified
//! against a real org: they follow the shape of the verified ones, with messages in the same
//! style.
//!
//! A 429 is no answer of the org's ([`gateway_throttle_body`]): it stands for a gateway in
//! front of the org, and is shaped like one.

use serde_json::{json, Value};

/// Whether an answer with `status` carries no body (RFC 9110 §15: 1xx, 204, 304).
pub fn allows_no_body(status: u16) -> bool {
    status < 200 || status == 204 || status == 304
}

/// The content type a `respond.body` written as text is served with: JSON when it parses as a
/// JSON object or array (a body written as a quoted string in lab.yaml), XML for a SOAP
/// envelope or other XML, HTML for a page, else plain text.
pub fn text_content_type(text: &str) -> &'static str {
    let t = text.trim_start();
    let json =
        (t.starts_with('{') || t.starts_with('[')) && serde_json::from_str::<Value>(t).is_ok();
    let lower = t.get(..15).unwrap_or(t).to_ascii_lowercase();
    if json {
        "application/json;charset=UTF-8"
    } else if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
        "text/html;charset=UTF-8"
    } else if t.starts_with('<') {
        "text/xml;charset=UTF-8"
    } else {
        "text/plain;charset=UTF-8"
    }
}

/// The default body of an injected response with `status` on `path`: on the SOAP API a SOAP
/// fault, as the org reports every error there ([U] the code for a status the org itself never
/// answers on SOAP, such as 503, is the REST API's).
pub fn default_body(status: u16, path: &str) -> Value {
    if status == 429 {
        return gateway_throttle_body();
    }
    if super::endpoint_shape::is_soap(path) {
        let rest = default_body(status, "/services/data");
        let code = rest[0]["errorCode"].as_str().unwrap_or("UNKNOWN_EXCEPTION");
        let message = rest[0]["message"].as_str().unwrap_or("");
        return Value::String(super::endpoint_shape::soap_fault_xml(code, message));
    }
    if path.contains("/services/oauth2/") {
        return oauth_body(status);
    }
    let (code, message) = match status {
        400 => ("BAD_REQUEST", "The request could not be processed."),
        401 => ("INVALID_SESSION_ID", "Session expired or invalid"),
        403 => ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
        404 => ("NOT_FOUND", "The requested resource does not exist"),
        409 => ("CONFLICT", "The request conflicts with the current state of the resource."),
        500 => (
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred. Please include this ErrorId if you contact support: 1955823841-58621 (-1297427149)",
        ),
        502 => ("SERVER_UNAVAILABLE", "Bad gateway"),
        503 => ("SERVER_UNAVAILABLE", "Service Unavailable. Try again later."),
        504 => ("SERVER_UNAVAILABLE", "The server did not answer in time."),
        _ => ("UNKNOWN_EXCEPTION", "The server could not process the request."),
    };
    json!([{ "message": message, "errorCode": code }])
}

fn oauth_body(status: u16) -> Value {
    let (error, description) = match status {
        400 => ("invalid_grant", "authentication failure"),
        401 => ("invalid_client", "invalid client credentials"),
        502..=504 => (
            "temporarily_unavailable",
            "the server is temporarily unavailable",
        ),
        _ => ("server_error", "the server could not process the request"),
    };
    json!({ "error": error, "error_description": description })
}

/// The body of a 429 with `Retry-After` (the `rate_limited` fault): what an API gateway or
/// middleware in front of the org answers when its own rate limit trips, not the org.
///
/// Evidence: the org's REST API lists no 429 (sf-wire-contract §2.4, from Salesforce's
/// "Status Codes and Error Responses"); a spent daily allocation is `403
/// REQUEST_LIMIT_EXCEEDED` "TotalRequests Limit exceeded." with no `Retry-After`, and the
/// Chatter resources' hourly limit is a 503 (Salesforce's "Connect REST API Limits"). 429 with
/// `Retry-After` is what gateways send — Kong's rate-limiting plugin answers 429, `Retry-After`
/// in seconds and `{"message":"API rate limit exceeded"}` (Kong PR #5329, discussion #7211) —
/// and other vendors' APIs (Marketing Cloud's REST API: 429, `Retry-After: 5`, its own body).
/// So the body is a gateway's, not a Salesforce error array; sflab adds a `detail` saying
/// whose limit it is.
pub fn gateway_throttle_body() -> Value {
    json!({
        "message": "API rate limit exceeded",
        "detail": "The API gateway in front of the org is throttling this client: wait the seconds in Retry-After, then retry.",
    })
}

/// 400 `UNABLE_TO_LOCK_ROW`, as when another transaction holds the record.
pub fn lock_row_body() -> Value {
    json!([{
        "message": "unable to obtain exclusive access to this record",
        "errorCode": "UNABLE_TO_LOCK_ROW",
        "fields": []
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_errors_are_arrays_and_oauth_errors_are_objects() {
        let rest = default_body(401, "/services/data/v62.0/query");
        assert_eq!(rest[0]["errorCode"], "INVALID_SESSION_ID");
        let oauth = default_body(503, "/services/oauth2/token");
        assert_eq!(oauth["error"], "temporarily_unavailable");
        assert_eq!(lock_row_body()[0]["errorCode"], "UNABLE_TO_LOCK_ROW");
    }

    #[test]
    fn a_string_body_is_served_as_what_it_holds() {
        for (text, ct) in [
            (r#"[{"message":"x","errorCode":"Y"}]"#, "application/json"),
            ("{\"a\": 1}", "application/json"),
            ("<?xml version=\"1.0\"?><soapenv:Envelope/>", "text/xml"),
            ("<!DOCTYPE html><html></html>", "text/html"),
            ("down for maintenance", "text/plain"),
            ("[not json", "text/plain"),
        ] {
            assert!(text_content_type(text).starts_with(ct), "{text}");
        }
    }

    #[test]
    fn errors_on_the_soap_api_are_soap_faults() {
        let body = default_body(503, "/services/Soap/u/62.0");
        let xml = body.as_str().expect("xml text");
        assert!(
            xml.contains("<faultcode>sf:SERVER_UNAVAILABLE</faultcode>"),
            "{xml}"
        );
    }

    #[test]
    fn a_429_is_a_gateways_throttle_not_a_salesforce_error_on_any_path() {
        for path in ["/services/data/v62.0/query", "/services/oauth2/token"] {
            let body = default_body(429, path);
            assert!(body.is_object(), "no Salesforce error array: {body}");
            assert_eq!(body["message"], "API rate limit exceeded");
            assert!(body["detail"]
                .as_str()
                .unwrap()
                .contains("gateway in front of the org"));
        }
        // The org's own refusal of a spent allocation stays the org's.
        assert_eq!(
            default_body(403, "/services/data/v62.0/query")[0]["errorCode"],
            "REQUEST_LIMIT_EXCEEDED"
        );
    }
}
