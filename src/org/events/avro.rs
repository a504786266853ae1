//! A small Avro binary encoder and decoder for the record schemas the event bus generates:
//! null, boolean, int, long, double, string, bytes, arrays, enums, records and unions.
//!
//! Values are `serde_json::Value`s (records are JSON objects, unions take the value of the
//! branch that matches). Encoding follows the Avro 1.x specification: zig-zag varints for
//! int/long, little-endian IEEE doubles, length-prefixed strings, arrays in one counted block
//! followed by a zero, unions as the branch index then the value.

use serde_json::{json, Map, Value};

/// An Avro schema (the subset the bus uses).
#[derive(Debug, Clone, PartialEq)]
pub enum AvroType {
    Null,
    Boolean,
    Int,
    Long,
    Double,
    String,
    Bytes,
    Array(Box<AvroType>),
    Enum {
        name: String,
        symbols: Vec<String>,
    },
    Record {
        name: String,
        namespace: Option<String>,
        doc: Option<String>,
        fields: Vec<AvroField>,
    },
    Union(Vec<AvroType>),
    /// A second use of a record defined earlier in the schema: written as its name alone
    /// (Avro forbids defining a name twice), encoded as the record.
    Named {
        name: String,
        def: Box<AvroType>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct AvroField {
    pub name: String,
    pub schema: AvroType,
    /// Salesforce documents each field's origin here (`data:DateTime`, `required=true`…).
    pub doc: Option<String>,
    /// `null` for optional fields.
    pub default: Option<Value>,
}

/// Why bytes or a value do not fit a schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AvroError {
    #[error("the Avro payload ended early while reading {0}; encode the event with the schema GetSchema returns for its schema id")]
    Truncated(&'static str),
    #[error("the Avro payload is malformed: {0}; encode the event with the schema GetSchema returns for its schema id")]
    Malformed(String),
    #[error("field {field}: {reason}")]
    Value { field: String, reason: String },
}

impl AvroType {
    /// `["null", t]` — an optional field.
    pub fn optional(t: AvroType) -> AvroType {
        AvroType::Union(vec![AvroType::Null, t])
    }

    /// The schema as Avro JSON.
    pub fn to_json(&self) -> Value {
        match self {
            AvroType::Null => json!("null"),
            AvroType::Boolean => json!("boolean"),
            AvroType::Int => json!("int"),
            AvroType::Long => json!("long"),
            AvroType::Double => json!("double"),
            AvroType::String => json!("string"),
            AvroType::Bytes => json!("bytes"),
            AvroType::Array(items) => json!({"type": "array", "items": items.to_json()}),
            AvroType::Enum { name, symbols } => {
                json!({"type": "enum", "name": name, "symbols": symbols})
            }
            AvroType::Record {
                name,
                namespace,
                doc,
                fields,
            } => {
                let mut m = Map::new();
                m.insert("type".into(), json!("record"));
                m.insert("name".into(), json!(name));
                if let Some(ns) = namespace {
                    m.insert("namespace".into(), json!(ns));
                }
                if let Some(d) = doc {
                    m.insert("doc".into(), json!(d));
                }
                let fs: Vec<Value> = fields
                    .iter()
                    .map(|f| {
                        let mut fm = Map::new();
                        fm.insert("name".into(), json!(f.name));
                        fm.insert("type".into(), f.schema.to_json());
                        if let Some(d) = &f.doc {
                            fm.insert("doc".into(), json!(d));
                        }
                        if let Some(d) = &f.default {
                            fm.insert("default".into(), d.clone());
                        }
                        Value::Object(fm)
                    })
                    .collect();
                m.insert("fields".into(), Value::Array(fs));
                Value::Object(m)
            }
            AvroType::Union(branches) => {
                Value::Array(branches.iter().map(|b| b.to_json()).collect())
            }
            AvroType::Named { name, .. } => json!(name),
        }
    }

    fn matches(&self, v: &Value) -> bool {
        match (self, v) {
            (AvroType::Null, Value::Null) => true,
            (AvroType::Boolean, Value::Bool(_)) => true,
            (AvroType::Int | AvroType::Long, Value::Number(n)) => n.is_i64() || n.is_u64(),
            (AvroType::Double, Value::Number(_)) => true,
            (AvroType::String | AvroType::Bytes, Value::String(_)) => true,
            (AvroType::Enum { symbols, .. }, Value::String(s)) => symbols.contains(s),
            (AvroType::Array(_), Value::Array(_)) => true,
            (AvroType::Record { .. }, Value::Object(_)) => true,
            (AvroType::Named { def, .. }, v) => def.matches(v),
            _ => false,
        }
    }
}

fn put_long(out: &mut Vec<u8>, n: i64) {
    let mut z = ((n << 1) ^ (n >> 63)) as u64;
    while z >= 0x80 {
        out.push((z as u8 & 0x7f) | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_long(out, b.len() as i64);
    out.extend_from_slice(b);
}

fn bad(field: &str, reason: impl Into<String>) -> AvroError {
    AvroError::Value {
        field: field.to_string(),
        reason: reason.into(),
    }
}

/// Appends the Avro binary encoding of `v` under schema `t`.
pub fn encode(t: &AvroType, v: &Value, out: &mut Vec<u8>) -> Result<(), AvroError> {
    encode_at(t, v, out, "(root)")
}

fn encode_at(t: &AvroType, v: &Value, out: &mut Vec<u8>, at: &str) -> Result<(), AvroError> {
    match t {
        AvroType::Null => match v {
            Value::Null => Ok(()),
            _ => Err(bad(at, "expected null")),
        },
        AvroType::Boolean => {
            let b = v
                .as_bool()
                .ok_or_else(|| bad(at, "expected true or false"))?;
            out.push(u8::from(b));
            Ok(())
        }
        AvroType::Int | AvroType::Long => {
            let n = v
                .as_i64()
                .ok_or_else(|| bad(at, "expected a whole number"))?;
            if *t == AvroType::Int && i32::try_from(n).is_err() {
                return Err(bad(at, "number out of the int range"));
            }
            put_long(out, n);
            Ok(())
        }
        AvroType::Double => {
            let f = v.as_f64().ok_or_else(|| bad(at, "expected a number"))?;
            out.extend_from_slice(&f.to_le_bytes());
            Ok(())
        }
        AvroType::String | AvroType::Bytes => {
            let s = v.as_str().ok_or_else(|| bad(at, "expected text"))?;
            put_bytes(out, s.as_bytes());
            Ok(())
        }
        AvroType::Array(items) => {
            let a = v.as_array().ok_or_else(|| bad(at, "expected a list"))?;
            if !a.is_empty() {
                put_long(out, a.len() as i64);
                for item in a {
                    encode_at(items, item, out, at)?;
                }
            }
            put_long(out, 0);
            Ok(())
        }
        AvroType::Enum { symbols, .. } => {
            let s = v.as_str().unwrap_or_default();
            let i = symbols
                .iter()
                .position(|x| x == s)
                .ok_or_else(|| bad(at, format!("expected one of {}", symbols.join(", "))))?;
            put_long(out, i as i64);
            Ok(())
        }
        AvroType::Record { fields, .. } => {
            let empty = Map::new();
            let m = match v {
                Value::Object(m) => m,
                Value::Null => &empty,
                _ => return Err(bad(at, "expected a record")),
            };
            for f in fields {
                let fv = m.get(&f.name).unwrap_or(&Value::Null);
                encode_at(&f.schema, fv, out, &f.name)?;
            }
            Ok(())
        }
        AvroType::Union(branches) => {
            let i = branches
                .iter()
                .position(|b| b.matches(v))
                .ok_or_else(|| bad(at, "the value fits no branch of the union"))?;
            put_long(out, i as i64);
            encode_at(&branches[i], v, out, at)
        }
        AvroType::Named { def, .. } => encode_at(def, v, out, at),
    }
}

/// Decodes one value of schema `t` from the front of `input`, advancing it.
pub fn decode(t: &AvroType, input: &mut &[u8]) -> Result<Value, AvroError> {
    Ok(match t {
        AvroType::Null => Value::Null,
        AvroType::Boolean => {
            let (b, rest) = input
                .split_first()
                .ok_or(AvroError::Truncated("a boolean"))?;
            *input = rest;
            match b {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                _ => return Err(AvroError::Malformed(format!("boolean byte {b}"))),
            }
        }
        AvroType::Int | AvroType::Long => Value::from(get_long(input)?),
        AvroType::Double => {
            if input.len() < 8 {
                return Err(AvroError::Truncated("a double"));
            }
            let (b, rest) = input.split_at(8);
            *input = rest;
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            serde_json::Number::from_f64(f64::from_le_bytes(a))
                .map(Value::Number)
                .unwrap_or(Value::Null)
        }
        AvroType::String | AvroType::Bytes => {
            let b = get_bytes(input)?;
            Value::String(
                String::from_utf8(b.to_vec())
                    .map_err(|_| AvroError::Malformed("a string that is not UTF-8".into()))?,
            )
        }
        AvroType::Array(items) => {
            let mut out = Vec::new();
            loop {
                let mut n = get_long(input)?;
                if n == 0 {
                    break;
                }
                if n < 0 {
                    // A negative count is followed by the block's size in bytes.
                    n = n
                        .checked_neg()
                        .ok_or_else(|| AvroError::Malformed("array block count".into()))?;
                    get_long(input)?;
                }
                if n as usize > input.len() + 1 {
                    return Err(AvroError::Malformed(format!("array block of {n} items")));
                }
                for _ in 0..n {
                    out.push(decode(items, input)?);
                }
            }
            Value::Array(out)
        }
        AvroType::Enum { symbols, .. } => {
            let i = get_long(input)?;
            let s = usize::try_from(i)
                .ok()
                .and_then(|i| symbols.get(i))
                .ok_or_else(|| AvroError::Malformed(format!("enum index {i}")))?;
            Value::String(s.clone())
        }
        AvroType::Record { fields, .. } => {
            let mut m = Map::new();
            for f in fields {
                m.insert(f.name.clone(), decode(&f.schema, input)?);
            }
            Value::Object(m)
        }
        AvroType::Union(branches) => {
            let i = get_long(input)?;
            let b = usize::try_from(i)
                .ok()
                .and_then(|i| branches.get(i))
                .ok_or_else(|| AvroError::Malformed(format!("union branch {i}")))?;
            decode(b, input)?
        }
        AvroType::Named { def, .. } => decode(def, input)?,
    })
}

fn get_long(input: &mut &[u8]) -> Result<i64, AvroError> {
    let mut z: u64 = 0;
    let mut shift = 0;
    loop {
        let (b, rest) = input
            .split_first()
            .ok_or(AvroError::Truncated("a number"))?;
        *input = rest;
        if shift > 63 {
            return Err(AvroError::Malformed("a varint longer than 10 bytes".into()));
        }
        z |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    Ok((z >> 1) as i64 ^ -((z & 1) as i64))
}

fn get_bytes<'a>(input: &mut &'a [u8]) -> Result<&'a [u8], AvroError> {
    let n = usize::try_from(get_long(input)?)
        .map_err(|_| AvroError::Malformed("a negative length".into()))?;
    if input.len() < n {
        return Err(AvroError::Truncated("a string"));
    }
    let (b, rest) = input.split_at(n);
    *input = rest;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, schema: AvroType) -> AvroField {
        AvroField {
            name: name.into(),
            schema,
            doc: None,
            default: None,
        }
    }

    fn sample() -> AvroType {
        AvroType::Record {
            name: "Sample__e".into(),
            namespace: Some("com.sforce.eventbus".into()),
            doc: None,
            fields: vec![
                field("CreatedDate", AvroType::Long),
                field("Name__c", AvroType::optional(AvroType::String)),
                field("Qty__c", AvroType::optional(AvroType::Double)),
                field("Ok__c", AvroType::optional(AvroType::Boolean)),
                field("Ids", AvroType::Array(Box::new(AvroType::String))),
                field(
                    "Kind",
                    AvroType::Enum {
                        name: "K".into(),
                        symbols: vec!["CREATE".into(), "UPDATE".into()],
                    },
                ),
            ],
        }
    }

    #[test]
    fn longs_use_zigzag_varints_as_the_spec_shows() {
        let mut out = Vec::new();
        for n in [0i64, -1, 1, -64, 64] {
            put_long(&mut out, n);
        }
        assert_eq!(out, vec![0x00, 0x01, 0x02, 0x7f, 0x80, 0x01]);
    }

    #[test]
    fn a_record_round_trips_with_nulls_and_arrays() {
        let v = json!({"CreatedDate": 1_700_000_000_000i64, "Name__c": "Falcon", "Qty__c": null,
                       "Ok__c": true, "Ids": ["001A", "001B"], "Kind": "UPDATE"});
        let mut bytes = Vec::new();
        encode(&sample(), &v, &mut bytes).unwrap();
        let mut input = bytes.as_slice();
        let back = decode(&sample(), &mut input).unwrap();
        assert!(input.is_empty());
        assert_eq!(back, v);
    }

    #[test]
    fn a_string_union_encodes_branch_one_then_the_text() {
        let mut out = Vec::new();
        encode(
            &AvroType::optional(AvroType::String),
            &json!("ab"),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, vec![2, 4, b'a', b'b']);
    }

    #[test]
    fn truncated_or_garbage_input_is_an_error_not_a_panic() {
        let mut bytes = Vec::new();
        encode(
            &sample(),
            &json!({"CreatedDate": 5, "Ids": [], "Kind": "CREATE"}),
            &mut bytes,
        )
        .unwrap();
        for cut in 0..bytes.len() {
            let mut input = &bytes[..cut];
            assert!(decode(&sample(), &mut input).is_err(), "cut at {cut}");
        }
        let mut junk: &[u8] = &[0xff; 12];
        assert!(decode(&sample(), &mut junk).is_err());
        // An array block count of i64::MIN (zig-zag 0xff…01) is refused, not negated.
        let strings = AvroType::Array(Box::new(AvroType::String));
        let mut min: &[u8] = &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert!(decode(&strings, &mut min).is_err());
    }

    #[test]
    fn a_value_of_the_wrong_type_names_the_field() {
        let err = encode(&sample(), &json!({"CreatedDate": "soon"}), &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("CreatedDate"), "{err}");
    }

    #[test]
    fn schema_json_is_standard_avro() {
        let j = sample().to_json();
        assert_eq!(j["type"], "record");
        assert_eq!(j["fields"][1]["type"], json!(["null", "string"]));
        assert_eq!(j["fields"][4]["type"]["type"], "array");
    }

    proptest::proptest! {
        #[test]
        fn any_record_value_round_trips(
            created in proptest::prelude::any::<i64>(),
            name in proptest::option::of(".{0,40}"),
            qty in proptest::option::of(-1.0e12f64..1.0e12),
            ok in proptest::option::of(proptest::prelude::any::<bool>()),
            ids in proptest::collection::vec("[a-zA-Z0-9]{0,18}", 0..5),
            update in proptest::prelude::any::<bool>(),
        ) {
            let v = json!({"CreatedDate": created, "Name__c": name, "Qty__c": qty, "Ok__c": ok,
                           "Ids": ids, "Kind": if update { "UPDATE" } else { "CREATE" }});
            let mut bytes = Vec::new();
            encode(&sample(), &v, &mut bytes).unwrap();
            let mut input = bytes.as_slice();
            proptest::prop_assert_eq!(decode(&sample(), &mut input).unwrap(), v);
            proptest::prop_assert!(input.is_empty());
        }

        #[test]
        fn arbitrary_bytes_never_panic_the_decoder(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            let mut input = bytes.as_slice();
            let _ = decode(&sample(), &mut input);
        }
    }
}
