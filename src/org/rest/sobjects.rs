//! sObject resources: basic info, describe, create, retrieve (with `fields=`), update,
//! delete, and everything keyed by an external id (get, upsert, delete).
//!
//! Implementation notes:
//! - `/sobjects/{T}/{x}` with an `x` that is not a well-formed id is read, as a real org reads
//!   it, as an external-id field with no value: 404 `Provided external ID field does not exist
//!   or is not accessible: x`.
//! - `/sobjects/{T}/{id}/{relationship}` (a relationship URL) is not served: 404 with a message
//!   saying so and the SOQL that reads the same records.
//! - A create answers with a `Location` header. Not verified for top-level creates; Composite
//!   sub-results (which mirror the sub-request's own response) carry it, so it is kept.
//! - An upsert that updates answers 200 with `created:false` from v46.0 on, 204 before.
//! - Where the org enforces object access (`auth: { enforce_object_access: true }`), every
//!   resource here asks it first (see [`guard`]): an object the caller cannot read answers
//!   as an unknown one (404 NOT_FOUND), a write they may not make is refused with the DML
//!   error shape (400 `[{"message","errorCode","fields"}]`: the status of a real org's
//!   refusal is not recorded in the reference, so it follows the other DML errors), and
//!   describe reports the caller's own rights, object and field (a field they may not edit
//!   is neither createable nor updateable; one they may not read is not listed, nor read by
//!   a retrieve: see [`field_reads`]). Orgs that do not enforce it are not asked. An
//!   external-id field they may not read does not exist for them either: a retrieve, upsert or
//!   delete through it (REST, and so a Composite subrequest or graph node) answers 404
//!   NOT_FOUND "Provided external ID field does not exist or is not accessible".
//! - Basic info and describe also serve the change events of the objects with Change Data
//!   Capture selected (`/sobjects/AccountChangeEvent/describe`; see `describe`), asking
//!   the object's read access for them. Nothing else here serves them: they have no records.

use super::body::{expect_object, SfJsonAsSent};
use super::conditional::{self, Access, Precondition};
use super::error::{json_bytes_response, json_response, ApiError};
use super::field_reads;
use super::gateway::{Caller, RequestVersion};
use super::number_literal;
use super::user_password;
use super::versions::ApiVersion;
use super::RestState;
use crate::org::auth::access::{Access as ObjectAccess, ObjectDenial, Op};
use crate::org::error::{ErrorCode, SfError, UpsertError};
use crate::org::schema::{ObjectDef, SystemField};
use crate::org::store::{parse_id, Actor, Store, UpsertMode};
use crate::org::value::Value as Stored;
use crate::org::SfId;
use crate::org::{describe, Org};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

pub fn routes() -> Router<RestState> {
    Router::new()
        .route(
            "/services/data/{version}/sobjects/{sobject}",
            get(basic_info).post(create),
        )
        .route(
            "/services/data/{version}/sobjects/{sobject}/describe",
            get(describe_sobject),
        )
        .route(
            "/services/data/{version}/sobjects/{sobject}/{id}",
            get(retrieve)
                .patch(update)
                .delete(delete)
                .post(post_on_record),
        )
        .route(
            "/services/data/{version}/sobjects/{sobject}/{field}/{value}",
            get(retrieve_by_external)
                .patch(upsert)
                .post(upsert)
                .delete(delete_by_external),
        )
}

impl From<SfError> for ApiError {
    fn from(e: SfError) -> ApiError {
        // A lookup field in the body naming a record that does not exist is a bad body (400);
        // 404 is for the record named in the URL [U: the reference records only the URL case].
        let about_a_field =
            e.code == ErrorCode::INVALID_CROSS_REFERENCE_KEY && !e.fields.is_empty();
        let status = if about_a_field {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST)
        };
        ApiError::new(status, e.code.as_str(), e.message).with_fields(e.fields)
    }
}

type Params = HashMap<String, String>;

fn actor(org: &Org, caller: &Caller) -> Result<Actor, ApiError> {
    let user = parse_id(&caller.0.user_id).map_err(ApiError::from)?;
    Ok(org.actor(user))
}

fn record_url(version: ApiVersion, sobject: &str, id: &str) -> String {
    format!("{}/sobjects/{sobject}/{id}", version.base_path())
}

/// The object's canonical name (`account` → `Account`), or 404 NOT_FOUND.
fn object_name(state: &RestState, sobject: &str) -> Result<String, ApiError> {
    let store = state.org.store.read();
    let index = store
        .object_index(sobject)
        .map_err(|_| unknown_object(sobject))?;
    Ok(store.object(index).name.clone())
}

/// 404 NOT_FOUND for an object the org does not have, as a real org answers; a standard
/// object the mock org does not model (Campaign, Event) is named as one, as SOQL names it.
fn unknown_object(sobject: &str) -> ApiError {
    match crate::org::unmodelled::object_note(sobject) {
        Some(note) => ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("The requested resource does not exist. {note}."),
        )
        .without_fields(),
        None => ApiError::not_found(),
    }
}

/// Object access for `op` on `object` (its canonical name), where the org enforces it.
fn guard(state: &RestState, caller: &Caller, object: &str, op: Op) -> Result<(), ApiError> {
    match state.org.auth.object_denial(&caller.0.user_id, object, op) {
        None => Ok(()),
        Some(ObjectDenial::Unseen) => Err(ApiError::not_found()),
        Some(ObjectDenial::Refused(r)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            r.error_code,
            r.message,
        )),
    }
}

/// [`object_name`], for a caller who may `op` its records.
fn object_for(
    state: &RestState,
    caller: &Caller,
    sobject: &str,
    op: Op,
) -> Result<String, ApiError> {
    let name = object_name(state, sobject)?;
    guard(state, caller, &name, op)?;
    Ok(name)
}

/// Field-level security on a write, where the org enforces object access: fields of the
/// body the caller may not edit refuse the whole write before anything is written. Required
/// fields and the org's own fields are left out: a real org sets no field-level security
/// on them (and the store refuses writes to fields no one may write).
fn refuse_uneditable(
    state: &RestState,
    caller: &Caller,
    object: &str,
    body: &Map<String, Value>,
) -> Result<(), ApiError> {
    if !state.org.auth.enforces_object_access() {
        return Ok(());
    }
    let named: Vec<String> = {
        let store = state.org.store.read();
        let Some(obj) = store.schema().object(object) else {
            return Ok(());
        };
        body.keys()
            .filter_map(|k| {
                obj.field(k)
                    .or_else(|| obj.field_by_relationship(k).map(|i| &obj.fields[i]))
            })
            .filter(|f| !f.required() && f.system.is_none() && (f.createable || f.updateable))
            .map(|f| f.name.clone())
            .collect()
    };
    let refused = state.org.auth.uneditable_fields(
        &caller.0.user_id,
        object,
        named.iter().map(String::as_str),
    );
    if refused.is_empty() {
        return Ok(());
    }
    let r = ObjectAccess::field_refusal(&refused);
    Err(ApiError::new(StatusCode::BAD_REQUEST, r.error_code, r.message).with_fields(refused))
}

/// An object's describe keys narrowed to the caller's rights, where the org enforces object
/// access.
fn narrow_to_caller(state: &RestState, caller: &Caller, object: &str, header: &mut Value) {
    if let (Some(rights), Some(header)) = (
        state.org.auth.object_rights(&caller.0.user_id, object),
        header.as_object_mut(),
    ) {
        rights.narrow_describe(header);
    }
}

/// An object's describe fields narrowed to the caller's field-level security, where the org
/// enforces object access: a field they may not edit is neither createable nor updateable,
/// as the writes judge it (required fields and the org's own carry no field-level security;
/// see [`refuse_uneditable`]). Fields they may not read are left out (see [`field_reads`]).
fn narrow_fields_to_caller(
    state: &RestState,
    caller: &Caller,
    object: &ObjectDef,
    body: &mut Value,
) {
    if !state.org.auth.enforces_object_access() {
        return;
    }
    let writable = object
        .fields
        .iter()
        .filter(|f| !f.required() && f.system.is_none() && (f.createable || f.updateable))
        .map(|f| f.name.as_str());
    let refused = state
        .org
        .auth
        .uneditable_fields(&caller.0.user_id, &object.name, writable);
    describe::withhold_field_writes(body, &refused);
}

/// A path segment that must be a record id; otherwise the external-id reading applies.
fn looks_like_id(s: &str) -> bool {
    (s.len() == 15 || s.len() == 18) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A body that names the record it writes to — its `Id`, or the external id an upsert's URL
/// already carries — is refused before anything is written, as a real org refuses it: `400
/// INVALID_FIELD` "The Id field should not be specified in the sobject data." (the REST API
/// reference: "Do not specify Id or an external ID field in the request body or an error is
/// generated"; the message as clients that met it on live orgs record it). Whatever the value,
/// even the URL's own.
fn refuse_key_in_body(
    store: &Store,
    object: &str,
    body: &Map<String, Value>,
    keys: &[&str],
) -> Result<(), ApiError> {
    let Some(obj) = store.schema().object(object) else {
        return Ok(());
    };
    for field in keys.iter().filter_map(|k| obj.field(k)) {
        if body.keys().any(|k| k.eq_ignore_ascii_case(&field.name)) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_FIELD",
                format!(
                    "The {} field should not be specified in the sobject data.",
                    field.name
                ),
            ));
        }
    }
    Ok(())
}

fn no_such_external_field(value: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("Provided external ID field does not exist or is not accessible: {value}"),
    )
}

/// An external-id field the caller may not read (field-level security, where the org enforces
/// object access) does not exist for them: a retrieve, upsert or delete through it answers as for an
/// unknown field, 404 NOT_FOUND, before anything is read or written.
fn refuse_hidden_external_field(
    state: &RestState,
    caller: &Caller,
    object: &str,
    field: &str,
) -> Result<(), ApiError> {
    let reads = state.org.auth.field_reads(&caller.0.user_id);
    let store = state.org.store.read();
    let object = described(state, &store, object)?;
    let hidden = field_reads::unreadable(reads.as_ref(), &object);
    match object.field_index(field) {
        Some(f) if hidden.contains(&f) => Err(no_such_external_field(field)),
        _ => Ok(()),
    }
}

/// An sObject's resources a real org serves and this mock does not (jsforce's `listviews()`,
/// `quickActions()`, `layouts()`, `compactLayouts()`; simple-salesforce's `describe_layout`;
/// the `defaultValues` URL describe lists): named, so the learner does not hunt for a typo in
/// an "external id field".
const UNSERVED_PARTS: [&str; 5] = [
    "listviews",
    "quickActions",
    "layouts",
    "compactLayouts",
    "defaultValues",
];

/// The answer for `/sobjects/{o}/{rest}` when `rest` starts with one of [`UNSERVED_PARTS`] or
/// is a describe's sub-resource (`describe/layouts`, `describe/compactLayouts`, …).
fn unserved_part(object: &str, first: &str, rest: Option<&str>) -> Option<ApiError> {
    let unserved = UNSERVED_PARTS.iter().any(|p| p.eq_ignore_ascii_case(first))
        || (first == "describe" && rest.is_some());
    unserved.then(|| {
        let path = match rest {
            Some(r) => format!("{first}/{r}"),
            None => first.to_string(),
        };
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!(
                "sflab's mock org does not serve /sobjects/{object}/{path}; a real org does. The mock serves the object's describe (/sobjects/{object}/describe), its records by id and by external id, and /updated and /deleted."
            ),
        )
    })
}

/// A relationship URL (`/sobjects/Account/{id}/Contacts`, `/sobjects/Contact/{id}/Account`):
/// a real org serves it; the mock says so and shows the query that reads the same records —
/// or, for a name that is no relationship of the object, says that.
fn relationship_url_not_served(object: &ObjectDef, id: &str, relationship: &str) -> ApiError {
    let o = &object.name;
    let query = if let Some(child) = object.child_relationship(relationship) {
        Some(format!(
            "SELECT Id, (SELECT Id FROM {}) FROM {o} WHERE Id = '{id}'",
            child.relationship_name
        ))
    } else {
        object.field_by_relationship(relationship).map(|f| {
            let rel = object.fields[f]
                .relationship_name
                .as_deref()
                .unwrap_or(relationship);
            format!("SELECT {rel}.Id FROM {o} WHERE Id = '{id}'")
        })
    };
    let message = match query {
        Some(q) => format!(
            "sflab's mock org does not serve relationship URLs (/sobjects/{o}/{id}/{relationship}); a real org does. Read the related records with a query instead: {q}"
        ),
        None => format!(
            "{o} has no relationship named {relationship}: a relationship URL names a child relationship (as Contacts on Account) or a lookup's relationship (as Account on Contact); the object's describe lists both."
        ),
    };
    ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
}

fn field_list(params: &Params) -> Option<Vec<String>> {
    params.get("fields").map(|f| {
        f.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

fn record_body(value: Value) -> Result<Map<String, Value>, ApiError> {
    let mut map = expect_object(value)?;
    map.remove("attributes");
    Ok(map)
}

fn save_result(id: &str, created: Option<bool>) -> Value {
    let mut v = json!({"id": id, "success": true, "errors": []});
    if let Some(c) = created {
        v["created"] = json!(c);
    }
    v
}

/// The sObject `name` describes: an object of the schema, else a platform event.
fn described<'s>(
    state: &RestState,
    store: &'s Store,
    name: &str,
) -> Result<Cow<'s, ObjectDef>, ApiError> {
    match store.schema().object(name) {
        Some(object) => Ok(Cow::Borrowed(object)),
        None => state
            .org
            .events
            .event_object(name)
            .map(Cow::Owned)
            .ok_or_else(|| unknown_object(name)),
    }
}

/// The sObject `name` describes for the describe resources: [`described`], else the change
/// event of an object with Change Data Capture selected (`AccountChangeEvent`). With it, the
/// object whose read access answers for it: a change event's is its object's.
fn described_or_change_event<'s>(
    state: &RestState,
    store: &'s Store,
    name: &str,
) -> Result<(Cow<'s, ObjectDef>, String), ApiError> {
    if let Ok(object) = described(state, store, name) {
        let access = object.name.clone();
        return Ok((object, access));
    }
    let parent = match state.org.events.event_type(name).map(|t| &t.kind) {
        Some(crate::org::events::EventKind::Change { object }) => store.schema().object(object),
        _ => None,
    }
    .ok_or_else(|| unknown_object(name))?;
    Ok((
        Cow::Owned(describe::change_event_object(parent)),
        parent.name.clone(),
    ))
}

async fn basic_info(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    Path((_, sobject)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let store = state.org.store.read();
    let (object, access) = described_or_change_event(&state, &store, &sobject)?;
    guard(&state, &caller, &access, Op::Read)?;
    // Platform events have no table, and so no recent records.
    let recent = match store.object_index(&object.name) {
        Ok(index) => {
            let user = parse_id(&caller.0.user_id).map_err(ApiError::from)?;
            super::recent::recent_items(
                &store,
                user,
                &version,
                Some(index),
                super::recent::MAX_RECENT,
            )
        }
        Err(_) => Vec::new(),
    };
    let mut body = describe::sobject_basic_info(&object, &version.number(), recent);
    narrow_to_caller(&state, &caller, &access, &mut body["objectDescribe"]);
    Ok(json_response(StatusCode::OK, &body))
}

async fn describe_sobject(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    Path((_, sobject)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let store = state.org.store.read();
    let (object, access) = described_or_change_event(&state, &store, &sobject)?;
    guard(&state, &caller, &access, Op::Read)?;
    // `If-Modified-Since`: 304 when the schema has not changed since the date given;
    // `If-Unmodified-Since`: 412 when it has.
    let changed = state.schema_changed_at(store.schema_key());
    let condition = conditional::decide(&headers, Access::Read, changed, None)?;
    let mut resp = if condition == Precondition::NotModified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut body = describe::describe_sobject(&object, &version.number());
        narrow_to_caller(&state, &caller, &access, &mut body);
        narrow_fields_to_caller(&state, &caller, &object, &mut body);
        // A change event's describe lists its object's fields as they are (not narrowed).
        if object.name == access {
            let reads = state.org.auth.field_reads(&caller.0.user_id);
            let hidden = field_reads::unreadable(reads.as_ref(), &object);
            field_reads::withhold_from_describe(&mut body, &object, &hidden);
            if let Some(reads) = &reads {
                field_reads::withhold_child_relationships(&mut body, store.schema(), reads);
            }
        }
        json_response(StatusCode::OK, &body)
    };
    let last_modified = changed.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    if let Ok(v) = HeaderValue::from_str(&last_modified) {
        resp.headers_mut().insert(header::LAST_MODIFIED, v);
    }
    Ok(resp)
}

fn created_response(version: ApiVersion, sobject: &str, id: &str, body: Value) -> Response {
    let mut resp = json_response(StatusCode::CREATED, &body);
    if let Ok(v) = HeaderValue::from_str(&record_url(version, sobject, id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

async fn create(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    Path((_, sobject)): Path<(String, String)>,
    SfJsonAsSent { value: body, sent }: SfJsonAsSent,
) -> Result<Response, ApiError> {
    // Publishing a platform event is creating one: asked before the event is published.
    let known = described(&state, &state.org.store.read(), &sobject).map(|o| o.name.clone());
    if let Ok(name) = known {
        guard(&state, &caller, &name, Op::Create)?;
    }
    if let Some(published) =
        crate::org::events::rest::try_publish(&state.org, &caller.0, &sobject, &body)
    {
        return published;
    }
    let name = object_name(&state, &sobject)?;
    let fields = record_body(body)?;
    refuse_uneditable(&state, &caller, &name, &fields)?;
    let actor = actor(&state.org, &caller)?;
    let change = state
        .org
        .store
        .write()
        .insert(&name, &fields, &actor)
        .map_err(|e| as_sent(e, &sent))?;
    let id = change.as_str().to_string();
    Ok(created_response(
        version,
        &name,
        &id,
        save_result(&id, None),
    ))
}

async fn retrieve(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    Path((_, sobject, id)): Path<(String, String, String)>,
    Query(params): Query<Params>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let name = object_for(&state, &caller, &sobject, Op::Read)?;
    if !looks_like_id(&id) {
        return Err(unserved_part(&name, &id, None).unwrap_or_else(|| no_such_external_field(&id)));
    }
    let fields = field_list(&params);
    let refs: Option<Vec<&str>> = fields
        .as_ref()
        .map(|f| f.iter().map(String::as_str).collect());
    let mut out = Vec::with_capacity(2048);
    let reads = state.org.auth.field_reads(&caller.0.user_id);
    let (condition, etag) = {
        let store = state.org.store.read();
        let (condition, etag) = record_condition(&store, &name, &id, &headers, Access::Read)?;
        if condition == Precondition::Proceed {
            // Compound addresses named in `fields=` are rendered after the stored fields.
            let (stored, named) = match &refs {
                Some(r) => {
                    let obj = store
                        .schema()
                        .object(&name)
                        .ok_or_else(SfError::not_found)?;
                    let (stored, named) = crate::org::read::split_addresses(obj, r);
                    (Some(stored), Some(named))
                }
                None => (None, None),
            };
            let (obj, rec, projection) = store.retrieve_parts(&name, &id, stored.as_deref())?;
            let hidden = field_reads::unreadable(reads.as_ref(), obj);
            let projection = field_reads::projection(obj, stored.as_deref(), projection, &hidden)?;
            let shown = |a: &crate::org::soql::address::Address| {
                a.components
                    .iter()
                    .all(|(_, f)| f.is_none_or(|(i, _)| !hidden.contains(&i)))
            };
            // Without `fields=`, every address whose components the caller may read comes
            // too; one named while a component is hidden does not exist for the caller.
            let addresses: Vec<_> = match named {
                None => crate::org::soql::address::addresses_of(obj)
                    .into_iter()
                    .filter(shown)
                    .collect(),
                Some(named) => {
                    if let Some(a) = named.iter().find(|a| !shown(a)) {
                        return Err(crate::org::validate::no_such_column(&a.name, &obj.name).into());
                    }
                    named
                }
            };
            super::render::write_record(
                &mut out,
                obj,
                rec,
                projection.as_deref(),
                &version.number(),
            );
            super::render::write_addresses(&mut out, rec, &addresses);
        }
        (condition, etag)
    };
    let mut resp = match condition {
        Precondition::Proceed => json_bytes_response(StatusCode::OK, out),
        Precondition::NotModified => StatusCode::NOT_MODIFIED.into_response(),
    };
    if let Some(v) = etag.and_then(|t| HeaderValue::from_str(&t).ok()) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    Ok(resp)
}

/// The conditional headers of a request on record `id` decided against it (see
/// [`conditional`]), with the record's ETag where its object has them (Account).
///
/// A write on a record that is missing or deleted has nothing to compare the headers with:
/// it proceeds, so the write itself answers as it does without them (404
/// INVALID_CROSS_REFERENCE_KEY for a missing record, ENTITY_IS_DELETED for a deleted one),
/// not with a read's NOT_FOUND.
fn record_condition(
    store: &Store,
    name: &str,
    id: &str,
    headers: &axum::http::HeaderMap,
    access: Access,
) -> Result<(Precondition, Option<String>), ApiError> {
    let (obj, rec, _) = match store.retrieve_parts(name, id, None) {
        Ok(parts) => parts,
        Err(_) if access == Access::Write => return Ok((Precondition::Proceed, None)),
        Err(e) => return Err(e.into()),
    };
    let changed = obj
        .system_index(SystemField::LastModifiedDate)
        .and_then(|i| match rec.get(i) {
            Some(Stored::DateTime(ms)) => chrono::DateTime::from_timestamp_millis(*ms),
            _ => None,
        })
        .unwrap_or_default();
    let etag = (obj.name == "Account").then(|| {
        let mut full = Vec::with_capacity(2048);
        super::render::write_record(&mut full, obj, rec, None, "");
        conditional::etag_of(&full)
    });
    let condition = conditional::decide(headers, access, changed, etag.as_deref())?;
    Ok((condition, etag))
}

async fn update(
    State(state): State<RestState>,
    caller: Caller,
    Path((_, sobject, id)): Path<(String, String, String)>,
    headers: axum::http::HeaderMap,
    SfJsonAsSent { value: body, sent }: SfJsonAsSent,
) -> Result<Response, ApiError> {
    let name = object_for(&state, &caller, &sobject, Op::Edit)?;
    if !looks_like_id(&id) {
        return Err(no_such_external_field(&id));
    }
    let fields = record_body(body)?;
    refuse_uneditable(&state, &caller, &name, &fields)?;
    let actor = actor(&state.org, &caller)?;
    let mut store = state.org.store.write();
    refuse_key_in_body(&store, &name, &fields, &["Id"])?;
    if conditional::asks(&headers) {
        record_condition(&store, &name, &id, &headers, Access::Write)?;
    }
    store
        .update(&name, &id, &fields, &actor)
        .map_err(|e| as_sent(e, &sent))?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    // The updated Account's new tag, so a client can chain If-Match updates.
    if let Ok((_, Some(tag))) =
        record_condition(&store, &name, &id, &Default::default(), Access::Read)
    {
        if let Ok(v) = HeaderValue::from_str(&tag) {
            resp.headers_mut().insert(header::ETAG, v);
        }
    }
    Ok(resp)
}

async fn delete(
    State(state): State<RestState>,
    caller: Caller,
    Path((_, sobject, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let name = object_for(&state, &caller, &sobject, Op::Delete)?;
    if !looks_like_id(&id) {
        return Err(no_such_external_field(&id));
    }
    let actor = actor(&state.org, &caller)?;
    state.org.store.write().delete(Some(&name), &id, &actor)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// POST on a record path: `?_HttpMethod=PATCH` (an update, for clients that cannot send
/// PATCH) or `POST /sobjects/{T}/Id`, an upsert on `Id` with no value, which creates.
async fn post_on_record(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    Path((v, sobject, id)): Path<(String, String, String)>,
    Query(params): Query<Params>,
    headers: axum::http::HeaderMap,
    body: SfJsonAsSent,
) -> Result<Response, ApiError> {
    let method = params.get("_HttpMethod").map(|m| m.to_ascii_uppercase());
    if method.as_deref() == Some("PATCH") {
        return update(State(state), caller, Path((v, sobject, id)), headers, body).await;
    }
    if id.eq_ignore_ascii_case("Id") {
        let name = object_for(&state, &caller, &sobject, Op::Create)?;
        let fields = record_body(body.value)?;
        refuse_uneditable(&state, &caller, &name, &fields)?;
        let actor = actor(&state.org, &caller)?;
        let change = state
            .org
            .store
            .write()
            .insert(&name, &fields, &actor)
            .map_err(|e| as_sent(e, &body.sent))?;
        let new_id = change.as_str().to_string();
        return Ok(created_response(
            version,
            &name,
            &new_id,
            save_result(&new_id, Some(true)),
        ));
    }
    // POST itself is served only with `?_HttpMethod=PATCH` (so the router's own 405 for PUT,
    // which lists every method the path routes, names POST too).
    Err(ApiError::method_not_allowed(
        "POST",
        &["GET", "HEAD", "PATCH", "DELETE"],
    ))
}

async fn retrieve_by_external(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    Path((_, sobject, field, value)): Path<(String, String, String, String)>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    if user_password::is_password_path(&sobject, &value) {
        return user_password::serve(&state, &caller, "GET", &field, None);
    }
    let name = object_for(&state, &caller, &sobject, Op::Read)?;
    if let Some(unserved) = unserved_part(&name, &field, Some(&value)) {
        return Err(unserved);
    }
    if looks_like_id(&field) && field.starts_with(|c: char| c.is_ascii_digit()) {
        // `/sobjects/Account/{id}/Contacts`: a field name never starts with a digit.
        let store = state.org.store.read();
        let object = described(&state, &store, &name)?;
        return Err(relationship_url_not_served(&object, &field, &value));
    }
    let fields = field_list(&params);
    let refs: Option<Vec<&str>> = fields
        .as_ref()
        .map(|f| f.iter().map(String::as_str).collect());
    refuse_hidden_external_field(&state, &caller, &name, &field)?;
    let reads = state.org.auth.field_reads(&caller.0.user_id);
    let store = state.org.store.read();
    let object = described(&state, &store, &name)?;
    let hidden = field_reads::unreadable(reads.as_ref(), &object);
    match find_external(&store, &name, &field, &value)? {
        External::One(id) => {
            let (_, _, projection) = store.retrieve_parts(&name, id.as_str(), refs.as_deref())?;
            field_reads::projection(&object, refs.as_deref(), projection, &hidden)?;
            let mut record =
                store.retrieve(&name, id.as_str(), refs.as_deref(), &version.number())?;
            field_reads::withhold_from_record(&mut record, &object, &hidden);
            Ok(json_response(StatusCode::OK, &record))
        }
        External::Many(ids) => Ok(multiple_choices(version, &name, &ids)),
    }
}

/// What an external-id value matches.
enum External {
    One(SfId),
    Many(Vec<SfId>),
}

/// The live record(s) whose `field` equals `value`; NOT_FOUND when there is none.
fn find_external(
    store: &Store,
    object: &str,
    field: &str,
    value: &str,
) -> Result<External, ApiError> {
    let mut ids = store.find_by_external(object, field, value)?;
    match ids.len() {
        0 => Err(ApiError::not_found()),
        1 => Ok(External::One(ids.remove(0))),
        _ => Ok(External::Many(ids)),
    }
}

fn multiple_choices(version: ApiVersion, object: &str, ids: &[SfId]) -> Response {
    let urls: Vec<Value> = ids
        .iter()
        .map(|id| Value::String(record_url(version, object, id.as_str())))
        .collect();
    json_response(StatusCode::MULTIPLE_CHOICES, &Value::Array(urls))
}

async fn upsert(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    method: axum::http::Method,
    Path((_, sobject, field, value)): Path<(String, String, String, String)>,
    Query(params): Query<Params>,
    SfJsonAsSent { value: body, sent }: SfJsonAsSent,
) -> Result<Response, ApiError> {
    if user_password::is_password_path(&sobject, &value) {
        return user_password::serve(&state, &caller, method.as_str(), &field, Some(&body));
    }
    let name = object_for(&state, &caller, &sobject, Op::Read)?;
    refuse_hidden_external_field(&state, &caller, &name, &field)?;
    let fields = record_body(body)?;
    refuse_key_in_body(&state.org.store.read(), &name, &fields, &["Id", &field])?;
    let mode = UpsertMode {
        update_only: params
            .get("updateOnly")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
    };
    // An upsert that will update needs Edit, one that will create needs Create.
    let updates = mode.update_only
        || state
            .org
            .store
            .read()
            .find_by_external(&name, &field, &value)
            .is_ok_and(|ids| !ids.is_empty());
    guard(
        &state,
        &caller,
        &name,
        if updates { Op::Edit } else { Op::Create },
    )?;
    if updates {
        refuse_uneditable(&state, &caller, &name, &fields)?;
    } else {
        // A create writes the URL's value into the external-id field, so it needs Edit on that
        // field as a body naming it would [U: the refusal a real org gives was not captured].
        let mut written = fields.clone();
        written.insert(field.clone(), Value::String(value.clone()));
        refuse_uneditable(&state, &caller, &name, &written)?;
    }
    let actor = actor(&state.org, &caller)?;
    let result = state
        .org
        .store
        .write()
        .upsert(&name, &field, &value, &fields, mode, &actor);
    match result {
        Ok((change, true)) => {
            let id = change.as_str().to_string();
            Ok(created_response(
                version,
                &name,
                &id,
                save_result(&id, Some(true)),
            ))
        }
        Ok((change, false)) => {
            if version.0 < 46 {
                return Ok(StatusCode::NO_CONTENT.into_response());
            }
            let id = change.as_str().to_string();
            Ok(json_response(
                StatusCode::OK,
                &save_result(&id, Some(false)),
            ))
        }
        Err(UpsertError::Rejected(e)) => Err(as_sent(e, &sent)),
        Err(UpsertError::MultipleMatches { object, ids }) => {
            Ok(multiple_choices(version, &object, &ids))
        }
    }
}

/// A write's refusal as the body `sent` explains it:
/// - a field value of the wrong kind (`"banana"` for a currency) is a `JSON_PARSER_ERROR` that
///   a real org ends with the parser's position. The one capture in the reference (errors-014)
///   shows `at [line:1, column:2]` for a one-line body; where the parser points in other
///   bodies is not recorded, so every such error points there;
/// - a number outside its field's range is quoted as the body wrote it, not as parsing
///   rounded it (`12345678901234567890.5`, not `12345678901234567000`).
fn as_sent(mut e: SfError, sent: &[u8]) -> ApiError {
    if e.code == ErrorCode::JSON_PARSER_ERROR && !e.message.contains(" at [line:") {
        e.message.push_str(" at [line:1, column:2]");
    }
    if e.code == ErrorCode::NUMBER_OUTSIDE_VALID_RANGE {
        let literal = match e.fields.as_slice() {
            [field] => number_literal::of_key(sent, field).map(number_literal::quoted),
            _ => None,
        };
        if let Some(literal) = literal.map(|l| l.into_owned()) {
            e = crate::org::validate::quoting_as_written(e, &literal);
        }
    }
    e.into()
}

async fn delete_by_external(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    Path((_, sobject, field, value)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    if user_password::is_password_path(&sobject, &value) {
        return user_password::serve(&state, &caller, "DELETE", &field, None);
    }
    let name = object_for(&state, &caller, &sobject, Op::Delete)?;
    refuse_hidden_external_field(&state, &caller, &name, &field)?;
    let actor = actor(&state.org, &caller)?;
    let id = match find_external(&state.org.store.read(), &name, &field, &value)? {
        External::One(id) => id.as_str().to_string(),
        External::Many(ids) => return Ok(multiple_choices(version, &name, &ids)),
    };
    state.org.store.write().delete(Some(&name), &id, &actor)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
