//! Describe results as real orgs shape them: the global list (`/sobjects`), an object's basic
//! info (`/sobjects/{T}`), and its full describe (`/sobjects/{T}/describe`).
//!
//! Pure functions from the schema to `serde_json::Value`; `version` is the API version of the
//! request (`"62.0"`) and appears in every URL. Keys follow Salesforce's describe output;
//! flags sflab does not model (layouts, record types, feeds) carry the values a plain
//! Developer Edition org reports.
//!
//! Three kinds of sObject are described: objects with records, platform events
//! (`OrderShipped__e`, built in `events::describe`) and change events (`AccountChangeEvent`,
//! built here by [`change_event_object`] for each object with Change Data Capture selected).
//!
//! Implementation notes: a change event "isn't a Salesforce object—it doesn't support CRUD
//! operations or queries" and supports only `describeSObjects()` (the object reference's
//! StandardObjectNameChangeEvent page). Its describe-global flags follow a describe-global
//! entry of a change event as a client's test fixture records it (`keyPrefix` null, `custom`
//! false even for a custom object's, `triggerable` and `retrieveable` true, everything else
//! false, an `eventSchema` URL, `associateEntityType` "ChangeEvent" and
//! `associateParentEntity` the object). Its fields (Id, ReplayId, the ChangeEventHeader of
//! `type` complexvalue and `soapType` tns:ChangeEventHeader, then the object's fields but
//! IsDeleted and SystemModstamp, none createable or updateable) and its label ("Account
//! Change Event") are sflab's best reading of the reference, not verified against an org.

use super::events::defs::change_event_name;
use super::schema::{FieldDef, FieldType, ObjectDef, Schema};
use serde_json::{json, Map, Value as Json};

/// The field of a change event that carries its header.
const CHANGE_EVENT_HEADER: &str = "ChangeEventHeader";

/// What an sObject of describe is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An object with records (Account, Invoice__c).
    Records,
    /// A platform event (`OrderShipped__e`).
    PlatformEvent,
    /// A change event (`AccountChangeEvent`, `Invoice__ChangeEvent`).
    ChangeEvent,
}

fn kind_of(o: &ObjectDef) -> Kind {
    if o.name.ends_with("__e") {
        Kind::PlatformEvent
    } else if change_event_parent(o).is_some() {
        Kind::ChangeEvent
    } else {
        Kind::Records
    }
}

/// The object whose changes a change event (as [`change_event_object`] builds it) carries:
/// `Account` for AccountChangeEvent, `Invoice__c` for Invoice__ChangeEvent; `None` for any
/// other sObject.
pub fn change_event_parent(o: &ObjectDef) -> Option<String> {
    o.field(CHANGE_EVENT_HEADER)?;
    change_event_parent_name(&o.name)
}

/// The object a change event name stands for: `AccountChangeEvent` → `Account`,
/// `Invoice__ChangeEvent` → `Invoice__c`.
pub fn change_event_parent_name(name: &str) -> Option<String> {
    if let Some(base) = name.strip_suffix("__ChangeEvent") {
        return (!base.is_empty()).then(|| format!("{base}__c"));
    }
    name.strip_suffix("ChangeEvent")
        .filter(|base| !base.is_empty())
        .map(str::to_string)
}

/// The change event of `parent` as an sObject for describe: Id, ReplayId and the
/// ChangeEventHeader, then the fields a change event carries (all of the object's but
/// IsDeleted and SystemModstamp, as in its event schema), none of them writable.
pub fn change_event_object(parent: &ObjectDef) -> ObjectDef {
    let name = change_event_name(&parent.name);
    let mut o = ObjectDef::new(
        &name,
        &format!("{} Change Event", parent.label),
        &format!("{} Change Events", parent.label),
        "",
    );
    o.custom = false;
    let own = |name: &str, label: &str, t: FieldType| {
        let mut f = FieldDef::new(name, label, t).read_only();
        f.defaulted_on_create = true;
        f
    };
    let mut id = own("Id", "Change Event ID", FieldType::Id);
    id.nillable = false;
    o.put_field(id);
    o.put_field(own("ReplayId", "Replay ID", FieldType::String));
    o.put_field(
        own(
            CHANGE_EVENT_HEADER,
            "Change Event Header",
            FieldType::String,
        )
        .with_length(0),
    );
    for f in parent
        .fields
        .iter()
        .filter(|f| !matches!(f.name.as_str(), "Id" | "IsDeleted" | "SystemModstamp"))
    {
        let mut f = f.clone().read_only();
        // Any field may be left out of an event: an update carries only what changed.
        f.nillable = true;
        f.unique = false;
        f.external_id = false;
        f.child_relationship_name = None;
        f.system = None;
        o.put_field(f);
    }
    o
}

/// The change events of `objects` (the org's Change Data Capture selection) that exist in
/// `schema`, in the order given.
pub fn change_event_objects(schema: &Schema, objects: &[String]) -> Vec<ObjectDef> {
    objects
        .iter()
        .filter_map(|name| schema.object(name))
        .map(change_event_object)
        .collect()
}

fn urls(o: &ObjectDef, version: &str, full: bool) -> Json {
    let base = format!("/services/data/v{version}/sobjects/{}", o.name);
    let mut m = Map::new();
    if kind_of(o) == Kind::ChangeEvent {
        m.insert("rowTemplate".into(), json!(format!("{base}/{{ID}}")));
        m.insert("eventSchema".into(), json!(format!("{base}/eventSchema")));
        m.insert("describe".into(), json!(format!("{base}/describe")));
        m.insert("sobject".into(), json!(base));
        return Json::Object(m);
    }
    if full {
        m.insert(
            "compactLayouts".into(),
            json!(format!("{base}/describe/compactLayouts")),
        );
        m.insert(
            "approvalLayouts".into(),
            json!(format!("{base}/describe/approvalLayouts")),
        );
        m.insert("listviews".into(), json!(format!("{base}/listviews")));
        m.insert("quickActions".into(), json!(format!("{base}/quickActions")));
        m.insert("layouts".into(), json!(format!("{base}/describe/layouts")));
    }
    m.insert("rowTemplate".into(), json!(format!("{base}/{{ID}}")));
    m.insert(
        "defaultValues".into(),
        json!(format!("{base}/defaultValues?recordTypeId&fields")),
    );
    m.insert("describe".into(), json!(format!("{base}/describe")));
    m.insert("sobject".into(), json!(base));
    Json::Object(m)
}

/// The keys shared by a global-describe entry and an object's describe.
fn object_header(o: &ObjectDef, version: &str, full: bool) -> Map<String, Json> {
    let a = o.abilities();
    let kind = kind_of(o);
    let records = kind == Kind::Records;
    let is_event = kind == Kind::PlatformEvent;
    let mut m = Map::new();
    m.insert("activateable".into(), json!(false));
    let parent = (kind == Kind::ChangeEvent)
        .then(|| change_event_parent_name(&o.name))
        .flatten();
    m.insert(
        "associateEntityType".into(),
        json!(parent.as_ref().map(|_| "ChangeEvent")),
    );
    m.insert("associateParentEntity".into(), json!(parent));
    m.insert(
        "createable".into(),
        json!(a.createable && kind != Kind::ChangeEvent),
    );
    m.insert("custom".into(), json!(o.custom || is_event));
    m.insert("customSetting".into(), json!(false));
    m.insert("deletable".into(), json!(a.deletable && records));
    m.insert("deprecatedAndHidden".into(), json!(false));
    m.insert("feedEnabled".into(), json!(records));
    m.insert("hasSubtypes".into(), json!(false));
    m.insert("isSubtype".into(), json!(false));
    let key_prefix = (!o.key_prefix.is_empty()).then_some(&o.key_prefix);
    m.insert("keyPrefix".into(), json!(key_prefix));
    m.insert("label".into(), json!(o.label));
    m.insert("labelPlural".into(), json!(o.label_plural));
    m.insert("layoutable".into(), json!(records));
    m.insert(
        "mergeable".into(),
        json!(matches!(
            o.name.as_str(),
            "Account" | "Contact" | "Lead" | "Case"
        )),
    );
    m.insert("mruEnabled".into(), json!(records));
    m.insert("name".into(), json!(o.name));
    m.insert("queryable".into(), json!(records));
    m.insert("replicateable".into(), json!(records));
    m.insert("retrieveable".into(), json!(kind != Kind::PlatformEvent));
    m.insert(
        "searchable".into(),
        json!(kind != Kind::ChangeEvent && crate::org::soql::sosl::searchable(o)),
    );
    m.insert("triggerable".into(), json!(true));
    m.insert("undeletable".into(), json!(a.deletable && records));
    m.insert("updateable".into(), json!(a.updateable && records));
    m.insert("urls".into(), urls(o, version, full));
    m
}

/// `GET /services/data/vXX.X/sobjects`: the schema's objects and the `events` (platform
/// events and change events).
pub fn describe_global(schema: &Schema, events: &[ObjectDef], version: &str) -> Json {
    // Real orgs list objects alphabetically.
    let mut objects: Vec<&ObjectDef> = schema.objects().iter().chain(events).collect();
    objects.sort_by(|a, b| a.name.cmp(&b.name));
    let sobjects: Vec<Json> = objects
        .into_iter()
        .map(|o| Json::Object(object_header(o, version, false)))
        .collect();
    json!({ "encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects })
}

/// `GET /services/data/vXX.X/sobjects/{T}`: basic info and the caller's recent records of
/// the object.
pub fn sobject_basic_info(o: &ObjectDef, version: &str, recent_items: Vec<Json>) -> Json {
    json!({ "objectDescribe": Json::Object(object_header(o, version, false)), "recentItems": recent_items })
}

fn field_json(o: &ObjectDef, f: &FieldDef) -> Json {
    let t = f.field_type;
    let text = t.is_text() || matches!(t, FieldType::Id | FieldType::Reference);
    let byte_length = if text { f.length * 3 } else { 0 };
    // The same facts decide what SOQL accepts in WHERE, ORDER BY and GROUP BY.
    let filterable = f.filterable();
    let picklist: Vec<Json> = f
        .picklist
        .iter()
        .map(|p| json!({"active": true, "defaultValue": p.default, "label": p.label, "validFor": null, "value": p.value}))
        .collect();
    let default_value = match (&f.default_value, t) {
        (Some(v), FieldType::Boolean) => v.clone(),
        (None, FieldType::Boolean) => json!(false),
        (Some(v), _) if f.system.is_none() => v.clone(),
        _ => Json::Null,
    };
    let is_id_lookup = super::standard_objects::id_lookup(o, f);
    let mut m = Map::new();
    m.insert("aggregatable".into(), json!(f.sortable()));
    m.insert(
        "autoNumber".into(),
        json!(f.name_field && !f.createable && !f.nillable && t == FieldType::String),
    );
    m.insert("byteLength".into(), json!(byte_length));
    m.insert("calculated".into(), json!(false));
    m.insert("calculatedFormula".into(), Json::Null);
    m.insert("cascadeDelete".into(), json!(false));
    // The compound address a component belongs to is filled in by `describe_sobject`.
    m.insert("compoundFieldName".into(), Json::Null);
    m.insert("caseSensitive".into(), json!(f.case_sensitive));
    m.insert("controllerName".into(), Json::Null);
    m.insert("createable".into(), json!(f.createable));
    m.insert("custom".into(), json!(f.custom));
    m.insert("defaultValue".into(), default_value);
    m.insert("defaultValueFormula".into(), Json::Null);
    m.insert("defaultedOnCreate".into(), json!(f.defaulted_on_create));
    m.insert("dependentPicklist".into(), json!(false));
    m.insert("deprecatedAndHidden".into(), json!(false));
    m.insert(
        "digits".into(),
        json!(if t == FieldType::Int { f.precision } else { 0 }),
    );
    m.insert("encrypted".into(), json!(false));
    m.insert("externalId".into(), json!(f.external_id));
    m.insert("filterable".into(), json!(filterable));
    m.insert("groupable".into(), json!(f.groupable()));
    m.insert("htmlFormatted".into(), json!(false));
    m.insert("idLookup".into(), json!(is_id_lookup));
    m.insert("inlineHelpText".into(), Json::Null);
    m.insert("label".into(), json!(f.label));
    m.insert("length".into(), json!(if text { f.length } else { 0 }));
    m.insert("name".into(), json!(f.name));
    m.insert("nameField".into(), json!(f.name_field));
    m.insert("namePointing".into(), json!(f.reference_to.len() > 1));
    m.insert("nillable".into(), json!(f.nillable));
    m.insert(
        "permissionable".into(),
        json!(f.nillable && f.system.is_none()),
    );
    m.insert("picklistValues".into(), Json::Array(picklist));
    m.insert(
        "polymorphicForeignKey".into(),
        json!(f.reference_to.len() > 1),
    );
    m.insert(
        "precision".into(),
        json!(if matches!(
            t,
            FieldType::Double | FieldType::Currency | FieldType::Percent
        ) {
            f.precision
        } else {
            0
        }),
    );
    m.insert("referenceTargetField".into(), Json::Null);
    m.insert("referenceTo".into(), json!(f.reference_to));
    m.insert("relationshipName".into(), json!(f.relationship_name));
    m.insert("relationshipOrder".into(), Json::Null);
    m.insert("restrictedDelete".into(), json!(false));
    m.insert("restrictedPicklist".into(), json!(f.restricted_picklist));
    m.insert(
        "scale".into(),
        json!(if matches!(
            t,
            FieldType::Double | FieldType::Currency | FieldType::Percent
        ) {
            f.scale
        } else {
            0
        }),
    );
    m.insert("soapType".into(), json!(t.soap_type()));
    m.insert("sortable".into(), json!(f.sortable()));
    m.insert("type".into(), json!(t.describe_name()));
    m.insert("unique".into(), json!(f.unique));
    m.insert("updateable".into(), json!(f.updateable));
    m.insert("writeRequiresMasterRead".into(), json!(false));
    Json::Object(m)
}

/// A compound address field's describe entry: read-only, neither filterable nor sortable.
fn address_json(o: &ObjectDef, a: &crate::org::soql::address::Address) -> Json {
    let mut f = FieldDef::new(&a.name, &a.label, FieldType::String);
    f.createable = false;
    f.updateable = false;
    let mut field = field_json(o, &f);
    for (key, v) in [
        ("type", json!("address")),
        ("soapType", json!("urn:address")),
        ("filterable", json!(false)),
        ("groupable", json!(false)),
        ("sortable", json!(false)),
        ("aggregatable", json!(false)),
        ("byteLength", json!(0)),
        ("length", json!(0)),
    ] {
        field[key] = v;
    }
    field
}

/// The parts of a person's name (Contact, Lead, User): a real describe names their compound
/// `Name` in each part's `compoundFieldName`, as it names an address in its components'.
const PERSON_NAME_PARTS: [&str; 5] = [
    "Salutation",
    "FirstName",
    "MiddleName",
    "LastName",
    "Suffix",
];

/// `Name` when `field` is a part of the person's name `o` has (its `Name` is made of
/// `FirstName` and `LastName`); `None` for any other field.
fn person_name_of(o: &ObjectDef, field: &str) -> Option<String> {
    let person = ["Name", "FirstName", "LastName"]
        .iter()
        .all(|n| o.field(n).is_some());
    (person && PERSON_NAME_PARTS.contains(&field)).then(|| "Name".to_string())
}

/// `GET /services/data/vXX.X/sobjects/{T}/describe`.
pub fn describe_sobject(o: &ObjectDef, version: &str) -> Json {
    let mut m = object_header(o, version, true);
    let children: Vec<Json> = o
        .child_relationships
        .iter()
        .map(|c| {
            json!({
                "cascadeDelete": c.cascade_delete,
                "childSObject": c.child_object,
                "deprecatedAndHidden": false,
                "field": c.field,
                "junctionIdListNames": [],
                "junctionReferenceTo": [],
                "relationshipName": c.relationship_name,
                "restrictedDelete": c.restricted_delete,
            })
        })
        .collect();
    m.insert("childRelationships".into(), Json::Array(children));
    let change_event = kind_of(o) == Kind::ChangeEvent;
    let addresses = if change_event {
        Vec::new()
    } else {
        crate::org::soql::address::addresses_of(o)
    };
    let mut fields: Vec<Json> = o
        .fields
        .iter()
        .map(|f| {
            let mut field = field_json(o, f);
            if change_event && f.name == CHANGE_EVENT_HEADER {
                field["type"] = json!("complexvalue");
                field["soapType"] = json!("tns:ChangeEventHeader");
                field["filterable"] = json!(false);
                field["groupable"] = json!(false);
                field["sortable"] = json!(false);
                field["aggregatable"] = json!(false);
            }
            field["compoundFieldName"] = json!(crate::org::soql::address::compound_of(
                &addresses, o, &f.name
            )
            .or_else(|| person_name_of(o, &f.name)));
            field
        })
        .collect();
    // Each compound address follows the last of its components, as real describes list it.
    for a in &addresses {
        let last = a
            .stored(o)
            .iter()
            .filter_map(|n| fields.iter().position(|f| f["name"] == *n))
            .max()
            .unwrap_or(fields.len().saturating_sub(1));
        fields.insert(last + 1, address_json(o, a));
    }
    m.insert("fields".into(), Json::Array(fields));
    m.insert("recordTypeInfos".into(), json!([]));
    m.insert(
        "supportedScopes".into(),
        json!([{"label": "All", "name": "everything"}]),
    );
    Json::Object(m)
}

/// Marks the named `fields` of an object's describe neither createable nor updateable: the
/// caller may not write them (field-level security).
pub fn withhold_field_writes(describe: &mut Json, fields: &[&str]) {
    let Some(list) = describe.get_mut("fields").and_then(Json::as_array_mut) else {
        return;
    };
    for field in list
        .iter_mut()
        .filter(|f| fields.iter().any(|n| f["name"] == *n))
    {
        field["createable"] = json!(false);
        field["updateable"] = json!(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::standard_objects::standard_schema;

    #[test]
    fn global_describe_lists_every_object_with_urls() {
        let s = standard_schema();
        let g = describe_global(&s, &[], "62.0");
        let names: Vec<&str> = g["sobjects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"Account") && names.contains(&"Organization"));
        let acc = g["sobjects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == "Account")
            .unwrap();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(
            acc["urls"]["describe"],
            "/services/data/v62.0/sobjects/Account/describe"
        );
        assert_eq!(acc["keyPrefix"], "001");
    }

    #[test]
    fn account_describe_lists_its_compound_addresses_after_their_components() {
        let s = standard_schema();
        let a = describe_sobject(s.object("Account").unwrap(), "62.0");
        let fields = a["fields"].as_array().unwrap();
        let at = |name: &str| fields.iter().position(|f| f["name"] == name).unwrap();
        let billing = &fields[at("BillingAddress")];
        assert_eq!(billing["type"], "address");
        assert_eq!(billing["soapType"], "urn:address");
        assert_eq!(billing["label"], "Billing Address");
        for flag in [
            "createable",
            "updateable",
            "filterable",
            "sortable",
            "groupable",
        ] {
            assert_eq!(billing[flag], false, "{flag}");
        }
        assert!(at("BillingAddress") > at("BillingCity"));
        assert!(at("ShippingAddress") > at("ShippingCountry"));
        assert_eq!(
            fields[at("BillingCity")]["compoundFieldName"],
            "BillingAddress"
        );
        assert_eq!(fields[at("Name")]["compoundFieldName"], json!(null));
        assert_eq!(billing["compoundFieldName"], json!(null));
    }

    #[test]
    fn the_parts_of_a_persons_name_name_their_compound_name() {
        let s = standard_schema();
        for object in ["Contact", "Lead", "User"] {
            let d = describe_sobject(s.object(object).unwrap(), "62.0");
            let fields = d["fields"].as_array().unwrap();
            let compound = |name: &str| {
                fields
                    .iter()
                    .find(|f| f["name"] == name)
                    .map(|f| f["compoundFieldName"].clone())
            };
            assert_eq!(compound("FirstName"), Some(json!("Name")), "{object}");
            assert_eq!(compound("LastName"), Some(json!("Name")), "{object}");
            assert_eq!(compound("Name"), Some(json!(null)), "{object}");
            assert_eq!(compound("Email"), Some(json!(null)), "{object}");
            if let Some(salutation) = compound("Salutation") {
                assert_eq!(salutation, json!("Name"), "{object}");
            }
        }
        let account = describe_sobject(s.object("Account").unwrap(), "62.0");
        let name = account["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "Name")
            .unwrap();
        assert_eq!(name["compoundFieldName"], json!(null));
    }

    #[test]
    fn contact_describe_shows_its_account_lookup_and_account_its_children() {
        let s = standard_schema();
        let c = describe_sobject(s.object("Contact").unwrap(), "59.0");
        let acc = c["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "AccountId")
            .unwrap();
        assert_eq!(acc["type"], "reference");
        assert_eq!(acc["referenceTo"], json!(["Account"]));
        assert_eq!(acc["relationshipName"], "Account");
        let a = describe_sobject(s.object("Account").unwrap(), "59.0");
        let rel = a["childRelationships"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["relationshipName"] == "Contacts")
            .unwrap();
        assert_eq!(rel["childSObject"], "Contact");
        assert_eq!(rel["field"], "AccountId");
        let name = a["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "Name")
            .unwrap();
        assert_eq!(name["nillable"], false);
        assert_eq!(name["length"], 255);
    }

    #[test]
    fn a_custom_objects_change_event_names_its_object_and_writes_nothing() {
        let mut s = standard_schema();
        let mut invoice = ObjectDef::new("Invoice__c", "Invoice", "Invoices", "a01");
        invoice.put_field(FieldDef::new("Id", "Record ID", FieldType::Id));
        invoice.put_field(FieldDef::new("Total__c", "Total", FieldType::Currency));
        s.put_object(invoice);
        let events = change_event_objects(&s, &["Invoice__c".into(), "Missing__c".into()]);
        assert_eq!(
            events.len(),
            1,
            "only objects of the schema have change events"
        );
        let e = &events[0];
        assert_eq!(e.name, "Invoice__ChangeEvent");
        assert_eq!(change_event_parent(e).as_deref(), Some("Invoice__c"));
        let d = describe_sobject(e, "62.0");
        assert_eq!(d["associateParentEntity"], "Invoice__c");
        assert_eq!(d["custom"], false);
        assert_eq!(d["createable"], false);
        let total = d["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "Total__c")
            .unwrap();
        assert_eq!(
            (&total["createable"], &total["updateable"]),
            (&json!(false), &json!(false))
        );
        // An object of the schema is no change event, whatever its name.
        assert_eq!(change_event_parent(s.object("Account").unwrap()), None);
    }

    #[test]
    fn a_defaulted_picklist_flags_its_default_entry_and_shared_picklists_have_their_values() {
        let s = standard_schema();
        let field = |object: &str, name: &str| {
            let d = describe_sobject(s.object(object).unwrap(), "62.0");
            d["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["name"] == name)
                .unwrap()
                .clone()
        };
        let flagged = |f: &Json| -> Vec<String> {
            f["picklistValues"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["defaultValue"] == true)
                .map(|p| p["value"].as_str().unwrap().to_string())
                .collect()
        };
        for (object, name, default) in [
            ("Lead", "Status", "Open - Not Contacted"),
            ("Case", "Status", "New"),
            ("Case", "Priority", "Medium"),
            ("Task", "Status", "Not Started"),
        ] {
            let f = field(object, name);
            assert_eq!(f["defaultValue"], default, "{object}.{name}");
            assert_eq!(flagged(&f), [default], "{object}.{name}");
        }
        assert!(flagged(&field("Case", "Origin")).is_empty());
        assert_eq!(
            field("Lead", "Industry")["picklistValues"],
            field("Account", "Industry")["picklistValues"]
        );
        let reasons = field("Case", "Reason")["picklistValues"].clone();
        assert!(reasons.as_array().unwrap().len() > 1, "{reasons}");
        // A seed's own picklist flags the default it names.
        let seed = crate::org::OrgSeed::from_yaml(
            "objects:\n  Account:\n    fields:\n      Tier__c: { type: picklist, values: [Gold, Silver], default: Silver }\n",
        )
        .unwrap();
        let org = crate::org::Org::new(&seed).unwrap();
        let store = org.store.read();
        let d = describe_sobject(store.schema().object("Account").unwrap(), "62.0");
        let tier = d["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "Tier__c")
            .unwrap();
        assert_eq!(flagged(tier), ["Silver"]);
    }
}
