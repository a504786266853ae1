//! Reading a lab file whose typed reading failed, part by part, so that every problem in it is
//! found in one pass (see [`super::spec`]'s header).
//!
//! serde stops at the first value of the wrong type (`timeout: 40 seconds`, `points: two`).
//! Here each top-level key is read on its own beside the header fields, each item of
//! `checks:` and `hints:` and each key of `run:` likewise; a part that fails is reported at
//! its line and left out, and what remains is read as a lab so its semantic checks (unknown
//! rules, misspelt parameters, faults) are reported too.

use super::spec::{CheckSpec, HintSpec, LabSpec, RunSpec, SpecProblem};
use crate::yaml_input::{item_lines, key_line, plain_types};
use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;

/// The fields every lab file has, read with each part tried on its own.
const HEADER: &[&str] = &["id", "title", "level", "lesson"];

/// The problems of each part that fails on its own, and the file without them (`None` when
/// the file is not a mapping or its header itself cannot be read).
pub fn salvage(yaml: &str, value: &Value) -> (Option<Value>, Vec<SpecProblem>) {
    let Some(file) = value.as_mapping() else {
        return (None, Vec::new());
    };
    let mut problems = Vec::new();
    let mut kept: Mapping = file
        .iter()
        .filter(|(k, _)| k.as_str().is_some_and(|k| HEADER.contains(&k)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Err(e) = read::<LabSpec>(&Value::Mapping(kept.clone())) {
        problems.push(problem(None, format!("malformed lab file: {e}")));
        return (None, problems);
    }
    for (k, v) in file {
        let Some(key) = k.as_str() else { continue };
        if HEADER.contains(&key) {
            continue;
        }
        let line = key_line(yaml, key);
        let part = match (key, v) {
            ("checks", Value::Sequence(items)) => {
                items_of::<CheckSpec>(yaml, key, items, &mut problems, "rule")
            }
            ("hints", Value::Sequence(items)) => {
                items_of::<HintSpec>(yaml, key, items, &mut problems, "text")
            }
            ("run", Value::Mapping(run)) => Value::Mapping(keys_of::<RunSpec>(
                run,
                &Mapping::new(),
                line,
                "run",
                &mut problems,
            )),
            _ => v.clone(),
        };
        let mut with = kept.clone();
        with.insert(k.clone(), part.clone());
        match read::<LabSpec>(&Value::Mapping(with)) {
            Ok(_) => {
                kept.insert(k.clone(), part);
            }
            Err(e) => {
                // A key of `run:` written at the top (`timeout: 60s`): said where it goes.
                let alone: Mapping = [(k.clone(), v.clone())].into_iter().collect();
                let tip = if e.starts_with("unknown field")
                    && !e.contains("(did you mean")
                    && read::<RunSpec>(&Value::Mapping(alone)).is_ok()
                {
                    format!(
                        " (`{key}` is a setting of `run:`: write it there, `run: {{ {key}: … }}`)"
                    )
                } else {
                    String::new()
                };
                problems.push(problem(
                    line,
                    format!("malformed lab file: {key}: {e}{tip}"),
                ))
            }
        }
    }
    (Some(Value::Mapping(kept)), problems)
}

fn read<T: DeserializeOwned>(v: &Value) -> Result<T, String> {
    serde_yaml::from_value::<T>(v.clone())
        .map_err(|e| crate::yaml_input::with_likely_field(&plain_types(&e.to_string())))
}

fn problem(line: Option<usize>, message: String) -> SpecProblem {
    SpecProblem {
        line,
        column: None,
        message,
    }
}

/// A list's items with their failing keys left out (each reported at its item's line). Items
/// keep their places, so later checks number and place them as written.
fn items_of<T: DeserializeOwned>(
    yaml: &str,
    list: &str,
    items: &[Value],
    problems: &mut Vec<SpecProblem>,
    anchor: &str,
) -> Value {
    let lines = item_lines(yaml, list);
    let what = list.trim_end_matches('s');
    let items = items.iter().enumerate().map(|(i, item)| {
        let Value::Mapping(m) = item else {
            return item.clone();
        };
        if read::<T>(item).is_ok() {
            return item.clone();
        }
        let line = lines.get(i).copied().or(key_line(yaml, list));
        let label = format!("{what} {}", i + 1);
        // The key every item has, misspelt (`rul:`): said once, as what it likely is, and read
        // as that key, so the item's other keys, and hints tied to its rule, still read.
        if let Some(typo) = misspelt_anchor(m, anchor) {
            problems.push(problem(
                line,
                format!("{label}: unknown field `{typo}` (did you mean `{anchor}`?)"),
            ));
            let renamed: Mapping = m
                .iter()
                .map(|(k, v)| match k.as_str() {
                    Some(k) if k == typo => (Value::from(anchor), v.clone()),
                    _ => (k.clone(), v.clone()),
                })
                .collect();
            if read::<T>(&Value::Mapping(renamed.clone())).is_ok() {
                return Value::Mapping(renamed);
            }
            let base: Mapping = renamed
                .iter()
                .filter(|(k, _)| k.as_str() == Some(anchor))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            return Value::Mapping(keys_of::<T>(&renamed, &base, line, &label, problems));
        }
        let base: Mapping = m
            .iter()
            .filter(|(k, _)| k.as_str() == Some(anchor))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Value::Mapping(keys_of::<T>(m, &base, line, &label, problems))
    });
    Value::Sequence(items.collect())
}

/// The key of `item` that is `anchor` misspelt (`rul` for `rule`), when the item lacks
/// `anchor` and exactly one key is that close to it.
fn misspelt_anchor<'a>(item: &'a Mapping, anchor: &str) -> Option<&'a str> {
    if item.contains_key(anchor) {
        return None;
    }
    let close: Vec<&str> = item
        .keys()
        .filter_map(Value::as_str)
        .filter(|k| !crate::suggest::closest(k, [anchor]).is_empty())
        .collect();
    match close[..] {
        [one] => Some(one),
        _ => None,
    }
}

/// The keys of `part` that read on their own beside `base`; each that does not is reported as
/// `label: key: why` at `line`.
fn keys_of<T: DeserializeOwned>(
    part: &Mapping,
    base: &Mapping,
    line: Option<usize>,
    label: &str,
    problems: &mut Vec<SpecProblem>,
) -> Mapping {
    let mut kept = base.clone();
    for (k, v) in part {
        if base.contains_key(k) {
            continue;
        }
        let mut alone = base.clone();
        alone.insert(k.clone(), v.clone());
        match read::<T>(&Value::Mapping(alone)) {
            Ok(_) => {
                kept.insert(k.clone(), v.clone());
            }
            Err(e) => {
                let key = k.as_str().unwrap_or("?");
                let inner = match v {
                    Value::Mapping(m) => inner_problems::<T>(base, k, m),
                    _ => Vec::new(),
                };
                if inner.is_empty() {
                    problems.push(problem(line, format!("{label}: `{key}`: {e}")));
                }
                for (inner_key, why) in inner {
                    let path = match inner_key {
                        Some(inner_key) => format!("{key}.{inner_key}"),
                        None => key.to_string(),
                    };
                    problems.push(problem(line, format!("{label}: `{path}`: {why}")));
                }
            }
        }
    }
    kept
}

/// Why each key of the map `part` under `key` does not read (`match: { header: { … } }`),
/// each key tried alone beside `base`, so the message names `match.header` rather than
/// `match`; then, with those left out, what the map still lacks (a field it must have), said
/// of `key` itself (`None`). Empty when no key fails alone: the map's own error says it.
fn inner_problems<T: DeserializeOwned>(
    base: &Mapping,
    key: &Value,
    part: &Mapping,
) -> Vec<(Option<String>, String)> {
    let with = |map: Mapping| {
        let mut whole = base.clone();
        whole.insert(key.clone(), Value::Mapping(map));
        read::<T>(&Value::Mapping(whole))
    };
    let mut out = Vec::new();
    let mut readable = Mapping::new();
    for (k, v) in part {
        let one: Mapping = [(k.clone(), v.clone())].into_iter().collect();
        match with(one) {
            Err(e) if about_the_value(&e) => {
                let name = k.as_str().unwrap_or("?");
                out.push((Some(name.to_string()), with_form(name, e)));
            }
            _ => {
                readable.insert(k.clone(), v.clone());
            }
        }
    }
    if !out.is_empty() {
        if let Err(e) = with(readable) {
            if !meant_by_a_misspelling(&e, out.iter().map(|(_, why)| why.as_str())) {
                out.push((None, e));
            }
        }
    }
    out
}

/// Whether a parameter's error is about its own value or name (a type, a value, an unknown
/// key), rather than about what the others lack (`missing field`) or how they combine.
fn about_the_value(message: &str) -> bool {
    [
        "invalid type",
        "invalid value",
        "invalid length",
        "unknown field",
        "unknown variant",
    ]
    .iter()
    .any(|lead| message.starts_with(lead))
}

/// `why`, with how a request pattern's `key` is written when the value is not of its form
/// (`header: { If-Match: x }` for `header: "If-Match: x"`).
fn with_form(key: &str, why: String) -> String {
    let form = match key {
        "header" => "`header` is one text, `Name` (the header is sent) or `Name: text` (its value holds the text), as in `header: \"If-Match: x\"`",
        "query" => "`query` is a map of each parameter to a text its value holds, as in `query: { q: Heron }`",
        "form" => "`form` is a map of each form parameter to a text its value holds, as in `form: { grant_type: refresh_token }`",
        _ => return why,
    };
    if why.starts_with("invalid type") {
        format!("{why}: {form}")
    } else {
        why
    }
}

/// Every problem of the `number`th check, which the rule catalogue refused (`line` is its
/// item's): each parameter whose own value or name is wrong is said on its own (`tries:
/// three` and a misspelt key beside it, both), then what the rest still lacks; when no
/// parameter is wrong alone, the catalogue's own message.
pub fn check_problems(check: &CheckSpec, number: usize, line: Option<usize>) -> Vec<SpecProblem> {
    use crate::rules::RuleSpecError;
    let Err(whole) = check.rule_spec() else {
        return Vec::new();
    };
    let at = |message: String| problem(line, format!("check {number}: {message}"));
    if !matches!(whole, RuleSpecError::BadParameters { .. }) {
        return vec![at(whole.to_string())];
    }
    let with = |params: BTreeMap<String, Value>| CheckSpec {
        params,
        ..check.clone()
    };
    let mut out = Vec::new();
    let mut readable = BTreeMap::new();
    for (key, value) in &check.params {
        let alone = with([(key.clone(), value.clone())].into_iter().collect());
        match alone.rule_spec() {
            Err(RuleSpecError::BadParameters { rule, message }) if about_the_value(&message) => {
                let message = if message.starts_with("unknown field") {
                    message
                } else {
                    format!("`{key}`: {}", with_form(key, message))
                };
                out.push(at(format!("rule `{rule}`: {message}")));
            }
            _ => {
                readable.insert(key.clone(), value.clone());
            }
        }
    }
    if out.is_empty() {
        return vec![at(whole.to_string())];
    }
    if let Err(rest) = with(readable).rule_spec() {
        let rest = rest.to_string();
        if !meant_by_a_misspelling(&rest, out.iter().map(|p| p.message.as_str())) {
            out.push(at(rest));
        }
    }
    out
}

/// Whether `rest` says a field is missing that one of `said` already offers for a misspelt
/// key (`unknown field `maxx` (did you mean `max`?)` and `missing field `max``): one fix.
fn meant_by_a_misspelling<'a>(rest: &str, mut said: impl Iterator<Item = &'a str>) -> bool {
    let missing = rest
        .split_once("missing field `")
        .and_then(|(_, after)| after.split_once('`'))
        .map(|(field, _)| field);
    missing.is_some_and(|field| {
        let offer = format!("(did you mean `{field}`?)");
        said.any(|s| s.contains(&offer))
    })
}

/// Every problem of the `number`th fault of `faults:`, placed at the line of the key it is
/// about when the fault is written as a block, else at `line` (the item's): each key that does
/// not read is reported on its own, and the keys that do are checked as a fault. With a key
/// left out, only the problems of single keys stand (a zero count, a status that is no HTTP
/// status); those about how keys combine (a fault that does nothing) could come from the one
/// left out.
pub fn fault_problems(
    yaml: &str,
    fault: &Value,
    number: usize,
    line: Option<usize>,
) -> Vec<SpecProblem> {
    use crate::proxy::{FaultSpec, FaultSpecError as E};
    let label = format!("fault {number}");
    let mut problems = Vec::new();
    let (kept, whole) = match (read::<FaultSpec>(fault), fault) {
        (Ok(f), _) => (f, true),
        (Err(_), Value::Mapping(m)) => {
            let kept = keys_of::<FaultSpec>(m, &Mapping::new(), line, &label, &mut problems);
            match read::<FaultSpec>(&Value::Mapping(kept)) {
                Ok(f) => (f, false),
                Err(_) => return problems,
            }
        }
        (Err(e), _) => return vec![problem(line, format!("{label}: {e}"))],
    };
    let single_key = |e: &E| {
        matches!(
            e,
            E::ManyTriggers { .. }
                | E::ZeroCount { .. }
                | E::BadProbability { .. }
                | E::BadStatus { .. }
                | E::BodyNotAllowed { .. }
                | E::BadHeader { .. }
                | E::BadMethod { .. }
        )
    };
    problems.extend(
        kept.problems(number)
            .into_iter()
            .filter(|e| whole || single_key(e))
            .map(|e| {
                let at = fault_key(&e)
                    .and_then(|key| line.and_then(|l| item_key_line(yaml, l, key)))
                    .or(line);
                problem(at, e.to_string())
            }),
    );
    problems
}

/// The key of a fault a problem is about, when it is about one (a fault that does nothing,
/// or has two triggers, is about the whole fault).
fn fault_key(e: &crate::proxy::FaultSpecError) -> Option<&'static str> {
    use crate::proxy::FaultSpecError as E;
    match e {
        E::ZeroCount { field, .. } => Some(field),
        E::BadProbability { .. } => Some("probability"),
        E::BadStatus { .. }
        | E::BodyNotAllowed { .. }
        | E::BadHeader { .. }
        | E::KindAnswersOtherwise { .. }
        | E::KindNeedsTheOrg { .. } => Some("respond"),
        E::BadMethod { .. } => Some("match"),
        E::AtWithoutEffect { .. } => Some("at"),
        E::RetryAfterWithoutEffect { .. } => Some("retry_after"),
        E::ManyTriggers { .. } | E::DoesNothing { .. } => None,
    }
}

/// The 1-based line of `key:` among the keys of the block list item starting at `item` (its
/// `- ` line); `None` when the item is written on one line (`- { … }`) or lacks the key.
pub(super) fn item_key_line(yaml: &str, item: usize, key: &str) -> Option<usize> {
    let lines: Vec<&str> = yaml.lines().collect();
    let first = lines.get(item.checked_sub(1)?)?;
    let dash = first.len() - first.trim_start().len();
    let keys_at = dash + 2;
    let prefix = format!("{key}:");
    let own_key = |text: &str| text.starts_with(&prefix);
    if own_key(first.trim_start().trim_start_matches('-').trim_start()) {
        return Some(item);
    }
    for (i, text) in lines.iter().enumerate().skip(item) {
        let trimmed = text.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = text.len() - trimmed.len();
        if indent <= dash {
            return None;
        }
        if indent == keys_at && own_key(trimmed) {
            return Some(i + 1);
        }
    }
    None
}
