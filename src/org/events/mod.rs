//! Events in the mock org: platform events, Change Data Capture and the event bus behind the
//! Pub/Sub API (`org::pubsub`) and the Streaming API (`org::streaming`).
//!
//! [`Events`] is built from the seed's `events:` section (see `defs`) and the org's schema. It
//! owns the [`EventBus`], the event types with their Avro schemas, publishing (with
//! publish-after-commit held back until the store's transaction commits, and dropped on
//! rollback), CDC (a store transaction listener, so every DML path raises change events), and
//! the [`EventLog`] of what was published and delivered, for the lab rules `events.*`, the
//! managed subscriptions of Pub/Sub `ManagedSubscribe`, and redelivery on purpose
//! ([`Events::redeliver`]) for runners testing idempotent consumers.
//!
//! ```text
//! org.events.publish(&org.store.read(), "OrderShipped__e", &fields, user_id, Transport::Runner)?
//! org.events.bus.read("/event/OrderShipped__e", ReplayFrom::Earliest, 100, org.clock.now())?
//! org.events.log.published() / .subscriptions() / .deliveries()             // evidence
//! org.events.redeliver("/event/OrderShipped__e", replay_id)                  // at-least-once
//! ```

pub mod access;
pub mod avro;
pub mod bus;
pub mod cdc;
pub mod compound;
pub mod defs;
mod describe;
pub mod log;
pub mod managed;
pub mod packed;
pub mod publish;
pub mod rest;
pub mod schema;
pub mod uuids;

pub use bus::{BusEvent, EventBody, EventBus, ReplayError, ReplayFrom, Retention};
pub use cdc::{ChangeContext, ChangeRecord};
pub use defs::{EventDefs, FieldKind, PlatformEventDef, PublishBehavior, Volume};
pub use log::{Delivery, EventLog, PublishRecord, Transport};
pub use publish::{PublishError, Published};
pub use schema::{EventKind, EventType};
pub use uuids::EventUuids;

use crate::org::clock::OrgClock;
use crate::org::schema::Schema;
use crate::org::seed::SeedError;
use crate::org::store::{Store, TxEnd};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A change event type with the names its events share.
#[derive(Debug)]
struct CdcType {
    ty: Arc<EventType>,
    name: Arc<str>,
    channel: Arc<str>,
}

/// The commit info of the last transaction that raised change events, kept so the writes of
/// one store commit group (a bulk batch of 200 rows, heard one by one) share it.
struct GroupCommit {
    /// The store's commit group, `None` for a plain transaction.
    id: Option<u64>,
    batch: cdc::ChangeBatch,
    next_sequence: u32,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit")
            .field("id", &self.id)
            .field("next_sequence", &self.next_sequence)
            .finish()
    }
}

/// The channel carrying every change event.
pub const ALL_CHANGE_EVENTS: &str = "/data/ChangeEvents";

/// The org's events: definitions, types, bus and log.
#[derive(Debug)]
pub struct Events {
    pub defs: EventDefs,
    pub bus: EventBus,
    pub log: EventLog,
    /// Pub/Sub managed subscriptions with their committed replay ids.
    pub managed: managed::ManagedSubscriptions,
    /// Event types by name.
    types: BTreeMap<String, Arc<EventType>>,
    /// CDC event types by object name.
    cdc: BTreeMap<String, CdcType>,
    /// The change events being raised for the store's current commit group.
    group: Mutex<Option<GroupCommit>>,
    /// EventUuids for every event published here.
    pub(crate) uuids: EventUuids,
    /// Publish-after-commit events waiting for the open transaction.
    deferred: Mutex<Vec<(BusEvent, Transport)>>,
    clock: OrgClock,
    /// Events a lab runner asked to hand out once more, by channel.
    redeliveries: Mutex<Vec<(String, u64)>>,
}

impl Events {
    /// Events for an org whose store has `schema`; CDC objects must exist in it.
    pub fn new(defs: EventDefs, schema: &Schema, clock: OrgClock) -> Result<Events, SeedError> {
        let bus = EventBus::new();
        let mut types = BTreeMap::new();
        let mut cdc = BTreeMap::new();
        for def in &defs.platform {
            let t = Arc::new(EventType::platform(def));
            bus.add_channel(&t.channel, def.retention());
            types.insert(t.name.clone(), t);
        }
        // The standard channel is predefined in every org, as Salesforce's Change Data Capture
        // guide describes it: with no object selected it carries nothing, but a subscription to
        // it succeeds. A single-object channel exists only for a selected object; a subscriber
        // to another is told why by `unknown_channel`.
        bus.add_channel(ALL_CHANGE_EVENTS, Retention::high_volume());
        for object in &defs.cdc_objects {
            let o = schema.object(object).ok_or_else(|| SeedError::Section {
                section: "events".into(),
                reason: format!(
                    "change_data_capture: there is no object {object} in this org; name a standard object or one declared under objects:"
                ),
            })?;
            let t = Arc::new(EventType::change(o));
            bus.add_channel(&t.channel, Retention::high_volume());
            types.insert(t.name.clone(), t.clone());
            let entry = CdcType {
                name: t.name.as_str().into(),
                channel: t.channel.as_str().into(),
                ty: t,
            };
            cdc.insert(o.name.clone(), entry);
        }
        for m in &defs.managed {
            if !bus.has_channel(&m.topic) {
                return Err(SeedError::Section {
                    section: "events".into(),
                    reason: format!(
                        "managed_subscriptions.{}: there is no topic {} in this org; use /event/Name__e of a declared platform event or a change event channel",
                        m.developer_name, m.topic
                    ),
                });
            }
        }
        Ok(Events {
            managed: managed::ManagedSubscriptions::new(&defs.managed),
            defs,
            bus,
            log: EventLog::default(),
            types,
            cdc,
            uuids: EventUuids::default(),
            group: Mutex::new(None),
            deferred: Mutex::new(Vec::new()),
            clock,
            redeliveries: Mutex::new(Vec::new()),
        })
    }

    /// The event type named `name` (`OrderShipped__e`, `AccountChangeEvent`), any case.
    pub fn event_type(&self, name: &str) -> Option<&Arc<EventType>> {
        self.types.get(name).or_else(|| {
            self.types
                .values()
                .find(|t| t.name.eq_ignore_ascii_case(name))
        })
    }

    /// The event type delivered on `channel` (`/event/X__e`, `/data/XChangeEvent`).
    pub fn type_of_channel(&self, channel: &str) -> Option<&Arc<EventType>> {
        let name = channel
            .strip_prefix("/event/")
            .or_else(|| channel.strip_prefix("/data/"))?;
        self.event_type(name).filter(|t| t.channel == channel)
    }

    /// The event type with this schema id.
    pub fn type_by_schema_id(&self, id: &str) -> Option<&Arc<EventType>> {
        self.types.values().find(|t| t.schema_id == id)
    }

    /// Every event type, by name.
    pub fn types(&self) -> impl Iterator<Item = &Arc<EventType>> {
        self.types.values()
    }

    /// The objects whose changes raise change events.
    pub fn change_capture_objects(&self) -> Vec<String> {
        self.cdc.keys().cloned().collect()
    }

    /// Why `channel` has no events in this org, for a subscriber: a change event channel of an
    /// object (`/data/OpportunityChangeEvent`) names what Change Data Capture is selected
    /// for; anything else names the channel forms. `schema` holds the org's objects.
    pub fn unknown_channel(&self, channel: &str, schema: &crate::org::schema::Schema) -> String {
        if channel.trim().is_empty() {
            return "No topic was named: give the topic (topic_name, or the channel to subscribe to), such as /event/Name__e or /data/AccountChangeEvent.".into();
        }
        let object = channel
            .strip_prefix("/data/")
            .and_then(|rest| rest.strip_suffix("ChangeEvent"))
            .map(|o| {
                o.strip_suffix("__")
                    .map_or(o.to_string(), |c| format!("{c}__c"))
            });
        let named = object.and_then(|o| {
            schema
                .objects()
                .iter()
                .find(|d| d.name.eq_ignore_ascii_case(&o))
                .map(|d| d.name.as_str())
        });
        let selected = match self.change_capture_objects().as_slice() {
            [] => "no objects are selected".to_string(),
            some => format!("the objects selected are {}", some.join(", ")),
        };
        match named {
            Some(o) => format!(
                "Change Data Capture is not selected for {o} in this org, so {channel} carries no events; {selected} (Setup → Change Data Capture, or `change_data_capture:` in a seed)."
            ),
            None => format!(
                "The channel {channel} does not exist in this org; platform events are /event/Name__e and change events /data/ChangeEvents or /data/<Object>ChangeEvent."
            ),
        }
    }

    /// The store listener raising change events and releasing publish-after-commit events.
    pub fn transaction_listener(events: &Arc<Events>) -> crate::org::store::TxListener {
        let weak = Arc::downgrade(events);
        Box::new(move |store, end| {
            if let Some(events) = weak.upgrade() {
                events.transaction_ended(store, end);
            }
        })
    }

    fn transaction_ended(&self, store: &Store, end: TxEnd<'_>) {
        match end {
            TxEnd::RolledBack => self.deferred.lock().clear(),
            TxEnd::Committed(changes) => {
                self.raise_change_events(store, changes);
                let deferred = std::mem::take(&mut *self.deferred.lock());
                if deferred.is_empty() {
                    return;
                }
                let now = self.clock.now();
                for (mut ev, via) in deferred {
                    ev.published_at = now;
                    if let EventBody::Fields(payload) = &mut ev.body {
                        payload.insert("CreatedDate".into(), now.timestamp_millis().into());
                    }
                    self.put_on_bus(ev, via);
                }
            }
        }
    }

    /// Puts the change events of one committed transaction on the bus: one transaction key
    /// and commit number, sequence numbers from 1, each event shared by its object's channel
    /// and `/data/ChangeEvents`. The writes of one store commit group (heard one by one)
    /// continue the group's transaction.
    fn raise_change_events(&self, store: &Store, changes: &[crate::org::change::Change]) {
        // A transaction's changes come in runs of one object (sharing its name): its capture
        // settings are looked up once per run.
        let mut last: Option<(&Arc<str>, Option<&CdcType>)> = None;
        let relevant: Vec<(&crate::org::change::Change, &CdcType)> = changes
            .iter()
            .filter_map(|c| {
                let t = match last {
                    Some((object, t)) if Arc::ptr_eq(object, &c.object) => t,
                    _ => {
                        let t = self.cdc.get(&*c.object);
                        last = Some((&c.object, t));
                        t
                    }
                };
                t.map(|t| (c, t))
            })
            .collect();
        if relevant.is_empty() {
            return;
        }
        let group = store.commit_group();
        let mut state = self.group.lock();
        let current = match state.take() {
            Some(g) if group.is_some() && g.id == group => g,
            previous => {
                let commit = cdc::Commit {
                    transaction_key: self.uuids.next().to_string().into(),
                    commit_number: self.bus.next_commit_number(),
                };
                GroupCommit {
                    id: group,
                    batch: match previous {
                        Some(p) => p.batch.renew(commit),
                        None => cdc::ChangeBatch::new(commit),
                    },
                    next_sequence: 1,
                }
            }
        };
        let g = state.insert(current);
        let merge = self.defs.merge_changes;
        let records = g
            .batch
            .events(store, relevant.iter().map(|(c, t)| (&t.ty, *c)));
        let mut events: Vec<BusEvent> = Vec::with_capacity(records.len());
        for ((change, t), mut record) in relevant.iter().zip(records) {
            if merge {
                if let Some(EventBody::Change(last)) = events.last_mut().map(|e| &mut e.body) {
                    if last.merge(&record) {
                        continue;
                    }
                }
            }
            record.sequence = g.next_sequence;
            g.next_sequence = g.next_sequence.saturating_add(1);
            events.push(BusEvent {
                replay_id: 0,
                event_name: t.name.clone(),
                channel: t.channel.clone(),
                uuid: self.uuids.next(),
                body: EventBody::Change(record),
                published_at: change.at,
            });
        }
        drop(state);
        let published = self.bus.publish_all(events, &[ALL_CHANGE_EVENTS]);
        self.log.record_publishes(&published, Transport::Cdc);
    }

    /// Asks the bus to deliver an already delivered event again: the next batch any
    /// subscriber of `channel` reads starts with it (a lab runner tests that consumers are
    /// idempotent this way; at-least-once delivery allows it). False if it is not retained.
    pub fn redeliver(&self, channel: &str, replay_id: u64) -> bool {
        let retained = self
            .bus
            .read(channel, ReplayFrom::Earliest, usize::MAX, self.clock.now())
            .map(|all| all.iter().any(|e| e.replay_id == replay_id))
            .unwrap_or(false);
        if retained {
            self.redeliveries
                .lock()
                .push((channel.to_string(), replay_id));
            self.bus.nudge();
        }
        retained
    }

    /// Takes the redeliveries queued for `channel` whose replay id the reader has already
    /// passed (`position`), as events.
    pub fn take_redeliveries(&self, channel: &str, position: ReplayFrom) -> Vec<Arc<BusEvent>> {
        let passed = |id: u64| match position {
            ReplayFrom::After(p) => id <= p,
            _ => false,
        };
        let ids: Vec<u64> = {
            let mut queue = self.redeliveries.lock();
            let (mine, rest): (Vec<_>, Vec<_>) = queue
                .drain(..)
                .partition(|(c, id)| c == channel && passed(*id));
            *queue = rest;
            mine.into_iter().map(|(_, id)| id).collect()
        };
        if ids.is_empty() {
            return Vec::new();
        }
        self.bus
            .read(channel, ReplayFrom::Earliest, usize::MAX, self.clock.now())
            .map(|all| {
                all.into_iter()
                    .filter(|e| ids.contains(&e.replay_id))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn put_on_bus(&self, ev: BusEvent, via: Transport) -> Option<u64> {
        let also: &[&str] = if ev.channel.starts_with("/data/") {
            &[ALL_CHANGE_EVENTS]
        } else {
            &[]
        };
        let at = ev.published_at;
        match self.bus.publish(ev, also, at) {
            Ok(e) => {
                self.log.record_publish(&e, via);
                Some(e.replay_id)
            }
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests;
