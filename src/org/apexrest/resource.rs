//! Apex REST resources as data: the `apex_rest:` section of a seed or lab fixture, URL
//! matching as `@RestResource(urlMapping=…)` does it, and the DTO ↔ record mapping with the
//! request validation a well-written Apex class performs.
//!
//! ```yaml
//! apex_rest:
//!   - class: OrderResource
//!     url: /orders/*                 # urlMapping; a trailing * takes the rest of the path
//!     methods: [GET, POST, PATCH, DELETE]
//!     object: Order
//!     key: ERP_Order_Id__c           # what the last path segment names (default Id)
//!     dto: { id: Id, accountId: AccountId, effectiveDate: EffectiveDate, erpOrderId: ERP_Order_Id__c, status: Status }
//!     required: [accountId, effectiveDate]
//!     update_answer: no_content      # PATCH/PUT answer 204 with no body (default: dto, 200)
//!     lines:                         # optional child records created and returned with the parent
//!       property: lines
//!       object: OrderItem
//!       parent_field: OrderId
//!       dto: { pricebookEntryId: PricebookEntryId, quantity: Quantity, unitPrice: UnitPrice }
//!       required: [quantity, unitPrice]
//! ```
//!
//! This module is pure: no store, no HTTP. `mod.rs` runs the store operations.

use serde::Deserialize;
use serde_json::{Map, Value as Json};

/// One `@RestResource` class.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ApexResource {
    pub class: String,
    pub url: String,
    #[serde(default = "all_methods")]
    pub methods: Vec<String>,
    pub object: String,
    #[serde(default = "id_key")]
    pub key: String,
    /// DTO property → field API name, in the order the DTO is written.
    pub dto: indexmap_like::OrderedMap,
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub lines: Option<LineSpec>,
    /// What PATCH / PUT answer: the updated DTO (200), or nothing (204), as a `void`
    /// `@HttpPatch` method that sets `res.statusCode = 204` does.
    #[serde(default)]
    pub update_answer: UpdateAnswer,
}

/// What a resource's update answers (see [`ApexResource::update_answer`]).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum UpdateAnswer {
    /// 200 with the updated DTO.
    #[default]
    Dto,
    /// 204 with no body.
    NoContent,
}

/// Child records carried inside the DTO as an array.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LineSpec {
    pub property: String,
    pub object: String,
    pub parent_field: String,
    pub dto: indexmap_like::OrderedMap,
    #[serde(default)]
    pub required: Vec<String>,
}

/// An ordered string map read from YAML (serde_yaml keeps mapping order).
pub mod indexmap_like {
    use serde::{Deserialize, Deserializer};

    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct OrderedMap(pub Vec<(String, String)>);

    impl<'de> Deserialize<'de> for OrderedMap {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<OrderedMap, D::Error> {
            let m = serde_yaml::Mapping::deserialize(d)?;
            let mut out = Vec::with_capacity(m.len());
            for (k, v) in m {
                match (k.as_str(), v.as_str()) {
                    (Some(k), Some(v)) => out.push((k.to_string(), v.to_string())),
                    _ => {
                        return Err(serde::de::Error::custom(
                            "dto entries map a property name to a field name, both text",
                        ))
                    }
                }
            }
            Ok(OrderedMap(out))
        }
    }

    impl OrderedMap {
        pub fn field_of(&self, property: &str) -> Option<&str> {
            self.0
                .iter()
                .find(|(p, _)| p == property)
                .map(|(_, f)| f.as_str())
        }
    }
}

fn all_methods() -> Vec<String> {
    ["GET", "POST", "PUT", "PATCH", "DELETE"]
        .map(String::from)
        .to_vec()
}

fn id_key() -> String {
    "Id".to_string()
}

/// Why the `apex_rest:` section cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ApexFixtureError {
    #[error("apex_rest: {0}")]
    Yaml(#[from] serde_yaml::Error),
    #[error("apex_rest: class {class}: urlMapping '{url}' must start with '/'")]
    Url { class: String, url: String },
    #[error("apex_rest: class {class}: required property '{property}' is not in its dto")]
    Required { class: String, property: String },
}

/// Reads and checks the section (empty when absent).
pub fn resources(
    section: Option<&serde_yaml::Value>,
) -> Result<Vec<ApexResource>, ApexFixtureError> {
    let Some(v) = section else {
        return Ok(Vec::new());
    };
    let list: Vec<ApexResource> = serde_yaml::from_value(v.clone())?;
    for r in &list {
        if !r.url.starts_with('/') {
            return Err(ApexFixtureError::Url {
                class: r.class.clone(),
                url: r.url.clone(),
            });
        }
        let lines_req = r
            .lines
            .iter()
            .flat_map(|l| l.required.iter().map(move |p| (p, &l.dto)));
        for (p, dto) in r.required.iter().map(|p| (p, &r.dto)).chain(lines_req) {
            if dto.field_of(p).is_none() {
                return Err(ApexFixtureError::Required {
                    class: r.class.clone(),
                    property: p.clone(),
                });
            }
        }
    }
    Ok(list)
}

/// Checks the resources against the org's schema: each object, key, parent field and DTO
/// field must exist, so a mistyped name is refused when the org starts, not on every request.
pub fn check_schema(
    list: &[ApexResource],
    schema: &crate::org::schema::Schema,
) -> Result<(), String> {
    for r in list {
        let class = &r.class;
        let fields_of = |object: &str, names: Vec<(&str, &str)>| -> Result<(), String> {
            let obj = schema.object(object).ok_or_else(|| {
                format!("apex_rest: class {class}: object '{object}' does not exist in this org")
            })?;
            for (what, name) in names {
                if obj.field(name).is_none() {
                    return Err(format!(
                        "apex_rest: class {class}: {what} '{name}' is not a field of {}",
                        obj.name
                    ));
                }
            }
            Ok(())
        };
        let mut names = vec![("key", r.key.as_str())];
        names.extend(r.dto.0.iter().map(|(_, f)| ("dto field", f.as_str())));
        fields_of(&r.object, names)?;
        if let Some(l) = &r.lines {
            let mut names = vec![("parent_field", l.parent_field.as_str())];
            names.extend(l.dto.0.iter().map(|(_, f)| ("lines dto field", f.as_str())));
            fields_of(&l.object, names)?;
        }
    }
    Ok(())
}

/// Matches `path` (after `/services/apexrest`) against a urlMapping; `Some(rest)` is what the
/// wildcard took (empty when none), `None` when it does not match. Matching is case-sensitive,
/// as the Apex Developer Guide says of `@RestResource(urlMapping=…)`.
pub fn match_url<'a>(mapping: &str, path: &'a str) -> Option<&'a str> {
    match mapping.strip_suffix("/*") {
        Some(prefix) => {
            let rest = path.strip_prefix(prefix)?;
            if rest.is_empty() {
                Some("")
            } else {
                rest.strip_prefix('/')
            }
        }
        None => (path == mapping).then_some(""),
    }
}

/// The resource whose mapping best matches `path`: an exact mapping first, else the wildcard
/// mapping with the longest literal part; with what its wildcard took.
pub fn best_match<'r, 'p>(
    resources: &'r [ApexResource],
    path: &'p str,
) -> Option<(&'r ApexResource, &'p str)> {
    resources
        .iter()
        .filter_map(|r| match_url(&r.url, path).map(|rest| (r, rest)))
        .max_by_key(|(r, _)| match r.url.strip_suffix("/*") {
            None => usize::MAX,
            Some(prefix) => prefix.len(),
        })
}

/// A request the resource refuses, as the Apex class would answer it (400 with a JSON array).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct DtoError {
    pub code: &'static str,
    pub message: String,
}

fn parser_error(message: String) -> DtoError {
    DtoError {
        code: "JSON_PARSER_ERROR",
        message,
    }
}

/// The record fields a DTO sets, after checking it: an object, only known properties,
/// scalars only, required properties present and not blank (null, "" or only whitespace).
/// `partial` (an update) lets a required property be left out, but not sent blank.
pub fn fields_from_dto(
    dto: &Json,
    map: &indexmap_like::OrderedMap,
    required: &[String],
    class: &str,
    skip: Option<&str>,
    partial: bool,
) -> Result<Map<String, Json>, DtoError> {
    let obj = dto.as_object().ok_or_else(|| {
        parser_error(format!(
            "Expected a JSON object for {class}'s request body but found {}",
            kind(dto)
        ))
    })?;
    let mut fields = Map::new();
    for (k, v) in obj {
        if Some(k.as_str()) == skip {
            continue;
        }
        let field = map.field_of(k).ok_or_else(|| {
            parser_error(format!(
                "Unexpected parameter encountered during deserialization: {k}"
            ))
        })?;
        if v.is_object() || v.is_array() {
            return Err(parser_error(format!(
                "Expected a single value for {k} but found {}",
                kind(v)
            )));
        }
        if field.eq_ignore_ascii_case("Id") {
            continue;
        }
        fields.insert(field.to_string(), v.clone());
    }
    // A create needs every required property; an update may leave one out but not blank it.
    let missing: Vec<&str> = required
        .iter()
        .filter(|p| match obj.get(p.as_str()) {
            None => !partial,
            Some(v) => is_blank(v),
        })
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(DtoError {
            code: "INVALID_INPUT",
            message: format!(
                "Required properties are missing or blank: {}",
                missing.join(", ")
            ),
        });
    }
    Ok(fields)
}

/// A value a careful class refuses for a required property, as Apex's `String.isBlank` does:
/// null, or a string that is empty or only whitespace.
fn is_blank(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// A DTO from a record's REST JSON (missing fields become null).
pub fn dto_from_record(record: &Json, map: &indexmap_like::OrderedMap) -> Json {
    let mut out = Map::new();
    for (p, f) in &map.0 {
        let v = record
            .as_object()
            .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(f)))
            .map(|(_, v)| v.clone())
            .unwrap_or(Json::Null);
        out.insert(p.clone(), v);
    }
    Json::Object(out)
}

/// The fields to read for a DTO.
pub fn dto_fields(map: &indexmap_like::OrderedMap) -> Vec<&str> {
    let mut v: Vec<&str> = map.0.iter().map(|(_, f)| f.as_str()).collect();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order_map() -> indexmap_like::OrderedMap {
        indexmap_like::OrderedMap(vec![
            ("id".into(), "Id".into()),
            ("accountId".into(), "AccountId".into()),
            ("effectiveDate".into(), "EffectiveDate".into()),
        ])
    }

    #[test]
    fn url_mappings_match_like_apex() {
        assert_eq!(match_url("/orders/*", "/orders"), Some(""));
        assert_eq!(match_url("/orders/*", "/orders/801A"), Some("801A"));
        assert_eq!(match_url("/orders/*", "/orders/801A/x"), Some("801A/x"));
        // Case matters, as the Apex Developer Guide says.
        assert_eq!(match_url("/orders/*", "/Orders/801A"), None);
        assert_eq!(match_url("/status", "/STATUS"), None);
        assert_eq!(match_url("/orders/*", "/ordersX"), None);
        assert_eq!(match_url("/status", "/status"), Some(""));
        assert_eq!(match_url("/status", "/status/1"), None);
    }

    #[test]
    fn the_exact_mapping_wins_then_the_longest_wildcard() {
        let yaml: serde_yaml::Value = serde_yaml::from_str(
            "- { class: A, url: \"/orders/*\", object: Order, dto: {} }\n\
             - { class: B, url: \"/orders/rush/*\", object: Order, dto: {} }\n\
             - { class: C, url: \"/orders/rush/today\", object: Order, dto: {} }\n",
        )
        .unwrap();
        let list = resources(Some(&yaml)).unwrap();
        let class = |path: &str| {
            best_match(&list, path).map(|(r, rest)| (r.class.clone(), rest.to_string()))
        };
        assert_eq!(
            class("/orders/rush/today"),
            Some(("C".into(), String::new()))
        );
        assert_eq!(
            class("/orders/rush/tomorrow"),
            Some(("B".into(), "tomorrow".into()))
        );
        assert_eq!(class("/orders/SO-1"), Some(("A".into(), "SO-1".into())));
        assert_eq!(class("/Orders/SO-1"), None);
    }

    #[test]
    fn unknown_properties_are_json_parser_errors() {
        let e = fields_from_dto(
            &json!({"accountId": "001", "colour": "red"}),
            &order_map(),
            &[],
            "C",
            None,
            false,
        )
        .unwrap_err();
        assert_eq!(e.code, "JSON_PARSER_ERROR");
        assert!(e.message.contains("colour"));
    }

    #[test]
    fn missing_required_properties_are_listed() {
        let req = vec!["accountId".to_string(), "effectiveDate".to_string()];
        let e = fields_from_dto(
            &json!({"accountId": "001"}),
            &order_map(),
            &req,
            "C",
            None,
            false,
        )
        .unwrap_err();
        assert_eq!(e.code, "INVALID_INPUT");
        assert!(e.message.ends_with("effectiveDate"));
        assert!(fields_from_dto(
            &json!({"accountId": "001"}),
            &order_map(),
            &req,
            "C",
            None,
            true
        )
        .is_ok());
    }

    #[test]
    fn blank_required_properties_are_refused_like_string_is_blank() {
        let req = vec!["accountId".to_string(), "effectiveDate".to_string()];
        for blank in [json!(""), json!("   "), json!(null)] {
            let dto = json!({"accountId": "001", "effectiveDate": blank});
            let e = fields_from_dto(&dto, &order_map(), &req, "C", None, false).unwrap_err();
            assert_eq!(e.code, "INVALID_INPUT", "{blank}");
            assert!(e.message.ends_with("blank: effectiveDate"), "{}", e.message);
            // An update may leave it out, but not blank it.
            let e = fields_from_dto(&dto, &order_map(), &req, "C", None, true).unwrap_err();
            assert_eq!(e.code, "INVALID_INPUT", "{blank}");
        }
        let dto = json!({"accountId": " ", "effectiveDate": "2026-03-01"});
        let e = fields_from_dto(&dto, &order_map(), &req, "C", None, false).unwrap_err();
        assert!(e.message.ends_with("blank: accountId"), "{}", e.message);
        let dto = json!({"accountId": "001", "effectiveDate": " 2026-03-01 "});
        assert!(fields_from_dto(&dto, &order_map(), &req, "C", None, false).is_ok());
    }

    #[test]
    fn dto_is_built_in_mapping_order_with_nulls() {
        let rec = json!({"attributes": {}, "Id": "801A", "AccountId": "001B"});
        let dto = dto_from_record(&rec, &order_map());
        assert_eq!(
            dto.to_string(),
            r#"{"id":"801A","accountId":"001B","effectiveDate":null}"#
        );
    }

    #[test]
    fn required_properties_must_be_in_the_dto() {
        let v: serde_yaml::Value = serde_yaml::from_str(
            "- { class: C, url: /x, object: Account, dto: { name: Name }, required: [nope] }",
        )
        .unwrap();
        assert!(matches!(
            resources(Some(&v)),
            Err(ApexFixtureError::Required { .. })
        ));
    }
}
