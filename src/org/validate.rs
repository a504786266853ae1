//! Validation and bookkeeping shared by every write: converting a JSON body into field
//! values with Salesforce's checks (lengths, e-mails, lookups, restricted picklists,
//! writability), derived fields, required and unique checks, audit stamps, and the
//! [`Change`] a write produces.

use super::change::{Change, ChangeKind};
use super::error::{ErrorCode, SfError};
use super::ids::SfId;
use super::record::Record;
use super::schema::{FieldDef, FieldType, ObjectDef, SystemField};
use super::store::{Actor, Store};
use super::value::Value;
use serde_json::Map;

type Json = serde_json::Value;

pub(crate) fn no_such_column(field: &str, object: &str) -> SfError {
    SfError::new(
        ErrorCode::INVALID_FIELD,
        format!("No such column '{field}' on sobject of type {object}"),
    )
}

pub(crate) fn cross_reference() -> SfError {
    SfError::new(
        ErrorCode::INVALID_CROSS_REFERENCE_KEY,
        "invalid cross reference id",
    )
}

pub(crate) fn entity_deleted() -> SfError {
    SfError::new(ErrorCode::ENTITY_IS_DELETED, "entity is deleted")
}

fn plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

impl Store {
    /// Checks one converted value against its field's rules.
    pub(crate) fn check_value(&self, f: &FieldDef, v: Value) -> Result<Value, SfError> {
        let fields = || vec![f.name.clone()];
        match (&v, f.field_type) {
            (Value::Text(s), FieldType::Reference | FieldType::Id) => {
                let bad = || {
                    SfError::new(
                        ErrorCode::MALFORMED_ID,
                        format!("{}: id value of incorrect type: {s}", f.label),
                    )
                    .with_fields(fields())
                };
                let id = SfId::parse(s).map_err(|_| bad())?;
                let targets: Vec<usize> = f
                    .reference_to
                    .iter()
                    .filter_map(|o| self.schema.object_index(o))
                    .collect();
                if targets.is_empty() {
                    // The target object is not modelled (e.g. Profile): accept any id.
                    return Ok(Value::Id(id));
                }
                let t = targets
                    .into_iter()
                    .find(|&t| self.schema.object_at(t).key_prefix == id.key_prefix())
                    .ok_or_else(bad)?;
                match self.tables[t].get(&id) {
                    Some(r) if !self.tables[t].is_deleted(r) => Ok(Value::Id(id)),
                    _ => Err(cross_reference().with_fields(fields())),
                }
            }
            (Value::Text(s), t) if t.is_text() => {
                let len = s.chars().count();
                if f.length > 0 && len > f.length as usize {
                    return Err(SfError::new(
                        ErrorCode::STRING_TOO_LONG,
                        format!(
                            "{}: data value too large: {s} (max length={})",
                            f.label, f.length
                        ),
                    )
                    .with_fields(fields()));
                }
                if t == FieldType::Email && !plausible_email(s) {
                    return Err(SfError::new(
                        ErrorCode::INVALID_EMAIL_ADDRESS,
                        format!("{}: invalid email address: {s}", f.label),
                    )
                    .with_fields(fields()));
                }
                if f.restricted_picklist && !f.picklist.iter().any(|p| p.value == **s) {
                    return Err(SfError::new(
                        ErrorCode::INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST,
                        format!("{}: bad value for restricted picklist field: {s}", f.label),
                    )
                    .with_fields(fields()));
                }
                Ok(v)
            }
            _ => Ok(v),
        }
    }

    /// Resolves `"Account": {"ERP_Id__c": "A-1000"}` in a body to the parent's id.
    /// [U: the not-found / several-matches texts are modelled on Salesforce's wording.]
    fn resolve_parent_key(
        &self,
        lookup: &FieldDef,
        key: &Map<String, Json>,
    ) -> Result<SfId, SfError> {
        let mut pairs = key.iter().filter(|(k, _)| *k != "attributes");
        let (Some((field, value)), None) = (pairs.next(), pairs.next()) else {
            return Err(SfError::new(
                ErrorCode::INVALID_FIELD,
                format!("A relationship value for {} must name exactly one external id field of the parent, e.g. {{\"ERP_Id__c\": \"A-1000\"}}", lookup.name),
            ));
        };
        let shown = match value {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        for target in &lookup.reference_to {
            let Ok(ids) = self.find_by_external(target, field, &shown) else {
                continue;
            };
            return match ids.as_slice() {
                [id] => Ok(*id),
                [] => Err(SfError::new(
                    ErrorCode::INVALID_FIELD,
                    format!("Foreign key external ID: {shown} not found for field {field} in entity {target}"),
                )),
                _ => Err(SfError::new(
                    ErrorCode::INVALID_FIELD,
                    format!("Foreign key external ID: {shown} matches more than one record for field {field} in entity {target}"),
                )),
            };
        }
        Err(SfError::new(
            ErrorCode::INVALID_FIELD,
            format!(
                "No such column '{field}' on sobject of type {}",
                lookup
                    .reference_to
                    .first()
                    .map(String::as_str)
                    .unwrap_or("")
            ),
        ))
    }

    /// Converts and validates the body's fields into `(index, value)` changes.
    pub(crate) fn convert_fields(
        &self,
        t: usize,
        map: &Map<String, Json>,
        existing: Option<&SfId>,
        actor: &Actor,
    ) -> Result<Vec<(u16, Option<Value>)>, SfError> {
        let obj = self.schema.object_at(t);
        let mut out = Vec::with_capacity(map.len());
        let mut not_writable = Vec::new();
        for (k, v) in map {
            if k == "attributes" {
                continue;
            }
            if let (None, Json::Object(parent_key)) = (obj.field_index(k), v) {
                if let Some(lookup) = obj.field_by_relationship(k) {
                    let id = self.resolve_parent_key(&obj.fields[lookup], parent_key)?;
                    out.push((lookup as u16, Some(Value::Id(id))));
                    continue;
                }
            }
            let i = obj
                .field_index(k)
                .ok_or_else(|| no_such_column(k, &obj.name))?;
            let f = &obj.fields[i];
            if f.system == Some(SystemField::Id) {
                let same = existing.is_some_and(|id| {
                    v.as_str().and_then(|s| SfId::parse(s).ok()).as_ref() == Some(id)
                });
                if same {
                    continue;
                }
            }
            let writable = match existing {
                None => f.createable,
                Some(_) => f.updateable,
            };
            if !writable && !actor.trusted {
                not_writable.push(f.name.clone());
                continue;
            }
            let value = Value::from_json(f.field_type, v)
                .map_err(|e| SfError::new(ErrorCode::JSON_PARSER_ERROR, e.to_string()))?;
            let value = match value {
                Some(v) => Some(self.check_value(f, v)?),
                None => None,
            };
            // False checkboxes are not stored (see the module notes).
            let value = value.filter(|v| *v != Value::Bool(false));
            out.push((i as u16, value));
        }
        if !not_writable.is_empty() {
            return Err(SfError::new(
                ErrorCode::INVALID_FIELD_FOR_INSERT_UPDATE,
                format!(
                    "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                    not_writable.join(", ")
                ),
            )
            .with_fields(not_writable));
        }
        Ok(out)
    }

    /// Computes read-only fields that follow from others (names, closed flags, numbers).
    pub(crate) fn derive(&mut self, t: usize, rec: &mut Record, creating: bool) {
        let obj = self.schema.object_at(t);
        let mut set: Vec<(u16, Option<Value>)> = Vec::new();
        let idx = |n: &str| obj.field_index(n);
        let text = |n: &str| idx(n).and_then(|i| rec.get(i)).and_then(Value::as_str);
        if let (Some(name), Some(_)) = (idx("Name"), idx("LastName")) {
            if !obj.fields[name].createable {
                let full: Vec<&str> = [text("FirstName"), text("LastName")]
                    .into_iter()
                    .flatten()
                    .collect();
                let full = full.join(" ");
                set.push((
                    name as u16,
                    (!full.is_empty()).then(|| Value::Text(full.into())),
                ));
            }
        }
        let flag = |b: bool| b.then_some(Value::Bool(true));
        match obj.name.as_str() {
            "Opportunity" => {
                let stage = text("StageName").unwrap_or("");
                if let (Some(c), Some(w)) = (idx("IsClosed"), idx("IsWon")) {
                    set.push((c as u16, flag(stage.starts_with("Closed"))));
                    set.push((w as u16, flag(stage == "Closed Won")));
                }
            }
            "Case" | "Task" => {
                let status = text("Status").unwrap_or("");
                let closed = status == "Closed" || status == "Completed";
                if let Some(c) = idx("IsClosed") {
                    set.push((c as u16, flag(closed)));
                }
            }
            _ => {}
        }
        let auto: Vec<usize> = obj
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.name_field && !f.createable && f.field_type == FieldType::String && !f.nillable
            })
            .map(|(i, _)| i)
            .collect();
        if creating {
            for i in auto {
                if rec.get(i).is_none() {
                    self.auto_numbers[t] += 1;
                    let n = 1000 + self.auto_numbers[t];
                    set.push((i as u16, Some(Value::Text(format!("{n:08}").into()))));
                }
            }
        }
        rec.apply(set);
    }

    pub(crate) fn check_required(obj: &ObjectDef, rec: &Record) -> Result<(), SfError> {
        let missing: Vec<String> = obj
            .fields
            .iter()
            .enumerate()
            .filter(|(i, f)| {
                f.required() && f.field_type != FieldType::Boolean && rec.get(*i).is_none()
            })
            .map(|(_, f)| f.name.clone())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(SfError::new(
            ErrorCode::REQUIRED_FIELD_MISSING,
            format!("Required fields are missing: [{}]", missing.join(", ")),
        )
        .with_fields(missing))
    }

    pub(crate) fn check_unique(
        &self,
        t: usize,
        rec: &Record,
        except: Option<u32>,
    ) -> Result<(), SfError> {
        let obj = self.schema.object_at(t);
        let table = &self.tables[t];
        for (i, f) in obj.fields.iter().enumerate() {
            if !f.unique || f.system.is_some() {
                continue;
            }
            let Some(v) = rec.get(i) else { continue };
            let Some(rows) = table.lookup(i, v) else {
                continue;
            };
            if let Some(other) = rows.into_iter().find(|r| Some(*r) != except) {
                let id = table
                    .row(other)
                    .and_then(|r| table.id_of(r))
                    .map(|id| id.to_string())
                    .unwrap_or_default();
                return Err(SfError::new(
                    ErrorCode::DUPLICATE_VALUE,
                    format!(
                        "duplicate value found: {} duplicates value on record with id: {id}",
                        f.name
                    ),
                )
                .with_fields(vec![f.name.clone()]));
            }
        }
        Ok(())
    }

    pub(crate) fn stamp(
        obj: &ObjectDef,
        actor: &Actor,
        creating: bool,
    ) -> Vec<(u16, Option<Value>)> {
        let now = Value::DateTime(actor.now.timestamp_millis());
        let user = Value::Id(actor.user);
        let mut out = Vec::new();
        for (i, f) in obj.fields.iter().enumerate() {
            let v = match f.system {
                Some(SystemField::CreatedDate) if creating => now.clone(),
                Some(SystemField::CreatedById) if creating => user.clone(),
                Some(SystemField::LastModifiedDate | SystemField::SystemModstamp) => now.clone(),
                Some(SystemField::LastModifiedById) => user.clone(),
                _ => continue,
            };
            out.push((i as u16, Some(v)));
        }
        out
    }

    pub(crate) fn change(
        &self,
        t: usize,
        id: SfId,
        kind: ChangeKind,
        old: Option<&Record>,
        new: &Record,
        actor: &Actor,
    ) -> Change {
        let obj = self.schema.object_at(t);
        let mut changed = Vec::new();
        let mut nulled = Vec::new();
        for (i, f) in obj.fields.iter().enumerate() {
            let before = old.and_then(|r| r.get(i));
            let after = new.get(i);
            if before != after {
                if after.is_none() && f.field_type != FieldType::Boolean {
                    nulled.push(f.name.clone());
                } else {
                    changed.push(f.name.clone());
                }
            }
        }
        Change {
            object: obj.name.clone(),
            id,
            kind,
            changed_fields: changed,
            nulled_fields: nulled,
            user: actor.user,
            at: actor.now,
            origin: crate::org::origin::current().unwrap_or_default(),
        }
    }
}
