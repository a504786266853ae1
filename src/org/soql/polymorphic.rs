//! Salesforce's `Name` entity: what a polymorphic lookup (Task.What, Task.Who, Event.What…)
//! points at in SOQL.
//!
//! A path through a lookup with several target objects does not reach one object but the
//! special `Name` entity, so only its fields may follow: `What.Name`, `Who.Email`, and
//! `What.Type`, the sObject type of the record reached (`Account`, `Opportunity`), which can
//! also be filtered on (`WHERE What.Type = 'Account'`). Any other name is INVALID_FIELD
//! `No such column 'Industry' on entity 'Name'`.
//!
//! Implementation notes: a Name field is read by name from whatever record the lookup reaches
//! and is null when that object has no such field; `Name` falls back to the object's name field
//! (a Case's CaseNumber) when the object has no `Name`. The list keeps to Name's common fields.

use crate::org::record::Record;
use crate::org::schema::FieldType;
use crate::org::store::Store;
use crate::org::value::Value;

/// The Name entity's fields sflab models, as Salesforce spells them, with their types.
const NAME_FIELDS: &[(&str, FieldType)] = &[
    ("Id", FieldType::Id),
    ("Name", FieldType::String),
    ("Type", FieldType::Picklist),
    ("FirstName", FieldType::String),
    ("LastName", FieldType::String),
    ("Alias", FieldType::String),
    ("Email", FieldType::Email),
    ("Phone", FieldType::Phone),
    ("Title", FieldType::String),
    ("Username", FieldType::String),
    ("IsActive", FieldType::Boolean),
    ("UserRoleId", FieldType::Reference),
    ("ProfileId", FieldType::Reference),
    ("RecordTypeId", FieldType::Reference),
    ("LastReferencedDate", FieldType::DateTime),
    ("LastViewedDate", FieldType::DateTime),
];

/// The entity name SOQL errors and record `attributes` use for a polymorphic lookup's target.
pub const ENTITY: &str = "Name";

/// The Name field called `name` (any case): its canonical spelling and type.
pub fn name_field(name: &str) -> Option<(&'static str, FieldType)> {
    NAME_FIELDS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .copied()
}

/// How the last part of a resolved path is read.
#[derive(Debug, Clone, PartialEq)]
pub enum Reads {
    /// A field stored on the object reached.
    Stored,
    /// A Name-entity field behind a polymorphic lookup, read by name from the record reached.
    NameField,
    /// `What.Type`: the type name of the record reached, one value per object of the schema.
    SObjectType(Vec<Value>),
}

impl Reads {
    /// The type names of every object of the store's schema, for [`Reads::SObjectType`].
    pub fn sobject_type(store: &Store) -> Reads {
        Reads::SObjectType(
            store
                .schema()
                .objects()
                .iter()
                .map(|o| Value::Text(o.name.as_str().into()))
                .collect(),
        )
    }

    /// The value of Name field `name` on `rec`, a record of object `obj`.
    pub fn read<'s>(
        &'s self,
        store: &'s Store,
        obj: usize,
        rec: &'s Record,
        name: &str,
    ) -> Option<&'s Value> {
        match self {
            Reads::Stored => None,
            Reads::SObjectType(names) => names.get(obj),
            Reads::NameField => {
                let o = store.object(obj);
                let idx = o.field_index(name).or_else(|| {
                    (name == "Name")
                        .then(|| o.fields.iter().position(|f| f.name_field))
                        .flatten()
                });
                rec.get(idx?)
            }
        }
    }
}
