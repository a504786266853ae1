//! Who can sign in with SOAP `login`: the admin a seed without users still has, and users
//! seeded with a security token.

use super::tests::{envelope, post};
use crate::org::rest::router;
use crate::org::{Org, OrgSeed};
use axum::http::StatusCode;

fn login(user: &str, password: &str) -> String {
    envelope(
        None,
        "",
        &format!("<login><username>{user}</username><password>{password}</password></login>"),
    )
}

#[tokio::test]
async fn a_seed_without_users_keeps_the_default_admins_password() {
    let seed = OrgSeed::from_yaml("records: [ { Account: { Name: Only Account } } ]\n").unwrap();
    let org = Org::new(&seed).unwrap();
    let app = router(org.clone());
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        login("admin@sflab.example", "Admin-sflab-1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("<sessionId>"), "{}", r.text);
}

/// An org whose integration user has a security token, and one user without.
fn org_with_a_token() -> Org {
    let seed = OrgSeed::from_yaml(
        "users:\n  \
         - { username: soap@lab.example, last_name: Soap, password: Soap-pass-1, security_token: XyZ123abc }\n  \
         - { username: plain@lab.example, last_name: Plain, password: Plain-pass-1 }\n",
    )
    .unwrap();
    Org::new(&seed).unwrap()
}

#[tokio::test]
async fn a_user_with_a_security_token_signs_in_with_it_appended_to_the_password() {
    let org = org_with_a_token();
    let app = router(org.clone());
    let ok = post(
        &app,
        "/services/Soap/u/59.0",
        login("soap@lab.example", "Soap-pass-1XyZ123abc"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let alone = post(
        &app,
        "/services/Soap/u/59.0",
        login("soap@lab.example", "Soap-pass-1"),
    )
    .await;
    assert!(
        alone
            .text
            .contains("<faultcode>sf:LOGIN_MUST_USE_SECURITY_TOKEN</faultcode>"),
        "{}",
        alone.text
    );
    // A user without a token signs in with the password alone; anything appended is wrong.
    let plain = post(
        &app,
        "/services/Soap/u/59.0",
        login("plain@lab.example", "Plain-pass-1"),
    )
    .await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.text);
    let extra = post(
        &app,
        "/services/Soap/u/59.0",
        login("plain@lab.example", "Plain-pass-1XyZ123abc"),
    )
    .await;
    assert!(extra.text.contains("sf:INVALID_LOGIN"), "{}", extra.text);
    let statuses: Vec<String> = {
        let store = org.store.read();
        let opts = crate::org::soql::QueryOptions::new(org.clock.now(), "62.0");
        crate::org::soql::query(
            &store,
            "SELECT Status FROM LoginHistory ORDER BY LoginTime",
            &opts,
        )
        .unwrap()
        .records
        .iter()
        .map(|r| r["Status"].as_str().unwrap().to_string())
        .collect()
    };
    assert_eq!(
        statuses,
        [
            "Success",
            "Failed: API security token required",
            "Success",
            "Invalid Password"
        ]
    );
}
