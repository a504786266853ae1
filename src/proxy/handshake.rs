//! The TLS handshakes the proxy served, and what a failed one tells the learner: that their
//! client may not trust the sflab CA, or that it spoke plain HTTP to the HTTPS address.
//!
//! The proxy keeps, per learner run, how many handshakes completed and how each failed one
//! ended ([`HandshakeLog`]); [`handshake_note`] decides, for one failure, which note it earns,
//! if any. The runner asks once the runs are over, when it knows when each run was
//! stopped.
//!
//! Implementation notes:
//! - Plain HTTP sent to the HTTPS address (`http://` typed for `https://`) is recognised
//!   before any handshake, answered 400 `HTTPS_REQUIRED` in words, and named for what it is.
//! - A client that refuses the proxy's certificate says so with a certificate alert
//!   (`unknown_ca`, `bad_certificate`, …): curl, Python and Node (OpenSSL) and rustls clients
//!   all send one. That is always advice-worthy.
//! - A handshake that just stops (EOF, a reset) says nothing by itself: the client may have
//!   been killed mid-handshake, as sflab does to a run's whole process group at the time limit
//!   or once its program exits. It earns the advice only when it ended before the run was
//!   stopped and no handshake of that run completed (a client that completed handshakes
//!   trusts the CA).

use chrono::{DateTime, Utc};
use rustls::AlertDescription;
use std::collections::BTreeMap;

/// How a failed handshake ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeEnding {
    /// The client sent an alert refusing the proxy's certificate (the alert's name).
    RefusedCertificate(String),
    /// It ended otherwise (EOF, a reset, another alert); the error as the TLS library said it.
    Other(String),
    /// The client sent plain HTTP (`http://` for `https://`); it was answered 400
    /// HTTPS_REQUIRED in words.
    PlainHttp,
}

impl HandshakeEnding {
    /// How the TLS library's error for a failed handshake reads as an ending.
    pub fn of(error: &std::io::Error) -> HandshakeEnding {
        let alert = error
            .get_ref()
            .and_then(|e| e.downcast_ref::<rustls::Error>())
            .and_then(|e| match e {
                rustls::Error::AlertReceived(alert) => Some(*alert),
                _ => None,
            });
        match alert {
            Some(alert) if refuses_certificate(alert) => {
                HandshakeEnding::RefusedCertificate(format!("{alert:?}"))
            }
            _ => HandshakeEnding::Other(error.to_string()),
        }
    }
}

fn refuses_certificate(alert: AlertDescription) -> bool {
    matches!(
        alert,
        AlertDescription::UnknownCA
            | AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateUnknown
    )
}

/// One handshake that did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeFailure {
    /// The learner run the connection was opened in.
    pub run_index: usize,
    /// When the proxy saw it end.
    pub at: DateTime<Utc>,
    pub ending: HandshakeEnding,
}

/// Handshakes kept per proxy: the failures (at most [`HandshakeLog::KEPT`]) and how many
/// completed in each run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandshakeLog {
    pub failures: Vec<HandshakeFailure>,
    pub completed: BTreeMap<usize, u64>,
}

impl HandshakeLog {
    /// Failures kept; a client retrying in a loop must not grow the record without end.
    pub const KEPT: usize = 200;

    pub(crate) fn failed(&mut self, failure: HandshakeFailure) {
        if self.failures.len() < Self::KEPT {
            self.failures.push(failure);
        }
    }

    pub(crate) fn completed(&mut self, run_index: usize) {
        *self.completed.entry(run_index).or_default() += 1;
    }

    /// Handshakes that completed in run `run_index`.
    pub fn completed_in(&self, run_index: usize) -> u64 {
        self.completed.get(&run_index).copied().unwrap_or(0)
    }

    /// The advice each failure earns, with its run (each sentence once per run), given when
    /// each run was stopped (`None`: not known, or not stopped yet).
    pub fn notes(
        &self,
        stopped_at: impl Fn(usize) -> Option<DateTime<Utc>>,
    ) -> Vec<(usize, String)> {
        let mut notes: Vec<(usize, String)> = Vec::new();
        for f in &self.failures {
            let advice = handshake_note(f, self.completed_in(f.run_index), stopped_at(f.run_index));
            if let Some(note) = advice {
                if !notes.iter().any(|(i, n)| *i == f.run_index && *n == note) {
                    notes.push((f.run_index, note));
                }
            }
        }
        notes
    }
}

/// The note a failed handshake earns, if any: plain HTTP sent to the HTTPS address is named
/// as such; the CA advice when the client refused the certificate, or when the handshake just stopped before its run was stopped (`stopped_at`)
/// and none of the run's handshakes completed (`completed_in_run`). See the module notes.
pub fn handshake_note(
    failure: &HandshakeFailure,
    completed_in_run: u64,
    stopped_at: Option<DateTime<Utc>>,
) -> Option<String> {
    let reason = match &failure.ending {
        HandshakeEnding::PlainHttp => {
            return Some(
                "A client sent plain HTTP (an http:// URL) to the org's HTTPS address and was \
                 answered 400 HTTPS_REQUIRED: use SF_INSTANCE_URL as the lab gives it \
                 (https://)."
                    .to_string(),
            )
        }
        HandshakeEnding::RefusedCertificate(alert) => {
            format!("the client refused its certificate: {alert}")
        }
        HandshakeEnding::Other(_) if completed_in_run > 0 => return None,
        HandshakeEnding::Other(_) if stopped_at.is_some_and(|stop| failure.at >= stop) => {
            return None
        }
        HandshakeEnding::Other(error) => error.clone(),
    };
    Some(format!(
        "A client's HTTPS connection failed before its request ({reason}); it may not trust \
         the sflab CA: set the CA variables from the lab's environment (curl: CURL_CA_BUNDLE, \
         Python: REQUESTS_CA_BUNDLE / SSL_CERT_FILE, Node: NODE_EXTRA_CA_CERTS)."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn eof(run_index: usize, at: DateTime<Utc>) -> HandshakeFailure {
        HandshakeFailure {
            run_index,
            at,
            ending: HandshakeEnding::Other("tls handshake eof".into()),
        }
    }

    #[test]
    fn a_handshake_cut_when_the_run_was_stopped_gets_no_ca_advice() {
        let stop = Utc::now();
        let cut = eof(0, stop + Duration::milliseconds(3));
        assert_eq!(handshake_note(&cut, 0, Some(stop)), None);
    }

    #[test]
    fn an_eof_in_a_run_whose_handshakes_completed_gets_no_ca_advice() {
        let stop = Utc::now();
        let early = eof(0, stop - Duration::seconds(5));
        assert_eq!(handshake_note(&early, 985, Some(stop)), None);
        assert_eq!(handshake_note(&early, 985, None), None);
    }

    #[test]
    fn an_eof_before_the_stop_in_a_run_with_no_completed_handshake_gets_the_advice() {
        let stop = Utc::now();
        let early = eof(0, stop - Duration::seconds(5));
        let note = handshake_note(&early, 0, Some(stop)).expect("advice");
        assert!(note.contains("(tls handshake eof)"), "{note}");
        assert!(note.contains("may not trust the sflab CA"), "{note}");
        assert!(handshake_note(&early, 0, None).is_some());
    }

    #[test]
    fn plain_http_is_named_as_such_whatever_else_happened() {
        let stop = Utc::now();
        let plain = HandshakeFailure {
            run_index: 0,
            at: stop + Duration::milliseconds(1),
            ending: HandshakeEnding::PlainHttp,
        };
        let note = handshake_note(&plain, 3, Some(stop)).expect("a note");
        assert!(note.contains("plain HTTP"), "{note}");
        assert!(!note.contains("CA"), "{note}");
    }

    #[test]
    fn a_client_refusing_the_certificate_gets_the_advice_whatever_else_happened() {
        let stop = Utc::now();
        let refused = HandshakeFailure {
            run_index: 0,
            at: stop + Duration::milliseconds(1),
            ending: HandshakeEnding::RefusedCertificate("UnknownCA".into()),
        };
        let note = handshake_note(&refused, 12, Some(stop)).expect("advice");
        assert!(
            note.contains("refused its certificate: UnknownCA"),
            "{note}"
        );
    }

    #[test]
    fn an_unknown_ca_alert_reads_as_a_refused_certificate_and_eof_as_other() {
        let alert = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::AlertReceived(AlertDescription::UnknownCA),
        );
        assert_eq!(
            HandshakeEnding::of(&alert),
            HandshakeEnding::RefusedCertificate("UnknownCA".into())
        );
        let eof = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "tls handshake eof");
        assert_eq!(
            HandshakeEnding::of(&eof),
            HandshakeEnding::Other("tls handshake eof".into())
        );
    }

    #[test]
    fn notes_name_each_run_once_and_judge_each_run_by_its_own_handshakes() {
        let stop = Utc::now();
        let mut log = HandshakeLog::default();
        log.completed(0);
        log.failed(eof(0, stop - Duration::seconds(1)));
        log.failed(eof(1, stop - Duration::seconds(2)));
        log.failed(eof(1, stop - Duration::seconds(1)));
        let notes = log.notes(|_| Some(stop));
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(notes[0].0, 1);
    }
}
