//! Checks an [`OrgSeed`] as it is read, so a typo is refused with its name (and a "did you
//! mean") instead of a section, record or field silently vanishing: top-level sections no part
//! of the org reads (`recrods:`), keys of a user nobody reads (`frist_name:`), records of
//! objects the org does not have (`- Acount:`), and record fields their object does not have
//! (`Indusrty:`).
//!
//! Implementation notes: object and field names are checked against the standard schema with
//! the seed's own `objects:` declared on it, the same schema the org is built on. A record key
//! that is not a field may still name a lookup's relationship (`Account: { ERP_Id__c: … }` on a
//! Contact), as a REST write may. Lines are found by looking for `name:` in the text, because
//! the YAML parser keeps no positions for keys it accepted; the first match from the section's
//! own line on is given.

use super::build::declare_schema;
use super::seed::{OrgSeed, SeedError};
use super::store::Store;

/// Every top-level section of a seed some part of the org reads.
pub const SECTIONS: [&str; 13] = [
    "org",
    "objects",
    "users",
    "records",
    "apps",
    "permission_sets",
    "auth",
    "bulk",
    "events",
    "apex_rest",
    "soap_services",
    "mock_services",
    "mcp",
];

/// The sections other parts of the org read, each read as that part will read it when the org
/// is built: a typo inside one (`flow:` for an app's `flows:`) is refused as the seed is read
/// (a lab's file as the curriculum loads, `--seed` as `org serve` starts), not first when a run
/// builds the org.
pub fn section_contents(seed: &OrgSeed) -> Result<(), SeedError> {
    use crate::org::auth::{AuthSettings, ExternalClientApp, PermissionSet};
    let get = |k: &str| seed.other.get(k);
    let typed = |section: &str, read: Result<(), serde_yaml::Error>| {
        read.map_err(|e| SeedError::Section {
            section: section.to_string(),
            reason: e.to_string(),
        })
    };
    typed("apps", read_as::<Vec<ExternalClientApp>>(get("apps")))?;
    typed(
        "permission_sets",
        read_as::<Vec<PermissionSet>>(get("permission_sets")),
    )?;
    typed("auth", read_as::<AuthSettings>(get("auth")))?;
    crate::org::bulk::settings::BulkSettings::from_seed(seed)?;
    crate::org::events::defs::EventDefs::from_seed(seed)?;
    crate::org::callout::check_fixtures(seed).map_err(|e| SeedError::Fixture(e.to_string()))
}

/// Reads `section` (absent or empty: nothing to read) as a `T`, for its errors only.
fn read_as<T: serde::de::DeserializeOwned>(
    section: Option<&serde_yaml::Value>,
) -> Result<(), serde_yaml::Error> {
    match section {
        None | Some(serde_yaml::Value::Null) => Ok(()),
        Some(v) => serde_yaml::from_value::<T>(v.clone()).map(drop),
    }
}

/// `" (did you mean `x`?)"` for the nearest of `names` to `typed`, or nothing.
fn did_you_mean<'a>(typed: &str, names: impl IntoIterator<Item = &'a str>) -> String {
    match crate::suggest::closest(typed, names).first() {
        Some(near) => format!(" (did you mean `{near}`?)"),
        None => String::new(),
    }
}

/// The 1-based line of the first `name:` key at or after line `from` in `text`.
pub fn key_line(text: &str, name: &str, from: usize) -> Option<usize> {
    let key = format!("{name}:");
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, line)| {
            line.match_indices(&key).any(|(at, _)| {
                let before = line[..at].trim_end();
                before.is_empty() || before.ends_with(['{', ',', '-', ' ']) || before == "-"
            })
        })
        .map(|(i, _)| i + 1)
}

/// Refuses a top-level key that is not one of [`SECTIONS`].
pub fn sections<'a>(keys: impl IntoIterator<Item = &'a str>) -> Result<(), SeedError> {
    for key in keys {
        if !SECTIONS.contains(&key) {
            return Err(SeedError::UnknownKey {
                key: key.to_string(),
                reason: format!(
                    "is not a section of an org seed{}; the sections are {}",
                    did_you_mean(key, SECTIONS),
                    SECTIONS.join(", ")
                ),
                line: None,
            });
        }
    }
    Ok(())
}

/// The keys of a seeded user: the data core's, then the auth server's (`org::auth::seeding`).
const USER_KEYS: [&str; 13] = [
    "username",
    "first_name",
    "last_name",
    "email",
    "profile",
    "alias",
    "title",
    "ref",
    "password",
    "security_token",
    "permission_sets",
    "license",
    "status",
];

/// Refuses a key of a seeded user that neither the data core nor the auth server reads.
pub fn user_keys(seed: &OrgSeed) -> Result<(), SeedError> {
    for (index, user) in seed.users.iter().enumerate() {
        if let Some(key) = user.extra.keys().find(|k| !USER_KEYS.contains(&k.as_str())) {
            return Err(SeedError::UnknownKey {
                key: format!("users[{index}] ({}): {key}", user.username),
                reason: format!(
                    "is not a key of a seeded user{}; the keys are {}",
                    did_you_mean(key, USER_KEYS),
                    USER_KEYS.join(", ")
                ),
                line: None,
            });
        }
    }
    Ok(())
}

/// Refuses a record whose object or a field of it the seeded org would not have.
pub fn record_names(seed: &OrgSeed) -> Result<(), SeedError> {
    match record_name_problems(seed).into_iter().next() {
        Some(first) => Err(first),
        None => Ok(()),
    }
}

/// Every record whose object, and every field of a record, the seeded org would not have
/// (or the seed's own `objects:` problem, which leaves no schema to check against): what
/// [`record_names`] refuses the seed for, all at once, so an author fixes them in one pass.
pub fn record_name_problems(seed: &OrgSeed) -> Vec<SeedError> {
    let mut store = Store::standard();
    if let Err(e) = declare_schema(&mut store, seed) {
        return vec![e];
    }
    let schema = store.schema();
    let mut out = Vec::new();
    for (index, record) in seed.records.iter().enumerate() {
        // A record that is not one object with its fields is refused when it is built.
        let [(object, fields)] = record.iter().collect::<Vec<_>>()[..] else {
            continue;
        };
        let Some(def) = schema.object(object) else {
            let near = did_you_mean(object, schema.objects().iter().map(|o| o.name.as_str()));
            out.push(SeedError::UnknownKey {
                key: format!("records[{index}]: {object}"),
                reason: format!("is not an object of this org{near}; declare a custom object under `objects:` with a name ending in __c"),
                line: None,
            });
            continue;
        };
        for field in fields.keys().filter(|k| *k != "ref") {
            let known =
                def.field_index(field).is_some() || def.field_by_relationship(field).is_some();
            if !known {
                let names = def.fields.iter().map(|f| f.name.as_str());
                out.push(SeedError::UnknownKey {
                    key: format!("records[{index}] ({object}): {field}"),
                    reason: format!(
                        "is not a field of {object}{}; declare a custom field under `objects: {object}: fields:` with a name ending in __c",
                        did_you_mean(field, names)
                    ),
                    line: None,
                });
            }
        }
    }
    out
}

/// Every problem of building a seed that reads (see [`OrgSeed::from_yaml`]) into an org's
/// records, in the order written: a `ref:` no record or user above gives, a record the org
/// refuses (a required field missing, a value of the wrong type). Each is found by building
/// the seed again without what the last problem was about — the field naming an unknown
/// `ref:`, the refused record — so an author sees them all at once; a `ref:` to a refused
/// record is not said again. Record indices are the seed's own (from 0).
pub fn record_problems(seed: &OrgSeed) -> Vec<SeedError> {
    let mut seed = seed.clone();
    let mut places: Vec<usize> = (0..seed.records.len()).collect();
    let mut refused_refs = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for _ in 0..=places.len() {
        let Err(err) = super::build::build(&seed, chrono::Utc::now()) else {
            break;
        };
        match err {
            SeedError::UnknownRef { index, name } if index < places.len() => {
                let names_it = |v: &serde_yaml::Value| match v {
                    serde_yaml::Value::Mapping(m) if m.len() == 1 => {
                        m.get("ref").and_then(|r| r.as_str()) == Some(name.as_str())
                    }
                    serde_yaml::Value::String(s) => {
                        s.strip_prefix("ref:").map(str::trim) == Some(name.as_str())
                    }
                    _ => false,
                };
                for fields in seed.records[index].values_mut() {
                    fields.retain(|k, v| k == "ref" || !names_it(v));
                }
                if !refused_refs.contains(&name) {
                    out.push(SeedError::UnknownRef {
                        index: places[index],
                        name,
                    });
                }
            }
            SeedError::Record {
                index,
                object,
                error,
            } if index < places.len() => {
                out.push(SeedError::Record {
                    index: places[index],
                    object,
                    error,
                });
                refuse(&mut seed, &mut places, &mut refused_refs, index);
            }
            SeedError::RecordShape { index } if index < places.len() => {
                out.push(SeedError::RecordShape {
                    index: places[index],
                });
                refuse(&mut seed, &mut places, &mut refused_refs, index);
            }
            other => {
                out.push(other);
                break;
            }
        }
    }
    out
}

/// Leaves the record at `index` out of `seed`, keeping its `ref:` name among the refused.
fn refuse(
    seed: &mut OrgSeed,
    places: &mut Vec<usize>,
    refused_refs: &mut std::collections::BTreeSet<String>,
    index: usize,
) {
    let record = seed.records.remove(index);
    places.remove(index);
    for fields in record.values() {
        if let Some(name) = fields.get("ref").and_then(|r| r.as_str()) {
            refused_refs.insert(name.to_string());
        }
    }
}

/// `err` with the line of its key in `text` (the file the seed was read from), when found.
/// The line of the seed `text` that `err` is about, when it can tell: a YAML error's place, an
/// unknown key's line, the unknown field named in a section's error, or the start of the
/// record or user an error numbers.
pub fn line_of(err: &SeedError, text: &str) -> Option<usize> {
    let item = |section: &str, index: usize| {
        crate::yaml_input::item_lines(text, section)
            .get(index)
            .copied()
    };
    match err {
        SeedError::Yaml(e) => e.location().map(|l| l.line()),
        SeedError::UnknownKey { key, .. } => match with_line(
            SeedError::UnknownKey {
                key: key.clone(),
                reason: String::new(),
                line: None,
            },
            text,
        ) {
            SeedError::UnknownKey { line, .. } => line,
            _ => None,
        },
        SeedError::Section { section, reason } => {
            let from = key_line(text, section, 1)?;
            let field = reason
                .split_once("unknown field `")
                .and_then(|(_, rest)| rest.split_once('`'))
                .map(|(name, _)| name);
            Some(field.and_then(|f| key_line(text, f, from)).unwrap_or(from))
        }
        SeedError::Record { index, .. }
        | SeedError::RecordShape { index }
        | SeedError::UnknownRef { index, .. } => item("records", *index),
        SeedError::User { index, .. } => item("users", *index),
        SeedError::Object { object, .. } => key_line(text, object, key_line(text, "objects", 1)?),
        _ => None,
    }
}

pub fn with_line(err: SeedError, text: &str) -> SeedError {
    let SeedError::UnknownKey { key, reason, .. } = err else {
        return err;
    };
    let name = key.rsplit([' ', ':']).find(|s| !s.is_empty()).unwrap_or("");
    let from = if key.starts_with("records[") {
        key_line(text, "records", 1).unwrap_or(1)
    } else {
        1
    };
    let line = key_line(text, name, from);
    SeedError::UnknownKey { key, reason, line }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_inside_a_section_another_part_reads_is_refused_when_read() {
        let good = "apps:\n  - { name: job, flows: [client_credentials], scopes: [api] }\n";
        OrgSeed::from_yaml(good).expect("a valid app");
        let err = OrgSeed::from_yaml(&good.replace("flows:", "flow:"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("apps:") && err.contains("flow"), "{err}");
        let err = OrgSeed::from_yaml("bulk: { processing_delay: 5 }\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("bulk") && err.contains("processing_delay"),
            "{err}"
        );
        let err = OrgSeed::from_yaml("auth: { bogus_setting: 1 }\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("auth:"), "{err}");
    }

    #[test]
    fn a_mistyped_section_is_refused_with_the_one_meant() {
        let err = OrgSeed::from_yaml("org: { name: Tiny }\nrecrods:\n  - Account: { Name: A }\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("recrods"), "{err}");
        assert!(err.contains("did you mean `records`"), "{err}");
        let err = OrgSeed::from_yaml("objcts: []\n").unwrap_err().to_string();
        assert!(err.contains("did you mean `objects`"), "{err}");
        let err = OrgSeed::from_yaml("totally_bogus_key: 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("totally_bogus_key"), "{err}");
        assert!(err.contains("the sections are org, objects"), "{err}");
    }

    #[test]
    fn a_record_of_a_mistyped_object_or_field_is_refused_when_read() {
        let err = OrgSeed::from_yaml("records:\n  - Acount: { Name: A }\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("records[0]: Acount"), "{err}");
        assert!(err.contains("did you mean `Account`"), "{err}");
        let err = OrgSeed::from_yaml("records:\n  - Account: { Name: A, Indusrty: Tech }\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("records[0] (Account): Indusrty"), "{err}");
        assert!(err.contains("did you mean `Industry`"), "{err}");
    }

    #[test]
    fn seeded_fields_and_relationships_are_known_to_records() {
        OrgSeed::from_yaml(
            "objects:\n  Account: { fields: { ERP_Id__c: { type: text, externalId: true } } }\n\
             records:\n  - Account: { ref: a, name: A, ERP_Id__c: X }\n\
             \x20 - Contact: { LastName: D, Account: { ERP_Id__c: X } }\n",
        )
        .unwrap();
    }

    #[test]
    fn a_mistyped_key_of_a_user_is_refused_with_the_one_meant() {
        let err = OrgSeed::from_yaml(
            "users:\n  - { username: a@b.example, last_name: X, frist_name: Y }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("users[0] (a@b.example): frist_name"), "{err}");
        assert!(err.contains("did you mean `first_name`"), "{err}");
        OrgSeed::from_yaml(
            "users:\n  - { username: a@b.example, last_name: X, password: pw, permission_sets: [P], status: active }\n",
        )
        .unwrap();
    }

    #[test]
    fn a_seed_file_names_the_line_of_the_unknown_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seed.yaml");
        std::fs::write(
            &path,
            "org: { name: Tiny }\nrecords:\n  - Account: { Name: A }\n  - Account:\n      Name: B\n      Indusrty: Tech\n",
        )
        .unwrap();
        let err = OrgSeed::from_file(&path).unwrap_err().to_string();
        assert!(
            err.starts_with("line 6: records[1] (Account): Indusrty"),
            "{err}"
        );
        std::fs::write(&path, "org: { name: Tiny }\nobjcts: []\n").unwrap();
        let err = OrgSeed::from_file(&path).unwrap_err().to_string();
        assert!(err.starts_with("line 2: objcts"), "{err}");
    }
}
