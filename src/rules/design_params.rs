//! The parameters of a `design.table` check as a lab author writes them, checked when the lab
//! loads. A value of the wrong shape is told by the field (and row and column) it is in and
//! what goes there; a column that a row, a reason or a list of choices names must be one of
//! the table's `columns` (matched as headers are, so `Api` is `API`): a misspelt one would
//! leave its cells unjudged, and any answer would pass.
//!
//! Implementation notes: serde's message for a value of the wrong type names neither the
//! field nor the row ("invalid type: sequence, expected a map"), so the shapes are walked
//! here first; anything this walk does not catch is left to serde's own message.

use super::design::{norm, TableCheck};
use serde_json::{Map, Value};

/// The fields holding row → (column → words), and what their words are.
const WORD_FIELDS: &[(&str, &str)] = &[
    ("rows", "accepted answers"),
    ("mentions", "words"),
    ("ruled_out", "words"),
    ("choices", "words the brief offers"),
];

/// Why the parameters of a check cannot be read as a [`TableCheck`], naming the field, when a
/// value has the wrong shape.
pub fn shape_problem(params: &Map<String, Value>) -> Option<String> {
    // A real column in the examples makes them easier to follow.
    let column = params
        .get("columns")
        .and_then(Value::as_array)
        .and_then(|c| c.get(1).or(c.first()))
        .and_then(Value::as_str)
        .unwrap_or("Answer");
    if let Some(v) = params.get("file").filter(|v| !v.is_string()) {
        return Some(format!(
            "`file`: expected the name of a markdown file, like `design.md`, got {}",
            kind(v)
        ));
    }
    if let Some(v) = params.get("filled").filter(|v| !v.is_boolean()) {
        return Some(format!("`filled`: expected true or false, got {}", kind(v)));
    }
    for field in ["columns", "explained"] {
        if let Some(v) = params.get(field) {
            let example = if field == "columns" {
                "[Need, API, Why]"
            } else {
                "[Why]"
            };
            if let Some(problem) = list_problem(v, "column names", example) {
                return Some(format!("`{field}`: {problem}"));
            }
        }
    }
    for (field, what) in WORD_FIELDS {
        let Some(v) = params.get(*field) else {
            continue;
        };
        let Some(rows) = v.as_object() else {
            return Some(format!(
                "`{field}`: expected a map of row → (column → {what}), like `{{ \"*\": {{ {column}: [...] }} }}`, got {}",
                kind(v)
            ));
        };
        for (row, columns) in rows {
            let Some(columns) = columns.as_object() else {
                return Some(format!(
                    "`{field}` → \"{row}\": expected a map of column → {what}, like `{{ {column}: [...] }}`, got {}",
                    kind(columns)
                ));
            };
            for (name, words) in columns {
                if let Some(problem) = list_problem(words, what, "[...]") {
                    return Some(format!("`{field}` → \"{row}\" → {name}: {problem}"));
                }
            }
        }
    }
    None
}

/// Why `v` is not a list of text, in words.
fn list_problem(v: &Value, what: &str, example: &str) -> Option<String> {
    let Some(items) = v.as_array() else {
        return Some(format!(
            "expected a list of {what}, like `{example}`, got {}",
            kind(v)
        ));
    };
    let (i, item) = items.iter().enumerate().find(|(_, w)| !w.is_string())?;
    let quote = match item {
        Value::Number(_) | Value::Bool(_) => {
            format!(" (quote it, \"{item}\", to have it read as text)")
        }
        _ => String::new(),
    };
    Some(format!(
        "item {} of the list is {}, where a list of {what} holds text{quote}",
        i + 1,
        kind(item)
    ))
}

/// A YAML value described for an author.
fn kind(v: &Value) -> String {
    match v {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("the true/false value {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a map".into(),
    }
}

/// The first column a row, a reason or a list of choices names that the table does not have.
pub fn unknown_column(p: &TableCheck) -> Option<String> {
    let has = |name: &str| p.columns.iter().any(|c| norm(c) == norm(name));
    let listed = {
        let named: Vec<String> = p.columns.iter().map(|c| format!("\"{c}\"")).collect();
        named.join(", ")
    };
    let tip = |name: &str| match crate::suggest::closest(name, p.columns.iter().map(String::as_str))
        .first()
    {
        Some(close) => format!(" (did you mean \"{close}\"?)"),
        None => String::new(),
    };
    let fields = [
        ("rows", &p.rows, "its answers would never be judged"),
        (
            "mentions",
            &p.mentions,
            "no cell would be asked to name an idea",
        ),
        ("ruled_out", &p.ruled_out, "nothing would be ruled out"),
        ("choices", &p.choices, "the words would never be offered"),
    ];
    for (field, words, consequence) in fields {
        for (row, columns) in words {
            if let Some(name) = columns.keys().find(|c| !has(c)) {
                return Some(format!(
                    "`{field}:` \"{row}\" names the column \"{name}\"{}, which is not one of `columns:` {listed}; {consequence}",
                    tip(name)
                ));
            }
        }
    }
    p.explained.iter().find(|c| !has(c)).map(|name| {
        format!(
            "`explained:` names the column \"{name}\"{}, which is not one of `columns:` {listed}; no reason would be asked for",
            tip(name)
        )
    })
}

#[cfg(test)]
#[path = "design_params_tests.rs"]
mod tests;
