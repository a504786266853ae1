//! The REST resources about the org rather than its records: the version list, the resource
//! map of a version, `/limits`, describe global, and the OpenID `userinfo` the sf CLI calls
//! first when it logs in with an access token.

use super::error::{json_response, ApiError};
use super::gateway::{Caller, InstanceUrl, RequestVersion};
use super::limits::limits_body;
use super::versions::{resource_map, version_list as versions};
use super::RestState;
use crate::org::describe;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

pub async fn version_list() -> Response {
    json_response(StatusCode::OK, &versions())
}

/// `https://host/id/<orgId>/<userId>`
pub fn identity_url(instance: &str, caller: &Caller) -> String {
    format!("{instance}/id/{}/{}", caller.0.org_id, caller.0.user_id)
}

pub async fn resources(
    RequestVersion(version): RequestVersion,
    caller: Caller,
    InstanceUrl(instance): InstanceUrl,
) -> Response {
    let identity = identity_url(&instance, &caller);
    json_response(StatusCode::OK, &resource_map(version, &identity))
}

pub async fn limits(State(state): State<RestState>) -> Response {
    let now = state.org.clock.now();
    let used = state.usage.used(now);
    let bulk = state.org.bulk.daily_use(now);
    let events = &state.org.events;
    let event_use = events.log.usage(
        now - chrono::Duration::hours(1),
        now - chrono::Duration::hours(24),
        |channel| events.bus.is_standard_volume(channel),
    );
    let stored_kb = super::limits::data_storage_kb(&state.org.store.read());
    json_response(
        StatusCode::OK,
        &limits_body(used, state.usage.max(), bulk, event_use, stored_kb),
    )
}

/// `GET /limits/recordCount[?sObjects=A,B]`: live records per object (all objects with
/// records when no list is given). Where the org enforces object access, objects the caller
/// cannot read are left out, as unknown names are (see `limits::counted_for`).
pub async fn record_count(
    State(state): State<RestState>,
    caller: Caller,
    axum::extract::Query(params): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let store = state.org.store.read();
    let names: Vec<String> = match params.get("sObjects") {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter_map(|n| store.schema().object(n).map(|o| o.name.clone()))
            .collect(),
        None => store
            .schema()
            .objects()
            .iter()
            .map(|o| o.name.clone())
            .collect(),
    };
    let counts: Vec<Value> = names
        .iter()
        .filter(|n| super::limits::counted_for(&state.org, &caller, n))
        .map(|n| (n, store.count(n)))
        .filter(|(_, c)| params.contains_key("sObjects") || *c > 0)
        .map(|(n, c)| json!({"count": c, "name": n}))
        .collect();
    json_response(StatusCode::OK, &json!({ "sObjects": counts }))
}

/// `GET /sobjects`. Where the org enforces object access, the list is the caller's: "the
/// objects available in your org and available to the logged-in user" (the REST API
/// guide's Describe Global page), so objects they cannot read are left out and each entry's
/// `createable`/`updateable`/`deletable`/`queryable` flags are their own rights.
pub async fn describe_global(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let store = state.org.store.read();
    // The conditional headers compare with the last schema change (Describe Global).
    let changed = state.schema_changed_at(store.schema_key());
    if super::conditional::decide(&headers, super::conditional::Access::Read, changed, None)?
        == super::conditional::Precondition::NotModified
    {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let mut events = state.org.events.event_objects();
    events.extend(describe::change_event_objects(
        store.schema(),
        &state.org.events.change_capture_objects(),
    ));
    let mut body = describe::describe_global(store.schema(), &events, &version.number());
    drop(store);
    if let Some(entries) = body["sobjects"].as_array_mut() {
        entries.retain_mut(|entry| for_caller(&state, &caller, entry));
    }
    Ok(json_response(StatusCode::OK, &body))
}

/// Narrows one describe-global entry to the caller's rights; `false` for an object they
/// cannot read (always `true` where the org does not enforce object access). A change
/// event goes with the object it is about: "for AccountChangeEvent, see the special access
/// rules for Account" (the object reference's change event page).
fn for_caller(state: &RestState, caller: &Caller, entry: &mut Value) -> bool {
    let name = match entry["associateParentEntity"].as_str() {
        Some(parent) if entry["associateEntityType"] == "ChangeEvent" => parent.to_string(),
        _ => entry["name"].as_str().unwrap_or_default().to_string(),
    };
    let Some(rights) = state.org.auth.object_rights(&caller.0.user_id, &name) else {
        return true;
    };
    if let Some(header) = entry.as_object_mut() {
        rights.narrow_describe(header);
    }
    rights.read
}

/// Routes outside `/services/data` that this module answers.
pub fn userinfo_routes(state: RestState) -> Router {
    Router::new()
        .route("/services/oauth2/userinfo", get(userinfo).post(userinfo))
        .with_state(state)
}

fn text(record: &Value, field: &str) -> Value {
    match record.get(field) {
        Some(Value::String(s)) => Value::String(s.clone()),
        _ => Value::Null,
    }
}

/// `GET /services/oauth2/userinfo`: the OpenID Connect claims of the token's user.
pub async fn userinfo(
    State(state): State<RestState>,
    headers: HeaderMap,
    InstanceUrl(instance): InstanceUrl,
) -> Result<Response, ApiError> {
    let session = super::gateway::authenticate(&state, &headers)?;
    let user = {
        let store = state.org.store.read();
        store
            .retrieve("User", &session.user_id, None, "51.0")
            .unwrap_or(Value::Null)
    };
    let id_url = format!("{instance}/id/{}/{}", session.org_id, session.user_id);
    let integration = state
        .org
        .auth
        .config()
        .users
        .by_id(&session.user_id)
        .is_some_and(|u| u.license == crate::org::auth::License::SalesforceIntegration);
    let body = json!({
        "sub": id_url,
        "user_id": session.user_id,
        "organization_id": session.org_id,
        "preferred_username": session.username,
        "nickname": text(&user, "Alias"),
        "name": text(&user, "Name"),
        "email": text(&user, "Email"),
        "email_verified": true,
        "given_name": text(&user, "FirstName"),
        "family_name": text(&user, "LastName"),
        "zoneinfo": user.get("TimeZoneSidKey").cloned().unwrap_or(json!("America/Los_Angeles")),
        "profile": format!("{instance}/{}", session.user_id),
        "active": true,
        "user_type": "STANDARD",
        "language": user.get("LanguageLocaleKey").cloned().unwrap_or(json!("en_US")),
        "locale": user.get("LocaleSidKey").cloned().unwrap_or(json!("en_US")),
        "utcOffset": crate::org::auth::profile::utc_offset_ms(
            user.get("TimeZoneSidKey").and_then(Value::as_str).unwrap_or("America/Los_Angeles"),
            state.org.clock.now(),
        ),
        "photos": {
            "picture": format!("{instance}/img/userprofile/default_profile_200_v2.png"),
            "thumbnail": format!("{instance}/img/userprofile/default_profile_45_v2.png"),
        },
        "picture": format!("{instance}/img/userprofile/default_profile_200_v2.png"),
        "address": {},
        "is_salesforce_integration_user": integration,
        "updated_at": user.get("LastModifiedDate").cloned().unwrap_or(Value::Null),
        "urls": crate::org::auth::identity::urls(&instance, &session.org_id, &session.user_id, "{version}"),
        "is_app_installed": true,
    });
    Ok(json_response(StatusCode::OK, &body))
}
