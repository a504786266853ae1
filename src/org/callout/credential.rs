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
//! - "Authentication protocols have credential allowlists and encryption rules": each
//!   protocol takes its own credential names, and a secret among them must be sent
//!   `encrypted: true` (see [`check_allowed`]). Custom credentials take any name, encrypted
//!   as the admin chooses.
//! - The resource exists from v56.0; an older version answers 404 as for an unknown resource.
//! - `authenticationProtocolVariant` (v57.0+) is optional; "if specified, the authentication
//!   protocol variant must match the actual protocol variant of the external credential". A
//!   body field the input does not have, or a variant the enum does not list, is a parse
//!   error (`JSON_PARSER_ERROR`), as the Connect API answers a body it cannot read
//!   (see [`check_input_fields`]).
//!
//! Implementation notes: sflab stores named principals only (a per-user principal's values
//! belong to each user's own sign-in). [U] The reference does not record what a real org
//! answers to a protocol that differs from the External Credential's, nor to a second `POST`
//! for a principal that has values: sflab refuses the first and lets the second replace.
//! [U] The reference lists the allowlists of AwsSv4 (`awsSecretAccessKey` encrypted) and
//! Custom only; sflab applies the same pattern to OAuth client credentials (`clientId`,
//! `clientSecret` encrypted) and Basic (`Username`, `Password` encrypted), leaves the
//! encryption of the non-secret names to the caller, and words the refusals itself. A Jwt or
//! NoAuthentication principal stores nothing here, since sflab's org signs the JWT with its
//! own key; what a real org keeps for a Jwt principal is not recorded.

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

/// The properties of `ConnectApi.CredentialInput`: any other body field is refused.
const INPUT_FIELDS: [&str; 6] = [
    "externalCredential",
    "principalName",
    "principalType",
    "authenticationProtocol",
    "authenticationProtocolVariant",
    "credentials",
];

/// The properties of `ConnectApi.CredentialValueInput`, each credential's object.
const VALUE_FIELDS: [&str; 2] = ["value", "encrypted"];

/// The values of `ConnectApi.CredentialAuthenticationProtocolVariant`.
const VARIANTS: [&str; 7] = [
    "AwsSv4_STS",
    "ClientCredentialsClientSecret",
    "ClientCredentialsClientSecretBasic",
    "ClientCredentialsJwtAssertion",
    "JwtBearer",
    "NoAuthentication",
    "RolesAnywhere",
];

/// The variant of an External Credential's protocol, for the protocols that have one.
fn variant_word(p: Protocol) -> Option<&'static str> {
    match p {
        Protocol::OauthClientCredentials => Some("ClientCredentialsClientSecret"),
        Protocol::NoAuthentication => Some("NoAuthentication"),
        Protocol::Jwt | Protocol::Basic | Protocol::Custom => None,
    }
}

/// Refuses a body the Connect API could not read into a `CredentialInput`: a field the input
/// does not have (a typo such as `principalname` would otherwise be dropped unseen), one in a
/// credential's `{value, encrypted}` object, or a variant the enum does not list.
fn check_input_fields(body: &Json) -> Result<(), ApiError> {
    let Some(fields) = body.as_object() else {
        return Err(ApiError::json_parser(
            "The body must be a JSON object: a credential input.",
        ));
    };
    let unknown = |name: &str, known: &[&str]| {
        ApiError::json_parser(format!(
            "Unrecognized field \"{name}\": the credential input takes {} only (names are case-sensitive).",
            known.join(", ")
        ))
    };
    if let Some(name) = fields.keys().find(|k| !INPUT_FIELDS.contains(&k.as_str())) {
        return Err(unknown(name, &INPUT_FIELDS));
    }
    let values = body.get("credentials").and_then(Json::as_object);
    for (name, value) in values.into_iter().flatten() {
        let extra = value
            .as_object()
            .and_then(|v| v.keys().find(|k| !VALUE_FIELDS.contains(&k.as_str())));
        if let Some(field) = extra {
            return Err(unknown(
                &format!("credentials.{name}.{field}"),
                &VALUE_FIELDS,
            ));
        }
    }
    match body.get("authenticationProtocolVariant") {
        None | Some(Json::Null) => Ok(()),
        Some(Json::String(v)) if VARIANTS.contains(&v.as_str()) => Ok(()),
        Some(other) => Err(ApiError::json_parser(format!(
            "Cannot deserialize authenticationProtocolVariant from the value {other}: the variants are {}.",
            VARIANTS.join(", ")
        ))),
    }
}

/// Refuses a variant, when one is given, that is not the External Credential's own.
fn check_variant(t: &Target, given: Option<&str>) -> Result<(), ApiError> {
    let Some(given) = given else {
        return Ok(());
    };
    match variant_word(t.protocol) {
        Some(actual) if actual == given => Ok(()),
        Some(actual) => Err(bad(format!(
            "External Credential {} uses the {actual} variant of the {} protocol, not {given}; send {actual} or leave authenticationProtocolVariant out.",
            t.external,
            protocol_word(t.protocol)
        ))),
        None => Err(bad(format!(
            "External Credential {} uses the {} protocol, which has no variant; leave authenticationProtocolVariant ({given}) out.",
            t.external,
            protocol_word(t.protocol)
        ))),
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
    let mut answer = json!({
        "externalCredential": t.external,
        "principalName": t.principal,
        "principalType": "NamedPrincipal",
        "authenticationProtocol": protocol_word(t.protocol),
        "credentials": credentials,
    });
    if let Some(variant) = variant_word(t.protocol) {
        answer["authenticationProtocolVariant"] = json!(variant);
    }
    answer
}

/// The `credentials` map of a body: each parameter a `{value, encrypted}` object. `secret`
/// tells a parameter the protocol holds secret, whose refusal for want of `encrypted` offers
/// `true` only (`false` would be refused next, see [`check_allowed`]).
fn values(
    body: &Json,
    secret: impl Fn(&str) -> bool,
) -> Result<BTreeMap<String, StoredValue>, ApiError> {
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
            None if secret(name) => {
                return Err(bad(format!(
                    "credentials.{name} is a secret and needs \"encrypted\": true beside its value; the org keeps it encrypted and never shows it back."
                )))
            }
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

/// The first API version that serves this resource.
pub const AVAILABLE_SINCE: u32 = 56;

/// The credential names a protocol takes, each with whether it is a secret (and so must be
/// sent encrypted); `None` when any name goes (Custom).
fn allowlist(p: Protocol) -> Option<&'static [(&'static str, bool)]> {
    match p {
        Protocol::OauthClientCredentials => Some(&[("clientId", false), ("clientSecret", true)]),
        Protocol::Basic => Some(&[("Username", false), ("Password", true)]),
        // The org signs the token itself (Jwt), or sends nothing (NoAuthentication).
        Protocol::Jwt | Protocol::NoAuthentication => Some(&[]),
        Protocol::Custom => None,
    }
}

/// Refuses a credential the External Credential's protocol does not take, and a secret
/// sent unencrypted (it would be stored, and read back, in clear).
fn check_allowed(t: &Target, name: &str, v: &StoredValue) -> Result<(), ApiError> {
    let Some(allowed) = allowlist(t.protocol) else {
        return Ok(());
    };
    let protocol = protocol_word(t.protocol);
    if allowed.is_empty() {
        return Err(bad(format!(
            "External Credential {} uses the {protocol} protocol, whose principals store no credentials; leave credentials.{name} out.",
            t.external
        )));
    }
    let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
    let Some((_, secret)) = allowed.iter().find(|(n, _)| *n == name) else {
        let meant = names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(&name.replace(['_', '-'], "")))
            .map(|n| format!(" Did you mean {n}? Credential names are case-sensitive."))
            .unwrap_or_default();
        return Err(bad(format!(
            "credentials.{name} is not a credential of the {protocol} protocol, which takes {} only.{meant}",
            names.join(" and ")
        )));
    };
    if *secret && !v.encrypted {
        return Err(bad(format!(
            "credentials.{name} is a secret and must be sent with \"encrypted\": true; the org keeps it encrypted and never shows it back."
        )));
    }
    Ok(())
}

/// POST, PUT and PATCH: store the body's values and answer the credential.
pub async fn write(
    State(state): State<RestState>,
    method: Method,
    caller: Caller,
    SfJson(body): SfJson,
) -> Result<Response, ApiError> {
    super::http::require_admin(&state, &caller)?;
    check_input_fields(&body)?;
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
    check_variant(&t, field("authenticationProtocolVariant").as_deref())?;
    if method == Method::PATCH && t.protocol != Protocol::Custom {
        return Err(bad(
            "PATCH updates custom credentials only; send the whole credential with PUT.",
        ));
    }
    let secrets = allowlist(t.protocol).unwrap_or_default();
    let given = values(&body, |name| secrets.contains(&(name, true)))?;
    for (name, v) in &given {
        check_allowed(&t, name, v)?;
    }
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
