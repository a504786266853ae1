//! `toLabel()` and `convertCurrency()`: under the field's own name, under an alias (needed when
//! the field is selected twice), and toLabel() in WHERE.

use super::test_support::run;
use super::*;
use crate::org::{ErrorCode, Org};

fn lead(org: &Org, company: &str, status: &str) {
    let actor = org.actor(org.users[0].id);
    let body = serde_json::json!({"LastName": "Lee", "Company": company, "Status": status});
    org.store
        .write()
        .insert("Lead", body.as_object().unwrap(), &actor)
        .unwrap();
}

#[test]
fn to_label_takes_an_alias_beside_the_same_field() {
    let org = Org::default_org();
    lead(&org, "Alias Works", "Working - Contacted");
    let r = run(
        &org,
        "SELECT Company, Status, toLabel(Status) translatedStatus FROM Lead WHERE Company = 'Alias Works'",
    )
    .unwrap();
    assert_eq!(r.records[0]["Status"], "Working - Contacted");
    assert_eq!(r.records[0]["translatedStatus"], "Working - Contacted");
    let r = run(
        &org,
        "SELECT Name, toLabel(Industry) ind, convertCurrency(AnnualRevenue) revenue FROM Account WHERE Name = 'Falcon Corp'",
    )
    .unwrap();
    assert_eq!(r.records[0]["ind"], "Manufacturing");
    assert_eq!(r.records[0]["revenue"], 52000000.0);
    assert!(r.records[0].get("Industry").is_none());
}

#[test]
fn the_same_field_twice_needs_an_alias() {
    let org = Org::default_org();
    let e = run(&org, "SELECT Status, toLabel(Status) FROM Lead").unwrap_err();
    assert_eq!(e.code, ErrorCode::MALFORMED_QUERY);
    assert!(
        e.message.contains("duplicate field selected: Status"),
        "{}",
        e.message
    );
    let e = run(&org, "SELECT Company, toLabel(Status) Company FROM Lead").unwrap_err();
    assert!(
        e.message.contains("duplicate alias: Company"),
        "{}",
        e.message
    );
}

#[test]
fn a_plain_field_alias_is_still_only_for_aggregate_queries() {
    let org = Org::default_org();
    let e = run(&org, "SELECT Industry ind FROM Account").unwrap_err();
    assert!(
        e.message
            .contains("Only aggregate expressions use field aliasing"),
        "{}",
        e.message
    );
}

#[test]
fn to_label_filters_on_the_label() {
    let org = Org::default_org();
    lead(&org, "Label Filter", "Open - Not Contacted");
    lead(&org, "Label Filter", "Closed - Converted");
    let r = run(
        &org,
        "SELECT Company, toLabel(Status) FROM Lead WHERE toLabel(Status) = 'Open - Not Contacted' AND Company = 'Label Filter'",
    )
    .unwrap();
    assert_eq!(r.total_size, 1);
    assert_eq!(r.records[0]["Status"], "Open - Not Contacted");
}

#[test]
fn an_alias_for_a_parent_fields_label_is_named_as_unsupported() {
    let org = Org::default_org();
    let e = run(&org, "SELECT toLabel(Account.Industry) ind FROM Contact").unwrap_err();
    assert_eq!(e.code, ErrorCode::MALFORMED_QUERY);
    assert!(
        e.message.contains("not supported by sflab's mock org"),
        "{}",
        e.message
    );
}

#[test]
fn an_aliased_to_label_prints_back_to_the_same_tree() {
    let q = parse_query("SELECT toLabel(Status) translatedStatus FROM Lead").unwrap();
    assert_eq!(parse_query(&q.to_string()).unwrap(), q);
}

#[test]
fn convert_currency_takes_only_currency_fields_and_to_label_only_picklists() {
    let org = Org::default_org();
    for (soql, col, text) in [
        (
            "SELECT convertCurrency(Name) FROM Account",
            24,
            "convertCurrency() can only be used on currency fields: 'Name' on entity 'Account' is a string field",
        ),
        (
            "SELECT Name, toLabel(BillingCity) city FROM Account",
            22,
            "toLabel() can only be used on picklist fields and RecordType.Name: 'BillingCity' on entity 'Account' is a string field",
        ),
        (
            "SELECT Name FROM Account WHERE toLabel(Name) = 'x'",
            40,
            "toLabel() can only be used on picklist fields and RecordType.Name: 'Name' on entity 'Account' is a string field",
        ),
    ] {
        let e = run(&org, soql).unwrap_err();
        assert_eq!(e.code, ErrorCode::INVALID_FIELD, "{soql}: {}", e.message);
        assert!(
            e.message
                .ends_with(&format!("ERROR at Row:1:Column:{col}\n{text}")),
            "{soql}: {}",
            e.message
        );
    }
    run(&org, "SELECT toLabel(Account.Industry) FROM Contact").unwrap();
    run(
        &org,
        "SELECT toLabel(Industry), convertCurrency(AnnualRevenue) FROM Account",
    )
    .unwrap();
}

#[test]
fn an_unaliased_field_function_prints_back_to_the_same_tree() {
    let q = parse_query(
        "SELECT toLabel(Status), Company FROM Lead WHERE toLabel(Status) = 'Open - Not Contacted'",
    )
    .unwrap();
    assert_eq!(
        q.to_string(),
        "SELECT toLabel(Status), Company FROM Lead WHERE toLabel(Status) = 'Open - Not Contacted'"
    );
    assert_eq!(parse_query(&q.to_string()).unwrap(), q);
}
