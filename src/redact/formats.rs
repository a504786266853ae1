//! Key-based redaction of structured text: JSON, form bodies, query strings, XML, cookies.
//!
//! Implementation notes: form bodies and query strings are rewritten pair by pair, keeping
//! each non-secret pair byte for byte as sent (re-encoding them would change what the learner
//! sees); only the value of a secret key is replaced by its marker.

use super::{is_secret_key, Redactor};
use serde_json::Value;

/// A JSON document with secret keys' string values replaced; not JSON → returned unchanged.
pub(super) fn json(text: &str, r: &Redactor) -> String {
    let Ok(mut v) = serde_json::from_str::<Value>(text) else {
        return text.to_string();
    };
    let mut replaced = Vec::new();
    walk(&mut v, r, &mut replaced);
    if replaced.is_empty() {
        return text.to_string();
    }
    // Each secret is replaced where the text writes it, so the document keeps its spacing, key
    // order and final newline; a secret written with escapes the plain form does not match
    // falls back to the whole document written again, compactly.
    let mut out = text.to_string();
    for (was, now) in &replaced {
        let (Ok(was), Ok(now)) = (serde_json::to_string(was), serde_json::to_string(now)) else {
            continue;
        };
        let as_key = out
            .match_indices(&was)
            .any(|(at, _)| out[at + was.len()..].trim_start().starts_with(':'));
        if as_key || !out.contains(&was) {
            return serde_json::to_string(&v).unwrap_or_else(|_| text.to_string());
        }
        out = out.replace(&was, &now);
    }
    out
}

/// A secret key where it is a JSON member. OAuth's `state` travels only in URLs and forms; a
/// JSON `state` is something else — a Bulk job's `Open` … `JobComplete` — and is kept.
fn is_secret_member(key: &str) -> bool {
    is_secret_key(key) && !key.eq_ignore_ascii_case("state")
}

/// Redacts secret keys in place, noting each (old, new) string it changed.
fn walk(v: &mut Value, r: &Redactor, replaced: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                match child {
                    Value::String(s) if is_secret_member(k) => {
                        let redacted = r.redact_keyed(k, s);
                        if redacted != *s {
                            replaced.push((std::mem::replace(s, redacted.clone()), redacted));
                        }
                    }
                    _ => walk(child, r, replaced),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|c| walk(c, r, replaced)),
        _ => {}
    }
}

/// `a=1&secret=x` with secret values replaced, other pairs kept as sent.
pub(super) fn form(text: &str, r: &Redactor) -> String {
    text.split('&')
        .map(|pair| {
            let (raw_key, raw_value) = match pair.split_once('=') {
                Some(kv) => kv,
                None => return pair.to_string(),
            };
            let key = decode(raw_key);
            if is_secret_key(&key) {
                format!("{raw_key}={}", r.redact_keyed(&key, &decode(raw_value)))
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A form body or query string as stored: each secret key's value replaced by its marker
/// ([`form`]), every other value searched as free text ([`Redactor::text`]), and every key
/// that is a parameter's name kept as sent, so the stored copy always says which parameters
/// were sent (redacted by key, not by substring). Such a name is replaced only when it is a
/// secret whole (a token sent as a parameter's name); a pair without `=` is a value.
pub(super) fn form_text(text: &str, r: &Redactor) -> String {
    form(text, r)
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) => format!("{}={}", parameter_name(key, r), r.text(value)),
            None => r.text(pair),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A form key as stored: a parameter's name (letters, digits, `_ - . [ ] %`) is kept unless
/// it is a learnt secret or a secret's shape whole; anything else is free text.
fn parameter_name(key: &str, r: &Redactor) -> String {
    let seen = r.text(key);
    let name = key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']' | '%'));
    let whole = match super::find_markers(&seen).as_slice() {
        // Sharing a run of characters with a secret (`part_of_…`) does not make a name one.
        [m] => {
            !m.kind.starts_with("part_of_") && seen == format!("‹redacted:{}#{}›", m.kind, m.hash)
        }
        _ => false,
    };
    if name && !whole {
        key.to_string()
    } else {
        seen
    }
}

fn decode(raw: &str) -> String {
    let plus_as_space = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&plus_as_space)
        .decode_utf8_lossy()
        .into_owned()
}

/// A URL (or a bare query string) with secret query and fragment parameters replaced.
pub(super) fn url(url: &str, r: &Redactor) -> String {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let (base, query) = match before_fragment.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None if !before_fragment.contains('/') && before_fragment.contains('=') => {
            ("", Some(before_fragment))
        }
        None => (before_fragment, None),
    };
    let mut out = base.to_string();
    if let Some(q) = query {
        if !base.is_empty() {
            out.push('?');
        }
        out.push_str(&form(q, r));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(&form(f, r));
    }
    out
}

/// `Cookie: a=1; sid=xyz` → every cookie value replaced (cookies are session state).
pub(super) fn cookie_header(value: &str, r: &Redactor) -> String {
    value
        .split(';')
        .map(|pair| {
            let pair = pair.trim();
            match pair.split_once('=') {
                Some((name, v)) => format!("{name}={}", cookie_value(name, v, r)),
                None => pair.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `Set-Cookie: sid=xyz; Path=/; Secure` → the cookie's value replaced, attributes kept.
pub(super) fn set_cookie_header(value: &str, r: &Redactor) -> String {
    let (first, attrs) = match value.split_once(';') {
        Some((f, a)) => (f, Some(a)),
        None => (value, None),
    };
    let mut out = match first.trim().split_once('=') {
        Some((name, v)) => format!("{name}={}", cookie_value(name, v, r)),
        None => first.trim().to_string(),
    };
    if let Some(a) = attrs {
        out.push(';');
        out.push_str(a);
    }
    out
}

fn cookie_value(name: &str, value: &str, r: &Redactor) -> String {
    if value.is_empty() {
        return String::new();
    }
    let kind = if is_secret_key(name) {
        name.to_ascii_lowercase()
    } else {
        "cookie".to_string()
    };
    r.redact_keyed(&kind, value)
}

/// XML with the text of secret elements (`<sessionId>`, `<password>`, `<sf:sessionId>`, ...)
/// replaced. Not a full XML parser: it finds start tags whose local name is a secret key and
/// replaces the character data up to the next `<`.
const CDATA_OPEN: &str = "<![CDATA[";

pub(super) fn xml(text: &str, r: &Redactor) -> String {
    xml_elements(text, false, r)
}

/// Like [`xml`], for XML inside another file (a script's heredoc, a saved envelope in a
/// text file): only literal element text is masked; `{pw}` or `$PASSWORD` is code and stays.
pub(super) fn xml_literals(text: &str, r: &Redactor) -> String {
    xml_elements(text, true, r)
}

fn xml_elements(text: &str, literal_only: bool, r: &Redactor) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let Some(close_rel) = rest[open..].find('>') else {
            break;
        };
        let close = open + close_rel;
        let tag = &rest[open + 1..close];
        out.push_str(&rest[..=close]);
        rest = &rest[close + 1..];
        if tag.starts_with('/')
            || tag.starts_with('?')
            || tag.starts_with('!')
            || tag.ends_with('/')
        {
            continue;
        }
        let name = tag.split_whitespace().next().unwrap_or("");
        let local = name.rsplit(':').next().unwrap_or(name);
        // HTML's `<code>` in a Markdown file is no OAuth code.
        let html_code = literal_only && local.eq_ignore_ascii_case("code");
        if is_secret_key(local) && !html_code {
            let lead = rest.len() - rest.trim_start().len();
            if rest[lead..].starts_with(CDATA_OPEN) {
                let inner = lead + CDATA_OPEN.len();
                if let Some(len) = rest[inner..].find("]]>") {
                    out.push_str(&rest[..inner]);
                    out.push_str(&r.redact_keyed(local, &rest[inner..inner + len]));
                    rest = &rest[inner + len..];
                    continue;
                }
            }
            let end = rest.find('<').unwrap_or(rest.len());
            let content = &rest[..end];
            // Code, or a pattern (`<sessionId>([^<]+)</sessionId>` in a regex): no token
            // holds these characters.
            let code = literal_only
                && content.contains([
                    '$', '{', '}', '`', '"', '\'', '+', '%', '(', '[', '\\', '^', '*',
                ]);
            // Too short to be a token or session id (a test's `<sessionId>abc</sessionId>`).
            let sample = literal_only && content.trim().len() < 8;
            if content.trim().is_empty() || code || sample {
                out.push_str(content);
            } else {
                out.push_str(&r.redact_keyed(local, content.trim()));
            }
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

/// The boundary of a `multipart/form-data` content type.
pub(super) fn multipart_boundary(content_type: &str) -> Option<&str> {
    content_type.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"'))
    })
}

/// A `multipart/form-data` body with the values of secret-named fields replaced; every other
/// byte (boundaries, part headers, other fields) kept as sent.
pub(super) fn multipart(text: &str, boundary: &str, r: &Redactor) -> String {
    let delimiter = format!("--{boundary}");
    let mut parts = text.split(delimiter.as_str());
    let mut out = parts.next().unwrap_or_default().to_string();
    for part in parts {
        out.push_str(&delimiter);
        out.push_str(&multipart_part(part, r));
    }
    out
}

fn multipart_part(part: &str, r: &Redactor) -> String {
    let Some(split) = part
        .find("\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| part.find("\n\n").map(|i| (i, 2)))
    else {
        return part.to_string();
    };
    let (head, body) = (&part[..split.0 + split.1], &part[split.0 + split.1..]);
    let name = head.lines().find_map(|line| {
        let (h, v) = line.split_once(':')?;
        if !h.trim().eq_ignore_ascii_case("content-disposition") {
            return None;
        }
        v.split(';').find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            // Parameter names are case-insensitive (RFC 7578 §4.2, after RFC 2183).
            k.trim()
                .eq_ignore_ascii_case("name")
                .then(|| v.trim().trim_matches('"').to_string())
        })
    });
    match name {
        Some(n) if is_secret_key(&n) => {
            // The value ends where the line break before the next boundary starts.
            let value_len = body.trim_end_matches(['\r', '\n']).len();
            format!(
                "{head}{}{}",
                r.redact_keyed(&n, &body[..value_len]),
                &body[value_len..]
            )
        }
        _ => part.to_string(),
    }
}

/// Whether a body of unknown type reads as `key=value&key=value` (a form sent without, or
/// with the wrong, content type).
pub(super) fn looks_like_form(text: &str) -> bool {
    let t = text.trim_end();
    !t.is_empty()
        && !t.contains(char::is_whitespace)
        && t.split('&').all(|pair| {
            pair.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty()
                    && k.chars().all(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '%' | '[' | ']')
                    })
            })
        })
}
