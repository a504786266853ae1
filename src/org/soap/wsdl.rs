//! The partner WSDL the org serves at `GET /soap/wsdl.jsp?type=*` (and
//! `/services/wsdl/partner`): a trimmed document describing only the calls, headers and
//! faults this SOAP subset answers, so tools that generate clients from a WSDL get a working
//! client for exactly what the mock supports.
//!
//! Each operation's binding names the request headers the org reads for that call, as the
//! real partner WSDL binds them per operation: a generated client sends only the headers its
//! operation binds (zeep refuses any other in `_soapheaders`).

/// A request child: name, XSD type, whether it repeats.
type Part = (&'static str, &'static str, bool);

/// The calls the subset answers, with their request children and the response type.
const CALLS: &[(&str, &[Part], &str)] = &[
    (
        "login",
        &[
            ("username", "xsd:string", false),
            ("password", "xsd:string", false),
        ],
        "tns:LoginResult",
    ),
    (
        "query",
        &[("queryString", "xsd:string", false)],
        "tns:QueryResult",
    ),
    (
        "queryAll",
        &[("queryString", "xsd:string", false)],
        "tns:QueryResult",
    ),
    (
        "queryMore",
        &[("queryLocator", "tns:QueryLocator", false)],
        "tns:QueryResult",
    ),
    (
        "create",
        &[("sObjects", "ens:sObject", true)],
        "tns:SaveResult",
    ),
    (
        "update",
        &[("sObjects", "ens:sObject", true)],
        "tns:SaveResult",
    ),
    (
        "upsert",
        &[
            ("externalIDFieldName", "xsd:string", false),
            ("sObjects", "ens:sObject", true),
        ],
        "tns:UpsertResult",
    ),
    ("delete", &[("ids", "tns:ID", true)], "tns:DeleteResult"),
    ("undelete", &[("ids", "tns:ID", true)], "tns:UndeleteResult"),
    ("getUserInfo", &[], "tns:GetUserInfoResult"),
    ("logout", &[], ""),
];

/// The request headers an operation binds: the ones the org reads for it
/// (`SessionHeader`, `QueryOptions.batchSize`, `AllOrNoneHeader.allOrNone`), plus the ones it
/// accepts and leaves unread, as the real partner WSDL binds them (`CallOptions` on every call;
/// `LoginScopeHeader` on login, which sflab's single org has no use for). The real WSDL binds
/// more (MruHeader, EmailHeader, …) for headers sflab does not know; those are left out.
fn bound_headers(call: &str) -> &'static [&'static str] {
    match call {
        "login" => &["LoginScopeHeader", "CallOptions"],
        "query" | "queryAll" | "queryMore" => &["SessionHeader", "CallOptions", "QueryOptions"],
        "create" | "update" | "upsert" | "delete" | "undelete" => {
            &["SessionHeader", "CallOptions", "AllOrNoneHeader"]
        }
        _ => &["SessionHeader", "CallOptions"],
    }
}

/// A header's child: name, XSD type and its occurrence attributes, as the real partner WSDL
/// declares them (a client may leave out `batchSize`, and must send `CallOptions`' two
/// children, nil when it has no value).
type HeaderField = (&'static str, &'static str, &'static str);

const HEADERS: &[(&str, &[HeaderField])] = &[
    ("SessionHeader", &[("sessionId", "xsd:string", "")]),
    (
        "CallOptions",
        &[
            ("client", "xsd:string", r#" nillable="true""#),
            ("defaultNamespace", "xsd:string", r#" nillable="true""#),
        ],
    ),
    (
        "QueryOptions",
        &[("batchSize", "xsd:int", r#" minOccurs="0""#)],
    ),
    ("AllOrNoneHeader", &[("allOrNone", "xsd:boolean", "")]),
    ("LoginScopeHeader", &[("organizationId", "tns:ID", "")]),
    ("LimitInfoHeader", &[("limitInfo", "tns:LimitInfo", "")]),
];

const FAULTS: &[&str] = &[
    "ApiFault",
    "LoginFault",
    "InvalidIdFault",
    "UnexpectedErrorFault",
    "InvalidFieldFault",
    "InvalidSObjectFault",
    "MalformedQueryFault",
    "InvalidQueryLocatorFault",
];

const TYPES: &str = r#"
   <complexType name="LoginResult"><sequence>
    <element name="metadataServerUrl" type="xsd:string" nillable="true"/>
    <element name="passwordExpired" type="xsd:boolean"/>
    <element name="sandbox" type="xsd:boolean"/>
    <element name="serverUrl" type="xsd:string" nillable="true"/>
    <element name="sessionId" type="xsd:string" nillable="true"/>
    <element name="userId" type="tns:ID" nillable="true"/>
    <element name="userInfo" type="tns:GetUserInfoResult" minOccurs="0"/>
   </sequence></complexType>
   <complexType name="GetUserInfoResult"><sequence>
    <element name="accessibilityMode" type="xsd:boolean"/>
    <element name="chatterExternal" type="xsd:boolean"/>
    <element name="currencySymbol" type="xsd:string" nillable="true"/>
    <element name="orgAttachmentFileSizeLimit" type="xsd:int"/>
    <element name="orgDefaultCurrencyIsoCode" type="xsd:string" nillable="true"/>
    <element name="orgDefaultCurrencyLocale" type="xsd:string" nillable="true"/>
    <element name="orgDisallowHtmlAttachments" type="xsd:boolean"/>
    <element name="orgHasPersonAccounts" type="xsd:boolean"/>
    <element name="organizationId" type="tns:ID"/>
    <element name="organizationMultiCurrency" type="xsd:boolean"/>
    <element name="organizationName" type="xsd:string"/>
    <element name="profileId" type="tns:ID"/>
    <element name="roleId" type="tns:ID" nillable="true"/>
    <element name="sessionSecondsValid" type="xsd:int"/>
    <element name="userDefaultCurrencyIsoCode" type="xsd:string" nillable="true"/>
    <element name="userEmail" type="xsd:string"/>
    <element name="userFullName" type="xsd:string"/>
    <element name="userId" type="tns:ID"/>
    <element name="userLanguage" type="xsd:string"/>
    <element name="userLocale" type="xsd:string"/>
    <element name="userName" type="xsd:string"/>
    <element name="userTimeZone" type="xsd:string"/>
    <element name="userType" type="xsd:string"/>
    <element name="userUiSkin" type="xsd:string"/>
   </sequence></complexType>
   <simpleType name="ID"><restriction base="xsd:string"><length value="18"/><pattern value="[a-zA-Z0-9]{18}"/></restriction></simpleType>
   <simpleType name="QueryLocator"><restriction base="xsd:string"/></simpleType>
   <complexType name="QueryResult"><sequence>
    <element name="done" type="xsd:boolean"/>
    <element name="queryLocator" type="tns:QueryLocator" nillable="true"/>
    <element name="records" type="ens:sObject" nillable="true" minOccurs="0" maxOccurs="unbounded"/>
    <element name="size" type="xsd:int"/>
   </sequence></complexType>
   <complexType name="Error"><sequence>
    <element name="fields" type="xsd:string" nillable="true" minOccurs="0" maxOccurs="unbounded"/>
    <element name="message" type="xsd:string"/>
    <element name="statusCode" type="xsd:string"/>
   </sequence></complexType>
   <complexType name="SaveResult"><sequence>
    <element name="errors" type="tns:Error" minOccurs="0" maxOccurs="unbounded"/>
    <element name="id" type="tns:ID" nillable="true"/>
    <element name="success" type="xsd:boolean"/>
   </sequence></complexType>
   <complexType name="UpsertResult"><sequence>
    <element name="created" type="xsd:boolean"/>
    <element name="errors" type="tns:Error" minOccurs="0" maxOccurs="unbounded"/>
    <element name="id" type="tns:ID" nillable="true"/>
    <element name="success" type="xsd:boolean"/>
   </sequence></complexType>
   <complexType name="DeleteResult"><sequence>
    <element name="errors" type="tns:Error" minOccurs="0" maxOccurs="unbounded" nillable="true"/>
    <element name="id" type="tns:ID" nillable="true"/>
    <element name="success" type="xsd:boolean"/>
   </sequence></complexType>
   <complexType name="UndeleteResult"><sequence>
    <element name="errors" type="tns:Error" minOccurs="0" maxOccurs="unbounded" nillable="true"/>
    <element name="id" type="tns:ID" nillable="true"/>
    <element name="success" type="xsd:boolean"/>
   </sequence></complexType>
   <complexType name="LimitInfo"><sequence>
    <element name="current" type="xsd:int"/>
    <element name="limit" type="xsd:int"/>
    <element name="type" type="xsd:string"/>
   </sequence></complexType>
   <complexType name="location"><sequence>
    <element name="latitude" type="xsd:double" nillable="true"/>
    <element name="longitude" type="xsd:double" nillable="true"/>
   </sequence></complexType>
   <complexType name="address"><complexContent><extension base="tns:location"><sequence>
    <element name="city" type="xsd:string" nillable="true"/>
    <element name="country" type="xsd:string" nillable="true"/>
    <element name="countryCode" type="xsd:string" nillable="true"/>
    <element name="geocodeAccuracy" type="xsd:string" nillable="true"/>
    <element name="postalCode" type="xsd:string" nillable="true"/>
    <element name="state" type="xsd:string" nillable="true"/>
    <element name="stateCode" type="xsd:string" nillable="true"/>
    <element name="street" type="xsd:string" nillable="true"/>
   </sequence></extension></complexContent></complexType>"#;

/// The WSDL text; `location` is the SOAP endpoint URL to advertise.
pub fn partner_wsdl(location: &str) -> String {
    let mut types = String::from(TYPES);
    let mut elements = String::new();
    let mut messages = String::new();
    let mut ops = String::new();
    let mut bindings = String::new();
    for (name, params, result) in CALLS {
        let fields: String = params
            .iter()
            .map(|(p, t, many)| {
                let max = if *many {
                    r#" minOccurs="0" maxOccurs="unbounded""#
                } else {
                    ""
                };
                format!(r#"<element name="{p}" type="{t}"{max}/>"#)
            })
            .collect();
        let many = matches!(
            *name,
            "create" | "update" | "upsert" | "delete" | "undelete"
        );
        let rmax = if many {
            r#" minOccurs="0" maxOccurs="unbounded""#
        } else {
            ""
        };
        // A call without a result (logout) answers an empty element.
        let result = if result.is_empty() {
            String::new()
        } else {
            format!(r#"<element name="result" type="{result}"{rmax}/>"#)
        };
        elements.push_str(&format!(
            r#"
   <element name="{name}"><complexType><sequence>{fields}</sequence></complexType></element>
   <element name="{name}Response"><complexType><sequence>{result}</sequence></complexType></element>"#
        ));
        messages.push_str(&format!(
            r#"
 <message name="{name}Request"><part element="tns:{name}" name="parameters"/></message>
 <message name="{name}Response"><part element="tns:{name}Response" name="parameters"/></message>"#
        ));
        let faults: String = FAULTS
            .iter()
            .map(|f| format!(r#"<fault message="tns:{f}" name="{f}"/>"#))
            .collect();
        ops.push_str(&format!(
            r#"
  <operation name="{name}"><input message="tns:{name}Request"/><output message="tns:{name}Response"/>{faults}</operation>"#
        ));
        let header: String = bound_headers(name)
            .iter()
            .map(|h| format!(r#"<soap:header use="literal" message="tns:Header" part="{h}"/>"#))
            .collect();
        let bfaults: String = FAULTS
            .iter()
            .map(|f| format!(r#"<fault name="{f}"><soap:fault name="{f}" use="literal"/></fault>"#))
            .collect();
        bindings.push_str(&format!(
            r#"
  <operation name="{name}"><soap:operation soapAction=""/><input>{header}<soap:body parts="parameters" use="literal"/></input><output><soap:body use="literal"/></output>{bfaults}</operation>"#
        ));
    }
    for (h, fields) in HEADERS {
        let f: String = fields
            .iter()
            .map(|(n, t, occurs)| format!(r#"<element name="{n}" type="{t}"{occurs}/>"#))
            .collect();
        types.push_str(&format!(
            r#"
   <element name="{h}"><complexType><sequence>{f}</sequence></complexType></element>"#
        ));
    }
    let header_parts: String = HEADERS
        .iter()
        .map(|(h, _)| format!(r#"<part element="tns:{h}" name="{h}"/>"#))
        .collect();
    let fault_types: String = FAULTS
        .iter()
        .map(|f| {
            format!(
                r#"
   <complexType name="{f}"><sequence><element name="exceptionCode" type="xsd:string"/><element name="exceptionMessage" type="xsd:string"/></sequence></complexType>
   <element name="{f}" type="fns:{f}"/>"#
            )
        })
        .collect();
    let fault_messages: String = FAULTS
        .iter()
        .map(|f| format!(r#"<message name="{f}"><part element="fns:{f}" name="fault"/></message>"#))
        .collect();
    format!(
        r###"<?xml version="1.0" encoding="UTF-8"?>
<!-- sflab mock org: a trimmed partner WSDL listing only the calls this SOAP subset answers. -->
<definitions targetNamespace="urn:partner.soap.sforce.com" xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:partner.soap.sforce.com" xmlns:fns="urn:fault.partner.soap.sforce.com" xmlns:ens="urn:sobject.partner.soap.sforce.com">
 <types>
  <schema elementFormDefault="qualified" targetNamespace="urn:sobject.partner.soap.sforce.com" xmlns="http://www.w3.org/2001/XMLSchema">
   <complexType name="sObject"><sequence>
    <element name="type" type="xsd:string"/>
    <element name="fieldsToNull" type="xsd:string" nillable="true" minOccurs="0" maxOccurs="unbounded"/>
    <element name="Id" type="xsd:string" nillable="true"/>
    <any namespace="##targetNamespace" minOccurs="0" maxOccurs="unbounded" processContents="lax"/>
   </sequence></complexType>
  </schema>
  <schema elementFormDefault="qualified" targetNamespace="urn:fault.partner.soap.sforce.com" xmlns="http://www.w3.org/2001/XMLSchema">{fault_types}
  </schema>
  <schema elementFormDefault="qualified" targetNamespace="urn:partner.soap.sforce.com" xmlns="http://www.w3.org/2001/XMLSchema">{types}{elements}
  </schema>
 </types>
 <message name="Header">{header_parts}</message>
 {fault_messages}{messages}
 <portType name="Soap">{ops}
 </portType>
 <binding name="SoapBinding" type="tns:Soap"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>{bindings}
 </binding>
 <service name="SforceService"><documentation>sflab mock org partner API subset</documentation><port binding="tns:SoapBinding" name="Soap"><soap:address location="{location}"/></port></service>
</definitions>
"###
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wsdl_is_well_formed_and_lists_every_supported_call() {
        let text = partner_wsdl("https://127.0.0.1:8443/services/Soap/u/62.0");
        let doc = super::super::xml::parse(&text).expect("the WSDL parses");
        let port_type = doc.child("portType").unwrap();
        let ops: Vec<&str> = port_type
            .children_named("operation")
            .filter_map(|o| o.attr("name"))
            .collect();
        for call in [
            "login",
            "query",
            "queryMore",
            "create",
            "upsert",
            "delete",
            "getUserInfo",
            "logout",
        ] {
            assert!(ops.contains(&call), "missing {call}");
        }
        assert!(text.contains(r#"location="https://127.0.0.1:8443/services/Soap/u/62.0""#));
    }

    #[test]
    fn the_wsdl_types_the_compound_address_a_query_row_carries() {
        let text = partner_wsdl("https://127.0.0.1:8443/services/Soap/u/62.0");
        assert!(text.contains(r#"<complexType name="location">"#));
        assert!(text.contains(
            r#"<complexType name="address"><complexContent><extension base="tns:location">"#
        ));
    }
}
