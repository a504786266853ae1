//! Query cursors: where a paged query stands, behind the locator in `nextRecordsUrl`
//! (`01g…-2000`), with Salesforce's batch sizes and expiry.
//!
//! The table keeps positions and an open cursor of the query engine (which renders a batch
//! on demand, so a million-row result is never held as JSON); handlers render the slice a
//! [`Window`] names. It is generic over the cursor type so its rules are tested alone.
//!
//! Implementation notes (real limits, values partly not verified):
//! - batches of 2,000 by default; `Sforce-Query-Options: batchSize=N` asks for 200–2,000
//!   (values outside are clamped, as the header is documented as a hint);
//! - a cursor expires after 15 minutes without use, on the org clock (the documented idle
//!   timeout of query cursors; not verified for REST);
//! - a user holds at most 10 open cursors; opening an eleventh drops the oldest, whose
//!   locator then answers INVALID_QUERY_LOCATOR, as a real org does;
//! - a child subquery's rows beyond its first batch of 200 (`CHILD_BATCH` in `query`) get a
//!   cursor of their own, which is not counted among those 10.

use super::error::ApiError;
use crate::org::ids::{IdGenerator, SfId};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;

pub const DEFAULT_BATCH: usize = 2000;
pub const MIN_BATCH: usize = 200;
pub const MAX_BATCH: usize = 2000;
const IDLE_MINUTES: i64 = 15;
const MAX_PER_USER: usize = 10;

#[derive(Debug)]
struct Cursor<C> {
    owner: String,
    rows: Arc<C>,
    len: usize,
    total_size: u64,
    batch: usize,
    last_used: DateTime<Utc>,
    opened: u64,
    /// Whether it counts against its owner's open cursors (a child subquery's does not).
    counted: bool,
}

/// Which rows of a query to answer with now.
#[derive(Debug)]
pub struct Window<C> {
    /// The query's rows; render `start..end` of them.
    pub rows: Arc<C>,
    pub start: usize,
    pub end: usize,
    pub total_size: u64,
    /// `01g…-N`, when more rows remain.
    pub next_locator: Option<String>,
}

/// The org's open cursors.
#[derive(Debug)]
pub struct QueryCursors<C = crate::org::soql::QueryCursor> {
    inner: Mutex<CursorTable<C>>,
}

impl<C> Default for QueryCursors<C> {
    fn default() -> Self {
        // Each server numbers its locators from a random place, so a locator a client kept
        // from before a restart (`sflab org serve --data`) is refused, not read as a new one.
        let mut ids = IdGenerator::default();
        ids.start_after(rand::random::<u64>() % 900_000_000);
        QueryCursors {
            inner: Mutex::new(CursorTable {
                ids,
                open: HashMap::new(),
                opened: 0,
            }),
        }
    }
}

#[derive(Debug)]
struct CursorTable<C> {
    ids: IdGenerator,
    open: HashMap<String, Cursor<C>>,
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

impl<C> QueryCursors<C> {
    /// The first window over `rows` (`len` of them); the rest stays behind a locator owned
    /// by `owner`.
    pub fn first_page(
        &self,
        owner: &str,
        rows: C,
        len: usize,
        total_size: u64,
        batch: usize,
        now: DateTime<Utc>,
    ) -> Window<C> {
        self.open_window(owner, rows, len, total_size, batch, now, true)
    }

    /// [`QueryCursors::first_page`] for the rows of one parent's child subquery: its cursor
    /// does not count against the owner's open cursors [U: whether a real org counts them is
    /// not recorded], so a page of parents with many children never closes the parent
    /// query's own cursor.
    pub fn first_child_page(
        &self,
        owner: &str,
        rows: C,
        len: usize,
        batch: usize,
        now: DateTime<Utc>,
    ) -> Window<C> {
        self.open_window(owner, rows, len, len as u64, batch, now, false)
    }

    #[allow(clippy::too_many_arguments)]
    fn open_window(
        &self,
        owner: &str,
        rows: C,
        len: usize,
        total_size: u64,
        batch: usize,
        now: DateTime<Utc>,
        counted: bool,
    ) -> Window<C> {
        let batch = batch.clamp(MIN_BATCH, MAX_BATCH);
        let rows = Arc::new(rows);
        if len <= batch {
            return Window {
                rows,
                start: 0,
                end: len,
                total_size,
                next_locator: None,
            };
        }
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
                rows: rows.clone(),
                len,
                total_size,
                batch,
                last_used: now,
                opened,
                counted,
            },
        );
        t.evict_over_limit(owner);
        Window {
            rows,
            start: 0,
            end: batch,
            total_size,
            next_locator: Some(format!("{key}-{batch}")),
        }
    }

    /// The window at `locator` (`01g…-N`) for `owner`.
    pub fn next_page(
        &self,
        owner: &str,
        locator: &str,
        batch: Option<usize>,
        now: DateTime<Utc>,
    ) -> Result<Window<C>, ApiError> {
        let (key, offset) = locator.rsplit_once('-').ok_or_else(invalid_locator)?;
        let offset: usize = offset.parse().map_err(|_| invalid_locator())?;
        let mut t = self.inner.lock();
        t.expire(now);
        let cursor = t.open.get_mut(key).ok_or_else(invalid_locator)?;
        if cursor.owner != owner || offset > cursor.len {
            return Err(invalid_locator());
        }
        cursor.last_used = now;
        let batch = batch.unwrap_or(cursor.batch);
        let end = offset.saturating_add(batch).min(cursor.len);
        let window = Window {
            rows: cursor.rows.clone(),
            start: offset,
            end,
            total_size: cursor.total_size,
            next_locator: (end < cursor.len).then(|| format!("{key}-{end}")),
        };
        if window.next_locator.is_none() {
            t.open.remove(key);
        }
        Ok(window)
    }

    /// Cursors currently open (all users).
    pub fn open_count(&self) -> usize {
        self.inner.lock().open.len()
    }
}

impl<C> CursorTable<C> {
    fn expire(&mut self, now: DateTime<Utc>) {
        let idle = Duration::minutes(IDLE_MINUTES);
        self.open.retain(|_, c| now - c.last_used < idle);
    }

    fn evict_over_limit(&mut self, owner: &str) {
        loop {
            let mine: Vec<(&String, u64)> = self
                .open
                .iter()
                .filter(|(_, c)| c.owner == owner && c.counted)
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

    type Rows = Vec<serde_json::Value>;

    fn open(c: &QueryCursors<Rows>, n: usize, batch: usize, now: DateTime<Utc>) -> Window<Rows> {
        let rows: Rows = (0..n).map(|i| json!({ "n": i })).collect();
        c.first_page("u", rows, n, n as u64, batch, now)
    }

    fn first_row(w: &Window<Rows>) -> &serde_json::Value {
        &w.rows[w.start]
    }

    #[test]
    fn small_results_need_no_cursor() {
        let c = QueryCursors::default();
        let w = open(&c, 5, 2000, Utc::now());
        assert_eq!((w.start, w.end), (0, 5));
        assert_eq!(w.next_locator, None);
        assert_eq!(c.open_count(), 0);
    }

    #[test]
    fn pages_walk_the_result_and_close_the_cursor_at_the_end() {
        let c = QueryCursors::default();
        let now = Utc::now();
        let w1 = open(&c, 4500, 2000, now);
        assert_eq!((w1.start, w1.end, w1.total_size), (0, 2000, 4500));
        let loc = w1.next_locator.unwrap();
        assert!(loc.starts_with("01g") && loc.ends_with("-2000"), "{loc}");
        let w2 = c.next_page("u", &loc, None, now).unwrap();
        assert_eq!(first_row(&w2), &json!({"n": 2000}));
        let w3 = c
            .next_page("u", &w2.next_locator.unwrap(), None, now)
            .unwrap();
        assert_eq!((w3.start, w3.end), (4000, 4500));
        assert_eq!(w3.next_locator, None);
        assert_eq!(c.open_count(), 0);
        assert_eq!(
            c.next_page("u", &loc, None, now).unwrap_err().error_code,
            "INVALID_QUERY_LOCATOR"
        );
    }

    #[test]
    fn a_later_request_may_ask_for_a_smaller_batch() {
        let c = QueryCursors::default();
        let now = Utc::now();
        let loc = open(&c, 3000, 2000, now).next_locator.unwrap();
        let w = c.next_page("u", &loc, Some(300), now).unwrap();
        assert_eq!((w.start, w.end), (2000, 2300));
        assert_eq!(
            w.next_locator.as_deref().map(|l| l.ends_with("-2300")),
            Some(true)
        );
    }

    #[test]
    fn locators_expire_after_fifteen_idle_minutes() {
        let c = QueryCursors::default();
        let now = Utc::now();
        let loc = open(&c, 300, 200, now).next_locator.unwrap();
        let later = now + Duration::minutes(16);
        let err = c.next_page("u", &loc, None, later).unwrap_err();
        assert_eq!(err.error_code, "INVALID_QUERY_LOCATOR");
    }

    #[test]
    fn another_users_or_a_garbled_locator_is_invalid() {
        let c = QueryCursors::default();
        let now = Utc::now();
        let loc = open(&c, 300, 200, now).next_locator.unwrap();
        assert!(c.next_page("v", &loc, None, now).is_err());
        assert!(c.next_page("u", "nonsense", None, now).is_err());
        let beyond = format!("{}-999", loc.split('-').next().unwrap());
        assert!(c.next_page("u", &beyond, None, now).is_err());
    }

    #[test]
    fn an_eleventh_cursor_drops_the_oldest() {
        let c = QueryCursors::default();
        let now = Utc::now();
        let first = open(&c, 300, 200, now).next_locator.unwrap();
        for _ in 0..10 {
            open(&c, 300, 200, now);
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
