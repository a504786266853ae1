//! What deleting a record does to the records that point at it, as real orgs do for the
//! objects sflab models (pure planning here; `dml` applies the plan).
//!
//! - **Cascade**: the record's dependants go to the recycle bin with it — an Account takes its
//!   Contacts, Opportunities and activities (Tasks); a Contact, Lead, Opportunity or Case takes
//!   its Tasks; an Order takes its OrderItems — and so on down. Undeleting the record restores
//!   what went with it; hard-deleting it removes them for good.
//! - **Restrict**: a record that live Cases point at (an Account, by `Case.AccountId`), or that a
//!   required lookup of another live record points at (`Order.AccountId`), cannot be deleted:
//!   `DELETE_FAILED`, naming them. Nothing is deleted.
//! - **Clear**: every other lookup pointing at a deleted record is cleared (a custom lookup's
//!   default, "clear the value of this field"; `Contact.ReportsToId`, `Account.ParentId`) —
//!   except in a record the same delete call removes too ([`Store::deleting_together`]).
//!   Undeleting the record puts back the cleared lookups of the kinds a real org restores
//!   ([`restored_on_undelete`]), where nothing has replaced them meanwhile.
//!
//! Sources: Salesforce Help, "Delete Accounts": the items moved to the recycle bin with an
//! account (contacts, opportunities, activities…), restored with it, and that an account with
//! associated cases cannot be deleted. The `DELETE_FAILED` text follows the message orgs are
//! reported to give for an account with cases ("Your attempt to delete Acme could not be
//! completed because it is associated with the following cases.: 00001026").
//!
//! The Apex Developer Guide ("Deleting Records", referential integrity): the relationships an
//! undelete restores — parent accounts, parent cases, a contact's Reports To, an asset's
//! product, a quote's opportunity, every custom lookup — and only where the lookup was not
//! replaced meanwhile.
//!
//! Implementation notes: [U] restricting on a required lookup (Orders of an Account) follows
//! the rule that a required lookup cannot be cleared, not an observed org. Which records went
//! with a deleted one, and which lookups it cleared, is remembered in memory only (a saved and
//! reloaded org restores the record alone). Closed-won opportunities, activated contracts and portal users,
//! which also block an account's deletion, are not modelled.

use super::error::{ErrorCode, SfError};
use super::ids::SfId;
use super::schema::{FieldDef, FieldType, Schema};
use super::store::Store;
use super::value::Value;

/// `(parent object, child object, the child's lookup field)`: children deleted with the parent.
const CASCADES: &[(&str, &str, &str)] = &[
    ("Account", "Contact", "AccountId"),
    ("Account", "Opportunity", "AccountId"),
    ("Account", "Task", "WhatId"),
    ("Contact", "Task", "WhoId"),
    ("Lead", "Task", "WhoId"),
    ("Opportunity", "Task", "WhatId"),
    ("Case", "Task", "WhatId"),
    ("Order", "OrderItem", "OrderId"),
];

/// `(parent object, child object, the child's lookup field)`: live children that forbid the
/// parent's deletion (besides required lookups).
const RESTRICTS: &[(&str, &str, &str)] = &[("Account", "Case", "AccountId")];

/// `(child object, lookup field)`: standard lookups an undelete restores when the delete
/// cleared them (custom lookups are restored too).
const RESTORED: &[(&str, &str)] = &[
    ("Account", "ParentId"),
    ("Case", "ParentId"),
    ("Contact", "ReportsToId"),
    ("Asset", "Product2Id"),
    ("Quote", "OpportunityId"),
];

/// Whether a lookup `field` of object `child` that a delete cleared is put back when the
/// deleted record is undeleted: custom lookups and the standard ones in [`RESTORED`]. Others
/// (`Case.ContactId`, `Opportunity.CampaignId`…) stay cleared.
pub(crate) fn restored_on_undelete(child: &str, field: &FieldDef) -> bool {
    field.custom
        || RESTORED
            .iter()
            .any(|(c, f)| c.eq_ignore_ascii_case(child) && f.eq_ignore_ascii_case(&field.name))
}

/// A lookup a delete cleared: `record`'s field `slot` pointed at `target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClearedLookup {
    pub(crate) record: SfId,
    pub(crate) slot: u16,
    pub(crate) target: SfId,
}

/// What a delete did besides putting the record itself in the recycle bin, kept so an undelete
/// can reverse it: the records that went with it, and the cleared lookups an undelete restores.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DeletedWith {
    pub(crate) records: Vec<SfId>,
    pub(crate) lookups: Vec<ClearedLookup>,
}

impl DeletedWith {
    pub(crate) fn is_empty(&self) -> bool {
        self.records.is_empty() && self.lookups.is_empty()
    }
}

/// What one lookup field does when the record it points at is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnDelete {
    Cascade,
    Restrict,
    Clear,
}

/// A record in a table: `(object index, row)`.
pub(crate) type Place = (usize, u32);

/// Everything a delete changes.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct DeletePlan {
    /// The records that go to the recycle bin, the one asked for first.
    pub(crate) deleted: Vec<(Place, SfId)>,
    /// Lookups to clear: `(object index, row, field slot, the deleted record it points at)`
    /// of live records not deleted.
    pub(crate) cleared: Vec<(usize, u32, u16, SfId)>,
}

impl DeletePlan {
    /// True when the delete touches only the record itself.
    pub(crate) fn is_alone(&self) -> bool {
        self.deleted.len() <= 1 && self.cleared.is_empty()
    }
}

/// What `field` of object `child` does when a `parent` record it points at is deleted; `None`
/// when it cannot point at one (or is a system field: owner, audit users).
pub(crate) fn on_delete_of(parent: &str, child: &str, field: &FieldDef) -> Option<OnDelete> {
    if field.field_type != FieldType::Reference
        || field.system.is_some()
        || !field
            .reference_to
            .iter()
            .any(|r| r.eq_ignore_ascii_case(parent))
    {
        return None;
    }
    let names = |list: &[(&str, &str, &str)]| {
        list.iter().any(|(lp, lc, lf)| {
            lp.eq_ignore_ascii_case(parent)
                && lc.eq_ignore_ascii_case(child)
                && lf.eq_ignore_ascii_case(&field.name)
        })
    };
    Some(if names(CASCADES) {
        OnDelete::Cascade
    } else if names(RESTRICTS) || !field.nillable {
        OnDelete::Restrict
    } else {
        OnDelete::Clear
    })
}

fn on_delete(schema: &Schema, parent: usize, child: usize, field: usize) -> Option<OnDelete> {
    let c = schema.object_at(child);
    on_delete_of(&schema.object_at(parent).name, &c.name, &c.fields[field])
}

impl Store {
    /// Plans deleting the live record at `start` (see the module header); `DELETE_FAILED` when
    /// a live record forbids it.
    pub(crate) fn plan_delete(&self, start: Place, id: SfId) -> Result<DeletePlan, SfError> {
        let mut plan = DeletePlan::default();
        plan.deleted.push((start, id));
        let mut next = 0;
        while next < plan.deleted.len() {
            let ((parent, _), parent_id) = plan.deleted[next];
            next += 1;
            for (child, table) in self.tables.iter().enumerate() {
                if table.is_empty() {
                    continue;
                }
                let object = self.schema.object_at(child);
                for field in 0..object.fields.len() {
                    let Some(rule) = on_delete(&self.schema, parent, child, field) else {
                        continue;
                    };
                    let pointing = table.iter().filter(|(_, r)| {
                        !table.is_deleted(r)
                            && matches!(r.get(field), Some(Value::Id(v)) if *v == parent_id)
                    });
                    for (row, rec) in pointing {
                        if plan.deleted.iter().any(|(p, _)| *p == (child, row)) {
                            continue;
                        }
                        match rule {
                            OnDelete::Cascade => {
                                if let Some(child_id) = table.id_of(rec) {
                                    plan.deleted.push(((child, row), child_id));
                                }
                            }
                            OnDelete::Restrict => {
                                return Err(self.delete_failed(child, field, parent_id))
                            }
                            OnDelete::Clear => {
                                let together = !self.deleting.is_empty()
                                    && table
                                        .id_of(rec)
                                        .is_some_and(|id| self.deleting.contains(&id));
                                if !together {
                                    plan.cleared.push((child, row, field as u16, parent_id));
                                }
                            }
                        }
                    }
                }
            }
        }
        // A record deleted further down keeps its lookups: nothing to clear in it.
        plan.cleared
            .retain(|(t, row, _, _)| !plan.deleted.iter().any(|(p, _)| *p == (*t, *row)));
        Ok(plan)
    }

    /// `DELETE_FAILED` for deleting record `parent`, which live records of object `child` point
    /// at through `field`.
    fn delete_failed(&self, child: usize, field: usize, parent: SfId) -> SfError {
        let record_name = |(t, row): Place| {
            let obj = self.schema.object_at(t);
            let rec = self.tables[t].row(row)?;
            let value = rec.get(obj.name_field()?)?;
            Some(value.text())
        };
        let parent_name = self
            .locate(&parent)
            .and_then(record_name)
            .unwrap_or_else(|| parent.to_string());
        let obj = self.schema.object_at(child);
        let table = &self.tables[child];
        let names: Vec<String> = table
            .iter()
            .filter(|(_, r)| {
                !table.is_deleted(r) && matches!(r.get(field), Some(Value::Id(v)) if *v == parent)
            })
            .filter_map(|(row, _)| record_name((child, row)))
            .take(10)
            .collect();
        SfError::new(
            ErrorCode::DELETE_FAILED,
            format!(
                "Your attempt to delete {parent_name} could not be completed because it is associated with the following {}.: {}",
                obj.label_plural.to_lowercase(),
                names.join(", ")
            ),
        )
    }
}

#[cfg(test)]
#[path = "cascade_tests.rs"]
mod tests;
