//! Versions, resources, authentication, limits and the gateway's error shapes.

use super::*;

#[tokio::test]
async fn version_list_is_public_and_every_version_is_two_digit() {
    let m = mock();
    let req = Request::get("/services/data").body(Body::empty()).unwrap();
    let resp = m.app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let list: Value = serde_json::from_slice(&bytes).unwrap();
    let versions: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    for needed in ["31.0", "50.0", "51.0", "59.0", "66.0", "67.0"] {
        assert!(versions.contains(&needed), "{needed}");
    }
    assert!(!versions.contains(&"68.0"));
}

#[tokio::test]
async fn resource_map_answers_get_and_head_with_an_absolute_identity() {
    let m = mock();
    let r = m.get(V).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["sobjects"], "/services/data/v59.0/sobjects");
    let identity = r.body["identity"].as_str().unwrap();
    assert!(
        identity.starts_with("https://127.0.0.1:8443/id/00D"),
        "{identity}"
    );
    let head = m
        .send(Method::HEAD, "/services/data/v51.0", None, &[])
        .await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.body, Value::Null);
}

#[tokio::test]
async fn a_missing_or_unknown_token_is_401_invalid_session_id() {
    let m = mock();
    let req = Request::get(format!("{V}/limits"))
        .body(Body::empty())
        .unwrap();
    let resp = m.app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        body,
        json!([{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}])
    );
    let bad = Mock {
        token: "00Dxx!nope".into(),
        ..mock()
    };
    assert_eq!(
        bad.get(&format!("{V}/limits")).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_expired_session_is_refused() {
    let m = mock();
    m.org.sessions.expire(&m.token, m.org.clock.now());
    let r = m.get(&format!("{V}/limits")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&r), "INVALID_SESSION_ID");
}

#[tokio::test]
async fn unsupported_versions_and_unknown_paths_are_404_not_found() {
    let m = mock();
    for path in [
        "/services/data/v99.0",
        "/services/data/v68.0/limits",
        &format!("{V}/nothing/here"),
        "/nowhere",
    ] {
        let r = m.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error_code(&r), "NOT_FOUND", "{path}");
        assert_eq!(r.headers["content-type"], "application/json;charset=UTF-8");
    }
}

#[tokio::test]
async fn a_retired_version_is_410_gone_and_names_the_current_ones() {
    let m = mock();
    for path in [
        "/services/data/v20.0/limits",
        "/services/data/v30.0/sobjects/Account",
    ] {
        let r = m.get(path).await;
        assert_eq!(r.status, StatusCode::GONE, "{path}");
        assert_eq!(error_code(&r), "GONE", "{path}");
        let message = r.body[0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("retired") && message.contains("31.0"),
            "{message}"
        );
        assert_eq!(r.headers["content-type"], "application/json;charset=UTF-8");
    }
}

#[tokio::test]
async fn latest_is_an_alias_for_the_newest_version() {
    let m = mock();
    let r = m.get("/services/data/latest").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["limits"], "/services/data/v67.0/limits");
}

#[tokio::test]
async fn a_wrong_method_is_405_in_salesforce_shape() {
    let m = mock();
    let r = m
        .send(
            Method::PUT,
            &format!("{V}/sobjects/Account"),
            Some("{}"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(&r), "METHOD_NOT_ALLOWED");
    assert!(r.body[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("HTTP Method 'PUT' not allowed"));
    assert!(r.headers.contains_key("allow"));
    // A plain POST on a record names what the record serves, in its body and its Allow header.
    let id = "0015g0000000001AAA"; // an Account of the default seed
    let r = m
        .send(
            Method::POST,
            &format!("{V}/sobjects/Account/{id}"),
            Some("{}"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers["allow"], "GET,HEAD,PATCH,DELETE");
    assert_eq!(
        r.body[0]["message"],
        "HTTP Method 'POST' not allowed. Allowed are GET,HEAD,PATCH,DELETE"
    );
}

#[tokio::test]
async fn trailing_and_double_slashes_are_tolerated() {
    let m = mock();
    assert_eq!(
        m.get("//services/data/v59.0//limits/").await.status,
        StatusCode::OK
    );
    let r = m.get(&format!("{V}/query/?q=SELECT+Id+FROM+Account")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["totalSize"].as_u64().unwrap() >= 4);
}

#[tokio::test]
async fn every_call_is_counted_in_limits_and_the_header() {
    let m = mock();
    let a = m.get(&format!("{V}/limits")).await;
    let b = m.get(&format!("{V}/limits")).await;
    let used = |r: &Reply| {
        r.body["DailyApiRequests"]["Max"].as_u64().unwrap()
            - r.body["DailyApiRequests"]["Remaining"].as_u64().unwrap()
    };
    assert_eq!(used(&b), used(&a) + 1);
    assert_eq!(
        b.headers["sforce-limit-info"],
        format!("api-usage={}/15000", used(&b)).as_str()
    );
    assert!(m
        .get("/services/data")
        .await
        .headers
        .contains_key("sforce-limit-info"));
}

#[tokio::test]
async fn data_storage_in_limits_goes_down_as_records_are_stored() {
    let m = mock();
    let storage = |r: &Reply| r.body["DataStorageMB"].clone();
    let before = m.get(&format!("{V}/limits")).await;
    assert_eq!(storage(&before), json!({"Max": 5, "Remaining": 5}));
    // 1,536 Accounts of 2 KB each: 3 MB of a Developer Edition org's 5.
    m.seed_accounts(1536, "Stored");
    let after = m.get(&format!("{V}/limits")).await;
    assert_eq!(storage(&after), json!({"Max": 5, "Remaining": 2}));
    // Past the allocation the figure stops at 0, and records are still taken.
    m.seed_accounts(2048, "Over");
    let full = m.get(&format!("{V}/limits")).await;
    assert_eq!(storage(&full), json!({"Max": 5, "Remaining": 0}));
}

#[tokio::test]
async fn record_count_counts_live_records_per_object() {
    let m = mock();
    m.seed_accounts(3, "Counted");
    let r = m
        .get(&format!("{V}/limits/recordCount?sObjects=Account,Contact"))
        .await;
    assert_eq!(
        r.body["sObjects"][0],
        json!({"count": 7, "name": "Account"})
    );
    assert_eq!(
        r.body["sObjects"][1],
        json!({"count": 4, "name": "Contact"})
    );
}

#[tokio::test]
async fn a_spent_allocation_answers_403_request_limit_exceeded() {
    let org = Org::default_org();
    let login = issue_static_token(&org, None).unwrap();
    let mut state = RestState::new(org.clone());
    state.usage = Arc::new(ApiUsage::new(3));
    let m = Mock {
        app: router_with(state),
        org,
        token: login.token,
    };
    for _ in 0..3 {
        assert_eq!(m.get(&format!("{V}/limits")).await.status, StatusCode::OK);
    }
    let r = m.get(&format!("{V}/limits")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body,
        json!([{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}])
    );
}

#[tokio::test]
async fn the_sf_cli_login_sequence_is_answered() {
    let m = mock();
    let info = m.get("/services/oauth2/userinfo").await;
    assert_eq!(info.status, StatusCode::OK);
    let user_id = info.body["user_id"].as_str().unwrap().to_string();
    assert!(info.body["organization_id"]
        .as_str()
        .unwrap()
        .starts_with("00D"));
    let user = m
        .get(&format!("/services/data/v51.0/sobjects/User/{user_id}"))
        .await;
    assert_eq!(user.body["Username"], info.body["preferred_username"]);
    let scratch = m
        .get("/services/data/v51.0/query?q=SELECT%20Id%20FROM%20ScratchOrgInfo%20limit%201")
        .await;
    assert_eq!(
        (scratch.status, error_code(&scratch)),
        (StatusCode::BAD_REQUEST, "INVALID_TYPE")
    );
    let org = m
        .get("/services/data/v66.0/query?q=SELECT+Name,InstanceName,IsSandbox,TrialExpirationDate,NamespacePrefix,OrganizationType+FROM+Organization")
        .await;
    assert_eq!(org.body["totalSize"], 1);
    assert_eq!(org.body["records"][0]["IsSandbox"], false);
    assert_eq!(
        org.body["records"][0]["OrganizationType"],
        "Developer Edition"
    );
}

#[tokio::test]
async fn the_identity_url_and_userinfo_read_the_same_user_record() {
    let m = mock();
    let info = m.get("/services/oauth2/userinfo").await;
    let user_id = info.body["user_id"].as_str().unwrap().to_string();
    let org_id = info.body["organization_id"].as_str().unwrap().to_string();
    let moved = m
        .send(
            Method::PATCH,
            &format!("{V}/sobjects/User/{user_id}"),
            Some(r#"{"TimeZoneSidKey":"Europe/Paris","LocaleSidKey":"fr_FR"}"#),
            &[],
        )
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{:?}", moved.body);
    let info = m.get("/services/oauth2/userinfo").await;
    let id = m.get(&format!("/id/{org_id}/{user_id}")).await;
    assert_eq!(id.status, StatusCode::OK);
    assert_eq!(info.body["zoneinfo"], "Europe/Paris");
    assert_eq!(id.body["timezone"], "Europe/Paris");
    assert_eq!(id.body["locale"], "fr_FR");
    assert_eq!(info.body["locale"], "fr_FR");
    // Paris is one or two hours ahead of UTC, by the season of the org's clock.
    let offset = id.body["utcOffset"].as_i64().unwrap();
    assert!([3_600_000, 7_200_000].contains(&offset), "{offset}");
    assert_eq!(info.body["utcOffset"], id.body["utcOffset"]);
    // Both say when the record last changed: the edit just made.
    let user = m.get(&format!("{V}/sobjects/User/{user_id}")).await;
    let modified = user.body["LastModifiedDate"].clone();
    assert!(modified.is_string(), "{:?}", user.body);
    assert_eq!(id.body["last_modified_date"], modified);
    assert_eq!(info.body["updated_at"], modified);
    // The documented userinfo fields are all there.
    for field in [
        "photos",
        "picture",
        "address",
        "is_salesforce_integration_user",
        "updated_at",
        "urls",
    ] {
        assert!(info.body.get(field).is_some(), "userinfo lacks {field}");
    }
    assert_eq!(info.body["is_salesforce_integration_user"], false);
    assert!(info.body["urls"]["partner"]
        .as_str()
        .unwrap()
        .contains("/services/Soap/u/"));
}

#[tokio::test]
async fn an_oversized_body_is_refused_before_parsing() {
    let m = mock();
    let huge = format!(r#"{{"Name":"{}"}}"#, "x".repeat(51 * 1024 * 1024));
    let r = m
        .send(
            Method::POST,
            &format!("{V}/sobjects/Account"),
            Some(&huge),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn broken_json_is_a_parser_error_with_its_position() {
    let m = mock();
    let r = m
        .send(
            Method::POST,
            &format!("{V}/sobjects/Account"),
            Some(r#"{"Name" "x"}"#),
            &[],
        )
        .await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR")
    );
    assert!(r.body[0]["message"]
        .as_str()
        .unwrap()
        .ends_with("at [line:1, column:9]"));
}

#[tokio::test]
async fn a_value_of_the_wrong_kind_is_a_parser_error_ending_with_a_position() {
    let m = mock();
    let r = m
        .send(
            Method::POST,
            &format!("{V}/sobjects/Account"),
            Some(r#"{"Name":"x","AnnualRevenue":"banana"}"#),
            &[],
        )
        .await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR")
    );
    assert_eq!(
        r.body[0]["message"],
        "Cannot deserialize instance of currency from VALUE_STRING value banana or request may be missing a required field at [line:1, column:2]"
    );
}

/// The message of a refused write, asserting its code.
async fn refusal(m: &Mock, method: Method, path: &str, body: &str, code: &str) -> String {
    let r = m.send(method, path, Some(body), &[]).await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::BAD_REQUEST, code),
        "{body}: {}",
        r.body
    );
    r.body[0]["message"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn whole_numbers_past_an_int_fields_range_are_out_of_range_quoted_as_sent() {
    let m = mock();
    let create = format!("{V}/sobjects/Account");
    let code = "NUMBER_OUTSIDE_VALID_RANGE";
    for sent in [
        "2147483648",
        "99999999999999999999",
        "-99999999999999999999",
    ] {
        let body = format!(r#"{{"Name":"big","NumberOfEmployees":{sent}}}"#);
        assert_eq!(
            refusal(&m, Method::POST, &create, &body, code).await,
            format!("Employees: value outside of valid range on numeric field: {sent}")
        );
    }
    let id = m
        .send(Method::POST, &create, Some(r#"{"Name":"u"}"#), &[])
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let update = format!("{V}/sobjects/Account/{id}");
    let body = r#"{"NumberOfEmployees" : 99999999999999999999 }"#;
    assert_eq!(
        refusal(&m, Method::PATCH, &update, body, code).await,
        "Employees: value outside of valid range on numeric field: 99999999999999999999"
    );
}

#[tokio::test]
async fn a_decimal_out_of_range_is_quoted_as_sent_not_as_parsing_rounded_it() {
    let m = mock();
    let code = "NUMBER_OUTSIDE_VALID_RANGE";
    let expected =
        "Annual Revenue: value outside of valid range on numeric field: 12345678901234567890.5";
    for body in [
        r#"{"Name":"x","AnnualRevenue":12345678901234567890.5}"#,
        r#"{"Name":"x","AnnualRevenue":"12345678901234567890.5"}"#,
    ] {
        let create = format!("{V}/sobjects/Account");
        assert_eq!(
            refusal(&m, Method::POST, &create, body, code).await,
            expected
        );
    }
    let upsert = format!("{V}/sobjects/Account/Id");
    let body = r#"{"Name":"x","AnnualRevenue":12345678901234567890.5}"#;
    assert_eq!(
        refusal(&m, Method::POST, &upsert, body, code).await,
        expected
    );
}

#[tokio::test]
async fn a_number_no_double_holds_is_a_parser_error_naming_it_at_its_start() {
    let m = mock();
    let message = refusal(
        &m,
        Method::POST,
        &format!("{V}/sobjects/Account"),
        r#"{"Name":"x","AnnualRevenue":1e400}"#,
        "JSON_PARSER_ERROR",
    )
    .await;
    assert_eq!(
        message,
        "Numeric value (1e400) out of range of double at [line:1, column:29]"
    );
}

#[tokio::test]
async fn in_process_sub_requests_reach_the_routes_without_being_counted() {
    use crate::org::rest::gateway::{Caller, RequestVersion};
    use crate::org::rest::versions::ApiVersion;
    let org = Org::default_org();
    let login = issue_static_token(&org, None).unwrap();
    let session = org
        .sessions
        .validate(&login.token, org.clock.now())
        .unwrap();
    let state = RestState::new(org);
    let mut req = Request::get(format!("{V}/sobjects/Account/ERP_Id__c/A-1000"))
        .body(Body::empty())
        .unwrap();
    req.extensions_mut().insert(Caller(session));
    req.extensions_mut().insert(RequestVersion(ApiVersion(59)));
    let resp = crate::org::rest::rest_routes(state.clone())
        .oneshot(req)
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(state.usage.used(state.org.clock.now()), 0);
}

/// The raw body of a GET, with extra headers.
async fn raw_get(m: &Mock, path: &str, extra: &[(&str, &str)]) -> (HeaderMap, String) {
    let mut req = Request::builder()
        .uri(path)
        .header("host", "127.0.0.1:8443")
        .header("authorization", format!("Bearer {}", m.token));
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let resp = m
        .app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (headers, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn x_prettyprint_indents_the_same_json() {
    let m = mock();
    let q = format!("{V}/query?q=SELECT+Name+FROM+Account+WHERE+ERP_Id__c='A-1000'");
    let (_, compact) = raw_get(&m, &q, &[]).await;
    let (headers, pretty) = raw_get(&m, &q, &[("X-PrettyPrint", "1")]).await;
    assert!(!compact.contains('\n'), "{compact}");
    assert!(
        pretty.starts_with("{\n  \"totalSize\" : 1,\n  \"done\" : true,\n  \"records\" : [ {\n    \"attributes\" : {\n      \"type\" : \"Account\","),
        "{pretty}"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&pretty).unwrap(),
        serde_json::from_str::<Value>(&compact).unwrap()
    );
    assert_eq!(headers["content-type"], "application/json;charset=UTF-8");
    assert!(headers.contains_key("sforce-limit-info"));

    let (_, error) = raw_get(&m, &format!("{V}/sobjects/Nope"), &[("X-PrettyPrint", "1")]).await;
    assert!(error.starts_with("[ {\n  \"message\" : "), "{error}");
}

#[tokio::test]
async fn describe_answers_304_when_the_schema_has_not_changed_since_the_date_given() {
    let m = mock();
    let path = format!("{V}/sobjects/Account/describe");
    let first = m.get(&path).await;
    assert_eq!(first.status, StatusCode::OK);
    let stamp = first.headers["last-modified"].to_str().unwrap().to_string();
    let again = m
        .send(Method::GET, &path, None, &[("if-modified-since", &stamp)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let old = m
        .send(
            Method::GET,
            &path,
            None,
            &[("if-modified-since", "Mon, 01 Jan 2001 00:00:00 GMT")],
        )
        .await;
    assert_eq!(old.status, StatusCode::OK);
    assert_eq!(old.body["name"], "Account");
}

#[tokio::test]
async fn a_json_suffix_is_served_and_a_request_for_xml_is_told_the_mock_speaks_json() {
    let m = mock();
    let limits = m.get(&format!("{V}/limits.json")).await;
    assert_eq!(limits.status, StatusCode::OK);
    assert!(limits.body["DailyApiRequests"]["Max"].is_number());
    let xml = m.get(&format!("{V}/limits.xml")).await;
    assert_eq!(
        (xml.status, error_code(&xml)),
        (StatusCode::NOT_ACCEPTABLE, "NOT_ACCEPTABLE")
    );
    let by_accept = m
        .send(
            Method::GET,
            &format!("{V}/limits"),
            None,
            &[("accept", "application/xml")],
        )
        .await;
    assert_eq!(by_accept.status, StatusCode::NOT_ACCEPTABLE);
    let message = by_accept.body[0]["message"].as_str().unwrap_or("");
    assert!(message.contains("JSON only"), "{message}");
}

/// A write whose body carries `content_type` (none when `None`).
async fn write_as(
    m: &Mock,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1:8443")
        .header("authorization", format!("Bearer {}", m.token));
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let resp = m
        .app
        .clone()
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn a_multipart_body_is_refused_saying_the_mock_org_serves_no_file_objects() {
    let m = mock();
    let create = format!("{V}/sobjects/Account");
    let body = r#"{"Name":"Typed"}"#;
    let (status, err) = write_as(
        &m,
        Method::POST,
        &create,
        Some("multipart/form-data; boundary=x"),
        body,
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // The mock org has no file objects: the refusal says so, and sends nobody looking for one.
    let message = err[0]["message"].as_str().unwrap();
    assert!(
        message.contains("serves no file or blob objects (ContentVersion, Attachment, Document)")
            && !message.contains("base64"),
        "{err}"
    );
    for blob in ["ContentVersion", "Attachment", "Document"] {
        let r = m.get(&format!("{V}/sobjects/{blob}/describe")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{blob} is not served");
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_with_415_unsupported_media_type() {
    let m = mock();
    let create = format!("{V}/sobjects/Account");
    let body = r#"{"Name":"Typed"}"#;
    for ct in [
        "application/x-www-form-urlencoded",
        "text/plain; charset=UTF-8",
    ] {
        let (status, err) = write_as(&m, Method::POST, &create, Some(ct), body).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
        let media = ct.split(';').next().unwrap();
        assert_eq!(
            err,
            json!([{"message": format!("MediaType of '{media}' is not supported by this resource"), "errorCode": "UNSUPPORTED_MEDIA_TYPE"}])
        );
    }
    let (status, err) = write_as(&m, Method::POST, &create, Some("application/xml"), body).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        err[0]["message"].as_str().unwrap().contains("JSON only"),
        "{err}"
    );
    // Nothing was created by the refused writes.
    let typed = m
        .get(&format!(
            "{V}/query?q=SELECT+Id+FROM+Account+WHERE+Name='Typed'"
        ))
        .await;
    assert_eq!(typed.body["totalSize"], 0);

    // JSON in any spelling of the header is read; so is a body with no Content-Type [U].
    for ct in [
        Some("application/json"),
        Some("Application/JSON; charset=UTF-8"),
        None,
    ] {
        let (status, _) = write_as(&m, Method::POST, &create, ct, body).await;
        assert_eq!(status, StatusCode::CREATED, "{ct:?}");
    }
    // Collections and updates are held to the same rule.
    let (status, _) = write_as(
        &m,
        Method::POST,
        &format!("{V}/composite/sobjects"),
        Some("application/x-www-form-urlencoded"),
        r#"{"records":[]}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _) = write_as(
        &m,
        Method::PATCH,
        &format!("{V}/sobjects/Account/001000000000000AAA"),
        Some("text/plain"),
        body,
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // An empty POST is not refused for its type.
    let (status, _) = write_as(
        &m,
        Method::POST,
        &create,
        Some("application/x-www-form-urlencoded"),
        "",
    )
    .await;
    assert_ne!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn a_bulk_upload_must_be_csv() {
    let m = mock();
    let job = m
        .post(
            &format!("{V}/jobs/ingest"),
            json!({"object": "Account", "operation": "insert"}),
        )
        .await;
    let batches = format!(
        "{V}/jobs/ingest/{}/batches",
        job.body["id"].as_str().unwrap()
    );
    let csv = "Name\nUpload One\n";
    let (status, err) = write_as(&m, Method::PUT, &batches, Some("application/json"), csv).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        err[0]["message"],
        "MediaType of 'application/json' is not supported by this resource"
    );
    let (status, _) = write_as(
        &m,
        Method::PUT,
        &batches,
        Some("text/csv; charset=UTF-8"),
        csv,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_405s_of_a_record_url_agree_on_the_methods_it_takes() {
    let m = mock();
    let id = m
        .post(&format!("{V}/sobjects/Account"), json!({"Name": "Allow"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let record = format!("{V}/sobjects/Account/{id}");
    let put = m.send(Method::PUT, &record, Some("{}"), &[]).await;
    let post = m.send(Method::POST, &record, Some("{}"), &[]).await;
    for r in [&put, &post] {
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.headers["allow"], "GET,HEAD,PATCH,DELETE");
    }
    assert_eq!(
        put.body[0]["message"],
        "HTTP Method 'PUT' not allowed. Allowed are GET,HEAD,PATCH,DELETE"
    );
    // The object's own URL still offers POST.
    let on_object = m
        .send(
            Method::PUT,
            &format!("{V}/sobjects/Account"),
            Some("{}"),
            &[],
        )
        .await;
    assert!(on_object.headers["allow"]
        .to_str()
        .unwrap()
        .contains("POST"));
}

#[tokio::test]
async fn the_identity_url_names_the_user_as_their_user_record_does_in_an_org_seeded_without_users()
{
    let seed = OrgSeed::from_yaml("org: { name: Tiny }\nrecords: []\n").unwrap();
    let m = mock_of(Org::new(&seed).unwrap());
    let info = m.get("/services/oauth2/userinfo").await;
    let user_id = info.body["user_id"].as_str().unwrap().to_string();
    let org_id = info.body["organization_id"].as_str().unwrap().to_string();
    let user = m.get(&format!("{V}/sobjects/User/{user_id}")).await;
    let id = m.get(&format!("/id/{org_id}/{user_id}")).await;
    assert_eq!(id.status, StatusCode::OK);
    assert_eq!(id.body["first_name"], user.body["FirstName"]);
    assert_eq!(id.body["first_name"], "Ada");
    assert_eq!(id.body["last_name"], user.body["LastName"]);
    assert_eq!(id.body["display_name"], user.body["Name"]);
    assert_eq!(id.body["display_name"], info.body["name"]);
    assert_eq!(id.body["nick_name"], user.body["Alias"]);
    assert_eq!(id.body["nick_name"], info.body["nickname"]);
    assert_eq!(id.body["email"], user.body["Email"]);
}

#[tokio::test]
async fn single_access_and_search_suggestions_say_the_mock_does_not_serve_them() {
    let m = mock();
    for (method, path) in [
        (Method::POST, "/services/oauth2/singleaccess".to_string()),
        (
            Method::GET,
            format!("{V}/search/suggestions?q=ab&sobject=Account"),
        ),
        (Method::GET, format!("{V}/search/scopeOrder")),
        (Method::GET, format!("{V}/search/layout/?q=Account")),
    ] {
        let r = m.send(method, &path, None, &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        let message = r.body[0]["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("sflab's mock org does not serve"),
            "{path}: {message}"
        );
    }
}
