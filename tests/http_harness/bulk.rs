//! Bulk API 2.0 ingest steps shared by the bulk endpoint tests: create a job, upload its CSV,
//! change its state, and wait for a state.

use super::{Mock, Reply, V};
use axum::http::Method;
use serde_json::{json, Value};
use std::time::Duration;

pub async fn create_job(m: &Mock, body: Value) -> Reply {
    m.post(&format!("{V}/jobs/ingest"), body).await
}

/// Creates a job that must be accepted and returns its id.
pub async fn new_job(m: &Mock, body: Value) -> String {
    let r = create_job(m, body).await;
    r.body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("the job was not created: {}", r.text))
        .to_string()
}

pub async fn upload(m: &Mock, id: &str, csv: &str) -> Reply {
    m.send(
        Method::PUT,
        &format!("{V}/jobs/ingest/{id}/batches"),
        Some(("text/csv", csv.to_string())),
    )
    .await
}

/// `PATCH …/jobs/ingest/{id}` with `{"state": state}` (UploadComplete closes, Aborted aborts).
pub async fn close(m: &Mock, id: &str, state: &str) -> Reply {
    m.json(
        Method::PATCH,
        &format!("{V}/jobs/ingest/{id}"),
        json!({"state": state}),
    )
    .await
}

pub async fn wait_for(m: &Mock, id: &str, state: &str) -> Value {
    for _ in 0..500 {
        let r = m.get(&format!("{V}/jobs/ingest/{id}")).await;
        if r.body["state"] == state {
            return r.body;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("job {id} never reached {state}");
}

/// Runs one job to JobComplete: create, upload `csv`, close, wait. Returns its id and info.
pub async fn run_job(m: &Mock, body: Value, csv: &str) -> (String, Value) {
    let id = new_job(m, body).await;
    let up = upload(m, &id, csv).await;
    assert_eq!(up.status, 201, "{}", up.text);
    let closed = close(m, &id, "UploadComplete").await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    let info = wait_for(m, &id, "JobComplete").await;
    (id, info)
}

/// One of the job's result files (`successfulResults`, `failedResults`, `unprocessedrecords`).
pub async fn results(m: &Mock, id: &str, kind: &str) -> String {
    let r = m.get(&format!("{V}/jobs/ingest/{id}/{kind}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.text
}
