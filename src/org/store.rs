//! The record store: every object's rows, indexed, with Salesforce's DML rules.
//!
//! # API overview (for the REST, composite and bulk layers)
//!
//! ```text
//! let org = Org::default_org();                      // or Org::new(&seed)?
//! let actor = org.actor(user_id);                    // who acts, at the org clock's now
//! let mut store = org.store.write();
//! store.insert("Account", &json_map, &actor)?        // -> SfId of the new record
//! store.update("Account", "001…", &json_map, &actor)? // -> SfId
//! store.upsert("Account", "ERP_Id__c", "A-1", &json_map, UpsertMode::default(), &actor)
//!      // -> Ok((SfId, created: bool)) | Err(UpsertError::MultipleMatches{ids} | Rejected(SfError))
//! store.delete(Some("Account"), "001…", &actor)?     // soft delete to the recycle bin
//! store.undelete("001…", &actor)?;  store.hard_delete("001…", &actor)?;
//! store.retrieve("Account", "001…", Some(&["Name"]), "62.0")?   // REST JSON with attributes
//! store.find_by_external("Account", "ERP_Id__c", "A-1")?  // -> Vec<SfId> (0, 1 or several)
//! store.all_or_none(|s| { s.insert(..)?; s.update(..)?; Ok(()) })  // rolls back on Err
//! store.on_change(Box::new(|c: &Change| …));        // what each write changed, after commit
//! store.snapshot(&["Account"], SnapshotOptions::default()) // comparable state, .render()
//! store.save(path)? / Store::load(path)?             // whole-store file, written atomically
//! crate::org::soql::query(&store, soql, &QueryOptions{..})? // rows as REST JSON + totalSize
//! crate::org::describe::{describe_global, describe_sobject, sobject_basic_info}
//! ```
//!
//! Error choices worth knowing: an unknown object is NOT_FOUND (as REST answers for
//! `/sobjects/Nope__c`); retrieve of a missing or recycled record is NOT_FOUND; update or
//! delete of a missing id is INVALID_CROSS_REFERENCE_KEY, of a recycled one ENTITY_IS_DELETED;
//! a string that is not an id is MALFORMED_ID (the REST layer may word it as NOT_FOUND for
//! URL paths, as Salesforce does for `/sobjects/Account/123`).
//!
//! Every error is an [`SfError`] (`code`, `message`, `fields`) ready for a REST error body;
//! `code.http_status()` gives the status. Names of objects and fields are case-insensitive.

use super::change::Change;
use super::error::{ErrorCode, SfError};
use super::ids::{IdGenerator, SfId};
use super::record::{Record, Table};
use super::schema::{FieldDef, ObjectDef, Schema};
use super::write_rules::ObjectRules;
use chrono::{DateTime, Utc};

/// Who performs a DML operation, and when (on the org's clock).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: SfId,
    pub now: DateTime<Utc>,
    /// Seeding and restores may write read-only fields (types are still checked).
    pub trusted: bool,
}

impl Actor {
    pub fn new(user: SfId, now: DateTime<Utc>) -> Actor {
        Actor {
            user,
            now,
            trusted: false,
        }
    }
}

/// Options of an upsert by external id.
#[derive(Debug, Clone, Copy, Default)]
pub struct UpsertMode {
    /// `?updateOnly=true`: never create; no match is NOT_FOUND.
    pub update_only: bool,
}

type Listener = Box<dyn Fn(&Change) + Send + Sync>;

/// How a transaction ended, as transaction listeners hear it.
#[derive(Debug, Clone, Copy)]
pub enum TxEnd<'a> {
    /// Committed with these changes, in order (possibly none: a unit that only published).
    Committed(&'a [Change]),
    /// Rolled back: nothing it wrote or published survives.
    RolledBack,
}

/// A transaction listener (see [`Store::on_transaction`]).
pub type TxListener = Box<dyn Fn(&Store, TxEnd<'_>) + Send + Sync>;

/// Undo entries of an open all-or-none batch.
pub(crate) enum Undo {
    Inserted { table: usize, row: u32 },
    Replaced { table: usize, row: u32, old: Record },
    Removed { table: usize, old: Record },
}

fn next_schema_key() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The audit stamps, owner and defaults a create shares with the records created alongside,
/// and what they were worked out for: `(schema key, object, time in ms, user, which of the
/// owner and defaults the create gave itself)`; no key when they are not to be reused.
#[derive(Debug, Default)]
pub(crate) struct CreatedShared {
    pub(crate) key: Option<(u64, usize, i64, SfId, u64)>,
    pub(crate) pairs: Vec<(u16, super::value::Value)>,
    /// A number naming `pairs` as they stand, new each time they are worked out (unique
    /// across stores): records built from the same name share the same values.
    pub(crate) name: u64,
}

impl CreatedShared {
    /// A fresh name for `pairs`, after they were worked out again.
    pub(crate) fn renamed(&mut self) {
        self.name = next_schema_key();
    }
}

/// The org's records.
pub struct Store {
    pub(crate) schema: Schema,
    /// Names this store's schema as it stands: see [`Store::schema_key`].
    schema_key: u64,
    pub(crate) tables: Vec<Table>,
    /// Each object's write rules by field slot, rebuilt with the schema.
    pub(crate) rules: Vec<ObjectRules>,
    pub(crate) ids: IdGenerator,
    pub(crate) auto_numbers: Vec<u64>,
    pub(crate) undo: Option<Vec<Undo>>,
    pub(crate) pending: Vec<Change>,
    /// Changes of the open commit group, heard together when it ends.
    group_pending: Vec<Change>,
    /// True inside [`Store::commit_together`].
    grouped: bool,
    /// Counts commit groups; the current one's number while `grouped`.
    group: u64,
    listeners: Vec<Listener>,
    tx_listeners: Vec<TxListener>,
    /// Whether some listener hears every object's changes (any but an object-scoped one).
    heard_everywhere: bool,
    /// Objects whose changes an object-scoped transaction listener hears.
    heard_objects: Vec<String>,
    /// By object: whether any listener hears its changes (changes nobody hears are not
    /// kept for the end of a transaction).
    heard: Vec<bool>,
    /// The values the last create shared with its neighbours (see `dml`).
    pub(crate) created_shared: CreatedShared,
    /// Scratch space for a create's converted fields (see `dml`).
    pub(crate) scratch_changes: Vec<(u16, Option<super::value::Value>)>,
    /// What each deleted record's delete did to other records (see `cascade`).
    pub(crate) deleted_with: std::collections::HashMap<SfId, super::cascade::DeletedWith>,
    /// The records one delete call removes together (see [`Store::deleting_together`]).
    pub(crate) deleting: std::collections::HashSet<SfId>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("objects", &self.schema.len())
            .field(
                "records",
                &self.tables.iter().map(Table::len).sum::<usize>(),
            )
            .finish()
    }
}

impl Store {
    /// An empty store over `schema` (which is linked here).
    pub fn new(mut schema: Schema) -> Store {
        schema.link();
        let tables = schema.objects().iter().map(Table::new).collect();
        let rules = schema.objects().iter().map(ObjectRules::of).collect();
        let n = schema.len();
        Store {
            schema,
            schema_key: next_schema_key(),
            tables,
            rules,
            ids: IdGenerator::new(),
            auto_numbers: vec![0; n],
            undo: None,
            pending: Vec::new(),
            group_pending: Vec::new(),
            grouped: false,
            group: 0,
            listeners: Vec::new(),
            tx_listeners: Vec::new(),
            heard_everywhere: false,
            heard_objects: Vec::new(),
            heard: vec![false; n],
            created_shared: CreatedShared::default(),
            scratch_changes: Vec::new(),
            deleted_with: std::collections::HashMap::new(),
            deleting: std::collections::HashSet::new(),
        }
    }

    /// A store holding the standard objects.
    pub fn standard() -> Store {
        Store::new(super::standard_objects::standard_schema())
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// A number no other store or earlier state of this store's schema has had in this
    /// process: what is derived from the schema alone (query plans) can be kept under it.
    pub fn schema_key(&self) -> u64 {
        self.schema_key
    }

    /// Adds (or replaces) an object definition; tables follow.
    pub fn define_object(&mut self, object: ObjectDef) {
        self.schema.put_object(object);
        self.relink();
    }

    /// Adds or replaces a field on an existing object.
    pub fn define_field(&mut self, object: &str, field: FieldDef) -> Result<(), SfError> {
        let o = self
            .schema
            .object_mut(object)
            .ok_or_else(|| invalid_type(object))?;
        o.put_field(field);
        self.relink();
        Ok(())
    }

    fn relink(&mut self) {
        self.schema.link();
        self.schema_key = next_schema_key();
        while self.tables.len() < self.schema.len() {
            let o = self.schema.object_at(self.tables.len());
            self.tables.push(Table::new(o));
            self.auto_numbers.push(0);
        }
        for (i, t) in self.tables.iter_mut().enumerate() {
            t.sync_indexes(self.schema.object_at(i));
        }
        self.rules = self.schema.objects().iter().map(ObjectRules::of).collect();
        self.refresh_heard();
    }

    fn refresh_heard(&mut self) {
        self.heard = self
            .schema
            .objects()
            .iter()
            .map(|o| {
                self.heard_everywhere
                    || self
                        .heard_objects
                        .iter()
                        .any(|h| h.eq_ignore_ascii_case(&o.name))
            })
            .collect();
    }

    /// The object's index in the schema, or NOT_FOUND as the REST API answers for an unknown
    /// sObject.
    pub fn object_index(&self, name: &str) -> Result<usize, SfError> {
        self.schema
            .object_index(name)
            .ok_or_else(SfError::not_found)
    }

    pub fn object(&self, index: usize) -> &ObjectDef {
        self.schema.object_at(index)
    }

    pub fn table(&self, index: usize) -> &Table {
        &self.tables[index]
    }

    /// Makes the ids of records created from now on start after the `floor`-th of their key
    /// prefix (see [`IdGenerator::start_after`]).
    pub fn start_new_ids_after(&mut self, floor: u64) {
        self.ids.start_after(floor);
    }

    /// Makes room in object `t`'s table for `rows` new records (a Bulk load about to run).
    pub fn reserve(&mut self, t: usize, rows: usize) {
        if let Some(table) = self.tables.get_mut(t) {
            table.reserve(rows);
        }
    }

    /// Number of live (not deleted) records of an object; 0 for unknown objects.
    pub fn count(&self, object: &str) -> usize {
        match self.schema.object_index(object) {
            Some(i) => self.tables[i]
                .iter()
                .filter(|(_, r)| !self.tables[i].is_deleted(r))
                .count(),
            None => 0,
        }
    }

    /// Finds a record by id anywhere in the org (object from the key prefix).
    pub fn locate(&self, id: &SfId) -> Option<(usize, u32)> {
        let t = self.schema.object_by_prefix(id.key_prefix())?;
        Some((t, self.tables[t].row_of(id)?))
    }

    /// The record with this id, as `(object index, record)`, deleted or not.
    pub fn record(&self, id: &SfId) -> Option<(usize, &Record)> {
        let (t, row) = self.locate(id)?;
        Some((t, self.tables[t].row(row)?))
    }

    /// Registers a change listener (Change Data Capture, the TUI's live org view…).
    pub fn on_change(&mut self, listener: Listener) {
        self.listeners.push(listener);
        self.heard_everywhere = true;
        self.refresh_heard();
    }

    /// Registers a transaction listener: told of each committed transaction's changes as one
    /// batch (with read access to the store) and of each rollback.
    pub fn on_transaction(&mut self, listener: TxListener) {
        self.tx_listeners.push(listener);
        self.heard_everywhere = true;
        self.refresh_heard();
    }

    /// Registers a transaction listener that needs the changes of `objects` only (the event
    /// bus: the objects with Change Data Capture). It still hears every transaction end;
    /// changes of other objects may be left out of the batches it is given.
    pub fn on_transaction_of(&mut self, objects: Vec<String>, listener: TxListener) {
        self.tx_listeners.push(listener);
        self.heard_objects.extend(objects);
        self.refresh_heard();
    }

    /// True while an all-or-none batch or composite unit is open.
    pub fn in_transaction(&self) -> bool {
        self.undo.is_some()
    }

    pub(crate) fn end_transaction(&self, end: TxEnd<'_>) {
        for l in &self.tx_listeners {
            l(self, end);
        }
    }

    pub(crate) fn committed(&self, changes: &[Change]) {
        for c in changes {
            for l in &self.listeners {
                l(c);
            }
        }
        self.end_transaction(TxEnd::Committed(changes));
    }

    /// True when some listener wants the changes of object `t` (else a write need not make
    /// its change for them).
    pub(crate) fn hears(&self, t: usize) -> bool {
        self.heard.get(t).copied().unwrap_or(true)
    }

    /// Reports a write to the listeners: now, or when its transaction or commit group ends.
    /// `heard` is the write's change when [`Store::hears`] its object, None otherwise (the
    /// transaction's end is still heard).
    #[inline]
    pub(crate) fn emit(&mut self, heard: Option<Change>) {
        match heard {
            Some(change) => self.emit_change(change),
            // Heard even when empty: the transaction's end still is.
            None if self.undo.is_none() && !self.grouped => self.committed(&[]),
            // Nothing to keep for the end of the transaction or group (a bulk row of an
            // object nobody listens to takes this way, so it moves no change around).
            None => {}
        }
    }

    fn emit_change(&mut self, change: Change) {
        if self.undo.is_some() {
            self.pending.push(change);
        } else if self.grouped {
            self.group_pending.push(change);
        } else {
            self.committed(std::slice::from_ref(&change));
        }
    }

    pub(crate) fn log_undo(&mut self, entry: Undo) {
        if let Some(log) = &mut self.undo {
            log.push(entry);
        }
    }

    /// Runs `batch` all-or-none: when it returns `Err`, every write it made is undone and no
    /// listener hears of them. Nested calls join the outer batch.
    pub fn all_or_none<T, E>(
        &mut self,
        batch: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.undo.is_some() {
            return batch(self);
        }
        self.undo = Some(Vec::new());
        let result = batch(self);
        let log = self.undo.take().unwrap_or_default();
        let pending = std::mem::take(&mut self.pending);
        match result {
            Ok(v) if self.grouped => {
                // Part of a commit group: heard, in order, when the group ends.
                self.group_pending.extend(pending);
                Ok(v)
            }
            Ok(v) => {
                self.committed(&pending);
                Ok(v)
            }
            Err(e) => {
                for entry in log.into_iter().rev() {
                    match entry {
                        Undo::Inserted { table, row } => {
                            self.tables[table].remove(row);
                        }
                        Undo::Replaced { table, row, old } => {
                            self.tables[table].replace(row, old);
                        }
                        Undo::Removed { table, old } => {
                            self.tables[table].insert(old);
                        }
                    }
                }
                self.end_transaction(TxEnd::RolledBack);
                Err(e)
            }
        }
    }

    /// Runs `work` as one commit group without making it all-or-none: each write stands or
    /// fails on its own, and listeners hear the writes that stand as one committed
    /// transaction when the group ends (with [`Store::commit_group`] naming it) — as a real
    /// org commits a Bulk API batch of records in one transaction (one transaction key and
    /// commit number for its change events). A rolled-back all-or-none batch inside the group
    /// is heard as a rollback at once and leaves nothing in the group. Inside an open
    /// all-or-none batch or another group, `work` simply joins it.
    pub fn commit_together<T>(&mut self, work: impl FnOnce(&mut Store) -> T) -> T {
        if self.undo.is_some() || self.grouped {
            return work(self);
        }
        self.grouped = true;
        self.group += 1;
        let out = work(self);
        // Heard even when empty: a unit inside the group may have published events that
        // wait for the transaction to end.
        let mut changes = std::mem::take(&mut self.group_pending);
        self.committed(&changes);
        changes.clear();
        self.group_pending = changes;
        self.grouped = false;
        out
    }

    /// Runs `work`, a call deleting the records `ids` (as one REST, SOAP or Bulk delete call
    /// does): a lookup from one of them to another is not cleared when the other goes first,
    /// so whatever order the ids come in, they keep their lookups for an undelete.
    pub fn deleting_together<T>(
        &mut self,
        ids: impl IntoIterator<Item = SfId>,
        work: impl FnOnce(&mut Store) -> T,
    ) -> T {
        let outer = std::mem::replace(&mut self.deleting, ids.into_iter().collect());
        let out = work(self);
        self.deleting = outer;
        out
    }

    /// The commit group being written, if any (see [`Store::commit_together`]).
    pub fn commit_group(&self) -> Option<u64> {
        self.grouped.then_some(self.group)
    }

    /// Approximate bytes held by all tables.
    pub fn approx_bytes(&self) -> usize {
        self.tables.iter().map(Table::approx_bytes).sum()
    }
}

pub(crate) fn invalid_type(object: &str) -> SfError {
    SfError::new(
        ErrorCode::INVALID_TYPE,
        format!("sObject type '{object}' is not supported."),
    )
}

/// Parses an id from a URL or body, or MALFORMED_ID.
pub fn parse_id(raw: &str) -> Result<SfId, SfError> {
    SfId::parse(raw)
        .map_err(|_| SfError::new(ErrorCode::MALFORMED_ID, format!("malformed id {raw}")))
}

#[cfg(test)]
impl Store {
    /// Records every change the store reports from now on (for tests that look at changes:
    /// writes return only the record's id).
    pub(crate) fn record_changes(&mut self) -> std::sync::Arc<std::sync::Mutex<Vec<Change>>> {
        let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = heard.clone();
        self.on_change(Box::new(move |c: &Change| {
            if let Ok(mut v) = sink.lock() {
                v.push(c.clone());
            }
        }));
        heard
    }
}
