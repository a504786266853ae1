//! The results of the partner API's write calls (`SaveResult`, `UpsertResult`,
//! `DeleteResult`, `UndeleteResult`), each row's children in its WSDL sequence, and the
//! `Error` a failed row carries.
//!
//! The org's calls build them row by row (see `calls`); a fault injected on a write call
//! builds them for rows that all failed alike ([`every_row_failed`]), as a real org reports a
//! row it could not lock: in the row's result, not as a fault of the call.

use super::xml::{escape, Element};
use crate::org::SfError;

/// A per-record error as the partner API reports it (`Error{fields*, message, statusCode}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub status_code: String,
    pub message: String,
    pub fields: Vec<String>,
}

impl RowError {
    pub fn new(code: &str, message: impl Into<String>) -> RowError {
        RowError {
            status_code: code.to_string(),
            message: message.into(),
            fields: Vec::new(),
        }
    }
}

impl From<SfError> for RowError {
    fn from(e: SfError) -> RowError {
        RowError {
            status_code: e.code.as_str().to_string(),
            message: e.message,
            fields: e.fields,
        }
    }
}

pub fn errors_xml(e: &RowError) -> String {
    let fields: String = e
        .fields
        .iter()
        .map(|f| format!("<fields>{}</fields>", escape(f)))
        .collect();
    format!(
        "<errors>{fields}<message>{}</message><statusCode>{}</statusCode></errors>",
        escape(&e.message),
        escape(&e.status_code)
    )
}

/// One row's outcome: the id and, for upsert, whether it created.
pub type RowOutcome = Result<(String, Option<bool>), RowError>;

/// The WSDL type a call's results take: `UpsertResult` carries `created` on every row (false
/// for a row that failed or was rolled back); `SaveResult`, `DeleteResult` and
/// `UndeleteResult` have no such element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultType {
    Save,
    Upsert,
}

/// One `result`, its children in the WSDL's sequence order: `created` (UpsertResult only),
/// `errors*`, `id` (nil when the row failed), `success`. Generated clients read the sequence
/// strictly, so a required element left out fails the whole response for them.
pub fn result_xml(outcome: &RowOutcome, ty: ResultType) -> String {
    let created = |c: bool| match ty {
        ResultType::Upsert => format!("<created>{c}</created>"),
        ResultType::Save => String::new(),
    };
    match outcome {
        Ok((id, made)) => format!(
            "<result>{}<id>{}</id><success>true</success></result>",
            created(made.unwrap_or(false)),
            escape(id)
        ),
        Err(e) => format!(
            r#"<result>{}{}<id xsi:nil="true"/><success>false</success></result>"#,
            created(false),
            errors_xml(e)
        ),
    }
}

pub fn wrap(name: &str, ty: ResultType, outcomes: &[RowOutcome]) -> String {
    let inner: String = outcomes.iter().map(|o| result_xml(o, ty)).collect();
    format!("<{name}>{inner}</{name}>")
}

/// The write calls and the elements that carry their rows.
const WRITE_CALLS: &[(&str, &str, ResultType)] = &[
    ("create", "sObjects", ResultType::Save),
    ("update", "sObjects", ResultType::Save),
    ("upsert", "sObjects", ResultType::Upsert),
    ("delete", "ids", ResultType::Save),
    ("undelete", "ids", ResultType::Save),
];

/// The `<callResponse>` of the write call `call` in which every row failed with `error`;
/// `None` for a call that writes no rows (a query, a login) or names none.
pub fn every_row_failed(call: &Element, error: &RowError) -> Option<String> {
    let (name, rows, ty) = WRITE_CALLS.iter().find(|(name, _, _)| *name == call.name)?;
    let outcomes: Vec<RowOutcome> = call
        .children_named(rows)
        .map(|_| Err(error.clone()))
        .collect();
    if outcomes.is_empty() {
        return None;
    }
    Some(wrap(&format!("{name}Response"), *ty, &outcomes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::soap::xml::parse;

    fn locked() -> RowError {
        RowError::new(
            "UNABLE_TO_LOCK_ROW",
            "unable to obtain exclusive access to this record",
        )
    }

    #[test]
    fn every_row_of_a_write_call_fails_in_its_own_result() {
        let upsert = parse("<upsert><externalIDFieldName>ERP_Id__c</externalIDFieldName><sObjects><type>Account</type></sObjects><sObjects><type>Account</type></sObjects></upsert>").unwrap();
        let xml = every_row_failed(&upsert, &locked()).unwrap();
        assert_eq!(
            xml,
            format!(
                "<upsertResponse>{0}{0}</upsertResponse>",
                r#"<result><created>false</created><errors><message>unable to obtain exclusive access to this record</message><statusCode>UNABLE_TO_LOCK_ROW</statusCode></errors><id xsi:nil="true"/><success>false</success></result>"#
            )
        );
        let delete = parse("<delete><ids>001A</ids></delete>").unwrap();
        let xml = every_row_failed(&delete, &locked()).unwrap();
        assert!(xml.starts_with("<deleteResponse><result><errors>"), "{xml}");
        assert_eq!(xml.matches("<result>").count(), 1);
    }

    #[test]
    fn a_call_that_writes_no_rows_has_no_row_results() {
        for call in [
            "<query><queryString>SELECT Id FROM Account</queryString></query>",
            "<create/>",
        ] {
            assert_eq!(
                every_row_failed(&parse(call).unwrap(), &locked()),
                None,
                "{call}"
            );
        }
    }
}
