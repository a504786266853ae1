//! The mock org's REST surface (`/services/data/...`): versions, resources, describe, sObject
//! CRUD and upsert, query with locators, limits — answered the way a real org answers, so
//! real clients work against it unchanged.
//!
//! [`router`] returns the org's whole HTTP surface. Every request first passes the
//! [`gateway::Gateway`] (path normalisation, version check, authentication, API allocation,
//! `Sforce-Limit-Info`, Salesforce-shaped errors, panic catch), then the inner router.
//!
//! Other surfaces mount in [`surfaces`], one `.merge(...)` line each; their routes use full
//! paths (`/services/data/{version}/composite`) and read the caller and version with the
//! [`Caller`] and [`RequestVersion`] extractors.

pub mod body;
pub mod compression;
mod conditional;
pub mod cursors;
pub mod error;
mod explain;
pub(crate) mod field_reads;
pub mod gateway;
pub mod limits;
mod meta;
mod number_literal;
pub mod pretty;
mod query;
mod recent;
pub mod render;
mod replication;
mod search;
mod sobjects;
pub mod static_token;
#[cfg(test)]
mod tests;
mod user_password;
pub mod versions;

pub use body::SfJson;
pub use cursors::QueryCursors;
pub use error::{json_bytes_response, json_response, ApiError, JSON_UTF8};
pub use gateway::{authenticate, bearer_token, Caller, InstanceUrl, RequestVersion};
pub use limits::ApiUsage;

use super::Org;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

/// What every REST handler can reach: the org and the REST layer's own counters.
#[derive(Clone)]
pub struct RestState {
    pub org: Org,
    /// The daily API allocation, spent by every authenticated call.
    pub usage: Arc<ApiUsage>,
    /// Open query cursors (`nextRecordsUrl` locators).
    pub cursors: Arc<QueryCursors>,
    /// When the schema describe answers from last changed, as (schema key, first seen).
    pub schema_seen: Arc<parking_lot::Mutex<Option<SchemaSeen>>>,
}

/// A schema key and when describe first answered from that schema.
pub type SchemaSeen = (u64, chrono::DateTime<chrono::Utc>);

impl RestState {
    pub fn new(org: Org) -> RestState {
        RestState {
            org,
            usage: Arc::new(ApiUsage::default()),
            cursors: Arc::new(QueryCursors::default()),
            schema_seen: Arc::default(),
        }
    }

    /// When the org's schema last changed, as far as describe knows: the first time it
    /// answered from the schema as it stands (to the second, as HTTP dates go).
    pub fn schema_changed_at(&self, schema_key: u64) -> chrono::DateTime<chrono::Utc> {
        use chrono::Timelike;
        let mut seen = self.schema_seen.lock();
        match *seen {
            Some((key, at)) if key == schema_key => at,
            _ => {
                let now = self.org.clock.now();
                let now = now.with_nanosecond(0).unwrap_or(now);
                *seen = Some((schema_key, now));
                now
            }
        }
    }
}

/// The org's HTTP surface, with a fresh API allocation and cursor table.
pub fn router(org: Org) -> Router {
    router_with(RestState::new(org))
}

/// The org's HTTP surface over existing REST state (tests and labs preload the allocation).
pub fn router_with(state: RestState) -> Router {
    let inner = surfaces(state.clone());
    Router::new().fallback_service(gateway::Gateway { inner, state })
}

/// The REST routes without the gateway, for in-process sub-requests (Composite, batch):
/// the caller inserts the [`Caller`] and [`RequestVersion`] extensions itself, paths must
/// already be normalised, and nothing is counted against the API allocation.
pub fn rest_routes(state: RestState) -> Router {
    core_routes().with_state(state)
}

fn core_routes() -> Router<RestState> {
    Router::new()
        .route("/services/data", get(meta::version_list))
        .route("/services/data/{version}", get(meta::resources))
        .route(&v("/limits"), get(meta::limits))
        .route(&v("/limits/recordCount"), get(meta::record_count))
        .route(&v("/sobjects"), get(meta::describe_global))
        .merge(sobjects::routes())
        .merge(query::routes())
        .merge(search::routes())
        .merge(replication::routes())
        .merge(recent::routes())
}

/// The identity URL's view of a user: their User record's names, time zone, locale and language.
fn user_profiles(org: crate::org::Org) -> crate::org::auth::profile::UserProfiles {
    use crate::org::auth::profile::{Profile, UserNames, UserProfiles};
    UserProfiles(std::sync::Arc::new(move |user_id: &str| {
        let store = org.store.read();
        let user = store.retrieve("User", user_id, None, "62.0").ok()?;
        let text = |field: &str, fallback: String| {
            user.get(field)
                .and_then(serde_json::Value::as_str)
                .map_or(fallback, str::to_string)
        };
        let d = Profile::default();
        let given = |field: &str| user.get(field).and_then(serde_json::Value::as_str);
        let names = UserNames {
            first_name: given("FirstName").map(str::to_string),
            last_name: text("LastName", String::new()),
            name: text("Name", String::new()),
            alias: given("Alias").map(str::to_string),
            email: given("Email").map(str::to_string),
        };
        Some(Profile {
            time_zone: text("TimeZoneSidKey", d.time_zone),
            locale: text("LocaleSidKey", d.locale),
            language: text("LanguageLocaleKey", d.language),
            names: Some(names),
            last_modified: given("LastModifiedDate").map(str::to_string),
        })
    }))
}

/// Path of a route under `/services/data/{version}`.
fn v(path: &str) -> String {
    format!("/services/data/{{version}}{path}")
}

/// The REST routes, then every other surface of the org, one line each.
fn surfaces(state: RestState) -> Router {
    rest_routes(state.clone())
        .merge(
            crate::org::auth::router(state.org.auth.clone())
                .layer(axum::Extension(user_profiles(state.org.clone()))),
        )
        .merge(crate::org::composite::router(state.org.clone()))
        .merge(crate::org::bulk::routes::router(state.org.clone()))
        .merge(meta::userinfo_routes(state.clone()))
        .merge(crate::org::soap::router(state.clone()))
        .merge(crate::org::apexrest::router(state.clone()))
        .merge(crate::org::external::router(
            state.org.clone(),
            state.org.outbound.ext.clone(),
        ))
        .merge(crate::org::callout::http::router(state.clone()))
        .merge(crate::org::extservices::router(state.clone()))
        .merge(crate::org::mcp::router(state.clone()))
        .merge(crate::org::streaming::router(state.org.clone()))
        .merge(crate::org::events::rest::routes(state.org.clone()))
        // Further surfaces mount here, one `.merge(...)` line each.
        // Every surface reads bodies up to the REST API's documented limit, not axum's 2 MB
        // default; a surface with its own limit (SOAP, a Bulk upload) sets it on its routes.
        .layer(axum::extract::DefaultBodyLimit::max(body::MAX_BODY_BYTES))
}

/// The HTTP/2 header-list size the org's and the proxy's listeners accept: well above the
/// 16 KiB a REST request may carry ([`gateway::MAX_URI_AND_HEADER_BYTES`]), so an oversized
/// request reaches the gateway and gets its explained 414/431 rather than a bare one.
/// Known limit: a URI over 64 KiB never gets that far, since the `http` crate's URI type holds
/// at most 65,534 bytes: over HTTP/1.1 the server's own bare 414 is replaced by the explained
/// one (`org::overlong`), over HTTP/2 the stream is reset.
pub const H2_MAX_HEADER_LIST: u32 = 256 * 1024;
