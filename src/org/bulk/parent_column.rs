//! A Bulk API 2.0 header column that names a parent record through a relationship:
//! `Account.ERP_Id__c`, `ReportsTo.Email`, and for a field that can point at several objects
//! the typed form `Account:What.ERP_Id__c` (`ObjectType:RelationshipName.IndexedFieldName`,
//! as the Bulk API 2.0 guide writes it).
//!
//! Planned once per upload (`process::plan_columns`): the relationship, the parent object and
//! the field the parent is found by, which must be able to find one record — the parent's
//! `Id`, an external id or unique field, or an idLookup field such as `Email`
//! (`crate::org::standard_objects::id_lookup`). Also here: the rows of a header that names a
//! lookup both by its id (`AccountId`) and by a relationship (`Account.ERP_Id__c`).
//!
//! Implementation notes: "Field name not found" for a relationship or field the object does
//! not have is a real org's text. The texts refusing a field that cannot find a record, an
//! untyped header for a field with several targets and a type the field cannot point at are
//! sflab's (what a real org answers there is not recorded [U]). The error for a row giving
//! both an id and a relationship follows the INVALID_FIELD a real org gives a record naming a
//! lookup both ways, as remembered: "Cannot specify both an external ID reference Account and
//! a salesforce id, AccountId" (not verified [U]); a row leaving one of the two cells empty
//! is applied as usual.

use super::process::Column;
use super::results::sf_error_text;
use super::text_row::TextRow;
use crate::org::schema::{ObjectDef, Schema, SystemField};
use crate::org::standard_objects::id_lookup;

/// Plans `header`, a column of `obj` that holds a `.`: `Rel.Field` or `Type:Rel.Field`.
pub fn plan(schema: &Schema, obj: &ObjectDef, header: &str) -> Result<Column, String> {
    let not_found = || format!("InvalidBatch : Field name not found : {header}");
    let (path, field) = header.split_once('.').ok_or_else(not_found)?;
    let (typed, rel) = match path.split_once(':') {
        Some((t, r)) => (Some(t), r),
        None => (None, path),
    };
    let lookup = obj.field_by_relationship(rel).ok_or_else(not_found)?;
    let lookup_def = &obj.fields[lookup];
    let rel_name = lookup_def.relationship_name.as_deref().unwrap_or(rel);
    let targets: Vec<&ObjectDef> = lookup_def
        .reference_to
        .iter()
        .filter_map(|t| schema.object(t))
        .collect();
    let parent = match typed {
        Some(t) => targets
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(t))
            .ok_or_else(|| {
                format!(
                    "InvalidBatch : Column {header}: {rel_name} on {} points at {}, not {t}. Name one of those before the colon, as in {}:{rel_name}.{field}",
                    obj.name,
                    names(&targets),
                    targets.first().map_or("Account", |o| o.name.as_str())
                )
            })?,
        None if targets.len() > 1 => {
            return Err(format!(
                "InvalidBatch : Column {header}: {rel_name} on {} can point at {}, so the column must say which: write it as ObjectType:{rel_name}.{field}, e.g. {}:{rel_name}.{field}",
                obj.name,
                names(&targets),
                targets[0].name
            ))
        }
        None => targets.first().ok_or_else(not_found)?,
    };
    let by = parent.field(field).ok_or_else(not_found)?;
    let indexed = by.external_id || by.unique || by.system == Some(SystemField::Id);
    if !indexed && !id_lookup(parent, by) {
        return Err(format!(
            "InvalidBatch : Column {header}: {} on {} cannot find a {} record, as it is not an External ID, unique or idLookup field. Name the parent by its Id, an external id or an idLookup field such as Email",
            by.name, parent.name, parent.name
        ));
    }
    Ok(Column::Parent {
        lookup: lookup as u16,
        parent_object: parent.name.clone(),
        external_field: by.name.clone(),
        indexed,
    })
}

fn names(objects: &[&ObjectDef]) -> String {
    let names: Vec<&str> = objects.iter().map(|o| o.name.as_str()).collect();
    names.join(", ")
}

/// Two columns of one header that name the same lookup, one by its id (`AccountId`) and one
/// through its relationship (`Account.ERP_Id__c`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BothWays {
    pub id_column: usize,
    pub reference_column: usize,
    /// The relationship's name (`Account`) and the lookup field's (`AccountId`).
    pub relationship: String,
    pub field: String,
}

/// Every pair of columns in `columns` that names one lookup both ways (usually none).
pub fn both_ways(obj: &ObjectDef, columns: &[Column]) -> Vec<BothWays> {
    let mut pairs = Vec::new();
    for (reference_column, c) in columns.iter().enumerate() {
        let Column::Parent { lookup, .. } = c else {
            continue;
        };
        let by_id = columns.iter().position(|c| *c == Column::Field(*lookup));
        if let Some(id_column) = by_id {
            let f = &obj.fields[*lookup as usize];
            pairs.push(BothWays {
                id_column,
                reference_column,
                relationship: f.relationship_name.clone().unwrap_or_default(),
                field: f.name.clone(),
            });
        }
    }
    pairs
}

/// The error of a row that fills both columns of a pair (an empty cell gives nothing, so a
/// row filling only one of them is fine).
#[cold]
#[inline(never)]
pub fn refusal(pairs: &[BothWays], row: &TextRow) -> Option<String> {
    let filled = |c: usize| row.get(c).is_some_and(|v| !v.is_empty());
    pairs
        .iter()
        .find(|p| filled(p.id_column) && filled(p.reference_column))
        .map(|p| {
            sf_error_text(
                "INVALID_FIELD",
                &format!(
                    "Cannot specify both an external ID reference {} and a salesforce id, {}",
                    p.relationship, p.field
                ),
                &[],
            )
        })
}
