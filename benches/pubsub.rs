//! Events per second through the Pub/Sub API: one publisher sends platform events with
//! `Publish` (batches of 200, Avro payloads) over HTTP/2 on loopback while 1 and then 10
//! subscribers read them with `Subscribe` (EARLIEST, 1,000 requested at a time). The clock
//! stops when every subscriber has every event. Run with `cargo bench --bench pubsub`;
//! `PUBSUB_BENCH_EVENTS` sets the number of events (default 20,000).

use serde_json::json;
use sflab::org::events::avro;
use sflab::org::pubsub::proto::{self, ReplayPreset};
use sflab::org::pubsub::PubSub;
use sflab::org::rest::static_token::issue_static_token;
use sflab::org::Org;
use std::time::{Duration, Instant};
use tonic::codec::ProstCodec;
use tonic::transport::Channel;

const TOPIC: &str = "/event/OrderShipped__e";
const BATCH: usize = 200;
const REQUEST: i32 = 1000;

fn authed<T>(org: &Org, token: &str, msg: T) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    let md = r.metadata_mut();
    md.insert("accesstoken", token.parse().expect("ascii token"));
    md.insert(
        "instanceurl",
        "https://localhost:8443".parse().expect("ascii"),
    );
    md.insert("tenantid", org.id.as_str().parse().expect("ascii"));
    r
}

async fn subscriber(org: Org, token: String, channel: Channel, want: usize) -> usize {
    let mut grpc = tonic::client::Grpc::new(channel);
    let (tx, rx) = tokio::sync::mpsc::channel::<proto::FetchRequest>(4);
    tx.send(proto::FetchRequest {
        topic_name: TOPIC.into(),
        replay_preset: ReplayPreset::Earliest as i32,
        num_requested: REQUEST,
        ..Default::default()
    })
    .await
    .expect("request queued");
    grpc.ready().await.expect("channel ready");
    let path = http::uri::PathAndQuery::from_static("/eventbus.v1.PubSub/Subscribe");
    let req = authed(
        &org,
        &token,
        tokio_stream::wrappers::ReceiverStream::new(rx),
    );
    let mut stream = grpc
        .streaming::<_, proto::FetchRequest, proto::FetchResponse, _>(
            req,
            path,
            ProstCodec::default(),
        )
        .await
        .expect("subscribed")
        .into_inner();
    let mut got = 0;
    while got < want {
        let Some(resp) = stream.message().await.expect("stream open") else {
            break;
        };
        got += resp.events.len();
        if resp.pending_num_requested == 0 {
            let _ = tx
                .send(proto::FetchRequest {
                    num_requested: REQUEST,
                    ..Default::default()
                })
                .await;
        }
    }
    got
}

async fn run(subscribers: usize, events: usize) -> f64 {
    let org = Org::default_org();
    let token = issue_static_token(&org, None).expect("a user").token;
    let listener = sflab::org::serve::bind_loopback(0).await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let pubsub = PubSub {
        org: org.clone(),
        keepalive: Duration::from_secs(270),
    };
    tokio::spawn(sflab::org::serve::serve_router(
        listener,
        sflab::org::pubsub::router(pubsub),
        None,
        std::future::pending(),
    ));
    let url = format!("http://127.0.0.1:{port}");
    let ty = org
        .events
        .event_type("OrderShipped__e")
        .expect("default event")
        .clone();
    let mut payload = Vec::new();
    avro::encode(
        &ty.avro,
        &json!({"CreatedDate": 0, "CreatedById": "005000000000000AAA", "Order_Number__c": "SO-1",
                "Carrier__c": "DHL", "Weight_Kg__c": 1.5}),
        &mut payload,
    )
    .expect("encodes");
    let start = Instant::now();
    let mut subs = Vec::new();
    for _ in 0..subscribers {
        let channel = Channel::from_shared(url.clone())
            .expect("url")
            .connect()
            .await
            .expect("connect");
        subs.push(tokio::spawn(subscriber(
            org.clone(),
            token.clone(),
            channel,
            events,
        )));
    }
    let channel = Channel::from_shared(url)
        .expect("url")
        .connect()
        .await
        .expect("connect");
    let mut grpc = tonic::client::Grpc::new(channel);
    let mut sent = 0;
    while sent < events {
        let n = BATCH.min(events - sent);
        let req = proto::PublishRequest {
            topic_name: TOPIC.into(),
            events: (0..n)
                .map(|i| proto::ProducerEvent {
                    id: format!("{}", sent + i),
                    schema_id: ty.schema_id.clone(),
                    payload: payload.clone(),
                    headers: vec![],
                })
                .collect(),
            auth_refresh: String::new(),
        };
        grpc.ready().await.expect("ready");
        grpc.unary::<_, proto::PublishResponse, _>(
            authed(&org, &token, req),
            http::uri::PathAndQuery::from_static("/eventbus.v1.PubSub/Publish"),
            ProstCodec::default(),
        )
        .await
        .expect("published");
        sent += n;
    }
    for s in subs {
        assert_eq!(s.await.expect("subscriber ran"), events);
    }
    events as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let events: usize = std::env::var("PUBSUB_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    for subscribers in [1, 10] {
        let rate = rt.block_on(run(subscribers, events));
        println!(
            "pubsub: {events} events published and delivered to {subscribers} subscriber(s): {rate:.0} events/s per subscriber, {:.0} deliveries/s in all",
            rate * subscribers as f64
        );
    }
}
