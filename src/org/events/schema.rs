//! Event types and their Avro schemas: one [`EventType`] per platform event and per change
//! event, with the schema JSON and schema id Pub/Sub clients fetch through `GetSchema`, and the
//! two renderings of a stored payload (Avro for Pub/Sub, JSON for CometD).
//!
//! Stored payloads keep datetimes as epoch milliseconds and dates as days since 1970-01-01.
//! Avro carries them that way (`long`, `int`); CometD shows ISO text, as a real org does.
//!
//! Implementation notes:
//! - Platform event schemas start with `CreatedDate` (long, epoch ms) and `CreatedById`, then
//!   the custom fields as `["null", type]` unions, in the `com.sforce.eventbus` namespace.
//! - Change event schemas start with the `ChangeEventHeader` record, then every field of the
//!   object except Id, IsDeleted and SystemModstamp, in object order, with the compound fields
//!   (Contact.Name, Account.BillingAddress…) as optional nested records in place of the flat
//!   fields sflab stores ([`super::compound`]). The second compound of one record type names
//!   the type instead of defining it again, as Avro requires.
//! - Date fields as Avro `int` days is sflab's choice; the reference does not say how a real
//!   org encodes them.
//! - Schema ids are the first 16 bytes of the SHA-256 of the schema JSON, base64url (22
//!   characters, the length real ids have); a real org's ids are opaque.

use super::avro::{AvroField, AvroType};
use super::compound::{self, Compound};
use super::defs::{change_event_name, FieldKind, PlatformEventDef, PublishBehavior};
use crate::org::schema::{FieldType, ObjectDef};
use crate::org::value::{days_to_date, millis_to_datetime};
use base64::Engine;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// The Avro namespace of every event schema.
pub const NAMESPACE: &str = "com.sforce.eventbus";

/// What kind of event a type is.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    Platform(PublishBehavior),
    /// A change event for this object.
    Change {
        object: String,
    },
}

/// One payload field.
#[derive(Debug, Clone, PartialEq)]
pub struct PayloadField {
    pub name: String,
    pub kind: FieldKind,
    pub required: bool,
}

/// One event type with its schema.
#[derive(Debug, Clone)]
pub struct EventType {
    /// `OrderShipped__e`, `AccountChangeEvent`.
    pub name: String,
    /// `/event/OrderShipped__e`, `/data/AccountChangeEvent`.
    pub channel: String,
    pub kind: EventKind,
    /// The stored payload fields after the header (change events), in object order, flat:
    /// compound components are among them, not nested.
    pub fields: Vec<PayloadField>,
    /// The compound fields a change event nests its flat fields into.
    pub compounds: Vec<Compound>,
    /// The names of the schema's top-level fields, header first for change events.
    pub wire: Vec<String>,
    pub avro: AvroType,
    pub schema_json: String,
    pub schema_id: String,
}

fn avro_of(kind: FieldKind) -> AvroType {
    match kind {
        FieldKind::Text => AvroType::String,
        FieldKind::Long | FieldKind::DateTime => AvroType::Long,
        FieldKind::Number => AvroType::Double,
        FieldKind::Boolean => AvroType::Boolean,
        FieldKind::Date => AvroType::Int,
    }
}

fn doc_of(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "data:Text",
        FieldKind::Long => "data:Long",
        FieldKind::Number => "data:Double",
        FieldKind::Boolean => "data:Boolean",
        FieldKind::Date => "data:Date",
        FieldKind::DateTime => "data:DateTime",
    }
}

/// `0x…` with the given bits set, most significant byte first.
fn hex_bits(bits: &[usize]) -> String {
    let max = bits.iter().copied().max().unwrap_or(0);
    let mut bytes = vec![0u8; max / 8 + 1];
    for p in bits {
        bytes[p / 8] |= 1 << (p % 8);
    }
    let hex: String = bytes.iter().rev().map(|b| format!("{b:02X}")).collect();
    format!("0x{hex}")
}

/// How a stored field of an object's schema travels in a change event.
pub fn kind_of_field_type(t: FieldType) -> FieldKind {
    match t {
        FieldType::Boolean => FieldKind::Boolean,
        FieldType::Int => FieldKind::Long,
        FieldType::Double | FieldType::Currency | FieldType::Percent => FieldKind::Number,
        FieldType::Date => FieldKind::Date,
        FieldType::DateTime => FieldKind::DateTime,
        _ => FieldKind::Text,
    }
}

fn avro_field(f: &PayloadField) -> AvroField {
    if f.required {
        AvroField {
            name: f.name.clone(),
            schema: avro_of(f.kind),
            doc: Some(format!("{}:{}", f.name, &doc_of(f.kind)[5..])),
            default: None,
        }
    } else {
        AvroField {
            name: f.name.clone(),
            schema: AvroType::optional(avro_of(f.kind)),
            doc: Some(doc_of(f.kind).to_string()),
            default: Some(Value::Null),
        }
    }
}

fn strings() -> AvroType {
    AvroType::Array(Box::new(AvroType::String))
}

/// The ChangeEventHeader record schema.
pub fn change_event_header() -> AvroType {
    let f = |name: &str, schema: AvroType| AvroField {
        name: name.into(),
        schema,
        doc: None,
        default: None,
    };
    AvroType::Record {
        name: "ChangeEventHeader".into(),
        namespace: None,
        doc: None,
        fields: vec![
            f("entityName", AvroType::String),
            f("recordIds", strings()),
            f(
                "changeType",
                AvroType::Enum {
                    name: "ChangeType".into(),
                    symbols: [
                        "CREATE",
                        "UPDATE",
                        "DELETE",
                        "UNDELETE",
                        "GAP_CREATE",
                        "GAP_UPDATE",
                        "GAP_DELETE",
                        "GAP_UNDELETE",
                        "GAP_OVERFLOW",
                        "SNAPSHOT",
                    ]
                    .map(String::from)
                    .to_vec(),
                },
            ),
            f("changeOrigin", AvroType::String),
            f("transactionKey", AvroType::String),
            f("sequenceNumber", AvroType::Int),
            f("commitTimestamp", AvroType::Long),
            f("commitNumber", AvroType::Long),
            f("commitUser", AvroType::String),
            f("nulledFields", strings()),
            f("diffFields", strings()),
            f("changedFields", strings()),
        ],
    }
}

fn compound_field(c: &Compound, defined: &mut Vec<&'static str>) -> AvroField {
    let record = AvroType::Record {
        name: c.record.into(),
        namespace: None,
        doc: None,
        fields: c
            .components
            .iter()
            .map(|k| AvroField {
                name: k.name.into(),
                schema: AvroType::optional(avro_of(k.kind)),
                doc: None,
                default: Some(Value::Null),
            })
            .collect(),
    };
    let schema = if defined.contains(&c.record) {
        AvroType::Named {
            name: c.record.into(),
            def: Box::new(record),
        }
    } else {
        defined.push(c.record);
        record
    };
    AvroField {
        name: c.name.clone(),
        schema: AvroType::optional(schema),
        doc: Some(format!("data:{}", c.record)),
        default: Some(Value::Null),
    }
}

fn finish(
    name: String,
    channel: String,
    kind: EventKind,
    fields: Vec<PayloadField>,
    compounds: Vec<Compound>,
) -> EventType {
    let mut avro_fields = Vec::new();
    if matches!(kind, EventKind::Change { .. }) {
        avro_fields.push(AvroField {
            name: "ChangeEventHeader".into(),
            schema: change_event_header(),
            doc: None,
            default: None,
        });
    }
    let mut defined = Vec::new();
    let mut placed: Vec<&str> = Vec::new();
    for f in &fields {
        match compound::component_of(&compounds, &f.name) {
            Some((c, _)) if placed.contains(&c.name.as_str()) => {}
            Some((c, _)) => {
                placed.push(&c.name);
                avro_fields.push(compound_field(c, &mut defined));
            }
            None => avro_fields.push(avro_field(f)),
        }
    }
    let wire = avro_fields.iter().map(|f| f.name.clone()).collect();
    let avro = AvroType::Record {
        name: name.clone(),
        namespace: Some(NAMESPACE.into()),
        doc: None,
        fields: avro_fields,
    };
    let schema_json = avro.to_json().to_string();
    let digest = Sha256::digest(schema_json.as_bytes());
    let schema_id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16]);
    EventType {
        name,
        channel,
        kind,
        fields,
        compounds,
        wire,
        avro,
        schema_json,
        schema_id,
    }
}

impl EventType {
    /// A platform event's type.
    pub fn platform(def: &PlatformEventDef) -> EventType {
        let mut fields = vec![
            PayloadField {
                name: "CreatedDate".into(),
                kind: FieldKind::DateTime,
                required: true,
            },
            PayloadField {
                name: "CreatedById".into(),
                kind: FieldKind::Text,
                required: true,
            },
        ];
        fields.extend(def.fields.iter().map(|(n, k)| PayloadField {
            name: n.clone(),
            kind: *k,
            required: false,
        }));
        finish(
            def.name.clone(),
            def.channel(),
            EventKind::Platform(def.publish),
            fields,
            Vec::new(),
        )
    }

    /// The change event type of an object.
    pub fn change(object: &ObjectDef) -> EventType {
        let name = change_event_name(&object.name);
        let fields = object
            .fields
            .iter()
            .filter(|f| !matches!(f.name.as_str(), "Id" | "IsDeleted" | "SystemModstamp"))
            .map(|f| PayloadField {
                name: f.name.clone(),
                kind: kind_of_field_type(f.field_type),
                required: false,
            })
            .collect();
        finish(
            name.clone(),
            format!("/data/{name}"),
            EventKind::Change {
                object: object.name.clone(),
            },
            fields,
            compound::compounds_of(object),
        )
    }

    fn field(&self, name: &str) -> Option<&PayloadField> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The Avro record value of a stored payload (change events get field bitmaps).
    pub fn avro_value(&self, payload: &Map<String, Value>) -> Value {
        let mut m = payload.clone();
        if let Some(Value::Object(h)) = m.get_mut("ChangeEventHeader") {
            for key in ["changedFields", "nulledFields", "diffFields"] {
                let names: Vec<String> = h
                    .get(key)
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                h.insert(key.into(), json!(self.bitmap(&names)));
            }
        }
        Value::Object(m)
    }

    /// Field names as Pub/Sub's bitmap list: `"0x…"` with bit i for top-level schema field i
    /// (least significant bit first; the header is field 0), then one `"<parentPos>-0x…"` per
    /// compound with a named component (`BillingAddress.City`), its bits counting the
    /// compound's components. Empty when no field is named.
    ///
    /// The compound's own bit stays clear when only components are named: the reference's
    /// decoder treats a compound as a whole only when every component is named.
    pub fn bitmap(&self, names: &[String]) -> Vec<String> {
        let mut top = Vec::new();
        let mut nested: Vec<(usize, Vec<usize>)> = Vec::new();
        for n in names {
            match n.split_once('.') {
                None => top.extend(self.wire.iter().position(|w| w == n)),
                Some((parent, component)) => {
                    let (Some(pos), Some(c)) = (
                        self.wire.iter().position(|w| w == parent),
                        self.compounds.iter().find(|c| c.name == parent),
                    ) else {
                        continue;
                    };
                    let Some(bit) = c.components.iter().position(|k| k.name == component) else {
                        continue;
                    };
                    match nested.iter_mut().find(|(p, _)| *p == pos) {
                        Some((_, bits)) => bits.push(bit),
                        None => nested.push((pos, vec![bit])),
                    }
                }
            }
        }
        let mut out = Vec::new();
        if !top.is_empty() {
            out.push(hex_bits(&top));
        }
        nested.sort_by_key(|(p, _)| *p);
        out.extend(
            nested
                .iter()
                .map(|(p, bits)| format!("{p}-{}", hex_bits(bits))),
        );
        out
    }

    /// The payload as the Streaming API shows it (datetimes and dates as text). A platform
    /// event shows every field of its schema, null when unset, whichever API published it:
    /// the bus holds each event as an Avro record, and the CometD examples of platform
    /// events show unset fields as null (PublishStatusEvent's `"AdditionalInfo": null`).
    ///
    /// Date-times are ISO 8601 in UTC with a `Z` (`2017-04-09T18:31:40.517Z`, as the Platform
    /// Events guide's CometD example shows `CreatedDate`), not the REST API's `+0000` form.
    /// Change events get the same form [U: the CDC guide's CometD samples write their dates
    /// with `Z` too; whether they keep the milliseconds is not known].
    pub fn cometd_payload(&self, payload: &Map<String, Value>) -> Map<String, Value> {
        let mut out = Map::new();
        if matches!(self.kind, EventKind::Platform(_)) {
            for f in &self.fields {
                out.insert(f.name.clone(), Value::Null);
            }
        }
        for (k, v) in payload {
            let shown = match (self.field(k).map(|f| f.kind), v.as_i64()) {
                (Some(FieldKind::DateTime), Some(ms)) => json!(cometd_datetime(ms)),
                (Some(FieldKind::Date), Some(d)) => i32::try_from(d)
                    .map(|d| json!(days_to_date(d).format("%Y-%m-%d").to_string()))
                    .unwrap_or(Value::Null),
                _ => v.clone(),
            };
            out.insert(k.clone(), shown);
        }
        out
    }
}

/// A date-time as the Streaming API writes it: `2017-04-09T18:31:40.517Z`.
fn cometd_datetime(ms: i64) -> String {
    millis_to_datetime(ms)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::events::avro::{decode, encode};
    use crate::org::events::defs::Volume;

    fn shipped() -> EventType {
        EventType::platform(&PlatformEventDef {
            name: "OrderShipped__e".into(),
            label: "Order Shipped".into(),
            publish: PublishBehavior::AfterCommit,
            volume: Volume::High,
            fields: vec![
                ("Order_Number__c".into(), FieldKind::Text),
                ("Shipped_At__c".into(), FieldKind::DateTime),
            ],
        })
    }

    #[test]
    fn platform_schema_has_created_fields_then_optional_custom_fields() {
        let t = shipped();
        let j: Value = serde_json::from_str(&t.schema_json).unwrap();
        assert_eq!(j["namespace"], NAMESPACE);
        assert_eq!(j["fields"][0]["name"], "CreatedDate");
        assert_eq!(j["fields"][0]["type"], "long");
        assert_eq!(j["fields"][2]["type"], json!(["null", "string"]));
        assert_eq!(t.schema_id.len(), 22);
        assert_eq!(t.channel, "/event/OrderShipped__e");
    }

    #[test]
    fn change_schema_starts_with_the_header_and_round_trips() {
        let schema = crate::org::standard_objects::standard_schema();
        let t = EventType::change(schema.object("Account").unwrap());
        assert_eq!(t.name, "AccountChangeEvent");
        let payload = json!({"ChangeEventHeader": {"entityName": "Account", "recordIds": ["001x"],
            "changeType": "UPDATE", "changeOrigin": "", "transactionKey": "k", "sequenceNumber": 1,
            "commitTimestamp": 5, "commitNumber": 9, "commitUser": "005x",
            "nulledFields": [], "diffFields": [], "changedFields": ["Name"]}, "Name": "Falcon"});
        let v = t.avro_value(payload.as_object().unwrap());
        let mut bytes = Vec::new();
        encode(&t.avro, &v, &mut bytes).unwrap();
        let back = decode(&t.avro, &mut bytes.as_slice()).unwrap();
        assert_eq!(back["Name"], "Falcon");
        let bits = back["ChangeEventHeader"]["changedFields"][0]
            .as_str()
            .unwrap()
            .to_string();
        let pos = t.fields.iter().position(|f| f.name == "Name").unwrap() + 1;
        let n = u128::from_str_radix(&bits[2..], 16).unwrap();
        assert_eq!(n, 1u128 << pos, "{bits}");
    }

    #[test]
    fn change_schema_nests_addresses_as_records_and_bitmaps_name_components() {
        let schema = crate::org::standard_objects::standard_schema();
        let t = EventType::change(schema.object("Account").unwrap());
        let j: Value = serde_json::from_str(&t.schema_json).unwrap();
        let field = |n: &str| {
            j["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["name"] == n)
                .cloned()
        };
        assert!(field("BillingCity").is_none() && field("ShippingStreet").is_none());
        let billing = field("BillingAddress").unwrap();
        assert_eq!(billing["type"][0], "null");
        assert_eq!(billing["type"][1]["name"], "Address");
        assert_eq!(billing["type"][1]["fields"][1]["name"], "City");
        // The second address names the record type instead of defining it again.
        assert_eq!(
            field("ShippingAddress").unwrap()["type"],
            json!(["null", "Address"])
        );

        let payload = json!({"ChangeEventHeader": {"entityName": "Account", "recordIds": ["001x"],
            "changeType": "UPDATE", "changeOrigin": "", "transactionKey": "k", "sequenceNumber": 1,
            "commitTimestamp": 5, "commitNumber": 9, "commitUser": "005x",
            "nulledFields": ["BillingAddress.State"], "diffFields": [],
            "changedFields": ["BillingAddress.City", "BillingAddress.State", "LastModifiedDate"]},
            "BillingAddress": {"City": "Oslo", "State": null}, "LastModifiedDate": 7});
        let v = t.avro_value(payload.as_object().unwrap());
        let mut bytes = Vec::new();
        encode(&t.avro, &v, &mut bytes).unwrap();
        let back = decode(&t.avro, &mut bytes.as_slice()).unwrap();
        assert_eq!(back["BillingAddress"]["City"], "Oslo");
        assert_eq!(back["ShippingAddress"], Value::Null);
        let pos = t.wire.iter().position(|w| w == "BillingAddress").unwrap();
        let changed = &back["ChangeEventHeader"]["changedFields"];
        let lmd = t.wire.iter().position(|w| w == "LastModifiedDate").unwrap();
        assert_eq!(changed[0], hex_bits(&[lmd]));
        // City and State are components 1 and 2: bits 0b110.
        assert_eq!(changed[1], format!("{pos}-0x06"));
        assert_eq!(
            back["ChangeEventHeader"]["nulledFields"],
            json!([format!("{pos}-0x04")])
        );
    }

    #[test]
    fn cometd_shows_datetimes_in_utc_with_a_z_not_the_rest_offset() {
        let t = shipped();
        let mut p = Map::new();
        p.insert("CreatedDate".into(), json!(1_491_762_700_517_i64));
        p.insert("Order_Number__c".into(), json!("SO-1"));
        let shown = t.cometd_payload(&p);
        assert_eq!(shown["CreatedDate"], "2017-04-09T18:31:40.517Z");
        assert_eq!(shown["Order_Number__c"], "SO-1");

        let schema = crate::org::standard_objects::standard_schema();
        let account = EventType::change(schema.object("Account").unwrap());
        let mut change = Map::new();
        change.insert("LastModifiedDate".into(), json!(0));
        let shown = account.cometd_payload(&change);
        assert_eq!(shown["LastModifiedDate"], "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn cometd_shows_an_unset_platform_event_field_as_null_as_a_pubsub_publish_stores_it() {
        let t = shipped();
        let mut from_rest = Map::new();
        from_rest.insert("CreatedDate".into(), json!(0));
        from_rest.insert("Order_Number__c".into(), json!("SO-1"));
        let mut from_pubsub = from_rest.clone();
        from_pubsub.insert("Shipped_At__c".into(), Value::Null);
        let shown = t.cometd_payload(&from_rest);
        assert!(shown.contains_key("Shipped_At__c"), "{shown:?}");
        assert_eq!(shown["Shipped_At__c"], Value::Null);
        assert_eq!(shown, t.cometd_payload(&from_pubsub));
    }
}
