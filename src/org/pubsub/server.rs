//! The gRPC plumbing of the Pub/Sub service: routing `/eventbus.v1.PubSub/<Method>` to the
//! handlers in `service` through tonic's codec and server machinery, as an axum router that
//! `org::serve::serve_router` runs (HTTP/2, TLS with the workspace CA, the Host check).

use super::proto::{self, SERVICE};
use super::service::PubSub;
use axum::body::Body;
use axum::http::{Request, Response};
use futures::future::BoxFuture;
use futures::StreamExt;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::codec::ProstCodec;
use tonic::server::{Grpc, StreamingService, UnaryService};
use tonic::{Status, Streaming};

type Reply<T> = BoxFuture<'static, Result<tonic::Response<T>, Status>>;
type Outgoing<T> = Pin<Box<dyn futures::Stream<Item = Result<T, Status>> + Send>>;

/// The tower service answering every Pub/Sub method.
#[derive(Clone)]
pub struct PubSubService {
    pubsub: PubSub,
}

impl PubSubService {
    pub fn new(pubsub: PubSub) -> PubSubService {
        PubSubService { pubsub }
    }
}

/// An axum router serving the Pub/Sub API.
pub fn router(pubsub: PubSub) -> axum::Router {
    axum::Router::new().route_service(
        &format!("/{SERVICE}/{{method}}"),
        PubSubService::new(pubsub),
    )
}

struct GetTopic(PubSub);
impl UnaryService<proto::TopicRequest> for GetTopic {
    type Response = proto::TopicInfo;
    type Future = Reply<proto::TopicInfo>;
    fn call(&mut self, req: tonic::Request<proto::TopicRequest>) -> Self::Future {
        let p = self.0.clone();
        Box::pin(async move {
            let session = p.authenticate(req.metadata())?;
            p.get_topic(&session, req.get_ref())
                .map(tonic::Response::new)
        })
    }
}

struct GetSchema(PubSub);
impl UnaryService<proto::SchemaRequest> for GetSchema {
    type Response = proto::SchemaInfo;
    type Future = Reply<proto::SchemaInfo>;
    fn call(&mut self, req: tonic::Request<proto::SchemaRequest>) -> Self::Future {
        let p = self.0.clone();
        Box::pin(async move {
            p.authenticate(req.metadata())?;
            p.get_schema(req.get_ref()).map(tonic::Response::new)
        })
    }
}

struct Publish(PubSub);
impl UnaryService<proto::PublishRequest> for Publish {
    type Response = proto::PublishResponse;
    type Future = Reply<proto::PublishResponse>;
    fn call(&mut self, req: tonic::Request<proto::PublishRequest>) -> Self::Future {
        let p = self.0.clone();
        Box::pin(async move {
            let session = p.authenticate(req.metadata())?;
            p.publish(&session, req.get_ref()).map(tonic::Response::new)
        })
    }
}

struct PublishStream(PubSub);
impl StreamingService<proto::PublishRequest> for PublishStream {
    type Response = proto::PublishResponse;
    type ResponseStream = Outgoing<proto::PublishResponse>;
    type Future = Reply<Self::ResponseStream>;
    fn call(&mut self, req: tonic::Request<Streaming<proto::PublishRequest>>) -> Self::Future {
        let p = self.0.clone();
        Box::pin(async move {
            let session = p.authenticate(req.metadata())?;
            let mut incoming = req.into_inner();
            let (tx, rx) = mpsc::channel(16);
            tokio::spawn(async move {
                while let Some(next) = incoming.next().await {
                    let Ok(r) = next else { return };
                    let reply = p.publish(&session, &r);
                    let stop = reply.is_err();
                    if tx.send(reply).await.is_err() || stop {
                        return;
                    }
                }
            });
            Ok(tonic::Response::new(
                Box::pin(ReceiverStream::new(rx)) as Self::ResponseStream
            ))
        })
    }
}

struct Subscribe(PubSub);
impl StreamingService<proto::FetchRequest> for Subscribe {
    type Response = proto::FetchResponse;
    type ResponseStream = Outgoing<proto::FetchResponse>;
    type Future = Reply<Self::ResponseStream>;
    fn call(&mut self, req: tonic::Request<Streaming<proto::FetchRequest>>) -> Self::Future {
        let p = self.0.clone();
        Box::pin(async move {
            let session = p.authenticate(req.metadata())?;
            let mut incoming = req.into_inner();
            let first = match incoming.next().await {
                Some(Ok(f)) => f,
                Some(Err(e)) => return Err(e),
                None => {
                    return Err(Status::invalid_argument(
                        "The stream closed before its first FetchRequest.",
                    ))
                }
            };
            let position = p.start_position(&session, &first)?;
            let (req_tx, req_rx) = mpsc::channel(16);
            tokio::spawn(async move {
                while let Some(next) = incoming.next().await {
                    if req_tx.send(next).await.is_err() {
                        return;
                    }
                }
            });
            let (tx, rx) = mpsc::channel(4);
            let subscriber = format!("pubsub-{}", uuid::Uuid::new_v4());
            tokio::spawn(p.run_subscription(
                session.user_id.clone(),
                subscriber,
                first,
                position,
                req_rx,
                tx,
            ));
            Ok(tonic::Response::new(
                Box::pin(ReceiverStream::new(rx)) as Self::ResponseStream
            ))
        })
    }
}

struct ManagedSubscribe(PubSub);
impl StreamingService<proto::ManagedFetchRequest> for ManagedSubscribe {
    type Response = proto::ManagedFetchResponse;
    type ResponseStream = Outgoing<proto::ManagedFetchResponse>;
    type Future = Reply<Self::ResponseStream>;
    fn call(&mut self, req: tonic::Request<Streaming<proto::ManagedFetchRequest>>) -> Self::Future {
        let p = self.0.clone();
        Box::pin(async move {
            let session = p.authenticate(req.metadata())?;
            let mut incoming = req.into_inner();
            let first = match incoming.next().await {
                Some(Ok(f)) => f,
                Some(Err(e)) => return Err(e),
                None => {
                    return Err(Status::invalid_argument(
                        "The stream closed before its first ManagedFetchRequest.",
                    ))
                }
            };
            let (sub, position) = p.managed_start(&first)?;
            // [U] A managed subscription on /data/ChangeEvents is not filtered per user here.
            p.may_subscribe(&session, &sub.topic)?;
            let (req_tx, req_rx) = mpsc::channel(16);
            tokio::spawn(async move {
                while let Some(next) = incoming.next().await {
                    if req_tx.send(next).await.is_err() {
                        return;
                    }
                }
            });
            let (tx, rx) = mpsc::channel(4);
            tokio::spawn(p.run_managed(sub, first, position, req_rx, tx));
            Ok(tonic::Response::new(
                Box::pin(ReceiverStream::new(rx)) as Self::ResponseStream
            ))
        })
    }
}

impl tower::Service<Request<Body>> for PubSubService {
    type Response = Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let p = self.pubsub.clone();
        let method = req
            .uri()
            .path()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        Box::pin(async move {
            let resp = match method.as_str() {
                "GetTopic" => Grpc::new(ProstCodec::default()).unary(GetTopic(p), req).await,
                "GetSchema" => Grpc::new(ProstCodec::default()).unary(GetSchema(p), req).await,
                "Publish" => Grpc::new(ProstCodec::default()).unary(Publish(p), req).await,
                "PublishStream" => {
                    Grpc::new(ProstCodec::default())
                        .streaming(PublishStream(p), req)
                        .await
                }
                "Subscribe" => {
                    Grpc::new(ProstCodec::default())
                        .streaming(Subscribe(p), req)
                        .await
                }
                "ManagedSubscribe" => {
                    Grpc::new(ProstCodec::default())
                        .streaming(ManagedSubscribe(p), req)
                        .await
                }
                other => Status::unimplemented(format!(
                    "sflab's Pub/Sub API does not implement {other}; it serves Subscribe, ManagedSubscribe, GetTopic, GetSchema, Publish and PublishStream."
                ))
                .into_http(),
            };
            Ok(resp)
        })
    }
}
