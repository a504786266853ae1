//! Turning SOQL results (REST JSON records) into the flat table a Bulk query CSV holds.
//!
//! Columns follow the query's select list. Each item is resolved against the schema as the
//! SOQL engine resolves it, so a column reads its value where the REST record holds it: a
//! parent field along its relationship names (`Account.Name` → `Account` → `Name`), a field
//! prefixed with the queried object's name or an object alias (`SELECT a.Id FROM Account a`)
//! as the field itself, `toLabel(Industry)` / `convertCurrency(AnnualRevenue)` under the
//! field's name (or under its alias, `toLabel(Industry) ind`). Nulls (and a null parent) are
//! empty cells; datetimes use the `Z` suffix as Bulk results do. A column whose value a
//! record does not hold at all fails the job instead of leaving blank cells.
//!
//! Implementation notes: headers are the resolved paths in the schema's spelling (`Id`,
//! `Account.Name`), what real orgs write for plain and parent fields. The header real orgs
//! give a field function's column was not captured [U]; it is taken to be the key the REST
//! query resource gives the value under (the field's name, or the alias).

use crate::org::error::{ErrorCode, SfError};
use crate::org::soql::ast::{FieldPath, Query, SelectItem};
use crate::org::soql::resolve::resolve_path;
use crate::org::store::Store;
use serde_json::Value;

/// One column of a Bulk query result: its header and the keys that lead to its value in a
/// REST query record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultColumn {
    pub header: String,
    pub keys: Vec<String>,
}

impl ResultColumn {
    fn of_keys(keys: Vec<String>) -> ResultColumn {
        ResultColumn {
            header: keys.join("."),
            keys,
        }
    }
}

/// The columns of a query job's result, one per select item of `query` (parsed from `src`).
/// Items Bulk API 2.0 refuses at job creation (subqueries, aggregates, FIELDS(), TYPEOF) are
/// refused here too.
pub fn result_columns(
    store: &Store,
    src: &str,
    query: &Query,
) -> Result<Vec<ResultColumn>, SfError> {
    let base = store.schema().object_index(&query.from).ok_or_else(|| {
        SfError::new(
            ErrorCode::INVALID_TYPE,
            format!("sObject type '{}' is not supported.", query.from),
        )
    })?;
    let field = |path: &FieldPath| -> Result<Vec<String>, SfError> {
        let f = resolve_path(store, src, base, path)?;
        Ok(f.hops
            .iter()
            .map(|h| h.rel_name.clone())
            .chain([f.name])
            .collect())
    };
    query
        .select
        .iter()
        .map(|item| match item {
            SelectItem::Field(path) => field(path).map(ResultColumn::of_keys),
            // `toLabel(Industry) ind`: the REST record holds the value under the alias.
            SelectItem::AliasedField { path, alias, .. } if path.function.is_some() => {
                Ok(ResultColumn::of_keys(vec![alias.clone()]))
            }
            other => Err(SfError::new(
                ErrorCode::INVALID_FIELD,
                format!("Bulk API 2.0 query jobs cannot return the select item {other:?}."),
            )),
        })
        .collect()
}

/// A column's value in one record: `None` when the record does not hold the column at all.
fn lookup<'a>(record: &'a Value, keys: &[String]) -> Option<&'a Value> {
    let mut value = record;
    for key in keys {
        match value {
            // A null parent: every field through it is null.
            Value::Null => return Some(value),
            Value::Object(obj) => {
                value = match obj.get(key) {
                    Some(v) => v,
                    None => obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(key))?.1,
                };
            }
            _ => return None,
        }
    }
    Some(value)
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => {
            // REST datetimes end in +0000; Bulk CSV writes Z.
            if s.len() == 28 && s.ends_with("+0000") && s.as_bytes().get(10) == Some(&b'T') {
                format!("{}Z", &s[..23])
            } else {
                s.clone()
            }
        }
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// The header and rows of a Bulk query result; the error (the job's `errorMessage`) names a
/// column some record does not hold: the job fails rather than export blank cells for it.
pub fn flatten(
    columns: &[ResultColumn],
    records: &[Value],
) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
    let mut rows = Vec::with_capacity(records.len());
    for record in records {
        let mut row = Vec::with_capacity(columns.len());
        for column in columns {
            let value = lookup(record, &column.keys).ok_or_else(|| {
                format!(
                    "The query job could not read the column '{}' from the query's records, so it wrote no results. Run the query through the REST query resource, or select the field without a function or alias.",
                    column.header
                )
            })?;
            row.push(cell(value));
        }
        rows.push(row);
    }
    Ok((columns.iter().map(|c| c.header.clone()).collect(), rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::soql::{self, QueryOptions};
    use crate::org::Org;
    use serde_json::json;

    fn columns_of(org: &Org, src: &str) -> Vec<ResultColumn> {
        let q = soql::parse_query(src).unwrap();
        result_columns(&org.store.read(), src, &q).unwrap()
    }

    fn headers(org: &Org, src: &str) -> Vec<String> {
        columns_of(org, src).into_iter().map(|c| c.header).collect()
    }

    /// The Bulk table of `src` beside the REST records of the same query.
    fn bulk_and_rest(org: &Org, src: &str) -> (Vec<String>, Vec<Vec<String>>, Vec<Value>) {
        let columns = columns_of(org, src);
        let store = org.store.read();
        let rest = soql::query(&store, src, &QueryOptions::new(org.clock.now(), "62.0"))
            .unwrap()
            .records;
        let (header, rows) = flatten(&columns, &rest).unwrap();
        (header, rows, rest)
    }

    #[test]
    fn headers_are_the_resolved_field_paths_in_schema_spelling() {
        let org = Org::default_org();
        assert_eq!(
            headers(&org, "SELECT id, lastname, account.name FROM Contact"),
            vec!["Id", "LastName", "Account.Name"]
        );
        assert_eq!(
            headers(&org, "SELECT a.Id, a.Name FROM Account a"),
            vec!["Id", "Name"]
        );
        assert_eq!(
            headers(&org, "SELECT c.LastName, c.Account.Name FROM Contact c"),
            vec!["LastName", "Account.Name"]
        );
        assert_eq!(
            headers(&org, "SELECT Account.Name, Account.Id FROM Account"),
            vec!["Name", "Id"]
        );
        assert_eq!(
            headers(
                &org,
                "SELECT toLabel(Industry), convertCurrency(AnnualRevenue), toLabel(Type) kind FROM Account"
            ),
            vec!["Industry", "AnnualRevenue", "kind"]
        );
    }

    #[test]
    fn field_functions_aliases_and_object_prefixes_export_the_rest_values() {
        let org = Org::default_org();
        for src in [
            "SELECT toLabel(Industry), convertCurrency(AnnualRevenue) FROM Account WHERE Name = 'Falcon Corp'",
            "SELECT a.Id, a.Name FROM Account a WHERE a.Name = 'Falcon Corp'",
            "SELECT Account.Id, Account.Name FROM Account WHERE Name = 'Falcon Corp'",
            "SELECT toLabel(Industry) ind, Name FROM Account WHERE Name = 'Falcon Corp'",
        ] {
            let (header, rows, rest) = bulk_and_rest(&org, src);
            assert_eq!(rows.len(), 1, "{src}");
            for (column, value) in header.iter().zip(&rows[0]) {
                assert!(!value.is_empty(), "{src}: {column} is blank");
                assert_eq!(cell(&rest[0][column.as_str()]), *value, "{src}: {column}");
            }
        }
        let (_, rows, _) = bulk_and_rest(
            &org,
            "SELECT toLabel(Industry), convertCurrency(AnnualRevenue) FROM Account WHERE Name = 'Falcon Corp'",
        );
        assert_eq!(rows[0][0], "Manufacturing");
        assert!(rows[0][1].starts_with("52000000"), "{:?}", rows[0]);
    }

    #[test]
    fn a_column_the_records_do_not_hold_fails_instead_of_exporting_blanks() {
        let columns = vec![ResultColumn::of_keys(vec!["Industry".into()])];
        let records = vec![json!({"attributes":{"type":"Account"},"Id":"001A"})];
        let e = flatten(&columns, &records).unwrap_err();
        assert!(e.contains("'Industry'"), "{e}");
    }

    #[test]
    fn parent_fields_flatten_and_null_parents_leave_empty_cells() {
        let org = Org::default_org();
        let columns = columns_of(&org, "SELECT id, lastname, account.name FROM Contact");
        let records = vec![
            json!({"attributes":{"type":"Contact"},"Id":"003A","LastName":"Doe","Account":{"attributes":{"type":"Account"},"Name":"Acme"}}),
            json!({"attributes":{"type":"Contact"},"Id":"003B","LastName":"Roe","Account":null}),
        ];
        let (header, rows) = flatten(&columns, &records).unwrap();
        assert_eq!(header, vec!["Id", "LastName", "Account.Name"]);
        assert_eq!(rows[0], vec!["003A", "Doe", "Acme"]);
        assert_eq!(rows[1], vec!["003B", "Roe", ""]);
    }

    #[test]
    fn values_render_as_bulk_csv_text() {
        let org = Org::default_org();
        let columns = columns_of(
            &org,
            "SELECT Amount, IsWon, CloseDate, CreatedDate FROM Opportunity",
        );
        let records = vec![
            json!({"Amount": 12.5, "IsWon": true, "CloseDate": null, "CreatedDate": "2024-05-01T10:20:30.000+0000"}),
        ];
        let (_, rows) = flatten(&columns, &records).unwrap();
        assert_eq!(
            rows[0],
            vec!["12.5", "true", "", "2024-05-01T10:20:30.000Z"]
        );
    }
}
