//! A fault that strikes the org's answer (`at: answer`, the default for `latency`): the
//! request goes on to the org at once, and the org's answer is held back for the delay, or the
//! connection is cut instead of delivering it (`drop` with `at: answer`).
//!
//! The call to the org runs as a task of its own, so it completes even when the learner's
//! client hangs up meanwhile (hyper drops the request's handler then): the org does the work,
//! as a real org does for a request whose client gave up, and a retry of a plain create makes
//! a second record. The task records the exchange: as answered, or — when the client had hung
//! up or the connection was cut — with no response (the client got none, and the rules judge
//! it so) and an error that says why and quotes the org's answer for the transcript.

use super::fault::{FaultAction, FaultAt};
use super::forward::{finish, Answer, DropConnection, OrgCall, Shared};
use super::recorder::{RawExchange, RawResponse};
use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// What a fault does to the org's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Hold {
    /// How long the answer is held back.
    delay: Option<Duration>,
    /// The connection is cut instead of delivering the answer.
    cut: bool,
}

impl Hold {
    /// The hold of a fault that strikes the org's answer; `None` for any other fault.
    pub(super) fn of(action: &FaultAction) -> Option<Hold> {
        let strikes = action.delay.is_some() || action.drop_connection;
        (action.at == FaultAt::Answer && action.respond.is_none() && strikes).then_some(Hold {
            delay: action.delay,
            cut: action.drop_connection,
        })
    }
}

/// Sends `call` to the org, holds its answer back as `hold` says, then answers the client —
/// or closes the connection, when the fault cuts it or the client is gone.
pub(super) async fn answer_late(
    shared: Arc<Shared>,
    mut raw: RawExchange,
    call: OrgCall,
    hold: Hold,
) -> Result<Response<Full<Bytes>>, DropConnection> {
    let (mut client, answered) = oneshot::channel();
    tokio::spawn(async move {
        let answer = call.answer(&shared, &mut raw).await;
        if let Some(delay) = hold.delay {
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = client.closed() => {}
            }
        }
        let why = if hold.cut {
            Some("the proxy closed the connection instead of delivering the org's answer (injected fault)")
        } else if client.is_closed() {
            Some("the client closed the connection while the org's answer was held back (injected delay), so it never got the answer: it timed out, or it was stopped")
        } else {
            None
        };
        match why {
            Some(why) => record_undelivered(&shared, raw, answer, why),
            None => {
                let _ = client.send(finish(&shared, raw, answer));
            }
        }
    });
    answered.await.map_err(|_| DropConnection)
}

/// Records an exchange whose answer never reached the client, saying `why`.
fn record_undelivered(shared: &Shared, mut raw: RawExchange, answer: Answer, why: &str) {
    raw.error = Some(match raw.error.take() {
        // The org was not reached: the answer is the proxy's own 502 or 504.
        Some(unreached) => format!("{unreached}; {why}"),
        None => format!("{why}. The org had the request, so what it did stands"),
    });
    let (status, headers, body) = answer;
    raw.undelivered = Some(RawResponse {
        status,
        headers,
        body,
    });
    shared.recorder().record(raw);
}
