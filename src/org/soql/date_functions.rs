//! SOQL date functions: `CALENDAR_YEAR(CloseDate)`, `DAY_ONLY(CreatedDate)`,
//! `HOUR_IN_DAY(convertTimezone(CreatedDate))` and the rest — what each one computes from a
//! date or dateTime value, the checks on its argument, and how the planner resolves one into
//! a WHERE test's operand or an aggregate query's group key.
//!
//! Where they may appear (the SOQL reference's "Date Functions" page): in WHERE of any query,
//! compared with a number (or, for DAY_ONLY, a date) but never with a date literal; in GROUP
//! BY; in SELECT, HAVING and ORDER BY of an aggregate query that groups by the same function
//! — or, for a date field (not a dateTime), by the field itself.
//!
//! Implementation notes:
//! - The reference says SOQL gives dateTime values in UTC and that `convertTimezone()`
//!   converts them to the user's time zone inside a date function; so a date function on a
//!   dateTime works on its UTC date and time unless the argument is wrapped in
//!   `convertTimezone()`, which uses the running user's zone (`TimeZoneSidKey`, by default
//!   America/Los_Angeles). A date field has no time zone and is never shifted.
//! - Weeks: DAY_IN_WEEK counts from Sunday (1) to Saturday (7); WEEK_IN_MONTH and
//!   WEEK_IN_YEAR count blocks of seven days from the 1st of the month / January 1st, not
//!   calendar weeks.
//! - Fiscal functions follow the org's fiscal year start ([`dates::FISCAL_YEAR_START_MONTH`],
//!   January in the mock org, so they equal the calendar ones); with another start month the
//!   fiscal year would be named after the calendar year it ends in.
//! - Error texts marked [U] are worded in Salesforce's style; the real texts were not captured.

use super::ast::{DateFunction, Pos};
use super::dates;
use super::error as qerr;
use super::plan::Planner;
use super::resolve::{FieldRef, Reads};
use crate::org::error::SfError;
use crate::org::record::Record;
use crate::org::schema::{FieldDef, FieldType};
use crate::org::store::Store;
use crate::org::value::{date_to_days, days_to_date, millis_to_datetime, Value};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use chrono_tz::Tz;

/// The time zone of a user whose User record says nothing else (the User default and the
/// Organization's `TimeZoneSidKey`).
pub const DEFAULT_TIME_ZONE: &str = "America/Los_Angeles";

/// The zone a `TimeZoneSidKey` names; the default zone for a name the tz database lacks.
pub fn zone(name: &str) -> Tz {
    name.parse()
        .unwrap_or_else(|_| DEFAULT_TIME_ZONE.parse().unwrap_or(Tz::UTC))
}

/// The date functions SOQL documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateFunc {
    CalendarMonth,
    CalendarQuarter,
    CalendarYear,
    DayInMonth,
    DayInWeek,
    DayInYear,
    DayOnly,
    FiscalMonth,
    FiscalQuarter,
    FiscalYear,
    HourInDay,
    WeekInMonth,
    WeekInYear,
}

const ALL: &[(DateFunc, &str)] = &[
    (DateFunc::CalendarMonth, "CALENDAR_MONTH"),
    (DateFunc::CalendarQuarter, "CALENDAR_QUARTER"),
    (DateFunc::CalendarYear, "CALENDAR_YEAR"),
    (DateFunc::DayInMonth, "DAY_IN_MONTH"),
    (DateFunc::DayInWeek, "DAY_IN_WEEK"),
    (DateFunc::DayInYear, "DAY_IN_YEAR"),
    (DateFunc::DayOnly, "DAY_ONLY"),
    (DateFunc::FiscalMonth, "FISCAL_MONTH"),
    (DateFunc::FiscalQuarter, "FISCAL_QUARTER"),
    (DateFunc::FiscalYear, "FISCAL_YEAR"),
    (DateFunc::HourInDay, "HOUR_IN_DAY"),
    (DateFunc::WeekInMonth, "WEEK_IN_MONTH"),
    (DateFunc::WeekInYear, "WEEK_IN_YEAR"),
];

impl DateFunc {
    pub fn name(self) -> &'static str {
        ALL.iter().find(|(f, _)| *f == self).map_or("", |(_, n)| n)
    }

    /// The function a word names, whatever its case.
    pub fn from_name(word: &str) -> Option<DateFunc> {
        ALL.iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(word))
            .map(|(f, _)| *f)
    }

    /// DAY_ONLY and HOUR_IN_DAY take a dateTime; the others a date or a dateTime.
    fn needs_date_time(self) -> bool {
        matches!(self, DateFunc::DayOnly | DateFunc::HourInDay)
    }

    /// What the function returns: a date for DAY_ONLY, a number otherwise.
    pub fn result_type(self) -> FieldType {
        if self == DateFunc::DayOnly {
            FieldType::Date
        } else {
            FieldType::Int
        }
    }

    /// The function of a local date and time.
    pub fn apply(self, at: NaiveDateTime) -> Value {
        let d = at.date();
        let fiscal_month = fiscal_month(d);
        let n = match self {
            DateFunc::DayOnly => return Value::Date(date_to_days(d)),
            DateFunc::CalendarMonth => d.month() as i64,
            DateFunc::CalendarQuarter => ((d.month() - 1) / 3 + 1) as i64,
            DateFunc::CalendarYear => d.year() as i64,
            DateFunc::DayInMonth => d.day() as i64,
            DateFunc::DayInWeek => (d.weekday().num_days_from_sunday() + 1) as i64,
            DateFunc::DayInYear => d.ordinal() as i64,
            DateFunc::FiscalMonth => fiscal_month as i64,
            DateFunc::FiscalQuarter => ((fiscal_month - 1) / 3 + 1) as i64,
            DateFunc::FiscalYear => fiscal_year(d) as i64,
            DateFunc::HourInDay => at.hour() as i64,
            DateFunc::WeekInMonth => ((d.day() - 1) / 7 + 1) as i64,
            DateFunc::WeekInYear => ((d.ordinal() - 1) / 7 + 1) as i64,
        };
        Value::Int(n)
    }
}

/// 1 for the month the fiscal year starts in, 12 for the one before it.
fn fiscal_month(d: NaiveDate) -> u32 {
    (d.month() + 12 - dates::FISCAL_YEAR_START_MONTH) % 12 + 1
}

/// The fiscal year of a day: the calendar year the fiscal year ends in.
fn fiscal_year(d: NaiveDate) -> i32 {
    if dates::FISCAL_YEAR_START_MONTH == 1 || d.month() < dates::FISCAL_YEAR_START_MONTH {
        d.year()
    } else {
        d.year() + 1
    }
}

/// A date function resolved against the schema.
#[derive(Debug, Clone)]
pub struct DateFnRef {
    pub func: DateFunc,
    pub field: FieldRef,
    /// Set under `convertTimezone()`: the zone dateTimes are shifted into first.
    pub zone: Option<Tz>,
    /// As written in canonical form: `CALENDAR_YEAR(CreatedDate)`.
    pub display: String,
}

impl DateFnRef {
    /// The function of one value of its field (null for null).
    pub fn of(&self, v: &Value) -> Option<Value> {
        let at = match v {
            Value::Date(days) => days_to_date(*days).and_hms_opt(0, 0, 0)?,
            Value::DateTime(ms) => {
                let utc = millis_to_datetime(*ms);
                match self.zone {
                    Some(tz) => utc.with_timezone(&tz).naive_local(),
                    None => utc.naive_utc(),
                }
            }
            _ => return None,
        };
        Some(self.func.apply(at))
    }

    /// The function of a record's field (a record of the base object).
    pub fn value(&self, store: &Store, base: usize, rec: &Record) -> Option<Value> {
        self.field.fetch(store, base, rec).and_then(|v| self.of(v))
    }

    /// The function's result seen as a field, for compiling a comparison with it: typed as
    /// the result, named as written.
    pub fn as_field(&self) -> FieldRef {
        FieldRef {
            hops: Vec::new(),
            obj: self.field.obj,
            field: self.field.field,
            name: self.display.clone(),
            ftype: self.func.result_type(),
            reads: Reads::Stored,
        }
    }

    fn same(&self, other: &DateFnRef) -> bool {
        self.func == other.func
            && self.zone.is_some() == other.zone.is_some()
            && super::plan::same_field(&self.field, &other.field)
    }
}

/// A group key of an aggregate query: a field, or a date function of one.
#[derive(Debug, Clone)]
pub enum Key {
    Field(FieldRef),
    DateFn(DateFnRef),
}

impl Key {
    /// The key's value for a record of the base object.
    pub fn fetch(&self, store: &Store, base: usize, rec: &Record) -> Option<Value> {
        match self {
            Key::Field(f) => f.fetch(store, base, rec).cloned(),
            Key::DateFn(d) => d.value(store, base, rec),
        }
    }

    /// The key seen as a field: the field itself, or the function's result.
    pub fn as_field(&self) -> FieldRef {
        match self {
            Key::Field(f) => f.clone(),
            Key::DateFn(d) => d.as_field(),
        }
    }
}

/// The message for an item that names neither a group key nor an aggregate.
fn not_grouped(what: &str) -> String {
    format!("Field must be grouped or aggregated: {what}")
}

impl Planner<'_> {
    /// Resolves a date function over object `base`, checking its argument's type.
    pub(super) fn date_fn(&self, base: usize, d: &DateFunction) -> Result<DateFnRef, SfError> {
        let field = super::resolve::resolve_path(self.store, self.src, base, &d.arg)?;
        let t = field.ftype;
        let fits = if d.func.needs_date_time() {
            t == FieldType::DateTime
        } else {
            matches!(t, FieldType::Date | FieldType::DateTime)
        };
        if !fits {
            let wanted = if d.func.needs_date_time() {
                "a dateTime field"
            } else {
                "a date or dateTime field"
            };
            // [U]
            return Err(qerr::malformed(
                self.src,
                d.pos,
                &format!(
                    "field {} does not support date function {}: it takes {wanted}",
                    field.name,
                    d.func.name()
                ),
            ));
        }
        if d.convert_tz && t != FieldType::DateTime {
            // [U]
            return Err(qerr::malformed(
                self.src,
                d.pos,
                &format!(
                    "convertTimezone() takes a dateTime field, not {}",
                    field.name
                ),
            ));
        }
        Ok(DateFnRef {
            func: d.func,
            zone: d.convert_tz.then_some(self.zone),
            display: d.to_string(),
            field,
        })
    }

    /// A date function as a WHERE operand: its field must be filterable.
    pub(super) fn date_fn_filter(
        &self,
        base: usize,
        d: &DateFunction,
    ) -> Result<DateFnRef, SfError> {
        let r = self.date_fn(base, d)?;
        if !r.field.def(self.store).filterable() && r.field.reads == Reads::Stored {
            return Err(qerr::located(
                crate::org::error::ErrorCode::INVALID_FIELD,
                self.src,
                d.arg.pos,
                &format!(
                    "field '{}' can not be filtered in a query call",
                    r.field.name
                ),
            ));
        }
        Ok(r)
    }

    /// A GROUP BY date function as a key.
    pub(super) fn date_key(&self, base: usize, d: &DateFunction) -> Result<Key, SfError> {
        let r = self.date_fn(base, d)?;
        if r.field.reads == Reads::Stored && !FieldDef::groupable(r.field.def(self.store)) {
            return Err(qerr::located(
                crate::org::error::ErrorCode::INVALID_FIELD,
                self.src,
                d.arg.pos,
                &format!(
                    "field '{}' can not be grouped in a query call",
                    r.field.name
                ),
            ));
        }
        Ok(Key::DateFn(r))
    }

    /// Adds a hidden key for a date function of a grouped date field (`SELECT
    /// CALENDAR_YEAR(CloseDate) … GROUP BY CloseDate`): the function of one date per group
    /// does not split the groups. Date functions already grouped, or of anything else, are
    /// left to [`Planner::date_slot`] to accept or refuse.
    pub(super) fn derive_key(
        &self,
        base: usize,
        d: &DateFunction,
        keys: &mut Vec<Key>,
    ) -> Result<(), SfError> {
        let r = self.date_fn(base, d)?;
        let grouped = keys
            .iter()
            .any(|k| matches!(k, Key::DateFn(g) if g.same(&r)));
        let field_grouped = keys
            .iter()
            .any(|k| matches!(k, Key::Field(f) if super::plan::same_field(f, &r.field)));
        if !grouped && field_grouped && r.field.ftype == FieldType::Date {
            keys.push(Key::DateFn(r));
        }
        Ok(())
    }

    /// The key slot of a date function in SELECT, HAVING or ORDER BY of an aggregate query.
    pub(super) fn date_slot(
        &self,
        base: usize,
        d: &DateFunction,
        keys: &[Key],
    ) -> Result<usize, SfError> {
        let r = self.date_fn(base, d)?;
        keys.iter()
            .position(|k| matches!(k, Key::DateFn(g) if g.same(&r)))
            .ok_or_else(|| qerr::malformed(self.src, d.pos, &not_grouped(&r.display)))
    }
}

/// The error for a date function compared with a date literal, which SOQL does not allow.
pub fn no_date_literal(src: &str, pos: Pos, display: &str) -> SfError {
    // [U]
    qerr::malformed(
        src,
        pos,
        &if display.starts_with("DAY_ONLY") {
            format!("{display} cannot be compared with a date literal: compare it with a date, as in DAY_ONLY(CreatedDate) = 2026-11-29")
        } else {
            format!("{display} cannot be compared with a date literal: compare it with a number, as in CALENDAR_YEAR(CloseDate) = 2026")
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn n(f: DateFunc, s: &str) -> i64 {
        match f.apply(at(s)) {
            Value::Int(n) => n,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn calendar_parts_follow_the_reference_examples() {
        assert_eq!(n(DateFunc::CalendarMonth, "2026-12-31 10:00"), 12);
        assert_eq!(n(DateFunc::CalendarQuarter, "2026-04-01 00:00"), 2);
        assert_eq!(n(DateFunc::CalendarQuarter, "2026-03-31 23:59"), 1);
        assert_eq!(n(DateFunc::CalendarYear, "2009-06-01 00:00"), 2009);
        assert_eq!(n(DateFunc::DayInMonth, "2026-02-20 00:00"), 20);
        assert_eq!(n(DateFunc::DayInYear, "2026-02-01 00:00"), 32);
        assert_eq!(n(DateFunc::HourInDay, "2026-02-01 18:23"), 18);
        assert_eq!(
            DateFunc::DayOnly.apply(at("2009-09-22 23:10")),
            Value::Date(date_to_days(NaiveDate::from_ymd_opt(2009, 9, 22).unwrap()))
        );
    }

    #[test]
    fn weeks_start_on_sunday_and_count_seven_day_blocks() {
        // 2026-03-01 is a Sunday, 2026-03-07 a Saturday.
        assert_eq!(n(DateFunc::DayInWeek, "2026-03-01 12:00"), 1);
        assert_eq!(n(DateFunc::DayInWeek, "2026-03-07 12:00"), 7);
        assert_eq!(n(DateFunc::WeekInMonth, "2026-04-07 00:00"), 1);
        assert_eq!(n(DateFunc::WeekInMonth, "2026-04-10 00:00"), 2);
        assert_eq!(n(DateFunc::WeekInYear, "2026-01-07 00:00"), 1);
        assert_eq!(n(DateFunc::WeekInYear, "2026-01-08 00:00"), 2);
        assert_eq!(n(DateFunc::WeekInYear, "2026-12-31 00:00"), 53);
    }

    #[test]
    fn fiscal_parts_equal_calendar_ones_in_the_default_fiscal_year() {
        for s in ["2026-01-01 00:00", "2026-07-15 00:00", "2026-12-31 00:00"] {
            assert_eq!(n(DateFunc::FiscalMonth, s), n(DateFunc::CalendarMonth, s));
            assert_eq!(
                n(DateFunc::FiscalQuarter, s),
                n(DateFunc::CalendarQuarter, s)
            );
            assert_eq!(n(DateFunc::FiscalYear, s), n(DateFunc::CalendarYear, s));
        }
    }

    #[test]
    fn names_are_found_whatever_their_case() {
        assert_eq!(
            DateFunc::from_name("calendar_year"),
            Some(DateFunc::CalendarYear)
        );
        assert_eq!(DateFunc::WeekInYear.name(), "WEEK_IN_YEAR");
        assert_eq!(DateFunc::from_name("FORMAT"), None);
    }
}
