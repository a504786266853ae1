//! The standard objects every mock org starts with, with realistic fields.
//!
//! Names, labels, types, lengths and relationship names follow Salesforce's own describe
//! results for these objects; only the fields integration work commonly touches are present.
//! Every object gets the system fields (Id, IsDeleted, CreatedDate, CreatedById,
//! LastModifiedDate, LastModifiedById, SystemModstamp) and, where real, OwnerId.

use super::ids::standard_key_prefix;
use super::schema::{FieldDef, FieldType as T, ObjectDef, Schema, SystemField};
use super::standard_objects_commerce::{order, order_item, pricebook, pricebook_entry, product};
use super::standard_objects_crm::{account, case, contact, lead, opportunity, task};
use super::standard_objects_login_history::login_history;
use super::standard_objects_profile::profile;

pub(super) fn text(name: &str, label: &str, len: u32) -> FieldDef {
    FieldDef::new(name, label, T::String).with_length(len)
}

pub(super) fn sys(name: &str, label: &str, t: T, which: SystemField) -> FieldDef {
    let mut f = FieldDef::new(name, label, t).read_only();
    f.nillable = false;
    f.defaulted_on_create = true;
    f.system = Some(which);
    f.default_value = None;
    f
}

pub(super) fn derived(mut f: FieldDef) -> FieldDef {
    f = f.read_only();
    f.defaulted_on_create = true;
    f
}

/// A field a create fills with `value` when not given; a picklist's entry for that value is
/// flagged as describe's default (`picklistValues[].defaultValue`).
pub(super) fn defaulted(mut f: FieldDef, value: &str) -> FieldDef {
    f.nillable = false;
    f.defaulted_on_create = true;
    f.default_value = Some(serde_json::Value::String(value.to_string()));
    f.flag_default_picklist_entry();
    f
}

pub(super) fn name(mut f: FieldDef) -> FieldDef {
    f.name_field = true;
    f
}

/// A read-only auto-number field (CaseNumber, OrderNumber).
pub(super) fn auto_number(n: &str, label: &str) -> FieldDef {
    let mut f = derived(text(n, label, 30));
    f.nillable = false;
    f.name_field = true;
    f.unique = false;
    f
}

/// Starts an object with Id and IsDeleted; [`finish`] appends the audit fields.
pub(super) fn object(obj: &str, label: &str, plural: &str) -> ObjectDef {
    let prefix = standard_key_prefix(obj).unwrap_or("000");
    let mut o = ObjectDef::new(obj, label, plural, prefix);
    let mut id = sys("Id", &format!("{label} ID"), T::Id, SystemField::Id);
    id.case_sensitive = false;
    o.put_field(id);
    o.put_field(sys(
        "IsDeleted",
        "Deleted",
        T::Boolean,
        SystemField::IsDeleted,
    ));
    o
}

/// Objects whose owner, in a real org, may be a queue (a Group) as well as a user: their
/// `OwnerId` is polymorphic there (describe `referenceTo: ["Group","User"]`,
/// `polymorphicForeignKey: true`). sflab has no Group object yet and models these owners as
/// users only, like every other `OwnerId`; errors that depend on it say so rather than
/// claiming an owner is always a user.
pub const OWNER_MAY_BE_A_QUEUE: &[&str] = &["Case", "Lead", "Task"];

pub(super) fn owner(o: &mut ObjectDef) {
    let mut f = FieldDef::new("OwnerId", "Owner ID", T::Reference).lookup("User", "Owner", None);
    f.nillable = false;
    f.defaulted_on_create = true;
    o.put_field(f);
}

pub(super) fn finish(mut o: ObjectDef) -> ObjectDef {
    let user_ref = |n: &str, l: &str, rel: &str, which| {
        sys(n, l, T::Reference, which).lookup("User", rel, None)
    };
    o.put_field(sys(
        "CreatedDate",
        "Created Date",
        T::DateTime,
        SystemField::CreatedDate,
    ));
    o.put_field(user_ref(
        "CreatedById",
        "Created By ID",
        "CreatedBy",
        SystemField::CreatedById,
    ));
    o.put_field(sys(
        "LastModifiedDate",
        "Last Modified Date",
        T::DateTime,
        SystemField::LastModifiedDate,
    ));
    o.put_field(user_ref(
        "LastModifiedById",
        "Last Modified By ID",
        "LastModifiedBy",
        SystemField::LastModifiedById,
    ));
    o.put_field(sys(
        "SystemModstamp",
        "System Modstamp",
        T::DateTime,
        SystemField::SystemModstamp,
    ));
    o
}

pub(super) fn address(o: &mut ObjectDef, prefix: &str, label: &str) {
    o.put_field(
        FieldDef::new(
            &format!("{prefix}Street"),
            &format!("{label} Street"),
            T::TextArea,
        )
        .with_length(255),
    );
    o.put_field(text(&format!("{prefix}City"), &format!("{label} City"), 40));
    o.put_field(text(
        &format!("{prefix}State"),
        &format!("{label} State/Province"),
        80,
    ));
    o.put_field(text(
        &format!("{prefix}PostalCode"),
        &format!("{label} Zip/Postal Code"),
        20,
    ));
    o.put_field(text(
        &format!("{prefix}Country"),
        &format!("{label} Country"),
        80,
    ));
}

pub(super) fn person_name(o: &mut ObjectDef) {
    o.put_field(text("LastName", "Last Name", 80).required_field());
    o.put_field(text("FirstName", "First Name", 40));
    o.put_field(name(derived(text("Name", "Full Name", 121))));
}

fn user() -> ObjectDef {
    let mut o = object("User", "User", "Users");
    let mut username = text("Username", "Username", 80).required_field();
    username.unique = true;
    o.put_field(username);
    person_name(&mut o);
    o.put_field(text("Alias", "Alias", 8).required_field());
    o.put_field(
        FieldDef::new("Email", "Email", T::Email)
            .with_length(128)
            .required_field(),
    );
    o.put_field(defaulted(text("CommunityNickname", "Nickname", 40), ""));
    o.put_field(FieldDef::new("IsActive", "Active", T::Boolean));
    o.put_field(defaulted(
        FieldDef::new("TimeZoneSidKey", "Time Zone", T::Picklist),
        "America/Los_Angeles",
    ));
    o.put_field(defaulted(
        FieldDef::new("LocaleSidKey", "Locale", T::Picklist),
        "en_US",
    ));
    o.put_field(defaulted(
        FieldDef::new("EmailEncodingKey", "Email Encoding", T::Picklist),
        "UTF-8",
    ));
    o.put_field(defaulted(
        FieldDef::new("LanguageLocaleKey", "Language", T::Picklist),
        "en_US",
    ));
    o.put_field(text("Title", "Title", 80));
    o.put_field(text("Department", "Department", 80));
    o.put_field(text("CompanyName", "Company Name", 80));
    o.put_field(text("FederationIdentifier", "SAML Federation ID", 512));
    // Every user has a profile: a create without one is refused as in a real org.
    o.put_field(
        FieldDef::new("ProfileId", "Profile ID", T::Reference)
            .lookup("Profile", "Profile", None)
            .required_field(),
    );
    o.put_field(
        FieldDef::new("ManagerId", "Manager ID", T::Reference).lookup("User", "Manager", None),
    );
    o.put_field(defaulted(
        derived(FieldDef::new("UserType", "User Type", T::Picklist)),
        "Standard",
    ));
    finish(o)
}

/// A permission set, as the org's access model names them (`sflab_Integration`).
fn permission_set() -> ObjectDef {
    let mut o = object("PermissionSet", "Permission Set", "Permission Sets");
    o.put_field(name(text("Name", "Name", 80).required_field()));
    o.put_field(text("Label", "Label", 80).required_field());
    o.put_field(text("Description", "Description", 255));
    o.put_field(defaulted(
        FieldDef::new("IsOwnedByProfile", "Is Owned By Profile", T::Boolean),
        "false",
    ));
    finish(o)
}

/// Which user holds which permission set (`Assignee.Username`, `PermissionSet.Name`).
fn permission_set_assignment() -> ObjectDef {
    let mut o = object(
        "PermissionSetAssignment",
        "Permission Set Assignment",
        "Permission Set Assignments",
    );
    o.put_field(
        FieldDef::new("AssigneeId", "Assignee ID", T::Reference)
            .lookup("User", "Assignee", Some("PermissionSetAssignments"))
            .required_field(),
    );
    o.put_field(
        FieldDef::new("PermissionSetId", "Permission Set ID", T::Reference)
            .lookup("PermissionSet", "PermissionSet", Some("Assignments"))
            .required_field(),
    );
    finish(o)
}

fn organization() -> ObjectDef {
    let mut o = object("Organization", "Organization", "Organizations");
    o.put_field(name(text("Name", "Name", 80).required_field()));
    o.put_field(derived(text("Division", "Division", 80)));
    o.put_field(derived(text("Country", "Country", 80)));
    o.put_field(derived(FieldDef::new(
        "IsSandbox",
        "Is Sandbox",
        T::Boolean,
    )));
    o.put_field(derived(text("InstanceName", "Instance Name", 5)));
    o.put_field(derived(FieldDef::new(
        "OrganizationType",
        "Edition",
        T::Picklist,
    )));
    o.put_field(derived(text("NamespacePrefix", "Namespace Prefix", 15)));
    o.put_field(derived(FieldDef::new(
        "TrialExpirationDate",
        "Trial Expiration Date",
        T::DateTime,
    )));
    o.put_field(derived(text("PrimaryContact", "Primary Contact", 80)));
    o.put_field(derived(FieldDef::new(
        "LanguageLocaleKey",
        "Language",
        T::Picklist,
    )));
    o.put_field(derived(FieldDef::new(
        "TimeZoneSidKey",
        "Time Zone",
        T::Picklist,
    )));
    o.put_field(derived(FieldDef::new(
        "DefaultLocaleSidKey",
        "Locale",
        T::Picklist,
    )));
    finish(o)
}

/// The standard fields describe marks `idLookup` beyond every object's `Id`: the fields an
/// upsert or a Bulk API relationship column (`ReportsTo.Email`) may name a record by.
///
/// Implementation notes: taken from the "Properties" the Object Reference lists for these
/// fields (idLookup on Contact, Lead and User Email, the Bulk API 2.0 guide's own
/// `ReportsTo.Email` example among them; User Username, CommunityNickname and
/// FederationIdentifier; the auto-numbers CaseNumber and OrderNumber). The `Name` of Account,
/// Opportunity, Product2 and Pricebook2 is idLookup in real describes as far as is known
/// here, not checked against a live org [U]. A person's compound `Name` (Contact, Lead, User)
/// is not idLookup.
const ID_LOOKUP_FIELDS: &[(&str, &str)] = &[
    ("Account", "Name"),
    ("Case", "CaseNumber"),
    ("Contact", "Email"),
    ("Lead", "Email"),
    ("Opportunity", "Name"),
    ("Order", "OrderNumber"),
    ("Pricebook2", "Name"),
    ("Product2", "Name"),
    ("User", "CommunityNickname"),
    ("User", "Email"),
    ("User", "FederationIdentifier"),
    ("User", "Username"),
];

/// Describe's `idLookup` for a field of `object`: the record `Id`, an external id field, or
/// one of the standard idLookup fields above. (A seed's own field is idLookup when it is an
/// external id.)
pub fn id_lookup(object: &ObjectDef, f: &FieldDef) -> bool {
    f.system == Some(SystemField::Id)
        || f.external_id
        || (!f.custom
            && ID_LOOKUP_FIELDS
                .iter()
                .any(|(o, n)| *o == object.name && *n == f.name))
}

/// A schema holding every standard object, linked.
pub fn standard_schema() -> Schema {
    let mut s = Schema::new();
    for o in [
        account(),
        contact(),
        lead(),
        opportunity(),
        case(),
        order(),
        order_item(),
        product(),
        pricebook(),
        pricebook_entry(),
        task(),
        user(),
        organization(),
        permission_set(),
        permission_set_assignment(),
        profile(),
        login_history(),
    ] {
        s.put_object(o);
    }
    s.link();
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_standard_object_has_the_system_fields_and_its_prefix() {
        let s = standard_schema();
        for o in s.objects() {
            for f in [
                "Id",
                "IsDeleted",
                "CreatedDate",
                "CreatedById",
                "LastModifiedDate",
                "LastModifiedById",
                "SystemModstamp",
            ] {
                assert!(o.field(f).is_some(), "{} lacks {f}", o.name);
            }
            assert_eq!(o.key_prefix.len(), 3);
        }
        assert_eq!(s.object("Case").unwrap().key_prefix, "500");
        assert!(s
            .object("Organization")
            .unwrap()
            .field("IsSandbox")
            .is_some());
        assert!(s.object("User").unwrap().field("OwnerId").is_none());
        assert!(s.object("Account").unwrap().field("OwnerId").is_some());
    }

    #[test]
    fn account_sees_contacts_opportunities_and_cases_as_children() {
        let s = standard_schema();
        let a = s.object("Account").unwrap();
        for rel in [
            "Contacts",
            "Opportunities",
            "Cases",
            "Orders",
            "ChildAccounts",
            "Tasks",
        ] {
            assert!(a.child_relationship(rel).is_some(), "missing {rel}");
        }
    }

    #[test]
    fn contact_requires_last_name_and_account_requires_name() {
        let s = standard_schema();
        let req = |o: &str| -> Vec<String> {
            s.object(o)
                .unwrap()
                .fields
                .iter()
                .filter(|f| f.required())
                .map(|f| f.name.clone())
                .collect()
        };
        assert_eq!(req("Contact"), vec!["LastName"]);
        assert_eq!(req("Account"), vec!["Name"]);
    }

    #[test]
    fn email_is_id_lookup_on_contact_lead_and_user_but_a_persons_name_is_not() {
        let s = standard_schema();
        let is = |o: &str, f: &str| {
            let obj = s.object(o).unwrap();
            id_lookup(obj, obj.field(f).unwrap())
        };
        for (o, f) in [
            ("Contact", "Email"),
            ("Lead", "Email"),
            ("User", "Email"),
            ("User", "Username"),
            ("Case", "CaseNumber"),
            ("Contact", "Id"),
        ] {
            assert!(is(o, f), "{o}.{f}");
        }
        for (o, f) in [
            ("Contact", "Name"),
            ("Contact", "Title"),
            ("Task", "Subject"),
        ] {
            assert!(!is(o, f), "{o}.{f}");
        }
    }
}
