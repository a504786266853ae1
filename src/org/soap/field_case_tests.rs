//! Field names in partner API writes are case-insensitive, as in a real org: a record's
//! `<sf:erp_id__c>` and an upsert's `<externalIDFieldName>erp_id__c</…>` both name
//! `ERP_Id__c`.

use super::tests::{envelope, post, token};
use crate::org::rest::router;
use crate::org::Org;

const ENDPOINT: &str = "/services/Soap/u/59.0";

#[tokio::test]
async fn upsert_matches_the_external_id_whatever_case_either_name_is_written_in() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let calls = [
        ("erp_id__c", "ERP_Id__c", "L-1"),
        ("ERP_Id__c", "erp_id__c", "L-2"),
        ("Erp_Id__C", "eRP_iD__C", "L-3"),
    ];
    for (key_field, record_field, key) in calls {
        let call = format!(
            "<upsert><externalIDFieldName>{key_field}</externalIDFieldName><sObjects><type>Account</type><{record_field}>{key}</{record_field}><name>Case {key}</name></sObjects></upsert>"
        );
        for created in ["true", "false"] {
            let r = post(&app, ENDPOINT, envelope(Some(&t), "", &call)).await;
            assert!(r.text.contains("<success>true</success>"), "{}", r.text);
            assert!(
                r.text.contains(&format!("<created>{created}</created>")),
                "{}",
                r.text
            );
        }
        let store = org.store.read();
        let found = store.find_by_external("Account", "ERP_Id__c", key).unwrap();
        assert_eq!(found.len(), 1, "{key}");
    }
}

#[tokio::test]
async fn one_key_written_in_two_cases_is_one_repeated_key() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let call = "<upsert><externalIDFieldName>ERP_Id__c</externalIDFieldName>\
        <sObjects><type>Account</type><ERP_Id__c>R-1</ERP_Id__c><Name>One</Name></sObjects>\
        <sObjects><type>Account</type><erp_id__c>R-1</erp_id__c><Name>Two</Name></sObjects></upsert>";
    let r = post(&app, ENDPOINT, envelope(Some(&t), "", call)).await;
    assert_eq!(
        r.text.matches("<success>false</success>").count(),
        2,
        "{}",
        r.text
    );
    assert!(!r.text.contains("MISSING_ARGUMENT"), "{}", r.text);
}
