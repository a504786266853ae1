//! The composite family and Bulk API 2.0 of the mock org, resource by resource, through the
//! org's whole HTTP surface (`rest::router`) with `oneshot`.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use sflab::org::rest::router;
use sflab::org::rest::static_token::issue_static_token;
use sflab::org::{Org, OrgSeed};
use std::time::Duration;
use tower::ServiceExt;

const V: &str = "/services/data/v62.0";

struct Mock {
    org: Org,
    app: Router,
    token: String,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
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

fn mock_with_seed(yaml: &str) -> Mock {
    let seed = OrgSeed::from_yaml(yaml).unwrap();
    mock_of(Org::new(&seed).unwrap())
}

impl Mock {
    async fn send(&self, method: Method, path: &str, body: Option<(&str, String)>) -> Reply {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1:8443")
            .header("authorization", format!("Bearer {}", self.token));
        let req = match body {
            Some((ct, b)) => req.header("content-type", ct).body(Body::from(b)),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            body,
        }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    async fn json(&self, method: Method, path: &str, body: Value) -> Reply {
        self.send(method, path, Some(("application/json", body.to_string())))
            .await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.json(Method::POST, path, body).await
    }

    async fn count(&self, object: &str) -> usize {
        self.org.store.read().count(object)
    }

    fn usage(reply: &Reply) -> u64 {
        let h = reply.headers["sforce-limit-info"].to_str().unwrap();
        h.trim_start_matches("api-usage=")
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }
}

// ---------------------------------------------------------------- composite

fn create_account(reference: &str, name: &str) -> Value {
    json!({"method":"POST","url":format!("{V}/sobjects/Account"),"referenceId":reference,"body":{"Name":name}})
}

#[tokio::test]
async fn composite_creates_account_and_contact_linked_by_reference() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/composite"),
            json!({"allOrNone": true, "compositeRequest": [
                create_account("refAccount", "Composite Co"),
                {"method":"POST","url":format!("{V}/sobjects/Contact"),"referenceId":"refContact",
                 "body":{"LastName":"Linked","AccountId":"@{refAccount.id}"}},
                {"method":"GET","url":format!("{V}/sobjects/Contact/@{{refContact.id}}?fields=AccountId"),"referenceId":"readBack"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let results = r.body["compositeResponse"].as_array().unwrap();
    assert_eq!(results[0]["httpStatusCode"], 201);
    assert_eq!(results[0]["referenceId"], "refAccount");
    let account_id = results[0]["body"]["id"].as_str().unwrap();
    assert!(results[0]["httpHeaders"]["Location"]
        .as_str()
        .unwrap()
        .ends_with(account_id));
    assert_eq!(results[2]["body"]["AccountId"], json!(account_id));
}

#[tokio::test]
async fn composite_all_or_none_failure_rolls_back_with_processing_halted() {
    let m = mock();
    let before = m.count("Account").await;
    let r = m
        .post(
            &format!("{V}/composite"),
            json!({"allOrNone": true, "compositeRequest": [
                create_account("first", "Kept?"),
                {"method":"POST","url":format!("{V}/sobjects/Account"),"referenceId":"bad","body":{"Industry":"None"}},
                create_account("third", "After")
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let results = r.body["compositeResponse"].as_array().unwrap();
    assert_eq!(results[1]["httpStatusCode"], 400);
    assert_eq!(results[1]["body"][0]["errorCode"], "REQUIRED_FIELD_MISSING");
    for i in [0, 2] {
        assert_eq!(results[i]["httpStatusCode"], 400);
        assert_eq!(results[i]["body"][0]["errorCode"], "PROCESSING_HALTED");
    }
    assert_eq!(m.count("Account").await, before);
}

#[tokio::test]
async fn composite_without_all_or_none_keeps_successes() {
    let m = mock();
    let before = m.count("Account").await;
    let r = m
        .post(
            &format!("{V}/composite"),
            json!({"compositeRequest": [
                create_account("first", "Kept"),
                {"method":"POST","url":format!("{V}/sobjects/Account"),"referenceId":"bad","body":{}},
                {"method":"GET","url":format!("{V}/sobjects/Account/@{{bad.id}}"),"referenceId":"dependent"}
            ]}),
        )
        .await;
    let results = r.body["compositeResponse"].as_array().unwrap();
    assert_eq!(results[0]["httpStatusCode"], 201);
    assert_eq!(results[2]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(m.count("Account").await, before + 1);
}

#[tokio::test]
async fn composite_array_reference_reads_an_element() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/composite"),
            json!({"compositeRequest": [
                {"method":"GET","url":format!("{V}/sobjects/Account/describe"),"referenceId":"d"},
                {"method":"GET","url":format!("{V}/sobjects/@{{d.name}}/describe"),"referenceId":"again"}
            ]}),
        )
        .await;
    let results = r.body["compositeResponse"].as_array().unwrap();
    assert_eq!(results[1]["httpStatusCode"], 200, "{}", r.text);
    assert_eq!(results[1]["body"]["name"], "Account");
    let first_field = results[0]["body"]["fields"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let r2 = m
        .post(
            &format!("{V}/composite"),
            json!({"compositeRequest": [
                {"method":"GET","url":format!("{V}/sobjects/Account/describe"),"referenceId":"d"},
                create_account("a", "@{d.fields[0].name}")
            ]}),
        )
        .await;
    let id = r2.body["compositeResponse"][1]["body"]["id"]
        .as_str()
        .unwrap();
    let name = m
        .org
        .store
        .read()
        .retrieve("Account", id, Some(&["Name"]), "62.0")
        .unwrap();
    assert_eq!(name["Name"], json!(first_field));
}

#[tokio::test]
async fn composite_over_25_subrequests_is_refused() {
    let m = mock();
    let subs: Vec<Value> = (0..26)
        .map(|i| create_account(&format!("r{i}"), "x"))
        .collect();
    let r = m
        .post(&format!("{V}/composite"), json!({"compositeRequest": subs}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body[0]["message"]
        .as_str()
        .unwrap()
        .contains("at most 25"));
}

#[tokio::test]
async fn composite_counts_once_against_the_api_allocation() {
    let m = mock();
    let first = m.get(&format!("{V}/limits")).await;
    let subs: Vec<Value> = (0..5)
        .map(|i| create_account(&format!("r{i}"), "Counted"))
        .collect();
    let r = m
        .post(&format!("{V}/composite"), json!({"compositeRequest": subs}))
        .await;
    assert_eq!(Mock::usage(&r), Mock::usage(&first) + 1);
}

#[tokio::test]
async fn batch_halts_after_an_error_with_412() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/composite/batch"),
            json!({"haltOnError": true, "batchRequests": [
                {"method":"GET","url":"v62.0/sobjects/Account/describe"},
                {"method":"GET","url":"v62.0/sobjects/Nope__c/describe"},
                {"method":"GET","url":"v62.0/sobjects/Account/describe"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["hasErrors"], true);
    assert_eq!(r.body["results"][0]["statusCode"], 200);
    assert_eq!(r.body["results"][1]["statusCode"], 404);
    assert_eq!(r.body["results"][2]["statusCode"], 412);
    assert_eq!(
        r.body["results"][2]["result"][0]["errorCode"],
        "BATCH_PROCESSING_HALTED"
    );
}

#[tokio::test]
async fn batch_without_halt_runs_everything() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/composite/batch"),
            json!({"batchRequests": [
                {"method":"GET","url":"v62.0/sobjects/Nope__c/describe"},
                {"method":"POST","url":"v62.0/sobjects/Account","richInput":{"Name":"Batch Co"}}
            ]}),
        )
        .await;
    assert_eq!(r.body["results"][1]["statusCode"], 201);
    assert_eq!(r.body["results"][1]["result"]["success"], true);
}

#[tokio::test]
async fn tree_creates_nested_records_and_reports_reference_ids() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/composite/tree/Account"),
            json!({"records":[{"attributes":{"type":"Account","referenceId":"ref1"},"Name":"Tree",
                "Contacts":{"records":[{"attributes":{"type":"Contact","referenceId":"ref2"},"LastName":"Leaf"}]}}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["hasErrors"], false);
    assert_eq!(r.body["results"][1]["referenceId"], "ref2");
    let bad = m
        .post(
            &format!("{V}/composite/tree/Account"),
            json!({"records":[{"attributes":{"type":"Account","referenceId":"x"}}]}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.body["results"][0]["errors"][0]["statusCode"],
        "REQUIRED_FIELD_MISSING"
    );
}

#[tokio::test]
async fn collections_create_update_upsert_retrieve_delete() {
    let m = mock();
    let created = m
        .post(
            &format!("{V}/composite/sobjects"),
            json!({"allOrNone": false, "records": [
                {"attributes":{"type":"Account"},"Name":"C1"},
                {"attributes":{"type":"Account"}}
            ]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK);
    assert_eq!(created.body[0]["success"], true);
    assert_eq!(
        created.body[1]["errors"][0]["statusCode"],
        "REQUIRED_FIELD_MISSING"
    );
    let id = created.body[0]["id"].as_str().unwrap().to_string();

    let updated = m
        .json(
            Method::PATCH,
            &format!("{V}/composite/sobjects"),
            json!({"records": [{"attributes":{"type":"Account"},"id": id, "Phone":"42"}]}),
        )
        .await;
    assert_eq!(updated.body[0]["success"], true);

    let upserted = m
        .json(
            Method::PATCH,
            &format!("{V}/composite/sobjects/Account/ERP_Id__c"),
            json!({"allOrNone": true, "records": [
                {"attributes":{"type":"Account"},"Name":"U1","ERP_Id__c":"U-1"},
                {"attributes":{"type":"Account"},"Name":"Falcon","ERP_Id__c":"A-1000"}
            ]}),
        )
        .await;
    assert_eq!(upserted.body[0]["created"], true);
    assert_eq!(upserted.body[1]["created"], false);

    let got = m
        .get(&format!(
            "{V}/composite/sobjects/Account?ids={id},001000000000000AAA&fields=Name,Phone"
        ))
        .await;
    assert_eq!(got.body[0]["Phone"], "42");
    assert_eq!(got.body[1], Value::Null);
    let got_post = m
        .post(
            &format!("{V}/composite/sobjects/Account"),
            json!({"ids":[id], "fields":["Name"]}),
        )
        .await;
    assert_eq!(got_post.body[0]["Name"], "C1");

    let deleted = m
        .send(
            Method::DELETE,
            &format!("{V}/composite/sobjects?ids={id}&allOrNone=true"),
            None,
        )
        .await;
    assert_eq!(deleted.body[0]["success"], true);
    assert_eq!(deleted.body[0]["id"], json!(id));
}

#[tokio::test]
async fn collections_all_or_none_reports_rolled_back_records() {
    let m = mock();
    let before = m.count("Account").await;
    let r = m
        .post(
            &format!("{V}/composite/sobjects"),
            json!({"allOrNone": true, "records": [
                {"attributes":{"type":"Account"},"Name":"Good"},
                {"attributes":{"type":"Account"},"Name":"Bad","AnnualRevenue":"lots"}
            ]}),
        )
        .await;
    assert_eq!(r.body[0]["success"], false);
    assert_eq!(
        r.body[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_ne!(
        r.body[1]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(m.count("Account").await, before);
}

#[tokio::test]
async fn collections_over_200_records_are_refused() {
    let m = mock();
    let recs: Vec<Value> = (0..201)
        .map(|i| json!({"attributes":{"type":"Account"},"Name": format!("n{i}")}))
        .collect();
    let r = m
        .post(&format!("{V}/composite/sobjects"), json!({"records": recs}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn graph_runs_each_graph_all_or_nothing() {
    let m = mock();
    let before = m.count("Account").await;
    let r = m
        .post(
            &format!("{V}/composite/graph"),
            json!({"graphs": [
                {"graphId":"ok","compositeRequest":[create_account("a", "Graph A"),
                    {"method":"POST","url":format!("{V}/sobjects/Contact"),"referenceId":"c","body":{"LastName":"G","AccountId":"@{a.id}"}}]},
                {"graphId":"fails","compositeRequest":[create_account("b", "Graph B"),
                    {"method":"POST","url":format!("{V}/sobjects/Account"),"referenceId":"x","body":{}}]}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["graphs"][0]["isSuccessful"], true);
    assert_eq!(r.body["graphs"][1]["isSuccessful"], false);
    assert_eq!(m.count("Account").await, before + 1);
}

#[tokio::test]
async fn composite_resources_are_listed() {
    let m = mock();
    let r = m.get(&format!("{V}/composite")).await;
    assert_eq!(r.body["batch"], format!("{V}/composite/batch"));
}

// ---------------------------------------------------------------- bulk ingest

async fn create_job(m: &Mock, body: Value) -> Reply {
    m.post(&format!("{V}/jobs/ingest"), body).await
}

async fn upload(m: &Mock, id: &str, csv: &str) -> Reply {
    m.send(
        Method::PUT,
        &format!("{V}/jobs/ingest/{id}/batches"),
        Some(("text/csv", csv.to_string())),
    )
    .await
}

async fn close(m: &Mock, id: &str, state: &str) -> Reply {
    m.json(
        Method::PATCH,
        &format!("{V}/jobs/ingest/{id}"),
        json!({"state": state}),
    )
    .await
}

async fn wait_for(m: &Mock, id: &str, state: &str) -> Value {
    for _ in 0..500 {
        let r = m.get(&format!("{V}/jobs/ingest/{id}")).await;
        if r.body["state"] == state {
            return r.body;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("job {id} never reached {state}");
}

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
    assert_eq!(lines[0], "sf__Id,sf__Created,Name,ERP_Id__c");
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
