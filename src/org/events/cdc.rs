//! Change Data Capture: turning one committed transaction's record changes into change events
//! with the full ChangeEventHeader.
//!
//! Every DML path (REST, composite, collections, bulk) writes through the store, and the store
//! tells its transaction listeners once per commit; this module only reads the committed state.
//!
//! The bus keeps a change event in a compact form, a [`ChangeRecord`]: the record id, the
//! change type, the sequence number, the carried field values packed into bytes (the events of
//! one commit share one buffer, so a bulk group of 200 makes one allocation for them), and
//! a shared [`ChangeContext`] (event type, commit info, changed and nulled field names) that the
//! events of one transaction with the same header lists hold together — a bulk group of 200
//! upserts shares one. The JSON payload is built only when a transport reads the event
//! ([`ChangeRecord::payload`]), so a million-row job does not build a million JSON maps.
//!
//! Implementation notes:
//! - Compound fields travel nested (`Name` {FirstName…}, `BillingAddress` {City…}) and the
//!   header lists name their components `BillingAddress.City`; the compact form keeps the
//!   flat stored fields and [`ChangeRecord::payload`] nests them ([`super::compound`]).
//! - CREATE and UNDELETE carry every non-null field; UPDATE carries the changed fields plus
//!   LastModifiedDate; DELETE carries the header only — as the reference describes. A checkbox
//!   is never null: the store keeps no false checkbox, so one without a stored value travels
//!   as false (on a create, and on an update that clears it) — [`packed::pack`] writes it so.
//! - `changedFields` and `nulledFields` are filled for UPDATE only (Salesforce documents them
//!   as update lists). `diffFields` is always empty, and every field carries its full value:
//!   Salesforce sends a unified diff instead of the value only for large text area fields and
//!   only to Streaming API (CometD) subscribers — Pub/Sub API and Apex subscribers always get
//!   full values. Which sizes trigger a diff is not documented in the reference, so sflab sends
//!   full values everywhere (a CometD client that applies diffs never sees one).
//! - `changeOrigin` is the API call that made the change (`org::origin`:
//!   `com/salesforce/api/rest/62.0;client=<Sforce-Call-Options client>`), empty for changes
//!   made outside an API request.
//! - Values are read after the commit, so two updates of one record in one transaction both
//!   show the final values (a real org shows each step).
//! - Salesforce documents that it *sometimes* merges the changes of several records of one
//!   object in one transaction into a single event whose `recordIds` lists them all, when the
//!   same change (same type, same field values — e.g. one field set to one value, or
//!   deletions) happened within one second. By default sflab does not merge: every record
//!   gets its own event with one record id (sequence numbers count them). An org whose seed
//!   says `events: { merge_changes: true }` merges each change into the one before it when
//!   both are the same change of one transaction ([`ChangeRecord::merge`]), so a lab can show
//!   a subscriber that reads only `recordIds[0]` what it misses.

use super::packed::{self, Shared};
use super::schema::EventType;
use crate::org::change::{Change, ChangeKind};
use crate::org::ids::SfId;
use crate::org::schema::FieldType;
use crate::org::store::Store;
use crate::org::value::Value as Stored;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// The stored JSON form of a record value (datetimes as ms, dates as days).
pub fn stored_json(v: &Stored, t: FieldType) -> Value {
    match v {
        Stored::DateTime(ms) => json!(ms),
        Stored::Date(d) => json!(d),
        other => other.to_json(t),
    }
}

/// Header values shared by every event of one transaction.
#[derive(Debug, Clone)]
pub struct Commit {
    pub transaction_key: Arc<str>,
    pub commit_number: u64,
}

/// What the change events of one transaction share when their headers agree: the event type,
/// the commit info and the header's field lists.
#[derive(Debug)]
pub struct ChangeContext {
    pub ty: Arc<EventType>,
    /// The object's API name (`entityName`).
    pub entity: Box<str>,
    pub transaction_key: Arc<str>,
    pub commit_number: u64,
    pub commit_user: SfId,
    /// Epoch milliseconds.
    pub commit_timestamp: i64,
    /// Shared with the changes it was made from (see [`crate::org::origin`]).
    pub origin: Arc<str>,
    /// `changedFields` as the header shows it (UPDATE only; LastModifiedDate included).
    pub changed: Vec<Box<str>>,
    /// `nulledFields` (UPDATE only).
    pub nulled: Vec<Box<str>>,
}

impl ChangeContext {
    /// Approximate bytes held by this context (not its event type).
    pub fn approx_bytes(&self) -> usize {
        let names = |v: &[Box<str>]| v.iter().map(|s| s.len() + 16).sum::<usize>();
        std::mem::size_of::<Self>()
            + 16
            + self.entity.len()
            + self.origin.len()
            + names(&self.changed)
            + names(&self.nulled)
    }

    fn shared(&self) -> Shared<'_> {
        Shared {
            user: &self.commit_user,
            timestamp: self.commit_timestamp,
        }
    }
}

impl PartialEq for ChangeContext {
    fn eq(&self, o: &Self) -> bool {
        Arc::ptr_eq(&self.ty, &o.ty)
            && self.entity == o.entity
            && self.transaction_key == o.transaction_key
            && self.commit_number == o.commit_number
            && self.commit_user == o.commit_user
            && self.commit_timestamp == o.commit_timestamp
            && self.origin == o.origin
            && self.changed == o.changed
            && self.nulled == o.nulled
    }
}

/// One change event as the bus keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRecord {
    pub context: Arc<ChangeContext>,
    pub record_id: SfId,
    pub kind: ChangeKind,
    /// Counts from 1 within the transaction.
    pub sequence: u32,
    /// The carried field values (see `events::packed`).
    values: Packed,
    /// The other records of a merged event (see [`ChangeRecord::merge`]). Boxed so an event
    /// that merged nothing (nearly all; a Bulk job keeps a million) holds 8 bytes for it, not 16.
    #[allow(clippy::box_collection)]
    also: Option<Box<Vec<SfId>>>,
}

fn kind_name(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Create => "CREATE",
        ChangeKind::Update => "UPDATE",
        ChangeKind::Delete => "DELETE",
        ChangeKind::Undelete => "UNDELETE",
    }
}

impl ChangeRecord {
    /// The event payload in its stored JSON form: the ChangeEventHeader, then the carried
    /// fields in the event type's field order.
    pub fn payload(&self) -> Map<String, Value> {
        let c = &*self.context;
        let header = json!({
            "entityName": &*c.entity,
            "recordIds": self.record_ids().map(SfId::as_str).collect::<Vec<&str>>(),
            "changeType": kind_name(self.kind),
            "changeOrigin": &*c.origin,
            "transactionKey": &*c.transaction_key,
            "sequenceNumber": self.sequence,
            "commitTimestamp": c.commit_timestamp,
            "commitNumber": c.commit_number,
            "commitUser": c.commit_user.as_str(),
            "nulledFields": c.nulled.iter().map(|s| &**s).collect::<Vec<&str>>(),
            "diffFields": [],
            "changedFields": c.changed.iter().map(|s| &**s).collect::<Vec<&str>>(),
        });
        let mut payload = Map::new();
        payload.insert("ChangeEventHeader".into(), header);
        let names = |pos: usize| c.ty.fields.get(pos).map(|f| f.name.clone());
        packed::unpack(self.values.bytes(), names, c.shared(), &mut payload);
        super::compound::nest(&c.ty.compounds, &mut payload);
        payload
    }

    /// The records this event is about (`recordIds`): one, or several merged.
    pub fn record_ids(&self) -> impl Iterator<Item = &SfId> + '_ {
        std::iter::once(&self.record_id).chain(self.also.iter().flat_map(|v| v.iter()))
    }

    /// Takes `next` into this event when it is the same change to another record of the same
    /// transaction: same type, same header lists and commit, same carried values. A merged
    /// event lists every record in `recordIds`, as Salesforce may send it.
    pub fn merge(&mut self, next: &ChangeRecord) -> bool {
        let same = Arc::ptr_eq(&self.context, &next.context)
            && self.kind == next.kind
            && self.values == next.values;
        if same {
            self.also
                .get_or_insert_with(Default::default)
                .extend(next.record_ids().copied());
        }
        same
    }

    /// Bytes this event holds on its own (the shared context not counted).
    pub fn own_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.values.range.len()
            + self.also.as_ref().map_or(0, |v| 24 + v.capacity() * 18)
    }
}

/// One event's packed values: its range of the buffer its commit's events share.
#[derive(Debug, Clone)]
struct Packed {
    block: Arc<[u8]>,
    range: std::ops::Range<u32>,
}

impl Packed {
    fn bytes(&self) -> &[u8] {
        &self.block[self.range.start as usize..self.range.end as usize]
    }
}

/// Two events carry the same values when their bytes agree, wherever they are kept.
impl PartialEq for Packed {
    fn eq(&self, o: &Self) -> bool {
        self.bytes() == o.bytes()
    }
}

/// Where each field of a change event type sits in its object, resolved once per commit.
struct Slots {
    ty: Arc<EventType>,
    /// The object's table index in the store.
    object: Option<usize>,
    /// Per event-type field: the object field index and type.
    fields: Vec<Option<(usize, FieldType)>>,
    /// Per object field index: the event-type field position.
    by_object: Vec<Option<u16>>,
    /// The event-type positions of the checkboxes, ascending: a create carries each, false
    /// when the record holds no value (the store keeps no false checkbox).
    checkboxes: Vec<u16>,
    /// True when event-type positions grow with object indexes (the type was built from the
    /// object's current field order), so a record's sorted fields come out in type order.
    ordered: bool,
    /// The store's [`Store::schema_key`] these slots were resolved under.
    schema_key: u64,
}

impl Slots {
    fn new(store: &Store, ty: &Arc<EventType>) -> Slots {
        let object_index = match &ty.kind {
            super::schema::EventKind::Change { object } => store.schema().object_index(object),
            _ => None,
        };
        let object = object_index.map(|i| store.object(i));
        let fields: Vec<Option<(usize, FieldType)>> = ty
            .fields
            .iter()
            .map(|f| {
                let o = object?;
                let i = o.field_index(&f.name)?;
                Some((i, o.fields[i].field_type))
            })
            .collect();
        let mut by_object = vec![None; object.map_or(0, |o| o.fields.len())];
        for (pos, slot) in fields.iter().enumerate() {
            if let (Some((i, _)), Ok(pos)) = (slot, u16::try_from(pos)) {
                if let Some(entry) = by_object.get_mut(*i) {
                    *entry = Some(pos);
                }
            }
        }
        let indexes: Vec<usize> = fields.iter().flatten().map(|(i, _)| *i).collect();
        let ordered = indexes.windows(2).all(|w| w[0] < w[1]);
        let checkboxes = fields
            .iter()
            .enumerate()
            .filter(|(_, slot)| matches!(slot, Some((_, FieldType::Boolean))))
            .filter_map(|(pos, _)| u16::try_from(pos).ok())
            .collect();
        Slots {
            ty: ty.clone(),
            object: object_index,
            fields,
            by_object,
            checkboxes,
            ordered,
            schema_key: store.schema_key(),
        }
    }

    /// True while the schema is the one these slots were resolved against (a field defined
    /// since may move indexes); one comparison per event.
    fn still_valid(&self, store: &Store) -> bool {
        self.schema_key == store.schema_key()
    }
}

/// Builds the compact change events of one committed transaction (or bulk commit group),
/// sharing contexts between consecutive events whose headers agree.
pub struct ChangeBatch {
    commit: Commit,
    slots: Vec<Slots>,
    last: Option<Arc<ChangeContext>>,
    /// For the last context: the event-type field positions an UPDATE carries.
    wanted: Vec<usize>,
    /// The packed values of the events being built, shared by them once built.
    block: Vec<u8>,
}

impl ChangeBatch {
    pub fn new(commit: Commit) -> ChangeBatch {
        ChangeBatch {
            commit,
            slots: Vec::new(),
            last: None,
            wanted: Vec::new(),
            block: Vec::new(),
        }
    }

    /// A batch for the next transaction, keeping the resolved field slots (a store that
    /// commits record by record does not resolve them again each time).
    pub fn renew(self, commit: Commit) -> ChangeBatch {
        ChangeBatch {
            commit,
            slots: self.slots,
            last: None,
            wanted: Vec::new(),
            block: self.block,
        }
    }

    fn slots_of(&mut self, store: &Store, ty: &Arc<EventType>) -> usize {
        if let Some(i) = self.slots.iter().position(|s| Arc::ptr_eq(&s.ty, ty)) {
            if self.slots[i].still_valid(store) {
                return i;
            }
            self.slots[i] = Slots::new(store, ty);
            return i;
        }
        self.slots.push(Slots::new(store, ty));
        self.slots.len() - 1
    }

    /// The context for `change`: the last one when its header agrees, else a new one.
    fn context(&mut self, ty: &Arc<EventType>, change: &Change) -> Arc<ChangeContext> {
        let is_update = change.kind == ChangeKind::Update;
        let mut changed: Vec<&str> = Vec::new();
        let mut nulled: Vec<&str> = Vec::new();
        if is_update {
            // Only fields the event carries are named: SystemModstamp changes on every update
            // but is not part of a change event.
            let carried = |name: &&str| ty.fields.iter().any(|f| f.name == *name);
            changed = change.fields.changed().filter(carried).collect();
            nulled = change.fields.nulled().filter(carried).collect();
            // A field set to null changed too: Salesforce lists it in both.
            for n in &nulled {
                if !changed.contains(n) {
                    changed.push(n);
                }
            }
            if !changed.contains(&"LastModifiedDate") {
                changed.push("LastModifiedDate");
            }
        }
        if let Some(c) = &self.last {
            // Cheapest first; origins are compared by pointer before bytes (a Bulk job's
            // changes all share the job's).
            let same = Arc::ptr_eq(&c.ty, ty)
                && c.commit_timestamp == change.at.timestamp_millis()
                && c.commit_user == change.user
                && (Arc::ptr_eq(&c.origin, &change.origin) || *c.origin == *change.origin)
                && c.changed.iter().map(|s| &**s).eq(changed.iter().copied())
                && c.nulled.iter().map(|s| &**s).eq(nulled.iter().copied());
            if same {
                return c.clone();
            }
        }
        let context = Arc::new(ChangeContext {
            ty: ty.clone(),
            entity: (*change.object).into(),
            transaction_key: self.commit.transaction_key.clone(),
            commit_number: self.commit.commit_number,
            commit_user: change.user,
            commit_timestamp: change.at.timestamp_millis(),
            origin: change.origin.clone(),
            changed: changed.iter().map(|s| Box::from(*s)).collect(),
            nulled: nulled.iter().map(|s| Box::from(*s)).collect(),
        });
        // An UPDATE carries the changed and nulled fields and LastModifiedDate.
        self.wanted = ty
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                change.fields.changed().any(|c| c == f.name)
                    || change.fields.nulled().any(|c| c == f.name)
                    || f.name == "LastModifiedDate"
            })
            .map(|(pos, _)| pos)
            .collect();
        self.last = Some(context.clone());
        context
    }

    /// The change event for one change (`sequence` counts from 1 within the transaction): the
    /// tests' way to build one; the bus builds a commit's events together with [`Self::events`].
    #[cfg(test)]
    pub fn event(
        &mut self,
        store: &Store,
        ty: &Arc<EventType>,
        change: &Change,
        sequence: u32,
    ) -> ChangeRecord {
        let mut records = self.events(store, [(ty, change)]);
        let mut record = records.remove(0);
        record.sequence = sequence;
        record
    }

    /// The change events for `changes` (each with its event type), in order, their values
    /// packed into one buffer they share. Sequence numbers are left at 0 for the caller,
    /// who knows which events merge.
    pub fn events<'c>(
        &mut self,
        store: &Store,
        changes: impl IntoIterator<Item = (&'c Arc<EventType>, &'c Change)>,
    ) -> Vec<ChangeRecord> {
        self.block.clear();
        let built: Vec<(Arc<ChangeContext>, &Change, std::ops::Range<u32>)> = changes
            .into_iter()
            .map(|(ty, change)| {
                let context = self.context(ty, change);
                let start = self.block.len();
                if change.kind != ChangeKind::Delete {
                    self.pack(store, ty, change, &context);
                }
                let at = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
                (context, change, at(start)..at(self.block.len()))
            })
            .collect();
        let block: Arc<[u8]> = Arc::from(self.block.as_slice());
        self.block.clear();
        built
            .into_iter()
            .map(|(context, change, range)| ChangeRecord {
                context,
                record_id: change.id,
                kind: change.kind,
                sequence: 0,
                values: Packed {
                    block: block.clone(),
                    range,
                },
                also: None,
            })
            .collect()
    }

    /// Packs the values `change`'s event carries onto the block.
    fn pack(
        &mut self,
        store: &Store,
        ty: &Arc<EventType>,
        change: &Change,
        context: &ChangeContext,
    ) {
        let s = self.slots_of(store, ty);
        let slots = &self.slots[s];
        // The row the change names, when it still holds this record; else a lookup.
        let at_row = slots.object.zip(change.row).and_then(|(t, row)| {
            let table = store.table(t);
            table.row(row).filter(|r| table.id_of(r) == Some(change.id))
        });
        let Some(record) = at_row.or_else(|| store.record(&change.id).map(|(_, r)| r)) else {
            return;
        };
        let out = &mut self.block;
        let shared = context.shared();
        if change.kind == ChangeKind::Update {
            // The wanted fields, null when the record no longer holds a value.
            for &pos in &self.wanted {
                let (Some(Some((index, t))), Ok(p)) = (slots.fields.get(pos), u16::try_from(pos))
                else {
                    continue;
                };
                packed::pack(out, p, record.get(*index), *t, shared);
            }
        } else if slots.ordered {
            // Every field with a value: one walk over the record's sorted values, with the
            // checkboxes it does not hold (false) merged in at their places.
            let mut checkboxes = slots.checkboxes.iter().copied().peekable();
            for (index, v) in record.pairs() {
                let Some(Some(pos)) = slots.by_object.get(usize::from(index)) else {
                    continue;
                };
                while let Some(c) = checkboxes.next_if(|c| c <= pos) {
                    if c < *pos {
                        packed::pack(out, c, None, FieldType::Boolean, shared);
                    }
                }
                if let Some(Some((_, t))) = slots.fields.get(usize::from(*pos)) {
                    packed::pack(out, *pos, Some(v), *t, shared);
                }
            }
            for c in checkboxes {
                packed::pack(out, c, None, FieldType::Boolean, shared);
            }
        } else {
            for (pos, slot) in slots.fields.iter().enumerate() {
                let (Some((index, t)), Ok(p)) = (slot, u16::try_from(pos)) else {
                    continue;
                };
                let v = record.get(*index);
                // A checkbox always has a value: `pack` writes a missing one as false.
                if v.is_some() || *t == FieldType::Boolean {
                    packed::pack(out, p, v, *t, shared);
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "cdc_tests.rs"]
mod tests;
