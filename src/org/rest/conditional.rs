//! Conditional request headers on records and describes (REST API Developer Guide,
//! "Conditional Request Headers"):
//!
//! - `If-Modified-Since` on a GET: `304 Not Modified`, no body, when the record (or the
//!   schema, for describes) has not changed since the date;
//! - `If-Unmodified-Since` on a GET or PATCH: `412 Precondition Failed`, nothing done, when it
//!   has — the guard against overwriting someone else's newer edit;
//! - `ETag` on Account records (the only object the guide lists), with `If-Match` (412 when
//!   no tag matches) and `If-None-Match` (304 on a GET, 412 on a PATCH, when one matches);
//! - an unreadable date or tag on a write is `400 Bad Request`; DELETE ignores the headers,
//!   as the guide says it is not supported.
//!
//! Pure decisions here; the handlers in `sobjects` and `meta` read the record's
//! `LastModifiedDate` and rendered body and act on the [`Precondition`].
//!
//! Implementation notes: header dates have whole seconds, so the change time is cut to the
//! second before comparing (an edit in the same second as the date counts as not after it).
//! [U] The 412 and 400 bodies are not recorded in the reference: they follow the REST error
//! shape with sflab's own codes and texts. The ETag is a hash of the record as rendered with
//! all its fields (a real org's tags look alike: base64 of a digest, quoted).

use super::error::ApiError;
use axum::http::{header, HeaderMap, StatusCode};
use chrono::{DateTime, Utc};

/// What a conditional request comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// No condition, or every condition met: answer as usual.
    Proceed,
    /// A GET whose copy is current: `304`, no body.
    NotModified,
}

/// Whether the request is a read (GET/HEAD) or a write (PATCH).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// The quoted ETag of a rendered record.
pub fn etag_of(rendered: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(rendered);
    format!(
        "\"{}\"",
        base64::engine::general_purpose::STANDARD.encode(&digest[..20])
    )
}

/// Whether the request carries any conditional header (most do not: the check is skipped).
pub fn asks(headers: &HeaderMap) -> bool {
    [
        header::IF_MATCH,
        header::IF_NONE_MATCH,
        header::IF_MODIFIED_SINCE,
        header::IF_UNMODIFIED_SINCE,
    ]
    .iter()
    .any(|h| headers.contains_key(h))
}

/// Decides a request's conditions against a resource last changed at `changed`, whose ETag
/// is `etag` (None where the resource has none).
pub fn decide(
    headers: &HeaderMap,
    access: Access,
    changed: DateTime<Utc>,
    etag: Option<&str>,
) -> Result<Precondition, ApiError> {
    let changed_second = changed.timestamp();
    if access == Access::Write {
        for name in [header::IF_MATCH, header::IF_NONE_MATCH] {
            if let Some(list) = text(headers, name.clone()).filter(|l| !tags_well_formed(l)) {
                return Err(bad_tags(name.as_str(), list));
            }
        }
    }
    if let Some(tags) = etag.and(text(headers, header::IF_MATCH)) {
        if !tag_listed(tags, etag.unwrap_or_default()) {
            return Err(failed(
                "The record's ETag matches none in If-Match: it has changed since you read it. Read it again, then retry.",
            ));
        }
    }
    if let Some(since) = text(headers, header::IF_UNMODIFIED_SINCE) {
        match http_date(since) {
            Some(since) if changed_second > since.timestamp() => {
                return Err(failed(format!(
                    "Modified at {} GMT, after the If-Unmodified-Since date {since}: nothing was changed. Read it again, then retry.",
                    changed.format("%a, %d %b %Y %H:%M:%S")
                )))
            }
            Some(_) => {}
            None if access == Access::Write => return Err(bad_date("If-Unmodified-Since", since)),
            None => {}
        }
    }
    if let Some(tags) = etag.and(text(headers, header::IF_NONE_MATCH)) {
        if tag_listed(tags, etag.unwrap_or_default()) {
            return match access {
                Access::Read => Ok(Precondition::NotModified),
                Access::Write => Err(failed(
                    "The record's ETag matches one in If-None-Match: nothing was changed.",
                )),
            };
        }
    }
    if access == Access::Read {
        if let Some(since) = text(headers, header::IF_MODIFIED_SINCE).and_then(http_date) {
            if changed_second <= since.timestamp() {
                return Ok(Precondition::NotModified);
            }
        }
    }
    Ok(Precondition::Proceed)
}

fn text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// An HTTP date (`Tue, 23 Mar 2015 00:00:00 GMT`, or with a zone such as `MST`).
fn http_date(value: &str) -> Option<DateTime<chrono::FixedOffset>> {
    DateTime::parse_from_rfc2822(value.trim()).ok()
}

/// Whether `tag` is in a comma-separated list of tags (or the list is `*`); a weak `W/`
/// prefix is ignored.
fn tag_listed(list: &str, tag: &str) -> bool {
    list.split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == tag)
}

/// Whether a tag list is `*` or quoted tags (`"…"`, or weak `W/"…"`), comma-separated.
fn tags_well_formed(list: &str) -> bool {
    list.split(',').map(str::trim).all(|t| {
        let t = t.strip_prefix("W/").unwrap_or(t);
        t == "*" || (t.len() >= 2 && t.starts_with('"') && t.ends_with('"'))
    })
}

fn bad_tags(name: &str, value: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_HEADER_VALUE",
        format!("{name} must be * or a list of quoted ETags such as \"U5iWijwWbQD18jeiXwsqxeGpZQk=\", not '{value}'."),
    )
    .without_fields()
}

fn failed(message: impl Into<String>) -> ApiError {
    ApiError::new(
        StatusCode::PRECONDITION_FAILED,
        "PRECONDITION_FAILED",
        message,
    )
    .without_fields()
}

fn bad_date(name: &str, value: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_HEADER_VALUE",
        format!(
            "{name} must be an HTTP date such as 'Tue, 23 Mar 2015 00:00:00 GMT', not '{value}'."
        ),
    )
    .without_fields()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    fn changed() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-20T10:00:00.400Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn if_modified_since_a_later_date_is_not_modified_and_an_earlier_one_proceeds() {
        let later = headers(&[("if-modified-since", "Sat, 21 Nov 2026 00:00:00 GMT")]);
        let earlier = headers(&[("if-modified-since", "Thu, 19 Nov 2026 00:00:00 GMT")]);
        let same_second = headers(&[("if-modified-since", "Fri, 20 Nov 2026 10:00:00 GMT")]);
        assert_eq!(
            decide(&later, Access::Read, changed(), None).unwrap(),
            Precondition::NotModified
        );
        assert_eq!(
            decide(&earlier, Access::Read, changed(), None).unwrap(),
            Precondition::Proceed
        );
        assert_eq!(
            decide(&same_second, Access::Read, changed(), None).unwrap(),
            Precondition::NotModified
        );
    }

    #[test]
    fn if_unmodified_since_an_earlier_date_fails_the_write() {
        let earlier = headers(&[("if-unmodified-since", "Thu, 19 Nov 2026 00:00:00 GMT")]);
        let e = decide(&earlier, Access::Write, changed(), None).unwrap_err();
        assert_eq!(e.status, StatusCode::PRECONDITION_FAILED);
        let later = headers(&[("if-unmodified-since", "Sat, 21 Nov 2026 00:00:00 MST")]);
        assert_eq!(
            decide(&later, Access::Write, changed(), None).unwrap(),
            Precondition::Proceed
        );
    }

    #[test]
    fn an_unreadable_date_on_a_write_is_a_bad_request() {
        let h = headers(&[("if-unmodified-since", "yesterday")]);
        let e = decide(&h, Access::Write, changed(), None).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            decide(&h, Access::Read, changed(), None).unwrap(),
            Precondition::Proceed
        );
    }

    #[test]
    fn etags_guard_reads_and_writes() {
        let tag = etag_of(b"{\"Name\":\"Acme\"}");
        let stale = headers(&[("if-match", "\"c3RhbGU=\"")]);
        let e = decide(&stale, Access::Write, changed(), Some(&tag)).unwrap_err();
        assert_eq!(e.status, StatusCode::PRECONDITION_FAILED);
        let mut current = HeaderMap::new();
        current.insert("if-match", HeaderValue::from_str(&tag).unwrap());
        assert_eq!(
            decide(&current, Access::Write, changed(), Some(&tag)).unwrap(),
            Precondition::Proceed
        );
        let mut none = HeaderMap::new();
        none.insert("if-none-match", HeaderValue::from_str(&tag).unwrap());
        assert_eq!(
            decide(&none, Access::Read, changed(), Some(&tag)).unwrap(),
            Precondition::NotModified
        );
        assert!(decide(&none, Access::Write, changed(), Some(&tag)).is_err());
        // Objects without tags ignore the tag headers.
        assert_eq!(
            decide(&stale, Access::Write, changed(), None).unwrap(),
            Precondition::Proceed
        );
        // An unquoted tag on a write is a bad request, whichever header carries it.
        for name in ["if-match", "if-none-match"] {
            let h = headers(&[(name, "notquoted")]);
            let e = decide(&h, Access::Write, changed(), Some(&tag)).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{name}");
        }
    }
}
