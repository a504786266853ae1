//! `soap.*`: rules over the SOAP envelopes the learner's code posted to the partner API
//! (`/services/Soap/u/…`): which call each envelope made, whether it carried a `SessionHeader`,
//! an `AllOrNoneHeader`, whether it logged in with a password, and what the org answered.
//!
//! Envelopes are read from the recorded (redacted) request bodies with the org's own XML
//! reader; secrets inside them are already markers, which is all these rules need (they look at
//! element names and at whether a value is present, never at the value).

use super::cx::{plural, show, Cx};
use super::Verdict;
use crate::evidence::Exchange;
use crate::org::soap::envelope::{ENV_NS, PARTNER_NS};
use crate::org::soap::xml::{parse, Element};
use serde::Deserialize;

/// One partner-API call seen in the traffic.
pub(crate) struct SoapCall<'a> {
    pub exchange: &'a Exchange,
    /// The operation: the first element inside `<Body>` (`login`, `upsert`, `query`, …).
    pub operation: String,
    pub envelope: Element,
}

impl<'a> SoapCall<'a> {
    /// The partner-API call `e` made: a POST to `/services/Soap/…` whose body is an envelope
    /// with a call in its `Body`.
    pub(crate) fn of(e: &'a Exchange) -> Option<SoapCall<'a>> {
        if !e.method().eq_ignore_ascii_case("POST") || !e.path().contains("/services/Soap/") {
            return None;
        }
        let envelope = parse(&e.request.body.text).ok()?;
        let operation = envelope.child("Body")?.children.first()?.name.clone();
        Some(SoapCall {
            exchange: e,
            operation,
            envelope,
        })
    }
}

impl SoapCall<'_> {
    /// The envelope's `Header`, as the org finds it.
    fn header(&self) -> Option<&Element> {
        self.envelope.child_in(ENV_NS, "Header")
    }

    /// The namespace of the call element: the service's, for any call the org ran.
    fn service_ns(&self) -> &str {
        self.envelope
            .child("Body")
            .and_then(|b| b.children.first())
            .map_or("", |c| c.ns.as_str())
    }

    /// A `SessionHeader` with a non-empty `sessionId`, read as the org reads it.
    fn has_session(&self) -> bool {
        crate::org::soap::session_id(self.header(), self.service_ns()).is_some()
    }

    /// An `AllOrNoneHeader` the org honours (same namespace, same reading of the value).
    fn all_or_none(&self) -> bool {
        crate::org::soap::all_or_none(self.header())
    }

    /// Why an `AllOrNoneHeader` that is there is not honoured: a namespace other than the
    /// partner API's, or a value other than true.
    fn ignored_all_or_none(&self) -> Option<String> {
        let block = self.header()?.child("AllOrNoneHeader")?;
        if block.ns != PARTNER_NS {
            let ns = if block.ns.is_empty() {
                "no namespace"
            } else {
                &block.ns
            };
            return Some(format!(
                "its <AllOrNoneHeader> is in {ns}, which the partner API does not read"
            ));
        }
        let value = block
            .child_in(PARTNER_NS, "allOrNone")
            .map(|v| v.text.trim());
        Some(match value {
            Some(v) => format!("its <allOrNone> is {v:?}, not true"),
            None => "its <AllOrNoneHeader> holds no <allOrNone> in the partner namespace".into(),
        })
    }

    /// The `sf:` exception code of the fault the org answered with, if it did.
    pub fn fault_code(&self) -> Option<String> {
        let body = &self.exchange.response.as_ref()?.body;
        let root = parse(&body.text).ok()?;
        let fault = root.child("Body")?.child("Fault")?;
        let code = fault.child_text("faultcode").unwrap_or("");
        Some(code.rsplit(':').next().unwrap_or(code).to_string())
    }
}

/// Every POST to the partner API whose body is a SOAP envelope, in order.
pub(crate) fn soap_calls<'a>(cx: &'a Cx) -> Vec<SoapCall<'a>> {
    cx.ev.exchanges.iter().filter_map(SoapCall::of).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// `soap.session_header`: every call after the first carries a session in `SessionHeader`.
pub(crate) fn session_header(cx: &Cx) -> Verdict {
    let calls = soap_calls(cx);
    let api: Vec<&SoapCall> = calls.iter().filter(|c| c.operation != "login").collect();
    if api.is_empty() {
        return cx.fail(
            "No SOAP API call was made: post an envelope to /services/Soap/u/<version> with your \
             access token in <SessionHeader><sessionId>.",
        );
    }
    let bare: Vec<String> = api
        .iter()
        .filter(|c| !c.has_session())
        .map(|c| format!("{} ({})", show(c.exchange), c.operation))
        .collect();
    if bare.is_empty() {
        return cx.pass(format!(
            "All {} carried a session in <SessionHeader><sessionId>.",
            plural(api.len(), "SOAP call")
        ));
    }
    cx.fail(format!(
        "{} had no <SessionHeader> with a <sessionId>: {}. Put the OAuth access token there; \
         the org answers INVALID_SESSION_ID without it.",
        plural(bare.len(), "SOAP call"),
        bare.join(", ")
    ))
}

/// `soap.no_password_login`: the code never called `login` with a username and password.
pub(crate) fn no_password_login(cx: &Cx) -> Verdict {
    let calls = soap_calls(cx);
    let logins: Vec<String> = calls
        .iter()
        .filter(|c| c.operation == "login")
        .map(|c| show(c.exchange))
        .collect();
    if !logins.is_empty() {
        return cx.fail(format!(
            "The code called the SOAP login() with a username and password ({}). That puts a \
             password in the integration and bypasses OAuth policies; get an access token with \
             an OAuth flow and send it in <SessionHeader> instead.",
            logins.join(", ")
        ));
    }
    if calls.is_empty() {
        return cx.fail("No SOAP call was made at all, so there is nothing to judge yet.");
    }
    cx.pass(format!(
        "No SOAP login(): all {} used a session obtained through OAuth.",
        plural(calls.len(), "SOAP call")
    ))
}

/// `soap.all_or_none`: every write call of the listed operations asked for all-or-none.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllOrNone {
    #[serde(default = "writes")]
    pub operations: Vec<String>,
}

fn writes() -> Vec<String> {
    ["create", "update", "upsert", "delete"]
        .map(String::from)
        .to_vec()
}

pub(crate) fn all_or_none(p: &AllOrNone, cx: &Cx) -> Verdict {
    let calls = soap_calls(cx);
    let wanted: Vec<&SoapCall> = calls
        .iter()
        .filter(|c| {
            p.operations
                .iter()
                .any(|o| o.eq_ignore_ascii_case(&c.operation))
        })
        .collect();
    if wanted.is_empty() {
        return cx.fail(format!(
            "No SOAP {} call was made, so no AllOrNoneHeader could be checked.",
            p.operations.join("/")
        ));
    }
    let partial: Vec<String> = wanted
        .iter()
        .filter(|c| !c.all_or_none())
        .map(|c| match c.ignored_all_or_none() {
            Some(why) => format!("{} ({}: {why})", show(c.exchange), c.operation),
            None => format!("{} ({})", show(c.exchange), c.operation),
        })
        .collect();
    if partial.is_empty() {
        let calls = match wanted.len() {
            1 => "The one write call".to_string(),
            n => format!("All {}", plural(n, "write call")),
        };
        return cx.pass(format!(
            "{calls} sent <AllOrNoneHeader><allOrNone>true</allOrNone>."
        ));
    }
    cx.fail(format!(
        "{} allowed partial success: {}. Add <AllOrNoneHeader><allOrNone>true</allOrNone></AllOrNoneHeader> \
         in the partner namespace (urn:partner.soap.sforce.com) to the SOAP header so one bad \
         row rolls back the whole call.",
        plural(partial.len(), "write call"),
        partial.join(", ")
    ))
}

/// `soap.call`: a call of `operation` was answered without a fault, or — with `fault:` — was
/// answered with that `sf:` exception code. With `wsdl_endpoint: true`, every call of the
/// operation must also have been posted to the endpoint the partner WSDL the program
/// downloaded names (the path of its `<soap:address location>`), not to one built by hand.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallMade {
    pub operation: String,
    #[serde(default)]
    pub fault: Option<String>,
    #[serde(default)]
    pub wsdl_endpoint: bool,
}

/// The path of the endpoint named by the last partner WSDL the program downloaded: the
/// `location` of its `<soap:address>` (under `service/port`), without scheme and host.
fn wsdl_endpoint(cx: &Cx) -> Option<String> {
    cx.ev
        .exchanges
        .iter()
        .rev()
        .filter(|e| e.method().eq_ignore_ascii_case("GET") && e.path().ends_with("/soap/wsdl.jsp"))
        .filter(|e| e.succeeded())
        .find_map(|e| {
            let root = parse(&e.response.as_ref()?.body.text).ok()?;
            let location = root
                .children_named("service")
                .flat_map(|s| s.children_named("port"))
                .find_map(|p| p.child("address")?.attr("location"))?;
            let path = match location.split_once("://") {
                Some((_, rest)) => rest.find('/').map_or("/", |at| &rest[at..]),
                None => location,
            };
            Some(path.to_string())
        })
}

/// With `wsdl_endpoint`: why the calls of the operation did not all go to the WSDL's endpoint
/// (none when they did).
fn off_the_wsdl_endpoint(p: &CallMade, of_op: &[&SoapCall], cx: &Cx) -> Option<Verdict> {
    let Some(endpoint) = wsdl_endpoint(cx) else {
        return Some(cx.fail(format!(
            "No partner WSDL naming an endpoint was downloaded (GET /soap/wsdl.jsp, answered \
             with a <soap:address location=\"…\">), so nothing told your {} call where to go. \
             Download the WSDL first and post every envelope to the path it names.",
            p.operation
        )));
    };
    let same = |path: &str| path.trim_end_matches('/') == endpoint.trim_end_matches('/');
    let off: Vec<String> = of_op
        .iter()
        .filter(|c| !same(c.exchange.path()))
        .map(|c| show(c.exchange))
        .collect();
    if off.is_empty() {
        return None;
    }
    Some(cx.fail(format!(
        "The partner WSDL your program downloaded names the endpoint {endpoint}, but {} went \
         elsewhere: {}. Post every envelope to the path of the WSDL's <soap:address \
         location>, not to one built from another API version.",
        plural(off.len(), &format!("{} call", p.operation)),
        off.join(", ")
    )))
}

pub(crate) fn call_made(p: &CallMade, cx: &Cx) -> Verdict {
    let calls = soap_calls(cx);
    let of_op: Vec<&SoapCall> = calls
        .iter()
        .filter(|c| c.operation.eq_ignore_ascii_case(&p.operation))
        .collect();
    if of_op.is_empty() {
        let seen: Vec<&str> = calls.iter().map(|c| c.operation.as_str()).collect();
        return cx.fail(format!(
            "No SOAP {} call was made (calls seen: {}).",
            p.operation,
            if seen.is_empty() {
                "none".to_string()
            } else {
                seen.join(", ")
            }
        ));
    }
    if p.wsdl_endpoint {
        if let Some(failed) = off_the_wsdl_endpoint(p, &of_op, cx) {
            return failed;
        }
    }
    let faults: Vec<(String, Option<String>)> = of_op
        .iter()
        .map(|c| (show(c.exchange), c.fault_code()))
        .collect();
    match &p.fault {
        None => match faults.iter().find(|(_, f)| f.is_none()) {
            Some((at, _)) => cx.pass(format!("{at}: {} answered without a fault.", p.operation)),
            None => cx.fail(format!(
                "Every {} call was answered with a fault: {}. Read the <faultstring>: it says what to fix.",
                p.operation,
                faults
                    .iter()
                    .map(|(at, f)| format!("{at} sf:{}", f.as_deref().unwrap_or("?")))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        },
        Some(code) => {
            let code = code.trim_start_matches("sf:");
            match faults.iter().find(|(_, f)| f.as_deref() == Some(code)) {
                Some((at, _)) => cx.pass(format!(
                    "{at}: {} was answered with the fault sf:{code}, as the lab asks.",
                    p.operation
                )),
                None => cx.fail(format!(
                    "No {} call was answered with the fault sf:{code} (got: {}).",
                    p.operation,
                    faults
                        .iter()
                        .map(|(at, f)| format!(
                            "{at} {}",
                            f.as_deref()
                                .map_or("no fault".to_string(), |f| format!("sf:{f}"))
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use crate::evidence::Exchange;

    fn envelope(header: &str, call: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header xmlns="urn:partner.soap.sforce.com">{header}</soapenv:Header><soapenv:Body xmlns="urn:partner.soap.sforce.com">{call}</soapenv:Body></soapenv:Envelope>"#
        )
    }

    const SESSION: &str =
        "<SessionHeader><sessionId>‹redacted:access_token#ab12›</sessionId></SessionHeader>";
    const ALL: &str = "<AllOrNoneHeader><allOrNone>true</allOrNone></AllOrNoneHeader>";
    const UPSERT: &str = "<upsert><externalIDFieldName>ERP_Id__c</externalIDFieldName><sObjects><type>Account</type></sObjects></upsert>";

    fn soap(header: &str, call: &str, response: &str) -> Exchange {
        req("POST", "/services/Soap/u/62.0", 200)
            .header("Content-Type", "text/xml")
            .body(&envelope(header, call))
            .response_body(response)
    }

    fn ok() -> String {
        envelope(
            "",
            "<upsertResponse><result><success>true</success></result></upsertResponse>",
        )
    }

    fn fault(code: &str) -> String {
        envelope(
            "",
            &format!("<soapenv:Fault><faultcode>sf:{code}</faultcode><faultstring>{code}: no</faultstring></soapenv:Fault>"),
        )
    }

    #[test]
    fn session_header_on_every_call_passes() {
        let ev = evidence(vec![soap(&format!("{SESSION}{ALL}"), UPSERT, &ok())]);
        assert_passes("{ rule: soap.session_header }", &ev);
    }

    #[test]
    fn a_call_without_session_header_fails_naming_it() {
        let ev = evidence(vec![
            soap(SESSION, UPSERT, &ok()),
            soap(
                "",
                "<query><queryString>SELECT Id FROM Account</queryString></query>",
                &ok(),
            ),
        ]);
        let v = assert_fails("{ rule: soap.session_header }", &ev);
        assert!(
            v.message.contains("#2") && v.message.contains("query"),
            "{}",
            v.message
        );
        assert_fails("{ rule: soap.session_header }", &evidence(vec![]));
    }

    #[test]
    fn a_password_login_fails_no_password_login() {
        let login =
            "<login><username>a@b.c</username><password>‹redacted:password#11›</password></login>";
        let ev = evidence(vec![soap("", login, &ok()), soap(SESSION, UPSERT, &ok())]);
        let v = assert_fails("{ rule: soap.no_password_login }", &ev);
        assert!(v.message.contains("#1"), "{}", v.message);
        let ev = evidence(vec![soap(SESSION, UPSERT, &ok())]);
        assert_passes("{ rule: soap.no_password_login }", &ev);
    }

    #[test]
    fn all_or_none_is_required_on_each_listed_write() {
        let rule = "{ rule: soap.all_or_none, operations: [upsert] }";
        let ev = evidence(vec![soap(&format!("{SESSION}{ALL}"), UPSERT, &ok())]);
        let one = assert_passes(rule, &ev);
        assert!(
            one.message.starts_with("The one write call sent"),
            "{}",
            one.message
        );
        let ev = evidence(vec![
            soap(&format!("{SESSION}{ALL}"), UPSERT, &ok()),
            soap(SESSION, UPSERT, &ok()),
        ]);
        let v = assert_fails(rule, &ev);
        assert!(v.message.contains("#2"), "{}", v.message);
        let off = "<AllOrNoneHeader><allOrNone>false</allOrNone></AllOrNoneHeader>";
        assert_fails(
            rule,
            &evidence(vec![soap(&format!("{SESSION}{off}"), UPSERT, &ok())]),
        );
    }

    #[test]
    fn all_or_none_credits_only_a_header_the_org_honours() {
        let rule = "{ rule: soap.all_or_none, operations: [upsert] }";
        // The org reads header blocks in the partner namespace only.
        let elsewhere = r#"<AllOrNoneHeader xmlns="urn:enterprise.soap.sforce.com"><allOrNone>true</allOrNone></AllOrNoneHeader>"#;
        let ev = evidence(vec![soap(&format!("{SESSION}{elsewhere}"), UPSERT, &ok())]);
        let v = assert_fails(rule, &ev);
        assert!(
            v.message.contains("urn:enterprise.soap.sforce.com"),
            "{}",
            v.message
        );
        // The org reads the value in any case.
        let capital = "<AllOrNoneHeader><allOrNone>True</allOrNone></AllOrNoneHeader>";
        let ev = evidence(vec![soap(&format!("{SESSION}{capital}"), UPSERT, &ok())]);
        assert_passes(rule, &ev);
    }

    #[test]
    fn a_session_header_the_org_does_not_read_is_not_a_session() {
        let elsewhere = r#"<SessionHeader xmlns="urn:enterprise.soap.sforce.com"><sessionId>‹redacted:access_token#ab12›</sessionId></SessionHeader>"#;
        let ev = evidence(vec![soap(elsewhere, UPSERT, &fault("INVALID_SESSION_ID"))]);
        assert_fails("{ rule: soap.session_header }", &ev);
    }

    fn wsdl(location: &str) -> Exchange {
        req("GET", "/soap/wsdl.jsp?type=*", 200).response_body(&format!(
            r#"<?xml version="1.0"?><definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"><service name="SforceService"><port binding="tns:SoapBinding" name="Soap"><soap:address location="{location}"/></port></service></definitions>"#
        ))
    }

    #[test]
    fn a_call_posted_past_the_wsdls_endpoint_fails_wsdl_endpoint() {
        let rule = "{ rule: soap.call, operation: upsert, wsdl_endpoint: true }";
        let to = |path: &str| {
            let mut e = soap(SESSION, UPSERT, &ok());
            e.request.path = path.to_string();
            e
        };
        let at = "https://127.0.0.1:8443/services/Soap/u/64.0";
        let ev = evidence(vec![wsdl(at), to("/services/Soap/u/64.0")]);
        assert_passes(rule, &ev);
        // The version the environment names, while the WSDL names another.
        let ev = evidence(vec![wsdl(at), to("/services/Soap/u/62.0")]);
        let v = assert_fails(rule, &ev);
        assert!(
            v.message.contains("/services/Soap/u/64.0") && v.message.contains("#2"),
            "{}",
            v.message
        );
        // No WSDL read: nothing told the program where to post.
        let v = assert_fails(rule, &evidence(vec![to("/services/Soap/u/64.0")]));
        assert!(v.message.contains("wsdl.jsp"), "{}", v.message);
        // Without the parameter the endpoint is not judged.
        assert_passes(
            "{ rule: soap.call, operation: upsert }",
            &evidence(vec![to("/services/Soap/u/62.0")]),
        );
    }

    #[test]
    fn call_made_tells_success_from_the_expected_fault() {
        let query = "<query><queryString>SELECT Legacy__c FROM Account</queryString></query>";
        let ev = evidence(vec![
            soap(SESSION, UPSERT, &ok()),
            soap(SESSION, query, &fault("INVALID_FIELD")).response_header("x", "y"),
        ]);
        assert_passes("{ rule: soap.call, operation: upsert }", &ev);
        assert_passes(
            "{ rule: soap.call, operation: query, fault: INVALID_FIELD }",
            &ev,
        );
        assert_fails("{ rule: soap.call, operation: query }", &ev);
        assert_fails(
            "{ rule: soap.call, operation: upsert, fault: INVALID_FIELD }",
            &ev,
        );
        assert_fails("{ rule: soap.call, operation: delete }", &ev);
    }
}
