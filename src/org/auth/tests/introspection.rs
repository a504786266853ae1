//! Token introspection (RFC 7662) at `/services/oauth2/introspect`, and the refusals of
//! credentials in a URL or a non-Basic `Authorization` header that it shares with the token
//! and revoke endpoints.

use super::*;
use crate::org::auth::decision::Outcome;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

const INTROSPECT: &str = "/services/oauth2/introspect";

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

async fn web_tokens(h: &H) -> Value {
    let code = h.code("web-key", "").await;
    let r = h.exchange("web-key", "web-secret", &code).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

async fn introspect_as(h: &H, id: &str, secret: &str, pairs: &[(&str, &str)]) -> Reply {
    h.post_with(
        INTROSPECT,
        &form(pairs),
        &[("authorization", &basic(id, secret))],
    )
    .await
}

#[tokio::test]
async fn introspecting_a_live_access_token_describes_it() {
    let h = H::new();
    let v = web_tokens(&h).await;
    let access = v["access_token"].as_str().unwrap();
    let r = introspect_as(
        &h,
        "web-key",
        "web-secret",
        &[("token", access), ("token_type_hint", "access_token")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers["cache-control"], "no-store");
    let j = r.json();
    assert_eq!(j["active"], true);
    assert_eq!(j["token_type"], "access_token");
    assert_eq!(j["client_id"], "web-key");
    assert_eq!(j["username"], "learner@sflab.dev");
    assert_eq!(j["scope"], v["scope"]);
    assert_eq!(j["sub"], v["id"]);
    let iat = j["iat"].as_i64().unwrap();
    assert_eq!(j["nbf"].as_i64(), Some(iat));
    assert_eq!(
        j["exp"].as_i64(),
        Some(iat + 15 * 60),
        "the app's 15m timeout"
    );
    let d = h.last();
    assert_eq!(
        (d.grant.as_str(), d.outcome),
        ("introspect", Outcome::Answered)
    );
    assert!(!d.reason.contains(access), "the log never holds the token");
}

#[tokio::test]
async fn introspecting_a_refresh_token_with_body_credentials_says_refresh_token() {
    let h = H::new();
    let v = web_tokens(&h).await;
    let r = h
        .post(
            INTROSPECT,
            &[
                ("token", v["refresh_token"].as_str().unwrap()),
                ("token_type_hint", "refresh_token"),
                ("client_id", "web-key"),
                ("client_secret", "web-secret"),
            ],
        )
        .await;
    let j = r.json();
    assert_eq!(
        (j["active"].clone(), j["token_type"].clone()),
        (true.into(), "refresh_token".into())
    );
    assert!(
        j["exp"].is_i64(),
        "the app's refresh tokens expire after a day"
    );
}

#[tokio::test]
async fn unknown_expired_and_revoked_tokens_are_only_inactive() {
    let h = H::new();
    let inactive = serde_json::json!({"active": false});
    let r = introspect_as(&h, "web-key", "web-secret", &[("token", "garbage")]).await;
    assert_eq!((r.status, r.json()), (StatusCode::OK, inactive.clone()));

    let v = web_tokens(&h).await;
    let refresh = v["refresh_token"].as_str().unwrap();
    let r = h
        .post("/services/oauth2/revoke", &[("token", refresh)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    for token in [refresh, v["access_token"].as_str().unwrap()] {
        let r = introspect_as(&h, "web-key", "web-secret", &[("token", token)]).await;
        assert_eq!(r.json(), inactive, "revoked");
    }

    let v = web_tokens(&h).await;
    h.auth
        .clock()
        .advance(std::time::Duration::from_secs(16 * 60));
    let access = v["access_token"].as_str().unwrap();
    let r = introspect_as(&h, "web-key", "web-secret", &[("token", access)]).await;
    assert_eq!(r.json(), inactive, "expired after the app's 15 minutes");
}

#[tokio::test]
async fn an_app_cannot_introspect_another_apps_token() {
    let h = H::new();
    let v = web_tokens(&h).await;
    let access = v["access_token"].as_str().unwrap();
    let r = introspect_as(&h, "cc-key", "cc-secret", &[("token", access)]).await;
    assert_eq!(r.json(), serde_json::json!({"active": false}));
    assert!(
        h.last().reason.contains("another app"),
        "{}",
        h.last().reason
    );
    assert!(h.alive(access), "introspection never revokes");
}

#[tokio::test]
async fn introspection_requires_client_authentication() {
    let h = H::new();
    let v = web_tokens(&h).await;
    let access = v["access_token"].as_str().unwrap();
    let r = h.post(INTROSPECT, &[("token", access)]).await;
    assert_eq!(
        (r.status, r.error().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_client")
    );
    let r = introspect_as(&h, "web-key", "wrong", &[("token", access)]).await;
    assert_eq!(
        (r.status, r.error().as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );
    assert!(r.headers.contains_key("www-authenticate"));
    let r = h.get(&format!("{INTROSPECT}?token={access}")).await;
    assert_eq!(r.error(), "invalid_request", "POST only");
}

#[tokio::test]
async fn introspection_refuses_credentials_in_the_url() {
    let h = H::new();
    let v = web_tokens(&h).await;
    let access = v["access_token"].as_str().unwrap();
    let r = h
        .post(
            &format!("{INTROSPECT}?client_id=web-key&client_secret=web-secret"),
            &[("token", access)],
        )
        .await;
    assert_eq!(r.error(), "invalid_request");
    assert_eq!(
        r.json()["error_description"],
        "credentials must not be sent in the URL"
    );
}

#[tokio::test]
async fn discovery_names_the_introspection_endpoint() {
    let h = H::new();
    let j = h.get("/.well-known/openid-configuration").await.json();
    assert_eq!(
        j["introspection_endpoint"],
        format!("{BASE}/services/oauth2/introspect")
    );
}

#[tokio::test]
async fn revoke_refuses_a_wrong_secret_in_the_url_and_keeps_the_token() {
    let h = H::new();
    let v = web_tokens(&h).await;
    let access = v["access_token"].as_str().unwrap();
    let r = h
        .post(
            "/services/oauth2/revoke?client_id=web-key&client_secret=WRONG",
            &[("token", access)],
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error_description"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("credentials must not be sent in the URL")
        )
    );
    assert!(h.alive(access), "a refused revoke revokes nothing");
    let r = h
        .post(
            "/services/oauth2/revoke",
            &[
                ("token", access),
                ("client_id", "web-key"),
                ("client_secret", "WRONG"),
            ],
        )
        .await;
    assert_eq!(r.error(), "invalid_client", "body credentials are checked");
    assert!(h.alive(access));
}

#[tokio::test]
async fn token_endpoint_answers_a_bearer_authorization_header_with_a_basic_challenge() {
    let h = H::new();
    for header in ["Bearer abc.def", "Digest username=\"cc-key\""] {
        let r = h
            .post_with(
                "/services/oauth2/token",
                &form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", "cc-key"),
                    ("client_secret", "cc-secret"),
                ]),
                &[("authorization", header)],
            )
            .await;
        assert_eq!(
            (r.status, r.error().as_str()),
            (StatusCode::UNAUTHORIZED, "invalid_client"),
            "{header}: {}",
            r.body
        );
        assert!(r.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic"));
        assert!(r.json()["error_description"]
            .as_str()
            .unwrap()
            .contains("only Basic"));
    }
}
