//! The org's Bulk API 2.0 jobs: a registry of ingest and query jobs plus the lab settings.
//!
//! One [`BulkJobs`] belongs to one org. Jobs are kept behind their own mutex so a polling
//! client never waits for a whole store write; the registry itself is only locked to add,
//! find, list or remove a job. Job ids are 18-character Salesforce ids with the `750` prefix
//! that clients check.

use super::ingest_job::IngestJob;
use super::query_job::QueryJob;
use super::settings::BulkSettings;
use crate::org::ids::SfId;
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
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl BulkJobs {
    pub fn new(settings: BulkSettings) -> BulkJobs {
        BulkJobs {
            settings: RwLock::new(settings),
            ..BulkJobs::default()
        }
    }

    pub fn settings(&self) -> BulkSettings {
        *self.settings.read()
    }

    /// Changes the processing delay and lock-failure rate (jobs started later use them).
    pub fn set_settings(&self, settings: BulkSettings) {
        *self.settings.write() = settings;
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
}
