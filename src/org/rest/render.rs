//! REST JSON written straight to bytes on the hot read paths (retrieve a record, a query page
//! and the rows of a query without parent or child columns), without building
//! `serde_json::Value` trees first.
//!
//! The bytes are exactly those `serde_json::to_vec` gives for the trees the rest of the org
//! builds ([`crate::org::read::record_json`], the query page object, the query rows of
//! [`crate::org::soql::eval`]): the tests here and in `soql` compare both renderings, so the
//! two cannot drift apart.

use crate::org::record::Record;
use crate::org::schema::{FieldType, ObjectDef, SystemField};
use crate::org::value::{millis_to_datetime, Value};
use chrono::{Datelike, Timelike};
use serde::Serialize;

/// Writes any serializable value; writing into a `Vec` cannot fail.
fn put<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    let _ = serde_json::to_writer(&mut *out, v);
}

/// A record as REST JSON, the bytes of `serde_json::to_vec(&record_json(..))`: `attributes`,
/// then every field in schema order or the `projection` in the order asked (a field named
/// twice appears once, where it was first named).
pub fn write_record(
    out: &mut Vec<u8>,
    obj: &ObjectDef,
    rec: &Record,
    projection: Option<&[usize]>,
    version: &str,
) {
    let id = obj
        .system_index(SystemField::Id)
        .and_then(|i| rec.get(i))
        .and_then(Value::as_str)
        .unwrap_or("");
    write_attributes(out, &obj.name, Some(id), version);
    let mut field = |i: usize| {
        let f = &obj.fields[i];
        out.push(b',');
        put(out, f.name.as_str());
        out.push(b':');
        write_field(out, f.field_type, rec.get(i));
    };
    match projection {
        None => (0..obj.fields.len()).for_each(field),
        Some(p) => {
            for (n, &i) in p.iter().enumerate() {
                if !p[..n].contains(&i) {
                    field(i);
                }
            }
        }
    }
    out.push(b'}');
}

/// Adds compound address fields (`"BillingAddress":{"city":…}`) to the record
/// [`write_record`] has just written into `out`, before its closing brace.
pub fn write_addresses(
    out: &mut Vec<u8>,
    rec: &Record,
    addresses: &[crate::org::soql::address::Address],
) {
    if addresses.is_empty() || out.last() != Some(&b'}') {
        return;
    }
    out.pop();
    for a in addresses {
        out.push(b',');
        put(out, a.name.as_str());
        out.push(b':');
        put(out, &a.value(rec));
    }
    out.push(b'}');
}

/// `{"attributes":{"type":…,"url":…}` — the opening of a record object, its brace left open
/// for the fields. Without an id there is no `url`.
fn write_attributes(out: &mut Vec<u8>, object: &str, id: Option<&str>, version: &str) {
    out.extend_from_slice(b"{\"attributes\":{\"type\":");
    put(out, object);
    if let Some(id) = id {
        out.extend_from_slice(b",\"url\":");
        let mut url = String::with_capacity(40 + version.len() + object.len() + id.len());
        url.push_str("/services/data/v");
        url.push_str(version);
        url.push_str("/sobjects/");
        url.push_str(object);
        url.push('/');
        url.push_str(id);
        put(out, url.as_str());
    }
    out.push(b'}');
}

/// One query row whose columns are all fields of the queried object itself, given as
/// `(JSON name, field index, field type)`: `attributes`, then each column in the order asked
/// (a name asked twice appears once, where it was first asked).
pub fn write_flat_row(
    out: &mut Vec<u8>,
    object: &str,
    id: Option<&str>,
    rec: &Record,
    columns: &[(&str, usize, FieldType)],
    version: &str,
) {
    write_attributes(out, object, id, version);
    for (n, &(name, i, ftype)) in columns.iter().enumerate() {
        if columns[..n].iter().any(|c| c.0 == name) {
            continue;
        }
        out.push(b',');
        put(out, name);
        out.push(b':');
        write_field(out, ftype, rec.get(i));
    }
    out.push(b'}');
}

/// A page of query results: the bytes of `{"totalSize","done","nextRecordsUrl"?,"records"}`,
/// with `write_records` writing the records, comma-separated.
pub fn write_page(
    out: &mut Vec<u8>,
    total_size: u64,
    next_records_url: Option<&str>,
    write_records: impl FnOnce(&mut Vec<u8>),
) {
    out.extend_from_slice(b"{\"totalSize\":");
    put(out, &total_size);
    out.extend_from_slice(b",\"done\":");
    put(out, &next_records_url.is_none());
    if let Some(url) = next_records_url {
        out.extend_from_slice(b",\"nextRecordsUrl\":");
        put(out, url);
    }
    out.extend_from_slice(b",\"records\":[");
    write_records(out);
    out.extend_from_slice(b"]}");
}

/// Records rendered as trees, comma-separated (the records of a page that cannot be written
/// directly).
pub fn write_trees(out: &mut Vec<u8>, records: &[serde_json::Value]) {
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        put(out, r);
    }
}

/// A field's value, as [`crate::org::read::field_json`] renders it for a field of type `t`.
fn write_field(out: &mut Vec<u8>, t: FieldType, v: Option<&Value>) {
    match v {
        Some(Value::Text(s)) => put(out, &**s),
        Some(Value::Id(id)) => put(out, id.as_str()),
        Some(Value::Bool(b)) => put(out, b),
        Some(Value::Int(i)) => put(out, i),
        Some(Value::DateTime(ms)) => write_datetime(out, *ms),
        Some(other) => put(out, &other.to_json(t)),
        None if t == FieldType::Boolean => out.extend_from_slice(b"false"),
        None => out.extend_from_slice(b"null"),
    }
}

/// `"2024-05-01T09:30:00.000+0000"` (with its quotes), as `format_datetime` spells it.
fn write_datetime(out: &mut Vec<u8>, ms: i64) {
    let t = millis_to_datetime(ms);
    let year = t.year();
    if !(0..=9999).contains(&year) {
        // Years the fixed four-digit layout cannot hold take the general path.
        put(out, &crate::org::value::format_datetime(ms));
        return;
    }
    out.push(b'"');
    for (n, width, sep) in [
        (year as u32, 4, b'-'),
        (t.month(), 2, b'-'),
        (t.day(), 2, b'T'),
        (t.hour(), 2, b':'),
        (t.minute(), 2, b':'),
        (t.second(), 2, b'.'),
    ] {
        push_digits(out, n, width);
        out.push(sep);
    }
    push_digits(out, (t.nanosecond() % 1_000_000_000) / 1_000_000, 3);
    out.extend_from_slice(b"+0000\"");
}

/// `n` as exactly `width` (at most 4) decimal digits, zero-padded.
fn push_digits(out: &mut Vec<u8>, mut n: u32, width: usize) {
    let mut buf = [b'0'; 4];
    for slot in buf[..width].iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.extend_from_slice(&buf[..width]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::read::record_json;
    use crate::org::value::format_datetime;
    use crate::org::Org;

    #[test]
    fn every_seeded_record_renders_as_its_json_tree_does() {
        let org = Org::default_org();
        let store = org.store.read();
        let mut checked = 0;
        for t in 0..store.schema().objects().len() {
            let obj = store.object(t);
            let firsts: Vec<usize> = (0..obj.fields.len()).take(3).collect();
            let twice: Vec<usize> = firsts.iter().chain(firsts.iter()).copied().collect();
            for (_, rec) in store.table(t).iter() {
                for projection in [None, Some(&firsts[..]), Some(&twice[..])] {
                    let mut out = Vec::new();
                    write_record(&mut out, obj, rec, projection, "62.0");
                    let tree = record_json(obj, rec, projection, "62.0");
                    assert_eq!(
                        String::from_utf8_lossy(&out),
                        serde_json::to_string(&tree).unwrap(),
                        "{}",
                        obj.name
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 30, "only {checked} renderings compared");
    }

    #[test]
    fn pages_render_as_their_json_tree_does() {
        let records = vec![serde_json::json!({"attributes": {"type": "Account"}, "Name": "A\"b"})];
        for next in [None, Some("/services/data/v62.0/query/01gx-2000")] {
            let mut out = Vec::new();
            write_page(&mut out, 2500, next, |o| write_trees(o, &records));
            let mut tree = serde_json::json!({"totalSize": 2500, "done": next.is_none()});
            if let Some(n) = next {
                tree["nextRecordsUrl"] = serde_json::json!(n);
            }
            tree["records"] = serde_json::Value::Array(records.clone());
            assert_eq!(
                String::from_utf8_lossy(&out),
                serde_json::to_string(&tree).unwrap()
            );
        }
    }

    #[test]
    fn date_times_are_spelled_like_format_datetime() {
        for ms in [
            0,
            1,
            999,
            -1,
            -86_400_001,
            1_714_555_800_123,
            253_402_300_799_999, // 9999-12-31T23:59:59.999
            253_402_300_800_000, // year 10000: the general path
            -62_167_219_200_001, // before year 0
        ] {
            let mut out = Vec::new();
            write_datetime(&mut out, ms);
            assert_eq!(
                String::from_utf8_lossy(&out),
                format!("\"{}\"", format_datetime(ms)),
                "{ms}"
            );
        }
    }
}
