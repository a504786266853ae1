//! The partner API calls that need a session: `query`, `queryAll`, `queryMore`, `create`,
//! `update`, `upsert`, `delete` (honouring `AllOrNoneHeader`) and `getUserInfo`.
//!
//! Each call takes the parsed call element and returns the XML inside `soapenv:Body`, or a
//! fault. Per-record failures are not faults: they come back in `SaveResult`/`UpsertResult`/
//! `DeleteResult` with `success=false`, as in a real org.
//!
//! Where the org enforces object access, the calls ask it as the REST resources do: a query
//! reading an object the user cannot read, or records of such a type, fault as an unknown
//! type (INVALID_TYPE); a row the user may not write fails with the refusal's code and text
//! (undelete asks for the right to delete).
//!
//! Some problems are the call's, not a row's, and fault it before anything is written, as the
//! SOAP API's typed faults do: a record naming a field its object does not have
//! (`InvalidFieldFault`, INVALID_FIELD "No such column …", `fieldsToNull` included), and an
//! upsert whose `externalIDFieldName` is not an external id, unique or Id field of the object.
//! A compound address (`BillingAddress`) is a field the object has, so a record writing it is
//! not a fault: that row fails as read-only (INVALID_FIELD_FOR_INSERT_UPDATE), as over REST.

use super::envelope::SoapFault;
use super::field_types;
use super::records::{nested_value_fault, read_sobject, record_element, SoapRecord};
pub use super::results::RowError;
use super::results::{errors_xml, wrap, ResultType, RowOutcome};
use super::xml::{escape, Element};
use crate::org::auth::access::{ObjectDenial, Op};
use crate::org::ids::SfId;
use crate::org::repeated_keys::{repeated_external_id, repeated_id, KeyKind, RepeatedKeys};
use crate::org::rest::cursors::Window;
use crate::org::rest::RestState;
use crate::org::schema::{FieldType, ObjectDef, SystemField};
use crate::org::soql::address::address_named;
use crate::org::soql::{self, QueryOptions};
use crate::org::store::{parse_id, Actor, Store, UpsertMode};
use crate::org::{ErrorCode, Session, SfError, UpsertError};
use serde_json::{Map, Value as Json};

/// Salesforce's cap on records per create/update/upsert/delete call.
pub const MAX_RECORDS_PER_CALL: usize = 200;
/// QueryOptions.batchSize: default and bounds for SOAP queries.
const DEFAULT_BATCH: usize = 500;

/// What a call runs with.
pub struct CallContext<'a> {
    pub state: &'a RestState,
    pub session: &'a Session,
    /// `"62.0"`
    pub version: String,
    /// The `soapenv:Header` element, if the request had one.
    pub header: Option<&'a Element>,
}

impl CallContext<'_> {
    fn header_value(&self, header: &str, field: &str) -> Option<&str> {
        super::header_value(self.header, super::envelope::PARTNER_NS, header, field)
    }

    fn all_or_none(&self) -> bool {
        super::all_or_none(self.header)
    }

    fn batch_size(&self) -> usize {
        self.header_value("QueryOptions", "batchSize")
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_BATCH)
    }

    /// Object access for a row: `op` on records of `object`, where the org enforces it.
    fn may(&self, store: &Store, object: &str, op: Op) -> Result<(), RowError> {
        let name = store
            .schema()
            .object(object)
            .map_or(object, |o| o.name.as_str());
        match self
            .state
            .org
            .auth
            .object_denial(&self.session.user_id, name, op)
        {
            None => Ok(()),
            Some(ObjectDenial::Unseen) => Err(SfError::not_found().into()),
            Some(ObjectDenial::Refused(r)) => Err(RowError::new(r.error_code, r.message)),
        }
    }

    fn actor(&self) -> Result<Actor, SoapFault> {
        let user = parse_id(&self.session.user_id)?;
        Ok(self.state.org.actor(user))
    }
}

fn query_result(
    store: &Store,
    records: &[serde_json::Value],
    total: u64,
    locator: Option<&str>,
) -> String {
    let done = locator.is_none();
    let loc = match locator {
        Some(l) => format!("<queryLocator>{}</queryLocator>", escape(l)),
        None => r#"<queryLocator xsi:nil="true"/>"#.to_string(),
    };
    let schema = store.schema();
    let date_times = |object: &str, field: &str| {
        schema
            .object(object)
            .and_then(|o| o.field_index(field).map(|i| &o.fields[i]))
            .is_some_and(|f| f.field_type == FieldType::DateTime)
    };
    let rows: String = records
        .iter()
        .map(|r| record_element(r, &date_times))
        .collect();
    format!("<result xsi:type=\"QueryResult\"><done>{done}</done>{loc}{rows}<size>{total}</size></result>")
}

/// `query` / `queryAll`.
pub fn query(
    ctx: &CallContext<'_>,
    call: &Element,
    include_deleted: bool,
) -> Result<String, SoapFault> {
    let soql_text = call.child_text("queryString").ok_or_else(|| {
        SoapFault::new(
            "MALFORMED_QUERY",
            "The call has no <queryString> with the SOQL to run.",
        )
    })?;
    let now = ctx.state.org.clock.now();
    let mut opts = QueryOptions::new(now, &ctx.version);
    opts.include_deleted = include_deleted;
    let cursor = {
        let store = ctx.state.org.store.read();
        let opts = opts.run_by(&store, &ctx.session.user_id);
        soql::open_cursor(&store, soql_text, &opts)?
    };
    if ctx.state.org.auth.enforces_object_access() {
        let read = soql::parse_query(soql_text)
            .map(|parsed| soql::reads::objects_read(ctx.state.org.store.read().schema(), &parsed))
            .unwrap_or_else(|_| vec![cursor.entity.clone()]);
        let unreadable = read.iter().find(|object| {
            ctx.state
                .org
                .auth
                .object_refusal(&ctx.session.user_id, object, Op::Read)
                .is_some()
        });
        if let Some(object) = unreadable {
            let schema = ctx.state.org.store.read();
            return Err(soql::reads::unreadable(schema.schema(), soql_text, object).into());
        }
    }
    // Field-level security, as the REST query resource applies it.
    let cursor = match ctx.state.org.auth.field_reads(&ctx.session.user_id) {
        Some(reads) => {
            let store = ctx.state.org.store.read();
            let readable = |o: &_, f: &_| reads.readable(o, f);
            soql::field_security::enforce(&store, soql_text, cursor, &readable)?
        }
        None => cursor,
    };
    let (rows, total) = (cursor.row_count(), cursor.total_size as u64);
    let page = ctx.state.cursors.first_page(
        &ctx.session.user_id,
        cursor,
        rows,
        total,
        ctx.batch_size(),
        now,
    );
    let name = if include_deleted {
        "queryAllResponse"
    } else {
        "queryResponse"
    };
    Ok(format!("<{name}>{}</{name}>", window_result(ctx, &page)))
}

/// One window of a cursor as a QueryResult, its rows as they are now.
fn window_result(ctx: &CallContext<'_>, w: &Window<soql::QueryCursor>) -> String {
    let store = ctx.state.org.store.read();
    let rows = w.rows.batch(&store, w.start, w.end - w.start);
    query_result(&store, &rows, w.total_size, w.next_locator.as_deref())
}

/// `queryMore`.
pub fn query_more(ctx: &CallContext<'_>, call: &Element) -> Result<String, SoapFault> {
    let locator = call.child_text("queryLocator").unwrap_or("");
    let now = ctx.state.org.clock.now();
    let page = ctx
        .state
        .cursors
        .next_page(&ctx.session.user_id, locator, Some(ctx.batch_size()), now)
        .map_err(|_| {
            SoapFault::new(
                "INVALID_QUERY_LOCATOR",
                "invalid query locator: it is unknown, expired (15 idle minutes), already read to the end, or another user's",
            )
        })?;
    Ok(format!(
        "<queryMoreResponse>{}</queryMoreResponse>",
        window_result(ctx, &page)
    ))
}

fn rolled_back() -> RowError {
    RowError::new(
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the request was using AllOrNone header",
    )
}

/// Runs `op` on each row as one transaction; with AllOrNone, one failure rolls every row
/// back.
fn run_rows<T>(
    ctx: &CallContext<'_>,
    rows: &[T],
    op: impl Fn(&mut Store, &T, &Actor) -> RowOutcome,
) -> Result<Vec<RowOutcome>, SoapFault> {
    if rows.len() > MAX_RECORDS_PER_CALL {
        return Err(SoapFault::new(
            "EXCEEDED_ID_LIMIT",
            format!(
                "record limit reached. cannot submit more than {MAX_RECORDS_PER_CALL} records into this call"
            ),
        ));
    }
    let actor = ctx.actor()?;
    let mut store = ctx.state.org.store.write();
    if !ctx.all_or_none() {
        // One call is one transaction even when rows fail on their own: the rows that stand
        // commit together (one transaction key and commit number for their change events).
        return Ok(store.commit_together(|s| rows.iter().map(|r| op(s, r, &actor)).collect()));
    }
    let outcome = store.all_or_none(|s| {
        let results: Vec<RowOutcome> = rows.iter().map(|r| op(s, r, &actor)).collect();
        if results.iter().any(Result::is_err) {
            Err(results)
        } else {
            Ok(results)
        }
    });
    Ok(match outcome {
        Ok(r) => r,
        Err(results) => results
            .into_iter()
            .map(|r| match r {
                Ok(_) => Err(rolled_back()),
                e => e,
            })
            .collect(),
    })
}

/// The call's records; a type the org does not have fails the whole call with INVALID_TYPE,
/// as the SOAP API's `InvalidSObjectFault` does.
fn sobjects(ctx: &CallContext<'_>, call: &Element) -> Result<Vec<SoapRecord>, SoapFault> {
    let mut rows: Vec<SoapRecord> = call
        .children_named("sObjects")
        .map(read_sobject)
        .collect::<Result<_, _>>()?;
    let store = ctx.state.org.store.read();
    let org = &ctx.state.org;
    let auth = &org.auth;
    if let Some(r) = rows.iter().find(|r| {
        (store.schema().object_index(&r.object).is_none()
            && org.events.event_type(&r.object).is_none())
            || auth
                .object_refusal(&ctx.session.user_id, &r.object, Op::Read)
                .is_some()
    }) {
        return Err(SoapFault::new(
            "INVALID_TYPE",
            format!("sObject type '{}' is not supported.", r.object),
        ));
    }
    for r in &mut rows {
        let object = store.schema().object(&r.object);
        // A compound address is a field of its object (read-only: the store refuses a write
        // of it on the row, as over REST); nested elements under any other name are a
        // relationship value.
        let address = |f: &str| object.is_some_and(|o| address_named(o, f).is_some());
        if let Some((name, _)) = r.fields.iter().find(|(f, v)| v.is_object() && !address(f)) {
            return Err(nested_value_fault(name));
        }
        let Some(object) = object else {
            continue; // a platform event: its publishing judges its fields
        };
        if let Some(name) = r
            .fields
            .keys()
            .find(|f| object.field(f).is_none() && !address(f))
        {
            return Err(no_such_column(name, &object.name));
        }
        r.fields = api_names(object, std::mem::take(&mut r.fields));
        field_types::read_xsd_values(object, &mut r.fields);
    }
    Ok(rows)
}

/// `fields` keyed by their API names: field names are case-insensitive in the partner API
/// (`<sf:erp_id__c>` is `ERP_Id__c`), so every later step (an upsert's key, a repeated key,
/// the store's write) finds a value by the name the schema spells.
fn api_names(object: &ObjectDef, fields: Map<String, Json>) -> Map<String, Json> {
    fields
        .into_iter()
        .map(|(name, value)| match object.field(&name) {
            Some(f) => (f.name.clone(), value),
            None => (name, value),
        })
        .collect()
}

/// The fault for a field the object does not have, worded as the SOQL error it shares.
fn no_such_column(field: &str, object: &str) -> SoapFault {
    SoapFault::new(
        "INVALID_FIELD",
        format!(
            "No such column '{field}' on entity '{object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
        ),
    )
}

/// A row's write error as the partner API reports it: the store's JSON parser error for a
/// value of the wrong type becomes INVALID_TYPE_ON_FIELD_IN_RECORD on its field (see
/// [`field_types`]); any other error is reported as the store gave it.
fn save_error(store: &Store, r: &SoapRecord, e: SfError) -> RowError {
    if e.code == ErrorCode::JSON_PARSER_ERROR {
        let misfit = store
            .schema()
            .object(&r.object)
            .and_then(|o| field_types::value_not_of_type(o, &r.fields));
        if let Some(misfit) = misfit {
            return misfit;
        }
    }
    e.into()
}

/// `create`. A call whose records are all platform events publishes them (each result is a
/// success carrying the EventUuid under OPERATION_ENQUEUED, as over REST).
pub fn create(ctx: &CallContext<'_>, call: &Element) -> Result<String, SoapFault> {
    let rows = sobjects(ctx, call)?;
    if let Some(published) = publish_events(ctx, &rows) {
        return Ok(published);
    }
    let out = run_rows(ctx, &rows, |s, r, a| {
        ctx.may(s, &r.object, Op::Create)?;
        let c = s
            .insert(&r.object, &r.fields, a)
            .map_err(|e| save_error(s, r, e))?;
        Ok((c.to_string(), None))
    })?;
    Ok(wrap("createResponse", ResultType::Save, &out))
}

fn publish_events(ctx: &CallContext<'_>, rows: &[SoapRecord]) -> Option<String> {
    let records: Vec<serde_json::Map<String, serde_json::Value>> = rows
        .iter()
        .map(|r| {
            let mut m = r.fields.clone();
            m.insert("attributes".into(), serde_json::json!({"type": r.object}));
            m
        })
        .collect();
    let results = crate::org::events::rest::try_publish_collection(
        &ctx.state.org,
        ctx.session,
        &records,
        ctx.all_or_none(),
    )?;
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let inner: String = results
        .as_array()?
        .iter()
        .map(|r| {
            let errors: String = r["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    errors_xml(&RowError {
                        status_code: text(&e["statusCode"]),
                        message: text(&e["message"]),
                        fields: e["fields"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(text)
                            .collect(),
                    })
                })
                .collect();
            match r["id"].as_str() {
                Some(id) => format!(
                    "<result>{errors}<id>{}</id><success>true</success></result>",
                    escape(id)
                ),
                None => format!(
                    r#"<result>{errors}<id xsi:nil="true"/><success>false</success></result>"#
                ),
            }
        })
        .collect();
    Some(format!("<createResponse>{inner}</createResponse>"))
}

/// The rows of a call paired with whether another row of it names the same key: every such
/// row fails, as the APIs refuse them (see `org::repeated_keys`).
fn with_repeats(
    rows: &[SoapRecord],
    kind: KeyKind,
    key: impl Fn(&SoapRecord) -> String,
) -> Vec<(&SoapRecord, bool)> {
    let keys: Vec<String> = rows.iter().map(key).collect();
    let repeated = RepeatedKeys::new()
        .find(keys.len(), kind, |i| keys[i].as_str())
        .to_vec();
    rows.iter().zip(repeated).collect()
}

/// `update` (each record names its `Id`).
pub fn update(ctx: &CallContext<'_>, call: &Element) -> Result<String, SoapFault> {
    let rows = sobjects(ctx, call)?;
    let rows = with_repeats(&rows, KeyKind::RecordId, |r| {
        r.id.clone().unwrap_or_default()
    });
    let out = run_rows(ctx, &rows, |s, (r, repeated), a| {
        let id = r.id.as_deref().ok_or_else(|| {
            RowError::new("MISSING_ARGUMENT", "Id not specified in an update call")
        })?;
        if *repeated {
            return Err(repeated_id(id).into());
        }
        ctx.may(s, &r.object, Op::Edit)?;
        let c = s
            .update(&r.object, id, &r.fields, a)
            .map_err(|e| save_error(s, r, e))?;
        Ok((c.to_string(), None))
    })?;
    Ok(wrap("updateResponse", ResultType::Save, &out))
}

/// `upsert` on `externalIDFieldName`.
pub fn upsert(ctx: &CallContext<'_>, call: &Element) -> Result<String, SoapFault> {
    let field = call
        .child_text("externalIDFieldName")
        .filter(|f| !f.is_empty())
        .ok_or_else(|| {
            SoapFault::new(
                "MISSING_ARGUMENT",
                "upsert needs <externalIDFieldName>: the external id field to match records on",
            )
        })?
        .to_string();
    let rows = sobjects(ctx, call)?;
    let (kind, field) = {
        let store = ctx.state.org.store.read();
        let object = rows.first().and_then(|r| store.schema().object(&r.object));
        let found = object.and_then(|o| o.field(&field));
        // The Id, an external id, a unique field or a standard idLookup field (Contact.Email,
        // Account.Name), as over REST.
        let usable = |f: &crate::org::schema::FieldDef| {
            f.unique || object.is_some_and(|o| crate::org::standard_objects::id_lookup(o, f))
        };
        // [U] The wording is remembered from real orgs, not captured: a field that is not an
        // external id or indexed field (or no field at all) faults the whole upsert.
        if let Some(o) = object.filter(|_| !found.is_some_and(usable)) {
            return Err(SoapFault::new(
                "INVALID_FIELD",
                format!(
                    "Field name provided, {field} is not an External ID or indexed field for {}",
                    o.name
                ),
            ));
        }
        let kind = match found {
            Some(f) if f.system == Some(SystemField::Id) => KeyKind::RecordId,
            Some(f) => KeyKind::ExternalId {
                case_sensitive: f.case_sensitive,
            },
            None => KeyKind::ExternalId {
                case_sensitive: false,
            },
        };
        // The rows' fields go by their API names (see `api_names`), and so does the key.
        (kind, found.map_or(field, |f| f.name.clone()))
    };
    let key_of = |r: &SoapRecord| {
        if field.eq_ignore_ascii_case("Id") {
            r.id.clone().unwrap_or_default()
        } else {
            r.fields
                .get(&field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        }
    };
    let rows = with_repeats(&rows, kind, key_of);
    let by_id = field.eq_ignore_ascii_case("Id");
    let out = run_rows(ctx, &rows, |s, (r, repeated), a| {
        if !by_id && r.fields.get(&field).and_then(|v| v.as_str()).is_none() {
            return Err(RowError::new(
                "MISSING_ARGUMENT",
                format!("{field} not specified"),
            ));
        }
        let value = key_of(r);
        if *repeated {
            return Err(if by_id {
                repeated_id(&value)
            } else {
                repeated_external_id(&value, &field)
            }
            .into());
        }
        // A row that will update needs Edit, one that will create needs Create.
        let exists = !value.is_empty()
            && s.find_by_external(&r.object, &field, &value)
                .is_ok_and(|ids| !ids.is_empty());
        ctx.may(s, &r.object, if exists { Op::Edit } else { Op::Create })?;
        match s.upsert(
            &r.object,
            &field,
            &value,
            &r.fields,
            UpsertMode::default(),
            a,
        ) {
            Ok((c, created)) => Ok((c.to_string(), Some(created))),
            Err(UpsertError::Rejected(e)) => Err(save_error(s, r, e)),
            Err(UpsertError::MultipleMatches { ids, .. }) => Err(RowError::new(
                "DUPLICATE_EXTERNAL_ID",
                format!(
                    "Duplicate external id specified: {value} matches {} records",
                    ids.len()
                ),
            )),
        }
    })?;
    Ok(wrap("upsertResponse", ResultType::Upsert, &out))
}

/// `delete` of `ids`.
pub fn delete(ctx: &CallContext<'_>, call: &Element) -> Result<String, SoapFault> {
    let ids: Vec<String> = call
        .children_named("ids")
        .map(|e| e.text.trim().to_string())
        .collect();
    let together: Vec<SfId> = ids.iter().filter_map(|id| SfId::parse(id).ok()).collect();
    let out = run_rows(ctx, &ids, |s, id, a| {
        if let Some(object) = object_of(s, id) {
            ctx.may(s, &object, Op::Delete)?;
        }
        let c = s.deleting_together(together.iter().copied(), |s| s.delete(None, id, a))?;
        Ok((c.to_string(), None))
    })?;
    Ok(wrap("deleteResponse", ResultType::Save, &out))
}

/// `undelete` of `ids`: records in the recycle bin come back (and Change Data Capture
/// reports an UNDELETE).
pub fn undelete(ctx: &CallContext<'_>, call: &Element) -> Result<String, SoapFault> {
    let ids: Vec<String> = call
        .children_named("ids")
        .map(|e| e.text.trim().to_string())
        .collect();
    let out = run_rows(ctx, &ids, |s, id, a| {
        // Restoring a record takes the right to delete it (describe's `undeletable` follows
        // `deletable`); the refusal's text is the delete one, not verified for undelete.
        if let Some(object) = object_of(s, id) {
            ctx.may(s, &object, Op::Delete)?;
        }
        let c = s.undelete(id, a)?;
        Ok((c.to_string(), None))
    })?;
    Ok(wrap("undeleteResponse", ResultType::Save, &out))
}

/// The object a record id names by its key prefix, if the schema has it.
fn object_of(store: &Store, id: &str) -> Option<String> {
    let id = SfId::parse(id).ok()?;
    let index = store.schema().object_by_prefix(id.key_prefix())?;
    Some(store.object(index).name.clone())
}

/// `getUserInfo`.
pub fn get_user_info(ctx: &CallContext<'_>) -> Result<String, SoapFault> {
    let user = ctx
        .state
        .org
        .auth
        .config()
        .users
        .by_id(&ctx.session.user_id)
        .cloned()
        .ok_or_else(SoapFault::invalid_session)?;
    let info = super::login::user_info(&ctx.state.org, &user, 7200);
    Ok(format!(
        "<getUserInfoResponse><result>{info}</result></getUserInfoResponse>"
    ))
}
