//! The replication resources: `GET /sobjects/{T}/updated?start=…&end=…` (ids of records
//! changed in a window) and `GET /sobjects/{T}/deleted?start=…&end=…` (records sent to the
//! recycle bin in a window), as integrations use them to sync incrementally.
//!
//! ```text
//! updated → {"ids":["001…"],"latestDateCovered":"2026-11-29T01:00:00.000+0000"}
//! deleted → {"deletedRecords":[{"id":"001…","deletedDate":"…"}],
//!            "earliestDateAvailable":"…","latestDateCovered":"…"}
//! ```
//!
//! Rules as documented: both dates are required, ISO 8601 with a zone; seconds are ignored
//! (the window runs minute to minute); the end is capped at the org's now; the start may be at
//! most 30 days back; the start must precede the end by more than a minute. A record is
//! "updated" when its SystemModstamp falls in the window and it is not in the recycle bin;
//! "deleted" when it is in the bin and was deleted (SystemModstamp) in the window.
//!
//! `earliestDateAvailable` is the time the last record of the object was removed for good (a
//! hard delete), never earlier than the 30 days the window may reach back; a soft delete does
//! not move it.
//!
//! Implementation notes: the error texts below are not verified; INVALID_REPLICATION_DATE is
//! the code real orgs use for a bad window [U]. An unencoded `+` in a zone offset arrives as a
//! space and is read back as `+`, as a lenient server would.

use super::error::{json_response, ApiError};
use super::gateway::Caller;
use super::RestState;
use crate::org::auth::Op;
use crate::org::schema::SystemField;
use crate::org::value::{format_datetime, parse_datetime, Value};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::json;
use std::collections::HashMap;

/// How far back `start` may reach.
const MAX_DAYS_BACK: i64 = 30;

pub fn routes() -> Router<RestState> {
    Router::new()
        .route(
            "/services/data/{version}/sobjects/{sobject}/updated",
            get(updated),
        )
        .route(
            "/services/data/{version}/sobjects/{sobject}/deleted",
            get(deleted),
        )
}

fn bad_window(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "INVALID_REPLICATION_DATE", message)
}

fn minute(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::minutes(1)).unwrap_or(t)
}

/// The window `[start, end)` the request asks for, checked against the org's `now`.
pub fn window(
    start: Option<&str>,
    end: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let read = |name: &str, raw: Option<&str>| -> Result<DateTime<Utc>, ApiError> {
        let Some(raw) = raw else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "MISSING_ARGUMENT",
                format!("The {name} parameter is required: add {name}=2026-11-01T00:00:00+00:00 to the URL."),
            ));
        };
        parse_datetime(&raw.trim().replace(' ', "+"))
            .map(minute)
            .ok_or_else(|| {
                bad_window(format!(
                    "{name} must be an ISO 8601 date-time with a zone, such as 2026-11-01T00:00:00+00:00, not '{raw}'."
                ))
            })
    };
    let start = read("start", start)?;
    let end = read("end", end)?.min(minute(now));
    if start < minute(now) - Duration::days(MAX_DAYS_BACK) {
        return Err(bad_window(format!(
            "start cannot be more than {MAX_DAYS_BACK} days before the current date-time."
        )));
    }
    // Both ends are whole minutes, so an end after the start is at least a minute after it.
    if end <= start {
        return Err(bad_window(
            "start must chronologically precede end by at least one minute (seconds are ignored).",
        ));
    }
    Ok((start, end))
}

type Params = HashMap<String, String>;

/// The object's schema name, refusing unknown objects and objects the caller may not read.
fn object(state: &RestState, caller: &Caller, sobject: &str) -> Result<usize, ApiError> {
    let (index, name) = {
        let store = state.org.store.read();
        let Some(index) = store.schema().object_index(sobject) else {
            return Err(ApiError::not_found());
        };
        (index, store.object(index).name.clone())
    };
    if let Some(r) = state
        .org
        .auth
        .object_refusal(&caller.0.user_id, &name, Op::Read)
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            r.error_code,
            r.message,
        ));
    }
    Ok(index)
}

/// `(id, SystemModstamp, in the recycle bin)` of every record of the object.
fn stamps(state: &RestState, index: usize) -> Vec<(String, i64, bool)> {
    let store = state.org.store.read();
    let obj = store.object(index);
    let Some(stamp) = obj.system_index(SystemField::SystemModstamp) else {
        return Vec::new();
    };
    let table = store.table(index);
    let mut out: Vec<(String, i64, bool)> = table
        .iter()
        .filter_map(|(_, rec)| {
            let Some(Value::DateTime(ms)) = rec.get(stamp) else {
                return None;
            };
            let id = table.id_of(rec)?;
            Some((id.to_string(), *ms, table.is_deleted(rec)))
        })
        .collect();
    out.sort_by_key(|(_, ms, _)| *ms);
    out
}

/// The object a request names, the org's now, and the window it asks for as `[from, to)` in
/// epoch milliseconds.
fn asked(
    state: &RestState,
    caller: &Caller,
    sobject: &str,
    params: &Params,
) -> Result<(usize, DateTime<Utc>, i64, i64), ApiError> {
    let index = object(state, caller, sobject)?;
    let now = state.org.clock.now();
    let (start, end) = window(
        params.get("start").map(String::as_str),
        params.get("end").map(String::as_str),
        now,
    )?;
    Ok((index, now, start.timestamp_millis(), end.timestamp_millis()))
}

async fn updated(
    State(state): State<RestState>,
    caller: Caller,
    Path((_, sobject)): Path<(String, String)>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    let (index, _, from, to) = asked(&state, &caller, &sobject, &params)?;
    let ids: Vec<String> = stamps(&state, index)
        .into_iter()
        .filter(|(_, ms, binned)| !binned && *ms >= from && *ms < to)
        .map(|(id, _, _)| id)
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "ids": ids, "latestDateCovered": format_datetime(to) }),
    ))
}

async fn deleted(
    State(state): State<RestState>,
    caller: Caller,
    Path((_, sobject)): Path<(String, String)>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    let (index, now, from, to) = asked(&state, &caller, &sobject, &params)?;
    let binned: Vec<(String, i64)> = stamps(&state, index)
        .into_iter()
        .filter(|(_, _, binned)| *binned)
        .map(|(id, ms, _)| (id, ms))
        .collect();
    // Salesforce documents this as the time of the last physically deleted record: deletions
    // before it may be gone from the answer. Until a record is removed for good, the start of
    // the window the org could answer for (what a real org gives then is not documented).
    let window_start = (minute(now) - Duration::days(MAX_DAYS_BACK)).timestamp_millis();
    let earliest = state
        .org
        .store
        .read()
        .table(index)
        .last_purged_ms()
        .map_or(window_start, |purged| purged.max(window_start));
    let records: Vec<serde_json::Value> = binned
        .iter()
        .filter(|(_, ms)| *ms >= from && *ms < to)
        .map(|(id, ms)| json!({ "deletedDate": format_datetime(*ms), "id": id }))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "deletedRecords": records,
            "earliestDateAvailable": format_datetime(earliest),
            "latestDateCovered": format_datetime(to),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        parse_datetime(s).expect("test date parses")
    }

    #[test]
    fn the_window_ignores_seconds_and_caps_the_end_at_now() {
        let now = at("2026-11-29T01:30:45Z");
        let (s, e) = window(
            Some("2026-11-28T10:15:59+00:00"),
            Some("2026-12-01T00:00:00+00:00"),
            now,
        )
        .unwrap();
        assert_eq!(s, at("2026-11-28T10:15:00Z"));
        assert_eq!(e, at("2026-11-29T01:30:00Z"));
    }

    #[test]
    fn a_plus_sent_unencoded_is_read_back() {
        let now = at("2026-11-29T01:30:00Z");
        let (s, _) = window(
            Some("2026-11-28T10:00:00 01:00"),
            Some("2026-11-29T00:00:00Z"),
            now,
        )
        .unwrap();
        assert_eq!(s, at("2026-11-28T09:00:00Z"));
    }

    #[test]
    fn bad_windows_are_refused_with_reasons() {
        let now = at("2026-11-29T01:30:00Z");
        let e = window(None, Some("2026-11-29T00:00:00Z"), now).unwrap_err();
        assert_eq!(e.error_code, "MISSING_ARGUMENT");
        let e = window(Some("yesterday"), Some("2026-11-29T00:00:00Z"), now).unwrap_err();
        assert_eq!(e.error_code, "INVALID_REPLICATION_DATE");
        let e = window(
            Some("2026-10-01T00:00:00Z"),
            Some("2026-11-29T00:00:00Z"),
            now,
        )
        .unwrap_err();
        assert!(e.message.contains("30 days"), "{}", e.message);
        let e = window(
            Some("2026-11-29T00:00:00Z"),
            Some("2026-11-29T00:00:30Z"),
            now,
        )
        .unwrap_err();
        assert!(e.message.contains("at least one minute"), "{}", e.message);
    }
}
