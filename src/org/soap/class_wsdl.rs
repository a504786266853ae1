//! The WSDL of a fixture-defined `webservice` class ([`super::custom`]), served at
//! `GET /services/wsdl/class/{Name}` as a real org serves the WSDL it generates for an Apex
//! class: the class's namespace, one document/literal operation per method, and the
//! `SessionHeader` the org reads, so a client generated from it (zeep, wsimport) calls the
//! class at `/services/Soap/class/{Name}`.
//!
//! Implementation notes:
//! - Every parameter is `xsd:string`: a method's parameters are bound as SOQL strings or
//!   written as field text, so text is what the mock's methods take.
//! - A method's result follows what [`super::custom::invoke`] answers: the `returns` field's
//!   value as text, a created record's `ID`, or a row whose children are the query's columns,
//!   typed from the columns the query selects (read from the org's schema as
//!   `columns=true` reads them). A query whose columns cannot be worked out (a parent path,
//!   an aggregate, a subquery) gets a row of any elements instead.
//! - Only `SessionHeader` is bound: it is the one header the class endpoint reads. [U] A real
//!   org's generated WSDL also binds `DebuggingHeader`, `CallOptions` and
//!   `AllowFieldTruncationHeader`; a client generated from this one simply does not send them.

use super::custom::{class_ns, SoapMethod, SoapService};
use super::xml::escape;
use crate::org::store::Store;
use chrono::{DateTime, Utc};

/// The XSD type of a column of the `apexType` `columns=true` reports; `None` for a type the
/// row's text cannot be read as.
fn xsd_type(apex: &str) -> Option<&'static str> {
    Some(match apex {
        "Id" => "tns:ID",
        "Boolean" => "xsd:boolean",
        "Integer" => "xsd:int",
        "Double" => "xsd:double",
        "Date" => "xsd:date",
        // A datetime reads back as `2026-02-01T10:00:00.000+0000`, which is not an
        // `xsd:dateTime`; it is declared as the text it is.
        "String" | "Datetime" => "xsd:string",
        _ => return None,
    })
}

/// The children of a query method's row: one element per selected column, or `None` when
/// the columns cannot be worked out.
fn row_elements(store: &Store, query: &str, now: DateTime<Utc>) -> Option<String> {
    // The binds' values do not change the columns: plan with empty text.
    let text = blank_binds(query);
    let meta = crate::org::soql::columns(store, &text, now).ok()?;
    let mut out = String::new();
    for col in meta["columnMetadata"].as_array()? {
        let joins = col["joinColumns"].as_array().is_some_and(|j| !j.is_empty());
        if joins || col["aggregate"] == true {
            return None;
        }
        let name = col["columnName"].as_str()?;
        let t = xsd_type(col["apexType"].as_str()?)?;
        out.push_str(&format!(
            r#"<xsd:element name="{}" type="{t}" minOccurs="0" nillable="true"/>"#,
            escape(name)
        ));
    }
    Some(out)
}

/// Replaces each `:name` bind left in a query with an empty string literal.
fn blank_binds(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    while let Some(at) = rest.find(':') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        let len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        if len > 0 {
            out.push_str("''");
        } else {
            out.push(':');
        }
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

/// The `<result>` element of a method's response.
fn result_element(store: &Store, method: &SoapMethod, now: DateTime<Utc>) -> String {
    let simple = |t: &str| format!(r#"<xsd:element name="result" type="{t}" nillable="true"/>"#);
    if method.create.is_some() {
        return simple("tns:ID");
    }
    if method.returns.is_some() {
        return simple("xsd:string");
    }
    let children = method
        .query
        .as_deref()
        .and_then(|q| row_elements(store, q, now))
        .unwrap_or_else(|| {
            r###"<xsd:any namespace="##targetNamespace" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>"###
                .to_string()
        });
    format!(
        r#"<xsd:element name="result" nillable="true"><xsd:complexType><xsd:sequence>{children}</xsd:sequence></xsd:complexType></xsd:element>"#
    )
}

/// The WSDL text of `service`; `location` is the class's SOAP endpoint URL.
pub fn class_wsdl(
    store: &Store,
    service: &SoapService,
    location: &str,
    now: DateTime<Utc>,
) -> String {
    let class = escape(&service.class);
    let ns = escape(&class_ns(&service.class));
    let mut elements = String::new();
    let mut messages = String::new();
    let mut ops = String::new();
    let mut bindings = String::new();
    for m in &service.methods {
        let name = escape(&m.name);
        let params: String = m
            .params
            .iter()
            .map(|p| {
                format!(
                    r#"<xsd:element name="{}" type="xsd:string" nillable="true"/>"#,
                    escape(p)
                )
            })
            .collect();
        let result = result_element(store, m, now);
        elements.push_str(&format!(
            r#"
   <xsd:element name="{name}"><xsd:complexType><xsd:sequence>{params}</xsd:sequence></xsd:complexType></xsd:element>
   <xsd:element name="{name}Response"><xsd:complexType><xsd:sequence>{result}</xsd:sequence></xsd:complexType></xsd:element>"#
        ));
        messages.push_str(&format!(
            r#"
 <message name="{name}Request"><part element="tns:{name}" name="parameters"/></message>
 <message name="{name}Response"><part element="tns:{name}Response" name="parameters"/></message>"#
        ));
        ops.push_str(&format!(
            r#"
  <operation name="{name}"><input message="tns:{name}Request"/><output message="tns:{name}Response"/></operation>"#
        ));
        bindings.push_str(&format!(
            r#"
  <operation name="{name}"><soap:operation soapAction=""/><input><soap:header use="literal" part="SessionHeader" message="tns:Header"/><soap:body use="literal" parts="parameters"/></input><output><soap:body use="literal"/></output></operation>"#
        ));
    }
    let location = escape(location);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- sflab mock org: the WSDL of the webservice class {class}, from the seed's soap_services. -->
<definitions targetNamespace="{ns}" xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="{ns}">
 <types>
  <xsd:schema elementFormDefault="qualified" targetNamespace="{ns}">
   <xsd:element name="SessionHeader"><xsd:complexType><xsd:sequence><xsd:element name="sessionId" type="xsd:string"/></xsd:sequence></xsd:complexType></xsd:element>
   <xsd:simpleType name="ID"><xsd:restriction base="xsd:string"><xsd:length value="18"/><xsd:pattern value="[a-zA-Z0-9]{{18}}"/></xsd:restriction></xsd:simpleType>{elements}
  </xsd:schema>
 </types>
 <message name="Header"><part element="tns:SessionHeader" name="SessionHeader"/></message>{messages}
 <portType name="{class}PortType">{ops}
 </portType>
 <binding name="{class}Binding" type="tns:{class}PortType"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>{bindings}
 </binding>
 <service name="{class}Service"><documentation></documentation><port binding="tns:{class}Binding" name="{class}"><soap:address location="{location}"/></port></service>
</definitions>
"#
    )
}
