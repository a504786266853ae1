//! Per-row outcomes of an ingest job and the three result files built from them.
//!
//! The job keeps its uploaded CSV and one [`RowOutcome`] per data row; the result files are
//! written on request by re-reading the upload next to the outcomes, so a million-row job
//! stores no second copy of its data. Files use the job's delimiter and line ending.
//!
//! Shapes: successful = `"sf__Id","sf__Created",<original columns>`; failed = `"sf__Id",
//! "sf__Error",<original columns>`; unprocessed = the original columns only.

use super::format::{self, CsvDialect};
use super::rows::UploadRows;
use crate::org::ids::SfId;

/// What happened to one data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowOutcome {
    Success {
        id: SfId,
        created: bool,
    },
    /// Boxed, so a successful row (the common case) costs 24 bytes in a job's outcomes.
    Failed(Box<RowFailure>),
    /// Not attempted (the job was aborted or failed first).
    Unprocessed,
}

/// A row that failed: its Id column as given (empty if none) and its `sf__Error` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowFailure {
    pub id: String,
    pub error: Box<str>,
}

impl RowOutcome {
    pub fn failed(id: impl Into<String>, error: impl Into<Box<str>>) -> RowOutcome {
        RowOutcome::Failed(Box::new(RowFailure {
            id: id.into(),
            error: error.into(),
        }))
    }
}

/// A row-level error as Bulk API 2.0 writes it in `sf__Error`:
/// `REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --`.
pub fn sf_error_text(status_code: &str, message: &str, fields: &[String]) -> String {
    if fields.is_empty() {
        format!("{status_code}:{message}:--")
    } else {
        format!("{status_code}:{message}:{} --", fields.join(","))
    }
}

/// Which of the three files to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultKind {
    Successful,
    Failed,
    Unprocessed,
}

impl ResultKind {
    /// Resolves the last path segment, in any case (`unprocessedrecords` and
    /// `unprocessedRecords` are both in use by clients).
    pub fn from_segment(segment: &str) -> Option<ResultKind> {
        match segment.to_ascii_lowercase().as_str() {
            "successfulresults" => Some(ResultKind::Successful),
            "failedresults" => Some(ResultKind::Failed),
            "unprocessedrecords" => Some(ResultKind::Unprocessed),
            _ => None,
        }
    }
}

/// Writes one result file. `uploads` are the job's uploaded files in order, each with its
/// own header row; `outcomes` has one entry per data row across them (rows without an
/// outcome yet count as unprocessed).
pub fn write_results(
    kind: ResultKind,
    uploads: &[bytes::Bytes],
    dialect: CsvDialect,
    outcomes: &[RowOutcome],
) -> Vec<u8> {
    if kind == ResultKind::Unprocessed && outcomes.iter().all(|o| *o == RowOutcome::Unprocessed) {
        return untouched(uploads, dialect);
    }
    let mut out = format::writer(Vec::new(), dialect);
    let mut header_written = false;
    let mut row_index = 0usize;
    let mut record = csv::ByteRecord::new();
    for upload in uploads {
        let mut rows = UploadRows::new(upload, dialect);
        let mut first = true;
        while let Ok(Some(_)) = rows.read(&mut record) {
            if first {
                first = false;
                if !header_written {
                    header_written = true;
                    let mut header: Vec<&[u8]> = match kind {
                        ResultKind::Successful => vec![b"sf__Id", b"sf__Created"],
                        ResultKind::Failed => vec![b"sf__Id", b"sf__Error"],
                        ResultKind::Unprocessed => vec![],
                    };
                    // A header read in the wrong line ending ends in a stray `\r`: no field
                    // name does.
                    header.extend(record.iter().map(|f| f.strip_suffix(b"\r").unwrap_or(f)));
                    let _ = out.write_record(&header);
                }
                continue;
            }
            let outcome = outcomes.get(row_index).unwrap_or(&RowOutcome::Unprocessed);
            row_index += 1;
            let written = match (kind, outcome) {
                (ResultKind::Successful, RowOutcome::Success { id, created }) => {
                    let created: &[u8] = if *created { b"true" } else { b"false" };
                    out.write_field(id.as_str())
                        .and_then(|_| out.write_field(created))
                        .and_then(|_| out.write_record(&record))
                }
                (ResultKind::Failed, RowOutcome::Failed(f)) => out
                    .write_field(&f.id)
                    .and_then(|_| out.write_field(f.error.as_bytes()))
                    .and_then(|_| out.write_record(&record)),
                (ResultKind::Unprocessed, RowOutcome::Unprocessed) => out.write_record(&record),
                _ => Ok(()),
            };
            // Writing into a Vec cannot fail, and the writer takes rows of any length.
            debug_assert!(written.is_ok(), "{written:?}");
        }
    }
    if !header_written {
        let header: Vec<&str> = match kind {
            ResultKind::Successful => vec!["sf__Id", "sf__Created"],
            ResultKind::Failed => vec!["sf__Id", "sf__Error"],
            ResultKind::Unprocessed => vec![],
        };
        if !header.is_empty() {
            let _ = out.write_record(&header);
        }
    }
    quote_result_columns(out.into_inner().unwrap_or_default(), kind, dialect)
}

/// The rows of a job that processed none of them, byte for byte as uploaded (one header): a
/// job that failed on its data — a file with CRLF line ends under `lineEnding: LF` — cannot
/// be read in its own dialect, and written back through it would carry the stray carriage
/// returns inside its values. As sent, the file can be resubmitted once the job is fixed.
fn untouched(uploads: &[bytes::Bytes], dialect: CsvDialect) -> Vec<u8> {
    let mut out = Vec::with_capacity(uploads.iter().map(|u| u.len()).sum());
    for (i, upload) in uploads.iter().enumerate() {
        let body: &[u8] = if i == 0 {
            upload
        } else {
            // Later uploads repeat the header (which may be quoted over several lines): keep
            // their rows only.
            let mut rdr = format::reader(upload, dialect);
            let mut header = csv::ByteRecord::new();
            let after_header = match rdr.read_byte_record(&mut header) {
                Ok(true) => (rdr.position().byte() as usize).min(upload.len()),
                _ => upload.len(),
            };
            &upload[after_header..]
        };
        if !out.is_empty() && !out.ends_with(b"\n") && !body.is_empty() {
            let crlf = out.windows(2).any(|w| w == b"\r\n");
            out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
        out.extend_from_slice(body);
    }
    out
}

/// The header as real orgs write it: the two `sf__` columns quoted (`"sf__Id","sf__Created"`),
/// the uploaded columns as they came. (Readers take either; some compare bytes.)
fn quote_result_columns(mut csv: Vec<u8>, kind: ResultKind, dialect: CsvDialect) -> Vec<u8> {
    let second = match kind {
        ResultKind::Successful => "sf__Created",
        ResultKind::Failed => "sf__Error",
        ResultKind::Unprocessed => return csv,
    };
    let d = dialect.delimiter.byte() as char;
    let plain = format!("sf__Id{d}{second}");
    if csv.starts_with(plain.as_bytes()) {
        let quoted = format!("\"sf__Id\"{d}\"{second}\"");
        csv.splice(..plain.len(), quoted.bytes());
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::bulk::format::{ColumnDelimiter, LineEnding};

    fn upload() -> Vec<bytes::Bytes> {
        vec![bytes::Bytes::from_static(
            b"Name,ERP__c\nAcme,A-1\n,A-2\n\"Big, Co\",A-3\n",
        )]
    }

    #[test]
    fn a_row_outcome_is_small_whatever_the_error() {
        assert_eq!(std::mem::size_of::<RowOutcome>(), 24);
    }

    fn outcomes() -> Vec<RowOutcome> {
        vec![
            RowOutcome::Success {
                id: SfId::parse("001000000000001AAA").unwrap(),
                created: true,
            },
            RowOutcome::failed(
                "",
                sf_error_text(
                    "REQUIRED_FIELD_MISSING",
                    "Required fields are missing: [Name]",
                    &["Name".to_string()],
                ),
            ),
            RowOutcome::Unprocessed,
        ]
    }

    #[test]
    fn sf_error_matches_the_bulk_text() {
        assert_eq!(
            sf_error_text(
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [Name]",
                &["Name".to_string()]
            ),
            "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"
        );
        assert_eq!(
            sf_error_text(
                "UNABLE_TO_LOCK_ROW",
                "unable to obtain exclusive access to this record",
                &[]
            ),
            "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--"
        );
    }

    #[test]
    fn successful_results_carry_id_created_and_original_columns() {
        let csv = write_results(
            ResultKind::Successful,
            &upload(),
            CsvDialect::default(),
            &outcomes(),
        );
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "\"sf__Id\",\"sf__Created\",Name,ERP__c\n001000000000001AAA,true,Acme,A-1\n"
        );
    }

    #[test]
    fn failed_results_carry_the_error_text() {
        let csv = write_results(
            ResultKind::Failed,
            &upload(),
            CsvDialect::default(),
            &outcomes(),
        );
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "\"sf__Id\",\"sf__Error\",Name,ERP__c\n,REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --,,A-2\n"
        );
    }

    #[test]
    fn unprocessed_records_keep_only_original_columns_and_quoting() {
        let csv = write_results(
            ResultKind::Unprocessed,
            &upload(),
            CsvDialect::default(),
            &outcomes(),
        );
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "Name,ERP__c\n\"Big, Co\",A-3\n"
        );
    }

    #[test]
    fn a_job_that_processed_nothing_gives_back_its_rows_as_uploaded() {
        // CRLF data under `lineEnding: LF` fails the job; read in that dialect each last
        // value would carry a carriage return. The file comes back as sent instead, so it can
        // be resubmitted under the right lineEnding.
        let uploads = vec![
            bytes::Bytes::from_static(b"Name,Phone\r\nBK-1,2\r\n"),
            bytes::Bytes::from_static(b"Name,Phone\r\nBK-2,3"),
            bytes::Bytes::from_static(b"Name,\"Pho\nne\"\r\nBK-3,4\r\n"),
        ];
        let csv = write_results(
            ResultKind::Unprocessed,
            &uploads,
            CsvDialect::default(),
            &[],
        );
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "Name,Phone\r\nBK-1,2\r\nBK-2,3\r\nBK-3,4\r\n"
        );
    }

    #[test]
    fn a_row_with_more_or_fewer_values_than_the_header_is_one_record_of_its_own() {
        let uploads = vec![bytes::Bytes::from_static(b"Name,Note\nA,x,extra\nB\n\"C\n")];
        let failed = RowOutcome::failed("", "INVALID_INPUT:bad:--");
        let csv = write_results(
            ResultKind::Failed,
            &uploads,
            CsvDialect::default(),
            &[failed.clone(), failed.clone(), failed],
        );
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "\"sf__Id\",\"sf__Error\",Name,Note\n,INVALID_INPUT:bad:--,A,x,extra\n,INVALID_INPUT:bad:--,B\n,INVALID_INPUT:bad:--,\"\"\"C\"\n"
        );
    }

    #[test]
    fn results_use_the_job_dialect() {
        let dialect = CsvDialect {
            delimiter: ColumnDelimiter::Tab,
            line_ending: LineEnding::Crlf,
        };
        let uploads = vec![bytes::Bytes::from_static(b"Name\r\nAcme\r\n")];
        let csv = write_results(
            ResultKind::Successful,
            &uploads,
            dialect,
            &[RowOutcome::Success {
                id: SfId::parse("001000000000001AAA").unwrap(),
                created: false,
            }],
        );
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "\"sf__Id\"\t\"sf__Created\"\tName\r\n001000000000001AAA\tfalse\tAcme\r\n"
        );
    }

    #[test]
    fn result_paths_match_in_any_case() {
        assert_eq!(
            ResultKind::from_segment("unprocessedrecords"),
            Some(ResultKind::Unprocessed)
        );
        assert_eq!(
            ResultKind::from_segment("unprocessedRecords"),
            Some(ResultKind::Unprocessed)
        );
        assert_eq!(
            ResultKind::from_segment("FailedResults"),
            Some(ResultKind::Failed)
        );
        assert_eq!(ResultKind::from_segment("batches"), None);
    }
}
