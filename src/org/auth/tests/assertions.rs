//! Checklist §1 items 12–19: JWT bearer and SAML bearer assertions.

use super::*;
use crate::org::auth::jwt;
use crate::org::auth::saml::{sign_assertion, AssertionSpec};
use crate::org::auth::token::{JWT_GRANT, SAML_GRANT};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use serde_json::json;

fn now() -> i64 {
    Utc::now().timestamp()
}

fn claims(sub: &str, aud: &str, exp: Value) -> Value {
    json!({"iss": "jwt-key", "sub": sub, "aud": aud, "exp": exp})
}

async fn jwt_grant(h: &H, c: &Value) -> Reply {
    let assertion = jwt::sign(&client_keys(), c);
    h.token(&[("grant_type", JWT_GRANT), ("assertion", &assertion)])
        .await
}

#[tokio::test]
async fn a_good_jwt_gets_an_access_token_without_a_refresh_token() {
    let h = H::new();
    let r = jwt_grant(
        &h,
        &claims(
            "integration@sflab.dev",
            "https://login.salesforce.com",
            json!(now() + 180),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json().get("refresh_token").is_none());
    assert_eq!(h.last().grant, "jwt_bearer");
}

#[tokio::test]
async fn the_sf_cli_jwt_with_millisecond_exp_and_slashed_instance_aud_works() {
    let h = H::new();
    let c = claims(
        "integration@sflab.dev",
        &format!("{BASE}/"),
        json!(Utc::now().timestamp_millis() + 300),
    );
    let r = jwt_grant(&h, &c).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn simple_salesforce_string_exp_and_a_configured_audience_work() {
    let h = H::new();
    let c = claims(
        "integration@sflab.dev",
        "https://sflab.my.salesforce.com",
        json!((now() + 180).to_string()),
    );
    let r = jwt_grant(&h, &c).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn alg_none_and_hs256_substitution_are_refused() {
    let h = H::new();
    let body = URL_SAFE_NO_PAD.encode(
        claims(
            "integration@sflab.dev",
            "https://login.salesforce.com",
            json!(now() + 60),
        )
        .to_string(),
    );
    let none = format!("{}.{body}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#));
    let r = h
        .token(&[("grant_type", JWT_GRANT), ("assertion", &none)])
        .await;
    assert_eq!(
        (r.error().as_str(), r.json()["error_description"].as_str()),
        ("invalid_grant", Some("invalid assertion"))
    );
    use hmac::{Hmac, Mac};
    let head = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(client_cert().as_bytes()).unwrap();
    mac.update(format!("{head}.{body}").as_bytes());
    let forged = format!(
        "{head}.{body}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    );
    let r = h
        .token(&[("grant_type", JWT_GRANT), ("assertion", &forged)])
        .await;
    assert_eq!(r.error(), "invalid_grant");
    assert!(h.last().reason.contains("HS256"));
}

#[tokio::test]
async fn a_jwt_marking_an_unknown_extension_critical_is_an_invalid_assertion() {
    let h = H::new();
    let head = URL_SAFE_NO_PAD
        .encode(json!({"alg": "RS256", "typ": "JWT", "crit": ["exp2"], "exp2": 1}).to_string());
    let body = URL_SAFE_NO_PAD.encode(
        claims(
            "integration@sflab.dev",
            "https://login.salesforce.com",
            json!(now() + 60),
        )
        .to_string(),
    );
    let input = format!("{head}.{body}");
    let signed = format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(client_keys().sign(input.as_bytes()))
    );
    let r = h
        .token(&[("grant_type", JWT_GRANT), ("assertion", &signed)])
        .await;
    assert_eq!(
        (r.error().as_str(), r.json()["error_description"].as_str()),
        ("invalid_grant", Some("invalid assertion")),
        "{}",
        r.body
    );
    assert!(
        h.last().reason.contains(r#"crit lists ["exp2"]"#),
        "{}",
        h.last().reason
    );
}

#[tokio::test]
async fn expired_and_far_future_jwts_are_refused() {
    let h = H::new();
    let r = jwt_grant(
        &h,
        &claims(
            "integration@sflab.dev",
            "https://login.salesforce.com",
            json!(now() - 600),
        ),
    )
    .await;
    assert_eq!(r.error(), "invalid_grant");
    let r = jwt_grant(
        &h,
        &claims(
            "integration@sflab.dev",
            "https://login.salesforce.com",
            json!(now() + 3600),
        ),
    )
    .await;
    assert_eq!(r.error(), "invalid_grant");
    assert!(h.last().reason.contains("within 3 minutes"));
}

#[tokio::test]
async fn a_replayed_jti_is_refused() {
    let h = H::new();
    let mut c = claims(
        "integration@sflab.dev",
        "https://login.salesforce.com",
        json!(now() + 120),
    );
    c["jti"] = json!("once-only");
    let assertion = jwt::sign(&client_keys(), &c);
    let first = h
        .token(&[("grant_type", JWT_GRANT), ("assertion", &assertion)])
        .await;
    assert_eq!(first.status, StatusCode::OK);
    let second = h
        .token(&[("grant_type", JWT_GRANT), ("assertion", &assertion)])
        .await;
    assert_eq!(second.error(), "invalid_grant");
    assert!(h.last().reason.contains("jti"));
}

#[tokio::test]
async fn a_foreign_audience_is_audience_invalid() {
    let h = H::new();
    let r = jwt_grant(
        &h,
        &claims(
            "integration@sflab.dev",
            "https://elsewhere.example.com",
            json!(now() + 60),
        ),
    )
    .await;
    assert_eq!(r.json()["error_description"], "audience is invalid");
}

#[tokio::test]
async fn unknown_issuers_and_unapproved_or_frozen_users_are_refused() {
    let h = H::new();
    let mut c = claims(
        "integration@sflab.dev",
        "https://login.salesforce.com",
        json!(now() + 60),
    );
    c["iss"] = json!("ghost-key");
    assert_eq!(jwt_grant(&h, &c).await.error(), "invalid_client_id");
    let r = jwt_grant(
        &h,
        &claims(
            "learner@sflab.dev",
            "https://login.salesforce.com",
            json!(now() + 60),
        ),
    )
    .await;
    assert_eq!(
        r.json()["error_description"],
        "user hasn't approved this consumer"
    );
    let r = jwt_grant(
        &h,
        &claims(
            "frozen@sflab.dev",
            "https://login.salesforce.com",
            json!(now() + 60),
        ),
    )
    .await;
    assert_eq!(r.error(), "invalid_grant");
    assert!(h.last().reason.contains("frozen"));
}

#[tokio::test]
async fn an_unapproved_jwt_user_shows_in_login_history_as_not_approved_for_access() {
    use crate::org::auth::sign_in::{SignIn, NOT_APPROVED};
    use std::sync::{Arc, Mutex};
    let h = H::new();
    let statuses = Arc::new(Mutex::new(Vec::new()));
    let seen = statuses.clone();
    h.auth.on_sign_in(Arc::new(move |s: &SignIn| {
        seen.lock().unwrap().push(s.status.clone())
    }));
    let c = claims(
        "learner@sflab.dev",
        "https://login.salesforce.com",
        json!(now() + 60),
    );
    assert_eq!(jwt_grant(&h, &c).await.error(), "invalid_grant");
    assert!(h.last().reason.contains("is not approved for app"));
    assert_eq!(*statuses.lock().unwrap(), [NOT_APPROVED]);
}

#[tokio::test]
async fn a_tampered_jwt_fails_its_signature() {
    let h = H::new();
    let t = jwt::sign(
        &client_keys(),
        &claims(
            "integration@sflab.dev",
            "https://login.salesforce.com",
            json!(now() + 60),
        ),
    );
    let parts: Vec<&str> = t.split('.').collect();
    let admin = URL_SAFE_NO_PAD.encode(
        claims(
            "admin@sflab.dev",
            "https://login.salesforce.com",
            json!(now() + 60),
        )
        .to_string(),
    );
    let forged = format!("{}.{admin}.{}", parts[0], parts[2]);
    let r = h
        .token(&[("grant_type", JWT_GRANT), ("assertion", &forged)])
        .await;
    assert_eq!(r.error(), "invalid_grant");
}

fn saml(subject: &str, recipient: &str, minutes: i64) -> String {
    let now = Utc::now();
    let doc = sign_assertion(
        &AssertionSpec {
            id: "_s1",
            issuer: "saml-key",
            subject,
            audience: "https://login.salesforce.com",
            recipient,
            issued: now,
            not_on_or_after: now + chrono::Duration::minutes(minutes),
        },
        &client_keys(),
    );
    URL_SAFE_NO_PAD.encode(doc)
}

#[tokio::test]
async fn a_signed_saml_assertion_gets_a_token() {
    let h = H::new();
    let a = saml(
        "integration@sflab.dev",
        &format!("{BASE}/services/oauth2/token"),
        5,
    );
    let r = h
        .token(&[("grant_type", SAML_GRANT), ("assertion", &a)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(h.last().grant, "saml_bearer");
    let replayed = h
        .token(&[("grant_type", SAML_GRANT), ("assertion", &a)])
        .await;
    assert_eq!(replayed.error(), "invalid_grant", "an assertion works once");
    assert!(
        h.last().reason.contains("already used"),
        "{:?}",
        h.last().reason
    );
}

#[tokio::test]
async fn tampered_unsigned_expired_and_misaddressed_saml_assertions_are_refused() {
    let h = H::new();
    let good = String::from_utf8(
        URL_SAFE_NO_PAD
            .decode(saml(
                "integration@sflab.dev",
                &format!("{BASE}/services/oauth2/token"),
                5,
            ))
            .unwrap(),
    )
    .unwrap();
    let tampered = URL_SAFE_NO_PAD.encode(good.replace("integration@sflab.dev", "admin@sflab.dev"));
    let start = good.find("<ds:Signature").unwrap();
    let end = good.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let unsigned = URL_SAFE_NO_PAD.encode(format!("{}{}", &good[..start], &good[end..]));
    let expired = saml(
        "integration@sflab.dev",
        &format!("{BASE}/services/oauth2/token"),
        -10,
    );
    let elsewhere = saml(
        "integration@sflab.dev",
        "https://other.example.com/services/oauth2/token",
        5,
    );
    for (name, a) in [
        ("tampered", tampered),
        ("unsigned", unsigned),
        ("expired", expired),
        ("recipient", elsewhere),
    ] {
        let r = h
            .token(&[("grant_type", SAML_GRANT), ("assertion", &a)])
            .await;
        assert_eq!(r.error(), "invalid_grant", "{name}");
    }
}
