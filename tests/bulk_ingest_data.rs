//! What Bulk API 2.0 ingest jobs do with awkward data — rows with too many or too few values,
//! an unterminated quote, several uploads to one job, the same key twice in one batch of 200
//! — through the org's whole HTTP surface with `oneshot`. Result files are read back the way
//! a client reads them: parsed as CSV.

mod http_harness;

use axum::http::StatusCode;
use http_harness::bulk::{close, new_job, results, run_job, upload};
use http_harness::{mock, Mock, V};
use serde_json::{json, Value};

/// A result file parsed as CSV (rows may differ in length), header first.
fn records(csv: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_bytes())
        .records()
        .map(|r| {
            r.expect("the result file is valid CSV")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

fn insert_accounts() -> Value {
    json!({"object":"Account","operation":"insert"})
}

fn upsert_accounts() -> Value {
    json!({"object":"Account","operation":"upsert","externalIdFieldName":"ERP_Id__c"})
}

fn account_id(m: &Mock, erp_id: &str) -> String {
    m.org
        .store
        .read()
        .find_by_external("Account", "ERP_Id__c", erp_id)
        .unwrap()[0]
        .to_string()
}

// ------------------------------------------------------------ rows of the wrong length

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_results_keep_each_ragged_row_as_one_record_with_its_own_values() {
    let m = mock();
    let (id, info) = run_job(
        &m,
        insert_accounts(),
        "Name,Description\nMid A,x,extra\nMid B,y\nMid C,z,extra2\nMid D\n",
    )
    .await;
    assert_eq!(info["numberRecordsProcessed"], 4);
    assert_eq!(info["numberRecordsFailed"], 3);

    let failed = records(&results(&m, &id, "failedResults").await);
    assert_eq!(failed.len(), 4, "a header and one record per failed row");
    assert_eq!(failed[0], ["sf__Id", "sf__Error", "Name", "Description"]);
    assert_eq!(failed[1][2..], ["Mid A", "x", "extra"]);
    assert_eq!(failed[2][2..], ["Mid C", "z", "extra2"]);
    assert_eq!(failed[3][2..], ["Mid D"]);
    for row in &failed[1..] {
        assert!(row[1].starts_with("INVALID_INPUT:"), "{row:?}");
    }
    assert!(
        failed[3][1].contains("The row has 1 value but the header names 2 columns"),
        "{:?}",
        failed[3][1]
    );
    let ok = records(&results(&m, &id, "successfulResults").await);
    assert_eq!(ok.len(), 2);
    assert_eq!(ok[1][1..], ["true", "Mid B", "y"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unterminated_quote_fails_its_own_line_and_the_rows_after_it_still_load() {
    let m = mock();
    let (id, info) = run_job(
        &m,
        insert_accounts(),
        "Name,Description\nGood A,x\n\"Broken B,y\nGood C,z\n\"Quoted, D\",\"two\nlines\"\n",
    )
    .await;
    assert_eq!(info["numberRecordsProcessed"], 4);
    assert_eq!(info["numberRecordsFailed"], 1);

    let failed = records(&results(&m, &id, "failedResults").await);
    assert_eq!(failed.len(), 2);
    assert_eq!(
        failed[1][2..],
        ["\"Broken B", "y"],
        "the line's values as sent"
    );
    assert!(failed[1][1].contains("quote"), "{:?}", failed[1][1]);
    let ok = records(&results(&m, &id, "successfulResults").await);
    let names: Vec<&str> = ok[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(names, ["Good A", "Good C", "Quoted, D"]);
    assert_eq!(
        ok[3][3], "two\nlines",
        "a quoted value may still span lines"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_space_around_a_quote_or_a_bare_quote_fails_its_row_and_stores_no_quotes() {
    let m = mock();
    let before = m.count("Account").await;
    let (id, info) = run_job(
        &m,
        insert_accounts(),
        "Name,Description\n\"SQ John\", \"Smith\"\n\"SQ J2\" ,x\nBad \"quote,y\nSQ Fine, spaced\n\"SQ \"\"Q\"\"\",z\n",
    )
    .await;
    assert_eq!(info["numberRecordsProcessed"], 5);
    assert_eq!(info["numberRecordsFailed"], 3);

    let failed = records(&results(&m, &id, "failedResults").await);
    let said: Vec<&str> = failed[1..].iter().map(|r| r[1].as_str()).collect();
    assert!(
        said[0].starts_with("INVALID_INPUT:A space comes before a double quote"),
        "{said:?}"
    );
    assert!(
        said[1].starts_with("INVALID_INPUT:A space comes after a closing double quote"),
        "{said:?}"
    );
    assert!(
        said[2].contains("not enclosed in double quotes"),
        "{said:?}"
    );
    let ok = records(&results(&m, &id, "successfulResults").await);
    let loaded: Vec<(&str, &str)> = ok[1..]
        .iter()
        .map(|r| (r[2].as_str(), r[3].as_str()))
        .collect();
    assert_eq!(loaded, [("SQ Fine", " spaced"), ("SQ \"Q\"", "z")]);
    assert_eq!(
        m.count("Account").await,
        before + 2,
        "only the sound rows were stored"
    );
}

// ------------------------------------------------------------ typed cells

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn date_cells_take_the_guides_z_form_and_typed_cells_one_trimming_rule() {
    let m = mock();
    let (id, info) = run_job(
        &m,
        json!({"object":"Contact","operation":"insert"}),
        "LastName,Birthdate,Description\nSample Z,1940-06-07Z, kept \nSpaced,  2024-03-03 ,x\nStamp,2024-01-01T23:30:00-05:00,y\nOffset,2024-01-01+05:00,z\nBlank,   ,w\n",
    )
    .await;
    assert_eq!(info["numberRecordsProcessed"], 5);
    assert_eq!(info["numberRecordsFailed"], 2, "{info}");
    let failed = records(&results(&m, &id, "failedResults").await);
    let refused: Vec<&str> = failed[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(refused, ["Offset", "Blank"]);
    assert!(failed[1][1].contains("xsd:date"), "{:?}", failed[1]);

    let birthdates = |name: &str| {
        let q: String = url::form_urlencoded::byte_serialize(
            format!("SELECT Birthdate, Description FROM Contact WHERE LastName = '{name}'")
                .as_bytes(),
        )
        .collect();
        let m = &m;
        async move { m.get(&format!("{V}/query?q={q}")).await.body["records"][0].clone() }
    };
    let sample = birthdates("Sample Z").await;
    assert_eq!(sample["Birthdate"], "1940-06-07");
    assert_eq!(sample["Description"], " kept ", "text is not trimmed");
    assert_eq!(birthdates("Spaced").await["Birthdate"], "2024-03-03");
    assert_eq!(
        birthdates("Stamp").await["Birthdate"],
        "2024-01-02",
        "a dateTime in a date field is its UTC date"
    );

    let (_, info) = run_job(
        &m,
        insert_accounts(),
        "Name,NumberOfEmployees\nTrimmed Int, 5 \n",
    )
    .await;
    assert_eq!(info["numberRecordsFailed"], 0, "{info}");
}

// ------------------------------------------------------------ several uploads to one job

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_upload_is_accepted_but_the_job_then_refuses_to_close() {
    let m = mock();
    let before = m.count("Account").await;
    let id = new_job(&m, insert_accounts()).await;
    assert_eq!(
        upload(&m, &id, "Name\nFirst\n").await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        upload(&m, &id, "Name\nSecond\n").await.status,
        StatusCode::CREATED
    );

    let refused = close(&m, &id, "UploadComplete").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body,
        json!([{
            "errorCode": "INVALIDJOB",
            "message": format!("Found multipe contents for job: <{id}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job.")
        }])
    );
    let info = m.get(&format!("{V}/jobs/ingest/{id}")).await;
    assert_eq!(info.body["state"], "Open");

    let aborted = close(&m, &id, "Aborted").await;
    assert_eq!(aborted.body["state"], "Aborted");
    let deleted = m
        .send(
            axum::http::Method::DELETE,
            &format!("{V}/jobs/ingest/{id}"),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        m.count("Account").await,
        before,
        "nothing from either upload was applied"
    );
}

// ------------------------------------------------------------ the same key twice in a batch

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_external_id_twice_in_one_batch_fails_every_row_that_carries_it() {
    let m = mock();
    let (id, info) = run_job(
        &m,
        upsert_accounts(),
        "Name,ERP_Id__c\nDup One,D-1\nSolo,D-2\nDup Two,d-1\nFalcon Again,A-1000\n",
    )
    .await;
    assert_eq!(info["numberRecordsFailed"], 2);
    let failed = records(&results(&m, &id, "failedResults").await);
    assert_eq!(failed.len(), 3);
    assert_eq!(
        failed[1][1],
        "DUPLICATE_VALUE:Duplicate external id specified: D-1:ERP_Id__c --"
    );
    assert_eq!(failed[1][2..], ["Dup One", "D-1"]);
    assert_eq!(
        failed[2][1],
        "DUPLICATE_VALUE:Duplicate external id specified: d-1:ERP_Id__c --"
    );
    let store_has = |key: &str| {
        !m.org
            .store
            .read()
            .find_by_external("Account", "ERP_Id__c", key)
            .unwrap()
            .is_empty()
    };
    assert!(!store_has("D-1"), "neither duplicate was applied");
    assert!(store_has("D-2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_key_in_different_batches_of_200_is_applied_in_turn() {
    let m = mock();
    let mut csv = String::from("Name,ERP_Id__c\nFirst Take,K-1\n");
    for i in 0..199 {
        csv.push_str(&format!("Filler {i},F-{i}\n"));
    }
    csv.push_str("Second Take,K-1\n");
    let (id, info) = run_job(&m, upsert_accounts(), &csv).await;
    assert_eq!(info["numberRecordsFailed"], 0);
    let ok = records(&results(&m, &id, "successfulResults").await);
    assert_eq!(ok[1][1..], ["true", "First Take", "K-1"]);
    assert_eq!(ok[201][1..], ["false", "Second Take", "K-1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_twice_in_one_update_or_delete_batch_fails_both_rows() {
    let m = mock();
    let falcon = account_id(&m, "A-1000");
    let short = &falcon[..15];
    let (id, info) = run_job(
        &m,
        json!({"object":"Account","operation":"update"}),
        &format!("Id,Phone\n{falcon},111\n{short},222\n"),
    )
    .await;
    assert_eq!(
        info["numberRecordsFailed"], 2,
        "15 and 18 characters name one record"
    );
    let failed = records(&results(&m, &id, "failedResults").await);
    assert_eq!(failed[1][0], falcon);
    assert_eq!(
        failed[1][1],
        format!("DUPLICATE_VALUE:Duplicate id specified: {falcon}:--")
    );
    assert_eq!(failed[2][0], short);

    let (id, info) = run_job(
        &m,
        json!({"object":"Account","operation":"delete"}),
        &format!("Id\n{falcon}\n{falcon}\n"),
    )
    .await;
    assert_eq!(info["numberRecordsFailed"], 2);
    assert_eq!(records(&results(&m, &id, "failedResults").await).len(), 3);
    assert_eq!(
        account_id(&m, "A-1000"),
        falcon,
        "the record was not deleted"
    );
}
