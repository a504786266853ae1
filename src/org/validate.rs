//! Validation and bookkeeping shared by every write: converting a JSON body into field
//! values with Salesforce's checks (lengths, e-mails, lookups, restricted picklists,
//! writability), derived fields, required and unique checks, audit stamps, and the
//! [`Change`] a write produces.

use super::change::{Change, ChangeKind, ChangedFields};
use super::error::{ErrorCode, SfError};
use super::ids::SfId;
use super::record::Record;
use super::schema::{FieldDef, FieldType, SystemField};
use super::store::{Actor, Store};
use super::value::{within_date_range, Value};
use super::write_rules::Closing;
use serde_json::Map;

type Json = serde_json::Value;

/// One value a write was given: from a REST JSON body, as text (an upsert's key from the URL),
/// or a Bulk API CSV cell (which needs no JSON value built for it).
#[derive(Debug, Clone, Copy)]
pub enum Given<'a> {
    Json(&'a Json),
    Text(&'a str),
    /// A CSV cell and its column, counted from 1.
    Cell(&'a str, usize),
    /// A record id found for the row (a parent resolved by external id).
    Id(SfId),
    /// A value already converted for its field (an upsert's key, converted for its lookup):
    /// still checked against the field, not converted again.
    Stored(&'a Value),
    Null,
}

impl Given<'_> {
    /// The `{"ERP_Id__c": "A-1"}` of a parent named by external id, when it is one.
    fn parent_key(&self) -> Option<&Map<String, Json>> {
        match self {
            Given::Json(Json::Object(m)) => Some(m),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Given::Json(v) => v.as_str(),
            Given::Text(s) | Given::Cell(s, _) => Some(s),
            Given::Id(id) => Some(id.as_str()),
            Given::Stored(v) => v.as_str(),
            Given::Null => None,
        }
    }

    /// The value as the caller wrote it, when the caller wrote text (a JSON string, a URL
    /// segment, a CSV cell). A JSON number is not here: parsing has already rounded it, and
    /// the REST layer, which has the body, restores its literal.
    fn written(&self) -> Option<&str> {
        match self {
            Given::Json(Json::String(s)) => Some(s),
            Given::Text(s) | Given::Cell(s, _) => Some(s),
            _ => None,
        }
    }

    /// A whole number given for an integer field that no integer the field can read holds
    /// (`99999999999999999999`, `"1e20"`): beyond the field's range, as `2147483648` is, so the
    /// same `NUMBER_OUTSIDE_VALID_RANGE` and not a parser error about its kind. [U: no capture
    /// records a real org's answer to a number past Java's `int` or `long` (Jackson would say
    /// "Numeric value (…) out of range of int"); what is recorded is the range error for a
    /// whole number past the field's digits, so every whole number past them answers alike,
    /// in a REST body and a Bulk API cell.]
    fn whole_beyond_range(&self, f: &FieldDef) -> Option<SfError> {
        if f.field_type != FieldType::Int {
            return None;
        }
        let number = match self {
            Given::Json(Json::Number(n)) => n.as_f64()?,
            _ => self.written()?.trim().parse::<f64>().ok()?,
        };
        if number.fract() != 0.0 {
            return None;
        }
        check_range(f, &Value::Double(number), self.written()).err()
    }

    /// The error for a value that does not fit field `f`: the REST API's JSON parser message,
    /// or the Bulk API's for a CSV cell (`INVALID_FIELD:Failed to deserialize field at col 3.
    /// Due to, 'x' is not a valid value for the type xsd:date:CloseDate --`). [U: whether
    /// real orgs count the column from 0 or 1 is not known; 1 here.]
    fn misfit(&self, f: &FieldDef, e: super::value::ValueError) -> SfError {
        if let Some(beyond) = self.whole_beyond_range(f) {
            return beyond;
        }
        match self {
            Given::Cell(s, column) => SfError::new(
                ErrorCode::INVALID_FIELD,
                format!(
                    "Failed to deserialize field at col {column}. Due to, '{s}' is not a valid value for the type {}",
                    f.field_type.soap_type()
                ),
            )
            .with_fields(vec![f.name.clone()]),
            _ => SfError::new(ErrorCode::JSON_PARSER_ERROR, e.to_string()),
        }
    }

    fn to_value(self, t: FieldType) -> Result<Option<Value>, super::value::ValueError> {
        match self {
            Given::Json(v) => Value::from_json(t, v),
            Given::Text(s) | Given::Cell(s, _) => Value::from_text(t, s),
            Given::Id(id) => Value::from_text(t, id.as_str()),
            Given::Stored(v) => Ok(Some((*v).clone())),
            Given::Null => Ok(None),
        }
    }
}

/// How a write names a field: as the caller spelled it (a REST body's key, looked up here
/// case-insensitively, parent relationships included), or by the slot the caller resolved
/// once for many rows (a Bulk API column, planned per upload).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldName<'a> {
    Spelled(&'a str),
    Slot(u16),
}

/// One given field of a write.
pub type Entry<'a> = (FieldName<'a>, Given<'a>);

/// The entries of a REST JSON body.
pub(crate) fn json_entries(map: &Map<String, Json>) -> Vec<Entry<'_>> {
    map.iter()
        .map(|(k, v)| (FieldName::Spelled(k.as_str()), Given::Json(v)))
        .collect()
}

pub(crate) fn no_such_column(field: &str, object: &str) -> SfError {
    let mut message = format!("No such column '{field}' on sobject of type {object}");
    // A standard field the mock org does not model is named as one, not left to look a typo.
    if let Some(note) = super::unmodelled::field_note(object, field) {
        message.push_str(&format!(". {note}."));
    }
    SfError::new(ErrorCode::INVALID_FIELD, message)
}

/// A body naming a lookup both by id and through its relationship
/// (`{"AccountId": "001…", "Account": {"ERP_Id__c": "A-1"}}`). The text is the one a real org
/// is remembered to give, not verified [U]; the Bulk API gives the same for a row filling both
/// columns (`crate::org::bulk::parent_column`).
fn named_both_ways(lookup: &FieldDef) -> SfError {
    SfError::new(
        ErrorCode::INVALID_FIELD,
        format!(
            "Cannot specify both an external ID reference {} and a salesforce id, {}",
            lookup.relationship_name.as_deref().unwrap_or(""),
            lookup.name
        ),
    )
}

pub(crate) fn cross_reference() -> SfError {
    SfError::new(
        ErrorCode::INVALID_CROSS_REFERENCE_KEY,
        "invalid cross reference id",
    )
}

pub(crate) fn entity_deleted() -> SfError {
    SfError::new(ErrorCode::ENTITY_IS_DELETED, "entity is deleted")
}

/// The words of a `NUMBER_OUTSIDE_VALID_RANGE` message before the value it quotes.
pub(crate) const OUTSIDE_VALID_RANGE: &str = "value outside of valid range on numeric field: ";

/// Checks a number against its field's size: an integer field holds at most `precision`
/// digits, a decimal field (currency, percent, number) at most `precision - scale` before the
/// point. The message quotes `written`, the value as the caller wrote it, when there is one.
///
/// Implementation note: the code and the "<label>: value outside of valid range on numeric
/// field: <value>" text are what real orgs send (a UI capture quotes an int as typed:
/// "Employees: value outside of valid range on numeric field: 1431655766"). How a real org
/// prints a decimal there from a REST body is not recorded [U]; a capture from Apex DML shows
/// "1500.0" for a percent written `1500.00`, so an org may print its own reading of the
/// number. The value is quoted as the caller wrote it (a number rounded by parsing is
/// restored by the REST layer): that is the text a learner can find in their own request.
fn check_range(f: &FieldDef, v: &Value, written: Option<&str>) -> Result<(), SfError> {
    let whole_digits = match f.field_type {
        FieldType::Int => f.precision,
        _ => f.precision.saturating_sub(f.scale),
    };
    if whole_digits == 0 {
        return Ok(());
    }
    let fits = match v {
        // Whole numbers are compared exactly (a bound past u64's range holds any i64).
        Value::Int(i) => 10u64
            .checked_pow(u32::from(whole_digits))
            .is_none_or(|bound| i.unsigned_abs() < bound),
        Value::Double(d) => d.abs() < 10f64.powi(i32::from(whole_digits)),
        _ => return Ok(()),
    };
    if fits {
        return Ok(());
    }
    // Written out only for the error (a Bulk job checks a million values that fit).
    let shown = match (written, v) {
        (Some(s), _) => s.to_string(),
        (None, Value::Int(i)) => i.to_string(),
        (None, Value::Double(d)) => d.to_string(),
        _ => String::new(),
    };
    Err(SfError::new(
        ErrorCode::NUMBER_OUTSIDE_VALID_RANGE,
        format!("{}: {OUTSIDE_VALID_RANGE}{shown}", f.label),
    )
    .with_fields(vec![f.name.clone()]))
}

/// A decimal (currency, number, percent) rounded to its field's scale, as a field keeps it
/// on write (see [`super::value::round_to_scale`]); a field of no declared size (precision
/// 0) keeps the value as given. Every API's write converts its numbers here.
fn at_scale(f: &FieldDef, v: Value) -> Value {
    match v {
        Value::Double(d) if f.field_type != FieldType::Int && f.precision > 0 => {
            Value::Double(super::value::round_to_scale(d, f.scale))
        }
        other => other,
    }
}

/// The error for a date or date-time before 1700-01-01 or after 4000-12-31. [F: answers on
/// Salesforce StackExchange name FIELD_INTEGRITY_EXCEPTION for a record saved with a year out of
/// that range; U: the text is assumed, in the `Label: invalid date: …` form of field errors,
/// with the range added.]
fn outside_date_range(f: &FieldDef, v: &Value, written: Option<&str>) -> SfError {
    let shown = written.map_or_else(|| v.text(), str::to_string);
    let (first, last) = (super::value::EARLIEST_DATE, super::value::LATEST_DATE);
    SfError::new(
        ErrorCode::FIELD_INTEGRITY_EXCEPTION,
        format!(
            "{}: invalid date: {shown}. Dates run from {:04}-{:02}-{:02} to {:04}-{:02}-{:02} (GMT).",
            f.label, first.0, first.1, first.2, last.0, last.1, last.2
        ),
    )
    .with_fields(vec![f.name.clone()])
}

/// A `NUMBER_OUTSIDE_VALID_RANGE` error quoting `written` in place of the value it quoted;
/// any other error unchanged.
pub(crate) fn quoting_as_written(mut e: SfError, written: &str) -> SfError {
    if e.code == ErrorCode::NUMBER_OUTSIDE_VALID_RANGE {
        if let Some(at) = e.message.find(OUTSIDE_VALID_RANGE) {
            e.message.truncate(at + OUTSIDE_VALID_RANGE.len());
            e.message.push_str(written);
        }
    }
    e
}

fn plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

impl Store {
    /// Checks one converted value against its field's rules; a range error quotes `written`,
    /// the value as the caller wrote it, when there is one.
    pub(crate) fn check_value(
        &self,
        f: &FieldDef,
        v: Value,
        written: Option<&str>,
    ) -> Result<Value, SfError> {
        let fields = || vec![f.name.clone()];
        match (&v, f.field_type) {
            (Value::Text(s), FieldType::Reference | FieldType::Id) => {
                let bad = || {
                    SfError::new(
                        ErrorCode::MALFORMED_ID,
                        format!("{}: id value of incorrect type: {s}", f.label),
                    )
                    .with_fields(fields())
                };
                let id = SfId::parse(s).map_err(|_| bad())?;
                let targets: Vec<usize> = f
                    .reference_to
                    .iter()
                    .filter_map(|o| self.schema.object_index(o))
                    .collect();
                if targets.is_empty() {
                    // The target object is not modelled (e.g. Profile): accept any id.
                    return Ok(Value::Id(id));
                }
                let t = targets
                    .into_iter()
                    .find(|&t| self.schema.object_at(t).key_prefix == id.key_prefix())
                    .ok_or_else(bad)?;
                match self.tables[t].get(&id) {
                    Some(r) if !self.tables[t].is_deleted(r) => Ok(Value::Id(id)),
                    _ => Err(cross_reference().with_fields(fields())),
                }
            }
            (Value::Text(s), t) if t.is_text() => {
                self.check_text(f, s)?;
                Ok(v)
            }
            (Value::Int(_) | Value::Double(_), t) if t.is_numeric() => {
                let v = at_scale(f, v);
                check_range(f, &v, written)?;
                Ok(v)
            }
            (Value::Date(_) | Value::DateTime(_), _) if !within_date_range(&v) => {
                Err(outside_date_range(f, &v, written))
            }
            _ => Ok(v),
        }
    }

    /// Checks a text for a text field: its length, an email's shape, a restricted
    /// picklist's values.
    pub(crate) fn check_text(&self, f: &FieldDef, s: &str) -> Result<(), SfError> {
        let fields = || vec![f.name.clone()];
        // A text no longer in bytes than the limit is within it in characters.
        let max = f.length as usize;
        if max > 0 && s.len() > max && s.chars().count() > max {
            return Err(SfError::new(
                ErrorCode::STRING_TOO_LONG,
                format!(
                    "{}: data value too large: {s} (max length={})",
                    f.label, f.length
                ),
            )
            .with_fields(fields()));
        }
        if f.field_type == FieldType::Email && !plausible_email(s) {
            return Err(SfError::new(
                ErrorCode::INVALID_EMAIL_ADDRESS,
                format!("{}: invalid email address: {s}", f.label),
            )
            .with_fields(fields()));
        }
        if f.restricted_picklist && !f.picklist.iter().any(|p| p.value == s) {
            return Err(SfError::new(
                ErrorCode::INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST,
                format!("{}: bad value for restricted picklist field: {s}", f.label),
            )
            .with_fields(fields()));
        }
        Ok(())
    }

    /// Resolves `"Account": {"ERP_Id__c": "A-1000"}` in a body to the parent's id.
    /// [U: the not-found / several-matches texts are modelled on Salesforce's wording.]
    fn resolve_parent_key(
        &self,
        lookup: &FieldDef,
        key: &Map<String, Json>,
    ) -> Result<SfId, SfError> {
        let mut pairs = key.iter().filter(|(k, _)| *k != "attributes");
        let (Some((field, value)), None) = (pairs.next(), pairs.next()) else {
            return Err(SfError::new(
                ErrorCode::INVALID_FIELD,
                format!("A relationship value for {} must name exactly one external id field of the parent, e.g. {{\"ERP_Id__c\": \"A-1000\"}}", lookup.name),
            ));
        };
        let shown = match value {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        for target in &lookup.reference_to {
            // A parent is named here by its Id, an external id or a unique field; an idLookup
            // field that is none of these (Account.Name) is refused below, although an upsert
            // may use one as its key.
            let names_parent = self
                .schema
                .object(target)
                .and_then(|o| o.field(field))
                .is_some_and(|f| f.indexed() || f.system == Some(SystemField::Id));
            if !names_parent {
                continue;
            }
            let Ok(ids) = self.find_by_external(target, field, &shown) else {
                continue;
            };
            return match ids.as_slice() {
                [id] => Ok(*id),
                [] => Err(SfError::new(
                    ErrorCode::INVALID_FIELD,
                    format!("Foreign key external ID: {shown} not found for field {field} in entity {target}"),
                )),
                _ => Err(SfError::new(
                    ErrorCode::INVALID_FIELD,
                    format!("Foreign key external ID: {shown} matches more than one record for field {field} in entity {target}"),
                )),
            };
        }
        let target = lookup
            .reference_to
            .first()
            .map(String::as_str)
            .unwrap_or("");
        // A field the parent has but that cannot find one record (Name) is told apart from a
        // field it does not have. [U] The wording follows what real orgs are reported to say
        // for such a relationship value; not checked against a real org here.
        let has_field = self
            .schema
            .object(target)
            .is_some_and(|o| o.field_index(field).is_some());
        Err(SfError::new(
            ErrorCode::INVALID_FIELD,
            if has_field {
                format!("Field name provided, {field} does not match an External ID, Salesforce Id, or indexed field for {target}")
            } else {
                format!("No such column '{field}' on sobject of type {target}")
            },
        ))
    }

    /// Converts and validates the given fields into `(index, value)` changes, written into
    /// `out` (cleared first; a caller converting row after row passes the same buffer back).
    pub(crate) fn convert_entries<'e>(
        &self,
        t: usize,
        entries: impl IntoIterator<Item = Entry<'e>>,
        existing: Option<&SfId>,
        actor: &Actor,
        mut out: Vec<(u16, Option<Value>)>,
    ) -> Result<Vec<(u16, Option<Value>)>, SfError> {
        let obj = self.schema.object_at(t);
        let entries = entries.into_iter();
        out.clear();
        out.reserve(entries.size_hint().0 + 1);
        let mut not_writable = Vec::new();
        // Lookups a body named through their relationship (`"Account": {…}`): rare, so the
        // check for the same lookup given by id too runs only when there is one.
        let mut by_reference: Vec<usize> = Vec::new();
        for (name, ref v) in entries {
            let i = match name {
                FieldName::Slot(i) => i as usize,
                FieldName::Spelled("attributes") => continue,
                FieldName::Spelled(k) => {
                    let index = obj.field_index(k);
                    if let (None, Some(parent_key)) = (index, v.parent_key()) {
                        if let Some(lookup) = obj.field_by_relationship(k) {
                            let id = self.resolve_parent_key(&obj.fields[lookup], parent_key)?;
                            out.push((lookup as u16, Some(Value::Id(id))));
                            by_reference.push(lookup);
                            continue;
                        }
                    }
                    match index {
                        Some(i) => i,
                        // A compound address is a field, read-only for everyone: it is
                        // written through its components (`BillingCity`…).
                        None => match crate::org::soql::address::address_named(obj, k) {
                            Some(a) => {
                                not_writable.push(a.name);
                                continue;
                            }
                            None => return Err(no_such_column(k, &obj.name)),
                        },
                    }
                }
            };
            let f = &obj.fields[i];
            if f.system == Some(SystemField::Id) {
                let same = existing.is_some_and(|id| {
                    v.as_str().and_then(|s| SfId::parse(s).ok()).as_ref() == Some(id)
                });
                if same {
                    continue;
                }
            }
            let writable = match existing {
                None => f.createable,
                Some(_) => f.updateable,
            };
            if !writable && !actor.trusted {
                not_writable.push(f.name.clone());
                continue;
            }
            let value = match (v, f.field_type.is_text()) {
                // A text for a text field (most of a Bulk row) is checked as given and made
                // into a value once.
                (Given::Text(s) | Given::Cell(s, _), true) if s.is_empty() => None,
                (Given::Text(s) | Given::Cell(s, _), true) => {
                    self.check_text(f, s)?;
                    Some(Value::Text((*s).into()))
                }
                _ => match v.to_value(f.field_type).map_err(|e| v.misfit(f, e))? {
                    Some(value) => Some(self.check_value(f, value, v.written())?),
                    None => None,
                },
            };
            if value.is_none()
                && !f.nillable
                && f.defaulted_on_create
                && f.field_type != FieldType::Boolean
            {
                return Err(cleared_default(f));
            }
            // False checkboxes are not stored (see the module notes).
            let value = value.filter(|v| *v != Value::Bool(false));
            out.push((i as u16, value));
        }
        if !not_writable.is_empty() {
            return Err(SfError::new(
                ErrorCode::INVALID_FIELD_FOR_INSERT_UPDATE,
                format!(
                    "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                    not_writable.join(", ")
                ),
            )
            .with_fields(not_writable));
        }
        if let Some(&both) = by_reference
            .iter()
            .find(|&&l| out.iter().filter(|(i, _)| usize::from(*i) == l).count() > 1)
        {
            return Err(named_both_ways(&obj.fields[both]));
        }
        Ok(out)
    }

    /// Computes read-only fields that follow from others (names, closed flags, numbers).
    pub(crate) fn derive(&mut self, t: usize, rec: &mut Record, creating: bool) {
        let rules = &self.rules[t];
        let mut set: Vec<(u16, Option<Value>)> = Vec::new();
        let text = |i: Option<u16>| i.and_then(|i| rec.get(i as usize)).and_then(Value::as_str);
        if let Some(c) = rules.compound_name {
            let full: Vec<&str> = [text(c.first), text(Some(c.last))]
                .into_iter()
                .flatten()
                .collect();
            let full = full.join(" ");
            set.push((c.name, (!full.is_empty()).then(|| Value::Text(full.into()))));
        }
        let flag = |b: bool| b.then_some(Value::Bool(true));
        match rules.closing {
            Some(Closing::Stage { stage, closed, won }) => {
                let stage = text(stage).unwrap_or("");
                set.push((closed, flag(stage.starts_with("Closed"))));
                set.push((won, flag(stage == "Closed Won")));
            }
            Some(Closing::Status { status, closed }) => {
                let status = text(status).unwrap_or("");
                set.push((closed, flag(status == "Closed" || status == "Completed")));
            }
            None => {}
        }
        if creating {
            for &i in &rules.auto_numbers {
                if rec.get(i as usize).is_none() {
                    self.auto_numbers[t] += 1;
                    let n = 1000 + self.auto_numbers[t];
                    set.push((i, Some(Value::Text(format!("{n:08}").into()))));
                }
            }
        }
        if !set.is_empty() {
            rec.apply(set);
        }
    }

    pub(crate) fn check_required(&self, t: usize, rec: &Record) -> Result<(), SfError> {
        let required = &self.rules[t].required;
        if required.iter().all(|(i, _)| rec.get(*i as usize).is_some()) {
            return Ok(());
        }
        let missing: Vec<String> = required
            .iter()
            .filter(|(i, _)| rec.get(*i as usize).is_none())
            .map(|(_, name)| name.clone())
            .collect();
        Err(SfError::new(
            ErrorCode::REQUIRED_FIELD_MISSING,
            format!("Required fields are missing: [{}]", missing.join(", ")),
        )
        .with_fields(missing))
    }

    pub(crate) fn check_unique(
        &self,
        t: usize,
        rec: &Record,
        except: Option<u32>,
        already_checked: Option<u16>,
    ) -> Result<(), SfError> {
        let obj = self.schema.object_at(t);
        let table = &self.tables[t];
        for &i in &self.rules[t].unique {
            if Some(i) == already_checked {
                continue;
            }
            let i = i as usize;
            let Some(v) = rec.get(i) else { continue };
            let Some(mut rows) = table.matches(i, v) else {
                continue;
            };
            if let Some(other) = rows.find(|r| Some(*r) != except) {
                let f = &obj.fields[i];
                let id = table
                    .row(other)
                    .and_then(|r| table.id_of(r))
                    .map(|id| id.to_string())
                    .unwrap_or_default();
                return Err(SfError::new(
                    ErrorCode::DUPLICATE_VALUE,
                    format!(
                        "duplicate value found: {} duplicates value on record with id: {id}",
                        f.name
                    ),
                )
                .with_fields(vec![f.name.clone()]));
            }
        }
        Ok(())
    }

    /// The audit stamps of a write to object `t`.
    pub(crate) fn stamp(
        &self,
        t: usize,
        actor: &Actor,
        creating: bool,
    ) -> Vec<(u16, Option<Value>)> {
        self.rules[t].stamp(actor.now.timestamp_millis(), actor.user, creating)
    }

    /// The change a write made: fields set or changed, and fields nulled, in schema order.
    pub(crate) fn change(
        &self,
        t: usize,
        id: SfId,
        kind: ChangeKind,
        old: Option<&Record>,
        new: &Record,
        actor: &Actor,
    ) -> Change {
        let obj = self.schema.object_at(t);
        let names = &self.rules[t].names;
        let fields = match old {
            // A create sets every field it stores: its slots are the record's shared shape.
            None => ChangedFields::created(names, new.slots().clone()),
            Some(old) => {
                let mut changed = Vec::with_capacity(new.slots().len());
                let mut nulled = Vec::new();
                // Both records list their fields sorted: one merge walk finds the
                // differences. A checkbox that goes is a change to false, not a null.
                let gone = |i: u16, nulled: &mut Vec<u16>, changed: &mut Vec<u16>| {
                    if obj.fields[i as usize].field_type != FieldType::Boolean {
                        nulled.push(i);
                    } else {
                        changed.push(i);
                    }
                };
                let (mut before, mut after) = (old.pairs().peekable(), new.pairs().peekable());
                loop {
                    match (before.peek(), after.peek()) {
                        (None, None) => break,
                        (Some((x, was)), Some((y, now))) if x == y => {
                            if was != now {
                                changed.push(*y);
                            }
                            before.next();
                            after.next();
                        }
                        (Some((x, _)), Some((y, _))) if x < y => {
                            gone(*x, &mut nulled, &mut changed);
                            before.next();
                        }
                        (Some((x, _)), None) => {
                            gone(*x, &mut nulled, &mut changed);
                            before.next();
                        }
                        (_, Some((y, _))) => {
                            changed.push(*y);
                            after.next();
                        }
                    }
                }
                ChangedFields::new(names, &changed, &nulled)
            }
        };
        Change {
            object: self.rules[t].object.clone(),
            id,
            kind,
            fields,
            user: actor.user,
            at: actor.now,
            origin: crate::org::origin::current().unwrap_or_else(crate::org::origin::none),
            row: None,
        }
    }
}

/// The refusal of a null or empty value written to a field that may not be empty but that the
/// org fills in on create when it is left out (Order, Case or Lead Status, a user's locale): a
/// restricted picklist names the bad value as any other, the others are missing. Checkboxes
/// never get here (false is a value).
fn cleared_default(f: &FieldDef) -> SfError {
    let fields = vec![f.name.clone()];
    if f.restricted_picklist {
        return SfError::new(
            ErrorCode::INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST,
            format!("{}: bad value for restricted picklist field: ", f.label),
        )
        .with_fields(fields);
    }
    SfError::new(
        ErrorCode::REQUIRED_FIELD_MISSING,
        format!("Required fields are missing: [{}]", f.name),
    )
    .with_fields(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::schema::FieldType;

    #[test]
    fn a_whole_number_fits_its_digits_exactly_even_past_a_doubles_precision() {
        let f = FieldDef::new("Units__c", "Units", FieldType::Int).with_size(18, 0);
        let largest = 999_999_999_999_999_999_i64; // 18 nines: a double rounds it to 1e18
        assert!(check_range(&f, &Value::Int(largest), None).is_ok());
        assert!(check_range(&f, &Value::Int(-largest), None).is_ok());
        let e = check_range(&f, &Value::Int(largest + 1), None).unwrap_err();
        assert_eq!(e.code, ErrorCode::NUMBER_OUTSIDE_VALID_RANGE);
        let small = FieldDef::new("Seats__c", "Seats", FieldType::Int).with_size(3, 0);
        assert!(check_range(&small, &Value::Int(999), None).is_ok());
        assert!(check_range(&small, &Value::Int(1000), Some("1000")).is_err());
        assert!(check_range(&small, &Value::Int(i64::MIN), None).is_err());
    }
}
