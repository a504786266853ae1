//! Turning SOQL results (REST JSON records) into the flat table a Bulk query CSV holds.
//!
//! Columns follow the query's select list: `Id`, `Name`, `Account.Name` (parent fields are
//! dotted paths). Each record's value is read along that path, case-insensitively, and the
//! header takes the schema spelling from the first record where the path resolves. Nulls
//! (and a null parent) are empty cells; datetimes use the `Z` suffix as Bulk results do.

use serde_json::Value;

/// The items of a SOQL select list, as written (`Id`, `Account.Name`).
pub fn select_list(soql: &str) -> Vec<String> {
    let lower = soql.to_ascii_lowercase();
    let Some(start) = lower.find("select") else {
        return Vec::new();
    };
    let bytes = soql.as_bytes();
    let mut depth = 0i32;
    let mut items = Vec::new();
    let mut current = String::new();
    let mut i = start + "select".len();
    while i < bytes.len() {
        let c = bytes[i] as char;
        if depth == 0 && lower[i..].starts_with("from") {
            let before = i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != b'_';
            let after = bytes
                .get(i + 4)
                .is_none_or(|b| !b.is_ascii_alphanumeric() && *b != b'_');
            if before && after {
                break;
            }
        }
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut current));
                i += 1;
                continue;
            }
            _ => {}
        }
        current.push(c);
        i += 1;
    }
    items.push(current);
    items
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn lookup<'a>(record: &'a Value, path: &[&str]) -> Option<(&'a Value, Vec<String>)> {
    let mut value = record;
    let mut names = Vec::with_capacity(path.len());
    for step in path {
        let obj = value.as_object()?;
        let (k, v) = obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(step))?;
        names.push(k.clone());
        value = v;
    }
    Some((value, names))
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

/// The header and rows of a Bulk query result.
pub fn flatten(soql: &str, records: &[Value]) -> (Vec<String>, Vec<Vec<String>>) {
    let items = select_list(soql);
    let paths: Vec<Vec<&str>> = items.iter().map(|i| i.split('.').collect()).collect();
    let mut header: Vec<Option<String>> = vec![None; items.len()];
    let mut rows = Vec::with_capacity(records.len());
    for record in records {
        let mut row = Vec::with_capacity(items.len());
        for (i, path) in paths.iter().enumerate() {
            match lookup(record, path) {
                Some((v, names)) => {
                    if header[i].is_none() {
                        header[i] = Some(names.join("."));
                    }
                    row.push(cell(v));
                }
                None => row.push(String::new()),
            }
        }
        rows.push(row);
    }
    let header = header
        .into_iter()
        .zip(items)
        .map(|(h, item)| h.unwrap_or(item))
        .collect();
    (header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn select_list_splits_at_top_level_commas() {
        assert_eq!(
            select_list("SELECT Id, Name, Account.Name FROM Contact WHERE Name LIKE 'a,b'"),
            vec!["Id", "Name", "Account.Name"]
        );
        assert_eq!(
            select_list("select id,fromage__c from X"),
            vec!["id", "fromage__c"]
        );
    }

    #[test]
    fn parent_fields_flatten_and_null_parents_leave_empty_cells() {
        let records = vec![
            json!({"attributes":{"type":"Contact"},"Id":"003A","LastName":"Doe","Account":{"attributes":{"type":"Account"},"Name":"Acme"}}),
            json!({"attributes":{"type":"Contact"},"Id":"003B","LastName":"Roe","Account":null}),
        ];
        let (header, rows) = flatten("SELECT id, lastname, account.name FROM Contact", &records);
        assert_eq!(header, vec!["Id", "LastName", "Account.Name"]);
        assert_eq!(rows[0], vec!["003A", "Doe", "Acme"]);
        assert_eq!(rows[1], vec!["003B", "Roe", ""]);
    }

    #[test]
    fn values_render_as_bulk_csv_text() {
        let records = vec![
            json!({"Amount": 12.5, "IsWon": true, "CloseDate": null, "CreatedDate": "2024-05-01T10:20:30.000+0000"}),
        ];
        let (_, rows) = flatten(
            "SELECT Amount, IsWon, CloseDate, CreatedDate FROM Opportunity",
            &records,
        );
        assert_eq!(
            rows[0],
            vec!["12.5", "true", "", "2024-05-01T10:20:30.000Z"]
        );
    }
}
