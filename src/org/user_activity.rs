//! `User.IsActive` is the one fact of whether a user may sign in: the authorization server's
//! directory follows the User records, when the org is assembled and after every committed
//! write to a User (a `PATCH` of `IsActive`, a Composite or Bulk update…).
//!
//! A seed's `status: inactive` is written as `IsActive = false` when the org is built
//! (`build`), so the seed, SOQL and sign-in agree; a restored store's records win over the
//! seed. Deactivating ends the user's tokens and sessions (see `auth::activation`).

use super::auth::AuthServer;
use super::store::TxEnd;
use super::value::Value;
use super::{SfId, Store};

/// Is the User record `id` active? `None` when the store holds no such User.
fn is_active(store: &Store, id: &SfId) -> Option<bool> {
    let (t, record) = store.record(id)?;
    let object = store.object(t);
    if object.name != "User" {
        return None;
    }
    let field = object.field_index("IsActive")?;
    // A Boolean with no value reads as false, in SOQL as here: the two agree.
    Some(matches!(record.get(field), Some(Value::Bool(true))))
}

/// Makes `auth`'s directory agree with the User records now, and keeps it so after every
/// committed write.
pub(crate) fn follow(store: &mut Store, auth: &AuthServer) {
    for user in auth.config().users.all() {
        let Ok(id) = SfId::parse(&user.id) else {
            continue;
        };
        if let Some(active) = is_active(store, &id) {
            auth.set_user_active(&user.id, active);
        }
    }
    let auth = auth.clone();
    store.on_transaction_of(
        vec!["User".to_string()],
        Box::new(move |store, end| {
            let TxEnd::Committed(changes) = end else {
                return;
            };
            for c in changes.iter().filter(|c| &*c.object == "User") {
                if let Some(active) = is_active(store, &c.id) {
                    auth.set_user_active(c.id.as_str(), active);
                }
            }
        }),
    );
}

#[cfg(test)]
mod tests {
    use crate::org::standard_objects_profile::rest_call::{query, send};
    use crate::org::{Org, OrgSeed};
    use axum::http::StatusCode;
    use serde_json::Value;

    const FORM: &str = "application/x-www-form-urlencoded";

    async fn client_credentials(org: &Org, app: &str) -> (StatusCode, Value) {
        let config = org.auth.config();
        let cc = config.app_by_name(app).unwrap();
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("grant_type", "client_credentials"),
                ("client_id", cc.consumer_key.as_str()),
                ("client_secret", cc.consumer_secret.as_deref().unwrap()),
            ])
            .finish();
        send(
            org,
            "POST",
            "/services/oauth2/token",
            None,
            Some((FORM, body)),
        )
        .await
    }

    async fn set_active(org: &Org, user_id: &str, active: bool) {
        let admin = crate::org::rest::static_token::issue_static_token(org, None).unwrap();
        let (status, body) = send(
            org,
            "PATCH",
            &format!("/services/data/v59.0/sobjects/User/{user_id}"),
            Some(&admin.token),
            Some(("application/json", format!(r#"{{"IsActive":{active}}}"#))),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }

    async fn is_active_in_soql(org: &Org, user_id: &str) -> Value {
        let (status, body) = query(
            org,
            &format!("SELECT IsActive FROM User WHERE Id = '{user_id}'"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["records"][0]["IsActive"].clone()
    }

    async fn last_sign_in_status(org: &Org) -> Value {
        let (_, body) = query(org, "SELECT Status FROM LoginHistory").await;
        let rows = body["records"].as_array().unwrap();
        rows.last().unwrap()["Status"].clone()
    }

    #[tokio::test]
    async fn deactivating_a_user_through_the_api_ends_their_tokens_and_refuses_new_grants() {
        let org = Org::default_org();
        let integration = org.user("integration").unwrap().id.to_string();
        let (status, token) = client_credentials(&org, "sflab_client_credentials").await;
        assert_eq!(status, StatusCode::OK, "{token}");
        let token = token["access_token"].as_str().unwrap().to_string();
        let limits = "/services/data/v59.0/limits";
        assert_eq!(
            send(&org, "GET", limits, Some(&token), None).await.0,
            StatusCode::OK
        );

        set_active(&org, &integration, false).await;
        assert_eq!(
            is_active_in_soql(&org, &integration).await,
            Value::Bool(false)
        );
        let (status, _) = send(&org, "GET", limits, Some(&token), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "the session ended");
        let (status, body) = client_credentials(&org, "sflab_client_credentials").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"], "inactive_user");
        assert_eq!(last_sign_in_status(&org).await, "User is Inactive");

        set_active(&org, &integration, true).await;
        let (status, body) = client_credentials(&org, "sflab_client_credentials").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(last_sign_in_status(&org).await, "Success");
    }

    #[tokio::test]
    async fn a_seed_user_with_status_inactive_is_inactive_in_soql_until_activated() {
        let seed = OrgSeed::from_yaml(
            "users:\n  - { username: admin@seed.example, last_name: Admin, ref: admin, profile: System Administrator }\n  - { username: off@seed.example, last_name: Off, ref: off, status: inactive }\napps:\n  - name: off_cc\n    flows: [client_credentials]\n    run_as: off\n",
        )
        .unwrap();
        let org = Org::new(&seed).unwrap();
        let off = org.user("off").unwrap().id.to_string();
        assert_eq!(is_active_in_soql(&org, &off).await, Value::Bool(false));
        let (status, body) = client_credentials(&org, "off_cc").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"], "inactive_user");

        set_active(&org, &off, true).await;
        assert_eq!(is_active_in_soql(&org, &off).await, Value::Bool(true));
        let (status, body) = client_credentials(&org, "off_cc").await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    #[test]
    fn deactivation_revokes_the_users_refresh_tokens_and_access_tokens_only() {
        use crate::org::auth::{RefreshIssue, TokenRequest};
        let org = Org::default_org();
        let config = org.auth.config();
        let app = config.app_by_name("sflab_web").unwrap();
        let issue = |name: &str| {
            let user = config.users.find(name).unwrap();
            org.auth.issue(TokenRequest {
                base_url: "https://127.0.0.1:8443",
                app,
                user,
                scopes: vec!["api".into(), "refresh_token".into()],
                refresh: RefreshIssue::NewFamily,
                nonce: None,
                interactive: true,
            })
        };
        let (admin, integration) = (issue("admin"), issue("integration"));
        let id = config.users.find("integration").unwrap().id.clone();
        let ended = org.auth.set_user_active(&id, false).unwrap();
        assert_eq!((ended.access_tokens, ended.refresh_families), (1, 1));
        let now = org.clock.now();
        let token = |body: &Value| body["access_token"].as_str().unwrap().to_string();
        assert!(org
            .sessions
            .validate(&token(&integration.body), now)
            .is_err());
        assert!(org.sessions.validate(&token(&admin.body), now).is_ok());
        assert_eq!(
            org.auth.set_user_active(&id, false),
            None,
            "already inactive"
        );
    }
}
