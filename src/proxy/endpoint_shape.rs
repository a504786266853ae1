//! A built-in fault's answer in the shape of the endpoint it strikes: the SOAP API answers
//! with a SOAP fault on HTTP 500, and sObject Collections report a record that could not be
//! saved in its own result, not with an error for the whole call.
//!
//! Only the answers the proxy makes up are shaped; a `respond` the lab gives is sent as written,
//! but for what every token-endpoint answer carries whoever writes it ([`fit_token_answer`]).
//!
//! Implementation notes:
//! - SOAP: the org reports every failed call as `<soapenv:Fault>` with `sf:<code>` on 500
//!   (see `org::soap::envelope`), so an expired session is `sf:INVALID_SESSION_ID` there.
//!   A record lock is no fault of the call but a row error: on a partner write (`create`,
//!   `update`, `upsert`, `delete`, `undelete`) each row's result fails with
//!   UNABLE_TO_LOCK_ROW in a 200, as the org writes results (`org::soap::results`). Any other
//!   SOAP call it strikes answers the fault `sf:UNABLE_TO_LOCK_ROW` on 500.
//! - Collections: a create, update, upsert or delete answers 200 with one result per record
//!   (`{success: false, errors: [{statusCode, message, fields}]}`, as the org's own
//!   collections do). [U] Every record reports UNABLE_TO_LOCK_ROW: which records of a real
//!   call time out depends on the locks other transactions hold.

use super::fault::FaultAction;
use crate::matcher::RequestView;
use serde_json::{json, Value};

const LOCK_ROW_MESSAGE: &str = "unable to obtain exclusive access to this record";

/// Whether `path` is an endpoint of the SOAP API (partner, enterprise, or an Apex class's).
pub fn is_soap(path: &str) -> bool {
    path.starts_with("/services/Soap/")
}

/// The whole SOAP fault envelope the org answers `code` with.
pub fn soap_fault_xml(code: &str, message: &str) -> String {
    crate::org::soap::envelope::SoapFault::new(code, message).to_xml()
}

/// Reshapes the proxy's own answer of a built-in `kind` to fit the endpoint `req` calls.
pub(super) fn fit(action: &mut FaultAction, req: &RequestView<'_>) {
    let kind = action.kind.as_str();
    let Some(answer) = action.respond.as_mut() else {
        return;
    };
    if is_soap(req.path) {
        let fault = match kind {
            "session_expired" => Some((
                "INVALID_SESSION_ID",
                "Invalid Session ID found in SessionHeader: Illegal Session",
            )),
            "lock_row" => Some(("UNABLE_TO_LOCK_ROW", LOCK_ROW_MESSAGE)),
            _ => None,
        };
        if kind == "lock_row" {
            if let Some(results) = soap_rows_locked(req) {
                answer.status = 200;
                answer.body = Some(Value::String(results));
                return;
            }
        }
        if let Some((code, message)) = fault {
            answer.status = 500;
            answer.body = Some(Value::String(soap_fault_xml(code, message)));
        }
        return;
    }
    if kind == "lock_row" {
        if let Some(records) = collection_write_size(req) {
            let failed = json!({
                "success": false,
                "errors": [{ "statusCode": "UNABLE_TO_LOCK_ROW", "message": LOCK_ROW_MESSAGE, "fields": [] }],
            });
            answer.status = 200;
            answer.body = Some(Value::Array(vec![failed; records]));
        }
    }
}

/// Gives an answer to `POST …/services/oauth2/token` — the lab's own `respond` too — what the
/// org's token endpoint always sends (`org::auth::error`): `Cache-Control: no-store` and
/// `Pragma: no-cache` (RFC 6749 §5.1), and for `invalid_client` to a client that authenticated
/// with the Authorization header, 401 with `WWW-Authenticate` (§5.2). A lab cannot know which
/// way the learner's client authenticates, so the status follows the request, as the org's does.
/// Headers the answer already gives are kept.
pub(super) fn fit_token_answer(action: &mut FaultAction, req: &RequestView<'_>) {
    let Some(answer) = action.respond.as_mut() else {
        return;
    };
    if !req
        .path
        .trim_end_matches('/')
        .ends_with("/services/oauth2/token")
    {
        return;
    }
    give_header(answer, "Cache-Control", "no-store");
    give_header(answer, "Pragma", "no-cache");
    let invalid_client = answer
        .body
        .as_ref()
        .and_then(|b| b.get("error"))
        .and_then(Value::as_str)
        == Some("invalid_client");
    let by_header = (req.header)("authorization").is_some_and(|a| {
        a.trim_start()
            .get(..6)
            .is_some_and(|s| s.eq_ignore_ascii_case("basic "))
    });
    if invalid_client && by_header && answer.status == 400 {
        answer.status = 401;
        give_header(answer, "WWW-Authenticate", "Basic realm=\"sflab\"");
    }
}

/// Sets header `name` unless the answer already gives it (in any case).
fn give_header(answer: &mut super::fault::FaultResponse, name: &str, value: &str) {
    if !answer.headers.keys().any(|k| k.eq_ignore_ascii_case(name)) {
        answer.headers.insert(name.to_string(), value.to_string());
    }
}

/// The response envelope of a partner write call in which every row failed to lock; `None`
/// when `req` is no such call.
fn soap_rows_locked(req: &RequestView<'_>) -> Option<String> {
    use crate::org::soap::{envelope, read_envelope, results};
    let call = read_envelope(req.body.as_bytes(), envelope::PARTNER_NS)
        .ok()?
        .call;
    let locked = results::RowError::new("UNABLE_TO_LOCK_ROW", LOCK_ROW_MESSAGE);
    let body = results::every_row_failed(&call, &locked)?;
    Some(envelope::response_envelope(&body, None))
}

/// How many records an sObject Collections write names: the `records` of a create, update or
/// upsert body, the `ids` of a delete. `None` for any other call.
fn collection_write_size(req: &RequestView<'_>) -> Option<usize> {
    let after = req.path.split_once("/composite/sobjects")?.1;
    if !(after.is_empty() || after.starts_with('/')) {
        return None;
    }
    let method = req.method.to_ascii_uppercase();
    match method.as_str() {
        "POST" | "PATCH" => {
            let body: Value = serde_json::from_str(req.body).ok()?;
            let n = body.get("records")?.as_array()?.len();
            (n > 0).then_some(n)
        }
        "DELETE" => {
            let query = req.query?;
            let ids = form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "ids")?
                .1;
            let n = ids.split(',').filter(|s| !s.trim().is_empty()).count();
            (n > 0).then_some(n)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::{FaultAt, FaultResponse};

    fn lock_row() -> FaultAction {
        FaultAction {
            index: 0,
            kind: "lock_row".into(),
            delay: None,
            expire_session: false,
            drop_connection: false,
            at: FaultAt::Request,
            respond: Some(FaultResponse {
                status: 400,
                body: Some(crate::proxy::lock_row_body()),
                headers: Default::default(),
            }),
            rewrite: None,
        }
    }

    fn view<'a>(
        method: &'a str,
        path: &'a str,
        query: Option<&'a str>,
        body: &'a str,
    ) -> RequestView<'a> {
        RequestView {
            method,
            path,
            query,
            header: &|_| None,
            body,
        }
    }

    fn partner_envelope(call: &str) -> String {
        format!(
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body xmlns="urn:partner.soap.sforce.com">{call}</soapenv:Body></soapenv:Envelope>"#
        )
    }

    #[test]
    fn lock_row_on_a_soap_write_fails_each_row_in_a_200() {
        let mut a = lock_row();
        let call = partner_envelope(
            "<upsert><externalIDFieldName>ERP_Id__c</externalIDFieldName><sObjects><type>Account</type><ERP_Id__c>A-1</ERP_Id__c></sObjects><sObjects><type>Account</type><ERP_Id__c>A-2</ERP_Id__c></sObjects></upsert>",
        );
        fit(&mut a, &view("POST", "/services/Soap/u/62.0", None, &call));
        let r = a.respond.expect("answer");
        assert_eq!(r.status, 200);
        let xml = r
            .body
            .and_then(|b| b.as_str().map(String::from))
            .expect("xml");
        assert!(!xml.contains("Fault"), "{xml}");
        assert!(
            xml.contains("<soapenv:Body><upsertResponse><result><created>false</created><errors>"),
            "{xml}"
        );
        assert_eq!(
            xml.matches("<statusCode>UNABLE_TO_LOCK_ROW</statusCode></errors><id xsi:nil=\"true\"/><success>false</success></result>").count(),
            2,
            "{xml}"
        );
    }

    #[test]
    fn lock_row_on_a_soap_call_that_writes_no_rows_is_a_soap_fault_on_500() {
        let mut a = lock_row();
        let call =
            partner_envelope("<query><queryString>SELECT Id FROM Account</queryString></query>");
        fit(&mut a, &view("POST", "/services/Soap/u/62.0", None, &call));
        let r = a.respond.expect("answer");
        assert_eq!(r.status, 500);
        let xml = r
            .body
            .and_then(|b| b.as_str().map(String::from))
            .expect("xml");
        assert!(
            xml.contains("<faultcode>sf:UNABLE_TO_LOCK_ROW</faultcode>"),
            "{xml}"
        );
        assert!(xml.contains("<sf:exceptionCode>UNABLE_TO_LOCK_ROW</sf:exceptionCode>"));
    }

    #[test]
    fn lock_row_on_a_collections_write_fails_each_record_in_a_200() {
        let mut a = lock_row();
        let body = r#"{"allOrNone":false,"records":[{"attributes":{"type":"Account"},"Name":"A"},{"attributes":{"type":"Account"},"Name":"B"}]}"#;
        fit(
            &mut a,
            &view(
                "POST",
                "/services/data/v62.0/composite/sobjects",
                None,
                body,
            ),
        );
        let r = a.respond.expect("answer");
        assert_eq!(r.status, 200);
        let results = r.body.expect("body");
        assert_eq!(results.as_array().map(Vec::len), Some(2));
        assert_eq!(results[1]["success"], false);
        assert_eq!(results[1]["errors"][0]["statusCode"], "UNABLE_TO_LOCK_ROW");

        let mut d = lock_row();
        let q = Some("ids=001A,001B,001C&allOrNone=true");
        fit(
            &mut d,
            &view("DELETE", "/services/data/v62.0/composite/sobjects", q, ""),
        );
        let r = d.respond.expect("answer");
        assert_eq!(
            (r.status, r.body.expect("body").as_array().map(Vec::len)),
            (200, Some(3))
        );
    }

    #[test]
    fn lock_row_elsewhere_keeps_the_rest_error() {
        let mut a = lock_row();
        fit(
            &mut a,
            &view(
                "PATCH",
                "/services/data/v62.0/sobjects/Account/001A",
                None,
                "{}",
            ),
        );
        assert_eq!(a.respond.expect("answer").status, 400);
    }
}
