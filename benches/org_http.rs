//! Loopback throughput of the mock org's REST surface, in one run beside two references
//! answering the very same bytes: a bare axum "hello world" (the ceiling for any axum
//! server; target: sflab reaches at least half of it) and WireMock serving a static stub
//! (the usual way to fake Salesforce; target: sflab at least 5× faster). WireMock runs twice:
//! as `java -jar` starts it (request journal on) and tuned (journal and request logging off).
//!
//! All use plain HTTP/1.1 on 127.0.0.1 with keep-alive and the same lean load generator
//! (`common/loadgen.rs`): 32 concurrent connections writing pre-built requests. On a machine
//! with two or more cores, the server under test is pinned to one core and the load generator
//! to another (`SFLAB_BENCH_SHARED_CORES=1` lets everything share every core instead), so the
//! figures compare servers rather than how each shares its cores with the client.
//! The `inprocess` group sends the same requests through the routers with no socket at all.
//!
//! WireMock needs Java and `scripts/install-clients` (npm `wiremock`); without them its rows
//! are skipped with a note (`SFLAB_BENCH_NO_WIREMOCK=1` skips them too, for profiling).
//! Run: `cargo bench --bench org_http`.

use axum::http::header;
use axum::routing::get;
use axum::Router;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sflab::org::rest::static_token::issue_static_token;
use sflab::org::rest::{router_with, ApiUsage, RestState};
use sflab::org::Org;
#[path = "common/loadgen.rs"]
mod loadgen;

use loadgen::{get_request, Load};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const CONNECTIONS: usize = 32;

/// The cores servers and the load generator run on, when they are kept apart.
const LOAD_CPU: usize = 0;
const SERVER_CPU: usize = 1;

/// True when the servers get a core of their own (see the module header).
fn separate_cores() -> bool {
    std::env::var_os("SFLAB_BENCH_SHARED_CORES").is_none()
        && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
}

/// Pins the calling thread (or, before `exec`, the process) to one core.
fn pin_to(cpu: usize) -> std::io::Result<()> {
    // SAFETY: the set is a plain bit mask we own; sched_setaffinity only reads it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

async fn start(app: Router) -> SocketAddr {
    let listener = sflab::org::serve::bind_loopback(0).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(sflab::org::serve::serve_router(
        listener,
        app,
        None,
        std::future::pending(),
    ));
    addr
}

/// The same bytes from a handler that does nothing else.
fn hello_world(body: Vec<u8>) -> Router {
    let body = Arc::new(body);
    Router::new().fallback(get(move || {
        let body = body.clone();
        async move {
            (
                [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
                body.as_ref().clone(),
            )
        }
    }))
}

struct WireMock {
    child: Child,
    addr: SocketAddr,
    _root: tempfile::TempDir,
}

impl Drop for WireMock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wiremock_jar() -> Option<PathBuf> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools/node/node_modules/wiremock/build");
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "jar"))
}

/// WireMock serving `stubs` (path+query → body) as static stubs, or `None` with a note.
/// `tuned` turns off its request journal and request logging (its fastest set-up); otherwise
/// it runs as `java -jar wiremock.jar` is usually started, journal and all.
fn start_wiremock(stubs: &[(&str, &[u8])], tuned: bool) -> Option<WireMock> {
    if std::env::var_os("SFLAB_BENCH_NO_WIREMOCK").is_some() {
        return None; // profiling sflab alone
    }
    let Some(jar) = wiremock_jar() else {
        eprintln!("note: WireMock not installed (scripts/install-clients); skipping its rows");
        return None;
    };
    let root = tempfile::tempdir().ok()?;
    std::fs::create_dir_all(root.path().join("mappings")).ok()?;
    for (i, (url, body)) in stubs.iter().enumerate() {
        let mapping = serde_json::json!({
            "request": {"method": "GET", "url": url},
            "response": {"status": 200, "headers": {"Content-Type": "application/json;charset=UTF-8"},
                         "body": String::from_utf8_lossy(body)}
        });
        std::fs::write(
            root.path().join(format!("mappings/m{i}.json")),
            mapping.to_string(),
        )
        .ok()?;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let mut java = Command::new("java");
    if separate_cores() {
        use std::os::unix::process::CommandExt;
        // SAFETY: only an async-signal-safe system call runs between fork and exec.
        unsafe { java.pre_exec(|| pin_to(SERVER_CPU)) };
    }
    let child = java
        .args([
            "-jar",
            jar.to_str()?,
            "--port",
            &port.to_string(),
            "--bind-address",
            "127.0.0.1",
        ])
        .args(["--root-dir", root.path().to_str()?])
        .args(if tuned {
            &["--disable-request-logging", "--no-request-journal"][..]
        } else {
            &[][..]
        })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| eprintln!("note: could not start java ({e}); skipping WireMock rows"))
        .ok()?;
    let wm = WireMock {
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
        _root: root,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(wm);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("note: WireMock did not start within 60 s; skipping its rows");
    None
}

fn bench(c: &mut Criterion) {
    let apart = separate_cores();
    if apart {
        pin_to(LOAD_CPU).expect("pin the load generator");
    }
    // The load generator (and the in-process group) run here...
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // ...and the servers here, on a core of their own when there are two.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(if apart { 1 } else { 2 })
        .on_thread_start(move || {
            if apart {
                pin_to(SERVER_CPU).expect("pin a server thread");
            }
        })
        .enable_all()
        .build()
        .unwrap();
    let org = Org::default_org();
    let login = issue_static_token(&org, None).unwrap();
    let mut state = RestState::new(org.clone());
    state.usage = Arc::new(ApiUsage::new(u64::MAX)); // a benchmark is not a lab about limits
    let (record_path, query_path) = {
        let ids = org
            .store
            .read()
            .find_by_external("Account", "ERP_Id__c", "A-1000")
            .unwrap();
        let id = ids[0].as_str().to_string();
        (
            format!("/services/data/v62.0/sobjects/Account/{id}"),
            "/services/data/v62.0/query?q=SELECT+Id,Name,Industry+FROM+Account+WHERE+ERP_Id__c='A-1000'".to_string(),
        )
    };
    let state_for_inprocess = state.clone();
    let sflab_addr = server_rt.block_on(start(router_with(state)));
    let sflab = Load::new(sflab_addr, CONNECTIONS);
    // WireMock matches the URL as sent on the wire, where quotes are percent-encoded; every
    // target is sent the same encoded path.
    let on_wire = |path: &str| {
        let u = reqwest::Url::parse(&format!("http://127.0.0.1{path}")).unwrap();
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    };
    let (record_wire, query_wire) = (on_wire(&record_path), on_wire(&query_path));
    let fetch = |path: &str| -> Vec<u8> {
        rt.block_on(async {
            let r = reqwest::Client::new()
                .get(format!("http://{sflab_addr}{path}"))
                .bearer_auth(&login.token)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
            r.bytes().await.unwrap().to_vec()
        })
    };
    let record_body = fetch(&record_wire);
    let query_body = fetch(&query_wire);
    let stubs = [
        (record_wire.as_str(), &record_body[..]),
        (query_wire.as_str(), &query_body[..]),
    ];
    // Two WireMocks: as usually started (`java -jar`, request journal on) and tuned for speed.
    let wiremocks: Vec<(&str, WireMock, Load)> =
        [("wiremock_static_stub", false), ("wiremock_tuned", true)]
            .into_iter()
            .filter_map(|(name, tuned)| {
                let wm = start_wiremock(&stubs, tuned)?;
                let load = Load::new(wm.addr, CONNECTIONS);
                Some((name, wm, load))
            })
            .collect();
    for (_, wm, load) in &wiremocks {
        // The JVM compiles WireMock's hot paths during its first seconds of traffic; do that
        // now, so the compiler threads do not take CPU from another server's measurement.
        let until = Instant::now() + Duration::from_secs(6);
        while Instant::now() < until {
            for path in [&record_wire, &query_wire] {
                rt.block_on(load.hammer(&get_request(wm.addr, path, ""), 1_000));
            }
        }
    }
    if !wiremocks.is_empty() {
        std::thread::sleep(Duration::from_secs(3));
    }

    // The same two requests in process, with no socket, beside the hello world answering the
    // query's bytes: sflab's own cost per request, the steadiest figure to compare changes by
    // on a shared machine.
    {
        let sflab_app = router_with(state_for_inprocess.clone());
        let hello_app = hello_world(query_body.clone());
        let mut group = c.benchmark_group("inprocess");
        group.throughput(Throughput::Elements(1));
        for (name, path, app) in [
            ("get_record", &record_wire, &sflab_app),
            ("query", &query_wire, &sflab_app),
            ("axum_hello_world", &query_wire, &hello_app),
        ] {
            group.bench_function(name, |b| {
                b.iter(|| {
                    let req = axum::http::Request::get(path.as_str())
                        .header("host", "127.0.0.1")
                        .header("authorization", format!("Bearer {}", login.token))
                        .body(axum::body::Body::empty())
                        .unwrap();
                    let resp = rt.block_on(app.clone().oneshot(req)).unwrap();
                    assert!(resp.status().is_success());
                    rt.block_on(axum::body::to_bytes(resp.into_body(), usize::MAX))
                        .unwrap()
                })
            });
        }
        group.finish();
    }

    for (name, path, body) in [
        ("get_record", &record_wire, &record_body),
        ("query", &query_wire, &query_body),
    ] {
        let hello_addr = server_rt.block_on(start(hello_world(body.clone())));
        let hello = Load::new(hello_addr, CONNECTIONS);
        let mut group = c.benchmark_group(format!("loopback_{name}"));
        group.throughput(Throughput::Elements(1));
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(6));
        group.warm_up_time(Duration::from_secs(2));
        let request = get_request(sflab_addr, path, &login.token);
        group.bench_function("sflab", |b| {
            b.iter_custom(|n| rt.block_on(sflab.hammer(&request, n)))
        });
        let request = get_request(hello_addr, path, "");
        group.bench_function("axum_hello_world", |b| {
            b.iter_custom(|n| rt.block_on(hello.hammer(&request, n)))
        });
        for (wm_name, wm, load) in &wiremocks {
            let request = get_request(wm.addr, path, "");
            group.bench_function(*wm_name, |b| {
                b.iter_custom(|n| rt.block_on(load.hammer(&request, n)))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
