//! The custom headers a callout carries: the Named Credential's and the External
//! Credential's, in sequence-number order, a Named Credential's header overwriting an External
//! Credential's of the same name.

use super::CalloutRequest;
use crate::org::Org;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A service on a free local port that answers each request with the request's header lines
/// (lowercased, in the order received) as a JSON list; its port.
async fn header_echo() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let n = sock.read(&mut buf).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).to_lowercase();
            let lines: Vec<&str> = head.lines().skip(1).take_while(|l| !l.is_empty()).collect();
            let body = serde_json::to_string(&lines).unwrap();
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(answer.as_bytes()).await;
        }
    });
    port
}

fn header(kind: &str, name: &str, value: &str, sequence: u32) -> String {
    let (element, parameter_type) = match kind {
        "nc" => ("namedCredentialParameters", "HttpHeader"),
        _ => ("externalCredentialParameters", "AuthHeader"),
    };
    format!("<{element}><parameterName>{name}</parameterName><parameterType>{parameter_type}</parameterType><parameterValue>{value}</parameterValue><sequenceNumber>{sequence}</sequenceNumber></{element}>")
}

/// An org with Named Credential `Stock` (at `port`, with `nc_headers`) over Custom External
/// Credential `Stock_Auth` (with `ec_headers`), whose principal holds `ApiKey` and is granted
/// to the integration user.
fn org_calling(port: u16, nc_headers: &str, ec_headers: &str) -> Org {
    let access = "<externalCredentialPrincipalAccesses><enabled>true</enabled><externalCredentialPrincipal>Stock_Auth-Main</externalCredentialPrincipal></externalCredentialPrincipalAccesses>";
    let files = vec![
        (
            "Stock.namedCredential-meta.xml".to_string(),
            format!("<NamedCredential><label>Stock</label><namedCredentialParameters><parameterName>Url</parameterName><parameterType>Url</parameterType><parameterValue>http://127.0.0.1:{port}</parameterValue></namedCredentialParameters><namedCredentialParameters><externalCredential>Stock_Auth</externalCredential><parameterName>ExternalCredential</parameterName><parameterType>Authentication</parameterType></namedCredentialParameters>{nc_headers}</NamedCredential>"),
        ),
        (
            "Stock_Auth.externalCredential-meta.xml".to_string(),
            format!("<ExternalCredential><authenticationProtocol>Custom</authenticationProtocol>{ec_headers}<externalCredentialParameters><parameterName>Main</parameterName><parameterType>NamedPrincipal</parameterType><sequenceNumber>1</sequenceNumber></externalCredentialParameters><label>Stock_Auth</label></ExternalCredential>"),
        ),
        (
            "Stock_Callers.permissionset-meta.xml".to_string(),
            format!("<PermissionSet>{access}</PermissionSet>"),
        ),
    ];
    let org = Org::default_org();
    {
        let mut d = org.outbound.deployment.write();
        d.deploy(&files).unwrap();
        d.set_secret("Stock_Auth", "Main", "ApiKey", "the-real-key");
        let integ = org
            .auth
            .config()
            .users
            .find("integration")
            .unwrap()
            .id
            .clone();
        d.assign(&integ, "Stock_Callers");
    }
    org
}

/// The header lines the echo service received for one callout through `Stock`.
async fn headers_sent(org: &Org) -> Vec<String> {
    let request = CalloutRequest {
        target: "callout:Stock/stock/PUMP-7".into(),
        method: "GET".into(),
        headers: Vec::new(),
        body: None,
        run_as: "integration".into(),
    };
    let answer = org.outbound.callout(org, request).await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    serde_json::from_str(&answer.body).unwrap()
}

#[tokio::test]
async fn a_named_credentials_header_overwrites_the_external_credentials_of_the_same_name() {
    let port = header_echo().await;
    let org = org_calling(
        port,
        &header("nc", "X-Api-Key", "placeholder", 1),
        &header("ec", "X-API-KEY", "{!$Credential.Stock_Auth.ApiKey}", 1),
    );
    let keys: Vec<String> = headers_sent(&org)
        .await
        .into_iter()
        .filter(|l| l.starts_with("x-api-key:"))
        .collect();
    assert_eq!(keys, ["x-api-key: placeholder"]);
}

#[tokio::test]
async fn custom_headers_go_out_in_sequence_number_order() {
    let port = header_echo().await;
    let nc_headers = [
        header("nc", "X-Third", "3", 3),
        header("nc", "X-First", "1", 1),
        header("nc", "X-Second", "2", 2),
    ]
    .concat();
    let org = org_calling(
        port,
        &nc_headers,
        &header("ec", "X-Api-Key", "{!$Credential.Stock_Auth.ApiKey}", 1),
    );
    let custom: Vec<String> = headers_sent(&org)
        .await
        .into_iter()
        .filter(|l| l.starts_with("x-"))
        .collect();
    assert_eq!(
        custom,
        [
            "x-first: 1",
            "x-second: 2",
            "x-third: 3",
            "x-api-key: the-real-key"
        ]
    );
}
