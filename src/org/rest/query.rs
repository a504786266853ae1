//! `/query` and `/queryAll`: SOQL over REST, paged through locators, and the
//! `columns=true` column metadata that `sf data query` asks for.
//!
//! `nextRecordsUrl` is a path (`/services/data/v62.0/query/01g…-2000`): one client prefixes
//! it with the instance, another keeps only the locator and rebuilds `/query/{locator}` even
//! for queryAll, so both `/query/{locator}` and `/queryAll/{locator}` serve any locator.
//! Aggregate results come in one batch of up to 2,000 rows, never through a locator.
//! Where the org enforces object access, a query reads only the objects and fields the
//! caller may read (see [`soql::field_security`]).

use super::cursors::{batch_size, Window, DEFAULT_BATCH};
use super::error::{json_bytes_response, json_response, ApiError};
use super::gateway::{Caller, RequestVersion};
use super::render;
use super::versions::ApiVersion;
use super::RestState;
use crate::org::auth::Op;
use crate::org::schema::{FieldDef, ObjectDef};
use crate::org::soql;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<RestState> {
    Router::new()
        .route("/services/data/{version}/query", get(query))
        .route("/services/data/{version}/queryAll", get(query_all))
        .route("/services/data/{version}/query/{locator}", get(more))
        .route("/services/data/{version}/queryAll/{locator}", get(more_all))
}

/// The URL parameters `/query` reads, decoded as a form (`+` is a space); when one is
/// repeated the last wins, as with any map of parameters.
#[derive(Debug, Default)]
struct Params {
    q: Option<String>,
    explain: Option<String>,
    columns: Option<String>,
}

impl Params {
    fn parse(query: &str) -> Params {
        let mut p = Params::default();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*k {
                "q" => &mut p.q,
                "explain" => &mut p.explain,
                "columns" => &mut p.columns,
                _ => continue,
            };
            *slot = Some(v.into_owned());
        }
        p
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Params, Self::Rejection> {
        if let Some(long) = parts
            .extensions
            .get::<crate::org::composite::LongQueryString>()
        {
            return Ok(Params::parse(&long.0));
        }
        Ok(Params::parse(parts.uri.query().unwrap_or("")))
    }
}

/// The rows of one parent's child subquery a page carries; the rest are behind a locator.
/// Real orgs are seen paging child results at 200 to 500 rows; sflab takes the low end, so
/// code that ignores a child result's `done` meets the problem early.
pub const CHILD_BATCH: usize = 200;

/// The response for a window of a query's rows, rendering just those rows. `owner` owns the
/// cursors of child subquery results that do not fit in one batch.
fn page_response(
    state: &RestState,
    window: Window<soql::QueryCursor>,
    version: ApiVersion,
    resource: &str,
    owner: &str,
) -> Response {
    let next = window
        .next_locator
        .map(|loc| format!("{}/{resource}/{loc}", version.base_path()));
    let len = window.end - window.start;
    let mut out = Vec::with_capacity(128 + 256 * len.min(DEFAULT_BATCH));
    let store = state.org.store.read();
    if window.rows.has_children() {
        let mut records = window.rows.batch(&store, window.start, len);
        let paging = ChildPaging {
            state,
            owner,
            parent: &window.rows,
            base: format!("{}/{resource}", version.base_path()),
            now: state.org.clock.now(),
        };
        for r in &mut records {
            paging.page(r);
        }
        render::write_page(&mut out, window.total_size, next.as_deref(), |out| {
            render::write_trees(out, &records)
        });
    } else {
        render::write_page(&mut out, window.total_size, next.as_deref(), |out| {
            window.rows.write_batch(&store, window.start, len, out)
        });
    }
    drop(store);
    json_bytes_response(StatusCode::OK, out)
}

/// Cuts the child subquery results of rendered rows to [`CHILD_BATCH`] rows each, opening a
/// cursor for the rest: `done: false` and a `nextRecordsUrl` in the child result, as a real
/// org answers (`totalSize` still counts every child).
struct ChildPaging<'a> {
    state: &'a RestState,
    owner: &'a str,
    parent: &'a soql::QueryCursor,
    /// `/services/data/v62.0/query`
    base: String,
    now: chrono::DateTime<chrono::Utc>,
}

impl ChildPaging<'_> {
    fn page(&self, record: &mut serde_json::Value) {
        let Some(fields) = record.as_object_mut() else {
            return;
        };
        for value in fields.values_mut() {
            let Some(child) = value.as_object_mut() else {
                continue;
            };
            if !(child.contains_key("totalSize") && child.get("done") == Some(&true.into())) {
                continue;
            }
            let Some(serde_json::Value::Array(rows)) = child.get_mut("records") else {
                continue;
            };
            if rows.len() > CHILD_BATCH {
                let all = std::mem::take(rows);
                let entity = all[0]["attributes"]["type"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let len = all.len();
                let cursor = self.parent.of_rendered(&entity, all);
                let window = self.state.cursors.first_child_page(
                    self.owner,
                    cursor,
                    len,
                    CHILD_BATCH,
                    self.now,
                );
                *rows = window.rows.rendered(0, window.end);
                if let Some(loc) = window.next_locator {
                    child.insert("done".into(), false.into());
                    child.insert(
                        "nextRecordsUrl".into(),
                        format!("{}/{loc}", self.base).into(),
                    );
                }
            }
            if let Some(serde_json::Value::Array(rows)) = child.get_mut("records") {
                rows.iter_mut().for_each(|r| self.page(r));
            }
        }
    }
}

fn header_batch(headers: &HeaderMap) -> Option<usize> {
    batch_size(
        headers
            .get("sforce-query-options")
            .and_then(|v| v.to_str().ok()),
    )
}

fn run(
    state: RestState,
    version: ApiVersion,
    caller: Caller,
    params: Params,
    headers: HeaderMap,
    all_rows: bool,
) -> Result<Response, ApiError> {
    let resource = if all_rows { "queryAll" } else { "query" };
    if let (Some(explain), None) = (&params.explain, &params.q) {
        return super::explain::respond(&state, &caller, explain);
    }
    let Some(q) = &params.q else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "MALFORMED_QUERY",
            "A query string has to be specified: add ?q=SELECT+... to the URL.",
        ));
    };
    let field_reads = state.org.auth.field_reads(&caller.0.user_id);
    let readable = |object: &ObjectDef, field: &FieldDef| {
        field_reads
            .as_ref()
            .is_none_or(|r| r.readable(object, field))
    };
    soql::reads::refuse_unqueryable(state.org.store.read().schema(), q, |name| {
        Some(state.org.events.event_type(name)?.name.clone())
    })?;
    if params.columns.as_deref() == Some("true") {
        let store = state.org.store.read();
        let columns = soql::columns(&store, q, state.org.clock.now())?;
        soql::field_security::check(&store, q, &readable)?;
        return Ok(json_response(StatusCode::OK, &columns));
    }
    let now = state.org.clock.now();
    let cursor = {
        let store = state.org.store.read();
        let options = soql::QueryOptions {
            include_deleted: all_rows,
            ..soql::QueryOptions::new(now, &version.number())
        }
        .run_by(&store, &caller.0.user_id);
        soql::open_cursor(&store, q, &options)?
    };
    // Where the org enforces object access, every object the query reads counts: its
    // subqueries' children and its paths' parents as well as the FROM object.
    let read = if state.org.auth.enforces_object_access() {
        soql::parse_query(q)
            .map(|parsed| soql::reads::objects_read(state.org.store.read().schema(), &parsed))
            .unwrap_or_else(|_| vec![cursor.entity.clone()])
    } else {
        Vec::new()
    };
    let refused = read.iter().find(|object| {
        state
            .org
            .auth
            .object_refusal(&caller.0.user_id, object, Op::Read)
            .is_some()
    });
    if let Some(object) = refused {
        return Err(soql::reads::unreadable(state.org.store.read().schema(), q, object).into());
    }
    // Field-level security, where enforced: a field the user may not read is unknown to them.
    let cursor = match &field_reads {
        Some(_) => soql::field_security::enforce(&state.org.store.read(), q, cursor, &readable)?,
        None => cursor,
    };
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
    Ok(page_response(
        &state,
        window,
        version,
        resource,
        &caller.0.user_id,
    ))
}

async fn query(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    params: Params,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    run(state, version, caller, params, headers, false)
}

async fn query_all(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    params: Params,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    run(state, version, caller, params, headers, true)
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
    Ok(page_response(
        state,
        window,
        version,
        resource,
        &caller.0.user_id,
    ))
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

#[cfg(test)]
mod tests {
    use super::Params;

    #[test]
    fn parameters_are_form_decoded_and_a_repeat_wins() {
        let p = Params::parse(
            "q=SELECT+Id%2CName+FROM+Account&columns=true&other=1&q=SELECT+Id+FROM+Lead",
        );
        assert_eq!(p.q.as_deref(), Some("SELECT Id FROM Lead"));
        assert_eq!(p.columns.as_deref(), Some("true"));
        assert_eq!(p.explain, None);
        let p = Params::parse("explain=00B000000000001&q");
        assert_eq!(p.explain.as_deref(), Some("00B000000000001"));
        assert_eq!(p.q.as_deref(), Some(""));
        let p = Params::parse("q=%E2%9C%93%zz");
        assert_eq!(p.q.as_deref(), Some("✓%zz"));
    }
}
