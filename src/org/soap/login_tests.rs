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
