//! Salesforce record ids: key prefixes, the 15/18-character forms with their checksum suffix,
//! and the per-org generator that hands out new ids.
//!
//! A 15-character id is case-sensitive. The 18-character form appends three characters that
//! encode which of the first fifteen are upper-case letters (five bits per character), which
//! makes the long form safe for case-insensitive systems. [`SfId`] always holds the 18-character
//! form; parsing accepts either (the 18 form case-insensitively, with the checksum verified).
//!
//! Implementation notes: new ids look like real ones — key prefix, a two-character pod
//! (`5g`), reserved zeros, then a base-62 counter — e.g. `0015g00000000AbAAC`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

const SUFFIX_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// The pod/instance characters every generated id carries after its key prefix.
pub const POD: &str = "5g";

/// Why a string is not a Salesforce id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("'{0}' is not a Salesforce id: ids are 15 or 18 letters and digits")]
    Shape(String),
    #[error("'{0}' is not a valid Salesforce id: its last three characters do not match the checksum of the first fifteen")]
    Checksum(String),
}

/// An 18-character Salesforce id, stored inline (18 bytes, no allocation).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SfId([u8; 18]);

/// An id hashes as its 18 characters in one write (so [`IdHasher`] sees them whole).
impl std::hash::Hash for SfId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write(&self.0);
    }
}

/// The hasher of a table's Id index: ids made one after another land in neighbouring
/// buckets, so a large load adds to the index without a cache miss per row.
///
/// The low 32 bits are the id's last five significant characters read as a base-62 number
/// (a generated id's counter), plus a hash of the ten characters before them; the high bits,
/// which the hash table uses to tell entries of one bucket group apart, mix all of them.
/// Any other write falls back to FxHash.
#[derive(Default)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        if bytes.len() != 18 {
            let mut fx = rustc_hash::FxHasher::default();
            fx.write_u64(self.0);
            fx.write(bytes);
            self.0 = fx.finish();
            return;
        }
        let mut head = rustc_hash::FxHasher::default();
        head.write(&bytes[..10]);
        let head = head.finish();
        let counter = bytes[10..15]
            .iter()
            .fold(0u64, |n, &c| n * 62 + u64::from(base62_digit(c)));
        let low = counter.wrapping_add(head) & 0xFFFF_FFFF;
        let mixed = (counter ^ head).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = (mixed & 0xFFFF_FFFF_0000_0000) | low;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The value of one base-62 character (0 for anything else).
fn base62_digit(c: u8) -> u8 {
    BASE62_DIGITS[usize::from(c)]
}

/// [`base62_digit`] for every byte, looked up rather than worked out (an id is hashed on
/// every insert and lookup).
const BASE62_DIGITS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = match b {
            b'0'..=b'9' => b - b'0',
            b'A'..=b'Z' => b - b'A' + 10,
            b'a'..=b'z' => b - b'a' + 36,
            _ => 0,
        };
        c += 1;
    }
    table
};

/// The three checksum characters for a case-sensitive 15-character id.
pub fn checksum_suffix(id15: &[u8; 15]) -> [u8; 3] {
    let mut out = [0u8; 3];
    for (chunk, slot) in id15.chunks(5).zip(out.iter_mut()) {
        let mut bits = 0usize;
        for (i, c) in chunk.iter().enumerate() {
            if c.is_ascii_uppercase() {
                bits |= 1 << i;
            }
        }
        *slot = SUFFIX_ALPHABET[bits];
    }
    out
}

impl SfId {
    /// Parses a 15-character (case-sensitive) or 18-character (case-insensitive, checksum
    /// verified) id.
    pub fn parse(s: &str) -> Result<SfId, IdError> {
        let b = s.as_bytes();
        if !(b.len() == 15 || b.len() == 18) || !b.iter().all(u8::is_ascii_alphanumeric) {
            return Err(IdError::Shape(s.to_string()));
        }
        let mut id15 = [0u8; 15];
        id15.copy_from_slice(&b[..15]);
        if b.len() == 18 {
            // Restore the case of the first fifteen from the suffix, then verify.
            for (chunk_no, &sc) in b[15..].iter().enumerate() {
                let bits = SUFFIX_ALPHABET
                    .iter()
                    .position(|&a| a == sc.to_ascii_uppercase())
                    .ok_or_else(|| IdError::Checksum(s.to_string()))?;
                for i in 0..5 {
                    let c = &mut id15[chunk_no * 5 + i];
                    let upper = bits & (1 << i) != 0;
                    if c.is_ascii_alphabetic() {
                        *c = if upper {
                            c.to_ascii_uppercase()
                        } else {
                            c.to_ascii_lowercase()
                        };
                    } else if upper {
                        return Err(IdError::Checksum(s.to_string()));
                    }
                }
            }
        }
        Ok(SfId::from_15(&id15))
    }

    /// Builds the 18-character id from a case-sensitive 15-character one.
    pub fn from_15(id15: &[u8; 15]) -> SfId {
        let mut out = [0u8; 18];
        out[..15].copy_from_slice(id15);
        out[15..].copy_from_slice(&checksum_suffix(id15));
        SfId(out)
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII alphanumerics are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The case-sensitive 15-character form.
    pub fn short(&self) -> &str {
        &self.as_str()[..15]
    }

    /// The three-character key prefix naming the object type.
    pub fn key_prefix(&self) -> &str {
        // Only the three bytes read are checked (every record lookup by id asks for them).
        std::str::from_utf8(&self.0[..3]).unwrap_or("")
    }
}

impl fmt::Display for SfId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SfId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SfId({})", self.as_str())
    }
}

impl Serialize for SfId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SfId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SfId, D::Error> {
        let s = String::deserialize(d)?;
        SfId::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The key prefix of a standard object, if it has a well-known one.
pub fn standard_key_prefix(object: &str) -> Option<&'static str> {
    Some(match object {
        "Account" => "001",
        "Contact" => "003",
        "Lead" => "00Q",
        "Opportunity" => "006",
        "Case" => "500",
        "Order" => "801",
        "OrderItem" => "802",
        "Product2" => "01t",
        "Pricebook2" => "01s",
        "PricebookEntry" => "01u",
        "Task" => "00T",
        "User" => "005",
        "Organization" => "00D",
        "PermissionSet" => "0PS",
        "PermissionSetAssignment" => "0Pa",
        "Profile" => "00e",
        "LoginHistory" => "0Ya",
        _ => return None,
    })
}

/// The key prefix for the `n`-th custom object (`a00`, `a01`, … `a0Z`, `a0a`, … `a10`, …) or
/// platform event (`e00`, …), `lead` being `a` or `e`.
pub fn custom_key_prefix(lead: char, n: usize) -> String {
    let n = n % (62 * 62);
    format!("{lead}{}{}", BASE62[n / 62] as char, BASE62[n % 62] as char)
}

/// Hands out new ids for one org: one counter per key prefix.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IdGenerator {
    counters: rustc_hash::FxHashMap<String, u64>,
    /// Where the counters of prefixes not used yet start (see [`IdGenerator::start_after`]).
    #[serde(default)]
    floor: u64,
}

impl IdGenerator {
    pub fn new() -> IdGenerator {
        IdGenerator::default()
    }

    /// The next id for `prefix` (a 3-character key prefix).
    pub fn next(&mut self, prefix: &str) -> SfId {
        // Looked up by &str first: the common case allocates nothing.
        let n = match self.counters.get_mut(prefix) {
            Some(c) => {
                *c += 1;
                *c
            }
            None => {
                let n = self.floor + 1;
                self.counters.insert(prefix.to_string(), n);
                n
            }
        };
        compose(prefix, n)
    }

    /// Makes every id given out from now on come after the `floor`-th of its prefix: a lab
    /// attempt's org starts its new records at a number of its own, so an id printed by an
    /// earlier attempt is not one this attempt's org gave out (as two real orgs never share
    /// a record id). Seeded records keep the ids their seed gives them.
    pub fn start_after(&mut self, floor: u64) {
        self.floor = self.floor.max(floor);
        for counter in self.counters.values_mut() {
            *counter = (*counter).max(floor);
        }
    }

    /// The id the next call to [`IdGenerator::next`] will return for `prefix`.
    pub fn peek(&self, prefix: &str) -> SfId {
        compose(
            prefix,
            self.counters.get(prefix).copied().unwrap_or(self.floor) + 1,
        )
    }

    /// Makes sure later ids for this prefix come after `id` (used after restoring a store).
    pub fn observe(&mut self, id: &SfId) {
        let prefix = id.key_prefix();
        let tail = &id.short()[10..];
        let mut n = 0u64;
        for c in tail.bytes() {
            match BASE62.iter().position(|&b| b == c) {
                Some(d) => n = n * 62 + d as u64,
                None => return,
            }
        }
        let counter = self.counters.entry(prefix.to_string()).or_insert(0);
        *counter = (*counter).max(n);
    }
}

fn compose(prefix: &str, counter: u64) -> SfId {
    let mut id15 = [b'0'; 15];
    let p = prefix.as_bytes();
    id15[..3.min(p.len())].copy_from_slice(&p[..3.min(p.len())]);
    id15[3..5].copy_from_slice(POD.as_bytes());
    let mut n = counter % 62u64.pow(5);
    for slot in id15[10..].iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    SfId::from_15(&id15)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_after_a_floor_start_past_it_for_used_and_unused_prefixes() {
        let mut g = IdGenerator::new();
        let first = g.next("001");
        g.start_after(5_000);
        let after = g.next("001");
        assert_eq!(after, compose("001", 5_001));
        assert_ne!(after, first);
        assert_eq!(g.peek("003"), compose("003", 5_001));
        assert_eq!(g.next("003"), compose("003", 5_001));
        // A floor below where a counter stands changes nothing.
        g.start_after(10);
        assert_eq!(g.next("001"), compose("001", 5_002));
    }

    #[test]
    fn known_id_gets_its_published_checksum_suffix() {
        // A documented pair: 001A0000006Vm9r -> 001A0000006Vm9rIAC
        let id = SfId::parse("001A0000006Vm9r").unwrap();
        assert_eq!(id.as_str(), "001A0000006Vm9rIAC");
    }

    #[test]
    fn eighteen_char_ids_parse_case_insensitively() {
        let a = SfId::parse("001A0000006Vm9rIAC").unwrap();
        let b = SfId::parse("001a0000006vm9riac").unwrap();
        assert_eq!(a, b);
        assert_eq!(b.short(), "001A0000006Vm9r");
    }

    #[test]
    fn fifteen_char_ids_are_case_sensitive() {
        let a = SfId::parse("001A0000006Vm9r").unwrap();
        let b = SfId::parse("001a0000006vm9r").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn wrong_length_or_characters_are_refused() {
        assert!(matches!(SfId::parse("123"), Err(IdError::Shape(_))));
        assert!(matches!(
            SfId::parse("001A0000006Vm9r-AC"),
            Err(IdError::Shape(_))
        ));
    }

    #[test]
    fn a_suffix_marking_a_digit_upper_case_fails_the_checksum() {
        // '5' in the suffix alphabet sets all five bits, but the first chunk has digits.
        assert!(matches!(
            SfId::parse("0010000006Vm9r5AA"),
            Err(IdError::Shape(_))
        ));
        assert!(matches!(
            SfId::parse("001A0000006Vm9r5AC"),
            Err(IdError::Checksum(_))
        ));
    }

    #[test]
    fn generator_counts_per_prefix_and_round_trips() {
        let mut g = IdGenerator::new();
        let a1 = g.next("001");
        let a2 = g.next("001");
        let c1 = g.next("003");
        assert_eq!(a1.as_str(), "0015g0000000001AAA");
        assert_eq!(a2.short(), "0015g0000000002");
        assert_eq!(c1.key_prefix(), "003");
        assert_eq!(SfId::parse(a2.as_str()).unwrap(), a2);
        let mut restored = IdGenerator::new();
        restored.observe(&a2);
        assert_eq!(restored.next("001").short(), "0015g0000000003");
    }

    #[test]
    fn custom_prefixes_follow_a00_a01() {
        assert_eq!(custom_key_prefix('a', 0), "a00");
        assert_eq!(custom_key_prefix('a', 1), "a01");
        assert_eq!(custom_key_prefix('e', 10), "e0A");
    }

    #[test]
    fn each_base62_character_reads_as_its_place_in_the_alphabet() {
        for (value, &c) in BASE62.iter().enumerate() {
            assert_eq!(usize::from(base62_digit(c)), value, "{}", c as char);
        }
        assert_eq!((base62_digit(b'-'), base62_digit(0xff)), (0, 0));
    }
}
