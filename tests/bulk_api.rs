//! Bulk API 2.0 of the mock org — ingest and query jobs, resource by resource and error by
//! error — through the org's whole HTTP surface with `oneshot`.

mod http_harness;

use axum::http::{Method, StatusCode};
use http_harness::bulk::{close, create_job, run_job, upload, wait_for};
use http_harness::{mock, mock_with_seed, Mock, Reply, V};
use serde_json::{json, Value};
use std::time::Duration;

// ---------------------------------------------------------------- bulk ingest

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_upsert_lifecycle_with_all_three_result_files() {
    let m = mock();
    let job = create_job(&m, json!({"object":"Account","operation":"upsert","externalIdFieldName":"ERP_Id__c","contentType":"CSV","lineEnding":"LF","columnDelimiter":"COMMA"})).await;
    assert_eq!(job.status, StatusCode::OK, "{}", job.text);
    assert_eq!(job.body["state"], "Open");
    let id = job.body["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("750") && id.len() == 18);
    let up = upload(
        &m,
        &id,
        "Name,ERP_Id__c\nBulk One,B-1\nFalcon Corp,A-1000\n,B-3\n",
    )
    .await;
    assert_eq!(up.status, StatusCode::CREATED);
    let closed = close(&m, &id, "UploadComplete").await;
    assert_eq!(closed.status, StatusCode::OK);
    assert_eq!(closed.body["id"], json!(id));
    let info = wait_for(&m, &id, "JobComplete").await;
    assert_eq!(info["numberRecordsProcessed"], 3);
    assert_eq!(info["numberRecordsFailed"], 1);
    assert_eq!(info["jobType"], "V2Ingest");

    let ok = m
        .get(&format!("{V}/jobs/ingest/{id}/successfulResults"))
        .await;
    assert!(ok.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let lines: Vec<&str> = ok.text.lines().collect();
    assert_eq!(lines[0], r#""sf__Id","sf__Created",Name,ERP_Id__c"#);
    assert!(lines[1].contains(",true,Bulk One,B-1"));
    assert!(lines[2].contains(",false,Falcon Corp,A-1000"));
    let failed = m.get(&format!("{V}/jobs/ingest/{id}/failedResults")).await;
    assert!(failed
        .text
        .contains("REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"));
    for spelling in ["unprocessedrecords", "unprocessedRecords"] {
        let u = m.get(&format!("{V}/jobs/ingest/{id}/{spelling}")).await;
        assert_eq!(u.status, StatusCode::OK);
        assert_eq!(u.text, "Name,ERP_Id__c\n");
    }
}

#[tokio::test]
async fn ingest_job_definition_errors_are_invalidjob() {
    let m = mock();
    let no_ext = create_job(&m, json!({"object":"Account","operation":"upsert"})).await;
    assert_eq!(no_ext.status, StatusCode::BAD_REQUEST);
    assert_eq!(no_ext.body[0]["errorCode"], "INVALIDJOB");
    assert!(no_ext.body[0].get("fields").is_none());
    let unknown = create_job(&m, json!({"object":"Nope__c","operation":"insert"})).await;
    assert!(unknown.body[0]["message"]
        .as_str()
        .unwrap()
        .contains("Unable to find object"));
    let bad_json = m
        .send(
            Method::POST,
            &format!("{V}/jobs/ingest"),
            Some(("application/json", "{".into())),
        )
        .await;
    assert_eq!(bad_json.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bulk_jobs_answer_only_from_the_api_version_that_introduced_them() {
    let m = mock();
    let retired_version = m.get("/services/data/v20.0/jobs/ingest").await;
    assert_eq!(retired_version.status, StatusCode::GONE);
    let unknown_version = m.get("/services/data/v99.0/jobs/ingest").await;
    assert_eq!(unknown_version.status, StatusCode::NOT_FOUND);
    let ingest = json!({"object":"Account","operation":"insert"});
    let query = json!({"operation":"query","query":"SELECT Id FROM Account"});
    for (path, body, first) in [("ingest", &ingest, 41), ("query", &query, 47)] {
        let before = m
            .post(
                &format!("/services/data/v{}.0/jobs/{path}", first - 1),
                body.clone(),
            )
            .await;
        assert_eq!(before.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(before.body, unknown_version.body, "{path}");
        let listed = m
            .get(&format!("/services/data/v{}.0/jobs/{path}", first - 1))
            .await;
        assert_eq!(listed.status, StatusCode::NOT_FOUND, "{path}");
        let from = m
            .post(
                &format!("/services/data/v{first}.0/jobs/{path}"),
                body.clone(),
            )
            .await;
        assert_eq!(from.status, StatusCode::OK, "{path}: {}", from.text);
        assert_eq!(from.body["apiVersion"], json!(first as f64), "{path}");
    }
}

#[tokio::test]
async fn unknown_job_is_not_found_everywhere() {
    let m = mock();
    for path in ["", "/successfulResults", "/failedResults"] {
        let r = m
            .get(&format!("{V}/jobs/ingest/750000000000000AAA{path}"))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.body[0]["errorCode"], "NOT_FOUND");
    }
    let r = upload(&m, "750000000000000AAA", "Name\nx\n").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_jobs_refuse_uploads_and_finished_jobs_refuse_abort() {
    let m = mock();
    let id = create_job(&m, json!({"object":"Account","operation":"insert"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    upload(&m, &id, "Name\nOne\n").await;
    close(&m, &id, "UploadComplete").await;
    let again = upload(&m, &id, "Name\nTwo\n").await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.body[0]["errorCode"], "INVALIDJOBSTATE");
    wait_for(&m, &id, "JobComplete").await;
    let abort = close(&m, &id, "Aborted").await;
    assert_eq!(abort.body[0]["errorCode"], "INVALIDJOBSTATE");
    let bogus = close(&m, &id, "Done").await;
    assert_eq!(bogus.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processing_delay_from_the_seed_makes_states_visible() {
    let m = mock_with_seed("bulk: { processing_delay_ms: 150 }\n");
    let id = create_job(&m, json!({"object":"Account","operation":"insert"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    upload(&m, &id, "Name\nSlow\n").await;
    let closed = close(&m, &id, "UploadComplete").await;
    assert_eq!(closed.body["state"], "UploadComplete");
    wait_for(&m, &id, "InProgress").await;
    let done = wait_for(&m, &id, "JobComplete").await;
    assert_eq!(done["numberRecordsProcessed"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_job_counts_its_rows_while_in_progress() {
    // Five chunks over two seconds: the first lands well before the delay is over, and a
    // poll then reads an InProgress job with some rows (and some failures) counted.
    let m = mock_with_seed("bulk: { processing_delay_ms: 2000 }\n");
    let id = create_job(&m, json!({"object":"Account","operation":"insert"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut csv = String::from("Name,Description\n");
    for n in 0..10_000 {
        // Every hundredth row has no Name, so failures are counted along the way too.
        let name = if n % 100 == 7 {
            String::new()
        } else {
            format!("Paced {n}")
        };
        csv.push_str(&format!("{name},row {n}\n"));
    }
    upload(&m, &id, &csv).await;
    close(&m, &id, "UploadComplete").await;
    wait_for(&m, &id, "InProgress").await;
    let in_progress = std::time::Instant::now();
    let first_counts = loop {
        let info = m.get(&format!("{V}/jobs/ingest/{id}")).await.body;
        if info["numberRecordsProcessed"].as_u64() > Some(0) {
            break info;
        }
        assert!(
            in_progress.elapsed() < Duration::from_millis(1200),
            "no rows counted {:?} into the job's InProgress: {info}",
            in_progress.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(first_counts["state"], "InProgress", "{first_counts}");
    let processed = first_counts["numberRecordsProcessed"].as_u64().unwrap();
    assert!(processed < 10_000, "{first_counts}");
    assert!(
        first_counts["numberRecordsFailed"].as_u64() > Some(0),
        "{first_counts}"
    );
    let done = wait_for(&m, &id, "JobComplete").await;
    assert_eq!(done["numberRecordsProcessed"], 10_000);
    assert_eq!(done["numberRecordsFailed"], 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborting_a_slow_job_leaves_its_rows_unprocessed() {
    let m = mock_with_seed("bulk: { processing_delay_ms: 300 }\n");
    let id = create_job(&m, json!({"object":"Account","operation":"insert"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    upload(&m, &id, "Name\nA\nB\n").await;
    close(&m, &id, "UploadComplete").await;
    let aborted = close(&m, &id, "Aborted").await;
    assert_eq!(aborted.body["state"], "Aborted");
    tokio::time::sleep(Duration::from_millis(700)).await;
    let info = m.get(&format!("{V}/jobs/ingest/{id}")).await;
    assert_eq!(info.body["state"], "Aborted");
    let u = m
        .get(&format!("{V}/jobs/ingest/{id}/unprocessedrecords"))
        .await;
    assert_eq!(u.text, "Name\nA\nB\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborting_a_job_in_progress_before_its_first_rows_leaves_them_unprocessed() {
    let m = mock_with_seed("bulk: { processing_delay_ms: 400 }\n");
    let id = create_job(&m, json!({"object":"Account","operation":"insert"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    upload(&m, &id, "Name\nAbort In Progress 1\nAbort In Progress 2\n").await;
    close(&m, &id, "UploadComplete").await;
    wait_for(&m, &id, "InProgress").await;
    let aborted = close(&m, &id, "Aborted").await;
    assert_eq!(aborted.body["state"], "Aborted");
    assert_eq!(aborted.body["numberRecordsProcessed"], 0);
    // Past the second pause, when the rows would have been applied.
    tokio::time::sleep(Duration::from_millis(900)).await;
    let info = m.get(&format!("{V}/jobs/ingest/{id}")).await;
    assert_eq!(info.body["state"], "Aborted");
    assert_eq!(info.body["numberRecordsProcessed"], 0);
    let u = m
        .get(&format!("{V}/jobs/ingest/{id}/unprocessedrecords"))
        .await;
    assert_eq!(u.text, "Name\nAbort In Progress 1\nAbort In Progress 2\n");
    let q = m
        .get(&format!(
            "{V}/query?q=SELECT+Id+FROM+Account+WHERE+Name+LIKE+'Abort+In+Progress%25'"
        ))
        .await;
    assert_eq!(q.body["totalSize"], 0, "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_row_failures_from_the_seed_show_in_failed_results() {
    let m = mock_with_seed("bulk: { lock_row_failure_rate: 1.0 }\n");
    let id = create_job(&m, json!({"object":"Account","operation":"insert"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    upload(&m, &id, "Name\nA\nB\n").await;
    close(&m, &id, "UploadComplete").await;
    let info = wait_for(&m, &id, "JobComplete").await;
    assert_eq!(info["numberRecordsFailed"], 2);
    let failed = m.get(&format!("{V}/jobs/ingest/{id}/failedResults")).await;
    assert_eq!(failed.text.matches("UNABLE_TO_LOCK_ROW").count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_are_listed_and_deleted() {
    let m = mock();
    let id = create_job(&m, json!({"object":"Account","operation":"insert"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let list = m.get(&format!("{V}/jobs/ingest")).await;
    assert_eq!(list.body["done"], true);
    assert_eq!(list.body["records"][0]["id"], json!(id));
    let v2 = m.get(&format!("{V}/jobs/ingest?jobType=V2Ingest")).await;
    assert_eq!(v2.body["records"][0]["id"], json!(id));
    let classic = m.get(&format!("{V}/jobs/ingest?jobType=Classic")).await;
    assert_eq!(
        classic.body["records"],
        json!([]),
        "no Bulk API 1.0 jobs here"
    );
    let made_up = m.get(&format!("{V}/jobs/ingest?queryLocator=bogus")).await;
    assert_eq!(
        (made_up.status, &made_up.body[0]["errorCode"]),
        (StatusCode::BAD_REQUEST, &json!("INVALIDPARAMETER"))
    );
    let open = m
        .send(Method::DELETE, &format!("{V}/jobs/ingest/{id}"), None)
        .await;
    assert_eq!(
        open.status,
        StatusCode::BAD_REQUEST,
        "an Open job cannot be deleted"
    );
    assert_eq!(open.body[0]["errorCode"], "API_ERROR");
    close(&m, &id, "Aborted").await;
    let del = m
        .send(Method::DELETE, &format!("{V}/jobs/ingest/{id}"), None)
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    assert_eq!(
        m.get(&format!("{V}/jobs/ingest/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn closing_an_empty_job_is_refused() {
    let m = mock();
    let id = create_job(&m, json!({"object":"Account","operation":"insert"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = close(&m, &id, "UploadComplete").await;
    assert_eq!(r.body[0]["errorCode"], "INVALIDJOBSTATE");
}

/// A user without the "Bulk API Hard Delete" permission — the default org's admin among
/// them, as on a real org where no profile has it until an administrator grants it — is
/// refused a hardDelete job when creating it (plugin-data maps this FEATURENOTENABLED to its
/// permission message); a user whose permission set grants it empties the record for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hard_delete_needs_the_bulk_api_hard_delete_permission() {
    let m = mock();
    let refused = create_job(&m, json!({"object":"Account","operation":"hardDelete"})).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(refused.body[0]["errorCode"], "FEATURENOTENABLED");
    assert_eq!(
        refused.body[0]["message"],
        "hardDelete operation requires special user profile permission, please contact your system administrator"
    );
    let soft = create_job(&m, json!({"object":"Account","operation":"delete"})).await;
    assert_eq!(
        soft.status,
        StatusCode::OK,
        "a soft delete needs no such permission"
    );

    let granted = mock_with_seed(
        "objects:\n  Account: { fields: { ERP_Id__c: { type: text, externalId: true, unique: true } } }\n\
         users:\n  - { username: purger@sflab.dev, last_name: Purger, profile: System Administrator, permission_sets: [Purge] }\n\
         permission_sets:\n  - { name: Purge, bulk_api_hard_delete: true }\n\
         records:\n  - Account: { Name: Gone For Good, ERP_Id__c: G-1 }\n",
    );
    let id = granted
        .org
        .store
        .read()
        .find_by_external("Account", "ERP_Id__c", "G-1")
        .unwrap()[0]
        .to_string();
    let (_, info) = run_job(
        &granted,
        json!({"object":"Account","operation":"hardDelete"}),
        &format!("Id\n{id}\n"),
    )
    .await;
    assert_eq!(info["numberRecordsFailed"], 0, "{info}");
    let all = granted
        .get(&format!(
            "{V}/queryAll?q=SELECT+Id+FROM+Account+WHERE+Id='{id}'"
        ))
        .await;
    assert_eq!(all.body["totalSize"], 0, "not even in the recycle bin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_with_an_unknown_column_fails_with_its_message() {
    let m = mock();
    let id = create_job(&m, json!({"object":"Account","operation":"insert"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    upload(&m, &id, "Name,Bogus__c\nA,B\n").await;
    close(&m, &id, "UploadComplete").await;
    let info = wait_for(&m, &id, "Failed").await;
    assert_eq!(
        info["errorMessage"],
        "InvalidBatch : Field name not found : Bogus__c"
    );
}

// ---------------------------------------------------------------- bulk query

/// `(Remaining DailyBulkApiBatches, Remaining DailyBulkV2QueryJobs)` from `/limits`.
async fn bulk_remaining(m: &Mock) -> (u64, u64) {
    let limits = m.get(&format!("{V}/limits")).await.body;
    let remaining = |name: &str| limits[name]["Remaining"].as_u64().unwrap();
    (
        remaining("DailyBulkApiBatches"),
        remaining("DailyBulkV2QueryJobs"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_count_a_batch_per_10000_ingested_records_and_each_query_job() {
    let m = mock();
    assert_eq!(bulk_remaining(&m).await, (15000, 10000));
    let mut csv = String::from("Name,ERP_Id__c\n");
    for i in 0..25_000 {
        csv.push_str(&format!("Limit {i},L-{i}\n"));
    }
    let (_, info) = run_job(
        &m,
        json!({"object":"Account","operation":"upsert","externalIdFieldName":"ERP_Id__c"}),
        &csv,
    )
    .await;
    assert_eq!(info["numberRecordsProcessed"], 25_000);
    assert_eq!(bulk_remaining(&m).await, (15000 - 3, 10000));
    let job = create_query(
        &m,
        json!({"operation":"query","query":"SELECT Id FROM Account"}),
    )
    .await;
    assert_eq!(job.status, StatusCode::OK, "{}", job.text);
    assert_eq!(bulk_remaining(&m).await, (15000 - 3, 10000 - 1));
}

/// Creates a query job and returns its id.
async fn query_job(m: &Mock, body: Value) -> String {
    let job = create_query(m, body).await;
    assert_eq!(job.status, StatusCode::OK, "{}", job.text);
    job.body["id"].as_str().unwrap().to_string()
}

async fn create_query(m: &Mock, body: Value) -> Reply {
    m.post(&format!("{V}/jobs/query"), body).await
}

async fn wait_for_query(m: &Mock, id: &str, state: &str) -> Value {
    for _ in 0..500 {
        let r = m.get(&format!("{V}/jobs/query/{id}")).await;
        if r.body["state"] == state {
            return r.body;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("query job {id} never reached {state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_results_page_by_locator_to_a_literal_null() {
    let m = mock();
    let total = m.count("Account").await;
    let job = create_query(
        &m,
        json!({"operation":"query","query":"SELECT Id, Name, ERP_Id__c FROM Account"}),
    )
    .await;
    assert_eq!(job.status, StatusCode::OK, "{}", job.text);
    assert_eq!(job.body["state"], "UploadComplete");
    assert_eq!(job.body["jobType"], "V2Query");
    let id = job.body["id"].as_str().unwrap().to_string();
    let info = wait_for_query(&m, &id, "JobComplete").await;
    assert_eq!(info["numberRecordsProcessed"], json!(total));

    let mut rows = 0;
    let mut locator: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &locator {
            None => format!("{V}/jobs/query/{id}/results?maxRecords=2"),
            Some(l) => format!("{V}/jobs/query/{id}/results?locator={l}&maxRecords=2"),
        };
        let page = m.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        let mut lines = page.text.lines();
        assert_eq!(lines.next(), Some(r#""Id","Name","ERP_Id__c""#));
        let n: usize = page.headers["sforce-numberofrecords"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(lines.count(), n);
        rows += n;
        pages += 1;
        let next = page.headers["sforce-locator"].to_str().unwrap().to_string();
        if next == "null" {
            break;
        }
        locator = Some(next);
    }
    assert_eq!(rows, total);
    assert_eq!(pages, total.div_ceil(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_results_before_completion_are_412_job_not_complete() {
    let m = mock_with_seed("bulk: { processing_delay_ms: 300 }\n");
    let id = query_job(
        &m,
        json!({"operation":"query","query":"SELECT Id FROM Account"}),
    )
    .await;
    let early = m.get(&format!("{V}/jobs/query/{id}/results")).await;
    assert_eq!(early.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(early.body[0]["errorCode"], "JOB_NOT_COMPLETE");
    assert!(early.body[0]["message"]
        .as_str()
        .unwrap()
        .contains("Current status: UPLOAD_COMPLETE"));
    wait_for_query(&m, &id, "JobComplete").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_results_through_another_api_version_are_409() {
    let m = mock();
    let id = query_job(
        &m,
        json!({"operation":"query","query":"SELECT Id FROM Account"}),
    )
    .await;
    wait_for_query(&m, &id, "JobComplete").await;
    let other = m
        .get(&format!("/services/data/v61.0/jobs/query/{id}/results"))
        .await;
    assert_eq!(other.status, StatusCode::CONFLICT);
    assert_eq!(other.body[0]["errorCode"], "INVALIDURL");
    let message = other.body[0]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("/services/data/v62.0/jobs/query/{id}/results")),
        "{message}"
    );
    assert!(other.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let same = m.get(&format!("{V}/jobs/query/{id}/results")).await;
    assert_eq!(same.status, StatusCode::OK);
}

#[tokio::test]
async fn query_job_with_bad_soql_or_unsupported_features_is_refused() {
    let m = mock();
    let bad = create_query(
        &m,
        json!({"operation":"query","query":"SELECT Naem FROM Account"}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body[0]["errorCode"], "INVALID_FIELD");
    let sub = create_query(
        &m,
        json!({"operation":"query","query":"SELECT Id, (SELECT Id FROM Contacts) FROM Account"}),
    )
    .await;
    assert_eq!(sub.body[0]["errorCode"], "INVALIDJOB");
    let agg = create_query(
        &m,
        json!({"operation":"query","query":"SELECT COUNT() FROM Account"}),
    )
    .await;
    assert_eq!(agg.status, StatusCode::BAD_REQUEST);
    let op = create_query(
        &m,
        json!({"operation":"select","query":"SELECT Id FROM Account"}),
    )
    .await;
    assert_eq!(op.body[0]["errorCode"], "INVALIDJOB");
    // `operation` is required on query jobs as on ingest jobs.
    let none = create_query(&m, json!({"query":"SELECT Id FROM Account"})).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(none.body[0]["errorCode"], "INVALIDJOB");
    let said = none.body[0]["message"].as_str().unwrap();
    assert!(said.contains("\"operation\": \"query\""), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_all_sees_deleted_records_and_parent_fields_flatten() {
    let m = mock();
    let id = {
        let store = m.org.store.read();
        store
            .find_by_external("Account", "ERP_Id__c", "A-1002")
            .unwrap()[0]
            .to_string()
    };
    let del = m
        .send(Method::DELETE, &format!("{V}/sobjects/Account/{id}"), None)
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    let soql = format!("SELECT Id, IsDeleted FROM Account WHERE Id = '{id}'");
    let q = query_job(&m, json!({"operation":"query","query": soql})).await;
    let qa = query_job(&m, json!({"operation":"queryAll","query": soql})).await;
    wait_for_query(&m, &q, "JobComplete").await;
    wait_for_query(&m, &qa, "JobComplete").await;
    assert_eq!(
        m.get(&format!("{V}/jobs/query/{q}/results")).await.text,
        "\"Id\",\"IsDeleted\"\n"
    );
    assert_eq!(
        m.get(&format!("{V}/jobs/query/{qa}/results")).await.text,
        format!("\"Id\",\"IsDeleted\"\n\"{id}\",\"true\"\n")
    );

    let c = query_job(&m, json!({"operation":"query","query":"SELECT LastName, Account.Name FROM Contact WHERE LastName = 'Rossi'","columnDelimiter":"PIPE","lineEnding":"CRLF"})).await;
    wait_for_query(&m, &c, "JobComplete").await;
    assert_eq!(
        m.get(&format!("{V}/jobs/query/{c}/results")).await.text,
        "\"LastName\"|\"Account.Name\"\r\n\"Rossi\"|\"Falcon Corp\"\r\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_jobs_export_field_functions_and_aliased_fields_as_the_query_resource_returns_them() {
    let m = mock();
    let id = query_job(
        &m,
        json!({"operation":"query","query":"SELECT a.Id, a.Name, toLabel(a.Industry), convertCurrency(AnnualRevenue) FROM Account a WHERE Name = 'Falcon Corp'"}),
    )
    .await;
    wait_for_query(&m, &id, "JobComplete").await;
    let csv = m.get(&format!("{V}/jobs/query/{id}/results")).await.text;
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(r#""Id","Name","Industry","AnnualRevenue""#)
    );
    let row = lines.next().unwrap();
    assert!(row.starts_with("\"001"), "{csv}");
    assert!(
        row.contains(r#","Falcon Corp","Manufacturing","52000000"#),
        "{csv}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_jobs_are_listed_aborted_and_deleted() {
    let m = mock_with_seed("bulk: { processing_delay_ms: 300 }\n");
    let id = query_job(
        &m,
        json!({"operation":"query","query":"SELECT Id FROM Account"}),
    )
    .await;
    let list = m.get(&format!("{V}/jobs/query")).await;
    assert_eq!(list.body["records"][0]["id"], json!(id));
    let busy = m
        .send(Method::DELETE, &format!("{V}/jobs/query/{id}"), None)
        .await;
    assert_eq!(busy.status, StatusCode::BAD_REQUEST);
    let aborted = m
        .json(
            Method::PATCH,
            &format!("{V}/jobs/query/{id}"),
            json!({"state":"Aborted"}),
        )
        .await;
    assert_eq!(aborted.body["state"], "Aborted");
    let results = m.get(&format!("{V}/jobs/query/{id}/results")).await;
    assert_eq!(results.status, StatusCode::PRECONDITION_FAILED);
    let del = m
        .send(Method::DELETE, &format!("{V}/jobs/query/{id}"), None)
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    assert_eq!(
        m.get(&format!("{V}/jobs/query/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}
