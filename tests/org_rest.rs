//! The mock org's REST surface, request by request, through `router(org)` with `oneshot`,
//! plus one real loopback listener over HTTPS with the generated CA.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use serde_json::{json, Map, Value};
use sflab::org::rest::static_token::issue_static_token;
use sflab::org::rest::{router, router_with, ApiUsage, RestState};
use sflab::org::{Org, OrgSeed};
use std::sync::Arc;
use tower::ServiceExt;

struct Mock {
    org: Org,
    app: Router,
    token: String,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

fn mock_of(org: Org) -> Mock {
    let login = issue_static_token(&org, None).expect("the org has a user");
    Mock {
        app: router(org.clone()),
        org,
        token: login.token,
    }
}

fn mock() -> Mock {
    mock_of(Org::default_org())
}

impl Mock {
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Reply {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1:8443")
            .header("authorization", format!("Bearer {}", self.token));
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| json!(String::from_utf8_lossy(&bytes)))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, &[]).await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(&body.to_string()), &[])
            .await
    }

    async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(&body.to_string()), &[])
            .await
    }

    async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None, &[]).await
    }

    fn seed_accounts(&self, n: usize, prefix: &str) {
        let admin = self.org.users[0].id.clone();
        let actor = self.org.actor(admin);
        let mut store = self.org.store.write();
        for i in 0..n {
            let mut m = Map::new();
            m.insert("Name".into(), json!(format!("{prefix} {i:05}")));
            store.insert("Account", &m, &actor).unwrap();
        }
    }
}

fn error_code(r: &Reply) -> &str {
    r.body[0]["errorCode"].as_str().unwrap_or("<none>")
}

const V: &str = "/services/data/v59.0";

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
    for needed in ["31.0", "50.0", "51.0", "59.0", "66.0"] {
        assert!(versions.contains(&needed));
    }
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
        "/services/data/v20.0/limits",
        "/services/data/v99.0",
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
async fn latest_is_an_alias_for_the_newest_version() {
    let m = mock();
    let r = m.get("/services/data/latest").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["limits"], "/services/data/v66.0/limits");
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
async fn create_answers_201_with_id_and_location() {
    let m = mock();
    let r = m
        .post(&format!("{V}/sobjects/Account/"), json!({"Name": "Acme"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let id = r.body["id"].as_str().unwrap();
    assert!(id.starts_with("001") && id.len() == 18);
    assert_eq!(r.body["success"], true);
    assert_eq!(r.body["errors"], json!([]));
    assert_eq!(
        r.headers["location"],
        format!("/services/data/v59.0/sobjects/Account/{id}").as_str()
    );
}

#[tokio::test]
async fn retrieve_with_fields_projects_to_those_fields() {
    let m = mock();
    let id = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Name": "Acme", "Industry": "Energy"}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let full = m.get(&format!("{V}/sobjects/Account/{id}")).await;
    assert_eq!(full.status, StatusCode::OK);
    assert_eq!(full.body["attributes"]["type"], "Account");
    assert_eq!(full.body["Industry"], "Energy");
    let some = m
        .get(&format!("{V}/sobjects/Account/{id}?fields=Name"))
        .await;
    assert_eq!(some.body["Name"], "Acme");
    assert!(some.body.get("Industry").is_none());
    let bad = m
        .get(&format!("{V}/sobjects/Account/{id}?fields=Naem"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&bad), "INVALID_FIELD");
}

#[tokio::test]
async fn missing_records_are_not_found_on_get_but_invalid_cross_reference_on_write() {
    let m = mock();
    let ghost = "001000000000000AAA";
    let r = m.get(&format!("{V}/sobjects/Account/{ghost}")).await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::NOT_FOUND, "NOT_FOUND")
    );
    let r = m
        .patch(
            &format!("{V}/sobjects/Account/{ghost}"),
            json!({"Name": "x"}),
        )
        .await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::NOT_FOUND, "INVALID_CROSS_REFERENCE_KEY")
    );
    let r = m.delete(&format!("{V}/sobjects/Account/{ghost}")).await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::NOT_FOUND, "INVALID_CROSS_REFERENCE_KEY")
    );
    let r = m.get(&format!("{V}/sobjects/Account/123")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body[0]["message"],
        "Provided external ID field does not exist or is not accessible: 123"
    );
}

#[tokio::test]
async fn update_and_delete_answer_204_and_take_effect() {
    let m = mock();
    let id = m
        .post(&format!("{V}/sobjects/Account"), json!({"Name": "Acme"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = m
        .patch(
            &format!("{V}/sobjects/Account/{id}"),
            json!({"Name": "Acme 2"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        m.get(&format!("{V}/sobjects/Account/{id}")).await.body["Name"],
        "Acme 2"
    );
    let r = m
        .send(
            Method::POST,
            &format!("{V}/sobjects/Account/{id}?_HttpMethod=PATCH"),
            Some(r#"{"Name":"Acme 3"}"#),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        m.get(&format!("{V}/sobjects/Account/{id}")).await.body["Name"],
        "Acme 3"
    );
    assert_eq!(
        m.delete(&format!("{V}/sobjects/Account/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        m.get(&format!("{V}/sobjects/Account/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn upsert_creates_then_updates_and_keeps_one_record() {
    let m = mock();
    let path = format!("{V}/sobjects/Account/ERP_Id__c/Z-9");
    let first = m.patch(&path, json!({"Name": "Zed"})).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(first.body["created"], true);
    let second = m.patch(&path, json!({"Name": "Zed 2"})).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.body["created"], false);
    assert_eq!(second.body["id"], first.body["id"]);
    let q = m
        .get(&format!(
            "{V}/query?q=SELECT+Name+FROM+Account+WHERE+ERP_Id__c='Z-9'"
        ))
        .await;
    assert_eq!(q.body["totalSize"], 1);
    assert_eq!(q.body["records"][0]["Name"], "Zed 2");
    let got = m.get(&path).await;
    assert_eq!(got.body["Name"], "Zed 2");
}

#[tokio::test]
async fn upsert_update_before_v46_answers_204() {
    let m = mock();
    let path = "/services/data/v45.0/sobjects/Account/ERP_Id__c/A-1000";
    assert_eq!(
        m.patch(path, json!({"Name": "Falcon"})).await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn upsert_with_update_only_does_not_create() {
    let m = mock();
    let r = m
        .patch(
            &format!("{V}/sobjects/Account/ERP_Id__c/NEW-1?updateOnly=true"),
            json!({"Name": "No"}),
        )
        .await;
    assert!(r.status.is_client_error(), "{:?}", r.status);
    let q = m
        .get(&format!(
            "{V}/query?q=SELECT+Id+FROM+Account+WHERE+ERP_Id__c='NEW-1'"
        ))
        .await;
    assert_eq!(q.body["totalSize"], 0);
}

#[tokio::test]
async fn upsert_matching_several_records_answers_300_with_their_urls() {
    let seed = OrgSeed::from_yaml(
        r#"
objects:
  Account:
    fields:
      Legacy_Key__c: { type: text, externalId: true }
users:
  - { username: admin@multi.example, last_name: Admin, profile: System Administrator }
records:
  - Account: { Name: One, Legacy_Key__c: K-1 }
  - Account: { Name: Two, Legacy_Key__c: K-1 }
"#,
    )
    .unwrap();
    let m = mock_of(Org::new(&seed).unwrap());
    let r = m
        .patch(
            &format!("{V}/sobjects/Account/Legacy_Key__c/K-1"),
            json!({"Name": "Three"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::MULTIPLE_CHOICES);
    let urls = r.body.as_array().unwrap();
    assert_eq!(urls.len(), 2);
    assert!(urls[0]
        .as_str()
        .unwrap()
        .starts_with("/services/data/v59.0/sobjects/Account/001"));
}

#[tokio::test]
async fn post_on_id_creates_like_an_upsert() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/sobjects/Account/Id"),
            json!({"Name": "By Id"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["created"], true);
}

#[tokio::test]
async fn field_rules_answer_with_their_salesforce_codes() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Industry": "Energy"}),
        )
        .await;
    assert_eq!(error_code(&r), "REQUIRED_FIELD_MISSING");
    assert_eq!(r.body[0]["fields"], json!(["Name"]));
    let r = m
        .post(&format!("{V}/sobjects/Contact"), json!({"FirstName": "A"}))
        .await;
    assert_eq!(r.body[0]["fields"], json!(["LastName"]));
    let r = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Name": "x".repeat(256)}),
        )
        .await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::BAD_REQUEST, "STRING_TOO_LONG")
    );
    let r = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Name": "Dup", "ERP_Id__c": "A-1000"}),
        )
        .await;
    assert_eq!(error_code(&r), "DUPLICATE_VALUE");
    let r = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Name": "x", "Naem": "y"}),
        )
        .await;
    assert_eq!(error_code(&r), "INVALID_FIELD");
    let r = m
        .post(&format!("{V}/sobjects/Nope__c"), json!({"Name": "x"}))
        .await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::NOT_FOUND, "NOT_FOUND")
    );
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
async fn describe_global_object_and_basic_info() {
    let m = mock();
    let g = m.get(&format!("{V}/sobjects")).await;
    assert_eq!(g.body["encoding"], "UTF-8");
    assert!(g.body["sobjects"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["name"] == "Account"));
    let d = m.get(&format!("{V}/sobjects/Account/describe")).await;
    assert!(d.body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "ERP_Id__c"));
    let b = m.get(&format!("{V}/sobjects/account")).await;
    assert_eq!(b.body["objectDescribe"]["name"], "Account");
    assert_eq!(
        m.get(&format!("{V}/sobjects/Nope/describe")).await.status,
        StatusCode::NOT_FOUND
    );
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
    assert_eq!(org.body["records"][0]["IsSandbox"], true);
}

#[tokio::test]
async fn a_real_https_listener_serves_with_the_generated_ca_and_checks_host() {
    let ws = tempfile::tempdir().unwrap();
    let ca = sflab::org::tls::LocalCa::load_or_create(ws.path()).unwrap();
    let tls = ca.server_config().unwrap();
    let org = Org::default_org();
    let login = issue_static_token(&org, None).unwrap();
    let listener = sflab::org::serve::bind_loopback(0).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(sflab::org::serve::serve(listener, org, Some(tls), async {
        let _ = stopped.await;
    }));
    let pem = std::fs::read(&ca.cert_path).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    let base = format!("https://localhost:{port}");
    let r = client
        .get(format!(
            "{base}/services/data/v59.0/query?q=SELECT+Name+FROM+Account"
        ))
        .bearer_auth(&login.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["sforce-limit-info"]
        .to_str()
        .unwrap()
        .starts_with("api-usage="));
    let body: Value = r.json().await.unwrap();
    assert!(body["totalSize"].as_u64().unwrap() >= 4);
    let ids = client
        .get(format!("https://127.0.0.1:{port}/services/data/v59.0"))
        .bearer_auth(&login.token)
        .send()
        .await
        .unwrap();
    let map: Value = ids.json().await.unwrap();
    assert!(map["identity"]
        .as_str()
        .unwrap()
        .starts_with(&format!("https://127.0.0.1:{port}/id/")));
    let rebound = client
        .get(format!("{base}/services/data"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 421);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn queries_page_in_batches_through_locators() {
    let m = mock();
    m.seed_accounts(2500, "Page");
    let q = format!("{V}/query?q=SELECT+Id,Name+FROM+Account+WHERE+Name+LIKE+'Page%25'");
    let first = m.get(&q).await;
    assert_eq!(first.body["totalSize"], 2500);
    assert_eq!(first.body["done"], false);
    assert_eq!(first.body["records"].as_array().unwrap().len(), 2000);
    let next = first.body["nextRecordsUrl"].as_str().unwrap().to_string();
    assert!(
        next.starts_with("/services/data/v59.0/query/01g") && next.ends_with("-2000"),
        "{next}"
    );
    let second = m.get(&next).await;
    assert_eq!(second.body["done"], true);
    assert_eq!(second.body["records"].as_array().unwrap().len(), 500);
    assert!(second.body.get("nextRecordsUrl").is_none());

    let small = m
        .send(
            Method::GET,
            &q,
            None,
            &[("Sforce-Query-Options", "batchSize=500")],
        )
        .await;
    assert_eq!(small.body["records"].as_array().unwrap().len(), 500);
    let loc = small.body["nextRecordsUrl"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let via_all = m.get(&format!("{V}/queryAll/{loc}")).await;
    assert_eq!(via_all.status, StatusCode::OK);
    assert_eq!(via_all.body["records"].as_array().unwrap().len(), 500);
}

#[tokio::test]
async fn a_locator_expires_on_the_org_clock() {
    let m = mock();
    m.seed_accounts(300, "Exp");
    let q = format!("{V}/query?q=SELECT+Id+FROM+Account+WHERE+Name+LIKE+'Exp%25'");
    let first = m
        .send(
            Method::GET,
            &q,
            None,
            &[("Sforce-Query-Options", "batchSize=200")],
        )
        .await;
    let next = first.body["nextRecordsUrl"].as_str().unwrap().to_string();
    m.org.clock.advance(std::time::Duration::from_secs(16 * 60));
    let r = m.get(&next).await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::BAD_REQUEST, "INVALID_QUERY_LOCATOR")
    );
}

#[tokio::test]
async fn query_all_sees_deleted_records_and_query_does_not() {
    let m = mock();
    let id = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Name": "Gone Soon"}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    m.delete(&format!("{V}/sobjects/Account/{id}")).await;
    let soql = format!("SELECT+Id,IsDeleted+FROM+Account+WHERE+Id='{id}'");
    assert_eq!(
        m.get(&format!("{V}/query?q={soql}")).await.body["totalSize"],
        0
    );
    let all = m.get(&format!("{V}/queryAll?q={soql}")).await;
    assert_eq!(all.body["totalSize"], 1);
    assert_eq!(all.body["records"][0]["IsDeleted"], true);
}

#[tokio::test]
async fn soql_errors_carry_their_codes() {
    let m = mock();
    let r = m
        .get(&format!("{V}/query?q=SELECT+Naem+FROM+Account"))
        .await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::BAD_REQUEST, "INVALID_FIELD")
    );
    assert!(r.body[0]["message"]
        .as_str()
        .unwrap()
        .contains("No such column 'Naem' on entity 'Account'"));
    let r = m
        .get(&format!(
            "{V}/query?q=SELECT+Id+FROM+ScratchOrgInfo+limit+1"
        ))
        .await;
    assert_eq!(error_code(&r), "INVALID_TYPE");
    let r = m.get(&format!("{V}/query?q=SELEKT+Id")).await;
    assert_eq!(error_code(&r), "MALFORMED_QUERY");
    let r = m.get(&format!("{V}/query")).await;
    assert_eq!(error_code(&r), "MALFORMED_QUERY");
}

#[tokio::test]
async fn columns_true_answers_column_metadata() {
    let m = mock();
    let r = m
        .get(&format!(
            "{V}/query?q=SELECT+Id,Name+FROM+Account&columns=true"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["entityName"], "Account");
    let cols = r.body["columnMetadata"].as_array().unwrap();
    assert_eq!(cols[1]["columnName"], "Name");
}

mod robustness {
    use super::*;
    use proptest::prelude::*;

    fn segment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("services".to_string()),
            Just("data".to_string()),
            Just("v59.0".to_string()),
            Just("v20.0".to_string()),
            Just("latest".to_string()),
            Just("sobjects".to_string()),
            Just("Account".to_string()),
            Just("ERP_Id__c".to_string()),
            Just("query".to_string()),
            Just("queryAll".to_string()),
            Just("describe".to_string()),
            Just("0015g0000000001AAA".to_string()),
            Just("01g5g0000000001AAA-2000".to_string()),
            Just("%FF%00".to_string()),
            Just("".to_string()),
            "[a-zA-Z0-9_.%~-]{0,20}",
        ]
    }

    fn request() -> impl Strategy<Value = (String, String, Option<String>, String)> {
        let method = prop_oneof![
            Just("GET"),
            Just("POST"),
            Just("PATCH"),
            Just("DELETE"),
            Just("PUT"),
            Just("HEAD"),
            Just("OPTIONS")
        ]
        .prop_map(str::to_string);
        let path =
            proptest::collection::vec(segment(), 0..8).prop_map(|s| format!("/{}", s.join("/")));
        let body = proptest::option::of(prop_oneof![
            Just(r#"{"Name":"x"}"#.to_string()),
            Just("[1,2]".to_string()),
            Just("{".to_string()),
            "\\PC{0,40}",
        ]);
        let query = prop_oneof![
            Just(String::new()),
            Just("?q=SELECT+Id+FROM+Account".to_string()),
            Just("?fields=Name,%FF".to_string()),
            Just("?_HttpMethod=PATCH".to_string()),
            "\\?[a-z=&%0-9]{0,20}",
        ];
        (method, path, body, query)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
        #[test]
        fn no_request_answers_5xx_or_a_non_json_error((method, path, body, query) in request()) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let m = mock();
                let Ok(method) = Method::from_bytes(method.as_bytes()) else { return };
                let uri = format!("{path}{query}");
                if uri.parse::<axum::http::Uri>().is_err() {
                    return;
                }
                let r = m.send(method, &uri, body.as_deref(), &[]).await;
                assert!(!r.status.is_server_error(), "{uri}: {}", r.status);
                if r.status.is_client_error() {
                    assert_eq!(r.headers["content-type"], "application/json;charset=UTF-8", "{uri}");
                    assert!(r.body[0]["errorCode"].is_string(), "{uri}: {}", r.body);
                }
            });
        }
    }
}
