//! `OrgSeed`: the YAML that describes an org — custom objects and fields, records, users, the
//! Organization's settings — and how it is applied to a fresh store.
//!
//! ```yaml
//! org: { name: Falcon Labs, is_sandbox: true }
//! objects:
//!   Account: { fields: { ERP_Id__c: { type: text, externalId: true, unique: true } } }
//!   Shipment__c:
//!     fields:
//!       Account__c: { type: lookup, referenceTo: Account, childRelationshipName: Shipments__r }
//! users:
//!   - { username: integration@falcon.example, last_name: Integration, profile: Integration User, ref: integration }
//! records:
//!   - Account: { ref: falcon, Name: Falcon Corp, ERP_Id__c: A-1000 }
//!   - Contact: { LastName: Doe, AccountId: { ref: falcon } }
//! ```
//!
//! Sections this module does not own (`apps:`, `permission_sets:`, `events:`, …) are kept in
//! [`OrgSeed::other`] as YAML values for the parts of sflab that read them; a section nobody
//! reads, and a record of an object or with a field the org does not have, are refused as the
//! seed is read (`org::seed_check`). Syntax and type errors name the YAML line and column;
//! record errors name the record's position (and, read from a file, the key's line).

use super::error::SfError;
use super::ids::SfId;
use super::schema::{FieldDef, FieldType, ObjectDef, PicklistValue};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Why a seed could not be read or applied.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the org seed is not valid YAML for sflab: {0}")]
    Yaml(#[from] serde_yaml::Error),
    #[error("could not read the org seed {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("objects.{object}: {reason}")]
    Object { object: String, reason: String },
    #[error("records[{index}] ({object}): {error}")]
    Record {
        index: usize,
        object: String,
        error: String,
    },
    #[error("users[{index}] ({username}): {error}")]
    User {
        index: usize,
        username: String,
        error: String,
    },
    #[error("{0}")]
    Auth(#[from] super::auth::ConfigError),
    #[error("records[{index}]: each record is one object name with its fields, e.g. `- Account: {{ Name: Falcon Corp }}`")]
    RecordShape { index: usize },
    #[error("records[{index}]: no record or user was given `ref: {name}` above this one")]
    UnknownRef { index: usize, name: String },
    /// An outbound section (`apex_rest:`, `soap_services:`, `mock_services:`, `mcp:`) is not
    /// usable; the message names the section.
    #[error("{0}")]
    Fixture(String),
    /// A section owned by another part of the org (e.g. `bulk:`) is not usable.
    #[error("{section}: {reason}")]
    Section { section: String, reason: String },
    /// A key no part of the org reads: a top-level section, a record's object or field
    /// (`org::seed_check`). `line` is known when the seed was read from a file.
    #[error("{}{key} {reason}", line_prefix(*.line))]
    UnknownKey {
        key: String,
        reason: String,
        line: Option<usize>,
    },
}

fn line_prefix(line: Option<usize>) -> String {
    line.map(|l| format!("line {l}: ")).unwrap_or_default()
}

impl SeedError {
    pub(crate) fn record(index: usize, object: &str, e: SfError) -> SeedError {
        SeedError::Record {
            index,
            object: object.to_string(),
            error: e.message,
        }
    }
}

/// The Organization record's settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgSettings {
    #[serde(alias = "Name")]
    pub name: Option<String>,
    #[serde(alias = "IsSandbox", alias = "isSandbox")]
    pub is_sandbox: Option<bool>,
    #[serde(alias = "InstanceName", alias = "instanceName")]
    pub instance_name: Option<String>,
    #[serde(alias = "OrganizationType", alias = "organizationType")]
    pub organization_type: Option<String>,
    #[serde(alias = "NamespacePrefix", alias = "namespacePrefix")]
    pub namespace_prefix: Option<String>,
    #[serde(alias = "TrialExpirationDate", alias = "trialExpirationDate")]
    pub trial_expiration_date: Option<String>,
}

impl OrgSettings {
    /// `Organization.IsSandbox`: false unless the seed says so.
    pub fn sandbox(&self) -> bool {
        self.is_sandbox.unwrap_or(false)
    }

    /// `Organization.OrganizationType`: the seed's, or the edition that goes with
    /// `IsSandbox`. A sandbox reports its production org's edition, and Developer Edition orgs
    /// have no sandboxes, so a sandbox is an Enterprise Edition org's; any other org is a
    /// Developer Edition org, the edition whose allocations the mock's `/limits` reports.
    pub fn edition(&self) -> String {
        match (&self.organization_type, self.sandbox()) {
            (Some(edition), _) => edition.clone(),
            (None, true) => "Enterprise Edition".into(),
            (None, false) => "Developer Edition".into(),
        }
    }

    /// `Organization.InstanceName`: the seed's, or an instance of the org's kind (sandboxes
    /// have lived on `CS` instances).
    pub fn instance(&self) -> String {
        match (&self.instance_name, self.sandbox()) {
            (Some(name), _) => name.clone(),
            (None, true) => "CS42".into(),
            (None, false) => "NA224".into(),
        }
    }
}

/// Field types a seed may declare (Setup's names and describe's names both work).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeedFieldType {
    #[serde(alias = "string")]
    Text,
    #[serde(alias = "longtextarea", alias = "textarea")]
    TextArea,
    Picklist,
    MultiPicklist,
    #[serde(alias = "boolean")]
    Checkbox,
    #[serde(alias = "double")]
    Number,
    #[serde(alias = "integer")]
    Int,
    Currency,
    Percent,
    Date,
    DateTime,
    Email,
    Phone,
    Url,
    #[serde(alias = "reference", alias = "masterdetail")]
    Lookup,
}

impl SeedFieldType {
    pub fn field_type(self) -> FieldType {
        match self {
            SeedFieldType::Text => FieldType::String,
            SeedFieldType::TextArea => FieldType::TextArea,
            SeedFieldType::Picklist => FieldType::Picklist,
            SeedFieldType::MultiPicklist => FieldType::MultiPicklist,
            SeedFieldType::Checkbox => FieldType::Boolean,
            SeedFieldType::Number => FieldType::Double,
            SeedFieldType::Int => FieldType::Int,
            SeedFieldType::Currency => FieldType::Currency,
            SeedFieldType::Percent => FieldType::Percent,
            SeedFieldType::Date => FieldType::Date,
            SeedFieldType::DateTime => FieldType::DateTime,
            SeedFieldType::Email => FieldType::Email,
            SeedFieldType::Phone => FieldType::Phone,
            SeedFieldType::Url => FieldType::Url,
            SeedFieldType::Lookup => FieldType::Reference,
        }
    }
}

/// A custom field declared by a seed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldSeed {
    #[serde(rename = "type")]
    pub field_type: SeedFieldType,
    pub label: Option<String>,
    pub length: Option<u32>,
    pub precision: Option<u8>,
    pub scale: Option<u8>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub unique: bool,
    #[serde(default)]
    pub external_id: bool,
    #[serde(default)]
    pub case_sensitive: bool,
    pub reference_to: Option<String>,
    pub relationship_name: Option<String>,
    pub child_relationship_name: Option<String>,
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub restricted: bool,
    pub default: Option<serde_yaml::Value>,
}

/// A custom object, or custom fields added to a standard one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectSeed {
    pub label: Option<String>,
    pub label_plural: Option<String>,
    #[serde(default)]
    pub fields: BTreeMap<String, FieldSeed>,
}

/// A user of the org.
#[derive(Debug, Clone, Deserialize)]
pub struct UserSeed {
    pub username: String,
    #[serde(alias = "firstName", alias = "FirstName")]
    pub first_name: Option<String>,
    #[serde(alias = "lastName", alias = "LastName")]
    pub last_name: String,
    #[serde(alias = "Email")]
    pub email: Option<String>,
    pub profile: Option<String>,
    pub alias: Option<String>,
    pub title: Option<String>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// Every other key (`password`, `security_token`, `permission_sets`, `license`, `status`),
    /// read by the auth server (`org::auth`).
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_yaml::Value>,
}

/// A whole org seed file.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrgSeed {
    #[serde(default)]
    pub org: OrgSettings,
    #[serde(default)]
    pub objects: BTreeMap<String, ObjectSeed>,
    #[serde(default)]
    pub users: Vec<UserSeed>,
    #[serde(default)]
    pub records: Vec<BTreeMap<String, BTreeMap<String, serde_yaml::Value>>>,
    /// Every other top-level section, untouched (`apps:`, `permission_sets:`, `events:`…).
    #[serde(skip)]
    pub other: BTreeMap<String, serde_yaml::Value>,
}

const OWN_SECTIONS: [&str; 4] = ["org", "objects", "users", "records"];

impl OrgSeed {
    /// Parses seed YAML; errors name the line and column, or the unknown key.
    pub fn from_yaml(text: &str) -> Result<OrgSeed, SeedError> {
        if text.trim().is_empty() {
            return Ok(OrgSeed::default());
        }
        let mut seed: OrgSeed = serde_yaml::from_str(text)?;
        let all: BTreeMap<String, serde_yaml::Value> = serde_yaml::from_str(text)?;
        super::seed_check::sections(all.keys().map(String::as_str))?;
        seed.other = all
            .into_iter()
            .filter(|(k, _)| !OWN_SECTIONS.contains(&k.as_str()))
            .collect();
        super::seed_check::user_keys(&seed)?;
        super::seed_check::record_names(&seed)?;
        super::seed_check::section_contents(&seed)?;
        Ok(seed)
    }

    /// Reads a seed file; an unknown key's error names its line in the file.
    pub fn from_file(path: &std::path::Path) -> Result<OrgSeed, SeedError> {
        let text = std::fs::read_to_string(path).map_err(|e| SeedError::Read {
            path: path.display().to_string(),
            source: e,
        })?;
        let text = crate::yaml_input::without_bom(&text);
        OrgSeed::from_yaml(text).map_err(|e| super::seed_check::with_line(e, text))
    }
}

fn label_of(api_name: &str) -> String {
    api_name
        .trim_end_matches("__c")
        .trim_end_matches("__e")
        .replace('_', " ")
}

/// Builds the definition of a seeded field.
pub fn field_def(name: &str, s: &FieldSeed) -> FieldDef {
    let t = s.field_type.field_type();
    let mut f = FieldDef::new(name, s.label.as_deref().unwrap_or(&label_of(name)), t);
    if let Some(len) = s.length {
        f.length = len;
    }
    if let Some(p) = s.precision {
        f.precision = p;
    }
    if let Some(sc) = s.scale {
        f.scale = sc;
    }
    if s.field_type == SeedFieldType::Int {
        f.scale = 0;
    }
    if s.required {
        f.nillable = false;
    }
    f.unique = s.unique;
    f.external_id = s.external_id;
    f.case_sensitive = s.case_sensitive;
    if let Some(to) = &s.reference_to {
        let rel = s
            .relationship_name
            .clone()
            .unwrap_or_else(|| format!("{}__r", name.trim_end_matches("__c")));
        f = f.lookup(to, &rel, s.child_relationship_name.as_deref());
    }
    f.picklist = s
        .values
        .iter()
        .map(|v| PicklistValue {
            value: v.clone(),
            label: v.clone(),
            default: false,
        })
        .collect();
    f.restricted_picklist = s.restricted;
    if let Some(d) = &s.default {
        f.default_value = serde_json::to_value(d).ok();
        f.defaulted_on_create = true;
        f.flag_default_picklist_entry();
    }
    f
}

/// A new custom object (`__c`) or platform event (`__e`) with its standard fields.
pub fn custom_object(name: &str, s: &ObjectSeed, key_prefix: &str) -> ObjectDef {
    let label = s.label.clone().unwrap_or_else(|| label_of(name));
    let plural = s
        .label_plural
        .clone()
        .unwrap_or_else(|| format!("{label}s"));
    let mut o = ObjectDef::new(name, &label, &plural, key_prefix);
    let template = super::standard_objects::standard_schema();
    let account = template.object("Account").cloned();
    let is_event = name.ends_with("__e");
    if let Some(a) = account {
        for f in &a.fields {
            let keep = f.system.is_some() || (!is_event && f.name == "OwnerId");
            if keep {
                let mut f = f.clone();
                if f.name == "Id" {
                    f.label = "Record ID".to_string();
                }
                o.put_field(f);
            }
            if f.name == "IsDeleted" && !is_event {
                let mut n = FieldDef::new("Name", &format!("{label} Name"), FieldType::String)
                    .with_length(80)
                    .required_field();
                n.name_field = true;
                o.put_field(n);
            }
        }
    }
    o
}

/// A YAML field value as REST JSON, resolving `{ ref: name }` / `"ref:name"` to an id.
pub fn resolve_value(
    v: &serde_yaml::Value,
    refs: &BTreeMap<String, SfId>,
) -> Result<serde_json::Value, String> {
    let named = match v {
        serde_yaml::Value::Mapping(m) if m.len() == 1 => m
            .get(serde_yaml::Value::String("ref".into()))
            .and_then(|r| r.as_str().map(str::to_string)),
        serde_yaml::Value::String(s) => s.strip_prefix("ref:").map(|r| r.trim().to_string()),
        _ => None,
    };
    match named {
        Some(name) => refs
            .get(&name)
            .map(|id| serde_json::Value::String(id.to_string()))
            .ok_or(name),
        None => Ok(serde_json::to_value(v).unwrap_or(serde_json::Value::Null)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_org_is_a_developer_edition_org_unless_the_seed_makes_it_a_sandbox() {
        let unsaid = OrgSettings::default();
        assert_eq!(
            (unsaid.sandbox(), unsaid.edition().as_str()),
            (false, "Developer Edition")
        );
        let sandbox = OrgSeed::from_yaml("org: { is_sandbox: true }").unwrap().org;
        assert_eq!(
            (sandbox.sandbox(), sandbox.edition().as_str()),
            (true, "Enterprise Edition")
        );
        assert!(sandbox.instance().starts_with("CS"));
        let said =
            OrgSeed::from_yaml("org: { is_sandbox: true, organization_type: Unlimited Edition }")
                .unwrap()
                .org;
        assert_eq!(said.edition(), "Unlimited Edition");
    }

    #[test]
    fn sections_other_parts_read_are_kept_for_them() {
        let seed = OrgSeed::from_yaml(
            "apps: [ { name: lab-client, flows: [client_credentials] } ]\nevents: { change_data_capture: [Account] }\nrecords: []\n",
        )
        .unwrap();
        assert!(seed.other.contains_key("apps"));
        assert!(seed.other.contains_key("events"));
        assert!(!seed.other.contains_key("records"));
    }

    #[test]
    fn a_bad_field_type_names_the_line() {
        let err = OrgSeed::from_yaml(
            "objects:\n  Account:\n    fields:\n      ERP_Id__c: { type: txt }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 4"), "{err}");
        assert!(err.contains("txt"), "{err}");
    }

    #[test]
    fn ref_values_resolve_to_ids_and_unknown_refs_are_named() {
        let mut refs = BTreeMap::new();
        let id = SfId::parse("001A0000006Vm9r").unwrap();
        refs.insert("falcon".to_string(), id);
        let v: serde_yaml::Value = serde_yaml::from_str("{ ref: falcon }").unwrap();
        assert_eq!(
            resolve_value(&v, &refs).unwrap(),
            serde_json::json!(id.to_string())
        );
        let s = serde_yaml::Value::String("ref:nobody".into());
        assert_eq!(resolve_value(&s, &refs).unwrap_err(), "nobody");
    }
}
