//! Object and field permissions: permission sets, built-in profiles, and the [`Access`] query
//! the REST layer asks before it reads or writes a record.
//!
//! Implementation notes: real profiles carry hundreds of settings; the mock models three
//! built-in ones. "System Administrator" may do everything; "Standard User" has full CRUD on
//! the standard objects and sees all their fields; any other profile (including "Minimum
//! Access - API Only Integrations", the one integration users get) grants nothing, so access
//! comes from permission sets alone. Permission sets grant object rights and field rights;
//! `Id`, `Name` and the audit fields are always visible where the object is readable, as in
//! a real org where they cannot be hidden (with the schema at hand, [`FieldReads`] also
//! keeps required and name fields readable, as the writes leave them out of field-level
//! security). `Object.*` grants a right on every field of an object, `*` (objects) and `*.*`
//! (fields) on all of them.
//!
//! Every user may read User records and their standard fields, whatever their profile and
//! permission sets: no object permission governs reading User in a real org (which users one
//! sees follows user sharing, and an org's internal users see one another by default), so
//! `Owner.Name`, `CreatedBy.Username` and a user's own record work for anyone who can read
//! the records that point at them. Custom User fields follow field grants as elsewhere;
//! creating or editing users still needs a grant (Manage Users, in a real org).

use super::users::Directory;
use crate::org::schema::{FieldDef, ObjectDef};
use serde::Deserialize;
use std::collections::BTreeMap;

/// An object-level operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Read,
    Create,
    Edit,
    Delete,
    /// "View All Records" on the object (seed key `view_all`): read every record whatever
    /// the sharing. Change Data Capture subscribers need it (or View All Data) to receive an
    /// object's change events. It implies Read.
    ViewAll,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldRight {
    Read,
    Edit,
}

/// A permission set: object rights (`Account: [read, create]`) and field rights
/// (`Account.Industry: [read, edit]`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionSet {
    pub name: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub objects: BTreeMap<String, Vec<Op>>,
    #[serde(default)]
    pub fields: BTreeMap<String, Vec<FieldRight>>,
    #[serde(default)]
    pub view_all_data: bool,
    #[serde(default)]
    pub modify_all_data: bool,
    /// The "Bulk API Hard Delete" system permission (seed key `bulk_api_hard_delete: true`):
    /// Bulk API 2.0 `hardDelete` jobs. See [`Access::may_bulk_hard_delete`].
    #[serde(default)]
    pub bulk_api_hard_delete: bool,
}

/// A refusal in the REST API's terms: `[{"errorCode": …, "message": …}]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error_code}: {message}")]
pub struct Refusal {
    pub error_code: &'static str,
    pub message: String,
}

const STANDARD_OBJECTS: &[&str] = &[
    "Account",
    "Contact",
    "Lead",
    "Opportunity",
    "Case",
    "Task",
    "Event",
    "Campaign",
    "Product2",
    "Pricebook2",
    "Order",
    "Contract",
];

const ALWAYS_VISIBLE: &[&str] = &[
    "Id",
    "Name",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
    "IsDeleted",
    "OwnerId",
];

/// Answers "may this user do that" from the users and permission sets of an org (borrowed
/// from the org's configuration, so asking costs no copies).
#[derive(Debug, Clone, Copy)]
pub struct Access<'a> {
    users: &'a Directory,
    sets: &'a [PermissionSet],
}

impl<'a> Access<'a> {
    pub fn new(users: &'a Directory, sets: &'a [PermissionSet]) -> Access<'a> {
        Access { users, sets }
    }

    fn grants(&self, user_id: &str) -> Grants<'a> {
        let Some(user) = self.users.by_id(user_id) else {
            return Grants {
                profile: None,
                sets: Vec::new(),
            };
        };
        let sets = self
            .sets
            .iter()
            .filter(|s| user.permission_sets.iter().any(|n| n == &s.name))
            .collect();
        Grants {
            profile: Some(user.profile.as_str()),
            sets,
        }
    }

    fn object_allowed(&self, user_id: &str, object: &str, op: Op) -> bool {
        self.grants(user_id).object_allowed(object, op)
    }

    /// May the user perform `op` on records of `object`?
    pub fn can(&self, user_id: &str, object: &str, op: Op) -> Result<(), Refusal> {
        if self.object_allowed(user_id, object, op) {
            return Ok(());
        }
        // The texts below are the ones orgs are reported to send; the exact wording for
        // create/edit/delete refusals is not verified against a real org. Nor is the code:
        // one third-party note of a live org's `POST /sobjects/Contact` by an integration
        // user without Create records 400 with CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY and
        // "entity type cannot be inserted: Contact".
        //
        // An API refuses these as a DML error: the REST resources with 400 and
        // `[{"message","errorCode","fields"}]`, collections and trees per record.
        Err(match op {
            Op::Read => Refusal {
                error_code: "INVALID_TYPE",
                message: format!(
                    "sObject type '{object}' is not supported. If you are attempting to use a \
                     custom object, be sure to append the '__c' after the entity name. Please \
                     reference your WSDL or the describe call for the appropriate names."
                ),
            },
            Op::Create => refusal(format!("entity type cannot be inserted: {object}")),
            Op::Edit => refusal(format!("entity type cannot be updated: {object}")),
            Op::Delete => refusal(format!("entity type cannot be deleted: {object}")),
            // [U] No API call refuses with this text; it says what is missing.
            Op::ViewAll => refusal(format!(
                "View All Records on {object} (or View All Data) is required"
            )),
        })
    }

    /// Can the user see `field` of `object` (field-level security)?
    pub fn field_visible(&self, user_id: &str, object: &str, field: &str) -> bool {
        self.field_allowed(user_id, object, field, FieldRight::Read)
    }

    /// Can the user write `field` of `object`?
    pub fn field_editable(&self, user_id: &str, object: &str, field: &str) -> bool {
        self.field_allowed(user_id, object, field, FieldRight::Edit)
    }

    /// The refusal for writing fields the user cannot edit.
    pub fn field_refusal(fields: &[&str]) -> Refusal {
        Refusal {
            error_code: "INVALID_FIELD_FOR_INSERT_UPDATE",
            message: format!(
                "Unable to create/update fields: {}. Please check the security settings of this \
                 field and verify that it is read/write for your profile or permission set.",
                fields.join(", ")
            ),
        }
    }

    fn field_allowed(&self, user_id: &str, object: &str, field: &str, right: FieldRight) -> bool {
        self.grants(user_id).field_allowed(object, field, right)
    }

    /// What `user_id` may read, field by field, copied out of the org's configuration.
    pub fn field_reads(&self, user_id: &str) -> FieldReads {
        let grants = self.grants(user_id);
        FieldReads {
            profile: grants.profile.map(str::to_string),
            sets: grants.sets.into_iter().cloned().collect(),
        }
    }
}

/// The grants one user holds: their profile and the permission sets assigned to them.
struct Grants<'a> {
    profile: Option<&'a str>,
    sets: Vec<&'a PermissionSet>,
}

/// The object every user may read (see the module notes).
const READ_BY_EVERYONE: &str = "User";

/// A field of the object every user may read that every user sees: its standard fields.
fn read_by_everyone(object: &str, field: &str) -> bool {
    object.eq_ignore_ascii_case(READ_BY_EVERYONE) && !field.ends_with("__c")
}

impl Grants<'_> {
    fn object_allowed(&self, object: &str, op: Op) -> bool {
        let Some(profile) = self.profile else {
            return false;
        };
        // The administrator profile carries View All Data (and so View All on every object).
        if profile == "System Administrator"
            || (op == Op::Read && object.eq_ignore_ascii_case(READ_BY_EVERYONE))
        {
            return true;
        }
        // Standard User has CRUD on the standard objects, not View All on them.
        if profile == "Standard User"
            && op != Op::ViewAll
            && STANDARD_OBJECTS
                .iter()
                .any(|o| o.eq_ignore_ascii_case(object))
        {
            return true;
        }
        self.sets.iter().any(|s| {
            s.modify_all_data
                || (s.view_all_data && matches!(op, Op::Read | Op::ViewAll))
                || s.objects.iter().any(|(o, ops)| {
                    (o == "*" || o.eq_ignore_ascii_case(object))
                        && (ops.contains(&op) || (op == Op::Read && ops.contains(&Op::ViewAll)))
                })
        })
    }

    fn field_allowed(&self, object: &str, field: &str, right: FieldRight) -> bool {
        if !self.object_allowed(object, Op::Read) {
            return false;
        }
        let profile = self.profile.unwrap_or("");
        if profile == "System Administrator"
            || (profile == "Standard User"
                && STANDARD_OBJECTS
                    .iter()
                    .any(|o| o.eq_ignore_ascii_case(object)))
            || self
                .sets
                .iter()
                .any(|s| s.modify_all_data || (s.view_all_data && right == FieldRight::Read))
        {
            return true;
        }
        if right == FieldRight::Read
            && (ALWAYS_VISIBLE.iter().any(|f| f.eq_ignore_ascii_case(field))
                || read_by_everyone(object, field))
        {
            return true;
        }
        let key = format!("{object}.{field}");
        let all = format!("{object}.*");
        self.sets.iter().any(|s| {
            s.fields.iter().any(|(k, rights)| {
                (k == "*.*" || k.eq_ignore_ascii_case(&key) || k.eq_ignore_ascii_case(&all))
                    && (rights.contains(&right)
                        || (right == FieldRight::Read && rights.contains(&FieldRight::Edit)))
            })
        })
    }
}

/// What one user may read, field by field (field-level security on reads): their grants,
/// copied out of the org's configuration so that a query or a record render can ask field
/// after field without holding it.
#[derive(Debug, Clone)]
pub struct FieldReads {
    profile: Option<String>,
    sets: Vec<PermissionSet>,
}

impl FieldReads {
    /// May the user read `field` of `object`? Only where they may read the object; then the
    /// org's own fields (Id and the audit fields), required fields and name fields always, as
    /// the writes leave them out of field-level security (a real org offers no setting that
    /// hides them); any other field where a grant allows it.
    pub fn readable(&self, object: &ObjectDef, field: &FieldDef) -> bool {
        let grants = Grants {
            profile: self.profile.as_deref(),
            sets: self.sets.iter().collect(),
        };
        if !grants.object_allowed(&object.name, Op::Read) {
            return false;
        }
        field.system.is_some()
            || field.required()
            || field.name_field
            || grants.field_allowed(&object.name, &field.name, FieldRight::Read)
    }
}

/// Permission sets every mock org has, like the standard permission sets of a real org.
/// `sflab_Integration`: full access to every object and field, for integration users of
/// the default org (labs about permissions define narrower sets of their own).
pub fn builtin_permission_sets() -> Vec<PermissionSet> {
    vec![PermissionSet {
        name: "sflab_Integration".into(),
        label: Some("sflab integration access".into()),
        objects: BTreeMap::from([(
            "*".to_string(),
            vec![Op::Read, Op::Create, Op::Edit, Op::Delete, Op::ViewAll],
        )]),
        fields: BTreeMap::from([("*.*".to_string(), vec![FieldRight::Edit])]),
        view_all_data: false,
        modify_all_data: false,
        bulk_api_hard_delete: false,
    }]
}

/// The "Bulk API Hard Delete" system permission.
///
/// Implementation notes: in a real org no one has it until an administrator grants it (a
/// profile or permission set with "Bulk API Hard Delete"); the System Administrator profile
/// does not carry it by default (plugin-data: "This permission is disabled by default and can
/// be enabled only by a system administrator"). sflab keeps that: no built-in profile and no
/// built-in permission set (not `sflab_Integration`) grants it, so the default org's admin
/// and integration user are both refused; a seed grants it with a permission set that says
/// `bulk_api_hard_delete: true`. Nothing in the default org's labs hard deletes.
impl Access<'_> {
    /// May the user run Bulk API hardDelete jobs? Only through a permission set granting
    /// `bulk_api_hard_delete`; an unknown user may not.
    pub fn may_bulk_hard_delete(&self, user_id: &str) -> bool {
        let Some(user) = self.users.by_id(user_id) else {
            return false;
        };
        self.sets
            .iter()
            .any(|s| s.bulk_api_hard_delete && user.permission_sets.iter().any(|n| n == &s.name))
    }
}

impl super::server::AuthServer {
    /// Whether `user_id` holds the "Bulk API Hard Delete" permission. A system permission is
    /// checked whether or not the org enforces object access (`auth: { enforce_object_access }`
    /// governs object and field rights only).
    pub fn may_bulk_hard_delete(&self, user_id: &str) -> bool {
        self.with_config(|c| c.access().may_bulk_hard_delete(user_id))
    }
}

#[cfg(test)]
mod hard_delete_tests {
    use super::*;
    use crate::org::auth::users::User;

    #[test]
    fn only_a_permission_set_granting_it_lets_a_user_bulk_hard_delete() {
        let users: Vec<User> = serde_yaml::from_str(
            "- { username: admin@x.dev, profile: System Administrator }\n\
             - { username: int@x.dev, profile: Integration User, permission_sets: [sflab_Integration] }\n\
             - { username: purger@x.dev, profile: Standard User, permission_sets: [Purge] }\n",
        )
        .unwrap();
        let mut sets: Vec<PermissionSet> =
            serde_yaml::from_str("- { name: Purge, bulk_api_hard_delete: true }\n").unwrap();
        sets.extend(builtin_permission_sets());
        let d = Directory::new(users);
        let ids: Vec<&str> = d.all().iter().map(|u| u.id.as_str()).collect();
        let a = Access::new(&d, &sets);
        assert!(
            !a.may_bulk_hard_delete(ids[0]),
            "not the admin's by default"
        );
        assert!(
            !a.may_bulk_hard_delete(ids[1]),
            "not the integration user's"
        );
        assert!(a.may_bulk_hard_delete(ids[2]));
        assert!(!a.may_bulk_hard_delete("005000000000999AAA"));
    }
}

fn refusal(message: String) -> Refusal {
    Refusal {
        error_code: "INSUFFICIENT_ACCESS_OR_READONLY",
        message,
    }
}

/// What one user may do with one object: the rights describe reports for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectRights {
    pub read: bool,
    pub create: bool,
    pub edit: bool,
    pub delete: bool,
}

impl ObjectRights {
    /// Narrows an object's describe keys (`createable`, `updateable`, `deletable`, …) to
    /// these rights: a flag stays true only where the object allows it and the user may.
    pub fn narrow_describe(&self, header: &mut serde_json::Map<String, serde_json::Value>) {
        let mut and = |key: &str, right: bool| {
            if let Some(serde_json::Value::Bool(flag)) = header.get_mut(key) {
                *flag = *flag && right;
            }
        };
        and("createable", self.create);
        and("updateable", self.edit);
        and("deletable", self.delete);
        and("undeletable", self.delete);
        and("mergeable", self.edit && self.delete);
        for key in ["queryable", "retrieveable", "searchable", "replicateable"] {
            and(key, self.read);
        }
    }
}

/// Why an API call may not touch records of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectDenial {
    /// The user cannot read the object: to them it does not exist, and every API answers
    /// as it answers for an unknown object.
    Unseen,
    /// The user can read the object but not make this write.
    Refused(Refusal),
}

impl<'a> Access<'a> {
    /// Everything the user may do with `object`.
    pub fn rights(&self, user_id: &str, object: &str) -> ObjectRights {
        let may = |op| self.object_allowed(user_id, object, op);
        ObjectRights {
            read: may(Op::Read),
            create: may(Op::Create),
            edit: may(Op::Edit),
            delete: may(Op::Delete),
        }
    }
}

impl super::server::AuthServer {
    /// Whether the org checks object access on API calls (`auth: { enforce_object_access }`).
    pub fn enforces_object_access(&self) -> bool {
        self.with_config(|c| c.settings.enforce_object_access)
    }

    /// The user's rights on `object` where the org enforces object access; `None` where it
    /// does not (the user may do whatever the object allows).
    pub fn object_rights(&self, user_id: &str, object: &str) -> Option<ObjectRights> {
        self.with_config(|c| {
            c.settings
                .enforce_object_access
                .then(|| c.access().rights(user_id, object))
        })
    }

    /// What `user_id` may read, field by field, where the org enforces object access; `None`
    /// where it does not (every field of a record is read).
    pub fn field_reads(&self, user_id: &str) -> Option<FieldReads> {
        self.with_config(|c| {
            c.settings
                .enforce_object_access
                .then(|| c.access().field_reads(user_id))
        })
    }

    /// Why `user_id` may not `op` records of `object` (a read is asked first: an object the
    /// user cannot read is [`ObjectDenial::Unseen`] whatever the operation); `None` when
    /// allowed or when the org does not enforce object access.
    pub fn object_denial(&self, user_id: &str, object: &str, op: Op) -> Option<ObjectDenial> {
        if self.object_refusal(user_id, object, Op::Read).is_some() {
            return Some(ObjectDenial::Unseen);
        }
        self.object_refusal(user_id, object, op)
            .map(ObjectDenial::Refused)
    }

    /// Of the fields a write names on `object`, those the user may not edit (field-level
    /// security), where the org enforces object access; empty where it does not.
    pub fn uneditable_fields<'f>(
        &self,
        user_id: &str,
        object: &str,
        fields: impl IntoIterator<Item = &'f str>,
    ) -> Vec<&'f str> {
        self.with_config(|c| {
            if !c.settings.enforce_object_access {
                return Vec::new();
            }
            let access = c.access();
            fields
                .into_iter()
                .filter(|f| !access.field_editable(user_id, object, f))
                .collect()
        })
    }

    /// Field-level security on one record's write, where the org enforces object access:
    /// the INVALID_FIELD_FOR_INSERT_UPDATE refusal naming the body's fields the user may not
    /// edit, with those fields; `None` when every field may be written or nothing is
    /// enforced. Required fields and the org's own fields are left out: a real org sets no
    /// field-level security on them (and the store refuses writes no one may make).
    pub fn field_write_refusal<'k>(
        &self,
        user_id: &str,
        object: &crate::org::schema::ObjectDef,
        keys: impl IntoIterator<Item = &'k String>,
    ) -> Option<(Refusal, Vec<String>)> {
        if !self.enforces_object_access() {
            return None;
        }
        let named: Vec<&str> = keys
            .into_iter()
            .filter_map(|k| {
                object
                    .field(k)
                    .or_else(|| object.field_by_relationship(k).map(|i| &object.fields[i]))
            })
            .filter(|f| !f.required() && f.system.is_none() && (f.createable || f.updateable))
            .map(|f| f.name.as_str())
            .collect();
        let refused = self.uneditable_fields(user_id, &object.name, named);
        (!refused.is_empty()).then(|| {
            (
                Access::field_refusal(&refused),
                refused.into_iter().map(str::to_string).collect(),
            )
        })
    }

    /// Why `user_id` may not `op` records of `object`, when the org enforces object access
    /// (`auth: { enforce_object_access: true }`); `None` when allowed or not enforced.
    pub fn object_refusal(&self, user_id: &str, object: &str, op: Op) -> Option<Refusal> {
        self.with_config(|c| {
            if !c.settings.enforce_object_access {
                return None;
            }
            c.access().can(user_id, object, op).err()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::auth::users::User;

    fn access() -> (Directory, Vec<PermissionSet>, [String; 3]) {
        let users: Vec<User> = serde_yaml::from_str(
            "- { username: admin@x.dev, profile: System Administrator }\n\
             - { username: int@x.dev, profile: 'Minimum Access - API Only Integrations', permission_sets: [Sync] }\n\
             - { username: bare@x.dev, profile: 'Minimum Access - API Only Integrations' }\n",
        )
        .unwrap();
        let sets: Vec<PermissionSet> = serde_yaml::from_str(
            "- name: Sync\n  objects: { Account: [read, create, edit] }\n  fields: { Account.Industry: [read], Account.ERP_Id__c: [edit] }\n",
        )
        .unwrap();
        let d = Directory::new(users);
        let ids: Vec<String> = d.all().iter().map(|u| u.id.clone()).collect();
        (d, sets, [ids[0].clone(), ids[1].clone(), ids[2].clone()])
    }

    #[test]
    fn permission_set_grants_only_its_operations() {
        let (d, sets, [_, int, _]) = access();
        let a = Access::new(&d, &sets);
        assert!(a.can(&int, "Account", Op::Create).is_ok());
        let e = a.can(&int, "Account", Op::Delete).unwrap_err();
        assert_eq!(e.error_code, "INSUFFICIENT_ACCESS_OR_READONLY");
        assert!(e.message.contains("deleted: Account"));
        assert_eq!(
            a.can(&int, "Contact", Op::Read).unwrap_err().error_code,
            "INVALID_TYPE"
        );
    }

    #[test]
    fn admin_may_do_everything_and_a_bare_integration_user_nothing() {
        let (d, sets, [admin, _, bare]) = access();
        let a = Access::new(&d, &sets);
        assert!(a.can(&admin, "Widget__c", Op::Delete).is_ok());
        assert!(a.field_editable(&admin, "Account", "Secret__c"));
        assert!(a.can(&bare, "Account", Op::Read).is_err());
        assert!(!a.field_visible(&bare, "Account", "Id"));
    }

    #[test]
    fn field_security_follows_field_grants() {
        let (d, sets, [_, int, _]) = access();
        let a = Access::new(&d, &sets);
        assert!(a.field_visible(&int, "Account", "Industry"));
        assert!(!a.field_editable(&int, "Account", "Industry"));
        assert!(
            a.field_visible(&int, "Account", "ERP_Id__c"),
            "edit implies read"
        );
        assert!(a.field_editable(&int, "Account", "ERP_Id__c"));
        assert!(!a.field_visible(&int, "Account", "AnnualRevenue"));
        assert!(
            a.field_visible(&int, "Account", "Name"),
            "Name is always visible"
        );
    }

    #[test]
    fn describe_flags_narrow_to_the_users_rights_and_never_widen() {
        let (d, sets, [_, int, _]) = access();
        let a = Access::new(&d, &sets);
        let rights = a.rights(&int, "Account");
        assert_eq!(
            rights,
            ObjectRights {
                read: true,
                create: true,
                edit: true,
                delete: false
            }
        );
        let mut header = serde_json::json!({
            "createable": true, "updateable": false, "deletable": true,
            "undeletable": true, "mergeable": true, "queryable": true, "label": "Account"
        });
        rights.narrow_describe(header.as_object_mut().unwrap());
        assert_eq!(
            header,
            serde_json::json!({
                "createable": true, "updateable": false, "deletable": false,
                "undeletable": false, "mergeable": false, "queryable": true, "label": "Account"
            })
        );
    }

    #[test]
    fn reads_keep_id_audit_required_and_name_fields_and_follow_grants_for_the_rest() {
        let (d, sets, [admin, int, bare]) = access();
        let a = Access::new(&d, &sets);
        let schema = crate::org::standard_objects::standard_schema();
        let account = schema.object("Account").unwrap();
        let contact = schema.object("Contact").unwrap();
        let reads = a.field_reads(&int);
        let readable = |reads: &FieldReads, f: &str| {
            reads.readable(account, account.field(f).expect("an Account field"))
        };
        for f in ["Id", "Name", "CreatedDate", "OwnerId", "Industry"] {
            assert!(readable(&reads, f), "{f}");
        }
        assert!(!readable(&reads, "Phone"));
        let last_name = contact.field("LastName").unwrap();
        assert!(
            !reads.readable(contact, last_name),
            "nothing where the object is unreadable"
        );
        assert!(readable(&a.field_reads(&admin), "Phone"));
        assert!(!readable(&a.field_reads(&bare), "Id"));
    }

    #[test]
    fn every_user_reads_users_and_their_standard_fields_but_writes_them_only_by_grant() {
        let (d, sets, [_, int, bare]) = access();
        let a = Access::new(&d, &sets);
        for user in [&int, &bare] {
            assert!(a.can(user, "User", Op::Read).is_ok());
            for f in ["Username", "Email", "Title", "ManagerId", "Name"] {
                assert!(a.field_visible(user, "User", f), "{f}");
            }
            assert!(
                !a.field_visible(user, "User", "Badge__c"),
                "custom fields by grant"
            );
            assert!(a.can(user, "User", Op::Edit).is_err());
            assert!(a.can(user, "User", Op::Create).is_err());
            assert!(!a.field_editable(user, "User", "Title"));
        }
        assert!(a.can("005000000000999AAA", "User", Op::Read).is_err());
    }

    #[test]
    fn unknown_users_are_refused() {
        let (d, sets, _) = access();
        let a = Access::new(&d, &sets);
        assert!(a.can("005000000000999AAA", "Account", Op::Read).is_err());
    }
}
