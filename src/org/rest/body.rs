//! Reading request bodies as Salesforce does: a size limit, and JSON parse failures reported
//! as `JSON_PARSER_ERROR` with the parser's position (`at [line:1, column:18]`).
//!
//! Salesforce's parser is Jackson, so messages follow its wording for the common cases
//! (unexpected character, end of input, empty body).
//!
//! Implementation note [U]: a number no `f64` holds (`1e400`) is refused as `Numeric value
//! (1e400) out of range of double`, pointing at the number's first character. The wording is
//! Jackson's for an `int` or `long` that overflows; what a real org answers for such a number
//! is not recorded (Jackson itself reads it as infinity, or exactly if read as a decimal).

use super::error::ApiError;
use super::number_literal;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use serde_json::Value;

/// The largest body accepted: Salesforce documents 50 MB of text for non-multipart inserts.
pub const MAX_BODY_BYTES: usize = 50 * 1024 * 1024;

/// A request body parsed as JSON, or the Salesforce error explaining why it is not.
#[derive(Debug, Clone)]
pub struct SfJson(pub Value);

/// A request body parsed as JSON, kept with the bytes it was parsed from, so that an error
/// about one of its values can quote the value as the client wrote it (see
/// [`number_literal`]).
#[derive(Debug, Clone)]
pub struct SfJsonAsSent {
    pub value: Value,
    pub sent: Bytes,
}

/// Reads at most `limit` bytes of a body.
pub async fn read_limited(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let too_big = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
            || e.to_string().contains("length limit");
        if too_big {
            ApiError::body_too_large(limit)
        } else {
            ApiError::json_parser("The request body could not be read completely.")
        }
    })
}

/// A request body read under a cap.
#[derive(Debug)]
pub enum CappedBody {
    /// The whole body, within the cap.
    Whole(Bytes),
    /// A body over the cap: `seen` bytes were read before the reading stopped, and `drained`
    /// says whether that was the whole body (or reading gave up at the hard ceiling).
    Oversize { seen: u64, drained: bool },
}

/// Reads a body whole if it is at most `cap` bytes. A larger body is still read to its end
/// and thrown away, up to `ceiling` bytes: a refusal sent while the client is still sending
/// is lost to most clients — over HTTP/1.1 the connection is reset under the unread bytes
/// before the client reads the answer, over HTTP/2 the stream is cancelled — so the answer
/// waits until the body has arrived. A body declared (`Content-Length`) or found to be over
/// the ceiling is not waited for.
pub async fn read_capped(body: Body, cap: usize, ceiling: u64) -> Result<CappedBody, axum::Error> {
    use axum::body::HttpBody as _;
    use http_body_util::BodyExt;
    let mut body = body;
    let declared = body.size_hint().lower();
    if declared > ceiling {
        return Ok(CappedBody::Oversize {
            seen: 0,
            drained: false,
        });
    }
    // A body declared over the cap is not kept while it is drained.
    let mut keep = declared <= cap as u64;
    let mut kept: Vec<Bytes> = Vec::new();
    let mut seen: u64 = 0;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue; // trailers
        };
        seen += data.len() as u64;
        if seen > ceiling {
            return Ok(CappedBody::Oversize {
                seen,
                drained: false,
            });
        }
        if keep && seen <= cap as u64 {
            kept.push(data);
        } else if keep {
            keep = false;
            kept = Vec::new();
        }
    }
    if seen > cap as u64 {
        return Ok(CappedBody::Oversize {
            seen,
            drained: true,
        });
    }
    Ok(CappedBody::Whole(match kept.len() {
        0 => Bytes::new(),
        1 => kept.swap_remove(0),
        _ => kept.concat().into(),
    }))
}

/// Parses `bytes` as one JSON value, with Jackson-style messages on failure.
pub fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::json_parser(
            "No content to map due to end-of-input at [line:1, column:0]",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::json_parser(jackson_message(bytes, &e)))
}

fn char_at(bytes: &[u8], line: usize, column: usize) -> Option<char> {
    let text = std::str::from_utf8(bytes).ok()?;
    let l = text.lines().nth(line.checked_sub(1)?)?;
    l.chars().nth(column.checked_sub(1)?)
}

pub(crate) fn jackson_message(bytes: &[u8], e: &serde_json::Error) -> String {
    let (line, column) = (e.line(), e.column());
    let at = format!("at [line:{line}, column:{column}]");
    if e.is_eof() {
        return format!("Unexpected end-of-input: expected close marker {at}");
    }
    let detail = e.to_string();
    let detail = detail
        .rsplit_once(" at line ")
        .map(|(d, _)| d.to_string())
        .unwrap_or(detail);
    if detail == "number out of range" {
        if let Some((literal, start)) = number_literal::at_position(bytes, line, column) {
            return format!(
                "Numeric value ({}) out of range of double at [line:{line}, column:{start}]",
                number_literal::quoted(literal)
            );
        }
    }
    if !e.is_syntax() {
        // A shape the parser did not expect, said without the parser's own markup:
        // `missing field \`referenceId\`` becomes "Missing required field 'referenceId'".
        let detail = match detail.strip_prefix("missing field ") {
            Some(field) => format!("Missing required field {field}"),
            None => detail,
        };
        let mut said = detail.replace('`', "'");
        if let Some(first) = said.get(..1) {
            said = format!("{}{}", first.to_uppercase(), &said[1..]);
        }
        return format!("{said} {at}");
    }
    if matches!(detail.as_str(), "expected value" | "expected ident") {
        if let Some((token, end)) = word_at(bytes, line, column) {
            return format!(
                "Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false') at [line:{line}, column:{end}]"
            );
        }
    }
    // serde_json's wording, in Jackson's words where Salesforce's own messages are known.
    let expecting = match detail.as_str() {
        "expected `:`" => "was expecting a colon to separate field name and value",
        "expected `,` or `}`" => "was expecting comma to separate Object entries",
        "expected `,` or `]`" => "was expecting comma to separate Array entries",
        "key must be a string" => "was expecting double-quote to start field name",
        "expected value" => "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
        other => other,
    };
    match char_at(bytes, line, column) {
        Some(c) => format!(
            "Unexpected character ('{c}' (code {})): {expecting} {at}",
            c as u32
        ),
        None => format!("{expecting} {at}"),
    }
}

/// The bare word (`not`, `True`, `undefined`) around a position, and the column after it:
/// Jackson names the whole unrecognized token.
fn word_at(bytes: &[u8], line: usize, column: usize) -> Option<(String, usize)> {
    let text = std::str::from_utf8(bytes).ok()?;
    let l: Vec<char> = text.lines().nth(line.checked_sub(1)?)?.chars().collect();
    let is_word = |c: &char| c.is_alphanumeric() || *c == '_';
    let at = column.checked_sub(1)?.min(l.len().checked_sub(1)?);
    if !is_word(&l[at]) {
        return None;
    }
    let start = (0..=at).rev().take_while(|&i| is_word(&l[i])).last()?;
    let end = (at..l.len()).take_while(|&i| is_word(&l[i])).last()? + 1;
    Some((l[start..end].iter().collect(), end + 1))
}

impl<S: Send + Sync> FromRequest<S> for SfJson {
    type Rejection = ApiError;
    async fn from_request(req: Request, _: &S) -> Result<SfJson, ApiError> {
        let bytes = read_limited(req.into_body(), MAX_BODY_BYTES).await?;
        parse_json(&bytes).map(SfJson)
    }
}

impl<S: Send + Sync> FromRequest<S> for SfJsonAsSent {
    type Rejection = ApiError;
    async fn from_request(req: Request, _: &S) -> Result<SfJsonAsSent, ApiError> {
        let sent = read_limited(req.into_body(), MAX_BODY_BYTES).await?;
        let value = parse_json(&sent)?;
        Ok(SfJsonAsSent { value, sent })
    }
}

/// The body as a JSON object, or `JSON_PARSER_ERROR` naming what was sent instead.
pub fn expect_object(value: Value) -> Result<serde_json::Map<String, Value>, ApiError> {
    match value {
        Value::Object(m) => Ok(m),
        other => {
            let token = match other {
                Value::Array(_) => "START_ARRAY",
                Value::String(_) => "VALUE_STRING",
                Value::Number(_) => "VALUE_NUMBER_INT",
                Value::Bool(true) => "VALUE_TRUE",
                Value::Bool(false) => "VALUE_FALSE",
                _ => "VALUE_NULL",
            };
            Err(ApiError::json_parser(format!(
                "Cannot deserialize instance of sObject from {token} value; the body must be one JSON object at [line:1, column:1]"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_colon_reports_the_character_and_position() {
        let err = parse_json(br#"{"Name" "x"}"#).unwrap_err();
        assert_eq!(err.error_code, "JSON_PARSER_ERROR");
        assert!(
            err.message
                .starts_with("Unexpected character ('\"' (code 34))"),
            "{}",
            err.message
        );
        assert!(
            err.message.ends_with("at [line:1, column:9]"),
            "{}",
            err.message
        );
    }

    #[test]
    fn syntax_errors_use_the_parsers_wording() {
        let colon = parse_json(br#"{"Name" "x"}"#).unwrap_err().message;
        assert!(
            colon.contains("was expecting a colon to separate field name and value"),
            "{colon}"
        );
        let comma = parse_json(br#"{"Name":"x" "Phone":"1"}"#)
            .unwrap_err()
            .message;
        assert!(
            comma.contains("was expecting comma to separate Object entries"),
            "{comma}"
        );
        let word = parse_json(b"not json").unwrap_err().message;
        assert_eq!(
            word,
            "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false') at [line:1, column:4]"
        );
        let python = parse_json(br#"{"IsActive": True}"#).unwrap_err().message;
        assert!(python.starts_with("Unrecognized token 'True'"), "{python}");
    }

    #[test]
    fn a_number_too_big_for_a_double_is_named_at_its_first_column() {
        let err = parse_json(br#"{"Name":"x","AnnualRevenue":1e400}"#).unwrap_err();
        assert_eq!(err.error_code, "JSON_PARSER_ERROR");
        assert_eq!(
            err.message,
            "Numeric value (1e400) out of range of double at [line:1, column:29]"
        );
        let digits = format!("{{\n \"Amount\": {}0\n}}", "9".repeat(400));
        let err = parse_json(digits.as_bytes()).unwrap_err();
        assert_eq!(
            err.message,
            format!(
                "Numeric value ({}0) out of range of double at [line:2, column:12]",
                "9".repeat(400)
            )
        );
    }

    #[test]
    fn an_empty_body_is_a_parser_error() {
        let err = parse_json(b"  ").unwrap_err();
        assert!(err.message.contains("No content to map"));
    }

    #[test]
    fn a_truncated_body_reports_end_of_input() {
        let err = parse_json(br#"{"Name":"x""#).unwrap_err();
        assert!(
            err.message.starts_with("Unexpected end-of-input"),
            "{}",
            err.message
        );
    }

    #[test]
    fn an_array_where_an_object_belongs_is_refused() {
        let err = expect_object(serde_json::json!([1])).unwrap_err();
        assert!(err.message.contains("START_ARRAY"));
    }

    #[tokio::test]
    async fn a_body_over_the_cap_is_read_to_its_end_and_dropped() {
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            (0..5).map(|_| Ok(Bytes::from(vec![b'x'; 10]))).collect();
        let body = Body::from_stream(futures::stream::iter(chunks));
        match read_capped(body, 25, 1000).await.unwrap() {
            CappedBody::Oversize { seen, drained } => assert_eq!((seen, drained), (50, true)),
            other => panic!("{other:?}"),
        }
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            (0..5).map(|_| Ok(Bytes::from(vec![b'x'; 10]))).collect();
        let body = Body::from_stream(futures::stream::iter(chunks));
        match read_capped(body, 25, 30).await.unwrap() {
            CappedBody::Oversize { drained, .. } => assert!(!drained, "gave up at the ceiling"),
            other => panic!("{other:?}"),
        }
        match read_capped(Body::from(vec![b'x'; 100]), 25, 50)
            .await
            .unwrap()
        {
            CappedBody::Oversize { seen, drained } => assert_eq!((seen, drained), (0, false)),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_body_within_the_cap_is_kept_whole() {
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            vec![Ok(Bytes::from_static(b"ab")), Ok(Bytes::from_static(b"cd"))];
        let body = Body::from_stream(futures::stream::iter(chunks));
        match read_capped(body, 4, 10).await.unwrap() {
            CappedBody::Whole(b) => assert_eq!(&b[..], b"abcd"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn bodies_over_the_limit_are_refused_with_413() {
        let err = read_limited(Body::from(vec![b'a'; 100]), 10)
            .await
            .unwrap_err();
        assert_eq!(err.status, axum::http::StatusCode::PAYLOAD_TOO_LARGE);
    }
}
