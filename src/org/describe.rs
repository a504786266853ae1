//! Describe results as real orgs shape them: the global list (`/sobjects`), an object's basic
//! info (`/sobjects/{T}`), and its full describe (`/sobjects/{T}/describe`).
//!
//! Pure functions from the schema to `serde_json::Value`; `version` is the API version of the
//! request (`"62.0"`) and appears in every URL. Keys follow Salesforce's describe output;
//! flags sflab does not model (layouts, record types, feeds) carry the values a plain
//! Developer Edition org reports.

use super::schema::{FieldDef, FieldType, ObjectDef, Schema, SystemField};
use serde_json::{json, Map, Value as Json};

fn urls(o: &ObjectDef, version: &str, full: bool) -> Json {
    let base = format!("/services/data/v{version}/sobjects/{}", o.name);
    let mut m = Map::new();
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
    let is_event = o.name.ends_with("__e");
    let mut m = Map::new();
    m.insert("activateable".into(), json!(false));
    m.insert("createable".into(), json!(a.createable));
    m.insert("custom".into(), json!(o.custom || is_event));
    m.insert("customSetting".into(), json!(false));
    m.insert("deletable".into(), json!(a.deletable && !is_event));
    m.insert("deprecatedAndHidden".into(), json!(false));
    m.insert("feedEnabled".into(), json!(!is_event));
    m.insert("hasSubtypes".into(), json!(false));
    m.insert("isSubtype".into(), json!(false));
    m.insert("keyPrefix".into(), json!(o.key_prefix));
    m.insert("label".into(), json!(o.label));
    m.insert("labelPlural".into(), json!(o.label_plural));
    m.insert("layoutable".into(), json!(!is_event));
    m.insert(
        "mergeable".into(),
        json!(matches!(
            o.name.as_str(),
            "Account" | "Contact" | "Lead" | "Case"
        )),
    );
    m.insert("mruEnabled".into(), json!(!is_event));
    m.insert("name".into(), json!(o.name));
    m.insert("queryable".into(), json!(!is_event));
    m.insert("replicateable".into(), json!(!is_event));
    m.insert("retrieveable".into(), json!(!is_event));
    m.insert(
        "searchable".into(),
        json!(crate::org::soql::sosl::searchable(o)),
    );
    m.insert("triggerable".into(), json!(true));
    m.insert("undeletable".into(), json!(a.deletable && !is_event));
    m.insert("updateable".into(), json!(a.updateable && !is_event));
    m.insert("urls".into(), urls(o, version, full));
    m
}

/// `GET /services/data/vXX.X/sobjects`: the schema's objects and the platform `events`.
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
    let is_id_lookup =
        f.system == Some(SystemField::Id) || f.external_id || (f.unique && o.name == "User");
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
    m.insert(
        "fields".into(),
        Json::Array(o.fields.iter().map(|f| field_json(o, f)).collect()),
    );
    m.insert("recordTypeInfos".into(), json!([]));
    m.insert(
        "supportedScopes".into(),
        json!([{"label": "All", "name": "everything"}]),
    );
    Json::Object(m)
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
}
