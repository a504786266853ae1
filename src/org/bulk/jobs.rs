//! The org's Bulk API 2.0 jobs: a registry of ingest and query jobs plus the lab settings.
//!
//! One [`BulkJobs`] belongs to one org. Jobs are kept behind their own mutex so a polling
//! client never waits for a whole store write; the registry itself is only locked to add,
//! find, list or remove a job. Job ids are 18-character Salesforce ids with the `750` prefix
//! that clients check.
//!
//! It also counts what Bulk API 2.0 spends of the org's daily allocations, over a rolling 24
//! hours on the org clock: each query job against `DailyBulkV2QueryJobs`, and each 10,000
//! records an ingest job processes as one batch against `DailyBulkApiBatches` ("Salesforce
//! creates a separate batch for every 10,000 records in your job data"; the empty parent batch
//! of the upload is not counted, and query jobs spend no batches).

use super::ingest_job::IngestJob;
use super::query_job::QueryJob;
use super::settings::BulkSettings;
use crate::org::ids::SfId;
use crate::org::rest::limits::ApiUsage;
use chrono::{DateTime, Utc};
use parking_lot::{Mutex, RwLock};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub type IngestHandle = Arc<Mutex<IngestJob>>;
pub type QueryHandle = Arc<Mutex<QueryJob>>;

#[derive(Debug, Default)]
pub struct BulkJobs {
    ingest: RwLock<BTreeMap<String, IngestHandle>>,
    query: RwLock<BTreeMap<String, QueryHandle>>,
    settings: RwLock<BulkSettings>,
    next: AtomicU64,
    daily: BulkDaily,
}

/// The records an ingest job processes per batch it spends.
pub const RECORDS_PER_BATCH: u64 = 10_000;

/// The batches an ingest job starts while its processed records go from `before` to `after`:
/// one for each 10,000 records begun.
pub fn batches_started(before: u64, after: u64) -> u64 {
    after.div_ceil(RECORDS_PER_BATCH) - before.div_ceil(RECORDS_PER_BATCH)
}

/// A Developer Edition org's daily Bulk allocations.
pub const DAILY_BULK_API_BATCHES: u64 = 15_000;
pub const DAILY_BULK_V2_QUERY_JOBS: u64 = 10_000;

/// Bulk API 2.0's use of the daily allocations (see the module header).
#[derive(Debug)]
struct BulkDaily {
    query_jobs: ApiUsage,
    batches: ApiUsage,
}

impl Default for BulkDaily {
    fn default() -> BulkDaily {
        BulkDaily {
            query_jobs: ApiUsage::new(DAILY_BULK_V2_QUERY_JOBS),
            batches: ApiUsage::new(DAILY_BULK_API_BATCHES),
        }
    }
}

/// What the org's Bulk jobs used of the daily allocations in the 24 hours before a moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BulkUse {
    pub query_jobs: u64,
    pub batches: u64,
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl BulkJobs {
    pub fn new(settings: BulkSettings) -> BulkJobs {
        BulkJobs {
            settings: RwLock::new(settings),
            ..BulkJobs::default()
        }
    }

    /// Counts a query job created at `now`.
    pub fn count_query_job(&self, now: DateTime<Utc>) {
        self.daily.query_jobs.preload(now, 1);
    }

    /// Counts `batches` ingest batches started at `now`.
    pub fn count_batches(&self, now: DateTime<Utc>, batches: u64) {
        if batches > 0 {
            self.daily.batches.preload(now, batches);
        }
    }

    /// What the jobs used in the 24 hours before `now`.
    pub fn daily_use(&self, now: DateTime<Utc>) -> BulkUse {
        BulkUse {
            query_jobs: self.daily.query_jobs.used(now),
            batches: self.daily.batches.used(now),
        }
    }

    pub fn settings(&self) -> BulkSettings {
        *self.settings.read()
    }

    /// Changes the processing delay and lock-failure rate (jobs started later use them).
    pub fn set_settings(&self, settings: BulkSettings) {
        *self.settings.write() = settings;
    }

    /// How many job ids were given out (what an org saved to a file keeps, so a restarted
    /// org never gives an old job's id to a new job).
    pub fn job_ids_issued(&self) -> u64 {
        self.next.load(Ordering::Relaxed)
    }

    /// Gives out job ids after the first `issued` (see [`BulkJobs::job_ids_issued`]).
    pub fn continue_job_ids_after(&self, issued: u64) {
        self.next.fetch_max(issued, Ordering::Relaxed);
    }

    /// A fresh 18-character job id, `750…`, in creation order.
    pub fn next_job_id(&self) -> String {
        let mut n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut digits = [b'0'; 10];
        for d in digits.iter_mut().rev() {
            *d = BASE62[(n % 62) as usize];
            n /= 62;
        }
        let mut id15 = [0u8; 15];
        id15[..5].copy_from_slice(b"750Hs");
        id15[5..].copy_from_slice(&digits);
        SfId::from_15(&id15).to_string()
    }

    pub fn add_ingest(&self, job: IngestJob) -> IngestHandle {
        let id = job.header.id.clone();
        let handle = Arc::new(Mutex::new(job));
        self.ingest.write().insert(id, handle.clone());
        handle
    }

    pub fn ingest(&self, id: &str) -> Option<IngestHandle> {
        self.ingest.read().get(&canonical(id)?).cloned()
    }

    pub fn remove_ingest(&self, id: &str) -> Option<IngestHandle> {
        self.ingest.write().remove(&canonical(id)?)
    }

    pub fn ingest_jobs(&self) -> Vec<IngestHandle> {
        self.ingest.read().values().cloned().collect()
    }

    pub fn add_query(&self, job: QueryJob) -> QueryHandle {
        let id = job.header.id.clone();
        let handle = Arc::new(Mutex::new(job));
        self.query.write().insert(id, handle.clone());
        handle
    }

    pub fn query(&self, id: &str) -> Option<QueryHandle> {
        self.query.read().get(&canonical(id)?).cloned()
    }

    pub fn remove_query(&self, id: &str) -> Option<QueryHandle> {
        self.query.write().remove(&canonical(id)?)
    }

    pub fn query_jobs(&self) -> Vec<QueryHandle> {
        self.query.read().values().cloned().collect()
    }
}

/// Accepts a job id in its 15- or 18-character form.
fn canonical(id: &str) -> Option<String> {
    SfId::parse(id).ok().map(|i| i.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_are_18_chars_with_the_750_prefix_and_sort_in_creation_order() {
        let jobs = BulkJobs::default();
        let a = jobs.next_job_id();
        let b = jobs.next_job_id();
        assert_eq!(a.len(), 18);
        assert!(a.starts_with("750"));
        assert!(a[..15] < b[..15]);
        assert!(SfId::parse(&a).is_ok());
    }

    #[test]
    fn every_10000_records_spend_one_batch_and_use_ages_out_after_a_day() {
        let jobs = BulkJobs::default();
        let now = chrono::Utc::now();
        // A job processed in chunks of 200 records up to 50,001.
        let mut processed = 0;
        while processed < 50_001 {
            let next = (processed + 200).min(50_001);
            jobs.count_batches(now, batches_started(processed, next));
            processed = next;
        }
        jobs.count_batches(now, batches_started(0, 1));
        jobs.count_batches(now, batches_started(3, 3));
        jobs.count_query_job(now);
        assert_eq!(
            jobs.daily_use(now),
            BulkUse {
                query_jobs: 1,
                batches: 6 + 1
            }
        );
        let tomorrow = now + chrono::Duration::hours(24) + chrono::Duration::minutes(1);
        assert_eq!(jobs.daily_use(tomorrow), BulkUse::default());
    }
}
