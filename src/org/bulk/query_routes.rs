//! The Bulk API 2.0 query-job resources under `/services/data/{version}/jobs/query`:
//! create, list, info, abort, delete, and the CSV results paged by `Sforce-Locator`.
//!
//! Where the org enforces object access, a job whose query reads an object the caller cannot
//! read is refused at creation as the REST query resource refuses it (INVALID_TYPE, worded
//! as for an object that does not exist); the exact answer of a real org's query job is not
//! recorded in the reference.

use super::error::BulkError;
use super::job::JobState;
use super::job_list::{self, ListedKind};
use super::query_job::{CreateQueryJob, QueryJob};
use super::query_run::{check_query, spawn_query};
use super::routes::{
    available_since, caller_id, csv_ok, id_param, json_ok, no_content, requested_state, BulkState,
    QUERY_SINCE,
};
use crate::org::auth::access::Op;
use crate::org::rest::{Caller, RequestVersion};
use crate::org::soql;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use std::collections::HashMap;

/// The query-job routes (merged into the bulk router).
pub(super) fn routes() -> Router<BulkState> {
    let p = |tail: &str| format!("/services/data/{{version}}/jobs/query{tail}");
    Router::new()
        .route(&p(""), get(list_query).post(create_query))
        .route(
            &p("/{id}"),
            get(query_info).patch(patch_query).delete(delete_query),
        )
        .route(&p("/{id}/results"), get(query_results))
        .route_layer(middleware::from_fn(|req, next| {
            available_since(QUERY_SINCE, req, next)
        }))
}

async fn create_query(
    State(st): State<BulkState>,
    caller: Caller,
    RequestVersion(version): RequestVersion,
    body: Bytes,
) -> Result<Response, BulkError> {
    let spec = CreateQueryJob::parse(&body)?.validate()?;
    let object = check_query(&st.org, &spec)?;
    refuse_unreadable(&st.org, &caller, &spec.soql)?;
    let job = QueryJob::new(
        st.jobs.next_job_id(),
        object,
        spec,
        caller_id(&caller),
        st.org.clock.now(),
        version.number(),
    );
    let info = job.info();
    st.jobs.count_query_job(st.org.clock.now());
    let handle = st.jobs.add_query(job);
    spawn_query(st.org.clone(), handle, st.jobs.settings());
    Ok(json_ok(StatusCode::OK, info))
}

/// Every object the query reads (its FROM object and the parents its paths reach) must be
/// readable by the caller, and every field it names, where the org enforces object access.
fn refuse_unreadable(org: &crate::org::Org, caller: &Caller, q: &str) -> Result<(), BulkError> {
    if !org.auth.enforces_object_access() {
        return Ok(());
    }
    let read = match soql::parse_query(q) {
        Ok(parsed) => soql::reads::objects_read(org.store.read().schema(), &parsed),
        Err(_) => return Ok(()),
    };
    let unreadable = read.iter().find(|object| {
        org.auth
            .object_refusal(&caller.0.user_id, object, Op::Read)
            .is_some()
    });
    let refused = match unreadable {
        Some(object) => soql::reads::unreadable(org.store.read().schema(), q, object),
        // Field-level security, as the REST query resource applies it.
        None => match org.auth.field_reads(&caller.0.user_id) {
            Some(reads) => {
                let readable = |o: &_, f: &_| reads.readable(o, f);
                match soql::field_security::check(&org.store.read(), q, &readable) {
                    Ok(()) => return Ok(()),
                    Err(e) => e,
                }
            }
            None => return Ok(()),
        },
    };
    Err(BulkError::Soql {
        code: refused.code.as_str(),
        message: refused.message,
    })
}

async fn list_query(
    State(st): State<BulkState>,
    RequestVersion(version): RequestVersion,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, BulkError> {
    let jobs: Vec<(String, Value)> = st
        .jobs
        .query_jobs()
        .iter()
        .map(|j| {
            let j = j.lock();
            (j.header.id.clone(), j.list_entry())
        })
        .collect();
    let page = job_list::page(&jobs, &params, ListedKind::Query, &version.number())?;
    Ok(json_ok(StatusCode::OK, page))
}

async fn query_info(
    State(st): State<BulkState>,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Response, BulkError> {
    let job = st
        .jobs
        .query(id_param(&params))
        .ok_or(BulkError::NotFound)?;
    let info = job.lock().info();
    Ok(json_ok(StatusCode::OK, info))
}

async fn patch_query(
    State(st): State<BulkState>,
    Path(params): Path<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, BulkError> {
    let job = st
        .jobs
        .query(id_param(&params))
        .ok_or(BulkError::NotFound)?;
    let to = requested_state(&body)?;
    if to != JobState::Aborted {
        return Err(BulkError::InvalidJobState(
            "A query job needs no upload and cannot be closed; only {\"state\":\"Aborted\"} is accepted.".into(),
        ));
    }
    let mut j = job.lock();
    j.header.state = j
        .header
        .state
        .transition(to)
        .map_err(|e| BulkError::InvalidJobState(e.to_string()))?;
    j.header.system_modstamp = st.org.clock.now();
    j.result = None;
    Ok(json_ok(StatusCode::OK, j.info()))
}

async fn delete_query(
    State(st): State<BulkState>,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Response, BulkError> {
    let id = id_param(&params);
    let job = st.jobs.query(id).ok_or(BulkError::NotFound)?;
    let state = job.lock().header.state;
    if matches!(state, JobState::UploadComplete | JobState::InProgress) {
        return Err(BulkError::NotTerminated(state.as_str()));
    }
    st.jobs.remove_query(id);
    Ok(no_content())
}

fn status_word(state: JobState) -> &'static str {
    match state {
        JobState::Open => "OPEN",
        JobState::UploadComplete => "UPLOAD_COMPLETE",
        JobState::InProgress => "IN_PROGRESS",
        JobState::JobComplete => "JOB_COMPLETE",
        JobState::Failed => "FAILED",
        JobState::Aborted => "ABORTED",
    }
}

/// The results, through the API version the job was created with only: "To get query
/// results, use the same API version that you used to create the query. Otherwise, the call
/// returns a 409 error" (Bulk API 2.0 guide, on its query-results pages).
async fn query_results(
    State(st): State<BulkState>,
    RequestVersion(version): RequestVersion,
    Path(params): Path<HashMap<String, String>>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, BulkError> {
    let job = st
        .jobs
        .query(id_param(&params))
        .ok_or(BulkError::NotFound)?;
    let j = job.lock();
    if j.header.api_version != version.number() {
        return Err(BulkError::VersionMismatch {
            id: j.header.id.clone(),
            job: j.header.api_version.clone(),
            asked: version.number(),
        });
    }
    let result = match (&j.result, j.header.state) {
        (Some(r), JobState::JobComplete) => r,
        (_, state) => return Err(BulkError::JobNotComplete(status_word(state))),
    };
    let page = result.page(
        q.get("locator").map(String::as_str),
        q.get("maxRecords").map(String::as_str),
    )?;
    drop(j);
    let mut resp = csv_ok(page.csv);
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&page.next_locator) {
        h.insert("Sforce-Locator", v);
    }
    h.insert(
        "Sforce-NumberOfRecords",
        HeaderValue::from(page.number_of_records),
    );
    Ok(resp)
}
