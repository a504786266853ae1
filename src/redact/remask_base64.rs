//! Masking again the recorded bodies that are base64: a text body that is the base64 of a
//! document (a JSON or form body a client encoded before sending it) and the base64 copy a
//! record keeps of a body that is not UTF-8. A secret learnt after such a body was recorded is
//! found in what the base64 decodes to and masked there, and the body is encoded again, so it
//! stays valid base64 of the same document with the secret's marker in the secret's place.
//!
//! Implementation notes: a text body counts as base64 only when all of it (but the spaces
//! around it) is one run of one alphabet that encoding its decoded bytes again gives back
//! exactly, and those bytes are text; anything else is masked again as text
//! ([`Redactor::remask`]). In a copy of bytes that are not UTF-8, each stretch that is UTF-8
//! is masked again and the bytes between them are kept as they were.

use super::Redactor;
use crate::evidence::Body;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;

/// The shortest text body read as base64: 12 bytes encoded.
const MIN_BASE64_BODY: usize = 16;

impl Redactor {
    /// A recorded body masked again with every secret learnt since ([`Redactor::remask`]),
    /// looking inside its base64: a text body that is base64 is decoded, masked and encoded
    /// again; the base64 copy of a body that is not UTF-8 is masked between its non-UTF-8
    /// bytes and encoded again.
    pub fn remask_body(&self, body: &mut Body) {
        body.text = self
            .remask_base64_text(&body.text)
            .unwrap_or_else(|| self.remask(&body.text));
        if let Some(copy) = &body.base64 {
            if let Some(masked) = self.remask_base64_bytes(copy) {
                body.base64 = Some(masked);
            }
        }
    }

    /// `text` encoded again after its decoded text was masked again, when `text` is base64 of
    /// text and masking changed it.
    fn remask_base64_text(&self, text: &str) -> Option<String> {
        let run = text.trim();
        if run.len() < MIN_BASE64_BODY {
            return None;
        }
        let (engine, bytes) = exact_base64(run)?;
        let decoded = String::from_utf8(bytes).ok()?;
        if decoded
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return None;
        }
        let masked = self.remask(&decoded);
        if masked == decoded {
            return None;
        }
        let start = text.len() - text.trim_start().len();
        let end = start + run.len();
        Some(format!(
            "{}{}{}",
            &text[..start],
            engine.encode(masked.as_bytes()),
            &text[end..]
        ))
    }

    /// The standard base64 `copy` of a body's bytes encoded again after each UTF-8 stretch of
    /// them was masked again, when that changed any.
    fn remask_base64_bytes(&self, copy: &str) -> Option<String> {
        let bytes = STANDARD.decode(copy).ok()?;
        let mut out = Vec::with_capacity(bytes.len());
        for chunk in bytes.utf8_chunks() {
            out.extend_from_slice(self.remask(chunk.valid()).as_bytes());
            out.extend_from_slice(chunk.invalid());
        }
        (out != bytes).then(|| STANDARD.encode(&out))
    }
}

/// The engine that wrote `run` and its bytes, when `run` is base64 that this engine writes
/// back character for character (one alphabet, padded as the engine pads).
fn exact_base64(run: &str) -> Option<(base64::engine::GeneralPurpose, Vec<u8>)> {
    let body = run.trim_end_matches('=');
    let url_safe = body.contains(['-', '_']);
    if url_safe && body.contains(['+', '/']) {
        return None;
    }
    let padded = body.len() != run.len();
    let engine = match (url_safe, padded) {
        (false, true) => STANDARD,
        (false, false) => STANDARD_NO_PAD,
        (true, true) => URL_SAFE,
        (true, false) => URL_SAFE_NO_PAD,
    };
    let bytes = engine.decode(run).ok()?;
    (engine.encode(&bytes) == run).then_some((engine, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERIFIER: &str = "2ahwgBogj4q8uqfQR0dtLuuF766ahTasNaH2_IqbQ3LvdnqSjeEobjhLya5BW6yf";

    fn learnt() -> Redactor {
        let r = Redactor::new(b"k");
        r.query(&format!(
            "grant_type=authorization_code&code_verifier={VERIFIER}"
        ));
        r
    }

    #[test]
    fn a_base64_text_body_is_masked_inside_and_stays_base64() {
        let r = learnt();
        let marker = r.marker("code_verifier", VERIFIER);
        let form = format!("state=abc&verifier={VERIFIER}");
        for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
            let mut body = Body::text(format!("{}\n", engine.encode(&form)));
            r.remask_body(&mut body);
            let decoded = engine.decode(body.text.trim_end()).expect("still base64");
            assert_eq!(
                String::from_utf8(decoded).unwrap(),
                format!("state=abc&verifier={marker}")
            );
            assert!(body.text.ends_with('\n'));
        }
    }

    #[test]
    fn base64_without_a_learnt_secret_and_text_that_is_no_base64_are_masked_as_text() {
        let r = learnt();
        let plain = STANDARD.encode("a note with nothing to hide in it");
        let mut body = Body::text(plain.clone());
        r.remask_body(&mut body);
        assert_eq!(body.text, plain);
        let mut body = Body::text(format!("note: {VERIFIER}"));
        r.remask_body(&mut body);
        assert_eq!(
            body.text,
            format!("note: {}", r.marker("code_verifier", VERIFIER))
        );
    }
}
