//! What every write to one object must do, resolved once from its [`ObjectDef`]: the field
//! slots of defaults, audit stamps, required, unique, auto-number and derived fields.
//!
//! The store keeps one [`ObjectRules`] per object, rebuilt whenever the schema changes, so a
//! DML call walks these short lists instead of scanning every field of the object (an
//! Account has dozens) or looking fields up by name.

use super::schema::{FieldType, ObjectDef, SystemField};
use super::value::Value;

/// Which audit value a stamped field receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stamp {
    /// The write's time, on create only (CreatedDate).
    CreatedAt,
    /// The acting user, on create only (CreatedById).
    CreatedBy,
    /// The write's time, on every write (LastModifiedDate, SystemModstamp).
    ModifiedAt,
    /// The acting user, on every write (LastModifiedById).
    ModifiedBy,
}

/// Read-only flags that follow from a status field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Closing {
    /// Opportunity: IsClosed from a `Closed…` stage, IsWon from `Closed Won`.
    Stage {
        stage: Option<u16>,
        closed: u16,
        won: u16,
    },
    /// Case and Task: IsClosed from a `Closed` or `Completed` status.
    Status { status: Option<u16>, closed: u16 },
}

/// A compound name the org builds from its parts (Contact and Lead `Name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CompoundName {
    pub name: u16,
    pub first: Option<u16>,
    pub last: u16,
}

/// One object's write rules, by field slot.
#[derive(Debug, Clone, Default)]
pub(crate) struct ObjectRules {
    /// The `Id` field's slot.
    pub id: u16,
    /// `OwnerId`, set to the actor on create when the caller leaves it out.
    pub owner: Option<u16>,
    /// Default values applied on create when the caller leaves the field out (false
    /// checkboxes are not stored, so they are not listed).
    pub defaults: Vec<(u16, Value)>,
    /// Fields a create must set, with their names for the error, in schema order.
    pub required: Vec<(u16, String)>,
    /// Unique fields checked on every write (system fields excluded).
    pub unique: Vec<u16>,
    /// Name fields numbered by the org on create (`00001001`…).
    pub auto_numbers: Vec<u16>,
    pub stamps: Vec<(u16, Stamp)>,
    pub compound_name: Option<CompoundName>,
    pub closing: Option<Closing>,
    /// Every field's name by slot, shared, so a change can list fields without copying them.
    pub names: super::change::FieldNames,
    /// The object's name, shared with the changes written to it.
    pub object: std::sync::Arc<str>,
}

fn slot(i: usize) -> u16 {
    // Objects have far fewer than 65,536 fields; records store slots as u16 throughout.
    i as u16
}

impl ObjectRules {
    pub(crate) fn of(obj: &ObjectDef) -> ObjectRules {
        let idx = |n: &str| obj.field_index(n).map(slot);
        let mut rules = ObjectRules {
            id: obj.system_index(SystemField::Id).map(slot).unwrap_or(0),
            names: obj.fields.iter().map(|f| f.name.as_str().into()).collect(),
            object: obj.name.as_str().into(),
            ..ObjectRules::default()
        };
        for (i, f) in obj.fields.iter().enumerate() {
            let i = slot(i);
            if f.name == "OwnerId" {
                rules.owner = Some(i);
            } else if let Some(d) = &f.default_value {
                if let Ok(Some(v)) = Value::from_json(f.field_type, d) {
                    if v != Value::Bool(false) {
                        rules.defaults.push((i, v));
                    }
                }
            }
            if f.required() && f.field_type != FieldType::Boolean {
                rules.required.push((i, f.name.clone()));
            }
            if f.unique && f.system.is_none() {
                rules.unique.push(i);
            }
            if f.name_field && !f.createable && f.field_type == FieldType::String && !f.nillable {
                rules.auto_numbers.push(i);
            }
            let stamp = match f.system {
                Some(SystemField::CreatedDate) => Stamp::CreatedAt,
                Some(SystemField::CreatedById) => Stamp::CreatedBy,
                Some(SystemField::LastModifiedDate | SystemField::SystemModstamp) => {
                    Stamp::ModifiedAt
                }
                Some(SystemField::LastModifiedById) => Stamp::ModifiedBy,
                _ => continue,
            };
            rules.stamps.push((i, stamp));
        }
        if let (Some(name), Some(last)) = (idx("Name"), idx("LastName")) {
            if !obj.fields[name as usize].createable {
                rules.compound_name = Some(CompoundName {
                    name,
                    first: idx("FirstName"),
                    last,
                });
            }
        }
        rules.closing = match obj.name.as_str() {
            "Opportunity" => match (idx("IsClosed"), idx("IsWon")) {
                (Some(closed), Some(won)) => Some(Closing::Stage {
                    stage: idx("StageName"),
                    closed,
                    won,
                }),
                _ => None,
            },
            "Case" | "Task" => idx("IsClosed").map(|closed| Closing::Status {
                status: idx("Status"),
                closed,
            }),
            _ => None,
        };
        rules
    }

    /// The audit stamps of a write by `user` at `now_ms`.
    pub(crate) fn stamp(
        &self,
        now_ms: i64,
        user: super::ids::SfId,
        creating: bool,
    ) -> Vec<(u16, Option<Value>)> {
        self.stamps(now_ms, user, creating)
            .map(|(i, v)| (i, Some(v)))
            .collect()
    }

    /// The audit stamps of one write, without collecting them. A real org keeps audit
    /// stamps to the second (they always read `….000+0000`), so writes within one second
    /// share a stamp — why a delta sync on `SystemModstamp > last` can miss a change.
    pub(crate) fn stamps(
        &self,
        now_ms: i64,
        user: super::ids::SfId,
        creating: bool,
    ) -> impl Iterator<Item = (u16, Value)> + '_ {
        let now_ms = now_ms - now_ms.rem_euclid(1000);
        self.stamps.iter().filter_map(move |&(i, kind)| {
            let v = match kind {
                Stamp::CreatedAt if creating => Value::DateTime(now_ms),
                Stamp::CreatedBy if creating => Value::Id(user),
                Stamp::ModifiedAt => Value::DateTime(now_ms),
                Stamp::ModifiedBy => Value::Id(user),
                _ => return None,
            };
            Some((i, v))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::standard_objects::standard_schema;

    fn rules_of(name: &str) -> (ObjectRules, ObjectDef) {
        let mut schema = standard_schema();
        schema.link();
        let obj = schema.object(name).cloned().expect("standard object");
        (ObjectRules::of(&obj), obj)
    }

    #[test]
    fn contact_name_is_compound_and_required_last_name_is_listed() {
        let (rules, obj) = rules_of("Contact");
        let c = rules.compound_name.expect("Contact builds its Name");
        assert_eq!(obj.fields[c.last as usize].name, "LastName");
        assert!(rules.required.iter().any(|(_, n)| n == "LastName"));
        assert!(rules.owner.is_some());
    }

    #[test]
    fn opportunity_closing_flags_follow_the_stage() {
        let (rules, obj) = rules_of("Opportunity");
        match rules.closing {
            Some(Closing::Stage { stage, won, .. }) => {
                assert_eq!(obj.fields[stage.unwrap() as usize].name, "StageName");
                assert_eq!(obj.fields[won as usize].name, "IsWon");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn stamps_on_update_leave_created_fields_alone() {
        let (rules, obj) = rules_of("Account");
        let user = crate::org::ids::SfId::from_15(b"005000000000001");
        let names = |v: Vec<(u16, Option<Value>)>| -> Vec<String> {
            v.iter()
                .map(|(i, _)| obj.fields[*i as usize].name.clone())
                .collect()
        };
        let created = names(rules.stamp(0, user, true));
        let updated = names(rules.stamp(0, user, false));
        assert!(created.contains(&"CreatedDate".to_string()));
        assert!(!updated.contains(&"CreatedDate".to_string()));
        assert!(updated.contains(&"LastModifiedById".to_string()));
        assert!(updated.contains(&"SystemModstamp".to_string()));
    }
}
