//! The SOAP surface request by request through the org router with `oneshot`.

use crate::org::rest::router;
use crate::org::rest::static_token::issue_static_token;
use crate::org::soap::envelope::SoapFault;
use crate::org::soap::xml::{parse, Element};
use crate::org::{Org, OrgSeed};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) body: Element,
    pub(super) text: String,
}

pub(super) async fn post(app: &axum::Router, path: &str, envelope: String) -> Reply {
    let req = Request::builder()
        .method("POST")
        .uri(path)
        .header("host", "127.0.0.1:8443")
        .header("content-type", "text/xml; charset=UTF-8")
        .header("soapaction", "\"\"")
        .body(Body::from(envelope))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let body = parse(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    Reply { status, body, text }
}

pub(super) fn envelope(session: Option<&str>, extra_header: &str, call: &str) -> String {
    let header = match session {
        Some(s) => format!(
            "<soapenv:Header xmlns=\"urn:partner.soap.sforce.com\"><SessionHeader><sessionId>{s}</sessionId></SessionHeader>{extra_header}</soapenv:Header>"
        ),
        None => String::new(),
    };
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{header}<soapenv:Body xmlns="urn:partner.soap.sforce.com">{call}</soapenv:Body></soapenv:Envelope>"#
    )
}

/// An envelope for a class's custom service: header and call in the class's namespace.
fn class_envelope(class: &str, session: &str, call: &str) -> String {
    let ns = format!("http://soap.sforce.com/schemas/class/{class}");
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header xmlns="{ns}"><SessionHeader><sessionId>{session}</sessionId></SessionHeader></soapenv:Header><soapenv:Body xmlns="{ns}">{call}</soapenv:Body></soapenv:Envelope>"#
    )
}

fn login_call(user: &str, pw: &str) -> String {
    envelope(
        None,
        "",
        &format!("<login><username>{user}</username><password>{pw}</password></login>"),
    )
}

fn result_of(r: &Reply) -> &Element {
    r.body
        .child("Body")
        .and_then(|b| b.children.first())
        .and_then(|c| c.child("result"))
        .unwrap_or_else(|| panic!("no result: {}", r.text))
}

fn fault_code(r: &Reply) -> String {
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.text);
    r.body
        .child("Body")
        .and_then(|b| b.child("Fault"))
        .and_then(|f| f.child_text("faultcode"))
        .unwrap_or_else(|| panic!("no fault: {}", r.text))
        .to_string()
}

pub(super) fn token(org: &Org) -> String {
    issue_static_token(org, None).unwrap().token
}

#[tokio::test]
async fn login_answers_result_children_in_wsdl_order_and_a_usable_session() {
    let org = Org::default_org();
    let app = router(org.clone());
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        login_call("admin@sflab.example", "Admin-sflab-1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let result = result_of(&r);
    let names: Vec<&str> = result.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "metadataServerUrl",
            "passwordExpired",
            "sandbox",
            "serverUrl",
            "sessionId",
            "userId",
            "userInfo"
        ]
    );
    let info = result.child("userInfo").unwrap();
    assert_eq!(info.children[8].name, "organizationId");
    assert_eq!(info.children[8].text, org.id.as_str());
    let server_url = result.child_text("serverUrl").unwrap();
    assert_eq!(
        server_url,
        format!(
            "https://127.0.0.1:8443/services/Soap/u/59.0/{}",
            org.id.short()
        )
    );
    assert!(!r.text.contains("<sf:LimitInfoHeader") && !r.text.contains("LimitInfoHeader"));
    let session = result.child_text("sessionId").unwrap();
    assert!(session.starts_with(org.id.short()));
    let q = post(
        &app,
        server_url.trim_start_matches("https://127.0.0.1:8443"),
        envelope(Some(session), "", "<query><queryString>SELECT Name FROM Account WHERE ERP_Id__c = 'A-1000'</queryString></query>"),
    )
    .await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.text);
    assert!(
        q.text.contains("<sf:Name>Falcon Corp</sf:Name>"),
        "{}",
        q.text
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_login_fault() {
    let org = Org::default_org();
    let app = router(org.clone());
    let a = post(
        &app,
        "/services/Soap/u/59.0",
        login_call("admin@sflab.example", "nope"),
    )
    .await;
    let b = post(
        &app,
        "/services/Soap/u/59.0",
        login_call("ghost@sflab.example", "x"),
    )
    .await;
    assert_eq!(fault_code(&a), "sf:INVALID_LOGIN");
    assert_eq!(fault_code(&b), "sf:INVALID_LOGIN");
    assert!(a
        .text
        .contains("<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>"));
}

#[tokio::test]
async fn a_frozen_user_cannot_log_in_even_with_the_right_password() {
    let seed = OrgSeed::from_yaml(
        "users:\n  - { username: frozen@sflab.example, last_name: F, password: pw-1, status: frozen }\n",
    )
    .unwrap();
    let org = Org::new(&seed).unwrap();
    let app = router(org.clone());
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        login_call("frozen@sflab.example", "pw-1"),
    )
    .await;
    assert_eq!(fault_code(&r), "sf:INVALID_LOGIN");
}

#[tokio::test]
async fn login_is_refused_from_the_retired_version_on() {
    let org = Org::default_org();
    let app = router(org.clone());
    let r = post(
        &app,
        "/services/Soap/u/65.0",
        login_call("admin@sflab.example", "Admin-sflab-1"),
    )
    .await;
    assert_eq!(fault_code(&r), "sf:UNSUPPORTED_API_VERSION");
}

#[tokio::test]
async fn calls_without_a_valid_session_fault_with_invalid_session_id() {
    let org = Org::default_org();
    let app = router(org.clone());
    let call = "<query><queryString>SELECT Id FROM Account</queryString></query>";
    let none = post(&app, "/services/Soap/u/59.0", envelope(None, "", call)).await;
    let bad = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some("00Dbogus!x"), "", call),
    )
    .await;
    assert_eq!(fault_code(&none), "sf:INVALID_SESSION_ID");
    assert_eq!(fault_code(&bad), "sf:INVALID_SESSION_ID");
}

#[tokio::test]
async fn a_token_without_the_api_scope_cannot_use_soap() {
    let org = Org::default_org();
    let app = router(org.clone());
    let identity_only = org.mint_static_token(&org.users[0], &["openid", "id", "web"]);
    let call = "<query><queryString>SELECT Id FROM Account</queryString></query>";
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&identity_only), "", call),
    )
    .await;
    assert_eq!(fault_code(&r), "sf:INVALID_SESSION_ID", "{}", r.text);
    assert!(r.text.contains("api scope"), "{}", r.text);
}

#[tokio::test]
async fn logout_ends_the_session_it_is_called_with() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let call = "<query><queryString>SELECT Id FROM Account</queryString></query>";
    let before = post(&app, "/services/Soap/u/59.0", envelope(Some(&t), "", call)).await;
    assert_eq!(before.status, StatusCode::OK);
    let out = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", "<logout/>"),
    )
    .await;
    assert_eq!(out.status, StatusCode::OK);
    assert_eq!(
        out.body.child("Body").unwrap().children[0].name,
        "logoutResponse"
    );
    let after = post(&app, "/services/Soap/u/59.0", envelope(Some(&t), "", call)).await;
    assert_eq!(fault_code(&after), "sf:INVALID_SESSION_ID");
}

#[tokio::test]
async fn query_errors_are_typed_faults() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let cases = [
        (
            "SELECT Nope__c FROM Account",
            "sf:INVALID_FIELD",
            "InvalidFieldFault",
        ),
        (
            "SELECT Id FROM Nope__c",
            "sf:INVALID_TYPE",
            "InvalidSObjectFault",
        ),
        ("SELECT FROM", "sf:MALFORMED_QUERY", "MalformedQueryFault"),
    ];
    for (soql, code, kind) in cases {
        let call = format!("<query><queryString>{soql}</queryString></query>");
        let r = post(&app, "/services/Soap/u/59.0", envelope(Some(&t), "", &call)).await;
        assert_eq!(fault_code(&r), code, "{soql}");
        assert!(
            r.text.contains(&format!("xsi:type=\"sf:{kind}\"")),
            "{}",
            r.text
        );
        // An ApiQueryFault names the place in the query.
        assert!(
            r.text
                .contains("</sf:exceptionMessage><sf:row>1</sf:row><sf:column>"),
            "{}",
            r.text
        );
    }
    let invalid_field = SoapFault::new(
        "INVALID_FIELD",
        "No such column 'X' on sobject of type Account",
    );
    assert!(invalid_field
        .to_xml()
        .contains("<sf:row>-1</sf:row><sf:column>-1</sf:column>"));
    assert!(!SoapFault::invalid_login().to_xml().contains("<sf:row>"));
}

#[tokio::test]
async fn query_more_pages_with_a_locator_and_the_limit_header_counts() {
    let org = Org::default_org();
    let app = router(org.clone());
    {
        let actor = org.actor(org.users[0].id);
        let mut store = org.store.write();
        for i in 0..450 {
            let mut m = serde_json::Map::new();
            m.insert("Name".into(), serde_json::json!(format!("Row {i}")));
            store.insert("Account", &m, &actor).unwrap();
        }
    }
    let t = token(&org);
    let batch = "<QueryOptions><batchSize>200</batchSize></QueryOptions>";
    let first = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(
            Some(&t),
            batch,
            "<query><queryString>SELECT Id, Name FROM Account</queryString></query>",
        ),
    )
    .await;
    let res = result_of(&first);
    assert_eq!(res.child_text("done"), Some("false"));
    assert_eq!(res.child_text("size"), Some("454"));
    assert_eq!(res.children_named("records").count(), 200);
    assert!(
        first.text.contains("<current>1</current>"),
        "{}",
        first.text
    );
    let mut locator = res.child_text("queryLocator").unwrap().to_string();
    let mut seen = 200;
    loop {
        let call = format!("<queryMore><queryLocator>{locator}</queryLocator></queryMore>");
        let r = post(
            &app,
            "/services/Soap/u/59.0",
            envelope(Some(&t), batch, &call),
        )
        .await;
        let res = result_of(&r);
        seen += res.children_named("records").count();
        if res.child_text("done") == Some("true") {
            assert!(res.child("queryLocator").unwrap().is_nil());
            break;
        }
        locator = res.child_text("queryLocator").unwrap().to_string();
    }
    assert_eq!(seen, 454);
    let again = format!("<queryMore><queryLocator>{locator}</queryLocator></queryMore>");
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", &again),
    )
    .await;
    assert_eq!(fault_code(&r), "sf:INVALID_QUERY_LOCATOR");
}

#[tokio::test]
async fn a_create_of_platform_events_publishes_them() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let create = r#"<create><sObjects><type>OrderShipped__e</type><Order_Number__c>SO-7</Order_Number__c><Weight_Kg__c>12.5</Weight_Kg__c></sObjects><sObjects><type>OrderShipped__e</type><Order_Number__c>SO-8</Order_Number__c></sObjects></create>"#;
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", create),
    )
    .await;
    let results: Vec<&Element> = r.body.child("Body").unwrap().children[0]
        .children_named("result")
        .collect();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].child_text("success"), Some("true"));
    assert!(results[0].child_text("id").unwrap().starts_with("e01"));
    let enqueued = results[0].child("errors").unwrap();
    assert_eq!(
        enqueued.child_text("statusCode"),
        Some("OPERATION_ENQUEUED")
    );
    let events = org
        .events
        .bus
        .read(
            "/event/OrderShipped__e",
            crate::org::events::ReplayFrom::Earliest,
            10,
            org.clock.now(),
        )
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        enqueued.child_text("message"),
        Some(events[0].uuid.to_string().as_str())
    );
    assert_eq!(events[0].payload()["Weight_Kg__c"], 12.5);
}

#[tokio::test]
async fn create_update_upsert_delete_report_per_record_results() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let create = r#"<create><sObjects xmlns:ns1="sobject.partner.soap.sforce.com"><type>Account</type><Name>Soap One</Name><ERP_Id__c>S-1</ERP_Id__c></sObjects><sObjects><type>Account</type><Phone>1</Phone></sObjects></create>"#;
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", create),
    )
    .await;
    let results: Vec<&Element> = r.body.child("Body").unwrap().children[0]
        .children_named("result")
        .collect();
    assert_eq!(results[0].child_text("success"), Some("true"));
    assert_eq!(results[1].child_text("success"), Some("false"));
    assert_eq!(
        results[1].child("errors").unwrap().child_text("statusCode"),
        Some("REQUIRED_FIELD_MISSING")
    );
    let id = results[0].child_text("id").unwrap().to_string();
    let update = format!("<update><sObjects><type>Account</type><Id>{id}</Id><Name>Soap Renamed</Name></sObjects></update>");
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", &update),
    )
    .await;
    assert_eq!(result_of(&r).child_text("success"), Some("true"));
    let upsert = "<upsert><externalIDFieldName>ERP_Id__c</externalIDFieldName><sObjects><type>Account</type><ERP_Id__c>S-1</ERP_Id__c><Name>Soap Upserted</Name></sObjects><sObjects><type>Account</type><ERP_Id__c>S-2</ERP_Id__c><Name>Soap New</Name></sObjects></upsert>";
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", upsert),
    )
    .await;
    let results: Vec<&Element> = r.body.child("Body").unwrap().children[0]
        .children_named("result")
        .collect();
    assert_eq!(results[0].child_text("created"), Some("false"));
    assert_eq!(results[0].child_text("id"), Some(id.as_str()));
    assert_eq!(results[1].child_text("created"), Some("true"));
    assert_eq!(org.store.read().count("Account"), 6);
    let delete = format!("<delete><ids>{id}</ids></delete>");
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", &delete),
    )
    .await;
    assert_eq!(result_of(&r).child_text("success"), Some("true"));
    assert_eq!(org.store.read().count("Account"), 5);
    // The recycle bin gives it back; a second undelete has nothing to restore.
    let undelete = format!("<undelete><ids>{id}</ids></undelete>");
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", &undelete),
    )
    .await;
    assert_eq!(result_of(&r).child_text("success"), Some("true"));
    assert_eq!(org.store.read().count("Account"), 6);
    let again = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", &undelete),
    )
    .await;
    assert_eq!(result_of(&again).child_text("success"), Some("false"));
}

#[tokio::test]
async fn a_key_named_twice_in_one_call_fails_every_copy_and_the_rest_go_ahead() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let statuses = |r: &Reply| -> Vec<String> {
        r.body.child("Body").unwrap().children[0]
            .children_named("result")
            .map(|x| match x.child("errors") {
                Some(e) => e.child_text("statusCode").unwrap_or_default().to_string(),
                None => "ok".to_string(),
            })
            .collect()
    };
    let upsert = "<upsert><externalIDFieldName>ERP_Id__c</externalIDFieldName>\
        <sObjects><type>Account</type><ERP_Id__c>D-1</ERP_Id__c><Name>First</Name></sObjects>\
        <sObjects><type>Account</type><ERP_Id__c>D-2</ERP_Id__c><Name>Other</Name></sObjects>\
        <sObjects><type>Account</type><ERP_Id__c>d-1</ERP_Id__c><Name>Second</Name></sObjects></upsert>";
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", upsert),
    )
    .await;
    assert_eq!(statuses(&r), ["DUPLICATE_VALUE", "ok", "DUPLICATE_VALUE"]);
    let create = "<create><sObjects><type>Account</type><Name>Twice</Name></sObjects></create>";
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", create),
    )
    .await;
    let id = result_of(&r).child_text("id").unwrap().to_string();
    let update = format!(
        "<update><sObjects><type>Account</type><Id>{id}</Id><Name>A</Name></sObjects>\
         <sObjects><type>Account</type><Id>{}</Id><Name>B</Name></sObjects></update>",
        &id[..15]
    );
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", &update),
    )
    .await;
    assert_eq!(statuses(&r), ["DUPLICATE_VALUE", "DUPLICATE_VALUE"]);
}

#[tokio::test]
async fn all_or_none_rolls_back_every_row_when_one_fails() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let before = org.store.read().count("Account");
    let create = "<create><sObjects><type>Account</type><Name>Good</Name></sObjects><sObjects><type>Account</type></sObjects></create>";
    let header = "<AllOrNoneHeader><allOrNone>true</allOrNone></AllOrNoneHeader>";
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), header, create),
    )
    .await;
    let results: Vec<&Element> = r.body.child("Body").unwrap().children[0]
        .children_named("result")
        .collect();
    assert_eq!(
        results[0].child("errors").unwrap().child_text("statusCode"),
        Some("ALL_OR_NONE_OPERATION_ROLLED_BACK")
    );
    assert_eq!(
        results[1].child("errors").unwrap().child_text("statusCode"),
        Some("REQUIRED_FIELD_MISSING")
    );
    assert_eq!(org.store.read().count("Account"), before);
}

#[tokio::test]
async fn get_user_info_names_the_caller() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", "<getUserInfo/>"),
    )
    .await;
    assert_eq!(
        result_of(&r).child_text("userName"),
        Some("admin@sflab.example")
    );
}

pub(super) async fn get_wsdl(
    org: &Org,
    uri: &str,
    header: Option<(&str, String)>,
) -> (StatusCode, String) {
    let mut req = Request::builder().uri(uri).header("host", "127.0.0.1:8443");
    if let Some((name, value)) = header {
        req = req.header(name, value);
    }
    let resp = router(org.clone())
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn wsdl_is_served_as_xml_to_a_logged_in_session() {
    let org = Org::default_org();
    let t = token(&org);
    for header in [
        ("cookie", format!("sid={t}")),
        ("authorization", format!("Bearer {t}")),
    ] {
        let (status, text) = get_wsdl(&org, "/soap/wsdl.jsp?type=*", Some(header)).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert!(text.contains("/services/Soap/u/64.0"));
    }
}

#[tokio::test]
async fn the_wsdl_needs_a_valid_session_and_only_the_partner_one_is_served() {
    let org = Org::default_org();
    let (status, text) = get_wsdl(&org, "/soap/wsdl.jsp?type=*", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(text.contains("sid cookie"), "{text}");
    let bogus = Some(("cookie", "sid=00Dbogus!nope".to_string()));
    let (status, _) = get_wsdl(&org, "/soap/wsdl.jsp?type=*", bogus).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = get_wsdl(&org, "/services/wsdl/partner", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let t = token(&org);
    let (status, text) =
        get_wsdl(&org, "/soap/wsdl.jsp", Some(("cookie", format!("sid={t}")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        text.contains("only the partner WSDL") && text.contains("enterprise"),
        "{text}"
    );
}

#[tokio::test]
async fn custom_webservice_methods_query_and_create_from_the_fixture() {
    let seed = OrgSeed::from_yaml(&format!(
        "{}\nsoap_services:\n  - class: OrderStatusService\n    methods:\n      - {{ name: getStatus, params: [erpOrderId], query: \"SELECT Shipment_Status__c FROM Order WHERE ERP_Order_Id__c = :erpOrderId\", returns: Shipment_Status__c }}\n      - {{ name: logIssue, params: [subject], create: {{ object: Case, fields: {{ Subject: subject }} }} }}\n",
        crate::org::default_org::DEFAULT_SEED
    ))
    .unwrap();
    let org = Org::new(&seed).unwrap();
    let app = router(org.clone());
    let t = token(&org);
    let r = post(
        &app,
        "/services/Soap/class/OrderStatusService",
        class_envelope(
            "OrderStatusService",
            &t,
            "<getStatus><erpOrderId>SO-5001</erpOrderId></getStatus>",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(result_of(&r).text, "Pending");
    let r = post(
        &app,
        "/services/Soap/class/OrderStatusService",
        class_envelope(
            "OrderStatusService",
            &t,
            "<getStatus><erpOrderId>nope' OR Name != '</erpOrderId></getStatus>",
        ),
    )
    .await;
    assert!(result_of(&r).is_nil());
    let cases = org.store.read().count("Case");
    let r = post(
        &app,
        "/services/Soap/class/OrderStatusService",
        class_envelope(
            "OrderStatusService",
            &t,
            "<logIssue><subject>Late truck</subject></logIssue>",
        ),
    )
    .await;
    assert!(result_of(&r).text.starts_with("500"), "{}", r.text);
    assert_eq!(org.store.read().count("Case"), cases + 1);
    let r = post(
        &app,
        "/services/Soap/class/Nope",
        class_envelope("Nope", &t, "<x/>"),
    )
    .await;
    assert_eq!(fault_code(&r), "sf:INVALID_TYPE");
    // The call and its SessionHeader belong to the class's namespace, not the partner API's.
    let r = post(
        &app,
        "/services/Soap/class/OrderStatusService",
        envelope(
            Some(&t),
            "",
            "<getStatus><erpOrderId>SO-5001</erpOrderId></getStatus>",
        ),
    )
    .await;
    assert_eq!(fault_code(&r), "soapenv:Client");
    assert!(
        r.text
            .contains("No operation available for request {urn:partner.soap.sforce.com}getStatus"),
        "{}",
        r.text
    );
    let partner_header = envelope(
        Some(&t),
        "",
        "<getStatus xmlns=\"http://soap.sforce.com/schemas/class/OrderStatusService\"><erpOrderId>SO-5001</erpOrderId></getStatus>",
    );
    let r = post(
        &app,
        "/services/Soap/class/OrderStatusService",
        partner_header,
    )
    .await;
    assert_eq!(fault_code(&r), "sf:INVALID_SESSION_ID");
}

#[tokio::test]
async fn a_webservice_class_from_the_seed_serves_its_own_wsdl() {
    let seed = OrgSeed::from_yaml(&format!(
        "{}\nsoap_services:\n  - class: OrderStatusService\n    methods:\n      - {{ name: getStatus, params: [erpOrderId], query: \"SELECT Shipment_Status__c FROM Order WHERE ERP_Order_Id__c = :erpOrderId\", returns: Shipment_Status__c }}\n      - {{ name: getOrder, params: [erpOrderId], query: \"SELECT ERP_Order_Id__c, Status, EffectiveDate FROM Order WHERE ERP_Order_Id__c = :erpOrderId\" }}\n      - {{ name: logIssue, params: [subject, priority], create: {{ object: Case, fields: {{ Subject: subject, Priority: priority }} }} }}\n",
        crate::org::default_org::DEFAULT_SEED
    ))
    .unwrap();
    let org = Org::new(&seed).unwrap();
    let t = token(&org);
    let uri = "/services/wsdl/class/OrderStatusService";
    let (status, text) = get_wsdl(&org, uri, Some(("cookie", format!("sid={t}")))).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let doc = parse(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(
        doc.attr("targetNamespace"),
        Some("http://soap.sforce.com/schemas/class/OrderStatusService")
    );
    let ops: Vec<&str> = doc
        .child("portType")
        .unwrap()
        .children_named("operation")
        .filter_map(|o| o.attr("name"))
        .collect();
    assert_eq!(ops, ["getStatus", "getOrder", "logIssue"]);
    assert!(
        text.contains(
            r#"location="https://127.0.0.1:8443/services/Soap/class/OrderStatusService""#
        ),
        "{text}"
    );
    // Parameters, the row a query method answers with its columns' types, a created id.
    assert!(text.contains(r#"<xsd:element name="priority" type="xsd:string""#));
    assert!(
        text.contains(r#"<xsd:element name="EffectiveDate" type="xsd:date""#),
        "{text}"
    );
    assert!(text.contains(r#"<xsd:element name="ERP_Order_Id__c" type="xsd:string""#));
    assert!(text.contains(r#"<xsd:element name="logIssueResponse"><xsd:complexType><xsd:sequence><xsd:element name="result" type="tns:ID""#));
    assert!(text.contains(r#"part="SessionHeader""#));

    let (status, text) = get_wsdl(
        &org,
        "/services/wsdl/class/Nope",
        Some(("cookie", format!("sid={t}"))),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        text.contains("No Apex class named Nope") && text.contains("OrderStatusService"),
        "{text}"
    );
    let (status, _) = get_wsdl(&org, uri, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn envelopes_outside_the_soap_1_1_namespace_fault_with_version_mismatch() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let good = envelope(Some(&t), "", "<getUserInfo/>");
    for wrong in [
        "http://schemas.xmlsoap.org/envelope/",
        "urn:totally-wrong",
        "http://www.w3.org/2003/05/soap-envelope",
    ] {
        let sent = good.replace("http://schemas.xmlsoap.org/soap/envelope/", wrong);
        let r = post(&app, "/services/Soap/u/59.0", sent).await;
        assert_eq!(fault_code(&r), "soapenv:VersionMismatch", "{wrong}");
        assert!(r.text.contains(wrong), "{}", r.text);
    }
    let r = post(&app, "/services/Soap/u/59.0", good).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn partner_calls_and_headers_outside_the_partner_namespace_are_not_the_partner_apis() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    // A call element with no namespace: no such operation.
    let sent = envelope(Some(&t), "", "<getUserInfo/>").replace(
        r#"<soapenv:Body xmlns="urn:partner.soap.sforce.com">"#,
        "<soapenv:Body>",
    );
    let r = post(&app, "/services/Soap/u/59.0", sent).await;
    assert_eq!(fault_code(&r), "soapenv:Client");
    assert!(
        r.text
            .contains("No operation available for request {}getUserInfo"),
        "{}",
        r.text
    );
    // A SessionHeader outside the namespace is not seen.
    let sent = envelope(Some(&t), "", "<getUserInfo/>").replace(
        r#"<soapenv:Header xmlns="urn:partner.soap.sforce.com">"#,
        "<soapenv:Header>",
    );
    let r = post(&app, "/services/Soap/u/59.0", sent).await;
    assert_eq!(fault_code(&r), "sf:INVALID_SESSION_ID");
}

#[tokio::test]
async fn a_misspelt_record_type_faults_with_invalid_type_naming_it() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let before = org.store.read().count("Account");
    for call in [
        "<create><sObjects><type>Acount</type><Name>X</Name></sObjects></create>",
        "<update><sObjects><type>Acount</type><Id>001000000000000AAA</Id><Name>X</Name></sObjects></update>",
        "<upsert><externalIDFieldName>ERP_Id__c</externalIDFieldName><sObjects><type>Acount</type><ERP_Id__c>S-9</ERP_Id__c></sObjects></upsert>",
    ] {
        let r = post(&app, "/services/Soap/u/59.0", envelope(Some(&t), "", call)).await;
        assert_eq!(fault_code(&r), "sf:INVALID_TYPE", "{call}");
        assert!(
            r.text.contains("sObject type &apos;Acount&apos; is not supported."),
            "{}",
            r.text
        );
        assert!(r.text.contains("InvalidSObjectFault"), "{}", r.text);
    }
    assert_eq!(org.store.read().count("Account"), before);
}

#[tokio::test]
async fn more_than_200_records_or_an_unknown_call_fault() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let many: String = (0..201)
        .map(|i| format!("<sObjects><type>Account</type><Name>N{i}</Name></sObjects>"))
        .collect();
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", &format!("<create>{many}</create>")),
    )
    .await;
    assert_eq!(fault_code(&r), "sf:EXCEEDED_ID_LIMIT");
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", "<describeSObject/>"),
    )
    .await;
    assert_eq!(fault_code(&r), "sf:INVALID_OPERATION");
    let r = post(
        &app,
        "/services/Soap/u/20.0",
        envelope(Some(&t), "", "<getUserInfo/>"),
    )
    .await;
    assert_eq!(fault_code(&r), "sf:UNSUPPORTED_API_VERSION");
}

#[tokio::test]
async fn soap_apis_the_mock_does_not_serve_answer_a_soap_fault_naming_them() {
    let org = Org::default_org();
    let app = router(org.clone());
    let session = token(&org);
    for (path, names) in [
        ("/services/Soap/m/59.0", "Metadata API"),
        ("/services/Soap/T/59.0", "Tooling API"),
        ("/services/Soap/x/59.0", "Partner API"),
    ] {
        let r = post(
            &app,
            path,
            envelope(Some(&session), "", "<m:describeMetadata/>"),
        )
        .await;
        assert_eq!(fault_code(&r), "sf:API_DISABLED_FOR_ORG", "{path}");
        assert!(r.text.contains(names), "{path}: {}", r.text);
    }
}

#[tokio::test]
async fn one_soap_call_is_one_change_event_transaction_merged_when_the_org_merges() {
    use crate::org::events::ReplayFrom;
    let seed =
        OrgSeed::from_yaml("events:\n  change_data_capture: [Account]\n  merge_changes: true\n")
            .unwrap();
    let org = Org::new(&seed).unwrap();
    let app = router(org.clone());
    let t = token(&org);
    let headers = |org: &Org| -> Vec<serde_json::Value> {
        org.events
            .bus
            .read(
                "/data/AccountChangeEvent",
                ReplayFrom::Earliest,
                100,
                org.clock.now(),
            )
            .unwrap()
            .iter()
            .map(|e| e.payload()["ChangeEventHeader"].clone())
            .collect()
    };
    // The third row fails on its own; the two that stand still commit together.
    let create = "<create><sObjects><type>Account</type><Name>A</Name></sObjects><sObjects><type>Account</type><Name>B</Name></sObjects><sObjects><type>Account</type></sObjects></create>";
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", create),
    )
    .await;
    let ids: Vec<String> = r.body.child("Body").unwrap().children[0]
        .children_named("result")
        .filter_map(|e| {
            e.child_text("id")
                .filter(|s| !s.is_empty())
                .map(String::from)
        })
        .collect();
    assert_eq!(ids.len(), 2, "{}", r.text);
    let created = headers(&org);
    assert_eq!(created.len(), 2);
    assert_eq!(created[0]["transactionKey"], created[1]["transactionKey"]);
    assert_eq!(created[0]["commitNumber"], created[1]["commitNumber"]);
    assert_eq!(created[0]["sequenceNumber"], 1);
    assert_eq!(created[1]["sequenceNumber"], 2);
    let delete = format!(
        "<delete><ids>{}</ids><ids>{}</ids></delete>",
        ids[0], ids[1]
    );
    post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", &delete),
    )
    .await;
    let undelete = format!(
        "<undelete><ids>{}</ids><ids>{}</ids></undelete>",
        ids[0], ids[1]
    );
    post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", &undelete),
    )
    .await;
    let all = headers(&org);
    // The deletes are the same change in one transaction: merged into one event, as the
    // undeletes are not (they carry each record's own name).
    let deleted = &all[2];
    assert_eq!(deleted["changeType"], "DELETE");
    assert_eq!(deleted["recordIds"], serde_json::json!(ids));
    let undeleted: Vec<&serde_json::Value> = all[3..].iter().collect();
    assert_eq!(undeleted.len(), 2);
    assert_eq!(
        undeleted[0]["transactionKey"],
        undeleted[1]["transactionKey"]
    );
    assert_ne!(undeleted[0]["transactionKey"], deleted["transactionKey"]);
}

#[tokio::test]
async fn soap_calls_meet_the_orgs_object_access_where_it_is_enforced() {
    let seed = OrgSeed::from_yaml(
        "users:\n\
         - { username: digest@lab.example, last_name: Digest, profile: Minimum Access - API Only Integrations, permission_sets: [Account_Read] }\n\
         permission_sets:\n\
         - { name: Account_Read, objects: { Account: [read] } }\n\
         auth: { enforce_object_access: true }\n\
         records:\n\
         - Account: { Name: Falcon Corp }\n",
    )
    .unwrap();
    let org = Org::new(&seed).unwrap();
    let app = router(org.clone());
    let t = token(&org);
    let call = |c: &str| envelope(Some(&t), "", c);
    let create = r#"<create><sObjects><type>Account</type><Name>Sneaky</Name></sObjects></create>"#;
    let r = post(&app, "/services/Soap/u/59.0", call(create)).await;
    let result = result_of(&r);
    assert_eq!(result.child_text("success"), Some("false"), "{}", r.text);
    let error = result.child("errors").unwrap();
    assert_eq!(
        error.child_text("statusCode"),
        Some("INSUFFICIENT_ACCESS_OR_READONLY")
    );
    assert_eq!(
        error.child_text("message"),
        Some("entity type cannot be inserted: Account")
    );
    let hidden = r#"<create><sObjects><type>Opportunity</type><Name>x</Name></sObjects></create>"#;
    let r = post(&app, "/services/Soap/u/59.0", call(hidden)).await;
    assert_eq!(fault_code(&r), "sf:INVALID_TYPE");
    let query = "<query><queryString>SELECT Id FROM Opportunity</queryString></query>";
    let r = post(&app, "/services/Soap/u/59.0", call(query)).await;
    assert_eq!(fault_code(&r), "sf:INVALID_TYPE");
    let id = {
        let q = "<query><queryString>SELECT Id FROM Account</queryString></query>";
        let r = post(&app, "/services/Soap/u/59.0", call(q)).await;
        let record = result_of(&r).child("records").unwrap();
        record.child_text("Id").unwrap().to_string()
    };
    let delete = format!("<delete><ids>{id}</ids></delete>");
    let r = post(&app, "/services/Soap/u/59.0", call(&delete)).await;
    assert_eq!(
        result_of(&r).child("errors").unwrap().child_text("message"),
        Some("entity type cannot be deleted: Account")
    );
    assert_eq!(org.store.read().count("Account"), 1, "nothing was written");
}

#[tokio::test]
async fn soap_queries_meet_field_level_security_where_access_is_enforced() {
    let seed = OrgSeed::from_yaml(
        "users:\n\
         - { username: digest@lab.example, last_name: Digest, profile: Minimum Access - API Only Integrations, permission_sets: [Account_Read] }\n\
         permission_sets:\n\
         - { name: Account_Read, objects: { Account: [read] }, fields: { Account.Industry: [read] } }\n\
         auth: { enforce_object_access: true }\n\
         records:\n\
         - Account: { Name: Falcon Corp, Industry: Banking, Phone: '555' }\n",
    )
    .unwrap();
    let org = Org::new(&seed).unwrap();
    let app = router(org.clone());
    let t = token(&org);
    let query = |soql: &str| {
        let body = format!("<query><queryString>{soql}</queryString></query>");
        envelope(Some(&t), "", &body)
    };
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        query("SELECT Name, Phone FROM Account"),
    )
    .await;
    assert_eq!(fault_code(&r), "sf:INVALID_FIELD", "{}", r.text);
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        query("SELECT Name, Industry FROM Account"),
    )
    .await;
    let record = result_of(&r).child("records").unwrap();
    assert_eq!(record.child_text("Industry"), Some("Banking"), "{}", r.text);
}

#[tokio::test]
async fn undelete_refuses_rows_the_user_may_not_delete_where_access_is_enforced() {
    let seed = OrgSeed::from_yaml(
        "users:\n\
         - { username: editor@lab.example, last_name: Editor, profile: Minimum Access - API Only Integrations, permission_sets: [Account_Edit] }\n\
         permission_sets:\n\
         - { name: Account_Edit, objects: { Account: [read, create, edit] } }\n\
         auth: { enforce_object_access: true }\n\
         records:\n\
         - Account: { Name: Falcon Corp }\n",
    )
    .unwrap();
    let org = Org::new(&seed).unwrap();
    let app = router(org.clone());
    let t = token(&org);
    let id = {
        let mut store = org.store.write();
        let opts = crate::org::soql::QueryOptions::new(org.clock.now(), "62.0");
        let rows = crate::org::soql::query(&store, "SELECT Id FROM Account", &opts).unwrap();
        let id = rows.records[0]["Id"].as_str().unwrap().to_string();
        let actor = org.actor(org.users[0].id);
        store.delete(None, &id, &actor).unwrap();
        id
    };
    let undelete = format!("<undelete><ids>{id}</ids></undelete>");
    let r = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", &undelete),
    )
    .await;
    let result = result_of(&r);
    assert_eq!(result.child_text("success"), Some("false"), "{}", r.text);
    let error = result.child("errors").unwrap();
    assert_eq!(
        error.child_text("statusCode"),
        Some("INSUFFICIENT_ACCESS_OR_READONLY")
    );
    assert_eq!(
        error.child_text("message"),
        Some("entity type cannot be deleted: Account")
    );
    assert_eq!(org.store.read().count("Account"), 0, "nothing was restored");
}

#[tokio::test]
async fn a_field_the_object_lacks_faults_the_whole_write_and_nothing_is_written() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let before = org.store.read().count("Account");
    let falcon = org
        .store
        .read()
        .find_by_external("Account", "ERP_Id__c", "A-1000")
        .unwrap()[0]
        .to_string();
    let calls = [
        "<create><sObjects><type>Account</type><Name>Kept?</Name></sObjects><sObjects><type>Account</type><Name>Bad</Name><Legacy_Code__c>x</Legacy_Code__c></sObjects></create>".to_string(),
        "<create><sObjects><type>Account</type><Name>Kept?</Name></sObjects><sObjects><type>Account</type><Name>Bad</Name><fieldsToNull>Legacy_Code__c</fieldsToNull></sObjects></create>".to_string(),
        format!("<update><sObjects><type>Account</type><Id>{falcon}</Id><Name>Renamed?</Name></sObjects><sObjects><type>Account</type><Id>{falcon}</Id><Legacy_Code__c>x</Legacy_Code__c></sObjects></update>"),
        "<upsert><externalIDFieldName>ERP_Id__c</externalIDFieldName><sObjects><type>Account</type><ERP_Id__c>N-1</ERP_Id__c><Name>Kept?</Name></sObjects><sObjects><type>Account</type><ERP_Id__c>N-2</ERP_Id__c><Legacy_Code__c>x</Legacy_Code__c></sObjects></upsert>".to_string(),
    ];
    for call in calls {
        let r = post(&app, "/services/Soap/u/59.0", envelope(Some(&t), "", &call)).await;
        assert_eq!(fault_code(&r), "sf:INVALID_FIELD", "{call}");
        assert!(r.text.contains("sf:InvalidFieldFault"), "{}", r.text);
        assert!(
            r.text.contains("No such column &apos;Legacy_Code__c&apos; on entity &apos;Account&apos;. If you are attempting to use a custom field"),
            "{}",
            r.text
        );
    }
    assert_eq!(org.store.read().count("Account"), before);
    let q = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", "<query><queryString>SELECT Name FROM Account WHERE Name LIKE 'Renamed%' OR Name = 'Kept?'</queryString></query>"),
    )
    .await;
    assert_eq!(result_of(&q).child_text("size"), Some("0"), "{}", q.text);
}

#[tokio::test]
async fn an_upsert_on_a_field_that_is_not_an_external_id_faults_the_call() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let before = org.store.read().count("Account");
    for field in ["Phone", "Industry", "Bogus__c"] {
        let call = format!("<upsert><externalIDFieldName>{field}</externalIDFieldName><sObjects><type>Account</type><Name>Falcon Corp</Name></sObjects></upsert>");
        let r = post(&app, "/services/Soap/u/59.0", envelope(Some(&t), "", &call)).await;
        assert_eq!(fault_code(&r), "sf:INVALID_FIELD", "{field}");
        assert!(
            r.text.contains(&format!(
                "Field name provided, {field} is not an External ID or indexed field for Account"
            )),
            "{}",
            r.text
        );
    }
    assert_eq!(org.store.read().count("Account"), before);
}

#[tokio::test]
async fn an_upsert_on_a_standard_id_lookup_field_updates_one_match_and_creates_on_none() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let before = org.store.read().count("Contact");
    let call = "<upsert><externalIDFieldName>Email</externalIDFieldName><sObjects><type>Contact</type><Email>Maya.Rossi@FALCON.example</Email><Title>CTO</Title></sObjects><sObjects><type>Contact</type><Email>soap.new@x.example</Email><LastName>SoapNew</LastName></sObjects></upsert>";
    let r = post(&app, "/services/Soap/u/59.0", envelope(Some(&t), "", call)).await;
    assert!(!r.text.contains("Fault"), "{}", r.text);
    let created: Vec<_> = r
        .text
        .match_indices("<created>")
        .map(|(i, _)| &r.text[i + 9..i + 13])
        .collect();
    assert_eq!(created, ["fals", "true"], "{}", r.text);
    assert_eq!(org.store.read().count("Contact"), before + 1);
    let q = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", "<query><queryString>SELECT Title FROM Contact WHERE Email = 'maya.rossi@falcon.example'</queryString></query>"),
    )
    .await;
    assert!(q.text.contains("<sf:Title>CTO</sf:Title>"), "{}", q.text);
}

#[tokio::test]
async fn query_writes_date_time_fields_with_z_and_text_fields_as_stored() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let shaped = "2026-12-01T14:50:59.000+0000";
    let create = format!("<create><sObjects><type>Account</type><Name>Shaped</Name><Description>{shaped}</Description></sObjects></create>");
    let made = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", &create),
    )
    .await;
    assert!(
        made.text.contains("<success>true</success>"),
        "{}",
        made.text
    );
    let q = post(
        &app,
        "/services/Soap/u/59.0",
        envelope(Some(&t), "", "<query><queryString>SELECT Description, CreatedDate FROM Account WHERE Name = 'Shaped'</queryString></query>"),
    )
    .await;
    assert!(
        q.text
            .contains(&format!("<sf:Description>{shaped}</sf:Description>")),
        "{}",
        q.text
    );
    let created = result_of(&q)
        .child("records")
        .and_then(|r| r.child_text("CreatedDate"))
        .unwrap_or_default()
        .to_string();
    assert!(
        created.len() == 24 && created.ends_with(".000Z"),
        "CreatedDate is an xsd:dateTime ending in Z: {created:?} in {}",
        q.text
    );
}

#[tokio::test]
async fn a_post_without_a_soapaction_header_is_a_client_fault_whatever_it_holds() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let send = |action: Option<&'static str>, path: &'static str, body: String| {
        let mut req = Request::builder()
            .method("POST")
            .uri(path)
            .header("host", "127.0.0.1:8443")
            .header("content-type", "text/xml; charset=UTF-8");
        if let Some(a) = action {
            req = req.header("soapaction", a);
        }
        let app = app.clone();
        async move {
            let resp = app
                .oneshot(req.body(Body::from(body)).unwrap())
                .await
                .unwrap();
            let status = resp.status();
            let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap();
            let text = String::from_utf8(bytes.to_vec()).unwrap();
            let body = parse(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
            Reply { status, body, text }
        }
    };
    let call = envelope(Some(&t), "", "<getUserInfo/>");
    for path in ["/services/Soap/u/62.0", "/services/Soap/class/Anything"] {
        let r = send(None, path, call.clone()).await;
        assert_eq!(fault_code(&r), "soapenv:Client", "{path}");
        assert!(
            r.text
                .contains("<faultstring>No SOAPAction header!</faultstring>"),
            "{path}: {}",
            r.text
        );
    }
    let login = send(
        None,
        "/services/Soap/u/59.0",
        login_call("admin@sflab.example", "x"),
    )
    .await;
    assert_eq!(
        fault_code(&login),
        "soapenv:Client",
        "refused before the login is read"
    );
    for action in ["\"\"", "", "login", "Login"] {
        let r = send(Some(action), "/services/Soap/u/62.0", call.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "SOAPAction {action:?}: {}",
            r.text
        );
    }
}
