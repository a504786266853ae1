//! Why a request to the right place is not the one a check asks for: which part of it differs
//! from the pattern (a header missing or misspelt, a bearer token left empty, a query parameter
//! or body text missing), and what the org answered when it refused it.
//!
//! Implementation notes: header values are never quoted whole, as an `Authorization` header
//! carries a token; only its first word (the scheme) is shown.

use crate::evidence::Exchange;
use crate::matcher::RequestPattern;
use serde_json::Value;

/// What in `e` keeps it from matching `pattern`, worded to follow the request (`sent no
/// Authorization header`), or None when nothing the pattern names is off.
pub(super) fn mismatch(pattern: &RequestPattern, e: &Exchange) -> Option<String> {
    if let Some(h) = &pattern.header {
        if let Some(why) = header_off(h, e) {
            return Some(why);
        }
    }
    for (name, want) in &pattern.query {
        let only = RequestPattern {
            query: [(name.clone(), want.clone())].into(),
            ..Default::default()
        };
        if only.matches_exchange(e) {
            continue;
        }
        let has =
            e.request.query.as_deref().is_some_and(|q| {
                form_urlencoded::parse(q.as_bytes()).any(|(k, _)| k == name.as_str())
            });
        return Some(if has {
            format!("has a `{name}` parameter without \"{want}\" in it")
        } else {
            format!("has no `{name}` parameter")
        });
    }
    if let Some(text) = &pattern.body_contains {
        if !e.request.body.text.contains(text.as_str()) {
            return Some(format!("has no \"{text}\" in its body"));
        }
    }
    None
}

/// How `e`'s header falls short of `spec` (`Name` or `Name: text`), when it does.
fn header_off(spec: &str, e: &Exchange) -> Option<String> {
    let (name, want) = match spec.split_once(':') {
        Some((n, v)) => (n.trim(), Some(v.trim())),
        None => (spec.trim(), None),
    };
    let Some(value) = e.request_header(name) else {
        return Some(format!("sent no {name} header"));
    };
    let want = want?;
    if value.contains(want) {
        return None;
    }
    let first = value.split_whitespace().next().unwrap_or("");
    if name.eq_ignore_ascii_case("authorization") && want.eq_ignore_ascii_case("bearer") {
        // The transcript keeps a one-word value (no scheme and credential) as one redaction
        // marker: a token sent without `Bearer ` (a `Bearer` left empty is kept as sent and
        // judged by `header_doubt`; a transcript recorded before that may hold it as a marker).
        if first.starts_with("‹redacted") && value.split_whitespace().nth(1).is_none() {
            return Some(
                "sent an Authorization header of one word: `Bearer` with an empty token (is the variable holding it set?), or a token without `Bearer ` before it".to_string(),
            );
        }
        return Some(if first.is_empty() {
            "sent an empty Authorization header: it must be `Bearer <token>`".to_string()
        } else {
            format!(
                "sent an Authorization header that is not `Bearer <token>` (it begins `{first}`)"
            )
        });
    }
    Some(format!("sent a {name} header without `{want}` in it"))
}

/// A doubt about a request that matched the pattern's header but was refused: a bearer
/// token left empty (`Authorization: Bearer` and nothing after it), as when the variable that
/// should hold it is unset.
pub(super) fn header_doubt(pattern: &RequestPattern, e: &Exchange) -> Option<String> {
    let spec = pattern.header.as_deref()?;
    let name = spec.split_once(':').map_or(spec, |(n, _)| n).trim();
    if !name.eq_ignore_ascii_case("authorization") {
        return None;
    }
    let value = e.request_header(name)?;
    let mut words = value.split_whitespace();
    let scheme = words.next()?;
    (scheme.eq_ignore_ascii_case("bearer") && words.next().is_none()).then(|| {
        "sent `Authorization: Bearer` with an empty token: check that the variable holding it is set"
            .to_string()
    })
}

/// `the org answered 404 NOT_FOUND "The requested resource does not exist"` for an answer
/// with a 4xx or 5xx status; None for any other answer or none.
pub(super) fn org_answer(e: &Exchange) -> Option<String> {
    answer(e).map(|a| format!("the org answered {a}"))
}

/// `404 NOT_FOUND "The requested resource does not exist"`: an error answer's status and what
/// its body says; None for an answer below 400 or none.
pub(super) fn answer(e: &Exchange) -> Option<String> {
    let status = e.status().filter(|s| *s >= 400)?;
    let said = e.response_json().map(|b| said(&b)).unwrap_or_default();
    Some(format!("{status}{said}"))
}

/// ` CODE "message"` from a REST error list or object, or ` error "description"` from an
/// OAuth error; empty when the body names neither.
fn said(body: &Value) -> String {
    let e = body.as_array().and_then(|a| a.first()).unwrap_or(body);
    let text = |k: &str| e.get(k).and_then(Value::as_str);
    let (code, message) = match (text("errorCode"), text("error")) {
        (Some(c), _) => (c, text("message")),
        (None, Some(c)) => (c, text("error_description")),
        (None, None) => return String::new(),
    };
    match message.map(|m| m.trim_end_matches('.')) {
        Some(m) if !m.is_empty() => format!(" {code} \"{m}\""),
        _ => format!(" {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::*;

    #[test]
    fn a_one_word_authorization_header_is_named_as_an_empty_token_or_a_missing_scheme() {
        let pattern = RequestPattern {
            header: Some("Authorization: Bearer".into()),
            ..Default::default()
        };
        // How the transcript records `Authorization: Bearer ` with an empty token.
        let e = req("GET", "/q", 401).header("Authorization", "‹redacted:authorization#6d4f288e›");
        let why = mismatch(&pattern, &e).unwrap();
        assert!(why.contains("`Bearer` with an empty token"), "{why}");
        assert!(!why.contains("redacted"), "{why}");
    }

    #[test]
    fn an_oauth_error_is_quoted_by_its_error_and_description() {
        let e = req("POST", "/services/oauth2/token", 400).response_body(
            r#"{"error":"invalid_request","error_description":"unsupported content type"}"#,
        );
        assert_eq!(
            org_answer(&e).unwrap(),
            "the org answered 400 invalid_request \"unsupported content type\""
        );
        assert_eq!(org_answer(&req("GET", "/x", 200)), None);
    }
}
