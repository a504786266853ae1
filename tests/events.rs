//! Events with real clients over real sockets: a Rust gRPC client (flow control, keepalives,
//! errors), a Python Pub/Sub client generated from `src/org/pubsub/pubsub_api.proto` at test time, and
//! jsforce's CometD streaming client.
//!
//! `scripts/install-clients` puts the Python and Node clients in `.tools/`. When one is
//! missing the test fails under `CI=true` and otherwise says why and returns.

use prost::Message;
use sflab::org::pubsub::proto::{self, replay_id_bytes, replay_id_of, ReplayPreset};
use sflab::org::pubsub::PubSub;
use sflab::org::rest::static_token::issue_static_token;
use sflab::org::Org;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tonic::codec::ProstCodec;
use tonic::transport::Channel;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where `scripts/install-clients` put the clients: `SFLAB_TOOLS` (as `scripts/test` sets it),
/// else the project's `.tools/`.
fn tools() -> PathBuf {
    std::env::var_os("SFLAB_TOOLS")
        .filter(|t| !t.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".tools"))
}

fn client_present(path: &Path, what: &str) -> bool {
    if path.exists() {
        return true;
    }
    let why = format!(
        "{what} is not installed at {}; run scripts/install-clients",
        path.display()
    );
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{why}");
    }
    eprintln!("skipping: {why}");
    false
}

/// An org served over HTTPS (REST + CometD) and its Pub/Sub API on a second TLS port.
struct RunningOrg {
    org: Org,
    env: Vec<(&'static str, String)>,
    stop: tokio::sync::watch::Sender<bool>,
    _workspace: tempfile::TempDir,
}

impl RunningOrg {
    async fn start() -> RunningOrg {
        RunningOrg::start_with(Org::default_org()).await
    }

    async fn start_with(org: Org) -> RunningOrg {
        let workspace = tempfile::tempdir().unwrap();
        let ca = sflab::org::tls::LocalCa::load_or_create(workspace.path()).unwrap();
        let tls = ca.server_config().unwrap();
        let login = issue_static_token(&org, None).unwrap();
        let rest = sflab::org::serve::bind_loopback(0).await.unwrap();
        let pubsub = sflab::org::serve::bind_loopback(0).await.unwrap();
        let rest_port = rest.local_addr().unwrap().port();
        let pubsub_port = pubsub.local_addr().unwrap().port();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut s1 = stopped.clone();
        let mut s2 = stopped;
        tokio::spawn(sflab::org::serve::serve(
            rest,
            org.clone(),
            Some(tls.clone()),
            async move {
                let _ = s1.wait_for(|s| *s).await;
            },
        ));
        tokio::spawn(sflab::org::pubsub::serve(
            pubsub,
            org.clone(),
            Some(tls),
            async move {
                let _ = s2.wait_for(|s| *s).await;
            },
        ));
        let ca = ca.cert_path.display().to_string();
        let env = vec![
            ("SF_INSTANCE_URL", format!("https://localhost:{rest_port}")),
            ("SF_ACCESS_TOKEN", login.token),
            ("SF_PUBSUB_ENDPOINT", format!("127.0.0.1:{pubsub_port}")),
            ("SF_ORG_ID", org.id.as_str().to_string()),
            ("SF_CA_BUNDLE", ca.clone()),
            ("NODE_EXTRA_CA_CERTS", ca),
        ];
        RunningOrg {
            org,
            env,
            stop,
            _workspace: workspace,
        }
    }

    async fn run(&self, program: &Path, args: &[&str], extra: &[(&str, String)]) -> String {
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(args)
            .current_dir(root())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in self.env.iter().chain(extra.iter()) {
            cmd.env(k, v);
        }
        let out = tokio::time::timeout(Duration::from_secs(180), cmd.output())
            .await
            .expect("the client finished within 3 minutes")
            .expect("the client could be started");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{} failed ({}).\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
            program.display(),
            out.status
        );
        stdout
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_pubsub_client_publishes_subscribes_and_resumes() {
    let python = tools().join("venv/bin/python");
    if !client_present(&python, "Python with grpcio") {
        return;
    }
    let org = RunningOrg::start().await;
    let gen = tempfile::tempdir().unwrap();
    let out = org
        .run(
            &python,
            &["tests/clients/pubsub_check.py"],
            &[("GEN_DIR", gen.path().display().to_string())],
        )
        .await;
    assert!(out.contains("all Pub/Sub checks passed"), "{out}");
    let log = &org.org.events.log;
    assert!(log
        .published()
        .iter()
        .any(|p| p.via == sflab::org::events::Transport::PubSub));
    assert!(
        log.subscriptions().iter().any(|s| s.from >= 0),
        "a CUSTOM resume was logged"
    );
    let _ = org.stop.send(true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsforce_streaming_client_receives_platform_and_change_events() {
    let jsforce = tools().join("node/node_modules/jsforce");
    if !client_present(&jsforce, "jsforce") {
        return;
    }
    let org = RunningOrg::start().await;
    let node_path = tools().join("node/node_modules").display().to_string();
    let out = org
        .run(
            Path::new("node"),
            &["tests/clients/jsforce_streaming_check.js"],
            &[("NODE_PATH", node_path)],
        )
        .await;
    assert!(out.contains("all streaming checks passed"), "{out}");
    let _ = org.stop.send(true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsforce_subscribes_to_data_change_events_in_an_org_with_no_object_selected() {
    let jsforce = tools().join("node/node_modules/jsforce");
    if !client_present(&jsforce, "jsforce") {
        return;
    }
    let seed = sflab::org::OrgSeed::from_yaml("org: { name: No Capture }\n").unwrap();
    let org = RunningOrg::start_with(Org::new(&seed).unwrap()).await;
    let node_path = tools().join("node/node_modules").display().to_string();
    let out = org
        .run(
            Path::new("node"),
            &["tests/clients/jsforce_streaming_no_capture_check.js"],
            &[("NODE_PATH", node_path)],
        )
        .await;
    assert!(
        out.contains("all no-capture streaming checks passed"),
        "{out}"
    );
    let _ = org.stop.send(true);
}

/// A plain-HTTP/2 Pub/Sub server with a short keepalive, and a raw tonic client.
async fn h2c_pubsub(keepalive: Duration) -> (Org, tonic::client::Grpc<Channel>, String) {
    h2c_pubsub_for(Org::default_org(), keepalive).await
}

async fn h2c_pubsub_for(
    org: Org,
    keepalive: Duration,
) -> (Org, tonic::client::Grpc<Channel>, String) {
    let token = issue_static_token(&org, None).unwrap().token;
    let listener = sflab::org::serve::bind_loopback(0).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let pubsub = PubSub {
        org: org.clone(),
        keepalive,
    };
    tokio::spawn(sflab::org::serve::serve_router(
        listener,
        sflab::org::pubsub::router(pubsub),
        None,
        std::future::pending(),
    ));
    let channel = Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    (org, tonic::client::Grpc::new(channel), token)
}

fn authed<T>(org: &Org, token: &str, msg: T) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    let md = r.metadata_mut();
    md.insert("accesstoken", token.parse().unwrap());
    md.insert("instanceurl", "https://localhost:8443".parse().unwrap());
    md.insert("tenantid", org.id.as_str().parse().unwrap());
    r
}

fn publish_direct(org: &Org, n: usize) {
    let store = org.store.read();
    for i in 0..n {
        let mut f = serde_json::Map::new();
        f.insert("Order_Number__c".into(), format!("SO-{i}").into());
        org.events
            .publish(
                &store,
                "OrderShipped__e",
                &f,
                org.users[0].id.as_str(),
                sflab::org::events::Transport::Runner,
            )
            .unwrap();
    }
}

/// Opens a `Subscribe` stream on `/event/OrderShipped__e` asking for `n` events; the sender
/// for later FetchRequests and the stream of responses.
async fn subscribe(
    org: &Org,
    grpc: &mut tonic::client::Grpc<Channel>,
    token: &str,
    preset: ReplayPreset,
    n: i32,
) -> (
    tokio::sync::mpsc::Sender<proto::FetchRequest>,
    tonic::Streaming<proto::FetchResponse>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel::<proto::FetchRequest>(4);
    tx.send(proto::FetchRequest {
        topic_name: "/event/OrderShipped__e".into(),
        replay_preset: preset as i32,
        num_requested: n,
        ..Default::default()
    })
    .await
    .unwrap();
    grpc.ready().await.unwrap();
    let path = http::uri::PathAndQuery::from_static("/eventbus.v1.PubSub/Subscribe");
    let req = authed(org, token, tokio_stream::wrappers::ReceiverStream::new(rx));
    let stream = grpc
        .streaming::<_, proto::FetchRequest, proto::FetchResponse, _>(
            req,
            path,
            ProstCodec::default(),
        )
        .await
        .unwrap()
        .into_inner();
    (tx, stream)
}

#[tokio::test]
async fn subscribe_sends_only_what_was_requested_then_keepalives_with_the_latest_replay_id() {
    let (org, mut grpc, token) = h2c_pubsub(Duration::from_millis(300)).await;
    publish_direct(&org, 5);
    let (tx, mut stream) = subscribe(&org, &mut grpc, &token, ReplayPreset::Earliest, 2).await;
    let mut delivered = 0;
    let mut keepalive = None;
    while let Some(resp) = stream.message().await.unwrap() {
        if resp.events.is_empty() {
            keepalive = Some(resp);
            break;
        }
        delivered += resp.events.len();
    }
    assert_eq!(delivered, 2, "flow control: two requested, two sent");
    let keepalive = keepalive.unwrap();
    assert_eq!(keepalive.pending_num_requested, 0);
    assert_eq!(replay_id_of(&keepalive.latest_replay_id), Some(5));
    tx.send(proto::FetchRequest {
        num_requested: 10,
        ..Default::default()
    })
    .await
    .unwrap();
    let more = stream.message().await.unwrap().unwrap();
    assert_eq!(more.events.len(), 3);
    assert_eq!(more.pending_num_requested, 7);
}

#[tokio::test]
async fn asking_for_more_than_100_events_counts_as_100_until_the_client_asks_again() {
    let (org, mut grpc, token) = h2c_pubsub(Duration::from_millis(300)).await;
    publish_direct(&org, 130);
    let (tx, mut stream) = subscribe(&org, &mut grpc, &token, ReplayPreset::Earliest, 500).await;
    let mut delivered = 0;
    let keepalive = loop {
        let resp = stream.message().await.unwrap().unwrap();
        if resp.events.is_empty() {
            break resp;
        }
        delivered += resp.events.len();
    };
    assert_eq!(
        delivered, 100,
        "500 asked for in one request is taken as 100"
    );
    assert_eq!(keepalive.pending_num_requested, 0);
    tx.send(proto::FetchRequest {
        num_requested: 200,
        ..Default::default()
    })
    .await
    .unwrap();
    let more = stream.message().await.unwrap().unwrap();
    assert_eq!(more.events.len(), 30);
    assert_eq!(
        more.pending_num_requested, 70,
        "the outstanding count is capped too"
    );
}

#[tokio::test]
async fn a_custom_replay_id_the_org_never_issued_is_refused_and_the_refusal_logged() {
    let (org, mut grpc, token) = h2c_pubsub(Duration::from_secs(30)).await;
    publish_direct(&org, 2);
    let (tx, rx) = tokio::sync::mpsc::channel::<proto::FetchRequest>(4);
    tx.send(proto::FetchRequest {
        topic_name: "/event/OrderShipped__e".into(),
        replay_preset: ReplayPreset::Custom as i32,
        replay_id: replay_id_bytes(6),
        num_requested: 5,
        ..Default::default()
    })
    .await
    .unwrap();
    grpc.ready().await.unwrap();
    let path = http::uri::PathAndQuery::from_static("/eventbus.v1.PubSub/Subscribe");
    let req = authed(
        &org,
        &token,
        tokio_stream::wrappers::ReceiverStream::new(rx),
    );
    let status = grpc
        .streaming::<_, proto::FetchRequest, proto::FetchResponse, _>(
            req,
            path,
            ProstCodec::default(),
        )
        .await
        .expect_err("a replay id past the newest is refused");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(
        status.message().contains("replay id 6"),
        "{}",
        status.message()
    );
    let refused = org.events.log.refusals();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].from, 6);
    assert_eq!(refused[0].message, status.message());
    assert!(org.events.log.subscriptions().is_empty());
}

#[tokio::test]
async fn unary_calls_check_auth_and_topics() {
    let (org, mut grpc, token) = h2c_pubsub(Duration::from_secs(270)).await;
    let topic = |name: &str| proto::TopicRequest {
        topic_name: name.into(),
    };
    let path = || http::uri::PathAndQuery::from_static("/eventbus.v1.PubSub/GetTopic");
    grpc.ready().await.unwrap();
    let unauth = grpc
        .unary::<_, proto::TopicInfo, _>(
            tonic::Request::new(topic("/event/OrderShipped__e")),
            path(),
            ProstCodec::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(unauth.code(), tonic::Code::Unauthenticated);
    grpc.ready().await.unwrap();
    let identity_only = org.mint_static_token(&org.users[0], &["openid", "id"]);
    let no_api = grpc
        .unary::<_, proto::TopicInfo, _>(
            authed(&org, &identity_only, topic("/event/OrderShipped__e")),
            path(),
            ProstCodec::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(no_api.code(), tonic::Code::Unauthenticated);
    assert!(
        no_api.message().contains("api scope"),
        "{}",
        no_api.message()
    );
    grpc.ready().await.unwrap();
    let missing = grpc
        .unary::<_, proto::TopicInfo, _>(
            authed(&org, &token, topic("/event/Nope__e")),
            path(),
            ProstCodec::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(missing.code(), tonic::Code::NotFound);
    grpc.ready().await.unwrap();
    let info = grpc
        .unary::<_, proto::TopicInfo, _>(
            authed(&org, &token, topic("/data/ChangeEvents")),
            path(),
            ProstCodec::default(),
        )
        .await
        .unwrap()
        .into_inner();
    assert!(info.can_subscribe && !info.can_publish);
    // Publishing a payload that is not Avro for the schema is an error result, not a crash.
    grpc.ready().await.unwrap();
    let shipped = org
        .events
        .event_type("OrderShipped__e")
        .unwrap()
        .schema_id
        .clone();
    let bad = proto::PublishRequest {
        topic_name: "/event/OrderShipped__e".into(),
        events: vec![proto::ProducerEvent {
            id: "x".into(),
            schema_id: shipped,
            payload: vec![0xff; 3],
            headers: vec![],
        }],
        auth_refresh: String::new(),
    };
    let resp = grpc
        .unary::<_, proto::PublishResponse, _>(
            authed(&org, &token, bad),
            http::uri::PathAndQuery::from_static("/eventbus.v1.PubSub/Publish"),
            ProstCodec::default(),
        )
        .await
        .unwrap()
        .into_inner();
    assert!(resp.results[0].error.is_some());
    assert!(org.events.log.published().is_empty());
    let _ = replay_id_bytes(1).encode_to_vec();
}

#[tokio::test]
async fn publish_stream_answers_each_request_with_replay_ids() {
    let (org, mut grpc, token) = h2c_pubsub(Duration::from_secs(270)).await;
    let ty = org.events.event_type("OrderShipped__e").unwrap().clone();
    let mut payload = Vec::new();
    sflab::org::events::avro::encode(
        &ty.avro,
        &serde_json::json!({"CreatedDate": 0, "CreatedById": "x", "Order_Number__c": "SO-7"}),
        &mut payload,
    )
    .unwrap();
    let (tx, rx) = tokio::sync::mpsc::channel::<proto::PublishRequest>(4);
    grpc.ready().await.unwrap();
    let req = authed(
        &org,
        &token,
        tokio_stream::wrappers::ReceiverStream::new(rx),
    );
    let path = http::uri::PathAndQuery::from_static("/eventbus.v1.PubSub/PublishStream");
    let mut stream = grpc
        .streaming::<_, proto::PublishRequest, proto::PublishResponse, _>(
            req,
            path,
            ProstCodec::default(),
        )
        .await
        .unwrap()
        .into_inner();
    for n in 0..3 {
        let event = proto::ProducerEvent {
            id: format!("k{n}"),
            schema_id: ty.schema_id.clone(),
            payload: payload.clone(),
            headers: vec![],
        };
        tx.send(proto::PublishRequest {
            topic_name: "/event/OrderShipped__e".into(),
            events: vec![event],
            auth_refresh: String::new(),
        })
        .await
        .unwrap();
        let resp = stream.message().await.unwrap().unwrap();
        assert_eq!(resp.results[0].correlation_key, format!("k{n}"));
        assert_eq!(replay_id_of(&resp.results[0].replay_id), Some(n + 1));
    }
    let published = org.events.log.published();
    assert_eq!(published.len(), 3);
    assert_eq!(
        org.events
            .bus
            .read(
                "/event/OrderShipped__e",
                sflab::org::events::ReplayFrom::Earliest,
                10,
                org.clock.now()
            )
            .unwrap()[0]
            .payload()["Order_Number__c"],
        "SO-7"
    );
}

async fn managed_stream(
    grpc: &mut tonic::client::Grpc<Channel>,
    org: &Org,
    token: &str,
    first: proto::ManagedFetchRequest,
) -> (
    tokio::sync::mpsc::Sender<proto::ManagedFetchRequest>,
    tonic::Streaming<proto::ManagedFetchResponse>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel::<proto::ManagedFetchRequest>(4);
    tx.send(first).await.unwrap();
    grpc.ready().await.unwrap();
    let req = authed(org, token, tokio_stream::wrappers::ReceiverStream::new(rx));
    let path = http::uri::PathAndQuery::from_static("/eventbus.v1.PubSub/ManagedSubscribe");
    let stream = grpc
        .streaming::<_, proto::ManagedFetchRequest, proto::ManagedFetchResponse, _>(
            req,
            path,
            ProstCodec::default(),
        )
        .await
        .unwrap()
        .into_inner();
    (tx, stream)
}

/// Wakes every stream's loop every 100 ms, as events on other channels do on a busy org.
fn keep_the_bus_busy(org: &Org) -> tokio::task::JoinHandle<()> {
    let org = org.clone();
    tokio::spawn(async move {
        loop {
            org.events.bus.nudge();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}

#[tokio::test]
async fn keepalives_come_on_time_while_other_channels_are_busy() {
    let (org, mut grpc, token) = h2c_pubsub(Duration::from_millis(400)).await;
    let busy = keep_the_bus_busy(&org);
    let (_tx, mut stream) = subscribe(&org, &mut grpc, &token, ReplayPreset::Latest, 5).await;
    let keepalive = tokio::time::timeout(Duration::from_secs(3), stream.message())
        .await
        .expect("a keepalive within 3 s, though the bus woke the stream every 100 ms")
        .unwrap()
        .unwrap();
    assert!(keepalive.events.is_empty());
    assert_eq!(keepalive.pending_num_requested, 5);
    busy.abort();
}

#[tokio::test]
async fn a_managed_subscription_sends_keepalives_too() {
    let seed = sflab::org::OrgSeed::from_yaml(
        "events:\n  platform:\n    OrderShipped__e: { fields: { Order_Number__c: text } }\n  managed_subscriptions:\n    Shipments_Sync: { topic: /event/OrderShipped__e, replay: latest }\n",
    )
    .unwrap();
    let org = Org::new(&seed).unwrap();
    let (org, mut grpc, token) = h2c_pubsub_for(org, Duration::from_millis(400)).await;
    let busy = keep_the_bus_busy(&org);
    let first = proto::ManagedFetchRequest {
        developer_name: "Shipments_Sync".into(),
        num_requested: 3,
        ..Default::default()
    };
    let (_tx, mut stream) = managed_stream(&mut grpc, &org, &token, first).await;
    let keepalive = tokio::time::timeout(Duration::from_secs(3), stream.message())
        .await
        .expect("a keepalive within 3 s")
        .unwrap()
        .unwrap();
    assert!(keepalive.events.is_empty() && keepalive.commit_response.is_none());
    assert_eq!(keepalive.pending_num_requested, 3);
    busy.abort();
}

#[tokio::test]
async fn a_managed_subscription_resumes_after_the_committed_replay_id() {
    let seed = sflab::org::OrgSeed::from_yaml(
        "events:\n  platform:\n    OrderShipped__e: { fields: { Order_Number__c: text } }\n  managed_subscriptions:\n    Shipments_Sync: { topic: /event/OrderShipped__e, replay: earliest }\n",
    )
    .unwrap();
    let org = Org::new(&seed).unwrap();
    let (org, mut grpc, token) = h2c_pubsub_for(org, Duration::from_secs(270)).await;
    publish_direct(&org, 3);
    let first = proto::ManagedFetchRequest {
        developer_name: "Shipments_Sync".into(),
        num_requested: 2,
        ..Default::default()
    };
    let (tx, mut stream) = managed_stream(&mut grpc, &org, &token, first.clone()).await;
    let batch = stream.message().await.unwrap().unwrap();
    assert_eq!(batch.events.len(), 2);
    let second = batch.events[1].replay_id.clone();
    tx.send(proto::ManagedFetchRequest {
        commit_replay_id_request: Some(proto::CommitReplayRequest {
            commit_request_id: "c1".into(),
            replay_id: second.clone(),
        }),
        ..Default::default()
    })
    .await
    .unwrap();
    let committed = stream.message().await.unwrap().unwrap();
    let resp = committed.commit_response.unwrap();
    assert_eq!(resp.commit_request_id, "c1");
    assert!(resp.error.is_none());
    drop(tx);
    drop(stream);
    // A new stream starts after the committed id: only the third event.
    let (_tx, mut stream) = managed_stream(&mut grpc, &org, &token, first).await;
    let batch = stream.message().await.unwrap().unwrap();
    assert_eq!(batch.events.len(), 1);
    assert_eq!(
        replay_id_of(&batch.events[0].replay_id),
        Some(replay_id_of(&second).unwrap() + 1)
    );
}

#[tokio::test]
async fn a_subscribe_stream_of_an_ended_subscriber_closes_without_what_comes_after() {
    let (org, mut grpc, token) = h2c_pubsub(Duration::from_secs(30)).await;
    let (_tx, mut stream) = subscribe(&org, &mut grpc, &token, ReplayPreset::Latest, 10).await;
    publish_direct(&org, 1);
    let first = stream.message().await.unwrap().unwrap();
    assert_eq!(first.events.len(), 1, "a live subscriber receives");
    // The program behind the stream is stopped (a lab's `kill`); then more goes out.
    org.events.log.end_subscribers_after(0);
    publish_direct(&org, 2);
    let next = tokio::time::timeout(Duration::from_secs(5), stream.message())
        .await
        .expect("the stream ends");
    assert!(
        matches!(next, Ok(None) | Err(_)),
        "nothing more is handed out: {next:?}"
    );
    let delivered = org.events.log.deliveries();
    assert_eq!(delivered.len(), 1, "{delivered:?}");
}
