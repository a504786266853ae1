//! Errors of the composite resources as a whole (not of one subrequest).
//!
//! Rendered as the REST error array `[{"message","errorCode"}]` with the JSON content type.
//! Per-subrequest failures are not errors here: they travel inside the 200 response.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub const JSON_UTF8: &str = "application/json;charset=UTF-8";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompositeError {
    #[error("The request body is not valid JSON for this resource: {0}")]
    Json(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    LimitExceeded(String),
    /// More records or ids than one sObject collections call takes.
    #[error("{0}")]
    IdLimit(String),
    #[error("The sObject type '{0}' does not exist in this org. Check the spelling, and append __c for a custom object.")]
    UnknownObject(String),
    #[error("{0}")]
    NotFound(String),
    /// A batch subrequest the batch cannot run (an API version outside its range).
    #[error("{0}")]
    InvalidBatch(String),
    /// An sObject Tree of a platform event: trees insert records, and an event is published,
    /// never stored. [U: a real org's code and text for it are not in the reference; the
    /// code is the one a record API gives for an object it cannot insert into.]
    #[error("{0} is a platform event, which sObject Tree cannot insert: publish it with POST /services/data/vXX.X/sobjects/{0} or several at once with POST /composite/sobjects.")]
    EventInTree(String),
}

impl CompositeError {
    pub fn status(&self) -> StatusCode {
        match self {
            CompositeError::NotFound(_) | CompositeError::UnknownObject(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    pub fn error_code(&self) -> &'static str {
        match self {
            CompositeError::Json(_) => "JSON_PARSER_ERROR",
            CompositeError::InvalidInput(_) => "INVALID_INPUT",
            // Not verified: the code a real org uses for an over-limit composite payload.
            CompositeError::LimitExceeded(_) => "LIMIT_EXCEEDED",
            // The code users of the collections resource report for its 200-record limit.
            CompositeError::IdLimit(_) => "EXCEEDED_ID_LIMIT",
            CompositeError::UnknownObject(_) => "NOT_FOUND",
            CompositeError::NotFound(_) => "NOT_FOUND",
            // Not verified: assumed for a batch subrequest of the wrong version.
            CompositeError::InvalidBatch(_) => "INVALID_BATCH_REQUEST",
            CompositeError::EventInTree(_) => "INVALID_TYPE",
        }
    }

    pub fn body(&self) -> serde_json::Value {
        json!([{"message": self.to_string(), "errorCode": self.error_code()}])
    }
}

/// Refuses a body that is not a JSON object before it is parsed: the composite resources take
/// an object (`example` shows its key), and an array read as one would be taken as its fields
/// in order. Worded as the API's JSON parser words a wrong token.
pub fn require_object(body: &[u8], example: &str) -> Result<(), CompositeError> {
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    match start.map(|i| (i, body[i])) {
        Some((i, b'[')) => {
            let line = 1 + body[..i].iter().filter(|&&b| b == b'\n').count();
            let column = i - body[..i]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |n| n + 1)
                + 1;
            Err(CompositeError::Json(format!(
                "Cannot deserialize the request from an Array value (token `JsonToken.START_ARRAY`): the body is a JSON object, such as {example} at [line:{line}, column:{column}]"
            )))
        }
        _ => Ok(()),
    }
}

/// A JSON response with Salesforce's content type.
pub fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"null".to_vec());
    let mut resp = (status, bytes).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    resp
}

impl IntoResponse for CompositeError {
    fn into_response(self) -> Response {
        json_response(self.status(), &self.body())
    }
}
