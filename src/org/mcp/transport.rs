//! The streamable HTTP transport's rules for the headers of a POST (MCP 2025-06-18,
//! Transports › Streamable HTTP › "Sending Messages to the Server"): the client MUST send an
//! `Accept` header listing both `application/json` and `text/event-stream`, since a server may
//! answer either way, and the body is one JSON-RPC message sent as `application/json`.
//!
//! A client built against a server that ignores these headers breaks on the first server
//! that does not, so the org answers as the reference SDK servers do (the Python SDK's
//! `StreamableHTTPServerTransport`): 406 Not Acceptable for the `Accept` header, then 415
//! Unsupported Media Type for the `Content-Type`, each with a JSON-RPC error body (`id`
//! null, code -32600 Invalid Request) and the SDK's wording.
//!
//! Implementation notes: `Accept` is read with RFC 9110's wildcards, as the SDK reads it:
//! `*/*` accepts both types, `application/*` JSON and `text/*` the event stream; parameters
//! (`;q=0.9`) are ignored, and several `Accept` headers count as one list. Media types are
//! compared without regard to case (RFC 9110 §8.3.1).

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value as Json;

const JSON: &str = "application/json";
const EVENT_STREAM: &str = "text/event-stream";

/// JSON-RPC's Invalid Request code, which the SDK sends with both refusals.
const INVALID_REQUEST: i64 = -32600;

/// The media types a header lists, lower case and without parameters.
fn media_types(headers: &HeaderMap, name: header::HeaderName) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// Whether `Accept` takes JSON and the event stream, as (json, event stream).
fn accepted(headers: &HeaderMap) -> (bool, bool) {
    let types = media_types(headers, header::ACCEPT);
    let any = types.iter().any(|t| t == "*/*");
    let json = any || types.iter().any(|t| t == JSON || t == "application/*");
    let stream = any || types.iter().any(|t| t == EVENT_STREAM || t == "text/*");
    (json, stream)
}

/// Why a POST's headers break the transport's rules, as the answer to send; `None` when
/// they keep them.
pub fn header_refusal(headers: &HeaderMap) -> Option<Response> {
    let refuse = |status: StatusCode, message: &str| {
        let body = super::rpc_error(&Json::Null, INVALID_REQUEST, message);
        Some(super::json_reply(status, &body, None))
    };
    if accepted(headers) != (true, true) {
        return refuse(
            StatusCode::NOT_ACCEPTABLE,
            "Not Acceptable: Client must accept both application/json and text/event-stream",
        );
    }
    if media_types(headers, header::CONTENT_TYPE)
        .first()
        .map(String::as_str)
        != Some(JSON)
    {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type: Content-Type must be application/json",
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn status(pairs: &[(header::HeaderName, &str)]) -> Option<StatusCode> {
        header_refusal(&headers(pairs)).map(|r| r.status())
    }

    #[test]
    fn accept_must_list_json_and_the_event_stream() {
        let ct = (header::CONTENT_TYPE, "application/json");
        for ok in [
            "application/json, text/event-stream",
            "text/event-stream;q=0.9, Application/JSON",
            "*/*",
            "application/*, text/*",
        ] {
            assert_eq!(status(&[(header::ACCEPT, ok), ct.clone()]), None, "{ok}");
        }
        assert_eq!(
            status(&[
                (header::ACCEPT, "application/json"),
                (header::ACCEPT, "text/event-stream"),
                ct.clone()
            ]),
            None
        );
        for refused in ["application/json", "text/event-stream", "text/html", ""] {
            assert_eq!(
                status(&[(header::ACCEPT, refused), ct.clone()]),
                Some(StatusCode::NOT_ACCEPTABLE),
                "{refused}"
            );
        }
        assert_eq!(status(&[ct]), Some(StatusCode::NOT_ACCEPTABLE));
    }

    #[test]
    fn the_body_must_be_sent_as_json() {
        let accept = (header::ACCEPT, "application/json, text/event-stream");
        assert_eq!(
            status(&[
                accept.clone(),
                (header::CONTENT_TYPE, "application/json; charset=utf-8")
            ]),
            None
        );
        for refused in ["text/plain", "application/x-www-form-urlencoded"] {
            assert_eq!(
                status(&[accept.clone(), (header::CONTENT_TYPE, refused)]),
                Some(StatusCode::UNSUPPORTED_MEDIA_TYPE),
                "{refused}"
            );
        }
        assert_eq!(status(&[accept]), Some(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    }
}
