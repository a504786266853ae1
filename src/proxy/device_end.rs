//! Device logins an injected fault ended. RFC 8628 §3.5 makes `access_denied` and
//! `expired_token` final: the device code is done, and every later poll with it gets the same
//! error. A fault that answers a device poll with one of them stands for the org ending that
//! login, but the org behind the proxy never saw it and would go on to hand out a token once
//! the login is approved. So the proxy remembers the device code (as a digest) and answers each
//! later poll with it the same error itself, marked as the fault's doing.
//!
//! A device poll is a form post to `/services/oauth2/token` with `grant_type=device` (or
//! RFC 8628's `urn:ietf:params:oauth:grant-type:device_code`) and the code in `code` (or
//! `device_code`).

use crate::evidence::FaultFired;
use parking_lot::Mutex;
use std::collections::HashMap;

/// The errors that end a device login.
const FINAL: &[&str] = &["access_denied", "expired_token"];

/// What an ended login's later polls are answered with.
#[derive(Debug, Clone)]
pub(crate) struct Ending<A> {
    pub answer: A,
    pub fault: FaultFired,
}

/// The device codes faults ended in one proxy, by digest.
#[derive(Debug)]
pub(crate) struct EndedDeviceLogins<A> {
    ended: Mutex<HashMap<String, Ending<A>>>,
}

impl<A> Default for EndedDeviceLogins<A> {
    fn default() -> Self {
        EndedDeviceLogins {
            ended: Mutex::new(HashMap::new()),
        }
    }
}

/// The device code a request polls with, when it is a device poll.
fn polled_code(path: &str, body: &[u8]) -> Option<String> {
    if path.trim_end_matches('/') != "/services/oauth2/token" {
        return None;
    }
    let mut grant = None;
    let mut code = None;
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "grant_type" => grant = Some(v.into_owned()),
            "code" | "device_code" if code.is_none() => code = Some(v.into_owned()),
            _ => {}
        }
    }
    let device = matches!(
        grant.as_deref(),
        Some("device" | "urn:ietf:params:oauth:grant-type:device_code")
    );
    code.filter(|c| device && !c.is_empty())
}

/// The final error a response body names, if it names one.
fn final_error(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let error = value.get("error")?.as_str()?;
    FINAL.contains(&error).then(|| error.to_string())
}

fn digest(code: &str) -> String {
    crate::fsutil::digest(code.as_bytes())
}

impl<A: Clone> EndedDeviceLogins<A> {
    /// Notes that a fault (`fault`, recorded as exchange `seq`) answered the request
    /// (`path`, `body`) with `answer`, whose body is `answer_body`: when that is a final error
    /// to a device poll, the poll's code is ended.
    pub(crate) fn note_fault(
        &self,
        path: &str,
        body: &[u8],
        answer: &A,
        answer_body: &[u8],
        fault: &FaultFired,
        seq: u64,
    ) {
        let (Some(code), Some(error)) = (polled_code(path, body), final_error(answer_body)) else {
            return;
        };
        let fault = FaultFired {
            index: fault.index,
            kind: fault.kind.clone(),
            action: format!(
                "answered {error} again: the device login ended with {error} at #{seq} (an injected fault), and a device code stays ended (RFC 8628 §3.5)"
            ),
        };
        self.ended.lock().entry(digest(&code)).or_insert(Ending {
            answer: answer.clone(),
            fault,
        });
    }

    /// How to answer the request (`path`, `body`) when it polls with a device code a fault
    /// ended.
    pub(crate) fn answer_for(&self, path: &str, body: &[u8]) -> Option<Ending<A>> {
        let code = polled_code(path, body)?;
        self.ended.lock().get(&digest(&code)).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "/services/oauth2/token";

    fn fault() -> FaultFired {
        FaultFired {
            index: 0,
            kind: "custom".into(),
            action: "answered 400".into(),
        }
    }

    #[test]
    fn a_device_code_a_fault_denied_is_answered_the_same_on_every_later_poll() {
        let ended = EndedDeviceLogins::<&str>::default();
        let poll = b"grant_type=device&client_id=c&code=DC1";
        let denied =
            br#"{"error":"access_denied","error_description":"end-user denied authorization"}"#;
        ended.note_fault(TOKEN, poll, &"denied", denied, &fault(), 7);
        let again = ended.answer_for(TOKEN, poll).expect("still ended");
        assert_eq!(again.answer, "denied");
        assert!(again.fault.action.contains("#7"), "{}", again.fault.action);
        assert!(
            ended
                .answer_for(TOKEN, b"grant_type=device&client_id=c&code=DC2")
                .is_none(),
            "another login goes on"
        );
        let rfc = b"grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=DC1";
        assert!(ended.answer_for(TOKEN, rfc).is_some());
    }

    #[test]
    fn only_a_final_error_to_a_device_poll_ends_the_login() {
        let ended = EndedDeviceLogins::<()>::default();
        let poll = b"grant_type=device&code=DC1";
        let slow = br#"{"error":"slow_down"}"#;
        ended.note_fault(TOKEN, poll, &(), slow, &fault(), 1);
        assert!(
            ended.answer_for(TOKEN, poll).is_none(),
            "slow_down is not final"
        );
        let refresh = b"grant_type=refresh_token&code=DC1";
        let expired = br#"{"error":"expired_token"}"#;
        ended.note_fault(TOKEN, refresh, &(), expired, &fault(), 2);
        assert!(ended.answer_for(TOKEN, poll).is_none(), "not a device poll");
        ended.note_fault(TOKEN, poll, &(), expired, &fault(), 3);
        assert!(ended.answer_for(TOKEN, poll).is_some());
    }
}
