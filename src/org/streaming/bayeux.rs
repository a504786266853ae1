//! The Bayeux protocol over the org's event bus: handshake, connect (long polling),
//! subscribe with the replay extension, unsubscribe and disconnect, one message at a time.
//!
//! Implementation notes (the reference's evidence, and sflab's choices where it is silent):
//! - The handshake reply advertises `ext: {replay: true, payload.format: true}` and only the
//!   `long-polling` connection type, and carries no advice, as the handshake reply the
//!   reference quotes from a real org. Connect replies advise
//!   `{interval: 2000, timeout: 110000, reconnect: "retry"}`, the reference's real connect
//!   advice: a client waits 2 s after each answer before it connects again (events published
//!   meanwhile wait on the server and come with that next connect, so nothing is lost; a lab's
//!   subscriber only sees them up to 2 s later, as on a real org). The reference's sample also
//!   says `"multiple-clients": true`; in CometD that flag tells a client that other clients
//!   share its browser (its `BAYEUX_BROWSER` cookie), so sflab adds it only then [U: when a
//!   real org sets it].
//! - A client's first connect is answered at once, and a connect whose `advice.timeout` is 0
//!   too (Faye sends that when it batches a connect with a subscribe). Later connects are
//!   held until an event arrives or [`Streaming::hold`] passes (25 s by default,
//!   shorter than the 110 s a real org may hold, so clients with a 60 s HTTP timeout never
//!   abort a poll; holding less than `advice.timeout` is allowed by Bayeux).
//! - An invalid token fails the handshake with `403::Handshake denied`, the reason in
//!   `ext.sfdc.failureReason: "401::Authentication invalid"` and `reconnect: "none"`, the shape
//!   jsforce's auth-failure extension quotes from a real org (Spring '18 release). Other
//!   messages with such a token answer `403::Unknown client` with the same reason [U: only the
//!   handshake's shape is quoted]. An invalid replay id answers the message a
//!   real org gives; `-1`/`-2` follow the usual conventions (unverified in the reference).
//! - A subscription to `/data/ChangeEvents` receives each change event on that channel name.
//! - A client that sends nothing for [`Streaming::client_deadline`] (110 s) after a connect's
//!   answer is forgotten, subscriptions and all: its next message gets `403::Unknown client`
//!   with `reconnect: "handshake"`, and it must handshake, subscribe again and resume from the
//!   replay id it stored.
//! - A handshake gives the client a `BAYEUX_BROWSER` cookie; connect, subscribe and
//!   unsubscribe without it (or with another browser's) are refused: see [`super::browser`]
//!   for the answers and the evidence. A subscribe refused so is noted with the org's answer,
//!   so the rules can say why nothing arrived.
//! - Where the org enforces object access, a subscription the user lacks the permission for
//!   (Read on a platform event, View All on a changed object) is refused with `403::` and the
//!   permission it needs, and noted likewise; `/data/ChangeEvents` delivers only the change
//!   events the user may receive (see [`crate::org::events::access`]).

use super::browser::{self, Browser};
use super::Streaming;
use crate::org::events::{BusEvent, EventKind, ReplayFrom, Transport};
use crate::org::Session;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Instant;

/// One subscribed channel of a client and how far it has read.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub channel: String,
    pub position: ReplayFrom,
}

/// One handshaken client.
#[derive(Debug)]
pub struct Client {
    pub user_id: String,
    /// The `BAYEUX_BROWSER` cookie its handshake carried or was given.
    pub browser: String,
    /// False until the first connect, which is answered at once (as CometD servers do).
    pub connected: bool,
    pub subscriptions: Vec<Subscription>,
    pub last_seen: Instant,
}

fn reply(msg: &Map<String, Value>, channel: &str) -> Map<String, Value> {
    let mut r = Map::new();
    r.insert("channel".into(), json!(channel));
    if let Some(id) = msg.get("id") {
        r.insert("id".into(), id.clone());
    }
    if let Some(c) = msg.get("clientId") {
        r.insert("clientId".into(), c.clone());
    }
    r
}

fn failure(mut r: Map<String, Value>, error: &str, reconnect: &str) -> Value {
    r.insert("successful".into(), json!(false));
    r.insert("error".into(), json!(error));
    r.insert(
        "advice".into(),
        json!({"reconnect": reconnect, "interval": 0}),
    );
    Value::Object(r)
}

/// The replay id a subscribe asks for on `channel`, as noted with a refusal: -1 when it names
/// none, [`crate::org::events::log::NOT_A_NUMBER`] when it is no whole number.
fn requested_replay(msg: &Map<String, Value>, channel: &str) -> i64 {
    match msg
        .get("ext")
        .and_then(|e| e.get("replay"))
        .and_then(|m| m.get(channel))
    {
        None => -1,
        Some(v) => v.as_i64().unwrap_or(crate::org::events::log::NOT_A_NUMBER),
    }
}

/// The advice of a successful connect (see the module notes); `shared_browser` when other
/// clients use the same `BAYEUX_BROWSER` cookie.
fn connect_advice(shared_browser: bool) -> Value {
    let mut advice = json!({"interval": 2000, "timeout": 110000, "reconnect": "retry"});
    if shared_browser {
        advice["multiple-clients"] = json!(true);
    }
    advice
}

impl Streaming {
    /// Answers one message; a connect may wait for events. `session` is the caller's
    /// authenticated session, or `None` when the token was missing or invalid; `browser` is
    /// the request's `BAYEUX_BROWSER` cookie (or the one a handshake will set).
    pub async fn handle(
        &self,
        msg: &Map<String, Value>,
        session: Option<&Session>,
        browser: &Browser,
    ) -> Vec<Value> {
        let channel = msg
            .get("channel")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let r = reply(msg, channel);
        let Some(session) = session else {
            let error = if channel == "/meta/handshake" {
                "403::Handshake denied"
            } else {
                "403::Unknown client"
            };
            let mut refused = failure(r, error, "none");
            refused["ext"] = json!({"sfdc": {"failureReason": "401::Authentication invalid"}});
            return vec![refused];
        };
        match channel {
            "/meta/handshake" => vec![self.handshake(r, session, browser)],
            "/meta/connect" => self.connect(msg, r, browser).await,
            "/meta/subscribe" => vec![self.subscribe(msg, r, browser)],
            "/meta/unsubscribe" => vec![self.unsubscribe(msg, r, browser)],
            "/meta/disconnect" => {
                if let Some(id) = msg.get("clientId").and_then(Value::as_str) {
                    self.clients.lock().remove(id);
                }
                let mut r = r;
                r.insert("successful".into(), json!(true));
                vec![Value::Object(r)]
            }
            other => vec![failure(
                r,
                &format!("400::Publishing to {other} is not supported over the Streaming API; publish platform events over REST or the Pub/Sub API"),
                "none",
            )],
        }
    }

    fn handshake(&self, mut r: Map<String, Value>, session: &Session, browser: &Browser) -> Value {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut clients = self.clients.lock();
        let deadline = self.client_deadline;
        clients.retain(|_, c| c.last_seen.elapsed() < deadline);
        clients.insert(
            id.clone(),
            Client {
                user_id: session.user_id.clone(),
                browser: browser.id.clone(),
                connected: false,
                subscriptions: Vec::new(),
                last_seen: Instant::now(),
            },
        );
        r.insert("clientId".into(), json!(id));
        r.insert("version".into(), json!("1.0"));
        r.insert("minimumVersion".into(), json!("1.0"));
        r.insert("supportedConnectionTypes".into(), json!(["long-polling"]));
        r.insert(
            "ext".into(),
            json!({"replay": true, "payload.format": true}),
        );
        r.insert("successful".into(), json!(true));
        r.insert("reestablish".into(), json!(false));
        Value::Object(r)
    }

    /// The known client a message names, or the error to answer: `403::Unknown client` for
    /// an id the org does not know (or forgot) or another browser's cookie, and the
    /// missing-cookie error when the request carried no `BAYEUX_BROWSER` cookie.
    fn client_id<'a>(
        &self,
        msg: &'a Map<String, Value>,
        browser: &Browser,
    ) -> Result<&'a str, String> {
        let unknown = || "403::Unknown client".to_string();
        let id = msg
            .get("clientId")
            .and_then(Value::as_str)
            .ok_or_else(unknown)?;
        let mut clients = self.clients.lock();
        let c = clients.get_mut(id).ok_or_else(unknown)?;
        if c.last_seen.elapsed() >= self.client_deadline {
            // Away past the reconnect deadline: the server has dropped it.
            clients.remove(id);
            return Err(unknown());
        }
        if !browser.carried {
            return Err(browser::missing(id));
        }
        if browser.id != c.browser {
            return Err(unknown());
        }
        c.last_seen = Instant::now();
        Ok(id)
    }

    fn subscribe(
        &self,
        msg: &Map<String, Value>,
        mut r: Map<String, Value>,
        browser: &Browser,
    ) -> Value {
        let sub = msg
            .get("subscription")
            .and_then(Value::as_str)
            .unwrap_or_default();
        r.insert("subscription".into(), json!(sub));
        let client = match self.client_id(msg, browser) {
            Ok(client) => client,
            Err(error) => {
                if error.contains(browser::NAME) {
                    self.org.events.log.record_refusal(
                        crate::org::events::log::RefusedSubscription {
                            channel: sub.to_string(),
                            from: requested_replay(msg, sub),
                            message: error.clone(),
                            via: Transport::CometD,
                            at: self.org.clock.now(),
                        },
                    );
                }
                return failure(r, &error, "handshake");
            }
        };
        let bus = &self.org.events.bus;
        if !bus.has_channel(sub) {
            let store = self.org.store.read();
            let why = self.org.events.unknown_channel(sub, store.schema());
            return failure(r, &format!("400::{}", why.trim_end_matches('.')), "retry");
        }
        let user = self.clients.lock().get(client).map(|c| c.user_id.clone());
        let refused =
            user.and_then(|u| crate::org::events::access::subscribe_refusal(&self.org, &u, sub));
        if let Some(why) = refused {
            // [U] The real server's words for a subscription it refuses for permissions are
            // not in the reference: a 403, as for other refusals of the caller.
            let message = format!("403::{why}");
            self.org
                .events
                .log
                .record_refusal(crate::org::events::log::RefusedSubscription {
                    channel: sub.to_string(),
                    from: requested_replay(msg, sub),
                    message: message.clone(),
                    via: Transport::CometD,
                    at: self.org.clock.now(),
                });
            return failure(r, &message, "retry");
        }
        // No replay entry for the channel means new events only; one that is no whole number
        // (`"2"` read back from a file as text, `2.0`) is refused, never taken as -1.
        let given = msg
            .get("ext")
            .and_then(|e| e.get("replay"))
            .and_then(|m| m.get(sub));
        let replay = match given {
            None => -1,
            Some(v) => v.as_i64().unwrap_or(crate::org::events::log::NOT_A_NUMBER),
        };
        let shown = given.map_or_else(|| replay.to_string(), Value::to_string);
        let invalid = || {
            format!("400::The replayId {{{shown}}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.")
        };
        let refuse = |r| {
            let message = invalid();
            self.org
                .events
                .log
                .record_refusal(crate::org::events::log::RefusedSubscription {
                    channel: sub.to_string(),
                    from: replay,
                    message: message.clone(),
                    via: Transport::CometD,
                    at: self.org.clock.now(),
                });
            failure(r, &message, "retry")
        };
        if replay == crate::org::events::log::NOT_A_NUMBER {
            return refuse(r);
        }
        let from = match ReplayFrom::from_number(replay) {
            Ok(ReplayFrom::Latest) => ReplayFrom::After(bus.newest_replay_id()),
            // A stored id the client sent: one the bus issued (never 0) and still retains.
            Ok(ReplayFrom::After(id))
                if bus.check_resume(sub, id, self.org.clock.now()).is_err() =>
            {
                return refuse(r)
            }
            Ok(f) => f,
            Err(_) => return refuse(r),
        };
        if bus.read(sub, from, 0, self.org.clock.now()).is_err() {
            return refuse(r);
        }
        let log_from = ReplayFrom::from_number(replay).unwrap_or(from);
        self.org.events.log.record_subscription(
            client,
            sub,
            log_from,
            Transport::CometD,
            self.org.clock.now(),
        );
        if let Some(c) = self.clients.lock().get_mut(client) {
            c.subscriptions.retain(|s| s.channel != sub);
            c.subscriptions.push(Subscription {
                channel: sub.to_string(),
                position: from,
            });
        }
        r.insert("successful".into(), json!(true));
        Value::Object(r)
    }

    fn unsubscribe(
        &self,
        msg: &Map<String, Value>,
        mut r: Map<String, Value>,
        browser: &Browser,
    ) -> Value {
        let sub = msg
            .get("subscription")
            .and_then(Value::as_str)
            .unwrap_or_default();
        r.insert("subscription".into(), json!(sub));
        let client = match self.client_id(msg, browser) {
            Ok(client) => client,
            Err(error) => return failure(r, &error, "handshake"),
        };
        if let Some(c) = self.clients.lock().get_mut(client) {
            c.subscriptions.retain(|s| s.channel != sub);
        }
        r.insert("successful".into(), json!(true));
        Value::Object(r)
    }

    async fn connect(
        &self,
        msg: &Map<String, Value>,
        mut r: Map<String, Value>,
        browser: &Browser,
    ) -> Vec<Value> {
        let client = match self.client_id(msg, browser) {
            Ok(client) => client.to_string(),
            Err(error) => return vec![failure(r, &error, "handshake")],
        };
        let first = self
            .clients
            .lock()
            .get_mut(&client)
            .map(|c| !std::mem::replace(&mut c.connected, true))
            .unwrap_or(false);
        // `advice.timeout` in the connect asks for a shorter hold (Faye sends 0 when it
        // batches the connect with other messages).
        let asked = msg
            .get("advice")
            .and_then(|a| a.get("timeout"))
            .and_then(Value::as_u64)
            .map(std::time::Duration::from_millis);
        let hold = if first {
            std::time::Duration::ZERO
        } else {
            asked.map_or(self.hold, |a| a.min(self.hold))
        };
        let deadline = tokio::time::Instant::now() + hold;
        let mut watch = self.org.events.bus.watch();
        let mut out = Vec::new();
        loop {
            watch.borrow_and_update();
            match self.pending_events(&client) {
                Err(error) => return vec![failure(r, &error, "handshake")],
                Ok(events) if !events.is_empty() => {
                    out = events;
                    break;
                }
                Ok(_) => {}
            }
            tokio::select! {
                changed = watch.changed() => if changed.is_err() { break },
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        // The deadline for the next connect runs from this answer, not from the poll's start.
        let shared_browser = {
            let mut clients = self.clients.lock();
            let browser = clients.get_mut(&client).map(|c| {
                c.last_seen = Instant::now();
                c.browser.clone()
            });
            browser.is_some_and(|b| clients.values().filter(|c| c.browser == b).count() > 1)
        };
        r.insert("successful".into(), json!(true));
        r.insert("advice".into(), connect_advice(shared_browser));
        out.push(Value::Object(r));
        out
    }

    /// Takes the events waiting for a client's subscriptions, advancing their positions.
    fn pending_events(&self, client: &str) -> Result<Vec<Value>, String> {
        let mut clients = self.clients.lock();
        if self.org.events.log.has_ended(client) {
            // The program behind this client was stopped: its session goes with it.
            clients.remove(client);
        }
        let c = clients
            .get_mut(client)
            .ok_or_else(|| "403::Unknown client".to_string())?;
        let now = self.org.clock.now();
        let mut out = Vec::new();
        let user = c.user_id.clone();
        for sub in &mut c.subscriptions {
            let mut batch = self
                .org
                .events
                .take_redeliveries(&sub.channel, sub.position);
            let fresh = self
                .org
                .events
                .bus
                .read(&sub.channel, sub.position, 100, now)
                .map_err(|e| format!("400::{e}"))?;
            if let Some(last) = fresh.last() {
                sub.position = ReplayFrom::After(last.replay_id);
            }
            batch.extend(fresh);
            batch.retain(|e| {
                crate::org::events::access::may_receive(&self.org, &user, &sub.channel, e)
            });
            if !batch.is_empty() {
                self.org.events.log.record_deliveries(
                    client,
                    &sub.channel,
                    batch.iter().map(|e| e.replay_id),
                    Transport::CometD,
                    now,
                );
            }
            out.extend(batch.iter().map(|e| self.event_message(&sub.channel, e)));
        }
        Ok(out)
    }

    /// An event as a Bayeux data message on `channel`.
    pub fn event_message(&self, channel: &str, e: &Arc<BusEvent>) -> Value {
        let ty = self.org.events.event_type(&e.event_name);
        let stored = e.payload();
        let (schema, payload) = match ty {
            Some(t) => (t.schema_id.clone(), t.cometd_payload(&stored)),
            None => (String::new(), stored.into_owned()),
        };
        let mut event = json!({"replayId": e.replay_id});
        if ty.is_some_and(|t| matches!(t.kind, EventKind::Platform(_))) {
            event["EventUuid"] = json!(e.uuid.to_string());
        }
        json!({
            "data": {"schema": schema, "payload": payload, "event": event},
            "channel": channel,
        })
    }
}
