//! One recorded HTTP exchange: the request the learner's code sent, the response it got, when,
//! and which injected fault (if any) shaped it. Values are already redacted.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A header as recorded (name as sent, value redacted and stripped of CR/LF).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

impl Header {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Header {
        Header {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// A body as recorded: redacted text, the original size, and whether it was cut at the cap.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    /// Redacted text; binary bodies are shown as `‹binary N bytes›`.
    pub text: String,
    /// Size in bytes of the body (before redaction and the cap); of a compressed body, its
    /// inflated size.
    pub size: u64,
    /// True when only the first part of the body was kept.
    pub truncated: bool,
    /// The bytes of a body that is not UTF-8 text (and so not in `text`), base64-encoded, when
    /// it fits the cap and holds no known secret: the bytes behind a `JSON_PARSER_ERROR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base64: Option<String>,
    /// Bytes sent on the wire when `Content-Encoding` compressed the body (gzip, deflate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoded_size: Option<u64>,
}

impl Body {
    pub fn text(text: impl Into<String>) -> Body {
        let text = text.into();
        Body {
            size: text.len() as u64,
            text,
            truncated: false,
            base64: None,
            encoded_size: None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// The body parsed as JSON, if it is JSON and was not truncated.
    pub fn json(&self) -> Option<serde_json::Value> {
        if self.truncated {
            return None;
        }
        serde_json::from_str(&self.text).ok()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    /// The full URL as the learner's code addressed the proxy (query redacted).
    pub url: String,
    /// The path, percent-encoded as sent, without the query.
    pub path: String,
    /// The raw query string (redacted), without the `?`.
    pub query: Option<String>,
    pub headers: Vec<Header>,
    pub body: Body,
    /// The HTTP version the client spoke (`HTTP/1.1`, `HTTP/2.0`, `HTTP/1.0`); `None` in
    /// records made before sflab kept it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_version: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedResponse {
    pub status: u16,
    pub headers: Vec<Header>,
    pub body: Body,
}

/// The fault the proxy injected into an exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultFired {
    /// Position of the fault in the lab's `faults:` list (0 for a built-in service's planned
    /// outage, `staged_outage`, which the lab's `mock_services` seed plants).
    pub index: usize,
    /// A short name: the ready-made kind (`rate_limited`, `unavailable`, ...), `custom`, or
    /// `staged_outage`.
    pub kind: String,
    /// What the proxy did, for a learner: "answered 429 with Retry-After: 2".
    pub action: String,
}

/// One request/response pair that went through the proxy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// 1, 2, 3, ... in the order the proxy received the requests.
    pub seq: u64,
    /// Which learner run the request arrived during.
    pub run_index: usize,
    pub started_at: DateTime<Utc>,
    /// When the response was complete (or the connection failed).
    pub finished_at: DateTime<Utc>,
    pub request: RecordedRequest,
    /// `None` when no response reached the client (connection dropped or upstream failed).
    pub response: Option<RecordedResponse>,
    pub fault: Option<FaultFired>,
    /// What went wrong with the connection, when it did.
    pub error: Option<String>,
    /// The local process that sent the request and its parents up to the program sflab
    /// started, innermost first; empty when not known (not Linux, not a learner's process).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub client_processes: Vec<u32>,
}

impl Exchange {
    pub fn method(&self) -> &str {
        &self.request.method
    }

    pub fn path(&self) -> &str {
        &self.request.path
    }

    /// The method the org acted on: a POST with `?_HttpMethod=PATCH` is served as the PATCH it
    /// stands for (Salesforce's override for clients that cannot send PATCH).
    pub fn effective_method(&self) -> &str {
        let overridden = self.request.method.eq_ignore_ascii_case("POST")
            && self.request.query.as_deref().is_some_and(|q| {
                q.split('&').any(|pair| {
                    pair.split_once('=')
                        .is_some_and(|(k, v)| k == "_HttpMethod" && v.eq_ignore_ascii_case("PATCH"))
                })
            });
        if overridden {
            "PATCH"
        } else {
            &self.request.method
        }
    }

    pub fn status(&self) -> Option<u16> {
        self.response.as_ref().map(|r| r.status)
    }

    pub fn elapsed(&self) -> Duration {
        self.finished_at - self.started_at
    }

    pub fn elapsed_ms(&self) -> i64 {
        self.elapsed().num_milliseconds()
    }

    /// The first request header called `name` (case-insensitive).
    pub fn request_header(&self, name: &str) -> Option<&str> {
        find_header(&self.request.headers, name)
    }

    /// The first response header called `name` (case-insensitive).
    pub fn response_header(&self, name: &str) -> Option<&str> {
        self.response
            .as_ref()
            .and_then(|r| find_header(&r.headers, name))
    }

    /// The decoded query parameter `name`, if present.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.request.query.as_deref()?;
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The decoded form field `name` of an `application/x-www-form-urlencoded` request body.
    pub fn form_param(&self, name: &str) -> Option<String> {
        let ct = self.request_header("content-type").unwrap_or("");
        if !ct
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
        {
            return None;
        }
        form_urlencoded::parse(self.request.body.text.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    pub fn response_json(&self) -> Option<serde_json::Value> {
        self.response.as_ref().and_then(|r| r.body.json())
    }

    pub fn request_json(&self) -> Option<serde_json::Value> {
        self.request.body.json()
    }

    /// True for calls to the OAuth token endpoint.
    pub fn is_token_request(&self) -> bool {
        self.method().eq_ignore_ascii_case("POST")
            && self.path().trim_end_matches('/').ends_with("/oauth2/token")
    }

    /// True for a call that asks to change something (`POST`, `PUT`, `PATCH`, `DELETE`),
    /// other than a token request, which changes nothing a lab's records are about.
    pub fn is_write(&self) -> bool {
        ["POST", "PUT", "PATCH", "DELETE"]
            .iter()
            .any(|m| self.method().eq_ignore_ascii_case(m))
            && !self.is_token_request()
    }

    /// True for a write to the org's data API (`/services/data/…`), see [`Exchange::is_write`].
    pub fn is_data_write(&self) -> bool {
        self.is_write() && self.path().contains("/services/data/")
    }

    /// True when the call was answered 2xx.
    pub fn succeeded(&self) -> bool {
        self.status().is_some_and(|s| (200..300).contains(&s))
    }
}

pub(crate) fn find_header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange() -> Exchange {
        let t = Utc::now();
        Exchange {
            seq: 1,
            run_index: 0,
            started_at: t,
            finished_at: t + Duration::milliseconds(12),
            request: RecordedRequest {
                method: "POST".into(),
                url: "https://127.0.0.1:1/services/oauth2/token".into(),
                path: "/services/oauth2/token".into(),
                query: Some("a=1&b=two%20words".into()),
                headers: vec![Header::new(
                    "Content-Type",
                    "application/x-www-form-urlencoded",
                )],
                body: Body::text("grant_type=client_credentials&client_id=abc"),
                http_version: None,
            },
            response: None,
            fault: None,
            error: None,
            client_processes: Vec::new(),
        }
    }

    #[test]
    fn query_and_form_params_are_decoded() {
        let e = exchange();
        assert_eq!(e.query_param("b").as_deref(), Some("two words"));
        assert_eq!(
            e.form_param("grant_type").as_deref(),
            Some("client_credentials")
        );
        assert!(e.is_token_request());
        assert_eq!(e.elapsed_ms(), 12);
    }

    #[test]
    fn headers_are_found_case_insensitively() {
        let e = exchange();
        assert_eq!(
            e.request_header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(e.response_header("content-type"), None);
    }
}
