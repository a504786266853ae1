//! What Bulk API 2.0 ingest jobs do with awkward data — rows with too many or too few values,
//! an unterminated quote — through the org's whole HTTP surface with `oneshot`. Result files
//! are read back the way a client reads them: parsed as CSV.

mod http_harness;

use http_harness::bulk::{results, run_job};
use http_harness::mock;
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
