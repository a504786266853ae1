//! Field-level security on record reads and describe, where the org enforces object access
//! (`auth: { enforce_object_access: true }`): a field the caller may not read does not exist
//! for them, as in a real org's API.
//!
//! - A retrieve whose `fields=` names such a field is refused as for a field the object does
//!   not have (400 INVALID_FIELD "No such column 'Phone' on sobject of type Account").
//! - A retrieve without `fields=` leaves such fields out of the record.
//! - Describe does not list them, nor the child relationships through a lookup they may not
//!   read.
//!
//! The query resource treats them the same way (see [`crate::org::soql::field_security`]);
//! which fields stay readable whatever the grants is [`FieldReads::readable`]'s to say.

use crate::org::auth::access::FieldReads;
use crate::org::error::SfError;
use crate::org::schema::{ObjectDef, Schema};
use crate::org::validate::no_such_column;
use serde_json::Value;

/// The indexes of the fields of `object` the caller may not read; none where nothing is
/// enforced (`reads` is `None`).
pub fn unreadable(reads: Option<&FieldReads>, object: &ObjectDef) -> Vec<usize> {
    let Some(reads) = reads else {
        return Vec::new();
    };
    (0..object.fields.len())
        .filter(|&i| !reads.readable(object, &object.fields[i]))
        .collect()
}

/// A retrieve's projection with field-level security: of the fields asked for by name
/// (`asked`, resolved to `projection`), the first one hidden from the caller is refused as an
/// unknown field; without names, every field but the hidden ones.
pub fn projection(
    object: &ObjectDef,
    asked: Option<&[&str]>,
    projection: Option<Vec<usize>>,
    hidden: &[usize],
) -> Result<Option<Vec<usize>>, SfError> {
    if hidden.is_empty() {
        return Ok(projection);
    }
    match projection {
        Some(p) => match p.iter().position(|i| hidden.contains(i)) {
            Some(n) => {
                let name = asked
                    .and_then(|a| a.get(n))
                    .map_or(object.fields[p[n]].name.as_str(), |s| s.trim());
                Err(no_such_column(name, &object.name))
            }
            None => Ok(Some(p)),
        },
        None => Ok(Some(
            (0..object.fields.len())
                .filter(|i| !hidden.contains(i))
                .collect(),
        )),
    }
}

/// Removes the `hidden` fields of `object` from a record's REST JSON.
pub fn withhold_from_record(record: &mut Value, object: &ObjectDef, hidden: &[usize]) {
    if let Some(map) = record.as_object_mut() {
        for &i in hidden {
            map.remove(&object.fields[i].name);
        }
    }
}

/// Removes the `hidden` fields of `object` from its describe's `fields`.
pub fn withhold_from_describe(describe: &mut Value, object: &ObjectDef, hidden: &[usize]) {
    if hidden.is_empty() {
        return;
    }
    if let Some(list) = describe.get_mut("fields").and_then(Value::as_array_mut) {
        list.retain(|f| {
            !hidden
                .iter()
                .any(|&i| f["name"].as_str() == Some(object.fields[i].name.as_str()))
        });
    }
}

/// Removes from a describe's `childRelationships` each relationship whose lookup field the
/// caller may not read (or whose child object they may not read): such a relationship does not
/// exist for them, as a query through it is not understood (see
/// [`crate::org::soql::field_security`]).
pub fn withhold_child_relationships(describe: &mut Value, schema: &Schema, reads: &FieldReads) {
    let Some(list) = describe
        .get_mut("childRelationships")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    list.retain(|rel| {
        let child = rel["childSObject"].as_str().and_then(|c| schema.object(c));
        let field = rel["field"].as_str();
        match (child, field) {
            (Some(child), Some(field)) => child
                .field_index(field)
                .is_none_or(|i| reads.readable(child, &child.fields[i])),
            _ => true,
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::error::ErrorCode;
    use crate::org::standard_objects::standard_schema;
    use serde_json::json;

    fn account() -> ObjectDef {
        standard_schema().object("Account").unwrap().clone()
    }

    #[test]
    fn a_hidden_field_asked_for_by_name_is_an_unknown_field() {
        let a = account();
        let phone = a.field_index("Phone").unwrap();
        let name = a.field_index("Name").unwrap();
        let e = projection(
            &a,
            Some(&["Name", " phone"]),
            Some(vec![name, phone]),
            &[phone],
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::INVALID_FIELD);
        assert_eq!(
            e.message,
            "No such column 'phone' on sobject of type Account"
        );
        assert_eq!(
            projection(&a, Some(&["Name"]), Some(vec![name]), &[phone]).unwrap(),
            Some(vec![name])
        );
    }

    #[test]
    fn without_names_every_field_but_the_hidden_ones_is_read() {
        let a = account();
        let phone = a.field_index("Phone").unwrap();
        let all = projection(&a, None, None, &[phone]).unwrap().unwrap();
        assert_eq!(all.len(), a.fields.len() - 1);
        assert!(!all.contains(&phone));
        assert_eq!(projection(&a, None, None, &[]).unwrap(), None);
    }

    #[test]
    fn hidden_fields_leave_records_and_describe() {
        let a = account();
        let phone = a.field_index("Phone").unwrap();
        let mut record = json!({"Name": "Alpha", "Phone": "555"});
        withhold_from_record(&mut record, &a, &[phone]);
        assert_eq!(record, json!({"Name": "Alpha"}));
        let mut describe = json!({"fields": [{"name": "Name"}, {"name": "Phone"}]});
        withhold_from_describe(&mut describe, &a, &[phone]);
        assert_eq!(describe, json!({"fields": [{"name": "Name"}]}));
    }
}
