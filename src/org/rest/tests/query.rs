//! SOQL over REST: paging through locators, expiry, queryAll, errors, column metadata.

use super::*;

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

/// Every page of `query` and `queryAll` carries the total of the whole result (not the rows
/// left or the rows on the page), `done` is false until the last page, and a LIMIT smaller
/// than the total but larger than the page size counts as the total.
#[tokio::test]
async fn every_page_carries_the_whole_total_and_only_the_last_is_done() {
    let m = mock();
    m.seed_accounts(650, "Tot");
    let gone = m
        .get(&format!(
            "{V}/query?q=SELECT+Id+FROM+Account+WHERE+Name+LIKE+'Tot%25'+ORDER+BY+Name+LIMIT+50"
        ))
        .await;
    for r in gone.body["records"].as_array().unwrap() {
        let id = r["Id"].as_str().unwrap();
        m.delete(&format!("{V}/sobjects/Account/{id}")).await;
    }
    let batch = [("Sforce-Query-Options", "batchSize=200")];
    let cases = [
        ("query", "", 600, vec![200, 200, 200]),
        ("queryAll", "", 650, vec![200, 200, 200, 50]),
        ("query", "+LIMIT+450", 450, vec![200, 200, 50]),
        ("queryAll", "+LIMIT+450", 450, vec![200, 200, 50]),
        ("query", "+LIMIT+120", 120, vec![120]),
    ];
    for (resource, limit, total, pages) in cases {
        let q = format!("{V}/{resource}?q=SELECT+Id+FROM+Account+WHERE+Name+LIKE+'Tot%25'{limit}");
        let mut page = m.send(Method::GET, &q, None, &batch).await;
        let mut seen = Vec::new();
        loop {
            let case = format!("{resource} {limit} page {}", seen.len() + 1);
            assert_eq!(page.body["totalSize"], total, "{case}");
            seen.push(page.body["records"].as_array().unwrap().len());
            let last = seen.len() == pages.len();
            assert_eq!(page.body["done"], last, "{case}");
            match page.body["nextRecordsUrl"].as_str() {
                Some(next) => {
                    assert!(!last, "{case}: {next}");
                    page = m.send(Method::GET, next, None, &batch).await;
                }
                None => break,
            }
        }
        assert_eq!(seen, pages, "{resource} {limit}");
    }
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

#[tokio::test]
async fn count_queries_answer_the_count_without_rows_or_locator() {
    let m = mock();
    m.seed_accounts(2100, "Counted");
    let r = m
        .get(&format!("{V}/query?q=SELECT+COUNT()+FROM+Account"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["totalSize"], 2104);
    assert_eq!(r.body["done"], true);
    assert_eq!(r.body["records"], json!([]));
}

#[tokio::test]
async fn the_second_page_continues_where_the_first_stopped() {
    let m = mock();
    m.seed_accounts(2100, "Live");
    let q =
        format!("{V}/query?q=SELECT+Id,Name+FROM+Account+WHERE+Name+LIKE+'Live%25'+ORDER+BY+Name");
    let first = m.get(&q).await;
    let next = first.body["nextRecordsUrl"].as_str().unwrap().to_string();
    let second = m.get(&next).await;
    assert_eq!(second.body["records"].as_array().unwrap().len(), 100);
    assert_eq!(second.body["records"][0]["Name"], "Live 02000");
}

fn least_privilege_org(enforce: bool) -> Org {
    let seed = OrgSeed::from_yaml(&format!(
        "users:\n\
         - {{ username: digest@lab.example, last_name: Digest, profile: Minimum Access - API Only Integrations, permission_sets: [Account_Read] }}\n\
         permission_sets:\n\
         - {{ name: Account_Read, objects: {{ Account: [read] }} }}\n\
         auth: {{ enforce_object_access: {enforce} }}\n\
         records:\n\
         - Opportunity: {{ Name: Renewal, StageName: Prospecting, CloseDate: \"2026-12-31\" }}\n"
    ))
    .expect("seed");
    Org::new(&seed).expect("org")
}

#[tokio::test]
async fn a_query_on_an_object_the_user_cannot_read_is_refused_when_access_is_enforced() {
    let m = mock_of(least_privilege_org(true));
    let r = m
        .get("/services/data/v62.0/query?q=SELECT+COUNT()+FROM+Opportunity")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&r), "INVALID_TYPE");
    // Worded and placed as for an object that does not exist: to this user it does not.
    assert_eq!(
        r.body[0]["message"].as_str().unwrap(),
        "\nSELECT COUNT() FROM Opportunity\n                    ^\nERROR at Row:1:Column:21\nsObject type 'Opportunity' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
    );
    let ok = m
        .get("/services/data/v62.0/query?q=SELECT+Name+FROM+Account")
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    // A child subquery reads its child object too: no way round the refusal.
    let sneaky = m
        .get("/services/data/v62.0/query?q=SELECT+Name,(SELECT+Name+FROM+Opportunities)+FROM+Account")
        .await;
    assert_eq!(sneaky.status, StatusCode::BAD_REQUEST, "{}", sneaky.body);
}

#[tokio::test]
async fn object_access_is_not_checked_unless_the_org_enforces_it() {
    let m = mock_of(least_privilege_org(false));
    let r = m
        .get("/services/data/v62.0/query?q=SELECT+COUNT()+FROM+Opportunity")
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn a_token_without_the_api_scope_is_refused() {
    let m = mock();
    let user = m.org.users[0].clone();
    let narrow = Mock {
        token: m.org.mint_static_token(&user, &["openid", "id"]),
        app: m.app.clone(),
        org: m.org.clone(),
    };
    let r = narrow
        .get("/services/data/v62.0/query?q=SELECT+Name+FROM+Account")
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&r), "INVALID_SESSION_ID");
    assert!(r.body[0]["message"]
        .as_str()
        .unwrap_or("")
        .contains("REST API"));
}

#[tokio::test]
async fn permission_set_assignments_say_what_a_user_holds() {
    let m = mock();
    let r = m
        .get(&format!(
            "{V}/query?q=SELECT+PermissionSet.Name+FROM+PermissionSetAssignment+WHERE+Assignee.Username='integration@sflab.example'"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["totalSize"], 1);
    assert_eq!(
        r.body["records"][0]["PermissionSet"]["Name"],
        "sflab_Integration"
    );
}

/// A query string for `?q=`: spaces as `+`, `=` and `'` escaped.
fn soql_param(soql: &str) -> String {
    soql.replace(' ', "+")
        .replace('=', "%3D")
        .replace('\'', "%27")
}

#[tokio::test]
async fn date_functions_group_over_rest_and_convert_into_the_callers_time_zone() {
    let m = mock();
    let soql = "SELECT CALENDAR_YEAR(CloseDate), SUM(Amount) total FROM Opportunity GROUP BY CALENDAR_YEAR(CloseDate) ORDER BY CALENDAR_YEAR(CloseDate)";
    let r = m.get(&format!("{V}/query?q={}", soql_param(soql))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        r.body["records"][0]["attributes"]["type"],
        "AggregateResult"
    );
    assert_eq!(r.body["records"][0]["expr0"], 2026);
    assert_eq!(r.body["records"][0]["total"], 275000.0);
    assert_eq!(r.body["records"][1]["expr0"], 2027);

    // The caller moves to Paris: convertTimezone() follows the User record.
    let info = m.get("/services/oauth2/userinfo").await;
    let user_id = info.body["user_id"].as_str().unwrap().to_string();
    let moved = m
        .send(
            Method::PATCH,
            &format!("{V}/sobjects/User/{user_id}"),
            Some(r#"{"TimeZoneSidKey":"Europe/Paris"}"#),
            &[],
        )
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{:?}", moved.body);
    let created = m
        .get(&format!(
            "{V}/query?q={}",
            soql_param("SELECT CreatedDate FROM Account WHERE Name = 'Falcon Corp'")
        ))
        .await;
    let created: chrono::DateTime<chrono::Utc> = created.body["records"][0]["CreatedDate"]
        .as_str()
        .unwrap()
        .replace("+0000", "Z")
        .parse()
        .unwrap();
    let paris_hour = chrono::Timelike::hour(&created.with_timezone(&chrono_tz::Europe::Paris));
    let soql = "SELECT HOUR_IN_DAY(convertTimezone(CreatedDate)) h, HOUR_IN_DAY(CreatedDate) utc FROM Account WHERE Name = 'Falcon Corp' GROUP BY HOUR_IN_DAY(convertTimezone(CreatedDate)), HOUR_IN_DAY(CreatedDate)";
    let r = m.get(&format!("{V}/query?q={}", soql_param(soql))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["records"][0]["h"], paris_hour);
    assert_eq!(
        r.body["records"][0]["utc"],
        chrono::Timelike::hour(&created)
    );
}

#[tokio::test]
async fn a_child_subquery_over_200_rows_pages_through_a_locator_of_its_own() {
    let m = mock();
    let admin = m.org.users[0].id;
    let actor = m.org.actor(admin);
    let parent = {
        let mut store = m.org.store.write();
        let mut a = Map::new();
        a.insert("Name".into(), json!("Many Contacts"));
        let parent = store.insert("Account", &a, &actor).unwrap().to_string();
        for i in 0..450 {
            let mut c = Map::new();
            c.insert("LastName".into(), json!(format!("C{i:03}")));
            c.insert("AccountId".into(), json!(parent));
            store.insert("Contact", &c, &actor).unwrap();
        }
        parent
    };
    let q = format!(
        "{V}/query?q=SELECT+Name,(SELECT+LastName+FROM+Contacts+ORDER+BY+LastName)+FROM+Account+WHERE+Id='{parent}'"
    );
    let first = m.get(&q).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["done"], true, "the parent query itself fits");
    let child = &first.body["records"][0]["Contacts"];
    assert_eq!(child["totalSize"], 450);
    assert_eq!(child["done"], false);
    assert_eq!(child["records"].as_array().unwrap().len(), 200);
    assert_eq!(child["records"][199]["LastName"], "C199");
    let next = child["nextRecordsUrl"].as_str().unwrap().to_string();
    assert!(
        next.starts_with("/services/data/v59.0/query/01g") && next.ends_with("-200"),
        "{next}"
    );
    let second = m.get(&next).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.body["totalSize"], 450);
    assert_eq!(second.body["records"][0]["LastName"], "C200");
    assert_eq!(second.body["records"][0]["attributes"]["type"], "Contact");
    let rest = second.body["nextRecordsUrl"].as_str().unwrap().to_string();
    let third = m.get(&rest).await;
    assert_eq!(third.body["done"], true);
    assert_eq!(third.body["records"].as_array().unwrap().len(), 50);
    assert_eq!(third.body["records"][49]["LastName"], "C449");
    // 200 or fewer children come whole, as before.
    let small = m
        .get(&format!(
            "{V}/query?q=SELECT+Name,(SELECT+LastName+FROM+Contacts+LIMIT+200)+FROM+Account+WHERE+Id='{parent}'"
        ))
        .await;
    let child = &small.body["records"][0]["Contacts"];
    assert_eq!(
        (child["done"].clone(), child["totalSize"].clone()),
        (json!(true), json!(200))
    );
    assert!(child.get("nextRecordsUrl").is_none());
}

#[tokio::test]
async fn child_cursors_do_not_close_the_parent_query_cursor() {
    let m = mock();
    let admin = m.org.users[0].id;
    let actor = m.org.actor(admin);
    {
        let mut store = m.org.store.write();
        for p in 0..12 {
            let mut a = Map::new();
            a.insert("Name".into(), json!(format!("Parent {p:02}")));
            let parent = store.insert("Account", &a, &actor).unwrap().to_string();
            for i in 0..201 {
                let mut c = Map::new();
                c.insert("LastName".into(), json!(format!("C{i:03}")));
                c.insert("AccountId".into(), json!(parent));
                store.insert("Contact", &c, &actor).unwrap();
            }
        }
    }
    m.seed_accounts(200, "Parent z");
    let q = format!(
        "{V}/query?q=SELECT+Name,(SELECT+LastName+FROM+Contacts)+FROM+Account+WHERE+Name+LIKE+'Parent%25'+ORDER+BY+Name"
    );
    let first = m
        .send(
            Method::GET,
            &q,
            None,
            &[("Sforce-Query-Options", "batchSize=200")],
        )
        .await;
    let paged = first.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["Contacts"]["done"] == false)
        .count();
    assert_eq!(paged, 12, "twelve child cursors opened");
    let next = first.body["nextRecordsUrl"].as_str().unwrap().to_string();
    let second = m.get(&next).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
}

/// `SELECT Id FROM Account WHERE` one comparison inside `levels` parentheses.
fn parenthesized(levels: usize) -> String {
    format!(
        "SELECT Id FROM Account WHERE {}Name = 'x'{}",
        "(".repeat(levels),
        ")".repeat(levels)
    )
}

/// The text as a query-string value, parentheses left as they are (3,000 nested ones fit the
/// 16 KB a request line may have, as a client sends them).
fn query_value(text: &str) -> String {
    text.replace(' ', "+")
        .replace('\'', "%27")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

fn query_url(soql: &str) -> String {
    format!("{V}/query?q={}", query_value(soql))
}

fn assert_nested_too_deeply(body: &Value, code: &str) {
    assert_eq!(body[0]["errorCode"], code, "{body}");
    let message = body[0]["message"].as_str().unwrap();
    assert!(message.contains("nested too deeply"), "{message}");
}

async fn assert_still_serving(m: &Mock) {
    let r = m.get(&query_url("SELECT Id FROM Account LIMIT 1")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_query_nested_thousands_deep_is_refused_and_the_org_keeps_serving() {
    let m = mock();
    let deep_nots = format!(
        "SELECT Id FROM Account WHERE {}Name = 'x'",
        "NOT ".repeat(3000)
    );
    for soql in [parenthesized(3000), deep_nots] {
        let r = m.get(&query_url(&soql)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_nested_too_deeply(&r.body, "MALFORMED_QUERY");
        assert_still_serving(&m).await;
    }
}

#[tokio::test]
async fn a_composite_subrequest_nesting_subqueries_thousands_deep_is_refused() {
    let m = mock();
    let mut inner = "SELECT Id FROM Contacts".to_string();
    for _ in 0..1500 {
        inner = format!("SELECT Id, ({inner}) FROM Contacts");
    }
    let soql = format!("SELECT Id, ({inner}) FROM Account");
    let r = m
        .post(
            &format!("{V}/composite"),
            json!({"compositeRequest": [
                {"method": "GET", "url": query_url(&soql), "referenceId": "deep"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let sub = &r.body["compositeResponse"][0];
    assert_eq!(sub["httpStatusCode"], 400, "{sub}");
    assert_nested_too_deeply(&sub["body"], "MALFORMED_QUERY");
    assert_still_serving(&m).await;
}

#[tokio::test]
async fn a_search_filter_nested_thousands_deep_is_refused() {
    let m = mock();
    let sosl = format!(
        "FIND {{Acme}} RETURNING Account(Name WHERE {}Name = 'x'{})",
        "(".repeat(3000),
        ")".repeat(3000)
    );
    let r = m.get(&format!("{V}/search?q={}", query_value(&sosl))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_nested_too_deeply(&r.body, "MALFORMED_SEARCH");
    assert_still_serving(&m).await;
}

#[tokio::test]
async fn a_bulk_query_job_nested_thousands_deep_is_refused() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/jobs/query"),
            json!({"operation": "query", "query": parenthesized(3000)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_nested_too_deeply(&r.body, "MALFORMED_QUERY");
    assert_still_serving(&m).await;
}

#[test]
fn the_deepest_accepted_query_is_answered_on_half_a_request_threads_stack() {
    use crate::org::soql::parser::MAX_NESTING;
    let answered = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let m = mock();
                let r = m.get(&query_url(&parenthesized(MAX_NESTING))).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
                let nots = format!(
                    "SELECT Id FROM Account WHERE {}Name = 'x'",
                    "NOT ".repeat(MAX_NESTING)
                );
                let r = m.get(&query_url(&nots)).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            })
        })
        .unwrap()
        .join();
    assert!(answered.is_ok());
}

#[tokio::test]
async fn a_query_over_100000_characters_is_refused_wherever_it_is_sent() {
    let m = mock();
    let long = format!("SELECT Id FROM Account{}", " ".repeat(100_000));
    let job = m
        .post(
            &format!("{V}/jobs/query"),
            json!({"operation": "query", "query": long}),
        )
        .await;
    let sub = m
        .post(
            &format!("{V}/composite"),
            json!({"compositeRequest": [
                {"method": "GET", "url": query_url(&long), "referenceId": "long"}
            ]}),
        )
        .await;
    for body in [&job.body, &sub.body["compositeResponse"][0]["body"]] {
        assert_eq!(body[0]["errorCode"], "MALFORMED_QUERY", "{body}");
        assert_eq!(
            body[0]["message"],
            "SOQL statements can not be longer than 100000 characters."
        );
    }
    assert_eq!(job.status, StatusCode::BAD_REQUEST);
}
