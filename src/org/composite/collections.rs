//! sObject Collections: create, update, upsert, delete and retrieve up to 200 records in one
//! call, with per-record results in request order.
//!
//! Each record goes through the store's own DML, so validation, error codes and texts are
//! those of single-record REST calls; errors are reported as `{statusCode, message, fields}`
//! (Collections say `statusCode`, not `errorCode`). With `allOrNone` every record is still
//! attempted so all real errors are reported, then the whole call is rolled back and the
//! records that had succeeded report ALL_OR_NONE_OPERATION_ROLLED_BACK. Records of one update
//! or upsert that name the same record (Id or upsert key) all fail with DUPLICATE_VALUE.
//!
//! Where the org enforces object access, each record asks it through a [`RecordGate`]: a
//! record of an object the caller cannot read fails as one of an unknown object would
//! (NOT_FOUND), a write they may not make fails with the refusal's code and text
//! (INSUFFICIENT_ACCESS_OR_READONLY), one naming fields they may not edit fails with
//! INVALID_FIELD_FOR_INSERT_UPDATE naming them (as the sObject resource refuses the write),
//! and the other records go on as for any failed record.
//!
//! A create or update whose records fall into more than ten chunks (runs of consecutive
//! records of one type) saves nothing: every record fails with INVALID_BATCH_REQUEST.
//!
//! Implementation notes: the over-200 answer (EXCEEDED_ID_LIMIT) follows the SOAP API's
//! documented text; the REST variant was not verified. Failed results carry no `id`, as in
//! the documented examples.

use super::error::CompositeError;
use crate::org::auth::access::{ObjectDenial, Op};
use crate::org::error::{ErrorCode, SfError, UpsertError};
use crate::org::ids::SfId;
use crate::org::repeated_keys::{repeated_external_id, repeated_id, KeyKind, RepeatedKeys};
use crate::org::schema::{ObjectDef, SystemField};
use crate::org::store::{Actor, Store, UpsertMode};
use serde::Deserialize;
use serde_json::{json, Map, Value};

pub const MAX_COLLECTION_RECORDS: usize = 200;

pub(crate) const ROLLED_BACK: &str = "Record rolled back because not all records were valid and the request was using AllOrNone header";

/// One error of one record: `{statusCode, message, fields}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub status_code: String,
    pub message: String,
    pub fields: Vec<String>,
}

impl From<SfError> for RecordError {
    fn from(e: SfError) -> RecordError {
        RecordError {
            status_code: e.code.as_str().to_string(),
            message: e.message,
            fields: e.fields,
        }
    }
}

impl From<ObjectDenial> for RecordError {
    fn from(d: ObjectDenial) -> RecordError {
        match d {
            ObjectDenial::Unseen => SfError::not_found().into(),
            ObjectDenial::Refused(r) => RecordError {
                status_code: r.error_code.to_string(),
                message: r.message,
                fields: Vec::new(),
            },
        }
    }
}

/// The org's access, asked once per record.
pub trait RecordGate {
    /// Why the caller may not `op` records of an object (its canonical name), or `None`
    /// when they may.
    fn object(&self, object: &str, op: Op) -> Option<ObjectDenial>;

    /// Field-level security on a record's write: the refusal naming the fields of `keys`
    /// the caller may not edit, or `None` when they may edit them all.
    fn fields(&self, _object: &ObjectDef, _keys: &[&String]) -> Option<RecordError> {
        None
    }
}

/// An object gate alone (no field-level security).
impl<F: Fn(&str, Op) -> Option<ObjectDenial>> RecordGate for F {
    fn object(&self, object: &str, op: Op) -> Option<ObjectDenial> {
        self(object, op)
    }
}

pub type ObjectGate<'a> = &'a dyn RecordGate;

/// A gate that lets every write through (callers that act as the org itself).
pub fn open_gate(_: &str, _: Op) -> Option<ObjectDenial> {
    None
}

/// The gate's answer for `op` on `object`, spelled as the schema spells the object, then
/// for the fields `record` writes.
fn denial(
    store: &Store,
    gate: ObjectGate,
    object: &str,
    op: Op,
    record: &Map<String, Value>,
) -> Option<RecordError> {
    let Some(def) = store.schema().object(object) else {
        return gate.object(object, op).map(RecordError::from);
    };
    if let Some(d) = gate.object(&def.name, op) {
        return Some(d.into());
    }
    let keys: Vec<&String> = record.keys().filter(|k| *k != "attributes").collect();
    gate.fields(def, &keys)
}

/// The outcome of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct SaveResult {
    pub id: Option<String>,
    pub created: Option<bool>,
    pub errors: Vec<RecordError>,
}

impl SaveResult {
    fn ok(id: String, created: Option<bool>) -> SaveResult {
        SaveResult {
            id: Some(id),
            created,
            errors: Vec::new(),
        }
    }

    fn err(id: Option<String>, e: SfError) -> SaveResult {
        SaveResult::refused(id, e.into())
    }

    fn refused(id: Option<String>, e: RecordError) -> SaveResult {
        SaveResult {
            id,
            created: None,
            errors: vec![e],
        }
    }

    pub fn success(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        if self.success() {
            if let Some(id) = &self.id {
                m.insert("id".into(), json!(id));
            }
        }
        m.insert("success".into(), json!(self.success()));
        let errors: Vec<Value> = self
            .errors
            .iter()
            .map(|e| json!({"statusCode": e.status_code, "message": e.message, "fields": e.fields}))
            .collect();
        m.insert("errors".into(), Value::Array(errors));
        if let Some(created) = self.created {
            m.insert("created".into(), json!(created));
        }
        Value::Object(m)
    }
}

/// A create, update or upsert body. `records` is required: a body without it (`{}`, or a
/// misspelled `"record"` / `"Records"`) is refused with 400 JSON_PARSER_ERROR "Missing required
/// field 'records'" instead of saving nothing. [D] the reference marks `records` "Required" and
/// answers a request that isn't well formed with 400; [U] the code and text are those real orgs
/// give for a missing required field of other composite bodies ("'referenceId' is a required
/// field.", JSON_PARSER_ERROR), not a captured answer for this one.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionRequest {
    #[serde(default)]
    pub all_or_none: bool,
    pub records: Vec<Map<String, Value>>,
}

pub fn parse_request(body: &[u8]) -> Result<CollectionRequest, CompositeError> {
    super::error::require_object(body, r#"{"allOrNone": false, "records": […]}"#)?;
    let req: CollectionRequest = serde_json::from_slice(body)
        .map_err(|e| CompositeError::Json(crate::org::rest::body::jackson_message(body, &e)))?;
    check_count(req.records.len())?;
    Ok(req)
}

pub fn check_count(n: usize) -> Result<(), CompositeError> {
    if n > MAX_COLLECTION_RECORDS {
        return Err(CompositeError::IdLimit(format!(
            "record limit reached. cannot submit more than {MAX_COLLECTION_RECORDS} records into this call (this one has {n}). Split the records into calls of 200 or use Bulk API 2.0."
        )));
    }
    Ok(())
}

fn record_type(record: &Map<String, Value>) -> Option<&str> {
    record
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
}

fn missing_type() -> SfError {
    SfError::new(
        ErrorCode::INVALID_TYPE,
        "Each record needs attributes.type naming its sObject, e.g. {\"attributes\":{\"type\":\"Account\"}}.",
    )
}

fn take_id(record: &mut Map<String, Value>) -> Option<String> {
    let key = record
        .keys()
        .find(|k| k.eq_ignore_ascii_case("Id"))?
        .clone();
    record
        .remove(&key)
        .and_then(|v| v.as_str().map(str::to_string))
}

/// Which DML a collection call performs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CollectionOp {
    Create,
    Update,
    Upsert { object: String, field: String },
}

fn one(
    store: &mut Store,
    actor: &Actor,
    gate: ObjectGate,
    op: &CollectionOp,
    record: &Map<String, Value>,
) -> SaveResult {
    let mut record = record.clone();
    match op {
        CollectionOp::Create => {
            let Some(t) = record_type(&record).map(str::to_string) else {
                return SaveResult::err(None, missing_type());
            };
            if let Some(e) = denial(store, gate, &t, Op::Create, &record) {
                return SaveResult::refused(None, e);
            }
            if take_id(&mut record).is_some_and(|id| !id.is_empty()) {
                return SaveResult::err(
                    None,
                    SfError::new(
                        ErrorCode::INVALID_FIELD_FOR_INSERT_UPDATE,
                        "cannot specify Id in an insert call",
                    )
                    .with_fields(vec!["Id".into()]),
                );
            }
            match store.insert(&t, &record, actor) {
                Ok(c) => SaveResult::ok(c.to_string(), None),
                Err(e) => SaveResult::err(None, e),
            }
        }
        CollectionOp::Update => {
            let Some(t) = record_type(&record).map(str::to_string) else {
                return SaveResult::err(None, missing_type());
            };
            let Some(id) = take_id(&mut record).filter(|i| !i.is_empty()) else {
                return SaveResult::err(
                    None,
                    SfError::new(
                        ErrorCode::MALFORMED_ID,
                        "Id not specified in an update call",
                    )
                    .with_fields(vec!["Id".into()]),
                );
            };
            if let Some(e) = denial(store, gate, &t, Op::Edit, &record) {
                return SaveResult::refused(Some(id), e);
            }
            match store.update(&t, &id, &record, actor) {
                Ok(c) => SaveResult::ok(c.to_string(), None),
                Err(e) => SaveResult::err(Some(id), e),
            }
        }
        CollectionOp::Upsert { object, field } => {
            // Each record names its type here too, as for create and update.
            let Some(t) = record_type(&record) else {
                return SaveResult::err(None, missing_type());
            };
            if !t.eq_ignore_ascii_case(object) {
                return SaveResult::err(
                    None,
                    SfError::new(
                        ErrorCode::INVALID_TYPE,
                        format!("Record type {t} does not match the upsert object {object}"),
                    ),
                );
            }
            let key = upsert_key(&record, field);
            if key.is_empty() && !field.eq_ignore_ascii_case("Id") {
                return SaveResult::err(
                    None,
                    SfError::new(
                        ErrorCode::REQUIRED_FIELD_MISSING,
                        format!("Required fields are missing: [{field}]"),
                    )
                    .with_fields(vec![field.clone()]),
                );
            }
            // A record that will update needs Edit, one that will create needs Create.
            let exists = !key.is_empty()
                && store
                    .find_by_external(object, field, &key)
                    .is_ok_and(|ids| !ids.is_empty());
            let needs = if exists { Op::Edit } else { Op::Create };
            if let Some(e) = denial(store, gate, object, needs, &record) {
                return SaveResult {
                    created: Some(!exists),
                    ..SaveResult::refused(None, e)
                };
            }
            if field.eq_ignore_ascii_case("Id") {
                take_id(&mut record);
            }
            match store.upsert(object, field, &key, &record, UpsertMode::default(), actor) {
                Ok((c, created)) => SaveResult::ok(c.to_string(), Some(created)),
                Err(UpsertError::Rejected(e)) => refused_upsert(store, object, field, &key, e),
                Err(UpsertError::MultipleMatches { ids, .. }) => SaveResult {
                    created: Some(false),
                    ..SaveResult::err(
                        None,
                        SfError::new(
                            ErrorCode::DUPLICATE_EXTERNAL_ID,
                            format!(
                                "{field}: more than one record found for external id field: [{}]",
                                ids.iter()
                                    .map(|i| i.to_string())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                        .with_fields(vec![field.clone()]),
                    )
                },
            }
        }
    }
}

/// The upsert key a record carries in `field`, as text (empty if it has none).
fn upsert_key(record: &Map<String, Value>, field: &str) -> String {
    record
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(field))
        .map(|(_, v)| match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        })
        .unwrap_or_default()
}

/// A refused upsert record still says whether it was to be created: no record had its key
/// (a real org's allOrNone upsert answers `created: true` on the failing new row).
fn refused_upsert(store: &Store, object: &str, field: &str, key: &str, e: SfError) -> SaveResult {
    SaveResult {
        created: Some(
            key.is_empty()
                || store
                    .find_by_external(object, field, key)
                    .map_or(true, |ids| ids.is_empty()),
        ),
        ..SaveResult::err(None, e)
    }
}

/// Which records repeat the key of another record of the call (see
/// `crate::org::repeated_keys`): the Id of an update, the key of an upsert.
fn repeated_keys(store: &Store, op: &CollectionOp, records: &[Map<String, Value>]) -> Vec<bool> {
    let (kind, keys): (KeyKind, Vec<String>) = match op {
        CollectionOp::Create => return vec![false; records.len()],
        CollectionOp::Update => (
            KeyKind::RecordId,
            records.iter().map(|r| upsert_key(r, "Id")).collect(),
        ),
        CollectionOp::Upsert { object, field } => {
            let schema = store.schema();
            let kind = match schema.object(object).and_then(|o| o.field(field)) {
                Some(f) if f.system == Some(SystemField::Id) => KeyKind::RecordId,
                Some(f) => KeyKind::ExternalId {
                    case_sensitive: f.case_sensitive,
                },
                None => return vec![false; records.len()],
            };
            (kind, records.iter().map(|r| upsert_key(r, field)).collect())
        }
    };
    RepeatedKeys::new()
        .find(keys.len(), kind, |i| keys[i].as_str())
        .to_vec()
}

/// The result of a record whose key another record of the call repeats.
fn repeated(store: &Store, op: &CollectionOp, record: &Map<String, Value>) -> SaveResult {
    match op {
        CollectionOp::Upsert { object, field } => {
            let key = upsert_key(record, field);
            let e = if field.eq_ignore_ascii_case("Id") {
                repeated_id(&key)
            } else {
                repeated_external_id(&key, field)
            };
            refused_upsert(store, object, field, &key, e)
        }
        _ => {
            let id = upsert_key(record, "Id");
            SaveResult::err(Some(id.clone()), repeated_id(&id))
        }
    }
}

fn rolled_back(r: &SaveResult) -> SaveResult {
    if r.success() {
        SaveResult {
            id: None,
            created: r.created,
            errors: vec![RecordError {
                status_code: "ALL_OR_NONE_OPERATION_ROLLED_BACK".into(),
                message: ROLLED_BACK.into(),
                fields: Vec::new(),
            }],
        }
    } else {
        r.clone()
    }
}

/// Runs a batch of per-record writes with collection semantics.
fn run_batch<F>(store: &mut Store, n: usize, all_or_none: bool, mut each: F) -> Vec<SaveResult>
where
    F: FnMut(&mut Store, usize) -> SaveResult,
{
    if !all_or_none {
        // Partial success is still one call and one transaction: the records that stand
        // commit together (one transaction key for their change events).
        return store.commit_together(|s| (0..n).map(|i| each(s, i)).collect());
    }
    // A savepoint, not `Store::all_or_none`: inside a composite unit the store's batch
    // joins the unit and would leave this call's writes for the unit to decide.
    let sp = store.savepoint();
    let results: Vec<SaveResult> = (0..n).map(|i| each(store, i)).collect();
    if results.iter().all(SaveResult::success) {
        store.release(sp);
        results
    } else {
        store.rollback_to(sp);
        results.iter().map(rolled_back).collect()
    }
}

/// Create, update or upsert a list of records.
pub fn save(
    store: &mut Store,
    actor: &Actor,
    op: &CollectionOp,
    records: &[Map<String, Value>],
    all_or_none: bool,
) -> Vec<SaveResult> {
    save_through(store, actor, &open_gate, op, records, all_or_none)
}

/// How many chunks one create or update may hold: a chunk is a run of consecutive records
/// of one type (documented: "A single request can process up to 10 chunks").
pub const MAX_COLLECTION_CHUNKS: usize = 10;

/// The chunks `records` fall into: runs of consecutive records of one `attributes.type`.
pub fn chunk_count(records: &[Map<String, Value>]) -> usize {
    let types: Vec<String> = records
        .iter()
        .map(|r| record_type(r).unwrap_or("").to_ascii_lowercase())
        .collect();
    types
        .iter()
        .enumerate()
        .filter(|&(i, t)| i == 0 || *t != types[i - 1])
        .count()
}

/// Every record of a create or update over [`MAX_COLLECTION_CHUNKS`] fails and none is
/// saved. [U] The limit is documented but a real org's answer to breaking it is not: the
/// code (INVALID_BATCH_REQUEST, per record in a 200) is assumed, and the text is the one
/// Apex DML gives for the same limit.
fn too_many_chunks(op: &CollectionOp, records: &[Map<String, Value>]) -> Option<Vec<SaveResult>> {
    if !matches!(op, CollectionOp::Create | CollectionOp::Update) {
        return None;
    }
    let chunks = chunk_count(records);
    if chunks <= MAX_COLLECTION_CHUNKS {
        return None;
    }
    let error = RecordError {
        status_code: "INVALID_BATCH_REQUEST".into(),
        message: format!(
            "Cannot have more than {MAX_COLLECTION_CHUNKS} chunks in a single operation (this one has {chunks}: a chunk is a run of consecutive records of one type). Please rearrange the data to reduce chunking: put the records of each type together."
        ),
        fields: Vec::new(),
    };
    Some(
        records
            .iter()
            .map(|_| SaveResult::refused(None, error.clone()))
            .collect(),
    )
}

/// [`save`], each record asking `gate` first.
pub fn save_through(
    store: &mut Store,
    actor: &Actor,
    gate: ObjectGate,
    op: &CollectionOp,
    records: &[Map<String, Value>],
    all_or_none: bool,
) -> Vec<SaveResult> {
    if let Some(refused) = too_many_chunks(op, records) {
        return refused;
    }
    let repeats = repeated_keys(store, op, records);
    run_batch(store, records.len(), all_or_none, |s, i| {
        if repeats[i] {
            repeated(s, op, &records[i])
        } else {
            one(s, actor, gate, op, &records[i])
        }
    })
}

/// Delete records by id (any object, found from the key prefix).
pub fn delete(
    store: &mut Store,
    actor: &Actor,
    ids: &[String],
    all_or_none: bool,
) -> Vec<SaveResult> {
    delete_through(store, actor, &open_gate, ids, all_or_none)
}

/// The object a record id names by its key prefix, if the schema has it.
fn object_of(store: &Store, id: &str) -> Option<String> {
    let id = SfId::parse(id).ok()?;
    let index = store.schema().object_by_prefix(id.key_prefix())?;
    Some(store.object(index).name.clone())
}

/// [`delete`], each record asking `gate` first.
pub fn delete_through(
    store: &mut Store,
    actor: &Actor,
    gate: ObjectGate,
    ids: &[String],
    all_or_none: bool,
) -> Vec<SaveResult> {
    let together: Vec<SfId> = ids.iter().filter_map(|id| SfId::parse(id).ok()).collect();
    store.deleting_together(together, |store| {
        run_batch(store, ids.len(), all_or_none, |s, i| {
            let refused =
                object_of(s, &ids[i]).and_then(|o| denial(s, gate, &o, Op::Delete, &Map::new()));
            if let Some(e) = refused {
                return SaveResult::refused(Some(ids[i].clone()), e);
            }
            match s.delete(None, &ids[i], actor) {
                Ok(c) => SaveResult::ok(c.to_string(), None),
                Err(e) => SaveResult::err(Some(ids[i].clone()), e),
            }
        })
    })
}

/// Retrieve records of one object; ids that match nothing give `null` in their place.
pub fn retrieve(
    store: &Store,
    object: &str,
    ids: &[String],
    fields: &[String],
    version: &str,
) -> Result<Value, SfError> {
    store.object_index(object)?;
    if fields.is_empty() {
        return Err(SfError::new(
            ErrorCode::INVALID_FIELD,
            "Name the fields to return: fields=Name,Industry (or \"fields\": [...] in the body).",
        ));
    }
    let names: Vec<&str> = fields.iter().map(String::as_str).collect();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match store.retrieve(object, id, Some(&names), version) {
            Ok(v) => out.push(v),
            Err(e) if e.code == ErrorCode::NOT_FOUND || e.code == ErrorCode::MALFORMED_ID => {
                out.push(Value::Null)
            }
            Err(e) => return Err(e),
        }
    }
    Ok(Value::Array(out))
}

/// Splits `a,b,c` query values, dropping blanks.
pub fn split_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
