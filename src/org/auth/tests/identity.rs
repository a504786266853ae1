//! The identity URL, OpenID discovery, the JWKS, and the decision log's discretion.

use super::*;

async fn access(h: &H) -> String {
    let r = h
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", "cc-key"),
            ("client_secret", "cc-secret"),
        ])
        .await;
    r.json()["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_identity_url_refuses_missing_and_dead_tokens() {
    let h = H::new();
    let t = access(&h).await;
    let r = h
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", "cc-key"),
            ("client_secret", "cc-secret"),
        ])
        .await;
    let id = r.json()["id"]
        .as_str()
        .unwrap()
        .trim_start_matches(BASE)
        .to_string();
    let r = h.get(&id).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::FORBIDDEN, "Missing_OAuth_Token")
    );
    let r = h
        .get_with(&id, &[("authorization", "Bearer 00Dx!nope")])
        .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::FORBIDDEN, "Bad_OAuth_Token")
    );
    let r = h
        .get_with(&id, &[("authorization", &format!("Bearer {t}"))])
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn the_identity_url_accepts_an_oauth_token_query_parameter() {
    let h = H::new();
    let r = h
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", "cc-key"),
            ("client_secret", "cc-secret"),
        ])
        .await;
    let v = r.json();
    let id = v["id"]
        .as_str()
        .unwrap()
        .trim_start_matches(BASE)
        .to_string();
    let t = v["access_token"].as_str().unwrap();
    let r = h
        .get(&format!(
            "{id}?format=json&oauth_token={}&version=59.0",
            urlencode(t)
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let i = r.json();
    assert_eq!(i["username"], "integration@sflab.dev");
    assert_eq!(i["id"], v["id"]);
    assert!(i["urls"]["rest"]
        .as_str()
        .unwrap()
        .ends_with("/services/data/v59.0/"));
    let xml = h
        .get(&format!("{id}?format=xml&oauth_token={}", urlencode(t)))
        .await;
    assert!(xml
        .body
        .contains("<username>integration@sflab.dev</username>"));
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn discovery_and_jwks_describe_the_server() {
    let h = H::new();
    let d = h.get("/.well-known/openid-configuration").await.json();
    assert_eq!(d["issuer"], BASE);
    assert_eq!(d["jwks_uri"], format!("{BASE}/id/keys"));
    assert_eq!(d["id_token_signing_alg_values_supported"][0], "RS256");
    // Only the client authentication the token endpoint accepts is advertised.
    assert_eq!(
        d["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_post", "client_secret_basic"])
    );
    let k = h.get("/id/keys").await.json();
    assert_eq!(k["keys"][0]["kid"], h.auth.keys().kid.as_str());
}

#[tokio::test]
async fn the_decision_log_never_holds_a_secret() {
    let h = H::new();
    let t = access(&h).await;
    let code = h.code("web-key", "").await;
    let v = h.exchange("web-key", "web-secret", &code).await.json();
    let _ = h.exchange("web-key", "web-secret", &code).await;
    let log = serde_json::to_string(&h.auth.decisions()).unwrap();
    for secret in [
        t.as_str(),
        "cc-secret",
        "web-secret",
        code.as_str(),
        VERIFIER,
        v["refresh_token"].as_str().unwrap(),
        v["access_token"].as_str().unwrap(),
    ] {
        assert!(!log.contains(secret), "log leaks {secret}");
    }
    assert!(h.auth.decisions().len() >= 4);
}
