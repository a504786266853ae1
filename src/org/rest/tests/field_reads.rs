//! Field-level security on reads, in an org that enforces object access: the integration
//! user reads Account and Contact but, of their fields, only Account.Industry and
//! Contact.Email (besides Id, Name, the audit and required fields, which every reader sees),
//! and Contact.AccountId; `narrow@` the same but Contact.AccountId. To them every other field
//! does not exist — in queries, retrieves and describe.

use super::*;

fn org(enforce: bool) -> Org {
    let seed = OrgSeed::from_yaml(&format!(
        "users:\n\
         - {{ username: int@perm.example, last_name: Integration, profile: Minimum Access - API Only Integrations, permission_sets: [Sync, Lookups] }}\n\
         - {{ username: narrow@perm.example, last_name: Narrow, profile: Minimum Access - API Only Integrations, permission_sets: [Sync] }}\n\
         permission_sets:\n\
         - {{ name: Sync, objects: {{ Account: [read], Contact: [read] }}, fields: {{ Account.Industry: [read], Contact.Email: [read] }} }}\n\
         - {{ name: Lookups, fields: {{ Contact.AccountId: [read] }} }}\n\
         auth: {{ enforce_object_access: {enforce} }}\n\
         records:\n\
         - Account: {{ ref: a1, Name: Alpha, Industry: Banking, AnnualRevenue: 100, Phone: \"555\" }}\n\
         - Contact: {{ LastName: Doe, Email: d@x.example, Phone: \"111\", AccountId: {{ ref: a1 }} }}\n"
    ))
    .expect("seed");
    Org::new(&seed).expect("org")
}

fn integration(enforce: bool) -> Mock {
    as_user(org(enforce), "int@perm.example")
}

fn as_user(org: Org, username: &str) -> Mock {
    let user = org
        .users
        .iter()
        .find(|u| u.username == username)
        .expect("seeded user")
        .clone();
    Mock {
        token: org.mint_static_token(&user, &["api"]),
        app: router(org.clone()),
        org,
    }
}

async fn query(m: &Mock, soql: &str) -> Reply {
    let q: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
    m.get(&format!("{V}/query?q={q}")).await
}

async fn account_id(m: &Mock) -> String {
    let r = query(m, "SELECT Id FROM Account").await;
    r.body["records"][0]["Id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_query_naming_a_field_the_user_may_not_read_fails_as_for_an_unknown_column() {
    let m = integration(true);
    // Each query, where its first hidden name starts, that name and its object.
    for (soql, at, column, entity) in [
        (
            "SELECT Name, Phone, AnnualRevenue FROM Account",
            "Phone",
            "Phone",
            "Account",
        ),
        (
            "SELECT Name FROM Account WHERE AnnualRevenue > 0",
            "Annual",
            "AnnualRevenue",
            "Account",
        ),
        (
            "SELECT Name FROM Account ORDER BY Phone",
            "Phone",
            "Phone",
            "Account",
        ),
        (
            "SELECT Phone, COUNT(Id) FROM Account GROUP BY Phone",
            "Phone",
            "Phone",
            "Account",
        ),
        (
            "SELECT Email, Account.Phone FROM Contact",
            "Account.",
            "Phone",
            "Account",
        ),
        (
            "SELECT Name, (SELECT Email, Phone FROM Contacts) FROM Account",
            "Phone",
            "Phone",
            "Contact",
        ),
        (
            "SELECT Name FROM Account WITH USER_MODE ORDER BY Phone",
            "Phone",
            "Phone",
            "Account",
        ),
    ] {
        let r = query(&m, soql).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{soql}: {}", r.body);
        assert_eq!(error_code(&r), "INVALID_FIELD", "{soql}");
        let message = r.body[0]["message"].as_str().unwrap();
        let col = soql.find(at).unwrap() + 1;
        let expected =
            format!("ERROR at Row:1:Column:{col}\nNo such column '{column}' on entity '{entity}'.");
        assert!(message.contains(&expected), "{soql}: {message}");
    }
}

#[tokio::test]
async fn a_lookup_the_user_may_not_read_is_an_unknown_relationship_both_ways() {
    let m = as_user(org(true), "narrow@perm.example");
    let parent = query(&m, "SELECT Email, Account.Name FROM Contact").await;
    assert_eq!(parent.status, StatusCode::BAD_REQUEST, "{}", parent.body);
    assert_eq!(error_code(&parent), "INVALID_FIELD");
    let message = parent.body[0]["message"].as_str().unwrap();
    assert!(
        message.contains("Column:15\nDidn't understand relationship 'Account' in field path."),
        "{message}"
    );
    let child = query(&m, "SELECT Name, (SELECT Email FROM Contacts) FROM Account").await;
    assert_eq!(error_code(&child), "INVALID_TYPE", "{}", child.body);
    let message = child.body[0]["message"].as_str().unwrap();
    assert!(
        message.contains("Didn't understand relationship 'Contacts' in FROM part of query call."),
        "{message}"
    );
}

#[tokio::test]
async fn a_secure_query_naming_a_field_the_user_may_not_read_is_insufficient_access() {
    let m = integration(true);
    let r = query(&m, "SELECT Name, Phone FROM Account WITH SECURITY_ENFORCED").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(error_code(&r), "INSUFFICIENT_ACCESS");
    assert_eq!(
        r.body[0]["message"],
        "Insufficient permissions: secure query included inaccessible field"
    );
    let ok = query(
        &m,
        "SELECT Name, Industry FROM Account WITH SECURITY_ENFORCED",
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}

#[tokio::test]
async fn readable_fields_id_name_audit_and_required_fields_are_queried_as_before() {
    let m = integration(true);
    let r = query(
        &m,
        "SELECT Id, Name, Industry, CreatedDate, OwnerId, (SELECT LastName, Email FROM Contacts) FROM Account",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["records"][0]["Industry"], "Banking");
    assert_eq!(
        r.body["records"][0]["Contacts"]["records"][0]["Email"],
        "d@x.example"
    );
}

#[tokio::test]
async fn fields_all_returns_only_the_fields_the_user_may_read() {
    let m = integration(true);
    let r = query(&m, "SELECT FIELDS(ALL) FROM Account LIMIT 10").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let record = r.body["records"][0].as_object().unwrap();
    assert_eq!(record["Industry"], "Banking");
    assert!(record.contains_key("Name") && record.contains_key("Id"));
    assert!(!record.contains_key("Phone") && !record.contains_key("AnnualRevenue"));
}

#[tokio::test]
async fn retrieve_refuses_hidden_fields_by_name_and_leaves_them_out_otherwise() {
    let m = integration(true);
    let id = account_id(&m).await;
    let named = m
        .get(&format!(
            "{V}/sobjects/Account/{id}?fields=Name,Phone,AnnualRevenue"
        ))
        .await;
    assert_eq!(named.status, StatusCode::BAD_REQUEST, "{}", named.body);
    assert_eq!(error_code(&named), "INVALID_FIELD");
    assert_eq!(
        named.body[0]["message"],
        "No such column 'Phone' on sobject of type Account"
    );
    let whole = m.get(&format!("{V}/sobjects/Account/{id}")).await;
    assert_eq!(whole.status, StatusCode::OK, "{}", whole.body);
    assert_eq!(whole.body["Industry"], "Banking");
    assert_eq!(whole.body["Name"], "Alpha");
    assert!(whole.body.get("Phone").is_none(), "{}", whole.body);
    assert!(whole.body.get("AnnualRevenue").is_none());
    let readable = m
        .get(&format!("{V}/sobjects/Account/{id}?fields=Name,Industry"))
        .await;
    assert_eq!(readable.status, StatusCode::OK);
    assert_eq!(readable.body["Industry"], "Banking");
}

#[tokio::test]
async fn describe_lists_only_the_fields_the_user_may_read() {
    let m = integration(true);
    let d = m.get(&format!("{V}/sobjects/Account/describe")).await;
    assert_eq!(d.status, StatusCode::OK);
    let names: Vec<&str> = d.body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Industry") && names.contains(&"Name") && names.contains(&"Id"));
    assert!(!names.contains(&"Phone") && !names.contains(&"AnnualRevenue"));
}

#[tokio::test]
async fn a_bulk_query_job_naming_a_field_the_user_may_not_read_is_refused_at_creation() {
    let m = integration(true);
    let path = format!("{V}/jobs/query");
    let job = |soql: &str| m.post(&path, json!({"operation": "query", "query": soql}));
    let hidden = job("SELECT Name, Phone FROM Account").await;
    assert_eq!(hidden.status, StatusCode::BAD_REQUEST, "{}", hidden.body);
    assert_eq!(error_code(&hidden), "INVALID_FIELD");
    let readable = job("SELECT Name, Industry FROM Account").await;
    assert_eq!(readable.status, StatusCode::OK, "{}", readable.body);
}

#[tokio::test]
async fn orgs_that_do_not_enforce_object_access_read_every_field() {
    let m = integration(false);
    let r = query(&m, "SELECT Phone FROM Account WITH SECURITY_ENFORCED").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["records"][0]["Phone"], "555");
    let id = account_id(&m).await;
    let whole = m.get(&format!("{V}/sobjects/Account/{id}")).await;
    assert_eq!(whole.body["Phone"], "555");
}

#[test]
fn mcp_reads_follow_the_same_field_level_security() {
    use crate::org::mcp::tools::{call, McpFixture};
    let m = integration(true);
    let session = m
        .org
        .sessions
        .validate(&m.token, m.org.clock.now())
        .expect("a live token");
    let tool = |name: &str, args: Value| {
        let args = args.as_object().cloned().unwrap_or_default();
        call(&m.org, &session, &McpFixture::default(), name, &args).expect("a built-in tool")
    };
    let e = tool("soql_query", json!({"query": "SELECT Phone FROM Account"})).unwrap_err();
    assert!(e.0.starts_with("INVALID_FIELD: "), "{}", e.0);
    let rows = tool(
        "soql_query",
        json!({"query": "SELECT FIELDS(ALL) FROM Account LIMIT 1"}),
    )
    .unwrap();
    assert!(rows["records"][0].get("Phone").is_none(), "{rows}");
    assert_eq!(rows["records"][0]["Industry"], "Banking");
    let id = rows["records"][0]["Id"].as_str().unwrap().to_string();
    let record = tool("get_record", json!({"object": "Account", "id": id})).unwrap();
    assert!(record.get("Phone").is_none() && record["Industry"] == "Banking");
    let e = tool(
        "get_record",
        json!({"object": "Account", "id": id, "fields": ["Phone"]}),
    )
    .unwrap_err();
    assert!(e.0.starts_with("INVALID_FIELD: "), "{}", e.0);
    let d = tool("describe_object", json!({"object": "Account"})).unwrap();
    let names: Vec<&str> = d["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Industry") && !names.contains(&"Phone"));
}

#[tokio::test]
async fn a_search_returning_a_field_the_user_may_not_read_fails_as_a_query_does() {
    let m = integration(true);
    let sosl = "FIND {Alpha} RETURNING Account(Name, Phone)";
    let q: String = url::form_urlencoded::byte_serialize(sosl.as_bytes()).collect();
    let r = m.get(&format!("{V}/search?q={q}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(error_code(&r), "INVALID_FIELD");
    let message = r.body[0]["message"].as_str().unwrap();
    let col = sosl.find("Phone").unwrap() + 1;
    assert!(
        message.contains(&format!(
            "Column:{col}\nNo such column 'Phone' on entity 'Account'."
        )),
        "{message}"
    );
    let readable = "FIND {Alpha} RETURNING Account(Name, Industry)";
    let q: String = url::form_urlencoded::byte_serialize(readable.as_bytes()).collect();
    let r = m.get(&format!("{V}/search?q={q}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["searchRecords"][0]["Industry"], "Banking");
}

#[tokio::test]
async fn describe_lists_only_the_child_relationships_the_user_may_query() {
    let relationships = |m: Mock| async move {
        let d = m.get(&format!("{V}/sobjects/Account/describe")).await;
        assert_eq!(d.status, StatusCode::OK);
        d.body["childRelationships"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["relationshipName"].as_str().map(str::to_string))
            .collect::<Vec<String>>()
    };
    let with_lookup = relationships(integration(true)).await;
    assert!(
        with_lookup.contains(&"Contacts".to_string()),
        "{with_lookup:?}"
    );
    assert!(
        !with_lookup.contains(&"Opportunities".to_string()),
        "an object the user may not read: {with_lookup:?}"
    );
    let without_lookup = relationships(as_user(org(true), "narrow@perm.example")).await;
    assert!(
        !without_lookup.contains(&"Contacts".to_string()),
        "Contact.AccountId is hidden from narrow@: {without_lookup:?}"
    );
    let everyone = relationships(integration(false)).await;
    assert!(
        everyone.contains(&"Opportunities".to_string()),
        "{everyone:?}"
    );
}
