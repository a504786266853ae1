//! One object's rows and their indexes: the compact [`Record`] and the [`Table`] around it.
//!
//! A record keeps only the fields that have a value: their slots, sorted, in a [`Shape`]
//! shared with every record that sets the same fields — with the values those records share
//! (audit stamps, owner, defaults of one transaction) — and its other values in one boxed
//! slice of its own: a bulk-loaded Account with four fields given holds five values itself.
//! A table holds rows in slots (a hard-deleted row leaves a hole), an Id index, and one
//! [`FieldIndex`] per unique or external-id field, keyed case-insensitively unless the field
//! is case-sensitive.

use super::ids::{IdHasher, SfId};
use super::schema::ObjectDef;
use super::shapes::{self, Shape};
use super::value::Value;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A stored record: the set fields, sorted by field index.
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// The slots that have a value, and the values shared with records written alongside
    /// (see [`shapes`]).
    shape: Shape,
    /// The values this record holds itself, in the order the shape places them.
    values: Box<[Value]>,
}

/// Records are equal when they have the same fields with the same values, however they share.
impl PartialEq for Record {
    fn eq(&self, other: &Record) -> bool {
        self.pairs().eq(other.pairs())
    }
}

impl Record {
    /// The record of the pairs in `scratch`, which is left empty with its capacity kept: the
    /// record's values are allocated once, at their exact size. The first of equal slots wins.
    pub fn from_scratch(scratch: &mut Vec<(u16, Value)>) -> Record {
        let mut own: Vec<(u16, Option<Value>)> =
            scratch.drain(..).map(|(slot, v)| (slot, Some(v))).collect();
        Record::with_shared(&[], &mut own)
    }

    /// A record of `own` pairs (a pair without a value is left out; the first of equal slots
    /// wins) and `shared` pairs (distinct slots) that every record written alongside has too —
    /// audit stamps, owner, defaults — and that win over an own pair for the same slot.
    /// Records that follow with the same shared values hold them once between them. `own` is
    /// left empty with its capacity kept.
    pub fn with_shared(shared: &[(u16, Value)], own: &mut Vec<(u16, Option<Value>)>) -> Record {
        let (shape, values) = shapes::build(shared, own);
        Record { shape, values }
    }

    /// [`Record::with_shared`] for a set of shared values the caller names with a number it
    /// gives no other set (see [`shapes::build_named`]).
    pub fn with_named_shared(
        shared: &[(u16, Value)],
        name: u64,
        own: &mut Vec<(u16, Option<Value>)>,
    ) -> Record {
        let (shape, values) = shapes::build_named(shared, Some(name), own);
        Record { shape, values }
    }

    pub fn get(&self, index: usize) -> Option<&Value> {
        let i = u16::try_from(index).ok()?;
        self.shape.get(&self.values, i)
    }

    /// Sets or clears fields (a later change to the same field wins); rebuilds the record
    /// once for the whole batch, keeping the values it shares that no change touches.
    pub fn apply(&mut self, changes: Vec<(u16, Option<Value>)>) {
        let mut resolved: Vec<(u16, Option<Value>)> = Vec::with_capacity(changes.len());
        for (i, v) in changes {
            match resolved.iter_mut().find(|c| c.0 == i) {
                Some(c) => c.1 = v,
                None => resolved.push((i, v)),
            }
        }
        let touched = |slot: u16| resolved.iter().any(|c| c.0 == slot);
        let mut own = std::mem::take(&mut self.values).into_vec();
        let mut shared: Vec<(u16, Value)> = Vec::new();
        let mut pairs: Vec<(u16, Option<Value>)> = Vec::with_capacity(own.len() + resolved.len());
        for (at, &slot) in self.shape.slots().iter().enumerate() {
            if touched(slot) {
                continue;
            }
            match self.shape.own_index(at) {
                Some(i) => pairs.push((
                    slot,
                    Some(std::mem::replace(&mut own[i], Value::Bool(false))),
                )),
                None => shared.push((slot, self.shape.value_at(&own, at).clone())),
            }
        }
        pairs.extend(resolved);
        *self = Record::with_shared(&shared, &mut pairs);
    }

    /// The slots that have a value, sorted (shared with records of the same shape).
    pub fn slots(&self) -> &std::sync::Arc<[u16]> {
        self.shape.slots()
    }

    /// Every set field with its value, in slot order.
    pub fn pairs(&self) -> impl ExactSizeIterator<Item = (u16, &Value)> + '_ {
        self.shape.pairs(&self.values)
    }

    /// Heap bytes this record owns (its own values plus their texts; the shared shape is
    /// not counted).
    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(&*self.values)
            + self.values.iter().map(Value::heap_bytes).sum::<usize>()
    }
}

/// The stored form of a record, as saved org files hold it: `{"fields": [[slot, value], …]}`.
#[derive(Serialize)]
struct RecordForm<'a> {
    fields: Vec<(u16, &'a Value)>,
}

#[derive(Deserialize)]
struct OwnedRecordForm {
    fields: Vec<(u16, Value)>,
}

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        RecordForm {
            fields: self.pairs().collect(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Record, D::Error> {
        let mut form = OwnedRecordForm::deserialize(d)?;
        Ok(Record::from_scratch(&mut form.fields))
    }
}

/// The normalised key of a value in a unique / external-id index.
pub fn index_key(value: &Value, fold_case: bool) -> String {
    let t = value.text();
    if fold_case {
        t.to_lowercase()
    } else {
        t
    }
}

fn fx_hash(bytes: &[u8], tag: u64) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(bytes);
    h.write_u64(tag);
    h.finish()
}

/// Consecutive numbers in a key's trailing digits that share one block of the index (see
/// [`hash_bytes`]): one hash table group's worth.
const KEY_BLOCK: u64 = 16;

/// The index hash of a normalised key. External ids loaded in bulk are most often numbered
/// (`E-0000001`, `E-0000002`, …), so a key ending in digits keeps its neighbours close: the
/// low 32 bits (which pick the hash table bucket) are a hash of the key's other characters
/// and of its number divided by [`KEY_BLOCK`], plus the number's remainder — sixteen
/// consecutive keys take sixteen neighbouring buckets, and a million-row load touches a
/// cache line per block rather than per row. Blocks land apart from each other, so the table
/// fills as evenly as with any hash. The high 32 bits mix the whole key.
fn hash_bytes(bytes: &[u8]) -> u64 {
    let full = fx_hash(bytes, 0xff);
    let digits = bytes
        .iter()
        .rev()
        .take(9)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return full;
    }
    let (head, tail) = bytes.split_at(bytes.len() - digits);
    let number = tail.iter().fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
    let block = fx_hash(head, ((digits as u64) << 40) ^ (number / KEY_BLOCK));
    let low = (block & !(KEY_BLOCK - 1) & 0xFFFF_FFFF) | (number % KEY_BLOCK);
    (full & 0xFFFF_FFFF_0000_0000) | low
}

/// The hash of [`index_key`]`(value, fold_case)`, without building the key for the ASCII
/// text that external ids almost always are.
fn key_hash(value: &Value, fold_case: bool) -> u64 {
    if let Some(s) = value.as_str() {
        if !fold_case {
            return hash_bytes(s.as_bytes());
        }
        let mut buf = [0u8; 128];
        if s.is_ascii() && s.len() <= buf.len() {
            let folded = &mut buf[..s.len()];
            folded.copy_from_slice(s.as_bytes());
            folded.make_ascii_lowercase();
            return hash_bytes(folded);
        }
    }
    hash_bytes(index_key(value, fold_case).as_bytes())
}

/// True when two values have the same [`index_key`].
fn same_key(a: &Value, b: &Value, fold_case: bool) -> bool {
    if let (Some(x), Some(y)) = (a.as_str(), b.as_str()) {
        if !fold_case {
            return x == y;
        }
        if x.is_ascii() && y.is_ascii() {
            return x.eq_ignore_ascii_case(y);
        }
    }
    index_key(a, fold_case) == index_key(b, fold_case)
}

/// A set of row numbers hashed by something their records hold (an id, an indexed value):
/// an entry costs 4 bytes and a control byte, since the hash is worked out again from the
/// record when the set grows, and lookups confirm candidates against the record.
type RowSet = hashbrown::HashTable<u32>;

/// The Id index's hash of an id (see [`IdHasher`] for why it has a hasher of its own).
fn id_hash(id: &SfId) -> u64 {
    use std::hash::BuildHasher;
    std::hash::BuildHasherDefault::<IdHasher>::default().hash_one(id)
}

/// The id `rec` holds in slot `id_field`.
fn record_id(rec: &Record, id_field: usize) -> Option<SfId> {
    match rec.get(id_field) {
        Some(Value::Id(id)) => Some(*id),
        _ => None,
    }
}

/// The id the record in `row` holds in slot `id_field`.
fn id_in(rows: &[Option<Record>], id_field: usize, row: u32) -> Option<SfId> {
    record_id(rows.get(row as usize)?.as_ref()?, id_field)
}

/// An index over one unique or external-id field.
///
/// Implementation notes: the index keeps only row numbers, hashed by [`key_hash`] of the
/// record's normalised value (the record holds the value itself), so an entry costs 5 bytes
/// where a map from hash to row would cost 17. The first row under a hash is in `rows`; the
/// others sharing it — duplicates of a non-unique external id, or a rare collision — wait in
/// `more`, so a thousand duplicates do not make one long probe chain. Lookups confirm
/// candidates against the stored value. Every row in the index must hold the value it was
/// added under (the index is rehashed from the records when it grows): a record is taken out
/// of its indexes before it changes.
#[derive(Debug, Clone)]
pub struct FieldIndex {
    pub field: u16,
    pub fold_case: bool,
    rows: RowSet,
    more: rustc_hash::FxHashMap<u64, Vec<u32>>,
}

impl FieldIndex {
    fn new(field: u16, fold_case: bool) -> FieldIndex {
        FieldIndex {
            field,
            fold_case,
            rows: RowSet::new(),
            more: rustc_hash::FxHashMap::default(),
        }
    }

    /// How the hash a row is indexed under is worked out again from `rows`, the table's.
    fn rehash<'a>(&self, rows: &'a [Option<Record>]) -> impl Fn(&u32) -> u64 + 'a {
        let (field, fold_case) = (self.field as usize, self.fold_case);
        move |&row| {
            let value = rows
                .get(row as usize)
                .and_then(Option::as_ref)
                .and_then(|rec| rec.get(field));
            debug_assert!(value.is_some(), "an indexed row holds its value");
            value.map_or(0, |v| key_hash(v, fold_case))
        }
    }

    /// Adds `row` under `h`; `rows` are the table's rows, for rehashing the others.
    fn add(&mut self, h: u64, row: u32, rows: &[Option<Record>]) {
        let rehash = self.rehash(rows);
        let same_hash = |r: &u32| rehash(r) == h;
        match self.rows.entry(h, same_hash, self.rehash(rows)) {
            hashbrown::hash_table::Entry::Occupied(_) => self.more.entry(h).or_default().push(row),
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert(row);
            }
        }
    }

    fn remove(&mut self, h: u64, row: u32) {
        match self.rows.find_entry(h, |&r| r == row) {
            Ok(mut entry) => match self.more.get_mut(&h).and_then(Vec::pop) {
                // The next row under the same hash takes its place.
                Some(next) => *entry.get_mut() = next,
                None => {
                    entry.remove();
                }
            },
            Err(_) => {
                if let Some(v) = self.more.get_mut(&h) {
                    v.retain(|r| *r != row);
                }
            }
        }
        if self.more.get(&h).is_some_and(Vec::is_empty) {
            self.more.remove(&h);
        }
    }

    /// Rows whose normalised value may hash as `h` (to be confirmed against the records).
    fn candidates(&self, h: u64) -> impl Iterator<Item = u32> + '_ {
        let more: &[u32] = self.more.get(&h).map_or(&[], Vec::as_slice);
        self.rows.iter_hash(h).copied().chain(more.iter().copied())
    }

    fn reserve(&mut self, more: usize, rows: &[Option<Record>]) {
        let rehash = self.rehash(rows);
        self.rows.reserve(more, rehash);
    }
}

/// The rows of one object.
#[derive(Debug, Clone, Default)]
pub struct Table {
    rows: Vec<Option<Record>>,
    /// Rows by record id, hashed by [`id_hash`].
    by_id: RowSet,
    indexes: Vec<FieldIndex>,
    id_field: usize,
    deleted_field: Option<usize>,
    live: usize,
    /// When a record of this object was last removed for good (a hard delete, a purge from
    /// the recycle bin), in epoch milliseconds: what `/sobjects/{T}/deleted` answers as its
    /// `earliestDateAvailable`.
    last_purged_ms: Option<i64>,
}

impl Table {
    /// An empty table with indexes for every unique / external-id field of `object`.
    pub fn new(object: &ObjectDef) -> Table {
        let mut t = Table {
            id_field: object.field_index("Id").unwrap_or(0),
            deleted_field: object.field_index("IsDeleted"),
            ..Table::default()
        };
        t.sync_indexes(object);
        t
    }

    /// Adds indexes for fields that became unique / external id (after a schema change).
    pub fn sync_indexes(&mut self, object: &ObjectDef) {
        for (i, f) in object.fields.iter().enumerate() {
            if f.indexed() && f.name != "Id" && !self.indexes.iter().any(|x| x.field as usize == i)
            {
                let mut idx = FieldIndex::new(i as u16, !f.case_sensitive);
                for (row, rec) in self.rows.iter().enumerate() {
                    if let Some(rec) = rec {
                        if self.deleted_field.and_then(|d| rec.get(d)) == Some(&Value::Bool(true)) {
                            continue;
                        }
                        if let Some(v) = rec.get(i) {
                            idx.add(key_hash(v, idx.fold_case), row as u32, &self.rows);
                        }
                    }
                }
                self.indexes.push(idx);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    pub fn row(&self, row: u32) -> Option<&Record> {
        self.rows.get(row as usize).and_then(Option::as_ref)
    }

    pub fn row_of(&self, id: &SfId) -> Option<u32> {
        let (rows, id_field) = (&self.rows, self.id_field);
        self.by_id
            .find(id_hash(id), |&r| id_in(rows, id_field, r) == Some(*id))
            .copied()
    }

    /// How the Id index works out a row's hash again, from `rows`.
    fn id_rehash(rows: &[Option<Record>], id_field: usize) -> impl Fn(&u32) -> u64 + '_ {
        move |&row| {
            let id = id_in(rows, id_field, row);
            debug_assert!(id.is_some(), "a row in the Id index holds its id");
            id.map_or(0, |id| id_hash(&id))
        }
    }

    pub fn get(&self, id: &SfId) -> Option<&Record> {
        self.row_of(id).and_then(|r| self.row(r))
    }

    /// Every stored row (including soft-deleted ones) with its slot number.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Record)> {
        self.rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_ref().map(|r| (i as u32, r)))
    }

    pub fn is_deleted(&self, rec: &Record) -> bool {
        self.deleted_field.and_then(|d| rec.get(d)) == Some(&Value::Bool(true))
    }

    pub fn id_of(&self, rec: &Record) -> Option<SfId> {
        record_id(rec, self.id_field)
    }

    /// The Id index's entry for `id` (made room for, when it is vacant).
    fn id_entry(&mut self, id: SfId) -> hashbrown::hash_table::Entry<'_, u32> {
        let (rows, id_field) = (&self.rows, self.id_field);
        self.by_id.entry(
            id_hash(&id),
            |&r| id_in(rows, id_field, r) == Some(id),
            Table::id_rehash(rows, id_field),
        )
    }

    /// Points the Id index at `row` for `id`: a new entry, or the row another record with
    /// the same id had (as a map's insert would). `rows` must not hold `row` yet, or hold it
    /// with this id.
    fn index_id(&mut self, id: SfId, row: u32) {
        match self.id_entry(id) {
            hashbrown::hash_table::Entry::Occupied(mut e) => *e.get_mut() = row,
            hashbrown::hash_table::Entry::Vacant(e) => {
                e.insert(row);
            }
        }
    }

    /// The index on field `field`, if it has one.
    pub fn index(&self, field: usize) -> Option<&FieldIndex> {
        self.indexes.iter().find(|x| x.field as usize == field)
    }

    /// Live rows whose indexed field equals `value` (normalised as the index does), in row
    /// order.
    pub fn lookup(&self, field: usize, value: &Value) -> Option<Vec<u32>> {
        let mut rows: Vec<u32> = self.matches(field, value)?.collect();
        rows.sort_unstable();
        Some(rows)
    }

    /// The same rows as [`Table::lookup`], without collecting them (the DML hot path).
    pub fn matches<'a>(
        &'a self,
        field: usize,
        value: &'a Value,
    ) -> Option<impl Iterator<Item = u32> + 'a> {
        let h = self.key_hash(field, value)?;
        self.matches_hashed(field, value, h)
    }

    /// The hash `value` has in the index on `field` (None when the field has no index): an
    /// upsert hashes its key once for the lookup and the new row's index entry.
    pub fn key_hash(&self, field: usize, value: &Value) -> Option<u64> {
        let idx = self.index(field)?;
        Some(key_hash(value, idx.fold_case))
    }

    /// [`Table::matches`] with the key's hash from [`Table::key_hash`].
    pub fn matches_hashed<'a>(
        &'a self,
        field: usize,
        value: &'a Value,
        h: u64,
    ) -> Option<impl Iterator<Item = u32> + 'a> {
        let idx = self.index(field)?;
        let fold = idx.fold_case;
        Some(idx.candidates(h).filter(move |r| {
            self.row(*r)
                .and_then(|rec| rec.get(field))
                .is_some_and(|v| same_key(v, value, fold))
        }))
    }

    /// Live rows whose `field` equals `value` as an index on it would compare them (text
    /// ignoring case when `fold_case`), found by reading every row, in row order: for a field
    /// with no index that can still name a record, such as an idLookup `Email`.
    pub fn scan_equal<'a>(
        &'a self,
        field: usize,
        value: &'a Value,
        fold_case: bool,
    ) -> impl Iterator<Item = u32> + 'a {
        self.iter()
            .filter(move |(_, rec)| {
                !self.is_deleted(rec)
                    && rec
                        .get(field)
                        .is_some_and(|v| same_key(v, value, fold_case))
            })
            .map(|(row, _)| row)
    }

    /// Live rows whose `field` equals `value`, sorted: through the field's index when it has
    /// one ([`Table::lookup`]), by reading every row otherwise ([`Table::scan_equal`]).
    pub fn rows_equal(&self, field: usize, value: &Value, fold_case: bool) -> Vec<u32> {
        self.lookup(field, value)
            .unwrap_or_else(|| self.scan_equal(field, value, fold_case).collect())
    }

    fn index_record(&mut self, row: u32, rec: &Record, add: bool) {
        self.index_record_hashed(row, rec, add, None);
    }

    /// [`Table::index_record`] given the hash of one field's value, `(field, hash)`.
    fn index_record_hashed(
        &mut self,
        row: u32,
        rec: &Record,
        add: bool,
        known: Option<(u16, u64)>,
    ) {
        if self.is_deleted(rec) {
            return;
        }
        let rows = &self.rows;
        for idx in &mut self.indexes {
            if let Some(v) = rec.get(idx.field as usize) {
                let h = match known {
                    Some((field, h)) if field == idx.field => h,
                    _ => key_hash(v, idx.fold_case),
                };
                if add {
                    idx.add(h, row, rows);
                } else {
                    idx.remove(h, row);
                }
            }
        }
    }

    /// Makes room for `rows` more records in the row list and every index at once, so a
    /// large load grows none of them step by step (each step rehashes an index).
    pub fn reserve(&mut self, rows: usize) {
        self.rows.reserve(rows);
        let id_field = self.id_field;
        self.by_id
            .reserve(rows, Table::id_rehash(&self.rows, id_field));
        for idx in &mut self.indexes {
            idx.reserve(rows, &self.rows);
        }
    }

    /// Stores a new record; returns its slot.
    pub fn insert(&mut self, rec: Record) -> u32 {
        let row = self.rows.len() as u32;
        if let Some(id) = self.id_of(&rec) {
            self.index_id(id, row);
        }
        self.add_row(row, rec, None)
    }

    /// Stores a new record unless its id is taken (then the id is returned and nothing
    /// changes): the check and the index entry cost one hash lookup. `known` is the
    /// [`Table::key_hash`] of one indexed field's value, `(field, hash)`, when the caller has it.
    pub fn try_insert(&mut self, rec: Record, known: Option<(u16, u64)>) -> Result<u32, SfId> {
        let row = self.rows.len() as u32;
        if let Some(id) = self.id_of(&rec) {
            match self.id_entry(id) {
                hashbrown::hash_table::Entry::Occupied(_) => return Err(id),
                hashbrown::hash_table::Entry::Vacant(slot) => {
                    slot.insert(row);
                }
            }
        }
        Ok(self.add_row(row, rec, known))
    }

    fn add_row(&mut self, row: u32, rec: Record, known: Option<(u16, u64)>) -> u32 {
        self.index_record_hashed(row, &rec, true, known);
        self.rows.push(Some(rec));
        self.live += 1;
        row
    }

    /// Replaces the record in `row`, keeping every index in step; returns the old record.
    pub fn replace(&mut self, row: u32, rec: Record) -> Option<Record> {
        let old = self.rows.get_mut(row as usize)?.take()?;
        self.index_record(row, &old, false);
        self.index_record(row, &rec, true);
        self.rows[row as usize] = Some(rec);
        Some(old)
    }

    /// Removes the record in `row` for good.
    /// Notes that a record was removed for good at `ms` (see `last_purged_ms`).
    pub fn note_purged(&mut self, ms: i64) {
        self.last_purged_ms = Some(self.last_purged_ms.map_or(ms, |m| m.max(ms)));
    }

    /// When a record of this object was last removed for good, if ever.
    pub fn last_purged_ms(&self) -> Option<i64> {
        self.last_purged_ms
    }

    pub fn remove(&mut self, row: u32) -> Option<Record> {
        let old = self.rows.get_mut(row as usize)?.take()?;
        self.index_record(row, &old, false);
        if let Some(id) = self.id_of(&old) {
            if let Ok(entry) = self.by_id.find_entry(id_hash(&id), |&r| r == row) {
                entry.remove();
            }
        }
        self.live -= 1;
        // Trailing holes are trimmed so an undone insert leaves no trace.
        while matches!(self.rows.last(), Some(None)) {
            self.rows.pop();
        }
        Some(old)
    }

    /// Approximate bytes used by rows and indexes (for the memory figures).
    pub fn approx_bytes(&self) -> usize {
        let rows = self.rows.capacity() * std::mem::size_of::<Option<Record>>()
            + self
                .rows
                .iter()
                .flatten()
                .map(Record::heap_bytes)
                .sum::<usize>();
        let ids = self.by_id.allocation_size();
        let idx: usize = self
            .indexes
            .iter()
            .map(|x| {
                x.rows.allocation_size()
                    + x.more
                        .values()
                        .map(|v| 32 + v.capacity() * 4)
                        .sum::<usize>()
            })
            .sum();
        rows + ids + idx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_sets_and_clears_in_index_order() {
        let mut r = Record::from_scratch(&mut vec![(3, Value::Int(3)), (1, Value::Int(1))]);
        r.apply(vec![(2, Some(Value::Int(2))), (3, None)]);
        let idx: Vec<u16> = r.pairs().map(|p| p.0).collect();
        assert_eq!(idx, vec![1, 2]);
        assert_eq!(r.get(2), Some(&Value::Int(2)));
        assert_eq!(r.get(3), None);
    }

    #[test]
    fn folded_keys_hash_and_compare_as_their_lowercase_text() {
        let pairs = [
            ("ERP-0001", "erp-0001"),
            ("ÉCOLE-1", "école-1"),
            ("STRASSE-Ü", "strasse-ü"),
        ];
        for (a, b) in pairs {
            let (x, y) = (Value::Text(a.into()), Value::Text(b.into()));
            assert_eq!(key_hash(&x, true), key_hash(&y, true), "{a} {b}");
            assert!(same_key(&x, &y, true), "{a} {b}");
            assert_eq!(
                same_key(&x, &y, false),
                index_key(&x, false) == index_key(&y, false)
            );
        }
        let (x, y) = (Value::Text("A-1".into()), Value::Text("A-2".into()));
        assert!(!same_key(&x, &y, true));
    }

    #[test]
    fn a_record_is_its_shared_slots_and_one_slice_of_values() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<Option<Record>>(), 24);
        let a = Record::from_scratch(&mut vec![(5, Value::Int(5)), (2, Value::Int(2))]);
        let b = Record::from_scratch(&mut vec![(2, Value::Int(7)), (5, Value::Int(8))]);
        assert!(std::sync::Arc::ptr_eq(a.slots(), b.slots()));
        assert_eq!(a.heap_bytes(), 2 * 24);
    }

    #[test]
    fn updates_keep_the_shared_values_they_do_not_touch() {
        let shared = [(1u16, Value::Int(100)), (6, Value::Int(600))];
        let make =
            |n: i64| Record::with_shared(&shared, &mut vec![(3, Some(Value::Int(n))), (9, None)]);
        make(0);
        let (mut a, mut b) = (make(3), make(5));
        assert_eq!(b.heap_bytes(), 24, "only its own value");
        // As with creates, the second record updated the same way shares with the first.
        for r in [&mut a, &mut b] {
            r.apply(vec![(3, Some(Value::Int(4))), (8, Some(Value::Int(8)))]);
        }
        assert_eq!(b.heap_bytes(), 2 * 24, "the untouched values stay shared");
        let expected = [(1, 100), (3, 4), (6, 600), (8, 8)];
        let expected: Vec<(u16, Value)> =
            expected.iter().map(|&(s, v)| (s, Value::Int(v))).collect();
        for r in [&a, &b] {
            let pairs: Vec<(u16, Value)> = r.pairs().map(|(s, v)| (s, v.clone())).collect();
            assert_eq!(pairs, expected);
        }
        assert_eq!(a, b);
        b.apply(vec![(6, None), (1, Some(Value::Int(1)))]);
        assert_eq!(b.get(6), None);
        assert_eq!(b.get(1), Some(&Value::Int(1)));
        assert_eq!(b.get(3), Some(&Value::Int(4)));
        assert_ne!(a, b);
    }

    #[test]
    fn a_record_is_saved_as_its_slot_value_pairs() {
        let r = Record::from_scratch(&mut vec![(3, Value::Int(3)), (1, Value::Bool(true))]);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"fields": [[1, {"Bool": true}], [3, {"Int": 3}]]})
        );
        let back: Record = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn numbered_keys_of_one_block_take_neighbouring_buckets() {
        let low = |k: &str| hash_bytes(k.as_bytes()) & 0xFFFF_FFFF;
        let first = low("E-0000016");
        for n in 17..32 {
            assert_eq!(low(&format!("E-{n:07}")), first + (n - 16), "E-{n:07}");
        }
        // The next block lands elsewhere, not straight after.
        assert_ne!(low("E-0000032"), first + 16);
    }

    #[test]
    fn distinct_keys_hash_apart_even_with_the_same_number() {
        let keys = [
            "A1",
            "A01",
            "B1",
            "1",
            "A-1",
            "a1x",
            "A1x",
            "E-0000001",
            "E-1000001",
        ];
        let hashes: std::collections::HashSet<u64> =
            keys.iter().map(|k| hash_bytes(k.as_bytes())).collect();
        assert_eq!(hashes.len(), keys.len());
    }

    /// Rows whose `field` holds `key` (ignoring case), found by reading every record.
    fn scan(table: &Table, field: usize, key: &str) -> Vec<u32> {
        table
            .iter()
            .filter(|(_, r)| {
                r.get(field)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.eq_ignore_ascii_case(key))
            })
            .map(|(row, _)| row)
            .collect()
    }

    #[test]
    fn indexes_follow_their_records_through_growth_replacement_and_removal() {
        let org = crate::org::Org::default_org();
        let obj = org.store.read().schema().object("Account").cloned();
        let obj = obj.expect("Account");
        let ext = obj.field_index("ERP_Id__c").expect("ERP_Id__c");
        let id = obj.field_index("Id").expect("Id") as u16;
        let sf =
            |n: usize| SfId::from_15(format!("001000000{n:06}").as_bytes().try_into().unwrap());
        let record = |n: usize, key: String| {
            Record::from_scratch(&mut vec![
                (id, Value::Id(sf(n))),
                (ext as u16, Value::Text(key.into())),
            ])
        };
        let mut table = Table::new(&obj);
        // Keys repeat (an external id need not be unique), and the index grows many times.
        for n in 0..3_000 {
            table.insert(record(n, format!("K-{}", n % 700)));
        }
        for n in (0..3_000).step_by(3) {
            let row = table.row_of(&sf(n)).expect("stored");
            table.replace(row, record(n, format!("new-{}", n % 50)));
        }
        for n in (0..3_000).step_by(7) {
            let row = table.row_of(&sf(n)).expect("stored");
            assert!(table.remove(row).is_some());
        }
        for n in 3_000..4_000 {
            table.insert(record(n, format!("k-{}", n % 700)));
        }
        for key in (0..700)
            .map(|k| format!("K-{k}"))
            .chain((0..50).map(|k| format!("NEW-{k}")))
        {
            let found = table.lookup(ext, &Value::Text(key.as_str().into()));
            assert_eq!(found, Some(scan(&table, ext, &key)), "{key}");
        }
        for n in 0..4_000 {
            let removed = n < 3_000 && n % 7 == 0;
            let row = table.row_of(&sf(n));
            assert_eq!(row.is_none(), removed, "{n}");
            if let Some(row) = row {
                assert_eq!(table.row(row).and_then(|r| table.id_of(r)), Some(sf(n)));
            }
        }
    }

    #[test]
    fn an_index_finds_numbered_and_plain_keys_among_many() {
        let org = crate::org::Org::default_org();
        let obj = org.store.read().schema().object("Account").cloned();
        let obj = obj.expect("Account");
        let ext = obj.field_index("ERP_Id__c").expect("ERP_Id__c") as u16;
        let id = obj.field_index("Id").expect("Id") as u16;
        let mut table = Table::new(&obj);
        let key = |n: usize| match n % 3 {
            0 => format!("E-{n:07}"),
            1 => format!("{n}"),
            _ => format!("key-{n}-x"),
        };
        for n in 0..5_000 {
            let sf = SfId::from_15(format!("001000000{n:06}").as_bytes().try_into().unwrap());
            table.insert(Record::from_scratch(&mut vec![
                (id, Value::Id(sf)),
                (ext, Value::Text(key(n).into())),
            ]));
        }
        for n in 0..5_000 {
            let v = Value::Text(key(n).to_uppercase().into());
            assert_eq!(
                table.lookup(ext as usize, &v),
                Some(vec![n as u32]),
                "{}",
                key(n)
            );
        }
        assert_eq!(
            table.lookup(ext as usize, &Value::Text("E-0005000".into())),
            Some(vec![])
        );
    }
}
