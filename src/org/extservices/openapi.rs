//! Reading an OpenAPI 2.0 or 3.0 document into the operations External Services can invoke,
//! with errors that point at the part of the document to fix (`paths./orders.post: …`).
//!
//! Pure: text in, [`Operation`]s out. `$ref`s to `#/definitions`, `#/components/schemas`,
//! `#/parameters` and `#/components/parameters` are resolved (local references only).

use serde_json::{Map, Value as Json};

/// The largest spec accepted, as External Services documents.
pub const MAX_SPEC_BYTES: usize = 2 * 1024 * 1024;
const MAX_REF_DEPTH: usize = 16;
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
}

/// One input of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub location: Location,
    pub required: bool,
    /// The resolved JSON schema of the value.
    pub schema: Json,
}

/// One invocable operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub id: String,
    pub method: String,
    /// The path template (`/orders/{id}`), with a 2.0 `basePath` or 3.0 server path in front.
    pub path: String,
    pub params: Vec<Param>,
    /// The JSON body's resolved schema, and whether it is required.
    pub body: Option<(Json, bool)>,
    /// The resolved schema of the success answer's JSON body (the first 2xx response that
    /// declares one): what the action's outputs are made of. None when no 2xx response
    /// declares a JSON body.
    pub response: Option<Json>,
    pub summary: Option<String>,
}

/// Why a spec cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("the spec is {0} bytes; External Services accepts at most 2 MB (2,097,152 bytes)")]
    TooLarge(usize),
    #[error("the spec is neither JSON nor YAML: {0}")]
    Syntax(String),
    #[error("the spec declares neither `swagger: \"2.0\"` nor `openapi: 3.0.x`{0}")]
    Version(String),
    #[error("{at}: {problem}")]
    Invalid { at: String, problem: String },
}

fn invalid(at: impl Into<String>, problem: impl Into<String>) -> SpecError {
    SpecError::Invalid {
        at: at.into(),
        problem: problem.into(),
    }
}

/// Resolves a local `$ref` (recursively in the value, to a bounded depth).
fn resolve(doc: &Json, v: &Json, at: &str, depth: usize) -> Result<Json, SpecError> {
    if depth > MAX_REF_DEPTH {
        return Err(invalid(
            at,
            "references nest too deeply (or refer to themselves)",
        ));
    }
    match v {
        Json::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Json::as_str) {
                let pointer = r.strip_prefix('#').ok_or_else(|| {
                    invalid(
                        at,
                        format!("only local references (#/…) are supported, not {r}"),
                    )
                })?;
                let target = doc.pointer(pointer).ok_or_else(|| {
                    invalid(at, format!("{r} points at nothing in this document"))
                })?;
                return resolve(doc, target, at, depth + 1);
            }
            let mut out = Map::new();
            for (k, x) in m {
                out.insert(k.clone(), resolve(doc, x, at, depth + 1)?);
            }
            Ok(Json::Object(out))
        }
        Json::Array(a) => Ok(Json::Array(
            a.iter()
                .map(|x| resolve(doc, x, at, depth + 1))
                .collect::<Result<_, _>>()?,
        )),
        other => Ok(other.clone()),
    }
}

/// Parses and checks a spec.
pub fn parse(text: &str) -> Result<Vec<Operation>, SpecError> {
    if text.len() > MAX_SPEC_BYTES {
        return Err(SpecError::TooLarge(text.len()));
    }
    let doc: Json = serde_yaml::from_str(text).map_err(|e| SpecError::Syntax(e.to_string()))?;
    let v2 = doc.get("swagger").and_then(Json::as_str) == Some("2.0");
    let v3 = doc
        .get("openapi")
        .and_then(Json::as_str)
        .is_some_and(|v| v.starts_with("3.0"));
    if !v2 && !v3 {
        let found = doc
            .get("openapi")
            .or_else(|| doc.get("swagger"))
            .map(|v| format!(" (it says {v}; 3.1 and later are not supported)"))
            .unwrap_or_default();
        return Err(SpecError::Version(found));
    }
    let base = if v2 {
        doc.get("basePath")
            .and_then(Json::as_str)
            .unwrap_or("")
            .trim_end_matches('/')
            .to_string()
    } else {
        doc.pointer("/servers/0/url")
            .and_then(Json::as_str)
            .map(|u| match url::Url::parse(u) {
                Ok(parsed) => parsed.path().trim_end_matches('/').to_string(),
                Err(_) => u.trim_end_matches('/').to_string(),
            })
            .unwrap_or_default()
    };
    let paths = doc
        .get("paths")
        .and_then(Json::as_object)
        .ok_or_else(|| invalid("paths", "the spec has no paths object"))?;
    let mut ops = Vec::new();
    for (path, item) in paths {
        if !path.starts_with('/') {
            return Err(invalid(
                format!("paths.{path}"),
                "a path must start with '/'",
            ));
        }
        let item = item
            .as_object()
            .ok_or_else(|| invalid(format!("paths.{path}"), "must be an object"))?;
        let shared = item
            .get("parameters")
            .cloned()
            .unwrap_or(Json::Array(vec![]));
        for m in METHODS {
            let Some(op) = item.get(m) else { continue };
            let at = format!("paths.{path}.{m}");
            let id = op
                .get("operationId")
                .and_then(Json::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| invalid(&at, "every operation needs an operationId (External Services names actions after it)"))?;
            if ops.iter().any(|o: &Operation| o.id == id) {
                return Err(invalid(
                    &at,
                    format!("operationId '{id}' is used twice; make it unique"),
                ));
            }
            let mut params = Vec::new();
            let mut body = None;
            let list = shared.as_array().into_iter().flatten().chain(
                op.get("parameters")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten(),
            );
            for raw in list {
                let p = resolve(&doc, raw, &at, 0)?;
                let name = p
                    .get("name")
                    .and_then(Json::as_str)
                    .ok_or_else(|| invalid(&at, "a parameter has no name"))?
                    .to_string();
                let required = p.get("required").and_then(Json::as_bool).unwrap_or(false);
                let location = match p.get("in").and_then(Json::as_str) {
                    Some("path") => Location::Path,
                    Some("query") => Location::Query,
                    Some("header") => Location::Header,
                    Some("body") if v2 => {
                        body = Some((p.get("schema").cloned().unwrap_or(Json::Null), required));
                        continue;
                    }
                    other => return Err(invalid(&at, format!("parameter '{name}' is in {other:?}; only path, query and header parameters (and bodies) are supported"))),
                };
                // "A parameter MUST contain either a schema property, or a content property"
                // (3.0); a 2.0 parameter other than the body has a `type`.
                let typed = if v2 {
                    p.get("type").is_some()
                } else {
                    p.get("schema").is_some() || p.get("content").is_some()
                };
                if !typed {
                    let (lacks, e_g) = if v2 {
                        ("no type", "`type: string`")
                    } else {
                        (
                            "neither a schema nor a content",
                            "`schema: { type: string }`",
                        )
                    };
                    return Err(invalid(
                        &at,
                        format!("parameter '{name}' has {lacks}: say what kind of value it takes, e.g. {e_g}"),
                    ));
                }
                let schema = if v2 {
                    let mut s = Map::new();
                    for k in ["type", "format", "enum", "items"] {
                        if let Some(x) = p.get(k) {
                            s.insert(k.into(), x.clone());
                        }
                    }
                    Json::Object(s)
                } else {
                    p.get("schema").cloned().unwrap_or(Json::Null)
                };
                if location == Location::Path && !path.contains(&format!("{{{name}}}")) {
                    return Err(invalid(
                        &at,
                        format!("path parameter '{name}' does not appear in the path"),
                    ));
                }
                params.retain(|x: &Param| x.name != name);
                params.push(Param {
                    name,
                    location,
                    required: required || location == Location::Path,
                    schema,
                });
            }
            if let Some(rb) = op.get("requestBody") {
                let rb = resolve(&doc, rb, &at, 0)?;
                let schema = rb
                    .pointer("/content/application~1json/schema")
                    .cloned()
                    .ok_or_else(|| invalid(&at, "the requestBody has no application/json schema; External Services sends JSON bodies"))?;
                body = Some((
                    schema,
                    rb.get("required").and_then(Json::as_bool).unwrap_or(false),
                ));
            }
            for seg in path.split('/').filter(|s| s.starts_with('{')) {
                let n = seg.trim_matches(|c| c == '{' || c == '}');
                if !params
                    .iter()
                    .any(|p| p.name == n && p.location == Location::Path)
                {
                    return Err(invalid(
                        &at,
                        format!("the path names {{{n}}} but no path parameter '{n}' is declared"),
                    ));
                }
            }
            described_responses(&doc, op, &at)?;
            let response = success_schema(&doc, op, v2, &at)?;
            ops.push(Operation {
                id: id.to_string(),
                method: m.to_uppercase(),
                path: format!("{base}{path}"),
                params,
                body,
                response,
                summary: op.get("summary").and_then(Json::as_str).map(str::to_string),
            });
        }
    }
    if ops.is_empty() {
        return Err(invalid("paths", "the spec declares no operations"));
    }
    for field in ["title", "version"] {
        if !doc
            .pointer(&format!("/info/{field}"))
            .is_some_and(Json::is_string)
        {
            return Err(invalid(
                "info",
                format!("the spec's info has no {field}; OpenAPI requires `info` with a `title` and a `version` (a string, such as \"1.0\")"),
            ));
        }
    }
    Ok(ops)
}

/// Refuses a response without a `description`, which OpenAPI 2.0 and 3.0 both require of
/// every Response Object.
fn described_responses(doc: &Json, op: &Json, at: &str) -> Result<(), SpecError> {
    let Some(responses) = op.get("responses").and_then(Json::as_object) else {
        return Ok(());
    };
    for (code, raw) in responses {
        let r = resolve(doc, raw, at, 0)?;
        if !r.get("description").is_some_and(Json::is_string) {
            return Err(invalid(
                format!("{at}.responses.{code}"),
                "every response needs a description (OpenAPI requires one, if only a few words)",
            ));
        }
    }
    Ok(())
}

/// The resolved JSON schema of an operation's first 2xx response that declares one (`200`
/// before `201` …, then `2XX`): 3.0 `content.application/json.schema`, 2.0 `schema`.
fn success_schema(doc: &Json, op: &Json, v2: bool, at: &str) -> Result<Option<Json>, SpecError> {
    let Some(responses) = op.get("responses").and_then(Json::as_object) else {
        return Ok(None);
    };
    let mut codes: Vec<&String> = responses
        .keys()
        .filter(|c| c.starts_with('2') && c.len() == 3)
        .collect();
    codes.sort_by_key(|c| (c.eq_ignore_ascii_case("2XX"), c.to_string()));
    for code in codes {
        let r = resolve(doc, &responses[code.as_str()], at, 0)?;
        let schema = if v2 {
            r.get("schema").cloned()
        } else {
            r.pointer("/content/application~1json/schema").cloned()
        };
        if schema.is_some() {
            return Ok(schema);
        }
    }
    Ok(None)
}

/// Checks a value against a (resolved) schema's type, enum, required properties and items;
/// the error names where the value went wrong.
pub fn check_value(v: &Json, schema: &Json, at: &str) -> Result<(), String> {
    let Some(s) = schema.as_object() else {
        return Ok(());
    };
    if let Some(allowed) = s.get("enum").and_then(Json::as_array) {
        if !allowed.contains(v) {
            return Err(format!(
                "{at} must be one of {}",
                Json::Array(allowed.clone())
            ));
        }
    }
    let ok = match s.get("type").and_then(Json::as_str) {
        Some("string") => v.is_string(),
        Some("integer") => v.as_i64().is_some() || v.as_u64().is_some(),
        Some("number") => v.is_number(),
        Some("boolean") => v.is_boolean(),
        Some("array") => v.is_array(),
        Some("object") => v.is_object(),
        _ => true,
    };
    if !ok {
        return Err(format!(
            "{at} must be of type {}",
            s.get("type").and_then(Json::as_str).unwrap_or("?")
        ));
    }
    if let (Some(items), Some(a)) = (s.get("items"), v.as_array()) {
        for (i, x) in a.iter().enumerate() {
            check_value(x, items, &format!("{at}[{i}]"))?;
        }
    }
    if let Some(o) = v.as_object() {
        for r in s
            .get("required")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
        {
            if !o.contains_key(r) {
                return Err(format!("{at}.{r} is required"));
            }
        }
        if let Some(props) = s.get("properties").and_then(Json::as_object) {
            for (k, x) in o {
                if let Some(ps) = props.get(k) {
                    check_value(x, ps, &format!("{at}.{k}"))?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub const ERP_SPEC: &str = r##"
openapi: 3.0.3
info: { title: ERP, version: "1" }
servers: [ { url: "https://erp.example.com/ext/erp" } ]
paths:
  /orders:
    post:
      operationId: createOrder
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/NewOrder" }
  /orders/{id}:
    parameters: [ { name: id, in: path, required: true, schema: { type: string } } ]
    get: { operationId: getOrder }
components:
  schemas:
    NewOrder:
      type: object
      required: [customer, lines]
      properties:
        customer: { type: string }
        lines: { type: array, items: { type: object, required: [sku, quantity], properties: { sku: { type: string }, quantity: { type: number } } } }
"##;

    #[test]
    fn openapi_3_operations_resolve_refs_and_server_paths() {
        let ops = parse(ERP_SPEC).unwrap();
        assert_eq!(ops.len(), 2);
        let create = &ops[0];
        assert_eq!(
            (
                create.id.as_str(),
                create.method.as_str(),
                create.path.as_str()
            ),
            ("createOrder", "POST", "/ext/erp/orders")
        );
        let (schema, required) = create.body.clone().unwrap();
        assert!(required);
        assert_eq!(schema["required"], json!(["customer", "lines"]));
        assert_eq!(ops[1].params[0].location, Location::Path);
    }

    #[test]
    fn swagger_2_body_parameters_become_bodies() {
        let spec = json!({"swagger": "2.0", "info": {"title": "X", "version": "1"}, "basePath": "/api", "paths": {"/x": {"post": {"operationId": "makeX",
            "parameters": [{"name": "b", "in": "body", "required": true, "schema": {"$ref": "#/definitions/X"}}, {"name": "q", "in": "query", "type": "integer"}]}}},
            "definitions": {"X": {"type": "object"}}});
        let ops = parse(&spec.to_string()).unwrap();
        assert_eq!(ops[0].path, "/api/x");
        assert_eq!(ops[0].params.len(), 1);
        assert!(ops[0].body.is_some());
    }

    #[test]
    fn invalid_specs_say_what_to_fix() {
        assert!(
            matches!(parse("openapi: 3.1.0\npaths: {}"), Err(SpecError::Version(m)) if m.contains("3.1"))
        );
        let e = parse("openapi: 3.0.0\npaths:\n  /a:\n    get: {}\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("paths./a.get: every operation needs an operationId"),
            "{e}"
        );
        let e =
            parse("openapi: 3.0.0\npaths:\n  /a/{id}:\n    get: { operationId: g }\n").unwrap_err();
        assert!(e.to_string().contains("no path parameter 'id'"), "{e}");
        assert!(matches!(
            parse(&"x".repeat(MAX_SPEC_BYTES + 1)),
            Err(SpecError::TooLarge(_))
        ));
        assert!(matches!(parse("{ not: [valid"), Err(SpecError::Syntax(_))));
    }

    #[test]
    fn a_document_missing_what_openapi_requires_is_refused() {
        let valid = "openapi: 3.0.3\ninfo: { title: Wx, version: '1' }\npaths:\n  /current:\n    get:\n      operationId: g\n      parameters: [ { name: city, in: query, required: true, schema: { type: string } } ]\n      responses: { '200': { description: ok } }\n";
        assert!(parse(valid).is_ok());
        for (broken, said) in [
            (valid.replace(", version: '1'", ""), "info has no version"),
            (valid.replace("{ title: Wx, ", "{ "), "info has no title"),
            (
                valid.replace("{ description: ok }", "{ }"),
                "paths./current.get.responses.200: every response needs a description",
            ),
            (
                valid.replace(", schema: { type: string }", ""),
                "parameter 'city' has neither a schema nor a content",
            ),
        ] {
            let e = parse(&broken).unwrap_err().to_string();
            assert!(e.contains(said), "{broken}\n{e}");
        }
        let content = valid.replace(
            "schema: { type: string }",
            "content: { application/json: { schema: { type: string } } }",
        );
        assert!(
            parse(&content).is_ok(),
            "a parameter may give a content instead"
        );
    }

    #[test]
    fn values_are_checked_against_schemas() {
        let ops = parse(ERP_SPEC).unwrap();
        let schema = ops[0].body.clone().unwrap().0;
        assert!(check_value(
            &json!({"customer": "F", "lines": [{"sku": "S", "quantity": 1}]}),
            &schema,
            "input"
        )
        .is_ok());
        let e = check_value(
            &json!({"customer": "F", "lines": [{"sku": "S", "quantity": "1"}]}),
            &schema,
            "input",
        )
        .unwrap_err();
        assert_eq!(e, "input.lines[0].quantity must be of type number");
        assert_eq!(
            check_value(&json!({"customer": "F"}), &schema, "input").unwrap_err(),
            "input.lines is required"
        );
    }
}
