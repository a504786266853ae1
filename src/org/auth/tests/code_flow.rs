//! Checklist §1 items 5–10 and 26: authorization code + PKCE, redirect URI rules, state,
//! code lifetime and single use, the login page, and ID tokens.

use super::*;
use crate::org::auth::jwt;
use crate::org::auth::keys::verify_rs256;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

const CB: &str = "http%3A%2F%2Flocalhost%3A8080%2Fcallback";

fn authorize_url(client: &str, redirect: &str, extra: &str) -> String {
    format!("/services/oauth2/authorize?response_type=code&client_id={client}&redirect_uri={redirect}&state=xyz{extra}")
}

#[tokio::test]
async fn auto_approved_code_flow_with_defaulted_s256_issues_tokens_and_logs_the_pkce_facts() {
    let h = H::new();
    let code = h
        .code("web-key", "&scope=api%20refresh_token%20openid&nonce=n-0S6")
        .await;
    let r = h.exchange("web-key", "web-secret", &code).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert!(v["refresh_token"].as_str().unwrap().len() > 40);
    assert_eq!(v["scope"], "api refresh_token openid");
    let d = h.last();
    assert_eq!(d.grant, "authorization_code");
    assert_eq!(d.pkce_method.as_deref(), Some("S256"));
    assert_eq!(d.verifier_matched, Some(true));
    assert_eq!(d.username.as_deref(), Some("learner@sflab.dev"));
    // The ID token: RS256 with the JWKS key, nonce echoed, aud = consumer key.
    let id_token = v["id_token"].as_str().unwrap();
    let parts: Vec<&str> = id_token.split('.').collect();
    let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    assert!(verify_rs256(
        &h.auth.keys().public(),
        format!("{}.{}", parts[0], parts[1]).as_bytes(),
        &sig
    ));
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["nonce"], "n-0S6");
    assert_eq!(claims["aud"], "web-key");
    assert_eq!(claims["iss"], BASE);
    assert_eq!(claims["sub"], v["id"]);
    assert_eq!(
        claims["at_hash"],
        jwt::at_hash(v["access_token"].as_str().unwrap())
    );
    assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());
}

#[tokio::test]
async fn an_unknown_client_gets_an_error_page_and_no_redirect() {
    let h = H::new();
    let r = h.get(&authorize_url("ghost", CB, "")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.location().is_none());
    assert!(r.body.contains("client identifier invalid"));
}

#[tokio::test]
async fn redirect_uris_must_match_exactly_and_mismatches_never_redirect() {
    let h = H::new();
    for bad in [
        "http%3A%2F%2Flocalhost%3A8080%2Fcallback%3Fextra%3D1",
        "http%3A%2F%2Flocalhost%3A8080%2Fother",
        "https%3A%2F%2Fapp.example.com%2Fcb%2F",
        "https%3A%2F%2Fevil.example.com%2Fcb",
        "",
    ] {
        let r = h
            .get(&authorize_url(
                "web-key",
                bad,
                &format!("&code_challenge={CHALLENGE}"),
            ))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(r.location().is_none(), "{bad} must not redirect");
        assert!(r.body.contains("redirect_uri must match configuration"));
    }
}

#[tokio::test]
async fn a_loopback_callback_may_use_another_port() {
    let h = H::new();
    let r = h
        .get(&authorize_url(
            "web-key",
            "http%3A%2F%2Flocalhost%3A53123%2Fcallback",
            &format!("&code_challenge={CHALLENGE}"),
        ))
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert!(r
        .location()
        .unwrap()
        .starts_with("http://localhost:53123/callback?code="));
}

#[tokio::test]
async fn errors_after_the_redirect_is_trusted_redirect_with_state_echoed() {
    let h = H::new();
    let r = h
        .get(&authorize_url(
            "web-key",
            CB,
            &format!("&code_challenge={CHALLENGE}&scope=full"),
        ))
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.redirect_param("error").as_deref(), Some("invalid_scope"));
    assert_eq!(r.redirect_param("state").as_deref(), Some("xyz"));
}

#[tokio::test]
async fn pkce_is_required_by_external_client_apps() {
    let h = H::new();
    let r = h.get(&authorize_url("web-key", CB, "")).await;
    assert_eq!(
        r.redirect_param("error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(r.redirect_param("state").as_deref(), Some("xyz"));
    let r = h
        .get(&authorize_url(
            "web-key",
            CB,
            &format!("&code_challenge={VERIFIER}&code_challenge_method=plain"),
        ))
        .await;
    assert_eq!(
        r.redirect_param("error").as_deref(),
        Some("invalid_request"),
        "plain is refused"
    );
    assert_eq!(
        r.redirect_param("error_description").as_deref(),
        Some("unsupported code challenge method"),
        "the method is named, not the challenge"
    );
    let r = h
        .get(&authorize_url(
            "web-key",
            CB,
            &format!("&code_challenge={CHALLENGE}&code_challenge_method=S384"),
        ))
        .await;
    assert_eq!(
        r.redirect_param("error").as_deref(),
        Some("invalid_request"),
        "unknown method"
    );
    let r = h
        .get(&authorize_url("web-key", CB, "&code_challenge=tooshort"))
        .await;
    assert_eq!(
        r.redirect_param("error").as_deref(),
        Some("invalid_request"),
        "challenge length"
    );
    assert_eq!(
        r.redirect_param("error_description").as_deref(),
        Some("invalid code challenge")
    );
}

#[tokio::test]
async fn plain_pkce_works_where_the_app_does_not_require_s256() {
    let h = H::new();
    let r = h
        .get(&authorize_url(
            "legacy-key",
            CB,
            &format!("&code_challenge={VERIFIER}&code_challenge_method=plain"),
        ))
        .await;
    let code = r.redirect_param("code").expect("code");
    let r = h.exchange("legacy-key", "legacy-secret", &code).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(h.last().pkce_method.as_deref(), Some("plain"));
}

#[tokio::test]
async fn a_missing_wrong_or_malformed_verifier_is_invalid_grant() {
    let h = H::new();
    for verifier in [
        None,
        Some("a".repeat(43)),
        Some("bad verifier with spaces and more than 43 characters!!".to_string()),
    ] {
        let code = h.code("web-key", "").await;
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", "web-key"),
            ("client_secret", "web-secret"),
            ("redirect_uri", "http://localhost:8080/callback"),
        ];
        if let Some(v) = verifier.as_deref() {
            pairs.push(("code_verifier", v));
        }
        let r = h.token(&pairs).await;
        assert_eq!(r.error(), "invalid_grant", "{verifier:?}");
        assert_eq!(h.last().verifier_matched, Some(false));
    }
}

#[tokio::test]
async fn a_verifier_without_a_challenge_is_refused_as_a_downgrade() {
    let h = H::new();
    let r = h.get(&authorize_url("legacy-key", CB, "")).await;
    let code = r
        .redirect_param("code")
        .expect("no PKCE needed for this legacy app");
    let r = h.exchange("legacy-key", "legacy-secret", &code).await;
    assert_eq!(r.error(), "invalid_grant");
    assert!(h.last().reason.contains("no code_challenge"));
}

#[tokio::test]
async fn a_code_works_once_and_its_reuse_revokes_the_tokens_it_gave() {
    let h = H::new();
    let code = h.code("web-key", "").await;
    let v = h.exchange("web-key", "web-secret", &code).await.json();
    let access = v["access_token"].as_str().unwrap().to_string();
    let refresh = v["refresh_token"].as_str().unwrap().to_string();
    assert!(h.alive(&access));
    let again = h.exchange("web-key", "web-secret", &code).await;
    assert_eq!(again.error(), "invalid_grant");
    assert!(
        !h.alive(&access),
        "the access token from the first exchange is revoked"
    );
    let r = h
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", "web-key"),
            ("client_secret", "web-secret"),
        ])
        .await;
    assert_eq!(r.error(), "invalid_grant", "and so is the refresh token");
}

#[tokio::test]
async fn a_retry_after_a_refused_exchange_says_the_refusal_used_the_code_up() {
    let h = H::new();
    let code = h.code("web-key", "").await;
    let wrong = h
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", "web-key"),
            ("client_secret", "web-secret"),
            ("redirect_uri", "https://app.example.com/cb"),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(wrong.error(), "invalid_grant");
    let retry = h.exchange("web-key", "web-secret", &code).await;
    assert_eq!(retry.error(), "invalid_grant");
    let reason = h.last().reason;
    assert!(
        reason.contains("used up by an earlier attempt to exchange it that was refused"),
        "{reason}"
    );
    assert!(!reason.contains("already exchanged"), "{reason}");
    assert!(
        !reason.contains("revoked"),
        "no tokens were given: {reason}"
    );
}

#[tokio::test]
async fn an_authorize_request_without_redirect_uri_says_it_is_missing() {
    let h = H::new();
    let r = h
        .get(&format!(
            "/services/oauth2/authorize?response_type=code&client_id=web-key&state=xyz&code_challenge={CHALLENGE}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.location().is_none());
    let reason = h.last().reason;
    assert!(reason.starts_with("redirect_uri is missing"), "{reason}");
    assert!(!reason.contains("''"), "{reason}");
}

#[tokio::test]
async fn a_code_expires_after_its_lifetime() {
    let h = H::new();
    let code = h.code("web-key", "").await;
    h.auth.clock().advance(std::time::Duration::from_secs(601));
    let r = h.exchange("web-key", "web-secret", &code).await;
    assert_eq!(r.error(), "invalid_grant");
    assert_eq!(r.json()["error_description"], "expired authorization code");
}

#[tokio::test]
async fn a_code_is_bound_to_its_client_and_redirect_uri() {
    let h = H::new();
    let code = h.code("web-key", "").await;
    let r = h.exchange("legacy-key", "legacy-secret", &code).await;
    assert_eq!(r.error(), "invalid_grant", "another client");
    let code = h.code("web-key", "").await;
    let r = h
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", "web-key"),
            ("client_secret", "web-secret"),
            ("redirect_uri", "https://app.example.com/cb"),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(
        r.error(),
        "invalid_grant",
        "another registered redirect_uri"
    );
    assert_eq!(
        r.json()["error_description"],
        "redirect uri does not match configuration"
    );
}

#[tokio::test]
async fn a_confidential_app_must_send_its_secret_with_the_code() {
    let h = H::new();
    let code = h.code("web-key", "").await;
    let r = h.exchange("web-key", "", &code).await;
    assert_eq!(r.error(), "invalid_client");
}

#[tokio::test]
async fn prompt_none_without_auto_approval_is_login_required() {
    let h = H::new();
    let r = h
        .get(&authorize_url(
            "browser-key",
            CB,
            &format!("&code_challenge={CHALLENGE}&prompt=none"),
        ))
        .await;
    assert_eq!(r.redirect_param("error").as_deref(), Some("login_required"));
}

#[tokio::test]
async fn the_browser_login_page_logs_in_allows_and_denies() {
    let h = H::new();
    let url = authorize_url(
        "browser-key",
        CB,
        &format!("&code_challenge={CHALLENGE}&login_hint=learner%40sflab.dev"),
    );
    let page = h.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<form method=\"post\""));
    assert!(page.body.contains("value=\"learner@sflab.dev\""));
    let fields = [
        ("response_type", "code"),
        ("client_id", "browser-key"),
        ("redirect_uri", "http://localhost:8080/callback"),
        ("state", "xyz"),
        ("code_challenge", CHALLENGE),
        ("username", "learner@sflab.dev"),
    ];
    let mut wrong = fields.to_vec();
    wrong.extend([("password", "nope"), ("action", "allow")]);
    let r = h.post("/services/oauth2/authorize", &wrong).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Please check your username and password"));
    let mut right = fields.to_vec();
    right.extend([("password", "Learner-1"), ("action", "allow")]);
    let r = h.post("/services/oauth2/authorize", &right).await;
    let code = r.redirect_param("code").expect("code after login");
    let t = h.exchange("browser-key", "", &code).await;
    assert_eq!(
        t.status,
        StatusCode::OK,
        "a public client needs no secret: {}",
        t.body
    );
    let mut deny = fields.to_vec();
    deny.extend([("action", "deny")]);
    let r = h.post("/services/oauth2/authorize", &deny).await;
    assert_eq!(r.redirect_param("error").as_deref(), Some("access_denied"));
}

#[tokio::test]
async fn after_a_browser_login_prompt_none_completes_silently_and_prompt_login_asks_again() {
    let h = H::new();
    let url = authorize_url("browser-key", CB, &format!("&code_challenge={CHALLENGE}"));
    let login = [
        ("response_type", "code"),
        ("client_id", "browser-key"),
        ("redirect_uri", "http://localhost:8080/callback"),
        ("code_challenge", CHALLENGE),
        ("username", "learner@sflab.dev"),
        ("password", "Learner-1"),
        ("action", "allow"),
    ];
    let r = h.post("/services/oauth2/authorize", &login).await;
    let set_cookie = r.headers["set-cookie"].to_str().unwrap();
    assert!(
        set_cookie.contains("; Secure;"),
        "the org is reached over HTTPS here: {set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    assert!(cookie.starts_with("sid="));
    let silent = h
        .get_with(&format!("{url}&prompt=none"), &[("cookie", &cookie)])
        .await;
    assert!(
        silent.redirect_param("code").is_some(),
        "{:?}",
        silent.location()
    );
    let again = h
        .get_with(&format!("{url}&prompt=login"), &[("cookie", &cookie)])
        .await;
    assert_eq!(again.status, StatusCode::OK, "prompt=login shows the page");
    let stranger = h.get(&format!("{url}&prompt=none")).await;
    assert_eq!(
        stranger.redirect_param("error").as_deref(),
        Some("login_required")
    );
    h.auth
        .clock()
        .advance(std::time::Duration::from_secs(2 * 3600 + 1));
    let expired = h
        .get_with(&format!("{url}&prompt=none"), &[("cookie", &cookie)])
        .await;
    assert_eq!(
        expired.redirect_param("error").as_deref(),
        Some("login_required")
    );
}

#[tokio::test]
async fn admin_approved_apps_refuse_users_who_are_not_pre_authorized() {
    let h = H::new();
    let r = h
        .get(&authorize_url(
            "adminonly-key",
            CB,
            &format!("&code_challenge={CHALLENGE}"),
        ))
        .await;
    assert_eq!(
        r.redirect_param("error").as_deref(),
        Some("OAUTH_APP_ACCESS_DENIED")
    );
    let r = h
        .get(&authorize_url(
            "adminonly-key",
            CB,
            &format!("&code_challenge={CHALLENGE}&login_hint=admin"),
        ))
        .await;
    assert!(r.redirect_param("code").is_some());
}

#[tokio::test]
async fn integration_licence_users_cannot_log_in_interactively() {
    let h = H::new();
    let r = h
        .get(&authorize_url(
            "web-key",
            CB,
            &format!("&code_challenge={CHALLENGE}&login_hint=integration"),
        ))
        .await;
    assert_eq!(r.redirect_param("error").as_deref(), Some("access_denied"));
}

#[tokio::test]
async fn a_repeated_authorize_parameter_is_an_error_page() {
    let h = H::new();
    let r = h
        .get(&format!("{}&state=again", authorize_url("web-key", CB, "")))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.location().is_none());
}
