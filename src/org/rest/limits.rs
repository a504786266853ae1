//! The org's API request allocation: counting real use over a rolling 24 hours on the org
//! clock, the `Sforce-Limit-Info` header value, the body of `/limits`, and which objects
//! `/limits/recordCount` counts for a caller.
//!
//! Implementation notes: calls are counted in one-minute buckets, so the count is exact to
//! the minute and the memory is bounded (at most 1,440 buckets) whatever the traffic.

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
/// Bulk API 2.0 allocations and the platform-event ones (published in the last hour,
/// delivered in the last 24) move with real use; the others are a Developer Edition org's
/// published allocations.
pub fn limits_body(used: u64, max: u64, bulk: BulkUse, events: EventUsage) -> Value {
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
    put("DataStorageMB", 5, 5);
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
        let body = limits_body(18, 15000, bulk, EventUsage::default());
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
}
