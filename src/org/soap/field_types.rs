//! A SOAP record's field values read by their XSD types, and the partner API's error for a
//! value that is not of its field's type.
//!
//! An `sObjects` element carries every value as element text. Before the store's DML sees
//! them, the text of a typed field (boolean, number, date, id) is read as XML Schema reads
//! its type: surrounding whitespace collapsed away, and an `xsd:boolean` written `1` or `0`
//! taken for `true` or `false` (XML Schema Part 2, §3.2.2.1 lists all four).
//!
//! A value the store cannot read for its field (`<NumberOfEmployees>ten</…>`) is, over REST,
//! a JSON parser error. The partner WSDL's `StatusCode` enum has no `JSON_PARSER_ERROR`
//! (only its `ExceptionCode` does), so a typed SOAP client cannot read that result; the
//! partner API reports it as `INVALID_TYPE_ON_FIELD_IN_RECORD` on the field, with
//! `Employees: value not of required type: ten`.
//!
//! Implementation notes: the code is in the WSDL's `StatusCode` enum; the message's wording
//! ("<label>: value not of required type: <value>") is what real orgs are remembered to send,
//! not captured [U]. The field found is the first of the record whose value its type refuses,
//! the order the store converts them in, so it is the one the store stopped at.

use super::calls::RowError;
use crate::org::schema::{FieldType, ObjectDef};
use crate::org::value::Value;
use serde_json::{Map, Value as Json};

/// Types whose XSD lexical space collapses whitespace (every type but text).
fn collapses_whitespace(t: FieldType) -> bool {
    !t.is_text()
}

/// Reads the text values of `fields` by their field's XSD type, in place: trimmed for typed
/// fields, booleans `1`/`0`/`true`/`false` as JSON booleans. Fields the object does not have,
/// and values that are not text (nulls), are left as they are.
pub fn read_xsd_values(object: &ObjectDef, fields: &mut Map<String, Json>) {
    for (name, value) in fields.iter_mut() {
        let (Some(field), Json::String(text)) = (object.field(name), &*value) else {
            continue;
        };
        if !collapses_whitespace(field.field_type) {
            continue;
        }
        let trimmed = text.trim();
        *value = match (field.field_type, trimmed) {
            (FieldType::Boolean, "1" | "true") => Json::Bool(true),
            (FieldType::Boolean, "0" | "false") => Json::Bool(false),
            _ => Json::String(trimmed.to_string()),
        };
    }
}

/// The `INVALID_TYPE_ON_FIELD_IN_RECORD` error for the first field of `fields` whose value is
/// not of the field's type; `None` when every value converts.
pub fn value_not_of_type(object: &ObjectDef, fields: &Map<String, Json>) -> Option<RowError> {
    fields.iter().find_map(|(name, value)| {
        let field = object.field(name)?;
        Value::from_json(field.field_type, value).err()?;
        let shown = match value {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        Some(RowError {
            status_code: "INVALID_TYPE_ON_FIELD_IN_RECORD".into(),
            message: format!("{}: value not of required type: {shown}", field.label),
            fields: vec![field.name.clone()],
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::schema::FieldDef;
    use serde_json::json;

    fn contact() -> ObjectDef {
        let mut o = ObjectDef::new("Contact", "Contact", "Contacts", "003");
        o.put_field(FieldDef::new("LastName", "Last Name", FieldType::String));
        o.put_field(FieldDef::new(
            "HasOptedOutOfEmail",
            "Email Opt Out",
            FieldType::Boolean,
        ));
        o.put_field(FieldDef::new("Age__c", "Age", FieldType::Int));
        o
    }

    fn fields(v: Json) -> Map<String, Json> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn xsd_booleans_read_one_and_zero_and_typed_values_are_trimmed() {
        let o = contact();
        for (given, read) in [
            ("1", true),
            ("0", false),
            (" true ", true),
            ("false", false),
        ] {
            let mut f = fields(json!({"HasOptedOutOfEmail": given}));
            read_xsd_values(&o, &mut f);
            assert_eq!(f["HasOptedOutOfEmail"], json!(read), "{given:?}");
        }
        let mut f = fields(json!({"Age__c": " 42\n", "LastName": " Rossi ", "Phone": " 1 "}));
        read_xsd_values(&o, &mut f);
        assert_eq!(f["Age__c"], json!("42"));
        assert_eq!(f["LastName"], json!(" Rossi "), "text is kept as written");
        assert_eq!(
            f["Phone"],
            json!(" 1 "),
            "a field the object lacks is left alone"
        );
    }

    #[test]
    fn a_value_not_of_its_fields_type_names_the_field_and_the_value() {
        let o = contact();
        let mut f =
            fields(json!({"LastName": "Rossi", "HasOptedOutOfEmail": "yes", "Age__c": "ten"}));
        read_xsd_values(&o, &mut f);
        let e = value_not_of_type(&o, &f).unwrap();
        assert_eq!(e.status_code, "INVALID_TYPE_ON_FIELD_IN_RECORD");
        assert_eq!(e.message, "Email Opt Out: value not of required type: yes");
        assert_eq!(e.fields, ["HasOptedOutOfEmail"]);
        let fine = fields(json!({"LastName": "Rossi", "Age__c": "42"}));
        assert_eq!(value_not_of_type(&o, &fine), None);
    }
}
