//! What one DML operation changed, as Change Data Capture and the rules engine need it.
//!
//! A write returns only its record's id; its [`Change`] goes to the store's listeners once the
//! write is committed (at the end of an all-or-none batch, never for a rolled-back one). A
//! change is made only when some listener hears its object, so a Bulk load of an object
//! without Change Data Capture makes none.

use super::ids::SfId;
use chrono::{DateTime, Utc};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use std::sync::Arc;

/// Every field name of one object by slot, shared by the store's rules and its changes.
pub type FieldNames = Arc<[Box<str>]>;

/// The fields one change set and nulled, by API name in schema order. Kept as slots into the
/// object's shared names, so making, copying and dropping one costs at most one allocation
/// whatever the number of fields (a Bulk job makes one per row).
#[derive(Clone)]
pub struct ChangedFields {
    names: FieldNames,
    /// The set or changed slots, then the nulled ones.
    slots: Arc<[u16]>,
    changed: usize,
}

impl ChangedFields {
    pub fn new(names: &FieldNames, changed: &[u16], nulled: &[u16]) -> ChangedFields {
        let slots: Arc<[u16]> = changed.iter().chain(nulled).copied().collect();
        ChangedFields {
            names: names.clone(),
            slots,
            changed: changed.len(),
        }
    }

    /// The fields of a create: every slot of the new record, set (the record's own shared
    /// slot list, so no allocation).
    pub fn created(names: &FieldNames, slots: Arc<[u16]>) -> ChangedFields {
        ChangedFields {
            names: names.clone(),
            changed: slots.len(),
            slots,
        }
    }

    /// Fields given a value (set, or changed on update).
    pub fn changed(&self) -> impl Iterator<Item = &str> + '_ {
        self.slots[..self.changed]
            .iter()
            .map(|&i| &*self.names[i as usize])
    }

    /// Fields set to null.
    pub fn nulled(&self) -> impl Iterator<Item = &str> + '_ {
        self.slots[self.changed..]
            .iter()
            .map(|&i| &*self.names[i as usize])
    }
}

impl PartialEq for ChangedFields {
    fn eq(&self, other: &Self) -> bool {
        self.changed().eq(other.changed()) && self.nulled().eq(other.nulled())
    }
}

impl std::fmt::Debug for ChangedFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangedFields")
            .field("changed", &self.changed().collect::<Vec<_>>())
            .field("nulled", &self.nulled().collect::<Vec<_>>())
            .finish()
    }
}

impl Serialize for ChangedFields {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("ChangedFields", 2)?;
        out.serialize_field("changed", &self.changed().collect::<Vec<_>>())?;
        out.serialize_field("nulled", &self.nulled().collect::<Vec<_>>())?;
        out.end()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ChangeKind {
    Create,
    Update,
    Delete,
    Undelete,
}

/// One committed record change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The object's API name as the schema spells it (shared with the store's rules).
    pub object: Arc<str>,
    pub id: SfId,
    pub kind: ChangeKind,
    /// Fields given a value (set, or changed on update) and fields set to null.
    pub fields: ChangedFields,
    pub user: SfId,
    pub at: DateTime<Utc>,
    /// The API call that made it (`com/salesforce/api/rest/62.0;client=…`), empty when not
    /// made through the API; see [`super::origin`].
    /// Shared: the changes of one Bulk job all hold the job's.
    pub origin: Arc<str>,
    /// Where the record sat in its table when the change was made: a hint that spares a
    /// reader the id lookup (it confirms the id; a row may hold another record by then).
    #[serde(skip)]
    pub row: Option<u32>,
}
