//! `POST /services/data/vXX.X/sobjects/X__e`: publishing a platform event over REST (also as a
//! composite subrequest, which comes back through the same route).
//!
//! A real org answers 201 with the EventUuid in `errors[0].message` under the status code
//! `OPERATION_ENQUEUED` (publishing is asynchronous), and an id with the `e00` prefix
//! family. sflab's ids are `e01` followed by a counter, with the usual checksum suffix.

use super::log::Transport;
use super::publish::PublishError;
use crate::org::ids::SfId;
use crate::org::rest::error::{json_response, ApiError};
use crate::org::{Org, Session};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_EVENT_ID: AtomicU64 = AtomicU64::new(1);

fn event_id() -> String {
    let n = NEXT_EVENT_ID.fetch_add(1, Ordering::Relaxed);
    let raw = format!("e01xx{n:010}");
    let mut id15 = [0u8; 15];
    id15.copy_from_slice(&raw.as_bytes()[..15]);
    SfId::from_15(&id15).as_str().to_string()
}

impl From<PublishError> for ApiError {
    fn from(e: PublishError) -> ApiError {
        let status = match e {
            PublishError::UnknownEvent(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        };
        let fields: Vec<String> = match &e {
            PublishError::UnknownField { field, .. } | PublishError::BadValue { field, .. } => {
                vec![field.clone()]
            }
            _ => Vec::new(),
        };
        ApiError::new(status, e.error_code(), e.to_string()).with_fields(fields)
    }
}

/// Publishes when `sobject` names one of the org's platform events; `None` for any other
/// object (the ordinary create runs).
pub fn try_publish(
    org: &Org,
    caller: &Session,
    sobject: &str,
    body: &Value,
) -> Option<Result<Response, ApiError>> {
    let ty = org.events.event_type(sobject)?;
    if !matches!(ty.kind, super::EventKind::Platform(_)) {
        return None;
    }
    let name = ty.name.clone();
    Some(publish(org, caller, &name, body))
}

fn publish(org: &Org, caller: &Session, event: &str, body: &Value) -> Result<Response, ApiError> {
    let fields = body.as_object().ok_or_else(|| {
        ApiError::json_parser("The request body must be a JSON object of the event's fields")
    })?;
    let store = org.store.read();
    let published = org
        .events
        .publish(&store, event, fields, &caller.user_id, Transport::Rest)?;
    drop(store);
    Ok(json_response(
        StatusCode::CREATED,
        &json!({
            "id": event_id(),
            "success": true,
            "errors": [{
                "statusCode": "OPERATION_ENQUEUED",
                "message": published.uuid,
                "fields": []
            }]
        }),
    ))
}
