//! What the bus did, for the lab rules `events.published`, `events.replay_resumed` and
//! `events.consumer_idempotent`: every event published (and by which transport), every
//! subscription started (and from which replay position), every event delivered to whom.

use super::bus::{BusEvent, ReplayFrom};
use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use std::collections::HashSet;
use std::sync::Arc;

/// Entries kept per list; past it the oldest half is dropped (a long `org serve` session
/// must not grow without bound; a lab run stays far below it).
pub const MAX_ENTRIES: usize = 200_000;

fn bounded<T>(list: &mut Vec<T>) {
    if list.len() >= MAX_ENTRIES {
        list.drain(..MAX_ENTRIES / 2);
    }
}

/// How an event reached or left the bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// `POST /sobjects/X__e` (also inside composite calls).
    Rest,
    /// Pub/Sub API `Publish`, `PublishStream`, `Subscribe`.
    PubSub,
    /// Streaming API (CometD).
    CometD,
    /// Raised by Change Data Capture from a committed DML transaction.
    Cdc,
    /// Published by sflab itself (a lab runner's setup).
    Runner,
}

/// One event published on the bus.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PublishRecord {
    pub replay_id: u64,
    pub channel: String,
    pub event_name: String,
    pub uuid: String,
    pub via: Transport,
    pub at: DateTime<Utc>,
}

/// One subscription opened by a client.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SubscriptionRecord {
    /// The transport's own id for the subscriber (a CometD clientId, a Pub/Sub stream id).
    pub subscriber: String,
    pub channel: String,
    /// `-1` latest, `-2` earliest, or the stored replay id resumed from.
    pub from: i64,
    pub via: Transport,
    pub at: DateTime<Utc>,
    /// The events a Pub/Sub subscriber asked for over its stream, every FetchRequest's
    /// `num_requested` added up (the server sends no more than this); `None` over CometD,
    /// which has no flow control.
    pub requested: Option<u64>,
}

/// A subscription the org refused to start (a replay id it cannot resume from, an unknown
/// channel): the client asked, so the rules can say why nothing arrived.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RefusedSubscription {
    pub channel: String,
    /// What the client asked for, as in [`SubscriptionRecord::from`]; [`NOT_A_NUMBER`] when
    /// the replay id it sent was no whole number (`"2"`, `2.0`).
    pub from: i64,
    /// The org's answer, as the client was given it.
    pub message: String,
    pub via: Transport,
    pub at: DateTime<Utc>,
}

/// The `from` of a refused subscription whose replay id was no whole number (CometD), or not
/// the 8 bytes of one (Pub/Sub: a hex or decimal text stored and read back as bytes).
pub const NOT_A_NUMBER: i64 = i64::MIN;

/// The `from` of a refused Pub/Sub subscription that asked for CUSTOM with no replay id.
pub const NO_REPLAY_ID: i64 = i64::MIN + 1;

/// One event handed to a subscriber.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Delivery {
    pub replay_id: u64,
    pub channel: String,
    pub subscriber: String,
    pub via: Transport,
    pub at: DateTime<Utc>,
}

/// Counts for the event allocations (see [`EventLog::usage`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventUsage {
    pub published_high: u64,
    pub published_standard: u64,
    pub delivered: u64,
}

/// A publish record as the log keeps it: the event itself, shared with the bus (one pointer,
/// not a copy of its names and uuid).
#[derive(Debug, Clone)]
struct PublishEntry {
    event: Arc<BusEvent>,
    via: Transport,
}

impl PublishEntry {
    fn record(&self) -> PublishRecord {
        let e = &self.event;
        PublishRecord {
            replay_id: e.replay_id,
            channel: e.channel.to_string(),
            event_name: e.event_name.to_string(),
            uuid: e.uuid.to_string(),
            via: self.via,
            at: e.published_at,
        }
    }
}

#[derive(Debug, Default)]
struct Entries {
    published: Vec<PublishEntry>,
    subscriptions: Vec<SubscriptionRecord>,
    refused: Vec<RefusedSubscription>,
    deliveries: Vec<Delivery>,
}

/// The bus's activity log.
#[derive(Debug, Default)]
pub struct EventLog {
    entries: Mutex<Entries>,
    /// Subscribers whose program has been stopped (see [`EventLog::end_subscribers_after`]).
    ended: Mutex<HashSet<String>>,
}

impl EventLog {
    pub(crate) fn record_publish(&self, e: &Arc<BusEvent>, via: Transport) {
        self.record_publishes([e], via);
    }

    /// Notes several published events under one lock.
    pub(crate) fn record_publishes<'e>(
        &self,
        events: impl IntoIterator<Item = &'e Arc<BusEvent>>,
        via: Transport,
    ) {
        let mut entries = self.entries.lock();
        for e in events {
            bounded(&mut entries.published);
            entries.published.push(PublishEntry {
                event: e.clone(),
                via,
            });
        }
    }

    /// Notes a subscription starting at `from`.
    pub fn record_subscription(
        &self,
        subscriber: &str,
        channel: &str,
        from: ReplayFrom,
        via: Transport,
        at: DateTime<Utc>,
    ) {
        let from = match from {
            ReplayFrom::Latest => -1,
            ReplayFrom::Earliest => -2,
            ReplayFrom::After(id) => i64::try_from(id).unwrap_or(i64::MAX),
        };
        let mut e = self.entries.lock();
        bounded(&mut e.subscriptions);
        e.subscriptions.push(SubscriptionRecord {
            subscriber: subscriber.to_string(),
            channel: channel.to_string(),
            from,
            via,
            at,
            requested: (via == Transport::PubSub).then_some(0),
        });
    }

    /// Notes a Pub/Sub FetchRequest: `asked` more events for the subscriber's latest
    /// subscription (a negative count asks for none).
    pub fn record_requested(&self, subscriber: &str, asked: i32) {
        let asked = u64::try_from(asked).unwrap_or(0);
        let mut e = self.entries.lock();
        if let Some(s) = e
            .subscriptions
            .iter_mut()
            .rev()
            .find(|s| s.subscriber == subscriber)
        {
            s.requested = s.requested.map(|n| n.saturating_add(asked));
        }
    }

    /// Notes a subscription the org refused, with the answer the client got.
    pub fn record_refusal(&self, refused: RefusedSubscription) {
        let mut e = self.entries.lock();
        bounded(&mut e.refused);
        e.refused.push(refused);
    }

    /// Notes events handed to a subscriber.
    pub fn record_deliveries(
        &self,
        subscriber: &str,
        channel: &str,
        replay_ids: impl IntoIterator<Item = u64>,
        via: Transport,
        at: DateTime<Utc>,
    ) {
        let mut e = self.entries.lock();
        for replay_id in replay_ids {
            bounded(&mut e.deliveries);
            e.deliveries.push(Delivery {
                replay_id,
                channel: channel.to_string(),
                subscriber: subscriber.to_string(),
                via,
                at,
            });
        }
    }

    /// Ends every subscriber that subscribed after the first `seen` subscriptions, because
    /// the program behind them was stopped (a lab scenario's `kill`). A real org finds such a
    /// connection closed; here the transports may not have noticed yet, so they check
    /// [`EventLog::has_ended`] and hand an ended subscriber nothing more. Without it, an
    /// event published right after the stop could be counted as received by a program that
    /// is gone.
    pub fn end_subscribers_after(&self, seen: usize) {
        let entries = self.entries.lock();
        let mut ended = self.ended.lock();
        for s in entries.subscriptions.iter().skip(seen) {
            ended.insert(s.subscriber.clone());
        }
    }

    /// Whether a subscriber's program has been stopped.
    pub fn has_ended(&self, subscriber: &str) -> bool {
        self.ended.lock().contains(subscriber)
    }

    /// Platform events published since `since`, split by `is_standard(channel)` into
    /// (high volume, standard volume); and events handed to subscribers since `delivered_since`.
    /// For the allocations of `/limits` (the log keeps at least the last 100,000 of each).
    pub fn usage(
        &self,
        since: DateTime<Utc>,
        delivered_since: DateTime<Utc>,
        is_standard: impl Fn(&str) -> bool,
    ) -> EventUsage {
        let entries = self.entries.lock();
        let mut usage = EventUsage::default();
        for p in entries.published.iter().rev() {
            let e = &p.event;
            if e.published_at < since {
                break;
            }
            if !e.channel.starts_with("/event/") {
                continue;
            }
            if is_standard(&e.channel) {
                usage.published_standard += 1;
            } else {
                usage.published_high += 1;
            }
        }
        usage.delivered = entries
            .deliveries
            .iter()
            .rev()
            .take_while(|d| d.at >= delivered_since)
            .count() as u64;
        usage
    }

    pub fn published(&self) -> Vec<PublishRecord> {
        let entries = self.entries.lock();
        entries.published.iter().map(PublishEntry::record).collect()
    }

    pub fn subscriptions(&self) -> Vec<SubscriptionRecord> {
        self.entries.lock().subscriptions.clone()
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.entries.lock().deliveries.clone()
    }

    pub fn refusals(&self) -> Vec<RefusedSubscription> {
        self.entries.lock().refused.clone()
    }
}
