//! The event bus: one ordered, retained stream per channel, replay ids that only grow, and
//! the replay presets subscribers start from.
//!
//! Every event gets one replay id from a bus-wide counter, so ids increase on every channel
//! (and a change event carries the same id on `/data/AccountChangeEvent` and on
//! `/data/ChangeEvents`: both channels hold the one stored event). Change events are kept in
//! their compact form ([`EventBody::Change`]); transports build the payload when they read. Retention is measured on the org's clock: an event older than its
//! channel's retention is gone, and a subscriber asking to resume after it is told so.
//!
//! The bus is pure bookkeeping behind a lock; waiting subscribers are woken through a
//! `watch` channel carrying the newest replay id, so transports (Pub/Sub, CometD) never poll.

use super::cdc::{ChangeContext, ChangeRecord};
use chrono::{DateTime, Duration, Utc};
use parking_lot::RwLock;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::sync::watch;
use uuid::Uuid;

/// Where a subscriber starts reading a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayFrom {
    /// Only events published from now on (`-1`, `LATEST`).
    Latest,
    /// Every event still retained (`-2`, `EARLIEST`).
    Earliest,
    /// Events published after this replay id (a subscriber's stored position).
    After(u64),
}

impl ReplayFrom {
    /// The Streaming API's number form: `-1`, `-2`, or a stored replay id.
    pub fn from_number(n: i64) -> Result<ReplayFrom, ReplayError> {
        match n {
            -1 => Ok(ReplayFrom::Latest),
            -2 => Ok(ReplayFrom::Earliest),
            n if n >= 0 => Ok(ReplayFrom::After(n as u64)),
            n => Err(ReplayError::Invalid { replay_id: n }),
        }
    }
}

fn retained_now(oldest: &Option<u64>) -> String {
    match oldest {
        Some(id) => format!("the oldest retained one has replay id {id}"),
        None => "none is retained on it now".to_string(),
    }
}

/// Why a subscription cannot start where it asked to. Shown as the Streaming API (CometD)
/// words it ([`std::fmt::Display`]); Pub/Sub's status reads [`ReplayError::message`] with its
/// own names for the two starting points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayError {
    OutOfRetention {
        channel: String,
        replay_id: u64,
        /// The oldest event still retained on the channel; None when none is (after expiry or
        /// a restart that lost the events).
        oldest: Option<u64>,
        retention_hours: i64,
    },
    NotIssued {
        replay_id: u64,
        newest: u64,
    },
    Invalid {
        replay_id: i64,
    },
    UnknownChannel(String),
}

/// How an API names the two places a subscription can start from besides a stored id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayWords {
    /// CometD's replay numbers: `-2` and `-1`.
    Streaming,
    /// Pub/Sub's `replay_preset` values.
    PubSub,
}

impl ReplayWords {
    fn earliest(self) -> &'static str {
        match self {
            ReplayWords::Streaming => "-2 (EARLIEST)",
            ReplayWords::PubSub => "replay_preset EARLIEST",
        }
    }

    fn latest(self) -> &'static str {
        match self {
            ReplayWords::Streaming => "-1 (LATEST)",
            ReplayWords::PubSub => "replay_preset LATEST",
        }
    }
}

impl ReplayError {
    /// The error in the words of the API the subscription came through.
    pub fn message(&self, words: ReplayWords) -> String {
        let (earliest, latest) = (words.earliest(), words.latest());
        match self {
            ReplayError::OutOfRetention {
                channel,
                replay_id,
                oldest,
                retention_hours,
            } => format!(
                "replay id {replay_id} is no longer retained on {channel}: events are kept {retention_hours} hours and {}. Resubscribe with {earliest} to read every retained event and reconcile what was missed, or {latest} for new events only.",
                retained_now(oldest)
            ),
            ReplayError::NotIssued { replay_id, newest } => format!(
                "replay id {replay_id} was never issued on this org (the newest is {newest}); use a replay id the bus delivered, {latest} for new events only or {earliest} for every retained event."
            ),
            ReplayError::Invalid { replay_id } => format!(
                "replay id {replay_id} is not valid; use a replay id the bus delivered, {latest} for new events only or {earliest} for every retained event."
            ),
            ReplayError::UnknownChannel(channel) => format!(
                "there is no channel {channel} on this org; platform events are /event/Name__e and change events /data/ChangeEvents or /data/<Object>ChangeEvent."
            ),
        }
    }
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(ReplayWords::Streaming))
    }
}

impl std::error::Error for ReplayError {}

/// What an event carries.
#[derive(Debug, Clone, PartialEq)]
pub enum EventBody {
    /// Field values in their stored form (platform events): datetimes as epoch milliseconds,
    /// dates as days since 1970-01-01 (see `events::schema` for how each transport renders
    /// them).
    Fields(Box<Map<String, Value>>),
    /// A change event in its compact form; the payload is built when it is read.
    Change(ChangeRecord),
}

/// One event on the bus, as every transport renders it.
#[derive(Debug, Clone, PartialEq)]
pub struct BusEvent {
    pub replay_id: u64,
    /// The event type (`OrderShipped__e`, `AccountChangeEvent`).
    pub event_name: Arc<str>,
    /// The event's own channel (`/event/OrderShipped__e`, `/data/AccountChangeEvent`).
    pub channel: Arc<str>,
    /// The EventUuid.
    pub uuid: Uuid,
    pub body: EventBody,
    pub published_at: DateTime<Utc>,
}

impl BusEvent {
    /// The payload in its stored form (built now for a change event).
    pub fn payload(&self) -> Cow<'_, Map<String, Value>> {
        match &self.body {
            EventBody::Fields(m) => Cow::Borrowed(m),
            EventBody::Change(c) => Cow::Owned(c.payload()),
        }
    }
}

/// The bus's counters, saved with an org (see [`EventBus::marks`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BusMarks {
    /// The newest replay id given out.
    pub newest: u64,
    /// Each channel's newest replay id.
    pub channels: std::collections::BTreeMap<String, u64>,
    /// The newest change-event commit number given out (absent in files from before it was
    /// kept).
    #[serde(default)]
    pub commits: u64,
}

/// How long a channel keeps its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention(pub Duration);

impl Retention {
    /// Standard-volume platform events: 24 hours.
    pub fn standard() -> Retention {
        Retention(Duration::hours(24))
    }
    /// High-volume platform events and change events: 72 hours.
    pub fn high_volume() -> Retention {
        Retention(Duration::hours(72))
    }
}

#[derive(Debug)]
struct Channel {
    retention: Retention,
    events: VecDeque<Arc<BusEvent>>,
    /// The highest replay id ever stored here (kept after the event expires).
    newest: u64,
    /// The highest replay id dropped from this channel by retention.
    dropped_upto: u64,
}

#[derive(Debug, Default)]
struct Channels {
    /// By name (hashed: every publish looks its channels up).
    by_name: rustc_hash::FxHashMap<String, Channel>,
    next_replay: u64,
}

/// The org's event bus.
#[derive(Debug)]
pub struct EventBus {
    channels: RwLock<Channels>,
    newest: watch::Sender<u64>,
    /// The newest change-event `commitNumber` given out; kept across a restart like the
    /// replay ids, so it keeps increasing.
    commits: std::sync::atomic::AtomicU64,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus::new()
    }
}

impl EventBus {
    pub fn new() -> EventBus {
        EventBus {
            channels: RwLock::new(Channels {
                by_name: Default::default(),
                next_replay: 1,
            }),
            newest: watch::channel(0).0,
            commits: Default::default(),
        }
    }

    /// The next change-event `commitNumber`: one more than any given out before, also
    /// before a restart ([`Self::continue_from`]).
    pub fn next_commit_number(&self) -> u64 {
        self.commits
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1
    }

    /// Declares a channel (idempotent; a second call keeps the first retention).
    pub fn add_channel(&self, name: &str, retention: Retention) {
        let mut c = self.channels.write();
        c.by_name.entry(name.to_string()).or_insert(Channel {
            retention,
            events: VecDeque::new(),
            newest: 0,
            dropped_upto: 0,
        });
    }

    /// True for a channel that keeps its events 24 hours (standard-volume platform events).
    pub fn is_standard_volume(&self, channel: &str) -> bool {
        self.channels
            .read()
            .by_name
            .get(channel)
            .is_some_and(|c| c.retention == Retention::standard())
    }

    /// True if the channel is declared (names are case-sensitive, as Salesforce's are).
    pub fn has_channel(&self, name: &str) -> bool {
        self.channels.read().by_name.contains_key(name)
    }

    /// Channel names, sorted.
    pub fn channel_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.channels.read().by_name.keys().cloned().collect();
        names.sort();
        names
    }

    /// Appends one event to its own channel and to every extra channel named (for change
    /// events, `/data/ChangeEvents`), giving it the next replay id. Unknown extra channels
    /// are skipped; an unknown own channel is an error. The channels share the one event.
    pub fn publish(
        &self,
        event: BusEvent,
        also: &[&str],
        now: DateTime<Utc>,
    ) -> Result<Arc<BusEvent>, ReplayError> {
        let mut c = self.channels.write();
        let event = append(&mut c, event, also, now)?;
        drop(c);
        self.newest.send_replace(event.replay_id);
        Ok(event)
    }

    /// Publishes several events in order under one lock; events on unknown channels are
    /// skipped. Returns those published. The outcome is the one of publishing them one by
    /// one (each channel holds its events in replay order, expired on the newest publish
    /// time among them), but a run of events with one channel — a commit's change events —
    /// looks its channels up and expires them once.
    pub fn publish_all(
        &self,
        events: impl IntoIterator<Item = BusEvent>,
        also: &[&str],
    ) -> Vec<Arc<BusEvent>> {
        let mut guard = self.channels.write();
        let Channels {
            by_name,
            next_replay,
        } = &mut *guard;
        let mut out: Vec<Arc<BusEvent>> = Vec::new();
        let mut events = events.into_iter().peekable();
        while let Some(first) = events.next() {
            let Some(own) = by_name.get_mut(&*first.channel) else {
                continue;
            };
            let start = out.len();
            let mut latest = first.published_at;
            let mut next = Some(first);
            while let Some(mut event) = next {
                event.replay_id = *next_replay;
                *next_replay += 1;
                latest = latest.max(event.published_at);
                let event = Arc::new(event);
                own.events.push_back(event.clone());
                let channel = event.channel.clone();
                out.push(event);
                next =
                    events.next_if(|e| Arc::ptr_eq(&e.channel, &channel) || e.channel == channel);
            }
            let run = &out[start..];
            let newest = run.last().map_or(0, |e| e.replay_id);
            own.newest = newest;
            expire(own, latest);
            for name in also {
                if let Some(ch) = by_name.get_mut(*name) {
                    ch.events.extend(run.iter().cloned());
                    ch.newest = newest;
                    expire(ch, latest);
                }
            }
        }
        drop(guard);
        if let Some(last) = out.last() {
            self.newest.send_replace(last.replay_id);
        }
        out
    }

    /// Events of `channel` after the starting point, oldest first, at most `limit`.
    /// `Latest` reads nothing already published; callers keep the last id they saw and read
    /// on with `After(id)`.
    pub fn read(
        &self,
        channel: &str,
        from: ReplayFrom,
        limit: usize,
        now: DateTime<Utc>,
    ) -> Result<Vec<Arc<BusEvent>>, ReplayError> {
        let c = self.channels.read();
        let ch = c
            .by_name
            .get(channel)
            .ok_or_else(|| ReplayError::UnknownChannel(channel.to_string()))?;
        let cutoff = now - ch.retention.0;
        // Events are in replay-id order and published on a clock that never goes back, so
        // the expired ones are a prefix: both lookups are binary searches.
        let first_live = ch.events.partition_point(|e| e.published_at <= cutoff);
        let take = |start: usize| -> Vec<Arc<BusEvent>> {
            ch.events.range(start..).take(limit).cloned().collect()
        };
        match from {
            ReplayFrom::Latest => Ok(Vec::new()),
            ReplayFrom::Earliest => Ok(take(first_live)),
            ReplayFrom::After(id) => {
                let newest = c.next_replay - 1;
                if id > newest {
                    return Err(ReplayError::NotIssued {
                        replay_id: id,
                        newest,
                    });
                }
                // The stored position is good unless an event of this channel published after
                // it has expired (popped already, or still queued but past retention).
                let newest_expired = first_live
                    .checked_sub(1)
                    .map_or(0, |i| ch.events[i].replay_id);
                if ch.dropped_upto > id || newest_expired > id {
                    return Err(ReplayError::OutOfRetention {
                        channel: channel.to_string(),
                        replay_id: id,
                        oldest: ch.events.get(first_live).map(|e| e.replay_id),
                        retention_hours: ch.retention.0.num_hours(),
                    });
                }
                let start = ch.events.partition_point(|e| e.replay_id <= id);
                Ok(take(start.max(first_live)))
            }
        }
    }

    /// Checks a subscriber's stored position before it resumes after `replay_id`: one the bus
    /// issued and still retains what follows. Replay ids start at 1, so 0 was never issued: a
    /// made-up id is refused like any other, never read as "from the start" (that is EARLIEST).
    pub fn check_resume(
        &self,
        channel: &str,
        replay_id: u64,
        now: DateTime<Utc>,
    ) -> Result<(), ReplayError> {
        if replay_id == 0 {
            return Err(ReplayError::NotIssued {
                replay_id,
                newest: self.newest_replay_id(),
            });
        }
        self.read(channel, ReplayFrom::After(replay_id), 0, now)
            .map(|_| ())
    }

    /// How far the bus has counted, overall and per channel: what an org saved to a file
    /// keeps of its bus (the events themselves are not kept).
    pub fn marks(&self) -> BusMarks {
        let c = self.channels.read();
        BusMarks {
            newest: c.next_replay - 1,
            channels: c
                .by_name
                .iter()
                .filter(|(_, ch)| ch.newest > 0)
                .map(|(name, ch)| (name.clone(), ch.newest))
                .collect(),
            commits: self.commits.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Continues a bus whose events were lost with a restart: the next event gets a replay id
    /// after every one given out before, and each channel counts its old events as dropped, so
    /// a replay id from before answers as one past retention — never as a position among new
    /// events. Resuming from a channel's newest id (a subscriber that had read everything)
    /// carries on. Change-event commit numbers carry on after the last one too.
    pub fn continue_from(&self, marks: &BusMarks) {
        self.commits
            .fetch_max(marks.commits, std::sync::atomic::Ordering::Relaxed);
        let mut c = self.channels.write();
        c.next_replay = c.next_replay.max(marks.newest + 1);
        for (name, newest) in &marks.channels {
            if let Some(ch) = c.by_name.get_mut(name) {
                ch.dropped_upto = ch.dropped_upto.max(*newest);
                ch.newest = ch.newest.max(*newest);
            }
        }
        let newest = c.next_replay - 1;
        drop(c);
        self.newest.send_replace(newest);
    }

    /// The newest replay id issued on the bus (0 before the first event).
    pub fn newest_replay_id(&self) -> u64 {
        self.channels.read().next_replay - 1
    }

    /// The newest replay id stored on one channel (0 if none).
    pub fn channel_newest(&self, channel: &str) -> u64 {
        self.channels
            .read()
            .by_name
            .get(channel)
            .map_or(0, |c| c.newest)
    }

    /// Wakes every watcher without publishing (a redelivery was queued).
    pub fn nudge(&self) {
        let newest = *self.newest.borrow();
        self.newest.send_replace(newest);
    }

    /// A receiver that changes whenever any event is published.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.newest.subscribe()
    }

    /// The number of retained events and the approximate bytes they hold (each event once,
    /// with its queue slots; a change event's shared context counted once per distinct one).
    pub fn approx_bytes(&self) -> (usize, usize) {
        let c = self.channels.read();
        let slot = std::mem::size_of::<Arc<BusEvent>>();
        let (mut events, mut bytes) = (0, 0);
        let mut last_context: *const ChangeContext = std::ptr::null();
        for (name, ch) in &c.by_name {
            bytes += ch.events.len() * slot;
            for e in ch.events.iter().filter(|e| &*e.channel == name.as_str()) {
                events += 1;
                // The event and the Arc's two counts.
                bytes += std::mem::size_of::<BusEvent>() + 16;
                bytes += match &e.body {
                    EventBody::Fields(m) => 64 + m.len() * 96,
                    EventBody::Change(r) => {
                        let ctx = Arc::as_ptr(&r.context);
                        let shared = if ctx == last_context {
                            0
                        } else {
                            last_context = ctx;
                            r.context.approx_bytes()
                        };
                        r.own_bytes() - std::mem::size_of_val(r) + shared
                    }
                };
            }
        }
        (events, bytes)
    }

    /// Drops expired events everywhere (reads already ignore them; this frees memory).
    pub fn purge(&self, now: DateTime<Utc>) {
        let mut c = self.channels.write();
        for ch in c.by_name.values_mut() {
            expire(ch, now);
        }
    }
}

/// Gives `event` the next replay id and appends it to its channel and to `also`.
fn append(
    c: &mut Channels,
    mut event: BusEvent,
    also: &[&str],
    now: DateTime<Utc>,
) -> Result<Arc<BusEvent>, ReplayError> {
    let Some(own) = c.by_name.get_mut(&*event.channel) else {
        return Err(ReplayError::UnknownChannel(event.channel.to_string()));
    };
    event.replay_id = c.next_replay;
    c.next_replay += 1;
    let event = Arc::new(event);
    let add = |ch: &mut Channel| {
        ch.events.push_back(event.clone());
        ch.newest = event.replay_id;
        expire(ch, now);
    };
    add(own);
    for name in also {
        if let Some(ch) = c.by_name.get_mut(*name) {
            add(ch);
        }
    }
    Ok(event)
}

/// Drops events past retention, remembering the newest dropped replay id.
fn expire(ch: &mut Channel, now: DateTime<Utc>) {
    let cutoff = now - ch.retention.0;
    while ch.events.front().is_some_and(|e| e.published_at <= cutoff) {
        if let Some(e) = ch.events.pop_front() {
            ch.dropped_upto = e.replay_id;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(channel: &str, at: DateTime<Utc>) -> BusEvent {
        BusEvent {
            replay_id: 0,
            event_name: channel.rsplit('/').next().unwrap_or_default().into(),
            channel: channel.into(),
            uuid: Uuid::new_v4(),
            body: EventBody::Fields(Box::default()),
            published_at: at,
        }
    }

    fn bus() -> EventBus {
        let b = EventBus::new();
        b.add_channel("/event/A__e", Retention::standard());
        b.add_channel("/event/B__e", Retention::high_volume());
        b
    }

    fn ids(events: &[Arc<BusEvent>]) -> Vec<u64> {
        events.iter().map(|e| e.replay_id).collect()
    }

    #[test]
    fn after_a_restart_commit_numbers_keep_increasing_and_a_lost_replay_id_says_none_is_retained() {
        let before = bus();
        let t = Utc::now();
        for _ in 0..4 {
            before.publish(ev("/event/A__e", t), &[], t).unwrap();
        }
        assert_eq!(before.next_commit_number(), 1);
        assert_eq!(before.next_commit_number(), 2);
        let marks: BusMarks =
            serde_json::from_value(serde_json::to_value(before.marks()).unwrap()).unwrap();
        let after = bus();
        after.continue_from(&marks);
        assert_eq!(after.next_commit_number(), 3);
        let err = after
            .read("/event/A__e", ReplayFrom::After(2), 10, t)
            .unwrap_err();
        assert!(matches!(
            err,
            ReplayError::OutOfRetention { oldest: None, .. }
        ));
        let text = err.to_string();
        assert!(text.contains("none is retained on it now"), "{text}");
        assert!(!text.contains("oldest retained one"), "{text}");
        // Files saved before commit numbers were kept still load.
        let old: BusMarks = serde_json::from_str(r#"{"newest": 4, "channels": {}}"#).unwrap();
        assert_eq!(old.commits, 0);
    }

    #[test]
    fn replay_ids_increase_and_each_channel_keeps_publish_order() {
        let b = bus();
        let t = Utc::now();
        for ch in ["/event/A__e", "/event/B__e", "/event/A__e", "/event/A__e"] {
            b.publish(ev(ch, t), &[], t).unwrap();
        }
        let a = b.read("/event/A__e", ReplayFrom::Earliest, 100, t).unwrap();
        assert_eq!(ids(&a), vec![1, 3, 4]);
        let bb = b.read("/event/B__e", ReplayFrom::Earliest, 100, t).unwrap();
        assert_eq!(ids(&bb), vec![2]);
        assert_eq!(b.newest_replay_id(), 4);
    }

    #[test]
    fn latest_reads_nothing_old_and_earliest_reads_everything_retained() {
        let b = bus();
        let t = Utc::now();
        b.publish(ev("/event/A__e", t), &[], t).unwrap();
        assert!(b
            .read("/event/A__e", ReplayFrom::Latest, 10, t)
            .unwrap()
            .is_empty());
        assert_eq!(
            ids(&b.read("/event/A__e", ReplayFrom::Earliest, 10, t).unwrap()),
            vec![1]
        );
        assert_eq!(ReplayFrom::from_number(-1).unwrap(), ReplayFrom::Latest);
        assert_eq!(ReplayFrom::from_number(-2).unwrap(), ReplayFrom::Earliest);
        assert!(ReplayFrom::from_number(-3).is_err());
    }

    #[test]
    fn custom_replay_resumes_after_the_stored_id() {
        let b = bus();
        let t = Utc::now();
        for _ in 0..5 {
            b.publish(ev("/event/A__e", t), &[], t).unwrap();
        }
        let got = b.read("/event/A__e", ReplayFrom::After(3), 10, t).unwrap();
        assert_eq!(ids(&got), vec![4, 5]);
        let limited = b.read("/event/A__e", ReplayFrom::After(0), 2, t).unwrap();
        assert_eq!(ids(&limited), vec![1, 2]);
    }

    #[test]
    fn standard_events_expire_after_24_hours_on_the_org_clock() {
        let b = bus();
        let t0 = Utc::now();
        b.publish(ev("/event/A__e", t0), &[], t0).unwrap();
        b.publish(ev("/event/B__e", t0), &[], t0).unwrap();
        let t1 = t0 + Duration::hours(25);
        b.publish(ev("/event/A__e", t1), &[], t1).unwrap();
        assert_eq!(
            ids(&b.read("/event/A__e", ReplayFrom::Earliest, 10, t1).unwrap()),
            vec![3]
        );
        // High volume keeps 72 hours.
        assert_eq!(
            ids(&b.read("/event/B__e", ReplayFrom::Earliest, 10, t1).unwrap()),
            vec![2]
        );
        let t2 = t0 + Duration::hours(73);
        assert!(b
            .read("/event/B__e", ReplayFrom::Earliest, 10, t2)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_stored_id_that_fell_out_of_retention_is_an_error() {
        let b = bus();
        let t0 = Utc::now();
        b.publish(ev("/event/A__e", t0), &[], t0).unwrap();
        b.publish(ev("/event/A__e", t0), &[], t0).unwrap();
        let t1 = t0 + Duration::hours(30);
        b.publish(ev("/event/A__e", t1), &[], t1).unwrap();
        let err = b
            .read("/event/A__e", ReplayFrom::After(1), 10, t1)
            .unwrap_err();
        assert!(matches!(
            err,
            ReplayError::OutOfRetention {
                oldest: Some(3),
                ..
            }
        ));
        // The id of the last expired event is still a good position: nothing after it is lost.
        assert_eq!(
            ids(&b.read("/event/A__e", ReplayFrom::After(2), 10, t1).unwrap()),
            vec![3]
        );
        b.purge(t1);
        assert!(b.read("/event/A__e", ReplayFrom::After(1), 10, t1).is_err());
        // Everything expired, and the subscriber was behind: an error too.
        let t2 = t1 + Duration::hours(30);
        assert!(b.read("/event/A__e", ReplayFrom::After(2), 10, t2).is_err());
        assert!(b.read("/event/A__e", ReplayFrom::After(3), 10, t2).is_ok());
    }

    #[test]
    fn an_id_never_issued_is_refused() {
        let b = bus();
        let t = Utc::now();
        b.publish(ev("/event/A__e", t), &[], t).unwrap();
        assert!(matches!(
            b.read("/event/A__e", ReplayFrom::After(99), 10, t),
            Err(ReplayError::NotIssued { newest: 1, .. })
        ));
    }

    #[test]
    fn a_stored_id_of_zero_was_never_issued_and_is_refused_as_a_resume_point() {
        let b = bus();
        let t = Utc::now();
        b.publish(ev("/event/A__e", t), &[], t).unwrap();
        assert!(matches!(
            b.check_resume("/event/A__e", 0, t),
            Err(ReplayError::NotIssued {
                replay_id: 0,
                newest: 1
            })
        ));
        assert!(b.check_resume("/event/A__e", 1, t).is_ok());
    }

    #[test]
    fn an_event_published_to_an_extra_channel_keeps_one_replay_id() {
        let b = bus();
        b.add_channel("/data/ChangeEvents", Retention::high_volume());
        let t = Utc::now();
        let e = b
            .publish(ev("/event/A__e", t), &["/data/ChangeEvents"], t)
            .unwrap();
        let all = b
            .read("/data/ChangeEvents", ReplayFrom::Earliest, 10, t)
            .unwrap();
        assert_eq!(ids(&all), vec![e.replay_id]);
        assert!(b.publish(ev("/event/Nope__e", t), &[], t).is_err());
    }

    #[test]
    fn publishing_wakes_watchers() {
        let b = bus();
        let mut w = b.watch();
        let t = Utc::now();
        b.publish(ev("/event/A__e", t), &[], t).unwrap();
        assert!(w.has_changed().unwrap());
        assert_eq!(*w.borrow_and_update(), 1);
    }

    #[test]
    fn publish_all_numbers_in_order_and_shares_one_event_between_channels() {
        let b = bus();
        b.add_channel("/data/ChangeEvents", Retention::high_volume());
        let t = Utc::now();
        let mut w = b.watch();
        let out = b.publish_all(
            vec![
                ev("/event/A__e", t),
                ev("/event/Nope__e", t),
                ev("/event/A__e", t),
            ],
            &["/data/ChangeEvents"],
        );
        assert_eq!(ids(&out), vec![1, 2]);
        let own = b.read("/event/A__e", ReplayFrom::Earliest, 10, t).unwrap();
        let all = b
            .read("/data/ChangeEvents", ReplayFrom::Earliest, 10, t)
            .unwrap();
        assert!(Arc::ptr_eq(&own[1], &all[1]));
        assert_eq!(*w.borrow_and_update(), 2);
    }

    #[test]
    fn publish_all_leaves_every_channel_as_publishing_one_by_one_would() {
        let both = || {
            let b = bus();
            b.add_channel("/data/ChangeEvents", Retention::high_volume());
            b
        };
        // Runs of one channel, a channel coming back, and a late event that expires the
        // early ones of a channel (standard retention is a day).
        let t = Utc::now() - chrono::Duration::hours(30);
        let later = t + chrono::Duration::hours(25);
        let events = || {
            vec![
                ev("/event/A__e", t),
                ev("/event/A__e", t),
                ev("/event/B__e", t),
                ev("/event/A__e", later),
                ev("/event/B__e", later),
            ]
        };
        let (together, alone) = (both(), both());
        together.publish_all(events(), &["/data/ChangeEvents"]);
        for e in events() {
            let at = e.published_at;
            alone.publish(e, &["/data/ChangeEvents"], at).unwrap();
        }
        let now = later;
        for channel in ["/event/A__e", "/event/B__e", "/data/ChangeEvents"] {
            let read = |b: &EventBus| {
                b.read(channel, ReplayFrom::Earliest, 10, now)
                    .map(|e| ids(&e))
                    .map_err(|e| e.to_string())
            };
            assert_eq!(read(&together), read(&alone), "{channel}");
            let resume = |b: &EventBus| {
                b.read(channel, ReplayFrom::After(1), 10, now)
                    .map(|e| ids(&e))
                    .map_err(|e| e.to_string())
            };
            assert_eq!(resume(&together), resume(&alone), "{channel} after 1");
        }
        // A's first two events expired in both: replaying from before them is refused.
        assert!(together
            .read("/event/A__e", ReplayFrom::After(1), 10, now)
            .is_err());
    }
}
