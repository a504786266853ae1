//! What each Pub/Sub RPC does on the org's event bus: authentication from metadata, GetTopic,
//! GetSchema, Publish (Avro payloads checked against the topic's schema) and the Subscribe
//! loop with flow control and keepalives.
//!
//! Implementation notes:
//! - Statuses follow what real clients handle: UNAUTHENTICATED for a missing or invalid
//!   `accesstoken`/`tenantid`, NOT_FOUND for an unknown topic or schema, INVALID_ARGUMENT for
//!   a bad replay id (with an `error-code` trailer containing `fetch.replayid.validation.failed`
//!   or `fetch.replayid.corrupted`, the values the official Java sample looks for) or a topic
//!   change mid-stream. The full `sfdc.platform.eventbus.grpc.*` prefixes are sflab's
//!   reconstruction; the reference only quotes their endings. Every refusal carries an
//!   `error-code`; those the reference does not name at all ([`TOPIC_NOT_PUBLISHABLE`],
//!   [`TOPIC_CHANGED`], [`super::managed::MANAGED_NOT_FOUND`]) are sflab's guesses in the
//!   same family.
//! - A subscription only ever sends as many events as the client requested; when caught up it
//!   sends an empty batch with the latest replay id every keepalive interval (a real org does
//!   so within 270 s).
//! - A Subscribe whose first FetchRequest asks for no events (`num_requested` 0, the proto
//!   default, or negative) or names a `replay_preset` that is none of LATEST, EARLIEST and
//!   CUSTOM is refused with INVALID_ARGUMENT at once rather than left waiting for a request
//!   that may never come. The real service's wording and `error-code` for these are not in
//!   the reference: the messages and [`NUM_REQUESTED_INVALID`] / [`REPLAY_PRESET_INVALID`] are
//!   sflab's. A later FetchRequest asking for none adds nothing, as before.

use super::proto::{self, replay_id_bytes, replay_id_of, ReplayPreset};
use crate::org::events::bus::ReplayWords;
use crate::org::events::{access, avro, BusEvent, EventKind, ReplayError, ReplayFrom, Transport};
use crate::org::{Org, Session};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tonic::metadata::MetadataMap;
use tonic::{Code, Status};

/// Most events sent in one FetchResponse.
pub const MAX_BATCH: usize = 100;

/// Most events a subscriber may have asked for and not yet received: Salesforce counts what
/// every FetchRequest of a Subscribe call asked for together and takes anything above 100 as
/// 100 (Pub/Sub API docs, "Pull Subscription and Flow Control"), so a client that asks once
/// for 500 gets 100 and then nothing until it asks again.
pub const MAX_PENDING: usize = 100;

/// What is outstanding after a FetchRequest for `asked` more on top of `pending`.
pub fn requested(pending: usize, asked: i32) -> usize {
    pending
        .saturating_add(usize::try_from(asked).unwrap_or(0))
        .min(MAX_PENDING)
}

/// The largest event a publisher may send: 1 MB ("Pub/Sub API and Event Allocations"),
/// counted here as the Avro payload's bytes (what a real org counts exactly is not in the
/// reference).
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// A call on a topic the user lacks the permission for, where the org enforces object access
/// (PERMISSION_DENIED): subscribing without Read on a platform event or View All on a changed
/// object, publishing without Create. Not in the reference: sflab's name, and the status is
/// sflab's choice too [U: what the real service answers is not documented; PERMISSION_DENIED
/// is gRPC's status for a caller who may not do what it asked].
pub const TOPIC_PERMISSION_DENIED: &str = "sfdc.platform.eventbus.grpc.topic.permission.denied";

/// Publish to a change event topic (PERMISSION_DENIED). Not in the reference: sflab's name.
pub const TOPIC_NOT_PUBLISHABLE: &str = "sfdc.platform.eventbus.grpc.publish.topic.not.publishable";

/// A FetchRequest naming another topic than its Subscribe stream's (INVALID_ARGUMENT). Not in
/// the reference: sflab's name, in the `subscription.fetch` family the replay errors use.
pub const TOPIC_CHANGED: &str = "sfdc.platform.eventbus.grpc.subscription.fetch.topic.changed";

/// A first FetchRequest asking for no events (INVALID_ARGUMENT). Not in the reference: sflab's
/// name, in the `subscription.fetch` family.
pub const NUM_REQUESTED_INVALID: &str =
    "sfdc.platform.eventbus.grpc.subscription.fetch.numrequested.invalid";

/// A `replay_preset` the proto does not define (INVALID_ARGUMENT). Not in the reference:
/// sflab's name, in the `subscription.fetch` family.
pub const REPLAY_PRESET_INVALID: &str =
    "sfdc.platform.eventbus.grpc.subscription.fetch.replaypreset.invalid";

/// The Pub/Sub service of one org.
#[derive(Debug, Clone)]
pub struct PubSub {
    pub org: Org,
    /// How long a caught-up subscription waits before sending an empty keepalive batch.
    pub keepalive: Duration,
}

pub(super) fn status_with_code(code: Code, message: String, error_code: &str) -> Status {
    let mut md = MetadataMap::new();
    if let Ok(v) = error_code.parse() {
        md.insert("error-code", v);
    }
    Status::with_metadata(code, message, md)
}

fn rpc_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(super) fn replay_status(e: &ReplayError) -> Status {
    status_with_code(
        Code::InvalidArgument,
        e.message(ReplayWords::PubSub),
        "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.validation.failed",
    )
}

impl PubSub {
    pub fn new(org: Org) -> PubSub {
        PubSub {
            org,
            keepalive: Duration::from_secs(270),
        }
    }

    /// The session behind the call's `accesstoken`, checked against `tenantid`.
    pub fn authenticate(&self, md: &MetadataMap) -> Result<Session, Status> {
        let auth_error = |m: &str| {
            status_with_code(
                Code::Unauthenticated,
                m.to_string(),
                "sfdc.platform.eventbus.grpc.service.auth.error",
            )
        };
        let get = |k: &str| md.get(k).and_then(|v| v.to_str().ok()).map(str::trim);
        let token = get("accesstoken").filter(|t| !t.is_empty()).ok_or_else(|| {
            auth_error("Send the access token in the `accesstoken` metadata of every call, with `instanceurl` and `tenantid` (the org id).")
        })?;
        let tenant = get("tenantid").unwrap_or_default();
        let id = self.org.id.as_str();
        if tenant.is_empty() || !(tenant == id || tenant == &id[..15]) {
            return Err(auth_error(&format!(
                "The `tenantid` metadata must be this org's id ({id}); it was '{tenant}'."
            )));
        }
        if get("instanceurl").is_none_or(str::is_empty) {
            return Err(auth_error(
                "Send the org's instance URL in the `instanceurl` metadata of every call.",
            ));
        }
        let session = self
            .org
            .sessions
            .validate(token, self.org.clock.now())
            .map_err(|_| {
                auth_error("The access token is invalid or has expired; get a new one and retry.")
            })?;
        if !session.allows_api() {
            return Err(auth_error(
                "The access token lacks the api scope, which the Pub/Sub API needs: ask for `api` when you get the token.",
            ));
        }
        Ok(Session::clone(&session))
    }

    fn topic(&self, name: &str) -> Result<Arc<crate::org::events::EventType>, Status> {
        self.org
            .events
            .type_of_channel(name)
            .cloned()
            .ok_or_else(|| {
                let store = self.org.store.read();
                status_with_code(
                    Code::NotFound,
                    self.org.events.unknown_channel(name, store.schema()),
                    "sfdc.platform.eventbus.grpc.topic.not.found",
                )
            })
    }

    /// The topic as `session`'s user may use it: `can_publish` and `can_subscribe` say what
    /// their permissions allow where the org enforces object access.
    pub fn get_topic(
        &self,
        session: &Session,
        req: &proto::TopicRequest,
    ) -> Result<proto::TopicInfo, Status> {
        let (can_publish, schema_id) = if req.topic_name == crate::org::events::ALL_CHANGE_EVENTS
            && self.org.events.bus.has_channel(&req.topic_name)
        {
            (false, String::new())
        } else {
            let t = self.topic(&req.topic_name)?;
            (
                matches!(t.kind, EventKind::Platform(_))
                    && access::publish_refusal(&self.org, &session.user_id, &t).is_none(),
                t.schema_id.clone(),
            )
        };
        let can_subscribe =
            access::subscribe_refusal(&self.org, &session.user_id, &req.topic_name).is_none();
        Ok(proto::TopicInfo {
            topic_name: req.topic_name.clone(),
            tenant_guid: self.org.id.as_str().to_string(),
            can_publish,
            can_subscribe,
            schema_id,
            rpc_id: rpc_id(),
        })
    }

    pub fn get_schema(&self, req: &proto::SchemaRequest) -> Result<proto::SchemaInfo, Status> {
        let t = self
            .org
            .events
            .type_by_schema_id(&req.schema_id)
            .ok_or_else(|| {
                status_with_code(
                    Code::NotFound,
                    format!("There is no schema {} in this org; take the schema id from GetTopic or from a received event.", req.schema_id),
                    "sfdc.platform.eventbus.grpc.schema.not.found",
                )
            })?;
        Ok(proto::SchemaInfo {
            schema_json: t.schema_json.clone(),
            schema_id: t.schema_id.clone(),
            rpc_id: rpc_id(),
        })
    }

    /// Publishes a batch; each event gets its own result (an error result, not a failed call,
    /// when one event is bad).
    pub fn publish(
        &self,
        session: &Session,
        req: &proto::PublishRequest,
    ) -> Result<proto::PublishResponse, Status> {
        let ty = self.topic(&req.topic_name)?;
        if !matches!(ty.kind, EventKind::Platform(_)) {
            return Err(status_with_code(
                Code::PermissionDenied,
                format!(
                    "{} is a change event topic: change events are raised by record changes and cannot be published.",
                    req.topic_name
                ),
                TOPIC_NOT_PUBLISHABLE,
            ));
        }
        if let Some(why) = access::publish_refusal(&self.org, &session.user_id, &ty) {
            return Err(status_with_code(
                Code::PermissionDenied,
                why,
                TOPIC_PERMISSION_DENIED,
            ));
        }
        let mut results = Vec::with_capacity(req.events.len());
        for ev in &req.events {
            let outcome = self.publish_one(session, &ty, ev);
            results.push(match outcome {
                Ok(replay_id) => proto::PublishResult {
                    replay_id: replay_id_bytes(replay_id),
                    error: None,
                    correlation_key: ev.id.clone(),
                },
                Err(msg) => proto::PublishResult {
                    replay_id: Vec::new(),
                    error: Some(proto::Error {
                        code: proto::ErrorCode::Publish as i32,
                        msg,
                    }),
                    correlation_key: ev.id.clone(),
                },
            });
        }
        Ok(proto::PublishResponse {
            results,
            schema_id: ty.schema_id.clone(),
            rpc_id: rpc_id(),
        })
    }

    fn publish_one(
        &self,
        session: &Session,
        ty: &crate::org::events::EventType,
        ev: &proto::ProducerEvent,
    ) -> Result<u64, String> {
        if ev.schema_id != ty.schema_id {
            return Err(format!(
                "The event's schema id '{}' is not the schema of {} ({}); encode it with the schema GetTopic names.",
                ev.schema_id, ty.name, ty.schema_id
            ));
        }
        if ev.payload.len() > MAX_EVENT_BYTES {
            return Err(format!(
                "The event is {} bytes; an event may be at most 1 MB ({MAX_EVENT_BYTES} bytes). Send less data in it, or split it into several events.",
                ev.payload.len()
            ));
        }
        let mut input = ev.payload.as_slice();
        let value = avro::decode(&ty.avro, &mut input).map_err(|e| e.to_string())?;
        let fields = match value {
            serde_json::Value::Object(m) => m,
            _ => return Err("The payload is not an Avro record.".into()),
        };
        let store = self.org.store.read();
        let published = self
            .org
            .events
            .publish(
                &store,
                &ty.name,
                &fields,
                &session.user_id,
                Transport::PubSub,
            )
            .map_err(|e| e.to_string())?;
        published
            .replay_id
            .ok_or_else(|| "The event is waiting for a transaction to commit.".to_string())
    }

    /// The events of a bus batch as Pub/Sub consumer events.
    pub fn consumer_events(&self, events: &[Arc<BusEvent>]) -> Vec<proto::ConsumerEvent> {
        events
            .iter()
            .filter_map(|e| {
                let ty = self.org.events.event_type(&e.event_name)?;
                let mut payload = Vec::new();
                avro::encode(&ty.avro, &ty.avro_value(&e.payload()), &mut payload).ok()?;
                Some(proto::ConsumerEvent {
                    event: Some(proto::ProducerEvent {
                        id: e.uuid.to_string(),
                        schema_id: ty.schema_id.clone(),
                        payload,
                        headers: Vec::new(),
                    }),
                    replay_id: replay_id_bytes(e.replay_id),
                })
            })
            .collect()
    }

    /// Where the first FetchRequest asks to start; a refusal is noted in the event log (the
    /// client asked, and the rules say why nothing arrived).
    pub fn start_position(
        &self,
        session: &Session,
        first: &proto::FetchRequest,
    ) -> Result<ReplayFrom, Status> {
        self.checked_start(session, first).inspect_err(|status| {
            let from = match ReplayPreset::try_from(first.replay_preset) {
                Ok(ReplayPreset::Earliest) => -2,
                Ok(ReplayPreset::Custom) if first.replay_id.is_empty() => {
                    crate::org::events::log::NO_REPLAY_ID
                }
                Ok(ReplayPreset::Custom) => match replay_id_of(&first.replay_id) {
                    Some(id) => i64::try_from(id).unwrap_or(i64::MAX),
                    None => crate::org::events::log::NOT_A_NUMBER,
                },
                _ => -1,
            };
            self.org
                .events
                .log
                .record_refusal(crate::org::events::log::RefusedSubscription {
                    channel: first.topic_name.clone(),
                    from,
                    message: status.message().to_string(),
                    via: Transport::PubSub,
                    at: self.org.clock.now(),
                });
        })
    }

    fn checked_start(
        &self,
        session: &Session,
        first: &proto::FetchRequest,
    ) -> Result<ReplayFrom, Status> {
        let channel = &first.topic_name;
        if !self.org.events.bus.has_channel(channel) {
            return Err(self
                .topic(channel)
                .err()
                .unwrap_or_else(|| Status::not_found(channel.clone())));
        }
        self.may_subscribe(session, channel)?;
        // The real service's texts for these two refusals are not known (see the module notes).
        let preset = ReplayPreset::try_from(first.replay_preset).map_err(|_| {
            status_with_code(
                Code::InvalidArgument,
                format!(
                    "replay_preset {} is not a replay preset; use LATEST (0), EARLIEST (1) or CUSTOM (2) with a stored replay_id.",
                    first.replay_preset
                ),
                REPLAY_PRESET_INVALID,
            )
        })?;
        if first.num_requested < 1 {
            return Err(status_with_code(
                Code::InvalidArgument,
                format!(
                    "num_requested must be between 1 and {MAX_PENDING}: the first FetchRequest asked for {}, so no event could be sent. Set num_requested to how many events the client is ready to take.",
                    first.num_requested
                ),
                NUM_REQUESTED_INVALID,
            ));
        }
        let from = match preset {
            ReplayPreset::Latest => ReplayFrom::After(self.org.events.bus.newest_replay_id()),
            ReplayPreset::Earliest => ReplayFrom::Earliest,
            ReplayPreset::Custom => {
                let id = replay_id_of(&first.replay_id).ok_or_else(|| {
                    status_with_code(
                        Code::InvalidArgument,
                        "The replay id is not one this org issued; store the replay id bytes of a received event unchanged.".into(),
                        "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted",
                    )
                })?;
                self.org
                    .events
                    .bus
                    .check_resume(channel, id, self.org.clock.now())
                    .map_err(|e| replay_status(&e))?;
                ReplayFrom::After(id)
            }
        };
        // Validate now, so a stale stored id fails the call before any event is sent.
        self.org
            .events
            .bus
            .read(channel, from, 0, self.org.clock.now())
            .map_err(|e| replay_status(&e))?;
        Ok(from)
    }

    /// PERMISSION_DENIED when the user may not subscribe to `channel` (see
    /// [`access::subscribe_refusal`]).
    pub fn may_subscribe(&self, session: &Session, channel: &str) -> Result<(), Status> {
        match access::subscribe_refusal(&self.org, &session.user_id, channel) {
            Some(why) => Err(status_with_code(
                Code::PermissionDenied,
                why,
                TOPIC_PERMISSION_DENIED,
            )),
            None => Ok(()),
        }
    }

    /// Runs one subscription until the client goes away: `requests` are the client's
    /// FetchRequests after the first, `out` the stream back. `user_id` is the subscriber's
    /// user: `/data/ChangeEvents` delivers only what they may receive.
    pub async fn run_subscription(
        self,
        user_id: String,
        subscriber: String,
        first: proto::FetchRequest,
        mut position: ReplayFrom,
        mut requests: mpsc::Receiver<Result<proto::FetchRequest, Status>>,
        out: mpsc::Sender<Result<proto::FetchResponse, Status>>,
    ) {
        let channel = first.topic_name.clone();
        let events = self.org.events.clone();
        // The log keeps what the client asked for: LATEST is resolved to a position above,
        // but the rules judge the preset (-1) a restarted subscriber chose.
        let asked = match ReplayPreset::try_from(first.replay_preset) {
            Ok(ReplayPreset::Latest) | Err(_) => ReplayFrom::Latest,
            _ => position,
        };
        events.log.record_subscription(
            &subscriber,
            &channel,
            asked,
            Transport::PubSub,
            self.org.clock.now(),
        );
        events
            .log
            .record_requested(&subscriber, first.num_requested);
        let mut pending = requested(0, first.num_requested);
        let mut watch = events.bus.watch();
        let mut last_sent = match position {
            ReplayFrom::After(id) => id,
            _ => 0,
        };
        let mut requests_open = true;
        // A keepalive goes out `keepalive` after the stream's last response, however often
        // other channels' events or the client's requests wake the loop meanwhile.
        let mut quiet_since = tokio::time::Instant::now();
        loop {
            if events.log.has_ended(&subscriber) {
                return;
            }
            if pending > 0 {
                let now = self.org.clock.now();
                let read = events
                    .bus
                    .read(&channel, position, pending.min(MAX_BATCH), now)
                    .map(|fresh| {
                        let mut batch = events.take_redeliveries(&channel, position);
                        batch.extend(fresh);
                        batch.truncate(pending.min(MAX_BATCH));
                        batch
                    });
                // Events the user may not receive are passed over: the position moves on.
                let read = read.map(|mut batch| {
                    let passed = batch.iter().map(|e| e.replay_id).max();
                    batch.retain(|e| access::may_receive(&self.org, &user_id, &channel, e));
                    if batch.is_empty() {
                        if let Some(last) = passed {
                            position = ReplayFrom::After(last.max(last_sent));
                            last_sent = last_sent.max(last);
                        }
                    }
                    batch
                });
                match read {
                    Ok(batch) if !batch.is_empty() => {
                        pending -= batch.len();
                        let last = batch.iter().map(|e| e.replay_id).fold(last_sent, u64::max);
                        events.log.record_deliveries(
                            &subscriber,
                            &channel,
                            batch.iter().map(|e| e.replay_id),
                            Transport::PubSub,
                            now,
                        );
                        let resp = proto::FetchResponse {
                            events: self.consumer_events(&batch),
                            latest_replay_id: replay_id_bytes(last),
                            rpc_id: rpc_id(),
                            pending_num_requested: pending as i32,
                        };
                        position = ReplayFrom::After(last);
                        last_sent = last;
                        if out.send(Ok(resp)).await.is_err() {
                            return;
                        }
                        quiet_since = tokio::time::Instant::now();
                        continue;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let _ = out.send(Err(replay_status(&e))).await;
                        return;
                    }
                }
            }
            tokio::select! {
                changed = watch.changed() => {
                    if changed.is_err() { return; }
                }
                req = requests.recv(), if requests_open => match req {
                    Some(Ok(r)) => {
                        if !r.topic_name.is_empty() && r.topic_name != channel {
                            let _ = out.send(Err(status_with_code(
                                Code::InvalidArgument,
                                format!("This stream is subscribed to {channel}; open a new Subscribe call for {}.", r.topic_name),
                                TOPIC_CHANGED,
                            ))).await;
                            return;
                        }
                        events.log.record_requested(&subscriber, r.num_requested);
                        pending = requested(pending, r.num_requested);
                    }
                    Some(Err(_)) => return,
                    None => requests_open = false,
                },
                _ = tokio::time::sleep_until(quiet_since + self.keepalive) => {
                    let latest = last_sent.max(events.bus.channel_newest(&channel));
                    let keepalive = proto::FetchResponse {
                        events: Vec::new(),
                        latest_replay_id: replay_id_bytes(latest),
                        rpc_id: rpc_id(),
                        pending_num_requested: pending as i32,
                    };
                    if out.send(Ok(keepalive)).await.is_err() { return; }
                    quiet_since = tokio::time::Instant::now();
                }
                _ = out.closed() => return,
            }
        }
    }
}
