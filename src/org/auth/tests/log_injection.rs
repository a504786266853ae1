//! Client values in the decision log (what `org serve` prints and a lab's feedback quotes)
//! cannot forge a line or drive the terminal: a JWT's `sub` and `iss`, a
//! `code_challenge_method` and an unknown grant type arrive written out, on one line.

use super::*;
use crate::org::auth::jwt;
use crate::org::auth::token::JWT_GRANT;
use serde_json::json;

const FORGED: &str = "\nsflab: FAKE-LINE token issued to admin\x1b[31mRED\x1b[0m\r\x1b]0;TITLE\x07";
const WRITTEN_OUT: &str =
    "\\nsflab: FAKE-LINE token issued to admin\\u{1b}[31mRED\\u{1b}[0m\\r\\u{1b}]0;TITLE\\u{7}";

fn assert_one_safe_line(d: &AuthDecision) {
    let texts = [
        Some(&d.grant),
        d.client_id.as_ref(),
        d.username.as_ref(),
        d.pkce_method.as_ref(),
        Some(&d.reason),
    ];
    for text in texts.into_iter().flatten() {
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }
}

#[tokio::test]
async fn a_forged_jwt_sub_or_iss_is_logged_written_out() {
    let h = H::new();
    let exp = chrono::Utc::now().timestamp() + 120;
    let sub = format!("ghost@x.test{FORGED}");
    let claims =
        json!({"iss": "jwt-key", "sub": sub, "aud": "https://login.salesforce.com", "exp": exp});
    let assertion = jwt::sign(&client_keys(), &claims);
    let r = h
        .token(&[("grant_type", JWT_GRANT), ("assertion", &assertion)])
        .await;
    assert_eq!(r.error(), "invalid_grant", "{}", r.body);
    let d = h.last();
    assert_one_safe_line(&d);
    assert_eq!(d.username, Some(format!("ghost@x.test{WRITTEN_OUT}")));
    assert!(
        d.reason.contains(&format!("ghost@x.test{WRITTEN_OUT}")),
        "{}",
        d.reason
    );

    let claims = json!({"iss": format!("evil{FORGED}"), "sub": "integration@sflab.dev", "aud": "https://login.salesforce.com", "exp": exp});
    let assertion = jwt::sign(&client_keys(), &claims);
    h.token(&[("grant_type", JWT_GRANT), ("assertion", &assertion)])
        .await;
    let d = h.last();
    assert_one_safe_line(&d);
    assert_eq!(d.client_id, Some(format!("evil{WRITTEN_OUT}")));
}

#[tokio::test]
async fn a_forged_code_challenge_method_is_logged_written_out() {
    let h = H::new();
    let method = form(&[("code_challenge_method", &format!("S256{FORGED}"))]);
    h.get(&format!(
        "/services/oauth2/authorize?response_type=code&client_id=web-key&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcallback&state=s&code_challenge={CHALLENGE}&{method}"
    ))
    .await;
    let d = h.last();
    assert_one_safe_line(&d);
    assert!(
        d.reason.contains(&format!("S256{WRITTEN_OUT}")),
        "{}",
        d.reason
    );
}

#[tokio::test]
async fn a_forged_grant_type_is_logged_written_out() {
    let h = H::new();
    h.token(&[
        ("grant_type", &format!("magic{FORGED}")),
        ("client_id", "cc-key"),
        ("client_secret", "cc-secret"),
    ])
    .await;
    let d = h.last();
    assert_one_safe_line(&d);
    assert_eq!(d.grant, format!("magic{WRITTEN_OUT}"));
}
