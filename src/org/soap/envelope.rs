//! SOAP envelopes the org answers with: successful responses (with the `LimitInfoHeader`) and
//! faults in the partner API's shape (`sf:` prefixed exception codes on HTTP 500).
//!
//! Clients depend on details here: one looks up the literal tag names `sf:exceptionCode` and
//! `sf:exceptionMessage`, another matches `<faultcode>sf:INVALID_SESSION_ID</faultcode>` to
//! decide a session expired. So the prefix is always `sf` and faults are always HTTP 500.

use super::xml::escape;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

pub const ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const PARTNER_NS: &str = "urn:partner.soap.sforce.com";
pub const SOBJECT_NS: &str = "urn:sobject.partner.soap.sforce.com";
pub const FAULT_NS: &str = "urn:fault.partner.soap.sforce.com";
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const TEXT_XML: &str = "text/xml;charset=UTF-8";

/// The WSDL fault type a fault is reported as. `ApiFault` is the WSDL's abstract base type,
/// never sent itself: a code with no more specific type (INVALID_SESSION_ID,
/// REQUEST_LIMIT_EXCEEDED, …) comes as `UnexpectedErrorFault`, as real orgs send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    Login,
    InvalidId,
    InvalidField,
    InvalidSObject,
    MalformedQuery,
    InvalidQueryLocator,
    UnexpectedError,
}

impl FaultKind {
    fn type_name(self) -> &'static str {
        match self {
            FaultKind::Login => "LoginFault",
            FaultKind::InvalidId => "InvalidIdFault",
            FaultKind::InvalidField => "InvalidFieldFault",
            FaultKind::InvalidSObject => "InvalidSObjectFault",
            FaultKind::MalformedQuery => "MalformedQueryFault",
            FaultKind::InvalidQueryLocator => "InvalidQueryLocatorFault",
            FaultKind::UnexpectedError => "UnexpectedErrorFault",
        }
    }

    /// The fault type the partner WSDL uses for an exception code.
    pub fn for_code(code: &str) -> FaultKind {
        match code {
            "INVALID_LOGIN" | "LOGIN_MUST_USE_SECURITY_TOKEN" | "PASSWORD_LOCKOUT" => {
                FaultKind::Login
            }
            "INVALID_ID_FIELD" | "MALFORMED_ID" => FaultKind::InvalidId,
            "INVALID_FIELD" => FaultKind::InvalidField,
            "INVALID_TYPE" => FaultKind::InvalidSObject,
            "MALFORMED_QUERY" => FaultKind::MalformedQuery,
            "INVALID_QUERY_LOCATOR" => FaultKind::InvalidQueryLocator,
            _ => FaultKind::UnexpectedError,
        }
    }
}

/// A SOAP fault: `faultcode` is `sf:<code>`, `faultstring` is `<code>: <message>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SoapFault {
    pub code: String,
    pub message: String,
    pub kind: FaultKind,
    /// A SOAP 1.1 fault code (`VersionMismatch`, `Client`) for faults raised before any
    /// Salesforce operation is found: written as `soapenv:<code>` with no `sf:` detail.
    pub soap_code: Option<&'static str>,
}

impl SoapFault {
    pub fn new(code: &str, message: impl Into<String>) -> SoapFault {
        SoapFault {
            code: code.to_string(),
            message: message.into(),
            kind: FaultKind::for_code(code),
            soap_code: None,
        }
    }

    pub fn invalid_login() -> SoapFault {
        SoapFault::new(
            "INVALID_LOGIN",
            "Invalid username, password, security token; or user locked out.",
        )
    }

    pub fn invalid_session() -> SoapFault {
        SoapFault::new(
            "INVALID_SESSION_ID",
            "Invalid Session ID found in SessionHeader: Illegal Session",
        )
    }

    /// A body that is not a SOAP envelope the org can read (the client's fault, in SOAP's terms).
    pub fn client(message: impl Into<String>) -> SoapFault {
        SoapFault {
            code: "INVALID_SOAP_REQUEST".into(),
            message: message.into(),
            kind: FaultKind::UnexpectedError,
            soap_code: None,
        }
    }

    /// A request body over the SOAP endpoint's 50 MB ([`super::xml::MAX_SOAP_BYTES`]), answered
    /// as a fault (a SOAP client reads nothing else) with the partner WSDL's exception code for
    /// it, `EXCEEDED_MAX_SIZE_REQUEST`. [U] The faultstring wording is sflab's.
    pub fn body_too_large() -> SoapFault {
        SoapFault::new(
            "EXCEEDED_MAX_SIZE_REQUEST",
            format!(
                "The size of the message sent to the API exceeded {} MB. Send fewer records per call, or load large volumes with the Bulk API.",
                super::xml::MAX_SOAP_BYTES / (1024 * 1024)
            ),
        )
    }

    /// An envelope whose root is not `Envelope` in the SOAP 1.1 namespace (`soap/envelope/`
    /// misspelt, a SOAP 1.2 envelope, any other URI): `soapenv:VersionMismatch`.
    /// [U] The faultstring wording is sflab's; the fault code is SOAP 1.1's.
    pub fn version_mismatch(found: &str) -> SoapFault {
        let found = if found.is_empty() { "(none)" } else { found };
        SoapFault {
            code: "VersionMismatch".into(),
            message: format!(
                "Wrong envelope namespace {found}: the org reads SOAP 1.1 envelopes, whose Envelope, Header and Body are in {ENV_NS}"
            ),
            kind: FaultKind::UnexpectedError,
            soap_code: Some("VersionMismatch"),
        }
    }

    /// A call element the service has no operation for in its namespace (`{ns}name`), as real
    /// orgs answer a call outside `urn:partner.soap.sforce.com` or a class's namespace.
    /// [U] The fault code (`soapenv:Client`) is an assumption; the faultstring follows real
    /// orgs' "No operation available for request {ns}call, please check the WSDL…".
    pub fn no_operation(ns: &str, call: &str) -> SoapFault {
        SoapFault {
            code: "Client".into(),
            message: format!(
                "No operation available for request {{{ns}}}{call}, please check the WSDL for the service."
            ),
            kind: FaultKind::UnexpectedError,
            soap_code: Some("Client"),
        }
    }

    /// A POST without a `SOAPAction` header, which SOAP 1.1 (§6.1.1) requires of every SOAP
    /// request over HTTP; any value, the empty `""` included, will do. Salesforce's SOAP
    /// endpoints refuse such a request before reading its envelope, with Axis's own fault.
    pub fn no_soap_action() -> SoapFault {
        SoapFault {
            code: "Client".into(),
            message: "No SOAPAction header!".into(),
            kind: FaultKind::UnexpectedError,
            soap_code: Some("Client"),
        }
    }

    /// The whole fault envelope.
    pub fn to_xml(&self) -> String {
        if let Some(soap_code) = self.soap_code {
            return format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{ENV_NS}"><soapenv:Body><soapenv:Fault><faultcode>soapenv:{soap_code}</faultcode><faultstring>{msg}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#,
                msg = escape(&self.message),
            );
        }
        let ty = self.kind.type_name();
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{ENV_NS}" xmlns:sf="{FAULT_NS}" xmlns:xsi="{XSI_NS}"><soapenv:Body><soapenv:Fault><faultcode>sf:{code}</faultcode><faultstring>{code}: {msg}</faultstring><detail><sf:{ty} xsi:type="sf:{ty}"><sf:exceptionCode>{code}</sf:exceptionCode><sf:exceptionMessage>{msg}</sf:exceptionMessage>{position}</sf:{ty}></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#,
            code = escape(&self.code),
            msg = escape(&self.message),
            position = self.query_position(),
        )
    }

    /// `<sf:row>` and `<sf:column>` for the faults the WSDL derives from `ApiQueryFault`
    /// (invalid field, invalid object, malformed query): where in the query the problem is, as
    /// the message's `ERROR at Row:1:Column:8` says, else -1 (an error outside a query).
    fn query_position(&self) -> String {
        let query_fault = matches!(
            self.kind,
            FaultKind::InvalidField | FaultKind::InvalidSObject | FaultKind::MalformedQuery
        );
        if !query_fault {
            return String::new();
        }
        let (row, column) = position_in(&self.message).unwrap_or((-1, -1));
        format!("<sf:row>{row}</sf:row><sf:column>{column}</sf:column>")
    }
}

/// The row and column an error message points at (`ERROR at Row:1:Column:8`).
fn position_in(message: &str) -> Option<(i64, i64)> {
    let rest = &message[message.find("Row:")? + 4..];
    let (row, rest) = rest.split_once(":Column:")?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((row.trim().parse().ok()?, column.parse().ok()?))
}

impl From<crate::org::SfError> for SoapFault {
    fn from(e: crate::org::SfError) -> SoapFault {
        SoapFault::new(e.code.as_str(), e.message)
    }
}

impl IntoResponse for SoapFault {
    fn into_response(self) -> Response {
        xml_response(StatusCode::INTERNAL_SERVER_ERROR, self.to_xml())
    }
}

/// An XML body with Salesforce's SOAP content type.
pub fn xml_response(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(TEXT_XML));
    r
}

/// A successful response envelope around `body` (already XML), with the `LimitInfoHeader`
/// when `limit` is `Some((used, max))`.
pub fn response_envelope(body: &str, limit: Option<(u64, u64)>) -> String {
    let header = match limit {
        Some((used, max)) => format!(
            "<soapenv:Header><LimitInfoHeader><limitInfo><current>{used}</current><limit>{max}</limit><type>API REQUESTS</type></limitInfo></LimitInfoHeader></soapenv:Header>"
        ),
        None => String::new(),
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{ENV_NS}" xmlns="{PARTNER_NS}" xmlns:sf="{SOBJECT_NS}" xmlns:xsi="{XSI_NS}">{header}<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_fault_has_sf_prefixed_code_and_detail() {
        let xml = SoapFault::invalid_login().to_xml();
        assert!(xml.contains("<faultcode>sf:INVALID_LOGIN</faultcode>"));
        assert!(xml.contains(r#"<sf:LoginFault xsi:type="sf:LoginFault">"#));
        assert!(xml.contains("<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>"));
        let parsed = super::super::xml::parse(&xml).unwrap();
        assert_eq!(parsed.name, "Envelope");
    }

    #[test]
    fn fault_kinds_follow_the_exception_code() {
        assert_eq!(
            FaultKind::for_code("MALFORMED_QUERY"),
            FaultKind::MalformedQuery
        );
        assert_eq!(
            FaultKind::for_code("INVALID_TYPE"),
            FaultKind::InvalidSObject
        );
        assert_eq!(
            FaultKind::for_code("INVALID_SESSION_ID"),
            FaultKind::UnexpectedError
        );
    }

    #[test]
    fn invalid_session_detail_is_an_unexpected_error_fault() {
        let xml = SoapFault::invalid_session().to_xml();
        assert!(xml.contains(
            r#"<detail><sf:UnexpectedErrorFault xsi:type="sf:UnexpectedErrorFault"><sf:exceptionCode>INVALID_SESSION_ID</sf:exceptionCode>"#
        ));
        assert!(!xml.contains("sf:ApiFault"));
    }

    #[test]
    fn fault_messages_are_escaped() {
        let xml = SoapFault::new("INVALID_FIELD", "No such column 'a<b'").to_xml();
        assert!(xml.contains("No such column &apos;a&lt;b&apos;"));
    }

    #[test]
    fn limit_info_header_is_present_when_counted() {
        let env = response_envelope("<x/>", Some((3, 15000)));
        assert!(env.contains("<current>3</current><limit>15000</limit><type>API REQUESTS</type>"));
        assert!(!response_envelope("<x/>", None).contains("LimitInfoHeader"));
    }
}
