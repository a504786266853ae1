//! Compound fields in change events: the person name and the addresses an object stores as
//! flat fields (`FirstName`, `BillingCity`…) travel nested in its change events (`Name`
//! {FirstName…}, `BillingAddress` {City…}), as Salesforce sends them.
//!
//! A [`Compound`] says which stored fields one nested field gathers and under which
//! component names. [`nest`] turns a change event's flat payload into the nested one and
//! renames the header's field lists to the `Compound.Component` form (`BillingAddress.City`)
//! that Salesforce documents for CometD; Pub/Sub turns those names into the
//! `"<parentPos>-0x<hex>"` bitmaps ([`super::schema::EventType::bitmap`]).
//!
//! Implementation notes:
//! - An address gathers `<prefix>Street/City/State/PostalCode/Country` and also names
//!   Latitude, Longitude and GeocodeAccuracy, the components Salesforce's example shows;
//!   sflab stores no geocodes, so those are always null. The `Address` record is the one
//!   Salesforce names so; `Switchable_PersonName` for the name is from real Contact change
//!   event schemas as far as known (the record names are not in the reference).
//! - The name gathers Salutation, FirstName, LastName, MiddleName and Suffix; the object's
//!   derived full `Name` is not sent on its own (the compound takes its place). sflab stores
//!   no MiddleName or Suffix, so those are always null. Salesforce's InformalName is left out.
//! - sflab has no geolocation field type, so there are no geolocation compounds.

use super::defs::FieldKind;
use crate::org::schema::ObjectDef;
use serde_json::{Map, Value};

/// One component of a compound field.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    /// The name inside the compound (`City`).
    pub name: &'static str,
    /// The object's stored field it comes from (`BillingCity`), when sflab stores one.
    pub stored: Option<String>,
    pub kind: FieldKind,
}

/// One compound field of a change event.
#[derive(Debug, Clone, PartialEq)]
pub struct Compound {
    /// `BillingAddress`, `Name`.
    pub name: String,
    /// The Avro record name of its value (`Address`).
    pub record: &'static str,
    pub components: Vec<Component>,
    /// Stored fields that travel only inside it (its components' and the derived full Name).
    pub replaces: Vec<String>,
}

const ADDRESS: [(&str, FieldKind); 8] = [
    ("Street", FieldKind::Text),
    ("City", FieldKind::Text),
    ("State", FieldKind::Text),
    ("PostalCode", FieldKind::Text),
    ("Country", FieldKind::Text),
    ("Latitude", FieldKind::Number),
    ("Longitude", FieldKind::Number),
    ("GeocodeAccuracy", FieldKind::Text),
];

const PERSON_NAME: [&str; 5] = [
    "Salutation",
    "FirstName",
    "LastName",
    "MiddleName",
    "Suffix",
];

/// The compound fields of an object's change event, from the fields it stores.
pub fn compounds_of(object: &ObjectDef) -> Vec<Compound> {
    let has = |n: &str| object.fields.iter().any(|f| f.name == n);
    let mut out = Vec::new();
    if has("FirstName") && has("LastName") {
        let components: Vec<Component> = PERSON_NAME
            .iter()
            .map(|c| Component {
                name: c,
                stored: has(c).then(|| c.to_string()),
                kind: FieldKind::Text,
            })
            .collect();
        let mut replaces: Vec<String> =
            components.iter().filter_map(|c| c.stored.clone()).collect();
        if has("Name") {
            replaces.push("Name".into());
        }
        out.push(Compound {
            name: "Name".into(),
            record: "Switchable_PersonName",
            components,
            replaces,
        });
    }
    for prefix in ["Billing", "Shipping", "Mailing", "Other", ""] {
        if !has(&format!("{prefix}Street")) && !has(&format!("{prefix}City")) {
            continue;
        }
        let components: Vec<Component> = ADDRESS
            .iter()
            .map(|(c, kind)| {
                let stored = format!("{prefix}{c}");
                Component {
                    name: c,
                    stored: has(&stored).then_some(stored),
                    kind: *kind,
                }
            })
            .collect();
        let replaces = components.iter().filter_map(|c| c.stored.clone()).collect();
        out.push(Compound {
            name: format!("{prefix}Address"),
            record: "Address",
            components,
            replaces,
        });
    }
    out
}

/// The compound a stored field travels in, with its component name (None for the derived
/// full Name, which travels as no component).
pub fn component_of<'a>(
    compounds: &'a [Compound],
    stored: &str,
) -> Option<(&'a Compound, Option<&'static str>)> {
    compounds.iter().find_map(|c| {
        c.replaces.iter().any(|r| r == stored).then(|| {
            let component = c
                .components
                .iter()
                .find(|k| k.stored.as_deref() == Some(stored))
                .map(|k| k.name);
            (c, component)
        })
    })
}

/// Field names as a change event's header lists them: components as `Compound.Component`,
/// the derived full Name dropped, each name once.
pub fn header_names(compounds: &[Compound], names: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for n in names.iter().filter_map(Value::as_str) {
        let shown = match component_of(compounds, n) {
            Some((c, Some(component))) => format!("{}.{component}", c.name),
            Some((_, None)) => continue,
            None => n.to_string(),
        };
        let shown = Value::String(shown);
        if !out.contains(&shown) {
            out.push(shown);
        }
    }
    out
}

/// Moves the flat stored fields of a change event's payload into their compounds and renames
/// the header's field lists. A compound appears when one of its fields is carried.
pub fn nest(compounds: &[Compound], payload: &mut Map<String, Value>) {
    if compounds.is_empty() {
        return;
    }
    for c in compounds {
        let mut nested = Map::new();
        let mut carried = false;
        // The compound takes the place of its first carried field, so the payload keeps the
        // event type's order (a plain `remove` would move the last field into the gap).
        let mut at: Option<usize> = None;
        for r in &c.replaces {
            let Some(i) = payload.keys().position(|k| k == r) else {
                continue;
            };
            at = Some(at.map_or(i, |a| a.min(i)));
            let v = payload.shift_remove(r).unwrap_or(Value::Null);
            if let Some(k) = c.components.iter().find(|k| k.stored.as_ref() == Some(r)) {
                carried = true;
                nested.insert(k.name.into(), v);
            }
        }
        if let (true, Some(at)) = (carried, at) {
            payload.shift_insert(at, c.name.clone(), Value::Object(nested));
        }
    }
    if let Some(Value::Object(h)) = payload.get_mut("ChangeEventHeader") {
        for key in ["changedFields", "nulledFields", "diffFields"] {
            if let Some(Value::Array(a)) = h.get(key) {
                let renamed = header_names(compounds, a);
                h.insert(key.into(), Value::Array(renamed));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(name: &str) -> ObjectDef {
        crate::org::standard_objects::standard_schema()
            .object(name)
            .unwrap()
            .clone()
    }

    #[test]
    fn account_has_billing_and_shipping_addresses_contact_a_name_and_mailing_address() {
        let names = |o: &str| -> Vec<String> {
            compounds_of(&object(o))
                .into_iter()
                .map(|c| c.name)
                .collect()
        };
        assert_eq!(names("Account"), ["BillingAddress", "ShippingAddress"]);
        assert_eq!(names("Contact"), ["Name", "MailingAddress"]);
        assert_eq!(names("Lead"), ["Name", "Address"]);
        assert!(names("Opportunity").is_empty());
    }

    #[test]
    fn nest_gathers_components_and_names_them_compound_dot_component() {
        let compounds = compounds_of(&object("Contact"));
        let mut p = json!({"ChangeEventHeader": {"changedFields": ["FirstName", "Name",
            "MailingCity", "LastModifiedDate"], "nulledFields": ["MailingCity"], "diffFields": []},
            "FirstName": "Ada", "Name": "Ada Lovelace", "MailingCity": null, "Email": "a@x.io"});
        let m = p.as_object_mut().unwrap();
        nest(&compounds, m);
        assert_eq!(m["Name"], json!({"FirstName": "Ada"}));
        assert_eq!(m["MailingAddress"], json!({"City": null}));
        assert_eq!(m["Email"], "a@x.io");
        assert!(!m.contains_key("FirstName") && !m.contains_key("MailingCity"));
        // Each compound sits where its first field was; the others keep their order.
        let keys: Vec<&str> = m.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["ChangeEventHeader", "Name", "MailingAddress", "Email"]
        );
        let h = &m["ChangeEventHeader"];
        assert_eq!(
            h["changedFields"],
            json!(["Name.FirstName", "MailingAddress.City", "LastModifiedDate"])
        );
        assert_eq!(h["nulledFields"], json!(["MailingAddress.City"]));
    }
}
