//! Secrets recognised by their shape in free text: JWTs, PEM private keys, Salesforce session
//! ids and refresh tokens; and the markers that replace them.

use super::Redactor;
use base64::Engine;

/// A redaction marker found in text: `‹redacted:{kind}#{hash}›`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub kind: String,
    pub hash: String,
    /// Byte offset of the marker in the text.
    pub offset: usize,
}

const MARKER_OPEN: &str = "‹redacted:";
const MARKER_CLOSE: char = '›';

/// Every marker in `text`, in order.
pub fn find_markers(text: &str) -> Vec<Marker> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(rel) = text[from..].find(MARKER_OPEN) {
        let start = from + rel;
        let body_start = start + MARKER_OPEN.len();
        let Some(end_rel) = text[body_start..].find(MARKER_CLOSE) else {
            break;
        };
        let body = &text[body_start..body_start + end_rel];
        if let Some((kind, hash)) = body.split_once('#') {
            found.push(Marker {
                kind: kind.to_string(),
                hash: hash.to_string(),
                offset: start,
            });
        }
        from = body_start + end_rel;
    }
    found
}

fn is_b64url(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '='
}

fn decodes_to_jwt_header(segment: &str) -> bool {
    let trimmed = segment.trim_end_matches('=');
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(trimmed) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("alg").cloned())
        .is_some()
}

/// If `value` is a signed JWT, `header.payload.‹redacted:jwt_signature#…›`.
pub(super) fn strip_jwt_signature(value: &str, r: &Redactor) -> Option<String> {
    let parts: Vec<&str> = value.split('.').collect();
    if parts.len() != 3 || parts[2].is_empty() || !parts.iter().all(|p| p.chars().all(is_b64url)) {
        return None;
    }
    if !decodes_to_jwt_header(parts[0]) {
        return None;
    }
    // The signature is what makes the header and claims (kept in the clear) usable again:
    // learnt, so it is redacted wherever it shows up on its own too.
    r.add_secret("jwt_signature", parts[2]);
    Some(format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        r.marker("jwt_signature", value)
    ))
}

/// The `SignatureValue` of a SAML assertion sent base64-encoded (either alphabet, padded or
/// not), as the XML holds it and with its line breaks removed, and the whole assertion in
/// standard base64; `None` for anything else.
pub(super) fn saml_signature_value(value: &str) -> Option<[String; 3]> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine;
    let value = value.trim();
    let bytes = URL_SAFE_NO_PAD
        .decode(value.trim_end_matches('='))
        .or_else(|_| STANDARD.decode(value))
        .ok()?;
    let xml = String::from_utf8(bytes).ok()?;
    if !xml.contains("Assertion") {
        return None;
    }
    let start = xml.find("SignatureValue>")? + "SignatureValue>".len();
    let end = start + xml[start..].find('<')?;
    let raw = xml[start..end].trim().to_string();
    let joined: String = raw.split_whitespace().collect();
    // Printed re-encoded in standard base64 (padded), it is the same login.
    let standard = STANDARD.encode(xml.as_bytes());
    (joined.len() >= 16).then_some([raw, joined, standard])
}

/// Every signed JWT in `text` loses its signature.
pub(super) fn redact_jwts(text: &str, r: &Redactor) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("eyJ") {
        let boundary_ok = rest[..pos]
            .chars()
            .next_back()
            .map(|c| !is_b64url(c) && c != '.')
            .unwrap_or(true);
        let candidate_len = rest[pos..]
            .find(|c: char| !(is_b64url(c) || c == '.'))
            .unwrap_or(rest.len() - pos);
        let candidate = &rest[pos..pos + candidate_len];
        out.push_str(&rest[..pos]);
        match (boundary_ok, strip_jwt_signature(candidate, r)) {
            (true, Some(kept)) => out.push_str(&kept),
            _ => out.push_str(candidate),
        }
        rest = &rest[pos + candidate_len.max(3)..];
    }
    out.push_str(rest);
    out
}

/// PEM private key blocks (`-----BEGIN … PRIVATE KEY-----` … `-----END … PRIVATE KEY-----`).
/// Only a whole block is a key: the BEGIN line, a base64 body and the END line of the same
/// label. A BEGIN line alone (`echo "key files start with -----BEGIN PRIVATE KEY-----"`) holds
/// no key material and stays as written, as does everything after it.
pub(super) fn redact_private_keys(text: &str, r: &Redactor) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(begin) = rest.find("-----BEGIN ") {
        let after_begin = begin + "-----BEGIN ".len();
        match pem_key_block(&rest[begin..]) {
            Some(len) => {
                let block = &rest[begin..begin + len];
                r.add_secret("private_key", block);
                out.push_str(&rest[..begin]);
                out.push_str(&r.marker("private_key", block));
                rest = &rest[begin + len..];
            }
            None => {
                out.push_str(&rest[..after_begin]);
                rest = &rest[after_begin..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The length of the PEM private key block `text` starts with, if it is one: `-----BEGIN
/// {label}PRIVATE KEY-----`, a body of base64 (on lines, or joined by written `\n` as in a
/// JSON string or `.env` value; `Proc-Type:`/`DEK-Info:` header lines allowed), and
/// `-----END {label}PRIVATE KEY-----`.
fn pem_key_block(text: &str) -> Option<usize> {
    const TAIL: &str = "PRIVATE KEY-----";
    let after_begin = text.strip_prefix("-----BEGIN ")?;
    let label_len = after_begin.find(TAIL)?;
    let label = &after_begin[..label_len];
    if !label.chars().all(|c| c.is_ascii_uppercase() || c == ' ') {
        return None;
    }
    let body_start = "-----BEGIN ".len() + label_len + TAIL.len();
    let end_line = format!("-----END {label}{TAIL}");
    let Some(body_len) = text[body_start..].find(&end_line) else {
        return cut_key_body(text, body_start);
    };
    let body = &text[body_start..body_start + body_len];
    let mut base64_chars = 0;
    for line in body.split(['\n', '\r']).flat_map(|l| l.split("\\n")) {
        let line = line.trim().trim_end_matches("\\r");
        if line.is_empty() || line.contains(':') {
            continue;
        }
        if !line
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        {
            return None;
        }
        base64_chars += line.len();
    }
    // The shortest key (an Ed25519 PKCS#8 one) is 64 characters of base64; a few are enough
    // to tell a body from nothing.
    (base64_chars >= 16).then_some(body_start + body_len + end_line.len())
}

/// A key printed without its END line (cut short, `head key.pem`): the BEGIN line and the
/// full-width base64 lines (64 characters, as PEM writes them) right after it, if any.
fn cut_key_body(text: &str, body_start: usize) -> Option<usize> {
    let rest = text[body_start..]
        .strip_prefix("\r")
        .unwrap_or(&text[body_start..]);
    let mut len = text.len() - rest.len();
    let rest = rest.strip_prefix('\n')?;
    len += 1;
    // The block ends with its last line's text: the line end after it stays.
    let mut end = None;
    for line in rest.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let full = body.len() == 64
            && body
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/'));
        if !full {
            break;
        }
        end = Some(len + body.len());
        len += line.len();
    }
    end
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Salesforce session ids / access tokens: `00D` + 12–15 word characters + `!` + `[.\w]+`.
pub(super) fn redact_session_ids(text: &str, r: &Redactor) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("00D") {
        let boundary_ok = rest[..pos]
            .chars()
            .next_back()
            .map(|c| !is_word(c))
            .unwrap_or(true);
        let after = &rest[pos + 3..];
        let org_len = after.find(|c: char| !is_word(c)).unwrap_or(after.len());
        let tail = &after[org_len..];
        let token_len = if boundary_ok && (12..=15).contains(&org_len) && tail.starts_with('!') {
            let t = &tail[1..];
            let n = t
                .find(|c: char| !(is_word(c) || c == '.'))
                .unwrap_or(t.len());
            (n >= 10).then_some(3 + org_len + 1 + n)
        } else {
            None
        };
        out.push_str(&rest[..pos]);
        match token_len {
            Some(len) => {
                let token = &rest[pos..pos + len];
                r.add_secret("access_token", token);
                out.push_str(&r.marker("access_token", token));
                rest = &rest[pos + len..];
            }
            None => {
                out.push_str("00D");
                rest = &rest[pos + 3..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_refresh_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '=')
}

/// The shortest run after `5Aep` taken for a refresh token (real ones run to about 80).
const MIN_REFRESH_TAIL: usize = 20;

/// Salesforce refresh tokens: `5Aep` + 20 or more of `[A-Za-z0-9._=]` (they begin `5Aep861…`
/// in every org seen; a file that keeps one — a rotation job's store — is still a secret).
/// The password of every `scheme://user:password@host` in `text` (a proxy or database URL,
/// a login URL printed by a script), the user kept. A slot or expansion
/// (`https://%s:%s@…`, `${PASS}`, `{pw}`) and a stand-in (`<password>`) are not passwords.
pub(super) fn redact_url_passwords(text: &str, r: &Redactor) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(rel) = text[from..].find("://") {
        let start = from + rel + 3;
        from = start;
        let has_scheme = text[..start - 3]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        // The authority ends where a path, query, fragment, space or closing quote begins.
        let end = text[start..]
            .find(|c: char| {
                c.is_whitespace()
                    || matches!(c, '/' | '?' | '#' | '"' | '\'' | '`' | '<' | '>' | ')')
            })
            .map_or(text.len(), |i| start + i);
        let authority = &text[start..end];
        let Some((userinfo, _host)) = authority.rsplit_once('@') else {
            continue;
        };
        let Some((user, password)) = userinfo.split_once(':') else {
            continue;
        };
        let expansion = password.contains(['$', '`']) || super::assignments::is_slot(password);
        if !has_scheme
            || password.is_empty()
            || expansion
            || password.contains("‹redacted:")
            || super::assignments::stands_in(password)
        {
            continue;
        }
        let pass_start = start + user.len() + 1;
        out.push_str(&text[copied..pass_start]);
        out.push_str(&r.redact_keyed("password", password));
        copied = pass_start + password.len();
        from = end;
    }
    out.push_str(&text[copied..]);
    out
}

pub(super) fn redact_refresh_tokens(text: &str, r: &Redactor) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("5Aep") {
        let boundary_ok = rest[..pos]
            .chars()
            .next_back()
            .map(|c| !is_refresh_char(c))
            .unwrap_or(true);
        let after = &rest[pos + 4..];
        let tail = after
            .find(|c: char| !is_refresh_char(c))
            .unwrap_or(after.len());
        out.push_str(&rest[..pos]);
        if boundary_ok && tail >= MIN_REFRESH_TAIL {
            let token = &rest[pos..pos + 4 + tail];
            r.add_secret("refresh_token", token);
            out.push_str(&r.marker("refresh_token", token));
            rest = &rest[pos + 4 + tail..];
        } else {
            out.push_str("5Aep");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}
