//! `files.*` rules over the files the learner's program wrote into the lab folder (read after
//! the last run, redacted, up to the runner's size limit per file).
//!
//! `files.csv_rows`: a CSV the program produced has a header and exactly the expected data
//! rows — a fixed number (`rows:`), or the rows a SOQL query (`query:`) returns on the org's
//! final state. With a query whose rows carry an `Id` the comparison is row by row: the file
//! needs one row per record, matched by its `Id` column, with the same text in every column
//! the query selects (a renamed record whose row still has the old name fails). A header
//! repeated inside the file (the usual slip when pages are glued together) is reported.
//!
//! A file the runs left as it was (there before, unchanged) fails: it is not what the program
//! wrote this time, but a leftover of an earlier attempt or a file handed in ready-made.
//!
//! Implementation notes: values compare as text, as a CSV holds them (null is an empty cell);
//! Ids match on their first 15 characters, so a 15-character Id matches its 18-character form;
//! header names match case-insensitively. A query without `Id`, or whose columns are not all
//! plain values (a parent's `Account.Name` comes back nested), is compared by row count only.

use super::cx::{plural, Cx};
use super::Verdict;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvRows {
    /// Path relative to the lab folder, e.g. `export.csv`.
    pub file: String,
    /// The exact number of data rows expected.
    #[serde(default)]
    pub rows: Option<usize>,
    /// A SOQL query whose rows on the final org state the file must hold.
    #[serde(default)]
    pub query: Option<String>,
    /// Columns the file must have, filled in on every data row (`sf__Error` of a failed-rows
    /// file: a row without its reason tells nobody what to fix).
    #[serde(default)]
    pub columns: Vec<String>,
    /// A request whose (last successful) CSV answer the file must hold row for row, in any
    /// order: a failed-rows file saved from `…/failedResults`, not written by hand.
    #[serde(default)]
    pub same_as: Option<crate::matcher::RequestPattern>,
}

/// A CSV file read: its header, its data rows, and how many lines repeated the header.
struct CsvTable {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    repeated: usize,
}

impl CsvTable {
    fn parse(text: &str) -> Result<CsvTable, String> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| e.to_string())?
            .iter()
            .map(str::to_string)
            .collect::<Vec<_>>();
        if header.iter().all(|h| h.is_empty()) {
            return Err("it has no header line".into());
        }
        let (mut rows, mut repeated) = (Vec::new(), 0);
        for record in reader.records() {
            let record = record.map_err(|e| e.to_string())?;
            if record.iter().eq(header.iter().map(String::as_str)) {
                repeated += 1;
            } else {
                rows.push(record.iter().map(str::to_string).collect());
            }
        }
        Ok(CsvTable {
            header,
            rows,
            repeated,
        })
    }

    fn column(&self, name: &str) -> Option<usize> {
        self.header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    }
}

/// What the file is compared with.
enum Expected {
    Count(usize),
    Records(Vec<Value>),
}

fn id_key(id: &str) -> String {
    id.trim().chars().take(15).collect()
}

/// A plain value as a CSV cell holds it; `None` for a nested one.
fn cell_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => Some(String::new()),
        Value::String(s) => Some(s.clone()),
        Value::Bool(_) | Value::Number(_) => Some(v.to_string()),
        _ => None,
    }
}

/// The selected columns of query rows (all plain, one of them `Id`), or `None`.
fn compared_columns(records: &[Value]) -> Option<Vec<String>> {
    let first = records.first()?.as_object()?;
    let columns: Vec<String> = first
        .keys()
        .filter(|k| k.as_str() != "attributes")
        .cloned()
        .collect();
    let plain = records.iter().all(|r| {
        columns
            .iter()
            .all(|c| r.get(c).is_none_or(|v| cell_text(v).is_some()))
    });
    (plain && columns.iter().any(|c| c == "Id")).then_some(columns)
}

/// Up to three items, then how many more.
fn some_of(items: &[String]) -> String {
    let mut out = items.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > 3 {
        out.push_str(&format!(" and {} more", items.len() - 3));
    }
    out
}

const NOT_ON_SANDBOX: &str = "Not applicable on this backend: the check runs its query on the mock org's records, which a sandbox run does not have.";

pub(crate) fn csv_rows(p: &CsvRows, cx: &Cx) -> Verdict {
    let want_path = p.file.trim_start_matches("./");
    if p.query.is_some() && cx.soql.is_none() {
        return cx.not_applicable(NOT_ON_SANDBOX);
    }
    // Before anything about its contents: a file the runs did not write is not their output.
    if cx.ev.left_as_before.iter().any(|p| p == want_path) {
        return cx.fail(format!(
            "`{want_path}` is as it was before this check's runs: your program did not write it this time (it is left from an earlier attempt, or came with the files). Write it on every run, even when its contents would be the same: the check judges what this check's runs produced."
        ));
    }
    let Some(file) = cx.ev.sources.iter().find(|f| f.path == want_path) else {
        if let Some((_, bytes)) = cx.ev.too_large.iter().find(|(p, _)| p == want_path) {
            return cx.fail(format!(
                "`{want_path}` holds {} — more than the 256 KiB sflab reads, and far more than the rows this lab expects in it. Check what your program writes there.",
                crate::wording::bytes(*bytes)
            ));
        }
        if let Some((_, why)) = cx.ev.unread.iter().find(|(p, _)| p == want_path) {
            return cx.fail(format!("`{want_path}` {why}."));
        }
        return cx.fail(format!(
            "Your program did not leave a file `{want_path}` in the lab folder."
        ));
    };
    let table = match CsvTable::parse(&file.text) {
        Ok(t) => t,
        Err(e) => return cx.fail(format!("`{want_path}` is not a readable CSV file: {e}.")),
    };
    let expected = match (&p.query, p.rows) {
        (Some(q), _) => {
            let Some(snapshot) = cx.ev.snapshots.after_runs.last() else {
                return cx
                    .fail("Your program did not run, so there is no org state to compare with.");
            };
            let Some(eval) = cx.soql else {
                return cx.not_applicable(NOT_ON_SANDBOX);
            };
            match eval.query(snapshot, q) {
                Ok(r) => Expected::Records(r),
                Err(e) => {
                    return cx.fail(format!(
                        "The lab's check query could not run ({e}); tell the lab's author."
                    ))
                }
            }
        }
        (None, Some(n)) => Expected::Count(n),
        (None, None) if p.same_as.is_some() => Expected::Count(table.rows.len()),
        (None, None) => {
            return cx.fail("This check names no expected row count; tell the lab's author.")
        }
    };
    if table.repeated > 0 {
        return cx.fail(format!(
            "`{want_path}` repeats its header line {} more; each page of results starts with a header, so keep only the first when you join pages.",
            plural(table.repeated, "time")
        ));
    }
    let rows = table.rows.len();
    if let Some(problem) = unfilled_columns(&table, &p.columns) {
        return cx.fail(format!("`{want_path}` {problem}."));
    }
    if let Some(pattern) = &p.same_as {
        if let Some(v) = differs_from_answer(cx, want_path, &table, pattern) {
            return v;
        }
    }
    let (records, columns) = match expected {
        Expected::Records(r) => match compared_columns(&r) {
            Some(columns) => (r, columns),
            None => return by_count(cx, want_path, rows, r.len(), "the org has"),
        },
        Expected::Count(n) => return by_count(cx, want_path, rows, n, "the lab expects"),
    };
    row_by_row(cx, want_path, &table, &records, &columns)
}

/// A failing verdict when `table` does not hold the rows of the last successful CSV answer to
/// a request matching `pattern` (cells trimmed, rows in any order), or when there is none.
fn differs_from_answer(
    cx: &Cx,
    path: &str,
    table: &CsvTable,
    pattern: &crate::matcher::RequestPattern,
) -> Option<Verdict> {
    let answer = cx
        .ev
        .exchanges
        .iter()
        .rev()
        .find(|e| pattern.matches_exchange(e) && super::cx::is_success(e));
    let Some(answer) = answer else {
        return Some(cx.fail(format!(
            "No successful request {} was made, so `{path}` holds nothing the org answered.",
            pattern.describe()
        )));
    };
    let body = answer.response.as_ref().map(|r| &r.body)?;
    if body.truncated {
        return None; // too large to have been kept whole: the other checks judge the file
    }
    let expected = CsvTable::parse(&body.text).ok()?;
    let sorted = |t: &CsvTable| {
        let mut rows: Vec<Vec<String>> = t
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.trim().to_string()).collect())
            .collect();
        rows.sort();
        rows
    };
    if sorted(&expected) == sorted(table) {
        return None;
    }
    Some(
        cx.fail(format!(
            "`{path}` does not hold what the org answered to {}: {} there, {} in the file (or different values). Save the answer as it came.",
            super::cx::show(answer),
            plural(expected.rows.len(), "row"),
            table.rows.len()
        ))
        .with_evidence([answer.seq]),
    )
}

/// What is wrong with the required `columns` of `table`, if anything: one missing, or a row
/// that leaves one empty.
fn unfilled_columns(table: &CsvTable, columns: &[String]) -> Option<String> {
    for c in columns {
        let Some(i) = table.column(c) else {
            return Some(format!(
                "has no `{c}` column (its header is {}): keep the columns the answer gave",
                table.header.join(",")
            ));
        };
        let empty = table
            .rows
            .iter()
            .filter(|r| r.get(i).is_none_or(|v| v.trim().is_empty()))
            .count();
        if empty > 0 {
            return Some(format!(
                "leaves `{c}` empty on {}: each row must keep it",
                plural(empty, "row")
            ));
        }
    }
    None
}

fn by_count(cx: &Cx, path: &str, rows: usize, expected: usize, source: &str) -> Verdict {
    if rows != expected {
        return cx.fail(format!(
            "`{path}` has {}, but {source} {expected}: each expected row must be in the file, once.",
            plural(rows, "data row")
        ));
    }
    cx.pass(format!(
        "`{path}` holds {}, as {source}, under one header.",
        plural(rows, "data row")
    ))
}

fn row_by_row(
    cx: &Cx,
    path: &str,
    table: &CsvTable,
    records: &[Value],
    columns: &[String],
) -> Verdict {
    let missing_columns: Vec<&str> = columns
        .iter()
        .filter(|c| table.column(c).is_none())
        .map(String::as_str)
        .collect();
    if !missing_columns.is_empty() {
        return cx.fail(format!(
            "`{path}` has no {} column (its header is {}); the file is compared with the org's {}.",
            missing_columns.join(", no "),
            table.header.join(","),
            columns.join(", ")
        ));
    }
    let id_col = table.column("Id").unwrap_or(0);
    let mut in_file: BTreeMap<String, Vec<&Vec<String>>> = BTreeMap::new();
    for row in &table.rows {
        let id = row.get(id_col).map(String::as_str).unwrap_or("");
        in_file.entry(id_key(id)).or_default().push(row);
    }
    let in_org: BTreeMap<String, &Value> = records
        .iter()
        .map(|r| (id_key(r.get("Id").and_then(Value::as_str).unwrap_or("")), r))
        .collect();
    let described = |id: &str, row: &Vec<String>| {
        let others: Vec<String> = table
            .header
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != id_col)
            .filter_map(|(i, h)| Some(format!("{h} \"{}\"", row.get(i)?)))
            .collect();
        if others.is_empty() {
            id.to_string()
        } else {
            format!("{id} ({})", others.join(", "))
        }
    };
    let twice: Vec<String> = in_file
        .iter()
        .filter(|(_, rows)| rows.len() > 1)
        // Named as the file writes the id (15 or 18 characters), as the other lists are.
        .map(|(_, rows)| {
            let id = rows[0].get(id_col).map_or("", |s| s.trim());
            format!("{id} ×{}", rows.len())
        })
        .collect();
    let extra: Vec<String> = in_file
        .iter()
        .filter(|(id, _)| !in_org.contains_key(*id))
        .map(|(_, rows)| described(rows[0].get(id_col).map_or("", |s| s.as_str()), rows[0]))
        .collect();
    let missing: Vec<String> = in_org
        .iter()
        .filter(|(id, _)| !in_file.contains_key(*id))
        .map(|(_, r)| {
            let id = r.get("Id").and_then(Value::as_str).unwrap_or("");
            let others: Vec<String> = columns
                .iter()
                .filter(|c| c.as_str() != "Id")
                .filter_map(|c| Some(format!("{c} \"{}\"", cell_text(r.get(c)?)?)))
                .collect();
            if others.is_empty() {
                id.to_string()
            } else {
                format!("{id} ({})", others.join(", "))
            }
        })
        .collect();
    let mut problems = Vec::new();
    if !extra.is_empty() {
        problems.push(format!(
            "{} for records the org does not have: Id {}",
            plural(extra.len(), "row"),
            some_of(&extra)
        ));
    }
    if !missing.is_empty() {
        problems.push(format!(
            "no row for {} the org has: Id {}",
            plural(missing.len(), "record"),
            some_of(&missing)
        ));
    }
    if !twice.is_empty() {
        problems.push(format!("more than one row for Id {}", some_of(&twice)));
    }
    if !problems.is_empty() {
        return cx.fail(format!(
            "`{path}` has {} and the org {}: the file has {}. Each record belongs in the file once, and only while the org has it.",
            plural(table.rows.len(), "data row"),
            plural(records.len(), "record"),
            problems.join("; ")
        ));
    }
    let mut differ: Vec<String> = Vec::new();
    for (id, record) in &in_org {
        let Some(row) = in_file.get(id).and_then(|rows| rows.first()) else {
            continue;
        };
        for c in columns.iter().filter(|c| c.as_str() != "Id") {
            let want = record.get(c).and_then(cell_text).unwrap_or_default();
            let got = table
                .column(c)
                .and_then(|i| row.get(i))
                .cloned()
                .unwrap_or_default();
            if got != want {
                let shown_id = record.get("Id").and_then(Value::as_str).unwrap_or(id);
                differ.push(format!(
                    "the row for Id {shown_id} has {c} \"{got}\" where the org has \"{want}\""
                ));
            }
        }
    }
    if !differ.is_empty() {
        return cx.fail(format!(
            "`{path}` has a row for every record, but {}{}: keep each row up to date with its record.",
            differ[0],
            if differ.len() > 1 {
                format!(" ({} differences in all)", differ.len())
            } else {
                String::new()
            }
        ));
    }
    cx.pass(format!(
        "`{path}` holds one row per record the org has ({}), under one header, with the same {} as the org.",
        records.len(),
        columns.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use crate::evidence::SourceFile;

    fn with_file(text: &str) -> crate::evidence::Evidence {
        let mut ev = evidence(vec![]);
        ev.sources.push(SourceFile {
            path: "export.csv".into(),
            text: text.into(),
        });
        ev
    }

    const RULE: &str = "{ rule: files.csv_rows, file: export.csv, rows: 3 }";

    #[test]
    fn a_file_the_runs_left_as_it_was_is_not_the_programs_output() {
        let good = with_file("Id,Name\n1,a\n2,b\n3,c\n");
        assert_passes(RULE, &good);
        let mut stale = good.clone();
        stale.left_as_before = vec!["export.csv".into()];
        let v = assert_fails(RULE, &stale);
        assert!(
            v.message
                .contains("`export.csv` is as it was before this check's runs"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_file_left_unread_says_why_and_a_stale_one_is_stale_whatever_its_size() {
        let mut ev = evidence(vec![]);
        ev.unread = vec![(
            "export.csv".into(),
            "is not UTF-8 text (save it as UTF-8)".into(),
        )];
        let v = assert_fails(RULE, &ev);
        assert!(
            v.message.contains("`export.csv` is not UTF-8 text"),
            "{}",
            v.message
        );
        let mut ev = evidence(vec![]);
        ev.too_large = vec![("export.csv".into(), 400_000)];
        ev.left_as_before = vec!["export.csv".into()];
        let v = assert_fails(RULE, &ev);
        assert!(v.message.contains("as it was before"), "{}", v.message);
    }

    #[test]
    fn a_missing_file_and_one_too_large_to_read_are_told_apart() {
        let v = assert_fails(RULE, &evidence(vec![]));
        assert!(
            v.message.contains("did not leave a file `export.csv`"),
            "{}",
            v.message
        );
        let mut ev = evidence(vec![]);
        ev.too_large.push(("export.csv".into(), 3_240_677));
        let v = assert_fails(RULE, &ev);
        assert!(
            v.message
                .contains("`export.csv` holds 3.1 MiB — more than the 256 KiB"),
            "{}",
            v.message
        );
    }

    #[test]
    fn exact_row_count_under_one_header_passes() {
        assert_passes(RULE, &with_file("Id,Name\n1,a\n2,\"b, c\"\n3,d\n"));
    }

    #[test]
    fn required_columns_must_be_there_and_filled_on_every_row() {
        let rule = "{ rule: files.csv_rows, file: export.csv, rows: 2, columns: [sf__Error] }";
        assert_passes(
            rule,
            &with_file(
                "\"sf__Id\",\"sf__Error\",Name\n,REQUIRED_FIELD_MISSING:Name,\n,INVALID_EMAIL,x\n",
            ),
        );
        let v = assert_fails(rule, &with_file("Name\na\nb\n"));
        assert!(
            v.message.contains("has no `sf__Error` column"),
            "{}",
            v.message
        );
        let v = assert_fails(rule, &with_file("sf__Error,Name\nbad,a\n,b\n"));
        assert!(
            v.message.contains("leaves `sf__Error` empty on 1 row"),
            "{}",
            v.message
        );
    }

    #[test]
    fn same_as_wants_the_rows_the_org_answered_in_any_order() {
        let rule =
            "{ rule: files.csv_rows, file: export.csv, same_as: { path: /jobs/*/failedResults } }";
        let answered = "\"sf__Id\",\"sf__Error\",Name\n\"\",\"REQUIRED_FIELD_MISSING:Name\",\n\"\",\"INVALID_EMAIL\",x\n";
        let with = |file: &str| {
            let mut ev = with_file(file);
            ev.exchanges
                .push(get("/jobs/750/failedResults", 200).response_body(answered));
            ev
        };
        assert_passes(
            rule,
            &with("sf__Id,sf__Error,Name\n,INVALID_EMAIL,x\n,REQUIRED_FIELD_MISSING:Name,\n"),
        );
        let v = assert_fails(rule, &with("sf__Id,sf__Error,Name\n,ERR,x\n,ERR,\n"));
        assert!(
            v.message.contains("does not hold what the org answered"),
            "{}",
            v.message
        );
        let v = assert_fails(rule, &with_file("sf__Id,sf__Error,Name\n,ERR,x\n"));
        assert!(v.message.contains("No successful request"), "{}", v.message);
    }

    #[test]
    fn missing_rows_fail_with_both_counts() {
        let v = assert_fails(RULE, &with_file("Id,Name\n1,a\n2,b\n"));
        assert!(
            v.message.contains("has 2 data rows, but the lab expects 3"),
            "{}",
            v.message
        );
        assert!(!v.message.contains("page"), "{}", v.message);
    }

    #[test]
    fn a_repeated_header_from_glued_pages_fails() {
        let v = assert_fails(RULE, &with_file("Id,Name\n1,a\nId,Name\n2,b\n3,c\n"));
        assert!(v.message.contains("repeats its header"), "{}", v.message);
    }

    struct FourRows;
    impl crate::rules::SoqlEvaluator for FourRows {
        fn query(
            &self,
            _: &crate::evidence::OrgSnapshot,
            _: &str,
        ) -> Result<Vec<serde_json::Value>, String> {
            Ok(vec![serde_json::json!({}); 4])
        }
    }

    #[test]
    fn expected_count_can_come_from_the_org() {
        let rule = "{ rule: files.csv_rows, file: export.csv, query: SELECT Id FROM Account }";
        let mut ev = with_file("Id\n1\n2\n3\n4\n");
        ev.snapshots
            .after_runs
            .push(crate::evidence::OrgSnapshot::default());
        let org = Some(&FourRows as &dyn crate::rules::SoqlEvaluator);
        assert!(verdict_with(rule, &ev, org).passed());
        let mut short = with_file("Id\n1\n2\n");
        short.snapshots = ev.snapshots.clone();
        let v = verdict_with(rule, &short, org);
        assert!(
            v.failed() && v.message.contains("the org has 4"),
            "{}",
            v.message
        );
    }

    /// The org's Accounts after a rename and a delete: Acme and the renamed Globex.
    struct Accounts;
    impl crate::rules::SoqlEvaluator for Accounts {
        fn query(
            &self,
            _: &crate::evidence::OrgSnapshot,
            _: &str,
        ) -> Result<Vec<serde_json::Value>, String> {
            Ok(vec![
                serde_json::json!({"attributes": {"type": "Account"}, "Id": "001000000000001AAA", "Name": "Acme Tools"}),
                serde_json::json!({"attributes": {"type": "Account"}, "Id": "001000000000002AAA", "Name": "Globex Corporation"}),
            ])
        }
    }

    const MIRROR: &str =
        "{ rule: files.csv_rows, file: export.csv, query: 'SELECT Id, Name FROM Account' }";

    fn mirror(text: &str) -> crate::rules::Verdict {
        let mut ev = with_file(text);
        ev.snapshots
            .after_runs
            .push(crate::evidence::OrgSnapshot::default());
        verdict_with(
            MIRROR,
            &ev,
            Some(&Accounts as &dyn crate::rules::SoqlEvaluator),
        )
    }

    #[test]
    fn rows_matching_the_org_by_id_and_column_pass_in_any_order() {
        let v =
            mirror("Id,Name\n001000000000002AAA,Globex Corporation\n001000000000001,Acme Tools\n");
        assert!(v.passed(), "{}", v.message);
        assert!(v.message.contains("same Id, Name"), "{}", v.message);
    }

    #[test]
    fn a_row_that_kept_an_old_value_fails_naming_the_row() {
        let v = mirror("Id,Name\n001000000000001AAA,Acme Tools\n001000000000002AAA,Globex\n");
        assert!(v.failed());
        assert!(
            v.message.contains(
                r#"the row for Id 001000000000002AAA has Name "Globex" where the org has "Globex Corporation""#
            ),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_row_for_a_deleted_record_is_named_without_talk_of_pages() {
        let v = mirror(
            "Id,Name\n001000000000001AAA,Acme Tools\n001000000000002AAA,Globex Corporation\n001000000000003AAA,Initech\n",
        );
        assert!(v.failed());
        assert!(
            v.message.contains(
                r#"1 row for records the org does not have: Id 001000000000003AAA (Name "Initech")"#
            ),
            "{}",
            v.message
        );
        assert!(!v.message.contains("page"), "{}", v.message);
    }

    #[test]
    fn a_missing_record_a_duplicate_row_and_a_missing_column_are_named() {
        let v = mirror("Id,Name\n001000000000001AAA,Acme Tools\n001000000000001AAA,Acme Tools\n");
        assert!(v.failed());
        assert!(
            v.message.contains(r#"no row for 1 record the org has: Id 001000000000002AAA (Name "Globex Corporation")"#)
                && v.message.contains("more than one row for Id 001000000000001AAA ×2"),
            "{}",
            v.message
        );
        let v = mirror("Id\n001000000000001AAA\n001000000000002AAA\n");
        assert!(v.failed());
        assert!(v.message.contains("has no Name column"), "{}", v.message);
    }

    #[test]
    fn a_repeated_row_is_named_by_its_id_as_the_file_writes_it() {
        let v = mirror(
            "Id,Name\n001000000000001AAA,Acme Tools\n001000000000001AAA,Acme Tools\n001000000000001AAA,Acme Tools\n001000000000002AAA,Globex Corporation\n",
        );
        assert!(
            v.message
                .contains("more than one row for Id 001000000000001AAA ×3"),
            "{}",
            v.message
        );
        let v = mirror("Id,Name\n001000000000001,Acme Tools\n001000000000001,Acme Tools\n001000000000002,Globex Corporation\n");
        assert!(
            v.message
                .contains("more than one row for Id 001000000000001 ×2"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_missing_file_fails() {
        assert_fails(RULE, &evidence(vec![]));
    }
}
