//! Password lockout: ten wrong passwords in a row lock the user out, at the token endpoint's
//! password grant, on the login page and on the device flow's verification page; a right
//! password starts the count again.

use super::*;
use crate::org::auth::lockout::MAX_INVALID_LOGIN_ATTEMPTS;
use crate::org::auth::sign_in::SignIn;
use parking_lot::Mutex;
use std::sync::Arc;

fn password_grant(password: &str) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "password"),
        ("client_id", "pw-key"),
        ("client_secret", "pw-secret"),
        ("username", "learner@sflab.dev"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .chain([("password", password.to_string())])
    .collect()
}

async fn sign_in_with(h: &H, password: &str) -> Reply {
    let pairs = password_grant(password);
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    h.token(&pairs).await
}

/// Records the Login History statuses the org would write.
fn history(h: &H) -> Arc<Mutex<Vec<String>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    h.auth.on_sign_in(Arc::new(move |s: &SignIn| {
        sink.lock().push(s.status.clone())
    }));
    seen
}

#[tokio::test]
async fn ten_wrong_passwords_in_a_row_lock_the_user_out_of_the_password_grant() {
    let h = H::with(seed(true));
    let seen = history(&h);
    for _ in 0..MAX_INVALID_LOGIN_ATTEMPTS {
        let r = sign_in_with(&h, "wrong").await;
        assert_eq!(r.json()["error_description"], "authentication failure");
    }
    assert!(
        h.last().reason.contains("the user is locked out"),
        "{}",
        h.last().reason
    );
    let r = sign_in_with(&h, "Learner-1").await;
    assert_eq!(
        (r.error().as_str(), r.json()["error_description"].as_str()),
        ("invalid_grant", Some("user is locked")),
        "the right password no longer helps"
    );
    let seen = seen.lock().clone();
    assert_eq!(seen[..9], vec!["Invalid Password".to_string(); 9][..]);
    assert_eq!(seen[9], "Password Lockout", "the attempt that locked");
    assert_eq!(seen[10], "Password Lockout", "the right password after it");
}

#[tokio::test]
async fn a_right_password_starts_the_count_again() {
    let h = H::with(seed(true));
    for _ in 1..MAX_INVALID_LOGIN_ATTEMPTS {
        sign_in_with(&h, "wrong").await;
    }
    assert_eq!(sign_in_with(&h, "Learner-1").await.status, StatusCode::OK);
    for _ in 1..MAX_INVALID_LOGIN_ATTEMPTS {
        sign_in_with(&h, "wrong").await;
    }
    let r = sign_in_with(&h, "Learner-1").await;
    assert_eq!(r.status, StatusCode::OK, "never ten in a row: {}", r.body);
}

#[tokio::test]
async fn ten_wrong_passwords_on_the_login_page_lock_the_user_out() {
    let h = H::new();
    let seen = history(&h);
    let fields = [
        ("response_type", "code"),
        ("client_id", "browser-key"),
        ("redirect_uri", "http://localhost:8080/callback"),
        ("state", "xyz"),
        ("code_challenge", CHALLENGE),
        ("username", "learner@sflab.dev"),
        ("action", "allow"),
    ];
    let mut wrong = fields.to_vec();
    wrong.push(("password", "nope"));
    for _ in 1..MAX_INVALID_LOGIN_ATTEMPTS {
        let r = h.post("/services/oauth2/authorize", &wrong).await;
        assert!(r.body.contains("Please check your username and password"));
    }
    let r = h.post("/services/oauth2/authorize", &wrong).await;
    assert!(r.body.contains("locked"), "{}", r.body);
    let mut right = fields.to_vec();
    right.push(("password", "Learner-1"));
    let r = h.post("/services/oauth2/authorize", &right).await;
    assert!(
        r.redirect_param("code").is_none(),
        "no code for a locked user"
    );
    assert_eq!(seen.lock()[9], "Password Lockout");
}

#[tokio::test]
async fn ten_wrong_passwords_on_the_device_verification_page_lock_the_user_out() {
    let h = H::new();
    let seen = history(&h);
    let r = h
        .token(&[
            ("response_type", "device_code"),
            ("client_id", "device-key"),
        ])
        .await;
    let start = r.json();
    let user_code = start["user_code"].as_str().expect("a user code");
    let form = |password: &'static str| {
        [
            ("user_code", user_code),
            ("username", "learner@sflab.dev"),
            ("password", password),
            ("action", "allow"),
        ]
    };
    for _ in 1..MAX_INVALID_LOGIN_ATTEMPTS {
        let r = h.post("/setup/connect", &form("nope")).await;
        assert!(
            r.body.contains("Please check your username and password"),
            "{}",
            r.body
        );
    }
    let r = h.post("/setup/connect", &form("nope")).await;
    assert!(r.body.contains("locked"), "{}", r.body);
    let r = h.post("/setup/connect", &form("Learner-1")).await;
    assert!(
        !r.body.contains("connected"),
        "a locked user connects no device: {}",
        r.body
    );
    assert_eq!(h.last().grant, "device_login");
    let seen = seen.lock().clone();
    assert_eq!(seen[..9], vec!["Invalid Password".to_string(); 9][..]);
    assert_eq!(seen[9], "Password Lockout", "the attempt that locked");
    assert_eq!(seen[10], "Password Lockout", "the right password after it");
}
