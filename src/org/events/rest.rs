//! `POST /services/data/vXX.X/sobjects/X__e`: publishing a platform event over REST (also as a
//! composite subrequest, which comes back through the same route).
//!
//! Also the schema lookups a CometD subscriber uses to read `data.schema`:
//! `GET /event/eventSchema/{schemaId}` and `GET /sobjects/{Event}/eventSchema`.
//!
//! A real org answers 201 with the EventUuid in `errors[0].message` under the status code
//! `OPERATION_ENQUEUED` (publishing is asynchronous), and an id with the `e00` prefix
//! family. sflab's ids are `e01` followed by a counter, with the usual checksum suffix.

use super::log::Transport;
use super::publish::{platform_payload, PublishError};
use super::schema::{EventKind, EventType};
use crate::org::ids::SfId;
use crate::org::rest::error::{json_response, ApiError};
use crate::org::{Org, Session};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

static NEXT_EVENT_ID: AtomicU64 = AtomicU64::new(1);

/// The number the next REST-published event's id is made from.
pub fn next_event_number() -> u64 {
    NEXT_EVENT_ID.load(Ordering::Relaxed)
}

/// Never hands out an id made from a number below `n` again (an org restored from a file
/// continues after the ids it gave out before).
pub fn continue_event_numbers_from(n: u64) {
    NEXT_EVENT_ID.fetch_max(n, Ordering::Relaxed);
}

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
        let fields: Vec<String> = e.field().map(String::from).into_iter().collect();
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
        &enqueued(&published.uuid),
    ))
}

/// The save result of a published event: success, with the EventUuid under OPERATION_ENQUEUED.
fn enqueued(uuid: &str) -> Value {
    json!({
        "id": event_id(),
        "success": true,
        "errors": [{"statusCode": "OPERATION_ENQUEUED", "message": uuid, "fields": []}]
    })
}

fn failed(code: &str, message: &str, fields: Vec<String>) -> Value {
    json!({"success": false, "errors": [{"statusCode": code, "message": message, "fields": fields}]})
}

fn failed_publish(e: &PublishError) -> Value {
    let fields = e.field().map(String::from).into_iter().collect();
    failed(e.error_code(), &e.to_string(), fields)
}

/// sObject Collections create when every record is a platform event (jsforce sends an array
/// of events this way): each published in order, each with the result a single publish
/// gives. With `all_or_none`, one invalid event keeps all of them off the bus. `None` when
/// some record is not a platform event (the collection is saved as records then).
pub fn try_publish_collection(
    org: &Org,
    caller: &Session,
    records: &[Map<String, Value>],
    all_or_none: bool,
) -> Option<Value> {
    let types: Vec<&Arc<EventType>> = records
        .iter()
        .map(|r| {
            let name = r.get("attributes")?.get("type")?.as_str()?;
            let ty = org.events.event_type(name)?;
            matches!(ty.kind, EventKind::Platform(_)).then_some(ty)
        })
        .collect::<Option<_>>()?;
    if types.is_empty() {
        return None;
    }
    let now = org.clock.now();
    let checked: Vec<Result<(), PublishError>> = records
        .iter()
        .zip(&types)
        .map(|(r, ty)| platform_payload(ty, r, &caller.user_id, now, Transport::Rest).map(|_| ()))
        .collect();
    if all_or_none && checked.iter().any(Result::is_err) {
        let results = checked.iter().map(|c| match c {
            Err(e) => failed_publish(e),
            Ok(()) => failed(
                "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                crate::org::composite::collections::ROLLED_BACK,
                Vec::new(),
            ),
        });
        return Some(Value::Array(results.collect()));
    }
    let store = org.store.read();
    let results = records.iter().zip(&types).map(|(r, ty)| {
        match org
            .events
            .publish(&store, &ty.name, r, &caller.user_id, Transport::Rest)
        {
            Ok(p) => enqueued(&p.uuid),
            Err(e) => failed_publish(&e),
        }
    });
    Some(Value::Array(results.collect()))
}

/// The schema routes (the publish route is the sObject create route).
pub fn routes(org: Org) -> Router {
    Router::new()
        .route(
            "/services/data/{version}/event/eventSchema/{schema_id}",
            get(schema_by_id),
        )
        .route(
            "/services/data/{version}/sobjects/{sobject}/eventSchema",
            get(schema_by_event),
        )
        .with_state(org)
}

fn schema_response(ty: &super::EventType) -> Response {
    let mut schema: Value = serde_json::from_str(&ty.schema_json).unwrap_or(Value::Null);
    if let Some(m) = schema.as_object_mut() {
        m.insert("uuid".into(), json!(ty.schema_id));
    }
    json_response(StatusCode::OK, &schema)
}

async fn schema_by_id(
    State(org): State<Org>,
    Path((_, schema_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let ty = org
        .events
        .type_by_schema_id(&schema_id)
        .ok_or_else(ApiError::not_found)?;
    Ok(schema_response(ty))
}

async fn schema_by_event(
    State(org): State<Org>,
    Path((_, sobject)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let ty = org
        .events
        .event_type(&sobject)
        .ok_or_else(ApiError::not_found)?;
    Ok(schema_response(ty))
}
