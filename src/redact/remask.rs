//! Masking again what was recorded before a secret was learnt. A secret may travel before the
//! request that teaches it to the redactor: a PKCE `code_verifier` sent in the authorize URL
//! under another name (`verifier=…`) is learnt only from the token request that follows. The
//! record of a run is masked again with every secret learnt since, before it is stored, judged
//! or shown whole, so nothing stays in clear because it came first.
//!
//! A value redacted by its key under a quiet kind (`state`, which is no secret) but equal to a
//! secret learnt elsewhere is a secret all the same: sent as `state=` to carry a verifier
//! through the redirect, it leaked. Its marker's fingerprint is the secret's (a marker hashes
//! the value alone), so the marker is renamed to the secret's kind.

use super::{is_leak_kind, is_quiet_key, Redactor};
use crate::redact::find_markers;

impl Redactor {
    /// `text`, redacted once already, with every secret learnt since masked too and each quiet
    /// marker that stands for a learnt secret named as that secret ([`Self::requalified`]).
    pub fn remask(&self, text: &str) -> String {
        self.requalified(&self.text(text))
    }

    /// `text` with each marker of a quiet kind (`‹redacted:state#…›`) whose value is a learnt
    /// secret renamed to that secret's kind (`‹redacted:code_verifier#…›`).
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
            let Some((_, kind)) = secrets.iter().find(|(hash, _)| *hash == m.hash) else {
                continue;
            };
            let old = format!("‹redacted:{}#{}›", m.kind, m.hash);
            if out[m.offset..].starts_with(&old) {
                out.replace_range(
                    m.offset..m.offset + old.len(),
                    &format!("‹redacted:{kind}#{}›", m.hash),
                );
            }
        }
        out
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
    fn a_state_that_is_no_secret_stays_quiet() {
        let r = Redactor::new(b"k");
        r.add_secret("access_token", "00D5g000004ABCD!AQ0secretsecretsecret");
        let state = r.query("state=af0ifjsldkj1234567");
        assert_eq!(r.remask(&state), state);
    }
}
