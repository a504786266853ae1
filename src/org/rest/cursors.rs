//! Query cursors: the rows of a query not yet returned, behind the locator in
//! `nextRecordsUrl` (`01g…-2000`), with Salesforce's batch sizes and expiry.
//!
//! Implementation notes (real limits, values partly not verified):
//! - batches of 2,000 by default; `Sforce-Query-Options: batchSize=N` asks for 200–2,000
//!   (values outside are clamped, as the header is documented as a hint);
//! - a cursor expires after 15 minutes without use, on the org clock (the documented idle
//!   timeout of query cursors; not verified for REST);
//! - a user holds at most 10 open cursors; opening an eleventh drops the oldest, whose
//!   locator then answers INVALID_QUERY_LOCATOR, as a real org does.

use super::error::ApiError;
use crate::org::ids::{IdGenerator, SfId};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use parking_lot::Mutex;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

pub const DEFAULT_BATCH: usize = 2000;
pub const MIN_BATCH: usize = 200;
pub const MAX_BATCH: usize = 2000;
const IDLE_MINUTES: i64 = 15;
const MAX_PER_USER: usize = 10;

#[derive(Debug)]
struct Cursor {
    owner: String,
    records: Arc<Vec<Value>>,
    total_size: u64,
    batch: usize,
    last_used: DateTime<Utc>,
    opened: u64,
}

/// One page of a query result.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub total_size: u64,
    pub records: Vec<Value>,
    /// `01g…-N`, when more rows remain.
    pub next_locator: Option<String>,
}

/// The org's open cursors.
#[derive(Debug, Default)]
pub struct QueryCursors {
    inner: Mutex<CursorTable>,
}

#[derive(Debug, Default)]
struct CursorTable {
    ids: IdGenerator,
    open: HashMap<String, Cursor>,
    opened: u64,
}

/// The batch size asked for in `Sforce-Query-Options` (`batchSize=1000`), clamped.
pub fn batch_size(header: Option<&str>) -> Option<usize> {
    let h = header?;
    h.split([';', ','])
        .filter_map(|part| part.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("batchSize"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .map(|n| n.clamp(MIN_BATCH, MAX_BATCH))
}

fn invalid_locator() -> ApiError {
    // Text not verified against a real org.
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_QUERY_LOCATOR",
        "invalid query locator",
    )
    .without_fields()
}

impl QueryCursors {
    /// The first page of `records`; the rest stays behind a locator owned by `owner`.
    pub fn first_page(
        &self,
        owner: &str,
        records: Vec<Value>,
        total_size: u64,
        batch: usize,
        now: DateTime<Utc>,
    ) -> Page {
        let batch = batch.clamp(MIN_BATCH, MAX_BATCH);
        if records.len() <= batch {
            return Page {
                total_size,
                records,
                next_locator: None,
            };
        }
        let first: Vec<Value> = records[..batch].to_vec();
        let mut t = self.inner.lock();
        t.expire(now);
        t.opened += 1;
        let opened = t.opened;
        let id: SfId = t.ids.next("01g");
        let key = id.as_str().to_string();
        t.open.insert(
            key.clone(),
            Cursor {
                owner: owner.to_string(),
                records: Arc::new(records),
                total_size,
                batch,
                last_used: now,
                opened,
            },
        );
        t.evict_over_limit(owner);
        Page {
            total_size,
            records: first,
            next_locator: Some(format!("{key}-{batch}")),
        }
    }

    /// The page at `locator` (`01g…-N`) for `owner`.
    pub fn next_page(
        &self,
        owner: &str,
        locator: &str,
        batch: Option<usize>,
        now: DateTime<Utc>,
    ) -> Result<Page, ApiError> {
        let (key, offset) = locator.rsplit_once('-').ok_or_else(invalid_locator)?;
        let offset: usize = offset.parse().map_err(|_| invalid_locator())?;
        let mut t = self.inner.lock();
        t.expire(now);
        let cursor = t.open.get_mut(key).ok_or_else(invalid_locator)?;
        if cursor.owner != owner || offset > cursor.records.len() {
            return Err(invalid_locator());
        }
        cursor.last_used = now;
        let batch = batch.unwrap_or(cursor.batch);
        let end = (offset + batch).min(cursor.records.len());
        let records = cursor.records[offset..end].to_vec();
        let total_size = cursor.total_size;
        let next_locator = if end < cursor.records.len() {
            Some(format!("{key}-{end}"))
        } else {
            t.open.remove(key);
            None
        };
        Ok(Page {
            total_size,
            records,
            next_locator,
        })
    }

    /// Cursors currently open (all users).
    pub fn open_count(&self) -> usize {
        self.inner.lock().open.len()
    }
}

impl CursorTable {
    fn expire(&mut self, now: DateTime<Utc>) {
        let idle = Duration::minutes(IDLE_MINUTES);
        self.open.retain(|_, c| now - c.last_used < idle);
    }

    fn evict_over_limit(&mut self, owner: &str) {
        loop {
            let mine: Vec<(&String, u64)> = self
                .open
                .iter()
                .filter(|(_, c)| c.owner == owner)
                .map(|(k, c)| (k, c.opened))
                .collect();
            if mine.len() <= MAX_PER_USER {
                return;
            }
            let oldest = mine
                .iter()
                .min_by_key(|(_, o)| *o)
                .map(|(k, _)| (*k).clone());
            match oldest {
                Some(k) => {
                    self.open.remove(&k);
                }
                None => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rows(n: usize) -> Vec<Value> {
        (0..n).map(|i| json!({"n": i})).collect()
    }

    #[test]
    fn small_results_need_no_cursor() {
        let c = QueryCursors::default();
        let p = c.first_page("u", rows(5), 5, 2000, Utc::now());
        assert_eq!(p.records.len(), 5);
        assert_eq!(p.next_locator, None);
        assert_eq!(c.open_count(), 0);
    }

    #[test]
    fn pages_walk_the_result_and_close_the_cursor_at_the_end() {
        let c = QueryCursors::default();
        let now = Utc::now();
        let p1 = c.first_page("u", rows(4500), 4500, 2000, now);
        assert_eq!(p1.records.len(), 2000);
        let loc = p1.next_locator.unwrap();
        assert!(loc.starts_with("01g") && loc.ends_with("-2000"), "{loc}");
        let p2 = c.next_page("u", &loc, None, now).unwrap();
        assert_eq!(p2.records[0], json!({"n": 2000}));
        let p3 = c
            .next_page("u", &p2.next_locator.unwrap(), None, now)
            .unwrap();
        assert_eq!(p3.records.len(), 500);
        assert_eq!(p3.next_locator, None);
        assert_eq!(c.open_count(), 0);
        assert_eq!(
            c.next_page("u", &loc, None, now).unwrap_err().error_code,
            "INVALID_QUERY_LOCATOR"
        );
    }

    #[test]
    fn locators_expire_after_fifteen_idle_minutes() {
        let c = QueryCursors::default();
        let now = Utc::now();
        let loc = c
            .first_page("u", rows(300), 300, 200, now)
            .next_locator
            .unwrap();
        let later = now + Duration::minutes(16);
        let err = c.next_page("u", &loc, None, later).unwrap_err();
        assert_eq!(err.error_code, "INVALID_QUERY_LOCATOR");
    }

    #[test]
    fn another_users_locator_is_invalid() {
        let c = QueryCursors::default();
        let now = Utc::now();
        let loc = c
            .first_page("u", rows(300), 300, 200, now)
            .next_locator
            .unwrap();
        assert!(c.next_page("v", &loc, None, now).is_err());
    }

    #[test]
    fn an_eleventh_cursor_drops_the_oldest() {
        let c = QueryCursors::default();
        let now = Utc::now();
        let first = c
            .first_page("u", rows(300), 300, 200, now)
            .next_locator
            .unwrap();
        for _ in 0..10 {
            c.first_page("u", rows(300), 300, 200, now);
        }
        assert_eq!(c.open_count(), 10);
        assert!(c.next_page("u", &first, None, now).is_err());
    }

    #[test]
    fn batch_size_header_is_read_and_clamped() {
        assert_eq!(batch_size(Some("batchSize=1000")), Some(1000));
        assert_eq!(batch_size(Some("batchSize=50")), Some(200));
        assert_eq!(batch_size(Some("foo=1; batchSize=5000")), Some(2000));
        assert_eq!(batch_size(Some("nonsense")), None);
        assert_eq!(batch_size(None), None);
    }
}
