//! Reading records as REST JSON: retrieve by id (with a `fields=` projection), look up by
//! external id, and the record → JSON conversion the query engine shares.

use super::error::{ErrorCode, SfError};
use super::ids::SfId;
use super::record::Record;
use super::schema::{FieldDef, FieldType, ObjectDef, SystemField};
use super::standard_objects::id_lookup;
use super::store::{parse_id, Store};
use super::validate::no_such_column;
use super::value::Value;
use serde_json::Map;

type Json = serde_json::Value;

/// The REST URL of a record for API version `version` (`"62.0"`).
pub fn record_url(version: &str, object: &str, id: &SfId) -> String {
    format!("/services/data/v{version}/sobjects/{object}/{id}")
}

impl Store {
    /// Ids of live records whose external-id, unique or idLookup field (Contact.Email) equals
    /// `value`.
    pub fn find_by_external(
        &self,
        object: &str,
        field: &str,
        value: &str,
    ) -> Result<Vec<SfId>, SfError> {
        let t = self.object_index(object)?;
        let obj = self.schema.object_at(t);
        let fi = obj
            .field_index(field)
            .filter(|&i| obj.fields[i].unique || id_lookup(obj, &obj.fields[i]))
            .ok_or_else(|| {
                SfError::new(
                    ErrorCode::NOT_FOUND,
                    format!(
                        "Provided external ID field does not exist or is not accessible: {field}"
                    ),
                )
            })?;
        let table = &self.tables[t];
        if obj.fields[fi].system == Some(SystemField::Id) {
            let id = parse_id(value)?;
            return Ok(table
                .get(&id)
                .filter(|r| !table.is_deleted(r))
                .map(|_| vec![id])
                .unwrap_or_default());
        }
        let key = Value::from_json(obj.fields[fi].field_type, &Json::String(value.to_string()))
            .map_err(|e| SfError::new(ErrorCode::JSON_PARSER_ERROR, e.to_string()))?;
        let fold_case = !obj.fields[fi].case_sensitive;
        let rows = key
            .map(|k| table.rows_equal(fi, &k, fold_case))
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .filter_map(|r| table.row(r).and_then(|x| table.id_of(x)))
            .collect())
    }

    /// The live records whose `field` equals `value`, as a SOQL `WHERE field = :value` finds
    /// them (text compared ignoring case): an index lookup for an external-id or unique field,
    /// a scan otherwise. For Apex classes, which may filter on any field.
    pub fn find_by_field(
        &self,
        object: &str,
        field: &str,
        value: &str,
    ) -> Result<Vec<SfId>, SfError> {
        let t = self.object_index(object)?;
        let obj = self.schema.object_at(t);
        let fi = obj.field_index(field).ok_or_else(|| {
            SfError::new(
                ErrorCode::INVALID_FIELD,
                format!("No such column '{field}' on entity '{}'", obj.name),
            )
        })?;
        let f = &obj.fields[fi];
        if f.external_id || f.unique || f.system == Some(SystemField::Id) {
            return self.find_by_external(object, field, value);
        }
        let Ok(Some(key)) = Value::from_json(f.field_type, &Json::String(value.to_string())) else {
            // A value the field cannot hold matches no record.
            return Ok(Vec::new());
        };
        let table = &self.tables[t];
        Ok(table
            .scan_equal(fi, &key, true)
            .filter_map(|r| table.row(r).and_then(|x| table.id_of(x)))
            .collect())
    }

    /// A record as REST JSON: `attributes{type,url}` then its fields (all, in schema order,
    /// or the `fields` projection in the order asked).
    pub fn retrieve(
        &self,
        object: &str,
        id: &str,
        fields: Option<&[&str]>,
        version: &str,
    ) -> Result<Json, SfError> {
        let obj = self.schema.object_at(self.object_index(object)?);
        let (stored, addresses) = match fields {
            Some(names) => {
                let (stored, addresses) = split_addresses(obj, names);
                (Some(stored), addresses)
            }
            None => (None, Vec::new()),
        };
        let (obj, rec, projection) = self.retrieve_parts(object, id, stored.as_deref())?;
        let mut json = record_json(obj, rec, projection.as_deref(), version);
        if let Json::Object(m) = &mut json {
            for a in &addresses {
                m.insert(a.name.clone(), a.value(rec));
            }
        }
        Ok(json)
    }

    /// What [`Store::retrieve`] renders: the object, the live record, and the projection as
    /// field indexes (for writers that render the record themselves).
    pub fn retrieve_parts(
        &self,
        object: &str,
        id: &str,
        fields: Option<&[&str]>,
    ) -> Result<(&ObjectDef, &Record, Option<Vec<usize>>), SfError> {
        let t = self.object_index(object)?;
        let id = parse_id(id)?;
        let table = &self.tables[t];
        let rec = table
            .get(&id)
            .filter(|r| !table.is_deleted(r))
            .ok_or_else(SfError::not_found)?;
        let obj = self.schema.object_at(t);
        let projection = match fields {
            None => None,
            Some(names) => Some(
                names
                    .iter()
                    .map(|n| {
                        obj.field_index(n.trim())
                            .ok_or_else(|| no_such_column(n.trim(), &obj.name))
                    })
                    .collect::<Result<Vec<usize>, SfError>>()?,
            ),
        };
        Ok((obj, rec, projection))
    }
}

/// Splits a retrieve's field names into the stored fields and the compound addresses
/// (`BillingAddress`) the object gathers from them, which a field list may name as a client
/// reading describe does (jsforce's retrieve of several records asks for every field it lists).
/// Each address comes once, after the stored fields when rendered.
pub fn split_addresses<'n>(
    obj: &ObjectDef,
    names: &[&'n str],
) -> (Vec<&'n str>, Vec<crate::org::soql::address::Address>) {
    let mut stored = Vec::with_capacity(names.len());
    let mut addresses: Vec<crate::org::soql::address::Address> = Vec::new();
    for &n in names {
        if obj.field_index(n.trim()).is_some() {
            stored.push(n);
            continue;
        }
        match crate::org::soql::address::address_named(obj, n.trim()) {
            Some(a) if !addresses.iter().any(|b| b.name == a.name) => addresses.push(a),
            Some(_) => {}
            None => stored.push(n),
        }
    }
    (stored, addresses)
}

/// The REST JSON of a record (see [`Store::retrieve`]).
pub fn record_json(
    obj: &ObjectDef,
    rec: &Record,
    projection: Option<&[usize]>,
    version: &str,
) -> Json {
    let mut m = Map::new();
    let id = obj
        .system_index(SystemField::Id)
        .and_then(|i| rec.get(i))
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut attrs = Map::new();
    attrs.insert("type".into(), Json::String(obj.name.clone()));
    attrs.insert(
        "url".into(),
        Json::String(format!(
            "/services/data/v{version}/sobjects/{}/{id}",
            obj.name
        )),
    );
    m.insert("attributes".into(), Json::Object(attrs));
    let all: Vec<usize>;
    let indexes = match projection {
        Some(p) => p,
        None => {
            all = (0..obj.fields.len()).collect();
            &all
        }
    };
    for &i in indexes {
        let f = &obj.fields[i];
        m.insert(f.name.clone(), field_json(f, rec.get(i)));
    }
    Json::Object(m)
}

/// A field's REST JSON value; a missing checkbox reads as false.
pub fn field_json(f: &FieldDef, v: Option<&Value>) -> Json {
    match v {
        Some(v) => v.to_json(f.field_type),
        None if f.field_type == FieldType::Boolean => Json::Bool(false),
        None => Json::Null,
    }
}
