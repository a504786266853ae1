//! The Connect API's credential resource, `/services/data/vXX.X/named-credentials/credential`:
//! where an admin stores the secrets of an External Credential's principal (the org keeps them
//! apart from metadata). As the API reference describes it (v56.0+):
//!
//! - `POST` creates and `PUT` replaces (a parameter left out is removed); `PATCH` updates only
//!   the parameters it names and serves custom credentials only; each answers the credential.
//! - `GET` and `DELETE` name the credential in the query string: `externalCredential`,
//!   `principalType` and, for a named principal, `principalName`.
//! - The body: `externalCredential`, `principalName`, `principalType` (`NamedPrincipal`,
//!   `PerUserPrincipal`, `AwsStsPrincipal`), `authenticationProtocol` (`OAuth`, `Custom`,
//!   `AwsSv4`…) and `credentials`, a map of `{value, encrypted}` objects.
//! - An encrypted value is never shown back: it reads as `null`.
//!
//! Implementation notes: sflab stores named principals only (a per-user principal's values
//! belong to each user's own sign-in). [U] The reference does not record what a real org
//! answers to a protocol that differs from the External Credential's, nor to a second `POST`
//! for a principal that has values: sflab refuses the first and lets the second replace.

use super::metadata::Protocol;
use super::registry::{Deployment, StoredValue};
use crate::org::rest::{json_response, ApiError, Caller, RestState, SfJson};
use axum::extract::{Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeMap;

/// The principal types the API names.
const PRINCIPAL_TYPES: [&str; 3] = ["NamedPrincipal", "PerUserPrincipal", "AwsStsPrincipal"];

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "INVALID_INPUT", message)
}

/// The `authenticationProtocol` word for an External Credential's protocol.
fn protocol_word(p: Protocol) -> &'static str {
    match p {
        Protocol::OauthClientCredentials => "OAuth",
        Protocol::Jwt => "Jwt",
        Protocol::Basic => "Basic",
        Protocol::Custom => "Custom",
        Protocol::NoAuthentication => "NoAuthentication",
    }
}

/// Which principal a request names, checked against what is deployed.
struct Target {
    external: String,
    principal: String,
    protocol: Protocol,
}

/// Reads the principal's identity from a body or a query string (`get` gives a field).
fn target(dep: &Deployment, get: &dyn Fn(&str) -> Option<String>) -> Result<Target, ApiError> {
    let external = get("externalCredential")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            bad("Name the externalCredential (the External Credential's developer name).")
        })?;
    let kind = get("principalType").ok_or_else(|| {
        bad("Name the principalType: NamedPrincipal, PerUserPrincipal or AwsStsPrincipal.")
    })?;
    if !PRINCIPAL_TYPES.contains(&kind.as_str()) {
        return Err(bad(format!(
            "principalType {kind} is not one of NamedPrincipal, PerUserPrincipal, AwsStsPrincipal."
        )));
    }
    if kind != "NamedPrincipal" {
        return Err(bad(format!(
            "sflab's mock org stores the values of named principals only, not a {kind}'s."
        )));
    }
    let principal = get("principalName")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad("Name the principalName: a NamedPrincipal needs one."))?;
    let ext = dep.external.get(&external).filter(|e| {
        e.principals
            .iter()
            .any(|p| p.name == principal && !p.per_user)
    });
    let Some(ext) = ext else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!(
                "External Credential {external} with named principal {principal} is not deployed."
            ),
        ));
    };
    Ok(Target {
        external,
        principal,
        protocol: ext.protocol,
    })
}

/// The credential as the API answers it: every stored parameter, encrypted ones as null.
fn representation(dep: &Deployment, t: &Target) -> Json {
    let mut credentials = Map::new();
    for (name, v) in dep
        .stored_values(&t.external, &t.principal)
        .into_iter()
        .flatten()
    {
        let shown = if v.encrypted {
            Json::Null
        } else {
            Json::String(v.value.clone())
        };
        credentials.insert(
            name.clone(),
            json!({"value": shown, "encrypted": v.encrypted}),
        );
    }
    json!({
        "externalCredential": t.external,
        "principalName": t.principal,
        "principalType": "NamedPrincipal",
        "authenticationProtocol": protocol_word(t.protocol),
        "credentials": credentials,
    })
}

/// The `credentials` map of a body: each parameter a `{value, encrypted}` object.
fn values(body: &Json) -> Result<BTreeMap<String, StoredValue>, ApiError> {
    let map = body
        .get("credentials")
        .and_then(Json::as_object)
        .ok_or_else(|| {
            bad("Send credentials: {\"<parameter>\": {\"value\": \"…\", \"encrypted\": true}}.")
        })?;
    let mut out = BTreeMap::new();
    for (name, v) in map {
        let Some(obj) = v.as_object() else {
            return Err(ApiError::json_parser(format!(
                "credentials.{name} must be an object {{\"value\": \"…\", \"encrypted\": true}}, not a bare value"
            )));
        };
        let value = obj
            .get("value")
            .and_then(Json::as_str)
            .ok_or_else(|| bad(format!("credentials.{name} needs a value")))?;
        let encrypted = match obj.get("encrypted") {
            Some(Json::Bool(b)) => *b,
            None => {
                return Err(bad(format!(
                    "credentials.{name} needs encrypted: true (a secret) or false"
                )))
            }
            Some(_) => {
                return Err(ApiError::json_parser(format!(
                    "credentials.{name}.encrypted must be true or false"
                )))
            }
        };
        out.insert(
            name.clone(),
            StoredValue {
                value: value.to_string(),
                encrypted,
            },
        );
    }
    Ok(out)
}

/// POST, PUT and PATCH: store the body's values and answer the credential.
pub async fn write(
    State(state): State<RestState>,
    method: Method,
    caller: Caller,
    SfJson(body): SfJson,
) -> Result<Response, ApiError> {
    super::http::require_admin(&state, &caller)?;
    let mut dep = state.org.outbound.deployment.write();
    let field = |k: &str| body.get(k).and_then(Json::as_str).map(str::to_string);
    let t = target(&dep, &field)?;
    let protocol = field("authenticationProtocol").ok_or_else(|| {
        bad("Name the authenticationProtocol of the External Credential (OAuth, Custom, AwsSv4…).")
    })?;
    let expected = protocol_word(t.protocol);
    if !protocol.eq_ignore_ascii_case(expected) {
        return Err(bad(format!(
            "External Credential {} uses the {expected} protocol, not {protocol}.",
            t.external
        )));
    }
    if method == Method::PATCH && t.protocol != Protocol::Custom {
        return Err(bad(
            "PATCH updates custom credentials only; send the whole credential with PUT.",
        ));
    }
    let given = values(&body)?;
    if method == Method::PUT {
        dep.clear_values(&t.external, &t.principal);
    }
    for (name, v) in &given {
        dep.store_value(&t.external, &t.principal, name, &v.value, v.encrypted);
    }
    let status = if method == Method::POST {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json_response(status, &representation(&dep, &t)))
}

/// GET and DELETE: the principal named in the query string.
pub async fn read_or_delete(
    State(state): State<RestState>,
    method: Method,
    caller: Caller,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    super::http::require_admin(&state, &caller)?;
    let mut dep = state.org.outbound.deployment.write();
    let t = target(&dep, &|k: &str| query.get(k).cloned())?;
    if method == Method::DELETE {
        dep.clear_values(&t.external, &t.principal);
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(json_response(StatusCode::OK, &representation(&dep, &t)))
}
