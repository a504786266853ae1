//! Stretches of an upload that can be read without the CSV grammar, and the rows in them.
//!
//! Where a file holds no double quote, its values cannot be quoted, so a row is its line and
//! its values are the line split at the delimiter — what the `csv` crate's reader would give,
//! found several times faster with a byte search. [`PlainStretch`] finds such stretches ahead
//! of the reading position, a block at a time; [`plain_row`] reads one row inside one.
//!
//! A stretch is *plain* when it holds no double quote, is UTF-8, and — in a CRLF file, where a
//! lone carriage return also ends a row — has a carriage return only before a line feed. Rows
//! are read as the job's `csv` reader reads them (see `super::format::reader`): blank lines are
//! skipped (in a CRLF file, `\r\n` too; in an LF file `\r` is text), there is no trimming, and
//! rows may differ in length.

use std::ops::Range;

/// How far ahead a stretch is looked for at a time.
pub const BLOCK: usize = 256 * 1024;

/// A stretch of plain bytes ahead of the reading position, found lazily.
#[derive(Debug, Clone)]
pub struct PlainStretch {
    block: usize,
    crlf: bool,
    from: usize,
    /// `data[from..until]` is plain.
    until: usize,
    /// The stretch ends at `until` for good (a quote, a lone carriage return, bytes that are
    /// not UTF-8, or the end of the data), rather than where looking ahead stopped.
    ends: bool,
}

impl PlainStretch {
    pub fn new(crlf: bool, block: usize) -> PlainStretch {
        PlainStretch {
            block: block.max(1),
            crlf,
            from: 0,
            until: 0,
            ends: false,
        }
    }

    /// How many plain bytes lie ahead of `at` in `data`, looking further ahead while fewer
    /// than `want` are known and the stretch has not ended.
    pub fn ahead(&mut self, data: &[u8], at: usize, want: usize) -> usize {
        if at < self.from || at > self.until {
            *self = PlainStretch {
                from: at,
                until: at,
                ends: at >= data.len(),
                ..*self
            };
        }
        while !self.ends && self.until - at < want {
            // A block too short to settle anything (a character cut by its end) grows.
            let mut size = self.block;
            loop {
                let end = data.len().min(self.until + size);
                let (len, ends) = plain_prefix(data, self.until, end, self.crlf);
                if len > 0 || ends {
                    self.until += len;
                    self.ends = ends;
                    break;
                }
                size *= 2;
            }
        }
        self.until - at
    }

    /// Whether the stretch, as found so far, runs to the end of `data`.
    pub fn reaches_end(&self, data: &[u8]) -> bool {
        self.until == data.len()
    }
}

/// The length of the plain prefix of `data[from..end]` (cut before a character split at
/// `end`), and whether the stretch ends there: at something not plain, or at the data's end.
fn plain_prefix(data: &[u8], from: usize, end: usize, crlf: bool) -> (usize, bool) {
    let last = end == data.len();
    let block = &data[from..end];
    let (stop, stopped) = match first_stop(data, from, end, crlf) {
        Some(i) => (i - from, true),
        None => (block.len(), false),
    };
    match std::str::from_utf8(&block[..stop]) {
        Ok(_) => (stop, stopped || last),
        // A character cut by the block's end is read with the next block.
        Err(e) if e.error_len().is_none() && !stopped && !last => (e.valid_up_to(), false),
        Err(e) => (e.valid_up_to(), true),
    }
}

/// The first byte of `data[from..end]` that ends a plain stretch: a double quote, or in a
/// CRLF file a carriage return not followed by a line feed.
fn first_stop(data: &[u8], from: usize, end: usize, crlf: bool) -> Option<usize> {
    let block = &data[from..end];
    if !crlf {
        return memchr::memchr(b'"', block).map(|i| from + i);
    }
    memchr::memchr2_iter(b'"', b'\r', block)
        .map(|i| from + i)
        .find(|&i| !(data[i] == b'\r' && data.get(i + 1) == Some(&b'\n')))
}

/// One row read from a plain stretch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainRow {
    /// Where the row's bytes are (blank lines before it passed, its line ending left out),
    /// and where the next row starts.
    Row {
        start: usize,
        end: usize,
        next: usize,
    },
    /// Only blank lines are left before the end of the data.
    End,
}

/// The row starting at `at` when it lies wholly in the plain stretch `data[at..until]`;
/// `None` when the row runs past it (the `csv` reader must read it).
pub fn plain_row(data: &[u8], at: usize, until: usize, crlf: bool) -> Option<PlainRow> {
    let mut p = at;
    while p < until && (data[p] == b'\n' || (crlf && data[p] == b'\r')) {
        p += 1;
    }
    if p == until {
        return (until == data.len()).then_some(PlainRow::End);
    }
    let (line_end, next) = match memchr::memchr(b'\n', &data[p..until]) {
        Some(i) => (p + i, p + i + 1),
        None if until == data.len() => (until, until),
        None => return None,
    };
    let end = match crlf && line_end > p && data[line_end - 1] == b'\r' {
        true => line_end - 1,
        false => line_end,
    };
    Some(PlainRow::Row {
        start: p,
        end,
        next,
    })
}

/// Calls `value` with the place of each value of the plain row `line`: the stretches between
/// the `delimiter`s (an ASCII byte, so each place is a character boundary of a text row).
pub fn split_values(line: &[u8], delimiter: u8, mut value: impl FnMut(Range<usize>)) {
    let mut start = 0;
    // Eight bytes at a time: the delimiters among them are the zero bytes of the word XOR-ed
    // with eight delimiters.
    let mut words = line.chunks_exact(8);
    let mut base = 0;
    for word in &mut words {
        let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let mut found = zero_bytes(word ^ u64::from_le_bytes([delimiter; 8]));
        while found != 0 {
            let at = base + (found.trailing_zeros() / 8) as usize;
            value(start..at);
            start = at + 1;
            found &= found - 1;
        }
        base += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        if b == delimiter {
            value(start..base + i);
            start = base + i + 1;
        }
    }
    value(start..line.len());
}

/// The high bit of each byte of `word` that is zero, and no other bit (exact for every byte:
/// no borrow runs from one byte into the next).
fn zero_bytes(word: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    !(((word & LOW7) + LOW7) | word | LOW7)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stretch(data: &[u8], crlf: bool, block: usize) -> usize {
        PlainStretch::new(crlf, block).ahead(data, 0, usize::MAX)
    }

    #[test]
    fn a_stretch_ends_at_a_quote_whatever_the_block_size() {
        let data = "ab,c\nd,é\n\"q\"\nx\n".as_bytes();
        for block in 1..20 {
            assert_eq!(stretch(data, false, block), 10, "block {block}");
        }
    }

    #[test]
    fn a_crlf_stretch_ends_only_at_a_lone_carriage_return() {
        let data = b"a,b\r\nc,d\r\ne\rf\r\n";
        for block in 1..20 {
            assert_eq!(stretch(data, true, block), 11, "block {block}");
        }
        // In an LF file a carriage return is text.
        assert_eq!(stretch(data, false, 4), data.len());
    }

    #[test]
    fn a_stretch_ends_before_bytes_that_are_not_utf8() {
        let data = b"ok\n\xff\xfe\nmore";
        assert_eq!(stretch(data, false, 2), 3);
        let cut = "a€b".as_bytes(); // the euro sign's three bytes can fall across blocks
        for block in 1..6 {
            assert_eq!(stretch(cut, false, block), cut.len(), "block {block}");
        }
    }

    #[test]
    fn a_row_past_the_stretch_is_left_to_the_reader() {
        let data = b"a,b\nc,d";
        assert_eq!(plain_row(data, 0, 3, false), None);
        assert_eq!(
            plain_row(data, 0, 4, false),
            Some(PlainRow::Row {
                start: 0,
                end: 3,
                next: 4
            })
        );
        // The last row needs no line ending; blank lines before it are passed.
        assert_eq!(
            plain_row(b"\n\nc,d", 0, 5, false),
            Some(PlainRow::Row {
                start: 2,
                end: 5,
                next: 5
            })
        );
        assert_eq!(plain_row(b"x\n\r\n\n", 2, 5, true), Some(PlainRow::End));
    }
}
