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
    let mut ids = ProfileIds::default();
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
    use crate::org::{Org, OrgSeed};
    use axum::http::StatusCode;
    use serde_json::json;

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
