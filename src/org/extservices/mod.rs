//! External Services: an OpenAPI 2.0/3.0 spec registered against a Named Credential, whose
//! operations are then invoked by operationId with typed input, through the callout machinery
//! (so the Named Credential's authentication and principal access apply).
//!
//! Over HTTP (sflab-only endpoints, standing in for Setup and for a Flow or Apex action):
//! - `POST /services/data/vXX.X/sflab/external-services` `{name, named_credential, spec}`
//!   (`spec` as text or as a JSON object, ≤ 2 MB) → 201 with the operations found;
//! - `GET /services/data/vXX.X/sflab/external-services` → the registered services;
//! - `POST /services/data/vXX.X/sflab/external-services/{name}/{operationId}` `{input, run_as}`
//!   → `{statusCode, body}`; input that does not fit the operation is 400 `INVALID_INPUT`.
//!
//! Implementation notes: the URL called is the Named Credential's URL, then the spec's base
//! path (2.0 `basePath`, or the path of the first 3.0 server), then the operation's path. How a
//! real org combines the spec's server path with the Named Credential is not verified [U].

pub mod openapi;

#[cfg(test)]
mod tests;

use crate::org::callout::http::{callout_error, require_admin};
use crate::org::callout::CalloutRequest;
use crate::org::rest::{json_response, ApiError, Caller, RestState, SfJson};
use crate::org::Org;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use openapi::{check_value, Location, Operation, SpecError};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Characters escaped in a path parameter: all but RFC 3986's unreserved ones.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

/// One registered service.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalService {
    pub name: String,
    pub named_credential: String,
    pub operations: Vec<Operation>,
}

/// The registered services.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    services: BTreeMap<String, ExternalService>,
}

/// Why a registration or an invocation failed.
#[derive(Debug, thiserror::Error)]
pub enum ExternalServiceError {
    #[error("{0}")]
    Spec(#[from] SpecError),
    #[error(
        "no Named Credential '{0}' is deployed; deploy it before registering a service against it"
    )]
    NoNamedCredential(String),
    #[error("'{0}' is not a valid service name: use letters, digits and underscores, starting with a letter")]
    BadName(String),
    #[error("no External Service '{0}' is registered")]
    UnknownService(String),
    #[error("service {service} has no operation '{operation}'; it has {known}")]
    UnknownOperation {
        service: String,
        operation: String,
        known: String,
    },
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Output(String),
    #[error("{0}")]
    Callout(#[from] crate::org::callout::CalloutError),
}

impl Registry {
    pub fn get(&self, name: &str) -> Option<&ExternalService> {
        self.services.get(name)
    }

    pub fn all(&self) -> impl Iterator<Item = &ExternalService> {
        self.services.values()
    }
}

/// Registers (or replaces) a service from spec text.
pub fn register(
    org: &Org,
    name: &str,
    named_credential: &str,
    spec: &str,
) -> Result<ExternalService, ExternalServiceError> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(ExternalServiceError::BadName(name.to_string()));
    }
    if !org
        .outbound
        .deployment
        .read()
        .named
        .contains_key(named_credential)
    {
        return Err(ExternalServiceError::NoNamedCredential(
            named_credential.to_string(),
        ));
    }
    let operations = openapi::parse(spec)?;
    let svc = ExternalService {
        name: name.to_string(),
        named_credential: named_credential.to_string(),
        operations,
    };
    org.outbound
        .external_services
        .write()
        .services
        .insert(name.to_string(), svc.clone());
    Ok(svc)
}

fn scalar_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Builds the callout an operation makes for `input` (pure; checked against the spec).
pub fn build_request(
    svc: &ExternalService,
    op: &Operation,
    input: &Json,
    run_as: &str,
) -> Result<CalloutRequest, String> {
    let empty = serde_json::Map::new();
    let given = match input {
        Json::Object(m) => m,
        Json::Null => &empty,
        _ => return Err("input must be a JSON object of the operation's parameters".into()),
    };
    for k in given.keys() {
        if k != "body" && !op.params.iter().any(|p| &p.name == k) {
            let known: Vec<&str> = op
                .params
                .iter()
                .map(|p| p.name.as_str())
                .chain(op.body.as_ref().map(|_| "body"))
                .collect();
            return Err(format!(
                "input.{k} is not a parameter of {}; it takes {}",
                op.id,
                if known.is_empty() {
                    "nothing".to_string()
                } else {
                    known.join(", ")
                }
            ));
        }
    }
    let mut path = op.path.clone();
    let mut query: Vec<(String, String)> = Vec::new();
    let mut headers = Vec::new();
    for p in &op.params {
        let Some(v) = given.get(&p.name) else {
            if p.required {
                return Err(format!("input.{} is required", p.name));
            }
            continue;
        };
        check_value(v, &p.schema, &format!("input.{}", p.name))?;
        let text = scalar_text(v);
        match p.location {
            Location::Path => {
                path = path.replace(
                    &format!("{{{}}}", p.name),
                    &utf8_percent_encode(&text, PATH_SEGMENT).to_string(),
                )
            }
            Location::Query => query.push((p.name.clone(), text)),
            Location::Header => headers.push((p.name.clone(), text)),
        }
    }
    let body = match (&op.body, given.get("body")) {
        (Some((schema, _)), Some(b)) => {
            check_value(b, schema, "input.body")?;
            headers.push(("Content-Type".into(), "application/json".into()));
            Some(b.to_string())
        }
        (Some((_, true)), None) => return Err(format!("input.body is required by {}", op.id)),
        (None, Some(_)) => return Err(format!("{} takes no body", op.id)),
        _ => None,
    };
    let q = if query.is_empty() {
        String::new()
    } else {
        let mut f = form_urlencoded::Serializer::new(String::new());
        f.extend_pairs(&query);
        format!("?{}", f.finish())
    };
    Ok(CalloutRequest {
        target: format!("callout:{}{path}{q}", svc.named_credential),
        method: op.method.clone(),
        headers,
        body,
        run_as: run_as.to_string(),
    })
}

/// Invokes `operation` of service `name` as `run_as`; `(status, body as JSON or text)`.
pub async fn invoke(
    org: &Org,
    name: &str,
    operation: &str,
    input: &Json,
    run_as: &str,
) -> Result<(u16, Json), ExternalServiceError> {
    let svc = org
        .outbound
        .external_services
        .read()
        .get(name)
        .cloned()
        .ok_or_else(|| ExternalServiceError::UnknownService(name.to_string()))?;
    let op = svc
        .operations
        .iter()
        .find(|o| o.id == operation)
        .ok_or_else(|| ExternalServiceError::UnknownOperation {
            service: name.to_string(),
            operation: operation.to_string(),
            known: svc
                .operations
                .iter()
                .map(|o| o.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let req = build_request(&svc, op, input, run_as).map_err(ExternalServiceError::Input)?;
    let resp = org.outbound.callout(org, req).await?;
    let body = serde_json::from_str(&resp.body).unwrap_or(Json::String(resp.body.clone()));
    if (200..300).contains(&resp.status) {
        read_as_declared(op, resp.status, &body, resp.body.trim().is_empty())
            .map_err(ExternalServiceError::Output)?;
        if let Some(schema) = &op.response {
            return Ok((resp.status, as_outputs(&body, schema)));
        }
    }
    Ok((resp.status, body))
}

/// A success answer as the flow gets it: an object keeps only the properties the schema
/// declares (recursively), a list's items follow `items`. The org generates the action's
/// output types from the document, so a field it leaves out never reaches the flow. A schema
/// that declares no properties (or allows `additionalProperties`) keeps the value whole: what
/// a real org makes of those is not in the reference [U].
fn as_outputs(v: &Json, schema: &Json) -> Json {
    let open = schema
        .get("additionalProperties")
        .is_some_and(|a| a.as_bool() != Some(false));
    match (v, schema.get("properties").and_then(Json::as_object)) {
        (Json::Object(o), Some(props)) if !props.is_empty() && !open => Json::Object(
            o.iter()
                .filter_map(|(k, x)| Some((k.clone(), as_outputs(x, props.get(k)?))))
                .collect(),
        ),
        (Json::Array(items), _) => match schema.get("items") {
            Some(each) => Json::Array(items.iter().map(|x| as_outputs(x, each)).collect()),
            None => v.clone(),
        },
        _ => v.clone(),
    }
}

/// `v` with every object member whose value is null left out.
fn without_nulls(v: &Json) -> Json {
    match v {
        Json::Object(m) => Json::Object(
            m.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k.clone(), without_nulls(x)))
                .collect(),
        ),
        Json::Array(a) => Json::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// Whether a success answer can be read as the operation's outputs: the action's outputs are
/// typed from the document's response schema, so a body the schema does not describe cannot
/// reach the flow. (A real org fails the action when the answer does not deserialize into the
/// generated types; its exact message is not in the reference [U].)
fn read_as_declared(op: &Operation, status: u16, body: &Json, empty: bool) -> Result<(), String> {
    match &op.response {
        // A null reads as an output left empty, whatever its declared type.
        Some(schema) => {
            check_value(&without_nulls(body), schema, "response").map_err(|problem| {
                format!(
                    "the service answered {status}, but its body does not fit the response the document declares for {} ({problem}), so the action cannot give the flow its outputs",
                    op.id
                )
            })?;
            // The outputs are the declared properties: an object declared with none gives the
            // flow nothing by name. (How a real org registers such a schema is not in the
            // reference [U]; either way no output can be read from it.)
            let no_properties = schema.get("type").and_then(Json::as_str) == Some("object")
                && schema
                    .get("properties")
                    .and_then(Json::as_object)
                    .is_none_or(|p| p.is_empty());
            if no_properties && body.as_object().is_some_and(|o| !o.is_empty()) {
                return Err(format!(
                    "the service answered {status} with an object, but the document declares the success answer of {} as an object with no properties, so the action has no outputs and the flow gets none of it: list the fields the service sends under `properties`, each with its type",
                    op.id
                ));
            }
            Ok(())
        }
        None if empty => Ok(()),
        None => Err(format!(
            "the service answered {status} with a body, but the document declares no JSON body for a success answer of {}, so the action has no outputs and the flow gets none of it",
            op.id
        )),
    }
}

/// The External Services routes, to merge into the org router.
pub fn router(state: RestState) -> Router {
    Router::new()
        .route(
            "/services/data/{version}/sflab/external-services",
            post(register_http).get(list_http),
        )
        .route(
            "/services/data/{version}/sflab/external-services/{name}/{operation}",
            post(invoke_http),
        )
        .with_state(state)
}

fn operations_json(svc: &ExternalService) -> Json {
    json!({"name": svc.name, "namedCredential": svc.named_credential,
        "operations": svc.operations.iter().map(|o| json!({"operationId": o.id, "method": o.method, "path": o.path, "summary": o.summary,
            "inputs": o.params.iter().map(|p| p.name.clone()).chain(o.body.as_ref().map(|_| "body".to_string())).collect::<Vec<_>>()})).collect::<Vec<_>>()})
}

fn es_error(e: ExternalServiceError) -> ApiError {
    match e {
        ExternalServiceError::Callout(c) => callout_error(&c),
        ExternalServiceError::UnknownService(_) | ExternalServiceError::UnknownOperation { .. } => {
            ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", e.to_string())
        }
        ExternalServiceError::Input(_) => {
            ApiError::new(StatusCode::BAD_REQUEST, "INVALID_INPUT", e.to_string())
        }
        ExternalServiceError::Output(_) => {
            ApiError::new(StatusCode::BAD_GATEWAY, "INVALID_RESPONSE", e.to_string())
        }
        other => ApiError::new(StatusCode::BAD_REQUEST, "INVALID_SPEC", other.to_string()),
    }
}

async fn register_http(
    State(state): State<RestState>,
    caller: Caller,
    SfJson(v): SfJson,
) -> Result<Response, ApiError> {
    require_admin(&state, &caller)?;
    let field = |k: &str| v.get(k).and_then(Json::as_str).map(str::to_string);
    let name = field("name").ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_INPUT",
            "Name the service (name).",
        )
    })?;
    let nc = field("named_credential").ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_INPUT",
            "Name the named_credential the service calls through.",
        )
    })?;
    let spec = match v.get("spec") {
        Some(Json::String(s)) => s.clone(),
        Some(o @ Json::Object(_)) => o.to_string(),
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_INPUT",
                "Send the OpenAPI document as spec (text or a JSON object).",
            ))
        }
    };
    let svc = register(&state.org, &name, &nc, &spec).map_err(es_error)?;
    Ok(json_response(StatusCode::CREATED, &operations_json(&svc)))
}

async fn list_http(State(state): State<RestState>, _caller: Caller) -> Result<Response, ApiError> {
    let list: Vec<Json> = state
        .org
        .outbound
        .external_services
        .read()
        .all()
        .map(operations_json)
        .collect();
    Ok(json_response(StatusCode::OK, &Json::Array(list)))
}

async fn invoke_http(
    State(state): State<RestState>,
    caller: Caller,
    Path((_, name, operation)): Path<(String, String, String)>,
    SfJson(v): SfJson,
) -> Result<Response, ApiError> {
    let run_as = match v.get("run_as").and_then(Json::as_str) {
        Some(u) if !u.eq_ignore_ascii_case(&caller.0.username) => {
            require_admin(&state, &caller)?;
            u.to_string()
        }
        _ => caller.0.username.clone(),
    };
    let input = v.get("input").cloned().unwrap_or(Json::Null);
    let (status, body) = invoke(&state.org, &name, &operation, &input, &run_as)
        .await
        .map_err(es_error)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"statusCode": status, "body": body}),
    ))
}
