//! A built-in fault's answer in the shape of the endpoint it strikes: the SOAP API answers
//! with a SOAP fault on HTTP 500, and sObject Collections report a record that could not be
//! saved in its own result, not with an error for the whole call.
//!
//! Only the answers the proxy makes up are shaped; a `respond` the lab gives is sent as written.
//!
//! Implementation notes:
//! - SOAP: the org reports every failed call as `<soapenv:Fault>` with `sf:<code>` on 500
//!   (see `org::soap::envelope`), so an expired session is `sf:INVALID_SESSION_ID` there.
//!   [U] A lock timeout on a SOAP write is reported by a real org as a failed result of the
//!   record (`success: false`, `statusCode: UNABLE_TO_LOCK_ROW`) in a 200; the proxy does not
//!   read the call to build its results, and answers the call with the fault
//!   `sf:UNABLE_TO_LOCK_ROW` on 500, which a SOAP client reports as that error all the same.
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

    #[test]
    fn lock_row_on_a_soap_call_is_a_soap_fault_on_500() {
        let mut a = lock_row();
        fit(
            &mut a,
            &view("POST", "/services/Soap/u/62.0", None, "<update/>"),
        );
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
