//! `/search?q=FIND {…}` (SOSL) and `/parameterizedSearch` (the same search described by
//! parameters or a JSON body instead of a statement), both answering
//! `{"searchRecords":[{"attributes":{"type","url"},"Id",…}]}`.
//!
//! A parameterized search is turned into the equivalent SOSL statement and run the same way,
//! so both resources find the same records and report the same errors.

use super::body::{parse_json, read_limited};
use super::error::{json_response, ApiError};
use super::gateway::{Caller, RequestVersion};
use super::RestState;
use crate::org::auth::Op;
use crate::org::schema::{FieldDef, ObjectDef};
use crate::org::soql::{self, sosl};
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use std::collections::HashSet;

/// Largest parameterizedSearch body read (the request is a few fields).
const BODY_LIMIT: usize = 1 << 20;

pub fn routes() -> Router<RestState> {
    Router::new()
        .route("/services/data/{version}/search", get(search))
        .route(
            "/services/data/{version}/parameterizedSearch",
            get(parameterized_get).post(parameterized_post),
        )
}

type Params = Vec<(String, String)>;

fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn refusal(state: &RestState, caller: &Caller, object: &str) -> Option<ApiError> {
    state
        .org
        .auth
        .object_refusal(&caller.0.user_id, object, Op::Read)
        .map(|r| ApiError::new(StatusCode::BAD_REQUEST, r.error_code, r.message))
}

/// Parses and runs `sosl` for the caller: an explicit RETURNING of an object the caller may
/// not read is refused; a search without RETURNING leaves such objects out.
fn run(
    state: &RestState,
    caller: &Caller,
    version: &str,
    sosl_src: &str,
) -> Result<Response, ApiError> {
    let stmt = sosl::parse(sosl_src)?;
    // Object names first, access checks with the store unlocked (the access layer has its own
    // lock), then the search itself.
    let (named, all): (Vec<String>, Vec<String>) = {
        let store = state.org.store.read();
        let schema = store.schema();
        (
            stmt.returning
                .iter()
                .filter_map(|spec| schema.object(&spec.from).map(|o| o.name.clone()))
                .collect(),
            schema.objects().iter().map(|o| o.name.clone()).collect(),
        )
    };
    for name in &named {
        if let Some(refused) = refusal(state, caller, name) {
            return Err(refused);
        }
    }
    let readable: HashSet<String> = all
        .into_iter()
        .filter(|name| refusal(state, caller, name).is_none())
        .collect();
    let field_reads = state.org.auth.field_reads(&caller.0.user_id);
    let store = state.org.store.read();
    // Field-level security, where enforced: a RETURNING field the user may not read is
    // unknown to them, as in a query, and is not searched.
    let fields = |object: &ObjectDef, field: &FieldDef| {
        field_reads
            .as_ref()
            .is_none_or(|r| r.readable(object, field))
    };
    if field_reads.is_some() {
        for spec in &stmt.returning {
            soql::field_security::check_parsed(&store, sosl_src, spec, &fields)?;
        }
    }
    let opts =
        soql::QueryOptions::new(state.org.clock.now(), version).run_by(&store, &caller.0.user_id);
    let access = sosl::Access {
        object: &|name: &str| readable.contains(name),
        field: &fields,
    };
    let found = sosl::run(&store, sosl_src, &stmt, &opts, access)?;
    Ok(json_response(StatusCode::OK, &found.to_json()))
}

async fn search(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    let Some(q) = param(&params, "q").filter(|q| !q.trim().is_empty()) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "MALFORMED_SEARCH",
            "No search term found. The search term must be enclosed in braces.",
        ));
    };
    run(&state, &caller, &version.number(), q)
}

/// One object of a parameterized search.
#[derive(Debug, Clone, Default, PartialEq)]
struct ObjectSpec {
    name: String,
    fields: Vec<String>,
    where_: Option<String>,
    order_by: Option<String>,
    limit: Option<u64>,
}

/// A parameterized search, from query parameters or a JSON body.
#[derive(Debug, Clone, Default, PartialEq)]
struct ParamSearch {
    q: String,
    scope: Option<String>,
    fields: Vec<String>,
    default_limit: Option<u64>,
    overall_limit: Option<u64>,
    sobjects: Vec<ObjectSpec>,
    metadata_labels: bool,
}

fn bad(message: impl Into<String>) -> ApiError {
    // The error code real orgs use for a bad parameterizedSearch argument is not verified;
    // the statement's own errors (below) carry the SOSL codes.
    ApiError::new(StatusCode::BAD_REQUEST, "INVALID_SEARCH", message)
}

fn number(name: &str, raw: &str) -> Result<u64, ApiError> {
    raw.trim()
        .parse()
        .map_err(|_| bad(format!("{name} must be a whole number, not '{raw}'.")))
}

fn list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

impl ParamSearch {
    fn from_params(params: &Params) -> Result<ParamSearch, ApiError> {
        let mut p = ParamSearch {
            q: param(params, "q").unwrap_or_default().to_string(),
            scope: param(params, "in").map(String::from),
            fields: param(params, "fields").map(list).unwrap_or_default(),
            metadata_labels: param(params, "metadata")
                .is_some_and(|m| m.eq_ignore_ascii_case("LABELS")),
            ..ParamSearch::default()
        };
        if let Some(v) = param(params, "overallLimit") {
            p.overall_limit = Some(number("overallLimit", v)?);
        }
        if let Some(v) = param(params, "defaultLimit") {
            p.default_limit = Some(number("defaultLimit", v)?);
        }
        for (k, v) in params {
            if k == "sobject" {
                for name in list(v) {
                    let prefix = format!("{name}.");
                    let mut spec = ObjectSpec {
                        name: name.clone(),
                        ..ObjectSpec::default()
                    };
                    if let Some(f) = param(params, &format!("{prefix}fields")) {
                        spec.fields = list(f);
                    }
                    if let Some(l) = param(params, &format!("{prefix}limit")) {
                        spec.limit = Some(number(&format!("{prefix}limit"), l)?);
                    }
                    p.sobjects.push(spec);
                }
            }
        }
        Ok(p)
    }

    fn from_json(body: &Value) -> Result<ParamSearch, ApiError> {
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(String::from);
        let strings = |v: &Value, key: &str| -> Vec<String> {
            match v.get(key) {
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect(),
                Some(Value::String(s)) => list(s),
                _ => Vec::new(),
            }
        };
        let whole = |v: &Value, key: &str| -> Result<Option<u64>, ApiError> {
            match v.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => n
                    .as_u64()
                    .map(Some)
                    .ok_or_else(|| bad(format!("{key} must be a whole number, not {n}."))),
                Some(Value::String(s)) => number(key, s).map(Some),
                Some(other) => Err(bad(format!("{key} must be a whole number, not {other}."))),
            }
        };
        let mut p = ParamSearch {
            q: text(body, "q").unwrap_or_default(),
            scope: text(body, "in"),
            fields: strings(body, "fields"),
            default_limit: whole(body, "defaultLimit")?,
            overall_limit: whole(body, "overallLimit")?,
            metadata_labels: text(body, "metadata")
                .is_some_and(|m| m.eq_ignore_ascii_case("LABELS")),
            sobjects: Vec::new(),
        };
        if let Some(Value::Array(objs)) = body.get("sobjects") {
            for o in objs {
                let Some(name) = text(o, "name") else {
                    return Err(bad("Each entry of sobjects needs a name."));
                };
                p.sobjects.push(ObjectSpec {
                    name,
                    fields: strings(o, "fields"),
                    where_: text(o, "where"),
                    order_by: text(o, "orderBy"),
                    limit: whole(o, "limit")?,
                });
            }
        }
        Ok(p)
    }

    /// The equivalent SOSL statement.
    fn to_sosl(&self) -> Result<String, ApiError> {
        if self.q.trim().is_empty() {
            return Err(bad("A search string is required: add the q parameter."));
        }
        let mut s = format!("FIND {{{}}}", escape_braces(&self.q));
        if let Some(scope) = &self.scope {
            if sosl::statement::Scope::from_word(scope).is_none() {
                return Err(bad(format!(
                    "in must be ALL, NAME, EMAIL, PHONE or SIDEBAR, not '{scope}'."
                )));
            }
            s.push_str(&format!(" IN {} FIELDS", scope.to_ascii_uppercase()));
        }
        let specs: Vec<String> = self.sobjects.iter().map(|o| self.spec(o)).collect();
        if !specs.is_empty() {
            s.push_str(" RETURNING ");
            s.push_str(&specs.join(", "));
        }
        if self.metadata_labels {
            s.push_str(" WITH METADATA = 'LABELS'");
        }
        if let Some(n) = self.overall_limit {
            s.push_str(&format!(" LIMIT {n}"));
        }
        Ok(s)
    }

    fn spec(&self, o: &ObjectSpec) -> String {
        let mut fields = if o.fields.is_empty() {
            self.fields.clone()
        } else {
            o.fields.clone()
        };
        let limit = o.limit.or(self.default_limit);
        if fields.is_empty() && (o.where_.is_some() || o.order_by.is_some() || limit.is_some()) {
            fields.push("Id".into());
        }
        if fields.is_empty() {
            return o.name.clone();
        }
        let mut inner = fields.join(", ");
        if let Some(w) = &o.where_ {
            inner.push_str(&format!(" WHERE {w}"));
        }
        if let Some(ob) = &o.order_by {
            inner.push_str(&format!(" ORDER BY {ob}"));
        }
        if let Some(l) = limit {
            inner.push_str(&format!(" LIMIT {l}"));
        }
        format!("{}({inner})", o.name)
    }
}

/// Escapes braces the search string does not already escape, so it stays one FIND term.
fn escape_braces(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    let mut escaped = false;
    for c in q.chars() {
        if !escaped && (c == '{' || c == '}') {
            out.push('\\');
        }
        escaped = !escaped && c == '\\';
        out.push(c);
    }
    out
}

async fn parameterized_get(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    let sosl_src = ParamSearch::from_params(&params)?.to_sosl()?;
    run(&state, &caller, &version.number(), &sosl_src)
}

async fn parameterized_post(
    State(state): State<RestState>,
    RequestVersion(version): RequestVersion,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_limited(body, BODY_LIMIT).await?;
    let json = parse_json(&bytes)?;
    let sosl_src = ParamSearch::from_json(&json)?.to_sosl()?;
    run(&state, &caller, &version.number(), &sosl_src)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_parameters_become_a_statement() {
        let params: Params = vec![
            ("q".into(), "Acme*".into()),
            ("in".into(), "name".into()),
            ("sobject".into(), "Account".into()),
            ("Account.fields".into(), "Id,Name".into()),
            ("Account.limit".into(), "5".into()),
            ("sobject".into(), "Contact".into()),
            ("overallLimit".into(), "20".into()),
        ];
        let s = ParamSearch::from_params(&params)
            .unwrap()
            .to_sosl()
            .unwrap();
        assert_eq!(
            s,
            "FIND {Acme*} IN NAME FIELDS RETURNING Account(Id, Name LIMIT 5), Contact LIMIT 20"
        );
    }

    #[test]
    fn a_json_body_becomes_a_statement() {
        let body = json!({
            "q": "Acme",
            "fields": ["Id", "Name"],
            "sobjects": [{"name": "Account", "where": "Industry = 'Energy'", "limit": 3},
                         {"name": "Contact", "fields": ["LastName"]}],
            "in": "ALL",
            "defaultLimit": 10
        });
        let s = ParamSearch::from_json(&body).unwrap().to_sosl().unwrap();
        assert_eq!(
            s,
            "FIND {Acme} IN ALL FIELDS RETURNING Account(Id, Name WHERE Industry = 'Energy' LIMIT 3), Contact(LastName LIMIT 10)"
        );
    }

    #[test]
    fn braces_in_the_search_string_are_escaped_once() {
        assert_eq!(escape_braces("a}b"), "a\\}b");
        assert_eq!(escape_braces("a\\}b"), "a\\}b");
    }

    #[test]
    fn a_missing_search_string_is_refused() {
        let e = ParamSearch::default().to_sosl().unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn an_unknown_scope_is_refused() {
        let p = ParamSearch {
            q: "acme".into(),
            scope: Some("titles".into()),
            ..ParamSearch::default()
        };
        assert!(p.to_sosl().unwrap_err().message.contains("titles"));
    }
}
