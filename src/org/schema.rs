//! The org's schema: objects, their fields and types, and the relationships between them.
//!
//! [`Schema`] owns every [`ObjectDef`]; names are looked up case-insensitively as Salesforce
//! does. Child relationships are never declared by hand: [`Schema::link`] derives them from the
//! lookup fields of every object (a Contact's `AccountId` gives Account its `Contacts`).
//! Standard objects come from `standard_objects`; seeds add custom objects and fields.

use super::cascade::OnDelete;
use serde::{Deserialize, Serialize};

/// A field's data type, named as `describe` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Id,
    String,
    TextArea,
    Picklist,
    MultiPicklist,
    Boolean,
    Int,
    Double,
    Currency,
    Percent,
    Date,
    DateTime,
    Email,
    Phone,
    Url,
    Reference,
}

impl FieldType {
    /// The `type` value in describe results.
    pub fn describe_name(self) -> &'static str {
        match self {
            FieldType::Id => "id",
            FieldType::String => "string",
            FieldType::TextArea => "textarea",
            FieldType::Picklist => "picklist",
            FieldType::MultiPicklist => "multipicklist",
            FieldType::Boolean => "boolean",
            FieldType::Int => "int",
            FieldType::Double => "double",
            FieldType::Currency => "currency",
            FieldType::Percent => "percent",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Url => "url",
            FieldType::Reference => "reference",
        }
    }

    /// The SOAP type in describe results.
    pub fn soap_type(self) -> &'static str {
        match self {
            FieldType::Id | FieldType::Reference => "tns:ID",
            FieldType::Boolean => "xsd:boolean",
            FieldType::Int => "xsd:int",
            FieldType::Double | FieldType::Currency | FieldType::Percent => "xsd:double",
            FieldType::Date => "xsd:date",
            FieldType::DateTime => "xsd:dateTime",
            _ => "xsd:string",
        }
    }

    /// True for types whose values are text.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            FieldType::String
                | FieldType::TextArea
                | FieldType::Picklist
                | FieldType::MultiPicklist
                | FieldType::Email
                | FieldType::Phone
                | FieldType::Url
        )
    }

    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent
        )
    }
}

/// Audit and identity fields every object carries, kept by the store rather than the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SystemField {
    Id,
    IsDeleted,
    CreatedDate,
    CreatedById,
    LastModifiedDate,
    LastModifiedById,
    SystemModstamp,
}

/// One picklist entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PicklistValue {
    pub value: String,
    pub label: String,
    #[serde(default)]
    pub default: bool,
}

/// One field of an object, with everything `describe` reports and validation needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDef {
    pub name: String,
    pub label: String,
    pub field_type: FieldType,
    /// Maximum characters for text types (0 otherwise).
    pub length: u32,
    pub precision: u8,
    pub scale: u8,
    pub nillable: bool,
    /// The org fills it when the caller leaves it out (e.g. OwnerId, a checkbox).
    pub defaulted_on_create: bool,
    pub createable: bool,
    pub updateable: bool,
    pub unique: bool,
    pub external_id: bool,
    pub case_sensitive: bool,
    pub reference_to: Vec<String>,
    pub relationship_name: Option<String>,
    /// The name the parent object uses for the list of records pointing here
    /// (`Contacts` for Contact.AccountId).
    pub child_relationship_name: Option<String>,
    pub picklist: Vec<PicklistValue>,
    pub restricted_picklist: bool,
    pub custom: bool,
    pub default_value: Option<serde_json::Value>,
    pub system: Option<SystemField>,
    /// Name fields (Account.Name, Contact's compound Name) are what lookups display.
    pub name_field: bool,
}

impl FieldDef {
    /// A long text area (a text area over 255 characters, such as Account.Description):
    /// SOQL can select it but not filter, sort or group on it.
    pub fn is_long_text_area(&self) -> bool {
        self.field_type == FieldType::TextArea && self.length > 255
    }

    /// Describe's `filterable`, and whether SOQL lets the field into WHERE.
    pub fn filterable(&self) -> bool {
        !self.is_long_text_area()
    }

    /// Describe's `sortable`, and whether SOQL lets the field into ORDER BY (multi-select
    /// picklists are filterable but not sortable).
    pub fn sortable(&self) -> bool {
        self.filterable() && self.field_type != FieldType::MultiPicklist
    }

    /// Describe's `groupable`, and whether SOQL lets the field into GROUP BY: no long text,
    /// multi-select picklist or fractional number.
    pub fn groupable(&self) -> bool {
        let t = self.field_type;
        self.sortable() && (!t.is_numeric() || t == FieldType::Int)
    }

    /// A plain nillable, createable, updateable field.
    pub fn new(name: &str, label: &str, field_type: FieldType) -> FieldDef {
        let (length, precision, scale) = match field_type {
            FieldType::String | FieldType::Email | FieldType::Picklist => (255, 0, 0),
            FieldType::Url => (255, 0, 0),
            FieldType::Phone => (40, 0, 0),
            FieldType::TextArea => (32000, 0, 0),
            FieldType::MultiPicklist => (4099, 0, 0),
            FieldType::Id | FieldType::Reference => (18, 0, 0),
            FieldType::Currency => (0, 18, 2),
            FieldType::Double | FieldType::Percent => (0, 18, 2),
            FieldType::Int => (0, 9, 0),
            _ => (0, 0, 0),
        };
        FieldDef {
            name: name.to_string(),
            label: label.to_string(),
            field_type,
            length,
            precision,
            scale,
            nillable: field_type != FieldType::Boolean,
            defaulted_on_create: field_type == FieldType::Boolean,
            createable: true,
            updateable: true,
            unique: false,
            external_id: false,
            case_sensitive: false,
            reference_to: Vec::new(),
            relationship_name: None,
            child_relationship_name: None,
            picklist: Vec::new(),
            restricted_picklist: false,
            custom: name.ends_with("__c"),
            default_value: if field_type == FieldType::Boolean {
                Some(serde_json::Value::Bool(false))
            } else {
                None
            },
            system: None,
            name_field: false,
        }
    }

    /// Required on create: not nillable, createable, and not filled in by the org.
    pub fn required(&self) -> bool {
        !self.nillable && self.createable && !self.defaulted_on_create
    }

    /// True when the index on this field (unique or external id) ignores case.
    pub fn indexed(&self) -> bool {
        self.unique || self.external_id
    }

    pub fn with_length(mut self, length: u32) -> FieldDef {
        self.length = length;
        self
    }

    /// A number's size: `precision` digits in all, `scale` of them after the point (for an
    /// int field, `precision` is its describe's `digits`).
    pub fn with_size(mut self, precision: u8, scale: u8) -> FieldDef {
        self.precision = precision;
        self.scale = scale;
        self
    }

    pub fn required_field(mut self) -> FieldDef {
        self.nillable = false;
        self
    }

    pub fn read_only(mut self) -> FieldDef {
        self.createable = false;
        self.updateable = false;
        self
    }

    pub fn lookup(mut self, to: &str, relationship: &str, children: Option<&str>) -> FieldDef {
        self.reference_to = vec![to.to_string()];
        self.relationship_name = Some(relationship.to_string());
        self.child_relationship_name = children.map(str::to_string);
        self
    }

    /// Flags the picklist entry equal to the field's default value as the default one (and
    /// no other), as describe's `picklistValues[].defaultValue` reports it.
    pub fn flag_default_picklist_entry(&mut self) {
        let default = self.default_value.as_ref().and_then(|d| d.as_str());
        for p in &mut self.picklist {
            p.default = default == Some(p.value.as_str());
        }
    }

    pub fn picklist_of(mut self, values: &[&str]) -> FieldDef {
        self.picklist = values
            .iter()
            .map(|v| PicklistValue {
                value: v.to_string(),
                label: v.to_string(),
                default: false,
            })
            .collect();
        self
    }
}

/// Names (ASCII-lowercased) to positions, with a fast hash: every DML call and query looks
/// field names up here.
type NameMap = rustc_hash::FxHashMap<String, usize>;

/// Looks `name` up in a map keyed by ASCII-lowercased names, without allocating for the
/// short names schemas use (lookups run once per field of every DML call).
fn get_folded(map: &NameMap, name: &str) -> Option<usize> {
    let bytes = name.as_bytes();
    let mut buf = [0u8; 64];
    if bytes.len() > buf.len() {
        return map.get(&name.to_ascii_lowercase()).copied();
    }
    let folded = &mut buf[..bytes.len()];
    folded.copy_from_slice(bytes);
    folded.make_ascii_lowercase();
    // ASCII lowercasing keeps UTF-8 valid; the fallback only guards the impossible case.
    match std::str::from_utf8(folded) {
        Ok(key) => map.get(key).copied(),
        Err(_) => map.get(&name.to_ascii_lowercase()).copied(),
    }
}

/// A child relationship as the parent sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildRelationship {
    pub child_object: String,
    pub field: String,
    pub relationship_name: String,
    /// Deleting the parent deletes these children (see `cascade`).
    #[serde(default)]
    pub cascade_delete: bool,
    /// These children, while live, forbid deleting the parent.
    #[serde(default)]
    pub restricted_delete: bool,
}

/// One object (table) of the org.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ObjectDef {
    pub name: String,
    pub label: String,
    pub label_plural: String,
    pub key_prefix: String,
    pub custom: bool,
    pub fields: Vec<FieldDef>,
    /// Derived by [`Schema::link`].
    #[serde(skip)]
    pub child_relationships: Vec<ChildRelationship>,
    #[serde(skip)]
    by_name: NameMap,
}

/// What an object lets the API do with its records at all, as describe reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abilities {
    pub createable: bool,
    pub updateable: bool,
    pub deletable: bool,
}

impl ObjectDef {
    /// Whether its records can be created, updated and deleted through the API: the org's
    /// one `Organization` record is neither created nor deleted, users are deactivated,
    /// never deleted, and profiles and Login History are read-only.
    pub fn abilities(&self) -> Abilities {
        let (createable, deletable) = match self.name.as_str() {
            "Organization" | "Profile" | "LoginHistory" => (false, false),
            "User" => (true, false),
            _ => (true, true),
        };
        Abilities {
            createable,
            // Profiles and sign-ins are read through the API, never written.
            updateable: !matches!(self.name.as_str(), "Profile" | "LoginHistory"),
            deletable,
        }
    }

    pub fn new(name: &str, label: &str, label_plural: &str, key_prefix: &str) -> ObjectDef {
        ObjectDef {
            name: name.to_string(),
            label: label.to_string(),
            label_plural: label_plural.to_string(),
            key_prefix: key_prefix.to_string(),
            custom: name.ends_with("__c"),
            fields: Vec::new(),
            child_relationships: Vec::new(),
            by_name: NameMap::default(),
        }
    }

    /// Adds or replaces a field (by case-insensitive name).
    pub fn put_field(&mut self, field: FieldDef) {
        let key = field.name.to_ascii_lowercase();
        match self.by_name.get(&key) {
            Some(&i) => self.fields[i] = field,
            None => {
                self.by_name.insert(key, self.fields.len());
                self.fields.push(field);
            }
        }
    }

    /// The index of a field by case-insensitive name.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        get_folded(&self.by_name, name)
    }

    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.field_index(name).map(|i| &self.fields[i])
    }

    /// The lookup field whose relationship is called `rel` (`Account` → `AccountId`).
    pub fn field_by_relationship(&self, rel: &str) -> Option<usize> {
        self.fields.iter().position(|f| {
            f.relationship_name
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case(rel))
        })
    }

    pub fn child_relationship(&self, rel: &str) -> Option<&ChildRelationship> {
        self.child_relationships
            .iter()
            .find(|c| c.relationship_name.eq_ignore_ascii_case(rel))
    }

    /// The index of the system field of that kind.
    pub fn system_index(&self, which: SystemField) -> Option<usize> {
        self.fields.iter().position(|f| f.system == Some(which))
    }

    /// The field lookups show as the record's name (`Name`, or the first name field).
    pub fn name_field(&self) -> Option<usize> {
        self.fields.iter().position(|f| f.name_field)
    }

    fn reindex(&mut self) {
        self.by_name = self
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.to_ascii_lowercase(), i))
            .collect();
    }
}

/// Every object of one org.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Schema {
    objects: Vec<ObjectDef>,
    #[serde(skip)]
    by_name: NameMap,
    /// By key prefix (`001`): every lookup of a record by id starts here.
    #[serde(skip)]
    by_prefix: NameMap,
}

impl Schema {
    pub fn new() -> Schema {
        Schema::default()
    }

    /// Adds or replaces an object (by case-insensitive name).
    pub fn put_object(&mut self, object: ObjectDef) {
        let key = object.name.to_ascii_lowercase();
        match self.by_name.get(&key) {
            Some(&i) => self.objects[i] = object,
            None => {
                self.by_name.insert(key, self.objects.len());
                self.by_prefix
                    .insert(object.key_prefix.clone(), self.objects.len());
                self.objects.push(object);
            }
        }
    }

    pub fn object_index(&self, name: &str) -> Option<usize> {
        get_folded(&self.by_name, name)
    }

    pub fn object(&self, name: &str) -> Option<&ObjectDef> {
        self.object_index(name).map(|i| &self.objects[i])
    }

    pub fn object_mut(&mut self, name: &str) -> Option<&mut ObjectDef> {
        let i = self.object_index(name)?;
        Some(&mut self.objects[i])
    }

    pub fn object_at(&self, index: usize) -> &ObjectDef {
        &self.objects[index]
    }

    /// The object whose records' ids start with `prefix`.
    pub fn object_by_prefix(&self, prefix: &str) -> Option<usize> {
        self.by_prefix.get(prefix).copied()
    }

    pub fn objects(&self) -> &[ObjectDef] {
        &self.objects
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// Rebuilds name indexes and derives every child relationship from the lookups.
    pub fn link(&mut self) {
        for o in &mut self.objects {
            o.reindex();
            o.child_relationships.clear();
        }
        self.by_name = self
            .objects
            .iter()
            .enumerate()
            .map(|(i, o)| (o.name.to_ascii_lowercase(), i))
            .collect();
        self.by_prefix = self
            .objects
            .iter()
            .enumerate()
            .map(|(i, o)| (o.key_prefix.clone(), i))
            .collect();
        let mut found: Vec<(usize, ChildRelationship)> = Vec::new();
        for child in &self.objects {
            for f in &child.fields {
                let Some(rel) = &f.child_relationship_name else {
                    continue;
                };
                for parent in &f.reference_to {
                    if let Some(p) = self.object_index(parent) {
                        let on_delete = super::cascade::on_delete_of(parent, &child.name, f);
                        found.push((
                            p,
                            ChildRelationship {
                                child_object: child.name.clone(),
                                field: f.name.clone(),
                                relationship_name: rel.clone(),
                                cascade_delete: on_delete == Some(OnDelete::Cascade),
                                restricted_delete: on_delete == Some(OnDelete::Restrict),
                            },
                        ));
                    }
                }
            }
        }
        for (p, rel) in found {
            self.objects[p].child_relationships.push(rel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_relationships_are_derived_from_lookups() {
        let mut s = Schema::new();
        s.put_object(ObjectDef::new("Account", "Account", "Accounts", "001"));
        let mut c = ObjectDef::new("Contact", "Contact", "Contacts", "003");
        c.put_field(
            FieldDef::new("AccountId", "Account ID", FieldType::Reference).lookup(
                "Account",
                "Account",
                Some("Contacts"),
            ),
        );
        s.put_object(c);
        s.link();
        let a = s.object("account").unwrap();
        let rel = a.child_relationship("CONTACTS").unwrap();
        assert_eq!(rel.child_object, "Contact");
        assert_eq!(rel.field, "AccountId");
    }

    #[test]
    fn field_names_are_case_insensitive() {
        let mut o = ObjectDef::new("Account", "Account", "Accounts", "001");
        o.put_field(FieldDef::new("Name", "Account Name", FieldType::String));
        assert_eq!(o.field_index("nAmE"), Some(0));
        assert!(o.field("Naem").is_none());
    }

    #[test]
    fn a_non_nillable_createable_field_without_default_is_required() {
        let f = FieldDef::new("Name", "Name", FieldType::String).required_field();
        assert!(f.required());
        let b = FieldDef::new("Flag__c", "Flag", FieldType::Boolean);
        assert!(!b.required(), "checkboxes default to false");
    }
}
