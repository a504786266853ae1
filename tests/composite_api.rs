//! The composite family of the mock org, resource by resource and error by error, through
//! the org's whole HTTP surface with `oneshot`.

mod http_harness;

use axum::http::{Method, StatusCode};
use http_harness::{mock, Mock, V};
use serde_json::{json, Value};

fn create_account(reference: &str, name: &str) -> Value {
    json!({"method":"POST","url":format!("{V}/sobjects/Account"),"referenceId":reference,"body":{"Name":name}})
}

#[tokio::test]
async fn composite_creates_account_and_contact_linked_by_reference() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/composite"),
            json!({"allOrNone": true, "compositeRequest": [
                create_account("refAccount", "Composite Co"),
                {"method":"POST","url":format!("{V}/sobjects/Contact"),"referenceId":"refContact",
                 "body":{"LastName":"Linked","AccountId":"@{refAccount.id}"}},
                {"method":"GET","url":format!("{V}/sobjects/Contact/@{{refContact.id}}?fields=AccountId"),"referenceId":"readBack"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let results = r.body["compositeResponse"].as_array().unwrap();
    assert_eq!(results[0]["httpStatusCode"], 201);
    assert_eq!(results[0]["referenceId"], "refAccount");
    let account_id = results[0]["body"]["id"].as_str().unwrap();
    assert!(results[0]["httpHeaders"]["Location"]
        .as_str()
        .unwrap()
        .ends_with(account_id));
    assert_eq!(results[2]["body"]["AccountId"], json!(account_id));
}

#[tokio::test]
async fn composite_all_or_none_failure_rolls_back_with_processing_halted() {
    let m = mock();
    let before = m.count("Account").await;
    let r = m
        .post(
            &format!("{V}/composite"),
            json!({"allOrNone": true, "compositeRequest": [
                create_account("first", "Kept?"),
                {"method":"POST","url":format!("{V}/sobjects/Account"),"referenceId":"bad","body":{"Industry":"None"}},
                create_account("third", "After")
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let results = r.body["compositeResponse"].as_array().unwrap();
    assert_eq!(results[1]["httpStatusCode"], 400);
    assert_eq!(results[1]["body"][0]["errorCode"], "REQUIRED_FIELD_MISSING");
    for i in [0, 2] {
        assert_eq!(results[i]["httpStatusCode"], 400);
        assert_eq!(results[i]["body"][0]["errorCode"], "PROCESSING_HALTED");
    }
    assert_eq!(m.count("Account").await, before);
}

#[tokio::test]
async fn an_all_or_none_composite_overrides_a_collections_subrequest_and_rolls_everything_back() {
    let m = mock();
    let before = m.count("Account").await;
    let r = m
        .post(
            &format!("{V}/composite"),
            json!({"allOrNone": true, "compositeRequest": [
                create_account("first", "Before The Collection"),
                {"method":"POST","url":format!("{V}/composite/sobjects"),"referenceId":"many",
                 "body":{"allOrNone": false, "records":[
                    {"attributes":{"type":"Account"},"Name":"Good Row"},
                    {"attributes":{"type":"Account"},"Bogus__c":"x"}]}},
                {"method":"POST","url":format!("{V}/sobjects/Contact"),"referenceId":"after",
                 "body":{"LastName":"After","AccountId":"@{many[0].id}"}}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let results = r.body["compositeResponse"].as_array().unwrap();
    // The collection's own answer is kept: the bad row's error, the good row rolled back.
    let rows = results[1]["body"].as_array().unwrap();
    assert_eq!(
        rows[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(rows[1]["errors"][0]["statusCode"], "INVALID_FIELD");
    for i in [0, 2] {
        assert_eq!(
            results[i]["body"][0]["errorCode"], "PROCESSING_HALTED",
            "{i}"
        );
    }
    assert_eq!(m.count("Account").await, before);
}

#[tokio::test]
async fn composite_without_all_or_none_keeps_successes() {
    let m = mock();
    let before = m.count("Account").await;
    let r = m
        .post(
            &format!("{V}/composite"),
            json!({"compositeRequest": [
                create_account("first", "Kept"),
                {"method":"POST","url":format!("{V}/sobjects/Account"),"referenceId":"bad","body":{}},
                {"method":"GET","url":format!("{V}/sobjects/Account/@{{bad.id}}"),"referenceId":"dependent"}
            ]}),
        )
        .await;
    let results = r.body["compositeResponse"].as_array().unwrap();
    assert_eq!(results[0]["httpStatusCode"], 201);
    assert_eq!(results[2]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(m.count("Account").await, before + 1);
}

#[tokio::test]
async fn composite_array_reference_reads_an_element() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/composite"),
            json!({"compositeRequest": [
                {"method":"GET","url":format!("{V}/sobjects/Account/describe"),"referenceId":"d"},
                {"method":"GET","url":format!("{V}/sobjects/@{{d.name}}/describe"),"referenceId":"again"}
            ]}),
        )
        .await;
    let results = r.body["compositeResponse"].as_array().unwrap();
    assert_eq!(results[1]["httpStatusCode"], 200, "{}", r.text);
    assert_eq!(results[1]["body"]["name"], "Account");
    let first_field = results[0]["body"]["fields"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let r2 = m
        .post(
            &format!("{V}/composite"),
            json!({"compositeRequest": [
                {"method":"GET","url":format!("{V}/sobjects/Account/describe"),"referenceId":"d"},
                create_account("a", "@{d.fields[0].name}")
            ]}),
        )
        .await;
    let id = r2.body["compositeResponse"][1]["body"]["id"]
        .as_str()
        .unwrap();
    let name = m
        .org
        .store
        .read()
        .retrieve("Account", id, Some(&["Name"]), "62.0")
        .unwrap();
    assert_eq!(name["Name"], json!(first_field));
}

#[tokio::test]
async fn composite_over_25_subrequests_is_refused() {
    let m = mock();
    let subs: Vec<Value> = (0..26)
        .map(|i| create_account(&format!("r{i}"), "x"))
        .collect();
    let r = m
        .post(&format!("{V}/composite"), json!({"compositeRequest": subs}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body[0]["message"]
        .as_str()
        .unwrap()
        .contains("at most 25"));
}

#[tokio::test]
async fn a_subrequest_without_its_reference_id_is_a_parser_error_in_plain_words() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/composite"),
            json!({"compositeRequest": [{"method": "GET", "url": format!("{V}/limits")}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body[0]["errorCode"], "JSON_PARSER_ERROR");
    let message = r.body[0]["message"].as_str().unwrap();
    assert!(
        message.contains("Missing required field 'referenceId' at [line:1, column:")
            && !message.contains('`'),
        "{message}"
    );
}

#[tokio::test]
async fn composite_counts_once_against_the_api_allocation() {
    let m = mock();
    let first = m.get(&format!("{V}/limits")).await;
    let subs: Vec<Value> = (0..5)
        .map(|i| create_account(&format!("r{i}"), "Counted"))
        .collect();
    let r = m
        .post(&format!("{V}/composite"), json!({"compositeRequest": subs}))
        .await;
    assert_eq!(Mock::usage(&r), Mock::usage(&first) + 1);
}

#[tokio::test]
async fn batch_counts_each_subrequest_against_the_api_allocation() {
    let m = mock();
    let first = m.get(&format!("{V}/limits")).await;
    let subs: Vec<Value> = (0..10)
        .map(|_| json!({"method": "GET", "url": "v62.0/limits"}))
        .collect();
    let r = m
        .post(
            &format!("{V}/composite/batch"),
            json!({"batchRequests": subs}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(Mock::usage(&r), Mock::usage(&first) + 10);
    let after = m.get(&format!("{V}/limits")).await;
    assert_eq!(Mock::usage(&after), Mock::usage(&first) + 11);
}

#[tokio::test]
async fn a_reference_to_a_value_the_earlier_response_lacks_halts_with_processing_halted() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/composite"),
            json!({"compositeRequest": [
                {"method":"GET","referenceId":"q",
                 "url":format!("{V}/query?q=SELECT+Id+FROM+Account+WHERE+Name='nobody'")},
                {"method":"POST","url":format!("{V}/sobjects/Contact"),"referenceId":"c",
                 "body":{"LastName":"X","AccountId":"@{q.records[0].Id}"}},
                create_account("made", "Deleted Soon"),
                {"method":"DELETE","url":format!("{V}/sobjects/Account/@{{made.id}}"),"referenceId":"del"},
                {"method":"GET","url":format!("{V}/sobjects/Account/@{{del.id}}"),"referenceId":"after"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let results = r.body["compositeResponse"].as_array().unwrap();
    assert_eq!(results[0]["httpStatusCode"], 200);
    for (i, text) in [
        (1, "No value for q.records[0].Id found in q."),
        (4, "No value for del.id found in del."),
    ] {
        assert_eq!(results[i]["httpStatusCode"], 400, "{}", results[i]);
        assert_eq!(results[i]["body"][0]["errorCode"], "PROCESSING_HALTED");
        let message = results[i]["body"][0]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("Invalid reference specified. {text}")),
            "{message}"
        );
    }
}

#[tokio::test]
async fn a_batch_subrequest_outside_34_to_the_batchs_version_is_refused_alone() {
    let m = mock();
    let r = m
        .post(
            "/services/data/v58.0/composite/batch",
            json!({"batchRequests": [
                {"method":"GET","url":"v62.0/limits"},
                {"method":"GET","url":"v33.0/limits"},
                {"method":"GET","url":"v58.0/limits"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["hasErrors"], true);
    for i in [0, 1] {
        assert_eq!(r.body["results"][i]["statusCode"], 400);
        assert_eq!(
            r.body["results"][i]["result"][0]["errorCode"],
            "INVALID_BATCH_REQUEST"
        );
    }
    assert_eq!(r.body["results"][2]["statusCode"], 200);
}

#[tokio::test]
async fn batch_halts_after_an_error_with_412() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/composite/batch"),
            json!({"haltOnError": true, "batchRequests": [
                {"method":"GET","url":"v62.0/sobjects/Account/describe"},
                {"method":"GET","url":"v62.0/sobjects/Nope__c/describe"},
                {"method":"GET","url":"v62.0/sobjects/Account/describe"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["hasErrors"], true);
    assert_eq!(r.body["results"][0]["statusCode"], 200);
    assert_eq!(r.body["results"][1]["statusCode"], 404);
    assert_eq!(r.body["results"][2]["statusCode"], 412);
    assert_eq!(
        r.body["results"][2]["result"][0]["errorCode"],
        "BATCH_PROCESSING_HALTED"
    );
}

#[tokio::test]
async fn batch_without_halt_runs_everything() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/composite/batch"),
            json!({"batchRequests": [
                {"method":"GET","url":"v62.0/sobjects/Nope__c/describe"},
                {"method":"POST","url":"v62.0/sobjects/Account","richInput":{"Name":"Batch Co"}}
            ]}),
        )
        .await;
    assert_eq!(r.body["results"][1]["statusCode"], 201);
    assert_eq!(r.body["results"][1]["result"]["success"], true);
}

#[tokio::test]
async fn tree_creates_nested_records_and_reports_reference_ids() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/composite/tree/Account"),
            json!({"records":[{"attributes":{"type":"Account","referenceId":"ref1"},"Name":"Tree",
                "Contacts":{"records":[{"attributes":{"type":"Contact","referenceId":"ref2"},"LastName":"Leaf"}]}}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["hasErrors"], false);
    assert_eq!(r.body["results"][1]["referenceId"], "ref2");
    let bad = m
        .post(
            &format!("{V}/composite/tree/Account"),
            json!({"records":[{"attributes":{"type":"Account","referenceId":"x"}}]}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.body["results"][0]["errors"][0]["statusCode"],
        "REQUIRED_FIELD_MISSING"
    );
}

#[tokio::test]
async fn tree_names_the_expected_object_with_its_article() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/composite/tree/Account"),
            json!({"records":[{"attributes":{"type":"Contact","referenceId":"c1"},"LastName":"Misplaced"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text.contains(
            "Record 'c1' says it is a Contact, but at this place in the tree it must be an Account."
        ),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn a_tree_record_without_its_type_or_with_a_malformed_reference_id_is_refused() {
    let m = mock();
    let tree = format!("{V}/composite/tree/Account");
    let untyped = m
        .post(
            &tree,
            json!({"records":[{"attributes":{"referenceId":"acct1"},"Name":"No Type"}]}),
        )
        .await;
    assert_eq!(untyped.status, StatusCode::BAD_REQUEST);
    assert!(
        untyped
            .text
            .contains("Record 'acct1' needs attributes.type, the object it is (Account"),
        "{}",
        untyped.text
    );
    for bad in ["ref-2", "_u2"] {
        let r = m
            .post(
                &tree,
                json!({"records":[{"attributes":{"type":"Account","referenceId":bad},"Name":"X"}]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            r.text
                .contains(&format!("The referenceId '{bad}' is not valid")),
            "{}",
            r.text
        );
    }
    // Nothing was created by the refused trees.
    let q = m
        .get(&format!(
            "{V}/query?q=SELECT+Id+FROM+Account+WHERE+Name+IN+('No+Type','X')"
        ))
        .await;
    assert_eq!(q.body["totalSize"], 0, "{}", q.text);
}

#[tokio::test]
async fn a_collections_upsert_by_a_field_that_is_no_key_is_refused_whole_as_an_unknown_one_is() {
    let m = mock();
    let body = json!({"records":[{"attributes":{"type":"Account"},"Name":"x"}]});
    for field in ["Industry", "Nope__c"] {
        let r = m
            .json(
                Method::PATCH,
                &format!("{V}/composite/sobjects/Account/{field}"),
                body.clone(),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{field}: {}", r.text);
        assert_eq!(r.body[0]["errorCode"], "NOT_FOUND", "{}", r.text);
        assert!(
            r.text.contains(&format!(
                "Provided external ID field does not exist or is not accessible: {field}"
            )),
            "{}",
            r.text
        );
    }
}

#[tokio::test]
async fn a_collections_upsert_by_a_standard_id_lookup_field_updates_one_match_creates_on_none() {
    let m = mock();
    // Contact.Email is idLookup: matched whatever its case; Account.Name likewise.
    let r = m
        .json(
            Method::PATCH,
            &format!("{V}/composite/sobjects/Contact/Email"),
            json!({"allOrNone": false, "records": [
                {"attributes":{"type":"Contact"},"Email":"MAYA.ROSSI@falcon.example","Title":"CTO"},
                {"attributes":{"type":"Contact"},"Email":"new.one@x.example","LastName":"New"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body[0]["success"], true, "{}", r.text);
    assert_eq!(r.body[0]["created"], false, "{}", r.text);
    assert_eq!(r.body[1]["created"], true, "{}", r.text);
    let q = m
        .get(&format!(
            "{V}/query?q=SELECT+Title+FROM+Contact+WHERE+Email='maya.rossi@falcon.example'"
        ))
        .await;
    assert_eq!(q.body["records"][0]["Title"], "CTO", "{}", q.text);
    // Two Accounts of one name: that row fails as a duplicate, the other is created.
    m.post(
        &format!("{V}/sobjects/Account"),
        json!({"Name":"Falcon Corp"}),
    )
    .await;
    let r = m
        .json(
            Method::PATCH,
            &format!("{V}/composite/sobjects/Account/Name"),
            json!({"records": [
                {"attributes":{"type":"Account"},"Name":"falcon corp","Phone":"1"},
                {"attributes":{"type":"Account"},"Name":"Brand New Co"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body[0]["errors"][0]["statusCode"], "DUPLICATE_EXTERNAL_ID",
        "{}",
        r.text
    );
    assert_eq!(r.body[1]["created"], true, "{}", r.text);
}

#[tokio::test]
async fn collections_create_update_upsert_retrieve_delete() {
    let m = mock();
    let created = m
        .post(
            &format!("{V}/composite/sobjects"),
            json!({"allOrNone": false, "records": [
                {"attributes":{"type":"Account"},"Name":"C1"},
                {"attributes":{"type":"Account"}}
            ]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK);
    assert_eq!(created.body[0]["success"], true);
    assert_eq!(
        created.body[1]["errors"][0]["statusCode"],
        "REQUIRED_FIELD_MISSING"
    );
    let id = created.body[0]["id"].as_str().unwrap().to_string();

    let updated = m
        .json(
            Method::PATCH,
            &format!("{V}/composite/sobjects"),
            json!({"records": [{"attributes":{"type":"Account"},"id": id, "Phone":"42"}]}),
        )
        .await;
    assert_eq!(updated.body[0]["success"], true);

    let upserted = m
        .json(
            Method::PATCH,
            &format!("{V}/composite/sobjects/Account/ERP_Id__c"),
            json!({"allOrNone": true, "records": [
                {"attributes":{"type":"Account"},"Name":"U1","ERP_Id__c":"U-1"},
                {"attributes":{"type":"Account"},"Name":"Falcon","ERP_Id__c":"A-1000"}
            ]}),
        )
        .await;
    assert_eq!(upserted.body[0]["created"], true);
    assert_eq!(upserted.body[1]["created"], false);

    let got = m
        .get(&format!(
            "{V}/composite/sobjects/Account?ids={id},001000000000000AAA&fields=Name,Phone"
        ))
        .await;
    assert_eq!(got.body[0]["Phone"], "42");
    assert_eq!(got.body[1], Value::Null);
    let got_post = m
        .post(
            &format!("{V}/composite/sobjects/Account"),
            json!({"ids":[id], "fields":["Name"]}),
        )
        .await;
    assert_eq!(got_post.body[0]["Name"], "C1");

    let deleted = m
        .send(
            Method::DELETE,
            &format!("{V}/composite/sobjects?ids={id}&allOrNone=true"),
            None,
        )
        .await;
    assert_eq!(deleted.body[0]["success"], true);
    assert_eq!(deleted.body[0]["id"], json!(id));
}

#[tokio::test]
async fn collections_all_or_none_reports_rolled_back_records() {
    let m = mock();
    let before = m.count("Account").await;
    let r = m
        .post(
            &format!("{V}/composite/sobjects"),
            json!({"allOrNone": true, "records": [
                {"attributes":{"type":"Account"},"Name":"Good"},
                {"attributes":{"type":"Account"},"Name":"Bad","AnnualRevenue":"lots"}
            ]}),
        )
        .await;
    assert_eq!(r.body[0]["success"], false);
    assert_eq!(
        r.body[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_ne!(
        r.body[1]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(m.count("Account").await, before);
}

#[tokio::test]
async fn collections_over_200_records_are_refused() {
    let m = mock();
    let recs: Vec<Value> = (0..201)
        .map(|i| json!({"attributes":{"type":"Account"},"Name": format!("n{i}")}))
        .collect();
    let r = m
        .post(&format!("{V}/composite/sobjects"), json!({"records": recs}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // The code clients split on (jsforce passes it on as the error's name).
    assert_eq!(r.body[0]["errorCode"], "EXCEEDED_ID_LIMIT");
    assert!(r.body[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("record limit reached. cannot submit more than 200 records"));
}

#[tokio::test]
async fn collections_retrieve_names_at_most_800_ids_by_get_and_2000_by_post() {
    let m = mock();
    let ids =
        |n: usize| -> Vec<String> { (0..n).map(|i| format!("001000000000{i:03}AAA")).collect() };
    let get = |n: usize| {
        format!(
            "{V}/composite/sobjects/Account?fields=Name&ids={}",
            ids(n).join(",")
        )
    };
    assert_eq!(m.get(&get(800)).await.status, StatusCode::OK);
    let r = m.get(&get(801)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body[0]["errorCode"], "EXCEEDED_ID_LIMIT");
    assert!(
        r.body[0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 800"),
        "{}",
        r.body
    );
    let post = |n: usize| json!({"ids": ids(n), "fields": ["Name"]});
    let url = format!("{V}/composite/sobjects/Account");
    assert_eq!(m.post(&url, post(2000)).await.status, StatusCode::OK);
    let r = m.post(&url, post(2001)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body[0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 2000"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn a_subrequest_may_not_set_the_headers_it_inherits() {
    let m = mock();
    let before = m.count("Account").await;
    for header in ["Authorization", "content-type", "Accept"] {
        let mut sub = create_account("a", "Header Test");
        sub["httpHeaders"] = json!({ header: "x" });
        let r = m
            .post(
                &format!("{V}/composite"),
                json!({"compositeRequest": [sub.clone()]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{header}: {}", r.body);
        assert!(
            r.body[0]["message"].as_str().unwrap().contains("inherit"),
            "{}",
            r.body
        );
        let graph = json!({"graphs": [{"graphId": "g", "compositeRequest": [sub]}]});
        let r = m.post(&format!("{V}/composite/graph"), graph).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "graph {header}: {}",
            r.body
        );
    }
    assert_eq!(m.count("Account").await, before, "nothing ran");
    let mut sub = create_account("a", "Header Test");
    sub["httpHeaders"] = json!({"Sforce-Auto-Assign": "FALSE"});
    let r = m
        .post(
            &format!("{V}/composite"),
            json!({"compositeRequest": [sub]}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "other headers are fine: {}",
        r.body
    );
}

#[tokio::test]
async fn graph_limits_refuse_deep_chains_and_collection_nodes() {
    let m = mock();
    let before = m.count("Contact").await;
    let chain = |n: usize| -> Vec<serde_json::Value> {
        (0..n)
            .map(|i| {
                let mut body = json!({"LastName": format!("Chain {i}")});
                if i > 0 {
                    body["ReportsToId"] = json!(format!("@{{c{}.id}}", i - 1));
                }
                json!({"method":"POST","url":format!("{V}/sobjects/Contact"),"referenceId":format!("c{i}"),"body":body})
            })
            .collect()
    };
    let deep = m
        .post(
            &format!("{V}/composite/graph"),
            json!({"graphs": [{"graphId":"deep","compositeRequest": chain(16)}]}),
        )
        .await;
    assert_eq!(deep.status, StatusCode::BAD_REQUEST, "{}", deep.text);
    assert_eq!(deep.body[0]["errorCode"], "LIMIT_EXCEEDED");
    assert!(deep.body[0]["message"]
        .as_str()
        .unwrap_or("")
        .contains("15 levels"));
    assert_eq!(m.count("Contact").await, before);
    let ok = m
        .post(
            &format!("{V}/composite/graph"),
            json!({"graphs": [{"graphId":"fifteen","compositeRequest": chain(15)}]}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.body["graphs"][0]["isSuccessful"], true, "{}", ok.text);
    assert_eq!(m.count("Contact").await, before + 15);
    let collections = m
        .post(
            &format!("{V}/composite/graph"),
            json!({"graphs": [{"graphId":"coll","compositeRequest": [
                {"method":"POST","url":format!("{V}/composite/sobjects"),"referenceId":"all",
                 "body":{"records":[{"attributes":{"type":"Account"},"Name":"N"}]}}]}]}),
        )
        .await;
    assert_eq!(
        collections.status,
        StatusCode::BAD_REQUEST,
        "{}",
        collections.text
    );
    assert_eq!(collections.body[0]["errorCode"], "INVALID_INPUT");
}

#[tokio::test]
async fn graph_runs_each_graph_all_or_nothing() {
    let m = mock();
    let before = m.count("Account").await;
    let r = m
        .post(
            &format!("{V}/composite/graph"),
            json!({"graphs": [
                {"graphId":"ok","compositeRequest":[create_account("a", "Graph A"),
                    {"method":"POST","url":format!("{V}/sobjects/Contact"),"referenceId":"c","body":{"LastName":"G","AccountId":"@{a.id}"}}]},
                {"graphId":"fails","compositeRequest":[create_account("b", "Graph B"),
                    {"method":"POST","url":format!("{V}/sobjects/Account"),"referenceId":"x","body":{}}]}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["graphs"][0]["isSuccessful"], true);
    assert_eq!(r.body["graphs"][1]["isSuccessful"], false);
    assert_eq!(m.count("Account").await, before + 1);
}

#[tokio::test]
async fn composite_resources_are_listed() {
    let m = mock();
    let r = m.get(&format!("{V}/composite")).await;
    assert_eq!(r.body["batch"], format!("{V}/composite/batch"));
    assert_eq!(r.body["graph"], format!("{V}/composite/graph"));
    // A version lists only what it serves: collections from v42.0, graph from v50.0.
    let listed = |body: &Value| {
        let mut keys: Vec<String> = body.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    let r = m.get("/services/data/v41.0/composite").await;
    assert_eq!(listed(&r.body), ["batch", "tree"]);
    let r = m.get("/services/data/v49.0/composite").await;
    assert_eq!(listed(&r.body), ["batch", "sobjects", "tree"]);
    assert_eq!(
        r.body["sobjects"],
        "/services/data/v49.0/composite/sobjects"
    );
}

#[tokio::test]
async fn collections_fail_every_record_that_repeats_a_key_of_the_call() {
    let m = mock();
    let before = m.count("Account").await;
    let upsert = format!("{V}/composite/sobjects/Account/ERP_Id__c");
    let r = m
        .json(
            Method::PATCH,
            &upsert,
            json!({"records": [
                {"attributes":{"type":"Account"},"Name":"R1","ERP_Id__c":"R-1"},
                {"attributes":{"type":"Account"},"Name":"Solo","ERP_Id__c":"R-2"},
                {"attributes":{"type":"Account"},"Name":"R1 again","ERP_Id__c":"r-1"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body[0],
        json!({"success": false, "errors": [{"statusCode": "DUPLICATE_VALUE",
            "message": "Duplicate external id specified: R-1", "fields": ["ERP_Id__c"]}],
            "created": true})
    );
    assert_eq!(r.body[1]["success"], true);
    assert_eq!(
        r.body[2]["errors"][0]["message"],
        "Duplicate external id specified: r-1"
    );
    assert_eq!(m.count("Account").await, before + 1);

    let all_or_none = m
        .json(
            Method::PATCH,
            &upsert,
            json!({"allOrNone": true, "records": [
                {"attributes":{"type":"Account"},"Name":"R3","ERP_Id__c":"R-3"},
                {"attributes":{"type":"Account"},"Name":"R4","ERP_Id__c":"R-4"},
                {"attributes":{"type":"Account"},"Name":"R3 again","ERP_Id__c":"R-3"}
            ]}),
        )
        .await;
    assert_eq!(
        all_or_none.body[1]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(
        all_or_none.body[2]["errors"][0]["statusCode"],
        "DUPLICATE_VALUE"
    );
    assert_eq!(m.count("Account").await, before + 1, "the call rolled back");

    let falcon = m
        .org
        .store
        .read()
        .find_by_external("Account", "ERP_Id__c", "A-1000")
        .unwrap()[0]
        .to_string();
    let short = &falcon[..15];
    let updated = m
        .json(
            Method::PATCH,
            &format!("{V}/composite/sobjects"),
            json!({"records": [
                {"attributes":{"type":"Account"},"id": falcon, "Phone":"111"},
                {"attributes":{"type":"Account"},"id": short, "Phone":"222"}
            ]}),
        )
        .await;
    assert_eq!(
        updated.body[0],
        json!({"success": false, "errors": [{"statusCode": "DUPLICATE_VALUE",
            "message": format!("Duplicate id specified: {falcon}"), "fields": []}]})
    );
    assert_eq!(
        updated.body[1]["errors"][0]["message"],
        format!("Duplicate id specified: {short}")
    );
    let phone = m
        .get(&format!("{V}/sobjects/Account/{falcon}?fields=Phone"))
        .await;
    assert_ne!(phone.body["Phone"], "111");
    assert_ne!(phone.body["Phone"], "222");
}

#[tokio::test]
async fn a_bare_array_body_is_refused_with_the_shape_the_resource_takes() {
    let m = mock();
    let records = json!([{"attributes": {"type": "Account"}, "Name": "bare"}]);
    let r = m.post(&format!("{V}/composite/sobjects"), records).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body[0]["errorCode"], "JSON_PARSER_ERROR");
    let message = r.body[0]["message"].as_str().unwrap();
    assert!(message.contains("\"records\""), "{message}");
    assert!(!message.contains("boolean"), "{message}");
    // Read field by field in order, `[false, [...]]` would have created a record.
    let r = m
        .post(
            &format!("{V}/composite/sobjects"),
            json!([false, [{"attributes": {"type": "Account"}, "Name": "tuple"}]]),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    for (path, key) in [
        ("composite", "compositeRequest"),
        ("composite/batch", "batchRequests"),
        ("composite/graph", "graphs"),
    ] {
        let r = m.post(&format!("{V}/{path}"), json!([])).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}");
        let message = r.body[0]["message"].as_str().unwrap();
        assert!(
            message.contains(key) && !message.contains("struct"),
            "{path}: {message}"
        );
    }
    let q = m
        .get(&format!(
            "{V}/query?q=SELECT+Id+FROM+Account+WHERE+Name+IN+('bare','tuple')"
        ))
        .await;
    assert_eq!(q.body["totalSize"], 0);
}

#[tokio::test]
async fn collections_and_graph_are_unknown_before_the_versions_that_introduced_them() {
    let m = mock();
    let graph = json!({"graphs": [{"graphId": "g1", "compositeRequest": [
        {"method": "POST", "url": "/services/data/v49.0/sobjects/Account", "referenceId": "a", "body": {"Name": "G49"}}
    ]}]});
    let r = m.post("/services/data/v49.0/composite/graph", graph).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body[0]["errorCode"], "NOT_FOUND");
    let records = json!({"records": [{"attributes": {"type": "Account"}, "Name": "C41"}]});
    let r = m
        .post("/services/data/v41.0/composite/sobjects", records.clone())
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = m
        .post("/services/data/v42.0/composite/sobjects", records)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let q = m
        .get(&format!(
            "{V}/query?q=SELECT+Name+FROM+Account+WHERE+Name+IN+('G49','C41')"
        ))
        .await;
    assert_eq!(
        q.body["totalSize"], 1,
        "only the v42 call created its record"
    );
    // Upsert came to collections later, in v46.0.
    let upsert = json!({"records": [{"attributes": {"type": "Account"}, "ERP_Id__c": "U-45", "Name": "U45"}]});
    let r = m
        .json(
            Method::PATCH,
            "/services/data/v45.0/composite/sobjects/Account/ERP_Id__c",
            upsert.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = m
        .json(
            Method::PATCH,
            "/services/data/v46.0/composite/sobjects/Account/ERP_Id__c",
            upsert,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body[0]["created"], true);
}

#[tokio::test]
async fn a_collection_body_without_its_records_array_is_refused_and_saves_nothing() {
    let m = mock();
    let before = m.count("Account").await;
    let account =
        json!({"attributes": {"type": "Account"}, "Name": "Typo Records", "ERP_Id__c": "T-1"});
    for (method, path, body) in [
        (
            Method::POST,
            format!("{V}/composite/sobjects"),
            json!({"allOrNone": true, "record": [account]}),
        ),
        (
            Method::POST,
            format!("{V}/composite/sobjects"),
            json!({"Records": [account]}),
        ),
        (Method::POST, format!("{V}/composite/sobjects"), json!({})),
        (
            Method::PATCH,
            format!("{V}/composite/sobjects"),
            json!({"record": [account]}),
        ),
        (
            Method::PATCH,
            format!("{V}/composite/sobjects/Account/ERP_Id__c"),
            json!({"recs": [account]}),
        ),
    ] {
        let r = m.json(method.clone(), &path, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{method} {path} {body}: {}",
            r.text
        );
        assert_eq!(r.body[0]["errorCode"], "JSON_PARSER_ERROR");
        let message = r.body[0]["message"].as_str().unwrap();
        assert!(
            message.contains("Missing required field 'records'"),
            "{message}"
        );
    }
    assert_eq!(m.count("Account").await, before);
}

/// An org that enforces object access, where `limited@` may read, create and edit Accounts but
/// neither read nor edit their ERP_Id__c, and `reader@` may read ERP_Id__c but not edit it.
fn as_limited_user(username: &str) -> Mock {
    let seed = "objects:\n  Account: { fields: { ERP_Id__c: { type: text, externalId: true, unique: true } } }\n\
        users:\n\
        - { username: limited@sflab.dev, last_name: Limited, profile: Minimum Access - Salesforce, permission_sets: [Sync] }\n\
        - { username: reader@sflab.dev, last_name: Reader, profile: Minimum Access - Salesforce, permission_sets: [Sync, ReadErp] }\n\
        - { username: remover@sflab.dev, last_name: Remover, profile: Minimum Access - Salesforce, permission_sets: [Sync, Remove] }\n\
        permission_sets:\n\
        - { name: Sync, objects: { Account: [read, create, edit] }, fields: { Account.Industry: [read] } }\n\
        - { name: ReadErp, fields: { Account.ERP_Id__c: [read] } }\n\
        - { name: Remove, objects: { Account: [read, delete] } }\n\
        records:\n\
        - Account: { Name: Keep Me, ERP_Id__c: G-2 }\n\
        auth: { enforce_object_access: true }\n";
    let org = sflab::org::Org::new(&sflab::org::OrgSeed::from_yaml(seed).unwrap()).unwrap();
    let login = sflab::org::rest::static_token::issue_static_token(&org, Some(username)).unwrap();
    Mock {
        app: sflab::org::rest::router(org.clone()),
        org,
        token: login.token,
    }
}

const HIDDEN_EXTERNAL_ID: &str =
    "Provided external ID field does not exist or is not accessible: ERP_Id__c";

#[tokio::test]
async fn an_upsert_through_an_external_id_field_the_user_may_not_read_is_not_found_in_every_form() {
    let m = as_limited_user("limited@sflab.dev");
    let accounts = m.count("Account").await;
    let get = m.get(&format!("{V}/sobjects/Account/ERP_Id__c/G-2")).await;
    assert_eq!(get.status, StatusCode::NOT_FOUND, "{}", get.text);

    for value in ["G-2", "NEW-1"] {
        let url = format!("{V}/sobjects/Account/ERP_Id__c/{value}");
        let rest = m
            .json(Method::PATCH, &url, json!({"Name": "Overwritten"}))
            .await;
        assert_eq!(rest.status, StatusCode::NOT_FOUND, "{}", rest.text);
        assert_eq!(rest.body[0]["errorCode"], "NOT_FOUND");
        assert_eq!(rest.body[0]["message"], HIDDEN_EXTERNAL_ID);

        let composite = m
            .post(
                &format!("{V}/composite"),
                json!({"compositeRequest": [
                    {"method":"PATCH","url":url,"referenceId":"up","body":{"Name":"Overwritten"}}
                ]}),
            )
            .await;
        let sub = &composite.body["compositeResponse"][0];
        assert_eq!(sub["httpStatusCode"], 404, "{}", composite.text);
        assert_eq!(sub["body"][0]["message"], HIDDEN_EXTERNAL_ID);

        let graph = m
            .post(
                &format!("{V}/composite/graph"),
                json!({"graphs": [{"graphId": "g1", "compositeRequest": [
                    {"method":"PATCH","url":url,"referenceId":"up","body":{"Name":"Overwritten"}}
                ]}]}),
            )
            .await;
        let g = &graph.body["graphs"][0];
        assert_eq!(g["isSuccessful"], false, "{}", graph.text);
        let node = &g["graphResponse"]["compositeResponse"][0];
        assert_eq!(node["httpStatusCode"], 404, "{}", graph.text);
        assert_eq!(node["body"][0]["message"], HIDDEN_EXTERNAL_ID);
    }
    assert_eq!(m.count("Account").await, accounts, "nothing was created");
    let store = m.org.store.read();
    let id = store
        .find_by_external("Account", "ERP_Id__c", "G-2")
        .unwrap()[0]
        .to_string();
    let kept = store
        .retrieve("Account", &id, Some(&["Name"]), "62.0")
        .unwrap();
    assert_eq!(kept["Name"], "Keep Me", "nothing was overwritten");
}

#[tokio::test]
async fn a_delete_through_an_external_id_field_the_user_may_not_read_is_not_found() {
    let m = as_limited_user("remover@sflab.dev");
    let accounts = m.count("Account").await;
    let url = format!("{V}/sobjects/Account/ERP_Id__c/G-2");
    let rest = m.send(Method::DELETE, &url, None).await;
    assert_eq!(rest.status, StatusCode::NOT_FOUND, "{}", rest.text);
    assert_eq!(rest.body[0]["message"], HIDDEN_EXTERNAL_ID);
    let composite = m
        .post(
            &format!("{V}/composite"),
            json!({"compositeRequest": [{"method":"DELETE","url":url,"referenceId":"gone"}]}),
        )
        .await;
    let sub = &composite.body["compositeResponse"][0];
    assert_eq!(sub["httpStatusCode"], 404, "{}", composite.text);
    assert_eq!(m.count("Account").await, accounts, "nothing was deleted");
}

#[tokio::test]
async fn an_upsert_that_would_create_through_an_external_id_field_the_user_may_not_edit_is_refused()
{
    let m = as_limited_user("reader@sflab.dev");
    let accounts = m.count("Account").await;
    let create = m
        .json(
            Method::PATCH,
            &format!("{V}/sobjects/Account/ERP_Id__c/NEW-2"),
            json!({"Name": "New"}),
        )
        .await;
    assert_eq!(create.status, StatusCode::BAD_REQUEST, "{}", create.text);
    assert_eq!(create.body[0]["fields"], json!(["ERP_Id__c"]));
    assert_eq!(m.count("Account").await, accounts);
    let update = m
        .json(
            Method::PATCH,
            &format!("{V}/sobjects/Account/ERP_Id__c/G-2"),
            json!({"Name": "Renamed"}),
        )
        .await;
    assert_eq!(update.status, StatusCode::OK, "{}", update.text);
}

#[tokio::test]
async fn composite_refuses_bulk_api_resources_as_subrequest_errors_and_creates_no_job() {
    let m = mock();
    let r = m
        .post(
            &format!("{V}/composite"),
            json!({"compositeRequest": [
                {"method":"GET","url":format!("{V}/jobs/ingest"),"referenceId":"list"},
                {"method":"POST","url":format!("{V}/jobs/query"),"referenceId":"job",
                 "body":{"operation":"query","query":"SELECT Id FROM Account"}},
                {"method":"GET","url":format!("{V}/query?q=SELECT+Id+FROM+Account+LIMIT+1"),"referenceId":"q"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let results = r.body["compositeResponse"].as_array().unwrap();
    for refused in &results[..2] {
        assert_eq!(refused["httpStatusCode"], 404, "{refused}");
        assert_eq!(refused["body"][0]["errorCode"], "NOT_FOUND");
        let said = refused["body"][0]["message"].as_str().unwrap();
        assert!(
            said.contains("/jobs/") && said.contains("sObject Collections"),
            "{said}"
        );
    }
    assert_eq!(results[2]["httpStatusCode"], 200, "a query still runs");
    let jobs = m.get(&format!("{V}/jobs/query")).await;
    assert_eq!(jobs.body["records"], json!([]), "no query job was created");
}
