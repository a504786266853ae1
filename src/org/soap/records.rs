//! Records between REST JSON and the partner API's XML: query rows become
//! `<records xsi:type="sf:sObject">` with `sf:`-prefixed fields, and `sObjects` in requests
//! become the JSON maps the store's DML takes.
//!
//! Values are written as the SOAP API writes them, not as REST does: a dateTime is
//! `2026-12-01T14:50:59.000Z` (REST's `…+0000` suffix becomes `Z`), and the columns of an
//! `AggregateResult` row, which has no schema a client could read types from, carry
//! `xsi:type` (`xsd:int`, `xsd:double`, `xsd:boolean`, `xsd:date`, `xsd:dateTime`,
//! `xsd:string`).
//!
//! Implementation notes: rows arrive as REST JSON, so which values are dateTimes is asked of
//! the schema ([`DateTimeFields`]): a text field that merely holds the REST shape
//! (`YYYY-MM-DDThh:mm:ss.sss+0000`) is written as given. Aggregate columns have no field to
//! ask, so there a value of that shape is taken for a dateTime.
//! The partner API writes the record's `Id` once as the sObject's own
//! id element (nil when the query did not select it) and again as an ordinary field when it
//! was selected — clients that read query results over SOAP see `Id` twice, so this does too.

use super::envelope::SoapFault;
use super::xml::{escape, Element};
use serde_json::{Map, Value as Json};

/// Whether a field of an object (both as the row names them) is a dateTime: the schema's
/// answer, asked by the renderer for each text value.
pub type DateTimeFields<'a> = &'a dyn Fn(&str, &str) -> bool;

/// One query row (REST JSON with `attributes`) as the inside of an `sf:sObject` element.
pub fn sobject_fields(row: &Json, date_times: DateTimeFields<'_>) -> String {
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
    let aggregate = ty == "AggregateResult";
    for (k, v) in map {
        if k == "attributes" {
            continue;
        }
        if aggregate {
            out.push_str(&aggregate_xml(k, v, date_times));
        } else {
            out.push_str(&field_xml(k, v, date_times(ty, k), date_times));
        }
    }
    out
}

/// REST's dateTime (`2026-12-01T14:50:59.000+0000`) as xsd:dateTime (`…T14:50:59.000Z`);
/// `None` for any other text.
fn soap_date_time(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| b[i].is_ascii_digit());
    let shaped = b.len() == 28
        && s.ends_with("+0000")
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'.'
        && digits(20..23);
    shaped.then(|| format!("{}Z", &s[..23]))
}

/// `YYYY-MM-DD`.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// One column of an AggregateResult row, typed with `xsi:type`.
fn aggregate_xml(name: &str, v: &Json, date_times: DateTimeFields<'_>) -> String {
    let tag = format!("sf:{name}");
    let (ty, text) = match v {
        Json::Null => return format!(r#"<{tag} xsi:nil="true"/>"#),
        Json::Bool(b) => ("xsd:boolean", b.to_string()),
        // A whole number past 32 bits (a large sum, written in digits) is no xsd:int.
        Json::Number(n) if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()) => {
            ("xsd:int", n.to_string())
        }
        Json::Number(n) => ("xsd:double", n.to_string()),
        Json::String(s) => match soap_date_time(s) {
            Some(dt) => ("xsd:dateTime", dt),
            None if is_date(s) => ("xsd:date", s.clone()),
            None => ("xsd:string", s.clone()),
        },
        other => return field_xml(name, other, false, date_times),
    };
    format!(r#"<{tag} xsi:type="{ty}">{}</{tag}>"#, escape(&text))
}

/// One field; `date_time` says the schema types it as a dateTime.
fn field_xml(name: &str, v: &Json, date_time: bool, date_times: DateTimeFields<'_>) -> String {
    let tag = format!("sf:{name}");
    match v {
        Json::Null => format!(r#"<{tag} xsi:nil="true"/>"#),
        Json::Bool(b) => format!("<{tag}>{b}</{tag}>"),
        Json::Number(n) => format!("<{tag}>{n}</{tag}>"),
        Json::String(s) => {
            let text = date_time
                .then(|| soap_date_time(s))
                .flatten()
                .unwrap_or_else(|| s.clone());
            format!("<{tag}>{}</{tag}>", escape(&text))
        }
        Json::Object(o) if o.contains_key("records") && o.contains_key("totalSize") => {
            let records: String = o
                .get("records")
                .and_then(Json::as_array)
                .map(|rs| rs.iter().map(|r| record_element(r, date_times)).collect())
                .unwrap_or_default();
            let size = o.get("totalSize").and_then(Json::as_u64).unwrap_or(0);
            format!(
                r#"<{tag} xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/>{records}<size>{size}</size></{tag}>"#
            )
        }
        // A related record carries its `attributes`; a compound address does not.
        Json::Object(o) if !o.contains_key("attributes") => compound_xml(&tag, o),
        Json::Object(_) => format!(
            r#"<{tag} xsi:type="sf:sObject">{}</{tag}>"#,
            sobject_fields(v, date_times)
        ),
        Json::Array(a) => a
            .iter()
            .map(|x| field_xml(name, x, date_time, date_times))
            .collect(),
    }
}

/// The elements of the partner WSDL's `location` type, then those `address` adds to it: the
/// order a compound value's parts are written in.
const ADDRESS_PARTS: [&str; 10] = [
    "latitude",
    "longitude",
    "city",
    "country",
    "countryCode",
    "geocodeAccuracy",
    "postalCode",
    "state",
    "stateCode",
    "street",
];

/// A compound address (or a bare location) as the partner WSDL types it:
/// `<sf:BillingAddress xsi:type="address"><city>Lyon</city>…</sf:BillingAddress>`, its parts in
/// the partner namespace (the response's default one) and in the WSDL's order; no `type` or
/// `Id`, as it is no sObject.
fn compound_xml(tag: &str, parts: &Map<String, Json>) -> String {
    let location_only = parts.keys().all(|k| k == "latitude" || k == "longitude");
    let ty = if location_only { "location" } else { "address" };
    let inner: String = ADDRESS_PARTS
        .iter()
        .filter_map(|name| Some((name, parts.get(*name)?)))
        .map(|(name, v)| match v {
            Json::Null => format!(r#"<{name} xsi:nil="true"/>"#),
            Json::String(s) => format!("<{name}>{}</{name}>", escape(s)),
            other => format!("<{name}>{other}</{name}>"),
        })
        .collect();
    format!(r#"<{tag} xsi:type="{ty}">{inner}</{tag}>"#)
}

/// `<records xsi:type="sf:sObject">…</records>`
pub fn record_element(row: &Json, date_times: DateTimeFields<'_>) -> String {
    format!(
        r#"<records xsi:type="sf:sObject">{}</records>"#,
        sobject_fields(row, date_times)
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

/// Reads one `sObjects` element. A field holding nested elements (`<BillingAddress><city>…`,
/// `<Account><ERP_Id__c>…`) is read as a JSON object of its children's texts; whether the
/// object's schema has such a field is the call's to judge (see [`nested_value_fault`]).
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
                let parts = c
                    .children
                    .iter()
                    .map(|p| {
                        let text = if p.is_nil() {
                            Json::Null
                        } else {
                            Json::String(p.text.clone())
                        };
                        (p.name.clone(), text)
                    })
                    .collect();
                fields.insert(c.name.clone(), Json::Object(parts));
            }
            _ => {
                fields.insert(c.name.clone(), Json::String(c.text.clone()));
            }
        }
    }
    Ok(SoapRecord { object, id, fields })
}

/// The fault for a field sent with nested elements that is not a compound address: a
/// relationship value (`<Account><ERP_Id__c>…`), which this SOAP API subset does not resolve.
pub fn nested_value_fault(field: &str) -> SoapFault {
    SoapFault::new(
        "INVALID_FIELD",
        format!(
            "Field {field} holds nested elements; relationship values are not supported over this SOAP API subset. Send the parent's Id instead."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The schema's answer in these tests: only `CreatedDate` is a dateTime.
    fn created_date_only(_object: &str, field: &str) -> bool {
        field == "CreatedDate"
    }

    #[test]
    fn a_compound_address_is_the_wsdls_address_type_not_an_sobject() {
        let row = json!({"attributes": {"type": "Account"}, "Id": "001A",
            "BillingAddress": {"city": "Lyon", "country": "France", "geocodeAccuracy": null,
                "latitude": null, "longitude": null, "postalCode": null, "state": null, "street": "1 Rue"},
            "ShippingAddress": null});
        let xml = record_element(&row, &created_date_only);
        assert!(
            xml.contains(concat!(
                r#"<sf:BillingAddress xsi:type="address"><latitude xsi:nil="true"/><longitude xsi:nil="true"/>"#,
                r#"<city>Lyon</city><country>France</country><geocodeAccuracy xsi:nil="true"/>"#,
                r#"<postalCode xsi:nil="true"/><state xsi:nil="true"/><street>1 Rue</street></sf:BillingAddress>"#
            )),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<sf:ShippingAddress xsi:nil="true"/>"#),
            "{xml}"
        );
        assert_eq!(xml.matches("<sf:type>").count(), 1, "{xml}");
    }

    #[test]
    fn query_rows_carry_type_id_twice_and_nil_nulls() {
        let row = json!({"attributes": {"type": "Account", "url": "/x"}, "Id": "001A", "Name": "A & B", "Phone": null});
        let xml = record_element(&row, &created_date_only);
        assert_eq!(
            xml,
            r#"<records xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id>001A</sf:Id><sf:Id>001A</sf:Id><sf:Name>A &amp; B</sf:Name><sf:Phone xsi:nil="true"/></records>"#
        );
    }

    #[test]
    fn date_times_are_written_as_xsd_date_times_ending_in_z() {
        let row = json!({"attributes": {"type": "Account"}, "CreatedDate": "2026-12-01T14:50:59.000+0000", "Name": "2026-12-01T14:50:59.000+0100", "Day": "2026-12-01", "Description": "2026-12-01T14:50:59.000+0000"});
        let xml = record_element(&row, &created_date_only);
        assert!(
            xml.contains("<sf:CreatedDate>2026-12-01T14:50:59.000Z</sf:CreatedDate>"),
            "{xml}"
        );
        assert!(
            xml.contains("<sf:Name>2026-12-01T14:50:59.000+0100</sf:Name>"),
            "{xml}"
        );
        assert!(xml.contains("<sf:Day>2026-12-01</sf:Day>"), "{xml}");
        // A text field holding the REST shape is text: written as stored.
        assert!(
            xml.contains("<sf:Description>2026-12-01T14:50:59.000+0000</sf:Description>"),
            "{xml}"
        );
    }

    #[test]
    fn aggregate_columns_carry_their_xsd_type() {
        let row = json!({"attributes": {"type": "AggregateResult"}, "c": 1, "total": 2.5, "Industry": "Energy", "latest": "2026-12-01T14:50:59.000+0000", "day": "2026-12-01", "none": null, "big": 123456789012345680u64});
        let xml = record_element(&row, &created_date_only);
        assert!(
            xml.contains(r#"<sf:big xsi:type="xsd:double">123456789012345680</sf:big>"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<sf:c xsi:type="xsd:int">1</sf:c>"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<sf:total xsi:type="xsd:double">2.5</sf:total>"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<sf:Industry xsi:type="xsd:string">Energy</sf:Industry>"#),
            "{xml}"
        );
        assert!(
            xml.contains(
                r#"<sf:latest xsi:type="xsd:dateTime">2026-12-01T14:50:59.000Z</sf:latest>"#
            ),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<sf:day xsi:type="xsd:date">2026-12-01</sf:day>"#),
            "{xml}"
        );
        assert!(xml.contains(r#"<sf:none xsi:nil="true"/>"#), "{xml}");
    }

    #[test]
    fn parent_and_child_relationships_nest() {
        let row = json!({"attributes": {"type": "Contact"}, "LastName": "Rossi",
            "Account": {"attributes": {"type": "Account"}, "Name": "Falcon"},
            "Cases": {"totalSize": 1, "done": true, "records": [{"attributes": {"type": "Case"}, "Subject": "S"}]}});
        let xml = record_element(&row, &created_date_only);
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
    fn a_field_of_nested_elements_is_read_as_an_object_of_their_texts() {
        let el = super::super::xml::parse(
            r#"<sObjects xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><type>Account</type><BillingAddress><city>Paris</city><state xsi:nil="true"/></BillingAddress></sObjects>"#,
        )
        .unwrap();
        let r = read_sobject(&el).unwrap();
        assert_eq!(
            r.fields.get("BillingAddress"),
            Some(&json!({"city": "Paris", "state": null}))
        );
    }

    #[test]
    fn sobjects_without_type_are_refused() {
        let el = super::super::xml::parse("<sObjects><Name>x</Name></sObjects>").unwrap();
        assert_eq!(read_sobject(&el).unwrap_err().code, "INVALID_TYPE");
    }
}
