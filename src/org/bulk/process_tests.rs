//! Tests of ingest row processing and the background worker against a real store.

use super::ingest_job::{CreateIngestJob, IngestJob, IngestSpec};
use super::job::IngestOperation;
use super::job::JobState;
use super::process::{
    check_job_target, data_rows_about, plan_columns, rows_to_make_room_for, Column,
};
use super::results::{write_results, ResultKind, RowOutcome};
use super::settings::BulkSettings;
use super::worker::run_ingest;
use crate::org::repeated_keys::KeyKind;
use crate::org::Org;
use parking_lot::Mutex;
use serde_json::json;
use std::sync::Arc;

fn spec(v: serde_json::Value) -> IngestSpec {
    CreateIngestJob::parse(v.to_string().as_bytes())
        .unwrap()
        .validate()
        .unwrap()
}

fn job(org: &Org, spec: IngestSpec, csv: &'static [u8]) -> Arc<Mutex<IngestJob>> {
    let mut j = IngestJob::new(
        org.bulk.next_job_id(),
        spec,
        org.users[0].id.to_string(),
        org.clock.now(),
        "62.0".into(),
    );
    j.add_upload(bytes::Bytes::from_static(csv)).unwrap();
    j.header.state = JobState::UploadComplete;
    Arc::new(Mutex::new(j))
}

/// The job's failed-results CSV, as `GET …/failedResults` serves it.
fn failed_results(j: &IngestJob) -> String {
    String::from_utf8(write_results(
        ResultKind::Failed,
        &j.uploads,
        j.header.dialect,
        &j.outcomes,
    ))
    .unwrap()
}

#[test]
fn job_creation_checks_object_and_external_id_field() {
    let org = Org::default_org();
    let store = org.store.read();
    assert_eq!(
        check_job_target(
            &store,
            &spec(json!({"object":"account","operation":"insert"}))
        )
        .unwrap(),
        "Account"
    );
    let err = check_job_target(
        &store,
        &spec(json!({"object":"Nope__c","operation":"insert"})),
    )
    .unwrap_err();
    assert!(err.contains("Unable to find object: Nope__c"));
    let err = check_job_target(
        &store,
        &spec(json!({"object":"Account","operation":"upsert","externalIdFieldName":"Name"})),
    )
    .unwrap_err();
    assert!(err.contains("does not match an External ID"));
}

#[test]
fn header_plan_knows_fields_ids_and_parent_references() {
    let org = Org::default_org();
    let store = org.store.read();
    let plan = plan_columns(
        &store,
        "Contact",
        None,
        IngestOperation::Insert,
        &["Id".into(), "lastname".into(), "Account.ERP_Id__c".into()],
    )
    .unwrap();
    assert_eq!(plan.columns[0], Column::Id);
    let contact = store.schema().object("Contact").unwrap();
    let slot = |name: &str| contact.field_index(name).unwrap() as u16;
    assert_eq!(plan.columns[1], Column::Field(slot("LastName")));
    assert!(
        matches!(&plan.columns[2], Column::Parent { lookup, .. } if *lookup == slot("AccountId"))
    );
    let err = plan_columns(
        &store,
        "Contact",
        None,
        IngestOperation::Insert,
        &["Bogus__c".into()],
    )
    .unwrap_err();
    assert_eq!(err, "InvalidBatch : Field name not found : Bogus__c");
}

#[test]
fn a_delete_file_holding_more_than_ids_fails_the_job() {
    let org = Org::default_org();
    let store = org.store.read();
    let header: Vec<String> = vec!["Id".into(), "Name".into()];
    for (op, name) in [
        (IngestOperation::Delete, "delete"),
        (IngestOperation::HardDelete, "hardDelete"),
    ] {
        let err = plan_columns(&store, "Account", None, op, &header).unwrap_err();
        assert_eq!(
            err,
            format!("InvalidBatch : The '{name}' batch must contain only ids")
        );
        let ids = plan_columns(&store, "Account", None, op, &["id".into()]).unwrap();
        assert_eq!(ids.columns, [Column::Id]);
    }
    // Any other operation takes the same file.
    plan_columns(&store, "Account", None, IngestOperation::Update, &header).unwrap();
}

#[test]
fn the_key_that_must_not_repeat_in_a_batch_follows_the_operation() {
    let org = Org::default_org();
    let store = org.store.read();
    let header: Vec<String> = vec!["Name".into(), "Id".into(), "ERP_Id__c".into()];
    let by_erp = plan_columns(
        &store,
        "Account",
        Some("ERP_Id__c"),
        IngestOperation::Upsert,
        &header,
    )
    .unwrap();
    let key = by_erp.batch_key(IngestOperation::Upsert).unwrap();
    assert_eq!((key.column, key.id_column, key.width), (2, Some(1), 3));
    assert_eq!(key.field.as_deref(), Some("ERP_Id__c"));
    assert!(matches!(
        key.kind,
        KeyKind::ExternalId {
            case_sensitive: false
        }
    ));
    let by_id = plan_columns(
        &store,
        "Account",
        Some("Id"),
        IngestOperation::Upsert,
        &header,
    )
    .unwrap();
    let key = by_id.batch_key(IngestOperation::Upsert).unwrap();
    assert_eq!(
        (key.column, key.kind, key.field),
        (1, KeyKind::RecordId, None)
    );
    let plain = plan_columns(&store, "Account", None, IngestOperation::Insert, &header).unwrap();
    assert_eq!(plain.batch_key(IngestOperation::Insert), None);
    assert_eq!(plain.batch_key(IngestOperation::Delete).unwrap().column, 1);
    let no_id = plan_columns(
        &store,
        "Account",
        None,
        IngestOperation::Insert,
        &["Name".into()],
    )
    .unwrap();
    assert_eq!(no_id.batch_key(IngestOperation::Update), None);
}

#[test]
fn upsert_job_creates_updates_and_reports_field_errors() {
    let org = Org::default_org();
    let before = org.store.read().count("Account");
    let s =
        spec(json!({"object":"Account","operation":"upsert","externalIdFieldName":"ERP_Id__c"}));
    let j = job(
        &org,
        s,
        b"Name,ERP_Id__c\nNew One,Z-1\nFalcon Again,A-1000\n,Z-2\n",
    );
    run_ingest(&org, &j, BulkSettings::default());
    let j = j.lock();
    assert_eq!(j.header.state, JobState::JobComplete);
    assert_eq!(j.header.number_records_processed, 3);
    assert_eq!(j.number_records_failed, 1);
    assert!(matches!(
        &j.outcomes[0],
        RowOutcome::Success { created: true, .. }
    ));
    assert!(matches!(
        &j.outcomes[1],
        RowOutcome::Success { created: false, .. }
    ));
    assert_eq!(org.store.read().count("Account"), before + 1);
    let failed = failed_results(&j);
    assert_eq!(
        failed,
        "\"sf__Id\",\"sf__Error\",Name,ERP_Id__c\n,REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --,,Z-2\n"
    );
}

#[test]
fn insert_with_parent_external_id_links_the_parent() {
    let org = Org::default_org();
    let s = spec(
        json!({"object":"Contact","operation":"insert","columnDelimiter":"PIPE","lineEnding":"CRLF"}),
    );
    let j = job(
        &org,
        s,
        b"LastName|Account.ERP_Id__c\r\nChild|A-1001\r\nOrphan|NOPE\r\n",
    );
    run_ingest(&org, &j, BulkSettings::default());
    let j = j.lock();
    let RowOutcome::Success { id, .. } = &j.outcomes[0] else {
        panic!("{:?}", j.outcomes)
    };
    let store = org.store.read();
    let harbor = store
        .find_by_external("Account", "ERP_Id__c", "A-1001")
        .unwrap()[0];
    let c = store
        .retrieve("Contact", id.as_str(), Some(&["AccountId"]), "62.0")
        .unwrap();
    assert_eq!(c["AccountId"], json!(harbor.to_string()));
    let RowOutcome::Failed(f) = &j.outcomes[1] else {
        panic!()
    };
    let error = &f.error;
    assert!(error.starts_with("INVALID_FIELD:Foreign key external ID: NOPE not found"));
}

#[test]
fn an_insert_refuses_a_row_that_gives_an_id_and_creates_the_others() {
    let org = Org::default_org();
    let id = org
        .store
        .read()
        .find_by_external("Account", "ERP_Id__c", "A-1002")
        .unwrap()[0]
        .to_string();
    let csv: &'static [u8] = Box::leak(
        format!("Id,Name\n{id},With Id\n,Without Id\n")
            .into_bytes()
            .into_boxed_slice(),
    );
    let before = org.store.read().count("Account");
    let j = job(
        &org,
        spec(json!({"object":"Account","operation":"insert"})),
        csv,
    );
    run_ingest(&org, &j, BulkSettings::default());
    let j = j.lock();
    let RowOutcome::Failed(f) = &j.outcomes[0] else {
        panic!("{:?}", j.outcomes)
    };
    assert_eq!(
        &*f.error,
        "INVALID_FIELD_FOR_INSERT_UPDATE:cannot specify Id in an insert call:Id --"
    );
    assert!(matches!(
        j.outcomes[1],
        RowOutcome::Success { created: true, .. }
    ));
    assert_eq!(org.store.read().count("Account"), before + 1);
}

#[test]
fn objects_that_take_no_creates_or_deletes_refuse_them_row_by_row() {
    let org = Org::default_org();
    let j = job(
        &org,
        spec(json!({"object":"Organization","operation":"insert"})),
        b"Name\nSecond Org\n",
    );
    run_ingest(&org, &j, BulkSettings::default());
    let RowOutcome::Failed(f) = &j.lock().outcomes[0] else {
        panic!()
    };
    assert_eq!(
        &*f.error,
        "INVALID_TYPE_FOR_OPERATION:entity type cannot be inserted: Organization:--"
    );
    assert_eq!(org.store.read().count("Organization"), 1);
    let user = org.users[0].id.to_string();
    let csv: &'static [u8] = Box::leak(format!("Id\n{user}\n").into_bytes().into_boxed_slice());
    let j = job(
        &org,
        spec(json!({"object":"User","operation":"delete"})),
        csv,
    );
    run_ingest(&org, &j, BulkSettings::default());
    let RowOutcome::Failed(f) = &j.lock().outcomes[0] else {
        panic!()
    };
    assert!(f
        .error
        .starts_with("INVALID_TYPE_FOR_OPERATION:entity type cannot be deleted: User"));
}

#[test]
fn update_and_delete_need_an_id_column() {
    let org = Org::default_org();
    let id = org
        .store
        .read()
        .find_by_external("Account", "ERP_Id__c", "A-1002")
        .unwrap()[0]
        .to_string();
    let csv: &'static [u8] = Box::leak(
        format!("Id,Phone\n{id},555\n,556\n")
            .into_bytes()
            .into_boxed_slice(),
    );
    let j = job(
        &org,
        spec(json!({"object":"Account","operation":"update"})),
        csv,
    );
    run_ingest(&org, &j, BulkSettings::default());
    let j = j.lock();
    assert!(matches!(
        &j.outcomes[0],
        RowOutcome::Success { created: false, .. }
    ));
    assert!(
        matches!(&j.outcomes[1], RowOutcome::Failed(f) if f.error.starts_with("MISSING_ARGUMENT:Id not specified in an update call"))
    );
    drop(j);
    let csv: &'static [u8] = Box::leak(format!("Id\n{id}\n").into_bytes().into_boxed_slice());
    let before = org.store.read().count("Account");
    let d = job(
        &org,
        spec(json!({"object":"Account","operation":"delete"})),
        csv,
    );
    run_ingest(&org, &d, BulkSettings::default());
    assert_eq!(d.lock().header.state, JobState::JobComplete);
    assert_eq!(org.store.read().count("Account"), before - 1);
}

#[test]
fn an_unknown_column_fails_the_job_with_its_name() {
    let org = Org::default_org();
    let j = job(
        &org,
        spec(json!({"object":"Account","operation":"insert"})),
        b"Name,Bogus__c\nA,B\n",
    );
    run_ingest(&org, &j, BulkSettings::default());
    let j = j.lock();
    assert_eq!(j.header.state, JobState::Failed);
    assert_eq!(
        j.header.error_message.as_deref(),
        Some("InvalidBatch : Field name not found : Bogus__c")
    );
    let info = j.info();
    assert_eq!(
        info["errorMessage"],
        "InvalidBatch : Field name not found : Bogus__c"
    );
}

#[test]
fn a_crlf_file_fails_an_lf_job() {
    let org = Org::default_org();
    let j = job(
        &org,
        spec(json!({"object":"Account","operation":"insert"})),
        b"Name\r\nA\r\n",
    );
    run_ingest(&org, &j, BulkSettings::default());
    assert_eq!(j.lock().header.state, JobState::Failed);
    assert!(j
        .lock()
        .header
        .error_message
        .as_deref()
        .unwrap()
        .contains("LineEnding is invalid"));
}

#[test]
fn lock_contention_fails_about_the_configured_share_of_rows() {
    let org = Org::default_org();
    let mut csv = String::from("Name\n");
    for i in 0..2000 {
        csv.push_str(&format!("Lock {i}\n"));
    }
    let csv: &'static [u8] = Box::leak(csv.into_bytes().into_boxed_slice());
    let j = job(
        &org,
        spec(json!({"object":"Account","operation":"insert"})),
        csv,
    );
    let settings = BulkSettings {
        lock_row_failure_rate: 0.2,
        ..Default::default()
    };
    run_ingest(&org, &j, settings);
    let j = j.lock();
    assert!(
        (300..500).contains(&j.number_records_failed),
        "{}",
        j.number_records_failed
    );
    let failed = j.outcomes.iter().find_map(|o| match o {
        RowOutcome::Failed(f) => Some(f.error.to_string()),
        _ => None,
    });
    assert!(failed
        .unwrap()
        .starts_with("UNABLE_TO_LOCK_ROW:unable to obtain exclusive access"));
}

#[test]
fn an_aborted_job_is_not_processed() {
    let org = Org::default_org();
    let j = job(
        &org,
        spec(json!({"object":"Account","operation":"insert"})),
        b"Name\nA\n",
    );
    j.lock().header.state = JobState::Aborted;
    run_ingest(&org, &j, BulkSettings::default());
    assert_eq!(j.lock().header.state, JobState::Aborted);
    assert!(j.lock().outcomes.is_empty());
}

#[test]
fn hard_delete_removes_the_record_for_good() {
    let org = Org::default_org();
    let id = org
        .store
        .read()
        .find_by_external("Account", "ERP_Id__c", "A-1002")
        .unwrap()[0];
    let csv: &'static [u8] = Box::leak(format!("Id\n{id}\n").into_bytes().into_boxed_slice());
    let s = spec(json!({"object":"Account","operation":"hardDelete"}));
    let j = job(&org, s, csv);
    run_ingest(&org, &j, BulkSettings::default());
    assert_eq!(j.lock().header.state, JobState::JobComplete);
    assert!(org.store.read().record(&id).is_none());
}

#[test]
fn a_plan_knows_the_schema_it_was_made_under() {
    let org = Org::default_org();
    let header = ["Name".to_string(), "ERP_Id__c".to_string()];
    let plan = plan_columns(
        &org.store.read(),
        "Account",
        Some("ERP_Id__c"),
        IngestOperation::Upsert,
        &header,
    )
    .unwrap();
    assert_eq!(plan.schema_key, org.store.read().schema_key());
    org.store
        .write()
        .define_field(
            "Account",
            crate::org::schema::FieldDef::new(
                "Tier__c",
                "Tier",
                crate::org::schema::FieldType::String,
            ),
        )
        .unwrap();
    assert_ne!(
        plan.schema_key,
        org.store.read().schema_key(),
        "the worker plans the header again"
    );
    let again = plan_columns(
        &org.store.read(),
        "Account",
        Some("ERP_Id__c"),
        IngestOperation::Upsert,
        &header,
    )
    .unwrap();
    assert_eq!(
        again.columns, plan.columns,
        "existing fields keep their slots"
    );
}

#[test]
fn a_cell_that_does_not_fit_its_field_fails_as_the_bulk_api_words_it() {
    let org = Org::default_org();
    let s = spec(json!({"object":"Account","operation":"insert"}));
    let j = job(&org, s, b"Name,NumberOfEmployees\nFits,12\nDoes not,many\n");
    run_ingest(&org, &j, BulkSettings::default());
    let j = j.lock();
    assert_eq!(j.number_records_failed, 1);
    let failed = failed_results(&j);
    assert_eq!(
        failed,
        "\"sf__Id\",\"sf__Error\",Name,NumberOfEmployees\n,\"INVALID_FIELD:Failed to deserialize field at col 2. Due to, 'many' is not a valid value for the type xsd:int:NumberOfEmployees --\",Does not,many\n",
        "the error holds a comma, so it is quoted"
    );
}

#[test]
fn room_is_made_for_the_rows_a_load_can_add() {
    assert_eq!(data_rows_about(b"Name\nA\nB\n"), 2);
    assert_eq!(
        data_rows_about(b"Name\r\nA\r\nB"),
        2,
        "no line break after the last row"
    );
    assert_eq!(data_rows_about(b"Name\n"), 0);
    assert_eq!(data_rows_about(b""), 0);
    assert_eq!(
        rows_to_make_room_for(IngestOperation::Insert, 500, 10_000),
        500
    );
    assert_eq!(
        rows_to_make_room_for(IngestOperation::Upsert, 500, 200),
        300
    );
    assert_eq!(
        rows_to_make_room_for(IngestOperation::Upsert, 500, 10_000),
        0
    );
    assert_eq!(rows_to_make_room_for(IngestOperation::Update, 500, 0), 0);
    assert_eq!(
        rows_to_make_room_for(IngestOperation::HardDelete, 500, 0),
        0
    );
}
