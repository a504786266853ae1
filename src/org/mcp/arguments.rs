//! A `tools/call`'s arguments checked against the tool's `inputSchema` before the tool runs.
//! MCP (2025-06-18, Tools › Error Handling) makes invalid arguments a protocol error, so a
//! misfit is answered `-32602 Invalid params` naming the argument, what the schema wants and
//! what came ("'query' must be text, got a number"); what goes wrong while a tool runs stays
//! an `isError` result the model can read.
//!
//! Implementation notes:
//! - The subset of JSON Schema tool schemas use: `required`, each property's `type` (one name
//!   or a list of names; `string`, `number`, `integer`, `boolean`, `array`, `object`, `null`),
//!   `enum`, an array's `items.type`, and `additionalProperties: false`. Other keywords (and a
//!   planted tool's schema that uses them) are not checked: the tool then gets what was sent.
//! - A property the schema does not name passes unless `additionalProperties` is `false`, as
//!   JSON Schema has it.

use serde_json::{Map, Value as Json};

/// How a JSON Schema type reads in a message.
fn wanted(t: &str) -> &str {
    match t {
        "string" => "text",
        "number" => "a number",
        "integer" => "a whole number",
        "boolean" => "true or false",
        "array" => "a list",
        "object" => "an object",
        "null" => "null",
        other => other,
    }
}

/// How a value's kind reads in a message.
fn kind(v: &Json) -> &'static str {
    match v {
        Json::String(_) => "text",
        Json::Number(n) if n.is_f64() => "a number with a fraction",
        Json::Number(_) => "a number",
        Json::Bool(_) => "a boolean",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
        Json::Null => "null",
    }
}

/// Whether `v` is of JSON Schema type `t`; an unknown type name matches anything.
fn is_type(v: &Json, t: &str) -> bool {
    match t {
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => {
            v.is_i64()
                || v.is_u64()
                || v.as_f64()
                    .is_some_and(|f| f.fract() == 0.0 && f.is_finite())
        }
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "null" => v.is_null(),
        _ => true,
    }
}

/// The type names of a schema's `type` (none when absent or not a name or list of names).
fn types(schema: &Json) -> Vec<&str> {
    match schema.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    }
}

/// What is wrong with the value `v` of argument `name` under its property schema.
fn value_problem(name: &str, v: &Json, schema: &Json) -> Option<String> {
    let ts = types(schema);
    if !ts.is_empty() && !ts.iter().any(|t| is_type(v, t)) {
        let want: Vec<&str> = ts.iter().map(|t| wanted(t)).collect();
        return Some(format!(
            "'{name}' must be {}, got {}",
            want.join(" or "),
            kind(v)
        ));
    }
    if let Some(options) = schema.get("enum").and_then(Json::as_array) {
        if !options.contains(v) {
            let listed: Vec<String> = options.iter().map(Json::to_string).collect();
            return Some(format!(
                "'{name}' must be one of {}, got {v}",
                listed.join(", ")
            ));
        }
    }
    if let (Json::Array(items), Some(item_schema)) = (v, schema.get("items")) {
        let its = types(item_schema);
        if let Some(bad) = items
            .iter()
            .find(|i| !its.is_empty() && !its.iter().any(|t| is_type(i, t)))
        {
            let want: Vec<&str> = its.iter().map(|t| wanted(t)).collect();
            return Some(format!(
                "'{name}' must be a list of {}, got a list holding {}",
                want.join(" or "),
                kind(bad)
            ));
        }
    }
    None
}

/// What is wrong with `args` under the tool's `inputSchema`, as the message of an Invalid
/// params error; `None` when they fit.
pub fn problem(tool: &str, schema: &Json, args: &Map<String, Json>) -> Option<String> {
    let properties = schema.get("properties").and_then(Json::as_object);
    let required = schema.get("required").and_then(Json::as_array);
    let missing: Vec<&str> = required
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .filter(|k| !args.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|k| format!("'{k}'")).collect();
        return Some(format!(
            "Invalid params: {tool} needs the argument{} {}",
            if missing.len() == 1 { "" } else { "s" },
            names.join(", ")
        ));
    }
    let closed = schema.get("additionalProperties") == Some(&Json::Bool(false));
    for (name, v) in args {
        match properties.and_then(|p| p.get(name)) {
            Some(prop) => {
                if let Some(p) = value_problem(name, v, prop) {
                    return Some(format!("Invalid params: {p}"));
                }
            }
            None if closed => {
                let known: Vec<&str> = properties
                    .into_iter()
                    .flat_map(|p| p.keys().map(String::as_str))
                    .collect();
                return Some(format!(
                    "Invalid params: {tool} takes no argument '{name}' (it takes {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ));
            }
            None => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(schema: Json, args: Json) -> Option<String> {
        problem("t", &schema, args.as_object().unwrap())
    }

    #[test]
    fn a_wrong_typed_or_missing_argument_is_named_with_what_was_wanted() {
        let s = json!({"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]});
        assert_eq!(
            check(s.clone(), json!({"query": 5})).unwrap(),
            "Invalid params: 'query' must be text, got a number"
        );
        assert_eq!(
            check(s.clone(), json!({})).unwrap(),
            "Invalid params: t needs the argument 'query'"
        );
        assert_eq!(check(s, json!({"query": "SELECT Id FROM Account"})), None);
    }

    #[test]
    fn integers_enums_items_and_closed_schemas_are_checked() {
        let s = json!({
            "type": "object",
            "properties": {
                "order": {"type": "integer"},
                "speed": {"type": "string", "enum": ["slow", "fast"]},
                "tags": {"type": "array", "items": {"type": "string"}}
            },
            "additionalProperties": false
        });
        assert_eq!(check(s.clone(), json!({"order": 5.0})), None);
        assert!(check(s.clone(), json!({"order": 5.5}))
            .unwrap()
            .contains("'order' must be a whole number, got a number with a fraction"));
        assert!(check(s.clone(), json!({"speed": "warp"}))
            .unwrap()
            .contains(r#"'speed' must be one of "slow", "fast", got "warp""#));
        assert!(check(s.clone(), json!({"tags": ["a", 5]}))
            .unwrap()
            .contains("'tags' must be a list of text, got a list holding a number"));
        assert!(check(s, json!({"colour": "red"}))
            .unwrap()
            .contains("takes no argument 'colour'"));
    }
}
