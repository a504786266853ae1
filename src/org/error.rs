//! The errors the org's data plane reports, with Salesforce's error codes and texts.
//!
//! An [`SfError`] is exactly one element of a REST error body
//! (`[{"message":…,"errorCode":…,"fields":[…]}]`); [`ErrorCode::http_status`] is the status
//! the REST API answers with when that error is the only one.

use super::ids::SfId;
use serde::Serialize;

/// Salesforce `errorCode` values the data plane produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
pub enum ErrorCode {
    REQUIRED_FIELD_MISSING,
    STRING_TOO_LONG,
    DUPLICATE_VALUE,
    /// An upsert's external id matched several records (a per-record error of collections;
    /// a single REST upsert answers 300 Multiple Choices instead).
    DUPLICATE_EXTERNAL_ID,
    INVALID_FIELD,
    INVALID_FIELD_FOR_INSERT_UPDATE,
    MALFORMED_ID,
    INVALID_CROSS_REFERENCE_KEY,
    JSON_PARSER_ERROR,
    NOT_FOUND,
    ENTITY_IS_DELETED,
    INVALID_TYPE,
    MALFORMED_QUERY,
    INVALID_EMAIL_ADDRESS,
    INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST,
    UNDELETE_FAILED,
    INVALID_QUERY_FILTER_OPERATOR,
    NUMBER_OUTSIDE_VALID_RANGE,
    MALFORMED_SEARCH,
    INVALID_SEARCH,
    INVALID_ID,
    DELETE_FAILED,
    /// The object cannot take this operation at all (creating an `Organization`, deleting a
    /// `User`).
    INVALID_TYPE_FOR_OPERATION,
    /// A write the object's own rules refuse (an order created as Activated, or activated
    /// with no order products).
    FIELD_INTEGRITY_EXCEPTION,
    /// A query `WITH SECURITY_ENFORCED` names a field the user may not read.
    INSUFFICIENT_ACCESS,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::REQUIRED_FIELD_MISSING => "REQUIRED_FIELD_MISSING",
            ErrorCode::STRING_TOO_LONG => "STRING_TOO_LONG",
            ErrorCode::DUPLICATE_VALUE => "DUPLICATE_VALUE",
            ErrorCode::DUPLICATE_EXTERNAL_ID => "DUPLICATE_EXTERNAL_ID",
            ErrorCode::INVALID_FIELD => "INVALID_FIELD",
            ErrorCode::INVALID_FIELD_FOR_INSERT_UPDATE => "INVALID_FIELD_FOR_INSERT_UPDATE",
            ErrorCode::MALFORMED_ID => "MALFORMED_ID",
            ErrorCode::INVALID_CROSS_REFERENCE_KEY => "INVALID_CROSS_REFERENCE_KEY",
            ErrorCode::JSON_PARSER_ERROR => "JSON_PARSER_ERROR",
            ErrorCode::NOT_FOUND => "NOT_FOUND",
            ErrorCode::ENTITY_IS_DELETED => "ENTITY_IS_DELETED",
            ErrorCode::INVALID_TYPE => "INVALID_TYPE",
            ErrorCode::MALFORMED_QUERY => "MALFORMED_QUERY",
            ErrorCode::INVALID_EMAIL_ADDRESS => "INVALID_EMAIL_ADDRESS",
            ErrorCode::INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST => {
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
            }
            ErrorCode::UNDELETE_FAILED => "UNDELETE_FAILED",
            ErrorCode::INVALID_QUERY_FILTER_OPERATOR => "INVALID_QUERY_FILTER_OPERATOR",
            ErrorCode::NUMBER_OUTSIDE_VALID_RANGE => "NUMBER_OUTSIDE_VALID_RANGE",
            ErrorCode::MALFORMED_SEARCH => "MALFORMED_SEARCH",
            ErrorCode::INVALID_SEARCH => "INVALID_SEARCH",
            ErrorCode::INVALID_ID => "INVALID_ID",
            ErrorCode::DELETE_FAILED => "DELETE_FAILED",
            ErrorCode::INVALID_TYPE_FOR_OPERATION => "INVALID_TYPE_FOR_OPERATION",
            ErrorCode::FIELD_INTEGRITY_EXCEPTION => "FIELD_INTEGRITY_EXCEPTION",
            ErrorCode::INSUFFICIENT_ACCESS => "INSUFFICIENT_ACCESS",
        }
    }

    /// The HTTP status of a REST response carrying this error.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::NOT_FOUND
            | ErrorCode::ENTITY_IS_DELETED
            | ErrorCode::INVALID_CROSS_REFERENCE_KEY => 404,
            _ => 400,
        }
    }
}

/// One Salesforce error: code, message, and the fields it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct SfError {
    pub code: ErrorCode,
    pub message: String,
    pub fields: Vec<String>,
}

impl SfError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> SfError {
        SfError {
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn with_fields(mut self, fields: Vec<String>) -> SfError {
        self.fields = fields;
        self
    }

    /// The REST body element `{"message","errorCode","fields"}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "message": self.message,
            "errorCode": self.code.as_str(),
            "fields": self.fields,
        })
    }

    pub fn not_found() -> SfError {
        SfError::new(
            ErrorCode::NOT_FOUND,
            "The requested resource does not exist",
        )
    }
}

/// Why an upsert did not happen: a Salesforce error, or the key matched several records
/// (REST answers 300 with the matching records' URLs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpsertError {
    #[error(transparent)]
    Rejected(#[from] SfError),
    #[error("the external id value matches {} records; make the field unique or pick one by Id", ids.len())]
    MultipleMatches { object: String, ids: Vec<SfId> },
}
