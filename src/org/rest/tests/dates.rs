//! Date and date-time values a write may carry: a four-digit year, seconds 00–59, and a day
//! from 1700-01-01 to 4000-12-31.

use super::*;

fn shipments() -> Mock {
    let seed = OrgSeed::from_yaml(
        "objects:\n  Shipment__c:\n    fields:\n      Shipped_At__c: { type: datetime }\n      Ship_Date__c: { type: date }\n",
    )
    .unwrap();
    mock_of(Org::new(&seed).unwrap())
}

#[tokio::test]
async fn dates_outside_1700_to_4000_or_malformed_are_refused_and_nothing_is_saved() {
    let m = shipments();
    let url = format!("{V}/sobjects/Shipment__c");
    for (field, value, code) in [
        (
            "Shipped_At__c",
            "9999-12-31T23:59:59-14:00",
            "FIELD_INTEGRITY_EXCEPTION",
        ),
        (
            "Shipped_At__c",
            "0000-01-01T00:00:00Z",
            "FIELD_INTEGRITY_EXCEPTION",
        ),
        ("Shipped_At__c", "2026-12-01T10:00:60Z", "JSON_PARSER_ERROR"),
        (
            "Shipped_At__c",
            "+10000-01-01T13:59:59.000+0000",
            "JSON_PARSER_ERROR",
        ),
        ("Ship_Date__c", "4001-01-01", "FIELD_INTEGRITY_EXCEPTION"),
        ("Ship_Date__c", "0000-01-01", "FIELD_INTEGRITY_EXCEPTION"),
    ] {
        let r = m
            .post(&url, json!({"Name": "Out of range", field: value}))
            .await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{field} {value}: {}",
            r.body
        );
        assert_eq!(error_code(&r), code, "{field} {value}: {}", r.body);
        if code == "FIELD_INTEGRITY_EXCEPTION" {
            assert_eq!(r.body[0]["fields"], json!([field]));
            let message = r.body[0]["message"].as_str().unwrap();
            assert!(
                message.contains(value) && message.contains("1700-01-01"),
                "{message}"
            );
        }
    }
    let none = m
        .get(&format!("{V}/query?q=SELECT+Id+FROM+Shipment__c"))
        .await;
    assert_eq!(none.body["totalSize"], 0, "{}", none.body);
    let edges = m
        .post(
            &url,
            json!({"Name": "Edges", "Shipped_At__c": "4000-12-31T00:00:00Z", "Ship_Date__c": "1700-01-01"}),
        )
        .await;
    assert_eq!(edges.status, StatusCode::CREATED, "{}", edges.body);
}
