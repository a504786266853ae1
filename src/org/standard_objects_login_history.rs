//! The LoginHistory standard object (key prefix `0Ya`): one read-only record per sign-in
//! attempt by a user of the org, fed by the authorization server and the SOAP `login` call
//! (see [`crate::org::auth::sign_in`]). Failed attempts are there with the reason in Status,
//! which is why the debugging lessons send learners here first for `invalid_grant`.
//!
//! Implementation notes: real LoginHistory records carry no audit fields and `UserId` has no
//! relationship name (SOQL cannot follow it to the User); the mock keeps the audit fields
//! every object of the store has, and, like a real org, offers no `User.` path from here.
//! Real orgs restrict the object to users with Manage Users (others see their own rows); the
//! mock applies only the org's general object access.

use super::auth::sign_in::SignIn;
use super::schema::{FieldDef, FieldType as T, ObjectDef};
use super::standard_objects::{derived, finish, object, text};
use super::store::{Actor, Store};
use super::Org;
use serde_json::{json, Map};

pub(super) fn login_history() -> ObjectDef {
    let mut o = object("LoginHistory", "Login History", "Login History");
    let mut user = derived(FieldDef::new("UserId", "User ID", T::Reference));
    user.reference_to = vec!["User".into()];
    o.put_field(user);
    o.put_field(derived(FieldDef::new(
        "LoginTime",
        "Login Time",
        T::DateTime,
    )));
    o.put_field(derived(
        FieldDef::new("LoginType", "Login Type", T::Picklist).picklist_of(&[
            "Application",
            "Remote Access 2.0",
            "Remote Access Client",
            "Other Apex API",
            "Partner Product",
            "SAML Idp Initiated SSO",
            "SAML Sfdc Initiated SSO",
        ]),
    ));
    o.put_field(derived(text("Status", "Status", 128)));
    o.put_field(derived(text("Application", "Application", 64)));
    o.put_field(derived(text("SourceIp", "Source IP", 39)));
    o.put_field(derived(text("Browser", "Browser", 64)));
    o.put_field(derived(text("Platform", "Platform", 64)));
    o.put_field(derived(text("LoginUrl", "Login URL", 255)));
    o.put_field(derived(text("ApiType", "API Type", 64)));
    o.put_field(derived(text("ApiVersion", "API Version", 32)));
    finish(o)
}

/// Writes one sign-in attempt as a LoginHistory record. A user the store does not hold (an
/// org restored from data saved before the user existed) leaves no record.
pub(crate) fn record(store: &mut Store, s: &SignIn) {
    let mut body = Map::new();
    body.insert("UserId".into(), json!(s.user_id));
    body.insert(
        "LoginTime".into(),
        json!(s.at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
    );
    body.insert("LoginType".into(), json!(s.login_type));
    body.insert("Status".into(), json!(s.status));
    body.insert("Application".into(), json!(s.application));
    body.insert("SourceIp".into(), json!(s.source_ip));
    body.insert(
        "Browser".into(),
        json!(s.browser.as_deref().unwrap_or("Unknown")),
    );
    body.insert("LoginUrl".into(), json!(s.login_url));
    body.insert("ApiType".into(), json!(s.api_type));
    body.insert("ApiVersion".into(), json!(s.api_version));
    let Ok(user) = super::ids::SfId::parse(&s.user_id) else {
        return;
    };
    let actor = Actor {
        user,
        now: s.at,
        trusted: true,
    };
    // A failed write (no such user) is not the sign-in's business: the attempt stays in the
    // auth log either way.
    let _ = store.insert("LoginHistory", &body, &actor);
}

/// Makes the org's authorization server write every sign-in attempt to LoginHistory. The
/// sink holds the org weakly, so the org and its authorization server can still be dropped.
pub(crate) fn feed_from(org: &Org) {
    let weak = std::sync::Arc::downgrade(&org.0);
    org.auth.on_sign_in(std::sync::Arc::new(move |s: &SignIn| {
        if let Some(inner) = weak.upgrade() {
            record(&mut inner.store.write(), s);
        }
    }));
}

#[cfg(test)]
mod tests {
    use crate::org::rest::router;
    use crate::org::standard_objects_profile::rest_call::{query, send};
    use crate::org::Org;
    use axum::http::StatusCode;
    use serde_json::Value;

    const FORM: &str = "application/x-www-form-urlencoded";

    fn soap_login(user: &str, password: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body xmlns="urn:partner.soap.sforce.com"><login><username>{user}</username><password>{password}</password></login></soapenv:Body></soapenv:Envelope>"#
        )
    }

    async fn soap(org: &Org, envelope: String) -> StatusCode {
        use tower::ServiceExt;
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/services/Soap/u/59.0")
            .header("host", "127.0.0.1:8443")
            .header("content-type", "text/xml; charset=UTF-8")
            .header("soapaction", "\"\"")
            .body(axum::body::Body::from(envelope))
            .unwrap();
        router(org.clone()).oneshot(req).await.unwrap().status()
    }

    async fn history(org: &Org) -> Vec<Value> {
        let (status, body) = query(
            org,
            "SELECT UserId, LoginTime, LoginType, Status, Application, ApiType, ApiVersion, LoginUrl FROM LoginHistory ORDER BY LoginTime",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["records"].as_array().unwrap().clone()
    }

    #[tokio::test]
    async fn a_soap_login_with_a_wrong_password_shows_as_invalid_password_then_success() {
        let org = Org::default_org();
        assert!(history(&org).await.is_empty());
        let admin = org.user("admin").unwrap().id.to_string();
        assert_eq!(
            soap(&org, soap_login("admin@sflab.example", "wrong")).await,
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            soap(&org, soap_login("admin@sflab.example", "Admin-sflab-1")).await,
            StatusCode::OK
        );
        // Nobody of that name: no one's sign-in.
        soap(&org, soap_login("ghost@sflab.example", "x")).await;
        let rows = history(&org).await;
        let statuses: Vec<&str> = rows.iter().map(|r| r["Status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["Invalid Password", "Success"]);
        for r in &rows {
            assert_eq!(r["UserId"], admin.as_str());
            assert_eq!(r["LoginType"], "Other Apex API");
            assert_eq!(r["ApiType"], "SOAP Partner");
            assert_eq!(r["ApiVersion"], "59.0");
            assert_eq!(r["LoginUrl"], "127.0.0.1:8443");
            assert!(r["LoginTime"].as_str().unwrap().ends_with("+0000"), "{r}");
        }
    }

    #[tokio::test]
    async fn soap_logins_count_towards_the_password_lockout() {
        use crate::org::auth::lockout::MAX_INVALID_LOGIN_ATTEMPTS;
        let org = Org::default_org();
        for _ in 0..MAX_INVALID_LOGIN_ATTEMPTS {
            soap(&org, soap_login("admin@sflab.example", "wrong")).await;
        }
        assert_eq!(
            soap(&org, soap_login("admin@sflab.example", "Admin-sflab-1")).await,
            StatusCode::INTERNAL_SERVER_ERROR,
            "the right password no longer helps once locked out"
        );
        let rows = history(&org).await;
        let statuses: Vec<&str> = rows.iter().map(|r| r["Status"].as_str().unwrap()).collect();
        let n = MAX_INVALID_LOGIN_ATTEMPTS as usize;
        assert_eq!(statuses[..n - 1], vec!["Invalid Password"; n - 1][..]);
        assert_eq!(
            statuses[n - 1],
            "Password Lockout",
            "the attempt that locked"
        );
        assert_eq!(
            statuses[n], "Password Lockout",
            "the right password after it"
        );
    }

    #[tokio::test]
    async fn oauth_sign_ins_show_with_the_app_and_a_failure_status() {
        let org = Org::default_org();
        let config = org.auth.config();
        let web = config.app_by_name("sflab_web").unwrap();
        let form = [
            ("response_type", "code"),
            ("client_id", web.consumer_key.as_str()),
            ("redirect_uri", crate::org::auth::defaults::LESSON_CALLBACK),
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGcSstw-cM",
            ),
            ("code_challenge_method", "S256"),
            ("username", "admin@sflab.example"),
            ("password", "not-the-password"),
        ];
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        send(
            &org,
            "POST",
            "/services/oauth2/authorize",
            None,
            Some((FORM, body)),
        )
        .await;
        let cc = config.app_by_name("sflab_client_credentials").unwrap();
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("grant_type", "client_credentials"),
                ("client_id", cc.consumer_key.as_str()),
                ("client_secret", cc.consumer_secret.as_deref().unwrap()),
            ])
            .finish();
        let (status, token) = send(
            &org,
            "POST",
            "/services/oauth2/token",
            None,
            Some((FORM, body)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{token}");
        let rows = history(&org).await;
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0]["Status"], "Invalid Password");
        assert_eq!(rows[0]["Application"], "sflab_web");
        assert_eq!(rows[0]["UserId"], org.user("admin").unwrap().id.to_string());
        assert_eq!(rows[1]["Status"], "Success");
        assert_eq!(rows[1]["Application"], "sflab_client_credentials");
        for r in &rows {
            assert_eq!(r["LoginType"], "Remote Access 2.0");
        }
    }

    #[tokio::test]
    async fn login_history_cannot_be_written_through_rest() {
        let org = Org::default_org();
        let login = crate::org::rest::static_token::issue_static_token(&org, None).unwrap();
        let (status, body) = send(
            &org,
            "POST",
            "/services/data/v59.0/sobjects/LoginHistory",
            Some(&login.token),
            Some(("application/json", r#"{"Status":"Success"}"#.to_string())),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body[0]["errorCode"], "INVALID_TYPE_FOR_OPERATION");
    }
}
