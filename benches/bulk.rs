//! Bulk API 2.0 and composite figures, printed (run with `cargo bench --bench bulk`).
//!
//! 1. A 1,000,000-row upsert job through the HTTP surface — create, PUT the CSV, close, poll
//!    until JobComplete — against merely parsing the same CSV with the `csv` crate, in the
//!    same run (reusing one record, the fastest way; a record per row is shown too); with the
//!    process's peak memory growth per stored record.
//! 2. The latency of one `/composite` call with 25 create subrequests.
//!
//! Times are process CPU time (the machine may be shared; wall time is shown too).
//! `SFLAB_BENCH_ROWS` changes the row count (default 1,000,000). Each job runs in a process of
//! its own (the bench starts itself again with `SFLAB_BENCH_ONLY=off`, then `=cdc`), so the
//! second job's peak memory is not hidden by memory the allocator kept from the first; set
//! `SFLAB_BENCH_ONLY` yourself to run one job (for profiling it alone).

use axum::body::Body;
use axum::http::{Method, Request};
use axum::Router;
use serde_json::{json, Value};
use sflab::org::rest::router;
use sflab::org::rest::static_token::issue_static_token;
use sflab::org::{Org, UpsertMode};
use std::time::{Duration, Instant};
use tower::ServiceExt;

const V: &str = "/services/data/v62.0";

fn csv_of(rows: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows * 48);
    out.extend_from_slice(b"Name,ERP_Id__c,Industry,NumberOfEmployees\n");
    for i in 0..rows {
        out.extend_from_slice(
            format!("Account {i},E-{i:07},Manufacturing,{}\n", i % 5000).as_bytes(),
        );
    }
    out
}

fn parse_only(data: &[u8]) -> (Duration, usize) {
    let start = cpu_time();
    let mut rdr = csv::ReaderBuilder::new().from_reader(data);
    let mut record = csv::StringRecord::new();
    let mut n = 0usize;
    let mut bytes = 0usize;
    while rdr.read_record(&mut record).unwrap_or(false) {
        n += 1;
        bytes += record.as_slice().len();
    }
    std::hint::black_box(bytes);
    (cpu_time() - start, n)
}

/// The same parse written the common way, a new `StringRecord` for every row (`records()`):
/// shown for context; the ratio is taken against the faster reused-record parse above.
fn parse_records(data: &[u8]) -> (Duration, usize) {
    let start = cpu_time();
    let mut rdr = csv::ReaderBuilder::new().from_reader(data);
    let mut n = 0usize;
    let mut bytes = 0usize;
    for record in rdr.records().map_while(Result::ok) {
        n += 1;
        bytes += record.as_slice().len();
    }
    std::hint::black_box(bytes);
    (cpu_time() - start, n)
}

/// One row of the benchmark's CSV as a typed struct.
#[derive(serde::Deserialize)]
#[allow(dead_code, non_snake_case)]
struct AccountRow {
    Name: String,
    ERP_Id__c: String,
    Industry: String,
    NumberOfEmployees: u32,
}

/// The same CSV read into typed rows with serde (`deserialize()`), the csv crate's own
/// tutorial way and the closest to what the org does (it converts every value to its
/// field's type): shown for context.
fn parse_typed(data: &[u8]) -> (Duration, usize) {
    let start = cpu_time();
    let mut rdr = csv::ReaderBuilder::new().from_reader(data);
    let mut n = 0usize;
    let mut employees = 0u64;
    for row in rdr.deserialize::<AccountRow>().map_while(Result::ok) {
        n += 1;
        employees += u64::from(row.NumberOfEmployees);
    }
    std::hint::black_box(employees);
    (cpu_time() - start, n)
}

/// Resident set size and its peak, in KiB, from /proc (Linux).
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU time (user + system) of the whole process so far: the fair clock on a busy machine.
fn cpu_time() -> Duration {
    let (user, system) = cpu_split();
    user + system
}

/// The process's user and system CPU time so far (system time is mostly the kernel handing
/// out fresh memory).
fn cpu_split() -> (Duration, Duration) {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    (tv(usage.ru_utime), tv(usage.ru_stime))
}

fn reset_peak() {
    // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

async fn call(
    app: &Router,
    token: &str,
    method: Method,
    path: &str,
    ct: &str,
    body: Vec<u8>,
) -> (u16, Vec<u8>) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1:8443")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", ct)
        .body(Body::from(body))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status().as_u16();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

async fn json_call(app: &Router, token: &str, method: Method, path: &str, body: Value) -> Value {
    let (_, bytes) = call(
        app,
        token,
        method,
        path,
        "application/json",
        body.to_string().into_bytes(),
    )
    .await;
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

/// The default org without Change Data Capture on Account: the same job with no change
/// events to build and retain, which shows what capture costs.
fn org_without_account_cdc() -> Org {
    let yaml = sflab::org::default_org::DEFAULT_SEED.replace(
        "change_data_capture: [Account, Contact]",
        "change_data_capture: [Contact]",
    );
    assert_ne!(
        yaml,
        sflab::org::default_org::DEFAULT_SEED,
        "the seed names CDC objects"
    );
    let seed = sflab::org::OrgSeed::from_yaml(&yaml).unwrap();
    Org::new(&seed).unwrap()
}

async fn bulk_upsert(rows: usize, org: Org, label: &str, with_store_only: bool) {
    let data = csv_of(rows);
    let (parse, parsed) = parse_only(&data);
    assert_eq!(parsed, rows);
    let (parse_each, parsed) = parse_records(&data);
    assert_eq!(parsed, rows);
    let (parse_typed, parsed) = parse_typed(&data);
    assert_eq!(parsed, rows);

    let token = issue_static_token(&org, None).unwrap().token;
    let app = router(org.clone());
    let before_records = org.store.read().count("Account");
    let (rss_before, _) = memory_kib();
    reset_peak();

    let start = Instant::now();
    let split_start = cpu_split();
    let cpu_start = cpu_time();
    let job = json_call(
        &app,
        &token,
        Method::POST,
        &format!("{V}/jobs/ingest"),
        json!({"object":"Account","operation":"upsert","externalIdFieldName":"ERP_Id__c"}),
    )
    .await;
    let id = job["id"].as_str().unwrap().to_string();
    let (status, _) = call(
        &app,
        &token,
        Method::PUT,
        &format!("{V}/jobs/ingest/{id}/batches"),
        "text/csv",
        data,
    )
    .await;
    assert_eq!(status, 201);
    json_call(
        &app,
        &token,
        Method::PATCH,
        &format!("{V}/jobs/ingest/{id}"),
        json!({"state":"UploadComplete"}),
    )
    .await;
    let info = loop {
        let info = json_call(
            &app,
            &token,
            Method::GET,
            &format!("{V}/jobs/ingest/{id}"),
            Value::Null,
        )
        .await;
        if info["state"] == "JobComplete" || info["state"] == "Failed" {
            break info;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let job_wall = start.elapsed();
    let job_time = cpu_time() - cpu_start;
    let split_end = cpu_split();
    let (_, peak_after) = memory_kib();
    assert_eq!(info["state"], "JobComplete", "{info}");
    assert_eq!(info["numberRecordsFailed"], 0);
    let stored = org.store.read().count("Account") - before_records;
    assert_eq!(stored, rows);

    let per_parse = parse.as_secs_f64() * 1e6 / rows as f64;
    let per_job = job_time.as_secs_f64() * 1e6 / rows as f64;
    let grown_kib = peak_after.saturating_sub(rss_before);
    println!("bulk upsert, {rows} rows (Account by ERP_Id__c, 4 columns), {label}");
    println!(
        "  csv crate parse only      {:>9.1} ms CPU  {:>6.3} µs/row",
        parse.as_secs_f64() * 1e3,
        per_parse
    );
    println!(
        "  (a record per row)        {:>9.1} ms CPU  {:>6.3} µs/row",
        parse_each.as_secs_f64() * 1e3,
        parse_each.as_secs_f64() * 1e6 / rows as f64
    );
    println!(
        "  (typed rows, serde)       {:>9.1} ms CPU  {:>6.3} µs/row",
        parse_typed.as_secs_f64() * 1e3,
        parse_typed.as_secs_f64() * 1e6 / rows as f64
    );
    println!(
        "  upload → JobComplete      {:>9.1} ms CPU  {:>6.3} µs/row  ({:.1} ms wall)",
        job_time.as_secs_f64() * 1e3,
        per_job,
        job_wall.as_secs_f64() * 1e3
    );
    let per_row = |d: Duration| d.as_secs_f64() * 1e6 / rows as f64;
    println!(
        "    of which user / system  {:>6.3} / {:.3} µs/row",
        per_row(split_end.0 - split_start.0),
        per_row(split_end.1 - split_start.1)
    );
    println!("  ratio job / parse         {:>9.1} ×", per_job / per_parse);
    println!(
        "  (against a record per row){:>8.1} ×",
        per_job / (parse_each.as_secs_f64() * 1e6 / rows as f64)
    );
    println!(
        "  (against typed rows)      {:>8.1} ×",
        per_job / (parse_typed.as_secs_f64() * 1e6 / rows as f64)
    );
    if with_store_only {
        let store = store_only(rows);
        let per_store = store.as_secs_f64() * 1e6 / rows as f64;
        println!(
            "  one by one, REST-style    {:>9.1} ms CPU  {:>6.3} µs/row  (same upserts as JSON maps, each its own transaction)",
            store.as_secs_f64() * 1e3,
            per_store
        );
    }
    println!(
        "  peak memory growth        {:>9.1} MiB {:>6.0} bytes per stored record",
        grown_kib as f64 / 1024.0,
        grown_kib as f64 * 1024.0 / rows as f64
    );
    println!(
        "  store's own estimate      {:>9.1} MiB",
        org.store.read().approx_bytes() as f64 / (1024.0 * 1024.0)
    );
    let (events, bytes) = org.events.bus.approx_bytes();
    println!(
        "  event bus's own estimate  {:>9.1} MiB    {} events, {:.0} bytes per event",
        bytes as f64 / (1024.0 * 1024.0),
        events,
        bytes as f64 / events.max(1) as f64
    );
}

/// The same upserts made one at a time as the REST API makes them: JSON maps built
/// beforehand (no CSV, no HTTP), each upsert its own transaction with its own change event —
/// what a Bulk job saves by planning columns once and committing 200 rows together.
fn store_only(rows: usize) -> Duration {
    let org = Org::default_org();
    let actor = org.actor(org.users[0].id);
    let maps: Vec<serde_json::Map<String, Value>> = (0..rows)
        .map(|i| {
            let mut m = serde_json::Map::new();
            m.insert("Name".into(), json!(format!("Account {i}")));
            m.insert("ERP_Id__c".into(), json!(format!("E-{i:07}")));
            m.insert("Industry".into(), json!("Manufacturing"));
            m.insert("NumberOfEmployees".into(), json!((i % 5000).to_string()));
            m
        })
        .collect();
    let mut store = org.store.write();
    let start = cpu_time();
    for m in &maps {
        let key = m["ERP_Id__c"].as_str().unwrap_or("");
        store
            .upsert(
                "Account",
                "ERP_Id__c",
                key,
                m,
                UpsertMode::default(),
                &actor,
            )
            .unwrap();
    }
    cpu_time() - start
}

async fn composite_latency() {
    let org = Org::default_org();
    let token = issue_static_token(&org, None).unwrap().token;
    let app = router(org);
    let subs: Vec<Value> = (0..25)
        .map(|i| json!({"method":"POST","url":format!("{V}/sobjects/Account"),"referenceId":format!("r{i}"),"body":{"Name":format!("Composite {i}")}}))
        .collect();
    let body = json!({"allOrNone": true, "compositeRequest": subs});
    for _ in 0..20 {
        json_call(
            &app,
            &token,
            Method::POST,
            &format!("{V}/composite"),
            body.clone(),
        )
        .await;
    }
    let runs = 200;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let out = json_call(
            &app,
            &token,
            Method::POST,
            &format!("{V}/composite"),
            body.clone(),
        )
        .await;
        times.push(t.elapsed());
        assert_eq!(out["compositeResponse"][24]["httpStatusCode"], 201);
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / runs as u32;
    println!("composite, 25 create subrequests, allOrNone, {runs} calls");
    println!(
        "  mean {:.3} ms  median {:.3} ms  p95 {:.3} ms",
        mean.as_secs_f64() * 1e3,
        times[runs / 2].as_secs_f64() * 1e3,
        times[runs * 95 / 100].as_secs_f64() * 1e3
    );
}

fn main() {
    let rows: usize = std::env::var("SFLAB_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let only = std::env::var("SFLAB_BENCH_ONLY").unwrap_or_default();
    if only.is_empty() {
        // Each job in a fresh process, for clean peak-memory figures (see the module notes).
        for job in ["off", "cdc"] {
            run_alone(job);
        }
        rt.block_on(composite_latency());
        return;
    }
    rt.block_on(async {
        if only == "off" {
            bulk_upsert(rows, org_without_account_cdc(), "Account CDC off", false).await;
        } else {
            // The one-by-one comparison only in the full run (it is slow).
            let compare = std::env::var_os("SFLAB_BENCH_FULL").is_some();
            bulk_upsert(
                rows,
                Org::default_org(),
                "default org (Account CDC on)",
                compare,
            )
            .await;
        }
    });
}

/// Runs this bench again with `SFLAB_BENCH_ONLY=job`, its output going where ours goes.
fn run_alone(job: &str) {
    let me = std::env::current_exe().expect("the bench's own path");
    let status = std::process::Command::new(me)
        .args(std::env::args().skip(1))
        .env("SFLAB_BENCH_ONLY", job)
        .env("SFLAB_BENCH_FULL", "1")
        .status()
        .expect("start the bench again");
    assert!(status.success(), "the {job} job failed: {status}");
}
