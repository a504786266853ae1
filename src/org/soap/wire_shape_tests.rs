//! The SOAP answers and the served WSDL held against each other, as a WSDL-generated client
//! (zeep, wsimport, wsdl2apex) holds them: every result's children follow the sequence its
//! WSDL type declares, and every operation binds the headers the org reads for it.

use super::tests::{envelope, get_wsdl, post, token, Reply};
use super::wsdl::partner_wsdl;
use crate::org::rest::router;
use crate::org::soap::xml::{parse, Element};
use crate::org::Org;

const ENDPOINT: &str = "/services/Soap/u/59.0";

/// The `(name, required)` elements of a `complexType`'s sequence in the served WSDL.
fn wsdl_sequence(type_name: &str) -> Vec<(String, bool)> {
    let doc = parse(&partner_wsdl("https://127.0.0.1:8443/services/Soap/u/64.0")).unwrap();
    let types = doc.child("types").unwrap();
    let ty = types
        .children_named("schema")
        .flat_map(|s| s.children_named("complexType"))
        .find(|t| t.attr("name") == Some(type_name))
        .unwrap_or_else(|| panic!("the WSDL declares no complexType {type_name}"));
    ty.child("sequence")
        .unwrap()
        .children_named("element")
        .map(|e| {
            let name = e.attr("name").unwrap().to_string();
            (name, e.attr("minOccurs") != Some("0"))
        })
        .collect()
}

/// Panics unless `result`'s children are the sequence of `type_name`, in its order, with
/// every required element present and nothing else.
fn assert_follows(result: &Element, type_name: &str, text: &str) {
    let names: Vec<&str> = result.children.iter().map(|c| c.name.as_str()).collect();
    let mut at = 0;
    for (name, required) in wsdl_sequence(type_name) {
        let start = at;
        while names.get(at) == Some(&name.as_str()) {
            at += 1;
        }
        assert!(
            !required || at > start,
            "{type_name} needs <{name}> at position {start}, found {names:?}: {text}"
        );
    }
    assert_eq!(
        at,
        names.len(),
        "{type_name} children out of the WSDL's order or unknown: {names:?}: {text}"
    );
}

fn results(r: &Reply) -> Vec<&Element> {
    r.body.child("Body").unwrap().children[0]
        .children_named("result")
        .collect()
}

const ALL_OR_NONE: &str = "<AllOrNoneHeader><allOrNone>true</allOrNone></AllOrNoneHeader>";

#[tokio::test]
async fn failed_and_rolled_back_upsert_rows_carry_created_false_in_wsdl_order() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let upsert = "<upsert><externalIDFieldName>ERP_Id__c</externalIDFieldName>\
        <sObjects><type>Account</type><Name>Kept</Name><ERP_Id__c>W-1</ERP_Id__c></sObjects>\
        <sObjects><type>Account</type><Name>No key</Name></sObjects></upsert>";
    for header in ["", ALL_OR_NONE] {
        let r = post(&app, ENDPOINT, envelope(Some(&t), header, upsert)).await;
        let rows = results(&r);
        assert_eq!(rows.len(), 2, "{}", r.text);
        for row in &rows {
            assert_follows(row, "UpsertResult", &r.text);
        }
        // The failed row, and with AllOrNone the rolled-back one, created nothing.
        assert_eq!(rows[1].child_text("created"), Some("false"), "{}", r.text);
        assert_eq!(rows[1].child_text("success"), Some("false"));
        let first_created = if header.is_empty() { "true" } else { "false" };
        assert_eq!(rows[0].child_text("created"), Some(first_created));
    }
}

#[tokio::test]
async fn failed_save_delete_and_undelete_rows_follow_their_wsdl_sequence() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let unknown = "001xx000003GYcwAAG";
    let calls = [
        (
            "<create><sObjects><type>Account</type><Name>Good</Name></sObjects><sObjects><type>Account</type><Phone>1</Phone></sObjects></create>".to_string(),
            "SaveResult",
        ),
        (
            format!("<update><sObjects><type>Account</type><Id>{unknown}</Id><Name>x</Name></sObjects></update>"),
            "SaveResult",
        ),
        (format!("<delete><ids>{unknown}</ids></delete>"), "DeleteResult"),
        (format!("<undelete><ids>{unknown}</ids></undelete>"), "UndeleteResult"),
    ];
    for header in ["", ALL_OR_NONE] {
        for (call, type_name) in &calls {
            let r = post(&app, ENDPOINT, envelope(Some(&t), header, call)).await;
            let rows = results(&r);
            assert!(rows
                .iter()
                .any(|x| x.child_text("success") == Some("false")));
            for row in rows {
                assert_follows(row, type_name, &r.text);
            }
        }
    }
}

/// Each binding operation's input header parts, by operation name.
fn bound_input_headers(wsdl: &str) -> Vec<(String, Vec<String>)> {
    let doc = parse(wsdl).unwrap();
    doc.child("binding")
        .unwrap()
        .children_named("operation")
        .map(|op| {
            let parts = op
                .child("input")
                .unwrap()
                .children_named("header")
                .map(|h| h.attr("part").unwrap().to_string())
                .collect();
            (op.attr("name").unwrap().to_string(), parts)
        })
        .collect()
}

#[tokio::test]
async fn the_served_wsdl_binds_the_headers_the_org_reads_for_each_call() {
    let org = Org::default_org();
    let t = token(&org);
    let (_, wsdl) = get_wsdl(
        &org,
        "/services/wsdl/partner",
        Some(("cookie", format!("sid={t}"))),
    )
    .await;
    let bound = bound_input_headers(&wsdl);
    let headers_of = |call: &str| -> &Vec<String> {
        &bound
            .iter()
            .find(|(name, _)| name == call)
            .unwrap_or_else(|| panic!("no binding operation {call}"))
            .1
    };
    let has = |call: &str, header: &str| headers_of(call).iter().any(|h| h == header);
    for call in ["query", "queryAll", "queryMore"] {
        assert!(has(call, "QueryOptions"), "{call}: {:?}", headers_of(call));
        assert!(!has(call, "AllOrNoneHeader"), "{call}");
    }
    for call in ["create", "update", "upsert", "delete", "undelete"] {
        assert!(
            has(call, "AllOrNoneHeader"),
            "{call}: {:?}",
            headers_of(call)
        );
        assert!(!has(call, "QueryOptions"), "{call}");
    }
    for (call, _) in &bound {
        assert!(has(call, "CallOptions"), "{call}: {:?}", headers_of(call));
        // Only login runs without a session; it may name the org to log in to instead.
        assert_eq!(has(call, "SessionHeader"), call != "login", "{call}");
        assert_eq!(has(call, "LoginScopeHeader"), call == "login", "{call}");
    }
    // Every bound part is a part of the Header message, declared as an element.
    let doc = parse(&wsdl).unwrap();
    let header_parts: Vec<&str> = doc
        .children_named("message")
        .find(|m| m.attr("name") == Some("Header"))
        .unwrap()
        .children_named("part")
        .filter_map(|p| p.attr("name"))
        .collect();
    for (call, parts) in &bound {
        for part in parts {
            assert!(header_parts.contains(&part.as_str()), "{call}: {part}");
        }
    }
}

#[tokio::test]
async fn call_options_may_carry_nil_children_as_generated_clients_send_them() {
    let wsdl = partner_wsdl("https://127.0.0.1:8443/services/Soap/u/64.0");
    let doc = parse(&wsdl).unwrap();
    let call_options = doc
        .child("types")
        .unwrap()
        .children_named("schema")
        .flat_map(|s| s.children_named("element"))
        .find(|e| e.attr("name") == Some("CallOptions"))
        .unwrap();
    let children: Vec<&Element> = call_options
        .child("complexType")
        .and_then(|t| t.child("sequence"))
        .unwrap()
        .children_named("element")
        .collect();
    assert_eq!(children.len(), 2);
    assert!(children.iter().all(|c| c.attr("nillable") == Some("true")));
    // A client with no default namespace sends it nil; the call goes ahead.
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let header =
        "<CallOptions><client>zeep</client><defaultNamespace xsi:nil=\"true\"/></CallOptions>";
    let create = "<create><sObjects><type>Account</type><Name>Called</Name></sObjects></create>";
    let r = post(&app, ENDPOINT, envelope(Some(&t), header, create)).await;
    assert_eq!(
        results(&r)[0].child_text("success"),
        Some("true"),
        "{}",
        r.text
    );
}

/// One failed row's `(statusCode, fields, message)`.
type FailedRow = (String, Vec<String>, String);

/// The failed results of a call, and the ids of the rows that succeeded.
fn row_errors(r: &Reply) -> (Vec<FailedRow>, Vec<String>) {
    let results: Vec<&Element> = r.body.child("Body").unwrap().children[0]
        .children_named("result")
        .collect();
    let mut errors = Vec::new();
    let mut ids = Vec::new();
    for result in results {
        match result.child("errors") {
            Some(e) => errors.push((
                e.child_text("statusCode").unwrap_or_default().to_string(),
                e.children_named("fields").map(|f| f.text.clone()).collect(),
                e.child_text("message").unwrap_or_default().to_string(),
            )),
            None => ids.push(result.child_text("id").unwrap().to_string()),
        }
    }
    (errors, ids)
}

#[tokio::test]
async fn a_value_not_of_its_fields_type_fails_its_row_with_invalid_type_on_field_in_record() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let call = |c: &str| envelope(Some(&t), "", c);
    let create = "<create>\
        <sObjects><type>Account</type><Name>Typed</Name><NumberOfEmployees>ten</NumberOfEmployees></sObjects>\
        <sObjects><type>Account</type><Name>Typed</Name><AnnualRevenue>lots</AnnualRevenue></sObjects>\
        <sObjects><type>Opportunity</type><Name>Typed</Name><StageName>Prospecting</StageName><CloseDate>next week</CloseDate></sObjects>\
        <sObjects><type>Contact</type><LastName>Typed</LastName><HasOptedOutOfEmail>yes</HasOptedOutOfEmail></sObjects>\
        </create>";
    let r = post(&app, ENDPOINT, call(create)).await;
    let (errors, ids) = row_errors(&r);
    assert!(ids.is_empty(), "{}", r.text);
    let expected = [
        (
            "NumberOfEmployees",
            "Employees: value not of required type: ten",
        ),
        (
            "AnnualRevenue",
            "Annual Revenue: value not of required type: lots",
        ),
        (
            "CloseDate",
            "Close Date: value not of required type: next week",
        ),
        (
            "HasOptedOutOfEmail",
            "Email Opt Out: value not of required type: yes",
        ),
    ];
    for ((code, fields, message), (field, says)) in errors.iter().zip(expected) {
        assert_eq!(code, "INVALID_TYPE_ON_FIELD_IN_RECORD", "{}", r.text);
        assert_eq!(fields, &[field.to_string()], "{}", r.text);
        assert_eq!(message, says, "{}", r.text);
    }
    assert_eq!(errors.len(), 4, "{}", r.text);
    // xsd:boolean reads 1 and 0 as true and false.
    let create = "<create><sObjects><type>Contact</type><LastName>Typed</LastName><HasOptedOutOfEmail>1</HasOptedOutOfEmail></sObjects></create>";
    let (errors, ids) = row_errors(&post(&app, ENDPOINT, call(create)).await);
    assert!(errors.is_empty(), "{errors:?}");
    let stored = |id: &str| {
        org.store
            .read()
            .retrieve("Contact", id, Some(&["HasOptedOutOfEmail"]), "59.0")
            .unwrap()["HasOptedOutOfEmail"]
            .clone()
    };
    assert_eq!(stored(&ids[0]), true);
    let update = format!("<update><sObjects><type>Contact</type><Id>{}</Id><HasOptedOutOfEmail>0</HasOptedOutOfEmail></sObjects></update>", ids[0]);
    let (errors, _) = row_errors(&post(&app, ENDPOINT, call(&update)).await);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(stored(&ids[0]), false);
    // Update and upsert report a misfit the same way.
    let update = format!("<update><sObjects><type>Contact</type><Id>{}</Id><HasOptedOutOfEmail>2</HasOptedOutOfEmail></sObjects></update>", ids[0]);
    let (errors, _) = row_errors(&post(&app, ENDPOINT, call(&update)).await);
    assert_eq!(errors[0].0, "INVALID_TYPE_ON_FIELD_IN_RECORD");
    let upsert = "<upsert><externalIDFieldName>ERP_Id__c</externalIDFieldName><sObjects><type>Account</type><ERP_Id__c>A-1000</ERP_Id__c><NumberOfEmployees>many</NumberOfEmployees></sObjects></upsert>";
    let (errors, _) = row_errors(&post(&app, ENDPOINT, call(upsert)).await);
    assert_eq!(
        errors[0],
        (
            "INVALID_TYPE_ON_FIELD_IN_RECORD".to_string(),
            vec!["NumberOfEmployees".to_string()],
            "Employees: value not of required type: many".to_string()
        )
    );
}
