//! Turns an [`OrgSeed`] into a populated store: custom objects and fields first, then the
//! Organization record, the users, and the records in the order written (so `ref:` names
//! point at records seeded above).

use super::ids::{custom_key_prefix, SfId};
use super::seed::{custom_object, field_def, resolve_value, OrgSeed, SeedError, UserSeed};
use super::store::{Actor, Store};
use super::OrgUser;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeMap;

pub(crate) struct Built {
    pub store: Store,
    pub org_id: SfId,
    pub users: Vec<OrgUser>,
}

fn object_error(object: &str, reason: impl Into<String>) -> SeedError {
    SeedError::Object {
        object: object.to_string(),
        reason: reason.into(),
    }
}

pub(crate) fn declare_schema(store: &mut Store, seed: &OrgSeed) -> Result<(), SeedError> {
    let (mut customs, mut events) = (0usize, 0usize);
    for (name, os) in &seed.objects {
        if store.schema().object(name).is_some() {
            continue;
        }
        let prefix = if name.ends_with("__c") {
            customs += 1;
            custom_key_prefix('a', customs - 1)
        } else if name.ends_with("__e") {
            events += 1;
            custom_key_prefix('e', events - 1)
        } else {
            return Err(object_error(
                name,
                "there is no standard object of that name; a new object's name must end in __c (custom object) or __e (platform event)",
            ));
        };
        store.define_object(custom_object(name, os, &prefix));
    }
    for (name, os) in &seed.objects {
        for (fname, fs) in &os.fields {
            let exists = store
                .schema()
                .object(name)
                .and_then(|o| o.field(fname))
                .is_some();
            if !exists && !fname.ends_with("__c") {
                return Err(object_error(
                    name,
                    format!(
                        "field {fname}: custom field names end in __c (did you mean {fname}__c?)"
                    ),
                ));
            }
            if let Some(to) = &fs.reference_to {
                if store.schema().object(to).is_none() {
                    return Err(object_error(
                        name,
                        format!("field {fname}: referenceTo names {to}, which is not an object of this org"),
                    ));
                }
            }
            store
                .define_field(name, field_def(fname, fs))
                .map_err(|e| object_error(name, e.message))?;
        }
    }
    Ok(())
}

fn alias_for(first: Option<&str>, last: &str) -> String {
    let mut a: String = first.and_then(|f| f.chars().next()).into_iter().collect();
    a.extend(last.chars().filter(|c| c.is_alphanumeric()));
    a.chars().take(8).collect::<String>().to_lowercase()
}

pub(crate) fn build(seed: &OrgSeed, now: DateTime<Utc>) -> Result<Built, SeedError> {
    let mut store = Store::standard();
    declare_schema(&mut store, seed)?;
    let org_id = store.ids.next("00D");
    let actor = Actor {
        user: store.ids.peek("005"),
        now,
        trusted: true,
    };
    let s = &seed.org;
    let org_name = s.name.clone().unwrap_or_else(|| "sflab Mock Org".into());
    let mut org = Map::new();
    org.insert("Id".into(), json!(org_id.to_string()));
    org.insert("Name".into(), json!(org_name));
    org.insert("IsSandbox".into(), json!(s.sandbox()));
    org.insert("InstanceName".into(), json!(s.instance()));
    org.insert("OrganizationType".into(), json!(s.edition()));
    org.insert("NamespacePrefix".into(), json!(s.namespace_prefix));
    org.insert("TrialExpirationDate".into(), json!(s.trial_expiration_date));
    org.insert("LanguageLocaleKey".into(), json!("en_US"));
    org.insert("TimeZoneSidKey".into(), json!("America/Los_Angeles"));
    org.insert("DefaultLocaleSidKey".into(), json!("en_US"));
    store
        .insert("Organization", &org, &actor)
        .map_err(|e| object_error("Organization", e.message))?;

    let mut refs: BTreeMap<String, SfId> = BTreeMap::new();
    let mut users = Vec::new();
    let default_admin = [default_admin()];
    let seeded = seeded_users(seed, &default_admin);
    let profiles = super::standard_objects_profile::seed_profiles(
        &mut store,
        seeded.iter().filter_map(|u| u.profile.as_deref()),
        &actor,
    )
    .map_err(|e| object_error("Profile", e.message))?;
    for (i, u) in seeded.iter().enumerate() {
        let mut body = Map::new();
        body.insert("Username".into(), json!(u.username));
        let profile_id = profiles.of(u.profile.as_deref());
        body.insert(
            "ProfileId".into(),
            json!(profile_id.map(|id| id.to_string())),
        );
        body.insert("FirstName".into(), json!(u.first_name));
        body.insert("LastName".into(), json!(u.last_name));
        body.insert(
            "Email".into(),
            json!(u.email.clone().unwrap_or_else(|| u.username.clone())),
        );
        body.insert(
            "Alias".into(),
            json!(u
                .alias
                .clone()
                .unwrap_or_else(|| alias_for(u.first_name.as_deref(), &u.last_name))),
        );
        // The seed's `status: inactive` (read by the auth server) is the record's IsActive.
        let inactive = u.extra.get("status").and_then(|s| s.as_str()) == Some("inactive");
        body.insert("IsActive".into(), json!(!inactive));
        body.insert("Title".into(), json!(u.title));
        body.insert("CompanyName".into(), json!(org_name));
        let change = store
            .insert("User", &body, &actor)
            .map_err(|e| SeedError::User {
                index: i,
                username: u.username.clone(),
                error: e.message,
            })?;
        if let Some(r) = &u.reference {
            refs.insert(r.clone(), change);
        }
        users.push(OrgUser {
            id: change,
            username: u.username.clone(),
            profile: u.profile.clone(),
            reference: u.reference.clone(),
        });
    }

    for (i, rec) in seed.records.iter().enumerate() {
        let mut entries = rec.iter();
        let (Some((object, fields)), None) = (entries.next(), entries.next()) else {
            return Err(SeedError::RecordShape { index: i });
        };
        if store.schema().object(object).is_none() {
            return Err(SeedError::Record {
                index: i,
                object: object.clone(),
                error: "there is no object of that name; declare custom objects under `objects:` with a name ending in __c".into(),
            });
        }
        let mut body = Map::new();
        let mut own_ref = None;
        for (k, v) in fields {
            if k == "ref" {
                own_ref = v.as_str().map(str::to_string);
                continue;
            }
            let value: Json =
                resolve_value(v, &refs).map_err(|name| SeedError::UnknownRef { index: i, name })?;
            body.insert(k.clone(), value);
        }
        // A user written under `records:` that names no profile is a Standard User, as the
        // seed's `users:` are.
        if object.eq_ignore_ascii_case("User")
            && !body.keys().any(|k| k.eq_ignore_ascii_case("ProfileId"))
        {
            body.insert(
                "ProfileId".into(),
                json!(profiles.of(None).map(|id| id.to_string())),
            );
        }
        let change = store
            .insert(object, &body, &actor)
            .map_err(|e| SeedError::record(i, object, e))?;
        if let Some(r) = own_ref {
            refs.insert(r, change);
        }
    }
    Ok(Built {
        store,
        org_id,
        users,
    })
}

/// The password of the admin an org gets when its seed names no users, the same as the
/// default org's admin has (the README gives it for every page that asks for a login).
pub(crate) const DEFAULT_ADMIN_PASSWORD: &str = "Admin-sflab-1";

/// The user an org gets when its seed names none: the default org's admin, password and all.
pub(crate) fn default_admin() -> UserSeed {
    UserSeed {
        username: "admin@sflab.example".into(),
        first_name: Some("Ada".into()),
        last_name: "Admin".into(),
        email: None,
        profile: Some("System Administrator".into()),
        alias: None,
        title: None,
        reference: Some("admin".into()),
        extra: BTreeMap::from([(
            "password".to_string(),
            serde_yaml::Value::from(DEFAULT_ADMIN_PASSWORD),
        )]),
    }
}

/// The seed's users, or `default_admin` when it names none.
pub(crate) fn seeded_users<'a>(seed: &'a OrgSeed, default_admin: &'a [UserSeed]) -> &'a [UserSeed] {
    if seed.users.is_empty() {
        default_admin
    } else {
        &seed.users
    }
}

/// Wraps a restored store: the org id and users come from its Organization and User rows.
/// Data saved before the org had profiles gets them first (see
/// [`super::standard_objects_profile::upgrade_restored_users`]).
pub(crate) fn adopt(seed: &OrgSeed, mut store: Store) -> Result<Built, SeedError> {
    let default_admin = [default_admin()];
    let seeded = seeded_users(seed, &default_admin);
    let seeded_user = |name: &str| {
        seeded
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(name))
    };
    let missing = || {
        object_error(
            "Organization",
            "the restored data holds no Organization record",
        )
    };
    let org_t = store
        .schema()
        .object_index("Organization")
        .ok_or_else(missing)?;
    let table = store.table(org_t);
    let org_id = table
        .iter()
        .find_map(|(_, r)| table.id_of(r))
        .ok_or_else(missing)?;
    let mut users = Vec::new();
    if let Some(ut) = store.schema().object_index("User") {
        let obj = store.object(ut);
        let uname = obj.field_index("Username");
        let table = store.table(ut);
        for (_, r) in table.iter() {
            let (Some(id), Some(name)) = (
                table.id_of(r),
                uname.and_then(|i| r.get(i)).and_then(|v| v.as_str()),
            ) else {
                continue;
            };
            let seeded = seeded_user(name);
            users.push(OrgUser {
                id,
                username: name.to_string(),
                profile: seeded.and_then(|u| u.profile.clone()),
                reference: seeded.and_then(|u| u.reference.clone()),
            });
        }
    }
    let actor = Actor {
        user: users
            .first()
            .map_or_else(|| store.ids.peek("005"), |u| u.id),
        now: Utc::now(),
        trusted: true,
    };
    super::standard_objects_profile::upgrade_restored_users(
        &mut store,
        |name| seeded_user(name).and_then(|u| u.profile.clone()),
        &actor,
    )
    .map_err(|e| {
        object_error(
            "Profile",
            format!(
                "the restored data's users could not be given profiles: {}",
                e.message
            ),
        )
    })?;
    Ok(Built {
        store,
        org_id,
        users,
    })
}

/// Writes the org's permission sets and who holds them as PermissionSet and
/// PermissionSetAssignment records, so SOQL can ask what a user may do
/// (`SELECT PermissionSet.Name FROM PermissionSetAssignment WHERE Assignee.Username = …`).
pub(crate) fn permission_sets(
    built: &mut Built,
    auth: &super::auth::AuthConfig,
    now: DateTime<Utc>,
) -> Result<(), SeedError> {
    let actor = Actor {
        user: built
            .users
            .first()
            .map_or_else(|| built.store.ids.peek("005"), |u| u.id),
        now,
        trusted: true,
    };
    let section = |reason: String| SeedError::Section {
        section: "users.permission_sets".into(),
        reason,
    };
    let mut names: Vec<(String, String)> = auth
        .permission_sets
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.label.clone().unwrap_or_else(|| p.name.clone()),
            )
        })
        .collect();
    for u in auth.users.all() {
        for p in &u.permission_sets {
            if !names.iter().any(|(n, _)| n == p) {
                names.push((p.clone(), p.clone()));
            }
        }
    }
    let mut ids = BTreeMap::new();
    for (name, label) in names {
        let mut body = Map::new();
        body.insert("Name".into(), json!(name));
        body.insert("Label".into(), json!(label));
        let id = built
            .store
            .insert("PermissionSet", &body, &actor)
            .map_err(|e| section(format!("{name}: {}", e.message)))?;
        ids.insert(name, id);
    }
    for u in auth.users.all() {
        for p in &u.permission_sets {
            let mut body = Map::new();
            body.insert("AssigneeId".into(), json!(u.id));
            body.insert("PermissionSetId".into(), json!(ids[p].to_string()));
            built
                .store
                .insert("PermissionSetAssignment", &body, &actor)
                .map_err(|e| section(format!("{} holds {p}: {}", u.username, e.message)))?;
        }
    }
    Ok(())
}
