//! The one error type of the REST surface, rendered the way Salesforce renders errors.
//!
//! Every failing REST call answers a JSON array `[{"message","errorCode","fields"}]` with
//! `Content-Type: application/json;charset=UTF-8`; clients depend on that shape (one client
//! indexes `body[0]["errorCode"]` on a 401, another unwraps a one-element array into its thrown
//! error). Handlers return `Result<_, ApiError>` and never build error bodies themselves.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The content type Salesforce sends with every JSON body.
pub const JSON_UTF8: &str = "application/json;charset=UTF-8";

/// One REST error: the HTTP status and the body's single entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {error_code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub error_code: String,
    pub message: String,
    /// The fields the error is about; omitted from the body when empty and `omit_fields`.
    pub fields: Vec<String>,
    /// Some real error bodies carry no `fields` key at all (e.g. INVALID_SESSION_ID).
    pub omit_fields: bool,
    /// The methods a 405 names, sent as its `Allow` header too (RFC 9110 §15.5.6).
    pub allow: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, error_code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error_code: error_code.to_string(),
            message: message.into(),
            fields: Vec::new(),
            omit_fields: false,
            allow: None,
        }
    }

    pub fn with_fields<I, S>(mut self, fields: I) -> ApiError
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fields = fields.into_iter().map(Into::into).collect();
        self
    }

    /// Drops the `fields` key from the body, as some real error bodies have none.
    pub fn without_fields(mut self) -> ApiError {
        self.omit_fields = true;
        self
    }

    /// 401: the bearer token is missing, unknown, revoked or expired.
    pub fn invalid_session() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
        .without_fields()
    }

    /// 404 for a path or resource that does not exist.
    pub fn not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        )
        .without_fields()
    }

    /// 405 for a method the resource does not support.
    pub fn method_not_allowed(method: &str, allowed: &[&str]) -> ApiError {
        let list = allowed.join(",");
        let mut e = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            format!("HTTP Method '{method}' not allowed. Allowed are {list}"),
        )
        .without_fields();
        e.allow = Some(list);
        e
    }

    /// 400 for a request body that is not the JSON the resource expects.
    pub fn json_parser(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR", message).without_fields()
    }

    /// 400 for an id that is not a well-formed Salesforce id.
    pub fn malformed_id(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "MALFORMED_ID", message)
    }

    /// 400 for a field the object does not have.
    pub fn invalid_field(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "INVALID_FIELD", message)
    }

    /// 403 once the org's daily API allocation is spent.
    pub fn request_limit_exceeded() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        )
        .without_fields()
    }

    /// 413 for a request body over the size the REST API accepts.
    pub fn body_too_large(limit_bytes: usize) -> ApiError {
        // Not verified against a real org: the documented statuses include 413-class refusals
        // for oversized requests but the body text is unknown; this names the limit instead.
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "REQUEST_ENTITY_TOO_LARGE",
            format!(
                "The request body is too large: this resource accepts at most {} MB.",
                limit_bytes / (1024 * 1024)
            ),
        )
        .without_fields()
    }

    /// 500 in Salesforce's shape, for a bug in sflab (never for bad input).
    pub fn unknown_exception() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred in the sflab mock org. Please report it with the request that caused it.",
        )
        .without_fields()
    }

    /// The JSON body: a one-element array.
    pub fn body(&self) -> serde_json::Value {
        let mut entry = serde_json::Map::new();
        entry.insert("message".into(), json!(self.message));
        entry.insert("errorCode".into(), json!(self.error_code));
        if !(self.omit_fields && self.fields.is_empty()) {
            entry.insert("fields".into(), json!(self.fields));
        }
        json!([entry])
    }
}

/// Builds a JSON response with Salesforce's content type.
pub fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut bytes = Vec::with_capacity(256);
    if serde_json::to_writer(&mut bytes, body).is_err() {
        bytes = b"null".to_vec();
    }
    json_bytes_response(status, bytes)
}

/// A response whose body is JSON already rendered to bytes, with Salesforce's content type.
pub fn json_bytes_response(status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut resp = (status, bytes).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = json_response(self.status, &self.body());
        if let Some(v) = self.allow.and_then(|a| HeaderValue::from_str(&a).ok()) {
            resp.headers_mut().insert(header::ALLOW, v);
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_session_body_is_a_one_element_array_without_fields() {
        let body = ApiError::invalid_session().body();
        assert_eq!(
            body,
            json!([{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}])
        );
    }

    #[test]
    fn field_errors_list_their_fields() {
        let e = ApiError::new(
            StatusCode::BAD_REQUEST,
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [Name]",
        )
        .with_fields(["Name"]);
        assert_eq!(e.body()[0]["fields"], json!(["Name"]));
        assert_eq!(e.body()[0]["errorCode"], "REQUIRED_FIELD_MISSING");
    }

    #[test]
    fn error_response_carries_salesforce_content_type() {
        let resp = ApiError::not_found().into_response();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        assert_eq!(resp.headers()[header::CONTENT_TYPE], JSON_UTF8);
    }
}
