//! The Bulk API 2.0 HTTP resources under `/services/data/{version}/jobs`, merged into the
//! REST surface (which authenticates, counts and normalises paths first).
//!
//! Ingest: `POST|GET /ingest`, `GET|PATCH|DELETE /ingest/{id}`, `PUT /ingest/{id}/batches`,
//! `GET /ingest/{id}/successfulResults|failedResults|unprocessedrecords` (any case). Query:
//! `POST|GET /query`, `GET|PATCH|DELETE /query/{id}`, `GET /query/{id}/results`. The gateway
//! strips trailing slashes before routing.
//!
//! Ingest jobs are served from v41.0 and query jobs from v47.0, the versions that introduced
//! them; older versions answer as an unknown resource.
//!
//! Where the org enforces object access, creating a job asks it (see [`refuse_unwritable`]
//! and `query_routes`). A hardDelete job needs the "Bulk API Hard Delete" permission in
//! every org (see `crate::org::auth::access`).
//!
//! Implementation notes: job creation answers 200 (clients accept any 2xx; the exact status
//! is not verified) and delete answers 204 with an empty body.

use super::error::BulkError;
use super::ingest_job::{base64_len, CreateIngestJob, IngestJob, MAX_UPLOAD_BASE64_BYTES};
use super::job::{IngestOperation, JobState};
use super::job_list::{self, ListedKind};
use super::jobs::BulkJobs;
use super::process::check_job_target;
use super::results::{write_results, ResultKind};
use super::worker;
use crate::org::auth::access::{ObjectDenial, Op};
use crate::org::rest::{ApiError, Caller, RequestVersion};
use crate::org::Org;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Router;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone)]
pub(super) struct BulkState {
    pub(super) org: Org,
    pub(super) jobs: Arc<BulkJobs>,
}

/// The first API version with Bulk API 2.0 ingest jobs (Winter '18: the guide's archive of
/// Bulk API 2.0 documentation starts there).
pub const INGEST_SINCE: u32 = 41;
/// The first API version with Bulk API 2.0 query jobs ("Query jobs in Bulk API 2.0 are
/// available in API version 47.0 and later", Understanding Bulk API 2.0 Query).
pub const QUERY_SINCE: u32 = 47;

/// The Bulk API 2.0 routes for one org, with full paths (merge into the REST surface).
pub fn router(org: Org) -> Router {
    let jobs = org.bulk.clone();
    let state = BulkState { org, jobs };
    // The upload cap is enforced on the job's total (in base64 terms); axum's own body limit
    // sits just above it so the API's error, not a bare 413, reaches the client.
    let upload_limit = MAX_UPLOAD_BASE64_BYTES + 1024;
    let p = |tail: &str| format!("/services/data/{{version}}/jobs{tail}");
    Router::new()
        .route(&p("/ingest"), get(list_ingest).post(create_ingest))
        .route(
            &p("/ingest/{id}"),
            get(ingest_info).patch(patch_ingest).delete(delete_ingest),
        )
        .route(
            &p("/ingest/{id}/batches"),
            put(upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(&p("/ingest/{id}/{kind}"), get(ingest_results))
        .route_layer(middleware::from_fn(|req, next| {
            available_since(INGEST_SINCE, req, next)
        }))
        .merge(super::query_routes::routes())
        .with_state(state)
}

/// Answers a version older than the resource as an unknown resource: the same 404 NOT_FOUND
/// the org gives a version it does not serve at all.
pub(crate) async fn available_since(first: u32, req: Request, next: Next) -> Response {
    match req.extensions().get::<RequestVersion>() {
        Some(RequestVersion(v)) if v.0 < first => ApiError::not_found().into_response(),
        _ => next.run(req).await,
    }
}

/// The answer to an upload the gateway found over every body limit (`body_bytes` long, read
/// and dropped): the same refusal as an upload over the job's cap, when `path` is an ingest
/// job's `batches`.
pub fn oversized_upload(path: &str, body_bytes: u64) -> Option<Response> {
    let bytes = usize::try_from(body_bytes).ok()?;
    is_upload(path).then(|| BulkError::UploadTooLarge(base64_len(bytes)).into_response())
}

/// The answer to a compressed upload that inflates past `limit` bytes, when `path` is an
/// ingest job's `batches`: the job's cap, as for a plain upload, not the generic body limit.
pub fn oversized_inflated_upload(path: &str, limit: usize) -> Option<Response> {
    is_upload(path).then(|| BulkError::InflatesTooLarge(limit).into_response())
}

fn is_upload(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    matches!(
        segments.as_slice(),
        ["services", "data", _, "jobs", "ingest", _, "batches"]
    )
}

pub(super) fn caller_id(caller: &Caller) -> String {
    caller.0.user_id.clone()
}

pub(super) fn json_ok(status: StatusCode, body: Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    resp
}

pub(super) fn csv_ok(body: Vec<u8>) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
    resp
}

pub(super) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

#[derive(serde::Deserialize)]
struct StateChange {
    state: Option<String>,
}

pub(super) fn requested_state(body: &[u8]) -> Result<JobState, BulkError> {
    let change: StateChange =
        serde_json::from_slice(body).map_err(|e| BulkError::Json(e.to_string()))?;
    match change.state.as_deref() {
        Some("UploadComplete") => Ok(JobState::UploadComplete),
        Some("Aborted") => Ok(JobState::Aborted),
        other => Err(BulkError::InvalidJobState(format!(
            "Invalid state '{}'. Send {{\"state\":\"UploadComplete\"}} to close a job or {{\"state\":\"Aborted\"}} to abort it.",
            other.unwrap_or("")
        ))),
    }
}

async fn create_ingest(
    State(st): State<BulkState>,
    caller: Caller,
    RequestVersion(version): RequestVersion,
    body: Bytes,
) -> Result<Response, BulkError> {
    let spec = CreateIngestJob::parse(&body)?.validate()?;
    let object = check_job_target(&st.org.store.read(), &spec).map_err(BulkError::InvalidJob)?;
    if spec.operation == IngestOperation::HardDelete
        && !st.org.auth.may_bulk_hard_delete(&caller.0.user_id)
    {
        return Err(BulkError::HardDeleteNotPermitted);
    }
    refuse_unwritable(&st.org, &caller, &object, spec.operation)?;
    let spec = super::ingest_job::IngestSpec { object, ..spec };
    let mut job = IngestJob::new(
        st.jobs.next_job_id(),
        spec,
        caller_id(&caller),
        st.org.clock.now(),
        version.number(),
    );
    job.origin = crate::org::origin::bulk_ingest_origin();
    let info = job.info();
    st.jobs.add_ingest(job);
    Ok(json_ok(StatusCode::OK, info))
}

/// An ingest job on an object the caller may not write as its operation does, where the org
/// enforces object access: an object they cannot read is refused as an unknown one
/// ("Unable to find object"), a write they may not make with the refusal's own text.
///
/// Implementation notes: what a real org answers here is not recorded in the reference
/// (it may as well accept the job and fail each row); sflab refuses at creation as a bad
/// job definition (400 INVALIDJOB) so the refusal is seen before any data is uploaded. An
/// upsert may both create and update, so it needs both rights; a hard delete needs Delete
/// (and, asked first in `create_ingest`, the "Bulk API Hard Delete" permission).
fn refuse_unwritable(
    org: &Org,
    caller: &Caller,
    object: &str,
    operation: IngestOperation,
) -> Result<(), BulkError> {
    let needs: &[Op] = match operation {
        IngestOperation::Insert => &[Op::Create],
        IngestOperation::Update => &[Op::Edit],
        IngestOperation::Upsert => &[Op::Create, Op::Edit],
        IngestOperation::Delete | IngestOperation::HardDelete => &[Op::Delete],
    };
    for op in needs {
        match org.auth.object_denial(&caller.0.user_id, object, *op) {
            None => {}
            Some(ObjectDenial::Unseen) => {
                return Err(BulkError::InvalidJob(format!(
                    "InvalidJob : Unable to find object: {object}"
                )))
            }
            Some(ObjectDenial::Refused(r)) => {
                return Err(BulkError::InvalidJob(format!("InvalidJob : {}", r.message)))
            }
        }
    }
    Ok(())
}

async fn list_ingest(
    State(st): State<BulkState>,
    RequestVersion(version): RequestVersion,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, BulkError> {
    let jobs: Vec<(String, Value)> = st
        .jobs
        .ingest_jobs()
        .iter()
        .map(|j| {
            let j = j.lock();
            (j.header.id.clone(), j.list_entry())
        })
        .collect();
    let page = job_list::page(&jobs, &params, ListedKind::Ingest, &version.number())?;
    Ok(json_ok(StatusCode::OK, page))
}

async fn ingest_info(
    State(st): State<BulkState>,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Response, BulkError> {
    let job = st
        .jobs
        .ingest(id_param(&params))
        .ok_or(BulkError::NotFound)?;
    let info = job.lock().info();
    Ok(json_ok(StatusCode::OK, info))
}

pub(super) fn id_param(params: &HashMap<String, String>) -> &str {
    params.get("id").map(String::as_str).unwrap_or("")
}

async fn upload(
    State(st): State<BulkState>,
    Path(params): Path<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, BulkError> {
    let job = st
        .jobs
        .ingest(id_param(&params))
        .ok_or(BulkError::NotFound)?;
    job.lock().add_upload(body)?;
    Ok(StatusCode::CREATED.into_response())
}

async fn patch_ingest(
    State(st): State<BulkState>,
    Path(params): Path<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, BulkError> {
    let job = st
        .jobs
        .ingest(id_param(&params))
        .ok_or(BulkError::NotFound)?;
    let to = requested_state(&body)?;
    let info = {
        let mut j = job.lock();
        let next = j
            .header
            .state
            .transition(to)
            .map_err(|e| BulkError::InvalidJobState(e.to_string()))?;
        if next == JobState::UploadComplete {
            j.check_ready_to_close()?;
        }
        j.header.state = next;
        j.header.system_modstamp = st.org.clock.now();
        j.info()
    };
    if to == JobState::UploadComplete {
        worker::spawn_ingest(st.org.clone(), job, st.jobs.settings());
    }
    Ok(json_ok(StatusCode::OK, info))
}

async fn delete_ingest(
    State(st): State<BulkState>,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Response, BulkError> {
    let id = id_param(&params);
    let job = st.jobs.ingest(id).ok_or(BulkError::NotFound)?;
    {
        // Documented: an ingest job can be deleted once UploadComplete, JobComplete, Aborted
        // or Failed. A closed job still waiting is stopped first, so no rows land after it.
        let mut j = job.lock();
        match j.header.state {
            JobState::Open | JobState::InProgress => {
                return Err(BulkError::NotTerminated(j.header.state.as_str()))
            }
            JobState::UploadComplete => j.header.state = JobState::Aborted,
            _ => {}
        }
    }
    st.jobs.remove_ingest(id);
    Ok(no_content())
}

async fn ingest_results(
    State(st): State<BulkState>,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Response, BulkError> {
    let kind = params
        .get("kind")
        .and_then(|k| ResultKind::from_segment(k.trim_end_matches('/')))
        .ok_or(BulkError::NotFound)?;
    let job = st
        .jobs
        .ingest(id_param(&params))
        .ok_or(BulkError::NotFound)?;
    let (uploads, dialect, outcomes_len, state) = {
        let j = job.lock();
        (
            j.uploads.clone(),
            j.header.dialect,
            j.outcomes.len(),
            j.header.state,
        )
    };
    if matches!(state, JobState::Open) {
        return Err(BulkError::InvalidJobState(
            "The job is still Open: close it with {\"state\":\"UploadComplete\"} and wait for it to finish before fetching results.".into(),
        ));
    }
    // Build the file outside the job lock would need a copy of the outcomes; they are only
    // appended to, so a snapshot of the length is consistent with what was read.
    let j = job.lock();
    let csv = write_results(kind, &uploads, dialect, &j.outcomes[..outcomes_len]);
    drop(j);
    Ok(csv_ok(csv))
}
