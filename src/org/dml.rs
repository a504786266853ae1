//! DML on the store: create, update, upsert, delete, undelete, hard delete — with
//! Salesforce's validation order, error codes and message texts (checks in `validate`).
//!
//! Implementation notes: booleans that are false are not stored (a missing boolean reads as
//! false, as Salesforce never returns null for a checkbox), which keeps records small.
//! Deleting a record takes its dependants with it, refuses while certain records point at it,
//! and clears other lookups to it (planned in `cascade`).

use super::cascade::{restored_on_undelete, ClearedLookup, DeletedWith};
use super::change::{Change, ChangeKind};
use super::error::{ErrorCode, SfError, UpsertError};
use super::ids::SfId;
use super::record::Record;
use super::schema::SystemField;
use super::standard_objects::id_lookup;
use super::store::{parse_id, Actor, Store, Undo, UpsertMode};
use super::validate::{cross_reference, entity_deleted, json_entries, Entry, FieldName, Given};
use super::value::Value;
use serde_json::Map;

type Json = serde_json::Value;

/// The refusal of an operation an object does not allow at all (see
/// [`super::schema::ObjectDef::abilities`]). [U] The code is the API's documented
/// INVALID_TYPE_FOR_OPERATION; the wording `entity type cannot be inserted` is the one
/// reported from real orgs for such calls, not verified here for every operation.
fn not_for(object: &str, done: &str) -> SfError {
    SfError::new(
        ErrorCode::INVALID_TYPE_FOR_OPERATION,
        format!("entity type cannot be {done}: {object}"),
    )
}

impl Store {
    /// Creates a record from a REST JSON body; returns its id.
    pub fn insert(
        &mut self,
        object: &str,
        body: &Map<String, Json>,
        actor: &Actor,
    ) -> Result<SfId, SfError> {
        let t = self.object_index(object)?;
        self.insert_given(t, &json_entries(body), actor)
    }

    /// Creates a record of object `t` (see [`Store::object_index`]) from given values: the
    /// bulk path, which builds no JSON.
    pub fn insert_given(
        &mut self,
        t: usize,
        entries: &[Entry<'_>],
        actor: &Actor,
    ) -> Result<SfId, SfError> {
        // An object that takes no inserts says so before any field is looked at.
        if !actor.trusted && !self.schema.object_at(t).abilities().createable {
            return Err(not_for(&self.schema.object_at(t).name, "inserted"));
        }
        let buffer = std::mem::take(&mut self.scratch_changes);
        let changes = self.convert_entries(t, entries.iter().copied(), None, actor, buffer)?;
        self.insert_converted(t, changes, None, actor)
    }

    /// Creates a record from converted field values (defaults, derived fields, stamps and
    /// checks follow). `key_checked` names a unique field the caller has just found free for
    /// this value (an upsert's key), with the value's index hash: its uniqueness is not
    /// checked twice, nor its hash computed again.
    fn insert_converted(
        &mut self,
        t: usize,
        mut changes: Vec<(u16, Option<Value>)>,
        key_checked: Option<(u16, u64)>,
        actor: &Actor,
    ) -> Result<SfId, SfError> {
        if !actor.trusted && !self.schema.object_at(t).abilities().createable {
            return Err(not_for(&self.schema.object_at(t).name, "inserted"));
        }
        // The id is settled first and stored with the other fields, so the record is built
        // once at its final size.
        let id_field = self.rules[t].id;
        let given_id = changes.iter().find_map(|c| match c {
            (i, Some(Value::Id(id))) if *i == id_field => Some(*id),
            _ => None,
        });
        let id = match given_id {
            Some(id) if actor.trusted => {
                self.ids.observe(&id);
                id
            }
            _ => {
                let prefix = &self.schema.object_at(t).key_prefix;
                self.ids.next(prefix)
            }
        };
        self.share_for_create(t, &changes, actor);
        // The converted fields become the record's own values, with the id settled above.
        changes.retain(|c| c.0 != id_field);
        changes.push((id_field, Some(Value::Id(id))));
        let shared = &self.created_shared;
        let mut rec = Record::with_named_shared(&shared.pairs, shared.name, &mut changes);
        self.scratch_changes = changes;
        self.derive(t, &mut rec, true);
        self.check_required(t, &rec)?;
        self.check_new_order(t, &rec)?;
        self.check_activated_order_lock(t, &rec, false)?;
        self.check_unique(t, &rec, None, key_checked.map(|k| k.0))?;
        let change = self
            .hears(t)
            .then(|| self.change(t, id, ChangeKind::Create, None, &rec, actor));
        let row = self.tables[t].try_insert(rec, key_checked).map_err(|id| {
            SfError::new(
                ErrorCode::DUPLICATE_VALUE,
                format!("duplicate value found: Id duplicates value on record with id: {id}"),
            )
        })?;
        self.log_undo(Undo::Inserted { table: t, row });
        self.emit(change.map(|c| Change {
            row: Some(row),
            ..c
        }));
        Ok(id)
    }

    /// Works out what a create of object `t` with converted fields `changes` shares with the
    /// records created alongside (see [`super::store::CreatedShared`]): the audit stamps,
    /// which win over any given value as stamping last would (no check reads them); the owner
    /// and the defaults the create does not give itself. A run of creates in one moment by one
    /// user that give the same of those works them out once.
    fn share_for_create(&mut self, t: usize, changes: &[(u16, Option<Value>)], actor: &Actor) {
        let rules = &self.rules[t];
        let given = |i: u16| changes.iter().any(|c| c.0 == i);
        let mut owner_and_defaults_given = u64::from(rules.owner.is_some_and(given));
        for (k, (i, _)) in rules.defaults.iter().enumerate().take(63) {
            owner_and_defaults_given |= u64::from(given(*i)) << (k + 1);
        }
        // Stamps are kept to the second (see `WriteRules::stamps`).
        let now_ms = actor.now.timestamp_millis().div_euclid(1000) * 1000;
        let key = (
            self.schema_key(),
            t,
            now_ms,
            actor.user,
            owner_and_defaults_given,
        );
        let cacheable = rules.defaults.len() < 63;
        if cacheable && self.created_shared.key == Some(key) {
            return;
        }
        let pairs = &mut self.created_shared.pairs;
        pairs.clear();
        pairs.extend(rules.stamps(now_ms, actor.user, true));
        if let Some(owner) = rules.owner.filter(|o| !given(*o)) {
            pairs.push((owner, Value::Id(actor.user)));
        }
        for (i, v) in &rules.defaults {
            if !given(*i) {
                pairs.push((*i, v.clone()));
            }
        }
        self.created_shared.key = cacheable.then_some(key);
        self.created_shared.renamed();
    }

    /// The live row holding `id` in object `t`, with Salesforce's errors for PATCH/DELETE.
    fn live_row_for_write(&self, t: usize, raw_id: &str) -> Result<u32, SfError> {
        let id = parse_id(raw_id)?;
        let row = self.tables[t].row_of(&id).ok_or_else(cross_reference)?;
        match self.tables[t].row(row) {
            Some(r) if self.tables[t].is_deleted(r) => Err(entity_deleted()),
            Some(_) => Ok(row),
            None => Err(cross_reference()),
        }
    }

    /// Updates a record (PATCH semantics: only the fields in `body` change).
    pub fn update(
        &mut self,
        object: &str,
        id: &str,
        body: &Map<String, Json>,
        actor: &Actor,
    ) -> Result<SfId, SfError> {
        let t = self.object_index(object)?;
        self.update_given(t, id, &json_entries(body), actor)
    }

    /// Updates a record of object `t` from given values (the bulk path).
    pub fn update_given(
        &mut self,
        t: usize,
        id: &str,
        entries: &[Entry<'_>],
        actor: &Actor,
    ) -> Result<SfId, SfError> {
        // An id of another object is the Id field's value of the wrong type, as in the
        // documented sObject Collections update example (`Contact ID: id value of incorrect
        // type: 001…`); single-record PATCH is assumed to answer the same [U].
        let obj = self.schema.object_at(t);
        if parse_id(id).is_ok_and(|parsed| parsed.key_prefix() != obj.key_prefix) {
            let label = obj
                .system_index(SystemField::Id)
                .map(|i| &obj.fields[i].label);
            return Err(SfError::new(
                ErrorCode::MALFORMED_ID,
                format!(
                    "{}: id value of incorrect type: {id}",
                    label.map_or("Id", |l| l)
                ),
            )
            .with_fields(vec!["Id".into()]));
        }
        let row = self.live_row_for_write(t, id)?;
        self.update_row(t, row, entries, actor)
    }

    fn update_row(
        &mut self,
        t: usize,
        row: u32,
        entries: &[Entry<'_>],
        actor: &Actor,
    ) -> Result<SfId, SfError> {
        let old = self.tables[t]
            .row(row)
            .cloned()
            .ok_or_else(cross_reference)?;
        let id = self.tables[t].id_of(&old).ok_or_else(cross_reference)?;
        let changes =
            self.convert_entries(t, entries.iter().copied(), Some(&id), actor, Vec::new())?;
        let mut rec = old.clone();
        rec.apply(changes);
        self.derive(t, &mut rec, false);
        self.check_required(t, &rec)?;
        self.check_order_activation(t, &id, &old, &rec)?;
        self.check_activated_order_lock(t, &old, false)?;
        self.check_activated_order_lock(t, &rec, false)?;
        rec.apply(self.stamp(t, actor, false));
        self.check_unique(t, &rec, Some(row), None)?;
        self.replace_row(t, row, id, ChangeKind::Update, old, rec, actor);
        Ok(id)
    }

    /// Upserts on an external-id field (or `Id`). Returns the record's id and whether it was
    /// created.
    pub fn upsert(
        &mut self,
        object: &str,
        field: &str,
        value: &str,
        body: &Map<String, Json>,
        mode: UpsertMode,
        actor: &Actor,
    ) -> Result<(SfId, bool), UpsertError> {
        let t = self.object_index(object)?;
        self.upsert_given(
            t,
            FieldName::Spelled(field),
            value,
            &json_entries(body),
            mode,
            actor,
        )
    }

    /// Upserts a record of object `t` from given values (the bulk path).
    pub fn upsert_given(
        &mut self,
        t: usize,
        field: FieldName<'_>,
        value: &str,
        entries: &[Entry<'_>],
        mode: UpsertMode,
        actor: &Actor,
    ) -> Result<(SfId, bool), UpsertError> {
        let obj = self.schema.object_at(t);
        let no_field = || {
            let shown = match field {
                FieldName::Spelled(name) => name,
                FieldName::Slot(i) => obj.fields[i as usize].name.as_str(),
            };
            SfError::new(
                ErrorCode::NOT_FOUND,
                format!("Provided external ID field does not exist or is not accessible: {shown}"),
            )
        };
        let fi = match field {
            FieldName::Slot(i) => i as usize,
            FieldName::Spelled(name) => obj.field_index(name).ok_or_else(no_field)?,
        };
        let f = &obj.fields[fi];
        if f.system == Some(SystemField::Id) {
            if value.is_empty() {
                return Ok((self.insert_given(t, entries, actor)?, true));
            }
            let row = self
                .live_row_for_write(t, value)
                .map_err(|e| match e.code {
                    ErrorCode::INVALID_CROSS_REFERENCE_KEY => SfError::not_found(),
                    _ => e,
                })?;
            return Ok((self.update_row(t, row, entries, actor)?, false));
        }
        // An external id or unique field names a record, and so does a standard idLookup
        // field (Contact.Email, Case.CaseNumber): describe says so, and a real org takes it.
        if !(f.unique || id_lookup(obj, f)) {
            return Err(no_field().into());
        }
        let key = Value::from_text(f.field_type, value)
            .map_err(|e| SfError::new(ErrorCode::JSON_PARSER_ERROR, e.to_string()))?;
        // The key is hashed once, for the lookup and the new row's index entry. At most two
        // matches are looked at: one updates, several are an error (all listed). An idLookup
        // field has no index, so its rows are read.
        let table = &self.tables[t];
        let fold_case = !f.case_sensitive;
        let hash = key.as_ref().and_then(|k| table.key_hash(fi, k));
        let (first, second) = match (&key, hash) {
            (Some(k), Some(h)) => {
                let mut rows = table.matches_hashed(fi, k, h).into_iter().flatten();
                (rows.next(), rows.next())
            }
            (Some(k), None) => {
                let mut rows = table.scan_equal(fi, k, fold_case);
                (rows.next(), rows.next())
            }
            _ => (None, None),
        };
        // The key given apart wins over the same field among the values, on insert and on
        // update alike: a Bulk row carries its key as one of its columns. (REST refuses a body
        // that names the key, before this; see `rest::sobjects`.)
        let fname = f.name.as_str();
        let not_key = |(k, _): &&Entry<'_>| match k {
            FieldName::Spelled(k) => !k.eq_ignore_ascii_case(fname),
            FieldName::Slot(i) => *i as usize != fi,
        };
        match (first, second) {
            (None, _) if mode.update_only => Err(SfError::not_found().into()),
            (None, _) => {
                // A text key is the text given (`Value::from_text` keeps a text field's text
                // as sent), so it is checked and stored as the row's other texts are.
                let key_given = match &key {
                    Some(Value::Text(_)) if f.field_type.is_text() => Given::Text(value),
                    Some(k) => Given::Stored(k),
                    None => Given::Text(value),
                };
                let with_key = entries
                    .iter()
                    .filter(not_key)
                    .copied()
                    .chain(std::iter::once((FieldName::Slot(fi as u16), key_given)));
                let buffer = std::mem::take(&mut self.scratch_changes);
                let changes = self.convert_entries(t, with_key, None, actor, buffer)?;
                let key_checked = hash.map(|h| (fi as u16, h));
                Ok((self.insert_converted(t, changes, key_checked, actor)?, true))
            }
            (Some(row), None) if entries.iter().all(|e| not_key(&e)) => {
                Ok((self.update_row(t, row, entries, actor)?, false))
            }
            (Some(row), None) => {
                let without_key: Vec<Entry<'_>> = entries.iter().filter(not_key).copied().collect();
                Ok((self.update_row(t, row, &without_key, actor)?, false))
            }
            (Some(_), Some(_)) => {
                let all = key
                    .as_ref()
                    .map(|k| table.rows_equal(fi, k, fold_case))
                    .unwrap_or_default();
                let ids = all
                    .iter()
                    .filter_map(|r| table.row(*r).and_then(|x| table.id_of(x)))
                    .collect();
                Err(UpsertError::MultipleMatches {
                    object: obj.name.clone(),
                    ids,
                })
            }
        }
    }

    fn set_deleted(
        &mut self,
        t: usize,
        row: u32,
        deleted: bool,
        actor: &Actor,
    ) -> Result<SfId, SfError> {
        let old = self.tables[t]
            .row(row)
            .cloned()
            .ok_or_else(cross_reference)?;
        let id = self.tables[t].id_of(&old).ok_or_else(cross_reference)?;
        let obj = self.schema.object_at(t);
        let mut rec = old.clone();
        let mut set = self.stamp(t, actor, false);
        if let Some(d) = obj.system_index(SystemField::IsDeleted) {
            set.push((d as u16, deleted.then_some(Value::Bool(true))));
        }
        rec.apply(set);
        if !deleted {
            self.check_unique(t, &rec, Some(row), None)?;
        }
        let kind = if deleted {
            ChangeKind::Delete
        } else {
            ChangeKind::Undelete
        };
        self.replace_row(t, row, id, kind, old, rec, actor);
        Ok(id)
    }

    /// Soft-deletes a record to the recycle bin (IsDeleted = true, still seen by queryAll).
    /// `object`, when given, must be the record's object.
    pub fn delete(
        &mut self,
        object: Option<&str>,
        id: &str,
        actor: &Actor,
    ) -> Result<SfId, SfError> {
        let sf_id = parse_id(id)?;
        let t = match object {
            Some(o) => self.object_index(o)?,
            None => self
                .locate(&sf_id)
                .map(|l| l.0)
                .ok_or_else(cross_reference)?,
        };
        if !actor.trusted && !self.schema.object_at(t).abilities().deletable {
            return Err(not_for(&self.schema.object_at(t).name, "deleted"));
        }
        let row = self.live_row_for_write(t, id)?;
        let plan = self.plan_delete((t, row), sf_id)?;
        for &((t, row), _) in &plan.deleted {
            if let Some(rec) = self.tables[t].row(row) {
                self.check_activated_order_lock(t, rec, true)?;
            }
        }
        if plan.is_alone() {
            return self.set_deleted(t, row, true, actor);
        }
        self.all_or_none(|s| {
            for &((t, row), _) in &plan.deleted {
                s.set_deleted(t, row, true, actor)?;
            }
            let mut lookups = Vec::new();
            for &(t, row, slot, target) in &plan.cleared {
                let record = s.set_lookup(t, row, slot, None, actor)?;
                let obj = s.schema.object_at(t);
                if restored_on_undelete(&obj.name, &obj.fields[slot as usize]) {
                    lookups.push(ClearedLookup {
                        record,
                        slot,
                        target,
                    });
                }
            }
            let with = DeletedWith {
                records: plan.deleted[1..].iter().map(|(_, id)| *id).collect(),
                lookups,
            };
            if !with.is_empty() {
                s.deleted_with.insert(sf_id, with);
            }
            Ok(sf_id)
        })
    }

    /// Sets the lookup in field `slot` of a live record: cleared when its target is deleted,
    /// put back when the target is undeleted. Returns the record's id.
    fn set_lookup(
        &mut self,
        t: usize,
        row: u32,
        slot: u16,
        value: Option<Value>,
        actor: &Actor,
    ) -> Result<SfId, SfError> {
        let old = self.tables[t]
            .row(row)
            .cloned()
            .ok_or_else(cross_reference)?;
        let id = self.tables[t].id_of(&old).ok_or_else(cross_reference)?;
        let mut rec = old.clone();
        let mut set = self.stamp(t, actor, false);
        set.push((slot, value));
        rec.apply(set);
        self.replace_row(t, row, id, ChangeKind::Update, old, rec, actor);
        Ok(id)
    }

    /// Puts `rec` in place of `old` at `row` of table `t`: the change event for whoever
    /// listens, and the undo entry for a transaction that rolls back.
    #[allow(clippy::too_many_arguments)]
    fn replace_row(
        &mut self,
        t: usize,
        row: u32,
        id: SfId,
        kind: ChangeKind,
        old: Record,
        rec: Record,
        actor: &Actor,
    ) {
        let change = self.hears(t).then(|| Change {
            row: Some(row),
            ..self.change(t, id, kind, Some(&old), &rec, actor)
        });
        self.tables[t].replace(row, rec);
        self.log_undo(Undo::Replaced { table: t, row, old });
        self.emit(change);
    }

    /// Restores a soft-deleted record from the recycle bin.
    pub fn undelete(&mut self, id: &str, actor: &Actor) -> Result<SfId, SfError> {
        let sf_id = parse_id(id)?;
        let (t, row) = self.locate(&sf_id).ok_or_else(cross_reference)?;
        match self.tables[t].row(row) {
            Some(r) if self.tables[t].is_deleted(r) => {}
            _ => {
                return Err(SfError::new(
                    ErrorCode::UNDELETE_FAILED,
                    "Entity is not in the recycle bin",
                ))
            }
        }
        let Some(with) = self.deleted_with.remove(&sf_id) else {
            return self.set_deleted(t, row, false, actor);
        };
        // What went to the recycle bin with the record comes back with it.
        let restored = self.all_or_none(|s| {
            let id = s.set_deleted(t, row, false, actor)?;
            let places: Vec<(usize, u32)> = with
                .records
                .iter()
                .filter_map(|c| s.in_recycle_bin(c))
                .collect();
            for (ct, crow) in places {
                s.set_deleted(ct, crow, false, actor)?;
            }
            // Cleared lookups come back where nothing replaced them meanwhile.
            for l in &with.lookups {
                let Some((ct, crow)) = s.live_place(&l.record) else {
                    continue;
                };
                let empty = s.tables[ct]
                    .row(crow)
                    .is_some_and(|r| r.get(l.slot as usize).is_none());
                if empty && s.live_place(&l.target).is_some() {
                    s.set_lookup(ct, crow, l.slot, Some(Value::Id(l.target)), actor)?;
                }
            }
            Ok(id)
        });
        if restored.is_err() {
            self.deleted_with.insert(sf_id, with);
        }
        restored
    }

    /// Where record `id` is, when it is live.
    fn live_place(&self, id: &SfId) -> Option<(usize, u32)> {
        let (t, row) = self.locate(id)?;
        let rec = self.tables[t].row(row)?;
        (!self.tables[t].is_deleted(rec)).then_some((t, row))
    }

    /// Where record `id` is, when it is in the recycle bin.
    fn in_recycle_bin(&self, id: &SfId) -> Option<(usize, u32)> {
        let (t, row) = self.locate(id)?;
        let rec = self.tables[t].row(row)?;
        self.tables[t].is_deleted(rec).then_some((t, row))
    }

    /// Removes a record for good (emptying it from the recycle bin, or skipping the bin).
    /// True when the record was live (not in the recycle bin): its removal is a delete.
    /// What went to the recycle bin with the record, or would go with it, goes for good too.
    pub fn hard_delete(&mut self, id: &str, actor: &Actor) -> Result<bool, SfError> {
        let sf_id = parse_id(id)?;
        let (t, row) = self.locate(&sf_id).ok_or_else(cross_reference)?;
        if !actor.trusted && !self.schema.object_at(t).abilities().deletable {
            return Err(not_for(&self.schema.object_at(t).name, "deleted"));
        }
        let live = self.tables[t]
            .row(row)
            .is_some_and(|r| !self.tables[t].is_deleted(r));
        if live {
            let plan = self.plan_delete((t, row), sf_id)?;
            if !plan.is_alone() {
                return self.all_or_none(|s| {
                    for &(t, row, slot, _) in &plan.cleared {
                        s.set_lookup(t, row, slot, None, actor)?;
                    }
                    for &((t, row), id) in &plan.deleted {
                        s.hard_delete_row(t, row, id, actor)?;
                    }
                    Ok(true)
                });
            }
        } else if let Some(with) = self.deleted_with.remove(&sf_id) {
            for cid in with.records {
                if let Some((ct, crow)) = self.in_recycle_bin(&cid) {
                    self.hard_delete_row(ct, crow, cid, actor)?;
                }
            }
        }
        self.hard_delete_row(t, row, sf_id, actor)
    }

    /// Removes the record at `row` of table `t` (whose id is `sf_id`) for good.
    fn hard_delete_row(
        &mut self,
        t: usize,
        row: u32,
        sf_id: SfId,
        actor: &Actor,
    ) -> Result<bool, SfError> {
        let old = self.tables[t].remove(row).ok_or_else(cross_reference)?;
        self.tables[t].note_purged(actor.now.timestamp_millis());
        let was_live = !self.tables[t].is_deleted(&old);
        let change = (was_live && self.hears(t)).then(|| {
            self.change(
                t,
                sf_id,
                ChangeKind::Delete,
                Some(&old),
                &Record::default(),
                actor,
            )
        });
        self.log_undo(Undo::Removed { table: t, old });
        if was_live {
            self.emit(change);
        }
        Ok(was_live)
    }
}
