//! Callouts over HTTP. All but one are sflab-only endpoints (a real org has no such
//! resources; they stand in for Setup and for Apex code that would make the callout):
//!
//! - `POST /services/data/vXX.X/sflab/callout` `{named_credential, path, method, headers, body, run_as}`
//!   (or `url` instead of `named_credential` + `path`) → `{statusCode, headers, body}`;
//!   a refusal (no principal access, unauthorised endpoint…) is 400 `CALLOUT_ERROR`.
//! - `POST /services/data/vXX.X/sflab/callout/deploy` `{files: {"ERP.namedCredential-meta.xml": "<…>"}}`;
//! - `POST /services/data/vXX.X/sflab/callout/assign` `{user, permission_set}`;
//! - `/services/data/vXX.X/named-credentials/credential` (v56.0+), the Connect API resource
//!   that stores a principal's secrets: see [`super::credential`].
//!
//! Deploying, storing secrets, assigning and calling out as another user need a System
//! Administrator; calling out as oneself needs only a session.

use super::invoke::{CalloutError, CalloutRequest};
use crate::org::rest::{json_response, ApiError, Caller, RestState, SfJson};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

/// The callout routes, to merge into the org router.
pub fn router(state: RestState) -> Router {
    Router::new()
        .route("/services/data/{version}/sflab/callout", post(callout))
        .route(
            "/services/data/{version}/sflab/callout/deploy",
            post(deploy),
        )
        .route(
            "/services/data/{version}/sflab/callout/assign",
            post(assign),
        )
        .merge(credential_store())
        .with_state(state)
}

/// The Connect API's credential resource, served from the version that introduced it.
fn credential_store() -> Router<RestState> {
    use super::credential::{read_or_delete, write, AVAILABLE_SINCE};
    Router::new()
        .route(
            "/services/data/{version}/named-credentials/credential",
            post(write)
                .put(write)
                .patch(write)
                .get(read_or_delete)
                .delete(read_or_delete),
        )
        .route_layer(axum::middleware::from_fn(|req, next| {
            crate::org::bulk::routes::available_since(AVAILABLE_SINCE, req, next)
        }))
}

/// Refuses callers who are not System Administrators.
pub fn require_admin(state: &RestState, caller: &Caller) -> Result<(), ApiError> {
    let admin = state
        .org
        .auth
        .config()
        .users
        .by_id(&caller.0.user_id)
        .is_some_and(|u| u.profile == "System Administrator");
    if admin {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_ACCESS",
            "Only a System Administrator may change callout setup or call out as another user.",
        ))
    }
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "INVALID_INPUT", message)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalloutBody {
    #[serde(default)]
    named_credential: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default = "get_method")]
    method: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: Option<Json>,
    #[serde(default)]
    run_as: Option<String>,
}

fn get_method() -> String {
    "GET".into()
}

/// The error body for a refused callout.
pub fn callout_error(e: &CalloutError) -> ApiError {
    let code = match e {
        CalloutError::NoPrincipalAccess { .. } => "NO_PRINCIPAL_ACCESS",
        CalloutError::UnauthorizedEndpoint(_) => "UNAUTHORIZED_ENDPOINT",
        _ => "CALLOUT_ERROR",
    };
    ApiError::new(StatusCode::BAD_REQUEST, code, e.to_string())
}

async fn callout(
    State(state): State<RestState>,
    caller: Caller,
    SfJson(v): SfJson,
) -> Result<Response, ApiError> {
    let b: CalloutBody = serde_json::from_value(v)
        .map_err(|e| bad(format!("The callout request is not valid: {e}")))?;
    let target = match (&b.named_credential, &b.url) {
        (Some(nc), None) => format!(
            "callout:{nc}{}",
            b.path
                .as_deref()
                .map(|p| if p.starts_with('/') || p.starts_with('?') {
                    p.to_string()
                } else {
                    format!("/{p}")
                })
                .unwrap_or_default()
        ),
        (None, Some(u)) => u.clone(),
        _ => {
            return Err(bad(
                "Give either named_credential (with an optional path) or url.",
            ))
        }
    };
    // Naming yourself (by username, alias or ref) needs nothing more than your session.
    let is_caller = |named: &str| {
        state
            .org
            .auth
            .config()
            .users
            .find(named)
            .is_some_and(|u| u.id.get(..15) == caller.0.user_id.get(..15))
    };
    let run_as = match &b.run_as {
        Some(u) if !u.eq_ignore_ascii_case(&caller.0.username) && !is_caller(u) => {
            require_admin(&state, &caller)?;
            u.clone()
        }
        _ => caller.0.username.clone(),
    };
    let body = b.body.map(|v| match v {
        Json::String(s) => s,
        other => other.to_string(),
    });
    let req = CalloutRequest {
        target,
        method: b.method,
        headers: b.headers.into_iter().collect(),
        body,
        run_as,
    };
    let resp = state
        .org
        .outbound
        .callout(&state.org, req)
        .await
        .map_err(|e| callout_error(&e))?;
    let headers: serde_json::Map<String, Json> = resp
        .headers
        .into_iter()
        .map(|(k, v)| (k, Json::String(v)))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"statusCode": resp.status, "headers": headers, "body": resp.body}),
    ))
}

async fn deploy(
    State(state): State<RestState>,
    caller: Caller,
    SfJson(v): SfJson,
) -> Result<Response, ApiError> {
    require_admin(&state, &caller)?;
    let files: BTreeMap<String, String> = v
        .get("files")
        .cloned()
        .and_then(|f| serde_json::from_value(f).ok())
        .ok_or_else(|| bad("Send {\"files\": {\"<name>-meta.xml\": \"<xml>\"}}."))?;
    let list: Vec<(String, String)> = files.into_iter().collect();
    let summary = state
        .org
        .outbound
        .deployment
        .write()
        .deploy(&list)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "DEPLOY_FAILED", e.to_string()))?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"success": true, "deployed": summary.deployed}),
    ))
}

async fn assign(
    State(state): State<RestState>,
    caller: Caller,
    SfJson(v): SfJson,
) -> Result<Response, ApiError> {
    require_admin(&state, &caller)?;
    let user = v
        .get("user")
        .and_then(Json::as_str)
        .ok_or_else(|| bad("Name the user."))?;
    let set = v
        .get("permission_set")
        .and_then(Json::as_str)
        .ok_or_else(|| bad("Name the permission_set."))?;
    let u = state
        .org
        .auth
        .config()
        .users
        .find(user)
        .cloned()
        .ok_or_else(|| bad(format!("No user '{user}' in this org.")))?;
    let mut dep = state.org.outbound.deployment.write();
    if !dep.permission_sets.contains_key(set) {
        return Err(bad(format!("Permission set '{set}' is not deployed.")));
    }
    dep.assign(&u.id, set);
    Ok(json_response(
        StatusCode::OK,
        &json!({"success": true, "user": u.username, "permission_set": set}),
    ))
}
