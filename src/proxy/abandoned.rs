//! Keeps an exchange in the record when its client hangs up while the org is answering: a
//! client-side timeout (`curl -m 2` on a CometD long poll, a library's own deadline) or a
//! program that was stopped closes the connection, hyper then drops the request's handler
//! mid-way, and the exchange would be missing from the transcript and the HAR — leaving a gap
//! in the numbers the verdicts cite.
//!
//! Implementation notes: the guard is armed just before the request goes to the org and
//! disarmed once the answer is back; dropped while armed, it records the request with no
//! response and an error saying the client left. Whether the org acted on the request is not
//! known then: the call to it is dropped with the handler.

use super::forward::Shared;
use super::recorder::RawExchange;
use std::sync::Arc;

/// Why the record has no response, in the transcript's error column.
const LEFT: &str = "the client closed the connection before the org's answer came: it timed out (its own deadline), or it was stopped";

/// Armed for one request on its way to the org.
pub(super) struct Abandoned {
    shared: Arc<Shared>,
    raw: Option<RawExchange>,
}

impl Abandoned {
    pub(super) fn arm(shared: &Arc<Shared>, raw: &RawExchange) -> Abandoned {
        Abandoned {
            shared: Arc::clone(shared),
            raw: Some(raw.clone()),
        }
    }

    /// The answer came back: the exchange is recorded as answered instead.
    pub(super) fn disarm(mut self) {
        self.raw = None;
    }
}

impl Drop for Abandoned {
    fn drop(&mut self) {
        if let Some(mut raw) = self.raw.take() {
            raw.error = Some(LEFT.into());
            self.shared.recorder().record(raw);
        }
    }
}
