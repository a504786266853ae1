//! Applying an ingest job's CSV rows to the org's store, row by row.
//!
//! The header is planned once ([`plan_columns`]): each column becomes a field, the record
//! `Id`, or a parent reference (`Account.ERP_Id__c`, `ReportsTo.Email`,
//! `Account:What.ERP_Id__c`; see `super::parent_column`). Each row then becomes a
//! field map for the store's own DML — the same validation, error codes and texts as the
//! REST API — and its outcome is recorded for the result files.
//!
//! Bulk CSV conventions: an empty value leaves the field alone (unset on insert, unchanged
//! on update); `#N/A` sets it to null; a typed field reads its cell without the spaces
//! around it, a date field also in the `yyyy-MM-ddZ` form (see `super::cell`). A key (Id, or
//! the upsert's external id) that two rows of one batch of 200 share fails both rows
//! ([`BatchKey`]).
//!
//! Implementation notes: the texts for a missing Id on update (`MISSING_ARGUMENT:Id not
//! specified in an update call`), an unknown header column (`Field name not found`), a cell
//! that does not fit its field (`INVALID_FIELD:Failed to deserialize field at col 3. Due to,
//! 'x' is not a valid value for the type xsd:date:CloseDate --`) and the external-id check at
//! job creation follow messages real orgs are known to give; the texts for an unknown parent
//! key and a simulated lock are modelled on them, not verified.

use super::cell::CellForm;
use super::ingest_job::IngestSpec;
use super::job::IngestOperation;
use super::parent_column::{self, BothWays};
use super::results::{sf_error_text, RowOutcome};
use super::rows::QuoteFault;
use super::text_row::TextRow;
use crate::org::error::{SfError, UpsertError};
use crate::org::repeated_keys::{repeated_external_id, repeated_id, KeyKind};
use crate::org::schema::SystemField;
use crate::org::store::{Actor, Store, UpsertMode};
use crate::org::{Entry, FieldName, Given};
use crate::wording::plural;

/// What one CSV column feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// A field of the job's object, by its slot in the object's schema.
    Field(u16),
    /// The record id (update, delete, hardDelete, or upsert on Id).
    Id,
    /// A parent found by a field that finds one record: `Account.ERP_Id__c`,
    /// `ReportsTo.Email`, `Account:What.ERP_Id__c` (see `super::parent_column`).
    Parent {
        /// The lookup field's slot.
        lookup: u16,
        parent_object: String,
        external_field: String,
        /// Whether the field has an index (Id, external id, unique); an idLookup field
        /// without one (Email) is found by reading the parent's records.
        indexed: bool,
    },
}

/// The field an upsert job matches rows on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsertKey {
    /// As the schema spells it (`Id` for upserts on the record id).
    pub name: String,
    pub slot: u16,
    /// Whether the field's values match case-sensitively.
    pub case_sensitive: bool,
}

/// The column whose value may appear only once in a batch of [`super::worker::COMMIT_ROWS`]
/// rows: the record Id of an update or delete, the upsert key of an upsert (see
/// `crate::org::repeated_keys`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchKey {
    pub column: usize,
    pub kind: KeyKind,
    /// The external id field, for upserts by external id.
    pub field: Option<String>,
    /// The Id column, if the header has one.
    pub id_column: Option<usize>,
    /// The number of columns a row must have to be applied at all.
    pub width: usize,
}

impl BatchKey {
    /// The row's key; empty for a row that is refused for its shape anyway.
    pub fn of<'r>(&self, row: &'r TextRow) -> &'r str {
        if row.len() == self.width {
            row.get(self.column).unwrap_or("")
        } else {
            ""
        }
    }

    /// The outcome of a row whose key another row of its batch repeats. (Rare: kept out of
    /// the row loop's code.)
    #[cold]
    #[inline(never)]
    pub fn repeated(&self, row: &TextRow) -> RowOutcome {
        let id = self.id_column.and_then(|c| row.get(c)).unwrap_or("");
        let key = self.of(row);
        let e = match &self.field {
            Some(field) => repeated_external_id(key, field),
            None => repeated_id(key),
        };
        failed(id, error_text(&e).into_string())
    }
}

/// How the columns of an upload map onto the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnPlan {
    pub object: String,
    /// The object's index in the store's schema (resolved once per upload).
    pub object_index: usize,
    pub columns: Vec<Column>,
    /// The upsert key, for upsert jobs.
    pub upsert_key: Option<UpsertKey>,
    /// The store's [`Store::schema_key`] the slots were resolved under: a plan made under
    /// another schema is made again.
    pub schema_key: u64,
    /// Where the org enforces object access and the job's user may not edit some of the
    /// header's fields: the INVALID_FIELD_FOR_INSERT_UPDATE error every writing row fails
    /// with (see [`ColumnPlan::refuse_uneditable`]).
    pub refused: Option<String>,
    /// Columns naming one lookup both by id and through its relationship (usually none):
    /// a row filling both fails (see `super::parent_column::refusal`).
    pub both_ways: Vec<BothWays>,
    /// How each column's cells are read (see `super::cell`).
    pub cell_forms: Vec<CellForm>,
}

/// Checks the job's object and external id field at creation; returns the object's
/// schema spelling. Errors read as the INVALIDJOB messages of the API.
pub fn check_job_target(store: &Store, spec: &IngestSpec) -> Result<String, String> {
    let schema = store.schema();
    let object = schema
        .object(&spec.object)
        .ok_or_else(|| format!("InvalidJob : Unable to find object: {}", spec.object))?;
    if let Some(ext) = &spec.external_id_field {
        let ok = object
            .field(ext)
            .is_some_and(|f| f.external_id || f.unique || f.system == Some(SystemField::Id));
        if !ok {
            return Err(format!(
                "InvalidJob : Field name provided, {ext} does not match an External ID, Salesforce Id, or indexed field for {}",
                object.name
            ));
        }
    }
    Ok(object.name.clone())
}

/// Plans the header of an upload for `operation`; an unusable column fails the whole job,
/// as does a delete's column other than `Id`.
pub fn plan_columns(
    store: &Store,
    object: &str,
    external_id_field: Option<&str>,
    operation: IngestOperation,
    header: &[String],
) -> Result<ColumnPlan, String> {
    let schema = store.schema();
    let obj = schema
        .object(object)
        .ok_or_else(|| format!("InvalidJob : Unable to find object: {object}"))?;
    // A real org fails a delete job whose file holds more than ids ("InvalidBatch : The
    // 'delete' batch must contain only ids"), rather than deleting and ignoring the rest.
    // [U] The hardDelete wording is assumed to name its own operation.
    let deletes = matches!(
        operation,
        IngestOperation::Delete | IngestOperation::HardDelete
    );
    if deletes && header.iter().any(|h| !h.eq_ignore_ascii_case("Id")) {
        return Err(format!(
            "InvalidBatch : The '{}' batch must contain only ids",
            operation.as_str()
        ));
    }
    let not_found = |name: &str| format!("InvalidBatch : Field name not found : {name}");
    let mut columns = Vec::with_capacity(header.len());
    for name in header {
        if name.contains('.') {
            columns.push(parent_column::plan(schema, obj, name)?);
            continue;
        }
        let fi = obj.field_index(name).ok_or_else(|| not_found(name))?;
        if obj.fields[fi].system == Some(SystemField::Id) {
            columns.push(Column::Id);
        } else {
            columns.push(Column::Field(fi as u16));
        }
    }
    let cell_forms = columns
        .iter()
        .map(|c| match c {
            Column::Field(slot) => CellForm::of(obj.fields[*slot as usize].field_type),
            _ => CellForm::AsSent,
        })
        .collect();
    let upsert_key = match external_id_field {
        None => None,
        Some(ext) => {
            let fi = obj.field_index(ext).ok_or_else(|| {
                format!("InvalidJob : Field name provided, {ext} does not match an External ID, Salesforce Id, or indexed field for {}", obj.name)
            })?;
            let f = &obj.fields[fi];
            let name = if f.system == Some(SystemField::Id) {
                "Id".to_string()
            } else {
                f.name.clone()
            };
            Some(UpsertKey {
                name,
                slot: fi as u16,
                case_sensitive: f.case_sensitive,
            })
        }
    };
    Ok(ColumnPlan {
        object: obj.name.clone(),
        object_index: store.object_index(object).map_err(|e| e.message)?,
        upsert_key,
        schema_key: store.schema_key(),
        refused: None,
        both_ways: parent_column::both_ways(obj, &columns),
        columns,
        cell_forms,
    })
}

impl ColumnPlan {
    /// Field-level security for the job's user, where the org enforces object access: when
    /// the header names fields they may not edit, every row that writes (insert, update,
    /// upsert) fails naming them, as the sObject resource refuses such a write. The header is
    /// the same for every row, so it is judged once per upload.
    pub fn refuse_uneditable(
        &mut self,
        store: &Store,
        auth: &crate::org::auth::AuthServer,
        user_id: &str,
        operation: IngestOperation,
    ) {
        if matches!(
            operation,
            IngestOperation::Delete | IngestOperation::HardDelete
        ) {
            return;
        }
        let Some(obj) = store.schema().object(&self.object) else {
            return;
        };
        let named: Vec<String> = self
            .columns
            .iter()
            .filter_map(|c| match c {
                Column::Field(fi) | Column::Parent { lookup: fi, .. } => {
                    Some(obj.fields[*fi as usize].name.clone())
                }
                Column::Id => None,
            })
            .collect();
        self.refused = auth
            .field_write_refusal(user_id, obj, &named)
            .map(|(r, fields)| sf_error_text(r.error_code, &r.message, &fields));
    }

    /// The key that must not repeat within a batch for `op`; `None` for inserts, and when the
    /// header lacks the key's column (every row then fails on its own).
    pub fn batch_key(&self, op: IngestOperation) -> Option<BatchKey> {
        let id_column = self.columns.iter().position(|c| *c == Column::Id);
        let (column, kind, field) = match (op, &self.upsert_key) {
            (IngestOperation::Insert, _) => return None,
            (IngestOperation::Upsert, Some(k)) if k.name != "Id" => {
                let column = self
                    .columns
                    .iter()
                    .position(|c| *c == Column::Field(k.slot))?;
                let kind = KeyKind::ExternalId {
                    case_sensitive: k.case_sensitive,
                };
                (column, kind, Some(k.name.clone()))
            }
            _ => (id_column?, KeyKind::RecordId, None),
        };
        Some(BatchKey {
            column,
            kind,
            field,
            id_column,
            width: self.columns.len(),
        })
    }
}

/// How many new records to make room for before applying an upload of about `data_rows`
/// rows to an object holding `stored` records: every row for an insert; for an upsert, the
/// rows beyond what the object already holds (the rest may well be updates, and room made
/// for nothing would only cost memory); none for the other operations.
pub fn rows_to_make_room_for(op: IngestOperation, data_rows: usize, stored: usize) -> usize {
    match op {
        IngestOperation::Insert => data_rows,
        IngestOperation::Upsert => data_rows.saturating_sub(stored),
        IngestOperation::Update | IngestOperation::Delete | IngestOperation::HardDelete => 0,
    }
}

/// About how many data rows an upload holds: its line breaks, less the header's (a quoted
/// value spanning lines makes this an overestimate, which is harmless).
pub fn data_rows_about(upload: &[u8]) -> usize {
    upload
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        .saturating_sub(1)
        + usize::from(!upload.is_empty() && !upload.ends_with(b"\n"))
}

fn error_text(e: &SfError) -> Box<str> {
    sf_error_text(e.code.as_str(), &e.message, &e.fields).into()
}

fn failed(id: &str, text: String) -> RowOutcome {
    RowOutcome::failed(id, text)
}

/// The error of a line whose quoting breaks the Bulk API's CSV rules (see `rows`). The rules
/// are the guide's ("Valid CSV Record Rows"); the code and wording real orgs give are not
/// verified [U], and for an unclosed quote a real org may fail the whole job instead.
#[cold]
#[inline(never)]
pub fn broken_line_error(fault: QuoteFault) -> String {
    let message = match fault {
        QuoteFault::Unclosed => "A value on this line opens a double quote that does not close where the value ends, so the line was not read as a row. Enclose the whole value in quotes and double any quote inside it, as in \"Big \"\"Q\"\" Co\"",
        QuoteFault::SpaceBefore => "A space comes before a double quote on this line, so the row was not read. Bulk API values are not trimmed: remove the space between the delimiter and the opening quote (\"John\",\"Smith\", not \"John\", \"Smith\")",
        QuoteFault::SpaceAfter => "A space comes after a closing double quote on this line, so the row was not read. Remove the space between the closing quote and the delimiter or line end (\"John\",Smith, not \"John\" ,Smith)",
        QuoteFault::Unenclosed => "A value on this line holds a double quote but is not enclosed in double quotes, so the row was not read. Enclose the whole value in quotes and double the quote inside it, as in \"Big \"\"Q\"\" Co\"",
    };
    sf_error_text("INVALID_INPUT", message, &[])
}

/// The message of a simulated lock held by another transaction.
pub fn lock_error(id: &str) -> String {
    if id.is_empty() {
        sf_error_text(
            "UNABLE_TO_LOCK_ROW",
            "unable to obtain exclusive access to this record",
            &[],
        )
    } else {
        sf_error_text(
            "UNABLE_TO_LOCK_ROW",
            &format!("unable to obtain exclusive access to this record or 1 records: {id}"),
            &[],
        )
    }
}

/// Puts the value of field `slot` into the row's entries; a later column naming the same
/// field replaces the earlier value in its place (as a JSON body's map would).
fn put<'r>(entries: &mut Vec<Entry<'r>>, slot: u16, value: Given<'r>) {
    let name = FieldName::Slot(slot);
    match entries.iter_mut().find(|(n, _)| *n == name) {
        Some(entry) => entry.1 = value,
        None => entries.push((name, value)),
    }
}

/// Fills `entries` with the given fields of one row; returns the row's Id column, if any.
fn row_entries<'r>(
    store: &Store,
    plan: &'r ColumnPlan,
    row: &'r TextRow,
    entries: &mut Vec<Entry<'r>>,
) -> Result<&'r str, String> {
    entries.clear();
    if row.len() != plan.columns.len() {
        return Err(sf_error_text(
            "INVALID_INPUT",
            &format!(
                "The row has {} but the header names {}",
                plural(row.len(), "value"),
                plural(plan.columns.len(), "column")
            ),
            &[],
        ));
    }
    if !plan.both_ways.is_empty() {
        if let Some(text) = parent_column::refusal(&plan.both_ways, row) {
            return Err(text);
        }
    }
    let mut id = "";
    for (at, (column, raw)) in plan.columns.iter().zip(row.iter()).enumerate() {
        if raw.is_empty() {
            continue;
        }
        let null = raw == "#N/A";
        let value = if null {
            Given::Null
        } else {
            Given::Cell(plan.cell_forms[at].read(raw), at + 1)
        };
        match column {
            Column::Id => id = raw,
            Column::Field(slot) => put(entries, *slot, value),
            Column::Parent {
                lookup,
                parent_object,
                external_field,
                indexed,
            } => {
                if null {
                    put(entries, *lookup, Given::Null);
                    continue;
                }
                let found = if *indexed {
                    store.find_by_external(parent_object, external_field, raw)
                } else {
                    store.find_by_field(parent_object, external_field, raw)
                };
                let ids = found.map_err(|e| error_text(&e).into_string())?;
                match ids.as_slice() {
                    [one] => put(entries, *lookup, Given::Id(*one)),
                    [] => {
                        return Err(sf_error_text(
                            "INVALID_FIELD",
                            &format!("Foreign key external ID: {raw} not found for field {external_field} in entity {parent_object}"),
                            &[],
                        ))
                    }
                    _ => {
                        return Err(sf_error_text(
                            "INVALID_FIELD",
                            &format!("More than 1 record found for external id field {external_field} with value {raw} in entity {parent_object}"),
                            &[],
                        ))
                    }
                }
            }
        }
    }
    Ok(id)
}

/// Applies one row and returns its outcome. `locked` simulates lock contention; `entries`
/// is scratch space reused from row to row.
pub fn apply_row<'r>(
    store: &mut Store,
    actor: &Actor,
    spec: &IngestSpec,
    plan: &'r ColumnPlan,
    row: &'r TextRow,
    locked: bool,
    entries: &mut Vec<Entry<'r>>,
) -> RowOutcome {
    let id = match row_entries(store, plan, row, entries) {
        Ok(x) => x,
        Err(text) => return failed("", text),
    };
    if locked {
        return failed(id, lock_error(id));
    }
    if let Some(text) = &plan.refused {
        return failed(id, text.clone());
    }
    let t = plan.object_index;
    let need_id = |op: &str| {
        sf_error_text(
            "MISSING_ARGUMENT",
            &format!("Id not specified in an {op} call"),
            &[],
        )
    };
    match spec.operation {
        // An insert makes new records: an Id given for one is refused, as the REST and
        // collections APIs refuse it, rather than dropped.
        IngestOperation::Insert if !id.is_empty() => failed(
            "",
            sf_error_text(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                "cannot specify Id in an insert call",
                &["Id".to_string()],
            ),
        ),
        IngestOperation::Insert => match store.insert_given(t, entries, actor) {
            Ok(c) => RowOutcome::Success {
                id: c,
                created: true,
            },
            Err(e) => failed("", error_text(&e).into_string()),
        },
        IngestOperation::Update => {
            if id.is_empty() {
                return failed("", need_id("update"));
            }
            match store.update_given(t, id, entries, actor) {
                Ok(c) => RowOutcome::Success {
                    id: c,
                    created: false,
                },
                Err(e) => failed(id, error_text(&e).into_string()),
            }
        }
        IngestOperation::Upsert => {
            let (ext, field) = match &plan.upsert_key {
                Some(k) => (k.name.as_str(), FieldName::Slot(k.slot)),
                None => ("Id", FieldName::Spelled("Id")),
            };
            let parent_id;
            let key: &str = if ext == "Id" {
                id
            } else {
                match entries.iter().find(|(n, _)| *n == field).map(|e| e.1) {
                    Some(Given::Cell(s, _) | Given::Text(s)) => s,
                    Some(Given::Id(one)) => {
                        parent_id = one;
                        parent_id.as_str()
                    }
                    _ => "",
                }
            };
            if key.is_empty() && ext != "Id" {
                return failed(
                    id,
                    sf_error_text("MISSING_ARGUMENT", &format!("{ext} not specified"), &[]),
                );
            }
            match store.upsert_given(t, field, key, entries, UpsertMode::default(), actor) {
                Ok((c, created)) => RowOutcome::Success { id: c, created },
                Err(UpsertError::Rejected(e)) => failed(id, error_text(&e).into_string()),
                Err(UpsertError::MultipleMatches { ids, .. }) => {
                    let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
                    failed(
                        id,
                        sf_error_text(
                            "DUPLICATE_EXTERNAL_ID",
                            &format!(
                                "{ext}: more than one record found for external id field: [{}]",
                                list.join(", ")
                            ),
                            &[ext.to_string()],
                        ),
                    )
                }
            }
        }
        IngestOperation::Delete | IngestOperation::HardDelete => {
            if id.is_empty() {
                return failed("", need_id("delete"));
            }
            let result = match crate::org::store::parse_id(id) {
                Err(e) => Err(e),
                Ok(sf_id) if spec.operation == IngestOperation::Delete => store
                    .delete(Some(plan.object.as_str()), id, actor)
                    .map(|_| sf_id),
                Ok(sf_id) => store.hard_delete(id, actor).map(|_| sf_id),
            };
            match result {
                Ok(sf_id) => RowOutcome::Success {
                    id: sf_id,
                    created: false,
                },
                Err(e) => failed(id, error_text(&e).into_string()),
            }
        }
    }
}
