//! Checklist §1 items 1–4 and 11: every token request, client authentication, client
//! credentials, the password grant, and access-token expiry on the org clock.

use super::*;
use crate::org::auth::decision::Outcome;
use crate::org::SessionError;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

#[tokio::test]
async fn token_endpoint_refuses_get_with_must_use_post() {
    let h = H::new();
    let r = h.get("/services/oauth2/token").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error_description"], "must use HTTP POST");
}

#[tokio::test]
async fn client_credentials_with_basic_auth_issues_a_full_token_response() {
    let h = H::new();
    let r = h
        .post_with(
            "/services/oauth2/token",
            "grant_type=client_credentials",
            &[("authorization", &basic("cc-key", "cc-secret"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers["cache-control"], "no-store");
    assert_eq!(r.headers["pragma"], "no-cache");
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let v = r.json();
    let token = v["access_token"].as_str().unwrap();
    assert!(token.starts_with(&format!("{}!", &ORG_ID[..15])), "{token}");
    assert!(token[16..]
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.'));
    assert_eq!(v["instance_url"], BASE);
    let id = v["id"].as_str().unwrap();
    assert!(id.starts_with(&format!("{BASE}/id/{ORG_ID}/005")), "{id}");
    assert_eq!(v["token_type"], "Bearer");
    let issued_at = v["issued_at"].as_str().unwrap();
    assert_eq!(issued_at.len(), 13, "milliseconds");
    let mut mac = Hmac::<Sha256>::new_from_slice(b"cc-secret").unwrap();
    mac.update(format!("{id}{issued_at}").as_bytes());
    assert_eq!(
        v["signature"].as_str().unwrap(),
        STANDARD.encode(mac.finalize().into_bytes())
    );
    assert_eq!(
        v["scope"], "api",
        "no refresh_token scope for client credentials"
    );
    assert!(
        v.get("refresh_token").is_none(),
        "client credentials never get a refresh token"
    );
    let s = h
        .auth
        .sessions()
        .validate(token, h.auth.clock().now())
        .unwrap();
    assert_eq!(s.username, "integration@sflab.dev");
    let d = h.last();
    assert_eq!(
        (d.grant.as_str(), d.outcome),
        ("client_credentials", Outcome::Issued)
    );
    assert_eq!(d.username.as_deref(), Some("integration@sflab.dev"));
}

#[tokio::test]
async fn client_credentials_with_body_parameters_works() {
    let h = H::new();
    let r = h
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", "cc-key"),
            ("client_secret", "cc-secret"),
        ])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_wrong_secret_in_basic_answers_401_with_www_authenticate() {
    let h = H::new();
    let r = h
        .post_with(
            "/services/oauth2/token",
            "grant_type=client_credentials",
            &[("authorization", &basic("cc-key", "nope"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.headers.contains_key("www-authenticate"));
    assert_eq!(r.error(), "invalid_client");
    assert_eq!(r.json()["error_description"], "invalid client credentials");
}

#[tokio::test]
async fn an_empty_basic_header_answers_401_with_www_authenticate() {
    let h = H::new();
    for value in ["Basic ", "Basic", "basic   "] {
        let r = h
            .post_with(
                "/services/oauth2/token",
                "grant_type=client_credentials",
                &[("authorization", value)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{value:?}");
        assert!(r.headers.contains_key("www-authenticate"), "{value:?}");
        assert_eq!(r.error(), "invalid_client");
    }
}

#[tokio::test]
async fn a_wrong_or_missing_secret_in_the_body_is_invalid_client() {
    let h = H::new();
    for secret in ["nope", ""] {
        let r = h
            .token(&[
                ("grant_type", "client_credentials"),
                ("client_id", "cc-key"),
                ("client_secret", secret),
            ])
            .await;
        assert_eq!(
            (r.status, r.error().as_str()),
            (StatusCode::BAD_REQUEST, "invalid_client")
        );
    }
}

#[tokio::test]
async fn an_unknown_consumer_key_is_invalid_client_id() {
    let h = H::new();
    let r = h
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", "ghost"),
            ("client_secret", "x"),
        ])
        .await;
    assert_eq!(r.error(), "invalid_client_id");
    assert_eq!(r.json()["error_description"], "client identifier invalid");
}

#[tokio::test]
async fn secret_in_both_header_and_body_is_refused() {
    let h = H::new();
    let r = h
        .post_with(
            "/services/oauth2/token",
            "grant_type=client_credentials&client_secret=cc-secret",
            &[("authorization", &basic("cc-key", "cc-secret"))],
        )
        .await;
    assert_eq!(r.error(), "invalid_request");
}

#[tokio::test]
async fn a_repeated_parameter_is_invalid_request() {
    let h = H::new();
    let r = h
        .post_with("/services/oauth2/token", "grant_type=client_credentials&client_id=cc-key&client_id=cc-key&client_secret=cc-secret", &[])
        .await;
    assert_eq!(r.error(), "invalid_request");
    assert!(r.json()["error_description"]
        .as_str()
        .unwrap()
        .contains("client_id"));
}

#[tokio::test]
async fn a_secret_in_the_url_is_refused_even_with_a_good_body() {
    let h = H::new();
    let r = h
        .post_with(
            "/services/oauth2/token?client_secret=cc-secret",
            "grant_type=client_credentials&client_id=cc-key&client_secret=cc-secret",
            &[],
        )
        .await;
    assert_eq!(r.error(), "invalid_request");
    assert!(h.last().reason.contains("query string"));
    assert!(
        !h.last().reason.contains("cc-secret"),
        "the log never holds the secret"
    );
}

#[tokio::test]
async fn a_json_body_is_refused() {
    let h = H::new();
    let r = h
        .post_with(
            "/services/oauth2/token",
            "{\"grant_type\":\"client_credentials\"}",
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(r.error(), "invalid_request");
}

#[tokio::test]
async fn a_grant_the_app_lacks_is_unauthorized_client_and_an_unknown_one_unsupported() {
    let h = H::new();
    let r = h
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", "web-key"),
            ("client_secret", "web-secret"),
        ])
        .await;
    assert_eq!(r.error(), "unauthorized_client");
    let r = h
        .token(&[("grant_type", "magic"), ("client_id", "cc-key")])
        .await;
    assert_eq!(r.error(), "unsupported_grant_type");
}

#[tokio::test]
async fn client_credentials_without_a_run_as_user_is_refused() {
    let h = H::new();
    let r = h
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", "norunas-key"),
            ("client_secret", "s2"),
        ])
        .await;
    assert_eq!(r.error(), "invalid_grant");
    assert_eq!(
        r.json()["error_description"],
        "no client credentials user enabled"
    );
}

const CC_IP: &str = "grant_type=client_credentials&client_id=ip-key&client_secret=s3";

#[tokio::test]
async fn ip_ranges_judge_the_connections_address_not_x_forwarded_for() {
    let h = H::new();
    let path = "/services/oauth2/token";
    for forwarded in [None, Some("10.1.1.1"), Some("garbage"), Some("8.8.8.8")] {
        let headers: Vec<(&str, &str)> = forwarded
            .map(|f| ("x-forwarded-for", f))
            .into_iter()
            .collect();
        let r = h.post_from("127.0.0.1", path, CC_IP, &headers).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{forwarded:?}: {}",
            r.body
        );
        assert_eq!(r.error(), "invalid_grant", "{forwarded:?}");
        assert_eq!(r.json()["error_description"], "ip restricted");
        assert!(
            h.last().reason.contains("came from 127.0.0.1"),
            "{}",
            h.last().reason
        );
        assert!(
            h.last().reason.contains("(10.0.0.0/8)"),
            "{}",
            h.last().reason
        );
    }
    let r = h
        .post_from("10.1.2.3", path, CC_IP, &[("x-forwarded-for", "8.8.8.8")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = h.post_from("::ffff:10.9.9.9", path, CC_IP, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn ip_ranges_refuse_a_call_whose_address_is_unknown() {
    let h = H::new();
    let r = h
        .post_with(
            "/services/oauth2/token",
            CC_IP,
            &[("x-forwarded-for", "10.1.2.3")],
        )
        .await;
    assert_eq!(r.error(), "invalid_grant", "{}", r.body);
    assert_eq!(r.json()["error_description"], "ip restricted");
    assert!(
        h.last().reason.contains("could not tell which address"),
        "{}",
        h.last().reason
    );
}

#[tokio::test]
async fn the_password_grant_is_blocked_by_default() {
    let h = H::new();
    let r = h
        .token(&[
            ("grant_type", "password"),
            ("client_id", "pw-key"),
            ("client_secret", "pw-secret"),
            ("username", "learner@sflab.dev"),
            ("password", "Learner-1"),
        ])
        .await;
    assert_eq!(r.error(), "unsupported_grant_type");
    assert!(h.last().reason.contains("blocked"));
}

#[tokio::test]
async fn the_password_grant_works_when_the_org_and_a_legacy_app_allow_it() {
    let h = H::with(seed(true));
    let ok = [
        ("grant_type", "password"),
        ("client_id", "pw-key"),
        ("client_secret", "pw-secret"),
        ("username", "learner@sflab.dev"),
        ("password", "Learner-1"),
    ];
    let r = h.token(&ok).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut bad = ok;
    bad[4] = ("password", "wrong");
    let r = h.token(&bad).await;
    assert_eq!(
        (r.error().as_str(), r.json()["error_description"].as_str()),
        ("invalid_grant", Some("authentication failure"))
    );
    let r = h
        .token(&[
            ("grant_type", "password"),
            ("client_id", "pweca-key"),
            ("client_secret", "pweca-secret"),
            ("username", "learner@sflab.dev"),
            ("password", "Learner-1"),
        ])
        .await;
    assert_eq!(
        r.error(),
        "unsupported_grant_type",
        "External Client Apps never allow it"
    );
    let r = h
        .token(&[
            ("grant_type", "password"),
            ("client_id", "pw-key"),
            ("client_secret", "pw-secret"),
            ("username", "frozen@sflab.dev"),
            ("password", "Frozen-1"),
        ])
        .await;
    assert_eq!(r.error(), "invalid_grant", "frozen users cannot log in");
}

#[tokio::test]
async fn access_tokens_expire_by_the_app_timeout_on_the_org_clock() {
    let h = H::new();
    let code = h.code("web-key", "").await;
    let v = h.exchange("web-key", "web-secret", &code).await.json();
    let token = v["access_token"].as_str().unwrap();
    h.auth
        .clock()
        .advance(std::time::Duration::from_secs(14 * 60));
    assert!(h.alive(token));
    h.auth
        .clock()
        .advance(std::time::Duration::from_secs(2 * 60));
    assert_eq!(
        h.auth.sessions().validate(token, h.auth.clock().now()),
        Err(SessionError::Expired)
    );
}
