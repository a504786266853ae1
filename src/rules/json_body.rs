//! `rest.json_body`: the JSON records a client sends are typed the way the org's fields are —
//! numbers as JSON numbers, dates as ISO strings, null as JSON `null` — carry no keys that
//! belong only to responses (`attributes` by default), and set the top-level options a lab
//! names to the values it wants (`equals: { allOrNone: true }`).
//!
//! The org itself is lenient here (it drops `attributes` and accepts numeric strings, as real
//! Salesforce does), so only the request body can show the mistake.

use super::cx::{plural, show, Cx};
use super::http::WithPattern;
use super::Verdict;
use crate::evidence::Exchange;
use crate::matcher::RequestPattern;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// `rest.json_body`: a request pattern, the expected JSON `types` of named fields (each a
/// `|`-separated list of `number`, `text`, `boolean`, `date`, `datetime`, `id`, `null`; a field
/// allowed to be `null` may also be left out), keys `forbid`den anywhere in the body, and
/// top-level keys that must hold exactly the given JSON values (`equals`).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonBody {
    pub pattern: RequestPattern,
    pub types: BTreeMap<String, String>,
    pub forbid: Vec<String>,
    pub equals: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Shape {
    #[serde(default)]
    types: BTreeMap<String, String>,
    #[serde(default = "default_forbid")]
    forbid: Vec<String>,
    #[serde(default)]
    equals: BTreeMap<String, Value>,
}

fn default_forbid() -> Vec<String> {
    vec!["attributes".to_string()]
}

impl WithPattern for JsonBody {
    type Rest = Shape;
    fn assemble(pattern: RequestPattern, rest: Shape) -> Self {
        JsonBody {
            pattern,
            types: rest.types,
            forbid: rest.forbid,
            equals: rest.equals,
        }
    }
}

/// The JSON kind of a value as the type names of this rule spell it.
fn kinds_of(v: &Value) -> Vec<&'static str> {
    match v {
        Value::Null => vec!["null"],
        Value::Bool(_) => vec!["boolean"],
        Value::Number(_) => vec!["number"],
        Value::String(s) => {
            let mut k = vec!["text"];
            if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() {
                k.push("date");
            }
            if is_datetime(s) {
                k.push("datetime");
            }
            if (s.len() == 15 || s.len() == 18) && s.chars().all(|c| c.is_ascii_alphanumeric()) {
                k.push("id");
            }
            k
        }
        Value::Array(_) => vec!["list"],
        Value::Object(_) => vec!["object"],
    }
}

/// ISO 8601 date-time with `Z` or an offset (`+00:00` or Salesforce's `+0000`).
fn is_datetime(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
        || chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z").is_ok()
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("the text \"{s}\""),
        Value::Number(n) => format!("the number {n}"),
        Value::Bool(b) => format!("{b}"),
        Value::Null => "null".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// Where a forbidden key appears in the body, as a dotted path.
fn find_key(v: &Value, key: &str, at: &str) -> Option<String> {
    match v {
        Value::Object(map) => {
            if map.contains_key(key) {
                return Some(if at.is_empty() {
                    key.to_string()
                } else {
                    format!("{at}.{key}")
                });
            }
            map.iter().find_map(|(k, child)| {
                let here = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                find_key(child, key, &here)
            })
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, child)| find_key(child, key, &format!("{at}[{i}]"))),
        _ => None,
    }
}

/// The records a body carries: the body itself, or each of `records` (sObject Collections).
fn records(body: &Value) -> Vec<&Value> {
    match body.get("records").and_then(Value::as_array) {
        Some(items) => items.iter().collect(),
        None => vec![body],
    }
}

/// The first problem with one request's body, if any.
fn problem(p: &JsonBody, e: &Exchange) -> Option<String> {
    let Some(body) = e.request_json() else {
        return Some(format!("{} has no JSON body.", show(e)));
    };
    for key in &p.forbid {
        if let Some(path) = find_key(&body, key, "") {
            return Some(format!(
                "{} sends `{path}`: that key belongs to what the org returns, not to what you send. Build the record from the fields you mean to write.",
                show(e)
            ));
        }
    }
    for (key, want) in &p.equals {
        match body.get(key) {
            Some(got) if got == want => {}
            Some(got) => {
                return Some(format!(
                    "{} sends `{key}` as {}; it should be {}.",
                    show(e),
                    describe(got),
                    describe(want)
                ))
            }
            None => {
                return Some(format!(
                    "{} has no top-level `{key}`; it should be {}.",
                    show(e),
                    describe(want)
                ))
            }
        }
    }
    for record in records(&body) {
        for (field, want) in &p.types {
            let allowed: Vec<&str> = want.split('|').map(str::trim).collect();
            match record.get(field) {
                None if allowed.contains(&"null") => {}
                None => {
                    return Some(format!(
                        "{} has no `{field}`; it should be sent as {want}.",
                        show(e)
                    ))
                }
                Some(v) => {
                    if !kinds_of(v).iter().any(|k| allowed.contains(k)) {
                        return Some(format!(
                            "{} sends `{field}` as {}; it should be {want}{}.",
                            show(e),
                            describe(v),
                            hint(v, &allowed)
                        ));
                    }
                }
            }
        }
    }
    None
}

/// `YYYY-MM-DD` in form, whether or not the day exists.
fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn hint(v: &Value, allowed: &[&str]) -> &'static str {
    match v {
        Value::String(s) if s == "null" && allowed.contains(&"null") => {
            " (JSON null, not the word \"null\" — `jq -r` prints null as that word)"
        }
        Value::String(_) if allowed.contains(&"number") => " (a JSON number, without quotes)",
        Value::Number(_) if allowed.contains(&"date") => " (an ISO date string, YYYY-MM-DD)",
        Value::String(s) if allowed.contains(&"date") && looks_like_date(s) => {
            " (that day does not exist in the calendar)"
        }
        _ => "",
    }
}

pub(crate) fn json_body(p: &JsonBody, cx: &Cx) -> Verdict {
    let sent: Vec<&Exchange> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| p.pattern.matches_exchange(e))
        .collect();
    if sent.is_empty() {
        return cx.fail(format!(
            "Expected a request {} with a JSON body, but none was made.",
            p.pattern.describe()
        ));
    }
    for e in &sent {
        if let Some(msg) = problem(p, e) {
            return cx.fail(msg).with_evidence([e.seq]);
        }
    }
    cx.pass(format!(
        "{} {} sent well-typed JSON.",
        plural(sent.len(), "request"),
        p.pattern.describe()
    ))
    .with_evidence(sent.iter().map(|e| e.seq))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    const RULE: &str = "{ rule: rest.json_body, method: POST, path: /services/data/*/sobjects/Opportunity, types: { Amount: number, CloseDate: date, NextStep: text|null } }";
    const P: &str = "/services/data/v62.0/sobjects/Opportunity";

    fn post(body: &str) -> crate::evidence::Exchange {
        req("POST", P, 201)
            .header("Content-Type", "application/json")
            .body(body)
    }

    #[test]
    fn well_typed_record_passes() {
        let ok = post(r#"{"Name":"R","Amount":1200.5,"CloseDate":"2026-03-31","NextStep":null}"#);
        assert_passes(RULE, &evidence(vec![ok]));
        let left_out = post(r#"{"Amount":7,"CloseDate":"2026-03-31"}"#);
        assert_passes(RULE, &evidence(vec![left_out]));
    }

    #[test]
    fn attributes_anywhere_in_the_body_fail() {
        let v = assert_fails(
            RULE,
            &evidence(vec![post(
                r#"{"attributes":{"type":"Opportunity"},"Amount":1,"CloseDate":"2026-01-01"}"#,
            )]),
        );
        assert!(v.message.contains("`attributes`"), "{}", v.message);
        let nested = post(r#"{"records":[{"attributes":{"type":"X"},"Amount":1}]}"#);
        let v = assert_fails(RULE, &evidence(vec![nested]));
        assert!(v.message.contains("records[0].attributes"), "{}", v.message);
    }

    #[test]
    fn number_sent_as_text_fails() {
        let v = assert_fails(
            RULE,
            &evidence(vec![post(r#"{"Amount":"1200","CloseDate":"2026-03-31"}"#)]),
        );
        assert!(v.message.contains("the text \"1200\""), "{}", v.message);
    }

    #[test]
    fn date_must_be_an_iso_string() {
        assert_fails(
            RULE,
            &evidence(vec![post(r#"{"Amount":1,"CloseDate":"03/31/2026"}"#)]),
        );
        assert_fails(
            RULE,
            &evidence(vec![post(r#"{"Amount":1,"CloseDate":1774915200000}"#)]),
        );
    }

    #[test]
    fn a_day_that_does_not_exist_is_called_so() {
        let v = assert_fails(
            RULE,
            &evidence(vec![post(r#"{"Amount":1,"CloseDate":"2025-02-29"}"#)]),
        );
        assert!(v.message.contains("does not exist"), "{}", v.message);
    }

    #[test]
    fn null_word_is_text_not_null() {
        let rule = "{ rule: rest.json_body, method: POST, types: { NextStep: null|date } }";
        let v = assert_fails(rule, &evidence(vec![post(r#"{"NextStep":"null"}"#)]));
        assert!(v.message.contains("JSON null"), "{}", v.message);
    }

    #[test]
    fn every_matching_request_is_judged_and_one_is_needed() {
        let good = post(r#"{"Amount":1,"CloseDate":"2026-03-31"}"#);
        let bad = post(r#"{"Amount":"1","CloseDate":"2026-03-31"}"#);
        assert_fails(RULE, &evidence(vec![good.clone(), bad]));
        assert_fails(
            RULE,
            &evidence(vec![get("/services/data/v62.0/limits", 200)]),
        );
        assert_fails(RULE, &evidence(vec![req("POST", P, 201).body("Name=x")]));
    }

    #[test]
    fn equals_wants_the_exact_json_value_at_the_top_level() {
        let rule =
            "{ rule: rest.json_body, method: POST, forbid: [], equals: { allOrNone: true } }";
        let ok = post(r#"{"allOrNone":true,"compositeRequest":[{"body":{"x":false}}]}"#);
        assert_passes(rule, &evidence(vec![ok]));
        let off = post(r#"{"allOrNone":false,"compositeRequest":[{"body":{"note":"true"}}]}"#);
        let v = assert_fails(rule, &evidence(vec![off]));
        assert!(v.message.contains("`allOrNone` as false"), "{}", v.message);
        let text = assert_fails(rule, &evidence(vec![post(r#"{"allOrNone":"true"}"#)]));
        assert!(
            text.message.contains("the text \"true\""),
            "{}",
            text.message
        );
        let missing = assert_fails(rule, &evidence(vec![post(r#"{"compositeRequest":[]}"#)]));
        assert!(
            missing.message.contains("no top-level `allOrNone`"),
            "{}",
            missing.message
        );
    }

    #[test]
    fn datetime_accepts_salesforce_offsets() {
        let rule = "{ rule: rest.json_body, types: { At: datetime } }";
        for ok in ["2026-03-31T10:00:00Z", "2026-03-31T10:00:00.000+0000"] {
            let body = format!(r#"{{"At":"{ok}"}}"#);
            assert_passes(rule, &evidence(vec![post(&body)]));
        }
        assert_fails(rule, &evidence(vec![post(r#"{"At":"2026-03-31"}"#)]));
    }
}
