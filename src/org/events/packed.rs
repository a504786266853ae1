//! The packed field values of a compact change event: one byte buffer per event instead of a
//! JSON map, decoded into the stored JSON form only when the event is read.
//!
//! Per field: its position in the event type (u16, little-endian), a tag, the value. Values
//! equal to the commit's user or timestamp, or that timestamp to the second (CreatedById,
//! LastModifiedDate… on most changes) are a tag alone; ids are 18 raw bytes; texts carry a
//! varint length.

use crate::org::ids::SfId;
use crate::org::schema::FieldType;
use crate::org::value::Value as Stored;
use serde_json::{json, Map, Value};

/// What the values of one event may refer to instead of repeating it.
#[derive(Debug, Clone, Copy)]
pub struct Shared<'a> {
    pub user: &'a SfId,
    /// Epoch milliseconds.
    pub timestamp: i64,
}

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const INT: u8 = 3;
const DOUBLE: u8 = 4;
const TEXT: u8 = 5;
const ID: u8 = 6;
const COMMIT_USER: u8 = 7;
const COMMIT_TIME: u8 = 8;
/// The commit's timestamp to the second: the audit stamps of the change itself, which the
/// store keeps to the second.
const COMMIT_SECOND: u8 = 9;

fn whole_second(ms: i64) -> i64 {
    ms - ms.rem_euclid(1000)
}

fn int(out: &mut Vec<u8>, i: i64, shared: Shared<'_>) {
    if i == shared.timestamp {
        out.push(COMMIT_TIME);
    } else if i == whole_second(shared.timestamp) {
        out.push(COMMIT_SECOND);
    } else {
        out.push(INT);
        out.extend_from_slice(&i.to_le_bytes());
    }
}

/// Appends one field value in the form `cdc::stored_json` gives it (`None`: null, except
/// for a checkbox: the store keeps no false checkbox, so one without a value is false, as a
/// REST read shows it — a checkbox is never null).
pub fn pack(out: &mut Vec<u8>, pos: u16, v: Option<&Stored>, t: FieldType, shared: Shared<'_>) {
    out.extend_from_slice(&pos.to_le_bytes());
    match v {
        None if t == FieldType::Boolean => out.push(FALSE),
        None => out.push(NULL),
        Some(Stored::Bool(b)) => out.push(if *b { TRUE } else { FALSE }),
        Some(Stored::Int(i)) | Some(Stored::DateTime(i)) => int(out, *i, shared),
        Some(Stored::Date(d)) => int(out, i64::from(*d), shared),
        Some(Stored::Double(f)) if t == FieldType::Int && f.fract() == 0.0 => {
            int(out, *f as i64, shared)
        }
        Some(Stored::Double(f)) if f.is_finite() => {
            out.push(DOUBLE);
            out.extend_from_slice(&f.to_le_bytes());
        }
        Some(Stored::Double(_)) => out.push(NULL),
        Some(Stored::Text(s)) => {
            out.push(TEXT);
            let mut n = s.len();
            while n >= 0x80 {
                out.push((n as u8 & 0x7f) | 0x80);
                n >>= 7;
            }
            out.push(n as u8);
            out.extend_from_slice(s.as_bytes());
        }
        Some(Stored::Id(id)) if id == shared.user => out.push(COMMIT_USER),
        Some(Stored::Id(id)) => {
            out.push(ID);
            out.extend_from_slice(id.as_str().as_bytes());
        }
    }
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if bytes.len() < n {
        return None;
    }
    let (head, rest) = bytes.split_at(n);
    *bytes = rest;
    Some(head)
}

fn varint(bytes: &mut &[u8]) -> Option<usize> {
    let mut n = 0usize;
    for shift in (0..64).step_by(7) {
        let b = *take(bytes, 1)?.first()?;
        n |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(n);
        }
    }
    None
}

fn text(b: &[u8]) -> Value {
    Value::String(String::from_utf8_lossy(b).into_owned())
}

/// One packed value, or `None` at a malformed entry (which `pack` never writes).
fn value(bytes: &mut &[u8], shared: Shared<'_>) -> Option<Value> {
    let tag = *take(bytes, 1)?.first()?;
    Some(match tag {
        NULL => Value::Null,
        FALSE => Value::Bool(false),
        TRUE => Value::Bool(true),
        INT => json!(i64::from_le_bytes(take(bytes, 8)?.try_into().ok()?)),
        DOUBLE => {
            let f = f64::from_le_bytes(take(bytes, 8)?.try_into().ok()?);
            serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
        }
        TEXT => {
            let n = varint(bytes)?;
            text(take(bytes, n)?)
        }
        ID => text(take(bytes, 18)?),
        COMMIT_USER => Value::String(shared.user.as_str().to_string()),
        COMMIT_TIME => json!(shared.timestamp),
        COMMIT_SECOND => json!(whole_second(shared.timestamp)),
        _ => return None,
    })
}

/// Inserts the packed fields into `payload` under their names (`names[pos]`).
pub fn unpack(
    mut bytes: &[u8],
    names: impl Fn(usize) -> Option<String>,
    shared: Shared<'_>,
    payload: &mut Map<String, Value>,
) {
    while let Some(pos) = take(&mut bytes, 2).map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
    {
        let Some(v) = value(&mut bytes, shared) else {
            return;
        };
        if let Some(name) = names(pos) {
            payload.insert(name, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::value::Value as S;

    #[test]
    fn every_value_kind_round_trips_to_its_stored_json_form() {
        let user = SfId::parse("005000000000001AAA").unwrap();
        let other = SfId::parse("001000000000002AAA").unwrap();
        let shared = Shared {
            user: &user,
            timestamp: 1_700_000_000_123,
        };
        let long = "x".repeat(300);
        let cases: Vec<(Option<S>, FieldType)> = vec![
            (None, FieldType::String),
            (Some(S::Bool(true)), FieldType::Boolean),
            (Some(S::Bool(false)), FieldType::Boolean),
            (Some(S::Int(-5)), FieldType::Int),
            (Some(S::Double(42.0)), FieldType::Int),
            (Some(S::Double(2.5)), FieldType::Double),
            (Some(S::Double(f64::NAN)), FieldType::Double),
            (Some(S::Text("Acmé".into())), FieldType::String),
            (Some(S::Text(long.clone().into())), FieldType::String),
            (Some(S::Date(19_000)), FieldType::Date),
            (Some(S::DateTime(1_700_000_000_123)), FieldType::DateTime),
            (Some(S::DateTime(1_700_000_000_000)), FieldType::DateTime),
            (Some(S::DateTime(1_600_000_000_000)), FieldType::DateTime),
            (Some(S::Id(user)), FieldType::Reference),
            (Some(S::Id(other)), FieldType::Reference),
        ];
        let mut buf = Vec::new();
        for (pos, (v, t)) in cases.iter().enumerate() {
            pack(&mut buf, pos as u16, v.as_ref(), *t, shared);
        }
        let mut out = Map::new();
        unpack(&buf, |p| Some(format!("f{p}")), shared, &mut out);
        let expected: Vec<Value> = cases
            .iter()
            .map(|(v, t)| match v {
                Some(v) => crate::org::events::cdc::stored_json(v, *t),
                None => Value::Null,
            })
            .collect();
        let got: Vec<Value> = out.values().cloned().collect();
        assert_eq!(got, expected);
        // The commit's time and that time to the second are a tag each, not 8 bytes.
        let mut stamps = Vec::new();
        pack(
            &mut stamps,
            0,
            Some(&S::DateTime(1_700_000_000_123)),
            FieldType::DateTime,
            shared,
        );
        pack(
            &mut stamps,
            1,
            Some(&S::DateTime(1_700_000_000_000)),
            FieldType::DateTime,
            shared,
        );
        assert_eq!(stamps.len(), 6);
        assert_eq!(out["f8"], long.as_str());
    }

    #[test]
    fn a_checkbox_without_a_stored_value_unpacks_as_false_not_null() {
        let user = SfId::parse("005000000000001AAA").unwrap();
        let shared = Shared {
            user: &user,
            timestamp: 0,
        };
        let mut buf = Vec::new();
        pack(&mut buf, 0, None, FieldType::Boolean, shared);
        pack(&mut buf, 1, None, FieldType::String, shared);
        let mut out = Map::new();
        unpack(&buf, |p| Some(format!("f{p}")), shared, &mut out);
        assert_eq!(out["f0"], Value::Bool(false));
        assert_eq!(out["f1"], Value::Null);
    }

    #[test]
    fn a_truncated_buffer_stops_without_panicking() {
        let user = SfId::parse("005000000000001AAA").unwrap();
        let shared = Shared {
            user: &user,
            timestamp: 0,
        };
        let mut buf = Vec::new();
        pack(
            &mut buf,
            0,
            Some(&S::Text("abc".into())),
            FieldType::String,
            shared,
        );
        pack(&mut buf, 1, Some(&S::Int(7)), FieldType::Int, shared);
        buf.truncate(buf.len() - 3);
        let mut out = Map::new();
        unpack(&buf, |p| Some(format!("f{p}")), shared, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out["f0"], "abc");
    }
}
