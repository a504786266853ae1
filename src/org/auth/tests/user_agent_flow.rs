//! The user-agent flow: `response_type=token` answers with the tokens in the redirect's
//! fragment; a refresh token only for a native app or the success page; an ID token bound to the nonce; errors in the
//! fragment too; apps not enabled for the flow are refused.

use super::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::collections::HashMap;

const CB: &str = "http%3A%2F%2Flocalhost%3A8080%2Fcallback";

fn fragment(r: &Reply) -> HashMap<String, String> {
    let loc = r.location().expect("a redirect");
    let url = url::Url::parse(&loc).expect("absolute URL");
    assert!(url.query().is_none(), "nothing in the query: {loc}");
    form_urlencoded::parse(url.fragment().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

async fn start(h: &H, client: &str, extra: &str) -> Reply {
    h.get(&format!(
        "/services/oauth2/authorize?client_id={client}&redirect_uri={CB}&state=s1{extra}"
    ))
    .await
}

#[tokio::test]
async fn token_response_puts_a_working_access_token_in_the_fragment_without_refresh() {
    let h = H::new();
    let r = start(&h, "spa-key", "&response_type=token&scope=api").await;
    assert_eq!(r.status, StatusCode::FOUND);
    let f = fragment(&r);
    assert_eq!(f["state"], "s1");
    assert_eq!(f["token_type"], "Bearer");
    assert_eq!(f["scope"], "api");
    assert!(f.contains_key("instance_url") && f.contains_key("id") && f.contains_key("signature"));
    assert!(!f.contains_key("refresh_token"), "not asked for: {f:?}");
    assert!(!f.contains_key("id_token"));
    assert!(h.alive(&f["access_token"]));
    let d = h.last();
    assert_eq!(d.grant, "user_agent");
    assert_eq!(d.username.as_deref(), Some("learner@sflab.dev"));
}

#[tokio::test]
async fn a_web_page_redirect_gets_no_refresh_token_even_with_the_scope() {
    let h = H::new();
    let r = start(
        &h,
        "spa-key",
        "&response_type=token&scope=api%20refresh_token",
    )
    .await;
    let f = fragment(&r);
    assert!(h.alive(&f["access_token"]));
    assert!(
        !f.contains_key("refresh_token"),
        "an http(s) page never gets one in its URL: {f:?}"
    );
}

#[tokio::test]
async fn id_token_response_needs_a_nonce_and_echoes_it() {
    let h = H::new();
    let r = start(
        &h,
        "spa-key",
        "&response_type=token%20id_token&scope=api%20openid",
    )
    .await;
    let f = fragment(&r);
    assert_eq!(f["error"], "invalid_request", "{f:?}");
    assert_eq!(f["state"], "s1");
    let r = start(
        &h,
        "spa-key",
        "&response_type=token%20id_token&scope=api%20openid&nonce=n-42abcdef",
    )
    .await;
    let f = fragment(&r);
    let parts: Vec<&str> = f["id_token"].split('.').collect();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["nonce"], "n-42abcdef");
    assert_eq!(claims["aud"], "spa-key");
    assert_ne!(f["id_token"], f["access_token"]);
}

#[tokio::test]
async fn an_app_without_the_flow_is_refused_in_the_fragment() {
    let h = H::new();
    let r = start(&h, "web-key", "&response_type=token").await;
    let f = fragment(&r);
    assert_eq!(f["error"], "unauthorized_client");
    let r = start(&h, "spa-key", "&response_type=code&code_challenge=").await;
    assert_eq!(
        r.redirect_param("error").as_deref(),
        Some("unauthorized_client")
    );
    let r = start(&h, "spa-key", "&response_type=token%20code").await;
    assert_eq!(
        r.redirect_param("error").as_deref(),
        Some("unsupported_response_type")
    );
}
