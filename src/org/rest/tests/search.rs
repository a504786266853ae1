//! SOSL search, parameterizedSearch and query explain over REST: shapes, statuses, errors.

use super::*;

#[tokio::test]
async fn search_answers_search_records_with_attributes() {
    let m = mock();
    let r = m
        .get(&format!(
            "{V}/search/?q=FIND+%7BFalcon%7D+IN+NAME+FIELDS+RETURNING+Account(Id,+Name)"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/json;charset=UTF-8");
    let recs = r.body["searchRecords"].as_array().unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["attributes"]["type"], "Account");
    let url = recs[0]["attributes"]["url"].as_str().unwrap();
    assert_eq!(
        url,
        format!("{V}/sobjects/Account/{}", recs[0]["Id"].as_str().unwrap())
    );
    assert_eq!(recs[0]["Name"], "Falcon Corp");
}

#[tokio::test]
async fn search_finds_new_records_and_forgets_deleted_ones() {
    let m = mock();
    let created = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Name": "Zephyr Looms"}),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_string();
    let q = format!("{V}/search?q=FIND+%7Bzephyr%7D+RETURNING+Account");
    assert_eq!(m.get(&q).await.body["searchRecords"][0]["Id"], id);
    m.delete(&format!("{V}/sobjects/Account/{id}")).await;
    assert_eq!(m.get(&q).await.body["searchRecords"], json!([]));
}

#[tokio::test]
async fn search_errors_are_salesforce_shaped() {
    let m = mock();
    let cases = [
        ("FIND+Falcon", "MALFORMED_SEARCH"),
        ("FIND+%7Ba%7D", "INVALID_SEARCH"),
        ("FIND+%7BFalcon%7D+RETURNING+Acount", "INVALID_TYPE"),
        ("FIND+%7BFalcon%7D+RETURNING+Account(Naem)", "INVALID_FIELD"),
        (
            "FIND+%7BFalcon%7D+RETURNING+Account(Name",
            "MALFORMED_SEARCH",
        ),
        ("FIND+%7B%22Falcon%7D", "MALFORMED_SEARCH"),
    ];
    for (q, code) in cases {
        let r = m.get(&format!("{V}/search?q={q}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(error_code(&r), code, "{q}: {}", r.body);
        assert!(r.body[0]["message"].as_str().is_some_and(|s| !s.is_empty()));
    }
    let missing = m.get(&format!("{V}/search")).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&missing), "MALFORMED_SEARCH");
}

#[tokio::test]
async fn parameterized_search_by_get_and_post_finds_the_same_records() {
    let m = mock();
    let by_get = m
        .get(&format!(
            "{V}/parameterizedSearch/?q=falcon&sobject=Account&Account.fields=Id,Name&in=NAME"
        ))
        .await;
    assert_eq!(by_get.status, StatusCode::OK, "{}", by_get.body);
    let by_post = m
        .post(
            &format!("{V}/parameterizedSearch"),
            json!({"q": "falcon", "in": "NAME", "fields": ["Id", "Name"],
                   "sobjects": [{"name": "Account"}]}),
        )
        .await;
    assert_eq!(by_post.status, StatusCode::OK, "{}", by_post.body);
    assert_eq!(by_get.body, by_post.body);
    assert_eq!(by_get.body["searchRecords"][0]["Name"], "Falcon Corp");
    let limited = m
        .post(
            &format!("{V}/parameterizedSearch"),
            json!({"q": "falcon*", "overallLimit": 1,
                   "sobjects": [{"name": "Contact", "fields": ["LastName"], "orderBy": "LastName DESC"}]}),
        )
        .await;
    assert_eq!(limited.body["searchRecords"].as_array().unwrap().len(), 1);
    assert_eq!(limited.body["searchRecords"][0]["LastName"], "Rossi");
    let no_q = m
        .get(&format!("{V}/parameterizedSearch?sobject=Account"))
        .await;
    assert_eq!(no_q.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn explain_returns_plans_computed_from_the_store() {
    let m = mock();
    m.seed_accounts(50, "Plan");
    let r = m
        .get(&format!(
            "{V}/query/?explain=SELECT+Id+FROM+Account+WHERE+Id+=+'{}'",
            m.get(&format!("{V}/query?q=SELECT+Id+FROM+Account+LIMIT+1"))
                .await
                .body["records"][0]["Id"]
                .as_str()
                .unwrap()
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let plans = r.body["plans"].as_array().unwrap();
    assert_eq!(plans[0]["leadingOperationType"], "Index");
    assert_eq!(plans[0]["fields"], json!(["Id"]));
    assert_eq!(plans[0]["cardinality"], 1);
    assert_eq!(plans[0]["sobjectCardinality"], 54);
    assert_eq!(plans.last().unwrap()["leadingOperationType"], "TableScan");
    let scan = m
        .get(&format!(
            "{V}/query?explain=SELECT+Id+FROM+Account+WHERE+Name+LIKE+'%25Plan%25'"
        ))
        .await;
    let plans = scan.body["plans"].as_array().unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0]["leadingOperationType"], "TableScan");
    assert_eq!(plans[0]["cardinality"], 50);
}

#[tokio::test]
async fn explain_errors_name_the_problem() {
    let m = mock();
    let bad = m
        .get(&format!("{V}/query?explain=SELECT+FROM+Account"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&bad), "MALFORMED_QUERY");
    let unknown = m
        .get(&format!("{V}/query?explain=SELECT+Id+FROM+Acount"))
        .await;
    assert_eq!(error_code(&unknown), "INVALID_TYPE");
    let report = m
        .get(&format!("{V}/query?explain=00O5e000008XyZqEAK"))
        .await;
    assert_eq!(report.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&report), "INVALID_ID");
}

#[tokio::test]
async fn updated_and_deleted_list_changes_in_a_window() {
    let m = mock();
    // The seed records were stamped when the org was built: move past them.
    m.org.clock.advance(std::time::Duration::from_secs(600));
    let now = m.org.clock.now();
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%S%%2B00:00").to_string();
    let created = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Name": "Window Co"}),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_string();
    let gone = m
        .post(&format!("{V}/sobjects/Account"), json!({"Name": "Gone Co"}))
        .await;
    let gone_id = gone.body["id"].as_str().unwrap().to_string();
    m.delete(&format!("{V}/sobjects/Account/{gone_id}")).await;
    m.org.clock.advance(std::time::Duration::from_secs(300));
    let range = format!(
        "start={}&end={}",
        fmt(now - chrono::Duration::minutes(2)),
        fmt(now + chrono::Duration::minutes(3))
    );
    let upd = m
        .get(&format!("{V}/sobjects/Account/updated/?{range}"))
        .await;
    assert_eq!(upd.status, StatusCode::OK, "{}", upd.body);
    assert_eq!(upd.body["ids"], json!([id]));
    assert!(upd.body["latestDateCovered"]
        .as_str()
        .unwrap()
        .ends_with(":00.000+0000"));
    let del = m
        .get(&format!("{V}/sobjects/Account/deleted?{range}"))
        .await;
    assert_eq!(del.status, StatusCode::OK, "{}", del.body);
    assert_eq!(del.body["deletedRecords"][0]["id"], gone_id.as_str());
    assert!(del.body["earliestDateAvailable"].is_string());
    let bad = m
        .get(&format!(
            "{V}/sobjects/Account/updated?start=soon&end=later"
        ))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&bad), "INVALID_REPLICATION_DATE");
    let unknown = m.get(&format!("{V}/sobjects/Acount/updated?{range}")).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn recent_lists_the_callers_newest_records_first() {
    let m = mock();
    m.org.clock.advance(std::time::Duration::from_secs(60));
    let created = m
        .post(
            &format!("{V}/sobjects/Contact"),
            json!({"FirstName": "Ada", "LastName": "Recent"}),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_string();
    let r = m.get(&format!("{V}/recent?limit=2")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let recs = r.body.as_array().unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["Id"], id.as_str());
    assert_eq!(recs[0]["attributes"]["type"], "Contact");
    assert_eq!(recs[0]["Name"], "Ada Recent");
    let bad = m.get(&format!("{V}/recent?limit=lots")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_soft_delete_leaves_earliest_date_available_alone_and_a_hard_delete_moves_it() {
    let m = mock();
    m.org.clock.advance(std::time::Duration::from_secs(600));
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%S%%2B00:00").to_string();
    let earliest = |body: &serde_json::Value| {
        chrono::DateTime::parse_from_str(
            body["earliestDateAvailable"].as_str().unwrap(),
            "%Y-%m-%dT%H:%M:%S%.3f%z",
        )
        .unwrap()
        .with_timezone(&chrono::Utc)
    };
    let ask = |m: &Mock| {
        let now = m.org.clock.now();
        let range = format!(
            "start={}&end={}",
            fmt(now - chrono::Duration::days(2)),
            fmt(now)
        );
        format!("{V}/sobjects/Account/deleted?{range}")
    };
    let binned = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Name": "Binned Co"}),
        )
        .await;
    let binned_id = binned.body["id"].as_str().unwrap().to_string();
    m.delete(&format!("{V}/sobjects/Account/{binned_id}")).await;
    m.org.clock.advance(std::time::Duration::from_secs(120));
    let soft = m.get(&ask(&m)).await;
    assert_eq!(soft.status, StatusCode::OK, "{}", soft.body);
    // Nothing removed for good: the answer covers the whole 30 days a window may reach back.
    assert!(m.org.clock.now() - earliest(&soft.body) > chrono::Duration::days(29));
    let purged = m
        .post(
            &format!("{V}/sobjects/Account"),
            json!({"Name": "Purged Co"}),
        )
        .await;
    let purged_id = purged.body["id"].as_str().unwrap().to_string();
    let purged_at = m.org.clock.now();
    {
        let actor = m.org.actor(m.org.users[0].id);
        let mut store = m.org.store.write();
        assert!(store.hard_delete(&purged_id, &actor).unwrap());
    }
    m.org.clock.advance(std::time::Duration::from_secs(120));
    let hard = m.get(&ask(&m)).await;
    let moved_to = earliest(&hard.body);
    assert!(
        (moved_to - purged_at).num_seconds().abs() < 2,
        "{moved_to} vs {purged_at}"
    );
}
