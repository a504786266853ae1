//! `ManagedSubscribe`: a subscription named in the seed whose position the org keeps. The
//! client requests events as with `Subscribe` and commits replay ids on the same stream; a
//! new stream starts after the last committed id (or at the subscription's default start).

use super::proto::{self, replay_id_bytes, replay_id_of};
use super::service::{replay_status, requested, status_with_code, PubSub, MAX_BATCH};
use crate::org::events::managed::ManagedSubscription;
use crate::org::events::{ReplayFrom, Transport};
use tokio::sync::mpsc;
use tonic::{Code, Status};

/// A ManagedSubscribe naming no subscription of the org (NOT_FOUND). Not in the reference:
/// sflab's name, beside the `topic.not.found` and `schema.not.found` of the other calls.
pub const MANAGED_NOT_FOUND: &str = "sfdc.platform.eventbus.grpc.subscription.managed.not.found";

impl PubSub {
    /// The managed subscription the first request names, and where it starts.
    pub fn managed_start(
        &self,
        first: &proto::ManagedFetchRequest,
    ) -> Result<(ManagedSubscription, ReplayFrom), Status> {
        let events = &self.org.events;
        let sub = events
            .managed
            .find(&first.subscription_id, &first.developer_name)
            .ok_or_else(|| {
                status_with_code(
                    Code::NotFound,
                    format!(
                        "There is no managed subscription '{}{}' in this org; declare it under events.managed_subscriptions in the org seed.",
                        first.subscription_id, first.developer_name
                    ),
                    MANAGED_NOT_FOUND,
                )
            })?;
        let from = match sub.committed {
            Some(id) => ReplayFrom::After(id),
            None => sub.start.position(events.bus.newest_replay_id()),
        };
        events
            .bus
            .read(&sub.topic, from, 0, self.org.clock.now())
            .map_err(|e| replay_status(&e))?;
        Ok((sub, from))
    }

    /// Runs one managed subscription stream until the client goes away.
    pub async fn run_managed(
        self,
        sub: ManagedSubscription,
        first: proto::ManagedFetchRequest,
        mut position: ReplayFrom,
        mut requests: mpsc::Receiver<Result<proto::ManagedFetchRequest, Status>>,
        out: mpsc::Sender<Result<proto::ManagedFetchResponse, Status>>,
    ) {
        let events = self.org.events.clone();
        // One id per stream, as for `Subscribe`: a stream of a stopped program ends with it,
        // and the next program's stream is another subscriber.
        let subscriber = format!("managed-{}-{}", sub.developer_name, uuid::Uuid::new_v4());
        events.log.record_subscription(
            &subscriber,
            &sub.topic,
            position,
            Transport::PubSub,
            self.org.clock.now(),
        );
        let mut pending = requested(0, first.num_requested);
        let mut watch = events.bus.watch();
        let mut next = Some(first);
        // Keepalives as `Subscribe` sends them: `keepalive` after the last response.
        let mut quiet_since = tokio::time::Instant::now();
        let mut last_sent = match position {
            ReplayFrom::After(id) => id,
            _ => 0,
        };
        loop {
            if let Some(req) = next.take() {
                if let Some(commit) = req.commit_replay_id_request {
                    let resp = self.commit(&sub, commit);
                    if out.send(Ok(resp)).await.is_err() {
                        return;
                    }
                    quiet_since = tokio::time::Instant::now();
                }
            }
            if events.log.has_ended(&subscriber) {
                return;
            }
            if pending > 0 {
                let now = self.org.clock.now();
                match events
                    .bus
                    .read(&sub.topic, position, pending.min(MAX_BATCH), now)
                {
                    Ok(batch) if !batch.is_empty() => {
                        pending -= batch.len();
                        let last = batch.iter().map(|e| e.replay_id).max().unwrap_or(0);
                        events.log.record_deliveries(
                            &subscriber,
                            &sub.topic,
                            batch.iter().map(|e| e.replay_id),
                            Transport::PubSub,
                            now,
                        );
                        position = ReplayFrom::After(last);
                        last_sent = last;
                        let resp = proto::ManagedFetchResponse {
                            events: self.consumer_events(&batch),
                            latest_replay_id: replay_id_bytes(last),
                            rpc_id: uuid::Uuid::new_v4().to_string(),
                            pending_num_requested: pending as i32,
                            commit_response: None,
                        };
                        if out.send(Ok(resp)).await.is_err() {
                            return;
                        }
                        quiet_since = tokio::time::Instant::now();
                        continue;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let _ = out.send(Err(replay_status(&e))).await;
                        return;
                    }
                }
            }
            tokio::select! {
                changed = watch.changed() => if changed.is_err() { return },
                req = requests.recv() => match req {
                    Some(Ok(r)) => {
                        pending = requested(pending, r.num_requested);
                        next = Some(r);
                    }
                    _ => return,
                },
                _ = tokio::time::sleep_until(quiet_since + self.keepalive) => {
                    let latest = last_sent.max(events.bus.channel_newest(&sub.topic));
                    let keepalive = proto::ManagedFetchResponse {
                        events: Vec::new(),
                        latest_replay_id: replay_id_bytes(latest),
                        rpc_id: uuid::Uuid::new_v4().to_string(),
                        pending_num_requested: pending as i32,
                        commit_response: None,
                    };
                    if out.send(Ok(keepalive)).await.is_err() { return; }
                    quiet_since = tokio::time::Instant::now();
                }
                _ = out.closed() => return,
            }
        }
    }

    fn commit(
        &self,
        sub: &ManagedSubscription,
        req: proto::CommitReplayRequest,
    ) -> proto::ManagedFetchResponse {
        let started = std::time::Instant::now();
        let error = match replay_id_of(&req.replay_id) {
            Some(id) if id <= self.org.events.bus.newest_replay_id() => {
                self.org.events.managed.commit(&sub.id, id);
                None
            }
            _ => Some(proto::Error {
                code: proto::ErrorCode::Commit as i32,
                msg: "The replay id to commit is not one this org issued; commit the replay id of a received event.".into(),
            }),
        };
        proto::ManagedFetchResponse {
            events: Vec::new(),
            latest_replay_id: Vec::new(),
            rpc_id: uuid::Uuid::new_v4().to_string(),
            pending_num_requested: 0,
            commit_response: Some(proto::CommitReplayResponse {
                commit_request_id: req.commit_request_id,
                replay_id: req.replay_id,
                error,
                process_time: started.elapsed().as_millis() as i64,
            }),
        }
    }
}
