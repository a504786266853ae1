//! The text of a Bulk API CSV cell as its field reads it: one rule per kind of field.
//!
//! - Text fields (and ids, lookups, picklists) take the cell as sent: the Bulk API guide says
//!   field values are not trimmed ("John, Smith" is valid, the second value " Smith").
//! - Typed fields (checkbox, number, currency, percent, date, dateTime) take it without the
//!   spaces around it, so ` 5` and ` 2024-03-03 ` read alike; a cell of spaces only is no
//!   value of the type and fails as any other misfit does.
//! - Date fields also take the documented `yyyy-MM-ddZ` form (the guide's own sample CSV has
//!   Birthdate `1940-06-07Z`; older editions of "Valid Date Format in Records" name
//!   `yyyy-MM-ddZ` and `yyyy-MM-dd+/-HHmm`): the `Z` says UTC, which a date is anyway. An
//!   offset (`+05:00`) stays refused, as the current edition says ("Specifying an offset for
//!   date is not supported"). A dateTime in a date field is read, as everywhere in sflab, as
//!   its UTC date.
//!
//! Implementation notes: trimming typed values follows the types the errors name (`xsd:int`,
//! `xsd:date`…): in XML Schema every such type collapses the white space around a value
//! before reading it. That real orgs trim them is not verified [U]. Taking a dateTime's UTC
//! date follows the Data Loader's known day-shift (a date sent as a dateTime at the user's
//! local midnight lands on the previous day where the user is ahead of GMT) [F: help
//! articles and forum threads, not a capture].

use crate::org::schema::FieldType;

/// How a column's cells are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CellForm {
    /// As sent (text, ids, lookups, and columns that are no field).
    #[default]
    AsSent,
    /// Without the spaces around the value.
    Trimmed,
    /// Trimmed, and `yyyy-MM-ddZ` read as `yyyy-MM-dd`.
    Date,
}

impl CellForm {
    /// The form of a field of type `t`.
    pub fn of(t: FieldType) -> CellForm {
        match t {
            FieldType::Date => CellForm::Date,
            FieldType::Boolean
            | FieldType::Int
            | FieldType::Double
            | FieldType::Currency
            | FieldType::Percent
            | FieldType::DateTime => CellForm::Trimmed,
            _ => CellForm::AsSent,
        }
    }

    /// The text of `raw` the field reads (a part of `raw`: nothing is copied).
    #[inline]
    pub fn read(self, raw: &str) -> &str {
        match self {
            CellForm::AsSent => raw,
            CellForm::Trimmed => raw.trim(),
            CellForm::Date => {
                let text = raw.trim();
                match text.strip_suffix('Z') {
                    // `1940-06-07Z`, not a dateTime's `…T10:00:00Z`.
                    Some(date) if date.len() == 10 => date,
                    _ => text,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_read_as_sent_and_typed_values_without_surrounding_spaces() {
        assert_eq!(CellForm::of(FieldType::String).read(" Smith "), " Smith ");
        assert_eq!(CellForm::of(FieldType::Int).read(" 5"), "5");
        assert_eq!(CellForm::of(FieldType::Boolean).read("true "), "true");
        assert_eq!(
            CellForm::of(FieldType::DateTime).read(" 2024-01-01T10:00:00Z "),
            "2024-01-01T10:00:00Z"
        );
        assert_eq!(CellForm::of(FieldType::Currency).read("  "), "");
    }

    #[test]
    fn a_date_reads_the_documented_z_form_and_keeps_datetimes_and_offsets_whole() {
        let date = CellForm::of(FieldType::Date);
        assert_eq!(date.read("1940-06-07Z"), "1940-06-07");
        assert_eq!(date.read(" 2024-03-03 "), "2024-03-03");
        assert_eq!(date.read("2024-01-01T10:00:00Z"), "2024-01-01T10:00:00Z");
        assert_eq!(date.read("2024-01-01+05:00"), "2024-01-01+05:00");
    }
}
