//! Apex REST: custom endpoints under `/services/apexrest/...`, defined by a lab fixture or seed
//! (`apex_rest:`, see [`resource`]) instead of Apex code, authenticated and counted like the
//! REST API (the gateway does both before a request gets here).
//!
//! What a resource answers, as a typical `@RestResource` class over its object:
//! - `GET /{url}/{key}` → 200 with the DTO (and its lines); `GET /{url}` → 200 with a list;
//! - `POST /{url}` → 201 with the DTO of the record created (lines created with it, all or none);
//! - `PATCH /{url}/{key}` → 200 with the updated DTO (204, no body, with
//!   `update_answer: no_content`); `DELETE /{url}/{key}` → 204, no body;
//! - a form post (`application/x-www-form-urlencoded`, curl's `--data` default, or
//!   `multipart/form-data`) is read into `RestRequest.params` and leaves `requestBody` blank, as
//!   on a real org: a POST or PATCH sent that way has no JSON to read → 400 `JSON_PARSER_ERROR`;
//! - bad input → 400 `[{"errorCode": "JSON_PARSER_ERROR" | "INVALID_INPUT" | <DML code>, "message": …}]`;
//!   an unknown key → 404 `[{"errorCode":"NOT_FOUND",…}]`; a path no class maps → 404.
//!
//! Implementation notes: Apex classes choose their own error bodies; the mock uses the JSON
//! array shape of the REST API, which is what Apex returns for uncaught exceptions and
//! deserialisation failures, and what most hand-written classes imitate.

pub mod resource;

#[cfg(test)]
mod tests;

use crate::org::rest::{json_response, ApiError, Caller, RestState};
use crate::org::soql::{self, QueryOptions};
use crate::org::store::{parse_id, Actor, Store};
use crate::org::{SfError, SfId};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use chrono::{DateTime, Utc};
use resource::{ApexResource, DtoError};
use serde_json::{json, Value as Json};

/// The API version record URLs in DTOs are rendered with.
const RECORD_VERSION: &str = "62.0";
/// The most records `GET /{url}` lists.
const LIST_LIMIT: usize = 200;

/// The Apex REST routes, to merge into the org router.
pub fn router(state: RestState) -> Router {
    Router::new()
        .route("/services/apexrest/{*path}", any(handle))
        .with_state(state)
}

fn bad_request(e: DtoError) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, e.code, e.message)
}

fn dml_error(e: SfError) -> ApiError {
    // An Apex class that catches DmlException answers 400 with the DML error's code.
    ApiError::new(StatusCode::BAD_REQUEST, e.code.as_str(), e.message).with_fields(e.fields)
}

async fn handle(
    State(state): State<RestState>,
    caller: Caller,
    method: Method,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match form_kind(&headers) {
        Some(form) => RequestBody::Form(form),
        None => RequestBody::Sent(&body),
    };
    match run(&state, &caller, &method, &format!("/{path}"), body) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

/// What an `@RestResource` class finds in `RestContext.request.requestBody`.
#[derive(Debug, Clone, Copy)]
pub enum RequestBody<'a> {
    /// The bytes sent (JSON, for the classes this mock stands in for).
    Sent(&'a [u8]),
    /// Nothing: the request was a form post of this kind, whose fields the platform moved to
    /// `RestRequest.params`.
    Form(FormKind),
}

/// The two form encodings Apex REST parses into `RestRequest.params`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    /// `application/x-www-form-urlencoded`, what curl sends for `--data`.
    UrlEncoded,
    /// `multipart/form-data`, what curl sends for `-F`.
    Multipart,
}

impl FormKind {
    /// The content type as sent, with the curl option that sends it, for messages.
    fn described(self) -> &'static str {
        match self {
            FormKind::UrlEncoded => {
                "Content-Type: application/x-www-form-urlencoded, curl's default for --data"
            }
            FormKind::Multipart => "Content-Type: multipart/form-data, what curl sends for -F",
        }
    }
}

/// Which form the request was posted as, if it was one.
fn form_kind(headers: &HeaderMap) -> Option<FormKind> {
    let media_type = headers
        .get(CONTENT_TYPE)?
        .to_str()
        .ok()?
        .split(';')
        .next()?
        .trim()
        .to_ascii_lowercase();
    match media_type.as_str() {
        "application/x-www-form-urlencoded" => Some(FormKind::UrlEncoded),
        "multipart/form-data" => Some(FormKind::Multipart),
        _ => None,
    }
}

/// Serves one Apex REST request (`path` is the part after `/services/apexrest`).
pub fn run(
    state: &RestState,
    caller: &Caller,
    method: &Method,
    path: &str,
    body: RequestBody,
) -> Result<Response, ApiError> {
    let list = resource::resources(state.org.seed.other.get("apex_rest")).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "APEX_ERROR",
            e.to_string(),
        )
    })?;
    let (res, rest) = resource::best_match(&list, path).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("Could not find a match for URL {path}"),
        )
        .without_fields()
    })?;
    if !res
        .methods
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method.as_str()))
    {
        let allowed: Vec<&str> = res.methods.iter().map(String::as_str).collect();
        return Err(ApiError::method_not_allowed(method.as_str(), &allowed));
    }
    // The class reads its key as `requestURI.substring(requestURI.lastIndexOf('/') + 1)`:
    // the last segment, whatever comes between it and the mapping.
    let key = rest.rsplit('/').next().unwrap_or("");
    let user = parse_id(&caller.0.user_id)?;
    let actor = state.org.actor(user);
    match (method.as_str(), key.is_empty()) {
        ("GET", true) => list_dtos(state, res),
        ("GET", false) => {
            let store = state.org.store.read();
            let id = find(&store, res, key)?;
            Ok(json_response(
                StatusCode::OK,
                &dto_of(&store, res, &id, state.org.clock.now())?,
            ))
        }
        ("POST", _) => create(state, res, &parse_body(body)?, &actor),
        ("PATCH" | "PUT", false) => update(state, res, key, &parse_body(body)?, &actor),
        ("DELETE", false) => {
            let mut store = state.org.store.write();
            let id = find(&store, res, key)?;
            store
                .delete(Some(&res.object), id.as_str(), &actor)
                .map_err(dml_error)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_INPUT",
            format!(
                "{} {path} needs a record key after {}",
                method,
                res.url.trim_end_matches("/*")
            ),
        )),
    }
}

fn parse_body(body: RequestBody) -> Result<Json, ApiError> {
    let body = match body {
        RequestBody::Sent(body) => body,
        RequestBody::Form(form) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "JSON_PARSER_ERROR",
                format!(
                    "The request body is empty: it was sent as a form ({}), so Apex REST read it into RestRequest.params and left requestBody blank. Send the JSON with Content-Type: application/json.",
                    form.described()
                ),
            ));
        }
    };
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "JSON_PARSER_ERROR",
            format!("The request body is not valid JSON: {e}"),
        )
    })
}

/// The record a key names, by Id or by the resource's key field (any field: the class runs
/// `WHERE key = :value`).
fn find(store: &Store, res: &ApexResource, key: &str) -> Result<SfId, ApiError> {
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("No {} found with {} = {key}", res.object, res.key),
        )
    };
    let ids = if res.key.eq_ignore_ascii_case("Id") {
        match SfId::parse(key) {
            Ok(id)
                if store
                    .retrieve(&res.object, id.as_str(), Some(&["Id"]), RECORD_VERSION)
                    .is_ok() =>
            {
                vec![id]
            }
            _ => Vec::new(),
        }
    } else {
        store.find_by_field(&res.object, &res.key, key)?
    };
    ids.first().copied().ok_or_else(not_found)
}

fn dto_of(
    store: &Store,
    res: &ApexResource,
    id: &SfId,
    now: DateTime<Utc>,
) -> Result<Json, ApiError> {
    let fields = resource::dto_fields(&res.dto);
    let rec = store.retrieve(&res.object, id.as_str(), Some(&fields), RECORD_VERSION)?;
    let mut dto = resource::dto_from_record(&rec, &res.dto);
    if let Some(lines) = &res.lines {
        let cols = resource::dto_fields(&lines.dto).join(", ");
        let soql_text = format!(
            "SELECT {cols} FROM {} WHERE {} = '{}' ORDER BY CreatedDate",
            lines.object,
            lines.parent_field,
            id.as_str()
        );
        let rows = soql::query(store, &soql_text, &QueryOptions::new(now, RECORD_VERSION))?;
        let items: Vec<Json> = rows
            .records
            .iter()
            .map(|r| resource::dto_from_record(r, &lines.dto))
            .collect();
        dto[&lines.property] = Json::Array(items);
    }
    Ok(dto)
}

fn list_dtos(state: &RestState, res: &ApexResource) -> Result<Response, ApiError> {
    let store = state.org.store.read();
    let soql_text = format!(
        "SELECT Id FROM {} ORDER BY CreatedDate LIMIT {LIST_LIMIT}",
        res.object
    );
    let rows = soql::query(
        &store,
        &soql_text,
        &QueryOptions::new(state.org.clock.now(), RECORD_VERSION),
    )?;
    let mut out = Vec::with_capacity(rows.records.len());
    for r in &rows.records {
        if let Some(id) = r
            .get("Id")
            .and_then(Json::as_str)
            .and_then(|s| SfId::parse(s).ok())
        {
            out.push(dto_of(&store, res, &id, state.org.clock.now())?);
        }
    }
    Ok(json_response(StatusCode::OK, &Json::Array(out)))
}

fn create(
    state: &RestState,
    res: &ApexResource,
    dto: &Json,
    actor: &Actor,
) -> Result<Response, ApiError> {
    let skip = res.lines.as_ref().map(|l| l.property.as_str());
    let fields = resource::fields_from_dto(dto, &res.dto, &res.required, &res.class, skip, false)
        .map_err(bad_request)?;
    let line_dtos: Vec<Json> = match (&res.lines, skip.and_then(|p| dto.get(p))) {
        (Some(_), Some(Json::Array(a))) => a.clone(),
        (Some(_), Some(Json::Null) | None) => Vec::new(),
        (Some(l), Some(other)) => {
            return Err(bad_request(DtoError {
                code: "JSON_PARSER_ERROR",
                message: format!("Expected an array for {} but found {other}", l.property),
            }))
        }
        (None, _) => Vec::new(),
    };
    let mut line_fields = Vec::with_capacity(line_dtos.len());
    if let Some(l) = &res.lines {
        for (i, d) in line_dtos.iter().enumerate() {
            let f = resource::fields_from_dto(d, &l.dto, &l.required, &res.class, None, false)
                .map_err(|e| {
                    bad_request(DtoError {
                        code: e.code,
                        message: format!("{}[{i}]: {}", l.property, e.message),
                    })
                })?;
            line_fields.push(f);
        }
    }
    let mut store = state.org.store.write();
    let id = store
        .all_or_none(|s| {
            let parent = s.insert(&res.object, &fields, actor)?;
            if let Some(l) = &res.lines {
                for mut f in line_fields {
                    f.insert(l.parent_field.clone(), json!(parent.as_str()));
                    s.insert(&l.object, &f, actor)?;
                }
            }
            Ok::<_, SfError>(parent)
        })
        .map_err(dml_error)?;
    Ok(json_response(
        StatusCode::CREATED,
        &dto_of(&store, res, &id, state.org.clock.now())?,
    ))
}

fn update(
    state: &RestState,
    res: &ApexResource,
    key: &str,
    dto: &Json,
    actor: &Actor,
) -> Result<Response, ApiError> {
    let skip = res.lines.as_ref().map(|l| l.property.as_str());
    let fields = resource::fields_from_dto(dto, &res.dto, &res.required, &res.class, skip, true)
        .map_err(bad_request)?;
    let mut store = state.org.store.write();
    let id = find(&store, res, key)?;
    store
        .update(&res.object, id.as_str(), &fields, actor)
        .map_err(dml_error)?;
    if res.update_answer == resource::UpdateAnswer::NoContent {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(json_response(
        StatusCode::OK,
        &dto_of(&store, res, &id, state.org.clock.now())?,
    ))
}
