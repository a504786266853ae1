//! Checklist §1 items 20–21, 26–27: refresh tokens (rotation, reuse detection, expiry, scope,
//! client binding), refreshed ID tokens, and revocation.

use super::*;

async fn tokens(h: &H, extra: &str) -> Value {
    let code = h.code("web-key", extra).await;
    let r = h.exchange("web-key", "web-secret", &code).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

async fn refresh(h: &H, token: &str) -> Reply {
    h.token(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", token),
        ("client_id", "web-key"),
        ("client_secret", "web-secret"),
    ])
    .await
}

fn claims(id_token: &str) -> Value {
    use base64::Engine;
    let part = id_token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn rotation_gives_a_new_refresh_token_and_reuse_revokes_the_family() {
    let h = H::new();
    let first = tokens(&h, "").await;
    let r1 = first["refresh_token"].as_str().unwrap();
    let second = refresh(&h, r1).await.json();
    let r2 = second["refresh_token"].as_str().expect("rotated");
    assert_ne!(r1, r2);
    let a2 = second["access_token"].as_str().unwrap();
    assert!(h.alive(a2));
    let reuse = refresh(&h, r1).await;
    assert_eq!(reuse.error(), "invalid_grant");
    assert_eq!(
        reuse.json()["error_description"],
        "expired access/refresh token"
    );
    assert!(h.last().reason.contains("family was revoked"));
    assert!(!h.alive(a2), "access tokens of the family are revoked");
    assert!(!h.alive(first["access_token"].as_str().unwrap()));
    assert_eq!(
        refresh(&h, r2).await.error(),
        "invalid_grant",
        "the newest refresh token too"
    );
}

#[tokio::test]
async fn without_rotation_the_same_refresh_token_keeps_working() {
    let h = H::new();
    let r = h.get(&format!("/services/oauth2/authorize?response_type=code&client_id=legacy-key&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcallback&scope=api%20refresh_token&code_challenge={CHALLENGE}")).await;
    let code = r.redirect_param("code").unwrap();
    let v = h
        .exchange("legacy-key", "legacy-secret", &code)
        .await
        .json();
    let rt = v["refresh_token"].as_str().unwrap();
    for _ in 0..2 {
        let r = h
            .token(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", rt),
                ("client_id", "legacy-key"),
                ("client_secret", "legacy-secret"),
            ])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.json().get("refresh_token").is_none());
    }
}

#[tokio::test]
async fn a_confidential_client_must_authenticate_to_refresh() {
    let h = H::new();
    let v = tokens(&h, "").await;
    let rt = v["refresh_token"].as_str().unwrap();
    let r = h
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("client_id", "web-key"),
        ])
        .await;
    assert_eq!(r.error(), "invalid_client");
    let r = refresh(&h, rt).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the refresh token was not spent by the refused try"
    );
}

#[tokio::test]
async fn a_refresh_token_of_another_client_is_refused() {
    let h = H::new();
    let v = tokens(&h, "").await;
    let r = h
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", v["refresh_token"].as_str().unwrap()),
            ("client_id", "legacy-key"),
            ("client_secret", "legacy-secret"),
        ])
        .await;
    assert_eq!(r.error(), "invalid_grant");
}

#[tokio::test]
async fn a_refresh_may_narrow_but_not_widen_scopes() {
    let h = H::new();
    let v = tokens(&h, "&scope=api%20refresh_token").await;
    let rt = v["refresh_token"].as_str().unwrap();
    let r = h
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("client_id", "web-key"),
            ("client_secret", "web-secret"),
            ("scope", "api openid"),
        ])
        .await;
    assert_eq!(r.error(), "invalid_scope");
    let r = h
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("client_id", "web-key"),
            ("client_secret", "web-secret"),
            ("scope", "api"),
        ])
        .await;
    assert_eq!(r.json()["scope"], "api");
}

#[tokio::test]
async fn offline_access_names_the_refresh_token_scope_on_a_refresh_too() {
    let h = H::new();
    let v = tokens(&h, "&scope=api%20offline_access").await;
    assert_eq!(v["scope"], "api refresh_token", "as authorize read it");
    let rt = v["refresh_token"].as_str().expect("a refresh token");
    let r = h
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("client_id", "web-key"),
            ("client_secret", "web-secret"),
            ("scope", "api offline_access"),
        ])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["scope"], "api refresh_token");
}

#[tokio::test]
async fn refresh_tokens_expire_under_the_app_policy() {
    let h = H::new();
    let v = tokens(&h, "").await;
    h.auth
        .clock()
        .advance(std::time::Duration::from_secs(86_401));
    let r = refresh(&h, v["refresh_token"].as_str().unwrap()).await;
    assert_eq!(r.error(), "invalid_grant");
}

#[tokio::test]
async fn a_refreshed_id_token_keeps_iss_sub_and_the_sign_in_time() {
    let h = H::new();
    let v = tokens(&h, "&scope=api%20refresh_token%20openid&nonce=abc").await;
    h.auth.clock().advance(std::time::Duration::from_secs(600));
    let r = refresh(&h, v["refresh_token"].as_str().unwrap())
        .await
        .json();
    let (a, b) = (
        claims(v["id_token"].as_str().unwrap()),
        claims(r["id_token"].as_str().unwrap()),
    );
    assert_eq!(a["iss"], b["iss"]);
    assert_eq!(a["sub"], b["sub"]);
    // OpenID Connect Core §12.2: auth_time is when the user signed in, not the refresh.
    assert_eq!(a["auth_time"], b["auth_time"]);
    assert_eq!(
        b["iat"].as_i64().unwrap() - a["iat"].as_i64().unwrap(),
        600,
        "the token itself is new"
    );
}

#[tokio::test]
async fn revoking_an_access_token_kills_it_and_a_second_revoke_is_invalid_token() {
    let h = H::new();
    let v = tokens(&h, "").await;
    let access = v["access_token"].as_str().unwrap();
    let r = h
        .post("/services/oauth2/revoke", &[("token", access)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!h.alive(access));
    let r = h
        .post("/services/oauth2/revoke", &[("token", access)])
        .await;
    assert_eq!(
        (r.status, r.error().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_token")
    );
}

#[tokio::test]
async fn revoking_a_refresh_token_revokes_its_access_tokens() {
    let h = H::new();
    let v = tokens(&h, "").await;
    let r = h
        .post(
            "/services/oauth2/revoke",
            &[("token", v["refresh_token"].as_str().unwrap())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!h.alive(v["access_token"].as_str().unwrap()));
    assert_eq!(
        refresh(&h, v["refresh_token"].as_str().unwrap())
            .await
            .error(),
        "invalid_grant"
    );
}

#[tokio::test]
async fn revocation_checks_hint_client_and_method() {
    let h = H::new();
    let v = tokens(&h, "").await;
    let access = v["access_token"].as_str().unwrap();
    let r = h
        .post(
            "/services/oauth2/revoke",
            &[("token", access), ("token_type_hint", "id_token")],
        )
        .await;
    assert_eq!(r.error(), "unsupported_token_type");
    let r = h
        .post(
            "/services/oauth2/revoke",
            &[
                ("token", access),
                ("client_id", "legacy-key"),
                ("client_secret", "legacy-secret"),
            ],
        )
        .await;
    assert_eq!(r.error(), "unauthorized_client", "another client's token");
    let r = h
        .get(&format!(
            "/services/oauth2/revoke?token={access}&client_secret=legacy-secret"
        ))
        .await;
    assert_eq!(r.error(), "invalid_request", "no secrets in URLs");
    assert!(h.alive(access));
    // Salesforce documents GET ?token= as well; the token leaves with it.
    let r = h
        .get(&format!("/services/oauth2/revoke?token={access}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!h.alive(access));
}
