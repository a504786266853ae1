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

/// Moves the next event number on by `gap`: each lab attempt's org hands out event ids from a
/// place of its own, as it does record ids, so an id printed by an earlier attempt (or typed
/// into a program) is not the one this attempt's publish was answered with.
pub fn skip_event_numbers(gap: u64) {
    NEXT_EVENT_ID.fetch_add(gap, Ordering::Relaxed);
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
        ApiError::new(status, e.error_code(), e.rest_message()).with_fields(fields)
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
    failed(e.error_code(), &e.rest_message(), fields)
}

/// The platform event a collection record's `attributes.type` names, if it names one.
fn platform_event_of<'o>(org: &'o Org, record: &Map<String, Value>) -> Option<&'o Arc<EventType>> {
    let name = record.get("attributes")?.get("type")?.as_str()?;
    let ty = org.events.event_type(name)?;
    matches!(ty.kind, EventKind::Platform(_)).then_some(ty)
}

fn rolled_back() -> Value {
    failed(
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        crate::org::composite::collections::ROLLED_BACK,
        Vec::new(),
    )
}

/// Whether the caller may publish `ty` where the org enforces object access (Create on the
/// event, as the single REST publish asks): the failed result when not. An event the caller
/// may not read answers as an unknown type, as for records.
fn publish_refusal(org: &Org, caller: &Session, ty: &EventType) -> Option<Value> {
    let denial = org.auth.object_denial(
        &caller.user_id,
        &ty.name,
        crate::org::auth::access::Op::Create,
    )?;
    let e = crate::org::composite::collections::RecordError::from(denial);
    Some(failed(&e.status_code, &e.message, e.fields))
}

/// sObject Collections create when every record is a platform event (jsforce sends an array
/// of events this way): see [`create_collection_with_events`]. `None` when some record is not
/// a platform event.
pub fn try_publish_collection(
    org: &Org,
    caller: &Session,
    records: &[Map<String, Value>],
    all_or_none: bool,
) -> Option<Value> {
    if records.is_empty() || !records.iter().all(|r| platform_event_of(org, r).is_some()) {
        return None;
    }
    create_collection_with_events(org, caller, records, all_or_none, |_| Vec::new())
}

/// sObject Collections create of records among which are platform events: each event is
/// published in order with the result a single publish gives (OPERATION_ENQUEUED with its
/// EventUuid), the other records are saved by `save_records` (given them in order, it answers
/// their results). With `all_or_none`, one invalid event or record keeps every event off the
/// bus and every record unsaved (the others answer ALL_OR_NONE_OPERATION_ROLLED_BACK). `None`
/// when no record is a platform event (the collection is saved as records then).
///
/// Implementation notes: a real org publishes events named in a collection alongside records
/// (the Platform Events guide: "Composite can publish several events in one call"); that it
/// holds a mix to one all-or-none outcome is sflab's reading of `allOrNone` [U].
pub fn create_collection_with_events(
    org: &Org,
    caller: &Session,
    records: &[Map<String, Value>],
    all_or_none: bool,
    save_records: impl FnOnce(&[Map<String, Value>]) -> Vec<Value>,
) -> Option<Value> {
    let types: Vec<Option<&Arc<EventType>>> =
        records.iter().map(|r| platform_event_of(org, r)).collect();
    if types.iter().all(Option::is_none) {
        return None;
    }
    let now = org.clock.now();
    let checked: Vec<Option<Result<(), Value>>> = records
        .iter()
        .zip(&types)
        .map(|(r, ty)| {
            ty.map(|ty| match publish_refusal(org, caller, ty) {
                Some(refused) => Err(refused),
                None => platform_payload(ty, r, &caller.user_id, now, Transport::Rest)
                    .map(|_| ())
                    .map_err(|e| failed_publish(&e)),
            })
        })
        .collect();
    let an_event_failed = checked.iter().flatten().any(Result::is_err);
    if all_or_none && an_event_failed {
        let results = checked.into_iter().map(|c| match c {
            Some(Err(failure)) => failure,
            _ => rolled_back(),
        });
        return Some(Value::Array(results.collect()));
    }
    let others: Vec<Map<String, Value>> = records
        .iter()
        .zip(&types)
        .filter(|(_, ty)| ty.is_none())
        .map(|(r, _)| r.clone())
        .collect();
    let mut saved = if others.is_empty() {
        Vec::new()
    } else {
        save_records(&others)
    }
    .into_iter();
    let hold_events = all_or_none && saved.as_slice().iter().any(|r| r["success"] != json!(true));
    let store = org.store.read();
    let mut results = Vec::with_capacity(records.len());
    for ((r, ty), check) in records.iter().zip(&types).zip(checked) {
        let result = match (ty, check) {
            (None, _) => saved.next().unwrap_or_else(rolled_back),
            (Some(_), Some(Err(failure))) => failure,
            (Some(_), _) if hold_events => rolled_back(),
            (Some(ty), _) => {
                match org
                    .events
                    .publish(&store, &ty.name, r, &caller.user_id, Transport::Rest)
                {
                    Ok(p) => enqueued(&p.uuid),
                    Err(e) => failed_publish(&e),
                }
            }
        };
        results.push(result);
    }
    Some(Value::Array(results))
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
