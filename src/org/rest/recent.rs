//! `GET /recent[?limit=n]`: the caller's most recently used records, newest first, each as
//! `{"attributes":{"type","url"},"Id","Name"}`.
//!
//! Implementation notes: real orgs list what the user recently *viewed* or referenced
//! (LastViewedDate / LastReferencedDate), which the mock org does not track. The best
//! available evidence of use here is authorship: records the caller created or last modified,
//! by LastModifiedDate, newest first. The limit defaults to and is capped at 200 [U]. Where
//! the org enforces object access, only records of objects the caller can read are listed.

use super::error::{json_response, ApiError};
use super::gateway::{Caller, RequestVersion};
use super::versions::ApiVersion;
use super::RestState;
use crate::org::auth::access::Op;
use crate::org::schema::SystemField;
use crate::org::store::{parse_id, Store};
use crate::org::value::Value;
use crate::org::SfId;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value as Json};
use std::collections::HashMap;

/// Most records `/recent` lists (and `recentItems` of `GET /sobjects/{T}`).
pub const MAX_RECENT: usize = 200;

pub fn routes() -> Router<RestState> {
    Router::new().route("/services/data/{version}/recent", get(recent))
}

async fn recent(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let limit = match params.get("limit") {
        None => MAX_RECENT,
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if n > 0 => n.min(MAX_RECENT),
            _ => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_PARAMETER_VALUE",
                    format!("limit must be a whole number from 1 to {MAX_RECENT}, not '{raw}'."),
                ))
            }
        },
    };
    let user = parse_id(&caller.0.user_id).map_err(ApiError::from)?;
    let store = state.org.store.read();
    // Where the org enforces object access, records of objects the caller cannot read are
    // left out (the object is unknown to them), before the limit is applied.
    let readable = |object: &str| {
        state
            .org
            .auth
            .object_refusal(&caller.0.user_id, object, Op::Read)
            .is_none()
    };
    let records = recent_items_of(&store, user, &version, None, limit, readable);
    Ok(json_response(StatusCode::OK, &Json::Array(records)))
}

/// The caller's recent records (see the module notes), newest first, at most `limit`: of
/// every object, or only of the object at schema index `only` (the `recentItems` of
/// `GET /sobjects/{T}`).
pub fn recent_items(
    store: &Store,
    user: SfId,
    version: &ApiVersion,
    only: Option<usize>,
    limit: usize,
) -> Vec<Json> {
    recent_items_of(store, user, version, only, limit, |_| true)
}

/// [`recent_items`] of the objects `listed` accepts (by their schema names).
fn recent_items_of(
    store: &Store,
    user: SfId,
    version: &ApiVersion,
    only: Option<usize>,
    limit: usize,
    listed: impl Fn(&str) -> bool,
) -> Vec<Json> {
    let mut found: Vec<(i64, Json)> = Vec::new();
    for (index, obj) in store.schema().objects().iter().enumerate() {
        if only.is_some_and(|o| o != index) || !listed(&obj.name) {
            continue;
        }
        let fields = (
            obj.system_index(SystemField::Id),
            obj.system_index(SystemField::CreatedById),
            obj.system_index(SystemField::LastModifiedById),
            obj.system_index(SystemField::LastModifiedDate),
            obj.name_field(),
        );
        let (Some(_), Some(created_by), Some(modified_by), Some(modified), Some(name)) = fields
        else {
            continue;
        };
        if obj.name.ends_with("__e") || obj.name == "Organization" {
            continue;
        }
        let table = store.table(index);
        for (_, rec) in table.iter() {
            if table.is_deleted(rec) {
                continue;
            }
            let by_caller = [created_by, modified_by]
                .iter()
                .any(|&f| matches!(rec.get(f), Some(Value::Id(id)) if *id == user));
            let (Some(Value::DateTime(at)), Some(id)) = (rec.get(modified), table.id_of(rec))
            else {
                continue;
            };
            if !by_caller {
                continue;
            }
            let id = id.to_string();
            found.push((
                *at,
                json!({
                    "attributes": {
                        "type": obj.name,
                        "url": format!("{}/sobjects/{}/{id}", version.base_path(), obj.name),
                    },
                    "Id": id,
                    "Name": rec.get(name).map(|v| Json::String(v.text())).unwrap_or(Json::Null),
                }),
            ));
        }
    }
    // Newest first. Stamps are kept to the second, so records written in the same second
    // are told apart by storage order, the later written first.
    let mut found: Vec<(usize, (i64, Json))> = found.into_iter().enumerate().collect();
    found.sort_by_key(|(seen, f)| std::cmp::Reverse((f.0, *seen)));
    found.into_iter().take(limit).map(|(_, (_, r))| r).collect()
}
