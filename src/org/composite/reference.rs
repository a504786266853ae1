//! `@{referenceId.path}` references between composite subrequests.
//!
//! A later subrequest may name a value from an earlier subrequest's response body in its url
//! or body: `@{refAccount.id}`, `@{refQuery.records[0].Id}`,
//! `@{NewAccount.BillingAddress.city}`. The `.` operator reads an object field and `[n]` an
//! array element, recursively. This module is pure: it parses references and resolves them
//! against a map of earlier results.
//!
//! Implementation notes: a string that is exactly one reference and resolves to a number,
//! boolean or null takes that JSON value (so `"Amount": "@{opp.Amount}"` stays numeric);
//! anywhere else the value is spliced in as text. Real Salesforce documents the referenceable
//! types (strings, numbers, booleans, dates) but not this detail.

use serde_json::Value;
use std::collections::HashMap;

/// One step of a reference path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Field(String),
    Index(usize),
}

/// A parsed `@{…}` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub reference_id: String,
    pub path: Vec<PathStep>,
}

/// Why a reference could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    #[error("Invalid reference specified. '{0}' is not of the form @{{referenceId.field}}; use letters, digits and underscores, with . for fields and [n] for array elements.")]
    Malformed(String),
    #[error("Invalid reference specified. No earlier subrequest has the referenceId '{reference_id}' (in '{text}'); a subrequest can only reference those before it.")]
    UnknownReferenceId { reference_id: String, text: String },
    #[error("Invalid reference specified. No value for {text} found in {reference_id}. The referenced subrequest's response has no such value: a query that found no rows, a field the query did not select, or a call whose response has no body (a DELETE answers 204 with none).")]
    NoValue { reference_id: String, text: String },
}

impl ReferenceError {
    /// The subrequest's error code. A reference to a value the earlier response does not
    /// hold halts the subrequest as real orgs answer it (PROCESSING_HALTED, 400, captured
    /// from a real org); [U] the code for a malformed reference or an unknown referenceId
    /// is not verified.
    pub fn error_code(&self) -> &'static str {
        match self {
            ReferenceError::NoValue { .. } => "PROCESSING_HALTED",
            _ => "INVALID_FIELD",
        }
    }
}

impl Reference {
    /// Parses the text between `@{` and `}`.
    pub fn parse(inner: &str) -> Result<Reference, ReferenceError> {
        let malformed = || ReferenceError::Malformed(format!("@{{{inner}}}"));
        let bytes = inner.as_bytes();
        let ident_end = |from: usize| {
            let mut j = from;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            j
        };
        let end = ident_end(0);
        if end == 0 {
            return Err(malformed());
        }
        let reference_id = inner[..end].to_string();
        let mut i = end;
        let mut path = Vec::new();
        while i < bytes.len() {
            match bytes[i] {
                b'.' => {
                    let end = ident_end(i + 1);
                    if end == i + 1 {
                        return Err(malformed());
                    }
                    path.push(PathStep::Field(inner[i + 1..end].to_string()));
                    i = end;
                }
                b'[' => {
                    let close = inner[i..].find(']').map(|k| i + k).ok_or_else(malformed)?;
                    let index: usize = inner[i + 1..close]
                        .trim()
                        .parse()
                        .map_err(|_| malformed())?;
                    path.push(PathStep::Index(index));
                    i = close + 1;
                }
                _ => return Err(malformed()),
            }
        }
        Ok(Reference { reference_id, path })
    }

    fn text(&self) -> String {
        let mut s = self.reference_id.clone();
        for step in &self.path {
            match step {
                PathStep::Field(f) => {
                    s.push('.');
                    s.push_str(f);
                }
                PathStep::Index(n) => s.push_str(&format!("[{n}]")),
            }
        }
        s
    }

    /// Looks the reference up in the earlier results (referenceId → response body).
    pub fn resolve<'a>(
        &self,
        results: &'a HashMap<String, Value>,
    ) -> Result<&'a Value, ReferenceError> {
        let mut value =
            results
                .get(&self.reference_id)
                .ok_or_else(|| ReferenceError::UnknownReferenceId {
                    reference_id: self.reference_id.clone(),
                    text: self.text(),
                })?;
        for step in &self.path {
            let next = match step {
                PathStep::Field(f) => value.as_object().and_then(|o| {
                    // Field names in Salesforce are case-insensitive.
                    o.get(f).or_else(|| {
                        o.iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(f))
                            .map(|(_, v)| v)
                    })
                }),
                PathStep::Index(n) => value.as_array().and_then(|a| a.get(*n)),
            };
            value = next.ok_or_else(|| ReferenceError::NoValue {
                reference_id: self.reference_id.clone(),
                text: self.text(),
            })?;
        }
        Ok(value)
    }
}

/// The referenceIds a text mentions, in order (used to find dependencies).
pub fn referenced_ids(text: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("@{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        if let Ok(r) = Reference::parse(&after[..end]) {
            ids.push(r.reference_id);
        }
        rest = &after[end + 1..];
    }
    ids
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Replaces every `@{…}` in a text with the referenced value as text.
pub fn resolve_text(
    text: &str,
    results: &HashMap<String, Value>,
) -> Result<String, ReferenceError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("@{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| ReferenceError::Malformed(rest[start..].to_string()))?;
        let reference = Reference::parse(&after[..end])?;
        out.push_str(&as_text(reference.resolve(results)?));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Resolves references inside every string of a JSON body (keys are left alone).
pub fn resolve_json(
    body: &Value,
    results: &HashMap<String, Value>,
) -> Result<Value, ReferenceError> {
    Ok(match body {
        Value::String(s) => {
            let trimmed = s.trim();
            let whole = trimmed.starts_with("@{")
                && trimmed.ends_with('}')
                && trimmed[2..].find('}') == Some(trimmed.len() - 3);
            if whole {
                let value = Reference::parse(&trimmed[2..trimmed.len() - 1])?.resolve(results)?;
                match value {
                    Value::Number(_) | Value::Bool(_) | Value::Null => value.clone(),
                    other => Value::String(as_text(other)),
                }
            } else if s.contains("@{") {
                Value::String(resolve_text(s, results)?)
            } else {
                body.clone()
            }
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| resolve_json(v, results))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, v) in map {
                out.insert(k.clone(), resolve_json(v, results)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// Whether a JSON body mentions any reference at all.
pub fn json_mentions(body: &Value, reference_id: &str) -> bool {
    match body {
        Value::String(s) => referenced_ids(s).iter().any(|r| r == reference_id),
        Value::Array(items) => items.iter().any(|v| json_mentions(v, reference_id)),
        Value::Object(map) => map.values().any(|v| json_mentions(v, reference_id)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn results() -> HashMap<String, Value> {
        let mut m = HashMap::new();
        m.insert(
            "refAccount".to_string(),
            json!({"id": "001000000000001AAA", "success": true, "errors": []}),
        );
        m.insert(
            "refQuery".to_string(),
            json!({"totalSize": 2, "records": [{"Id": "003000000000001AAA", "Amount": 12.5}, {"Id": "003000000000002AAA"}]}),
        );
        m.insert(
            "refAddr".to_string(),
            json!({"BillingAddress": {"city": "Lyon"}}),
        );
        m
    }

    #[test]
    fn field_reference_in_url_is_replaced() {
        let url = "/services/data/v62.0/sobjects/Account/@{refAccount.id}";
        assert_eq!(
            resolve_text(url, &results()).unwrap(),
            "/services/data/v62.0/sobjects/Account/001000000000001AAA"
        );
    }

    #[test]
    fn array_index_reference_reads_the_element() {
        assert_eq!(
            resolve_text("@{refQuery.records[1].Id}", &results()).unwrap(),
            "003000000000002AAA"
        );
    }

    #[test]
    fn nested_compound_field_reference_resolves() {
        assert_eq!(
            resolve_text("x-@{refAddr.BillingAddress.city}-y", &results()).unwrap(),
            "x-Lyon-y"
        );
    }

    #[test]
    fn whole_string_reference_to_number_stays_numeric() {
        let body = json!({"Amount": "@{refQuery.records[0].Amount}", "Name": "n @{refAccount.id}"});
        let out = resolve_json(&body, &results()).unwrap();
        assert_eq!(out["Amount"], json!(12.5));
        assert_eq!(out["Name"], json!("n 001000000000001AAA"));
    }

    #[test]
    fn unknown_reference_id_is_an_error_naming_it() {
        let err = resolve_text("@{nope.id}", &results()).unwrap_err();
        assert!(
            matches!(err, ReferenceError::UnknownReferenceId { ref reference_id, .. } if reference_id == "nope")
        );
    }

    #[test]
    fn missing_field_is_a_no_value_error() {
        let err = resolve_text("@{refAccount.idd}", &results()).unwrap_err();
        assert!(err.to_string().contains("No value for refAccount.idd"));
    }

    #[test]
    fn out_of_range_index_is_a_no_value_error() {
        assert!(matches!(
            resolve_text("@{refQuery.records[5].Id}", &results()),
            Err(ReferenceError::NoValue { .. })
        ));
    }

    #[test]
    fn malformed_reference_is_rejected() {
        assert!(matches!(
            Reference::parse("ref.records[x]"),
            Err(ReferenceError::Malformed(_))
        ));
        assert!(matches!(
            Reference::parse(""),
            Err(ReferenceError::Malformed(_))
        ));
    }

    #[test]
    fn referenced_ids_lists_dependencies() {
        assert_eq!(
            referenced_ids("/x/@{a.id}/y/@{b.records[0].Id}"),
            vec!["a".to_string(), "b".to_string()]
        );
    }
}
