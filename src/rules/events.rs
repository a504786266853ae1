//! `events.*` rules, judged from the bus log in the evidence (`Evidence.events`: published,
//! subscriptions, deliveries and what the runner's scenario did):
//!
//! - `events.published`: the learner's code published event `event` (REST, composite or
//!   Pub/Sub — whatever reached the bus: a publish-after-commit event of a rolled-back
//!   transaction never does) with every field in `fields` set, each field of `values` holding
//!   the value given, and — with `count` — exactly that many such events in all.
//! - `events.subscribed`: the code subscribed to `channel` (Pub/Sub or CometD).
//! - `events.replay_resumed`: after a restart the subscriber of `channel` resumed from a stored
//!   replay id: no later subscription from EARLIEST (-2), no event published while it was
//!   subscribed or down left undelivered, and at most `max_reread` events handed out again
//!   by each restart.
//!   When the org refused a stored replay id, the subscriber's next subscription must start
//!   from EARLIEST (-2), not LATEST (-1), which would skip what the bus still held; a retry
//!   with CUSTOM and an empty replay id is named as such, and the advice to fall back to
//!   EARLIEST is given only to a subscriber that did not.
//! - `events.consumer_idempotent`: the scenario redelivered an event, the subscriber received
//!   it again, still no two `object` records share a value of `field`, and the traffic after
//!   the repeat shows no second side effect for the event's key (see `redelivery`); a
//!   duplicate whose repeat reached a restarted subscriber is named as memory lost with the
//!   process (a dedupe kept in memory), and one of an event a restart was handed again (the
//!   stop came after its write and before its replay id was stored) as such. Not
//!   awarded when the traffic shows no event handled, or not the redelivered one: changing
//!   nothing on a repeat proves nothing then.
//!
//! These rules need the mock org's bus log; on a sandbox they are not applicable.

use super::cx::{article, plural, Cx};
use super::redelivery::{second_side_effects, unhandled};
use super::Verdict;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// `events.published`: `event` (e.g. `OrderShipped__e`), the `fields` that must be set, the
/// `values` some fields must hold (`{ Order_Number__c: SO-4411 }`; text compares with text, so
/// `12` matches a number 12 or the text "12"), and optionally how many events of that name
/// the code may publish in all (`count: 1` for "publish one").
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Published {
    pub event: String,
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default)]
    pub values: BTreeMap<String, Value>,
    #[serde(default)]
    pub count: Option<usize>,
    /// The way the event must be published, when the lab teaches one: `rest` or `pub_sub`.
    #[serde(default)]
    pub via: Option<Via>,
}

/// A way to publish, as the bus's log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    Rest,
    PubSub,
}

impl Via {
    fn logged(self) -> &'static str {
        match self {
            Via::Rest => "rest",
            Via::PubSub => "pub_sub",
        }
    }

    /// How to publish `event` this way.
    fn how(self, event: &str) -> String {
        match self {
            Via::Rest => format!("Publish with `POST …/sobjects/{event}`"),
            Via::PubSub => format!("Publish with the Pub/Sub API's `Publish` to /event/{event}"),
        }
    }
}

/// The name a learner knows for a way the bus log records (`pub_sub` → "Pub/Sub API").
fn transport_name(logged: &str) -> &str {
    match logged {
        "rest" => "REST",
        "pub_sub" => "Pub/Sub API",
        "comet_d" => "CometD",
        "cdc" => "Change Data Capture",
        "runner" => "sflab's setup",
        other => other,
    }
}

impl Published {
    /// Fields of `payload` that are missing or null, then those whose value differs from the
    /// expected one, as `field: "got" (expected "want")`.
    fn shortfalls(&self, payload: &Value) -> (Vec<String>, Vec<String>) {
        let set = |f: &str| payload.get(f).filter(|v| !v.is_null());
        let missing: Vec<String> = self
            .fields
            .iter()
            .chain(self.values.keys().filter(|k| !self.fields.contains(k)))
            .filter(|f| set(f).is_none())
            .cloned()
            .collect();
        let wrong: Vec<String> = self
            .values
            .iter()
            .filter_map(|(f, want)| {
                let got = set(f)?;
                (!same_value(got, want)).then(|| format!("{f} was {got} where {want} was expected"))
            })
            .collect();
        (missing, wrong)
    }

    /// The fields this check looked at, for a passing verdict.
    fn looked_at(&self) -> String {
        let mut parts: Vec<String> = self
            .fields
            .iter()
            .filter(|f| !self.values.contains_key(*f))
            .cloned()
            .collect();
        parts.extend(
            self.values
                .iter()
                .map(|(f, v)| format!("{f} = {}", shown(v))),
        );
        if parts.is_empty() {
            "its fields".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// A payload value equals the expected one, as JSON or as the text a learner would type.
fn same_value(got: &Value, want: &Value) -> bool {
    got == want || shown(got) == shown(want)
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `events.subscribed` and `events.replay_resumed`: the `channel` (`/event/X__e`, `/data/…`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscribed {
    pub channel: String,
}

/// `events.replay_resumed`: `channel`, and how many events each restart of the subscriber may
/// receive again (those it got but had not yet stored when it was killed). With `applied`, the event a
/// restart resumed after must have done its work (see [`Applied`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayResumed {
    pub channel: String,
    #[serde(default = "default_reread")]
    pub max_reread: usize,
    #[serde(default)]
    pub applied: Option<Applied>,
}

/// What applying an event leaves behind: a record of `object` whose `field` holds the event's
/// value of the same field — and, with `set`, whose `set` field is filled (for a record that
/// existed before, such as an Order the event's work writes a tracking number back to).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applied {
    pub object: String,
    pub field: String,
    #[serde(default)]
    pub set: Option<String>,
}

fn default_reread() -> usize {
    3
}

/// `events.consumer_idempotent`: the side effects live in `object`, keyed by `field`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerIdempotent {
    pub object: String,
    pub field: String,
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn num(v: &Value, key: &str) -> i64 {
    v.get(key).and_then(Value::as_i64).unwrap_or(0)
}

fn time(v: &Value, key: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(text(v, key))
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

fn by_learner(p: &Value) -> bool {
    !matches!(text(p, "via"), "runner" | "cdc")
}

fn mock_only(cx: &Cx) -> Option<Verdict> {
    cx.mock_only("the event bus's log")
}

pub(crate) fn published(p: &Published, cx: &Cx) -> Verdict {
    if let Some(na) = mock_only(cx) {
        return na;
    }
    let mine: Vec<&Value> = cx
        .ev
        .events
        .published
        .iter()
        .filter(|e| by_learner(e))
        .collect();
    let named: Vec<&&Value> = mine
        .iter()
        .filter(|e| text(e, "event_name").eq_ignore_ascii_case(&p.event))
        .collect();
    let matching: Vec<&&Value> = named
        .iter()
        .copied()
        .filter(|e| p.via.is_none_or(|v| text(e, "via") == v.logged()))
        .collect();
    let publishes: Vec<&crate::evidence::Exchange> = cx
        .api_calls()
        .filter(|e| e.method().eq_ignore_ascii_case("POST") && e.path().contains("/sobjects/"))
        .collect();
    let api: Vec<u64> = publishes.iter().map(|e| e.seq).collect();
    if let (Some(via), true, false) = (p.via, matching.is_empty(), named.is_empty()) {
        return cx
            .fail(format!(
                "{} reached the bus via {}, but this lab asks for another way. {}.",
                p.event,
                transport_name(text(named[0], "via")),
                via.how(&p.event)
            ))
            .with_evidence(api.clone());
    }
    if matching.is_empty() {
        let others: BTreeSet<&str> = mine.iter().map(|e| text(e, "event_name")).collect();
        let seen = if others.is_empty() {
            "No event published by your code reached the bus".to_string()
        } else {
            format!(
                "Your code published {} instead",
                others.into_iter().collect::<Vec<_>>().join(", ")
            )
        };
        let how = match p.via {
            Some(v) => v.how(&p.event),
            None => format!(
                "Publish with `POST …/sobjects/{0}` (or Pub/Sub `Publish` to /event/{0})",
                p.event
            ),
        };
        let article = if p.event.starts_with(['A', 'E', 'I', 'O', 'U']) {
            "an"
        } else {
            "a"
        };
        // A publish the org refused explains itself; otherwise the event may have been
        // published after commit inside a transaction that rolled back.
        let refused = publishes
            .iter()
            .find_map(|e| super::refusal::refusal(e).map(|r| (*e, r)));
        let why = match refused {
            Some((e, r)) => format!(
                "The org refused your publish {} with {}{}",
                super::cx::show(e),
                r.status,
                r.said
            ),
            None => "An event published after commit inside a rolled-back transaction never reaches the bus".into(),
        };
        return cx
            .fail(format!(
                "Expected {article} {} event on the bus. {seen}. {how}. {why}.",
                p.event
            ))
            .with_evidence(api);
    }
    let fits = |e: &Value| {
        let (missing, wrong) = p.shortfalls(e.get("payload").unwrap_or(&Value::Null));
        missing.is_empty() && wrong.is_empty()
    };
    let Some(good) = matching.iter().map(|e| **e).find(|e| fits(e)) else {
        let (missing, wrong) = p.shortfalls(matching[0].get("payload").unwrap_or(&Value::Null));
        let mut problems = Vec::new();
        if !missing.is_empty() {
            problems.push(format!("without {}", missing.join(", ")));
        }
        problems.extend(wrong);
        return cx
            .fail(format!(
                "{} reached the bus ({}), but {}: set every field the consumers need, to the values the lab gives.",
                p.event,
                plural(matching.len(), "event"),
                problems.join("; ")
            ))
            .with_evidence(api);
    };
    if let Some(n) = p.count.filter(|n| *n != matching.len()) {
        return cx
            .fail(format!(
                "Your code published {} {} {} where the lab asks for {n}: {}.",
                matching.len(),
                p.event,
                if matching.len() == 1 {
                    "event"
                } else {
                    "events"
                },
                if matching.len() > n {
                    "every extra one is delivered to every subscriber, which acts on it again"
                } else {
                    "publish each one the lab asks for"
                }
            ))
            .with_evidence(api);
    }
    let times = match p.count {
        Some(1) => ", exactly once".to_string(),
        Some(n) => format!(", {n} times in all"),
        None => String::new(),
    };
    cx.pass(format!(
        "{} (replay id {}) reached the bus via {} with {}{times}.",
        p.event,
        num(good, "replay_id"),
        transport_name(text(good, "via")),
        p.looked_at()
    ))
    .with_evidence(api)
}

fn subscriptions<'a>(cx: &'a Cx, channel: &str) -> Vec<&'a Value> {
    cx.ev
        .events
        .subscriptions
        .iter()
        .filter(|s| text(s, "channel") == channel)
        .collect()
}

/// What the org answered to subscriptions to `channel` it refused, as a sentence to add to a
/// verdict (empty when it refused none): the learner's code did ask, and the answer says what
/// to change — most often a stored replay id the org cannot resume from.
fn refusals(cx: &Cx, channel: &str) -> String {
    let refused: Vec<&Value> = cx
        .ev
        .events
        .refused
        .iter()
        .filter(|r| text(r, "channel") == channel)
        .collect();
    let Some(last) = refused.last() else {
        return String::new();
    };
    let from = match num(last, "from") {
        _ if no_id_sent(last) => "CUSTOM with an empty replay id".to_string(),
        -1 => "LATEST (-1)".to_string(),
        -2 => "EARLIEST (-2)".to_string(),
        crate::org::events::log::NOT_A_NUMBER if text(last, "via") == "pub_sub" => {
            "a replay id that is not the 8 bytes the org handed out (store the bytes as received, \
             or as hex read back with `bytes.fromhex`)"
                .to_string()
        }
        crate::org::events::log::NOT_A_NUMBER => {
            "a replay id that is no whole number (send it as a JSON number, not text)".to_string()
        }
        id => format!("replay id {id}"),
    };
    // The advice is for a wrong fallback: a subscriber that answered the refusal from
    // EARLIEST did what it says, and failed for another reason.
    let refused_at = time(last, "at");
    let fell_back_to_earliest = subscriptions(cx, channel)
        .into_iter()
        .find(|s| time(s, "at") >= refused_at)
        .is_some_and(|s| num(s, "from") == -2);
    let stored = if num(last, "from") >= 0 && !fell_back_to_earliest {
        " A replay id stored by an earlier attempt belongs to that attempt's org: when the org refuses a stored id, log it and start again from EARLIEST (-2) and let idempotent handling absorb the repeats, so a stale file never stops the consumer and nothing it missed is lost."
    } else {
        ""
    };
    format!(
        " The org refused {} to {channel}; the last asked for {from} and was told: \"{}\".{stored}",
        plural(refused.len(), "subscription"),
        text(last, "message"),
    )
}

/// When nothing of the program subscribed to `channel` (no subscription, no delivery) and
/// every run ended by itself without an error, the redelivered event `replay` never reached
/// it: said as such, not as a repeat it missed. (A run that failed first is named by
/// `ended_before_subscribing`.)
fn never_subscribed(cx: &Cx, channel: &str, replay: i64) -> Option<Verdict> {
    let events = &cx.ev.events;
    let on_channel = |v: &Value| text(v, "channel") == channel;
    if events.subscriptions.iter().any(on_channel) || events.delivered.iter().any(on_channel) {
        return None;
    }
    let failed = cx.ev.runs.iter().any(|run| {
        !run.stopped_by_lab && (run.timed_out || run.signal.is_some() || run.exit_code != Some(0))
    });
    if failed {
        return None;
    }
    Some(cx.fail(format!(
        "sflab redelivered event {replay} of {channel}, but event {replay} was never delivered to your program: nothing subscribed to {channel}, so how it handles a repeat could not be seen. Subscribe to {channel} and stay subscribed (asking for events) until your program stops.{}",
        refusals(cx, channel)
    )))
}

/// True when a refused Pub/Sub subscription asked for CUSTOM with no replay id: the service
/// logs it `from` [`crate::org::events::log::NO_REPLAY_ID`] (a malformed one, not 8 bytes,
/// is NOT_A_NUMBER).
fn no_id_sent(refusal: &Value) -> bool {
    let from = num(refusal, "from");
    // Evidence kept before the org logged NO_REPLAY_ID has 0 there (no issued id is 0).
    from == crate::org::events::log::NO_REPLAY_ID
        || (from == 0 && text(refusal, "via") == "pub_sub")
}

/// The org's refusals of a stored replay id (not of a preset) on `channel`: what the client
/// asked to resume after was no position this org could resume from.
fn stored_id_refusals<'a>(cx: &'a Cx, channel: &str) -> Vec<&'a Value> {
    cx.ev
        .events
        .refused
        .iter()
        .filter(|r| {
            let from = num(r, "from");
            text(r, "channel") == channel
                && (from >= 0
                    || from == crate::org::events::log::NOT_A_NUMBER
                    || from == crate::org::events::log::NO_REPLAY_ID)
        })
        .collect()
}

/// The refusal of a stored replay id that came after the subscription `previous` (or at any
/// time when there is none) and before `s`: the subscription `s` is what the subscriber did
/// next, its fallback.
fn refusal_before<'a>(
    refused: &[&'a Value],
    previous: Option<&Value>,
    s: &Value,
) -> Option<&'a Value> {
    let after = previous.and_then(|p| time(p, "at"));
    let until = time(s, "at");
    refused
        .iter()
        .rev()
        .find(|r| {
            let at = time(r, "at");
            at <= until && (after.is_none() || at >= after)
        })
        .copied()
}

/// A failure when the subscriber answered the refusal of its stored replay id by subscribing
/// from LATEST: what the bus still held past that id, and the consumer had not applied, is
/// skipped for good. EARLIEST is the fallback (its repeats are absorbed by idempotent work).
fn fell_back_to_latest(cx: &Cx, channel: &str, subs: &[&Value]) -> Option<Verdict> {
    let refused = stored_id_refusals(cx, channel);
    subs.iter().enumerate().find_map(|(i, s)| {
        if num(s, "from") != -1 {
            return None;
        }
        let previous = i.checked_sub(1).map(|k| subs[k]);
        let r = refusal_before(&refused, previous, s)?;
        if no_id_sent(r) {
            return Some(cx.fail(empty_custom_retry(cx, &refused, r, channel)));
        }
        // With an earlier subscription in this attempt, the refused id was stored from this
        // very org's events: the subscriber changed it on the way to the file or back.
        let changed = if previous.is_some() {
            " That id was stored during this attempt, so what your subscriber stored or read back was not the replay id as received: keep its bytes unchanged."
        } else {
            ""
        };
        Some(cx.fail(format!(
            "Your subscriber fell back to LATEST (-1) on {channel} because the org refused the stored replay id it asked to resume after (\"{}\"): that skips for good whatever the bus still held that it had not applied. When a stored id is refused, forget it and start again from EARLIEST (-2); idempotent upserts absorb the repeats.{changed}",
            text(r, "message")
        )))
    })
}

/// What happened when the subscriber's last refused request, before a LATEST start, was
/// CUSTOM with an empty replay id (`empty`): most often its retry after the org refused the
/// stored id, which cannot start anywhere. The LATEST came later, from a start with no stored
/// id left, and is no answer to a refusal.
fn empty_custom_retry(cx: &Cx, refused: &[&Value], empty: &Value, channel: &str) -> String {
    let before = refused
        .iter()
        .rev()
        .find(|r| !no_id_sent(r) && time(r, "at") <= time(empty, "at"));
    let first = match before {
        Some(r) => format!(
            "The org refused the stored replay id your subscriber asked to resume after on {channel} (\"{}\"); its retry then subscribed with CUSTOM and an empty replay id, which the org refused too",
            text(r, "message")
        ),
        None => format!(
            "Your subscriber asked to resume on {channel} with CUSTOM and an empty replay id, which the org refused"
        ),
    };
    format!(
        "{first} (\"{}\"). CUSTOM needs the replay id bytes of a received event; to start again from what the bus still holds, subscribe with EARLIEST (-2) and no replay id. The LATEST (-1) that followed came from a start with no stored id left, and skipped what the bus held that your subscriber had not applied.{}",
        text(empty, "message"),
        run_ended_after(cx, empty),
    )
}

/// " Run N then exited with status S." for the run that ended after `refusal` without a
/// subscription of its own, when one did; empty otherwise.
fn run_ended_after(cx: &Cx, refusal: &Value) -> String {
    let at = time(refusal, "at");
    cx.ev
        .runs
        .iter()
        .find(|run| {
            let Some((start, at)) = run.started_at.zip(at) else {
                return false;
            };
            let end = start + chrono::Duration::milliseconds(run.duration_ms as i64);
            start <= at && at <= end && run.exit_code.is_some_and(|c| c != 0)
        })
        .map(|run| {
            format!(
                " Run {} then exited with status {}.",
                run.index + 1,
                run.exit_code.unwrap_or_default()
            )
        })
        .unwrap_or_default()
}

pub(crate) fn subscribed(p: &Subscribed, cx: &Cx) -> Verdict {
    if let Some(na) = mock_only(cx) {
        return na;
    }
    match subscriptions(cx, &p.channel).first() {
        Some(s) => cx.pass(format!(
            "Your code subscribed to {} via {} (from {}).",
            p.channel,
            transport_name(text(s, "via")),
            match num(s, "from") {
                -1 => "LATEST, -1".to_string(),
                -2 => "EARLIEST, -2".to_string(),
                id => format!("after replay id {id}"),
            }
        )),
        None => {
            let polled: Vec<u64> = cx
                .api_calls()
                .filter(|e| e.path().contains("/query"))
                .map(|e| e.seq)
                .collect();
            let how = if polled.is_empty() {
                String::new()
            } else {
                format!(
                    " It ran {} instead: polling misses deletes and costs API calls.",
                    plural(polled.len(), "query")
                )
            };
            let refused = refusals(cx, &p.channel);
            let never = if refused.is_empty() {
                "Your code never subscribed to"
            } else {
                "No subscription of your code started on"
            };
            cx.fail(format!(
                "{never} {} (CometD `/meta/subscribe` or Pub/Sub `Subscribe`).{}{refused}{how}",
                p.channel,
                subscribed_elsewhere(cx, &p.channel)
            ))
            .with_evidence(polled)
        }
    }
}

/// What the code subscribed to instead of `channel`, as a sentence to add to a verdict (empty
/// when it subscribed to nothing else): the channels, how, and what it received there.
fn subscribed_elsewhere(cx: &Cx, channel: &str) -> String {
    let mut others: Vec<(&str, &str)> = Vec::new();
    for s in &cx.ev.events.subscriptions {
        let c = text(s, "channel");
        if c != channel && !others.iter().any(|(o, _)| *o == c) {
            others.push((c, transport_name(text(s, "via"))));
        }
    }
    if others.is_empty() {
        return String::new();
    }
    let received = cx
        .ev
        .events
        .delivered
        .iter()
        .filter(|d| others.iter().any(|(o, _)| *o == text(d, "channel")))
        .count();
    let named: Vec<String> = others
        .iter()
        .map(|(c, via)| format!("{c} (via {via})"))
        .collect();
    format!(
        " It subscribed to {} instead and received {} there; this lab's checks and scenario follow {channel}, so subscribe to that channel.",
        named.join(" and "),
        plural(received, "event")
    )
}

pub(crate) fn replay_resumed(p: &ReplayResumed, cx: &Cx) -> Verdict {
    if let Some(na) = mock_only(cx) {
        return na;
    }
    let subs = subscriptions(cx, &p.channel);
    if let Some(v) = fell_back_to_latest(cx, &p.channel, &subs) {
        return v;
    }
    if subs.is_empty() {
        let refused = refusals(cx, &p.channel);
        let never = if refused.is_empty() {
            "Your code never subscribed to"
        } else {
            "No subscription of your code started on"
        };
        return cx.fail(format!(
            "{never} {} (CometD `/meta/subscribe` or Pub/Sub `Subscribe`), so resuming after a restart could not be judged.{refused}",
            p.channel
        ));
    }
    if subs.len() < 2 {
        return cx.fail(format!(
            "Your subscriber of {} subscribed {} — it never came back after it was stopped, so resuming could not be judged.{}",
            p.channel,
            plural(subs.len(), "time"),
            refusals(cx, &p.channel)
        ));
    }
    let deliveries: Vec<&Value> = cx
        .ev
        .events
        .delivered
        .iter()
        .filter(|d| text(d, "channel") == p.channel)
        .collect();
    let redelivered: BTreeSet<i64> = cx
        .ev
        .events
        .scenario
        .iter()
        .filter(|a| text(a, "action") == "redeliver" && text(a, "channel") == p.channel)
        .map(|a| num(a, "replay_id"))
        .collect();
    let subscriber_of = |s: &Value| text(s, "subscriber").to_string();
    let mut received: BTreeSet<i64> = BTreeSet::new();
    let mut reread: Vec<i64> = Vec::new();
    // The first subscription after a restart that was handed out again more than it may be.
    let mut too_many: Option<Vec<i64>> = None;
    for (i, s) in subs.iter().enumerate() {
        let id = subscriber_of(s);
        let from = num(s, "from");
        if i > 0 && from == -2 && !received.is_empty() {
            let refused = stored_id_refusals(cx, &p.channel);
            return cx.fail(match refusal_before(&refused, Some(subs[i - 1]), s) {
                // It did ask to resume, with an id this very attempt's org handed out: what
                // it stored or read back was not the replay id as received.
                Some(r) => format!(
                    "After the restart your subscriber asked to resume from its stored replay id (CUSTOM), and the org refused it (\"{}\"); it then fell back to EARLIEST (-2) and re-read the whole retained stream. Every id it could have stored came from this org, so what it stored or read back was not the replay id as received: keep the bytes unchanged (or write them as hex and read them back with `bytes.fromhex`).",
                    text(r, "message")
                ),
                None => "After the restart your subscriber asked for EARLIEST (-2) and re-read the whole retained stream; store the last replay id you processed and subscribe from it (CUSTOM).".to_string(),
            });
        }
        let mut again: Vec<i64> = Vec::new();
        for d in deliveries.iter().filter(|d| text(d, "subscriber") == id) {
            let r = num(d, "replay_id");
            if !received.insert(r) && i > 0 && !redelivered.contains(&r) {
                again.push(r);
            }
        }
        again.sort_unstable();
        again.dedup();
        if too_many.is_none() && again.len() > p.max_reread {
            too_many = Some(again.clone());
        }
        reread.extend(again);
    }
    reread.sort_unstable();
    reread.dedup();
    let first_at = subs.first().and_then(|s| time(s, "at"));
    let lost: Vec<i64> = cx
        .ev
        .events
        .published
        .iter()
        .filter(|e| text(e, "channel") == p.channel && time(e, "at") >= first_at)
        .map(|e| num(e, "replay_id"))
        .filter(|r| !received.contains(r))
        .collect();
    if !lost.is_empty() {
        let latest = subs.iter().skip(1).any(|s| num(s, "from") == -1);
        // When the org refused the stored id first, the refusal is the cause to fix (a stored
        // id read back wrongly), and LATEST only the brief's fallback.
        let refused = refusals(cx, &p.channel);
        let why = match (latest, refused.is_empty()) {
            (true, true) => ": after the restart it subscribed from LATEST (-1), which skips what was published while it was down — resume from the replay id stored for the last event it applied (store one after each event, so a stop in the middle of a batch loses nothing; LATEST (-1) is only for the very first start, with none stored yet)",
            (true, false) => ": after the restart it fell back to LATEST (-1) because the org refused the replay id it asked for first",
            (false, _) => "",
        };
        let stalled = if latest {
            None
        } else {
            stalled_asking(cx, subs.last())
        };
        return cx.fail(format!(
            "{} published on {} never reached your subscriber (replay ids {:?}){why}{}.{refused}",
            plural(lost.len(), "event"),
            p.channel,
            lost,
            stalled.unwrap_or_default(),
        ));
    }
    if let Some(again) = too_many {
        return cx.fail(format!(
            "After a restart your subscriber received {} events again that it had already been given (replay ids {:?}); resume from the last replay id you stored, not an older one.",
            again.len(),
            again
        ));
    }
    if let Some(lost) = p
        .applied
        .as_ref()
        .and_then(|a| resumed_past_unapplied(a, &p.channel, &subs, cx))
    {
        return cx.fail(lost);
    }
    cx.pass(format!(
        "Your subscriber resumed {} on {}: nothing was lost and {} handed out again.",
        plural(subs.len() - 1, "time"),
        p.channel,
        plural(reread.len(), "event")
    ))
}

/// Why a Pub/Sub subscription stopped receiving, when it was given every event it asked
/// for and never asked for more: flow control the subscriber did not keep up (the server
/// sends at most the `num_requested` of its FetchRequests). `None` over CometD, or while
/// the subscriber still had events asked for.
fn stalled_asking(cx: &Cx, sub: Option<&&Value>) -> Option<String> {
    let sub = sub?;
    let asked = sub.get("requested").and_then(Value::as_u64)?;
    let id = text(sub, "subscriber");
    let given = cx
        .ev
        .events
        .delivered
        .iter()
        .filter(|d| text(d, "subscriber") == id)
        .count() as u64;
    (given >= asked).then(|| {
        format!(
            ": its last subscription asked for {} in all (the FetchRequests' num_requested added up) and was given them, then sent no further FetchRequest, so the org sent nothing more — ask for the next batch as each one is processed",
            plural(asked as usize, "event")
        )
    })
}

/// Why a restart resumed past an event whose work never landed, if one did: the subscriber
/// stored that event's replay id before applying it, and the kill in between lost the event.
fn resumed_past_unapplied(
    applied: &Applied,
    channel: &str,
    subs: &[&Value],
    cx: &Cx,
) -> Option<String> {
    let last = cx.ev.snapshots.final_state()?;
    let records = last.records(&applied.object);
    let field = applied.field.as_str();
    subs.iter().skip(1).find_map(|s| {
        let after = num(s, "from");
        let event = cx
            .ev
            .events
            .published
            .iter()
            .find(|e| text(e, "channel") == channel && num(e, "replay_id") == after)?;
        let key = event.get("payload")?.get(field)?;
        let filled = |r: &&Value| {
            applied
                .set
                .as_ref()
                .is_none_or(|s| r.get(s).is_some_and(|v| !v.is_null() && v != ""))
        };
        let landed = records
            .iter()
            .filter(filled)
            .any(|r| r.get(field) == Some(key));
        let key = key.as_str().map_or_else(|| key.to_string(), str::to_string);
        let missing = match &applied.set {
            Some(s) => format!("the {} with {field} {key} has no {s}", applied.object),
            None => format!("no {} with {field} {key} exists", applied.object),
        };
        (!landed).then(|| {
            format!(
                "After a restart your subscriber resumed after replay id {after} ({field} {key}), but {missing}: it stored that id before the event's work was done, and the stop in between lost the event. Store a replay id only once its event has been applied."
            )
        })
    })
}

/// A redelivered event the subscriber received only once: the repeat never reached it, or
/// a restart skipped the first delivery. When a run had already crashed or failed by the
/// time of the repeat, the check could not see the handling at all, and says so as
/// [`super::NOT_AWARDED`]: mending what ended the run mends this too, and the hints go to the
/// checks that explain the crash.
fn received_once(cx: &Cx, channel: &str, replay: i64) -> Verdict {
    let repeat_at = cx
        .ev
        .events
        .scenario
        .iter()
        .find(|a| text(a, "action") == "redeliver" && num(a, "replay_id") == replay)
        .and_then(|a| time(a, "at"));
    // A run the scenario stopped on purpose (the planned kill) did not fail.
    let ended_before = cx.ev.runs.iter().find(|run| {
        let failed = !run.timed_out && !run.stopped_by_lab && run.exit_code != Some(0);
        let end = run
            .started_at
            .map(|t| t + chrono::Duration::milliseconds(run.duration_ms as i64));
        failed && matches!((end, repeat_at), (Some(e), Some(r)) if e <= r)
    });
    if let Some(run) = ended_before {
        let how = match (run.exit_code, run.signal) {
            (Some(code), _) => format!("exited with status {code}"),
            (None, Some(signal)) => format!("been stopped by signal {signal}"),
            (None, None) => "been stopped by a signal".to_string(),
        };
        return cx.fail(format!(
            "{}sflab redelivered event {replay} of {channel}, but run {} had already {how}, so how your subscriber handles a repeat could not be seen. Keep the program running, subscribed, until it is idle; the other failed checks say what ended it.",
            super::NOT_AWARDED,
            run.index + 1
        ));
    }
    let restarted = cx
        .ev
        .events
        .subscriptions
        .iter()
        .filter(|s| text(s, "channel") == channel)
        .count()
        > 1;
    let or_skipped = if restarted {
        ", or it missed the first delivery (a restart that resumes past an event skips it)"
    } else {
        ""
    };
    cx.fail(format!(
        "sflab redelivered event {replay} of {channel}, but your subscriber received it only once, so how it handles a repeat could not be seen: it was no longer subscribed when the repeat came (keep it subscribed, and asking for events, until it stops){or_skipped}."
    ))
}

/// When the program never subscribed to `channel` (no subscription, no delivery) and a run
/// of it failed, the redelivery could not reach it: the verdict says the program ended before
/// it subscribed, as [`super::NOT_AWARDED`], so the hints go to the checks that explain the
/// crash (`process.exit_ok` quotes its stderr) rather than to staying subscribed.
fn ended_before_subscribing(cx: &Cx, channel: &str) -> Option<Verdict> {
    let events = &cx.ev.events;
    let on_channel = |v: &Value| text(v, "channel") == channel;
    if events.subscriptions.iter().any(on_channel) || events.delivered.iter().any(on_channel) {
        return None;
    }
    let run = cx
        .ev
        .runs
        .iter()
        .find(|run| !run.timed_out && !run.stopped_by_lab && run.exit_code != Some(0))?;
    let how = match (run.exit_code, run.signal) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("was stopped by signal {signal}"),
        (None, None) => "was stopped by a signal".to_string(),
    };
    let after = format!("{:.1}s", run.duration_ms as f64 / 1000.0);
    Some(cx.fail(format!(
        "{}your program (run {}) {how} after {after}, before it subscribed to {channel}, so no event reached it and how it handles a repeat could not be seen. Make it start and subscribe first: process.exit_ok shows the end of its stderr, which says what stopped it.",
        super::NOT_AWARDED,
        run.index + 1
    )))
}

/// A redelivered event whose key (its payload's `field`, as JSON text) is among the duplicated
/// `keys` and whose deliveries went to more than one subscriber: the repeat reached a restarted
/// process, not the one that first applied it. Returns its replay id and key.
fn repeated_after_restart(
    cx: &Cx,
    redelivered: &[(String, i64)],
    field: &str,
    keys: &BTreeSet<String>,
) -> Option<(i64, String)> {
    redelivered.iter().find_map(|(c, r)| {
        let subscribers: BTreeSet<&str> = cx
            .ev
            .events
            .delivered
            .iter()
            .filter(|d| text(d, "channel") == c && num(d, "replay_id") == *r)
            .map(|d| text(d, "subscriber"))
            .collect();
        if subscribers.len() < 2 {
            return None;
        }
        let key = cx
            .ev
            .events
            .published
            .iter()
            .find(|e| text(e, "channel") == c && num(e, "replay_id") == *r)?
            .get("payload")?
            .get(field)?;
        keys.contains(&key.to_string()).then(|| {
            (
                *r,
                key.as_str().map_or_else(|| key.to_string(), str::to_string),
            )
        })
    })
}

/// An event on one of `channels` whose key (its payload's `field`, as JSON text) is among the
/// duplicated `keys`, delivered to more than one subscriber without the scenario redelivering
/// it: a restart resumed before it, because the stopped subscriber had applied it and not yet
/// stored its replay id. Returns its replay id and key.
fn reread_after_restart(
    cx: &Cx,
    channels: &BTreeSet<&str>,
    field: &str,
    keys: &BTreeSet<String>,
) -> Option<(i64, String)> {
    cx.ev.events.published.iter().find_map(|e| {
        let channel = text(e, "channel");
        let key = e.get("payload")?.get(field)?;
        if !channels.contains(channel) || !keys.contains(&key.to_string()) {
            return None;
        }
        let r = num(e, "replay_id");
        let subscribers: BTreeSet<&str> = cx
            .ev
            .events
            .delivered
            .iter()
            .filter(|d| text(d, "channel") == channel && num(d, "replay_id") == r)
            .map(|d| text(d, "subscriber"))
            .collect();
        (subscribers.len() > 1).then(|| {
            (
                r,
                key.as_str().map_or_else(|| key.to_string(), str::to_string),
            )
        })
    })
}

pub(crate) fn consumer_idempotent(p: &ConsumerIdempotent, cx: &Cx) -> Verdict {
    if let Some(na) = mock_only(cx) {
        return na;
    }
    let redelivered: Vec<(String, i64)> = cx
        .ev
        .events
        .scenario
        .iter()
        .filter(|a| text(a, "action") == "redeliver" && a.get("replay_id").is_some())
        .map(|a| (text(a, "channel").to_string(), num(a, "replay_id")))
        .collect();
    if redelivered.is_empty() {
        return cx.fail(
            "This lab's runner redelivered no event, so idempotency could not be judged; tell the lab's author.",
        );
    }
    if let Some(v) = redelivered
        .iter()
        .find_map(|(c, r)| never_subscribed(cx, c, *r))
    {
        return v;
    }
    let times = |(c, r): &(String, i64)| {
        cx.ev
            .events
            .delivered
            .iter()
            .filter(|d| text(d, "channel") == c && num(d, "replay_id") == *r)
            .count()
    };
    if let Some((c, r)) = redelivered.iter().find(|x| times(x) < 2) {
        if times(&(c.clone(), *r)) == 1 {
            return received_once(cx, c, *r);
        }
        if let Some(crashed) = ended_before_subscribing(cx, c) {
            return crashed;
        }
        return cx.fail(format!(
            "sflab redelivered event {r} of {c}, but your subscriber did not receive it again: keep it subscribed (and asking for events) until it stops.{}",
            refusals(cx, c)
        ));
    }
    let Some(state) = cx.ev.snapshots.final_state() else {
        return cx.fail("No snapshot of the org was taken after your code ran.");
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for r in state.records(&p.object) {
        if let Some(v) = r.get(&p.field).filter(|v| !v.is_null()) {
            *seen.entry(v.to_string()).or_default() += 1;
        }
    }
    let dup_keys: BTreeSet<String> = seen
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(v, _)| v.clone())
        .collect();
    let dups: Vec<String> = seen
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(v, n)| format!("{v} ×{n}"))
        .collect();
    let creates: Vec<u64> = cx
        .api_calls()
        .filter(|e| {
            e.method().eq_ignore_ascii_case("POST")
                && e.path()
                    .trim_end_matches('/')
                    .to_ascii_lowercase()
                    .ends_with(&format!("/sobjects/{}", p.object.to_ascii_lowercase()))
        })
        .map(|e| e.seq)
        .collect();
    if !dups.is_empty() {
        let channels: BTreeSet<&str> = redelivered.iter().map(|(c, _)| c.as_str()).collect();
        let restart = match repeated_after_restart(cx, &redelivered, &p.field, &dup_keys) {
            Some((r, key)) => format!(" Event {r} ({} {key}) came again to your restarted subscriber, after the stopped one had applied it: what a process remembers in memory is gone after a restart, so the repeat was applied again. Let the org's record be the memory: an upsert on the external id changes nothing the second time.", p.field),
            None => reread_after_restart(cx, &channels, &p.field, &dup_keys)
                .map(|(r, key)| format!(" Event {r} ({} {key}) was handed out again after a restart: your subscriber was stopped after the org had written its record and before its replay id was stored, so the restart resumed before it, and the event was applied a second time. A replay id newer than the stored one does not mean the event is new (replay ids are opaque; compare none). Let the org's record be the memory: an upsert on the external id changes nothing the second time.", p.field))
                .unwrap_or_default(),
        };
        return cx
            .fail(format!(
                "A redelivered event was applied twice: {} records share {} {} ({}). Key the side effect by a value from the event (upsert on an external id) so a second delivery changes nothing.{restart}",
                p.object,
                article(&p.field),
                p.field,
                dups.join(", ")
            ))
            .with_evidence(creates);
    }
    if let Some(v) = second_side_effects(&p.object, &p.field, cx) {
        return v;
    }
    if let Some(v) = unhandled(&p.field, cx) {
        return v;
    }
    let ids: Vec<String> = redelivered.iter().map(|(_, r)| r.to_string()).collect();
    cx.pass(format!(
        "sflab redelivered event(s) {} and your subscriber received them again; still one {} per {}, and handling a repeat created and changed nothing.",
        ids.join(", "),
        p.object,
        p.field
    ))
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
