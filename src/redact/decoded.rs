//! Secrets inside encoded text: a file that keeps a token base64-encoded (`{"refresh_token":
//! …}` through `base64`), in hex or percent-escaped still holds the token, whether or not the
//! redactor has seen that token before (a report's copy is made long after the run that
//! issued it).
//!
//! Each stretch of `text` that may be an encoding — a run of base64 characters (either
//! alphabet, padded or not), the same wrapped over lines as `base64` and `openssl base64`
//! write it, a run of hex digits, a run of URL characters holding `%xx` escapes — is decoded;
//! when what it decodes to is text (UTF-8 without control characters other than tabs and line
//! ends), the caller's `inspect` says which secrets that text holds (by key, by shape, or a
//! learnt value), and the stretch is replaced whole by their markers. A stretch decoding to
//! anything else (random letters, a hash, binary) is left as it is.
//!
//! Implementation notes: a run that is one dot-separated part of a longer word (a JWT's header
//! or payload, whose claims stay readable on purpose) is not decoded on its own. `=` ends a
//! run except as its padding, so `KEY=<base64>` decodes the value. JSON `\u00xx` escapes are
//! not decoded here: a JSON file is redacted by key after its parse, which reads them.

use std::ops::Range;

/// The shortest stretch decoded: 12 bytes of base64, the least that holds an 8-character
/// secret ([`super::MIN_LEARNED_LEN`]) with the key or quotes around it.
const MIN_RUN: usize = 16;

/// Characters of a base64 run other than its padding (both alphabets).
fn is_body_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_')
}

/// Characters of a URL-encoded value (`=` and `&` end it, so a key stays readable).
fn is_url_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'%' | b'.' | b'_' | b'~' | b'+' | b'-')
}

/// Bytes that are text a program wrote: UTF-8 without control characters but tab, CR and LF.
fn as_text(bytes: Vec<u8>) -> Option<String> {
    let text = String::from_utf8(bytes).ok()?;
    let clean = !text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'));
    (clean && !text.trim().is_empty()).then_some(text)
}

/// `run` decoded as base64 (the alphabet its characters say, padding optional), as hex when
/// it is all hex digits of even length.
fn decode_run(run: &str) -> Option<String> {
    use base64::alphabet::{STANDARD, URL_SAFE};
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use base64::Engine;
    const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    if run.len().is_multiple_of(2) && run.bytes().all(|b| b.is_ascii_hexdigit()) {
        if let Some(text) = hex::decode(run).ok().and_then(as_text) {
            return Some(text);
        }
    }
    let body = run.trim_end_matches('=');
    let standard = body.contains(['+', '/']);
    let url_safe = body.contains(['-', '_']);
    if (standard && url_safe) || body.len() % 4 == 1 {
        return None;
    }
    let engine = if url_safe {
        GeneralPurpose::new(&URL_SAFE, LENIENT)
    } else {
        GeneralPurpose::new(&STANDARD, LENIENT)
    };
    engine.decode(body).ok().and_then(as_text)
}

/// `run` with its `%xx` escapes decoded and `+` read as a space, if it holds an escape.
fn decode_percent(run: &str) -> Option<String> {
    let bytes = run.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut escapes = 0;
    let mut i = 0;
    while i < bytes.len() {
        let pair = bytes
            .get(i + 1..i + 3)
            .and_then(|p| std::str::from_utf8(p).ok());
        match (bytes[i], pair.and_then(|p| u8::from_str_radix(p, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                escapes += 1;
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    (escapes > 0).then_some(out).and_then(as_text)
}

/// Maximal runs of bytes for which `part` holds, at least [`MIN_RUN`] long, with up to two
/// `=` of padding after each when `padded`.
fn runs(text: &str, part: fn(u8) -> bool, padded: bool) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !part(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && part(bytes[i]) {
            i += 1;
        }
        let mut end = i;
        while padded && end < bytes.len() && end - i < 2 && bytes[end] == b'=' {
            end += 1;
        }
        if end - start >= MIN_RUN {
            found.push(start..end);
        }
        i = end.max(i);
    }
    found
}

/// Whether the run at `range` is one dot-separated part of a longer word (`a.b.c`).
fn dotted_part(text: &str, range: &Range<usize>) -> bool {
    let bytes = text.as_bytes();
    let before =
        range.start >= 2 && bytes[range.start - 1] == b'.' && is_body_char(bytes[range.start - 2]);
    let after = bytes.get(range.end) == Some(&b'.')
        && bytes.get(range.end + 1).is_some_and(|&b| is_body_char(b));
    before || after
}

/// Every stretch of `text` that decodes to text, with what it decodes to; wrapped blocks
/// first, then single runs outside them.
pub(super) fn encoded_stretches(text: &str) -> Vec<(Range<usize>, String)> {
    let mut found: Vec<(Range<usize>, String)> = Vec::new();
    for block in super::wrapped_blocks(text) {
        let [(range, joined), (with_tail, whole)] = block;
        // The shorter line after the block ends it only when every line before is as wide
        // as `base64`, `openssl base64` or `xxd -p` wrap (76, 64, 60) — after a short line
        // the encoding has already ended — and the whole is as long as they write it
        // (padded base64, hex of whole bytes).
        let widths: Vec<usize> = text[range.clone()]
            .lines()
            .map(|l| l.trim().len())
            .collect();
        let hex = whole.len().is_multiple_of(2) && whole.bytes().all(|b| b.is_ascii_hexdigit());
        let full = widths
            .iter()
            .all(|w| matches!(w, 60 | 64 | 76) && Some(w) == widths.first())
            && !joined.ends_with('=')
            && (whole.len().is_multiple_of(4) || hex);
        let decoded = full
            .then(|| decode_run(&whole).map(|d| (with_tail, d)))
            .flatten()
            .or_else(|| decode_run(&joined).map(|d| (range, d)));
        found.extend(decoded);
    }
    let overlaps = |found: &[(Range<usize>, String)], r: &Range<usize>| {
        found
            .iter()
            .any(|(f, _)| f.start < r.end && r.start < f.end)
    };
    for range in runs(text, is_body_char, true) {
        if overlaps(&found, &range) || dotted_part(text, &range) {
            continue;
        }
        if let Some(decoded) = decode_run(&text[range.clone()]) {
            found.push((range, decoded));
        }
    }
    for range in runs(text, is_url_char, false) {
        if overlaps(&found, &range) {
            continue;
        }
        if let Some(decoded) = decode_percent(&text[range.clone()]) {
            found.push((range, decoded));
        }
    }
    found.sort_by_key(|(r, _)| r.start);
    found
}

/// `text` with each encoded stretch whose decoded text holds a secret replaced by the
/// markers `inspect` gives for it (see the module header); a wrapped block keeps its last
/// line end.
pub(super) fn mask(text: &str, inspect: impl Fn(&str) -> Vec<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (range, decoded) in encoded_stretches(text) {
        let markers = inspect(&decoded);
        if markers.is_empty() {
            continue;
        }
        out.push_str(&text[copied..range.start]);
        out.push_str(&markers.concat());
        if text[range.clone()].ends_with('\n') {
            out.push('\n');
        }
        copied = range.end;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn secrets(decoded: &str) -> Vec<String> {
        if decoded.contains("5Aep") {
            vec!["‹redacted:refresh_token#1›".to_string()]
        } else {
            Vec::new()
        }
    }

    #[test]
    fn a_base64_run_holding_a_secret_is_replaced_whole() {
        let stored = b64(r#"{"origin":"ab12","refresh_token":"5Aep861abcdefghijklmnopqrstu"}"#);
        let text = format!("state: {stored}\nnext line\n");
        assert_eq!(
            mask(&text, secrets),
            "state: ‹redacted:refresh_token#1›\nnext line\n"
        );
    }

    #[test]
    fn base64url_hex_percent_and_wrapped_forms_are_decoded() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let secret = "refresh_token=5Aep861abcdefghijklmnopqrstu&x=?>>";
        let url = URL_SAFE_NO_PAD.encode(secret);
        assert!(url.contains(['-', '_']), "{url}");
        let hex = hex::encode(secret);
        let percent: String = secret.bytes().map(|b| format!("%{b:02X}")).collect();
        let long = b64(&secret.repeat(3));
        let wrapped: String = long
            .as_bytes()
            .chunks(76)
            .map(|l| format!("{}\n", std::str::from_utf8(l).unwrap()))
            .collect();
        for form in [url, hex.clone(), hex.to_uppercase(), percent, wrapped] {
            let text = format!("kept:\n{form}\nend\n");
            let masked = mask(&text, secrets);
            assert!(masked.contains("‹redacted:refresh_token#1›"), "{form}");
            assert!(
                masked.ends_with("end\n") && masked.starts_with("kept:\n"),
                "{form}: {masked:?}"
            );
            assert!(
                !masked.contains(&form.lines().next().unwrap()[..16]),
                "{masked}"
            );
        }
    }

    #[test]
    fn runs_that_decode_to_no_text_or_no_secret_stay() {
        let text = format!(
            "sha256 {} path /usr/local/bin/python3 {} {}\n",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            b64("nothing secret in here at all"),
            "SELECTIdNameFROMAccountWHERE"
        );
        assert_eq!(mask(&text, secrets), text);
    }

    #[test]
    fn a_jwt_part_is_not_decoded_on_its_own() {
        let header = b64(r#"{"alg":"RS256","kid":"5Aep861abcdefghijklmnopqrstu"}"#);
        let text = format!("{}.{}.c2ln\n", header.trim_end_matches('='), b64("{}"));
        assert_eq!(mask(&text, secrets), text);
    }
}
