//! The mock ERP's order book: orders created with an idempotency key, read back by id,
//! searched by filter, and the shipment each order gets (whose status the courier reports).
//!
//! Pure state, no HTTP. Shipment status follows the org clock, so a lab can advance time to see
//! an order delivered: label created for the first hour, in transit until 24 hours, then
//! delivered.

use crate::json_canonical::canonical;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// One ERP order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErpOrder {
    pub id: String,
    pub customer: String,
    pub lines: Vec<ErpLine>,
    /// The Salesforce record the order came from, if the caller said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub salesforce_id: Option<String>,
    pub total_quantity: f64,
    pub tracking_number: String,
    #[serde(skip)]
    pub created: DateTime<Utc>,
    /// The `Idempotency-Key` the order was created with, if any (kept for the `erp.*` rules;
    /// the ERP does not answer it).
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErpLine {
    pub sku: String,
    pub quantity: f64,
}

/// Why the ERP refuses an order request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErpError {
    #[error("{0}")]
    Invalid(String),
    #[error("the Idempotency-Key was already used with a different request body; use a new key for a new order")]
    KeyReused,
    #[error("no order with id {0}")]
    NotFound(String),
}

/// The order book.
#[derive(Debug, Default)]
pub struct OrderBook {
    orders: BTreeMap<String, ErpOrder>,
    /// Idempotency key → (digest of the body, order id).
    keys: HashMap<String, ([u8; 32], String)>,
    next: u64,
    /// Where order numbers start (see [`OrderBook::number_orders_after`]); tracking numbers
    /// do not move with it.
    first_number: u64,
}

/// What a create did: a new order, or the replay of an earlier one with the same key.
#[derive(Debug, Clone, PartialEq)]
pub enum Placed {
    Created(ErpOrder),
    Replayed(ErpOrder),
}

fn parse_order(body: &Json) -> Result<(String, Vec<ErpLine>, Option<String>), ErpError> {
    let customer = body
        .get("customer")
        .and_then(Json::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            ErpError::Invalid("'customer' is required: the customer's name or number".into())
        })?;
    let raw = body
        .get("lines")
        .and_then(Json::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            ErpError::Invalid("'lines' is required: a non-empty array of {sku, quantity}".into())
        })?;
    let mut lines = Vec::with_capacity(raw.len());
    for (i, l) in raw.iter().enumerate() {
        let sku = l.get("sku").and_then(Json::as_str).unwrap_or("");
        let qty = l.get("quantity").and_then(Json::as_f64).unwrap_or(0.0);
        if sku.is_empty() || qty <= 0.0 {
            return Err(ErpError::Invalid(format!(
                "lines[{i}] needs a 'sku' and a positive numeric 'quantity'"
            )));
        }
        lines.push(ErpLine {
            sku: sku.to_string(),
            quantity: qty,
        });
    }
    let sf = body
        .get("salesforceId")
        .and_then(Json::as_str)
        .map(str::to_string);
    Ok((customer.to_string(), lines, sf))
}

impl OrderBook {
    /// Creates an order, or replays the one an earlier call with the same key created.
    pub fn place(
        &mut self,
        key: Option<&str>,
        body: &Json,
        now: DateTime<Utc>,
    ) -> Result<Placed, ErpError> {
        // The body as a value: the same order re-serialised (keys reordered, `2.0` for `2`)
        // is the same request, and replays.
        let digest: [u8; 32] = Sha256::digest(canonical(body).as_bytes()).into();
        if let Some(k) = key {
            if let Some((d, id)) = self.keys.get(k) {
                if *d != digest {
                    return Err(ErpError::KeyReused);
                }
                if let Some(o) = self.orders.get(id) {
                    return Ok(Placed::Replayed(o.clone()));
                }
            }
        }
        let (customer, lines, salesforce_id) = parse_order(body)?;
        self.next += 1;
        let id = format!("ERP-{:06}", self.first_number + self.next);
        let order = ErpOrder {
            total_quantity: lines.iter().map(|l| l.quantity).sum(),
            tracking_number: format!("TRK{:08}", 41_000_000 + self.next),
            id: id.clone(),
            customer,
            lines,
            salesforce_id,
            created: now,
            idempotency_key: key.map(str::to_string),
        };
        self.orders.insert(id.clone(), order.clone());
        if let Some(k) = key {
            self.keys.insert(k.to_string(), (digest, id));
        }
        Ok(Placed::Created(order))
    }

    /// Numbers the orders placed from now on after `floor` (`ERP-004001` after 4000): a lab
    /// attempt's ERP starts at a number of its own, so an order id printed by an earlier
    /// attempt (or typed into a program) is not one this ERP answered. Kept below a million,
    /// so ids keep six digits and sort in the order they were made.
    pub fn number_orders_after(&mut self, floor: u64) {
        self.first_number = floor.min(899_999);
    }

    /// The number the next order id is made after.
    #[cfg(test)]
    pub(crate) fn numbered_after(&self) -> u64 {
        self.first_number + self.next
    }

    pub fn get(&self, id: &str) -> Result<&ErpOrder, ErpError> {
        self.orders
            .get(id)
            .ok_or_else(|| ErpError::NotFound(id.to_string()))
    }

    pub fn by_tracking(&self, tracking: &str) -> Option<&ErpOrder> {
        self.orders.values().find(|o| o.tracking_number == tracking)
    }

    /// Every order, oldest first (ids grow with each order).
    pub fn all(&self) -> impl Iterator<Item = &ErpOrder> {
        self.orders.values()
    }

    pub fn len(&self) -> usize {
        self.orders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }

    /// Orders matching every given filter: `customer` (exact, case-insensitive), `sku` (any
    /// line), `status` (shipment status now).
    pub fn search(&self, filter: &Json, now: DateTime<Utc>) -> Vec<&ErpOrder> {
        let customer = filter.get("customer").and_then(Json::as_str);
        let sku = filter.get("sku").and_then(Json::as_str);
        let status = filter.get("status").and_then(Json::as_str);
        self.orders
            .values()
            .filter(|o| customer.is_none_or(|c| o.customer.eq_ignore_ascii_case(c)))
            .filter(|o| sku.is_none_or(|s| o.lines.iter().any(|l| l.sku == s)))
            .filter(|o| status.is_none_or(|s| shipment_status(o, now) == s))
            .collect()
    }
}

/// The keys a search filter may hold, each a string (see [`OrderBook::search`]).
pub const SEARCH_FILTERS: &[&str] = &["customer", "sku", "status"];

/// Why a search filter (a JSON object) cannot be applied: a key the search does not know
/// (`salesforceId`, a typo) or a value that is not a string. Ignoring such a key would answer
/// every order, as if the filter had matched them all.
pub fn filter_problem(filter: &serde_json::Map<String, Json>) -> Option<String> {
    let known = "the search filters by customer, sku and status (each a string), or send {} for every order";
    if let Some(key) = filter
        .keys()
        .find(|k| !SEARCH_FILTERS.contains(&k.as_str()))
    {
        return Some(format!("Unknown filter key \"{key}\": {known}."));
    }
    filter
        .iter()
        .find(|(_, v)| !v.is_string())
        .map(|(key, _)| format!("The filter \"{key}\" must be a string: {known}."))
}

/// Where an order's shipment is, on the org clock.
pub fn shipment_status(order: &ErpOrder, now: DateTime<Utc>) -> &'static str {
    let age = now - order.created;
    if age < Duration::hours(1) {
        "label_created"
    } else if age < Duration::hours(24) {
        "in_transit"
    } else {
        "delivered"
    }
}

/// The order as the ERP answers it.
pub fn order_json(order: &ErpOrder, now: DateTime<Utc>) -> Json {
    let mut v = serde_json::to_value(order).unwrap_or(Json::Null);
    v["createdAt"] = json!(order.created.to_rfc3339());
    v["shipmentStatus"] = json!(shipment_status(order, now));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(customer: &str) -> Json {
        json!({"customer": customer, "lines": [{"sku": "S-1", "quantity": 2}]})
    }

    #[test]
    fn the_same_key_and_body_replays_the_first_order() {
        let mut b = OrderBook::default();
        let now = Utc::now();
        let Placed::Created(first) = b.place(Some("k1"), &body("Falcon"), now).unwrap() else {
            panic!()
        };
        let Placed::Replayed(again) = b.place(Some("k1"), &body("Falcon"), now).unwrap() else {
            panic!()
        };
        assert_eq!(first.id, again.id);
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn the_same_body_with_keys_reordered_or_numbers_respelled_replays() {
        let mut b = OrderBook::default();
        let now = Utc::now();
        let sent: Json = serde_json::from_str(
            r#"{"customer":"Falcon","lines":[{"sku":"V-1","quantity":2}],"salesforceId":"SO-1"}"#,
        )
        .unwrap();
        let Placed::Created(first) = b.place(Some("SO-1"), &sent, now).unwrap() else {
            panic!()
        };
        for again in [
            r#"{"salesforceId":"SO-1","customer":"Falcon","lines":[{"quantity":2,"sku":"V-1"}]}"#,
            r#"{"customer": "Falcon", "lines": [{"sku": "V-1", "quantity": 2.0}], "salesforceId": "SO-1"}"#,
        ] {
            let again: Json = serde_json::from_str(again).unwrap();
            let Placed::Replayed(o) = b.place(Some("SO-1"), &again, now).unwrap() else {
                panic!("{again} should replay the first order")
            };
            assert_eq!(o.id, first.id);
        }
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn orders_numbered_after_a_floor_keep_their_tracking_numbers() {
        let mut b = OrderBook::default();
        b.number_orders_after(4000);
        let Placed::Created(o) = b.place(Some("k1"), &body("Falcon"), Utc::now()).unwrap() else {
            panic!()
        };
        assert_eq!(o.id, "ERP-004001");
        assert_eq!(o.tracking_number, "TRK41000001");
        b.number_orders_after(u64::MAX);
        let Placed::Created(o) = b.place(None, &body("Falcon"), Utc::now()).unwrap() else {
            panic!()
        };
        assert_eq!(o.id, "ERP-900001", "six digits, however high the floor");
    }

    #[test]
    fn a_reused_key_with_another_body_is_refused() {
        let mut b = OrderBook::default();
        let now = Utc::now();
        b.place(Some("k1"), &body("Falcon"), now).unwrap();
        assert_eq!(
            b.place(Some("k1"), &body("Harbor"), now),
            Err(ErpError::KeyReused)
        );
    }

    #[test]
    fn without_a_key_each_call_creates_an_order() {
        let mut b = OrderBook::default();
        let now = Utc::now();
        b.place(None, &body("Falcon"), now).unwrap();
        b.place(None, &body("Falcon"), now).unwrap();
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn invalid_orders_name_the_problem() {
        let mut b = OrderBook::default();
        let e = b.place(
            None,
            &json!({"customer": "x", "lines": [{"sku": "a", "quantity": -1}]}),
            Utc::now(),
        );
        assert!(matches!(e, Err(ErpError::Invalid(m)) if m.contains("lines[0]")));
    }

    #[test]
    fn shipments_progress_with_org_time_and_search_filters_by_status() {
        let mut b = OrderBook::default();
        let t0 = Utc::now();
        b.place(None, &body("Falcon"), t0).unwrap();
        b.place(None, &body("Harbor"), t0 + Duration::hours(30))
            .unwrap();
        let now = t0 + Duration::hours(30);
        assert_eq!(b.search(&json!({"status": "delivered"}), now).len(), 1);
        assert_eq!(
            b.search(
                &json!({"status": "label_created", "customer": "harbor"}),
                now
            )
            .len(),
            1
        );
        assert_eq!(b.search(&json!({}), now).len(), 2);
    }
}
