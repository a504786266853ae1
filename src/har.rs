//! HAR 1.2 export of recorded exchanges, for browser developer tools and HAR viewers.
//!
//! The exchanges are already redacted, so the HAR is too. sflab's own facts go in fields
//! starting with `_`, as the format allows: `_fault` (the injected fault), `_error` (what went
//! wrong with the connection), `_seq`, `_run` (which learner run, 1 = the first, as
//! `sflab transcript` and `sflab check` count them) and `_client_processes` (the process that
//! sent the request, then its parents up to the program sflab started; left out when not
//! known). A request that got no response has status 0, as browsers record failed requests.
//!
//! `httpVersion` is what the client spoke (records made before sflab kept it say `HTTP/1.1`);
//! `cookies` lists the cookies of the `Cookie` / `Set-Cookie` headers with their redacted
//! values; a body that is not text is given whole in base64 when the record kept its bytes: a
//! response's as HAR 1.2 defines (`content.encoding: "base64"`), a request's with `_encoding:
//! "base64"` (HAR 1.2 defines no encoding for `postData`, so a custom field says it).
//! A compressed response's `bodySize` is the bytes sent, `content.size` the inflated size, and
//! `content.compression` the bytes saved, as HAR 1.2 defines them.

use crate::evidence::{Body, Exchange, Header};
use serde_json::{json, Value};

/// The HAR document (`{"log": {...}}`) for `exchanges`.
pub fn to_har(exchanges: &[Exchange]) -> Value {
    json!({
        "log": {
            "version": "1.2",
            "creator": { "name": "sflab", "version": env!("CARGO_PKG_VERSION") },
            "entries": exchanges.iter().map(entry).collect::<Vec<_>>(),
        }
    })
}

/// The HAR document as pretty-printed JSON text.
pub fn to_har_string(exchanges: &[Exchange]) -> String {
    serde_json::to_string_pretty(&to_har(exchanges)).unwrap_or_else(|_| "{}".to_string())
}

fn headers(list: &[Header]) -> Vec<Value> {
    list.iter()
        .map(|h| json!({ "name": h.name, "value": h.value }))
        .collect()
}

fn header<'a>(list: &'a [Header], name: &str) -> Option<&'a str> {
    list.iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

fn query_string(query: Option<&str>) -> Vec<Value> {
    query
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| json!({ "name": k, "value": v }))
                .collect()
        })
        .unwrap_or_default()
}

fn mime(list: &[Header]) -> String {
    header(list, "content-type")
        .unwrap_or("application/octet-stream")
        .to_string()
}

fn comment(body: &Body) -> Option<String> {
    body.truncated.then(|| {
        format!(
            "body truncated: {} of {} bytes kept",
            body.text.len(),
            body.size
        )
    })
}

/// The cookies of a (redacted) `Cookie` header: `a=1; b=2`.
fn request_cookies(list: &[Header]) -> Vec<Value> {
    list.iter()
        .filter(|h| h.name.eq_ignore_ascii_case("cookie"))
        .flat_map(|h| h.value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(name, value)| json!({ "name": name.trim(), "value": value.trim() }))
        .collect()
}

/// The cookies of (redacted) `Set-Cookie` headers: `sid=…; Path=/; Secure`.
fn response_cookies(list: &[Header]) -> Vec<Value> {
    list.iter()
        .filter(|h| h.name.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|h| h.value.split(';').next()?.trim().split_once('='))
        .map(|(name, value)| json!({ "name": name.trim(), "value": value.trim() }))
        .collect()
}

/// The body's text for `postData` / `content`: its bytes in base64 when it is not text and the
/// record kept them, marked by `encoding_field` (`encoding` in `content`, `_encoding` in
/// `postData`).
fn body_text(body: &Body, into: &mut Value, encoding_field: &str) {
    match &body.base64 {
        Some(b64) => {
            into["text"] = json!(b64);
            into[encoding_field] = json!("base64");
        }
        None => into["text"] = json!(body.text),
    }
}

fn entry(e: &Exchange) -> Value {
    let req = &e.request;
    let version = req.http_version.as_deref().unwrap_or("HTTP/1.1");
    let mut request = json!({
        "method": req.method,
        "url": req.url,
        "httpVersion": version,
        "cookies": request_cookies(&req.headers),
        "headers": headers(&req.headers),
        "queryString": query_string(req.query.as_deref()),
        "headersSize": -1,
        "bodySize": req.body.size,
    });
    if !req.body.is_empty() {
        let mut post = json!({ "mimeType": mime(&req.headers) });
        body_text(&req.body, &mut post, "_encoding");
        if let Some(c) = comment(&req.body) {
            post["comment"] = json!(c);
        }
        request["postData"] = post;
    }
    let response = match &e.response {
        Some(r) => {
            let mut content = json!({
                "size": r.body.size,
                "mimeType": mime(&r.headers),
            });
            body_text(&r.body, &mut content, "encoding");
            if let Some(sent) = r.body.encoded_size {
                content["compression"] = json!(r.body.size.saturating_sub(sent));
            }
            if let Some(c) = comment(&r.body) {
                content["comment"] = json!(c);
            }
            json!({
                "status": r.status,
                "statusText": http::StatusCode::from_u16(r.status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or(""),
                "httpVersion": version,
                "cookies": response_cookies(&r.headers),
                "headers": headers(&r.headers),
                "content": content,
                "redirectURL": header(&r.headers, "location").unwrap_or(""),
                "headersSize": -1,
                "bodySize": r.body.encoded_size.unwrap_or(r.body.size),
            })
        }
        None => json!({
            "status": 0,
            "statusText": "",
            "httpVersion": version,
            "cookies": [],
            "headers": [],
            "content": { "size": 0, "mimeType": "x-unknown" },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        }),
    };
    let time = e.elapsed_ms().max(0);
    let mut out = json!({
        "startedDateTime": e.started_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "time": time,
        "request": request,
        "response": response,
        "cache": {},
        "timings": { "send": 0, "wait": time, "receive": 0 },
        "_seq": e.seq,
        "_run": e.run_index + 1,
    });
    if !e.client_processes.is_empty() {
        out["_client_processes"] = json!(e.client_processes);
    }
    if let Some(f) = &e.fault {
        out["_fault"] = json!({ "index": f.index, "kind": f.kind, "action": f.action });
        out["comment"] = json!(format!("injected fault: {}", f.action));
    }
    if let Some(err) = &e.error {
        out["_error"] = json!(err);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{RecordedRequest, RecordedResponse};
    use chrono::{Duration, TimeZone, Utc};

    fn exchange(response: Option<RecordedResponse>) -> Exchange {
        let t = Utc
            .with_ymd_and_hms(2026, 1, 1, 12, 0, 0)
            .single()
            .unwrap_or_default();
        Exchange {
            seq: 7,
            run_index: 1,
            started_at: t,
            finished_at: t + Duration::milliseconds(42),
            request: RecordedRequest {
                method: "POST".into(),
                url: "https://127.0.0.1:1/services/oauth2/token?x=1".into(),
                path: "/services/oauth2/token".into(),
                query: Some("x=1".into()),
                headers: vec![Header::new(
                    "Content-Type",
                    "application/x-www-form-urlencoded",
                )],
                body: Body::text("grant_type=client_credentials"),
                http_version: None,
            },
            response,
            fault: None,
            error: None,
            client_processes: Vec::new(),
        }
    }

    #[test]
    fn entries_carry_the_fields_har_viewers_require() {
        let har = to_har(&[exchange(Some(RecordedResponse {
            status: 503,
            headers: vec![Header::new("Content-Type", "application/json")],
            body: Body::text("[]"),
        }))]);
        let e = &har["log"]["entries"][0];
        assert_eq!(har["log"]["version"], "1.2");
        assert_eq!(e["startedDateTime"], "2026-01-01T12:00:00.000Z");
        assert_eq!(e["time"], 42);
        assert_eq!(e["request"]["queryString"][0]["name"], "x");
        assert_eq!(
            e["request"]["postData"]["text"],
            "grant_type=client_credentials"
        );
        assert_eq!(e["response"]["statusText"], "Service Unavailable");
        assert_eq!(e["response"]["content"]["mimeType"], "application/json");
        for key in ["cache", "timings"] {
            assert!(e.get(key).is_some(), "{key}");
        }
        assert_eq!(e["_seq"].as_u64(), Some(7));
        assert!(e.get("_client_processes").is_none(), "no sender known");
    }

    #[test]
    fn the_run_is_counted_from_one_as_the_transcript_counts_it() {
        let mut first = exchange(None);
        first.run_index = 0;
        let mut second = exchange(None);
        second.run_index = 1;
        let har = to_har(&[first, second]);
        let runs: Vec<_> = (0..2)
            .map(|i| har["log"]["entries"][i]["_run"].as_u64())
            .collect();
        assert_eq!(runs, [Some(1), Some(2)]);
    }

    #[test]
    fn an_entry_names_the_process_that_sent_it_and_its_parents() {
        let mut x = exchange(None);
        x.client_processes = vec![9812, 9801, 9790];
        let har = to_har(&[x]);
        assert_eq!(
            har["log"]["entries"][0]["_client_processes"],
            json!([9812, 9801, 9790])
        );
    }

    #[test]
    fn an_entry_gives_the_http_version_the_client_spoke() {
        let mut h2 = exchange(None);
        h2.request.http_version = Some("HTTP/2.0".into());
        let har = to_har(&[h2, exchange(None)]);
        let e = &har["log"]["entries"];
        assert_eq!(e[0]["request"]["httpVersion"], "HTTP/2.0");
        assert_eq!(e[0]["response"]["httpVersion"], "HTTP/2.0");
        assert_eq!(
            e[1]["request"]["httpVersion"], "HTTP/1.1",
            "an older record"
        );
    }

    #[test]
    fn cookies_are_listed_by_name_with_their_redacted_values() {
        let mut x = exchange(Some(RecordedResponse {
            status: 200,
            headers: vec![Header::new(
                "Set-Cookie",
                "sid=‹redacted:sid#1›; Path=/; Secure",
            )],
            body: Body::text(""),
        }));
        x.request.headers.push(Header::new(
            "Cookie",
            "sid=‹redacted:sid#1›; BrowserId=‹redacted:cookie#2›",
        ));
        let har = to_har(&[x]);
        let e = &har["log"]["entries"][0];
        assert_eq!(
            e["request"]["cookies"],
            json!([
                { "name": "sid", "value": "‹redacted:sid#1›" },
                { "name": "BrowserId", "value": "‹redacted:cookie#2›" },
            ])
        );
        assert_eq!(
            e["response"]["cookies"],
            json!([{ "name": "sid", "value": "‹redacted:sid#1›" }])
        );
    }

    #[test]
    fn a_binary_body_the_record_kept_is_given_in_base64() {
        let mut x = exchange(None);
        x.request.body = Body {
            text: "‹binary 3 bytes›".into(),
            size: 3,
            truncated: false,
            base64: Some("/+4A".into()),
            encoded_size: None,
        };
        let har = to_har(&[x]);
        let post = &har["log"]["entries"][0]["request"]["postData"];
        assert_eq!(post["text"], "/+4A");
        assert_eq!(
            post["_encoding"], "base64",
            "HAR 1.2 has no postData.encoding"
        );
        assert!(post.get("encoding").is_none());
    }

    #[test]
    fn a_compressed_answers_body_size_is_the_bytes_sent() {
        let mut body = Body::text("{\"totalSize\":0}".repeat(40));
        let inflated = body.size;
        body.encoded_size = Some(31);
        let har = to_har(&[exchange(Some(RecordedResponse {
            status: 200,
            headers: vec![Header::new("Content-Encoding", "gzip")],
            body,
        }))]);
        let response = &har["log"]["entries"][0]["response"];
        assert_eq!(response["bodySize"], 31);
        assert_eq!(response["content"]["size"], inflated);
        assert_eq!(response["content"]["compression"], inflated - 31);
    }

    #[test]
    fn a_dropped_connection_has_status_zero_and_the_error() {
        let mut x = exchange(None);
        x.error = Some("connection dropped".into());
        let har = to_har(&[x]);
        let e = &har["log"]["entries"][0];
        assert_eq!(e["response"]["status"], 0);
        assert_eq!(e["_error"], "connection dropped");
        assert!(to_har_string(&[]).contains("\"entries\": []"));
    }
}
