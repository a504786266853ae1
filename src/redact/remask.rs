//! Masking again what was recorded before a secret was learnt. A secret may travel before the
//! request that teaches it to the redactor: a PKCE `code_verifier` sent in the authorize URL
//! under another name (`verifier=…`) is learnt only from the token request that follows. The
//! record of a run is masked again with every secret learnt since, before it is stored, judged
//! or shown whole, so nothing stays in clear because it came first.
//!
//! A value redacted by its key under a quiet kind (`state`, which is no secret) but equal to a
//! secret learnt elsewhere is a secret all the same: sent as `state=` to carry a verifier
//! through the redirect, it leaked. Its marker's fingerprint is the secret's (a marker hashes
//! the value alone), so the marker is renamed to the secret's kind. One that holds a learnt
//! secret among other text (`<csrf>.<verifier>`) or encoded (the base64 of `{"verifier": …}`,
//! the hex of the verifier) carries it through the redirect just as well: its marker is
//! replaced by the secret's.
//!
//! Implementation notes: the quiet values redacted so far are kept by fingerprint, in memory
//! only (at most [`MAX_QUIET`], the first ones: a run's `state`s and client ids), since the
//! marker alone cannot say what its value held.

use super::{decoded, is_leak_kind, is_quiet_key, Redactor};
use crate::redact::find_markers;

/// How many quiet values a redactor keeps to look into again.
const MAX_QUIET: usize = 256;

impl Redactor {
    /// `text`, redacted once already, with every secret learnt since masked too and each quiet
    /// marker that stands for a learnt secret named as that secret ([`Self::requalified`]).
    pub fn remask(&self, text: &str) -> String {
        self.requalified(&self.text(text))
    }

    /// `text` with each marker of a quiet kind (`‹redacted:state#…›`) whose value is a learnt
    /// secret renamed to that secret's kind (`‹redacted:code_verifier#…›`), and each whose
    /// value holds a learnt secret inside it replaced by that secret's marker.
    pub fn requalified(&self, text: &str) -> String {
        let markers = find_markers(text);
        if !markers.iter().any(|m| is_quiet_key(&m.kind)) {
            return text.to_string();
        }
        let secrets: Vec<(String, String)> = self
            .learned
            .lock()
            .values
            .iter()
            .filter(|(kind, _)| is_leak_kind(kind))
            .map(|(kind, value)| (self.fingerprint(value), kind.clone()))
            .collect();
        let mut out = text.to_string();
        for m in markers.iter().rev().filter(|m| is_quiet_key(&m.kind)) {
            let now = match secrets.iter().find(|(hash, _)| *hash == m.hash) {
                Some((_, kind)) => format!("‹redacted:{kind}#{}›", m.hash),
                None => match self.secret_inside_quiet(&m.hash) {
                    Some(marker) => marker,
                    None => continue,
                },
            };
            let old = format!("‹redacted:{}#{}›", m.kind, m.hash);
            if out[m.offset..].starts_with(&old) {
                out.replace_range(m.offset..m.offset + old.len(), &now);
            }
        }
        out
    }

    /// Keeps a value redacted under a quiet key, to look into again once more secrets are
    /// learnt ([`Self::requalified`]).
    pub(super) fn hold_quiet(&self, value: &str) {
        let hash = self.fingerprint(value);
        let mut learned = self.learned.lock();
        if learned.quiet.len() < MAX_QUIET && !learned.quiet.iter().any(|(h, _)| *h == hash) {
            learned.quiet.push((hash, value.to_string()));
        }
    }

    /// The marker of the learnt secret that the quiet value with fingerprint `hash` holds
    /// among other text, or in an encoded stretch (base64 either alphabet, hex, `%xx`), if
    /// one does.
    fn secret_inside_quiet(&self, hash: &str) -> Option<String> {
        let learned = self.learned.lock();
        let (_, value) = learned.quiet.iter().find(|(h, _)| h == hash)?;
        let stretches: Vec<String> = decoded::encoded_stretches(value)
            .into_iter()
            .map(|(_, text)| text)
            .collect();
        let (kind, secret) = learned
            .values
            .iter()
            .zip(&learned.encoded)
            .filter(|((kind, _), _)| is_leak_kind(kind))
            .find(|((_, secret), forms)| {
                value.contains(secret.as_str())
                    || forms.iter().any(|f| value.contains(f.as_str()))
                    || stretches.iter().any(|d| d.contains(secret.as_str()))
            })
            .map(|(found, _)| found)?;
        Some(self.marker(kind, secret))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verifier_sent_before_it_was_learnt_is_masked_once_it_is() {
        let r = Redactor::new(b"k");
        let verifier = "2ahwgBogj4q8uqfQR0dtLuuF766ahTasNaH2_IqbQ3LvdnqSjeEobjhLya5BW6yf";
        let url = format!("/services/oauth2/authorize?response_type=code&verifier={verifier}");
        let recorded = r.text(&url);
        assert!(recorded.contains(verifier), "not known yet: {recorded}");
        let state = r.query(&format!("response_type=code&state={verifier}"));
        assert!(state.contains("‹redacted:state#"), "{state}");
        // The token request teaches it.
        r.query(&format!(
            "grant_type=authorization_code&code_verifier={verifier}"
        ));
        let marker = r.marker("code_verifier", verifier);
        assert_eq!(
            r.remask(&recorded),
            format!("/services/oauth2/authorize?response_type=code&verifier={marker}")
        );
        assert_eq!(
            r.remask(&state),
            format!("response_type=code&state={marker}")
        );
        // Masking again changes nothing more.
        assert_eq!(r.remask(&r.remask(&recorded)), r.remask(&recorded));
    }

    #[test]
    fn a_state_holding_a_verifier_among_other_text_or_encoded_is_named_as_it() {
        use base64::Engine;
        let verifier = "2ahwgBogj4q8uqfQR0dtLuuF766ahTasNaH2_IqbQ3LvdnqSjeEobjhLya5BW6yf";
        let json = format!(r#"{{"csrf": "tD2nWq0yQ1sR8uVx", "verifier": "{verifier}"}}"#);
        let states = [
            format!("tD2nWq0yQ1sR8uVx.{verifier}"),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&json),
            base64::engine::general_purpose::STANDARD.encode(&json),
            hex::encode(verifier),
        ];
        for state in states {
            let r = Redactor::new(b"k");
            let encoded: String = form_urlencoded::byte_serialize(state.as_bytes()).collect();
            let recorded = r.query(&format!("response_type=code&state={encoded}"));
            assert!(recorded.contains("‹redacted:state#"), "{recorded}");
            r.query(&format!(
                "grant_type=authorization_code&code_verifier={verifier}"
            ));
            let marker = r.marker("code_verifier", verifier);
            assert_eq!(
                r.remask(&recorded),
                format!("response_type=code&state={marker}"),
                "{state}"
            );
            // Recorded once the verifier is known, it is named at once.
            let later = r.query(&format!("response_type=code&state={encoded}"));
            assert_eq!(
                r.requalified(&later),
                format!("response_type=code&state={marker}")
            );
        }
    }

    #[test]
    fn a_state_that_is_no_secret_stays_quiet() {
        let r = Redactor::new(b"k");
        r.add_secret("access_token", "00D5g000004ABCD!AQ0secretsecretsecret");
        let state = r.query("state=af0ifjsldkj1234567");
        assert_eq!(r.remask(&state), state);
        // Nor does a state that only shares some characters with a secret.
        let state = r.query("state=AQ0secretsecret.af0ifjsldkj1234567");
        assert_eq!(r.remask(&state), state);
    }
}
