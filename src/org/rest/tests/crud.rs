//! sObject create, retrieve, update, delete, upsert and describe.

use super::*;

#[tokio::test]
async fn create_answers_201_with_id_and_location() {
    let m = mock();
    let r = m
        .post(&format!("{V}/sobjects/Account/"), json!({"Name": "Acme"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let id = r.body["id"].as_str().unwrap();
    assert!(id.starts_with("001") && id.len() == 18);
    assert_eq!(r.body["success"], true);
    assert_eq!(r.body["errors"], json!([]));
    assert_eq!(
        r.headers["location"],
        format!("/services/data/v59.0/sobjects/Account/{id}").as_str()
    );
}

#[tokio::test]
async fn retrieve_with_fields_projects_to_those_fields() {
    let m = mock();
    let id = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Name": "Acme", "Industry": "Energy"}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let full = m.get(&format!("{V}/sobjects/Account/{id}")).await;
    assert_eq!(full.status, StatusCode::OK);
    assert_eq!(full.body["attributes"]["type"], "Account");
    assert_eq!(full.body["Industry"], "Energy");
    let some = m
        .get(&format!("{V}/sobjects/Account/{id}?fields=Name"))
        .await;
    assert_eq!(some.body["Name"], "Acme");
    assert!(some.body.get("Industry").is_none());
    let bad = m
        .get(&format!("{V}/sobjects/Account/{id}?fields=Naem"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&bad), "INVALID_FIELD");
}

#[tokio::test]
async fn a_retrieved_account_carries_its_compound_addresses_which_cannot_be_written() {
    let m = mock();
    let id = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Name": "Acme", "BillingCity": "Lyon", "BillingPostalCode": "69001"}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let full = m.get(&format!("{V}/sobjects/Account/{id}")).await;
    assert_eq!(
        full.body["BillingAddress"],
        json!({"city": "Lyon", "country": null, "geocodeAccuracy": null, "latitude": null,
            "longitude": null, "postalCode": "69001", "state": null, "street": null})
    );
    assert_eq!(full.body["ShippingAddress"], json!(null));
    assert_eq!(full.body["BillingCity"], "Lyon");
    let some = m
        .get(&format!("{V}/sobjects/Account/{id}?fields=Name"))
        .await;
    assert!(some.body.get("BillingAddress").is_none());
    let write = m
        .patch(
            &format!("{V}/sobjects/Account/{id}"),
            json!({"BillingAddress": {"city": "Paris"}}),
        )
        .await;
    // The field exists but is read-only: written through its components, never itself.
    assert_eq!(write.status.as_u16(), 400, "{:?}", write.body);
    assert_eq!(
        write.body[0]["errorCode"], "INVALID_FIELD_FOR_INSERT_UPDATE",
        "{:?}",
        write.body
    );
    assert_eq!(write.body[0]["fields"], json!(["BillingAddress"]));
    assert!(write.body[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("Unable to create/update fields: BillingAddress."));
}

#[tokio::test]
async fn a_field_list_may_name_a_compound_address_in_a_get_and_in_a_collections_retrieve() {
    let m = mock();
    let id = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Name": "Acme", "BillingCity": "Lyon"}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let lyon = json!({"city": "Lyon", "country": null, "geocodeAccuracy": null,
        "latitude": null, "longitude": null, "postalCode": null, "state": null, "street": null});
    let one = m
        .get(&format!(
            "{V}/sobjects/Account/{id}?fields=Name,BillingAddress"
        ))
        .await;
    assert_eq!(one.status, 200, "{:?}", one.body);
    assert_eq!(one.body["Name"], "Acme");
    assert_eq!(one.body["BillingAddress"], lyon);
    assert!(one.body.get("ShippingAddress").is_none());
    // jsforce's retrieve of several records names every field describe lists, addresses too.
    let many = m
        .post(
            &format!("{V}/composite/sobjects/Account"),
            json!({"ids": [id], "fields": ["Name", "BillingAddress", "ShippingAddress"]}),
        )
        .await;
    assert_eq!(many.status, 200, "{:?}", many.body);
    assert_eq!(many.body[0]["BillingAddress"], lyon);
    assert_eq!(many.body[0]["ShippingAddress"], json!(null));
    let unknown = m
        .get(&format!(
            "{V}/sobjects/Account/{id}?fields=Name,PostalAddress"
        ))
        .await;
    assert_eq!(unknown.status, 400, "{:?}", unknown.body);
}

#[tokio::test]
async fn patching_a_record_with_an_id_of_another_object_is_malformed_id_as_in_collections() {
    let m = mock();
    let account = m
        .org
        .store
        .read()
        .find_by_external("Account", "ERP_Id__c", "A-1000")
        .unwrap()[0]
        .to_string();
    let r = m
        .patch(
            &format!("{V}/sobjects/Contact/{account}"),
            json!({"Title": "x"}),
        )
        .await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::BAD_REQUEST, "MALFORMED_ID")
    );
    assert_eq!(
        r.body[0]["message"],
        format!("Contact ID: id value of incorrect type: {account}")
    );
    assert_eq!(r.body[0]["fields"], json!(["Id"]));
}

#[tokio::test]
async fn missing_records_are_not_found_on_get_but_invalid_cross_reference_on_write() {
    let m = mock();
    let ghost = "001000000000000AAA";
    let r = m.get(&format!("{V}/sobjects/Account/{ghost}")).await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::NOT_FOUND, "NOT_FOUND")
    );
    let r = m
        .patch(
            &format!("{V}/sobjects/Account/{ghost}"),
            json!({"Name": "x"}),
        )
        .await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::NOT_FOUND, "INVALID_CROSS_REFERENCE_KEY")
    );
    let r = m.delete(&format!("{V}/sobjects/Account/{ghost}")).await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::NOT_FOUND, "INVALID_CROSS_REFERENCE_KEY")
    );
    // The same missing record named by a lookup in the body is a bad body.
    let r = m
        .post(
            &format!("{V}/sobjects/Contact"),
            json!({"LastName": "Ghostly", "AccountId": ghost}),
        )
        .await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::BAD_REQUEST, "INVALID_CROSS_REFERENCE_KEY")
    );
    assert_eq!(r.body[0]["fields"], json!(["AccountId"]));
    let r = m.get(&format!("{V}/sobjects/Account/123")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body[0]["message"],
        "Provided external ID field does not exist or is not accessible: 123"
    );
    // An object's resources a real org serves (list views, quick actions, layouts) say the
    // mock does not serve them, rather than blaming an external id field.
    for part in [
        "listviews",
        "quickActions",
        "describe/layouts",
        "describe/compactLayouts",
        "describe/approvalLayouts",
    ] {
        let r = m.get(&format!("{V}/sobjects/Account/{part}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{part}");
        let message = r.body[0]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!(
                "sflab's mock org does not serve /sobjects/Account/{part}"
            )),
            "{part}: {message}"
        );
    }
    // A relationship URL is not served, and says so rather than blaming an external id field.
    let r = m
        .get(&format!("{V}/sobjects/Account/{ghost}/Contacts"))
        .await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::NOT_FOUND, "NOT_FOUND")
    );
    let message = r.body[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("sflab's mock org does not serve relationship URLs")
            && message.ends_with(&format!(
                "SELECT Id, (SELECT Id FROM Contacts) FROM Account WHERE Id = '{ghost}'"
            )),
        "{message}"
    );
    // A parent relationship suggests the parent's fields; a name that is no relationship
    // says so.
    let contact = "0035g0000000001AAA"; // a Contact of the default seed
    let r = m
        .get(&format!("{V}/sobjects/Contact/{contact}/Account"))
        .await;
    let message = r.body[0]["message"].as_str().unwrap();
    assert!(
        message.ends_with(&format!(
            "SELECT Account.Id FROM Contact WHERE Id = '{contact}'"
        )),
        "{message}"
    );
    let r = m.get(&format!("{V}/sobjects/Account/{ghost}/Bogus")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let message = r.body[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Account has no relationship named Bogus"),
        "{message}"
    );
}

#[tokio::test]
async fn update_and_delete_answer_204_and_take_effect() {
    let m = mock();
    let id = m
        .post(&format!("{V}/sobjects/Account"), json!({"Name": "Acme"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = m
        .patch(
            &format!("{V}/sobjects/Account/{id}"),
            json!({"Name": "Acme 2"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        m.get(&format!("{V}/sobjects/Account/{id}")).await.body["Name"],
        "Acme 2"
    );
    let r = m
        .send(
            Method::POST,
            &format!("{V}/sobjects/Account/{id}?_HttpMethod=PATCH"),
            Some(r#"{"Name":"Acme 3"}"#),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        m.get(&format!("{V}/sobjects/Account/{id}")).await.body["Name"],
        "Acme 3"
    );
    assert_eq!(
        m.delete(&format!("{V}/sobjects/Account/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        m.get(&format!("{V}/sobjects/Account/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn upsert_creates_then_updates_and_keeps_one_record() {
    let m = mock();
    let path = format!("{V}/sobjects/Account/ERP_Id__c/Z-9");
    let first = m.patch(&path, json!({"Name": "Zed"})).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(first.body["created"], true);
    let second = m.patch(&path, json!({"Name": "Zed 2"})).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.body["created"], false);
    assert_eq!(second.body["id"], first.body["id"]);
    let q = m
        .get(&format!(
            "{V}/query?q=SELECT+Name+FROM+Account+WHERE+ERP_Id__c='Z-9'"
        ))
        .await;
    assert_eq!(q.body["totalSize"], 1);
    assert_eq!(q.body["records"][0]["Name"], "Zed 2");
    let got = m.get(&path).await;
    assert_eq!(got.body["Name"], "Zed 2");
}

#[tokio::test]
async fn a_body_naming_the_upsert_key_or_the_id_is_refused_and_nothing_is_written() {
    let m = mock();
    let refused = |r: &Reply, field: &str| {
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.body[0]["errorCode"], "INVALID_FIELD");
        assert_eq!(
            r.body[0]["message"],
            format!("The {field} field should not be specified in the sobject data.")
        );
    };
    let new_key = format!("{V}/sobjects/Account/ERP_Id__c/Z-7");
    // On insert and on update, with another value or the URL's own, in any letter case.
    let r = m
        .patch(&new_key, json!({"Name": "Zed", "ERP_Id__c": "Z-8"}))
        .await;
    refused(&r, "ERP_Id__c");
    let r = m
        .patch(&new_key, json!({"Name": "Zed", "erp_id__c": "Z-7"}))
        .await;
    refused(&r, "ERP_Id__c");
    assert_eq!(m.get(&new_key).await.status, StatusCode::NOT_FOUND);
    let existing = format!("{V}/sobjects/Account/ERP_Id__c/A-1000");
    let id = m.get(&existing).await.body["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = m.patch(&existing, json!({"Name": "Other", "Id": id})).await;
    refused(&r, "Id");
    let r = m
        .patch(&existing, json!({"Name": "Other", "ERP_Id__c": "A-2"}))
        .await;
    refused(&r, "ERP_Id__c");
    assert_eq!(m.get(&existing).await.body["Name"], "Falcon Corp");
    // An update by id must not repeat the id in its body either.
    let r = m
        .patch(
            &format!("{V}/sobjects/Account/{id}"),
            json!({"id": id, "Name": "Other"}),
        )
        .await;
    refused(&r, "Id");
    assert_eq!(m.get(&existing).await.body["Name"], "Falcon Corp");
}

#[tokio::test]
async fn upsert_update_before_v46_answers_204() {
    let m = mock();
    let path = "/services/data/v45.0/sobjects/Account/ERP_Id__c/A-1000";
    assert_eq!(
        m.patch(path, json!({"Name": "Falcon"})).await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn upsert_with_update_only_does_not_create() {
    let m = mock();
    let r = m
        .patch(
            &format!("{V}/sobjects/Account/ERP_Id__c/NEW-1?updateOnly=true"),
            json!({"Name": "No"}),
        )
        .await;
    assert!(r.status.is_client_error(), "{:?}", r.status);
    let q = m
        .get(&format!(
            "{V}/query?q=SELECT+Id+FROM+Account+WHERE+ERP_Id__c='NEW-1'"
        ))
        .await;
    assert_eq!(q.body["totalSize"], 0);
}

#[tokio::test]
async fn upsert_matching_several_records_answers_300_with_their_urls() {
    let seed = OrgSeed::from_yaml(
        r#"
objects:
  Account:
    fields:
      Legacy_Key__c: { type: text, externalId: true }
users:
  - { username: admin@multi.example, last_name: Admin, profile: System Administrator }
records:
  - Account: { Name: One, Legacy_Key__c: K-1 }
  - Account: { Name: Two, Legacy_Key__c: K-1 }
"#,
    )
    .unwrap();
    let m = mock_of(Org::new(&seed).unwrap());
    let r = m
        .patch(
            &format!("{V}/sobjects/Account/Legacy_Key__c/K-1"),
            json!({"Name": "Three"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::MULTIPLE_CHOICES);
    let urls = r.body.as_array().unwrap();
    assert_eq!(urls.len(), 2);
    assert!(urls[0]
        .as_str()
        .unwrap()
        .starts_with("/services/data/v59.0/sobjects/Account/001"));
}

#[tokio::test]
async fn a_standard_id_lookup_field_finds_and_upserts_records_as_an_external_id_does() {
    let m = mock();
    // One match: read and updated (200); no match: created (201), found again by any case.
    let maya = format!("{V}/sobjects/Contact/Email/maya.rossi@falcon.example");
    let got = m.get(&format!("{maya}?fields=Id,LastName")).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_eq!(got.body["LastName"], "Rossi");
    let r = m.patch(&maya, json!({"Title": "CTO"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["created"], false);
    assert_eq!(r.body["id"], got.body["Id"]);
    let new = format!("{V}/sobjects/Lead/Email/new.person@x.example");
    let r = m
        .patch(&new, json!({"LastName": "Newbie", "Company": "X"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let again = m
        .get(&format!("{V}/sobjects/Lead/Email/New.Person@X.example"))
        .await;
    assert_eq!(again.body["Id"], r.body["id"]);
    assert_eq!(again.body["Email"], "new.person@x.example");
    // Several matches: 300 with every record's URL, as for an external id.
    m.post(
        &format!("{V}/sobjects/Lead"),
        json!({"LastName": "Twin", "Company": "X", "Email": "new.person@x.example"}),
    )
    .await;
    let r = m.patch(&new, json!({"Company": "Y"})).await;
    assert_eq!(r.status, StatusCode::MULTIPLE_CHOICES, "{}", r.body);
    assert_eq!(r.body.as_array().unwrap().len(), 2);
    // A field that is neither an external id nor idLookup still cannot name a record.
    let r = m.get(&format!("{V}/sobjects/Contact/Title/CTO")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body[0]["message"],
        "Provided external ID field does not exist or is not accessible: Title"
    );
}

#[tokio::test]
async fn post_on_id_creates_like_an_upsert() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/sobjects/Account/Id"),
            json!({"Name": "By Id"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["created"], true);
}

#[tokio::test]
async fn field_rules_answer_with_their_salesforce_codes() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Industry": "Energy"}),
        )
        .await;
    assert_eq!(error_code(&r), "REQUIRED_FIELD_MISSING");
    assert_eq!(r.body[0]["fields"], json!(["Name"]));
    let r = m
        .post(&format!("{V}/sobjects/Contact"), json!({"FirstName": "A"}))
        .await;
    assert_eq!(r.body[0]["fields"], json!(["LastName"]));
    let r = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Name": "x".repeat(256)}),
        )
        .await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::BAD_REQUEST, "STRING_TOO_LONG")
    );
    let r = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Name": "Dup", "ERP_Id__c": "A-1000"}),
        )
        .await;
    assert_eq!(error_code(&r), "DUPLICATE_VALUE");
    let r = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Name": "x", "Naem": "y"}),
        )
        .await;
    assert_eq!(error_code(&r), "INVALID_FIELD");
    let r = m
        .post(&format!("{V}/sobjects/Nope__c"), json!({"Name": "x"}))
        .await;
    assert_eq!(
        (r.status, error_code(&r)),
        (StatusCode::NOT_FOUND, "NOT_FOUND")
    );
}

#[tokio::test]
async fn describe_global_object_and_basic_info() {
    let m = mock();
    let g = m.get(&format!("{V}/sobjects")).await;
    assert_eq!(g.body["encoding"], "UTF-8");
    assert!(g.body["sobjects"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["name"] == "Account"));
    let d = m.get(&format!("{V}/sobjects/Account/describe")).await;
    assert!(d.body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "ERP_Id__c"));
    let b = m.get(&format!("{V}/sobjects/account")).await;
    assert_eq!(b.body["objectDescribe"]["name"], "Account");
    assert_eq!(
        m.get(&format!("{V}/sobjects/Nope/describe")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_users_password_is_set_checked_and_reset_through_its_resource() {
    let m = mock();
    let info = m.get("/services/oauth2/userinfo").await;
    let me = info.body["user_id"].as_str().unwrap().to_string();
    let path = format!("{V}/sobjects/User/{me}/password");
    let got = m.get(&path).await;
    assert_eq!(
        (got.status, got.body.clone()),
        (StatusCode::OK, json!({"isExpired": false}))
    );
    let weak = m
        .send(Method::POST, &path, Some(r#"{"NewPassword":"short"}"#), &[])
        .await;
    assert_eq!(
        (weak.status, error_code(&weak)),
        (StatusCode::BAD_REQUEST, "INVALID_NEW_PASSWORD")
    );
    let set = m
        .send(
            Method::POST,
            &path,
            Some(r#"{"NewPassword":"Harbor-2026"}"#),
            &[],
        )
        .await;
    assert_eq!(set.status, StatusCode::NO_CONTENT);
    let stored = m
        .org
        .auth
        .config()
        .users
        .by_id(&me)
        .unwrap()
        .password
        .clone();
    assert_eq!(stored.as_deref(), Some("Harbor-2026"));
    let reset = m.delete(&path).await;
    assert_eq!(reset.status, StatusCode::OK);
    let generated = reset.body["NewPassword"].as_str().unwrap().to_string();
    let stored = m
        .org
        .auth
        .config()
        .users
        .by_id(&me)
        .unwrap()
        .password
        .clone();
    assert_eq!(stored, Some(generated));
    // Any other User path is still an external-id lookup.
    let nobody = m.get(&format!("{V}/sobjects/User/{me}/nothing")).await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
    let ghost = m
        .get(&format!("{V}/sobjects/User/005000000000099AAA/password"))
        .await;
    assert_eq!(ghost.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn if_unmodified_since_guards_an_update_and_leaves_the_record_as_it_was() {
    let m = mock();
    let id = m
        .post(&format!("{V}/sobjects/Account/"), json!({"Name": "Acme"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("{V}/sobjects/Account/{id}");
    let stale = m
        .send(
            Method::PATCH,
            &path,
            Some(r#"{"Description":"lost update"}"#),
            &[("if-unmodified-since", "Sat, 01 Jan 2000 00:00:00 GMT")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(m.get(&path).await.body["Description"], Value::Null);
    let fresh = m
        .send(
            Method::PATCH,
            &path,
            Some(r#"{"Description":"kept"}"#),
            &[("if-unmodified-since", "Fri, 01 Jan 2100 00:00:00 GMT")],
        )
        .await;
    assert_eq!(fresh.status, StatusCode::NO_CONTENT);
    let bad = m
        .send(
            Method::PATCH,
            &path,
            Some(r#"{"Description":"x"}"#),
            &[("if-unmodified-since", "yesterday")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let unchanged = m
        .send(
            Method::GET,
            &path,
            None,
            &[("if-modified-since", "Fri, 01 Jan 2100 00:00:00 GMT")],
        )
        .await;
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
    assert_eq!(unchanged.body, Value::Null);
}

#[tokio::test]
async fn an_account_carries_an_etag_that_if_match_and_if_none_match_compare() {
    let m = mock();
    let id = m
        .post(&format!("{V}/sobjects/Account/"), json!({"Name": "Acme"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("{V}/sobjects/Account/{id}");
    let read = m.get(&path).await;
    let tag = read.headers["etag"].to_str().unwrap().to_string();
    let cached = m
        .send(Method::GET, &path, None, &[("if-none-match", &tag)])
        .await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    let first = m
        .send(
            Method::PATCH,
            &path,
            Some(r#"{"Description":"first writer"}"#),
            &[("if-match", &tag)],
        )
        .await;
    assert_eq!(first.status, StatusCode::NO_CONTENT);
    let new_tag = first.headers["etag"].to_str().unwrap().to_string();
    assert_ne!(new_tag, tag, "the update answers with the record's new tag");
    let second = m
        .send(
            Method::PATCH,
            &path,
            Some(r#"{"Description":"second writer"}"#),
            &[("if-match", &tag)],
        )
        .await;
    assert_eq!(second.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(m.get(&path).await.body["Description"], "first writer");
}

#[tokio::test]
async fn a_conditional_patch_on_a_missing_or_deleted_record_answers_as_a_plain_patch() {
    let m = mock();
    let ghost = format!("{V}/sobjects/Account/0015g000000099zAAA");
    let id = m
        .post(&format!("{V}/sobjects/Account/"), json!({"Name": "Gone"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let deleted = format!("{V}/sobjects/Account/{id}");
    assert_eq!(m.delete(&deleted).await.status, StatusCode::NO_CONTENT);
    let conditions: [&[(&str, &str)]; 5] = [
        &[],
        &[("if-match", "\"x\"")],
        &[("if-match", "*")],
        &[("if-none-match", "\"x\"")],
        &[("if-unmodified-since", "Tue, 23 Mar 2015 00:00:00 GMT")],
    ];
    for extra in conditions {
        for (path, code) in [
            (&ghost, "INVALID_CROSS_REFERENCE_KEY"),
            (&deleted, "ENTITY_IS_DELETED"),
        ] {
            let r = m
                .send(Method::PATCH, path, Some(r#"{"Phone":"1"}"#), extra)
                .await;
            assert_eq!(
                (r.status, error_code(&r)),
                (StatusCode::NOT_FOUND, code),
                "{path} with {extra:?}"
            );
        }
    }
}

#[tokio::test]
async fn decimals_are_rounded_to_their_fields_scale_and_large_ones_read_back_without_an_exponent() {
    let m = mock();
    let id = m
        .post(
            &format!("{V}/sobjects/Account/"),
            json!({"Name": "Big Revenue", "AnnualRevenue": 1234.5}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("{V}/sobjects/Account/{id}");
    // AnnualRevenue is currency(18, 0): no places after the point.
    assert_eq!(m.get(&path).await.body["AnnualRevenue"], json!(1235.0));
    let r = m
        .send(
            Method::PATCH,
            &path,
            Some(r#"{"AnnualRevenue":123456789012345678}"#),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    let read = m.get(&path).await.body["AnnualRevenue"].to_string();
    assert_eq!(
        read, "123456789012345680",
        "every digit an f64 holds, no exponent"
    );
    let q = m
        .get(&format!(
            "{V}/query?q=SELECT+AnnualRevenue+FROM+Account+WHERE+AnnualRevenue+%3E+100000000000000000"
        ))
        .await;
    assert_eq!(q.body["records"][0]["AnnualRevenue"].to_string(), read);
    // Amount is currency(18, 2): 1.23999 is kept, and summed, as 1.24.
    let opportunity = m
        .post(
            &format!("{V}/sobjects/Opportunity"),
            json!({"Name": "Rounded", "StageName": "Prospecting", "CloseDate": "2026-12-01", "Amount": 1.23999}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let read = m
        .get(&format!("{V}/sobjects/Opportunity/{opportunity}"))
        .await;
    assert_eq!(read.body["Amount"], json!(1.24));
    let sum = m
        .get(&format!(
            "{V}/query?q=SELECT+SUM(Amount)+total+FROM+Opportunity+WHERE+Id+%3D+'{opportunity}'"
        ))
        .await;
    assert_eq!(sum.body["records"][0]["total"], json!(1.24));
}

#[tokio::test]
async fn describe_global_answers_304_when_nothing_changed_since_the_date() {
    let m = mock();
    let r = m
        .send(
            Method::GET,
            &format!("{V}/sobjects"),
            None,
            &[("if-modified-since", "Fri, 01 Jan 2100 00:00:00 GMT")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    let old = m
        .send(
            Method::GET,
            &format!("{V}/sobjects"),
            None,
            &[("if-modified-since", "Mon, 01 Jan 2001 00:00:00 GMT")],
        )
        .await;
    assert_eq!(old.status, StatusCode::OK);
}

#[tokio::test]
async fn basic_info_lists_the_callers_recent_records_of_that_object() {
    let m = mock();
    let id = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Name": "Recent Co"}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    m.post(
        &format!("{V}/sobjects/Contact"),
        json!({"LastName": "Elsewhere"}),
    )
    .await;
    let r = m.get(&format!("{V}/sobjects/Account")).await;
    assert_eq!(r.status, StatusCode::OK);
    let items = r.body["recentItems"].as_array().unwrap();
    assert_eq!(items[0]["Id"], id.as_str());
    assert_eq!(items[0]["Name"], "Recent Co");
    assert!(
        items.iter().all(|i| i["attributes"]["type"] == "Account"),
        "{items:?}"
    );
}

#[tokio::test]
async fn the_organization_is_never_created_or_deleted_and_users_are_not_deleted() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/sobjects/Organization"),
            json!({"Name": "Second"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body[0]["errorCode"], "INVALID_TYPE_FOR_OPERATION");
    assert_eq!(
        r.body[0]["message"],
        "entity type cannot be inserted: Organization"
    );
    let q = m
        .get(&format!("{V}/query?q=SELECT+Id+FROM+Organization"))
        .await;
    assert_eq!(q.body["totalSize"], 1);
    let org_id = q.body["records"][0]["Id"].as_str().unwrap().to_string();
    let r = m
        .delete(&format!("{V}/sobjects/Organization/{org_id}"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body[0]["errorCode"], "INVALID_TYPE_FOR_OPERATION");
    let u = m
        .get(&format!("{V}/query?q=SELECT+Id+FROM+User+LIMIT+1"))
        .await;
    let user = u.body["records"][0]["Id"].as_str().unwrap().to_string();
    let r = m.delete(&format!("{V}/sobjects/User/{user}")).await;
    assert_eq!(r.body[0]["message"], "entity type cannot be deleted: User");
}

#[tokio::test]
async fn every_url_describe_lists_is_served_or_named_as_one_the_mock_does_not_serve() {
    let m = mock();
    let describe = m.get(&format!("{V}/sobjects/Account/describe")).await;
    assert_eq!(describe.status, StatusCode::OK);
    let urls = describe.body["urls"].as_object().unwrap();
    assert!(urls.contains_key("defaultValues"), "{urls:?}");
    for (name, url) in urls {
        let url = url.as_str().unwrap();
        if url.contains("{ID}") {
            continue; // a template, not a resource
        }
        // `defaultValues?recordTypeId&fields` names its parameters, not a query string.
        let path = url.split('?').next().unwrap();
        let r = m.get(path).await;
        if r.status == StatusCode::OK {
            continue;
        }
        let message = r.body[0]["message"].as_str().unwrap_or_default();
        let rest = path.split("/sobjects/").nth(1).unwrap();
        assert!(
            r.status == StatusCode::NOT_FOUND
                && message.starts_with(&format!(
                    "sflab's mock org does not serve /sobjects/{rest};"
                )),
            "{name} ({path}): {} {message}",
            r.status
        );
    }
}

#[tokio::test]
async fn a_standard_object_the_mock_does_not_model_is_named_as_such_in_the_404() {
    let m = mock();
    let r = m
        .post(&format!("{V}/sobjects/Campaign"), json!({"Name": "Spring"}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(r.body[0]["errorCode"], "NOT_FOUND");
    assert_eq!(
        r.body[0]["message"],
        "The requested resource does not exist. Campaign is a standard object on a real org, but sflab's mock org does not model it."
    );
    let r = m.get(&format!("{V}/sobjects/event/describe")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert!(r.body[0]["message"]
        .as_str()
        .unwrap()
        .contains("Event is a standard object on a real org"));
    // A name no real org has keeps the real org's words alone.
    let r = m
        .post(&format!("{V}/sobjects/Bogus"), json!({"Name": "x"}))
        .await;
    assert_eq!(
        r.body[0]["message"],
        "The requested resource does not exist"
    );
}
