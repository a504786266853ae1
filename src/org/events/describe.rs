//! Platform events as sObjects for describe: `GET /sobjects/OrderShipped__e`, its
//! `/describe`, and their place in the describeGlobal list, as a real org shows them —
//! createable (publishing is an insert) and triggerable, but not queryable, updateable or
//! deletable. Fields: ReplayId, CreatedDate, CreatedById, EventUuid, then the event's own.

use super::defs::{FieldKind, PlatformEventDef};
use super::Events;
use crate::org::ids::custom_key_prefix;
use crate::org::schema::{FieldDef, FieldType, ObjectDef};

/// The sObject field type an event field of `kind` is described as.
pub(super) fn field_type(kind: FieldKind) -> FieldType {
    match kind {
        FieldKind::Text => FieldType::String,
        FieldKind::Long => FieldType::Int,
        FieldKind::Number => FieldType::Double,
        FieldKind::Boolean => FieldType::Boolean,
        FieldKind::Date => FieldType::Date,
        FieldKind::DateTime => FieldType::DateTime,
    }
}

pub(super) fn label_of(api_name: &str) -> String {
    api_name
        .trim_end_matches("__c")
        .replace('_', " ")
        .trim()
        .to_string()
}

/// The sObject view of the `n`-th platform event.
fn object_of(n: usize, def: &PlatformEventDef) -> ObjectDef {
    let mut o = ObjectDef::new(
        &def.name,
        &def.label,
        &def.label,
        &custom_key_prefix('e', n),
    );
    let system = |name: &str, label: &str, t: FieldType| {
        let mut f = FieldDef::new(name, label, t).read_only();
        f.defaulted_on_create = true;
        f
    };
    o.put_field(system("ReplayId", "Replay ID", FieldType::String));
    o.put_field(system("CreatedDate", "Created Date", FieldType::DateTime));
    o.put_field(
        system("CreatedById", "Created By ID", FieldType::Reference).lookup(
            "User",
            "CreatedBy",
            None,
        ),
    );
    o.put_field(system("EventUuid", "Event UUID", FieldType::String).with_length(36));
    for (name, kind) in &def.fields {
        let mut f = FieldDef::new(name, &label_of(name), field_type(*kind));
        if *kind == FieldKind::Text {
            f = f.with_length(super::publish::TEXT_LENGTH as u32);
        }
        o.put_field(f);
    }
    o
}

impl Events {
    /// The platform event `name` (any case) as an sObject, if the org defines it.
    pub fn event_object(&self, name: &str) -> Option<ObjectDef> {
        self.defs
            .platform
            .iter()
            .enumerate()
            .find(|(_, d)| d.name.eq_ignore_ascii_case(name))
            .map(|(n, d)| object_of(n, d))
    }

    /// Every platform event as an sObject, in definition order.
    pub fn event_objects(&self) -> Vec<ObjectDef> {
        self.defs
            .platform
            .iter()
            .enumerate()
            .map(|(n, d)| object_of(n, d))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::org::Org;

    #[test]
    fn a_platform_event_describes_as_a_createable_custom_object_with_its_fields() {
        let org = Org::default_org();
        let o = org.events.event_object("ordershipped__e").unwrap();
        assert_eq!(o.name, "OrderShipped__e");
        assert_eq!(o.label, "Order Shipped");
        assert!(o.key_prefix.starts_with('e'));
        for f in ["ReplayId", "EventUuid", "Order_Number__c", "Weight_Kg__c"] {
            assert!(o.field(f).is_some(), "{f}");
        }
        let d = crate::org::describe::describe_sobject(&o, "62.0");
        assert_eq!(d["createable"], true);
        assert_eq!(d["queryable"], false);
        assert_eq!(d["custom"], true);
        assert!(org.events.event_object("Account").is_none());
    }
}
