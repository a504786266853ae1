//! A compound address (`BillingAddress`) is a field of its object and, as on every write path, a
//! read-only one: a partner API record writing it, as nested elements or as a value, fails on
//! its row with INVALID_FIELD_FOR_INSERT_UPDATE, not with a fault calling it a missing column
//! or a relationship.

use super::tests::{envelope, post, token};
use crate::org::rest::router;
use crate::org::soap::xml::Element;
use crate::org::Org;
use axum::http::StatusCode;

const ENDPOINT: &str = "/services/Soap/u/59.0";

#[tokio::test]
async fn writing_a_compound_address_fails_its_row_as_read_only() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let before = org.store.read().count("Account");
    let falcon = org
        .store
        .read()
        .find_by_external("Account", "ERP_Id__c", "A-1000")
        .unwrap()[0]
        .to_string();
    let calls = [
        // Nested parts, as a hand-written envelope sends them.
        ("BillingAddress", "<create><sObjects><type>Account</type><Name>S1</Name><BillingAddress><city>Paris</city></BillingAddress></sObjects></create>".to_string()),
        // A plain value, as jsforce writes `BillingAddress: 'x'`.
        ("BillingAddress", "<create><sObjects><type>Account</type><Name>S1</Name><billingaddress>x</billingaddress></sObjects></create>".to_string()),
        ("ShippingAddress", format!("<update><sObjects><type>Account</type><Id>{falcon}</Id><ShippingAddress><street>1 Rue</street><city>Lyon</city></ShippingAddress></sObjects></update>")),
    ];
    for (field, call) in calls {
        let r = post(&app, ENDPOINT, envelope(Some(&t), "", &call)).await;
        assert_eq!(r.status, StatusCode::OK, "{call}: {}", r.text);
        let result: &Element = r.body.child("Body").unwrap().children[0]
            .child("result")
            .unwrap_or_else(|| panic!("no result: {}", r.text));
        assert_eq!(result.child_text("success"), Some("false"), "{}", r.text);
        let error = result.child("errors").unwrap();
        assert_eq!(
            error.child_text("statusCode"),
            Some("INVALID_FIELD_FOR_INSERT_UPDATE"),
            "{}",
            r.text
        );
        assert_eq!(error.child_text("fields"), Some(field), "{}", r.text);
        assert!(
            error
                .child_text("message")
                .unwrap()
                .starts_with(&format!("Unable to create/update fields: {field}.")),
            "{}",
            r.text
        );
    }
    assert_eq!(org.store.read().count("Account"), before);
}

#[tokio::test]
async fn nested_elements_under_another_name_are_still_a_relationship_fault() {
    let org = Org::default_org();
    let app = router(org.clone());
    let t = token(&org);
    let call = "<create><sObjects><type>Contact</type><LastName>Ng</LastName><Account><type>Account</type><ERP_Id__c>A-1000</ERP_Id__c></Account></sObjects></create>";
    let r = post(&app, ENDPOINT, envelope(Some(&t), "", call)).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.text);
    assert!(
        r.text.contains("<faultcode>sf:INVALID_FIELD</faultcode>"),
        "{}",
        r.text
    );
    assert!(
        r.text.contains("Field Account holds nested elements"),
        "{}",
        r.text
    );
}
