//! Custom SOAP web services (Apex `webservice` methods) defined by a lab fixture or seed,
//! served at `POST /services/Soap/class/{Name}` with the same `SessionHeader` as the partner API.
//!
//! ```yaml
//! soap_services:
//!   - class: OrderStatusService
//!     methods:
//!       - name: getStatus
//!         params: [erpOrderId]
//!         query: "SELECT Shipment_Status__c FROM Order WHERE ERP_Order_Id__c = :erpOrderId"
//!         returns: Shipment_Status__c      # one field of the first row; omit for all fields
//!       - name: logIssue
//!         params: [subject, priority]
//!         create: { object: Case, fields: { Subject: subject, Priority: priority } }
//! ```
//!
//! A `query` method binds each `:param` as a quoted SOQL string (quotes and backslashes
//! escaped, so a parameter cannot change the query) and answers `<result>` with the value of
//! `returns` in the first row, or the row's fields as children, or `xsi:nil` when nothing
//! matched. A `create` method inserts a record whose fields take the named parameters and
//! answers its id. Missing parameters are faults, as an Apex method would throw.

use super::envelope::{SoapFault, ENV_NS, XSI_NS};
use super::xml::{escape, Element};
use crate::org::rest::RestState;
use crate::org::soql::{self, QueryOptions};
use crate::org::store::parse_id;
use crate::org::Session;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One `webservice` class.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SoapService {
    pub class: String,
    pub methods: Vec<SoapMethod>,
}

/// One `webservice static` method.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SoapMethod {
    pub name: String,
    #[serde(default)]
    pub params: Vec<String>,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub returns: Option<String>,
    #[serde(default)]
    pub create: Option<CreateAction>,
}

/// A record a method creates: object, and field → parameter name.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CreateAction {
    pub object: String,
    pub fields: BTreeMap<String, String>,
}

/// Why the `soap_services:` section cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SoapServiceError {
    #[error("soap_services: {0}")]
    Yaml(#[from] serde_yaml::Error),
    #[error("soap_services: method {class}.{method} needs exactly one of `query:` or `create:`")]
    NoAction { class: String, method: String },
}

/// Reads and checks the seed's `soap_services:` section (empty when absent).
pub fn services(
    seed_section: Option<&serde_yaml::Value>,
) -> Result<Vec<SoapService>, SoapServiceError> {
    let Some(v) = seed_section else {
        return Ok(Vec::new());
    };
    let list: Vec<SoapService> = serde_yaml::from_value(v.clone())?;
    for s in &list {
        for m in &s.methods {
            if m.query.is_some() == m.create.is_some() {
                return Err(SoapServiceError::NoAction {
                    class: s.class.clone(),
                    method: m.name.clone(),
                });
            }
        }
    }
    Ok(list)
}

/// Quotes a value as a SOQL string literal.
pub fn soql_literal(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('\'');
    for c in v.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Replaces `:name` binds with quoted values; an unknown bind is left for SOQL to reject.
pub fn bind(query: &str, args: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    while let Some(at) = rest.find(':') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        let len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        match args.get(&tail[..len]) {
            Some(v) if len > 0 => out.push_str(&soql_literal(v)),
            _ => {
                out.push(':');
                out.push_str(&tail[..len]);
            }
        }
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

fn value_xml(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => escape(s),
        other => escape(&other.to_string()),
    }
}

/// The namespace of a class's generated WSDL, which its calls and `SessionHeader` are in.
pub fn class_ns(class: &str) -> String {
    format!("http://soap.sforce.com/schemas/class/{class}")
}

/// Runs `call` against class `class_name` and returns the whole response envelope.
pub fn invoke(
    state: &RestState,
    session: &Session,
    class_name: &str,
    call: &Element,
) -> Result<String, SoapFault> {
    let list = services(state.org.seed.other.get("soap_services"))
        .map_err(|e| SoapFault::new("UNKNOWN_EXCEPTION", e.to_string()))?;
    let service = list
        .iter()
        .find(|s| s.class.eq_ignore_ascii_case(class_name))
        .ok_or_else(|| {
            SoapFault::new(
                "INVALID_TYPE",
                format!(
                    "No Apex class named {class_name} is exposed as a web service in this org."
                ),
            )
        })?;
    let method = service
        .methods
        .iter()
        .find(|m| m.name == call.name)
        .ok_or_else(|| {
            SoapFault::new(
                "INVALID_OPERATION",
                format!(
                    "{} has no webservice method named {}.",
                    service.class, call.name
                ),
            )
        })?;
    let mut args = BTreeMap::new();
    for p in &method.params {
        let v = call.child_text(p).ok_or_else(|| {
            SoapFault::new(
                "MISSING_ARGUMENT",
                format!(
                    "{}.{}: the parameter <{p}> is missing.",
                    service.class, method.name
                ),
            )
        })?;
        args.insert(p.clone(), v.to_string());
    }
    let result = if let Some(q) = &method.query {
        let soql_text = bind(q, &args);
        let opts = QueryOptions::new(state.org.clock.now(), "62.0");
        let rows = {
            let store = state.org.store.read();
            soql::query(&store, &soql_text, &opts)?
        };
        match (rows.records.first(), &method.returns) {
            (None, _) => r#"<result xsi:nil="true"/>"#.to_string(),
            (Some(row), Some(field)) => match row.get(field.as_str()) {
                Some(serde_json::Value::Null) | None => r#"<result xsi:nil="true"/>"#.to_string(),
                Some(v) => format!("<result>{}</result>", value_xml(v)),
            },
            (Some(row), None) => {
                let fields: String = row
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, _)| *k != "attributes")
                    .map(|(k, v)| format!("<{k}>{}</{k}>", value_xml(v)))
                    .collect();
                format!("<result>{fields}</result>")
            }
        }
    } else if let Some(c) = &method.create {
        let mut body = serde_json::Map::new();
        for (field, param) in &c.fields {
            let v = args.get(param).cloned().unwrap_or_default();
            body.insert(field.clone(), serde_json::Value::String(v));
        }
        let user = parse_id(&session.user_id)?;
        let actor = state.org.actor(user);
        let change = state.org.store.write().insert(&c.object, &body, &actor)?;
        format!("<result>{}</result>", change)
    } else {
        return Err(SoapFault::new(
            "UNKNOWN_EXCEPTION",
            "the method has no action configured",
        ));
    };
    let ns = class_ns(&service.class);
    Ok(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{ENV_NS}" xmlns="{ns}" xmlns:xsi="{XSI_NS}"><soapenv:Body><{m}Response>{result}</{m}Response></soapenv:Body></soapenv:Envelope>"#,
        ns = escape(&ns),
        m = method.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_are_quoted_so_parameters_cannot_change_the_query() {
        let mut args = BTreeMap::new();
        args.insert("id".to_string(), "x' OR Name != '".to_string());
        let q = bind(
            "SELECT Name FROM Account WHERE ERP_Id__c = :id LIMIT 1",
            &args,
        );
        assert_eq!(
            q,
            r"SELECT Name FROM Account WHERE ERP_Id__c = 'x\' OR Name != \'' LIMIT 1"
        );
    }

    #[test]
    fn unknown_binds_are_left_for_soql_to_reject() {
        assert_eq!(bind("WHERE a = :nope", &BTreeMap::new()), "WHERE a = :nope");
    }

    #[test]
    fn a_method_needs_exactly_one_action() {
        let v: serde_yaml::Value =
            serde_yaml::from_str("- { class: S, methods: [ { name: m, params: [] } ] }").unwrap();
        assert!(matches!(
            services(Some(&v)),
            Err(SoapServiceError::NoAction { .. })
        ));
    }
}
