//! Tests of the labs' `design.table` checks on answers testers wrote: the capstone's failure
//! design, the MCP tool review and the L0 design tables refuse the mistakes their hints warn
//! against, said in other words, and still accept the right idea however it is put.

use super::super::fixture::*;
use super::super::VerdictStatus;
use super::tests::{assert_lab_passes, lab_tables, with_cell};
use crate::evidence::SourceFile;

/// The messages of the `design.table` checks of `lab` that fail on its reference `file` with
/// one cell replaced; empty when every check passes.
fn lab_problems(lab: &str, file: &str, row: &str, column: &str, text: &str) -> Vec<String> {
    let (checks, answer) = lab_tables(lab, file);
    let mut ev = evidence(vec![]);
    ev.sources.push(SourceFile {
        path: file.into(),
        text: with_cell(&answer, row, column, text),
    });
    checks
        .iter()
        .map(|c| verdict_with(c, &ev, None))
        .filter(|v| v.status != VerdictStatus::Pass)
        .map(|v| v.message)
        .collect()
}

fn assert_lab_refuses(lab: &str, file: &str, row: &str, column: &str, text: &str) {
    let problems = lab_problems(lab, file, row, column, text);
    assert!(
        problems
            .iter()
            .any(|m| m.contains(&format!("\"{row}\" → {column}"))),
        "{lab}: \"{text}\" should fail the row {row}: {problems:?}"
    );
}

#[test]
fn capstone_failure_design_refuses_a_restart_a_key_or_a_retry_the_hints_warn_against() {
    for (row, response) in [
        // A restart that starts from LATEST or EARLIEST instead of the stored replay id.
        (
            "Middleware restart",
            "Resubscribe from -1 (LATEST) and continue from there",
        ),
        (
            "Middleware restart",
            "Resume from -2, the earliest retained event, every time",
        ),
        ("Middleware restart", "Resume where it left off"),
        (
            "Middleware restart",
            "Start over from the earliest retained event",
        ),
        (
            "Middleware restart",
            "Save the replay id to a file, but on restart subscribe from -1 (LATEST) and continue",
        ),
        ("Middleware restart", "Store nothing; replay from -2"),
        // A key that changes with each attempt.
        (
            "ERP reply lost",
            "Retry with an idempotency key generated per attempt",
        ),
        (
            "ERP reply lost",
            "Retry with a fresh idempotency key each time",
        ),
        (
            "ERP reply lost",
            "Retry; the idempotency key is a new UUID per try",
        ),
        // A retry with no pause, or a short fixed one.
        ("ERP down", "Retry immediately in a loop, 100 times"),
        ("ERP down", "Retry every 100 ms until the ERP is back"),
        ("ERP down", "Retry right away"),
        ("ERP down", "Retry up to 3 times"),
        ("ERP down", "Retry 3 times, 1 s apart, time out after 10 s"),
        ("ERP down", "Retry after 4 s, 2 s, 1 s"),
        (
            "Middleware restart",
            "Save the replay id to a file, but on restart subscribe from -1 and continue",
        ),
    ] {
        assert_lab_refuses(
            "capstone-order-sync",
            "architecture.md",
            row,
            "Response",
            response,
        );
    }
}

#[test]
fn capstone_failure_design_accepts_the_stored_id_the_same_key_and_growing_waits_in_other_words() {
    for (row, response) in [
        (
            "Middleware restart",
            "Resume from the stored replay id, saved to a file only after the write-back succeeded; -2 only if the org refuses it",
        ),
        (
            "Middleware restart",
            "Read the replay id from state/ and subscribe with it; -1 only on the very first start, when none is stored",
        ),
        (
            "Middleware restart",
            "On restart, subscribe with the stored replay id, or -1 when none is stored yet",
        ),
        (
            "Middleware restart",
            "Subscribe from the last handled event's replay id, kept in a file",
        ),
        (
            "Middleware restart",
            "Pick up from the most recent replay id on disk",
        ),
        (
            "Middleware restart",
            "Resume from the checkpointed replay id; if the org refuses it, start from -2 and let idempotency absorb repeats",
        ),
        (
            "ERP reply lost",
            "Retry with the same Idempotency-Key derived from ERP_Order_Id__c; the ERP answers the first order again",
        ),
        ("ERP reply lost", "Reuse the key on every attempt"),
        (
            "ERP reply lost",
            "Generate the key once per order and reuse it for each attempt",
        ),
        (
            "ERP reply lost",
            "Retry using ERP_Order_Id__c as the Idempotency-Key",
        ),
        (
            "ERP reply lost",
            "Retry with the same key, not a new one per attempt",
        ),
        (
            "ERP down",
            "Park the order and move on; a sweeper retries parked orders with doubling waits",
        ),
        (
            "ERP down",
            "Retry in a loop with exponential backoff, at most 5 tries",
        ),
        ("ERP down", "Exponential back-off with jitter, max 5 attempts"),
        ("ERP down", "Open a circuit breaker and retry later"),
        ("ERP down", "Retry with increasing waits (1 s, 2 s, 4 s)"),
        ("ERP down", "Retry after 1 s, 2 s, 4 s"),
        ("ERP down", "Retry after 1, 2 and 4 seconds"),
        ("ERP down", "Wait 500 ms, then 1 s, then 2 s between tries"),
        (
            "ERP down",
            "Retry up to three times, waiting 0.25 s, 0.5 s and 1 s",
        ),
        ("ERP down", "Retry after 100 ms, 200 ms, 400 ms, 800 ms"),
        ("ERP down", "Retry up to 4 times, waiting 200 ms, 400 ms, 800 ms"),
        ("ERP down", "Wait 1, 2, 4, 8 seconds between attempts"),
        ("ERP down", "Retry, waiting twice as long after each failure"),
        (
            "Middleware restart",
            "Subscribe from the replay id stored in state/ (with no file yet, from -1, then continue with the stored ids)",
        ),
        (
            "Middleware restart",
            "Read the stored replay id; on the very first start use -1 and continue from there",
        ),
        (
            "Middleware restart",
            "Resubscribe from the ID of the last event it finished, read from state/",
        ),
        ("ERP reply lost", "Resend with the key it had the first time"),
        (
            "ERP down",
            "Stop, do not store the replay id, exit non-zero; the supervisor restarts us later",
        ),
    ] {
        assert_lab_passes(
            "capstone-order-sync",
            "architecture.md",
            row,
            "Response",
            response,
        );
    }
}

#[test]
fn capstone_failure_design_refuses_the_mechanism_the_hints_rule_out_however_it_is_spelt() {
    for (row, response) in [
        // One short pause repeated, behind a word the row accepts ("hold", "later").
        (
            "ERP down",
            "Hold the event and retry every half second until the ERP answers",
        ),
        (
            "ERP down",
            "Retry the call one second later, and keep doing so each second until the ERP answers",
        ),
        ("ERP down", "Queue the order and retry it once a second"),
        ("ERP down", "Park it and retry every 2 s"),
        // A key made per attempt by a library call, beside the order's key.
        (
            "ERP reply lost",
            "Retry with the same body (salesforceId included) and an Idempotency-Key set to crypto.randomUUID() on every try",
        ),
        (
            "ERP reply lost",
            "Resend with salesforceId in the body and uuid.uuid4() as the Idempotency-Key",
        ),
        (
            "ERP reply lost",
            "Retry with the order's ERP_Order_Id__c and an Idempotency-Key of Date.now()",
        ),
        // -1 or LATEST on every restart, with the stored id kept only for the logs.
        (
            "Middleware restart",
            "Resubscribe from -1 (new events only) at every restart; the last replay id is written to state/ for the logs",
        ),
        (
            "Middleware restart",
            "Subscribe with LATEST after each restart; the reconciliation later finds what was missed, using the replay id state only for logging",
        ),
        // A refused order retried, however boundedly.
        (
            "ERP refuses the order",
            "Retry it with exponential backoff, ten times, then log it",
        ),
        (
            "ERP refuses the order",
            "Log it and send it again three times, 1 s apart",
        ),
        ("ERP refuses the order", "Resend it once, then report it"),
    ] {
        assert_lab_refuses(
            "capstone-order-sync",
            "architecture.md",
            row,
            "Response",
            response,
        );
    }
}

#[test]
fn capstone_failure_design_accepts_a_key_drawn_once_a_first_start_from_latest_and_a_fix_by_hand() {
    for (row, response) in [
        (
            "ERP reply lost",
            "Retry with the same Idempotency-Key: a UUID generated once per order, stored with the order and reused on every attempt",
        ),
        (
            "ERP reply lost",
            "Retry with the same key, never a random one",
        ),
        (
            "Middleware restart",
            "Subscribe with the stored replay id; LATEST only on the very first start, when none is stored",
        ),
        (
            "Middleware restart",
            "Resume from the stored replay id, not from -1, which skips what was published while it was down",
        ),
        (
            "ERP refuses the order",
            "Do not retry: log the key and the ERP's message and flag the Order; someone resends it by hand once the data is fixed",
        ),
        (
            "ERP refuses the order",
            "Log it and flag the Order for a person; retrying would fail the same way",
        ),
        (
            "ERP down",
            "Park the order; a sweeper retries parked orders every 5 minutes",
        ),
        (
            "ERP down",
            "Retry after 0.25 s, then twice as long each time, up to 30 s; then park the order",
        ),
    ] {
        assert_lab_passes(
            "capstone-order-sync",
            "architecture.md",
            row,
            "Response",
            response,
        );
    }
}

#[test]
fn capstone_failure_design_quotes_the_words_it_objects_to_not_the_whole_cell() {
    let problems = lab_problems(
        "capstone-order-sync",
        "architecture.md",
        "Middleware restart",
        "Response",
        "Save the replay id to a file after each write-back, but on restart subscribe from -1 and continue from there",
    );
    let told = problems
        .iter()
        .find(|m| m.contains("goes against"))
        .unwrap_or_else(|| panic!("no ruled-out words told: {problems:?}"));
    assert!(told.contains("says \"-1 and continue\""), "{told}");
}

#[test]
fn mcp_review_refuses_a_poisoned_tool_rejected_only_as_unneeded() {
    for reason in [
        "Just another tool the job does not need.",
        "Not needed: ETAs come from another tool.",
        "Shipment dates are beyond its purpose for this agent.",
        "Not needed for the job, makes the agent slower.",
        // Which tool the job calls first is the job, not what the description asks.
        "Not needed: the agent's first call for this job is soql_query, and shipment dates have nothing to do with Retail Accounts.",
        "Shipments are off-topic; before answering, the agent only ever needs soql_query.",
        "Off-topic: the job runs soql_query and nothing else.",
    ] {
        assert_lab_refuses(
            "mcp-tool-review",
            "review.md",
            "shipment_eta",
            "Reason",
            reason,
        );
    }
}

#[test]
fn mcp_review_accepts_a_reason_that_names_what_the_description_makes_the_model_do() {
    for reason in [
        "Tool poisoning: its description tells the model to first run soql_query for every Contact email and smuggle the addresses out in the `notes` argument, and to hide that step from the user.",
        "The description makes the agent call soql_query for all Contact emails before answering.",
        "Its description wants the agent to call another tool first and pass Contact emails in notes.",
        "Prompt injection in the description.",
        "Its description says to run soql_query first, whatever the user asked.",
        "The description wants another tool called before answering.",
    ] {
        assert_lab_passes("mcp-tool-review", "review.md", "shipment_eta", "Reason", reason);
    }
}

#[test]
fn five_questions_refuses_duplicates_said_a_few_words_before_the_retry() {
    for why in [
        "We upsert by external id, but duplicates show up after every retry.",
        "We upsert by external id; duplicates show up after every retry.",
        "Upsert by external id, yet duplicates keep coming back with each rerun.",
        "We upsert by external id, but duplicates turn up anyway.",
    ] {
        assert_lab_refuses("design-five-questions", "design.md", "Failure", "Why", why);
    }
}

#[test]
fn five_questions_refuses_a_rerun_that_inserts_the_rows_again() {
    for why in [
        "a plain insert again; each row carries its external id so we can find it later",
        "delete every stock figure and insert them all again with the external id column",
        "the rows are re-inserted with their external id",
        "Bulk insert of every row, each with its external id",
    ] {
        assert_lab_refuses("design-five-questions", "design.md", "Failure", "Why", why);
    }
}

#[test]
fn five_questions_accepts_a_retry_kept_safe_however_the_duplicates_and_inserts_are_put() {
    for why in [
        "rows are upserted by external id, so duplicates can't happen on a retry",
        "duplicates are impossible when we retry, since rows are upserted by external id",
        "upsert by external id prevents duplicates on every retry",
        "no duplicates after a rerun: rows are upserted by external id",
        "a plain insert would duplicate rows; the upsert by external id is idempotent",
        "upsert by external id instead of an insert, so a rerun only updates the figures",
        "rows are matched on the external id: a rerun updates existing rows and inserts only new ones",
    ] {
        assert_lab_passes("design-five-questions", "design.md", "Failure", "Why", why);
    }
}

#[test]
fn five_questions_accepts_an_upsert_described_without_its_name_or_beside_the_insert_it_replaces() {
    for why in [
        "Re-running the job is harmless: rows already loaded are matched by their external id and only missing rows get inserted.",
        "Running it again matches existing rows and only inserts the ones that are missing.",
        "A plain insert would duplicate rows, so the retry is an upsert on the product-location external id.",
    ] {
        assert_lab_passes("design-five-questions", "design.md", "Failure", "Why", why);
    }
    // The retry itself still may not duplicate, however the insert is put beside it.
    for why in [
        "We upsert by external id, but each retry still duplicates rows.",
        "A plain insert runs again on retry and duplicates rows; each row has its external id.",
    ] {
        assert_lab_refuses("design-five-questions", "design.md", "Failure", "Why", why);
    }
}

#[test]
fn five_questions_refuses_a_rerun_that_loads_the_rows_anew_however_it_is_put() {
    for why in [
        // Inserting in its other words: the rows are added, appended, loaded or made again.
        "Each figure carries an external id, so a second run just adds the new rows next to the old ones.",
        "Every row has its external id, and the rows are added once more on a rerun.",
        "Each rerun appends the night's figures to the stock table; every row has its external id.",
        "A rerun loads every figure again, each with its external id.",
        "The job reloads the whole file; rows carry an external id.",
        "Each retry creates the records again, keyed by external id.",
        "Rows carry an external id, so a second run puts them alongside the old ones.",
        // The table emptied before the load, whatever loads it after.
        "It is safe because we delete all stock rows first and load them again with an external id on each.",
        "Wipe the stock figures and reload them from the WMS export.",
        "Truncate the stock object, then upsert every figure by external id.",
        "Delete every figure, then upsert them all by external id.",
        "Clear all stock rows first, then load the file with its external ids.",
        "The rerun starts from scratch: remove all stock figures and upsert the file by external id.",
    ] {
        assert_lab_refuses("design-five-questions", "design.md", "Failure", "Why", why);
    }
}

#[test]
fn five_questions_accepts_an_upsert_that_adds_the_missing_rows_or_a_delete_set_aside() {
    for why in [
        "Rows are upserted by external id: a rerun updates the figures already there and adds only the missing ones.",
        "The upsert by external id adds new products and updates the rest, so a rerun is harmless.",
        "A rerun is an upsert by external id; nothing is deleted and reloaded.",
        "Rather than deleting and reloading, the rerun upserts by external id.",
        "Deleting everything first would leave reps with no stock mid-run, so the retry upserts by external id.",
        "A retry upserts the whole file again by external id: figures already loaded are overwritten with the same values.",
    ] {
        assert_lab_passes("design-five-questions", "design.md", "Failure", "Why", why);
    }
}

#[test]
fn api_and_pattern_choices_refuse_a_note_that_calls_another_choice_fit_too() {
    for (row, cell) in [
        ("Legacy client", "SOAP API (REST also works)"),
        (
            "Change stream",
            "Pub/Sub API (Platform events would also do)",
        ),
    ] {
        assert_lab_refuses("design-api-choice", "design.md", row, "API", cell);
    }
    for (row, cell) in [
        ("Contact changes", "event-driven (request-reply works too)"),
        ("Order hand-off", "fire-and-forget (batch also fine)"),
    ] {
        assert_lab_refuses("design-pick-the-pattern", "design.md", row, "Pattern", cell);
    }
    assert_lab_passes(
        "design-api-choice",
        "design.md",
        "Change stream",
        "API",
        "Pub/Sub API (also carries platform events)",
    );
}
