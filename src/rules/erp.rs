//! `erp.*`: rules over the built-in mock ERP's order book, as the runner snapshots it after the
//! learner's last run (under the name [`ERP_ORDER_BOOK`] in the final org snapshot).
//!
//! - `erp.no_duplicate_orders`: no two ERP orders carry the same business key (by default the
//!   `salesforceId` the middleware sent; `idempotencyKey` is the header an order was created
//!   with), whatever outages, restarts and redeliveries happened; with `keys`, the ERP holds
//!   exactly those orders, so a dropped order shows as well as a doubled one; with `bodies`,
//!   each key's order says what that order says (an order under its own key but with another
//!   order's content is not that order).
//! - `erp.orders_written_back`: every ERP order is reflected on exactly one Salesforce record
//!   found by an external id (`ERP_Order_Id__c` = the order's key), with chosen fields equal to
//!   the ERP's values (the tracking number, say) — the write-back landed once, on the right row.
//!
//! Both need the mock's internals, so they are not applicable on a sandbox.

use super::cx::{show, Cx};
use super::redelivery::{new_id, redeliveries};
use super::{Verdict, NOT_AWARDED};
use crate::evidence::{Exchange, OrgSnapshot};
use crate::wording::plural;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The name the ERP's order book has in an org snapshot (not an sObject: no SOQL reaches it).
pub const ERP_ORDER_BOOK: &str = "ext:erp.orders";

fn default_key() -> String {
    "salesforceId".into()
}

/// `erp.no_duplicate_orders`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoDuplicateOrders {
    /// The order property that identifies the business order (`salesforceId`, `customer`).
    #[serde(default = "default_key")]
    pub key: String,
    /// The ERP must hold at least this many orders (so doing nothing does not pass).
    #[serde(default = "one")]
    pub min: usize,
    /// The business keys the ERP must hold, one order each (`[SO-7001, SO-7002]`).
    #[serde(default)]
    pub keys: Vec<String>,
    /// What the order held under each key must say (`SO-7001: { customer: Birch Analytics,
    /// lines: [{ sku: SKU-103, quantity: 2 }] }`): every property given, numbers by value. An
    /// order sent under its own key but with another order's content is not that order.
    #[serde(default)]
    pub bodies: BTreeMap<String, Value>,
}

/// The order property that holds the `Idempotency-Key` header an order was created with.
const HEADER_KEY: &str = "idempotencyKey";

/// `erp.orders_written_back`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrittenBack {
    /// The Salesforce object written back to, e.g. `Order`.
    pub object: String,
    /// Its external id field holding the ERP order's key, e.g. `ERP_Order_Id__c`.
    pub field: String,
    #[serde(default = "default_key")]
    pub key: String,
    /// Salesforce field → ERP order property that must be equal (`Tracking_Number__c:
    /// trackingNumber`).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    #[serde(default = "one")]
    pub min: usize,
}

fn one() -> usize {
    1
}

/// A JSON scalar as text for comparing (`null` and missing are empty).
fn text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The state after the last run, or the verdict to give when the ERP cannot be seen.
fn final_state<'a>(cx: &'a Cx) -> Result<&'a OrgSnapshot, Box<Verdict>> {
    if let Some(v) = cx.mock_only("the mock ERP's order book") {
        return Err(Box::new(v));
    }
    cx.ev.snapshots.final_state().ok_or_else(|| {
        Box::new(cx.fail(
            "No snapshot was taken after the run, so the ERP's orders cannot be checked; did the program start?",
        ))
    })
}

/// What the ERP holds when it holds fewer than `min` orders: how many, under which keys, the
/// keys that were sent (or, with `event_field`, carried by an event) but are not held, and what
/// the recorded order calls show — an answer that hands back an order the ERP already held (a
/// retry's, a repeated event's) is no new order. Worded from the orders alone: the same rules
/// judge labs where a middleware forwards events and labs where the learner's client sends the
/// orders.
fn too_few(
    cx: &Cx,
    book: &[Value],
    key: &str,
    min: usize,
    event_field: Option<&str>,
) -> Option<String> {
    (book.len() < min).then(|| {
        let keys: Vec<String> = book.iter().map(|o| text(o.get(key))).collect();
        let held = match book.len() {
            0 => "no order".to_string(),
            n => format!("{} ({key} {})", plural(n, "order"), brief(&keys)),
        };
        let expected = if min == 1 { "was" } else { "were" };
        let creates: Vec<&Exchange> = order_creates(cx).collect();
        let answered = creates.iter().filter(|e| e.status() == Some(201)).count();
        let again = creates
            .iter()
            .filter(|e| e.succeeded() && new_id(cx, e).is_none())
            .count();
        let seen = match creates.len() {
            0 => "no such call was recorded".to_string(),
            n => format!(
                "{} recorded, {answered} answered 201{}",
                if n == 1 { "1 call was".to_string() } else { format!("{n} calls were") },
                match again {
                    0 => String::new(),
                    k => format!(
                        "; {k} of those handed back an order the ERP already held, as a retry or a repeated event is answered, and made no new one"
                    ),
                }
            ),
        };
        let missing = unheld(cx, &creates, &keys, key, event_field);
        let missing = if missing.is_empty() {
            String::new()
        } else {
            format!(" Not in the ERP: {}.", missing.join("; "))
        };
        format!(
            "The ERP holds {held}; at least {min} {expected} expected.{missing} Check that each order is sent with POST /ext/erp/orders and answered 201 ({seen})."
        )
    })
}

/// The business key an order call carries: its `Idempotency-Key` header or its body's `key`.
fn call_key(e: &Exchange, key: &str) -> Option<String> {
    let k = if key == HEADER_KEY {
        e.request_header("idempotency-key").map(str::to_string)
    } else {
        e.request_json().map(|b| text(b.get(key)))
    };
    k.filter(|k| !k.is_empty())
}

/// A clause per key sent to the ERP, or carried by an event's `event_field`, that the ERP does
/// not hold (`held`): what became of its last call, or that none was made.
fn unheld(
    cx: &Cx,
    creates: &[&Exchange],
    held: &[String],
    key: &str,
    event_field: Option<&str>,
) -> Vec<String> {
    let mut out: Vec<(String, String)> = Vec::new();
    let sent: Vec<(String, &Exchange)> = creates
        .iter()
        .filter_map(|e| Some((call_key(e, key)?, *e)))
        .filter(|(k, _)| !held.contains(k))
        .collect();
    for (k, _) in &sent {
        if out.iter().any(|(seen, _)| seen == k) {
            continue;
        }
        let calls: Vec<&Exchange> = sent.iter().filter(|(o, _)| o == k).map(|c| c.1).collect();
        let Some(last) = calls.last() else { continue };
        let which = if calls.len() == 1 {
            "its only call"
        } else {
            "its last call"
        };
        let what = match last.status() {
            None => "got no answer".to_string(),
            Some(s) => format!("was answered {s}"),
        };
        let clause = format!(
            "{key} {k}: {which}, {}, {what}, and it was never sent again",
            show(last)
        );
        out.push((k.clone(), clause));
    }
    let carried = event_field.into_iter().flat_map(|field| {
        cx.ev
            .events
            .published
            .iter()
            .filter_map(move |p| Some(text(p.get("payload")?.get(field))))
    });
    for k in carried {
        if !k.is_empty() && !held.contains(&k) && !out.iter().any(|(seen, _)| *seen == k) {
            let clause = format!("{k}: an event carried it, but no order call was made for it");
            out.push((k, clause));
        }
    }
    out.into_iter().map(|(_, clause)| clause).collect()
}

/// The recorded calls that create an ERP order.
fn order_creates<'a>(cx: &'a Cx) -> impl Iterator<Item = &'a Exchange> + 'a {
    cx.ev
        .exchanges
        .iter()
        .filter(|e| e.method().eq_ignore_ascii_case("POST"))
        .filter(|e| e.path().trim_end_matches('/').ends_with("/orders"))
}

pub(crate) fn no_duplicate_orders(p: &NoDuplicateOrders, cx: &Cx) -> Verdict {
    let book = match final_state(cx) {
        Ok(s) => s.records(ERP_ORDER_BOOK),
        Err(v) => return *v,
    };
    let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut keyless = Vec::new();
    for o in book {
        let id = text(o.get("id"));
        let key = text(o.get(&p.key));
        if key.is_empty() {
            keyless.push(id);
        } else {
            by_key.entry(key).or_default().push(id);
        }
    }
    if !keyless.is_empty() && p.key == HEADER_KEY {
        return cx.fail(format!(
            "{} ERP order(s) were created without an Idempotency-Key header ({}), so a retry of any of them makes a second order; send the order's own key (its ref) as Idempotency-Key.",
            keyless.len(),
            brief(&keyless)
        ));
    }
    if !keyless.is_empty() {
        return cx.fail(format!(
            "{} ERP order(s) have no `{}` ({}), so nobody can tell which business order they belong to; send it in the order body.",
            keyless.len(),
            p.key,
            brief(&keyless)
        ));
    }
    let dups: Vec<String> = by_key
        .iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|(k, ids)| format!("{k} → {}", ids.join(", ")))
        .collect();
    let missing: Vec<String> = p
        .keys
        .iter()
        .filter(|k| !by_key.contains_key(*k))
        .cloned()
        .collect();
    let unexpected: Vec<String> = by_key
        .keys()
        .filter(|k| !p.keys.is_empty() && !p.keys.contains(k))
        .cloned()
        .collect();
    if let (true, Some(few)) = (dups.is_empty(), too_few(cx, book, &p.key, p.min, None)) {
        // Nothing was doubled, but too little was sent for that to mean much: the points wait
        // for the rule that names the missing orders, and its hints come first.
        return cx.fail(format!(
            "{NOT_AWARDED}no order was created twice, but that counts only once enough orders arrived. {few}"
        ));
    }
    if dups.is_empty() && !missing.is_empty() {
        // Orders under other keys: the keys are wrong, not the delivery.
        let (other, advice) = if unexpected.is_empty() {
            (
                String::new(),
                "An order that failed must be sent again later, not dropped.",
            )
        } else {
            (
                format!(
                    " It holds orders under {} instead, keys that are not the orders' own.",
                    brief(&unexpected)
                ),
                "Key each order by its own ref, the same on every try.",
            )
        };
        return cx.fail(format!(
            "The ERP holds no order with {} {}: {} never delivered (or not under its own key).{other} {advice}",
            p.key,
            brief(&missing),
            if missing.len() == 1 { "it was" } else { "they were" }
        ));
    }
    if let (true, Some(wrong)) = (dups.is_empty(), wrong_content(p, book)) {
        return cx.fail(wrong);
    }
    if dups.is_empty() {
        return cx.pass(format!(
            "The ERP holds {} order(s), one per {}.",
            book.len(),
            p.key
        ));
    }
    let doubled: Vec<(&String, &Vec<String>)> =
        by_key.iter().filter(|(_, ids)| ids.len() > 1).collect();
    let (redelivered, calls) = redelivered_creates(cx, &p.key, &doubled);
    let extra: usize = doubled.iter().map(|(_, ids)| ids.len() - 1).sum();
    let retried = extra > redelivered.len();
    let mut advice = Vec::new();
    if !redelivered.is_empty() {
        advice.push(format!(
            "{}: the repeated event was handled as a new order; no failed call was retried there. Take the Idempotency-Key from the order itself, not from the handling, so a repeated event replays the first order (or skip an event already handled).",
            redelivered.join("; ")
        ));
    }
    if retried || redelivered.is_empty() {
        advice.push("A retry after a failed or unanswered call must carry the same Idempotency-Key as the first try (derive it from the order, not from the attempt).".into());
    }
    cx.fail(format!(
        "The ERP created the same order more than once: {}. {}",
        dups.join("; "),
        advice.join(" ")
    ))
    .with_evidence(calls)
}

/// The doubled orders whose later create followed a redelivered event carrying their key
/// while the call before it for that key had succeeded (so no retry explains it): a clause
/// per order (`#57 POST /ext/erp/orders created ERP-000005 (SO-202)`) and the calls' seqs.
fn redelivered_creates(
    cx: &Cx,
    key: &str,
    doubled: &[(&String, &Vec<String>)],
) -> (Vec<String>, Vec<u64>) {
    let repeats = redeliveries(cx);
    let order_key = |e: &Exchange| -> Option<String> {
        if key == HEADER_KEY {
            e.request_header("idempotency-key").map(str::to_string)
        } else {
            e.request_json().map(|b| text(b.get(key)))
        }
    };
    let creates: Vec<&Exchange> = order_creates(cx).collect();
    let (mut clauses, mut seqs) = (Vec::new(), Vec::new());
    for (k, ids) in doubled {
        let tries: Vec<&&Exchange> = creates
            .iter()
            .filter(|e| order_key(e).as_deref() == Some(k.as_str()))
            .collect();
        for id in ids.iter().skip(1) {
            // Not found: its reply was lost, so the call that made it failed and a retry made
            // the next; first of all: nothing came before it to repeat.
            let Some(pos) = tries
                .iter()
                .position(|e| new_id(cx, e).as_ref() == Some(id))
            else {
                continue;
            };
            let (Some(prev), call) = (pos.checked_sub(1).map(|i| tries[i]), tries[pos]) else {
                continue;
            };
            let repeat = repeats
                .iter()
                .find(|r| r.carries(k) && r.precedes(call) && !r.precedes(prev));
            if let (true, Some(r)) = (prev.succeeded(), repeat) {
                clauses.push(format!(
                    "{} created {id} ({k}) once sflab had delivered event {} of {} again",
                    show(call),
                    r.replay_id,
                    r.channel
                ));
                seqs.push(call.seq);
            }
        }
    }
    (clauses, seqs)
}

/// What is wrong with the orders held under the keys `bodies` names, when one says something
/// else than its `bodies` entry: each such key with the first property that differs.
fn wrong_content(p: &NoDuplicateOrders, book: &[Value]) -> Option<String> {
    let wrong: Vec<String> = p
        .bodies
        .iter()
        .filter_map(|(key, want)| {
            let order = book.iter().find(|o| text(o.get(&p.key)) == *key)?;
            let want = want.as_object()?;
            let (field, expected) = want
                .iter()
                .find(|(f, v)| !same_value(order.get(f.as_str()).unwrap_or(&Value::Null), v))?;
            let got = order.get(field.as_str()).unwrap_or(&Value::Null);
            Some(format!(
                "{key} ({}) has {field} {} where the order says {}",
                text(order.get("id")),
                compact(got),
                compact(expected)
            ))
        })
        .collect();
    (!wrong.is_empty()).then(|| {
        format!(
            "{} of the ERP's orders hold{} another order's content: {}. Send each order's own {} under its own key, not the same body every time.",
            wrong.len(),
            if wrong.len() == 1 { "s" } else { "" },
            wrong.iter().take(4).cloned().collect::<Vec<_>>().join("; ")
                + &if wrong.len() > 4 { format!("; and {} more", wrong.len() - 4) } else { String::new() },
            p.bodies
                .values()
                .find_map(Value::as_object)
                .map(|o| o.keys().cloned().collect::<Vec<_>>().join(" and "))
                .unwrap_or_else(|| "content".into())
        )
    })
}

/// Whether the ERP's `got` says what `want` does: numbers by value (`2` is `2.0`), objects by
/// the properties `want` gives, lists item by item.
fn same_value(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Object(a), Value::Object(b)) => b
            .iter()
            .all(|(k, v)| same_value(a.get(k).unwrap_or(&Value::Null), v)),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_value(x, y))
        }
        (a, b) => a == b,
    }
}

/// A JSON value on one line, numbers as a person writes them (`2`, not `2.0`).
fn compact(v: &Value) -> String {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(compact).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{k}: {}", compact(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// Up to six items, then how many more.
fn brief(items: &[String]) -> String {
    let mut out = items.iter().take(6).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > 6 {
        out.push_str(&format!(" and {} more", items.len() - 6));
    }
    out
}

pub(crate) fn orders_written_back(p: &WrittenBack, cx: &Cx) -> Verdict {
    let (book, records) = match final_state(cx) {
        Ok(s) => (s.records(ERP_ORDER_BOOK), s.records(&p.object)),
        Err(v) => return *v,
    };
    if let Some(few) = too_few(cx, book, &p.key, p.min, Some(&p.field)) {
        return cx.fail(few);
    }
    let mut problems = Vec::new();
    for o in book {
        let id = text(o.get("id"));
        let key = text(o.get(&p.key));
        let rows: Vec<&Value> = records
            .iter()
            .filter(|r| !key.is_empty() && text(r.get(&p.field)) == key)
            .collect();
        match rows.as_slice() {
            [] => problems.push(format!(
                "ERP order {id} ({} {key:?}) has no {} with {} = {key:?}",
                p.key, p.object, p.field
            )),
            [row] => {
                for (sf, erp) in &p.fields {
                    let want = text(o.get(erp));
                    let got = text(row.get(sf));
                    if want != got {
                        problems.push(format!(
                            "{} {key}: {sf} is {got:?} but ERP order {id} says {want:?}",
                            p.object
                        ));
                    }
                }
            }
            many => problems.push(format!(
                "{} {} records have {} = {key:?}; an upsert by external id keeps one",
                many.len(),
                p.object,
                p.field
            )),
        }
    }
    if problems.is_empty() {
        return cx.pass(format!(
            "All {} ERP order(s) are written back to one {} each (by {}).",
            book.len(),
            p.object,
            p.field
        ));
    }
    problems.dedup();
    let shown: Vec<&String> = problems.iter().take(5).collect();
    cx.fail(format!(
        "{} write-back problem(s): {}{}.",
        problems.len(),
        shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        if problems.len() > 5 { "; …" } else { "" }
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use super::*;
    use crate::evidence::{Backend, Evidence};
    use serde_json::json;

    fn with_state(erp: Vec<Value>, orders: Vec<Value>) -> Evidence {
        let mut ev = evidence(vec![]);
        let mut snap = OrgSnapshot::default();
        snap.objects.insert(ERP_ORDER_BOOK.into(), erp);
        snap.objects.insert("Order".into(), orders);
        ev.snapshots.after_runs.push(snap);
        ev
    }

    fn erp(id: &str, sf: &str, trk: &str) -> Value {
        json!({"id": id, "salesforceId": sf, "trackingNumber": trk})
    }

    fn order(ext: &str, trk: &str) -> Value {
        json!({"Id": format!("801{ext}"), "ERP_Order_Id__c": ext, "Tracking_Number__c": trk})
    }

    const NO_DUPS: &str = "{ rule: erp.no_duplicate_orders, min: 2 }";
    const BACK: &str = "{ rule: erp.orders_written_back, object: Order, field: ERP_Order_Id__c, fields: { Tracking_Number__c: trackingNumber }, min: 2 }";

    #[test]
    fn one_erp_order_per_salesforce_order_passes() {
        let ev = with_state(
            vec![erp("ERP-1", "SO-1", "T1"), erp("ERP-2", "SO-2", "T2")],
            vec![order("SO-1", "T1"), order("SO-2", "T2")],
        );
        assert_passes(NO_DUPS, &ev);
        assert_passes(BACK, &ev);
    }

    #[test]
    fn a_second_erp_order_for_the_same_key_is_named() {
        let ev = with_state(
            vec![
                erp("ERP-1", "SO-1", "T1"),
                erp("ERP-2", "SO-2", "T2"),
                erp("ERP-3", "SO-1", "T3"),
            ],
            vec![order("SO-1", "T1"), order("SO-2", "T2")],
        );
        let v = assert_fails(NO_DUPS, &ev);
        assert!(v.message.contains("SO-1 → ERP-1, ERP-3"), "{}", v.message);
        let v = assert_fails(BACK, &ev);
        assert!(
            v.message.contains("ERP order ERP-3 says \"T3\""),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_duplicate_made_by_handling_a_redelivered_event_names_the_redelivery_not_a_retry() {
        let v = assert_fails(
            "{ rule: erp.no_duplicate_orders }",
            &redelivered_order(Some(("ERP-5", "T5"))),
        );
        assert!(
            v.message.contains("SO-2 → ERP-2, ERP-5")
                && v.message.contains("#4 POST /ext/erp/orders created ERP-5 (SO-2) once sflab had delivered event 2 of /event/OrderActivated__e again"),
            "{}",
            v.message
        );
        assert!(!v.message.contains("A retry after"), "{}", v.message);
        assert_eq!(v.evidence, vec![4]);
    }

    #[test]
    fn a_duplicate_after_a_failed_call_still_blames_the_retry() {
        // A second order made right after a lost reply (no redelivery in between).
        let key = r#"{"customer": "A-1", "lines": [], "salesforceId": "SO-1"}"#;
        let mut ev = evidence(vec![
            req("POST", "/ext/erp/orders", 201)
                .body(key)
                .response_body(r#"{"id": "ERP-1"}"#),
            req("POST", "/ext/erp/orders", 504).body(key),
            req("POST", "/ext/erp/orders", 201)
                .body(key)
                .response_body(r#"{"id": "ERP-2"}"#),
        ]);
        let mut snap = OrgSnapshot::default();
        snap.objects.insert(
            ERP_ORDER_BOOK.into(),
            vec![erp("ERP-1", "SO-1", "T1"), erp("ERP-2", "SO-1", "T2")],
        );
        ev.snapshots.after_runs.push(snap);
        let v = assert_fails("{ rule: erp.no_duplicate_orders }", &ev);
        assert!(
            v.message.contains("A retry after a failed"),
            "{}",
            v.message
        );
        assert!(!v.message.contains("delivered event"), "{}", v.message);
    }

    #[test]
    fn orders_without_the_key_or_too_few_orders_fail() {
        let ev = with_state(
            vec![erp("ERP-1", "SO-1", "T1"), json!({"id": "ERP-2"})],
            vec![],
        );
        let v = assert_fails(NO_DUPS, &ev);
        assert!(v.message.contains("ERP-2"), "{}", v.message);
        let v = assert_fails(NO_DUPS, &with_state(vec![], vec![]));
        assert!(
            v.message.contains(
                "The ERP holds no order; at least 2 were expected. Check that each order is sent with POST /ext/erp/orders and answered 201 (no such call was recorded)."
            ),
            "{}",
            v.message
        );
        assert!(!v.message.contains("event"), "{}", v.message);
    }

    #[test]
    fn no_orders_after_refused_calls_counts_the_calls_not_events() {
        // A client whose every order call the circuit breaker's ERP refused.
        let mut ev = evidence(vec![
            req("POST", "/ext/erp/orders", 503),
            req("POST", "/ext/erp/orders", 503),
        ]);
        ev.snapshots.after_runs.push({
            let mut snap = OrgSnapshot::default();
            snap.objects.insert(ERP_ORDER_BOOK.into(), vec![]);
            snap
        });
        let v = assert_fails("{ rule: erp.no_duplicate_orders, min: 3 }", &ev);
        assert!(
            v.message.contains("The ERP holds no order; at least 3 were expected. Check that each order is sent with POST /ext/erp/orders and answered 201 (2 calls were recorded, 0 answered 201)."),
            "{}",
            v.message
        );
        assert!(!v.message.contains("event"), "{}", v.message);
        let v = assert_fails("{ rule: erp.no_duplicate_orders }", &ev);
        assert!(
            v.message.contains("at least 1 was expected"),
            "{}",
            v.message
        );
    }

    #[test]
    fn too_few_orders_name_the_ones_held_and_hold_back_the_duplicate_points() {
        // One order of the two expected never arrived, and none was doubled: the write-back
        // rule fails for it, naming what the ERP holds; the duplicate rule's points are held
        // back (not awarded), so the hints of the real failure come first.
        let ev = with_state(vec![erp("ERP-1", "SO-1", "T1")], vec![order("SO-1", "T1")]);
        let v = assert_fails(BACK, &ev);
        assert!(
            v.message
                .contains("holds 1 order (salesforceId SO-1); at least 2 were expected"),
            "{}",
            v.message
        );
        assert!(!v.held_back(), "{}", v.message);
        let v = assert_fails(NO_DUPS, &ev);
        assert!(v.held_back(), "{}", v.message);
        assert!(v.message.contains("salesforceId SO-1"), "{}", v.message);
        // A doubled order is a real failure however few orders there are.
        let doubled = with_state(
            vec![erp("ERP-1", "SO-1", "T1"), erp("ERP-2", "SO-1", "T2")],
            vec![],
        );
        let v = assert_fails("{ rule: erp.no_duplicate_orders, min: 3 }", &doubled);
        assert!(
            !v.held_back() && v.message.contains("SO-1 → ERP-1, ERP-2"),
            "{}",
            v.message
        );
    }

    #[test]
    fn too_few_orders_name_the_missing_key_and_do_not_count_a_repeat_answer_as_an_order() {
        // SO-2 is held (its repeat was answered with the same order), SO-3's only call got no
        // answer (the middleware was stopped while it waited), SO-4 came in an event only.
        let mut ev = redelivered_order(None);
        let mut lost = req("POST", "/ext/erp/orders", 0)
            .at(1300, 5)
            .body(r#"{"customer": "A-1", "salesforceId": "SO-3"}"#);
        lost.response = None;
        lost.seq = 6;
        ev.exchanges.push(lost);
        ev.events.published.push(json!({"replay_id": 4, "channel": "/event/OrderActivated__e", "payload": {"ERP_Order_Id__c": "SO-4"}}));
        let back = "{ rule: erp.orders_written_back, object: Order, field: ERP_Order_Id__c, fields: { Tracking_Number__c: trackingNumber }, min: 3 }";
        let v = assert_fails(back, &ev);
        assert!(
            v.message.contains("salesforceId SO-3: its only call, #6 POST /ext/erp/orders, got no answer, and it was never sent again"),
            "{}",
            v.message
        );
        assert!(
            v.message
                .contains("SO-4: an event carried it, but no order call was made"),
            "{}",
            v.message
        );
        assert!(
            v.message
                .contains("2 answered 201; 1 of those handed back an order the ERP already held"),
            "{}",
            v.message
        );
        let v = assert_fails("{ rule: erp.no_duplicate_orders, min: 3 }", &ev);
        assert!(v.message.contains("SO-3: its only call"), "{}", v.message);
    }

    #[test]
    fn a_missing_or_doubled_write_back_fails() {
        let erp_book = vec![erp("ERP-1", "SO-1", "T1"), erp("ERP-2", "SO-2", "T2")];
        let v = assert_fails(
            BACK,
            &with_state(erp_book.clone(), vec![order("SO-1", "T1")]),
        );
        assert!(v.message.contains("ERP-2"), "{}", v.message);
        let v = assert_fails(
            BACK,
            &with_state(
                erp_book,
                vec![
                    order("SO-1", "T1"),
                    order("SO-2", "T2"),
                    order("SO-2", "T2"),
                ],
            ),
        );
        assert!(v.message.contains("2 Order records"), "{}", v.message);
    }

    const BY_HEADER: &str =
        "{ rule: erp.no_duplicate_orders, key: idempotencyKey, keys: [SO-1, SO-2, SO-3] }";

    fn keyed(id: &str, key: &str) -> Value {
        json!({"id": id, "customer": "Birch", "idempotencyKey": key})
    }

    #[test]
    fn every_listed_order_held_once_under_its_own_key_passes() {
        let ev = with_state(
            vec![
                keyed("ERP-1", "SO-1"),
                keyed("ERP-2", "SO-2"),
                keyed("ERP-3", "SO-3"),
            ],
            vec![],
        );
        assert_passes(BY_HEADER, &ev);
    }

    #[test]
    fn an_order_held_under_its_own_key_with_another_orders_content_fails() {
        let rule = "{ rule: erp.no_duplicate_orders, key: idempotencyKey, keys: [SO-1, SO-2], bodies: { SO-1: { customer: Birch, lines: [{ sku: S-1, quantity: 2 }] }, SO-2: { customer: Cobalt, lines: [{ sku: S-2, quantity: 3 }] } } }";
        let order = |id: &str, key: &str, customer: &str, sku: &str, qty: f64| json!({"id": id, "idempotencyKey": key, "customer": customer, "lines": [{"sku": sku, "quantity": qty}]});
        let right = with_state(
            vec![
                order("ERP-1", "SO-1", "Birch", "S-1", 2.0),
                order("ERP-2", "SO-2", "Cobalt", "S-2", 3.0),
            ],
            vec![],
        );
        assert_passes(rule, &right);
        // Twelve keys, one body: SO-2 went out with SO-1's customer and lines.
        let same_body = with_state(
            vec![
                order("ERP-1", "SO-1", "Birch", "S-1", 2.0),
                order("ERP-2", "SO-2", "Birch", "S-1", 2.0),
            ],
            vec![],
        );
        let v = assert_fails(rule, &same_body);
        assert!(
            v.message.contains("1 of the ERP's orders holds another order's content: SO-2 (ERP-2) has customer \"Birch\" where the order says \"Cobalt\"")
                && v.message.contains("Send each order's own customer and lines under its own key"),
            "{}",
            v.message
        );
        let wrong_quantity = with_state(
            vec![
                order("ERP-1", "SO-1", "Birch", "S-1", 2.0),
                order("ERP-2", "SO-2", "Cobalt", "S-2", 4.0),
            ],
            vec![],
        );
        let v = assert_fails(rule, &wrong_quantity);
        assert!(
            v.message.contains("SO-2 (ERP-2) has lines [{sku: \"S-2\", quantity: 4}] where the order says [{sku: \"S-2\", quantity: 3}]"),
            "{}",
            v.message
        );
    }

    #[test]
    fn an_order_dropped_while_another_was_sent_twice_is_named() {
        // The second SO-1 was replayed under its key, so the ERP holds two orders, not three.
        let ev = with_state(vec![keyed("ERP-1", "SO-1"), keyed("ERP-2", "SO-2")], vec![]);
        let v = assert_fails(BY_HEADER, &ev);
        assert!(
            v.message.contains("no order with idempotencyKey SO-3"),
            "{}",
            v.message
        );
        let random = with_state(
            vec![
                keyed("ERP-1", "a1"),
                keyed("ERP-2", "b2"),
                keyed("ERP-3", "c3"),
            ],
            vec![],
        );
        let v = assert_fails(BY_HEADER, &random);
        assert!(
            v.message.contains("under a1, b2, c3 instead"),
            "{}",
            v.message
        );
    }

    #[test]
    fn orders_created_without_an_idempotency_key_header_are_named() {
        let ev = with_state(
            vec![
                json!({"id": "ERP-1", "customer": "Birch"}),
                keyed("ERP-2", "SO-2"),
            ],
            vec![],
        );
        let v = assert_fails(BY_HEADER, &ev);
        assert!(
            v.message
                .contains("without an Idempotency-Key header (ERP-1)"),
            "{}",
            v.message
        );
    }

    #[test]
    fn on_a_sandbox_the_order_book_rules_do_not_apply() {
        let mut ev = with_state(vec![], vec![]);
        ev.backend = Backend::Sandbox;
        assert_not_applicable(NO_DUPS, &ev);
    }
}
