//! Parts of known secrets: a learner who prints "all but the last character" of a client
//! secret, or the part of a session id after its `!`, has leaked it as surely as printing it
//! whole. Any run of [`PART_MIN`] or more characters of a known secret's secret portion is
//! replaced with a `part_of_{kind}` marker (keyed by the whole secret, so rules can tell which
//! one leaked). A secret shorter than `PART_MIN` + 4 characters (a lab's own
//! `ERP_CLIENT_SECRET`, `COURIER_PASSWORD`) leaks in any run of all but four of its
//! characters, and never in fewer than [`SHORT_PART_MIN`]: the lessons allow a token's last
//! four characters, no more. Such a run counts only where it stands as a word of its own
//! (see [`stands_alone`]): a short secret is often made of ordinary words
//! (`Winter-2019!`), and "Winter-2026" or "quarter-2019" share eight characters with it
//! without showing it.
//!
//! Every secret the runner hands a lab's program is looked for in part, the lab's own
//! variables (`lab_secret`) as much as the org's client secret.
//!
//! The secret portion leaves out what is public by design: a JWT's header and payload (only
//! its signature is secret) and a session id's org id (before the `!`), and a PEM private
//! key's first 30% of lines (the encoding's structure and an RSA key's modulus, which its
//! public key and certificate also show; the private exponent and primes follow). Kinds
//! whose values share long public prefixes with harmless text — SAML assertions (base64 of
//! `<?xml …`), Basic credentials (the client id is public) — are matched whole only.
//!
//! Implementation notes: every window of each secret portion, [`PART_MIN`] characters long
//! (fewer for a short secret, see [`window`]), is kept in a hash set when a secret is learned;
//! scanning text is one lookup per byte for each window length in use. A matching window is
//! grown to the right as long as the text still continues a substring of that secret. Twelve
//! characters is three times the "last four characters" the lessons allow, and far past what
//! random text shares with a random secret. A short secret's windows are shorter, at least
//! [`SHORT_PART_MIN`] characters (what the redactor searches for at all): lab secrets are
//! readable words (`erp-demo-secret`), and a window of five would match prose such as
//! `secret` in a learner's own message.

use rustc_hash::FxHashMap as HashMap;

/// The shortest run of a secret treated as a leak of it.
pub(super) const PART_MIN: usize = 12;

/// The shortest run of a short secret treated as a leak of it (see [`window`]): the shortest
/// value the redactor learns at all (`MIN_LEARNED_LEN`).
pub(super) const SHORT_PART_MIN: usize = 8;

/// The characters a secret may show: "the last four characters at most".
const SHOWN_AT_MOST: usize = 4;

/// The length of the runs of a secret portion `len` characters long that leak it: all but
/// [`SHOWN_AT_MOST`] of its characters, between [`SHORT_PART_MIN`] and [`PART_MIN`].
fn window(len: usize) -> usize {
    len.saturating_sub(SHOWN_AT_MOST)
        .clamp(SHORT_PART_MIN, PART_MIN)
}

/// Whether a run `text[start..end]` of a secret portion `len` characters long is a leak of it
/// where it stands. A long secret's run always is. A short secret's run (see [`window`]) is
/// when no letter or digit joins it on either side, so it is not a piece of another word
/// ("Winter-2" of "Winter-2026", "ter-2019" of "quarter-2019"), or when it shows all of the
/// secret but at most one character, joined or not.
fn stands_alone(bytes: &[u8], start: usize, end: usize, len: usize) -> bool {
    if len >= PART_MIN + SHOWN_AT_MOST || end - start + 1 >= len {
        return true;
    }
    let joined = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    let before = start.checked_sub(1).and_then(|k| bytes.get(k));
    !joined(before) && !joined(bytes.get(end))
}

/// Kinds whose values are looked for in part (see the module header for those that are not).
const PART_KINDS: &[&str] = &[
    "access_token",
    "refresh_token",
    "client_secret",
    // A secret of the lab's own `run.env` (`ERP_CLIENT_SECRET`, `COURIER_PASSWORD`).
    "lab_secret",
    "password",
    "code_verifier",
    "device_code",
    "code",
    "token",
    "sid",
    "sessionid",
    "session_id",
    "id_token",
    "private_key",
];

/// Characters a secret's visible run is made of (base64, base64url, hex, session ids).
fn is_secret_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'.' | b'_' | b'-' | b'!')
}

/// The lines of a PEM private key block past its first 30% (see the module header), if
/// `value` is one.
fn private_key_tail(value: &str) -> Option<&str> {
    if !value.starts_with("-----BEGIN") {
        return None;
    }
    let body_start = value.find('\n')? + 1;
    let body_end = value.rfind("-----END")?;
    let body = value.get(body_start..body_end)?;
    let lines = body.lines().count();
    let skip = (lines * 3).div_ceil(10);
    let offset: usize = body.split_inclusive('\n').take(skip).map(str::len).sum();
    body.get(offset..)
}

/// The part of `value` that is secret (see the module header).
fn secret_portion(value: &str) -> &str {
    if let Some(tail) = private_key_tail(value) {
        return tail;
    }
    let parts: Vec<&str> = value.split('.').collect();
    if parts.len() == 3 && parts[0].starts_with("eyJ") && !parts[2].is_empty() {
        return parts[2];
    }
    match value.split_once('!') {
        Some((org, rest)) if org.starts_with("00D") => rest,
        _ => value,
    }
}

fn gram(bytes: &[u8]) -> u128 {
    bytes
        .iter()
        .fold(0u128, |acc, &b| (acc << 8) | u128::from(b))
}

/// The windows of every learned secret's portion, each to the secret it came from.
#[derive(Debug, Default)]
pub(super) struct PartIndex {
    grams: HashMap<u128, usize>,
    /// The window lengths in use, longest first.
    widths: Vec<usize>,
}

impl PartIndex {
    /// The index over `values` (`(kind, value)`, as the redactor learned them).
    pub(super) fn build(values: &[(String, String)]) -> PartIndex {
        let mut grams = HashMap::default();
        let mut widths = Vec::new();
        for (i, (kind, value)) in values.iter().enumerate() {
            if !PART_KINDS.contains(&kind.as_str()) {
                continue;
            }
            let portion = secret_portion(value).as_bytes();
            let width = window(portion.len());
            if portion.len() < width {
                continue;
            }
            if !widths.contains(&width) {
                widths.push(width);
            }
            // Windows of different lengths never share a gram: their bytes are printable
            // ASCII, never zero, so a longer window's gram has a higher top byte.
            for w in portion.windows(width) {
                if w.iter().all(|&b| is_secret_byte(b)) {
                    grams.entry(gram(w)).or_insert(i);
                }
            }
        }
        widths.sort_unstable_by(|a, b| b.cmp(a));
        PartIndex { grams, widths }
    }

    /// The secret (by index) a window starting at `bytes[i]` belongs to, and the window's end.
    fn window_at(&self, bytes: &[u8], i: usize) -> Option<(usize, usize)> {
        self.widths.iter().find_map(|&w| {
            let window = bytes.get(i..i + w)?;
            self.grams.get(&gram(window)).map(|&secret| (secret, i + w))
        })
    }

    /// `text` with every run of a learned secret's portion replaced by the marker `mark`
    /// gives for that secret's index.
    pub(super) fn redact(
        &self,
        text: &str,
        values: &[(String, String)],
        mark: impl Fn(usize) -> String,
    ) -> String {
        let bytes = text.as_bytes();
        let shortest = self.widths.last().copied().unwrap_or(PART_MIN);
        if self.grams.is_empty() || bytes.len() < shortest {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let (mut copied, mut i) = (0, 0);
        while i + shortest <= bytes.len() {
            let Some((secret, mut end)) = self.window_at(bytes, i) else {
                i += 1;
                continue;
            };
            let portion = secret_portion(&values[secret].1);
            while end < bytes.len()
                && is_secret_byte(bytes[end])
                && portion.contains(&text[i..=end])
            {
                end += 1;
            }
            if !stands_alone(bytes, i, end, portion.len()) {
                i += 1;
                continue;
            }
            // The window's bytes are ASCII, so `i` and `end` are character boundaries.
            out.push_str(&text[copied..i]);
            out.push_str(&mark(secret));
            copied = end;
            i = end;
        }
        out.push_str(&text[copied..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn redact(text: &str, values: &[(String, String)]) -> String {
        PartIndex::build(values).redact(text, values, |i| format!("<{}>", values[i].0))
    }

    const SECRET: &str = "E44A8B83FB3DE0B685606E86C2A7A017A4DAD0DDE7436ABA8AB1239FF1F3C80D";

    #[test]
    fn a_private_keys_later_lines_leak_but_its_opening_lines_do_not() {
        // Ten body lines of 64 base64 characters, each different.
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let line = |n: usize| -> String {
            (0..64)
                .map(|i| alphabet[(n * 131 + i * i * 7 + i * 13) % 64] as char)
                .collect()
        };
        let body: Vec<String> = (0..10).map(line).collect();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            body.join("\n")
        );
        let values = learned(&[("private_key", &pem)]);
        let tail = format!("{}\n{}\n", body[8], body[9]);
        assert_eq!(
            redact(&tail, &values),
            "<private_key>\n<private_key>\n",
            "the last lines, as `tail` prints them"
        );
        let head = format!("{}\n{}\n", body[0], body[2]);
        assert_eq!(
            redact(&head, &values),
            head,
            "structure and modulus are public"
        );
    }

    #[test]
    fn all_but_the_last_character_of_a_secret_is_a_part_of_it() {
        let values = learned(&[("client_secret", SECRET)]);
        let shown = format!("secret {}…", &SECRET[..63]);
        assert_eq!(redact(&shown, &values), "secret <client_secret>…");
    }

    #[test]
    fn the_last_four_characters_are_not() {
        let values = learned(&[("client_secret", SECRET)]);
        let shown = format!("secret ends {}", &SECRET[60..]);
        assert_eq!(redact(&shown, &values), shown);
        let eleven = format!("prefix {} ok", &SECRET[..11]);
        assert_eq!(redact(&eleven, &values), eleven);
    }

    #[test]
    fn a_lab_secret_shown_but_for_its_last_character_is_a_part_of_it() {
        for (secret, shown) in [
            ("erp-demo-secret", "erp-demo-secre"),
            ("courier-demo-pass", "courier-demo-pas"),
            ("legacy-secret-2f8c41d09b7e", "legacy-secret-2f8c41d09b"),
        ] {
            let values = learned(&[("lab_secret", secret)]);
            assert_eq!(
                redact(&format!("secret: {shown}"), &values),
                "secret: <lab_secret>",
                "{secret}"
            );
        }
    }

    #[test]
    fn a_short_secret_leaks_in_all_but_four_of_its_characters() {
        let values = learned(&[("lab_secret", "erp-demo-secret")]);
        assert_eq!(
            redact("id erp-demo-sec… ok", &values),
            "id <lab_secret>… ok",
            "eleven of fifteen"
        );
        assert_eq!(
            redact("ends …-secret", &values),
            "ends …-secret",
            "the last seven of fifteen"
        );
        let values = learned(&[("lab_secret", "wx-demo-key")]);
        assert_eq!(redact("key wx-demo-k", &values), "key <lab_secret>");
        assert_eq!(redact("key …mo-key", &values), "key …mo-key");
    }

    #[test]
    fn words_sharing_eight_characters_with_a_short_secret_do_not_leak_it() {
        let values = learned(&[("lab_secret", "Winter-2019!")]);
        for text in [
            "This job was built for the Winter-2026 release.",
            "The last quarter-2019 export is gone.",
            "xWinter-201 and Winter-20x are other words",
        ] {
            assert_eq!(redact(text, &values), text);
        }
    }

    #[test]
    fn a_short_secret_shown_as_a_word_of_its_own_still_leaks() {
        let values = learned(&[("lab_secret", "Winter-2019!")]);
        for (text, redacted) in [
            ("password: Winter-2019", "password: <lab_secret>"),
            ("pw=Winter-201…", "pw=<lab_secret>…"),
            ("(Winter-20)", "(<lab_secret>)"),
            ("Winter-2 …", "<lab_secret> …"),
            ("xWinter-2019 joined", "x<lab_secret> joined"),
        ] {
            assert_eq!(redact(text, &values), redacted, "{text}");
        }
    }

    #[test]
    fn a_session_ids_secret_part_leaks_but_its_org_id_does_not() {
        let token = "00D5g000004XyZ1!AQAn05hZSwOJwoEOhiIc8pSJcp.hn1kfiVBiN90sW5ussNsIJtO868vf";
        let values = learned(&[("access_token", token)]);
        let tail = token.split_once('!').unwrap().1;
        assert_eq!(
            redact(&format!("tail: {tail}"), &values),
            "tail: <access_token>"
        );
        let org = "org 00D5g000004XyZ1 and more text";
        assert_eq!(redact(org, &values), org);
    }

    #[test]
    fn a_jwts_header_and_claims_are_public_and_its_signature_is_not() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJjbGllbnQiLCJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXBhcnQtdGhhdC1pcy1sb25n";
        let values = learned(&[("access_token", jwt)]);
        let header = "header eyJhbGciOiJSUzI1NiJ9 claims eyJpc3MiOiJjbGllbnQiLCJzdWIiOiJ1c2VyIn0";
        assert_eq!(redact(header, &values), header);
        assert_eq!(
            redact("sig=c2lnbmF0dXJlLXBhcnQtdGhh", &values),
            "sig=<access_token>"
        );
    }

    #[test]
    fn kinds_matched_whole_only_are_not_looked_for_in_part() {
        let values = learned(&[("basic_credentials", SECRET)]);
        let shown = &SECRET[..40];
        assert_eq!(redact(shown, &values), shown);
    }

    #[test]
    fn text_around_a_part_and_non_ascii_text_survive() {
        let values = learned(&[("password", "Correct-Horse-Battery-Staple-9")]);
        let text = "é pw=Horse-Battery-Staple 😀 done";
        assert_eq!(redact(text, &values), "é pw=<password> 😀 done");
    }
}
