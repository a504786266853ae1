//! Checklist §1 items 23–25: the device flow in Salesforce's form.

use super::*;
use crate::org::auth::decision::Outcome;
use std::time::Duration;

async fn start(h: &H) -> Value {
    let r = h
        .token(&[
            ("response_type", "device_code"),
            ("client_id", "device-key"),
            ("scope", "api refresh_token"),
        ])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

async fn poll(h: &H, code: &str) -> Reply {
    h.token(&[
        ("grant_type", "device"),
        ("client_id", "device-key"),
        ("code", code),
    ])
    .await
}

#[tokio::test]
async fn starting_gives_codes_uri_interval_and_lifetime() {
    let h = H::new();
    let v = start(&h).await;
    assert!(
        v["device_code"].as_str().unwrap().len() >= 64,
        "high entropy"
    );
    assert_eq!(v["user_code"].as_str().unwrap().len(), 8);
    assert_eq!(v["verification_uri"], format!("{BASE}/setup/connect"));
    assert_eq!(v["interval"], 5);
    assert_eq!(v["expires_in"], 600);
    let d = h.last();
    assert_eq!(
        (d.grant.as_str(), d.outcome),
        ("device_code", Outcome::Issued)
    );
    assert!(d.reason.contains("waiting"), "{}", d.reason);
}

#[tokio::test]
async fn polling_is_pending_then_slow_down_then_tokens_once_approved() {
    let h = H::new();
    let v = start(&h).await;
    let code = v["device_code"].as_str().unwrap();
    let r = poll(&h, code).await;
    assert_eq!(
        (r.status, r.error().as_str()),
        (StatusCode::BAD_REQUEST, "authorization_pending")
    );
    assert_eq!(h.last().outcome, Outcome::Pending);
    let r = poll(&h, code).await;
    assert_eq!(r.error(), "slow_down", "polled at once");
    h.auth.clock().advance(Duration::from_secs(6));
    let r = poll(&h, code).await;
    assert_eq!(
        r.error(),
        "slow_down",
        "the interval grew to 10 s, and now to 15 s"
    );
    h.auth.clock().advance(Duration::from_secs(16));
    assert_eq!(poll(&h, code).await.error(), "authorization_pending");
    h.auth
        .approve_device(v["user_code"].as_str().unwrap(), "learner")
        .unwrap();
    h.auth.clock().advance(Duration::from_secs(16));
    let r = poll(&h, code).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["refresh_token"].is_string());
    h.auth.clock().advance(Duration::from_secs(16));
    assert_eq!(
        poll(&h, code).await.error(),
        "invalid_grant",
        "a device code works once"
    );
}

#[tokio::test]
async fn a_busy_server_slows_down_a_well_paced_poll_and_the_slower_pace_then_gets_tokens() {
    let mut config = seed(false);
    config.settings.device_busy_polls = 1;
    let h = H::with(config);
    let v = start(&h).await;
    let code = v["device_code"].as_str().unwrap();
    h.auth
        .approve_device(v["user_code"].as_str().unwrap(), "learner")
        .unwrap();
    let r = poll(&h, code).await;
    assert_eq!(
        (r.status, r.error().as_str()),
        (StatusCode::BAD_REQUEST, "slow_down"),
        "the first poll is slowed down although nothing came before it"
    );
    let reason = h.last().reason;
    assert!(
        reason.contains("busy") && reason.contains("now 10 s"),
        "{reason}"
    );
    h.auth.clock().advance(Duration::from_secs(6));
    assert_eq!(
        poll(&h, code).await.error(),
        "slow_down",
        "5 s was the old pace: the interval is 10 s now, and grows to 15 s"
    );
    h.auth.clock().advance(Duration::from_secs(15));
    let r = poll(&h, code).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn denied_expired_and_foreign_device_codes_are_refused() {
    let h = H::new();
    let v = start(&h).await;
    h.auth
        .decide_device(v["user_code"].as_str().unwrap(), "learner", false)
        .unwrap();
    assert_eq!(
        poll(&h, v["device_code"].as_str().unwrap()).await.error(),
        "access_denied"
    );
    let v = start(&h).await;
    let r = h
        .token(&[
            ("grant_type", "device"),
            ("client_id", "device2-key"),
            ("code", v["device_code"].as_str().unwrap()),
        ])
        .await;
    assert_eq!(r.error(), "invalid_grant", "another client's device code");
    h.auth.clock().advance(Duration::from_secs(601));
    assert_eq!(
        poll(&h, v["device_code"].as_str().unwrap()).await.error(),
        "expired_token"
    );
    assert_eq!(poll(&h, "made-up").await.error(), "invalid_grant");
}

#[tokio::test]
async fn multipart_bodies_work_like_the_sf_cli_sends_them() {
    let h = H::new();
    let body = "--b0und\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\ndevice-key\r\n\
--b0und\r\nContent-Disposition: form-data; name=\"response_type\"\r\n\r\ndevice_code\r\n\
--b0und\r\nContent-Disposition: form-data; name=\"scope\"\r\n\r\nrefresh_token api\r\n--b0und--\r\n";
    let r = h
        .post_with(
            "/services/oauth2/token",
            body,
            &[("content-type", "multipart/form-data; boundary=b0und")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["user_code"].is_string());
}

#[tokio::test]
async fn the_verification_page_approves_after_login() {
    let h = H::new();
    let v = start(&h).await;
    let page = h
        .get(&format!(
            "/setup/connect?user_code={}",
            v["user_code"].as_str().unwrap()
        ))
        .await;
    assert!(page.body.contains(v["user_code"].as_str().unwrap()));
    let r = h
        .post(
            "/setup/connect",
            &[
                ("user_code", v["user_code"].as_str().unwrap()),
                ("username", "learner@sflab.dev"),
                ("password", "Learner-1"),
                ("action", "allow"),
            ],
        )
        .await;
    assert!(r.body.contains("connected"), "{}", r.body);
    let r = poll(&h, v["device_code"].as_str().unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn wrong_user_codes_are_rate_limited() {
    let h = H::new();
    let v = start(&h).await;
    for _ in 0..5 {
        assert!(h.auth.approve_device("WRONGCOD", "learner").is_err());
    }
    let e = h
        .auth
        .approve_device(v["user_code"].as_str().unwrap(), "learner")
        .unwrap_err();
    assert!(e.to_string().contains("too many"));
    h.auth.clock().advance(Duration::from_secs(61));
    assert!(h
        .auth
        .approve_device(v["user_code"].as_str().unwrap(), "learner")
        .is_ok());
}

#[tokio::test]
async fn a_too_early_poll_by_another_app_is_refused_for_the_app_not_slowed_down() {
    let h = H::new();
    let v = start(&h).await;
    let code = v["device_code"].as_str().unwrap();
    assert_eq!(poll(&h, code).await.error(), "authorization_pending");
    // At once, well inside the interval: whose code it is comes before how fast it polls.
    let foreign = |client: &'static str| {
        let h = &h;
        async move {
            h.token(&[
                ("grant_type", "device"),
                ("client_id", client),
                ("code", code),
            ])
            .await
        }
    };
    assert_eq!(foreign("device2-key").await.error(), "invalid_grant");
    assert_eq!(foreign("no-such-app").await.error(), "invalid_client_id");
    assert_eq!(foreign("spa-key").await.error(), "unauthorized_client");
    // The real device's pace was not touched by the foreign polls.
    h.auth.clock().advance(Duration::from_secs(6));
    assert_eq!(poll(&h, code).await.error(), "authorization_pending");
}

#[tokio::test]
async fn a_seed_names_the_interval_a_device_login_starts_with() {
    let mut config = seed(false);
    config.settings.device_interval = crate::org::auth::span::Span::secs(7);
    let h = H::with(config);
    let v = start(&h).await;
    assert_eq!(v["interval"], 7);
    let code = v["device_code"].as_str().unwrap();
    assert_eq!(poll(&h, code).await.error(), "authorization_pending");
    h.auth.clock().advance(Duration::from_secs(6));
    assert_eq!(
        poll(&h, code).await.error(),
        "slow_down",
        "6 s is inside the 7 s interval"
    );
}
