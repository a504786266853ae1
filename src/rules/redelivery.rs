//! What handling a redelivered event did, judged from the traffic: the scenario's redeliveries
//! (which event, when the runner queued the repeat, the key its payload carries) and the writes
//! for that key after the repeat that left something new behind — a create that made a record
//! or order of its own, or an update that changed what the first handling had written.
//!
//! Used by `events.consumer_idempotent` (a second side effect fails it, even when an upsert
//! keeps the record count right) and by `erp.no_duplicate_orders` (to say that a duplicate came
//! from a redelivery rather than from a retry).
//!
//! Also used by `events.consumer_idempotent` to hold its points back when no event, or not the
//! redelivered one, was handled at all ([`unhandled`]).
//!
//! Implementation notes: "after the redelivery" means after the repeat reached the subscriber
//! (the bus log's delivery), not after the runner queued it: the queue is filled as soon as
//! the first delivery is seen, often while the first handling is still retrying. Even after
//! the delivery, a call belongs to the second handling only once the same request had
//! succeeded before it: a client that queues what it receives (jsforce, a worker thread) is
//! still retrying the first handling when the repeat reaches it. The bus log
//! follows the org clock, which is the proxy's wall clock unless a lab moves it (none with a
//! redelivery does); without a delivery time the runner's own stamp is used. A write belongs to
//! the event when its path or its JSON body names the event's key. A create is new when it answered 2xx without the
//! ERP's `Idempotent-Replayed` header and its `id` appears in no earlier answer.

use super::cx::Cx;
use super::Verdict;
use crate::evidence::Exchange;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// One event the runner delivered a second time.
pub(crate) struct Redelivery<'a> {
    pub channel: &'a str,
    pub replay_id: i64,
    /// When the repeat reached the subscriber (else when the runner queued it); `None` in an
    /// older log.
    pub at: Option<DateTime<Utc>>,
    /// The event's payload as published, when the bus log has it.
    pub payload: Option<&'a Value>,
}

impl Redelivery<'_> {
    /// The payload's `field` as text (`SO-202`), if set.
    pub fn key(&self, field: &str) -> Option<String> {
        self.payload
            .and_then(|p| p.get(field))
            .and_then(scalar)
            .filter(|k| !k.is_empty())
    }

    /// True when some payload field holds `value` (for rules that do not know the field).
    pub fn carries(&self, value: &str) -> bool {
        self.payload
            .and_then(Value::as_object)
            .is_some_and(|o| o.values().any(|v| scalar(v).as_deref() == Some(value)))
    }

    /// True when `e` started after the runner queued this repeat.
    pub fn precedes(&self, e: &Exchange) -> bool {
        self.at.is_some_and(|t| e.started_at >= t)
    }
}

/// What a second handling left behind.
pub(crate) enum SecondEffect<'a> {
    /// A create answered with an id no earlier answer carried.
    Created { call: &'a Exchange, id: String },
    /// The same write as before the repeat, with another body.
    Changed {
        before: &'a Exchange,
        after: &'a Exchange,
    },
}

impl SecondEffect<'_> {
    pub fn seqs(&self) -> Vec<u64> {
        match self {
            SecondEffect::Created { call, .. } => vec![call.seq],
            SecondEffect::Changed { before, after } => vec![before.seq, after.seq],
        }
    }

    /// A clause for a learner: what the call did.
    pub fn describe(&self) -> String {
        match self {
            SecondEffect::Created { call, id } => {
                format!("{} created {id}", super::cx::show(call))
            }
            SecondEffect::Changed { before, after } => format!(
                "{} wrote {} where #{} had written {}",
                super::cx::show(after),
                brief_body(after),
                before.seq,
                brief_body(before)
            ),
        }
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn time(a: &Value) -> Option<DateTime<Utc>> {
    let t = a.get("at")?.as_str()?;
    DateTime::parse_from_rfc3339(t)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The scenario's redeliveries, in the order the runner made them.
pub(crate) fn redeliveries<'a>(cx: &'a Cx) -> Vec<Redelivery<'a>> {
    let events = &cx.ev.events;
    events
        .scenario
        .iter()
        .filter(|a| a.get("action").and_then(Value::as_str) == Some("redeliver"))
        .filter_map(|a| {
            let channel = a.get("channel").and_then(Value::as_str).unwrap_or("");
            let replay_id = a.get("replay_id")?.as_i64()?;
            let payload = events
                .published
                .iter()
                .find(|p| {
                    p.get("channel").and_then(Value::as_str) == Some(channel)
                        && p.get("replay_id").and_then(Value::as_i64) == Some(replay_id)
                })
                .and_then(|p| p.get("payload"));
            // The repeat's delivery: the first of that event at or after the queuing.
            let queued = time(a);
            let delivered = events
                .delivered
                .iter()
                .filter(|d| {
                    d.get("channel").and_then(Value::as_str) == Some(channel)
                        && d.get("replay_id").and_then(Value::as_i64) == Some(replay_id)
                })
                .filter_map(time)
                .filter(|t| queued.is_none_or(|q| *t >= q))
                .min();
            Some(Redelivery {
                channel,
                replay_id,
                at: delivered.or(queued),
                payload,
            })
        })
        .collect()
}

/// True when `e` is a write (not a token request, not the streaming connection) that names
/// `key` in its path or JSON body.
pub(crate) fn writes_for(e: &Exchange, key: &str) -> bool {
    is_side_effect(e) && (names_in_path(e, key) || names_in_body(e, key))
}

fn names_in_path(e: &Exchange, key: &str) -> bool {
    e.path()
        .split('/')
        .any(|segment| percent_encoding::percent_decode_str(segment).decode_utf8_lossy() == key)
}

fn names_in_body(e: &Exchange, key: &str) -> bool {
    fn holds(v: &Value, key: &str) -> bool {
        match v {
            Value::String(s) => s == key,
            Value::Array(a) => a.iter().any(|x| holds(x, key)),
            Value::Object(o) => o.values().any(|x| holds(x, key)),
            _ => false,
        }
    }
    e.request_json().is_some_and(|v| holds(&v, key))
}

/// The id a create answered with, when it made something new (see the module notes).
pub(crate) fn new_id<'a>(cx: &'a Cx, e: &'a Exchange) -> Option<String> {
    if !e.method().eq_ignore_ascii_case("POST") || !e.succeeded() {
        return None;
    }
    if e.response_header("idempotent-replayed")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return None;
    }
    let id = e.response_json()?.get("id").and_then(scalar)?;
    let earlier = cx.ev.exchanges.iter().take_while(|x| x.seq < e.seq);
    let seen = earlier
        .filter_map(|x| x.response.as_ref())
        .any(|r| r.body.text.contains(&id));
    (!seen).then_some(id)
}

/// True when `e` is a write made by handling `r` again, among `mine` (the writes for the
/// event's key, in order): it started after the repeat's delivery, and the same request had
/// already succeeded before it. A retry of a call that had not succeeded yet is still the
/// first handling, however late it comes: a client that queues what it receives keeps
/// retrying the first delivery while the repeat waits behind it.
fn handles_again(r: &Redelivery, mine: &[&Exchange], e: &Exchange) -> bool {
    r.precedes(e)
        && mine.iter().any(|b| {
            b.seq < e.seq
                && b.succeeded()
                && b.finished_at <= e.started_at
                && super::cx::same_request(b, e)
        })
}

/// The side effects handling `r` again left, for an event keyed `key`.
pub(crate) fn second_effects<'a>(cx: &'a Cx, r: &Redelivery, key: &str) -> Vec<SecondEffect<'a>> {
    let mine: Vec<&Exchange> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| writes_for(e, key))
        .collect();
    let (after, before): (Vec<&Exchange>, Vec<&Exchange>) = mine
        .iter()
        .copied()
        .partition(|e| handles_again(r, &mine, e));
    let mut effects = Vec::new();
    for e in after {
        if let Some(id) = new_id(cx, e) {
            effects.push(SecondEffect::Created { call: e, id });
            continue;
        }
        let earlier = before
            .iter()
            .rev()
            .find(|b| b.succeeded() && super::cx::same_request(b, e));
        if let Some(b) = earlier {
            if e.succeeded() && !super::cx::same_call(b, e) {
                effects.push(SecondEffect::Changed {
                    before: b,
                    after: e,
                });
            }
        }
    }
    effects
}

/// `events.consumer_idempotent`'s failing verdict when handling a redelivered event again left a side effect of its
/// own (a new ERP order, a changed write-back), though the `object` records keyed by `field`
/// still look right.
pub(crate) fn second_side_effects(object: &str, field: &str, cx: &Cx) -> Option<Verdict> {
    redeliveries(cx).iter().find_map(|r| {
        let key = r.key(field)?;
        let effects = second_effects(cx, r, &key);
        if effects.is_empty() {
            return None;
        }
        let what: Vec<String> = effects.iter().map(SecondEffect::describe).collect();
        Some(
            cx.fail(format!(
                "sflab redelivered event {} of {} ({} {key}), and handling it again did more work: {}. One {} per {} is not enough when the repeat still creates or changes something. Recognise an event already handled by its key, or make every call it makes repeatable: an Idempotency-Key taken from the event's own key (not made per handling), an upsert that writes the same values.",
                r.replay_id,
                r.channel,
                field,
                what.join("; "),
                object,
                field
            ))
            .with_evidence(effects.iter().flat_map(SecondEffect::seqs)),
        )
    })
}

/// True when `e` applied something for `key`: a write naming it (see [`writes_for`], or a
/// cell of a CSV upload such as a Bulk ingest batch) that was answered 2xx.
pub(crate) fn applies(e: &Exchange, key: &str) -> bool {
    e.succeeded() && (writes_for(e, key) || (is_side_effect(e) && names_in_csv(e, key)))
}

fn names_in_csv(e: &Exchange, key: &str) -> bool {
    e.request_json().is_none()
        && e.request
            .body
            .text
            .split(['\n', '\r', ',', ';', '\t', '|'])
            .any(|cell| cell.trim().trim_matches('"') == key)
}

/// `events.consumer_idempotent`'s verdict, not awarded, when the traffic shows no event handled
/// at all, or not the redelivered one: a consumer that does nothing also changes nothing on a
/// repeat, which says nothing about its idempotency. Handled means a write for the event's
/// `field` value that succeeded, when the first delivery came or the repeat did; without the
/// payloads in the bus log, any write that succeeded.
pub(crate) fn unhandled(field: &str, cx: &Cx) -> Option<Verdict> {
    let repeats = redeliveries(cx);
    let writes = || cx.ev.exchanges.iter().filter(|e| is_side_effect(e));
    let mut keys: Vec<String> = cx
        .ev
        .events
        .published
        .iter()
        .filter(|p| {
            repeats
                .iter()
                .any(|r| p.get("channel").and_then(Value::as_str) == Some(r.channel))
        })
        .filter_map(|p| p.get("payload")?.get(field).and_then(scalar))
        .filter(|k| !k.is_empty())
        .collect();
    keys.dedup();
    let handled = |key: &str| writes().any(|e| applies(e, key));
    let none_at_all = if keys.is_empty() {
        !writes().any(Exchange::succeeded)
    } else {
        !keys.iter().any(|k| handled(k))
    };
    if none_at_all {
        let which = if keys.is_empty() {
            String::new()
        } else {
            format!(" for any event's {field} ({})", keys.join(", "))
        };
        return Some(cx.fail(format!(
            "{}no event was handled, so idempotency could not be judged: no write your code made{which} succeeded. Apply each event first (the other checks say how); then a repeat of one must change nothing.",
            super::NOT_AWARDED
        )));
    }
    let (r, key) = repeats
        .iter()
        .filter_map(|r| Some((r, r.key(field)?)))
        .find(|(_, key)| !handled(key))?;
    Some(cx.fail(format!(
        "{}the redelivered event was never handled, so idempotency could not be judged: sflab delivered event {} of {} ({field} {key}) twice, and no write your code made for {key} succeeded, neither the first time nor the second. Apply every event; then a repeat of one must change nothing.",
        super::NOT_AWARDED,
        r.replay_id,
        r.channel
    )))
}

/// A write that can leave something behind: not a token request, not the streaming connection.
fn is_side_effect(e: &Exchange) -> bool {
    e.is_write()
        && !e.path().contains("/cometd/")
        && !e.path().trim_end_matches('/').ends_with("/oauth/token")
}

/// A request body cut short for a message.
fn brief_body(e: &Exchange) -> String {
    let text = e.request.body.text.trim();
    let mut out: String = text.chars().take(80).collect();
    if text.chars().count() > 80 {
        out.push('…');
    }
    out
}

#[cfg(test)]
#[path = "redelivery_tests.rs"]
mod tests;
