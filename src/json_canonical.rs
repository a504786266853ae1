//! JSON compared as values: one canonical text per value, whatever the key order, spacing or
//! number spelling a client used.
//!
//! serde_json keeps a client's key order (the crate's `preserve_order` feature, so answers and
//! transcripts read as sent), and tells `2` from `2.0`. Two bodies that mean the same thing can
//! therefore print differently. Whoever asks "is this the same request again?" (the mock ERP's
//! idempotency keys, the retry rules) compares [`canonical`] texts instead.
//!
//! Implementation notes: object keys are sorted at every depth; array order is kept (it is
//! meaningful). A number prints as an integer when it is one (`2`, `2.0` and `2e0` all print
//! `2`), otherwise as the shortest float that reads back the same. Integers beyond what an
//! `f64` holds exactly keep every digit, so two different large ids never collide.

use serde_json::Value as Json;
use std::fmt::Write;

/// `value` as one line of JSON with keys sorted and numbers written by value.
pub fn canonical(value: &Json) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

/// Whether `a` and `b` are the same JSON value (see the module header).
pub fn same_value(a: &Json, b: &Json) -> bool {
    canonical(a) == canonical(b)
}

fn write_value(out: &mut String, value: &Json) {
    match value {
        Json::Null | Json::Bool(_) | Json::String(_) => out.push_str(&value.to_string()),
        Json::Number(n) => write_number(out, n),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Json::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by_key(|(a, _)| *a);
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Json::String(key.clone()).to_string());
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

fn write_number(out: &mut String, n: &serde_json::Number) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(f) = n.as_f64() {
        // i64's range as floats: within it a whole float prints as the integer it is.
        if f.fract() == 0.0 && f.abs() < 9.2e18 {
            let _ = write!(out, "{}", f as i64);
        } else {
            let _ = write!(out, "{f}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str) -> Json {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn key_order_at_any_depth_does_not_matter() {
        let a = parse(r#"{"customer":"Falcon","lines":[{"sku":"V-1","quantity":2}],"id":"SO-1"}"#);
        let b = parse(r#"{"id":"SO-1","lines":[{"quantity":2,"sku":"V-1"}],"customer":"Falcon"}"#);
        assert!(same_value(&a, &b));
        assert_eq!(
            canonical(&a),
            r#"{"customer":"Falcon","id":"SO-1","lines":[{"quantity":2,"sku":"V-1"}]}"#
        );
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(same_value(&parse("2"), &parse("2.0")));
        assert!(same_value(&parse("2"), &parse("2e0")));
        assert!(same_value(&parse("-3"), &parse("-3.00")));
        assert!(same_value(&parse("0.5"), &parse("5e-1")));
        assert!(!same_value(&parse("2"), &parse("2.5")));
        assert!(!same_value(&parse("2"), &parse("\"2\"")));
    }

    #[test]
    fn array_order_and_large_integers_are_kept() {
        assert!(!same_value(&json!([1, 2]), &json!([2, 1])));
        assert!(!same_value(
            &json!(9_007_199_254_740_993_u64),
            &json!(9_007_199_254_740_992_u64)
        ));
    }

    #[test]
    fn strings_keep_their_escapes() {
        let v = json!({"b": "say \"hi\"\n", "a": null, "c": true});
        assert_eq!(canonical(&v), r#"{"a":null,"b":"say \"hi\"\n","c":true}"#);
        assert_eq!(parse(&canonical(&v)), v);
    }
}
