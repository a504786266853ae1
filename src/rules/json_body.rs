//! `rest.json_body`: the JSON records a client sends are typed the way the org's fields are —
//! numbers as JSON numbers, dates as ISO strings, null as JSON `null` — carry no keys that
//! belong only to responses (`attributes` by default), set the top-level options a lab
//! names to the values it wants (`equals: { allOrNone: true }`), hold the SOQL statement the
//! lab asks for (`soql: { query: "SELECT … WHERE …" }`, a Bulk API 2.0 query job) and carry
//! every record the input holds (`records: 200`, an sObject Collections call).
//!
//! The org itself is lenient here (it drops `attributes` and accepts numeric strings, as real
//! Salesforce does), so only the request body can show the mistake. The same goes for a query
//! job without its WHERE clause, or rows left out of a collections call: a program that
//! filters the rows itself hands in the same file, but it downloaded (or kept from the org)
//! what the org should have judged.
//!
//! Implementation notes: two SOQL statements are the same when they parse to the same
//! statement (see [`super::soql_statement`]): case, spacing, layout and the order of the
//! selected fields do not take part.

use super::cx::{plural, show, Cx};
use super::http::WithPattern;
use super::soql_statement::Statement;
use super::Verdict;
use crate::evidence::Exchange;
use crate::matcher::RequestPattern;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// `rest.json_body`: a request pattern, the expected JSON `types` of named fields (each a
/// `|`-separated list of `number`, `text`, `boolean`, `date`, `datetime`, `id`, `null`; a field
/// allowed to be `null` may also be left out), keys `forbid`den anywhere in the body,
/// top-level keys that must hold exactly the given JSON values (`equals`), top-level keys that
/// must hold the given SOQL statement (`soql`), and how many `records` the body must carry.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonBody {
    pub pattern: RequestPattern,
    pub types: BTreeMap<String, String>,
    pub forbid: Vec<String>,
    pub equals: BTreeMap<String, Value>,
    pub soql: BTreeMap<String, String>,
    pub records: Option<usize>,
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
    #[serde(default, deserialize_with = "valid_soql")]
    soql: BTreeMap<String, String>,
    #[serde(default)]
    records: Option<usize>,
}

/// `soql:` as written, refused when the lab loads if a statement is not SOQL the org reads.
fn valid_soql<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let statements = BTreeMap::<String, String>::deserialize(d)?;
    for (key, text) in &statements {
        if let Err(e) = crate::org::soql::parse_query(text) {
            let said = e.to_string();
            let first = said.lines().next().unwrap_or_default();
            return Err(serde::de::Error::custom(format!(
                "`soql: {{ {key}: … }}` is not valid SOQL: {first}"
            )));
        }
    }
    Ok(statements)
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
            soql: rest.soql,
            records: rest.records,
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

/// Why the SOQL `sent` under `key` is not the statement `want`, if it is not.
fn soql_problem(e: &Exchange, key: &str, sent: Option<&Value>, want: &str) -> Option<String> {
    let said = match sent {
        None => {
            return Some(format!(
                "{} has no top-level `{key}`; it should be the query `{want}`.",
                show(e)
            ))
        }
        Some(Value::String(s)) => s,
        Some(other) => {
            return Some(format!(
                "{} sends `{key}` as {}; it should be the query `{want}`.",
                show(e),
                describe(other)
            ))
        }
    };
    let expected = Statement::parse(want)?;
    let Some(got) = Statement::parse(said) else {
        return Some(format!(
            "{} sends `{key}` as \"{said}\", which is not SOQL the org can read; it should be `{want}`.",
            show(e)
        ));
    };
    if got == expected {
        return None;
    }
    let why = if got.from != expected.from {
        format!("it reads {}", said_part(said, "FROM"))
    } else if got.filter.is_none() && expected.filter.is_some() {
        "it has no WHERE clause, so the org hands out every row and leaves the filtering to your program".into()
    } else if got.filter != expected.filter {
        format!("it filters {}", said_part(said, "WHERE"))
    } else if got.fields != expected.fields {
        "it selects other fields".into()
    } else {
        "it differs after the WHERE clause".into()
    };
    Some(format!(
        "{} sends `{key}` as \"{said}\": {why}. Send the query the lab names, `{want}` (spacing, letter case and the order of the fields do not matter).",
        show(e)
    ))
}

/// The words of `text` from its keyword `word` on (`WHERE Name != null`), up to the next
/// clause, or the whole text when it has no such word.
fn said_part(text: &str, word: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let clauses = [
        "WHERE", "WITH", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "FOR",
    ];
    let Some(start) = words.iter().position(|w| w.eq_ignore_ascii_case(word)) else {
        return format!("`{text}`");
    };
    let end = words[start + 1..]
        .iter()
        .position(|w| clauses.iter().any(|c| w.eq_ignore_ascii_case(c)))
        .map_or(words.len(), |n| start + 1 + n);
    format!("`{}`", words[start..end].join(" "))
}

/// A record's field as the org reads it: by its API name in any letter case (`name` is
/// `Name`), the exact spelling first.
fn field_of<'a>(record: &'a Value, name: &str) -> Option<&'a Value> {
    let map = record.as_object()?;
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// Whether the body is one record sent to an sObject resource (`…/sobjects/Account[/…]`),
/// whose top-level keys are field names; other bodies' top-level keys (`allOrNone`, `query`)
/// are options the org reads only as spelt.
fn is_record_body(e: &Exchange) -> bool {
    let path = e.path();
    let mut parts = path.trim_start_matches('/').split('/');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("services"), Some("data"), Some(_), Some("sobjects"))
    )
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
    let top_level = |key: &str| {
        if is_record_body(e) {
            field_of(&body, key)
        } else {
            body.get(key)
        }
    };
    for (key, want) in &p.equals {
        match top_level(key) {
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
    for (key, want) in &p.soql {
        if let Some(msg) = soql_problem(e, key, body.get(key), want) {
            return Some(msg);
        }
    }
    if let Some(want) = p.records {
        match body.get("records").and_then(Value::as_array).map(Vec::len) {
            Some(n) if n == want => {}
            Some(n) => {
                return Some(format!(
                    "{} sends {} in `records`; it should send all {want} the input holds, in this one call. A row left out never reaches the org, so its answer cannot say what is wrong with it: send the broken rows too and read the org's verdict on each.",
                    show(e),
                    plural(n, "record")
                ))
            }
            None => {
                return Some(format!(
                    "{} has no `records` list; it should send the input's {want} records in one.",
                    show(e)
                ))
            }
        }
    }
    for record in records(&body) {
        for (field, want) in &p.types {
            let allowed: Vec<&str> = want.split('|').map(str::trim).collect();
            match field_of(record, field) {
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
        "{} {} sent {}.",
        plural(sent.len(), "request"),
        p.pattern.describe(),
        what_was_sent(p)
    ))
    .with_evidence(sent.iter().map(|e| e.seq))
}

/// What a passing body held, as the check asked it.
fn what_was_sent(p: &JsonBody) -> String {
    let mut held: Vec<String> = p
        .equals
        .iter()
        .map(|(k, v)| format!("`{k}` as {}", describe(v)))
        .collect();
    held.extend(
        p.soql
            .iter()
            .map(|(k, q)| format!("`{k}` as the query `{q}`")),
    );
    held.extend(p.records.map(|n| format!("all {n} records")));
    if !p.types.is_empty() || held.is_empty() {
        held.push("well-typed JSON".into());
    }
    match held.as_slice() {
        [init @ .., last] if !init.is_empty() => format!("{} and {last}", init.join(", ")),
        _ => held.concat(),
    }
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
    fn field_names_are_read_in_any_case_as_the_org_reads_them() {
        let rule = "{ rule: rest.json_body, method: POST, path: /services/data/*/sobjects/Account, equals: { Name: Kestrel Air } }";
        let lower = req("POST", "/services/data/v62.0/sobjects/Account", 201)
            .header("Content-Type", "application/json")
            .body(r#"{"name":"Kestrel Air"}"#);
        assert_passes(rule, &evidence(vec![lower]));
        let v = assert_fails(
            RULE,
            &evidence(vec![post(r#"{"amount":"1200","closedate":"2026-03-31"}"#)]),
        );
        assert!(v.message.contains("the text \"1200\""), "{}", v.message);
    }

    #[test]
    fn an_option_beside_the_records_is_read_only_as_spelt() {
        let rule = "{ rule: rest.json_body, method: POST, path: /services/data/*/composite, equals: { allOrNone: true }, forbid: [] }";
        let misspelt = req("POST", "/services/data/v62.0/composite", 200)
            .header("Content-Type", "application/json")
            .body(r#"{"allornone":true,"compositeRequest":[]}"#);
        assert_fails(rule, &evidence(vec![misspelt]));
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

    const QUERY_JOB: &str = "{ rule: rest.json_body, method: POST, path: /services/data/*/jobs/query, soql: { query: \"SELECT Id, Name, ERP_Id__c FROM Account WHERE ERP_Id__c != null\" } }";

    fn query_job(soql: &str) -> crate::evidence::Exchange {
        let body = serde_json::json!({"operation": "query", "query": soql});
        req("POST", "/services/data/v62.0/jobs/query", 200)
            .header("Content-Type", "application/json")
            .body(&body.to_string())
    }

    #[test]
    fn a_query_job_holds_the_statement_however_it_is_laid_out() {
        for same in [
            "SELECT Id, Name, ERP_Id__c FROM Account WHERE ERP_Id__c != null",
            "select id,name,erp_id__c from account where erp_id__c != NULL",
            "SELECT Name, ERP_Id__c, Id\n  FROM   Account\n  WHERE ERP_Id__c <> null",
        ] {
            let v = assert_passes(QUERY_JOB, &evidence(vec![query_job(same)]));
            assert!(v.message.contains("as the query"), "{}", v.message);
        }
    }

    #[test]
    fn a_query_job_without_the_where_clause_fails_naming_it() {
        let v = assert_fails(
            QUERY_JOB,
            &evidence(vec![query_job("SELECT Id, Name, ERP_Id__c FROM Account")]),
        );
        assert!(v.message.contains("no WHERE clause"), "{}", v.message);
        let v = assert_fails(
            QUERY_JOB,
            &evidence(vec![query_job(
                "SELECT Id, Name, ERP_Id__c FROM Account WHERE ERP_Id__c = null ORDER BY Name",
            )]),
        );
        assert!(
            v.message.contains("it filters `WHERE ERP_Id__c = null`"),
            "{}",
            v.message
        );
        for other in [
            "SELECT Id, Name FROM Account WHERE ERP_Id__c != null",
            "SELECT Id, Name, ERP_Id__c FROM Contact WHERE ERP_Id__c != null",
            "SELECT Id, Name, ERP_Id__c FROM Account WHERE ERP_Id__c != null LIMIT 10",
            "SELECT Id, Name, ERP_Id__c FROM Account WHERE",
        ] {
            assert_fails(QUERY_JOB, &evidence(vec![query_job(other)]));
        }
        let missing =
            req("POST", "/services/data/v62.0/jobs/query", 200).body(r#"{"operation":"query"}"#);
        let v = assert_fails(QUERY_JOB, &evidence(vec![missing]));
        assert!(v.message.contains("no top-level `query`"), "{}", v.message);
    }

    #[test]
    fn a_statement_the_lab_names_must_be_soql() {
        let spec: Result<crate::rules::RuleSpec, _> = serde_yaml::from_str(
            "{ rule: rest.json_body, soql: { query: \"SELECT FROM Account WHERE\" } }",
        );
        let e = spec.expect_err("not SOQL");
        assert!(e.to_string().contains("is not valid SOQL"), "{e}");
    }

    const COLLECTION: &str = "{ rule: rest.json_body, method: POST, path: /services/data/*/composite/sobjects, forbid: [], records: 3 }";

    fn collection(n: usize) -> crate::evidence::Exchange {
        let records: Vec<_> = (0..n)
            .map(|i| serde_json::json!({"attributes": {"type": "Lead"}, "LastName": format!("L{i}")}))
            .collect();
        let body = serde_json::json!({"allOrNone": false, "records": records});
        req("POST", "/services/data/v62.0/composite/sobjects", 200).body(&body.to_string())
    }

    #[test]
    fn a_collections_call_carries_every_record_of_the_input() {
        let v = assert_passes(COLLECTION, &evidence(vec![collection(3)]));
        assert!(v.message.contains("all 3 records"), "{}", v.message);
        let v = assert_fails(COLLECTION, &evidence(vec![collection(2)]));
        assert!(
            v.message
                .contains("sends 2 records in `records`; it should send all 3"),
            "{}",
            v.message
        );
        assert_fails(COLLECTION, &evidence(vec![collection(4)]));
        let one =
            req("POST", "/services/data/v62.0/composite/sobjects", 200).body(r#"{"LastName":"X"}"#);
        let v = assert_fails(COLLECTION, &evidence(vec![one]));
        assert!(v.message.contains("no `records` list"), "{}", v.message);
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
