//! The composite HTTP resources, mounted by the REST router under
//! `/services/data/{version}/composite`.
//!
//! `GET /` lists the resources; `POST /` runs a composite request; `POST /batch`, `POST
//! /graph`, `POST /tree/{T}`; sObject Collections at `/sobjects` (POST create, PATCH update,
//! DELETE `?ids=&allOrNone=`), `/sobjects/{T}` (GET `?ids=&fields=` or POST `{ids, fields}`
//! retrieve) and `/sobjects/{T}/{ExtIdField}` (PATCH upsert).
//!
//! Collections are served from v42.0 and graph from v50.0; older versions answer 404 as for
//! an unknown resource, and their `GET /` does not list them. [U] `/composite`, `/batch` and `/tree` are served at every version:
//! the versions that introduced them are not recorded in the reference.
//!
//! `/composite`, `/batch` and `/graph` run their subrequests through the REST router itself
//! (see `dispatch`); collections and tree write through the store's DML directly, inside one
//! all-or-none batch where the call asks for it. Those two ask the org's object access per
//! record (see `collections::RecordGate`), field-level security included; the others
//! meet it in the REST resources they call.

use super::collections::{self, CollectionOp, ObjectGate, RecordError, RecordGate};
use super::dispatch::{SubResponse, SubrequestTarget};
use super::error::{json_response, CompositeError};
use super::request::{batch_url, check_batch_version, parse_batch, parse_composite, parse_graph};
use super::run::{run_composite, run_graphs};
use super::tree;
use crate::org::auth::access::{ObjectDenial, Op};
use crate::org::rest::{Caller, RequestVersion};
use crate::org::schema::ObjectDef;
use crate::org::{Org, SfError};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde_json::{json, Value};
use std::collections::HashMap;

#[derive(Clone)]
struct CompositeState {
    org: Org,
}

/// The gateway's subrequest target on this request (absent only if the routes are served
/// without the REST gateway, which sflab never does).
type Target = Option<Extension<SubrequestTarget>>;

fn target_of(t: Target) -> SubrequestTarget {
    t.map(|Extension(t)| t).unwrap_or_default()
}

/// The composite routes for one org, with full paths (merge into the REST surface, whose
/// gateway supplies each request's [`SubrequestTarget`]).
pub fn router(org: Org) -> Router {
    let state = CompositeState { org };
    let p = |tail: &str| format!("/services/data/{{version}}/composite{tail}");
    let since = |first: u32| {
        axum::middleware::from_fn(move |req, next| {
            crate::org::bulk::routes::available_since(first, req, next)
        })
    };
    Router::new()
        .route(&p(""), get(resources).post(composite))
        .route(&p("/batch"), post(batch))
        .route(&p("/graph"), post(graph).route_layer(since(GRAPH_SINCE)))
        .route(&p("/tree/{object}"), post(create_tree))
        .route(
            &p("/sobjects"),
            post(create_records)
                .patch(update_records)
                .delete(delete_records)
                .route_layer(since(COLLECTIONS_SINCE)),
        )
        .route(
            &p("/sobjects/{object}"),
            get(retrieve_get)
                .post(retrieve_post)
                .route_layer(since(COLLECTIONS_SINCE)),
        )
        .route(
            &p("/sobjects/{object}/{field}"),
            axum::routing::patch(upsert_records).route_layer(since(COLLECTIONS_UPSERT_SINCE)),
        )
        .with_state(state)
}

/// The first API version with sObject Collections (the version jsforce starts using them
/// at). Older versions answer as an unknown resource, as the Bulk API's do.
pub const COLLECTIONS_SINCE: u32 = 42;
/// The first API version with sObject Collections upsert (`PATCH …/{object}/{field}`).
pub const COLLECTIONS_UPSERT_SINCE: u32 = 46;
/// The first API version with `/composite/graph`.
pub const GRAPH_SINCE: u32 = 50;

fn ok(body: Value) -> Response {
    json_response(StatusCode::OK, &body)
}

fn sf_error_response(e: SfError) -> Response {
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    json_response(status, &json!([e.to_json()]))
}

fn actor(org: &Org, caller: &Caller) -> crate::org::Actor {
    let user = crate::org::SfId::parse(&caller.0.user_id)
        .ok()
        .or_else(|| org.users.first().map(|u| u.id))
        .unwrap_or_else(|| crate::org::SfId::from_15(b"005000000000000"));
    org.actor(user)
}

/// The caller's object access and field-level security, asked of the org (which answers
/// `None` throughout when it does not enforce object access).
struct CallerGate<'a> {
    org: &'a Org,
    caller: &'a Caller,
}

fn caller_gate<'a>(org: &'a Org, caller: &'a Caller) -> CallerGate<'a> {
    CallerGate { org, caller }
}

impl RecordGate for CallerGate<'_> {
    fn object(&self, object: &str, op: Op) -> Option<ObjectDenial> {
        self.org
            .auth
            .object_denial(&self.caller.0.user_id, object, op)
    }

    fn fields(&self, object: &ObjectDef, keys: &[&String]) -> Option<RecordError> {
        let (r, fields) = self.org.auth.field_write_refusal(
            &self.caller.0.user_id,
            object,
            keys.iter().copied(),
        )?;
        Some(RecordError {
            status_code: r.error_code.to_string(),
            message: r.message,
            fields,
        })
    }
}

/// An object the caller cannot read, refused as an unknown one.
fn unseen(gate: ObjectGate, object: &str) -> Result<(), CompositeError> {
    match gate.object(object, Op::Read) {
        Some(_) => Err(CompositeError::UnknownObject(object.to_string())),
        None => Ok(()),
    }
}

/// The directory of composite resources: only those `version` serves, so a link it gives
/// never answers 404.
async fn resources(RequestVersion(version): RequestVersion) -> Response {
    let base = format!("{}/composite", version.base_path());
    let mut listed = serde_json::Map::new();
    listed.insert("tree".into(), json!(format!("{base}/tree")));
    listed.insert("batch".into(), json!(format!("{base}/batch")));
    if version.0 >= COLLECTIONS_SINCE {
        listed.insert("sobjects".into(), json!(format!("{base}/sobjects")));
    }
    if version.0 >= GRAPH_SINCE {
        listed.insert("graph".into(), json!(format!("{base}/graph")));
    }
    ok(Value::Object(listed))
}

async fn composite(
    State(st): State<CompositeState>,
    target: Target,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, CompositeError> {
    let req = parse_composite(&body)?;
    let unit = super::atomic::OrgUnit { org: &st.org };
    let _gate = if req.all_or_none {
        Some(st.org.composite.enter().await)
    } else {
        None
    };
    let out = run_composite(
        &target_of(target),
        &unit,
        &headers,
        &req.composite_request,
        req.all_or_none,
    )
    .await;
    Ok(ok(out))
}

async fn batch(
    target: Target,
    RequestVersion(version): RequestVersion,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, CompositeError> {
    let req = parse_batch(&body)?;
    let target = target_of(target);
    let mut results = Vec::with_capacity(req.batch_requests.len());
    let mut has_errors = false;
    let mut halted = false;
    for (i, sub) in req.batch_requests.iter().enumerate() {
        // Each subrequest counts against the daily allocation; the batch call's own count
        // stands for its first, so a batch of n costs n calls, as n separate calls would.
        // [U] Whether a real org counts the batch envelope on top is not documented.
        let marker = super::dispatch::Subrequest { counted: i > 0 };
        let resp = if halted {
            // Not verified: the exact message of a halted batch subrequest.
            SubResponse::error(
                412,
                "BATCH_PROCESSING_HALTED",
                "Batch processing halted per request",
            )
        } else {
            match batch_url(&sub.url).and_then(|url| {
                check_batch_version(&url, version)?;
                Ok(url)
            }) {
                Ok(url) => {
                    target
                        .send_as(
                            marker,
                            &headers,
                            &sub.method,
                            &url,
                            sub.rich_input.as_ref(),
                            &Default::default(),
                        )
                        .await
                }
                Err(e) => SubResponse::error(400, e.error_code(), &e.to_string()),
            }
        };
        if !resp.is_success() {
            has_errors = true;
            if req.halt_on_error {
                halted = true;
            }
        }
        results.push(json!({"statusCode": resp.status, "result": resp.body}));
    }
    Ok(ok(json!({"hasErrors": has_errors, "results": results})))
}

async fn graph(
    State(st): State<CompositeState>,
    target: Target,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, CompositeError> {
    let req = parse_graph(&body)?;
    let unit = super::atomic::OrgUnit { org: &st.org };
    let _gate = st.org.composite.enter().await;
    Ok(ok(run_graphs(
        &target_of(target),
        &unit,
        &headers,
        &req.graphs,
    )
    .await))
}

async fn create_tree(
    State(st): State<CompositeState>,
    caller: Caller,
    Path(params): Path<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, CompositeError> {
    let object = params.get("object").cloned().unwrap_or_default();
    let actor = actor(&st.org, &caller);
    let gate = caller_gate(&st.org, &caller);
    let platform_event = st
        .org
        .events
        .event_type(&object)
        .filter(|t| matches!(t.kind, crate::org::events::EventKind::Platform(_)));
    if let Some(event) = platform_event {
        // An event the caller may not see does not exist for them; any other is refused.
        if gate.object(&event.name, Op::Read).is_some() {
            return Err(CompositeError::UnknownObject(object));
        }
        return Err(CompositeError::EventInTree(event.name.clone()));
    }
    let mut store = st.org.store.write();
    let nodes = tree::flatten(&store, &object, &body)?;
    if let Some(top) = nodes.first() {
        unseen(&gate, &top.object)?;
    }
    let (status, out) = tree::create_through(&mut store, &actor, &gate, &nodes);
    drop(store);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    Ok(json_response(status, &out))
}

fn results_json(results: &[collections::SaveResult]) -> Response {
    ok(Value::Array(results.iter().map(|r| r.to_json()).collect()))
}

async fn save_records(
    st: &CompositeState,
    caller: &Caller,
    op: CollectionOp,
    body: &[u8],
) -> Result<Response, CompositeError> {
    let req = collections::parse_request(body)?;
    let actor = actor(&st.org, caller);
    let gate = caller_gate(&st.org, caller);
    if matches!(op, CollectionOp::Create) {
        // Platform events among the records are published; the others are saved.
        let with_events = crate::org::events::rest::create_collection_with_events(
            &st.org,
            &caller.0,
            &req.records,
            req.all_or_none,
            |records| {
                let mut store = st.org.store.write();
                let saved = collections::save_through(
                    &mut store,
                    &actor,
                    &gate,
                    &op,
                    records,
                    req.all_or_none,
                );
                saved.iter().map(collections::SaveResult::to_json).collect()
            },
        );
        if let Some(results) = with_events {
            return Ok(ok(results));
        }
    }
    let mut store = st.org.store.write();
    let results = collections::save_through(
        &mut store,
        &actor,
        &gate,
        &op,
        &req.records,
        req.all_or_none,
    );
    drop(store);
    Ok(results_json(&results))
}

async fn create_records(
    State(st): State<CompositeState>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, CompositeError> {
    save_records(&st, &caller, CollectionOp::Create, &body).await
}

async fn update_records(
    State(st): State<CompositeState>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, CompositeError> {
    save_records(&st, &caller, CollectionOp::Update, &body).await
}

async fn upsert_records(
    State(st): State<CompositeState>,
    caller: Caller,
    Path(params): Path<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, CompositeError> {
    let object = params.get("object").cloned().unwrap_or_default();
    let field = params.get("field").cloned().unwrap_or_default();
    let (object, field) = {
        let store = st.org.store.read();
        let obj = store
            .schema()
            .object(&object)
            .ok_or_else(|| CompositeError::UnknownObject(object.clone()))?;
        // A field that is not an upsert key (the Id, an external id, a unique field or a
        // standard idLookup field such as Contact.Email) is refused for the whole call, as an
        // unknown one is and as a single-record upsert is.
        let is_key = |f: &&crate::org::schema::FieldDef| {
            f.unique || crate::org::standard_objects::id_lookup(obj, f)
        };
        let f = obj.field(&field).filter(is_key).ok_or_else(|| {
            CompositeError::NotFound(format!(
                "Provided external ID field does not exist or is not accessible: {field}"
            ))
        })?;
        (obj.name.clone(), f.name.clone())
    };
    unseen(&caller_gate(&st.org, &caller), &object)?;
    save_records(&st, &caller, CollectionOp::Upsert { object, field }, &body).await
}

fn flag(q: &HashMap<String, String>, name: &str) -> bool {
    q.iter()
        .any(|(k, v)| k.eq_ignore_ascii_case(name) && v.eq_ignore_ascii_case("true"))
}

async fn delete_records(
    State(st): State<CompositeState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, CompositeError> {
    let ids = collections::split_list(q.get("ids").map(String::as_str).unwrap_or(""));
    if ids.is_empty() {
        return Err(CompositeError::InvalidInput(
            "Name the records to delete: ?ids=001...,003... (at most 200).".into(),
        ));
    }
    collections::check_count(ids.len())?;
    let actor = actor(&st.org, &caller);
    let gate = caller_gate(&st.org, &caller);
    let mut store = st.org.store.write();
    let results =
        collections::delete_through(&mut store, &actor, &gate, &ids, flag(&q, "allOrNone"));
    drop(store);
    Ok(results_json(&results))
}

/// How many ids one retrieve may name: a GET's url holds at most 800, a POST body 2,000
/// (documented limits; the error text for exceeding them is not, so it names the limit).
const MAX_RETRIEVE_GET: usize = 800;
const MAX_RETRIEVE_POST: usize = 2_000;

fn retrieve(
    st: &CompositeState,
    caller: &Caller,
    object: &str,
    ids: Vec<String>,
    fields: Vec<String>,
    version: &str,
    max: usize,
) -> Result<Response, CompositeError> {
    if ids.is_empty() {
        return Err(CompositeError::InvalidInput(format!(
            "Name the records to retrieve: ids=001...,001... (at most {max})."
        )));
    }
    if ids.len() > max {
        let post = if max < MAX_RETRIEVE_POST {
            format!(" A POST with the ids in its body takes up to {MAX_RETRIEVE_POST}.")
        } else {
            String::new()
        };
        return Err(CompositeError::IdLimit(format!(
            "A retrieve can name at most {max} ids; this one names {}.{post}",
            ids.len()
        )));
    }
    let store = st.org.store.read();
    let name = store
        .schema()
        .object(object)
        .map_or(object, |o| o.name.as_str());
    if caller_gate(&st.org, caller)
        .object(name, Op::Read)
        .is_some()
    {
        return Ok(sf_error_response(SfError::not_found()));
    }
    match collections::retrieve(&store, object, &ids, &fields, version) {
        Ok(v) => Ok(ok(v)),
        Err(e) => Ok(sf_error_response(e)),
    }
}

async fn retrieve_get(
    State(st): State<CompositeState>,
    caller: Caller,
    Path(params): Path<HashMap<String, String>>,
    Query(q): Query<HashMap<String, String>>,
    RequestVersion(version): RequestVersion,
) -> Result<Response, CompositeError> {
    let object = params.get("object").cloned().unwrap_or_default();
    let ids = collections::split_list(q.get("ids").map(String::as_str).unwrap_or(""));
    let fields = collections::split_list(q.get("fields").map(String::as_str).unwrap_or(""));
    retrieve(
        &st,
        &caller,
        &object,
        ids,
        fields,
        &version.number(),
        MAX_RETRIEVE_GET,
    )
}

#[derive(serde::Deserialize)]
struct RetrieveBody {
    #[serde(default)]
    ids: Vec<String>,
    #[serde(default)]
    fields: Vec<String>,
}

async fn retrieve_post(
    State(st): State<CompositeState>,
    caller: Caller,
    Path(params): Path<HashMap<String, String>>,
    RequestVersion(version): RequestVersion,
    body: Bytes,
) -> Result<Response, CompositeError> {
    let object = params.get("object").cloned().unwrap_or_default();
    super::error::require_object(&body, r#"{"ids": […], "fields": […]}"#)?;
    let req: RetrieveBody = serde_json::from_slice(&body)
        .map_err(|e| CompositeError::Json(crate::org::rest::body::jackson_message(&body, &e)))?;
    retrieve(
        &st,
        &caller,
        &object,
        req.ids,
        req.fields,
        &version.number(),
        MAX_RETRIEVE_POST,
    )
}
