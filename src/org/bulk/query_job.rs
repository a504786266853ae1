//! One Bulk API 2.0 query job: definition, rendered CSV result, and paging by locator.
//!
//! The result is rendered once when the job completes: a header line and one CSV line per
//! record, in the job's dialect. `GET …/results?locator=&maxRecords=` serves a slice of it
//! with `Sforce-Locator` (the opaque position of the next page, the literal `null` on the
//! last) and `Sforce-NumberOfRecords`.
//!
//! Implementation notes: locators are the base64 (no padding) of the next row offset, which
//! matches the opaque strings real orgs hand out (`MTAwMDA` = 10000) without promising their
//! meaning.
//!
//! Without `maxRecords` a page holds up to [`DEFAULT_PAGE_RECORDS`] rows. The guide says only
//! that the org then picks a page size itself; what real orgs hand out is one result set of
//! their automatic PK chunking per page, about 250,000 rows: a 500,000-contact export came in
//! result sets of "approx 250,000" (forcedotcom/cli#1759) and a 21,165,218-row job in 92
//! (forcedotcom/cli#2968). The exact split (by id range, so often somewhat fewer rows) is not
//! modelled. A default this large matters to clients: jsforce 3.10's `bulk2.query()` pipes
//! every page into one CSV parser that ends with the first page (jsforce/jsforce#1546,
//! ERR_STREAM_WRITE_AFTER_END), so its documented `toArray()` works only for a result that
//! fits in one default page, as it does on a real org for up to about 250,000 rows.

use super::error::BulkError;
use super::format::{ColumnDelimiter, CsvDialect, LineEnding};
use super::job::{JobHeader, JobState, ProcessingTimes};
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

/// The rows of a results page when the request names no `maxRecords` (see the module notes).
pub const DEFAULT_PAGE_RECORDS: usize = 250_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryOperation {
    Query,
    QueryAll,
}

impl QueryOperation {
    pub fn as_str(self) -> &'static str {
        match self {
            QueryOperation::Query => "query",
            QueryOperation::QueryAll => "queryAll",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateQueryJob {
    pub operation: Option<String>,
    pub query: Option<String>,
    pub content_type: Option<String>,
    pub column_delimiter: Option<String>,
    pub line_ending: Option<String>,
}

/// A validated query job definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuerySpec {
    pub operation: QueryOperation,
    pub soql: String,
    pub dialect: CsvDialect,
}

impl CreateQueryJob {
    pub fn parse(body: &[u8]) -> Result<CreateQueryJob, BulkError> {
        serde_json::from_slice(body).map_err(|e| BulkError::Json(e.to_string()))
    }

    pub fn validate(self) -> Result<QuerySpec, BulkError> {
        // Salesforce documents `operation` as required for query jobs too; what a real org
        // answers without it is not recorded [U], so it is refused as the ingest side is.
        let operation = match self.operation.as_deref().unwrap_or("") {
            "" => {
                return Err(BulkError::InvalidJob(
                    "InvalidJob : The job has no operation. Send \"operation\": \"query\" (or \"queryAll\" to include deleted and archived records)."
                        .into(),
                ))
            }
            "query" => QueryOperation::Query,
            "queryAll" => QueryOperation::QueryAll,
            other => {
                return Err(BulkError::InvalidJob(format!(
                "InvalidJob : Invalid operation '{other}' for a query job. Use query or queryAll."
            )))
            }
        };
        let soql = self.query.filter(|q| !q.trim().is_empty()).ok_or_else(|| {
            BulkError::InvalidJob(
                "InvalidJob : The job has no query. Send \"query\": \"SELECT Id FROM Account\"."
                    .into(),
            )
        })?;
        if let Some(ct) = self.content_type.as_deref() {
            if ct != "CSV" {
                return Err(BulkError::InvalidJob(format!(
                    "InvalidJob : Content type '{ct}' is not supported; query results are CSV."
                )));
            }
        }
        let line_ending = match self.line_ending.as_deref() {
            None => LineEnding::Lf,
            Some(s) => LineEnding::from_name(s).ok_or_else(|| {
                BulkError::InvalidJob(format!(
                    "InvalidJob : Invalid lineEnding '{s}'. Use LF or CRLF."
                ))
            })?,
        };
        let delimiter = match self.column_delimiter.as_deref() {
            None => ColumnDelimiter::Comma,
            Some(s) => ColumnDelimiter::from_name(s).ok_or_else(|| {
                BulkError::InvalidJob(format!(
                    "InvalidJob : Invalid columnDelimiter '{s}'. Use COMMA, TAB, PIPE, SEMICOLON, CARET or BACKQUOTE."
                ))
            })?,
        };
        Ok(QuerySpec {
            operation,
            soql,
            dialect: CsvDialect {
                delimiter,
                line_ending,
            },
        })
    }
}

/// The rendered result of a completed query job.
#[derive(Debug, Default)]
pub struct QueryResult {
    pub header_line: Vec<u8>,
    pub rows: Vec<Box<[u8]>>,
}

impl QueryResult {
    /// Renders a table of strings in the dialect.
    pub fn render(columns: &[String], rows: &[Vec<String>], dialect: CsvDialect) -> QueryResult {
        let line = |fields: &[String]| {
            let mut w = super::format::query_writer(Vec::new(), dialect);
            let _ = w.write_record(fields);
            w.into_inner().unwrap_or_default()
        };
        QueryResult {
            header_line: line(columns),
            rows: rows.iter().map(|r| line(r).into_boxed_slice()).collect(),
        }
    }
}

/// One page of results.
#[derive(Debug, PartialEq, Eq)]
pub struct ResultPage {
    pub csv: Vec<u8>,
    pub number_of_records: usize,
    /// The locator of the next page, or `"null"`.
    pub next_locator: String,
}

pub fn encode_locator(offset: usize) -> String {
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(offset.to_string())
}

pub fn decode_locator(locator: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(locator.trim_end_matches('='))
        .ok()?;
    std::str::from_utf8(&bytes).ok()?.parse().ok()
}

impl QueryResult {
    pub fn page(
        &self,
        locator: Option<&str>,
        max_records: Option<&str>,
    ) -> Result<ResultPage, BulkError> {
        let start = match locator.filter(|l| !l.is_empty()) {
            None => 0,
            Some(l) => decode_locator(l)
                .filter(|&o| o <= self.rows.len())
                .ok_or_else(|| {
                    BulkError::InvalidParameter(format!(
                        "The locator '{l}' is not valid for this job. Use the Sforce-Locator value of the previous page, or none for the first page."
                    ))
                })?,
        };
        let max = match max_records {
            None | Some("") => DEFAULT_PAGE_RECORDS,
            Some(m) => match m.parse::<usize>() {
                Ok(n) if n > 0 => n,
                _ => {
                    return Err(BulkError::InvalidParameter(format!(
                        "maxRecords '{m}' is not a positive whole number."
                    )))
                }
            },
        };
        let end = start.saturating_add(max).min(self.rows.len());
        let size: usize = self.rows[start..end].iter().map(|r| r.len()).sum();
        let mut csv = Vec::with_capacity(self.header_line.len() + size);
        csv.extend_from_slice(&self.header_line);
        for row in &self.rows[start..end] {
            csv.extend_from_slice(row);
        }
        Ok(ResultPage {
            csv,
            number_of_records: end - start,
            next_locator: if end < self.rows.len() {
                encode_locator(end)
            } else {
                "null".to_string()
            },
        })
    }
}

#[derive(Debug)]
pub struct QueryJob {
    pub header: JobHeader,
    pub spec: QuerySpec,
    pub result: Option<QueryResult>,
}

impl QueryJob {
    pub fn new(
        id: String,
        object: String,
        spec: QuerySpec,
        created_by_id: String,
        now: chrono::DateTime<chrono::Utc>,
        api_version: String,
    ) -> QueryJob {
        QueryJob {
            header: JobHeader {
                id,
                object,
                created_by_id,
                created_date: now,
                system_modstamp: now,
                // A query job needs no upload: it starts as UploadComplete.
                state: JobState::UploadComplete,
                dialect: spec.dialect,
                api_version,
                error_message: None,
                number_records_processed: 0,
                retries: 0,
                times: ProcessingTimes::default(),
            },
            spec,
            result: None,
        }
    }

    pub fn info(&self) -> Value {
        let h = &self.header;
        let mut m = h.common_fields(self.spec.operation.as_str());
        m.insert("jobType".into(), json!("V2Query"));
        h.dialect_fields(&mut m);
        m.insert(
            "numberRecordsProcessed".into(),
            json!(h.number_records_processed),
        );
        h.timing_fields(&mut m);
        m.insert("isPkChunkingSupported".into(), json!(true));
        if let Some(msg) = &h.error_message {
            m.insert("errorMessage".into(), json!(msg));
        }
        Value::Object(m)
    }

    pub fn list_entry(&self) -> Value {
        let h = &self.header;
        let mut m = h.common_fields(self.spec.operation.as_str());
        m.insert("jobType".into(), json!("V2Query"));
        h.dialect_fields(&mut m);
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(n: usize) -> QueryResult {
        let rows: Vec<Vec<String>> = (0..n)
            .map(|i| vec![format!("id{i}"), format!("n,{i}")])
            .collect();
        QueryResult::render(&["Id".into(), "Name".into()], &rows, CsvDialect::default())
    }

    #[test]
    fn locator_round_trips_and_matches_real_shape() {
        assert_eq!(encode_locator(10000), "MTAwMDA");
        assert_eq!(decode_locator("MTAwMDA"), Some(10000));
        assert_eq!(decode_locator("not base64!"), None);
    }

    #[test]
    fn pages_follow_locators_to_a_literal_null() {
        let r = result(5);
        let p1 = r.page(None, Some("2")).unwrap();
        assert_eq!(p1.number_of_records, 2);
        assert_eq!(
            String::from_utf8(p1.csv).unwrap(),
            "\"Id\",\"Name\"\n\"id0\",\"n,0\"\n\"id1\",\"n,1\"\n"
        );
        let p2 = r.page(Some(&p1.next_locator), Some("2")).unwrap();
        let p3 = r.page(Some(&p2.next_locator), Some("2")).unwrap();
        assert_eq!(p3.number_of_records, 1);
        assert_eq!(p3.next_locator, "null");
        assert!(String::from_utf8(p3.csv)
            .unwrap()
            .starts_with("\"Id\",\"Name\"\n"));
    }

    #[test]
    fn a_page_without_max_records_holds_a_pk_chunk_of_rows() {
        let r = result(DEFAULT_PAGE_RECORDS + 1);
        let first = r.page(None, None).unwrap();
        assert_eq!(first.number_of_records, 250_000, "well past 50,000 rows");
        assert_ne!(first.next_locator, "null");
        let last = r.page(Some(&first.next_locator), None).unwrap();
        assert_eq!(last.number_of_records, 1);
        assert_eq!(last.next_locator, "null");
    }

    #[test]
    fn empty_result_still_has_a_header_and_null_locator() {
        let p = result(0).page(None, None).unwrap();
        assert_eq!(p.csv, b"\"Id\",\"Name\"\n");
        assert_eq!(p.number_of_records, 0);
        assert_eq!(p.next_locator, "null");
    }

    #[test]
    fn bad_locator_or_max_records_is_a_parameter_error() {
        let r = result(3);
        assert!(matches!(
            r.page(Some("zzzz"), None),
            Err(BulkError::InvalidParameter(_))
        ));
        assert!(matches!(
            r.page(Some(&encode_locator(99)), None),
            Err(BulkError::InvalidParameter(_))
        ));
        assert!(matches!(
            r.page(None, Some("0")),
            Err(BulkError::InvalidParameter(_))
        ));
        assert!(matches!(
            r.page(None, Some("-5")),
            Err(BulkError::InvalidParameter(_))
        ));
    }

    #[test]
    fn query_spec_defaults_and_checks() {
        let s =
            CreateQueryJob::parse(br#"{"operation":"queryAll","query":"SELECT Id FROM Account"}"#)
                .unwrap()
                .validate()
                .unwrap();
        assert_eq!(s.operation, QueryOperation::QueryAll);
        assert!(CreateQueryJob::parse(br#"{"operation":"query"}"#)
            .unwrap()
            .validate()
            .is_err());
        assert!(
            CreateQueryJob::parse(br#"{"operation":"select","query":"x"}"#)
                .unwrap()
                .validate()
                .is_err()
        );
    }

    #[test]
    fn query_job_info_starts_upload_complete_with_v2query() {
        let spec =
            CreateQueryJob::parse(br#"{"operation":"query","query":"SELECT Id FROM Account"}"#)
                .unwrap()
                .validate()
                .unwrap();
        let j = QueryJob::new(
            "750x".into(),
            "Account".into(),
            spec,
            "005x".into(),
            chrono::Utc::now(),
            "62.0".into(),
        );
        let info = j.info();
        assert_eq!(info["state"], "UploadComplete");
        assert_eq!(info["jobType"], "V2Query");
        assert_eq!(info["operation"], "query");
        assert!(info["apiVersion"].is_number());
    }
}
