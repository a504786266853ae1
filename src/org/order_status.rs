//! An Order's status lifecycle: a new order starts in a Draft-category status, and an order
//! is activated only once it has order products (OrderItems). The Status picklist itself is
//! restricted (`standard_objects_commerce`), so a value outside Draft and Activated is refused
//! as INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST before these rules run.
//!
//! Implementation notes: the rules are Salesforce's as documented for orders (an order is
//! created as Draft, order products are added, then it is activated); the error code and
//! texts of the two refusals are not confirmed against a real org [U]. They apply to every
//! writer, seeds included, as no order reaches Activated any other way in a real org.

use super::error::{ErrorCode, SfError};
use super::ids::SfId;
use super::record::Record;
use super::store::Store;
use super::value::Value;

/// The status whose category is Activated (the only one the mock's picklist has).
const ACTIVATED: &str = "Activated";

fn status_of(store: &Store, t: usize, rec: &Record) -> Option<String> {
    let i = store.schema().object_at(t).field_index("Status")?;
    rec.get(i).and_then(Value::as_str).map(str::to_string)
}

fn is_order(store: &Store, t: usize) -> bool {
    store.schema().object_at(t).name == "Order"
}

/// Does the order `id` have an order product that is not deleted?
fn has_order_products(store: &Store, id: &SfId) -> bool {
    let Some(items) = store.schema().object_index("OrderItem") else {
        return false;
    };
    let Some(order_field) = store.schema().object_at(items).field_index("OrderId") else {
        return false;
    };
    let table = &store.tables[items];
    table.iter().any(|(_, r)| {
        !table.is_deleted(r) && matches!(r.get(order_field), Some(Value::Id(o)) if o == id)
    })
}

impl Store {
    /// Refuses a new order of object `t` whose status is not in the Draft category.
    pub(crate) fn check_new_order(&self, t: usize, rec: &Record) -> Result<(), SfError> {
        if !is_order(self, t) || status_of(self, t, rec).as_deref() != Some(ACTIVATED) {
            return Ok(());
        }
        Err(SfError::new(
            ErrorCode::FIELD_INTEGRITY_EXCEPTION,
            "You can't create an order with a status of Activated: create it as Draft, add its order products, then set Status to Activated.",
        )
        .with_fields(vec!["Status".to_string()]))
    }

    /// Refuses activating the order `id` (`old` → `new`) when it has no order products.
    pub(crate) fn check_order_activation(
        &self,
        t: usize,
        id: &SfId,
        old: &Record,
        new: &Record,
    ) -> Result<(), SfError> {
        if !is_order(self, t) {
            return Ok(());
        }
        let activating = status_of(self, t, new).as_deref() == Some(ACTIVATED)
            && status_of(self, t, old).as_deref() != Some(ACTIVATED);
        if !activating || has_order_products(self, id) {
            return Ok(());
        }
        Err(SfError::new(
            ErrorCode::FIELD_INTEGRITY_EXCEPTION,
            "You can't activate an order that has no order products: add at least one order product (OrderItem) first.",
        )
        .with_fields(vec!["Status".to_string()]))
    }
}

/// The order an order product of object `t` belongs to, when `t` is OrderItem.
fn order_of_item(store: &Store, t: usize, rec: &Record) -> Option<SfId> {
    let obj = store.schema().object_at(t);
    if obj.name != "OrderItem" {
        return None;
    }
    match rec.get(obj.field_index("OrderId")?) {
        Some(Value::Id(order)) => Some(*order),
        _ => None,
    }
}

/// Is the order `id` activated?
fn activated(store: &Store, id: &SfId) -> bool {
    store.record(id).is_some_and(|(t, rec)| {
        is_order(store, t) && status_of(store, t, rec).as_deref() == Some(ACTIVATED)
    })
}

impl Store {
    /// Refuses writing `rec`, an order product of an activated order (added, changed or
    /// deleted), or deleting `rec` when it is an activated order: an activated order is set
    /// back to Draft before its products change or it is deleted. [U] The code and texts are
    /// not confirmed against a real org.
    pub(crate) fn check_activated_order_lock(
        &self,
        t: usize,
        rec: &Record,
        deleting: bool,
    ) -> Result<(), SfError> {
        if let Some(order) = order_of_item(self, t, rec).filter(|o| activated(self, o)) {
            return Err(SfError::new(
                ErrorCode::FIELD_INTEGRITY_EXCEPTION,
                format!("You can't add, change or delete the order products of an activated order ({order}): set its Status back to Draft first."),
            ));
        }
        let is_activated_order =
            is_order(self, t) && status_of(self, t, rec).as_deref() == Some(ACTIVATED);
        if deleting && is_activated_order {
            return Err(SfError::new(
                ErrorCode::FIELD_INTEGRITY_EXCEPTION,
                "You can't delete an activated order: set its Status back to Draft first.",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::org::store::Actor;
    use crate::org::{ErrorCode, Org, Store};
    use serde_json::{json, Map, Value as Json};

    fn body(v: Json) -> Map<String, Json> {
        v.as_object().unwrap().clone()
    }

    fn insert(s: &mut Store, object: &str, fields: Json, actor: &Actor) -> String {
        s.insert(object, &body(fields), actor).unwrap().to_string()
    }

    fn draft_order(s: &mut Store, actor: &Actor) -> String {
        let account = insert(s, "Account", json!({"Name": "Falcon"}), actor);
        insert(
            s,
            "Order",
            json!({"AccountId": account, "EffectiveDate": "2026-11-01"}),
            actor,
        )
    }

    /// A product priced in a new price book: what an order product is made of.
    fn price_book_entry(s: &mut Store, actor: &Actor) -> String {
        let product = insert(s, "Product2", json!({"Name": "Valve"}), actor);
        let book = insert(s, "Pricebook2", json!({"Name": "Standard"}), actor);
        insert(
            s,
            "PricebookEntry",
            json!({"Pricebook2Id": book, "Product2Id": product, "UnitPrice": 10}),
            actor,
        )
    }

    fn setup() -> (Org, Actor) {
        let org = Org::default_org();
        let actor = org.actor(org.user("integration").unwrap().id);
        (org, actor)
    }

    #[test]
    fn an_order_status_outside_the_picklist_is_refused() {
        let (org, actor) = setup();
        let mut s = org.store.write();
        let order = draft_order(&mut s, &actor);
        let e = s
            .update(
                "Order",
                &order,
                &body(json!({"Status": "Shipped!!"})),
                &actor,
            )
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST);
        assert_eq!(
            e.message,
            "Status: bad value for restricted picklist field: Shipped!!"
        );
        let described = s.schema().object("Order").unwrap().field("Status").unwrap();
        assert!(described.restricted_picklist);
    }

    #[test]
    fn an_order_status_cannot_be_emptied_and_a_case_status_is_required() {
        let (org, actor) = setup();
        let mut s = org.store.write();
        let order = draft_order(&mut s, &actor);
        for empty in [json!(null), json!("")] {
            let e = s
                .update("Order", &order, &body(json!({ "Status": empty })), &actor)
                .unwrap_err();
            assert_eq!(e.code, ErrorCode::INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST);
        }
        let account = insert(&mut s, "Account", json!({"Name": "Kite"}), &actor);
        let e = s
            .insert(
                "Order",
                &body(json!({"AccountId": account, "EffectiveDate": "2026-11-01", "Status": null})),
                &actor,
            )
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST);
        // Left out, it is filled in; a defaulted field that is not restricted is required.
        let case = insert(&mut s, "Case", json!({"Subject": "Late"}), &actor);
        let e = s
            .update("Case", &case, &body(json!({"Status": null})), &actor)
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::REQUIRED_FIELD_MISSING);
        assert_eq!(e.message, "Required fields are missing: [Status]");
    }

    #[test]
    fn an_activated_orders_products_and_the_order_itself_are_locked_until_it_is_draft_again() {
        let (org, actor) = setup();
        let mut s = org.store.write();
        let order = draft_order(&mut s, &actor);
        let entry = price_book_entry(&mut s, &actor);
        let item = |s: &mut Store| {
            s.insert(
                "OrderItem",
                &body(json!({"OrderId": order, "PricebookEntryId": entry, "Quantity": 1, "UnitPrice": 10})),
                &actor,
            )
        };
        let first = item(&mut s)
            .expect("a draft order takes products")
            .to_string();
        let activate = |s: &mut Store, status: &str| {
            s.update("Order", &order, &body(json!({ "Status": status })), &actor)
        };
        activate(&mut s, "Activated").unwrap();
        let locked = |e: crate::org::SfError| {
            assert_eq!(
                e.code,
                ErrorCode::FIELD_INTEGRITY_EXCEPTION,
                "{}",
                e.message
            );
        };
        locked(item(&mut s).unwrap_err());
        locked(
            s.update("OrderItem", &first, &body(json!({"Quantity": 9})), &actor)
                .unwrap_err(),
        );
        locked(s.delete(Some("OrderItem"), &first, &actor).unwrap_err());
        locked(s.delete(Some("Order"), &order, &actor).unwrap_err());
        activate(&mut s, "Draft").unwrap();
        s.update("OrderItem", &first, &body(json!({"Quantity": 9})), &actor)
            .unwrap();
        s.delete(Some("Order"), &order, &actor).unwrap();
    }

    #[test]
    fn a_new_order_cannot_start_activated() {
        let (org, actor) = setup();
        let mut s = org.store.write();
        let account = insert(&mut s, "Account", json!({"Name": "Falcon"}), &actor);
        let e = s
            .insert(
                "Order",
                &body(json!({"AccountId": account, "EffectiveDate": "2026-11-01", "Status": "Activated"})),
                &actor,
            )
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::FIELD_INTEGRITY_EXCEPTION);
        assert_eq!(e.fields, vec!["Status".to_string()]);
        let order = draft_order(&mut s, &actor);
        assert_eq!(
            s.retrieve("Order", &order, None, "62.0").unwrap()["Status"],
            "Draft"
        );
    }

    #[test]
    fn an_order_is_activated_only_once_it_has_order_products() {
        let (org, actor) = setup();
        let mut s = org.store.write();
        let order = draft_order(&mut s, &actor);
        let activate = body(json!({"Status": "Activated"}));
        let e = s.update("Order", &order, &activate, &actor).unwrap_err();
        assert_eq!(e.code, ErrorCode::FIELD_INTEGRITY_EXCEPTION);
        assert!(e.message.contains("no order products"), "{}", e.message);

        let entry = price_book_entry(&mut s, &actor);
        insert(
            &mut s,
            "OrderItem",
            json!({"OrderId": order, "PricebookEntryId": entry, "Quantity": 2, "UnitPrice": 10}),
            &actor,
        );
        s.update("Order", &order, &activate, &actor).unwrap();
        assert_eq!(
            s.retrieve("Order", &order, None, "62.0").unwrap()["Status"],
            "Activated"
        );
        // Saving an activated order again is not another activation.
        s.update("Order", &order, &activate, &actor).unwrap();
    }
}
