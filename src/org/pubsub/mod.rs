//! The Pub/Sub API (gRPC, package `eventbus.v1`) of the mock org: GetTopic, GetSchema,
//! Subscribe with flow control and keepalives, Publish, PublishStream and ManagedSubscribe
//! (`managed`: named subscriptions whose committed replay id the org keeps), with Avro payloads
//! and schema ids, authenticated by the `accesstoken`/`instanceurl`/`tenantid` metadata.
//!
//! `proto` holds the messages (hand-written prost types matching `src/org/pubsub/pubsub_api.proto`),
//! `service` what each call does on the org's event bus, `server` the gRPC routing. Serve it
//! with [`serve`] on its own listener (TLS with the workspace CA; HTTP/2 is negotiated by ALPN).

pub mod managed;
pub mod proto;
pub mod server;
pub mod service;

pub use server::router;

#[cfg(test)]
mod tests;
pub use service::PubSub;

use crate::org::tls::TlsConfig;
use crate::org::Org;
use std::future::Future;
use tokio::net::TcpListener;

/// Serves the org's Pub/Sub API on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    org: Org,
    tls: Option<TlsConfig>,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    crate::org::serve::serve_router(listener, router(PubSub::new(org)), tls, shutdown).await
}
