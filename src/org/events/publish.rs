//! Publishing platform events: checking fields against the event's definition, converting
//! values to their stored form, and either putting the event on the bus at once or holding it
//! until the open transaction commits (publish-after-commit).

use super::bus::{BusEvent, EventBody};
use super::defs::{FieldKind, PublishBehavior};
use super::log::Transport;
use super::schema::{EventKind, EventType};
use super::Events;
use crate::org::store::Store;
use crate::org::value::{date_to_days, parse_date, parse_datetime};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// What a publish call returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    /// The EventUuid (REST shows it in `errors[0].message` with OPERATION_ENQUEUED).
    pub uuid: String,
    /// The replay id, when the event reached the bus at once (not held for a commit).
    pub replay_id: Option<u64>,
}

/// Why an event could not be published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    #[error("there is no platform event {0} in this org; declare it under events.platform in the org seed")]
    UnknownEvent(String),
    #[error(
        "{0} is a change event: change events are raised by record changes and cannot be published"
    )]
    NotPublishable(String),
    #[error("No such column '{field}' on sobject of type {event}")]
    UnknownField { event: String, field: String },
    /// A field the event's describe lists as not createable (`ReplayId`, `EventUuid`): the
    /// org sets it. The code and text are a read-only sObject field's on create; that a real
    /// org answers a platform event the same way is assumed, not confirmed.
    #[error("Unable to create/update fields: {field}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.")]
    NotCreateable { field: String },
    #[error("{field}: {reason}")]
    BadValue { field: String, reason: String },
    /// A text longer than its field allows (the text a record field's STRING_TOO_LONG has).
    #[error("{label}: data value too large: {value} (max length={max})")]
    TooLong {
        field: String,
        label: String,
        value: String,
        max: usize,
    },
}

/// The length of a platform event's text field, as its describe says.
pub const TEXT_LENGTH: usize = 255;

/// The event fields the org sets, which describe lists with `createable: false`.
const SET_BY_THE_ORG: [&str; 2] = ["ReplayId", "EventUuid"];

/// The audit fields the org sets on every event. Describe lists them `createable: false` too,
/// and a REST (or SOAP, composite) publish naming one is refused like a record's; but the
/// Pub/Sub API's Avro schema requires them, so a Pub/Sub client must fill them in and the org
/// overwrites what it sent.
const AUDIT: [&str; 2] = ["CreatedDate", "CreatedById"];

impl PublishError {
    /// The REST error code a real org uses for this failure.
    pub fn error_code(&self) -> &'static str {
        match self {
            PublishError::UnknownEvent(_) => "NOT_FOUND",
            PublishError::NotPublishable(_) => "INVALID_TYPE",
            PublishError::UnknownField { .. } => "INVALID_FIELD",
            PublishError::NotCreateable { .. } => "INVALID_FIELD_FOR_INSERT_UPDATE",
            PublishError::BadValue { .. } => "JSON_PARSER_ERROR",
            PublishError::TooLong { .. } => "STRING_TOO_LONG",
        }
    }

    /// The field the failure is about, when it is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            PublishError::UnknownField { field, .. }
            | PublishError::NotCreateable { field }
            | PublishError::BadValue { field, .. }
            | PublishError::TooLong { field, .. } => Some(field),
            PublishError::UnknownEvent(_) | PublishError::NotPublishable(_) => None,
        }
    }
}

fn bad(field: &str, reason: &str) -> PublishError {
    PublishError::BadValue {
        field: field.to_string(),
        reason: reason.to_string(),
    }
}

/// A value as given by a client (REST JSON or decoded Avro) in its stored form.
pub fn stored_value(field: &str, kind: FieldKind, v: &Value) -> Result<Value, PublishError> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    Ok(match kind {
        FieldKind::Text => match v {
            Value::String(_) => v.clone(),
            Value::Number(n) => Value::String(n.to_string()),
            Value::Bool(b) => Value::String(b.to_string()),
            _ => return Err(bad(field, "expected text")),
        },
        FieldKind::Long => v
            .as_i64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .map(Value::from)
            .ok_or_else(|| bad(field, "expected a whole number"))?,
        FieldKind::Number => v
            .as_f64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| bad(field, "expected a number"))?,
        FieldKind::Boolean => match v {
            Value::Bool(_) => v.clone(),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
            _ => return Err(bad(field, "expected true or false")),
        },
        FieldKind::DateTime => match v {
            Value::Number(n) if n.is_i64() => v.clone(),
            Value::String(s) => parse_datetime(s)
                .map(|d| Value::from(d.timestamp_millis()))
                .ok_or_else(|| bad(field, "expected a date-time like 2026-05-01T09:30:00.000Z"))?,
            _ => {
                return Err(bad(
                    field,
                    "expected a date-time like 2026-05-01T09:30:00.000Z",
                ))
            }
        },
        FieldKind::Date => match v {
            Value::Number(n) if n.is_i64() => v.clone(),
            Value::String(s) => parse_date(s)
                .map(|d| Value::from(date_to_days(d)))
                .ok_or_else(|| bad(field, "expected a date like 2026-05-01"))?,
            _ => return Err(bad(field, "expected a date like 2026-05-01")),
        },
    })
}

/// Builds the stored payload of a platform event from the client's fields. `via` decides what
/// becomes of audit fields the client sent (see [`AUDIT`]).
pub fn platform_payload(
    ty: &EventType,
    fields: &Map<String, Value>,
    user_id: &str,
    now: DateTime<Utc>,
    via: Transport,
) -> Result<Map<String, Value>, PublishError> {
    let mut payload = Map::new();
    payload.insert("CreatedDate".into(), now.timestamp_millis().into());
    payload.insert("CreatedById".into(), user_id.into());
    let overwrites_audit = matches!(via, Transport::PubSub | Transport::Runner);
    for (k, v) in fields {
        if let Some(audit) = AUDIT.iter().find(|f| f.eq_ignore_ascii_case(k)) {
            if overwrites_audit {
                continue;
            }
            return Err(PublishError::NotCreateable {
                field: audit.to_string(),
            });
        }
        if k == "attributes" {
            continue;
        }
        if let Some(own) = SET_BY_THE_ORG.iter().find(|f| f.eq_ignore_ascii_case(k)) {
            return Err(PublishError::NotCreateable {
                field: own.to_string(),
            });
        }
        let f = ty
            .fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(k))
            .ok_or_else(|| PublishError::UnknownField {
                event: ty.name.clone(),
                field: k.clone(),
            })?;
        let stored = stored_value(&f.name, f.kind, v)?;
        if let Value::String(text) = &stored {
            if text.chars().count() > TEXT_LENGTH {
                return Err(PublishError::TooLong {
                    field: f.name.clone(),
                    label: super::describe::label_of(&f.name),
                    value: text.clone(),
                    max: TEXT_LENGTH,
                });
            }
        }
        payload.insert(f.name.clone(), stored);
    }
    Ok(payload)
}

impl Events {
    /// Publishes one platform event. `store` is the org's store, read-locked by the caller:
    /// while a transaction is open, publish-after-commit events wait for its end.
    pub fn publish(
        &self,
        store: &Store,
        event: &str,
        fields: &Map<String, Value>,
        user_id: &str,
        via: Transport,
    ) -> Result<Published, PublishError> {
        let ty = self
            .event_type(event)
            .ok_or_else(|| PublishError::UnknownEvent(event.to_string()))?;
        let behavior = match ty.kind {
            EventKind::Platform(b) => b,
            EventKind::Change { .. } => return Err(PublishError::NotPublishable(ty.name.clone())),
        };
        let now = self.clock.now();
        let payload = platform_payload(ty, fields, user_id, now, via)?;
        let ev = BusEvent {
            replay_id: 0,
            event_name: ty.name.as_str().into(),
            channel: ty.channel.as_str().into(),
            uuid: self.uuids.next(),
            body: EventBody::Fields(Box::new(payload)),
            published_at: now,
        };
        let uuid = ev.uuid.to_string();
        if behavior == PublishBehavior::AfterCommit && store.in_transaction() {
            self.deferred.lock().push((ev, via));
            return Ok(Published {
                uuid,
                replay_id: None,
            });
        }
        let replay_id = self.put_on_bus(ev, via);
        Ok(Published { uuid, replay_id })
    }
}
