//! The lifecycle of a Bulk API 2.0 job and the job-info JSON clients poll.
//!
//! States run Open → UploadComplete → InProgress → JobComplete | Failed, and Aborted from any
//! non-terminal state. [`JobState::transition`] is the single place that decides whether a
//! change is allowed; handlers and the background processor both go through it.

use super::format::CsvDialect;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobState {
    Open,
    UploadComplete,
    InProgress,
    JobComplete,
    Failed,
    Aborted,
}

/// A state change the job cannot make.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("The job is {from:?} and cannot move to {to:?}. {hint}")]
pub struct TransitionError {
    pub from: JobState,
    pub to: JobState,
    pub hint: &'static str,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Open => "Open",
            JobState::UploadComplete => "UploadComplete",
            JobState::InProgress => "InProgress",
            JobState::JobComplete => "JobComplete",
            JobState::Failed => "Failed",
            JobState::Aborted => "Aborted",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::JobComplete | JobState::Failed | JobState::Aborted
        )
    }

    /// Checks a move from `self` to `to` and returns the new state.
    pub fn transition(self, to: JobState) -> Result<JobState, TransitionError> {
        use JobState::*;
        let ok = matches!(
            (self, to),
            (Open, UploadComplete)
                | (Open | UploadComplete | InProgress, Aborted)
                | (UploadComplete, InProgress)
                | (UploadComplete | InProgress, JobComplete | Failed)
        );
        if ok {
            return Ok(to);
        }
        let hint = match (self, to) {
            (_, UploadComplete) if self.is_terminal() => {
                "It has already finished; create a new job to load more data."
            }
            (_, UploadComplete) => "It has already been closed; poll its state instead.",
            (_, Aborted) => "Only a job that has not finished can be aborted.",
            _ => "Close an Open job with {\"state\":\"UploadComplete\"} or abort it with {\"state\":\"Aborted\"}.",
        };
        Err(TransitionError {
            from: self,
            to,
            hint,
        })
    }
}

/// The DML an ingest job performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IngestOperation {
    Insert,
    Update,
    Upsert,
    Delete,
    HardDelete,
}

impl IngestOperation {
    pub fn as_str(self) -> &'static str {
        match self {
            IngestOperation::Insert => "insert",
            IngestOperation::Update => "update",
            IngestOperation::Upsert => "upsert",
            IngestOperation::Delete => "delete",
            IngestOperation::HardDelete => "hardDelete",
        }
    }
}

/// Milliseconds of processing a job has used (reported in job info).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProcessingTimes {
    pub total_ms: u64,
    pub api_active_ms: u64,
    pub apex_ms: u64,
}

/// What every job shows, whichever its kind.
#[derive(Debug, Clone)]
pub struct JobHeader {
    pub id: String,
    pub object: String,
    pub created_by_id: String,
    pub created_date: chrono::DateTime<chrono::Utc>,
    pub system_modstamp: chrono::DateTime<chrono::Utc>,
    pub state: JobState,
    pub dialect: CsvDialect,
    /// The API version of the URL the job was created through, e.g. `62.0`.
    pub api_version: String,
    pub error_message: Option<String>,
    pub number_records_processed: u64,
    pub retries: u64,
    pub times: ProcessingTimes,
}

/// Formats a timestamp the way Bulk API 2.0 does: `2018-12-18T22:51:36.000+0000`, to the
/// second as a real org keeps job times.
pub fn bulk_timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S.000+0000").to_string()
}

fn version_number(v: &str) -> Value {
    v.parse::<f64>()
        .ok()
        .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
        .unwrap_or_else(|| Value::String(v.to_string()))
}

impl JobHeader {
    /// The fields shared by ingest and query job info, in the order the API lists them.
    pub fn common_fields(&self, operation: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("operation".into(), json!(operation));
        m.insert("object".into(), json!(self.object));
        m.insert("createdById".into(), json!(self.created_by_id));
        m.insert(
            "createdDate".into(),
            json!(bulk_timestamp(self.created_date)),
        );
        m.insert(
            "systemModstamp".into(),
            json!(bulk_timestamp(self.system_modstamp)),
        );
        m.insert("state".into(), json!(self.state.as_str()));
        m.insert("concurrencyMode".into(), json!("Parallel"));
        m.insert("contentType".into(), json!("CSV"));
        m.insert("apiVersion".into(), version_number(&self.api_version));
        m
    }

    pub fn dialect_fields(&self, m: &mut Map<String, Value>) {
        m.insert(
            "lineEnding".into(),
            json!(self.dialect.line_ending.as_str()),
        );
        m.insert(
            "columnDelimiter".into(),
            serde_json::to_value(self.dialect.delimiter).unwrap_or(Value::Null),
        );
    }

    pub fn timing_fields(&self, m: &mut Map<String, Value>) {
        m.insert("retries".into(), json!(self.retries));
        m.insert("totalProcessingTime".into(), json!(self.times.total_ms));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn happy_path_runs_open_to_complete() {
        let s = JobState::Open
            .transition(JobState::UploadComplete)
            .and_then(|s| s.transition(JobState::InProgress))
            .and_then(|s| s.transition(JobState::JobComplete))
            .unwrap();
        assert_eq!(s, JobState::JobComplete);
    }

    #[test]
    fn a_finished_job_cannot_be_closed_or_aborted() {
        for from in [JobState::JobComplete, JobState::Failed, JobState::Aborted] {
            assert!(from.transition(JobState::UploadComplete).is_err());
            assert!(from.transition(JobState::Aborted).is_err());
        }
    }

    #[test]
    fn an_open_job_cannot_skip_to_in_progress() {
        let err = JobState::Open.transition(JobState::InProgress).unwrap_err();
        assert!(err.to_string().contains("Close an Open job"));
    }

    #[test]
    fn a_closed_job_can_still_be_aborted() {
        assert_eq!(
            JobState::InProgress.transition(JobState::Aborted),
            Ok(JobState::Aborted)
        );
    }

    #[test]
    fn timestamps_use_the_bulk_format() {
        let t = chrono::Utc
            .with_ymd_and_hms(2018, 12, 18, 22, 51, 36)
            .single()
            .unwrap();
        assert_eq!(bulk_timestamp(t), "2018-12-18T22:51:36.000+0000");
    }

    #[test]
    fn api_version_is_a_json_number() {
        assert_eq!(version_number("62.0"), json!(62.0));
        assert!(version_number("62.0").is_number());
    }

    #[test]
    fn operations_use_the_api_spelling() {
        let op: IngestOperation = serde_json::from_value(json!("hardDelete")).unwrap();
        assert_eq!(op, IngestOperation::HardDelete);
        assert_eq!(op.as_str(), "hardDelete");
    }

    #[test]
    fn job_times_are_shown_to_the_second() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-30T10:01:21.743Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(bulk_timestamp(t), "2026-11-30T10:01:21.000+0000");
    }
}
