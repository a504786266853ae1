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
//! rows are read as the `csv` crate reads them. Where the file runs on without a double quote
//! for a while (most files, for all their length), rows are split at line ends and delimiters
//! instead (`super::plain_rows`), which gives the reader's values faster; the reader takes
//! over again, placed where the split rows ended, at the first row the stretch does not hold.
//! What a real org answers for an unclosed quote is not verified: it may fail the row or the
//! whole job; failing the one line keeps the rest of the learner's file usable and says which
//! line to fix. The guide calls a space around a quote an error for the row; a bare quote in
//! an unquoted value breaks its rule that such a value is enclosed in quotes, and is taken to
//! fail the row the same way [U].

use super::format::{self, CsvDialect, CsvFormatError, LineEnding};
use super::plain_rows::{self, PlainRow, PlainStretch};
use super::text_row::TextRow;

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
    /// Fills the record with a plain row's values: `row` split at `delimiter` (ASCII).
    fn fill_plain(&mut self, row: &str, delimiter: u8);
}

impl RowRecord for TextRow {
    fn read_from(reader: &mut csv::Reader<&[u8]>, record: &mut Self) -> csv::Result<bool> {
        record.read_from(reader)
    }

    fn fill(&mut self, fields: &mut dyn Iterator<Item = &[u8]>) {
        self.clear();
        for f in fields {
            self.push(&String::from_utf8_lossy(f));
        }
    }

    fn fill_plain(&mut self, row: &str, delimiter: u8) {
        self.split_line(row, delimiter);
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

    fn fill_plain(&mut self, row: &str, delimiter: u8) {
        self.clear();
        let row = row.as_bytes();
        plain_rows::split_values(row, delimiter, |value| self.push_field(&row[value]));
    }
}

/// The rows of one upload, header row first.
pub struct UploadRows<'a> {
    data: &'a [u8],
    dialect: CsvDialect,
    reader: csv::Reader<&'a [u8]>,
    /// Where the reader's input starts in `data`.
    base: usize,
    /// Where the next row starts while rows are being split from a plain stretch; the reader
    /// is then behind, and is placed here before it reads again.
    split_at: Option<usize>,
    plain: PlainStretch,
    /// Plain text ahead, checked as UTF-8 once for all the rows split from it, and where it
    /// starts in `data`.
    text: &'a str,
    text_at: usize,
    /// How much plain text must lie ahead before splitting takes over from the reader (taking
    /// back costs a new reader, so short stretches between quoted rows are left to it);
    /// `None` never splits.
    switch_after: Option<usize>,
}

/// How much plain text must lie ahead before rows are split rather than read.
const SWITCH_AFTER: usize = 64 * 1024;

impl<'a> UploadRows<'a> {
    pub fn new(data: &'a [u8], dialect: CsvDialect) -> UploadRows<'a> {
        UploadRows::tuned(data, dialect, Some(SWITCH_AFTER), plain_rows::BLOCK)
    }

    fn tuned(
        data: &'a [u8],
        dialect: CsvDialect,
        switch_after: Option<usize>,
        block: usize,
    ) -> UploadRows<'a> {
        UploadRows {
            data,
            dialect,
            reader: format::reader(data, dialect),
            base: 0,
            split_at: None,
            plain: PlainStretch::new(dialect.line_ending == LineEnding::Crlf, block),
            text: "",
            text_at: 0,
            switch_after,
        }
    }

    /// Reads the next row by splitting it, when it lies in a plain stretch worth the switch
    /// (`Some(None)` at the end of the data); `None` leaves it to the reader, placed at it.
    fn split<R: RowRecord>(&mut self, record: &mut R) -> Option<Option<RowShape>> {
        let want = self.switch_after?;
        let at = match self.split_at {
            Some(at) => at,
            // The header row, with its byte order mark, is the reader's.
            None if self.reader.position().byte() == 0 && self.base == 0 => return None,
            None => self.base + self.reader.position().byte() as usize,
        };
        let ahead = self.plain.ahead(self.data, at, want);
        // Splitting goes on to the end of its stretch; the reader hands over to it only
        // for a long one.
        let worth = self.split_at.is_some()
            || ahead >= want
            || (ahead > 0 && self.plain.reaches_end(self.data));
        let crlf = self.dialect.line_ending == LineEnding::Crlf;
        let row = worth
            .then(|| plain_rows::plain_row(self.data, at, at + ahead, crlf))
            .flatten()
            .filter(|row| self.hold_text(row, at, ahead));
        let Some(row) = row else {
            if self.split_at.take().is_some() {
                // The reader takes over where the split rows ended.
                self.base = at;
                self.reader = format::reader(&self.data[at..], self.dialect);
            }
            return None;
        };
        Some(match row {
            PlainRow::End => {
                self.split_at = Some(self.data.len());
                None
            }
            PlainRow::Row { start, end, next } => {
                let row = &self.text[start - self.text_at..end - self.text_at];
                record.fill_plain(row, self.dialect.delimiter.byte());
                self.split_at = Some(next);
                Some(RowShape::Record)
            }
        })
    }

    /// Makes `text` hold `row`, found in the plain stretch of `ahead` bytes from `at`
    /// (checking the stretch as text once); false if it is not text after all.
    fn hold_text(&mut self, row: &PlainRow, at: usize, ahead: usize) -> bool {
        let PlainRow::Row { end, .. } = *row else {
            return true;
        };
        if at >= self.text_at && end <= self.text_at + self.text.len() {
            return true;
        }
        match std::str::from_utf8(&self.data[at..at + ahead]) {
            Ok(text) => {
                (self.text, self.text_at) = (text, at);
                true
            }
            // Not reached: a plain stretch is UTF-8 and starts at a row.
            Err(_) => false,
        }
    }

    /// Reads the next row into `record`; `None` at the end of the data. Fails only on data
    /// that is not text (a row that is not UTF-8, read as text).
    pub fn read<R: RowRecord>(
        &mut self,
        record: &mut R,
    ) -> Result<Option<RowShape>, CsvFormatError> {
        if let Some(split) = self.split(record) {
            return Ok(split);
        }
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
                    self.line_at(
                        self.base + e.position().map_or(start.byte(), |p| p.byte()) as usize,
                    ),
                    &e,
                )),
            };
        };
        self.cut_back_to_line(from, record);
        Ok(Some(RowShape::BrokenLine(fault)))
    }

    /// Makes the row starting at `from` the rest of its own line, and resumes reading after
    /// that line.
    fn cut_back_to_line<R: RowRecord>(&mut self, mut from: usize, record: &mut R) {
        // Blank lines before the row are skipped by the reader; skip them here too.
        while matches!(self.data.get(from), Some(b'\n' | b'\r')) {
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
        self.base = next;
        self.reader = format::reader(&self.data[next..], self.dialect);
    }
}

impl UploadRows<'_> {
    /// The line (from 1) of the row whose reading starts at byte `from`, past the line endings
    /// the reader skips there (the `csv` crate's own line count stops before them).
    fn line_at(&self, from: usize) -> u64 {
        let skipped = |b: &&u8| match self.dialect.line_ending {
            LineEnding::Lf => **b == b'\n',
            LineEnding::Crlf => matches!(**b, b'\n' | b'\r'),
        };
        let start = from + self.data[from..].iter().take_while(skipped).count();
        1 + memchr::memchr_iter(b'\n', &self.data[..start]).count() as u64
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
        let mut record = TextRow::default();
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
        let mut record = TextRow::default();
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

    /// A row read, with its values as bytes, or the error that ended the reading.
    type ReadRow = Result<(RowShape, Vec<Vec<u8>>), String>;

    /// Every row (or the error ending the reading) and its values, as bytes.
    fn all_rows<R: RowRecord + Default>(
        mut rows: UploadRows<'_>,
        values: fn(&R) -> Vec<Vec<u8>>,
    ) -> Vec<ReadRow> {
        let mut record = R::default();
        let mut out = Vec::new();
        loop {
            match rows.read(&mut record) {
                Ok(Some(shape)) => out.push(Ok((shape, values(&record)))),
                Ok(None) => return out,
                Err(e) => {
                    out.push(Err(e.to_string()));
                    return out;
                }
            }
        }
    }

    /// A small random CSV file: mostly plain rows, with now and then a quoted value, a bare
    /// quote, a blank line, a lone carriage return, bytes that are not UTF-8 or a byte order
    /// mark, so plain stretches start and end in every kind of place.
    fn random_file(seed: &mut u64, delimiter: u8, crlf: bool) -> Vec<u8> {
        let mut next = |n: u64| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            *seed % n
        };
        let mut data = Vec::new();
        if next(8) == 0 {
            data.extend_from_slice(b"\xEF\xBB\xBF");
        }
        let ending: &[u8] = if crlf { b"\r\n" } else { b"\n" };
        data.extend_from_slice(b"A");
        data.push(delimiter);
        data.extend_from_slice(b"B");
        data.extend_from_slice(ending);
        for _ in 0..next(30) {
            for v in 0..1 + next(4) {
                if v > 0 {
                    data.push(delimiter);
                }
                for _ in 0..next(5) {
                    let piece: &[u8] = match next(40) {
                        0 => b"\"q\"",
                        1 => b"\"x\ny\"",
                        2 => b"\r",
                        3 => b"\xff",
                        4 => b" ",
                        5 | 6 => "é€".as_bytes(),
                        7 => b"\"",
                        _ => b"ab",
                    };
                    data.extend_from_slice(piece);
                }
            }
            match next(12) {
                0 => data.extend_from_slice(ending),
                1 => data.push(b'\n'),
                2 => {}
                _ => {}
            }
            if !(next(10) == 0 && data.last() != Some(&b'\n')) {
                data.extend_from_slice(ending);
            }
        }
        if next(3) == 0 {
            data.truncate(data.len() - ending.len().min(data.len()));
        }
        data
    }

    #[test]
    fn split_rows_are_the_rows_the_reader_reads() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for case in 0..4000 {
            let delimiter = [b',', b'\t', b'|', b';'][case % 4];
            let crlf = case % 3 == 0;
            let data = random_file(&mut seed, delimiter, crlf);
            let dialect = CsvDialect {
                delimiter: match delimiter {
                    b',' => ColumnDelimiter::Comma,
                    b'\t' => ColumnDelimiter::Tab,
                    b'|' => ColumnDelimiter::Pipe,
                    _ => ColumnDelimiter::Semicolon,
                },
                line_ending: if crlf {
                    LineEnding::Crlf
                } else {
                    LineEnding::Lf
                },
            };
            let switch = 1 + case % 23;
            let block = 1 + case % 7;
            let text = |r: &TextRow| r.iter().map(|v| v.as_bytes().to_vec()).collect();
            let bytes = |r: &csv::ByteRecord| r.iter().map(<[u8]>::to_vec).collect();
            let read = UploadRows::tuned(&data, dialect, None, 1);
            let split = UploadRows::tuned(&data, dialect, Some(switch), block);
            assert_eq!(
                all_rows(split, text),
                all_rows(read, text),
                "case {case}: {:?}",
                String::from_utf8_lossy(&data)
            );
            let read = UploadRows::tuned(&data, dialect, None, 1);
            let split = UploadRows::tuned(&data, dialect, Some(switch), block);
            assert_eq!(
                all_rows(split, bytes),
                all_rows(read, bytes),
                "case {case} as bytes: {:?}",
                String::from_utf8_lossy(&data)
            );
        }
    }

    #[test]
    fn a_long_plain_file_is_read_by_splitting() {
        let mut data = b"Name,N\n".to_vec();
        for i in 0..20_000 {
            data.extend_from_slice(format!("row {i},{i}\n").as_bytes());
        }
        data.extend_from_slice(b"\"last, quoted\",1\n");
        let mut rows = UploadRows::new(&data, CsvDialect::default());
        let mut record = TextRow::default();
        let mut read = 0;
        let mut last = String::new();
        while let Some(RowShape::Record) = rows.read(&mut record).unwrap() {
            read += 1;
            last = record.get(0).unwrap().to_string();
        }
        assert_eq!(read, 20_002);
        assert_eq!(last, "last, quoted");
        // The reader took over only for the quoted row at the end.
        assert_eq!(rows.base, data.len() - b"\"last, quoted\",1\n".len());
    }
}
