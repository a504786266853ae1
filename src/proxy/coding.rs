//! Content codings (`Content-Encoding: gzip` / `deflate`) at the proxy: bodies travel between
//! the learner's code and the org as they were sent, compressed or not, while the record (and
//! fault matching, and the rules) read their text.
//!
//! Implementation notes: gzip and deflate are what Salesforce documents for REST and SOAP
//! ("Compression Headers"); another coding (`br`, `zstd`) is passed on untouched and recorded
//! as the bytes it is. [`Coding`] is the org's own (it inflates request bodies sent to it
//! compressed). Inflating is bounded ([`inflated`]'s `limit`, [`Inflated`]'s `keep`), so a
//! body that inflates enormously cannot exhaust memory.

pub(super) use crate::org::rest::compression::Coding;
use bytes::Bytes;
use std::io::Read;

/// A body as the record keeps it: inflated when `Content-Encoding` says gzip or deflate (and it
/// inflates within `limit`), else as sent.
pub(super) fn inflated(encoding: Option<&str>, body: &Bytes, limit: usize) -> Bytes {
    Coding::of(encoding)
        .and_then(|c| c.decode(body, limit))
        .map_or_else(|| body.clone(), Bytes::from)
}

/// The start of an inflated body and its whole inflated size, for the record, which keeps only
/// the start of a long body.
pub(super) struct Inflated {
    pub head: Vec<u8>,
    pub size: u64,
}

impl Inflated {
    /// `body` inflated with `coding`: its first `keep` bytes, and how long it is in all (counted
    /// up to `count_limit` bytes). `None` when it does not inflate (a wrong label, a cut body).
    pub(super) fn of(coding: Coding, body: &[u8], keep: usize, count_limit: u64) -> Option<Self> {
        let mut reader = coding.reader(body);
        let mut head = Vec::new();
        (&mut reader)
            .take(keep as u64)
            .read_to_end(&mut head)
            .ok()?;
        let rest = std::io::copy(&mut reader.take(count_limit), &mut std::io::sink()).ok()?;
        Some(Inflated {
            size: head.len() as u64 + rest,
            head,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gzipped_body_is_recorded_as_its_text_and_anything_else_as_sent() {
        let zipped = Bytes::from(Coding::Gzip.encode(br#"{"Name":"Zip"}"#).unwrap());
        assert_eq!(
            &inflated(Some("gzip"), &zipped, 1024)[..],
            br#"{"Name":"Zip"}"#
        );
        assert_eq!(inflated(None, &zipped, 1024), zipped);
        assert_eq!(inflated(Some("br"), &zipped, 1024), zipped);
        let junk = Bytes::from_static(b"not gzip");
        assert_eq!(inflated(Some("gzip"), &junk, 1024), junk);
        assert_eq!(inflated(Some("gzip"), &zipped, 4), zipped, "past the limit");
    }

    #[test]
    fn deflate_round_trips() {
        let z = Coding::Deflate.encode(b"serverUrl").unwrap();
        assert_eq!(Coding::of(Some(" Deflate ")), Some(Coding::Deflate));
        assert_eq!(Coding::Deflate.decode(&z, 100).unwrap(), b"serverUrl");
    }

    #[test]
    fn a_long_inflated_body_keeps_its_start_and_counts_its_size() {
        let text = b"Name\n".repeat(10_000);
        let zipped = Coding::Gzip.encode(&text).unwrap();
        let got = Inflated::of(Coding::Gzip, &zipped, 12, u64::MAX).unwrap();
        assert_eq!(got.head, b"Name\nName\nNa");
        assert_eq!(got.size, 50_000);
        assert!(Inflated::of(Coding::Gzip, b"plain", 12, u64::MAX).is_none());
    }
}
