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

/// How a `start` or `end` value fails to be a date-time.
enum Unreadable {
    Missing,
    /// A date-time without `Z` or an offset.
    NoZone,
    Garbled,
}

/// `raw` as a whole minute, when it is an ISO 8601 date-time with a zone (a space where an
/// unencoded `+` was is read as `+`).
fn read_zoned(raw: Option<&str>) -> Result<DateTime<Utc>, Unreadable> {
    let raw = raw.ok_or(Unreadable::Missing)?.trim().replace(' ', "+");
    let zoned = DateTime::parse_from_rfc3339(&raw)
        .or_else(|_| DateTime::parse_from_str(&raw, "%Y-%m-%dT%H:%M:%S%.f%z"));
    match zoned {
        Ok(t) => Ok(minute(t.with_timezone(&Utc))),
        Err(_) if parse_datetime(&raw).is_some() => Err(Unreadable::NoZone),
        Err(_) => Err(Unreadable::Garbled),
    }
}

/// A date-time as a hint puts it in a URL: whole minutes, UTC as `Z` (no `+` to encode).
fn hint(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:00Z").to_string()
}

/// A start a retry can send with `end` (or with the org's now): a day before the end, never
/// so near the 30-day limit that it crosses it by the time the request comes back, and
/// always before the end.
fn suggested_start(end: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DateTime<Utc> {
    let now = minute(now);
    let end = end.map_or(now, |e| e.min(now));
    let start = (end - Duration::days(1)).max(now - Duration::days(MAX_DAYS_BACK - 1));
    if start < end {
        start
    } else {
        end - Duration::minutes(1)
    }
}

/// The window `[start, end)` the request asks for, checked against the org's `now`.
///
/// Implementation notes: the reference asks for `YYYY-MM-DDThh:mm:ss+hh:mm` in UTC; whether a
/// real org reads a date-time without a zone as UTC is not documented [U]. sflab refuses it
/// as it refuses any other unreadable value, since a zone-less time is most often a local
/// time sent by mistake. Hints name a window that passes every check below.
pub fn window(
    start: Option<&str>,
    end: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let (start_at, end_at) = (read_zoned(start), read_zoned(end));
    let (good_start, good_end) = (
        start_at.as_ref().ok().copied(),
        end_at.as_ref().ok().copied(),
    );
    let now_minute = minute(now);
    let refuse = |name: &str, raw: Option<&str>, why: &Unreadable| {
        let example = match name {
            "start" => hint(suggested_start(good_end, now)),
            _ => hint(now_minute),
        };
        // An end of now cannot follow a start that is not before it: say so at once.
        let also = match (name, good_start) {
            ("end", Some(s)) if s >= now_minute => format!(
                " The start, {}, must also come before the org's current date-time.",
                hint(s)
            ),
            _ => String::new(),
        };
        let raw = raw.unwrap_or_default();
        match why {
            Unreadable::Missing => ApiError::new(
                StatusCode::BAD_REQUEST,
                "MISSING_ARGUMENT",
                format!("The {name} parameter is required: add {name}={example} to the URL.{also}"),
            ),
            Unreadable::NoZone => bad_window(format!(
                "{name} '{raw}' has no time zone: end it with Z (UTC) or an offset, such as {example}.{also}"
            )),
            Unreadable::Garbled => bad_window(format!(
                "{name} must be an ISO 8601 date-time with a zone, such as {example}, not '{raw}'.{also}"
            )),
        }
    };
    let start = start_at.map_err(|why| refuse("start", start, &why))?;
    let end = end_at
        .map_err(|why| refuse("end", end, &why))?
        .min(now_minute);
    let earliest = now_minute - Duration::days(MAX_DAYS_BACK);
    if start < earliest {
        return Err(bad_window(format!(
            "start cannot be more than {MAX_DAYS_BACK} days before the current date-time: the earliest start is now {}.",
            hint(earliest)
        )));
    }
    // Both ends are whole minutes, so an end after the start is at least a minute after it.
    if end <= start {
        return Err(bad_window(format!(
            "start must chronologically precede end by at least one minute (seconds are ignored; an end after the org's current date-time, {}, is read as that time).",
            hint(now_minute)
        )));
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

    /// The value a refusal's hint gives for `name` (`add name=… to the URL`).
    fn hinted(message: &str, name: &str) -> String {
        let from = message.find(&format!("{name}=")).expect("a hint") + name.len() + 1;
        message[from..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_missing_bound_is_hinted_so_that_the_retry_is_accepted() {
        let now = at("2026-12-01T10:34:12Z");
        let start = "2026-12-01T09:00:00+00:00";
        let e = window(Some(start), None, now).unwrap_err();
        assert_eq!(e.error_code, "MISSING_ARGUMENT");
        let end = hinted(&e.message, "end");
        assert_eq!(end, "2026-12-01T10:34:00Z");
        assert!(window(Some(start), Some(&end), now).is_ok());

        let e = window(None, Some("2026-11-20T00:00:00Z"), now).unwrap_err();
        let start = hinted(&e.message, "start");
        assert_eq!(start, "2026-11-19T00:00:00Z", "a day before the given end");
        assert!(window(Some(&start), Some("2026-11-20T00:00:00Z"), now).is_ok());

        let e = window(None, None, now).unwrap_err();
        let start = hinted(&e.message, "start");
        let retried = now + Duration::minutes(5);
        assert!(window(Some(&start), Some(&hint(now)), retried).is_ok());
        // Next to the 30-day limit, the hint keeps a day's margin.
        let e = window(None, Some("2026-11-03T00:00:00Z"), now).unwrap_err();
        let start = hinted(&e.message, "start");
        assert_eq!(start, "2026-11-02T10:34:00Z");
        assert!(window(Some(&start), Some("2026-11-03T00:00:00Z"), retried).is_ok());
    }

    #[test]
    fn a_start_after_now_is_named_when_the_end_is_missing() {
        let now = at("2026-12-01T10:34:00Z");
        let e = window(Some("2026-12-02T00:00:00Z"), None, now).unwrap_err();
        assert!(e.message.contains("must also come before"), "{}", e.message);
    }

    #[test]
    fn a_date_time_without_a_zone_is_refused_as_any_unreadable_value_is() {
        let now = at("2026-12-01T10:34:00Z");
        let e = window(
            Some("2026-12-01T09:00:00"),
            Some("2026-12-01T10:00:00Z"),
            now,
        )
        .unwrap_err();
        assert_eq!(e.error_code, "INVALID_REPLICATION_DATE");
        assert!(e.message.contains("no time zone"), "{}", e.message);
        let e = window(Some("yesterday"), Some("2026-12-01T10:00:00Z"), now).unwrap_err();
        assert_eq!(e.error_code, "INVALID_REPLICATION_DATE");
        let example = hinted(&e.message.replace("such as ", "start="), "start");
        let example = example.trim_end_matches(',');
        assert!(window(Some(example), Some("2026-12-01T10:00:00Z"), now).is_ok());
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
