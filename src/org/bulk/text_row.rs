//! One row of an upload as the worker applies it: its values as text, in one buffer.
//!
//! A row split from a plain stretch (see `super::plain_rows`) is its line copied once, each
//! value a range of it; a row the `csv` reader reads (quoted values) is copied value by value.
//! Reused from row to row, a row costs no allocation of its own.

use std::ops::Range;

/// The values of one row.
#[derive(Debug, Clone, Default)]
pub struct TextRow {
    text: String,
    values: Vec<Range<usize>>,
    /// What the `csv` reader reads into, before the values are copied here.
    read: csv::StringRecord,
}

impl TextRow {
    /// The number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The `i`-th value.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.values.get(i).map(|r| &self.text[r.clone()])
    }

    /// The values in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.values.iter().map(|r| &self.text[r.clone()])
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.values.clear();
    }

    /// Adds a value after the others.
    pub fn push(&mut self, value: &str) {
        let start = self.text.len();
        self.text.push_str(value);
        self.values.push(start..self.text.len());
    }

    /// Makes the row `line` split at `delimiter` (an ASCII byte, so each place it is found is
    /// a character boundary).
    pub fn split_line(&mut self, line: &str, delimiter: u8) {
        self.clear();
        self.text.push_str(line);
        super::plain_rows::split_values(line.as_bytes(), delimiter, |value| {
            self.values.push(value)
        });
    }

    /// Reads the reader's next row; false at the end of its data.
    pub fn read_from(&mut self, reader: &mut csv::Reader<&[u8]>) -> csv::Result<bool> {
        let mut read = std::mem::take(&mut self.read);
        let result = reader.read_record(&mut read);
        if let Ok(true) = result {
            self.clear();
            for value in read.iter() {
                self.push(value);
            }
        }
        self.read = read;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(row: &TextRow) -> Vec<&str> {
        row.iter().collect()
    }

    #[test]
    fn a_split_line_has_a_value_between_each_pair_of_delimiters() {
        let mut row = TextRow::default();
        row.push("left over");
        row.split_line("Açme;;x;", b';');
        assert_eq!(values(&row), ["Açme", "", "x", ""]);
        assert_eq!((row.len(), row.get(2), row.get(4)), (4, Some("x"), None));
        row.split_line("", b',');
        assert_eq!(values(&row), [""]);
    }

    #[test]
    fn a_long_line_splits_at_every_delimiter_and_no_byte_next_to_one() {
        // A delimiter's neighbour one above it ('-' after ',') is where a word-at-a-time
        // search can be fooled; lines of every length cross the eight-byte words.
        for delimiter in [b',', b';', b'\t', b'|', b'^', b'`'] {
            let d = delimiter as char;
            let next = (delimiter + 1) as char;
            for len in 0..40 {
                let line: String = (0..len)
                    .map(|i| match i % 5 {
                        0 | 3 => d,
                        1 => next,
                        _ => 'é',
                    })
                    .collect();
                let mut row = TextRow::default();
                row.split_line(&line, delimiter);
                let want: Vec<&str> = line.split(d).collect();
                assert_eq!(values(&row), want, "{line:?}");
            }
        }
    }

    #[test]
    fn a_row_read_by_the_reader_keeps_its_unquoted_values() {
        let data = "a,b\n\"x,1\",\"say \"\"hi\"\"\"\n";
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(data.as_bytes());
        let mut row = TextRow::default();
        assert!(row.read_from(&mut reader).unwrap());
        assert!(row.read_from(&mut reader).unwrap());
        assert_eq!(values(&row), ["x,1", "say \"hi\""]);
        assert!(!row.read_from(&mut reader).unwrap());
        assert_eq!(values(&row), ["x,1", "say \"hi\""]);
    }
}
