//! Callouts end to end against the built-in mock services, in process.

use super::{CalloutError, CalloutRequest};
use crate::org::Org;

fn nc(name: &str, url: &str, ext: &str, headers: &[(&str, &str)]) -> (String, String) {
    let h: String = headers
        .iter()
        .map(|(k, v)| format!("<namedCredentialParameters><parameterName>{k}</parameterName><parameterType>HttpHeader</parameterType><parameterValue>{v}</parameterValue></namedCredentialParameters>"))
        .collect();
    (
        format!("{name}.namedCredential-meta.xml"),
        format!("<NamedCredential xmlns=\"http://soap.sforce.com/2006/04/metadata\"><generateAuthorizationHeader>true</generateAuthorizationHeader><label>{name}</label><namedCredentialParameters><parameterName>Url</parameterName><parameterType>Url</parameterType><parameterValue>{url}</parameterValue></namedCredentialParameters><namedCredentialParameters><externalCredential>{ext}</externalCredential><parameterName>ExternalCredential</parameterName><parameterType>Authentication</parameterType></namedCredentialParameters>{h}<namedCredentialType>SecuredEndpoint</namedCredentialType></NamedCredential>"),
    )
}

fn ec(name: &str, protocol: &str, extra: &str) -> (String, String) {
    (
        format!("{name}.externalCredential-meta.xml"),
        format!("<ExternalCredential xmlns=\"http://soap.sforce.com/2006/04/metadata\"><authenticationProtocol>{protocol}</authenticationProtocol>{extra}<externalCredentialParameters><parameterName>Main</parameterName><parameterType>NamedPrincipal</parameterType><sequenceNumber>1</sequenceNumber></externalCredentialParameters><label>{name}</label></ExternalCredential>"),
    )
}

pub(super) fn files() -> Vec<(String, String)> {
    let oauth = "<externalCredentialParameters><parameterName>Oauth</parameterName><parameterType>AuthProtocolVariant</parameterType><parameterValue>ClientCredentialsClientSecret</parameterValue></externalCredentialParameters><externalCredentialParameters><parameterName>AuthProviderUrl</parameterName><parameterType>AuthProviderUrl</parameterType><parameterValue>https://mock.sflab.internal/ext/erp/oauth/token</parameterValue></externalCredentialParameters>";
    let jwt = "<externalCredentialParameters><parameterName>aud</parameterName><parameterType>JwtBodyClaim</parameterType><parameterValue>erp</parameterValue></externalCredentialParameters>";
    let access: String = ["ERP_Auth", "ERP_Jwt", "Weather_Auth", "Courier_Auth"]
        .iter()
        .map(|e| format!("<externalCredentialPrincipalAccesses><enabled>true</enabled><externalCredentialPrincipal>{e}-Main</externalCredentialPrincipal></externalCredentialPrincipalAccesses>"))
        .collect();
    vec![
        nc("ERP", "https://mock.sflab.internal/ext/erp", "ERP_Auth", &[]),
        nc("ERP_Signed", "https://mock.sflab.internal/ext/erp", "ERP_Jwt", &[]),
        nc("Weather", "https://mock.sflab.internal/ext/weather", "Weather_Auth", &[("X-Api-Key", "{!$Credential.Weather_Auth.ApiKey}")]),
        nc("Courier", "https://mock.sflab.internal/ext/courier", "Courier_Auth", &[]),
        ec("ERP_Auth", "Oauth", oauth),
        ec("ERP_Jwt", "Jwt", jwt),
        ec("Weather_Auth", "Custom", ""),
        ec("Courier_Auth", "Basic", ""),
        ("Integration_Callouts.permissionset-meta.xml".into(), format!("<PermissionSet>{access}</PermissionSet>")),
        ("Courier_Legacy.namedCredential-meta.xml".into(), "<NamedCredential><endpoint>https://mock.sflab.internal/ext/courier</endpoint><label>Courier legacy</label><principalType>NamedUser</principalType><protocol>Password</protocol><username>courier</username><password>courier-demo-pass</password></NamedCredential>".into()),
        ("Example.remoteSite-meta.xml".into(), "<RemoteSiteSetting><isActive>true</isActive><url>http://127.0.0.1:9</url></RemoteSiteSetting>".into()),
    ]
}

fn org_with_callouts() -> Org {
    let org = Org::default_org();
    {
        let mut d = org.outbound.deployment.write();
        d.deploy(&files()).unwrap();
        d.set_secret("ERP_Auth", "Main", "clientId", "sflab-erp");
        d.set_secret("ERP_Auth", "Main", "clientSecret", "erp-demo-secret");
        d.set_secret("Weather_Auth", "Main", "ApiKey", "wx-demo-key");
        d.set_secret("Courier_Auth", "Main", "Username", "courier");
        d.set_secret("Courier_Auth", "Main", "Password", "courier-demo-pass");
        let integ = org
            .auth
            .config()
            .users
            .find("integration")
            .unwrap()
            .id
            .clone();
        d.assign(&integ, "Integration_Callouts");
    }
    org
}

fn req(target: &str, method: &str, body: Option<&str>, run_as: &str) -> CalloutRequest {
    CalloutRequest {
        target: target.into(),
        method: method.into(),
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: body.map(str::to_string),
        run_as: run_as.into(),
    }
}

#[tokio::test]
async fn oauth_client_credentials_are_fetched_once_and_injected() {
    let org = org_with_callouts();
    let body = r#"{"customer":"Falcon","lines":[{"sku":"S-1","quantity":2}]}"#;
    let r = org
        .outbound
        .callout(
            &org,
            req("callout:ERP/orders", "POST", Some(body), "integration"),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 201, "{}", r.body);
    let r = org
        .outbound
        .callout(
            &org,
            req("callout:ERP/orders/ERP-000001", "GET", None, "integration"),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let log = org.outbound.callout_log();
    assert_eq!(log[0].auth, "oauth-client-credentials");
    assert_eq!(log[0].principal.as_deref(), Some("Main"));
    assert_eq!(log[0].url, "https://mock.sflab.internal/ext/erp/orders");
    assert!(log
        .iter()
        .all(|l| !format!("{l:?}").contains("erp-demo-secret")));
}

#[tokio::test]
async fn a_user_without_the_principal_permission_set_gets_a_clear_error() {
    let org = org_with_callouts();
    let e = org
        .outbound
        .callout(&org, req("callout:ERP/orders/x", "GET", None, "admin"))
        .await
        .unwrap_err();
    let CalloutError::NoPrincipalAccess { user, external, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!(
        (user.as_str(), external.as_str()),
        ("admin@sflab.example", "ERP_Auth")
    );
    assert!(e.to_string().contains("ERP_Auth-<principal>"));
    assert_eq!(
        org.outbound.ext.calls(crate::org::external::Service::Erp),
        0
    );
}

#[tokio::test]
async fn api_key_header_basic_and_org_signed_jwt_reach_their_services() {
    let org = org_with_callouts();
    let w = org
        .outbound
        .callout(
            &org,
            req(
                "callout:Weather/current?city=Lyon",
                "GET",
                None,
                "integration",
            ),
        )
        .await
        .unwrap();
    assert_eq!(w.status, 200, "{}", w.body);
    assert!(w.body.contains("\"city\":\"Lyon\""));
    let c = org
        .outbound
        .callout(
            &org,
            req("callout:Courier/shipments/TRK0", "GET", None, "integration"),
        )
        .await
        .unwrap();
    assert_eq!(
        c.status, 404,
        "Basic auth passed, the shipment is unknown: {}",
        c.body
    );
    let j = org
        .outbound
        .callout(
            &org,
            req(
                "callout:ERP_Signed/orders/ERP-1",
                "GET",
                None,
                "integration",
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        j.status, 404,
        "the JWT was accepted, the order is unknown: {}",
        j.body
    );
    let auths: Vec<&str> = org.outbound.callout_log().iter().map(|l| l.auth).collect();
    assert_eq!(auths, ["custom-headers", "basic", "jwt"]);
}

#[tokio::test]
async fn a_missing_secret_names_the_parameter_to_set() {
    let org = org_with_callouts();
    org.outbound
        .deployment
        .write()
        .set_secret("Weather_Auth", "Main", "Other", "x");
    let org2 = Org::default_org();
    org2.outbound.deployment.write().deploy(&files()).unwrap();
    let integ = org2
        .auth
        .config()
        .users
        .find("integration")
        .unwrap()
        .id
        .clone();
    org2.outbound
        .deployment
        .write()
        .assign(&integ, "Integration_Callouts");
    let e = org2
        .outbound
        .callout(
            &org2,
            req("callout:Weather/current?city=x", "GET", None, "integration"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, CalloutError::MissingSecret { parameter, .. } if parameter == "ApiKey"),
        "{e}"
    );
}

#[tokio::test]
async fn a_key_stored_under_another_case_is_not_reported_as_missing() {
    let org = org_with_callouts();
    {
        let mut d = org.outbound.deployment.write();
        d.clear_values("Weather_Auth", "Main");
        d.set_secret("Weather_Auth", "Main", "APIKEY", "wx-demo-key");
    }
    let target = "callout:Weather/current?city=x";
    let e = org
        .outbound
        .callout(&org, req(target, "GET", None, "integration"))
        .await;
    let e = e.unwrap_err().to_string();
    assert!(!e.contains("has no"), "{e}");
    assert!(e.contains("(Weather.namedCredential-meta.xml) merges {!$Credential.Weather_Auth.ApiKey}, but principal Main of External Credential Weather_Auth holds 'APIKEY', not 'ApiKey'"), "{e}");
    assert!(!e.contains("wx-demo-key"), "{e}");
}

#[tokio::test]
async fn legacy_credentials_send_their_own_basic_auth_for_any_user() {
    let org = org_with_callouts();
    let r = org
        .outbound
        .callout(
            &org,
            req(
                "callout:Courier_Legacy/shipments/TRK0",
                "GET",
                None,
                "admin",
            ),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(org.outbound.callout_log()[0].auth, "legacy-basic");
}

#[tokio::test]
async fn raw_urls_need_a_remote_site_setting() {
    let org = org_with_callouts();
    let e = org
        .outbound
        .callout(
            &org,
            req("https://api.elsewhere.example/x", "GET", None, "admin"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        e,
        CalloutError::UnauthorizedEndpoint("https://api.elsewhere.example/x".into())
    );
    // The mock services are endpoints like any other when named by URL.
    let courier = "https://mock.sflab.internal/ext/courier/shipments/TRK41000001";
    let e = org
        .outbound
        .callout(&org, req(courier, "GET", None, "admin"))
        .await
        .unwrap_err();
    assert_eq!(e, CalloutError::UnauthorizedEndpoint(courier.into()));
    // Port 9 (discard) on loopback is covered by the remote site; nothing listens, so the
    // callout is sent and fails in transport rather than being refused.
    let e = org
        .outbound
        .callout(&org, req("http://127.0.0.1:9/x", "GET", None, "admin"))
        .await
        .unwrap_err();
    assert!(matches!(e, CalloutError::Transport { .. }), "{e}");
}

#[tokio::test]
async fn unknown_users_and_named_credentials_are_errors() {
    let org = org_with_callouts();
    let e = org
        .outbound
        .callout(&org, req("callout:ERP/x", "GET", None, "nobody"))
        .await
        .unwrap_err();
    assert!(matches!(e, CalloutError::UnknownUser(_)));
    let e = org
        .outbound
        .callout(&org, req("callout:Nope/x", "GET", None, "admin"))
        .await
        .unwrap_err();
    assert!(matches!(e, CalloutError::UnknownNamedCredential(_)));
}

#[tokio::test]
async fn the_http_endpoints_deploy_store_secrets_and_call_out() {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;
    let org = Org::default_org();
    let app = crate::org::rest::router(org.clone());
    let admin = crate::org::rest::static_token::issue_static_token(&org, None)
        .unwrap()
        .token;
    let integ = crate::org::rest::static_token::issue_static_token(&org, Some("integration"))
        .unwrap()
        .token;
    let call = |token: &str, path: &str, body: serde_json::Value| {
        Request::builder()
            .method("POST")
            .uri(path)
            .header("host", "127.0.0.1:8443")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let files: serde_json::Map<String, serde_json::Value> =
        files().into_iter().map(|(k, v)| (k, v.into())).collect();
    let r = app
        .clone()
        .oneshot(call(
            &integ,
            "/services/data/v62.0/sflab/callout/deploy",
            serde_json::json!({"files": files}),
        ))
        .await
        .unwrap();
    let status = r.status();
    let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(
        status,
        403,
        "only an admin deploys: {}",
        String::from_utf8_lossy(&bytes)
    );
    let r = app
        .clone()
        .oneshot(call(
            &admin,
            "/services/data/v62.0/sflab/callout/deploy",
            serde_json::json!({"files": files}),
        ))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app.clone().oneshot(call(&admin, "/services/data/v62.0/named-credentials/credential",
        serde_json::json!({"externalCredential": "Weather_Auth", "principalName": "Main", "principalType": "NamedPrincipal", "authenticationProtocol": "Custom", "credentials": {"ApiKey": {"value": "wx-demo-key", "encrypted": true}}}))).await.unwrap();
    assert_eq!(r.status(), 201);
    let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&bytes).contains("wx-demo-key"),
        "secrets are never echoed"
    );
    let r = app
        .clone()
        .oneshot(call(
            &integ,
            "/services/data/v62.0/sflab/callout",
            serde_json::json!({"named_credential": "Weather", "path": "current?city=Oslo"}),
        ))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v[0]["errorCode"], "NO_PRINCIPAL_ACCESS");
    let r = app
        .clone()
        .oneshot(call(
            &admin,
            "/services/data/v62.0/sflab/callout/assign",
            serde_json::json!({"user": "integration", "permission_set": "Integration_Callouts"}),
        ))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .clone()
        .oneshot(call(
            &integ,
            "/services/data/v62.0/sflab/callout",
            serde_json::json!({"named_credential": "Weather", "path": "current?city=Oslo"}),
        ))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["statusCode"], 200, "{v}");
    assert!(v["body"].as_str().unwrap().contains("Oslo"));
    // Naming yourself by alias is no request to act as someone else.
    let r = app
        .clone()
        .oneshot(call(
            &integ,
            "/services/data/v62.0/sflab/callout",
            serde_json::json!({"named_credential": "Weather", "path": "current?city=Oslo", "run_as": "integ"}),
        ))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .clone()
        .oneshot(call(
            &integ,
            "/services/data/v62.0/sflab/callout",
            serde_json::json!({"named_credential": "Weather", "path": "current?city=Oslo", "run_as": "admin@sflab.example"}),
        ))
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "acting as another user takes an admin");
}

#[tokio::test]
async fn the_credential_resource_takes_the_api_references_body_and_methods() {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;
    let org = Org::default_org();
    org.outbound.deployment.write().deploy(&files()).unwrap();
    let app = crate::org::rest::router(org.clone());
    let admin = crate::org::rest::static_token::issue_static_token(&org, None)
        .unwrap()
        .token;
    let send = |method: &str, query: &str, body: Option<serde_json::Value>| {
        let app = app.clone();
        let req = Request::builder()
            .method(method)
            .uri(format!(
                "/services/data/v62.0/named-credentials/credential{query}"
            ))
            .header("host", "127.0.0.1:8443")
            .header("authorization", format!("Bearer {admin}"))
            .header("content-type", "application/json")
            .body(Body::from(body.map(|b| b.to_string()).unwrap_or_default()))
            .unwrap();
        async move {
            let r = app.oneshot(req).await.unwrap();
            let status = r.status().as_u16();
            let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
                .await
                .unwrap();
            (
                status,
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default(),
            )
        }
    };
    let body = |creds: serde_json::Value| {
        serde_json::json!({"externalCredential": "Weather_Auth", "principalName": "Main",
            "principalType": "NamedPrincipal", "authenticationProtocol": "Custom", "credentials": creds})
    };
    // The shortened body of older examples is refused, naming what is missing.
    let (status, e) = send("POST", "", Some(serde_json::json!({"externalCredential": "Weather_Auth", "principalName": "Main", "credentials": {"ApiKey": {"value": "k"}}}))).await;
    assert_eq!(status, 400);
    assert!(
        e[0]["message"].as_str().unwrap().contains("principalType"),
        "{e}"
    );
    let mut no_protocol = body(serde_json::json!({"ApiKey": {"value": "k"}}));
    no_protocol
        .as_object_mut()
        .unwrap()
        .remove("authenticationProtocol");
    let (status, e) = send("POST", "", Some(no_protocol)).await;
    assert_eq!(status, 400);
    assert!(
        e[0]["message"]
            .as_str()
            .unwrap()
            .contains("authenticationProtocol"),
        "{e}"
    );
    let (status, e) = send(
        "POST",
        "",
        Some(body(serde_json::json!({"ApiKey": "flat"}))),
    )
    .await;
    assert_eq!(
        (status, e[0]["errorCode"].as_str()),
        (400, Some("JSON_PARSER_ERROR"))
    );
    let (status, e) = send(
        "POST",
        "",
        Some(body(serde_json::json!({"ApiKey": {"value": "k"}}))),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        e[0]["message"]
            .as_str()
            .unwrap()
            .contains("needs encrypted"),
        "{e}"
    );
    let mut wrong = body(serde_json::json!({"ApiKey": {"value": "k"}}));
    wrong["authenticationProtocol"] = "OAuth".into();
    let (status, e) = send("POST", "", Some(wrong)).await;
    assert_eq!(status, 400);
    assert!(
        e[0]["message"]
            .as_str()
            .unwrap()
            .contains("uses the Custom protocol"),
        "{e}"
    );

    // POST stores; GET shows plain values and hides encrypted ones.
    let (status, created) = send(
        "POST",
        "",
        Some(body(serde_json::json!({
        "ApiKey": {"value": "wx-key-1", "encrypted": true},
        "Region": {"value": "eu", "encrypted": false}}))),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        created["credentials"]["ApiKey"],
        serde_json::json!({"value": null, "encrypted": true})
    );
    let q = "?externalCredential=Weather_Auth&principalName=Main&principalType=NamedPrincipal";
    let (status, got) = send("GET", q, None).await;
    assert_eq!(status, 200);
    assert_eq!(got["credentials"]["Region"]["value"], "eu");
    assert!(!got.to_string().contains("wx-key-1"));
    // PATCH changes only what it names; PUT replaces the whole set.
    let (status, _) = send(
        "PATCH",
        "",
        Some(body(
            serde_json::json!({"ApiKey": {"value": "wx-key-2", "encrypted": true}}),
        )),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        org.outbound
            .deployment
            .read()
            .stored_values("Weather_Auth", "Main")
            .unwrap()
            .len(),
        2
    );
    let (status, put) = send(
        "PUT",
        "",
        Some(body(
            serde_json::json!({"ApiKey": {"value": "wx-key-3", "encrypted": true}}),
        )),
    )
    .await;
    assert_eq!(status, 200);
    assert!(put["credentials"].get("Region").is_none(), "{put}");
    // DELETE forgets them; a principal that is not deployed is 404.
    let (status, _) = send("DELETE", q, None).await;
    assert_eq!(status, 204);
    assert!(org
        .outbound
        .deployment
        .read()
        .stored_values("Weather_Auth", "Main")
        .is_none());
    let (status, _) = send(
        "GET",
        "?externalCredential=Nope&principalName=Main&principalType=NamedPrincipal",
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[test]
fn a_source_folder_deploys_every_callout_file_in_it_and_its_subfolders() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("namedCredentials");
    std::fs::create_dir_all(&nested).unwrap();
    for (i, (name, text)) in files().into_iter().enumerate() {
        let folder = if i % 2 == 0 {
            nested.clone()
        } else {
            dir.path().to_path_buf()
        };
        std::fs::write(folder.join(name), text).unwrap();
    }
    std::fs::write(dir.path().join("README.md"), "not metadata").unwrap();
    std::fs::write(
        dir.path().join("Spare.namedCredential.xml"),
        "<NamedCredential/>",
    )
    .unwrap();
    let org = Org::default_org();
    let summary = org.outbound.deploy_folder(dir.path()).unwrap();
    assert_eq!(summary.deployed.len(), files().len());
    // The misnamed file is named, not silently passed over; the README is no XML.
    assert_eq!(summary.not_deployed.len(), 1, "{:?}", summary.not_deployed);
    assert!(summary.not_deployed[0].contains("name it Spare.namedCredential-meta.xml"));
    assert!(org
        .outbound
        .deployment
        .read()
        .named
        .contains_key("Courier_Legacy"));
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        org.outbound.deploy_folder(empty.path()),
        Err(super::DeployError::Empty { .. })
    ));
}

#[test]
fn fixture_sections_are_checked_up_front() {
    let ok = crate::org::OrgSeed::from_yaml(crate::org::default_org::DEFAULT_SEED).unwrap();
    assert!(super::check_fixtures(&ok).is_ok());
    // A seed with a broken fixture is refused as it is read (which calls this check); the
    // check is tried here on sections put in place by hand.
    let with = |section: &str, yaml: &str| {
        let mut seed = crate::org::OrgSeed::default();
        seed.other
            .insert(section.into(), serde_yaml::from_str(yaml).unwrap());
        seed
    };
    let apex = "- { class: C, url: nope, object: Account, dto: { n: Name } }";
    let e = super::check_fixtures(&with("apex_rest", apex)).unwrap_err();
    assert!(e.to_string().contains("must start with '/'"), "{e}");
    let read = crate::org::OrgSeed::from_yaml(&format!("apex_rest:\n  {apex}\n"));
    assert!(read.is_err_and(|e| e.to_string().contains("must start with '/'")));
    assert!(matches!(
        super::check_fixtures(&with("mcp", "colour: blue")),
        Err(super::FixtureError::Mcp(_))
    ));
}

#[tokio::test]
async fn a_forwarded_local_port_reaches_the_service_listening_elsewhere() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let actual = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 1024];
        let _ = sock.read(&mut buf).await;
        let body = r#"{"ok":true}"#;
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        sock.write_all(head.as_bytes()).await.unwrap();
        sock.write_all(body.as_bytes()).await.unwrap();
    });
    let org = org_with_callouts();
    // The remote site covers 127.0.0.1:9, the address the callout names; the service
    // listens on another port, which the org is told to forward to.
    org.outbound.forward_local_port(9, actual);
    let resp = org
        .outbound
        .callout(&org, req("http://127.0.0.1:9/x", "GET", None, "admin"))
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    let log = org.outbound.callout_log();
    assert_eq!(
        log.last().unwrap().url,
        "http://127.0.0.1:9/x",
        "the log names the address as called"
    );
}

#[tokio::test]
async fn an_external_credentials_auth_header_goes_out_with_every_callout_through_it() {
    // The lesson's shape: the API key lives on the External Credential as an AuthHeader.
    let key_header = "<externalCredentialParameters><parameterName>X-Api-Key</parameterName><parameterType>AuthHeader</parameterType><parameterValue>{!$Credential.Wx_Ext.ApiKey}</parameterValue><sequenceNumber>1</sequenceNumber></externalCredentialParameters>";
    let access = "<externalCredentialPrincipalAccesses><enabled>true</enabled><externalCredentialPrincipal>Wx_Ext-Main</externalCredentialPrincipal></externalCredentialPrincipalAccesses>";
    let files = vec![
        nc(
            "Wx",
            "https://mock.sflab.internal/ext/weather",
            "Wx_Ext",
            &[],
        ),
        ec("Wx_Ext", "Custom", key_header),
        (
            "Wx_Callouts.permissionset-meta.xml".to_string(),
            format!("<PermissionSet>{access}</PermissionSet>"),
        ),
    ];
    let org = Org::default_org();
    {
        let mut d = org.outbound.deployment.write();
        d.deploy(&files).unwrap();
        d.set_secret("Wx_Ext", "Main", "ApiKey", "wx-demo-key");
        let integ = org
            .auth
            .config()
            .users
            .find("integration")
            .unwrap()
            .id
            .clone();
        d.assign(&integ, "Wx_Callouts");
    }
    let r = org
        .outbound
        .callout(
            &org,
            req("callout:Wx/current?city=Oslo", "GET", None, "integration"),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(org.outbound.callout_log()[0].auth, "custom-headers");
}

#[tokio::test]
async fn the_generated_authorization_header_replaces_one_the_code_set() {
    let org = org_with_callouts();
    let mut r = req("callout:ERP/orders/ERP-000001", "GET", None, "integration");
    r.headers
        .push(("Authorization".into(), "Bearer junk".into()));
    let answer = org.outbound.callout(&org, r).await.unwrap();
    assert_ne!(answer.status, 401, "{}", answer.body);
}
