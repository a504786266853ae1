//! Compound address fields: `BillingAddress` and `ShippingAddress` on Account,
//! `MailingAddress` and `OtherAddress` on Contact, `Address` on Lead. Each gathers the
//! address components the object stores (`BillingStreet`, `BillingCity`…) into one read-only
//! value, which SOQL selects and describe lists with type `address`:
//!
//! ```text
//! "BillingAddress": {"city": "Seattle", "country": null, "geocodeAccuracy": null,
//!     "latitude": null, "longitude": null, "postalCode": null, "state": "WA", "street": null}
//! ```
//!
//! Implementation notes: the components are the ones change events nest
//! ([`crate::org::events::compound`]); a component the object does not store (sflab keeps no
//! geocodes) is null. The keys are the components' names in lower camel case, in the
//! alphabetical order REST answers them; the whole value is null when every component is.

use crate::org::events::compound::compounds_of;
use crate::org::record::Record;
use crate::org::schema::{FieldType, ObjectDef};
use serde_json::{Map, Value as Json};

/// One compound address field of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    /// `BillingAddress`.
    pub name: String,
    /// `Billing Address`.
    pub label: String,
    /// Each component's key in the value (`postalCode`), with the stored field it reads, if
    /// the object stores one: its index and type. In the order of the keys.
    pub components: Vec<(String, Option<(usize, FieldType)>)>,
}

impl Address {
    /// The names of the stored fields it gathers (`BillingCity`…).
    pub fn stored<'o>(&self, object: &'o ObjectDef) -> Vec<&'o str> {
        self.components
            .iter()
            .filter_map(|(_, f)| f.map(|(i, _)| object.fields[i].name.as_str()))
            .collect()
    }

    /// Its value on `rec`: the components by key, or null when all of them are null.
    pub fn value(&self, rec: &Record) -> Json {
        let mut m = Map::new();
        let mut any = false;
        for (key, stored) in &self.components {
            let v = stored
                .and_then(|(i, t)| rec.get(i).map(|v| v.to_json(t)))
                .unwrap_or(Json::Null);
            any |= !v.is_null();
            m.insert(key.clone(), v);
        }
        if any {
            Json::Object(m)
        } else {
            Json::Null
        }
    }
}

/// The key of component `name` (`PostalCode` → `postalCode`).
fn key(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// `BillingAddress` → `Billing Address`.
fn label(name: &str) -> String {
    match name.strip_suffix("Address") {
        Some(prefix) if !prefix.is_empty() => format!("{prefix} Address"),
        _ => name.to_string(),
    }
}

/// The compound address fields of `object`, in the order change events list them.
pub fn addresses_of(object: &ObjectDef) -> Vec<Address> {
    compounds_of(object)
        .into_iter()
        .filter(|c| c.record == "Address" && object.field_index(&c.name).is_none())
        .map(|c| {
            let mut components: Vec<(String, Option<(usize, FieldType)>)> = c
                .components
                .iter()
                .map(|k| {
                    let stored = k.stored.as_deref().and_then(|s| object.field_index(s));
                    (
                        key(k.name),
                        stored.map(|i| (i, object.fields[i].field_type)),
                    )
                })
                .collect();
            components.sort_by(|a, b| a.0.cmp(&b.0));
            Address {
                label: label(&c.name),
                name: c.name,
                components,
            }
        })
        .collect()
}

/// The compound address field of `object` called `name` (any case).
pub fn address_named(object: &ObjectDef, name: &str) -> Option<Address> {
    addresses_of(object)
        .into_iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
}

/// The compound address a stored field of `object` belongs to (`BillingCity` →
/// `BillingAddress`).
pub fn compound_of(addresses: &[Address], object: &ObjectDef, field: &str) -> Option<String> {
    addresses
        .iter()
        .find(|a| a.stored(object).contains(&field))
        .map(|a| a.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(name: &str) -> ObjectDef {
        crate::org::standard_objects::standard_schema()
            .object(name)
            .unwrap()
            .clone()
    }

    #[test]
    fn accounts_contacts_and_leads_have_their_addresses() {
        let names = |o: &str| -> Vec<String> {
            addresses_of(&object(o))
                .into_iter()
                .map(|a| a.name)
                .collect()
        };
        assert_eq!(names("Account"), ["BillingAddress", "ShippingAddress"]);
        assert_eq!(names("Contact")[0], "MailingAddress");
        assert_eq!(names("Lead"), ["Address"]);
        let keys: Vec<String> = addresses_of(&object("Account"))[0]
            .components
            .iter()
            .map(|(k, _)| k.clone())
            .collect();
        assert_eq!(
            keys,
            [
                "city",
                "country",
                "geocodeAccuracy",
                "latitude",
                "longitude",
                "postalCode",
                "state",
                "street"
            ]
        );
        assert_eq!(label("BillingAddress"), "Billing Address");
        assert_eq!(label("Address"), "Address");
    }
}
