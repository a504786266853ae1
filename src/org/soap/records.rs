//! Records between REST JSON and the partner API's XML: query rows become
//! `<records xsi:type="sf:sObject">` with `sf:`-prefixed fields, and `sObjects` in requests
//! become the JSON maps the store's DML takes.
//!
//! Implementation notes: the partner API writes the record's `Id` once as the sObject's own
//! id element (nil when the query did not select it) and again as an ordinary field when it
//! was selected — clients that read query results over SOAP see `Id` twice, so this does too.

use super::envelope::SoapFault;
use super::xml::{escape, Element};
use serde_json::{Map, Value as Json};

/// One query row (REST JSON with `attributes`) as the inside of an `sf:sObject` element.
pub fn sobject_fields(row: &Json) -> String {
    let Some(map) = row.as_object() else {
        return String::new();
    };
    let ty = map
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(Json::as_str)
        .unwrap_or("sObject");
    let mut out = format!("<sf:type>{}</sf:type>", escape(ty));
    match map.get("Id").and_then(Json::as_str) {
        Some(id) => out.push_str(&format!("<sf:Id>{}</sf:Id>", escape(id))),
        None => out.push_str(r#"<sf:Id xsi:nil="true"/>"#),
    }
    for (k, v) in map {
        if k == "attributes" {
            continue;
        }
        out.push_str(&field_xml(k, v));
    }
    out
}

fn field_xml(name: &str, v: &Json) -> String {
    let tag = format!("sf:{name}");
    match v {
        Json::Null => format!(r#"<{tag} xsi:nil="true"/>"#),
        Json::Bool(b) => format!("<{tag}>{b}</{tag}>"),
        Json::Number(n) => format!("<{tag}>{n}</{tag}>"),
        Json::String(s) => format!("<{tag}>{}</{tag}>", escape(s)),
        Json::Object(o) if o.contains_key("records") && o.contains_key("totalSize") => {
            let records: String = o
                .get("records")
                .and_then(Json::as_array)
                .map(|rs| rs.iter().map(record_element).collect())
                .unwrap_or_default();
            let size = o.get("totalSize").and_then(Json::as_u64).unwrap_or(0);
            format!(
                r#"<{tag} xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/>{records}<size>{size}</size></{tag}>"#
            )
        }
        Json::Object(_) => format!(
            r#"<{tag} xsi:type="sf:sObject">{}</{tag}>"#,
            sobject_fields(v)
        ),
        Json::Array(a) => a.iter().map(|x| field_xml(name, x)).collect(),
    }
}

/// `<records xsi:type="sf:sObject">…</records>`
pub fn record_element(row: &Json) -> String {
    format!(
        r#"<records xsi:type="sf:sObject">{}</records>"#,
        sobject_fields(row)
    )
}

/// An `sObjects` element of a create/update/upsert request.
#[derive(Debug, Clone, PartialEq)]
pub struct SoapRecord {
    pub object: String,
    pub id: Option<String>,
    /// Field values as the store's DML takes them (`fieldsToNull` become JSON nulls).
    pub fields: Map<String, Json>,
}

/// Reads one `sObjects` element.
pub fn read_sobject(el: &Element) -> Result<SoapRecord, SoapFault> {
    let object = el
        .child_text("type")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            SoapFault::new(
                "INVALID_TYPE",
                "Must send a concrete entity type: each sObjects element needs a <type> child.",
            )
        })?
        .to_string();
    let mut id = None;
    let mut fields = Map::new();
    for c in &el.children {
        match c.name.as_str() {
            "type" => {}
            "fieldsToNull" => {
                fields.insert(c.text.trim().to_string(), Json::Null);
            }
            "Id" => {
                let t = c.text.trim();
                if !t.is_empty() {
                    id = Some(t.to_string());
                }
            }
            _ if c.is_nil() => {
                fields.insert(c.name.clone(), Json::Null);
            }
            _ if !c.children.is_empty() => {
                return Err(SoapFault::new(
                    "INVALID_FIELD",
                    format!(
                        "Field {} holds nested elements; relationship values are not supported over this SOAP API subset. Send the parent's Id instead.",
                        c.name
                    ),
                ))
            }
            _ => {
                fields.insert(c.name.clone(), Json::String(c.text.clone()));
            }
        }
    }
    Ok(SoapRecord { object, id, fields })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_rows_carry_type_id_twice_and_nil_nulls() {
        let row = json!({"attributes": {"type": "Account", "url": "/x"}, "Id": "001A", "Name": "A & B", "Phone": null});
        let xml = record_element(&row);
        assert_eq!(
            xml,
            r#"<records xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id>001A</sf:Id><sf:Id>001A</sf:Id><sf:Name>A &amp; B</sf:Name><sf:Phone xsi:nil="true"/></records>"#
        );
    }

    #[test]
    fn parent_and_child_relationships_nest() {
        let row = json!({"attributes": {"type": "Contact"}, "LastName": "Rossi",
            "Account": {"attributes": {"type": "Account"}, "Name": "Falcon"},
            "Cases": {"totalSize": 1, "done": true, "records": [{"attributes": {"type": "Case"}, "Subject": "S"}]}});
        let xml = record_element(&row);
        assert!(xml.contains(r#"<sf:Id xsi:nil="true"/>"#));
        assert!(xml.contains(r#"<sf:Account xsi:type="sf:sObject"><sf:type>Account</sf:type>"#));
        assert!(xml.contains(r#"<sf:Cases xsi:type="QueryResult"><done>true</done>"#));
        assert!(xml.contains("<size>1</size></sf:Cases>"));
    }

    #[test]
    fn sobjects_read_type_id_fields_and_nulls() {
        let el = super::super::xml::parse(
            r#"<ns1:sObjects xmlns:ns1="sobject.partner.soap.sforce.com"><type>Account</type><Id>001A</Id><fieldsToNull>Phone</fieldsToNull><Name>Acme</Name></ns1:sObjects>"#,
        )
        .unwrap();
        let r = read_sobject(&el).unwrap();
        assert_eq!(r.object, "Account");
        assert_eq!(r.id.as_deref(), Some("001A"));
        assert_eq!(r.fields.get("Phone"), Some(&Json::Null));
        assert_eq!(r.fields.get("Name"), Some(&json!("Acme")));
    }

    #[test]
    fn sobjects_without_type_are_refused() {
        let el = super::super::xml::parse("<sObjects><Name>x</Name></sObjects>").unwrap();
        assert_eq!(read_sobject(&el).unwrap_err().code, "INVALID_TYPE");
    }
}
