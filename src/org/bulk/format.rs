//! The CSV dialect of a Bulk API 2.0 job: column delimiter, line ending, and reading uploads.
//!
//! Jobs name their delimiter (`COMMA`, `TAB`, `PIPE`, `SEMICOLON`, `CARET`, `BACKQUOTE`) and
//! line ending (`LF`, `CRLF`). Uploaded data must use the job's line ending; a mismatch fails
//! the job, as in a real org. Result files are written back in the same dialect.
//!
//! Implementation notes: the mismatch message follows the text real orgs are reported to
//! give ("LineEnding is invalid on user data. Current LineEnding setting is LF"); the exact
//! wording was not verified against an org.

use super::rows::QuoteFault;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ColumnDelimiter {
    Backquote,
    Caret,
    #[default]
    Comma,
    Pipe,
    Semicolon,
    Tab,
}

impl ColumnDelimiter {
    pub fn byte(self) -> u8 {
        match self {
            ColumnDelimiter::Backquote => b'`',
            ColumnDelimiter::Caret => b'^',
            ColumnDelimiter::Comma => b',',
            ColumnDelimiter::Pipe => b'|',
            ColumnDelimiter::Semicolon => b';',
            ColumnDelimiter::Tab => b'\t',
        }
    }

    /// Parses a job's `columnDelimiter` value (case-sensitive, as the API is).
    pub fn from_name(name: &str) -> Option<ColumnDelimiter> {
        serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum LineEnding {
    #[default]
    Lf,
    Crlf,
}

impl LineEnding {
    pub fn from_name(name: &str) -> Option<LineEnding> {
        serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "LF",
            LineEnding::Crlf => "CRLF",
        }
    }

    fn terminator(self) -> csv::Terminator {
        match self {
            LineEnding::Lf => csv::Terminator::Any(b'\n'),
            LineEnding::Crlf => csv::Terminator::CRLF,
        }
    }
}

impl CsvFormatError {
    /// Why the row at `line` could not be read: not UTF-8, or broken CSV.
    pub fn unreadable(line: u64, e: &csv::Error) -> CsvFormatError {
        match e.kind() {
            csv::ErrorKind::Utf8 { .. } => CsvFormatError::NotUtf8 { line },
            _ => CsvFormatError::Malformed {
                line,
                detail: e.to_string(),
            },
        }
    }
}

/// The dialect of one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CsvDialect {
    pub delimiter: ColumnDelimiter,
    pub line_ending: LineEnding,
}

/// Why uploaded data cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvFormatError {
    #[error(
        "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is {0}"
    )]
    LineEnding(&'static str),
    #[error("InvalidBatch : The uploaded data has no header row. The first line must name the fields, for example Name,Industry.")]
    NoHeader,
    #[error("InvalidBatch : Field name not found : {0}. Header names must be field names of the job's object (or relationship references like Account.ExtId__c).")]
    EmptyColumnName(String),
    #[error("InvalidBatch : Duplicate field name: {0}. Each column may appear only once in the header row.")]
    DuplicateColumn(String),
    #[error("ClientInputError : Failed to parse the CSV data at line {line}: {detail}. Check quoting and the job's columnDelimiter.")]
    Malformed { line: u64, detail: String },
    #[error("ClientInputError : Line {line} is not valid UTF-8. Bulk API 2.0 reads CSV as UTF-8 only: save the file as UTF-8 (not Latin-1 or Windows-1252) and upload it again.")]
    NotUtf8 { line: u64 },
    #[error("InvalidBatch : The header row's quoting is not valid: {}. Header names follow the same CSV rules as the rows.", header_quoting(.0))]
    HeaderQuoting(QuoteFault),
    #[error("ClientInputError : The header row has {expected} columns but line {line} has {found}. Every row needs the same number of columns; quote values that contain the delimiter.")]
    ColumnCount {
        line: u64,
        expected: usize,
        found: usize,
    },
}

/// What is wrong with a header row's quoting, and the right form (the rows' rules; see
/// `super::rows`). The job's error wording is sflab's own [U].
fn header_quoting(fault: &QuoteFault) -> &'static str {
    match fault {
        QuoteFault::Unclosed => "a name opens a double quote that does not close where the name ends",
        QuoteFault::SpaceBefore => "a space comes before an opening double quote (write Name,\"Phone\", not Name, \"Phone\")",
        QuoteFault::SpaceAfter => "a space comes after a closing double quote (write \"Name\",Phone, not \"Name\" ,Phone)",
        QuoteFault::Unenclosed => "a name holds a double quote but is not enclosed in double quotes",
    }
}

/// Checks the file's line endings against the job's setting.
///
/// Only the end of the header row is inspected, as a real org does it cheaply; quoted
/// multi-line values inside rows are allowed either way.
pub fn check_line_ending(data: &[u8], ending: LineEnding) -> Result<(), CsvFormatError> {
    let Some(nl) = memchr_newline(data) else {
        return Ok(());
    };
    let crlf = nl > 0 && data[nl - 1] == b'\r';
    match (ending, crlf) {
        (LineEnding::Lf, true) => Err(CsvFormatError::LineEnding("LF")),
        (LineEnding::Crlf, false) => Err(CsvFormatError::LineEnding("CRLF")),
        _ => Ok(()),
    }
}

fn memchr_newline(data: &[u8]) -> Option<usize> {
    // The header row is short; a quoted newline inside a header name is not a real case.
    data.iter().position(|&b| b == b'\n')
}

/// A `csv` reader configured for the dialect (headers are read explicitly by callers).
pub fn reader(data: &[u8], dialect: CsvDialect) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(dialect.delimiter.byte())
        .terminator(dialect.line_ending.terminator())
        .has_headers(false)
        .flexible(true)
        .from_reader(data)
}

/// A `csv` writer for result files in the dialect.
pub fn writer<W: std::io::Write>(out: W, dialect: CsvDialect) -> csv::Writer<W> {
    writer_quoting(out, dialect, csv::QuoteStyle::Necessary)
}

/// A `csv` writer for query results, which a real org writes with every value in quotes
/// (`"Id","Name"` / `"001…","Acme"`; null values as `""`).
pub fn query_writer<W: std::io::Write>(out: W, dialect: CsvDialect) -> csv::Writer<W> {
    writer_quoting(out, dialect, csv::QuoteStyle::Always)
}

fn writer_quoting<W: std::io::Write>(
    out: W,
    dialect: CsvDialect,
    quoting: csv::QuoteStyle,
) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .delimiter(dialect.delimiter.byte())
        .terminator(match dialect.line_ending {
            LineEnding::Lf => csv::Terminator::Any(b'\n'),
            LineEnding::Crlf => csv::Terminator::CRLF,
        })
        .quote_style(quoting)
        // A result row echoes its upload row, which may hold more or fewer values than the
        // header: each is still written as one record.
        .flexible(true)
        .from_writer(out)
}

/// Reads and validates the header row of an upload.
pub fn read_header(data: &[u8], dialect: CsvDialect) -> Result<Vec<String>, CsvFormatError> {
    check_line_ending(data, dialect.line_ending)?;
    // The header row is read as the rows are, under the same quoting rules: a header the
    // rows' rules refuse fails the job, rather than naming a column with its quotes.
    let mut record = super::text_row::TextRow::default();
    match super::rows::UploadRows::new(data, dialect).read(&mut record)? {
        None => return Err(CsvFormatError::NoHeader),
        Some(super::rows::RowShape::BrokenLine(fault)) => {
            return Err(CsvFormatError::HeaderQuoting(fault))
        }
        Some(super::rows::RowShape::Record) => {}
    }
    let mut names: Vec<String> = Vec::with_capacity(record.len());
    for raw in record.iter() {
        let name = raw.trim().trim_start_matches('\u{feff}').to_string();
        if name.is_empty() {
            return Err(CsvFormatError::EmptyColumnName(raw.to_string()));
        }
        if names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            return Err(CsvFormatError::DuplicateColumn(name));
        }
        names.push(name);
    }
    if names.is_empty() {
        return Err(CsvFormatError::NoHeader);
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialect(delimiter: ColumnDelimiter, line_ending: LineEnding) -> CsvDialect {
        CsvDialect {
            delimiter,
            line_ending,
        }
    }

    #[test]
    fn delimiter_names_follow_the_api_spelling() {
        assert_eq!(
            ColumnDelimiter::from_name("PIPE"),
            Some(ColumnDelimiter::Pipe)
        );
        assert_eq!(
            ColumnDelimiter::from_name("BACKQUOTE").map(|d| d.byte()),
            Some(b'`')
        );
        assert_eq!(ColumnDelimiter::from_name("comma"), None);
        assert_eq!(LineEnding::from_name("CRLF"), Some(LineEnding::Crlf));
    }

    #[test]
    fn crlf_file_in_an_lf_job_is_rejected() {
        let err = read_header(b"Name\r\nAcme\r\n", CsvDialect::default()).unwrap_err();
        assert_eq!(err, CsvFormatError::LineEnding("LF"));
        assert!(err.to_string().contains("Current LineEnding setting is LF"));
    }

    #[test]
    fn lf_file_in_a_crlf_job_is_rejected() {
        let d = dialect(ColumnDelimiter::Comma, LineEnding::Crlf);
        assert_eq!(
            read_header(b"Name\nAcme\n", d),
            Err(CsvFormatError::LineEnding("CRLF"))
        );
    }

    #[test]
    fn crlf_rows_parse_without_trailing_carriage_returns() {
        let d = dialect(ColumnDelimiter::Semicolon, LineEnding::Crlf);
        let data = b"Name;Industry\r\nAcme;\"Energy;Oil\"\r\nBeta;Tech\r\n";
        assert_eq!(read_header(data, d).unwrap(), vec!["Name", "Industry"]);
        let mut rdr = reader(data, d);
        let rows: Vec<Vec<String>> = rdr
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(rows[1], vec!["Acme", "Energy;Oil"]);
        assert_eq!(rows[2], vec!["Beta", "Tech"]);
    }

    #[test]
    fn tab_and_pipe_delimiters_split_columns() {
        for (d, data) in [
            (ColumnDelimiter::Tab, &b"Name\tCity\nA\tB\n"[..]),
            (ColumnDelimiter::Pipe, &b"Name|City\nA|B\n"[..]),
            (ColumnDelimiter::Caret, &b"Name^City\nA^B\n"[..]),
            (ColumnDelimiter::Backquote, &b"Name`City\nA`B\n"[..]),
        ] {
            assert_eq!(
                read_header(data, dialect(d, LineEnding::Lf)).unwrap(),
                vec!["Name", "City"]
            );
        }
    }

    #[test]
    fn duplicate_and_empty_header_names_are_rejected() {
        assert!(matches!(
            read_header(b"Name,name\n", CsvDialect::default()),
            Err(CsvFormatError::DuplicateColumn(_))
        ));
        assert!(matches!(
            read_header(b"Name,\n", CsvDialect::default()),
            Err(CsvFormatError::EmptyColumnName(_))
        ));
        assert_eq!(
            read_header(b"", CsvDialect::default()),
            Err(CsvFormatError::NoHeader)
        );
    }

    #[test]
    fn a_header_follows_the_rows_quoting_rules() {
        let d = CsvDialect::default();
        assert_eq!(
            read_header(b"\"Name\",\"Phone\"\n\"H1\",1\n", d).unwrap(),
            vec!["Name", "Phone"]
        );
        for (data, fault) in [
            (&b"\"Name\" ,Phone\n\"H1\",1\n"[..], QuoteFault::SpaceAfter),
            (&b"Name, \"Phone\"\nH1,1\n"[..], QuoteFault::SpaceBefore),
            (&b"Na\"me,Phone\nH1,1\n"[..], QuoteFault::Unenclosed),
        ] {
            let e = read_header(data, d).unwrap_err();
            assert_eq!(e, CsvFormatError::HeaderQuoting(fault));
            assert!(
                e.to_string()
                    .starts_with("InvalidBatch : The header row's quoting is not valid: "),
                "{e}"
            );
        }
    }

    #[test]
    fn writer_quotes_only_when_needed_in_the_job_dialect() {
        let mut w = writer(Vec::new(), dialect(ColumnDelimiter::Pipe, LineEnding::Crlf));
        w.write_record(["a|b", "c"]).unwrap();
        let out = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(out, "\"a|b\"|c\r\n");
    }
}
