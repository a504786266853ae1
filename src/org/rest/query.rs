//! `/query` and `/queryAll`: SOQL over REST, paged through locators, and the
//! `columns=true` column metadata that `sf data query` asks for.
//!
//! `nextRecordsUrl` is a path (`/services/data/v62.0/query/01g…-2000`): one client prefixes
//! it with the instance, another keeps only the locator and rebuilds `/query/{locator}` even
//! for queryAll, so both `/query/{locator}` and `/queryAll/{locator}` serve any locator.
//! Aggregate results come in one batch of up to 2,000 rows, never through a locator.

use super::cursors::{batch_size, Window, DEFAULT_BATCH};
use super::error::{json_bytes_response, json_response, ApiError};
use super::gateway::{Caller, RequestVersion};
use super::render;
use super::versions::ApiVersion;
use super::RestState;
use crate::org::auth::Op;
use crate::org::soql;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;

pub fn routes() -> Router<RestState> {
    Router::new()
        .route("/services/data/{version}/query", get(query))
        .route("/services/data/{version}/queryAll", get(query_all))
        .route("/services/data/{version}/query/{locator}", get(more))
        .route("/services/data/{version}/queryAll/{locator}", get(more_all))
}

type Params = HashMap<String, String>;

/// The response for a window of a query's rows, rendering just those rows.
fn page_response(
    state: &RestState,
    window: Window<soql::QueryCursor>,
    version: ApiVersion,
    resource: &str,
) -> Response {
    let records = {
        let store = state.org.store.read();
        window
            .rows
            .batch(&store, window.start, window.end - window.start)
    };
    let next = window
        .next_locator
        .map(|loc| format!("{}/{resource}/{loc}", version.base_path()));
    let mut out = Vec::with_capacity(128 + 256 * records.len());
    render::write_page(&mut out, window.total_size, next.as_deref(), &records);
    json_bytes_response(StatusCode::OK, out)
}

fn header_batch(headers: &HeaderMap) -> Option<usize> {
    batch_size(
        headers
            .get("sforce-query-options")
            .and_then(|v| v.to_str().ok()),
    )
}

async fn run(
    state: RestState,
    version: ApiVersion,
    caller: Caller,
    params: Params,
    headers: HeaderMap,
    all_rows: bool,
) -> Result<Response, ApiError> {
    let resource = if all_rows { "queryAll" } else { "query" };
    if let (Some(explain), None) = (params.get("explain"), params.get("q")) {
        return super::explain::respond(&state, &caller, explain);
    }
    let Some(q) = params.get("q") else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "MALFORMED_QUERY",
            "A query string has to be specified: add ?q=SELECT+... to the URL.",
        ));
    };
    if params.get("columns").is_some_and(|c| c == "true") {
        let store = state.org.store.read();
        let columns = soql::columns(&store, q, state.org.clock.now())?;
        return Ok(json_response(StatusCode::OK, &columns));
    }
    let now = state.org.clock.now();
    let cursor = {
        let store = state.org.store.read();
        let options = soql::QueryOptions {
            include_deleted: all_rows,
            ..soql::QueryOptions::new(now, &version.number())
        };
        soql::open_cursor(&store, q, &options)?
    };
    if let Some(refusal) =
        state
            .org
            .auth
            .object_refusal(&caller.0.user_id, &cursor.entity, Op::Read)
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            refusal.error_code,
            refusal.message,
        ));
    }
    let batch = header_batch(&headers).unwrap_or(DEFAULT_BATCH);
    if cursor.aggregate && cursor.row_count() > DEFAULT_BATCH {
        // Salesforce cannot page aggregate results; the text is as reported by users of real
        // orgs, the error code is not verified.
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "MALFORMED_QUERY",
            "Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch",
        ));
    }
    let batch = if cursor.aggregate {
        DEFAULT_BATCH
    } else {
        batch
    };
    let (rows, total) = (cursor.row_count(), cursor.total_size as u64);
    let window = state
        .cursors
        .first_page(&caller.0.user_id, cursor, rows, total, batch, now);
    Ok(page_response(&state, window, version, resource))
}

async fn query(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    run(state, version, caller, params, headers, false).await
}

async fn query_all(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    run(state, version, caller, params, headers, true).await
}

fn next(
    state: &RestState,
    version: ApiVersion,
    caller: &Caller,
    locator: &str,
    headers: &HeaderMap,
    resource: &str,
) -> Result<Response, ApiError> {
    let window = state.cursors.next_page(
        &caller.0.user_id,
        locator,
        header_batch(headers),
        state.org.clock.now(),
    )?;
    Ok(page_response(state, window, version, resource))
}

async fn more(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    Path((_, locator)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    next(&state, version, &caller, &locator, &headers, "query")
}

async fn more_all(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    Path((_, locator)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    next(&state, version, &caller, &locator, &headers, "queryAll")
}
