//! Keys named more than once in one list of writes: the same record Id twice in an update or
//! delete, the same external id twice in an upsert. A real org refuses every row of the list
//! that repeats a key, since it cannot tell which one the caller meant; the other rows go
//! ahead. The list is a Bulk API batch of 200 rows, or one sObject Collections call.
//!
//! Implementation notes — the evidence:
//! - An Apex upsert of 200 records whose first and last share an external id fails with
//!   `DUPLICATE_VALUE, Duplicate external id specified: 1: [Test__c]` on row 0 — the *first*
//!   of the pair, so not only the later copy fails; with 201 records (the pair in different
//!   chunks of 200) nothing fails (salesforce.stackexchange.com/questions/296121).
//! - Data Loader updates and upserts with one Id on several rows of the same batch fail with
//!   `Duplicate id specified: 0013000000auCyTAAU`; in different batches each row is applied in
//!   turn (Salesforce Help, knowledge article 000384876).
//!   (Apex's own `Duplicate id in list: …` is a ListException that fails the whole DML
//!   statement; the APIs report per row, as here.)
//! - The status code of the Id case is not shown in that article: DUPLICATE_VALUE is assumed,
//!   as for external ids. Whether every copy fails (rather than all but one) is inferred from
//!   the row-0 failure above, not observed for Ids.
//!
//! Finding repeats is O(keys) with a hash table kept between lists, so the Bulk worker pays
//! one hash and about one table probe per row, and no allocation.

use crate::org::error::{ErrorCode, SfError};

/// What a key names, which decides when two keys are the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A record Id: the 15- and 18-character forms of one Id are the same key.
    RecordId,
    /// An external id value, compared as the field's unique index compares it.
    ExternalId { case_sensitive: bool },
}

impl KeyKind {
    fn normal(self, key: &str) -> &str {
        match self {
            // The 18-character form is the 15-character one plus a checksum of its case.
            KeyKind::RecordId if key.len() == 18 && key.is_ascii() => &key[..15],
            _ => key,
        }
    }

    fn same(self, a: &str, b: &str) -> bool {
        let (a, b) = (self.normal(a), self.normal(b));
        match self {
            KeyKind::ExternalId {
                case_sensitive: false,
            } => {
                a.eq_ignore_ascii_case(b) || (!a.is_ascii() && a.to_lowercase() == b.to_lowercase())
            }
            _ => a == b,
        }
    }

    fn hash(self, key: &str) -> u64 {
        let key = self.normal(key);
        match self {
            KeyKind::ExternalId {
                case_sensitive: false,
            } if !key.is_ascii() => word_hash(key.to_lowercase().as_bytes(), 0),
            KeyKind::ExternalId {
                case_sensitive: false,
            } => word_hash(key.as_bytes(), ASCII_CASE_BIT),
            _ => word_hash(key.as_bytes(), 0),
        }
    }
}

/// Setting this bit in every byte makes ASCII letters lower case. It also merges some other
/// characters (`@` and `` ` ``), which only costs a comparison: keys with equal hashes are
/// compared whole.
const ASCII_CASE_BIT: u64 = 0x2020_2020_2020_2020;

/// An FxHash-style hash of `bytes` eight at a time, with `fold` set in every word. The last
/// word overlaps the one before it rather than being copied out (keys of one length are read
/// the same way, so equal keys hash equal).
fn word_hash(bytes: &[u8], fold: u64) -> u64 {
    const K: u64 = 0xf135_7aea_2e62_a9c5;
    let mix = |h: u64, w: u64| (h.rotate_left(5) ^ (w | fold)).wrapping_mul(K);
    let n = bytes.len();
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
    let half = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or_default());
    let mut h = n as u64;
    if n >= 8 {
        let mut at = 0;
        while at + 8 <= n {
            h = mix(h, word(at));
            at += 8;
        }
        if at < n {
            h = mix(h, word(n - 8));
        }
    } else if n >= 4 {
        h = mix(h, u64::from(half(0)) << 32 | u64::from(half(n - 4)));
    } else if n > 0 {
        let b = |at: usize| u64::from(bytes[at]);
        h = mix(h, b(0) << 16 | b(n / 2) << 8 | b(n - 1));
    }
    h
}

/// Finds the repeated keys of one list after another, reusing its memory.
///
/// An open-addressing table of at least twice as many slots as keys, each holding a key's
/// position plus one (0: empty); slots are picked by the high bits of the key's hash, and two
/// keys are compared only when their whole hashes are equal.
#[derive(Debug, Default)]
pub struct RepeatedKeys {
    slots: Vec<u32>,
    hashes: Vec<u64>,
    repeated: Vec<bool>,
}

impl RepeatedKeys {
    pub fn new() -> RepeatedKeys {
        RepeatedKeys::default()
    }

    /// Marks which of the `n` keys `key(0..n)` occur more than once in the list (every copy
    /// is marked). An empty key names nothing and is never a repeat.
    pub fn find<'k>(&mut self, n: usize, kind: KeyKind, key: impl Fn(usize) -> &'k str) -> &[bool] {
        let bits = (2 * n.max(1)).next_power_of_two().trailing_zeros().max(4);
        let mask = (1usize << bits) - 1;
        self.slots.clear();
        self.slots.resize(mask + 1, 0);
        self.hashes.clear();
        self.repeated.clear();
        self.repeated.resize(n, false);
        for i in 0..n {
            let k = key(i);
            let h = if k.is_empty() { 0 } else { kind.hash(k) };
            self.hashes.push(h);
            if k.is_empty() {
                continue;
            }
            let mut at = (h >> (64 - bits)) as usize;
            loop {
                let slot = self.slots[at] as usize;
                if slot == 0 {
                    self.slots[at] = i as u32 + 1;
                    break;
                }
                let j = slot - 1;
                if self.hashes[j] == h && kind.same(key(j), k) {
                    self.repeated[i] = true;
                    self.repeated[j] = true;
                    break;
                }
                at = (at + 1) & mask;
            }
        }
        &self.repeated
    }
}

/// The per-row error of an external id repeated in the list.
pub fn repeated_external_id(value: &str, field: &str) -> SfError {
    SfError::new(
        ErrorCode::DUPLICATE_VALUE,
        format!("Duplicate external id specified: {value}"),
    )
    .with_fields(vec![field.to_string()])
}

/// The per-row error of a record Id repeated in the list.
pub fn repeated_id(id: &str) -> SfError {
    SfError::new(
        ErrorCode::DUPLICATE_VALUE,
        format!("Duplicate id specified: {id}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repeats(kind: KeyKind, keys: &[&str]) -> Vec<bool> {
        RepeatedKeys::new()
            .find(keys.len(), kind, |i| keys[i])
            .to_vec()
    }

    const CASE_BLIND: KeyKind = KeyKind::ExternalId {
        case_sensitive: false,
    };

    #[test]
    fn every_copy_of_a_repeated_key_is_marked_and_blanks_never_are() {
        assert_eq!(
            repeats(CASE_BLIND, &["A", "B", "", "A", "", "C", "a"]),
            [true, false, false, true, false, false, true]
        );
    }

    #[test]
    fn a_case_sensitive_field_tells_keys_apart_by_case() {
        let kind = KeyKind::ExternalId {
            case_sensitive: true,
        };
        assert_eq!(repeats(kind, &["A", "a"]), [false, false]);
        assert_eq!(repeats(kind, &["Ä", "Ä"]), [true, true]);
        assert_eq!(repeats(CASE_BLIND, &["Äb", "äB"]), [true, true]);
    }

    #[test]
    fn the_short_and_long_forms_of_an_id_are_one_key() {
        assert_eq!(
            repeats(
                KeyKind::RecordId,
                &[
                    "001000000000001AAA",
                    "001000000000001",
                    "001000000000002AAA"
                ]
            ),
            [true, true, false]
        );
        assert_eq!(
            repeats(KeyKind::RecordId, &["001000000000001", "001000000000001"]),
            [true, true]
        );
    }

    #[test]
    fn lists_share_the_finder_without_sharing_keys() {
        let mut finder = RepeatedKeys::new();
        let first = ["K", "K"];
        assert_eq!(finder.find(2, CASE_BLIND, |i| first[i]), [true, true]);
        let second = ["K", "L"];
        assert_eq!(finder.find(2, CASE_BLIND, |i| second[i]), [false, false]);
    }

    #[test]
    fn keys_that_differ_only_in_symbols_the_hash_merges_are_still_told_apart() {
        assert_eq!(
            repeats(CASE_BLIND, &["a@b", "a`b", "A@B"]),
            [true, false, true]
        );
        let long = [
            "order-0000000001-x",
            "ORDER-0000000001-X",
            "order-0000000002-x",
        ];
        assert_eq!(repeats(CASE_BLIND, &long), [true, true, false]);
    }

    #[test]
    fn keys_of_every_length_are_told_apart() {
        let keys: Vec<String> = (0..40)
            .flat_map(|n| ["x".repeat(n), format!("{}y", "x".repeat(n))])
            .collect();
        let mut all: Vec<&str> = keys.iter().map(String::as_str).collect();
        assert!(repeats(CASE_BLIND, &all).iter().all(|r| !r));
        all.push("XXXXXXXXXXXXy");
        let marked = repeats(CASE_BLIND, &all);
        assert_eq!(marked.iter().filter(|r| **r).count(), 2);
    }

    #[test]
    fn errors_read_as_the_api_reports_them() {
        let e = repeated_external_id("D-1", "ERP_Id__c");
        assert_eq!(e.code, ErrorCode::DUPLICATE_VALUE);
        assert_eq!(e.message, "Duplicate external id specified: D-1");
        assert_eq!(e.fields, ["ERP_Id__c"]);
        assert_eq!(
            repeated_id("001000000000001AAA").message,
            "Duplicate id specified: 001000000000001AAA"
        );
    }
}
