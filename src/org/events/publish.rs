//! Publishing platform events: checking fields against the event's definition, converting
//! values to their stored form, and either putting the event on the bus at once or holding it
//! until the open transaction commits (publish-after-commit).

use super::bus::{BusEvent, EventBody};
use super::defs::{FieldKind, PublishBehavior};
use super::log::Transport;
use super::schema::{EventKind, EventType};
use super::Events;
use crate::org::store::Store;
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
    /// A value that does not fit its field: the sObject API's JSON parser error (without the
    /// REST API's parser position, which [`PublishError::rest_message`] adds).
    #[error("{0}")]
    Misfit(crate::org::value::ValueError),
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
            PublishError::Misfit(_) => "JSON_PARSER_ERROR",
            PublishError::TooLong { .. } => "STRING_TOO_LONG",
        }
    }

    /// The field the failure is about, when it is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            PublishError::UnknownField { field, .. }
            | PublishError::NotCreateable { field }
            | PublishError::TooLong { field, .. } => Some(field),
            // A parser error names no field, as a record's does.
            PublishError::UnknownEvent(_)
            | PublishError::NotPublishable(_)
            | PublishError::Misfit(_) => None,
        }
    }

    /// The message as the REST API words it: a value that does not fit ends with the parser's
    /// position, as a record create's does (`… at [line:1, column:2]`, see `rest::sobjects`).
    pub fn rest_message(&self) -> String {
        match self {
            PublishError::Misfit(e) => format!("{e} at [line:1, column:2]"),
            other => other.to_string(),
        }
    }
}

/// A value as given by a client (REST JSON or decoded Avro) in its stored form, converted
/// as a record field of the same type is (the event field's describe type), so a value that
/// does not fit is refused with the sObject API's words. A whole number for a date or
/// date-time is taken as the stored form itself (days, epoch milliseconds): decoded Avro and
/// the lab runner give them so.
pub fn stored_value(kind: FieldKind, v: &Value) -> Result<Value, PublishError> {
    use crate::org::value::Value as Field;
    if matches!(kind, FieldKind::Date | FieldKind::DateTime) && v.is_i64() {
        return Ok(v.clone());
    }
    let field =
        Field::from_json(super::describe::field_type(kind), v).map_err(PublishError::Misfit)?;
    Ok(match field {
        None => Value::Null,
        Some(Field::Text(s)) => Value::String(s.to_string()),
        Some(Field::Int(i)) => Value::from(i),
        Some(Field::Double(f)) => {
            serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
        }
        Some(Field::Bool(b)) => Value::Bool(b),
        Some(Field::Date(days)) => Value::from(days),
        Some(Field::DateTime(ms)) => Value::from(ms),
        Some(Field::Id(id)) => Value::String(id.to_string()),
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
        let stored = stored_value(f.kind, v)?;
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
