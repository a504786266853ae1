//! `X-PrettyPrint: 1`: the request header that asks a real org for indented JSON (one client
//! library sends it on every call). The layout is the Java JSON writer's default pretty
//! printer, as shown in the REST documentation's examples:
//!
//! ```text
//! {
//!   "totalSize" : 1,
//!   "records" : [ {
//!     "Id" : "001..."
//!   } ],
//!   "errors" : [ ]
//! }
//! ```
//!
//! Objects put each entry on its own line, indented two spaces per level, with `" : "` between
//! name and value; arrays keep their elements on one line separated by `", "` inside `[ ` and
//! ` ]`; empty containers are `{ }` and `[ ]`. Not verified byte for byte against a wire
//! capture: the documentation's examples are the best evidence.

use axum::http::HeaderMap;
use serde_json::Value;

/// True if the request asks for pretty JSON (`X-PrettyPrint: 1`; `true` is accepted too).
pub fn wants_pretty(headers: &HeaderMap) -> bool {
    headers
        .get("x-prettyprint")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// `compact` JSON re-rendered in the pretty layout, or `None` if it is not JSON.
pub fn prettify(compact: &[u8]) -> Option<Vec<u8>> {
    let value: Value = serde_json::from_slice(compact).ok()?;
    let mut out = Vec::with_capacity(compact.len() * 2);
    write_value(&mut out, &value, 0);
    Some(out)
}

fn indent(out: &mut Vec<u8>, level: usize) {
    out.push(b'\n');
    out.resize(out.len() + 2 * level, b' ');
}

fn write_value(out: &mut Vec<u8>, value: &Value, level: usize) {
    match value {
        Value::Object(map) if map.is_empty() => out.extend_from_slice(b"{ }"),
        Value::Object(map) => {
            out.push(b'{');
            for (i, (key, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                indent(out, level + 1);
                // Writing a string into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut *out, key);
                out.extend_from_slice(b" : ");
                write_value(out, v, level + 1);
            }
            indent(out, level);
            out.push(b'}');
        }
        Value::Array(items) if items.is_empty() => out.extend_from_slice(b"[ ]"),
        Value::Array(items) => {
            out.extend_from_slice(b"[ ");
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                write_value(out, v, level);
            }
            out.extend_from_slice(b" ]");
        }
        scalar => write_scalar(out, scalar),
    }
}

fn write_scalar(out: &mut Vec<u8>, value: &Value) {
    // Writing a scalar into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn pretty(json: &str) -> String {
        String::from_utf8(prettify(json.as_bytes()).expect("json")).expect("utf-8")
    }

    #[test]
    fn query_result_is_laid_out_like_the_documentation() {
        let got = pretty(
            r#"{"totalSize":1,"done":true,"records":[{"attributes":{"type":"Account","url":"/a"},"Name":"Acme","Tags":[],"Extra":{}}]}"#,
        );
        let want = "{\n  \"totalSize\" : 1,\n  \"done\" : true,\n  \"records\" : [ {\n    \"attributes\" : {\n      \"type\" : \"Account\",\n      \"url\" : \"/a\"\n    },\n    \"Name\" : \"Acme\",\n    \"Tags\" : [ ],\n    \"Extra\" : { }\n  } ]\n}";
        assert_eq!(got, want);
    }

    #[test]
    fn arrays_of_scalars_and_objects_stay_on_their_line() {
        assert_eq!(pretty("[1,\"a\",null]"), "[ 1, \"a\", null ]");
        assert_eq!(
            pretty(r#"[{"a":1},{"b":2}]"#),
            "[ {\n  \"a\" : 1\n}, {\n  \"b\" : 2\n} ]"
        );
    }

    #[test]
    fn pretty_output_parses_back_to_the_same_value() {
        let src = r#"{"s":"quote \" and é","n":-1.5,"nested":{"list":[{"x":[true,false]}]}}"#;
        let back: Value = serde_json::from_slice(&prettify(src.as_bytes()).unwrap()).unwrap();
        assert_eq!(back, serde_json::from_str::<Value>(src).unwrap());
    }

    #[test]
    fn only_a_true_header_asks_for_pretty_output() {
        let mut h = HeaderMap::new();
        assert!(!wants_pretty(&h));
        h.insert("x-prettyprint", HeaderValue::from_static("1"));
        assert!(wants_pretty(&h));
        h.insert("x-prettyprint", HeaderValue::from_static("0"));
        assert!(!wants_pretty(&h));
    }

    #[test]
    fn bodies_that_are_not_json_are_left_alone() {
        assert_eq!(prettify(b"<xml/>"), None);
    }
}
