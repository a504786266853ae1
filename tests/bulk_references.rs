//! Bulk API 2.0 header columns that name a parent record through a relationship — by an
//! idLookup field (`ReportsTo.Email`), through a field that can point at several objects
//! (`Account:What.ERP_Id__c`), and beside the lookup's own id column (`AccountId` with
//! `Account.ERP_Id__c`) — and the REST body that names a parent both ways, through the org's
//! whole HTTP surface with `oneshot`.

mod http_harness;

use axum::http::StatusCode;
use http_harness::bulk::{close, new_job, results, run_job, upload, wait_for};
use http_harness::{mock, Mock, V};
use serde_json::{json, Value};

fn insert(object: &str) -> Value {
    json!({"object": object, "operation": "insert"})
}

/// Runs an insert whose header the org refuses; returns the job's errorMessage.
async fn refused_header(m: &Mock, object: &str, csv: &str) -> String {
    let id = new_job(m, insert(object)).await;
    upload(m, &id, csv).await;
    close(m, &id, "UploadComplete").await;
    let info = wait_for(m, &id, "Failed").await;
    info["errorMessage"].as_str().unwrap().to_string()
}

/// The value of `field` of the one record `soql` finds.
async fn one(m: &Mock, soql: &str, field: &str) -> Value {
    let r = m
        .get(&format!("{V}/query?q={}", soql.replace(' ', "+")))
        .await;
    assert_eq!(r.body["totalSize"], 1, "{soql}: {}", r.text);
    r.body["records"][0][field].clone()
}

async fn erp_account(m: &Mock, erp_id: &str) -> Value {
    one(
        m,
        &format!("SELECT Id FROM Account WHERE ERP_Id__c = '{erp_id}'"),
        "Id",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_to_email_finds_the_manager_by_the_id_lookup_email_field() {
    let m = mock();
    let describe = m.get(&format!("{V}/sobjects/Contact/describe")).await;
    let email = describe.body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Email")
        .unwrap()
        .clone();
    assert_eq!(email["idLookup"], true);

    let (id, info) = run_job(
        &m,
        insert("Contact"),
        "FirstName,LastName,ReportsTo.Email\nTom,Jones,Maya.Rossi@falcon.example\nAnn,Lee,nobody@falcon.example\n",
    )
    .await;
    assert_eq!(info["numberRecordsFailed"], 1, "{info}");
    let manager = one(&m, "SELECT Id FROM Contact WHERE LastName = 'Rossi'", "Id").await;
    let tom = one(
        &m,
        "SELECT ReportsToId FROM Contact WHERE LastName = 'Jones'",
        "ReportsToId",
    )
    .await;
    assert_eq!(tom, manager, "found by Email, ignoring case");
    let failed = results(&m, &id, "failedResults").await;
    assert!(
        failed.contains("Foreign key external ID: nobody@falcon.example not found for field Email in entity Contact"),
        "{failed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relationship_column_by_a_field_that_cannot_find_a_record_says_so() {
    let m = mock();
    let msg = refused_header(&m, "Contact", "LastName,ReportsTo.Title\nJones,CFO\n").await;
    assert_eq!(
        msg,
        "InvalidBatch : Column ReportsTo.Title: Title on Contact cannot find a Contact record, as it is not an External ID, unique or idLookup field. Name the parent by its Id, an external id or an idLookup field such as Email"
    );
    let msg = refused_header(&m, "Contact", "LastName,ReportsTo.Bogus__c\nJones,x\n").await;
    assert_eq!(
        msg,
        "InvalidBatch : Field name not found : ReportsTo.Bogus__c"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polymorphic_columns_name_the_parent_object_before_the_relationship() {
    let m = mock();
    let (_, info) = run_job(
        &m,
        insert("Task"),
        "Subject,Account:What.ERP_Id__c,Contact:Who.Email\nCall Falcon,A-1000,maya.rossi@falcon.example\n",
    )
    .await;
    assert_eq!(info["numberRecordsFailed"], 0, "{info}");
    let what = one(
        &m,
        "SELECT WhatId FROM Task WHERE Subject = 'Call Falcon'",
        "WhatId",
    )
    .await;
    assert_eq!(what, erp_account(&m, "A-1000").await);
    let who = one(
        &m,
        "SELECT WhoId FROM Task WHERE Subject = 'Call Falcon'",
        "WhoId",
    )
    .await;
    let rossi = one(&m, "SELECT Id FROM Contact WHERE LastName = 'Rossi'", "Id").await;
    assert_eq!(who, rossi);

    let untyped = refused_header(&m, "Task", "Subject,What.ERP_Id__c\nx,A-1000\n").await;
    assert_eq!(
        untyped,
        "InvalidBatch : Column What.ERP_Id__c: What on Task can point at Account, Opportunity, Case, Order, Product2, so the column must say which: write it as ObjectType:What.ERP_Id__c, e.g. Account:What.ERP_Id__c"
    );
    let wrong_type =
        refused_header(&m, "Task", "Subject,Opportunity:Who.Email\nx,a@b.example\n").await;
    assert_eq!(
        wrong_type,
        "InvalidBatch : Column Opportunity:Who.Email: Who on Task points at Contact, Lead, not Opportunity. Name one of those before the colon, as in Contact:Who.Email"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_naming_its_parent_both_by_id_and_by_external_id_fails() {
    let m = mock();
    let falcon = erp_account(&m, "A-1000").await;
    let falcon = falcon.as_str().unwrap();
    let csv = format!(
        "LastName,AccountId,Account.ERP_Id__c\nBothWays,{falcon},A-1001\nById,{falcon},\nByErp,,A-1001\n"
    );
    let (id, info) = run_job(&m, insert("Contact"), &csv).await;
    assert_eq!(info["numberRecordsFailed"], 1, "{info}");
    let failed = results(&m, &id, "failedResults").await;
    assert!(
        failed.contains("INVALID_FIELD:Cannot specify both an external ID reference Account and a salesforce id, AccountId"),
        "{failed}"
    );
    assert!(failed.contains("BothWays"), "{failed}");
    let harbor = erp_account(&m, "A-1001").await;
    assert_eq!(
        one(
            &m,
            "SELECT AccountId FROM Contact WHERE LastName = 'ByErp'",
            "AccountId"
        )
        .await,
        harbor
    );
    assert_eq!(
        one(
            &m,
            "SELECT AccountId FROM Contact WHERE LastName = 'ById'",
            "AccountId"
        )
        .await,
        json!(falcon)
    );

    let before = m.count("Contact").await;
    let rest = m
        .post(
            &format!("{V}/sobjects/Contact"),
            json!({"LastName": "RestBoth", "AccountId": falcon, "Account": {"ERP_Id__c": "A-1001"}}),
        )
        .await;
    assert_eq!(rest.status, StatusCode::BAD_REQUEST, "{}", rest.text);
    assert_eq!(rest.body[0]["errorCode"], "INVALID_FIELD");
    assert_eq!(
        rest.body[0]["message"],
        "Cannot specify both an external ID reference Account and a salesforce id, AccountId"
    );
    assert_eq!(m.count("Contact").await, before, "no Contact was created");
}
