//! The Profile standard object (key prefix `00e`) and the profiles an org starts with.
//!
//! Every user of a real org has a profile, so `SELECT Profile.Name FROM User WHERE Id = …` is
//! a common check an integration runs on itself. The org holds the profiles every org has
//! (System Administrator, Standard User, the two minimum-access ones and the API-only profile
//! of the Salesforce Integration licence) and then each other profile the seed's users name,
//! in the order the seed first names them; each seeded user's `ProfileId` points at its own.
//!
//! Implementation notes: profiles are read-only through the API here (describe says not
//! createable, updateable or deletable; an insert answers INVALID_TYPE_FOR_OPERATION, see
//! [`super::schema::ObjectDef::abilities`]). A real org lets some profile fields be updated
//! through the API and creates profiles through the Metadata API; sflab models neither [U].
//! `UserLicenseId` is left out: the org has no UserLicense object for it to point at.

use super::ids::SfId;
use super::schema::{FieldDef, FieldType as T, ObjectDef};
use super::standard_objects::{defaulted, derived, finish, name, object, text};
use super::store::{Actor, Store};
use super::SfError;
use serde_json::{json, Map};

/// The profile a user gets when the seed names none (as the login directory assumes).
pub const DEFAULT_PROFILE: &str = "Standard User";

/// The profiles every org has, whatever its users name.
const BUILT_IN: [&str; 5] = [
    "System Administrator",
    DEFAULT_PROFILE,
    "Minimum Access - Salesforce",
    "Minimum Access - API Only Integrations",
    "Salesforce API Only System Integrations",
];

pub(super) fn profile() -> ObjectDef {
    let mut o = object("Profile", "Profile", "Profiles");
    o.put_field(name(derived(text("Name", "Name", 255))));
    o.put_field(derived(text("Description", "Description", 255)));
    o.put_field(defaulted(
        derived(
            FieldDef::new("UserType", "User Type", T::Picklist).picklist_of(&[
                "Standard",
                "PowerPartner",
                "CspLitePortal",
                "CustomerSuccess",
                "PowerCustomerSuccess",
                "CsnOnly",
                "Guest",
            ]),
        ),
        "Standard",
    ));
    finish(o)
}

/// The org's profiles by name (case-insensitive), as seeded.
#[derive(Debug, Default)]
pub(crate) struct ProfileIds(Vec<(String, SfId)>);

impl ProfileIds {
    /// The id of the profile called `name`, or of [`DEFAULT_PROFILE`] when no name is given.
    pub fn of(&self, name: Option<&str>) -> Option<SfId> {
        let wanted = name.unwrap_or(DEFAULT_PROFILE);
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(wanted))
            .map(|(_, id)| *id)
    }
}

/// Inserts the built-in profiles and every other profile in `named` (the seed's users'
/// `profile:` values, in seed order), once each. Ids follow insertion order, so the same
/// seed always gives the same profile ids.
pub(crate) fn seed_profiles<'a>(
    store: &mut Store,
    named: impl IntoIterator<Item = &'a str>,
    actor: &Actor,
) -> Result<ProfileIds, SfError> {
    add_missing_profiles(store, ProfileIds::default(), named, actor)
}

/// Inserts each built-in profile and each of `named` that `ids` does not hold yet.
fn add_missing_profiles<'a>(
    store: &mut Store,
    mut ids: ProfileIds,
    named: impl IntoIterator<Item = &'a str>,
    actor: &Actor,
) -> Result<ProfileIds, SfError> {
    for n in BUILT_IN.into_iter().chain(named) {
        if ids.of(Some(n)).is_some() {
            continue;
        }
        let mut body = Map::new();
        body.insert("Name".into(), json!(n));
        body.insert("UserType".into(), json!("Standard"));
        let id = store.insert("Profile", &body, actor)?;
        ids.0.push((n.to_string(), id));
    }
    Ok(ids)
}

/// Brings org data saved before the org had profiles up to date, on load: adds the Profile
/// and LoginHistory objects and the current User.ProfileId definition where the saved schema
/// lacks them, the built-in profiles and those the seed's users name where missing, and gives
/// each user with no ProfileId the profile `seed_profile` names for its username (Standard
/// User when it names none). Data that already has all of this is left as it is.
pub(crate) fn upgrade_restored_users(
    store: &mut Store,
    seed_profile: impl Fn(&str) -> Option<String>,
    actor: &Actor,
) -> Result<(), SfError> {
    let current = super::standard_objects::standard_schema();
    for object in ["Profile", "LoginHistory"] {
        if store.schema().object(object).is_none() {
            store.define_object(current.object(object).cloned().expect("a standard object"));
        }
    }
    let user_t = store.object_index("User")?;
    let wanted = current.object("User").and_then(|u| u.field("ProfileId"));
    if let Some(f) = wanted.filter(|f| store.object(user_t).field("ProfileId") != Some(*f)) {
        store.define_field("User", f.clone())?;
    }
    let existing = match store.object_index("Profile") {
        Ok(t) => {
            let name = store.object(t).field_index("Name");
            let table = store.table(t);
            table
                .iter()
                .filter_map(|(_, r)| {
                    let n = name.and_then(|i| r.get(i)).and_then(|v| v.as_str())?;
                    Some((n.to_string(), table.id_of(r)?))
                })
                .collect()
        }
        Err(_) => Vec::new(),
    };
    let users_without: Vec<(SfId, Option<String>)> = {
        let user = store.object(user_t);
        let (username, profile) = (user.field_index("Username"), user.field_index("ProfileId"));
        let table = store.table(user_t);
        table
            .iter()
            .filter(|(_, r)| profile.and_then(|i| r.get(i)).is_none())
            .filter_map(|(_, r)| {
                let name = username.and_then(|i| r.get(i)).and_then(|v| v.as_str());
                Some((table.id_of(r)?, name.and_then(&seed_profile)))
            })
            .collect()
    };
    let named: Vec<&str> = users_without
        .iter()
        .filter_map(|(_, p)| p.as_deref())
        .collect();
    let ids = add_missing_profiles(store, ProfileIds(existing), named, actor)?;
    for (user, profile) in &users_without {
        let mut body = Map::new();
        body.insert(
            "ProfileId".into(),
            json!(ids.of(profile.as_deref()).map(|id| id.to_string())),
        );
        store.update("User", &user.to_string(), &body, actor)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeding_profiles_adds_each_named_profile_once_after_the_built_in_ones() {
        let mut store = Store::standard();
        let actor = Actor {
            user: store.ids.peek("005"),
            now: chrono::Utc::now(),
            trusted: true,
        };
        let ids = seed_profiles(
            &mut store,
            [
                "Integration User",
                "system administrator",
                "Integration User",
            ],
            &actor,
        )
        .unwrap();
        let admin = ids.of(Some("System Administrator")).unwrap();
        assert_eq!(admin.key_prefix(), "00e");
        assert_eq!(ids.of(Some("SYSTEM ADMINISTRATOR")), Some(admin));
        assert_eq!(ids.of(None), ids.of(Some("Standard User")));
        assert!(ids.of(Some("Integration User")).is_some());
        assert_eq!(ids.0.len(), BUILT_IN.len() + 1);
        assert!(ids.of(Some("Nobody's Profile")).is_none());
    }
}

/// Requests through the org's router, for the tests of the objects users sign in with.
#[cfg(test)]
pub(crate) mod rest_call {
    use crate::org::rest::router;
    use crate::org::Org;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use serde_json::Value;
    use tower::ServiceExt;

    /// Sends `method path` (a JSON `body`, or a form when `form` is set) and reads the answer
    /// as JSON (or a JSON string when it is not JSON).
    pub async fn send(
        org: &Org,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: Option<(&str, String)>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1:8443");
        if let Some(t) = bearer {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some((content_type, b)) => req.header("content-type", content_type).body(Body::from(b)),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let resp = router(org.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        (status, body)
    }

    /// Runs a SOQL query through the REST query resource as the org's admin.
    pub async fn query(org: &Org, soql: &str) -> (StatusCode, Value) {
        let login = crate::org::rest::static_token::issue_static_token(org, None).unwrap();
        let q: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
        let path = format!("/services/data/v59.0/query?q={q}");
        send(org, "GET", &path, Some(&login.token), None).await
    }
}

#[cfg(test)]
mod rest_tests {
    use super::rest_call::{query, send};
    use crate::org::store::Store;
    use crate::org::{Org, OrgSeed};
    use axum::http::StatusCode;
    use serde_json::{json, Value};

    #[tokio::test]
    async fn every_user_has_a_profile_that_soql_follows_from_user() {
        let org = Org::default_org();
        let (status, body) = query(
            &org,
            "SELECT Username, ProfileId, Profile.Name FROM User ORDER BY Username",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let rows = body["records"].as_array().unwrap();
        assert_eq!(rows.len(), 2);
        for r in rows {
            assert!(r["ProfileId"].as_str().unwrap().starts_with("00e"), "{r}");
        }
        assert_eq!(rows[0]["Username"], "admin@sflab.example");
        assert_eq!(rows[0]["Profile"]["Name"], "System Administrator");
        assert_eq!(rows[1]["Profile"]["Name"], "Integration User");
    }

    #[tokio::test]
    async fn a_user_the_seed_gives_no_profile_is_a_standard_user() {
        let seed = OrgSeed::from_yaml(
            "users:\n  - { username: a@x.dev, last_name: A, profile: 'Minimum Access - API Only Integrations' }\n  - { username: b@x.dev, last_name: B }\n",
        )
        .unwrap();
        let org = Org::new(&seed).unwrap();
        let (_, body) = query(&org, "SELECT Profile.Name FROM User ORDER BY Username").await;
        let names: Vec<_> = body["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["Profile"]["Name"].clone())
            .collect();
        assert_eq!(
            names,
            vec![
                json!("Minimum Access - API Only Integrations"),
                json!("Standard User")
            ]
        );
    }

    #[tokio::test]
    async fn creating_a_user_through_rest_without_a_profile_is_refused() {
        let org = Org::default_org();
        let login = crate::org::rest::static_token::issue_static_token(&org, None).unwrap();
        let mut user = json!({
            "Username": "new.hire@sflab.example",
            "LastName": "Hire",
            "Email": "new.hire@sflab.example",
            "Alias": "nhire",
        });
        let create = |body: String| {
            send(
                &org,
                "POST",
                "/services/data/v59.0/sobjects/User",
                Some(&login.token),
                Some(("application/json", body)),
            )
        };
        let (status, body) = create(user.to_string()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body[0]["errorCode"], "REQUIRED_FIELD_MISSING");
        assert_eq!(
            body[0]["message"],
            "Required fields are missing: [ProfileId]"
        );
        assert_eq!(body[0]["fields"], json!(["ProfileId"]));

        let (_, profiles) =
            query(&org, "SELECT Id FROM Profile WHERE Name = 'Standard User'").await;
        user["ProfileId"] = profiles["records"][0]["Id"].clone();
        let (status, body) = create(user.to_string()).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (_, found) = query(
            &org,
            "SELECT Profile.Name FROM User WHERE Username = 'new.hire@sflab.example'",
        )
        .await;
        assert_eq!(found["records"][0]["Profile"]["Name"], "Standard User");
    }

    #[tokio::test]
    async fn a_user_seeded_under_records_without_a_profile_is_a_standard_user() {
        let seed = OrgSeed::from_yaml(
            "records:\n  - User: { Username: r@x.dev, LastName: R, Email: r@x.dev, Alias: r }\n",
        )
        .unwrap();
        let org = Org::new(&seed).unwrap();
        let (_, body) = query(
            &org,
            "SELECT Profile.Name FROM User WHERE Username = 'r@x.dev'",
        )
        .await;
        assert_eq!(
            body["records"][0]["Profile"]["Name"], "Standard User",
            "{body}"
        );
    }

    /// Makes a saved org file look as sflab wrote it before the org had profiles: no Profile
    /// or LoginHistory objects, and an optional User.ProfileId that no user has.
    fn as_saved_before_profiles(image: &mut Value) {
        let objects = image["schema"]["objects"].as_array().unwrap();
        let index = |name: &str| objects.iter().position(|o| o["name"] == name).unwrap();
        let (user, mut gone) = (index("User"), [index("Profile"), index("LoginHistory")]);
        let fields = image["schema"]["objects"][user]["fields"]
            .as_array_mut()
            .unwrap();
        let slot = fields
            .iter()
            .position(|f| f["name"] == "ProfileId")
            .unwrap();
        fields[slot]["nillable"] = json!(true);
        for rec in image["records"][user].as_array_mut().unwrap() {
            let pairs = rec["fields"].as_array_mut().unwrap();
            pairs.retain(|pair| pair[0] != json!(slot));
        }
        gone.sort_unstable();
        for t in gone.into_iter().rev() {
            for list in ["records", "auto_numbers", "purged"] {
                if let Some(items) = image[list].as_array_mut() {
                    items.remove(t);
                }
            }
            image["schema"]["objects"].as_array_mut().unwrap().remove(t);
        }
    }

    #[tokio::test]
    async fn org_data_saved_before_profiles_gives_its_users_profiles_on_load() {
        let org = Org::default_org();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("org.json");
        org.store.read().save(&path).unwrap();
        let mut image: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        as_saved_before_profiles(&mut image);
        std::fs::write(&path, image.to_string()).unwrap();
        let loaded = Store::load(&path).unwrap();
        assert!(loaded.schema().object("Profile").is_none());

        let restored = Org::from_store(&org.seed, loaded).unwrap();
        let (status, body) = query(
            &restored,
            "SELECT Username, Profile.Name FROM User ORDER BY Username",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let profiles: Vec<_> = body["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["Username"].clone(), r["Profile"]["Name"].clone()))
            .collect();
        assert_eq!(profiles.len(), 2, "{body}");
        assert_eq!(profiles[0].1, "System Administrator", "{profiles:?}");
        assert_eq!(profiles[1].1, "Integration User", "{profiles:?}");
        let (_, body) = query(
            &restored,
            "SELECT Name FROM Profile WHERE Name = 'Standard User'",
        )
        .await;
        assert_eq!(body["totalSize"], 1, "{body}");
        let (status, body) = query(&restored, "SELECT Id FROM LoginHistory").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let store = restored.store.read();
        let profile_id = store.schema().object("User").unwrap().field("ProfileId");
        assert!(!profile_id.unwrap().nillable, "ProfileId is required again");
    }

    #[tokio::test]
    async fn profiles_are_queryable_and_cannot_be_created_through_rest() {
        let org = Org::default_org();
        let (status, body) = query(&org, "SELECT Id, Name, UserType FROM Profile").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let names: Vec<&str> = body["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["Name"].as_str().unwrap())
            .collect();
        for n in ["System Administrator", "Standard User", "Integration User"] {
            assert!(names.contains(&n), "{n} missing from {names:?}");
        }
        assert_eq!(body["records"][0]["UserType"], "Standard");
        let login = crate::org::rest::static_token::issue_static_token(&org, None).unwrap();
        let (status, body) = send(
            &org,
            "POST",
            "/services/data/v59.0/sobjects/Profile",
            Some(&login.token),
            Some(("application/json", json!({"Name": "Mine"}).to_string())),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body[0]["errorCode"], "INVALID_TYPE_FOR_OPERATION");
        for object in ["Profile", "LoginHistory"] {
            let path = format!("/services/data/v59.0/sobjects/{object}/describe");
            let (status, d) = send(&org, "GET", &path, Some(&login.token), None).await;
            assert_eq!(status, StatusCode::OK, "{object}: {d}");
            assert_eq!(d["queryable"], true, "{object}");
            assert_eq!(d["createable"], false, "{object}");
            assert_eq!(d["updateable"], false, "{object}");
            assert_eq!(d["deletable"], false, "{object}");
        }
    }
}
