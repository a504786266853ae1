//! Field-level security on searches and explain plans, in an org that enforces object access
//! (the tester's `fls.yaml`): `reader@` reads Account and Contact but, of their fields, only
//! Account.Industry and Contact.AccountId (besides Id, Name, the audit and required fields).
//! A hidden Phone, Description or Email is never searched, and an explain plan naming one
//! fails as the query itself does, so neither answers questions about values the user may
//! not read.

use super::*;

fn reader() -> Mock {
    let seed = OrgSeed::from_yaml(
        "users:\n\
         - { username: reader@fls.example, last_name: Reader, profile: Minimum Access - API Only Integrations, permission_sets: [Limited] }\n\
         permission_sets:\n\
         - { name: Limited, objects: { Account: [read], Contact: [read] }, fields: { Account.Industry: [read], Contact.AccountId: [read] } }\n\
         auth: { enforce_object_access: true }\n\
         records:\n\
         - Account: { ref: a1, Name: Secret Phone Co, Phone: \"555-123-9999\", Industry: Banking, Description: classified sapphire }\n\
         - Account: { Name: Other Co, Phone: \"555-000-0000\", Industry: Retail }\n\
         - Contact: { LastName: Hidden, Email: hidden@secret.example, AccountId: { ref: a1 } }\n",
    )
    .expect("seed");
    let org = Org::new(&seed).expect("org");
    let user = org
        .users
        .iter()
        .find(|u| u.username == "reader@fls.example")
        .expect("seeded user")
        .clone();
    Mock {
        token: org.mint_static_token(&user, &["api"]),
        app: router(org.clone()),
        org,
    }
}

fn encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn search(m: &Mock, sosl: &str) -> Reply {
    m.get(&format!("{V}/search?q={}", encoded(sosl))).await
}

#[tokio::test]
async fn a_search_does_not_find_records_by_fields_the_user_may_not_read() {
    let m = reader();
    for sosl in [
        "FIND {555-123-9999} IN PHONE FIELDS RETURNING Account(Name)",
        "FIND {sapphire} RETURNING Account(Name)",
        "FIND {hidden@secret.example} IN EMAIL FIELDS RETURNING Contact(LastName)",
        "FIND {sapphire}",
    ] {
        let r = search(&m, sosl).await;
        assert_eq!(r.status, StatusCode::OK, "{sosl}: {}", r.body);
        assert_eq!(r.body["searchRecords"], json!([]), "{sosl}");
    }
    let p = m
        .get(&format!(
            "{V}/parameterizedSearch/?q=555-123-9999&sobject=Account&Account.fields=Name"
        ))
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(p.body["searchRecords"], json!([]));
}

#[tokio::test]
async fn a_search_still_finds_records_by_fields_the_user_may_read() {
    let m = reader();
    let r = search(&m, "FIND {secret} RETURNING Account(Name, Industry)").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["searchRecords"][0]["Name"], "Secret Phone Co");
    assert_eq!(r.body["searchRecords"][0]["Industry"], "Banking");
    assert_eq!(r.body["searchRecords"].as_array().unwrap().len(), 1);
}

async fn explain(m: &Mock, soql: &str) -> Reply {
    m.get(&format!("{V}/query?explain={}", encoded(soql))).await
}

#[tokio::test]
async fn an_explain_plan_naming_a_field_the_user_may_not_read_fails_as_the_query_does() {
    let m = reader();
    for soql in [
        "SELECT Id FROM Account WHERE Name != null AND Phone LIKE '555-1%'",
        "SELECT Id FROM Account WHERE Phone LIKE '555-0%'",
        "SELECT Id, Description FROM Account",
        "SELECT Id FROM Contact WHERE Email = 'hidden@secret.example'",
    ] {
        let plan = explain(&m, soql).await;
        let run = m.get(&format!("{V}/query?q={}", encoded(soql))).await;
        assert_eq!(
            plan.status,
            StatusCode::BAD_REQUEST,
            "{soql}: {}",
            plan.body
        );
        assert_eq!(error_code(&plan), "INVALID_FIELD", "{soql}");
        assert_eq!(plan.body, run.body, "{soql}: the same refusal as ?q=");
        let message = plan.body[0]["message"].as_str().unwrap();
        assert!(message.contains("ERROR at Row:1:Column:"), "{message}");
    }
}

#[tokio::test]
async fn an_explain_plan_of_readable_fields_is_still_given() {
    let m = reader();
    let plan = explain(&m, "SELECT Id FROM Account WHERE Industry = 'Banking'").await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.body);
    assert_eq!(plan.body["plans"][0]["sobjectType"], "Account");
}

#[tokio::test]
async fn an_explain_plan_reaching_an_object_the_user_may_not_read_fails_as_the_query_does() {
    let m = reader();
    let soql = "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity)";
    let plan = explain(&m, soql).await;
    let run = m.get(&format!("{V}/query?q={}", encoded(soql))).await;
    assert_eq!(plan.status, StatusCode::BAD_REQUEST, "{}", plan.body);
    assert_eq!(error_code(&plan), "INVALID_TYPE");
    assert_eq!(plan.body, run.body);
}
