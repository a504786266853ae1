//! The outbound and legacy surfaces over a real loopback listener (plain HTTP on port 0):
//! SOAP, Apex REST, the mock external services (including the QUERY method on the wire),
//! a callout to a server of the learner's own with credentials injected, External Services
//! and MCP.

use serde_json::{json, Value};
use sflab::org::rest::static_token::issue_static_token;
use sflab::org::{Org, OrgSeed};
use std::sync::{Arc, Mutex};

const EXTRA: &str = r#"
apex_rest:
  - class: AccountResource
    url: /accounts/*
    methods: [GET, POST]
    object: Account
    key: ERP_Id__c
    dto: { id: Id, name: Name, erpId: ERP_Id__c }
    required: [name, erpId]
"#;

struct Served {
    base: String,
    org: Org,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn serve() -> Served {
    let seed =
        OrgSeed::from_yaml(&format!("{}{EXTRA}", sflab::org::default_org::DEFAULT_SEED)).unwrap();
    let org = Org::new(&seed).unwrap();
    org.auth.install_default_apps(None).unwrap();
    let listener = sflab::org::serve::bind_loopback(0).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(sflab::org::serve::serve(
        listener,
        org.clone(),
        None,
        async {
            let _ = stopped.await;
        },
    ));
    Served {
        base: format!("http://127.0.0.1:{port}"),
        org,
        stop,
        task,
    }
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text.find(open).map(|i| i + open.len()).unwrap_or(0);
    let end = text[start..]
        .find(close)
        .map(|i| start + i)
        .unwrap_or(text.len());
    &text[start..end]
}

/// A stand-in for the learner's own server: records the Authorization header it receives.
async fn learner_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let s = s.clone();
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                s.lock().unwrap().push(auth);
                format!("received {body}")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_outbound_surface_answers_over_a_real_listener() {
    let s = serve().await;
    let http = reqwest::Client::new();
    let admin = issue_static_token(&s.org, None).unwrap().token;

    // SOAP: login, then query with the session.
    let login = r#"<?xml version="1.0"?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>admin@sflab.example</n1:username><n1:password>Admin-sflab-1</n1:password></n1:login></env:Body></env:Envelope>"#;
    let text = http
        .post(format!("{}/services/Soap/u/59.0", s.base))
        .header("content-type", "text/xml")
        .header("soapaction", "login")
        .body(login)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let sid = between(&text, "<sessionId>", "</sessionId>").to_string();
    assert!(sid.starts_with("00D"), "{text}");
    let query = format!(
        r#"<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Header><SessionHeader xmlns="urn:partner.soap.sforce.com"><sessionId>{sid}</sessionId></SessionHeader></env:Header><env:Body><query xmlns="urn:partner.soap.sforce.com"><queryString>SELECT Name FROM Account WHERE ERP_Id__c = 'A-1001'</queryString></query></env:Body></env:Envelope>"#
    );
    let r = http
        .post(format!("{}/services/Soap/u/59.0", s.base))
        .header("content-type", "text/xml")
        .header("soapaction", "\"\"")
        .body(query)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("<sf:Name>Harbor Logistics</sf:Name>"));

    // Apex REST.
    let r = http
        .post(format!("{}/services/apexrest/accounts", s.base))
        .bearer_auth(&admin)
        .json(&json!({"name": "Wire Corp", "erpId": "W-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = http
        .get(format!("{}/services/apexrest/accounts/W-1", s.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["name"], "Wire Corp");

    // The ERP over the wire, with the QUERY method.
    let tok: Value = http
        .post(format!("{}/ext/erp/oauth/token", s.base))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "sflab-erp"),
            ("client_secret", "erp-demo-secret"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let erp = tok["access_token"].as_str().unwrap().to_string();
    let r = http
        .post(format!("{}/ext/erp/orders", s.base))
        .bearer_auth(&erp)
        .header("idempotency-key", "w-1")
        .json(&json!({"customer": "Wire", "lines": [{"sku": "A", "quantity": 1}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let query_method = reqwest::Method::from_bytes(b"QUERY").unwrap();
    let r = http
        .request(query_method, format!("{}/ext/erp/orders/search", s.base))
        .bearer_auth(&erp)
        .header("content-type", "application/json")
        .body(r#"{"customer":"Wire"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["totalSize"], 1);

    // A callout to the learner's own server with Basic credentials injected.
    let (hook, seen) = learner_server().await;
    let files = json!({"files": {
        "Hook.namedCredential-meta.xml": format!("<NamedCredential><namedCredentialParameters><parameterName>Url</parameterName><parameterType>Url</parameterType><parameterValue>{hook}</parameterValue></namedCredentialParameters><namedCredentialParameters><externalCredential>Hook_Auth</externalCredential><parameterName>ExternalCredential</parameterName><parameterType>Authentication</parameterType></namedCredentialParameters></NamedCredential>"),
        "Hook_Auth.externalCredential-meta.xml": "<ExternalCredential><authenticationProtocol>Basic</authenticationProtocol><externalCredentialParameters><parameterName>Main</parameterName><parameterType>NamedPrincipal</parameterType></externalCredentialParameters></ExternalCredential>",
        "Hook_Access.permissionset-meta.xml": "<PermissionSet><externalCredentialPrincipalAccesses><enabled>true</enabled><externalCredentialPrincipal>Hook_Auth-Main</externalCredentialPrincipal></externalCredentialPrincipalAccesses></PermissionSet>"
    }});
    let api = format!("{}/services/data/v62.0", s.base);
    assert_eq!(
        http.post(format!("{api}/sflab/callout/deploy"))
            .bearer_auth(&admin)
            .json(&files)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let cred = json!({"externalCredential": "Hook_Auth", "principalName": "Main", "principalType": "NamedPrincipal", "authenticationProtocol": "Basic", "credentials": {"Username": {"value": "hook-user", "encrypted": false}, "Password": {"value": "hook-pass", "encrypted": true}}});
    assert_eq!(
        http.post(format!("{api}/named-credentials/credential"))
            .bearer_auth(&admin)
            .json(&cred)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    http.post(format!("{api}/sflab/callout/assign"))
        .bearer_auth(&admin)
        .json(&json!({"user": "admin", "permission_set": "Hook_Access"}))
        .send()
        .await
        .unwrap();
    let r: Value = http
        .post(format!("{api}/sflab/callout"))
        .bearer_auth(&admin)
        .json(
            &json!({"named_credential": "Hook", "path": "/hook", "method": "POST", "body": "ping"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["statusCode"], 200, "{r}");
    assert_eq!(r["body"], "received ping");
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        ["Basic aG9vay11c2VyOmhvb2stcGFzcw=="]
    );

    // External Services through the same Named Credential.
    let spec = json!({"openapi": "3.0.0", "info": {"title": "Hook", "version": "1"}, "paths": {"/hook": {"post": {"operationId": "ping", "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}, "responses": {"200": {"description": "an echo", "content": {"application/json": {"schema": {"type": "string"}}}}}}}}});
    let r = http
        .post(format!("{api}/sflab/external-services"))
        .bearer_auth(&admin)
        .json(&json!({"name": "HookService", "named_credential": "Hook", "spec": spec}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r: Value = http
        .post(format!("{api}/sflab/external-services/HookService/ping"))
        .bearer_auth(&admin)
        .json(&json!({"input": {"body": {"n": 1}}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["body"], "received {\"n\":1}", "{r}");

    // MCP with an External Client App token.
    let token = s
        .org
        .auth
        .mint_access_token(&s.base, "sflab_client_credentials", "integration")
        .unwrap();
    let r = http.post(format!("{}/services/mcp", s.base)).bearer_auth(&token).header("accept", "application/json, text/event-stream").json(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "outbound-test", "version": "1"}}})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let mcp_session = r.headers()["mcp-session-id"].to_str().unwrap().to_string();
    let r: Value = http
        .post(format!("{}/services/mcp", s.base))
        .bearer_auth(&token)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &mcp_session)
        .json(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["result"]["tools"].as_array().unwrap().len(), 5);

    let _ = s.stop.send(());
    s.task.await.unwrap().unwrap();
}
