//! The org's API request allocation: counting real use over a rolling 24 hours on the org
//! clock, the `Sforce-Limit-Info` header value, the body of `/limits` (with the data storage
//! the stored records take), and which objects `/limits/recordCount` counts for a caller.
//!
//! Implementation notes: calls are counted in one-minute buckets, so the count is exact to
//! the minute and the memory is bounded (at most 1,440 buckets) whatever the traffic.
//!
//! Data storage is counted as Salesforce counts it, by records rather than bytes: most
//! records take 2 KB whatever their fields hold, a Campaign 8 KB and a CampaignMember 1 KB
//! (Salesforce Help 000193871, "Salesforce record size overview"). Real orgs leave some
//! objects out (products, price book entries, opportunity line items, setup objects); sflab
//! counts every live record, and not the Recycle Bin's (whether a real org counts deleted
//! records is not in our references). How a real org rounds the used kilobytes to the MB it
//! reports is not documented either; sflab rounds down. `DataStorageMB` is a reported figure
//! only: a full org does not refuse records with STORAGE_LIMIT_EXCEEDED, since a Developer
//! Edition org's 5 MB is about 2,500 records and a bulk lab loads far more.

use crate::org::bulk::jobs::{BulkUse, DAILY_BULK_API_BATCHES, DAILY_BULK_V2_QUERY_JOBS};
use crate::org::events::log::EventUsage;
use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use serde_json::{json, Map, Value};
use std::collections::VecDeque;

/// A Developer Edition org's daily allocation.
pub const DEFAULT_DAILY_API_REQUESTS: u64 = 15_000;

const WINDOW_MINUTES: i64 = 24 * 60;

/// Counts API calls against the daily allocation.
#[derive(Debug)]
pub struct ApiUsage {
    max: u64,
    buckets: Mutex<VecDeque<(i64, u64)>>,
}

/// The result of asking to spend one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spend {
    /// The call is counted; `used` includes it.
    Counted { used: u64, max: u64 },
    /// The allocation is spent; the call is refused and not counted.
    Exhausted { used: u64, max: u64 },
}

impl ApiUsage {
    pub fn new(max: u64) -> ApiUsage {
        ApiUsage {
            max,
            buckets: Mutex::new(VecDeque::new()),
        }
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    fn minute(now: DateTime<Utc>) -> i64 {
        now.timestamp().div_euclid(60)
    }

    fn prune(buckets: &mut VecDeque<(i64, u64)>, minute: i64) {
        while let Some(&(m, _)) = buckets.front() {
            if m <= minute - WINDOW_MINUTES {
                buckets.pop_front();
            } else {
                break;
            }
        }
    }

    /// Calls made in the 24 hours before `now`.
    pub fn used(&self, now: DateTime<Utc>) -> u64 {
        let mut b = self.buckets.lock();
        Self::prune(&mut b, Self::minute(now));
        b.iter().map(|&(_, n)| n).sum()
    }

    /// Spends one call at `now` unless the allocation is already spent.
    pub fn spend(&self, now: DateTime<Utc>) -> Spend {
        let minute = Self::minute(now);
        let mut b = self.buckets.lock();
        Self::prune(&mut b, minute);
        let used: u64 = b.iter().map(|&(_, n)| n).sum();
        if used >= self.max {
            return Spend::Exhausted {
                used,
                max: self.max,
            };
        }
        match b.back_mut() {
            Some((m, n)) if *m >= minute => *n += 1,
            _ => b.push_back((minute, 1)),
        }
        Spend::Counted {
            used: used + 1,
            max: self.max,
        }
    }

    /// Marks `count` calls as used now (labs use it to start near the limit).
    pub fn preload(&self, now: DateTime<Utc>, count: u64) {
        let minute = Self::minute(now);
        let mut b = self.buckets.lock();
        match b.back_mut() {
            Some((m, n)) if *m >= minute => *n += count,
            _ => b.push_back((minute, count)),
        }
    }
}

impl Default for ApiUsage {
    fn default() -> ApiUsage {
        ApiUsage::new(DEFAULT_DAILY_API_REQUESTS)
    }
}

/// A Developer Edition org's data storage, in MB.
pub const DATA_STORAGE_MB: u64 = 5;

/// The data storage one record of `object` takes, in KB (see the module's notes).
fn record_kb(object: &str) -> u64 {
    match object {
        "Campaign" => 8,
        "CampaignMember" => 1,
        _ => 2,
    }
}

/// The data storage the org's live records take, in KB.
pub fn data_storage_kb(store: &crate::org::Store) -> u64 {
    store
        .schema()
        .objects()
        .iter()
        .map(|o| store.count(&o.name) as u64 * record_kb(&o.name))
        .sum()
}

/// Whether `/limits/recordCount` counts `object` for the caller: every object where the org
/// does not enforce object access, only the ones they can read where it does.
///
/// Implementation notes: the REST reference does not say whether a real org leaves out
/// objects the user cannot read (the counts come from the org's storage figures); sflab
/// leaves them out, as describe global does, so a count never tells of an object the user
/// may not see.
pub fn counted_for(org: &crate::org::Org, caller: &super::Caller, object: &str) -> bool {
    org.auth
        .object_refusal(
            &caller.0.user_id,
            object,
            crate::org::auth::access::Op::Read,
        )
        .is_none()
}

/// The `Sforce-Limit-Info` header value.
pub fn limit_info_header(used: u64, max: u64) -> String {
    format!("api-usage={used}/{max}")
}

/// The body of `GET /limits`: every limit as `{"Max","Remaining"}`. DailyApiRequests, the
/// Bulk API 2.0 allocations, the platform-event ones (published in the last hour,
/// delivered in the last 24) and DataStorageMB (from `stored_kb`, [`data_storage_kb`]) move
/// with real use; the others are a Developer Edition org's published allocations.
pub fn limits_body(
    used: u64,
    max: u64,
    bulk: BulkUse,
    events: EventUsage,
    stored_kb: u64,
) -> Value {
    let mut m = Map::new();
    let mut put = |name: &str, max: u64, remaining: u64| {
        m.insert(name.into(), json!({"Max": max, "Remaining": remaining}));
    };
    put("ActiveScratchOrgs", 3, 3);
    put("AnalyticsExternalDataSizeMB", 40960, 40960);
    put("ConcurrentAsyncGetReportInstances", 200, 200);
    put("ConcurrentSyncReportRuns", 20, 20);
    put("DailyAnalyticsDataflowJobExecutions", 60, 60);
    put("DailyApiRequests", max, max.saturating_sub(used));
    put("DailyAsyncApexExecutions", 250000, 250000);
    put(
        "DailyBulkApiBatches",
        DAILY_BULK_API_BATCHES,
        DAILY_BULK_API_BATCHES.saturating_sub(bulk.batches),
    );
    put("DailyBulkV2QueryFileStorageMB", 976562, 976562);
    put(
        "DailyBulkV2QueryJobs",
        DAILY_BULK_V2_QUERY_JOBS,
        DAILY_BULK_V2_QUERY_JOBS.saturating_sub(bulk.query_jobs),
    );
    put(
        "DailyDeliveredPlatformEvents",
        10000,
        10000u64.saturating_sub(events.delivered),
    );
    put("DailyDurableGenericStreamingApiEvents", 10000, 10000);
    put("DailyDurableStreamingApiEvents", 10000, 10000);
    put("DailyGenericStreamingApiEvents", 10000, 10000);
    put("DailyStandardVolumePlatformEvents", 10000, 10000);
    put("DailyStreamingApiEvents", 10000, 10000);
    put("DailyWorkflowEmails", 390, 390);
    put(
        "DataStorageMB",
        DATA_STORAGE_MB,
        DATA_STORAGE_MB.saturating_sub(stored_kb / 1024),
    );
    put("FileStorageMB", 20, 20);
    put("HourlyAsyncReportRuns", 1200, 1200);
    put("HourlyDashboardRefreshes", 200, 200);
    put("HourlyDashboardResults", 5000, 5000);
    put("HourlyDashboardStatuses", 999999999, 999999999);
    put("HourlyLongTermIdMapping", 100000, 100000);
    put("HourlyManagedContentPublicRequests", 50000, 50000);
    put("HourlyODataCallout", 10000, 10000);
    put(
        "HourlyPublishedPlatformEvents",
        50000,
        50000u64.saturating_sub(events.published_high),
    );
    put(
        "HourlyPublishedStandardVolumePlatformEvents",
        1000,
        1000u64.saturating_sub(events.published_standard),
    );
    put("HourlyShortTermIdMapping", 100000, 100000);
    put("HourlySyncReportRuns", 500, 500);
    put("HourlyTimeBasedWorkflow", 50, 50);
    put("MassEmail", 10, 10);
    put("MonthlyPlatformEventsUsageEntitlement", 0, 0);
    put("Package2VersionCreates", 6, 6);
    put("PermissionSets", 1500, 1500);
    put("SingleEmail", 15, 15);
    put("StreamingApiConcurrentClients", 20, 20);
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn spending_counts_each_call() {
        let u = ApiUsage::new(10);
        let now = Utc::now();
        assert_eq!(u.spend(now), Spend::Counted { used: 1, max: 10 });
        assert_eq!(u.spend(now), Spend::Counted { used: 2, max: 10 });
        assert_eq!(u.used(now), 2);
    }

    #[test]
    fn a_spent_allocation_refuses_without_counting() {
        let u = ApiUsage::new(2);
        let now = Utc::now();
        u.spend(now);
        u.spend(now);
        assert_eq!(u.spend(now), Spend::Exhausted { used: 2, max: 2 });
        assert_eq!(u.used(now), 2);
    }

    #[test]
    fn calls_older_than_a_day_stop_counting() {
        let u = ApiUsage::new(5);
        let then = Utc::now();
        u.preload(then, 5);
        assert!(matches!(u.spend(then), Spend::Exhausted { .. }));
        let later = then + Duration::hours(24) + Duration::minutes(1);
        assert_eq!(u.used(later), 0);
        assert!(matches!(u.spend(later), Spend::Counted { used: 1, .. }));
    }

    #[test]
    fn limits_body_reports_remaining_daily_requests() {
        let bulk = BulkUse {
            query_jobs: 2,
            batches: 7,
        };
        let body = limits_body(18, 15000, bulk, EventUsage::default(), 0);
        assert_eq!(
            body["DailyApiRequests"],
            json!({"Max":15000,"Remaining":14982})
        );
        assert_eq!(
            body["DailyBulkV2QueryJobs"],
            json!({"Max":10000,"Remaining":9998})
        );
        assert_eq!(
            body["DailyBulkApiBatches"],
            json!({"Max":15000,"Remaining":14993})
        );
        assert_eq!(limit_info_header(18, 15000), "api-usage=18/15000");
    }

    #[test]
    fn data_storage_remaining_goes_down_by_the_mb_the_records_take_and_stops_at_0() {
        let remaining = |kb| {
            limits_body(0, 15000, BulkUse::default(), EventUsage::default(), kb)["DataStorageMB"]
                .clone()
        };
        assert_eq!(remaining(0), json!({"Max":5,"Remaining":5}));
        assert_eq!(remaining(1023), json!({"Max":5,"Remaining":5}));
        // 1,024 records of 2 KB: 2 MB.
        assert_eq!(remaining(2048), json!({"Max":5,"Remaining":3}));
        // 276,000 Accounts: far past the allocation, reported as none left.
        assert_eq!(remaining(276_000 * 2), json!({"Max":5,"Remaining":0}));
    }

    #[test]
    fn stored_records_take_2_kb_each_and_a_campaign_8() {
        let org = crate::org::Org::default_org();
        let before = data_storage_kb(&org.store.read());
        let actor = org.actor(org.users[0].id);
        for i in 0..3 {
            let mut body = Map::new();
            body.insert("Name".into(), json!(format!("Storage {i}")));
            org.store.write().insert("Account", &body, &actor).unwrap();
        }
        assert_eq!(data_storage_kb(&org.store.read()), before + 6);
        assert_eq!(record_kb("Campaign"), 8);
        assert_eq!(record_kb("CampaignMember"), 1);
    }
}
