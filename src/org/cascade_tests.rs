//! Deletes that reach other records: cascade, restrict and clear, with undelete and hard
//! delete, through the store's public DML.

use crate::org::store::Actor;
use crate::org::{ErrorCode, Org, SfId, Store};
use serde_json::{json, Map, Value as Json};

fn body(v: Json) -> Map<String, Json> {
    v.as_object().cloned().unwrap_or_default()
}

fn setup() -> (Org, Actor) {
    let org = Org::default_org();
    let actor = org.actor(org.user("integration").unwrap().id);
    (org, actor)
}

fn insert(s: &mut Store, object: &str, fields: Json, actor: &Actor) -> String {
    s.insert(object, &body(fields), actor).unwrap().to_string()
}

/// Whether the record is live, in the recycle bin, or gone for good.
fn state(s: &Store, id: &str) -> &'static str {
    let id = SfId::parse(id).unwrap();
    match s.record(&id) {
        None => "gone",
        Some((t, r)) if s.table(t).is_deleted(r) => "recycled",
        Some(_) => "live",
    }
}

fn field(s: &Store, object: &str, id: &str, name: &str) -> Json {
    s.retrieve(object, id, None, "62.0").unwrap()[name].clone()
}

struct Family {
    account: String,
    contact: String,
    opportunity: String,
    task: String,
    contact_task: String,
}

impl Family {
    /// Every record of the family, the account first.
    fn all(&self) -> [&str; 5] {
        [
            &self.account,
            &self.contact,
            &self.opportunity,
            &self.task,
            &self.contact_task,
        ]
    }
}

fn assert_states(s: &Store, ids: &[&str], want: &str) {
    for id in ids {
        assert_eq!(state(s, id), want, "{id}");
    }
}

fn family(s: &mut Store, actor: &Actor) -> Family {
    let account = insert(s, "Account", json!({"Name": "Cascade Parent"}), actor);
    let contact = insert(
        s,
        "Contact",
        json!({"LastName": "Child", "AccountId": account}),
        actor,
    );
    let opportunity = insert(
        s,
        "Opportunity",
        json!({"Name": "Deal", "AccountId": account, "StageName": "Prospecting", "CloseDate": "2027-01-01"}),
        actor,
    );
    let task = insert(
        s,
        "Task",
        json!({"Subject": "Call", "WhatId": account}),
        actor,
    );
    let contact_task = insert(
        s,
        "Task",
        json!({"Subject": "Email", "WhoId": contact}),
        actor,
    );
    Family {
        account,
        contact,
        opportunity,
        task,
        contact_task,
    }
}

#[test]
fn deleting_an_account_takes_its_contacts_opportunities_and_activities_and_undelete_restores_them()
{
    let (org, actor) = setup();
    let mut s = org.store.write();
    let f = family(&mut s, &actor);
    let earlier = insert(
        &mut s,
        "Contact",
        json!({"LastName": "Left before", "AccountId": f.account}),
        &actor,
    );
    s.delete(None, &earlier, &actor).unwrap();

    s.delete(Some("Account"), &f.account, &actor).unwrap();
    assert_states(&s, &f.all(), "recycled");
    // A deleted child keeps its lookup, as queryAll shows it.
    let rec = SfId::parse(&f.contact).unwrap();
    assert!(s.record(&rec).is_some());

    s.undelete(&f.account, &actor).unwrap();
    assert_states(&s, &f.all(), "live");
    assert_eq!(
        field(&s, "Contact", &f.contact, "AccountId"),
        json!(f.account)
    );
    // Deleted on its own before: not part of the account's deletion.
    assert_eq!(state(&s, &earlier), "recycled");
}

#[test]
fn an_account_with_cases_or_orders_cannot_be_deleted_and_nothing_changes() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let f = family(&mut s, &actor);
    let case = insert(
        &mut s,
        "Case",
        json!({"Subject": "Broken valve", "AccountId": f.account}),
        &actor,
    );
    let number = field(&s, "Case", &case, "CaseNumber");
    let e = s.delete(Some("Account"), &f.account, &actor).unwrap_err();
    assert_eq!(e.code, ErrorCode::DELETE_FAILED);
    assert_eq!(
        e.message,
        format!(
            "Your attempt to delete Cascade Parent could not be completed because it is associated with the following cases.: {}",
            number.as_str().unwrap()
        )
    );
    assert_states(&s, &[&f.account, &f.contact, &f.opportunity, &case], "live");

    s.delete(None, &case, &actor).unwrap();
    let order = insert(
        &mut s,
        "Order",
        json!({"AccountId": f.account, "EffectiveDate": "2026-11-01", "Status": "Draft"}),
        &actor,
    );
    let e = s.delete(Some("Account"), &f.account, &actor).unwrap_err();
    assert_eq!(e.code, ErrorCode::DELETE_FAILED);
    assert!(
        e.message.contains("associated with the following orders"),
        "{}",
        e.message
    );
    s.delete(None, &order, &actor).unwrap();
    s.delete(Some("Account"), &f.account, &actor).unwrap();
}

#[test]
fn other_lookups_to_a_deleted_record_are_cleared() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let parent = insert(&mut s, "Account", json!({"Name": "Holding"}), &actor);
    let subsidiary = insert(
        &mut s,
        "Account",
        json!({"Name": "Subsidiary", "ParentId": parent}),
        &actor,
    );
    let boss = insert(&mut s, "Contact", json!({"LastName": "Boss"}), &actor);
    let report = insert(
        &mut s,
        "Contact",
        json!({"LastName": "Report", "ReportsToId": boss}),
        &actor,
    );
    let case = insert(
        &mut s,
        "Case",
        json!({"Subject": "Question", "ContactId": boss}),
        &actor,
    );
    let heard = s.record_changes();
    s.delete(None, &boss, &actor).unwrap();
    assert_eq!(field(&s, "Contact", &report, "ReportsToId"), Json::Null);
    assert_eq!(field(&s, "Case", &case, "ContactId"), Json::Null);
    assert_eq!(heard.lock().unwrap().len(), 3, "the delete and two updates");
    s.delete(None, &parent, &actor).unwrap();
    assert_eq!(field(&s, "Account", &subsidiary, "ParentId"), Json::Null);
    assert_eq!(state(&s, &subsidiary), "live");
}

#[test]
fn hard_deleting_an_account_removes_what_went_with_it_for_good() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    // Live: planned and removed at once.
    let f = family(&mut s, &actor);
    s.hard_delete(&f.account, &actor).unwrap();
    assert_states(&s, &f.all(), "gone");
    // Recycled first (a Bulk hardDelete deletes, then empties the bin).
    let g = family(&mut s, &actor);
    s.delete(None, &g.account, &actor).unwrap();
    s.hard_delete(&g.account, &actor).unwrap();
    assert_states(&s, &g.all(), "gone");
}

#[test]
fn a_rolled_back_batch_leaves_the_children_live() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let f = family(&mut s, &actor);
    let r: Result<(), crate::org::SfError> = s.all_or_none(|s| {
        s.delete(None, &f.account, &actor)?;
        Err(crate::org::SfError::new(
            ErrorCode::INVALID_FIELD,
            "later failure",
        ))
    });
    assert!(r.is_err());
    assert_states(&s, &f.all(), "live");
}

#[test]
fn describe_tells_which_children_cascade_and_which_restrict() {
    let (org, _) = setup();
    let s = org.store.read();
    let account = s.schema().object("Account").unwrap();
    let d = crate::org::describe::describe_sobject(account, "62.0");
    let rel = |child: &str, field: &str| {
        d["childRelationships"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["childSObject"] == child && r["field"] == field)
            .map(|r| (r["cascadeDelete"].clone(), r["restrictedDelete"].clone()))
            .unwrap_or_else(|| panic!("no {child}.{field}"))
    };
    assert_eq!(rel("Contact", "AccountId"), (json!(true), json!(false)));
    assert_eq!(rel("Opportunity", "AccountId"), (json!(true), json!(false)));
    assert_eq!(rel("Case", "AccountId"), (json!(false), json!(true)));
    assert_eq!(rel("Order", "AccountId"), (json!(false), json!(true)));
}

#[test]
fn records_deleted_by_one_call_keep_their_lookups_to_one_another_in_any_order() {
    let (org, actor) = setup();
    for parent_first in [true, false] {
        let mut s = org.store.write();
        let parent = insert(&mut s, "Account", json!({"Name": "Group"}), &actor);
        let child = insert(
            &mut s,
            "Account",
            json!({"Name": "Member", "ParentId": parent}),
            &actor,
        );
        let ids = if parent_first {
            vec![parent.clone(), child.clone()]
        } else {
            vec![child.clone(), parent.clone()]
        };
        let heard = s.record_changes();
        let out = crate::org::composite::collections::delete(&mut s, &actor, &ids, true);
        assert!(out.iter().all(|r| r.success()), "{parent_first}");
        assert_eq!(heard.lock().unwrap().len(), 2, "two deletes, no update");
        s.undelete(&parent, &actor).unwrap();
        s.undelete(&child, &actor).unwrap();
        assert_eq!(
            field(&s, "Account", &child, "ParentId"),
            json!(parent),
            "parent first: {parent_first}"
        );
    }
}

#[test]
fn undelete_puts_back_the_lookups_a_real_org_restores_and_leaves_the_others_cleared() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let boss = insert(&mut s, "Contact", json!({"LastName": "Boss"}), &actor);
    let report = insert(
        &mut s,
        "Contact",
        json!({"LastName": "Report", "ReportsToId": boss}),
        &actor,
    );
    let case = insert(
        &mut s,
        "Case",
        json!({"Subject": "Question", "ContactId": boss}),
        &actor,
    );
    s.delete(None, &boss, &actor).unwrap();
    assert_eq!(field(&s, "Contact", &report, "ReportsToId"), Json::Null);
    s.undelete(&boss, &actor).unwrap();
    assert_eq!(field(&s, "Contact", &report, "ReportsToId"), json!(boss));
    // Case.ContactId is not among the relationships an undelete restores.
    assert_eq!(field(&s, "Case", &case, "ContactId"), Json::Null);
}

#[test]
fn undelete_leaves_a_lookup_that_was_replaced_meanwhile() {
    let (org, actor) = setup();
    let mut s = org.store.write();
    let parent = insert(&mut s, "Account", json!({"Name": "Holding"}), &actor);
    let other = insert(&mut s, "Account", json!({"Name": "Other holding"}), &actor);
    let kept = insert(
        &mut s,
        "Account",
        json!({"Name": "Kept", "ParentId": parent}),
        &actor,
    );
    let moved = insert(
        &mut s,
        "Account",
        json!({"Name": "Moved", "ParentId": parent}),
        &actor,
    );
    s.delete(None, &parent, &actor).unwrap();
    s.update("Account", &moved, &body(json!({"ParentId": other})), &actor)
        .unwrap();
    s.undelete(&parent, &actor).unwrap();
    assert_eq!(field(&s, "Account", &kept, "ParentId"), json!(parent));
    assert_eq!(field(&s, "Account", &moved, "ParentId"), json!(other));
}
