//! Request bodies of ordinary batch sizes reach every surface: the REST API's 50 MB applies to
//! Composite as to a single record, the SOAP endpoint's own limit is answered as a SOAP fault,
//! and a body over a limit is refused with a size error, never a generic "could not be
//! understood".

use super::*;

/// 200 Accounts whose 15,000-character descriptions make a body of about 3 MB: over axum's
/// 2 MB default, well under Salesforce's limits.
fn three_megabytes_of_accounts() -> Vec<Value> {
    (0..200)
        .map(|i| {
            json!({
                "attributes": {"type": "Account"},
                "Name": format!("Big {i}"),
                "Description": "d".repeat(15_000),
            })
        })
        .collect()
}

#[tokio::test]
async fn a_three_megabyte_collections_create_is_read() {
    let m = mock();
    let body = json!({"allOrNone": false, "records": three_megabytes_of_accounts()});
    let r = m.post(&format!("{V}/composite/sobjects"), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body.as_array().map(Vec::len), Some(200));
    assert!(r.body[199]["success"].as_bool().unwrap(), "{}", r.body[199]);
}

#[tokio::test]
async fn a_three_megabyte_tree_create_is_read() {
    let m = mock();
    let records: Vec<Value> = three_megabytes_of_accounts()
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            r["attributes"]["referenceId"] = json!(format!("ref{i}"));
            r
        })
        .collect();
    let r = m
        .post(
            &format!("{V}/composite/tree/Account"),
            json!({ "records": records }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn a_composite_body_over_fifty_megabytes_is_refused_as_too_large() {
    let m = mock();
    let huge = format!(
        r#"{{"allOrNone":false,"records":[{{"attributes":{{"type":"Account"}},"Name":"{}"}}]}}"#,
        "x".repeat(51 * 1024 * 1024)
    );
    let r = m
        .send(
            Method::POST,
            &format!("{V}/composite/sobjects"),
            Some(&huge),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        r.body[0]["errorCode"], "REQUEST_ENTITY_TOO_LARGE",
        "{}",
        r.body
    );
    assert!(r.body[0]["message"].as_str().unwrap().contains("50 MB"));
}

/// Posts a partner `create` of `records` (already XML) with the mock's token as the session.
async fn soap_create(m: &Mock, records: &str) -> (StatusCode, String, String) {
    let envelope = format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:sf="urn:sobject.partner.soap.sforce.com"><soapenv:Header><SessionHeader><sessionId>{}</sessionId></SessionHeader></soapenv:Header><soapenv:Body><create>{records}</create></soapenv:Body></soapenv:Envelope>"#,
        m.token
    );
    let req = Request::builder()
        .method(Method::POST)
        .uri("/services/Soap/u/62.0")
        .header("host", "127.0.0.1:8443")
        .header("content-type", "text/xml; charset=UTF-8")
        .header("soapaction", "create")
        .body(Body::from(envelope))
        .unwrap();
    let resp = m.app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        content_type,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn soap_accounts(n: usize, description_chars: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "<sObjects><sf:type>Account</sf:type><sf:Name>Big {i}</sf:Name><sf:Description>{}</sf:Description></sObjects>",
                "d".repeat(description_chars)
            )
        })
        .collect()
}

#[tokio::test]
async fn a_three_megabyte_soap_create_is_read() {
    let m = mock();
    let (status, _, body) = soap_create(&m, &soap_accounts(200, 15_000)).await;
    assert_eq!(status, StatusCode::OK, "{}", &body[..body.len().min(600)]);
    assert_eq!(body.matches("<success>true</success>").count(), 200);
}

#[tokio::test]
async fn a_thirteen_megabyte_soap_create_of_full_length_descriptions_is_read() {
    let m = mock();
    // 200 Accounts whose descriptions are 32,000 two-byte characters (the field's full length):
    // about 12.8 MB, well under the 50 MB a real org reads.
    let records: String = (0..200)
        .map(|i| {
            format!(
                "<sObjects><sf:type>Account</sf:type><sf:Name>Wide {i}</sf:Name><sf:Description>{}</sf:Description></sObjects>",
                "\u{e9}".repeat(32_000)
            )
        })
        .collect();
    let (status, _, body) = soap_create(&m, &records).await;
    assert_eq!(status, StatusCode::OK, "{}", &body[..body.len().min(600)]);
    assert_eq!(body.matches("<success>true</success>").count(), 200);
}

#[tokio::test]
async fn a_soap_body_over_fifty_megabytes_is_an_exceeded_max_size_request_fault() {
    let m = mock();
    // 1,800 records of 30,000 characters: about 54 MB, over the 50 MB of a SOAP message.
    let (status, content_type, body) = soap_create(&m, &soap_accounts(1_800, 30_000)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(content_type.starts_with("text/xml"), "{content_type}");
    assert!(body.contains("<soapenv:Fault>"), "{body}");
    assert!(
        body.contains("<faultcode>sf:EXCEEDED_MAX_SIZE_REQUEST</faultcode>"),
        "{body}"
    );
    assert!(body.contains("50 MB"), "{body}");
}
