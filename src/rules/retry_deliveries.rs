//! Which calls an event delivery caused, so that `retry.backoff` does not take the handling
//! of a delivered event for a retry of the call before it.
//!
//! A subscriber that gets an event again (sflab's `redeliver`, a replay after a restart)
//! handles it again, and a well-made one sends the same request it sent the first time (the
//! same `Idempotency-Key`, the same body). That request looks like a retry of the first one,
//! but it was made because the event came, not because the first call failed: its "wait" is
//! the time the delivery happened to come, and says nothing of the client's back-off.
//!
//! Implementation notes: a request *carries* an event when its body or URL holds one of the
//! event's own values: a string field of its payload that no other event published on the
//! channel has (the order key `SO-102`, not the account every order shares). A delivery
//! *causes* the first request carrying its event that starts after it; a later one is the
//! client's own.

use crate::evidence::{Evidence, Exchange};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// One delivery of an event: when it reached the subscriber, and the values only that
/// event has.
struct Delivery {
    at: DateTime<Utc>,
    own_values: Vec<String>,
}

/// The deliveries of `ev`, each with its event's own values (see the module).
fn deliveries(ev: &Evidence) -> Vec<Delivery> {
    let key = |e: &Value| (text(e, "channel"), e.get("replay_id").cloned());
    let strings = |e: &Value| -> Vec<String> {
        e.get("payload")
            .and_then(Value::as_object)
            .map(|p| {
                p.values()
                    .filter_map(Value::as_str)
                    .filter(|s| s.trim().len() >= 3)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    ev.events
        .delivered
        .iter()
        .filter_map(|d| {
            let at = DateTime::parse_from_rfc3339(&text(d, "at"))
                .ok()?
                .with_timezone(&Utc);
            let published = &ev.events.published;
            let event = published.iter().find(|p| key(p) == key(d))?;
            let others: Vec<String> = published
                .iter()
                .filter(|p| key(p) != key(d) && text(p, "channel") == text(d, "channel"))
                .flat_map(strings)
                .collect();
            let own_values: Vec<String> = strings(event)
                .into_iter()
                .filter(|v| !others.contains(v))
                .collect();
            (!own_values.is_empty()).then_some(Delivery { at, own_values })
        })
        .collect()
}

fn text(v: &Value, field: &str) -> String {
    v.get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn carries(e: &Exchange, d: &Delivery) -> bool {
    d.own_values
        .iter()
        .any(|v| e.request.body.text.contains(v.as_str()) || e.request.url.contains(v.as_str()))
}

/// For each exchange, whether an event delivery caused it: a delivery of an event it carries
/// came before it, after the last earlier exchange of `same` kind that carries the event
/// (see the module). `same(a, b)` tells whether two exchanges are the same call.
pub(crate) fn caused_by_delivery(
    ev: &Evidence,
    same: impl Fn(&Exchange, &Exchange) -> bool,
) -> Vec<bool> {
    let ex = &ev.exchanges;
    let mut caused = vec![false; ex.len()];
    for d in deliveries(ev) {
        let first = ex
            .iter()
            .position(|e| e.started_at >= d.at && carries(e, &d));
        if let Some(j) = first {
            // A redelivery is a repeat only of a call made before: the first handling of an
            // event is no retry anyway.
            let repeat = ex[..j].iter().any(|e| same(e, &ex[j]));
            caused[j] |= repeat;
        }
    }
    caused
}

#[cfg(test)]
#[path = "retry_deliveries_tests.rs"]
mod tests;
