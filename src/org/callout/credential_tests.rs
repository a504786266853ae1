//! The credential store's rules over HTTP: each protocol's credential names, secrets sent
//! encrypted and never read back, and the API version the resource starts at.

use crate::org::Org;
use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value as Json};
use tower::ServiceExt;

/// An org with the callout fixtures of `tests` deployed, and an admin's token.
fn org_and_admin() -> (Org, String) {
    let org = Org::default_org();
    org.outbound
        .deployment
        .write()
        .deploy(&super::tests::files())
        .unwrap();
    let admin = crate::org::rest::static_token::issue_static_token(&org, None)
        .unwrap()
        .token;
    (org, admin)
}

/// Sends `method` to the credential resource at API `version` (`62.0`): (status, JSON body).
async fn send(
    org: &Org,
    admin: &str,
    version: &str,
    method: &str,
    query: &str,
    body: Option<Json>,
) -> (u16, Json) {
    let req = Request::builder()
        .method(method)
        .uri(format!(
            "/services/data/v{version}/named-credentials/credential{query}"
        ))
        .header("host", "127.0.0.1:8443")
        .header("authorization", format!("Bearer {admin}"))
        .header("content-type", "application/json")
        .body(Body::from(body.map(|b| b.to_string()).unwrap_or_default()))
        .unwrap();
    let r = crate::org::rest::router(org.clone())
        .oneshot(req)
        .await
        .unwrap();
    let status = r.status().as_u16();
    let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

fn oauth(credentials: Json) -> Json {
    json!({"externalCredential": "ERP_Auth", "principalName": "Main", "principalType": "NamedPrincipal",
        "authenticationProtocol": "OAuth", "credentials": credentials})
}

fn basic(credentials: Json) -> Json {
    json!({"externalCredential": "Courier_Auth", "principalName": "Main", "principalType": "NamedPrincipal",
        "authenticationProtocol": "Basic", "credentials": credentials})
}

fn message(e: &Json) -> String {
    e[0]["message"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_secret_sent_unencrypted_is_refused_and_not_stored() {
    let (org, admin) = org_and_admin();
    let body = oauth(
        json!({"clientId": {"value": "sflab-erp", "encrypted": false},
        "clientSecret": {"value": "erp-demo-secret", "encrypted": false}}),
    );
    let (status, e) = send(&org, &admin, "62.0", "POST", "", Some(body)).await;
    assert_eq!(status, 400, "{e}");
    assert!(
        message(&e).contains(
            "credentials.clientSecret is a secret and must be sent with \"encrypted\": true"
        ),
        "{e}"
    );
    assert!(!e.to_string().contains("erp-demo-secret"), "{e}");
    let body = basic(json!({"Username": {"value": "courier", "encrypted": false},
        "Password": {"value": "courier-demo-pass", "encrypted": false}}));
    let (status, e) = send(&org, &admin, "62.0", "POST", "", Some(body)).await;
    assert_eq!(status, 400, "{e}");
    assert!(
        message(&e).contains("credentials.Password is a secret"),
        "{e}"
    );
    let dep = org.outbound.deployment.read();
    assert!(dep.stored_values("ERP_Auth", "Main").is_none());
    assert!(dep.stored_values("Courier_Auth", "Main").is_none());
}

#[tokio::test]
async fn a_secret_sent_without_encrypted_is_told_true_only() {
    let (org, admin) = org_and_admin();
    let body = oauth(
        json!({"clientId": {"value": "sflab-erp", "encrypted": false},
        "clientSecret": {"value": "erp-demo-secret"}}),
    );
    let (status, e) = send(&org, &admin, "62.0", "POST", "", Some(body)).await;
    assert_eq!(status, 400, "{e}");
    let said = message(&e);
    assert!(
        said.contains("credentials.clientSecret is a secret and needs \"encrypted\": true"),
        "{e}"
    );
    assert!(!said.contains("or false"), "{e}");
    let body = basic(json!({"Username": {"value": "courier"},
        "Password": {"value": "courier-demo-pass", "encrypted": true}}));
    let (status, e) = send(&org, &admin, "62.0", "POST", "", Some(body)).await;
    assert_eq!(status, 400, "{e}");
    assert!(
        message(&e).contains("credentials.Username needs encrypted: true (a secret) or false"),
        "{e}"
    );
}

#[tokio::test]
async fn a_protocol_takes_only_its_own_credential_names() {
    let (org, admin) = org_and_admin();
    let body = oauth(
        json!({"client_id": {"value": "sflab-erp", "encrypted": false},
        "clientSecret": {"value": "erp-demo-secret", "encrypted": true}}),
    );
    let (status, e) = send(&org, &admin, "62.0", "POST", "", Some(body)).await;
    assert_eq!(status, 400, "{e}");
    assert_eq!(
        message(&e),
        "credentials.client_id is not a credential of the OAuth protocol, which takes clientId and clientSecret only. Did you mean clientId? Credential names are case-sensitive."
    );
    let body = oauth(json!({"anything": {"value": "x", "encrypted": true}}));
    let (status, e) = send(&org, &admin, "62.0", "POST", "", Some(body)).await;
    assert_eq!(status, 400, "{e}");
    assert!(!message(&e).contains("Did you mean"), "{e}");
    // Custom credentials take any name.
    let body = json!({"externalCredential": "Weather_Auth", "principalName": "Main", "principalType": "NamedPrincipal",
        "authenticationProtocol": "Custom", "credentials": {"AnyName": {"value": "k", "encrypted": true}}});
    assert_eq!(
        send(&org, &admin, "62.0", "POST", "", Some(body)).await.0,
        201
    );
}

#[tokio::test]
async fn a_stored_secret_is_never_read_back() {
    let (org, admin) = org_and_admin();
    let body = oauth(
        json!({"clientId": {"value": "sflab-erp", "encrypted": false},
        "clientSecret": {"value": "erp-demo-secret", "encrypted": true}}),
    );
    let (status, created) = send(&org, &admin, "62.0", "POST", "", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["credentials"]["clientSecret"],
        json!({"value": null, "encrypted": true})
    );
    assert_eq!(created["credentials"]["clientId"]["value"], "sflab-erp");
    let q = "?externalCredential=ERP_Auth&principalName=Main&principalType=NamedPrincipal";
    let (status, got) = send(&org, &admin, "62.0", "GET", q, None).await;
    assert_eq!(status, 200);
    assert!(!got.to_string().contains("erp-demo-secret"), "{got}");
}

#[tokio::test]
async fn the_credential_resource_is_served_from_v56() {
    let (org, admin) = org_and_admin();
    let body = || {
        Some(oauth(
            json!({"clientId": {"value": "sflab-erp", "encrypted": false},
            "clientSecret": {"value": "erp-demo-secret", "encrypted": true}}),
        ))
    };
    for old in ["50.0", "55.0"] {
        let (status, e) = send(&org, &admin, old, "POST", "", body()).await;
        assert_eq!(
            (status, e[0]["errorCode"].as_str()),
            (404, Some("NOT_FOUND")),
            "v{old}: {e}"
        );
    }
    assert!(org
        .outbound
        .deployment
        .read()
        .stored_values("ERP_Auth", "Main")
        .is_none());
    assert_eq!(send(&org, &admin, "56.0", "POST", "", body()).await.0, 201);
}

#[tokio::test]
async fn a_variant_must_be_the_external_credentials_own() {
    let (org, admin) = org_and_admin();
    let with = |extra: Json| {
        let mut body = oauth(
            json!({"clientId": {"value": "sflab-erp", "encrypted": false},
            "clientSecret": {"value": "erp-demo-secret", "encrypted": true}}),
        );
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        Some(body)
    };
    let (status, e) = send(
        &org,
        &admin,
        "62.0",
        "POST",
        "",
        with(json!({"authenticationProtocolVariant": "JwtBearer"})),
    )
    .await;
    assert_eq!(
        (status, e[0]["errorCode"].as_str()),
        (400, Some("INVALID_INPUT")),
        "{e}"
    );
    assert!(
        message(&e).contains(
            "uses the ClientCredentialsClientSecret variant of the OAuth protocol, not JwtBearer"
        ),
        "{e}"
    );
    let (status, e) = send(
        &org,
        &admin,
        "62.0",
        "POST",
        "",
        with(json!({"authenticationProtocolVariant": "Nonsense"})),
    )
    .await;
    assert_eq!(
        (status, e[0]["errorCode"].as_str()),
        (400, Some("JSON_PARSER_ERROR")),
        "{e}"
    );
    assert!(message(&e).contains("ClientCredentialsClientSecret"), "{e}");
    assert!(org
        .outbound
        .deployment
        .read()
        .stored_values("ERP_Auth", "Main")
        .is_none());
    let (status, created) = send(
        &org,
        &admin,
        "62.0",
        "POST",
        "",
        with(json!({"authenticationProtocolVariant": "ClientCredentialsClientSecret"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["authenticationProtocolVariant"],
        "ClientCredentialsClientSecret"
    );
    // A protocol without variants takes none.
    let body = json!({"externalCredential": "Weather_Auth", "principalName": "Main", "principalType": "NamedPrincipal",
        "authenticationProtocol": "Custom", "authenticationProtocolVariant": "ClientCredentialsClientSecret",
        "credentials": {"ApiKey": {"value": "k", "encrypted": true}}});
    let (status, e) = send(&org, &admin, "62.0", "POST", "", Some(body)).await;
    assert_eq!(status, 400, "{e}");
    assert!(message(&e).contains("has no variant"), "{e}");
}

#[tokio::test]
async fn a_field_the_credential_input_does_not_have_is_refused() {
    let (org, admin) = org_and_admin();
    let mut body = oauth(
        json!({"clientId": {"value": "sflab-erp", "encrypted": false},
        "clientSecret": {"value": "erp-demo-secret", "encrypted": true}}),
    );
    body["bogusField"] = json!(1);
    let (status, e) = send(&org, &admin, "62.0", "POST", "", Some(body)).await;
    assert_eq!(
        (status, e[0]["errorCode"].as_str()),
        (400, Some("JSON_PARSER_ERROR")),
        "{e}"
    );
    assert!(
        message(&e).starts_with("Unrecognized field \"bogusField\""),
        "{e}"
    );
    let body = oauth(
        json!({"clientId": {"value": "sflab-erp", "encrypted": false},
        "clientSecret": {"value": "erp-demo-secret", "encrypted": true, "secret": true}}),
    );
    let (status, e) = send(&org, &admin, "62.0", "PUT", "", Some(body)).await;
    assert_eq!(status, 400, "{e}");
    assert!(
        message(&e).contains("credentials.clientSecret.secret"),
        "{e}"
    );
    assert!(org
        .outbound
        .deployment
        .read()
        .stored_values("ERP_Auth", "Main")
        .is_none());
}
