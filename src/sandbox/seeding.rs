//! Seeding a real org for a lab: the lab's `org:` records become REST creates, in order, with
//! `{ ref: name }` values resolved to the ids created before them. Every create is journaled
//! first ([`SeedJournal`]). A real org's metadata is never changed: custom fields the lab
//! declares must already exist, or the run is refused with what to create in Setup.

use super::client::OrgClient;
use super::error::SandboxError;
use super::journal::SeedJournal;
use crate::org::OrgSeed;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A field value: as written, or the id of an earlier record.
#[derive(Debug, Clone, PartialEq)]
pub enum SeedValue {
    Literal(Value),
    Ref(String),
}

/// One record to create.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedCreate {
    pub object: String,
    pub reference: Option<String>,
    pub fields: BTreeMap<String, SeedValue>,
}

impl PlannedCreate {
    pub fn label(&self) -> String {
        match self
            .fields
            .get("Name")
            .or_else(|| self.fields.get("LastName"))
        {
            Some(SeedValue::Literal(Value::String(n))) => format!("{} {n:?}", self.object),
            _ => self.object.clone(),
        }
    }
}

/// The creates a seed asks for, in order; refs must point at earlier records.
pub fn plan_creates(seed: &OrgSeed) -> Result<Vec<PlannedCreate>, SandboxError> {
    let mut known = Vec::<String>::new();
    let mut out = Vec::new();
    for (i, record) in seed.records.iter().enumerate() {
        let mut it = record.iter();
        let (Some((object, fields)), None) = (it.next(), it.next()) else {
            return Err(SandboxError::Input(format!(
                "the lab's org records[{i}] is not one object with its fields"
            )));
        };
        let mut planned = PlannedCreate {
            object: object.clone(),
            reference: None,
            fields: BTreeMap::new(),
        };
        for (name, value) in fields {
            let json = serde_json::to_value(value).unwrap_or(Value::Null);
            if name == "ref" {
                planned.reference = json.as_str().map(str::to_string);
                continue;
            }
            let as_ref = json
                .as_object()
                .filter(|m| m.len() == 1)
                .and_then(|m| m.get("ref"))
                .and_then(|r| r.as_str());
            let v = match as_ref {
                Some(r) if known.iter().any(|k| k == r) => SeedValue::Ref(r.to_string()),
                Some(r) => {
                    return Err(SandboxError::Input(format!(
                        "the lab's org records[{i}] refers to {r:?}, which no earlier record names; on a sandbox sflab can only point at records it created"
                    )))
                }
                None => SeedValue::Literal(json),
            };
            planned.fields.insert(name.clone(), v);
        }
        if let Some(r) = &planned.reference {
            known.push(r.clone());
        }
        out.push(planned);
    }
    Ok(out)
}

/// The custom fields a seed declares, per object (they must exist in the real org).
pub fn declared_fields(seed: &OrgSeed) -> Vec<(String, Vec<String>)> {
    seed.objects
        .iter()
        .map(|(o, def)| (o.clone(), def.fields.keys().cloned().collect()))
        .collect()
}

/// Refuses when a field the lab needs is missing from the org.
pub async fn check_fields_exist(client: &OrgClient, seed: &OrgSeed) -> Result<(), SandboxError> {
    for (object, fields) in declared_fields(seed) {
        if fields.is_empty() {
            continue;
        }
        let a = client
            .send(
                reqwest::Method::GET,
                &OrgClient::data_path(&format!("/sobjects/{object}/describe")),
                None,
            )
            .await?;
        if !a.ok() {
            return Err(SandboxError::Refused(format!(
                "this lab needs the object {object}, which the org does not have ({}). sflab never changes an org's metadata: create it in Setup first.",
                a.error_text()
            )));
        }
        let have: Vec<&str> = a.body["fields"]
            .as_array()
            .map(|fs| fs.iter().filter_map(|f| f["name"].as_str()).collect())
            .unwrap_or_default();
        let missing: Vec<&String> = fields
            .iter()
            .filter(|f| !have.contains(&f.as_str()))
            .collect();
        if !missing.is_empty() {
            let list: Vec<String> = missing.iter().map(|f| format!("{object}.{f}")).collect();
            return Err(SandboxError::Refused(format!(
                "this lab needs the field(s) {} in the org. sflab never changes an org's metadata: create them in Setup (Object Manager) as the lab's `org:` section describes, then run the check again.",
                list.join(", ")
            )));
        }
    }
    Ok(())
}

/// Creates the planned records, journaling each; returns `(object, id)` per record.
pub async fn create_all(
    client: &OrgClient,
    journal: &mut SeedJournal,
    plan: &[PlannedCreate],
) -> Result<Vec<(String, String)>, SandboxError> {
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut created = Vec::new();
    for p in plan {
        let mut body = Map::new();
        for (k, v) in &p.fields {
            let value = match v {
                SeedValue::Literal(v) => v.clone(),
                SeedValue::Ref(r) => Value::String(ids.get(r).cloned().unwrap_or_default()),
            };
            body.insert(k.clone(), value);
        }
        let label = p.label();
        let index = journal.before_create(&p.object, &label)?;
        let answer = client
            .send(
                reqwest::Method::POST,
                &OrgClient::data_path(&format!("/sobjects/{}", p.object)),
                Some(&Value::Object(body)),
            )
            .await;
        let answer = match answer {
            Ok(a) => a,
            // No answer: the entry stays without an id (reported at cleanup, never guessed).
            Err(e) => return Err(e),
        };
        match answer.body["id"].as_str() {
            Some(id) if answer.ok() => {
                journal.after_create(index, id)?;
                if let Some(r) = &p.reference {
                    ids.insert(r.clone(), id.to_string());
                }
                created.push((p.object.clone(), id.to_string()));
            }
            _ => {
                journal.create_failed(index)?;
                return Err(SandboxError::Refused(format!(
                    "the org refused to create the lab's {label} ({}); the records created before it are deleted again",
                    answer.error_text()
                )));
            }
        }
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_resolve_to_earlier_records_only() {
        let seed = OrgSeed::from_yaml(
            "records:\n  - Account: { ref: falcon, Name: Falcon Corp }\n  - Contact: { LastName: Doe, AccountId: { ref: falcon } }\n",
        )
        .unwrap();
        let plan = plan_creates(&seed).unwrap();
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[0].label(), "Account \"Falcon Corp\"");
        assert_eq!(
            plan[1].fields.get("AccountId"),
            Some(&SeedValue::Ref("falcon".into()))
        );
        let bad = OrgSeed::from_yaml(
            "records:\n  - Contact: { LastName: Doe, AccountId: { ref: nobody } }\n",
        )
        .unwrap();
        assert!(plan_creates(&bad).is_err());
    }

    #[test]
    fn declared_custom_fields_are_listed_for_the_existence_check() {
        let seed = OrgSeed::from_yaml(
            "objects:\n  Account: { fields: { ERP_Id__c: { type: text, externalId: true, unique: true } } }\n",
        )
        .unwrap();
        assert_eq!(
            declared_fields(&seed),
            vec![("Account".to_string(), vec!["ERP_Id__c".to_string()])]
        );
    }
}
