//! Compressed bodies, as Salesforce's REST API takes and gives them: a request body sent with
//! `Content-Encoding: gzip` (or `deflate`) is inflated before any resource reads it, and a
//! response is gzipped when the request said `Accept-Encoding: gzip`.
//!
//! [`Coding`] is shared with the recording proxy, which passes compressed bodies through and
//! records their text.

use super::error::ApiError;
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::io::{Read, Write};

/// A content coding Salesforce takes and gives (`gzip`, `deflate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    Deflate,
}

impl Coding {
    /// The coding a `Content-Encoding` value names, if it is one of these.
    pub fn of(content_encoding: Option<&str>) -> Option<Coding> {
        match content_encoding?.trim().to_ascii_lowercase().as_str() {
            "gzip" | "x-gzip" => Some(Coding::Gzip),
            "deflate" => Some(Coding::Deflate),
            _ => None,
        }
    }

    /// A reader of `body` inflated.
    pub fn reader<'a>(self, body: &'a [u8]) -> Box<dyn Read + 'a> {
        match self {
            Coding::Gzip => Box::new(flate2::read::GzDecoder::new(body)),
            Coding::Deflate => Box::new(flate2::read::ZlibDecoder::new(body)),
        }
    }

    /// `text` compressed with this coding.
    pub fn encode(self, text: &[u8]) -> std::io::Result<Vec<u8>> {
        let level = flate2::Compression::default();
        match self {
            Coding::Gzip => {
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), level);
                gz.write_all(text)?;
                gz.finish()
            }
            Coding::Deflate => {
                let mut z = flate2::write::ZlibEncoder::new(Vec::new(), level);
                z.write_all(text)?;
                z.finish()
            }
        }
    }

    /// `body` inflated, when it inflates cleanly to at most `limit` bytes.
    pub fn decode(self, body: &[u8], limit: usize) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let read = self
            .reader(body)
            .take(limit as u64 + 1)
            .read_to_end(&mut out);
        (read.is_ok() && out.len() <= limit).then_some(out)
    }
}

/// `body` inflated per its `Content-Encoding` (the header is then removed), at most `limit`
/// bytes once inflated.
pub fn decode_request(
    headers: &mut HeaderMap,
    body: Bytes,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase());
    let Some(encoding) = encoding.filter(|e| !e.is_empty() && e != "identity") else {
        return Ok(body);
    };
    let Some(coding) = Coding::of(Some(&encoding)) else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            format!(
                "Content-Encoding {encoding} is not supported; send gzip or deflate, or no encoding."
            ),
        ));
    };
    let mut out = Vec::new();
    let read = coding
        .reader(&body)
        .take(limit as u64 + 1)
        .read_to_end(&mut out);
    if read.is_err() {
        return Err(ApiError::json_parser(format!(
            "The request body is not valid {encoding} data, though Content-Encoding says it is."
        )));
    }
    if out.len() > limit {
        return Err(ApiError::body_too_large(limit));
    }
    headers.remove(header::CONTENT_ENCODING);
    headers.remove(header::CONTENT_LENGTH);
    Ok(Bytes::from(out))
}

/// Whether an `Accept-Encoding` header lets the answer be gzipped (`gzip`, not `gzip;q=0`).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|part| {
            let mut bits = part.split(';').map(str::trim);
            let coding = bits.next().unwrap_or("");
            let refused = bits.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

/// `resp` gzipped, unless it has no body to compress, is already encoded, or is a stream of
/// server-sent events (which must reach the client as each event is written).
pub async fn encode_response(resp: Response) -> Response {
    let status = resp.status();
    let streaming = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
        || streaming
        || resp.headers().contains_key(header::CONTENT_ENCODING)
    {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return ApiError::unknown_exception().into_response();
    };
    if bytes.is_empty() {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    if gz.write_all(&bytes).is_err() {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let Ok(zipped) = gz.finish() else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    parts
        .headers
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    parts
        .headers
        .append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(zipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(data).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn a_gzipped_request_body_is_inflated_and_loses_its_encoding_header() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        let body = decode_request(&mut h, Bytes::from(gzip(br#"{"Name":"Zip"}"#)), 1024).unwrap();
        assert_eq!(&body[..], br#"{"Name":"Zip"}"#);
        assert!(h.get(header::CONTENT_ENCODING).is_none());
    }

    #[test]
    fn bad_or_oversized_compressed_bodies_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        let bad = decode_request(&mut h.clone(), Bytes::from_static(b"not gzip"), 1024);
        assert_eq!(bad.unwrap_err().error_code, "JSON_PARSER_ERROR");
        let bomb = decode_request(&mut h, Bytes::from(gzip(&vec![b'x'; 10_000])), 1024);
        assert_eq!(bomb.unwrap_err().status, StatusCode::PAYLOAD_TOO_LARGE);
        let mut br = HeaderMap::new();
        br.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        let refused = decode_request(&mut br, Bytes::from_static(b"x"), 1024);
        assert_eq!(
            refused.unwrap_err().status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(v));
            accepts_gzip(&h)
        };
        assert!(with("gzip"));
        assert!(with("deflate, gzip;q=0.8"));
        assert!(!with("gzip;q=0"));
        assert!(!with("identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[tokio::test]
    async fn an_answer_is_gzipped_and_says_so() {
        let resp = (StatusCode::OK, "hello hello hello").into_response();
        let zipped = encode_response(resp).await;
        assert_eq!(zipped.headers()[header::CONTENT_ENCODING], "gzip");
        let bytes = axum::body::to_bytes(zipped.into_body(), usize::MAX)
            .await
            .unwrap();
        let mut out = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "hello hello hello");
        let empty = encode_response(StatusCode::NO_CONTENT.into_response()).await;
        assert!(empty.headers().get(header::CONTENT_ENCODING).is_none());
    }
}
