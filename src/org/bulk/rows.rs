//! The rows of an uploaded CSV file, read the same way by the worker that applies them and by
//! the result files that echo them, so row *n* of one is row *n* of the other.
//!
//! Reading follows the CSV grammar of the job's dialect (a quoted value may span lines) and
//! the Bulk API guide's strict rules for a row ("Valid CSV Record Rows"): a value holding a
//! double quote is enclosed in double quotes, and a space before or after a double quote is an
//! error for the row (`"John", "Smith"` is not valid). A row that breaks them is cut back to
//! its own line ([`RowShape::BrokenLine`], naming the [`QuoteFault`], its values split at the
//! delimiter as sent) and fails on its own; reading resumes on the next line. So does a value
//! whose opening quote is not closed where the value ends — the quote runs on to the end of
//! the file, or pairs with a quote on a later line and leaves text after it — which would
//! otherwise swallow the rows after it.
//!
//! Implementation notes: checking a row's quoting costs a second look at its bytes, so only
//! rows that hold a double quote, span several lines or end the file are looked at; other
//! rows are read as the `csv` crate reads them. What a real org answers for an unclosed quote
//! is not verified: it may fail the row or the whole job; failing the one line keeps the rest
//! of the learner's file usable and says which line to fix. The guide calls a space around a
//! quote an error for the row; a bare quote in an unquoted value breaks its rule that such a
//! value is enclosed in quotes, and is taken to fail the row the same way [U].

use super::format::{self, CsvDialect, CsvFormatError};

/// How a row was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowShape {
    /// A CSV record.
    Record,
    /// A line whose quoting breaks the rules, split at the delimiter as sent.
    BrokenLine(QuoteFault),
}

/// How a row's double quotes break the Bulk API's CSV rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteFault {
    /// A quote opens a value but does not close where the value ends.
    Unclosed,
    /// A space between a delimiter (or the line start) and a value's opening quote.
    SpaceBefore,
    /// A space between a value's closing quote and the delimiter (or the line end).
    SpaceAfter,
    /// A double quote inside a value that is not enclosed in double quotes.
    Unenclosed,
}

/// A record the rows can be read into: the worker reads text, the result files bytes.
pub trait RowRecord {
    fn read_from(reader: &mut csv::Reader<&[u8]>, record: &mut Self) -> csv::Result<bool>;
    fn fill(&mut self, fields: &mut dyn Iterator<Item = &[u8]>);
}

impl RowRecord for csv::StringRecord {
    fn read_from(reader: &mut csv::Reader<&[u8]>, record: &mut Self) -> csv::Result<bool> {
        reader.read_record(record)
    }

    fn fill(&mut self, fields: &mut dyn Iterator<Item = &[u8]>) {
        self.clear();
        for f in fields {
            self.push_field(&String::from_utf8_lossy(f));
        }
    }
}

impl RowRecord for csv::ByteRecord {
    fn read_from(reader: &mut csv::Reader<&[u8]>, record: &mut Self) -> csv::Result<bool> {
        reader.read_byte_record(record)
    }

    fn fill(&mut self, fields: &mut dyn Iterator<Item = &[u8]>) {
        self.clear();
        for f in fields {
            self.push_field(f);
        }
    }
}

/// The rows of one upload, header row first.
pub struct UploadRows<'a> {
    data: &'a [u8],
    dialect: CsvDialect,
    reader: csv::Reader<&'a [u8]>,
    /// Where the reader's input starts in `data`.
    base: usize,
    /// Lines of `data` before the reader's input.
    lines_before: u64,
}

impl<'a> UploadRows<'a> {
    pub fn new(data: &'a [u8], dialect: CsvDialect) -> UploadRows<'a> {
        UploadRows {
            data,
            dialect,
            reader: format::reader(data, dialect),
            base: 0,
            lines_before: 0,
        }
    }

    /// Reads the next row into `record`; `None` at the end of the data. Fails only on data
    /// that is not text (a row that is not UTF-8, read as text).
    pub fn read<R: RowRecord>(
        &mut self,
        record: &mut R,
    ) -> Result<Option<RowShape>, CsvFormatError> {
        let start = self.reader.position().clone();
        let read = R::read_from(&mut self.reader, record);
        let end = self.reader.position();
        let from = self.base + start.byte() as usize;
        let to = self.base + end.byte() as usize;
        let raw = &self.data[from..to];
        // A byte order mark before the first row is no part of its first value (the reader
        // skips it too).
        let raw = match from {
            0 => raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw),
            _ => raw,
        };
        match &read {
            Ok(false) => return Ok(None),
            Ok(true)
                if end.line() == start.line() + 1
                    && to < self.data.len()
                    && !raw.contains(&b'"') =>
            {
                return Ok(Some(RowShape::Record))
            }
            _ => {}
        }
        // A row with a quote, over several lines, the last row (a quote left open runs to
        // the end of the data), or one that is not text (an open quote may have swallowed the
        // line that is not): is its quoting sound?
        let Some(fault) = quote_fault(raw, self.dialect.delimiter.byte()) else {
            return match read {
                Ok(_) => Ok(Some(RowShape::Record)),
                Err(e) => Err(CsvFormatError::unreadable(
                    self.lines_before + e.position().map_or(start.line(), |p| p.line()),
                    &e,
                )),
            };
        };
        self.cut_back_to_line(from, start.line(), record);
        Ok(Some(RowShape::BrokenLine(fault)))
    }

    /// Makes the row starting at `from` (on the reader's line `line`) the rest of its own
    /// line, and resumes reading after that line.
    fn cut_back_to_line<R: RowRecord>(&mut self, mut from: usize, mut line: u64, record: &mut R) {
        // Blank lines before the row are skipped by the reader; skip them here too.
        while let Some(&b) = self.data.get(from).filter(|b| matches!(b, b'\n' | b'\r')) {
            if b == b'\n' {
                line += 1;
            }
            from += 1;
        }
        let rest = &self.data[from..];
        let (text, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(nl) => (&rest[..nl], from + nl + 1),
            None => (rest, self.data.len()),
        };
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let delimiter = self.dialect.delimiter.byte();
        record.fill(&mut text.split(move |&b| b == delimiter));
        self.lines_before += line;
        self.base = next;
        self.reader = format::reader(&self.data[next..], self.dialect);
    }
}

/// How `raw` (one record's bytes) breaks the quoting rules, if it does: every quoted value
/// must close where the value ends, with no space between a quote and the delimiter or line
/// end, and a value that is not quoted may hold no quote.
fn quote_fault(raw: &[u8], delimiter: u8) -> Option<QuoteFault> {
    #[derive(Clone, Copy)]
    enum At {
        FieldStart,
        /// Only spaces so far in this value.
        Spaces,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut at = At::FieldStart;
    for &b in raw {
        let ends_field = b == delimiter || b == b'\n' || b == b'\r';
        at = match (at, b) {
            (At::FieldStart, b'"') => At::Quoted,
            (At::Spaces, b'"') => return Some(QuoteFault::SpaceBefore),
            (At::Unquoted, b'"') => return Some(QuoteFault::Unenclosed),
            (At::FieldStart | At::Spaces | At::Unquoted, _) if ends_field => At::FieldStart,
            (At::FieldStart | At::Spaces, b' ') => At::Spaces,
            (At::FieldStart | At::Spaces | At::Unquoted, _) => At::Unquoted,
            (At::Quoted, b'"') => At::QuoteInQuoted,
            (At::Quoted, _) => At::Quoted,
            (At::QuoteInQuoted, b'"') => At::Quoted,
            (At::QuoteInQuoted, _) if ends_field => At::FieldStart,
            (At::QuoteInQuoted, b' ') => return Some(QuoteFault::SpaceAfter),
            (At::QuoteInQuoted, _) => return Some(QuoteFault::Unclosed),
        };
    }
    matches!(at, At::Quoted).then_some(QuoteFault::Unclosed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::bulk::format::{ColumnDelimiter, LineEnding};

    fn rows(data: &[u8], dialect: CsvDialect) -> Vec<(RowShape, Vec<String>)> {
        let mut rows = UploadRows::new(data, dialect);
        let mut record = csv::StringRecord::new();
        let mut out = Vec::new();
        while let Some(shape) = rows.read(&mut record).unwrap() {
            out.push((shape, record.iter().map(str::to_string).collect()));
        }
        out
    }

    fn values(rows: &[(RowShape, Vec<String>)]) -> Vec<Vec<&str>> {
        rows.iter()
            .map(|(_, v)| v.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn well_formed_rows_read_as_the_csv_crate_reads_them() {
        let data = b"Name,Note\nA,\"x, y\"\n\"B \"\"Q\"\"\",\"two\nlines\"\n\nC,z";
        let got = rows(data, CsvDialect::default());
        assert!(got.iter().all(|(s, _)| *s == RowShape::Record));
        assert_eq!(
            values(&got),
            [
                vec!["Name", "Note"],
                vec!["A", "x, y"],
                vec!["B \"Q\"", "two\nlines"],
                vec!["C", "z"]
            ]
        );
    }

    #[test]
    fn a_quote_left_open_to_the_end_fails_only_its_own_line() {
        let got = rows(b"Name,Note\nA,x\n\"B,y\nC,z\n", CsvDialect::default());
        assert_eq!(got[2].0, RowShape::BrokenLine(QuoteFault::Unclosed));
        assert_eq!(
            values(&got),
            [
                vec!["Name", "Note"],
                vec!["A", "x"],
                vec!["\"B", "y"],
                vec!["C", "z"]
            ]
        );
    }

    #[test]
    fn a_quote_that_pairs_with_a_later_line_fails_only_its_own_line() {
        let got = rows(
            b"Name,Note\n\"B,y\nC,z\n\"D, E\",\"two\nlines\"\n",
            CsvDialect::default(),
        );
        assert_eq!(got[1].0, RowShape::BrokenLine(QuoteFault::Unclosed));
        assert_eq!(
            values(&got),
            [
                vec!["Name", "Note"],
                vec!["\"B", "y"],
                vec!["C", "z"],
                vec!["D, E", "two\nlines"]
            ]
        );
    }

    #[test]
    fn recovery_keeps_the_dialect_and_drops_the_carriage_return() {
        let d = CsvDialect {
            delimiter: ColumnDelimiter::Pipe,
            line_ending: LineEnding::Crlf,
        };
        let got = rows(b"Name|Note\r\n\"B|y\r\nC|z\r\n", d);
        assert_eq!(
            got[1],
            (
                RowShape::BrokenLine(QuoteFault::Unclosed),
                vec!["\"B".into(), "y".into()]
            )
        );
        assert_eq!(got[2], (RowShape::Record, vec!["C".into(), "z".into()]));
    }

    #[test]
    fn text_that_is_not_utf8_names_its_line_after_a_recovery() {
        let mut rows = UploadRows::new(b"Name\n\"B\nC\nD\xff\n", CsvDialect::default());
        let mut record = csv::StringRecord::new();
        let mut shapes = Vec::new();
        let err = loop {
            match rows.read(&mut record) {
                Ok(Some(s)) => shapes.push(s),
                Ok(None) => panic!("the bad line was read"),
                Err(e) => break e,
            }
        };
        assert_eq!(
            shapes,
            [
                RowShape::Record,
                RowShape::BrokenLine(QuoteFault::Unclosed),
                RowShape::Record
            ]
        );
        assert!(
            matches!(err, CsvFormatError::NotUtf8 { line: 4 }),
            "{err:?}"
        );
        let said = err.to_string();
        assert!(
            said.contains("Line 4 is not valid UTF-8") && said.contains("save the file as UTF-8"),
            "{said}"
        );
        assert!(!said.contains("columnDelimiter"), "{said}");
    }

    #[test]
    fn quoting_is_checked_value_by_value() {
        assert_eq!(quote_fault(b"\"a\"\"b\",c\n", b','), None);
        assert_eq!(quote_fault(b"\"a \"\" b\",  c,\"\"\n", b','), None);
        assert_eq!(quote_fault(b"\"a,b\n", b','), Some(QuoteFault::Unclosed));
        assert_eq!(
            quote_fault(b"\"a\nb\"c,d\n", b','),
            Some(QuoteFault::Unclosed)
        );
        assert_eq!(
            quote_fault(b"a\"b,\"c\nd\"\n", b','),
            Some(QuoteFault::Unenclosed)
        );
        assert_eq!(
            quote_fault(b"\"John\", \"Smith\"\n", b','),
            Some(QuoteFault::SpaceBefore)
        );
        assert_eq!(
            quote_fault(b"\"John\" ,Smith\n", b','),
            Some(QuoteFault::SpaceAfter)
        );
        assert_eq!(
            quote_fault(b"x|\"John\" \n", b'|'),
            Some(QuoteFault::SpaceAfter)
        );
    }

    #[test]
    fn a_byte_order_mark_before_a_quoted_header_is_not_a_bare_quote() {
        let got = rows(
            b"\xEF\xBB\xBF\"Name\",\"Note\"\n\"A\",\"x\"\n",
            CsvDialect::default(),
        );
        assert!(got.iter().all(|(s, _)| *s == RowShape::Record), "{got:?}");
        assert_eq!(values(&got)[1], ["A", "x"]);
    }

    #[test]
    fn a_space_around_a_quote_or_a_bare_quote_fails_only_its_row() {
        let got = rows(
            b"FirstName,LastName\n\"SQ John\", \"Smith\"\n\"SQ J2\" ,x\nBad \"quote,y\nJohn, Smith\n\"Ok \"\"Q\"\"\",z\n",
            CsvDialect::default(),
        );
        let shapes: Vec<RowShape> = got.iter().map(|(s, _)| *s).collect();
        assert_eq!(
            shapes,
            [
                RowShape::Record,
                RowShape::BrokenLine(QuoteFault::SpaceBefore),
                RowShape::BrokenLine(QuoteFault::SpaceAfter),
                RowShape::BrokenLine(QuoteFault::Unenclosed),
                RowShape::Record,
                RowShape::Record,
            ]
        );
        assert_eq!(
            values(&got)[1..],
            [
                vec!["\"SQ John\"", " \"Smith\""],
                vec!["\"SQ J2\" ", "x"],
                vec!["Bad \"quote", "y"],
                vec!["John", " Smith"],
                vec!["Ok \"Q\"", "z"],
            ]
        );
    }
}
