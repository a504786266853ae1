//! `run.shuffle_rows`: before each check the data rows of a CSV input are put in a new random
//! order and its reference column numbered again in that order (`W-0001`, `W-0002`, …), so
//! the references of the broken rows differ from check to check and a report of them must
//! come from what the org answered, not from references typed in.
//!
//! The renumbering holds for the lab's org too ([`renumber_seed`]): a record the `org:` seed
//! makes for one of the file's rows — one holding every filled cell of the row, such as a lead
//! an earlier import left — gets that row's new reference wherever it holds a reference. So an
//! org can refuse a row for a reason the file does not show (its reference already taken),
//! and which reference that is changes with the shuffle like the rest.
//!
//! Implementation notes: the file in the lab folder is shuffled in place, check after check,
//! so a row is known by its cells, not by the reference it had before: the seed's reference
//! (`W-0137`, as the lab's file is shipped) only has to have the references' shape. Only whole
//! field values of seeded records are renumbered, never text inside a value, and a record
//! that matches no row, or several, is left as it is.

use rand::seq::SliceRandom;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// How a shuffle numbered a file's rows again: the references' shape and each row's filled
/// cells (the reference left out) with its new reference.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Renumbering {
    prefix: String,
    digits: usize,
    rows: Vec<(Vec<String>, String)>,
}

impl Renumbering {
    /// Whether `value` has the shape of the file's references (`W-` and four digits).
    fn is_reference(&self, value: &str) -> bool {
        value
            .strip_prefix(self.prefix.as_str())
            .is_some_and(|n| n.len() == self.digits && n.bytes().all(|b| b.is_ascii_digit()))
    }

    /// The new reference of the one row whose filled cells all are among `values`.
    fn row_held_by(&self, values: &[&str]) -> Option<&str> {
        let mut held = self.rows.iter().filter(|(cells, _)| {
            !cells.is_empty() && cells.iter().all(|c| values.contains(&c.as_str()))
        });
        match (held.next(), held.next()) {
            (Some((_, reference)), None) => Some(reference),
            _ => None,
        }
    }
}

/// `text` (a CSV file with a header row) with its data rows in the order `order` gives and
/// the column `renumber` numbered again in that order, in the shape of its first value: the
/// text before the digits kept, the digits counted from 1 at the same width (`W-0001`); with
/// each old reference's new one. An error names what is missing.
pub fn shuffle_rows(
    text: &str,
    renumber: &str,
    order: impl FnOnce(&mut Vec<csv::StringRecord>),
) -> Result<(String, Renumbering), String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| e.to_string())?.clone();
    let column = header
        .iter()
        .position(|h| h == renumber)
        .ok_or_else(|| format!("has no column `{renumber}` to number again"))?;
    let mut rows: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let first = rows
        .first()
        .and_then(|r| r.get(column))
        .unwrap_or("")
        .to_string();
    let digits = first.len() - first.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let prefix = &first[..first.len() - digits];
    order(&mut rows);
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    writer.write_record(&header).map_err(|e| e.to_string())?;
    let mut renumbering = Renumbering {
        prefix: prefix.to_string(),
        digits: digits.max(1),
        rows: Vec::with_capacity(rows.len()),
    };
    for (n, row) in rows.iter().enumerate() {
        let reference = format!("{prefix}{:0width$}", n + 1, width = digits.max(1));
        let filled = row
            .iter()
            .enumerate()
            .filter(|&(i, c)| i != column && !c.is_empty());
        renumbering.rows.push((
            filled.map(|(_, c)| c.to_string()).collect(),
            reference.clone(),
        ));
        let cells = row.iter().enumerate().map(|(i, cell)| {
            if i == column {
                reference.as_str()
            } else {
                cell
            }
        });
        writer.write_record(cells).map_err(|e| e.to_string())?;
    }
    let text = String::from_utf8(writer.into_inner().map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    Ok((text, renumbering))
}

/// Shuffles the rows of each `file → column` of `spec` in the lab folder `dir` (see
/// [`shuffle_rows`]) and returns how their references were numbered again; an error names
/// the file.
pub fn shuffle_inputs(
    dir: &Path,
    spec: &BTreeMap<String, String>,
) -> Result<Vec<Renumbering>, String> {
    let mut renumbering = Vec::with_capacity(spec.len());
    for (file, column) in spec {
        let path = dir.join(file);
        let text = fs::read_to_string(&path).map_err(|e| {
            format!("could not read {file} to put its rows in a new order: {e}. Reset the lab to get it back")
        })?;
        let (shuffled, renumbered) =
            shuffle_rows(&text, column, |rows| rows.shuffle(&mut rand::thread_rng()))
                .map_err(|e| format!("{file} {e}; reset the lab to get the original back"))?;
        fs::write(&path, shuffled)
            .map_err(|e| format!("could not write {file} with its rows in a new order: {e}"))?;
        renumbering.push(renumbered);
    }
    Ok(renumbering)
}

/// The lab's `org:` seed with each record made for a row of a shuffled file (one holding all
/// the row's filled cells) holding the row's new reference wherever it held a reference;
/// `None` when no seeded record is made for a row (the seed is used as it is).
pub fn renumber_seed(
    org: &serde_yaml::Value,
    renumbering: &[Renumbering],
) -> Option<serde_yaml::Value> {
    let mut renumbered = org.clone();
    let records = renumbered.get_mut("records")?.as_sequence_mut()?;
    let mut changed = false;
    let fields = records
        .iter_mut()
        .filter_map(serde_yaml::Value::as_mapping_mut)
        .flat_map(|record| record.values_mut())
        .filter_map(serde_yaml::Value::as_mapping_mut);
    for fields in fields {
        let values: Vec<&str> = fields
            .values()
            .filter_map(serde_yaml::Value::as_str)
            .collect();
        let Some((file, reference)) = renumbering
            .iter()
            .find_map(|r| Some((r, r.row_held_by(&values)?.to_string())))
        else {
            continue;
        };
        for value in fields.values_mut() {
            if value.as_str().is_some_and(|v| file.is_reference(v)) {
                *value = serde_yaml::Value::String(reference.clone());
                changed = true;
            }
        }
    }
    changed.then_some(renumbered)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEADS: &str = "Ref,LastName,Email\nW-0001,Haas,a@example.com\nW-0002,,b@example.com\nW-0003,Ortiz,not-an-email\n";

    fn seed(yaml: &str) -> serde_yaml::Value {
        serde_yaml::from_str(yaml).expect("seed YAML")
    }

    #[test]
    fn shuffled_rows_are_numbered_again_in_their_new_order() {
        let (out, _) = shuffle_rows(LEADS, "Ref", |rows| rows.reverse()).expect("shuffled");
        assert_eq!(
            out,
            "Ref,LastName,Email\nW-0001,Ortiz,not-an-email\nW-0002,,b@example.com\nW-0003,Haas,a@example.com\n"
        );
        // Shuffled again, the broken rows keep their faults and get other references.
        let (again, _) = shuffle_rows(&out, "Ref", |rows| rows.rotate_left(1)).expect("shuffled");
        assert!(again.contains("W-0001,,b@example.com"), "{again}");
        assert!(again.contains("W-0003,Ortiz,not-an-email"), "{again}");
    }

    #[test]
    fn a_missing_reference_column_is_named() {
        let e = shuffle_rows(LEADS, "Id", |_| {}).expect_err("no Id column");
        assert!(e.contains("no column `Id`"), "{e}");
    }

    #[test]
    fn a_record_seeded_for_a_row_follows_the_row_through_every_shuffle() {
        let org = seed(
            "objects: { Lead: { fields: { Web_Ref__c: { type: text, unique: true } } } }\n\
             records:\n  - Lead: { LastName: Haas, Email: a@example.com, Web_Ref__c: W-0001, Description: W-0002 was here }\n",
        );
        let (once, renumbering) =
            shuffle_rows(LEADS, "Ref", |rows| rows.reverse()).expect("shuffled");
        let renumbered = renumber_seed(&org, &[renumbering]).expect("Haas's lead renumbered");
        let lead = &renumbered["records"][0]["Lead"];
        assert_eq!(lead["Web_Ref__c"], "W-0003", "Haas's row is now the third");
        assert_eq!(
            lead["Description"], "W-0002 was here",
            "text inside a value stays"
        );
        assert_eq!(renumbered["objects"], org["objects"]);
        // The folder's file was shuffled before: the row is found by its cells, whatever
        // reference it had, and the seed's reference as the lab ships it.
        let (_, twice) = shuffle_rows(&once, "Ref", |rows| rows.rotate_left(1)).expect("shuffled");
        let renumbered = renumber_seed(&org, &[twice]).expect("Haas's lead renumbered");
        assert_eq!(renumbered["records"][0]["Lead"]["Web_Ref__c"], "W-0002");
    }

    #[test]
    fn a_seed_made_for_no_single_row_is_used_as_it_is() {
        let (_, renumbering) = shuffle_rows(LEADS, "Ref", |rows| rows.reverse()).expect("shuffled");
        let renumbering = [renumbering];
        // A reference-shaped value in a record that holds no row's cells.
        let other = seed("records:\n  - Lead: { LastName: Haas, Web_Ref__c: W-0001 }\n");
        assert_eq!(renumber_seed(&other, &renumbering), None);
        let no_reference = seed("records:\n  - Lead: { LastName: Ortiz, Email: not-an-email }\n");
        assert_eq!(renumber_seed(&no_reference, &renumbering), None);
        assert_eq!(renumber_seed(&serde_yaml::Value::Null, &renumbering), None);
        // Two rows with the same cells: which one the record was made for is not known.
        let (_, twins) =
            shuffle_rows("Ref,LastName\nW-1,Haas\nW-2,Haas\n", "Ref", |_| {}).expect("shuffled");
        let haas = seed("records:\n  - Lead: { LastName: Haas, Web_Ref__c: W-1 }\n");
        assert_eq!(renumber_seed(&haas, &[twins]), None);
    }
}
