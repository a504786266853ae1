//! Event definitions read from the seed's `events:` section: platform events (`__e`) with
//! their fields, publish behaviour and volume, and the objects Change Data Capture covers.
//!
//! ```yaml
//! events:
//!   platform:
//!     OrderShipped__e:
//!       label: Order Shipped
//!       publish: after_commit        # or: immediately
//!       volume: high                 # or: standard (24 h retention instead of 72 h)
//!       fields: { Order_Number__c: text, Shipped_At__c: datetime, Weight__c: number }
//!   change_data_capture: [Account, Contact]
//!   merge_changes: true              # one event for the same change to several records
//!   managed_subscriptions:           # Pub/Sub ManagedSubscribe, by developer name
//!     Shipments_Sync: { topic: /event/OrderShipped__e, replay: earliest }
//! ```
//!
//! Field types: `text`, `long`, `number` (double), `boolean` (alias `checkbox`), `date`,
//! `datetime`. New platform events in Salesforce default to high volume and publish after
//! commit, so those are the defaults here.

use super::bus::Retention;
use crate::org::seed::{OrgSeed, SeedError};
use serde::Deserialize;
use std::collections::BTreeMap;

/// How a field's value is carried (JSON on CometD, Avro on Pub/Sub).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    #[serde(alias = "string")]
    Text,
    #[serde(alias = "int", alias = "integer")]
    Long,
    #[serde(alias = "double", alias = "currency", alias = "percent")]
    Number,
    #[serde(alias = "checkbox", alias = "bool")]
    Boolean,
    Date,
    DateTime,
}

/// When an event published inside a transaction reaches the bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublishBehavior {
    /// Only once the transaction commits; a rolled-back transaction publishes nothing.
    #[default]
    AfterCommit,
    /// At once, whatever happens to the transaction.
    Immediately,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Volume {
    Standard,
    #[default]
    High,
}

impl ManagedStart {
    /// The starting position when nothing was committed (`newest`: the bus's newest id).
    pub fn position(self, newest: u64) -> super::bus::ReplayFrom {
        match self {
            ManagedStart::Latest => super::bus::ReplayFrom::After(newest),
            ManagedStart::Earliest => super::bus::ReplayFrom::Earliest,
        }
    }
}

/// One platform event type.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformEventDef {
    /// API name ending in `__e`.
    pub name: String,
    pub label: String,
    pub publish: PublishBehavior,
    pub volume: Volume,
    /// Custom fields in declaration order.
    pub fields: Vec<(String, FieldKind)>,
}

impl PlatformEventDef {
    pub fn channel(&self) -> String {
        format!("/event/{}", self.name)
    }

    pub fn retention(&self) -> Retention {
        match self.volume {
            Volume::Standard => Retention::standard(),
            Volume::High => Retention::high_volume(),
        }
    }

    /// The declared field named `name` (case-insensitive), with its canonical spelling.
    pub fn field(&self, name: &str) -> Option<(&str, FieldKind)> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(n, k)| (n.as_str(), *k))
    }
}

/// Everything the seed says about events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventDefs {
    pub platform: Vec<PlatformEventDef>,
    /// Objects with Change Data Capture, as the seed spells them.
    pub cdc_objects: Vec<String>,
    /// Managed subscriptions (Pub/Sub `ManagedSubscribe`) by developer name.
    pub managed: Vec<ManagedSubscriptionDef>,
    /// Merge the same change to several records of one transaction into one change event
    /// listing them all in `recordIds`, as Salesforce sometimes does (see `cdc`).
    pub merge_changes: bool,
}

/// A managed subscription: the org stores its committed replay id.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedSubscriptionDef {
    #[serde(skip)]
    pub developer_name: String,
    pub topic: String,
    /// Where a subscription with nothing committed starts: `latest` (default) or `earliest`.
    #[serde(default)]
    pub replay: ManagedStart,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ManagedStart {
    #[default]
    Latest,
    Earliest,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    #[serde(default)]
    platform: BTreeMap<String, RawEvent>,
    #[serde(default, alias = "cdc")]
    change_data_capture: Vec<String>,
    #[serde(default)]
    managed_subscriptions: BTreeMap<String, ManagedSubscriptionDef>,
    #[serde(default)]
    merge_changes: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    label: Option<String>,
    #[serde(default)]
    publish: PublishBehavior,
    #[serde(default)]
    volume: Volume,
    #[serde(default)]
    fields: serde_yaml::Mapping,
}

fn section_error(reason: impl Into<String>) -> SeedError {
    SeedError::Section {
        section: "events".into(),
        reason: reason.into(),
    }
}

impl EventDefs {
    /// Reads the seed's `events:` section (none → no events).
    pub fn from_seed(seed: &OrgSeed) -> Result<EventDefs, SeedError> {
        match seed.other.get("events") {
            None => Ok(EventDefs::default()),
            Some(v) => EventDefs::from_yaml_value(v.clone()),
        }
    }

    pub fn from_yaml_value(v: serde_yaml::Value) -> Result<EventDefs, SeedError> {
        let raw: RawSection = serde_yaml::from_value(v).map_err(|e| {
            section_error(format!(
                "{e}; expected `platform:` (event name → label, publish, volume, fields) and `change_data_capture:` (a list of objects)"
            ))
        })?;
        let mut platform = Vec::new();
        for (name, ev) in raw.platform {
            if !name.ends_with("__e") || name.len() <= 3 {
                return Err(section_error(format!(
                    "platform.{name}: a platform event's API name ends in __e, e.g. {name}__e"
                )));
            }
            let mut fields = Vec::new();
            for (k, v) in ev.fields {
                let (Some(fname), Some(kind)) = (k.as_str(), v.as_str()) else {
                    return Err(section_error(format!(
                        "platform.{name}.fields: each field is `Name__c: type`"
                    )));
                };
                let kind: FieldKind = serde_yaml::from_value(serde_yaml::Value::String(
                    kind.to_ascii_lowercase(),
                ))
                .map_err(|_| {
                    section_error(format!(
                        "platform.{name}.fields.{fname}: unknown type '{kind}'; use text, long, number, boolean, date or datetime"
                    ))
                })?;
                fields.push((fname.to_string(), kind));
            }
            platform.push(PlatformEventDef {
                label: ev
                    .label
                    .unwrap_or_else(|| name.trim_end_matches("__e").replace('_', " ")),
                name,
                publish: ev.publish,
                volume: ev.volume,
                fields,
            });
        }
        let managed = raw
            .managed_subscriptions
            .into_iter()
            .map(|(name, mut m)| {
                m.developer_name = name;
                m
            })
            .collect();
        Ok(EventDefs {
            platform,
            cdc_objects: raw.change_data_capture,
            managed,
            merge_changes: raw.merge_changes,
        })
    }

    /// The platform event named `name` (case-insensitive).
    pub fn platform_event(&self, name: &str) -> Option<&PlatformEventDef> {
        self.platform
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
    }
}

/// The change event name of an object: `AccountChangeEvent`, `Shipment__ChangeEvent`.
pub fn change_event_name(object: &str) -> String {
    match object.strip_suffix("__c") {
        Some(base) => format!("{base}__ChangeEvent"),
        None => format!("{object}ChangeEvent"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defs(yaml: &str) -> Result<EventDefs, SeedError> {
        EventDefs::from_yaml_value(serde_yaml::from_str(yaml).unwrap())
    }

    #[test]
    fn platform_events_read_fields_in_order_with_defaults() {
        let d = defs(
            "platform:\n  OrderShipped__e:\n    fields: { Order_Number__c: text, Weight__c: number, At__c: datetime }\nchange_data_capture: [Account]\n",
        )
        .unwrap();
        let e = d.platform_event("ordershipped__e").unwrap();
        assert_eq!(e.publish, PublishBehavior::AfterCommit);
        assert_eq!(e.volume, Volume::High);
        assert_eq!(e.retention(), Retention::high_volume());
        assert_eq!(
            e.fields.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
            vec!["Order_Number__c", "Weight__c", "At__c"]
        );
        assert_eq!(e.field("weight__c"), Some(("Weight__c", FieldKind::Number)));
        assert_eq!(d.cdc_objects, vec!["Account"]);
    }

    #[test]
    fn a_name_without_the_event_suffix_is_refused_with_the_fix() {
        let err = defs("platform:\n  OrderShipped: {}\n").unwrap_err();
        assert!(err.to_string().contains("OrderShipped__e"), "{err}");
    }

    #[test]
    fn an_unknown_field_type_names_the_allowed_types() {
        let err = defs("platform:\n  A__e: { fields: { X__c: blob } }\n").unwrap_err();
        assert!(err.to_string().contains("datetime"), "{err}");
    }

    #[test]
    fn change_event_names_follow_salesforce_naming() {
        assert_eq!(change_event_name("Account"), "AccountChangeEvent");
        assert_eq!(change_event_name("Shipment__c"), "Shipment__ChangeEvent");
    }
}
